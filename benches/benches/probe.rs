//! Fixed work for instruction counts: each workload runs a set number of
//! steps, so `valgrind --tool=callgrind` counts the same work in two builds
//! of the engine (docs/performance.md, "Reliability round 2" and after).
//!
//! ```text
//! cargo bench -p tapegrad-benches --bench probe --no-run
//! valgrind --tool=callgrind target/release/deps/probe-* w1
//! ```
//!
//! Workloads: `w1` (the W1 chain, 3 fresh tapes of 1 M nodes, backward),
//! `w3ops` and `w3api` (20 W3 steps op by op and with `tape.sum`), `replay`
//! (W3 compiled once, 200 gradient replays), `kinks` (`abs`, `max`, `min`,
//! `atan`, 5 × 50 k steps) and `hessian` (200 Hessians of a small function).

use std::hint::black_box;
use tapegrad::{Tape, Var};

const HIDDEN: usize = 16;

fn mlp_loss(tape: &Tape, p: &[Var], pts: &[([f64; 2], f64)], op_by_op: bool) -> Var {
    let sum = |terms: Vec<Var>| -> Var {
        if op_by_op {
            let mut acc = terms[0];
            for &t in &terms[1..] {
                // As users write it, the way W3 op by op records.
                #[allow(clippy::assign_op_pattern)]
                {
                    acc = acc + t;
                }
            }
            acc
        } else {
            tape.sum(terms)
        }
    };
    let l2 = 3 * HIDDEN;
    let l3 = l2 + (HIDDEN + 1) * HIDDEN;
    let mut losses = Vec::new();
    for &(x, y) in pts {
        let h1: Vec<Var> = (0..HIDDEN)
            .map(|j| {
                let n = &p[3 * j..3 * j + 3];
                sum(vec![n[2], n[0] * x[0], n[1] * x[1]]).tanh()
            })
            .collect();
        let h2: Vec<Var> = (0..HIDDEN)
            .map(|j| {
                let n = &p[l2 + (HIDDEN + 1) * j..l2 + (HIDDEN + 1) * (j + 1)];
                let mut t = vec![n[HIDDEN]];
                t.extend(n[..HIDDEN].iter().zip(&h1).map(|(&w, &h)| w * h));
                sum(t).tanh()
            })
            .collect();
        let n = &p[l3..l3 + HIDDEN + 1];
        let mut t = vec![n[HIDDEN]];
        t.extend(n[..HIDDEN].iter().zip(&h2).map(|(&w, &h)| w * h));
        losses.push((sum(t) * -y + 1.0).relu());
    }
    let reg: Vec<Var> = p.iter().map(|&q| q * q).collect();
    sum(losses) * 0.01 + sum(reg) * 1e-4
}

fn params() -> Vec<f64> {
    let n = 3 * HIDDEN + (HIDDEN + 1) * HIDDEN + HIDDEN + 1;
    (0..n)
        .map(|i| ((i * 7919 % 1000) as f64 / 1000.0 - 0.5) * 0.8)
        .collect()
}

fn points() -> Vec<([f64; 2], f64)> {
    (0..100)
        .map(|i| {
            let a = i as f64 * 0.37;
            (
                [a.sin() * 1.5, a.cos() * 0.7],
                if i % 2 == 0 { 1.0 } else { -1.0 },
            )
        })
        .collect()
}

fn main() {
    // `cargo bench` passes `--bench`; a workload is named by the other argument.
    let Some(which) = std::env::args().skip(1).find(|a| !a.starts_with("--")) else {
        println!(
            "probe: name a workload (w1, w3ops, w3api, replay, kinks, hessian) to run it under callgrind"
        );
        return;
    };
    let ps = params();
    let pts = points();
    let mut acc = 0.0;
    match which.as_str() {
        "w1" => {
            for _ in 0..3 {
                let tape = Tape::new();
                let x0 = tape.var(0.5);
                let mut x = x0;
                for _ in 0..111_112 {
                    let s = (x * x + 1.0).ln().sqrt();
                    x = x + (x.sin() * 0.5 + s) * 1e-3;
                }
                acc += x.backward()[x0];
            }
        }
        "w3ops" | "w3api" => {
            for _ in 0..20 {
                let tape = Tape::new();
                let vs: Vec<Var> = ps.iter().map(|&p| tape.var(p)).collect();
                let l = mlp_loss(&tape, &vs, &pts, which == "w3ops");
                let g = l.backward();
                acc += vs.iter().map(|&v| g[v]).sum::<f64>();
            }
        }
        "replay" => {
            let tape = Tape::new();
            let vs: Vec<Var> = ps.iter().map(|&p| tape.var(p)).collect();
            let l = mlp_loss(&tape, &vs, &pts, false);
            let mut f = tape.compile(l, &vs).unwrap();
            let mut grad = vec![0.0; ps.len()];
            for _ in 0..200 {
                acc += f.gradient(&ps, &mut grad).unwrap();
            }
        }
        "kinks" => {
            for _ in 0..5 {
                let tape = Tape::new();
                let x = tape.var(0.3);
                let y = tape.var(-0.7);
                let mut z = x;
                for i in 0..50_000 {
                    z = (z.abs() * y).max(x * 0.1 * i as f64).min(y + 3.0) + z.atan() * 0.01;
                }
                acc += z.backward()[x];
            }
        }
        "hessian" => {
            for k in 0..200 {
                let at = [0.3 + k as f64 * 1e-3, -0.2, 0.9];
                let h = tapegrad::hessian(
                    |_, v| (v[0] * v[1]).tanh() * v[2].abs() + (v[0] - v[2]).max(v[1]).atan(),
                    &at,
                );
                acc += h.unwrap().matrix[0][1];
            }
        }
        other => panic!("no workload `{other}`: w1, w3ops, w3api, replay, kinks or hessian"),
    }
    println!("{}", black_box(acc));
}
