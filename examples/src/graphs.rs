//! The graphs the examples draw: each example's computation graph, its
//! gradients, and its recorded gradient graph, from the engine's dumps.

use tapegrad::{Detail, Graph, Tape};

use crate::{chain, linear};

/// Calls `f` with the name and graph of each picture example `example`
/// draws (none for an example without graphs).
///
/// # Errors
/// The first error `f` returns.
pub fn each<E>(example: &str, mut f: impl FnMut(&str, &Graph) -> Result<(), E>) -> Result<(), E> {
    let tape = Tape::new();
    match example {
        "linear" => {
            let (z, [w, b, ..]) = linear::record(&tape, linear::W, linear::B);
            // The tutorial's figures: flow1 the structure, flow2 the values,
            // flow3 the backward pass.
            let named = Graph::of(z).detail(Detail::Named);
            f("linear-flow1", &named.clone().values(false))?;
            f("linear-flow2", &named)?;
            f(
                "linear-flow3",
                &Graph::with_gradients(&z.backward()).detail(Detail::Named),
            )?;
            let grads = z.grad_graph(&[w, b]);
            let dw = grads[0].named("∂z/∂w");
            let db = grads[1].named("∂z/∂b");
            f("linear-grad-graph", &Graph::of_all(&[z, dw, db]))
        }
        "chain" => {
            let [x, _, _, c] = chain::record(&tape, chain::X0);
            f("chain-flow", &Graph::with_gradients(&c.backward()))?;
            let dx = c.grad_graph(&[x])[0].named("∂c/∂x");
            f("chain-grad-graph", &Graph::of_all(&[c, dx]))
        }
        "descent-2d" => {
            let x = tape.var(3.0).named("x");
            let y = tape.var(1.0).named("y");
            let j = crate::descent::bowl(x, y).named("J");
            f("descent-2d-flow", &Graph::with_gradients(&j.backward()))?;
            let grads = j.grad_graph(&[x, y]);
            let (dx, dy) = (grads[0].named("∂J/∂x"), grads[1].named("∂J/∂y"));
            f("descent-2d-grad-graph", &Graph::of_all(&[j, dx, dy]))
        }
        _ => Ok(()),
    }
}
