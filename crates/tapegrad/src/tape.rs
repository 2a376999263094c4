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

/// The recorded nodes, stored as parallel arrays (17 bytes a node, plus 8
/// for each constant and 4 for each input of an n-ary op).
#[derive(Default)]
pub(crate) struct Inner {
    pub(crate) ops: Vec<Op>,
    /// Inputs by node index; an op with a constant keeps the constant's index
    /// into `consts` in slot 1; an n-ary op keeps `[start, len]` into `lists`.
    pub(crate) args: Vec<[u32; 2]>,
    pub(crate) values: Vec<f64>,
    /// How many nodes `ops`, `args` and `values` all have room for, so that
    /// appending a node checks one number.
    room: usize,
    pub(crate) consts: Vec<f64>,
    pub(crate) lists: Vec<u32>,
    pub(crate) names: BTreeMap<u32, Box<str>>,
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
    /// Appends a node to the three node arrays with one capacity check.
    #[inline(always)]
    fn push_node(&mut self, op: Op, args: [u32; 2], value: f64) -> usize {
        let index = self.ops.len();
        if index == self.room {
            self.reserve_nodes();
        }
        // SAFETY: the three arrays always have the same length, `index`,
        // and each has room for `self.room > index` elements.
        unsafe {
            self.ops.as_mut_ptr().add(index).write(op);
            self.args.as_mut_ptr().add(index).write(args);
            self.values.as_mut_ptr().add(index).write(value);
            self.ops.set_len(index + 1);
            self.args.set_len(index + 1);
            self.values.set_len(index + 1);
        }
        index
    }

    /// Grows the node arrays together (amortised doubling).
    #[cold]
    #[inline(never)]
    fn reserve_nodes(&mut self) {
        self.reserve_nodes_for(self.ops.len().max(64));
    }

    /// Makes room for `more` nodes and notes the room all three arrays have.
    fn reserve_nodes_for(&mut self, more: usize) {
        self.ops.reserve(more);
        self.args.reserve(more);
        self.values.reserve(more);
        self.room = self
            .ops
            .capacity()
            .min(self.args.capacity())
            .min(self.values.capacity());
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
        self.push(Op::Leaf, [0, 0], value)
    }

    /// A recorded constant: it appears in dumps, but it is not a leaf, and
    /// [`Gradients::leaves`](crate::Gradients::leaves) skips it.
    pub fn constant(&self, value: f64) -> Var<'_> {
        self.push(Op::Const, [0, 0], value)
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
        t.consts.clear();
        t.lists.clear();
        t.names.clear();
        t.open_sums = 0;
        t.scratch.clear();
        t.backward.clear();
    }

    /// Bytes the recorded nodes occupy (lengths, not capacities).
    pub fn bytes_used(&self) -> usize {
        use std::mem::size_of;
        self.with(|t| {
            t.ops.len() * size_of::<Op>()
                + t.args.len() * size_of::<[u32; 2]>()
                + t.values.len() * size_of::<f64>()
                + t.consts.len() * size_of::<f64>()
                + t.lists.len() * size_of::<u32>()
        })
    }

    /// Bytes the tape has reserved (capacities, adjoint buffer included):
    /// what a training loop that clears and re-records keeps allocated.
    pub fn bytes_reserved(&self) -> usize {
        use std::mem::size_of;
        self.with(|t| {
            t.ops.capacity() * size_of::<Op>()
                + t.args.capacity() * size_of::<[u32; 2]>()
                + t.values.capacity() * size_of::<f64>()
                + t.consts.capacity() * size_of::<f64>()
                + t.lists.capacity() * size_of::<u32>()
                + t.spare.capacity() * size_of::<f64>()
        })
    }

    /// A read-only view of node `index`.
    ///
    /// # Panics
    /// If `index` is not below [`Tape::len`].
    pub fn node(&self, index: usize) -> Node {
        self.with(|t| {
            let op = t.ops[index];
            let [a, b] = t.args[index];
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
            };
            Node {
                index,
                op,
                inputs,
                constant,
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
            let mut p = Partials {
                t,
                partials: SmallVec::from_elem(0.0, crate::backward::input_count(t, index)),
            };
            op::pullback(&mut p, t.ops[index], t.args[index], t.values[index], 1.0);
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
    pub(crate) fn push(&self, op: Op, args: [u32; 2], value: f64) -> Var<'_> {
        let index = self.with(|t| t.push_node(op, args, value));
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
    partials: SmallVec<[f64; 2]>,
}

impl op::Pullback for Partials<'_> {
    type S = f64;
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
        self.tape.push(op, [self.index, 0], value)
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
