//! The backward sweep of tanh and sigmoid nodes, per node, at inputs where
//! each takes its cheap form and where it takes its careful one.
//!
//! ```text
//! cargo bench -p tapegrad --bench activations
//! ```
//!
//! It uses only the API that every version of the engine has, so the same
//! file can be run against an earlier commit, side by side (the numbers in
//! docs/performance.md come from such a run).

use std::hint::black_box;
use std::time::Instant;

use tapegrad::{Tape, Var};

/// An op applied to every leaf.
type Activation = fn(Var) -> Var;

const NODES: usize = 200_000;
const ROUNDS: usize = 30;

/// Nanoseconds per node of the fastest of `ROUNDS` backward sweeps over
/// `NODES` nodes `f(xᵢ)` summed by one n-ary node, inputs spread over `range`.
fn per_node(f: Activation, range: (f64, f64)) -> f64 {
    let tape = Tape::new();
    let step = (range.1 - range.0) / NODES as f64;
    let xs: Vec<Var> = (0..NODES)
        .map(|i| tape.var(range.0 + step * i as f64))
        .collect();
    let out = tape.sum(xs.iter().map(|&x| f(x)));
    let mut best = f64::INFINITY;
    for _ in 0..ROUNDS {
        let start = Instant::now();
        let g = black_box(out).backward();
        black_box(g.wrt(xs[0]));
        best = best.min(start.elapsed().as_secs_f64());
    }
    best / NODES as f64 * 1e9
}

fn main() {
    // `cargo test --benches` runs this too; a quick pass is enough there.
    if std::env::args().any(|a| a == "--test" || a == "--list") {
        return;
    }
    let rows: [(&str, Activation, (f64, f64)); 6] = [
        ("leaf + sum only", |x| x, (-1.0, 1.0)),
        ("tanh, |x| < 1.5", |x| x.tanh(), (-1.4, 1.4)),
        ("tanh, 1.5 <= |x| < 8", |x| x.tanh(), (1.5, 8.0)),
        ("sigmoid, |x| < 2", |x| x.sigmoid(), (-1.9, 1.9)),
        ("sigmoid, 2 <= |x| < 8", |x| x.sigmoid(), (2.0, 8.0)),
        ("tanh, -4 < x < 4", |x| x.tanh(), (-4.0, 4.0)),
    ];
    println!("{:<24} {:>10}", "backward of", "ns/node");
    for (name, f, range) in rows {
        println!("{name:<24} {:>10.2}", per_node(f, range));
    }
}
