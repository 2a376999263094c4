//! Fixed work for instruction counts: each workload runs a set number of
//! steps, so `valgrind --tool=callgrind` counts the same work in two builds
//! of the engine (docs/performance.md, "Reliability round 2" and after).
//!
//! ```text
//! cargo bench -p tapegrad-benches --bench probe --no-run
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/deps/probe-* w1
//! benches/callgrind.sh        # every workload below, and instructions per node
//! ```
//!
//! Workloads on tapegrad: `w1` (the W1 chain, 3 fresh tapes of 1 M nodes,
//! backward), `w1located` (the same on tapes that keep locations), `w2ops` (the W2 neuron op by op: a `tape.var` per weight and
//! `acc = acc + w * x`, 3 fresh tapes of 1 M weights, `g[w]` per weight),
//! `w2api` (the same neuron as the API writes it: `tape.vars` and `dot`),
//! `w3ops` and `w3api` (20 W3 steps on fresh tapes, op by op and with
//! `tape.sum`), `replay` (W3 compiled once, 200 gradient replays), `kinks`
//! (`abs`, `max`, `min`, `atan`, 5 × 50 k steps) and `hessian` (200 Hessians
//! of a small function). The same on the `reverse` crate, written the same
//! way on fresh tapes: `reverse-w1`, `reverse-w2ops`, `reverse-w3ops`.
//!
//! One kind of node at a time, N of them on one fresh tape (N is the second
//! argument, 1,000,000 if none): `unary` (`x = x.sin()`), `binary` (`x = x * y`
//! of two nodes) and `const` (`x = x * 2.5`), each as `KIND-record` (record
//! only), `KIND-sweep` (record, then one backward pass), `KIND-reused`
//! (record, `clear()`, record again) and `KIND-f64` (the same values in plain
//! `f64`); `reverse-KIND-record`, `reverse-KIND-sweep` and
//! `reverse-KIND-reused` on the `reverse` crate; `floor-KIND-record` and
//! `floor-KIND-sweep` on [`floor`], the least a tape of stored partials
//! does, and `floor-full-KIND-…` on the same with op bytes and values. Per
//! node:
//!
//! ```text
//! record         = (instructions(KIND-record N) − instructions(KIND-record 0)) / N
//! sweep          = (instructions(KIND-sweep N) − instructions(KIND-record N)) / N
//! record, reused = (instructions(KIND-reused N) − instructions(KIND-record N)) / N
//! ```
//!
//! and `KIND-f64` the same way is what computing the values alone costs.

use std::hint::black_box;
use std::ops::{Add, Mul};

use reverse::Gradient;
use tapegrad::{Tape, Var};

const HIDDEN: usize = 16;
/// W2's weights.
const WEIGHTS: usize = 1_000_000;

/// What the W3 step needs of a number recorded on a tape.
trait Num:
    Copy + Add<Output = Self> + Mul<Output = Self> + Add<f64, Output = Self> + Mul<f64, Output = Self>
{
    fn sin(self) -> Self;
    fn tanh(self) -> Self;
    fn relu(self) -> Self;
}

impl Num for Var {
    fn sin(self) -> Self {
        Var::sin(self)
    }
    fn tanh(self) -> Self {
        Var::tanh(self)
    }
    fn relu(self) -> Self {
        Var::relu(self)
    }
}

impl Num for reverse::Var<'_> {
    fn sin(self) -> Self {
        reverse::Var::sin(&self)
    }
    fn tanh(self) -> Self {
        reverse::Var::tanh(&self)
    }
    /// `reverse` has no relu: one node with local partial 1 or 0, which is
    /// what tapegrad records too.
    fn relu(self) -> Self {
        self * if self.val > 0.0 { 1.0 } else { 0.0 }
    }
}

/// `acc = acc + t` over the terms, as users write a sum.
fn op_by_op<V: Num>(terms: Vec<V>) -> V {
    let mut acc = terms[0];
    for &t in &terms[1..] {
        // As users write it, the way W3 op by op records.
        #[allow(clippy::assign_op_pattern)]
        {
            acc = acc + t;
        }
    }
    acc
}

fn mlp_loss(tape: &Tape, p: &[Var], pts: &[([f64; 2], f64)], op_by_op: bool) -> Var {
    if op_by_op {
        mlp_loss_by(p, pts, self::op_by_op)
    } else {
        mlp_loss_by(p, pts, |terms| tape.sum(terms))
    }
}

/// W3's loss, its sums written as `sum` writes them.
fn mlp_loss_by<V: Num>(p: &[V], pts: &[([f64; 2], f64)], sum: impl Fn(Vec<V>) -> V) -> V {
    let l2 = 3 * HIDDEN;
    let l3 = l2 + (HIDDEN + 1) * HIDDEN;
    let mut losses = Vec::new();
    for &(x, y) in pts {
        let h1: Vec<V> = (0..HIDDEN)
            .map(|j| {
                let n = &p[3 * j..3 * j + 3];
                sum(vec![n[2], n[0] * x[0], n[1] * x[1]]).tanh()
            })
            .collect();
        let h2: Vec<V> = (0..HIDDEN)
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
    let reg: Vec<V> = p.iter().map(|&q| q * q).collect();
    sum(losses) * 0.01 + sum(reg) * 1e-4
}

/// W2's weights and data.
fn neuron_data() -> (Vec<f64>, Vec<f64>) {
    let w = (0..WEIGHTS)
        .map(|i| ((i * 7919 % 1000) as f64 / 1000.0 - 0.5) * 0.8)
        .collect();
    let x = (0..WEIGHTS)
        .map(|i| ((i * 104_729 % 1000) as f64 / 1000.0 - 0.5) * 2.0)
        .collect();
    (w, x)
}

/// W2 op by op: `acc = acc + w * x`, then `+ b`.
#[inline(always)]
fn neuron<V: Num>(ws: &[V], x: &[f64], b: V) -> V {
    let mut acc = ws[0] * x[0];
    for (&w, &x) in ws[1..].iter().zip(&x[1..]) {
        #[allow(clippy::assign_op_pattern)]
        {
            acc = acc + w * x;
        }
    }
    acc + b
}

/// One kind of node, `n` of them in a chain on one fresh tape.
#[derive(Clone, Copy)]
enum Kind {
    /// `x = x.sin()`.
    Unary,
    /// `x = x * y`, `y` a leaf, alternating 2.5 and 0.4 so values stay finite.
    Binary,
    /// `x = x * 2.5`, then `x * 0.4`, and so on.
    Const,
}

impl Kind {
    fn parse(name: &str) -> Option<Kind> {
        match name {
            "unary" => Some(Kind::Unary),
            "binary" => Some(Kind::Binary),
            "const" => Some(Kind::Const),
            _ => None,
        }
    }
}

/// The chain's values in plain `f64`.
fn nodes_f64(kind: Kind, n: usize) -> f64 {
    let (a, b): (f64, f64) = (black_box(2.5), black_box(0.4));
    let mut x: f64 = black_box(0.5);
    for i in 0..n {
        x = match kind {
            Kind::Unary => x.sin(),
            Kind::Binary | Kind::Const => x * if i % 2 == 0 { a } else { b },
        };
    }
    x
}

/// What a one-kind chain's run does.
#[derive(Clone, Copy, PartialEq)]
enum Run {
    /// Records the chain on a fresh tape.
    Record,
    /// Records it, then one backward pass.
    Sweep,
    /// Records it, clears the tape and records it again: the second
    /// recording is on a tape that has its memory already.
    Reused,
}

/// A chain of `n` nodes of one kind from `x0`, the two-input kind taking
/// `ya` and `yb` in turn. Out of line, so that every run of one engine
/// records through the same code.
#[inline(never)]
fn chain<V: Num>(kind: Kind, n: usize, x0: V, ya: V, yb: V) -> V {
    let (a, b): (f64, f64) = (black_box(2.5), black_box(0.4));
    let mut x = x0;
    for i in 0..n {
        x = match kind {
            Kind::Unary => x.sin(),
            Kind::Binary => x * if i % 2 == 0 { ya } else { yb },
            Kind::Const => x * if i % 2 == 0 { a } else { b },
        };
    }
    x
}

/// The chain on `tape`: the first leaf and the end.
fn chain_tapegrad(tape: &Tape, kind: Kind, n: usize) -> (Var, Var) {
    let x0 = tape.var(black_box(0.5));
    let (ya, yb) = (tape.var(black_box(2.5)), tape.var(black_box(0.4)));
    (x0, chain(kind, n, x0, ya, yb))
}

fn nodes_tapegrad(kind: Kind, n: usize, run: Run) -> f64 {
    let mut tape = Tape::new();
    let (x0, x) = chain_tapegrad(&tape, kind, n);
    match run {
        Run::Record => x.value(),
        Run::Sweep => x.backward()[x0],
        Run::Reused => {
            tape.clear();
            chain_tapegrad(&tape, kind, n).1.value()
        }
    }
}

/// The chain on a `reverse` tape: the first leaf and the end.
fn chain_reverse(
    tape: &reverse::Tape,
    kind: Kind,
    n: usize,
) -> (reverse::Var<'_>, reverse::Var<'_>) {
    let x0 = tape.add_var(black_box(0.5));
    let (ya, yb) = (tape.add_var(black_box(2.5)), tape.add_var(black_box(0.4)));
    (x0, chain(kind, n, x0, ya, yb))
}

fn nodes_reverse(kind: Kind, n: usize, run: Run) -> f64 {
    let tape = reverse::Tape::new();
    let (x0, x) = chain_reverse(&tape, kind, n);
    match run {
        Run::Record => x.val,
        Run::Sweep => x.grad().wrt(&x0),
        Run::Reused => {
            tape.clear();
            chain_reverse(&tape, kind, n).1.val
        }
    }
}

/// The floor of the layout issue 28 suggested, for its instruction counts:
/// each node's partials stored when it is recorded, and a sweep that is one
/// loop of multiply-adds with no dispatch. Not an engine: one thread, two
/// inputs a node (a one-input node sends 0 to node 0), no checks but
/// indexing's, a tape sized ahead so that no growth is counted, and nothing a
/// view, a dump or a replay could read unless `full` keeps the op byte and
/// the value as well.
mod floor {
    use std::cell::UnsafeCell;
    use std::ops::{Add, Mul};

    /// A node: where its inputs are and what each sends back per unit of
    /// adjoint (24 bytes, `reverse`'s node without its `RefCell`).
    #[derive(Clone, Copy)]
    struct Node {
        a: u32,
        b: u32,
        pa: f64,
        pb: f64,
    }

    pub struct Tape {
        nodes: UnsafeCell<Vec<Node>>,
        /// With `full`, an op byte and a value per node: the 9 bytes that
        /// views, dumps and replay read (33 bytes a node in all).
        ops: UnsafeCell<Vec<u8>>,
        values: UnsafeCell<Vec<f64>>,
        full: bool,
    }

    #[derive(Clone, Copy)]
    pub struct Var<'t> {
        tape: &'t Tape,
        index: u32,
        pub value: f64,
    }

    impl Tape {
        pub fn new(full: bool, nodes: usize) -> Tape {
            Tape {
                nodes: UnsafeCell::new(Vec::with_capacity(nodes)),
                ops: UnsafeCell::new(Vec::with_capacity(if full { nodes } else { 0 })),
                values: UnsafeCell::new(Vec::with_capacity(if full { nodes } else { 0 })),
                full,
            }
        }

        #[inline(always)]
        fn push(&self, op: u8, (a, pa): (u32, f64), (b, pb): (u32, f64), value: f64) -> Var<'_> {
            // SAFETY: `UnsafeCell` keeps `Tape` on one thread, and no
            // reference into its vectors outlives a call of `push` or
            // `sweep`, neither of which calls out: these are the only
            // references to them while they live.
            let (nodes, ops, values) = unsafe {
                (
                    &mut *self.nodes.get(),
                    &mut *self.ops.get(),
                    &mut *self.values.get(),
                )
            };
            let index = nodes.len() as u32;
            nodes.push(Node { a, b, pa, pb });
            if self.full {
                ops.push(op);
                values.push(value);
            }
            Var {
                tape: self,
                index,
                value,
            }
        }

        pub fn var(&self, value: f64) -> Var<'_> {
            self.push(0, (0, 0.0), (0, 0.0), value)
        }

        /// Every node's adjoint, the output's seeded with 1.
        pub fn sweep(&self, output: Var<'_>) -> Vec<f64> {
            // SAFETY: as in `push`.
            let nodes = unsafe { &*self.nodes.get() };
            let mut adjoints = vec![0.0; nodes.len()];
            adjoints[output.index as usize] = 1.0;
            for (i, n) in nodes.iter().enumerate().rev() {
                let g = adjoints[i];
                adjoints[n.a as usize] += g * n.pa;
                adjoints[n.b as usize] += g * n.pb;
            }
            adjoints
        }
    }

    impl<'t> Var<'t> {
        /// A one-input node with partial `p`.
        #[inline(always)]
        fn unary(self, op: u8, p: f64, value: f64) -> Var<'t> {
            self.tape.push(op, (self.index, p), (0, 0.0), value)
        }

        pub fn index(self) -> usize {
            self.index as usize
        }
    }

    impl<'t> Add for Var<'t> {
        type Output = Var<'t>;
        #[inline(always)]
        fn add(self, y: Var<'t>) -> Var<'t> {
            let value = self.value + y.value;
            self.tape.push(1, (self.index, 1.0), (y.index, 1.0), value)
        }
    }

    impl<'t> Mul for Var<'t> {
        type Output = Var<'t>;
        #[inline(always)]
        fn mul(self, y: Var<'t>) -> Var<'t> {
            let value = self.value * y.value;
            self.tape
                .push(2, (self.index, y.value), (y.index, self.value), value)
        }
    }

    impl<'t> Add<f64> for Var<'t> {
        type Output = Var<'t>;
        #[inline(always)]
        fn add(self, c: f64) -> Var<'t> {
            self.unary(3, 1.0, self.value + c)
        }
    }

    impl<'t> Mul<f64> for Var<'t> {
        type Output = Var<'t>;
        #[inline(always)]
        fn mul(self, c: f64) -> Var<'t> {
            self.unary(4, c, self.value * c)
        }
    }

    impl super::Num for Var<'_> {
        fn sin(self) -> Self {
            self.unary(5, self.value.cos(), self.value.sin())
        }
        fn tanh(self) -> Self {
            let t = self.value.tanh();
            self.unary(6, 1.0 - t * t, t)
        }
        fn relu(self) -> Self {
            let p = if self.value > 0.0 { 1.0 } else { 0.0 };
            self.unary(7, p, self.value * p)
        }
    }
}

/// The chain on a floor tape (`full`: with op bytes and values), sized for
/// it, then its sweep if asked.
fn nodes_floor(kind: Kind, n: usize, run: Run, full: bool) -> f64 {
    let tape = floor::Tape::new(full, n + 3);
    let x0 = tape.var(black_box(0.5));
    let (ya, yb) = (tape.var(black_box(2.5)), tape.var(black_box(0.4)));
    let x = chain(kind, n, x0, ya, yb);
    match run {
        Run::Sweep => tape.sweep(x)[x0.index()],
        _ => x.value,
    }
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

/// The workloads' names, for messages.
const WORKLOADS: &str = "w1, w1located, w2ops, w2api, w3ops, w3api, replay, kinks, hessian, reverse-w1, \
reverse-w2ops, reverse-w3ops, or KIND-record, KIND-sweep, KIND-reused, KIND-f64 and the same \
with reverse- before them but KIND-f64, floor-KIND-record, floor-KIND-sweep and the same with \
floor-full- before them, KIND being unary, binary or const";

#[derive(Clone, Copy)]
enum System {
    F64,
    Tapegrad,
    Reverse,
    /// [`floor`], with op bytes and values if `full`.
    Floor {
        full: bool,
    },
}

/// A one-kind chain's system, kind and run, from its name.
fn nodes(name: &str) -> Option<(System, Kind, Run)> {
    let (system, rest) = if let Some(rest) = name.strip_prefix("reverse-") {
        (System::Reverse, rest)
    } else if let Some(rest) = name.strip_prefix("floor-full-") {
        (System::Floor { full: true }, rest)
    } else if let Some(rest) = name.strip_prefix("floor-") {
        (System::Floor { full: false }, rest)
    } else {
        (System::Tapegrad, name)
    };
    let (kind, variant) = rest.split_once('-')?;
    let kind = Kind::parse(kind)?;
    match (system, variant) {
        (_, "record") => Some((system, kind, Run::Record)),
        (_, "sweep") => Some((system, kind, Run::Sweep)),
        (System::Floor { .. }, _) => None,
        (_, "reused") => Some((system, kind, Run::Reused)),
        (System::Tapegrad, "f64") => Some((System::F64, kind, Run::Record)),
        _ => None,
    }
}

fn main() {
    // `cargo bench` passes `--bench`; a workload is named by the other
    // arguments: its name, then the nodes of a one-kind chain.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let Some(which) = args.first() else {
        println!("probe: name a workload ({WORKLOADS}) to run it under callgrind");
        return;
    };
    let n: usize = match args.get(1) {
        None => 1_000_000,
        Some(n) => n
            .parse()
            .unwrap_or_else(|_| panic!("the node count `{n}` is not a whole number")),
    };
    let ps = params();
    let pts = points();
    let mut acc = 0.0;
    if let Some(kind) = nodes(which) {
        acc += match kind {
            (System::F64, kind, _) => nodes_f64(kind, n),
            (System::Tapegrad, kind, run) => nodes_tapegrad(kind, n, run),
            (System::Reverse, kind, run) => nodes_reverse(kind, n, run),
            (System::Floor { full }, kind, run) => nodes_floor(kind, n, run, full),
        };
        println!("{}", black_box(acc));
        return;
    }
    match which.as_str() {
        "w1" | "w1located" => {
            for _ in 0..3 {
                let tape = if which == "w1" {
                    Tape::new()
                } else {
                    Tape::with_locations()
                };
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
        "w2ops" => {
            let (w, x) = neuron_data();
            for _ in 0..3 {
                let tape = Tape::new();
                let ws: Vec<Var> = w.iter().map(|&w| tape.var(w)).collect();
                let b = tape.var(0.1);
                let z = neuron(&ws, &x, b);
                let g = z.backward();
                acc += ws.iter().map(|&w| g[w]).sum::<f64>() + g[b];
            }
        }
        "w2api" => {
            let (w, x) = neuron_data();
            for _ in 0..3 {
                let tape = Tape::new();
                let ws = tape.vars(&w);
                let b = tape.var(0.1);
                let z = ws.dot(&x) + b;
                let g = z.backward();
                acc += g.wrt_vars(ws).iter().sum::<f64>() + g[b];
            }
        }
        "reverse-w1" => {
            for _ in 0..3 {
                let tape = reverse::Tape::new();
                let x0 = tape.add_var(0.5);
                let mut x = x0;
                for _ in 0..111_112 {
                    let s = (x * x + 1.0).ln().sqrt();
                    x = x + (x.sin() * 0.5 + s) * 1e-3;
                }
                acc += x.grad().wrt(&x0);
            }
        }
        "reverse-w2ops" => {
            let (w, x) = neuron_data();
            for _ in 0..3 {
                let tape = reverse::Tape::new();
                let ws: Vec<reverse::Var> = w.iter().map(|&w| tape.add_var(w)).collect();
                let b = tape.add_var(0.1);
                let z = neuron(&ws, &x, b);
                let g = z.grad();
                acc += ws.iter().map(|w| g.wrt(w)).sum::<f64>() + g.wrt(&b);
            }
        }
        "reverse-w3ops" => {
            for _ in 0..20 {
                let tape = reverse::Tape::new();
                let vs: Vec<reverse::Var> = ps.iter().map(|&p| tape.add_var(p)).collect();
                let l = mlp_loss_by(&vs, &pts, op_by_op);
                let g = l.grad();
                acc += vs.iter().map(|v| g.wrt(v)).sum::<f64>();
            }
        }
        other => panic!("no workload `{other}`: {WORKLOADS}"),
    }
    println!("{}", black_box(acc));
}
