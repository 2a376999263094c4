//! What a user reaches for beyond the tutorial: ops of their own, Jacobians,
//! Hessians on a tape they hold, iterator and comparison traits, the f64
//! method set and its domain edges.

use tapegrad::{CustomOp, Error, NonFinite, Pow, Real, Tape, Var};

fn close(got: f64, want: f64, rel: f64) {
    assert!(
        (got - want).abs() <= rel * want.abs(),
        "got {got:e}, want {want:e}"
    );
}

/// `x·eʸ`, two inputs.
struct XExpY;

impl CustomOp for XExpY {
    fn name(&self) -> &str {
        "x_exp_y"
    }
    fn value(&self, x: &[f64]) -> f64 {
        x[0] * x[1].exp()
    }
    fn partials<R: Real>(&self, x: &[R], out: R) -> Vec<R> {
        vec![x[1].exp(), out]
    }
}

/// `x·y·z + sin x`, three inputs.
struct Triple;

impl CustomOp for Triple {
    fn name(&self) -> &str {
        "triple"
    }
    fn value(&self, v: &[f64]) -> f64 {
        v[0] * v[1] * v[2] + v[0].sin()
    }
    fn partials<R: Real>(&self, v: &[R], _out: R) -> Vec<R> {
        vec![v[1] * v[2] + v[0].cos(), v[0] * v[2], v[0] * v[1]]
    }
}

/// `ln x`, written as a user would, to see a non-finite partial named.
struct MyLn;

impl CustomOp for MyLn {
    fn name(&self) -> &str {
        "my_ln"
    }
    fn value(&self, x: &[f64]) -> f64 {
        x[0].ln()
    }
    fn partials<R: Real>(&self, x: &[R], _out: R) -> Vec<R> {
        vec![x[0].recip()]
    }
}

#[test]
fn a_custom_op_with_two_inputs_has_its_analytic_gradient_and_hessian() {
    let (x0, y0) = (1.5, 0.5);
    let h = tapegrad::hessian(|t, v| t.custom(XExpY, &[v[0], v[1]]), &[x0, y0]).unwrap();
    let e = f64::exp(y0);
    // f = x·eʸ: ∇f = (eʸ, x·eʸ), H = [[0, eʸ], [eʸ, x·eʸ]]
    assert_eq!(h.value, x0 * e);
    assert_eq!(h.gradient, vec![e, x0 * e]);
    assert_eq!(h.matrix[0][0], 0.0);
    assert_eq!(h.matrix[0][1], e);
    assert_eq!(h.matrix[1][0], e);
    close(h.matrix[1][1], x0 * e, 1e-15);
}

#[test]
fn a_custom_op_with_three_inputs_works_everywhere_a_builtin_does() {
    let at = [0.7, -1.2, 2.0];
    let (x, y, z) = (at[0], at[1], at[2]);
    let h = tapegrad::hessian(|t, v| t.custom(Triple, v), &at).unwrap();
    // f = xyz + sin x: ∇f = (yz + cos x, xz, xy),
    // H = [[-sin x, z, y], [z, 0, x], [y, x, 0]]
    let gradient: [f64; 3] = [y * z + f64::cos(x), x * z, x * y];
    let hessian: [[f64; 3]; 3] = [[-f64::sin(x), z, y], [z, 0.0, x], [y, x, 0.0]];
    for (i, row) in hessian.iter().enumerate() {
        close(h.gradient[i], gradient[i], 1e-15);
        for (got, want) in h.matrix[i].iter().zip(row) {
            close(*got, *want, 1e-15);
        }
    }
    // The gradient check agrees with finite differences.
    let report = tapegrad::check::gradcheck(|t, v| t.custom(Triple, v) * v[0], &at).unwrap();
    assert!(report.passed(), "{report}");
    // A node view names it.
    let tape = Tape::new();
    let leaves: Vec<Var> = at.iter().map(|&v| tape.var(v)).collect();
    let f = tape.custom(Triple, &leaves);
    let node = tape.node(f.index());
    assert_eq!(node.op_name(), "triple");
    // The dumps show it by its name.
    let text = tapegrad::Graph::of(f).to_text();
    assert!(text.contains("= triple %0, %1, %2 = "), "{text}");
    assert_eq!(node.inputs.to_vec(), vec![0, 1, 2]);
    assert_eq!(tape.partials(f.index()).to_vec(), gradient.to_vec());
}

#[test]
fn try_backward_names_a_custom_op_whose_partial_is_not_finite() {
    let tape = Tape::new();
    let x = tape.var(0.0).named("x");
    // my_ln(0) = -inf is a value fault; exp(my_ln(x)) at x = 0 has value 0
    // but the partial 1/x = inf.
    let err = tape.custom(MyLn, &[x]).try_backward().unwrap_err();
    assert!(matches!(&err, Error::NonFinite { op, cause: NonFinite::Value, .. } if op == "my_ln"));
    assert!(err.to_string().contains("(my_ln %0 = -inf"), "{err}");
}

#[test]
fn jacobian_of_a_three_output_function_is_analytic() {
    let at = [2.0, 3.0];
    let j = tapegrad::jacobian(
        |_, v| vec![v[0] * v[1], v[0].sin() + v[1], v[1].powi(3)],
        &at,
    )
    .unwrap();
    // f = (xy, sin x + y, y³): J = [[y, x], [cos x, 1], [0, 3y²]]
    assert_eq!(j.values, vec![6.0, f64::sin(2.0) + 3.0, 27.0]);
    assert_eq!(
        j.matrix,
        vec![vec![3.0, 2.0], vec![f64::cos(2.0), 1.0], vec![0.0, 27.0]]
    );
    // A non-finite derivative in any row is an error.
    assert!(tapegrad::jacobian(|_, v| vec![v[0], v[0].sqrt()], &[0.0]).is_err());
}

#[test]
fn jacobian_and_hessian_on_a_tape_the_user_holds() {
    let tape = Tape::new();
    let (r, t) = (tape.var(2.0), tape.var(0.5));
    let (x, y) = (r * t.cos(), r * t.sin());
    let j = tape.jacobian(&[x, y], &[r, t]).unwrap();
    // Polar to Cartesian: J = [[cos t, -r sin t], [sin t, r cos t]]
    assert_eq!(j.matrix[0], vec![f64::cos(0.5), -2.0 * f64::sin(0.5)]);
    assert_eq!(j.matrix[1], vec![f64::sin(0.5), 2.0 * f64::cos(0.5)]);
    // x² + y² = r²: H wrt (r, t) = [[2, 0], [0, 0]]
    let h = (x * x + y * y).hessian(&[r, t]).unwrap();
    close(h.matrix[0][0], 2.0, 1e-15);
    assert!(h.matrix[1][1].abs() < 1e-14 && h.matrix[0][1].abs() < 1e-14);
    // Many gradients at once, and a clone of the Gradients.
    let g = (x * y).backward();
    let copy = g.clone();
    assert_eq!(copy.wrt_all(&[r, t]), vec![g[r], g[t]]);
}

#[test]
fn sum_and_product_over_iterators_of_vars() {
    let tape = Tape::new();
    let w = [tape.var(1.0), tape.var(2.0), tape.var(3.0)];
    let x = [4.0, 5.0, 6.0];
    let before = tape.len();
    let z: Var = w.iter().zip(x).map(|(&w, x)| w * x).sum();
    // Three products and one n-ary sum node: as fast as tape.sum.
    assert_eq!(tape.len() - before, 4);
    assert_eq!(z.value(), 32.0);
    let by_ref: Var = w.iter().sum();
    assert_eq!(by_ref.value(), 6.0);
    let p: Var = w.iter().product();
    // ∂(w₀w₁w₂)/∂w₀ = w₁w₂ = 6
    assert_eq!((p.value(), p.backward()[w[0]]), (6.0, 6.0));
    let v = w.to_vec();
    assert_eq!(tape.sum(&v).value(), 6.0);
    assert_eq!(tape.sum(&v[..1]).value(), 1.0);
}

#[test]
fn empty_sums_and_products_are_constants_as_for_f64() {
    // An empty sum is 0 and an empty product 1, as `f64`'s: constants on
    // no tape, which need none to record on.
    let empty: Vec<Var> = Vec::new();
    let (s, p): (Var, Var) = (empty.iter().sum(), empty.iter().product());
    assert!(s.is_constant() && p.is_constant());
    assert_eq!((s.value(), p.value()), (0.0, 1.0));
    // Leading constants add up first, in order, as `f64` adds them.
    let tape = Tape::new();
    let x = tape.var(0.5);
    let terms = [Var::constant(0.1), Var::constant(0.2), x];
    let total: Var = terms.iter().sum();
    assert_eq!(total.value(), 0.1 + 0.2 + 0.5);
    assert_eq!(total.backward()[x], 1.0);
}

#[test]
fn comparisons_read_the_recorded_values() {
    let tape = Tape::new();
    let (x, y) = (tape.var(2.0), tape.var(3.0));
    assert!(x < y);
    assert!(y > x);
    assert!(x <= 2.0);
    assert!(x >= 2.0);
    assert!(x == 2.0);
    assert!(2.0 == x);
    assert!(1.0 < x);
    assert!(x != y);
    let nan = tape.var(f64::NAN);
    // NaN is unordered, as in f64.
    assert_eq!(nan.partial_cmp(&1.0), None);
    assert!(nan != nan);
    // max/min/clamp with f64s, atan2 and hypot with either.
    assert_eq!(x.max(0.0).value(), 2.0);
    assert_eq!(x.min(0.0).value(), 0.0);
    assert_eq!(x.clamp(0.0, 1.0).value(), 1.0);
    assert_eq!(y.hypot(tape.var(4.0)).value(), 5.0);
    assert_eq!(y.hypot(4.0).backward()[y], 0.6); // y/h
    assert_eq!(x.log(2.0).value(), 1.0);
    assert_eq!(2.0.pow(y).value(), 8.0);
    // d/dx clamp(x, 0, 4) = 1 inside
    assert_eq!(x.clamp(0.0, 4.0).backward()[x], 1.0);
}

#[test]
fn domain_edges_of_the_new_ops_are_named_by_try_backward() {
    // (op, point, whether the value or the adjoint is the first fault)
    type Op = fn(Var) -> Var;
    let cases: [(&str, Op, f64, bool); 9] = [
        ("acosh", |x| x.acosh(), 0.5, true),
        ("acosh", |x| x.acosh(), 1.0, false),
        ("atanh", |x| x.atanh(), 1.0, true),
        ("atanh", |x| x.atanh(), -1.0, true),
        ("ln_1p", |x| x.ln_1p(), -1.0, true),
        ("asin", |x| x.asin(), 1.0, false),
        ("asin", |x| x.asin(), -1.5, true),
        ("acos", |x| x.acos(), -1.0, false),
        ("log2", |x| x.log2(), 0.0, true),
    ];
    for (name, f, at, value) in cases {
        let tape = Tape::new();
        let x = tape.var(at);
        let y = f(x);
        // The fast path follows IEEE: a NaN or infinite value or adjoint.
        let g = y.backward();
        assert!(!y.value().is_finite() || !g[x].is_finite(), "{name}({at})");
        match y.try_backward() {
            Err(Error::NonFinite { op, cause, .. }) => {
                assert_eq!(op, name);
                assert_eq!(matches!(cause, NonFinite::Value), value, "{name}({at})");
            }
            other => panic!("{name}({at}): {other:?}"),
        }
    }
}

#[test]
fn softplus_is_finite_and_exact_for_any_input() {
    let tape = Tape::new();
    for x in [-1000.0, -40.0, 0.0, 40.0, 1000.0, 1e300] {
        let v = tape.var(x);
        let s = v.softplus();
        let g = s.try_backward().unwrap();
        assert!(s.value().is_finite() && g[v].is_finite(), "{x}");
    }
    // ln(1 + e^-40) = e^-40 to rounding; far right softplus(x) = x; slope σ.
    close(tape.var(-40.0).softplus().value(), f64::exp(-40.0), 1e-15);
    assert_eq!(tape.var(1000.0).softplus().value(), 1000.0);
    let x = tape.var(0.0);
    assert_eq!(x.softplus().backward()[x], 0.5);
}

#[test]
fn steps_have_derivative_zero() {
    let tape = Tape::new();
    let x = tape.var(2.5);
    for y in [x.floor(), x.ceil(), x.round(), x.trunc(), x.signum()] {
        assert_eq!(y.backward()[x], 0.0);
    }
    assert_eq!(
        (x.floor().value(), x.ceil().value(), x.round().value()),
        (2.0, 3.0, 3.0)
    );
}
