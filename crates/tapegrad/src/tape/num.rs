//! num-traits for `Var` (feature `num-traits`): `Float`, `FloatConst`,
//! `Signed` and the rest, so code written once over `T: Float` runs on a
//! tape and differentiates. Every method that is a function of the value
//! records an op of the table (or `mul_add`, `%` as the ops below); every
//! predicate notes a guard as comparisons do, so a compiled replay refuses
//! where such a branch would flip; constructors give constants on no tape.

#[allow(clippy::wildcard_imports)]
use super::*;

use std::cmp::Ordering;
use std::num::FpCategory;
use std::ops::{Rem, RemAssign};
use std::sync::LazyLock;

use num_traits::{
    Bounded, Float, FloatConst, FromPrimitive, Num, NumCast, One, Signed, ToPrimitive, Zero,
};

use super::notes::{holds, order};

/// `x·a + b` rounded once, as [`f64::mul_add`]: one node of three inputs.
struct MulAdd;

impl CustomOp for MulAdd {
    fn name(&self) -> &str {
        "mul_add"
    }
    fn value(&self, x: &[f64]) -> f64 {
        x[0].mul_add(x[1], x[2])
    }
    fn partials<R: Real>(&self, x: &[R], _out: R) -> Vec<R> {
        // ∂/∂x = a, ∂/∂a = x, ∂/∂b = 1
        vec![x[1], x[0], x[0].constant(1.0)]
    }
}

/// `x % y`, the remainder of truncated division, as `f64`'s `%`: one node.
struct RemOp;

impl CustomOp for RemOp {
    fn name(&self) -> &str {
        "rem"
    }
    fn value(&self, x: &[f64]) -> f64 {
        x[0] % x[1]
    }
    fn partials<R: Real>(&self, x: &[R], out: R) -> Vec<R> {
        // x % y = x - q·y with q = trunc(x/y), constant between jumps:
        // ∂/∂x = 1, ∂/∂y = -q, where q = (x - out)/y exactly up to rounding,
        // which `round` removes.
        let q = ((x[0] - out) / x[1]).round();
        vec![x[0].constant(1.0), -q]
    }
}

/// The shared instances the tapes' custom nodes point to, so a node costs
/// no allocation of its own.
static MUL_ADD: LazyLock<Arc<dyn Erased>> = LazyLock::new(|| Arc::new(MulAdd));
static REM: LazyLock<Arc<dyn Erased>> = LazyLock::new(|| Arc::new(RemOp));

impl Var {
    /// `self·a + b` with one rounding, as [`f64::mul_add`]: the value is
    /// bit for bit `f64`'s; `∂/∂self = a`, `∂/∂a = self`, `∂/∂b = 1`.
    ///
    /// ```
    /// use tapegrad::{Tape, Var};
    ///
    /// let tape = Tape::new();
    /// let (x, a) = (tape.var(0.1), tape.var(10.0));
    /// let y = x.mul_add(a, Var::constant(-1.0));
    /// assert_eq!(y.value(), 0.1f64.mul_add(10.0, -1.0)); // 5.55e-17, not 0
    /// let g = y.backward();
    /// assert_eq!((g[x], g[a]), (10.0, 0.1));
    /// ```
    #[must_use]
    #[track_caller]
    pub fn mul_add(self, a: Var, b: Var) -> Var {
        self.record_shared(&MUL_ADD, &[self, a, b])
    }

    /// Records the shared op `op` over `inputs`; of constants only, the
    /// constant it gives.
    #[track_caller]
    fn record_shared(self, op: &Arc<dyn Erased>, inputs: &[Var]) -> Var {
        match inputs.iter().find(|v| !v.is_constant()) {
            None => {
                let xs: Vec<f64> = inputs.iter().map(|v| v.value).collect();
                Var::constant(op.value(&xs))
            }
            // The op runs no user code: no hold on the tape is needed, but
            // the lookup panics at the caller's line if it is gone.
            Some(node) => live::find(node.id)
                .get()
                .custom_shared(Arc::clone(op), inputs),
        }
    }
}

impl Rem for Var {
    type Output = Var;
    /// `self % rhs`, as `f64`'s: one node, `∂/∂self = 1`,
    /// `∂/∂rhs = -trunc(self/rhs)`.
    #[track_caller]
    fn rem(self, rhs: Var) -> Var {
        self.record_shared(&REM, &[self, rhs])
    }
}

impl Rem<f64> for Var {
    type Output = Var;
    #[track_caller]
    fn rem(self, rhs: f64) -> Var {
        self % Var::constant(rhs)
    }
}

impl Rem<Var> for f64 {
    type Output = Var;
    #[track_caller]
    fn rem(self, rhs: Var) -> Var {
        Var::constant(self) % rhs
    }
}

impl RemAssign for Var {
    #[track_caller]
    fn rem_assign(&mut self, rhs: Var) {
        *self = *self % rhs;
    }
}

impl RemAssign<f64> for Var {
    #[track_caller]
    fn rem_assign(&mut self, rhs: f64) {
        *self = *self % rhs;
    }
}

impl From<Var> for f64 {
    /// The value, read as [`Var::value`] reads it (noted for
    /// [`Tape::compile`]).
    #[track_caller]
    fn from(v: Var) -> f64 {
        v.value()
    }
}

impl Zero for Var {
    /// The constant 0.
    fn zero() -> Var {
        Var::constant(0.0)
    }
    /// Whether the value is ±0, noted as a guard.
    #[track_caller]
    fn is_zero(&self) -> bool {
        holds(*self, Cmp::Eq, 0.0, false)
    }
}

impl One for Var {
    /// The constant 1.
    fn one() -> Var {
        Var::constant(1.0)
    }
    /// Whether the value is 1, noted as a guard.
    #[track_caller]
    fn is_one(&self) -> bool {
        holds(*self, Cmp::Eq, 1.0, false)
    }
}

impl Num for Var {
    type FromStrRadixErr = <f64 as Num>::FromStrRadixErr;
    /// The constant the text spells, as `f64` parses it.
    fn from_str_radix(text: &str, radix: u32) -> Result<Var, Self::FromStrRadixErr> {
        f64::from_str_radix(text, radix).map(Var::constant)
    }
}

impl ToPrimitive for Var {
    #[track_caller]
    fn to_i64(&self) -> Option<i64> {
        self.value().to_i64()
    }
    #[track_caller]
    fn to_u64(&self) -> Option<u64> {
        self.value().to_u64()
    }
    #[track_caller]
    fn to_i128(&self) -> Option<i128> {
        self.value().to_i128()
    }
    #[track_caller]
    fn to_u128(&self) -> Option<u128> {
        self.value().to_u128()
    }
    #[track_caller]
    fn to_f64(&self) -> Option<f64> {
        Some(self.value())
    }
}

impl NumCast for Var {
    /// The constant `n` converts to, as for `f64`.
    fn from<T: ToPrimitive>(n: T) -> Option<Var> {
        n.to_f64().map(Var::constant)
    }
}

impl FromPrimitive for Var {
    fn from_i64(n: i64) -> Option<Var> {
        f64::from_i64(n).map(Var::constant)
    }
    fn from_u64(n: u64) -> Option<Var> {
        f64::from_u64(n).map(Var::constant)
    }
    fn from_i128(n: i128) -> Option<Var> {
        f64::from_i128(n).map(Var::constant)
    }
    fn from_u128(n: u128) -> Option<Var> {
        f64::from_u128(n).map(Var::constant)
    }
    fn from_f64(n: f64) -> Option<Var> {
        Some(Var::constant(n))
    }
}

impl Bounded for Var {
    fn min_value() -> Var {
        Var::constant(f64::MIN)
    }
    fn max_value() -> Var {
        Var::constant(f64::MAX)
    }
}

/// Whether `v` is NaN, noted as the guard `v != v`.
#[track_caller]
fn is_nan(v: Var) -> bool {
    order(v, v, Some(Cmp::Ne), false) != Some(Ordering::Equal)
}

/// The sign bit of `v`: a guard on `v < 0` or `v > 0`, and where the value
/// is ±0 or NaN, whose sign no comparison tells, a read (so a compiled
/// replay refuses rather than guess).
#[track_caller]
fn sign_negative(v: Var) -> bool {
    match order(v, Var::constant(0.0), Some(Cmp::Order), false) {
        Some(Ordering::Less) => true,
        Some(Ordering::Greater) => false,
        _ => v.value().is_sign_negative(),
    }
}

impl Signed for Var {
    fn abs(&self) -> Var {
        Var::abs(*self)
    }
    fn abs_sub(&self, other: &Var) -> Var {
        Float::abs_sub(*self, *other)
    }
    fn signum(&self) -> Var {
        Var::signum(*self)
    }
    /// As `f64`'s: the sign bit is clear (so +0 and +NaN are positive).
    #[track_caller]
    fn is_positive(&self) -> bool {
        !sign_negative(*self)
    }
    #[track_caller]
    fn is_negative(&self) -> bool {
        sign_negative(*self)
    }
}

/// The `FloatConst` constants, each a constant on no tape.
macro_rules! float_consts {
    ($($name:ident)*) => {
        impl FloatConst for Var {
            $(
                fn $name() -> Var {
                    Var::constant(std::f64::consts::$name)
                }
            )*
        }
    };
}

float_consts!(
    E FRAC_1_PI FRAC_1_SQRT_2 FRAC_2_PI FRAC_2_SQRT_PI FRAC_PI_2 FRAC_PI_3 FRAC_PI_4
    FRAC_PI_6 FRAC_PI_8 LN_10 LN_2 LOG10_E LOG2_E PI SQRT_2 TAU LOG10_2 LOG2_10
);

/// `Float` methods that are one op of the table, forwarded to `Var`'s own.
macro_rules! forward {
    ($($method:ident)*) => {
        $(
            #[track_caller]
            fn $method(self) -> Var {
                Var::$method(self)
            }
        )*
    };
}

impl Float for Var {
    fn nan() -> Var {
        Var::constant(f64::NAN)
    }
    fn infinity() -> Var {
        Var::constant(f64::INFINITY)
    }
    fn neg_infinity() -> Var {
        Var::constant(f64::NEG_INFINITY)
    }
    fn neg_zero() -> Var {
        Var::constant(-0.0)
    }
    fn min_value() -> Var {
        Var::constant(f64::MIN)
    }
    fn min_positive_value() -> Var {
        Var::constant(f64::MIN_POSITIVE)
    }
    fn epsilon() -> Var {
        Var::constant(f64::EPSILON)
    }
    fn max_value() -> Var {
        Var::constant(f64::MAX)
    }

    #[track_caller]
    fn is_nan(self) -> bool {
        is_nan(self)
    }
    #[track_caller]
    fn is_infinite(self) -> bool {
        holds(self, Cmp::Eq, f64::INFINITY, true)
    }
    #[track_caller]
    fn is_finite(self) -> bool {
        holds(self, Cmp::Lt, f64::INFINITY, true)
    }
    #[track_caller]
    fn is_normal(self) -> bool {
        holds(self, Cmp::Ge, f64::MIN_POSITIVE, true) && holds(self, Cmp::Lt, f64::INFINITY, true)
    }
    #[track_caller]
    fn is_subnormal(self) -> bool {
        holds(self, Cmp::Lt, f64::MIN_POSITIVE, true) && holds(self, Cmp::Ne, 0.0, false)
    }
    #[track_caller]
    fn classify(self) -> FpCategory {
        if is_nan(self) {
            FpCategory::Nan
        } else if holds(self, Cmp::Eq, f64::INFINITY, true) {
            FpCategory::Infinite
        } else if holds(self, Cmp::Eq, 0.0, false) {
            FpCategory::Zero
        } else if holds(self, Cmp::Lt, f64::MIN_POSITIVE, true) {
            FpCategory::Subnormal
        } else {
            FpCategory::Normal
        }
    }
    #[track_caller]
    fn is_sign_positive(self) -> bool {
        !sign_negative(self)
    }
    #[track_caller]
    fn is_sign_negative(self) -> bool {
        sign_negative(self)
    }

    forward!(
        floor ceil round trunc fract abs signum recip sqrt exp exp2 ln log2 log10 to_degrees
        to_radians cbrt sin cos tan asin acos atan exp_m1 ln_1p sinh cosh tanh asinh acosh atanh
    );

    #[track_caller]
    fn mul_add(self, a: Var, b: Var) -> Var {
        Var::mul_add(self, a, b)
    }
    #[track_caller]
    fn powi(self, n: i32) -> Var {
        Var::powi(self, n)
    }
    #[track_caller]
    fn powf(self, n: Var) -> Var {
        if n.is_constant() {
            Var::powf(self, n.value)
        } else {
            Var::pow(self, n)
        }
    }
    /// `ln self / ln base`, as `f64::log`.
    #[track_caller]
    fn log(self, base: Var) -> Var {
        if base.is_constant() {
            Var::log(self, base.value)
        } else {
            self.ln() / base.ln()
        }
    }
    /// As `f64::max`: a NaN side gives the other.
    #[track_caller]
    fn max(self, other: Var) -> Var {
        if is_nan(self) {
            other
        } else if is_nan(other) {
            self
        } else {
            Var::max(self, other)
        }
    }
    /// As `f64::min`: a NaN side gives the other.
    #[track_caller]
    fn min(self, other: Var) -> Var {
        if is_nan(self) {
            other
        } else if is_nan(other) {
            self
        } else {
            Var::min(self, other)
        }
    }
    #[track_caller]
    fn abs_sub(self, other: Var) -> Var {
        Var::abs_sub(self, other)
    }
    /// As `f64::clamp`: `min` when below it, `max` when above (each choice
    /// a guard), and a panic at the caller's line in every build where
    /// `min > max` or either is NaN.
    #[track_caller]
    fn clamp(self, min: Var, max: Var) -> Var {
        // `min <= max` fails for NaN too, as `f64::clamp` asks.
        if min.partial_cmp(&max).is_none_or(|o| o == Ordering::Greater) {
            panic!(
                "tapegrad: clamp needs lo <= hi, not lo = {:?} and hi = {:?}",
                min.value, max.value
            );
        }
        let mut x = self;
        if x < min {
            x = min;
        }
        if x > max {
            x = max;
        }
        x
    }
    #[track_caller]
    fn hypot(self, other: Var) -> Var {
        Var::hypot(self, other)
    }
    #[track_caller]
    fn atan2(self, other: Var) -> Var {
        Var::atan2(self, other)
    }
    #[track_caller]
    fn sin_cos(self) -> (Var, Var) {
        (Var::sin(self), Var::cos(self))
    }
    /// The value's mantissa, exponent and sign, read as [`Var::value`]
    /// reads it.
    #[track_caller]
    fn integer_decode(self) -> (u64, i16, i8) {
        Float::integer_decode(self.value())
    }
}
