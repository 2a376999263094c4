//! W2, one wide neuron: `Z = Σ wᵢ·xᵢ + b` over 1,000,000 weights (the xᵢ
//! plain data), and the gradient with respect to every weight and `b`.

use std::hint::black_box;
use std::mem;

use ad_trait::reverse_ad::adr::adr;
use criterion::{Criterion, SamplingMode};
use reverse::Gradient;
use tapegrad::{Tape, Var};

use crate::common::{
    Lcg, OpByOp, Plain, Rec, TapeSize, assert_all_close, assert_close, recycle, reverse_bytes,
};
use crate::others::{AdTrait, Adr, Echidna, echidna_grad};

pub const GROUP: &str = "w2_neuron";
const N: usize = 1_000_000;

pub struct Data {
    w: Vec<f64>,
    x: Vec<f64>,
    b: f64,
    /// The weights, then `b`: the inputs of echidna's `grad`.
    wb: Vec<f64>,
}

fn data() -> Data {
    let mut lcg = Lcg(2);
    let w: Vec<f64> = (0..N).map(|_| lcg.uniform()).collect();
    let x = (0..N).map(|_| lcg.uniform()).collect();
    let b = 0.1;
    let wb = w.iter().copied().chain([b]).collect();
    Data { w, x, b, wb }
}

/// The workload, once for every system.
#[inline(always)]
fn neuron<R: Rec>(r: R, w: &[R::V], x: &[f64], b: R::V) -> R::V {
    r.sum(w.iter().zip(x).map(|(&w, &x)| w * x)) + b
}

fn plain(d: &Data) -> f64 {
    neuron(Plain, &d.w, &d.x, d.b)
}

/// `∂Z/∂wᵢ = xᵢ`, `∂Z/∂b = 1`, written into `out` (weights, then b).
fn hand(d: &Data, out: &mut [f64]) -> f64 {
    let mut z = 0.0;
    for ((&w, &x), o) in d.w.iter().zip(&d.x).zip(out.iter_mut()) {
        z += w * x;
        *o = x;
    }
    out[N] = 1.0;
    z + d.b
}

/// Records the neuron as tapegrad's API writes it (a block of leaves and one
/// dot node), backpropagates and copies the gradient into `out`.
fn tapegrad(tape: &Tape, d: &Data, out: &mut [f64]) -> f64 {
    let w = tape.vars(&d.w);
    let b = tape.var(d.b);
    let z = w.dot(&d.x) + b;
    let g = z.backward();
    out[..N].copy_from_slice(&g.wrt_vars(w));
    out[N] = g.wrt(b);
    z.value()
}

/// The same with a `tape.var` per weight, as the generic workload writes it
/// for every system (a leaf, a product and a sum input per weight); `ws` is
/// an empty buffer for the weights' handles.
fn tapegrad_ops(tape: &Tape, d: &Data, ws: &mut Vec<Var>, out: &mut [f64]) -> f64 {
    tapegrad_with(tape, tape, d, ws, out)
}

/// The neuron on `tape`, its sum written as `r` writes it; the gradient read
/// back with `g[w]` per weight.
#[inline(always)]
fn tapegrad_with<R: Rec<V = Var>>(
    r: R,
    tape: &Tape,
    d: &Data,
    ws: &mut Vec<Var>,
    out: &mut [f64],
) -> f64 {
    ws.extend(d.w.iter().map(|&w| tape.var(w)));
    let b = tape.var(d.b);
    let z = neuron(r, ws, &d.x, b);
    let g = z.backward();
    for (o, &w) in out.iter_mut().zip(ws.iter()) {
        *o = g[w];
    }
    out[N] = g[b];
    z.value()
}

/// Op by op as a user writes the loop: a `tape.var` per weight and
/// `acc = acc + w * x` (a leaf, a product and an addition per weight), as
/// `reverse` records it.
fn tapegrad_loop(tape: &Tape, d: &Data, ws: &mut Vec<Var>, out: &mut [f64]) -> f64 {
    tapegrad_with(OpByOp(tape), tape, d, ws, out)
}

/// ad_trait: the thread's graph emptied by the first weight; `ws` is an
/// empty buffer for the weights' handles.
fn ad_trait(d: &Data, ws: &mut Vec<Adr>, out: &mut [f64]) -> f64 {
    ws.extend(
        d.w.iter()
            .enumerate()
            .map(|(i, &w)| Adr(adr::new_variable(w, i == 0))),
    );
    let b = Adr(adr::new_variable(d.b, false));
    let z = neuron(AdTrait, ws, &d.x, b).0;
    let g = z.get_backwards_mode_grad();
    for (o, w) in out.iter_mut().zip(ws.iter()) {
        *o = g.wrt(&w.0);
    }
    out[N] = g.wrt(&b.0);
    z.value()
}

/// echidna: `grad` over the weights and `b`, on a new tape each call.
fn echidna(d: &Data, out: &mut [f64]) -> f64 {
    let (z, g) = echidna_grad(|wb| neuron(Echidna, &wb[..N], &d.x, wb[N]), &d.wb);
    out.copy_from_slice(&g);
    z
}

fn reverse<'t>(
    tape: &'t reverse::Tape,
    d: &Data,
    ws: &mut Vec<reverse::Var<'t>>,
    out: &mut [f64],
) -> f64 {
    ws.extend(d.w.iter().map(|&w| tape.add_var(w)));
    let b = tape.add_var(d.b);
    let z = neuron(tape, ws, &d.x, b);
    let g = z.grad();
    for (o, w) in out.iter_mut().zip(ws.iter()) {
        *o = g.wrt(w);
    }
    out[N] = g.wrt(&b);
    z.val
}

pub fn check() -> TapeSize {
    let d = data();
    let mut want = vec![0.0; N + 1];
    let value = hand(&d, &mut want);
    assert_close("w2 f64 value", plain(&d), value);
    let mut out = vec![0.0; N + 1];
    let mut tape = Tape::new();
    for _ in 0..2 {
        tape.clear();
        out.fill(f64::NAN);
        assert_close("w2 tapegrad value", tapegrad(&tape, &d, &mut out), value);
        assert_all_close("w2 tapegrad gradient", &out, &want);
    }
    let size = (tape.len(), tape.bytes_used());
    let mut ws = Vec::new();
    for _ in 0..2 {
        tape.clear();
        out.fill(f64::NAN);
        let mut handles = recycle(mem::take(&mut ws));
        assert_close(
            "w2 tapegrad_ops value",
            tapegrad_ops(&tape, &d, &mut handles, &mut out),
            value,
        );
        ws = recycle::<_, Var>(handles);
        assert_all_close("w2 tapegrad_ops gradient", &out, &want);
    }
    let ops_size = (tape.len(), tape.bytes_used());
    for _ in 0..2 {
        tape.clear();
        out.fill(f64::NAN);
        let mut handles = recycle(mem::take(&mut ws));
        assert_close(
            "w2 tapegrad_loop value",
            tapegrad_loop(&tape, &d, &mut handles, &mut out),
            value,
        );
        ws = recycle::<_, Var>(handles);
        assert_all_close("w2 tapegrad_loop gradient", &out, &want);
    }
    let mut aws = Vec::new();
    for _ in 0..2 {
        out.fill(f64::NAN);
        aws.clear();
        assert_close("w2 ad_trait value", ad_trait(&d, &mut aws, &mut out), value);
        assert_all_close("w2 ad_trait gradient", &out, &want);
        out.fill(f64::NAN);
        assert_close("w2 echidna value", echidna(&d, &mut out), value);
        assert_all_close("w2 echidna gradient", &out, &want);
    }
    assert!(
        ws.capacity() >= N,
        "recycle() no longer keeps the allocation: the timed loops would reallocate"
    );
    let rtape = reverse::Tape::new();
    let mut rws = Vec::new();
    for _ in 0..2 {
        rtape.clear();
        out.fill(f64::NAN);
        let mut handles = recycle(mem::take(&mut rws));
        assert_close(
            "w2 reverse value",
            reverse(&rtape, &d, &mut handles, &mut out),
            value,
        );
        rws = recycle::<_, reverse::Var>(handles);
        assert_all_close("w2 reverse gradient", &out, &want);
    }
    println!(
        "w2 op by op: {} nodes, {:.2} bytes/op",
        ops_size.0,
        ops_size.1 as f64 / ops_size.0 as f64
    );
    // A fresh tape's buffers go back to the pool only under its bound.
    println!(
        "w2 as a loop: {} nodes, {:.2} bytes/op, {:.1} MiB reserved (the pool keeps at most {} MiB)",
        tape.len(),
        tape.bytes_used() as f64 / tape.len() as f64,
        tape.bytes_reserved() as f64 / (1 << 20) as f64,
        Tape::POOL_BYTES >> 20
    );
    TapeSize {
        tapegrad_nodes: size.0,
        tapegrad_bytes: size.1,
        reverse_nodes: rtape.len(),
        reverse_bytes: reverse_bytes(rtape.len()),
        replay_nodes: 0,
        replay_bytes: 0,
    }
}

pub fn bench(c: &mut Criterion) {
    let d = data();
    let d = &d;
    let mut out = vec![0.0; N + 1];
    let mut g = c.benchmark_group(GROUP);
    g.sampling_mode(SamplingMode::Flat);
    g.bench_function("f64", |b| b.iter(|| plain(black_box(d))));
    g.bench_function("hand", |b| {
        b.iter(|| {
            let z = hand(black_box(d), &mut out);
            black_box(&out);
            z
        })
    });
    let mut tape = Tape::new();
    g.bench_function("tapegrad_reused", |b| {
        b.iter(|| {
            tape.clear();
            let z = tapegrad(&tape, black_box(d), &mut out);
            black_box(&out);
            z
        })
    });
    g.bench_function("tapegrad_fresh", |b| {
        b.iter(|| {
            let tape = Tape::new();
            let z = tapegrad(&tape, black_box(d), &mut out);
            black_box(&out);
            z
        })
    });
    // One buffer of handles for every run of the op-by-op form.
    let mut ws: Vec<Var> = Vec::new();
    g.bench_function("tapegrad_ops_reused", |b| {
        b.iter(|| {
            tape.clear();
            let mut handles = recycle(mem::take(&mut ws));
            let z = tapegrad_ops(&tape, black_box(d), &mut handles, &mut out);
            ws = recycle(handles);
            black_box(&out);
            z
        })
    });
    drop(tape);
    g.bench_function("tapegrad_ops_fresh", |b| {
        b.iter(|| {
            let tape = Tape::new();
            let mut handles = recycle(mem::take(&mut ws));
            let z = tapegrad_ops(&tape, black_box(d), &mut handles, &mut out);
            ws = recycle(handles);
            black_box(&out);
            z
        })
    });
    g.bench_function("tapegrad_loop_fresh", |b| {
        b.iter(|| {
            let tape = Tape::new();
            let mut handles = recycle(mem::take(&mut ws));
            let z = tapegrad_loop(&tape, black_box(d), &mut handles, &mut out);
            ws = recycle(handles);
            black_box(&out);
            z
        })
    });
    let mut rws: Vec<reverse::Var> = Vec::new();
    let rtape = reverse::Tape::new();
    g.bench_function("reverse_reused", |b| {
        b.iter(|| {
            rtape.clear();
            let mut handles = recycle(mem::take(&mut rws));
            let z = reverse(&rtape, black_box(d), &mut handles, &mut out);
            rws = recycle(handles);
            black_box(&out);
            z
        })
    });
    g.bench_function("reverse_fresh", |b| {
        b.iter(|| {
            let tape = reverse::Tape::new();
            let mut handles = recycle(mem::take(&mut rws));
            let z = reverse(&tape, black_box(d), &mut handles, &mut out);
            rws = recycle(handles);
            black_box(&out);
            z
        })
    });
    let mut aws = Vec::new();
    g.bench_function("ad_trait_reused", |b| {
        b.iter(|| {
            aws.clear();
            let z = ad_trait(black_box(d), &mut aws, &mut out);
            black_box(&out);
            z
        })
    });
    g.bench_function("echidna_fresh", |b| {
        b.iter(|| {
            let z = echidna(black_box(d), &mut out);
            black_box(&out);
            z
        })
    });
    g.finish();
}
