//! The tape (a Wengert list) and `Var`, the handle that records onto it.

use std::cell::UnsafeCell;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Sub, SubAssign};

use smallvec::SmallVec;

use crate::op::{self, Op, Real, Shape};

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
#[derive(Default)]
pub struct Tape {
    // Interior mutability lets `Copy` handles record through `&Tape`. The
    // tape is not `Sync`, and no method runs user code while it holds the
    // inner reference, so there is never more than one live borrow.
    inner: UnsafeCell<Inner>,
}

/// The recorded nodes: an op byte and a value per node, and the nodes'
/// operand words back to back in one stream (9 bytes a node, plus 4 for each
/// input, 8 for each constant and 4 for each entry of an input list).
///
/// A node's words are found by walking the stream: the backward sweep walks
/// it from the end, and random access (node views, recorded sweeps) goes
/// through `offsets`, an index built on demand.
#[derive(Default)]
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
    /// Node ranges recorded by [`Var::grad_graph`]: the backward part.
    pub(crate) backward: Vec<std::ops::Range<u32>>,
    /// The adjoint buffer of the last dropped `Gradients`, kept for reuse so
    /// that a training loop does not allocate one per step.
    pub(crate) spare: Vec<f64>,
}

impl Inner {
    /// Appends a node with `N ≤ 2` operand words with one capacity check.
    #[inline(always)]
    fn push_node<const N: usize>(&mut self, op: Op, words: [u32; N], value: f64) -> usize {
        const { assert!(N <= 2) };
        debug_assert_eq!(op.words(), N);
        let index = self.ops.len();
        if index == self.room {
            self.reserve_nodes();
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
        index
    }

    /// Grows the node arrays together (amortised doubling).
    #[cold]
    #[inline(never)]
    fn reserve_nodes(&mut self) {
        self.reserve_nodes_for(self.ops.len().max(64));
    }

    /// Makes room for `more` nodes of up to two words each.
    fn reserve_nodes_for(&mut self, more: usize) {
        self.ops.reserve(more);
        self.values.reserve(more);
        self.args.reserve(2 * more);
        self.set_room();
    }

    /// Notes how many nodes of up to two words fit without growing.
    fn set_room(&mut self) {
        let spare_words = self.args.capacity() - self.args.len();
        self.room = self
            .ops
            .capacity()
            .min(self.values.capacity())
            .min(self.ops.len() + spare_words / 2);
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
    fn offset(&mut self, i: usize) -> usize {
        assert!(i < self.ops.len(), "tapegrad: node {i} is not on this tape");
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
    pub fn new() -> Tape {
        Tape::default()
    }

    /// An empty tape with room for `nodes` nodes before it reallocates.
    pub fn with_capacity(nodes: usize) -> Tape {
        let tape = Tape::new();
        tape.with(|t| t.reserve_nodes_for(nodes));
        tape
    }

    /// Runs `f` on the recorded nodes.
    ///
    /// Every access to the inner arrays goes through here, and `f` never
    /// calls back into the tape, so the mutable borrow is unique.
    #[inline(always)]
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        // SAFETY: `Tape` is not `Sync`, so only this thread can reach
        // `inner`; the closures passed here never re-enter the tape, so no
        // other reference to `inner` is alive while `f` runs.
        f(unsafe { &mut *self.inner.get() })
    }

    /// A new leaf: an input that gradients can be taken with respect to.
    #[inline]
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
    pub fn vars(&self, values: &[f64]) -> Vars<'_> {
        let start = self.with(|t| {
            let start = t.ops.len();
            if start + values.len() >= u32::MAX as usize {
                too_many();
            }
            t.ops.resize(start + values.len(), Op::Leaf);
            t.values.extend_from_slice(values);
            t.set_room();
            start
        });
        Vars {
            tape: self,
            start: start as u32,
            len: values.len() as u32,
        }
    }

    /// A recorded constant: it appears in dumps, but it is not a leaf, and
    /// [`Gradients::leaves`](crate::Gradients::leaves) skips it.
    pub fn constant(&self, value: f64) -> Var<'_> {
        self.push(Op::Const, [], value)
    }

    /// The sum of any number of `Var`s, recorded as one node.
    ///
    /// # Panics
    /// If a `Var` belongs to another tape.
    pub fn sum<'t>(&'t self, terms: impl IntoIterator<Item = Var<'t>>) -> Var<'t> {
        // The iterator is user code that may itself record, even another
        // sum: gather the inputs on the tape's scratch stack, where a nested
        // sum works above this one's segment and leaves it as it found it.
        let (base, depth) = self.with(|t| {
            t.open_sums += 1;
            (t.scratch.len(), t.open_sums)
        });
        let mut value = 0.0;
        for term in terms {
            self.check_owns(term);
            value += term.value;
            self.with(|t| t.scratch.push(term.index));
        }
        let (start, len) = self.with(|t| {
            if t.open_sums != depth {
                // A sum recorded by the iterator panicked and the panic was
                // caught: its inputs are mixed into ours.
                t.scratch.truncate(base);
                t.open_sums = depth - 1;
                interrupted();
            }
            t.open_sums -= 1;
            let start = t.lists.len();
            t.lists.extend(t.scratch.drain(base..));
            (start, t.lists.len() - start)
        });
        let len = u32::try_from(len).unwrap_or_else(|_| too_many());
        let start = u32::try_from(start).unwrap_or_else(|_| too_many());
        self.push(Op::Sum, [start, len], value)
    }

    /// The number of recorded nodes.
    pub fn len(&self) -> usize {
        self.with(|t| t.ops.len())
    }

    /// Whether nothing has been recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Empties the tape and keeps its memory, so a loop that records a step,
    /// backpropagates and clears reaches a steady size.
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
        let t = self.inner.get_mut();
        t.ops.clear();
        t.args.clear();
        t.values.clear();
        t.set_room();
        t.consts.clear();
        t.lists.clear();
        t.names.clear();
        t.offsets.clear();
        t.open_sums = 0;
        t.scratch.clear();
        t.backward.clear();
    }

    /// Bytes the recorded nodes occupy (lengths, not capacities).
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

    /// Bytes the tape has reserved (capacities, adjoint buffer and node
    /// index included): what a training loop that clears and re-records
    /// keeps allocated.
    pub fn bytes_reserved(&self) -> usize {
        use std::mem::size_of;
        self.with(|t| {
            t.ops.capacity() * size_of::<Op>()
                + t.args.capacity() * size_of::<u32>()
                + t.values.capacity() * size_of::<f64>()
                + t.consts.capacity() * size_of::<f64>()
                + t.lists.capacity() * size_of::<u32>()
                + t.spare.capacity() * size_of::<f64>()
                + t.offsets.capacity() * size_of::<usize>()
        })
    }

    /// A read-only view of node `index`.
    ///
    /// # Panics
    /// If `index` is not below [`Tape::len`].
    pub fn node(&self, index: usize) -> Node {
        self.with(|t| {
            let op = t.ops[index];
            let [a, b, k] = t.words(index);
            let mut coefficients = Vec::new();
            let (inputs, constant) = match op.shape() {
                Shape::Nullary => (SmallVec::new(), None),
                Shape::Unary => (SmallVec::from_slice(&[a as usize]), None),
                Shape::UnaryConst { .. } => (
                    SmallVec::from_slice(&[a as usize]),
                    Some(t.consts[b as usize]),
                ),
                Shape::Binary => (SmallVec::from_slice(&[a as usize, b as usize]), None),
                Shape::Nary => (
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
            Node {
                index,
                op,
                inputs,
                constant,
                coefficients,
                value: t.values[index],
                name: t.names.get(&(index as u32)).map(|n| n.to_string()),
                backward: t.backward.iter().any(|r| r.contains(&(index as u32))),
            }
        })
    }

    /// The local partial derivatives of node `index` with respect to each of
    /// its inputs, in operand order, as the backward sweep uses them (0 where
    /// the op table takes the derivative as zero, e.g. relu below 0).
    ///
    /// # Panics
    /// If `index` is not below [`Tape::len`].
    pub fn partials(&self, index: usize) -> SmallVec<[f64; 2]> {
        self.with(|t| {
            let partials = SmallVec::from_elem(0.0, crate::backward::input_count(t, index));
            let words = t.words(index);
            let mut p = Partials { t, words, partials };
            op::pullback(&mut p, t.ops[index], t.values[index], 1.0);
            p.partials
        })
    }

    /// Views of every node, in tape order.
    pub fn nodes(&self) -> impl Iterator<Item = Node> + '_ {
        (0..self.len()).map(|i| self.node(i))
    }

    /// A handle to node `index`, to read or record from it.
    ///
    /// # Panics
    /// If `index` is not below [`Tape::len`].
    pub fn get(&self, index: usize) -> Var<'_> {
        assert!(
            index < self.len(),
            "tapegrad: node {index} is not on this tape (it has {} nodes)",
            self.len()
        );
        Var {
            tape: self,
            index: index as u32,
            value: self.with(|t| t.values[index]),
        }
    }

    #[inline(always)]
    pub(crate) fn push<const N: usize>(&self, op: Op, words: [u32; N], value: f64) -> Var<'_> {
        let index = self.with(|t| t.push_node(op, words, value));
        self.handle(index, value)
    }

    /// The `Var` of the node just recorded at `index`.
    #[inline(always)]
    fn handle(&self, index: usize, value: f64) -> Var<'_> {
        if index >= u32::MAX as usize {
            too_many();
        }
        Var {
            tape: self,
            index: index as u32,
            value,
        }
    }

    pub(crate) fn name_of(&self, index: u32) -> Option<String> {
        self.with(|t| t.names.get(&index).map(|n| n.to_string()))
    }

    /// Records an op with one input and a constant operand.
    #[inline(always)]
    pub(crate) fn push_with_const(&self, op: Op, input: u32, c: f64, value: f64) -> Var<'_> {
        let k = self.with(|t| {
            t.consts.push(c);
            t.consts.len() - 1
        });
        if k >= u32::MAX as usize {
            too_many();
        }
        self.push(op, [input, k as u32], value)
    }

    #[inline(always)]
    pub(crate) fn check_owns(&self, var: Var<'_>) {
        if !std::ptr::eq(self, var.tape) {
            foreign(var.index);
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
    partials: SmallVec<[f64; 2]>,
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
        self.partials[slot as usize] = d;
    }
}

#[cold]
#[inline(never)]
fn too_many() -> ! {
    panic!("tapegrad: a tape holds at most {} nodes", u32::MAX)
}

#[cold]
#[inline(never)]
fn interrupted() -> ! {
    panic!(
        "tapegrad: a sum recorded while gathering another sum's terms panicked, and the panic was caught; the outer sum cannot be recorded"
    )
}

#[cold]
#[inline(never)]
fn foreign(index: u32) -> ! {
    panic!(
        "tapegrad: cannot combine Vars from two different tapes (node {index} belongs to another tape)"
    )
}

/// A read-only view of one recorded node, for dumps and inspection.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// Position on the tape.
    pub index: usize,
    /// The recorded operation.
    pub op: Op,
    /// Indices of the input nodes, in operand order.
    pub inputs: SmallVec<[usize; 2]>,
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
}

/// A number recorded on a [`Tape`]: a small `Copy` handle (the tape, the
/// node's index and its value), so expressions read like math.
///
/// Arithmetic with `+ - * /` works between `Var`s and with `f64` on either
/// side; every operation appends one node to the tape.
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
    #[inline(always)]
    pub fn value(self) -> f64 {
        self.value
    }

    /// Position of this node on its tape.
    pub fn index(self) -> usize {
        self.index as usize
    }

    /// The tape this node is recorded on.
    pub fn tape(self) -> &'t Tape {
        self.tape
    }

    /// Labels this node for dumps and error messages, and returns it.
    #[must_use]
    pub fn named(self, name: impl Into<String>) -> Var<'t> {
        let name = name.into().into_boxed_str();
        self.tape.with(|t| t.names.insert(self.index, name));
        self
    }

    /// The node's label, if it has one.
    pub fn name(self) -> Option<String> {
        self.tape.name_of(self.index)
    }

    /// The recorded operation of this node.
    pub fn op(self) -> Op {
        self.tape.with(|t| t.ops[self.index as usize])
    }

    /// `self^n` for an integer `n`.
    #[must_use]
    pub fn powi(self, n: i32) -> Var<'t> {
        self.with_const(Op::PowInt, f64::from(n))
    }

    /// `self^p` for a real constant `p`.
    #[must_use]
    pub fn powf(self, p: f64) -> Var<'t> {
        self.with_const(Op::PowConst, p)
    }

    /// `self^p` for a recorded exponent `p`.
    #[must_use]
    pub fn pow(self, p: Var<'t>) -> Var<'t> {
        self.binary(Op::Pow, p)
    }

    /// The larger of `self` and `other`; on a tie the adjoint is split evenly.
    #[must_use]
    pub fn max(self, other: Var<'t>) -> Var<'t> {
        self.binary(Op::Max, other)
    }

    /// The smaller of `self` and `other`; on a tie the adjoint is split evenly.
    #[must_use]
    pub fn min(self, other: Var<'t>) -> Var<'t> {
        self.binary(Op::Min, other)
    }

    #[inline(always)]
    pub(crate) fn unary(self, op: Op) -> Var<'t> {
        let value = op::eval_unary(op, self.value);
        self.tape.push(op, [self.index], value)
    }

    #[inline(always)]
    pub(crate) fn with_const(self, op: Op, c: f64) -> Var<'t> {
        let value = op::eval_unary_const(op, self.value, c);
        self.tape.push_with_const(op, self.index, c, value)
    }

    #[inline(always)]
    pub(crate) fn binary(self, op: Op, rhs: Var<'t>) -> Var<'t> {
        self.tape.check_owns(rhs);
        let value = op::eval_binary(op, self.value, rhs.value);
        self.tape.push(op, [self.index, rhs.index], value)
    }
}

/// A block of consecutive leaves made by [`Tape::vars`]: a small `Copy`
/// handle, like [`Var`].
#[derive(Clone, Copy)]
pub struct Vars<'t> {
    pub(crate) tape: &'t Tape,
    pub(crate) start: u32,
    pub(crate) len: u32,
}

impl<'t> Vars<'t> {
    /// How many leaves the block holds.
    pub fn len(self) -> usize {
        self.len as usize
    }

    /// Whether the block is empty.
    pub fn is_empty(self) -> bool {
        self.len == 0
    }

    /// The tape positions of the block.
    pub fn indices(self) -> std::ops::Range<usize> {
        self.start as usize..(self.start + self.len) as usize
    }

    /// Leaf `i` of the block.
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
    pub fn iter(self) -> impl ExactSizeIterator<Item = Var<'t>> + 't {
        self.indices().map(move |i| self.tape.get(i))
    }

    /// `Σ cᵢ·xᵢ` over the block's leaves `xᵢ`, recorded as one [`Op::Dot`]
    /// node that stores the coefficients: a neuron's weighted sum of plain
    /// data, without a product node per weight. The value is summed in
    /// order, exactly as `Σ` over `f64` products would be.
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
        let index = self.tape.with(|t| {
            let xs = &t.values[self.indices()];
            for (&x, &c) in xs.iter().zip(coefficients) {
                value += x * c;
            }
            let k = t.consts.len();
            if k + coefficients.len() >= u32::MAX as usize {
                too_many();
            }
            t.consts.extend_from_slice(coefficients);
            t.ops.push(Op::Dot);
            t.values.push(value);
            t.args.extend([self.start, self.len, k as u32]);
            t.set_room();
            t.ops.len() - 1
        });
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
            .field("value", &self.value())
            .finish()
    }
}

impl fmt::Display for Var<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.value(), f)
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
            fn $method(self, rhs: Var<'t>) -> Var<'t> {
                self.binary(Op::$binary, rhs)
            }
        }
        impl<'t> $Trait<f64> for Var<'t> {
            type Output = Var<'t>;
            #[inline(always)]
            fn $method(self, rhs: f64) -> Var<'t> {
                self.with_const(Op::$var_const, rhs)
            }
        }
        impl<'t> $Trait<Var<'t>> for f64 {
            type Output = Var<'t>;
            #[inline(always)]
            fn $method(self, rhs: Var<'t>) -> Var<'t> {
                rhs.with_const(Op::$const_var, self)
            }
        }
        impl<'t> $Assign for Var<'t> {
            #[inline]
            fn $assign(&mut self, rhs: Var<'t>) {
                *self = $Trait::$method(*self, rhs);
            }
        }
        impl<'t> $Assign<f64> for Var<'t> {
            #[inline]
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
    fn neg(self) -> Var<'t> {
        self.unary(Op::Neg)
    }
}

impl Real for Var<'_> {
    #[inline]
    fn value(self) -> f64 {
        Var::value(self)
    }
    #[inline]
    fn rsub(self, c: f64) -> Self {
        c - self
    }
    #[inline]
    fn ln(self) -> Self {
        Var::ln(self)
    }
    #[inline]
    fn sin(self) -> Self {
        Var::sin(self)
    }
    #[inline]
    fn cos(self) -> Self {
        Var::cos(self)
    }
    #[inline]
    fn powi(self, n: i32) -> Self {
        Var::powi(self, n)
    }
    #[inline]
    fn powf(self, p: f64) -> Self {
        Var::powf(self, p)
    }
    #[inline]
    fn pow(self, p: Self) -> Self {
        Var::pow(self, p)
    }
}
