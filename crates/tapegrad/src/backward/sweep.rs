//! The numeric sweep: one reverse loop over the tape, from the output to
//! node 0, adding each node's contributions into its inputs' adjoints;
//! custom nodes and fused chains are taken between two borrows of the tape.
use super::fused::*;
#[allow(clippy::wildcard_imports)]
use super::*;

/// Where a sweep stops before its end.
pub(super) enum Stop {
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
    tape: &State,
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
                let words = tape.with(|t| [t.args()[at], t.args()[at + 1], t.args()[at + 2]]);
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
pub(super) fn segment<const CHECKED: bool, const FUSED: bool>(
    t: &Inner,
    out: usize,
    from: usize,
    at: usize,
    adjoints: &mut [f64],
    needed: &[bool],
    fused: &mut &[Fused],
) -> Option<Stop> {
    debug_assert!(from <= out + 1 && adjoints.len() == out + 1);
    let (ops, values) = (&t.ops()[..from], &t.values()[..from]);
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

/// The numeric sweep: reads recorded values, adds into adjoints.
pub(crate) struct Sweep<'a> {
    pub(super) values: &'a [f64],
    pub(super) args: &'a [u32],
    /// Where the operand words of the node being swept start in `args`.
    pub(super) at: usize,
    pub(super) consts: &'a [f64],
    pub(super) lists: &'a [u32],
    pub(super) adjoints: &'a mut [f64],
}

impl<'a> Sweep<'a> {
    /// The sweep of tape `t` into `adjoints`, at operand word `at`.
    fn new(t: &'a Inner, at: usize, adjoints: &'a mut [f64]) -> Self {
        Sweep {
            values: t.values(),
            args: t.args(),
            at,
            consts: t.consts(),
            lists: t.lists(),
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
pub(super) struct Checked<'s, 'a> {
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
