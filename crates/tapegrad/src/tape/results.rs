//! What the sweeps give about a tape's nodes: [`Gradients`] (indexed by
//! `Var`), [`Hessian`] and [`Jacobian`]. Data only; the sweeps that fill
//! them sit above the tape.

#[allow(clippy::wildcard_imports)]
use super::*;

use std::borrow::Cow;
use std::mem;
use std::ops::Index;

/// The adjoints of one backward pass: `∂output/∂node` for every node.
///
/// It holds no reference to the tape: it can be kept and sent after the
/// tape is gone, and indexing it with a `Var` of another tape or recording
/// panics, so it never answers for a node it was not taken on.
///
/// ```
/// use tapegrad::Tape;
///
/// let tape = Tape::new();
/// let (x, y) = (tape.var(2.0), tape.var(5.0));
/// let z = x * y + x;
/// let g = z.backward();
/// assert_eq!(g[x], 6.0); // y + 1
/// assert_eq!(g.wrt(y), 2.0); // x
/// assert_eq!(g.wrt_all(&[x, y]), vec![6.0, 2.0]);
/// ```
#[derive(Clone)]
pub struct Gradients {
    /// The recording the output is on (0 for a constant output).
    id: u64,
    /// The tape's first recording id, which names the tape across clears,
    /// to hand the buffer back to it.
    tape: u64,
    output: u32,
    output_value: f64,
    /// Adjoints by node index, from node 0 to the output.
    adjoints: Vec<f64>,
}

impl Gradients {
    /// `∂output/∂var`: 0 for a node the output does not depend on.
    /// `g[var]` is the same number.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let (x, unused) = (tape.var(3.0), tape.var(1.0));
    /// let g = (x * x).backward();
    /// assert_eq!(g.wrt(x), 6.0); // d(x²)/dx = 2x
    /// assert_eq!(g.wrt(unused), 0.0);
    /// assert_eq!(g[x], g.wrt(x));
    /// ```
    ///
    /// # Panics
    /// If `var` belongs to another tape.
    #[must_use]
    #[inline]
    #[track_caller]
    pub fn wrt(&self, var: Var) -> f64 {
        self[var]
    }

    /// `∂output/∂v` for each `v` of `vars`, in order.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let xs = [tape.var(2.0), tape.var(5.0)];
    /// let g = (xs[0] * xs[1]).backward();
    /// assert_eq!(g.wrt_all(&xs), vec![5.0, 2.0]); // (x₁, x₀)
    /// ```
    ///
    /// # Panics
    /// If a `Var` belongs to another tape.
    #[must_use]
    #[track_caller]
    pub fn wrt_all(&self, vars: &[Var]) -> Vec<f64> {
        let mut out = Vec::with_capacity(vars.len());
        for &v in vars {
            out.push(self.wrt(v));
        }
        out
    }

    /// `∂output/∂xᵢ` for every leaf `xᵢ` of a block from
    /// [`Tape::vars`], in order: borrowed from the adjoints when the block
    /// precedes the output, padded with zeros for leaves recorded after it.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let w = tape.vars(&[1.0, 2.0]);
    /// let z = w.get(0) * 10.0;
    /// let later = tape.vars(&[5.0]); // recorded after z
    /// let g = z.backward();
    /// assert_eq!(&g.wrt_vars(w)[..], &[10.0, 0.0]); // ∂z/∂w₀ = 10
    /// assert_eq!(&g.wrt_vars(later)[..], &[0.0]);
    /// ```
    ///
    /// # Panics
    /// If `vars` belongs to another tape.
    #[track_caller]
    pub fn wrt_vars(&self, vars: Vars) -> Cow<'_, [f64]> {
        if vars.id != self.id && self.id != 0 {
            panic!("tapegrad: cannot read gradients of Vars from another tape or recording");
        }
        if self.id == 0 {
            return Cow::Owned(vec![0.0; vars.len()]);
        }
        let range = vars.indices();
        match self.adjoints.get(range.clone()) {
            Some(slice) => Cow::Borrowed(slice),
            None => {
                let mut owned = vec![0.0; range.len()];
                if let Some(have) = self.adjoints.get(range.start..) {
                    owned[..have.len()].copy_from_slice(have);
                }
                Cow::Owned(owned)
            }
        }
    }

    /// The output these gradients were taken of.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let x = tape.var(0.0);
    /// let y = x.exp();
    /// let g = y.backward();
    /// assert_eq!((g.output().index(), g.output().value()), (y.index(), 1.0));
    /// ```
    pub fn output(&self) -> Var {
        Var {
            value: self.output_value,
            id: self.id,
            index: self.output,
        }
    }

    /// Adjoints by node index, from node 0 up to the output.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let x = tape.var(3.0);
    /// let y = x * 2.0;
    /// let z = y + 1.0;
    /// // ∂z/∂x = 2, ∂z/∂y = 1, ∂z/∂z = 1, by tape index
    /// assert_eq!(z.backward().as_slice(), &[2.0, 1.0, 1.0]);
    /// ```
    pub fn as_slice(&self) -> &[f64] {
        &self.adjoints
    }

    /// Every leaf ([`Tape::var`]) of the tape with its gradient, in creation
    /// order.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let x = tape.var(2.0);
    /// let c = tape.constant(10.0);
    /// let y = tape.var(3.0);
    /// let z = x * y + c;
    /// let g = z.backward();
    /// let leaves: Vec<(usize, f64)> = g.leaves().iter().map(|&(v, d)| (v.index(), d)).collect();
    /// // ∂z/∂x = y, ∂z/∂y = x; the constant is not a leaf
    /// assert_eq!(leaves, vec![(0, 3.0), (2, 2.0)]);
    /// ```
    ///
    /// # Panics
    /// If the tape was cleared or dropped since, or is another thread's.
    #[track_caller]
    pub fn leaves(&self) -> Vec<(Var, f64)> {
        if self.id == 0 {
            return Vec::new();
        }
        let tape = live::shared(self.id);
        let leaves: Vec<usize> = tape.with(|t| {
            t.ops()
                .iter()
                .enumerate()
                .filter(|&(_, &op)| op == Op::Leaf)
                .map(|(i, _)| i)
                .collect()
        });
        leaves
            .into_iter()
            .map(|i| {
                let var = tape.get(i);
                (var, self.wrt(var))
            })
            .collect()
    }
}

impl Index<Var> for Gradients {
    type Output = f64;

    /// `g[x]` is `g.wrt(x)`.
    #[track_caller]
    fn index(&self, var: Var) -> &f64 {
        // One comparison on the common path: a node of this recording (or a
        // constant when the output is one, whose adjoints are empty).
        if var.id == self.id {
            return self.adjoints.get(var.index as usize).unwrap_or(&0.0);
        }
        if !var.is_constant() && self.id != 0 {
            other_recording(var);
        }
        // A constant's derivative, and every derivative of a constant.
        &0.0
    }
}

impl Drop for Gradients {
    fn drop(&mut self) {
        // Hand the buffer back so the next backward pass on this tape does
        // not allocate.
        let adjoints = mem::take(&mut self.adjoints);
        if let Some(tape) = live::tape_of(self.tape) {
            tape.with(|t| t.keep_spare(adjoints));
        }
    }
}

impl std::fmt::Debug for Gradients {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gradients")
            .field("output", &self.output)
            .field("adjoints", &self.adjoints)
            .finish()
    }
}

/// Panics for `var`, a node of another tape or recording than the
/// gradients'.
#[cold]
#[inline(never)]
#[track_caller]
fn other_recording(var: Var) -> ! {
    panic!(
        "tapegrad: these gradients belong to another recording than node {}: Vars of two different tapes, or of one tape before and after `clear`, do not mix",
        var.index
    )
}

impl Gradients {
    /// The gradients of a constant on no tape: 0 with respect to anything.
    pub(crate) fn of_constant(value: f64) -> Gradients {
        Gradients {
            id: 0,
            tape: 0,
            output: 0,
            output_value: value,
            adjoints: Vec::new(),
        }
    }

    /// The gradients of node `out` of `tape`, from its adjoints.
    pub(crate) fn new(tape: &State, out: usize, adjoints: Vec<f64>) -> Gradients {
        Gradients {
            id: tape.id(),
            tape: tape.serial(),
            output: out as u32,
            output_value: tape.with(|t| t.values()[out]),
            adjoints,
        }
    }
}

/// A function's value, gradient and Hessian at one point.
///
/// ```
/// // f(x, y) = x·y + y³ at (2, 1): ∇f = (y, x + 3y²) = (1, 5),
/// // H = [[0, 1], [1, 6y]]
/// let h = tapegrad::hessian(|_, v| v[0] * v[1] + v[1].powi(3), &[2.0, 1.0]).unwrap();
/// assert_eq!(h.value, 3.0);
/// assert_eq!(h.gradient, vec![1.0, 5.0]);
/// assert_eq!(h.matrix, vec![vec![0.0, 1.0], vec![1.0, 6.0]]);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Hessian {
    /// `f(x)`.
    pub value: f64,
    /// `∇f(x)`, one entry per input.
    pub gradient: Vec<f64>,
    /// `∂²f/∂xᵢ∂xⱼ`, row `i`, column `j`; symmetric by construction.
    pub matrix: Vec<Vec<f64>>,
}

/// The values and the Jacobian of a function with several outputs.
///
/// ```
/// // f(x) = (x², 3x) at 2: J = [[2x], [3]]
/// let j = tapegrad::jacobian(|_, v| vec![v[0] * v[0], v[0] * 3.0], &[2.0]).unwrap();
/// assert_eq!(j.values, vec![4.0, 6.0]);
/// assert_eq!(j.matrix, vec![vec![4.0], vec![3.0]]);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Jacobian {
    /// The outputs' values, `fᵢ(x)`.
    pub values: Vec<f64>,
    /// `matrix[i][j] = ∂fᵢ/∂xⱼ`: a row per output, a column per input.
    pub matrix: Vec<Vec<f64>>,
}
