//! A program's value in 160-bit binary floating point (the `dashu-float`
//! crate), for the final residuals of a fit: at the parameters the solver
//! found, a residual far smaller than the response (NIST's Lanczos1: 10⁻¹³
//! of values near 1) loses most of its digits to f64's rounding of the
//! model, and this evaluation keeps them.
//!
//! It covers the arithmetic, integer and real powers, and the functions
//! whose value the crate computes to its precision: `exp`, `ln`, `sqrt`,
//! `exp_m1`, `ln_1p`, `recip`, `abs`, `neg` and `log`. A program with any
//! other function, or a value outside a function's domain, has no precise
//! value (`None`), and the caller keeps f64's.

use std::collections::HashMap;

use dashu_float::round::mode::HalfEven;
use dashu_float::{Context, FBig, FpResult};
use tapegrad::Op;

use crate::expr::{BinOp, Expr, Func, Program};

/// The precision, in bits: 107 more than f64's, so that a residual 10⁻²⁰
/// of the values it is the difference of still has 13 digits.
const BITS: usize = 160;

/// A number of the evaluation.
pub(crate) type Precise = FBig<HalfEven, 2>;

/// `x` exactly, or `None` if it is not finite.
pub(crate) fn exact(x: f64) -> Option<Precise> {
    x.is_finite().then(|| Precise::try_from(x).ok()).flatten()
}

/// The decimal number `text` (as a CSV field writes it: `-1.5`, `2.5E+00`)
/// to the evaluation's precision, not through f64: NIST's data are decimal
/// numbers, and their f64 roundings move a residual of 10⁻¹³ in its fourth
/// digit. `None` for text that is not a finite number.
pub(crate) fn parse(text: &str) -> Option<Precise> {
    let text = text.trim().trim_start_matches('+').to_ascii_lowercase();
    text.parse::<f64>().ok().filter(|x| x.is_finite())?;
    let decimal: FBig<HalfEven, 10> = text.parse().ok()?;
    let binary = decimal.with_base_and_precision::<2>(BITS).value();
    (!binary.repr().is_infinite()).then_some(binary)
}

/// The value of `program` with `values[i]` as the `i`th of
/// [`Program::inputs`], or `None` where it has no precise value.
pub(crate) fn value(program: &Program, values: &[Precise]) -> Option<Precise> {
    let mut walk = Walk {
        context: Context::new(BITS),
        env: HashMap::new(),
    };
    for (name, x) in program.inputs().into_iter().zip(values) {
        walk.env.insert(name.to_string(), x.clone());
    }
    for binding in &program.bindings {
        let v = walk.eval(&binding.expr)?;
        walk.env.insert(binding.name.clone(), v);
    }
    walk.eval(&program.output)
}

/// `a − b` to the evaluation's precision.
pub(crate) fn difference(a: &Precise, b: &Precise) -> Option<Precise> {
    finite(Context::<HalfEven>::new(BITS).sub(a.repr(), b.repr()))
}

/// `Σ rᵢ²` to the evaluation's precision, rounded to the nearest f64.
pub(crate) fn sum_of_squares(rs: &[Precise]) -> Option<f64> {
    let context = Context::<HalfEven>::new(BITS);
    let mut sum = exact(0.0)?;
    for r in rs {
        let square = finite(context.mul(r.repr(), r.repr()))?;
        sum = finite(context.add(sum.repr(), square.repr()))?;
    }
    let f = sum.to_f64().value();
    f.is_finite().then_some(f)
}

/// The value of an operation, if it is a finite number.
fn finite(result: FpResult<Precise>) -> Option<Precise> {
    let v = result.ok()?.value();
    (!v.repr().is_infinite()).then_some(v)
}

struct Walk {
    context: Context<HalfEven>,
    env: HashMap<String, Precise>,
}

impl Walk {
    fn eval(&self, expr: &Expr) -> Option<Precise> {
        let c = &self.context;
        let zero = Precise::ZERO;
        match expr {
            Expr::Num { value, .. } => exact(*value),
            Expr::Var { name, .. } => self.env.get(name).cloned(),
            Expr::Neg { operand, .. } => Some(-self.eval(operand)?),
            Expr::Binary { op, lhs, rhs, .. } => {
                let a = self.eval(lhs)?;
                if let (BinOp::Pow, Expr::Num { value, .. }) = (op, &**rhs)
                    && value.fract() == 0.0
                    && value.abs() <= 1024.0
                {
                    // An integer power: any base, but 0 to a negative power.
                    if *value < 0.0 && a == zero {
                        return None;
                    }
                    return finite(c.powi(a.repr(), (*value as i64).into()));
                }
                let b = self.eval(rhs)?;
                finite(match op {
                    BinOp::Add => c.add(a.repr(), b.repr()),
                    BinOp::Sub => c.sub(a.repr(), b.repr()),
                    BinOp::Mul => c.mul(a.repr(), b.repr()),
                    BinOp::Div if b == zero => return None,
                    BinOp::Div => c.div(a.repr(), b.repr()),
                    // A real power of a positive base.
                    BinOp::Pow if a > zero => c.powf(a.repr(), b.repr(), None),
                    BinOp::Pow => return None,
                })
            }
            Expr::Call { func, args, .. } => {
                let x = self.eval(&args[0])?;
                let r = x.repr();
                finite(match (func, args.get(1)) {
                    (Func::Unary(Op::Neg), _) => return Some(-x),
                    (Func::Unary(Op::Abs), _) if x < zero => return Some(-x),
                    (Func::Unary(Op::Abs), _) => return Some(x),
                    (Func::Unary(Op::Exp), _) => c.exp(r, None),
                    (Func::Unary(Op::ExpM1), _) => c.exp_m1(r, None),
                    (Func::Unary(Op::Ln) | Func::Log, None) if x > zero => c.ln(r, None),
                    (Func::Unary(Op::Ln1p), _) if x > -Precise::ONE => c.ln_1p(r, None),
                    (Func::Unary(Op::Sqrt), _) if x >= zero => c.sqrt(r),
                    (Func::Unary(Op::Recip), _) if x != zero => c.div(Precise::ONE.repr(), r),
                    (Func::Log, Some(base)) if x > zero => {
                        let b = self.eval(base)?;
                        if b <= zero {
                            return None;
                        }
                        let ln_x = finite(c.ln(r, None))?;
                        let ln_b = finite(c.ln(b.repr(), None))?;
                        if ln_b == zero {
                            return None;
                        }
                        c.div(ln_x.repr(), ln_b.repr())
                    }
                    _ => return None,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(source: &str, values: &[f64]) -> Option<f64> {
        let values: Vec<Precise> = values.iter().map(|&x| exact(x).unwrap()).collect();
        value(&crate::expr::parse(source).unwrap(), &values).map(|v| v.to_f64().value())
    }

    #[test]
    fn decimal_fields_are_read_past_f64() {
        // 0.1 is not an f64: its 160-bit value differs from f64's 0.1 by
        // 0.1 − 0x1.999999999999ap-4 ≈ −5.55e-18.
        let tenth = parse("0.1").unwrap();
        let gap = difference(&tenth, &exact(0.1).unwrap())
            .unwrap()
            .to_f64()
            .value();
        assert!(
            (gap / -5.551115123125783e-18 - 1.0).abs() < 1e-12,
            "{gap:e}"
        );
        assert_eq!(parse("2.5E+00").unwrap().to_f64().value(), 2.5);
        assert_eq!(parse(" +7.5e-1 ").unwrap().to_f64().value(), 0.75);
        assert!(parse("abc").is_none() && parse("inf").is_none() && parse("").is_none());
    }

    #[test]
    fn values_agree_with_f64_and_keep_what_f64_rounds_away() {
        // Each value is the f64 one to within an ulp or two.
        let close = |a: Option<f64>, b: f64| (a.unwrap() - b).abs() <= 4.0 * f64::EPSILON * b.abs();
        // The inputs in order of appearance: b1, b2, x, b3, b4.
        let lanczos = at("b1*exp(-b2*x) + b3*exp(-b4*x)", &[0.5, 1.3, 2.0, 3.0, 0.7]);
        assert!(close(
            lanczos,
            0.5 * (-1.3f64 * 2.0).exp() + 3.0 * (-0.7f64 * 2.0).exp()
        ));
        assert!(close(
            at("ln(x)/sqrt(x) + x^3 - x^-2 + x^0.5", &[2.0]),
            2f64.ln() / 2f64.sqrt() + 8.0 - 0.25 + 2f64.sqrt()
        ));
        assert!(close(
            at("log(x, 2) + log(x) + recip(x) + abs(-x)", &[8.0]),
            3.0 + 8f64.ln() + 0.125 + 8.0
        ));
        // (1 + 2⁻⁶⁰) − 1 is 2⁻⁶⁰ here and 0 in f64.
        let tiny = 2f64.powi(-60);
        assert_eq!(at("(1 + t) - 1", &[tiny]), Some(tiny));
        // e^(2⁻⁶⁰) − 1 − 2⁻⁶⁰ is 2⁻¹²¹ to 60 bits, where f64 gives 0 or −2⁻⁶⁰.
        let e = at("exp(t) - 1 - t", &[tiny]).unwrap();
        assert!((e / 2f64.powi(-121) - 1.0).abs() < 1e-15, "{e:e}");
    }

    #[test]
    fn outside_the_covered_functions_or_domains_there_is_no_value() {
        assert_eq!(at("sin(x)", &[1.0]), None);
        assert_eq!(at("ln(x)", &[-1.0]), None);
        assert_eq!(at("1/x", &[0.0]), None);
        assert_eq!(at("x^0.5", &[-4.0]), None);
        assert_eq!(at("x^-1", &[0.0]), None);
        assert_eq!(at("sqrt(x)", &[-1.0]), None);
    }
}
