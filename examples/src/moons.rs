//! micrograd's demo: two moons of 100 points, a 2-16-16-1 MLP with relu,
//! the hinge loss (labels ±1) on the whole set, until every point is on its
//! side of the decision boundary.

use tapegrad_nn::{
    Activation::{Identity, Relu},
    Dataset, FitOptions, Loss, Mlp, Model, Result as NnResult, Rng, Sgd, fit,
};

use crate::iris::{Run, percent, table};
use crate::{Output, Result, pictures};

/// The seed of the points, the weights and the shuffles.
pub const SEED: u64 = 2;

/// The two moons: 100 points, noise 0.1 (micrograd's `make_moons(100, 0.1)`).
pub fn data() -> Dataset {
    Dataset::moons(100, 0.1, SEED)
}

/// Trains the 2-16-16-1 MLP for 150 full-batch steps of SGD at η = 0.1
/// with momentum 0.9.
///
/// ```
/// let run = tapegrad_examples::moons::train().unwrap();
/// assert_eq!(run.last().train_accuracy, 1.0);
/// ```
///
/// # Errors
/// None in practice: the data is generated.
pub fn train() -> NnResult<Run<Mlp>> {
    let data = data();
    let mut model = Mlp::new(
        &[2, 16, 16, 1],
        &[Relu, Relu, Identity],
        &mut Rng::new(SEED),
    )?;
    let options = FitOptions {
        loss: Loss::Hinge,
        epochs: 150,
        batch_size: data.len(),
        sgd: Sgd::new(0.1).with_momentum(0.9),
        seed: SEED,
        parallel: false,
    };
    let history = fit(&mut model, &data, None, &options, |_| {})?;
    Ok(Run {
        history,
        model,
        sizes: (data.len(), 0),
    })
}

/// Prints the run and draws the decision boundary with the points.
pub(crate) fn run(out: &mut Output<'_>) -> Result<()> {
    let run = train().map_err(|e| crate::Error::Nn(e.to_string()))?;
    writeln!(
        out,
        "100 points, MLP 2-16-16-1 (relu, {} parameters), hinge loss max(0, 1 - y·s), y = ±1",
        run.model.parameter_count()
    )?;
    table(out, &run.history, 25)?;
    let first = run.history.iter().find(|e| e.train_accuracy == 1.0);
    if let Some(e) = first {
        writeln!(out, "every point right from epoch {} on", e.epoch)?;
    }
    writeln!(
        out,
        "training accuracy {}",
        percent(run.last().train_accuracy)
    )?;
    pictures::moons(out, &run.model, &data())?;
    pictures::loss_curve(
        out,
        "moons-loss.svg",
        "Two moons, MLP 2-16-16-1: hinge loss per step",
        &run.history,
    )
}
