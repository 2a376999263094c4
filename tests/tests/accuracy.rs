//! Every op's value, first and second derivative against exact values.
//!
//! The reference table `tests/oracle/accuracy.tsv` is made by
//! `tests/oracle/accuracy.py` with mpmath at 50 digits, at points that span
//! each op's domain. The engine computes the value when recording, the first
//! derivative with `backward` and the second by differentiating the recorded
//! gradient graph (`grad_graph`, then `backward`). Run with `--nocapture` to
//! see each op's worst error in units of its bound.

use std::collections::BTreeMap;

use tapegrad::{Pow, Tape, Var};

const TABLE: &str = include_str!("../oracle/accuracy.tsv");

/// Relative bounds: value, first derivative, second derivative.
const BOUNDS: [f64; 3] = [1.6e-15, 1e-14, 1e-12];

type Unary = for<'t> fn(Var<'t>, f64) -> Var<'t>;
type Binary = for<'t> fn(Var<'t>, Var<'t>) -> Var<'t>;

/// The op of a table row, applied to `x` with the row's constant `c`.
fn unary(name: &str) -> Unary {
    match name {
        "neg" => |x, _| -x,
        "ln" => |x, _| x.ln(),
        "exp" => |x, _| x.exp(),
        "sqrt" => |x, _| x.sqrt(),
        "sin" => |x, _| x.sin(),
        "cos" => |x, _| x.cos(),
        "tan" => |x, _| x.tan(),
        "tanh" => |x, _| x.tanh(),
        "sigmoid" => |x, _| x.sigmoid(),
        "relu" => |x, _| x.relu(),
        "abs" => |x, _| x.abs(),
        "recip" => |x, _| x.recip(),
        "asin" => |x, _| x.asin(),
        "acos" => |x, _| x.acos(),
        "atan" => |x, _| x.atan(),
        "sinh" => |x, _| x.sinh(),
        "cosh" => |x, _| x.cosh(),
        "asinh" => |x, _| x.asinh(),
        "acosh" => |x, _| x.acosh(),
        "atanh" => |x, _| x.atanh(),
        "log2" => |x, _| x.log2(),
        "log10" => |x, _| x.log10(),
        "ln_1p" => |x, _| x.ln_1p(),
        "exp_m1" => |x, _| x.exp_m1(),
        "exp2" => |x, _| x.exp2(),
        "cbrt" => |x, _| x.cbrt(),
        "softplus" => |x, _| x.softplus(),
        "erf" => |x, _| x.erf(),
        "erfc" => |x, _| x.erfc(),
        "powf" => |x, c| x.powf(c),
        "powi" => |x, c| x.powi(c as i32),
        "log" => |x, c| x.log(c),
        "atan2" => |x, c| x.atan2(c),
        "hypot" => |x, c| x.hypot(c),
        "cpow" => |x, c| c.pow(x),
        _ => panic!("no op {name} in the accuracy test"),
    }
}

fn binary(name: &str) -> Binary {
    match name {
        "mul" => |x, y| x * y,
        "div" => |x, y| x / y,
        "pow" => |x, y| x.pow(y),
        "atan2" => |x, y| x.atan2(y),
        "hypot" => |x, y| x.hypot(y),
        _ => panic!("no two-input op {name} in the accuracy test"),
    }
}

fn numbers(cell: &str) -> Vec<f64> {
    cell.split(',')
        .map(|s| s.parse().unwrap_or_else(|_| panic!("bad number {s}")))
        .collect()
}

/// The error of `got` in units of `bound`, or `None` where the exact value
/// is no normal number (subnormal, infinite, undefined) and is not compared.
/// An exact zero must be computed as a zero (or a subnormal).
fn error(got: f64, exact: f64, bound: f64) -> Option<f64> {
    if exact == 0.0 {
        return Some(if got.abs() < f64::MIN_POSITIVE {
            0.0
        } else {
            f64::INFINITY
        });
    }
    if !exact.is_normal() {
        return None;
    }
    Some(((got - exact) / exact).abs() / bound)
}

/// `[value, first…, second…]` computed by the engine for one row.
fn computed(name: &str, constant: Option<f64>, input: &[f64]) -> Vec<Vec<f64>> {
    let tape = Tape::new();
    if let [x0] = input {
        let x = tape.var(*x0);
        let y = unary(name)(x, constant.unwrap_or(f64::NAN));
        let d1 = y.backward()[x];
        let dy = y.grad_graph(&[x])[0];
        // The recorded gradient carries the numeric one's value.
        assert!(
            dy.value() == d1 || (d1.is_nan() && dy.value().is_nan()),
            "{name}({x0}): grad_graph {} vs backward {d1}",
            dy.value()
        );
        let d2 = dy.backward()[x];
        vec![vec![y.value()], vec![d1], vec![d2]]
    } else {
        let (x, y) = (tape.var(input[0]), tape.var(input[1]));
        let z = binary(name)(x, y);
        let g = z.backward();
        let grads = z.grad_graph(&[x, y]);
        let (gx, gy) = (grads[0].backward(), grads[1].backward());
        vec![vec![z.value()], vec![g[x], g[y]], vec![gx[x], gx[y], gy[y]]]
    }
}

#[test]
fn every_op_is_exact_to_its_bound_at_every_point() {
    let mut worst: BTreeMap<String, [f64; 3]> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut rows = 0;
    for line in TABLE.lines().filter(|l| !l.starts_with('#')) {
        let cells: Vec<&str> = line.split('\t').collect();
        let [name, constant, input, value, first, second] = cells[..] else {
            panic!("bad row {line}")
        };
        rows += 1;
        let constant = (constant != "-").then(|| constant.parse::<f64>().unwrap());
        let input = numbers(input);
        let exact = [numbers(value), numbers(first), numbers(second)];
        let got = computed(name, constant, &input);
        let key = if input.len() == 2 {
            format!("{name}(x, y)")
        } else if constant.is_some() {
            format!("{name}(x, c)")
        } else {
            name.to_string()
        };
        let entry = worst.entry(key).or_insert([0.0; 3]);
        // Value within 1.6e-15, first derivative within 1e-14 and second
        // within 1e-12, relative, wherever the exact number is normal.
        for (order, (exact, got)) in exact.iter().zip(&got).enumerate() {
            for (&e, &g) in exact.iter().zip(got) {
                if let Some(err) = error(g, e, BOUNDS[order]) {
                    entry[order] = entry[order].max(err);
                    if err.is_nan() || err > 1.0 {
                        failures.push(format!(
                            "{name} c={constant:?} at {input:?}, order {order}: exact {e:e}, got {g:e} ({err:.1} bounds)"
                        ));
                    }
                }
            }
        }
    }
    println!("{rows} rows; worst error per op, in units of the bound (value, d1, d2):");
    for (op, [v, d1, d2]) in &worst {
        println!("{op:<14} {v:>6.3} {d1:>6.3} {d2:>6.3}");
    }
    assert!(rows > 400, "the table has {rows} rows");
    assert!(
        failures.is_empty(),
        "{} values off their bound:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
