//! The command's one error type: a message ready for stderr.

use std::fmt;
use std::io;

use crate::expr::{Span, render};

/// Why a command stopped early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// A failure, with its whole message as printed on stderr: it starts
    /// with `error: ` and may span several lines (a caret under the source).
    Failed(String),
    /// A fit that stopped without converging: its result was printed, and
    /// this message goes to stderr with exit code 2.
    NotConverged(String),
    /// Standard output was closed (`tapegrad ... | head`): not a failure,
    /// the command just stops.
    Closed,
}

impl Error {
    /// `error: {message}`.
    pub fn msg(message: impl fmt::Display) -> Error {
        Error::Failed(format!("error: {message}"))
    }

    /// `error: {message}` with the line of `source` where `span` is and a
    /// caret under it.
    pub fn at(message: impl fmt::Display, source: &str, span: Span) -> Error {
        Error::Failed(render(message, source, span))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Failed(message) | Error::NotConverged(message) => f.write_str(message),
            Error::Closed => f.write_str("error: standard output was closed"),
        }
    }
}

impl std::error::Error for Error {}

impl From<io::Error> for Error {
    /// An error writing the output.
    fn from(e: io::Error) -> Error {
        if e.kind() == io::ErrorKind::BrokenPipe {
            Error::Closed
        } else {
            Error::msg(format_args!("cannot print the output: {e}"))
        }
    }
}

/// `std::result::Result` with the command's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
