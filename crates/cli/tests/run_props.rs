//! Property tests of whole commands, in process: whatever the expression and
//! the values, `grad`, `solve` and `descend` end with output or an error
//! message, never a panic.

use clap::Parser;
use proptest::prelude::*;
use tapegrad_cli::{Cli, Error, run};

/// Expressions over `x` and `y` from the language's tokens, mostly well
/// formed, sometimes not.
fn source() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        4 => prop::sample::select(vec!["x", "y", "2", "0", "0.5", "1e3", "-1"]),
        4 => prop::sample::select(vec!["+", "-", "*", "/", "^"]),
        2 => prop::sample::select(vec![
            "ln(", "exp(", "sqrt(", "sin(", "tan(", "tanh(", "sigmoid(", "relu(", "abs(",
            "recip(", "max(x, ", "min(y, ",
        ]),
        2 => prop::sample::select(vec!["(", ")", ")", ", ", "; ", "a = ", "a"]),
    ];
    prop::collection::vec(token, 1..24).prop_map(|tokens| tokens.concat())
}

/// Any finite value, with the awkward ones often.
fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        prop::sample::select(vec![0.0, -0.0, 1.0, -1.0, 1e-300, 1e300, -1e308]),
        any::<f64>().prop_filter("finite", |v| v.is_finite()),
    ]
}

/// `--at` values for the inputs of `source` (every input when it parses,
/// else `x` and `y`), so that most runs get past the values.
fn values_for(source: &str, x: f64, y: f64) -> String {
    let inputs = match tapegrad_cli::expr::parse(source) {
        Ok(program) => program.inputs().iter().map(|s| s.to_string()).collect(),
        Err(_) => vec!["x".to_string(), "y".to_string()],
    };
    let pairs: Vec<String> = inputs
        .iter()
        .map(|name| format!("{name}={:e}", if name == "x" { x } else { y }))
        .collect();
    pairs.join(",")
}

/// Runs the command line `args` with `source` on standard input.
fn outcome(args: &[String], source: &str) -> Result<String, Error> {
    let cli = Cli::try_parse_from(args).expect("a valid command line");
    let mut out = Vec::new();
    run(cli, &mut source.as_bytes(), &mut out)?;
    Ok(String::from_utf8(out).expect("UTF-8 output"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn grad_never_panics(source in source(), x in value(), y in value(), order in 1u8..=2) {
        let args: Vec<String> = ["tapegrad", "grad", "-", "--order", &order.to_string(), "--json"]
            .iter()
            .map(|s| s.to_string())
            .chain([format!("--at={}", values_for(&source, x, y))])
            .collect();
        match outcome(&args, &source) {
            Ok(out) => {
                let json: serde_json::Value = serde_json::from_str(&out)
                    .map_err(|e| TestCaseError::fail(format!("{e}: {out}")))?;
                prop_assert!(json["value"].is_number(), "{}", out);
            }
            Err(Error::Failed(message)) => prop_assert!(message.starts_with("error: ")),
            Err(Error::Closed) => prop_assert!(false, "stdout is a vector"),
            Err(Error::NotConverged(message)) => prop_assert!(false, "grad fits nothing: {}", message),
        }
    }

    #[test]
    fn solve_and_descend_never_panic(source in source(), x in value(), y in value()) {
        let at = format!("--from={}", values_for(&source, x, y));
        for command in [
            vec!["tapegrad", "solve", "-", "--target", "1", &at, "--max-iterations", "20"],
            vec!["tapegrad", "descend", "-", &at, "--max-steps", "20"],
        ] {
            let args: Vec<String> = command.iter().map(|s| s.to_string()).collect();
            if let Err(Error::Failed(message)) = outcome(&args, &source) {
                prop_assert!(message.starts_with("error: "));
            }
        }
    }
}
