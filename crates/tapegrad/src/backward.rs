//! The reverse sweep: one loop from the output back to the first node.

use std::borrow::Cow;
use std::mem;
use std::ops::Index;

use crate::error::{Error, NonFinite, Result};
use crate::op::{Op, Pullback, Shape, pullback};
use crate::tape::{Inner, Tape, Var, Vars};

/// The adjoints of one backward pass: `∂output/∂node` for every node.
///
/// It borrows the tape, so it cannot outlive a [`Tape::clear`] and answer
/// for nodes that no longer exist.
pub struct Gradients<'t> {
    tape: &'t Tape,
    output: u32,
    /// Adjoints by node index, from node 0 to the output.
    adjoints: Vec<f64>,
}

impl<'t> Gradients<'t> {
    /// `∂output/∂var`: 0 for a node the output does not depend on.
    ///
    /// # Panics
    /// If `var` belongs to another tape.
    #[inline]
    pub fn wrt(&self, var: Var<'t>) -> f64 {
        self.tape.check_owns(var);
        self.adjoints.get(var.index()).copied().unwrap_or(0.0)
    }

    /// `∂output/∂xᵢ` for every leaf `xᵢ` of a block from
    /// [`Tape::vars`], in order: borrowed from the adjoints when the block
    /// precedes the output, padded with zeros for leaves recorded after it.
    ///
    /// # Panics
    /// If `vars` belongs to another tape.
    pub fn wrt_vars(&self, vars: Vars<'t>) -> Cow<'_, [f64]> {
        if !std::ptr::eq(self.tape, vars.tape) {
            panic!("tapegrad: cannot read gradients of Vars from another tape");
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
    pub fn output(&self) -> Var<'t> {
        self.tape.get(self.output as usize)
    }

    /// Adjoints by node index, from node 0 up to the output.
    pub fn as_slice(&self) -> &[f64] {
        &self.adjoints
    }

    /// Every leaf ([`Tape::var`]) of the tape with its gradient, in creation
    /// order.
    pub fn leaves(&self) -> Vec<(Var<'t>, f64)> {
        let leaves: Vec<usize> = self.tape.with(|t| {
            t.ops
                .iter()
                .enumerate()
                .filter(|&(_, &op)| op == Op::Leaf)
                .map(|(i, _)| i)
                .collect()
        });
        leaves
            .into_iter()
            .map(|i| {
                let var = self.tape.get(i);
                (var, self.wrt(var))
            })
            .collect()
    }
}

impl<'t> Index<Var<'t>> for Gradients<'t> {
    type Output = f64;

    /// `g[x]` is `g.wrt(x)`.
    fn index(&self, var: Var<'t>) -> &f64 {
        self.tape.check_owns(var);
        self.adjoints.get(var.index()).unwrap_or(&0.0)
    }
}

impl Drop for Gradients<'_> {
    fn drop(&mut self) {
        // Hand the buffer back so the next backward pass on this tape does
        // not allocate.
        let adjoints = mem::take(&mut self.adjoints);
        self.tape.with(|t| {
            if adjoints.capacity() > t.spare.capacity() {
                t.spare = adjoints;
            }
        });
    }
}

impl std::fmt::Debug for Gradients<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gradients")
            .field("output", &self.output)
            .field("adjoints", &self.adjoints)
            .finish()
    }
}

impl<'t> Var<'t> {
    /// Backpropagates from this node in one reverse sweep and returns the
    /// adjoint of every node (`∂self/∂node`).
    ///
    /// Numerical faults follow IEEE arithmetic (`ln(-1)` is NaN, `1/0` is
    /// infinite); use [`Var::try_backward`] to have them reported. A node
    /// whose adjoint is exactly zero sends nothing to its inputs, so an
    /// infinite local partial of a node the output does not use (say `√0`)
    /// cannot turn a gradient into `0·∞ = NaN`.
    pub fn backward(self) -> Gradients<'t> {
        let mut adjoints = self.take_buffer();
        self.tape.with(|t| {
            let out = self.index as usize;
            let (ops, values) = (&t.ops[..=out], &t.values[..=out]);
            let mut sweep = Sweep::new(t, &mut adjoints, self.index);
            for i in (0..=out).rev() {
                // Walk the operand words back to this node's, swept or not.
                sweep.at -= ops[i].words();
                let g = sweep.adjoints[i];
                if g != 0.0 {
                    pullback(&mut sweep, ops[i], values[i], g);
                }
            }
        });
        self.gradients(adjoints)
    }

    /// Like [`Var::backward`], but checks every value and adjoint the output
    /// depends on and returns [`Error::NonFinite`] for the first one that is
    /// NaN or infinite: the first such value in tape order, else the first
    /// non-finite adjoint in sweep order, naming the op that produced it.
    pub fn try_backward(self) -> Result<Gradients<'t>> {
        let out = self.index as usize;
        let mut adjoints = self.take_buffer();
        let fault = self.tape.with(|t| {
            let reach = reachable(t, out);
            if let Some(i) = (0..=out).find(|&i| reach[i] && !t.values[i].is_finite()) {
                return Some((i, NonFinite::Value));
            }
            let mut sweep = Sweep::new(t, &mut adjoints, self.index);
            for i in (0..=out).rev() {
                sweep.at -= t.ops[i].words();
                let g = sweep.adjoints[i];
                if g == 0.0 {
                    continue;
                }
                let mut checked = Checked {
                    sweep: &mut sweep,
                    fault: None,
                };
                pullback(&mut checked, t.ops[i], t.values[i], g);
                if let Some(input) = checked.fault {
                    let adjoint = sweep.adjoints[input as usize];
                    let input = input as usize;
                    return Some((i, NonFinite::Adjoint { input, adjoint }));
                }
            }
            None
        });
        match fault {
            None => Ok(self.gradients(adjoints)),
            Some((node, cause)) => {
                self.tape.with(|t| t.spare = adjoints);
                let n = self.tape.node(node);
                Err(Error::NonFinite {
                    node,
                    op: n.op.name(),
                    name: n.name,
                    inputs: n.inputs.iter().map(|&i| self.tape.get(i).value()).collect(),
                    value: n.value,
                    cause,
                })
            }
        }
    }

    fn take_buffer(self) -> Vec<f64> {
        self.tape.with(|t| mem::take(&mut t.spare))
    }

    fn gradients(self, adjoints: Vec<f64>) -> Gradients<'t> {
        Gradients {
            tape: self.tape,
            output: self.index,
            adjoints,
        }
    }
}

/// The numeric sweep: reads recorded values, adds into adjoints.
struct Sweep<'a> {
    values: &'a [f64],
    args: &'a [u32],
    /// Where the operand words of the node being swept start in `args`.
    at: usize,
    consts: &'a [f64],
    lists: &'a [u32],
    adjoints: &'a mut [f64],
}

impl<'a> Sweep<'a> {
    /// A sweep from node `out`, standing just after its operand words.
    fn new(t: &'a Inner, buffer: &'a mut Vec<f64>, out: u32) -> Sweep<'a> {
        let out = out as usize;
        buffer.clear();
        buffer.resize(out + 1, 0.0);
        buffer[out] = 1.0;
        Sweep {
            values: &t.values,
            args: &t.args,
            at: t.words_end(out),
            consts: &t.consts,
            lists: &t.lists,
            adjoints: buffer,
        }
    }
}

// The sweep reads operand words, inputs, constants and list entries by the
// positions the tape recorded, and those are valid by construction: a node's
// words were pushed with it, `Op::words` of them, and the sweep walks back
// over exactly those counts; an input is a `Var` of the same tape, so its
// index is below the node's own (and below the output, the buffer's length);
// constant and list indices point at entries pushed with the node. Skipping
// the bounds checks is worth a fifth of the sweep.
impl Pullback for Sweep<'_> {
    type S = f64;

    #[inline(always)]
    fn arg(&self, j: usize) -> u32 {
        debug_assert!(self.at + j < self.args.len());
        // SAFETY: see above; the word was pushed with the node.
        unsafe { *self.args.get_unchecked(self.at + j) }
    }

    #[inline(always)]
    fn input(&mut self, index: u32) -> f64 {
        debug_assert!((index as usize) < self.values.len());
        // SAFETY: see above; inputs precede their node on the tape.
        unsafe { *self.values.get_unchecked(index as usize) }
    }

    #[inline(always)]
    fn constant(&mut self, k: u32) -> f64 {
        debug_assert!((k as usize) < self.consts.len());
        // SAFETY: see above; the constant was pushed with its node.
        unsafe { *self.consts.get_unchecked(k as usize) }
    }

    #[inline(always)]
    fn list_input(&mut self, start: u32, i: u32) -> u32 {
        debug_assert!(((start + i) as usize) < self.lists.len());
        // SAFETY: see above; the list was pushed with its node.
        unsafe { *self.lists.get_unchecked((start + i) as usize) }
    }

    #[inline(always)]
    fn accumulate(&mut self, _slot: u32, index: u32, d: f64) {
        debug_assert!((index as usize) < self.adjoints.len());
        // SAFETY: see above; an input's index is below the output's, and
        // the buffer holds one adjoint per node up to the output.
        unsafe { *self.adjoints.get_unchecked_mut(index as usize) += d };
    }
}

/// The numeric sweep, noting the first input whose adjoint stops being finite.
struct Checked<'s, 'a> {
    sweep: &'s mut Sweep<'a>,
    fault: Option<u32>,
}

impl Pullback for Checked<'_, '_> {
    type S = f64;

    fn arg(&self, j: usize) -> u32 {
        self.sweep.arg(j)
    }

    fn input(&mut self, index: u32) -> f64 {
        self.sweep.input(index)
    }

    fn constant(&mut self, k: u32) -> f64 {
        self.sweep.constant(k)
    }

    fn list_input(&mut self, start: u32, i: u32) -> u32 {
        self.sweep.list_input(start, i)
    }

    fn accumulate(&mut self, slot: u32, index: u32, d: f64) {
        self.sweep.accumulate(slot, index, d);
        if self.fault.is_none() && !self.sweep.adjoints[index as usize].is_finite() {
            self.fault = Some(index);
        }
    }
}

/// Calls `f` with each input of node `i`.
pub(crate) fn for_each_input(t: &mut Inner, i: usize, mut f: impl FnMut(u32)) {
    let [a, b, _] = t.words(i);
    match t.ops[i].shape() {
        Shape::Nullary => {}
        Shape::Unary | Shape::UnaryConst { .. } => f(a),
        Shape::Binary => {
            f(a);
            f(b);
        }
        Shape::Nary => t.lists[a as usize..(a + b) as usize]
            .iter()
            .for_each(|&x| f(x)),
        Shape::Dot => (a..a + b).for_each(f),
    }
}

/// How many inputs node `i` has.
pub(crate) fn input_count(t: &mut Inner, i: usize) -> usize {
    let mut n = 0;
    for_each_input(t, i, |_| n += 1);
    n
}

/// Which nodes up to `out` depend on one of `inputs` (those included).
pub(crate) fn depends_on(t: &mut Inner, out: usize, inputs: &[Var<'_>]) -> Vec<bool> {
    let mut needed = vec![false; out + 1];
    for v in inputs {
        if let Some(n) = needed.get_mut(v.index()) {
            *n = true;
        }
    }
    for i in 0..=out {
        if !needed[i] {
            let mut any = false;
            for_each_input(t, i, |x| any |= needed[x as usize]);
            needed[i] = any;
        }
    }
    needed
}

/// Which nodes up to `out` the output depends on (itself included).
pub(crate) fn reachable(t: &mut Inner, out: usize) -> Vec<bool> {
    let mut reach = vec![false; out + 1];
    reach[out] = true;
    for i in (0..=out).rev() {
        if reach[i] {
            for_each_input(t, i, |x| reach[x as usize] = true);
        }
    }
    reach
}
