//! Read-only views of recorded nodes: `Node`, partials, handles by index.

#[allow(clippy::wildcard_imports)]
use super::*;

impl Tape {
    /// A read-only view of node `index`.
    ///
    /// ```
    /// use tapegrad::{Op, Tape};
    ///
    /// let tape = Tape::new();
    /// let x = tape.var(2.0).named("x");
    /// let y = x * 3.0;
    /// let node = tape.node(y.index());
    /// assert_eq!((node.op, node.value, node.constant), (Op::MulConst, 6.0, Some(3.0)));
    /// assert_eq!(node.inputs.as_slice(), &[x.index()]);
    /// ```
    ///
    /// # Panics
    /// If `index` is not below [`Tape::len`].
    ///
    /// Its value is a read, noted as [`Var::value`] notes one: code may
    /// branch on it.
    #[track_caller]
    pub fn node(&self, index: usize) -> Node {
        self.state().node(index)
    }

    /// The local partial derivatives of node `index` with respect to each of
    /// its inputs, in operand order, as the backward sweep uses them (0 where
    /// the op table takes the derivative as zero, e.g. relu below 0).
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let (x, y) = (tape.var(2.0), tape.var(5.0));
    /// let z = x * y;
    /// assert_eq!(tape.partials(z.index()), vec![5.0, 2.0]); // ∂z/∂x = y, ∂z/∂y = x
    /// let r = (-x).relu();
    /// assert_eq!(tape.partials(r.index()), vec![0.0]); // relu at -2
    /// assert!(tape.partials(x.index()).is_empty()); // a leaf has no inputs
    /// ```
    ///
    /// # Panics
    /// If `index` is not below [`Tape::len`], or a custom op's `partials`
    /// does not give one partial per input.
    #[track_caller]
    pub fn partials(&self, index: usize) -> Vec<f64> {
        self.state().partials(index)
    }

    /// Views of every node, in tape order.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let x = tape.var(2.0).named("x");
    /// let _y = (x + 1.0).exp();
    /// let ops: Vec<String> = tape.nodes().map(|n| n.op_name().to_string()).collect();
    /// assert_eq!(ops, ["var", "add", "exp"]);
    /// ```
    ///
    /// Each node's value is a read, as with [`Tape::node`].
    #[track_caller]
    pub fn nodes(&self) -> impl Iterator<Item = Node> + '_ {
        self.state().nodes()
    }

    /// A handle to node `index`, to read or record from it.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let x = tape.var(2.0);
    /// let y = x * 3.0;
    /// let again = tape.get(y.index()); // the same node as y
    /// assert_eq!(again.value(), 6.0);
    /// assert_eq!(again.backward()[x], 3.0); // d(3x)/dx
    /// ```
    ///
    /// # Panics
    /// If `index` is not below [`Tape::len`].
    #[track_caller]
    pub fn get(&self, index: usize) -> Var {
        self.state().get(index)
    }
}

impl State {
    /// [`Tape::node`].
    #[track_caller]
    pub(crate) fn node(&self, index: usize) -> Node {
        self.check_index(index);
        self.note_read(index as u32);
        self.node_view(index)
    }

    /// [`Tape::node`] for the engine's own views and errors, which never
    /// note a read. Callers check `index` first.
    pub(crate) fn node_view(&self, index: usize) -> Node {
        let mut node = self.with(|t| {
            let op = t.ops[index];
            let [a, b, k] = t.words(index);
            let inline = op::inline_constant(b, k);
            let mut coefficients = Vec::new();
            let (inputs, constant) = match op.shape() {
                Shape::Nullary => (Vec::new(), None),
                Shape::Unary => (vec![a as usize], None),
                Shape::UnaryConst { .. } => (vec![a as usize], Some(inline)),
                Shape::Binary => (vec![a as usize, b as usize], None),
                Shape::Nary | Shape::Custom => (
                    t.lists[a as usize..(a + b) as usize]
                        .iter()
                        .map(|&i| i as usize)
                        .collect(),
                    None,
                ),
                Shape::Dot => {
                    coefficients = t.consts[k as usize..(k + b) as usize].to_vec();
                    ((a as usize..(a + b) as usize).collect(), None)
                }
            };
            let node = Node {
                index,
                op,
                inputs,
                constant,
                coefficients,
                value: t.values[index],
                name: t.names.get(&(index as u32)).map(|n| n.to_string()),
                backward: in_ranges(&t.backward, index as u32),
                location: t.locations.as_ref().map(|l| l[index]),
                custom_name: None,
            };
            (node, (op == Op::Custom).then_some(k))
        });
        // The user's `name` runs after the borrow has ended.
        if let Some(id) = node.1 {
            node.0.custom_name = Some(self.custom_op(id).name().to_string());
        }
        node.0
    }

    /// [`Tape::partials`].
    #[track_caller]
    pub(crate) fn partials(&self, index: usize) -> Vec<f64> {
        self.check_index(index);
        if self.with(|t| t.ops[index]) == Op::Custom {
            let call = Call::of(self, index);
            return call.partials_f64(self).into_iter().collect();
        }
        self.sends(index, 1.0)
            .into_iter()
            .map(|d| d.unwrap_or(0.0))
            .collect()
    }

    /// What the numeric sweep sends from node `index`, whose adjoint is
    /// `g`, to each of its inputs, in operand order: the op table's
    /// vector-Jacobian product, `None` where it sends nothing. It can
    /// differ from `partials × g` in the last bit (`ln` sends `g / x`).
    pub(crate) fn sends(&self, index: usize, g: f64) -> Vec<Option<f64>> {
        if self.with(|t| t.ops[index]) == Op::Custom {
            let call = Call::of(self, index);
            return call
                .partials_f64(self)
                .into_iter()
                .map(|p| Some(g * p))
                .collect();
        }
        self.with(|t| {
            let partials = SmallVec::from_elem(None, t.input_count(index));
            let words = t.words(index);
            let mut p = Partials { t, words, partials };
            op::pullback(&mut p, t.ops[index], || t.values[index], g);
            p.partials.into_vec()
        })
    }

    /// [`Tape::nodes`].
    #[track_caller]
    pub(crate) fn nodes(&self) -> impl Iterator<Item = Node> + '_ {
        let at = Location::caller();
        (0..self.len()).map(move |i| {
            self.with(|t| t.notes.read(i as u32, Some(at)));
            self.node_view(i)
        })
    }

    /// [`Tape::get`].
    #[track_caller]
    pub(crate) fn get(&self, index: usize) -> Var {
        // The length never exceeds the limit, at most `u32::MAX`, so the
        // index fits in a `u32` once it is below it.
        self.check_index(index);
        Var {
            value: self.with(|t| t.values[index]),
            id: self.id(),
            index: index as u32,
        }
    }
}

/// Collects the partials of one node by operand slot.
struct Partials<'a> {
    t: &'a Inner,
    words: [u32; 3],
    partials: SmallVec<[Option<f64>; 2]>,
}

impl op::Pullback for Partials<'_> {
    type S = f64;
    fn arg(&self, j: usize) -> u32 {
        self.words[j]
    }
    fn input(&mut self, index: u32) -> f64 {
        self.t.values[index as usize]
    }
    fn constant(&mut self, k: u32) -> f64 {
        self.t.consts[k as usize]
    }
    fn list_input(&mut self, start: u32, i: u32) -> u32 {
        self.t.lists[(start + i) as usize]
    }
    fn accumulate(&mut self, slot: u32, _index: u32, d: f64) {
        self.partials[slot as usize] = Some(d);
    }
    fn custom(&mut self, _out: f64, _g: f64) {
        // `Tape::partials` reads a custom node's partials before it gets
        // here, outside the tape's borrow.
    }
}

/// Whether `index` lies in one of `ranges`, sorted and disjoint: a binary
/// search, so asking for every node costs `n log r`, not `n·r`.
fn in_ranges(ranges: &[std::ops::Range<u32>], index: u32) -> bool {
    let after = ranges.partition_point(|r| r.start <= index);
    after > 0 && ranges[after - 1].contains(&index)
}

/// A read-only view of one recorded node, for dumps and inspection.
///
/// ```
/// use tapegrad::{Op, Tape};
///
/// let tape = Tape::new();
/// let x = tape.var(4.0).named("x");
/// let y = x.sqrt();
/// let node = tape.node(y.index());
/// assert_eq!((node.op, node.value, &node.inputs[..]), (Op::Sqrt, 2.0, &[0][..]));
/// assert_eq!((node.name, node.constant, node.backward), (None, None, false));
/// assert_eq!(tape.node(x.index()).name.as_deref(), Some("x"));
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Node {
    /// Position on the tape.
    pub index: usize,
    /// The recorded operation.
    pub op: Op,
    /// Indices of the input nodes, in operand order.
    pub inputs: Vec<usize>,
    /// The op's constant operand, if it has one (the exponent of `powi` as
    /// an exact `f64`).
    pub constant: Option<f64>,
    /// The coefficients of a [`Op::Dot`], one per input (empty for other
    /// ops).
    pub coefficients: Vec<f64>,
    /// The value computed when the node was recorded.
    pub value: f64,
    /// The node's name, if it was given one with [`Var::named`].
    pub name: Option<String>,
    /// Whether the node was recorded by [`Var::grad_graph`], as part of a
    /// gradient's graph.
    pub backward: bool,
    /// Where the node was recorded, on a tape made by
    /// [`Tape::with_locations`].
    pub location: Option<&'static Location<'static>>,
    /// The name of a custom op's node.
    custom_name: Option<String>,
}

impl Node {
    /// The op's name as dumps print it: [`Op::name`], or a custom op's
    /// [`CustomOp::name`].
    ///
    /// ```
    /// use tapegrad::{Op, Tape};
    ///
    /// let tape = Tape::new();
    /// let x = tape.var(2.0);
    /// let node = tape.node((1.0 - x).index());
    /// // `1 - x` and `x - 1` are two ops with one name
    /// assert_eq!((node.op, node.op_name()), (Op::ConstSub, "sub"));
    /// ```
    pub fn op_name(&self) -> &str {
        self.custom_name.as_deref().unwrap_or(self.op.name())
    }
}
