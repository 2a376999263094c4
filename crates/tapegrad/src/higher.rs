//! Second derivatives from recorded gradient graphs: the Hessian and the
//! Hessian-vector product.

use crate::tape::{Hessian, Jacobian};
use crate::{Result, Tape, Var};

/// The value, gradient and Hessian of `f` at `at`, exact to rounding.
///
/// `f` receives a fresh tape and one leaf per coordinate of `at`. The
/// gradient is recorded once with [`Var::grad_graph`]; each row of the
/// Hessian is one reverse sweep of a gradient's graph. Row `i` supplies the
/// entries `j ≥ i` and the lower triangle mirrors them, so the matrix is
/// exactly symmetric (the two sweeps that give `∂²f/∂xᵢ∂xⱼ` and
/// `∂²f/∂xⱼ∂xᵢ` agree to rounding).
///
/// ```
/// // J(x, y) = x² + sin²y: H = [[2, 0], [0, 2cos 2y]]
/// let h = tapegrad::hessian(|_, v| v[0] * v[0] + v[1].sin().powi(2), &[3.0, 1.0]).unwrap();
/// assert_eq!(h.matrix[0], vec![2.0, 0.0]);
/// assert!((h.matrix[1][1] - 2.0 * 2f64.cos()).abs() < 1e-15);
/// ```
///
/// # Errors
/// [`Error::NonFinite`](crate::Error::NonFinite) if the value, the
/// gradient or a second derivative at `at` is not finite.
pub fn hessian<F>(f: F, at: &[f64]) -> Result<Hessian>
where
    F: Fn(&Tape, &[Var]) -> Var,
{
    let tape = Tape::new();
    let leaves: Vec<Var> = at.iter().map(|&x| tape.var(x)).collect();
    f(&tape, &leaves).hessian(&leaves)
}

/// The values and the Jacobian of `f` at `at`, exact to rounding.
///
/// `f` receives a fresh tape and one leaf per coordinate of `at`, and
/// returns its outputs. Each row is one checked reverse sweep from one
/// output; the sweeps share one adjoint buffer.
///
/// ```
/// // f(x, y) = (x·y, x + y, sin x): J = [[y, x], [1, 1], [cos x, 0]]
/// let j = tapegrad::jacobian(|_, v| vec![v[0] * v[1], v[0] + v[1], v[0].sin()], &[2.0, 3.0]).unwrap();
/// assert_eq!(j.values, vec![6.0, 5.0, 2f64.sin()]);
/// assert_eq!(j.matrix, vec![vec![3.0, 2.0], vec![1.0, 1.0], vec![2f64.cos(), 0.0]]);
/// ```
///
/// # Errors
/// [`Error::NonFinite`](crate::Error::NonFinite) if an output or a
/// derivative is not finite.
pub fn jacobian<F>(f: F, at: &[f64]) -> Result<Jacobian>
where
    F: Fn(&Tape, &[Var]) -> Vec<Var>,
{
    let tape = Tape::new();
    let leaves: Vec<Var> = at.iter().map(|&x| tape.var(x)).collect();
    let outputs = f(&tape, &leaves);
    tape.jacobian(&outputs, &leaves)
}

impl Tape {
    /// The values and the Jacobian of `outputs` with respect to `inputs`,
    /// all already recorded on this tape: one checked reverse sweep per
    /// output, sharing one adjoint buffer.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let (r, t) = (tape.var(2.0), tape.var(0.0));
    /// let (x, y) = (r * t.cos(), r * t.sin()); // polar to Cartesian
    /// let j = tape.jacobian(&[x, y], &[r, t]).unwrap();
    /// assert_eq!(j.matrix, vec![vec![1.0, -0.0], vec![0.0, 2.0]]);
    /// ```
    ///
    /// # Errors
    /// [`Error::NonFinite`](crate::Error::NonFinite) if an output or a
    /// derivative is not finite.
    ///
    /// # Panics
    /// If a `Var` belongs to another tape.
    #[track_caller]
    pub fn jacobian(&self, outputs: &[Var], inputs: &[Var]) -> Result<Jacobian> {
        for &v in outputs.iter().chain(inputs) {
            if !v.is_constant() {
                self.state().check_owns(v);
            }
        }
        let matrix = outputs
            .iter()
            .map(|out| Ok(out.try_backward()?.wrt_all(inputs)))
            .collect::<Result<_>>()?;
        Ok(Jacobian {
            values: outputs.iter().map(|v| v.value()).collect(),
            matrix,
        })
    }
}

/// The Hessian-vector product `H(x)·v` of `f` at `at`, without forming `H`.
///
/// Reverse over reverse: record the gradient's graph once, then one reverse
/// sweep of `∇f·v` gives `H·v`. The cost is a small constant times one
/// gradient, whatever the number of inputs.
///
/// ```
/// // f(x, y) = x²y: H = [[2y, 2x], [2x, 0]], at (1, 3) H·(1, 1) = (8, 2)
/// let hv = tapegrad::hessian_vector_product(|_, v| v[0] * v[0] * v[1], &[1.0, 3.0], &[1.0, 1.0]);
/// assert_eq!(hv.unwrap(), vec![8.0, 2.0]);
/// ```
///
/// # Errors
/// [`Error::NonFinite`](crate::Error::NonFinite) if a value or adjoint of
/// the product's graph is not finite.
///
/// # Panics
/// If `at` and `v` differ in length.
pub fn hessian_vector_product<F>(f: F, at: &[f64], v: &[f64]) -> Result<Vec<f64>>
where
    F: Fn(&Tape, &[Var]) -> Var,
{
    assert_eq!(
        at.len(),
        v.len(),
        "tapegrad: hessian_vector_product needs a vector as long as the point ({} inputs, {} vector entries)",
        at.len(),
        v.len()
    );
    let tape = Tape::new();
    let leaves: Vec<Var> = at.iter().map(|&x| tape.var(x)).collect();
    let grads = f(&tape, &leaves).grad_graph(&leaves);
    let directional = tape.sum(grads.iter().zip(v).map(|(&g, &vi)| g * vi));
    let g = directional.try_backward()?;
    Ok(leaves.iter().map(|&x| g.wrt(x)).collect())
}
