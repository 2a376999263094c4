//! Newton's method with a recorded second derivative: the tutorial's chain
//! `c = √(ln x²)` driven to `c = 2.13` by minimising `L = ½(c - 2.13)²`.
//!
//! Run with `cargo run -p tapegrad --example newton`.

use tapegrad::Tape;

fn main() {
    let target = 2.13;
    let mut x = 2.0;
    println!(
        "{:>4} {:>18} {:>18} {:>12} {:>12}",
        "step", "x", "c(x)", "L'(x)", "L''(x)"
    );
    for step in 0..12 {
        let tape = Tape::new();
        let xv = tape.var(x).named("x");
        let c = (xv * xv).ln().sqrt().named("c");
        let loss = (c - target).powi(2) * 0.5;
        // L' as a graph on the tape, then L'' by differentiating that graph.
        let d1 = loss.grad_graph(&[xv])[0];
        let d2 = d1.grad_graph(&[xv])[0];
        println!(
            "{step:>4} {x:>18.15} {:>18.15} {:>12.4e} {:>12.4e}",
            c.value(),
            d1.value(),
            d2.value()
        );
        if d1.value().abs() < 1e-15 {
            break;
        }
        x -= d1.value() / d2.value();
    }
    // The root of √(ln x²) = 2.13 is x = e^(2.13²/2).
    println!(
        "exact root e^(2.13²/2) = {:.15}",
        (target * target / 2.0f64).exp()
    );
}
