//! The tape (a Wengert list) and `Var`, the handle that records onto it:
//! one concept in a few rooms. `Tape` owns a [`State`]: the storage
//! (`inner`: nodes, operand words, pools) behind `State::with` and the
//! custom ops; `live` finds a `Var`'s tape on this thread by its recording
//! id, `pool` is the per-thread pool of dropped tapes' buffers, `record` the
//! recording methods, `view` the read-only views of nodes, `var` and `vars`
//! the handles and their operators, `custom` the user's own ops, and
//! `notes` the guards and reads that `compile` checks.

mod custom;
mod elsewhere;
mod inner;
mod live;
mod notes;
#[cfg(feature = "num-traits")]
mod num;
mod operators;
mod pool;
mod record;
mod results;
#[cfg(feature = "nalgebra")]
mod simba;
mod sweeps;
mod var;
mod vars;
mod view;

pub use custom::CustomOp;
pub(crate) use custom::{Call, Erased};
pub(crate) use inner::{Full, Inner};
pub(crate) use live::shared;
pub(crate) use notes::{Cmp, Guard, Notes, Read, Side};
pub use operators::Rhs;
pub use results::{Gradients, Hessian, Jacobian};
pub(crate) use sweeps::{Backward, GradGraph};
pub use var::Var;
pub use vars::Vars;
pub use view::Node;

use std::borrow::Borrow;
use std::cell::{Cell, RefCell, UnsafeCell};
use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Sub, SubAssign};
use std::panic::Location;
use std::rc::Rc;
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
/// A tape records on the thread that made it: it is neither [`Send`] nor
/// [`Sync`], and a [`Var`], which is both, panics when it is used on another
/// thread. Make a tape per thread instead: [`Tape::new`] takes back the
/// buffers of the thread's dropped tapes, so that costs no allocation.
///
/// ```compile_fail
/// let tape = tapegrad::Tape::new();
/// std::thread::spawn(move || tape.var(1.0)); // error: `Tape` cannot be sent between threads
/// ```
pub struct Tape {
    // Shared with the thread's list of live tapes, by which `Var`s find
    // it, and kept alive by code that runs the user's code while it works
    // on the tape (see `live::shared`).
    state: Rc<State>,
}

/// What a [`Tape`] owns: its recording id, its nodes and its custom ops. A
/// compiled program owns one too, apart from any tape.
pub(crate) struct State {
    /// The recording's id, which `Var`s carry: new for every tape, and
    /// again after [`Tape::clear`], so a `Var` of old contents is refused.
    id: Cell<u64>,
    /// The first recording's id, which names the tape across clears.
    serial: u64,
    // Interior mutability lets `Copy` handles record through `&State`. A
    // state is not `Sync`, and no closure given to `with` runs user code or
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

impl Drop for Tape {
    fn drop(&mut self) {
        // No `Var` finds the state from here on; code that still holds it
        // (a `Graph`, say) keeps it until it lets go.
        live::unregister(&self.state);
    }
}

impl Tape {
    /// A tape owning `state`, live on this thread.
    fn of(state: State) -> Tape {
        let state = Rc::new(state);
        live::register(&state);
        Tape { state }
    }

    /// What this tape owns.
    #[inline(always)]
    pub(crate) fn state(&self) -> &State {
        &self.state
    }

    /// A handle on this tape's state that outlives the borrow of the tape.
    pub(crate) fn shared(&self) -> Rc<State> {
        Rc::clone(&self.state)
    }

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
        let (nodes, reserved) = tape.state.with(|t| {
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
        tape.state.with(|t| {
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
        tape.state.with(|t| {
            t.locations = Some(Vec::new());
            t.set_room();
        });
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
    /// let other = tapegrad::Tape::new();
    /// other.var(1.0);
    /// assert!(other.location(0).is_none());
    /// ```
    ///
    /// # Panics
    /// If `index` is not below [`Tape::len`].
    #[track_caller]
    pub fn location(&self, index: usize) -> Option<&'static Location<'static>> {
        self.state.check_index(index);
        self.state.with(|t| t.locations.as_ref().map(|l| l[index]))
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
        self.state.len()
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
    ///     let x = tape.var(f64::from(step));
    ///     let g = (x * x).backward();
    ///     assert_eq!(g[x], 2.0 * f64::from(step)); // d(x²)/dx = 2x
    ///     assert_eq!(tape.len(), 2);
    ///     tape.clear();
    /// }
    /// assert!(tape.is_empty());
    /// ```
    ///
    /// The tape's `Var`s of the old contents are void: using one panics
    /// (a new recording id tells them apart), it never reads a new node.
    ///
    /// ```should_panic
    /// let mut tape = tapegrad::Tape::new();
    /// let x = tape.var(1.0);
    /// tape.clear();
    /// let y = x * 2.0; // panics: "this Var's tape was dropped or cleared"
    /// ```
    pub fn clear(&mut self) {
        self.state.clear();
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
        self.state.bytes_used()
    }

    /// Bytes the tape has reserved (capacities, adjoint buffer and node
    /// index included): what a training loop that clears and re-records
    /// keeps allocated.
    pub fn bytes_reserved(&self) -> usize {
        self.state.with(|t| t.bytes_reserved())
    }
}

impl State {
    /// A state holding `inner`, with a recording id no other has had.
    pub(crate) fn from_parts(inner: Inner, customs: Vec<Arc<dyn Erased>>) -> State {
        let id = live::fresh_id();
        State {
            id: Cell::new(id),
            serial: id,
            inner: UnsafeCell::new(inner),
            customs: RefCell::new(customs),
        }
    }

    /// A state holding `inner`, with no custom ops.
    pub(crate) fn from_inner(inner: Inner) -> State {
        State::from_parts(inner, Vec::new())
    }

    /// The id of the current recording, which its `Var`s carry.
    #[inline(always)]
    pub(crate) fn id(&self) -> u64 {
        self.id.get()
    }

    /// The tape's first recording id, which names it across clears.
    pub(crate) fn serial(&self) -> u64 {
        self.serial
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
        // SAFETY: `State` is not `Sync`, and a tape's state is reached only
        // through its `Rc` (not `Send`) or this thread's list of live tapes,
        // so only this thread can reach `inner`; the closures passed here
        // neither re-enter the tape nor run user code nor unwind (no panic
        // hook runs while `f` does), so no other reference to `inner` is
        // alive while `f` runs.
        f(unsafe { &mut *self.inner.get() })
    }

    /// A copy of this state's contents, with an id of its own.
    pub(crate) fn clone_inner(&self) -> State {
        let mut inner = self.with(|t| t.clone());
        // A clone's capacities may differ: `room` must follow them.
        inner.set_room();
        State::from_parts(inner, self.customs.borrow().clone())
    }

    /// The user's op of custom node number `id` (its third operand word),
    /// cloned out so that it runs with no borrow of the tape live.
    pub(crate) fn custom_op(&self, id: u32) -> Arc<dyn Erased> {
        Arc::clone(&self.customs.borrow()[id as usize])
    }

    /// The recorded nodes and the custom ops, through an exclusive borrow
    /// of the state (a compiled program's own).
    pub(crate) fn parts_mut(&mut self) -> (&mut Inner, &[Arc<dyn Erased>]) {
        (self.inner.get_mut(), self.customs.get_mut())
    }

    /// Sets the custom ops of a state made by [`State::from_inner`].
    pub(crate) fn set_customs(&mut self, customs: Vec<Arc<dyn Erased>>) {
        *self.customs.get_mut() = customs;
    }

    /// The recorded nodes, through an exclusive borrow of the state.
    pub(crate) fn inner_mut(&mut self) -> &mut Inner {
        self.inner.get_mut()
    }

    /// The number of recorded nodes, and checks that `index` is one of them.
    #[track_caller]
    pub(crate) fn check_index(&self, index: usize) {
        let len = self.len();
        if index >= len {
            not_on_tape(index, len);
        }
    }

    /// The number of recorded nodes.
    pub(crate) fn len(&self) -> usize {
        self.with(|t| t.ops.len())
    }

    /// Bytes the recorded nodes occupy.
    pub(crate) fn bytes_used(&self) -> usize {
        use std::mem::size_of;
        self.with(|t| {
            t.ops.len() * size_of::<Op>()
                + t.args.len() * size_of::<u32>()
                + t.values.len() * size_of::<f64>()
                + t.consts.len() * size_of::<f64>()
                + t.lists.len() * size_of::<u32>()
        })
    }

    /// Empties the state under a new recording id, keeping its memory.
    fn clear(&self) {
        let id = live::fresh_id();
        self.id.set(id);
        live::renew(self, id);
        self.with(Inner::clear);
        // The user's ops are dropped after the borrow of the list has
        // ended, so their `Drop` may use the tape.
        let customs = std::mem::take(&mut *self.customs.borrow_mut());
        drop(customs);
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

    /// The node of `var` on this tape: its own, or for a constant a new
    /// `const` node recorded for it (the inputs of sums, custom ops and
    /// other lists are nodes).
    ///
    /// # Panics
    /// If `var` is a node of another tape or recording.
    #[inline]
    #[track_caller]
    pub(crate) fn node_of(&self, var: Var) -> u32 {
        if var.id == self.id() {
            var.index
        } else if var.is_constant() {
            self.push(Op::Const, [], var.value).index
        } else {
            self.foreign(var)
        }
    }

    /// Checks that `var` is a node of this tape's current recording.
    #[inline(always)]
    #[track_caller]
    pub(crate) fn check_owns(&self, var: Var) {
        if var.id != self.id() {
            self.foreign(var);
        }
    }

    /// [`State::check_owns`] for each of `vars`, in a loop rather than a
    /// closure so that a panic names the caller's line.
    #[track_caller]
    pub(crate) fn check_owns_all<'a>(&self, vars: impl IntoIterator<Item = &'a Var>) {
        for &var in vars {
            self.check_owns(var);
        }
    }

    /// Panics for `var`, which is not a node of this recording: a constant,
    /// a node of another live tape, or one whose tape is gone.
    #[cold]
    #[inline(never)]
    #[track_caller]
    pub(crate) fn foreign(&self, var: Var) -> ! {
        if var.is_constant() {
            panic!(
                "tapegrad: a constant Var (value {}) is not a node of this tape; record it with `tape.constant(c)`",
                var.value
            )
        }
        if !live::is_live(var.id) {
            live::missing(var.id)
        }
        two_tapes(var)
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
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
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

/// Panics for `var`, a node of another live tape of this thread.
#[cold]
#[inline(never)]
#[track_caller]
pub(crate) fn two_tapes(var: Var) -> ! {
    let index = var.index;
    let at = live::shared(var.id).with(|t| t.locations.as_ref().map(|l| l[index as usize]));
    let at = at.map_or(String::new(), |l| {
        format!(", recorded at {}:{}", l.file(), l.line())
    });
    panic!(
        "tapegrad: cannot combine Vars from two different tapes (node {index} belongs to another tape{at})"
    )
}
