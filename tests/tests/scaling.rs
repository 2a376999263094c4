//! Scaling of the graph views, of `compile` and of dropping tapes: each is
//! timed at a size `n` and at `10·n`, the ratio printed and bounded. A linear or `n log n` view gives a
//! ratio of about 10 to 13; a quadratic one about 100. The bound, 30, leaves
//! room for noise (the tests of this binary run in parallel).
//!
//! Each time is the shortest of a few runs of the view alone (recording the
//! tape is not timed). The default sizes keep each test well under a second
//! in the test profile; the larger sizes, including those of issues 10 and
//! 23, are ignored by default. Run them, with the ratios printed, by
//!
//! ```text
//! cargo test -p tapegrad-tests --test scaling -- --ignored --nocapture
//! ```

use std::time::{Duration, Instant};

use tapegrad::{Detail, Graph, Tape, Var};

/// The largest ratio of the time at `10·n` to the time at `n` accepted as
/// linear or `n log n`.
const BOUND: f64 = 30.0;

/// How many times each size is timed; the shortest run counts.
const RUNS: usize = 3;

/// The shortest of [`RUNS`] timings of `view` on a graph of size `n`;
/// `view` records what it needs, then times only the view itself.
fn best(n: usize, view: &impl Fn(usize) -> Duration) -> Duration {
    (0..RUNS).map(|_| view(n)).min().unwrap()
}

/// Times `view` at `n` and `10·n`, prints both and their ratio, and
/// returns the ratio.
fn ratio(what: &str, n: usize, view: impl Fn(usize) -> Duration) -> f64 {
    let small = best(n, &view);
    let large = best(10 * n, &view);
    // A view too fast to time at `n` counts as taking a microsecond.
    let r = large.as_secs_f64() / small.as_secs_f64().max(1e-6);
    println!(
        "{what}: n = {n}: {:.2} ms, 10n = {}: {:.2} ms, ratio {r:.1}",
        small.as_secs_f64() * 1e3,
        10 * n,
        large.as_secs_f64() * 1e3,
    );
    r
}

/// Times `f`, keeping its result alive until the clock has stopped.
fn timed<T>(f: impl FnOnce() -> T) -> Duration {
    let start = Instant::now();
    let out = f();
    let elapsed = start.elapsed();
    drop(out);
    elapsed
}

/// `k` named leaves `x0 … x(k-1)`.
fn named_leaves(tape: &Tape, k: usize) -> Vec<Var> {
    (0..k)
        .map(|i| tape.var(i as f64).named(format!("x{i}")))
        .collect()
}

/// The view of the named nodes over one sum of `k` named leaves: one node
/// reading `k` kept nodes through a single folded expression.
fn named_over_a_sum(k: usize) -> Duration {
    let tape = Tape::new();
    let sum = tape.sum(named_leaves(&tape, k)).named("total");
    timed(|| Graph::of(sum).detail(Detail::Named).to_text())
}

/// The text dump of a graph of `k` outputs, each a leaf times two.
fn text_of_many_outputs(k: usize) -> Duration {
    let tape = Tape::new();
    let outputs: Vec<Var> = named_leaves(&tape, k).iter().map(|&x| x * 2.0).collect();
    timed(|| Graph::of_all(&outputs).to_text())
}

/// The whole tape as text: `k` leaves with a user each, all `k` users
/// sinks of the tape.
fn text_of_a_tape_of_many_sinks(k: usize) -> Duration {
    let tape = Tape::new();
    for x in named_leaves(&tape, k) {
        let _ = (x * 2.0).named("y");
    }
    timed(|| Graph::of_tape(&tape).to_text())
}

/// The DOT of a sum of `k` named leaves with gradients, every edge
/// labelled with its partial.
fn dot_of_a_wide_sum_with_gradients(k: usize) -> Duration {
    let tape = Tape::new();
    let sum = tape.sum(named_leaves(&tape, k)).named("total");
    let g = sum.backward();
    timed(|| Graph::with_gradients(&g).to_dot())
}

/// The DOT of the named nodes of a sum of `k` named leaves, with
/// gradients: the folded view's labels in a picture.
fn dot_of_named_detail_with_gradients(k: usize) -> Duration {
    let tape = Tape::new();
    let sum = tape.sum(named_leaves(&tape, k)).named("total");
    let g = sum.backward();
    timed(|| Graph::with_gradients(&g).detail(Detail::Named).to_dot())
}

/// The view of the named nodes of a chain of `k` unnamed steps
/// `u ← sin(u) + x/2`, each step read by a named output `2u`, and their
/// sum: every output's folded expression reaches down the whole chain
/// below it.
fn named_over_a_shared_chain(k: usize) -> Duration {
    let tape = Tape::new();
    let x = tape.var(0.3).named("x");
    let mut u = x;
    let mut outputs = Vec::with_capacity(k);
    for i in 0..k {
        u = u.sin() + x * 0.5;
        outputs.push((u * 2.0).named(format!("n{i}")));
    }
    let total = tape.sum(&outputs).named("total");
    timed(|| Graph::of(total).detail(Detail::Named).to_text())
}

/// The SVG of a chain `x ← sin(x)·x` of `k` steps (our layered layout).
fn svg_of_a_chain(k: usize) -> Duration {
    let tape = Tape::new();
    let mut x = tape.var(0.5).named("x");
    for _ in 0..k {
        x = x.sin() * x;
    }
    timed(|| Graph::of(x).to_svg())
}

/// Compiling the sum of `k` leaves with all `k` of them as inputs.
fn compile_with_many_inputs(k: usize) -> Duration {
    let tape = Tape::new();
    let leaves: Vec<Var> = (0..k).map(|i| tape.var(i as f64)).collect();
    let sum = tape.sum(&leaves);
    timed(|| tape.compile(sum, &leaves).unwrap())
}

/// Dropping `k` small tapes (a leaf each) one after another, as a loop
/// that makes short-lived tapes does; each goes to the per-thread pool or
/// is freed.
fn dropping_small_tapes(k: usize) -> Duration {
    let tapes: Vec<Tape> = (0..k)
        .map(|_| {
            let tape = Tape::new();
            let _ = tape.var(1.0);
            tape
        })
        .collect();
    timed(|| drop(tapes))
}

#[test]
fn named_detail_over_a_sum_of_named_leaves_is_not_quadratic() {
    let r = ratio("Detail::Named over a sum", 10_000, named_over_a_sum);
    // Each of the sum's k inputs is a kept node: matching them to the
    // sum's operands must not scan the operands found so far.
    assert!(r < BOUND, "ratio {r:.1} at 10x: quadratic?");
}

#[test]
fn text_dump_of_many_outputs_is_not_quadratic() {
    let r = ratio("of_all + to_text", 10_000, text_of_many_outputs);
    // Deduplicating the outputs and listing them in the header must not
    // scan the outputs once per output.
    assert!(r < BOUND, "ratio {r:.1} at 10x: quadratic?");
}

#[test]
fn text_dump_of_a_whole_tape_of_many_sinks_is_not_quadratic() {
    let r = ratio("of_tape + to_text", 10_000, text_of_a_tape_of_many_sinks);
    // Every sink is an output of the whole tape's graph.
    assert!(r < BOUND, "ratio {r:.1} at 10x: quadratic?");
}

#[test]
fn dot_of_a_wide_sum_with_gradients_is_not_quadratic() {
    let r = ratio(
        "with_gradients + to_dot",
        5_000,
        dot_of_a_wide_sum_with_gradients,
    );
    // Each edge label names both ends and the output of the adjoints.
    assert!(r < BOUND, "ratio {r:.1} at 10x: quadratic?");
}

#[test]
fn dot_of_named_detail_with_gradients_is_not_quadratic() {
    let r = ratio(
        "Detail::Named + with_gradients + to_dot",
        5_000,
        dot_of_named_detail_with_gradients,
    );
    // The folded view's edges carry the summed partials, found per edge.
    assert!(r < BOUND, "ratio {r:.1} at 10x: quadratic?");
}

#[test]
fn named_detail_over_a_chain_every_step_reads_is_not_quadratic() {
    let r = ratio(
        "Detail::Named over a shared chain",
        1_000,
        named_over_a_shared_chain,
    );
    // The regions of the outputs overlap: sweeping each region on its own
    // is quadratic in the chain's length.
    assert!(r < BOUND, "ratio {r:.1} at 10x: quadratic?");
}

#[test]
fn svg_of_a_long_chain_is_not_quadratic() {
    let r = ratio("to_svg of a chain", 500, svg_of_a_chain);
    // Our layered layout is about linear.
    assert!(r < BOUND, "ratio {r:.1} at 10x: quadratic?");
}

#[test]
fn compile_with_many_inputs_is_not_quadratic() {
    let r = ratio("compile with n inputs", 1_000, compile_with_many_inputs);
    // Checking that no input repeats must not scan the inputs before each
    // one (issue 23, item 7).
    assert!(r < BOUND, "ratio {r:.1} at 10x: quadratic?");
}

// ---------------------------------------------------------------------------
// Larger sizes, ignored by default (see the module docs for how to run
// them).

#[test]
#[ignore = "slow: 10^5 and 10^6 leaves; run with --ignored"]
fn named_detail_over_a_sum_of_a_million_named_leaves_is_not_quadratic() {
    let r = ratio("Detail::Named over a sum", 100_000, named_over_a_sum);
    // The sizes of issue 10 (2.0 s at 10^5 when quadratic), and ten times.
    assert!(r < BOUND, "ratio {r:.1} at 10x: quadratic?");
}

#[test]
#[ignore = "slow: 10^5 and 10^6 outputs; run with --ignored"]
fn text_dump_of_a_million_outputs_is_not_quadratic() {
    let r = ratio("of_all + to_text", 100_000, text_of_many_outputs);
    // The size of issue 10 (4.8 s at 10^5 when quadratic), and ten times.
    assert!(r < BOUND, "ratio {r:.1} at 10x: quadratic?");
}

#[test]
#[ignore = "slow: 10^5 and 10^6 sinks; run with --ignored"]
fn text_dump_of_a_whole_tape_of_a_million_sinks_is_not_quadratic() {
    let r = ratio("of_tape + to_text", 100_000, text_of_a_tape_of_many_sinks);
    assert!(r < BOUND, "ratio {r:.1} at 10x: quadratic?");
}

#[test]
#[ignore = "slow: 10^5 and 10^6 leaves; run with --ignored"]
fn dot_of_a_sum_of_a_million_leaves_with_gradients_is_not_quadratic() {
    let r = ratio(
        "with_gradients + to_dot",
        100_000,
        dot_of_a_wide_sum_with_gradients,
    );
    assert!(r < BOUND, "ratio {r:.1} at 10x: quadratic?");
}

#[test]
#[ignore = "slow: 10^5 and 10^6 leaves; run with --ignored"]
fn dot_of_named_detail_over_a_million_leaves_is_not_quadratic() {
    let r = ratio(
        "Detail::Named + with_gradients + to_dot",
        100_000,
        dot_of_named_detail_with_gradients,
    );
    assert!(r < BOUND, "ratio {r:.1} at 10x: quadratic?");
}

#[test]
#[ignore = "slow: chains of 10^4 and 10^5 steps; run with --ignored"]
fn named_detail_over_a_chain_of_a_hundred_thousand_steps_is_not_quadratic() {
    let r = ratio(
        "Detail::Named over a shared chain",
        10_000,
        named_over_a_shared_chain,
    );
    assert!(r < BOUND, "ratio {r:.1} at 10x: quadratic?");
}

#[test]
#[ignore = "slow: chains of 5,000 and 50,000 steps; run with --ignored"]
fn svg_of_a_chain_of_fifty_thousand_steps_is_not_quadratic() {
    let r = ratio("to_svg of a chain", 5_000, svg_of_a_chain);
    assert!(r < BOUND, "ratio {r:.1} at 10x: quadratic?");
}

#[test]
#[ignore = "slow: 10^5 and 10^6 inputs; run with --ignored"]
fn compile_with_a_million_inputs_is_not_quadratic() {
    let r = ratio("compile with n inputs", 100_000, compile_with_many_inputs);
    // The size of issue 23 (3.3 s at 10^5 when quadratic), and ten times.
    assert!(r < BOUND, "ratio {r:.1} at 10x: quadratic?");
}

#[test]
#[ignore = "slow: 12,000 and 120,000 tapes; run with --ignored"]
fn dropping_a_hundred_thousand_small_tapes_is_not_quadratic() {
    let r = ratio("dropping n small tapes", 12_000, dropping_small_tapes);
    // The size of issue 23 (47 s for 120k tiny tapes when quadratic).
    assert!(r < BOUND, "ratio {r:.1} at 10x: quadratic?");
}
