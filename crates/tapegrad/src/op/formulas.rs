//! The formulas the op table's rows share: forms of a partial that stay
//! exact (no cancellation, no early overflow), and the forward values the
//! standard library lacks.

#[allow(clippy::wildcard_imports)]
use super::*;

/// `1 - x²` without cancellation: `1 - x·x` where `x² ≤ 1/4`, else
/// `(1 - x)(1 + x)`, whose `1 - x` is exact (Sterbenz). Each form's
/// derivative (`-2x` as `-(x + x)` or `(1 - x) - (1 + x)`) cancels no more.
#[inline(always)]
pub(super) fn one_minus_square<S: Real>(x: S) -> S {
    if x.abs_order(0.5) == Some(Less) {
        (x * x).rsub(1.0)
    } else {
        x.rsub(1.0) * (x + 1.0)
    }
}

/// `n·xⁿ⁻¹ · g` for the integer power `n` (an exact integer in an `f64`):
/// the exponent `n - 1` is formed in `f64`, where it cannot overflow as
/// `i32` arithmetic would at `i32::MIN`.
#[inline(always)]
pub(super) fn int_power_partial<S: Real>(x: S, n: f64, g: S) -> Option<S> {
    if n == 0.0 {
        return None;
    }
    let m = n - 1.0;
    let power = if m >= f64::from(i32::MIN) {
        x.powi(m as i32)
    } else {
        x.powf(m)
    };
    Some(g * power * n)
}

/// `e^(-x²)` with the square's rounding error removed: with `a` the value
/// of `x` cut to 26 bits, `a²` is exact and `x² = a² + (x - a)(x + a)`, so
/// `e^(-x²) = e^(-a²)·e^(-(x - a)(x + a))`, an identity in `x` for any `a`
/// (derivatives through it are exact too), whose two exponents are exact or
/// small.
#[inline(always)]
pub(super) fn gaussian<S: Real>(x: S) -> S {
    let a = f64::from_bits(x.value().to_bits() & !((1u64 << 27) - 1));
    let r = (x - a) * (x + a);
    (-r).exp() * (-(a * a)).exp()
}

/// `x^(p-1)` for the power `z = x^p`: `z/x`, exact where `x ≠ 0` and `z`
/// is a normal number (forming `p - 1` would round, which `x^(p-1)`
/// magnifies by `|ln x|`), else `at_zero()`, which forms `x^(p-1)`.
#[inline(always)]
pub(super) fn power_less_one<S: Real>(x: S, z: S, at_zero: impl FnOnce() -> S) -> S {
    if x.order(0.0) != Some(Equal) && is_normal(z) {
        z / x
    } else {
        at_zero()
    }
}

/// `a/(x² + y²)`: directly where the squares, and the squares of their
/// sum (second derivatives), can neither overflow nor underflow, else as
/// `(a/h)/h` with `h = hypot(x, y)`.
#[inline(always)]
pub(super) fn over_sum_of_squares<S: Real>(a: S, x: S, y: S) -> S {
    // `max(|x|, |y|)` within [1e-75, 1e75], asked by comparisons (which a
    // recorded formula keeps as guards): `f64::max` takes the other operand
    // of a NaN, so a NaN bounds nothing unless both are.
    let at_least = |o: Option<Ordering>| matches!(o, Some(Greater | Equal));
    let at_most = |o: Option<Ordering>| matches!(o, Some(Less | Equal));
    let (x_hi, y_hi) = (x.abs_order(1e75), y.abs_order(1e75));
    let below_hi = (at_most(x_hi) || x_hi.is_none())
        && (at_most(y_hi) || y_hi.is_none())
        && (x_hi.is_some() || y_hi.is_some());
    if below_hi && (at_least(x.abs_order(1e-75)) || at_least(y.abs_order(1e-75))) {
        a / (x * x + y * y)
    } else {
        let h = x.hypot(y);
        a / h / h
    }
}

/// `∂hypot(a, b)/∂a = a/h`, written so that its own derivatives do not
/// cancel: `sign(a)/√(1 + (b/a)²)` where `|a| ≥ |b|` (`1/h - a²/h³` would
/// subtract nearly equal terms when `b ≪ a`), `a/h` elsewhere.
#[inline(always)]
pub(super) fn hypot_partial<S: Real>(a: S, b: S, h: S) -> S {
    if matches!(a.abs_order_with(b), Some(Greater | Equal)) {
        let r = b / a;
        (r * r + 1.0).sqrt().rdiv(a.sign())
    } else {
        a / h
    }
}

/// The share of a `max`'s adjoint `g` that goes to an operand that orders
/// `ord` against the other: all to the winner, nothing to the loser, half
/// on a tie, and NaN when either is NaN (the result is NaN, so is its
/// derivative). (A `min` is a `max` of the negated values.)
#[inline(always)]
pub(super) fn share<S: Real>(ord: Option<Ordering>, g: S) -> Option<S> {
    match ord {
        Some(Greater) => Some(g),
        Some(Less) => None,
        Some(Equal) => Some(g * 0.5),
        None => Some(g * f64::NAN),
    }
}

/// The adjoint `g` of `max(x - y, 0)` that goes to `x`, for `x` ordering
/// `ord` against `y`: all of it where `x > y`, nothing where `x ≤ y` (the
/// tie takes relu's derivative at 0), and NaN when either is NaN.
#[inline(always)]
pub(super) fn positive_part<S: Real>(ord: Option<Ordering>, g: S) -> Option<S> {
    match ord {
        Some(Greater) => Some(g),
        Some(Less | Equal) => None,
        None => Some(g * f64::NAN),
    }
}

/// `z.value().is_normal()`, asked by comparisons.
#[inline(always)]
pub(super) fn is_normal<S: Real>(z: S) -> bool {
    matches!(z.abs_order(f64::MIN_POSITIVE), Some(Greater | Equal))
        && z.abs_order(f64::INFINITY) == Some(Less)
}

/// The logistic function in its stable form: it never overflows, and it is
/// exact to the last bit far from zero on both sides.
#[inline]
pub(crate) fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        // For very negative x, exp(x) underflows gracefully instead of
        // 1/(1+exp(-x)) overflowing to 1/inf.
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// `ln(1 + eˣ)` in its stable form: `x + ln(1 + e⁻ˣ)` for positive `x`, so
/// nothing overflows, and `ln_1p(eˣ)` below, exact where `eˣ` is tiny.
#[inline]
pub(crate) fn softplus(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

/// `max(x, 0)`, passing NaN through (as PyTorch does) so that a checked
/// backward still sees it.
#[inline]
pub(crate) fn relu(x: f64) -> f64 {
    if x <= 0.0 { 0.0 } else { x }
}

/// The larger of two numbers, NaN if either is NaN (`f64::max` would hide it).
#[inline]
pub(crate) fn max(x: f64, y: f64) -> f64 {
    if x.is_nan() || y.is_nan() {
        f64::NAN
    } else if x >= y {
        x
    } else {
        y
    }
}

/// The smaller of two numbers, NaN if either is NaN (`f64::min` would hide it).
#[inline]
pub(crate) fn min(x: f64, y: f64) -> f64 {
    if x.is_nan() || y.is_nan() {
        f64::NAN
    } else if x <= y {
        x
    } else {
        y
    }
}

/// The positive difference `max(x - y, 0)` as `f64::abs_sub` computes it
/// (C's `fdim`), called by name so that the op's value is `f64`'s to the
/// bit; the method is deprecated only because its name reads like `|x - y|`.
#[inline]
#[allow(deprecated)]
pub(crate) fn abs_sub(x: f64, y: f64) -> f64 {
    x.abs_sub(y)
}

/// `xⁿ` for an integer `n` held exactly in an `f64`: repeated
/// multiplication where it rounds at most a few times, `powf` (correctly
/// rounded to within an ulp) for larger exponents, where `powi`'s repeated
/// squaring would compound its rounding.
#[inline]
pub(crate) fn powi(x: f64, n: f64) -> f64 {
    if n.abs() <= 4.0 {
        x.powi(n as i32)
    } else {
        x.powf(n)
    }
}
