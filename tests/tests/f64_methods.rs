//! The op table's rows for `f64`'s value methods that `num_traits::Float`
//! and `Signed` name (issue 25): `fract`, `to_degrees`, `to_radians`,
//! `abs_sub`, and `asinh`, `acosh`, `atanh` computed as `f64` computes them.
//! Each gives `f64`'s value bit for bit, its first derivative and its second
//! (through the recorded gradient graph) are the analytic ones, and a
//! compiled replay refuses where a branch of a derivative would flip.

use std::f64::consts::PI;

use tapegrad::{Error, Tape, Var};

/// Bitwise equality, NaN equal to NaN.
fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// Inputs across `f64`: both zeros, subnormals, ordinary numbers, halves,
/// edges of the inverse hyperbolic functions' domains, the largest
/// numbers with a fraction, huge numbers, infinities and NaN.
const POINTS: &[f64] = &[
    0.0,
    -0.0,
    5e-324,
    -5e-324,
    1e-300,
    0.3,
    -0.7,
    0.5,
    -2.5,
    1.0,
    -1.0,
    0.9999999,
    -0.9999999,
    1.0000001,
    123456.789,
    4503599627370495.5,
    1e300,
    -1e300,
    f64::MAX,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
];

type Unary = fn(Var) -> Var;
/// A method of `f64`.
type Method = fn(f64) -> f64;

/// The one-input ops of this file, each with `f64`'s method.
const UNARY: &[(&str, Unary, Method)] = &[
    ("fract", |x| x.fract(), f64::fract),
    ("to_degrees", |x| x.to_degrees(), f64::to_degrees),
    ("to_radians", |x| x.to_radians(), f64::to_radians),
    ("asinh", |x| x.asinh(), f64::asinh),
    ("acosh", |x| x.acosh(), f64::acosh),
    ("atanh", |x| x.atanh(), f64::atanh),
];

/// `f64`'s positive difference, the value `num_traits` gives for
/// `Float::abs_sub` and `Signed::abs_sub`.
#[allow(deprecated)]
fn fdim(x: f64, y: f64) -> f64 {
    x.abs_sub(y)
}

/// The value of `f` at `x`, its derivative from `backward`, the same
/// derivative recorded by `grad_graph` (which must carry the same value)
/// and the second derivative, `backward` of the recorded one.
fn derivatives(f: Unary, x: f64) -> (f64, f64, f64) {
    let tape = Tape::new();
    let v = tape.var(x);
    let y = f(v);
    let d1 = y.backward().wrt(v);
    let g = y.grad_graph(&[v])[0];
    assert!(
        same(g.value(), d1),
        "grad_graph {} vs backward {d1}",
        g.value()
    );
    (y.value(), d1, g.backward().wrt(v))
}

#[test]
fn each_one_input_row_gives_f64s_value_bit_for_bit() {
    for &(name, op, f) in UNARY {
        for &x in POINTS {
            let tape = Tape::new();
            let got = op(tape.var(x)).value();
            // The recorded value is f64's method's, to the bit (NaN as NaN).
            assert!(
                same(got, f(x)),
                "{name}({x:e}) = {got:e}, f64 gives {:e}",
                f(x)
            );
        }
    }
}

#[test]
fn abs_sub_gives_f64s_value_bit_for_bit() {
    for &x in POINTS {
        for &y in POINTS {
            let tape = Tape::new();
            let got = tape.var(x).abs_sub(tape.var(y)).value();
            // max(x - y, +0) as fdim computes it, ties and infinities included.
            assert!(same(got, fdim(x, y)), "abs_sub({x:e}, {y:e}) = {got:e}");
        }
    }
}

#[test]
fn fract_has_slope_one_and_no_curvature_between_the_integers() {
    for x in [0.3, -0.7, 2.5, -123456.789, 4503599627370495.5, 1e300] {
        // fract x = x - trunc x: slope 1, second derivative 0.
        let (value, d1, d2) = derivatives(|v| v.fract(), x);
        assert!(same(value, x.fract()));
        assert_eq!((d1, d2), (1.0, 0.0), "at {x}");
    }
}

#[test]
fn degree_conversions_have_the_correctly_rounded_constant_slopes() {
    for x in [-2.0, 0.5, 1e-300, 1e300] {
        // d/dx (x·180/π) = 180/π, correctly rounded 57.29577951308232 (the
        // factor f64 multiplies by); d/dx (x·π/180) = 0.017453292519943295.
        let (_, d1, d2) = derivatives(|v| v.to_degrees(), x);
        assert_eq!((d1, d2), (57.29577951308232, 0.0));
        assert_eq!(d1, 180.0 / PI);
        let (_, d1, d2) = derivatives(|v| v.to_radians(), x);
        assert_eq!((d1, d2), (0.017453292519943295, 0.0));
        assert_eq!(d1, PI / 180.0);
    }
}

#[test]
fn inverse_hyperbolic_derivatives_stay_exact_where_f64s_value_is_not() {
    // atanh at -0.9999999 and acosh at 1.0000001, where f64's values are
    // off by about 1e-10 and 2e-13 relative: the derivatives are formed from
    // x, not from the value, so they stay within a few ulps of
    // atanh' = 1/(1 - x²), atanh'' = 2x/(1 - x²)², acosh' = 1/√(x² - 1) and
    // acosh'' = -x/(x² - 1)^(3/2) (mpmath, correctly rounded).
    let (_, d1, d2) = derivatives(|v| v.atanh(), -0.9999999);
    assert!((d1 / 5000000.252631792 - 1.0).abs() < 1e-14, "{d1}");
    assert!((d2 / -50000000052635.46 - 1.0).abs() < 1e-12, "{d2}");
    let (_, d1, d2) = derivatives(|v| v.acosh(), 1.0000001);
    assert!((d1 / 2236.067920945309 - 1.0).abs() < 1e-14, "{d1}");
    assert!((d2 / -11180340157.215664 - 1.0).abs() < 1e-12, "{d2}");
}

/// `abs_sub(x, y)`'s value, gradient and Hessian (from the recorded
/// gradient graph) at `(x, y)`.
fn abs_sub_at(x: f64, y: f64) -> (f64, [f64; 2], [f64; 4]) {
    let tape = Tape::new();
    let (a, b) = (tape.var(x), tape.var(y));
    let z = a.abs_sub(b);
    let g = z.backward();
    let grads = z.grad_graph(&[a, b]);
    let (ha, hb) = (grads[0].backward(), grads[1].backward());
    (
        z.value(),
        [g.wrt(a), g.wrt(b)],
        [ha.wrt(a), ha.wrt(b), hb.wrt(a), hb.wrt(b)],
    )
}

#[test]
fn abs_sub_passes_the_adjoint_only_where_x_is_above_y() {
    // Above: z = x - y, gradient (1, -1), Hessian 0.
    assert_eq!(abs_sub_at(3.0, 2.0), (1.0, [1.0, -1.0], [0.0; 4]));
    assert_eq!(abs_sub_at(1e300, -1e300), (2e300, [1.0, -1.0], [0.0; 4]));
    // Below and at the tie z is flat at +0 (relu's convention at its kink);
    // equal infinities are a tie too (fdim gives +0 there, not NaN).
    for (x, y) in [
        (2.0, 3.0),
        (2.0, 2.0),
        (-0.0, 0.0),
        (f64::INFINITY, f64::INFINITY),
    ] {
        let (value, grad, hessian) = abs_sub_at(x, y);
        assert!(same(value, 0.0), "abs_sub({x}, {y}) = {value}");
        assert_eq!((grad, hessian), ([0.0; 2], [0.0; 4]), "at ({x}, {y})");
    }
    // A NaN input gives a NaN value and NaN partials, never a silent 0.
    let (value, grad, _) = abs_sub_at(f64::NAN, 1.0);
    assert!(
        value.is_nan() && grad.iter().all(|d| d.is_nan()),
        "{grad:?}"
    );
}

#[test]
fn a_compiled_derivative_of_abs_sub_refuses_where_its_branch_flips() {
    // z = abs_sub(x, y)·x: dz/dx = 2x - y where x > y, 0 where x ≤ y.
    let tape = Tape::new();
    let (x, y) = (tape.var(3.0), tape.var(2.0));
    let dz = (x.abs_sub(y) * x).grad_graph(&[x, y])[0];
    let mut f = tape.compile(dz, &[x, y]).unwrap();
    // Same side: 2·5 - 1 = 9, as recording afresh gives.
    assert_eq!(f.value(&[5.0, 1.0]).unwrap(), 9.0);
    // Across, at (1, 3): recording afresh gives 0, the replay of 2x - y
    // would give -1; it must refuse.
    assert!(
        matches!(f.value(&[1.0, 3.0]), Err(Error::BranchChanged { .. })),
        "{:?}",
        f.value(&[1.0, 3.0])
    );
}

#[test]
fn a_compiled_fract_replays_across_the_integers_without_a_guard() {
    // fract(x)·x and its derivative fract(x) + x: the value is recomputed
    // by the op at each point and the slope of fract is 1 on every side of
    // a jump, so nothing needs a guard and no replay refuses.
    let tape = Tape::new();
    let x = tape.var(2.5);
    let z = x.fract() * x;
    let dz = z.grad_graph(&[x])[0];
    let mut value = tape.compile(z, &[x]).unwrap();
    let mut slope = tape.compile(dz, &[x]).unwrap();
    assert_eq!((value.guards(), slope.guards()), (0, 0));
    for at in [3.25, -1.75, 1e300] {
        assert!(
            same(value.value(&[at]).unwrap(), at.fract() * at),
            "at {at}"
        );
        assert!(
            same(slope.value(&[at]).unwrap(), at.fract() + at),
            "at {at}"
        );
    }
}
