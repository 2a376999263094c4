//! Recorded gradient graphs: their values, their size, and derivatives of
//! second and third order built by differentiating them again.

mod common;

use common::{expr, record};
use proptest::prelude::*;
use tapegrad::{Tape, Var, hessian, hessian_vector_product};

/// The first three derivatives of `f` at `x`, each by differentiating the
/// previous one's recorded graph.
fn three_derivatives(f: impl for<'t> Fn(Var) -> Var, x: f64) -> [f64; 3] {
    let tape = Tape::new();
    let v = tape.var(x);
    let d1 = f(v).grad_graph(&[v])[0];
    let d2 = d1.grad_graph(&[v])[0];
    let d3 = d2.grad_graph(&[v])[0];
    [d1.value(), d2.value(), d3.value()]
}

#[track_caller]
fn close(got: f64, want: f64, relative: f64) {
    assert!(
        (got - want).abs() <= relative * want.abs().max(1e-300),
        "got {got:e}, want {want:e}"
    );
}

#[test]
fn tutorial_gradient_graph_has_the_values_of_the_numeric_gradient() {
    let tape = Tape::new();
    let w = tape.var(3.0).named("w");
    let b = tape.var(4.0).named("b");
    let x = (2.0 * w + 3.0 * b).named("x");
    let y = (2.0 * b + 1.0).named("y");
    let z = x * y;
    let grads = z.grad_graph(&[w, b]);
    // dz/dw = 2y = 18, dz/db = 3y + 2x = 63
    assert_eq!(grads[0].value(), 18.0);
    assert_eq!(grads[1].value(), 63.0);
    // d²z/db² = 3·2 + 2·3 = 12; d²z/dw db = 2·2 = 4; d²z/dw² = 0
    assert_eq!(grads[1].grad_graph(&[b])[0].value(), 12.0);
    assert_eq!(grads[0].grad_graph(&[b])[0].value(), 4.0);
    assert_eq!(grads[0].grad_graph(&[w])[0].value(), 0.0);
    // The gradient's nodes are marked as the backward part; the forward ones are not.
    assert!(tape.node(grads[1].index()).backward);
    assert!(!tape.node(z.index()).backward);
}

#[test]
fn tutorial_gradient_graph_is_three_y_plus_two_x() {
    let tape = Tape::new();
    let w = tape.var(3.0);
    let b = tape.var(4.0);
    let x = 2.0 * w + 3.0 * b;
    let y = 2.0 * b + 1.0;
    let z = x * y;
    let before = tape.len();
    let db = z.grad_graph(&[b])[0];
    // Seeding with an exact 1 and folding 1·x, 1·y leaves x·2 + y·3: three
    // ops (the sweep meets y's side first, and w's gradient is not recorded).
    assert_eq!(tape.len() - before, 3);
    let n = tape.node(db.index());
    assert_eq!(n.op.name(), "add");
    let ops: Vec<(&str, Option<f64>, Vec<usize>)> = n
        .inputs
        .iter()
        .map(|&i| {
            let m = tape.node(i);
            (m.op.name(), m.constant, m.inputs.to_vec())
        })
        .collect();
    assert_eq!(
        ops,
        vec![
            ("mul", Some(2.0), vec![x.index()]),
            ("mul", Some(3.0), vec![y.index()])
        ]
    );
}

#[test]
fn third_derivatives_match_their_analytic_forms() {
    for x in [0.3, 1.0, 2.5, 7.0] {
        // sin: cos x, -sin x, -cos x
        let [a, b, c] = three_derivatives(|v| v.sin(), x);
        assert_eq!([a, b, c], [x.cos(), -x.sin(), -x.cos()]);
        // ln: 1/x, -1/x², 2/x³
        let [a, b, c] = three_derivatives(|v| v.ln(), x);
        close(a, 1.0 / x, 1e-15);
        close(b, -1.0 / (x * x), 1e-15);
        close(c, 2.0 / (x * x * x), 1e-15);
        // √x: x^-½/2, -x^-3/2/4, 3x^-5/2/8
        let [a, b, c] = three_derivatives(|v| v.sqrt(), x);
        close(a, 0.5 * x.powf(-0.5), 1e-15);
        close(b, -0.25 * x.powf(-1.5), 1e-14);
        close(c, 0.375 * x.powf(-2.5), 1e-14);
    }
    for x in [-2.0, -0.5, 0.0, 0.7, 3.0] {
        // tanh: t' = 1 - t², t'' = -2t(1 - t²), t''' = (1 - t²)(6t² - 2)
        let t: f64 = f64::tanh(x);
        let [a, b, c] = three_derivatives(|v| v.tanh(), x);
        close(a, 1.0 - t * t, 1e-14);
        close(b, -2.0 * t * (1.0 - t * t), 1e-13);
        close(c, (1.0 - t * t) * (6.0 * t * t - 2.0), 1e-13);
        // σ: s' = s(1 - s), s'' = s'(1 - 2s), s''' = s'(1 - 6s + 6s²)
        // (σ' as σ(x)·σ(-x): s(1 - s) would round in 1 - s for x > 0.)
        let s = 1.0 / (1.0 + (-x).exp());
        let ds = s / (1.0 + x.exp());
        let [a, b, c] = three_derivatives(|v| v.sigmoid(), x);
        close(a, ds, 1e-15);
        close(b, ds * (1.0 - 2.0 * s), 1e-13);
        close(c, ds * (1.0 - 6.0 * s + 6.0 * s * s), 1e-13);
    }
}

#[test]
fn hessian_of_x_squared_plus_sin_squared_y_is_analytic() {
    for (x, y) in [(3.0, 1.0), (-0.5, 2.0), (0.0, 0.0)] {
        // J = x² + sin²y: ∇J = (2x, 2 sin y cos y) = (2x, sin 2y),
        // H = [[2, 0], [0, 2cos 2y]]
        let h = hessian(|_, v| v[0] * v[0] + v[1].sin().powi(2), &[x, y]).unwrap();
        let j: f64 = x * x + f64::sin(y).powi(2);
        assert_eq!(h.value, j);
        assert_eq!(h.gradient[0], 2.0 * x);
        close(h.gradient[1], (2.0 * y).sin(), 1e-15);
        assert_eq!(h.matrix[0], vec![2.0, 0.0]);
        assert_eq!(h.matrix[1][0], 0.0);
        close(h.matrix[1][1], 2.0 * (2.0 * y).cos(), 1e-15);
    }
}

#[test]
fn hessian_vector_product_equals_hessian_times_vector() {
    // f = x²y + sin(xz) + z³
    fn f(_: &Tape, v: &[Var]) -> Var {
        v[0] * v[0] * v[1] + (v[0] * v[2]).sin() + v[2].powi(3)
    }
    let at = [0.7, -1.2, 2.1];
    let dir = [0.3, -2.0, 1.5];
    let h = hessian(f, &at).unwrap();
    let hv = hessian_vector_product(f, &at, &dir).unwrap();
    for (row, &got) in h.matrix.iter().zip(&hv) {
        let want: f64 = row.iter().zip(&dir).map(|(hij, vj)| hij * vj).sum();
        close(got, want, 1e-14);
    }
}

#[test]
#[should_panic(expected = "needs a vector as long as the point")]
fn hessian_vector_product_rejects_a_vector_of_the_wrong_length() {
    let _ = hessian_vector_product(|_, v| v[0] * v[1], &[1.0, 2.0], &[1.0]);
}

#[test]
fn non_differentiable_points_take_the_numeric_backward_choice() {
    let tape = Tape::new();
    let zero = tape.var(0.0);
    let two = tape.var(2.0);
    let also_two = tape.var(2.0);
    // relu'(0) = 0; |x|' is the sign bit's: 1 at +0 and -1 at -0; a max or
    // min tie splits ½, ½.
    let negative_zero = tape.var(-0.0);
    for (z, x, slope) in [
        (zero.relu(), zero, 0.0),
        (zero.abs(), zero, 1.0),
        (negative_zero.abs(), negative_zero, -1.0),
    ] {
        assert_eq!(z.grad_graph(&[x])[0].value(), slope);
        assert_eq!(z.backward().wrt(x), slope);
    }
    for z in [two.max(also_two), two.min(also_two)] {
        let recorded: Vec<f64> = z
            .grad_graph(&[two, also_two])
            .iter()
            .map(|g| g.value())
            .collect();
        let g = z.backward();
        assert_eq!(recorded, vec![0.5, 0.5]);
        assert_eq!(recorded, vec![g.wrt(two), g.wrt(also_two)]);
    }
}

#[test]
fn an_input_the_output_ignores_gets_a_zero_constant() {
    let tape = Tape::new();
    let x = tape.var(1.0);
    let unused = tape.var(5.0);
    let g = (x * 3.0).grad_graph(&[x, unused]);
    // d(3x)/dx = 3 is a constant; the unused input's gradient is 0.
    assert_eq!((g[0].value(), g[1].value()), (3.0, 0.0));
    assert_eq!(g[0].op(), tapegrad::Op::Const);
}

/// The size of the recorded gradient graph over the size of the forward graph.
fn growth(n: usize, build: impl for<'t> Fn(&'t Tape, Var, usize) -> Var) -> f64 {
    let tape = Tape::new();
    let x = tape.var(0.5);
    let out = build(&tape, x, n);
    let forward = tape.len();
    let _recorded = out.grad_graph(&[x]); // only its size on the tape counts here
    (tape.len() - forward) as f64 / forward as f64
}

#[test]
fn gradient_graphs_grow_linearly_with_the_forward_graph() {
    // A chain x ← sin(x)·0.9 + x·0.1, a wide sum Σ xᵢ², and a ladder where
    // every node is used twice (u ← u·u + u), which symbolic differentiation
    // without sharing would blow up exponentially.
    fn chain(_: &Tape, x: Var, n: usize) -> Var {
        (0..n).fold(x, |u, _| u.sin() * 0.9 + u * 0.1)
    }
    fn wide(t: &Tape, x: Var, n: usize) -> Var {
        t.sum((0..n).map(|i| (x + i as f64).powi(2)))
    }
    fn ladder(_: &Tape, x: Var, n: usize) -> Var {
        (0..n).fold(x, |u, _| (u * u + u) * 0.5)
    }
    type Build = fn(&Tape, Var, usize) -> Var;
    for (name, build) in [
        ("chain", chain as Build),
        ("wide sum", wide),
        ("shared ladder", ladder),
    ] {
        let small = growth(1_000, build);
        let large = growth(100_000, build);
        println!("{name}: gradient graph / forward graph = {small:.3} at 1e3, {large:.3} at 1e5");
        // A constant factor: the same ratio at both sizes, and a small one.
        assert!((small - large).abs() < 0.01, "{name}: {small} vs {large}");
        assert!(large <= 3.0, "{name}: {large}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, max_global_rejects: 20_000, ..ProptestConfig::default() })]

    #[test]
    fn recorded_gradients_equal_numeric_gradients_bit_for_bit(
        e in expr(),
        at in proptest::array::uniform3(-2.0..2.0f64),
    ) {
        let tape = Tape::new();
        let leaves: Vec<Var> = at.iter().map(|&x| tape.var(x)).collect();
        let out = record(&e, &tape, &leaves);
        let g = out.backward();
        let numeric: Vec<f64> = leaves.iter().map(|&v| g.wrt(v)).collect();
        drop(g);
        prop_assume!(out.value().is_finite() && numeric.iter().all(|d| d.is_finite()));
        let recorded: Vec<f64> = out.grad_graph(&leaves).iter().map(|v| v.value()).collect();
        // Where a node's adjoint is exactly zero the numeric sweep sends
        // nothing, while the recorded one keeps the node (its graph may have
        // non-zero derivatives): the two differ only if that zero meets an
        // infinite partial, 0·∞ = NaN (docs/higher-order.md).
        prop_assume!(recorded.iter().all(|d| d.is_finite()));
        // The same op-table formulas in the same order of accumulation.
        prop_assert_eq!(recorded, numeric, "{:?}", e);
    }

    #[test]
    fn mixed_partials_are_symmetric(
        e in expr(),
        at in proptest::array::uniform3(-2.0..2.0f64),
    ) {
        let tape = Tape::new();
        let leaves: Vec<Var> = at.iter().map(|&x| tape.var(x)).collect();
        let out = record(&e, &tape, &leaves);
        let grads = out.grad_graph(&leaves);
        let second: Vec<Vec<f64>> = grads
            .iter()
            .map(|g| g.grad_graph(&leaves).iter().map(|h| h.value()).collect())
            .collect();
        prop_assume!(second.iter().flatten().all(|d| d.is_finite() && d.abs() < 1e8));
        for (i, row) in second.iter().enumerate() {
            for (j, &a) in row.iter().enumerate().take(i) {
                // ∂²f/∂xᵢ∂xⱼ = ∂²f/∂xⱼ∂xᵢ, by two different sweeps: equal to rounding.
                let b = second[j][i];
                prop_assert!((a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1.0),
                    "{:?}: {} vs {}", e, a, b);
            }
        }
    }
}
