//! The reverse sweep: one loop from the output back to the first node.

use std::borrow::Cow;
use std::mem;
use std::ops::Index;

use crate::error::{Error, Result};
use crate::op::{Op, Pullback, pullback};
use crate::tape::{Call, Inner, Tape, Var, Vars};

/// The adjoints of one backward pass: `∂output/∂node` for every node.
///
/// It borrows the tape, so it cannot outlive a [`Tape::clear`] and answer
/// for nodes that no longer exist.
///
/// ```
/// use tapegrad::Tape;
///
/// let tape = Tape::new();
/// let (x, y) = (tape.var(2.0), tape.var(5.0));
/// let z = x * y + x;
/// let g = z.backward();
/// assert_eq!(g[x], 6.0); // y + 1
/// assert_eq!(g.wrt(y), 2.0); // x
/// assert_eq!(g.wrt_all(&[x, y]), vec![6.0, 2.0]);
/// ```
#[derive(Clone)]
pub struct Gradients<'t> {
    tape: &'t Tape,
    output: u32,
    /// Adjoints by node index, from node 0 to the output.
    adjoints: Vec<f64>,
}

impl<'t> Gradients<'t> {
    /// `∂output/∂var`: 0 for a node the output does not depend on.
    /// `g[var]` is the same number.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let (x, unused) = (tape.var(3.0), tape.var(1.0));
    /// let g = (x * x).backward();
    /// assert_eq!(g.wrt(x), 6.0); // d(x²)/dx = 2x
    /// assert_eq!(g.wrt(unused), 0.0);
    /// assert_eq!(g[x], g.wrt(x));
    /// ```
    ///
    /// # Panics
    /// If `var` belongs to another tape.
    #[must_use]
    #[inline]
    #[track_caller]
    pub fn wrt(&self, var: Var<'t>) -> f64 {
        self.tape.check_owns(var);
        self.adjoints.get(var.index()).copied().unwrap_or(0.0)
    }

    /// `∂output/∂v` for each `v` of `vars`, in order.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let xs = [tape.var(2.0), tape.var(5.0)];
    /// let g = (xs[0] * xs[1]).backward();
    /// assert_eq!(g.wrt_all(&xs), vec![5.0, 2.0]); // (x₁, x₀)
    /// ```
    ///
    /// # Panics
    /// If a `Var` belongs to another tape.
    #[must_use]
    #[track_caller]
    pub fn wrt_all(&self, vars: &[Var<'t>]) -> Vec<f64> {
        let mut out = Vec::with_capacity(vars.len());
        for &v in vars {
            out.push(self.wrt(v));
        }
        out
    }

    /// `∂output/∂xᵢ` for every leaf `xᵢ` of a block from
    /// [`Tape::vars`], in order: borrowed from the adjoints when the block
    /// precedes the output, padded with zeros for leaves recorded after it.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let w = tape.vars(&[1.0, 2.0]);
    /// let z = w.get(0) * 10.0;
    /// let later = tape.vars(&[5.0]); // recorded after z
    /// let g = z.backward();
    /// assert_eq!(&g.wrt_vars(w)[..], &[10.0, 0.0]); // ∂z/∂w₀ = 10
    /// assert_eq!(&g.wrt_vars(later)[..], &[0.0]);
    /// ```
    ///
    /// # Panics
    /// If `vars` belongs to another tape.
    #[track_caller]
    pub fn wrt_vars(&self, vars: Vars<'t>) -> Cow<'_, [f64]> {
        if !std::ptr::eq(self.tape, vars.tape) {
            panic!("tapegrad: cannot read gradients of Vars from another tape");
        }
        let range = vars.indices();
        match self.adjoints.get(range.clone()) {
            Some(slice) => Cow::Borrowed(slice),
            None => {
                let mut owned = vec![0.0; range.len()];
                if let Some(have) = self.adjoints.get(range.start..) {
                    owned[..have.len()].copy_from_slice(have);
                }
                Cow::Owned(owned)
            }
        }
    }

    /// The output these gradients were taken of.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let x = tape.var(0.0);
    /// let y = x.exp();
    /// let g = y.backward();
    /// assert_eq!((g.output().index(), g.output().value()), (y.index(), 1.0));
    /// ```
    pub fn output(&self) -> Var<'t> {
        self.tape.get(self.output as usize)
    }

    /// Adjoints by node index, from node 0 up to the output.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let x = tape.var(3.0);
    /// let y = x * 2.0;
    /// let z = y + 1.0;
    /// // ∂z/∂x = 2, ∂z/∂y = 1, ∂z/∂z = 1, by tape index
    /// assert_eq!(z.backward().as_slice(), &[2.0, 1.0, 1.0]);
    /// ```
    pub fn as_slice(&self) -> &[f64] {
        &self.adjoints
    }

    /// Every leaf ([`Tape::var`]) of the tape with its gradient, in creation
    /// order.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let x = tape.var(2.0);
    /// let c = tape.constant(10.0);
    /// let y = tape.var(3.0);
    /// let z = x * y + c;
    /// let g = z.backward();
    /// let leaves: Vec<(usize, f64)> = g.leaves().iter().map(|&(v, d)| (v.index(), d)).collect();
    /// // ∂z/∂x = y, ∂z/∂y = x; the constant is not a leaf
    /// assert_eq!(leaves, vec![(0, 3.0), (2, 2.0)]);
    /// ```
    pub fn leaves(&self) -> Vec<(Var<'t>, f64)> {
        let leaves: Vec<usize> = self.tape.with(|t| {
            t.ops
                .iter()
                .enumerate()
                .filter(|&(_, &op)| op == Op::Leaf)
                .map(|(i, _)| i)
                .collect()
        });
        leaves
            .into_iter()
            .map(|i| {
                let var = self.tape.get(i);
                (var, self.wrt(var))
            })
            .collect()
    }
}

impl<'t> Index<Var<'t>> for Gradients<'t> {
    type Output = f64;

    /// `g[x]` is `g.wrt(x)`.
    #[track_caller]
    fn index(&self, var: Var<'t>) -> &f64 {
        self.tape.check_owns(var);
        self.adjoints.get(var.index()).unwrap_or(&0.0)
    }
}

impl Drop for Gradients<'_> {
    fn drop(&mut self) {
        // Hand the buffer back so the next backward pass on this tape does
        // not allocate.
        let adjoints = mem::take(&mut self.adjoints);
        self.tape.with(|t| {
            if adjoints.capacity() > t.spare.capacity() {
                t.spare = adjoints;
            }
        });
    }
}

impl std::fmt::Debug for Gradients<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gradients")
            .field("output", &self.output)
            .field("adjoints", &self.adjoints)
            .finish()
    }
}

impl<'t> Var<'t> {
    /// Backpropagates from this node in one reverse sweep and returns the
    /// adjoint of every node (`∂self/∂node`).
    ///
    /// Numerical faults follow IEEE arithmetic (`ln(-1)` is NaN, `1/0` is
    /// infinite); use [`Var::try_backward`] to have them reported. A node
    /// whose adjoint is exactly zero sends nothing to its inputs, so an
    /// infinite local partial of a node the output does not use (say `√0`)
    /// cannot turn a gradient into `0·∞ = NaN`.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let x = tape.var(3.0);
    /// let y = x * x + x.sin();
    /// let g = y.backward();
    /// assert_eq!(g[x], 6.0 + 3f64.cos()); // 2x + cos x
    /// ```
    #[must_use = "the gradients are the result; backward changes nothing on the tape"]
    #[track_caller]
    pub fn backward(self) -> Gradients<'t> {
        // Gradients are numbers code can branch on, like values.
        self.tape.note_read(self.index);
        self.backward_unnoted()
    }

    /// [`Var::backward`] for the engine's own views, which never note a
    /// read: looking at a graph changes nothing a later `compile` sees.
    pub(crate) fn backward_unnoted(self) -> Gradients<'t> {
        let mut adjoints = self.take_buffer();
        let fault = sweep(self.tape, self.index as usize, &mut adjoints, None, &[]);
        debug_assert!(fault.is_none());
        self.gradients(adjoints)
    }

    /// Like [`Var::backward`], but checks every value and adjoint that a
    /// gradient with respect to a leaf depends on, and returns
    /// [`Error::NonFinite`] for the first one that is NaN or infinite: the
    /// first such value in tape order, else the first non-finite adjoint in
    /// sweep order, naming the op that produced it. Adjoints of nodes that
    /// no leaf reaches (constants, and what is computed from them alone)
    /// are not checked: no gradient is made of them.
    ///
    /// ```
    /// use tapegrad::{Error, Tape};
    ///
    /// let tape = Tape::new();
    /// let x = tape.var(-1.0).named("x");
    /// assert!(matches!(x.ln().try_backward(), Err(Error::NonFinite { .. })));
    /// let g = (x * x).try_backward().unwrap();
    /// assert_eq!(g[x], -2.0);
    /// ```
    ///
    /// # Errors
    /// [`Error::NonFinite`], naming the node, its op and inputs.
    #[track_caller]
    pub fn try_backward(self) -> Result<Gradients<'t>> {
        self.tape.note_read(self.index);
        let out = self.index as usize;
        let mut adjoints = self.take_buffer();
        let (value_fault, needed) = self.tape.with(|t| {
            let reach = reachable(t, out);
            let fault = (0..=out).find(|&i| reach[i] && !t.values[i].is_finite());
            (fault, fault.is_none().then(|| on_leaf_paths(t, &reach)))
        });
        // The faulty node, and the input whose adjoint it made non-finite
        // (none when its own value is).
        let fault = match (value_fault, needed) {
            (Some(i), _) => Some((i, None)),
            (None, Some(needed)) => sweep(self.tape, out, &mut adjoints, Some(&needed), &[])
                .map(|(i, input)| (i, Some((input as usize, adjoints[input as usize])))),
            (None, None) => None,
        };
        match fault {
            None => Ok(self.gradients(adjoints)),
            Some((node, sent)) => {
                self.tape.with(|t| t.spare = adjoints);
                Err(Error::non_finite(self.tape, out, node, sent))
            }
        }
    }

    fn take_buffer(self) -> Vec<f64> {
        self.tape.with(|t| mem::take(&mut t.spare))
    }

    fn gradients(self, adjoints: Vec<f64>) -> Gradients<'t> {
        Gradients {
            tape: self.tape,
            output: self.index,
            adjoints,
        }
    }
}

/// Where a sweep stops before its end.
enum Stop {
    /// Node `node` sent input `input` a non-finite adjoint (checked sweeps).
    Fault(usize, u32),
    /// Custom node `node`, whose words start at `at`, awaits its partials.
    Custom(usize, usize),
    /// A fused chain awaits its pullback, outside the segment's loop.
    Chain(Fused),
}

/// The numeric sweep from node `out` down to node 0, into `adjoints`. With
/// `check`, the mask of nodes that lie on paths to leaves, it stops at the
/// first contribution that makes such a node's adjoint non-finite and
/// returns the node and the input. `fused` lists a compiled program's runs
/// of products added up, in increasing order ([`Fused`]); a tape has none.
///
/// The sweep runs inside the tape's borrow from one custom node or fused
/// chain to the next; a custom op's partials are user code, so they run
/// between two borrows.
pub(crate) fn sweep(
    tape: &Tape,
    out: usize,
    adjoints: &mut Vec<f64>,
    check: Option<&[bool]>,
    fused: &[Fused],
) -> Option<(usize, u32)> {
    debug_assert!(check.is_none() || fused.is_empty());
    adjoints.clear();
    adjoints.resize(out + 1, 0.0);
    adjoints[out] = 1.0;
    let mut from = out + 1;
    let mut at = tape.with(|t| t.words_end(out));
    let mut fused = &fused[..fused.partition_point(|f| f.last as usize <= out)];
    loop {
        let stop = tape.with(|t| match check {
            None if fused.is_empty() => {
                segment::<false, false>(t, out, from, at, adjoints, &[], &mut fused)
            }
            None => segment::<false, true>(t, out, from, at, adjoints, &[], &mut fused),
            Some(needed) => segment::<true, false>(t, out, from, at, adjoints, needed, &mut fused),
        });
        match stop {
            None => return None,
            Some(Stop::Fault(i, input)) => return Some((i, input)),
            Some(Stop::Chain(f)) => {
                tape.with(|t| {
                    let mut sweep = Sweep::new(t, f.first_at as usize, adjoints);
                    match f.op {
                        Op::Mul => chain_run(&mut sweep, Op::Mul, &f),
                        _ => chain_run(&mut sweep, Op::MulConst, &f),
                    }
                });
                (from, at) = (f.first as usize, f.first_at as usize);
            }
            Some(Stop::Custom(i, words_at)) => {
                (from, at) = (i, words_at);
                let words = tape.with(|t| [t.args[at], t.args[at + 1], t.args[at + 2]]);
                let call = Call::new(tape, i, words);
                let partials = call.partials_f64(tape);
                let g = adjoints[i];
                for (&input, p) in call.inputs.iter().zip(partials) {
                    let a = &mut adjoints[input as usize];
                    *a += g * p;
                    if check.is_some_and(|needed| needed[input as usize]) && !a.is_finite() {
                        return Some((i, input));
                    }
                }
            }
        }
    }
}

/// Sweeps nodes `from - 1` down to 0, whose operand words end at `at`,
/// until the end, a custom node or (when `CHECKED`) a fault; with `FUSED`,
/// the fused sums of `fused` (the last first) as one step each and until
/// a fused chain, taking each run off the list. One monomorphised loop
/// each, so that the tape's unchecked one stays tight.
#[inline(always)]
fn segment<const CHECKED: bool, const FUSED: bool>(
    t: &Inner,
    out: usize,
    from: usize,
    at: usize,
    adjoints: &mut [f64],
    needed: &[bool],
    fused: &mut &[Fused],
) -> Option<Stop> {
    debug_assert!(from <= out + 1 && adjoints.len() == out + 1);
    let (ops, values) = (&t.ops[..from], &t.values[..from]);
    let adjoints = &mut adjoints[..=out];
    let mut sweep = Sweep::new(t, at, adjoints);
    let next = |fused: &[Fused]| fused.last().map_or(usize::MAX, |f| f.last as usize);
    let mut fused_last = if FUSED { next(fused) } else { usize::MAX };
    let mut i = ops.len();
    while i > 0 {
        i -= 1;
        if FUSED && i == fused_last {
            let Some((f, rest)) = fused.split_last() else {
                unreachable!("the fused run is on the list")
            };
            *fused = rest;
            if f.kind == Run::Chain {
                // Out of this loop, which stays tight for the sums.
                return Some(Stop::Chain(*f));
            }
            fused_pullback(&mut sweep, f);
            (i, sweep.at) = (f.first as usize, f.first_at as usize);
            fused_last = next(fused);
            continue;
        }
        // Walk the operand words back to this node's, swept or not.
        sweep.at -= ops[i].words();
        let g = sweep.adjoints[i];
        if g == 0.0 {
            continue;
        }
        if ops[i] == Op::Custom {
            return Some(Stop::Custom(i, sweep.at));
        }
        if CHECKED {
            let mut checked = Checked {
                sweep: &mut sweep,
                needed,
                fault: None,
            };
            pullback(&mut checked, ops[i], values[i], g);
            if let Some(input) = checked.fault {
                return Some(Stop::Fault(i, input));
            }
        } else {
            pullback(&mut sweep, ops[i], values[i], g);
        }
    }
    None
}

/// Sends the adjoint of a fused sum through the run: to the nodes before
/// it that the sum takes, and through the products, last first (a chain's
/// is [`chain_run`]). Those are the contributions, and their order, of
/// sweeping each node of the run on its own; a product's adjoint would be
/// `0 + g`, from the one node that uses it, so none is stored.
#[inline(always)]
fn fused_pullback(sweep: &mut Sweep<'_>, f: &Fused) {
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
fn sum_run(sweep: &mut Sweep<'_>, op: Op, f: &Fused, g: f64) {
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
fn chain_run(sweep: &mut Sweep<'_>, op: Op, f: &Fused) {
    let g = sweep.adjoints[f.last as usize];
    if g == 0.0 {
        return;
    }
    let (first, at) = (f.first, f.first_at as usize);
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

/// The numeric sweep: reads recorded values, adds into adjoints.
pub(crate) struct Sweep<'a> {
    values: &'a [f64],
    args: &'a [u32],
    /// Where the operand words of the node being swept start in `args`.
    at: usize,
    consts: &'a [f64],
    lists: &'a [u32],
    adjoints: &'a mut [f64],
}

impl<'a> Sweep<'a> {
    /// The sweep of tape `t` into `adjoints`, at operand word `at`.
    fn new(t: &'a Inner, at: usize, adjoints: &'a mut [f64]) -> Self {
        Sweep {
            values: &t.values,
            args: &t.args,
            at,
            consts: &t.consts,
            lists: &t.lists,
            adjoints,
        }
    }
}

// The sweep reads operand words, inputs, constants and list entries by the
// positions the tape recorded, and those are valid by construction: a node's
// words were pushed with it, `Op::words` of them, and the sweep walks back
// over exactly those counts; an input is a `Var` of the same tape, so its
// index is below the node's own (and below the output, the buffer's length);
// constant and list indices point at entries pushed with the node. Skipping
// the bounds checks is worth a fifth of the sweep.
impl Pullback for Sweep<'_> {
    type S = f64;

    #[inline(always)]
    fn arg(&self, j: usize) -> u32 {
        debug_assert!(self.at + j < self.args.len());
        // SAFETY: see above; the word was pushed with the node.
        unsafe { *self.args.get_unchecked(self.at + j) }
    }

    #[inline(always)]
    fn input(&mut self, index: u32) -> f64 {
        debug_assert!((index as usize) < self.values.len());
        // SAFETY: see above; inputs precede their node on the tape.
        unsafe { *self.values.get_unchecked(index as usize) }
    }

    #[inline(always)]
    fn constant(&mut self, k: u32) -> f64 {
        debug_assert!((k as usize) < self.consts.len());
        // SAFETY: see above; the constant was pushed with its node.
        unsafe { *self.consts.get_unchecked(k as usize) }
    }

    #[inline(always)]
    fn list_input(&mut self, start: u32, i: u32) -> u32 {
        debug_assert!(((start + i) as usize) < self.lists.len());
        // SAFETY: see above; the list was pushed with its node.
        unsafe { *self.lists.get_unchecked((start + i) as usize) }
    }

    #[inline(always)]
    fn accumulate(&mut self, _slot: u32, index: u32, d: f64) {
        debug_assert!((index as usize) < self.adjoints.len());
        // SAFETY: see above; an input's index is below the output's, and
        // the buffer holds one adjoint per node up to the output.
        unsafe { *self.adjoints.get_unchecked_mut(index as usize) += d };
    }

    fn custom(&mut self, _out: f64, _g: f64) {
        // `sweep` stops at custom nodes before their pullback and calls the
        // user's partials outside the tape's borrow.
    }
}

/// The numeric sweep, noting the first input on a path to a leaf whose
/// adjoint stops being finite.
struct Checked<'s, 'a> {
    sweep: &'s mut Sweep<'a>,
    needed: &'s [bool],
    fault: Option<u32>,
}

impl Pullback for Checked<'_, '_> {
    type S = f64;

    fn arg(&self, j: usize) -> u32 {
        self.sweep.arg(j)
    }

    fn input(&mut self, index: u32) -> f64 {
        self.sweep.input(index)
    }

    fn constant(&mut self, k: u32) -> f64 {
        self.sweep.constant(k)
    }

    fn list_input(&mut self, start: u32, i: u32) -> u32 {
        self.sweep.list_input(start, i)
    }

    fn accumulate(&mut self, slot: u32, index: u32, d: f64) {
        self.sweep.accumulate(slot, index, d);
        if self.fault.is_none()
            && self.needed[index as usize]
            && !self.sweep.adjoints[index as usize].is_finite()
        {
            self.fault = Some(index);
        }
    }

    fn custom(&mut self, _out: f64, _g: f64) {}
}

/// Which nodes up to `out` depend on one of `inputs` (those included).
pub(crate) fn depends_on(t: &mut Inner, out: usize, inputs: &[Var<'_>]) -> Vec<bool> {
    let mut needed = vec![false; out + 1];
    for v in inputs {
        if let Some(n) = needed.get_mut(v.index()) {
            *n = true;
        }
    }
    for i in 0..=out {
        if !needed[i] {
            let mut any = false;
            t.for_each_input(i, |x| any |= needed[x as usize]);
            needed[i] = any;
        }
    }
    needed
}

/// Which nodes up to `out` lie on a path from a leaf to the output: the
/// output reaches them and they depend on a leaf.
pub(crate) fn on_leaf_paths(t: &mut Inner, reach: &[bool]) -> Vec<bool> {
    let mut needed = vec![false; reach.len()];
    for i in 0..reach.len() {
        if reach[i] {
            let mut any = t.ops[i] == Op::Leaf;
            t.for_each_input(i, |x| any |= needed[x as usize]);
            needed[i] = any;
        }
    }
    needed
}

/// Which nodes up to `out` the output depends on (itself included).
pub(crate) fn reachable(t: &mut Inner, out: usize) -> Vec<bool> {
    let mut reach = vec![false; out + 1];
    reach[out] = true;
    for i in (0..=out).rev() {
        if reach[i] {
            t.for_each_input(i, |x| reach[x as usize] = true);
        }
    }
    reach
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
