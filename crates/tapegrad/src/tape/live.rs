//! The live tapes of this thread, by recording id: a [`Var`] is a plain
//! number with no reference, so it finds its tape here, and every misuse (a
//! tape dropped or cleared, another thread, two tapes) is a clear panic.
//!
//! Ids are never reused: each thread takes blocks of 2²⁰ from one global
//! counter of 2⁴⁴ blocks, so a stale `Var` can never match a newer tape,
//! and a `Var` whose block this thread never took was made on another.

#[allow(clippy::wildcard_imports)]
use super::*;

use std::cell::Cell;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Bits of an id numbered within its thread's block.
const BLOCK_BITS: u32 = 20;

/// The next block of ids to hand to a thread; block 0 is never handed out,
/// so id 0 is free to mean "a constant, on no tape".
static NEXT_BLOCK: AtomicU64 = AtomicU64::new(1);

/// What [`LAST`] holds when it holds no tape: an id no tape ever has (ids
/// stay below 2⁶⁴ − 2²⁰) and that no constant has (0).
const NONE: (u64, *const State) = (u64::MAX, std::ptr::null());

thread_local! {
    /// The tape looked up last, by id: most code records on one tape at a
    /// time, so most lookups end here with one comparison.
    static LAST: Cell<(u64, *const State)> = const { Cell::new(NONE) };
    /// Every live tape of this thread, by id.
    static LIVE: RefCell<Vec<(u64, *const State)>> = const { RefCell::new(Vec::new()) };
    /// The next id of this thread's current block and the block's end.
    static NEXT_ID: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
    /// Every block of ids this thread has taken, to tell a stale `Var` of
    /// this thread from one of another thread.
    static BLOCKS: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

/// A recording id no tape has had: for a new tape or a cleared one.
pub(super) fn fresh_id() -> u64 {
    let (mut next, mut end) = NEXT_ID.with(Cell::get);
    if next == end {
        let block = NEXT_BLOCK.fetch_add(1, Relaxed);
        // 2⁴⁴ − 1 blocks of 2²⁰ ids: a new id every nanosecond lasts 500
        // years; the last block is never handed out, so `NONE`'s is no id.
        assert!(
            block < (1 << (64 - BLOCK_BITS)) - 1,
            "tapegrad: this process has used every recording id"
        );
        // During thread teardown the list may be gone: the block is still
        // this thread's, only its stale `Var`s would be reported as another
        // thread's.
        let _ = BLOCKS.try_with(|b| b.borrow_mut().push(block));
        next = block << BLOCK_BITS;
        end = next + (1 << BLOCK_BITS);
    }
    NEXT_ID.with(|n| n.set((next + 1, end)));
    next
}

/// Notes `state`, owned by a new `Tape`, as live on this thread.
pub(super) fn register(state: &Rc<State>) {
    // From `Rc::as_ptr`, whose pointer may give back an `Rc` (`shared`).
    let entry = (state.id(), Rc::as_ptr(state));
    LIVE.with(|l| l.borrow_mut().push(entry));
    LAST.with(|l| l.set(entry));
}

/// Forgets `state`, whose `Tape` is being dropped.
pub(super) fn unregister(state: &State) {
    let p = std::ptr::from_ref(state);
    LAST.with(|l| {
        if l.get().1 == p {
            l.set(NONE);
        }
    });
    // During thread teardown the list may be gone, and with it the entry.
    let _ = LIVE.try_with(|l| l.borrow_mut().retain(|&(_, s)| s != p));
}

/// Gives `state`, being cleared, its new id `id`.
pub(super) fn renew(state: &State, id: u64) {
    // Compared as addresses; the pointers kept are those `register` took.
    let p = std::ptr::from_ref(state);
    LAST.with(|l| {
        let (_, last) = l.get();
        if last == p {
            l.set((id, last));
        }
    });
    let _ = LIVE.try_with(|l| {
        for entry in l.borrow_mut().iter_mut().filter(|e| e.1 == p) {
            entry.0 = id;
        }
    });
}

/// The live tape of recording `id` on this thread, for the recording code
/// of this crate (see [`Found::get`]).
///
/// # Panics
/// If no tape of this thread has that id: it was dropped or cleared, or it
/// belongs to another thread.
#[inline(always)]
#[track_caller]
pub(super) fn find(id: u64) -> Found {
    match hit(id) {
        Some(found) => found,
        None => Found(search(id)),
    }
}

/// The tape of recording `id` if it is the one looked up last: the one
/// comparison a recording step pays (never a hit for a constant's 0).
#[inline(always)]
pub(super) fn hit(id: u64) -> Option<Found> {
    let (last, p) = LAST.with(Cell::get);
    (last == id).then_some(Found(p))
}

/// [`find`] past the last tape looked up.
#[inline(never)]
#[track_caller]
fn search(id: u64) -> *const State {
    let p = LIVE
        .try_with(|l| l.borrow().iter().find(|e| e.0 == id).map(|e| e.1))
        .ok()
        .flatten();
    match p {
        Some(p) if id != 0 => {
            LAST.with(|l| l.set((id, p)));
            p
        }
        _ => missing(id),
    }
}

/// Whether a tape of this thread has recording id `id`.
pub(crate) fn is_live(id: u64) -> bool {
    id != 0
        && (LAST.with(Cell::get).0 == id
            || LIVE
                .try_with(|l| l.borrow().iter().any(|e| e.0 == id))
                .unwrap_or(false))
}

/// The tape of recording `id`, kept alive for as long as the caller holds
/// it: for code that runs the user's code (an iterator, a custom op, a
/// closure) while it works on the tape, which might drop the `Tape`.
#[track_caller]
pub(crate) fn shared(id: u64) -> Rc<State> {
    let p = find(id).0;
    // SAFETY: `p` came from `Rc::as_ptr` of the `Rc` a live `Tape` of this
    // thread holds (entries leave `LAST` and `LIVE` when it drops), so the
    // strong count is at least 1 and one more owner is sound.
    unsafe {
        Rc::increment_strong_count(p);
        Rc::from_raw(p)
    }
}

/// The live tape of this thread whose first recording id was `serial`, if
/// it still is, whatever it records now.
pub(crate) fn tape_of(serial: u64) -> Option<Rc<State>> {
    let p = LIVE
        .try_with(|l| {
            l.borrow()
                .iter()
                // SAFETY: entries of `LIVE` are states of live tapes.
                .find(|e| unsafe { (*e.1).serial() } == serial)
                .map(|e| e.1)
        })
        .ok()
        .flatten()?;
    // SAFETY: as in `shared`.
    Some(unsafe {
        Rc::increment_strong_count(p);
        Rc::from_raw(p)
    })
}

/// The state of a live tape, for this crate's recording code.
pub(super) struct Found(*const State);

impl Found {
    /// The tape's state.
    ///
    /// The reference is sound while the `Tape` that owns the state lives;
    /// callers use it for recording steps that run none of the user's code
    /// (no iterator, custom op, closure or `Drop` of theirs), so nothing can
    /// drop that `Tape` while the reference is in use. Code that runs the
    /// user's code takes [`shared`] instead.
    #[inline(always)]
    pub(super) fn get(&self) -> &State {
        // SAFETY: `find` returned a pointer of `LAST` or `LIVE`, which hold
        // only the states of this thread's live tapes; see above for why
        // the tape outlives the reference.
        unsafe { &*self.0 }
    }
}

/// Panics for a `Var` whose tape is not live on this thread.
#[cold]
#[inline(never)]
#[track_caller]
pub(crate) fn missing(id: u64) -> ! {
    if id == 0 {
        panic!("tapegrad: a constant Var belongs to no tape; record it with `tape.constant(c)`")
    }
    let block = id >> BLOCK_BITS;
    let ours = BLOCKS
        .try_with(|b| b.borrow().contains(&block))
        .unwrap_or(true);
    if ours {
        panic!(
            "tapegrad: this Var's tape was dropped or cleared; a Var is valid until its tape is cleared or dropped"
        )
    } else {
        panic!(
            "tapegrad: this Var belongs to a tape of another thread; a tape and its Vars record on the thread that made the tape"
        )
    }
}
