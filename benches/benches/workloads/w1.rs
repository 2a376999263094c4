//! W1, a long chain: `x ← x + h·(sin(x)·c + sqrt(ln(x·x + 1)))`, 111,112
//! steps of 9 ops (1,000,009 nodes with the leaf), and `dx_N/dx_0`.

use std::hint::black_box;

use ad_trait::reverse_ad::adr::adr;
use criterion::{BenchmarkGroup, Criterion, SamplingMode, measurement::WallTime};
use reverse::Gradient;
use tapegrad::{Compiled, Tape};

use crate::common::{Plain, Rec, TapeSize, assert_close, reverse_bytes};
use crate::others::{AdTrait, Adr, Echidna, echidna_grad};

pub const GROUP: &str = "w1_chain";
const STEPS: usize = 111_112;
const H: f64 = 1e-3;
const C: f64 = 0.5;
const X0: f64 = 0.5;

/// The workload, once for every system.
#[inline(always)]
fn chain<R: Rec>(r: R, x0: R::V) -> R::V {
    let mut x = x0;
    for _ in 0..STEPS {
        let s = r.sqrt(r.ln(x * x + 1.0));
        x = x + (r.sin(x) * C + s) * H;
    }
    x
}

fn plain(x0: f64) -> f64 {
    chain(Plain, x0)
}

/// Forward, storing each step's derivative `dx_{k+1}/dx_k`, then the
/// backward product. `slopes` is reused between calls.
fn hand(x0: f64, slopes: &mut Vec<f64>) -> (f64, f64) {
    slopes.clear();
    let mut x = x0;
    for _ in 0..STEPS {
        let q = x * x + 1.0;
        let s = q.ln().sqrt();
        // d/dx sqrt(ln(x² + 1)) = x / (sqrt(ln q)·q)
        slopes.push(1.0 + H * (x.cos() * C + x / (s * q)));
        x = x + (x.sin() * C + s) * H;
    }
    let mut g = 1.0;
    for &d in slopes.iter().rev() {
        g *= d;
    }
    (x, g)
}

fn tapegrad(tape: &Tape, x0: f64) -> (f64, f64) {
    let x0 = tape.var(x0);
    let x = chain(tape, x0);
    let g = x.backward();
    (x.value(), g.wrt(x0))
}

/// The chain recorded once and compiled for replay.
fn compiled() -> Compiled {
    let tape = Tape::new();
    let x0 = tape.var(X0);
    let x = chain(&tape, x0);
    tape.compile(x, &[x0]).expect("the chain compiles")
}

fn reverse(tape: &reverse::Tape, x0: f64) -> (f64, f64) {
    let x0 = tape.add_var(x0);
    let x = chain(tape, x0);
    let g = x.grad();
    (x.val, g.wrt(&x0))
}

/// ad_trait: the thread's graph emptied by the first variable.
fn ad_trait(x0: f64) -> (f64, f64) {
    let x0 = adr::new_variable(x0, true);
    let x = chain(AdTrait, Adr(x0)).0;
    let g = x.get_backwards_mode_grad();
    (x.value(), g.wrt(&x0))
}

/// echidna: `grad` records on a new tape each call.
fn echidna(x0: f64) -> (f64, f64) {
    let (value, g) = echidna_grad(|x| chain(Echidna, x[0]), &[x0]);
    (value, g[0])
}

/// Checks every system against the hand-written gradient; returns the tape
/// sizes.
pub fn check() -> TapeSize {
    let (value, grad) = hand(X0, &mut Vec::new());
    assert_close("w1 f64 value", plain(X0), value);
    let mut tape = Tape::new();
    for _ in 0..2 {
        tape.clear();
        let (v, g) = tapegrad(&tape, X0);
        assert_close("w1 tapegrad value", v, value);
        assert_close("w1 tapegrad gradient", g, grad);
    }
    let mut f = compiled();
    for _ in 0..2 {
        let mut g = [0.0];
        assert_close("w1 replay value", f.value(&[X0]).unwrap(), value);
        assert_close("w1 replay value", f.gradient(&[X0], &mut g).unwrap(), value);
        assert_close("w1 replay gradient", g[0], grad);
    }
    let rtape = reverse::Tape::new();
    for _ in 0..2 {
        rtape.clear();
        let (v, g) = reverse(&rtape, X0);
        assert_close("w1 reverse value", v, value);
        assert_close("w1 reverse gradient", g, grad);
    }
    for _ in 0..2 {
        let (v, g) = ad_trait(X0);
        assert_close("w1 ad_trait value", v, value);
        assert_close("w1 ad_trait gradient", g, grad);
        let (v, g) = echidna(X0);
        assert_close("w1 echidna value", v, value);
        assert_close("w1 echidna gradient", g, grad);
    }
    TapeSize {
        tapegrad_nodes: tape.len(),
        tapegrad_bytes: tape.bytes_used(),
        reverse_nodes: rtape.len(),
        reverse_bytes: reverse_bytes(rtape.len()),
        replay_bytes: f.bytes_used(),
        replay_nodes: f.len(),
    }
}

pub fn bench(c: &mut Criterion) {
    let mut g: BenchmarkGroup<'_, WallTime> = c.benchmark_group(GROUP);
    g.sampling_mode(SamplingMode::Flat);
    g.bench_function("f64", |b| b.iter(|| plain(black_box(X0))));
    let mut slopes = Vec::new();
    g.bench_function("hand", |b| b.iter(|| hand(black_box(X0), &mut slopes)));
    let mut tape = Tape::new();
    g.bench_function("tapegrad_reused", |b| {
        b.iter(|| {
            tape.clear();
            tapegrad(&tape, black_box(X0))
        })
    });
    g.bench_function("tapegrad_fresh", |b| {
        b.iter(|| tapegrad(&Tape::new(), black_box(X0)))
    });
    // The same with every node's source line kept.
    let mut located = Tape::with_locations();
    g.bench_function("tapegrad_located_reused", |b| {
        b.iter(|| {
            located.clear();
            tapegrad(&located, black_box(X0))
        })
    });
    let mut f = compiled();
    g.bench_function("replay_value", |b| {
        b.iter(|| f.value(&[black_box(X0)]).unwrap())
    });
    let mut grad = [0.0];
    g.bench_function("replay_gradient", |b| {
        b.iter(|| f.gradient(&[black_box(X0)], &mut grad).unwrap())
    });
    let rtape = reverse::Tape::new();
    g.bench_function("reverse_reused", |b| {
        b.iter(|| {
            rtape.clear();
            reverse(&rtape, black_box(X0))
        })
    });
    g.bench_function("reverse_fresh", |b| {
        b.iter(|| reverse(&reverse::Tape::new(), black_box(X0)))
    });
    g.bench_function("ad_trait_reused", |b| b.iter(|| ad_trait(black_box(X0))));
    g.bench_function("echidna_fresh", |b| b.iter(|| echidna(black_box(X0))));
    g.finish();
}
