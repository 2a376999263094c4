//! A fuzz-style property test over the public API: random sequences of
//! recordings, names, clears, dumps, checked and unchecked backward passes
//! and gradient graphs. Whatever the sequence, nothing panics, a checked
//! backward that succeeds has only finite gradients and agrees with the
//! unchecked one, and dumps are the same twice.
//!
//! The default run is short; a long one is one command away:
//!
//! ```text
//! PROPTEST_CASES=20000 cargo test -p tapegrad-tests --test fuzz_api
//! ```

mod common;

use common::{Expr, expr, record};
use proptest::prelude::*;
use tapegrad::{Constants, Detail, Graph, Tape, Var};

#[derive(Clone, Debug)]
enum Action {
    /// Record an expression over the leaves; it becomes the current output.
    Record(Expr),
    /// Name the current output.
    Name(String),
    /// Clear the tape and make new leaves.
    Clear,
    /// Dump the graph of the current output in every view.
    Dump(bool),
    /// Checked and unchecked backward passes from the current output.
    Backward,
    /// Record the gradient graph of the current output.
    GradGraph,
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        4 => expr().prop_map(Action::Record),
        2 => "(?s).{0,12}".prop_map(Action::Name),
        1 => Just(Action::Clear),
        1 => any::<bool>().prop_map(Action::Dump),
        3 => Just(Action::Backward),
        1 => Just(Action::GradGraph),
    ]
}

/// Runs `actions` on one tape; returns how many backward passes succeeded.
fn run(actions: &[Action], at: [f64; 3]) -> Result<usize, TestCaseError> {
    let mut tape = Tape::new();
    let mut succeeded = 0;
    let mut rest = actions;
    loop {
        // Everything up to the next clear borrows the tape; the clear itself
        // needs it back.
        let until = rest
            .iter()
            .position(|a| matches!(a, Action::Clear))
            .unwrap_or(rest.len());
        succeeded += segment(&tape, &rest[..until], at)?;
        if until == rest.len() {
            return Ok(succeeded);
        }
        tape.clear();
        prop_assert_eq!(tape.len(), 0);
        rest = &rest[until + 1..];
    }
}

fn segment(tape: &Tape, actions: &[Action], at: [f64; 3]) -> Result<usize, TestCaseError> {
    let leaves: Vec<Var> = at.iter().map(|&x| tape.var(x)).collect();
    let mut out = leaves[0];
    let mut succeeded = 0;
    for a in actions {
        match a {
            Action::Record(e) => out = record(e, tape, &leaves),
            Action::Name(name) => out = out.named(name.as_str()),
            Action::Clear => unreachable!("segments hold no clear"),
            Action::Dump(as_nodes) => {
                let constants = if *as_nodes {
                    Constants::AsNodes
                } else {
                    Constants::Inline
                };
                for detail in [Detail::All, Detail::Named] {
                    let graph = Graph::of(out).constants(constants).detail(detail);
                    let again = Graph::of(out).constants(constants).detail(detail);
                    prop_assert_eq!(graph.to_text(), again.to_text());
                    prop_assert_eq!(graph.to_dot(), again.to_dot());
                    prop_assert_eq!(graph.to_svg(), again.to_svg());
                }
            }
            Action::Backward => {
                let fast = out.backward().wrt_all(&leaves);
                if let Ok(g) = out.try_backward() {
                    let checked = g.wrt_all(&leaves);
                    // Checked success means every gradient is finite, and
                    // the same as the fast path's.
                    prop_assert!(checked.iter().all(|d| d.is_finite()), "{checked:?}");
                    prop_assert_eq!(&checked, &fast);
                    succeeded += 1;
                } else {
                    // The error's message is short whatever the graph.
                    let message = out.try_backward().unwrap_err().to_string();
                    prop_assert!(message.len() < 1000, "{}", message.len());
                }
            }
            Action::GradGraph => {
                let grads = out.grad_graph(&leaves);
                let fast = out.backward().wrt_all(&leaves);
                for (g, f) in grads.iter().zip(&fast) {
                    prop_assert!(g.value() == *f || (f.is_nan() && g.value().is_nan()));
                }
            }
        }
    }
    Ok(succeeded)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn random_api_sequences_never_panic_and_keep_their_invariants(
        actions in proptest::collection::vec(action(), 1..24),
        at in proptest::array::uniform3(-3.0..3.0f64),
    ) {
        run(&actions, at)?;
    }
}
