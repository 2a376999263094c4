//! Graph dumps: the part of a tape that an output depends on, as a
//! [`petgraph`] graph, a text listing, Graphviz DOT and an SVG picture.
//!
//! ```
//! use tapegrad::{Graph, Tape};
//!
//! let tape = Tape::new();
//! let w = tape.var(3.0).named("w");
//! let b = tape.var(4.0).named("b");
//! let x = (2.0 * w + 3.0 * b).named("x");
//! let y = (2.0 * b + 1.0).named("y");
//! let z = (x * y).named("z");
//!
//! // The forward graph: one line per node, inputs before the nodes using them.
//! let graph = Graph::of(z);
//! assert_eq!(graph.to_string().lines().nth(5).unwrap(), "%4 `x` = add %2, %3 = 18");
//!
//! // With gradients: each node's adjoint ∂z/∂node and each edge's local partial.
//! let g = z.backward();
//! let graph = Graph::with_gradients(&g);
//! let text = graph.to_text();
//! assert!(text.contains("%0 `w` = var = 3 ; adjoint 18"));
//! assert!(text.contains("%2 = mul %0, 2 = 6 ; adjoint 9 ; partials %0: 2"));
//!
//! // The same graph as DOT (through petgraph), as an SVG picture, or as a
//! // petgraph graph to run algorithms on (features `petgraph` and `svg`).
//! #[cfg(feature = "petgraph")]
//! {
//!     assert!(graph.to_dot().contains(r#"label = "w = 3\nvar\n∂z/∂w = 18""#));
//!     let pg = graph.to_petgraph();
//!     assert_eq!((pg.node_count(), pg.edge_count()), (8, 8));
//! }
//! #[cfg(feature = "svg")]
//! assert!(graph.to_svg().starts_with("<?xml"));
//! ```
//!
//! # One graph, three views
//!
//! A [`Graph`] selects nodes from the tape once; [`Graph::to_text`] (also its
//! [`Display`](fmt::Display)), [`Graph::to_dot`], [`Graph::to_svg`] and
//! [`Graph::to_petgraph`] all derive from that selection. Op names come from
//! the op table ([`Op::name`]) and partials from [`Tape::partials`], the
//! numbers the backward sweep uses.
//!
//! Options: [`Constants`] (constants folded into their users, or nodes of
//! their own), [`Detail`] (every node, or only the named ones as the
//! tutorial draws them, the rest folded into expressions) and [`Direction`]
//! (pictures left to right or top to bottom). Nodes recorded by
//! [`Var::grad_graph`] (the backward part) are marked in every view: a
//! `; backward` tag in the text, an orange dashed style in DOT and SVG.
//! [graph-dumps.md](https://github.com/tapegrad/tapegrad/blob/main/docs/graph-dumps.md) describes every format with samples.
//!
//! # Names
//!
//! The text dump writes a name between backticks as the contents of a Rust
//! string literal ([`str::escape_debug`]): `\"`, `\\`, `\n`, `\0`, and
//! `\u{1b}` for ESC, U+FFFE and any other character that does not print.
//! The pictures show the same escapes, except that quotes and backslashes
//! appear as they are and a line break breaks the label; so whatever a
//! name holds, the SVG is XML 1.0 and the DOT reads in Graphviz. They also
//! cut a name past 1,000 characters, escapes included, giving its length
//! (`xxx… (20000 characters)`), an op or expression line past 1,000
//! characters, and a DOT string past 12,000 bytes (Graphviz reads quoted
//! strings of up to 16,384).
//!
//! # Determinism
//!
//! Every view is byte-identical from run to run and machine to machine:
//!
//! - Nodes are numbered `%0, %1, …` in a *canonical order* that depends only
//!   on the graph's structure as seen from its outputs, not on tape indices.
//!   The rule: walk depth-first from each output in turn, visiting a node's
//!   operands in operand order; nodes without inputs (leaves, constants) come
//!   first, in the order the walk meets them; every other node follows in the
//!   walk's post-order (a node right after its last operand). This is a
//!   topological order (operands before users); it is the tape order for the
//!   usual recording (leaves first, then the expression left to right); and
//!   two recordings that differ only in the order their independent leaves
//!   (or subexpressions) were created dump identically. Only
//!   [`GraphNode::tape_index`] tells them apart.
//! - Numbers print as the shortest decimal that parses back to the same
//!   `f64` (Rust's `{:?}`), with a trailing `.0` dropped: `3`, `0.1`,
//!   `-0.5`, `1e300`, `NaN`, `inf`. See [`format_number`].
//! - Nothing iterates a hash map; the SVG layout is a deterministic
//!   function of the node and edge lists (so is the choice between the two
//!   layouts, see [`Graph::to_svg`]), and coordinates are rounded to one
//!   decimal.

// The picture helpers serve the DOT and SVG views; a build without
// either (features `petgraph` and `svg` off) leaves some unused.
#![cfg_attr(not(all(feature = "petgraph", feature = "svg")), allow(dead_code))]

use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};
use std::fmt::{self, Write as _};
use std::hash::{BuildHasherDefault, Hasher};
use std::path::Path;

#[cfg(feature = "petgraph")]
use petgraph::dot::{Config, Dot};
#[cfg(feature = "petgraph")]
use petgraph::graph::{DiGraph, NodeIndex};
#[cfg(feature = "petgraph")]
use petgraph::visit::EdgeRef;

use crate::backward::Gradients;
use crate::error::{Error, IoError, Result};
use crate::escape;
use crate::op::{Op, Shape};
use crate::tape::{Node, Tape, Var};

#[cfg(feature = "html")]
mod html;
#[cfg(feature = "svg")]
mod svg;

/// The petgraph crate that [`Graph::to_petgraph`] builds on, re-exported so
/// its algorithms are at hand in the matching version.
#[cfg(feature = "petgraph")]
#[cfg_attr(docsrs, doc(cfg(feature = "petgraph")))]
pub use petgraph;

/// Where constants appear in the views.
///
/// ```
/// use tapegrad::graph::{Constants, Graph};
/// use tapegrad::Tape;
///
/// let tape = Tape::new();
/// let x = tape.var(3.0).named("x");
/// let y = x * 2.0;
/// // Inline (the default): the 2 is an operand of the product.
/// assert!(Graph::of(y).to_text().contains("%1 = mul %0, 2 = 6"));
/// // As nodes: the 2 gets a node and an edge into the product.
/// let graph = Graph::of(y).constants(Constants::AsNodes);
/// assert_eq!((graph.nodes().len(), graph.edges().len()), (3, 2));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Constants {
    /// Constants are folded into the nodes that use them: `mul %0, 2`, and a
    /// recorded [`Tape::constant`] that is not an output is printed as its
    /// value where it is used.
    #[default]
    Inline,
    /// Every constant is a node of its own with an edge to its user: a
    /// recorded [`Tape::constant`] keeps its node, and the constant of an op
    /// like `x · 2` becomes a `const` node (one per use, with no tape index).
    /// [`Detail::Named`] folds constants into its expressions regardless.
    AsNodes,
}

/// Which way the DOT and SVG pictures flow, from inputs to outputs.
///
/// ```
/// use tapegrad::graph::{Direction, Graph};
/// use tapegrad::Tape;
///
/// assert_eq!(Direction::default(), Direction::LeftToRight);
/// let tape = Tape::new();
/// let x = tape.var(1.0).named("x");
/// let y = x.exp();
/// let graph = Graph::of(y).direction(Direction::TopToBottom);
/// # #[cfg(feature = "petgraph")]
/// assert!(graph.to_dot().contains("rankdir=\"TB\""));
/// // The text dump has no direction.
/// assert_eq!(graph.to_text(), Graph::of(y).to_text());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Direction {
    /// Inputs on the left, outputs on the right (Graphviz `rankdir=LR`).
    #[default]
    LeftToRight,
    /// Inputs on top, outputs at the bottom (Graphviz `rankdir=TB`).
    TopToBottom,
}

/// Which nodes get a node of their own.
///
/// ```
/// use tapegrad::graph::{Detail, Graph};
/// use tapegrad::Tape;
///
/// let tape = Tape::new();
/// let w = tape.var(3.0).named("w");
/// let x = (2.0 * w + 1.0).named("x");
/// assert_eq!(Graph::of(x).nodes().len(), 3); // w, 2w, x
/// let named = Graph::of(x).detail(Detail::Named);
/// assert_eq!(named.nodes().len(), 2); // w, and x with 2w folded in
/// assert_eq!(named.nodes()[1].expression.as_deref(), Some("add(mul(%0, 2), 1)"));
/// assert_eq!(named.edges()[0].2.partial, Some(2.0)); // ∂x/∂w = 2
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Detail {
    /// Every recorded node the outputs depend on.
    #[default]
    All,
    /// Only named nodes ([`Var::named`]), leaves and outputs, as the
    /// tutorial draws its graphs: the unnamed nodes between them fold into
    /// an expression on the node that uses them (`x = add(mul(w, 2),
    /// mul(b, 3))`), constants included, and each edge carries the local
    /// partial of that expression, summed over every path (`∂x/∂w = 2`).
    Named,
}

/// One operand of a [`GraphNode`], in the op's operand order.
///
/// ```
/// use tapegrad::graph::{Graph, Operand};
/// use tapegrad::Tape;
///
/// let tape = Tape::new();
/// let x = tape.var(3.0);
/// let graph = Graph::of(2.0 - x); // the constant is the first operand
/// assert_eq!(graph.nodes()[1].operands, vec![Operand::Const(2.0), Operand::Node(0)]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Operand {
    /// Another node of the graph, by its id.
    Node(usize),
    /// A constant folded into this node ([`Constants::Inline`]).
    Const(f64),
}

/// One node of a [`Graph`]: a petgraph node weight and one line of the text
/// dump (its [`Display`](fmt::Display)).
///
/// ```
/// use tapegrad::{Graph, Op, Tape};
///
/// let tape = Tape::new();
/// let x = tape.var(2.0).named("x");
/// let y = x.exp();
/// let graph = Graph::of(y);
/// let node = &graph.nodes()[1];
/// assert_eq!((node.id, node.op, node.output), (1, Op::Exp, true));
/// assert_eq!(node.value, 2f64.exp());
/// assert_eq!(node.to_string(), format!("%1 = exp %0 = {}", 2f64.exp()));
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct GraphNode {
    /// The node's id in the graph (`%id`): its position in the canonical
    /// order, and its petgraph [`NodeIndex`].
    pub id: usize,
    /// The node's index on the tape; `None` for the constant of an op shown
    /// as a node of its own ([`Constants::AsNodes`]).
    pub tape_index: Option<usize>,
    /// The recorded op ([`Op::Const`] for a constant shown as a node).
    pub op: Op,
    /// A custom op's name, escaped as the text dump writes names.
    custom: Option<String>,
    /// The node's name, if it was given one with [`Var::named`].
    pub name: Option<String>,
    /// The operands, in operand order (`c - x` lists `c` first); with
    /// [`Detail::Named`], the kept nodes the expression reads, in the order
    /// it reads them.
    pub operands: Vec<Operand>,
    /// With [`Detail::Named`], the expression of the unnamed nodes folded
    /// into this one, nodes written `%id`: `add(mul(%0, 2), mul(%1, 3))`.
    pub expression: Option<String>,
    /// The value computed when the node was recorded. A graph is a view:
    /// making one, and reading its values, notes no read on the tape (see
    /// [`Tape::compile`](crate::Tape::compile)); read [`Var::value`](crate::Var::value)
    /// where code branches on a value.
    pub value: f64,
    /// `∂output/∂node` when the graph carries gradients; `None` otherwise,
    /// and for constants that are not on the tape.
    pub adjoint: Option<f64>,
    /// Whether [`Var::grad_graph`] recorded the node (part of a gradient's
    /// graph: the backward part).
    pub backward: bool,
    /// Whether the node is one of the graph's outputs.
    pub output: bool,
    /// Where the node was recorded, on a tape made by
    /// [`Tape::with_locations`](crate::Tape::with_locations).
    pub location: Option<&'static std::panic::Location<'static>>,
}

/// One edge of a [`Graph`], from an operand to the node that uses it.
///
/// ```
/// use tapegrad::{Graph, Tape};
///
/// let tape = Tape::new();
/// let (x, y) = (tape.var(2.0), tape.var(5.0));
/// let graph = Graph::of(x * y);
/// // One edge per operand of the product: ∂z/∂x = y, ∂z/∂y = x
/// let edges: Vec<_> = graph.edges().iter().map(|(_, _, e)| (e.operand, e.partial)).collect();
/// assert_eq!(edges, vec![(0, Some(5.0)), (1, Some(2.0))]);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct GraphEdge {
    /// The operand's position in the user's [`GraphNode::operands`].
    pub operand: usize,
    /// The local partial derivative `∂user/∂operand`, from the op table;
    /// `None` on the edge of a constant shown as a node.
    pub partial: Option<f64>,
}

/// The part of a tape that some outputs depend on, ready to dump.
///
/// Build it with [`Graph::of`], [`Graph::of_all`], [`Graph::with_gradients`]
/// or [`Graph::of_tape`], adjust it with the builder methods, then read it
/// with [`Graph::to_text`], [`Graph::to_dot`], [`Graph::to_svg`] or
/// [`Graph::to_petgraph`]. See the [module docs](self) for the rules that
/// keep every view deterministic.
///
/// ```
/// use tapegrad::graph::{Detail, Graph};
/// use tapegrad::Tape;
///
/// let tape = Tape::new();
/// let w = tape.var(3.0).named("w");
/// let b = tape.var(4.0).named("b");
/// let z = ((2.0 * w + 3.0 * b) * (2.0 * b + 1.0)).named("z");
/// let g = z.backward();
/// // Only the named nodes, the rest folded into z's expression, with adjoints.
/// let text = Graph::with_gradients(&g).detail(Detail::Named).to_text();
/// assert!(text.contains("%0 `w` = var = 3 ; adjoint 18")); // dz/dw = 2y
/// assert!(text.contains("%1 `b` = var = 4 ; adjoint 63")); // dz/db = 3y + 2x
/// ```
#[derive(Clone, Debug)]
pub struct Graph<'t> {
    tape: &'t Tape,
    /// Tape indices of the outputs; `None` for the whole tape.
    outputs: Option<Vec<usize>>,
    /// The output the adjoints belong to (tape index), and the adjoints by
    /// tape index.
    adjoints: Option<(usize, Vec<f64>)>,
    constants: Constants,
    detail: Detail,
    direction: Direction,
    /// Whether picture labels show values (the tutorial's flow1 shows only
    /// the structure).
    values: bool,
    /// Significant digits of the numbers in picture labels; `None` for
    /// the exact, shortest form the text dump prints.
    digits: Option<usize>,
    nodes: Vec<GraphNode>,
    /// The folded expression of each node, by id ([`Detail::Named`]).
    formulas: Vec<Option<Vec<Token>>>,
    /// `(source, target, edge)` by target, then operand order.
    edges: Vec<(usize, usize, GraphEdge)>,
    /// The ids of the outputs, in the order they were given (for the whole
    /// tape, in id order).
    output_ids: Vec<usize>,
    /// The id of the output the adjoints belong to, if it is in the graph.
    adjoint_id: Option<usize>,
    /// How pictures refer to the nodes, made on first use.
    pictures: OnceCell<Pictures>,
}

/// How the DOT and SVG views refer to nodes: by name (escaped and cut, see
/// [`escape::label`]) or `%id`.
#[derive(Clone, Debug)]
struct Pictures {
    /// By node id.
    references: Vec<String>,
    /// The output the adjoints belong to (`z` in `∂z/∂w`).
    adjoint: Option<String>,
}

/// Significant digits of picture labels unless [`Graph::digits`] says.
pub const PICTURE_DIGITS: usize = 4;

/// The most characters of a name that pictures show, escapes included; a
/// longer name is cut, with its length (well below Graphviz's 16,384-byte
/// strings, with room for the three places a label can name a node).
const NAME_LIMIT: usize = 1_000;

/// The most characters of a label's op or expression line in pictures.
const LINE_LIMIT: usize = 1_000;

/// The most bytes of a DOT string, escapes included: Graphviz reads quoted
/// strings of up to 16,384 bytes. Labels of names cut to [`NAME_LIMIT`]
/// reach it only if most of their characters take four bytes.
const DOT_STRING_LIMIT: usize = 12_000;

impl<'t> Graph<'t> {
    /// The graph of everything `output` depends on (itself included).
    ///
    /// ```
    /// use tapegrad::{Graph, Tape};
    ///
    /// let tape = Tape::new();
    /// let x = tape.var(3.0).named("x");
    /// let y = (x * x + 1.0).named("y");
    /// let text = Graph::of(y).to_text();
    /// assert!(text.starts_with("; 3 nodes, output %2\n%0 `x` = var = 3\n"));
    /// assert!(text.contains("%2 `y` = add %1, 1 = 10"));
    /// ```
    pub fn of(output: Var<'t>) -> Graph<'t> {
        Graph::of_all(&[output])
    }

    /// The graph of everything any of `outputs` depends on, for several
    /// outputs at once, such as a function and the gradients that
    /// [`Var::grad_graph`] recorded for it. Outputs are walked in the given
    /// order.
    ///
    /// ```
    /// use tapegrad::{Graph, Tape};
    ///
    /// let tape = Tape::new();
    /// let x = tape.var(3.0).named("x");
    /// let y = (x * x + 1.0).named("y");
    /// // dy/dx = 2x, recorded as a node of its own
    /// let dy_dx = y.grad_graph(&[x])[0];
    /// let graph = Graph::of_all(&[y, dy_dx]);
    /// assert_eq!(graph.output_ids().len(), 2);
    /// assert!(graph.to_text().contains("; backward"));
    /// ```
    ///
    /// # Panics
    /// If `outputs` is empty or its `Var`s belong to different tapes.
    #[track_caller]
    pub fn of_all(outputs: &[Var<'t>]) -> Graph<'t> {
        let first = outputs
            .first()
            .expect("tapegrad: a graph needs at least one output");
        let tape = first.tape();
        tape.check_owns_all(outputs);
        let mut graph = Graph::new(tape, Some(outputs.iter().map(|v| v.index()).collect()));
        graph.select();
        graph
    }

    /// The graph of the output of `gradients`, carrying each node's adjoint
    /// (`∂output/∂node`) and, in the text, DOT and SVG views, each edge's
    /// local partial.
    ///
    /// ```
    /// use tapegrad::{Graph, Tape};
    ///
    /// let tape = Tape::new();
    /// let x = tape.var(3.0).named("x");
    /// let y = (x * x + 1.0).named("y");
    /// let g = y.backward();
    /// let text = Graph::with_gradients(&g).to_text();
    /// // dy/dx = 2x = 6; the product's partials are x and x
    /// assert!(text.contains("%0 `x` = var = 3 ; adjoint 6"));
    /// assert!(text.contains("partials %0: 3, %0: 3"));
    /// ```
    pub fn with_gradients(gradients: &Gradients<'t>) -> Graph<'t> {
        Graph::of(gradients.output()).gradients(gradients)
    }

    /// Every node on the tape; its outputs are the nodes no other node uses,
    /// walked in tape order.
    ///
    /// ```
    /// use tapegrad::{Graph, Tape};
    ///
    /// let tape = Tape::new();
    /// let x = tape.var(2.0);
    /// let _unused = x + 1.0;
    /// let _used = x * 3.0;
    /// // Both ends are outputs of the whole tape.
    /// assert_eq!(Graph::of_tape(&tape).nodes().len(), 3);
    /// assert_eq!(Graph::of_tape(&tape).output_ids().len(), 2);
    /// ```
    pub fn of_tape(tape: &'t Tape) -> Graph<'t> {
        let mut graph = Graph::new(tape, None);
        graph.select();
        graph
    }

    /// Attaches adjoints: each node shows `∂output/∂node` for the output of
    /// `gradients` (0 for a node it does not depend on), and each edge its
    /// local partial.
    ///
    /// ```
    /// use tapegrad::{Graph, Tape};
    ///
    /// let tape = Tape::new();
    /// let x = tape.var(3.0).named("x");
    /// let y = (x * x + 1.0).named("y");
    /// let g = y.backward();
    /// let graph = Graph::of(y).gradients(&g);
    /// assert_eq!(graph.nodes()[0].adjoint, Some(6.0)); // dy/dx = 2x
    /// ```
    ///
    /// # Panics
    /// If `gradients` were taken on another tape.
    #[must_use]
    #[track_caller]
    pub fn gradients(mut self, gradients: &Gradients<'t>) -> Graph<'t> {
        let output = gradients.output();
        self.tape.check_owns(output);
        self.adjoints = Some((output.index(), gradients.as_slice().to_vec()));
        self.select();
        self
    }

    /// Replaces the outputs: the graph becomes everything `outputs` depend
    /// on.
    ///
    /// ```
    /// use tapegrad::{Graph, Tape};
    ///
    /// let tape = Tape::new();
    /// let x = tape.var(3.0).named("x");
    /// let y = (x * x + 1.0).named("y");
    /// let square = Graph::of(y).outputs(&[x * x]);
    /// assert!(square.to_text().starts_with("; 2 nodes"));
    /// ```
    ///
    /// # Panics
    /// If `outputs` is empty or a `Var` belongs to another tape.
    #[must_use]
    #[track_caller]
    pub fn outputs(mut self, outputs: &[Var<'t>]) -> Graph<'t> {
        assert!(
            !outputs.is_empty(),
            "tapegrad: a graph needs at least one output"
        );
        self.tape.check_owns_all(outputs);
        self.outputs = Some(outputs.iter().map(|v| v.index()).collect());
        self.select();
        self
    }

    /// Chooses whether constants are folded into their users (the default)
    /// or shown as nodes.
    ///
    /// ```
    /// use tapegrad::graph::Constants;
    /// use tapegrad::{Graph, Tape};
    ///
    /// let tape = Tape::new();
    /// let x = tape.var(3.0).named("x");
    /// let y = (x * x + 1.0).named("y");
    /// // The 1 of `x·x + 1` becomes a node of its own.
    /// let text = Graph::of(y).constants(Constants::AsNodes).to_text();
    /// assert!(text.contains("%1 = const = 1"));
    /// ```
    #[must_use]
    pub fn constants(mut self, constants: Constants) -> Graph<'t> {
        self.constants = constants;
        self.select();
        self
    }

    /// Chooses between every node (the default) and only the named ones,
    /// with the unnamed nodes between them folded into expressions.
    ///
    /// ```
    /// use tapegrad::graph::Detail;
    /// use tapegrad::{Graph, Tape};
    ///
    /// let tape = Tape::new();
    /// let x = tape.var(3.0).named("x");
    /// let y = (x * x + 1.0).named("y");
    /// // The unnamed product folds into y's expression.
    /// let text = Graph::of(y).detail(Detail::Named).to_text();
    /// assert!(text.contains("%1 `y` = add(mul(%0, %0), 1) = 10"));
    /// ```
    #[must_use]
    pub fn detail(mut self, detail: Detail) -> Graph<'t> {
        self.detail = detail;
        self.select();
        self
    }

    /// Chooses which way the DOT and SVG pictures flow.
    ///
    /// ```
    /// use tapegrad::graph::Direction;
    /// use tapegrad::{Graph, Tape};
    ///
    /// let tape = Tape::new();
    /// let x = tape.var(3.0).named("x");
    /// let y = (x * x + 1.0).named("y");
    /// let graph = Graph::of(y).direction(Direction::TopToBottom);
    /// # #[cfg(feature = "petgraph")]
    /// assert!(graph.to_dot().contains("rankdir=\"TB\""));
    /// # let _ = graph;
    /// ```
    #[must_use]
    pub fn direction(mut self, direction: Direction) -> Graph<'t> {
        self.direction = direction;
        self
    }

    /// Whether the DOT and SVG pictures show each node's value (the
    /// default); without, a picture shows only the graph's structure, as
    /// the tutorial's figure flow1 does. The text dump always has values.
    ///
    /// ```
    /// use tapegrad::{Graph, Tape};
    ///
    /// let tape = Tape::new();
    /// let x = tape.var(3.0).named("x");
    /// let y = (x * x + 1.0).named("y");
    /// let structure = Graph::of(y).values(false);
    /// // The text dump keeps its values; pictures leave them out.
    /// assert!(structure.to_text().contains("= 10"));
    /// ```
    #[must_use]
    pub fn values(mut self, show: bool) -> Graph<'t> {
        self.values = show;
        self
    }

    /// How many significant digits the numbers in DOT and SVG labels keep
    /// (4 unless set): `∂z/∂w = 0.03106` rather than 0.031056524317600788,
    /// so boxes stay narrow. `None` prints every number exactly, as the
    /// text dump always does (it is what snapshots pin).
    ///
    /// ```
    /// use tapegrad::{Graph, Tape};
    ///
    /// let tape = Tape::new();
    /// let x = tape.var(1.0 / 3.0).named("x");
    /// let graph = Graph::of(x);
    /// assert!(graph.to_text().contains("0.3333333333333333"));
    /// # #[cfg(feature = "petgraph")]
    /// # {
    /// assert!(graph.to_dot().contains("x = 0.3333\\n"));
    /// assert!(graph.clone().digits(Some(2)).to_dot().contains("x = 0.33\\n"));
    /// assert!(graph.digits(None).to_dot().contains("x = 0.3333333333333333\\n"));
    /// # }
    /// ```
    ///
    /// # Panics
    /// If `digits` is `Some(0)`: a number needs at least one digit.
    #[must_use]
    #[track_caller]
    pub fn digits(mut self, digits: Option<usize>) -> Graph<'t> {
        assert!(
            digits != Some(0),
            "tapegrad: pictures need at least 1 significant digit (got 0)"
        );
        self.digits = digits;
        self
    }

    /// The selected nodes, in canonical order (`nodes()[i].id == i`).
    ///
    /// ```
    /// use tapegrad::Op;
    /// use tapegrad::{Graph, Tape};
    ///
    /// let tape = Tape::new();
    /// let x = tape.var(3.0).named("x");
    /// let y = (x * x + 1.0).named("y");
    /// let graph = Graph::of(y);
    /// let ops: Vec<Op> = graph.nodes().iter().map(|n| n.op).collect();
    /// assert_eq!(ops, [Op::Leaf, Op::Mul, Op::AddConst]);
    /// assert_eq!(graph.nodes()[0].name.as_deref(), Some("x"));
    /// ```
    pub fn nodes(&self) -> &[GraphNode] {
        &self.nodes
    }

    /// The edges as `(source id, target id, edge)`, by target and then by
    /// operand.
    ///
    /// ```
    /// use tapegrad::{Graph, Tape};
    ///
    /// let tape = Tape::new();
    /// let x = tape.var(3.0).named("x");
    /// let y = (x * x + 1.0).named("y");
    /// let graph = Graph::of(y);
    /// // x·x reads x twice: two edges from %0 to %1, each with partial x = 3.
    /// let (from, to, e) = &graph.edges()[1];
    /// assert_eq!((*from, *to, e.operand, e.partial), (0, 1, 1, Some(3.0)));
    /// assert_eq!(graph.edges().len(), 3);
    /// ```
    pub fn edges(&self) -> &[(usize, usize, GraphEdge)] {
        &self.edges
    }

    /// The ids of the outputs, in the order they were given.
    ///
    /// ```
    /// use tapegrad::{Graph, Tape};
    ///
    /// let tape = Tape::new();
    /// let x = tape.var(3.0).named("x");
    /// let y = (x * x + 1.0).named("y");
    /// assert_eq!(Graph::of(y).output_ids(), vec![2]);
    /// ```
    pub fn output_ids(&self) -> Vec<usize> {
        self.output_ids.clone()
    }

    /// The graph as a petgraph [`DiGraph`], to run petgraph's algorithms on:
    /// node `NodeIndex::new(i)` is `nodes()[i]`, edges run from operand to
    /// user and carry the local partial.
    ///
    /// ```
    /// use tapegrad::graph::petgraph::algo::toposort;
    /// use tapegrad::{Graph, Tape};
    ///
    /// let tape = Tape::new();
    /// let x = tape.var(3.0).named("x");
    /// let y = (x * x + 1.0).named("y");
    /// let g = Graph::of(y).to_petgraph();
    /// assert_eq!((g.node_count(), g.edge_count()), (3, 3));
    /// let order = toposort(&g, None).unwrap();
    /// assert_eq!(g[order[0]].name.as_deref(), Some("x"));
    /// ```
    #[cfg(feature = "petgraph")]
    #[cfg_attr(docsrs, doc(cfg(feature = "petgraph")))]
    #[must_use]
    pub fn to_petgraph(&self) -> DiGraph<GraphNode, GraphEdge> {
        let mut g = DiGraph::with_capacity(self.nodes.len(), self.edges.len());
        for n in &self.nodes {
            g.add_node(n.clone());
        }
        for (s, t, e) in &self.edges {
            g.add_edge(NodeIndex::new(*s), NodeIndex::new(*t), e.clone());
        }
        g
    }

    /// The text dump: a header, then one line per node in canonical order,
    /// in the style of an SSA listing (the format to snapshot). See
    /// [graph-dumps.md](https://github.com/tapegrad/tapegrad/blob/main/docs/graph-dumps.md) for the grammar.
    ///
    /// ```
    /// use tapegrad::{Graph, Tape};
    ///
    /// let tape = Tape::new();
    /// let x = tape.var(3.0).named("x");
    /// let y = (x * x + 1.0).named("y");
    /// assert_eq!(
    ///     Graph::of(y).to_text(),
    ///     "; 3 nodes, output %2\n%0 `x` = var = 3\n%1 = mul %0, %0 = 9\n%2 `y` = add %1, 1 = 10\n"
    /// );
    /// ```
    #[must_use]
    pub fn to_text(&self) -> String {
        self.to_string()
    }

    /// The graph in Graphviz DOT, written by [`petgraph::dot`]: each node
    /// shows its name (or `%id`), value and op, with gradients its adjoint
    /// `∂z/∂w = 18`, and each edge its local partial `∂x/∂w = 2`.
    ///
    /// ```
    /// use tapegrad::{Graph, Tape};
    ///
    /// let tape = Tape::new();
    /// let x = tape.var(3.0).named("x");
    /// let y = (x * x + 1.0).named("y");
    /// let dot = Graph::of(y).to_dot();
    /// assert!(dot.starts_with("digraph tapegrad {"));
    /// assert_eq!(dot.matches(" -> ").count(), 3); // x·x has two edges
    /// ```
    #[cfg(feature = "petgraph")]
    #[cfg_attr(docsrs, doc(cfg(feature = "petgraph")))]
    #[must_use]
    pub fn to_dot(&self) -> String {
        let g = self.to_petgraph();
        let node_attrs = |_, (_, n): (NodeIndex, &GraphNode)| self.dot_node(n);
        let edge_attrs = |_, e: petgraph::graph::EdgeReference<'_, GraphEdge>| {
            self.dot_edge(e.source().index(), e.target().index(), e.weight())
        };
        let config = [
            Config::NodeNoLabel,
            Config::EdgeNoLabel,
            Config::GraphContentOnly,
        ];
        let dot = Dot::with_attr_getters(&g, &config, &edge_attrs, &node_attrs);
        let rankdir = match self.direction {
            Direction::LeftToRight => "LR",
            Direction::TopToBottom => "TB",
        };
        let mut out = String::new();
        out.push_str("digraph tapegrad {\n");
        let _ = writeln!(out, "    rankdir=\"{rankdir}\"");
        out.push_str("    ordering=\"in\"\n");
        let _ = writeln!(
            out,
            "    node [shape=\"box\", style=\"rounded,filled\", fillcolor=\"{}\", color=\"{}\", fontname=\"{}\", fontsize=\"14\"]",
            style::OP_FILL,
            style::LINE,
            style::FONT
        );
        let _ = writeln!(
            out,
            "    edge [color=\"{}\", fontcolor=\"{}\", fontname=\"{}\", fontsize=\"12\"]",
            style::LINE,
            style::EDGE_TEXT,
            style::FONT
        );
        let _ = write!(out, "{dot}");
        out.push_str("}\n");
        out
    }

    /// The graph as an SVG picture, laid out and drawn in pure Rust: no
    /// Graphviz needed. Nodes and edges carry the same labels as in
    /// [`Graph::to_dot`].
    ///
    /// ```
    /// use tapegrad::{Graph, Tape};
    ///
    /// let tape = Tape::new();
    /// let x = tape.var(3.0).named("x");
    /// let y = (x * x + 1.0).named("y");
    /// let svg = Graph::of(y).to_svg();
    /// assert!(svg.starts_with("<?xml") && svg.trim_end().ends_with("</svg>"));
    /// // one box per node, and the background
    /// assert_eq!(svg.matches("<rect").count(), 4);
    /// ```
    ///
    /// # Layout
    ///
    /// A layered layout of tapegrad's own, in about linear time (a quarter
    /// of a second for 10 000 nodes in a release build), as Graphviz's
    /// `dot` lays graphs out: nodes in layers along the flow, ordered by a
    /// few barycenter sweeps, and each edge label an item of its own in a
    /// layer between its edge's ends, so labels sit on their edges and no
    /// two boxes overlap. Edges are smooth curves through their labels,
    /// bending between the nodes of the layers they skip (up to 100 000
    /// bends in all; beyond that, the longest edges are single curves over
    /// those layers); two edges joining the same two nodes are two curves.
    /// Left to right, the adjoint line of a node and each edge label break
    /// before their ` = `, so that a 72-node MLP stays under 4000 px wide.
    ///
    /// Elements have stable ids: node `ID` (its dump id) is
    /// `<g id="nodeID" class="node …">` with a `<title>`, edge `K` (its
    /// index in [`Graph::edges`]) is `<path id="edgeK">`, and its label
    /// `<g id="edgeK-label" class="edge-label">`.
    /// [graph-dumps.md](https://github.com/tapegrad/tapegrad/blob/main/docs/graph-dumps.md) has timings.
    #[cfg(feature = "svg")]
    #[cfg_attr(docsrs, doc(cfg(feature = "svg")))]
    #[must_use]
    pub fn to_svg(&self) -> String {
        svg::render(self)
    }

    /// Writes [`Graph::to_text`] to `path`.
    ///
    /// ```
    /// use tapegrad::{Graph, Tape};
    ///
    /// let tape = Tape::new();
    /// let x = tape.var(3.0).named("x");
    /// let y = (x * x + 1.0).named("y");
    /// let path = std::env::temp_dir().join("tapegrad-doc-write-text.txt");
    /// Graph::of(y).write_text(&path)?;
    /// assert_eq!(std::fs::read_to_string(&path).unwrap(), Graph::of(y).to_text());
    /// // A folder that does not exist is an error naming the file.
    /// let err = Graph::of(y).write_text("/no/such/folder/y.txt").unwrap_err();
    /// assert!(err.to_string().contains("/no/such/folder/y.txt"));
    /// # Ok::<(), tapegrad::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Write`], naming `path`, if the file cannot be written.
    pub fn write_text(&self, path: impl AsRef<Path>) -> Result<()> {
        write_file(path.as_ref(), &self.to_text())
    }

    /// Writes [`Graph::to_dot`] to `path`.
    ///
    /// ```
    /// use tapegrad::{Graph, Tape};
    ///
    /// let tape = Tape::new();
    /// let x = tape.var(3.0).named("x");
    /// let y = (x * x + 1.0).named("y");
    /// let path = std::env::temp_dir().join("tapegrad-doc-write-dot.dot");
    /// Graph::of(y).write_dot(&path)?;
    /// assert!(std::fs::read_to_string(&path).unwrap().starts_with("digraph"));
    /// # Ok::<(), tapegrad::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Write`], naming `path`, if the file cannot be written.
    #[cfg(feature = "petgraph")]
    #[cfg_attr(docsrs, doc(cfg(feature = "petgraph")))]
    pub fn write_dot(&self, path: impl AsRef<Path>) -> Result<()> {
        write_file(path.as_ref(), &self.to_dot())
    }

    /// Writes [`Graph::to_svg`] to `path`, a picture any browser opens.
    ///
    /// ```
    /// use tapegrad::{Graph, Tape};
    ///
    /// let tape = Tape::new();
    /// let x = tape.var(3.0).named("x");
    /// let y = (x * x + 1.0).named("y");
    /// let path = std::env::temp_dir().join("tapegrad-doc-write-svg.svg");
    /// Graph::of(y).write_svg(&path)?;
    /// assert!(std::fs::read_to_string(&path).unwrap().ends_with("</svg>\n"));
    /// # Ok::<(), tapegrad::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Write`], naming `path`, if the file cannot be written.
    #[cfg(feature = "svg")]
    #[cfg_attr(docsrs, doc(cfg(feature = "svg")))]
    pub fn write_svg(&self, path: impl AsRef<Path>) -> Result<()> {
        write_file(path.as_ref(), &self.to_svg())
    }
}

/// The HTML view (feature `html`).
#[cfg(feature = "html")]
impl Graph<'_> {
    /// The graph as one self-contained web page that walks the backward
    /// sweep step by step: the SVG picture inline, with its style and
    /// script, loading nothing from the network, so it works offline from
    /// a file.
    ///
    /// It opens on the forward pass (each node's name, op and value).
    /// Step, back, play and reset (and the arrow keys) then walk the sweep
    /// in reverse tape order, one node per step: the node is highlighted,
    /// the edges it sends along show `partial × adjoint`, and its inputs'
    /// adjoints grow as the contributions arrive. Hovering over or
    /// clicking a node shows its exact value, adjoint, op, partials and
    /// name; drag pans and the wheel zooms; nodes recorded by
    /// [`Var::grad_graph`] are a layer that a switch hides. The page adds
    /// the contributions in the engine's order, so with [`Detail::All`]
    /// its adjoints are the engine's bit for bit.
    ///
    /// A graph without gradients shows those of its first output.
    ///
    /// ```
    /// use tapegrad::{Graph, Tape};
    ///
    /// let tape = Tape::new();
    /// let x = tape.var(3.0).named("x");
    /// let y = (x * x + 1.0).named("y");
    /// let html = Graph::with_gradients(&y.backward()).to_html();
    /// assert!(html.starts_with("<!DOCTYPE html>"));
    /// // The picture inline, and no address to load anything from.
    /// assert!(html.contains("<g id=\"node0\""));
    /// assert!(!html.contains("src=") && !html.contains("href="));
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "html")))]
    #[must_use]
    pub fn to_html(&self) -> String {
        html::render(self)
    }

    /// Writes [`Graph::to_html`] to `path`, a page any browser opens.
    ///
    /// ```
    /// use tapegrad::{Graph, Tape};
    ///
    /// let tape = Tape::new();
    /// let x = tape.var(3.0).named("x");
    /// let y = (x * x + 1.0).named("y");
    /// let path = std::env::temp_dir().join("tapegrad-doc-write-html.html");
    /// Graph::of(y).write_html(&path)?;
    /// assert!(std::fs::read_to_string(&path).unwrap().ends_with("</html>\n"));
    /// # Ok::<(), tapegrad::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Write`], naming `path`, if the file cannot be written.
    #[cfg_attr(docsrs, doc(cfg(feature = "html")))]
    pub fn write_html(&self, path: impl AsRef<Path>) -> Result<()> {
        write_file(path.as_ref(), &self.to_html())
    }
}

fn write_file(path: &Path, contents: &str) -> Result<()> {
    std::fs::write(path, contents).map_err(|e| Error::Write {
        path: path.to_path_buf(),
        source: IoError::from(e),
    })
}

/// Formats a number as every view prints it: the shortest decimal that
/// parses back to the same `f64` (Rust's `{:?}`), without a trailing `.0`.
///
/// ```
/// use tapegrad::graph::format_number;
///
/// assert_eq!(format_number(18.0), "18");
/// assert_eq!(format_number(0.1 + 0.2), "0.30000000000000004");
/// assert_eq!(format_number(-0.0), "-0");
/// assert_eq!(format_number(1e300), "1e300");
/// assert_eq!(format_number(f64::NAN), "NaN");
/// ```
pub fn format_number(x: f64) -> String {
    let s = format!("{x:?}");
    match s.strip_suffix(".0") {
        Some(t) => t.to_string(),
        None => s,
    }
}

/// Colours and fonts shared by the DOT and SVG views.
mod style {
    pub(super) const FONT: &str = "Helvetica";
    pub(super) const LINE: &str = "#37474f";
    pub(super) const EDGE_TEXT: &str = "#1b5e20";
    pub(super) const OP_FILL: &str = "#ffffff";
    pub(super) const LEAF_FILL: &str = "#e3f2fd";
    pub(super) const CONST_FILL: &str = "#eeeeee";
    pub(super) const BACKWARD_FILL: &str = "#fff3e0";
    pub(super) const BACKWARD_LINE: &str = "#e65100";
}

/// What a node looks like in the pictures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Leaf,
    Const,
    Op,
    Backward,
}

impl Kind {
    fn of(n: &GraphNode) -> Kind {
        if n.backward {
            Kind::Backward
        } else {
            match n.op {
                Op::Leaf => Kind::Leaf,
                Op::Const => Kind::Const,
                _ => Kind::Op,
            }
        }
    }

    pub(crate) fn fill(self) -> &'static str {
        match self {
            Kind::Leaf => style::LEAF_FILL,
            Kind::Const => style::CONST_FILL,
            Kind::Op => style::OP_FILL,
            Kind::Backward => style::BACKWARD_FILL,
        }
    }

    pub(crate) fn line(self) -> &'static str {
        match self {
            Kind::Backward => style::BACKWARD_LINE,
            _ => style::LINE,
        }
    }

    pub(crate) fn class(self) -> &'static str {
        match self {
            Kind::Leaf => "leaf",
            Kind::Const => "const",
            Kind::Op => "op",
            Kind::Backward => "backward",
        }
    }
}

/// Labels shared by the DOT and SVG views.
impl Graph<'_> {
    /// How pictures refer to the nodes, made once per selection.
    fn pictures(&self) -> &Pictures {
        self.pictures.get_or_init(|| {
            let references: Vec<String> = self
                .nodes
                .iter()
                .map(|n| match &n.name {
                    Some(name) => escape::label(name, NAME_LIMIT),
                    None => format!("%{}", n.id),
                })
                .collect();
            let adjoint = self
                .adjoints
                .as_ref()
                .map(|(out, _)| match self.adjoint_id {
                    Some(id) => references[id].clone(),
                    None => match self.tape.get(*out).name() {
                        Some(name) => escape::label(&name, NAME_LIMIT),
                        None => "out".to_string(),
                    },
                });
            Pictures {
                references,
                adjoint,
            }
        })
    }

    /// How a node is referred to in pictures: its name (escaped, and cut
    /// past [`NAME_LIMIT`] characters), else `%id`.
    pub(crate) fn reference(&self, id: usize) -> &str {
        &self.pictures().references[id]
    }

    /// The lines of a node's label: `name = value`, the op (with a folded
    /// constant in place: `mul(·, 2)`), `∂z/∂name = adjoint`, and a
    /// `backward` tag for the gradient graph.
    pub(crate) fn node_label(&self, n: &GraphNode) -> Vec<String> {
        let mut lines = vec![if self.values {
            format!(
                "{} = {}",
                self.reference(n.id),
                self.picture_number(n.value)
            )
        } else {
            self.reference(n.id).to_string()
        }];
        let consts = n.operands.iter().any(|o| matches!(o, Operand::Const(_)));
        if let Some(Some(formula)) = self.formulas.get(n.id) {
            let line = render_formula(formula, |id| self.reference(id).to_string());
            lines.push(cut(line, LINE_LIMIT));
        } else if consts {
            let operands: Vec<String> = n
                .operands
                .iter()
                .map(|o| match o {
                    Operand::Node(_) => "·".to_string(),
                    Operand::Const(c) => self.picture_number(*c),
                })
                .collect();
            let line = format!("{}({})", n.op_name(), operands.join(", "));
            lines.push(cut(line, LINE_LIMIT));
        } else {
            lines.push(n.op_name().to_string());
        }
        if let (Some(out), Some(adjoint)) = (&self.pictures().adjoint, n.adjoint) {
            lines.push(format!(
                "∂{out}/∂{} = {}",
                self.reference(n.id),
                self.picture_number(adjoint)
            ));
        }
        if n.backward {
            lines.push("backward".to_string());
        }
        lines
    }

    /// An edge's label: the local partial `∂user/∂operand = p`, shown when
    /// the graph carries gradients.
    pub(crate) fn edge_label(&self, source: usize, target: usize, e: &GraphEdge) -> String {
        match (&self.adjoints, e.partial) {
            (Some(_), Some(p)) => format!(
                "∂{}/∂{} = {}",
                self.reference(target),
                self.reference(source),
                self.picture_number(p)
            ),
            _ => String::new(),
        }
    }

    /// A number as picture labels show it: rounded to the graph's
    /// significant digits, then written as [`format_number`] writes it.
    fn picture_number(&self, x: f64) -> String {
        match self.digits {
            Some(d) if x.is_finite() && d < 17 => {
                // `{:.*e}` rounds the decimal digits correctly; parsing the
                // rounded form back gives the shortest way to write it.
                let rounded: f64 = format!("{x:.*e}", d - 1).parse().unwrap_or(x);
                format_number(rounded)
            }
            _ => format_number(x),
        }
    }

    pub(crate) fn node_kind(&self, n: &GraphNode) -> Kind {
        Kind::of(n)
    }

    pub(crate) fn direction_of(&self) -> Direction {
        self.direction
    }

    fn dot_node(&self, n: &GraphNode) -> String {
        let kind = Kind::of(n);
        let label = escape::dot(&self.node_label(n).join("\n"), DOT_STRING_LIMIT);
        let mut attrs = format!("label = \"{label}\"");
        if kind != Kind::Op {
            let _ = write!(attrs, ", fillcolor = \"{}\"", kind.fill());
        }
        if kind == Kind::Backward {
            let _ = write!(
                attrs,
                ", color = \"{}\", style = \"rounded,filled,dashed\"",
                kind.line()
            );
        }
        if n.output {
            attrs.push_str(", penwidth = \"2\"");
        }
        if let Some(at) = n.location {
            let at = escape::dot(&format!("{}:{}", at.file(), at.line()), DOT_STRING_LIMIT);
            let _ = write!(attrs, ", tooltip = \"{at}\"");
        }
        attrs.push(' ');
        attrs
    }

    fn dot_edge(&self, source: usize, target: usize, e: &GraphEdge) -> String {
        let mut attrs = String::new();
        let label = self.edge_label(source, target, e);
        if !label.is_empty() {
            let label = escape::dot(&label, DOT_STRING_LIMIT);
            let _ = write!(attrs, "label = \"{label}\"");
        }
        if self.nodes[target].backward {
            if !attrs.is_empty() {
                attrs.push_str(", ");
            }
            let _ = write!(
                attrs,
                "color = \"{}\", style = \"dashed\"",
                style::BACKWARD_LINE
            );
        }
        if !attrs.is_empty() {
            attrs.push(' ');
        }
        attrs
    }
}

/// `line` cut after `max` characters, with `…` in place of the rest.
fn cut(mut line: String, max: usize) -> String {
    if let Some((end, _)) = line.char_indices().nth(max) {
        line.truncate(end);
        line.push('…');
    }
    line
}

/// The text dump.
impl fmt::Display for Graph<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let outputs: Vec<String> = self.output_ids.iter().map(|i| format!("%{i}")).collect();
        write!(
            f,
            "; {} node{}, output{} {}",
            self.nodes.len(),
            if self.nodes.len() == 1 { "" } else { "s" },
            if outputs.len() == 1 { "" } else { "s" },
            outputs.join(", ")
        )?;
        if let Some((out, _)) = &self.adjoints {
            match self.adjoint_id {
                Some(id) => write!(f, ", adjoints of %{id}")?,
                None => write!(f, ", adjoints of tape node {out}")?,
            }
        }
        writeln!(f)?;
        // Edges are sorted by target: walk them alongside the nodes.
        let mut edges = self.edges.iter().peekable();
        for n in &self.nodes {
            write!(f, "{n}")?;
            let mut partials = Vec::new();
            while let Some((s, _, e)) = edges.next_if(|(_, t, _)| *t == n.id) {
                if let Some(p) = e.partial {
                    partials.push(format!("%{s}: {}", format_number(p)));
                }
            }
            if self.adjoints.is_some() && !partials.is_empty() {
                write!(f, " ; partials {}", partials.join(", "))?;
            }
            if n.backward {
                write!(f, " ; backward")?;
            }
            if let Some(at) = n.location {
                write!(f, "  at {}:{}", at.file(), at.line())?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

/// One line of the text dump, without the partials (those live on the
/// edges): `%id `name` = op operands = value ; adjoint a`.
impl GraphNode {
    /// The op's name as the dumps print it: [`Op::name`], or a custom op's
    /// own name ([`CustomOp::name`](crate::CustomOp::name)).
    ///
    /// ```
    /// use tapegrad::{Graph, Op, Tape};
    ///
    /// let tape = Tape::new();
    /// let x = tape.var(2.0);
    /// let graph = Graph::of(x.ln_1p());
    /// assert_eq!((graph.nodes()[1].op, graph.nodes()[1].op_name()), (Op::Ln1p, "ln_1p"));
    /// ```
    pub fn op_name(&self) -> &str {
        self.custom.as_deref().unwrap_or(self.op.name())
    }
}

impl fmt::Display for GraphNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "%{}", self.id)?;
        if let Some(name) = &self.name {
            write!(f, " `{}`", escape::text(name))?;
        }
        if let Some(e) = &self.expression {
            write!(f, " = {e}")?;
        } else {
            write!(f, " = {}", self.op_name())?;
        }
        for (k, o) in self.operands.iter().enumerate() {
            if self.expression.is_some() {
                break;
            }
            f.write_str(if k == 0 { " " } else { ", " })?;
            match o {
                Operand::Node(i) => write!(f, "%{i}")?,
                Operand::Const(c) => f.write_str(&format_number(*c))?,
            }
        }
        write!(f, " = {}", format_number(self.value))?;
        if let Some(a) = self.adjoint {
            write!(f, " ; adjoint {}", format_number(a))?;
        }
        Ok(())
    }
}

/// The local partial, or nothing for the edge of a constant.
impl fmt::Display for GraphEdge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.partial {
            Some(p) => f.write_str(&format_number(p)),
            None => Ok(()),
        }
    }
}

/// What an operand position of a recorded node refers to while selecting.
#[derive(Clone, Copy, Debug)]
enum Source {
    /// A tape node, and the input slot its partial is reported in.
    Node { index: usize, slot: usize },
    /// The op's own constant.
    Const(f64),
}

/// A selected node before numbering, by its position in the [`Walk`].
#[derive(Clone, Copy, Debug)]
enum Item {
    Tape(usize),
    /// The constant of the op at this position, as a node.
    ConstOf(usize),
}

/// Hashes indices with one multiplication and a fold, as FxHash does: the
/// keys are tape indices, walk positions and ids, not chosen to collide, so
/// SipHash's protection against chosen keys would only cost time.
#[derive(Clone, Copy, Debug, Default)]
struct IndexHasher(u64);

impl Hasher for IndexHasher {
    fn write(&mut self, bytes: &[u8]) {
        bytes.iter().for_each(|&b| self.write_u64(u64::from(b)));
    }

    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }

    fn write_usize(&mut self, x: usize) {
        self.write_u64(x as u64);
    }

    fn finish(&self) -> u64 {
        // Fold the well-mixed high bits into the low bits the table indexes by.
        self.0 ^ (self.0 >> 32)
    }
}

/// A map keyed by tape index, walk position or id.
type IndexMap<V> = HashMap<usize, V, BuildHasherDefault<IndexHasher>>;

/// A set of tape indices or walk positions.
type IndexSet = HashSet<usize, BuildHasherDefault<IndexHasher>>;

/// The nodes a selection walks, in the order it meets them, found by tape
/// index through one map.
#[derive(Default)]
struct Walk {
    /// Position in `nodes`, by tape index.
    position: IndexMap<usize>,
    nodes: Vec<Walked>,
}

/// A walked node.
struct Walked {
    node: Node,
    sources: Vec<Source>,
    /// Its id, once numbered, if it gets a node of its own.
    id: Option<usize>,
    /// The id of its op's constant shown as a node ([`Constants::AsNodes`]).
    const_id: Option<usize>,
}

impl Walk {
    /// Reads the node at tape index `index` and returns its position.
    fn add(&mut self, tape: &Tape, index: usize) -> usize {
        let node = tape.node_view(index);
        let sources = sources(&node);
        let p = self.nodes.len();
        self.position.insert(index, p);
        self.nodes.push(Walked {
            node,
            sources,
            id: None,
            const_id: None,
        });
        p
    }

    /// The walked node at tape index `index`; `None` for a folded constant.
    fn get(&self, index: usize) -> Option<&Walked> {
        self.position.get(&index).map(|&p| &self.nodes[p])
    }

    /// The id of the node at tape index `index`, if it has a node of its
    /// own.
    fn id(&self, index: usize) -> Option<usize> {
        self.get(index).and_then(|w| w.id)
    }
}

fn sources(node: &Node) -> Vec<Source> {
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

impl<'t> Graph<'t> {
    fn new(tape: &'t Tape, outputs: Option<Vec<usize>>) -> Graph<'t> {
        Graph {
            tape,
            outputs,
            adjoints: None,
            constants: Constants::default(),
            detail: Detail::default(),
            direction: Direction::default(),
            values: true,
            digits: Some(PICTURE_DIGITS),
            nodes: Vec::new(),
            formulas: Vec::new(),
            edges: Vec::new(),
            output_ids: Vec::new(),
            adjoint_id: None,
            pictures: OnceCell::new(),
        }
    }

    /// The roots of the walk: the outputs, or the tape's sinks in tape order.
    fn roots(&self) -> Vec<usize> {
        match &self.outputs {
            Some(outputs) => {
                let mut given = IndexSet::default();
                outputs
                    .iter()
                    .copied()
                    .filter(|&o| given.insert(o))
                    .collect()
            }
            None => {
                let mut used = vec![false; self.tape.len()];
                for n in (0..self.tape.len()).map(|i| self.tape.node_view(i)) {
                    n.inputs.iter().for_each(|&i| used[i] = true);
                }
                (0..used.len()).filter(|&i| !used[i]).collect()
            }
        }
    }

    /// Walks the graph from `roots` and numbers the nodes that get a node
    /// of their own (see the module docs for the order): the walk, with
    /// ids set, and the numbered items in id order.
    fn walk(&self, roots: &[usize], is_root: &IndexSet) -> (Walk, Vec<Item>) {
        let tape = self.tape;
        let named = self.detail == Detail::Named;
        let as_nodes = self.constants == Constants::AsNodes && !named;
        // A recorded constant that is not an output is printed where it is
        // used, unless constants are shown as nodes.
        let folded = |i: usize| {
            !as_nodes && !is_root.contains(&i) && tape.get(i).op() == Op::Const && {
                !named || tape.get(i).name().is_none()
            }
        };
        // Which walked nodes get a node of their own.
        let kept = |i: usize, node: &Node| {
            !named || is_root.contains(&i) || node.op == Op::Leaf || node.name.is_some()
        };

        // Depth-first walk in operand order; an explicit stack, since a
        // chain can be millions of nodes deep.
        let mut walk = Walk::default();
        let mut nullary: Vec<Item> = Vec::new();
        let mut interior: Vec<usize> = Vec::new();
        // (position in the walk, next source)
        let mut stack: Vec<(usize, usize)> = Vec::new();
        for &root in roots {
            if walk.position.contains_key(&root) {
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
                            if !walk.position.contains_key(&index) && !folded(index) {
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
                    if !kept(w.node.index, &w.node) {
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

    /// Selects and numbers the nodes (see the module docs for the order).
    fn select(&mut self) {
        let tape = self.tape;
        let roots = self.roots();
        let is_root: IndexSet = roots.iter().copied().collect();
        let named = self.detail == Detail::Named;
        let (walk, order) = self.walk(&roots, &is_root);
        // The folded expressions' partials, for the kept nodes with
        // operands, in id order.
        let mut jacobians = if named {
            named_jacobians(tape, &walk, &named_tops(&walk, &order))
        } else {
            Vec::new()
        }
        .into_iter();
        let adjoint = |i: usize| {
            self.adjoints
                .as_ref()
                .map(|(_, a)| a.get(i).copied().unwrap_or(0.0))
        };

        let mut nodes = Vec::with_capacity(order.len());
        let mut edges = Vec::new();
        let mut formulas = Vec::with_capacity(order.len());
        for (id, &item) in order.iter().enumerate() {
            let p = match item {
                Item::ConstOf(user) => {
                    let node = &walk.nodes[user].node;
                    nodes.push(GraphNode {
                        id,
                        tape_index: None,
                        op: Op::Const,
                        custom: None,
                        name: None,
                        operands: Vec::new(),
                        expression: None,
                        value: node.constant.unwrap_or(f64::NAN),
                        adjoint: None,
                        backward: node.backward,
                        output: false,
                        location: node.location,
                    });
                    formulas.push(None);
                    continue;
                }
                Item::Tape(p) => p,
            };
            let Walked {
                node,
                sources: s,
                const_id,
                ..
            } = &walk.nodes[p];
            let i = node.index;
            let mut operands = Vec::with_capacity(s.len());
            let mut formula = None;
            if named && !s.is_empty() {
                // The unnamed nodes between this node and the kept nodes it
                // reads fold into one expression; each edge carries the
                // chain-rule partial, summed over every path.
                let region = jacobians.next().unwrap_or_default();
                for (from, partial) in region {
                    let k = operands.len();
                    operands.push(Operand::Node(from));
                    edges.push((
                        from,
                        id,
                        GraphEdge {
                            operand: k,
                            partial: Some(partial),
                        },
                    ));
                }
                formula = Some(formula_tokens(tape, &walk, i));
            } else {
                let partials = if s.is_empty() {
                    Default::default()
                } else {
                    tape.partials(i)
                };
                for (k, &source) in s.iter().enumerate() {
                    let (from, partial) = match source {
                        Source::Node { index, slot } => match walk.id(index) {
                            Some(from) => (from, Some(partials[slot])),
                            None => {
                                operands.push(Operand::Const(tape.get(index).value));
                                continue;
                            }
                        },
                        Source::Const(c) => match const_id {
                            Some(from) => (*from, None),
                            None => {
                                operands.push(Operand::Const(c));
                                continue;
                            }
                        },
                    };
                    operands.push(Operand::Node(from));
                    edges.push((
                        from,
                        id,
                        GraphEdge {
                            operand: k,
                            partial,
                        },
                    ));
                }
            }
            nodes.push(GraphNode {
                id,
                tape_index: Some(i),
                op: node.op,
                custom: (node.op == Op::Custom).then(|| crate::escape::text(node.op_name())),
                name: node.name.clone(),
                operands,
                expression: formula
                    .as_ref()
                    .map(|f| render_formula(f, |id| format!("%{id}"))),
                value: node.value,
                adjoint: adjoint(i),
                backward: node.backward,
                output: is_root.contains(&i),
                location: node.location,
            });
            formulas.push(formula);
        }
        // Every root is kept: the outputs in the order given, or the
        // tape's sinks in id order.
        self.output_ids = match self.outputs {
            Some(_) => roots.iter().filter_map(|&r| walk.id(r)).collect(),
            None => nodes.iter().filter(|n| n.output).map(|n| n.id).collect(),
        };
        self.adjoint_id = self.adjoints.as_ref().and_then(|(out, _)| walk.id(*out));
        // Edges were collected by target in id order; keep that order.
        self.nodes = nodes;
        self.edges = edges;
        self.formulas = formulas;
        self.pictures = OnceCell::new();
    }
}

/// One piece of a folded expression: text, or a reference to a node.
#[derive(Clone, Debug, PartialEq)]
enum Token {
    Text(String),
    Node(usize),
}

/// The longest folded expression drawn, in characters (a region can share
/// subexpressions, and writing them out can grow exponentially).
const FORMULA_LIMIT: usize = 120;

/// The expression of kept node `top` over the unnamed nodes it folds:
/// `add(mul(%0, 2), mul(%1, 3))`, ops by their op-table names.
fn formula_tokens(tape: &Tape, walk: &Walk, top: usize) -> Vec<Token> {
    // Steps are cheap to push: a node with many operands pushes one per
    // operand, and most are never reached past the limit.
    enum Step {
        Visit(usize),
        Emit(&'static str),
        Number(f64),
    }
    let mut tokens = Vec::new();
    let mut length = 0;
    let mut stack = vec![Step::Visit(top)];
    while let Some(step) = stack.pop() {
        if length > FORMULA_LIMIT {
            tokens.push(Token::Text("…".to_string()));
            break;
        }
        let text = match step {
            Step::Emit(t) => t.to_string(),
            Step::Number(c) => format_number(c),
            Step::Visit(i) => match (i == top, walk.get(i)) {
                (false, Some(Walked { id: Some(n), .. })) => {
                    tokens.push(Token::Node(*n));
                    length += 3;
                    continue;
                }
                (_, Some(Walked { node, sources, .. })) => {
                    stack.push(Step::Emit(")"));
                    for (k, source) in sources.iter().enumerate().rev() {
                        stack.push(match *source {
                            Source::Node { index, .. } => Step::Visit(index),
                            Source::Const(c) => Step::Number(c),
                        });
                        if k > 0 {
                            stack.push(Step::Emit(", "));
                        }
                    }
                    format!("{}(", crate::escape::text(node.op_name()))
                }
                // A folded recorded constant.
                (_, None) => format_number(tape.get(i).value),
            },
        };
        length += text.chars().count();
        tokens.push(Token::Text(text));
    }
    tokens
}

/// A folded expression with node references written by `reference`.
fn render_formula(tokens: &[Token], reference: impl Fn(usize) -> String) -> String {
    tokens
        .iter()
        .map(|t| match t {
            Token::Text(s) => s.clone(),
            Token::Node(id) => reference(*id),
        })
        .collect()
}

/// A sparse row of partials: `(id, ∂top/∂id)`, in the order the walk meets
/// the ids (or walk positions, in place of ids, inside [`sweep`]).
type Jacobian = Vec<(usize, f64)>;

/// The walk positions of the kept nodes with operands, in id order: the
/// nodes that fold an expression ([`Detail::Named`]).
fn named_tops(walk: &Walk, order: &[Item]) -> Vec<usize> {
    order
        .iter()
        .filter_map(|&item| match item {
            Item::Tape(p) if !walk.nodes[p].sources.is_empty() => Some(p),
            _ => None,
        })
        .collect()
}

/// Work allowed to the exact per-node sweeps of [`named_jacobians`] beyond
/// two steps per walked node and operand, in steps (one per operand read).
const SWEEP_SLACK: usize = 1 << 17;

/// The local Jacobians of the kept nodes at walk positions `tops`
/// ([`Detail::Named`]): for each, `(source id, ∂top/∂source)` over the kept
/// nodes it reads through unnamed ones, summed over every path, in the
/// order the walk meets the sources.
///
/// Each is a reverse sweep of the unnamed nodes under its node (see
/// [`sweep`]). Those sweeps take time in proportion to the sum of the
/// regions' sizes, and regions can overlap: a chain of unnamed nodes that
/// every step's named output reads is swept once per output, quadratic in
/// the chain's length. Past a budget linear in the walk, the Jacobians are
/// found by [`by_shared_nodes`] instead, which sweeps every unnamed node
/// once. Both list the same sources in the same order; the partials can
/// differ in their last bits, as the products are taken in another order.
fn named_jacobians(tape: &Tape, walk: &Walk, tops: &[usize]) -> Vec<Jacobian> {
    let operands: usize = walk.nodes.iter().map(|w| w.sources.len()).sum();
    let mut budget = 2 * (walk.nodes.len() + operands) + SWEEP_SLACK;
    let kept = |q: usize| walk.nodes[q].id.is_some();
    let exact: Option<Vec<Jacobian>> = tops
        .iter()
        .map(|&top| sweep(tape, walk, top, kept, &mut budget))
        .collect();
    match exact {
        Some(regions) => regions
            .into_iter()
            .map(|region| {
                region
                    .into_iter()
                    .filter_map(|(q, d)| Some((walk.nodes[q].id?, d)))
                    .collect()
            })
            .collect(),
        None => by_shared_nodes(tape, walk, tops),
    }
}

/// A reverse sweep from walk position `top` over the nodes under it up to
/// the stops, seeded with 1, in the reverse of their depth-first post-order
/// (structural, so that the sums do not depend on tape order): the stops
/// met, `(position, ∂top/∂stop)`, in the order the walk meets them. Spends
/// a step of `budget` per operand read; `None` once it is spent.
fn sweep(
    tape: &Tape,
    walk: &Walk,
    top: usize,
    stop: impl Fn(usize) -> bool,
    budget: &mut usize,
) -> Option<Jacobian> {
    // Walk positions, in post-order.
    let mut order = Vec::new();
    let mut stops: Vec<(usize, f64)> = Vec::new();
    // Where each stop sits in `stops`, by walk position.
    let mut listed: IndexMap<usize> = IndexMap::default();
    let mut visited = IndexSet::default();
    visited.insert(top);
    let mut stack = vec![(top, 0)];
    while let Some(frame) = stack.last_mut() {
        let (p, k) = *frame;
        let s = &walk.nodes[p].sources;
        if k < s.len() {
            frame.1 += 1;
            *budget = budget.checked_sub(1)?;
            // A folded constant has no walk position.
            if let Source::Node { index, .. } = s[k] {
                if let Some(&q) = walk.position.get(&index) {
                    if visited.insert(q) {
                        if stop(q) {
                            listed.insert(q, stops.len());
                            stops.push((q, 0.0));
                        } else {
                            stack.push((q, 0));
                        }
                    }
                }
            }
        } else {
            stack.pop();
            order.push(p);
        }
    }
    // Adjoints of the nodes between, by walk position.
    let mut adjoints: IndexMap<f64> = IndexMap::default();
    adjoints.insert(top, 1.0);
    for &p in order.iter().rev() {
        let g = adjoints.get(&p).copied().unwrap_or(0.0);
        let w = &walk.nodes[p];
        let partials = tape.partials(w.node.index);
        for source in &w.sources {
            *budget = budget.checked_sub(1)?;
            let Source::Node { index, slot } = *source else {
                continue;
            };
            let Some(&q) = walk.position.get(&index) else {
                continue; // a folded constant
            };
            let d = g * partials[slot];
            match listed.get(&q) {
                Some(&at) => stops[at].1 += d,
                None => *adjoints.entry(q).or_insert(0.0) += d,
            }
        }
    }
    Some(stops)
}

/// [`named_jacobians`] in time linear in the walk and the Jacobians' sizes:
/// every unnamed node with more than one user is a stop of the sweeps, as
/// the kept nodes are, and gets a Jacobian of its own (inputs first, in
/// tape order), which the sweeps that meet it then scale and add up.
fn by_shared_nodes(tape: &Tape, walk: &Walk, tops: &[usize]) -> Vec<Jacobian> {
    let n = walk.nodes.len();
    let mut users = vec![0u32; n];
    for w in &walk.nodes {
        for source in &w.sources {
            if let Source::Node { index, .. } = *source {
                if let Some(&q) = walk.position.get(&index) {
                    users[q] = users[q].saturating_add(1);
                }
            }
        }
    }
    let shared = |q: usize| walk.nodes[q].id.is_none() && users[q] > 1;
    let stop = |q: usize| walk.nodes[q].id.is_some() || users[q] > 1;
    let ids = walk
        .nodes
        .iter()
        .filter_map(|w| w.id)
        .max()
        .map_or(0, |m| m + 1);
    let mut sum = Accumulator {
        at: vec![usize::MAX; ids],
        terms: Vec::new(),
    };
    let mut inner: Vec<usize> = (0..n).filter(|&q| shared(q)).collect();
    inner.sort_unstable_by_key(|&q| walk.nodes[q].node.index);
    let mut jacobians: IndexMap<Jacobian> = IndexMap::default();
    let mut unlimited = usize::MAX;
    for v in inner {
        let local = sweep(tape, walk, v, stop, &mut unlimited).unwrap_or_default();
        let j = sum.compose(walk, &jacobians, &local);
        jacobians.insert(v, j);
    }
    tops.iter()
        .map(|&top| {
            let local = sweep(tape, walk, top, stop, &mut unlimited).unwrap_or_default();
            sum.compose(walk, &jacobians, &local)
        })
        .collect()
}

/// Sums sparse rows by id, keeping the order ids first appear in.
struct Accumulator {
    /// Where each id sits in `terms`, or `usize::MAX`.
    at: Vec<usize>,
    terms: Vec<(usize, f64)>,
}

impl Accumulator {
    /// `Σ c · J(stop)` over the `(stop, c)` of `local`, where a kept
    /// node's `J` is itself and a shared node's is in `jacobians`.
    fn compose(
        &mut self,
        walk: &Walk,
        jacobians: &IndexMap<Jacobian>,
        local: &[(usize, f64)],
    ) -> Vec<(usize, f64)> {
        for &(q, c) in local {
            match walk.nodes[q].id {
                Some(id) => self.add(id, c),
                None => {
                    for &(id, d) in jacobians.get(&q).map_or(&[][..], Vec::as_slice) {
                        self.add(id, c * d);
                    }
                }
            }
        }
        let terms = std::mem::take(&mut self.terms);
        terms.iter().for_each(|&(id, _)| self.at[id] = usize::MAX);
        terms
    }

    fn add(&mut self, id: usize, x: f64) {
        match self.at[id] {
            usize::MAX => {
                self.at[id] = self.terms.len();
                self.terms.push((id, x));
            }
            k => self.terms[k].1 += x,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Jacobians of a Named graph both ways: the exact per-node sweeps
    /// (without a budget) and [`by_shared_nodes`].
    fn both_ways(graph: &Graph<'_>) -> (Vec<Jacobian>, Vec<Jacobian>) {
        let roots = graph.roots();
        let is_root: IndexSet = roots.iter().copied().collect();
        let (walk, order) = graph.walk(&roots, &is_root);
        let tops = named_tops(&walk, &order);
        let exact = tops
            .iter()
            .map(|&top| {
                let kept = |q: usize| walk.nodes[q].id.is_some();
                let mut unlimited = usize::MAX;
                sweep(graph.tape, &walk, top, kept, &mut unlimited)
                    .unwrap()
                    .into_iter()
                    .map(|(q, d)| (walk.nodes[q].id.unwrap(), d))
                    .collect()
            })
            .collect();
        (exact, by_shared_nodes(graph.tape, &walk, &tops))
    }

    fn assert_same(exact: &[Vec<(usize, f64)>], shared: &[Vec<(usize, f64)>]) {
        assert_eq!(exact.len(), shared.len());
        for (e, s) in exact.iter().zip(shared) {
            let ids = |r: &[(usize, f64)]| r.iter().map(|t| t.0).collect::<Vec<_>>();
            assert_eq!(ids(e), ids(s), "the same sources in the same order");
            for (&(_, a), &(_, b)) in e.iter().zip(s) {
                let close = a == b || (a - b).abs() <= 1e-12 * a.abs().max(b.abs());
                assert!(close, "partials {a} and {b} differ past rounding");
            }
        }
    }

    #[test]
    fn shared_nodes_give_the_exact_sweeps_jacobians_on_a_shared_chain() {
        let tape = Tape::new();
        let x = tape.var(0.3).named("x");
        let mut u = x;
        let mut outputs = Vec::new();
        for i in 0..50 {
            u = u.sin() + x * 0.5;
            outputs.push((u * 2.0).named(format!("n{i}")));
        }
        let total = tape.sum(&outputs).named("total");
        let graph = Graph::of(total).detail(Detail::Named);
        let (exact, shared) = both_ways(&graph);
        // Every output's region reads the whole chain below it: the case
        // the exact sweeps take quadratic time on.
        assert_same(&exact, &shared);
    }

    #[test]
    fn shared_nodes_give_the_exact_sweeps_jacobians_on_random_graphs() {
        // A small linear congruential generator: the same graphs every run.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |n: usize| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((state >> 33) as usize) % n
        };
        for _ in 0..200 {
            let tape = Tape::new();
            let mut vars: Vec<Var<'_>> = (0..3).map(|i| tape.var(0.2 + 0.3 * i as f64)).collect();
            for _ in 0..(5 + next(30)) {
                let a = vars[next(vars.len())];
                let b = vars[next(vars.len())];
                let v = match next(5) {
                    0 => a + b,
                    1 => a * b,
                    2 => a.sin(),
                    3 => a * 1.5 - b,
                    _ => tape.sum([a, b, a]),
                };
                vars.push(if next(3) == 0 {
                    v.named(format!("v{}", vars.len()))
                } else {
                    v
                });
            }
            let outputs: Vec<Var<'_>> = (0..1 + next(3))
                .map(|_| vars[vars.len() - 1 - next(vars.len().min(4))])
                .collect();
            let graph = Graph::of_all(&outputs).detail(Detail::Named);
            let (exact, shared) = both_ways(&graph);
            // Whatever the sharing, the two ways list the same sources in
            // the same order with the same partials (up to rounding).
            assert_same(&exact, &shared);
        }
    }
}
