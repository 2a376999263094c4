//! A panic hook that reaches the tape whose method is panicking.
//!
//! Every check that can panic runs before the tape's inner borrow is taken,
//! and the panic is raised after it ends, so a hook that records on the same
//! tape (here through a thread-local `&'static Tape`) never aliases it. Under
//! Miri (see the README) this test is what would report the aliasing; in a
//! normal run it checks that the hook could record, and that the tape is
//! whole afterwards.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};

use tapegrad::{CustomOp, Real, Tape, Var};

thread_local! {
    static TAPE: Cell<Option<&'static Tape>> = const { Cell::new(None) };
    static HOOK_RECORDED: Cell<usize> = const { Cell::new(0) };
}

struct Uneven;

impl CustomOp for Uneven {
    fn name(&self) -> &str {
        "uneven"
    }
    fn value(&self, x: &[f64]) -> f64 {
        x[0]
    }
    fn partials<R: Real>(&self, _x: &[R], _out: R) -> Vec<R> {
        Vec::new()
    }
}

#[test]
fn a_panic_hook_that_records_on_the_panicking_tape_sees_a_whole_tape() {
    let tape: &'static Tape = Box::leak(Box::new(Tape::with_limit(64)));
    TAPE.with(|t| t.set(Some(tape)));
    let previous = panic::take_hook();
    panic::set_hook(Box::new(|_| {
        // Only this thread's panics touch the tape.
        if let Some(tape) = TAPE.with(|t| t.get()) {
            if tape.len() < 64 {
                let _ = tape.var(0.0);
                HOOK_RECORDED.with(|n| n.set(n.get() + 1));
            }
            let _ = tape.bytes_used();
        }
    }));
    let x = tape.var(2.0);
    let other = Tape::new();
    let foreign = other.var(1.0);
    type Case<'a> = Box<dyn Fn() + 'a>;
    let cases: Vec<(&str, Case)> = vec![
        ("node out of range", Box::new(|| drop(tape.node(1 << 20)))),
        (
            "get out of range",
            Box::new(|| {
                let _ = tape.get(1 << 33);
            }),
        ),
        (
            "partials out of range",
            Box::new(|| drop(tape.partials(1 << 20))),
        ),
        (
            "vars past the limit",
            Box::new(|| {
                let _ = tape.vars(&[0.0; 100]);
            }),
        ),
        (
            "dot with the wrong length",
            Box::new(|| {
                let _ = tape.vars(&[1.0, 2.0]).dot(&[1.0]);
            }),
        ),
        (
            "sum past the limit",
            Box::new(|| {
                let _ = tape.sum(std::iter::repeat_n(x, 100));
            }),
        ),
        (
            "interrupted sum",
            Box::new(|| {
                let _ = tape.sum((0..2).map(|i| {
                    if i == 1 {
                        let inner = panic::catch_unwind(AssertUnwindSafe(|| {
                            tape.sum((0..2).map(|_| -> Var { panic!("inside") }))
                        }));
                        assert!(inner.is_err());
                    }
                    x
                }));
            }),
        ),
        (
            "two tapes",
            Box::new(|| {
                let _ = x * foreign;
            }),
        ),
        (
            "custom partials",
            Box::new(|| {
                let _ = tape.custom(Uneven, &[x]).backward();
            }),
        ),
    ];
    for (what, case) in &cases {
        let before = HOOK_RECORDED.with(|n| n.get());
        let result = panic::catch_unwind(AssertUnwindSafe(case));
        assert!(result.is_err(), "{what} did not panic");
        assert!(
            HOOK_RECORDED.with(|n| n.get()) > before,
            "{what}: the hook did not run"
        );
    }
    panic::set_hook(previous);
    TAPE.with(|t| t.set(None));
    // The tape is whole: it records and differentiates as before.
    let y = x * x;
    assert_eq!(y.backward()[x], 4.0);
}
