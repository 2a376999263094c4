//! Code written once over num-traits' `T: Float` on a `Var` (issue 25).
//!
//! - Every `Float`, `FloatConst` and `Signed` method, called through the
//!   trait (`<Var as Float>::sin(x)`), gives `f64`'s value bit for bit at
//!   points across `f64` (both zeros, subnormals, the domains' edges,
//!   infinities, NaN), and its first and second derivatives meet the op
//!   table's accuracy standard (docs/accuracy.md) against the mpmath table
//!   `tests/oracle/accuracy.tsv`, or are exact where the derivative is
//!   (`mul_add`, `%`, `copysign`, `clamp`).
//! - Predicates answer as `f64`'s do, and a compiled replay refuses where
//!   the branch they took would flip.
//! - Generic functions (Rosenbrock, log-sum-exp, softmax, Horner's scheme,
//!   a Runge–Kutta step, a log density) give the same value with `f64` and
//!   `Var`, and their gradients, Hessians and Jacobians agree with num-dual's
//!   forward-mode duals running the same generic code.
//! - Checked gradients, dumps and compiled replay work on generic code as
//!   on code written for `Var`; an `f64` accumulator is what does not port.
//!
//! Exceptions found, each asserted as what tapegrad promises instead:
//! `powi` for |n| > 4 is `powf`'s value (Rust documents `f64::powi` as
//! unspecified in precision; at 0.3⁵ they differ in the last bit); `max`
//! and `min` of `+0` and `-0` give either zero, as `f64::max` may.
//!
//! Two tests here found engine bugs, since fixed: `Sum` of `Var` started at
//! `+0` where `f64`'s starts at `-0`, and `Float::clamp` checked its bounds
//! only with debug assertions.

use std::cmp::Ordering;
use std::num::FpCategory;
use std::ops::{Add, Div, Mul, Neg, Rem, Sub};

use num_dual::{Dual64, DualNum, HyperDual64};
use num_traits::{Bounded, Float, FloatConst, FromPrimitive, Num, One, Signed, ToPrimitive, Zero};
use tapegrad::{Error, Graph, Tape, Var};

mod mpmath;
use mpmath::{BOUNDS, Exact, error, rows};

/// Bitwise equality, NaN equal to NaN (`f64` promises no NaN's sign or
/// payload either).
fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// Points across `f64`: both zeros, the smallest subnormal, the largest
/// subnormal, the smallest normal, tiny, ordinary, halves, the edges of
/// `asin`, `acosh`, `atanh` and `ln_1p`, where `exp` overflows, the largest
/// number with a fraction, huge, infinities and NaN.
const GRID: &[f64] = &[
    0.0,
    -0.0,
    5e-324,
    -5e-324,
    2.225073858507201e-308,
    f64::MIN_POSITIVE,
    -f64::MIN_POSITIVE,
    1e-300,
    1e-8,
    0.3,
    -0.7,
    0.5,
    -0.5,
    1.0,
    -1.0,
    0.9999999,
    -0.9999999,
    1.0000001,
    1.5,
    2.5,
    -2.5,
    std::f64::consts::FRAC_PI_2,
    std::f64::consts::PI,
    20.0,
    709.0,
    710.0,
    -745.5,
    1e22,
    4503599627370495.5,
    1e300,
    -1e300,
    f64::MAX,
    f64::MIN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
];

type Unary = fn(Var) -> Var;
type UnaryF64 = fn(f64) -> f64;
type Binary = fn(Var, Var) -> Var;
type BinaryF64 = fn(f64, f64) -> f64;

/// Every one-input method of `Float` and `Signed` (and `Neg`, which `Float`
/// requires), on `Var` and on `f64`, both through the trait.
const UNARY: &[(&str, Unary, UnaryF64)] = &[
    ("neg", |x| -x, |x| -x),
    ("Float::floor", <Var as Float>::floor, <f64 as Float>::floor),
    ("Float::ceil", <Var as Float>::ceil, <f64 as Float>::ceil),
    ("Float::round", <Var as Float>::round, <f64 as Float>::round),
    ("Float::trunc", <Var as Float>::trunc, <f64 as Float>::trunc),
    ("Float::fract", <Var as Float>::fract, <f64 as Float>::fract),
    ("Float::abs", <Var as Float>::abs, <f64 as Float>::abs),
    (
        "Float::signum",
        <Var as Float>::signum,
        <f64 as Float>::signum,
    ),
    ("Float::recip", <Var as Float>::recip, <f64 as Float>::recip),
    ("Float::sqrt", <Var as Float>::sqrt, <f64 as Float>::sqrt),
    ("Float::exp", <Var as Float>::exp, <f64 as Float>::exp),
    ("Float::exp2", <Var as Float>::exp2, <f64 as Float>::exp2),
    ("Float::ln", <Var as Float>::ln, <f64 as Float>::ln),
    ("Float::log2", <Var as Float>::log2, <f64 as Float>::log2),
    ("Float::log10", <Var as Float>::log10, <f64 as Float>::log10),
    (
        "Float::to_degrees",
        <Var as Float>::to_degrees,
        <f64 as Float>::to_degrees,
    ),
    (
        "Float::to_radians",
        <Var as Float>::to_radians,
        <f64 as Float>::to_radians,
    ),
    ("Float::cbrt", <Var as Float>::cbrt, <f64 as Float>::cbrt),
    ("Float::sin", <Var as Float>::sin, <f64 as Float>::sin),
    ("Float::cos", <Var as Float>::cos, <f64 as Float>::cos),
    ("Float::tan", <Var as Float>::tan, <f64 as Float>::tan),
    ("Float::asin", <Var as Float>::asin, <f64 as Float>::asin),
    ("Float::acos", <Var as Float>::acos, <f64 as Float>::acos),
    ("Float::atan", <Var as Float>::atan, <f64 as Float>::atan),
    (
        "Float::sin_cos.0",
        |x| <Var as Float>::sin_cos(x).0,
        |x| <f64 as Float>::sin_cos(x).0,
    ),
    (
        "Float::sin_cos.1",
        |x| <Var as Float>::sin_cos(x).1,
        |x| <f64 as Float>::sin_cos(x).1,
    ),
    (
        "Float::exp_m1",
        <Var as Float>::exp_m1,
        <f64 as Float>::exp_m1,
    ),
    ("Float::ln_1p", <Var as Float>::ln_1p, <f64 as Float>::ln_1p),
    ("Float::sinh", <Var as Float>::sinh, <f64 as Float>::sinh),
    ("Float::cosh", <Var as Float>::cosh, <f64 as Float>::cosh),
    ("Float::tanh", <Var as Float>::tanh, <f64 as Float>::tanh),
    ("Float::asinh", <Var as Float>::asinh, <f64 as Float>::asinh),
    ("Float::acosh", <Var as Float>::acosh, <f64 as Float>::acosh),
    ("Float::atanh", <Var as Float>::atanh, <f64 as Float>::atanh),
    ("Signed::abs", |x| Signed::abs(&x), |x| Signed::abs(&x)),
    (
        "Signed::signum",
        |x| Signed::signum(&x),
        |x| Signed::signum(&x),
    ),
];

/// Every two-input method of `Float` and `Signed`, and the arithmetic
/// operators `Float` requires (`Rem` included), on `Var` and on `f64`.
const BINARY: &[(&str, Binary, BinaryF64)] = &[
    ("add", |x, y| x + y, |x, y| x + y),
    ("sub", |x, y| x - y, |x, y| x - y),
    ("mul", |x, y| x * y, |x, y| x * y),
    ("div", |x, y| x / y, |x, y| x / y),
    ("rem", |x, y| x % y, |x, y| x % y),
    ("Float::powf", <Var as Float>::powf, <f64 as Float>::powf),
    ("Float::log", <Var as Float>::log, <f64 as Float>::log),
    ("Float::max", <Var as Float>::max, <f64 as Float>::max),
    ("Float::min", <Var as Float>::min, <f64 as Float>::min),
    ("Float::hypot", <Var as Float>::hypot, <f64 as Float>::hypot),
    ("Float::atan2", <Var as Float>::atan2, <f64 as Float>::atan2),
    (
        "Float::abs_sub",
        <Var as Float>::abs_sub,
        #[allow(deprecated)]
        <f64 as Float>::abs_sub,
    ),
    (
        "Signed::abs_sub",
        |x, y| Signed::abs_sub(&x, &y),
        |x, y| Signed::abs_sub(&x, &y),
    ),
    (
        "Float::copysign",
        <Var as Float>::copysign,
        <f64 as Float>::copysign,
    ),
];

/// `max` and `min` of two zeros of opposite signs: Rust leaves the sign
/// of `f64::max(-0.0, 0.0)` unspecified (here x86 code gives the first
/// operand, LLVM's constant folding `+0`), so a zero of either sign is
/// `f64`'s value. The engine differs from this build's `f64` in one case:
/// a constant on no tape on the left (`T::zero().max(x)`) is recorded as
/// `x.max(c)`, operands swapped, which gives the other zero.
fn signed_zero_tie(name: &str, x: f64, y: f64) -> bool {
    matches!(name, "Float::max" | "Float::min") && x == 0.0 && y == 0.0
}

/// The ways an operand reaches an op: recorded on the tape, or a constant
/// on no tape (`T::from(c)`, `T::zero()`), which takes the op's constant
/// form (`x * c`, `c - x`, `cˣ`) where the table has one.
fn operand(tape: &Tape, x: f64, recorded: bool) -> Var {
    if recorded {
        tape.var(x)
    } else {
        Var::constant(x)
    }
}

#[test]
fn every_one_input_method_gives_f64s_value_bit_for_bit() {
    let mut wrong = Vec::new();
    for &(name, on_var, on_f64) in UNARY {
        for &x in GRID {
            for recorded in [true, false] {
                let tape = Tape::new();
                let got = on_var(operand(&tape, x, recorded)).value();
                if !same(got, on_f64(x)) {
                    wrong.push(format!(
                        "{name}({x:e}) = {got:e}, f64 gives {:e} (recorded: {recorded})",
                        on_f64(x)
                    ));
                }
            }
        }
    }
    // The value of a method through the trait is f64's, to the bit, whether
    // the input is recorded or a constant on no tape.
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_two_input_method_gives_f64s_value_bit_for_bit() {
    let mut wrong = Vec::new();
    let mut ties = 0;
    for &(name, on_var, on_f64) in BINARY {
        for &x in GRID {
            for &y in GRID {
                for (rx, ry) in [(true, true), (true, false), (false, true), (false, false)] {
                    let tape = Tape::new();
                    let got = on_var(operand(&tape, x, rx), operand(&tape, y, ry)).value();
                    let want = on_f64(x, y);
                    ties += usize::from(signed_zero_tie(name, x, y) && !same(got, want));
                    let tie = signed_zero_tie(name, x, y) && got == 0.0;
                    if !(same(got, want) || tie) {
                        wrong.push(format!(
                            "{name}({x:e}, {y:e}) = {got:e}, f64 gives {want:e} (recorded: {rx}, {ry})"
                        ));
                    }
                }
            }
        }
    }
    println!("max and min of ±0 giving the other zero than f64 here: {ties}");
    // Both inputs recorded, either a constant on no tape, or both: the
    // value is f64's to the bit (max and min of ±0 give a zero).
    assert!(
        wrong.is_empty(),
        "{} values differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn mul_add_rounds_once_as_f64s_does() {
    // A smaller grid for three inputs, and the classic cases where one
    // rounding differs from two: 0.1·10 - 1 is 5.55e-17 rounded once and 0
    // rounded twice; (1 + 2⁻³⁰)² - 1 keeps its 2⁻⁶⁰ term only fused.
    let points = [
        0.0,
        -0.0,
        5e-324,
        0.1,
        -1.0,
        10.0,
        1.0 + 2f64.powi(-30),
        1e300,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
    ];
    let mut wrong = Vec::new();
    for &x in &points {
        for &a in &points {
            for &b in &points {
                for mask in 0..8 {
                    let tape = Tape::new();
                    let v = |i: usize, c: f64| operand(&tape, c, mask >> i & 1 == 1);
                    let (vx, va, vb) = (v(0, x), v(1, a), v(2, b));
                    let got = <Var as Float>::mul_add(vx, va, vb).value();
                    if !same(got, x.mul_add(a, b)) {
                        wrong.push(format!("mul_add({x:e}, {a:e}, {b:e}) = {got:e}"));
                    }
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // The fused value is not the twice-rounded one.
    let tape = Tape::new();
    let y = Float::mul_add(tape.var(0.1), tape.var(10.0), Var::from(-1.0));
    assert_eq!(y.value(), 5.551115123125783e-17);
    assert_ne!(y.value(), 0.1 * 10.0 - 1.0);
}

#[test]
fn clamp_gives_f64s_value_bit_for_bit() {
    let bounds = [(-1.0, 1.0), (0.0, 0.0), (-0.0, 0.5), (1e-300, f64::MAX)];
    for &x in GRID {
        for &(lo, hi) in &bounds {
            let tape = Tape::new();
            let got = Float::clamp(tape.var(x), tape.var(lo), Var::constant(hi)).value();
            // num-traits' clamp on Var (its default: `<` and `>`), f64's
            // own on f64: the same value, NaN passing through.
            assert!(
                same(got, <f64 as Float>::clamp(x, lo, hi)),
                "clamp({x:e}, {lo}, {hi}) = {got:e}"
            );
        }
    }
}

#[test]
fn powi_is_f64s_up_to_the_fourth_power_and_powf_beyond() {
    // What tapegrad promises (docs/accuracy.md): xⁿ by repeated
    // multiplication for |n| ≤ 4, as f64::powi, and by powf for larger |n|,
    // whose error does not compound; Rust documents f64::powi's precision
    // as unspecified, so beyond 4 the value is powf's, not powi's.
    let mut differs_from_powi = 0;
    for &x in GRID {
        for n in [
            0,
            1,
            2,
            3,
            4,
            -1,
            -2,
            -4,
            5,
            -5,
            7,
            10,
            33,
            100,
            -100,
            1023,
            i32::MAX,
            i32::MIN,
        ] {
            let tape = Tape::new();
            let got = <Var as Float>::powi(tape.var(x), n).value();
            let want = if n.unsigned_abs() <= 4 {
                x.powi(n)
            } else {
                x.powf(f64::from(n))
            };
            assert!(same(got, want), "powi({x:e}, {n}) = {got:e}, want {want:e}");
            differs_from_powi += usize::from(!same(got, x.powi(n)));
        }
    }
    println!("powi: {differs_from_powi} points where f64::powi's value differs");
}

#[test]
fn constants_are_f64s_and_on_no_tape() {
    type Constant = (&'static str, fn() -> Var, f64);
    let constants: &[Constant] = &[
        ("nan", Var::nan, f64::NAN),
        ("infinity", Var::infinity, f64::INFINITY),
        ("neg_infinity", Var::neg_infinity, f64::NEG_INFINITY),
        ("neg_zero", Var::neg_zero, -0.0),
        ("Float::min_value", <Var as Float>::min_value, f64::MIN),
        ("Float::max_value", <Var as Float>::max_value, f64::MAX),
        (
            "min_positive_value",
            Var::min_positive_value,
            f64::MIN_POSITIVE,
        ),
        ("epsilon", Var::epsilon, f64::EPSILON),
        ("Bounded::min_value", <Var as Bounded>::min_value, f64::MIN),
        ("Bounded::max_value", <Var as Bounded>::max_value, f64::MAX),
        ("zero", Var::zero, 0.0),
        ("one", Var::one, 1.0),
        ("default", Var::default, 0.0),
        ("E", Var::E, <f64 as FloatConst>::E()),
        (
            "FRAC_1_PI",
            Var::FRAC_1_PI,
            <f64 as FloatConst>::FRAC_1_PI(),
        ),
        (
            "FRAC_1_SQRT_2",
            Var::FRAC_1_SQRT_2,
            <f64 as FloatConst>::FRAC_1_SQRT_2(),
        ),
        (
            "FRAC_2_PI",
            Var::FRAC_2_PI,
            <f64 as FloatConst>::FRAC_2_PI(),
        ),
        (
            "FRAC_2_SQRT_PI",
            Var::FRAC_2_SQRT_PI,
            <f64 as FloatConst>::FRAC_2_SQRT_PI(),
        ),
        (
            "FRAC_PI_2",
            Var::FRAC_PI_2,
            <f64 as FloatConst>::FRAC_PI_2(),
        ),
        (
            "FRAC_PI_3",
            Var::FRAC_PI_3,
            <f64 as FloatConst>::FRAC_PI_3(),
        ),
        (
            "FRAC_PI_4",
            Var::FRAC_PI_4,
            <f64 as FloatConst>::FRAC_PI_4(),
        ),
        (
            "FRAC_PI_6",
            Var::FRAC_PI_6,
            <f64 as FloatConst>::FRAC_PI_6(),
        ),
        (
            "FRAC_PI_8",
            Var::FRAC_PI_8,
            <f64 as FloatConst>::FRAC_PI_8(),
        ),
        ("LN_10", Var::LN_10, <f64 as FloatConst>::LN_10()),
        ("LN_2", Var::LN_2, <f64 as FloatConst>::LN_2()),
        ("LOG10_E", Var::LOG10_E, <f64 as FloatConst>::LOG10_E()),
        ("LOG2_E", Var::LOG2_E, <f64 as FloatConst>::LOG2_E()),
        ("PI", Var::PI, <f64 as FloatConst>::PI()),
        ("SQRT_2", Var::SQRT_2, <f64 as FloatConst>::SQRT_2()),
        ("TAU", Var::TAU, <f64 as FloatConst>::TAU()),
        ("LOG10_2", Var::LOG10_2, <f64 as FloatConst>::LOG10_2()),
        ("LOG2_10", Var::LOG2_10, <f64 as FloatConst>::LOG2_10()),
    ];
    for &(name, make, want) in constants {
        let c = make();
        // Each constructor gives f64's constant, as a constant on no tape.
        assert!(c.is_constant(), "{name} is on a tape");
        assert!(same(c.value(), want), "{name} = {:e}", c.value());
    }
    // Conversions give f64's numbers, as constants.
    let conversions = [
        (
            <Var as num_traits::NumCast>::from(3u8),
            <f64 as num_traits::NumCast>::from(3u8),
        ),
        (
            <Var as num_traits::NumCast>::from(-7i64),
            <f64 as num_traits::NumCast>::from(-7i64),
        ),
        (
            <Var as num_traits::NumCast>::from(u64::MAX),
            <f64 as num_traits::NumCast>::from(u64::MAX),
        ),
        (Var::from_i64(i64::MIN), f64::from_i64(i64::MIN)),
        (Var::from_u128(u128::MAX), f64::from_u128(u128::MAX)),
        (Var::from_f32(0.1), f64::from_f32(0.1)),
        (
            Var::from_str_radix("-1.5", 10).ok(),
            f64::from_str_radix("-1.5", 10).ok(),
        ),
    ];
    for (got, want) in conversions {
        let (got, want) = (got.expect("converts"), want.expect("converts"));
        assert!(
            got.is_constant() && same(got.value(), want),
            "{got:?} vs {want}"
        );
    }
    // And back: ToPrimitive as f64's, From<Var> for f64.
    let tape = Tape::new();
    for &x in GRID {
        let v = tape.var(x);
        assert_eq!(v.to_i64(), x.to_i64(), "to_i64({x:e})");
        assert_eq!(v.to_u64(), x.to_u64(), "to_u64({x:e})");
        assert_eq!(v.to_i32(), x.to_i32(), "to_i32({x:e})");
        assert!(same(f64::from(v), x));
        assert_eq!(Float::integer_decode(v), Float::integer_decode(x));
    }
}

// ---------------------------------------------------------------------
// Derivatives against the mpmath table.

type WithConst = fn(Var, &[f64]) -> Var;
/// A function of a row's recorded inputs.
type Recorded = Box<dyn Fn(&[Var]) -> Var>;

/// The table's one-input ops as trait methods: several methods may check
/// against one row (`Float::abs` and `Signed::abs`, `sin` and `sin_cos`).
const TABLE_UNARY: &[(&str, &str, Unary)] = &[
    ("neg", "neg", |x| -x),
    ("ln", "Float::ln", <Var as Float>::ln),
    ("exp", "Float::exp", <Var as Float>::exp),
    ("sqrt", "Float::sqrt", <Var as Float>::sqrt),
    ("sin", "Float::sin", <Var as Float>::sin),
    ("sin", "Float::sin_cos.0", |x| Float::sin_cos(x).0),
    ("cos", "Float::cos", <Var as Float>::cos),
    ("cos", "Float::sin_cos.1", |x| Float::sin_cos(x).1),
    ("tan", "Float::tan", <Var as Float>::tan),
    ("tanh", "Float::tanh", <Var as Float>::tanh),
    ("abs", "Float::abs", <Var as Float>::abs),
    ("abs", "Signed::abs", |x| Signed::abs(&x)),
    ("recip", "Float::recip", <Var as Float>::recip),
    ("asin", "Float::asin", <Var as Float>::asin),
    ("acos", "Float::acos", <Var as Float>::acos),
    ("atan", "Float::atan", <Var as Float>::atan),
    ("sinh", "Float::sinh", <Var as Float>::sinh),
    ("cosh", "Float::cosh", <Var as Float>::cosh),
    ("asinh", "Float::asinh", <Var as Float>::asinh),
    ("acosh", "Float::acosh", <Var as Float>::acosh),
    ("atanh", "Float::atanh", <Var as Float>::atanh),
    ("log2", "Float::log2", <Var as Float>::log2),
    ("log10", "Float::log10", <Var as Float>::log10),
    ("ln_1p", "Float::ln_1p", <Var as Float>::ln_1p),
    ("exp_m1", "Float::exp_m1", <Var as Float>::exp_m1),
    ("exp2", "Float::exp2", <Var as Float>::exp2),
    ("cbrt", "Float::cbrt", <Var as Float>::cbrt),
    ("signum", "Float::signum", <Var as Float>::signum),
    ("signum", "Signed::signum", |x| Signed::signum(&x)),
    ("floor", "Float::floor", <Var as Float>::floor),
    ("ceil", "Float::ceil", <Var as Float>::ceil),
    ("round", "Float::round", <Var as Float>::round),
    ("trunc", "Float::trunc", <Var as Float>::trunc),
    ("fract", "Float::fract", <Var as Float>::fract),
    (
        "to_degrees",
        "Float::to_degrees",
        <Var as Float>::to_degrees,
    ),
    (
        "to_radians",
        "Float::to_radians",
        <Var as Float>::to_radians,
    ),
];

/// The table's ops with constants, the constant made as generic code makes
/// it (`T::from(c)`, a constant on no tape).
const TABLE_WITH_CONST: &[(&str, &str, WithConst)] = &[
    ("powf", "Float::powf(x, c)", |x, c| Float::powf(x, k(c[0]))),
    ("powi", "Float::powi", |x, c| Float::powi(x, c[0] as i32)),
    ("log", "Float::log(x, c)", |x, c| Float::log(x, k(c[0]))),
    ("atan2", "Float::atan2(x, c)", |x, c| {
        Float::atan2(x, k(c[0]))
    }),
    ("hypot", "Float::hypot(x, c)", |x, c| {
        Float::hypot(x, k(c[0]))
    }),
    ("cpow", "Float::powf(c, x)", |x, c| Float::powf(k(c[0]), x)),
    ("max", "Float::max(x, c)", |x, c| Float::max(x, k(c[0]))),
    ("min", "Float::min(x, c)", |x, c| Float::min(x, k(c[0]))),
    ("clamp", "Float::clamp", |x, c| {
        Float::clamp(x, k(c[0]), k(c[1]))
    }),
    ("abs_sub", "Float::abs_sub(x, c)", |x, c| {
        Float::abs_sub(x, k(c[0]))
    }),
    ("abs_sub", "Signed::abs_sub(x, c)", |x, c| {
        Signed::abs_sub(&x, &k(c[0]))
    }),
];

const TABLE_BINARY: &[(&str, &str, Binary)] = &[
    ("mul", "mul", |x, y| x * y),
    ("div", "div", |x, y| x / y),
    ("pow", "Float::powf(x, y)", <Var as Float>::powf),
    ("atan2", "Float::atan2(x, y)", <Var as Float>::atan2),
    ("hypot", "Float::hypot(x, y)", <Var as Float>::hypot),
    ("max", "Float::max(x, y)", <Var as Float>::max),
    ("min", "Float::min(x, y)", <Var as Float>::min),
    ("abs_sub", "Float::abs_sub(x, y)", <Var as Float>::abs_sub),
    ("abs_sub", "Signed::abs_sub(x, y)", |x, y| {
        Signed::abs_sub(&x, &y)
    }),
];

/// The constant `c` as generic code makes it.
fn k(c: f64) -> Var {
    <Var as num_traits::NumCast>::from(c).unwrap()
}

/// Value, first and second derivatives at a row's input, each with the
/// index of its exact entry: `backward` for the first, `backward` of the
/// recorded gradient graph for the second.
fn derivatives(input: &[f64], f: &dyn Fn(&[Var]) -> Var) -> [Vec<(usize, f64)>; 3] {
    let tape = Tape::new();
    let xs: Vec<Var> = input.iter().map(|&x| tape.var(x)).collect();
    let y = f(&xs);
    let g = y.backward();
    let grads = y.grad_graph(&xs);
    let mut d2 = Vec::new();
    for (i, gi) in grads.iter().enumerate() {
        let h = gi.backward();
        for (j, &xj) in xs.iter().enumerate() {
            // Entries of the symmetric Hessian in the table's order:
            // xx, xy, yy.
            d2.push((i + j, h.wrt(xj)));
        }
    }
    [
        vec![(0, y.value())],
        xs.iter().enumerate().map(|(i, &x)| (i, g.wrt(x))).collect(),
        d2,
    ]
}

#[test]
fn every_trait_method_meets_the_accuracy_standard_on_the_mpmath_table() {
    let mut failures = Vec::new();
    let mut compared = 0;
    let mut methods = std::collections::BTreeSet::new();
    for row in rows() {
        let (name, constants, input, want) = (row.name, row.constants, row.input, row.exact);
        let mut fs: Vec<(&str, Recorded)> = Vec::new();
        if input.len() == 2 {
            for &(_, label, f) in TABLE_BINARY.iter().filter(|r| r.0 == name) {
                fs.push((label, Box::new(move |v: &[Var]| f(v[0], v[1]))));
            }
        } else if constants.is_empty() {
            for &(_, label, f) in TABLE_UNARY.iter().filter(|r| r.0 == name) {
                fs.push((label, Box::new(move |v: &[Var]| f(v[0]))));
            }
        } else {
            for &(_, label, f) in TABLE_WITH_CONST.iter().filter(|r| r.0 == name) {
                let c = constants.clone();
                fs.push((label, Box::new(move |v: &[Var]| f(v[0], &c))));
            }
        }
        for (label, f) in fs {
            methods.insert(label);
            let got = derivatives(&input, &*f);
            for order in 0..3 {
                // The value of the inverse hyperbolic functions is f64's
                // (checked bit for bit above), less exact than the
                // standard near their domains' edges; as in
                // tests/tests/accuracy.rs a second derivative that is
                // exactly zero is a difference of equal terms, not bound.
                if order == 0 && matches!(name, "asinh" | "acosh" | "atanh") {
                    continue;
                }
                for &(i, g) in &got[order] {
                    let e = want[order][i];
                    let e = if order == 2 && matches!(e, Exact::Zero) {
                        Exact::Skip
                    } else {
                        e
                    };
                    let Some(err) = error(e, g, BOUNDS[order]) else {
                        continue;
                    };
                    compared += 1;
                    if err.is_nan() || err > 1.0 {
                        failures.push(format!(
                            "{label} at {input:?} c = {constants:?}: order {order} entry {i}: exact {e:?}, got {g:e} ({err:.3e} bounds)"
                        ));
                    }
                }
            }
        }
    }
    println!("{compared} results of {} methods compared", methods.len());
    // Every method through its trait: value within 1.6e-15, first
    // derivative within 1e-14 and second within 1e-12 of the exact ones,
    // relative, where those are normal numbers; zeros as zeros.
    assert!(
        failures.is_empty(),
        "{} results off their bound:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Each method of the lists met rows of the table.
    let listed = TABLE_UNARY.len() + TABLE_WITH_CONST.len() + TABLE_BINARY.len();
    assert_eq!(methods.len(), listed, "methods with no row: {methods:?}");
}

/// Value, gradient and Hessian (from the recorded gradient graph) of `f`
/// at `at`.
fn hessian_at(at: &[f64], f: impl Fn(&[Var]) -> Var) -> (f64, Vec<f64>, Vec<Vec<f64>>) {
    let h = tapegrad::hessian(|_, v| f(v), at).expect("finite");
    (h.value, h.gradient, h.matrix)
}

#[test]
fn mul_add_has_the_exact_partials_and_the_product_curvature() {
    for [x, a, b] in [[0.1, 10.0, -1.0], [-3.0, 2.5, 1e300], [1e-300, -1e300, 0.0]] {
        let (value, gradient, hessian) =
            hessian_at(&[x, a, b], |v| Float::mul_add(v[0], v[1], v[2]));
        // d(x·a + b) = (a, x, 1), exactly; its Hessian has the 1s of x·a
        // and nothing else.
        assert!(same(value, x.mul_add(a, b)));
        assert_eq!(gradient, [a, x, 1.0]);
        assert_eq!(
            hessian,
            [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
            "at {x}, {a}, {b}"
        );
    }
    // A constant operand (T::from(c)) takes no partial of its own.
    let tape = Tape::new();
    let x = tape.var(2.0);
    let y = Float::mul_add(x, k(3.0), x);
    assert_eq!((y.value(), y.backward()[x]), (8.0, 4.0)); // 3x + x
}

#[test]
fn rem_has_slope_one_and_minus_the_quotient() {
    for (x, y) in [
        (7.5, 2.0),
        (-7.5, 2.0),
        (7.5, -2.0),
        (1e300, 3.0),
        (0.3, 0.1),
        (5.0, 7.0),
    ] {
        let (value, gradient, hessian) = hessian_at(&[x, y], |v| v[0] % v[1]);
        // x % y = x - trunc(x/y)·y, and trunc(x/y) is constant between
        // the jumps: ∂/∂x = 1, ∂/∂y = -trunc(x/y), no curvature. The
        // quotient is exact: (x - x % y)/y is an integer below 2⁵³ here
        // or a huge one held exactly.
        let q = ((x - x % y) / y).round();
        assert!(same(value, x % y));
        assert_eq!(gradient, [1.0, -q], "at ({x}, {y})");
        assert_eq!(hessian, [[0.0; 2]; 2], "at ({x}, {y})");
    }
}

#[test]
fn log_to_a_recorded_base_differentiates_in_both() {
    // log_b x = ln x / ln b: ∂/∂x = 1/(x ln b), ∂/∂b = -ln x/(b ln² b);
    // ∂²/∂x² = -1/(x² ln b), ∂²/∂x∂b = -1/(x b ln² b),
    // ∂²/∂b² = ln x (ln b + 2)/(b² ln³ b).
    for [x, b] in [[8.0, 2.0], [0.3, 10.0], [5.0, 0.5]] {
        let (value, g, h) = hessian_at(&[x, b], |v| Float::log(v[0], v[1]));
        let (lx, lb) = (x.ln(), b.ln());
        let want_g = [1.0 / (x * lb), -lx / (b * lb * lb)];
        let want_h = [
            [-1.0 / (x * x * lb), -1.0 / (x * b * lb * lb)],
            [
                -1.0 / (x * b * lb * lb),
                lx * (lb + 2.0) / (b * b * lb * lb * lb),
            ],
        ];
        assert!(same(value, x.log(b)));
        for i in 0..2 {
            assert!(close(g[i], want_g[i], 1e-14), "∂{i} at ({x}, {b}): {g:?}");
            for j in 0..2 {
                assert!(close(h[i][j], want_h[i][j], 1e-13), "∂²{i}{j}: {h:?}");
            }
        }
    }
}

#[test]
fn copysign_and_clamp_have_the_slopes_of_the_side_taken() {
    // copysign(x, s) is x or -x: slope ±1 in x, 0 in s.
    for (x, s, slope) in [
        (3.0, 1.0, 1.0),
        (3.0, -2.0, -1.0),
        (-3.0, -2.0, 1.0),
        (-3.0, 5.0, -1.0),
    ] {
        let (value, g, h) = hessian_at(&[x, s], |v| Float::copysign(v[0], v[1]));
        assert!(same(value, x.copysign(s)));
        assert_eq!(
            (g, h),
            (vec![slope, 0.0], vec![vec![0.0; 2]; 2]),
            "at ({x}, {s})"
        );
    }
    // num-traits' clamp returns the input or a bound: slope 1 inside, and
    // the bound's own slope outside.
    for (x, slope) in [
        (0.5, [1.0, 0.0, 0.0]),
        (-3.0, [0.0, 1.0, 0.0]),
        (7.0, [0.0, 0.0, 1.0]),
    ] {
        let (_, g, _) = hessian_at(&[x, -1.0, 2.0], |v| Float::clamp(v[0], v[1], v[2]));
        assert_eq!(g, slope, "at {x}");
    }
}

/// `a` within `rel` of `b`, relative to `b`.
fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs()
}

// ---------------------------------------------------------------------
// Predicates and the branches they take.

/// A predicate's answer as a number, so that a branch on it can be
/// recorded and compared: a `bool` as 0 or 1, a category or an ordering
/// by its place.
type Predicate = (&'static str, fn(Var) -> i32, fn(f64) -> i32);

fn category(c: FpCategory) -> i32 {
    match c {
        FpCategory::Nan => 0,
        FpCategory::Infinite => 1,
        FpCategory::Zero => 2,
        FpCategory::Subnormal => 3,
        FpCategory::Normal => 4,
    }
}

fn ordering(o: Option<Ordering>) -> i32 {
    match o {
        Some(Ordering::Less) => -1,
        Some(Ordering::Equal) => 0,
        Some(Ordering::Greater) => 1,
        None => 2,
    }
}

const PREDICATES: &[Predicate] = &[
    ("is_nan", |x| Float::is_nan(x).into(), |x| x.is_nan().into()),
    (
        "is_infinite",
        |x| Float::is_infinite(x).into(),
        |x| x.is_infinite().into(),
    ),
    (
        "is_finite",
        |x| Float::is_finite(x).into(),
        |x| x.is_finite().into(),
    ),
    (
        "is_normal",
        |x| Float::is_normal(x).into(),
        |x| x.is_normal().into(),
    ),
    (
        "is_subnormal",
        |x| Float::is_subnormal(x).into(),
        |x| x.is_subnormal().into(),
    ),
    (
        "classify",
        |x| category(Float::classify(x)),
        |x| category(x.classify()),
    ),
    (
        "is_sign_positive",
        |x| Float::is_sign_positive(x).into(),
        |x| x.is_sign_positive().into(),
    ),
    (
        "is_sign_negative",
        |x| Float::is_sign_negative(x).into(),
        |x| x.is_sign_negative().into(),
    ),
    (
        "Signed::is_positive",
        |x| Signed::is_positive(&x).into(),
        |x| Signed::is_positive(&x).into(),
    ),
    (
        "Signed::is_negative",
        |x| Signed::is_negative(&x).into(),
        |x| Signed::is_negative(&x).into(),
    ),
    (
        "Zero::is_zero",
        |x| x.is_zero().into(),
        |x| x.is_zero().into(),
    ),
    ("One::is_one", |x| x.is_one().into(), |x| x.is_one().into()),
    (
        "partial_cmp(x, T::zero())",
        |x| ordering(x.partial_cmp(&Var::zero())),
        |x| ordering(x.partial_cmp(&0.0)),
    ),
    (
        "partial_cmp(x, 1)",
        |x| ordering(x.partial_cmp(&k(1.0))),
        |x| ordering(x.partial_cmp(&1.0)),
    ),
    (
        "x < T::min_positive_value()",
        |x| (x < Var::min_positive_value()).into(),
        |x| (x < f64::MIN_POSITIVE).into(),
    ),
];

/// The predicates that ask for a sign bit, which no comparison tells at
/// ±0 and NaN: there the engine reads the value (noted for `compile`).
fn asks_the_sign_bit(name: &str) -> bool {
    name.contains("sign") || name.starts_with("Signed::")
}

#[test]
fn predicates_answer_as_f64s_do() {
    for &(name, on_var, on_f64) in PREDICATES {
        for &x in GRID {
            for recorded in [true, false] {
                let tape = Tape::new();
                let got = on_var(operand(&tape, x, recorded));
                // The same answer as f64's method, at every point.
                assert_eq!(got, on_f64(x), "{name}({x:e}), recorded: {recorded}");
            }
        }
    }
}

/// Points to record at and replay at: each predicate's answers change
/// somewhere among them.
const BRANCH_POINTS: &[f64] = &[
    0.0,
    -0.0,
    5e-324,
    -5e-324,
    f64::MIN_POSITIVE,
    0.5,
    1.0,
    -1.0,
    1e300,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
];

/// Whether a question a predicate asks before its answer comes out
/// otherwise at `b` than at `a` though the answer does not: `is_normal`
/// asks |x| ≥ MIN_POSITIVE first (false at 0 for want of size, at ∞ and
/// NaN for excess), `is_subnormal` asks |x| < MIN_POSITIVE first (true at
/// 0, which the second question, x ≠ 0, turns to false), and the sign
/// predicates order x against 0 first (greater at 5e-324, the sign bit read
/// at ±0 and NaN).
fn intermediate_flips(name: &str, a: f64, b: f64) -> bool {
    let ordered = |x: f64| x.partial_cmp(&0.0);
    match name {
        "is_normal" => (a.abs() >= f64::MIN_POSITIVE) != (b.abs() >= f64::MIN_POSITIVE),
        "is_subnormal" => (a.abs() < f64::MIN_POSITIVE) != (b.abs() < f64::MIN_POSITIVE),
        _ if asks_the_sign_bit(name) => ordered(a) != ordered(b),
        _ => false,
    }
}

#[test]
fn a_compiled_branch_on_a_predicate_refuses_where_it_flips_and_replays_where_not() {
    let mut over_refusals = Vec::new();
    let mut read_refusals = Vec::new();
    for &(name, on_var, on_f64) in PREDICATES {
        for &a in BRANCH_POINTS {
            // y = 2x + answer: a branch per answer, each its own constant.
            let tape = Tape::new();
            let x = tape.var(a);
            let y = x * 2.0 + f64::from(on_var(x));
            let mut f = match tape.compile(y, &[x]) {
                Ok(f) => f,
                Err(Error::ValueRead { .. }) => {
                    // The sign of ±0 or NaN is a read, which compile
                    // reports rather than replay a branch no guard checks.
                    assert!(
                        asks_the_sign_bit(name) && (a == 0.0 || a.is_nan()),
                        "{name} at {a:e}: compile reports a read"
                    );
                    read_refusals.push(format!("{name} at {a:e}"));
                    continue;
                }
                Err(e) => panic!("{name} at {a:e}: {e}"),
            };
            for &b in BRANCH_POINTS {
                let flips = on_f64(b) != on_f64(a);
                let fresh = b * 2.0 + f64::from(on_f64(b));
                let mut grad = [0.0];
                match (f.value(&[b]), f.gradient(&[b], &mut grad)) {
                    (Ok(v), Ok(w)) => {
                        // Where the answer is the same, the replay is the
                        // function recorded afresh at b, to the bit, slope 2.
                        assert!(
                            !flips,
                            "{name}: recorded at {a:e}, replayed the stale branch at {b:e}"
                        );
                        assert!(
                            same(v, fresh) && same(w, fresh),
                            "{name} {a:e} -> {b:e}: {v:e}"
                        );
                        assert_eq!(grad, [2.0]);
                    }
                    (Err(Error::BranchChanged { .. }), Err(Error::BranchChanged { .. })) => {
                        if !flips {
                            // A refusal where the answer would not flip is
                            // a question the predicate asks on the way that
                            // does: never a wrong value, a new recording.
                            assert!(
                                intermediate_flips(name, a, b),
                                "{name}: recorded at {a:e}, refused at {b:e}"
                            );
                            over_refusals.push(format!("{name}: {a:e} -> {b:e}"));
                        }
                    }
                    (v, w) => panic!("{name} {a:e} -> {b:e}: {v:?}, {w:?}"),
                }
            }
        }
    }
    println!("compile reports a read: {}", read_refusals.join(", "));
    println!(
        "refused though the answer is the same ({}):\n{}",
        over_refusals.len(),
        over_refusals.join("\n")
    );
}

#[test]
fn float_max_and_min_give_the_other_side_of_a_nan_and_a_replay_checks_it() {
    let points = [1.0, -2.0, 0.0, f64::INFINITY, f64::NAN];
    type MaxMin = (&'static str, Binary, BinaryF64);
    let ops: [MaxMin; 2] = [
        ("max", <Var as Float>::max, f64::max),
        ("min", <Var as Float>::min, f64::min),
    ];
    for (name, on_var, on_f64) in ops {
        for &(a0, a1) in &pairs(&points) {
            let tape = Tape::new();
            let (x, y) = (tape.var(a0), tape.var(a1));
            let z = on_var(x, y);
            let mut f = tape.compile(z, &[x, y]).expect("no read");
            // As f64's: a NaN side gives the other side.
            assert!(same(z.value(), on_f64(a0, a1)), "{name}({a0}, {a1})");
            for &(b0, b1) in &pairs(&points) {
                // The branch is which side is NaN (the second asked only
                // where the first is not).
                let flips =
                    a0.is_nan() != b0.is_nan() || (!a0.is_nan() && a1.is_nan() != b1.is_nan());
                match f.value(&[b0, b1]) {
                    Ok(v) => {
                        assert!(!flips, "{name}: ({a0}, {a1}) replayed at ({b0}, {b1})");
                        assert!(same(v, on_f64(b0, b1)), "{name}({b0}, {b1}) replays {v}");
                    }
                    Err(Error::BranchChanged { .. }) => {
                        assert!(flips, "{name}: ({a0}, {a1}) refused at ({b0}, {b1})")
                    }
                    Err(e) => panic!("{e}"),
                }
            }
        }
    }
}

fn pairs(points: &[f64]) -> Vec<(f64, f64)> {
    points
        .iter()
        .flat_map(|&a| points.iter().map(move |&b| (a, b)))
        .collect()
}

// ---------------------------------------------------------------------
// num-dual as a forward-mode oracle on the same generic code.

/// A num-dual number as a `num_traits::Float`. num-dual's duals implement
/// its own `DualNum` and num-traits' `Num`, `Signed` and `FloatConst`, but
/// not `Float` (num-dual issue 55), so the generic functions below reach
/// them through this wrapper: each method forwards to `DualNum`'s, the
/// steps (`floor`, `signum`…) and predicates act on the real part, and
/// `max`, `min`, `abs_sub` pick a side as `f64`'s do.
#[derive(Clone, Copy, Debug)]
struct Fwd<D>(D);

trait Dn: DualNum<Primitive = f64> + Copy {}
impl<D: DualNum<Primitive = f64> + Copy> Dn for D {}

impl<D: Dn> Fwd<D> {
    fn re(self) -> f64 {
        self.0.re()
    }
    fn c(v: f64) -> Self {
        Fwd(D::from(v))
    }
}

macro_rules! fwd_ops {
    ($($Trait:ident $method:ident)*) => {$(
        impl<D: Dn> $Trait for Fwd<D> {
            type Output = Self;
            fn $method(self, rhs: Self) -> Self {
                Fwd($Trait::$method(self.0, rhs.0))
            }
        }
    )*};
}
fwd_ops!(Add add Sub sub Mul mul Div div Rem rem);

impl<D: Dn> Neg for Fwd<D> {
    type Output = Self;
    fn neg(self) -> Self {
        Fwd(-self.0)
    }
}

impl<D: Dn> PartialEq for Fwd<D> {
    fn eq(&self, other: &Self) -> bool {
        self.re() == other.re()
    }
}

impl<D: Dn> PartialOrd for Fwd<D> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        self.re().partial_cmp(&other.re())
    }
}

impl<D: Dn> Zero for Fwd<D> {
    fn zero() -> Self {
        Self::c(0.0)
    }
    fn is_zero(&self) -> bool {
        self.re() == 0.0
    }
}

impl<D: Dn> One for Fwd<D> {
    fn one() -> Self {
        Self::c(1.0)
    }
}

impl<D: Dn> Num for Fwd<D> {
    type FromStrRadixErr = <f64 as Num>::FromStrRadixErr;
    fn from_str_radix(text: &str, radix: u32) -> Result<Self, Self::FromStrRadixErr> {
        f64::from_str_radix(text, radix).map(Self::c)
    }
}

impl<D: Dn> ToPrimitive for Fwd<D> {
    fn to_i64(&self) -> Option<i64> {
        self.re().to_i64()
    }
    fn to_u64(&self) -> Option<u64> {
        self.re().to_u64()
    }
    fn to_f64(&self) -> Option<f64> {
        Some(self.re())
    }
}

impl<D: Dn> num_traits::NumCast for Fwd<D> {
    fn from<T: ToPrimitive>(n: T) -> Option<Self> {
        n.to_f64().map(Self::c)
    }
}

macro_rules! fwd_consts {
    ($($name:ident)*) => {
        impl<D: Dn> FloatConst for Fwd<D> {
            $(fn $name() -> Self { Self::c(std::f64::consts::$name) })*
        }
    };
}
fwd_consts!(
    E FRAC_1_PI FRAC_1_SQRT_2 FRAC_2_PI FRAC_2_SQRT_PI FRAC_PI_2 FRAC_PI_3 FRAC_PI_4
    FRAC_PI_6 FRAC_PI_8 LN_10 LN_2 LOG10_E LOG2_E PI SQRT_2 TAU LOG10_2 LOG2_10
);

/// `Float` methods that are `DualNum`'s.
macro_rules! fwd_unary {
    ($($method:ident)*) => {$(
        fn $method(self) -> Self {
            Fwd(DualNum::$method(&self.0))
        }
    )*};
}

/// `Float` methods of the real part alone.
macro_rules! fwd_real {
    ($($method:ident -> $T:ty)*) => {$(
        fn $method(self) -> $T {
            self.re().$method()
        }
    )*};
}

impl<D: Dn> Float for Fwd<D> {
    fn nan() -> Self {
        Self::c(f64::NAN)
    }
    fn infinity() -> Self {
        Self::c(f64::INFINITY)
    }
    fn neg_infinity() -> Self {
        Self::c(f64::NEG_INFINITY)
    }
    fn neg_zero() -> Self {
        Self::c(-0.0)
    }
    fn min_value() -> Self {
        Self::c(f64::MIN)
    }
    fn min_positive_value() -> Self {
        Self::c(f64::MIN_POSITIVE)
    }
    fn max_value() -> Self {
        Self::c(f64::MAX)
    }
    fwd_real!(
        is_nan -> bool is_infinite -> bool is_finite -> bool is_normal -> bool
        classify -> FpCategory is_sign_positive -> bool is_sign_negative -> bool
        integer_decode -> (u64, i16, i8)
    );
    fn floor(self) -> Self {
        Self::c(self.re().floor())
    }
    fn ceil(self) -> Self {
        Self::c(self.re().ceil())
    }
    fn round(self) -> Self {
        Self::c(self.re().round())
    }
    fn trunc(self) -> Self {
        Self::c(self.re().trunc())
    }
    fn fract(self) -> Self {
        self - self.trunc()
    }
    fn abs(self) -> Self {
        if self.re().is_sign_negative() {
            -self
        } else {
            self
        }
    }
    fn signum(self) -> Self {
        Self::c(self.re().signum())
    }
    fn mul_add(self, a: Self, b: Self) -> Self {
        self * a + b
    }
    fn powi(self, n: i32) -> Self {
        Fwd(self.0.powi(n))
    }
    fn powf(self, n: Self) -> Self {
        Fwd(self.0.powd(n.0))
    }
    fn log(self, base: Self) -> Self {
        self.ln() / base.ln()
    }
    fn max(self, other: Self) -> Self {
        if self.is_nan() || other.re() > self.re() {
            other
        } else {
            self
        }
    }
    fn min(self, other: Self) -> Self {
        if self.is_nan() || other.re() < self.re() {
            other
        } else {
            self
        }
    }
    fn abs_sub(self, other: Self) -> Self {
        if self.re() <= other.re() {
            Self::zero()
        } else {
            self - other
        }
    }
    fn hypot(self, other: Self) -> Self {
        (self * self + other * other).sqrt()
    }
    fn atan2(self, other: Self) -> Self {
        Fwd(self.0.atan2(other.0))
    }
    fn sin_cos(self) -> (Self, Self) {
        let (s, c) = self.0.sin_cos();
        (Fwd(s), Fwd(c))
    }
    fn to_degrees(self) -> Self {
        self * Self::c(180.0 / std::f64::consts::PI)
    }
    fn to_radians(self) -> Self {
        self * Self::c(std::f64::consts::PI / 180.0)
    }
    fn epsilon() -> Self {
        Self::c(f64::EPSILON)
    }
    fwd_unary!(
        recip sqrt exp exp2 ln log2 log10 cbrt sin cos tan asin acos atan exp_m1 ln_1p sinh
        cosh tanh asinh acosh atanh
    );
}

/// The gradient of `f` at `at` by forward mode: one `Dual64` sweep per
/// coordinate, seeded with its unit vector.
fn dual_gradient(f: fn(&[Fwd<Dual64>]) -> Fwd<Dual64>, at: &[f64]) -> Vec<f64> {
    (0..at.len())
        .map(|i| {
            let xs: Vec<_> = at
                .iter()
                .enumerate()
                .map(|(j, &a)| Fwd(Dual64::new(a, if i == j { 1.0 } else { 0.0 })))
                .collect();
            f(&xs).0.eps
        })
        .collect()
}

/// The Hessian of `f` at `at` by hyper-dual numbers: entry (i, j) from one
/// sweep seeded with eᵢ and eⱼ, so each entry is formed on its own (the
/// oracle's symmetry is not built in).
fn dual_hessian(f: fn(&[Fwd<HyperDual64>]) -> Fwd<HyperDual64>, at: &[f64]) -> Vec<Vec<f64>> {
    let n = at.len();
    let unit = |i: usize, j: usize| if i == j { 1.0 } else { 0.0 };
    (0..n)
        .map(|i| {
            (0..n)
                .map(|j| {
                    let xs: Vec<_> = at
                        .iter()
                        .enumerate()
                        .map(|(m, &a)| Fwd(HyperDual64::new(a, unit(i, m), unit(j, m), 0.0)))
                        .collect();
                    f(&xs).0.eps1eps2
                })
                .collect()
        })
        .collect()
}

// ---------------------------------------------------------------------
// Generic functions, written once over `T: Float`.

/// The Rosenbrock function Σ (1 - xᵢ)² + 100 (xᵢ₊₁ - xᵢ²)², its sum
/// started at `T::zero()` and its constant made by `T::from`.
fn rosenbrock<T: Float>(x: &[T]) -> T {
    let hundred = T::from(100.0).unwrap();
    x.windows(2).fold(T::zero(), |acc, w| {
        acc + (T::one() - w[0]).powi(2) + hundred * (w[1] - w[0] * w[0]).powi(2)
    })
}

/// log Σ eˣⁱ, shifted by the maximum found by
/// `fold(T::neg_infinity(), T::max)` so that no term overflows.
fn logsumexp<T: Float>(x: &[T]) -> T {
    let m = x.iter().copied().fold(T::neg_infinity(), T::max);
    m + x.iter().fold(T::zero(), |s, &v| s + (v - m).exp()).ln()
}

/// The mean index under the softmax of `x`: Σ i·softmax(x)ᵢ.
fn softmax_mean<T: Float>(x: &[T]) -> T {
    let lse = logsumexp(x);
    x.iter().enumerate().fold(T::zero(), |s, (i, &v)| {
        s + T::from(i).unwrap() * (v - lse).exp()
    })
}

/// A polynomial by Horner's scheme, one rounding per step with `mul_add`.
fn horner<T: Float>(coefficients: &[f64], x: T) -> T {
    coefficients
        .iter()
        .fold(T::zero(), |acc, &c| acc.mul_add(x, T::from(c).unwrap()))
}

/// Two polynomials of two inputs, multiplied and added.
fn polynomials<T: Float>(x: &[T]) -> T {
    horner(&[0.5, -1.0, 2.0, 3.0], x[0]) * x[1] + horner(&[1.0, 0.25, -0.125], x[1])
}

/// The damped pendulum θ'' = -sin θ - c·θ' as a first-order system.
fn pendulum<T: Float>(state: [T; 2], damping: T) -> [T; 2] {
    [state[1], -state[0].sin() - damping * state[1]]
}

/// One classical Runge–Kutta step of the pendulum from (θ, ω) = (x₀, x₁)
/// with damping x₂ and step 0.1.
fn rk4_step<T: Float>(x: &[T]) -> Vec<T> {
    let h = T::from(0.1).unwrap();
    let half = T::from(0.5).unwrap();
    let two = T::from(2).unwrap();
    let y = [x[0], x[1]];
    let shift = |k: [T; 2], by: T| [y[0] + by * k[0], y[1] + by * k[1]];
    let k1 = pendulum(y, x[2]);
    let k2 = pendulum(shift(k1, half * h), x[2]);
    let k3 = pendulum(shift(k2, half * h), x[2]);
    let k4 = pendulum(shift(k3, h), x[2]);
    (0..2)
        .map(|i| y[i] + h / T::from(6).unwrap() * (k1[i] + two * k2[i] + two * k3[i] + k4[i]))
        .collect()
}

/// The pendulum's energy ω²/2 + 1 - cos θ after one step.
fn energy_after_step<T: Float>(x: &[T]) -> T {
    let y = rk4_step(x);
    y[1] * y[1] / T::from(2).unwrap() + T::one() - y[0].cos()
}

/// The log density of a normal distribution at x₀, mean x₁, deviation x₂:
/// -z²/2 - ln σ - ln(2π)/2, with π from `FloatConst`.
fn normal_log_density<T: Float + FloatConst>(x: &[T]) -> T {
    let z = (x[0] - x[1]) / x[2];
    let two = T::from(2).unwrap();
    -(z * z) / two - x[2].ln() - (two * T::PI()).ln() / two
}

/// A mix of the remaining methods: the polar radius and angle, tanh, a
/// real power, an integer power, sqrt, and a clamp.
fn polar_mix<T: Float>(x: &[T]) -> T {
    let r = x[0].hypot(x[1]);
    let angle = x[1].atan2(x[0]);
    let (s, c) = angle.sin_cos();
    r * c + s * x[0].tanh() + x[1].powf(T::from(1.5).unwrap())
        - (x[0] * x[0] + T::one()).sqrt().powi(-3)
        + x[0]
            .clamp(T::from(-1).unwrap(), T::from(1).unwrap())
            .exp_m1()
}

/// A generic function instantiated for each number type.
struct Generic {
    name: &'static str,
    on_f64: fn(&[f64]) -> f64,
    on_var: fn(&[Var]) -> Var,
    on_dual: fn(&[Fwd<Dual64>]) -> Fwd<Dual64>,
    on_hyper: fn(&[Fwd<HyperDual64>]) -> Fwd<HyperDual64>,
    /// Points to differentiate at.
    at: &'static [&'static [f64]],
}

macro_rules! generic {
    ($f:ident, $at:expr) => {
        Generic {
            name: stringify!($f),
            on_f64: $f::<f64>,
            on_var: $f::<Var>,
            on_dual: $f::<Fwd<Dual64>>,
            on_hyper: $f::<Fwd<HyperDual64>>,
            at: $at,
        }
    };
}

fn generics() -> Vec<Generic> {
    vec![
        generic!(
            rosenbrock,
            &[
                &[-1.2, 1.0, 0.5, 2.0],
                &[1.0, 1.0, 1.0, 1.0],
                &[0.3, -0.7, 1e-3, 4.0]
            ]
        ),
        generic!(
            logsumexp,
            &[
                &[1.0, 2.0, 3.0],
                &[-700.0, 0.5, 0.5],
                &[1e3, 1e3 - 1.0, -1e3]
            ]
        ),
        generic!(softmax_mean, &[&[1.0, 2.0, 3.0], &[0.1, -0.2, 0.3, -0.4]]),
        generic!(polynomials, &[&[0.7, -1.3], &[2.0, 0.5], &[-3.0, 1e-8]]),
        generic!(
            energy_after_step,
            &[&[0.5, 0.0, 0.1], &[2.5, -1.0, 0.3], &[-1e-3, 3.0, 0.0]]
        ),
        generic!(normal_log_density, &[&[0.3, 0.1, 1.5], &[-2.0, 1.0, 0.25]]),
        generic!(polar_mix, &[&[0.6, 0.8], &[-2.0, 3.0], &[3.0, 0.01]]),
    ]
}

/// Entry-wise closeness of a computed derivative to the oracle's, relative
/// to the larger of the entry and the largest entry of the whole quantity
/// (the scale the rounding of either computation is relative to).
fn agree(got: &[f64], want: &[f64], scale: f64, tol: f64) -> Option<f64> {
    let worst = got
        .iter()
        .zip(want)
        .map(|(g, w)| (g - w).abs() / w.abs().max(scale))
        .fold(0.0, f64::max);
    (worst <= tol).then_some(worst)
}

/// Relative agreement of tapegrad's reverse mode with num-dual's forward
/// mode, which round differently (another order of the same operations),
/// at points where the functions are well conditioned: the standard's
/// first-derivative bound for gradients and Jacobians, ten times it for
/// Hessians (the standard allows 1e-12 for second derivatives). Measured:
/// 5.9e-16 and 1.2e-15.
const GRADIENT_TOL: f64 = 1e-14;
const HESSIAN_TOL: f64 = 1e-13;

#[test]
fn generic_functions_give_f64s_value_bit_for_bit_with_var() {
    for g in generics() {
        for &at in g.at {
            let tape = Tape::new();
            let xs: Vec<Var> = at.iter().map(|&x| tape.var(x)).collect();
            let got = (g.on_var)(&xs).value();
            // The same code on Var computes what it computes on f64, to the bit.
            assert!(
                same(got, (g.on_f64)(at)),
                "{} at {at:?}: {got:e} vs {:e}",
                g.name,
                (g.on_f64)(at)
            );
        }
    }
    // The Jacobian's function too, both outputs.
    let at = [0.5, -1.0, 0.2];
    let tape = Tape::new();
    let xs: Vec<Var> = at.iter().map(|&x| tape.var(x)).collect();
    let got: Vec<f64> = rk4_step(&xs).iter().map(|v| v.value()).collect();
    assert_eq!(got, rk4_step(&at));
}

#[test]
fn generic_gradients_and_hessians_agree_with_num_dual() {
    let (mut worst_g, mut worst_h) = (0.0f64, 0.0f64);
    for g in generics() {
        for &at in g.at {
            let tape = Tape::new();
            let xs: Vec<Var> = at.iter().map(|&x| tape.var(x)).collect();
            let y = (g.on_var)(&xs);
            let grads = y.backward();
            let gradient: Vec<f64> = xs.iter().map(|&x| grads[x]).collect();
            let hessian = y.hessian(&xs).expect("finite");
            let from_fn = tapegrad::hessian(|_, v| (g.on_var)(v), at).expect("finite");

            let want_g = dual_gradient(g.on_dual, at);
            let want_h = dual_hessian(g.on_hyper, at);
            let scale_g = want_g.iter().fold(0.0, |m: f64, v| m.max(v.abs()));
            let scale_h = want_h
                .iter()
                .flatten()
                .fold(0.0, |m: f64, v| m.max(v.abs()));
            // backward, y.hessian and tapegrad::hessian agree with num-dual
            // to GRADIENT_TOL and HESSIAN_TOL relative to each quantity's largest
            // entry.
            let e = agree(&gradient, &want_g, scale_g, GRADIENT_TOL);
            assert!(
                e.is_some(),
                "{} at {at:?}: gradient {gradient:?}, num-dual {want_g:?}",
                g.name
            );
            worst_g = worst_g.max(e.unwrap());
            for (row, want) in hessian.matrix.iter().zip(&want_h) {
                let e = agree(row, want, scale_h, HESSIAN_TOL);
                assert!(
                    e.is_some(),
                    "{} at {at:?}: Hessian {:?}, num-dual {want_h:?}",
                    g.name,
                    hessian.matrix
                );
                worst_h = worst_h.max(e.unwrap());
            }
            // The Hessian's own gradient is backward's, and the two ways to
            // a Hessian are one computation.
            assert_eq!(hessian.gradient, gradient);
            assert_eq!(from_fn.matrix, hessian.matrix);
            assert!(same(from_fn.value, (g.on_f64)(at)));
        }
    }
    println!("worst disagreement with num-dual: gradient {worst_g:.2e}, Hessian {worst_h:.2e}");
}

#[test]
fn a_generic_jacobian_agrees_with_num_dual() {
    for at in [[0.5, -1.0, 0.2], [3.0, 0.5, 0.0], [-1e-3, 2.0, 1.5]] {
        let jac = tapegrad::jacobian(|_, v| rk4_step(v), &at).expect("finite");
        assert_eq!(jac.values, rk4_step(&at));
        for (i, row) in jac.matrix.iter().enumerate() {
            // Column j of num-dual's forward sweep seeded with eⱼ, output i.
            let want: Vec<f64> = (0..3)
                .map(|j| {
                    let xs: Vec<_> = at
                        .iter()
                        .enumerate()
                        .map(|(m, &a)| Fwd(Dual64::new(a, if m == j { 1.0 } else { 0.0 })))
                        .collect();
                    rk4_step(&xs)[i].0.eps
                })
                .collect();
            let scale = want.iter().fold(0.0, |m: f64, v| m.max(v.abs()));
            assert!(
                agree(row, &want, scale, GRADIENT_TOL).is_some(),
                "row {i} at {at:?}: {row:?}, num-dual {want:?}"
            );
        }
    }
}

// ---------------------------------------------------------------------
// The engine's tools on generic code.

#[test]
fn checked_gradients_of_generic_code_pass_where_finite_and_name_the_op_where_not() {
    let at = [0.3, 0.1, 1.5];
    let tape = Tape::new();
    let xs: Vec<Var> = at.iter().map(|&x| tape.var(x)).collect();
    let y = normal_log_density(&xs);
    let (checked, plain) = (y.try_backward().expect("finite"), y.backward());
    // Checked and unchecked sweeps give the same gradient, to the bit.
    for &x in &xs {
        assert!(same(checked[x], plain[x]));
    }
    // σ = 0: z = (x - μ)/0 is infinite, and the checked sweep names the
    // division that made it, as for code written for Var.
    let tape = Tape::new();
    let xs: Vec<Var> = [0.3, 0.1, 0.0].iter().map(|&x| tape.var(x)).collect();
    match normal_log_density(&xs).try_backward() {
        Err(Error::NonFinite { op, .. }) => assert_eq!(op.as_str(), "div"),
        other => panic!("expected a non-finite division, got {other:?}"),
    }
}

/// Horner's scheme written for `Var` as a user would, with its methods.
fn horner_on_var(coefficients: &[f64], x: Var) -> Var {
    let mut acc = Var::constant(0.0);
    for &c in coefficients {
        acc = acc.mul_add(x, Var::constant(c));
    }
    acc
}

/// Rosenbrock written for `Var`, with `f64` constants.
fn rosenbrock_on_var(x: &[Var]) -> Var {
    let mut acc = Var::constant(0.0);
    for w in x.windows(2) {
        acc = acc + (1.0 - w[0]).powi(2) + 100.0 * (w[1] - w[0] * w[0]).powi(2);
    }
    acc
}

#[test]
fn generic_code_records_the_graph_code_written_for_var_records() {
    let dump = |f: &dyn Fn(&[Var]) -> Var, at: &[f64]| {
        let tape = Tape::new();
        let xs: Vec<Var> = at
            .iter()
            .enumerate()
            .map(|(i, &x)| tape.var(x).named(format!("x{i}")))
            .collect();
        Graph::of(f(&xs)).to_text()
    };
    let coefficients = [0.5, -1.0, 2.0, 3.0];
    let generic = dump(&|v| horner(&coefficients, v[0]), &[0.7]);
    // The same dump, node for node, as the hand-written version: constants
    // as operands, one mul_add node per step.
    assert_eq!(
        generic,
        dump(&|v| horner_on_var(&coefficients, v[0]), &[0.7])
    );
    assert_eq!(generic.matches("mul_add").count(), 4, "{generic}");
    let at = [-1.2, 1.0, 0.5];
    assert_eq!(dump(&rosenbrock::<Var>, &at), dump(&rosenbrock_on_var, &at));
}

#[test]
fn a_compiled_generic_function_replays_exactly_across_a_change_of_maximum() {
    // logsumexp's maximum, fold(T::neg_infinity(), T::max), is a max node
    // the replay evaluates afresh; its NaN checks are guards. The replay at
    // points where another coordinate is the largest is the generic code
    // on f64 there, to the bit, and its gradient backward's.
    let at = [1.0, 2.0, 3.0];
    let tape = Tape::new();
    let xs: Vec<Var> = at.iter().map(|&x| tape.var(x)).collect();
    let mut f = tape.compile(logsumexp(&xs), &xs).expect("no reads");
    let mut g = {
        let tape2 = Tape::new();
        let ys: Vec<Var> = at.iter().map(|&x| tape2.var(x)).collect();
        tape2.compile(rosenbrock(&ys), &ys).expect("no reads")
    };
    for p in [
        [3.0, 2.0, 1.0],
        [0.0, 5.0, -1.0],
        [-700.0, 0.5, 0.5],
        [1.0, 2.0, 3.0],
    ] {
        let mut grad = [0.0; 3];
        let value = f.gradient(&p, &mut grad).expect("no branch flips");
        assert!(same(value, logsumexp(&p)), "at {p:?}");
        let fresh = Tape::new();
        let ys: Vec<Var> = p.iter().map(|&x| fresh.var(x)).collect();
        let back = logsumexp(&ys).backward();
        assert_eq!(
            grad.to_vec(),
            ys.iter().map(|&y| back[y]).collect::<Vec<_>>(),
            "at {p:?}"
        );
        let value = g.gradient(&p, &mut grad).expect("no branches");
        assert!(same(value, rosenbrock(&p)));
        let back = rosenbrock(&ys).backward();
        assert_eq!(
            grad.to_vec(),
            ys.iter().map(|&y| back[y]).collect::<Vec<_>>(),
            "at {p:?}"
        );
    }
    // A NaN input flips the NaN check: refused, not a stale maximum.
    assert!(matches!(
        f.value(&[f64::NAN, 2.0, 3.0]),
        Err(Error::BranchChanged { .. })
    ));
}

/// A sawtooth of period y scaled by a polynomial: `%` and `mul_add`, the
/// two shared custom nodes.
fn sawtooth<T: Float>(x: &[T]) -> T {
    (x[0] % x[1]) * horner(&[1.0, -0.5, 0.25], x[0]) + polynomials(x)
}

#[test]
fn a_compiled_generic_function_replays_its_mul_add_and_rem_nodes() {
    let tape = Tape::new();
    let xs = [tape.var(7.5), tape.var(2.0)];
    let mut f = tape.compile(sawtooth(&xs), &xs).expect("no reads");
    for p in [
        [7.5, 2.0],
        [-3.25, 1.5],
        [1e3, 0.7],
        [0.1, 10.0],
        [5.0, -3.0],
    ] {
        let mut grad = [0.0; 2];
        let value = f.gradient(&p, &mut grad).expect("no guards");
        // The replayed value is the generic code's on f64 (one rounding
        // in each mul_add, f64's remainder), and the gradient is
        // backward's on a fresh recording, to the bit: the custom nodes
        // are evaluated and swept as recorded.
        assert!(same(value, sawtooth(&p)), "at {p:?}: {value:e}");
        let fresh = Tape::new();
        let ys = [fresh.var(p[0]), fresh.var(p[1])];
        let back = sawtooth(&ys).backward();
        assert_eq!(grad, [back[ys[0]], back[ys[1]]], "at {p:?}");
    }
}

#[test]
#[should_panic(expected = "clamp needs lo <= hi")]
fn clamp_with_crossed_bounds_panics_as_f64s_does_in_every_build() {
    // f64::clamp panics when min > max or either is NaN, in every build;
    // Var's Float::clamp must too (num-traits' default checks only in debug
    // builds, so Var has its own).
    let tape = Tape::new();
    let _ = Float::clamp(tape.var(0.5), k(2.0), k(1.0));
}

// ---------------------------------------------------------------------
// What does not port.

/// Σ xᵢ², its accumulator started at `T::zero()`: the documented way.
fn sum_of_squares<T: Float>(x: &[T]) -> T {
    let mut s = T::zero();
    for &v in x {
        s = s + v * v;
    }
    s
}

#[test]
fn an_accumulator_ports_when_it_starts_at_t_zero_and_not_as_an_f64() {
    let tape = Tape::new();
    let xs = [tape.var(3.0), tape.var(-4.0)];
    // Started at T::zero(), the sum is recorded: gradient 2x.
    let y = sum_of_squares(&xs);
    let g = y.backward();
    assert_eq!((y.value(), g[xs[0]], g[xs[1]]), (25.0, 6.0, -8.0));

    // Code written for f64 keeps `let mut s = 0.0; s += v * v;`, which
    // does not compile with a Var term; the only way to make it compile is
    // to read each term's value (`f64::from`), which leaves the tape: the
    // sum is a constant with no gradient, and compile names the read.
    let tape = Tape::new();
    let xs = [tape.var(3.0), tape.var(-4.0)];
    let mut s = 0.0;
    for &v in &xs {
        s += f64::from(v * v);
    }
    let y = Var::from(s) + xs[0] * 0.0;
    assert_eq!(y.value(), 25.0);
    assert_eq!(y.backward()[xs[1]], 0.0, "the f64 sum carries no gradient");
    assert!(matches!(tape.compile(y, &xs), Err(Error::ValueRead { .. })));
}

#[test]
fn a_sum_of_negative_zeros_is_negative_zero_as_for_f64() {
    // `Sum for f64` folds from -0.0 (on every toolchain the workspace
    // supports), the additive identity for every f64 (x + -0 = x, +0
    // included), so the empty sum and a sum of -0.0s are -0.0. A generic
    // `iter().sum()` must give the same on Var.
    let want_empty: f64 = std::iter::empty::<f64>().sum();
    let want_zeros: f64 = [-0.0f64, -0.0].iter().sum();
    assert!(same(want_empty, -0.0) && same(want_zeros, -0.0));
    let tape = Tape::new();
    let xs = [tape.var(-0.0), tape.var(-0.0)];
    let empty: Var = std::iter::empty::<Var>().sum();
    let zeros: Var = xs.iter().sum();
    let constants: Var = [Var::neg_zero(), Var::neg_zero()].iter().sum();
    assert!(
        same(empty.value(), want_empty),
        "empty sum {:?}",
        empty.value()
    );
    assert!(
        same(zeros.value(), want_zeros),
        "sum of -0s {:?}",
        zeros.value()
    );
    assert!(
        same(constants.value(), want_zeros),
        "sum of -0 constants {:?}",
        constants.value()
    );
}
