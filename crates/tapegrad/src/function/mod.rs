//! Record once, replay, record again: [`Function`] and [`VectorFunction`],
//! a user's function kept with its compiled programs, for loops that
//! evaluate it at many points (an optimiser, a root finder, a fit).
//!
//! The first evaluation records the function at its point and compiles the
//! recording ([`Tape::compile`]); later ones replay the programs. A replay
//! checks every guard, so where a comparison of `Var`s comes out the other
//! way ([`Error::BranchChanged`]) the function is recorded afresh at that
//! point, its answer taken from the new recording, and the new programs
//! replace the old. A function that reads a value while it is recorded
//! ([`Error::ValueRead`]: code may branch on it where no guard sees) is
//! recorded at every evaluation. So no answer is ever a replay of a branch
//! the function would not take at that point.
//!
//! The programs are kept behind a lock, as a pool: an evaluation takes one
//! copy out, replays it with the lock released, and puts it back, so
//! threads evaluate in parallel, each on a copy of its own (a [`Compiled`]
//! is `Send`; its replay needs `&mut`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use crate::error::{Error, Result};
use crate::replay::Compiled;
use crate::tape::{Hessian, Jacobian};
use crate::tape::{Tape, Var};

mod vector;

pub use vector::VectorFunction;

/// Bytes of compiled programs one [`Function`]'s Hessians or one
/// [`VectorFunction`]'s Jacobians keep for replay (one program per
/// gradient component or output, so `n` copies of about the recording):
/// past this, those evaluations record afresh every time instead, as
/// [`hessian`](crate::hessian) and [`jacobian`](crate::jacobian) do.
pub const PROGRAM_BYTES: usize = 256 << 20;

/// A scalar function of a point, `f: Fn(&Tape, &[Var]) -> Var` (the form
/// [`hessian`](crate::hessian) takes), kept with its compiled recordings:
/// its value, gradient and Hessian at any point, by replay where the
/// recording holds and by recording afresh where it does not (a guard
/// flipped, or a value was read). Never a stale answer: a replay is bit
/// for bit the fresh recording at that point, or refused.
///
/// It can be shared between threads (`&Function` is `Sync` when `f` is):
/// each evaluation replays a copy of the program of its own. Non-finite
/// results are errors naming the node ([`Error::NonFinite`]), as
/// [`Var::try_backward`] reports them.
///
/// ```
/// use tapegrad::{Error, Function};
///
/// // f(x, y) = x² + 3xy, with a branch: below x = 0 it is -x + 3xy.
/// let f = Function::new(|_, v| {
///     let (x, y) = (v[0], v[1]);
///     let a = if x > 0.0 { x * x } else { -x };
///     a + 3.0 * x * y
/// });
/// let mut grad = [0.0; 2];
/// assert_eq!(f.gradient(&[1.0, 2.0], &mut grad)?, 7.0);
/// assert_eq!(grad, [8.0, 3.0]); // (2x + 3y, 3x): recorded, then compiled
/// assert_eq!(f.gradient(&[2.0, 1.0], &mut grad)?, 10.0);
/// assert_eq!(grad, [7.0, 6.0]); // replayed
/// // Across the branch the replay refuses, and the function is recorded anew.
/// assert_eq!(f.gradient(&[-1.0, 1.0], &mut grad)?, -2.0);
/// assert_eq!(grad, [2.0, -3.0]); // (-1 + 3y, 3x)
/// assert_eq!((f.recordings(), f.replays()), (2, 1));
///
/// let h = f.hessian(&[1.0, 2.0])?;
/// assert_eq!(h.matrix, vec![vec![2.0, 3.0], vec![3.0, 0.0]]);
/// # Ok::<(), Error>(())
/// ```
pub struct Function<F> {
    f: F,
    /// Programs for the value: the function alone.
    first: Programs,
    /// Programs for the Hessian: the function, then each component of its
    /// gradient graph, compiled from one recording.
    second: Programs,
    counts: Counts,
}

/// How many evaluations recorded and how many replayed.
#[derive(Default)]
struct Counts {
    recordings: AtomicU64,
    replays: AtomicU64,
}

impl Counts {
    fn recorded(&self) {
        self.recordings.fetch_add(1, Ordering::Relaxed);
    }

    fn replayed(&self) {
        self.replays.fetch_add(1, Ordering::Relaxed);
    }
}

/// The compiled programs of one recording, pooled for the threads.
#[derive(Default)]
struct Programs {
    slot: Mutex<Slot>,
}

#[derive(Default)]
struct Slot {
    /// Bumped when a new recording replaces the programs, so a copy taken
    /// out before is not put back.
    generation: u64,
    /// The inputs the programs take.
    inputs: usize,
    /// The programs to copy for a thread that finds no spare one.
    template: Option<Vec<Compiled>>,
    /// Copies not in use.
    spare: Vec<Vec<Compiled>>,
}

/// Copies kept beyond those in use: enough for the threads of a machine.
const SPARE: usize = 64;

impl Programs {
    /// A copy of the programs for `inputs` inputs, and its generation.
    fn take(&self, inputs: usize) -> Option<(u64, Vec<Compiled>)> {
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.inputs != inputs {
            return None;
        }
        let programs = match slot.spare.pop() {
            Some(p) => p,
            None => slot.template.clone()?,
        };
        Some((slot.generation, programs))
    }

    /// Puts a copy back, unless new programs replaced it meanwhile.
    fn put_back(&self, generation: u64, programs: Vec<Compiled>) {
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.generation == generation && slot.spare.len() < SPARE {
            slot.spare.push(programs);
        }
    }

    /// Replaces the programs by those of a new recording (or by none).
    fn replace(&self, inputs: usize, programs: Option<Vec<Compiled>>) {
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        slot.generation += 1;
        slot.inputs = inputs;
        slot.spare.clear();
        slot.template = programs.clone();
        slot.spare.extend(programs);
    }
}

/// The answer at `at`: `replay` run on a copy of `programs`, or, where
/// there is none or a guard flipped, on the programs of a new recording,
/// which replace the old. The recording's outputs are those `record` gives
/// on leaves at `at`; where they cannot be compiled, `recorded` answers
/// from the recording itself.
fn evaluate<T>(
    programs: &Programs,
    counts: &Counts,
    at: &[f64],
    mut replay: impl FnMut(&mut [Compiled]) -> Result<T>,
    record: impl FnOnce(&Tape, &[Var]) -> Vec<Var>,
    recorded: impl FnOnce(&[Var], &[Var]) -> Result<T>,
) -> Result<T> {
    if let Some((generation, mut copy)) = programs.take(at.len()) {
        match replay(&mut copy) {
            Err(Error::BranchChanged { .. }) => {}
            answer => {
                counts.replayed();
                programs.put_back(generation, copy);
                return answer;
            }
        }
    }
    counts.recorded();
    let tape = Tape::new();
    let leaves = leaves(&tape, at);
    let outputs = record(&tape, &leaves);
    let (answer, compiled) = match compile_all(&tape, &outputs, &leaves)? {
        Some(mut p) => (replay(&mut p)?, Some(p)),
        None => (recorded(&outputs, &leaves)?, None),
    };
    programs.replace(at.len(), compiled);
    Ok(answer)
}

/// Compiles each of `outputs` from `inputs`; `None` where a value was read
/// while recording (the function must be recorded at every point) or the
/// programs would take more than [`PROGRAM_BYTES`].
fn compile_all(tape: &Tape, outputs: &[Var], inputs: &[Var]) -> Result<Option<Vec<Compiled>>> {
    let mut programs = Vec::with_capacity(outputs.len());
    let mut bytes = 0usize;
    for &out in outputs {
        match tape.compile(out, inputs) {
            Ok(p) => {
                bytes = bytes.saturating_add(p.bytes_used());
                if bytes > PROGRAM_BYTES && outputs.len() > 1 {
                    return Ok(None);
                }
                programs.push(p);
            }
            Err(Error::ValueRead { .. }) => return Ok(None),
            Err(e) => return Err(e),
        }
    }
    Ok(Some(programs))
}

/// The value of `program` at `at`, checked: a non-finite value is the
/// error [`Compiled::try_gradient`] gives, naming the node.
fn finite_value(program: &mut Compiled, at: &[f64]) -> Result<f64> {
    let value = program.value(at)?;
    if value.is_finite() {
        return Ok(value);
    }
    let mut grad = vec![0.0; at.len()];
    match program.try_gradient(at, &mut grad) {
        Err(e) => Err(e),
        Ok(_) => panic!("tapegrad: a non-finite value passed the check; this is a bug in tapegrad"),
    }
}

/// The value and gradient of `program` at `at`, checked: where the value
/// or an entry of the gradient is not finite, the error
/// [`Compiled::try_gradient`] gives, naming the first node that is not.
/// The replay runs unchecked first, so finite answers cost no more than
/// [`Compiled::gradient`].
fn finite_gradient(program: &mut Compiled, at: &[f64], grad: &mut [f64]) -> Result<f64> {
    let value = program.gradient(at, grad)?;
    if value.is_finite() && grad.iter().all(|g| g.is_finite()) {
        return Ok(value);
    }
    match program.try_gradient(at, grad) {
        Err(e) => Err(e),
        Ok(_) => {
            panic!("tapegrad: a non-finite gradient passed the check; this is a bug in tapegrad")
        }
    }
}

/// The value of `y` recorded, checked as [`finite_value`] checks.
fn finite_recorded(y: Var) -> Result<f64> {
    // The value is read after compile (a read here is not the user's).
    let value = y.value();
    if !value.is_finite() {
        y.try_backward()?;
        panic!("tapegrad: a non-finite value passed the check; this is a bug in tapegrad");
    }
    Ok(value)
}

/// The gradient of `y` recorded, with respect to `leaves`, checked as
/// [`finite_gradient`] checks a replay's, so that a recording and a replay
/// agree on what is an error.
fn finite_backward(y: Var, leaves: &[Var]) -> Result<Vec<f64>> {
    let grad = y.backward().wrt_all(leaves);
    if y.value().is_finite() && grad.iter().all(|g| g.is_finite()) {
        return Ok(grad);
    }
    y.try_backward()?;
    panic!("tapegrad: a non-finite gradient passed the check; this is a bug in tapegrad");
}

/// Gradient row `i` of `program` into `matrix`, above the diagonal and
/// mirrored, as [`Var::hessian`] fills it.
fn fill_row(matrix: &mut [Vec<f64>], i: usize, row: &[f64]) {
    for j in i..row.len() {
        matrix[i][j] = row[j];
        matrix[j][i] = row[j];
    }
}

impl<F> Function<F>
where
    F: Fn(&Tape, &[Var]) -> Var,
{
    /// Keeps `f`, to be recorded at the first point it is evaluated at.
    ///
    /// ```
    /// let f = tapegrad::Function::new(|_, v| v[0].sin() * v[1]);
    /// assert_eq!(f.value(&[0.0, 3.0])?, 0.0);
    /// # Ok::<(), tapegrad::Error>(())
    /// ```
    pub fn new(f: F) -> Function<F> {
        Function {
            f,
            first: Programs::default(),
            second: Programs::default(),
            counts: Counts::default(),
        }
    }

    /// The function's value at `at`.
    ///
    /// ```
    /// use tapegrad::{Error, Function};
    ///
    /// let f = Function::new(|_, v| v[0].ln());
    /// assert_eq!(f.value(&[1.0])?, 0.0);
    /// // ln(-1) is NaN: an error naming the node, not a number.
    /// let err = f.value(&[-1.0]).unwrap_err();
    /// assert!(matches!(err, Error::NonFinite { ref op, .. } if op == "ln"));
    /// # Ok::<(), Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::NonFinite`] if the value is NaN or infinite, naming the
    /// first node that is.
    pub fn value(&self, at: &[f64]) -> Result<f64> {
        evaluate(
            &self.first,
            &self.counts,
            at,
            |p| finite_value(&mut p[0], at),
            |tape, leaves| vec![(self.f)(tape, leaves)],
            |outputs, _| finite_recorded(outputs[0]),
        )
    }

    /// The function's value at `at`, and its gradient into `grad`.
    ///
    /// ```
    /// let f = tapegrad::Function::new(|_, v| v[0] * v[0] * v[1]);
    /// let mut grad = [0.0; 2];
    /// assert_eq!(f.gradient(&[3.0, 2.0], &mut grad)?, 18.0);
    /// assert_eq!(grad, [12.0, 9.0]); // (2xy, x²)
    /// # Ok::<(), tapegrad::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Length`] if `grad` is not as long as `at`, and
    /// [`Error::NonFinite`] if a value or adjoint is NaN or infinite.
    pub fn gradient(&self, at: &[f64], grad: &mut [f64]) -> Result<f64> {
        check_len(at, grad.len())?;
        let (value, g) = evaluate(
            &self.first,
            &self.counts,
            at,
            |p| {
                let mut g = vec![0.0; at.len()];
                Ok((finite_gradient(&mut p[0], at, &mut g)?, g))
            },
            |tape, leaves| vec![(self.f)(tape, leaves)],
            |outputs, leaves| Ok((outputs[0].value(), finite_backward(outputs[0], leaves)?)),
        )?;
        grad.copy_from_slice(&g);
        Ok(value)
    }

    /// The function's value, gradient and Hessian at `at`: the same
    /// numbers as [`hessian`](crate::hessian) gives for the same function.
    ///
    /// ```
    /// // f(x, y) = x²y at (1, 3): H = [[2y, 2x], [2x, 0]]
    /// let f = tapegrad::Function::new(|_, v| v[0] * v[0] * v[1]);
    /// let h = f.hessian(&[1.0, 3.0])?;
    /// assert_eq!(h.gradient, vec![6.0, 1.0]);
    /// assert_eq!(h.matrix, vec![vec![6.0, 2.0], vec![2.0, 0.0]]);
    /// assert_eq!(f.hessian(&[2.0, 1.0])?.matrix, vec![vec![2.0, 4.0], vec![4.0, 0.0]]);
    /// # Ok::<(), tapegrad::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::NonFinite`] if a value or adjoint of the function or of a
    /// gradient component is NaN or infinite.
    pub fn hessian(&self, at: &[f64]) -> Result<Hessian> {
        let n = at.len();
        let from_programs = |p: &mut [Compiled]| -> Result<Hessian> {
            let mut gradient = vec![0.0; n];
            let value = finite_gradient(&mut p[0], at, &mut gradient)?;
            let mut matrix = vec![vec![0.0; n]; n];
            let mut row = vec![0.0; n];
            for (i, program) in p[1..].iter_mut().enumerate() {
                finite_gradient(program, at, &mut row)?;
                fill_row(&mut matrix, i, &row);
            }
            Ok(Hessian {
                value,
                gradient,
                matrix,
            })
        };
        let record = |tape: &Tape, leaves: &[Var]| {
            let y = (self.f)(tape, leaves);
            let mut outputs = vec![y];
            outputs.extend(y.grad_graph(leaves));
            outputs
        };
        let recorded = |outputs: &[Var], leaves: &[Var]| {
            let y = outputs[0];
            let gradient = finite_backward(y, leaves)?;
            let mut matrix = vec![vec![0.0; n]; n];
            for (i, g) in outputs[1..].iter().enumerate() {
                fill_row(&mut matrix, i, &finite_backward(*g, leaves)?);
            }
            Ok(Hessian {
                value: y.value(),
                gradient,
                matrix,
            })
        };
        evaluate(
            &self.second,
            &self.counts,
            at,
            from_programs,
            record,
            recorded,
        )
    }
}

impl Counts {
    /// How many evaluations recorded the function (the first, and each
    /// where a guard flipped or a value was read).
    fn recordings(&self) -> u64 {
        self.recordings.load(Ordering::Relaxed)
    }

    /// How many evaluations replayed a compiled recording.
    fn replays(&self) -> u64 {
        self.replays.load(Ordering::Relaxed)
    }
}

impl<F> Function<F> {
    /// How many evaluations recorded the function: the first, and each
    /// where a guard flipped, a value was read or the dimension changed.
    /// Value-and-gradient evaluations and Hessians keep separate
    /// recordings, each counted.
    ///
    /// ```
    /// let f = tapegrad::Function::new(|_, v| v[0].abs());
    /// f.value(&[1.0])?;
    /// f.value(&[2.0])?;
    /// assert_eq!((f.recordings(), f.replays()), (1, 1));
    /// # Ok::<(), tapegrad::Error>(())
    /// ```
    pub fn recordings(&self) -> u64 {
        self.counts.recordings()
    }

    /// How many evaluations replayed a compiled recording.
    pub fn replays(&self) -> u64 {
        self.counts.replays()
    }
}

/// A leaf on `tape` per coordinate of `at`, as [`hessian`](crate::hessian)
/// records them.
fn leaves(tape: &Tape, at: &[f64]) -> Vec<Var> {
    at.iter().map(|&x| tape.var(x)).collect()
}

fn check_len(at: &[f64], got: usize) -> Result<()> {
    if got == at.len() {
        Ok(())
    } else {
        Err(Error::Length {
            what: "gradient buffer",
            expected: at.len(),
            got,
        })
    }
}

#[cfg(test)]
mod tests;
