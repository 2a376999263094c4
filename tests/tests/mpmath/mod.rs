//! The mpmath table of exact values and derivatives
//! (`tests/oracle/accuracy.tsv`, made by `tests/oracle/accuracy.py`) and how
//! its cells read, for the tests that hold the engine to it (`accuracy`,
//! `generic`).

#![allow(dead_code)]

pub const TABLE: &str = include_str!("../../oracle/accuracy.tsv");

/// Relative bounds of the value, the first and the second derivative.
pub const BOUNDS: [f64; 3] = [1.6e-15, 1e-14, 1e-12];

/// An exact result that is zero asks for a computed one below this in
/// magnitude: zero, or a subnormal (noise under every normal number).
pub const ZERO: f64 = f64::MIN_POSITIVE;

/// One exact result of the table.
#[derive(Clone, Copy, Debug)]
pub enum Exact {
    /// A normal f64, correctly rounded: compared relatively.
    Normal(f64),
    /// Exactly zero: the computed one must be below [`ZERO`].
    Zero,
    /// A zero with the sign IEEE gives it (at a signed-zero input): the
    /// computed one must be that zero.
    SignedZero(f64),
    /// Subnormal, beyond f64's range or undefined: not compared.
    Skip,
}

pub fn exact(cell: &str) -> Exact {
    match cell {
        "0" => Exact::Zero,
        "+0.0" => Exact::SignedZero(0.0),
        "-0.0" => Exact::SignedZero(-0.0),
        "subnormal" | "underflow" | "overflow" | "undefined" => Exact::Skip,
        _ => {
            let v: f64 = cell.parse().unwrap_or_else(|_| panic!("bad cell {cell}"));
            assert!(v.is_normal(), "cell {cell} is no normal f64");
            Exact::Normal(v)
        }
    }
}

pub fn numbers(cell: &str) -> Vec<f64> {
    cell.split(',')
        .map(|s| s.parse().unwrap_or_else(|_| panic!("bad number {s}")))
        .collect()
}

/// The error of `got` in units of `bound`, or `None` where not compared.
/// A failed zero counts as infinitely many bounds.
pub fn error(exact: Exact, got: f64, bound: f64) -> Option<f64> {
    match exact {
        Exact::Normal(e) => Some(((got - e) / e).abs() / bound),
        Exact::Zero => Some(if got.abs() < ZERO { 0.0 } else { f64::INFINITY }),
        Exact::SignedZero(z) => Some(if got.to_bits() == z.to_bits() {
            0.0
        } else {
            f64::INFINITY
        }),
        Exact::Skip => None,
    }
}

/// One row of the table: an op at an input (and its constants), with the
/// exact value and derivatives there.
pub struct Row {
    pub name: &'static str,
    /// The op as the summary names it: `ln`, `powf(x, c)`, `pow(x, y)`.
    pub key: String,
    pub constants: Vec<f64>,
    pub input: Vec<f64>,
    /// Value, first derivatives, second derivatives.
    pub exact: [Vec<Exact>; 3],
}

/// Every row of the table, in its order.
pub fn rows() -> Vec<Row> {
    TABLE
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|line| {
            let cells: Vec<&str> = line.split('\t').collect();
            let [name, constant, input, value, first, second] = cells[..] else {
                panic!("bad row {line}")
            };
            let constants = if constant == "-" {
                Vec::new()
            } else {
                numbers(constant)
            };
            let input = numbers(input);
            let key = match (input.len(), constants.len()) {
                (2, _) => format!("{name}(x, y)"),
                (_, 0) => name.to_string(),
                (_, 1) => format!("{name}(x, c)"),
                _ => format!("{name}(x, lo, hi)"),
            };
            let cells = |s: &str| s.split(',').map(exact).collect();
            Row {
                name,
                key,
                constants,
                input,
                exact: [cells(value), cells(first), cells(second)],
            }
        })
        .collect()
}
