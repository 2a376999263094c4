//! The storage behind `State::with`: an op byte and a value per node, the
//! operand words back to back, and the pools of constants, input lists and
//! names.

#[allow(clippy::wildcard_imports)]
use super::*;

/// Which pool of a tape a recording would overfill.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Full {
    Nodes,
    Constants,
    Lists,
    /// The guards noted by comparisons ([`Tape::compile`]).
    Guards,
}

/// The recorded nodes: an op byte and a value per node, and the nodes'
/// operand words back to back in one stream (9 bytes a node, plus 4 for each
/// input, 8 for a constant operand (two words), 8 for each coefficient of a
/// dot product (in the constant pool) and 4 for each entry of an input list).
///
/// A node's words are found by walking the stream: the backward sweep walks
/// it from the end, and random access (node views, recorded sweeps) goes
/// through `offsets`, an index built on demand.
#[derive(Clone)]
pub(crate) struct Inner {
    pub(super) ops: Vec<Op>,
    pub(super) values: Vec<f64>,
    /// The operand words of every node in tape order, [`Op::words`] of them
    /// per node.
    pub(super) args: Vec<u32>,
    /// How many nodes can be appended, with up to three words each, without
    /// growing `ops`, `values` or `args`, as last counted (leaves use no
    /// words, so there may be room for more).
    pub(super) counted: usize,
    /// Where [`Inner::push_fast`] gives way to the slow path: `counted`, or 0
    /// on a tape that keeps locations (every node notes its location there),
    /// so that the fast path checks one number.
    pub(super) room: usize,
    pub(super) consts: Vec<f64>,
    pub(super) lists: Vec<u32>,
    pub(super) names: BTreeMap<u32, Box<str>>,
    /// Where the words of each node start in `args`, for nodes below its
    /// length: extended on demand, and still valid when the tape grows.
    pub(super) offsets: Vec<usize>,
    /// Inputs of the sums being gathered, innermost last (see [`Tape::sum`]).
    pub(super) scratch: Vec<u32>,
    /// How many sums are gathering inputs; a sum that panics leaves it one
    /// too high, which is how an enclosing sum notices.
    pub(super) open_sums: usize,
    /// Node ranges recorded by [`Var::grad_graph`]: the backward part, in
    /// increasing order and disjoint (each is recorded after the last).
    pub(super) backward: Vec<std::ops::Range<u32>>,
    /// The most nodes, constants and input-list entries the tape may hold,
    /// each (`u32::MAX` unless [`Tape::with_limit`] set fewer).
    pub(super) limit: usize,
    /// The adjoint buffer of the last dropped `Gradients`, kept for reuse so
    /// that a training loop does not allocate one per step.
    pub(super) spare: Vec<f64>,
    /// The comparisons made and values read while recording, for
    /// [`Tape::compile`].
    pub(super) notes: Notes,
    /// Where each node was recorded, on a tape made by
    /// [`Tape::with_locations`].
    pub(super) locations: Option<Vec<&'static Location<'static>>>,
    /// The line nodes are noted at instead of their own, while
    /// [`Var::grad_graph`] records (its nodes come from the op table).
    pub(super) recording_at: Option<&'static Location<'static>>,
    /// How many nodes from the first are leaves, which send nothing back
    /// (a sweep stops above them), and whether a node that is not one was
    /// found after them; counted by [`Inner::leading_leaves`] when a sweep
    /// asks, so recording pays nothing for it.
    pub(super) leading: (usize, bool),
}

impl Default for Inner {
    fn default() -> Inner {
        Inner {
            ops: Vec::new(),
            values: Vec::new(),
            args: Vec::new(),
            counted: 0,
            room: 0,
            consts: Vec::new(),
            lists: Vec::new(),
            names: BTreeMap::new(),
            offsets: Vec::new(),
            scratch: Vec::new(),
            open_sums: 0,
            backward: Vec::new(),
            limit: u32::MAX as usize,
            spare: Vec::new(),
            notes: Notes::default(),
            locations: None,
            recording_at: None,
            leading: (0, false),
        }
    }
}

impl Inner {
    /// Appends a node with `N ≤ 3` operand words past the counted room (the
    /// fast path, [`Inner::push_fast`], found none): makes room, or returns
    /// `None` if the tape holds its most nodes already.
    #[inline(always)]
    pub(super) fn push_past_room<const N: usize>(
        &mut self,
        op: Op,
        words: [u32; N],
        value: f64,
        location: &'static Location<'static>,
    ) -> Option<usize> {
        if !self.make_room(location) {
            return None;
        }
        // SAFETY: `make_room` made room.
        Some(unsafe { self.push_unchecked(op, words, value) })
    }

    /// Appends a node with `N ≤ 3` operand words if it fits in the counted
    /// room, else returns `None` and writes nothing: the whole of the fast
    /// path, with no call in it, so that it stays small where it is inlined.
    #[inline(always)]
    pub(super) fn push_fast<const N: usize>(
        &mut self,
        op: Op,
        words: [u32; N],
        value: f64,
    ) -> Option<usize> {
        // One test for both slow paths: a full buffer, and a tape that
        // keeps locations (its `room` is 0).
        if self.ops.len() >= self.room {
            return None;
        }
        // SAFETY: below `room`, which is at most `capacity_room()`.
        Some(unsafe { self.push_unchecked(op, words, value) })
    }

    /// Appends a node.
    ///
    /// # Safety
    /// The tape holds fewer than `capacity_room()` nodes.
    #[inline(always)]
    unsafe fn push_unchecked<const N: usize>(
        &mut self,
        op: Op,
        words: [u32; N],
        value: f64,
    ) -> usize {
        const { assert!(N <= 3) };
        debug_assert_eq!(op.words(), N);
        let index = self.ops.len();
        debug_assert!(index < self.capacity_room());
        let at = self.args.len();
        // SAFETY: `ops` and `values` have length `index` and room for
        // `capacity_room() > index` elements (`room` and `counted` are at
        // most that: appending a node of at most three words never lowers
        // it, and every other change to the buffers counts again; and
        // `make_room` makes it so), and `args` has three spare words for
        // each of those nodes (see `capacity_room`).
        unsafe {
            self.ops.as_mut_ptr().add(index).write(op);
            self.values.as_mut_ptr().add(index).write(value);
            let args = self.args.as_mut_ptr().add(at);
            for (j, w) in words.into_iter().enumerate() {
                args.add(j).write(w);
            }
            self.ops.set_len(index + 1);
            self.values.set_len(index + 1);
            self.args.set_len(at + N);
        }
        index
    }

    /// The slow path of recording a node: grows the buffers if they are
    /// full, and on a tape that keeps locations notes the location of the
    /// node about to be written; false if the tape holds its most nodes.
    /// Inlined into [`Inner::push_past_room`], which is reached only out of
    /// line (`State::push_slow`), so that a tape that keeps locations pays
    /// one call a node.
    #[inline(always)]
    fn make_room(&mut self, location: &'static Location<'static>) -> bool {
        // A tape that keeps locations comes here for every node: it reads
        // the count, and counts again only where it runs out.
        if self.ops.len() >= self.counted {
            // Leaves use no words, so the buffers may have room for more
            // nodes than were counted: count again before growing them, or
            // every node from here on would come this way.
            self.set_room();
            if self.ops.len() >= self.counted && !self.reserve_nodes() {
                return false;
            }
        }
        if let Some(l) = &mut self.locations {
            l.push(self.recording_at.unwrap_or(location));
        }
        true
    }

    /// Grows the buffers that bind (amortised doubling, at least
    /// [`Inner::MIN_GROWTH`] nodes): the node arrays when full, the word
    /// stream when fewer than that many three-word nodes fit; or returns false
    /// if the tape holds its most nodes already.
    ///
    /// A tape of many leaves (no words) fills its node arrays first, and one
    /// of binary ops its words. Growing both whenever either binds would
    /// double the other for nothing, and a tape taken back from the pool
    /// would outgrow the pool's bound. The word stream grows a little early
    /// so that a stretch of leaves after binary ops does not come back here
    /// for every node.
    #[cold]
    #[inline(never)]
    pub(super) fn reserve_nodes(&mut self) -> bool {
        let len = self.ops.len();
        if len >= self.limit {
            return false;
        }
        let more = len.max(Inner::MIN_GROWTH);
        if self.ops.capacity() == len || self.values.capacity() == len {
            self.ops.reserve(more);
            self.values.reserve(more);
        }
        // Sized for nodes of two words, the most common; a run of nodes of
        // three (an op with a constant) comes back here a little sooner.
        if self.args.capacity() - self.args.len() < 3 * Inner::MIN_GROWTH {
            self.args.reserve(2 * more);
        }
        self.set_room();
        debug_assert!(self.capacity_room() > len);
        true
    }

    /// The fewest nodes a tape grows by.
    pub(super) const MIN_GROWTH: usize = 64;

    // What the layers above read, and the few changes they make, through
    // methods: only the tape writes its own fields, so `room` and the
    // operand words always agree with the buffers.

    /// Every node's op, in tape order.
    #[inline(always)]
    pub(crate) fn ops(&self) -> &[Op] {
        &self.ops
    }

    /// How many nodes from the first are leaves. Nodes are only ever
    /// appended, so the count is kept and only the nodes recorded since are
    /// looked at, eight at a time, until one is not a leaf.
    pub(crate) fn leading_leaves(&mut self) -> usize {
        let (mut n, ended) = self.leading;
        if !ended {
            // Whole chunks of eight leaves (one comparison each), then the
            // rest one by one up to the first node that is not a leaf.
            let chunks = self.ops[n..].chunks_exact(8);
            n += 8 * chunks.take_while(|c| *c == [Op::Leaf; 8]).count();
            n += self.ops[n..]
                .iter()
                .take_while(|&&op| op == Op::Leaf)
                .count();
            self.leading = (n, n < self.ops.len());
        }
        n
    }

    /// The count [`Inner::leading_leaves`] gave last.
    #[inline(always)]
    pub(crate) fn leading(&self) -> usize {
        self.leading.0
    }

    /// Every node's value, in tape order.
    #[inline(always)]
    pub(crate) fn values(&self) -> &[f64] {
        &self.values
    }

    /// Every node's value, for a replay that recomputes them in place (the
    /// number of nodes cannot change through it).
    #[inline(always)]
    pub(crate) fn values_mut(&mut self) -> &mut [f64] {
        &mut self.values
    }

    /// The operand words of every node, back to back.
    #[inline(always)]
    pub(crate) fn args(&self) -> &[u32] {
        &self.args
    }

    /// The constants' pool.
    #[inline(always)]
    pub(crate) fn consts(&self) -> &[f64] {
        &self.consts
    }

    /// The input lists' pool.
    #[inline(always)]
    pub(crate) fn lists(&self) -> &[u32] {
        &self.lists
    }

    /// The nodes' names, by index.
    pub(crate) fn names(&self) -> &BTreeMap<u32, Box<str>> {
        &self.names
    }

    /// The guards and reads noted while recording.
    pub(crate) fn notes(&self) -> &Notes {
        &self.notes
    }

    /// Where each node was recorded, on a tape that keeps locations.
    pub(crate) fn locations(&self) -> Option<&[&'static Location<'static>]> {
        self.locations.as_deref()
    }

    /// Takes the adjoint buffer the last `Gradients` left.
    pub(crate) fn take_spare(&mut self) -> Vec<f64> {
        std::mem::take(&mut self.spare)
    }

    /// Keeps `adjoints` for the next sweep if it is the larger buffer.
    pub(crate) fn keep_spare(&mut self, adjoints: Vec<f64>) {
        if adjoints.capacity() > self.spare.capacity() {
            self.spare = adjoints;
        }
    }

    /// Sets the line that recorded nodes are noted at while a gradient
    /// graph records, and returns the one before.
    pub(crate) fn set_recording_at(
        &mut self,
        at: Option<&'static Location<'static>>,
    ) -> Option<&'static Location<'static>> {
        std::mem::replace(&mut self.recording_at, at)
    }

    /// Notes the nodes `range` as a gradient graph's backward part.
    pub(crate) fn mark_backward(&mut self, range: std::ops::Range<u32>) {
        self.backward.push(range);
    }

    /// Appends a copy of a node (a compiled program's): its op, operand
    /// words and value, and where it was recorded if `at`. The program is
    /// built from nodes already checked to fit, below the limit.
    pub(crate) fn append_copy(
        &mut self,
        op: Op,
        words: &[u32],
        value: f64,
        at: Option<&'static Location<'static>>,
    ) {
        debug_assert_eq!(words.len(), op.words());
        self.ops.push(op);
        self.values.push(value);
        self.args.extend_from_slice(words);
        if let Some(at) = at {
            self.locations.get_or_insert_with(Vec::new).push(at);
        }
        self.set_room();
    }

    /// Appends `consts` to the constants' pool, and returns where they start.
    pub(crate) fn append_consts(&mut self, consts: &[f64]) -> u32 {
        let start = self.consts.len() as u32;
        self.consts.extend_from_slice(consts);
        start
    }

    /// Appends an input list, and returns where it starts.
    pub(crate) fn append_list(&mut self, list: impl IntoIterator<Item = u32>) -> u32 {
        let start = self.lists.len() as u32;
        self.lists.extend(list);
        start
    }

    /// Names node `index`.
    pub(crate) fn set_name(&mut self, index: u32, name: Box<str>) {
        self.names.insert(index, name);
    }

    /// The most nodes, constants, input-list entries and guards the tape
    /// may hold, each.
    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    /// Whether `more` entries fit in a pool that holds `len` now.
    pub(super) fn fits(&self, len: usize, more: usize) -> bool {
        more <= self.limit - len.min(self.limit)
    }

    /// Appends a node with three operand words (a dot product or a custom
    /// op), after checking that it fits.
    pub(super) fn push_node3(&mut self, op: Op, words: [u32; 3], value: f64) -> Option<usize> {
        if !self.fits(self.ops.len(), 1) {
            return None;
        }
        self.ops.push(op);
        self.values.push(value);
        self.args.extend(words);
        self.set_room();
        Some(self.ops.len() - 1)
    }

    /// The bytes a node of up to two words takes: its op, value and words.
    pub(super) const NODE_BYTES: usize = size_of::<Op>() + size_of::<f64>() + 2 * size_of::<u32>();

    /// Makes room for `more` nodes of up to two words each, or returns
    /// false if the memory cannot be had (what was had is kept).
    pub(super) fn try_reserve_nodes_for(&mut self, more: usize) -> bool {
        let reserved = self.ops.try_reserve(more).is_ok()
            && self.values.try_reserve(more).is_ok()
            && more
                .checked_mul(2)
                .is_some_and(|words| self.args.try_reserve(words).is_ok());
        self.set_room();
        reserved
    }

    /// Counts the room, and notes where [`Inner::push_fast`] gives way to the
    /// slow path: where the buffers are full, or at once on a tape that keeps
    /// locations, which notes each node's there.
    pub(super) fn set_room(&mut self) {
        self.counted = self.capacity_room();
        self.room = if self.locations.is_some() {
            0
        } else {
            self.counted
        };
    }

    /// How many nodes of up to three words fit without growing, and without
    /// passing the limit.
    fn capacity_room(&self) -> usize {
        let spare_words = self.args.capacity() - self.args.len();
        self.ops
            .capacity()
            .min(self.values.capacity())
            .min(self.ops.len() + spare_words / 3)
            .min(self.limit)
    }

    /// Forgets every node and note, keeping the buffers.
    pub(super) fn clear(&mut self) {
        self.ops.clear();
        self.leading = (0, false);
        self.args.clear();
        self.values.clear();
        self.set_room();
        self.consts.clear();
        self.lists.clear();
        self.names.clear();
        self.offsets.clear();
        self.open_sums = 0;
        self.scratch.clear();
        self.backward.clear();
        self.notes.clear();
        if let Some(l) = &mut self.locations {
            l.clear();
        }
        self.recording_at = None;
    }

    /// Notes that the last `count` nodes were recorded at `at`, on a tape
    /// that keeps locations.
    #[inline(always)]
    pub(super) fn locate(&mut self, at: &'static Location<'static>, count: usize) {
        // Only the test is inlined into every recording method: the rest
        // stays out of line, so recording on a tape without locations
        // costs one predictable branch and no code size.
        if self.locations.is_some() {
            self.locate_slow(at, count);
        }
    }

    #[cold]
    #[inline(never)]
    pub(super) fn locate_slow(&mut self, at: &'static Location<'static>, count: usize) {
        let at = self.recording_at.unwrap_or(at);
        if let Some(l) = &mut self.locations {
            l.extend(std::iter::repeat_n(at, count));
        }
    }

    /// Bytes reserved by the buffers.
    pub(super) fn bytes_reserved(&self) -> usize {
        use std::mem::size_of;
        self.ops.capacity() * size_of::<Op>()
            + self.args.capacity() * size_of::<u32>()
            + self.values.capacity() * size_of::<f64>()
            + self.consts.capacity() * size_of::<f64>()
            + self.lists.capacity() * size_of::<u32>()
            + self.spare.capacity() * size_of::<f64>()
            + self.offsets.capacity() * size_of::<usize>()
            + self.scratch.capacity() * size_of::<u32>()
            + self.backward.capacity() * size_of::<std::ops::Range<u32>>()
            + self.notes.bytes_reserved()
    }

    /// The operand words of node `i`, padded with zeros to three.
    #[inline]
    pub(crate) fn words(&mut self, i: usize) -> [u32; 3] {
        let start = self.offset(i);
        let w = &self.args[start..start + self.ops[i].words()];
        // By count, not `copy_from_slice`: a copy of a length known only at
        // run time is a call to `memcpy`, which costs more than the words.
        match *w {
            [] => [0; 3],
            [a] => [a, 0, 0],
            [a, b] => [a, b, 0],
            [a, b, c, ..] => [a, b, c],
        }
    }

    /// Where the words of node `i` start, extending the index as needed.
    /// Callers check `i < len` first: nothing panics while the tape is
    /// borrowed.
    #[inline]
    pub(super) fn offset(&mut self, i: usize) -> usize {
        debug_assert!(i < self.ops.len());
        if self.offsets.len() <= i {
            self.extend_offsets();
        }
        self.offsets[i]
    }

    /// Indexes every node's words that `offsets` does not yet hold.
    #[cold]
    #[inline(never)]
    fn extend_offsets(&mut self) {
        let mut at = match self.offsets.last() {
            Some(&last) => last + self.ops[self.offsets.len() - 1].words(),
            None => 0,
        };
        let from = self.offsets.len();
        self.offsets.reserve(self.ops.len() - from);
        for op in &self.ops[from..] {
            self.offsets.push(at);
            at += op.words();
        }
    }

    /// Calls `f` with each input of node `i`. Inlined, as it was as a free
    /// function of the sweeps: reachability runs it for every node.
    #[inline]
    pub(crate) fn for_each_input(&mut self, i: usize, mut f: impl FnMut(u32)) {
        let [a, b, _] = self.words(i);
        match self.ops[i].shape() {
            Shape::Nullary => {}
            Shape::Unary | Shape::UnaryConst { .. } => f(a),
            Shape::Binary => {
                f(a);
                f(b);
            }
            Shape::Nary | Shape::Custom => self.lists[a as usize..(a + b) as usize]
                .iter()
                .for_each(|&x| f(x)),
            Shape::Dot => (a..a + b).for_each(f),
        }
    }

    /// How many inputs node `i` has.
    pub(crate) fn input_count(&mut self, i: usize) -> usize {
        let mut n = 0;
        self.for_each_input(i, |_| n += 1);
        n
    }

    /// Where the words after node `out` start: the stream walked back from
    /// its end, which is where a sweep from the last node starts.
    pub(crate) fn words_end(&self, out: usize) -> usize {
        let after: usize = self.ops[out + 1..].iter().map(|op| op.words()).sum();
        self.args.len() - after
    }
}
