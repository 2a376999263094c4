//! The model file: JSON, one object, every number in its shortest exact
//! form, so that a saved model predicts exactly as it did before saving.
//!
//! ```json
//! {
//!   "format": "tapegrad-nn/1",
//!   "loss": "softmax-cross-entropy",
//!   "classes": 3,
//!   "features": ["sepal_length", "sepal_width", "petal_length", "petal_width"],
//!   "label": "species",
//!   "standardizer": { "mean": [5.8, 3.0, 3.7, 1.2], "std": [0.8, 0.4, 1.7, 0.7] },
//!   "layers": [
//!     { "activation": "tanh", "weights": [[0.1, -0.3, 0.2, 0.5], …], "biases": [0.0, …] },
//!     { "activation": "identity", "weights": [[…], …], "biases": […] }
//!   ]
//! }
//! ```
//!
//! `layers[i].weights` has one row per neuron, one weight per input;
//! `standardizer` may be `null` (features used as they are). A bare
//! [`Mlp`] file holds `format` and `layers` only.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::data::read_text;
use crate::{Activation, Dataset, Error, Layer, Loss, Mlp, Model, Result, Standardizer};

/// The `format` field of every file this version writes and reads.
pub const FORMAT: &str = "tapegrad-nn/1";

#[derive(Serialize, Deserialize)]
struct LayerFile {
    activation: Activation,
    weights: Vec<Vec<f64>>,
    biases: Vec<f64>,
}

#[derive(Serialize, Deserialize)]
struct MlpFile {
    format: String,
    layers: Vec<LayerFile>,
}

#[derive(Serialize, Deserialize)]
struct ClassifierFile {
    format: String,
    loss: Loss,
    classes: usize,
    features: Vec<String>,
    label: String,
    standardizer: Option<Standardizer>,
    layers: Vec<LayerFile>,
}

fn layer_files(mlp: &Mlp) -> Vec<LayerFile> {
    mlp.layers
        .iter()
        .map(|l| LayerFile {
            activation: l.activation,
            weights: (0..l.outputs).map(|i| l.weights(i).to_vec()).collect(),
            biases: (0..l.outputs).map(|i| l.bias(i)).collect(),
        })
        .collect()
}

fn mlp_of(layers: &[LayerFile]) -> Result<Mlp> {
    let layers = layers
        .iter()
        .enumerate()
        .map(|(i, l)| {
            Layer::from_weights(&l.weights, &l.biases, l.activation)
                .map_err(|e| Error::Model(format!("layer {i}: {e}")))
        })
        .collect::<Result<Vec<_>>>()?;
    Mlp::from_layers(layers).map_err(|e| Error::Model(e.to_string()))
}

fn parse<'a, T: Deserialize<'a>>(text: &'a str) -> Result<T> {
    #[derive(Deserialize)]
    struct Header {
        format: Option<String>,
    }
    // A UTF-8 byte-order mark (an editor's, on saving) is not JSON.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let header: Header = serde_json::from_str(text)
        .map_err(|e| Error::Model(format!("not a tapegrad-nn model file (JSON): {e}")))?;
    match header.format.as_deref() {
        Some(FORMAT) => {}
        Some(other) => {
            return Err(Error::Model(format!(
                "the file's format is `{other}`, this version reads `{FORMAT}`"
            )));
        }
        None => {
            return Err(Error::Model(format!(
                "no `format` field: not a {FORMAT} file"
            )));
        }
    }
    serde_json::from_str(text)
        .map_err(|e| Error::Model(format!("not a tapegrad-nn model file: {e}")))
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn json<T: Serialize>(value: &T) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("a model serialises");
    text.push('\n');
    text
}

impl Mlp {
    /// The model as a JSON text (see the [module docs](crate::file)).
    ///
    /// ```
    /// use tapegrad_nn::{Activation::*, Mlp, Model, Rng};
    ///
    /// let mlp = Mlp::new(&[2, 3, 1], &[Tanh, Identity], &mut Rng::new(1)).unwrap();
    /// let back = Mlp::from_json(&mlp.to_json()).unwrap();
    /// assert_eq!(back, mlp); // every number exact
    /// ```
    pub fn to_json(&self) -> String {
        json(&MlpFile {
            format: FORMAT.into(),
            layers: layer_files(self),
        })
    }

    /// A model from its JSON text.
    ///
    /// # Errors
    /// [`Error::Model`] for a text that is not such a file, or layers whose
    /// sizes do not chain.
    pub fn from_json(text: &str) -> Result<Mlp> {
        mlp_of(&parse::<MlpFile>(text)?.layers)
    }

    /// Replaces the parameters with those of a JSON text, which must
    /// describe a model of the same shape.
    ///
    /// ```
    /// use tapegrad_nn::{Activation::*, Mlp, Rng};
    ///
    /// let mut small = Mlp::new(&[2, 3, 1], &[Tanh, Identity], &mut Rng::new(1)).unwrap();
    /// let big = Mlp::new(&[2, 4, 1], &[Tanh, Identity], &mut Rng::new(1)).unwrap();
    /// let err = small.load_parameters(&big.to_json()).unwrap_err();
    /// assert_eq!(err.to_string(), "the model file does not fit: layer 0 has 4 neurons in the file, 3 in the model");
    /// ```
    ///
    /// # Errors
    /// As [`Mlp::from_json`], and [`Error::Model`] naming the first
    /// difference in shape (layer count, sizes, activations).
    pub fn load_parameters(&mut self, text: &str) -> Result<()> {
        let other = Mlp::from_json(text)?;
        let differ =
            |what: String| Err(Error::Model(format!("the model file does not fit: {what}")));
        if other.layers.len() != self.layers.len() {
            return differ(format!(
                "{} layers in the file, {} in the model",
                other.layers.len(),
                self.layers.len()
            ));
        }
        for (i, (theirs, ours)) in other.layers.iter().zip(&self.layers).enumerate() {
            if theirs.outputs != ours.outputs {
                return differ(format!(
                    "layer {i} has {} neurons in the file, {} in the model",
                    theirs.outputs, ours.outputs
                ));
            }
            if theirs.inputs != ours.inputs {
                return differ(format!(
                    "layer {i} has {} inputs in the file, {} in the model",
                    theirs.inputs, ours.inputs
                ));
            }
            if theirs.activation != ours.activation {
                return differ(format!(
                    "layer {i} uses {} in the file, {} in the model",
                    theirs.activation, ours.activation
                ));
            }
        }
        *self = other;
        Ok(())
    }
}

/// A trained classifier as the command saves it: the MLP, its loss, the
/// feature columns it reads and the standardisation from its training set.
#[derive(Clone, Debug, PartialEq)]
pub struct Classifier {
    /// The network: features in, one output per class (or one for two
    /// classes with a one-output loss).
    pub mlp: Mlp,
    /// The loss it was trained with, which decides how outputs predict.
    pub loss: Loss,
    /// How many classes.
    pub classes: usize,
    /// The feature columns, in the order the network reads them.
    pub features: Vec<String>,
    /// The label column's name.
    pub label: String,
    /// The training set's statistics, applied to every sample first.
    pub standardizer: Option<Standardizer>,
}

impl Classifier {
    /// A classifier of `mlp` for the columns and classes of `data`.
    ///
    /// # Errors
    /// [`Error::Shape`] if `mlp` does not fit `data` and `loss`, or the
    /// standardiser has another width or a mean or deviation that is not
    /// finite; [`Error::NotFinite`] for a parameter
    /// that is NaN or infinite (a model file cannot hold one, and it
    /// predicts nothing).
    pub fn new(
        mlp: Mlp,
        loss: Loss,
        data: &Dataset,
        standardizer: Option<Standardizer>,
    ) -> Result<Classifier> {
        crate::train::check_fit(&mlp, loss, data)?;
        if let Some((i, value)) = crate::train::non_finite_parameter(&mlp) {
            return Err(Error::NotFinite {
                what: format!("parameter {i}"),
                value,
            });
        }
        if let Some(s) = &standardizer {
            if !s.is_finite() {
                return Err(Error::Shape(
                    "a standardiser with a mean or deviation that is not finite".into(),
                ));
            }
            if s.mean().len() != data.width() {
                return Err(Error::Shape(format!(
                    "a standardiser of {} features for {} columns",
                    s.mean().len(),
                    data.width()
                )));
            }
        }
        Ok(Classifier {
            mlp,
            loss,
            classes: data.classes(),
            features: data.feature_names().to_vec(),
            label: data.label_name().to_string(),
            standardizer,
        })
    }

    /// The predicted class and each class's probability (as
    /// [`Loss::probabilities`]) for one sample of raw features.
    ///
    /// ```
    /// use tapegrad_nn::{Activation::*, Classifier, Dataset, Error, Loss, Mlp, Model, Rng};
    ///
    /// let data = Dataset::from_csv("x,c\n-1,0\n1,1\n", None).unwrap();
    /// let mut mlp = Mlp::new(&[1, 2], &[Identity], &mut Rng::new(1)).unwrap();
    /// mlp.set_parameters(&[-2.0, 0.0, 2.0, 0.0]).unwrap(); // logits (-2x, 2x)
    /// let model = Classifier::new(mlp, Loss::SoftmaxCrossEntropy, &data, None).unwrap();
    /// assert_eq!(model.predict(&[1.5]).unwrap().0, 1);
    /// // A finite row whose logits overflow (2x = ∞) has no class.
    /// let err = model.predict(&[f64::MAX]).unwrap_err();
    /// assert!(matches!(err, Error::NotFinite { .. }), "{err}");
    /// ```
    ///
    /// # Errors
    /// [`Error::NotFinite`] if an output of the network is NaN or infinite
    /// (features far larger than the training set's), rather than class 0
    /// with NaN probabilities.
    ///
    /// # Panics
    /// If `x` does not have one number per feature.
    pub fn predict(&self, x: &[f64]) -> Result<(usize, Vec<f64>)> {
        let mut x = x.to_vec();
        if let Some(s) = &self.standardizer {
            s.apply(&mut x);
        }
        let outputs = self.mlp.predict(&x);
        if let Some(j) = outputs.iter().position(|y| !y.is_finite()) {
            return Err(Error::NotFinite {
                what: format!("the model's output {j}"),
                value: outputs[j],
            });
        }
        Ok((
            self.loss.predict(&outputs),
            self.loss.probabilities(&outputs),
        ))
    }

    /// The classifier as a JSON text (see the [module docs](crate::file)).
    pub fn to_json(&self) -> String {
        json(&ClassifierFile {
            format: FORMAT.into(),
            loss: self.loss,
            classes: self.classes,
            features: self.features.clone(),
            label: self.label.clone(),
            standardizer: self.standardizer.clone(),
            layers: layer_files(&self.mlp),
        })
    }

    /// A classifier from its JSON text.
    ///
    /// # Errors
    /// [`Error::Model`] for a text that is not such a file, or parts that
    /// do not fit each other (features, standardiser, layers, classes), or
    /// two features of one name (both would read the same column). A UTF-8
    /// byte-order mark before the JSON is skipped.
    pub fn from_json(text: &str) -> Result<Classifier> {
        let file: ClassifierFile = parse(text)?;
        let mlp = mlp_of(&file.layers)?;
        let bad = |what: String| {
            Err(Error::Model(format!(
                "the model file is inconsistent: {what}"
            )))
        };
        if mlp.inputs() != file.features.len() {
            return bad(format!(
                "{} features, but the first layer has {} inputs",
                file.features.len(),
                mlp.inputs()
            ));
        }
        // Features are read from a CSV by name: two inputs of one name would
        // both read its first column.
        let mut seen = std::collections::HashMap::with_capacity(file.features.len());
        for (i, name) in file.features.iter().enumerate() {
            if let Some(first) = seen.insert(name.as_str(), i) {
                return bad(format!(
                    "features {} and {} are both named `{name}`",
                    first + 1,
                    i + 1
                ));
            }
        }
        match file.loss.outputs(file.classes) {
            Ok(n) if n == mlp.outputs() => {}
            Ok(n) => {
                return bad(format!(
                    "{} classes need {n} outputs, the last layer has {}",
                    file.classes,
                    mlp.outputs()
                ));
            }
            Err(e) => return bad(e.to_string()),
        }
        if let Some(s) = &file.standardizer {
            Standardizer::from_parts(s.mean().to_vec(), s.std().to_vec())
                .map_err(|e| Error::Model(format!("the model file's standardizer: {e}")))?;
            if s.mean().len() != file.features.len() {
                return bad(format!(
                    "a standardizer of {} features for {} features",
                    s.mean().len(),
                    file.features.len()
                ));
            }
        }
        Ok(Classifier {
            mlp,
            loss: file.loss,
            classes: file.classes,
            features: file.features,
            label: file.label,
            standardizer: file.standardizer,
        })
    }

    /// Writes [`Classifier::to_json`] to `path`.
    ///
    /// # Errors
    /// [`Error::Io`] if the file cannot be written.
    pub fn save(&self, path: &Path) -> Result<()> {
        write(path, &self.to_json())
    }

    /// Reads a classifier saved by [`Classifier::save`].
    ///
    /// # Errors
    /// [`Error::Io`] if the file cannot be read, else as
    /// [`Classifier::from_json`].
    pub fn load(path: &Path) -> Result<Classifier> {
        Classifier::from_json(&read_text(path)?)
    }
}
