//! The tape (a Wengert list) and `Var`, the handle that records onto it.

use std::borrow::Borrow;
use std::cell::{RefCell, UnsafeCell};
use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Sub, SubAssign};
use std::panic::Location;
use std::sync::Arc;

use smallvec::SmallVec;

use crate::custom::{CustomOp, Erased};
use crate::op::{self, Apply, Op, Real, Shape};
use crate::replay::Notes;

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

thread_local! {
    /// Buffers of tapes dropped on this thread, each with its size, for
    /// [`Tape::new`]; at most [`Tape::POOL_BYTES`] in all.
    static POOL: RefCell<VecDeque<(Inner, usize)>> = const { RefCell::new(VecDeque::new()) };
}

impl Drop for Tape {
    fn drop(&mut self) {
        // The user's ops are dropped here, with no borrow of the tape live.
        self.customs.get_mut().clear();
        let mut inner = std::mem::take(self.inner.get_mut());
        if inner.bytes_reserved() == 0 {
            return; // nothing to keep
        }
        // Everything the pool would keep: the buffers and the header.
        let bytes = inner.bytes_reserved() + size_of::<(Inner, usize)>();
        if bytes > Tape::POOL_BYTES {
            return; // too much: freed here
        }
        inner.clear();
        inner.locations = None;
        inner.limit = u32::MAX as usize;
        inner.set_room();
        // During thread teardown the pool may be gone: then free.
        let _ = POOL.try_with(|p| {
            let mut p = p.borrow_mut();
            // The tape dropped last is the one a loop takes back next, so
            // it stays, and the oldest buffers make room for it, each in
            // O(1); the pool holds a few tapes, so the sum is short.
            let mut pooled = bytes + p.iter().map(|(_, b)| b).sum::<usize>();
            while pooled > Tape::POOL_BYTES || p.len() >= Tape::POOL_TAPES {
                let Some((_, freed)) = p.pop_front() else {
                    break;
                };
                pooled -= freed;
            }
            p.push_back((inner, bytes));
        });
    }
}

impl Default for Tape {
    /// [`Tape::new`].
    fn default() -> Tape {
        Tape::new()
    }
}

/// Which pool of a tape a recording would overfill.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Full {
    Nodes,
    Constants,
    Lists,
    /// The guards noted by comparisons ([`Tape::compile`]).
    Guards,
}

/// The recorded nodes: an op byte and a value per node, and the nodes'
/// operand words back to back in one stream (9 bytes a node, plus 4 for each
/// input, 8 for each constant and 4 for each entry of an input list).
///
/// A node's words are found by walking the stream: the backward sweep walks
/// it from the end, and random access (node views, recorded sweeps) goes
/// through `offsets`, an index built on demand.
#[derive(Clone)]
pub(crate) struct Inner {
    pub(crate) ops: Vec<Op>,
    pub(crate) values: Vec<f64>,
    /// The operand words of every node in tape order, [`Op::words`] of them
    /// per node.
    pub(crate) args: Vec<u32>,
    /// How many nodes can be appended, with up to two words each, without
    /// growing `ops`, `values` or `args`, so that appending checks one number.
    room: usize,
    pub(crate) consts: Vec<f64>,
    pub(crate) lists: Vec<u32>,
    pub(crate) names: BTreeMap<u32, Box<str>>,
    /// Where the words of each node start in `args`, for nodes below its
    /// length: extended on demand, and still valid when the tape grows.
    offsets: Vec<usize>,
    /// Inputs of the sums being gathered, innermost last (see [`Tape::sum`]).
    pub(crate) scratch: Vec<u32>,
    /// How many sums are gathering inputs; a sum that panics leaves it one
    /// too high, which is how an enclosing sum notices.
    pub(crate) open_sums: usize,
    /// Node ranges recorded by [`Var::grad_graph`]: the backward part, in
    /// increasing order and disjoint (each is recorded after the last).
    pub(crate) backward: Vec<std::ops::Range<u32>>,
    /// The most nodes, constants and input-list entries the tape may hold,
    /// each (`u32::MAX` unless [`Tape::with_limit`] set fewer).
    limit: usize,
    /// The adjoint buffer of the last dropped `Gradients`, kept for reuse so
    /// that a training loop does not allocate one per step.
    pub(crate) spare: Vec<f64>,
    /// The comparisons made and values read while recording, for
    /// [`Tape::compile`].
    pub(crate) notes: Notes,
    /// Where each node was recorded, on a tape made by
    /// [`Tape::with_locations`].
    pub(crate) locations: Option<Vec<&'static Location<'static>>>,
    /// The line nodes are noted at instead of their own, while
    /// [`Var::grad_graph`] records (its nodes come from the op table).
    pub(crate) recording_at: Option<&'static Location<'static>>,
}

impl Default for Inner {
    fn default() -> Inner {
        Inner {
            ops: Vec::new(),
            values: Vec::new(),
            args: Vec::new(),
            room: 0,
            consts: Vec::new(),
            lists: Vec::new(),
            names: BTreeMap::new(),
            offsets: Vec::new(),
            scratch: Vec::new(),
            open_sums: 0,
            backward: Vec::new(),
            limit: u32::MAX as usize,
            spare: Vec::new(),
            notes: Notes::default(),
            locations: None,
            recording_at: None,
        }
    }
}

impl Inner {
    /// Appends a node with `N ≤ 2` operand words with one capacity check,
    /// or returns `None` if the tape holds its most nodes already.
    #[inline(always)]
    fn push_node<const N: usize>(&mut self, op: Op, words: [u32; N], value: f64) -> Option<usize> {
        const { assert!(N <= 2) };
        debug_assert_eq!(op.words(), N);
        let index = self.ops.len();
        if index == self.room && !self.reserve_nodes() {
            return None;
        }
        let at = self.args.len();
        // SAFETY: `ops` and `values` have length `index` and room for
        // `self.room > index` elements, and `args` has two spare words for
        // each of those nodes (see `set_room`).
        unsafe {
            self.ops.as_mut_ptr().add(index).write(op);
            self.values.as_mut_ptr().add(index).write(value);
            let args = self.args.as_mut_ptr().add(at);
            for (j, w) in words.into_iter().enumerate() {
                args.add(j).write(w);
            }
            self.ops.set_len(index + 1);
            self.values.set_len(index + 1);
            self.args.set_len(at + N);
        }
        Some(index)
    }

    /// Grows the buffers that bind (amortised doubling, at least
    /// [`Inner::MIN_GROWTH`] nodes): the node arrays when full, the word
    /// stream when fewer than that many two-word nodes fit; or returns false
    /// if the tape holds its most nodes already.
    ///
    /// A tape of many leaves (no words) fills its node arrays first, and one
    /// of binary ops its words. Growing both whenever either binds would
    /// double the other for nothing, and a tape taken back from the pool
    /// would outgrow the pool's bound. The word stream grows a little early
    /// so that a stretch of leaves after binary ops does not come back here
    /// for every node.
    #[cold]
    #[inline(never)]
    fn reserve_nodes(&mut self) -> bool {
        let len = self.ops.len();
        if len >= self.limit {
            return false;
        }
        let more = len.max(Inner::MIN_GROWTH);
        if self.ops.capacity() == len || self.values.capacity() == len {
            self.ops.reserve(more);
            self.values.reserve(more);
        }
        if self.args.capacity() - self.args.len() < 2 * Inner::MIN_GROWTH {
            self.args.reserve(2 * more);
        }
        self.set_room();
        debug_assert!(self.room > len);
        true
    }

    /// The fewest nodes a tape grows by.
    const MIN_GROWTH: usize = 64;

    /// The most nodes, constants, input-list entries and guards the tape
    /// may hold, each.
    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    /// Whether `more` entries fit in a pool that holds `len` now.
    fn fits(&self, len: usize, more: usize) -> bool {
        more <= self.limit - len.min(self.limit)
    }

    /// Appends a node with three operand words (a dot product or a custom
    /// op), after checking that it fits.
    fn push_node3(&mut self, op: Op, words: [u32; 3], value: f64) -> Option<usize> {
        if !self.fits(self.ops.len(), 1) {
            return None;
        }
        self.ops.push(op);
        self.values.push(value);
        self.args.extend(words);
        self.set_room();
        Some(self.ops.len() - 1)
    }

    /// The bytes a node of up to two words takes: its op, value and words.
    const NODE_BYTES: usize = size_of::<Op>() + size_of::<f64>() + 2 * size_of::<u32>();

    /// Makes room for `more` nodes of up to two words each, or returns
    /// false if the memory cannot be had (what was had is kept).
    fn try_reserve_nodes_for(&mut self, more: usize) -> bool {
        let reserved = self.ops.try_reserve(more).is_ok()
            && self.values.try_reserve(more).is_ok()
            && more
                .checked_mul(2)
                .is_some_and(|words| self.args.try_reserve(words).is_ok());
        self.set_room();
        reserved
    }

    /// Notes how many nodes of up to two words fit without growing, and
    /// without passing the limit.
    pub(crate) fn set_room(&mut self) {
        let spare_words = self.args.capacity() - self.args.len();
        self.room = self
            .ops
            .capacity()
            .min(self.values.capacity())
            .min(self.ops.len() + spare_words / 2)
            .min(self.limit);
    }

    /// Forgets every node and note, keeping the buffers.
    pub(crate) fn clear(&mut self) {
        self.ops.clear();
        self.args.clear();
        self.values.clear();
        self.set_room();
        self.consts.clear();
        self.lists.clear();
        self.names.clear();
        self.offsets.clear();
        self.open_sums = 0;
        self.scratch.clear();
        self.backward.clear();
        self.notes.clear();
        if let Some(l) = &mut self.locations {
            l.clear();
        }
        self.recording_at = None;
    }

    /// Notes that the last `count` nodes were recorded at `at`, on a tape
    /// that keeps locations.
    #[inline(always)]
    fn locate(&mut self, at: &'static Location<'static>, count: usize) {
        // Only the test is inlined into every recording method: the rest
        // stays out of line, so recording on a tape without locations
        // costs one predictable branch and no code size.
        if self.locations.is_some() {
            self.locate_slow(at, count);
        }
    }

    #[cold]
    #[inline(never)]
    fn locate_slow(&mut self, at: &'static Location<'static>, count: usize) {
        let at = self.recording_at.unwrap_or(at);
        if let Some(l) = &mut self.locations {
            l.extend(std::iter::repeat_n(at, count));
        }
    }

    /// Bytes reserved by the buffers.
    pub(crate) fn bytes_reserved(&self) -> usize {
        use std::mem::size_of;
        self.ops.capacity() * size_of::<Op>()
            + self.args.capacity() * size_of::<u32>()
            + self.values.capacity() * size_of::<f64>()
            + self.consts.capacity() * size_of::<f64>()
            + self.lists.capacity() * size_of::<u32>()
            + self.spare.capacity() * size_of::<f64>()
            + self.offsets.capacity() * size_of::<usize>()
            + self.scratch.capacity() * size_of::<u32>()
            + self.backward.capacity() * size_of::<std::ops::Range<u32>>()
            + self.notes.bytes_reserved()
    }

    /// The operand words of node `i`, padded with zeros to three.
    pub(crate) fn words(&mut self, i: usize) -> [u32; 3] {
        let start = self.offset(i);
        let mut words = [0; 3];
        let n = self.ops[i].words();
        words[..n].copy_from_slice(&self.args[start..start + n]);
        words
    }

    /// Where the words of node `i` start, extending the index as needed.
    /// Callers check `i < len` first: nothing panics while the tape is
    /// borrowed.
    fn offset(&mut self, i: usize) -> usize {
        debug_assert!(i < self.ops.len());
        if self.offsets.len() <= i {
            let mut at = match self.offsets.last() {
                Some(&last) => last + self.ops[self.offsets.len() - 1].words(),
                None => 0,
            };
            let from = self.offsets.len();
            self.offsets.reserve(self.ops.len() - from);
            for op in &self.ops[from..] {
                self.offsets.push(at);
                at += op.words();
            }
        }
        self.offsets[i]
    }

    /// Where the words after node `out` start: the stream walked back from
    /// its end, which is where a sweep from the last node starts.
    pub(crate) fn words_end(&self, out: usize) -> usize {
        let after: usize = self.ops[out + 1..].iter().map(|op| op.words()).sum();
        self.args.len() - after
    }
}

impl Tape {
    /// An empty tape.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// assert!(tape.is_empty());
    /// let x = tape.var(1.0);
    /// assert_eq!((tape.len(), x.index()), (1, 0)); // the first node is %0
    /// ```
    ///
    /// A tape dropped on this thread leaves its buffers in a small
    /// per-thread pool, and a new tape takes them back, so a loop that makes
    /// a tape per step allocates no more than one that clears a tape. The
    /// pool keeps at most [`POOL_BYTES`](Tape::POOL_BYTES) in all, the
    /// buffers of the tapes dropped last: older ones are freed to make room,
    /// and a huge tape's buffers are freed when it is dropped.
    pub fn new() -> Tape {
        let inner = POOL
            .try_with(|p| p.borrow_mut().pop_back())
            .ok()
            .flatten()
            .map_or_else(Inner::default, |(inner, _)| inner);
        Tape::from_inner(inner)
    }

    /// The most bytes of dropped tapes' buffers each thread keeps for new
    /// tapes (64 MiB); a tape that reserved more is freed when dropped.
    pub const POOL_BYTES: usize = 64 << 20;

    /// The most dropped tapes whose buffers each thread keeps for new
    /// tapes, however small they are.
    pub const POOL_TAPES: usize = 8;

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
    fn check_index(&self, index: usize) {
        let len = self.len();
        if index >= len {
            not_on_tape(index, len);
        }
    }

    /// A new leaf: an input that gradients can be taken with respect to.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let x = tape.var(1.5);
    /// assert_eq!(x.value(), 1.5);
    /// assert_eq!(x.backward()[x], 1.0); // dx/dx = 1
    /// ```
    #[inline]
    #[track_caller]
    pub fn var(&self, value: f64) -> Var<'_> {
        self.push(Op::Leaf, [], value)
    }

    /// A block of leaves, one per value, at consecutive tape positions: the
    /// weights of a layer, say. Recording them is a copy of `values`, their
    /// gradients come back as one slice
    /// ([`Gradients::wrt_vars`](crate::Gradients::wrt_vars)), and
    /// [`Vars::dot`] takes their weighted sum as one node.
    ///
    /// ```
    /// use tapegrad::Tape;
    ///
    /// let tape = Tape::new();
    /// let w = tape.vars(&[1.0, 2.0, 3.0]);
    /// let b = tape.var(0.5);
    /// let z = w.dot(&[4.0, 5.0, 6.0]) + b; // 4 + 10 + 18 + 0.5
    /// assert_eq!(z.value(), 32.5);
    /// let g = z.backward();
    /// // ∂z/∂wᵢ = xᵢ
    /// assert_eq!(&g.wrt_vars(w)[..], &[4.0, 5.0, 6.0]);
    /// assert_eq!(g.wrt(w.get(1)), 5.0);
    /// ```
    ///
    /// # Panics
    /// If the tape would hold more than `u32::MAX` nodes.
    #[track_caller]
    pub fn vars(&self, values: &[f64]) -> Vars<'_> {
        let at = Location::caller();
        let start = self.with(|t| {
            let start = t.ops.len();
            if !t.fits(start, values.len()) {
                return Err(Full::Nodes);
            }
            t.ops.resize(start + values.len(), Op::Leaf);
            t.values.extend_from_slice(values);
            t.set_room();
            t.locate(at, values.len());
            Ok(start)
        });
        let start = start.unwrap_or_else(|full| self.full(full));
        Vars {
            tape: self,
            start: start as u32,
            len: values.len() as u32,
        }
    }

    /// A recorded constant: it appears in dumps, but it is not a leaf, and
    /// [`Gradients::leaves`](crate::Gradients::leaves) skips it.
    ///
    /// ```
    /// use tapegrad::{Op, Tape};
    ///
    /// let tape = Tape::new();
    /// let x = tape.var(2.0);
    /// let c = tape.constant(3.0);
    /// let y = x * c;
    /// assert_eq!(c.op(), Op::Const);
    /// let g = y.backward();
    /// assert_eq!(g[x], 3.0); // dy/dx = c
    /// assert_eq!(g.leaves().len(), 1); // x only
    /// ```
    #[track_caller]
    pub fn constant(&self, value: f64) -> Var<'_> {
        self.push(Op::Const, [], value)
    }

    /// The sum of any number of `Var`s, recorded as one node: a slice, a
    /// `Vec`, or any iterator of `Var`s or `&Var`s. An empty sum is 0.
    ///
    /// ```
    /// use tapegrad::Tape;
    ///
    /// let tape = Tape::new();
    /// let xs = vec![tape.var(1.0), tape.var(2.0), tape.var(3.0)];
    /// let s = tape.sum(&xs);
    /// assert_eq!(s.value(), 6.0);
    /// let squares = tape.sum(xs.iter().map(|&x| x * x));
    /// assert_eq!(squares.value(), 14.0);
    /// assert_eq!(tape.sum(&xs[..0]).value(), 0.0);
    /// // ∂s/∂xᵢ = 1 for every term
    /// assert_eq!(s.backward().wrt_all(&xs), vec![1.0, 1.0, 1.0]);
    /// ```
    ///
    /// # Panics
    /// If a `Var` belongs to another tape, or the tape would hold more than
    /// its limit of input-list entries.
    #[track_caller]
    pub fn sum<'t, T: Borrow<Var<'t>>>(&'t self, terms: impl IntoIterator<Item = T>) -> Var<'t> {
        // The iterator is user code that may itself record, even another
        // sum: gather the inputs on the tape's scratch stack, where a nested
        // sum works above this one's segment and leaves it as it found it.
        // Only the gathering loop is generic; the rest is one function for
        // every sum, which keeps each caller's copy small enough to inline.
        let (base, depth) = self.open_sum();
        let mut value = 0.0;
        for term in terms {
            let term = *term.borrow();
            self.check_owns(term);
            value += term.value;
            // The terms gathered (this sum's and any enclosing one's) are
            // input-list entries to be: they count toward the limit before
            // the stack grows (checked only then, which costs a loop of
            // pushes nothing; `close_sum` checks the exact count).
            let pushed = self.with(|t| {
                let full = t.scratch.len() == t.scratch.capacity()
                    && !t.fits(t.lists.len() + t.scratch.len(), 1);
                if !full {
                    t.scratch.push(term.index);
                }
                !full
            });
            if !pushed {
                self.abandon_sum(base, depth);
                self.full(Full::Lists);
            }
        }
        self.close_sum(base, depth, value)
    }

    /// Drops the terms of a sum that will not be recorded.
    #[cold]
    fn abandon_sum(&self, base: usize, depth: usize) {
        self.with(|t| {
            if t.open_sums == depth {
                t.scratch.truncate(base);
                t.open_sums = depth - 1;
            }
        });
    }

    /// Opens a sum: its terms go on the scratch stack from the returned
    /// base, at the returned nesting depth.
    #[inline]
    fn open_sum(&self) -> (usize, usize) {
        self.with(|t| {
            t.open_sums += 1;
            (t.scratch.len(), t.open_sums)
        })
    }

    /// Records the sum whose terms lie on the scratch stack from `base`.
    #[inline(never)]
    #[track_caller]
    fn close_sum(&self, base: usize, depth: usize, value: f64) -> Var<'_> {
        let gathered = self.with(|t| {
            if t.open_sums != depth {
                // A sum recorded by the iterator panicked and the panic was
                // caught: its inputs are mixed into ours.
                t.scratch.truncate(base);
                t.open_sums = depth - 1;
                return Err(None);
            }
            t.open_sums -= 1;
            let (start, len) = (t.lists.len(), t.scratch.len() - base);
            // The list and the node must both fit, checked before either
            // is stored; then `start + len` and every `start + i` the
            // sweep forms stay below the limit, within `u32`.
            if !t.fits(start, len) || !t.fits(t.ops.len(), 1) {
                t.scratch.truncate(base);
                return Err(Some(if t.fits(start, len) {
                    Full::Nodes
                } else {
                    Full::Lists
                }));
            }
            t.lists.extend(t.scratch.drain(base..));
            Ok((start as u32, len as u32))
        });
        match gathered {
            Ok((start, len)) => self.push(Op::Sum, [start, len], value),
            Err(None) => interrupted(),
            Err(Some(full)) => self.full(full),
        }
    }

    /// Records a node of the user's own op `op` over `inputs`: its value is
    /// `op.value` of theirs, and every sweep ([`Var::backward`],
    /// [`Var::try_backward`], [`Var::grad_graph`], and so Hessians) reads
    /// `op.partials`. Dumps show it by [`CustomOp::name`].
    ///
    /// ```
    /// use tapegrad::{CustomOp, Real, Tape};
    ///
    /// /// `x·eʸ`, one node with two inputs.
    /// struct XExpY;
    ///
    /// impl CustomOp for XExpY {
    ///     fn name(&self) -> &str {
    ///         "x_exp_y"
    ///     }
    ///     fn value(&self, x: &[f64]) -> f64 {
    ///         x[0] * x[1].exp()
    ///     }
    ///     fn partials<R: Real>(&self, x: &[R], out: R) -> Vec<R> {
    ///         // ∂/∂x = eʸ, ∂/∂y = x·eʸ (the output)
    ///         vec![x[1].exp(), out]
    ///     }
    /// }
    ///
    /// let tape = Tape::new();
    /// let (x, y) = (tape.var(3.0), tape.var(0.0));
    /// let z = tape.custom(XExpY, &[x, y]);
    /// assert_eq!(z.value(), 3.0);
    /// let g = z.backward();
    /// assert_eq!((g[x], g[y]), (1.0, 3.0));
    /// // ∂²z/∂x∂y = eʸ = 1, through the recorded gradient graph
    /// let dz_dy = z.grad_graph(&[y])[0];
    /// assert_eq!(dz_dy.backward()[x], 1.0);
    /// ```
    ///
    /// # Panics
    /// If a `Var` belongs to another tape, or the tape would pass its limits.
    /// A sweep panics, naming the op, if `partials` does not return one
    /// partial per input.
    #[track_caller]
    pub fn custom<'t, C>(&'t self, op: C, inputs: &[Var<'t>]) -> Var<'t>
    where
        C: CustomOp + Send + Sync + 'static,
    {
        self.check_owns_all(inputs);
        let xs: Vec<f64> = inputs.iter().map(|v| v.value).collect();
        let value = op.value(&xs);
        let op: Arc<dyn Erased> = Arc::new(op);
        let at = Location::caller();
        let id = self.customs.borrow().len();
        // The closure stores indices only: the op is stored after it, and
        // on a full tape it is dropped after it, with no borrow live.
        let index = self.with(|t| {
            let start = t.lists.len();
            if !t.fits(start, inputs.len()) {
                return Err(Full::Lists);
            }
            if !t.fits(id, 1) || !t.fits(t.ops.len(), 1) {
                return Err(Full::Nodes);
            }
            t.lists.extend(inputs.iter().map(|v| v.index));
            let words = [start as u32, inputs.len() as u32, id as u32];
            let index = t.push_node3(Op::Custom, words, value).ok_or(Full::Nodes)?;
            t.locate(at, 1);
            Ok(index)
        });
        match index {
            Ok(index) => {
                self.customs.borrow_mut().push(op);
                self.handle(index, value)
            }
            Err(full) => {
                drop(op);
                self.full(full)
            }
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

    /// A read-only view of node `index`.
    ///
    /// ```
    /// use tapegrad::{Op, Tape};
    ///
    /// let tape = Tape::new();
    /// let x = tape.var(2.0).named("x");
    /// let y = x * 3.0;
    /// let node = tape.node(y.index());
    /// assert_eq!((node.op, node.value, node.constant), (Op::MulConst, 6.0, Some(3.0)));
    /// assert_eq!(node.inputs.as_slice(), &[x.index()]);
    /// ```
    ///
    /// # Panics
    /// If `index` is not below [`Tape::len`].
    ///
    /// Its value is a read, noted as [`Var::value`] notes one: code may
    /// branch on it.
    #[track_caller]
    pub fn node(&self, index: usize) -> Node {
        self.check_index(index);
        self.note_read(index as u32);
        self.node_view(index)
    }

    /// [`Tape::node`] for the engine's own views and errors, which never
    /// note a read. Callers check `index` first.
    pub(crate) fn node_view(&self, index: usize) -> Node {
        let mut node = self.with(|t| {
            let op = t.ops[index];
            let [a, b, k] = t.words(index);
            let mut coefficients = Vec::new();
            let (inputs, constant) = match op.shape() {
                Shape::Nullary => (Vec::new(), None),
                Shape::Unary => (vec![a as usize], None),
                Shape::UnaryConst { .. } => (vec![a as usize], Some(t.consts[b as usize])),
                Shape::Binary => (vec![a as usize, b as usize], None),
                Shape::Nary | Shape::Custom => (
                    t.lists[a as usize..(a + b) as usize]
                        .iter()
                        .map(|&i| i as usize)
                        .collect(),
                    None,
                ),
                Shape::Dot => {
                    coefficients = t.consts[k as usize..(k + b) as usize].to_vec();
                    ((a as usize..(a + b) as usize).collect(), None)
                }
            };
            let node = Node {
                index,
                op,
                inputs,
                constant,
                coefficients,
                value: t.values[index],
                name: t.names.get(&(index as u32)).map(|n| n.to_string()),
                backward: in_ranges(&t.backward, index as u32),
                location: t.locations.as_ref().map(|l| l[index]),
                custom_name: None,
            };
            (node, (op == Op::Custom).then_some(k))
        });
        // The user's `name` runs after the borrow has ended.
        if let Some(id) = node.1 {
            node.0.custom_name = Some(self.custom_op(id).name().to_string());
        }
        node.0
    }

    /// The local partial derivatives of node `index` with respect to each of
    /// its inputs, in operand order, as the backward sweep uses them (0 where
    /// the op table takes the derivative as zero, e.g. relu below 0).
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let (x, y) = (tape.var(2.0), tape.var(5.0));
    /// let z = x * y;
    /// assert_eq!(tape.partials(z.index()), vec![5.0, 2.0]); // ∂z/∂x = y, ∂z/∂y = x
    /// let r = (-x).relu();
    /// assert_eq!(tape.partials(r.index()), vec![0.0]); // relu at -2
    /// assert!(tape.partials(x.index()).is_empty()); // a leaf has no inputs
    /// ```
    ///
    /// # Panics
    /// If `index` is not below [`Tape::len`], or a custom op's `partials`
    /// does not give one partial per input.
    #[track_caller]
    pub fn partials(&self, index: usize) -> Vec<f64> {
        self.check_index(index);
        if self.with(|t| t.ops[index]) == Op::Custom {
            let call = crate::custom::Call::of(self, index);
            return call.partials_f64(self).into_iter().collect();
        }
        self.sends(index, 1.0)
            .into_iter()
            .map(|d| d.unwrap_or(0.0))
            .collect()
    }

    /// What the numeric sweep sends from node `index`, whose adjoint is
    /// `g`, to each of its inputs, in operand order: the op table's
    /// vector-Jacobian product, `None` where it sends nothing. It can
    /// differ from `partials × g` in the last bit (`ln` sends `g / x`).
    pub(crate) fn sends(&self, index: usize, g: f64) -> Vec<Option<f64>> {
        if self.with(|t| t.ops[index]) == Op::Custom {
            let call = crate::custom::Call::of(self, index);
            return call
                .partials_f64(self)
                .into_iter()
                .map(|p| Some(g * p))
                .collect();
        }
        self.with(|t| {
            let partials = SmallVec::from_elem(None, crate::backward::input_count(t, index));
            let words = t.words(index);
            let mut p = Partials { t, words, partials };
            op::pullback(&mut p, t.ops[index], t.values[index], g);
            p.partials.into_vec()
        })
    }

    /// Views of every node, in tape order.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let x = tape.var(2.0).named("x");
    /// let _y = (x + 1.0).exp();
    /// let ops: Vec<String> = tape.nodes().map(|n| n.op_name().to_string()).collect();
    /// assert_eq!(ops, ["var", "add", "exp"]);
    /// ```
    ///
    /// Each node's value is a read, as with [`Tape::node`].
    #[track_caller]
    pub fn nodes(&self) -> impl Iterator<Item = Node> + '_ {
        let at = Location::caller();
        (0..self.len()).map(move |i| {
            self.with(|t| t.notes.read(i as u32, Some(at)));
            self.node_view(i)
        })
    }

    /// A handle to node `index`, to read or record from it.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let x = tape.var(2.0);
    /// let y = x * 3.0;
    /// let again = tape.get(y.index()); // the same node as y
    /// assert_eq!(again.value(), 6.0);
    /// assert_eq!(again.backward()[x], 3.0); // d(3x)/dx
    /// ```
    ///
    /// # Panics
    /// If `index` is not below [`Tape::len`].
    #[track_caller]
    pub fn get(&self, index: usize) -> Var<'_> {
        // The length never exceeds the limit, at most `u32::MAX`, so the
        // index fits in a `u32` once it is below it.
        self.check_index(index);
        Var {
            tape: self,
            index: index as u32,
            value: self.with(|t| t.values[index]),
        }
    }

    #[inline(always)]
    #[track_caller]
    pub(crate) fn push<const N: usize>(&self, op: Op, words: [u32; N], value: f64) -> Var<'_> {
        let at = Location::caller();
        let pushed = self.with(|t| {
            let index = t.push_node(op, words, value);
            if index.is_some() {
                t.locate(at, 1);
            }
            index
        });
        match pushed {
            Some(index) => self.handle(index, value),
            None => self.full(Full::Nodes),
        }
    }

    /// The `Var` of the node just recorded at `index` (below the limit, so
    /// it fits in a `u32`).
    #[inline(always)]
    fn handle(&self, index: usize, value: f64) -> Var<'_> {
        Var {
            tape: self,
            index: index as u32,
            value,
        }
    }

    pub(crate) fn name_of(&self, index: u32) -> Option<String> {
        self.with(|t| t.names.get(&index).map(|n| n.to_string()))
    }

    /// Records an op with one input and a constant operand; both the
    /// constant and the node are checked to fit before either is stored.
    #[inline(always)]
    #[track_caller]
    pub(crate) fn push_with_const(&self, op: Op, input: u32, c: f64, value: f64) -> Var<'_> {
        let at = Location::caller();
        let index = self.with(|t| {
            let k = t.consts.len();
            if k >= t.limit {
                return Err(Full::Constants);
            }
            let index = t
                .push_node(op, [input, k as u32], value)
                .ok_or(Full::Nodes)?;
            t.consts.push(c);
            t.locate(at, 1);
            Ok(index)
        });
        match index {
            Ok(index) => self.handle(index, value),
            Err(full) => self.full(full),
        }
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

/// Collects the partials of one node by operand slot.
struct Partials<'a> {
    t: &'a Inner,
    words: [u32; 3],
    partials: SmallVec<[Option<f64>; 2]>,
}

impl op::Pullback for Partials<'_> {
    type S = f64;
    fn arg(&self, j: usize) -> u32 {
        self.words[j]
    }
    fn input(&mut self, index: u32) -> f64 {
        self.t.values[index as usize]
    }
    fn constant(&mut self, k: u32) -> f64 {
        self.t.consts[k as usize]
    }
    fn list_input(&mut self, start: u32, i: u32) -> u32 {
        self.t.lists[(start + i) as usize]
    }
    fn accumulate(&mut self, slot: u32, _index: u32, d: f64) {
        self.partials[slot as usize] = Some(d);
    }
    fn custom(&mut self, _out: f64, _g: f64) {
        // `Tape::partials` reads a custom node's partials before it gets
        // here, outside the tape's borrow.
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

/// Whether `index` lies in one of `ranges`, sorted and disjoint: a binary
/// search, so asking for every node costs `n log r`, not `n·r`.
fn in_ranges(ranges: &[std::ops::Range<u32>], index: u32) -> bool {
    let after = ranges.partition_point(|r| r.start <= index);
    after > 0 && ranges[after - 1].contains(&index)
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

/// A read-only view of one recorded node, for dumps and inspection.
///
/// ```
/// use tapegrad::{Op, Tape};
///
/// let tape = Tape::new();
/// let x = tape.var(4.0).named("x");
/// let y = x.sqrt();
/// let node = tape.node(y.index());
/// assert_eq!((node.op, node.value, &node.inputs[..]), (Op::Sqrt, 2.0, &[0][..]));
/// assert_eq!((node.name, node.constant, node.backward), (None, None, false));
/// assert_eq!(tape.node(x.index()).name.as_deref(), Some("x"));
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Node {
    /// Position on the tape.
    pub index: usize,
    /// The recorded operation.
    pub op: Op,
    /// Indices of the input nodes, in operand order.
    pub inputs: Vec<usize>,
    /// The op's constant operand, if it has one (the exponent of `powi` as
    /// an exact `f64`).
    pub constant: Option<f64>,
    /// The coefficients of a [`Op::Dot`], one per input (empty for other
    /// ops).
    pub coefficients: Vec<f64>,
    /// The value computed when the node was recorded.
    pub value: f64,
    /// The node's name, if it was given one with [`Var::named`].
    pub name: Option<String>,
    /// Whether the node was recorded by [`Var::grad_graph`], as part of a
    /// gradient's graph.
    pub backward: bool,
    /// Where the node was recorded, on a tape made by
    /// [`Tape::with_locations`].
    pub location: Option<&'static Location<'static>>,
    /// The name of a custom op's node.
    custom_name: Option<String>,
}

impl Node {
    /// The op's name as dumps print it: [`Op::name`], or a custom op's
    /// [`CustomOp::name`].
    ///
    /// ```
    /// use tapegrad::{Op, Tape};
    ///
    /// let tape = Tape::new();
    /// let x = tape.var(2.0);
    /// let node = tape.node((1.0 - x).index());
    /// // `1 - x` and `x - 1` are two ops with one name
    /// assert_eq!((node.op, node.op_name()), (Op::ConstSub, "sub"));
    /// ```
    pub fn op_name(&self) -> &str {
        self.custom_name.as_deref().unwrap_or(self.op.name())
    }
}

/// A number recorded on a [`Tape`]: a small `Copy` handle (the tape, the
/// node's index and its value), so expressions read like math.
///
/// Arithmetic with `+ - * /` works between `Var`s and with `f64` on either
/// side; every operation appends one node to the tape.
///
/// ```
/// use tapegrad::Tape;
///
/// let tape = Tape::new();
/// let x = tape.var(0.5).named("x");
/// // Code written for f64 runs on Var: the same method names.
/// let y = x.sin().powi(2) + x.cos().powi(2);
/// assert!((y.value() - 1.0).abs() < 1e-15);
/// // d/dx (sin²x + cos²x) = 0
/// assert!(y.backward()[x].abs() < 1e-15);
/// // Comparisons read values; the branch taken is the branch recorded.
/// assert!(x < 1.0 && x > tape.var(0.25));
/// ```
///
/// # Panics
/// Combining `Var`s of two different tapes panics with a message that says
/// so; it never computes a wrong answer.
#[derive(Clone, Copy)]
pub struct Var<'t> {
    pub(crate) tape: &'t Tape,
    pub(crate) index: u32,
    /// A copy of the recorded value, so that recording never reads the tape
    /// back (a node's value never changes once recorded).
    pub(crate) value: f64,
}

impl<'t> Var<'t> {
    /// The value computed when this node was recorded.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let x = tape.var(3.0);
    /// assert_eq!((x * x - 1.0).value(), 8.0);
    /// ```
    ///
    /// The read is noted on the tape: code may branch on the number, where
    /// no comparison of `Var`s records a guard, so [`Tape::compile`] refuses
    /// to replay past it (see [`Tape::compile_allowing_reads`]).
    #[inline]
    #[track_caller]
    pub fn value(self) -> f64 {
        self.tape.note_read(self.index);
        self.value
    }

    /// Position of this node on its tape.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let (x, y) = (tape.var(1.0), tape.var(2.0));
    /// assert_eq!((x.index(), y.index(), (x + y).index()), (0, 1, 2));
    /// ```
    pub fn index(self) -> usize {
        self.index as usize
    }

    /// The tape this node is recorded on.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let x = tape.var(1.0);
    /// assert!(std::ptr::eq(x.tape(), &tape));
    /// let c = x.tape().constant(2.0); // record next to x without the tape at hand
    /// assert_eq!((x * c).value(), 2.0);
    /// ```
    pub fn tape(self) -> &'t Tape {
        self.tape
    }

    /// Labels this node for dumps and error messages, and returns it.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let x = tape.var(2.0).named("x");
    /// let y = (x * x).named("y");
    /// assert_eq!(y.name().as_deref(), Some("y"));
    /// let text = tapegrad::Graph::of(y).to_text();
    /// assert!(text.contains("%1 `y` = mul %0, %0 = 4"));
    /// ```
    pub fn named(self, name: impl Into<String>) -> Var<'t> {
        let name = name.into().into_boxed_str();
        self.tape.with(|t| t.names.insert(self.index, name));
        self
    }

    /// The node's label, if it has one.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let x = tape.var(2.0).named("x");
    /// assert_eq!(x.name().as_deref(), Some("x"));
    /// assert_eq!(x.exp().name(), None);
    /// ```
    pub fn name(self) -> Option<String> {
        self.tape.name_of(self.index)
    }

    /// The recorded operation of this node.
    ///
    /// ```
    /// use tapegrad::{Op, Tape};
    ///
    /// let tape = Tape::new();
    /// let x = tape.var(2.0);
    /// assert_eq!((x.op(), (x + 1.0).op(), (x + x).op()), (Op::Leaf, Op::AddConst, Op::Add));
    /// ```
    pub fn op(self) -> Op {
        self.tape.with(|t| t.ops[self.index as usize])
    }

    /// `selfⁿ` for an integer `n`, any `i32` (the exponent is stored
    /// exactly); `d/dx = n·xⁿ⁻¹`.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let x = tape.var(2.0);
    /// let y = x.powi(3);
    /// assert_eq!(y.value(), 8.0);
    /// assert_eq!(y.backward()[x], 12.0); // 3x²
    /// ```
    #[must_use]
    #[track_caller]
    pub fn powi(self, n: i32) -> Var<'t> {
        self.with_const(Op::PowInt, f64::from(n))
    }

    /// `self^p` for a real constant `p`; `d/dx = p·xᵖ⁻¹`.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let x = tape.var(4.0);
    /// let y = x.powf(1.5);
    /// assert_eq!(y.value(), 8.0);
    /// assert_eq!(y.backward()[x], 3.0); // 1.5·√x
    /// ```
    #[must_use]
    #[track_caller]
    pub fn powf(self, p: f64) -> Var<'t> {
        self.with_const(Op::PowConst, p)
    }

    /// `self^p` for a recorded exponent `p`. For a plain `f64` base, `cˣ`,
    /// see [`Pow`](crate::Pow).
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let (x, p) = (tape.var(2.0), tape.var(3.0));
    /// let y = x.pow(p);
    /// assert_eq!(y.value(), 8.0);
    /// let g = y.backward();
    /// assert_eq!(g[x], 12.0); // p·xᵖ⁻¹
    /// assert_eq!(g[p], 8.0 * 2f64.ln()); // xᵖ ln x
    /// ```
    #[must_use]
    #[track_caller]
    pub fn pow(self, p: Var<'t>) -> Var<'t> {
        self.binary(Op::Pow, p)
    }

    /// `log_base(self)`, as `f64::log`: `ln self / ln base`.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let x = tape.var(8.0);
    /// let y = x.log(2.0);
    /// assert!((y.value() - 3.0).abs() < 1e-15);
    /// // d/dx = 1/(x ln 2)
    /// assert!((y.backward()[x] - 1.0 / (8.0 * 2f64.ln())).abs() < 1e-15);
    /// ```
    #[must_use]
    #[track_caller]
    pub fn log(self, base: f64) -> Var<'t> {
        self.with_const(Op::LogBase, base)
    }

    /// The larger of `self` and `other`, a `Var` or an `f64`; on a tie the
    /// adjoint is split evenly, and a NaN on either side gives NaN (where
    /// `f64::max` would return the other side).
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let x = tape.var(-2.0);
    /// assert_eq!(x.max(0.0).value(), 0.0);
    /// assert_eq!(x.max(tape.var(-3.0)).value(), -2.0);
    /// ```
    #[must_use]
    #[track_caller]
    pub fn max(self, other: impl Rhs<'t>) -> Var<'t> {
        other.record(self, Op::Max, Op::MaxConst)
    }

    /// The smaller of `self` and `other`, a `Var` or an `f64`; on a tie the
    /// adjoint is split evenly, and NaN on either side gives NaN.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let x = tape.var(-2.0);
    /// let y = x.min(0.0);
    /// assert_eq!((y.value(), y.backward()[x]), (-2.0, 1.0)); // x wins
    /// let z = x.min(tape.var(-3.0));
    /// assert_eq!((z.value(), z.backward()[x]), (-3.0, 0.0)); // the other side wins
    /// assert_eq!(x.min(-2.0).backward()[x], 0.5); // a tie splits the adjoint
    /// ```
    #[must_use]
    #[track_caller]
    pub fn min(self, other: impl Rhs<'t>) -> Var<'t> {
        other.record(self, Op::Min, Op::MinConst)
    }

    /// `self` limited to `[lo, hi]`, recorded as `max(lo)` then `min(hi)`:
    /// derivative 1 inside, 0 outside, and ½ at a bound (the tie rule of
    /// max and min).
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let (inside, above) = (tape.var(0.25), tape.var(5.0));
    /// let y = inside.clamp(0.0, 1.0);
    /// assert_eq!((y.value(), y.backward()[inside]), (0.25, 1.0));
    /// let z = above.clamp(0.0, 1.0);
    /// assert_eq!((z.value(), z.backward()[above]), (1.0, 0.0)); // flat above 1
    /// ```
    ///
    /// # Panics
    /// If `lo > hi` or either is NaN, as `f64::clamp` does.
    #[must_use]
    #[track_caller]
    pub fn clamp(self, lo: f64, hi: f64) -> Var<'t> {
        assert!(
            lo <= hi,
            "tapegrad: clamp needs lo <= hi, not lo = {lo:?} and hi = {hi:?}"
        );
        self.max(lo).min(hi)
    }

    /// `atan2(self, x)`: the angle of the point `(x, self)`, with `x` a
    /// `Var` or an `f64`.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let y = tape.var(1.0);
    /// let angle = y.atan2(1.0);
    /// assert_eq!(angle.value(), std::f64::consts::FRAC_PI_4);
    /// assert_eq!(angle.backward()[y], 0.5); // x/(x² + y²)
    /// ```
    #[must_use]
    #[track_caller]
    pub fn atan2(self, x: impl Rhs<'t>) -> Var<'t> {
        x.record(self, Op::Atan2, Op::Atan2Const)
    }

    /// `√(self² + y²)` without overflow, with `y` a `Var` or an `f64`.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let (x, y) = (tape.var(3.0), tape.var(4.0));
    /// let h = x.hypot(y);
    /// assert_eq!(h.value(), 5.0);
    /// let g = h.backward();
    /// assert_eq!((g[x], g[y]), (0.6, 0.8)); // x/h, y/h
    /// assert_eq!(x.hypot(4.0).value(), 5.0); // an f64 works too
    /// ```
    #[must_use]
    #[track_caller]
    pub fn hypot(self, y: impl Rhs<'t>) -> Var<'t> {
        y.record(self, Op::Hypot, Op::HypotConst)
    }

    #[inline(always)]
    #[track_caller]
    pub(crate) fn unary(self, op: Op) -> Var<'t> {
        let value = op::eval_unary(op, self.value);
        self.tape.push(op, [self.index], value)
    }

    #[inline(always)]
    #[track_caller]
    pub(crate) fn with_const(self, op: Op, c: f64) -> Var<'t> {
        let value = op::eval_unary_const(op, self.value, c);
        self.tape.push_with_const(op, self.index, c, value)
    }

    #[inline(always)]
    #[track_caller]
    pub(crate) fn binary(self, op: Op, rhs: Var<'t>) -> Var<'t> {
        self.tape.check_owns(rhs);
        let value = op::eval_binary(op, self.value, rhs.value);
        self.tape.push(op, [self.index, rhs.index], value)
    }
}

/// The right operand of a `Var` method that takes a `Var` or an `f64`
/// ([`Var::max`], [`Var::min`], [`Var::atan2`], [`Var::hypot`]): an `f64`
/// is stored as the op's constant, not recorded as a node. Sealed.
///
/// ```
/// use tapegrad::{Rhs, Tape, Var};
///
/// // ReLU with a floor of either kind.
/// fn floored<'t>(x: Var<'t>, floor: impl Rhs<'t>) -> Var<'t> {
///     x.max(floor)
/// }
/// let tape = Tape::new();
/// let x = tape.var(-1.0);
/// assert_eq!(floored(x, 0.0).value(), 0.0);
/// assert_eq!(floored(x, tape.var(-3.0)).value(), -1.0);
/// assert_eq!(tape.len(), 4); // x, max with 0, -3, max with -3: no node for the 0
/// ```
pub trait Rhs<'t>: Copy + sealed::Sealed {
    #[doc(hidden)]
    fn record(self, lhs: Var<'t>, with_var: Op, with_const: Op) -> Var<'t>;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for f64 {}
    impl Sealed for super::Var<'_> {}
}

impl<'t> Rhs<'t> for Var<'t> {
    #[inline(always)]
    #[track_caller]
    fn record(self, lhs: Var<'t>, with_var: Op, _: Op) -> Var<'t> {
        lhs.binary(with_var, self)
    }
}

impl<'t> Rhs<'t> for f64 {
    #[inline(always)]
    #[track_caller]
    fn record(self, lhs: Var<'t>, _: Op, with_const: Op) -> Var<'t> {
        lhs.with_const(with_const, self)
    }
}

/// Powers with a variable exponent: `cˣ` for a plain `f64` base `c` and a
/// `Var` exponent, `2.0.pow(x)`, where `f64::powf` cannot take a `Var` (it
/// records one node, with `c` as its constant; `d/dx = cˣ ln c`), and
/// `x.pow(y)` between `Var`s (as [`Var::pow`]) or `f64`s (as `f64::powf`),
/// so that [`Real`] formulas can write `x.pow(y)`.
///
/// ```
/// use tapegrad::{Pow, Tape};
///
/// let tape = Tape::new();
/// let x = tape.var(3.0);
/// let y = 2.0.pow(x);
/// assert_eq!(y.value(), 8.0);
/// assert_eq!(y.backward()[x], 8.0 * 2f64.ln());
/// ```
pub trait Pow<Exponent> {
    /// What the power is.
    type Output;
    /// `self` to the power `exponent`.
    fn pow(self, exponent: Exponent) -> Self::Output;
}

impl<'t> Pow<Var<'t>> for Var<'t> {
    type Output = Var<'t>;
    #[inline]
    #[track_caller]
    fn pow(self, exponent: Var<'t>) -> Var<'t> {
        self.binary(Op::Pow, exponent)
    }
}

impl<'t> Pow<Var<'t>> for f64 {
    type Output = Var<'t>;
    #[inline]
    #[track_caller]
    fn pow(self, exponent: Var<'t>) -> Var<'t> {
        exponent.with_const(Op::ConstPow, self)
    }
}

/// `iter.sum()` over `Var`s records one n-ary sum node, as [`Tape::sum`]
/// does.
///
/// ```
/// use tapegrad::{Tape, Var};
///
/// let tape = Tape::new();
/// let w = [tape.var(1.0), tape.var(2.0)];
/// let x = [3.0, 4.0];
/// let z: Var = w.iter().zip(x).map(|(&w, x)| w * x).sum();
/// assert_eq!(z.value(), 11.0);
/// ```
///
/// # Panics
/// On an empty iterator, which has no tape to record on: sum a sequence
/// that may be empty with [`Tape::sum`], which gives 0.
impl<'t> std::iter::Sum<Var<'t>> for Var<'t> {
    #[track_caller]
    fn sum<I: Iterator<Item = Var<'t>>>(mut iter: I) -> Var<'t> {
        match iter.next() {
            Some(first) => first.tape.sum(std::iter::once(first).chain(iter)),
            None => empty("sum", "use `tape.sum(…)`, which gives 0 for no terms"),
        }
    }
}

impl<'a, 't> std::iter::Sum<&'a Var<'t>> for Var<'t> {
    #[track_caller]
    fn sum<I: Iterator<Item = &'a Var<'t>>>(iter: I) -> Var<'t> {
        // The impl itself, not `Iterator::sum`, which would hide the caller.
        <Var<'t> as std::iter::Sum>::sum(iter.copied())
    }
}

/// `iter.product()` over `Var`s records one multiplication per factor
/// after the first.
///
/// # Panics
/// On an empty iterator, which has no tape to record on: fold a sequence
/// that may be empty from `tape.constant(1.0)` instead.
impl<'t> std::iter::Product<Var<'t>> for Var<'t> {
    #[track_caller]
    fn product<I: Iterator<Item = Var<'t>>>(mut iter: I) -> Var<'t> {
        match iter.next() {
            Some(mut acc) => {
                // A loop, not a fold: a closure would hide the caller's line
                // from a panic.
                for x in iter {
                    acc *= x;
                }
                acc
            }
            None => empty(
                "product",
                "fold from `tape.constant(1.0)`, which gives 1 for no factors",
            ),
        }
    }
}

impl<'a, 't> std::iter::Product<&'a Var<'t>> for Var<'t> {
    #[track_caller]
    fn product<I: Iterator<Item = &'a Var<'t>>>(iter: I) -> Var<'t> {
        <Var<'t> as std::iter::Product>::product(iter.copied())
    }
}

#[cold]
#[inline(never)]
#[track_caller]
fn empty(what: &str, instead: &str) -> ! {
    panic!(
        "tapegrad: the {what} of an empty iterator of Vars has no tape to record on; for a sequence that may be empty, {instead}"
    )
}

/// A block of consecutive leaves made by [`Tape::vars`]: a small `Copy`
/// handle, like [`Var`].
///
/// ```
/// use tapegrad::{Tape, Var};
///
/// let tape = Tape::new();
/// let w = tape.vars(&[0.5, -1.0]);
/// let loss: Var = w.iter().map(|wi| wi * wi).sum(); // Σ wᵢ²
/// let g = loss.backward();
/// assert_eq!(&g.wrt_vars(w)[..], &[1.0, -2.0]); // ∂/∂wᵢ = 2wᵢ
/// ```
#[derive(Clone, Copy)]
pub struct Vars<'t> {
    pub(crate) tape: &'t Tape,
    pub(crate) start: u32,
    pub(crate) len: u32,
}

impl<'t> Vars<'t> {
    /// How many leaves the block holds.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// assert_eq!(tape.vars(&[1.0, 2.0, 3.0]).len(), 3);
    /// ```
    pub fn len(self) -> usize {
        self.len as usize
    }

    /// Whether the block is empty.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// assert!(tape.vars(&[]).is_empty());
    /// assert!(!tape.vars(&[1.0]).is_empty());
    /// ```
    pub fn is_empty(self) -> bool {
        self.len == 0
    }

    /// The tape positions of the block.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let _x = tape.var(0.0); // node 0
    /// let w = tape.vars(&[1.0, 2.0]);
    /// assert_eq!(w.indices(), 1..3);
    /// ```
    pub fn indices(self) -> std::ops::Range<usize> {
        self.start as usize..(self.start + self.len) as usize
    }

    /// Leaf `i` of the block.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let w = tape.vars(&[1.0, 2.0]);
    /// let y = w.get(1) * 3.0;
    /// assert_eq!(y.value(), 6.0);
    /// assert_eq!(&y.backward().wrt_vars(w)[..], &[0.0, 3.0]); // only w₁ is used
    /// ```
    ///
    /// # Panics
    /// If `i` is not below [`Vars::len`].
    #[track_caller]
    pub fn get(self, i: usize) -> Var<'t> {
        assert!(
            i < self.len(),
            "tapegrad: leaf {i} of a block of {} leaves",
            self.len
        );
        self.tape.get(self.start as usize + i)
    }

    /// The leaves of the block, in order.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let w = tape.vars(&[1.0, 2.0, 3.0]);
    /// let values: Vec<f64> = w.iter().map(|x| x.value()).collect();
    /// assert_eq!(values, [1.0, 2.0, 3.0]);
    /// ```
    pub fn iter(self) -> impl ExactSizeIterator<Item = Var<'t>> + 't {
        self.indices().map(move |i| self.tape.get(i))
    }

    /// `Σ cᵢ·xᵢ` over the block's leaves `xᵢ`, recorded as one [`Op::Dot`]
    /// node that stores the coefficients: a neuron's weighted sum of plain
    /// data, without a product node per weight. The value is summed in
    /// order, exactly as `Σ` over `f64` products would be.
    ///
    /// ```
    /// use tapegrad::{Op, Tape};
    ///
    /// let tape = Tape::new();
    /// let w = tape.vars(&[1.0, 2.0]);
    /// let z = w.dot(&[3.0, 4.0]); // 1·3 + 2·4
    /// assert_eq!((z.value(), z.op()), (11.0, Op::Dot));
    /// assert_eq!(&z.backward().wrt_vars(w)[..], &[3.0, 4.0]); // ∂z/∂wᵢ = cᵢ
    /// ```
    ///
    /// # Panics
    /// If `coefficients` does not have one number per leaf, or the tape
    /// would hold more than `u32::MAX` constants.
    #[track_caller]
    pub fn dot(self, coefficients: &[f64]) -> Var<'t> {
        assert_eq!(
            coefficients.len(),
            self.len(),
            "tapegrad: a dot product of {} leaves needs {} coefficients, not {}",
            self.len,
            self.len,
            coefficients.len()
        );
        let mut value = 0.0;
        let at = Location::caller();
        let index = self.tape.with(|t| {
            let xs = &t.values[self.indices()];
            for (&x, &c) in xs.iter().zip(coefficients) {
                value += x * c;
            }
            let k = t.consts.len();
            if !t.fits(k, coefficients.len()) {
                return Err(Full::Constants);
            }
            let words = [self.start, self.len, k as u32];
            let index = t.push_node3(Op::Dot, words, value).ok_or(Full::Nodes)?;
            t.consts.extend_from_slice(coefficients);
            t.locate(at, 1);
            Ok(index)
        });
        let index = index.unwrap_or_else(|full| self.tape.full(full));
        self.tape.handle(index, value)
    }
}

impl fmt::Debug for Vars<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vars")
            .field("indices", &self.indices())
            .finish()
    }
}

impl fmt::Debug for Var<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Var");
        d.field("index", &self.index);
        if let Some(name) = self.name() {
            d.field("name", &name);
        }
        d.field("op", &self.op())
            .field("value", &self.value)
            .finish()
    }
}

/// Prints the value as `f64` does. Printing is looking, not a read that a
/// compiled replay must answer for: it is not noted (code that parses the
/// text back and branches on it should read [`Var::value`] instead).
impl fmt::Display for Var<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.value, f)
    }
}

/// Implements one arithmetic operator for `Var∘Var`, `Var∘f64` and
/// `f64∘Var`, plus its compound assignment.
macro_rules! operator {
    ($Trait:ident $method:ident, $Assign:ident $assign:ident:
     $binary:ident, $var_const:ident, $const_var:ident) => {
        impl<'t> $Trait for Var<'t> {
            type Output = Var<'t>;
            #[inline(always)]
            #[track_caller]
            fn $method(self, rhs: Var<'t>) -> Var<'t> {
                self.binary(Op::$binary, rhs)
            }
        }
        impl<'t> $Trait<f64> for Var<'t> {
            type Output = Var<'t>;
            #[inline(always)]
            #[track_caller]
            fn $method(self, rhs: f64) -> Var<'t> {
                self.with_const(Op::$var_const, rhs)
            }
        }
        impl<'t> $Trait<Var<'t>> for f64 {
            type Output = Var<'t>;
            #[inline(always)]
            #[track_caller]
            fn $method(self, rhs: Var<'t>) -> Var<'t> {
                rhs.with_const(Op::$const_var, self)
            }
        }
        impl<'t> $Assign for Var<'t> {
            #[inline]
            #[track_caller]
            fn $assign(&mut self, rhs: Var<'t>) {
                *self = $Trait::$method(*self, rhs);
            }
        }
        impl<'t> $Assign<f64> for Var<'t> {
            #[inline]
            #[track_caller]
            fn $assign(&mut self, rhs: f64) {
                *self = $Trait::$method(*self, rhs);
            }
        }
    };
}

// Addition and multiplication commute, so `c + x` and `c·x` record the same
// op as `x + c` and `x·c` (IEEE addition and multiplication commute exactly).
operator!(Add add, AddAssign add_assign: Add, AddConst, AddConst);
operator!(Sub sub, SubAssign sub_assign: Sub, SubConst, ConstSub);
operator!(Mul mul, MulAssign mul_assign: Mul, MulConst, MulConst);
operator!(Div div, DivAssign div_assign: Div, DivConst, ConstDiv);

impl<'t> Neg for Var<'t> {
    type Output = Var<'t>;
    #[inline]
    #[track_caller]
    fn neg(self) -> Var<'t> {
        self.unary(Op::Neg)
    }
}

impl Apply for Var<'_> {
    #[inline(always)]
    fn unary(self, op: Op) -> Self {
        Var::unary(self, op)
    }
    #[inline(always)]
    fn with_const(self, op: Op, c: f64) -> Self {
        Var::with_const(self, op, c)
    }
    #[inline(always)]
    fn binary(self, op: Op, y: Self) -> Self {
        Var::binary(self, op, y)
    }
}

impl Real for Var<'_> {
    /// A formula of the op table (or a custom op's partials) reading a
    /// value to choose its form, while recording a gradient graph: noted as
    /// a read with no line of the user's.
    #[inline]
    fn value(self) -> f64 {
        self.tape.with(|t| t.notes.read(self.index, None));
        self.value
    }
    #[inline]
    fn constant(self, c: f64) -> Self {
        self.tape.constant(c)
    }
    /// Kept as a guard, which a compiled replay checks.
    #[track_caller]
    fn order(self, c: f64) -> Option<std::cmp::Ordering> {
        use crate::replay::Side;
        self.tape
            .formula_order(Side::Node(self.index), Side::Const(c), false)
    }
    #[track_caller]
    fn abs_order(self, c: f64) -> Option<std::cmp::Ordering> {
        use crate::replay::Side;
        self.tape
            .formula_order(Side::Node(self.index), Side::Const(c), true)
    }
    #[track_caller]
    fn order_with(self, other: Self) -> Option<std::cmp::Ordering> {
        use crate::replay::Side;
        self.tape.check_owns(other);
        self.tape
            .formula_order(Side::Node(self.index), Side::Node(other.index), false)
    }
    #[track_caller]
    fn abs_order_with(self, other: Self) -> Option<std::cmp::Ordering> {
        use crate::replay::Side;
        self.tape.check_owns(other);
        self.tape
            .formula_order(Side::Node(self.index), Side::Node(other.index), true)
    }
    #[track_caller]
    fn sign(self) -> f64 {
        match self.order(0.0) {
            Some(std::cmp::Ordering::Greater) => 1.0,
            Some(std::cmp::Ordering::Less) => -1.0,
            // ±0 or NaN: the sign bit, which no comparison tells.
            _ => Real::value(self).signum(),
        }
    }
}
