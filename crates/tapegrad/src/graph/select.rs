//! Selecting a graph's nodes from the tape: the walk and numbering
//! ([`numbering::walk`](crate::numbering::walk), shared with error messages), then one
//! [`GraphNode`] per numbered item with its operands and edges.

use std::cell::OnceCell;

use super::named::{Token, formula_tokens, named_jacobians, named_tops, render_formula};
use super::{Constants, Detail, Direction, Graph, GraphEdge, GraphNode, Operand, PICTURE_DIGITS};
use crate::numbering::{self, Item, Rules, Source, Walk, Walked};
use crate::op::Op;
use crate::tape::State;
use std::rc::Rc;

/// The nodes, edges and folded expressions of a selection as it is built,
/// in id order.
struct Selection {
    nodes: Vec<GraphNode>,
    /// `(source, target, edge)`, by target in id order, then operand.
    edges: Vec<(usize, usize, GraphEdge)>,
    formulas: Vec<Option<Vec<Token>>>,
}

impl Selection {
    /// An edge into node `id` from `from`, its `k`th operand.
    fn edge(&mut self, from: usize, id: usize, k: usize, partial: Option<f64>) {
        self.edges.push((
            from,
            id,
            GraphEdge {
                operand: k,
                partial,
            },
        ));
    }

    /// The `const` node of the op at walk position `user`, shown as a node
    /// of its own ([`Constants::AsNodes`]).
    fn const_node(&mut self, walk: &Walk, id: usize, user: usize) {
        let node = &walk.nodes[user].node;
        self.nodes.push(GraphNode {
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
        self.formulas.push(None);
    }

    /// The operands of node `id` folding an expression ([`Detail::Named`]):
    /// the kept nodes it reads through unnamed ones, each edge carrying the
    /// chain-rule partial summed over every path (`region`).
    fn named_operands(&mut self, id: usize, region: Vec<(usize, f64)>) -> Vec<Operand> {
        let mut operands = Vec::with_capacity(region.len());
        for (from, partial) in region {
            self.edge(from, id, operands.len(), Some(partial));
            operands.push(Operand::Node(from));
        }
        operands
    }

    /// The operands of node `id` at walk position `p`, in operand order:
    /// an edge from each operand with a node of its own, with its local
    /// partial, and the value of each folded constant.
    fn plain_operands(&mut self, tape: &State, walk: &Walk, id: usize, p: usize) -> Vec<Operand> {
        let Walked {
            node,
            sources,
            const_id,
            ..
        } = &walk.nodes[p];
        let partials = if sources.is_empty() {
            Default::default()
        } else {
            tape.partials(node.index)
        };
        let mut operands = Vec::with_capacity(sources.len());
        for (k, &source) in sources.iter().enumerate() {
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
            self.edge(from, id, k, partial);
        }
        operands
    }
}

impl Graph {
    pub(super) fn new(tape: Rc<State>, outputs: Option<Vec<usize>>) -> Graph {
        let id = tape.id();
        Graph {
            tape: super::Recording { state: tape, id },
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

    /// The roots of the walk: the outputs, each once, in the order given,
    /// or the tape's sinks in tape order.
    pub(super) fn roots(&self) -> Vec<usize> {
        match &self.outputs {
            Some(outputs) => {
                let bound = outputs.iter().max().map_or(0, |&m| m + 1);
                let mut given = vec![false; bound];
                outputs
                    .iter()
                    .copied()
                    .filter(|&o| !std::mem::replace(&mut given[o], true))
                    .collect()
            }
            None => {
                let mut used = vec![false; self.tape().len()];
                for n in (0..self.tape().len()).map(|i| self.tape().node_view(i)) {
                    n.inputs.iter().for_each(|&i| used[i] = true);
                }
                (0..used.len()).filter(|&i| !used[i]).collect()
            }
        }
    }

    /// Walks the graph from `roots` and numbers the nodes that get a node
    /// of their own (see the module docs for the order): the walk, with
    /// ids set, and the numbered items in id order.
    pub(super) fn walk(&self, roots: &[usize]) -> (Walk, Vec<Item>) {
        let rules = Rules {
            named: self.detail == Detail::Named,
            constants_as_nodes: self.constants == Constants::AsNodes,
        };
        numbering::walk(self.tape(), roots, rules)
    }

    /// Selects and numbers the nodes (see the module docs for the order).
    pub(super) fn select(&mut self) {
        let tape = self.tape();
        let roots = self.roots();
        let named = self.detail == Detail::Named;
        let (walk, order) = self.walk(&roots);
        // The folded expressions' partials, for the kept nodes with
        // operands, in id order.
        let mut jacobians = if named {
            named_jacobians(tape, &walk, &named_tops(&walk, &order))
        } else {
            Vec::new()
        }
        .into_iter();
        let mut selection = Selection {
            nodes: Vec::with_capacity(order.len()),
            edges: Vec::new(),
            formulas: Vec::with_capacity(order.len()),
        };
        for (id, &item) in order.iter().enumerate() {
            let p = match item {
                Item::ConstOf(user) => {
                    selection.const_node(&walk, id, user);
                    continue;
                }
                Item::Tape(p) => p,
            };
            let node = &walk.nodes[p].node;
            let folds = named && !walk.nodes[p].sources.is_empty();
            let (operands, formula) = if folds {
                let region = jacobians.next().unwrap_or_default();
                let operands = selection.named_operands(id, region);
                (operands, Some(formula_tokens(tape, &walk, node.index)))
            } else {
                (selection.plain_operands(tape, &walk, id, p), None)
            };
            selection
                .nodes
                .push(self.tape_node(&walk, id, p, operands, &formula));
            selection.formulas.push(formula);
        }
        self.finish(&roots, &walk, selection);
    }

    /// The node `id` of the tape node at walk position `p`.
    fn tape_node(
        &self,
        walk: &Walk,
        id: usize,
        p: usize,
        operands: Vec<Operand>,
        formula: &Option<Vec<Token>>,
    ) -> GraphNode {
        let node = &walk.nodes[p].node;
        let i = node.index;
        GraphNode {
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
            adjoint: self
                .adjoints
                .as_ref()
                .map(|(_, a)| a.get(i).copied().unwrap_or(0.0)),
            backward: node.backward,
            output: walk.is_root(i),
            location: node.location,
        }
    }

    /// Keeps a finished selection, with its outputs' ids.
    fn finish(&mut self, roots: &[usize], walk: &Walk, selection: Selection) {
        // Every root is kept: the outputs in the order given, or the
        // tape's sinks in id order.
        self.output_ids = match self.outputs {
            Some(_) => roots.iter().filter_map(|&r| walk.id(r)).collect(),
            None => selection
                .nodes
                .iter()
                .filter(|n| n.output)
                .map(|n| n.id)
                .collect(),
        };
        self.adjoint_id = self.adjoints.as_ref().and_then(|(out, _)| walk.id(*out));
        // Edges were collected by target in id order; keep that order.
        self.nodes = selection.nodes;
        self.edges = selection.edges;
        self.formulas = selection.formulas;
        self.pictures = OnceCell::new();
    }
}

#[cfg(test)]
mod tests {
    use crate::numbering::ids_of;
    use crate::{Graph, Tape, Var};

    #[test]
    fn error_ids_are_the_ids_of_the_outputs_dump() {
        // A small linear congruential generator: the same graphs every run.
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = |n: usize| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((state >> 33) as usize) % n
        };
        for _ in 0..100 {
            let tape = Tape::new();
            let mut vars: Vec<Var> = (0..3).map(|i| tape.var(0.5 + i as f64)).collect();
            for _ in 0..(3 + next(20)) {
                let a = vars[next(vars.len())];
                let b = vars[next(vars.len())];
                vars.push(match next(5) {
                    0 => a * b,
                    1 => 2.0 - a,
                    2 => a + tape.constant(3.0),
                    3 => a.sin(),
                    _ => tape.sum([a, b]),
                });
            }
            let output = vars[vars.len() - 1 - next(3)];
            let walk = ids_of(tape.state(), output.index());
            // Every node of the dump has the id the walk gives its tape
            // index, and every tape index the walk numbers is in the dump.
            let graph = Graph::of(output);
            for n in graph.nodes() {
                let i = n.tape_index.expect("a plain dump has tape nodes only");
                assert_eq!(walk.id(i), Some(n.id), "tape index {i}");
            }
            let numbered = (0..tape.len()).filter(|&i| walk.id(i).is_some()).count();
            assert_eq!(numbered, graph.nodes().len());
        }
    }
}
