//! Source locations: on a tape made by `Tape::with_locations`, every node
//! keeps the line that recorded it, and errors and dumps name it.

use tapegrad::{Error, Graph, Tape};

fn here(line: u32) -> String {
    format!("{}:{line}", file!())
}

#[test]
fn a_nan_from_ln_of_minus_one_names_the_users_line() {
    let tape = Tape::with_locations();
    let x = tape.var(-1.0).named("x");
    let line = line!() + 1;
    let y = x.ln() * 2.0;
    let err = y.try_backward().unwrap_err();
    // ln(-1) = NaN is the first non-finite value: the ln node, at `line`.
    match &err {
        Error::NonFinite { op, location, .. } => {
            assert_eq!(op, "ln");
            let at = location.expect("a location");
            assert_eq!(format!("{}:{}", at.file(), at.line()), here(line));
        }
        other => panic!("expected NonFinite, got {other:?}"),
    }
    assert!(
        err.to_string().ends_with(&format!(" at {}", here(line))),
        "{err}"
    );
    // The text dump names every node's line, the DOT dump as a tooltip.
    let text = Graph::of(y).to_text();
    assert!(
        text.contains(&format!("%1 = ln %0 = NaN  at {}", here(line))),
        "{text}"
    );
    assert!(text.contains(&format!("%0 `x` = var = -1  at {}", here(line - 2))));
    let dot = Graph::of(y).to_dot();
    assert!(
        dot.contains(&format!("tooltip = \"{}\"", here(line))),
        "{dot}"
    );
}

#[test]
fn without_locations_nothing_is_kept_or_printed() {
    let tape = Tape::new();
    let x = tape.var(-1.0);
    let y = x.ln();
    assert!(tape.location(y.index()).is_none());
    assert!(!Graph::of(y).to_text().contains(" at "));
    let err = y.try_backward().unwrap_err();
    assert!(matches!(err, Error::NonFinite { location: None, .. }));
}

#[test]
fn every_way_of_recording_keeps_the_callers_line() {
    let tape = Tape::with_locations();
    let l0 = line!() + 1;
    let w = tape.vars(&[1.0, 2.0]);
    let l1 = line!() + 1;
    let x = tape.var(3.0);
    let l2 = line!() + 1;
    let d = w.dot(&[1.0, 1.0]);
    let l3 = line!() + 1;
    let s = tape.sum([x, d]);
    let l4 = line!() + 1;
    let c = tape.constant(2.0);
    let l5 = line!() + 1;
    let m = s * c + 1.0 - x.sin().max(0.5);
    let at = |v: tapegrad::Var| tape.location(v.index()).map(|l| l.line());
    assert_eq!(at(w.get(0)), Some(l0));
    assert_eq!(at(w.get(1)), Some(l0));
    assert_eq!(at(x), Some(l1));
    assert_eq!(at(d), Some(l2));
    assert_eq!(at(s), Some(l3));
    assert_eq!(at(c), Some(l4));
    assert_eq!(at(m), Some(l5));
    assert_eq!(
        tape.node(m.index()).location.map(|l| l.file()),
        Some(file!())
    );
}

#[test]
fn gradient_graph_nodes_carry_the_grad_graph_call() {
    let tape = Tape::with_locations();
    let x = tape.var(2.0);
    let y = x.sin() * x;
    let before = tape.len();
    let line = line!() + 1;
    let dy = y.grad_graph(&[x])[0];
    assert!(tape.len() > before);
    for i in before..tape.len() {
        assert_eq!(tape.location(i).unwrap().line(), line, "node {i}");
    }
    // Recording afterwards is back to the caller's own line.
    let l = line!() + 1;
    let z = dy * 2.0;
    assert_eq!(tape.location(z.index()).unwrap().line(), l);
}

#[test]
fn mixing_tapes_names_where_the_other_var_was_recorded() {
    let a = Tape::new();
    let b = Tape::with_locations();
    let x = a.var(1.0);
    let line = line!() + 1;
    let y = b.var(2.0);
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| x + y)).unwrap_err();
    let message = panic.downcast_ref::<String>().unwrap();
    assert!(
        message.ends_with(&format!("recorded at {})", here(line))),
        "{message}"
    );
}

#[test]
fn a_compiled_programs_checked_gradient_names_the_line() {
    let tape = Tape::with_locations();
    let x = tape.var(2.0);
    let line = line!() + 1;
    let y = x.ln();
    let mut f = tape.compile(y, &[x]).unwrap();
    let err = f.try_gradient(&[-1.0], &mut [0.0]).unwrap_err();
    assert!(matches!(err, Error::NonFinite { location: Some(l), .. } if l.line() == line));
}

/// A tape that keeps locations records every node out of line (its room is
/// 0), where the operand words travel packed two to a register: the nodes,
/// their words and the gradients must be those of a tape that does not.
#[test]
fn a_tape_with_locations_records_the_same_nodes_and_gradients() {
    fn record(tape: &Tape) -> (Vec<tapegrad::Node>, Vec<u64>) {
        let x = tape.var(0.75);
        let y = tape.var(-2.5);
        // One word (sin), two (x * y), three (a constant operand, whose
        // bits fill two words), and a constant operand that is negative.
        let z = (x.sin() * y + x * 2.5 - 1.0e-300 * y).max(y.tanh()) / -3.0;
        let g = z.backward();
        let nodes = tape
            .nodes()
            .map(|mut n| {
                n.location = None;
                n
            })
            .collect();
        (nodes, vec![g.wrt(x).to_bits(), g.wrt(y).to_bits()])
    }
    let (plain, plain_grads) = record(&Tape::new());
    let (located, located_grads) = record(&Tape::with_locations());
    assert_eq!(format!("{located:?}"), format!("{plain:?}"));
    // dz/dx = (y cos x + 2.5) / -3 ≠ 0: the gradient went through the words.
    assert_ne!(plain_grads[0], 0.0f64.to_bits());
    assert_eq!(located_grads, plain_grads);
}

/// A tape that keeps locations counts its room out of line and counts again
/// only where it runs out: runs of leaves (no words) fill its node arrays,
/// runs of constant operands (three words) its word stream, each many times
/// over. Every node must still note its own line and record what a plain
/// tape records.
#[test]
fn a_tape_with_locations_grows_through_runs_of_leaves_and_of_words() {
    fn record(tape: &Tape) -> (Vec<tapegrad::Node>, u32, u32) {
        let mut x = tape.var(1.0);
        let mut lines = (0, 0);
        for i in 0..6_000 {
            if (i / 700) % 2 == 0 {
                lines.0 = line!() + 1;
                tape.var(f64::from(i));
            } else {
                lines.1 = line!() + 1;
                x = x * 0.999 + 1.0e-3;
            }
        }
        (tape.nodes().collect(), lines.0, lines.1)
    }
    let (plain, ..) = record(&Tape::new());
    let (located, leaf_line, op_line) = record(&Tape::with_locations());
    assert_eq!(located.len(), plain.len());
    // The first leaf, then 4 runs of 700 leaves and a last of 400 between
    // 4 runs of 700 steps of two ops each.
    assert_eq!(located.len(), 1 + (4 * 700 + 400) + 2 * (4 * 700));
    for (i, (l, p)) in located.iter().zip(&plain).enumerate().skip(1) {
        let line = l.location.map(|at| at.line());
        let want = if l.inputs.is_empty() {
            leaf_line
        } else {
            op_line
        };
        assert_eq!(line, Some(want), "node {i}");
        // Field by field, not through `Debug`, which Miri takes long over.
        assert_eq!(l.op, p.op, "node {i}");
        assert_eq!(l.inputs, p.inputs, "node {i}");
        let bits = |c: Option<f64>| c.map(f64::to_bits);
        assert_eq!(bits(l.constant), bits(p.constant), "node {i}");
        assert_eq!(l.value.to_bits(), p.value.to_bits(), "node {i}");
    }
}
