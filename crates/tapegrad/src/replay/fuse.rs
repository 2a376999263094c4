//! Fused runs: what they are ([`Fused`]), where a program's products are
//! added up by one sum or one chain of additions (`fuse`), and the check
//! that a program is of the shape the unchecked replay reads
//! (`well_formed`).
#[allow(clippy::wildcard_imports)]
use super::*;

/// A run of products that one node adds up, which a compiled program
/// replays with that node as one step, forward and back, without
/// dispatching on each product's op or reading the products back: a
/// neuron's `b + Σ wᵢ·xᵢ`, as one sum or as a loop of additions. The
/// products are all `x·y` or all `x·c`, each used once, by the run alone,
/// and not read by the caller. The formulas are the op table's and the
/// order is the tape's, so the numbers are those of the nodes one by one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Fused {
    /// The run's first node, a product.
    pub(super) first: u32,
    /// Where the first product's operand words start.
    pub(super) first_at: u32,
    /// The run's last node: the sum, or the last addition.
    pub(super) last: u32,
    /// The products' op, [`Op::Mul`] or [`Op::MulConst`].
    pub(super) op: Op,
    pub(super) kind: Run,
}

/// How a fused run adds its products up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Run {
    /// The nodes `first..last` are products, and the sum `last`'s input
    /// list ends with them, in order: `tape.sum(once(b).chain(products))`.
    Sum,
    /// The nodes `first..=last` alternate a product and an addition of it
    /// to the addition before (`acc = acc + w·x` in a loop), each addition
    /// used by the next alone; the first adds to a node before the run.
    /// At least two products: one and its addition gain nothing as a run.
    Chain,
}

impl Fused {
    /// How many products the run adds up.
    #[inline(always)]
    pub(super) fn products(&self) -> u32 {
        match self.kind {
            Run::Sum => self.last - self.first,
            Run::Chain => (self.last - self.first).div_ceil(2),
        }
    }
}

/// Where each node's operand words start in `t.args()`, all at once (the
/// tape's own index is built on demand, node by node).
pub(super) fn word_offsets(t: &Inner) -> Vec<usize> {
    let mut at = 0;
    t.ops()
        .iter()
        .map(|op| {
            let start = at;
            at += op.words();
            start
        })
        .collect()
}

/// The first two operand words of node `j`, whose words start at
/// `offsets[j]`, as indices.
pub(super) fn two_words(t: &Inner, offsets: &[usize], j: usize) -> (usize, usize) {
    (
        t.args()[offsets[j]] as usize,
        t.args()[offsets[j] + 1] as usize,
    )
}

/// The fused runs of program `p` ([`Fused`]), in increasing order. A
/// node in `read` (the output, a guard's operand) is not fused inside a
/// run: its value is read on its own.
pub(super) fn fuse(p: &mut Inner, read: impl IntoIterator<Item = u32>) -> Vec<Fused> {
    let n = p.ops().len();
    let mut uses = vec![0u32; n];
    let mut user = vec![u32::MAX; n];
    for i in 0..n {
        p.for_each_input(i, |x| {
            uses[x as usize] += 1;
            user[x as usize] = i as u32;
        });
    }
    for i in read {
        uses[i as usize] += 1;
    }
    let offsets = word_offsets(p);
    let only_for = |q: usize, by: usize| uses[q] == 1 && user[q] == by as u32;
    let words = |j: usize| two_words(p, &offsets, j);
    let mut fused = Vec::new();
    // From the end, so that a chain is found whole from its last addition.
    let mut floor = n;
    for s in (1..n).rev() {
        let product = p.ops()[s - 1];
        if s >= floor || !matches!(product, Op::Mul | Op::MulConst) {
            continue;
        }
        let (first, kind) = match p.ops()[s] {
            Op::Sum => {
                // The list's last entries are the nodes just before the sum.
                let (start, len) = words(s);
                let list = &p.lists()[start..start + len];
                let run = list.iter().rev().zip((0..s).rev());
                let count = run
                    .take_while(|&(&x, q)| {
                        x as usize == q && p.ops()[q] == product && only_for(q, s)
                    })
                    .count();
                (s - count, Run::Sum)
            }
            Op::Add => {
                let (mut j, mut first) = (s, s);
                loop {
                    let (total, term) = words(j);
                    if term != j - 1 || p.ops()[j - 1] != product || !only_for(j - 1, j) {
                        break;
                    }
                    first = j - 1;
                    // Go on while the total is the addition just before.
                    if j >= 3 && total == j - 2 && p.ops()[total] == Op::Add && only_for(total, j) {
                        j = total;
                    } else {
                        break;
                    }
                }
                (if s - first < 3 { s } else { first }, Run::Chain)
            }
            _ => continue,
        };
        if first < s {
            floor = first;
            fused.push(Fused {
                first: first as u32,
                first_at: offsets[first] as u32,
                last: s as u32,
                op: product,
                kind,
            });
        }
    }
    fused.reverse();
    fused
}

/// Whether every operand word of `t` is where [`replay`] reads without
/// checks: inputs before their node, constants and lists in their pools,
/// and each fused run of the shape it claims, at the words it names, in
/// order.
pub(super) fn well_formed(t: &Inner, customs: usize, fused: &[Fused]) -> bool {
    let n = t.ops().len();
    // Every node's words first, in usize arithmetic that cannot wrap: the
    // runs' checks below index the words this one has bounded.
    let mut at = 0;
    let nodes = t.values().len() == n
        && t.ops().iter().enumerate().all(|(i, &op)| {
            let Some(words) = t.args().get(at..at + op.words()) else {
                return false;
            };
            at += op.words();
            let mut w = [0; 3];
            for (w, &x) in w.iter_mut().zip(words) {
                *w = x as usize;
            }
            let node = |x: usize| x < i;
            let list = |s: usize, l: usize| {
                t.lists()
                    .get(s..s + l)
                    .is_some_and(|l| l.iter().all(|&x| node(x as usize)))
            };
            match op.shape() {
                Shape::Nullary => true,
                Shape::Unary => node(w[0]),
                Shape::UnaryConst { .. } => node(w[0]),
                Shape::Binary => node(w[0]) && node(w[1]),
                Shape::Nary => list(w[0], w[1]),
                Shape::Dot => w[0] + w[1] <= i && w[2] + w[1] <= t.consts().len(),
                Shape::Custom => list(w[0], w[1]) && w[2] < customs,
            }
        })
        && at == t.args().len();
    if !nodes {
        return false;
    }
    let offsets = word_offsets(t);
    let words = |j: usize| two_words(t, &offsets, j);
    let runs = fused.iter().all(|f| {
        let (first, last) = (f.first as usize, f.last as usize);
        first < last
            && last < n
            && matches!(f.op, Op::Mul | Op::MulConst)
            && offsets[first] == f.first_at as usize
            && match f.kind {
                Run::Sum => {
                    // The list ends with the products, in order.
                    let (start, len) = words(last);
                    t.ops()[last] == Op::Sum
                        && t.ops()[first..last].iter().all(|&op| op == f.op)
                        && t.lists().get(start..start + len).is_some_and(|l| {
                            l.ends_with(&(first as u32..last as u32).collect::<Vec<_>>())
                        })
                }
                Run::Chain => {
                    // A product, then its addition to the total before.
                    (last - first) % 2 == 1
                        && (first..=last).step_by(2).all(|j| {
                            let (total, term) = words(j + 1);
                            t.ops()[j] == f.op
                                && t.ops()[j + 1] == Op::Add
                                && term == j
                                && if j == first {
                                    total < first
                                } else {
                                    total == j - 1
                                }
                        })
                }
            }
    });
    runs && fused.windows(2).all(|w| w[0].last < w[1].first)
}
