//! The performance benchmarks of docs/performance.md: three workloads, each
//! measured in one run against plain `f64`, a hand-written gradient and the
//! other Rust reverse-mode tapes that build here (`reverse`, ad_trait's `adr`,
//! echidna's `Reverse`), then a table of every time as a multiple of plain
//! `f64` and of tapegrad op by op against each of them.
//!
//! ```text
//! cargo bench -p tapegrad-benches --bench workloads
//! ```
//!
//! Before timing, every system's value and gradient is checked against the
//! hand-written one (relative 1e-9), so each measures the same computation.

mod common;
mod others;
mod report;
mod w1;
mod w2;
mod w3;

use std::time::{Duration, SystemTime};

use criterion::Criterion;

fn main() {
    let started = SystemTime::now();
    let sizes = [w1::check(), w2::check(), w3::check()];
    // Modest settings: the machine is shared and has two cores. Command-line
    // flags (--sample-size, --measurement-time, ...) still override them.
    let mut c = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    w1::bench(&mut c);
    w2::bench(&mut c);
    w3::bench(&mut c);
    c.final_summary();
    if report::benchmarking() {
        report::print(started, &sizes);
    }
}
