//! The activations a layer can apply to its weighted sums.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use tapegrad::Var;

/// What a neuron does to its weighted sum `Z`: `A = act(Z)`.
///
/// ```
/// use tapegrad::Tape;
/// use tapegrad_nn::Activation;
///
/// let tape = Tape::new();
/// let z = tape.var(0.0);
/// assert_eq!(Activation::Sigmoid.record(z).value(), 0.5); // σ(0)
/// assert_eq!(Activation::Sigmoid.apply(0.0), 0.5); // the same on plain numbers
/// assert_eq!("tanh".parse::<Activation>(), Ok(Activation::Tanh));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    /// `A = Z`: an output layer whose values are logits or scores.
    #[default]
    Identity,
    /// `A = σ(Z) = 1 / (1 + e^(-Z))`, the tutorial's neuron.
    Sigmoid,
    /// `A = tanh Z`.
    Tanh,
    /// `A = max(Z, 0)`.
    Relu,
}

impl Activation {
    /// Every activation, in the order of their names in messages.
    pub const ALL: [Activation; 4] = [
        Activation::Identity,
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Relu,
    ];

    /// Records `act(z)` on `z`'s tape (nothing for the identity).
    pub fn record(self, z: Var) -> Var {
        match self {
            Activation::Identity => z,
            Activation::Sigmoid => z.sigmoid(),
            Activation::Tanh => z.tanh(),
            Activation::Relu => z.relu(),
        }
    }

    /// `act(z)` on a plain number, as the tape's op computes it.
    pub fn apply(self, z: f64) -> f64 {
        match self {
            Activation::Identity => z,
            // The engine's stable form: no overflow for very negative z.
            Activation::Sigmoid if z >= 0.0 => 1.0 / (1.0 + (-z).exp()),
            Activation::Sigmoid => {
                let e = z.exp();
                e / (1.0 + e)
            }
            Activation::Tanh => z.tanh(),
            Activation::Relu if z <= 0.0 => 0.0,
            Activation::Relu => z,
        }
    }

    /// Its name, as the model file and the command line spell it.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Identity => "identity",
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Relu => "relu",
        }
    }
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Activation {
    type Err = String;

    /// Parses `identity`, `sigmoid`, `tanh` or `relu`.
    fn from_str(s: &str) -> Result<Activation, String> {
        Activation::ALL
            .into_iter()
            .find(|a| a.name() == s)
            .ok_or_else(|| format!("unknown activation `{s}`: use identity, sigmoid, tanh or relu"))
    }
}
