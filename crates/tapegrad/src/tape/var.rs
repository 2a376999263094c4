//! `Var`, the `Copy` handle that records, and its operators, all from one
//! macro.

#[allow(clippy::wildcard_imports)]
use super::*;

/// A number recorded on a [`Tape`]: a small `Copy` handle (the recording's
/// id, the node's index and its value), so expressions read like math.
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
/// A `Var` holds no reference: it is `Copy + Send + Sync + 'static`, 24
/// bytes, and can live in a struct without a lifetime, in a message or in a
/// matrix. It finds its tape on this thread by the recording's id.
///
/// A `Var` can also be a plain constant on no tape ([`Var::constant`],
/// `Var::from(c)`): combined with a node it is recorded as a constant
/// operand, as `x * 2.0` is, and two constants combine to a constant without
/// any tape. This is what generic code's `T::zero()` and `T::from(c)` give.
///
/// ```
/// use tapegrad::{Tape, Var};
///
/// let tape = Tape::new();
/// let x = tape.var(3.0);
/// let two = Var::constant(2.0);
/// let y = two * x + Var::from(1.0) * two; // 2x + 2
/// assert_eq!(y.value(), 8.0);
/// assert_eq!(y.backward()[x], 2.0);
/// assert_eq!(tape.len(), 3); // x, 2x, 2x + 2: the constants are operands
/// ```
///
/// # Panics
/// Misuse is a panic at the caller's line with a message that says what
/// was wrong, never a wrong answer: combining `Var`s of two tapes, using a
/// `Var` after its tape was cleared or dropped, or on another thread than
/// its tape's.
#[derive(Clone, Copy)]
pub struct Var {
    /// A copy of the recorded value, so that recording never reads the tape
    /// back (a node's value never changes once recorded); a constant's value.
    pub(crate) value: f64,
    /// The id of the recording the node is on, or 0 for a constant. Ids are
    /// never reused, so a `Var` of a cleared or dropped tape matches none.
    pub(crate) id: u64,
    pub(crate) index: u32,
}

impl Default for Var {
    /// The constant 0, as `f64::default()`.
    fn default() -> Var {
        Var::constant(0.0)
    }
}

impl From<f64> for Var {
    /// The constant `c`, on no tape: [`Var::constant`].
    fn from(c: f64) -> Var {
        Var::constant(c)
    }
}

impl Var {
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
        if !self.is_constant() {
            live::find(self.id).get().note_read(self.index);
        }
        self.value
    }

    /// A constant on no tape: a `Var` that code generic over the number type
    /// can make without a tape (`T::zero()`, `T::from(c)`). Combined with a
    /// recorded `Var` it is recorded as a constant operand.
    ///
    /// ```
    /// use tapegrad::Var;
    ///
    /// let c = Var::constant(2.0) * 3.0 + 1.0; // no tape involved
    /// assert!(c.is_constant());
    /// assert_eq!(c.value(), 7.0);
    /// ```
    #[inline]
    #[must_use]
    pub const fn constant(c: f64) -> Var {
        Var {
            value: c,
            id: 0,
            index: 0,
        }
    }

    /// Whether this is a constant on no tape ([`Var::constant`]).
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// assert!(!tape.var(1.0).is_constant());
    /// assert!(tapegrad::Var::constant(1.0).is_constant());
    /// ```
    #[inline]
    pub const fn is_constant(self) -> bool {
        self.id == 0
    }

    /// Position of this node on its tape.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let (x, y) = (tape.var(1.0), tape.var(2.0));
    /// assert_eq!((x.index(), y.index(), (x + y).index()), (0, 1, 2));
    /// ```
    ///
    /// # Panics
    /// For a constant on no tape, which has no position.
    #[track_caller]
    pub fn index(self) -> usize {
        if self.is_constant() {
            live::missing(0)
        }
        self.index as usize
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
    ///
    /// # Panics
    /// For a constant on no tape, which has no node to label.
    #[track_caller]
    pub fn named(self, name: impl Into<String>) -> Var {
        let name = name.into().into_boxed_str();
        let state = live::shared(self.id);
        state.with(|t| t.names.insert(self.index, name));
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
    #[track_caller]
    pub fn name(self) -> Option<String> {
        if self.is_constant() {
            return None;
        }
        live::shared(self.id).name_of(self.index)
    }

    /// The recorded operation of this node.
    ///
    /// ```
    /// use tapegrad::{Op, Tape};
    ///
    /// let tape = Tape::new();
    /// let x = tape.var(2.0);
    /// assert_eq!((x.op(), (x + 1.0).op(), (x + x).op()), (Op::Leaf, Op::AddConst, Op::Add));
    /// assert_eq!(tapegrad::Var::constant(1.0).op(), Op::Const);
    /// ```
    #[track_caller]
    pub fn op(self) -> Op {
        if self.is_constant() {
            return Op::Const;
        }
        live::find(self.id)
            .get()
            .with(|t| t.ops[self.index as usize])
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
    pub fn powi(self, n: i32) -> Var {
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
    pub fn powf(self, p: f64) -> Var {
        self.with_const(Op::PowConst, p)
    }

    /// `self^p` for a recorded exponent `p`. For a plain `f64` base, `cˣ`,
    /// see [`Pow`].
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
    pub fn pow(self, p: Var) -> Var {
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
    pub fn log(self, base: f64) -> Var {
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
    pub fn max(self, other: impl Rhs) -> Var {
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
    pub fn min(self, other: impl Rhs) -> Var {
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
    pub fn clamp(self, lo: f64, hi: f64) -> Var {
        assert!(
            lo <= hi,
            "tapegrad: clamp needs lo <= hi, not lo = {lo:?} and hi = {hi:?}"
        );
        self.max(lo).min(hi)
    }

    /// The positive difference `max(self - other, 0)`, as `f64::abs_sub`
    /// (C's `fdim`); `∂/∂self = 1`, `∂/∂other = -1` above the tie, 0 at and
    /// below it.
    ///
    /// ```
    /// use tapegrad::{Tape, Var};
    ///
    /// let tape = Tape::new();
    /// let (x, y) = (tape.var(5.0), tape.var(2.0));
    /// let d = x.abs_sub(y);
    /// assert_eq!(d.value(), 3.0);
    /// assert_eq!((d.backward()[x], d.backward()[y]), (1.0, -1.0));
    /// assert_eq!(y.abs_sub(Var::constant(4.0)).value(), 0.0);
    /// ```
    #[must_use]
    #[track_caller]
    pub fn abs_sub(self, other: Var) -> Var {
        self.binary(Op::AbsSub, other)
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
    pub fn atan2(self, x: impl Rhs) -> Var {
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
    pub fn hypot(self, y: impl Rhs) -> Var {
        y.record(self, Op::Hypot, Op::HypotConst)
    }

    /// Records the one-input op `op` of this node; of a constant, the
    /// constant it gives.
    #[inline(always)]
    #[track_caller]
    pub(crate) fn unary(self, op: Op) -> Var {
        let value = op::eval_unary(op, self.value);
        let index = match live::hit(self.id) {
            Some(tape) => tape.get().push_index(op, [self.index], value),
            // The slow path takes and gives plain numbers, so the handle
            // stays in registers on the fast one.
            None => unary_elsewhere(self.id, self.index, op, value),
        };
        Var::node(value, self.id, index)
    }

    /// Records the op `op` of this node and the constant operand `c`.
    #[inline(always)]
    #[track_caller]
    pub(crate) fn with_const(self, op: Op, c: f64) -> Var {
        let value = op::eval_unary_const(op, self.value, c);
        let index = match live::hit(self.id) {
            Some(tape) => tape.get().push_with_const(op, self.index, c, value),
            None => with_const_elsewhere(self.id, self.index, op, c, value),
        };
        Var::node(value, self.id, index)
    }

    /// Records the two-input op `op` of this node and `rhs`.
    #[inline(always)]
    #[track_caller]
    pub(crate) fn binary(self, op: Op, rhs: Var) -> Var {
        let (value, index) = if self.id == rhs.id
            && let Some(tape) = live::hit(self.id)
        {
            let value = op::eval_binary(op, self.value, rhs.value);
            (
                value,
                tape.get().push_index(op, [self.index, rhs.index], value),
            )
        } else {
            // Plain numbers in and out, so the handles stay in registers.
            binary_elsewhere(
                op, self.value, self.id, self.index, rhs.value, rhs.id, rhs.index,
            )
        };
        // The sides' recording, or 0 for two constants: where one side is
        // a constant its id is 0, and two nodes of two recordings panicked.
        Var::node(value, self.id | rhs.id, index)
    }

    /// The handle of node `index` of recording `id` with value `value`, or
    /// the constant `value` when `id` is 0 (the slow paths answer so for a
    /// constant operand).
    #[inline(always)]
    fn node(value: f64, id: u64, index: u32) -> Var {
        Var { value, id, index }
    }
}

/// [`Var::binary`] where a side is a constant on no tape, the tape is not
/// the one looked up last, or the sides are on two tapes (a panic): a
/// constant side becomes the op's constant operand where the table has such
/// a form, else a `const` node on the other side's tape. Gives the value and
/// the node's index (0 for a constant).
#[inline(never)]
#[track_caller]
fn binary_elsewhere(
    op: Op,
    x: f64,
    x_id: u64,
    x_index: u32,
    y: f64,
    y_id: u64,
    y_index: u32,
) -> (f64, u32) {
    let (lhs, rhs) = (Var::node(x, x_id, x_index), Var::node(y, y_id, y_index));
    let v = match (lhs.is_constant(), rhs.is_constant()) {
        // Two nodes of one tape, not the one looked up last.
        (false, false) if x_id == y_id => {
            let value = op::eval_binary(op, x, y);
            let index = live::find(x_id)
                .get()
                .push_index(op, [x_index, y_index], value);
            return (value, index);
        }
        (true, true) => Var::constant(op::eval_binary(op, x, y)),
        (false, true) => match const_rhs(op) {
            Some(k) => lhs.with_const(k, y),
            None => lhs.binary(op, live::find(x_id).get().push(Op::Const, [], y)),
        },
        (true, false) => match const_lhs(op) {
            Some(k) => rhs.with_const(k, x),
            None => live::find(y_id)
                .get()
                .push(Op::Const, [], x)
                .binary(op, rhs),
        },
        (false, false) => live::find(x_id).get().foreign(rhs),
    };
    (v.value, v.index)
}

/// [`Var::unary`] of a constant (index 0, with id 0 the constant itself),
/// or of a node of a tape other than the one looked up last.
#[inline(never)]
#[track_caller]
fn unary_elsewhere(id: u64, index: u32, op: Op, value: f64) -> u32 {
    if id == 0 {
        return 0;
    }
    live::find(id).get().push_index(op, [index], value)
}

/// [`Var::with_const`] of a constant, or of a node of a tape other than
/// the one looked up last.
#[inline(never)]
#[track_caller]
fn with_const_elsewhere(id: u64, index: u32, op: Op, c: f64, value: f64) -> u32 {
    if id == 0 {
        return 0;
    }
    live::find(id).get().push_with_const(op, index, c, value)
}

/// The op recording `x ∘ c` for the two-input op `op` with a constant
/// right side, where the table has one.
fn const_rhs(op: Op) -> Option<Op> {
    Some(match op {
        Op::Add => Op::AddConst,
        Op::Sub => Op::SubConst,
        Op::Mul => Op::MulConst,
        Op::Div => Op::DivConst,
        Op::Pow => Op::PowConst,
        Op::Max => Op::MaxConst,
        Op::Min => Op::MinConst,
        Op::Atan2 => Op::Atan2Const,
        Op::Hypot => Op::HypotConst,
        _ => return None,
    })
}

/// The op recording `c ∘ x` for the two-input op `op` with a constant left
/// side, where the table has one giving the same value bit for bit (IEEE
/// addition and multiplication commute; max and min are symmetric).
fn const_lhs(op: Op) -> Option<Op> {
    Some(match op {
        Op::Add => Op::AddConst,
        Op::Sub => Op::ConstSub,
        Op::Mul => Op::MulConst,
        Op::Div => Op::ConstDiv,
        Op::Pow => Op::ConstPow,
        Op::Max => Op::MaxConst,
        Op::Min => Op::MinConst,
        _ => return None,
    })
}

/// The right operand of a `Var` method that takes a `Var` or an `f64`
/// ([`Var::max`], [`Var::min`], [`Var::atan2`], [`Var::hypot`]): an `f64`
/// is stored as the op's constant, not recorded as a node. Sealed.
///
/// ```
/// use tapegrad::{Rhs, Tape, Var};
///
/// // ReLU with a floor of either kind.
/// fn floored(x: Var, floor: impl Rhs) -> Var {
///     x.max(floor)
/// }
/// let tape = Tape::new();
/// let x = tape.var(-1.0);
/// assert_eq!(floored(x, 0.0).value(), 0.0);
/// assert_eq!(floored(x, tape.var(-3.0)).value(), -1.0);
/// assert_eq!(tape.len(), 4); // x, max with 0, -3, max with -3: no node for the 0
/// ```
pub trait Rhs: Copy + sealed::Sealed {
    #[doc(hidden)]
    fn record(self, lhs: Var, with_var: Op, with_const: Op) -> Var;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for f64 {}
    impl Sealed for super::Var {}
}

impl Rhs for Var {
    #[inline(always)]
    #[track_caller]
    fn record(self, lhs: Var, with_var: Op, _: Op) -> Var {
        lhs.binary(with_var, self)
    }
}

impl Rhs for f64 {
    #[inline(always)]
    #[track_caller]
    fn record(self, lhs: Var, _: Op, with_const: Op) -> Var {
        lhs.with_const(with_const, self)
    }
}

impl Pow<Var> for Var {
    type Output = Var;
    #[inline]
    #[track_caller]
    fn pow(self, exponent: Var) -> Var {
        self.binary(Op::Pow, exponent)
    }
}

impl Pow<Var> for f64 {
    type Output = Var;
    #[inline]
    #[track_caller]
    fn pow(self, exponent: Var) -> Var {
        exponent.with_const(Op::ConstPow, self)
    }
}

/// `iter.sum()` over `Var`s records one n-ary sum node, as [`Tape::sum`]
/// does; constants on no tape before the first node add up to one constant
/// term, and an empty or all-constant sum is a constant (-0 for no terms,
/// as for `f64`, which starts its sums from -0).
///
/// ```
/// use tapegrad::{Tape, Var};
///
/// let tape = Tape::new();
/// let w = [tape.var(1.0), tape.var(2.0)];
/// let x = [3.0, 4.0];
/// let z: Var = w.iter().zip(x).map(|(&w, x)| w * x).sum();
/// assert_eq!(z.value(), 11.0);
/// let none: Var = std::iter::empty::<Var>().sum();
/// assert_eq!(none.value(), 0.0);
/// ```
impl std::iter::Sum<Var> for Var {
    #[track_caller]
    fn sum<I: Iterator<Item = Var>>(mut iter: I) -> Var {
        // As `f64` sums: from -0, in order.
        let mut constants = -0.0;
        let mut leading = false;
        for v in iter.by_ref() {
            if v.is_constant() {
                constants += v.value;
                leading = true;
                continue;
            }
            // The iterator may run the user's code: hold the tape.
            let state = live::shared(v.id);
            let first = leading.then(|| state.push(Op::Const, [], constants));
            return state.sum(first.into_iter().chain(std::iter::once(v)).chain(iter));
        }
        Var::constant(constants)
    }
}

impl<'a> std::iter::Sum<&'a Var> for Var {
    #[track_caller]
    fn sum<I: Iterator<Item = &'a Var>>(iter: I) -> Var {
        // The impl itself, not `Iterator::sum`, which would hide the caller.
        <Var as std::iter::Sum>::sum(iter.copied())
    }
}

/// `iter.product()` over `Var`s records one multiplication per factor
/// after the first; an empty product is the constant 1, as for `f64`.
impl std::iter::Product<Var> for Var {
    #[track_caller]
    fn product<I: Iterator<Item = Var>>(iter: I) -> Var {
        let mut acc = Var::constant(1.0);
        // A loop, not a fold: a closure would hide the caller's line from a
        // panic. The first factor replaces the 1, as `1.0 * x == x` in f64
        // (bit for bit, NaN payloads aside), without recording a `mul`.
        let mut first = true;
        for x in iter {
            if first {
                acc = x;
                first = false;
            } else {
                acc *= x;
            }
        }
        acc
    }
}

impl<'a> std::iter::Product<&'a Var> for Var {
    #[track_caller]
    fn product<I: Iterator<Item = &'a Var>>(iter: I) -> Var {
        <Var as std::iter::Product>::product(iter.copied())
    }
}

impl fmt::Debug for Var {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_constant() || !live::is_live(self.id) {
            // A constant, or a node whose tape is gone: what the handle holds.
            let kind = if self.is_constant() {
                "constant"
            } else {
                "stale"
            };
            return f.debug_struct("Var").field(kind, &self.value).finish();
        }
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
impl fmt::Display for Var {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.value, f)
    }
}

/// Implements one arithmetic operator for `Var∘Var`, `Var∘f64` and
/// `f64∘Var`, plus its compound assignment.
macro_rules! operator {
    ($Trait:ident $method:ident, $Assign:ident $assign:ident:
     $binary:ident, $var_const:ident, $const_var:ident) => {
        impl $Trait for Var {
            type Output = Var;
            #[inline(always)]
            #[track_caller]
            fn $method(self, rhs: Var) -> Var {
                self.binary(Op::$binary, rhs)
            }
        }
        impl $Trait<f64> for Var {
            type Output = Var;
            #[inline(always)]
            #[track_caller]
            fn $method(self, rhs: f64) -> Var {
                self.with_const(Op::$var_const, rhs)
            }
        }
        impl $Trait<Var> for f64 {
            type Output = Var;
            #[inline(always)]
            #[track_caller]
            fn $method(self, rhs: Var) -> Var {
                rhs.with_const(Op::$const_var, self)
            }
        }
        impl $Assign for Var {
            #[inline]
            #[track_caller]
            fn $assign(&mut self, rhs: Var) {
                *self = $Trait::$method(*self, rhs);
            }
        }
        impl $Assign<f64> for Var {
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

impl Neg for Var {
    type Output = Var;
    #[inline]
    #[track_caller]
    fn neg(self) -> Var {
        self.unary(Op::Neg)
    }
}

impl Apply for Var {
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

impl Real for Var {
    /// A formula of the op table (or a custom op's partials) reading a
    /// value to choose its form, while recording a gradient graph: noted as
    /// a read with no line of the user's.
    #[inline]
    fn value(self) -> f64 {
        if !self.is_constant() {
            live::find(self.id)
                .get()
                .with(|t| t.notes.read(self.index, None));
        }
        self.value
    }
    /// A `const` node next to this one, so dumps show it; of a constant, a
    /// constant.
    #[inline]
    fn constant(self, c: f64) -> Self {
        if self.is_constant() {
            return Var::constant(c);
        }
        live::find(self.id).get().push(Op::Const, [], c)
    }
    /// Kept as a guard, which a compiled replay checks.
    #[track_caller]
    fn order(self, c: f64) -> Option<std::cmp::Ordering> {
        notes::order(self, Var::constant(c), None, false)
    }
    #[track_caller]
    fn abs_order(self, c: f64) -> Option<std::cmp::Ordering> {
        notes::order(self, Var::constant(c), None, true)
    }
    #[track_caller]
    fn order_with(self, other: Self) -> Option<std::cmp::Ordering> {
        notes::order(self, other, None, false)
    }
    #[track_caller]
    fn abs_order_with(self, other: Self) -> Option<std::cmp::Ordering> {
        notes::order(self, other, None, true)
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

/// The `Var` methods of the one-input ops, one per row of the op table
/// ([`op_rows!`](crate::op::op_rows)), with the row's docs.
macro_rules! var_methods {
    (
        nullary { $( $(#[$nm:meta])* $N:ident $nname:literal; )* }
        unary { $( $(#[$um:meta])* $U:ident $uname:literal $method:ident
            |$ux:ident| $uval:expr, |$ux2:ident, $uz:ident, $ug:ident| $uvjp:expr; )* }
        $($rest:tt)*
    ) => {
        impl Var {
            $(
                $(#[$um])*
                #[inline]
                #[must_use]
                #[track_caller]
                #[allow(clippy::should_implement_trait)]
                pub fn $method(self) -> Var {
                    self.unary(Op::$U)
                }
            )*
        }
    };
}

crate::op::op_rows!(var_methods);
