//! What the three workloads share: the one definition of each function,
//! generic over how its numbers are computed, and small helpers.

use std::iter::Sum;
use std::ops::{Add, Mul};

/// How a workload's numbers are computed: plain `f64`, or recorded on a
/// tapegrad or a `reverse` tape.
///
/// Each workload is written once against this trait, so every system
/// evaluates the same function, op for op, in the same order.
pub trait Rec: Copy {
    type V: Copy
        + Add<Output = Self::V>
        + Mul<Output = Self::V>
        + Add<f64, Output = Self::V>
        + Mul<f64, Output = Self::V>;
    fn sin(self, v: Self::V) -> Self::V;
    fn ln(self, v: Self::V) -> Self::V;
    fn sqrt(self, v: Self::V) -> Self::V;
    fn tanh(self, v: Self::V) -> Self::V;
    fn relu(self, v: Self::V) -> Self::V;
    /// The sum of the terms, in order (non-empty).
    fn sum<I: Iterator<Item = Self::V>>(self, terms: I) -> Self::V;
}

/// Plain `f64`: the value only.
#[derive(Clone, Copy)]
pub struct Plain;

impl Rec for Plain {
    type V = f64;
    #[inline(always)]
    fn sin(self, v: f64) -> f64 {
        v.sin()
    }
    #[inline(always)]
    fn ln(self, v: f64) -> f64 {
        v.ln()
    }
    #[inline(always)]
    fn sqrt(self, v: f64) -> f64 {
        v.sqrt()
    }
    #[inline(always)]
    fn tanh(self, v: f64) -> f64 {
        v.tanh()
    }
    #[inline(always)]
    fn relu(self, v: f64) -> f64 {
        if v > 0.0 { v } else { 0.0 }
    }
    #[inline(always)]
    fn sum<I: Iterator<Item = f64>>(self, terms: I) -> f64 {
        // Left to right from 0, as `Tape::sum` computes its value.
        terms.fold(0.0, |acc, t| acc + t)
    }
}

impl Rec for &tapegrad::Tape {
    type V = tapegrad::Var;
    #[inline(always)]
    fn sin(self, v: Self::V) -> Self::V {
        v.sin()
    }
    #[inline(always)]
    fn ln(self, v: Self::V) -> Self::V {
        v.ln()
    }
    #[inline(always)]
    fn sqrt(self, v: Self::V) -> Self::V {
        v.sqrt()
    }
    #[inline(always)]
    fn tanh(self, v: Self::V) -> Self::V {
        v.tanh()
    }
    #[inline(always)]
    fn relu(self, v: Self::V) -> Self::V {
        v.relu()
    }
    /// One n-ary node, as a tapegrad user writes a sum.
    #[inline(always)]
    fn sum<I: Iterator<Item = Self::V>>(self, terms: I) -> Self::V {
        tapegrad::Tape::sum(self, terms)
    }
}

impl<'t> Rec for &'t reverse::Tape {
    type V = reverse::Var<'t>;
    #[inline(always)]
    fn sin(self, v: Self::V) -> Self::V {
        v.sin()
    }
    #[inline(always)]
    fn ln(self, v: Self::V) -> Self::V {
        v.ln()
    }
    #[inline(always)]
    fn sqrt(self, v: Self::V) -> Self::V {
        v.sqrt()
    }
    #[inline(always)]
    fn tanh(self, v: Self::V) -> Self::V {
        v.tanh()
    }
    /// `reverse` has no relu: one node with local partial 1 or 0, which is
    /// what tapegrad records too.
    #[inline(always)]
    fn relu(self, v: Self::V) -> Self::V {
        v * if v.val > 0.0 { 1.0 } else { 0.0 }
    }
    /// `reverse`'s own `Sum`: a chain of two-input additions.
    #[inline(always)]
    fn sum<I: Iterator<Item = Self::V>>(self, terms: I) -> Self::V {
        Sum::sum(terms)
    }
}

/// Any system with its sums written as a user writes a loop,
/// `acc = acc + term`: one two-input addition per term, no `Tape::sum`.
#[derive(Clone, Copy)]
pub struct OpByOp<R>(pub R);

impl<R: Rec> Rec for OpByOp<R> {
    type V = R::V;
    #[inline(always)]
    fn sin(self, v: Self::V) -> Self::V {
        self.0.sin(v)
    }
    #[inline(always)]
    fn ln(self, v: Self::V) -> Self::V {
        self.0.ln(v)
    }
    #[inline(always)]
    fn sqrt(self, v: Self::V) -> Self::V {
        self.0.sqrt(v)
    }
    #[inline(always)]
    fn tanh(self, v: Self::V) -> Self::V {
        self.0.tanh(v)
    }
    #[inline(always)]
    fn relu(self, v: Self::V) -> Self::V {
        self.0.relu(v)
    }
    /// The first term, then one addition per further term (plain `f64`
    /// adds from 0, whose first addition is exact, so values agree).
    #[inline(always)]
    fn sum<I: Iterator<Item = Self::V>>(self, mut terms: I) -> Self::V {
        let mut acc = terms.next().expect("a non-empty sum");
        for t in terms {
            acc = acc + t;
        }
        acc
    }
}

/// A 64-bit linear congruential generator (Knuth's MMIX constants): fixed
/// data and weights without a `rand` dependency.
pub struct Lcg(pub u64);

impl Lcg {
    /// Uniform in [-1, 1).
    pub fn uniform(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    }
}

/// Empties a buffer of handles and returns its allocation with another
/// lifetime, so a loop keeps one buffer across `clear()` or across tapes
/// without allocating (std collects a `vec::IntoIter` in place when the
/// element layouts match; nothing is transmuted).
pub fn recycle<T, U>(mut v: Vec<T>) -> Vec<U> {
    v.clear();
    v.into_iter().map(|_| unreachable!()).collect()
}

/// Whether `got` matches `want` to a relative 1e-9.
fn close(got: f64, want: f64) -> bool {
    let scale = got.abs().max(want.abs());
    got.is_finite() && want.is_finite() && (got - want).abs() <= 1e-9 * scale
}

/// Panics unless `got` matches the hand-written `want` to a relative 1e-9.
pub fn assert_close(what: &str, got: f64, want: f64) {
    assert!(
        close(got, want),
        "{what}: {got:e} differs from the hand-written {want:e}"
    );
}

/// [`assert_close`] for every component.
pub fn assert_all_close(what: &str, got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{what}: gradient length");
    if let Some(i) = (0..got.len()).find(|&i| !close(got[i], want[i])) {
        assert_close(&format!("{what}[{i}]"), got[i], want[i]);
    }
}

/// Nodes and bytes of one recorded evaluation, for the bytes-per-op table.
#[derive(Clone, Copy, Debug)]
pub struct TapeSize {
    pub tapegrad_nodes: usize,
    pub tapegrad_bytes: usize,
    pub reverse_nodes: usize,
    pub reverse_bytes: usize,
    /// The compiled program's nodes and bytes, where the workload has one.
    pub replay_nodes: usize,
    pub replay_bytes: usize,
}

/// The layout of `reverse` 0.2's private node type (`reverse/src/lib.rs`):
/// two local partials and two input indices, one per recorded op.
#[allow(dead_code)]
pub struct ReverseNode {
    weights: [f64; 2],
    dependencies: [usize; 2],
}

/// Bytes `reverse` keeps for `nodes` recorded nodes.
pub fn reverse_bytes(nodes: usize) -> usize {
    nodes * std::mem::size_of::<ReverseNode>()
}
