//! `tapegrad fit` end to end: the JSON keys, an exact answer, exit code 2
//! for a run that does not converge, undefined standard errors in words,
//! the picture, and one message with exit code 1 for every bad input.

use std::path::Path;

use assert_cmd::Command;

/// `(exit code, stdout, stderr)` of the command with `args`, run in `dir`.
fn tapegrad(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("tapegrad")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// A scratch folder holding `files` (name, contents).
fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

/// Asserts one error message (its first line starting `error: `), exit code
/// 1 and no output, and returns the message.
#[track_caller]
fn error(dir: &Path, args: &[&str]) -> String {
    let (code, stdout, stderr) = tapegrad(dir, args);
    assert_eq!((code, stdout.as_str()), (1, ""), "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr.trim_end().to_string()
}

const LINE: &str = "x,y\n0,1\n1,3\n2,5\n3,7.5\n";

#[test]
fn a_straight_line_fit_prints_the_least_squares_answer_and_every_json_key() {
    let dir = folder(&[("line.csv", LINE)]);
    let (code, stdout, _) = tapegrad(
        dir.path(),
        &[
            "fit", "a*x + b", "--data", "line.csv", "--start", "a=0,b=0", "--json",
        ],
    );
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "parameters",
            "standard_errors",
            "residual_sum_of_squares",
            "residual_standard_deviation",
            "degrees_of_freedom",
            "iterations",
            "converged",
            "message"
        ]
    );
    // Linear least squares through (0,1), (1,3), (2,5), (3,7.5): a = 2.15,
    // b = 0.9, residuals (0.1, -0.05, -0.2, 0.15), RSS = 0.075 with 2 degrees
    // of freedom, s² = 0.0375; (XᵀX)⁻¹ = [[0.2, -0.3], [-0.3, 0.7]], so
    // se(a) = √(0.2·0.0375) and se(b) = √(0.7·0.0375).
    let close = |v: &serde_json::Value, x: f64| (v.as_f64().unwrap() - x).abs() < 1e-12;
    assert!(close(&json["parameters"]["a"], 2.15), "{stdout}");
    assert!(close(&json["parameters"]["b"], 0.9), "{stdout}");
    assert!(close(&json["residual_sum_of_squares"], 0.075), "{stdout}");
    assert!(close(
        &json["standard_errors"]["a"],
        (0.2f64 * 0.0375).sqrt()
    ));
    assert!(close(
        &json["standard_errors"]["b"],
        (0.7f64 * 0.0375).sqrt()
    ));
    assert!(close(
        &json["residual_standard_deviation"],
        0.0375f64.sqrt()
    ));
    assert_eq!(json["degrees_of_freedom"], 2);
    assert_eq!(json["converged"], true);
    assert!(json["message"].as_str().unwrap().starts_with("converged: "));
}

#[test]
fn the_response_can_be_an_expression_of_the_columns_and_the_model_read_from_stdin() {
    // ln(y) = ln(c) + k·x is linear in ln(c) and k: y = 2e^(0.5x) exactly gives
    // lc = ln 2 and k = 0.5 with residuals zero.
    let rows: String = (0..6)
        .map(|i| format!("{i},{}\n", 2.0 * (0.5 * i as f64).exp()))
        .collect();
    let dir = folder(&[("exp.csv", &format!("x,y\n{rows}"))]);
    let out = Command::cargo_bin("tapegrad")
        .unwrap()
        .current_dir(dir.path())
        .args([
            "fit", "-", "--data", "exp.csv", "--y", "ln(y)", "--start", "lc=0,k=1", "--json",
        ])
        .write_stdin("lc + k*x")
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!((json["parameters"]["lc"].as_f64().unwrap() - 2f64.ln()).abs() < 1e-12);
    assert!((json["parameters"]["k"].as_f64().unwrap() - 0.5).abs() < 1e-12);
}

#[test]
fn a_run_that_stops_early_says_so_with_exit_code_2() {
    let dir = folder(&[("line.csv", LINE)]);
    let args = [
        "fit",
        "a*exp(k*x)",
        "--data",
        "line.csv",
        "--start",
        "a=1,k=0",
        "--max-iterations",
        "1",
    ];
    let (code, stdout, stderr) = tapegrad(dir.path(), &args);
    // One Jacobian is not enough for this nonlinear model: not converged.
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(
        stdout.contains("converged                    no"),
        "{stdout}"
    );
    assert_eq!(
        stderr,
        "error: the fit did not converge: the iteration limit (--max-iterations 1) was reached\n"
    );
    let mut json_args = args.to_vec();
    json_args.push("--json");
    let (code, stdout, _) = tapegrad(dir.path(), &json_args);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        (code, &json["converged"]),
        (2, &serde_json::Value::Bool(false))
    );
    assert!(
        json["message"]
            .as_str()
            .unwrap()
            .starts_with("not converged: ")
    );
    assert_eq!(json["standard_errors"], serde_json::Value::Null);
}

#[test]
fn dependent_parameters_make_the_standard_errors_undefined_in_words() {
    // In a*b*x only the product a·b is determined: JᵀJ is singular.
    let dir = folder(&[("line.csv", LINE)]);
    let (code, stdout, _) = tapegrad(
        dir.path(),
        &[
            "fit",
            "a*b*x + c",
            "--data",
            "line.csv",
            "--start",
            "a=1,b=1,c=0",
        ],
    );
    assert_eq!(code, 0, "{stdout}");
    assert!(
        !stdout.contains("NaN") && !stdout.contains("inf"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "The standard errors are undefined: JᵀJ is singular: at the solution, changing `a` and `b` together leaves the model unchanged to within rounding."
        ),
        "{stdout}"
    );
    let (_, stdout, _) = tapegrad(
        dir.path(),
        &[
            "fit",
            "a*b*x + c",
            "--data",
            "line.csv",
            "--start",
            "a=1,b=1,c=0",
            "--json",
        ],
    );
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["standard_errors"], serde_json::Value::Null);
    assert!(
        json["message"]
            .as_str()
            .unwrap()
            .contains("JᵀJ is singular")
    );
}

#[test]
fn the_plot_is_an_svg_with_the_data_the_curve_and_the_residuals() {
    let dir = folder(&[("line.csv", LINE)]);
    let (code, _, stderr) = tapegrad(
        dir.path(),
        &[
            "fit", "a*x + b", "--data", "line.csv", "--start", "a=0,b=0", "--plot", "fit.svg",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let svg = std::fs::read_to_string(dir.path().join("fit.svg")).unwrap();
    assert!(svg.trim_start().starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains("fitted curve") && svg.contains("residual"));
    // Four data points above and four residuals below: eight red dots.
    assert_eq!(
        svg.matches("<circle").count(),
        4 + 4 + 1,
        "the legend's dot too"
    );
}

#[test]
fn every_bad_input_is_one_message_and_exit_code_1() {
    let dir = folder(&[
        ("line.csv", LINE),
        ("empty.csv", ""),
        ("words.csv", "x,y\n1,2\n2,two\n"),
        ("noy.csv", "x,z\n1,2\n2,3\n"),
        ("short.csv", "x,y\n1,2\n"),
        ("zero.csv", "x,y\n0,1\n1,2\n2,3\n"),
    ]);
    let d = dir.path();
    let fit = |model: &str, data: &str, start: &str| {
        error(d, &["fit", model, "--data", data, "--start", start])
    };
    // A model that is not finite at the start names the row and the node, with a caret.
    assert_eq!(
        fit("a*ln(x) + b", "zero.csv", "a=1,b=0"),
        "error: the model is not finite at the start, row 1 (line 2 of zero.csv): node %3 (ln %1 = -inf; %1 = 0.0) has a non-finite value\n  a*ln(x) + b\n    ^^^^^"
    );
    assert_eq!(
        fit("a*x + b", "noy.csv", "a=1,b=0"),
        "error: noy.csv has no column `y`, the response: name the response column y, or give --y EXPR (the columns are `x` and `z`)"
    );
    assert_eq!(
        fit("a*x + b", "words.csv", "a=1,b=0"),
        "error: words.csv: line 3, column 2 (`y`): `two` is not a number"
    );
    assert_eq!(
        fit("a*x + b + c", "short.csv", "a=1,b=0,c=0"),
        "error: short.csv has 1 row but the model has 3 parameters (`a`, `b` and `c`): a fit needs at least as many rows as parameters"
    );
    assert_eq!(
        fit("a*x + b", "line.csv", "a=1,b=0,x=2"),
        "error: `x` is a column of line.csv, so it is data, not a parameter: it takes no --start (the parameters are `a` and `b`)"
    );
    assert_eq!(
        fit("a*x + b", "empty.csv", "a=1,b=0"),
        "error: empty.csv is empty: expected a header row of column names, then rows of numbers"
    );
    assert_eq!(
        fit("a*x + b", "line.csv", "a=1"),
        "error: no starting value for the parameter `b` (not a column of line.csv): give it with --start b=VALUE"
    );
    assert_eq!(
        fit("a*x + b", "line.csv", "a=1,b=0,bb=2"),
        "error: --start gives `bb`, which is not a parameter of the model (did you mean `b`?); the parameters are `a` and `b`"
    );
    assert!(
        fit("a*x + b", "missing.csv", "a=1,b=0").starts_with("error: cannot read `missing.csv`: ")
    );
    assert_eq!(
        error(
            d,
            &[
                "fit", "a*x", "--data", "line.csv", "--start", "a=1", "--y", "ln(w)"
            ]
        ),
        "error: --y uses `w`, which is not a column of line.csv; the columns are `x` and `y`"
    );
    assert_eq!(
        fit("2*x", "line.csv", ""),
        "error: the model has no parameters: every name in it is a column of line.csv (`x` and `y`), so there is nothing to fit"
    );
}

#[test]
fn an_infinite_derivative_with_respect_to_a_column_does_not_stop_the_fit() {
    // Regression: d(a·√x)/dx is infinite at x = 0, but the fit needs only
    // d/da = √x, which is finite: a = Σ√x·y/Σx = 28.2/14 with x = 0, 1, 4, 9.
    let dir = folder(&[("sq.csv", "x,y\n0,0.1\n1,2.1\n4,3.9\n9,6.1\n")]);
    let (code, stdout, stderr) = tapegrad(
        dir.path(),
        &[
            "fit",
            "a*sqrt(x)",
            "--data",
            "sq.csv",
            "--start",
            "a=1",
            "--json",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert!((json["parameters"]["a"].as_f64().unwrap() - 28.2 / 14.0).abs() < 1e-12);
    // An infinite derivative with respect to a parameter at the start is an
    // error naming the parameter, the row and the node.
    assert_eq!(
        error(
            dir.path(),
            &["fit", "sqrt(a)*x", "--data", "sq.csv", "--start", "a=0"]
        ),
        "error: the model is not finite at the start, row 2 (line 3 of sq.csv): its derivative with respect to `a` is inf: node %2 (sqrt %0 = 0.0; %0 = 0.0) gives its input %0 the non-finite adjoint inf\n  sqrt(a)*x\n  ^^^^^^^"
    );
}

#[test]
fn exact_data_fits_with_its_residuals_computed_past_f64() {
    // y = 2x + 1 exactly: the residuals at the parameters found, computed in
    // 160-bit arithmetic from the file's text, are at most a few ulps of the
    // responses, so the sum of squares is tiny and the fit converged.
    let dir = folder(&[("exact.csv", "x,y\n0,1\n1,3\n2,5\n3,7\n")]);
    let (code, stdout, stderr) = tapegrad(
        dir.path(),
        &[
            "fit",
            "a*x + b",
            "--data",
            "exact.csv",
            "--start",
            "a=0,b=0",
            "--json",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert!((json["parameters"]["a"].as_f64().unwrap() - 2.0).abs() < 1e-14);
    assert!(
        json["residual_sum_of_squares"].as_f64().unwrap() < 1e-28,
        "{stdout}"
    );
}

#[test]
fn residuals_at_the_rounding_floor_are_not_reported_as_a_converged_fit() {
    // With a function the 160-bit evaluation does not cover (cos), the
    // residuals of exact data are zero to within f64's rounding, so no digit
    // of their sum of squares or of the standard errors is meaningful: the
    // run prints the parameters but says it cannot report a fit.
    let dir = folder(&[("exact.csv", "x,y\n0,1\n1,3\n2,5\n3,7\n")]);
    let (code, stdout, stderr) = tapegrad(
        dir.path(),
        &[
            "fit",
            "a*x + b*cos(0*x)",
            "--data",
            "exact.csv",
            "--start",
            "a=0,b=0",
            "--json",
        ],
    );
    assert_eq!(code, 2, "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert!((json["parameters"]["a"].as_f64().unwrap() - 2.0).abs() < 1e-12);
    assert_eq!(json["converged"], false);
    assert!(
        json["message"]
            .as_str()
            .unwrap()
            .contains("within a million rounding errors"),
        "{stdout}"
    );
}

#[test]
fn with_two_columns_the_plot_marks_each_rows_fitted_value() {
    // y = a·x1 + b·x2 is no curve of x1 alone: the picture marks the four
    // fitted values instead of drawing a line (4 data dots, 4 fitted
    // circles, 4 residual dots and one dot per legend entry).
    let data = "x1,x2,y\n0,1,1.1\n1,0,2.0\n1,1,3.1\n2,1,4.9\n";
    let dir = folder(&[("two.csv", data)]);
    let (code, _, stderr) = tapegrad(
        dir.path(),
        &[
            "fit",
            "a*x1 + b*x2",
            "--data",
            "two.csv",
            "--start",
            "a=1,b=1",
            "--plot",
            "two.svg",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let svg = std::fs::read_to_string(dir.path().join("two.svg")).unwrap();
    assert!(svg.contains("fitted values") && !svg.contains("fitted curve"));
    assert_eq!(svg.matches("<circle").count(), 4 + 4 + 4 + 2);
}

#[test]
fn the_largest_iteration_limit_does_not_overflow() {
    // Regression: --max-iterations 2⁶⁴ − 1 made the solver's evaluation
    // limit, (n + 1) times a multiple of it, overflow and panic.
    let dir = folder(&[("line.csv", LINE)]);
    let max = u64::MAX.to_string();
    let (code, stdout, stderr) = tapegrad(
        dir.path(),
        &[
            "fit",
            "a*x + b",
            "--data",
            "line.csv",
            "--start",
            "a=0,b=0",
            "--max-iterations",
            &max,
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("converged                    yes"),
        "{stdout}"
    );
}
