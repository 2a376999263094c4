//! The petgraph and Graphviz DOT views (feature `petgraph`).

use std::fmt::Write as _;
use std::path::Path;

use petgraph::dot::{Config, Dot};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use super::label::{DOT_STRING_LIMIT, Kind, style};
use super::{Direction, Graph, GraphEdge, GraphNode, write_file};
use crate::error::Result;
use crate::escape;

impl Graph {
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
    /// [`Error::Write`](crate::Error::Write), naming `path`, if the file cannot be written.
    #[cfg(feature = "petgraph")]
    #[cfg_attr(docsrs, doc(cfg(feature = "petgraph")))]
    pub fn write_dot(&self, path: impl AsRef<Path>) -> Result<()> {
        write_file(path.as_ref(), &self.to_dot())
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
