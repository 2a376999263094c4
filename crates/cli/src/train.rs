//! `tapegrad train`: an MLP classifier trained on a CSV file with
//! softmax cross-entropy, by tapegrad-nn.
//!
//! The rows are split into a training and a held-out set (stratified, from
//! `--seed`), the features standardised with the training set's statistics
//! (saved with the model), and the MLP trained by SGD with momentum on
//! shuffled mini-batches. Same seed, same output, byte for byte.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::Args;
use serde_json::json;
use tapegrad_nn::{
    Activation, Classifier, Dataset, Epoch, FitOptions, Loss, Mlp, Model, Rng, Sgd, Standardizer,
    fit,
};

use crate::error::{Error, Result};

/// `tapegrad train`.
#[derive(Debug, Clone, Args)]
pub struct TrainArgs {
    /// The data: a header row, numeric feature columns and an integer class
    /// label (0, 1, 2, …) in the last column (or the one named by --label).
    #[arg(value_name = "FILE.csv")]
    pub file: PathBuf,
    /// The name of the label column [default: the last column].
    #[arg(long, value_name = "NAME")]
    pub label: Option<String>,
    /// The hidden layers' sizes, separated by commas.
    #[arg(
        long,
        value_name = "N[,N…]",
        value_delimiter = ',',
        default_value = "16"
    )]
    pub hidden: Vec<usize>,
    /// The hidden layers' activation: tanh, relu, sigmoid or identity.
    #[arg(long, value_name = "NAME", default_value = "tanh", value_parser = parse_activation)]
    pub activation: Activation,
    /// Passes over the training set.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub epochs: usize,
    /// The learning rate of SGD.
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "F",
        default_value_t = 0.05
    )]
    pub lr: f64,
    /// The momentum of SGD (0 for none).
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "F",
        default_value_t = 0.9
    )]
    pub momentum: f64,
    /// Samples per mini-batch.
    #[arg(long, value_name = "N", default_value_t = 16)]
    pub batch: usize,
    /// The seed of the split, the initial weights and the shuffles.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub seed: u64,
    /// The fraction of each class held out for testing.
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "F",
        default_value_t = 0.2
    )]
    pub test_fraction: f64,
    /// Use the features as they are, not standardised.
    #[arg(long)]
    pub no_standardize: bool,
    /// Differentiate mini-batches on several threads (the same results).
    #[arg(long)]
    pub parallel: bool,
    /// Save the trained model to FILE (JSON), for `tapegrad predict`.
    #[arg(long, value_name = "MODEL.json")]
    pub save: Option<PathBuf>,
    /// Print one JSON object: accuracies, final loss, epochs, classes and
    /// the per-epoch history.
    #[arg(long)]
    pub json: bool,
    /// Draw the loss per epoch to FILE as an SVG picture (the name must end
    /// in .svg).
    #[arg(long, value_name = "LOSS.svg")]
    pub plot: Option<PathBuf>,
}

fn parse_activation(s: &str) -> std::result::Result<Activation, String> {
    s.parse()
}

/// The most epochs `train` runs: the history of every epoch is kept for
/// the table, `--json` and `--plot` (about 100 bytes of JSON an epoch, so
/// 100 MB at this bound), and each epoch passes over the whole training
/// set, so more would be hours of work on the smallest file.
pub const MAX_EPOCHS: usize = 1_000_000;

fn check(args: &TrainArgs) -> Result<()> {
    let bad = |m: String| Err(Error::msg(m));
    if args.epochs == 0 {
        return bad("--epochs must be at least 1".into());
    }
    if args.epochs > MAX_EPOCHS {
        return bad(format!(
            "--epochs must be at most {MAX_EPOCHS}, not {}",
            args.epochs
        ));
    }
    if args.batch == 0 {
        return bad("--batch must be at least 1".into());
    }
    if !(args.lr.is_finite() && args.lr > 0.0) {
        return bad(format!("--lr must be a positive number, not {}", args.lr));
    }
    if !(args.momentum.is_finite() && (0.0..1.0).contains(&args.momentum)) {
        return bad(format!(
            "--momentum must be at least 0 and below 1, not {}",
            args.momentum
        ));
    }
    if !(0.0..1.0).contains(&args.test_fraction) {
        return bad(format!(
            "--test-fraction must be at least 0 and below 1, not {}",
            args.test_fraction
        ));
    }
    if let Some(i) = args.hidden.iter().position(|&n| n == 0) {
        return bad(format!(
            "--hidden: layer {} has 0 neurons; each needs at least 1",
            i + 1
        ));
    }
    if let Some(path) = &args.plot {
        crate::svg_path(path, "--plot")?;
    }
    Ok(())
}

pub(crate) fn run(args: &TrainArgs, out: &mut dyn Write) -> Result<()> {
    check(args)?;
    let shown = args.file.display().to_string();
    let in_file = |e: tapegrad_nn::Error| Error::msg(format_args!("{shown}: {e}"));
    let data = Dataset::read(&args.file, args.label.as_deref()).map_err(|e| match e {
        tapegrad_nn::Error::Io { source, .. } => {
            Error::msg(format_args!("cannot read `{shown}`: {source}"))
        }
        e => in_file(e),
    })?;
    let (mut train, mut test) = data.split(args.test_fraction, args.seed).map_err(in_file)?;
    if train.is_empty() {
        return Err(Error::msg(format_args!(
            "{shown}: no rows left to train on"
        )));
    }
    let scaler = (!args.no_standardize).then(|| Standardizer::fit(&train));
    if let Some(s) = &scaler {
        // Finite unless a column's values span more than f64::MAX.
        let columns = s.mean().iter().zip(s.std()).zip(data.feature_names());
        if let Some((_, name)) = columns
            .into_iter()
            .find(|((m, d), _)| !(m.is_finite() && d.is_finite()))
        {
            return Err(Error::msg(format_args!(
                "{shown}: column `{name}`: the values span more than the largest float, \
                 so they cannot be standardised; rescale them"
            )));
        }
        train.standardise(s);
        test.standardise(s);
    }
    let loss = Loss::SoftmaxCrossEntropy;
    let mut sizes = vec![data.width()];
    sizes.extend(&args.hidden);
    sizes.push(data.classes());
    let mut activations = vec![args.activation; args.hidden.len()];
    activations.push(Activation::Identity);
    // The size is checked (and its count overflow-checked) before any
    // weight is allocated.
    let mut mlp = Mlp::new(&sizes, &activations, &mut Rng::new(args.seed)).map_err(|e| {
        let hidden: Vec<String> = args.hidden.iter().map(usize::to_string).collect();
        Error::msg(format_args!(
            "{shown} with --hidden {}: {e}",
            hidden.join(",")
        ))
    })?;
    let options = FitOptions {
        loss,
        epochs: args.epochs,
        batch_size: args.batch,
        sgd: Sgd::new(args.lr).with_momentum(args.momentum),
        seed: args.seed,
        parallel: args.parallel,
    };
    let held_out = (!test.is_empty()).then_some(&test);
    // A bar with the current loss on a terminal; a table where the output
    // is kept (a pipe or a file), or one JSON object with --json.
    let bar = (!args.json && std::io::stdout().is_terminal()).then(|| progress(args.epochs));
    let history = fit(&mut mlp, &train, held_out, &options, |e| {
        if let Some(bar) = &bar {
            bar.set_message(format!("loss {:.6}", e.loss));
            bar.inc(1);
        }
    })
    .map_err(|e| match e {
        // Nothing is saved or plotted: the model is not a result.
        tapegrad_nn::Error::Diverged { epoch, what, value } => Error::msg(format_args!(
            "{shown}: training diverged in epoch {epoch}: {what} is {value}; try a smaller --lr (now {}){}",
            shortest(args.lr),
            if args.no_standardize {
                ", or standardised features (without --no-standardize)"
            } else {
                ""
            }
        )),
        e => in_file(e),
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let history = history?;
    let last = history.last().expect("at least one epoch").clone();
    if let Some(path) = &args.plot {
        plot(path, &shown, &history)?;
    }
    let model = Classifier::new(mlp, loss, &train, scaler).map_err(in_file)?;
    if let Some(path) = &args.save {
        model.save(path).map_err(Error::msg)?;
    }
    if args.json {
        let object = json!({
            "train_accuracy": last.train_accuracy,
            "test_accuracy": last.test_accuracy,
            "loss": last.loss,
            "epochs": args.epochs,
            "classes": data.classes(),
            "features": data.feature_names(),
            "layers": model.mlp.sizes(),
            "parameters": model.mlp.parameter_count(),
            "train_size": train.len(),
            "test_size": test.len(),
            "history": history.iter().map(|e| json!({
                "epoch": e.epoch,
                "loss": e.loss,
                "train_accuracy": e.train_accuracy,
                "test_accuracy": e.test_accuracy,
            })).collect::<Vec<_>>(),
        });
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&object).expect("JSON of numbers")
        )?;
        return Ok(());
    }
    let sizes: Vec<String> = model.mlp.sizes().iter().map(usize::to_string).collect();
    writeln!(
        out,
        "{shown}: {} rows, {} features, {} classes; {} to train on, {} held out",
        data.len(),
        data.width(),
        data.classes(),
        train.len(),
        test.len()
    )?;
    writeln!(
        out,
        "MLP {} ({} hidden), {} parameters, softmax cross-entropy, SGD η = {} momentum {}, batches of {}",
        sizes.join("-"),
        args.activation,
        model.mlp.parameter_count(),
        shortest(args.lr),
        args.momentum,
        args.batch
    )?;
    if !std::io::stdout().is_terminal() {
        writeln!(
            out,
            "{:>6} {:>10} {:>7} {:>8}",
            "epoch", "loss", "train", "held-out"
        )?;
        for e in &history {
            writeln!(
                out,
                "{:>6} {:>10.6} {:>7} {:>8}",
                e.epoch,
                e.loss,
                percent(e.train_accuracy),
                e.test_accuracy.map_or("-".into(), percent)
            )?;
        }
    }
    writeln!(
        out,
        "train accuracy {}, held-out accuracy {}, loss {:.6}",
        percent(last.train_accuracy),
        last.test_accuracy
            .map_or("- (nothing held out)".into(), percent),
        last.loss
    )?;
    if let Some(path) = &args.save {
        writeln!(out, "model saved to {}", path.display())?;
    }
    Ok(())
}

/// `x` in the shorter of its decimal and its exponent forms: `0.05`, and
/// `1e307` rather than 308 digits.
fn shortest(x: f64) -> String {
    let (plain, exponent) = (x.to_string(), format!("{x:e}"));
    if exponent.len() < plain.len() {
        exponent
    } else {
        plain
    }
}

fn percent(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

fn progress(epochs: usize) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(epochs as u64);
    let style = indicatif::ProgressStyle::with_template("epoch {pos}/{len} {bar:30} {msg}")
        .expect("a valid template");
    bar.set_style(style);
    bar
}

fn plot(path: &std::path::Path, shown: &str, history: &[Epoch]) -> Result<()> {
    let points: Vec<(f64, f64)> = history.iter().map(|e| (e.epoch as f64, e.loss)).collect();
    let caption = format!("{shown}: softmax cross-entropy per epoch");
    tapegrad_examples::plot::svg(path, (720, 540), |area| {
        tapegrad_examples::plot::draw_loss_curve(area, &caption, &points)
    })
    .map_err(Error::msg)
}
