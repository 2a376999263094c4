//! Compiled replay: the same numbers as recording afresh, guards that
//! refuse a changed branch with its line, and value reads reported.

mod common;

use common::{Expr, INPUTS, Smooth, expr, record};
use proptest::prelude::*;
use tapegrad::{Compiled, Error, Tape, Var};

/// Bitwise equality, NaN equal to NaN (the same NaN-producing operations).
fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// A small network's loss over two samples: dot products, tanh, relu, a
/// max, an abs, a sum, a custom op and constants on both sides.
fn loss(tape: &Tape, p: &[Var]) -> Var {
    let samples = [([0.5, -1.5], 1.0), ([2.0, 0.25], -1.0)];
    let terms = samples.iter().map(|&(x, y)| {
        let h0 = (p[0] * x[0] + p[1] * x[1] + p[2]).tanh();
        let h1 = (p[3] * x[0] - x[1] * p[4]).relu();
        let out = tape.custom(Smooth, &[h0, h1, p[5]]) + 0.5 * h0.max(h1);
        let e = out - y;
        e * e + (p[0] - p[3]).abs() * 0.01
    });
    tape.sum(terms) / 2.0
}

#[test]
fn replay_equals_fresh_recording_over_a_training_loop() {
    let mut params = vec![0.3, -0.2, 0.1, 0.7, 0.4, -0.5];
    let tape = Tape::new();
    let leaves: Vec<Var> = params.iter().map(|&x| tape.var(x)).collect();
    let mut f = tape.compile(loss(&tape, &leaves), &leaves).unwrap();
    let mut grad = vec![0.0; params.len()];
    for step in 0..500 {
        // The same function recorded afresh at this step's parameters.
        let fresh = Tape::new();
        let xs: Vec<Var> = params.iter().map(|&x| fresh.var(x)).collect();
        let z = loss(&fresh, &xs);
        let want = z.backward().wrt_all(&xs);

        let value = f.gradient(&params, &mut grad).unwrap();
        assert!(same(value, z.value()), "step {step}: value");
        for (j, (g, w)) in grad.iter().zip(&want).enumerate() {
            assert!(same(*g, *w), "step {step}: ∂/∂p{j} {g} vs {w}");
        }
        assert!(same(f.value(&params).unwrap(), z.value()));
        for (p, g) in params.iter_mut().zip(&grad) {
            *p -= 0.1 * g;
        }
    }
}

#[test]
fn kinks_are_evaluated_at_the_new_point() {
    let tape = Tape::new();
    let x = tape.var(2.0);
    let y = x.relu() + x.abs() * 3.0 + x.max(1.0) + x.clamp(-1.0, 1.0);
    let mut f = tape.compile(y, &[x]).unwrap();
    let mut g = [0.0];
    // At x = -0.5: relu 0, |x|·3 = 1.5, max(x, 1) = 1, clamp = -0.5.
    assert_eq!(f.gradient(&[-0.5], &mut g).unwrap(), 2.0);
    // d/dx = 0 + (-3) + 0 + 1
    assert_eq!(g, [-2.0]);
}

#[test]
fn a_guard_that_holds_replays_and_one_that_flips_names_its_line() {
    let tape = Tape::new();
    let x = tape.var(1.0).named("x");
    let line = line!() + 1;
    let y = if x > 0.0 { x.ln() } else { (-x).ln() };
    let mut f = tape.compile(y, &[x]).unwrap();
    assert_eq!(f.guards(), 1);
    // Holds: x = e > 0, ln e = 1.
    assert_eq!(f.value(&[std::f64::consts::E]).unwrap(), 1.0);
    // Flips: at x = -1 the function takes the other branch.
    let err = f.value(&[-1.0]).unwrap_err();
    let Error::BranchChanged {
        comparison,
        location,
        recorded,
        now,
    } = &err
    else {
        panic!("expected BranchChanged, got {err:?}");
    };
    assert_eq!(comparison, "x > 0");
    assert_eq!(location, &format!("{}:{line}", file!()));
    assert_eq!((recorded.as_str(), now.as_str()), ("true", "false"));
    assert_eq!(
        err.to_string(),
        format!(
            "the branch at {}:{line} changed: `x > 0` was true when recorded and is false here; record the function again at this point",
            file!()
        )
    );
    // The program is unharmed: a later replay on the old side works.
    assert_eq!(f.value(&[1.0]).unwrap(), 0.0);
}

#[test]
fn nested_guards_are_checked_outer_first() {
    let tape = Tape::new();
    let (x, y) = (tape.var(2.0).named("x"), tape.var(3.0).named("y"));
    let outer = line!() + 1;
    let z = if x < y {
        let inner = line!() + 1;
        let w = if x * 2.0 > y { x * y } else { x + y };
        (w, inner)
    } else {
        (x - y, 0)
    };
    let (z, inner) = z;
    let mut f = tape.compile(z, &[x, y]).unwrap();
    assert_eq!(f.guards(), 2);
    let location = |e: Error| match e {
        Error::BranchChanged { location, .. } => location,
        other => panic!("expected BranchChanged, got {other:?}"),
    };
    // Both hold: x < y and 2x > y, so z = xy.
    assert_eq!(f.value(&[1.5, 2.0]).unwrap(), 3.0);
    // The inner flips (2·1 < 3) while the outer holds.
    let here = |l: u32| format!("{}:{l}", file!());
    assert_eq!(location(f.value(&[1.0, 3.0]).unwrap_err()), here(inner));
    // The outer flips (and the inner with it): the outer is reported.
    assert_eq!(location(f.value(&[4.0, 3.0]).unwrap_err()), here(outer));
}

#[test]
fn comparisons_of_constants_only_need_no_guard() {
    let tape = Tape::new();
    let x = tape.var(1.0);
    let c = tape.var(5.0); // a leaf that is not an input: fixed in replays
    let y = if c > 2.0 { x * c } else { x };
    let mut f = tape.compile(y, &[x]).unwrap();
    assert_eq!(f.guards(), 0);
    assert_eq!(f.value(&[3.0]).unwrap(), 15.0);
}

#[test]
fn a_comparison_after_the_output_is_still_a_guard() {
    // A comparison made after the output was recorded may still decide
    // what the output is (`if x > 0 { p } else { n }` picks one of two
    // recorded nodes; a convergence check decides where a loop stops), and
    // `compile` cannot tell which: it keeps every comparison made before it
    // is called (issue 23, item 3). Before, it kept only those recorded
    // before the output node and replayed 1e-18 here.
    let tape = Tape::new();
    let x = tape.var(1.0);
    let y = x * x;
    let line = line!() + 1;
    let _stop = y < 1e-6; // a convergence test, made after y was recorded
    let mut f = tape.compile(y, &[x]).unwrap();
    assert_eq!(f.guards(), 1);
    // Holds: 0.5² = 0.25 is not below 1e-6.
    assert_eq!(f.value(&[0.5]).unwrap(), 0.25);
    // Flips: (1e-9)² is below it, and the loop would have stopped.
    match f.value(&[1e-9]) {
        Err(Error::BranchChanged { location, .. }) => {
            assert_eq!(location, format!("{}:{line}", file!()));
        }
        other => panic!("expected BranchChanged, got {other:?}"),
    }
}

#[test]
fn a_value_read_before_the_output_is_reported_with_its_line() {
    let tape = Tape::new();
    let x = tape.var(2.0);
    let line = line!() + 1;
    let scale = if x.value() > 1.0 { 2.0 } else { 3.0 };
    let y = x * scale;
    let err = tape.compile(y, &[x]).unwrap_err();
    assert_eq!(
        err,
        Error::ValueRead {
            node: x.index(),
            location: Some(format!("{}:{line}", file!())),
        }
    );
    assert!(err.to_string().contains("compare Vars instead"), "{err}");
    // Allowed, it replays the recorded graph and lists the read.
    let mut f = tape.compile_allowing_reads(y, &[x]).unwrap();
    assert_eq!(f.value_reads().len(), 1);
    assert_eq!(f.value(&[0.5]).unwrap(), 1.0); // 0.5 · 2, the recorded scale
}

#[test]
fn gradients_read_before_the_output_are_reported_too() {
    // One step of gradient descent recorded on one tape: the step uses a
    // gradient as a plain number, which a replay could not update.
    let tape = Tape::new();
    let x = tape.var(3.0);
    let loss = x * x;
    let g = loss.backward()[x];
    let next = x - 0.1 * g;
    assert!(matches!(
        tape.compile(next * next, &[x]),
        Err(Error::ValueRead { .. })
    ));
}

#[test]
fn reads_of_values_that_do_not_depend_on_the_inputs_are_fine() {
    let tape = Tape::new();
    let (x, c) = (tape.var(1.0), tape.var(4.0));
    let k = c.value().sqrt(); // c is fixed in replays
    let mut f = tape.compile(x * k, &[x]).unwrap();
    assert_eq!(f.value(&[3.0]).unwrap(), 6.0);
}

#[test]
fn a_read_after_the_output_was_recorded_is_reported() {
    // A read of a value that depends on the inputs is reported even after
    // the output was recorded: code may pick the output by it (issue 23,
    // item 3). Before, `compile` accepted this one.
    let tape = Tape::new();
    let x = tape.var(1.0);
    let y = x.exp();
    let line = line!() + 1;
    let _ = y.value();
    assert_eq!(
        tape.compile(y, &[x]).unwrap_err(),
        Error::ValueRead {
            node: y.index(),
            location: Some(format!("{}:{line}", file!())),
        }
    );
}

#[test]
fn a_program_outlives_its_tape_and_crosses_threads() {
    fn compiled() -> Compiled {
        let tape = Tape::new();
        let (w, b) = (tape.var(3.0), tape.var(4.0));
        let z = (2.0 * w + 3.0 * b) * (2.0 * b + 1.0);
        tape.compile(z, &[w, b]).unwrap()
    } // the tape is dropped here
    let mut f = compiled();
    let mut grad = [0.0; 2];
    // z = x·y at w = 3, b = 4: dz/dw = 2y = 18, dz/db = 3y + 2x = 63
    assert_eq!(f.gradient(&[3.0, 4.0], &mut grad).unwrap(), 162.0);
    assert_eq!(grad, [18.0, 63.0]);
    let handles: Vec<_> = (0..2)
        .map(|k| {
            let mut f = f.clone();
            std::thread::spawn(move || {
                let mut grad = [0.0; 2];
                let at = [f64::from(k), 1.0];
                (f.gradient(&at, &mut grad).unwrap(), grad)
            })
        })
        .collect();
    for (k, h) in handles.into_iter().enumerate() {
        let (value, grad) = h.join().unwrap();
        let (w, b) = (k as f64, 1.0);
        let (x, y) = (2.0 * w + 3.0 * b, 2.0 * b + 1.0);
        assert_eq!(value, x * y);
        assert_eq!(grad, [2.0 * y, 3.0 * y + 2.0 * x]);
    }
}

#[test]
fn bad_inputs_are_clear_errors() {
    let tape = Tape::new();
    let (x, y) = (tape.var(1.0), tape.var(2.0));
    let s = x + y;
    let z = s * s;
    assert_eq!(
        tape.compile(z, &[x, s]).unwrap_err(),
        Error::NotALeaf {
            position: 1,
            node: s.index(),
            op: "add".to_string()
        }
    );
    assert_eq!(
        tape.compile(z, &[x, y, x]).unwrap_err(),
        Error::RepeatedInput {
            first: 0,
            position: 2,
            node: x.index()
        }
    );
    let mut f = tape.compile(z, &[x, y]).unwrap();
    let err = f.value(&[1.0]).unwrap_err();
    assert_eq!(
        err,
        Error::Length {
            what: "input",
            expected: 2,
            got: 1
        }
    );
    assert_eq!(
        err.to_string(),
        "the input has 1 numbers; the compiled function takes 2 inputs"
    );
    let mut grad = [0.0; 3];
    assert!(matches!(
        f.gradient(&[1.0, 2.0], &mut grad),
        Err(Error::Length {
            what: "gradient buffer",
            got: 3,
            ..
        })
    ));
}

#[test]
#[should_panic(expected = "another tape")]
fn compiling_a_var_of_another_tape_panics() {
    let (a, b) = (Tape::new(), Tape::new());
    let x = b.var(1.0);
    let _ = a.compile(x, &[x]);
}

#[test]
fn non_finite_numbers_follow_ieee_and_the_checked_gradient_names_the_op() {
    let tape = Tape::new();
    let x = tape.var(2.0);
    let mut f = tape.compile(x.ln() * 2.0, &[x]).unwrap();
    let mut grad = [0.0];
    // IEEE: ln(-1) is NaN, and so is its gradient's use of it.
    assert!(f.gradient(&[-1.0], &mut grad).unwrap().is_nan());
    assert!(f.value(&[f64::NAN]).unwrap().is_nan());
    let err = f.try_gradient(&[-1.0], &mut grad).unwrap_err();
    assert!(
        matches!(&err, Error::NonFinite { op, .. } if op == "ln"),
        "{err:?}"
    );
    // d(2 ln x)/dx = 2/x
    assert_eq!(f.try_gradient(&[4.0], &mut grad).unwrap(), 2.0 * 4f64.ln());
    assert_eq!(grad, [0.5]);
}

#[test]
fn a_nan_input_flips_a_guard() {
    let tape = Tape::new();
    let x = tape.var(1.0);
    let y = if x >= 0.0 { x.sqrt() } else { x };
    let mut f = tape.compile(y, &[x]).unwrap();
    // NaN >= 0 is false: a fresh recording would take the other branch.
    assert!(matches!(
        f.value(&[f64::NAN]),
        Err(Error::BranchChanged { .. })
    ));
}

#[test]
fn the_program_holds_only_what_the_output_needs() {
    let tape = Tape::new();
    let x = tape.var(1.0);
    for k in 0..100 {
        let _ = x * f64::from(k); // unrelated work on the same tape
    }
    let y = x.sin();
    let f = tape.compile(y, &[x]).unwrap();
    assert_eq!(tape.len(), 102);
    assert_eq!(f.len(), 2);
}

#[test]
fn sorting_by_partial_cmp_guards_the_order() {
    let tape = Tape::new();
    let xs = [tape.var(3.0), tape.var(1.0), tape.var(2.0)];
    let mut sorted = xs;
    sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
    // The largest minus the smallest, as recorded: x0 - x1.
    let spread = sorted[2] - sorted[0];
    let mut f = tape.compile(spread, &xs).unwrap();
    assert!(f.guards() >= 2);
    assert_eq!(f.value(&[5.0, 0.0, 2.5]).unwrap(), 5.0);
    assert!(matches!(
        f.value(&[0.0, 5.0, 2.5]),
        Err(Error::BranchChanged { .. })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn replay_equals_fresh_recording_on_random_expressions(
        e in expr(),
        first in proptest::array::uniform3(-2.0..2.0f64),
        then in proptest::collection::vec(proptest::array::uniform3(-2.0..2.0f64), 1..4),
    ) {
        let tape = Tape::new();
        let leaves: Vec<Var> = first.iter().map(|&x| tape.var(x)).collect();
        let out = record(&e, &tape, &leaves);
        let mut f = tape.compile(out, &leaves).unwrap();
        let mut grad = [0.0; INPUTS];
        for at in then {
            let fresh = Tape::new();
            let xs: Vec<Var> = at.iter().map(|&x| fresh.var(x)).collect();
            let z = record(&e, &fresh, &xs);
            let want = z.backward().wrt_all(&xs);
            let value = f.gradient(&at, &mut grad).unwrap();
            prop_assert!(same(value, z.value()), "{e:?} at {at:?}: {value} vs {}", z.value());
            for (g, w) in grad.iter().zip(&want) {
                prop_assert!(same(*g, *w), "{e:?} at {at:?}: {grad:?} vs {want:?}");
            }
        }
    }
}

/// Sums of products, as neurons and dot products write them: each sum and
/// the run of products recorded just before it replay as one step.
fn neurons(tape: &Tape, p: &[Var]) -> Var {
    let x = [0.5, -1.5];
    // Products with a constant (`w·x`), then of two nodes (`w·h`).
    let h: Vec<Var> = (0..3)
        .map(|j| tape.sum([p[j], p[3] * x[0], p[4] * x[1]]).tanh())
        .collect();
    let score = tape.sum(std::iter::once(p[5]).chain(h.iter().zip(p).map(|(&h, &w)| w * h)));
    // A product used twice, a square, and a sum of mixed products: only
    // the single-use run of one op just before each sum is fused.
    let shared = p[0] * p[1];
    let mixed = tape.sum([p[2] * p[3], shared, p[4] * 2.0, p[5] * 3.0]);
    let squares = tape.sum(p.iter().map(|&q| q * q));
    // A product the sum takes twice is used twice.
    let twice = p[1] * p[2];
    let doubled = tape.sum([twice, twice]);
    // Products summed in another order than recorded: summed as nodes.
    let (a, b) = (p[0] * p[4], p[1] * p[5]);
    let reversed = tape.sum([b, a]);
    // A neuron written as a loop of additions (`acc = acc + w·h`), and one
    // with plain data (`w·x`), then a loop of one addition.
    let mut looped = p[5];
    for (&w, &h) in p.iter().zip(&h) {
        looped += w * h;
    }
    let mut data = h[0];
    for (&w, &x) in p.iter().zip(&[0.5, -2.0, 3.0]) {
        data += w * x;
    }
    let once = score + p[2] * p[2];
    (1.0 - score).relu()
        + mixed * shared
        + squares * 1e-2
        + doubled
        + reversed
        + looped * data
        + once
}

#[test]
fn fused_sums_of_products_replay_as_recorded_bit_for_bit() {
    let tape = Tape::new();
    let leaves: Vec<Var> = (0..6).map(|i| tape.var(0.1 * i as f64)).collect();
    let mut f = tape.compile(neurons(&tape, &leaves), &leaves).unwrap();
    // Three neurons, the score, the mixed sum's last two products and the
    // squares as sums; the shared product is used twice and stays a node,
    // and so do products that do not end their sum's list in recorded
    // order. As chains: the two loops; `once` and the products that the
    // last line adds to its total (`+ mixed * shared`, …) are one product
    // each, too short to fuse: 8.
    assert!(format!("{f:?}").contains("fused_runs: 8"), "{f:?}");
    let mut grad = [0.0; 6];
    let points = [
        [0.3, -0.2, 0.1, 0.7, 0.4, -0.5],
        // The relu is flat here: the score's adjoint is 0.
        [0.0, 0.0, 0.0, 0.0, 0.0, 5.0],
        [-0.0, 0.0, -0.0, 1e300, -1e300, 2.0],
        [f64::NAN, 1.0, 2.0, 3.0, 4.0, 5.0],
        [f64::INFINITY, 0.0, 1.0, -1.0, 0.5, 0.25],
    ];
    for at in points {
        let fresh = Tape::new();
        let xs: Vec<Var> = at.iter().map(|&x| fresh.var(x)).collect();
        let z = neurons(&fresh, &xs);
        let want = z.backward().wrt_all(&xs);
        let value = f.gradient(&at, &mut grad).unwrap();
        assert!(
            same(value, z.value()),
            "at {at:?}: {value} vs {}",
            z.value()
        );
        for (j, (g, w)) in grad.iter().zip(&want).enumerate() {
            assert!(same(*g, *w), "at {at:?}: ∂/∂p{j} {g} vs {w}");
        }
        assert!(same(f.value(&at).unwrap(), z.value()));
    }
}

/// `x₀ + Σ xᵢ·xᵢ₋₁` as a loop of additions; with `guard`, the running
/// total is compared with 0 after the third term.
fn looped(xs: &[Var], guard: bool) -> Var {
    let mut acc = xs[0];
    for i in 1..xs.len() {
        acc += xs[i] * xs[i - 1];
        if guard && i == 3 {
            assert!(acc > 0.0);
        }
    }
    acc
}

#[test]
fn a_loop_of_additions_read_midway_is_fused_on_each_side_of_the_read() {
    let tape = Tape::new();
    let w: Vec<Var> = (0..6).map(|i| tape.var(0.5 + i as f64)).collect();
    let mut f = tape.compile(looped(&w, true), &w).unwrap();
    // w1·w0 … w3·w2 up to the guard, w4·w3 and w5·w4 after it.
    assert!(format!("{f:?}").contains("fused_runs: 2"), "{f:?}");
    let mut grad = [0.0; 6];
    // The total at the guard is 1 - 2·1 - 0.5·2 + 4·0.5 = 0, not > 0: the
    // branch changed, so the replay refuses.
    let at = [1.0, -2.0, 0.5, 4.0, -0.25, 3.0];
    assert!(matches!(
        f.gradient(&at, &mut grad),
        Err(Error::BranchChanged { .. })
    ));
    // Here it is 1 + 2 + 1 + 2 = 6 > 0, and the replay is the recording.
    let at = [1.0, 2.0, 0.5, 4.0, -0.25, 3.0];
    let fresh = Tape::new();
    let xs: Vec<Var> = at.iter().map(|&x| fresh.var(x)).collect();
    let z = looped(&xs, false);
    assert!(same(f.gradient(&at, &mut grad).unwrap(), z.value()));
    assert_eq!(grad.to_vec(), z.backward().wrt_all(&xs));
}

#[test]
fn products_the_caller_reads_are_not_fused() {
    let tape = Tape::new();
    let (w, x) = (tape.var(2.0), tape.var(3.0));
    // A guard reads this product, so it keeps its own node.
    let p = w * x;
    let y = if p > 0.0 {
        tape.sum([w, p])
    } else {
        tape.sum([x, p])
    };
    let f = tape.compile(y, &[w, x]).unwrap();
    assert!(format!("{f:?}").contains("fused_runs: 0"), "{f:?}");
    let mut f = f;
    assert!(matches!(
        f.value(&[-2.0, 3.0]),
        Err(Error::BranchChanged { .. })
    ));
    let mut grad = [0.0; 2];
    // ∂(w + wx)/∂w = 1 + x, ∂/∂x = w
    assert_eq!(f.gradient(&[1.0, 4.0], &mut grad).unwrap(), 5.0);
    assert_eq!(grad, [5.0, 1.0]);
}

/// A step of a random program over the leaves: each makes a new candidate
/// output or only compares; the output is one of the candidates, maybe
/// picked by a comparison. Candidates are named by how far back they were
/// made (0 is the last).
#[derive(Clone, Debug)]
enum Step {
    /// Record an expression over the leaves.
    Record(Expr),
    /// Compare two candidates and drop the answer, as a convergence check
    /// does.
    Check(usize, usize),
    /// Candidate `then` if candidate `a` < candidate `b`, else `other`;
    /// made after all four were recorded.
    Pick {
        a: usize,
        b: usize,
        then: usize,
        other: usize,
    },
    /// The larger of two candidates by `max_by(partial_cmp)`.
    Larger(usize, usize),
    /// Candidate `i` compared with a constant: itself if above, else
    /// negated.
    Above(usize, f64),
    /// The gradient graph of candidate `i` with respect to leaf `j`.
    Grad(usize, usize),
    /// Candidate `i`'s value read as a number, which picks a factor.
    Read(usize),
    /// Candidate `i` plus its gradient with respect to leaf `j`, read as
    /// a number.
    Backward(usize, usize),
    /// The custom op `Smooth` over two candidates.
    Custom(usize, usize),
}

fn step() -> impl Strategy<Value = Step> {
    // Mostly the last two candidates made.
    let i = || prop_oneof![0..2usize, 0..64usize];
    prop_oneof![
        4 => expr().prop_map(Step::Record),
        2 => (i(), i()).prop_map(|(a, b)| Step::Check(a, b)),
        3 => (i(), i(), i(), i()).prop_map(|(a, b, then, other)| Step::Pick { a, b, then, other }),
        1 => (i(), i()).prop_map(|(a, b)| Step::Larger(a, b)),
        1 => (i(), -1.0..1.0f64).prop_map(|(a, c)| Step::Above(a, c)),
        2 => (i(), 0..INPUTS).prop_map(|(a, j)| Step::Grad(a, j)),
        1 => i().prop_map(Step::Read),
        1 => (i(), 0..INPUTS).prop_map(|(a, j)| Step::Backward(a, j)),
        1 => (i(), i()).prop_map(|(a, b)| Step::Custom(a, b)),
    ]
}

/// A program: its steps and which candidate is the output (counted from
/// the first, the leaves; `None`: the last one made).
fn program() -> impl Strategy<Value = (Vec<Step>, Option<usize>)> {
    (
        proptest::collection::vec(step(), 1..8),
        proptest::option::of(0..64usize),
    )
}

/// Runs `steps` on `tape` over `leaves`; returns the output.
fn run(steps: &[Step], out: Option<usize>, tape: &Tape, leaves: &[Var]) -> Var {
    let mut c: Vec<Var> = leaves.to_vec();
    let mut grads = 0;
    for s in steps {
        // Counted from the last candidate made.
        let pick = |i: usize| c[c.len() - 1 - i % c.len()];
        let next = match *s {
            Step::Record(ref e) => record(e, tape, leaves),
            Step::Check(a, b) => {
                let _converged = pick(a) < pick(b);
                continue;
            }
            Step::Pick { a, b, then, other } => {
                if pick(a) < pick(b) {
                    pick(then)
                } else {
                    pick(other)
                }
            }
            Step::Larger(a, b) => [pick(a), pick(b)]
                .into_iter()
                .max_by(|x, y| x.partial_cmp(y).unwrap_or(std::cmp::Ordering::Equal))
                .unwrap(),
            Step::Above(a, k) => {
                if pick(a) > k {
                    pick(a)
                } else {
                    -pick(a)
                }
            }
            // Gradients of gradients of gradients grow fast: two at most.
            Step::Grad(a, j) if grads < 2 => {
                grads += 1;
                pick(a).grad_graph(leaves)[j]
            }
            Step::Grad(a, _) => pick(a),
            Step::Read(a) => {
                let factor = if pick(a).value() > 0.0 { 2.0 } else { -1.0 };
                pick(a) * factor
            }
            Step::Backward(a, j) => {
                let g = pick(a).backward()[leaves[j]];
                pick(a) + g
            }
            Step::Custom(a, b) => tape.custom(Smooth, &[pick(a), pick(b)]),
        };
        c.push(next);
    }
    c[out.unwrap_or(c.len() - 1) % c.len()]
}

/// A coordinate: mostly in [-2, 2], sometimes exactly at a kink.
fn coordinate() -> impl Strategy<Value = f64> {
    prop_oneof![
        8 => -2.0..2.0f64,
        1 => Just(0.0),
        1 => Just(-0.0),
        1 => Just(1.0),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    /// Random programs with comparisons before, between and after the
    /// candidate outputs, the output picked by a comparison, gradient
    /// graphs, value reads and custom ops, compiled at one point: at every
    /// other point the replay is recording afresh there, bit for bit, or
    /// an error; never another number. `compile` may refuse only for a
    /// read. Replay points keep some of the recorded coordinates, so that
    /// many hold every guard.
    #[test]
    fn compiled_random_programs_replay_as_recorded_afresh_or_refuse(
        (steps, out) in program(),
        first in proptest::array::uniform3(coordinate()),
        then in proptest::collection::vec(
            (proptest::array::uniform3(coordinate()), proptest::array::uniform3(any::<bool>())),
            1..4,
        ),
    ) {
        let tape = Tape::new();
        let leaves: Vec<Var> = first.iter().map(|&x| tape.var(x)).collect();
        let output = run(&steps, out, &tape, &leaves);
        let mut f = match tape.compile(output, &leaves) {
            Ok(f) => f,
            Err(Error::ValueRead { .. }) => return Ok(()),
            Err(e) => return Err(TestCaseError::fail(format!("compile: {e}"))),
        };
        let points = std::iter::once(first).chain(then.into_iter().map(|(p, keep)| {
            std::array::from_fn(|k| if keep[k] { first[k] } else { p[k] })
        }));
        let mut grad = [0.0; INPUTS];
        for at in points {
            let fresh = Tape::new();
            let xs: Vec<Var> = at.iter().map(|&x| fresh.var(x)).collect();
            let z = run(&steps, out, &fresh, &xs);
            let want = z.backward().wrt_all(&xs);
            match f.value(&at) {
                Ok(v) => prop_assert!(same(v, z.value()), "at {at:?}: replayed {v}, afresh {}", z.value()),
                Err(Error::BranchChanged { .. }) => {}
                Err(e) => return Err(TestCaseError::fail(format!("at {at:?}: {e}"))),
            }
            match f.gradient(&at, &mut grad) {
                Ok(v) => {
                    prop_assert!(same(v, z.value()), "at {at:?}: replayed {v}, afresh {}", z.value());
                    for (g, w) in grad.iter().zip(&want) {
                        prop_assert!(same(*g, *w), "at {at:?}: replayed {grad:?}, afresh {want:?}");
                    }
                }
                Err(Error::BranchChanged { .. }) => {}
                Err(e) => return Err(TestCaseError::fail(format!("at {at:?}: {e}"))),
            }
        }
    }
}
