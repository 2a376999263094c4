//! The closing table: every system's time as a multiple of plain `f64` in
//! the same run, read from what criterion wrote, and tape bytes per op.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use crate::common::TapeSize;
use crate::{w1, w2, w3};

const SYSTEMS: [&str; 17] = [
    "f64",
    "hand",
    "tapegrad_reused",
    "tapegrad_fresh",
    "tapegrad_located_reused",
    "tapegrad_ops_reused",
    "tapegrad_ops_fresh",
    "tapegrad_loop_fresh",
    "replay_value",
    "replay_gradient",
    "replay_ops_gradient",
    "reverse_reused",
    "reverse_ops_reused",
    "reverse_fresh",
    "reverse_ops_fresh",
    "ad_trait_reused",
    "echidna_fresh",
];

/// Systems that only some workloads have (op-by-op forms, replays): no row
/// where they are missing.
const OPTIONAL: [&str; 9] = [
    "tapegrad_located_reused",
    "tapegrad_ops_reused",
    "tapegrad_ops_fresh",
    "tapegrad_loop_fresh",
    "replay_value",
    "replay_gradient",
    "replay_ops_gradient",
    "reverse_ops_reused",
    "reverse_ops_fresh",
];

/// Op by op on fresh tapes, as a user writes it (a `Tape::new()` per step, a
/// `tape.var` per parameter, `acc = acc + w * x`, `g[v]` per parameter):
/// tapegrad's row, `reverse`'s written the same way, and `reverse`'s on a
/// reused tape (a fresh `reverse` tape grows from empty and frees its memory
/// each step, which can cost it more than its recording). W1 has no sums, so
/// its plain rows are op by op; `reverse`'s own `Sum` is `acc + t` already,
/// so W2's `reverse_fresh` is the loop form.
const OP_BY_OP: [(&str, &str, &str, &str); 3] = [
    (
        w1::GROUP,
        "tapegrad_fresh",
        "reverse_fresh",
        "reverse_reused",
    ),
    (
        w2::GROUP,
        "tapegrad_loop_fresh",
        "reverse_fresh",
        "reverse_reused",
    ),
    (
        w3::GROUP,
        "tapegrad_ops_fresh",
        "reverse_ops_fresh",
        "reverse_ops_reused",
    ),
];

/// The most tapegrad op by op may take of `reverse`'s time.
const OP_BY_OP_TARGET: f64 = 0.6;

/// The other engines' rows in every workload, each op by op as its users
/// write it: ad_trait has one graph per thread, which a recording empties;
/// echidna's `grad` records on a new tape per call.
const OTHERS: [&str; 2] = ["ad_trait_reused", "echidna_fresh"];

/// Ratios of two systems' medians in one workload, and the most each may
/// be: replays against plain `f64`, recording op by op against plain `f64`
/// and against `reverse` written the same way, fresh tapes against reused.
const RATIOS: [(&str, &str, &str, f64); 9] = [
    (w1::GROUP, "replay_gradient", "f64", 2.0),
    (w3::GROUP, "replay_gradient", "f64", 3.0),
    (w3::GROUP, "tapegrad_ops_reused", "f64", 5.0),
    (w3::GROUP, "tapegrad_ops_reused", "reverse_ops_reused", 0.6),
    (w1::GROUP, "tapegrad_fresh", "tapegrad_reused", 1.15),
    (w2::GROUP, "tapegrad_ops_fresh", "tapegrad_ops_reused", 1.15),
    (w3::GROUP, "tapegrad_fresh", "tapegrad_reused", 1.15),
    (w3::GROUP, "tapegrad_ops_fresh", "tapegrad_ops_reused", 1.15),
    (w2::GROUP, "tapegrad_fresh", "tapegrad_reused", 1.15),
];

/// Each workload's group and the target for reused tapegrad (× plain f64).
const WORKLOADS: [(&str, &str, f64); 3] = [
    (w1::GROUP, "W1 chain", 2.5),
    (w2::GROUP, "W2 neuron", 15.0),
    (w3::GROUP, "W3 MLP step", 6.0),
];

const BYTES_PER_OP_TARGET: f64 = 24.0;

/// Whether criterion measures in this run, by its own rule: `cargo bench`
/// passes `--bench`; `--test`, `--list` and `--profile-time` do not measure.
pub fn benchmarking() -> bool {
    let args: Vec<String> = env::args().collect();
    let has = |flag: &str| {
        args.iter()
            .any(|a| a == flag || a.starts_with(&format!("{flag}=")))
    };
    has("--bench") && !has("--test") && !has("--list") && !has("--profile-time")
}

/// Where criterion writes its results, found as criterion finds it:
/// `$CRITERION_HOME`, else `$CARGO_TARGET_DIR/criterion`, else the target
/// directory `cargo metadata` reports, else `./target/criterion`.
fn criterion_home() -> PathBuf {
    if let Some(home) = env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    if let Some(target) = env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(target).join("criterion");
    }
    let metadata = env::var_os("CARGO").and_then(|cargo| {
        let out = Command::new(cargo)
            .args(["metadata", "--format-version", "1", "--no-deps"])
            .output()
            .ok()?;
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
        Some(PathBuf::from(json["target_directory"].as_str()?))
    });
    metadata.map_or_else(
        || PathBuf::from("target/criterion"),
        |t| t.join("criterion"),
    )
}

/// One system's time per evaluation in ns, as this run measured it.
struct Times {
    /// Criterion's median estimate.
    median: f64,
    /// The fastest of criterion's samples: the least disturbed by other
    /// work on a shared machine.
    fastest: f64,
}

/// A JSON file criterion wrote during this run.
fn read_json(path: &Path, since: SystemTime) -> Option<serde_json::Value> {
    // A file from an earlier run (a filtered run skips groups) is not ours.
    if std::fs::metadata(path).ok()?.modified().ok()? < since {
        return None;
    }
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

fn times(home: &Path, group: &str, id: &str, since: SystemTime) -> Option<Times> {
    let dir = home.join(group).join(id).join("new");
    let estimates = read_json(&dir.join("estimates.json"), since)?;
    let sample = read_json(&dir.join("sample.json"), since)?;
    let iters = sample["iters"].as_array()?;
    let totals = sample["times"].as_array()?;
    let fastest = iters
        .iter()
        .zip(totals)
        .filter_map(|(n, t)| Some(t.as_f64()? / n.as_f64()?))
        .fold(f64::INFINITY, f64::min);
    Some(Times {
        median: estimates["median"]["point_estimate"].as_f64()?,
        fastest,
    })
}

/// The median of `id` over the median of `against` in one group, if both
/// were measured in this run.
fn ratio(home: &Path, group: &str, id: &str, against: &str, since: SystemTime) -> Option<f64> {
    let (a, b) = (
        times(home, group, id, since)?,
        times(home, group, against, since)?,
    );
    Some(a.median / b.median)
}

/// A workload's name in the tables, from its group.
fn workload_name(group: &str) -> &str {
    WORKLOADS
        .iter()
        .find(|w| w.0 == group)
        .map_or(group, |w| w.1)
}

fn time(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.1} µs", ns / 1e3)
    }
}

fn verdict(pass: bool) -> &'static str {
    if pass { "PASS" } else { "MISS" }
}

pub fn print(started: SystemTime, sizes: &[TapeSize; 3]) {
    // Files written in the second the run started count as this run's.
    let since = started - Duration::from_secs(1);
    let home = criterion_home();
    println!();
    println!(
        "Time per evaluation, criterion's median (from {}),",
        home.display()
    );
    println!("as a multiple of plain f64 in the same run; the targets judge the median:");
    println!();
    println!("| workload | system | median | × f64 | target | fastest sample × f64 |");
    println!("|---|---|---:|---:|---|---:|");
    for (group, name, target) in WORKLOADS {
        let base = times(&home, group, "f64", since);
        for id in SYSTEMS {
            let Some(t) = times(&home, group, id, since) else {
                if OPTIONAL.contains(&id) {
                    continue;
                }
                println!("| {name} | {id} | not measured | | | |");
                continue;
            };
            let (ratio, fastest, goal) = match &base {
                Some(b) => (
                    format!("{:.2}", t.median / b.median),
                    format!("{:.2}", t.fastest / b.fastest),
                    if id == "tapegrad_reused" {
                        format!("≤ {target} {}", verdict(t.median / b.median <= target))
                    } else {
                        String::new()
                    },
                ),
                None => ("?".into(), "?".into(), String::new()),
            };
            let median = time(t.median);
            println!("| {name} | {id} | {median} | {ratio} | {goal} | {fastest} |");
        }
    }
    println!();
    println!("Ratios measured side by side in this run (medians):");
    println!();
    println!("| workload | system | against | ratio | target |");
    println!("|---|---|---|---:|---|");
    for (group, id, against, target) in RATIOS {
        let name = workload_name(group);
        match ratio(&home, group, id, against, since) {
            Some(r) => {
                let pass = verdict(r <= target);
                println!("| {name} | {id} | {against} | {r:.2} | ≤ {target} {pass} |");
            }
            None => println!("| {name} | {id} | {against} | not measured | ≤ {target} |"),
        }
    }
    println!();
    println!("Op by op on fresh tapes, as a user writes it: tapegrad's median over each engine's");
    println!("(ad_trait and echidna op by op as their users write it):");
    println!();
    println!(
        "| workload | tapegrad | reverse | × reverse | target | × reverse, reused tape | × ad_trait | × echidna |"
    );
    println!("|---|---|---|---:|---|---:|---:|---:|");
    for (group, id, against, reused) in OP_BY_OP {
        let name = workload_name(group);
        let ratio = |other: &str| ratio(&home, group, id, other, since);
        let show = |r: Option<f64>| r.map_or("not measured".to_string(), |r| format!("{r:.2}"));
        let vs_reverse = ratio(against);
        let goal = match vs_reverse {
            Some(r) => format!("≤ {OP_BY_OP_TARGET} {}", verdict(r <= OP_BY_OP_TARGET)),
            None => format!("≤ {OP_BY_OP_TARGET}"),
        };
        let others = OTHERS.map(|o| show(ratio(o)));
        println!(
            "| {name} | {id} | {against} | {} | {goal} | {} | {} | {} |",
            show(vs_reverse),
            show(ratio(reused)),
            others[0],
            others[1]
        );
    }
    println!();
    println!("Tape of one evaluation (tapegrad: bytes_used()/len(); reverse: 32-byte nodes):");
    println!();
    println!("| workload | tapegrad nodes | bytes/op | target | reverse nodes | bytes/op |");
    println!("|---|---:|---:|---|---:|---:|");
    for ((_, name, _), s) in WORKLOADS.iter().zip(sizes) {
        let tg = s.tapegrad_bytes as f64 / s.tapegrad_nodes as f64;
        let rv = s.reverse_bytes as f64 / s.reverse_nodes as f64;
        let pass = verdict(tg <= BYTES_PER_OP_TARGET);
        let (tn, rn) = (s.tapegrad_nodes, s.reverse_nodes);
        println!("| {name} | {tn} | {tg:.2} | ≤ {BYTES_PER_OP_TARGET} {pass} | {rn} | {rv:.2} |");
    }
    println!();
    println!("Compiled programs (Compiled::bytes_used()/len()):");
    println!();
    println!("| workload | instructions | bytes/instruction |");
    println!("|---|---:|---:|");
    for ((_, name, _), s) in WORKLOADS.iter().zip(sizes) {
        if s.replay_nodes > 0 {
            let b = s.replay_bytes as f64 / s.replay_nodes as f64;
            println!("| {name} | {} | {b:.2} |", s.replay_nodes);
        }
    }
    println!();
}
