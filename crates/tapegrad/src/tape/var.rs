//! `Var`, the `Copy` handle that records, and its operators, all from one
//! macro.

#[allow(clippy::wildcard_imports)]
use super::*;

use super::elsewhere::{binary_elsewhere, unary_elsewhere, with_const_elsewhere};

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
        if self.id == rhs.id
            && let Some(tape) = live::hit(self.id)
        {
            let value = op::eval_binary(op, self.value, rhs.value);
            let index = tape.get().push_index(op, [self.index, rhs.index], value);
            return Var::node(value, self.id, index);
        }
        // Plain numbers in and out, so the handles stay in registers.
        let (value, index) = binary_elsewhere(
            op, self.value, self.id, self.index, rhs.value, rhs.id, rhs.index,
        );
        // The sides' recording, or 0 for two constants: where one side is
        // a constant its id is 0, and two nodes of two recordings panicked.
        Var::node(value, self.id | rhs.id, index)
    }

    /// The handle of node `index` of recording `id` with value `value`, or
    /// the constant `value` when `id` is 0 (the slow paths answer so for a
    /// constant operand).
    #[inline(always)]
    pub(super) fn node(value: f64, id: u64, index: u32) -> Var {
        Var { value, id, index }
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
