//! The per-thread pool of dropped tapes' buffers, which `Tape::new` takes
//! back, so a tape per step allocates like a cleared one.

#[allow(clippy::wildcard_imports)]
use super::*;

thread_local! {
    /// Buffers of tapes dropped on this thread, each with its size, for
    /// [`Tape::new`]; at most [`Tape::POOL_BYTES`] in all.
    static POOL: RefCell<VecDeque<(Inner, usize)>> = const { RefCell::new(VecDeque::new()) };
}

impl Drop for State {
    fn drop(&mut self) {
        // The user's ops are dropped here, with no borrow of the tape live.
        self.customs.get_mut().clear();
        let mut inner = std::mem::take(self.inner.get_mut());
        if inner.bytes_reserved() == 0 {
            return; // nothing to keep
        }
        // Everything the pool would keep: the buffers and the header.
        let bytes = inner.bytes_reserved() + size_of::<(Inner, usize)>();
        if bytes > Tape::POOL_BYTES {
            return; // too much: freed here
        }
        inner.clear();
        inner.locations = None;
        inner.limit = u32::MAX as usize;
        inner.set_room();
        // During thread teardown the pool may be gone: then free.
        let _ = POOL.try_with(|p| {
            let mut p = p.borrow_mut();
            // The tape dropped last is the one a loop takes back next, so
            // it stays, and the oldest buffers make room for it, each in
            // O(1); the pool holds a few tapes, so the sum is short.
            let mut pooled = bytes + p.iter().map(|(_, b)| b).sum::<usize>();
            while pooled > Tape::POOL_BYTES || p.len() >= Tape::POOL_TAPES {
                let Some((_, freed)) = p.pop_front() else {
                    break;
                };
                pooled -= freed;
            }
            p.push_back((inner, bytes));
        });
    }
}

impl Tape {
    /// An empty tape.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// assert!(tape.is_empty());
    /// let x = tape.var(1.0);
    /// assert_eq!((tape.len(), x.index()), (1, 0)); // the first node is %0
    /// ```
    ///
    /// A tape dropped on this thread leaves its buffers in a small
    /// per-thread pool, and a new tape takes them back, so a loop that makes
    /// a tape per step allocates no more than one that clears a tape. The
    /// pool keeps at most [`POOL_BYTES`](Tape::POOL_BYTES) in all, the
    /// buffers of the tapes dropped last: older ones are freed to make room,
    /// and a huge tape's buffers are freed when it is dropped.
    pub fn new() -> Tape {
        let inner = POOL
            .try_with(|p| p.borrow_mut().pop_back())
            .ok()
            .flatten()
            .map_or_else(Inner::default, |(inner, _)| inner);
        Tape::of(State::from_inner(inner))
    }

    /// The most bytes of dropped tapes' buffers each thread keeps for new
    /// tapes (64 MiB); a tape that reserved more is freed when dropped.
    pub const POOL_BYTES: usize = 64 << 20;

    /// The most dropped tapes whose buffers each thread keeps for new
    /// tapes, however small they are.
    pub const POOL_TAPES: usize = 8;
}
