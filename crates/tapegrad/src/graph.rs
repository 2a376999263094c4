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
//! [`Display`](std::fmt::Display)), [`Graph::to_dot`], [`Graph::to_svg`] and
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
use std::path::Path;

use crate::error::{Error, IoError, Result};
pub use crate::escape::format_number;
use crate::op::Op;
use crate::tape::{Gradients, State, Tape, Var};
use std::rc::Rc;

// This file holds the Graph type, its builders and accessors; each view
// and step has a file of its own.
/// The petgraph and DOT views.
#[cfg(feature = "petgraph")]
mod dot;
/// The HTML page that steps through the backward sweep.
#[cfg(feature = "html")]
mod html;
/// The labels, looks and references the pictures share.
mod label;
/// Detail::Named: folded expressions and their Jacobians.
mod named;
/// Constants, Detail, Direction.
mod options;
/// Selecting and numbering nodes (through crate::numbering).
mod select;
/// The SVG view: its layout and drawing.
#[cfg(feature = "svg")]
mod svg;
/// The text dump.
mod text;

use label::Pictures;
use named::Token;
pub use options::{Constants, Detail, Direction};

/// The petgraph crate that [`Graph::to_petgraph`] builds on, re-exported so
/// its algorithms are at hand in the matching version.
#[cfg(feature = "petgraph")]
#[cfg_attr(docsrs, doc(cfg(feature = "petgraph")))]
pub use petgraph;

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
/// dump (its [`Display`](std::fmt::Display)).
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
    /// order, and its petgraph
    /// [`NodeIndex`](petgraph::graph::NodeIndex).
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
pub struct Graph {
    tape: Recording,
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

/// The tape a graph reads, held for as long as the graph lives, and the
/// recording it was made of: after [`Tape::clear`] the graph refuses to
/// read the new contents.
#[derive(Clone)]
struct Recording {
    state: Rc<State>,
    id: u64,
}

impl std::fmt::Debug for Recording {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recording").field("id", &self.id).finish()
    }
}

impl Graph {
    /// The tape this graph reads.
    ///
    /// # Panics
    /// If the tape was cleared after the graph was made.
    #[track_caller]
    fn tape(&self) -> &State {
        let Recording { state, id } = &self.tape;
        if state.id() != *id {
            panic!(
                "tapegrad: the tape was cleared after this graph was made; make the graph again from the new recording"
            );
        }
        state
    }
}

/// Significant digits of picture labels unless [`Graph::digits`] says.
pub const PICTURE_DIGITS: usize = 4;

impl Graph {
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
    pub fn of(output: Var) -> Graph {
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
    pub fn of_all(outputs: &[Var]) -> Graph {
        let first = outputs
            .first()
            .expect("tapegrad: a graph needs at least one output");
        let tape = crate::tape::shared(first.id);
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
    pub fn with_gradients(gradients: &Gradients) -> Graph {
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
    pub fn of_tape(tape: &Tape) -> Graph {
        let mut graph = Graph::new(tape.shared(), None);
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
    pub fn gradients(mut self, gradients: &Gradients) -> Graph {
        let output = gradients.output();
        self.tape().check_owns(output);
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
    pub fn outputs(mut self, outputs: &[Var]) -> Graph {
        assert!(
            !outputs.is_empty(),
            "tapegrad: a graph needs at least one output"
        );
        self.tape().check_owns_all(outputs);
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
    pub fn constants(mut self, constants: Constants) -> Graph {
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
    pub fn detail(mut self, detail: Detail) -> Graph {
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
    pub fn direction(mut self, direction: Direction) -> Graph {
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
    pub fn values(mut self, show: bool) -> Graph {
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
    pub fn digits(mut self, digits: Option<usize>) -> Graph {
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
}

fn write_file(path: &Path, contents: &str) -> Result<()> {
    std::fs::write(path, contents).map_err(|e| Error::Write {
        path: path.to_path_buf(),
        source: IoError::from(e),
    })
}
