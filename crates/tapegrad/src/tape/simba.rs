//! simba's number traits for `Var` (feature `nalgebra`): `ComplexField`
//! and `RealField`, with `Field`, a one-lane `SimdValue`, the inclusions
//! `SubsetOf`/`SupersetOf` of `f32` and `f64`, and approx's comparisons,
//! so that nalgebra 0.35's code (rotations, quaternions, decompositions)
//! runs on a tape. Every method that is a function of the value records
//! through `Var`'s own methods and `Float`'s, giving the value `f64`'s
//! simba impl gives bit for bit (`powi` above `|n| = 4` aside, which is
//! `Var::powi`'s); a branch on a value is a comparison of
//! `Var`s, which notes a guard; conversions to `f32`/`f64` and approx's
//! tolerance tests read values (see below).

use ::approx::{AbsDiffEq, RelativeEq, UlpsEq};
use ::simba::scalar::{ComplexField, Field, RealField, SubsetOf};
use ::simba::simd::SimdValue;
use num_traits::Float;

use super::Var;

/// A `Var` is a scalar: one lane, whose element is itself, compared to a
/// plain `bool`, as `f64` is.
impl SimdValue for Var {
    const LANES: usize = 1;
    type Element = Var;
    type SimdBool = bool;

    #[inline]
    fn splat(val: Var) -> Var {
        val
    }
    #[inline]
    fn extract(&self, _: usize) -> Var {
        *self
    }
    #[inline]
    unsafe fn extract_unchecked(&self, _: usize) -> Var {
        *self
    }
    #[inline]
    fn replace(&mut self, _: usize, val: Var) {
        *self = val;
    }
    #[inline]
    unsafe fn replace_unchecked(&mut self, _: usize, val: Var) {
        *self = val;
    }
    #[inline]
    fn select(self, cond: bool, other: Var) -> Var {
        if cond { self } else { other }
    }
}

impl Field for Var {}

/// Every `Var` is a `Var` (simba asks for the inclusion of a type in
/// itself).
impl SubsetOf<Var> for Var {
    fn to_superset(&self) -> Var {
        *self
    }
    fn from_superset_unchecked(element: &Var) -> Var {
        *element
    }
    fn is_in_subset(_: &Var) -> bool {
        true
    }
}

/// An `f64` is the constant `Var` of its value (`Var: SupersetOf<f64>`, what
/// nalgebra's `convert(2.0)` and `Matrix::cast::<Var>` use); back from a
/// `Var`, its value, read as [`Var::value`] reads it. As simba's `f32` and
/// `f64` are subsets of each other, every `Var` is in the subset.
impl SubsetOf<Var> for f64 {
    fn to_superset(&self) -> Var {
        Var::constant(*self)
    }
    #[track_caller]
    fn from_superset_unchecked(element: &Var) -> f64 {
        element.value()
    }
    fn is_in_subset(_: &Var) -> bool {
        true
    }
}

/// An `f32` is the constant `Var` of its value; back from a `Var`, its
/// value (read as [`Var::value`] reads it) rounded to `f32`, as simba's
/// `f64` to `f32`.
impl SubsetOf<Var> for f32 {
    fn to_superset(&self) -> Var {
        Var::constant(f64::from(*self))
    }
    #[track_caller]
    #[allow(clippy::cast_possible_truncation)]
    fn from_superset_unchecked(element: &Var) -> f32 {
        element.value() as f32
    }
    fn is_in_subset(_: &Var) -> bool {
        true
    }
}

/// A `Var` as an `f64` (`f64: SupersetOf<Var>`, what
/// `Matrix::cast::<f64>` uses): its value, read as [`Var::value`] reads it;
/// an `f64` back is the constant of its value.
impl SubsetOf<f64> for Var {
    #[track_caller]
    fn to_superset(&self) -> f64 {
        self.value()
    }
    fn from_superset_unchecked(element: &f64) -> Var {
        Var::constant(*element)
    }
    fn is_in_subset(_: &f64) -> bool {
        true
    }
}

/// A `Var` as an `f32`: its value, read as [`Var::value`] reads it, rounded
/// to `f32`; an `f32` back is the constant of its value.
impl SubsetOf<f32> for Var {
    #[track_caller]
    #[allow(clippy::cast_possible_truncation)]
    fn to_superset(&self) -> f32 {
        self.value() as f32
    }
    fn from_superset_unchecked(element: &f32) -> Var {
        Var::constant(f64::from(*element))
    }
    fn is_in_subset(_: &f32) -> bool {
        true
    }
}

// approx's tolerance tests. Their answer is a function of the values that
// no comparison of recorded operands states (`|a - b| <= ε` compares a
// difference the tape does not hold, `ulps_eq` the values' bit patterns),
// so each reads the values of its operands that are nodes, as
// `Var::value` does: `Tape::compile` then refuses to replay past the test
// (it reports the read) rather than replay a branch it cannot check. They
// serve asserts and convergence tests, not the path a replay follows
// (nalgebra's own algorithms compare with `<`, `is_zero` and the like,
// which note guards). Constants read nothing.

impl AbsDiffEq for Var {
    type Epsilon = Var;

    /// `f64::EPSILON`, as for `f64`.
    fn default_epsilon() -> Var {
        Var::constant(f64::default_epsilon())
    }
    /// `|self - other| <= epsilon` on the values, as for `f64`; a read of
    /// each operand that is a node.
    #[track_caller]
    fn abs_diff_eq(&self, other: &Var, epsilon: Var) -> bool {
        let (a, b, eps) = (self.value(), other.value(), epsilon.value());
        a.abs_diff_eq(&b, eps)
    }
}

impl RelativeEq for Var {
    /// `f64::EPSILON`, as for `f64`.
    fn default_max_relative() -> Var {
        Var::constant(f64::default_max_relative())
    }
    /// approx's relative comparison of the values, as for `f64`; a read of
    /// each operand that is a node.
    #[track_caller]
    fn relative_eq(&self, other: &Var, epsilon: Var, max_relative: Var) -> bool {
        let (a, b) = (self.value(), other.value());
        a.relative_eq(&b, epsilon.value(), max_relative.value())
    }
}

impl UlpsEq for Var {
    /// 4, as for `f64`.
    fn default_max_ulps() -> u32 {
        f64::default_max_ulps()
    }
    /// approx's comparison of the values by units in the last place, as for
    /// `f64`; a read of each operand that is a node.
    #[track_caller]
    fn ulps_eq(&self, other: &Var, epsilon: Var, max_ulps: u32) -> bool {
        let (a, b) = (self.value(), other.value());
        a.ulps_eq(&b, epsilon.value(), max_ulps)
    }
}

/// A `Var` is a real number, its own real part, as `f64` is in simba: each
/// method records what simba's `f64` computes, with the same value bit for
/// bit (`powi` for `|n| <= 4`: above, the engine's more accurate one), and
/// branches (`try_sqrt`, `argument`, `to_exp`, `is_finite`) note
/// guards as comparisons do.
///
/// ```
/// use nalgebra::{Matrix2, Vector2};
/// use tapegrad::{Tape, Var};
///
/// let tape = Tape::new();
/// let a = Matrix2::new(tape.var(4.0), tape.var(1.0), tape.var(2.0), tape.var(3.0));
/// let det = a.determinant(); // nalgebra's code, run on the tape
/// assert_eq!(det.value(), 10.0);
/// let g = det.backward();
/// // ∂det/∂a₀₀ = a₁₁ = 3, ∂det/∂a₀₁ = -a₁₀ = -2
/// assert_eq!((g[a[(0, 0)]], g[a[(0, 1)]]), (3.0, -2.0));
/// let x = a.lu().solve(&Vector2::new(Var::constant(1.0), Var::constant(2.0))).unwrap();
/// assert_eq!(x.map(|v| v.value()), Vector2::new(0.1, 0.6));
/// ```
impl ComplexField for Var {
    type RealField = Var;

    fn from_real(re: Var) -> Var {
        re
    }
    fn real(self) -> Var {
        self
    }
    fn imaginary(self) -> Var {
        Var::constant(0.0)
    }
    #[track_caller]
    fn modulus(self) -> Var {
        Var::abs(self)
    }
    #[track_caller]
    fn modulus_squared(self) -> Var {
        self * self
    }
    /// 0 for `self >= 0`, else π (NaN included), as for `f64`: a guard.
    #[track_caller]
    fn argument(self) -> Var {
        if self >= 0.0 {
            Var::constant(0.0)
        } else {
            Var::constant(std::f64::consts::PI)
        }
    }
    #[track_caller]
    fn norm1(self) -> Var {
        Var::abs(self)
    }
    #[track_caller]
    fn scale(self, factor: Var) -> Var {
        self * factor
    }
    #[track_caller]
    fn unscale(self, factor: Var) -> Var {
        self / factor
    }
    /// `(self, 1)` for `self >= 0`, else `(-self, -1)`, as for `f64`: a
    /// guard.
    #[track_caller]
    fn to_exp(self) -> (Var, Var) {
        if self >= 0.0 {
            (self, Var::constant(1.0))
        } else {
            (-self, Var::constant(-1.0))
        }
    }
    #[track_caller]
    fn signum(self) -> Var {
        Var::signum(self)
    }
    #[track_caller]
    fn floor(self) -> Var {
        Var::floor(self)
    }
    #[track_caller]
    fn ceil(self) -> Var {
        Var::ceil(self)
    }
    #[track_caller]
    fn round(self) -> Var {
        Var::round(self)
    }
    #[track_caller]
    fn trunc(self) -> Var {
        Var::trunc(self)
    }
    #[track_caller]
    fn fract(self) -> Var {
        Var::fract(self)
    }
    /// One rounding, as `f64::mul_add`.
    #[track_caller]
    fn mul_add(self, a: Var, b: Var) -> Var {
        Var::mul_add(self, a, b)
    }
    #[track_caller]
    fn abs(self) -> Var {
        Var::abs(self)
    }
    #[track_caller]
    fn hypot(self, other: Var) -> Var {
        Var::hypot(self, other)
    }
    #[track_caller]
    fn recip(self) -> Var {
        Var::recip(self)
    }
    fn conjugate(self) -> Var {
        self
    }
    #[track_caller]
    fn sin(self) -> Var {
        Var::sin(self)
    }
    #[track_caller]
    fn cos(self) -> Var {
        Var::cos(self)
    }
    #[track_caller]
    fn sin_cos(self) -> (Var, Var) {
        (Var::sin(self), Var::cos(self))
    }
    #[track_caller]
    fn tan(self) -> Var {
        Var::tan(self)
    }
    #[track_caller]
    fn asin(self) -> Var {
        Var::asin(self)
    }
    #[track_caller]
    fn acos(self) -> Var {
        Var::acos(self)
    }
    #[track_caller]
    fn atan(self) -> Var {
        Var::atan(self)
    }
    #[track_caller]
    fn sinh(self) -> Var {
        Var::sinh(self)
    }
    #[track_caller]
    fn cosh(self) -> Var {
        Var::cosh(self)
    }
    #[track_caller]
    fn tanh(self) -> Var {
        Var::tanh(self)
    }
    #[track_caller]
    fn asinh(self) -> Var {
        Var::asinh(self)
    }
    #[track_caller]
    fn acosh(self) -> Var {
        Var::acosh(self)
    }
    #[track_caller]
    fn atanh(self) -> Var {
        Var::atanh(self)
    }
    /// `ln self / ln base`, as `f64::log`.
    #[track_caller]
    fn log(self, base: Var) -> Var {
        Float::log(self, base)
    }
    #[track_caller]
    fn log2(self) -> Var {
        Var::log2(self)
    }
    #[track_caller]
    fn log10(self) -> Var {
        Var::log10(self)
    }
    #[track_caller]
    fn ln(self) -> Var {
        Var::ln(self)
    }
    #[track_caller]
    fn ln_1p(self) -> Var {
        Var::ln_1p(self)
    }
    #[track_caller]
    fn sqrt(self) -> Var {
        Var::sqrt(self)
    }
    #[track_caller]
    fn exp(self) -> Var {
        Var::exp(self)
    }
    #[track_caller]
    fn exp2(self) -> Var {
        Var::exp2(self)
    }
    #[track_caller]
    fn exp_m1(self) -> Var {
        Var::exp_m1(self)
    }
    /// [`Var::powi`], as `Float::powi`: `f64::powi`'s value for
    /// `|n| <= 4`; above, `powf`'s (within an ulp), where `f64::powi`'s
    /// repeated squaring rounds up to `log₂|n|` times.
    #[track_caller]
    fn powi(self, n: i32) -> Var {
        Var::powi(self, n)
    }
    /// `self^n`; a constant exponent is stored as the op's constant.
    #[track_caller]
    fn powf(self, n: Var) -> Var {
        Float::powf(self, n)
    }
    /// `powf`, as for `f64` (a real has no complex power of its own).
    #[track_caller]
    fn powc(self, n: Var) -> Var {
        Float::powf(self, n)
    }
    #[track_caller]
    fn cbrt(self) -> Var {
        Var::cbrt(self)
    }
    /// Whether the value is finite: a guard, as `Float::is_finite`.
    #[track_caller]
    fn is_finite(&self) -> bool {
        Float::is_finite(*self)
    }
    /// `Some(√self)` for `self >= 0`, else `None` (NaN included), as for
    /// `f64`: a guard on `self >= 0`.
    #[track_caller]
    fn try_sqrt(self) -> Option<Var> {
        if self >= 0.0 {
            Some(Var::sqrt(self))
        } else {
            None
        }
    }
}

/// The reals' extras: the sign bit (a guard, or a read where the value is
/// ±0 or NaN), `max`/`min` as `f64`'s (a NaN side gives the other),
/// `clamp` by two comparisons, and the constants on no tape.
///
/// ```
/// use nalgebra::{Rotation3, Vector3};
/// use tapegrad::Tape;
///
/// let tape = Tape::new();
/// let angle = tape.var(0.5);
/// let r = Rotation3::from_axis_angle(&Vector3::z_axis(), angle);
/// let p = r * Vector3::new(1.0.into(), 0.0.into(), 0.0.into()); // (cos θ, sin θ, 0)
/// assert_eq!(p.x.value(), 0.5f64.cos());
/// // d(sin θ)/dθ = cos θ
/// assert_eq!(p.y.backward()[angle], 0.5f64.cos());
/// ```
impl RealField for Var {
    #[track_caller]
    fn is_sign_positive(&self) -> bool {
        Float::is_sign_positive(*self)
    }
    #[track_caller]
    fn is_sign_negative(&self) -> bool {
        Float::is_sign_negative(*self)
    }
    /// `|self|` with the sign bit of `sign`, as `f64::copysign`: `-|self|`
    /// where the sign bit is set (the same bits), so `∂/∂self = ±sign(self)`
    /// and `∂/∂sign = 0`.
    #[track_caller]
    fn copysign(self, sign: Var) -> Var {
        if Float::is_sign_negative(sign) {
            -Var::abs(self)
        } else {
            Var::abs(self)
        }
    }
    #[track_caller]
    fn max(self, other: Var) -> Var {
        Float::max(self, other)
    }
    #[track_caller]
    fn min(self, other: Var) -> Var {
        Float::min(self, other)
    }
    /// `min` below `min`, `max` above `max`, else `self`, by the two
    /// comparisons simba's `f64` makes (each a guard).
    #[track_caller]
    fn clamp(self, min: Var, max: Var) -> Var {
        if self < min {
            min
        } else if self > max {
            max
        } else {
            self
        }
    }
    #[track_caller]
    fn atan2(self, other: Var) -> Var {
        Var::atan2(self, other)
    }
    fn min_value() -> Option<Var> {
        Some(Var::constant(f64::MIN))
    }
    fn max_value() -> Option<Var> {
        Some(Var::constant(f64::MAX))
    }
    fn pi() -> Var {
        Var::constant(std::f64::consts::PI)
    }
    /// `π + π`, as simba's `f64`.
    fn two_pi() -> Var {
        Var::constant(std::f64::consts::PI + std::f64::consts::PI)
    }
    fn frac_pi_2() -> Var {
        Var::constant(std::f64::consts::FRAC_PI_2)
    }
    fn frac_pi_3() -> Var {
        Var::constant(std::f64::consts::FRAC_PI_3)
    }
    fn frac_pi_4() -> Var {
        Var::constant(std::f64::consts::FRAC_PI_4)
    }
    fn frac_pi_6() -> Var {
        Var::constant(std::f64::consts::FRAC_PI_6)
    }
    fn frac_pi_8() -> Var {
        Var::constant(std::f64::consts::FRAC_PI_8)
    }
    fn frac_1_pi() -> Var {
        Var::constant(std::f64::consts::FRAC_1_PI)
    }
    fn frac_2_pi() -> Var {
        Var::constant(std::f64::consts::FRAC_2_PI)
    }
    fn frac_2_sqrt_pi() -> Var {
        Var::constant(std::f64::consts::FRAC_2_SQRT_PI)
    }
    fn e() -> Var {
        Var::constant(std::f64::consts::E)
    }
    fn log2_e() -> Var {
        Var::constant(std::f64::consts::LOG2_E)
    }
    fn log10_e() -> Var {
        Var::constant(std::f64::consts::LOG10_E)
    }
    fn ln_2() -> Var {
        Var::constant(std::f64::consts::LN_2)
    }
    fn ln_10() -> Var {
        Var::constant(std::f64::consts::LN_10)
    }
}
