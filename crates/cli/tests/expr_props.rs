//! Property tests of the expression language: printing then parsing gives
//! back the same tree, and no input makes the parser panic or hang.

use std::time::{Duration, Instant};

use proptest::prelude::*;
use tapegrad_cli::expr::{BinOp, Binding, Expr, Func, Program, Span, parse};

fn config() -> ProptestConfig {
    ProptestConfig::with_cases(384)
}

/// Finite, non-negative numbers, as the parser produces: small integers,
/// short decimals and any magnitude down to subnormals.
fn number() -> impl Strategy<Value = f64> {
    prop_oneof![
        (0u32..1000).prop_map(f64::from),
        (0u32..100_000).prop_map(|n| f64::from(n) / 1000.0),
        any::<f64>()
            .prop_map(f64::abs)
            .prop_filter("finite", |v| v.is_finite()),
    ]
}

/// Variable names, avoiding function names and the constants `pi` and `e`, which are reserved.
fn name() -> impl Strategy<Value = String> {
    "[a-zA-Z_][a-zA-Z0-9_]{0,3}".prop_filter("not a function or constant", |n| {
        Func::from_name(n).is_none() && tapegrad_cli::expr::constant(n).is_none()
    })
}

fn leaf(names: BoxedStrategy<String>) -> impl Strategy<Value = Expr> {
    let span = Span::default();
    prop_oneof![
        number().prop_map(move |value| Expr::Num { value, span }),
        names.prop_map(move |name| Expr::Var { name, span }),
    ]
}

/// Random trees over the given names, with spans left at their default.
fn tree(names: BoxedStrategy<String>) -> impl Strategy<Value = Expr> {
    let span = Span::default();
    let op = prop::sample::select(vec![
        BinOp::Add,
        BinOp::Sub,
        BinOp::Mul,
        BinOp::Div,
        BinOp::Pow,
    ]);
    leaf(names).prop_recursive(8, 64, 4, move |inner| {
        prop_oneof![
            inner.clone().prop_map(move |operand| Expr::Neg {
                operand: Box::new(operand),
                span
            }),
            (op.clone(), inner.clone(), inner.clone()).prop_map(move |(op, lhs, rhs)| {
                Expr::Binary {
                    op,
                    lhs: Box::new(lhs),
                    rhs: Box::new(rhs),
                    span,
                }
            }),
            (
                prop::sample::select(Func::ALL.to_vec()),
                inner.clone(),
                inner
            )
                .prop_map(move |(func, first, second)| {
                    let args = if func.arity() == 2 {
                        vec![first, second]
                    } else {
                        vec![first]
                    };
                    Expr::Call { func, args, span }
                }),
        ]
    })
}

/// Renames every variable for which `rename` gives a new name.
fn rename_vars(expr: &mut Expr, rename: &impl Fn(&str) -> Option<String>) {
    match expr {
        Expr::Num { .. } => {}
        Expr::Var { name, .. } => {
            if let Some(new) = rename(name) {
                *name = new;
            }
        }
        Expr::Neg { operand, .. } => rename_vars(operand, rename),
        Expr::Binary { lhs, rhs, .. } => {
            rename_vars(lhs, rename);
            rename_vars(rhs, rename);
        }
        Expr::Call { args, .. } => args.iter_mut().for_each(|arg| rename_vars(arg, rename)),
    }
}

/// Programs whose binding `t{i}` uses only the inputs `a`, `b`, `c` and the bindings before it.
fn program() -> impl Strategy<Value = Program> {
    let names = prop::sample::select(vec!["a", "b", "c", "t0", "t1", "t2", "t3"])
        .prop_map(String::from)
        .boxed();
    (
        prop::collection::vec(tree(names.clone()), 0..4),
        tree(names),
    )
        .prop_map(|(exprs, mut output)| {
            // Names of bindings not yet made become the input `a`.
            let later = |first: usize| {
                move |name: &str| {
                    let index: usize = name.strip_prefix('t')?.parse().ok()?;
                    (index >= first).then(|| "a".to_string())
                }
            };
            rename_vars(&mut output, &later(exprs.len()));
            let bindings = exprs
                .into_iter()
                .enumerate()
                .map(|(i, mut expr)| {
                    rename_vars(&mut expr, &later(i));
                    Binding {
                        name: format!("t{i}"),
                        expr,
                        span: Span::default(),
                    }
                })
                .collect();
            Program { bindings, output }
        })
}

/// Pieces of the grammar, valid and not, to glue into token soups.
const PIECES: &[&str] = &[
    "x", "w_1", "2", ".5", "1e-3", "1e", "1.2.3", "(", ")", "+", "-", "*", "/", "^", "=", ";",
    "\n", ",", " ", "\t", "sin", "max", "log", "sinh", "min(", "@", "∂", "((((", "))))", "--",
];

fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..64).prop_map(|pieces| pieces.concat())
}

/// Parses `source`, renders any error, and checks that it was quick.
fn parse_quickly(source: &str) {
    let start = Instant::now();
    if let Err(error) = parse(source) {
        assert!(error.render(source).starts_with("error: "));
    }
    // Real parses take microseconds; the bound is loose so a busy machine cannot fail it.
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "slow on {source:?}"
    );
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn printed_trees_parse_back_to_themselves(expr in tree(name().boxed())) {
        let printed = expr.to_string();
        let program = parse(&printed).map_err(|e| TestCaseError::fail(e.render(&printed)))?;
        prop_assert!(program.bindings.is_empty());
        prop_assert_eq!(program.output.without_spans(), expr, "printed as {}", printed);
    }

    #[test]
    fn printed_programs_parse_back_to_themselves(program in program()) {
        let printed = program.to_string();
        let parsed = parse(&printed).map_err(|e| TestCaseError::fail(e.render(&printed)))?;
        prop_assert_eq!(parsed.without_spans(), program, "printed as {}", printed);
    }

    #[test]
    fn printing_is_idempotent(expr in tree(name().boxed())) {
        let printed = expr.to_string();
        let reprinted = parse(&printed).map(|p| p.to_string());
        prop_assert_eq!(reprinted, Ok(printed));
    }

    #[test]
    fn token_soups_never_panic(source in soup()) {
        parse_quickly(&source);
    }

    #[test]
    fn arbitrary_strings_never_panic(source in ".{0,200}") {
        parse_quickly(&source);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        parse_quickly(&String::from_utf8_lossy(&bytes));
    }
}
