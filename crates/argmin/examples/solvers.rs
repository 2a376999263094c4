//! argmin's solvers on exact derivatives from tapegrad, each in a few
//! lines: L-BFGS on the Rosenbrock function in 2 and 100 dimensions, Newton
//! and the Steihaug trust region with exact Hessians, and Gauss-Newton
//! fitting y = a·e^(bt).
//!
//! `cargo run -p tapegrad-argmin --features nalgebra --example solvers`

use argmin::core::{Error, Executor, State};
use argmin::solver::gaussnewton::GaussNewton;
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::newton::Newton;
use argmin::solver::quasinewton::LBFGS;
use argmin::solver::trustregion::{Steihaug, TrustRegion};
use nalgebra::DVector;
use tapegrad::Var;
use tapegrad_argmin::{Objective, Residuals};

/// The Rosenbrock function (a = 1, b = 100), taken unchanged from
/// `argmin_testfunctions` (generic over `num_traits::Float`) and run on
/// tapegrad's `Var`: minimum 0 at (1, …, 1).
fn rosenbrock(x: &[Var]) -> Var {
    argmin_testfunctions::rosenbrock(x)
}

/// (-1.2, 1), argmin's examples' starting point, repeated to `n` coordinates.
fn start(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| if i % 2 == 0 { -1.2 } else { 1.0 })
        .collect()
}

fn main() -> Result<(), Error> {
    for n in [2, 100] {
        let solver = LBFGS::new(MoreThuenteLineSearch::new(), 7);
        let res = Executor::new(Objective::new(rosenbrock), solver)
            .configure(|s| s.param(start(n)).max_iters(1000))
            .run()?;
        let x = res.state().get_best_param().unwrap();
        println!(
            "L-BFGS, {n}-D: cost {:.1e} after {} iterations, x[0..2] = {:?}",
            res.state().get_best_cost(),
            res.state().get_iter(),
            &x[..2]
        );
    }

    // Newton inverts the Hessian: nalgebra's types.
    let res = Executor::new(Objective::new(rosenbrock), Newton::<f64>::new())
        .configure(|s| s.param(DVector::from_vec(start(2))).max_iters(8))
        .run()?;
    println!(
        "Newton: x = {:?} after 8 iterations",
        res.state().get_best_param().unwrap().as_slice()
    );

    let res = Executor::new(
        Objective::new(rosenbrock),
        TrustRegion::new(Steihaug::new()),
    )
    .configure(|s| s.param(start(2)).max_iters(50))
    .run()?;
    println!(
        "Trust region (Steihaug): x = {:?} after 50 iterations",
        res.state().get_best_param().unwrap()
    );

    // y = 3 e^(-0.4 t), sampled at t = 0, 0.5, …, 4.5; fitted from (1, 0).
    let data: Vec<(f64, f64)> = (0..10)
        .map(|i| f64::from(i) * 0.5)
        .map(|t| (t, 3.0 * (-0.4 * t).exp()))
        .collect();
    let residuals = Residuals::new(move |p| {
        data.iter()
            .map(|&(t, y)| p[0] * (p[1] * t).exp() - y)
            .collect()
    });
    let res = Executor::new(residuals, GaussNewton::<f64>::new())
        .configure(|s| s.param(DVector::from_vec(vec![1.0, 0.0])).max_iters(50))
        .run()?;
    let p = res.state().get_best_param().unwrap();
    println!(
        "Gauss-Newton: a = {}, b = {} after {} iterations",
        p[0],
        p[1],
        res.state().get_iter()
    );
    Ok(())
}
