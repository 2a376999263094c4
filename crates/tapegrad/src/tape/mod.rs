//! The tape (a Wengert list) and `Var`, the handle that records onto it:
//! one concept in a few rooms. `inner` is the storage (nodes, operand words,
//! pools) behind `Tape::with`, `pool` the per-thread pool of dropped tapes'
//! buffers, `record` the recording methods, `view` the read-only views of
//! nodes, `var` and `vars` the handles and their operators, `custom` the
//! user's own ops, and `notes` the guards and reads that `compile` checks.

mod custom;
mod inner;
mod notes;
mod pool;
mod record;
mod var;
mod vars;
mod view;

pub use custom::CustomOp;
pub(crate) use custom::{Call, Erased};
pub(crate) use inner::{Full, Inner};
pub(crate) use notes::{Cmp, Guard, Notes, Read, Side};
pub use var::{Rhs, Var};
pub use vars::Vars;
pub use view::Node;

use std::borrow::Borrow;
use std::cell::{RefCell, UnsafeCell};
use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Sub, SubAssign};
use std::panic::Location;
use std::sync::Arc;

use smallvec::SmallVec;

use crate::op::{self, Apply, Op, Pow, Real, Shape};

/// A tape: the list of every operation recorded so far, in the order it ran.
///
/// Because a node can only use nodes recorded before it, the tape is always
/// in topological order and one reverse sweep computes every gradient.
///
/// ```
/// use tapegrad::Tape;
///
/// let tape = Tape::new();
/// let x = tape.var(2.0).named("x");
/// let y = (x * x).ln().sqrt();
/// let g = y.backward();
/// // dy/dx = 1 / (x·sqrt(ln x²)) = 0.4247…
/// assert!((g.wrt(x) - 1.0 / (2.0 * 4f64.ln().sqrt())).abs() < 1e-15);
/// assert_eq!(tape.len(), 4);
/// ```
///
/// A tape is [`Send`] but not [`Sync`]: move it to another thread to
/// differentiate there, one tape per thread. Its `Var`s cannot cross to
/// another thread, even a scoped one, while the tape records here:
///
/// ```compile_fail
/// let tape = tapegrad::Tape::new();
/// let x = tape.var(1.0);
/// std::thread::scope(|s| {
///     s.spawn(move || x.value()); // error: `Var` cannot be sent between threads
/// });
/// ```
pub struct Tape {
    // Interior mutability lets `Copy` handles record through `&Tape`. The
    // tape is not `Sync`, and no closure given to `with` runs user code or
    // panics, so there is never more than one live borrow (see `with`).
    inner: UnsafeCell<Inner>,
    /// The user's ops of [`Op::Custom`] nodes, by the number in their words.
    /// They live apart from `inner`, so that no closure given to `with` can
    /// reach user code (a trait method, or a `Drop` of the last handle): a
    /// caller clones an op out, the `RefCell`'s borrow ends, and only then
    /// does the op run.
    customs: RefCell<Vec<Arc<dyn Erased>>>,
}

impl Default for Tape {
    /// [`Tape::new`].
    fn default() -> Tape {
        Tape::new()
    }
}

impl Tape {
    /// An empty tape with room for `nodes` nodes before it reallocates.
    ///
    /// ```
    /// let tape = tapegrad::Tape::with_capacity(1000);
    /// assert!(tape.bytes_reserved() >= 1000 * 9);
    /// ```
    ///
    /// # Panics
    /// If the memory for that many nodes (at most the tape's limit, 2³² − 1)
    /// cannot be had; nothing aborts.
    #[track_caller]
    pub fn with_capacity(nodes: usize) -> Tape {
        let tape = Tape::new();
        let (nodes, reserved) = tape.with(|t| {
            let nodes = nodes.min(t.limit);
            (nodes, t.try_reserve_nodes_for(nodes))
        });
        if !reserved {
            let bytes = nodes.saturating_mul(Inner::NODE_BYTES);
            panic!(
                "tapegrad: cannot reserve room for {} nodes ({} bytes); ask for fewer, or let the tape grow as it records",
                grouped(nodes),
                grouped(bytes)
            );
        }
        tape
    }

    /// An empty tape that holds at most `entries` nodes, and as many
    /// constants and input-list entries, instead of the built-in 2³² − 1
    /// (4,294,967,295) of each: a cap on the memory a recording may take.
    /// Recording past it panics, before anything is stored, as recording
    /// past the built-in limit does.
    ///
    /// ```
    /// let tape = tapegrad::Tape::with_limit(2);
    /// let x = tape.var(1.0);
    /// let _y = x + 1.0;
    /// let third = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| x * 2.0));
    /// assert!(third.is_err()); // "tapegrad: a tape holds at most 2 nodes"
    /// assert_eq!(tape.len(), 2);
    /// ```
    pub fn with_limit(entries: u32) -> Tape {
        let tape = Tape::new();
        tape.with(|t| {
            t.limit = entries as usize;
            t.set_room();
        });
        tape
    }

    /// An empty tape that keeps, for every node, the file and line of the
    /// code that recorded it (through `#[track_caller]`): dumps print it
    /// (`%2 = ln %1 = NaN  at src/model.rs:41`), and so do
    /// [`Var::try_backward`]'s errors and the panic for `Var`s of two tapes.
    /// It costs a pointer per node; a tape made otherwise keeps none and
    /// records as fast as before. Nodes of a gradient graph carry the line of
    /// the [`Var::grad_graph`] call.
    ///
    /// ```
    /// use tapegrad::{Graph, Tape};
    ///
    /// let tape = Tape::with_locations();
    /// let x = tape.var(-1.0);
    /// let y = x.ln(); // this line is kept
    /// let line = line!() - 1;
    /// let err = y.try_backward().unwrap_err();
    /// assert!(err.to_string().ends_with(&format!("at {}:{line}", file!())));
    /// assert!(Graph::of(y).to_text().contains(&format!("  at {}:{line}", file!())));
    /// ```
    pub fn with_locations() -> Tape {
        let tape = Tape::new();
        tape.with(|t| t.locations = Some(Vec::new()));
        tape
    }

    /// Where node `index` was recorded, on a tape made by
    /// [`Tape::with_locations`] (`None` on others).
    ///
    /// ```
    /// let tape = tapegrad::Tape::with_locations();
    /// let x = tape.var(2.0);
    /// let at = tape.location(x.index()).unwrap();
    /// assert_eq!((at.file(), at.line()), (file!(), line!() - 2));
    /// assert!(tapegrad::Tape::new().var(1.0).tape().location(0).is_none());
    /// ```
    ///
    /// # Panics
    /// If `index` is not below [`Tape::len`].
    #[track_caller]
    pub fn location(&self, index: usize) -> Option<&'static Location<'static>> {
        self.check_index(index);
        self.with(|t| t.locations.as_ref().map(|l| l[index]))
    }

    /// Runs `f` on the recorded nodes.
    ///
    /// Every access to the inner arrays goes through here. The closures
    /// given to it never call user code, never call back into the tape and
    /// never panic: every index and limit is checked before them, and a
    /// failed check panics after `f` has returned. So the exclusive borrow
    /// is unique even when a panic hook reaches this tape.
    #[inline(always)]
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        // SAFETY: `Tape` is not `Sync`, so only this thread can reach
        // `inner`; the closures passed here neither re-enter the tape nor
        // run user code nor unwind (no panic hook runs while `f` does), so
        // no other reference to `inner` is alive while `f` runs.
        f(unsafe { &mut *self.inner.get() })
    }

    /// A tape holding `inner`, already recorded (a compiled program), with
    /// the custom ops its nodes name.
    pub(crate) fn from_parts(inner: Inner, customs: Vec<Arc<dyn Erased>>) -> Tape {
        Tape {
            inner: UnsafeCell::new(inner),
            customs: RefCell::new(customs),
        }
    }

    /// A tape holding `inner`, with no custom ops.
    pub(crate) fn from_inner(inner: Inner) -> Tape {
        Tape::from_parts(inner, Vec::new())
    }

    /// A copy of this tape's contents.
    pub(crate) fn clone_inner(&self) -> Tape {
        let mut inner = self.with(|t| t.clone());
        // A clone's capacities may differ: `room` must follow them.
        inner.set_room();
        Tape::from_parts(inner, self.customs.borrow().clone())
    }

    /// The user's op of custom node number `id` (its third operand word),
    /// cloned out so that it runs with no borrow of the tape live.
    pub(crate) fn custom_op(&self, id: u32) -> Arc<dyn Erased> {
        Arc::clone(&self.customs.borrow()[id as usize])
    }

    /// The recorded nodes and the custom ops, through an exclusive borrow
    /// of the tape (a compiled program's own).
    pub(crate) fn parts_mut(&mut self) -> (&mut Inner, &[Arc<dyn Erased>]) {
        (self.inner.get_mut(), self.customs.get_mut())
    }

    /// Sets the custom ops of a tape made by [`Tape::from_inner`].
    pub(crate) fn set_customs(&mut self, customs: Vec<Arc<dyn Erased>>) {
        *self.customs.get_mut() = customs;
    }

    /// The recorded nodes, through an exclusive borrow of the tape.
    pub(crate) fn inner_mut(&mut self) -> &mut Inner {
        self.inner.get_mut()
    }

    /// The number of recorded nodes, and checks that `index` is one of them.
    #[track_caller]
    pub(super) fn check_index(&self, index: usize) {
        let len = self.len();
        if index >= len {
            not_on_tape(index, len);
        }
    }

    /// Panics with the message for a full pool: outside any borrow.
    #[cold]
    #[inline(never)]
    #[track_caller]
    pub(crate) fn full(&self, full: Full) -> ! {
        let limit = self.with(|t| t.limit);
        let (one, many) = match full {
            Full::Nodes => ("node", "nodes"),
            Full::Constants => ("constant", "constants"),
            Full::Lists => (
                "input-list entry (the inputs of sums and custom ops)",
                "input-list entries (the inputs of sums and custom ops)",
            ),
            Full::Guards => (
                "distinct comparison of Vars",
                "distinct comparisons of Vars",
            ),
        };
        match limit {
            0 => panic!("tapegrad: a tape holds no {many}"),
            1 => panic!("tapegrad: a tape holds at most 1 {one}"),
            _ => panic!("tapegrad: a tape holds at most {} {many}", grouped(limit)),
        }
    }

    /// The number of recorded nodes.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let x = tape.var(2.0);
    /// let _y = x * x + 1.0; // two more nodes: the product and the sum
    /// assert_eq!(tape.len(), 3);
    /// ```
    pub fn len(&self) -> usize {
        self.with(|t| t.ops.len())
    }

    /// Whether nothing has been recorded.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// assert!(tape.is_empty());
    /// tape.constant(1.0);
    /// assert!(!tape.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Empties the tape and keeps its memory, so a loop that records a step,
    /// backpropagates and clears reaches a steady size.
    ///
    /// ```
    /// let mut tape = tapegrad::Tape::new();
    /// for step in 1..=3 {
    ///     {
    ///         let x = tape.var(f64::from(step));
    ///         let g = (x * x).backward();
    ///         assert_eq!(g[x], 2.0 * f64::from(step)); // d(x²)/dx = 2x
    ///     } // the Vars and Gradients of this step end here
    ///     assert_eq!(tape.len(), 2);
    ///     tape.clear();
    /// }
    /// assert!(tape.is_empty());
    /// ```
    ///
    /// It takes `&mut self`, so the borrow checker rules out any `Var` of
    /// the old contents surviving the call:
    ///
    /// ```compile_fail
    /// let mut tape = tapegrad::Tape::new();
    /// let x = tape.var(1.0);
    /// tape.clear();
    /// let y = x * 2.0; // error: `tape` is borrowed by `x`
    /// ```
    pub fn clear(&mut self) {
        self.inner.get_mut().clear();
        // `&mut self`: no borrow of the tape is live while user ops drop.
        self.customs.get_mut().clear();
    }

    /// Bytes the recorded nodes occupy (lengths, not capacities).
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let w = tape.vars(&[1.0; 10]);
    /// assert_eq!(tape.bytes_used(), 10 * 9); // an op byte and a value per leaf
    /// let _y = w.get(0) * w.get(1); // 9 bytes and two 4-byte input indices
    /// assert_eq!(tape.bytes_used(), 90 + 9 + 8);
    /// ```
    pub fn bytes_used(&self) -> usize {
        use std::mem::size_of;
        self.with(|t| {
            t.ops.len() * size_of::<Op>()
                + t.args.len() * size_of::<u32>()
                + t.values.len() * size_of::<f64>()
                + t.consts.len() * size_of::<f64>()
                + t.lists.len() * size_of::<u32>()
        })
    }

    // The limit counts the scratch stack with the input lists: it holds the
    // terms of sums being gathered, which become input-list entries.

    /// Bytes the tape has reserved (capacities, adjoint buffer and node
    /// index included): what a training loop that clears and re-records
    /// keeps allocated.
    pub fn bytes_reserved(&self) -> usize {
        self.with(|t| t.bytes_reserved())
    }

    #[inline(always)]
    #[track_caller]
    pub(crate) fn check_owns(&self, var: Var<'_>) {
        if !std::ptr::eq(self, var.tape) {
            foreign(var);
        }
    }

    /// [`Tape::check_owns`] for each of `vars`, in a loop rather than a
    /// closure so that a panic names the caller's line.
    #[track_caller]
    pub(crate) fn check_owns_all<'a>(&self, vars: impl IntoIterator<Item = &'a Var<'a>>) {
        for &var in vars {
            self.check_owns(var);
        }
    }
}

impl fmt::Debug for Tape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tape").field("len", &self.len()).finish()
    }
}

/// `n` with its digits in groups of three: `4,294,967,295`.
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(d);
    }
    out
}

#[cold]
#[inline(never)]
#[track_caller]
fn not_on_tape(index: usize, len: usize) -> ! {
    panic!("tapegrad: node {index} is not on this tape (it has {len} nodes)")
}

#[cold]
#[inline(never)]
#[track_caller]
fn interrupted() -> ! {
    panic!(
        "tapegrad: a sum recorded while gathering another sum's terms panicked, and the panic was caught; the outer sum cannot be recorded"
    )
}

#[cold]
#[inline(never)]
#[track_caller]
fn foreign(var: Var<'_>) -> ! {
    let index = var.index;
    let at = var
        .tape
        .with(|t| t.locations.as_ref().map(|l| l[index as usize]));
    let at = at.map_or(String::new(), |l| {
        format!(", recorded at {}:{}", l.file(), l.line())
    });
    panic!(
        "tapegrad: cannot combine Vars from two different tapes (node {index} belongs to another tape{at})"
    )
}
