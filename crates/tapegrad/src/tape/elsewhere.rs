//! A `Var`'s recording off the fast path: a constant on no tape (the op's
//! constant form, a `const` node, or a constant), a tape other than the one
//! looked up last, or two tapes (a panic). Plain numbers in and out, so the
//! fast path keeps its handles in registers.

#[allow(clippy::wildcard_imports)]
use super::*;

/// [`Var::binary`] where a side is a constant on no tape, the tape is not
/// the one looked up last, or the sides are on two tapes (a panic): a
/// constant side becomes the op's constant operand where the table has such
/// a form, else a `const` node on the other side's tape. Gives the value and
/// the node's index (0 for a constant).
#[inline(never)]
#[track_caller]
pub(super) fn binary_elsewhere(
    op: Op,
    x: f64,
    x_id: u64,
    x_index: u32,
    y: f64,
    y_id: u64,
    y_index: u32,
) -> (f64, u32) {
    let (lhs, rhs) = (Var::node(x, x_id, x_index), Var::node(y, y_id, y_index));
    let v = match (lhs.is_constant(), rhs.is_constant()) {
        // Two nodes of one tape, not the one looked up last.
        (false, false) if x_id == y_id => {
            let value = op::eval_binary(op, x, y);
            let index = live::find(x_id)
                .get()
                .push_index(op, [x_index, y_index], value);
            return (value, index);
        }
        (true, true) => Var::constant(op::eval_binary(op, x, y)),
        (false, true) => match const_rhs(op) {
            Some(k) => lhs.with_const(k, y),
            None => lhs.binary(op, live::find(x_id).get().push(Op::Const, [], y)),
        },
        (true, false) => match const_lhs(op) {
            Some(k) => rhs.with_const(k, x),
            None => live::find(y_id)
                .get()
                .push(Op::Const, [], x)
                .binary(op, rhs),
        },
        (false, false) => live::find(x_id).get().foreign(rhs),
    };
    (v.value, v.index)
}

/// [`Var::unary`] of a constant (index 0, with id 0 the constant itself),
/// or of a node of a tape other than the one looked up last.
#[inline(never)]
#[track_caller]
pub(super) fn unary_elsewhere(id: u64, index: u32, op: Op, value: f64) -> u32 {
    if id == 0 {
        return 0;
    }
    live::find(id).get().push_index(op, [index], value)
}

/// [`Var::with_const`] of a constant, or of a node of a tape other than
/// the one looked up last.
#[inline(never)]
#[track_caller]
pub(super) fn with_const_elsewhere(id: u64, index: u32, op: Op, c: f64, value: f64) -> u32 {
    if id == 0 {
        return 0;
    }
    live::find(id).get().push_with_const(op, index, c, value)
}

/// The op recording `x ∘ c` for the two-input op `op` with a constant
/// right side, where the table has one.
fn const_rhs(op: Op) -> Option<Op> {
    Some(match op {
        Op::Add => Op::AddConst,
        Op::Sub => Op::SubConst,
        Op::Mul => Op::MulConst,
        Op::Div => Op::DivConst,
        Op::Pow => Op::PowConst,
        Op::Max => Op::MaxConst,
        Op::Min => Op::MinConst,
        Op::Atan2 => Op::Atan2Const,
        Op::Hypot => Op::HypotConst,
        _ => return None,
    })
}

/// The op recording `c ∘ x` for the two-input op `op` with a constant left
/// side, where the table has one giving the same value bit for bit (IEEE
/// addition and multiplication commute; max and min are symmetric).
fn const_lhs(op: Op) -> Option<Op> {
    Some(match op {
        Op::Add => Op::AddConst,
        Op::Sub => Op::ConstSub,
        Op::Mul => Op::MulConst,
        Op::Div => Op::ConstDiv,
        Op::Pow => Op::ConstPow,
        Op::Max => Op::MaxConst,
        Op::Min => Op::MinConst,
        _ => return None,
    })
}
