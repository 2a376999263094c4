//! Training: gradients of a mini-batch (on one thread or several, with the
//! same result), stochastic gradient descent, and an epoch loop.

use rayon::prelude::*;
use tapegrad::Tape;

use crate::{Dataset, Error, Loss, Model, Result, Rng};

/// Stochastic gradient descent with optional momentum and weight decay
/// (PyTorch's convention): `g ← ∇ + λ·w`, `v ← μ·v + g`, `w ← w - η·v`.
///
/// ```
/// use tapegrad_nn::{Activation, Model, Neuron, Sgd};
///
/// let mut n = Neuron::from_weights(&[1.0], 0.0, Activation::Identity).unwrap();
/// let mut sgd = Sgd::new(0.1);
/// sgd.step(&mut n, &[2.0, -1.0]); // gradients for w and b
/// assert_eq!(n.parameters(), vec![1.0 - 0.2, 0.1]);
/// ```
#[derive(Clone, Debug)]
pub struct Sgd {
    /// The step size `η`.
    pub learning_rate: f64,
    /// The momentum `μ` (0: plain SGD).
    pub momentum: f64,
    /// The weight decay `λ` (L2 regularisation; 0: none).
    pub weight_decay: f64,
    velocity: Vec<f64>,
}

impl Sgd {
    /// Plain SGD with learning rate `learning_rate`.
    pub fn new(learning_rate: f64) -> Sgd {
        Sgd {
            learning_rate,
            momentum: 0.0,
            weight_decay: 0.0,
            velocity: Vec::new(),
        }
    }

    /// With momentum `momentum`.
    pub fn with_momentum(mut self, momentum: f64) -> Sgd {
        self.momentum = momentum;
        self
    }

    /// With weight decay `weight_decay`.
    pub fn with_weight_decay(mut self, weight_decay: f64) -> Sgd {
        self.weight_decay = weight_decay;
        self
    }

    /// One update of `model`'s parameters by `gradient` (in the model's
    /// order).
    ///
    /// # Panics
    /// If `gradient` does not have one number per parameter.
    pub fn step(&mut self, model: &mut impl Model, gradient: &[f64]) {
        assert_eq!(
            gradient.len(),
            model.parameter_count(),
            "tapegrad-nn: {} gradients for {} parameters",
            gradient.len(),
            model.parameter_count()
        );
        if self.velocity.len() != gradient.len() {
            self.velocity = vec![0.0; gradient.len()];
        }
        let mut at = 0;
        for layer in model.layers_mut() {
            let params = &mut layer.params;
            let n = params.len();
            let (g, v) = (&gradient[at..at + n], &mut self.velocity[at..at + n]);
            for ((w, &g), v) in params.iter_mut().zip(g).zip(v) {
                let g = g + self.weight_decay * *w;
                *v = self.momentum * *v + g;
                *w -= self.learning_rate * *v;
            }
            at += n;
        }
    }
}

/// A chunk's loss sum and gradient sum, and the size of its tape (its
/// length and the bytes it reserved).
type Part = (f64, Vec<f64>, (usize, usize));

/// Differentiates a mini-batch's mean loss, chunk by chunk: each chunk of
/// samples is recorded on a tape of its own, and the chunks' sums are added
/// in chunk order. The chunks do not depend on the number of threads, so
/// the serial and the parallel runs give the same numbers to the last bit.
///
/// The chunks run in waves of [`Backprop::WAVE_PER_THREAD`] per thread
/// (one at a time when serial), so a batch of any size keeps at most that
/// many tapes and gradient buffers per thread. The buffers are kept from
/// step to step, and a tape's from chunk to chunk in its thread's pool (a
/// tape records on the thread that made it), so a training loop reaches a
/// steady size.
///
/// ```
/// use tapegrad_nn::{Activation::*, Backprop, Dataset, Loss, Mlp, Model, Rng};
///
/// let data = Dataset::moons(64, 0.1, 1);
/// let mlp = Mlp::new(&[2, 8, 1], &[Tanh, Identity], &mut Rng::new(2)).unwrap();
/// let batch: Vec<usize> = (0..64).collect();
/// let mut serial = Backprop::new();
/// let mut parallel = Backprop::new().parallel(true);
/// let a = serial.gradient(&mlp, Loss::Log, &data, &batch).unwrap();
/// let b = parallel.gradient(&mlp, Loss::Log, &data, &batch).unwrap();
/// assert_eq!(a, b);
/// assert_eq!(serial.last_gradient(), parallel.last_gradient()); // bit for bit
/// ```
pub struct Backprop {
    chunk: usize,
    parallel: bool,
    /// Each chunk's loss sum and gradient sum.
    parts: Vec<Part>,
    gradient: Vec<f64>,
}

impl Default for Backprop {
    fn default() -> Backprop {
        Backprop::new()
    }
}

impl Backprop {
    /// How many chunks a thread takes in one wave of a parallel
    /// [`Backprop::gradient`]: enough for rayon to balance uneven chunks,
    /// and few enough that tapes for a wave, not for a whole batch, are
    /// kept.
    pub const WAVE_PER_THREAD: usize = 4;

    /// Serial, 16 samples a chunk.
    pub fn new() -> Backprop {
        Backprop {
            chunk: 16,
            parallel: false,
            parts: Vec::new(),
            gradient: Vec::new(),
        }
    }

    /// Whether chunks are differentiated on rayon's threads.
    pub fn parallel(mut self, parallel: bool) -> Backprop {
        self.parallel = parallel;
        self
    }

    /// Samples per chunk (at least 1): the unit of work of a thread, and of
    /// the summation order.
    pub fn chunk(mut self, samples: usize) -> Backprop {
        self.chunk = samples.max(1);
        self
    }

    /// The mean loss of `model` on the samples `batch` of `data`; its
    /// gradient with respect to every parameter is then in
    /// [`Backprop::last_gradient`].
    ///
    /// # Errors
    /// [`Error::Shape`] if the data's width is not the model's inputs, or
    /// the model's outputs do not fit the loss and the data's classes;
    /// [`Error::Data`] for an empty batch or an index out of range;
    /// [`Error::NotFinite`] if the mean loss or a derivative is NaN or
    /// infinite (parameters or features too large), rather than a number
    /// that would pass for a result.
    ///
    /// ```
    /// use tapegrad_nn::{Activation::*, Backprop, Dataset, Error, Loss, Mlp, Model, Rng};
    ///
    /// let data = Dataset::moons(16, 0.1, 1);
    /// let mut mlp = Mlp::new(&[2, 1], &[Identity], &mut Rng::new(1)).unwrap();
    /// // Outputs near ±f64::MAX (or ∞ - ∞), whose squares overflow.
    /// mlp.set_parameters(&[f64::MAX, f64::MAX, f64::MAX]).unwrap();
    /// let batch: Vec<usize> = (0..16).collect();
    /// let err = Backprop::new().gradient(&mlp, Loss::Squared, &data, &batch).unwrap_err();
    /// assert!(matches!(err, Error::NotFinite { .. }), "{err}");
    /// ```
    pub fn gradient<M: Model + Sync>(
        &mut self,
        model: &M,
        loss: Loss,
        data: &Dataset,
        batch: &[usize],
    ) -> Result<f64> {
        check_fit(model, loss, data)?;
        if batch.is_empty() {
            return Err(Error::Data("an empty mini-batch".into()));
        }
        if let Some(&i) = batch.iter().find(|&&i| i >= data.len()) {
            return Err(Error::Data(format!(
                "sample {i} of a data set of {}",
                data.len()
            )));
        }
        let count = model.parameter_count();
        // The chunks run in waves (four per thread, for rayon to balance
        // and to wake its threads once for most batches; one at a time when
        // serial), and each wave's sums are added in chunk order before the
        // next: the same additions in the same order as all chunks at once,
        // with tapes and gradient buffers for one wave only, however large
        // the batch.
        let wave = if self.parallel {
            Backprop::WAVE_PER_THREAD * rayon::current_num_threads().max(1)
        } else {
            1
        };
        let slots = wave.min(batch.len().div_ceil(self.chunk));
        while self.parts.len() < slots {
            self.parts.push((0.0, Vec::new(), (0, 0)));
        }
        self.gradient.clear();
        self.gradient.resize(count, 0.0);
        let mut total = 0.0;
        for group in batch.chunks(self.chunk.saturating_mul(wave)) {
            let chunks = group.len().div_ceil(self.chunk);
            let work = self.parts[..chunks]
                .iter_mut()
                .zip(group.chunks(self.chunk));
            let run = |(part, samples): (&mut Part, &[usize])| {
                part.1.resize(count, 0.0);
                (part.0, part.2) = chunk_gradient(model, loss, data, samples, &mut part.1);
            };
            if self.parallel {
                work.collect::<Vec<_>>().into_par_iter().for_each(run);
            } else {
                work.for_each(run);
            }
            for (sum, g, _) in &self.parts[..chunks] {
                total += sum;
                for (acc, x) in self.gradient.iter_mut().zip(g) {
                    *acc += x;
                }
            }
        }
        let n = batch.len() as f64;
        self.gradient.iter_mut().for_each(|g| *g /= n);
        let loss = total / n;
        if !loss.is_finite() {
            return Err(Error::NotFinite {
                what: "the mini-batch's mean loss".into(),
                value: loss,
            });
        }
        if let Some(i) = self.gradient.iter().position(|g| !g.is_finite()) {
            return Err(Error::NotFinite {
                what: format!("the loss's derivative with respect to parameter {i}"),
                value: self.gradient[i],
            });
        }
        Ok(loss)
    }

    /// The gradient of the last [`Backprop::gradient`] call.
    pub fn last_gradient(&self) -> &[f64] {
        &self.gradient
    }

    /// The nodes on the tapes of the last wave (for memory checks).
    pub fn tape_len(&self) -> usize {
        self.parts.iter().map(|p| p.2.0).sum()
    }

    /// The bytes the tapes and buffers have reserved.
    pub fn bytes_reserved(&self) -> usize {
        let floats =
            self.gradient.capacity() + self.parts.iter().map(|p| p.1.capacity()).sum::<usize>();
        self.parts.iter().map(|p| p.2.1).sum::<usize>() + floats * size_of::<f64>()
    }
}

/// One chunk: record the parameters, each sample's forward pass and loss,
/// their sum, and sweep back once; the loss sum and the tape's size.
fn chunk_gradient<M: Model>(
    model: &M,
    loss: Loss,
    data: &Dataset,
    samples: &[usize],
    out: &mut [f64],
) -> (f64, (usize, usize)) {
    // The thread's pool gives back the buffers of its last chunk's tape.
    let tape = Tape::new();
    let mut recorded = model.record(&tape);
    let losses: Vec<_> = samples
        .iter()
        .map(|&i| {
            let outputs = model.forward(&mut recorded, data.row(i));
            loss.record(&outputs, data.label(i))
                .expect("labels were checked against the loss's classes")
        })
        .collect();
    let total = tape.sum(&losses);
    recorded.gradient(&total.backward(), out);
    (total.value(), (tape.len(), tape.bytes_reserved()))
}

/// Checks that `model`, `loss` and `data` fit together.
pub(crate) fn check_fit<M: Model>(model: &M, loss: Loss, data: &Dataset) -> Result<()> {
    if data.width() != model.inputs() {
        return Err(Error::Shape(format!(
            "the data has {} features, the model {} inputs",
            data.width(),
            model.inputs()
        )));
    }
    let outputs = loss.outputs(data.classes())?;
    if outputs != model.outputs() {
        return Err(Error::Shape(format!(
            "the {loss} loss on {} classes needs {outputs} outputs, the model has {}",
            data.classes(),
            model.outputs()
        )));
    }
    Ok(())
}

/// The fraction of `data` that `model` classifies right (1 minus the mean
/// 0-1 error), 0 for no data. A sample whose outputs are not all finite
/// counts as wrong: NaN logits name no class.
///
/// ```
/// use tapegrad_nn::{Activation::*, Dataset, Loss, Mlp, Model, Rng, accuracy};
///
/// let data = Dataset::from_csv("x,c\n-1,0\n1,1\n", None).unwrap();
/// let mut mlp = Mlp::new(&[1, 1], &[Identity], &mut Rng::new(1)).unwrap();
/// mlp.set_parameters(&[1.0, 0.0]).unwrap(); // logit x: right on both
/// assert_eq!(accuracy(&mlp, Loss::Log, &data), 1.0);
/// mlp.set_parameters(&[f64::NAN, 0.0]).unwrap(); // NaN logits: right on neither
/// assert_eq!(accuracy(&mlp, Loss::Log, &data), 0.0);
/// ```
pub fn accuracy<M: Model>(model: &M, loss: Loss, data: &Dataset) -> f64 {
    if data.is_empty() {
        return 0.0;
    }
    let right = (0..data.len())
        .filter(|&i| {
            let outputs = model.predict(data.row(i));
            outputs.iter().all(|y| y.is_finite()) && loss.predict(&outputs) == data.label(i)
        })
        .count();
    right as f64 / data.len() as f64
}

/// [`accuracy`], for training: an output that is not finite is an
/// [`Error::NotFinite`] naming the sample, not a wrong answer.
fn checked_accuracy<M: Model>(model: &M, loss: Loss, data: &Dataset, set: &str) -> Result<f64> {
    if data.is_empty() {
        return Ok(0.0);
    }
    let mut right = 0;
    for i in 0..data.len() {
        let outputs = model.predict(data.row(i));
        if let Some(j) = outputs.iter().position(|y| !y.is_finite()) {
            return Err(Error::NotFinite {
                what: format!("the model's output {j} on {set} sample {i} (from 0)"),
                value: outputs[j],
            });
        }
        right += usize::from(loss.predict(&outputs) == data.label(i));
    }
    Ok(right as f64 / data.len() as f64)
}

/// The first parameter of `model` that is not finite, with its index in
/// the model's order.
pub(crate) fn non_finite_parameter<M: Model>(model: &M) -> Option<(usize, f64)> {
    let mut at = 0;
    for layer in model.layers() {
        if let Some(i) = layer.params.iter().position(|w| !w.is_finite()) {
            return Some((at + i, layer.params[i]));
        }
        at += layer.params.len();
    }
    None
}

/// How [`fit`] trains.
#[derive(Clone, Debug)]
pub struct FitOptions {
    /// The loss.
    pub loss: Loss,
    /// Passes over the training set.
    pub epochs: usize,
    /// Samples per mini-batch (the whole set when larger).
    pub batch_size: usize,
    /// The optimiser.
    pub sgd: Sgd,
    /// The seed of the shuffles.
    pub seed: u64,
    /// Whether mini-batches are differentiated on several threads (same
    /// results).
    pub parallel: bool,
}

impl Default for FitOptions {
    /// Softmax cross-entropy, 100 epochs of batches of 32, SGD at 0.1 with
    /// momentum 0.9, seed 0, serial.
    fn default() -> FitOptions {
        FitOptions {
            loss: Loss::SoftmaxCrossEntropy,
            epochs: 100,
            batch_size: 32,
            sgd: Sgd::new(0.1).with_momentum(0.9),
            seed: 0,
            parallel: false,
        }
    }
}

/// What one epoch of [`fit`] reached.
#[derive(Clone, Debug, PartialEq)]
pub struct Epoch {
    /// Its number, from 1.
    pub epoch: usize,
    /// The mean training loss over the epoch's mini-batches (each sample
    /// counted once, with the parameters of its step).
    pub loss: f64,
    /// The accuracy on the training set after the epoch.
    pub train_accuracy: f64,
    /// The accuracy on the held-out set after the epoch, if one was given.
    pub test_accuracy: Option<f64>,
}

/// Trains `model` on `train` with SGD on shuffled mini-batches, and reports
/// each epoch to `on_epoch` as it ends.
///
/// ```
/// use tapegrad_nn::{Activation::*, Dataset, FitOptions, Loss, Mlp, Rng, Sgd, fit};
///
/// let data = Dataset::moons(100, 0.1, 1);
/// let mut mlp = Mlp::new(&[2, 16, 1], &[Tanh, Identity], &mut Rng::new(1)).unwrap();
/// let options = FitOptions { loss: Loss::Log, epochs: 40, sgd: Sgd::new(0.3), ..FitOptions::default() };
/// let history = fit(&mut mlp, &data, None, &options, |_| {}).unwrap();
/// assert!(history[39].loss < history[0].loss);
/// assert!(history[39].train_accuracy > 0.8);
/// ```
///
/// The history grows an epoch at a time, so `epochs` reserves nothing up
/// front.
///
/// # Errors
/// As [`Backprop::gradient`], and [`Error::Data`] for an empty training set
/// or a batch size of 0. A loss, derivative, parameter or output that stops
/// being finite ends training with [`Error::Diverged`], naming the epoch,
/// instead of a history of NaN: the model is left as the failing step made
/// it and should not be used.
///
/// ```
/// use tapegrad_nn::{Activation::*, Dataset, Error, FitOptions, Loss, Mlp, Rng, Sgd, fit};
///
/// let data = Dataset::moons(100, 0.1, 1);
/// let mut mlp = Mlp::new(&[2, 16, 1], &[Tanh, Identity], &mut Rng::new(1)).unwrap();
/// // Steps of f64::MAX throw the weights beyond the largest float.
/// let sgd = Sgd::new(f64::MAX).with_momentum(0.9);
/// let options = FitOptions { loss: Loss::Log, epochs: 10, sgd, ..FitOptions::default() };
/// let err = fit(&mut mlp, &data, None, &options, |_| {}).unwrap_err();
/// assert!(matches!(err, Error::Diverged { .. }), "{err}");
/// assert!(err.to_string().starts_with("training diverged in epoch "));
/// ```
pub fn fit<M: Model + Sync>(
    model: &mut M,
    train: &Dataset,
    test: Option<&Dataset>,
    options: &FitOptions,
    mut on_epoch: impl FnMut(&Epoch),
) -> Result<Vec<Epoch>> {
    if train.is_empty() {
        return Err(Error::Data("the training set is empty".into()));
    }
    if options.batch_size == 0 {
        return Err(Error::Data("the batch size must be at least 1".into()));
    }
    check_fit(model, options.loss, train)?;
    if let Some(test) = test {
        check_fit(model, options.loss, test)?;
    }
    let mut rng = Rng::new(options.seed);
    let mut sgd = options.sgd.clone();
    let mut backprop = Backprop::new().parallel(options.parallel);
    // Not `with_capacity(epochs)`: the count is the caller's, and may be far
    // more than memory holds; a few bytes an epoch only accrue as it runs.
    let mut history = Vec::new();
    for epoch in 1..=options.epochs {
        let diverged = |e: Error| match e {
            Error::NotFinite { what, value } => Error::Diverged { epoch, what, value },
            e => e,
        };
        let order = rng.permutation(train.len());
        let mut total = 0.0;
        for batch in order.chunks(options.batch_size) {
            let loss = backprop
                .gradient(model, options.loss, train, batch)
                .map_err(diverged)?;
            total += loss * batch.len() as f64;
            sgd.step(model, backprop.last_gradient());
            // A step can overflow even from a finite gradient (η·v).
            if let Some((i, value)) = non_finite_parameter(model) {
                return Err(Error::Diverged {
                    epoch,
                    what: format!("parameter {i} after an SGD step"),
                    value,
                });
            }
        }
        let loss = total / train.len() as f64;
        if !loss.is_finite() {
            return Err(Error::Diverged {
                epoch,
                what: "the epoch's mean loss".into(),
                value: loss,
            });
        }
        let report = Epoch {
            epoch,
            loss,
            train_accuracy: checked_accuracy(model, options.loss, train, "training")
                .map_err(diverged)?,
            test_accuracy: test
                .map(|t| checked_accuracy(model, options.loss, t, "held-out"))
                .transpose()
                .map_err(diverged)?,
        };
        on_epoch(&report);
        history.push(report);
    }
    Ok(history)
}
