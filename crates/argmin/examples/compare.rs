//! argmin's solvers side by side on three sources of derivatives: tapegrad
//! (exact, recorded once and replayed), finitediff's central differences of
//! the cost, and the hand-written derivatives argmin_testfunctions ships.
//! Prints iterations, evaluations, wall time and the distance to the known
//! minimum for each run, then what one gradient costs against one cost
//! evaluation on the 100-dimensional Rosenbrock function.
//!
//! `cargo run --release -p tapegrad-argmin --features nalgebra --example compare`
//! (docs/optimisation.md shows its output).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use argmin::core::{CostFunction, Error, Executor, Gradient, Hessian, Jacobian, Operator, State};
use argmin::solver::gaussnewton::{GaussNewton, GaussNewtonLS};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::newton::Newton;
use argmin::solver::quasinewton::LBFGS;
use argmin::solver::trustregion::{Steihaug, TrustRegion};
use argmin_testfunctions::{rosenbrock, rosenbrock_derivative, rosenbrock_hessian};
use nalgebra::{DMatrix, DVector};
use tapegrad::Var;
use tapegrad_argmin::{Objective, Residuals};

/// `argmin_testfunctions::rosenbrock` itself (a = 1, b = 100), generic over
/// `num_traits::Float`, run on tapegrad's `Var` unchanged.
fn rosenbrock_var(x: &[Var]) -> Var {
    rosenbrock(x)
}

/// Counts the cost evaluations a problem makes, inside finite differences too.
#[derive(Default)]
struct Counted {
    costs: AtomicU64,
}

impl Counted {
    fn cost(&self, x: &[f64]) -> f64 {
        self.costs.fetch_add(1, Ordering::Relaxed);
        rosenbrock(x)
    }
}

/// The Rosenbrock function with finitediff's central differences: the
/// gradient from 2n costs, the Hessian from 2n of those gradients.
#[derive(Default)]
struct FiniteDiff(Counted);

/// The Rosenbrock function with argmin_testfunctions' own derivatives.
#[derive(Default)]
struct HandWritten(Counted);

fn matrix(rows: Vec<Vec<f64>>) -> DMatrix<f64> {
    DMatrix::from_fn(rows.len(), rows[0].len(), |i, j| rows[i][j])
}

impl CostFunction for FiniteDiff {
    type Param = DVector<f64>;
    type Output = f64;
    fn cost(&self, p: &DVector<f64>) -> Result<f64, Error> {
        Ok(self.0.cost(p.as_slice()))
    }
}

impl FiniteDiff {
    fn vec_gradient(&self, p: &Vec<f64>) -> Result<Vec<f64>, Error> {
        finitediff::vec::central_diff(&|x: &Vec<f64>| Ok(self.0.cost(x)))(p)
    }
}

impl Gradient for FiniteDiff {
    type Param = DVector<f64>;
    type Gradient = DVector<f64>;
    fn gradient(&self, p: &DVector<f64>) -> Result<DVector<f64>, Error> {
        Ok(DVector::from_vec(
            self.vec_gradient(&p.as_slice().to_vec())?,
        ))
    }
}

impl Hessian for FiniteDiff {
    type Param = DVector<f64>;
    type Hessian = DMatrix<f64>;
    fn hessian(&self, p: &DVector<f64>) -> Result<DMatrix<f64>, Error> {
        let h = finitediff::vec::central_hessian(&|x: &Vec<f64>| self.vec_gradient(x))(
            &p.as_slice().to_vec(),
        )?;
        Ok(matrix(h))
    }
}

impl CostFunction for HandWritten {
    type Param = DVector<f64>;
    type Output = f64;
    fn cost(&self, p: &DVector<f64>) -> Result<f64, Error> {
        Ok(self.0.cost(p.as_slice()))
    }
}

impl Gradient for HandWritten {
    type Param = DVector<f64>;
    type Gradient = DVector<f64>;
    fn gradient(&self, p: &DVector<f64>) -> Result<DVector<f64>, Error> {
        Ok(DVector::from_vec(rosenbrock_derivative(p.as_slice())))
    }
}

impl Hessian for HandWritten {
    type Param = DVector<f64>;
    type Hessian = DMatrix<f64>;
    fn hessian(&self, p: &DVector<f64>) -> Result<DMatrix<f64>, Error> {
        Ok(matrix(rosenbrock_hessian(p.as_slice())))
    }
}

/// The exponential model y = a·e^(b t), its data made from a = 3, b = -0.4,
/// so the least-squares minimum is exactly (3, -0.4).
fn data() -> Vec<(f64, f64)> {
    (0..10)
        .map(|t| (f64::from(t) * 0.5, 3.0 * (-0.4 * f64::from(t) * 0.5).exp()))
        .collect()
}

/// The exponential fit's residuals with finitediff's central differences.
struct FitFiniteDiff(Vec<(f64, f64)>);
/// The exponential fit's residuals with the Jacobian written by hand.
struct FitHandWritten(Vec<(f64, f64)>);

fn residuals(data: &[(f64, f64)], p: &[f64]) -> Vec<f64> {
    data.iter()
        .map(|&(t, y)| p[0] * (p[1] * t).exp() - y)
        .collect()
}

impl Operator for FitFiniteDiff {
    type Param = DVector<f64>;
    type Output = DVector<f64>;
    fn apply(&self, p: &DVector<f64>) -> Result<DVector<f64>, Error> {
        Ok(DVector::from_vec(residuals(&self.0, p.as_slice())))
    }
}

impl Jacobian for FitFiniteDiff {
    type Param = DVector<f64>;
    type Jacobian = DMatrix<f64>;
    fn jacobian(&self, p: &DVector<f64>) -> Result<DMatrix<f64>, Error> {
        let j = finitediff::vec::central_jacobian(&|x: &Vec<f64>| Ok(residuals(&self.0, x)))(
            &p.as_slice().to_vec(),
        )?;
        // A row per residual, as argmin wants.
        Ok(matrix(j))
    }
}

impl Operator for FitHandWritten {
    type Param = DVector<f64>;
    type Output = DVector<f64>;
    fn apply(&self, p: &DVector<f64>) -> Result<DVector<f64>, Error> {
        Ok(DVector::from_vec(residuals(&self.0, p.as_slice())))
    }
}

impl Jacobian for FitHandWritten {
    type Param = DVector<f64>;
    type Jacobian = DMatrix<f64>;
    fn jacobian(&self, p: &DVector<f64>) -> Result<DMatrix<f64>, Error> {
        // ∂/∂a = e^(bt), ∂/∂b = a t e^(bt)
        let rows = self
            .0
            .iter()
            .map(|&(t, _)| vec![(p[1] * t).exp(), p[0] * t * (p[1] * t).exp()])
            .collect();
        Ok(matrix(rows))
    }
}

/// One run: what argmin counted, the costs made inside finite
/// differences, the best wall time of a few runs, and the result.
struct Row {
    iterations: u64,
    counts: String,
    costs_inside: Option<u64>,
    time: Duration,
    distance: f64,
    reason: String,
}

/// Runs `$solver` on the problem `$make` makes, from `$start`, for at most
/// `$iters` iterations, five times, keeping the shortest time.
macro_rules! run {
    ($make:expr, $solver:expr, $start:expr, $iters:expr, $minimum:expr, $inside:expr) => {{
        let mut best = Duration::MAX;
        let mut row = None;
        for _ in 0..5 {
            let problem = $make;
            let started = Instant::now();
            let res = Executor::new(problem, $solver)
                .configure(|s| s.param(DVector::from_vec($start.clone())).max_iters($iters))
                .run();
            let time = started.elapsed();
            best = best.min(time);
            row = Some(match res {
                Ok(res) => {
                    let state = res.state();
                    let x = state.get_best_param().unwrap();
                    let distance = x
                        .iter()
                        .zip($minimum.iter())
                        .map(|(a, b): (&f64, &f64)| (a - b).abs())
                        .fold(0.0, f64::max);
                    let mut counts: Vec<_> = state
                        .get_func_counts()
                        .iter()
                        .map(|(k, v)| (k.trim_end_matches("_count").to_string(), *v))
                        .collect();
                    counts.sort();
                    let counts = counts
                        .iter()
                        .map(|(k, v)| format!("{k} {v}"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let inside: fn(&_) -> Option<u64> = $inside;
                    Row {
                        iterations: state.get_iter(),
                        counts,
                        costs_inside: inside(res.problem.problem.as_ref().unwrap()),
                        time: Duration::ZERO,
                        distance,
                        reason: state
                            .get_termination_reason()
                            .map_or("-".into(), |r| r.text().to_string()),
                    }
                }
                Err(e) => Row {
                    iterations: 0,
                    counts: String::new(),
                    costs_inside: None,
                    time: Duration::ZERO,
                    distance: f64::NAN,
                    reason: format!("error: {e}"),
                },
            });
        }
        let mut row = row.unwrap();
        row.time = best;
        row
    }};
}

fn print(solver: &str, source: &str, row: &Row) {
    let inside = row
        .costs_inside
        .map_or(String::new(), |c| format!(" (costs {c})"));
    println!(
        "| {solver} | {source} | {} | {}{inside} | {:.3} ms | {:.1e} | {} |",
        row.iterations,
        row.counts,
        row.time.as_secs_f64() * 1e3,
        row.distance,
        row.reason
    );
}

fn start(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| if i % 2 == 0 { -1.2 } else { 1.0 })
        .collect()
}

fn none<T>(_: &T) -> Option<u64> {
    None
}

/// The costs the finite differences evaluated.
fn fd_costs(p: &FiniteDiff) -> Option<u64> {
    Some(p.0.costs.load(Ordering::Relaxed))
}

fn main() {
    println!(
        "| solver | derivatives | iterations | argmin's counts | wall time | distance to the minimum | stopped by |"
    );
    println!("|---|---|---|---|---|---|---|");
    for n in [2usize, 100] {
        let (x0, ones) = (start(n), vec![1.0; n]);
        let lbfgs = || LBFGS::new(MoreThuenteLineSearch::new().with_c(1e-4, 0.9).unwrap(), 7);
        let name = format!("L-BFGS, Rosenbrock {n}-D");
        let iters = if n == 2 { 100 } else { 1000 };
        print(
            &name,
            "tapegrad",
            &run!(
                Objective::new(rosenbrock_var),
                lbfgs(),
                x0,
                iters,
                ones,
                none
            ),
        );
        print(
            &name,
            "finitediff",
            &run!(FiniteDiff::default(), lbfgs(), x0, iters, ones, fd_costs),
        );
        print(
            &name,
            "hand-written",
            &run!(HandWritten::default(), lbfgs(), x0, iters, ones, none),
        );

        let name = format!("Newton, Rosenbrock {n}-D");
        let iters = if n == 2 { 8 } else { 100 };
        print(
            &name,
            "tapegrad",
            &run!(
                Objective::new(rosenbrock_var),
                Newton::<f64>::new(),
                x0,
                iters,
                ones,
                none
            ),
        );
        print(
            &name,
            "finitediff",
            &run!(
                FiniteDiff::default(),
                Newton::<f64>::new(),
                x0,
                iters,
                ones,
                fd_costs
            ),
        );
        print(
            &name,
            "hand-written",
            &run!(
                HandWritten::default(),
                Newton::<f64>::new(),
                x0,
                iters,
                ones,
                none
            ),
        );

        let name = format!("Trust region (Steihaug), Rosenbrock {n}-D");
        let iters = if n == 2 { 50 } else { 500 };
        let tr = || TrustRegion::new(Steihaug::new());
        print(
            &name,
            "tapegrad",
            &run!(Objective::new(rosenbrock_var), tr(), x0, iters, ones, none),
        );
        print(
            &name,
            "finitediff",
            &run!(FiniteDiff::default(), tr(), x0, iters, ones, fd_costs),
        );
        print(
            &name,
            "hand-written",
            &run!(HandWritten::default(), tr(), x0, iters, ones, none),
        );
    }

    let (x0, fitted) = (vec![1.0, 0.0], vec![3.0, -0.4]);
    for (name, ls) in [
        ("Gauss-Newton, a·e^(bt)", false),
        ("Gauss-Newton + line search, a·e^(bt)", true),
    ] {
        macro_rules! fit {
            ($make:expr) => {
                if ls {
                    run!(
                        $make,
                        GaussNewtonLS::new(MoreThuenteLineSearch::new()),
                        x0,
                        50,
                        fitted,
                        none
                    )
                } else {
                    run!($make, GaussNewton::<f64>::new(), x0, 50, fitted, none)
                }
            };
        }
        print(
            name,
            "tapegrad",
            &fit!(Residuals::new(|p| data()
                .iter()
                .map(|&(t, y)| p[0] * (p[1] * t).exp() - y)
                .collect())),
        );
        print(name, "finitediff", &fit!(FitFiniteDiff(data())));
        print(name, "hand-written", &fit!(FitHandWritten(data())));
    }

    println!();
    ratios();
}

/// The time of one evaluation of `f`, the best of several batches.
fn per_call(mut f: impl FnMut()) -> Duration {
    let batch = 2000;
    let mut best = Duration::MAX;
    for _ in 0..5 {
        let started = Instant::now();
        for _ in 0..batch {
            f();
        }
        best = best.min(started.elapsed() / batch);
    }
    best
}

/// What one gradient (and one Hessian) costs against one cost evaluation
/// on the 100-dimensional Rosenbrock function.
fn ratios() {
    let x = DVector::from_vec(start(100));
    let tape: Objective<DVector<f64>> = Objective::new(rosenbrock_var);
    let fd = FiniteDiff::default();
    let hand = HandWritten::default();
    // Warm up: the first evaluations record and compile.
    tape.cost(&x).unwrap();
    tape.gradient(&x).unwrap();
    tape.hessian(&x).unwrap();
    let plain = per_call(|| {
        std::hint::black_box(rosenbrock(std::hint::black_box(x.as_slice())));
    });
    println!("| 100-D Rosenbrock | one cost | one gradient | gradient / cost | one Hessian |");
    println!("|---|---|---|---|---|");
    let ns = |d: Duration| format!("{:.2} µs", d.as_secs_f64() * 1e6);
    let row = |source: &str, cost: Duration, grad: Duration, hess: Duration| {
        println!(
            "| {source} | {} | {} | {:.1} | {} |",
            ns(cost),
            ns(grad),
            grad.as_secs_f64() / cost.as_secs_f64(),
            ns(hess)
        );
    };
    let (c, g, h) = (
        per_call(|| drop(std::hint::black_box(tape.cost(&x)))),
        per_call(|| drop(std::hint::black_box(tape.gradient(&x)))),
        per_call(|| drop(std::hint::black_box(tape.hessian(&x)))),
    );
    row("tapegrad (replayed)", c, g, h);
    row(
        "finitediff (central)",
        plain,
        per_call(|| drop(std::hint::black_box(fd.gradient(&x)))),
        per_call(|| drop(std::hint::black_box(fd.hessian(&x)))),
    );
    row(
        "hand-written (f64)",
        plain,
        per_call(|| drop(std::hint::black_box(hand.gradient(&x)))),
        per_call(|| drop(std::hint::black_box(hand.hessian(&x)))),
    );
    println!(
        "\ntapegrad gradient / plain f64 cost: {:.1}",
        g.as_secs_f64() / plain.as_secs_f64()
    );
}
