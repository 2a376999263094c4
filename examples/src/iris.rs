//! Training on Fisher's Iris data with tapegrad-nn: one neuron with the log
//! loss separating setosa from the rest, and an MLP with softmax
//! cross-entropy on all three species. Features are standardised with the
//! training split's statistics; 30% of each species is held out.

use tapegrad_nn::{
    Activation, Dataset, Epoch, FitOptions, Loss, Mlp, Model, Neuron, Result as NnResult, Rng, Sgd,
    Standardizer, fit,
};

use crate::{Output, Result, pictures};

/// The seed of the split, the weights and the shuffles.
pub const SEED: u64 = 1;
/// The fraction of each species held out.
pub const TEST_FRACTION: f64 = 0.3;

/// A training run: its history and the trained model.
#[derive(Clone, Debug)]
pub struct Run<M> {
    /// Each epoch's loss and accuracies.
    pub history: Vec<Epoch>,
    /// The trained model.
    pub model: M,
    /// How many samples were trained on and held out.
    pub sizes: (usize, usize),
}

impl<M> Run<M> {
    /// The last epoch's report.
    pub fn last(&self) -> &Epoch {
        self.history.last().expect("at least one epoch")
    }
}

/// `data` split and standardised by the training part's statistics.
fn prepared(data: &Dataset) -> NnResult<(Dataset, Dataset)> {
    let (mut train, mut test) = data.split(TEST_FRACTION, SEED)?;
    let scaler = Standardizer::fit(&train);
    train.standardise(&scaler);
    test.standardise(&scaler);
    Ok((train, test))
}

/// One neuron `Z = W·X + b` on the four measurements, the log loss on its
/// logit `Z` (so `A = σ(Z)` is the probability of setosa), 20 epochs of
/// batches of 16 at η = 0.1.
///
/// ```
/// let run = tapegrad_examples::iris::neuron().unwrap();
/// assert_eq!(run.last().test_accuracy, Some(1.0)); // setosa is linearly separable
/// ```
///
/// # Errors
/// None in practice: the data is the shipped Iris set.
pub fn neuron() -> NnResult<Run<Neuron>> {
    let (train, test) = prepared(&Dataset::iris().one_vs_rest(0))?;
    let mut model = Neuron::new(4, Activation::Identity, &mut Rng::new(SEED))?;
    let options = FitOptions {
        loss: Loss::Log,
        epochs: 20,
        batch_size: 16,
        sgd: Sgd::new(0.1),
        seed: SEED,
        parallel: false,
    };
    let history = fit(&mut model, &train, Some(&test), &options, |_| {})?;
    Ok(Run {
        history,
        model,
        sizes: (train.len(), test.len()),
    })
}

/// A 4-16-3 MLP (tanh, then one logit per species), softmax cross-entropy,
/// 100 epochs of batches of 16, SGD at η = 0.05 with momentum 0.9.
///
/// # Errors
/// None in practice: the data is the shipped Iris set.
pub fn mlp() -> NnResult<Run<Mlp>> {
    let (train, test) = prepared(&Dataset::iris())?;
    let mut rng = Rng::new(SEED);
    let mut model = Mlp::new(
        &[4, 16, 3],
        &[Activation::Tanh, Activation::Identity],
        &mut rng,
    )?;
    let options = FitOptions {
        loss: Loss::SoftmaxCrossEntropy,
        epochs: 100,
        batch_size: 16,
        sgd: Sgd::new(0.05).with_momentum(0.9),
        seed: SEED,
        parallel: false,
    };
    let history = fit(&mut model, &train, Some(&test), &options, |_| {})?;
    Ok(Run {
        history,
        model,
        sizes: (train.len(), test.len()),
    })
}

/// Prints every `every`-th epoch of `history`, and the last.
pub(crate) fn table(out: &mut Output<'_>, history: &[Epoch], every: usize) -> Result<()> {
    writeln!(
        out,
        "  {:>5} {:>10} {:>7} {:>8}",
        "epoch", "loss", "train", "held-out"
    )?;
    for e in history {
        if e.epoch % every == 0 || e.epoch == 1 || e.epoch == history.len() {
            let test = e.test_accuracy.map_or("-".to_string(), percent);
            writeln!(
                out,
                "  {:>5} {:>10.6} {:>7} {:>8}",
                e.epoch,
                e.loss,
                percent(e.train_accuracy),
                test
            )?;
        }
    }
    Ok(())
}

/// An accuracy as a percentage with one decimal.
pub(crate) fn percent(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

fn nn(e: tapegrad_nn::Error) -> crate::Error {
    crate::Error::Nn(e.to_string())
}

/// Prints the neuron's run.
pub(crate) fn run_neuron(out: &mut Output<'_>) -> Result<()> {
    let run = neuron().map_err(nn)?;
    writeln!(
        out,
        "setosa (1) against versicolor and virginica (0): {} flowers to train on, {} held out",
        run.sizes.0, run.sizes.1
    )?;
    writeln!(
        out,
        "Z = W·X + b on standardised measurements, log loss of A = σ(Z)"
    )?;
    table(out, &run.history, 5)?;
    let w: Vec<String> = run
        .model
        .weights()
        .iter()
        .map(|w| format!("{w:.3}"))
        .collect();
    writeln!(out, "W = ({}), b = {:.3}", w.join(", "), run.model.bias())?;
    let last = run.last();
    writeln!(
        out,
        "held-out accuracy {}",
        percent(last.test_accuracy.unwrap_or(0.0))
    )?;
    pictures::loss_curve(
        out,
        "iris-neuron-loss.svg",
        "One neuron, setosa against the rest: log loss per epoch",
        &run.history,
    )
}

/// Prints the MLP's run.
pub(crate) fn run_mlp(out: &mut Output<'_>) -> Result<()> {
    let run = mlp().map_err(nn)?;
    writeln!(
        out,
        "three species: {} flowers to train on, {} held out; MLP 4-16-3 (tanh, {} parameters)",
        run.sizes.0,
        run.sizes.1,
        run.model.parameter_count()
    )?;
    table(out, &run.history, 20)?;
    let last = run.last();
    writeln!(
        out,
        "train accuracy {}, held-out accuracy {}",
        percent(last.train_accuracy),
        percent(last.test_accuracy.unwrap_or(0.0))
    )?;
    pictures::loss_curve(
        out,
        "iris-mlp-loss.svg",
        "MLP 4-16-3 on Iris: softmax cross-entropy per epoch",
        &run.history,
    )
}
