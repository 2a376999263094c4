//! Recorded backward passes: gradients as new nodes on the same tape, so they
//! can be dumped, checked and differentiated again.
//!
//! The sweep is the numeric one with `Var`s in place of `f64`s: the same op
//! table rows, the same order of accumulation, so the recorded gradients
//! carry the numeric gradients' values bit for bit (but for the sign of a
//! zero: the numeric sweep adds into a +0).

use std::cmp::Ordering;
use std::ops::{Add, Div, Mul, Neg, Sub};

use crate::op::{Apply, Op, Pullback, Real, pullback};
use crate::tape::Call;
use std::panic::Location;

use crate::tape::{GradGraph, State, Var};

/// An adjoint during a recorded sweep: a `Var`, or a constant not yet put on
/// the tape (the seed 1, and anything computed from constants alone).
impl GradGraph for State {
    fn grad_graph(&self, out: u32, wrt: &[Var], at: &'static Location<'static>) -> Vec<Var> {
        // Nodes the sweep records are noted at this call's line, also when
        // a custom op's partials panic part way (the marker resets on drop).
        let tape = self;
        let before = tape.with(|t| t.set_recording_at(Some(at)));
        struct Reset<'a>(&'a State, Option<&'static std::panic::Location<'static>>);
        impl Drop for Reset<'_> {
            fn drop(&mut self) {
                let before = self.1;
                self.0.with(|t| t.set_recording_at(before));
            }
        }
        let _reset = Reset(tape, before);
        let start = tape.len();
        let out = out as usize;
        let mut sweep = Recorder {
            tape,
            words: [0; 3],
            adjoints: vec![None; out + 1],
            needed: tape.with(|t| crate::backward::depends_on(t, out, wrt)),
        };
        sweep.adjoints[out] = Some(Adjoint::Const(1.0));
        for i in (0..=out).rev() {
            // Unlike the numeric sweep, a zero-valued adjoint is still
            // swept: its graph may have non-zero derivatives.
            let Some(g) = sweep.adjoints[i] else { continue };
            let op = tape.with(|t| t.ops()[i]);
            sweep.words = tape.with(|t| t.words(i));
            let node = Adjoint::Var(tape.get(i));
            pullback(&mut sweep, op, || node, g);
        }
        let grads = wrt
            .iter()
            .map(
                |v| match sweep.adjoints.get(v.index as usize).copied().flatten() {
                    _ if v.is_constant() => Var::constant(0.0),
                    Some(a) => a.into_var(tape),
                    None => tape.constant(0.0),
                },
            )
            .collect();
        let end = tape.len();
        if end > start {
            tape.with(|t| t.mark_backward(start as u32..end as u32));
        }
        grads
    }
}

#[derive(Clone, Copy, Debug)]
enum Adjoint {
    Const(f64),
    Var(Var),
}

impl Adjoint {
    fn into_var(self, tape: &State) -> Var {
        match self {
            Adjoint::Const(c) => tape.constant(c),
            Adjoint::Var(v) => v,
        }
    }
}

/// The recorded sweep: inputs are `Var`s and contributions are recorded ops.
struct Recorder<'t> {
    tape: &'t State,
    /// The operand words of the node being swept.
    words: [u32; 3],
    adjoints: Vec<Option<Adjoint>>,
    /// Which nodes depend on an input of `wrt`: only their adjoints are
    /// recorded, so no dead gradient nodes land on the tape.
    needed: Vec<bool>,
}

impl<'t> Pullback for Recorder<'t> {
    type S = Adjoint;

    fn arg(&self, j: usize) -> u32 {
        self.words[j]
    }

    fn input(&mut self, index: u32) -> Adjoint {
        Adjoint::Var(self.tape.get(index as usize))
    }

    fn constant(&mut self, k: u32) -> f64 {
        self.tape.with(|t| t.consts()[k as usize])
    }

    fn list_input(&mut self, start: u32, i: u32) -> u32 {
        self.tape.with(|t| t.lists()[(start + i) as usize])
    }

    fn wants(&self, index: u32) -> bool {
        self.needed[index as usize]
    }

    fn accumulate(&mut self, _slot: u32, index: u32, d: Adjoint) {
        let slot = &mut self.adjoints[index as usize];
        *slot = Some(match *slot {
            None => d,
            Some(a) => a + d,
        });
    }

    fn custom(&mut self, out: Adjoint, g: Adjoint) {
        let Adjoint::Var(node) = out else {
            unreachable!("a recorded sweep's node is a Var")
        };
        let call = Call::new(self.tape, node.index(), self.words);
        if !call.inputs.iter().any(|&i| self.wants(i)) {
            return;
        }
        let partials = call.partials_var(self.tape);
        for (slot, (&input, p)) in call.inputs.iter().zip(partials).enumerate() {
            if self.wants(input) {
                self.accumulate(slot as u32, input, g * Adjoint::Var(p));
            }
        }
    }
}

/// One arithmetic operator on adjoints: folded in `f64` when both sides are
/// constants, recorded otherwise, and `1·x`, `x·1`, `x/1` are `x`.
macro_rules! adjoint_operator {
    ($Trait:ident $method:ident, left_one: $left:literal, right_one: $right:literal) => {
        impl $Trait for Adjoint {
            type Output = Adjoint;
            fn $method(self, rhs: Adjoint) -> Adjoint {
                match (self, rhs) {
                    (Adjoint::Const(a), Adjoint::Const(b)) => Adjoint::Const(a.$method(b)),
                    (a, Adjoint::Const(b)) => a.$method(b),
                    (Adjoint::Const(a), Adjoint::Var(b)) if $left && a == 1.0 => Adjoint::Var(b),
                    (Adjoint::Const(a), Adjoint::Var(b)) => Adjoint::Var(a.$method(b)),
                    (Adjoint::Var(a), Adjoint::Var(b)) => Adjoint::Var(a.$method(b)),
                }
            }
        }
        impl $Trait<f64> for Adjoint {
            type Output = Adjoint;
            fn $method(self, rhs: f64) -> Adjoint {
                match self {
                    Adjoint::Const(a) => Adjoint::Const(a.$method(rhs)),
                    Adjoint::Var(a) if $right && rhs == 1.0 => Adjoint::Var(a),
                    Adjoint::Var(a) => Adjoint::Var(a.$method(rhs)),
                }
            }
        }
    };
}

// Whether a constant 1 on the left or right leaves the other operand
// unchanged, bit for bit.
adjoint_operator!(Add add, left_one: false, right_one: false);
adjoint_operator!(Sub sub, left_one: false, right_one: false);
adjoint_operator!(Mul mul, left_one: true, right_one: true);
adjoint_operator!(Div div, left_one: false, right_one: true);

impl Neg for Adjoint {
    type Output = Adjoint;
    fn neg(self) -> Adjoint {
        self.map(|c| -c, |v| -v)
    }
}

impl Adjoint {
    fn map(self, f: impl FnOnce(f64) -> f64, v: impl FnOnce(Var) -> Var) -> Adjoint {
        match self {
            Adjoint::Const(c) => Adjoint::Const(f(c)),
            Adjoint::Var(x) => Adjoint::Var(v(x)),
        }
    }
}

impl Apply for Adjoint {
    fn unary(self, op: Op) -> Self {
        self.map(|x| x.unary(op), |v| v.unary(op))
    }
    fn with_const(self, op: Op, c: f64) -> Self {
        // x¹ = x exactly, so the derivative of x² records no power node.
        if op == Op::PowInt && c == 1.0 {
            return self;
        }
        self.map(|x| x.with_const(op, c), |v| v.with_const(op, c))
    }
    fn binary(self, op: Op, y: Self) -> Self {
        match (self, y) {
            (Adjoint::Const(x), Adjoint::Const(y)) => Adjoint::Const(x.binary(op, y)),
            (Adjoint::Var(x), Adjoint::Var(y)) => Adjoint::Var(x.binary(op, y)),
            (Adjoint::Var(x), Adjoint::Const(y)) => {
                Adjoint::Var(x.binary(op, Real::constant(x, y)))
            }
            (Adjoint::Const(x), Adjoint::Var(y)) => {
                Adjoint::Var(Real::constant(y, x).binary(op, y))
            }
        }
    }
}

/// A formula choosing its form by an adjoint's value or an input's is kept
/// as the `Var`'s guard, or noted as its read: a compiled replay of the
/// gradient graph must choose the same form, or refuse. A constant chooses
/// the same way at every replay.
impl Real for Adjoint {
    fn value(self) -> f64 {
        match self {
            Adjoint::Const(c) => c,
            Adjoint::Var(v) => Real::value(v),
        }
    }
    fn constant(self, c: f64) -> Self {
        Adjoint::Const(c)
    }
    fn order(self, c: f64) -> Option<Ordering> {
        match self {
            Adjoint::Const(x) => x.order(c),
            Adjoint::Var(v) => v.order(c),
        }
    }
    fn abs_order(self, c: f64) -> Option<Ordering> {
        match self {
            Adjoint::Const(x) => x.abs_order(c),
            Adjoint::Var(v) => v.abs_order(c),
        }
    }
    fn order_with(self, other: Self) -> Option<Ordering> {
        match (self, other) {
            (Adjoint::Const(x), Adjoint::Const(y)) => x.order_with(y),
            (Adjoint::Var(x), Adjoint::Var(y)) => x.order_with(y),
            (Adjoint::Var(x), Adjoint::Const(y)) => x.order(y),
            (Adjoint::Const(x), Adjoint::Var(y)) => y.order(x).map(Ordering::reverse),
        }
    }
    fn abs_order_with(self, other: Self) -> Option<Ordering> {
        match (self, other) {
            (Adjoint::Const(x), Adjoint::Const(y)) => x.abs_order_with(y),
            (Adjoint::Var(x), Adjoint::Var(y)) => x.abs_order_with(y),
            (Adjoint::Var(x), Adjoint::Const(y)) => x.abs_order(y.abs()),
            (Adjoint::Const(x), Adjoint::Var(y)) => y.abs_order(x.abs()).map(Ordering::reverse),
        }
    }
    fn sign(self) -> f64 {
        match self {
            Adjoint::Const(x) => x.sign(),
            Adjoint::Var(v) => v.sign(),
        }
    }
}

impl crate::Pow<Adjoint> for Adjoint {
    type Output = Adjoint;
    fn pow(self, p: Self) -> Self {
        match p {
            Adjoint::Const(p) => self.powf(p),
            Adjoint::Var(_) => self.binary(Op::Pow, p),
        }
    }
}
