//! Fused runs in the numeric sweep: a compiled program's products added up
//! by one sum or one chain of additions, swept as one step each in the
//! order the nodes one by one would be.
use super::sweep::Sweep;
#[allow(clippy::wildcard_imports)]
use super::*;

/// Sends the adjoint of a fused sum through the run: to the nodes before
/// it that the sum takes, and through the products, last first (a chain's
/// is [`chain_run`]). Those are the contributions, and their order, of
/// sweeping each node of the run on its own; a product's adjoint would be
/// `0 + g`, from the one node that uses it, so none is stored.
#[inline(always)]
pub(super) fn fused_pullback(sweep: &mut Sweep<'_>, f: &Fused) {
    let g = sweep.adjoints[f.last as usize];
    if g == 0.0 {
        return;
    }
    match f.op {
        Op::Mul => sum_run(sweep, Op::Mul, f, g),
        _ => sum_run(sweep, Op::MulConst, f, g),
    }
}

/// [`fused_pullback`] for a sum of products of op `op`, a literal at each
/// call, so that the products' match on it folds away.
#[inline(always)]
pub(super) fn sum_run(sweep: &mut Sweep<'_>, op: Op, f: &Fused, g: f64) {
    let (first, at) = (f.first, f.first_at as usize);
    // The sum sends `g` to its terms before the products.
    let count = f.last - first;
    sweep.at = at + 2 * count as usize;
    let value = sweep.input(f.last);
    let mut outside = Outside::<true> {
        sweep: &mut *sweep,
        first,
        cut: count,
    };
    pullback(&mut outside, Op::Sum, value, g);
    // Node by node, each product's adjoint would be `0 + g` (its slot
    // starts at +0 and the sum adds `g`), which turns a -0 into +0: the
    // same here, so the products see the bits they would unfused.
    let g = 0.0 + g;
    for k in (0..count).rev() {
        sweep.at = at + 2 * k as usize;
        let value = sweep.input(first + k);
        pullback(sweep, op, value, g);
    }
}

/// The pullback of a fused chain of additions of products of op `op`, a
/// literal at each call, as [`fused_pullback`] sends a sum's.
#[inline(always)]
pub(super) fn chain_run(sweep: &mut Sweep<'_>, op: Op, f: &Fused) {
    let g = sweep.adjoints[f.last as usize];
    if g == 0.0 {
        return;
    }
    let (first, at) = (f.first, f.first_at as usize);
    // Each inner addition's adjoint, node by node, is `0 + g` from the next
    // (its slot starts at +0), which turns a -0 into +0.
    let inner = 0.0 + g;
    let product = |sweep: &mut Sweep<'_>, k: u32| {
        sweep.at = at + 4 * k as usize;
        let value = sweep.input(first + 2 * k);
        pullback(sweep, op, value, inner);
    };
    // The products after the first, last first; then the first addition
    // sends its adjoint to its total, and the first product its own.
    for k in (1..f.products()).rev() {
        product(sweep, k);
    }
    sweep.at = at + 2;
    let value = sweep.input(first + 1);
    let mut outside = Outside::<false> {
        sweep: &mut *sweep,
        first,
        cut: 0,
    };
    // A chain has at least two additions, so the first one's adjoint is
    // `0 + g`, from the next.
    pullback(&mut outside, Op::Add, value, inner);
    product(sweep, 0);
}

/// A node of a fused run as the rest of the tape sees it: it sends
/// adjoints only to nodes before the run, and a sum's input list ends
/// `cut` entries early, before its products.
pub(super) struct Outside<'s, 'a, const SUM: bool> {
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

/// A run of products that one node adds up, which a compiled program
/// replays with that node as one step, forward and back, without
/// dispatching on each product's op or reading the products back: a
/// neuron's `b + Σ wᵢ·xᵢ`, as one sum or as a loop of additions. The
/// products are all `x·y` or all `x·c`, each used once, by the run alone,
/// and not read by the caller. The formulas are the op table's and the
/// order is the tape's, so the numbers are those of the nodes one by one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fused {
    /// The run's first node, a product.
    pub(crate) first: u32,
    /// Where the first product's operand words start.
    pub(crate) first_at: u32,
    /// The run's last node: the sum, or the last addition.
    pub(crate) last: u32,
    /// The products' op, [`Op::Mul`] or [`Op::MulConst`].
    pub(crate) op: Op,
    pub(crate) kind: Run,
}

/// How a fused run adds its products up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Run {
    /// The nodes `first..last` are products, and the sum `last`'s input
    /// list ends with them, in order: `tape.sum(once(b).chain(products))`.
    Sum,
    /// The nodes `first..=last` alternate a product and an addition of it
    /// to the addition before (`acc = acc + w·x` in a loop), each addition
    /// used by the next alone; the first adds to a node before the run.
    /// At least two products: one and its addition gain nothing as a run.
    Chain,
}

impl Fused {
    /// How many products the run adds up.
    #[inline(always)]
    pub(crate) fn products(&self) -> u32 {
        match self.kind {
            Run::Sum => self.last - self.first,
            Run::Chain => (self.last - self.first).div_ceil(2),
        }
    }
}
