//! The chapter's loss functions, recorded on the tape, and the 0-1 error as
//! a metric.
//!
//! Each loss takes the model's raw output: a prediction `a` (squared,
//! absolute), a score `s` (hinge, exponential, labels ±1) or a logit `z`
//! (log loss, softmax cross-entropy), so that no loss has to undo a
//! sigmoid or a softmax and lose digits doing it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use tapegrad::{Real, Var};

use crate::{Error, Result};

/// `(a - y)²`.
///
/// ```
/// let tape = tapegrad::Tape::new();
/// let a = tape.var(0.5);
/// let l = tapegrad_nn::loss::squared(a, 1.0);
/// assert_eq!((l.value(), l.backward()[a]), (0.25, -1.0)); // 2(a - y)
/// ```
pub fn squared(a: Var, y: f64) -> Var {
    (a - y).powi(2)
}

/// `|y - a|`, whose derivative at the kink `a = y` is the engine's
/// subgradient (`abs' = 1` at +0).
///
/// ```
/// let tape = tapegrad::Tape::new();
/// let a = tape.var(1.5);
/// let l = tapegrad_nn::loss::absolute(a, 1.0);
/// assert_eq!((l.value(), l.backward()[a]), (0.5, 1.0)); // -sign(y - a)
/// ```
pub fn absolute(a: Var, y: f64) -> Var {
    (y - a).abs()
}

fn sign_label(loss: &'static str, y: f64) -> Result<()> {
    if y == 1.0 || y == -1.0 {
        Ok(())
    } else {
        Err(Error::Label {
            loss,
            expected: "of 1 or -1",
            got: y,
        })
    }
}

/// `max(0, 1 - y·s)` for a label `y = ±1`.
///
/// ```
/// let tape = tapegrad::Tape::new();
/// let s = tape.var(0.5);
/// let l = tapegrad_nn::loss::hinge(s, 1.0).unwrap();
/// assert_eq!((l.value(), l.backward()[s]), (0.5, -1.0)); // -y inside the margin
/// assert!(tapegrad_nn::loss::hinge(s, 0.0).is_err()); // labels are ±1
/// ```
///
/// # Errors
/// [`Error::Label`] for a label other than ±1.
pub fn hinge(s: Var, y: f64) -> Result<Var> {
    sign_label("hinge", y)?;
    Ok((1.0 - y * s).relu())
}

/// `e^(-y·s)` for a label `y = ±1`.
///
/// ```
/// let tape = tapegrad::Tape::new();
/// let s = tape.var(0.0);
/// let l = tapegrad_nn::loss::exponential(s, -1.0).unwrap();
/// assert_eq!((l.value(), l.backward()[s]), (1.0, 1.0)); // -y·e^(-y·s)
/// ```
///
/// # Errors
/// [`Error::Label`] for a label other than ±1.
pub fn exponential(s: Var, y: f64) -> Result<Var> {
    sign_label("exponential", y)?;
    Ok((-(y * s)).exp())
}

/// The log loss (binary cross-entropy) of the probability `a = σ(z)`,
/// computed from the logit `z`: `-[y·ln a + (1 - y)·ln(1 - a)]`, which is
/// `softplus(-z)` for `y = 1` and `softplus(z)` for `y = 0`. It is finite
/// for every finite logit and exact to the last digits on both sides (no
/// `ln(1 - a)` that rounds to `ln 0`); its derivative `σ(z) - y` is exact
/// too. A label between 0 and 1 (a soft target) weighs the two.
///
/// ```
/// let tape = tapegrad::Tape::new();
/// let z = tape.var(-1000.0);
/// let l = tapegrad_nn::loss::log_loss(z, 1.0).unwrap();
/// // -ln σ(-1000) = ln(1 + e^1000) = 1000 (to the last digit), ∂/∂z = σ(z) - 1 = -1
/// assert_eq!((l.value(), l.backward()[z]), (1000.0, -1.0));
/// ```
///
/// # Errors
/// [`Error::Label`] for a label outside `[0, 1]`.
pub fn log_loss(z: Var, y: f64) -> Result<Var> {
    Ok(match y {
        1.0 => (-z).softplus(),
        0.0 => z.softplus(),
        y if (0.0..=1.0).contains(&y) => y * (-z).softplus() + (1.0 - y) * z.softplus(),
        _ => {
            return Err(Error::Label {
                loss: "log",
                expected: "between 0 and 1",
                got: y,
            });
        }
    })
}

/// Softmax cross-entropy of the logits `z` for the true class `c`:
/// `-ln softmax(z)_c = ln Σ e^(zᵢ) - z_c`, stable for any logits: with `m`
/// the largest logit, it is `(z_m - z_c) + ln(1 + Σ_{i≠m} e^(zᵢ - z_m))`, so
/// no exponential overflows and a confident right answer costs
/// `ln_1p(tiny)`, exact, rather than `ln(1 + tiny) ≈ 0`. Its gradient is
/// `softmax(z) - onehot(c)`.
///
/// ```
/// let tape = tapegrad::Tape::new();
/// let z = [tape.var(1000.0), tape.var(0.0)];
/// let l = tapegrad_nn::loss::softmax_cross_entropy(&z, 1).unwrap();
/// assert_eq!(l.value(), 1000.0); // ln(e^1000 + 1) - 0
/// let g = l.backward();
/// assert_eq!((g[z[0]], g[z[1]]), (1.0, -1.0)); // softmax - onehot
/// ```
///
/// # Errors
/// [`Error::Class`] if `c` is not below the number of logits (or there are
/// none).
pub fn softmax_cross_entropy(z: &[Var], c: usize) -> Result<Var> {
    if c >= z.len() {
        return Err(Error::Class {
            class: c,
            classes: z.len(),
        });
    }
    // The first largest logit; NaN compares as not larger, and flows through.
    let m = (1..z.len()).fold(0, |m, i| if z[i].value() > z[m].value() { i } else { m });
    let spread = if z.len() == 1 {
        // A recorded 0 next to the logit, so the loss is a node.
        Real::constant(z[0], 0.0)
    } else {
        let rest = z
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != m)
            .map(|(_, &zi)| (zi - z[m]).exp());
        rest.sum::<Var>().ln_1p()
    };
    Ok(if m == c {
        spread
    } else {
        (z[m] - z[c]) + spread
    })
}

/// The 0-1 error: 0 when the prediction is right, else 1. It is a step, so
/// it is a metric to report, never a loss to differentiate.
///
/// ```
/// assert_eq!(tapegrad_nn::loss::zero_one(2, 2), 0.0);
/// assert_eq!(tapegrad_nn::loss::zero_one(1, 2), 1.0);
/// ```
pub fn zero_one(predicted: usize, actual: usize) -> f64 {
    if predicted == actual { 0.0 } else { 1.0 }
}

/// The softmax of `z`, stable (the largest logit subtracted first).
///
/// ```
/// let p = tapegrad_nn::loss::softmax(&[0.0, 1000.0]);
/// assert_eq!(p, vec![0.0, 1.0]);
/// ```
pub fn softmax(z: &[f64]) -> Vec<f64> {
    let m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = z.iter().map(|&zi| (zi - m).exp()).collect();
    let total: f64 = e.iter().sum();
    e.iter().map(|ei| ei / total).collect()
}

/// A loss for classification: how a model's outputs and a class label
/// `0..classes` make one sample's loss, and how outputs make a prediction.
///
/// The one-output losses take two classes: the label is `y = c` (squared,
/// absolute, log) or `y = 2c - 1` (hinge, exponential), and the predicted
/// class is 1 when the output is above 0.5 (squared, absolute) or above 0
/// (the others, whose output is a score or a logit).
/// [`Loss::SoftmaxCrossEntropy`] takes one logit per class and predicts the
/// largest.
///
/// ```
/// use tapegrad::Tape;
/// use tapegrad_nn::Loss;
///
/// let tape = Tape::new();
/// let z = [tape.var(2.0), tape.var(0.0), tape.var(-1.0)];
/// let l = Loss::SoftmaxCrossEntropy.record(&z, 0).unwrap();
/// assert!(l.value() > 0.0);
/// assert_eq!(Loss::SoftmaxCrossEntropy.predict(&[2.0, 0.0, -1.0]), 0);
/// assert_eq!(Loss::Log.predict(&[-0.3]), 0); // σ(-0.3) < 1/2
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Loss {
    /// [`squared`] (MSE over a batch), label `y = c`.
    Squared,
    /// [`absolute`], label `y = c`.
    Absolute,
    /// [`hinge`], label `y = 2c - 1`.
    Hinge,
    /// [`log_loss`] from the logit, label `y = c`.
    Log,
    /// [`exponential`], label `y = 2c - 1`.
    Exponential,
    /// [`softmax_cross_entropy`], one logit per class.
    SoftmaxCrossEntropy,
}

impl Loss {
    /// Every loss, in the chapter's order.
    pub const ALL: [Loss; 6] = [
        Loss::Squared,
        Loss::Absolute,
        Loss::Hinge,
        Loss::Log,
        Loss::Exponential,
        Loss::SoftmaxCrossEntropy,
    ];

    /// Its name, as the model file spells it.
    pub fn name(self) -> &'static str {
        match self {
            Loss::Squared => "squared",
            Loss::Absolute => "absolute",
            Loss::Hinge => "hinge",
            Loss::Log => "log",
            Loss::Exponential => "exponential",
            Loss::SoftmaxCrossEntropy => "softmax-cross-entropy",
        }
    }

    /// How many outputs a model needs for `classes` classes.
    ///
    /// # Errors
    /// [`Error::Shape`] for a one-output loss and other than two classes.
    pub fn outputs(self, classes: usize) -> Result<usize> {
        match self {
            Loss::SoftmaxCrossEntropy => Ok(classes),
            _ if classes == 2 => Ok(1),
            _ => Err(Error::Shape(format!(
                "the {self} loss separates two classes, not {classes}: use softmax-cross-entropy"
            ))),
        }
    }

    /// Records one sample's loss for the model's `outputs` and class `c`.
    ///
    /// # Errors
    /// [`Error::Class`] for a class the outputs cannot express (a one-output
    /// loss takes classes 0 and 1), [`Error::Shape`] for a one-output loss
    /// given several outputs.
    pub fn record(self, outputs: &[Var], c: usize) -> Result<Var> {
        if self == Loss::SoftmaxCrossEntropy {
            return softmax_cross_entropy(outputs, c);
        }
        if outputs.len() != 1 {
            return Err(Error::Shape(format!(
                "the {self} loss takes one output, not {}",
                outputs.len()
            )));
        }
        if c > 1 {
            return Err(Error::Class {
                class: c,
                classes: 2,
            });
        }
        let (a, y) = (outputs[0], c as f64);
        match self {
            Loss::Squared => Ok(squared(a, y)),
            Loss::Absolute => Ok(absolute(a, y)),
            Loss::Hinge => hinge(a, 2.0 * y - 1.0),
            Loss::Log => log_loss(a, y),
            Loss::Exponential => exponential(a, 2.0 * y - 1.0),
            Loss::SoftmaxCrossEntropy => unreachable!("handled above"),
        }
    }

    /// The class the outputs predict.
    pub fn predict(self, outputs: &[f64]) -> usize {
        match self {
            Loss::SoftmaxCrossEntropy => {
                (1..outputs.len()).fold(0, |m, i| if outputs[i] > outputs[m] { i } else { m })
            }
            Loss::Squared | Loss::Absolute => usize::from(outputs[0] > 0.5),
            _ => usize::from(outputs[0] > 0.0),
        }
    }

    /// Each class's probability, where the outputs give one: the softmax of
    /// the logits, `(1 - σ(z), σ(z))` for the log loss; for the other
    /// one-output losses, 1 for the predicted class and 0 for the other.
    pub fn probabilities(self, outputs: &[f64]) -> Vec<f64> {
        match self {
            Loss::SoftmaxCrossEntropy => softmax(outputs),
            Loss::Log => {
                let p = crate::Activation::Sigmoid.apply(outputs[0]);
                // σ(-z) rather than 1 - σ(z): exact when σ(z) is near 1.
                vec![crate::Activation::Sigmoid.apply(-outputs[0]), p]
            }
            _ => {
                let c = self.predict(outputs);
                vec![zero_one(c, 0), zero_one(c, 1)]
            }
        }
    }
}

impl fmt::Display for Loss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Loss {
    type Err = String;

    fn from_str(s: &str) -> Result<Loss, String> {
        Loss::ALL.into_iter().find(|l| l.name() == s).ok_or_else(|| {
            format!("unknown loss `{s}`: use squared, absolute, hinge, log, exponential or softmax-cross-entropy")
        })
    }
}
