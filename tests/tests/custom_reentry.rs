//! A custom op whose code reaches the tape it is recorded on.
//!
//! A custom op's `name`, `value`, `partials` and `Drop` are user code, and
//! user code may reach the same tape (here through a thread-local
//! `&'static Tape`) to record, to read its length or to view a node; it may
//! also panic, and a panic hook may reach the tape too. None of that may
//! run while the tape's inner borrow is live. In a normal run these tests
//! check that every path calls the op as documented and that the tape is
//! whole afterwards; under Miri they are what reports the aliasing:
//!
//! ```text
//! MIRIFLAGS="-Zmiri-deterministic-floats -Zmiri-ignore-leaks" \
//!     cargo +nightly miri test -p tapegrad-tests --test custom_reentry
//! ```
//!
//! (The tapes are leaked on purpose, so the op and the hook can hold them.)

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use tapegrad::{CustomOp, Error, Graph, Real, Tape};

mod panics;
use panics::message;

/// The user code of [`Square`], which [`visit`] tells apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    Name,
    Value,
    Partials,
    Drop,
}

const METHODS: usize = 4;

thread_local! {
    /// The tape the op's code and the panic hook reach, and how many nodes
    /// they may grow it to (recording past a limit would panic in `Drop`).
    static TAPE: Cell<Option<(&'static Tape, usize)>> = const { Cell::new(None) };
    /// The method that panics, if any.
    static PANICS: Cell<Option<Method>> = const { Cell::new(None) };
    /// How many times each method ran on this thread.
    static VISITS: Cell<[usize; METHODS]> = const { Cell::new([0; METHODS]) };
    /// How many times the panic hook reached the tape on this thread.
    static HOOKED: Cell<usize> = const { Cell::new(0) };
}

fn visits(m: Method) -> usize {
    VISITS.with(|v| v.get()[m as usize])
}

/// Reaches the thread's tape as user code may: reads its length, views
/// node 0 (a leaf, so no custom name is asked for again) and records a
/// leaf while there is room.
fn reach(tape: &Tape, room: usize) {
    let n = tape.len();
    if n > 0 {
        let _ = tape.node(0).op_name().len();
    }
    if n < room {
        let _ = tape.var(n as f64);
    }
    let _ = tape.bytes_used();
}

/// What every method of [`Square`] does first: counts itself, then panics
/// if it is the chosen one (the panic hook reaches the tape), else reaches
/// the tape itself.
fn visit(m: Method) {
    VISITS.with(|v| {
        let mut counts = v.get();
        counts[m as usize] += 1;
        v.set(counts);
    });
    if m != Method::Drop && PANICS.with(Cell::get) == Some(m) {
        panic!("square's {m:?} panics");
    }
    if let Some((tape, room)) = TAPE.with(Cell::get) {
        reach(tape, room);
    }
}

/// `x²`, with partial `2x`, whose every method reaches the tape first.
struct Square;

impl CustomOp for Square {
    fn name(&self) -> &str {
        visit(Method::Name);
        "square"
    }
    fn value(&self, x: &[f64]) -> f64 {
        visit(Method::Value);
        x[0] * x[0]
    }
    fn partials<R: Real>(&self, x: &[R], _out: R) -> Vec<R> {
        visit(Method::Partials);
        vec![x[0] * 2.0]
    }
}

impl Drop for Square {
    fn drop(&mut self) {
        visit(Method::Drop);
    }
}

/// A tape for the op's code and the hook to reach: leaked, so a
/// `&'static Tape` can be kept in the thread-local. Its node 0 is a leaf of
/// its own, which [`reach`] views, so no input of a compiled function is
/// ever viewed.
fn reachable(limit: u32) -> &'static Tape {
    let tape: &'static Tape = Box::leak(Box::new(Tape::with_limit(limit)));
    let _ = tape.var(0.0);
    TAPE.with(|t| t.set(Some((tape, limit as usize))));
    tape
}

/// A panic hook that reaches the thread's tape (when it has one) and keeps
/// quiet about the panics these tests make; other threads' panics go to
/// the hook that was there before.
fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| match TAPE.with(Cell::get) {
            Some((tape, room)) => {
                reach(tape, room);
                HOOKED.with(|h| h.set(h.get() + 1));
            }
            None => previous(info),
        }));
    });
}

#[test]
fn a_reentrant_custom_op_on_the_recording_sweeping_and_replaying_paths() {
    let tape = reachable(10_000);
    let x = tape.var(3.0);
    // Recording calls `value`: 3² = 9.
    let before = visits(Method::Value);
    let y = tape.custom(Square, &[x]);
    assert!(visits(Method::Value) > before);
    // Compiled before any value is read; the replay calls `value` and
    // `partials`: at x = 2, x² = 4 and its derivative 2x = 4.
    let mut f = tape.compile(y, &[x]).unwrap();
    let (values, partials) = (visits(Method::Value), visits(Method::Partials));
    assert_eq!(f.value(&[2.0]).unwrap(), 4.0);
    let mut grad = [0.0];
    assert_eq!(f.gradient(&[2.0], &mut grad).unwrap(), 4.0);
    assert_eq!(grad, [4.0]);
    assert!(visits(Method::Value) > values && visits(Method::Partials) > partials);
    assert_eq!(y.value(), 9.0);
    // The numeric sweep and the partials view call `partials`: 2·3 = 6.
    let before = visits(Method::Partials);
    assert_eq!(y.backward()[x], 6.0);
    assert_eq!(tape.partials(y.index()), vec![6.0]);
    // The gradient graph records them: d(2x)/dx = 2 through it.
    let dy = y.grad_graph(&[x])[0];
    assert_eq!(dy.value(), 6.0);
    assert_eq!(dy.backward()[x], 2.0);
    assert!(visits(Method::Partials) >= before + 3);
    // The tape took every node the op's code recorded and is whole.
    let z = x * x;
    assert_eq!(z.backward()[x], 6.0);
    TAPE.with(|t| t.set(None));
}

#[test]
fn a_reentrant_custom_name_is_asked_for_outside_the_tapes_borrow() {
    // Issue 23, item 1: `Tape::node` asked for the name inside the borrow.
    let tape = reachable(10_000);
    let x = tape.var(3.0);
    let y = tape.custom(Square, &[x]);
    let before = visits(Method::Name);
    // The node view names the op.
    assert_eq!(tape.node(y.index()).op_name(), "square");
    // So does every dump of a graph holding it.
    assert!(
        Graph::of(y).to_text().contains("square"),
        "{}",
        Graph::of(y).to_text()
    );
    // And the error of a checked sweep that stops at it: (10³⁰⁰)² = inf.
    let big = tape.var(1e300);
    let inf = tape.custom(Square, &[big]);
    match inf.try_backward() {
        Err(Error::NonFinite { node, op, .. }) => {
            assert_eq!((node, op.as_str()), (inf.index(), "square"));
        }
        other => panic!("expected NonFinite at the custom node, got {other:?}"),
    }
    assert!(visits(Method::Name) >= before + 3);
    TAPE.with(|t| t.set(None));
}

#[test]
fn a_custom_op_that_does_not_fit_is_dropped_outside_the_tapes_borrow() {
    // Issue 23, item 2: on a full tape `Tape::custom` dropped the op inside
    // the borrow. Two leaves fill a tape of two nodes; the op's `Drop`
    // reads the tape.
    let tape = reachable(2);
    let a = tape.var(1.0);
    let drops = visits(Method::Drop);
    let full = panic::catch_unwind(AssertUnwindSafe(|| tape.custom(Square, &[a])));
    let payload = full.expect_err("a third node fits a tape of two");
    assert!(
        message(&*payload).contains("tapegrad: a tape holds at most 2 nodes"),
        "{}",
        message(&*payload)
    );
    // The op was dropped once, and nothing was recorded.
    assert_eq!(visits(Method::Drop), drops + 1);
    assert_eq!(tape.len(), 2);
    TAPE.with(|t| t.set(None));
}

#[test]
fn custom_ops_are_dropped_by_clear_by_the_tapes_drop_and_by_the_program() {
    // The ops' `Drop` records on another tape while this one is cleared or
    // dropped.
    let _other = reachable(10_000);
    let mut tape = Tape::new();
    let drops = visits(Method::Drop);
    {
        let x = tape.var(1.0);
        let _ = tape.custom(Square, &[x]);
    }
    tape.clear();
    assert_eq!(visits(Method::Drop), drops + 1);
    let f = {
        let x = tape.var(2.0);
        let y = tape.custom(Square, &[x]);
        tape.compile(y, &[x]).unwrap()
    };
    drop(tape);
    // The program still holds the op; 2.5² = 6.25.
    let mut f = f;
    assert_eq!(f.value(&[2.5]).unwrap(), 6.25);
    drop(f);
    assert_eq!(visits(Method::Drop), drops + 2);
    TAPE.with(|t| t.set(None));
}

#[test]
fn panicking_custom_op_methods_leave_the_tape_whole() {
    install_hook();
    let tape = reachable(10_000);
    let x = tape.var(3.0);
    let y = tape.custom(Square, &[x]);
    let big = tape.var(1e300);
    let inf = tape.custom(Square, &[big]);
    let mut f = tape.compile(y, &[x]).unwrap();
    type Path<'a> = Box<dyn FnMut() + 'a>;
    let mut grad = [0.0];
    let f = &mut f;
    let grad = &mut grad;
    let mut paths: Vec<(Method, &str, Path)> = vec![
        (
            Method::Value,
            "recording",
            Box::new(|| {
                let _ = tape.custom(Square, &[x]);
            }),
        ),
        (
            Method::Name,
            "node view",
            Box::new(|| drop(tape.node(y.index()))),
        ),
        (
            Method::Name,
            "text dump",
            Box::new(|| drop(Graph::of(y).to_text())),
        ),
        (
            Method::Name,
            "checked sweep's error",
            Box::new(|| drop(inf.try_backward())),
        ),
        (
            Method::Partials,
            "backward",
            Box::new(|| drop(y.backward())),
        ),
        (
            Method::Partials,
            "partials view",
            Box::new(|| drop(tape.partials(y.index()))),
        ),
        (
            Method::Partials,
            "gradient graph",
            Box::new(|| drop(y.grad_graph(&[x]))),
        ),
        (
            Method::Value,
            "replayed value",
            Box::new(|| drop(f.value(&[2.0]))),
        ),
    ];
    for (method, what, path) in &mut paths {
        PANICS.with(|p| p.set(Some(*method)));
        let hooked = HOOKED.with(Cell::get);
        let result = panic::catch_unwind(AssertUnwindSafe(path));
        PANICS.with(|p| p.set(None));
        let payload = result.err().unwrap_or_else(|| panic!("{what}: no panic"));
        // The op's own panic reaches the caller unchanged.
        assert_eq!(
            message(&*payload),
            format!("square's {method:?} panics"),
            "{what}"
        );
        assert!(
            HOOKED.with(Cell::get) > hooked,
            "{what}: the hook did not run"
        );
    }
    drop(paths);
    // The replayed gradient panics in `partials`.
    PANICS.with(|p| p.set(Some(Method::Partials)));
    let result = panic::catch_unwind(AssertUnwindSafe(|| f.gradient(&[2.0], grad)));
    PANICS.with(|p| p.set(None));
    assert!(result.is_err(), "replayed gradient: no panic");
    TAPE.with(|t| t.set(None));
    // Whole afterwards: the views, the sweeps and the program work as
    // before. x² at 3: 9, d/dx = 6; replayed at 2: 4 and 4.
    assert_eq!(tape.node(y.index()).op_name(), "square");
    assert_eq!(y.backward()[x], 6.0);
    assert_eq!(tape.partials(y.index()), vec![6.0]);
    assert_eq!(y.grad_graph(&[x])[0].value(), 6.0);
    assert_eq!(f.gradient(&[2.0], grad).unwrap(), 4.0);
    assert_eq!(*grad, [4.0]);
    let z = x * x;
    assert_eq!(z.backward()[x], 6.0);
}
