//! Gradient descent `θ ← θ - η·∇J(θ)` on `J(x) = x²` and on
//! `J(x, y) = x² + sin²y`, with `∇J` from the tape: recorded once and
//! replayed at each point ([`Tape::compile`](tapegrad::Tape::compile)).

use tapegrad::{Tape, Var};

use crate::{Output, Result, pictures};

/// `J(x) = x²` on `tape`.
pub fn square(x: Var) -> Var {
    x * x
}

/// `J(x, y) = x² + sin²y`.
pub fn bowl(x: Var, y: Var) -> Var {
    x * x + y.sin().powi(2)
}

/// The tutorial's one-variable run: `x₀ = 1.2`, `η = 0.3`, and, as its code
/// does, steps while `J > 0.001` (its text says `J < 0.01`; see the errata).
/// Returns every point, the start included.
pub fn one_variable(x0: f64, eta: f64, error: f64) -> Vec<(f64, f64)> {
    // Record J once and replay it at each new x (the same numbers as
    // recording afresh, without recording).
    let tape = Tape::new();
    let v = tape.var(x0);
    let mut f = tape
        .compile(square(v), &[v])
        .expect("x² has no branches to guard");
    let mut slope = [0.0];
    let mut x = x0;
    let mut j = f.gradient(&[x], &mut slope).expect("one input");
    let mut path = vec![(x, j)];
    while j > error && path.len() <= 1000 {
        x -= eta * slope[0];
        j = f.gradient(&[x], &mut slope).expect("one input");
        path.push((x, j));
    }
    path
}

/// One row of Table 2-3.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    /// `x`.
    pub x: f64,
    /// `y`.
    pub y: f64,
    /// `J(x, y)`.
    pub j: f64,
    /// `∇J(x, y)`, from the tape.
    pub gradient: [f64; 2],
}

/// The tutorial's two-variable run from `(3, 1)` with `η = 0.1`: evaluate,
/// step, and stop once the evaluated `J < error` (at most 100 points).
pub fn two_variables(start: [f64; 2], eta: f64, error: f64) -> Vec<Point> {
    let tape = Tape::new();
    let (xv, yv) = (tape.var(start[0]).named("x"), tape.var(start[1]).named("y"));
    let mut f = tape
        .compile(bowl(xv, yv).named("J"), &[xv, yv])
        .expect("J has no branches to guard");
    let (mut x, mut y) = (start[0], start[1]);
    let mut points = Vec::new();
    for _ in 0..100 {
        let mut gradient = [0.0; 2];
        let j = f.gradient(&[x, y], &mut gradient).expect("two inputs");
        points.push(Point { x, y, j, gradient });
        x -= eta * gradient[0];
        y -= eta * gradient[1];
        if j < error {
            break;
        }
    }
    points
}

pub(crate) fn run_one_variable(out: &mut Output<'_>) -> Result<()> {
    let path = one_variable(1.2, 0.3, 1e-3);
    writeln!(out, "J(x) = x², x0 = 1.2, η = 0.3, while J > 0.001:")?;
    for &(x, j) in &path[1..] {
        writeln!(out, "x={x:.6}, y={j:.6}")?;
    }
    pictures::descent_1d(out, &path)
}

pub(crate) fn run_two_variables(out: &mut Output<'_>) -> Result<()> {
    let points = two_variables([3.0, 1.0], 0.1, 1e-2);
    writeln!(
        out,
        "Table 2-3: J(x, y) = x² + sin²y from (3, 1), η = 0.1, until J < 0.01"
    )?;
    writeln!(out, "{:>4} {:>9} {:>9} {:>9}", "n", "x", "y", "J(x,y)")?;
    for (n, p) in points.iter().enumerate() {
        writeln!(out, "{:>4} {:>9.6} {:>9.6} {:>9.6}", n + 1, p.x, p.y, p.j)?;
    }
    if let Some(last) = points.last() {
        writeln!(
            out,
            "J = {:.6} < 0.01 after {} steps, at point {}",
            last.j,
            points.len() - 1,
            points.len()
        )?;
    }
    pictures::descent_2d(out, &points)?;
    pictures::graphs(out, "descent-2d")
}
