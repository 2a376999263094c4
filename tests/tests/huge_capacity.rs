//! `Tape::with_capacity` with a capacity no machine has (issue 23, item
//! 10): a clear panic or a tape clamped to what it can hold, never an
//! abort. Its own test binary, so that an abort stops only this test.

use std::panic::{self, AssertUnwindSafe};

use tapegrad::Tape;

mod panics;
use panics::message;

/// The machine's memory in bytes, from `/proc/meminfo` where there is one.
fn memory() -> Option<usize> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[test]
fn a_capacity_beyond_memory_is_a_clear_panic_or_clamped() {
    let made = panic::catch_unwind(AssertUnwindSafe(|| Tape::with_capacity(usize::MAX)));
    match made {
        Err(payload) => {
            let m = message(&*payload);
            assert!(m.starts_with("tapegrad:"), "{m}");
        }
        Ok(tape) => {
            // Clamped: no more than the machine has, and a working tape.
            if let Some(total) = memory() {
                let reserved = tape.bytes_reserved();
                assert!(reserved <= total, "{reserved} of {total} bytes reserved");
            }
            let x = tape.var(3.0);
            // d(x²)/dx = 2x = 6
            assert_eq!((x * x).backward()[x], 6.0);
        }
    }
}
