//! Fused runs in the numeric sweep: the replay's side of its seam
//! ([`Runs`]), each run of products added up swept as one step in the
//! order the nodes one by one would be.
#[allow(clippy::wildcard_imports)]
use super::*;

/// The fused runs of a program still to sweep, the last first: what the
/// numeric sweep takes as one step each.
pub(super) struct FusedRuns<'f> {
    fused: &'f [Fused],
}

impl<'f> FusedRuns<'f> {
    /// The runs of `fused` (in increasing order) that a sweep from node
    /// `out` meets: those that end at or below it.
    pub(super) fn below(fused: &'f [Fused], out: usize) -> Self {
        let end = fused.partition_point(|f| f.last as usize <= out);
        FusedRuns {
            fused: &fused[..end],
        }
    }
}

impl Runs for FusedRuns<'_> {
    const ANY: bool = true;

    #[inline(always)]
    fn next(&self) -> usize {
        self.fused.last().map_or(usize::MAX, |f| f.last as usize)
    }

    #[inline(always)]
    fn pullback(&mut self, sweep: &mut Sweep<'_>) -> (usize, usize) {
        let Some((f, rest)) = self.fused.split_last() else {
            unreachable!("the sweep asks only for the run `next` named")
        };
        self.fused = rest;
        match f.kind {
            Run::Sum => sum_pullback(sweep, f),
            // Chains are rarer than sums, and longer: a call keeps the
            // sweep's loop tight, and the sweep handed by value leaves its
            // fields in registers there.
            Run::Chain => chain_pullback(sweep.reborrow(), f),
        }
        (f.first as usize, f.first_at as usize)
    }
}

/// Sends the adjoint of a fused sum through the run: to the nodes before
/// it that the sum takes, and through the products, last first (a chain's
/// is [`chain_pullback`]). Those are the contributions, and their order, of
/// sweeping each node of the run on its own; a product's adjoint would be
/// `0 + g`, from the one node that uses it, so none is stored.
#[inline(always)]
fn sum_pullback(sweep: &mut Sweep<'_>, f: &Fused) {
    let g = sweep.adjoint(f.last);
    if g == 0.0 {
        return;
    }
    match f.op {
        Op::Mul => sum_run(sweep, Op::Mul, f, g),
        _ => sum_run(sweep, Op::MulConst, f, g),
    }
}

/// [`sum_pullback`] for a sum of products of op `op`, a literal at each
/// call, so that the products' match on it folds away.
#[inline(always)]
fn sum_run(sweep: &mut Sweep<'_>, op: Op, f: &Fused, g: f64) {
    let (first, at) = (f.first, f.first_at as usize);
    // The sum sends `g` to its terms before the products.
    let count = f.last - first;
    sweep.seek(at + op.words() * count as usize);
    let value = sweep.input(f.last);
    let mut outside = Outside::<true> {
        sweep: &mut *sweep,
        first,
        cut: count,
    };
    op::pullback(&mut outside, Op::Sum, || value, g);
    // Node by node, each product's adjoint would be `0 + g` (its slot
    // starts at +0 and the sum adds `g`), which turns a -0 into +0: the
    // same here, so the products see the bits they would unfused.
    let g = 0.0 + g;
    // Stepped in `usize`: a `u32` step widened for each product's words
    // costs a mask in a register the loop needs.
    for k in (0..count as usize).rev() {
        sweep.seek(at + op.words() * k);
        let value = sweep.input(first + k as u32);
        op::pullback(sweep, op, || value, g);
    }
}

/// The pullback of a fused chain, as [`sum_pullback`] sends a sum's.
#[inline(never)]
fn chain_pullback(mut sweep: Sweep<'_>, f: &Fused) {
    match f.op {
        Op::Mul => chain_run(&mut sweep, Op::Mul, f),
        _ => chain_run(&mut sweep, Op::MulConst, f),
    }
}

/// [`chain_pullback`] for a chain of additions of products of op `op`, a
/// literal at each call, so that the products' match on it folds away.
#[inline(always)]
fn chain_run(sweep: &mut Sweep<'_>, op: Op, f: &Fused) {
    let g = sweep.adjoint(f.last);
    if g == 0.0 {
        return;
    }
    let (first, at) = (f.first, f.first_at as usize);
    // Each inner addition's adjoint, node by node, is `0 + g` from the next
    // (its slot starts at +0), which turns a -0 into +0.
    let inner = 0.0 + g;
    // A product's words, then its addition's.
    let step = op.words() + Op::Add.words();
    let product = |sweep: &mut Sweep<'_>, k: u32| {
        sweep.seek(at + step * k as usize);
        let value = sweep.input(first + 2 * k);
        op::pullback(sweep, op, || value, inner);
    };
    // The products after the first, last first; then the first addition
    // sends its adjoint to its total, and the first product its own.
    for k in (1..f.products()).rev() {
        product(sweep, k);
    }
    sweep.seek(at + op.words());
    let value = sweep.input(first + 1);
    let mut outside = Outside::<false> {
        sweep: &mut *sweep,
        first,
        cut: 0,
    };
    // A chain has at least two additions, so the first one's adjoint is
    // `0 + g`, from the next.
    op::pullback(&mut outside, Op::Add, || value, inner);
    product(sweep, 0);
}

/// A node of a fused run as the rest of the tape sees it: it sends
/// adjoints only to nodes before the run, and a sum's input list (`SUM`)
/// ends `cut` entries early, before its products.
struct Outside<'s, 'a, const SUM: bool> {
    sweep: &'s mut Sweep<'a>,
    first: u32,
    cut: u32,
}

impl<const SUM: bool> Pullback for Outside<'_, '_, SUM> {
    type S = f64;

    #[inline(always)]
    fn arg(&self, j: usize) -> u32 {
        // A sum's word 1 is its list's length.
        match j {
            1 if SUM => self.sweep.arg(1) - self.cut,
            _ => self.sweep.arg(j),
        }
    }

    #[inline(always)]
    fn input(&mut self, index: u32) -> f64 {
        self.sweep.input(index)
    }

    #[inline(always)]
    fn constant(&mut self, k: u32) -> f64 {
        self.sweep.constant(k)
    }

    #[inline(always)]
    fn list_input(&mut self, start: u32, i: u32) -> u32 {
        self.sweep.list_input(start, i)
    }

    #[inline(always)]
    fn wants(&self, index: u32) -> bool {
        // A sum's terms before the cut all precede the run.
        SUM || index < self.first
    }

    #[inline(always)]
    fn accumulate(&mut self, slot: u32, index: u32, d: f64) {
        self.sweep.accumulate(slot, index, d);
    }

    fn custom(&mut self, _out: f64, _g: f64) {}
}
