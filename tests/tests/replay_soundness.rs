//! Compiled replay never gives a number that recording afresh would not:
//! every comparison and value read that may have chosen the output is kept
//! (whatever its position relative to the output node), so are the formula
//! choices a gradient graph makes on values, and looking at a graph is not
//! a read. Issue 23, items 3 to 6.

use tapegrad::{Error, Graph, Tape, Var};

/// Bitwise equality, NaN equal to NaN.
fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// The location `file:line` of line `line` of this file.
fn here(line: u32) -> String {
    format!("{}:{line}", file!())
}

/// The location of a `BranchChanged`, or a panic naming what came instead.
fn changed_at(result: tapegrad::Result<f64>) -> String {
    match result {
        Err(Error::BranchChanged { location, .. }) => location,
        other => panic!("expected BranchChanged, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// Item 3: comparisons and reads that pick an already-recorded output.

#[test]
fn a_comparison_made_after_both_candidates_that_picks_one_is_a_guard() {
    let tape = Tape::new();
    let x = tape.var(1.0).named("x");
    let (p, n) = (x * 2.0, x * -3.0);
    let line = line!() + 1;
    let z = if x > 0.0 { p } else { n };
    let mut f = tape.compile(z, &[x]).unwrap();
    assert_eq!(f.guards(), 1);
    // Holds at x = 2: z = 2x = 4.
    assert_eq!(f.value(&[2.0]).unwrap(), 4.0);
    // At x = -1 recording afresh gives -3·(-1) = 3; the replay of 2x would
    // give -2, so it must refuse, naming the comparison's line.
    assert_eq!(changed_at(f.value(&[-1.0])), here(line));
}

#[test]
fn the_larger_of_two_inputs_picked_by_a_comparison_is_guarded() {
    let tape = Tape::new();
    let (a, b) = (tape.var(2.0), tape.var(1.0));
    let line = line!() + 1;
    let z = if a > b { a } else { b };
    let mut f = tape.compile(z, &[a, b]).unwrap();
    // max(5, 3) = 5 on the recorded side.
    assert_eq!(f.value(&[5.0, 3.0]).unwrap(), 5.0);
    // max(1, 4) = 4, but the program returns a: it must refuse.
    assert_eq!(changed_at(f.value(&[1.0, 4.0])), here(line));
}

#[test]
fn max_by_partial_cmp_over_recorded_vars_is_guarded() {
    let tape = Tape::new();
    let xs = [tape.var(1.0), tape.var(5.0), tape.var(3.0)];
    let doubled = xs.map(|x| x * 2.0);
    // The comparisons come after every candidate was recorded.
    let top = *doubled
        .iter()
        .max_by(|a, b| a.partial_cmp(b).unwrap())
        .unwrap();
    let mut f = tape.compile(top, &xs).unwrap();
    // Twice the largest: 2·7 = 14 while x1 stays the largest.
    assert_eq!(f.value(&[0.0, 7.0, 6.0]).unwrap(), 14.0);
    // Here x2 is the largest: recording afresh gives 2·9 = 18, not 2·7.
    assert!(matches!(
        f.value(&[0.0, 7.0, 9.0]),
        Err(Error::BranchChanged { .. })
    ));
}

#[test]
fn a_value_read_that_picks_an_already_recorded_output_is_reported() {
    let tape = Tape::new();
    let x = tape.var(1.0);
    let (p, n) = (x * 2.0, x * -3.0);
    let line = line!() + 1;
    let z = if x.value() > 0.0 { p } else { n };
    // The read chose between two recorded nodes, where no guard sees it.
    assert_eq!(
        tape.compile(z, &[x]).unwrap_err(),
        Error::ValueRead {
            node: x.index(),
            location: Some(here(line)),
        }
    );
}

#[test]
fn a_backward_pass_run_after_the_output_is_a_read_of_it() {
    // A gradient read as a number may steer what the caller does next;
    // `backward` after recording the output counts as a read of it.
    let tape = Tape::new();
    let x = tape.var(3.0);
    let y = x * x;
    let line = line!() + 1;
    let g = y.backward()[x];
    let z = if g > 1.0 { y } else { y * 0.5 };
    assert_eq!(
        tape.compile(z, &[x]).unwrap_err(),
        Error::ValueRead {
            node: y.index(),
            location: Some(here(line)),
        }
    );
    // So does a checked one.
    let tape = Tape::new();
    let x = tape.var(3.0);
    let y = x.sin();
    let _ = y.try_backward().unwrap();
    assert!(matches!(
        tape.compile(y, &[x]),
        Err(Error::ValueRead { node, .. }) if node == y.index()
    ));
}

// ---------------------------------------------------------------------------
// Item 4: a gradient graph's formula choices.

/// The derivative `∂f/∂x_wrt` recorded as a graph at `xs`, its value.
fn derivative_afresh(f: fn(&[Var]) -> Var, wrt: usize, xs: &[f64]) -> f64 {
    let tape = Tape::new();
    let leaves: Vec<Var> = xs.iter().map(|&x| tape.var(x)).collect();
    f(&leaves).grad_graph(&leaves)[wrt].value()
}

/// Records the gradient graph of `f` at `at`, compiles its `wrt`
/// component and replays it: on the recorded side of each formula choice
/// (`same_side`) the replay is the fresh recording bit for bit; across it
/// (`across`) it refuses. With `value_derived` (a formula whose constant is
/// taken from a value), `compile` may report a read instead, and a replay
/// across may also be the fresh recording bit for bit, never another
/// number.
fn replays_or_refuses(
    what: &str,
    f: fn(&[Var]) -> Var,
    wrt: usize,
    at: &[f64],
    same_side: &[&[f64]],
    across: &[&[f64]],
    value_derived: bool,
) {
    let tape = Tape::new();
    let leaves: Vec<Var> = at.iter().map(|&x| tape.var(x)).collect();
    let d = f(&leaves).grad_graph(&leaves)[wrt];
    let mut program = match tape.compile(d, &leaves) {
        Ok(program) => program,
        Err(Error::ValueRead { .. }) if value_derived => return,
        Err(e) => panic!("{what}: compile: {e}"),
    };
    for &p in same_side {
        let want = derivative_afresh(f, wrt, p);
        match program.value(p) {
            Ok(got) => assert!(same(got, want), "{what} at {p:?}: {got} vs {want}"),
            Err(e) => panic!("{what} at {p:?}: the same side refused: {e}"),
        }
    }
    for &p in across {
        let want = derivative_afresh(f, wrt, p);
        match program.value(p) {
            Err(Error::BranchChanged { .. }) => {}
            Ok(got) if value_derived && same(got, want) => {}
            Ok(got) => panic!("{what} at {p:?}: replayed {got}, afresh {want}"),
            Err(e) => panic!("{what} at {p:?}: expected BranchChanged, got {e}"),
        }
    }
}

#[test]
fn the_sign_of_abs_in_a_gradient_graph_is_a_guard() {
    // d(|x|·x)/dx = 2|x|: 6 at x = -3. Recorded at x = 2 the graph holds
    // sign(2) = 1 as a constant, x·1 + |x|, which would give 0 there.
    let tape = Tape::new();
    let x = tape.var(2.0);
    let y = x.abs() * x;
    let dy = y.grad_graph(&[x])[0];
    let mut f = tape.compile(dy, &[x]).unwrap();
    assert_eq!(f.value(&[3.0]).unwrap(), 6.0);
    assert!(
        matches!(f.value(&[-3.0]), Err(Error::BranchChanged { .. })),
        "{:?}",
        f.value(&[-3.0])
    );
    replays_or_refuses(
        "abs",
        |x| x[0].abs() * x[0],
        0,
        &[2.0],
        &[&[3.0], &[0.25]],
        &[&[-3.0], &[-0.5]],
        false,
    );
}

#[test]
fn relu_max_and_min_in_a_gradient_graph_are_guards() {
    // d(relu(x)·x)/dx = 2x for x > 0 and 0 below: the graph recorded at
    // x = 2 keeps x + relu(x), which at -3 would give -3.
    replays_or_refuses(
        "relu",
        |x| x[0].relu() * x[0],
        0,
        &[2.0],
        &[&[0.5], &[3.0]],
        &[&[-3.0], &[-0.5]],
        false,
    );
    // d(max(x, 1)·x)/dx: 2x above 1, 1 below (the constant wins).
    replays_or_refuses(
        "max with a constant",
        |x| x[0].max(1.0) * x[0],
        0,
        &[2.0],
        &[&[3.0], &[1.5]],
        &[&[0.5], &[-2.0]],
        false,
    );
    replays_or_refuses(
        "min with a constant",
        |x| x[0].min(1.0) * x[0],
        0,
        &[0.5],
        &[&[0.25], &[-2.0]],
        &[&[2.0], &[3.0]],
        false,
    );
    // ∂(max(a, b)·a)/∂a: the share of the adjoint that goes to a.
    replays_or_refuses(
        "max of two",
        |x| x[0].max(x[1]) * x[0],
        0,
        &[2.0, 1.0],
        &[&[3.0, -1.0]],
        &[&[1.0, 2.0], &[-1.0, 4.0]],
        false,
    );
    replays_or_refuses(
        "min of two",
        |x| x[0].min(x[1]) * x[0],
        0,
        &[2.0, 1.0],
        &[&[3.0, -1.0]],
        &[&[1.0, 2.0], &[-1.0, 4.0]],
        false,
    );
}

#[test]
fn the_range_forms_of_tanh_sigmoid_and_atan_are_guards() {
    // tanh' is 1 - tanh² below |x| = 2 and 4e/(1 + e)² (e = e^(-2|x|))
    // beyond; the two forms round differently.
    replays_or_refuses(
        "tanh",
        |x| x[0].tanh(),
        0,
        &[1.0],
        &[&[0.5], &[-1.5]],
        &[&[3.0], &[-2.5]],
        false,
    );
    replays_or_refuses(
        "tanh beyond 2",
        |x| x[0].tanh(),
        0,
        &[3.0],
        &[&[2.5], &[-4.0]],
        &[&[1.0], &[-0.5]],
        false,
    );
    // σ' is 1/(4cosh²(x/2)) below |x| = 2 and σ(x)σ(-x) beyond.
    replays_or_refuses(
        "sigmoid",
        |x| x[0].sigmoid(),
        0,
        &[1.0],
        &[&[0.5], &[-1.5]],
        &[&[3.0], &[-2.5]],
        false,
    );
    // atan' is 1/(1 + x²) for |x| ≤ 1 and r²/(1 + r²), r = 1/x, beyond
    // (at 1.1 and -3 the two forms round differently). A formula's guard
    // keeps the whole ordering against its threshold, so |x| = 1 exactly,
    // recorded below it, is refused too: safe, never another number.
    replays_or_refuses(
        "atan",
        |x| x[0].atan(),
        0,
        &[0.5],
        &[&[-0.9], &[0.75]],
        &[&[1.1], &[-3.0], &[2.0], &[1.0]],
        false,
    );
}

#[test]
fn hypot_and_pow_at_zero_in_a_gradient_graph_are_guards() {
    // ∂hypot(x, 0)/∂x is taken as 0 where the hypot is 0; recorded at 0
    // the graph is the constant 0, but at x = 2 the derivative is 1.
    replays_or_refuses(
        "hypot at 0",
        |x| x[0].hypot(0.0),
        0,
        &[0.0],
        &[&[0.0]],
        &[&[2.0], &[-1.0]],
        false,
    );
    // Away from 0, ∂hypot(x, y)/∂x = sign(x)/√(1 + (y/x)²) where |x| ≥ |y|
    // (the sign a constant) and x/h elsewhere.
    replays_or_refuses(
        "hypot's sign and form",
        |x| x[0].hypot(x[1]),
        0,
        &[2.0, 0.5],
        &[&[3.0, 1.0]],
        &[&[-2.0, 0.5], &[0.1, 3.0]],
        false,
    );
    // ∂xʸ/∂y is taken as 0 at x = 0, y ≥ 0; at x = 2, y = 2 it is 4 ln 2.
    replays_or_refuses(
        "pow at 0",
        |x| x[0].pow(x[1]),
        1,
        &[0.0, 2.0],
        &[&[0.0, 3.0]],
        &[&[2.0, 2.0], &[0.5, 1.0]],
        false,
    );
}

#[test]
fn the_forms_of_one_minus_a_square_and_of_a_power_are_guards() {
    // asin' = 1/√(1 - x²) and atanh' = 1/(1 - x²) form 1 - x² as 1 - x·x
    // below |x| = 1/2 and as (1 - x)(1 + x) beyond (at 0.8, 0.95 and ±0.6
    // the two round differently).
    replays_or_refuses(
        "asin",
        |x| x[0].asin(),
        0,
        &[0.3],
        &[&[0.1], &[-0.4]],
        &[&[0.8], &[0.95]],
        false,
    );
    replays_or_refuses(
        "atanh",
        |x| x[0].atanh(),
        0,
        &[0.3],
        &[&[0.1], &[-0.4]],
        &[&[0.6], &[-0.6], &[0.8]],
        false,
    );
    // d(x^2.5)/dx = 2.5·x^1.5 is formed as 2.5·z/x where x ≠ 0: recorded
    // at 2 and replayed at 0 that is 0/0 = NaN, where recording afresh
    // gives 2.5·0^1.5 = 0.
    replays_or_refuses(
        "powf",
        |x| x[0].powf(2.5),
        0,
        &[2.0],
        &[&[0.5], &[3.0]],
        &[&[0.0]],
        false,
    );
}

#[test]
fn erf_and_erfc_in_a_gradient_graph_refuse_or_are_reported() {
    // Their derivative e^(-x²) is formed with x cut to 26 bits, a constant
    // taken from the value: replayed elsewhere it may round differently
    // from recording afresh (it does at ±1.7 from 0.5). Either `compile`
    // reports it or the replay refuses where it would differ.
    replays_or_refuses(
        "erf",
        |x| x[0].erf(),
        0,
        &[0.5],
        &[&[0.5]],
        &[&[1.7], &[-1.7], &[1.3]],
        true,
    );
    replays_or_refuses(
        "erfc",
        |x| x[0].erfc(),
        0,
        &[0.5],
        &[&[0.5]],
        &[&[1.7], &[-1.7], &[1.3]],
        true,
    );
}

// ---------------------------------------------------------------------------
// Item 5: an empty dot product in a compiled program.

#[test]
fn an_empty_dot_product_compiles_and_replays() {
    let tape = Tape::new();
    let x = tape.var(2.0);
    let none = tape.vars(&[]);
    let _unused = tape.var(7.0); // the empty block's start is not kept
    let empty = none.dot(&[]);
    let y = x * 3.0 + empty;
    let mut f = tape.compile(y, &[x]).unwrap();
    // 3x + 0 at x = 4 is 12, d/dx = 3.
    let mut grad = [0.0];
    assert_eq!(f.gradient(&[4.0], &mut grad).unwrap(), 12.0);
    assert_eq!(grad, [3.0]);
    // And as the output itself: the constant 0.
    let tape = Tape::new();
    let x = tape.var(2.0);
    let empty = tape.vars(&[]).dot(&[]);
    let mut f = tape.compile(empty, &[x]).unwrap();
    assert_eq!(f.value(&[5.0]).unwrap(), 0.0);
}

// ---------------------------------------------------------------------------
// Item 6: views are not reads.

#[test]
fn viewing_a_graph_is_not_a_read() {
    type View = fn(&Graph) -> String;
    let views: [(&str, View); 4] = [
        ("text", |g| g.to_text()),
        ("dot", |g| g.to_dot()),
        ("svg", |g| g.to_svg()),
        ("html", |g| g.to_html()),
    ];
    for (what, view) in views {
        let tape = Tape::new();
        let x = tape.var(2.0).named("x");
        let y = (x.sin() * x).named("y");
        let _ = view(&Graph::of(y));
        let _ = view(&Graph::of_tape(&tape));
        // Recording goes on after the look: z = y + 1.
        let z = y + 1.0;
        for (output, want) in [(y, 1f64.sin()), (z, 1f64.sin() + 1.0)] {
            let mut f = tape
                .compile(output, &[x])
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            // x·sin x at 1 is sin 1.
            assert_eq!(f.value(&[1.0]).unwrap(), want, "{what}");
        }
    }
}
