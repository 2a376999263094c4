//! The `tapegrad` command's library: everything but the process's own
//! plumbing, so it can be tested.
//!
//! [`run`] carries out a parsed [`Cli`] with given standard input and
//! output; each subcommand lives in its own module. Every failure is an
//! [`Error`] whose text is the whole message for stderr.

#![warn(missing_docs)]

pub mod cli;
mod descend;
mod error;
pub mod eval;
mod examples;
pub mod expr;
pub mod fit;
mod fit_plot;
pub mod format;
mod grad;
mod plot;
mod precise;
pub mod predict;
mod solve;
pub mod table;
pub mod train;
pub mod values;

use std::io::{Read, Write};

pub use cli::Cli;
pub use error::{Error, Result};

use cli::{Command, SourceArgs};
use expr::{Expr, Program};

/// The stack size of the thread the command runs on: recursive walks over a
/// parsed tree (evaluation, dropping) take a few hundred bytes a level, and
/// the parser allows [`expr::MAX_DEPTH`] levels. Untouched stack is only
/// reserved, not used.
pub const STACK_SIZE: usize = 256 << 20;

/// Runs the command `cli`, reading an expression given as `-` from `stdin`
/// and printing to `stdout`.
///
/// # Errors
/// The command's [`Error`], its message ready for stderr.
pub fn run(cli: Cli, stdin: &mut dyn Read, stdout: &mut dyn Write) -> Result<()> {
    let result = match cli.command {
        Command::Grad(args) => grad::run(&args, stdin, stdout),
        Command::Descend(args) => descend::run(&args, stdin, stdout),
        Command::Solve(args) => solve::run(&args, stdin, stdout),
        Command::Examples(args) => examples::run(&args, stdout),
        Command::Train(args) => train::run(&args, stdout),
        Command::Predict(args) => predict::run(&args, stdout),
        Command::Fit(args) => fit::run(&args, stdin, stdout),
    };
    result?;
    stdout.flush()?;
    Ok(())
}

/// An expression's text and its parse.
pub(crate) struct Source {
    pub(crate) text: String,
    pub(crate) program: Program,
}

impl Source {
    /// Reads and parses the expression given by `args`.
    fn load(args: &SourceArgs, stdin: &mut dyn Read) -> Result<Source> {
        let text = match (&args.expr, &args.file) {
            (Some(expr), _) if expr == "-" => read_stdin(stdin)?,
            (Some(expr), _) => expr.clone(),
            (None, Some(path)) if path.as_os_str() == "-" => read_stdin(stdin)?,
            (None, Some(path)) => std::fs::read_to_string(path)
                .map_err(|e| Error::msg(format_args!("cannot read `{}`: {e}", path.display())))?,
            (None, None) => {
                return Err(Error::msg(
                    "no expression: give it as an argument, with --file FILE, or as `-` to read standard input",
                ));
            }
        };
        let program = expr::parse(&text).map_err(|e| Error::Failed(e.render(&text)))?;
        Ok(Source { text, program })
    }

    /// What the output is called in messages and dumps: the name of the
    /// output if it is a bare name, else `default` (`z`, `J`) unless the
    /// expression already uses that name.
    pub(crate) fn output_label(&self, default: &str) -> String {
        if let Expr::Var { name, .. } = &self.program.output {
            return name.clone();
        }
        let inputs = self.program.inputs();
        let taken = |name: &str| {
            inputs.contains(&name) || self.program.bindings.iter().any(|b| b.name == name)
        };
        [default, "f", "out", "output"]
            .into_iter()
            .find(|n| !taken(n))
            .map_or_else(|| "output_".to_string(), str::to_string)
    }

    /// An engine error (a non-finite value or adjoint) as a message, with a
    /// caret under the part of the expression that recorded the node.
    pub(crate) fn engine_error(&self, e: &tapegrad::Error, eval: &eval::Evaluation) -> Error {
        self.fault(e, e, eval)
    }

    /// `message` about the engine error `e`, with a caret under the part of
    /// the expression that recorded the node it names.
    pub(crate) fn fault(
        &self,
        message: impl std::fmt::Display,
        e: &tapegrad::Error,
        eval: &eval::Evaluation,
    ) -> Error {
        let span = match e {
            tapegrad::Error::NonFinite { node, .. } => eval.origin(*node),
            _ => None,
        };
        match span {
            Some(span) => Error::at(message, &self.text, span),
            None => Error::msg(message),
        }
    }

    /// Records the program on `tape` at `values`, naming a new output node
    /// `label` so that dumps show it.
    pub(crate) fn evaluate(
        &self,
        tape: &tapegrad::Tape,
        values: &[f64],
        label: &str,
    ) -> Result<eval::Evaluation> {
        let e = eval::evaluate(tape, &self.program, &self.text, values)
            .map_err(|c| Error::at(&c, &self.text, c.span))?;
        if e.output_is_new && e.output.name().is_none() {
            let _ = e.output.named(label);
        }
        Ok(e)
    }
}

/// The value and gradient of a program at successive points, as the
/// iterative commands (`descend`, `solve`) need them: by replaying the
/// first recording compiled ([`tapegrad::Compiled`]), which gives the same
/// numbers as recording afresh without the cost, and by recording afresh
/// where no program can (a value read while recording) or a replay fails (a
/// branch changed, a non-finite number): the fresh recording then reports
/// the fault as before.
#[derive(Default)]
pub(crate) struct Steps {
    compiled: Option<tapegrad::Compiled>,
    grad: Vec<f64>,
}

impl Steps {
    /// The value and the gradient (one number per input, in the program's
    /// order) at `point` by replay, or `None` for the caller to record.
    pub(crate) fn replay(&mut self, point: &[f64]) -> Option<(f64, &[f64])> {
        let f = self.compiled.as_mut()?;
        self.grad.resize(point.len(), 0.0);
        let value = f.try_gradient(point, &mut self.grad).ok()?;
        Some((value, &self.grad))
    }

    /// Compiles a fresh recording for the next points, if it can be.
    pub(crate) fn learn(&mut self, tape: &tapegrad::Tape, e: &eval::Evaluation) {
        if self.compiled.is_none() {
            let leaves: Vec<_> = e.inputs.iter().map(|(_, v)| *v).collect();
            self.compiled = tape.compile(e.output, &leaves).ok();
        }
    }
}

/// Checks that a picture path names an SVG file: tapegrad draws SVG only,
/// and an SVG under another name (`.png`) would open as garbage.
pub(crate) fn svg_path(path: &std::path::Path, flag: &str) -> Result<()> {
    file_kind(path, flag, "svg", "an SVG picture")
}

/// Checks that a page path names an HTML file, which browsers open as a
/// page (under another name they may show its source).
pub(crate) fn html_path(path: &std::path::Path, flag: &str) -> Result<()> {
    file_kind(path, flag, "html", "a web page")
}

fn file_kind(path: &std::path::Path, flag: &str, extension: &str, what: &str) -> Result<()> {
    let fits = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case(extension));
    if fits {
        Ok(())
    } else {
        Err(Error::msg(format!(
            "{flag} writes {what}, so its file name must end in .{extension} (got `{}`)",
            path.display()
        )))
    }
}

fn read_stdin(stdin: &mut dyn Read) -> Result<String> {
    let mut text = String::new();
    stdin
        .read_to_string(&mut text)
        .map_err(|e| Error::msg(format_args!("cannot read standard input: {e}")))?;
    Ok(text)
}
