//! Every op's value and derivative against its analytic form, at ordinary
//! points and at the edges: zero, negatives, huge and tiny magnitudes.

use tapegrad::{Op, Tape, Var};

/// `f(x)` and `df/dx` through the tape.
fn d1(f: impl for<'t> Fn(Var) -> Var, x: f64) -> (f64, f64) {
    let tape = Tape::new();
    let v = tape.var(x);
    let y = f(v);
    (y.value(), y.backward().wrt(v))
}

/// `f(x, y)`, `∂f/∂x` and `∂f/∂y` through the tape.
fn d2(f: impl for<'t> Fn(Var, Var) -> Var, x: f64, y: f64) -> (f64, f64, f64) {
    let tape = Tape::new();
    let (a, b) = (tape.var(x), tape.var(y));
    let z = f(a, b);
    let g = z.backward();
    (z.value(), g.wrt(a), g.wrt(b))
}

/// Asserts `got` equals `want` to within `ulps` units in the last place
/// (infinities and NaN must match exactly).
#[track_caller]
fn close(got: f64, want: f64, ulps: f64) {
    if want.is_finite() {
        let tolerance = ulps * f64::EPSILON * want.abs().max(f64::MIN_POSITIVE);
        assert!(
            (got - want).abs() <= tolerance,
            "got {got:e}, want {want:e}"
        );
    } else {
        assert!(
            got == want || (got.is_nan() && want.is_nan()),
            "got {got:e}, want {want:e}"
        );
    }
}

#[test]
fn neg() {
    for x in [0.0, -3.0, 2.5, 1e300] {
        // d(-x)/dx = -1
        assert_eq!(d1(|v| -v, x), (-x, -1.0));
    }
}

#[test]
fn ln() {
    for x in [0.5, 1.0, 1e-300, 1e300, 7.25] {
        // d ln x / dx = 1/x
        let (value, d) = d1(|v| v.ln(), x);
        close(value, x.ln(), 1.0);
        close(d, 1.0 / x, 1.0);
    }
    // ln 0 = -∞ with slope +∞; ln of a negative is NaN with slope 1/x.
    assert_eq!(d1(|v| v.ln(), 0.0), (f64::NEG_INFINITY, f64::INFINITY));
    let (value, d) = d1(|v| v.ln(), -2.0);
    assert!(value.is_nan());
    assert_eq!(d, -0.5);
}

#[test]
fn exp() {
    for x in [0.0, 1.0, -745.0, -20.0, 700.0] {
        // d eˣ/dx = eˣ
        let (value, d) = d1(|v| v.exp(), x);
        assert_eq!(value, x.exp());
        assert_eq!(d, x.exp());
    }
    // e^710 overflows: value and slope are +∞.
    assert_eq!(d1(|v| v.exp(), 710.0), (f64::INFINITY, f64::INFINITY));
}

#[test]
fn sqrt() {
    for x in [4.0, 2.0, 1e-300, 1e300, 0.01] {
        // d√x/dx = 1/(2√x)
        let (value, d) = d1(|v| v.sqrt(), x);
        assert_eq!(value, x.sqrt());
        close(d, 0.5 / x.sqrt(), 1.0);
    }
    // At 0 the slope is +∞.
    assert_eq!(d1(|v| v.sqrt(), 0.0), (0.0, f64::INFINITY));
    assert!(d1(|v| v.sqrt(), -1.0).0.is_nan());
}

#[test]
fn sin_and_cos() {
    for x in [0.0, -std::f64::consts::FRAC_PI_2, 1.0, -4.0, 1e6] {
        // d sin x/dx = cos x
        assert_eq!(d1(|v| v.sin(), x), (x.sin(), x.cos()));
        // d cos x/dx = -sin x
        assert_eq!(d1(|v| v.cos(), x), (x.cos(), -x.sin()));
    }
}

#[test]
fn tan() {
    for x in [0.0, 1.0, -1.5, 0.25, 1e3] {
        // d tan x/dx = 1 + tan²x
        let (value, d) = d1(|v| v.tan(), x);
        assert_eq!(value, x.tan());
        close(d, 1.0 + x.tan() * x.tan(), 1.0);
    }
}

#[test]
fn tanh_is_stable_and_its_slope_is_exact_far_from_zero() {
    for x in [0.0, 0.5, -1.4] {
        // d tanh x/dx = 1 - tanh²x, from the output, where tanh² x < 0.82
        // and the subtraction cancels at most two bits.
        let (value, d) = d1(|v| v.tanh(), x);
        assert_eq!(value, x.tanh());
        assert_eq!(d, 1.0 - x.tanh() * x.tanh());
    }
    for x in [-2.0, 10.0, 20.0, -40.0, 300.0] {
        // Beyond, 1/cosh²x = 4e^(-2|x|)/(1 + e^(-2|x|))², where 1 - tanh²x
        // would lose every digit (tanh 20 rounds to 1).
        let e = (-2.0 * f64::abs(x)).exp();
        let (_, d) = d1(|v| v.tanh(), x);
        close(d, 4.0 * e / ((1.0 + e) * (1.0 + e)), 8.0);
    }
    // Far from zero tanh is ±1 exactly (no ∞/∞), and the slope a finite 0.
    assert_eq!(d1(|v| v.tanh(), 1000.0), (1.0, 0.0));
    assert_eq!(d1(|v| v.relu(), 0.0), (0.0, 0.0));
    assert_eq!(d1(|v| v.relu(), 1e300), (1e300, 1.0));
    // NaN passes through, value and slope, so a checked backward still sees it.
    let (value, slope) = d1(|v| v.relu(), f64::NAN);
    assert!(value.is_nan() && slope.is_nan());
}

#[test]
fn abs_takes_the_slope_of_its_sign_bit_at_its_kink() {
    // |x|: slope sign(x), and at ±0 the sign bit's: 1 at +0, -1 at -0 (as
    // JAX and Julia's DiffRules), so that |x|² has second derivative 2.
    assert_eq!(d1(|v| v.abs(), 3.0), (3.0, 1.0));
    assert_eq!(d1(|v| v.abs(), -3.0), (3.0, -1.0));
    assert_eq!(d1(|v| v.abs(), 0.0), (0.0, 1.0));
    assert_eq!(d1(|v| v.abs(), -0.0), (0.0, -1.0));
    assert_eq!(d1(|v| v.abs(), -1e-300), (1e-300, -1.0));
    let h = tapegrad::hessian(|_, v| v[0].abs().powi(2), &[0.0]).unwrap();
    // d²|x|²/dx² = 2 at 0
    assert_eq!(h.matrix, vec![vec![2.0]]);
    assert!(d1(|v| v.abs(), f64::NAN).1.is_nan());
}

#[test]
fn recip() {
    for x in [2.0, -0.5, 1e-10, -1e150] {
        // d(1/x)/dx = -1/x²
        let (value, d) = d1(|v| v.recip(), x);
        assert_eq!(value, 1.0 / x);
        close(d, -1.0 / (x * x), 2.0);
    }
    assert_eq!(d1(|v| v.recip(), 0.0), (f64::INFINITY, f64::NEG_INFINITY));
}

#[test]
fn powi() {
    // d xⁿ/dx = n·xⁿ⁻¹
    assert_eq!(d1(|v| v.powi(3), 2.0), (8.0, 12.0));
    assert_eq!(d1(|v| v.powi(3), -2.0), (-8.0, 12.0));
    assert_eq!(d1(|v| v.powi(2), 0.0), (0.0, 0.0));
    assert_eq!(d1(|v| v.powi(-2), 2.0), (0.25, -0.25));
    // x⁰ = 1 everywhere, slope 0 even at 0 (where n·x⁻¹ would be 0·∞).
    assert_eq!(d1(|v| v.powi(0), 0.0), (1.0, 0.0));
    assert_eq!(d1(|v| v.powi(1), 1e300), (1e300, 1.0));
}

#[test]
fn powf() {
    // d xᶜ/dx = c·xᶜ⁻¹
    assert_eq!(d1(|v| v.powf(0.5), 4.0), (2.0, 0.25));
    assert_eq!(d1(|v| v.powf(2.0), 0.0), (0.0, 0.0));
    assert_eq!(d1(|v| v.powf(0.0), 0.0), (1.0, 0.0));
    let (value, d) = d1(|v| v.powf(-1.5), 3.0);
    close(value, 3f64.powf(-1.5), 1.0);
    close(d, -1.5 * 3f64.powf(-2.5), 2.0);
    // A fractional power of a negative number is NaN, as in IEEE.
    assert!(d1(|v| v.powf(0.5), -4.0).0.is_nan());
}

#[test]
fn pow_of_two_vars() {
    // z = xʸ: ∂z/∂x = y·xʸ⁻¹, ∂z/∂y = xʸ·ln x
    let (z, dx, dy) = d2(|x, y| x.pow(y), 2.0, 3.0);
    assert_eq!((z, dx), (8.0, 12.0));
    close(dy, 8.0 * 2f64.ln(), 1.0);
    // At x = 0, y = 2: ∂z/∂y → 0 (the limit of xʸ·ln x), not 0·(-∞) = NaN.
    assert_eq!(d2(|x, y| x.pow(y), 0.0, 2.0), (0.0, 0.0, 0.0));
    // At y = 0: ∂z/∂x = 0 (not 0·x⁻¹ = NaN at x = 0), ∂z/∂y = ln x.
    let (z, dx, dy) = d2(|x, y| x.pow(y), 5.0, 0.0);
    assert_eq!((z, dx), (1.0, 0.0));
    close(dy, 5f64.ln(), 1.0);
    assert_eq!(d2(|x, y| x.pow(y), 0.0, 0.0).1, 0.0);
}

#[test]
fn max_and_min_split_a_tie_evenly() {
    // The larger input takes the whole adjoint.
    assert_eq!(d2(|x, y| x.max(y), 3.0, -1.0), (3.0, 1.0, 0.0));
    assert_eq!(d2(|x, y| x.max(y), -3.0, -1.0), (-1.0, 0.0, 1.0));
    assert_eq!(d2(|x, y| x.min(y), 3.0, -1.0), (-1.0, 0.0, 1.0));
    assert_eq!(d2(|x, y| x.min(y), -3.0, -1.0), (-3.0, 1.0, 0.0));
    // A tie gives each input half (the subgradient PyTorch and JAX take).
    assert_eq!(d2(|x, y| x.max(y), 2.0, 2.0), (2.0, 0.5, 0.5));
    assert_eq!(d2(|x, y| x.min(y), 0.0, 0.0), (0.0, 0.5, 0.5));
    // NaN is not hidden, unlike f64::max.
    assert!(d2(|x, y| x.max(y), f64::NAN, 1.0).0.is_nan());
}

#[test]
fn arithmetic_between_two_vars() {
    // ∂(x+y) = (1, 1), ∂(x-y) = (1, -1), ∂(xy) = (y, x), ∂(x/y) = (1/y, -x/y²)
    assert_eq!(d2(|x, y| x + y, 3.0, -4.0), (-1.0, 1.0, 1.0));
    assert_eq!(d2(|x, y| x - y, 3.0, -4.0), (7.0, 1.0, -1.0));
    assert_eq!(d2(|x, y| x * y, 3.0, -4.0), (-12.0, -4.0, 3.0));
    assert_eq!(d2(|x, y| x / y, 3.0, -4.0), (-0.75, -0.25, -0.1875));
    // Division by zero: value ±∞, slopes ±∞ (IEEE).
    assert_eq!(
        d2(|x, y| x / y, 1.0, 0.0),
        (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY)
    );
}

#[test]
fn arithmetic_with_constants_on_either_side() {
    // x + c, c + x: slope 1
    assert_eq!(d1(|v| v + 2.0, 3.0), (5.0, 1.0));
    assert_eq!(d1(|v| 2.0 + v, 3.0), (5.0, 1.0));
    // x - c: slope 1; c - x: slope -1
    assert_eq!(d1(|v| v - 2.0, 3.0), (1.0, 1.0));
    assert_eq!(d1(|v| 2.0 - v, 3.0), (-1.0, -1.0));
    // x·c, c·x: slope c
    assert_eq!(d1(|v| v * 2.0, 3.0), (6.0, 2.0));
    assert_eq!(d1(|v| 2.0 * v, 3.0), (6.0, 2.0));
    // x/c: slope 1/c; c/x: slope -c/x²
    assert_eq!(d1(|v| v / 4.0, 3.0), (0.75, 0.25));
    assert_eq!(d1(|v| 6.0 / v, 3.0), (2.0, -6.0 / 9.0));
    assert_eq!(d1(|v| 1.0 / v, 0.0), (f64::INFINITY, f64::NEG_INFINITY));
}

#[test]
fn every_op_of_the_table_has_a_distinct_variant_and_a_name() {
    let names: Vec<&str> = Op::ALL.iter().map(|op| op.name()).collect();
    for name in [
        "var", "const", "neg", "ln", "exp", "sqrt", "sin", "cos", "tan", "tanh", "sigmoid", "relu",
        "abs", "recip", "add", "sub", "mul", "div", "powf", "powi", "pow", "max", "min", "sum",
        "dot", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "log2", "log10",
        "ln_1p", "exp_m1", "exp2", "cbrt", "softplus", "erf", "erfc", "signum", "floor", "ceil",
        "round", "trunc", "log", "atan2", "hypot", "custom",
    ] {
        assert!(names.contains(&name), "no op is called {name}");
    }
    // The rows for f64's value methods that num-traits' `Float` names.
    for name in ["fract", "to_degrees", "to_radians", "abs_sub"] {
        assert!(names.contains(&name), "no op is called {name}");
    }
    // Ops that differ only in where their constant sits, or whether it is
    // one, share a name: 66 variants, 55 names.
    assert_eq!(Op::ALL.len(), 66);
    let distinct: std::collections::BTreeSet<&str> = names.iter().copied().collect();
    assert_eq!(distinct.len(), 55);
}
