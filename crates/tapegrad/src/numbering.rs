//! The numbering shared by error messages and graph dumps: which id each
//! tape node gets in the dump of some outputs' graph (`%0, %1, …`).
//!
//! The rule (the graph module's docs state it for users): walk depth-first
//! from each output in turn, visiting a node's operands in operand order;
//! nodes without inputs come first, in the order the walk meets them, and
//! every other node follows in the walk's post-order. [`walk`] does this
//! once for both the error of a non-finite node (`backward::non_finite_error`) and the views, so an
//! error names a node by the id its dump shows.

use crate::op::{Op, Shape};
use crate::tape::{Node, State};

/// Marks a tape index the walk has not reached.
const UNSEEN: usize = usize::MAX;

/// Which nodes a walk keeps, from the views' options (the defaults are
/// the plain text dump's, which errors number by).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Rules {
    /// Only named nodes, leaves and outputs get ids; the rest fold into
    /// their users' expressions (the views' `Detail::Named`).
    pub(crate) named: bool,
    /// The constants of ops get nodes of their own (the views'
    /// `Constants::AsNodes`; ignored with `named`).
    pub(crate) constants_as_nodes: bool,
}

/// What an operand position of a recorded node refers to.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Source {
    /// A tape node, and the input slot its partial is reported in.
    Node { index: usize, slot: usize },
    /// The op's own constant.
    Const(f64),
}

/// A numbered node, by its position in the [`Walk`]; its id is its place
/// in the list [`walk`] returns.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Item {
    Tape(usize),
    /// The constant of the op at this position, as a node.
    ConstOf(usize),
}

/// The nodes a walk met, in the order it met them, found by tape index
/// through a dense table (every walked index is at most the largest root's,
/// since a node's inputs come before it on the tape).
pub(crate) struct Walk {
    /// Position in `nodes` by tape index, or [`UNSEEN`].
    position: Vec<usize>,
    /// Whether each tape index is a root, by tape index.
    is_root: Vec<bool>,
    pub(crate) nodes: Vec<Walked>,
}

/// A walked node.
pub(crate) struct Walked {
    pub(crate) node: Node,
    pub(crate) sources: Vec<Source>,
    /// Its id, once numbered, if it gets a node of its own.
    pub(crate) id: Option<usize>,
    /// The id of its op's constant shown as a node.
    pub(crate) const_id: Option<usize>,
}

impl Walk {
    /// An empty walk from `roots` (distinct tape indices).
    fn new(roots: &[usize]) -> Walk {
        let bound = roots.iter().max().map_or(0, |&m| m + 1);
        let mut is_root = vec![false; bound];
        roots.iter().for_each(|&r| is_root[r] = true);
        Walk {
            position: vec![UNSEEN; bound],
            is_root,
            nodes: Vec::new(),
        }
    }

    /// Reads the node at tape index `index` and returns its position.
    fn add(&mut self, tape: &State, index: usize) -> usize {
        let node = tape.node_view(index);
        let sources = sources(&node);
        let p = self.nodes.len();
        self.position[index] = p;
        self.nodes.push(Walked {
            node,
            sources,
            id: None,
            const_id: None,
        });
        p
    }

    /// The walk position of the node at tape index `index`, if walked
    /// (not for a folded constant).
    pub(crate) fn position(&self, index: usize) -> Option<usize> {
        self.position.get(index).copied().filter(|&p| p != UNSEEN)
    }

    /// The walked node at tape index `index`; `None` for a folded constant.
    pub(crate) fn get(&self, index: usize) -> Option<&Walked> {
        self.position(index).map(|p| &self.nodes[p])
    }

    /// The id of the node at tape index `index`, if it has a node of its
    /// own.
    pub(crate) fn id(&self, index: usize) -> Option<usize> {
        self.get(index).and_then(|w| w.id)
    }

    /// Whether tape index `index` is one of the walk's roots.
    pub(crate) fn is_root(&self, index: usize) -> bool {
        self.is_root.get(index).copied().unwrap_or(false)
    }
}

/// The operand positions of `node`, constants in the place the dumps print
/// them.
pub(crate) fn sources(node: &Node) -> Vec<Source> {
    let inputs = node
        .inputs
        .iter()
        .enumerate()
        .map(|(slot, &index)| Source::Node { index, slot });
    match (node.op.shape(), node.constant) {
        (Shape::UnaryConst { const_first: true }, Some(c)) => {
            std::iter::once(Source::Const(c)).chain(inputs).collect()
        }
        (Shape::UnaryConst { .. }, Some(c)) => {
            inputs.chain(std::iter::once(Source::Const(c))).collect()
        }
        // A dot product lists its inputs, then their coefficients.
        (Shape::Dot, _) => inputs
            .chain(node.coefficients.iter().map(|&c| Source::Const(c)))
            .collect(),
        _ => inputs.collect(),
    }
}

/// Walks the graph of `roots` (distinct tape indices, in the order their
/// dump lists them) and numbers the nodes that get a node of their own:
/// the walk, with ids set, and the numbered items in id order.
pub(crate) fn walk(tape: &State, roots: &[usize], rules: Rules) -> (Walk, Vec<Item>) {
    let mut walk = Walk::new(roots);
    let (nullary, interior) = depth_first(tape, &mut walk, roots, rules);
    let order: Vec<Item> = nullary
        .into_iter()
        .chain(interior.into_iter().map(Item::Tape))
        .collect();
    for (id, &item) in order.iter().enumerate() {
        match item {
            Item::Tape(p) => walk.nodes[p].id = Some(id),
            Item::ConstOf(p) => walk.nodes[p].const_id = Some(id),
        }
    }
    (walk, order)
}

/// The depth-first walk in operand order, with an explicit stack (a chain
/// can be millions of nodes deep): the kept nodes without operands (and
/// constants as nodes) in the order it meets them, and the other kept
/// nodes' positions in post-order.
fn depth_first(
    tape: &State,
    walk: &mut Walk,
    roots: &[usize],
    rules: Rules,
) -> (Vec<Item>, Vec<usize>) {
    let named = rules.named;
    let as_nodes = rules.constants_as_nodes && !named;
    // A recorded constant that is not an output is printed where it is
    // used, unless constants are shown as nodes.
    let folded = |walk: &Walk, i: usize| {
        !as_nodes && !walk.is_root(i) && tape.with(|t| t.ops()[i]) == Op::Const && {
            !named || tape.name_of(i as u32).is_none()
        }
    };
    // Which walked nodes get a node of their own.
    let kept = |walk: &Walk, node: &Node| {
        !named || walk.is_root(node.index) || node.op == Op::Leaf || node.name.is_some()
    };
    let mut nullary: Vec<Item> = Vec::new();
    let mut interior: Vec<usize> = Vec::new();
    // (position in the walk, next source)
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for &root in roots {
        if walk.position(root).is_some() {
            continue;
        }
        stack.push((walk.add(tape, root), 0));
        while let Some(top) = stack.last_mut() {
            let (p, k) = *top;
            let w = &walk.nodes[p];
            if k < w.sources.len() {
                top.1 += 1;
                match w.sources[k] {
                    Source::Node { index, .. } => {
                        if walk.position(index).is_none() && !folded(walk, index) {
                            stack.push((walk.add(tape, index), 0));
                        }
                    }
                    Source::Const(_) => {
                        // A dot's coefficients stay inline: they are
                        // many constants of one node.
                        if as_nodes && w.node.op != Op::Dot {
                            nullary.push(Item::ConstOf(p));
                        }
                    }
                }
            } else {
                stack.pop();
                if !kept(walk, &w.node) {
                    continue;
                }
                if w.sources.is_empty() {
                    nullary.push(Item::Tape(p));
                } else {
                    interior.push(p);
                }
            }
        }
    }
    (nullary, interior)
}

/// The ids of the dump of `output`'s graph with the default options (the
/// plain text dump), by tape index: what error messages name nodes by.
pub(crate) fn ids_of(tape: &State, output: usize) -> Walk {
    walk(tape, &[output], Rules::default()).0
}
