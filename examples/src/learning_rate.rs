//! Learning rates compared (the tutorial's Table 2-5).
//!
//! The tutorial does not print the function behind its pictures; its
//! upstream code (Microsoft's ai-edu, `Level5_LearningRate.py`) descends
//! `J(x) = (x - 1)² + 0.1` from `x₀ = -0.8`, ten points per rate, with no
//! stop test.

use std::fmt;

use tapegrad::{Tape, Var};

use crate::{Output, Result, pictures};

/// The rates of Table 2-5.
pub const RATES: [f64; 4] = [1.0, 0.8, 0.4, 0.1];
/// The start.
pub const X0: f64 = -0.8;
/// Points per rate, the start included.
pub const POINTS: usize = 10;
/// The minimum of `J`, at `x = 1`.
pub const MINIMUM: f64 = 0.1;

/// `J(x) = (x - 1)² + 0.1`.
pub fn loss(x: Var) -> Var {
    (x - 1.0).powi(2) + 0.1
}

/// `POINTS` points of gradient descent at rate `eta`, as `(x, J)`.
pub fn trajectory(eta: f64) -> Vec<(f64, f64)> {
    // Recorded once, replayed at each point.
    let tape = Tape::new();
    let v = tape.var(X0);
    let mut f = tape
        .compile(loss(v), &[v])
        .expect("J has no branches to guard");
    let mut x = X0;
    (0..POINTS)
        .map(|_| {
            let mut slope = [0.0];
            let j = f.gradient(&[x], &mut slope).expect("one input");
            let point = (x, j);
            x -= eta * slope[0];
            point
        })
        .collect()
}

/// How a trajectory behaves, in the words of Table 2-5.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Behaviour {
    /// The loss never goes down: the steps jump across the valley at the
    /// same height.
    NeverDescends,
    /// The steps jump from one side of the minimum to the other.
    JumpsSideToSide,
    /// The loss goes down from one side and gets within 0.001 of the
    /// minimum after `steps` steps.
    DescendsFromOneSide {
        /// Steps until `J - min < 0.001`.
        steps: usize,
    },
    /// The loss goes down from one side, but is still more than 0.001 above
    /// the minimum at the last point.
    DescendsSlowly {
        /// `J - min` at the last point.
        excess: f64,
    },
}

impl Behaviour {
    /// A few words, for a picture's caption.
    pub fn summary(&self) -> String {
        match self {
            Behaviour::NeverDescends => "never descends".into(),
            Behaviour::JumpsSideToSide => "jumps side to side".into(),
            Behaviour::DescendsFromOneSide { steps } => {
                format!("one side, near after {steps} steps")
            }
            Behaviour::DescendsSlowly { .. } => "one side, slowly".into(),
        }
    }
}

impl fmt::Display for Behaviour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Behaviour::NeverDescends => {
                write!(f, "jumps across at the same height, never descends")
            }
            Behaviour::JumpsSideToSide => write!(f, "jumps from side to side of the minimum"),
            Behaviour::DescendsFromOneSide { steps } => write!(
                f,
                "descends from one side, within 0.001 of the minimum after {steps} steps"
            ),
            Behaviour::DescendsSlowly { excess } => write!(
                f,
                "descends from one side, slowly: still {excess:.3} above the minimum at point {POINTS}"
            ),
        }
    }
}

/// Classifies a trajectory of `(x, J)` points.
pub fn classify(path: &[(f64, f64)]) -> Behaviour {
    let first = path[0].1;
    if path.iter().all(|&(_, j)| j >= first - 1e-9) {
        return Behaviour::NeverDescends;
    }
    let sides_change = path
        .windows(2)
        .any(|w| (w[0].0 - 1.0) * (w[1].0 - 1.0) < 0.0);
    if sides_change {
        return Behaviour::JumpsSideToSide;
    }
    match path.iter().position(|&(_, j)| j - MINIMUM < 1e-3) {
        Some(steps) => Behaviour::DescendsFromOneSide { steps },
        None => Behaviour::DescendsSlowly {
            excess: path[path.len() - 1].1 - MINIMUM,
        },
    }
}

pub(crate) fn run(out: &mut Output<'_>) -> Result<()> {
    writeln!(
        out,
        "J(x) = (x - 1)² + 0.1 from x0 = {X0}, {POINTS} points per rate"
    )?;
    let mut paths = Vec::new();
    for eta in RATES {
        let path = trajectory(eta);
        writeln!(out, "η = {eta}: {}", classify(&path))?;
        for (n, (x, j)) in path.iter().enumerate() {
            writeln!(out, "  {n}: x={x:.6}, J={j:.6}")?;
        }
        paths.push((eta, path));
    }
    pictures::learning_rates(out, &paths)
}
