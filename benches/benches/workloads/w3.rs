//! W3, one training step of micrograd's demo model: a scalar 2-16-16-1 MLP
//! (tanh hidden layers, linear output), the mean hinge loss
//! `relu(1 - y·score)` over a batch of 100 points plus `1e-4·Σ p²`, forward
//! and backward over the whole batch on one tape.

use std::array;
use std::f64::consts::PI;
use std::hint::black_box;
use std::iter::once;
use std::mem;

use ad_trait::reverse_ad::adr::adr;
use criterion::Criterion;
use reverse::Gradient;
use tapegrad::{Compiled, Tape, Var};

use crate::common::{
    Lcg, OpByOp, Plain, Rec, TapeSize, assert_all_close, assert_close, recycle, reverse_bytes,
};
use crate::others::{AdTrait, Adr, Echidna, echidna_grad};

pub const GROUP: &str = "w3_mlp";
const BATCH: usize = 100;
const HIDDEN: usize = 16;
const ALPHA: f64 = 1e-4;
/// Parameters, neuron by neuron, each neuron's weights then its bias:
/// layer 1 (16 × 3) from 0, layer 2 (16 × 17) from `L2`, the output neuron
/// (17) from `L3`.
const L2: usize = 3 * HIDDEN;
const L3: usize = L2 + (HIDDEN + 1) * HIDDEN;
const PARAMS: usize = L3 + HIDDEN + 1;

pub struct Model {
    params: Vec<f64>,
    /// Points and labels (±1).
    points: Vec<([f64; 2], f64)>,
}

/// Two interleaved half moons with a little fixed jitter, and weights
/// uniform in [-1, 1) as micrograd draws them.
fn model() -> Model {
    let mut lcg = Lcg(3);
    let points = (0..BATCH)
        .map(|k| {
            let t = PI * (k / 2) as f64 / (BATCH / 2 - 1) as f64;
            let (x, y, label) = if k % 2 == 0 {
                (t.cos(), t.sin(), 1.0)
            } else {
                (1.0 - t.cos(), 0.5 - t.sin(), -1.0)
            };
            ([x + 0.1 * lcg.uniform(), y + 0.1 * lcg.uniform()], label)
        })
        .collect();
    let params = (0..PARAMS).map(|_| lcg.uniform()).collect();
    Model { params, points }
}

/// The model's score for one point.
#[inline(always)]
fn score<R: Rec>(r: R, p: &[R::V], x: [f64; 2]) -> R::V {
    let h1: [R::V; HIDDEN] = array::from_fn(|j| {
        let n = &p[3 * j..3 * j + 3];
        r.tanh(r.sum([n[2], n[0] * x[0], n[1] * x[1]].into_iter()))
    });
    let h2: [R::V; HIDDEN] = array::from_fn(|j| {
        let n = &p[L2 + (HIDDEN + 1) * j..L2 + (HIDDEN + 1) * (j + 1)];
        let terms = n[..HIDDEN].iter().zip(&h1).map(|(&w, &h)| w * h);
        r.tanh(r.sum(once(n[HIDDEN]).chain(terms)))
    });
    let n = &p[L3..L3 + HIDDEN + 1];
    let terms = n[..HIDDEN].iter().zip(&h2).map(|(&w, &h)| w * h);
    r.sum(once(n[HIDDEN]).chain(terms))
}

/// The workload, once for every system: micrograd's `loss()`.
#[inline(always)]
fn loss<R: Rec>(r: R, p: &[R::V], m: &Model) -> R::V {
    let losses = m
        .points
        .iter()
        .map(|&(x, y)| r.relu(score(r, p, x) * -y + 1.0));
    let data_loss = r.sum(losses) * (1.0 / BATCH as f64);
    let reg_loss = r.sum(p.iter().map(|&q| q * q)) * ALPHA;
    data_loss + reg_loss
}

fn plain(m: &Model) -> f64 {
    loss(Plain, &m.params, m)
}

/// Forward and backward by hand; the gradient goes into `grad`.
fn hand(m: &Model, grad: &mut [f64]) -> f64 {
    let p = &m.params;
    grad.fill(0.0);
    let scale = 1.0 / BATCH as f64;
    let mut data_loss = 0.0;
    for &(x, y) in &m.points {
        let mut h1 = [0.0; HIDDEN];
        for (j, h) in h1.iter_mut().enumerate() {
            let n = &p[3 * j..3 * j + 3];
            *h = (n[2] + n[0] * x[0] + n[1] * x[1]).tanh();
        }
        let mut h2 = [0.0; HIDDEN];
        for (j, h) in h2.iter_mut().enumerate() {
            let n = &p[L2 + (HIDDEN + 1) * j..];
            let mut a = n[HIDDEN];
            for i in 0..HIDDEN {
                a += n[i] * h1[i];
            }
            *h = a.tanh();
        }
        let mut s = p[L3 + HIDDEN];
        for i in 0..HIDDEN {
            s += p[L3 + i] * h2[i];
        }
        let margin = s * -y + 1.0;
        if margin <= 0.0 {
            continue; // relu is flat here: no loss, no gradient
        }
        data_loss += margin;
        let ds = -y * scale;
        grad[L3 + HIDDEN] += ds;
        let mut dz2 = [0.0; HIDDEN];
        for i in 0..HIDDEN {
            grad[L3 + i] += ds * h2[i];
            dz2[i] = ds * p[L3 + i] * (1.0 - h2[i] * h2[i]);
        }
        let mut dh1 = [0.0; HIDDEN];
        for (j, &dz) in dz2.iter().enumerate() {
            let base = L2 + (HIDDEN + 1) * j;
            grad[base + HIDDEN] += dz;
            for i in 0..HIDDEN {
                grad[base + i] += dz * h1[i];
                dh1[i] += dz * p[base + i];
            }
        }
        for j in 0..HIDDEN {
            let dz = dh1[j] * (1.0 - h1[j] * h1[j]);
            grad[3 * j] += dz * x[0];
            grad[3 * j + 1] += dz * x[1];
            grad[3 * j + 2] += dz;
        }
    }
    let mut reg = 0.0;
    for (g, &q) in grad.iter_mut().zip(p) {
        reg += q * q;
        *g += 2.0 * ALPHA * q;
    }
    data_loss * scale + reg * ALPHA
}

fn tapegrad(tape: &Tape, m: &Model, ps: &mut Vec<Var>, out: &mut [f64]) -> f64 {
    tapegrad_with(tape, tape, m, ps, out)
}

/// The step on `tape`, its sums written as `r` writes them.
#[inline(always)]
fn tapegrad_with<R: Rec<V = Var>>(
    r: R,
    tape: &Tape,
    m: &Model,
    ps: &mut Vec<Var>,
    out: &mut [f64],
) -> f64 {
    ps.extend(m.params.iter().map(|&p| tape.var(p)));
    let l = loss(r, ps, m);
    let g = l.backward();
    for (o, &p) in out.iter_mut().zip(ps.iter()) {
        *o = g.wrt(p);
    }
    l.value()
}

/// The step recorded once (sums as `Tape::sum` nodes) and compiled.
fn compiled(m: &Model) -> Compiled {
    let tape = Tape::new();
    let ps: Vec<Var> = m.params.iter().map(|&p| tape.var(p)).collect();
    let l = loss(&tape, &ps, m);
    tape.compile(l, &ps).expect("the step compiles")
}

/// The step recorded once op by op (`acc = acc + w·x`) and compiled.
fn compiled_ops(m: &Model) -> Compiled {
    let tape = Tape::new();
    let ps: Vec<Var> = m.params.iter().map(|&p| tape.var(p)).collect();
    let l = loss(OpByOp(&tape), &ps, m);
    tape.compile(l, &ps).expect("the step compiles")
}

fn reverse<'t>(
    tape: &'t reverse::Tape,
    m: &Model,
    ps: &mut Vec<reverse::Var<'t>>,
    out: &mut [f64],
) -> f64 {
    reverse_with(tape, tape, m, ps, out)
}

#[inline(always)]
fn reverse_with<'t, R: Rec<V = reverse::Var<'t>>>(
    r: R,
    tape: &'t reverse::Tape,
    m: &Model,
    ps: &mut Vec<reverse::Var<'t>>,
    out: &mut [f64],
) -> f64 {
    ps.extend(m.params.iter().map(|&p| tape.add_var(p)));
    let l = loss(r, ps, m);
    let g = l.grad();
    for (o, p) in out.iter_mut().zip(ps.iter()) {
        *o = g.wrt(p);
    }
    l.val
}

/// ad_trait: the thread's graph emptied by the first parameter; `ps` is an
/// empty buffer for the parameters' handles.
fn ad_trait(m: &Model, ps: &mut Vec<Adr>, out: &mut [f64]) -> f64 {
    ps.extend(
        m.params
            .iter()
            .enumerate()
            .map(|(i, &p)| Adr(adr::new_variable(p, i == 0))),
    );
    let l = loss(AdTrait, ps, m).0;
    let g = l.get_backwards_mode_grad();
    for (o, p) in out.iter_mut().zip(ps.iter()) {
        *o = g.wrt(&p.0);
    }
    l.value()
}

/// echidna: `grad` over the parameters, on a new tape each call.
fn echidna(m: &Model, out: &mut [f64]) -> f64 {
    let (l, g) = echidna_grad(|p| loss(Echidna, p, m), &m.params);
    out.copy_from_slice(&g);
    l
}

pub fn check() -> TapeSize {
    let m = model();
    let mut want = vec![0.0; PARAMS];
    let value = hand(&m, &mut want);
    assert_close("w3 f64 value", plain(&m), value);
    let active = m
        .points
        .iter()
        .filter(|&&(x, y)| score(Plain, &m.params, x) * -y + 1.0 > 0.0)
        .count();
    assert!(
        0 < active && active < BATCH,
        "the hinge should be active for some points and not others ({active})"
    );
    let mut out = vec![0.0; PARAMS];
    let mut tape = Tape::new();
    let mut ps = Vec::new();
    for _ in 0..2 {
        tape.clear();
        out.fill(f64::NAN);
        let mut handles = recycle(mem::take(&mut ps));
        assert_close(
            "w3 tapegrad value",
            tapegrad(&tape, &m, &mut handles, &mut out),
            value,
        );
        ps = recycle::<_, Var>(handles);
        assert_all_close("w3 tapegrad gradient", &out, &want);
    }
    for _ in 0..2 {
        tape.clear();
        out.fill(f64::NAN);
        let mut handles = recycle(mem::take(&mut ps));
        assert_close(
            "w3 tapegrad op-by-op value",
            tapegrad_with(OpByOp(&tape), &tape, &m, &mut handles, &mut out),
            value,
        );
        ps = recycle::<_, Var>(handles);
        assert_all_close("w3 tapegrad op-by-op gradient", &out, &want);
    }
    let ops_size = (tape.len(), tape.bytes_used());
    let mut f = compiled(&m);
    for _ in 0..2 {
        out.fill(f64::NAN);
        assert_close("w3 replay value", f.value(&m.params).unwrap(), value);
        let l = f.gradient(&m.params, &mut out).unwrap();
        assert_close("w3 replay value", l, value);
        assert_all_close("w3 replay gradient", &out, &want);
    }
    let mut f_ops = compiled_ops(&m);
    out.fill(f64::NAN);
    let l = f_ops.gradient(&m.params, &mut out).unwrap();
    assert_close("w3 op-by-op replay value", l, value);
    assert_all_close("w3 op-by-op replay gradient", &out, &want);
    println!(
        "w3 op by op: {} nodes, {:.2} bytes/op",
        ops_size.0,
        ops_size.1 as f64 / ops_size.0 as f64
    );
    let rtape = reverse::Tape::new();
    let mut rps = Vec::new();
    for _ in 0..2 {
        rtape.clear();
        out.fill(f64::NAN);
        let mut handles = recycle(mem::take(&mut rps));
        assert_close(
            "w3 reverse value",
            reverse(&rtape, &m, &mut handles, &mut out),
            value,
        );
        rps = recycle::<_, reverse::Var>(handles);
        assert_all_close("w3 reverse gradient", &out, &want);
    }
    for _ in 0..2 {
        rtape.clear();
        out.fill(f64::NAN);
        let mut handles = recycle(mem::take(&mut rps));
        assert_close(
            "w3 reverse op-by-op value",
            reverse_with(OpByOp(&rtape), &rtape, &m, &mut handles, &mut out),
            value,
        );
        rps = recycle::<_, reverse::Var>(handles);
        assert_all_close("w3 reverse op-by-op gradient", &out, &want);
    }
    let mut aps = Vec::new();
    for _ in 0..2 {
        out.fill(f64::NAN);
        aps.clear();
        assert_close("w3 ad_trait value", ad_trait(&m, &mut aps, &mut out), value);
        assert_all_close("w3 ad_trait gradient", &out, &want);
        out.fill(f64::NAN);
        assert_close("w3 echidna value", echidna(&m, &mut out), value);
        assert_all_close("w3 echidna gradient", &out, &want);
    }
    tape.clear();
    let _ = tapegrad(&tape, &m, &mut recycle(mem::take(&mut ps)), &mut out);
    TapeSize {
        tapegrad_nodes: tape.len(),
        tapegrad_bytes: tape.bytes_used(),
        reverse_nodes: rtape.len(),
        reverse_bytes: reverse_bytes(rtape.len()),
        replay_nodes: f.len(),
        replay_bytes: f.bytes_used(),
    }
}

pub fn bench(c: &mut Criterion) {
    let m = model();
    let m = &m;
    let mut out = vec![0.0; PARAMS];
    let mut g = c.benchmark_group(GROUP);
    g.bench_function("f64", |b| b.iter(|| plain(black_box(m))));
    g.bench_function("hand", |b| {
        b.iter(|| {
            let l = hand(black_box(m), &mut out);
            black_box(&out);
            l
        })
    });
    let mut ps: Vec<Var> = Vec::new();
    let mut tape = Tape::new();
    g.bench_function("tapegrad_reused", |b| {
        b.iter(|| {
            tape.clear();
            let mut handles = recycle(mem::take(&mut ps));
            let l = tapegrad(&tape, black_box(m), &mut handles, &mut out);
            ps = recycle(handles);
            black_box(&out);
            l
        })
    });
    g.bench_function("tapegrad_fresh", |b| {
        b.iter(|| {
            let tape = Tape::new();
            let mut handles = recycle(mem::take(&mut ps));
            let l = tapegrad(&tape, black_box(m), &mut handles, &mut out);
            ps = recycle(handles);
            black_box(&out);
            l
        })
    });
    g.bench_function("tapegrad_ops_reused", |b| {
        b.iter(|| {
            tape.clear();
            let mut handles = recycle(mem::take(&mut ps));
            let l = tapegrad_with(OpByOp(&tape), &tape, black_box(m), &mut handles, &mut out);
            ps = recycle(handles);
            black_box(&out);
            l
        })
    });
    g.bench_function("tapegrad_ops_fresh", |b| {
        b.iter(|| {
            let tape = Tape::new();
            let mut handles = recycle(mem::take(&mut ps));
            let l = tapegrad_with(OpByOp(&tape), &tape, black_box(m), &mut handles, &mut out);
            ps = recycle(handles);
            black_box(&out);
            l
        })
    });
    let mut f = compiled(m);
    g.bench_function("replay_value", |b| {
        b.iter(|| f.value(black_box(&m.params)).unwrap())
    });
    g.bench_function("replay_gradient", |b| {
        b.iter(|| {
            let l = f.gradient(black_box(&m.params), &mut out).unwrap();
            black_box(&out);
            l
        })
    });
    let mut f_ops = compiled_ops(m);
    g.bench_function("replay_ops_gradient", |b| {
        b.iter(|| {
            let l = f_ops.gradient(black_box(&m.params), &mut out).unwrap();
            black_box(&out);
            l
        })
    });
    let mut rps: Vec<reverse::Var> = Vec::new();
    let rtape = reverse::Tape::new();
    g.bench_function("reverse_reused", |b| {
        b.iter(|| {
            rtape.clear();
            let mut handles = recycle(mem::take(&mut rps));
            let l = reverse(&rtape, black_box(m), &mut handles, &mut out);
            rps = recycle(handles);
            black_box(&out);
            l
        })
    });
    g.bench_function("reverse_ops_reused", |b| {
        b.iter(|| {
            rtape.clear();
            let mut handles = recycle(mem::take(&mut rps));
            let l = reverse_with(OpByOp(&rtape), &rtape, black_box(m), &mut handles, &mut out);
            rps = recycle(handles);
            black_box(&out);
            l
        })
    });
    g.bench_function("reverse_fresh", |b| {
        b.iter(|| {
            let tape = reverse::Tape::new();
            let mut handles = recycle(mem::take(&mut rps));
            let l = reverse(&tape, black_box(m), &mut handles, &mut out);
            rps = recycle(handles);
            black_box(&out);
            l
        })
    });
    g.bench_function("reverse_ops_fresh", |b| {
        b.iter(|| {
            let tape = reverse::Tape::new();
            let mut handles = recycle(mem::take(&mut rps));
            let l = reverse_with(OpByOp(&tape), &tape, black_box(m), &mut handles, &mut out);
            rps = recycle(handles);
            black_box(&out);
            l
        })
    });
    let mut aps = Vec::new();
    g.bench_function("ad_trait_reused", |b| {
        b.iter(|| {
            aps.clear();
            let l = ad_trait(black_box(m), &mut aps, &mut out);
            black_box(&out);
            l
        })
    });
    g.bench_function("echidna_fresh", |b| {
        b.iter(|| {
            let l = echidna(black_box(m), &mut out);
            black_box(&out);
            l
        })
    });
    g.finish();
}
