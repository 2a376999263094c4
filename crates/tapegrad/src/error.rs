//! The one error type of tapegrad.

use std::fmt;

/// Everything that can go wrong in tapegrad, with the node and op involved.
///
/// ```
/// use tapegrad::{Error, NonFinite, Tape};
///
/// let tape = Tape::new();
/// let x = tape.var(1.0).named("x");
/// let z = (x / 0.0).named("z");
/// match z.try_backward() {
///     Err(Error::NonFinite { node, id, op, cause: NonFinite::Value, .. }) => {
///         // 1 / 0 = inf, made by the division: tape node 1, %1 in the dump
///         assert_eq!((node, id, op.as_str()), (z.index(), 1, "div"));
///     }
///     other => panic!("expected a non-finite value, got {other:?}"),
/// }
/// let err = z.try_backward().unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "node %1 `z` (div %0, 0 = inf; %0 = 1.0) has a non-finite value"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A checked backward pass met a value or adjoint that is NaN or
    /// infinite; this names the first node where it appeared.
    #[error("{}{}", NonFiniteMessage { id: *id, op, name: name.as_deref(), inputs, input_ids, constant: *constant, constant_first: *constant_first, value: *value, cause }, match location { Some(at) => format!(" at {}:{}", at.file(), at.line()), None => String::new() })]
    NonFinite {
        /// The node's index on the tape ([`Tape::get`](crate::Tape::get)).
        node: usize,
        /// The node's id in the dump of the output's graph
        /// ([`Graph::of`](crate::Graph::of)`(output).to_text()`), which the
        /// message prints as `%id`.
        id: usize,
        /// The node's op name ([`Node::op_name`](crate::Node::op_name)).
        op: String,
        /// The node's label, if it has one.
        name: Option<Box<str>>,
        /// The node's inputs, in operand order: each one's tape index and
        /// value.
        inputs: Vec<(usize, f64)>,
        /// The inputs' ids in the dump, in the same order.
        input_ids: Vec<usize>,
        /// The op's constant operand, if it has one (`x / 0.0` has 0).
        constant: Option<f64>,
        /// Whether the constant is the op's first operand (`c - x`, `c / x`,
        /// `cˣ`), as the dump lists it.
        constant_first: bool,
        /// The node's value.
        value: f64,
        /// Whether the value itself or an adjoint the node sent is not finite.
        cause: NonFinite,
        /// Where the node was recorded, on a tape made by
        /// [`Tape::with_locations`](crate::Tape::with_locations).
        location: Option<&'static std::panic::Location<'static>>,
    },
    /// A replay of a [`Compiled`](crate::Compiled) program met a comparison
    /// that comes out the other way than when the function was recorded:
    /// the function would record a different graph here, so the replay
    /// gives no answer. Record the function afresh at this point.
    #[error(
        "the branch at {location} changed: `{comparison}` was {recorded} when recorded and is {now} here; record the function again at this point"
    )]
    BranchChanged {
        /// The comparison, its operands named as they were (`x < 1`), or
        /// by their tape index (`tape.get(3) < 1`).
        comparison: String,
        /// Where it was made: `file.rs:line`.
        location: String,
        /// What it answered when recorded (`true`, or for `partial_cmp`
        /// the ordering).
        recorded: String,
        /// What it answers at the replay's inputs.
        now: String,
    },
    /// [`Tape::compile`](crate::Tape::compile) was asked to compile past a
    /// read of a value that depends on the inputs, which code may have
    /// branched on where no guard can see.
    #[error("the value of node {node} was read{} while the function was recorded; code may branch on it where no comparison of Vars records a guard: compare Vars instead, or compile with `compile_allowing_reads`", match location { Some(l) => format!(" at {l}"), None => " by a gradient graph's formula".to_string() })]
    ValueRead {
        /// The node read, by its tape index.
        node: usize,
        /// Where: `file.rs:line` of a [`Var::value`](crate::Var::value) or
        /// `backward` call; `None` for the op table choosing a form while
        /// recording a gradient graph.
        location: Option<String>,
    },
    /// An input of [`Tape::compile`](crate::Tape::compile) is not a leaf.
    #[error("input {position} of compile (node {node}, `{op}`) is not a leaf: replays set leaves")]
    NotALeaf {
        /// Its place in the inputs.
        position: usize,
        /// Its tape index.
        node: usize,
        /// Its op.
        op: String,
    },
    /// The same leaf is given twice among the inputs of
    /// [`Tape::compile`](crate::Tape::compile).
    #[error("inputs {first} and {position} of compile are the same node {node}")]
    RepeatedInput {
        /// Where it first appears.
        first: usize,
        /// Where it appears again.
        position: usize,
        /// Its tape index.
        node: usize,
    },
    /// A slice passed to a [`Compiled`](crate::Compiled) program does not
    /// have one number per input.
    #[error("the {what} has {got} numbers; the compiled function takes {expected} inputs")]
    Length {
        /// Which slice: `input` or `gradient buffer`.
        what: &'static str,
        /// How many inputs the program takes.
        expected: usize,
        /// How many numbers were passed.
        got: usize,
    },
    /// Writing a graph dump or picture to a file failed; this names the file.
    #[error("cannot write `{}`: {source}", path.display())]
    Write {
        /// The file that could not be written.
        path: std::path::PathBuf,
        /// Why: the I/O error of the write.
        source: IoError,
    },
}

/// An I/O error that can be cloned and compared, as [`Error`] needs: two
/// are equal when their kinds and messages are.
///
/// ```
/// use std::io::ErrorKind;
/// use tapegrad::{Error, Graph, Tape};
///
/// let tape = Tape::new();
/// let x = tape.var(1.0);
/// match Graph::of(x).write_text("/no/such/folder/x.txt") {
///     Err(Error::Write { source, .. }) => assert_eq!(source.kind(), ErrorKind::NotFound),
///     other => panic!("expected a write error, got {other:?}"),
/// }
/// ```
#[derive(Debug, Clone)]
pub struct IoError(pub std::sync::Arc<std::io::Error>);

impl IoError {
    /// The kind of the underlying I/O error.
    ///
    /// ```
    /// use std::io::{Error, ErrorKind};
    ///
    /// let e = tapegrad::IoError::from(Error::from(ErrorKind::PermissionDenied));
    /// assert_eq!(e.kind(), ErrorKind::PermissionDenied);
    /// ```
    pub fn kind(&self) -> std::io::ErrorKind {
        self.0.kind()
    }
}

impl From<std::io::Error> for IoError {
    fn from(e: std::io::Error) -> IoError {
        IoError(std::sync::Arc::new(e))
    }
}

impl PartialEq for IoError {
    fn eq(&self, other: &IoError) -> bool {
        self.0.kind() == other.0.kind() && self.0.to_string() == other.0.to_string()
    }
}

impl fmt::Display for IoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for IoError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

/// Which number of a node is not finite.
///
/// ```
/// use tapegrad::{Error, NonFinite, Tape};
///
/// let tape = Tape::new();
/// let x = tape.var(0.0);
/// // √0 = 0 is finite, but its partial 1/(2√0) is not.
/// let err = x.sqrt().try_backward().unwrap_err();
/// assert!(matches!(
///     err,
///     Error::NonFinite { cause: NonFinite::Adjoint { input_id: 0, adjoint, .. }, .. }
///         if adjoint == f64::INFINITY
/// ));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum NonFinite {
    /// The node's forward value (its inputs were finite: this op made it).
    Value,
    /// The adjoint the node sent to one of its inputs (its own adjoint was
    /// finite: this op's local partial made it).
    #[non_exhaustive]
    Adjoint {
        /// Index of the input node that received it.
        input: usize,
        /// The input's id in the dump of the output's graph.
        input_id: usize,
        /// The input's adjoint after the contribution.
        adjoint: f64,
    },
}

/// `std::result::Result` with tapegrad's [`Error`].
///
/// ```
/// use tapegrad::{Result, Tape};
///
/// fn slope(at: f64) -> Result<f64> {
///     let tape = Tape::new();
///     let x = tape.var(at);
///     Ok(x.ln().try_backward()?[x]) // d ln x = 1/x
/// }
/// assert_eq!(slope(4.0).unwrap(), 0.25);
/// assert!(slope(-1.0).is_err()); // ln(-1) is NaN
/// ```
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How many operands and input values a message lists before it counts
/// the rest.
const LISTED: usize = 4;

/// The longest node name a message prints whole.
const NAME: usize = 80;

struct NonFiniteMessage<'a> {
    id: usize,
    op: &'a str,
    name: Option<&'a str>,
    inputs: &'a [(usize, f64)],
    input_ids: &'a [usize],
    constant_first: bool,
    constant: Option<f64>,
    value: f64,
    cause: &'a NonFinite,
}

impl fmt::Display for NonFiniteMessage<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "node %{}", self.id)?;
        if let Some(name) = self.name {
            write!(f, " `{}`", crate::escape::text_cut(name, NAME))?;
        }
        // The operands as the text dump lists them (`div %0, 0`), then the
        // inputs' values; a long list shows its first few and a count.
        write!(f, " ({}", crate::escape::text_cut(self.op, NAME))?;
        let mut operands: Vec<String> = self.input_ids.iter().map(|i| format!("%{i}")).collect();
        if let Some(c) = self.constant {
            // Where the dump puts it: first for `c - x`, `c / x`, `cˣ`.
            let c = crate::escape::format_number(c);
            if self.constant_first {
                operands.insert(0, c);
            } else {
                operands.push(c);
            }
        }
        for (i, operand) in operands.iter().take(LISTED).enumerate() {
            write!(f, "{}{operand}", if i == 0 { " " } else { ", " })?;
        }
        if operands.len() > LISTED {
            write!(f, ", … ({} inputs)", self.inputs.len())?;
        }
        write!(f, " = {:?}", self.value)?;
        let values = self.input_ids.iter().zip(self.inputs);
        for (i, (id, (_, x))) in values.take(LISTED).enumerate() {
            write!(f, "{}%{id} = {x:?}", if i == 0 { "; " } else { ", " })?;
        }
        if self.inputs.len() > LISTED {
            write!(f, ", …")?;
        }
        write!(f, ")")?;
        match self.cause {
            NonFinite::Value => write!(f, " has a non-finite value"),
            NonFinite::Adjoint {
                input_id, adjoint, ..
            } => write!(
                f,
                " gives its input %{input_id} the non-finite adjoint {adjoint:?}"
            ),
        }
    }
}
