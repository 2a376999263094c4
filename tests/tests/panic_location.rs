//! A panic from misuse (a `Var` of one tape used with another) names the
//! user's line, not a line inside tapegrad: the operators and methods that
//! check ownership are `#[track_caller]`, and none hides the caller behind a
//! closure.

use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use tapegrad::graph::Graph;
use tapegrad::{Tape, Var};

thread_local! {
    /// The location of this thread's last expected panic.
    static LOCATION: RefCell<Option<(String, u32)>> = const { RefCell::new(None) };
    /// Whether this thread expects a panic (then the hook stays quiet).
    static EXPECTING: RefCell<bool> = const { RefCell::new(false) };
}

/// Installs, once, a hook that notes where an expected panic happened and
/// hands every other panic (a failed assertion) to the default hook.
fn hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if EXPECTING.with(|e| *e.borrow()) {
                let at = info.location().map(|l| (l.file().to_string(), l.line()));
                LOCATION.with(|l| *l.borrow_mut() = at);
            } else {
                default(info);
            }
        }));
    });
}

/// Runs `f`, which must panic, and returns the file and line of the panic
/// and its message.
fn panic_site(f: impl FnOnce()) -> (String, u32, String) {
    hook();
    LOCATION.with(|l| *l.borrow_mut() = None);
    EXPECTING.with(|e| *e.borrow_mut() = true);
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    EXPECTING.with(|e| *e.borrow_mut() = false);
    let payload = result.expect_err("expected a panic");
    let (file, line) = LOCATION
        .with(|l| l.borrow_mut().take())
        .expect("the hook saw the panic");
    (file, line, message(&*payload))
}

/// The message a panic's payload carries.
fn message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// Asserts that the panic of `f` happened outside tapegrad's sources. For
/// `iter.sum()` and `iter.product()` that is the most there can be: the
/// standard library's `Iterator::sum` calls the `Sum` impl and is not
/// `#[track_caller]`, so the location is its line.
fn assert_not_in_tapegrad(what: &str, f: impl FnOnce()) {
    let (file, at, _) = panic_site(f);
    assert!(
        !file.contains("crates/tapegrad") && !file.contains("tapegrad-0."),
        "{what}: the panic points into tapegrad, at {file}:{at}"
    );
}

/// Asserts that the panic of `f` happened in this file at `line`, and
/// returns the panic's message.
#[track_caller]
fn assert_here(what: &str, line: u32, f: impl FnOnce()) -> String {
    let (file, at, message) = panic_site(f);
    assert!(
        file.ends_with("panic_location.rs") && at == line,
        "{what}: the panic points at {file}:{at}, not at this test's line {line}"
    );
    message
}

#[test]
fn mixing_tapes_panics_at_the_callers_line() {
    let a = Tape::new();
    let b = Tape::new();
    let x = a.var(1.0);
    let y = b.var(2.0);
    let xs = [x, y];

    assert_here("x + y", line!() + 1, || {
        let _ = x + y;
    });
    assert_here("x * y", line!() + 1, || {
        let _ = x * y;
    });
    assert_here("x -= y", line!() + 2, || {
        let mut z = x;
        z -= y;
    });
    assert_here("x.max(y)", line!() + 1, || {
        let _ = x.max(y);
    });
    assert_here("x.atan2(y)", line!() + 1, || {
        let _ = x.atan2(y);
    });
    assert_here("tape.sum", line!() + 1, || {
        let _ = a.sum(xs);
    });
    assert_not_in_tapegrad("Sum", || {
        let _: Var = xs.iter().sum();
    });
    assert_not_in_tapegrad("Product", || {
        let _: Var = xs.iter().product();
    });
    // Called as the trait's own function, the impl names the caller.
    assert_here("Sum::sum", line!() + 1, || {
        let _: Var = std::iter::Sum::sum(xs.into_iter());
    });
    let g = (x * 2.0).backward();
    assert_here("g[y]", line!() + 1, || {
        let _ = g[y];
    });
    assert_here("g.wrt(y)", line!() + 1, || {
        let _ = g.wrt(y);
    });
    assert_here("g.wrt_all", line!() + 1, || {
        let _ = g.wrt_all(&xs);
    });
    assert_here("grad_graph", line!() + 1, || {
        let _ = x.grad_graph(&[y]);
    });
    assert_here("Graph::of_all", line!() + 1, || {
        let _ = Graph::of_all(&xs);
    });
    assert_here("Tape::jacobian", line!() + 1, || {
        let _ = a.jacobian(&[x], &[y]);
    });
    assert_here("Var::hessian", line!() + 1, || {
        let _ = x.hessian(&[y]);
    });
}

#[test]
fn stale_sum_and_missing_node_panic_at_the_callers_line() {
    let tape = Tape::new();
    let stale: Vec<Var> = vec![Tape::new().var(1.0)]; // its tape is dropped
    assert_not_in_tapegrad("stale Sum", || {
        let _: Var = stale.iter().sum();
    });
    assert_here("stale Sum::sum", line!() + 1, || {
        let _: Var = std::iter::Sum::sum(stale.iter());
    });
    assert_here("Tape::get", line!() + 1, || {
        let _ = tape.get(7);
    });
    assert_here("Tape::node", line!() + 1, || {
        let _ = tape.node(7);
    });
}

#[test]
fn a_var_of_a_cleared_tape_panics_at_the_callers_line_and_says_so() {
    let mut tape = Tape::new();
    let x = tape.var(2.0);
    tape.clear();
    let _fresh = tape.var(5.0); // node 0 again: x must not read it
    let message = assert_here("x * 2 after clear", line!() + 1, || {
        let _ = x * 2.0;
    });
    assert!(message.contains("tape was dropped or cleared"), "{message}");
    let message = assert_here("x.value() after clear", line!() + 1, || {
        let _ = x.value();
    });
    assert!(message.contains("tape was dropped or cleared"), "{message}");
}

#[test]
fn a_var_of_a_dropped_tape_panics_at_the_callers_line_and_says_so() {
    let x = {
        let tape = Tape::new();
        tape.var(2.0)
    };
    let other = Tape::new(); // may take the dropped tape's buffers
    let _y = other.var(7.0);
    let message = assert_here("x.sin() after drop", line!() + 1, || {
        let _ = x.sin();
    });
    assert!(message.contains("tape was dropped or cleared"), "{message}");
    let message = assert_here("x.backward() after drop", line!() + 1, || {
        let _ = x.backward();
    });
    assert!(message.contains("tape was dropped or cleared"), "{message}");
}

#[test]
fn a_var_used_on_another_thread_panics_there_and_says_so() {
    let tape = Tape::new();
    let x = tape.var(3.0);
    // A Var is Send: the misuse is caught where it is used.
    let line = line!() + 3;
    let message = std::thread::spawn(move || {
        assert_here("x + 1 on another thread", line, move || {
            let _ = x + 1.0;
        })
    })
    .join()
    .unwrap();
    assert!(message.contains("another thread"), "{message}");
    // Its tape is untouched and goes on recording here.
    assert_eq!((x * x).value(), 9.0);
}

#[test]
fn gradients_indexed_by_a_var_of_another_recording_panic_at_the_callers_line() {
    let mut tape = Tape::new();
    let x = tape.var(3.0);
    let g = (x * x).backward();
    let other = Tape::new();
    let y = other.var(1.0);
    let message = assert_here("g[y] of another tape", line!() + 1, || {
        let _ = g[y];
    });
    assert!(message.contains("two different tapes"), "{message}");
    tape.clear();
    let z = tape.var(3.0); // node 0 of the new recording
    let message = assert_here("g.wrt(z) after clear", line!() + 1, || {
        let _ = g.wrt(z);
    });
    assert!(message.contains("another recording"), "{message}");
    // d(x²)/dx = 6 still answers for x, which the gradients were taken of.
    assert_eq!(g[x], 6.0);
}

#[test]
fn a_constant_has_no_node_to_name_or_index() {
    let c = Var::constant(2.0);
    let message = assert_here("constant.named", line!() + 1, || {
        let _ = c.named("c");
    });
    assert!(
        message.contains("constant Var belongs to no tape"),
        "{message}"
    );
    let message = assert_here("constant.index", line!() + 1, || {
        let _ = c.index();
    });
    assert!(
        message.contains("constant Var belongs to no tape"),
        "{message}"
    );
}

#[test]
fn a_var_is_a_small_sendable_static_value() {
    fn assert_traits<T: Copy + Send + Sync + 'static>() {}
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_traits::<Var>();
    assert_send_sync::<tapegrad::Gradients>();
    assert_send_sync::<tapegrad::Vars>();
    // No larger than the handle with a lifetime was.
    assert!(std::mem::size_of::<Var>() <= 24);
}

#[test]
fn a_graph_refuses_to_read_its_tape_after_a_clear() {
    let mut tape = Tape::new();
    let x = tape.var(2.0).named("x");
    let graph = Graph::of(x * x);
    let before = graph.to_text();
    assert!(before.contains("mul %0, %0 = 4"), "{before}");
    tape.clear();
    let z = tape.var(7.0); // the new recording's node 0
    // The graph's nodes were selected when it was made: it prints them.
    assert_eq!(graph.to_text(), before);
    // Selecting again would read the new recording: refused.
    let payload = panic::catch_unwind(AssertUnwindSafe(|| {
        graph.clone().detail(tapegrad::Detail::Named)
    }))
    .unwrap_err();
    let message = message(&*payload);
    assert!(
        message.contains("cleared after this graph was made"),
        "{message}"
    );
    let _ = z;
    // Dropping the tape leaves a graph that still reads what it was made of.
    let tape = Tape::new();
    let y = tape.var(3.0).named("y");
    let graph = Graph::of(y + 1.0);
    drop(tape);
    assert!(
        graph.to_text().contains("add %0, 1 = 4"),
        "{}",
        graph.to_text()
    );
}
