//! The reverse sweep: one loop from the output back to the first node.

use crate::error::{Error, NonFinite, Result};
use crate::op::{Op, Pullback, pullback};
use crate::tape::{Call, Gradients, Inner, State, Var};

mod reach;
mod sweep;

pub(crate) use reach::{depends_on, on_leaf_paths, reachable};
pub(crate) use sweep::{NoRuns, Runs, Sweep, sweep};

impl crate::tape::Backward for State {
    fn backward(&self, out: usize) -> Gradients {
        backward(self, out)
    }
    fn try_backward(&self, out: usize) -> Result<Gradients> {
        try_backward(self, out)
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
            Err(non_finite_error(tape, out, node, sent))
        }
    }
}

/// The error for node `node` of `tape` on the way to `output`: its value
/// is not finite, or (with `sent`) the adjoint it sent to an input, by
/// the input's tape index and its adjoint after that. Nodes are
/// numbered as the dump of `output`'s graph numbers them.
pub(crate) fn non_finite_error(
    tape: &State,
    output: usize,
    node: usize,
    sent: Option<(usize, f64)>,
) -> Error {
    // The ids the dump of `output`'s graph gives, without building it.
    let walk = crate::numbering::ids_of(tape, output);
    let id = |i: usize| walk.id(i).unwrap_or(usize::MAX);
    let n = tape.node_view(node);
    let cause = match sent {
        Some((input, adjoint)) => NonFinite::Adjoint {
            input,
            input_id: id(input),
            adjoint,
        },
        None => NonFinite::Value,
    };
    Error::NonFinite {
        node,
        id: id(node),
        input_ids: n.inputs.iter().map(|&i| id(i)).collect(),
        op: n.op_name().to_string(),
        inputs: n.inputs.iter().map(|&i| (i, tape.get(i).value)).collect(),
        constant: n.constant,
        constant_first: matches!(n.op.shape(), crate::Shape::UnaryConst { const_first: true }),
        name: n.name.map(String::into_boxed_str),
        value: n.value,
        cause,
        location: n.location,
    }
}
