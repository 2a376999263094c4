//! `Var`'s methods that run a sweep (`backward`, `try_backward`,
//! `grad_graph`, `hessian`), here with every other method of `Var`, and the
//! seam they reach the sweeps through: the traits [`Backward`] and
//! [`GradGraph`], declared here and implemented for [`State`] by the sweep
//! modules above the tape, so the tape names no module above it.

#[allow(clippy::wildcard_imports)]
use super::*;

use crate::error::Result;

/// The numeric sweeps of a tape, implemented in `backward`.
pub(crate) trait Backward {
    /// The gradients of node `out`, without noting a read.
    fn backward(&self, out: usize) -> Gradients;
    /// The checked sweep of node `out`, without noting a read.
    fn try_backward(&self, out: usize) -> Result<Gradients>;
}

/// The recorded sweep of a tape, implemented in `grad_graph`.
pub(crate) trait GradGraph {
    /// The gradients of node `out` with respect to `wrt`, recorded as new
    /// nodes noted at `at`.
    fn grad_graph(&self, out: u32, wrt: &[Var], at: &'static Location<'static>) -> Vec<Var>;
}

impl Var {
    /// Backpropagates from this node in one reverse sweep and returns the
    /// adjoint of every node (`∂self/∂node`).
    ///
    /// Numerical faults follow IEEE arithmetic (`ln(-1)` is NaN, `1/0` is
    /// infinite); use [`Var::try_backward`] to have them reported. A node
    /// whose adjoint is exactly zero sends nothing to its inputs, so an
    /// infinite local partial of a node the output does not use (say `√0`)
    /// cannot turn a gradient into `0·∞ = NaN`.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let x = tape.var(3.0);
    /// let y = x * x + x.sin();
    /// let g = y.backward();
    /// assert_eq!(g[x], 6.0 + 3f64.cos()); // 2x + cos x
    /// ```
    #[must_use = "the gradients are the result; backward changes nothing on the tape"]
    #[track_caller]
    pub fn backward(self) -> Gradients {
        if self.is_constant() {
            return Gradients::of_constant(self.value);
        }
        // Custom ops' partials are the user's code: hold the tape.
        let tape = live::shared(self.id);
        // Gradients are numbers code can branch on, like values.
        tape.note_read(self.index);
        Backward::backward(&*tape, self.index as usize)
    }

    /// Like [`Var::backward`], but checks every value and adjoint that a
    /// gradient with respect to a leaf depends on, and returns
    /// [`Error::NonFinite`](crate::Error::NonFinite) for the first one that is NaN or infinite: the
    /// first such value in tape order, else the first non-finite adjoint in
    /// sweep order, naming the op that produced it. Adjoints of nodes that
    /// no leaf reaches (constants, and what is computed from them alone)
    /// are not checked: no gradient is made of them.
    ///
    /// ```
    /// use tapegrad::{Error, Tape};
    ///
    /// let tape = Tape::new();
    /// let x = tape.var(-1.0).named("x");
    /// assert!(matches!(x.ln().try_backward(), Err(Error::NonFinite { .. })));
    /// let g = (x * x).try_backward().unwrap();
    /// assert_eq!(g[x], -2.0);
    /// ```
    ///
    /// # Errors
    /// [`Error::NonFinite`](crate::Error::NonFinite), naming the node, its op and inputs.
    #[track_caller]
    pub fn try_backward(self) -> Result<Gradients> {
        if self.is_constant() {
            return Ok(Gradients::of_constant(self.value));
        }
        let tape = live::shared(self.id);
        tape.note_read(self.index);
        Backward::try_backward(&*tape, self.index as usize)
    }

    /// The gradient of `self` with respect to each of `wrt`, recorded as new
    /// nodes on the tape (PyTorch's `create_graph=True`, JAX's `grad`).
    ///
    /// The results are ordinary `Var`s: read their values, dump them, or
    /// differentiate them again for higher orders.
    ///
    /// ```
    /// use tapegrad::Tape;
    ///
    /// let tape = Tape::new();
    /// let w = tape.var(3.0);
    /// let b = tape.var(4.0);
    /// let z = (2.0 * w + 3.0 * b) * (2.0 * b + 1.0);
    /// let grads = z.grad_graph(&[w, b]);
    /// assert_eq!((grads[0].value(), grads[1].value()), (18.0, 63.0));
    /// // d²z/db² = d(3y + 2x)/db = 3·2 + 2·3 = 12
    /// assert_eq!(grads[1].grad_graph(&[b])[0].value(), 12.0);
    /// ```
    ///
    /// The recorded graph is at most a constant factor larger than the part
    /// of the tape `self` depends on. Multiplications by an exact 1 are
    /// folded away, and so is arithmetic on constants (in `f64`, exactly as
    /// the numeric sweep does it). A gradient that is a constant (or zero,
    /// for an input `self` does not depend on) is recorded as a constant.
    ///
    /// # Panics
    /// If a `Var` of `wrt` belongs to another tape.
    #[must_use]
    #[track_caller]
    pub fn grad_graph(self, wrt: &[Var]) -> Vec<Var> {
        if self.is_constant() {
            // A constant's derivatives are 0 with respect to anything.
            return wrt.iter().map(|_| Var::constant(0.0)).collect();
        }
        // Custom ops' partials are the user's code: hold the tape.
        let shared = live::shared(self.id);
        let tape: &State = &shared;
        for &v in wrt {
            if !v.is_constant() {
                tape.check_owns(v);
            }
        }
        GradGraph::grad_graph(tape, self.index, wrt, std::panic::Location::caller())
    }

    /// The value, gradient and Hessian of this output with respect to
    /// `inputs`, on the tape it is recorded on: no function to re-record.
    /// The gradient's graph is recorded on the tape (as by
    /// [`Var::grad_graph`]) and each row is one checked reverse sweep of it.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let (x, y) = (tape.var(1.0), tape.var(2.0));
    /// let f = x * x * y; // H = [[2y, 2x], [2x, 0]]
    /// let h = f.hessian(&[x, y]).unwrap();
    /// assert_eq!(h.gradient, vec![4.0, 1.0]);
    /// assert_eq!(h.matrix, vec![vec![4.0, 2.0], vec![2.0, 0.0]]);
    /// ```
    ///
    /// # Errors
    /// [`Error::NonFinite`](crate::Error::NonFinite) if the value, the
    /// gradient or a second derivative is not finite.
    ///
    /// # Panics
    /// If an input belongs to another tape.
    #[track_caller]
    pub fn hessian(self, inputs: &[Var]) -> Result<Hessian> {
        let gradient = self.try_backward()?.wrt_all(inputs);
        let grads = self.grad_graph(inputs);
        let n = inputs.len();
        let mut matrix = vec![vec![0.0; n]; n];
        for i in 0..n {
            let row = grads[i].try_backward()?;
            for j in i..n {
                matrix[i][j] = row.wrt(inputs[j]);
                matrix[j][i] = matrix[i][j];
            }
        }
        Ok(Hessian {
            value: self.value(),
            gradient,
            matrix,
        })
    }
}
