//! `tapegrad predict`: a model saved by `tapegrad train` applied to the rows
//! of a CSV file, one predicted class per row.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use serde_json::json;
use tapegrad_nn::Classifier;

use crate::error::{Error, Result};

/// `tapegrad predict`.
#[derive(Debug, Clone, Args)]
pub struct PredictArgs {
    /// A model saved by `tapegrad train --save`.
    #[arg(value_name = "MODEL.json")]
    pub model: PathBuf,
    /// The rows to classify: a header row naming the model's feature
    /// columns (other columns, such as a label, are ignored).
    #[arg(value_name = "FILE.csv")]
    pub file: PathBuf,
    /// Print one JSON object with each row's class and class probabilities.
    #[arg(long)]
    pub json: bool,
}

pub(crate) fn run(args: &PredictArgs, out: &mut dyn Write) -> Result<()> {
    let model_path = args.model.display().to_string();
    let model = Classifier::load(&args.model).map_err(|e| match e {
        tapegrad_nn::Error::Io { source, .. } => {
            Error::msg(format_args!("cannot read `{model_path}`: {source}"))
        }
        e => Error::msg(format_args!("{model_path}: {e}")),
    })?;
    let shown = args.file.display().to_string();
    let text = std::fs::read_to_string(&args.file)
        .map_err(|e| Error::msg(format_args!("cannot read `{shown}`: {e}")))?;
    let rows = tapegrad_nn::data::read_feature_lines(&text, &model.features)
        .map_err(|e| Error::msg(format_args!("{shown}: {e}")))?;
    // Every row is classified before anything is printed, so a row the
    // model cannot classify (its outputs overflow) leaves no partial output.
    let predictions = rows
        .iter()
        .map(|(line, row)| {
            model.predict(row).map_err(|e| {
                Error::msg(format_args!(
                    "{shown}: line {line}: {e}, so the row has no class \
                     (its features are far outside the training data's)"
                ))
            })
        })
        .collect::<Result<Vec<(usize, Vec<f64>)>>>()?;
    if args.json {
        let object = json!({
            "classes": model.classes,
            "predictions": predictions.iter().map(|(c, p)| json!({
                "class": c,
                "probabilities": p,
            })).collect::<Vec<_>>(),
        });
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&object).expect("JSON of numbers")
        )?;
    } else {
        for (c, _) in &predictions {
            writeln!(out, "{c}")?;
        }
    }
    Ok(())
}
