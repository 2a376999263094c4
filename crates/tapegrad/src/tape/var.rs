//! `Var`, the `Copy` handle that records, and its operators, all from one
//! macro.

#[allow(clippy::wildcard_imports)]
use super::*;

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
        self.tape
            .formula_order(Side::Node(self.index), Side::Const(c), false)
    }
    #[track_caller]
    fn abs_order(self, c: f64) -> Option<std::cmp::Ordering> {
        self.tape
            .formula_order(Side::Node(self.index), Side::Const(c), true)
    }
    #[track_caller]
    fn order_with(self, other: Self) -> Option<std::cmp::Ordering> {
        self.tape.check_owns(other);
        self.tape
            .formula_order(Side::Node(self.index), Side::Node(other.index), false)
    }
    #[track_caller]
    fn abs_order_with(self, other: Self) -> Option<std::cmp::Ordering> {
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

/// The `Var` methods of the one-input ops, one per row of the op table
/// ([`op_rows!`](crate::op::op_rows)), with the row's docs.
macro_rules! var_methods {
    (
        nullary { $( $(#[$nm:meta])* $N:ident $nname:literal; )* }
        unary { $( $(#[$um:meta])* $U:ident $uname:literal $method:ident
            |$ux:ident| $uval:expr, |$ux2:ident, $uz:ident, $ug:ident| $uvjp:expr; )* }
        $($rest:tt)*
    ) => {
        impl<'t> Var<'t> {
            $(
                $(#[$um])*
                #[inline]
                #[must_use]
                #[track_caller]
                #[allow(clippy::should_implement_trait)]
                pub fn $method(self) -> Var<'t> {
                    self.unary(Op::$U)
                }
            )*
        }
    };
}

crate::op::op_rows!(var_methods);
