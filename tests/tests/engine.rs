//! The engine end to end: the tutorial's worked example, graph shapes that
//! trip up naive backprop, big tapes, tape reuse, threads and misuse.

use tapegrad::{Error, NonFinite, Op, Tape, Var};

#[test]
fn tutorial_z_equals_x_times_y_at_w3_b4() {
    let tape = Tape::new();
    let w = tape.var(3.0).named("w");
    let b = tape.var(4.0).named("b");
    let x = (2.0 * w + 3.0 * b).named("x");
    let y = (2.0 * b + 1.0).named("y");
    let z = (x * y).named("z");
    // x = 2·3 + 3·4 = 18, y = 2·4 + 1 = 9, z = 18·9 = 162
    assert_eq!(x.value(), 18.0);
    assert_eq!(y.value(), 9.0);
    assert_eq!(z.value(), 162.0);
    let g = z.backward();
    // dz/dx = y = 9, dz/dy = x = 18
    assert_eq!(g.wrt(x), 9.0);
    assert_eq!(g.wrt(y), 18.0);
    // dz/dw = dz/dx · dx/dw = 9 · 2 = 18
    assert_eq!(g.wrt(w), 18.0);
    // dz/db = dz/dx · 3 + dz/dy · 2 = 3y + 2x = 27 + 36 = 63
    assert_eq!(g[b], 63.0);
    assert_eq!(g.wrt(z), 1.0);
}

#[test]
fn a_node_used_twice_accumulates_both_paths() {
    let tape = Tape::new();
    let a = tape.var(5.0);
    let b = a + a;
    // db/da = 1 + 1 = 2
    assert_eq!(b.backward().wrt(a), 2.0);
    let c = a * a;
    // dc/da = a + a = 10
    assert_eq!(c.backward().wrt(a), 10.0);
}

#[test]
fn a_shared_subexpression_is_differentiated_once_per_use() {
    let tape = Tape::new();
    let x = tape.var(1.5);
    let u = x * x;
    let z = u * u + u.sin();
    // z = x⁴ + sin x², dz/dx = 4x³ + 2x·cos x² = 13.5 + 3·cos 2.25
    let expected = 4.0 * 1.5f64.powi(3) + 3.0 * 2.25f64.cos();
    assert!((z.backward().wrt(x) - expected).abs() < 1e-14);
}

#[test]
fn an_unused_leaf_and_later_nodes_have_zero_gradient() {
    let tape = Tape::new();
    let x = tape.var(2.0);
    let unused = tape.var(7.0);
    let z = x * 3.0;
    let after = z * unused;
    let g = z.backward();
    assert_eq!(g.wrt(unused), 0.0);
    // Nodes recorded after the output do not influence it.
    assert_eq!(g.wrt(after), 0.0);
    assert_eq!(g.wrt(x), 3.0);
}

#[test]
fn backward_twice_gives_the_same_answer_and_leaves_the_tape_alone() {
    let tape = Tape::new();
    let x = tape.var(0.7);
    let y = tape.var(-1.3);
    let z = (x * y).sin() + x.exp() / y;
    let before: Vec<_> = tape.nodes().collect();
    let first = z.backward().as_slice().to_vec();
    let second = z.backward().as_slice().to_vec();
    assert_eq!(first, second);
    assert_eq!(tape.nodes().collect::<Vec<_>>(), before);
}

#[test]
fn gradients_list_every_leaf_in_creation_order() {
    let tape = Tape::new();
    let a = tape.var(1.0);
    let _c = tape.constant(10.0);
    let b = tape.var(2.0);
    let unused = tape.var(3.0);
    let z = a * b + 1.0;
    let g = z.backward();
    let leaves: Vec<(usize, f64)> = g.leaves().iter().map(|(v, d)| (v.index(), *d)).collect();
    // dz/da = b = 2, dz/db = a = 1, the unused leaf 0; the constant is no leaf.
    assert_eq!(
        leaves,
        vec![(a.index(), 2.0), (b.index(), 1.0), (unused.index(), 0.0)]
    );
}

#[test]
fn compound_assignment_and_negation_record_like_their_operators() {
    let tape = Tape::new();
    let x = tape.var(3.0);
    let mut acc = x;
    acc += 1.0; // x + 1
    acc *= x; // (x + 1)·x
    acc -= x; // x²
    acc /= 2.0; // x²/2
    let z = -acc;
    // z = -x²/2, dz/dx = -x = -3
    assert_eq!(z.value(), -4.5);
    assert_eq!(z.backward().wrt(x), -3.0);
    let mut v = x;
    v += x;
    v -= x;
    v *= x;
    v /= x;
    // v = ((x + x - x)·x)/x = x, dv/dx = 1
    assert_eq!(v.backward().wrt(x), 1.0);
}

#[test]
fn a_sum_over_a_million_leaves_is_one_node_with_unit_gradients() {
    let n = 1_000_000;
    let tape = Tape::with_capacity(n + 1);
    let leaves: Vec<_> = (0..n).map(|i| tape.var(i as f64)).collect();
    let total = tape.sum(leaves.iter().copied());
    // One node for the sum, on top of the leaves.
    assert_eq!(tape.len(), n + 1);
    // Σ i for i < n = n(n-1)/2, exact in f64 at this size.
    assert_eq!(total.value(), (n * (n - 1) / 2) as f64);
    let g = total.backward();
    assert!(leaves.iter().all(|&x| g.wrt(x) == 1.0));
}

#[test]
fn a_sum_may_record_inside_its_own_iterator() {
    let tape = Tape::new();
    let x = tape.var(2.0);
    // The inner sums are recorded while the outer one is still collecting.
    let z = tape.sum((1..=3).map(|k| tape.sum([x * k as f64, x])));
    // z = Σ (k·x + x) for k = 1..3 = 9x, dz/dx = 9
    assert_eq!(z.value(), 18.0);
    assert_eq!(z.backward().wrt(x), 9.0);
    // Three levels recorded inside each other's iterators, with inputs
    // before and after the nested sums: u = x + Σ(Σ(x, x), x) + x = 5x.
    let inner = |j: usize| if j == 0 { tape.sum([x, x]) } else { x };
    let middle = |k: usize| {
        if k == 1 {
            tape.sum((0..2).map(inner))
        } else {
            x
        }
    };
    let u = tape.sum((0..3).map(middle));
    assert_eq!(u.value(), 10.0);
    assert_eq!(u.backward().wrt(x), 5.0);
    // An empty sum is zero.
    assert_eq!(tape.sum(&[] as &[Var]).value(), 0.0);
}

#[test]
fn a_sum_interrupted_by_a_panic_leaves_the_tape_consistent() {
    let (tape, other) = (Tape::new(), Tape::new());
    let x = tape.var(2.0);
    let interrupted = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        tape.sum([x, x * 5.0, other.var(1.0)])
    }));
    assert!(interrupted.is_err());
    // The next sums see none of the interrupted one's inputs:
    // z = 3x + x = 4x, dz/dx = 4; nested, w = Σ (x + x·k) over k = 1, 2 = 5x.
    let z = tape.sum([x * 3.0, x]);
    assert_eq!(z.value(), 8.0);
    assert_eq!(z.backward().wrt(x), 4.0);
    let w = tape.sum([x, tape.sum([x, x]), x * 2.0]);
    assert_eq!(w.value(), 10.0);
    assert_eq!(w.backward().wrt(x), 5.0);
}

#[test]
#[should_panic(expected = "a sum recorded while gathering another sum's terms panicked")]
fn a_panic_caught_inside_a_sums_terms_is_refused_rather_than_summed_wrong() {
    let (tape, other) = (Tape::new(), Tape::new());
    let x = tape.var(1.0);
    let _ = tape.sum((0..2).map(|k| {
        if k == 0 {
            // The inner sum gathers x, then panics on the foreign Var.
            let inner = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                tape.sum([x, other.var(1.0)])
            }));
            assert!(inner.is_err());
        }
        x
    }));
}

/// `steps` links of `x ← x + h·sin x` (three nodes a link), and its
/// gradient checked against the same recurrence run forward in `f64`.
fn chain(steps: usize) {
    let tape = Tape::with_capacity(3 * steps + 1);
    let x0 = tape.var(0.3);
    let mut x = x0;
    let (mut value, mut derivative) = (0.3f64, 1.0f64);
    for _ in 0..steps {
        x = x + x.sin() * 1e-6;
        // d(x + h·sin x)/dx = 1 + h·cos x, by forward accumulation; the small
        // step keeps the product of ten million factors far from underflow.
        derivative *= 1.0 + value.cos() * 1e-6;
        value += value.sin() * 1e-6;
    }
    assert_eq!(tape.len(), 3 * steps + 1);
    assert_eq!(x.value(), value);
    let g = x.backward();
    let relative = (g.wrt(x0) - derivative).abs() / derivative.abs();
    // The two sides round in different orders: n·ε apart at most.
    assert!(
        relative < steps as f64 * 1e-15,
        "{} vs {derivative}",
        g.wrt(x0)
    );
}

/// Ten million nodes take well under a second, so this runs by default.
#[test]
fn a_chain_of_ten_million_nodes_backpropagates_without_stack_overflow() {
    chain(10_000_000 / 3);
}

#[test]
fn a_cleared_tape_is_reused_without_growing() {
    let mut tape = Tape::new();
    let mut x = 1.2;
    let mut reserved = None;
    for step in 0..200 {
        tape.clear();
        let v = tape.var(x);
        let j = v * v;
        let g = j.backward();
        // J = x², dJ/dx = 2x; one step of gradient descent with η = 0.3.
        assert_eq!(g.wrt(v), 2.0 * x);
        x -= 0.3 * g.wrt(v);
        drop(g);
        assert_eq!(tape.len(), 2);
        let now = tape.bytes_reserved();
        if step > 0 {
            assert_eq!(Some(now), reserved, "the tape grew at step {step}");
        }
        reserved = Some(now);
    }
    // x_n = 1.2·0.4ⁿ shrinks to nothing.
    assert!(x.abs() < 1e-70);
}

#[test]
fn each_thread_records_on_a_tape_of_its_own() {
    // A tape records on the thread that made it (it is not `Send`, see the
    // compile_fail example on `Tape`); a thread makes its own.
    let results: Vec<f64> = (0..4)
        .map(|k| {
            std::thread::spawn(move || {
                let tape = Tape::new();
                let x = tape.var(k as f64);
                // d(x³)/dx = 3x²
                (x * x * x).backward().wrt(x)
            })
        })
        .map(|h| h.join().unwrap())
        .collect();
    assert_eq!(results, vec![0.0, 3.0, 12.0, 27.0]);
}

#[test]
#[should_panic(expected = "cannot combine Vars from two different tapes")]
fn mixing_vars_of_two_tapes_panics_and_says_so() {
    let (t1, t2) = (Tape::new(), Tape::new());
    let _ = t1.var(1.0) * t2.var(2.0);
}

#[test]
#[should_panic(expected = "cannot combine Vars from two different tapes")]
fn summing_vars_of_two_tapes_panics() {
    let (t1, t2) = (Tape::new(), Tape::new());
    let _ = t1.sum([t1.var(1.0), t2.var(2.0)]);
}

#[test]
#[should_panic(expected = "two different tapes")]
fn asking_gradients_for_a_var_of_another_tape_panics() {
    let (t1, t2) = (Tape::new(), Tape::new());
    let x = t1.var(1.0);
    let g = (x * 2.0).backward();
    let _ = g.wrt(t2.var(1.0));
}

#[test]
fn ieee_faults_flow_through_the_fast_path() {
    let tape = Tape::new();
    let m = tape.var(-1.0);
    let zero = tape.var(0.0);
    // ln(-1) and √-1 are NaN; 0/0 is NaN; 1/0 is +∞.
    assert!(m.ln().value().is_nan());
    assert!(m.sqrt().value().is_nan());
    assert!((zero / zero).value().is_nan());
    assert_eq!((1.0 / zero).value(), f64::INFINITY);
    assert!(m.ln().backward().wrt(m).is_finite()); // d ln x = 1/x = -1
    assert!((zero / zero).backward().wrt(zero).is_nan());
}

#[test]
fn try_backward_names_the_node_whose_value_is_not_finite() {
    let tape = Tape::new();
    let x = tape.var(-1.0).named("x");
    let a = (x * 2.0).named("a");
    let b = a.ln().named("b");
    let c = b * 3.0;
    let err = c.try_backward().unwrap_err();
    let Error::NonFinite {
        node,
        op,
        name,
        inputs,
        value,
        cause,
        ..
    } = err.clone()
    else {
        unreachable!()
    };
    // ln(2·(-1)) = ln(-2) = NaN: node b is the first non-finite value.
    assert_eq!(node, b.index());
    assert_eq!(op, "ln");
    assert_eq!(name.as_deref(), Some("b"));
    assert_eq!(inputs, vec![(a.index(), -2.0)]);
    assert!(value.is_nan());
    assert_eq!(cause, NonFinite::Value);
    assert_eq!(
        err.to_string(),
        "node %2 `b` (ln %1 = NaN; %1 = -2.0) has a non-finite value"
    );
}

#[test]
fn try_backward_reports_sqrt_of_minus_one_and_zero_over_zero() {
    let tape = Tape::new();
    let x = tape.var(-1.0);
    let err = x.sqrt().try_backward().unwrap_err();
    assert!(
        matches!(err, Error::NonFinite { ref op, cause: NonFinite::Value, ref inputs, .. } if op == "sqrt" && inputs == &[(x.index(), -1.0)])
    );
    let z = tape.var(0.0).named("z");
    let err = (z / z).try_backward().unwrap_err();
    assert_eq!(
        err.to_string(),
        "node %1 (div %0, %0 = NaN; %0 = 0.0, %0 = 0.0) has a non-finite value"
    );
}

#[test]
fn try_backward_names_the_op_whose_partial_is_infinite() {
    let tape = Tape::new();
    let x = tape.var(0.0).named("x");
    let r = x.sqrt().named("r");
    // r = √0 = 0 is finite, but dr/dx = 1/(2√x) = ∞.
    let err = (r + 1.0).try_backward().unwrap_err();
    assert_eq!(
        err.to_string(),
        "node %1 `r` (sqrt %0 = 0.0; %0 = 0.0) gives its input %0 the non-finite adjoint inf"
    );
    assert!(matches!(
        err,
        Error::NonFinite { cause: NonFinite::Adjoint { input: 0, adjoint, .. }, .. } if adjoint == f64::INFINITY
    ));
}

#[test]
fn try_backward_ignores_faults_the_output_does_not_depend_on() {
    let tape = Tape::new();
    let x = tape.var(0.0);
    let _broken = x.ln(); // -∞, but unused
    let _steep = x.sqrt(); // ∞ partial, but unused
    let z = x * 2.0 + 1.0;
    let g = z.try_backward().unwrap();
    // dz/dx = 2: the unused √0 must not add 0·∞ = NaN.
    assert_eq!(g.wrt(x), 2.0);
    assert_eq!(z.backward().wrt(x), 2.0);
}

#[test]
fn gradient_check_reports_each_input() {
    // f(x, y) = x² · sin y + x/y
    let report =
        tapegrad::check::gradcheck(|_, v| v[0] * v[0] * v[1].sin() + v[0] / v[1], &[1.5, 0.7])
            .unwrap();
    assert!(report.passed(), "{report}");
    assert_eq!(report.inputs.len(), 2);
    // df/dx = 2x·sin y + 1/y
    let dx = 3.0 * 0.7f64.sin() + 1.0 / 0.7;
    assert!((report.inputs[0].reverse - dx).abs() < 1e-14);
    assert!((report.inputs[0].finite_difference - dx).abs() < 1e-7);
    assert!(report.max_relative_error() < 1e-8);
    let text = report.to_string();
    assert!(text.contains("finite difference") && text.lines().count() == 4);
}

#[test]
fn gradient_check_fails_a_wrong_gradient() {
    // relu at its kink: the reverse sweep takes 0, the central difference sees ½.
    let report = tapegrad::check::gradcheck(|_, v| v[0].relu(), &[0.0]).unwrap();
    assert!(!report.passed());
    assert_eq!(report.inputs[0].reverse, 0.0);
    assert!((report.inputs[0].finite_difference - 0.5).abs() < 1e-12);
}

#[test]
fn gradient_check_returns_the_error_of_a_non_finite_point() {
    let err = tapegrad::check::gradcheck(|_, v| v[0].ln(), &[-1.0]).unwrap_err();
    assert!(matches!(err, Error::NonFinite { ref op, .. } if op == "ln"));
}

#[test]
fn node_views_show_op_inputs_constant_value_and_name() {
    let tape = Tape::new();
    let w = tape.var(3.0).named("w");
    let x = 2.0 - w;
    let n = tape.node(x.index());
    assert_eq!(n.op, Op::ConstSub);
    assert_eq!(n.op.name(), "sub");
    assert_eq!(n.inputs.as_slice(), &[w.index()]);
    assert_eq!(n.constant, Some(2.0));
    assert_eq!(n.value, -1.0);
    assert_eq!(n.name, None);
    assert_eq!(tape.node(0).name.as_deref(), Some("w"));
    assert_eq!(w.powi(3).value(), 27.0);
    assert_eq!(tape.node(tape.len() - 1).constant, Some(3.0));
}
