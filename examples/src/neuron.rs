//! The neuron: `Z = W·X + b`, `A = σ(Z)`.
//!
//! The tutorial gives the weights 0.92, 0.2 and 0.03 as an illustration and
//! no input; we pick one.

use tapegrad::Tape;

use crate::{Output, Result};

/// The tutorial's illustrative weights.
pub const WEIGHTS: [f64; 3] = [0.92, 0.2, 0.03];
/// Our input sample (the tutorial gives none).
pub const INPUT: [f64; 3] = [1.0, 0.5, -2.0];
/// Our bias: the negated firing threshold `t` of the tutorial's derivation.
pub const BIAS: f64 = -0.6;

/// One neuron's output and gradients.
#[derive(Clone, Debug, PartialEq)]
pub struct Neuron {
    /// `Z = Σ wᵢxᵢ + b`.
    pub z: f64,
    /// `A = σ(Z)`.
    pub a: f64,
    /// `∂A/∂wᵢ`, from the tape.
    pub da_dw: [f64; 3],
    /// `∂A/∂b`, from the tape.
    pub da_db: f64,
}

/// Records the neuron on a tape and backpropagates from `A`.
pub fn neuron(x: [f64; 3], w: [f64; 3], b: f64) -> Neuron {
    let tape = Tape::new();
    let w = [
        tape.var(w[0]).named("w1"),
        tape.var(w[1]).named("w2"),
        tape.var(w[2]).named("w3"),
    ];
    let b = tape.var(b).named("b");
    let z = (tape.sum(w.iter().zip(x).map(|(&wi, xi)| wi * xi)) + b).named("Z");
    let a = z.sigmoid().named("A");
    let g = a.backward();
    Neuron {
        z: z.value(),
        a: a.value(),
        da_dw: w.map(|wi| g.wrt(wi)),
        da_db: g.wrt(b),
    }
}

/// Prints the neuron with the tutorial's weights.
pub(crate) fn run(out: &mut Output<'_>) -> Result<()> {
    let n = neuron(INPUT, WEIGHTS, BIAS);
    let [x1, x2, x3] = INPUT;
    let [w1, w2, w3] = WEIGHTS;
    writeln!(out, "inputs  X = ({x1}, {x2}, {x3})")?;
    writeln!(out, "weights W = ({w1}, {w2}, {w3}), bias b = {BIAS}")?;
    writeln!(out, "Z = w1·x1 + w2·x2 + w3·x3 + b = {:.6}", n.z)?;
    writeln!(out, "A = σ(Z) = {:.6}", n.a)?;
    for (i, d) in n.da_dw.iter().enumerate() {
        writeln!(out, "∂A/∂w{} = {d:.6}", i + 1)?;
    }
    writeln!(out, "∂A/∂b  = {:.6}", n.da_db)?;
    Ok(())
}
