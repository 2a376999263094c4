//! Evaluation: records a parsed [`Program`] on a [`Tape`].
//!
//! Every input becomes a leaf named after it (`tape.var(x).named("w")`),
//! created first and in order of first appearance; every binding whose value
//! is a new node gets the binding's name, so dumps read like the tutorial's
//! figures. Arithmetic between numbers is folded in `f64` and never reaches
//! the tape; a number meeting a node goes through the engine's `f64`
//! operators (`2 * w` records one `mul` node with the constant 2).
//!
//! Powers pick the engine's op from the exponent: a constant integer
//! exponent (that fits an `i32`) records `powi`, another constant exponent
//! `powf`, and an exponent that depends on an input `pow` (with a recorded
//! [`Tape::constant`] as the base when the base is a number: `2^x`).
//!
//! A binding whose value is a number (`k = 2`) stays a number: it is folded
//! into its uses and has no node. A binding whose value is an existing node
//! (`v = w`) is another name for that node and does not rename it.
//!
//! The walk recurses once per level of the tree, which the parser bounds by
//! [`MAX_DEPTH`](crate::expr::MAX_DEPTH); the command runs it on a thread
//! with a large stack (see [`crate::STACK_SIZE`]).

use std::collections::HashMap;

use tapegrad::{Op, Tape, Var};

use crate::expr::{BinOp, Expr, Func, Program, Span};

/// The value of a subexpression: a number known before any input is, or a node.
#[derive(Clone, Copy, Debug)]
pub enum Value {
    /// A constant, folded in `f64`.
    Num(f64),
    /// A recorded node.
    Node(Var),
}

/// A number folded from constants alone is NaN or infinite, like `0/0` or `ln(0)`.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error(
    "this constant is {}: {} = {value:?}",
    if value.is_nan() { "not a number" } else { "infinite" },
    crate::format::quoted(text)
)]
pub struct NonFiniteConstant {
    /// The constant subexpression as written.
    pub text: String,
    /// Its value.
    pub value: f64,
    /// Where it is in the source.
    pub span: Span,
}

/// A program recorded on a tape.
#[derive(Debug)]
pub struct Evaluation {
    /// The output node (a recorded constant if the output is a number).
    pub output: Var,
    /// Whether the output statement recorded the output node itself, as
    /// opposed to naming an input or a binding, or a number.
    pub output_is_new: bool,
    /// The inputs' leaves, in order of first appearance.
    pub inputs: Vec<(String, Var)>,
    /// The bindings' values, in source order.
    pub bindings: Vec<(String, Value)>,
    /// The source span that recorded each node, by tape index.
    origins: Vec<Option<Span>>,
}

impl Evaluation {
    /// The input called `name`.
    pub fn input(&self, name: &str) -> Option<Var> {
        self.inputs.iter().find(|(n, _)| n == name).map(|&(_, v)| v)
    }

    /// The binding called `name`.
    pub fn binding(&self, name: &str) -> Option<Value> {
        self.bindings
            .iter()
            .find(|(n, _)| n == name)
            .map(|&(_, v)| v)
    }

    /// The span of the source that recorded tape node `index`, if it came
    /// from an expression (inputs have none).
    pub fn origin(&self, index: usize) -> Option<Span> {
        self.origins.get(index).copied().flatten()
    }
}

/// Records `program` on `tape` with `values[i]` as the value of the `i`th
/// of [`Program::inputs`].
///
/// # Errors
/// [`NonFiniteConstant`] if folding constants gives NaN or an infinity.
///
/// # Panics
/// If `values` is not as long as the program's list of inputs.
///
/// ```
/// use tapegrad::Tape;
/// use tapegrad_cli::{eval::evaluate, expr::parse};
///
/// let program = parse("x = 2*w + 3*b; y = 2*b + 1; x*y").unwrap();
/// let tape = Tape::new();
/// let e = evaluate(&tape, &program, "x = 2*w + 3*b; y = 2*b + 1; x*y", &[3.0, 4.0]).unwrap();
/// assert_eq!(e.output.value(), 162.0);
/// let g = e.output.backward();
/// assert_eq!(g.wrt(e.input("w").unwrap()), 18.0);
/// ```
pub fn evaluate(
    tape: &Tape,
    program: &Program,
    source: &str,
    values: &[f64],
) -> Result<Evaluation, NonFiniteConstant> {
    let names = program.inputs();
    assert_eq!(
        names.len(),
        values.len(),
        "evaluate needs one value per input"
    );
    let mut walk = Walk {
        tape,
        source,
        env: HashMap::new(),
        origins: Vec::new(),
    };
    let mut inputs = Vec::with_capacity(names.len());
    for (name, &value) in names.iter().zip(values) {
        let leaf = tape.var(value).named(*name);
        walk.env.insert(name.to_string(), Value::Node(leaf));
        inputs.push((name.to_string(), leaf));
    }
    let mut bindings = Vec::with_capacity(program.bindings.len());
    for binding in &program.bindings {
        let before = tape.len();
        let value = walk.eval(&binding.expr)?;
        match value {
            Value::Node(v) if v.index() >= before => {
                let _ = v.named(binding.name.as_str());
            }
            _ => {}
        }
        walk.env.insert(binding.name.clone(), value);
        bindings.push((binding.name.clone(), value));
    }
    let before = tape.len();
    let (output, output_is_new) = match walk.eval(&program.output)? {
        Value::Node(v) => (v, v.index() >= before),
        Value::Num(c) => {
            let v = tape.constant(c);
            walk.record(v, program.output.span());
            (v, false)
        }
    };
    Ok(Evaluation {
        output,
        output_is_new,
        inputs,
        bindings,
        origins: walk.origins,
    })
}

/// The value of `program` at `values`, or `None` if it is not finite: for
/// plots, which skip points where the function is undefined.
pub fn value_at(program: &Program, source: &str, values: &[f64]) -> Option<f64> {
    let tape = Tape::new();
    let value = evaluate(&tape, program, source, values)
        .ok()?
        .output
        .value();
    value.is_finite().then_some(value)
}

struct Walk<'t, 's> {
    tape: &'t Tape,
    source: &'s str,
    env: HashMap<String, Value>,
    origins: Vec<Option<Span>>,
}

impl<'t> Walk<'t, '_> {
    /// Remembers that `span` recorded `var`, and returns it.
    fn record(&mut self, var: Var, span: Span) -> Value {
        let index = var.index();
        if self.origins.len() <= index {
            self.origins.resize(index + 1, None);
        }
        self.origins[index] = Some(span);
        Value::Node(var)
    }

    /// A folded constant, which must be finite.
    fn fold(&self, value: f64, span: Span) -> Result<Value, NonFiniteConstant> {
        if value.is_finite() {
            Ok(Value::Num(value))
        } else {
            let text = self.source.get(span.start..span.end).unwrap_or("");
            Err(NonFiniteConstant {
                text: text.to_string(),
                value,
                span,
            })
        }
    }

    /// `value` as a node: a number becomes a recorded constant.
    fn node(&mut self, value: Value, span: Span) -> Var {
        match value {
            Value::Node(v) => v,
            Value::Num(c) => {
                let v = self.tape.constant(c);
                self.record(v, span);
                v
            }
        }
    }

    fn eval(&mut self, expr: &Expr) -> Result<Value, NonFiniteConstant> {
        match expr {
            Expr::Num { value, span } => self.fold(*value, *span),
            Expr::Var { name, span } => match self.env.get(name) {
                Some(&value) => Ok(value),
                // The parser makes every free name an input; this keeps the walk total.
                None => self.fold(f64::NAN, *span),
            },
            Expr::Neg { operand, span } => match self.eval(operand)? {
                Value::Num(c) => self.fold(-c, *span),
                Value::Node(v) => Ok(self.record(-v, *span)),
            },
            Expr::Binary { op, lhs, rhs, span } => {
                let a = self.eval(lhs)?;
                let b = self.eval(rhs)?;
                self.binary(*op, a, b, lhs.span(), *span)
            }
            Expr::Call { func, args, span } => {
                let values = args
                    .iter()
                    .map(|arg| self.eval(arg))
                    .collect::<Result<Vec<_>, _>>()?;
                self.call(*func, &values, args, *span)
            }
        }
    }

    fn binary(
        &mut self,
        op: BinOp,
        a: Value,
        b: Value,
        lhs_span: Span,
        span: Span,
    ) -> Result<Value, NonFiniteConstant> {
        use Value::{Node, Num};
        let var = match (op, a, b) {
            (_, Num(x), Num(y)) => {
                let value = match op {
                    BinOp::Add => x + y,
                    BinOp::Sub => x - y,
                    BinOp::Mul => x * y,
                    BinOp::Div => x / y,
                    BinOp::Pow => x.powf(y),
                };
                return self.fold(value, span);
            }
            (BinOp::Add, Node(x), Node(y)) => x + y,
            (BinOp::Add, Node(x), Num(c)) => x + c,
            (BinOp::Add, Num(c), Node(y)) => c + y,
            (BinOp::Sub, Node(x), Node(y)) => x - y,
            (BinOp::Sub, Node(x), Num(c)) => x - c,
            (BinOp::Sub, Num(c), Node(y)) => c - y,
            (BinOp::Mul, Node(x), Node(y)) => x * y,
            (BinOp::Mul, Node(x), Num(c)) => x * c,
            (BinOp::Mul, Num(c), Node(y)) => c * y,
            (BinOp::Div, Node(x), Node(y)) => x / y,
            (BinOp::Div, Node(x), Num(c)) => x / c,
            (BinOp::Div, Num(c), Node(y)) => c / y,
            (BinOp::Pow, Node(x), Node(y)) => x.pow(y),
            (BinOp::Pow, Node(x), Num(c)) => {
                if c.fract() == 0.0 && c.abs() <= f64::from(i32::MAX) {
                    // Exact: `c` is an integer within `i32`'s range.
                    x.powi(c as i32)
                } else {
                    x.powf(c)
                }
            }
            (BinOp::Pow, Num(c), Node(y)) => {
                let base = self.node(Num(c), lhs_span);
                base.pow(y)
            }
        };
        Ok(self.record(var, span))
    }

    fn call(
        &mut self,
        func: Func,
        values: &[Value],
        args: &[Expr],
        span: Span,
    ) -> Result<Value, NonFiniteConstant> {
        if values.iter().all(|v| matches!(v, Value::Num(_))) {
            // Fold on a scratch tape, so that constants get exactly the
            // engine's values (its stable sigmoid, its NaN-preserving max).
            let scratch = Tape::new();
            let nodes: Vec<Var> = values
                .iter()
                .map(|v| match v {
                    Value::Num(c) => scratch.constant(*c),
                    Value::Node(v) => scratch.constant(v.value()),
                })
                .collect();
            let value = apply(func, &nodes).value();
            return self.fold(value, span);
        }
        if let (Func::Log, [Value::Node(x), Value::Num(base)]) = (func, values) {
            // A constant base is the engine's `log` with a constant: no node for the base.
            return Ok(self.record(x.log(*base), span));
        }
        let nodes: Vec<Var> = values
            .iter()
            .zip(args)
            .map(|(&value, arg)| self.node(value, arg.span()))
            .collect();
        let var = apply(func, &nodes);
        Ok(self.record(var, span))
    }
}

/// Records `func` of `args` (as many as its arity allows, which the parser checks).
fn apply(func: Func, args: &[Var]) -> Var {
    let x = args[0];
    match (func, args.get(1)) {
        (Func::Unary(op), _) => unary(op, x).unwrap_or_else(|| {
            unreachable!("`{op}` is in the function list, which has only one-input ops")
        }),
        (Func::Log, None) => x.ln(),
        // The engine's `log` takes a constant base; a base that is a node is
        // the quotient of logarithms (a constant one never reaches here).
        (Func::Log, Some(&base)) => x.ln() / base.ln(),
        (Func::Atan2, Some(&other)) => x.atan2(other),
        (Func::Hypot, Some(&other)) => x.hypot(other),
        (Func::Max, Some(&other)) => x.max(other),
        (Func::Min, Some(&other)) => x.min(other),
        (_, None) => unreachable!("the parser checks that `{func}` has two arguments"),
    }
}

/// Records the one-input op `op` of `x` by its method, or `None` if `op`
/// is not a one-input op (or one this list does not know yet, which the
/// test `every_one_input_op_of_the_engine_is_a_function` catches).
///
/// ```
/// use tapegrad::{Op, Tape};
///
/// let tape = Tape::new();
/// let x = tape.var(0.5);
/// let y = tapegrad_cli::eval::unary(Op::Asin, x).unwrap();
/// assert_eq!((y.op(), y.value()), (Op::Asin, 0.5f64.asin()));
/// assert!(tapegrad_cli::eval::unary(Op::Add, x).is_none());
/// ```
pub fn unary(op: Op, x: Var) -> Option<Var> {
    Some(match op {
        Op::Neg => x.neg(),
        Op::Ln => x.ln(),
        Op::Exp => x.exp(),
        Op::Sqrt => x.sqrt(),
        Op::Sin => x.sin(),
        Op::Cos => x.cos(),
        Op::Tan => x.tan(),
        Op::Tanh => x.tanh(),
        Op::Sigmoid => x.sigmoid(),
        Op::Relu => x.relu(),
        Op::Abs => x.abs(),
        Op::Recip => x.recip(),
        Op::Asin => x.asin(),
        Op::Acos => x.acos(),
        Op::Atan => x.atan(),
        Op::Sinh => x.sinh(),
        Op::Cosh => x.cosh(),
        Op::Asinh => x.asinh(),
        Op::Acosh => x.acosh(),
        Op::Atanh => x.atanh(),
        Op::Log2 => x.log2(),
        Op::Log10 => x.log10(),
        Op::Ln1p => x.ln_1p(),
        Op::ExpM1 => x.exp_m1(),
        Op::Exp2 => x.exp2(),
        Op::Cbrt => x.cbrt(),
        Op::Softplus => x.softplus(),
        Op::Erf => x.erf(),
        Op::Erfc => x.erfc(),
        Op::Signum => x.signum(),
        Op::Floor => x.floor(),
        Op::Ceil => x.ceil(),
        Op::Round => x.round(),
        Op::Trunc => x.trunc(),
        Op::Fract => x.fract(),
        Op::ToDegrees => x.to_degrees(),
        Op::ToRadians => x.to_radians(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::parse;

    fn record(tape: &Tape, source: &str, values: &[f64]) -> Evaluation {
        let program = parse(source).unwrap();
        evaluate(tape, &program, source, values).unwrap()
    }

    #[test]
    fn bindings_name_new_nodes_only() {
        let tape = Tape::new();
        let e = record(&tape, "v = w; k = 2; u = k*v; u", &[3.0]);
        // `v` is another name for the input; `k` is a number with no node.
        assert_eq!(e.input("w").unwrap().name().as_deref(), Some("w"));
        assert!(matches!(e.binding("v"), Some(Value::Node(v)) if v.index() == 0));
        assert!(matches!(e.binding("k"), Some(Value::Num(2.0))));
        assert_eq!(e.output.name().as_deref(), Some("u"));
        assert_eq!(e.output.value(), 6.0);
        assert!(!e.output_is_new);
        assert_eq!(tape.len(), 2);
    }

    #[test]
    fn numbers_fold_and_meet_nodes_through_the_f64_operators() {
        let tape = Tape::new();
        let e = record(&tape, "(1 + 2) * x - 4 / x", &[2.0]);
        assert_eq!(e.output.value(), 4.0);
        let ops: Vec<&str> = tape.nodes().map(|n| n.op.name()).collect();
        assert_eq!(ops, ["var", "mul", "div", "sub"]);
        assert!(e.output_is_new);
    }

    #[test]
    fn powers_pick_powi_powf_or_pow() {
        let tape = Tape::new();
        let e = record(&tape, "x^2 + x^-1 + x^0.5 + x^x + 2^x + x^3e9", &[1.0]);
        let ops: Vec<&str> = tape.nodes().map(|n| n.op.name()).collect();
        assert_eq!(
            ops,
            [
                "var", "powi", "powi", "add", "powf", "add", "pow", "add", "const", "pow", "add",
                "powf", "add"
            ]
        );
        assert_eq!(e.output.value(), 7.0);
    }

    #[test]
    fn origins_map_nodes_back_to_the_source() {
        let source = "a = x*x; ln(a) + max(x, 1)";
        let tape = Tape::new();
        let e = record(&tape, source, &[2.0]);
        let text = |i: usize| e.origin(i).map(|s| &source[s.start..s.end]);
        assert_eq!(text(0), None);
        assert_eq!(text(1), Some("x*x"));
        assert_eq!(text(2), Some("ln(a)"));
        assert_eq!(text(3), Some("1"));
        assert_eq!(text(4), Some("max(x, 1)"));
        assert_eq!(text(5), Some("ln(a) + max(x, 1)"));
    }

    #[test]
    fn constant_calls_fold_with_the_engines_functions() {
        let tape = Tape::new();
        let e = record(&tape, "sigmoid(-800) + max(1, 2) + x", &[0.0]);
        assert_eq!(e.output.value(), 2.0);
        assert_eq!(tape.len(), 2);
        let program = parse("x + sqrt(-1)").unwrap();
        let error = evaluate(&Tape::new(), &program, "x + sqrt(-1)", &[0.0]).unwrap_err();
        assert_eq!(error.text, "sqrt(-1)");
        assert_eq!(
            error.to_string(),
            "this constant is not a number: `sqrt(-1)` = NaN"
        );
    }

    #[test]
    fn every_one_input_op_of_the_engine_is_a_function() {
        // The function list is the op table's one-input rows plus five more;
        // each such op is callable by its name and records exactly that op.
        let unary: Vec<Op> = Op::ALL
            .iter()
            .copied()
            .filter(|op| op.shape() == tapegrad::Shape::Unary)
            .collect();
        let listed: Vec<Op> = Func::ALL
            .iter()
            .filter_map(|f| match f {
                Func::Unary(op) => Some(*op),
                _ => None,
            })
            .collect();
        assert_eq!(listed, unary);
        for op in unary {
            let source = format!("{}(x)", op.name());
            let tape = Tape::new();
            let e = record(&tape, &source, &[0.5]);
            assert_eq!(e.output.op(), op, "{source}");
            assert_eq!(Func::from_name(op.name()), Some(Func::Unary(op)));
        }
    }

    #[test]
    fn two_input_functions_log_with_a_base_and_constants() {
        let tape = Tape::new();
        // atan2(1, 1) = π/4, hypot(3, 4) = 5, log(8, 2) = 3, and pi, e are the constants.
        let e = record(&tape, "atan2(y, x) * 4 / pi", &[1.0, 1.0]);
        assert!((e.output.value() - 1.0).abs() < 1e-15);
        let e = record(&tape, "hypot(x, 4)", &[3.0]);
        assert_eq!(e.output.value(), 5.0);
        let e = record(&tape, "log(x, 2)", &[8.0]);
        assert_eq!(e.output.op(), Op::LogBase);
        assert!((e.output.value() - 3.0).abs() < 1e-15);
        // A base that depends on an input: log_b x = ln x / ln b, d/db = -ln x/(b ln² b).
        let e = record(&tape, "log(x, b)", &[8.0, 2.0]);
        assert!((e.output.value() - 3.0).abs() < 1e-15);
        let g = e.output.backward();
        let expected = -(8f64.ln()) / (2.0 * 2f64.ln().powi(2));
        assert!((g.wrt(e.input("b").unwrap()) - expected).abs() < 1e-14);
        let e = record(&tape, "x * e", &[1.0]);
        assert_eq!(e.output.value(), std::f64::consts::E);
    }

    #[test]
    fn value_at_skips_undefined_points() {
        let program = parse("ln(x)").unwrap();
        assert_eq!(value_at(&program, "ln(x)", &[1.0]), Some(0.0));
        assert_eq!(value_at(&program, "ln(x)", &[-1.0]), None);
    }
}
