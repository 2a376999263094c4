//! Fresh tapes take the buffers of dropped ones from a bounded per-thread
//! pool: a tape per step costs no more memory than one cleared tape.

use tapegrad::Tape;

/// One training-like step on a fresh tape: 1,000 leaves, their squares
/// summed, backward.
fn step(k: usize) -> f64 {
    let tape = Tape::new();
    let xs: Vec<_> = (0..1000).map(|i| tape.var((i + k) as f64 * 1e-3)).collect();
    let loss = tape.sum(xs.iter().map(|&x| x * x));
    let g = loss.backward();
    g[xs[0]]
}

#[test]
fn a_new_tape_takes_the_buffers_a_dropped_tape_left() {
    let reserved = {
        let tape = Tape::new();
        let x = tape.var(1.0);
        let mut y = x;
        for _ in 0..10_000 {
            y = y * 1.5 + 1.0;
        }
        let _ = y.backward();
        tape.bytes_reserved()
    };
    assert!(reserved > 10_000 * 9);
    let tape = Tape::new();
    // The same buffers, emptied.
    assert!(tape.is_empty());
    assert_eq!(tape.bytes_reserved(), reserved);
    // And a tape taken from the pool records as a new one does: x² at 3.
    let x = tape.var(3.0);
    assert_eq!((x * x).backward()[x], 6.0);
}

#[test]
fn the_tape_dropped_last_stays_and_older_buffers_make_room() {
    // A node reserves 17 bytes (op, value, two operand words): a tape of
    // 0.4 of the pool's bound, then one of 0.75, dropped in that order.
    let nodes = |share: f64| (Tape::POOL_BYTES as f64 * share / 17.0) as usize;
    let small = Tape::with_capacity(nodes(0.4));
    let big = Tape::with_capacity(nodes(0.75));
    let (s, b) = (small.bytes_reserved(), big.bytes_reserved());
    assert!(
        s + b > Tape::POOL_BYTES && b <= Tape::POOL_BYTES,
        "{s} + {b}"
    );
    drop(small);
    drop(big);
    // Both do not fit: the big one, dropped last, is what a loop making a
    // tape per step takes back next, so it stays and the small one goes.
    let next = Tape::new();
    assert_eq!(next.bytes_reserved(), b);
    let other = Tape::new();
    assert_eq!(other.bytes_reserved(), 0);
}

#[test]
fn a_tape_taken_back_from_the_pool_does_not_grow_again() {
    // A neuron op by op: a leaf per weight (no operand words) and a product
    // per weight (two), so the node arrays and the word stream fill at
    // different times. The second tape takes the first one's buffers and
    // must find room in them: growing the node arrays because the word
    // stream was full would double them for nothing.
    let neuron = || {
        let tape = Tape::new();
        let ws: Vec<_> = (0..3_000).map(|i| tape.var(i as f64 * 1e-3)).collect();
        let z = tape.sum(ws.iter().map(|&w| w * 0.5));
        let _ = z.backward();
        tape.bytes_reserved()
    };
    let first = neuron();
    for _ in 0..3 {
        assert_eq!(neuron(), first);
    }
}

#[test]
fn a_huge_tape_is_freed_when_dropped() {
    let nodes = Tape::POOL_BYTES / 9 + 1;
    let tape = Tape::with_capacity(nodes);
    assert!(tape.bytes_reserved() > Tape::POOL_BYTES);
    drop(tape);
    // Nothing was kept for the next tape.
    assert_eq!(Tape::new().bytes_reserved(), 0);
}

#[test]
fn a_limit_does_not_follow_the_buffers_into_the_next_tape() {
    {
        let tape = Tape::with_limit(3);
        let x = tape.var(1.0);
        let _ = x + 1.0;
    }
    let tape = Tape::new();
    let x = tape.var(1.0);
    let mut y = x;
    for _ in 0..10 {
        y += 1.0; // more than 3 nodes: the old limit is gone
    }
    assert_eq!(y.value(), 11.0);
}

#[test]
fn each_thread_has_a_pool_of_its_own() {
    // A tape stays on its thread, so its buffers go to that thread's pool.
    std::thread::spawn(|| {
        let tape = Tape::new();
        let _ = tape.var(1.0);
        drop(tape);
        assert!(Tape::new().bytes_reserved() > 0);
    })
    .join()
    .unwrap();
    // A new thread starts with an empty pool.
    std::thread::spawn(|| assert_eq!(Tape::new().bytes_reserved(), 0))
        .join()
        .unwrap();
}

/// Resident memory of this process in bytes (Linux).
#[cfg(target_os = "linux")]
fn rss() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm");
    let pages: usize = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

#[cfg(target_os = "linux")]
#[test]
fn ten_thousand_fresh_tape_steps_keep_memory_flat() {
    // Run alone on its thread; the other tests here allocate little.
    for k in 0..100 {
        std::hint::black_box(step(k));
    }
    let before = rss();
    for k in 0..10_000 {
        std::hint::black_box(step(k));
    }
    let grown = rss().saturating_sub(before);
    // A step records about 3,000 nodes: keeping even 100 bytes of each
    // step would grow the process by 1 MB.
    assert!(grown < 1 << 20, "RSS grew by {grown} bytes");
}
