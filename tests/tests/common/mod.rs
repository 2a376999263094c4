//! A random expression generator shared by the property tests.

use proptest::prelude::*;
use tapegrad::{Tape, Var};

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
}

const UNARY: &[&str] = &[
    "neg", "ln", "exp", "sqrt", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "abs", "recip",
    "powf",
];
const BINARY: &[&str] = &["add", "sub", "mul", "div", "pow", "max", "min"];
const WITH_CONST: &[&str] = &["add", "sub", "mul", "div"];

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
            proptest::collection::vec(inner, 0..4).prop_map(Expr::Sum),
        ]
    })
}

/// Records `e` on `tape` over `leaves`.
pub fn record<'t>(e: &Expr, tape: &'t Tape, leaves: &[Var<'t>]) -> Var<'t> {
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
                _ => unreachable!(),
            }
        }
        Expr::Sum(terms) => tape.sum(terms.iter().map(|t| record(t, tape, leaves))),
    }
}
