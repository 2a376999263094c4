//! `compile`'s program: the nodes the output and the guards depend on,
//! copied in recorded order and renumbered.
#[allow(clippy::wildcard_imports)]
use super::*;

/// Builds a [`Compiled`] from the tape's nodes up to `out`.
pub(super) struct Program;

impl Program {
    /// The program, and the custom ops its nodes name by their numbers on
    /// the recording tape (taken by the caller after the borrow ends).
    pub(super) fn build(
        t: &mut Inner,
        out: usize,
        inputs: &[Var],
        allow_reads: bool,
    ) -> Result<(Compiled, Vec<u32>)> {
        // Nodes that change with the inputs; guards and reads of nodes that
        // do not cannot come out differently at a replay. Every other
        // comparison and read made so far counts, wherever it stands on the
        // tape: code may have chosen the output by it (`if p > n { p } else
        // { n }` compares after both were recorded).
        let varies = depends_on(t, t.ops().len() - 1, inputs);
        let varying = |s: Side| matches!(s, Side::Node(i) if varies[i as usize]);
        let guards: Vec<Guard> = t
            .notes()
            .guards
            .iter()
            .filter(|g| varying(g.lhs) || varying(g.rhs))
            .cloned()
            .collect();
        let reads: Vec<Read> = t
            .notes()
            .reads
            .iter()
            .filter(|r| varies[r.node as usize])
            .copied()
            .collect();
        if let (false, Some(read)) = (allow_reads, reads.first()) {
            return Err(Error::ValueRead {
                node: read.node as usize,
                location: read.location.map(place),
            });
        }
        // The program runs up to the last node the output, an input or a
        // guard names.
        let guard_nodes = guards.iter().flat_map(|g| [g.lhs, g.rhs]);
        let last = guard_nodes
            .filter_map(|s| match s {
                Side::Node(i) => Some(i as usize),
                Side::Const(_) => None,
            })
            .chain(inputs.iter().map(|v| v.index()))
            .fold(out, usize::max);

        // Keep what the output and the guards depend on, and the inputs.
        let mut keep = vec![false; last + 1];
        keep[out] = true;
        for v in inputs {
            keep[v.index()] = true;
        }
        for g in &guards {
            for side in [g.lhs, g.rhs] {
                if let Side::Node(i) = side {
                    keep[i as usize] = true;
                }
            }
        }
        for i in (0..=last).rev() {
            if keep[i] {
                t.for_each_input(i, |x| keep[x as usize] = true);
            }
        }
        let mut slot = vec![u32::MAX; last + 1];
        let mut p = Inner::default();
        let mut custom_ids = Vec::new();
        for i in (0..=last).filter(|&i| keep[i]) {
            slot[i] = p.ops().len() as u32;
            let words = t.words(i);
            let map = |x: u32| slot[x as usize];
            let op = t.ops()[i];
            let words: Vec<u32> = match op.shape() {
                Shape::Nullary => vec![],
                Shape::Unary => vec![map(words[0])],
                Shape::UnaryConst { .. } => vec![map(words[0]), words[1], words[2]],
                Shape::Binary => vec![map(words[0]), map(words[1])],
                Shape::Nary | Shape::Custom => {
                    let list = &t.lists()[words[0] as usize..(words[0] + words[1]) as usize];
                    let start = p.append_list(list.iter().map(|&x| map(x)));
                    if op == Op::Custom {
                        custom_ids.push(words[2]);
                        vec![start, words[1], custom_ids.len() as u32 - 1]
                    } else {
                        vec![start, words[1]]
                    }
                }
                Shape::Dot => {
                    // The block's leaves are consecutive on the tape, and all
                    // kept (they are the node's inputs), so they stay so.
                    let (at, n) = (words[2] as usize, words[1] as usize);
                    let k = p.append_consts(&t.consts()[at..at + n]);
                    // An empty block names a leaf that need not be kept:
                    // it reads nothing, so it starts at the node itself.
                    let block = if n == 0 { slot[i] } else { map(words[0]) };
                    vec![block, words[1], k]
                }
            };
            let at = t.locations().map(|l| l[i]);
            p.append_copy(op, &words, t.values()[i], at);
            if let Some(name) = t.names().get(&(i as u32)) {
                p.set_name(slot[i], name.clone());
            }
        }
        let guard_operands = guards.iter().flat_map(|g| [g.lhs, g.rhs]);
        let read = guard_operands.filter_map(|s| match s {
            Side::Node(i) => Some(slot[i as usize]),
            Side::Const(_) => None,
        });
        let fused = fuse(&mut p, read.chain([slot[out]]));
        let remap = |s: Side| match s {
            Side::Node(i) => Side::Node(slot[i as usize]),
            c => c,
        };
        let guards = guards
            .into_iter()
            .map(|g| {
                let text = comparison(t, &g);
                let g = Guard {
                    lhs: remap(g.lhs),
                    rhs: remap(g.rhs),
                    ..g
                };
                (g, text)
            })
            .collect();
        let compiled = Compiled {
            output: slot[out],
            inputs: inputs.iter().map(|v| slot[v.index()]).collect(),
            guards,
            reads: reads
                .iter()
                .map(|r| ValueRead {
                    node: r.node as usize,
                    location: r.location.map(place),
                })
                .collect(),
            program: State::from_inner(p),
            fused,
            adjoints: Vec::new(),
            scratch: Vec::new(),
        };
        Ok((compiled, custom_ids))
    }
}
