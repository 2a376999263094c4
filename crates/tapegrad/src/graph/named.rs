//! [`Detail::Named`](super::Detail::Named): the folded expressions of the
//! kept nodes, and the partials of each over the kept nodes it reads.

use super::format_number;
use crate::numbering::{Item, Source, Walk, Walked};
use crate::tape::State;

/// One piece of a folded expression: text, or a reference to a node.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Token {
    Text(String),
    Node(usize),
}

/// The longest folded expression drawn, in characters (a region can share
/// subexpressions, and writing them out can grow exponentially).
const FORMULA_LIMIT: usize = 120;

/// The expression of kept node `top` over the unnamed nodes it folds:
/// `add(mul(%0, 2), mul(%1, 3))`, ops by their op-table names.
pub(super) fn formula_tokens(tape: &State, walk: &Walk, top: usize) -> Vec<Token> {
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
pub(super) fn render_formula(tokens: &[Token], reference: impl Fn(usize) -> String) -> String {
    tokens
        .iter()
        .map(|t| match t {
            Token::Text(s) => s.clone(),
            Token::Node(id) => reference(*id),
        })
        .collect()
}

/// A sparse row of partials: `(id, ∂top/∂id)`, in the order the walk meets
/// the ids (or walk positions, in place of ids, inside [`Sweeper::sweep`]).
pub(super) type Jacobian = Vec<(usize, f64)>;

/// The walk positions of the kept nodes with operands, in id order: the
/// nodes that fold an expression ([`Detail::Named`](super::Detail::Named)).
pub(super) fn named_tops(walk: &Walk, order: &[Item]) -> Vec<usize> {
    order
        .iter()
        .filter_map(|&item| match item {
            Item::Tape(p) if !walk.nodes[p].sources.is_empty() => Some(p),
            _ => None,
        })
        .collect()
}

/// The local Jacobians of the kept nodes at walk positions `tops`
/// ([`Detail::Named`](super::Detail::Named)): for each, `(source id,
/// ∂top/∂source)` over the kept nodes it reads through unnamed ones, summed
/// over every path, in the order the walk meets the sources.
///
/// One algorithm for every graph, so a dump's partials depend on the graph
/// alone, in time linear in the walk and the Jacobians' sizes: every
/// unnamed node with more than one user is a stop of the reverse sweeps
/// ([`Sweeper::sweep`]), as the kept nodes are, and gets a Jacobian of its
/// own (inputs first, in tape order), which the sweeps that meet it then
/// scale and add up. A sweep per kept node over all the unnamed nodes
/// under it would be quadratic where regions overlap (a chain of unnamed
/// nodes that every step's named output reads).
pub(super) fn named_jacobians(tape: &State, walk: &Walk, tops: &[usize]) -> Vec<Jacobian> {
    let n = walk.nodes.len();
    let mut users = vec![0u32; n];
    for w in &walk.nodes {
        for source in &w.sources {
            if let Source::Node { index, .. } = *source
                && let Some(q) = walk.position(index)
            {
                users[q] = users[q].saturating_add(1);
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
    // The Jacobians of the shared nodes, by walk position.
    let mut jacobians: Vec<Jacobian> = vec![Vec::new(); n];
    let mut sweeper = Sweeper::new(tape, walk);
    for v in inner {
        let local = sweeper.sweep(v, stop);
        jacobians[v] = sum.compose(walk, &jacobians, &local);
    }
    tops.iter()
        .map(|&top| {
            let local = sweeper.sweep(top, stop);
            sum.compose(walk, &jacobians, &local)
        })
        .collect()
}

/// Reverse sweeps over a walk, with their scratch space: dense tables by
/// walk position, cleared where the last sweep wrote them, so that many
/// small sweeps over a large walk take time in proportion to their sizes.
struct Sweeper<'a> {
    tape: &'a State,
    walk: &'a Walk,
    /// Whether the sweep met each position.
    visited: Vec<bool>,
    /// Where each stop sits in the sweep's result, or [`UNLISTED`].
    listed: Vec<usize>,
    /// The adjoints of the nodes between, by position.
    adjoints: Vec<f64>,
    /// The positions the last sweep wrote, to clear.
    touched: Vec<usize>,
}

/// Marks a position that is not a stop of the sweep.
const UNLISTED: usize = usize::MAX;

impl<'a> Sweeper<'a> {
    fn new(tape: &'a State, walk: &'a Walk) -> Sweeper<'a> {
        let n = walk.nodes.len();
        Sweeper {
            tape,
            walk,
            visited: vec![false; n],
            listed: vec![UNLISTED; n],
            adjoints: vec![0.0; n],
            touched: Vec::new(),
        }
    }

    /// A reverse sweep from walk position `top` over the nodes under it up
    /// to the stops, seeded with 1, in the reverse of their depth-first
    /// post-order (structural, so that the sums do not depend on tape
    /// order): the stops met, `(position, ∂top/∂stop)`, in the order the
    /// walk meets them.
    fn sweep(&mut self, top: usize, stop: impl Fn(usize) -> bool) -> Jacobian {
        for q in self.touched.drain(..) {
            self.visited[q] = false;
            self.listed[q] = UNLISTED;
            self.adjoints[q] = 0.0;
        }
        let walk = self.walk;
        // Walk positions, in post-order.
        let mut order = Vec::new();
        let mut stops: Vec<(usize, f64)> = Vec::new();
        self.visited[top] = true;
        self.touched.push(top);
        let mut stack = vec![(top, 0)];
        while let Some(frame) = stack.last_mut() {
            let (p, k) = *frame;
            let s = &walk.nodes[p].sources;
            if k < s.len() {
                frame.1 += 1;
                // A folded constant has no walk position.
                let Source::Node { index, .. } = s[k] else {
                    continue;
                };
                let Some(q) = walk.position(index) else {
                    continue;
                };
                if !std::mem::replace(&mut self.visited[q], true) {
                    self.touched.push(q);
                    if stop(q) {
                        self.listed[q] = stops.len();
                        stops.push((q, 0.0));
                    } else {
                        stack.push((q, 0));
                    }
                }
            } else {
                stack.pop();
                order.push(p);
            }
        }
        self.adjoints[top] = 1.0;
        for &p in order.iter().rev() {
            let g = self.adjoints[p];
            let w = &walk.nodes[p];
            let partials = self.tape.partials(w.node.index);
            for source in &w.sources {
                let Source::Node { index, slot } = *source else {
                    continue;
                };
                let Some(q) = walk.position(index) else {
                    continue; // a folded constant
                };
                let d = g * partials[slot];
                match self.listed[q] {
                    UNLISTED => self.adjoints[q] += d,
                    at => stops[at].1 += d,
                }
            }
        }
        stops
    }
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
        jacobians: &[Jacobian],
        local: &[(usize, f64)],
    ) -> Vec<(usize, f64)> {
        for &(q, c) in local {
            match walk.nodes[q].id {
                Some(id) => self.add(id, c),
                None => {
                    for &(id, d) in &jacobians[q] {
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
    use crate::Tape;
    use crate::graph::{Detail, Graph};
    use crate::tape::Var;

    /// The Jacobians of a Named graph both ways: sweeps from each kept
    /// node over every unnamed node under it (the reference, quadratic
    /// where regions overlap) and [`named_jacobians`].
    fn both_ways(graph: &Graph) -> (Vec<Jacobian>, Vec<Jacobian>) {
        let roots = graph.roots();
        let (walk, order) = graph.walk(&roots);
        let tops = named_tops(&walk, &order);
        let mut sweeper = Sweeper::new(graph.tape(), &walk);
        let exact = tops
            .iter()
            .map(|&top| {
                let kept = |q: usize| walk.nodes[q].id.is_some();
                sweeper
                    .sweep(top, kept)
                    .into_iter()
                    .map(|(q, d)| (walk.nodes[q].id.unwrap(), d))
                    .collect()
            })
            .collect();
        (exact, named_jacobians(graph.tape(), &walk, &tops))
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
            let mut vars: Vec<Var> = (0..3).map(|i| tape.var(0.2 + 0.3 * i as f64)).collect();
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
            let outputs: Vec<Var> = (0..1 + next(3))
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
