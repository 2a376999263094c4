//! Recording: leaves, blocks, constants, sums, custom ops, and the one
//! checked append every operator goes through.

#[allow(clippy::wildcard_imports)]
use super::*;

impl Tape {
    /// A new leaf: an input that gradients can be taken with respect to.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let x = tape.var(1.5);
    /// assert_eq!(x.value(), 1.5);
    /// assert_eq!(x.backward()[x], 1.0); // dx/dx = 1
    /// ```
    #[inline]
    #[track_caller]
    pub fn var(&self, value: f64) -> Var {
        self.state().push(Op::Leaf, [], value)
    }

    /// A block of leaves, one per value, at consecutive tape positions: the
    /// weights of a layer, say. Recording them is a copy of `values`, their
    /// gradients come back as one slice
    /// ([`Gradients::wrt_vars`](crate::Gradients::wrt_vars)), and
    /// [`Vars::dot`] takes their weighted sum as one node.
    ///
    /// ```
    /// use tapegrad::Tape;
    ///
    /// let tape = Tape::new();
    /// let w = tape.vars(&[1.0, 2.0, 3.0]);
    /// let b = tape.var(0.5);
    /// let z = w.dot(&[4.0, 5.0, 6.0]) + b; // 4 + 10 + 18 + 0.5
    /// assert_eq!(z.value(), 32.5);
    /// let g = z.backward();
    /// // ∂z/∂wᵢ = xᵢ
    /// assert_eq!(&g.wrt_vars(w)[..], &[4.0, 5.0, 6.0]);
    /// assert_eq!(g.wrt(w.get(1)), 5.0);
    /// ```
    ///
    /// # Panics
    /// If the tape would hold more than `u32::MAX` nodes.
    #[track_caller]
    pub fn vars(&self, values: &[f64]) -> Vars {
        self.state().vars(values)
    }

    /// A recorded constant: it appears in dumps, but it is not a leaf, and
    /// [`Gradients::leaves`](crate::Gradients::leaves) skips it.
    ///
    /// ```
    /// use tapegrad::{Op, Tape};
    ///
    /// let tape = Tape::new();
    /// let x = tape.var(2.0);
    /// let c = tape.constant(3.0);
    /// let y = x * c;
    /// assert_eq!(c.op(), Op::Const);
    /// let g = y.backward();
    /// assert_eq!(g[x], 3.0); // dy/dx = c
    /// assert_eq!(g.leaves().len(), 1); // x only
    /// ```
    #[track_caller]
    pub fn constant(&self, value: f64) -> Var {
        self.state().push(Op::Const, [], value)
    }

    /// The sum of any number of `Var`s, recorded as one node: a slice, a
    /// `Vec`, or any iterator of `Var`s or `&Var`s. An empty sum is 0.
    ///
    /// ```
    /// use tapegrad::Tape;
    ///
    /// let tape = Tape::new();
    /// let xs = vec![tape.var(1.0), tape.var(2.0), tape.var(3.0)];
    /// let s = tape.sum(&xs);
    /// assert_eq!(s.value(), 6.0);
    /// let squares = tape.sum(xs.iter().map(|&x| x * x));
    /// assert_eq!(squares.value(), 14.0);
    /// assert_eq!(tape.sum(&xs[..0]).value(), 0.0);
    /// // ∂s/∂xᵢ = 1 for every term
    /// assert_eq!(s.backward().wrt_all(&xs), vec![1.0, 1.0, 1.0]);
    /// ```
    ///
    /// # Panics
    /// If a `Var` belongs to another tape, or the tape would hold more than
    /// its limit of input-list entries.
    #[track_caller]
    pub fn sum<T: Borrow<Var>>(&self, terms: impl IntoIterator<Item = T>) -> Var {
        self.state().sum(terms)
    }

    /// Records a node of the user's own op `op` over `inputs`: its value is
    /// `op.value` of theirs, and every sweep ([`Var::backward`],
    /// [`Var::try_backward`], [`Var::grad_graph`], and so Hessians) reads
    /// `op.partials`. Dumps show it by [`CustomOp::name`].
    ///
    /// ```
    /// use tapegrad::{CustomOp, Real, Tape};
    ///
    /// /// `x·eʸ`, one node with two inputs.
    /// struct XExpY;
    ///
    /// impl CustomOp for XExpY {
    ///     fn name(&self) -> &str {
    ///         "x_exp_y"
    ///     }
    ///     fn value(&self, x: &[f64]) -> f64 {
    ///         x[0] * x[1].exp()
    ///     }
    ///     fn partials<R: Real>(&self, x: &[R], out: R) -> Vec<R> {
    ///         // ∂/∂x = eʸ, ∂/∂y = x·eʸ (the output)
    ///         vec![x[1].exp(), out]
    ///     }
    /// }
    ///
    /// let tape = Tape::new();
    /// let (x, y) = (tape.var(3.0), tape.var(0.0));
    /// let z = tape.custom(XExpY, &[x, y]);
    /// assert_eq!(z.value(), 3.0);
    /// let g = z.backward();
    /// assert_eq!((g[x], g[y]), (1.0, 3.0));
    /// // ∂²z/∂x∂y = eʸ = 1, through the recorded gradient graph
    /// let dz_dy = z.grad_graph(&[y])[0];
    /// assert_eq!(dz_dy.backward()[x], 1.0);
    /// ```
    ///
    /// # Panics
    /// If a `Var` belongs to another tape, or the tape would pass its limits.
    /// A sweep panics, naming the op, if `partials` does not return one
    /// partial per input.
    #[track_caller]
    pub fn custom<C>(&self, op: C, inputs: &[Var]) -> Var
    where
        C: CustomOp + Send + Sync + 'static,
    {
        self.state().custom(op, inputs)
    }
}

impl State {
    /// Drops the terms of a sum that will not be recorded.
    #[cold]
    pub(super) fn abandon_sum(&self, base: usize, depth: usize) {
        self.with(|t| {
            if t.open_sums == depth {
                t.scratch.truncate(base);
                t.open_sums = depth - 1;
            }
        });
    }

    /// Opens a sum: its terms go on the scratch stack from the returned
    /// base, at the returned nesting depth.
    #[inline]
    pub(super) fn open_sum(&self) -> (usize, usize) {
        self.with(|t| {
            t.open_sums += 1;
            (t.scratch.len(), t.open_sums)
        })
    }

    /// Records the sum whose terms lie on the scratch stack from `base`.
    #[inline(never)]
    #[track_caller]
    pub(super) fn close_sum(&self, base: usize, depth: usize, value: f64) -> Var {
        let gathered = self.with(|t| {
            if t.open_sums != depth {
                // A sum recorded by the iterator panicked and the panic was
                // caught: its inputs are mixed into ours.
                t.scratch.truncate(base);
                t.open_sums = depth - 1;
                return Err(None);
            }
            t.open_sums -= 1;
            let (start, len) = (t.lists.len(), t.scratch.len() - base);
            // The list and the node must both fit, checked before either
            // is stored; then `start + len` and every `start + i` the
            // sweep forms stay below the limit, within `u32`.
            if !t.fits(start, len) || !t.fits(t.ops.len(), 1) {
                t.scratch.truncate(base);
                return Err(Some(if t.fits(start, len) {
                    Full::Nodes
                } else {
                    Full::Lists
                }));
            }
            t.lists.extend(t.scratch.drain(base..));
            Ok((start as u32, len as u32))
        });
        match gathered {
            Ok((start, len)) => self.push(Op::Sum, [start, len], value),
            Err(None) => interrupted(),
            Err(Some(full)) => self.full(full),
        }
    }

    /// [`Tape::vars`].
    #[track_caller]
    pub(crate) fn vars(&self, values: &[f64]) -> Vars {
        let at = Location::caller();
        let start = self.with(|t| {
            let start = t.ops.len();
            if !t.fits(start, values.len()) {
                return Err(Full::Nodes);
            }
            t.ops.resize(start + values.len(), Op::Leaf);
            t.values.extend_from_slice(values);
            t.set_room();
            t.locate(at, values.len());
            Ok(start)
        });
        let start = start.unwrap_or_else(|full| self.full(full));
        Vars {
            id: self.id(),
            start: start as u32,
            len: values.len() as u32,
        }
    }

    /// [`Tape::sum`].
    #[track_caller]
    pub(crate) fn sum<T: Borrow<Var>>(&self, terms: impl IntoIterator<Item = T>) -> Var {
        // The iterator is user code that may itself record, even another
        // sum: gather the inputs on the tape's scratch stack, where a nested
        // sum works above this one's segment and leaves it as it found it.
        // Only the gathering loop is generic; the rest is one function for
        // every sum, which keeps each caller's copy small enough to inline.
        let (base, depth) = self.open_sum();
        // From -0, as f64's `Sum` starts, so that a sum of -0s (or of no
        // term) is -0 as for `f64`; `x + -0 == x` for every other x.
        let mut value = -0.0;
        for term in terms {
            let term = *term.borrow();
            let index = self.node_of(term);
            value += term.value;
            // The terms gathered (this sum's and any enclosing one's) are
            // input-list entries to be: they count toward the limit before
            // the stack grows (checked only then, which costs a loop of
            // pushes nothing; `close_sum` checks the exact count).
            let pushed = self.with(|t| {
                let full = t.scratch.len() == t.scratch.capacity()
                    && !t.fits(t.lists.len() + t.scratch.len(), 1);
                if !full {
                    t.scratch.push(index);
                }
                !full
            });
            if !pushed {
                self.abandon_sum(base, depth);
                self.full(Full::Lists);
            }
        }
        self.close_sum(base, depth, value)
    }

    /// [`Tape::custom`].
    #[track_caller]
    pub(crate) fn custom<C>(&self, op: C, inputs: &[Var]) -> Var
    where
        C: CustomOp + Send + Sync + 'static,
    {
        self.custom_shared(Arc::new(op), inputs)
    }

    /// Records a custom node of `op`, which other nodes may share.
    #[track_caller]
    pub(crate) fn custom_shared(&self, op: Arc<dyn Erased>, inputs: &[Var]) -> Var {
        // Constant inputs become `const` nodes: a custom node's inputs are
        // nodes.
        let nodes: Vec<u32> = inputs.iter().map(|&v| self.node_of(v)).collect();
        let xs: Vec<f64> = inputs.iter().map(|v| v.value).collect();
        let value = op.value(&xs);
        let at = Location::caller();
        let id = self.customs.borrow().len();
        // The closure stores indices only: the op is stored after it, and
        // on a full tape it is dropped after it, with no borrow live.
        let index = self.with(|t| {
            let start = t.lists.len();
            if !t.fits(start, inputs.len()) {
                return Err(Full::Lists);
            }
            if !t.fits(id, 1) || !t.fits(t.ops.len(), 1) {
                return Err(Full::Nodes);
            }
            t.lists.extend_from_slice(&nodes);
            let words = [start as u32, inputs.len() as u32, id as u32];
            let index = t.push_node3(Op::Custom, words, value).ok_or(Full::Nodes)?;
            t.locate(at, 1);
            Ok(index)
        });
        match index {
            Ok(index) => {
                self.customs.borrow_mut().push(op);
                self.handle(index, value)
            }
            Err(full) => {
                drop(op);
                self.full(full)
            }
        }
    }

    /// [`Tape::constant`].
    #[track_caller]
    pub(crate) fn constant(&self, value: f64) -> Var {
        self.push(Op::Const, [], value)
    }

    #[inline(always)]
    #[track_caller]
    pub(crate) fn push<const N: usize>(&self, op: Op, words: [u32; N], value: f64) -> Var {
        let index = self.push_index(op, words, value);
        self.handle(index as usize, value)
    }

    /// [`State::push`], giving the new node's index: for a `Var` that
    /// already holds the recording's id.
    #[inline(always)]
    #[track_caller]
    pub(crate) fn push_index<const N: usize>(&self, op: Op, words: [u32; N], value: f64) -> u32 {
        match self.with(|t| t.push_fast(op, words, value)) {
            // Below the room, which is below the limit: it fits in a `u32`.
            Some(index) => index as u32,
            None => {
                // Words go by value in two registers: an array goes through
                // memory, and the fast path's writes then read it back from
                // there, a load that spans two stores and waits for both.
                let mut packed = [0u64; 2];
                for (j, &w) in words.iter().enumerate() {
                    packed[j / 2] |= u64::from(w) << (32 * (j % 2));
                }
                self.push_slow::<N>(op, packed[0], packed[1], value)
            }
        }
    }

    /// [`State::push_index`] past the counted room: grows the buffers, notes
    /// the location on a tape that keeps them, or panics on a full tape.
    /// Out of line and on its own, so that the fast path inlined into the
    /// user's code is a test and the writes, with nothing kept across a call.
    #[cold]
    #[inline(never)]
    #[track_caller]
    fn push_slow<const N: usize>(&self, op: Op, low: u64, high: u64, value: f64) -> u32 {
        // The words as `push_index` packed them, two to a `u64`.
        let words: [u32; N] = std::array::from_fn(|j| {
            let packed = if j < 2 { low } else { high };
            (packed >> (32 * (j % 2))) as u32
        });
        let at = Location::caller();
        match self.with(|t| t.push_past_room(op, words, value, at)) {
            // Below the limit, at most `u32::MAX`: it fits.
            Some(index) => index as u32,
            None => self.full(Full::Nodes),
        }
    }

    /// The `Var` of the node just recorded at `index` (below the limit, so
    /// it fits in a `u32`).
    #[inline(always)]
    pub(super) fn handle(&self, index: usize, value: f64) -> Var {
        Var {
            value,
            id: self.id(),
            index: index as u32,
        }
    }

    pub(crate) fn name_of(&self, index: u32) -> Option<String> {
        self.with(|t| t.names.get(&index).map(|n| n.to_string()))
    }

    /// Records an op with one input and a constant operand, the constant's
    /// bits in the node's own operand words ([`op::constant_words`]).
    #[inline(always)]
    #[track_caller]
    pub(crate) fn push_with_const(&self, op: Op, input: u32, c: f64, value: f64) -> u32 {
        let [low, high] = op::constant_words(c);
        self.push_index(op, [input, low, high], value)
    }
}
