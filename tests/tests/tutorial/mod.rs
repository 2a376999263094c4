//! The tutorial's graph, shared by the dump, HTML and browser tests.

use tapegrad::{Tape, Var};

/// The tutorial's graph at w = 3, b = 4: x = 2w + 3b, y = 2b + 1, z = x·y.
pub fn tutorial(tape: &Tape) -> [Var; 5] {
    let w = tape.var(3.0).named("w");
    let b = tape.var(4.0).named("b");
    let x = (2.0 * w + 3.0 * b).named("x");
    let y = (2.0 * b + 1.0).named("y");
    let z = (x * y).named("z");
    [w, b, x, y, z]
}
