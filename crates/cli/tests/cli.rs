//! The `tapegrad` command end to end: every command, every kind of bad
//! input (exact stderr for the important ones), and the tutorial's examples
//! through the command against the examples crate's own numbers.

use std::path::Path;

use assert_cmd::Command;

/// The tutorial's linear example.
const LINEAR: &str = "x = 2*w + 3*b; y = 2*b + 1; x*y";

/// What a run of the command gave.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// Asserts success and returns stdout.
    #[track_caller]
    fn ok(self) -> String {
        assert_eq!(self.code, 0, "failed: {self:?}");
        assert_eq!(self.stderr, "", "stderr: {self:?}");
        self.stdout
    }

    /// Asserts exit code 1 (an error, not a usage error) and returns stderr.
    #[track_caller]
    fn error(self) -> String {
        assert_eq!(self.code, 1, "expected an error: {self:?}");
        assert!(self.stderr.starts_with("error: "), "{self:?}");
        assert!(self.stderr.ends_with('\n'), "{self:?}");
        assert!(!self.stderr.contains("panicked"), "{self:?}");
        self.stderr
    }
}

fn command() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tapegrad"))
}

fn tapegrad(args: &[&str]) -> Run {
    run_with(args, "")
}

fn run_with(args: &[&str], stdin: &str) -> Run {
    let output = command()
        .args(args)
        .write_stdin(stdin)
        .output()
        .expect("the command runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(output.stderr).expect("UTF-8 stderr"),
    }
}

/// Runs a worked example of the examples crate into a string.
fn example_text(name: &str) -> String {
    let mut text = Vec::new();
    let mut out = tapegrad_examples::Output::text(&mut text);
    let example = tapegrad_examples::find(name).expect("a known example");
    tapegrad_examples::run(&[example], &mut out).expect("the example runs");
    drop(out);
    String::from_utf8(text).expect("UTF-8")
}

// ----------------------------------------------------------------- grad

#[test]
fn grad_prints_value_and_partials() {
    assert_eq!(
        tapegrad(&["grad", LINEAR, "--at", "w=3,b=4"]).ok(),
        "z = 162\n∂z/∂w = 18\n∂z/∂b = 63\n"
    );
}

#[test]
fn grad_json_is_the_issue_text() {
    let out = tapegrad(&["grad", LINEAR, "--at", "w=3,b=4", "--json"]).ok();
    assert_eq!(
        out,
        "{\"value\": 162.0, \"gradient\": {\"w\": 18.0, \"b\": 63.0}}\n"
    );
    let json: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    assert_eq!(json["value"], 162.0);
    assert_eq!(json["gradient"]["w"], 18.0);
    assert_eq!(json["gradient"]["b"], 63.0);
    let keys: Vec<&String> = json["gradient"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["w", "b"]);
}

#[test]
fn grad_json_with_hessian() {
    let out = tapegrad(&["grad", LINEAR, "--at", "w=3,b=4", "--json", "--order", "2"]).ok();
    assert_eq!(
        out,
        concat!(
            r#"{"value": 162.0, "gradient": {"w": 18.0, "b": 63.0}, "#,
            r#""hessian": {"w": {"w": 0.0, "b": 4.0}, "b": {"w": 4.0, "b": 12.0}}}"#,
            "\n"
        )
    );
    let json: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    assert_eq!(json["hessian"]["b"]["b"], 12.0);
    let rows: Vec<&String> = json["hessian"].as_object().unwrap().keys().collect();
    assert_eq!(rows, ["w", "b"]);
}

#[test]
fn grad_json_follows_wrt_order_and_writes_fractions() {
    let out = tapegrad(&["grad", "x^y", "--at", "x=2,y=3", "--wrt", "y,x", "--json"]).ok();
    let json: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    let keys: Vec<&String> = json["gradient"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["y", "x"]);
    assert_eq!(json["gradient"]["y"], 8.0 * 2f64.ln());
    assert_eq!(
        out,
        "{\"value\": 8.0, \"gradient\": {\"y\": 5.545177444479562, \"x\": 12.0}}\n"
    );
}

#[test]
fn grad_hessian_text() {
    assert_eq!(
        tapegrad(&["grad", "x^y", "--at", "x=2,y=3", "--order", "2"]).ok(),
        "z = 8\n∂z/∂x = 12\n∂z/∂y = 5.545177444479562\n\
         ∂²z/∂x² = 12\n∂²z/∂x∂y = 12.317766166719343\n∂²z/∂y² = 3.843624111345611\n"
    );
}

#[test]
fn grad_matches_the_engines_hessian() {
    let h = tapegrad::hessian(|_, v| v[0] * v[0] + v[1].sin().powi(2), &[3.0, 1.0]).unwrap();
    let out = tapegrad(&[
        "grad",
        "x^2 + sin(y)^2",
        "--at",
        "x=3,y=1",
        "--order",
        "2",
        "--json",
    ])
    .ok();
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    // Builds may differ in the last bit of `sin`, so compare to rounding.
    let close =
        |v: &serde_json::Value, x: f64| (v.as_f64().unwrap() - x).abs() <= 1e-14 * x.abs().max(1.0);
    assert!(close(&json["value"], h.value), "{out}");
    assert!(close(&json["gradient"]["x"], h.gradient[0]), "{out}");
    assert!(close(&json["gradient"]["y"], h.gradient[1]), "{out}");
    for (i, a) in ["x", "y"].iter().enumerate() {
        for (j, b) in ["x", "y"].iter().enumerate() {
            assert!(
                close(&json["hessian"][a][b], h.matrix[i][j]),
                "{a}{b}: {out}"
            );
        }
    }
}

#[test]
fn grad_wrt_chooses_names_bindings_included() {
    assert_eq!(
        tapegrad(&[
            "grad", LINEAR, "--at", "w=3", "--at", "b=4", "--wrt", "x,y", "--wrt", "b"
        ])
        .ok(),
        "z = 162\n∂z/∂x = 9\n∂z/∂y = 18\n∂z/∂b = 63\n"
    );
}

#[test]
fn grad_of_a_named_output_uses_its_name() {
    assert_eq!(
        tapegrad(&["grad", "A = sigmoid(w*x + b); A", "--at", "w=0,x=1,b=0"]).ok(),
        "A = 0.5\n∂A/∂w = 0.25\n∂A/∂x = 0\n∂A/∂b = 0.25\n"
    );
    // An input called `z` moves the default label.
    assert_eq!(
        tapegrad(&["grad", "z*2", "--at", "z=1"]).ok(),
        "f = 2\n∂f/∂z = 2\n"
    );
}

#[test]
fn grad_text_dump() {
    let out = tapegrad(&["grad", LINEAR, "--at", "w=3,b=4", "--text"]).ok();
    assert_eq!(
        out,
        "z = 162\n∂z/∂w = 18\n∂z/∂b = 63\n\n\
         ; 8 nodes, output %7, adjoints of %7\n\
         %0 `w` = var = 3 ; adjoint 18\n\
         %1 `b` = var = 4 ; adjoint 63\n\
         %2 = mul %0, 2 = 6 ; adjoint 9 ; partials %0: 2\n\
         %3 = mul %1, 3 = 12 ; adjoint 9 ; partials %1: 3\n\
         %4 `x` = add %2, %3 = 18 ; adjoint 9 ; partials %2: 1, %3: 1\n\
         %5 = mul %1, 2 = 8 ; adjoint 18 ; partials %1: 2\n\
         %6 `y` = add %5, 1 = 9 ; adjoint 18 ; partials %5: 1\n\
         %7 `z` = mul %4, %6 = 162 ; adjoint 1 ; partials %4: 9, %6: 18\n"
    );
}

#[test]
fn grad_text_dump_of_order_two_shows_the_gradient_graph() {
    let out = tapegrad(&["grad", LINEAR, "--at", "w=3,b=4", "--order", "2", "--text"]).ok();
    assert!(out.contains("; 12 nodes, outputs %7, %8, %11\n"), "{out}");
    assert!(
        out.contains("%8 `∂z/∂w` = mul %6, 2 = 18 ; backward\n"),
        "{out}"
    );
    assert!(
        out.contains("%11 `∂z/∂b` = add %9, %10 = 63 ; backward\n"),
        "{out}"
    );
}

#[test]
fn grad_writes_dot_and_svg() {
    let dir = tempfile::tempdir().unwrap();
    let dot = dir.path().join("graph.dot");
    let svg = dir.path().join("graph.svg");
    let out = tapegrad(&[
        "grad",
        LINEAR,
        "--at",
        "w=3,b=4",
        "--dot",
        dot.to_str().unwrap(),
        "--svg",
        svg.to_str().unwrap(),
    ])
    .ok();
    assert_eq!(out, "z = 162\n∂z/∂w = 18\n∂z/∂b = 63\n");
    let dot = std::fs::read_to_string(dot).unwrap();
    assert!(dot.starts_with("digraph tapegrad {"), "{dot}");
    assert!(dot.contains(r#"label = "w = 3\nvar\n∂z/∂w = 18""#), "{dot}");
    assert!(dot.contains(r#"label = "∂z/∂x = 9""#), "{dot}");
    let svg = std::fs::read_to_string(svg).unwrap();
    assert!(svg.starts_with("<?xml"), "{svg}");
    // Left to right, the picture breaks the adjoint line before its ` = `.
    assert!(svg.contains(">∂z/∂b</tspan>"), "{svg}");
    assert!(svg.contains(">= 63</tspan>"), "{svg}");
}

#[test]
fn grad_pictures_take_named_direction_and_digits() {
    let dir = tempfile::tempdir().unwrap();
    let dot = dir.path().join("graph.dot");
    let path = dot.to_str().unwrap();
    // z = sin(w)·b at w = 1, b = 4: ∂z/∂w = b·cos 1 = 2.161209223472559
    let expression = "z = sin(w)*b; z";
    let at = ["--at", "w=1,b=4"];
    let picture = |extra: &[&str]| {
        let mut args = vec!["grad", expression, at[0], at[1], "--dot", path];
        args.extend_from_slice(extra);
        tapegrad(&args).ok();
        std::fs::read_to_string(&dot).unwrap()
    };
    // By default 4 significant digits, left to right, every node.
    let default = picture(&[]);
    assert!(default.contains(r#"∂z/∂w = 2.161""#), "{default}");
    assert!(default.contains(r#"rankdir="LR""#), "{default}");
    assert!(default.contains("sin"), "{default}");
    let exact = picture(&["--digits", "17"]);
    assert!(exact.contains("∂z/∂w = 2.161209223472559"), "{exact}");
    let two = picture(&["--digits", "2", "--direction", "tb"]);
    assert!(two.contains(r#"∂z/∂w = 2.2""#), "{two}");
    assert!(two.contains(r#"rankdir="TB""#), "{two}");
    // --named folds the unnamed sin into z's expression: three nodes.
    let named = picture(&["--named"]);
    assert_eq!(
        named.matches("label = \"").count() - named.matches(" -> ").count(),
        3,
        "{named}"
    );
    assert!(named.contains("mul(sin(w), b)"), "{named}");
    // Out of range digits are a usage error.
    let bad = tapegrad(&["grad", expression, at[0], at[1], "--digits", "0"]);
    assert_eq!(bad.code, 2, "{bad:?}");
}

#[test]
fn picture_paths_must_end_in_svg() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("graph.png");
    let err = tapegrad(&[
        "grad",
        LINEAR,
        "--at",
        "w=3,b=4",
        "--svg",
        png.to_str().unwrap(),
    ])
    .error();
    assert!(
        err.contains("--svg writes an SVG picture, so its file name must end in .svg"),
        "{err}"
    );
    assert!(err.contains("graph.png"), "{err}");
    assert!(!png.exists(), "nothing is written under the wrong name");
    let err = tapegrad(&[
        "descend",
        "x^2",
        "--from",
        "x=1",
        "--plot",
        png.to_str().unwrap(),
    ])
    .error();
    assert!(err.contains("--plot writes an SVG picture"), "{err}");
    assert!(!png.exists());
    // Any case of .svg is fine.
    let upper = dir.path().join("GRAPH.SVG");
    tapegrad(&[
        "grad",
        LINEAR,
        "--at",
        "w=3,b=4",
        "--svg",
        upper.to_str().unwrap(),
    ])
    .ok();
    assert!(upper.exists());
}

#[test]
fn grad_writes_a_backprop_page_and_wants_html_names() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("backprop.html");
    let out = tapegrad(&[
        "grad",
        LINEAR,
        "--at",
        "w=3,b=4",
        "--named",
        "--html",
        page.to_str().unwrap(),
    ])
    .ok();
    assert_eq!(out, "z = 162\n∂z/∂w = 18\n∂z/∂b = 63\n");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    // The picture inline, and the engine's ∂z/∂b = 2·18 + 3·9 in the data.
    assert!(html.contains("<g id=\"node1\""), "{html}");
    assert!(html.contains("\"ref\":\"b\""), "{html}");
    assert!(html.contains("\"adjoint\":63"), "{html}");
    let txt = dir.path().join("backprop.txt");
    let err = tapegrad(&[
        "grad",
        LINEAR,
        "--at",
        "w=3,b=4",
        "--html",
        txt.to_str().unwrap(),
    ])
    .error();
    assert!(
        err.contains("--html writes a web page, so its file name must end in .html"),
        "{err}"
    );
    assert!(!txt.exists(), "nothing is written under the wrong name");
}

#[test]
fn grad_reads_stdin_and_files() {
    let expected = "z = 162\n∂z/∂w = 18\n∂z/∂b = 63\n";
    let multi_line = "x = 2*w + 3*b\ny = 2*b + 1\nx*y\n";
    assert_eq!(
        run_with(&["grad", "-", "--at", "w=3,b=4"], multi_line).ok(),
        expected
    );
    assert_eq!(
        run_with(&["grad", "--file", "-", "--at", "w=3,b=4"], multi_line).ok(),
        expected
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("model.txt");
    std::fs::write(&file, multi_line).unwrap();
    assert_eq!(
        tapegrad(&["grad", "-f", file.to_str().unwrap(), "--at", "w=3,b=4"]).ok(),
        expected
    );
}

#[test]
fn grad_takes_an_expression_that_starts_with_a_minus() {
    assert_eq!(
        tapegrad(&["grad", "-x^2", "--at", "x=3"]).ok(),
        "z = -9\n∂z/∂x = -6\n"
    );
    assert_eq!(
        tapegrad(&["grad", "--at", "x=-3", "--", "-x^2"]).ok(),
        "z = -9\n∂z/∂x = 6\n"
    );
}

#[test]
fn grad_powers_pick_the_engines_op() {
    // Constant integer exponent, real exponent, variable exponent, constant base.
    let dump = tapegrad(&["grad", "x^3 + x^0.5 + x^x + 2^x", "--at", "x=4", "--text"]).ok();
    assert!(dump.contains("= powi %0, 3 = 64"), "{dump}");
    assert!(dump.contains("= powf %0, 0.5 = 2"), "{dump}");
    assert!(dump.contains("= pow %0, %0 = 256"), "{dump}");
    assert!(dump.contains("= pow 2, %0 = 16"), "{dump}");
    // Numbers fold: 2*3 is one constant, 6.
    let dump = tapegrad(&["grad", "2*3*x", "--at", "x=1", "--text"]).ok();
    assert!(dump.contains("`z` = mul %0, 6 = 6"), "{dump}");
}

#[test]
fn grad_of_a_constant_expression() {
    assert_eq!(tapegrad(&["grad", "2^10"]).ok(), "z = 1024\n");
    assert_eq!(
        tapegrad(&["grad", "2^10", "--json"]).ok(),
        "{\"value\": 1024.0, \"gradient\": {}}\n"
    );
}

#[test]
fn grad_handles_deep_expressions() {
    // The parser's limit is 10 000 levels: a sum of 10 001 terms has 10 000.
    let terms = vec!["x"; 10_001].join("+");
    assert_eq!(
        run_with(&["grad", "-", "--at", "x=0.5"], &terms).ok(),
        "z = 5000.5\n∂z/∂x = 10001\n"
    );
    let nested = format!("{}x{}", "sin(".repeat(10_000), ")".repeat(10_000));
    let out = run_with(&["grad", "-", "--at", "x=0.5"], &nested).ok();
    assert!(out.starts_with("z = 0.017"), "{out}");
    let too_deep = vec!["x"; 10_002].join("+");
    let stderr = run_with(&["grad", "-", "--at", "x=0.5"], &too_deep).error();
    assert!(
        stderr.starts_with(
            "error: expression too deep: more than 10000 levels of operators and calls\n  …+x+x"
        ),
        "{stderr}"
    );
    // The quoted line is cut to a window around the caret.
    assert!(stderr.lines().all(|l| l.chars().count() < 110), "{stderr}");
}

// ------------------------------------------------------------ bad input

#[test]
fn parse_error_has_a_caret() {
    assert_eq!(
        tapegrad(&["grad", "x*y*", "--at", "x=1,y=2"]).error(),
        "error: expected an expression after `*`\n  x*y*\n      ^\n"
    );
    assert_eq!(
        tapegrad(&["grad", "2*(x + y", "--at", "x=1,y=2"]).error(),
        "error: unclosed `(`: expected a matching `)`\n  2*(x + y\n    ^\n"
    );
    assert_eq!(
        run_with(&["grad", "-", "--at", "w=1"], "x = 2*w\ny = x +\nx*y\n").error(),
        "error: expected an expression after `+`\n  2 | y = x +\n    |        ^\n"
    );
}

#[test]
fn unknown_function_is_named_with_a_suggestion() {
    assert_eq!(
        tapegrad(&["grad", "sni(x)", "--at", "x=1"]).error(),
        "error: unknown function `sni` (did you mean `sin`?)\n  sni(x)\n  ^^^\n"
    );
    assert_eq!(
        tapegrad(&["grad", "foo(x)", "--at", "x=1"]).error(),
        format!(
            "error: unknown function `foo`: expected one of {}\n  foo(x)\n  ^^^\n",
            function_names()
        )
    );
}

/// Every function's name, in the order the CLI's list has them (from the engine's op table).
fn function_names() -> String {
    let names: Vec<&str> = tapegrad_cli::expr::Func::ALL
        .iter()
        .map(|f| f.name())
        .collect();
    names.join(", ")
}

#[test]
fn unknown_variable_is_named_with_a_suggestion() {
    assert_eq!(
        tapegrad(&["grad", "rate*x", "--at", "rat=1,x=2"]).error(),
        "error: the expression has no variable `rat` (did you mean `rate`?); its variables are `rate` and `x`\n"
    );
    assert_eq!(
        tapegrad(&["grad", "w*x + b", "--at", "w=1,x=2,b=3,q=4"]).error(),
        "error: the expression has no variable `q`; its variables are `w`, `x` and `b`\n"
    );
    assert_eq!(
        tapegrad(&["grad", "w*x", "--at", "W=1,x=2"]).error(),
        "error: the expression has no variable `W` (did you mean `w`?); its variables are `w` and `x`\n"
    );
    assert_eq!(
        tapegrad(&["grad", "rate*x", "--at", "rate=1,x=2", "--wrt", "rat"]).error(),
        "error: the expression has no variable `rat` (did you mean `rate`?); its variables are `rate` and `x`\n"
    );
    assert_eq!(
        tapegrad(&["grad", "2+3", "--at", "x=1"]).error(),
        "error: the expression has no variable `x`: it has no variables at all\n"
    );
}

#[test]
fn a_variable_without_a_value_names_itself() {
    assert_eq!(
        tapegrad(&["grad", LINEAR, "--at", "w=3"]).error(),
        "error: no value for `b`: give it with --at b=VALUE\n"
    );
    assert_eq!(
        tapegrad(&["grad", "a*b*c"]).error(),
        "error: no value for `a`, `b` and `c`: give them with --at a=VALUE,b=VALUE,c=VALUE\n"
    );
    assert_eq!(
        tapegrad(&["descend", "x^2 + y^2", "--from", "x=1"]).error(),
        "error: no value for `y`: give it with --from y=VALUE\n"
    );
}

#[test]
fn a_name_close_to_a_binding_is_taken_for_a_typo() {
    assert_eq!(
        tapegrad(&["grad", "total = 2*x; 3*totl", "--at", "x=1"]).error(),
        "error: no value for `totl` (did you mean `total`, which is bound above?): give it with --at totl=VALUE\n"
    );
}

#[test]
fn a_huge_identifier_is_cut_in_errors() {
    // A 1 MiB name is quoted by its first 40 characters, an ellipsis and
    // its length, once per mention: the message stays a line, not a mebibyte.
    let name = "a".repeat(1 << 20);
    let cut = format!("`{}…` (1048576 characters)", "a".repeat(40));
    assert_eq!(
        run_with(&["grad", "-", "--at", "x=1"], &format!("{name} + x")).error(),
        format!(
            "error: no value for {cut}: give it with --at {}…=VALUE\n",
            "a".repeat(40)
        )
    );
    // Parse errors name it the same way; the quoted line is already a window.
    for (source, first_line) in [
        (
            format!("{name} = 1; {name} = 2; x"),
            format!("error: {cut} is already bound"),
        ),
        (
            format!("{name} = {name}; x"),
            format!("error: {cut} is used in its own binding"),
        ),
        (
            format!("{name} = x"),
            format!(
                "error: expected an output expression after the binding of {cut}, for example `; {}…`",
                "a".repeat(40)
            ),
        ),
        (
            format!("{name}(x)"),
            format!(
                "error: unknown function {cut}: expected one of {}",
                function_names()
            ),
        ),
    ] {
        let stderr = run_with(&["grad", "-", "--at", "x=1"], &source).error();
        assert_eq!(stderr.lines().next(), Some(first_line.as_str()));
        assert!(stderr.len() < 1000, "{} bytes", stderr.len());
    }
}

#[test]
fn long_text_from_the_command_line_is_cut_in_errors() {
    // The command line allows arguments of up to 128 KiB; 100 000
    // characters of a name or a value are cut as in the expression.
    let long = "b".repeat(100_000);
    let cut = format!("`{}…` (100000 characters)", "b".repeat(40));
    assert_eq!(
        tapegrad(&["grad", "x", "--at", &format!("{long}=1")]).error(),
        format!("error: the expression has no variable {cut}; its variables are `x`\n")
    );
    assert_eq!(
        tapegrad(&["grad", "x", "--at", &format!("x={long}")]).error(),
        format!("error: the value of `x` is not a number: {cut}\n")
    );
    assert_eq!(
        tapegrad(&["grad", "x", "--at", "x=1", "--wrt", &long]).error(),
        format!("error: the expression has no variable {cut}; its variables are `x`\n")
    );
    assert_eq!(
        tapegrad(&["examples", &long]).error(),
        format!(
            "error: unknown example {cut}; the examples are: neuron, linear, chain, descent-1d, descent-2d, learning-rate, loss, iris-neuron, iris-mlp, moons\n"
        )
    );
}

#[test]
fn a_long_constant_is_cut_in_errors() {
    // (1+1+…+1)/0 with 5000 ones is infinite; the message quotes the
    // start of the constant as written and its length, not all of it.
    let ones = vec!["1"; 5000].join("+");
    let constant = format!("({ones})/0");
    let stderr = run_with(&["grad", "-", "--at", "x=1"], &format!("x*({constant})")).error();
    assert_eq!(
        stderr.lines().next(),
        Some(
            format!(
                "error: this constant is infinite: `{}…` ({} characters) = inf",
                &constant[..40],
                constant.len()
            )
            .as_str()
        )
    );
    assert!(stderr.len() < 1000, "{} bytes", stderr.len());
}

#[test]
fn a_long_list_of_names_is_cut_in_errors() {
    // 1000 inputs without values: the message lists the first 10 and counts the rest.
    let source: Vec<String> = (0..1000).map(|i| format!("x{i}")).collect();
    let names: Vec<String> = (0..10).map(|i| format!("`x{i}`")).collect();
    let example: Vec<String> = (0..10).map(|i| format!("x{i}=VALUE")).collect();
    assert_eq!(
        run_with(&["grad", "-"], &source.join("+")).error(),
        format!(
            "error: no value for {} and 990 more: give them with --at {},…\n",
            names.join(", "),
            example.join(",")
        )
    );
}

#[test]
fn a_value_that_is_not_a_number_is_named() {
    assert_eq!(
        tapegrad(&["grad", "x*y", "--at", "x=1,y=abc"]).error(),
        "error: the value of `y` is not a number: `abc`\n"
    );
    assert_eq!(
        tapegrad(&["grad", "x", "--at", "x=inf"]).error(),
        "error: the value of `x` must be a finite number, not `inf`\n"
    );
    assert_eq!(
        tapegrad(&["grad", "x", "--at", "x="]).error(),
        "error: `x` has no value after `=`\n"
    );
    assert_eq!(
        tapegrad(&["grad", "x", "--at", "x"]).error(),
        "error: `--at x` is not NAME=VALUE: write it like `--at x=1.5`\n"
    );
    assert_eq!(
        tapegrad(&["grad", "x", "--at", "x=1,x=2"]).error(),
        "error: `x` is given two values with --at\n"
    );
    assert_eq!(
        tapegrad(&["grad", "k = 2; k*x", "--at", "x=1,k=3"]).error(),
        "error: `k` is bound in the expression, so it cannot be given a value with --at\n"
    );
    // Flags that clap reads name the flag and the value (a usage error, exit 2).
    let run = tapegrad(&["descend", "x^2", "--from", "x=1", "--eta", "fast"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .starts_with("error: invalid value 'fast' for '--eta <ETA>'"),
        "{run:?}"
    );
}

#[test]
fn a_non_finite_result_names_the_op() {
    assert_eq!(
        tapegrad(&["grad", "ln(x)", "--at", "x=-1"]).error(),
        "error: node %1 `z` (ln %0 = NaN; %0 = -1.0) has a non-finite value\n  ln(x)\n  ^^^^^\n"
    );
    assert_eq!(
        tapegrad(&["grad", "a = x*x; b = a - 4; sqrt(b) + x", "--at", "x=2"]).error(),
        "error: node %3 (sqrt %2 = 0.0; %2 = 0.0) gives its input %2 the non-finite adjoint inf\n  a = x*x; b = a - 4; sqrt(b) + x\n                      ^^^^^^^\n"
    );
    assert_eq!(
        tapegrad(&["grad", "x/y", "--at", "x=1,y=0", "--json"]).error(),
        "error: node %2 `z` (div %0, %1 = inf; %0 = 1.0, %1 = 0.0) has a non-finite value\n  x/y\n  ^^^\n"
    );
}

/// The last two lines of an error with a caret: the source line and the caret line.
fn caret_lines(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(lines.len() >= 3, "no caret in {stderr:?}");
    lines[lines.len() - 2..].join("\n")
}

#[test]
fn a_caret_covers_a_parenthesised_operand_whole() {
    // The parser keeps no node for parentheses, but an operation's span runs
    // over its operands as written: for `(-2)^x` the power is the whole
    // `(-2)^x` (d/dx (-2)^x = ln(-2)·(-2)^x is NaN), not `-2)^x`.
    let run = tapegrad(&["grad", "(-2)^x", "--at", "x=1"]).error();
    assert_eq!(caret_lines(&run), "  (-2)^x\n  ^^^^^^");
    // (a+b)/0 is infinite: the division is all of `(a+b)/0`.
    let run = tapegrad(&["grad", "(a+b)/0", "--at", "a=1,b=1"]).error();
    assert_eq!(caret_lines(&run), "  (a+b)/0\n  ^^^^^^^");
    // x/(x-1) at x = 1 divides by 0: the caret ends at the closing `)`.
    let run = tapegrad(&["grad", "x/(x-1)", "--at", "x=1"]).error();
    assert_eq!(caret_lines(&run), "  x/(x-1)\n  ^^^^^^^");
    // A call already spans its parentheses: ln((x-1)) at x = 1 is -inf.
    let run = tapegrad(&["grad", "ln((x-1))", "--at", "x=1"]).error();
    assert_eq!(caret_lines(&run), "  ln((x-1))\n  ^^^^^^^^^");
    // A folded constant is quoted and underlined as written, parentheses
    // and all: 1e308·10 overflows to inf.
    assert_eq!(
        tapegrad(&["grad", "x * ((1e308)*(10))", "--at", "x=1"]).error(),
        "error: this constant is infinite: `(1e308)*(10)` = inf\n  x * ((1e308)*(10))\n       ^^^^^^^^^^^^\n"
    );
}

#[test]
fn a_non_finite_constant_is_shown() {
    assert_eq!(
        tapegrad(&["grad", "x + ln(0)", "--at", "x=1"]).error(),
        "error: this constant is infinite: `ln(0)` = -inf\n  x + ln(0)\n      ^^^^^\n"
    );
    assert_eq!(
        tapegrad(&["grad", "x * (0/0)", "--at", "x=1"]).error(),
        "error: this constant is not a number: `0/0` = NaN\n  x * (0/0)\n       ^^^\n"
    );
}

#[test]
fn empty_and_unreadable_input() {
    assert_eq!(
        run_with(&["grad", "-"], "\n").error(),
        "error: empty input: expected an expression\n  \n  ^\n"
    );
    let stderr = tapegrad(&["grad", "-f", "/nonexistent/model.txt"]).error();
    assert!(
        stderr.starts_with("error: cannot read `/nonexistent/model.txt`: "),
        "{stderr}"
    );
    let run = tapegrad(&["grad"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("<EXPR|--file <FILE>>"), "{run:?}");
}

#[test]
fn wrt_mistakes() {
    assert_eq!(
        tapegrad(&["grad", "x*y", "--at", "x=1,y=2", "--wrt", "x,x"]).error(),
        "error: `x` is given twice with --wrt\n"
    );
    assert_eq!(
        tapegrad(&["grad", "k = 2; k*x", "--at", "x=1", "--wrt", "k"]).error(),
        "error: `k` is the constant 2: nothing depends on it as a variable\n"
    );
    assert_eq!(
        tapegrad(&[
            "grad",
            "y = x*x; y",
            "--at",
            "x=1",
            "--wrt",
            "y",
            "--order",
            "2"
        ])
        .error(),
        "error: --order 2 differentiates with respect to inputs only, and `y` is bound in the expression; the inputs are `x`\n"
    );
    assert_eq!(
        tapegrad(&[
            "solve", LINEAR, "--target", "150", "--from", "w=3,b=4", "--wrt", "x"
        ])
        .error(),
        "error: `x` is bound in the expression: --wrt takes inputs only; the inputs are `w` and `b`\n"
    );
}

#[test]
fn usage_errors_exit_with_2() {
    for args in [
        &["grad", "x", "--at", "x=1", "--order", "3"][..],
        &["grad", "x", "--at", "x=1", "--json", "--text"],
        &["solve", "x", "--from", "x=1"],
        &["frobnicate"],
    ] {
        let run = tapegrad(args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(run.stderr.starts_with("error: "), "{run:?}");
    }
}

#[test]
fn unwritable_outputs_are_named() {
    assert_eq!(
        tapegrad(&["grad", "x", "--at", "x=1", "--dot", "/nonexistent/g.dot"]).error(),
        "error: cannot write `/nonexistent/g.dot`: No such file or directory (os error 2)\n"
    );
    assert_eq!(
        tapegrad(&[
            "descend",
            "x^2",
            "--from",
            "x=1",
            "--until",
            "0.5",
            "--plot",
            "/nonexistent/p.svg"
        ])
        .error(),
        "error: cannot write `/nonexistent/p.svg`: No such file or directory (os error 2)\n"
    );
}

#[test]
fn odd_inputs_never_panic() {
    for source in [
        "",
        ";",
        "\n\n",
        "(",
        ")",
        "x =",
        "= x",
        "max(x)",
        "min(x, y, z)",
        "x^^2",
        "1e",
        "1.2.3",
        "∂x",
        "x = x",
        "ln = 2; ln",
        "\u{0}",
        "x\ty",
        "((((((((((",
        "2e308",
        ".5e-3 * x",
        "x^1e10",
        "x^-2147483649",
        "0^x",
        "relu(x)^0",
        "max(x, 0/0)",
    ] {
        for command in [
            &["grad", "-", "--at", "x=1"][..],
            &["grad", "-", "--at", "x=0", "--order", "2", "--json"],
            &["solve", "-", "--target", "1", "--from", "x=1"],
            &["descend", "-", "--from", "x=1", "--max-steps", "20"],
        ] {
            let run = run_with(command, source);
            assert!(
                !run.stderr.contains("panicked") && (run.code == 0 || run.code == 1),
                "{source:?} {command:?}: {run:?}"
            );
        }
    }
}

// -------------------------------------------------------------- descend

#[test]
fn descend_prints_table_2_3_as_the_examples_crate() {
    let out = tapegrad(&[
        "descend",
        "x^2 + sin(y)^2",
        "--from",
        "x=3,y=1",
        "--eta",
        "0.1",
        "--until",
        "0.01",
        "--max-steps",
        "1000",
    ])
    .ok();
    let example = example_text("descent-2d");
    // The example prints a title line first, then the same table; its
    // summary rounds J to the table's six decimals, as the tutorial does,
    // where the command gives J exactly (checked below).
    let table: Vec<&str> = example.lines().skip(2).collect();
    let printed: Vec<&str> = out.lines().collect();
    assert_eq!(printed.len(), table.len());
    assert_eq!(printed[..printed.len() - 1], table[..table.len() - 1]);
    // And the numbers are the library's.
    let points = tapegrad_examples::descent::two_variables([3.0, 1.0], 0.1, 0.01);
    let rows: Vec<&str> = out.lines().skip(1).take(points.len()).collect();
    for (row, p) in rows.iter().zip(&points) {
        let cells: Vec<f64> = row
            .split_whitespace()
            .skip(1)
            .map(|c| c.parse().unwrap())
            .collect();
        assert_eq!(
            cells,
            [p.x, p.y, p.j].map(|v| format!("{v:.6}").parse::<f64>().unwrap())
        );
    }
    // The summary gives the last J as the shortest decimal that reads back
    // as it, the form of the threshold 0.01.
    let last = points.last().unwrap().j;
    assert!(last < 0.01);
    assert_eq!(
        out.lines().last(),
        Some(
            format!(
                "J = {} < 0.01 after {} steps, at point {}",
                tapegrad::graph::format_number(last),
                points.len() - 1,
                points.len()
            )
            .as_str()
        )
    );
}

#[test]
fn descend_one_variable_matches_the_examples_crate() {
    let out = tapegrad(&[
        "descend", "x^2", "--from", "x=1.2", "--eta", "0.3", "--until", "0.001",
    ])
    .ok();
    let path = tapegrad_examples::descent::one_variable(1.2, 0.3, 1e-3);
    let mut expected = vec![format!("{:>4} {:>9} {:>9}", "n", "x", "J(x)")];
    for (n, (x, j)) in path.iter().enumerate() {
        expected.push(format!("{:>4} {x:>9.6} {j:>9.6}", n + 1));
    }
    // The table's last J, 0.000944, keeps six decimals (three significant
    // digits); the summary gives it exactly.
    expected.push(format!(
        "J = {} < 0.001 after {} steps, at point {}",
        tapegrad::graph::format_number(path.last().unwrap().1),
        path.len() - 1,
        path.len()
    ));
    assert_eq!(out, expected.join("\n") + "\n");
}

#[test]
fn descend_learning_rates_match_table_2_5() {
    for eta in tapegrad_examples::learning_rate::RATES {
        let out = tapegrad(&[
            "descend",
            "(x - 1)^2 + 0.1",
            "--from",
            "x=-0.8",
            "--eta",
            &eta.to_string(),
            "--max-steps",
            &(tapegrad_examples::learning_rate::POINTS - 1).to_string(),
        ])
        .ok();
        let rows: Vec<(String, String)> = out
            .lines()
            .skip(1)
            .take(tapegrad_examples::learning_rate::POINTS)
            .map(|l| {
                let cells: Vec<&str> = l.split_whitespace().collect();
                (cells[1].to_string(), cells[2].to_string())
            })
            .collect();
        let expected: Vec<(String, String)> = tapegrad_examples::learning_rate::trajectory(eta)
            .iter()
            .map(|(x, j)| (format!("{x:.6}"), format!("{j:.6}")))
            .collect();
        assert_eq!(rows, expected, "η = {eta}");
        assert!(out.contains("\nstopped after 9 steps: J = "), "{out}");
    }
}

#[test]
fn descend_moves_only_wrt() {
    let out = tapegrad(&[
        "descend",
        "(a*2 + b - 5)^2",
        "--from",
        "a=0,b=1",
        "--wrt",
        "a",
        "--max-steps",
        "2",
        "--eta",
        "0.05",
    ])
    .ok();
    assert_eq!(
        out,
        "   n         a      J(a)\n   1  0.000000 16.000000\n   2  0.800000  5.760000\n   3  1.280000  2.073600\nstopped after 2 steps: J = 2.0736 at point 3\n"
    );
}

#[test]
fn descend_replays_across_a_kink_with_the_numbers_of_fresh_recordings() {
    // J = x² + relu(x - 1): dJ/dx = 2x + 1 above 1, 2x below, so from 1.2
    // x goes 1.2 - 0.3·3.4 = 0.18, then 0.18 - 0.3·0.36 = 0.072 (the relu
    // is re-evaluated at each point, not frozen at the first).
    let out = tapegrad(&[
        "descend",
        "x^2 + relu(x - 1)",
        "--from",
        "x=1.2",
        "--eta",
        "0.3",
        "--max-steps",
        "2",
    ])
    .ok();
    assert_eq!(
        out,
        "   n         x      J(x)\n   1  1.200000  1.640000\n   2  0.180000  0.032400\n   3  0.072000  0.005184\nstopped after 2 steps: J = 0.005183999999999998 at point 3\n"
    );
}

#[test]
fn descend_reports_divergence() {
    let run = tapegrad(&["descend", "x^2", "--from", "x=1", "--eta", "1.5"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        run.stderr,
        "error: diverged: J grew at each of the last 10 steps, to 1048576 at point 11 (from 1 at point 1); try a smaller --eta\n"
    );
    assert!(run.stdout.starts_with("   n"), "{run:?}");
    assert!(
        run.stdout.contains("  11 1024.000000 1048576.000000\n"),
        "{run:?}"
    );

    let run = tapegrad(&["descend", "ln(x)", "--from", "x=1", "--eta", "1"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        run.stderr,
        "error: diverged at point 2: node %1 `J` (ln %0 = -inf; %0 = 0.0) has a non-finite value\n  ln(x)\n  ^^^^^\n"
    );
}

#[test]
fn descend_stops_at_max_steps() {
    assert_eq!(
        tapegrad(&[
            "descend",
            "x^2",
            "--from",
            "x=1",
            "--eta",
            "0.25",
            "--max-steps",
            "2",
            "--until",
            "0.001"
        ])
        .ok(),
        "   n         x      J(x)\n   1  1.000000  1.000000\n   2  0.500000  0.250000\n   3  0.250000  0.062500\nstopped after 2 steps: J = 0.0625 at point 3, not below 0.001\n"
    );
}

#[test]
fn descend_prints_a_small_loss_with_the_digits_its_comparison_needs() {
    // x² from 1 with η = 0.001: x ← x − 0.002x, so J = x² shrinks by
    // 0.998² a step and first goes below 1e-6 after about
    // ln(1e-6) / (2 ln 0.998) ≈ 3450 steps, by less than 0.4% a step.
    // Six decimals would print the last hundreds of rows as `0.000001` and
    // end with `J = 0.000001 < 1e-6`; the loss column keeps seven
    // significant digits below 1e-4, and the summary gives J exactly.
    let out = tapegrad(&[
        "descend",
        "x^2",
        "--from",
        "x=1",
        "--eta",
        "0.001",
        "--until",
        "1e-6",
        "--max-steps",
        "10000",
    ])
    .ok();
    let lines: Vec<&str> = out.lines().collect();
    let summary = lines.last().unwrap();
    let rest = summary.strip_prefix("J = ").expect(summary);
    let (j, rest) = rest.split_once(" < ").unwrap();
    assert!(rest.starts_with("1e-6 after "), "{summary}");
    let j: f64 = j.parse().unwrap();
    assert!(j < 1e-6, "{summary}");
    // The same descent in f64, for the rows' losses.
    let mut x = 1.0f64;
    let mut expected = Vec::new();
    loop {
        let loss = x * x;
        expected.push(loss);
        if loss < 1e-6 {
            break;
        }
        x -= 0.001 * (2.0 * x);
    }
    assert_eq!(j, *expected.last().unwrap());
    let cells: Vec<&str> = lines[1..lines.len() - 1]
        .iter()
        .map(|row| row.split_whitespace().last().unwrap())
        .collect();
    assert_eq!(cells.len(), expected.len());
    for (cell, loss) in cells.iter().zip(&expected) {
        let printed: f64 = cell.parse().unwrap();
        // Six decimals from 1e-4 up (within 5e-7), seven significant
        // digits below (within 5e-7 of the loss, relatively).
        let error = (printed - loss).abs();
        if *loss >= 1e-4 {
            assert!(error <= 5e-7, "{cell} for {loss}");
        } else {
            assert!(error <= 5e-7 * loss, "{cell} for {loss}");
        }
    }
    // Each step lowers J by 0.4%, which seven significant digits show:
    // below 1e-4, every printed loss is lower than the one before.
    let small: Vec<f64> = cells
        .iter()
        .filter(|c| c.contains('e'))
        .map(|c| c.parse().unwrap())
        .collect();
    assert!(small.len() > 500, "{} rows below 1e-4", small.len());
    for pair in small.windows(2) {
        assert!(pair[1] < pair[0], "{pair:?}");
    }
}

#[test]
fn descend_prints_rows_while_it_runs() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};
    // x^2 never goes below -1, and its loss never grows: only the billion
    // steps of --max-steps would end this run. A command that prints rows as
    // it computes them shows the first 2000 at once, and stops when its
    // output is closed; one that keeps every row until the end prints
    // nothing for hours (and holds 200 GB).
    let mut child = Command::new(env!("CARGO_BIN_EXE_tapegrad"))
        .args([
            "descend",
            "x^2",
            "--from",
            "x=1",
            "--until",
            "-1",
            "--max-steps",
            "1000000000",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .take(2001)
            .map(Result::unwrap)
            .collect::<Vec<String>>()
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    while !reader.is_finished() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    if !reader.is_finished() {
        child.kill().unwrap();
        child.wait().unwrap();
        panic!("descend printed fewer than 2000 rows in 60 s");
    }
    // The reader has dropped the pipe: the command stops, as under `| head`.
    let lines = reader.join().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    // The point column is as wide as the largest point --max-steps allows
    // (1000000001, 10 digits); the value columns as their widest cell of
    // the first rows: 9, the tutorial's width, for x, and 13 for J, whose
    // smallest losses (0.64^1024 at point 1025) keep their significant
    // digits. J = 0.8^3998 is 0 in f64.
    assert_eq!(lines[0], format!("{:>10}         x          J(x)", "n"));
    assert_eq!(lines[1], format!("{:>10}  1.000000      1.000000", 1));
    assert_eq!(lines[2], format!("{:>10}  0.800000      0.640000", 2));
    assert_eq!(lines[1025], format!("{:>10}  0.000000 3.375152e-199", 1025));
    assert_eq!(lines[2000], format!("{:>10}  0.000000      0.000000", 2000));
}

#[test]
fn descend_plots_a_long_run_with_a_bounded_number_of_points() {
    // 200 000 steps of x^4 from 1 (x ← x − 0.4·x³, which creeps towards 0
    // like 1/√n): every row is printed, but the picture keeps at most 2048
    // points of the path, the first and the last among them.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.svg");
    let out = tapegrad(&[
        "descend",
        "x^4",
        "--from",
        "x=1",
        "--eta",
        "0.1",
        "--max-steps",
        "200000",
        "--plot",
        path.to_str().unwrap(),
    ])
    .ok();
    let lines: Vec<&str> = out.lines().collect();
    // The header, 200 001 rows, and the summary.
    assert_eq!(lines.len(), 200_003);
    // J = x⁴ falls below 1e-4 within the held rows and prints from there
    // with seven significant digits: its column is 11 wide (`1.234567e-6`),
    // and the last rows' 12 characters widen it.
    assert_eq!(lines[0], "     n         x        J(x)");
    assert_eq!(lines[1], "     1  1.000000    1.000000");
    assert_eq!(lines[200_001], "200001  0.002500 3.905828e-11");
    assert_eq!(
        lines[200_002],
        "stopped after 200000 steps: J = 3.905828106622317e-11 at point 200001"
    );
    let svg = std::fs::read_to_string(&path).unwrap();
    // Each point of the path is one circle.
    let points = svg.matches("<circle").count();
    assert!((1024..=2048).contains(&points), "{points} points");
}

#[test]
fn descend_prints_a_table_for_a_name_longer_than_a_format_width() {
    // A column as wide as a 70 000-character name is wider than the
    // 65 535 that Rust's `{:>width$}` allows: the table pads by hand. The
    // header cell is the name; x² from 1 with η = 0.25 halves x.
    let name = "v".repeat(70_000);
    let out = run_with(
        &[
            "descend",
            "-",
            "--from",
            &format!("{name}=1"),
            "--eta",
            "0.25",
            "--max-steps",
            "1",
        ],
        &format!("{name}^2"),
    )
    .ok();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0], format!("   n {name} J({name})"));
    let cell = |width: usize, text: &str| format!("{}{text}", " ".repeat(width - text.len()));
    assert_eq!(
        lines[1],
        format!(
            "   1 {} {}",
            cell(70_000, "1.000000"),
            cell(70_003, "1.000000")
        )
    );
    assert_eq!(lines[3], "stopped after 1 step: J = 0.25 at point 2");
}

#[test]
fn descend_checks_its_settings() {
    assert_eq!(
        tapegrad(&["descend", "x^2", "--from", "x=1", "--eta", "-0.1"]).error(),
        "error: --eta must be a positive number, not -0.1\n"
    );
    assert_eq!(
        tapegrad(&["descend", "2^3"]).error(),
        "error: the expression has no inputs: there is nothing to descend on\n"
    );
}

#[test]
fn descend_plots_paths() {
    let dir = tempfile::tempdir().unwrap();
    for (name, expr, from) in [
        ("one.svg", "x^2", "x=1.2"),
        ("two.svg", "x^2 + sin(y)^2", "x=3,y=1"),
        ("three.svg", "a^2 + 2*b^2 + 3*c^2", "a=1,b=1,c=1"),
        ("undefined.svg", "x*ln(x)", "x=2"),
    ] {
        let path = dir.path().join(name);
        tapegrad(&[
            "descend",
            expr,
            "--from",
            from,
            "--eta",
            "0.1",
            "--until",
            "0.01",
            "--max-steps",
            "30",
            "--plot",
            path.to_str().unwrap(),
        ])
        .ok();
        let svg = std::fs::read_to_string(&path).unwrap();
        assert!(
            svg.starts_with("<svg"),
            "{name}: {}",
            &svg[..100.min(svg.len())]
        );
        assert!(svg.contains("<circle"), "{name}");
        assert!(svg.trim_end().ends_with("</svg>"), "{name}");
    }
}

// ---------------------------------------------------------------- solve

/// The CLI's output for the tutorial's linear solve, moving `wrt`.
fn solve_linear(wrt: &str) -> String {
    tapegrad(&[
        "solve", LINEAR, "--target", "150", "--from", "w=3,b=4", "--wrt", wrt,
    ])
    .ok()
}

#[test]
fn solve_prints_the_tutorials_programs() {
    use tapegrad_examples::linear::{B, TARGET, TOLERANCE, W, program_lines, solve};
    for (wrt, both) in [("b", false), ("b,w", true)] {
        let expected = program_lines(&solve(W, B, TARGET, both, TOLERANCE), both);
        // The library's first line is the tutorial's heading.
        assert_eq!(
            solve_linear(wrt),
            expected[1..].join("\n") + "\n",
            "--wrt {wrt}"
        );
    }
}

#[test]
fn solve_defaults_to_every_input_in_order() {
    let out = tapegrad(&["solve", LINEAR, "--target", "150", "--from", "w=3,b=4"]).ok();
    assert!(
        out.starts_with(
            "w=3.000000,b=4.000000,z=162.000000,delta_z=12.000000\n\
             factor_w=18.000000, factor_b=63.000000, delta_w=0.333333, delta_b=0.095238\n"
        ),
        "{out}"
    );
    assert!(
        out.ends_with("done!\nfinal w=2.661517\nfinal b=3.903263\n"),
        "{out}"
    );
}

#[test]
fn solve_matches_the_chain_example() {
    use tapegrad_examples::chain::{TARGET, TOLERANCE, X0, solve};
    let out = tapegrad(&[
        "solve",
        "a = x^2; b = ln(a); c = sqrt(b); c",
        "--target",
        &TARGET.to_string(),
        "--from",
        &format!("x={X0}"),
        "--tolerance",
        &TOLERANCE.to_string(),
    ])
    .ok();
    let columns = solve(X0, TARGET, TOLERANCE);
    let xs: Vec<String> = out
        .lines()
        .filter_map(|l| l.strip_prefix("x="))
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect();
    let expected: Vec<String> = columns.iter().map(|c| format!("{:.6}", c.x)).collect();
    assert_eq!(xs, expected);
    let deltas: Vec<String> = out
        .lines()
        .filter_map(|l| l.split("delta_x=").nth(1))
        .map(str::to_string)
        .collect();
    let expected: Vec<String> = columns
        .iter()
        .filter_map(|c| c.deltas)
        .map(|d| format!("{:.6}", d[3]))
        .collect();
    assert_eq!(deltas, expected);
}

#[test]
fn solve_failures() {
    // Newton on e^x = 0 steps x by -1 forever.
    let run = tapegrad(&[
        "solve",
        "exp(x)",
        "--target",
        "0",
        "--from",
        "x=1",
        "--max-iterations",
        "3",
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.stdout.lines().count(), 7, "{run:?}");
    assert!(
        run.stderr
            .starts_with("error: no solution within 3 iterations: z = "),
        "{run:?}"
    );
    assert_eq!(
        tapegrad(&["solve", "relu(x)", "--target", "1", "--from", "x=-1"]).error(),
        "error: cannot move z: its derivative with respect to `x` is 0 here\n"
    );
    assert_eq!(
        tapegrad(&["solve", "ln(x)", "--target", "1", "--from", "x=-1"]).error(),
        "error: node %1 `z` (ln %0 = NaN; %0 = -1.0) has a non-finite value\n  ln(x)\n  ^^^^^\n"
    );
    assert_eq!(
        tapegrad(&[
            "solve",
            "x",
            "--target",
            "1",
            "--from",
            "x=0",
            "--tolerance",
            "0"
        ])
        .error(),
        "error: --tolerance must be a positive number\n"
    );
}

#[test]
fn solve_shares_among_inputs_that_move_the_output() {
    // ∂z/∂b = 0 at b = 0: all of the correction goes to a.
    let out = tapegrad(&["solve", "a + b^2", "--target", "3", "--from", "a=1,b=0"]).ok();
    assert!(
        out.starts_with(
            "a=1.000000,b=0.000000,z=1.000000,delta_z=-2.000000\n\
             factor_a=1.000000, factor_b=0.000000, delta_a=-2.000000, delta_b=0.000000\n\
             a=3.000000,b=0.000000,z=3.000000,delta_z=0.000000\n"
        ),
        "{out}"
    );
}

// ------------------------------------------------------------- examples

#[test]
fn examples_are_the_examples_crates() {
    for example in tapegrad_examples::EXAMPLES {
        assert_eq!(
            tapegrad(&["examples", example.name]).ok(),
            example_text(example.name),
            "{}",
            example.name
        );
    }
}

#[test]
fn examples_run_all_and_list() {
    let mut all = Vec::new();
    let mut out = tapegrad_examples::Output::text(&mut all);
    let examples: Vec<_> = tapegrad_examples::EXAMPLES.iter().collect();
    tapegrad_examples::run(&examples, &mut out).unwrap();
    drop(out);
    assert_eq!(
        tapegrad(&["examples"]).ok(),
        String::from_utf8(all).unwrap()
    );
    let list = tapegrad(&["examples", "--list"]).ok();
    assert_eq!(list.lines().count(), tapegrad_examples::EXAMPLES.len());
    assert!(list.starts_with("neuron "), "{list}");
}

#[test]
fn examples_write_pictures() {
    let dir = tempfile::tempdir().unwrap();
    let out = tapegrad(&[
        "examples",
        "descent-2d",
        "--out",
        dir.path().to_str().unwrap(),
    ])
    .ok();
    assert!(out.starts_with(&example_text("descent-2d")), "{out}");
    assert!(
        out.ends_with(&format!(" pictures written to {}\n", dir.path().display())),
        "{out}"
    );
    assert!(Path::new(&dir.path().join("descent-2d.svg")).exists());
}

#[test]
fn unknown_example_has_a_suggestion() {
    assert_eq!(
        tapegrad(&["examples", "lienar"]).error(),
        "error: unknown example `lienar` (did you mean `linear`?); the examples are: neuron, linear, chain, descent-1d, descent-2d, learning-rate, loss, iris-neuron, iris-mlp, moons\n"
    );
}

// ------------------------------------------------- the tutorial's numbers

#[test]
fn grad_matches_the_linear_example() {
    let f = tapegrad_examples::linear::forward(3.0, 4.0);
    let out = tapegrad(&[
        "grad", LINEAR, "--at", "w=3,b=4", "--wrt", "w,b,x,y", "--json",
    ])
    .ok();
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["value"], f.z);
    assert_eq!(json["gradient"]["w"], f.dz_dw);
    assert_eq!(json["gradient"]["b"], f.dz_db);
    assert_eq!(json["gradient"]["x"], f.dz_dx);
    assert_eq!(json["gradient"]["y"], f.dz_dy);
}

#[test]
fn grad_matches_the_neuron_example() {
    use tapegrad_examples::neuron::{BIAS, INPUT, WEIGHTS, neuron};
    let n = neuron(INPUT, WEIGHTS, BIAS);
    let at = format!(
        "w1={},w2={},w3={},b={}",
        WEIGHTS[0], WEIGHTS[1], WEIGHTS[2], BIAS
    );
    let expr = format!(
        "Z = w1*{} + w2*{} + w3*({}) + b; A = sigmoid(Z); A",
        INPUT[0], INPUT[1], INPUT[2]
    );
    let out = tapegrad(&["grad", &expr, "--at", &at, "--json"]).ok();
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let close = |v: &serde_json::Value, x: f64| (v.as_f64().unwrap() - x).abs() < 1e-15;
    assert!(close(&json["value"], n.a), "{out}");
    for (i, d) in n.da_dw.iter().enumerate() {
        assert!(close(&json["gradient"][format!("w{}", i + 1)], *d), "{out}");
    }
    assert!(close(&json["gradient"]["b"], n.da_db), "{out}");
}

// ----------------------------------------------------------------- help

#[test]
fn every_command_has_examples_in_its_help() {
    for command in ["grad", "descend", "solve", "examples"] {
        let out = tapegrad(&[command, "--help"]).ok();
        assert!(out.contains("Examples:\n  tapegrad "), "{command}: {out}");
    }
    let out = tapegrad(&["--help"]).ok();
    assert!(out.contains("Examples:"), "{out}");
    assert!(out.contains("-x^2 is -(x^2)"), "{out}");
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_tapegrad"))
        .args([
            "descend",
            "x^2",
            "--from",
            "x=1",
            "--eta",
            "0.001",
            "--max-steps",
            "100000",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let output = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
    assert_eq!(output.status.code(), Some(0));
}
