//! argmin's solvers on tapegrad's exact derivatives: each converges from
//! the starting point of argmin's own example to the known minimum, the
//! derivatives are tapegrad's `hessian` and the hand-written ones of
//! `argmin_testfunctions`, a branch is answered on each side, and a NaN
//! cost stops a solver with an error.

use argmin::core::{CostFunction, Executor, Gradient, Hessian, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::newton::NewtonCG;
use argmin::solver::quasinewton::{BFGS, LBFGS};
use argmin::solver::trustregion::{Steihaug, TrustRegion};
use tapegrad::Var;
use tapegrad_argmin::Objective;

/// The Rosenbrock function (a = 1, b = 100), `argmin_testfunctions`' own,
/// generic over `num_traits::Float`, run on `Var` unchanged. Minimum 0 at
/// (1, …, 1).
fn rosenbrock(x: &[Var]) -> Var {
    argmin_testfunctions::rosenbrock(x)
}

/// argmin's examples start the Rosenbrock function at (-1.2, 1); in more
/// dimensions the pair repeats.
fn start(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| if i % 2 == 0 { -1.2 } else { 1.0 })
        .collect()
}

/// The largest distance of a coordinate from 1, the minimiser's.
fn distance_to_ones(x: &[f64]) -> f64 {
    x.iter().map(|v| (v - 1.0).abs()).fold(0.0, f64::max)
}

#[test]
fn lbfgs_minimises_the_2d_rosenbrock_from_argmin_s_start() {
    // argmin's L-BFGS example: More-Thuente line search, memory 7, 100 iterations.
    let solver = LBFGS::new(MoreThuenteLineSearch::new().with_c(1e-4, 0.9).unwrap(), 7);
    let res = Executor::new(Objective::new(rosenbrock), solver)
        .configure(|s| s.param(start(2)).max_iters(100))
        .run()
        .unwrap();
    let best = res.state().get_best_param().unwrap();
    // The minimum is (1, 1), where the cost is 0.
    assert!(distance_to_ones(best) < 1e-8, "{best:?}");
    assert!(res.state().get_best_cost() < 1e-16);
}

#[test]
fn lbfgs_minimises_the_100d_rosenbrock() {
    let solver = LBFGS::new(MoreThuenteLineSearch::new().with_c(1e-4, 0.9).unwrap(), 7);
    let res = Executor::new(Objective::new(rosenbrock), solver)
        .configure(|s| s.param(start(100)).max_iters(1000))
        .run()
        .unwrap();
    let best = res.state().get_best_param().unwrap();
    // The minimum is (1, …, 1) in 100 dimensions too.
    assert!(distance_to_ones(best) < 1e-6, "{best:?}");
}

#[test]
fn steihaug_trust_region_minimises_the_rosenbrock_with_exact_hessians() {
    // argmin's trust-region example: from (-1.2, 1), 50 iterations (its
    // solver has no other stopping rule). In 4 dimensions and more the
    // Rosenbrock function also has a local minimum near (-1, 1, …, 1),
    // which a trust region started at (-1.2, 1, …) may reach instead.
    let solver = TrustRegion::new(Steihaug::new());
    let res = Executor::new(Objective::new(rosenbrock), solver)
        .configure(|s| s.param(start(2)).max_iters(50))
        .run()
        .unwrap();
    let best = res.state().get_best_param().unwrap();
    assert!(distance_to_ones(best) < 1e-10, "{best:?}");
}

#[test]
fn bfgs_minimises_the_rosenbrock_from_argmin_s_start() {
    // argmin's BFGS example: the identity as the first inverse Hessian,
    // More-Thuente, 60 iterations.
    let identity = vec![vec![1.0, 0.0], vec![0.0, 1.0]];
    let res = Executor::new(
        Objective::new(rosenbrock),
        BFGS::new(MoreThuenteLineSearch::new()),
    )
    .configure(|s| s.param(start(2)).inv_hessian(identity).max_iters(60))
    .run()
    .unwrap();
    let best = res.state().get_best_param().unwrap();
    assert!(distance_to_ones(best) < 1e-8, "{best:?}");
}

/// The Rosenbrock function with argmin_testfunctions' hand-written
/// derivatives: the reference a solver's path is compared with.
struct HandWritten;

impl CostFunction for HandWritten {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, p: &Vec<f64>) -> Result<f64, argmin::core::Error> {
        Ok(argmin_testfunctions::rosenbrock(p))
    }
}

impl Gradient for HandWritten {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;
    fn gradient(&self, p: &Vec<f64>) -> Result<Vec<f64>, argmin::core::Error> {
        Ok(argmin_testfunctions::rosenbrock_derivative(p))
    }
}

impl Hessian for HandWritten {
    type Param = Vec<f64>;
    type Hessian = Vec<Vec<f64>>;
    fn hessian(&self, p: &Vec<f64>) -> Result<Vec<Vec<f64>>, argmin::core::Error> {
        Ok(argmin_testfunctions::rosenbrock_hessian(p))
    }
}

#[test]
fn newton_cg_follows_the_path_of_the_hand_written_derivatives() {
    // argmin's Newton-CG example (More-Thuente, 100 iterations from
    // (-1.2, 1)) creeps towards (1, 1) and stops near (0.9948, 0.9896) with
    // the hand-written derivatives; the exact ones from the tape take the
    // same path, to rounding.
    let newton_cg = || NewtonCG::<_, f64>::new(MoreThuenteLineSearch::new());
    let ours = Executor::new(Objective::new(rosenbrock), newton_cg())
        .configure(|s| s.param(start(2)).max_iters(100))
        .run()
        .unwrap();
    let hand = Executor::new(HandWritten, newton_cg())
        .configure(|s| s.param(start(2)).max_iters(100))
        .run()
        .unwrap();
    let (a, b) = (
        ours.state().get_best_param().unwrap(),
        hand.state().get_best_param().unwrap(),
    );
    assert!(
        a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-9),
        "{a:?} {b:?}"
    );
    // Closer to the minimum than the start, whose distance is 2.2.
    assert!(distance_to_ones(a) < 0.02, "{a:?}");
}

#[test]
fn gradient_and_hessian_equal_tapegrad_hessian_and_the_hand_written_ones() {
    let f = Objective::new(rosenbrock);
    for at in [start(4), vec![0.5, -0.3, 2.0, 1.5], vec![1.0; 4], start(4)] {
        let oracle = tapegrad::hessian(|_, x| rosenbrock(x), &at).unwrap();
        let (cost, gradient, hessian) = (
            f.cost(&at).unwrap(),
            f.gradient(&at).unwrap(),
            f.hessian(&at).unwrap(),
        );
        // Bit for bit tapegrad's own Hessian, replayed or recorded.
        assert_eq!(cost, oracle.value);
        assert_eq!(gradient, oracle.gradient);
        assert_eq!(hessian, oracle.matrix);
        // And the hand-written derivatives of argmin_testfunctions, to
        // rounding (they group the same terms otherwise).
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * (1.0 + b.abs());
        let grad = argmin_testfunctions::rosenbrock_derivative(&at);
        assert!(gradient.iter().zip(&grad).all(|(&a, &b)| close(a, b)));
        let hess = argmin_testfunctions::rosenbrock_hessian(&at);
        for (row, hand) in hessian.iter().zip(&hess) {
            assert!(
                row.iter().zip(hand).all(|(&a, &b)| close(a, b)),
                "{row:?} {hand:?}"
            );
        }
        assert!(close(cost, argmin_testfunctions::rosenbrock(&at)));
    }
    // Recorded once for costs and gradients, once for Hessians.
    assert_eq!(f.function().recordings(), 2);
}

#[test]
fn a_branch_on_x0_is_answered_on_each_side() {
    // f = x₀² + x₁ above 0 and x₀³ + 2x₁ at or below: the replay of one
    // side must not answer for the other.
    let f = Objective::new(|x| {
        if x[0] > 0.0 {
            x[0] * x[0] + x[1]
        } else {
            x[0].powi(3) + 2.0 * x[1]
        }
    });
    for x0 in [1.5f64, 2.0, -1.5, -2.0, 0.5, -0.5] {
        let at = vec![x0, 3.0];
        let (cost, grad, hess) = if x0 > 0.0 {
            (
                x0 * x0 + 3.0,
                vec![2.0 * x0, 1.0],
                vec![vec![2.0, 0.0], vec![0.0, 0.0]],
            )
        } else {
            (
                x0.powi(3) + 6.0,
                vec![3.0 * x0 * x0, 2.0],
                vec![vec![6.0 * x0, 0.0], vec![0.0, 0.0]],
            )
        };
        assert_eq!(f.cost(&at).unwrap(), cost, "x0 = {x0}");
        assert_eq!(f.gradient(&at).unwrap(), grad, "x0 = {x0}");
        assert_eq!(f.hessian(&at).unwrap(), hess, "x0 = {x0}");
    }
    // Every change of side recorded afresh: 1.5, -1.5, 0.5, -0.5 for costs
    // and gradients, and as many for Hessians.
    assert_eq!(f.function().recordings(), 8);
}

#[test]
fn a_cost_that_is_nan_at_the_start_stops_the_solver_with_an_error_naming_the_node() {
    // ln(x) at x = -1 is NaN.
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), 7);
    let err = Executor::new(Objective::new(|x| x[0].ln() + x[0] * x[0]), solver)
        .configure(|s| s.param(vec![-1.0]).max_iters(10))
        .run()
        .err()
        .expect("a NaN cost must end the run in an error");
    let message = err.to_string();
    assert!(
        message.contains("ln") && message.contains("NaN"),
        "{message}"
    );
    // The engine's error comes through as the cause.
    assert!(matches!(
        err.downcast_ref::<tapegrad::Error>(),
        Some(tapegrad::Error::NonFinite { .. })
    ));
}

#[test]
fn a_cost_that_turns_nan_on_the_way_ends_the_run_with_the_node_not_a_nan_minimum() {
    // f(x) = x² + ln(x + 2) is finite at the start, x = 5, with slope
    // 10 + 1/7; L-BFGS's first line search tries the step of one gradient,
    // to x = -5.14, where ln(x + 2) is NaN. argmin's L-BFGS ends the run
    // with the line search's error as its reason, keeping the last finite
    // point; a NaN cost taken for a number would have gone on from there.
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), 7);
    let res = Executor::new(Objective::new(|x| x[0] * x[0] + (x[0] + 2.0).ln()), solver)
        .configure(|s| s.param(vec![5.0]).max_iters(20))
        .run()
        .unwrap();
    let reason = format!("{:?}", res.state().get_termination_reason());
    assert!(reason.contains("(ln %2 = NaN; %2 = -3.14"), "{reason}");
    assert_eq!(res.state().get_best_param(), Some(&vec![5.0]));
    assert!(res.state().get_best_cost().is_finite());
}

#[test]
fn bulk_costs_evaluated_in_parallel_equal_the_serial_answers() {
    // argmin's `rayon` feature evaluates bulk_cost on several threads,
    // all replaying the one Objective; points lie on both sides of a branch
    // (none at 0, where the square root's slope is infinite).
    let f: Objective = Objective::new(|x| {
        if x[0] > 0.0 {
            x[0].ln() * x[1]
        } else {
            (-x[0]).sqrt() + x[1]
        }
    });
    let points: Vec<Vec<f64>> = (0..200)
        .map(|i| vec![f64::from(i) * 0.05 - 4.975, 0.5])
        .collect();
    let serial: Vec<f64> = points
        .iter()
        .map(|p| {
            if p[0] > 0.0 {
                p[0].ln() * p[1]
            } else {
                (-p[0]).sqrt() + p[1]
            }
        })
        .collect();
    let parallel: Vec<f64> = f.bulk_cost(&points).unwrap();
    assert_eq!(parallel, serial);
    let grads = f.bulk_gradient(&points).unwrap();
    for (p, g) in points.iter().zip(&grads) {
        // ∂/∂x₀ = x₁/x₀ above 0, -1/(2√-x₀) at or below.
        let d0 = if p[0] > 0.0 {
            p[1] / p[0]
        } else {
            -0.5 / (-p[0]).sqrt()
        };
        assert!(
            (g[0] - d0).abs() <= 1e-15 * d0.abs().max(1.0),
            "{p:?}: {g:?}"
        );
    }
}

#[cfg(feature = "nalgebra")]
mod nalgebra_types {
    use super::*;
    use argmin::core::{Jacobian, Operator};
    use argmin::solver::gaussnewton::{GaussNewton, GaussNewtonLS};
    use argmin::solver::newton::Newton;
    use nalgebra::{DMatrix, DVector};
    use tapegrad_argmin::Residuals;

    #[test]
    fn dvector_parameters_give_the_vec_answers_as_nalgebra_types() {
        let f: Objective<DVector<f64>> = Objective::new(rosenbrock);
        let g: Objective<Vec<f64>> = Objective::new(rosenbrock);
        let at = [0.5, -0.3, 2.0];
        let p = DVector::from_column_slice(&at);
        assert_eq!(f.cost(&p).unwrap(), g.cost(&at.to_vec()).unwrap());
        assert_eq!(
            f.gradient(&p).unwrap(),
            DVector::from_vec(g.gradient(&at.to_vec()).unwrap())
        );
        let h = g.hessian(&at.to_vec()).unwrap();
        // DMatrix is column-major: entry (i, j) is row i's j-th.
        assert_eq!(
            f.hessian(&p).unwrap(),
            DMatrix::from_fn(3, 3, |i, j| h[i][j])
        );
        let r = Residuals::new(|p| vec![p[0] * p[1], p[1] - p[0]]);
        let q = DVector::from_column_slice(&[2.0, 3.0]);
        assert_eq!(
            r.apply(&q).unwrap(),
            DVector::from_column_slice(&[6.0, 1.0])
        );
        // Rows are residuals: (x₁, x₀) and (-1, 1); a 2×2 in nalgebra's row-major constructor.
        assert_eq!(
            r.jacobian(&q).unwrap(),
            DMatrix::from_row_slice(2, 2, &[3.0, 2.0, -1.0, 1.0])
        );
    }

    #[test]
    fn newton_with_exact_hessians_minimises_the_rosenbrock_from_argmin_s_start() {
        // argmin's Newton example: full steps from (-1.2, 1), 8 iterations.
        let res = Executor::new(Objective::new(rosenbrock), Newton::<f64>::new())
            .configure(|s| s.param(DVector::from_vec(start(2))).max_iters(8))
            .run()
            .unwrap();
        let best = res.state().get_best_param().unwrap();
        assert!(distance_to_ones(best.as_slice()) < 1e-10, "{best}");
    }

    /// argmin's Gauss-Newton example (Wikipedia's): reaction rates r
    /// against substrate concentrations s, the model r = V s / (K + s).
    const RATES: [(f64, f64); 7] = [
        (0.038, 0.050),
        (0.194, 0.127),
        (0.425, 0.094),
        (0.626, 0.2122),
        (1.253, 0.2729),
        (2.5, 0.2665),
        (3.74, 0.3317),
    ];

    fn michaelis_menten(p: &[Var]) -> Vec<Var> {
        RATES
            .iter()
            .map(|&(s, rate)| rate - p[0] * s / (p[1] + s))
            .collect()
    }

    /// The example's hand-written Jacobian, the reference for ours.
    fn hand_jacobian(p: &[f64]) -> Vec<Vec<f64>> {
        RATES
            .iter()
            .map(|&(s, _)| vec![-s / (p[1] + s), p[0] * s / (p[1] + s).powi(2)])
            .collect()
    }

    #[test]
    fn gauss_newton_fits_argmin_s_example_with_an_exact_jacobian() {
        let r = Residuals::new(michaelis_menten);
        for at in [[0.9, 0.2], [0.36, 0.55]] {
            let j = r.jacobian(&DVector::from_column_slice(&at)).unwrap();
            for (i, row) in hand_jacobian(&at).iter().enumerate() {
                for (k, v) in row.iter().enumerate() {
                    assert!((j[(i, k)] - v).abs() < 1e-15, "({i}, {k})");
                }
            }
        }
        // From the example's (0.9, 0.2); Wikipedia gives V = 0.362, K = 0.556.
        let res = Executor::new(r, GaussNewton::<f64>::new())
            .configure(|s| {
                s.param(DVector::from_column_slice(&[0.9, 0.2]))
                    .max_iters(10)
            })
            .run()
            .unwrap();
        let best = res.state().get_best_param().unwrap();
        assert!(
            (best[0] - 0.362).abs() < 5e-4 && (best[1] - 0.556).abs() < 5e-4,
            "{best}"
        );
    }

    #[test]
    fn gauss_newton_with_a_line_search_fits_an_exponential() {
        // y = 2 e^(0.3 t) at t = 0..6, exactly: the fit recovers (2, 0.3).
        let data: Vec<(f64, f64)> = (0..6)
            .map(|t| (f64::from(t), 2.0 * (0.3 * f64::from(t)).exp()))
            .collect();
        let r = Residuals::new(move |p| {
            data.iter()
                .map(|&(t, y)| p[0] * (p[1] * t).exp() - y)
                .collect()
        });
        let solver = GaussNewtonLS::new(MoreThuenteLineSearch::new());
        let res = Executor::new(r, solver)
            .configure(|s| {
                s.param(DVector::from_column_slice(&[1.0, 0.1]))
                    .max_iters(50)
            })
            .run()
            .unwrap();
        let best = res.state().get_best_param().unwrap();
        assert!(
            (best[0] - 2.0).abs() < 1e-8 && (best[1] - 0.3).abs() < 1e-8,
            "{best}"
        );
    }
}
