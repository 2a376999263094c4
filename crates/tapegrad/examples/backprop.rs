//! The tutorial's `z = x·y` example: record, backpropagate, print.
//!
//! Run with `cargo run -p tapegrad --example backprop`.

use tapegrad::Tape;

fn main() {
    let tape = Tape::new();
    let w = tape.var(3.0).named("w");
    let b = tape.var(4.0).named("b");
    let x = (2.0 * w + 3.0 * b).named("x");
    let y = (2.0 * b + 1.0).named("y");
    let z = (x * y).named("z");
    let g = z.backward();

    println!("z = x·y, x = 2w + 3b, y = 2b + 1 at w = 3, b = 4");
    println!("x = {}, y = {}, z = {}", x.value(), y.value(), z.value());
    println!("∂z/∂x = {}, ∂z/∂y = {}", g[x], g[y]);
    println!("∂z/∂w = {}, ∂z/∂b = {}", g[w], g[b]);
    println!("{} nodes recorded", tape.len());
}
