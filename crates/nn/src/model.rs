//! Neurons, layers and multi-layer perceptrons: parameters held as plain
//! `f64` between steps, recorded on a tape for each step.

use tapegrad::{Gradients, Tape, Var, Vars};

use crate::{Activation, Error, Result, Rng};

/// What training needs of a model: its parameters in a fixed order, and a
/// forward pass recorded on a tape or computed on plain numbers.
///
/// Parameters are listed neuron by neuron, each neuron's weights then its
/// bias, layer after layer; [`Model::parameters`], gradients and optimisers
/// all use that order.
pub trait Model {
    /// How many features a sample has.
    fn inputs(&self) -> usize;
    /// How many numbers the forward pass returns.
    fn outputs(&self) -> usize;
    /// The layers, first to last.
    fn layers(&self) -> &[Layer];
    /// The layers, to update their parameters.
    fn layers_mut(&mut self) -> &mut [Layer];

    /// How many parameters the model has.
    fn parameter_count(&self) -> usize {
        self.layers().iter().map(|l| l.params.len()).sum()
    }

    /// Every parameter, in the model's order.
    fn parameters(&self) -> Vec<f64> {
        self.layers()
            .iter()
            .flat_map(|l| l.params.iter().copied())
            .collect()
    }

    /// Replaces every parameter, in the model's order.
    ///
    /// ```
    /// use tapegrad_nn::{Activation, Model, Neuron};
    ///
    /// let mut n = Neuron::from_weights(&[1.0, 2.0], 3.0, Activation::Identity).unwrap();
    /// n.set_parameters(&[4.0, 5.0, 6.0]).unwrap();
    /// assert_eq!((n.weights(), n.bias()), (&[4.0, 5.0][..], 6.0));
    /// assert!(n.set_parameters(&[1.0]).is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::Shape`] if `values` does not have one number per parameter.
    fn set_parameters(&mut self, values: &[f64]) -> Result<()> {
        if values.len() != self.parameter_count() {
            return Err(Error::Shape(format!(
                "{} values for {} parameters",
                values.len(),
                self.parameter_count()
            )));
        }
        let mut at = 0;
        for layer in self.layers_mut() {
            let n = layer.params.len();
            layer.params.copy_from_slice(&values[at..at + n]);
            at += n;
        }
        Ok(())
    }

    /// Records every parameter on `tape` as leaves, one block per neuron
    /// (its weights then its bias), for one step's forward passes.
    fn record(&self, tape: &Tape) -> Recorded {
        let mut blocks = Vec::new();
        let mut leaves = Vec::with_capacity(self.parameter_count());
        for layer in self.layers() {
            for row in layer.params.chunks(layer.inputs + 1) {
                let block = tape.vars(row);
                leaves.extend(block.iter());
                blocks.push(block);
            }
        }
        Recorded {
            blocks,
            leaves,
            scratch: Vec::new(),
        }
    }

    /// The forward pass of one sample `x` on the recorded parameters: the
    /// first layer's weighted sums are one `dot` node per neuron, later
    /// layers' one `sum` node per neuron.
    ///
    /// # Panics
    /// If `x` does not have [`Model::inputs`] features.
    fn forward(&self, recorded: &mut Recorded, x: &[f64]) -> Vec<Var> {
        assert_eq!(
            x.len(),
            self.inputs(),
            "tapegrad-nn: a sample of {} features for a model of {} inputs",
            x.len(),
            self.inputs()
        );
        let Recorded {
            blocks,
            leaves,
            scratch,
        } = recorded;
        let mut layers = self.layers().iter();
        let Some(first) = layers.next() else {
            return Vec::new();
        };
        // The first layer's inputs are data: W·x + b is a dot product of
        // the neuron's block with (x, 1).
        scratch.clear();
        scratch.extend_from_slice(x);
        scratch.push(1.0);
        let mut a: Vec<Var> = blocks[..first.outputs]
            .iter()
            .map(|block| first.activation.record(block.dot(scratch)))
            .collect();
        let mut start = first.params.len();
        for layer in layers {
            let row = layer.inputs + 1;
            let params = &leaves[start..start + layer.params.len()];
            a = params
                .chunks(row)
                .map(|p| {
                    let (w, b) = p.split_at(layer.inputs);
                    let z: Var = w.iter().zip(&a).map(|(&w, &a)| w * a).chain([b[0]]).sum();
                    layer.activation.record(z)
                })
                .collect();
            start += layer.params.len();
        }
        a
    }

    /// The forward pass on plain numbers: what [`Model::forward`] computes,
    /// without a tape.
    ///
    /// # Panics
    /// If `x` does not have [`Model::inputs`] features.
    fn predict(&self, x: &[f64]) -> Vec<f64> {
        assert_eq!(
            x.len(),
            self.inputs(),
            "tapegrad-nn: a sample of {} features for a model of {} inputs",
            x.len(),
            self.inputs()
        );
        let mut a = x.to_vec();
        for layer in self.layers() {
            a = layer.apply(&a);
        }
        a
    }
}

/// A model's parameters recorded on a tape for one step.
pub struct Recorded {
    /// One block per neuron, in the model's order.
    blocks: Vec<Vars>,
    /// The same leaves one by one.
    leaves: Vec<Var>,
    /// The first layer's coefficients `(x, 1)`, reused from sample to sample.
    scratch: Vec<f64>,
}

impl Recorded {
    /// Writes the gradient with respect to every parameter into `out`, in
    /// the model's order.
    ///
    /// # Panics
    /// If `out` does not have one number per parameter.
    pub fn gradient(&self, g: &Gradients, out: &mut [f64]) {
        assert_eq!(out.len(), self.leaves.len(), "tapegrad-nn: gradient length");
        let mut at = 0;
        for &block in &self.blocks {
            let n = block.len();
            out[at..at + n].copy_from_slice(&g.wrt_vars(block));
            at += n;
        }
    }

    /// The recorded parameters, in the model's order.
    pub fn leaves(&self) -> &[Var] {
        &self.leaves
    }
}

/// One fully connected layer: `outputs` neurons, each `A = act(W·X + b)`
/// over the same `inputs`.
///
/// ```
/// use tapegrad_nn::{Activation, Layer, Model};
///
/// let layer = Layer::from_weights(&[vec![1.0, 2.0], vec![0.5, -1.0]], &[0.0, 1.0], Activation::Relu).unwrap();
/// assert_eq!(layer.apply(&[1.0, 1.0]), vec![3.0, 0.5]); // relu(1 + 2), relu(0.5 - 1 + 1)
/// assert_eq!(layer.parameter_count(), 6);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Layer {
    pub(crate) inputs: usize,
    pub(crate) outputs: usize,
    pub(crate) activation: Activation,
    /// Row `i` holds neuron `i`'s weights then its bias.
    pub(crate) params: Vec<f64>,
}

impl Layer {
    /// A layer with random weights and zero biases: uniform in `±√(6 /
    /// (inputs + outputs))` (Glorot), or `±√(6 / inputs)` before a relu
    /// (He), so that activations neither vanish nor blow up at the start.
    ///
    /// # Errors
    /// [`Error::Shape`] if either size is 0, or the layer would have more
    /// than [`Mlp::MAX_PARAMETERS`] parameters (checked before anything is
    /// allocated).
    ///
    /// ```
    /// use tapegrad_nn::{Activation, Layer, Rng};
    ///
    /// let err = Layer::new(4, 1 << 62, Activation::Tanh, &mut Rng::new(1)).unwrap_err();
    /// assert!(err.to_string().contains("more than"), "{err}");
    /// ```
    pub fn new(
        inputs: usize,
        outputs: usize,
        activation: Activation,
        rng: &mut Rng,
    ) -> Result<Layer> {
        if inputs == 0 || outputs == 0 {
            return Err(Error::Shape(format!(
                "a layer needs at least one input and one output, not {inputs} → {outputs}"
            )));
        }
        Mlp::check_size(&[inputs, outputs])?;
        let bound = match activation {
            Activation::Relu => (6.0 / inputs as f64).sqrt(),
            _ => (6.0 / (inputs + outputs) as f64).sqrt(),
        };
        let mut params = Vec::with_capacity(outputs * (inputs + 1));
        for _ in 0..outputs {
            params.extend((0..inputs).map(|_| rng.range(-bound, bound)));
            params.push(0.0);
        }
        Ok(Layer {
            inputs,
            outputs,
            activation,
            params,
        })
    }

    /// A layer with the given weights (one row per neuron) and biases.
    ///
    /// # Errors
    /// [`Error::Shape`] if the rows differ in length, are empty, or there is
    /// not one bias per row.
    pub fn from_weights(
        weights: &[Vec<f64>],
        biases: &[f64],
        activation: Activation,
    ) -> Result<Layer> {
        let inputs = weights.first().map_or(0, Vec::len);
        if weights.is_empty() || inputs == 0 {
            return Err(Error::Shape(
                "a layer needs at least one neuron with at least one weight".into(),
            ));
        }
        if let Some(i) = weights.iter().position(|w| w.len() != inputs) {
            return Err(Error::Shape(format!(
                "neuron {i} has {} weights, neuron 0 has {inputs}",
                weights[i].len()
            )));
        }
        if biases.len() != weights.len() {
            return Err(Error::Shape(format!(
                "{} biases for {} neurons",
                biases.len(),
                weights.len()
            )));
        }
        let mut params = Vec::with_capacity(weights.len() * (inputs + 1));
        for (w, &b) in weights.iter().zip(biases) {
            params.extend_from_slice(w);
            params.push(b);
        }
        Ok(Layer {
            inputs,
            outputs: weights.len(),
            activation,
            params,
        })
    }

    /// The layer's activation.
    pub fn activation(&self) -> Activation {
        self.activation
    }

    /// Neuron `i`'s weights.
    ///
    /// # Panics
    /// If `i` is not below [`Model::outputs`].
    pub fn weights(&self, i: usize) -> &[f64] {
        &self.row(i)[..self.inputs]
    }

    /// Neuron `i`'s bias.
    ///
    /// # Panics
    /// If `i` is not below [`Model::outputs`].
    pub fn bias(&self, i: usize) -> f64 {
        self.row(i)[self.inputs]
    }

    fn row(&self, i: usize) -> &[f64] {
        assert!(
            i < self.outputs,
            "tapegrad-nn: neuron {i} of a layer of {}",
            self.outputs
        );
        let row = self.inputs + 1;
        &self.params[i * row..(i + 1) * row]
    }

    /// The layer on plain numbers: `act(W·a + b)` for each neuron, summed
    /// in the order the tape sums.
    ///
    /// # Panics
    /// If `a` does not have one number per input.
    pub fn apply(&self, a: &[f64]) -> Vec<f64> {
        assert_eq!(a.len(), self.inputs, "tapegrad-nn: layer input length");
        self.params
            .chunks(self.inputs + 1)
            .map(|row| {
                let mut z = 0.0;
                for (w, x) in row.iter().zip(a) {
                    z += w * x;
                }
                self.activation.apply(z + row[self.inputs])
            })
            .collect()
    }
}

impl Model for Layer {
    fn inputs(&self) -> usize {
        self.inputs
    }
    fn outputs(&self) -> usize {
        self.outputs
    }
    fn layers(&self) -> &[Layer] {
        std::slice::from_ref(self)
    }
    fn layers_mut(&mut self) -> &mut [Layer] {
        std::slice::from_mut(self)
    }
}

/// The tutorial's neuron: `Z = W·X + b`, `A = act(Z)`, a layer of one.
///
/// ```
/// use tapegrad::Tape;
/// use tapegrad_nn::{Activation, Model, Neuron};
///
/// // The tutorial's weights 0.92, 0.2, 0.03 on the input (1, 0.5, -2), b = -0.6.
/// let neuron = Neuron::from_weights(&[0.92, 0.2, 0.03], -0.6, Activation::Sigmoid).unwrap();
/// let tape = Tape::new();
/// let mut p = neuron.record(&tape);
/// let a = neuron.forward(&mut p, &[1.0, 0.5, -2.0])[0];
/// let z: f64 = 0.92 + 0.1 - 0.06 - 0.6;
/// assert!((a.value() - 1.0 / (1.0 + (-z).exp())).abs() < 1e-15);
/// let mut g = vec![0.0; 4];
/// p.gradient(&a.backward(), &mut g);
/// let da_dz = a.value() * (1.0 - a.value()); // σ' = σ(1 - σ)
/// assert!((g[0] - da_dz).abs() < 1e-15); // ∂A/∂w₁ = σ'·x₁, x₁ = 1
/// assert!((g[3] - da_dz).abs() < 1e-15); // ∂A/∂b = σ'
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Neuron(Layer);

impl Neuron {
    /// A neuron with random weights and a zero bias (as [`Layer::new`]).
    ///
    /// # Errors
    /// [`Error::Shape`] for 0 inputs.
    pub fn new(inputs: usize, activation: Activation, rng: &mut Rng) -> Result<Neuron> {
        Layer::new(inputs, 1, activation, rng).map(Neuron)
    }

    /// A neuron with the given weights and bias.
    ///
    /// # Errors
    /// [`Error::Shape`] for no weights.
    pub fn from_weights(weights: &[f64], bias: f64, activation: Activation) -> Result<Neuron> {
        Layer::from_weights(&[weights.to_vec()], &[bias], activation).map(Neuron)
    }

    /// Its weights.
    pub fn weights(&self) -> &[f64] {
        self.0.weights(0)
    }

    /// Its bias.
    pub fn bias(&self) -> f64 {
        self.0.bias(0)
    }

    /// Its activation.
    pub fn activation(&self) -> Activation {
        self.0.activation
    }
}

impl Model for Neuron {
    fn inputs(&self) -> usize {
        self.0.inputs
    }
    fn outputs(&self) -> usize {
        1
    }
    fn layers(&self) -> &[Layer] {
        std::slice::from_ref(&self.0)
    }
    fn layers_mut(&mut self) -> &mut [Layer] {
        std::slice::from_mut(&mut self.0)
    }
}

/// A multi-layer perceptron: layers of given sizes, each with its
/// activation.
///
/// ```
/// use tapegrad_nn::{Activation::*, Mlp, Model, Rng};
///
/// // micrograd's two-moons model: 2 inputs, two hidden layers of 16, one score.
/// let mlp = Mlp::new(&[2, 16, 16, 1], &[Relu, Relu, Identity], &mut Rng::new(1)).unwrap();
/// assert_eq!(mlp.parameter_count(), 16 * 3 + 16 * 17 + 17); // 337
/// assert_eq!(mlp.predict(&[0.5, -0.5]).len(), 1);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Mlp {
    pub(crate) layers: Vec<Layer>,
}

impl Mlp {
    /// The most parameters [`Mlp::new`] and [`Layer::new`] build: 2²⁰
    /// (1,048,576), 8 MiB of weights. Training needs far more than the
    /// weights: each step records the parameters and, for every sample, the
    /// products of the later layers' weights on a tape, about 650 bytes a
    /// parameter for a chunk of 16 samples (measured: 707 MB for a
    /// 4-1024-1024-2 MLP of 1,056,770 parameters, 0.9 s a step), so this is
    /// about the largest model the tape-based training serves on an ordinary
    /// machine. Sizes beyond it, or whose count overflows, are errors before
    /// anything is allocated.
    pub const MAX_PARAMETERS: usize = 1 << 20;

    /// The number of parameters of an MLP of `sizes` (as [`Mlp::new`]
    /// takes them), or `None` if it overflows a `usize`.
    ///
    /// ```
    /// use tapegrad_nn::Mlp;
    ///
    /// assert_eq!(Mlp::parameter_count_of(&[4, 16, 3]), Some(16 * 5 + 3 * 17));
    /// assert_eq!(Mlp::parameter_count_of(&[4, 1 << 62, 3]), None);
    /// ```
    pub fn parameter_count_of(sizes: &[usize]) -> Option<usize> {
        sizes.windows(2).try_fold(0usize, |total, io| {
            io[1]
                .checked_mul(io[0].checked_add(1)?)
                .and_then(|n| total.checked_add(n))
        })
    }

    /// An error if an MLP of `sizes` would exceed [`Mlp::MAX_PARAMETERS`].
    fn check_size(sizes: &[usize]) -> Result<()> {
        let shown = sizes
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join("-");
        match Mlp::parameter_count_of(sizes) {
            Some(n) if n <= Mlp::MAX_PARAMETERS => Ok(()),
            Some(n) => Err(Error::Shape(format!(
                "an MLP {shown} would have {n} parameters, more than the {} tapegrad-nn builds",
                Mlp::MAX_PARAMETERS
            ))),
            None => Err(Error::Shape(format!(
                "an MLP {shown} would have more parameters than a usize counts, \
                 more than the {} tapegrad-nn builds",
                Mlp::MAX_PARAMETERS
            ))),
        }
    }

    /// An MLP with `sizes[0]` inputs and one layer of `sizes[i]` neurons for
    /// each later size, layer `i` with `activations[i - 1]`, weights drawn
    /// from `rng` as [`Layer::new`] draws them.
    ///
    /// ```
    /// use tapegrad_nn::{Activation::*, Mlp, Rng};
    ///
    /// let err = Mlp::new(&[4, 2048, 2048, 3], &[Tanh, Tanh, Identity], &mut Rng::new(1)).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "an MLP 4-2048-2048-3 would have 4212739 parameters, more than the 1048576 tapegrad-nn builds"
    /// );
    /// ```
    ///
    /// # Errors
    /// [`Error::Shape`] for fewer than two sizes, a size of 0, not one
    /// activation per layer, or more than [`Mlp::MAX_PARAMETERS`]
    /// parameters in all (checked before anything is allocated).
    pub fn new(sizes: &[usize], activations: &[Activation], rng: &mut Rng) -> Result<Mlp> {
        if sizes.len() < 2 {
            return Err(Error::Shape(format!(
                "an MLP needs an input size and at least one layer size, got {sizes:?}"
            )));
        }
        if activations.len() != sizes.len() - 1 {
            return Err(Error::Shape(format!(
                "{} activations for {} layers",
                activations.len(),
                sizes.len() - 1
            )));
        }
        Mlp::check_size(sizes)?;
        let layers = sizes
            .windows(2)
            .zip(activations)
            .map(|(io, &act)| Layer::new(io[0], io[1], act, rng))
            .collect::<Result<_>>()?;
        Ok(Mlp { layers })
    }

    /// An MLP from layers whose sizes chain.
    ///
    /// # Errors
    /// [`Error::Shape`] for no layers, or a layer whose inputs are not the
    /// outputs of the one before.
    pub fn from_layers(layers: Vec<Layer>) -> Result<Mlp> {
        if layers.is_empty() {
            return Err(Error::Shape("an MLP needs at least one layer".into()));
        }
        for (i, pair) in layers.windows(2).enumerate() {
            if pair[1].inputs != pair[0].outputs {
                return Err(Error::Shape(format!(
                    "layer {} has {} inputs, but layer {i} has {} outputs",
                    i + 1,
                    pair[1].inputs,
                    pair[0].outputs
                )));
            }
        }
        Ok(Mlp { layers })
    }

    /// The sizes: inputs, then each layer's outputs.
    pub fn sizes(&self) -> Vec<usize> {
        let mut sizes = vec![self.inputs()];
        sizes.extend(self.layers.iter().map(|l| l.outputs));
        sizes
    }
}

impl Model for Mlp {
    fn inputs(&self) -> usize {
        self.layers[0].inputs
    }
    fn outputs(&self) -> usize {
        self.layers[self.layers.len() - 1].outputs
    }
    fn layers(&self) -> &[Layer] {
        &self.layers
    }
    fn layers_mut(&mut self) -> &mut [Layer] {
        &mut self.layers
    }
}
