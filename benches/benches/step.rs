//! One training step of micrograd's demo (a 2-16-16-1 relu MLP, the hinge
//! loss on 100 two-moons points, the mean gradient and an SGD update) in
//! tapegrad-nn (serial and parallel), in plain hand-written Rust, and in
//! the `reverse` crate; then a table of ratios to the hand-written step,
//! measured side by side in the same run.
//!
//! `cargo bench -p tapegrad-nn --bench step`

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::Criterion;
use reverse::Gradient;
use tapegrad_nn::{Activation::*, Backprop, Dataset, Loss, Mlp, Model, Rng, Sgd};

const SIZES: [usize; 4] = [2, 16, 16, 1];
const LR: f64 = 0.01;

struct Setup {
    data: Dataset,
    mlp: Mlp,
    batch: Vec<usize>,
}

fn setup() -> Setup {
    let data = Dataset::moons(100, 0.1, 1);
    let mlp = Mlp::new(&SIZES, &[Relu, Relu, Identity], &mut Rng::new(1)).unwrap();
    Setup {
        batch: (0..data.len()).collect(),
        data,
        mlp,
    }
}

/// The hand-written step: forward, the hinge loss, backpropagation by the
/// chain rule written out, and the update, on flat parameter vectors laid
/// out as tapegrad-nn lays them (each neuron's weights then its bias).
struct Hand {
    params: Vec<f64>,
    grad: Vec<f64>,
}

impl Hand {
    fn step(&mut self, data: &Dataset) -> f64 {
        let (n0, n1, n2) = (SIZES[0], SIZES[1], SIZES[2]);
        let (o1, o2) = (n1 * (n0 + 1), n1 * (n0 + 1) + n2 * (n1 + 1));
        let p = &self.params;
        self.grad.iter_mut().for_each(|g| *g = 0.0);
        let mut total = 0.0;
        let (mut z1, mut a1, mut z2, mut a2) = ([0.0; 16], [0.0; 16], [0.0; 16], [0.0; 16]);
        for i in 0..data.len() {
            let x = data.row(i);
            let y = 2.0 * data.label(i) as f64 - 1.0;
            for j in 0..n1 {
                let w = &p[j * (n0 + 1)..(j + 1) * (n0 + 1)];
                z1[j] = w[0] * x[0] + w[1] * x[1] + w[2];
                a1[j] = z1[j].max(0.0);
            }
            for j in 0..n2 {
                let w = &p[o1 + j * (n1 + 1)..o1 + (j + 1) * (n1 + 1)];
                z2[j] = (0..n1).map(|k| w[k] * a1[k]).sum::<f64>() + w[n1];
                a2[j] = z2[j].max(0.0);
            }
            let w3 = &p[o2..o2 + n2 + 1];
            let s = (0..n2).map(|k| w3[k] * a2[k]).sum::<f64>() + w3[n2];
            let margin = 1.0 - y * s;
            if margin <= 0.0 {
                continue;
            }
            total += margin;
            // ∂loss/∂s = -y; back through the output neuron, relu, layer 2, relu, layer 1.
            let ds = -y;
            let g = &mut self.grad;
            let mut da2 = [0.0; 16];
            for k in 0..n2 {
                g[o2 + k] += ds * a2[k];
                da2[k] = ds * w3[k];
            }
            g[o2 + n2] += ds;
            let mut da1 = [0.0; 16];
            for j in 0..n2 {
                let dz = if z2[j] > 0.0 { da2[j] } else { 0.0 };
                let base = o1 + j * (n1 + 1);
                for k in 0..n1 {
                    g[base + k] += dz * a1[k];
                    da1[k] += dz * p[base + k];
                }
                g[base + n1] += dz;
            }
            for j in 0..n1 {
                let dz = if z1[j] > 0.0 { da1[j] } else { 0.0 };
                let base = j * (n0 + 1);
                g[base] += dz * x[0];
                g[base + 1] += dz * x[1];
                g[base + 2] += dz;
            }
        }
        let n = data.len() as f64;
        for (w, g) in self.params.iter_mut().zip(&mut self.grad) {
            *g /= n;
            *w -= LR * *g;
        }
        total / n
    }
}

/// `reverse` has no relu: the value, or the value times 0 (partial 0).
fn relu(v: reverse::Var<'_>) -> reverse::Var<'_> {
    if v.val() > 0.0 { v } else { v * 0.0 }
}

/// The same step on the `reverse` crate's tape: a leaf per parameter, a
/// product and an addition per weight (it has no n-ary sum or dot node).
fn reverse_step(tape: &reverse::Tape, params: &mut [f64], data: &Dataset) -> f64 {
    tape.clear();
    let vars = tape.add_vars(params);
    let (n0, n1, n2) = (SIZES[0], SIZES[1], SIZES[2]);
    let (o1, o2) = (n1 * (n0 + 1), n1 * (n0 + 1) + n2 * (n1 + 1));
    let mut total: Option<reverse::Var<'_>> = None;
    for i in 0..data.len() {
        let x = data.row(i);
        let y = 2.0 * data.label(i) as f64 - 1.0;
        let a1: Vec<_> = (0..n1)
            .map(|j| {
                let w = &vars[j * (n0 + 1)..];
                relu(w[0] * x[0] + w[1] * x[1] + w[2])
            })
            .collect();
        let a2: Vec<_> = (0..n2)
            .map(|j| {
                let w = &vars[o1 + j * (n1 + 1)..];
                let mut z = w[n1];
                for k in 0..n1 {
                    z = z + w[k] * a1[k];
                }
                relu(z)
            })
            .collect();
        let w3 = &vars[o2..];
        let mut s = w3[n2];
        for k in 0..n2 {
            s = s + w3[k] * a2[k];
        }
        let margin = 1.0 - s * y;
        let l = if margin.val() > 0.0 {
            margin
        } else {
            margin * 0.0
        };
        total = Some(match total {
            Some(t) => t + l,
            None => l,
        });
    }
    let mean = total.expect("points") * (1.0 / data.len() as f64);
    let g = mean.grad().wrt(&vars);
    for (w, g) in params.iter_mut().zip(g) {
        *w -= LR * g;
    }
    mean.val()
}

/// The step in tapegrad-nn, as a user writes it.
fn nn_step(bp: &mut Backprop, sgd: &mut Sgd, mlp: &mut Mlp, s: &Setup) -> f64 {
    let loss = bp.gradient(mlp, Loss::Hinge, &s.data, &s.batch).unwrap();
    sgd.step(mlp, bp.last_gradient());
    loss
}

/// Checks that the three compute the same step: the same loss and the same
/// parameters after it.
fn check(s: &Setup) {
    let mut hand = Hand {
        params: s.mlp.parameters(),
        grad: vec![0.0; s.mlp.parameter_count()],
    };
    let mut mlp = s.mlp.clone();
    let mut rparams = s.mlp.parameters();
    let rtape = reverse::Tape::new();
    let (mut bp, mut sgd) = (Backprop::new(), Sgd::new(LR));
    let (a, b, c) = (
        hand.step(&s.data),
        nn_step(&mut bp, &mut sgd, &mut mlp, s),
        reverse_step(&rtape, &mut rparams, &s.data),
    );
    assert!(
        (a - b).abs() < 1e-12 && (a - c).abs() < 1e-12,
        "losses {a} {b} {c}"
    );
    for ((h, t), r) in hand.params.iter().zip(mlp.parameters()).zip(&rparams) {
        assert!(
            (h - t).abs() < 1e-12 && (h - r).abs() < 1e-12,
            "parameters {h} {t} {r}"
        );
    }
}

fn bench(c: &mut Criterion) {
    let s = setup();
    check(&s);
    let mut group = c.benchmark_group("nn_step");
    let mut hand = Hand {
        params: s.mlp.parameters(),
        grad: vec![0.0; s.mlp.parameter_count()],
    };
    group.bench_function("hand", |b| b.iter(|| hand.step(black_box(&s.data))));
    let (mut mlp, mut bp, mut sgd) = (s.mlp.clone(), Backprop::new(), Sgd::new(LR));
    group.bench_function("tapegrad_nn", |b| {
        b.iter(|| nn_step(&mut bp, &mut sgd, &mut mlp, &s))
    });
    let (mut mlp, mut bp) = (s.mlp.clone(), Backprop::new().parallel(true));
    group.bench_function("tapegrad_nn_parallel", |b| {
        b.iter(|| nn_step(&mut bp, &mut sgd, &mut mlp, &s))
    });
    let (mut params, rtape) = (s.mlp.parameters(), reverse::Tape::new());
    group.bench_function("reverse", |b| {
        b.iter(|| reverse_step(&rtape, &mut params, &s.data))
    });
    group.finish();
}

/// The median time of `f` over rounds of `reps` calls.
fn median(rounds: usize, reps: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..rounds)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..reps {
                f();
            }
            t.elapsed() / reps as u32
        })
        .collect();
    times.sort();
    times[rounds / 2]
}

/// The ratios, each system timed in turn round after round so that a busy
/// machine slows them all alike.
fn ratios() {
    let s = setup();
    let mut hand = Hand {
        params: s.mlp.parameters(),
        grad: vec![0.0; s.mlp.parameter_count()],
    };
    let (mut mlp, mut bp, mut sgd) = (s.mlp.clone(), Backprop::new(), Sgd::new(LR));
    let (mut pmlp, mut pbp, mut psgd) =
        (s.mlp.clone(), Backprop::new().parallel(true), Sgd::new(LR));
    let (mut params, rtape) = (s.mlp.parameters(), reverse::Tape::new());
    let mut t = [Duration::ZERO; 4];
    let rounds = 15;
    for _ in 0..rounds {
        t[0] += median(5, 200, || {
            black_box(hand.step(&s.data));
        });
        t[1] += median(5, 20, || {
            black_box(nn_step(&mut bp, &mut sgd, &mut mlp, &s));
        });
        t[2] += median(5, 20, || {
            black_box(nn_step(&mut pbp, &mut psgd, &mut pmlp, &s));
        });
        t[3] += median(5, 20, || {
            black_box(reverse_step(&rtape, &mut params, &s.data));
        });
    }
    let names = [
        "hand-written",
        "tapegrad-nn",
        "tapegrad-nn parallel",
        "reverse",
    ];
    println!(
        "\none step of the 2-16-16-1 MLP on 100 points ({} threads):",
        rayon::current_num_threads()
    );
    println!("{:<22} {:>12} {:>10}", "system", "time", "× hand");
    for (name, time) in names.iter().zip(t) {
        let time = time / rounds as u32;
        let ratio = time.as_secs_f64() / (t[0] / rounds as u32).as_secs_f64();
        println!(
            "{name:<22} {:>10.1}µs {ratio:>10.2}",
            time.as_secs_f64() * 1e6
        );
    }
    println!(
        "parallel speedup over serial tapegrad-nn: {:.2}×",
        t[1].as_secs_f64() / t[2].as_secs_f64()
    );
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
    let measuring =
        std::env::args().any(|a| a == "--bench") && !std::env::args().any(|a| a == "--test");
    if measuring {
        ratios();
    }
}
