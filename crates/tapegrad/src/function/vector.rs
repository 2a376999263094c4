//! [`VectorFunction`]: a function of a point to several numbers, kept with
//! its compiled programs as [`Function`] keeps its own,
//! for values and Jacobians.

#[allow(clippy::wildcard_imports)]
use super::*;

/// A function of a point to several numbers, `f: Fn(&Tape, &[Var]) ->
/// Vec<Var>` (the form [`jacobian`](crate::jacobian) takes), kept with its
/// compiled recordings, as [`Function`] keeps a scalar one: its values and
/// Jacobian at any point, replayed where the recording holds, recorded
/// afresh where it does not.
///
/// ```
/// use tapegrad::VectorFunction;
///
/// // Residuals of y = a·e^(b t) at t = 0, 1.
/// let r = VectorFunction::new(|_, p| {
///     [(0.0, 2.0), (1.0, 5.0)].iter().map(|&(t, y)| p[0] * (p[1] * t).exp() - y).collect()
/// });
/// let j = r.jacobian(&[2.0, 0.0])?;
/// assert_eq!(j.values, vec![0.0, -3.0]);
/// // Rows are residuals: (e^(bt), a t e^(bt)).
/// assert_eq!(j.matrix, vec![vec![1.0, 0.0], vec![1.0, 2.0]]);
/// assert_eq!(r.values(&[1.0, 1.0])?, vec![-1.0, 1f64.exp() - 5.0]); // replayed
/// # Ok::<(), tapegrad::Error>(())
/// ```
pub struct VectorFunction<F> {
    f: F,
    /// Programs for the values and the Jacobian: one per output.
    programs: Programs,
    counts: Counts,
}

impl<F> VectorFunction<F>
where
    F: Fn(&Tape, &[Var]) -> Vec<Var>,
{
    /// Keeps `f`, to be recorded at the first point it is evaluated at.
    ///
    /// ```
    /// let f = tapegrad::VectorFunction::new(|_, v| vec![v[0] + v[1], v[0] * v[1]]);
    /// assert_eq!(f.values(&[2.0, 3.0])?, vec![5.0, 6.0]);
    /// # Ok::<(), tapegrad::Error>(())
    /// ```
    pub fn new(f: F) -> VectorFunction<F> {
        VectorFunction {
            f,
            programs: Programs::default(),
            counts: Counts::default(),
        }
    }

    /// The function's values at `at`.
    ///
    /// ```
    /// use tapegrad::{Error, VectorFunction};
    ///
    /// let f = VectorFunction::new(|_, v| vec![v[0].sqrt(), v[0]]);
    /// assert_eq!(f.values(&[4.0])?, vec![2.0, 4.0]);
    /// let err = f.values(&[-4.0]).unwrap_err(); // √-4 is NaN
    /// assert!(matches!(err, Error::NonFinite { ref op, .. } if op == "sqrt"));
    /// # Ok::<(), Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::NonFinite`] if a value is NaN or infinite, naming the
    /// first node that is.
    pub fn values(&self, at: &[f64]) -> Result<Vec<f64>> {
        let from_programs =
            |p: &mut [Compiled]| p.iter_mut().map(|p| finite_value(p, at)).collect();
        evaluate(
            &self.programs,
            &self.counts,
            at,
            from_programs,
            &self.f,
            |outputs, _| outputs.iter().map(|&y| finite_recorded(y)).collect(),
        )
    }

    /// The function's values and Jacobian at `at` (a row per output): the
    /// same numbers as [`jacobian`](crate::jacobian) gives.
    ///
    /// ```
    /// // (x·y, x/y): J = [[y, x], [1/y, -x/y²]]
    /// let f = tapegrad::VectorFunction::new(|_, v| vec![v[0] * v[1], v[0] / v[1]]);
    /// let j = f.jacobian(&[3.0, 2.0])?;
    /// assert_eq!(j.matrix, vec![vec![2.0, 3.0], vec![0.5, -0.75]]);
    /// # Ok::<(), tapegrad::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::NonFinite`] if a value or adjoint is NaN or infinite.
    pub fn jacobian(&self, at: &[f64]) -> Result<Jacobian> {
        let n = at.len();
        let from_programs = |p: &mut [Compiled]| -> Result<Jacobian> {
            let mut values = Vec::with_capacity(p.len());
            let mut matrix = Vec::with_capacity(p.len());
            for program in p {
                let mut row = vec![0.0; n];
                values.push(finite_gradient(program, at, &mut row)?);
                matrix.push(row);
            }
            Ok(Jacobian { values, matrix })
        };
        let recorded = |outputs: &[Var], leaves: &[Var]| {
            let values = outputs.iter().map(|&y| y.value()).collect();
            let matrix = outputs.iter().map(|&y| finite_backward(y, leaves));
            Ok(Jacobian {
                values,
                matrix: matrix.collect::<Result<_>>()?,
            })
        };
        evaluate(
            &self.programs,
            &self.counts,
            at,
            from_programs,
            &self.f,
            recorded,
        )
    }
}

impl<F> VectorFunction<F> {
    /// How many evaluations recorded the function, as
    /// [`Function::recordings`] counts them.
    ///
    /// ```
    /// let f = tapegrad::VectorFunction::new(|_, v| vec![v[0] * 2.0]);
    /// f.jacobian(&[1.0])?;
    /// f.values(&[2.0])?;
    /// assert_eq!((f.recordings(), f.replays()), (1, 1));
    /// # Ok::<(), tapegrad::Error>(())
    /// ```
    pub fn recordings(&self) -> u64 {
        self.counts.recordings()
    }

    /// How many evaluations replayed a compiled recording.
    pub fn replays(&self) -> u64 {
        self.counts.replays()
    }
}
