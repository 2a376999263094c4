//! The reverse sweep: one loop from the output back to the first node.

use std::borrow::Cow;
use std::mem;
use std::ops::Index;

use crate::error::{Error, Result};
use crate::op::{Op, Pullback, pullback};
use crate::tape::{Call, Inner, State, Var, Vars};

mod reach;
mod sweep;

pub(crate) use reach::{depends_on, on_leaf_paths, reachable};
pub(crate) use sweep::{NoRuns, Runs, Sweep, sweep};

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
        let tape = crate::tape::shared(self.id);
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
        if var.id != self.id && !var.is_constant() && self.id != 0 {
            other_recording(var);
        }
        if var.is_constant() || self.id == 0 {
            // A constant's derivative, and every derivative of a constant.
            return &0.0;
        }
        self.adjoints.get(var.index as usize).unwrap_or(&0.0)
    }
}

impl Drop for Gradients {
    fn drop(&mut self) {
        // Hand the buffer back so the next backward pass on this tape does
        // not allocate.
        let adjoints = mem::take(&mut self.adjoints);
        if let Some(tape) = crate::tape::tape_of(self.tape) {
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
        let tape = crate::tape::shared(self.id);
        // Gradients are numbers code can branch on, like values.
        tape.note_read(self.index);
        backward(&tape, self.index as usize)
    }

    /// Like [`Var::backward`], but checks every value and adjoint that a
    /// gradient with respect to a leaf depends on, and returns
    /// [`Error::NonFinite`] for the first one that is NaN or infinite: the
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
    /// [`Error::NonFinite`], naming the node, its op and inputs.
    #[track_caller]
    pub fn try_backward(self) -> Result<Gradients> {
        if self.is_constant() {
            return Ok(Gradients::of_constant(self.value));
        }
        let tape = crate::tape::shared(self.id);
        tape.note_read(self.index);
        try_backward(&tape, self.index as usize)
    }
}

impl Gradients {
    /// The gradients of a constant on no tape: 0 with respect to anything.
    fn of_constant(value: f64) -> Gradients {
        Gradients {
            id: 0,
            tape: 0,
            output: 0,
            output_value: value,
            adjoints: Vec::new(),
        }
    }

    /// The gradients of node `out` of `tape`, from its adjoints.
    fn new(tape: &State, out: usize, adjoints: Vec<f64>) -> Gradients {
        Gradients {
            id: tape.id(),
            tape: tape.serial(),
            output: out as u32,
            output_value: tape.with(|t| t.values()[out]),
            adjoints,
        }
    }
}

/// [`Var::backward`] of node `out` of `tape`, without noting a read.
pub(crate) fn backward(tape: &State, out: usize) -> Gradients {
    let mut adjoints = tape.with(|t| t.take_spare());
    let fault = sweep(tape, out, &mut adjoints, None, &mut NoRuns);
    debug_assert!(fault.is_none());
    Gradients::new(tape, out, adjoints)
}

/// [`Var::try_backward`] of node `out` of `tape`, without noting a read.
pub(crate) fn try_backward(tape: &State, out: usize) -> Result<Gradients> {
    let mut adjoints = tape.with(|t| t.take_spare());
    let (value_fault, needed) = tape.with(|t| {
        let reach = reachable(t, out);
        let fault = (0..=out).find(|&i| reach[i] && !t.values()[i].is_finite());
        (fault, fault.is_none().then(|| on_leaf_paths(t, &reach)))
    });
    // The faulty node, and the input whose adjoint it made non-finite
    // (none when its own value is).
    let fault = match (value_fault, needed) {
        (Some(i), _) => Some((i, None)),
        (None, Some(needed)) => sweep(tape, out, &mut adjoints, Some(&needed), &mut NoRuns)
            .map(|(i, input)| (i, Some((input as usize, adjoints[input as usize])))),
        (None, None) => None,
    };
    match fault {
        None => Ok(Gradients::new(tape, out, adjoints)),
        Some((node, sent)) => {
            tape.with(|t| t.keep_spare(adjoints));
            Err(Error::non_finite(tape, out, node, sent))
        }
    }
}
