//! The numeric sweep: one reverse loop over the tape, from the output to
//! node 0, adding each node's contributions into its inputs' adjoints;
//! custom nodes are taken between two borrows of the tape, and runs of
//! nodes a caller sweeps itself ([`Runs`]) as one step each.
#[allow(clippy::wildcard_imports)]
use super::*;

/// Runs of consecutive nodes that the sweep takes as one step each, swept
/// by whoever found them: the seam through which a caller that knows more
/// of its tape than the op table does (the compiled replay's fused
/// products) reaches the numeric sweep, which knows nothing of what a run
/// is. The plain backward pass has none ([`NoRuns`]).
///
/// A run must send into the adjoints exactly what its nodes swept one by
/// one would, in the same order, so that taking it as one step changes no
/// bit.
pub(crate) trait Runs {
    /// Whether these runs can hold any at all: with `false` the sweep's
    /// loop is compiled without its test per node.
    const ANY: bool;
    /// The last node of the run to sweep next (the highest one left), or
    /// `usize::MAX` when none is left.
    fn next(&self) -> usize;
    /// Sweeps the run that ends at node [`Runs::next`], whose adjoint is
    /// final, and takes it off the list; returns the run's first node and
    /// where that node's operand words start, where the sweep goes on.
    fn pullback(&mut self, sweep: &mut Sweep<'_>) -> (usize, usize);
}

/// No runs: every node is swept on its own, through the op table.
pub(crate) struct NoRuns;

impl Runs for NoRuns {
    const ANY: bool = false;

    #[inline(always)]
    fn next(&self) -> usize {
        usize::MAX
    }

    fn pullback(&mut self, _sweep: &mut Sweep<'_>) -> (usize, usize) {
        unreachable!("NoRuns has no run to sweep")
    }
}

/// Where a sweep stops before its end.
pub(super) enum Stop {
    /// Node `node` sent input `input` a non-finite adjoint (checked sweeps).
    Fault(usize, u32),
    /// Custom node `node`, whose words start at `at`, awaits its partials.
    Custom(usize, usize),
}

/// The numeric sweep from node `out` down to node 0, into `adjoints`. With
/// `check`, the mask of nodes that lie on paths to leaves, it stops at the
/// first contribution that makes such a node's adjoint non-finite and
/// returns the node and the input. `runs` are swept as one step each
/// ([`Runs`]); a checked sweep takes none.
///
/// The sweep runs inside the tape's borrow from one custom node to the
/// next; a custom op's partials are user code, so they run between two
/// borrows.
pub(crate) fn sweep<R: Runs>(
    tape: &State,
    out: usize,
    adjoints: &mut Vec<f64>,
    check: Option<&[bool]>,
    runs: &mut R,
) -> Option<(usize, u32)> {
    debug_assert!(check.is_none() || runs.next() == usize::MAX);
    debug_assert!(runs.next() == usize::MAX || runs.next() <= out);
    if adjoints.capacity() > out {
        adjoints.clear();
        adjoints.resize(out + 1, 0.0);
    } else {
        // A new buffer comes zeroed from the allocator (fresh pages of a
        // large one are zero already), instead of written over with zeros.
        *adjoints = vec![0.0; out + 1];
    }
    adjoints[out] = 1.0;
    let mut from = out + 1;
    let mut at = tape.with(|t| t.words_end(out));
    loop {
        let stop = tape.with(|t| match check {
            None if R::ANY && runs.next() != usize::MAX => {
                segment::<false, false, R>(t, out, from, at, adjoints, &[], runs)
            }
            // A tape that starts with a block of leaves (`Tape::vars`, a
            // `tape.var` per parameter) need not sweep them: they send
            // nothing back. The loop that stops above them is a copy of its
            // own, so that the others keep their registers.
            None if t.leading_leaves() >= FLOOR_MIN => {
                segment::<false, true, NoRuns>(t, out, from, at, adjoints, &[], &mut NoRuns)
            }
            None => segment::<false, false, NoRuns>(t, out, from, at, adjoints, &[], &mut NoRuns),
            Some(needed) => {
                segment::<true, false, NoRuns>(t, out, from, at, adjoints, needed, &mut NoRuns)
            }
        });
        match stop {
            None => return None,
            Some(Stop::Fault(i, input)) => return Some((i, input)),
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

/// The fewest leaves at the start of a tape for which the sweep takes the
/// loop that stops above them.
const FLOOR_MIN: usize = 1024;

/// Sweeps nodes `from - 1` down to 0 (with `FLOOR`, to the leaves the tape
/// starts with, [`Inner::leading_leaves`]), whose operand words end at `at`,
/// until the end, a custom node or (when `CHECKED`) a fault; the runs of
/// `runs` as one step each. One monomorphised loop each, so that the
/// tape's unchecked one, without runs, stays tight; out of line, so that
/// each loop's registers are its own, and the one without runs is one
/// function for every kind of runs (`docs/performance.md`).
#[inline(never)]
pub(super) fn segment<const CHECKED: bool, const FLOOR: bool, R: Runs>(
    t: &Inner,
    out: usize,
    from: usize,
    at: usize,
    adjoints: &mut [f64],
    needed: &[bool],
    runs: &mut R,
) -> Option<Stop> {
    debug_assert!(from <= out + 1 && adjoints.len() == out + 1);
    let (ops, values) = (&t.ops()[..from], &t.values()[..from]);
    let adjoints = &mut adjoints[..=out];
    let mut sweep = Sweep::new(t, at, adjoints);
    let mut run_last = if R::ANY { runs.next() } else { usize::MAX };
    let mut i = ops.len();
    // Leaves send nothing back; a run is of products and sums, so it lies
    // above them.
    let floor = if FLOOR { t.leading() } else { 0 };
    while i > floor {
        i -= 1;
        if R::ANY && i == run_last {
            (i, sweep.at) = runs.pullback(&mut sweep);
            run_last = runs.next();
            continue;
        }
        // Walk the operand words back to this node's, swept or not.
        sweep.at -= ops[i].words();
        let g = sweep.adjoints[i];
        if g == 0.0 {
            continue;
        }
        // A custom node's partials are user code: the caller takes them
        // outside the tape's borrow (`Pullback::custom` does nothing here).
        if CHECKED {
            let mut checked = Checked {
                sweep: &mut sweep,
                needed,
                fault: None,
            };
            if !pullback(&mut checked, ops[i], || values[i], g) {
                return Some(Stop::Custom(i, sweep.at));
            }
            if let Some(input) = checked.fault {
                return Some(Stop::Fault(i, input));
            }
        } else {
            // The three commonest ops of op-by-op code are tested ahead of
            // the op table's jump: a jump through a table whose target
            // changes from node to node is mispredicted far more often than
            // these tests: W3's op-by-op sweep took 28% less time with them
            // (docs/performance.md). Each is the table's own formula.
            let op = ops[i];
            if op == Op::Mul {
                pullback(&mut sweep, Op::Mul, || values[i], g);
            } else if op == Op::Add {
                pullback(&mut sweep, Op::Add, || values[i], g);
            } else if op == Op::MulConst {
                pullback(&mut sweep, Op::MulConst, || values[i], g);
            } else if !pullback(&mut sweep, op, || values[i], g) {
                return Some(Stop::Custom(i, sweep.at));
            }
        }
    }
    None
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
            values: t.values(),
            args: t.args(),
            at,
            consts: t.consts(),
            lists: t.lists(),
            adjoints,
        }
    }

    /// The adjoint of node `index`, as far as the sweep has added it up.
    #[inline(always)]
    pub(crate) fn adjoint(&self, index: u32) -> f64 {
        self.adjoints[index as usize]
    }

    /// Moves to the node whose operand words start at `at`, for a run to
    /// sweep its nodes through [`Pullback`].
    #[inline(always)]
    pub(crate) fn seek(&mut self, at: usize) {
        self.at = at;
    }

    /// The same sweep, borrowed anew, to hand by value to a run swept out
    /// of line: handing it `&mut self` would keep this sweep's fields in
    /// memory instead of registers all through the loop that makes the
    /// call (`docs/performance.md`).
    #[inline(always)]
    pub(crate) fn reborrow(&mut self) -> Sweep<'_> {
        Sweep {
            values: self.values,
            args: self.args,
            at: self.at,
            consts: self.consts,
            lists: self.lists,
            adjoints: &mut *self.adjoints,
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
    fn arg_constant(&self, j: usize) -> f64 {
        debug_assert!(self.at + j + 1 < self.args.len());
        // SAFETY: see above; both words were pushed with the node.
        unsafe { crate::op::read_inline_constant(self.args.as_ptr().add(self.at + j)) }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Tape;

    /// Runs that sweep their nodes one by one through the op table, as the
    /// sweep itself would: the seam's contract at its plainest.
    struct OneByOne {
        /// The first and last node of each run, in increasing order.
        runs: Vec<(usize, usize)>,
        ops: Vec<Op>,
        values: Vec<f64>,
        /// Where each node's operand words start.
        starts: Vec<usize>,
    }

    impl Runs for OneByOne {
        const ANY: bool = true;

        fn next(&self) -> usize {
            self.runs.last().map_or(usize::MAX, |r| r.1)
        }

        fn pullback(&mut self, sweep: &mut Sweep<'_>) -> (usize, usize) {
            let (first, last) = self.runs.pop().expect("the run `next` named");
            for i in (first..=last).rev() {
                let g = sweep.adjoint(i as u32);
                if g != 0.0 {
                    sweep.seek(self.starts[i]);
                    pullback(sweep, self.ops[i], || self.values[i], g);
                }
            }
            (first, self.starts[first])
        }
    }

    #[test]
    fn a_sweep_that_stops_above_the_leading_leaves_gives_the_adjoints_of_one_that_does_not() {
        let w: Vec<f64> = (0..3000).map(|i| 0.25 + f64::from(i) * 1e-3).collect();
        let record = |tape: &Tape, leaf_first: bool| {
            // A constant node first keeps every leaf above node 0, so the
            // sweep takes its plain loop there.
            if !leaf_first {
                let _ = tape.constant(1.0);
            }
            let ws = tape.vars(&w);
            let leaves: Vec<_> = ws.iter().collect();
            let z = ws.dot(&w) + leaves[7].sin() * leaves[2999];
            let g = z.backward();
            let bits: Vec<u64> = leaves.iter().map(|&v| g[v].to_bits()).collect();
            (tape.state().with(|t| t.leading()), bits)
        };
        let (skipped, with_floor) = record(&Tape::new(), true);
        let (none, plain) = record(&Tape::new(), false);
        // The first sweep stopped above its 3000 leaves, the second above
        // none; ∂z/∂wᵢ = wᵢ (+ the product's terms): the same bits.
        assert_eq!((skipped, none), (3000, 0));
        assert_eq!(with_floor, plain);
        // A leaf of the block as the output: ∂w₅/∂w₅ = 1, and 0 for the rest.
        let tape = Tape::new();
        let ws: Vec<_> = tape.vars(&w).iter().collect();
        let g = ws[5].backward();
        assert_eq!((g[ws[5]], g[ws[4]], g[ws[6]]), (1.0, 0.0, 0.0));
    }

    #[test]
    fn a_cleared_tape_counts_its_leading_leaves_again() {
        let mut tape = Tape::new();
        let _ = tape
            .vars(&[0.5; 2000])
            .iter()
            .map(|v| v * 2.0)
            .sum::<Var>()
            .backward();
        assert_eq!(tape.state().with(|t| t.leading()), 2000);
        tape.clear();
        // Node 1 is a sine below 1500 leaves: a count left from before the
        // clear would stop the sweep above it. d/dx (sin x · w) = cos x · w.
        let x = tape.var(0.5);
        let y = x.sin();
        let ws: Vec<_> = tape.vars(&[3.0; 1500]).iter().collect();
        let g = (y * ws[1499]).backward();
        assert_eq!(tape.state().with(|t| t.leading()), 1);
        assert_eq!(g[x], 0.5f64.cos() * 3.0);
    }

    #[test]
    fn a_sweep_through_runs_that_send_what_their_nodes_would_gives_the_plain_adjoints() {
        // A small linear congruential generator: the same graphs every run.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |n: usize| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((state >> 33) as usize) % n
        };
        for _ in 0..200 {
            let tape = Tape::new();
            let mut vars: Vec<_> = (0..3).map(|i| tape.var(0.5 + i as f64)).collect();
            for _ in 0..(3 + next(30)) {
                let a = vars[next(vars.len())];
                let b = vars[next(vars.len())];
                vars.push(match next(6) {
                    0 => a * b,
                    1 => 2.0 - a,
                    2 => a * 3.0,
                    3 => a.sin(),
                    4 => tape.sum([a, b, a]),
                    _ => a + tape.constant(-0.0),
                });
            }
            let out = vars[vars.len() - 1 - next(3)].index();
            // Runs of one to four nodes here and there, the output's among
            // them now and then.
            let mut runs = Vec::new();
            let mut i = next(3);
            while i <= out {
                let last = (i + next(4)).min(out);
                if next(2) == 0 {
                    runs.push((i, last));
                }
                i = last + 1 + next(3);
            }
            let mut one_by_one = tape.state().with(|t| OneByOne {
                runs: runs.clone(),
                ops: t.ops().to_vec(),
                values: t.values().to_vec(),
                starts: t
                    .ops()
                    .iter()
                    .scan(0, |at, op| {
                        *at += op.words();
                        Some(*at - op.words())
                    })
                    .collect(),
            });
            let (mut plain, mut through_runs) = (Vec::new(), Vec::new());
            assert!(sweep(tape.state(), out, &mut plain, None, &mut NoRuns).is_none());
            assert!(sweep(tape.state(), out, &mut through_runs, None, &mut one_by_one).is_none());
            // The sweep resumes below each run at its first node's words,
            // so the adjoints are the plain ones to the bit (signs of zero
            // too), and it took every run.
            let bits = |a: &[f64]| a.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&plain), bits(&through_runs), "runs {runs:?}");
            assert!(
                one_by_one.runs.is_empty(),
                "runs left: {:?}",
                one_by_one.runs
            );
        }
    }
}
