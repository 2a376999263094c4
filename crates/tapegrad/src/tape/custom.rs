//! Ops of the user's own: a [`CustomOp`] is recorded as one node whose value
//! and partials are the user's, and every sweep reads them as it reads a row
//! of the op table.

use std::sync::Arc;

use crate::op::Real;
use crate::tape::{State, Var};

/// An op of the user's own, with any number of inputs, recorded by
/// [`Tape::custom`](crate::Tape::custom).
///
/// Its partials are written once, generic over [`Real`], like a row of the
/// engine's op table: run in `f64` they are the numeric backward sweep's,
/// run on [`Var`]s they record the gradient graph, so a custom op works in
/// [`Var::backward`], [`Var::try_backward`] (a non-finite partial names the
/// op), [`Var::grad_graph`], Hessians, Jacobians, gradient checks and dumps.
///
/// ```
/// use tapegrad::{CustomOp, Real, Tape};
///
/// /// The smooth maximum `ln Σ eˣⁱ`, stable, with partials `eˣⁱ⁻ᶻ` (softmax).
/// struct LogSumExp;
///
/// impl CustomOp for LogSumExp {
///     fn name(&self) -> &str {
///         "logsumexp"
///     }
///     fn value(&self, x: &[f64]) -> f64 {
///         let m = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
///         m + x.iter().map(|&xi| (xi - m).exp()).sum::<f64>().ln()
///     }
///     fn partials<R: Real>(&self, x: &[R], out: R) -> Vec<R> {
///         x.iter().map(|&xi| (xi - out).exp()).collect()
///     }
/// }
///
/// let tape = Tape::new();
/// let xs = [tape.var(1.0), tape.var(2.0), tape.var(3.0)];
/// let z = tape.custom(LogSumExp, &xs);
/// let g = z.backward();
/// let total: f64 = xs.iter().map(|&x| g[x]).sum();
/// assert!((total - 1.0).abs() < 1e-15); // softmax sums to 1
/// ```
pub trait CustomOp {
    /// The op's name, as dumps and errors print it.
    fn name(&self) -> &str;
    /// The op's value at the inputs' values `x`.
    fn value(&self, x: &[f64]) -> f64;
    /// The partial derivative of the output with respect to each input, in
    /// input order, one per input; `out` is the op's output (its value, or
    /// its node when recorded), for partials that read it.
    fn partials<R: Real>(&self, x: &[R], out: R) -> Vec<R>;
}

/// A custom op behind a pointer: the two instances of its generic partials
/// that the sweeps call.
pub(crate) trait Erased: Send + Sync {
    fn name(&self) -> &str;
    fn value(&self, x: &[f64]) -> f64;
    fn partials_f64(&self, x: &[f64], out: f64) -> Vec<f64>;
    fn partials_var(&self, x: &[Var], out: Var) -> Vec<Var>;
}

impl<C: CustomOp + Send + Sync> Erased for C {
    fn name(&self) -> &str {
        CustomOp::name(self)
    }
    fn value(&self, x: &[f64]) -> f64 {
        CustomOp::value(self, x)
    }
    fn partials_f64(&self, x: &[f64], out: f64) -> Vec<f64> {
        self.partials(x, out)
    }
    fn partials_var(&self, x: &[Var], out: Var) -> Vec<Var> {
        self.partials(x, out)
    }
}

/// One custom node, taken out of the tape (its op and its inputs), so the
/// user's code runs while no borrow of the tape is live.
pub(crate) struct Call {
    op: Arc<dyn Erased>,
    node: usize,
    pub(crate) inputs: Vec<u32>,
}

impl Call {
    /// The call of custom node `node`, whose operand words are `words`.
    pub(crate) fn new(tape: &State, node: usize, words: [u32; 3]) -> Call {
        let [start, len, id] = words;
        let inputs = tape.with(|t| t.lists[start as usize..(start + len) as usize].to_vec());
        Call {
            op: tape.custom_op(id),
            node,
            inputs,
        }
    }

    /// The call of custom node `node`, found by its index.
    pub(crate) fn of(tape: &State, node: usize) -> Call {
        let words = tape.with(|t| t.words(node));
        Call::new(tape, node, words)
    }

    /// The partials in `f64`, at the recorded values.
    #[track_caller]
    pub(crate) fn partials_f64(&self, tape: &State) -> Vec<f64> {
        let (x, out) = tape.with(|t| {
            let x: Vec<f64> = self.inputs.iter().map(|&i| t.values[i as usize]).collect();
            (x, t.values[self.node])
        });
        let partials = self.op.partials_f64(&x, out);
        self.check(partials.len());
        partials
    }

    /// The partials recorded on the tape.
    #[track_caller]
    pub(crate) fn partials_var(&self, tape: &State) -> Vec<Var> {
        let x: Vec<Var> = self.inputs.iter().map(|&i| tape.get(i as usize)).collect();
        let partials = self.op.partials_var(&x, tape.get(self.node));
        self.check(partials.len());
        partials
    }

    #[track_caller]
    fn check(&self, got: usize) {
        if got != self.inputs.len() {
            panic!(
                "tapegrad: custom op `{}` (node %{}) gave {got} partials for its {} inputs; `partials` must give one per input",
                crate::escape::text_cut(self.op.name(), 80),
                self.node,
                self.inputs.len()
            );
        }
    }
}
