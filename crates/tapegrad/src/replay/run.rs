//! The replay's forward loop: the op table's formulas over the program in
//! tape order, without checks (the program was checked at `compile`).
#[allow(clippy::wildcard_imports)]
use super::*;

/// Recomputes the value of every node but the leaves and constants, in
/// tape order, with the formulas recording used; a fused run of products
/// (`fused`, in increasing order) as one step. The custom ops' `value`
/// runs here, on the program's own tape, which only its `Compiled`
/// reaches, through `&mut`.
///
/// # Safety
/// `well_formed(t, customs.len(), fused)` holds: it reads every operand
/// word without a check.
pub(super) unsafe fn replay(
    t: &mut Inner,
    customs: &[Arc<dyn Erased>],
    fused: &[Fused],
    scratch: &mut Vec<f64>,
) {
    debug_assert!(well_formed(t, customs.len(), fused));
    let n = t.ops().len();
    let values = t.values_mut().as_mut_ptr();
    let (args, consts) = (t.args().as_ptr(), t.consts());
    let mut fused = fused.iter().peekable();
    let (mut i, mut at) = (0, 0);
    while i < n {
        // SAFETY: the program is well formed (the caller's promise,
        // checked by `compile`): `values` holds `ops.len()`
        // numbers, every node's `Op::words` operand words follow the last
        // node's in `args`, each input word names an earlier node and each
        // word into a pool a place in it; a fused run is of the shape
        // it claims, at the words it names. Only nodes `i` and
        // up are written, and no reference into `values` is live while
        // they are.
        unsafe {
            let row = |at: usize| Row {
                values,
                words: args.add(at),
            };
            if let Some(f) = fused.next_if(|f| f.first as usize == i) {
                if f.kind == Run::Chain {
                    // Chains are rarer than sums: a call keeps this loop tight.
                    match f.op {
                        Op::Mul => replay_chain::<true>(t, values, f),
                        _ => replay_chain::<false>(t, values, f),
                    }
                    i = f.last as usize + 1;
                    at += (f.op.words() + Op::Add.words()) * f.products() as usize;
                    continue;
                }
                // A sum's terms before the products, then each product as
                // it is computed: the order `Tape::sum` added them in. Each
                // product's match on its op folds away: the op is a literal.
                let count = (f.last - f.first) as usize;
                // Each product's words, then the sum's.
                let step = f.op.words();
                let sum_row = row(at + step * count);
                let (start, len) = (sum_row.word(0), sum_row.word(1));
                // From -0, as `Tape::sum` (and f64's `Sum`) starts.
                let mut sum = -0.0;
                for &x in t.lists().get_unchecked(start..start + len - count) {
                    sum += *values.add(x as usize);
                }
                let mut products = |op: Op| {
                    for k in 0..count {
                        // `op` is a literal: its words are a constant.
                        let value = op::eval_node(op, &row(at + op.words() * k)).unwrap_unchecked();
                        *values.add(i + k) = value;
                        sum += value;
                    }
                };
                match f.op {
                    Op::Mul => products(Op::Mul),
                    _ => products(Op::MulConst),
                }
                *values.add(f.last as usize) = sum;
                i = f.last as usize + 1;
                at += step * count + Op::Sum.words();
                continue;
            }
            let op = *t.ops().get_unchecked(i);
            let row = row(at);
            at += op.words();
            let value = match op::eval_node(op, &row) {
                Some(value) => value,
                None => match op.shape() {
                    Shape::Nullary => {
                        i += 1;
                        continue;
                    }
                    Shape::Nary => {
                        // As `Tape::sum` adds: from -0, in the terms' order.
                        let (start, len) = (row.word(0), row.word(1));
                        let mut sum = -0.0;
                        for &x in t.lists().get_unchecked(start..start + len) {
                            sum += *values.add(x as usize);
                        }
                        sum
                    }
                    Shape::Dot => {
                        // As `Vars::dot` adds: from -0.
                        let (x, len, k) = (row.word(0), row.word(1), row.word(2));
                        let mut sum = -0.0;
                        for (j, &c) in consts.get_unchecked(k..k + len).iter().enumerate() {
                            sum += *values.add(x + j) * c;
                        }
                        sum
                    }
                    Shape::Custom => {
                        let (start, len) = (row.word(0), row.word(1));
                        scratch.clear();
                        let list = t.lists().get_unchecked(start..start + len);
                        scratch.extend(list.iter().map(|&x| *values.add(x as usize)));
                        customs.get_unchecked(row.word(2)).value(scratch)
                    }
                    Shape::Unary | Shape::UnaryConst { .. } | Shape::Binary => {
                        unreachable!("{op:?} is evaluated by the op table")
                    }
                },
            };
            *values.add(i) = value;
            i += 1;
        }
    }
}

/// Replays fused chain `f` (see [`replay`]) of additions of `x·y` (`MUL`)
/// or of `x·c`: a product and an addition in turn, from the first
/// addition's other operand.
///
/// # Safety
/// As in [`replay`]: the program is well formed, `values` is its values,
/// and no reference into them is live.
#[inline(never)]
pub(super) unsafe fn replay_chain<const MUL: bool>(t: &Inner, values: *mut f64, f: &Fused) {
    let op = if MUL { Op::Mul } else { Op::MulConst };
    let (first, at) = (f.first as usize, f.first_at as usize);
    // SAFETY: as in `replay`; `well_formed` checks the chain's shape, so
    // its words lie within `args`.
    unsafe {
        let row = |at: usize| Row {
            values,
            words: t.args().as_ptr().add(at),
        };
        // A product's words, then its addition's.
        let (product, step) = (op.words(), op.words() + Op::Add.words());
        let mut total = op::Operands::value(&row(at + product), 0);
        for k in 0..f.products() as usize {
            let term = op::eval_node(op, &row(at + step * k)).unwrap_unchecked();
            *values.add(first + 2 * k) = term;
            total = op::eval_binary(Op::Add, total, term);
            *values.add(first + 2 * k + 1) = total;
        }
    }
}

/// The operands of the node being replayed, read without bounds checks
/// (see the invariant in [`replay`]).
pub(super) struct Row {
    values: *const f64,
    /// The node's operand words.
    words: *const u32,
}

impl Row {
    #[inline(always)]
    fn word(&self, j: usize) -> usize {
        // SAFETY: the node has at least `j + 1` words (see `replay`).
        unsafe { *self.words.add(j) as usize }
    }
}

impl op::Operands for Row {
    #[inline(always)]
    fn value(&self, j: usize) -> f64 {
        // SAFETY: word `j` names an earlier node (see `replay`).
        unsafe { *self.values.add(self.word(j)) }
    }

    #[inline(always)]
    fn constant(&self, j: usize) -> f64 {
        // SAFETY: an op with a constant has words `j` and `j + 1` (see
        // `replay`).
        unsafe { op::read_inline_constant(self.words.add(j)) }
    }
}
