//! Second derivatives from recorded gradient graphs: the Hessian and the
//! Hessian-vector product.

use crate::{Result, Tape, Var};

/// A function's value, gradient and Hessian at one point.
#[derive(Clone, Debug, PartialEq)]
pub struct Hessian {
    /// `f(x)`.
    pub value: f64,
    /// `∇f(x)`, one entry per input.
    pub gradient: Vec<f64>,
    /// `∂²f/∂xᵢ∂xⱼ`, row `i`, column `j`; symmetric by construction.
    pub matrix: Vec<Vec<f64>>,
}

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
/// [`Error::NonFinite`](crate::Error::NonFinite) if the value or the
/// gradient at `at` is not finite.
pub fn hessian<F>(f: F, at: &[f64]) -> Result<Hessian>
where
    F: for<'t> Fn(&'t Tape, &[Var<'t>]) -> Var<'t>,
{
    let tape = Tape::new();
    let leaves: Vec<Var<'_>> = at.iter().map(|&x| tape.var(x)).collect();
    let output = f(&tape, &leaves);
    let gradient: Vec<f64> = {
        let g = output.try_backward()?;
        leaves.iter().map(|&v| g.wrt(v)).collect()
    };
    let grads = output.grad_graph(&leaves);
    let n = at.len();
    let mut matrix = vec![vec![0.0; n]; n];
    for i in 0..n {
        let row = grads[i].backward();
        for j in i..n {
            matrix[i][j] = row.wrt(leaves[j]);
            matrix[j][i] = matrix[i][j];
        }
    }
    Ok(Hessian {
        value: output.value(),
        gradient,
        matrix,
    })
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
    F: for<'t> Fn(&'t Tape, &[Var<'t>]) -> Var<'t>,
{
    assert_eq!(
        at.len(),
        v.len(),
        "tapegrad: hessian_vector_product needs a vector as long as the point ({} inputs, {} vector entries)",
        at.len(),
        v.len()
    );
    let tape = Tape::new();
    let leaves: Vec<Var<'_>> = at.iter().map(|&x| tape.var(x)).collect();
    let grads = f(&tape, &leaves).grad_graph(&leaves);
    let directional = tape.sum(grads.iter().zip(v).map(|(&g, &vi)| g * vi));
    let g = directional.try_backward()?;
    Ok(leaves.iter().map(|&x| g.wrt(x)).collect())
}
