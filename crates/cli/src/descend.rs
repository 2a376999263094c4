//! `tapegrad descend`: gradient descent `θ ← θ − η∇J` from a starting
//! point, printed as the tutorial's Table 2-3.
//!
//! As the tutorial's program does (and `tapegrad_examples::descent::two_variables`):
//! evaluate `J` and `∇J` at the point, print the row, stop if `J < until`,
//! else step. Rows are numbered from 1, the starting point. It stops after
//! `--max-steps` steps, and reports divergence as an error: a value or
//! gradient that is not finite, a loss that grew at each of the last
//! [`GROWING_STEPS`] steps, or one past [`BLOW_UP`] times its start.
//!
//! A run may take a billion steps, so nothing grows with their number: rows
//! are printed as they come (the table holds back only its first [`HELD`]
//! rows, to size its columns), the divergence checks keep the first and the
//! previous loss, and the plot keeps at most
//! [`PLOTTED`](crate::plot::PLOTTED) points of the path.

use std::io::{Read, Write};

use tapegrad::Tape;

use crate::Source;
use crate::cli::DescendArgs;
use crate::error::{Error, Result};
use crate::format::{fixed, loss_cell, mention, number, quoted};
use crate::plot;
use crate::values::{chosen_inputs, input_values};

/// A loss that grew at each of this many consecutive steps has diverged.
pub const GROWING_STEPS: usize = 10;

/// A loss larger than this many times `max(|J₀|, 1)` has diverged.
pub const BLOW_UP: f64 = 1e12;

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
    if let Some(path) = &args.plot {
        crate::svg_path(path, "--plot")?;
    }
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
    let names: Vec<&str> = moved.iter().map(|&i| inputs[i]).collect();
    let start_point = point.clone();
    let mut table = Table::new(&label, &names, args.max_steps.saturating_add(1));
    let mut path = args.plot.as_ref().map(|_| plot::DescentPath::new());
    // What the divergence checks need, in O(1): the first loss, the one
    // before, and how many steps in a row it grew.
    let mut start = f64::NAN;
    let mut previous: Option<f64> = None;
    let mut last = f64::NAN;
    let mut growing = 0;
    let mut n = 0;
    let mut steps = crate::Steps::default();
    let end = loop {
        n += 1;
        let (loss, grad) = match steps.replay(&point) {
            Some((loss, grad)) => (loss, grad.to_vec()),
            None => {
                let tape = Tape::new();
                let e = source.evaluate(&tape, &point, &label)?;
                // Compiled before the gradients are read: a read would
                // keep `compile` from trusting the recording.
                steps.learn(&tape, &e);
                let g = match e.output.try_backward() {
                    Ok(g) => g,
                    Err(err) if n == 1 => return Err(source.engine_error(&err, &e)),
                    Err(err) => {
                        let message = format!("diverged at point {n}: {err}");
                        break End::Diverged(source.fault(message, &err, &e));
                    }
                };
                let grad = e.inputs.iter().map(|(_, v)| g.wrt(*v)).collect();
                (e.output.value(), grad)
            }
        };
        if n == 1 {
            start = loss;
        }
        last = loss;
        let cells: Vec<f64> = moved.iter().map(|&i| point[i]).collect();
        table.push(out, &cells, loss)?;
        if let Some(path) = &mut path {
            path.push(&moved, n, &point, loss);
        }
        if let Some(until) = args.until.filter(|&u| loss < u) {
            break End::Reached(until);
        }
        if n > args.max_steps {
            break End::MaxSteps;
        }
        growing = if previous.is_some_and(|p| loss > p) {
            growing + 1
        } else {
            0
        };
        previous = Some(loss);
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
        let step: Vec<f64> = moved.iter().map(|&i| args.eta * grad[i]).collect();
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

    table.finish(out)?;
    let steps = n.saturating_sub(1);
    match &end {
        // The summary gives the loss exactly, in the threshold's form (the
        // shortest decimal that reads back as it), so that it shows why the
        // loss is or is not below `--until`.
        End::Reached(until) => writeln!(
            out,
            "{label} = {} < {} after {steps} step{}, at point {n}",
            number(last),
            number(*until),
            plural(steps),
        )?,
        End::MaxSteps => {
            let missed = args
                .until
                .map(|u| format!(", not below {}", number(u)))
                .unwrap_or_default();
            writeln!(
                out,
                "stopped after {steps} step{}: {label} = {} at point {n}{missed}",
                plural(steps),
                number(last),
            )?;
        }
        End::Diverged(_) => {}
    }
    if let (Some(file), Some(path)) = (&args.plot, &path) {
        let title = format!(
            "{label} = {}, η = {}",
            one_line(&source.text),
            number(args.eta)
        );
        plot::descent(file, &source, &title, &label, (&moved, &start_point), path)?;
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

/// The table: `n`, the moved inputs and the loss (with its significant
/// digits, as [`loss_cell`] prints it), right-aligned, printed as the rows
/// come.
///
/// A column is as wide as its widest cell (at least 9, as in the tutorial),
/// which is only known at the end: the table holds back its first [`HELD`]
/// rows, and a run that ends within them prints exactly that table, `n` at
/// least 4 wide. A longer run prints them once the next row comes, with
/// `n` as wide as the last point `--max-steps` allows, and every later row
/// at once, a column widening from the row whose cell is wider.
struct Table {
    header: Vec<String>,
    widths: Vec<usize>,
    /// The width of `n` if the run outgrows [`HELD`] rows.
    n_width_if_long: usize,
    /// The rows held back, `widths.len()` values each, while not streaming.
    held: Vec<f64>,
    rows: usize,
    /// Once the first rows are printed: the width of `n`.
    streaming: Option<usize>,
}

/// How many rows [`Table`] holds back to make its columns as wide as their
/// widest cell: more than the 1001 points of the default `--max-steps`.
const HELD: usize = 1024;

impl Table {
    /// A table of the loss `label` over the inputs `names`, of at most
    /// `max_rows` rows.
    fn new(label: &str, names: &[&str], max_rows: usize) -> Table {
        let mut header: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        header.push(format!("{label}({})", names.join(",")));
        let widths = header.iter().map(|h| h.chars().count().max(9)).collect();
        Table {
            header,
            widths,
            n_width_if_long: max_rows.to_string().len().max(4),
            held: Vec::new(),
            rows: 0,
            streaming: None,
        }
    }

    /// Adds the row of the point whose moved inputs are `point`, with loss
    /// `loss`; prints it unless it is held back.
    fn push(&mut self, out: &mut dyn Write, point: &[f64], loss: f64) -> Result<()> {
        self.rows += 1;
        let values = point.iter().copied().chain([loss]);
        if let Some(n_width) = self.streaming {
            let cells: Vec<String> = values.enumerate().map(|(c, v)| self.cell(c, v)).collect();
            for (w, cell) in self.widths.iter_mut().zip(&cells) {
                *w = (*w).max(cell.chars().count());
            }
            return self.line(out, n_width, &self.rows.to_string(), &cells);
        }
        if self.rows > HELD {
            self.print_held(out, self.n_width_if_long)?;
            self.streaming = Some(self.n_width_if_long);
            self.rows -= 1;
            return self.push(out, point, loss);
        }
        for (c, v) in values.enumerate() {
            let width = self.cell(c, v).chars().count();
            self.widths[c] = self.widths[c].max(width);
            self.held.push(v);
        }
        Ok(())
    }

    /// The cell of `v` in column `c`: an input's value, or in the last
    /// column the loss, which [`loss_cell`] prints with its significant
    /// digits.
    fn cell(&self, c: usize, v: f64) -> String {
        if c + 1 == self.widths.len() {
            loss_cell(v)
        } else {
            fixed(v)
        }
    }

    /// Prints what is held back, if anything: all of a short run's table.
    fn finish(&mut self, out: &mut dyn Write) -> Result<()> {
        if self.streaming.is_none() && self.rows > 0 {
            let n_width = self.rows.to_string().len().max(4);
            self.print_held(out, n_width)?;
            self.streaming = Some(n_width);
        }
        Ok(())
    }

    /// Prints the header and the held rows, with `n` `n_width` wide.
    fn print_held(&mut self, out: &mut dyn Write, n_width: usize) -> Result<()> {
        let held = std::mem::take(&mut self.held);
        self.line(out, n_width, "n", &self.header)?;
        for (k, row) in held.chunks(self.widths.len()).enumerate() {
            let cells: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(c, &v)| self.cell(c, v))
                .collect();
            self.line(out, n_width, &(k + 1).to_string(), &cells)?;
        }
        Ok(())
    }

    /// One line: `first` and the cells, each right-aligned to its width.
    fn line(
        &self,
        out: &mut dyn Write,
        n_width: usize,
        first: &str,
        cells: &[String],
    ) -> Result<()> {
        let mut s = String::new();
        pad_left(&mut s, first, n_width);
        for (cell, &w) in cells.iter().zip(&self.widths) {
            s.push(' ');
            pad_left(&mut s, cell, w);
        }
        s.push('\n');
        out.write_all(s.as_bytes())?;
        Ok(())
    }
}

/// Appends `text` right-aligned to `width` characters. (Not `{:>width$}`:
/// a width past 65 535, as a long name makes, panics in the formatter.)
fn pad_left(s: &mut String, text: &str, width: usize) {
    let count = text.chars().count();
    s.extend(std::iter::repeat_n(' ', width.saturating_sub(count)));
    s.push_str(text);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table as the command printed it when it kept every row: columns
    /// as wide as their widest cell (at least 9), `n` at least 4.
    fn whole_table(label: &str, names: &[&str], rows: &[Vec<f64>]) -> String {
        let mut header: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        header.push(format!("{label}({})", names.join(",")));
        let cells: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                let (loss, inputs) = r.split_last().unwrap();
                inputs
                    .iter()
                    .map(|&v| fixed(v))
                    .chain([loss_cell(*loss)])
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
                    .unwrap()
            })
            .collect();
        let n_width = rows.len().to_string().len().max(4);
        let line = |first: &str, row: &[String]| {
            let mut s = format!("{first:>n_width$}");
            for (cell, &w) in row.iter().zip(&widths) {
                s.push_str(&format!(" {cell:>w$}"));
            }
            s + "\n"
        };
        let mut text = line("n", &header);
        for (k, row) in cells.iter().enumerate() {
            text += &line(&(k + 1).to_string(), row);
        }
        text
    }

    /// Rows of two inputs and a loss, one of them wide at row `wide`.
    fn rows(count: usize, wide: usize) -> Vec<Vec<f64>> {
        (1..=count)
            .map(|n| {
                let x = if n == wide { -123456.5 } else { 1.0 / n as f64 };
                vec![x, n as f64 * 0.5, (n * n) as f64]
            })
            .collect()
    }

    fn print(table: &mut Table, rows: &[Vec<f64>]) -> String {
        let mut out = Vec::new();
        for row in rows {
            table.push(&mut out, &row[..2], row[2]).unwrap();
        }
        table.finish(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_run_within_the_held_rows_prints_the_whole_table() {
        // Up to HELD rows, the table is exactly the one made from all rows
        // at the end, with a wide cell in the last row widening its column
        // from the header down, and `n` 4 wide whatever --max-steps allows.
        for count in [1, 2, 17, HELD - 1, HELD] {
            let rows = rows(count, count);
            let mut table = Table::new("J", &["x", "y"], 1_000_001);
            assert_eq!(
                print(&mut table, &rows),
                whole_table("J", &["x", "y"], &rows),
                "{count} rows"
            );
        }
    }

    #[test]
    fn a_longer_run_prints_the_held_rows_then_streams() {
        // One row past HELD: the held rows come out as they would have,
        // but with `n` as wide as the last point --max-steps allows
        // (1000001: 7), and the table holds no rows any more.
        let rows = rows(HELD + 10, HELD + 5);
        let mut table = Table::new("J", &["x", "y"], 1_000_001);
        let mut out = Vec::new();
        for row in &rows[..=HELD] {
            table.push(&mut out, &row[..2], row[2]).unwrap();
        }
        assert!(table.held.is_empty());
        let printed = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = printed.lines().collect();
        assert_eq!(lines.len(), HELD + 2);
        // The held rows made y 10 wide (512.000000) and J 14 (1048576.000000).
        assert_eq!(lines[0], "      n         x          y         J(x,y)");
        assert_eq!(lines[1], "      1  1.000000   0.500000       1.000000");
        // Every later row is printed at once; the wide x of row HELD + 5
        // (14 characters) widens its column from that row on.
        let text = print(&mut table, &rows[HELD + 1..]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 9);
        assert_eq!(lines[0], "   1026  0.000975 513.000000 1052676.000000");
        assert_eq!(lines[3], "   1029 -123456.500000 514.500000 1058841.000000");
        assert_eq!(lines[4], "   1030       0.000971 515.000000 1060900.000000");
        assert!(table.held.is_empty());
    }
}
