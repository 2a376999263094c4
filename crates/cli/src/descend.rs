//! `tapegrad descend`: gradient descent `θ ← θ − η∇J` from a starting
//! point, printed as the tutorial's Table 2-3.
//!
//! As the tutorial's program does (and `tapegrad_examples::descent::two_variables`):
//! evaluate `J` and `∇J` at the point, print the row, stop if `J < until`,
//! else step. Rows are numbered from 1, the starting point. It stops after
//! `--max-steps` steps, and reports divergence as an error: a value or
//! gradient that is not finite, a loss that grew at each of the last
//! [`GROWING_STEPS`] steps, or one past [`BLOW_UP`] times its start.

use std::io::{Read, Write};

use tapegrad::Tape;

use crate::Source;
use crate::cli::DescendArgs;
use crate::error::{Error, Result};
use crate::format::{fixed, mention, number, quoted};
use crate::plot;
use crate::values::{chosen_inputs, input_values};

/// A loss that grew at each of this many consecutive steps has diverged.
pub const GROWING_STEPS: usize = 10;

/// A loss larger than this many times `max(|J₀|, 1)` has diverged.
pub const BLOW_UP: f64 = 1e12;

/// One row of the table: the point (every input) and the loss there.
#[derive(Clone, Debug)]
pub(crate) struct Row {
    pub(crate) point: Vec<f64>,
    pub(crate) loss: f64,
}

/// How a run ended.
enum End {
    /// The loss went below `--until`.
    Reached(f64),
    /// `--max-steps` steps were taken.
    MaxSteps,
    /// The run diverged; the error says how.
    Diverged(Error),
}

pub(crate) fn run(args: &DescendArgs, stdin: &mut dyn Read, out: &mut dyn Write) -> Result<()> {
    let source = Source::load(&args.source, stdin)?;
    let mut point = input_values(&source.program, &args.from, "--from")?;
    let moved = chosen_inputs(&source.program, &args.wrt, "--wrt")?;
    if !(args.eta.is_finite() && args.eta > 0.0) {
        return Err(Error::msg(format_args!(
            "--eta must be a positive number, not {}",
            number(args.eta)
        )));
    }
    if args.until.is_some_and(|u| !u.is_finite()) {
        return Err(Error::msg("--until must be a finite number"));
    }
    if moved.is_empty() {
        return Err(Error::msg(
            "the expression has no inputs: there is nothing to descend on",
        ));
    }
    let inputs = source.program.inputs();
    let label = source.output_label("J");
    let mut rows: Vec<Row> = Vec::new();
    let mut growing = 0;
    let end = loop {
        let n = rows.len() + 1;
        let tape = Tape::new();
        let e = source.evaluate(&tape, &point, &label)?;
        let g = match e.output.try_backward() {
            Ok(g) => g,
            Err(err) if rows.is_empty() => return Err(source.engine_error(&err, &e)),
            Err(err) => {
                let message = format!("diverged at point {n}: {err}");
                break End::Diverged(source.fault(message, &err, &e));
            }
        };
        let loss = e.output.value();
        rows.push(Row {
            point: point.clone(),
            loss,
        });
        if let Some(until) = args.until.filter(|&u| loss < u) {
            break End::Reached(until);
        }
        if n > args.max_steps {
            break End::MaxSteps;
        }
        let start = rows[0].loss;
        let previous = rows.len().checked_sub(2).map(|i| rows[i].loss);
        growing = if previous.is_some_and(|p| loss > p) {
            growing + 1
        } else {
            0
        };
        if growing >= GROWING_STEPS {
            break End::Diverged(Error::msg(format_args!(
                "diverged: {} grew at each of the last {GROWING_STEPS} steps, to {} at point {n} (from {} at point 1); try a smaller --eta",
                mention(&label),
                number(loss),
                number(start)
            )));
        }
        if loss > BLOW_UP * start.abs().max(1.0) {
            break End::Diverged(Error::msg(format_args!(
                "diverged: {} = {} at point {n}, from {} at point 1; try a smaller --eta",
                mention(&label),
                number(loss),
                number(start)
            )));
        }
        let step: Vec<f64> = moved
            .iter()
            .map(|&i| args.eta * g.wrt(e.inputs[i].1))
            .collect();
        for (&i, &s) in moved.iter().zip(&step) {
            point[i] -= s;
        }
        if let Some(&i) = moved.iter().find(|&&i| !point[i].is_finite()) {
            break End::Diverged(Error::msg(format_args!(
                "diverged: {} became {} after point {n}; try a smaller --eta",
                quoted(inputs[i]),
                number(point[i])
            )));
        }
    };

    let names: Vec<&str> = moved.iter().map(|&i| inputs[i]).collect();
    print_table(out, &label, &names, &moved, &rows)?;
    let steps = rows.len().saturating_sub(1);
    let last = rows.last().map_or(f64::NAN, |r| r.loss);
    match &end {
        End::Reached(until) => writeln!(
            out,
            "{label} = {} < {} after {steps} step{}, at point {}",
            fixed(last),
            number(*until),
            plural(steps),
            rows.len()
        )?,
        End::MaxSteps => {
            let missed = args
                .until
                .map(|u| format!(", not below {}", number(u)))
                .unwrap_or_default();
            writeln!(
                out,
                "stopped after {steps} step{}: {label} = {} at point {}{missed}",
                plural(steps),
                fixed(last),
                rows.len()
            )?;
        }
        End::Diverged(_) => {}
    }
    if let Some(path) = &args.plot {
        let title = format!(
            "{label} = {}, η = {}",
            one_line(&source.text),
            number(args.eta)
        );
        plot::descent(path, &source, &title, &label, &moved, &rows)?;
    }
    match end {
        End::Diverged(error) => Err(error),
        _ => Ok(()),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The expression on one line, shortened for a picture's title.
fn one_line(text: &str) -> String {
    let line: String = text
        .split(['\n', ';'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    match line.char_indices().nth(60) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

/// The table: `n`, the moved inputs and the loss, right-aligned, columns as
/// wide as their widest cell (at least 9, as in the tutorial).
fn print_table(
    out: &mut dyn Write,
    label: &str,
    names: &[&str],
    moved: &[usize],
    rows: &[Row],
) -> Result<()> {
    let mut header: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    header.push(format!("{label}({})", names.join(",")));
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            moved
                .iter()
                .map(|&i| fixed(r.point[i]))
                .chain(std::iter::once(fixed(r.loss)))
                .collect()
        })
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            cells
                .iter()
                .map(|row| row[c].chars().count())
                .chain([header[c].chars().count(), 9])
                .max()
                .unwrap_or(9)
        })
        .collect();
    let n_width = rows.len().to_string().len().max(4);
    let line = |first: &str, row: &[String]| {
        let mut s = format!("{first:>n_width$}");
        for (cell, &w) in row.iter().zip(&widths) {
            s.push(' ');
            s.push_str(&format!("{cell:>w$}"));
        }
        s
    };
    writeln!(out, "{}", line("n", &header))?;
    for (k, row) in cells.iter().enumerate() {
        writeln!(out, "{}", line(&(k + 1).to_string(), row))?;
    }
    Ok(())
}
