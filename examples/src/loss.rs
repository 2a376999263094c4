//! The chapter's six loss functions, recorded on a tape, with their values
//! and derivatives with respect to the prediction `a` (label `y`).
//!
//! Non-differentiable points are handled in the open:
//! - the 0-1 loss is a step: its derivative is 0 wherever it exists and does
//!   not exist at `a = y`, which is reported as an error;
//! - the absolute loss `|y - a|` has a kink at `a = y` and the hinge loss
//!   `max(0, 1 - y·a)` at `y·a = 1`: there the engine's documented
//!   subgradient is used (`|x|' = 1` at +0, by the sign bit, and `relu' = 0`
//!   at 0) and the result is
//!   marked as a kink;
//! - the log loss needs `0 < a < 1` and `y ∈ {0, 1}`, the hinge and
//!   exponential losses `y = ±1`: anything else is an error naming the
//!   input, never a silent NaN.

use std::fmt;

use tapegrad::{Real, Tape, Var};

use crate::{Output, Result, pictures};

/// A loss function of the chapter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loss {
    /// `0` if `a = y`, else `1`.
    ZeroOne,
    /// `|y - a|`.
    Absolute,
    /// `max(0, 1 - y·a)`, `y = ±1`.
    Hinge,
    /// `-[y·ln a + (1 - y)·ln(1 - a)]`, `y ∈ {0, 1}`.
    Log,
    /// `(a - y)²`.
    Squared,
    /// `e^(-y·a)`, `y = ±1`.
    Exponential,
}

/// Every loss, in the chapter's order.
pub const LOSSES: [Loss; 6] = [
    Loss::ZeroOne,
    Loss::Absolute,
    Loss::Hinge,
    Loss::Log,
    Loss::Squared,
    Loss::Exponential,
];

/// Why a loss cannot be evaluated or differentiated at a point.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum LossError {
    /// The loss has a jump at this point, so no derivative exists.
    #[error("the {loss} loss jumps at a = y = {a}: it has no derivative there")]
    Discontinuous {
        /// The loss.
        loss: Loss,
        /// The prediction.
        a: f64,
    },
    /// The label is not one the loss accepts.
    #[error("the {loss} loss needs a label {expected}, got y = {y}")]
    Label {
        /// The loss.
        loss: Loss,
        /// The accepted labels.
        expected: &'static str,
        /// The label given.
        y: f64,
    },
    /// The prediction is outside the loss's domain.
    #[error("the {loss} loss needs 0 < a < 1, got a = {a}")]
    Domain {
        /// The loss.
        loss: Loss,
        /// The prediction.
        a: f64,
    },
}

impl fmt::Display for Loss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Loss::ZeroOne => "0-1",
            Loss::Absolute => "absolute",
            Loss::Hinge => "hinge",
            Loss::Log => "log (cross-entropy)",
            Loss::Squared => "squared",
            Loss::Exponential => "exponential",
        })
    }
}

/// A loss's value and derivative at one point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Evaluation {
    /// The loss.
    pub value: f64,
    /// `∂loss/∂a`, from the tape.
    pub derivative: f64,
    /// Whether `a` sits on a kink, where the derivative is the engine's
    /// documented subgradient.
    pub kink: bool,
}

impl Loss {
    /// The formula, as the chapter writes it.
    pub fn formula(self) -> &'static str {
        match self {
            Loss::ZeroOne => "0 if a = y, else 1",
            Loss::Absolute => "|y - a|",
            Loss::Hinge => "max(0, 1 - y·a)",
            Loss::Log => "-[y·ln a + (1 - y)·ln(1 - a)]",
            Loss::Squared => "(a - y)²",
            Loss::Exponential => "e^(-y·a)",
        }
    }

    /// Records the loss of prediction `a` against label `y`.
    ///
    /// # Errors
    /// A [`LossError`] for a label or prediction the loss does not accept,
    /// and for the 0-1 loss at `a = y`.
    pub fn record(self, a: Var, y: f64) -> Result<Var, LossError> {
        let sign = |loss| {
            if y == 1.0 || y == -1.0 {
                Ok(())
            } else {
                Err(LossError::Label {
                    loss,
                    expected: "of ±1",
                    y,
                })
            }
        };
        Ok(match self {
            Loss::ZeroOne if a.value() == y => {
                return Err(LossError::Discontinuous { loss: self, a: y });
            }
            // A step is constant on each side of its jump: a recorded
            // constant, on which `a` has no influence.
            // A recorded 1 next to the prediction, so the loss is a node.
            Loss::ZeroOne => Real::constant(a, 1.0),
            Loss::Absolute => (y - a).abs(),
            Loss::Hinge => {
                sign(self)?;
                (1.0 - y * a).relu()
            }
            Loss::Log => {
                if y != 0.0 && y != 1.0 {
                    return Err(LossError::Label {
                        loss: self,
                        expected: "of 0 or 1",
                        y,
                    });
                }
                if !(a.value() > 0.0 && a.value() < 1.0) {
                    return Err(LossError::Domain {
                        loss: self,
                        a: a.value(),
                    });
                }
                -(y * a.ln() + (1.0 - y) * (1.0 - a).ln())
            }
            Loss::Squared => (a - y).powi(2),
            Loss::Exponential => {
                sign(self)?;
                (-(y * a)).exp()
            }
        })
    }

    /// The loss and its derivative at prediction `a`, label `y`.
    ///
    /// # Errors
    /// As [`Loss::record`].
    pub fn evaluate(self, a: f64, y: f64) -> Result<Evaluation, LossError> {
        let tape = Tape::new();
        let av = tape.var(a);
        let loss = self.record(av, y)?;
        Ok(Evaluation {
            value: loss.value(),
            derivative: loss.backward().wrt(av),
            kink: match self {
                Loss::Absolute => a == y,
                Loss::Hinge => y * a == 1.0,
                _ => false,
            },
        })
    }

    /// The label the chapter's examples use for this loss, and sample
    /// predictions that include its special points.
    pub fn samples(self) -> (f64, &'static [f64]) {
        match self {
            Loss::Log => (1.0, &[0.1, 0.25, 0.5, 0.75, 0.9, 1.0]),
            _ => (1.0, &[-1.0, 0.0, 0.5, 1.0, 1.5, 2.0]),
        }
    }
}

pub(crate) fn run(out: &mut Output<'_>) -> Result<()> {
    for loss in LOSSES {
        let (y, samples) = loss.samples();
        writeln!(out, "{loss} loss = {}, y = {y}", loss.formula())?;
        writeln!(out, "  {:>6} {:>10} {:>10}", "a", "loss", "∂loss/∂a")?;
        for &a in samples {
            match loss.evaluate(a, y) {
                Ok(e) => writeln!(
                    out,
                    "  {a:>6} {:>10.6} {:>10.6}{}",
                    e.value,
                    e.derivative,
                    if e.kink { "  (kink: subgradient)" } else { "" }
                )?,
                Err(err) => writeln!(out, "  {a:>6} {err}")?,
            }
        }
    }
    pictures::losses(out)
}
