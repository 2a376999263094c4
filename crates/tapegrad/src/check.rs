//! Gradient checking against central finite differences, as PyTorch's
//! `gradcheck` does.
//!
//! ```
//! use tapegrad::check::gradcheck;
//!
//! // f(x, y) = x·sin y
//! let report = gradcheck(|_, v| v[0] * v[1].sin(), &[1.5, 0.3]).unwrap();
//! assert!(report.passed(), "{report}");
//! ```

use std::fmt;

use crate::{Result, Tape, Var};

/// Step size and tolerances of a gradient check.
///
/// ```
/// use tapegrad::check::{Options, gradcheck_with};
///
/// let defaults = Options::default(); // PyTorch's
/// assert_eq!((defaults.eps, defaults.atol, defaults.rtol), (1e-6, 1e-5, 1e-3));
/// // d ln x/dx = 1/x = 2 at 0.5, checked 100 times tighter than the default
/// let report = gradcheck_with(|_, v| v[0].ln(), &[0.5], defaults.rtol(1e-5)).unwrap();
/// assert!(report.passed(), "{report}");
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct Options {
    /// Relative step: input `x` is moved by `eps · max(1, |x|)`.
    pub eps: f64,
    /// Absolute tolerance.
    pub atol: f64,
    /// Relative tolerance, against the finite-difference value.
    pub rtol: f64,
}

impl Default for Options {
    /// PyTorch's defaults: `eps = 1e-6`, `atol = 1e-5`, `rtol = 1e-3`.
    fn default() -> Options {
        Options {
            eps: 1e-6,
            atol: 1e-5,
            rtol: 1e-3,
        }
    }
}

impl Options {
    /// These options with relative step `eps`.
    ///
    /// ```
    /// use tapegrad::check::Options;
    ///
    /// let o = Options::default().eps(1e-7).atol(1e-6).rtol(1e-4);
    /// assert_eq!((o.eps, o.atol, o.rtol), (1e-7, 1e-6, 1e-4));
    /// ```
    #[must_use]
    pub fn eps(mut self, eps: f64) -> Options {
        self.eps = eps;
        self
    }

    /// These options with absolute tolerance `atol`.
    ///
    /// ```
    /// let o = tapegrad::check::Options::default().atol(1e-8);
    /// assert_eq!((o.atol, o.rtol), (1e-8, 1e-3)); // the rest unchanged
    /// ```
    #[must_use]
    pub fn atol(mut self, atol: f64) -> Options {
        self.atol = atol;
        self
    }

    /// These options with relative tolerance `rtol`.
    ///
    /// ```
    /// let o = tapegrad::check::Options::default().rtol(1e-6);
    /// assert_eq!((o.eps, o.atol, o.rtol), (1e-6, 1e-5, 1e-6));
    /// ```
    #[must_use]
    pub fn rtol(mut self, rtol: f64) -> Options {
        self.rtol = rtol;
        self
    }
}

/// The check of one input.
///
/// ```
/// use tapegrad::check::gradcheck;
///
/// // f(x, y) = x·y at (2, 3): ∂f/∂x = y = 3, ∂f/∂y = x = 2
/// let report = gradcheck(|_, v| v[0] * v[1], &[2.0, 3.0]).unwrap();
/// let dy = report.inputs[1];
/// assert_eq!((dy.index, dy.at, dy.reverse), (1, 3.0, 2.0));
/// assert!((dy.finite_difference - 2.0).abs() < 1e-6);
/// assert!(dy.ok && dy.relative_error < 1e-6);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct InputCheck {
    /// Position of the input in the point.
    pub index: usize,
    /// The input's value.
    pub at: f64,
    /// The gradient from the reverse sweep.
    pub reverse: f64,
    /// The central finite difference `(f(x+h) - f(x-h)) / 2h`.
    pub finite_difference: f64,
    /// `|reverse - finite_difference| / |finite_difference|` (0 when both
    /// are 0, infinite when only the finite difference is).
    pub relative_error: f64,
    /// Whether `|reverse - finite_difference| ≤ atol + rtol·|finite_difference|`.
    pub ok: bool,
}

/// The result of a gradient check: one [`InputCheck`] per input.
///
/// Its [`Display`](fmt::Display) is a table with a row per input, to print
/// when a check fails.
///
/// ```
/// use tapegrad::check::gradcheck;
///
/// let report = gradcheck(|_, v| v[0].powi(3), &[2.0]).unwrap();
/// assert_eq!((report.value, report.inputs.len()), (8.0, 1));
/// assert_eq!(report.inputs[0].reverse, 12.0); // d(x³)/dx = 3x²
/// assert!(report.to_string().starts_with("gradient check at value 8e0\n"));
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Report {
    /// The function's value at the point.
    pub value: f64,
    /// One check per input, in input order.
    pub inputs: Vec<InputCheck>,
}

impl Report {
    /// Whether every input passed.
    ///
    /// ```
    /// use tapegrad::check::gradcheck;
    ///
    /// // relu at its kink: the reverse sweep takes the derivative as 0, the
    /// // central difference (h - 0)/2h sees ½
    /// let report = gradcheck(|_, v| v[0].relu(), &[0.0]).unwrap();
    /// assert!(!report.passed());
    /// assert_eq!((report.inputs[0].reverse, report.inputs[0].finite_difference), (0.0, 0.5));
    /// assert!(gradcheck(|_, v| v[0].relu(), &[1.0]).unwrap().passed());
    /// ```
    pub fn passed(&self) -> bool {
        self.inputs.iter().all(|c| c.ok)
    }

    /// The largest relative error over the inputs.
    ///
    /// ```
    /// use tapegrad::check::gradcheck;
    ///
    /// // f(x, y) = eˣ·y: ∇f = (eˣy, eˣ)
    /// let report = gradcheck(|_, v| v[0].exp() * v[1], &[0.5, 2.0]).unwrap();
    /// assert!(report.max_relative_error() < 1e-6);
    /// // relu at 0 is off by |0 - ½| / ½ = 1
    /// assert_eq!(gradcheck(|_, v| v[0].relu(), &[0.0]).unwrap().max_relative_error(), 1.0);
    /// ```
    pub fn max_relative_error(&self) -> f64 {
        self.inputs
            .iter()
            .map(|c| c.relative_error)
            .fold(0.0, f64::max)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "gradient check at value {:e}", self.value)?;
        writeln!(
            f,
            "{:>5} {:>14} {:>22} {:>22} {:>10}  ok",
            "input", "at", "reverse", "finite difference", "rel. error"
        )?;
        for c in &self.inputs {
            writeln!(
                f,
                "{:>5} {:>14.6e} {:>22.15e} {:>22.15e} {:>10.2e}  {}",
                c.index,
                c.at,
                c.reverse,
                c.finite_difference,
                c.relative_error,
                if c.ok { "yes" } else { "NO" }
            )?;
        }
        Ok(())
    }
}

/// Checks the reverse-mode gradient of `f` at `at` against central finite
/// differences with the default [`Options`].
///
/// `f` receives a fresh tape and one leaf per coordinate of `at`.
///
/// ```
/// use tapegrad::check::gradcheck;
///
/// // f(x, y) = x²·y at (3, 2): ∇f = (2xy, x²) = (12, 9)
/// let report = gradcheck(|_, v| v[0] * v[0] * v[1], &[3.0, 2.0]).unwrap();
/// assert!(report.passed(), "{report}");
/// assert_eq!((report.inputs[0].reverse, report.inputs[1].reverse), (12.0, 9.0));
/// // A gradient that is not finite is an error, not a failed check: √x at 0.
/// assert!(gradcheck(|_, v| v[0].sqrt(), &[0.0]).is_err());
/// ```
///
/// # Errors
/// [`Error::NonFinite`](crate::Error::NonFinite) if the value or a gradient
/// at `at` is not finite.
pub fn gradcheck<F>(f: F, at: &[f64]) -> Result<Report>
where
    F: Fn(&Tape, &[Var]) -> Var,
{
    gradcheck_with(f, at, Options::default())
}

/// [`gradcheck`] with chosen step and tolerances.
///
/// ```
/// use tapegrad::check::{Options, gradcheck_with};
///
/// // d eˣ/dx = eˣ: a smooth function passes far tighter tolerances too
/// let strict = Options::default().atol(1e-8).rtol(1e-6);
/// let report = gradcheck_with(|_, v| v[0].exp(), &[1.0], strict).unwrap();
/// assert!(report.passed(), "{report}");
/// assert_eq!(report.inputs[0].reverse, 1f64.exp());
/// ```
///
/// # Errors
/// As [`gradcheck`].
pub fn gradcheck_with<F>(f: F, at: &[f64], options: Options) -> Result<Report>
where
    F: Fn(&Tape, &[Var]) -> Var,
{
    let tape = Tape::new();
    let leaves: Vec<Var> = at.iter().map(|&x| tape.var(x)).collect();
    let output = f(&tape, &leaves);
    let value = output.value();
    let gradients = output.try_backward()?;

    let mut point = at.to_vec();
    let inputs = leaves
        .iter()
        .enumerate()
        .map(|(index, &leaf)| {
            let x = at[index];
            let h = options.eps * x.abs().max(1.0);
            let (above, below) = (x + h, x - h);
            point[index] = above;
            let f_above = evaluate(&f, &point);
            point[index] = below;
            let f_below = evaluate(&f, &point);
            point[index] = x;
            // Divide by the step actually taken, which rounding may change.
            let finite_difference = (f_above - f_below) / (above - below);
            let reverse = gradients.wrt(leaf);
            let error = (reverse - finite_difference).abs();
            let relative_error = if error == 0.0 {
                0.0
            } else {
                error / finite_difference.abs()
            };
            InputCheck {
                index,
                at: x,
                reverse,
                finite_difference,
                relative_error,
                ok: error <= options.atol + options.rtol * finite_difference.abs(),
            }
        })
        .collect();
    Ok(Report { value, inputs })
}

/// `f` at `point`, on a tape of its own.
fn evaluate<F>(f: &F, point: &[f64]) -> f64
where
    F: Fn(&Tape, &[Var]) -> Var,
{
    let tape = Tape::new();
    let leaves: Vec<Var> = point.iter().map(|&x| tape.var(x)).collect();
    f(&tape, &leaves).value()
}
