//! Labels shared by the DOT and SVG views: how a picture refers to a
//! node, the lines of its label, its look.

use super::named::render_formula;
use super::{Direction, Graph, GraphEdge, GraphNode, Operand, format_number};
use crate::escape;
use crate::op::Op;

/// How the DOT and SVG views refer to nodes: by name (escaped and cut, see
/// [`escape::label`]) or `%id`.
#[derive(Clone, Debug)]
pub(super) struct Pictures {
    /// By node id.
    pub(super) references: Vec<String>,
    /// The output the adjoints belong to (`z` in `∂z/∂w`).
    pub(super) adjoint: Option<String>,
}

/// The most characters of a name that pictures show, escapes included; a
/// longer name is cut, with its length (well below Graphviz's 16,384-byte
/// strings, with room for the three places a label can name a node).
pub(super) const NAME_LIMIT: usize = 1_000;

/// The most characters of a label's op or expression line in pictures.
const LINE_LIMIT: usize = 1_000;

/// The most bytes of a DOT string, escapes included: Graphviz reads quoted
/// strings of up to 16,384 bytes. Labels of names cut to [`NAME_LIMIT`]
/// reach it only if most of their characters take four bytes.
pub(super) const DOT_STRING_LIMIT: usize = 12_000;

/// Colours and fonts shared by the DOT and SVG views.
pub(super) mod style {
    pub(in crate::graph) const FONT: &str = "Helvetica";
    pub(in crate::graph) const LINE: &str = "#37474f";
    pub(in crate::graph) const EDGE_TEXT: &str = "#1b5e20";
    pub(in crate::graph) const OP_FILL: &str = "#ffffff";
    pub(in crate::graph) const LEAF_FILL: &str = "#e3f2fd";
    pub(in crate::graph) const CONST_FILL: &str = "#eeeeee";
    pub(in crate::graph) const BACKWARD_FILL: &str = "#fff3e0";
    pub(in crate::graph) const BACKWARD_LINE: &str = "#e65100";
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
    pub(super) fn of(n: &GraphNode) -> Kind {
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
impl Graph {
    /// How pictures refer to the nodes, made once per selection.
    pub(super) fn pictures(&self) -> &Pictures {
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
                    None => match self.tape().name_of(*out as u32) {
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
}

/// `line` cut after `max` characters, with `…` in place of the rest.
fn cut(mut line: String, max: usize) -> String {
    if let Some((end, _)) = line.char_indices().nth(max) {
        line.truncate(end);
        line.push('…');
    }
    line
}
