//! A tape's limit bounds everything it keeps: guards and scratch buffers
//! count toward it and are checked before they grow, and the messages for
//! a full tape read right at every limit (issue 23, items 9 and 14).

use std::panic::{self, AssertUnwindSafe};

use tapegrad::Tape;

mod panics;
use panics::message;

/// The most a tape of a handful of entries may reserve.
const SMALL: usize = 64 << 10;

#[test]
fn alternating_comparisons_do_not_grow_a_small_tape_without_bound() {
    let tape = Tape::with_limit(4);
    let (x, y) = (tape.var(1.0), tape.var(2.0));
    // A million comparisons on two lines, alternating: each differs from
    // the one before, but there are only two.
    let run = panic::catch_unwind(AssertUnwindSafe(|| {
        for _ in 0..500_000 {
            let below = x < y;
            let above = y < x;
            assert!(below && !above);
        }
    }));
    // Either the guards are kept once each, or they count toward the
    // limit and recording past it panics as any full tape does.
    if let Err(payload) = run {
        let m = message(&*payload);
        assert!(m.starts_with("tapegrad: a tape holds"), "{m}");
    }
    let reserved = tape.bytes_reserved();
    assert!(reserved < SMALL, "{reserved} bytes reserved");
}

#[test]
fn a_sum_past_the_limit_panics_before_gathering_its_terms() {
    let tape = Tape::with_limit(100);
    let x = tape.var(1.0);
    let sum = panic::catch_unwind(AssertUnwindSafe(|| {
        tape.sum((0..1_000_000).map(|_| x));
    }));
    let m = message(&*sum.expect_err("a sum of 10⁶ terms fits 100 entries"));
    assert!(m.contains("at most 100 input-list entries"), "{m}");
    // The terms gathered before the check are not kept.
    let reserved = tape.bytes_reserved();
    assert!(reserved < SMALL, "{reserved} bytes reserved");
    // The tape is whole: 1 + 1 = 2, d/dx = 2.
    let y = tape.sum([x, x]);
    assert_eq!((y.value(), y.backward()[x]), (2.0, 2.0));
}

#[test]
fn a_tape_of_one_node_says_node_in_the_singular() {
    let tape = Tape::with_limit(1);
    let x = tape.var(1.0);
    let second = panic::catch_unwind(AssertUnwindSafe(|| x * 2.0));
    let m = message(&*second.expect_err("a second node fits a tape of one"));
    assert_eq!(m, "tapegrad: a tape holds at most 1 node");
}

#[test]
fn a_tape_of_no_nodes_says_so() {
    let tape = Tape::with_limit(0);
    let first = panic::catch_unwind(AssertUnwindSafe(|| {
        let _ = tape.var(1.0);
    }));
    let m = message(&*first.expect_err("a node fits a tape of none"));
    assert_eq!(m, "tapegrad: a tape holds no nodes");
    assert!(tape.is_empty());
}
