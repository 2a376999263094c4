//! Record once, run many: comparisons recorded as guards, reads of values
//! noted, and [`Compiled`], a recorded function replayed at new inputs.
//!
//! A comparison between `Var`s, or between a `Var` and an `f64`, answers
//! from the recorded values and notes a guard on the tape: its operands,
//! the comparison, the answer and the caller's line. [`Tape::compile`]
//! copies the part of the tape an output depends on (and the part its
//! guards depend on) into a program of its own; a replay recomputes every
//! node at the new inputs with the op table's own formulas, in tape order,
//! and checks each guard. When one comes out the other way, the function
//! would have recorded a different graph there, and the replay returns
//! [`Error::BranchChanged`] naming the comparison and its line instead of
//! the old branch's answer.
//!
//! A value read with [`Var::value`] can steer the user's code in ways no
//! guard sees, so the tape notes the first read of each node; `compile`
//! refuses if a node that depends on the inputs was read, unless the caller
//! allows it ([`Tape::compile_allowing_reads`]).
//!
//! Every comparison and read made before `compile` counts, wherever it
//! stands on the tape: code may choose which recorded node becomes the
//! output by a comparison made after both candidates were recorded
//! (`if p > n { p } else { n }`). A gradient graph's formulas that choose
//! their form by a value (`abs`, `relu`, `max`, `tanh` near 0, …) compare
//! through [`Real::order`](crate::Real::order) and its kin, which note
//! guards like the user's own comparisons.

use std::cmp::Ordering;
use std::collections::HashSet;
use std::fmt;
use std::panic::Location;
use std::sync::Arc;

use crate::backward::{depends_on, for_each_input, sweep};
use crate::custom::Erased;
use crate::error::{Error, Result};
use crate::op::{self, Op, Shape};
use crate::tape::{Full, Inner, Tape, Var};

/// A comparison as the user wrote it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// `partial_cmp` itself (sorting, `max_by`): the whole ordering.
    Order,
}

impl Cmp {
    fn symbol(self) -> &'static str {
        match self {
            Cmp::Eq => "==",
            Cmp::Ne => "!=",
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
            Cmp::Order => "partial_cmp",
        }
    }

    /// What the comparison answers for two operands ordered `ord`.
    fn answer(self, ord: Option<Ordering>) -> &'static str {
        use Ordering::*;
        let holds = match self {
            Cmp::Eq => ord == Some(Equal),
            Cmp::Ne => ord != Some(Equal),
            Cmp::Lt => ord == Some(Less),
            Cmp::Le => matches!(ord, Some(Less | Equal)),
            Cmp::Gt => ord == Some(Greater),
            Cmp::Ge => matches!(ord, Some(Greater | Equal)),
            Cmp::Order => {
                return match ord {
                    Some(Less) => "Some(Less)",
                    Some(Equal) => "Some(Equal)",
                    Some(Greater) => "Some(Greater)",
                    None => "None",
                };
            }
        };
        if holds { "true" } else { "false" }
    }
}

/// One operand of a guard.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Side {
    Node(u32),
    Const(f64),
}

/// A comparison the program made while recording.
#[derive(Clone, Debug)]
pub(crate) struct Guard {
    lhs: Side,
    rhs: Side,
    cmp: Cmp,
    /// Whether the operands' absolute values were compared (a formula of
    /// the op table asking `|x| < 2`).
    abs: bool,
    /// How the operands compared when recorded.
    recorded: Option<Ordering>,
    location: &'static Location<'static>,
}

/// What makes two guards the same: equal guards need checking once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct GuardKey {
    lhs: (bool, u64),
    rhs: (bool, u64),
    cmp: Cmp,
    abs: bool,
    recorded: Option<Ordering>,
    location: usize,
}

impl Guard {
    fn key(&self) -> GuardKey {
        let side = |s: Side| match s {
            Side::Node(i) => (true, u64::from(i)),
            Side::Const(c) => (false, c.to_bits()),
        };
        GuardKey {
            lhs: side(self.lhs),
            rhs: side(self.rhs),
            cmp: self.cmp,
            abs: self.abs,
            recorded: self.recorded,
            location: std::ptr::from_ref(self.location) as usize,
        }
    }

    /// How the operands compare with `value` giving each node's value.
    #[inline]
    fn order(&self, value: impl Fn(u32) -> f64) -> Option<Ordering> {
        let operand = |s: Side| {
            let v = match s {
                Side::Node(i) => value(i),
                Side::Const(c) => c,
            };
            if self.abs { v.abs() } else { v }
        };
        operand(self.lhs).partial_cmp(&operand(self.rhs))
    }
}

/// The first read of a node's value.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Read {
    node: u32,
    /// The caller's line; `None` for a read by a gradient graph's formula
    /// (the op table choosing a form by a value).
    location: Option<&'static Location<'static>>,
}

/// The guards and value reads of a tape.
#[derive(Clone, Debug, Default)]
pub(crate) struct Notes {
    guards: Vec<Guard>,
    /// The guards noted, so that a loop repeating comparisons (alternating
    /// or not) adds each once.
    seen: HashSet<GuardKey, foldhash::fast::FixedState>,
    reads: Vec<Read>,
    /// One bit per node: whether its value has been read.
    read: Vec<u64>,
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

/// Where each node's operand words start in `t.args`, all at once (the
/// tape's own index is built on demand, node by node).
fn word_offsets(t: &Inner) -> Vec<usize> {
    let mut at = 0;
    t.ops
        .iter()
        .map(|op| {
            let start = at;
            at += op.words();
            start
        })
        .collect()
}

/// The first two operand words of node `j`, whose words start at
/// `offsets[j]`, as indices.
fn two_words(t: &Inner, offsets: &[usize], j: usize) -> (usize, usize) {
    (t.args[offsets[j]] as usize, t.args[offsets[j] + 1] as usize)
}

/// The fused runs of program `p` ([`Fused`]), in increasing order. A
/// node in `read` (the output, a guard's operand) is not fused inside a
/// run: its value is read on its own.
fn fuse(p: &mut Inner, read: impl IntoIterator<Item = u32>) -> Vec<Fused> {
    let n = p.ops.len();
    let mut uses = vec![0u32; n];
    let mut user = vec![u32::MAX; n];
    for i in 0..n {
        for_each_input(p, i, |x| {
            uses[x as usize] += 1;
            user[x as usize] = i as u32;
        });
    }
    for i in read {
        uses[i as usize] += 1;
    }
    let offsets = word_offsets(p);
    let only_for = |q: usize, by: usize| uses[q] == 1 && user[q] == by as u32;
    let words = |j: usize| two_words(p, &offsets, j);
    let mut fused = Vec::new();
    // From the end, so that a chain is found whole from its last addition.
    let mut floor = n;
    for s in (1..n).rev() {
        let product = p.ops[s - 1];
        if s >= floor || !matches!(product, Op::Mul | Op::MulConst) {
            continue;
        }
        let (first, kind) = match p.ops[s] {
            Op::Sum => {
                // The list's last entries are the nodes just before the sum.
                let (start, len) = words(s);
                let list = &p.lists[start..start + len];
                let run = list.iter().rev().zip((0..s).rev());
                let count = run
                    .take_while(|&(&x, q)| x as usize == q && p.ops[q] == product && only_for(q, s))
                    .count();
                (s - count, Run::Sum)
            }
            Op::Add => {
                let (mut j, mut first) = (s, s);
                loop {
                    let (total, term) = words(j);
                    if term != j - 1 || p.ops[j - 1] != product || !only_for(j - 1, j) {
                        break;
                    }
                    first = j - 1;
                    // Go on while the total is the addition just before.
                    if j >= 3 && total == j - 2 && p.ops[total] == Op::Add && only_for(total, j) {
                        j = total;
                    } else {
                        break;
                    }
                }
                (if s - first < 3 { s } else { first }, Run::Chain)
            }
            _ => continue,
        };
        if first < s {
            floor = first;
            fused.push(Fused {
                first: first as u32,
                first_at: offsets[first] as u32,
                last: s as u32,
                op: product,
                kind,
            });
        }
    }
    fused.reverse();
    fused
}

impl Notes {
    pub(crate) fn clear(&mut self) {
        self.guards.clear();
        self.seen.clear();
        self.reads.clear();
        self.read.clear();
    }

    pub(crate) fn bytes_reserved(&self) -> usize {
        // A hash set's table holds its keys and a control byte each.
        self.guards.capacity() * size_of::<Guard>()
            + self.seen.capacity() * (size_of::<GuardKey>() + 1)
            + self.reads.capacity() * size_of::<Read>()
            + self.read.capacity() * size_of::<u64>()
    }

    /// Notes a read of `node`, unless it was read before (the first read is
    /// the one reported). Nodes are below the tape's length, so the notes
    /// stay within a bit and a `Read` per node.
    #[inline]
    pub(crate) fn read(&mut self, node: u32, location: Option<&'static Location<'static>>) {
        let (word, bit) = (node as usize / 64, node % 64);
        if self.read.get(word).is_some_and(|w| w >> bit & 1 == 1) {
            return;
        }
        if self.read.len() <= word {
            self.read.resize(word + 1, 0);
        }
        self.read[word] |= 1 << bit;
        self.reads.push(Read { node, location });
    }

    /// Notes a guard unless an equal one was noted (a loop comparing the
    /// same operands at the same lines adds nothing), or returns `false` if
    /// the tape holds `limit` guards already.
    fn guard(&mut self, guard: Guard, limit: usize) -> bool {
        let key = guard.key();
        // A loop repeating one comparison meets the last guard: no hashing.
        if self.guards.last().is_some_and(|last| last.key() == key) || self.seen.contains(&key) {
            return true;
        }
        if self.guards.len() >= limit {
            return false;
        }
        self.seen.insert(key);
        self.guards.push(guard);
        true
    }
}

impl Tape {
    /// Compares two operands by their recorded values and notes the guard.
    #[inline]
    #[track_caller]
    fn compare(&self, lhs: Side, rhs: Side, cmp: Cmp) -> Option<Ordering> {
        self.note_guard(lhs, rhs, cmp, false, Location::caller())
    }

    /// Compares two operands (their absolute values if `abs`) for a formula
    /// of the op table, or a custom op's partials, recorded into a gradient
    /// graph: noted at the line of the [`Var::grad_graph`] call.
    #[track_caller]
    pub(crate) fn formula_order(&self, lhs: Side, rhs: Side, abs: bool) -> Option<Ordering> {
        let at = self.with(|t| t.recording_at);
        self.note_guard(lhs, rhs, Cmp::Order, abs, at.unwrap_or(Location::caller()))
    }

    #[inline]
    #[track_caller]
    fn note_guard(
        &self,
        lhs: Side,
        rhs: Side,
        cmp: Cmp,
        abs: bool,
        location: &'static Location<'static>,
    ) -> Option<Ordering> {
        let noted = self.with(|t| {
            let mut guard = Guard {
                lhs,
                rhs,
                cmp,
                abs,
                recorded: None,
                location,
            };
            guard.recorded = guard.order(|i| t.values[i as usize]);
            let limit = t.limit();
            t.notes
                .guard(guard.clone(), limit)
                .then_some(guard.recorded)
        });
        match noted {
            Some(recorded) => recorded,
            None => self.full(Full::Guards),
        }
    }

    /// Notes that the value of node `index` was read at the caller's line.
    #[inline]
    #[track_caller]
    pub(crate) fn note_read(&self, index: u32) {
        let location = Location::caller();
        self.with(|t| t.notes.read(index, Some(location)));
    }

    /// Compiles the function from `inputs` to `output` recorded on this
    /// tape into a [`Compiled`] program that evaluates it, and its gradient,
    /// at new inputs: the same operations in the same order, so the same
    /// values and gradients to the bit as recording the function afresh at
    /// that point, without recording anything.
    ///
    /// The program holds the nodes the output, and every guard, depends
    /// on; leaves that are not inputs keep their recorded values. Kinks
    /// (relu, abs, max, min, clamp) are evaluated at the new point, as the
    /// recorded function would be; the user's own branches are the
    /// comparisons of `Var`s, checked at every replay. Every comparison of
    /// a `Var` that depends on the inputs made on this tape so far is a
    /// guard, before or after the output was recorded: code may have
    /// chosen the output by it. Compile before comparisons that have
    /// nothing to do with the function (a convergence test), or record it
    /// on a tape of its own, to keep them out.
    ///
    /// ```
    /// use tapegrad::{Error, Tape};
    ///
    /// let tape = Tape::new();
    /// let x = tape.var(3.0).named("x");
    /// let y = tape.var(4.0).named("y");
    /// // One branch is recorded; the comparison guards it.
    /// let z = if x < y { x * y } else { x + y };
    /// let mut f = tape.compile(z, &[x, y])?;
    ///
    /// let mut grad = [0.0; 2];
    /// assert_eq!(f.gradient(&[2.0, 5.0], &mut grad)?, 10.0);
    /// assert_eq!(grad, [5.0, 2.0]); // ∂(xy)/∂x = y, ∂(xy)/∂y = x
    ///
    /// // At x > y the function takes the other branch: the replay says so.
    /// let err = f.value(&[5.0, 2.0]).unwrap_err();
    /// assert!(matches!(err, Error::BranchChanged { .. }));
    /// // "the branch at src/main.rs:9 changed: `x < y` was true when recorded
    /// // and is false here; record the function again at this point"
    /// assert!(err.to_string().contains("`x < y` was true when recorded and is false here"));
    /// # Ok::<(), tapegrad::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::NotALeaf`] if an input is not a leaf, [`Error::RepeatedInput`]
    /// if one is given twice, and [`Error::ValueRead`] if the value of a
    /// node depending on the inputs was read (with [`Var::value`],
    /// [`Var::backward`] or [`Tape::node`]) before this call, or a gradient
    /// graph's formula took a constant from a value (`erf`'s): code may
    /// have branched on it where no guard can see. Dumps and pictures are
    /// not reads.
    ///
    /// # Panics
    /// If `output` or an input belongs to another tape.
    #[track_caller]
    pub fn compile(&self, output: Var<'_>, inputs: &[Var<'_>]) -> Result<Compiled> {
        self.compile_with(output, inputs, false)
    }

    /// [`Tape::compile`], accepting value reads: the program replays the
    /// recorded graph whatever the reads led to, and lists them
    /// ([`Compiled::value_reads`]) for the caller to vouch for.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let x = tape.var(2.0);
    /// let y = x * x;
    /// println!("y = {}", y.value()); // a read: compile alone would refuse
    /// let z = y + 1.0;
    /// assert!(tape.compile(z, &[x]).is_err());
    /// let mut f = tape.compile_allowing_reads(z, &[x])?;
    /// assert_eq!(f.value_reads().len(), 1);
    /// assert_eq!(f.value(&[3.0])?, 10.0);
    /// # Ok::<(), tapegrad::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Tape::compile`], but for value reads.
    ///
    /// # Panics
    /// If `output` or an input belongs to another tape.
    #[track_caller]
    pub fn compile_allowing_reads(&self, output: Var<'_>, inputs: &[Var<'_>]) -> Result<Compiled> {
        self.compile_with(output, inputs, true)
    }

    #[track_caller]
    fn compile_with(
        &self,
        output: Var<'_>,
        inputs: &[Var<'_>],
        allow_reads: bool,
    ) -> Result<Compiled> {
        self.check_owns(output);
        self.check_owns_all(inputs);
        let out = output.index();
        let built = self.with(|t| {
            // Where each node was first given as an input, to find a
            // repeat in one pass.
            let mut position_of = vec![u32::MAX; t.ops.len()];
            for (position, v) in inputs.iter().enumerate() {
                if t.ops[v.index()] != Op::Leaf {
                    return Err(Error::NotALeaf {
                        position,
                        node: v.index(),
                        op: t.ops[v.index()].name().to_string(),
                    });
                }
                let first = &mut position_of[v.index()];
                if *first != u32::MAX {
                    return Err(Error::RepeatedInput {
                        first: *first as usize,
                        position,
                        node: v.index(),
                    });
                }
                // A tape holds fewer than 2³² nodes, so fewer distinct inputs.
                *first = position as u32;
            }
            Program::build(t, out, inputs, allow_reads)
        });
        let (mut compiled, custom_ids) = built?;
        // The user's ops are taken after the borrow has ended.
        let customs: Vec<Arc<dyn Erased>> = custom_ids
            .into_iter()
            .map(|id| self.custom_op(id))
            .collect();
        compiled.program.set_customs(customs);
        // Checked once here, so that every replay may read without checks.
        assert!(
            compiled.well_formed(),
            "tapegrad: compile made a program its replay cannot run unchecked; this is a bug in tapegrad"
        );
        Ok(compiled)
    }
}

/// Builds a [`Compiled`] from the tape's nodes up to `out`.
struct Program;

impl Program {
    /// The program, and the custom ops its nodes name by their numbers on
    /// the recording tape (taken by the caller after the borrow ends).
    fn build(
        t: &mut Inner,
        out: usize,
        inputs: &[Var<'_>],
        allow_reads: bool,
    ) -> Result<(Compiled, Vec<u32>)> {
        // Nodes that change with the inputs; guards and reads of nodes that
        // do not cannot come out differently at a replay. Every other
        // comparison and read made so far counts, wherever it stands on the
        // tape: code may have chosen the output by it (`if p > n { p } else
        // { n }` compares after both were recorded).
        let varies = depends_on(t, t.ops.len() - 1, inputs);
        let varying = |s: Side| matches!(s, Side::Node(i) if varies[i as usize]);
        let guards: Vec<Guard> = t
            .notes
            .guards
            .iter()
            .filter(|g| varying(g.lhs) || varying(g.rhs))
            .cloned()
            .collect();
        let reads: Vec<Read> = t
            .notes
            .reads
            .iter()
            .filter(|r| varies[r.node as usize])
            .copied()
            .collect();
        if let (false, Some(read)) = (allow_reads, reads.first()) {
            return Err(Error::ValueRead {
                node: read.node as usize,
                location: read.location.map(place),
            });
        }
        // The program runs up to the last node the output, an input or a
        // guard names.
        let guard_nodes = guards.iter().flat_map(|g| [g.lhs, g.rhs]);
        let last = guard_nodes
            .filter_map(|s| match s {
                Side::Node(i) => Some(i as usize),
                Side::Const(_) => None,
            })
            .chain(inputs.iter().map(|v| v.index()))
            .fold(out, usize::max);

        // Keep what the output and the guards depend on, and the inputs.
        let mut keep = vec![false; last + 1];
        keep[out] = true;
        for v in inputs {
            keep[v.index()] = true;
        }
        for g in &guards {
            for side in [g.lhs, g.rhs] {
                if let Side::Node(i) = side {
                    keep[i as usize] = true;
                }
            }
        }
        for i in (0..=last).rev() {
            if keep[i] {
                for_each_input(t, i, |x| keep[x as usize] = true);
            }
        }
        let mut slot = vec![u32::MAX; last + 1];
        let mut p = Inner::default();
        let mut custom_ids = Vec::new();
        for i in (0..=last).filter(|&i| keep[i]) {
            slot[i] = p.ops.len() as u32;
            let words = t.words(i);
            let map = |x: u32| slot[x as usize];
            let op = t.ops[i];
            let words: Vec<u32> = match op.shape() {
                Shape::Nullary => vec![],
                Shape::Unary => vec![map(words[0])],
                Shape::UnaryConst { .. } => {
                    p.consts.push(t.consts[words[1] as usize]);
                    vec![map(words[0]), p.consts.len() as u32 - 1]
                }
                Shape::Binary => vec![map(words[0]), map(words[1])],
                Shape::Nary | Shape::Custom => {
                    let start = p.lists.len() as u32;
                    let list = &t.lists[words[0] as usize..(words[0] + words[1]) as usize];
                    p.lists.extend(list.iter().map(|&x| map(x)));
                    if op == Op::Custom {
                        custom_ids.push(words[2]);
                        vec![start, words[1], custom_ids.len() as u32 - 1]
                    } else {
                        vec![start, words[1]]
                    }
                }
                Shape::Dot => {
                    // The block's leaves are consecutive on the tape, and all
                    // kept (they are the node's inputs), so they stay so.
                    let k = p.consts.len() as u32;
                    let (at, n) = (words[2] as usize, words[1] as usize);
                    p.consts.extend_from_slice(&t.consts[at..at + n]);
                    // An empty block names a leaf that need not be kept:
                    // it reads nothing, so it starts at the node itself.
                    let block = if n == 0 { slot[i] } else { map(words[0]) };
                    vec![block, words[1], k]
                }
            };
            p.ops.push(op);
            p.values.push(t.values[i]);
            p.args.extend(words);
            if let Some(name) = t.names.get(&(i as u32)) {
                p.names.insert(slot[i], name.clone());
            }
            if let Some(at) = &t.locations {
                p.locations.get_or_insert_with(Vec::new).push(at[i]);
            }
        }
        p.set_room();
        let guard_operands = guards.iter().flat_map(|g| [g.lhs, g.rhs]);
        let read = guard_operands.filter_map(|s| match s {
            Side::Node(i) => Some(slot[i as usize]),
            Side::Const(_) => None,
        });
        let fused = fuse(&mut p, read.chain([slot[out]]));
        let remap = |s: Side| match s {
            Side::Node(i) => Side::Node(slot[i as usize]),
            c => c,
        };
        let guards = guards
            .into_iter()
            .map(|g| {
                let text = comparison(t, &g);
                let g = Guard {
                    lhs: remap(g.lhs),
                    rhs: remap(g.rhs),
                    ..g
                };
                (g, text)
            })
            .collect();
        let compiled = Compiled {
            output: slot[out],
            inputs: inputs.iter().map(|v| slot[v.index()]).collect(),
            guards,
            reads: reads
                .iter()
                .map(|r| ValueRead {
                    node: r.node as usize,
                    location: r.location.map(place),
                })
                .collect(),
            program: Tape::from_inner(p),
            fused,
            adjoints: Vec::new(),
            scratch: Vec::new(),
        };
        Ok((compiled, custom_ids))
    }
}

/// A recorded function compiled for replay at new inputs: a flat program
/// of the nodes the output depends on, owned (no borrow of the tape it
/// came from), so it can be stored, cloned and sent to another thread.
/// Made by [`Tape::compile`].
///
/// Replays run the op table's formulas in tape order and keep their
/// buffers between calls. A neuron's weighted sum, recorded as
/// `tape.sum` of products or as a loop `acc = acc + w * x`, replays as one
/// step, forward and back, with the same numbers to the bit. Non-finite
/// numbers follow IEEE arithmetic, as [`Var::backward`] does;
/// [`Compiled::try_gradient`] reports them, as [`Var::try_backward`] does.
///
/// ```
/// use tapegrad::Tape;
///
/// let tape = Tape::new();
/// let (w, b) = (tape.var(3.0), tape.var(4.0));
/// let z = (2.0 * w + 3.0 * b) * (2.0 * b + 1.0);
/// let mut f = tape.compile(z, &[w, b])?;
/// drop(tape); // the program owns what it needs
///
/// let mut grad = vec![0.0; 2];
/// assert_eq!(f.gradient(&[3.0, 4.0], &mut grad)?, 162.0);
/// assert_eq!(grad, [18.0, 63.0]); // dz/dw = 2y, dz/db = 3y + 2x
/// assert_eq!(f.value(&[0.0, 0.0])?, 0.0);
///
/// // Another thread can take it (a copy keeps its own buffers).
/// let mut g = f.clone();
/// let there = std::thread::spawn(move || g.value(&[1.0, 1.0])).join().unwrap()?;
/// assert_eq!(there, 15.0); // (2 + 3)·(2 + 1)
/// # Ok::<(), tapegrad::Error>(())
/// ```
pub struct Compiled {
    /// The program: a tape of its own holding the kept nodes, in the
    /// recorded order, renumbered.
    program: Tape,
    /// The program's runs of products added up, replayed as one step each.
    fused: Vec<Fused>,
    output: u32,
    inputs: Vec<u32>,
    /// Each guard, with its comparison as the recording tape named it.
    guards: Vec<(Guard, String)>,
    reads: Vec<ValueRead>,
    adjoints: Vec<f64>,
    /// Input values of a custom node.
    scratch: Vec<f64>,
}

/// A read of a value while the function was recorded, which a program
/// compiled with [`Tape::compile_allowing_reads`] replays past.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ValueRead {
    /// The node read, by its index on the recording tape.
    pub node: usize,
    /// Where (`file.rs:line:column`); `None` for a read by a gradient
    /// graph's formula ([`Var::grad_graph`] choosing a form by a value).
    pub location: Option<String>,
}

impl Clone for Compiled {
    fn clone(&self) -> Compiled {
        Compiled {
            program: self.program.clone_inner(),
            fused: self.fused.clone(),
            output: self.output,
            inputs: self.inputs.clone(),
            guards: self.guards.clone(),
            reads: self.reads.clone(),
            adjoints: Vec::new(),
            scratch: Vec::new(),
        }
    }
}

impl fmt::Debug for Compiled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Compiled")
            .field("nodes", &self.len())
            .field("inputs", &self.inputs.len())
            .field("guards", &self.guards.len())
            .field("fused_runs", &self.fused.len())
            .finish()
    }
}

impl Compiled {
    /// The function's value at `at` (one number per input, in the order
    /// given to [`Tape::compile`]): forward only.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let x = tape.var(1.0);
    /// let mut f = tape.compile(x.exp() + x, &[x])?;
    /// assert_eq!(f.value(&[0.0])?, 1.0);
    /// assert_eq!(f.value(&[2.0])?, 2f64.exp() + 2.0);
    /// # Ok::<(), tapegrad::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Length`] if `at` does not have one number per input, and
    /// [`Error::BranchChanged`] if a comparison made while recording comes
    /// out the other way at `at`.
    pub fn value(&mut self, at: &[f64]) -> Result<f64> {
        self.forward(at)?;
        let out = self.output as usize;
        Ok(self.values()[out])
    }

    /// The function's value at `at`, and its gradient with respect to the
    /// inputs (in order) into `grad`: one forward and one reverse sweep.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let x = tape.var(1.0);
    /// let mut f = tape.compile(x * x.sin(), &[x])?;
    /// let mut grad = [0.0];
    /// let y = f.gradient(&[2.0], &mut grad)?;
    /// assert_eq!(y, 2.0 * 2f64.sin());
    /// assert_eq!(grad[0], 2f64.sin() + 2.0 * 2f64.cos()); // sin x + x cos x
    /// # Ok::<(), tapegrad::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Compiled::value`], and [`Error::Length`] if `grad` does not
    /// have one place per input.
    pub fn gradient(&mut self, at: &[f64], grad: &mut [f64]) -> Result<f64> {
        self.check_len("gradient buffer", grad.len())?;
        self.forward(at)?;
        let out = self.output as usize;
        let fault = sweep(&self.program, out, &mut self.adjoints, None, &self.fused);
        debug_assert!(fault.is_none());
        for (g, &i) in grad.iter_mut().zip(&self.inputs) {
            // An input recorded after the output does not reach it.
            *g = self.adjoints.get(i as usize).copied().unwrap_or(0.0);
        }
        Ok(self.values()[out])
    }

    /// [`Compiled::gradient`], checked as [`Var::try_backward`] checks: a
    /// value or adjoint that is NaN or infinite is an error naming the op.
    ///
    /// ```
    /// use tapegrad::Error;
    ///
    /// let tape = tapegrad::Tape::new();
    /// let x = tape.var(1.0);
    /// let mut f = tape.compile(x.ln(), &[x])?;
    /// let mut grad = [0.0];
    /// assert_eq!(f.try_gradient(&[2.0], &mut grad)?, 2f64.ln());
    /// let err = f.try_gradient(&[-1.0], &mut grad).unwrap_err();
    /// assert!(matches!(err, Error::NonFinite { ref op, .. } if op == "ln"));
    /// # Ok::<(), tapegrad::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Compiled::gradient`], and [`Error::NonFinite`].
    pub fn try_gradient(&mut self, at: &[f64], grad: &mut [f64]) -> Result<f64> {
        self.check_len("gradient buffer", grad.len())?;
        self.forward(at)?;
        let out = self.output as usize;
        let output = self.program.get(out);
        let g = output.try_backward()?;
        for (d, &i) in grad.iter_mut().zip(&self.inputs) {
            *d = g.as_slice().get(i as usize).copied().unwrap_or(0.0);
        }
        Ok(output.value)
    }

    /// How many nodes the program holds.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let (x, unused) = (tape.var(1.0), tape.var(2.0));
    /// let _noise = unused * 3.0;
    /// let f = tape.compile(x * x, &[x])?;
    /// assert_eq!(f.len(), 2); // x and x·x: nothing else is needed
    /// # Ok::<(), tapegrad::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.program.len()
    }

    /// Whether the program holds no nodes (never: it holds its output).
    pub fn is_empty(&self) -> bool {
        self.program.is_empty()
    }

    /// How many inputs the program takes.
    pub fn inputs(&self) -> usize {
        self.inputs.len()
    }

    /// How many comparisons each replay checks.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let x = tape.var(1.0);
    /// let y = if x > 0.0 { x.ln() } else { -x };
    /// assert_eq!(tape.compile(y, &[x])?.guards(), 1);
    /// # Ok::<(), tapegrad::Error>(())
    /// ```
    pub fn guards(&self) -> usize {
        self.guards.len()
    }

    /// The value reads made while recording, for a program compiled with
    /// [`Tape::compile_allowing_reads`] (empty otherwise).
    pub fn value_reads(&self) -> &[ValueRead] {
        &self.reads
    }

    /// Bytes the program occupies: its nodes, constants and input lists.
    pub fn bytes_used(&self) -> usize {
        self.program.bytes_used() + self.fused.len() * size_of::<Fused>()
    }

    /// Whether the program is one [`replay`] may run without checks.
    fn well_formed(&mut self) -> bool {
        let (t, customs) = self.program.parts_mut();
        well_formed(t, customs.len(), &self.fused)
    }

    fn values(&mut self) -> &[f64] {
        &self.program.inner_mut().values
    }

    fn check_len(&self, what: &'static str, got: usize) -> Result<()> {
        if got == self.inputs.len() {
            Ok(())
        } else {
            Err(Error::Length {
                what,
                expected: self.inputs.len(),
                got,
            })
        }
    }

    /// Recomputes every node at `at`, then checks the guards.
    fn forward(&mut self, at: &[f64]) -> Result<()> {
        self.check_len("input", at.len())?;
        let (t, customs) = self.program.parts_mut();
        for (&i, &x) in self.inputs.iter().zip(at) {
            t.values[i as usize] = x;
        }
        // SAFETY: `compile` checked that the program is well formed, and
        // nothing changes its nodes after (a replay writes values only).
        unsafe { replay(t, customs, &self.fused, &mut self.scratch) };
        for (g, text) in &self.guards {
            let now = g.order(|i| t.values[i as usize]);
            if g.cmp.answer(now) != g.cmp.answer(g.recorded) {
                return Err(branch_changed(g, text, now));
            }
        }
        Ok(())
    }
}

/// Recomputes the value of every node but the leaves and constants, in
/// tape order, with the formulas recording used; a fused run of products
/// (`fused`, in increasing order) as one step. The custom ops' `value`
/// runs here, on the program's own tape, which only its `Compiled`
/// reaches, through `&mut`.
///
/// # Safety
/// `well_formed(t, customs.len(), fused)` holds: it reads every operand
/// word without a check.
unsafe fn replay(
    t: &mut Inner,
    customs: &[Arc<dyn Erased>],
    fused: &[Fused],
    scratch: &mut Vec<f64>,
) {
    debug_assert!(well_formed(t, customs.len(), fused));
    let n = t.ops.len();
    let values = t.values.as_mut_ptr();
    let (args, consts) = (t.args.as_ptr(), t.consts.as_slice());
    let mut fused = fused.iter().peekable();
    let (mut i, mut at) = (0, 0);
    while i < n {
        // SAFETY: the program is well formed (the caller's promise,
        // checked by `compile`): `values` holds `ops.len()`
        // numbers, every node's `Op::words` operand words follow the last
        // node's in `args`, each input word names an earlier node and each
        // constant word a place in `consts`; a fused run is of the shape
        // it claims, at the words it names. Only nodes `i` and
        // up are written, and no reference into `values` is live while
        // they are.
        unsafe {
            let row = |at: usize| Row {
                values,
                words: args.add(at),
                consts,
            };
            if let Some(f) = fused.next_if(|f| f.first as usize == i) {
                if f.kind == Run::Chain {
                    // Chains are rarer than sums: a call keeps this loop tight.
                    match f.op {
                        Op::Mul => replay_chain::<true>(t, values, f),
                        _ => replay_chain::<false>(t, values, f),
                    }
                    i = f.last as usize + 1;
                    at += 2 * (f.last - f.first + 1) as usize;
                    continue;
                }
                // A sum's terms before the products, then each product as
                // it is computed: the order `Tape::sum` added them in. Each
                // product's match on its op folds away: the op is a literal.
                let count = (f.last - f.first) as usize;
                let sum_row = row(at + 2 * count);
                let (start, len) = (sum_row.word(0), sum_row.word(1));
                let mut sum = 0.0;
                for &x in t.lists.get_unchecked(start..start + len - count) {
                    sum += *values.add(x as usize);
                }
                let mut products = |op: Op| {
                    for k in 0..count {
                        let value = op::eval_node(op, &row(at + 2 * k)).unwrap_unchecked();
                        *values.add(i + k) = value;
                        sum += value;
                    }
                };
                match f.op {
                    Op::Mul => products(Op::Mul),
                    _ => products(Op::MulConst),
                }
                *values.add(f.last as usize) = sum;
                i = f.last as usize + 1;
                at += 2 * count + Op::Sum.words();
                continue;
            }
            let op = *t.ops.get_unchecked(i);
            let row = row(at);
            at += op.words();
            let value = match op::eval_node(op, &row) {
                Some(value) => value,
                None => match op.shape() {
                    Shape::Nullary => {
                        i += 1;
                        continue;
                    }
                    Shape::Nary => {
                        // As `Tape::sum` adds: from 0, in the terms' order.
                        let (start, len) = (row.word(0), row.word(1));
                        let mut sum = 0.0;
                        for &x in t.lists.get_unchecked(start..start + len) {
                            sum += *values.add(x as usize);
                        }
                        sum
                    }
                    Shape::Dot => {
                        // As `Vars::dot` adds.
                        let (x, len, k) = (row.word(0), row.word(1), row.word(2));
                        let mut sum = 0.0;
                        for (j, &c) in consts.get_unchecked(k..k + len).iter().enumerate() {
                            sum += *values.add(x + j) * c;
                        }
                        sum
                    }
                    Shape::Custom => {
                        let (start, len) = (row.word(0), row.word(1));
                        scratch.clear();
                        let list = t.lists.get_unchecked(start..start + len);
                        scratch.extend(list.iter().map(|&x| *values.add(x as usize)));
                        customs.get_unchecked(row.word(2)).value(scratch)
                    }
                    Shape::Unary | Shape::UnaryConst { .. } | Shape::Binary => {
                        unreachable!("{op:?} is evaluated by the op table")
                    }
                },
            };
            *values.add(i) = value;
            i += 1;
        }
    }
}

/// Replays fused chain `f` (see [`replay`]) of additions of `x·y` (`MUL`)
/// or of `x·c`: a product and an addition in turn, from the first
/// addition's other operand.
///
/// # Safety
/// As in [`replay`]: the program is well formed, `values` is its values,
/// and no reference into them is live.
#[inline(never)]
unsafe fn replay_chain<const MUL: bool>(t: &Inner, values: *mut f64, f: &Fused) {
    let op = if MUL { Op::Mul } else { Op::MulConst };
    let (first, at) = (f.first as usize, f.first_at as usize);
    // SAFETY: as in `replay`; `well_formed` checks the chain's shape, so
    // its words lie within `args`.
    unsafe {
        let row = |at: usize| Row {
            values,
            words: t.args.as_ptr().add(at),
            consts: &t.consts,
        };
        let mut total = op::Operands::value(&row(at + 2), 0);
        for k in 0..f.products() as usize {
            let term = op::eval_node(op, &row(at + 4 * k)).unwrap_unchecked();
            *values.add(first + 2 * k) = term;
            total = op::eval_binary(Op::Add, total, term);
            *values.add(first + 2 * k + 1) = total;
        }
    }
}

/// The operands of the node being replayed, read without bounds checks
/// (see the invariant in [`replay`]).
struct Row<'a> {
    values: *const f64,
    /// The node's operand words.
    words: *const u32,
    consts: &'a [f64],
}

impl Row<'_> {
    #[inline(always)]
    fn word(&self, j: usize) -> usize {
        // SAFETY: the node has at least `j + 1` words (see `replay`).
        unsafe { *self.words.add(j) as usize }
    }
}

impl op::Operands for Row<'_> {
    #[inline(always)]
    fn value(&self, j: usize) -> f64 {
        // SAFETY: word `j` names an earlier node (see `replay`).
        unsafe { *self.values.add(self.word(j)) }
    }

    #[inline(always)]
    fn constant(&self, j: usize) -> f64 {
        // SAFETY: word `j` names a place in `consts` (see `replay`).
        unsafe { *self.consts.get_unchecked(self.word(j)) }
    }
}

/// Whether every operand word of `t` is where [`replay`] reads without
/// checks: inputs before their node, constants and lists in their pools,
/// and each fused run of the shape it claims, at the words it names, in
/// order.
fn well_formed(t: &Inner, customs: usize, fused: &[Fused]) -> bool {
    let n = t.ops.len();
    // Every node's words first, in usize arithmetic that cannot wrap: the
    // runs' checks below index the words this one has bounded.
    let mut at = 0;
    let nodes = t.values.len() == n
        && t.ops.iter().enumerate().all(|(i, &op)| {
            let Some(words) = t.args.get(at..at + op.words()) else {
                return false;
            };
            at += op.words();
            let mut w = [0; 3];
            for (w, &x) in w.iter_mut().zip(words) {
                *w = x as usize;
            }
            let node = |x: usize| x < i;
            let list = |s: usize, l: usize| {
                t.lists
                    .get(s..s + l)
                    .is_some_and(|l| l.iter().all(|&x| node(x as usize)))
            };
            match op.shape() {
                Shape::Nullary => true,
                Shape::Unary => node(w[0]),
                Shape::UnaryConst { .. } => node(w[0]) && w[1] < t.consts.len(),
                Shape::Binary => node(w[0]) && node(w[1]),
                Shape::Nary => list(w[0], w[1]),
                Shape::Dot => w[0] + w[1] <= i && w[2] + w[1] <= t.consts.len(),
                Shape::Custom => list(w[0], w[1]) && w[2] < customs,
            }
        })
        && at == t.args.len();
    if !nodes {
        return false;
    }
    let offsets = word_offsets(t);
    let words = |j: usize| two_words(t, &offsets, j);
    let runs = fused.iter().all(|f| {
        let (first, last) = (f.first as usize, f.last as usize);
        first < last
            && last < n
            && matches!(f.op, Op::Mul | Op::MulConst)
            && offsets[first] == f.first_at as usize
            && match f.kind {
                Run::Sum => {
                    // The list ends with the products, in order.
                    let (start, len) = words(last);
                    t.ops[last] == Op::Sum
                        && t.ops[first..last].iter().all(|&op| op == f.op)
                        && t.lists.get(start..start + len).is_some_and(|l| {
                            l.ends_with(&(first as u32..last as u32).collect::<Vec<_>>())
                        })
                }
                Run::Chain => {
                    // A product, then its addition to the total before.
                    (last - first) % 2 == 1
                        && (first..=last).step_by(2).all(|j| {
                            let (total, term) = words(j + 1);
                            t.ops[j] == f.op
                                && t.ops[j + 1] == Op::Add
                                && term == j
                                && if j == first {
                                    total < first
                                } else {
                                    total == j - 1
                                }
                        })
                }
            }
    });
    runs && fused.windows(2).all(|w| w[0].last < w[1].first)
}

/// `file.rs:line`, as errors name a place.
fn place(l: &'static Location<'static>) -> String {
    format!("{}:{}", l.file(), l.line())
}

/// Guard `g` of tape `t` as the user wrote it: an operand by its name, else
/// by the expression that reaches its node (`tape.get(3)`).
fn comparison(t: &Inner, g: &Guard) -> String {
    let operand = |s: Side| match s {
        Side::Node(i) => match t.names.get(&i) {
            Some(name) => crate::escape::text_cut(name, 40),
            None => format!("tape.get({i})"),
        },
        Side::Const(c) => crate::escape::format_number(c),
    };
    // A formula's comparison of absolute values shows them as `|x|`.
    let operand = |s: Side| match (g.abs, s) {
        (true, Side::Const(c)) => operand(Side::Const(c.abs())),
        (true, s) => format!("|{}|", operand(s)),
        (false, s) => operand(s),
    };
    match g.cmp {
        Cmp::Order => format!("{}.partial_cmp(&{})", operand(g.lhs), operand(g.rhs)),
        cmp => format!("{} {} {}", operand(g.lhs), cmp.symbol(), operand(g.rhs)),
    }
}

/// The error for guard `g`, written `comparison`, which compares `now`.
fn branch_changed(g: &Guard, comparison: &str, now: Option<Ordering>) -> Error {
    Error::BranchChanged {
        comparison: comparison.to_string(),
        location: place(g.location),
        recorded: g.cmp.answer(g.recorded).to_string(),
        now: g.cmp.answer(now).to_string(),
    }
}

// Comparisons answer from the recorded values and note a guard. Each
// operator method is its own `#[track_caller]` function, so that the guard
// keeps the line of the comparison the user wrote.
macro_rules! comparisons {
    ($Lhs:ty, $Rhs:ty, $tape:expr, $lhs:expr, $rhs:expr) => {
        /// Compares the recorded values, as `f64` does, and records a guard:
        /// the branch taken is the branch recorded, and a compiled replay
        /// checks it ([`Tape::compile`]).
        impl<'t> PartialEq<$Rhs> for $Lhs {
            #[track_caller]
            fn eq(&self, other: &$Rhs) -> bool {
                let (s, o) = (*self, *other);
                $tape(s, o).compare($lhs(s), $rhs(o), Cmp::Eq) == Some(Ordering::Equal)
            }
            #[track_caller]
            #[allow(clippy::partialeq_ne_impl)]
            fn ne(&self, other: &$Rhs) -> bool {
                let (s, o) = (*self, *other);
                $tape(s, o).compare($lhs(s), $rhs(o), Cmp::Ne) != Some(Ordering::Equal)
            }
        }

        /// Orders by the recorded values, as `f64` does (NaN is unordered),
        /// and records a guard ([`Tape::compile`]).
        impl<'t> PartialOrd<$Rhs> for $Lhs {
            #[track_caller]
            fn partial_cmp(&self, other: &$Rhs) -> Option<Ordering> {
                let (s, o) = (*self, *other);
                $tape(s, o).compare($lhs(s), $rhs(o), Cmp::Order)
            }
            #[track_caller]
            fn lt(&self, other: &$Rhs) -> bool {
                let (s, o) = (*self, *other);
                $tape(s, o).compare($lhs(s), $rhs(o), Cmp::Lt) == Some(Ordering::Less)
            }
            #[track_caller]
            fn le(&self, other: &$Rhs) -> bool {
                let (s, o) = (*self, *other);
                let ord = $tape(s, o).compare($lhs(s), $rhs(o), Cmp::Le);
                matches!(ord, Some(Ordering::Less | Ordering::Equal))
            }
            #[track_caller]
            fn gt(&self, other: &$Rhs) -> bool {
                let (s, o) = (*self, *other);
                $tape(s, o).compare($lhs(s), $rhs(o), Cmp::Gt) == Some(Ordering::Greater)
            }
            #[track_caller]
            fn ge(&self, other: &$Rhs) -> bool {
                let (s, o) = (*self, *other);
                let ord = $tape(s, o).compare($lhs(s), $rhs(o), Cmp::Ge);
                matches!(ord, Some(Ordering::Greater | Ordering::Equal))
            }
        }
    };
}

/// The tape of two `Var`s compared, checking they share it.
#[inline]
#[track_caller]
fn shared<'t>(a: Var<'t>, b: Var<'t>) -> &'t Tape {
    a.tape.check_owns(b);
    a.tape
}

fn node(v: Var<'_>) -> Side {
    Side::Node(v.index)
}

fn constant(c: f64) -> Side {
    Side::Const(c)
}

comparisons!(Var<'t>, Var<'t>, shared, node, node);
comparisons!(Var<'t>, f64, |v: Var<'t>, _| v.tape, node, constant);
comparisons!(f64, Var<'t>, |_, v: Var<'t>| v.tape, constant, node);
