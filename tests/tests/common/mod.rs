//! A random expression generator shared by the property tests.

use proptest::prelude::*;
use tapegrad::{CustomOp, Pow, Real, Tape, Var};

pub const INPUTS: usize = 3;

/// A random expression over `INPUTS` leaves, covering every op of the table.
#[derive(Clone, Debug)]
pub enum Expr {
    Leaf(usize),
    Unary(&'static str, Box<Expr>),
    /// An op with an `f64` constant; the flag puts the constant on the left.
    WithConst(&'static str, bool, f64, Box<Expr>),
    PowInt(i32, Box<Expr>),
    Binary(&'static str, Box<Expr>, Box<Expr>),
    Sum(Vec<Expr>),
    /// A custom op (see [`Smooth`]) over two or three inputs.
    Custom(Vec<Expr>),
}

const UNARY: &[&str] = &[
    "neg", "ln", "exp", "sqrt", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "abs", "recip",
    "powf", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "log2", "log10",
    "ln_1p", "exp_m1", "exp2", "cbrt", "softplus", "erf", "erfc", "floor",
];
const BINARY: &[&str] = &[
    "add", "sub", "mul", "div", "pow", "max", "min", "atan2", "hypot",
];
const WITH_CONST: &[&str] = &[
    "add", "sub", "mul", "div", "log", "atan2", "hypot", "max", "min", "cpow",
];

pub fn expr() -> impl Strategy<Value = Expr> {
    let leaf = (0..INPUTS).prop_map(Expr::Leaf);
    leaf.prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            (proptest::sample::select(UNARY), inner.clone())
                .prop_map(|(op, e)| Expr::Unary(op, Box::new(e))),
            (
                proptest::sample::select(WITH_CONST),
                any::<bool>(),
                -3.0..3.0f64,
                inner.clone()
            )
                .prop_map(|(op, left, c, e)| Expr::WithConst(op, left, c, Box::new(e))),
            (-3..4i32, inner.clone()).prop_map(|(n, e)| Expr::PowInt(n, Box::new(e))),
            (
                proptest::sample::select(BINARY),
                inner.clone(),
                inner.clone()
            )
                .prop_map(|(op, a, b)| Expr::Binary(op, Box::new(a), Box::new(b))),
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Expr::Sum),
            proptest::collection::vec(inner, 2..4).prop_map(Expr::Custom),
        ]
    })
}

/// Records `e` on `tape` over `leaves`.
pub fn record(e: &Expr, tape: &Tape, leaves: &[Var]) -> Var {
    match e {
        Expr::Leaf(i) => leaves[*i],
        Expr::Unary(op, a) => {
            let a = record(a, tape, leaves);
            match *op {
                "neg" => -a,
                "ln" => a.ln(),
                "exp" => a.exp(),
                "sqrt" => a.sqrt(),
                "sin" => a.sin(),
                "cos" => a.cos(),
                "tan" => a.tan(),
                "tanh" => a.tanh(),
                "sigmoid" => a.sigmoid(),
                "relu" => a.relu(),
                "abs" => a.abs(),
                "recip" => a.recip(),
                "powf" => a.powf(1.5),
                "asin" => a.asin(),
                "acos" => a.acos(),
                "atan" => a.atan(),
                "sinh" => a.sinh(),
                "cosh" => a.cosh(),
                "asinh" => a.asinh(),
                "acosh" => a.acosh(),
                "atanh" => a.atanh(),
                "log2" => a.log2(),
                "log10" => a.log10(),
                "ln_1p" => a.ln_1p(),
                "exp_m1" => a.exp_m1(),
                "exp2" => a.exp2(),
                "cbrt" => a.cbrt(),
                "softplus" => a.softplus(),
                "erf" => a.erf(),
                "erfc" => a.erfc(),
                "floor" => a.floor(),
                _ => unreachable!(),
            }
        }
        Expr::WithConst(op, left, c, a) => {
            let (a, c) = (record(a, tape, leaves), *c);
            match (*op, left) {
                ("add", false) => a + c,
                ("add", true) => c + a,
                ("sub", false) => a - c,
                ("sub", true) => c - a,
                ("mul", false) => a * c,
                ("mul", true) => c * a,
                ("div", false) => a / c,
                ("div", true) => c / a,
                ("log", _) => a.log(c.abs() + 1.5),
                ("atan2", _) => a.atan2(c),
                ("hypot", _) => a.hypot(c),
                ("max", _) => a.max(c),
                ("min", _) => a.min(c),
                ("cpow", _) => (c.abs() + 0.1).pow(a),
                _ => unreachable!(),
            }
        }
        Expr::PowInt(n, a) => record(a, tape, leaves).powi(*n),
        Expr::Binary(op, a, b) => {
            let (a, b) = (record(a, tape, leaves), record(b, tape, leaves));
            match *op {
                "add" => a + b,
                "sub" => a - b,
                "mul" => a * b,
                "div" => a / b,
                "pow" => a.abs().pow(b),
                "max" => a.max(b),
                "min" => a.min(b),
                "atan2" => a.atan2(b),
                "hypot" => a.hypot(b),
                _ => unreachable!(),
            }
        }
        Expr::Sum(terms) => tape.sum(terms.iter().map(|t| record(t, tape, leaves))),
        Expr::Custom(terms) => {
            let inputs: Vec<Var> = terms.iter().map(|t| record(t, tape, leaves)).collect();
            tape.custom(Smooth, &inputs)
        }
    }
}

/// A custom op: `Σᵢ xᵢ·sin(xᵢ₊₁)` over its inputs in a ring, with partials
/// `sin xᵢ₊₁ + xᵢ₋₁·cos xᵢ`.
pub struct Smooth;

impl CustomOp for Smooth {
    fn name(&self) -> &str {
        "smooth"
    }
    fn value(&self, x: &[f64]) -> f64 {
        let n = x.len();
        (0..n).map(|i| x[i] * x[(i + 1) % n].sin()).sum()
    }
    fn partials<R: Real>(&self, x: &[R], _out: R) -> Vec<R> {
        let n = x.len();
        (0..n)
            .map(|i| x[(i + 1) % n].sin() + x[(i + n - 1) % n] * x[i].cos())
            .collect()
    }
}
