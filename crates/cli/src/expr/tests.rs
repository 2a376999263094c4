//! Unit tests of the expression language: grammar, printing, names and every error.

use super::*;
use tapegrad::Op;

/// Parses a program whose statements are all bindings but the output, and returns the output.
fn output(source: &str) -> Expr {
    match parse(source) {
        Ok(program) => program.output,
        Err(error) => panic!("{}", error.render(source)),
    }
}

/// A fully parenthesised prefix form that shows a tree's shape at a glance.
fn sexpr(expr: &Expr) -> String {
    match expr {
        Expr::Num { value, .. } => value.to_string(),
        Expr::Var { name, .. } => name.clone(),
        Expr::Neg { operand, .. } => format!("(neg {})", sexpr(operand)),
        Expr::Binary { op, lhs, rhs, .. } => format!("({op} {} {})", sexpr(lhs), sexpr(rhs)),
        Expr::Call { func, args, .. } => {
            let args: Vec<String> = args.iter().map(sexpr).collect();
            format!("({func} {})", args.join(" "))
        }
    }
}

fn shape(source: &str) -> String {
    sexpr(&output(source))
}

/// The rendered error for `source`, which must fail to parse.
fn error(source: &str) -> String {
    match parse(source) {
        Ok(program) => panic!("`{source}` parsed as `{program}`"),
        Err(error) => error.render(source),
    }
}

fn canonical(source: &str) -> String {
    match parse(source) {
        Ok(program) => program.to_string(),
        Err(error) => panic!("{}", error.render(source)),
    }
}

#[test]
fn precedence_and_associativity() {
    // `*` binds tighter than `+`.
    assert_eq!(shape("1 + 2 * 3"), "(+ 1 (* 2 3))");
    assert_eq!(shape("1 * 2 + 3"), "(+ (* 1 2) 3)");
    // `/` binds tighter than `-`.
    assert_eq!(shape("a - b / c"), "(- a (/ b c))");
    // `+` and `-` are left-associative and of equal precedence.
    assert_eq!(shape("a - b - c"), "(- (- a b) c)");
    assert_eq!(shape("a - b + c"), "(+ (- a b) c)");
    // `*` and `/` are left-associative and of equal precedence.
    assert_eq!(shape("a / b / c"), "(/ (/ a b) c)");
    assert_eq!(shape("a / b * c"), "(* (/ a b) c)");
    // `^` is right-associative.
    assert_eq!(shape("2^3^2"), "(^ 2 (^ 3 2))");
    // `^` binds tighter than unary minus on its left: `-x^2` is `-(x^2)`.
    assert_eq!(shape("-x^2"), "(neg (^ x 2))");
    // The exponent is a unary expression, so it may start with a sign.
    assert_eq!(shape("2^-1"), "(^ 2 (neg 1))");
    assert_eq!(shape("2^-3^2"), "(^ 2 (neg (^ 3 2)))");
    // Unary minus binds tighter than `*` and `+`.
    assert_eq!(shape("-a * b"), "(* (neg a) b)");
    assert_eq!(shape("-a + b"), "(+ (neg a) b)");
    // A sign may follow a binary operator.
    assert_eq!(shape("a * -b"), "(* a (neg b))");
    assert_eq!(shape("a - -b"), "(- a (neg b))");
    // Signs stack; unary plus leaves no node.
    assert_eq!(shape("--x"), "(neg (neg x))");
    assert_eq!(shape("+x"), "x");
    assert_eq!(shape("-+-x"), "(neg (neg x))");
    // `^` binds tighter than `*`.
    assert_eq!(shape("a^b*c"), "(* (^ a b) c)");
    assert_eq!(shape("a*b^c"), "(* a (^ b c))");
    // Parentheses override everything.
    assert_eq!(shape("(a + b) * c"), "(* (+ a b) c)");
    assert_eq!(shape("(-x)^2"), "(^ (neg x) 2)");
    assert_eq!(shape("(2^3)^2"), "(^ (^ 2 3) 2)");
    // A call is a primary, so it can be a base.
    assert_eq!(shape("max(a, b)^2"), "(^ (max a b) 2)");
}

#[test]
fn numbers() {
    assert_eq!(shape("2"), "2");
    assert_eq!(shape("1.5e-3"), "0.0015");
    assert_eq!(shape(".5"), "0.5");
    assert_eq!(shape("1."), "1");
    assert_eq!(shape("1.e2"), "100");
    assert_eq!(shape("1E3"), "1000");
    assert_eq!(shape("2.5e+2"), "250");
    assert_eq!(shape("007"), "7");
}

#[test]
fn calls_and_aliases() {
    // `log` with one argument is the natural logarithm; with two, its second is the base.
    assert_eq!(shape("ln(x) + log(x)"), "(+ (ln x) (log x))");
    assert_eq!(
        shape("log(x, 2) + atan2(y, x)"),
        "(+ (log x 2) (atan2 y x))"
    );
    assert_eq!(shape("max(a, min(b, c))"), "(max a (min b c))");
    for func in Func::ALL {
        let args = vec!["x"; func.arity()].join(", ");
        let source = format!("{func}({args})");
        assert_eq!(canonical(&source), source);
    }
    assert_eq!(Func::from_name("log"), Some(Func::Log));
    assert_eq!(Func::from_name("recip"), Some(Func::Unary(Op::Recip)));
    assert_eq!(Func::from_name("sinh"), Some(Func::Unary(Op::Sinh)));
    assert_eq!(Func::from_name("sine"), None);
    // Names of ops that are not one-input ops are not functions.
    assert_eq!(Func::from_name("add"), None);
    assert_eq!(Func::from_name("var"), None);
}

#[test]
fn pi_and_e_are_constants_that_cannot_be_bound() {
    // `pi` and `e` read as the numbers π and e, so they are not inputs.
    let program = parse("pi * r^2 + e").unwrap();
    assert_eq!(program.inputs(), ["r"]);
    assert_eq!(
        program.to_string(),
        format!("{} * r^2 + {}", std::f64::consts::PI, std::f64::consts::E)
    );
    assert_eq!(
        error("e = 2; e"),
        "error: cannot bind `e`: it is a constant\n  e = 2; e\n  ^"
    );
}

#[test]
fn spans_are_byte_ranges() {
    let source = "  sin(x) * -yy";
    let Expr::Binary { lhs, rhs, span, .. } = output(source) else {
        panic!("not a binary node");
    };
    assert_eq!(span, Span::new(2, 14));
    assert_eq!(lhs.span(), Span::new(2, 8));
    assert_eq!(rhs.span(), Span::new(11, 14));
    let Expr::Neg { operand, .. } = *rhs else {
        panic!("not a negation");
    };
    assert_eq!(operand.span(), Span::new(12, 14));
}

#[test]
fn spans_of_operations_cover_the_parentheses_of_their_operands() {
    // `(-2)^x`: the power runs from `(` to `x`; its base keeps its own
    // span, `-2`, without the parentheses around it.
    let Expr::Binary { lhs, span, .. } = output("(-2)^x") else {
        panic!("not a binary node");
    };
    assert_eq!(span, Span::new(0, 6));
    assert_eq!(lhs.span(), Span::new(1, 3));
    // Parentheses on the right, on both sides, nested, and under a sign.
    assert_eq!(output("x/(x-1)").span(), Span::new(0, 7));
    assert_eq!(output("(a+b)/0").span(), Span::new(0, 7));
    assert_eq!(output("((a)) * ((b))").span(), Span::new(0, 13));
    assert_eq!(output("-(x)").span(), Span::new(0, 4));
    // A binding runs to the end of its parenthesised expression.
    let program = parse("y = (2*x); y").unwrap();
    assert_eq!(program.bindings[0].span, Span::new(0, 9));
}

#[test]
fn bindings() {
    let program = parse("x = 2*w + 3*b; y = 2*b + 1; x*y").unwrap();
    let names: Vec<&str> = program.bindings.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(names, ["x", "y"]);
    assert_eq!(program.bindings[1].span, Span::new(15, 26));
    assert_eq!(sexpr(&program.bindings[0].expr), "(+ (* 2 w) (* 3 b))");
    assert_eq!(sexpr(&program.output), "(* x y)");
    // Bound names are not inputs; inputs come in order of first appearance.
    assert_eq!(program.inputs(), ["w", "b"]);
    assert_eq!(parse("b*a + a*c").unwrap().inputs(), ["b", "a", "c"]);
    // A binding that is never used is fine.
    assert_eq!(parse("unused = a; b").unwrap().inputs(), ["a", "b"]);
    // An output that is just a number has no inputs.
    assert!(parse("2").unwrap().inputs().is_empty());
}

#[test]
fn separators_and_new_lines() {
    let expected = "x = 2 * w; x + 1";
    assert_eq!(canonical("x = 2*w\nx + 1"), expected);
    assert_eq!(canonical("\n;; x = 2*w ;\n\n x + 1 ;\n"), expected);
    assert_eq!(canonical("x = 2*w\r\nx + 1\r\n"), expected);
    // New lines inside parentheses are ignored, so a long expression can span lines.
    assert_eq!(canonical("x = (2\n*\nw)\nx + 1"), expected);
    assert_eq!(canonical("max(\n  a,\n  b\n)"), "max(a, b)");
}

#[test]
fn canonical_printing() {
    assert_eq!(
        canonical("x = 2*w+3*b;y=2*b+1\nx*y"),
        "x = 2 * w + 3 * b; y = 2 * b + 1; x * y"
    );
    // Only the parentheses the grammar needs are kept.
    assert_eq!(canonical("((a)) + ((b * c))"), "a + b * c");
    assert_eq!(canonical("a - (b - c)"), "a - (b - c)");
    assert_eq!(canonical("(a - b) - c"), "a - b - c");
    assert_eq!(canonical("a / (b * c)"), "a / (b * c)");
    assert_eq!(canonical("-(x^2)"), "-x^2");
    assert_eq!(canonical("(-x)^2"), "(-x)^2");
    assert_eq!(canonical("-(a * b)"), "-(a * b)");
    assert_eq!(canonical("2^(3^2)"), "2^3^2");
    assert_eq!(canonical("(2^3)^2"), "(2^3)^2");
    assert_eq!(canonical("2^(-1)"), "2^-1");
    assert_eq!(canonical("2^(a*b)"), "2^(a * b)");
    assert_eq!(canonical("-(-x)"), "--x");
    assert_eq!(canonical("log(x)"), "log(x)");
    assert_eq!(canonical("log(x,10)"), "log(x, 10)");
    // Numbers read back exactly; extreme magnitudes use scientific notation.
    assert_eq!(
        canonical("1e300 + 1.5e-7 + 0.1 + 123456"),
        "1e300 + 1.5e-7 + 0.1 + 123456"
    );
    assert_eq!(canonical("4.9e-324"), "5e-324");
}

#[test]
fn round_trip_of_examples() {
    for source in [
        "x = 2*w + 3*b; y = 2*b + 1; x*y",
        "-x^2 + 2^-3^2",
        "(-(a-b))^(c/d/e)",
    ] {
        let program = parse(source).unwrap();
        let reparsed = parse(&program.to_string()).unwrap();
        assert_eq!(reparsed.without_spans(), program.without_spans());
    }
}

#[test]
fn the_spec_example_error() {
    assert_eq!(
        error("x*y*"),
        "error: expected an expression after `*`\n  x*y*\n      ^"
    );
}

#[test]
fn errors_on_multi_line_input_show_the_line_number() {
    assert_eq!(
        error("x = 2*w\ny = x*\nx*y"),
        "error: expected an expression after `*`\n  2 | y = x*\n    |       ^"
    );
    assert_eq!(
        error("a = 1\nb = 2\nc = 3\nd = 4\np = 5\nf = 6\ng = 7\nh = 8\ni = 9\nj = (\n1 +"),
        "error: expected an expression after `+`\n  11 | 1 +\n     |    ^"
    );
    // Tabs are copied into the padding so the caret stays under its column.
    assert_eq!(
        error("\tx y"),
        "error: expected an operator or the end of the statement, found `y`\n  \tx y\n  \t  ^"
    );
}

#[test]
fn empty_input() {
    let message = "error: empty input: expected an expression\n  \n  ^";
    assert_eq!(error(""), message);
    assert_eq!(
        error("  ; \n;"),
        "error: empty input: expected an expression\n  1 |   ; \n    | ^"
    );
}

#[test]
fn lexical_errors() {
    assert_eq!(
        error("x @ y"),
        "error: unexpected character `@`\n  x @ y\n    ^"
    );
    assert_eq!(
        error("x ∂ y"),
        "error: unexpected character `∂`\n  x ∂ y\n    ^"
    );
    assert_eq!(
        error("1.2.3"),
        "error: malformed number `1.2.3`\n  1.2.3\n  ^^^^^"
    );
    assert_eq!(
        error("x + 1..5"),
        "error: malformed number `1..5`\n  x + 1..5\n      ^^^^"
    );
    assert_eq!(
        error("1e"),
        "error: expected digits after the exponent marker in `1e`\n  1e\n  ^^"
    );
    assert_eq!(
        error("2*1e+ x"),
        "error: expected digits after the exponent marker in `1e+`\n  2*1e+ x\n    ^^^"
    );
    assert_eq!(
        error("1e999"),
        "error: number `1e999` is too large\n  1e999\n  ^^^^^"
    );
    // A lexical error is reported when the parser reaches it, so earlier errors come first.
    assert_eq!(
        error("x y @"),
        "error: expected an operator or the end of the statement, found `y`\n  x y @\n    ^"
    );
    assert_eq!(
        error("x * @"),
        "error: unexpected character `@`\n  x * @\n      ^"
    );
}

#[test]
fn missing_operands() {
    assert_eq!(
        error("x*)"),
        "error: expected an expression after `*`, found `)`\n  x*)\n    ^"
    );
    assert_eq!(
        error("(x + )"),
        "error: expected an expression after `+`, found `)`\n  (x + )\n       ^"
    );
    assert_eq!(
        error("("),
        "error: expected an expression after `(`\n  (\n   ^"
    );
    assert_eq!(
        error("x = ; x"),
        "error: expected an expression after `=`, found `;`\n  x = ; x\n      ^"
    );
    assert_eq!(
        error(") + 1"),
        "error: expected an expression, found `)`\n  ) + 1\n  ^"
    );
    assert_eq!(
        error("2^"),
        "error: expected an expression after `^`\n  2^\n    ^"
    );
    assert_eq!(
        error("-"),
        "error: expected an expression after `-`\n  -\n   ^"
    );
    assert_eq!(
        error("max(a,)"),
        "error: expected an expression after `,`, found `)`\n  max(a,)\n        ^"
    );
}

#[test]
fn trailing_garbage() {
    assert_eq!(
        error("x y"),
        "error: expected an operator or the end of the statement, found `y`\n  x y\n    ^"
    );
    // Implicit multiplication is not supported.
    assert_eq!(
        error("2x"),
        "error: expected an operator or the end of the statement, found `x`\n  2x\n   ^"
    );
    assert_eq!(
        error("1 , 2"),
        "error: expected an operator or the end of the statement, found `,`\n  1 , 2\n    ^"
    );
    // Long tokens are cut in messages, to 40 characters and their length.
    let long = format!("x {}", "y".repeat(100));
    let found = format!("`{}…` (100 characters)", "y".repeat(40));
    assert!(error(&long).starts_with(&format!(
        "error: expected an operator or the end of the statement, found {found}\n"
    )));
}

#[test]
fn unbalanced_parentheses() {
    assert_eq!(
        error("(x + 1"),
        "error: unclosed `(`: expected a matching `)`\n  (x + 1\n  ^"
    );
    assert_eq!(
        error("max(a, (b"),
        "error: unclosed `(`: expected a matching `)`\n  max(a, (b\n         ^"
    );
    assert_eq!(
        error("max(a, b"),
        "error: unclosed `(`: expected a matching `)`\n  max(a, b\n     ^"
    );
    assert_eq!(error("x + 1)"), "error: unmatched `)`\n  x + 1)\n       ^");
    assert_eq!(
        error("(x y)"),
        "error: expected an operator or `)`, found `y`\n  (x y)\n     ^"
    );
    assert_eq!(
        error("max(a b)"),
        "error: expected an operator, `,` or `)` in the call to `max`, found `b`\n  max(a b)\n        ^"
    );
}

#[test]
fn unknown_functions() {
    assert_eq!(
        error("sine(x)"),
        "error: unknown function `sine` (did you mean `sin` or `sinh`?)\n  sine(x)\n  ^^^^"
    );
    assert_eq!(
        error("2 * lg(x)"),
        "error: unknown function `lg` (did you mean `ln` or `log`?)\n  2 * lg(x)\n      ^^"
    );
    assert_eq!(
        error("sigmiod(x)"),
        "error: unknown function `sigmiod` (did you mean `sigmoid`?)\n  sigmiod(x)\n  ^^^^^^^"
    );
    // With nothing close, the message lists every function, in the list's order.
    let all: Vec<&str> = Func::ALL.iter().map(|f| f.name()).collect();
    assert_eq!(
        error("foo(x)"),
        format!(
            "error: unknown function `foo`: expected one of {}\n  foo(x)\n  ^^^",
            all.join(", ")
        )
    );
    assert!(all.starts_with(&["neg", "ln", "exp"]) && all.ends_with(&["max", "min"]));
    // A bound name or an input followed by `(` is a call too.
    assert!(error("w = 1; w(2)").starts_with("error: unknown function `w`"));
}

#[test]
fn wrong_arity() {
    assert_eq!(
        error("max(x)"),
        "error: `max` takes 2 arguments, found 1\n  max(x)\n  ^^^^^^"
    );
    assert_eq!(
        error("sin(x, y)"),
        "error: `sin` takes 1 argument, found 2\n  sin(x, y)\n  ^^^^^^^^^"
    );
    assert_eq!(
        error("exp()"),
        "error: `exp` takes 1 argument, found 0\n  exp()\n  ^^^^^"
    );
    // `log` takes an optional base.
    assert_eq!(
        error("log(a, b, c)"),
        "error: `log` takes 1 or 2 arguments, found 3\n  log(a, b, c)\n  ^^^^^^^^^^^^"
    );
}

#[test]
fn naming_errors() {
    assert_eq!(
        error("sin + 1"),
        "error: `sin` is a function: call it as `sin(...)`\n  sin + 1\n  ^^^"
    );
    assert_eq!(
        error("exp = 2; exp"),
        "error: cannot bind `exp`: it is a function name\n  exp = 2; exp\n  ^^^"
    );
    assert_eq!(
        error("x = 1; x = 2; x"),
        "error: `x` is already bound\n  x = 1; x = 2; x\n         ^"
    );
    assert_eq!(
        error("y = 2*x; x = 3; y"),
        "error: cannot bind `x`: it is already used above as an input\n  y = 2*x; x = 3; y\n           ^"
    );
    assert_eq!(
        error("x = x + 1; x"),
        "error: `x` is used in its own binding\n  x = x + 1; x\n      ^"
    );
}

#[test]
fn statement_errors() {
    assert_eq!(
        error("x = y = 3"),
        "error: unexpected `=`: only a name at the start of a statement can be bound\n  x = y = 3\n        ^"
    );
    assert_eq!(
        error("2 = x"),
        "error: unexpected `=`: only a name at the start of a statement can be bound\n  2 = x\n    ^"
    );
    assert_eq!(
        error("x*2; y"),
        "error: this value is unused: only the last statement is the output, bind the others to names\n  x*2; y\n  ^^^"
    );
    assert_eq!(
        error("y = 2*x"),
        "error: expected an output expression after the binding of `y`, for example `; y`\n  y = 2*x\n         ^"
    );
    // Parentheses belong to the statement: the unused value is all of
    // `(x*2)`, and the missing output goes after the `)`.
    assert_eq!(
        error("(x*2); y"),
        "error: this value is unused: only the last statement is the output, bind the others to names\n  (x*2); y\n  ^^^^^"
    );
    assert_eq!(
        error("y = (2*x)"),
        "error: expected an output expression after the binding of `y`, for example `; y`\n  y = (2*x)\n           ^"
    );
    assert_eq!(
        error("y = 2*x\n"),
        "error: expected an output expression after the binding of `y`, for example `; y`\n  y = 2*x\n         ^"
    );
}

/// `n` copies of `open`, then `middle`, then `n` copies of `close`.
fn nest(open: &str, middle: &str, close: &str, n: usize) -> String {
    format!("{}{middle}{}", open.repeat(n), close.repeat(n))
}

fn is_too_deep(source: &str) -> bool {
    matches!(
        parse(source),
        Err(ParseError {
            kind: ErrorKind::TooDeep,
            ..
        })
    )
}

#[test]
fn depth_is_bounded() {
    // Trees up to MAX_DEPTH levels of operators and calls parse; one more is a clear error.
    assert!(parse(&nest("-", "x", "", MAX_DEPTH)).is_ok());
    assert!(is_too_deep(&nest("-", "x", "", MAX_DEPTH + 1)));
    assert!(parse(&nest("sin(", "x", ")", MAX_DEPTH)).is_ok());
    assert!(is_too_deep(&nest("sin(", "x", ")", MAX_DEPTH + 1)));
    // A chain of n terms has n - 1 operators.
    let chain = |op: &str, n: usize| vec!["x"; n].join(op);
    for op in ["+", "*", "^"] {
        assert!(parse(&chain(op, MAX_DEPTH + 1)).is_ok());
        assert!(is_too_deep(&chain(op, MAX_DEPTH + 2)));
    }
    // The error points at the operator that makes the tree too deep.
    let source = chain("+", MAX_DEPTH + 2);
    let error = parse(&source).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!("expression too deep: more than {MAX_DEPTH} levels of operators and calls")
    );
    assert_eq!(&source[error.span.start..error.span.end], "+");
    assert_eq!(error.span.start, source.len() - 2);
    // Parentheses add no depth.
    assert_eq!(canonical(&nest("(", "x", ")", 1000)), "x");
}

#[test]
fn huge_inputs_are_quick_and_never_overflow_the_stack() {
    const N: usize = 100_000;
    assert_eq!(
        error(&"(".repeat(N)).lines().next(),
        Some("error: expected an expression after `(`")
    );
    assert_eq!(canonical(&nest("(", "x", ")", N)), "x");
    let unclosed = parse(&nest("(", "x", "", N)).unwrap_err();
    assert_eq!(unclosed.kind, ErrorKind::UnclosedParen);
    // The innermost `(` is the one reported.
    assert_eq!(unclosed.span, Span::new(N - 1, N));
    for source in [
        "-".repeat(N) + "x",
        nest("sin(", "x", ")", N),
        nest("max(x, ", "x", ")", N),
        vec!["2"; N].join("^"),
        vec!["x"; N].join("+"),
        vec!["x"; N].join("/"),
        "(".repeat(N) + &vec!["x"; N].join("+"),
    ] {
        assert!(is_too_deep(&source));
    }
    assert!(error(&("x".repeat(N) + "(x)")).starts_with("error: unknown function `xxxx"));
    // Unary plus leaves no node, so any number of them is fine.
    assert_eq!(canonical(&("+".repeat(N) + "x")), "x");
    // Many statements are fine: each is shallow.
    let program = (0..N)
        .map(|i| format!("t{i} = x + {i}"))
        .collect::<Vec<_>>()
        .join("\n")
        + "\nt0";
    assert_eq!(parse(&program).unwrap().bindings.len(), N);
}

#[test]
fn line_and_column() {
    let source = "a = 1\nb = ∂ + 2";
    let error = parse(source).unwrap_err();
    assert_eq!(error.line_col(source), (2, 5));
    // A span from another source is clamped rather than trusted.
    assert_eq!(error.line_col("x"), (1, 2));
    assert_eq!(
        error.render("∂∂"),
        "error: unexpected character `∂`\n  ∂∂\n    ^"
    );
}

#[test]
fn closest_names() {
    assert_eq!(closest("q", ["w", "b"]), Some("w"));
    assert_eq!(closest("wieght", ["bias", "weight"]), Some("weight"));
    assert_eq!(closest("rate", ["rates", "late"]), Some("rates"));
    assert_eq!(closest("lern_rate", ["learn_rate"]), Some("learn_rate"));
    // Short names only match names one edit away.
    assert_eq!(closest("x", ["abc", "xyz"]), None);
    assert_eq!(closest("ab", ["abcd"]), None);
    // Long names match up to two edits away.
    assert_eq!(closest("alpha", ["alphabet"]), None);
    assert_eq!(closest("alpha", ["alpa", "alphas"]), Some("alpa"));
    assert_eq!(closest("anything", []), None);
}

#[test]
fn edit_distances() {
    assert_eq!(edit_distance("kitten", "sitting", 5), Some(3));
    assert_eq!(edit_distance("ab", "ba", 2), Some(1));
    assert_eq!(edit_distance("", "abc", 3), Some(3));
    assert_eq!(edit_distance("abc", "abc", 0), Some(0));
    assert_eq!(edit_distance("kitten", "sitting", 2), None);
}

#[test]
fn long_lines_are_cut_around_the_caret() {
    let source = format!("{} + sni(x)", vec!["x"; 80].join("+"));
    let rendered = error(&source);
    let lines: Vec<&str> = rendered.lines().collect();
    assert_eq!(
        lines[0],
        "error: unknown function `sni` (did you mean `sin`?)"
    );
    assert!(lines[1].starts_with("  …x+x+x"), "{rendered}");
    assert!(lines[1].ends_with("x + sni(x)"), "{rendered}");
    assert_eq!(lines[1].chars().count(), 2 + 1 + WINDOW);
    let caret = lines[2].find('^').unwrap();
    assert_eq!(&lines[2][caret..], "^^^");
    // The caret sits under `sni`, counting characters (`…` is one).
    let under: String = lines[1].chars().skip(caret).take(3).collect();
    assert_eq!(under, "sni");
    // A long line cut on both sides, the error in its middle.
    let source = format!("{}*y*{}", "x+".repeat(200), "+x".repeat(200));
    let rendered = render("here", &source, Span::new(401, 402));
    let lines: Vec<&str> = rendered.lines().collect();
    assert!(
        lines[1].starts_with("  …") && lines[1].ends_with('…'),
        "{rendered}"
    );
    let caret = lines[2].find('^').unwrap();
    let under: String = lines[1].chars().skip(caret).take(1).collect();
    assert_eq!(under, "y");
    // Short lines are quoted whole.
    assert_eq!(render("m", "x", Span::new(0, 1)), "error: m\n  x\n  ^");
}
