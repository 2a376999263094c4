use super::*;

/// A smooth function of three inputs with products, quotients and
/// transcendental ops, so every Hessian entry differs.
fn smooth(_: &Tape, v: &[Var]) -> Var {
    (v[0] * v[1]).sin() + v[2].exp() / (1.0 + v[0] * v[0]) + v[1].powi(3) * v[2]
}

/// `x²` for x > 0, `-x³` below: the branch is a guard.
fn kinked(_: &Tape, v: &[Var]) -> Var {
    let x = v[0];
    let a = if x > 0.0 { x * x } else { -(x.powi(3)) };
    a + v[1] * x
}

#[test]
fn value_gradient_and_hessian_equal_tapegrad_hessian_recorded_and_replayed() {
    let f = Function::new(smooth);
    for at in [[0.3, -1.2, 0.7], [1.5, 0.4, -0.2], [-2.0, 0.1, 1.1]] {
        // The oracle records afresh at every point.
        let oracle = crate::hessian(smooth, &at).unwrap();
        assert_eq!(f.value(&at).unwrap(), oracle.value);
        let mut grad = [0.0; 3];
        assert_eq!(f.gradient(&at, &mut grad).unwrap(), oracle.value);
        assert_eq!(grad.to_vec(), oracle.gradient);
        assert_eq!(f.hessian(&at).unwrap(), oracle);
    }
    // One recording for values and gradients, one for Hessians; the
    // other seven evaluations replayed.
    assert_eq!((f.recordings(), f.replays()), (2, 7));
}

#[test]
fn a_branch_gives_each_side_its_own_answer_by_recording_again() {
    let f = Function::new(kinked);
    for at in [[2.0, 1.0], [3.0, 1.0], [-2.0, 1.0], [-3.0, 1.0], [2.0, 1.0]] {
        let oracle = crate::hessian(kinked, &at).unwrap();
        let x = at[0];
        // x > 0: (x² + yx)' = (2x + y, x), H = [[2, 1], [1, 0]];
        // below: (-x³ + yx)' = (-3x² + y, x), H = [[-6x, 1], [1, 0]].
        let (dx, hxx) = if x > 0.0 {
            (2.0 * x + 1.0, 2.0)
        } else {
            (-3.0 * x * x + 1.0, -6.0 * x)
        };
        let mut grad = [0.0; 2];
        f.gradient(&at, &mut grad).unwrap();
        assert_eq!(grad, [dx, x]);
        let h = f.hessian(&at).unwrap();
        assert_eq!(h.matrix, vec![vec![hxx, 1.0], vec![1.0, 0.0]]);
        assert_eq!(h, oracle);
    }
    // Each of the two kinds recorded at 2, -2 and 2 again (the guard
    // flipped each time) and replayed at 3 and -3.
    assert_eq!((f.recordings(), f.replays()), (6, 4));
}

#[test]
fn a_value_read_is_recorded_at_every_point_and_never_replayed() {
    // The branch reads a value: no guard sees it, so no replay may run.
    fn read(_: &Tape, v: &[Var]) -> Var {
        if v[0].value() > 0.0 {
            v[0] * 2.0
        } else {
            v[0] * -3.0
        }
    }
    let f = Function::new(read);
    for (x, slope) in [(1.0, 2.0), (-1.0, -3.0), (2.0, 2.0)] {
        let mut grad = [0.0];
        assert_eq!(f.gradient(&[x], &mut grad).unwrap(), slope * x);
        assert_eq!(grad, [slope]);
        assert_eq!(f.value(&[x]).unwrap(), slope * x);
        assert_eq!(f.hessian(&[x]).unwrap().gradient, vec![slope]);
    }
    assert_eq!((f.recordings(), f.replays()), (9, 0));
}

#[test]
fn a_gradient_graph_that_reads_a_value_gives_hessians_by_recording() {
    // erf's gradient-graph formula reads its input, so the Hessian's
    // programs cannot be compiled; the answers are tapegrad::hessian's.
    fn g(_: &Tape, v: &[Var]) -> Var {
        v[0].erf() * v[1]
    }
    let f = Function::new(g);
    for at in [[0.5, 2.0], [1.5, -1.0]] {
        assert_eq!(f.hessian(&at).unwrap(), crate::hessian(g, &at).unwrap());
    }
    assert_eq!(f.recordings(), 2);
}

#[test]
fn non_finite_results_are_errors_naming_the_node() {
    let f = Function::new(|_, v| (v[0] - 1.0).ln() * v[0]);
    let mut grad = [0.0];
    // Recorded at 2 and compiled, then replayed at 0, where ln(-1) is NaN.
    assert!(f.value(&[2.0]).unwrap().is_finite());
    let ln = |e: Error| matches!(e, Error::NonFinite { ref op, .. } if op == "ln");
    assert!(ln(f.value(&[0.0]).unwrap_err()));
    assert!(ln(f.gradient(&[0.0], &mut grad).unwrap_err()));
    assert!(ln(f.hessian(&[0.0]).unwrap_err()));
    // Recorded first at the bad point, too.
    let f = Function::new(|_, v| (v[0] - 1.0).ln() * v[0]);
    assert!(ln(f.value(&[0.0]).unwrap_err()));
    // At x = 1 the value is -inf: an infinity is an error as well.
    assert!(matches!(f.value(&[1.0]), Err(Error::NonFinite { .. })));
}

#[test]
fn a_function_that_reads_a_value_reports_non_finite_results_as_a_replay_does() {
    // Recorded at every point (a read), ln(-1) is still an error naming
    // the node, for every kind of evaluation.
    fn read_ln(_: &Tape, v: &[Var]) -> Var {
        let _ = v[0].value();
        v[0].ln()
    }
    fn read_ln_many(t: &Tape, v: &[Var]) -> Vec<Var> {
        vec![v[0], read_ln(t, v)]
    }
    let ln = |e: Error| matches!(e, Error::NonFinite { ref op, .. } if op == "ln");
    let f = Function::new(read_ln);
    assert!(ln(f.value(&[-1.0]).unwrap_err()));
    assert!(ln(f.gradient(&[-1.0], &mut [0.0]).unwrap_err()));
    assert!(ln(f.hessian(&[-1.0]).unwrap_err()));
    // Where it is finite, the answers: ln 2 and 1/2, and -1/4.
    assert_eq!(f.hessian(&[2.0]).unwrap().matrix, vec![vec![-0.25]]);
    let g = VectorFunction::new(read_ln_many);
    assert!(ln(g.values(&[-1.0]).unwrap_err()));
    assert!(ln(g.jacobian(&[-1.0]).unwrap_err()));
    assert_eq!(
        g.jacobian(&[2.0]).unwrap().matrix,
        vec![vec![1.0], vec![0.5]]
    );
    assert_eq!((f.replays(), g.replays()), (0, 0));
}

#[test]
fn a_gradient_buffer_of_the_wrong_length_is_an_error() {
    let f = Function::new(smooth);
    let err = f.gradient(&[1.0, 2.0, 3.0], &mut [0.0; 2]).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Length {
                expected: 3,
                got: 2,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn a_point_of_another_dimension_is_recorded_afresh() {
    // The sum of squares takes any number of inputs.
    let f = Function::new(|_, v: &[Var]| v.iter().map(|&x| x * x).sum());
    assert_eq!(f.value(&[1.0, 2.0]).unwrap(), 5.0);
    assert_eq!(f.value(&[1.0, 2.0, 3.0]).unwrap(), 14.0);
    assert_eq!(f.value(&[2.0, 2.0, 2.0]).unwrap(), 12.0);
    assert_eq!((f.recordings(), f.replays()), (2, 1));
}

#[test]
fn threads_sharing_one_function_get_the_serial_answers() {
    let f = Function::new(kinked);
    let points: Vec<[f64; 2]> = (0..64).map(|i| [f64::from(i) * 0.25 - 8.0, 0.5]).collect();
    let serial: Vec<Hessian> = points
        .iter()
        .map(|p| crate::hessian(kinked, p).unwrap())
        .collect();
    let parallel: Vec<Vec<(usize, Hessian)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|t| {
                let (f, points) = (&f, &points);
                s.spawn(move || {
                    (t..points.len())
                        .step_by(4)
                        .map(|i| (i, f.hessian(&points[i]).unwrap()))
                        .collect()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    // Every thread's answer, replayed or recorded, is the fresh recording's.
    for (i, h) in parallel.into_iter().flatten() {
        assert_eq!(h, serial[i], "point {i}");
    }
    assert_eq!(f.recordings() + f.replays(), 64);
}

fn residuals(_: &Tape, p: &[Var]) -> Vec<Var> {
    let r = [(0.0, 1.0), (1.0, 2.5), (2.0, 7.0)].map(|(t, y)| p[0] * (p[1] * t).exp() - y);
    let mut r = r.to_vec();
    // A branch on the parameters: a penalty while a is negative.
    if p[0] < 0.0 {
        r.push(p[0] * 10.0);
    } else {
        r.push(p[0] * 0.0);
    }
    r
}

#[test]
fn a_vector_function_gives_tapegrad_jacobian_on_both_sides_of_a_branch() {
    let f = VectorFunction::new(residuals);
    for at in [[1.0, 0.5], [2.0, 0.7], [-1.0, 0.5], [-2.0, 0.1], [1.0, 1.0]] {
        let oracle = crate::jacobian(residuals, &at).unwrap();
        assert_eq!(f.values(&at).unwrap(), oracle.values);
        assert_eq!(f.jacobian(&at).unwrap(), oracle);
        // The penalty row: ∂(10a)/∂a = 10 below 0, ∂(0a)/∂a = 0 above.
        let penalty = if at[0] < 0.0 { 10.0 } else { 0.0 };
        assert_eq!(f.jacobian(&at).unwrap().matrix[3], vec![penalty, 0.0]);
    }
    // Recorded at the first point and where the sign of a flips.
    assert_eq!(f.recordings(), 3);
}

#[test]
fn a_vector_function_with_a_nan_output_is_an_error() {
    let f = VectorFunction::new(|_, v| vec![v[0], v[0].sqrt()]);
    assert_eq!(f.values(&[4.0]).unwrap(), vec![4.0, 2.0]);
    let sqrt = |e: Error| matches!(e, Error::NonFinite { ref op, .. } if op == "sqrt");
    assert!(sqrt(f.values(&[-4.0]).unwrap_err()));
    assert!(sqrt(f.jacobian(&[-4.0]).unwrap_err()));
}

#[test]
fn a_function_is_send_and_sync_when_its_closure_is() {
    fn shareable<T: Send + Sync>(_: &T) {}
    shareable(&Function::new(smooth));
    shareable(&VectorFunction::new(residuals));
}
