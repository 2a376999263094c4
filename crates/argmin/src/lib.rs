//! Exact gradients, Hessians and Jacobians from
//! [tapegrad](https://github.com/tapegrad/tapegrad) for the solvers of
//! [argmin](https://argmin-rs.org): write the cost once, over `Var`, and
//! argmin's L-BFGS, BFGS, Newton, Newton-CG, trust region and Gauss-Newton
//! get its derivatives exactly, with no finite differences and nothing
//! derived by hand.
//!
//! ```
//! use argmin::core::{Executor, State};
//! use argmin::solver::linesearch::MoreThuenteLineSearch;
//! use argmin::solver::quasinewton::LBFGS;
//! use tapegrad_argmin::Objective;
//!
//! // The Rosenbrock function, minimum 0 at (1, 1).
//! let cost = Objective::new(|x| (1.0 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2));
//! let solver = LBFGS::new(MoreThuenteLineSearch::new(), 7);
//! let res = Executor::new(cost, solver)
//!     .configure(|state| state.param(vec![-1.2, 1.0]).max_iters(100))
//!     .run()?;
//! let best = res.state().get_best_param().unwrap();
//! assert!((best[0] - 1.0).abs() < 1e-6 && (best[1] - 1.0).abs() < 1e-6);
//! # Ok::<(), argmin::core::Error>(())
//! ```
//!
//! [`Objective`] is argmin's `CostFunction`, `Gradient` and `Hessian`;
//! [`Residuals`] its `Operator` and `Jacobian`, for Gauss-Newton. Both hold
//! a [`tapegrad::Function`] (or [`tapegrad::VectorFunction`]): the first
//! evaluation records the function and compiles the recording, later ones
//! replay it, and where a comparison of `Var`s (`if x[0] > 0.0`) would go
//! the other way, or the function read a value with `Var::value`, the
//! function is recorded afresh at that point. A replay never answers with a
//! branch the function would not take. A NaN or infinite cost, gradient,
//! Hessian entry, residual or Jacobian entry is an argmin error naming the
//! node (tapegrad's [`Error::NonFinite`](tapegrad::Error::NonFinite)), so a
//! solver stops with that error instead of reporting a NaN minimum.
//!
//! Both are `Send + Sync`: argmin's `rayon` feature evaluates populations
//! on several threads, each replaying a copy of the program of its own.
//!
//! # Parameter types
//!
//! `Vec<f64>` parameters (argmin-math's `vec` backend) take `Vec<f64>`
//! gradients and `Vec<Vec<f64>>` Hessians and Jacobians (a row per
//! residual). With the feature `nalgebra`, `DVector<f64>` parameters take
//! `DVector<f64>` gradients and `DMatrix<f64>` Hessians and Jacobians
//! (argmin-math 0.5's `nalgebra_latest`: nalgebra 0.34), which solvers that
//! invert a matrix (Newton, Gauss-Newton) need: the `vec` backend has no
//! inverse. The parameter type is inferred from the solver.

#![warn(missing_docs)]

// The package readme's example runs as a doctest too.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

use std::marker::PhantomData;

use argmin::core::{CostFunction, Error, Gradient, Hessian, Jacobian, Operator};
use tapegrad::{Function, Tape, Var, VectorFunction};

/// The user's cost, taking the tape as [`tapegrad::Function`] wants it.
pub type Cost = Box<dyn Fn(&Tape, &[Var]) -> Var + Send + Sync>;

/// The user's residuals, taking the tape as [`tapegrad::VectorFunction`]
/// wants them.
pub type Many = Box<dyn Fn(&Tape, &[Var]) -> Vec<Var> + Send + Sync>;

/// A cost function for argmin, with exact derivatives: `CostFunction`
/// (`Output = f64`), `Gradient` and `Hessian`, for `Vec<f64>` parameters
/// (gradient `Vec<f64>`, Hessian `Vec<Vec<f64>>`) and, with the feature
/// `nalgebra`, `DVector<f64>` ones (`DVector<f64>`, `DMatrix<f64>`).
///
/// ```
/// use argmin::core::{CostFunction, Gradient, Hessian};
/// use tapegrad_argmin::Objective;
///
/// // f(x, y) = x²y
/// let f = Objective::new(|v| v[0] * v[0] * v[1]);
/// let at = vec![1.0, 3.0];
/// assert_eq!(f.cost(&at)?, 3.0);
/// assert_eq!(f.gradient(&at)?, vec![6.0, 1.0]); // (2xy, x²)
/// assert_eq!(f.hessian(&at)?, vec![vec![6.0, 2.0], vec![2.0, 0.0]]);
/// # Ok::<(), argmin::core::Error>(())
/// ```
pub struct Objective<P = Vec<f64>> {
    f: Function<Cost>,
    param: PhantomData<fn() -> P>,
}

impl<P: Param> Objective<P> {
    /// The objective `f`, written over tapegrad's `Var`: recorded at the
    /// first point argmin evaluates it at, then replayed.
    ///
    /// ```
    /// use argmin::core::CostFunction;
    /// let f = tapegrad_argmin::Objective::new(|v| v[0].exp());
    /// assert_eq!(f.cost(&vec![0.0])?, 1.0);
    /// # Ok::<(), argmin::core::Error>(())
    /// ```
    pub fn new<F>(f: F) -> Objective<P>
    where
        F: Fn(&[Var]) -> Var + Send + Sync + 'static,
    {
        Objective {
            f: Function::new(Box::new(taped(f)) as Cost),
            param: PhantomData,
        }
    }

    /// The engine's function behind the adapter: its counts of recordings
    /// and replays, and its evaluations on plain slices.
    ///
    /// ```
    /// use argmin::core::{CostFunction, Gradient};
    /// let f = tapegrad_argmin::Objective::new(|v| v[0].abs() * v[1]);
    /// f.cost(&vec![1.0, 2.0])?;
    /// f.cost(&vec![3.0, 2.0])?;
    /// // Recorded once, replayed once.
    /// assert_eq!((f.function().recordings(), f.function().replays()), (1, 1));
    /// # Ok::<(), argmin::core::Error>(())
    /// ```
    pub fn function(&self) -> &Function<Cost> {
        &self.f
    }
}

/// Residuals for argmin's Gauss-Newton, with an exact Jacobian: `Operator`
/// (`Output = Vec<f64>`) and `Jacobian` (`Vec<Vec<f64>>`, a row per
/// residual) for `Vec<f64>` parameters and, with the feature `nalgebra`,
/// `DVector<f64>` ones (`DVector<f64>`, `DMatrix<f64>`).
///
/// ```
/// use argmin::core::{Jacobian, Operator};
/// use tapegrad_argmin::Residuals;
///
/// // r(a, b) = (a·e^(b t) - y) at (t, y) = (0, 1), (1, 3)
/// let r = Residuals::new(|p| {
///     [(0.0, 1.0), (1.0, 3.0)].iter().map(|&(t, y)| p[0] * (p[1] * t).exp() - y).collect()
/// });
/// let at = vec![1.0, 0.0];
/// assert_eq!(r.apply(&at)?, vec![0.0, -2.0]);
/// // Rows (e^(bt), a t e^(bt)).
/// assert_eq!(r.jacobian(&at)?, vec![vec![1.0, 0.0], vec![1.0, 1.0]]);
/// # Ok::<(), argmin::core::Error>(())
/// ```
pub struct Residuals<P = Vec<f64>> {
    f: VectorFunction<Many>,
    param: PhantomData<fn() -> P>,
}

impl<P: Param> Residuals<P> {
    /// The residuals `f`, written over tapegrad's `Var`.
    ///
    /// ```
    /// use argmin::core::Operator;
    /// let r = tapegrad_argmin::Residuals::new(|p| vec![p[0] - 1.0, p[1] * 2.0]);
    /// assert_eq!(r.apply(&vec![3.0, 4.0])?, vec![2.0, 8.0]);
    /// # Ok::<(), argmin::core::Error>(())
    /// ```
    pub fn new<F>(f: F) -> Residuals<P>
    where
        F: Fn(&[Var]) -> Vec<Var> + Send + Sync + 'static,
    {
        Residuals {
            f: VectorFunction::new(Box::new(taped(f)) as Many),
            param: PhantomData,
        }
    }

    /// The engine's function behind the adapter.
    ///
    /// ```
    /// use argmin::core::Jacobian;
    /// let r = tapegrad_argmin::Residuals::new(|p| vec![p[0] * p[0]]);
    /// assert_eq!(r.jacobian(&vec![3.0])?, vec![vec![6.0]]);
    /// assert_eq!(r.function().recordings(), 1);
    /// # Ok::<(), argmin::core::Error>(())
    /// ```
    pub fn function(&self) -> &VectorFunction<Many> {
        &self.f
    }
}

impl<P> std::fmt::Debug for Objective<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Objective")
            .field("recordings", &self.f.recordings())
            .field("replays", &self.f.replays())
            .finish_non_exhaustive()
    }
}

impl<P> std::fmt::Debug for Residuals<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Residuals")
            .field("recordings", &self.f.recordings())
            .field("replays", &self.f.replays())
            .finish_non_exhaustive()
    }
}

/// `f` as a function of the tape and the inputs (it ignores the tape).
fn taped<F, R>(f: F) -> impl Fn(&Tape, &[Var]) -> R + Send + Sync
where
    F: Fn(&[Var]) -> R + Send + Sync,
{
    move |_, v| f(v)
}

/// A parameter type of argmin-math's backends that the adapters take:
/// `Vec<f64>` and, with the feature `nalgebra`, `DVector<f64>`. Sealed.
pub trait Param: sealed::Sealed + Clone {
    /// The backend's matrix: `Vec<Vec<f64>>` (rows) or `DMatrix<f64>`.
    type Matrix;

    /// The coordinates, in order.
    fn coordinates(&self) -> &[f64];

    /// A vector of this type from its coordinates.
    fn from_coordinates(values: Vec<f64>) -> Self;

    /// A matrix of this type from its rows, each `columns` long.
    fn matrix(rows: Vec<Vec<f64>>, columns: usize) -> Self::Matrix;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for Vec<f64> {}
    #[cfg(feature = "nalgebra")]
    impl Sealed for nalgebra::DVector<f64> {}
}

impl Param for Vec<f64> {
    type Matrix = Vec<Vec<f64>>;

    fn coordinates(&self) -> &[f64] {
        self
    }

    fn from_coordinates(values: Vec<f64>) -> Self {
        values
    }

    fn matrix(rows: Vec<Vec<f64>>, _columns: usize) -> Self::Matrix {
        rows
    }
}

#[cfg(feature = "nalgebra")]
impl Param for nalgebra::DVector<f64> {
    type Matrix = nalgebra::DMatrix<f64>;

    fn coordinates(&self) -> &[f64] {
        self.as_slice()
    }

    fn from_coordinates(values: Vec<f64>) -> Self {
        nalgebra::DVector::from_vec(values)
    }

    fn matrix(rows: Vec<Vec<f64>>, columns: usize) -> Self::Matrix {
        nalgebra::DMatrix::from_fn(rows.len(), columns, |i, j| rows[i][j])
    }
}

impl<P: Param> CostFunction for Objective<P> {
    type Param = P;
    type Output = f64;

    fn cost(&self, param: &P) -> Result<f64, Error> {
        Ok(self.f.value(param.coordinates())?)
    }
}

impl<P: Param> Gradient for Objective<P> {
    type Param = P;
    type Gradient = P;

    fn gradient(&self, param: &P) -> Result<P, Error> {
        let at = param.coordinates();
        let mut grad = vec![0.0; at.len()];
        self.f.gradient(at, &mut grad)?;
        Ok(P::from_coordinates(grad))
    }
}

impl<P: Param> Hessian for Objective<P> {
    type Param = P;
    type Hessian = P::Matrix;

    fn hessian(&self, param: &P) -> Result<P::Matrix, Error> {
        let at = param.coordinates();
        let h = self.f.hessian(at)?;
        Ok(P::matrix(h.matrix, at.len()))
    }
}

impl<P: Param> Operator for Residuals<P> {
    type Param = P;
    type Output = P;

    fn apply(&self, param: &P) -> Result<P, Error> {
        Ok(P::from_coordinates(self.f.values(param.coordinates())?))
    }
}

impl<P: Param> Jacobian for Residuals<P> {
    type Param = P;
    type Jacobian = P::Matrix;

    fn jacobian(&self, param: &P) -> Result<P::Matrix, Error> {
        let at = param.coordinates();
        let j = self.f.jacobian(at)?;
        Ok(P::matrix(j.matrix, at.len()))
    }
}
