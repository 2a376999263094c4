//! The SVG view: a layered layout of our own places the nodes and routes
//! the edges, and a small deterministic backend draws them.
//!
//! The layout is Sugiyama's, as Graphviz's `dot` does it: every edge label
//! is an item of its own in a layer between its edge's source and target,
//! and the edge passes through it, so a label sits on its own edge and no
//! two items (nodes, labels) overlap by construction. Edges that skip
//! layers bend through each layer they cross. It takes about linear time.
//! Left to right, edge labels and nodes' adjoint lines (`∂z/∂x = …`)
//! break before their ` = ` into two lines, and the layers next to labels
//! keep a narrower gap: the length along the flow is what grows with a
//! graph's depth, and each step of it is a layer of nodes and one of
//! labels.
//!
//! layout-rs laid small graphs out before: its crossing minimization grows
//! like the fourth power of the graph's size, and it stacked the edge
//! labels of a wide layer in one column over the lines crossing there (a
//! 72-node MLP drew 6178 px wide with labels piled up; ours draws it under
//! 4000). Nothing of it is left: the points, looks and drawing are a few
//! private types here, so the `svg` feature needs no dependency.
//!
//! The drawing is ours too: rounded boxes sized to their labels, `<title>`s
//! naming each node, edge labels drawn last so that lines never hide them
//! (on a white ground), and coordinates rounded to one decimal, so the
//! output is byte-identical from run to run. Elements have stable ids for
//! scripts: node `{ID}` (its dump id) is `<g id="node{ID}" class="node …">`,
//! edge `K` (its index in [`Graph::edges`]) is `<path id="edge{K}">`, and its
//! label `<g id="edge{K}-label" class="edge-label">`.

use std::path::Path;

use super::label::style;
use super::{Direction, Graph, write_file};
use crate::error::Result;

mod canvas;
mod layout;

/// Font size of node labels, in pixels.
const NODE_FONT: usize = 14;
/// Font size of edge labels, in pixels.
const EDGE_FONT: usize = 12;
/// Line height, as a multiple of the font size.
const LINE_HEIGHT: f64 = 1.3;
/// Average glyph width, as a multiple of the font size (sans-serif digits
/// and lower-case letters are narrower; this leaves a margin).
const GLYPH_WIDTH: f64 = 0.6;
/// Space between a node's label and its border.
const PADDING: Point = Point { x: 12.0, y: 8.0 };
/// Space around the whole picture.
const MARGIN: f64 = 12.0;
/// A point, or a size, in pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Point {
    x: f64,
    y: f64,
}

impl Point {
    const fn new(x: f64, y: f64) -> Point {
        Point { x, y }
    }

    const fn zero() -> Point {
        Point::new(0.0, 0.0)
    }

    fn add(self, other: Point) -> Point {
        Point::new(self.x + other.x, self.y + other.y)
    }

    fn sub(self, other: Point) -> Point {
        Point::new(self.x - other.x, self.y - other.y)
    }
}

/// How a box or line is drawn: colours as SVG writes them (`#rrggbb`).
struct Look {
    line: &'static str,
    width: usize,
    fill: Option<&'static str>,
    /// The corner radius, in pixels.
    rounded: usize,
    font: usize,
}

/// What the layout places and the canvas draws: every node and edge with
/// its label and look.
struct Scene {
    /// Left to right, rather than top to bottom.
    lr: bool,
    nodes: Vec<SceneNode>,
    edges: Vec<SceneEdge>,
}

struct SceneNode {
    label: String,
    look: Look,
    /// The box, label and padding.
    size: Point,
    /// `(id, class, title)` of the node's `<g>`.
    title: (String, &'static str, String),
}

struct SceneEdge {
    source: usize,
    target: usize,
    /// The local partial `∂user/∂operand = p`, or empty.
    label: String,
    look: Look,
    dashed: bool,
}

impl Scene {
    fn of(graph: &Graph) -> Scene {
        let lr = graph.direction_of() == Direction::LeftToRight;
        let nodes = graph
            .nodes()
            .iter()
            .map(|n| {
                let mut lines = graph.node_label(n);
                if lr {
                    // The adjoint line, `∂z/∂x = …`, is a node's longest;
                    // left to right, its width adds to the picture's
                    // length: two lines.
                    // (The first line is the value's, whatever the name.)
                    for line in lines.iter_mut().skip(1).filter(|l| l.starts_with('∂')) {
                        *line = line.replacen(" = ", "\n= ", 1);
                    }
                }
                let label = lines.join("\n");
                let kind = graph.node_kind(n);
                let look = Look {
                    line: kind.line(),
                    width: if n.output { 2 } else { 1 },
                    fill: Some(kind.fill()),
                    rounded: 6,
                    font: NODE_FONT,
                };
                let size = text_size(&label, NODE_FONT);
                let size = Point::new(size.x + 2.0 * PADDING.x, size.y + 2.0 * PADDING.y);
                // The name as the labels show it (escaped, and cut if long).
                let title = match &n.name {
                    Some(_) => format!("%{} {}", n.id, graph.reference(n.id)),
                    None => format!("%{}", n.id),
                };
                SceneNode {
                    label,
                    look,
                    size,
                    title: (format!("node{}", n.id), kind.class(), title),
                }
            })
            .collect();
        let edges = graph
            .edges()
            .iter()
            .map(|(s, t, e)| {
                let backward = graph.nodes()[*t].backward;
                let line = if backward {
                    style::BACKWARD_LINE
                } else {
                    style::LINE
                };
                SceneEdge {
                    source: *s,
                    target: *t,
                    label: if lr {
                        // Left to right, a label's width adds to the
                        // picture's length: two shorter lines.
                        graph.edge_label(*s, *t, e).replacen(" = ", "\n= ", 1)
                    } else {
                        graph.edge_label(*s, *t, e)
                    },
                    look: Look {
                        line,
                        width: 1,
                        fill: None,
                        rounded: 0,
                        font: EDGE_FONT,
                    },
                    dashed: backward,
                }
            })
            .collect();
        Scene { lr, nodes, edges }
    }
}

/// The SVG view (feature `svg`).
impl Graph {
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
        render(self)
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
    /// [`Error::Write`](crate::Error::Write), naming `path`, if the file cannot be written.
    #[cfg(feature = "svg")]
    #[cfg_attr(docsrs, doc(cfg(feature = "svg")))]
    pub fn write_svg(&self, path: impl AsRef<Path>) -> Result<()> {
        write_file(path.as_ref(), &self.to_svg())
    }
}

/// Renders `graph` as an SVG document.
pub(super) fn render(graph: &Graph) -> String {
    layout::layered(&Scene::of(graph))
}

/// The size of a block of text, one line per `\n`.
fn text_size(text: &str, font: usize) -> Point {
    let font = font as f64;
    let chars = text.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    let lines = text.lines().count().max(1);
    Point::new(
        chars as f64 * font * GLYPH_WIDTH,
        lines as f64 * font * LINE_HEIGHT,
    )
}
