//! The one error type of tapegrad.

use std::fmt;

/// Everything that can go wrong in tapegrad, with the node and op involved.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A checked backward pass met a value or adjoint that is NaN or
    /// infinite; this names the first node where it appeared.
    #[error("{}", NonFiniteMessage { node: *node, op, name: name.as_deref(), inputs, value: *value, cause })]
    NonFinite {
        /// The node's index on the tape.
        node: usize,
        /// The node's op name.
        op: &'static str,
        /// The node's label, if it has one.
        name: Option<String>,
        /// The values of the node's inputs, in operand order.
        inputs: Vec<f64>,
        /// The node's value.
        value: f64,
        /// Whether the value itself or an adjoint the node sent is not finite.
        cause: NonFinite,
    },
}

/// Which number of a node is not finite.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NonFinite {
    /// The node's forward value (its inputs were finite: this op made it).
    Value,
    /// The adjoint the node sent to one of its inputs (its own adjoint was
    /// finite: this op's local partial made it).
    Adjoint {
        /// Index of the input node that received it.
        input: usize,
        /// The input's adjoint after the contribution.
        adjoint: f64,
    },
}

/// `std::result::Result` with tapegrad's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

struct NonFiniteMessage<'a> {
    node: usize,
    op: &'a str,
    name: Option<&'a str>,
    inputs: &'a [f64],
    value: f64,
    cause: &'a NonFinite,
}

impl fmt::Display for NonFiniteMessage<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "node %{}", self.node)?;
        if let Some(name) = self.name {
            write!(f, " `{name}`")?;
        }
        write!(f, " ({}", self.op)?;
        for (i, x) in self.inputs.iter().enumerate() {
            write!(f, "{}{x:?}", if i == 0 { " of " } else { ", " })?;
        }
        write!(f, " = {:?})", self.value)?;
        match self.cause {
            NonFinite::Value => write!(f, " has a non-finite value"),
            NonFinite::Adjoint { input, adjoint } => write!(
                f,
                " gives its input %{input} the non-finite adjoint {adjoint:?}"
            ),
        }
    }
}
