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

/// A function of a point to several numbers, `f: Fn(&Tape, &[Var]) ->
/// Vec<Var>` (the form [`jacobian`](crate::jacobian) takes), kept with its
/// compiled recordings, as [`Function`] keeps a scalar one: its values and
/// Jacobian at any point, replayed where the recording holds, recorded
/// afresh where it does not.
///
/// ```
/// use tapegrad::VectorFunction;
///
/// // Residuals of y = a·e^(b t) at t = 0, 1.
/// let r = VectorFunction::new(|_, p| {
///     [(0.0, 2.0), (1.0, 5.0)].iter().map(|&(t, y)| p[0] * (p[1] * t).exp() - y).collect()
/// });
/// let j = r.jacobian(&[2.0, 0.0])?;
/// assert_eq!(j.values, vec![0.0, -3.0]);
/// // Rows are residuals: (e^(bt), a t e^(bt)).
/// assert_eq!(j.matrix, vec![vec![1.0, 0.0], vec![1.0, 2.0]]);
/// assert_eq!(r.values(&[1.0, 1.0])?, vec![-1.0, 1f64.exp() - 5.0]); // replayed
/// # Ok::<(), tapegrad::Error>(())
/// ```
pub struct VectorFunction<F> {
    f: F,
    /// Programs for the values and the Jacobian: one per output.
    programs: Programs,
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

/// Runs `replay` on a copy of `programs`, or `record` where there is none
/// or a guard flipped; `record` gives its answer and the programs that
/// replace the old, if it could compile them.
fn evaluate<T>(
    programs: &Programs,
    counts: &Counts,
    inputs: usize,
    replay: impl FnOnce(&mut [Compiled]) -> Result<T>,
    record: impl FnOnce() -> Result<(T, Option<Vec<Compiled>>)>,
) -> Result<T> {
    if let Some((generation, mut copy)) = programs.take(inputs) {
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
    let (answer, compiled) = record()?;
    programs.replace(inputs, compiled);
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
            at.len(),
            |p| finite_value(&mut p[0], at),
            || {
                let tape = Tape::new();
                let leaves = leaves(&tape, at);
                let y = (self.f)(&tape, &leaves);
                match compile_all(&tape, &[y], &leaves)? {
                    Some(mut p) => Ok((finite_value(&mut p[0], at)?, Some(p))),
                    None => Ok((finite_recorded(y)?, None)),
                }
            },
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
        let from_program = |p: &mut Compiled| -> Result<(f64, Vec<f64>)> {
            let mut g = vec![0.0; at.len()];
            Ok((finite_gradient(p, at, &mut g)?, g))
        };
        let (value, g) = evaluate(
            &self.first,
            &self.counts,
            at.len(),
            |p| from_program(&mut p[0]),
            || {
                let tape = Tape::new();
                let leaves = leaves(&tape, at);
                let y = (self.f)(&tape, &leaves);
                match compile_all(&tape, &[y], &leaves)? {
                    Some(mut p) => Ok((from_program(&mut p[0])?, Some(p))),
                    None => {
                        let g = finite_backward(y, &leaves)?;
                        Ok(((y.value(), g), None))
                    }
                }
            },
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
        evaluate(&self.second, &self.counts, n, from_programs, || {
            let tape = Tape::new();
            let leaves = leaves(&tape, at);
            let y = (self.f)(&tape, &leaves);
            let mut outputs = vec![y];
            outputs.extend(y.grad_graph(&leaves));
            match compile_all(&tape, &outputs, &leaves)? {
                Some(mut p) => Ok((from_programs(&mut p)?, Some(p))),
                None => {
                    let gradient = finite_backward(y, &leaves)?;
                    let mut matrix = vec![vec![0.0; n]; n];
                    for (i, g) in outputs[1..].iter().enumerate() {
                        fill_row(&mut matrix, i, &finite_backward(*g, &leaves)?);
                    }
                    let value = y.value();
                    Ok((
                        Hessian {
                            value,
                            gradient,
                            matrix,
                        },
                        None,
                    ))
                }
            }
        })
    }
}

impl<F> VectorFunction<F>
where
    F: Fn(&Tape, &[Var]) -> Vec<Var>,
{
    /// Keeps `f`, to be recorded at the first point it is evaluated at.
    ///
    /// ```
    /// let f = tapegrad::VectorFunction::new(|_, v| vec![v[0] + v[1], v[0] * v[1]]);
    /// assert_eq!(f.values(&[2.0, 3.0])?, vec![5.0, 6.0]);
    /// # Ok::<(), tapegrad::Error>(())
    /// ```
    pub fn new(f: F) -> VectorFunction<F> {
        VectorFunction {
            f,
            programs: Programs::default(),
            counts: Counts::default(),
        }
    }

    /// The function's values at `at`.
    ///
    /// ```
    /// use tapegrad::{Error, VectorFunction};
    ///
    /// let f = VectorFunction::new(|_, v| vec![v[0].sqrt(), v[0]]);
    /// assert_eq!(f.values(&[4.0])?, vec![2.0, 4.0]);
    /// let err = f.values(&[-4.0]).unwrap_err(); // √-4 is NaN
    /// assert!(matches!(err, Error::NonFinite { ref op, .. } if op == "sqrt"));
    /// # Ok::<(), Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::NonFinite`] if a value is NaN or infinite, naming the
    /// first node that is.
    pub fn values(&self, at: &[f64]) -> Result<Vec<f64>> {
        let from_programs =
            |p: &mut [Compiled]| p.iter_mut().map(|p| finite_value(p, at)).collect();
        evaluate(
            &self.programs,
            &self.counts,
            at.len(),
            from_programs,
            || {
                let tape = Tape::new();
                let leaves = leaves(&tape, at);
                let outputs = (self.f)(&tape, &leaves);
                match compile_all(&tape, &outputs, &leaves)? {
                    Some(mut p) => Ok((from_programs(&mut p)?, Some(p))),
                    None => {
                        let values = outputs.iter().map(|&y| finite_recorded(y));
                        Ok((values.collect::<Result<_>>()?, None))
                    }
                }
            },
        )
    }

    /// The function's values and Jacobian at `at` (a row per output): the
    /// same numbers as [`jacobian`](crate::jacobian) gives.
    ///
    /// ```
    /// // (x·y, x/y): J = [[y, x], [1/y, -x/y²]]
    /// let f = tapegrad::VectorFunction::new(|_, v| vec![v[0] * v[1], v[0] / v[1]]);
    /// let j = f.jacobian(&[3.0, 2.0])?;
    /// assert_eq!(j.matrix, vec![vec![2.0, 3.0], vec![0.5, -0.75]]);
    /// # Ok::<(), tapegrad::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::NonFinite`] if a value or adjoint is NaN or infinite.
    pub fn jacobian(&self, at: &[f64]) -> Result<Jacobian> {
        let n = at.len();
        let from_programs = |p: &mut [Compiled]| -> Result<Jacobian> {
            let mut values = Vec::with_capacity(p.len());
            let mut matrix = Vec::with_capacity(p.len());
            for program in p {
                let mut row = vec![0.0; n];
                values.push(finite_gradient(program, at, &mut row)?);
                matrix.push(row);
            }
            Ok(Jacobian { values, matrix })
        };
        evaluate(&self.programs, &self.counts, n, from_programs, || {
            let tape = Tape::new();
            let leaves = leaves(&tape, at);
            let outputs = (self.f)(&tape, &leaves);
            match compile_all(&tape, &outputs, &leaves)? {
                Some(mut p) => Ok((from_programs(&mut p)?, Some(p))),
                None => {
                    let values = outputs.iter().map(|&y| y.value()).collect();
                    let matrix = outputs.iter().map(|&y| finite_backward(y, &leaves));
                    let matrix = matrix.collect::<Result<_>>()?;
                    Ok((Jacobian { values, matrix }, None))
                }
            }
        })
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

impl<F> VectorFunction<F> {
    /// How many evaluations recorded the function, as
    /// [`Function::recordings`] counts them.
    ///
    /// ```
    /// let f = tapegrad::VectorFunction::new(|_, v| vec![v[0] * 2.0]);
    /// f.jacobian(&[1.0])?;
    /// f.values(&[2.0])?;
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
mod tests {
    use super::*;

    /// A smooth function of three inputs with products, quotients and
    /// transcendental ops, so every Hessian entry differs.
    fn smooth(_: &Tape, v: &[Var]) -> Var {
        (v[0] * v[1]).sin() + v[2].exp() / (1.0 + v[0] * v[0]) + v[1].powi(3) * v[2]
    }

    /// `x²` for x > 0, `-x³` below: the branch is a guard.
    fn kinked(_: &Tape, v: &[Var]) -> Var {
        let x = v[0];
        let a = if x > 0.0 { x * x } else { -(x.powi(3)) };
        a + v[1] * x
    }

    #[test]
    fn value_gradient_and_hessian_equal_tapegrad_hessian_recorded_and_replayed() {
        let f = Function::new(smooth);
        for at in [[0.3, -1.2, 0.7], [1.5, 0.4, -0.2], [-2.0, 0.1, 1.1]] {
            // The oracle records afresh at every point.
            let oracle = crate::hessian(smooth, &at).unwrap();
            assert_eq!(f.value(&at).unwrap(), oracle.value);
            let mut grad = [0.0; 3];
            assert_eq!(f.gradient(&at, &mut grad).unwrap(), oracle.value);
            assert_eq!(grad.to_vec(), oracle.gradient);
            assert_eq!(f.hessian(&at).unwrap(), oracle);
        }
        // One recording for values and gradients, one for Hessians; the
        // other seven evaluations replayed.
        assert_eq!((f.recordings(), f.replays()), (2, 7));
    }

    #[test]
    fn a_branch_gives_each_side_its_own_answer_by_recording_again() {
        let f = Function::new(kinked);
        for at in [[2.0, 1.0], [3.0, 1.0], [-2.0, 1.0], [-3.0, 1.0], [2.0, 1.0]] {
            let oracle = crate::hessian(kinked, &at).unwrap();
            let x = at[0];
            // x > 0: (x² + yx)' = (2x + y, x), H = [[2, 1], [1, 0]];
            // below: (-x³ + yx)' = (-3x² + y, x), H = [[-6x, 1], [1, 0]].
            let (dx, hxx) = if x > 0.0 {
                (2.0 * x + 1.0, 2.0)
            } else {
                (-3.0 * x * x + 1.0, -6.0 * x)
            };
            let mut grad = [0.0; 2];
            f.gradient(&at, &mut grad).unwrap();
            assert_eq!(grad, [dx, x]);
            let h = f.hessian(&at).unwrap();
            assert_eq!(h.matrix, vec![vec![hxx, 1.0], vec![1.0, 0.0]]);
            assert_eq!(h, oracle);
        }
        // Each of the two kinds recorded at 2, -2 and 2 again (the guard
        // flipped each time) and replayed at 3 and -3.
        assert_eq!((f.recordings(), f.replays()), (6, 4));
    }

    #[test]
    fn a_value_read_is_recorded_at_every_point_and_never_replayed() {
        // The branch reads a value: no guard sees it, so no replay may run.
        fn read(_: &Tape, v: &[Var]) -> Var {
            if v[0].value() > 0.0 {
                v[0] * 2.0
            } else {
                v[0] * -3.0
            }
        }
        let f = Function::new(read);
        for (x, slope) in [(1.0, 2.0), (-1.0, -3.0), (2.0, 2.0)] {
            let mut grad = [0.0];
            assert_eq!(f.gradient(&[x], &mut grad).unwrap(), slope * x);
            assert_eq!(grad, [slope]);
            assert_eq!(f.value(&[x]).unwrap(), slope * x);
            assert_eq!(f.hessian(&[x]).unwrap().gradient, vec![slope]);
        }
        assert_eq!((f.recordings(), f.replays()), (9, 0));
    }

    #[test]
    fn a_gradient_graph_that_reads_a_value_gives_hessians_by_recording() {
        // erf's gradient-graph formula reads its input, so the Hessian's
        // programs cannot be compiled; the answers are tapegrad::hessian's.
        fn g(_: &Tape, v: &[Var]) -> Var {
            v[0].erf() * v[1]
        }
        let f = Function::new(g);
        for at in [[0.5, 2.0], [1.5, -1.0]] {
            assert_eq!(f.hessian(&at).unwrap(), crate::hessian(g, &at).unwrap());
        }
        assert_eq!(f.recordings(), 2);
    }

    #[test]
    fn non_finite_results_are_errors_naming_the_node() {
        let f = Function::new(|_, v| (v[0] - 1.0).ln() * v[0]);
        let mut grad = [0.0];
        // Recorded at 2 and compiled, then replayed at 0, where ln(-1) is NaN.
        assert!(f.value(&[2.0]).unwrap().is_finite());
        let ln = |e: Error| matches!(e, Error::NonFinite { ref op, .. } if op == "ln");
        assert!(ln(f.value(&[0.0]).unwrap_err()));
        assert!(ln(f.gradient(&[0.0], &mut grad).unwrap_err()));
        assert!(ln(f.hessian(&[0.0]).unwrap_err()));
        // Recorded first at the bad point, too.
        let f = Function::new(|_, v| (v[0] - 1.0).ln() * v[0]);
        assert!(ln(f.value(&[0.0]).unwrap_err()));
        // At x = 1 the value is -inf: an infinity is an error as well.
        assert!(matches!(f.value(&[1.0]), Err(Error::NonFinite { .. })));
    }

    #[test]
    fn a_function_that_reads_a_value_reports_non_finite_results_as_a_replay_does() {
        // Recorded at every point (a read), ln(-1) is still an error naming
        // the node, for every kind of evaluation.
        fn read_ln(_: &Tape, v: &[Var]) -> Var {
            let _ = v[0].value();
            v[0].ln()
        }
        fn read_ln_many(t: &Tape, v: &[Var]) -> Vec<Var> {
            vec![v[0], read_ln(t, v)]
        }
        let ln = |e: Error| matches!(e, Error::NonFinite { ref op, .. } if op == "ln");
        let f = Function::new(read_ln);
        assert!(ln(f.value(&[-1.0]).unwrap_err()));
        assert!(ln(f.gradient(&[-1.0], &mut [0.0]).unwrap_err()));
        assert!(ln(f.hessian(&[-1.0]).unwrap_err()));
        // Where it is finite, the answers: ln 2 and 1/2, and -1/4.
        assert_eq!(f.hessian(&[2.0]).unwrap().matrix, vec![vec![-0.25]]);
        let g = VectorFunction::new(read_ln_many);
        assert!(ln(g.values(&[-1.0]).unwrap_err()));
        assert!(ln(g.jacobian(&[-1.0]).unwrap_err()));
        assert_eq!(
            g.jacobian(&[2.0]).unwrap().matrix,
            vec![vec![1.0], vec![0.5]]
        );
        assert_eq!((f.replays(), g.replays()), (0, 0));
    }

    #[test]
    fn a_gradient_buffer_of_the_wrong_length_is_an_error() {
        let f = Function::new(smooth);
        let err = f.gradient(&[1.0, 2.0, 3.0], &mut [0.0; 2]).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Length {
                    expected: 3,
                    got: 2,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn a_point_of_another_dimension_is_recorded_afresh() {
        // The sum of squares takes any number of inputs.
        let f = Function::new(|_, v: &[Var]| v.iter().map(|&x| x * x).sum());
        assert_eq!(f.value(&[1.0, 2.0]).unwrap(), 5.0);
        assert_eq!(f.value(&[1.0, 2.0, 3.0]).unwrap(), 14.0);
        assert_eq!(f.value(&[2.0, 2.0, 2.0]).unwrap(), 12.0);
        assert_eq!((f.recordings(), f.replays()), (2, 1));
    }

    #[test]
    fn threads_sharing_one_function_get_the_serial_answers() {
        let f = Function::new(kinked);
        let points: Vec<[f64; 2]> = (0..64).map(|i| [f64::from(i) * 0.25 - 8.0, 0.5]).collect();
        let serial: Vec<Hessian> = points
            .iter()
            .map(|p| crate::hessian(kinked, p).unwrap())
            .collect();
        let parallel: Vec<Vec<(usize, Hessian)>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|t| {
                    let (f, points) = (&f, &points);
                    s.spawn(move || {
                        (t..points.len())
                            .step_by(4)
                            .map(|i| (i, f.hessian(&points[i]).unwrap()))
                            .collect()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        // Every thread's answer, replayed or recorded, is the fresh recording's.
        for (i, h) in parallel.into_iter().flatten() {
            assert_eq!(h, serial[i], "point {i}");
        }
        assert_eq!(f.recordings() + f.replays(), 64);
    }

    fn residuals(_: &Tape, p: &[Var]) -> Vec<Var> {
        let r = [(0.0, 1.0), (1.0, 2.5), (2.0, 7.0)].map(|(t, y)| p[0] * (p[1] * t).exp() - y);
        let mut r = r.to_vec();
        // A branch on the parameters: a penalty while a is negative.
        if p[0] < 0.0 {
            r.push(p[0] * 10.0);
        } else {
            r.push(p[0] * 0.0);
        }
        r
    }

    #[test]
    fn a_vector_function_gives_tapegrad_jacobian_on_both_sides_of_a_branch() {
        let f = VectorFunction::new(residuals);
        for at in [[1.0, 0.5], [2.0, 0.7], [-1.0, 0.5], [-2.0, 0.1], [1.0, 1.0]] {
            let oracle = crate::jacobian(residuals, &at).unwrap();
            assert_eq!(f.values(&at).unwrap(), oracle.values);
            assert_eq!(f.jacobian(&at).unwrap(), oracle);
            // The penalty row: ∂(10a)/∂a = 10 below 0, ∂(0a)/∂a = 0 above.
            let penalty = if at[0] < 0.0 { 10.0 } else { 0.0 };
            assert_eq!(f.jacobian(&at).unwrap().matrix[3], vec![penalty, 0.0]);
        }
        // Recorded at the first point and where the sign of a flips.
        assert_eq!(f.recordings(), 3);
    }

    #[test]
    fn a_vector_function_with_a_nan_output_is_an_error() {
        let f = VectorFunction::new(|_, v| vec![v[0], v[0].sqrt()]);
        assert_eq!(f.values(&[4.0]).unwrap(), vec![4.0, 2.0]);
        let sqrt = |e: Error| matches!(e, Error::NonFinite { ref op, .. } if op == "sqrt");
        assert!(sqrt(f.values(&[-4.0]).unwrap_err()));
        assert!(sqrt(f.jacobian(&[-4.0]).unwrap_err()));
    }

    #[test]
    fn a_function_is_send_and_sync_when_its_closure_is() {
        fn shareable<T: Send + Sync>(_: &T) {}
        shareable(&Function::new(smooth));
        shareable(&VectorFunction::new(residuals));
    }
}
