//! The non-linear chain `a = x²`, `b = ln a`, `c = √b`, solved backwards for
//! `c = 2.13` from `x = 2` (the tutorial's Table 2-2).
//!
//! The tutorial passes the error back one layer at a time:
//! `Δb = Δc·2√b`, `Δa = Δb·a`, `Δx = Δa/2x`. Each factor is one over a
//! local derivative, so `Δb = Δc/(∂c/∂b)`, `Δa = Δc/(∂c/∂a)` and
//! `Δx = Δc/(∂c/∂x)`: here all three come from one backward pass of the
//! tape. (`x ← x - Δx` is Newton's method on `c(x) = y`.)

use tapegrad::{Tape, Var};

use crate::{Output, Result, pictures};

/// The tutorial's start.
pub const X0: f64 = 2.0;
/// The tutorial's target for `c`.
pub const TARGET: f64 = 2.13;
/// The tutorial's stop rule: `|c - y| < 0.001`.
pub const TOLERANCE: f64 = 1e-3;

/// One column of Table 2-2.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Iteration {
    /// `x`.
    pub x: f64,
    /// `a = x²`.
    pub a: f64,
    /// `b = ln a`.
    pub b: f64,
    /// `c = √b`.
    pub c: f64,
    /// The backward row `(Δc, Δb, Δa, Δx)`, absent on the last column,
    /// where the error is small enough and the loop stops.
    pub deltas: Option<[f64; 4]>,
}

/// The chain on `tape`: `[x, a, b, c]`.
pub fn record(tape: &Tape, x: f64) -> [Var; 4] {
    let x = tape.var(x).named("x");
    let a = x.powi(2).named("a");
    let b = a.ln().named("b");
    let c = b.sqrt().named("c");
    [x, a, b, c]
}

/// The tutorial's loop: at most 20 forward passes, stopping when
/// `|c - target| < tolerance` (x is reset to 1.1 if it drops below 1, as in
/// the tutorial's `update`).
pub fn solve(x0: f64, target: f64, tolerance: f64) -> Vec<Iteration> {
    let mut x = x0;
    let mut columns = Vec::new();
    for _ in 0..20 {
        let tape = Tape::new();
        let [xv, a, b, c] = record(&tape, x);
        let delta_c = c.value() - target;
        let mut column = Iteration {
            x,
            a: a.value(),
            b: b.value(),
            c: c.value(),
            deltas: None,
        };
        if delta_c.abs() < tolerance {
            columns.push(column);
            break;
        }
        let g = c.backward();
        let delta_x = delta_c / g.wrt(xv);
        column.deltas = Some([delta_c, delta_c / g.wrt(b), delta_c / g.wrt(a), delta_x]);
        columns.push(column);
        x -= delta_x;
        if x < 1.0 {
            x = 1.1;
        }
    }
    columns
}

/// Table 2-2: one row per quantity, one column per iteration, 3 decimals.
pub fn table(columns: &[Iteration]) -> Vec<String> {
    let mut lines = Vec::new();
    let header: String = (1..=columns.len())
        .map(|i| format!("{:>9}", format!("iter {i}")))
        .collect();
    lines.push(format!("{:<9}{:<13}{header}", "", "formula"));
    for (k, name) in ["x=x-Δx", "a=x²", "b=ln(a)", "c=√b"].iter().enumerate() {
        let cells: String = columns
            .iter()
            .map(|c| format!("{:>9.3}", [c.x, c.a, c.b, c.c][k]))
            .collect();
        lines.push(format!("{:<9}{name:<13}{cells}", "forward"));
    }
    let labels: String = columns.iter().map(|_| format!("{TARGET:>9}")).collect();
    lines.push(format!("{:<9}{:<13}{labels}", "", "label y"));
    for (k, name) in ["Δc=c-y", "Δb=Δc·2√b", "Δa=Δb·a", "Δx=Δa/2x"]
        .iter()
        .enumerate()
    {
        let cells: String = columns
            .iter()
            .map(|c| match c.deltas {
                Some(d) => format!("{:>9.3}", d[k]),
                None => format!("{:>9}", ""),
            })
            .collect();
        lines.push(
            format!("{:<9}{name:<13}{cells}", "backward")
                .trim_end()
                .to_string(),
        );
    }
    lines
}

/// The lines the tutorial's program prints (after its prompts).
pub fn program_lines(columns: &[Iteration]) -> Vec<String> {
    let mut lines = Vec::new();
    for col in columns {
        lines.push("forward...".to_string());
        lines.push(format!(
            "x={:.6},a={:.6},b={:.6},c={:.6}",
            col.x, col.a, col.b, col.c
        ));
        lines.push("backward...".to_string());
        match col.deltas {
            Some([dc, db, da, dx]) => {
                lines.push(format!(
                    "delta_c={dc:.6}, delta_b={db:.6}, delta_a={da:.6}, delta_x={dx:.6}"
                ));
                lines.push(String::new());
            }
            None => lines.push("done!".to_string()),
        }
    }
    lines
}

pub(crate) fn run(out: &mut Output<'_>) -> Result<()> {
    let columns = solve(X0, TARGET, TOLERANCE);
    writeln!(out, "Table 2-2, from x = {X0} towards c = {TARGET}:")?;
    for line in table(&columns) {
        writeln!(out, "{line}")?;
    }
    writeln!(out)?;
    for line in program_lines(&columns) {
        writeln!(out, "{line}")?;
    }
    pictures::graphs(out, "chain")
}
