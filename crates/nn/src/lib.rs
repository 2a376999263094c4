//! Neurons, layers, losses and training on [tapegrad]: the tutorial's model
//! as a library, trained on real data.
//!
//! Parameters live as plain `f64` between steps; each step records them on
//! a tape as blocks of leaves (one per neuron), the first layer's weighted
//! sums as one `dot` node each, the loss on top, and one backward sweep
//! gives every gradient.
//!
//! ```
//! use tapegrad_nn::{Activation::*, Dataset, FitOptions, Loss, Mlp, Model, Rng, Sgd, Standardizer, fit};
//!
//! // Iris: 4 measurements → 3 species, standardised by the training split's statistics.
//! let (mut train, mut test) = Dataset::iris().split(0.2, 1).unwrap();
//! let scaler = Standardizer::fit(&train);
//! train.standardise(&scaler);
//! test.standardise(&scaler);
//! let mut mlp = Mlp::new(&[4, 8, 3], &[Tanh, Identity], &mut Rng::new(1)).unwrap();
//! let options = FitOptions { loss: Loss::SoftmaxCrossEntropy, epochs: 30, sgd: Sgd::new(0.05).with_momentum(0.9), ..FitOptions::default() };
//! let history = fit(&mut mlp, &train, Some(&test), &options, |_| {}).unwrap();
//! let last = history.last().unwrap();
//! assert!(last.loss < history[0].loss);
//! assert!(last.test_accuracy.unwrap() >= 0.9);
//! ```
//!
//! - [`Neuron`], [`Layer`], [`Mlp`] and the [`Model`] trait: parameters
//!   listed, counted, recorded, and run on plain numbers; saved and loaded
//!   as JSON ([`mod@file`]).
//! - [`loss`]: squared, absolute, hinge, log loss from the logit,
//!   exponential and softmax cross-entropy, on the tape; the 0-1 error as a
//!   metric.
//! - [`Sgd`], [`Backprop`] (mini-batch gradients, serial or parallel with
//!   identical results), [`fit`].
//! - [`Dataset`]: a CSV loader, a seeded stratified split, [`Standardizer`],
//!   Fisher's Iris and the two moons.

#![warn(missing_docs)]

// The package readme's example runs as a doctest too.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

mod activation;
pub mod data;
pub mod file;
pub mod loss;
mod model;
mod rng;
mod train;

use std::path::PathBuf;

pub use activation::Activation;
pub use data::{Dataset, Standardizer};
pub use file::Classifier;
pub use loss::Loss;
pub use model::{Layer, Mlp, Model, Neuron, Recorded};
pub use rng::Rng;
pub use train::{Backprop, Epoch, FitOptions, Sgd, accuracy, fit};

/// What can go wrong in tapegrad-nn.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Sizes that do not fit: a layer, a model and its data, a loss and
    /// its classes.
    #[error("{0}")]
    Shape(String),
    /// A field of a CSV file that cannot be read.
    #[error("line {line}, column {column} (`{name}`): {message}")]
    Csv {
        /// The line, from 1.
        line: usize,
        /// The column, from 1.
        column: usize,
        /// The column's name in the header.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// A data set that cannot be used: an empty file, a ragged row, a
    /// single class, an unknown column.
    #[error("{0}")]
    Data(String),
    /// A label a loss does not accept.
    #[error("the {loss} loss needs a label {expected}, got {got}")]
    Label {
        /// The loss.
        loss: &'static str,
        /// The labels it accepts.
        expected: &'static str,
        /// The label given.
        got: f64,
    },
    /// A class the model's outputs cannot express.
    #[error("class {class} for a model of {classes} classes")]
    Class {
        /// The class given.
        class: usize,
        /// How many classes the outputs express.
        classes: usize,
    },
    /// A number that is not finite where a result was due: a mini-batch's
    /// loss or gradient, a model's output, a parameter to be saved.
    #[error("{what} is {value}, not a finite number")]
    NotFinite {
        /// Which number.
        what: String,
        /// Its value: NaN or an infinity.
        value: f64,
    },
    /// Training that stopped because a loss, a gradient, a parameter or an
    /// output stopped being finite: the steps are usually too large (a
    /// smaller learning rate helps), or the features too large for the
    /// model (standardising them helps).
    #[error("training diverged in epoch {epoch}: {what} is {value}")]
    Diverged {
        /// The epoch, from 1.
        epoch: usize,
        /// Which number.
        what: String,
        /// Its value: NaN or an infinity.
        value: f64,
    },
    /// A model file that cannot be read, or does not fit.
    #[error("{0}")]
    Model(String),
    /// A file that cannot be read or written.
    #[error("cannot access `{}`: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// `std::result::Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
