//! Record once, run many: [`Compiled`], a recorded function replayed at new
//! inputs, which checks the guards and reads the tape noted.
//!
//! A comparison between `Var`s, or between a `Var` and an `f64`, answers
//! from the recorded values and notes a guard on the tape (`tape/notes.rs`):
//! its operands, the comparison, the answer and the caller's line.
//! [`Tape::compile`] (`build.rs`)
//! copies the part of the tape an output depends on (and the part its
//! guards depend on) into a program of its own; a replay recomputes every
//! node at the new inputs with the op table's own formulas, in tape order
//! (`run.rs`), runs of products added up as one step (`fuse.rs`), and
//! checks each guard. When one comes out the other way, the function
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
use std::fmt;
use std::panic::Location;
use std::sync::Arc;

use crate::backward::{Runs, Sweep, depends_on, sweep};
use crate::error::{Error, Result};
use crate::op::{self, Op, Pullback, Shape};
use crate::tape::{Cmp, Erased, Guard, Read, Side};
use crate::tape::{Inner, State, Tape, Var};

mod build;
mod fuse;
mod pullback;
mod run;

use build::Program;
use fuse::{Fused, Run, fuse, well_formed};
use pullback::FusedRuns;
use run::replay;

impl Tape {
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
    pub fn compile(&self, output: Var, inputs: &[Var]) -> Result<Compiled> {
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
    pub fn compile_allowing_reads(&self, output: Var, inputs: &[Var]) -> Result<Compiled> {
        self.compile_with(output, inputs, true)
    }

    #[track_caller]
    fn compile_with(&self, output: Var, inputs: &[Var], allow_reads: bool) -> Result<Compiled> {
        let tape = self.state();
        // Constants become `const` nodes: an output that is one compiles,
        // an input that is one is refused below as no leaf.
        let out = tape.node_of(output) as usize;
        let inputs: Vec<Var> = inputs
            .iter()
            .map(|&v| tape.get(tape.node_of(v) as usize))
            .collect();
        let inputs = &inputs[..];
        let built = tape.with(|t| {
            // Where each node was first given as an input, to find a
            // repeat in one pass.
            let mut position_of = vec![u32::MAX; t.ops().len()];
            for (position, v) in inputs.iter().enumerate() {
                if t.ops()[v.index()] != Op::Leaf {
                    return Err(Error::NotALeaf {
                        position,
                        node: v.index(),
                        op: t.ops()[v.index()].name().to_string(),
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
            .map(|id| tape.custom_op(id))
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
    program: State,
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
        let mut runs = FusedRuns::below(&self.fused, out);
        let fault = sweep(&self.program, out, &mut self.adjoints, None, &mut runs);
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
        let g = crate::backward::try_backward(&self.program, out)?;
        for (d, &i) in grad.iter_mut().zip(&self.inputs) {
            *d = g.as_slice().get(i as usize).copied().unwrap_or(0.0);
        }
        Ok(self.values()[out])
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
        self.program.len() == 0
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
        self.program.inner_mut().values()
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
            t.values_mut()[i as usize] = x;
        }
        // SAFETY: `compile` checked that the program is well formed, and
        // nothing changes its nodes after (a replay writes values only).
        unsafe { replay(t, customs, &self.fused, &mut self.scratch) };
        for (g, text) in &self.guards {
            let now = g.order(|i| t.values()[i as usize]);
            if g.cmp.answer(now) != g.cmp.answer(g.recorded) {
                return Err(branch_changed(g, text, now));
            }
        }
        Ok(())
    }
}

/// `file.rs:line`, as errors name a place.
fn place(l: &'static Location<'static>) -> String {
    format!("{}:{}", l.file(), l.line())
}

/// Guard `g` of tape `t` as the user wrote it: an operand by its name, else
/// by the expression that reaches its node (`tape.get(3)`).
fn comparison(t: &Inner, g: &Guard) -> String {
    let operand = |s: Side| match s {
        Side::Node(i) => match t.names().get(&i) {
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
