//! The op table: every operation the tape can record, each defined once.
//!
//! One row of [`op_table!`] gives an op its name, its shape (how many inputs
//! and constants it takes), its forward value and its vector-Jacobian product
//! (the local partials times the output's adjoint `g`). The value is computed
//! in `f64` when the op is recorded. The vector-Jacobian product is generic
//! over [`Real`], so the same formula runs the numeric backward sweep (`f64`)
//! and records the gradient graph on the tape (`Var`). Dumps read the
//! partials from it too, by seeding `g = 1`.
//!
//! A partial is written so that it is exact to a few ulps wherever its value
//! is a normal number, and so that its own derivative, taken through the
//! recorded graph, is too: no subtraction that cancels (`1 - σ`, `1 - x·x`
//! near 1), and a cheap form only where it is as exact as the careful one.

use std::cmp::Ordering::{self, Equal, Greater, Less};
use std::fmt;
use std::ops::{Add, Div, Mul, Neg, Sub};

/// How many recorded inputs an op takes, and whether it carries a constant.
///
/// ```
/// use tapegrad::{Op, Shape};
///
/// assert_eq!(Op::Sin.shape(), Shape::Unary);
/// assert_eq!(Op::Mul.shape(), Shape::Binary);
/// // `2 - x` records its constant as the left operand
/// assert_eq!(Op::ConstSub.shape(), Shape::UnaryConst { const_first: true });
/// assert_eq!(Op::SubConst.shape(), Shape::UnaryConst { const_first: false });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Shape {
    /// No inputs: a leaf or a constant.
    Nullary,
    /// One input.
    Unary,
    /// One input and an `f64` constant; `const_first` puts the constant on
    /// the left in formulas and dumps (`c - x`, `c / x`).
    UnaryConst {
        /// Whether the constant is the left operand.
        const_first: bool,
    },
    /// Two inputs.
    Binary,
    /// Any number of inputs.
    Nary,
    /// Inputs at consecutive tape positions, each with its own constant
    /// coefficient (`Σ cᵢ·xᵢ`).
    Dot,
    /// Any number of inputs, computed by a user's
    /// [`CustomOp`](crate::CustomOp).
    Custom,
}

mod sealed {
    use super::Op;

    /// How a number of a sweep applies an op of the table: in `f64`, or by
    /// recording it. Private, so that [`Real`](super::Real) is sealed.
    pub trait Apply: Sized {
        fn unary(self, op: Op) -> Self;
        fn with_const(self, op: Op, c: f64) -> Self;
        fn binary(self, op: Op, y: Self) -> Self;
    }
}

pub(crate) use sealed::Apply;

/// `1 - x²` without cancellation: `1 - x·x` where `x² ≤ 1/4`, else
/// `(1 - x)(1 + x)`, whose `1 - x` is exact (Sterbenz). Each form's
/// derivative (`-2x` as `-(x + x)` or `(1 - x) - (1 + x)`) cancels no more.
#[inline(always)]
fn one_minus_square<S: Real>(x: S) -> S {
    if x.abs_order(0.5) == Some(Less) {
        (x * x).rsub(1.0)
    } else {
        x.rsub(1.0) * (x + 1.0)
    }
}

/// `n·xⁿ⁻¹ · g` for the integer power `n` (an exact integer in an `f64`):
/// the exponent `n - 1` is formed in `f64`, where it cannot overflow as
/// `i32` arithmetic would at `i32::MIN`.
#[inline(always)]
fn int_power_partial<S: Real>(x: S, n: f64, g: S) -> Option<S> {
    if n == 0.0 {
        return None;
    }
    let m = n - 1.0;
    let power = if m >= f64::from(i32::MIN) {
        x.powi(m as i32)
    } else {
        x.powf(m)
    };
    Some(g * power * n)
}

/// `e^(-x²)` with the square's rounding error removed: with `a` the value
/// of `x` cut to 26 bits, `a²` is exact and `x² = a² + (x - a)(x + a)`, so
/// `e^(-x²) = e^(-a²)·e^(-(x - a)(x + a))`, an identity in `x` for any `a`
/// (derivatives through it are exact too), whose two exponents are exact or
/// small.
#[inline(always)]
fn gaussian<S: Real>(x: S) -> S {
    let a = f64::from_bits(x.value().to_bits() & !((1u64 << 27) - 1));
    let r = (x - a) * (x + a);
    (-r).exp() * (-(a * a)).exp()
}

/// `x^(p-1)` for the power `z = x^p`: `z/x`, exact where `x ≠ 0` and `z`
/// is a normal number (forming `p - 1` would round, which `x^(p-1)`
/// magnifies by `|ln x|`), else `at_zero()`, which forms `x^(p-1)`.
#[inline(always)]
fn power_less_one<S: Real>(x: S, z: S, at_zero: impl FnOnce() -> S) -> S {
    if x.order(0.0) != Some(Equal) && is_normal(z) {
        z / x
    } else {
        at_zero()
    }
}

/// `a/(x² + y²)`: directly where the squares, and the squares of their
/// sum (second derivatives), can neither overflow nor underflow, else as
/// `(a/h)/h` with `h = hypot(x, y)`.
#[inline(always)]
fn over_sum_of_squares<S: Real>(a: S, x: S, y: S) -> S {
    // `max(|x|, |y|)` within [1e-75, 1e75], asked by comparisons (which a
    // recorded formula keeps as guards): `f64::max` takes the other operand
    // of a NaN, so a NaN bounds nothing unless both are.
    let at_least = |o: Option<Ordering>| matches!(o, Some(Greater | Equal));
    let at_most = |o: Option<Ordering>| matches!(o, Some(Less | Equal));
    let (x_hi, y_hi) = (x.abs_order(1e75), y.abs_order(1e75));
    let below_hi = (at_most(x_hi) || x_hi.is_none())
        && (at_most(y_hi) || y_hi.is_none())
        && (x_hi.is_some() || y_hi.is_some());
    if below_hi && (at_least(x.abs_order(1e-75)) || at_least(y.abs_order(1e-75))) {
        a / (x * x + y * y)
    } else {
        let h = x.hypot(y);
        a / h / h
    }
}

/// `∂hypot(a, b)/∂a = a/h`, written so that its own derivatives do not
/// cancel: `sign(a)/√(1 + (b/a)²)` where `|a| ≥ |b|` (`1/h - a²/h³` would
/// subtract nearly equal terms when `b ≪ a`), `a/h` elsewhere.
#[inline(always)]
fn hypot_partial<S: Real>(a: S, b: S, h: S) -> S {
    if matches!(a.abs_order_with(b), Some(Greater | Equal)) {
        let r = b / a;
        (r * r + 1.0).sqrt().rdiv(a.sign())
    } else {
        a / h
    }
}

/// The share of a `max`'s adjoint `g` that goes to an operand that orders
/// `ord` against the other: all to the winner, nothing to the loser, half
/// on a tie, and NaN when either is NaN (the result is NaN, so is its
/// derivative). (A `min` is a `max` of the negated values.)
#[inline(always)]
fn share<S: Real>(ord: Option<Ordering>, g: S) -> Option<S> {
    match ord {
        Some(Greater) => Some(g),
        Some(Less) => None,
        Some(Equal) => Some(g * 0.5),
        None => Some(g * f64::NAN),
    }
}

/// `z.value().is_normal()`, asked by comparisons.
#[inline(always)]
fn is_normal<S: Real>(z: S) -> bool {
    matches!(z.abs_order(f64::MIN_POSITIVE), Some(Greater | Equal))
        && z.abs_order(f64::INFINITY) == Some(Less)
}

/// The logistic function in its stable form: it never overflows, and it is
/// exact to the last bit far from zero on both sides.
#[inline]
pub(crate) fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        // For very negative x, exp(x) underflows gracefully instead of
        // 1/(1+exp(-x)) overflowing to 1/inf.
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// `ln(1 + eˣ)` in its stable form: `x + ln(1 + e⁻ˣ)` for positive `x`, so
/// nothing overflows, and `ln_1p(eˣ)` below, exact where `eˣ` is tiny.
#[inline]
pub(crate) fn softplus(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

/// `max(x, 0)`, passing NaN through (as PyTorch does) so that a checked
/// backward still sees it.
#[inline]
pub(crate) fn relu(x: f64) -> f64 {
    if x <= 0.0 { 0.0 } else { x }
}

/// The larger of two numbers, NaN if either is NaN (`f64::max` would hide it).
#[inline]
pub(crate) fn max(x: f64, y: f64) -> f64 {
    if x.is_nan() || y.is_nan() {
        f64::NAN
    } else if x >= y {
        x
    } else {
        y
    }
}

/// The smaller of two numbers, NaN if either is NaN (`f64::min` would hide it).
#[inline]
pub(crate) fn min(x: f64, y: f64) -> f64 {
    if x.is_nan() || y.is_nan() {
        f64::NAN
    } else if x <= y {
        x
    } else {
        y
    }
}

/// `xⁿ` for an integer `n` held exactly in an `f64`: repeated
/// multiplication where it rounds at most a few times, `powf` (correctly
/// rounded to within an ulp) for larger exponents, where `powi`'s repeated
/// squaring would compound its rounding.
#[inline]
pub(crate) fn powi(x: f64, n: f64) -> f64 {
    if n.abs() <= 4.0 {
        x.powi(n as i32)
    } else {
        x.powf(n)
    }
}

/// Where a backward sweep reads inputs and sends contributions: the numeric
/// sweep reads values and adds to adjoints; the recorded one builds `Var`s.
pub(crate) trait Pullback {
    /// The numbers this sweep computes with.
    type S: Real;
    /// Input `index` as a number of this sweep.
    fn input(&mut self, index: u32) -> Self::S;
    /// Word `j` of the operand words of the node being swept: its inputs'
    /// indices, or where its constants and input list start (see
    /// [`Op::words`]).
    fn arg(&self, j: usize) -> u32;
    /// Constant number `k` of the tape's constant pool.
    fn constant(&mut self, k: u32) -> f64;
    /// Input `i` of the n-ary node whose inputs start at `start` in the
    /// tape's input lists.
    fn list_input(&mut self, start: u32, i: u32) -> u32;
    /// Whether node `index` needs an adjoint at all; when it does not, its
    /// contribution is not even computed (a recorded sweep then records
    /// nothing for it).
    #[inline(always)]
    fn wants(&self, _index: u32) -> bool {
        true
    }
    /// Adds `d` to the adjoint of node `index`, operand `slot` of the node
    /// being swept.
    fn accumulate(&mut self, slot: u32, index: u32, d: Self::S);
    /// Sends the contributions of a custom op's node, whose output is `out`
    /// and adjoint `g`: the user's partials, which each sweep calls where no
    /// borrow of the tape is live.
    fn custom(&mut self, out: Self::S, g: Self::S);
}

/// The operands of the node being evaluated by [`eval_node`].
pub(crate) trait Operands {
    /// The value of the input whose index is operand word `j`.
    fn value(&self, j: usize) -> f64;
    /// The constant whose place in the pool is operand word `j`.
    fn constant(&self, j: usize) -> f64;
}

macro_rules! op_table {
    (
        nullary { $( $(#[$nm:meta])* $N:ident $nname:literal; )* }
        unary { $( $(#[$um:meta])* $U:ident $uname:literal $method:ident
            |$ux:ident| $uval:expr, |$ux2:ident, $uz:ident, $ug:ident| $uvjp:expr; )* }
        unary_const { $( $(#[$cm:meta])* $C:ident $cname:literal $cfirst:literal
            |$cx:ident, $cc:ident| $cval:expr, |$cx2:ident, $cc2:ident, $cz:ident, $cg:ident| $cvjp:expr; )* }
        binary { $( $(#[$bm:meta])* $B:ident $bname:literal
            |$bx:ident, $by:ident| $bval:expr,
            |$bx2:ident, $by2:ident, $bz:ident, $bg:ident| ($bdx:expr, $bdy:expr $(,)?); )* }
        nary { $( $(#[$am:meta])* $A:ident $aname:literal; )* }
        dot { $( $(#[$dm:meta])* $D:ident $dname:literal; )* }
        custom { $( $(#[$xm:meta])* $X:ident $xname:literal; )* }
    ) => {
        /// An operation recorded on the tape.
        ///
        /// ```
        /// use tapegrad::{Op, Tape};
        ///
        /// let tape = Tape::new();
        /// let x = tape.var(2.0);
        /// let y = (x * 3.0).sin();
        /// assert_eq!(y.op(), Op::Sin);
        /// // `x · 3` records a product with a constant, not a `mul` of two nodes
        /// assert_eq!(tape.node(1).op, Op::MulConst);
        /// assert_eq!((Op::MulConst.name(), Op::Mul.name()), ("mul", "mul"));
        /// assert!(Op::ALL.contains(&Op::Sin));
        /// ```
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        #[non_exhaustive]
        pub enum Op {
            $( $(#[$nm])* $N, )*
            $( $(#[$um])* $U, )*
            $( $(#[$cm])* $C, )*
            $( $(#[$bm])* $B, )*
            $( $(#[$am])* $A, )*
            $( $(#[$dm])* $D, )*
            $( $(#[$xm])* $X, )*
        }

        impl Op {
            /// Every op, in table order.
            pub const ALL: &'static [Op] = &[
                $( Op::$N, )* $( Op::$U, )* $( Op::$C, )* $( Op::$B, )* $( Op::$A, )*
                $( Op::$D, )* $( Op::$X, )*
            ];

            /// The op's name as dumps print it (ops that differ only in
            /// where their constant sits share a name; a custom op's node
            /// prints its own name instead, see [`Node::op_name`](crate::Node::op_name)).
            ///
            /// ```
            /// use tapegrad::Op;
            ///
            /// assert_eq!((Op::Leaf.name(), Op::Ln1p.name()), ("var", "ln_1p"));
            /// assert_eq!(Op::ConstSub.name(), Op::SubConst.name()); // both "sub"
            /// ```
            pub const fn name(self) -> &'static str {
                match self {
                    $( Op::$N => $nname, )*
                    $( Op::$U => $uname, )*
                    $( Op::$C => $cname, )*
                    $( Op::$B => $bname, )*
                    $( Op::$A => $aname, )*
                    $( Op::$D => $dname, )*
                    $( Op::$X => $xname, )*
                }
            }

            /// How many inputs the op takes and whether it carries a constant.
            ///
            /// ```
            /// use tapegrad::{Op, Shape};
            ///
            /// assert_eq!((Op::Leaf.shape(), Op::Sum.shape()), (Shape::Nullary, Shape::Nary));
            /// ```
            #[inline(always)]
            pub const fn shape(self) -> Shape {
                match self {
                    $( Op::$N => Shape::Nullary, )*
                    $( Op::$U => Shape::Unary, )*
                    $( Op::$C => Shape::UnaryConst { const_first: $cfirst }, )*
                    $( Op::$B => Shape::Binary, )*
                    $( Op::$A => Shape::Nary, )*
                    $( Op::$D => Shape::Dot, )*
                    $( Op::$X => Shape::Custom, )*
                }
            }

            /// How many `u32` operand words the tape stores for the op: an
            /// input index each for unary and binary ops, the input and the
            /// constant's place in the constant pool for an op with a
            /// constant, where its input list starts and its length for an
            /// n-ary op, the first input, the count and where the
            /// coefficients start for a dot product, and the input list and
            /// the op's place in the tape's custom ops for a custom op.
            #[inline(always)]
            pub(crate) const fn words(self) -> usize {
                // One load from a table of every op's count: the sweep asks
                // it for every node.
                const WORDS: [u8; Op::ALL.len()] = {
                    let mut words = [0; Op::ALL.len()];
                    let mut i = 0;
                    while i < Op::ALL.len() {
                        words[i] = match Op::ALL[i].shape() {
                            Shape::Nullary => 0,
                            Shape::Unary => 1,
                            Shape::UnaryConst { .. } | Shape::Binary | Shape::Nary => 2,
                            Shape::Dot | Shape::Custom => 3,
                        };
                        i += 1;
                    }
                    words
                };
                WORDS[self as usize] as usize
            }
        }

        /// The value of a one-input op.
        #[inline(always)]
        pub(crate) fn eval_unary(op: Op, x: f64) -> f64 {
            match op {
                $( Op::$U => { let $ux = x; $uval } )*
                _ => unreachable!("{op:?} is not a one-input op"),
            }
        }

        /// The value of an op with one input and a constant.
        #[inline(always)]
        pub(crate) fn eval_unary_const(op: Op, x: f64, c: f64) -> f64 {
            match op {
                $( Op::$C => { let ($cx, $cc) = (x, c); $cval } )*
                _ => unreachable!("{op:?} is not a one-input op with a constant"),
            }
        }

        /// The value of a two-input op.
        #[inline(always)]
        pub(crate) fn eval_binary(op: Op, x: f64, y: f64) -> f64 {
            match op {
                $( Op::$B => { let ($bx, $by) = (x, y); $bval } )*
                _ => unreachable!("{op:?} is not a two-input op"),
            }
        }

        /// The value of a node of a one-input op, an op with a constant or
        /// a two-input op, its operands read through `r`: one match over
        /// every op, so that a replay dispatches once per node. `None` for
        /// the other shapes, which the caller computes.
        #[inline(always)]
        pub(crate) fn eval_node<R: Operands>(op: Op, r: &R) -> Option<f64> {
            match op {
                $( Op::$U => { let $ux = r.value(0); Some($uval) } )*
                $( Op::$C => { let ($cx, $cc) = (r.value(0), r.constant(1)); Some($cval) } )*
                $( Op::$B => { let ($bx, $by) = (r.value(0), r.value(1)); Some($bval) } )*
                _ => None,
            }
        }

        /// Sends the contributions of one node to its inputs' adjoints: the
        /// node's local partials times its adjoint `g`. A partial that is
        /// exactly zero (relu below zero, the losing side of max) sends nothing.
        #[inline(always)]
        pub(crate) fn pullback<P: Pullback>(p: &mut P, op: Op, out: P::S, g: P::S) {
            match op {
                $( Op::$N => {} )*
                $( Op::$U => { let a = p.arg(0); if p.wants(a) {
                    let $ux2 = p.input(a);
                    let ($uz, $ug) = (out, g);
                    let d: Option<P::S> = $uvjp;
                    if let Some(d) = d { p.accumulate(0, a, d); }
                } } )*
                $( Op::$C => { let a = p.arg(0); if p.wants(a) {
                    let $cx2 = p.input(a);
                    let $cc2 = p.constant(p.arg(1));
                    let ($cz, $cg) = (out, g);
                    let d: Option<P::S> = $cvjp;
                    if let Some(d) = d { p.accumulate(0, a, d); }
                } } )*
                $( Op::$B => {
                    let (a, b) = (p.arg(0), p.arg(1));
                    let ($bx2, $by2) = (p.input(a), p.input(b));
                    let ($bz, $bg) = (out, g);
                    if p.wants(a) {
                        let dx: Option<P::S> = $bdx;
                        if let Some(dx) = dx { p.accumulate(0, a, dx); }
                    }
                    if p.wants(b) {
                        let dy: Option<P::S> = $bdy;
                        if let Some(dy) = dy { p.accumulate(1, b, dy); }
                    }
                } )*
                $( Op::$A => {
                    // Every input of a sum has partial 1.
                    let (start, len) = (p.arg(0), p.arg(1));
                    for i in 0..len {
                        let input = p.list_input(start, i);
                        if p.wants(input) { p.accumulate(i, input, g); }
                    }
                } )*
                $( Op::$D => {
                    // Input i of `Σ cᵢ·xᵢ` has partial cᵢ.
                    let (first, len, k) = (p.arg(0), p.arg(1), p.arg(2));
                    for i in 0..len {
                        if p.wants(first + i) {
                            let c = p.constant(k + i);
                            p.accumulate(i, first + i, g * c);
                        }
                    }
                } )*
                $( Op::$X => p.custom(out, g), )*
            }
        }

        /// Numbers that the vector-Jacobian products of the op table run
        /// on: `f64` for the numeric backward sweep and [`Var`](crate::Var)
        /// for the recorded one. A [`CustomOp`](crate::CustomOp)'s partials
        /// are written against it, so they run in both.
        ///
        /// It has every one-input op of the table under `f64`'s method
        /// names, the powers (`x.pow(y)` from [`Pow`](crate::Pow)), and arithmetic with `Self` and `f64`. Branches
        /// in a formula (relu, abs, max, ties) read [`Real::value`], so both
        /// instances take the same branch at the same point. The trait is
        /// sealed: the engine's number types are its only implementations.
        ///
        /// ```
        /// use tapegrad::{Real, Tape};
        ///
        /// // One formula, run in f64 and recorded on a tape.
        /// fn bump<R: Real>(x: R) -> R {
        ///     (-(x * x)).exp() * 2.0
        /// }
        /// let tape = Tape::new();
        /// let x = tape.var(0.5);
        /// assert_eq!(bump(x).value(), bump(0.5));
        /// ```
        pub trait Real:
            Apply
            + Copy
            + Add<Output = Self>
            + Sub<Output = Self>
            + Mul<Output = Self>
            + Div<Output = Self>
            + Neg<Output = Self>
            + Add<f64, Output = Self>
            + Sub<f64, Output = Self>
            + Mul<f64, Output = Self>
            + Div<f64, Output = Self>
            + Pow<Self, Output = Self>
        {
            /// The number's value. A formula that chooses by it should
            /// compare instead ([`Real::order`]): read while a gradient graph
            /// is recorded, a value is noted as a read, which
            /// [`Tape::compile`](crate::Tape::compile) reports.
            fn value(self) -> f64;
            /// The constant `c` as a number of the same kind (for a `Var`,
            /// recorded on the same tape).
            fn constant(self, c: f64) -> Self;
            /// How the value compares with `c` (`None` if either is NaN),
            /// for a formula that chooses its form by it. While a gradient
            /// graph is recorded the answer is kept as a guard, which a
            /// compiled replay checks ([`Tape::compile`](crate::Tape::compile)).
            ///
            /// ```
            /// use std::cmp::Ordering;
            /// use tapegrad::{Real, Tape};
            ///
            /// assert_eq!(2.0.order(1.0), Some(Ordering::Greater));
            /// let tape = Tape::new();
            /// assert_eq!(tape.var(-1.0).order(0.0), Some(Ordering::Less));
            /// ```
            fn order(self, c: f64) -> Option<Ordering>;
            /// How `|value|` compares with `c`, kept as [`Real::order`]
            /// keeps its answer.
            fn abs_order(self, c: f64) -> Option<Ordering>;
            /// How the value compares with `other`'s, kept as
            /// [`Real::order`] keeps its answer.
            fn order_with(self, other: Self) -> Option<Ordering>;
            /// How `|value|` compares with `|other|`, kept as
            /// [`Real::order`] keeps its answer.
            fn abs_order_with(self, other: Self) -> Option<Ordering>;
            /// The value's sign by its sign bit ([`f64::signum`]: ±1, NaN
            /// for NaN), for a formula's constant factor. Kept as the
            /// comparison with 0, and as a read where the value is ±0 or
            /// NaN, whose sign no comparison tells.
            fn sign(self) -> f64;
            /// `c - self`.
            #[inline(always)]
            fn rsub(self, c: f64) -> Self {
                self.with_const(Op::ConstSub, c)
            }
            /// `c / self`.
            #[inline(always)]
            fn rdiv(self, c: f64) -> Self {
                self.with_const(Op::ConstDiv, c)
            }
            /// Integer power `selfⁿ`.
            #[inline(always)]
            fn powi(self, n: i32) -> Self {
                self.with_const(Op::PowInt, f64::from(n))
            }
            /// Real power with a constant exponent.
            #[inline(always)]
            fn powf(self, p: f64) -> Self {
                self.with_const(Op::PowConst, p)
            }
            /// `atan2(self, x)`, the angle of the point `(x, self)`.
            #[inline(always)]
            fn atan2(self, x: Self) -> Self {
                self.binary(Op::Atan2, x)
            }
            /// `√(self² + y²)` without overflow.
            #[inline(always)]
            fn hypot(self, y: Self) -> Self {
                self.binary(Op::Hypot, y)
            }
            $(
                $(#[$um])*
                #[inline(always)]
                fn $method(self) -> Self {
                    self.unary(Op::$U)
                }
            )*
        }
    };
}

impl Apply for f64 {
    #[inline(always)]
    fn unary(self, op: Op) -> f64 {
        eval_unary(op, self)
    }
    #[inline(always)]
    fn with_const(self, op: Op, c: f64) -> f64 {
        eval_unary_const(op, self, c)
    }
    #[inline(always)]
    fn binary(self, op: Op, y: f64) -> f64 {
        eval_binary(op, self, y)
    }
}

/// Powers with a variable exponent: `cˣ` for a plain `f64` base `c` and a
/// `Var` exponent, `2.0.pow(x)`, where `f64::powf` cannot take a `Var` (it
/// records one node, with `c` as its constant; `d/dx = cˣ ln c`), and
/// `x.pow(y)` between `Var`s (as [`Var::pow`](crate::Var::pow)) or `f64`s (as `f64::powf`),
/// so that [`Real`] formulas can write `x.pow(y)`.
///
/// ```
/// use tapegrad::{Pow, Tape};
///
/// let tape = Tape::new();
/// let x = tape.var(3.0);
/// let y = 2.0.pow(x);
/// assert_eq!(y.value(), 8.0);
/// assert_eq!(y.backward()[x], 8.0 * 2f64.ln());
/// ```
pub trait Pow<Exponent> {
    /// What the power is.
    type Output;
    /// `self` to the power `exponent`.
    fn pow(self, exponent: Exponent) -> Self::Output;
}

impl Pow<f64> for f64 {
    type Output = f64;
    #[inline(always)]
    fn pow(self, p: f64) -> f64 {
        eval_binary(Op::Pow, self, p)
    }
}

impl Real for f64 {
    #[inline(always)]
    fn value(self) -> f64 {
        self
    }
    #[inline(always)]
    fn constant(self, c: f64) -> f64 {
        c
    }
    #[inline(always)]
    fn order(self, c: f64) -> Option<Ordering> {
        self.partial_cmp(&c)
    }
    #[inline(always)]
    fn abs_order(self, c: f64) -> Option<Ordering> {
        self.abs().partial_cmp(&c)
    }
    #[inline(always)]
    fn order_with(self, other: f64) -> Option<Ordering> {
        self.partial_cmp(&other)
    }
    #[inline(always)]
    fn abs_order_with(self, other: f64) -> Option<Ordering> {
        self.abs().partial_cmp(&other.abs())
    }
    #[inline(always)]
    fn sign(self) -> f64 {
        self.signum()
    }
}

// The op table. Each row: variant, name, forward value, vector-Jacobian
// product. In the products, `x`/`y` are the inputs, `c` the constant, `z` the
// output and `g` the output's adjoint; `None` means "contributes nothing".
/// The rows of the op table, handed to the macro `$m`: [`op_table!`] here
/// makes [`Op`], [`Real`] and the formulas of them, and the module that
/// owns `Var` makes its one-input methods from the same rows.
macro_rules! op_rows {
    ($m:ident) => {
        $m! {
            nullary {
                /// A leaf: an input that gradients are taken with respect to.
                Leaf "var";
                /// A recorded constant: it has a value but is not a leaf.
                Const "const";
            }
            unary {
                /// `-x`.
                Neg "neg" neg
                    |x| -x,
                    |_x, _z, g| Some(-g);
                /// Natural logarithm `ln x`; `d/dx = 1/x`.
                Ln "ln" ln
                    |x| x.ln(),
                    |x, _z, g| Some(g / x);
                /// `eˣ`; `d/dx = eˣ`, read from the output.
                Exp "exp" exp
                    |x| x.exp(),
                    |_x, z, g| Some(g * z);
                /// Square root; `d/dx = 1/(2√x)`, read from the output.
                Sqrt "sqrt" sqrt
                    |x| x.sqrt(),
                    |_x, z, g| Some(g / (z * 2.0));
                /// Sine; `d/dx = cos x`.
                Sin "sin" sin
                    |x| x.sin(),
                    |x, _z, g| Some(g * x.cos());
                /// Cosine; `d/dx = -sin x`.
                Cos "cos" cos
                    |x| x.cos(),
                    |x, _z, g| Some(-(g * x.sin()));
                /// Tangent; `d/dx = 1 + tan² x`, read from the output.
                Tan "tan" tan
                    |x| x.tan(),
                    |_x, z, g| Some(g * (z * z + 1.0));
                /// Hyperbolic tangent; `d/dx = 1 - tanh² x` read from the output
                /// where `|x| < 2` (it cancels at most 4 bits there), `1/cosh² x`
                /// beyond, as `4e/(1 + e)²` with `e = e^(-2|x|)` (one `exp`), which
                /// stays exact where `1 - tanh² x` would round to 0.
                Tanh "tanh" tanh
                    |x| x.tanh(),
                    |x, z, g| if x.abs_order(2.0) == Some(Less) {
                        Some(g * (z * z).rsub(1.0))
                    } else {
                        let e = (x.abs() * -2.0).exp();
                        let e1 = e + 1.0;
                        Some(g * (e * 4.0 / (e1 * e1)))
                    };
                /// The logistic function `σ(x) = 1/(1+e⁻ˣ)`, stable for any `x`;
                /// `d/dx = σ(x)σ(-x)`, computed as `1/(4cosh²(x/2))` where `|x| < 2`
                /// (its own derivative does not cancel near 0) and as `σ(x)·σ(-x)`
                /// beyond (its derivative does not underflow early); `σ(1-σ)` from
                /// the output would lose every digit for large `x`.
                Sigmoid "sigmoid" sigmoid
                    |x| sigmoid(x),
                    |x, z, g| if x.abs_order(2.0) == Some(Less) {
                        let s = (x * 0.5).cosh().recip();
                        Some(g * (s * s * 0.25))
                    } else {
                        Some(g * (z * (-x).sigmoid()))
                    };
                /// `max(x, 0)`; the derivative at 0 is taken as 0 (so a relu's
                /// second derivative is 0 everywhere).
                Relu "relu" relu
                    |x| relu(x),
                    |x, _z, g| match x.order(0.0) {
                        Some(Greater) => Some(g),
                        None => Some(g * f64::NAN),
                        Some(Less | Equal) => None,
                    };
                /// `|x|`; the derivative is the sign of `x` by its sign bit: 1 at
                /// +0 and −1 at −0, as JAX and Julia's DiffRules take it, so that
                /// second derivatives through `abs` come out right (`|x|²` has 2).
                Abs "abs" abs
                    |x| x.abs(),
                    |x, _z, g| Some(g * x.sign());
                /// `1/x`; `d/dx = -1/x²`, read from the output.
                Recip "recip" recip
                    |x| x.recip(),
                    |_x, z, g| Some(-(g * (z * z)));
                /// Arcsine; `d/dx = 1/√(1 - x²)`, with `1 - x²` formed without
                /// cancellation near ±1.
                Asin "asin" asin
                    |x| x.asin(),
                    |x, _z, g| Some(g / one_minus_square(x).sqrt());
                /// Arccosine; `d/dx = -1/√(1 - x²)`.
                Acos "acos" acos
                    |x| x.acos(),
                    |x, _z, g| Some(-(g / one_minus_square(x).sqrt()));
                /// Arctangent; `d/dx = 1/(1 + x²)`, as `r²/(1 + r²)` with `r = 1/x`
                /// for `|x| > 1`, so that neither it nor its derivative underflows
                /// early.
                Atan "atan" atan
                    |x| x.atan(),
                    |x, _z, g| if matches!(x.abs_order(1.0), Some(Less | Equal)) {
                        Some(g / (x * x + 1.0))
                    } else {
                        let r = x.recip();
                        Some(g * ((r * r) / (r * r + 1.0)))
                    };
                /// Hyperbolic sine; `d/dx = cosh x`.
                Sinh "sinh" sinh
                    |x| x.sinh(),
                    |x, _z, g| Some(g * x.cosh());
                /// Hyperbolic cosine; `d/dx = sinh x`.
                Cosh "cosh" cosh
                    |x| x.cosh(),
                    |x, _z, g| Some(g * x.sinh());
                /// Inverse hyperbolic sine; `d/dx = 1/√(x² + 1)`, as `1/hypot(x, 1)`
                /// so that it does not overflow for large `x`.
                Asinh "asinh" asinh
                    |x| libm::asinh(x),
                    |x, _z, g| Some(g / x.with_const(Op::HypotConst, 1.0));
                /// Inverse hyperbolic cosine, for `x ≥ 1`; `d/dx = 1/√(x² - 1)`, as
                /// `1/(√(x - 1)·√(x + 1))`, exact near 1 and finite for large `x`.
                Acosh "acosh" acosh
                    |x| libm::acosh(x),
                    |x, _z, g| Some(g / ((x - 1.0).sqrt() * (x + 1.0).sqrt()));
                /// Inverse hyperbolic tangent, for `|x| < 1`; `d/dx = 1/(1 - x²)`.
                Atanh "atanh" atanh
                    |x| libm::atanh(x),
                    |x, _z, g| Some(g / one_minus_square(x));
                /// Base-2 logarithm; `d/dx = 1/(x ln 2)`.
                Log2 "log2" log2
                    |x| x.log2(),
                    |x, _z, g| Some(g / (x * std::f64::consts::LN_2));
                /// Base-10 logarithm; `d/dx = 1/(x ln 10)`.
                Log10 "log10" log10
                    |x| x.log10(),
                    |x, _z, g| Some(g / (x * std::f64::consts::LN_10));
                /// `ln(1 + x)`, exact for tiny `x`; `d/dx = 1/(1 + x)`.
                Ln1p "ln_1p" ln_1p
                    |x| x.ln_1p(),
                    |x, _z, g| Some(g / (x + 1.0));
                /// `eˣ - 1`, exact for tiny `x`; `d/dx = eˣ` (not `z + 1`, which
                /// loses everything for very negative `x`).
                ExpM1 "exp_m1" exp_m1
                    |x| x.exp_m1(),
                    |x, _z, g| Some(g * x.exp());
                /// `2ˣ`; `d/dx = 2ˣ ln 2`, read from the output.
                Exp2 "exp2" exp2
                    |x| x.exp2(),
                    |_x, z, g| Some(g * z * std::f64::consts::LN_2);
                /// Cube root, for any sign; `d/dx = 1/(3∛x²)`, read from the output.
                Cbrt "cbrt" cbrt
                    |x| x.cbrt(),
                    |_x, z, g| Some(g / (z * z * 3.0));
                /// `ln(1 + eˣ)`, stable: finite and exact for any `x`;
                /// `d/dx = σ(x)`.
                Softplus "softplus" softplus
                    |x| softplus(x),
                    |x, _z, g| Some(g * x.sigmoid());
                /// The error function (from `libm`); `d/dx = 2/√π · e^(-x²)`, with
                /// the square taken exactly.
                Erf "erf" erf
                    |x| libm::erf(x),
                    |x, _z, g| Some(g * gaussian(x) * std::f64::consts::FRAC_2_SQRT_PI);
                /// The complementary error function `1 - erf x` (from `libm`),
                /// exact for large `x`; `d/dx = -2/√π · e^(-x²)`.
                Erfc "erfc" erfc
                    |x| libm::erfc(x),
                    |x, _z, g| Some(-(g * gaussian(x) * std::f64::consts::FRAC_2_SQRT_PI));
                /// The sign, `f64::signum`: 1 for +0 and above, -1 for -0 and
                /// below; its derivative is taken as 0 everywhere.
                Signum "signum" signum
                    |x| x.signum(),
                    |_x, _z, _g| None;
                /// The largest integer `≤ x`; derivative 0 (the steps are not
                /// differentiated).
                Floor "floor" floor
                    |x| x.floor(),
                    |_x, _z, _g| None;
                /// The smallest integer `≥ x`; derivative 0.
                Ceil "ceil" ceil
                    |x| x.ceil(),
                    |_x, _z, _g| None;
                /// The nearest integer, half away from zero; derivative 0.
                Round "round" round
                    |x| x.round(),
                    |_x, _z, _g| None;
                /// The integer part, towards zero; derivative 0.
                Trunc "trunc" trunc
                    |x| x.trunc(),
                    |_x, _z, _g| None;
            }
            unary_const {
                /// `x + c`.
                AddConst "add" false
                    |x, c| x + c,
                    |_x, _c, _z, g| Some(g);
                /// `x - c`.
                SubConst "sub" false
                    |x, c| x - c,
                    |_x, _c, _z, g| Some(g);
                /// `c - x`.
                ConstSub "sub" true
                    |x, c| c - x,
                    |_x, _c, _z, g| Some(-g);
                /// `x · c`.
                MulConst "mul" false
                    |x, c| x * c,
                    |_x, c, _z, g| Some(g * c);
                /// `x / c`.
                DivConst "div" false
                    |x, c| x / c,
                    |_x, c, _z, g| Some(g / c);
                /// `c / x`; `d/dx = -c/x²`, read as `-z/x`.
                ConstDiv "div" true
                    |x, c| c / x,
                    |x, _c, z, g| Some(-(g * z / x));
                /// `x^c` for a real constant `c`; `d/dx = c·x^(c-1)`, and 0 when `c = 0`.
                PowConst "powf" false
                    |x, c| x.powf(c),
                    |x, c, z, g| if c == 0.0 { None } else { Some(g * power_less_one(x, z, || x.powf(c - 1.0)) * c) };
                /// `xⁿ` for an integer `n` (stored exactly as a constant);
                /// `d/dx = n·xⁿ⁻¹` for every `i32` exponent, and 0 when `n = 0`.
                PowInt "powi" false
                    |x, n| powi(x, n),
                    |x, n, _z, g| int_power_partial(x, n, g);
                /// `cˣ` for a constant base `c`; `d/dx = cˣ ln c` (0 when `c = 0`
                /// and `x ≥ 0`, where the limit is 0).
                ConstPow "pow" true
                    |x, c| c.powf(x),
                    |x, c, z, g| if c == 0.0 && matches!(x.order(0.0), Some(Greater | Equal)) { None } else { Some(g * z * c.ln()) };
                /// `log_c x` for a constant base `c`, as `f64::log` computes it;
                /// `d/dx = 1/(x ln c)`.
                LogBase "log" false
                    |x, c| x.log(c),
                    |x, c, _z, g| Some(g / (x * c.ln()));
                /// `atan2(x, c)`: the angle of the point `(c, x)`;
                /// `d/dx = c/(x² + c²)`, which neither overflows nor underflows
                /// early.
                Atan2Const "atan2" false
                    |x, c| x.atan2(c),
                    |x, c, _z, g| Some(g * over_sum_of_squares(x.constant(c), x, x.constant(c)));
                /// `hypot(x, c) = √(x² + c²)`; `d/dx = x/z` (formed so that its own derivatives do not cancel),
                /// and 0 where `z = 0` (a subgradient of the cone at its tip).
                HypotConst "hypot" false
                    |x, c| x.hypot(c),
                    |x, c, z, g| if z.order(0.0) == Some(Equal) { None } else { Some(g * hypot_partial(x, x.constant(c), z)) };
                /// `max(x, c)`; on a tie `x` gets half the adjoint.
                MaxConst "max" false
                    |x, c| max(x, c),
                    |x, c, _z, g| share(x.order(c), g);
                /// `min(x, c)`; on a tie `x` gets half the adjoint.
                MinConst "min" false
                    |x, c| min(x, c),
                    |x, c, _z, g| share(x.order(c).map(Ordering::reverse), g);
            }
            binary {
                /// `x + y`.
                Add "add"
                    |x, y| x + y,
                    |_x, _y, _z, g| (Some(g), Some(g));
                /// `x - y`.
                Sub "sub"
                    |x, y| x - y,
                    |_x, _y, _z, g| (Some(g), Some(-g));
                /// `x · y`.
                Mul "mul"
                    |x, y| x * y,
                    |x, y, _z, g| (Some(g * y), Some(g * x));
                /// `x / y`; `d/dy = -x/y²`, read as `-z/y`.
                Div "div"
                    |x, y| x / y,
                    |_x, y, z, g| (Some(g / y), Some(-(g * z / y)));
                /// `x^y`; `d/dx = y·x^(y-1)` (0 at `x = y = 0`), `d/dy = x^y·ln x`
                /// (0 when `x = 0` and `y ≥ 0`, where the limit is 0).
                Pow "pow"
                    |x, y| x.powf(y),
                    |x, y, z, g| (
                        if x.order(0.0) == Some(Equal) && y.order(0.0) == Some(Equal) { None } else { Some(g * y * power_less_one(x, z, || x.pow(y - 1.0))) },
                        if x.order(0.0) == Some(Equal) && matches!(y.order(0.0), Some(Greater | Equal)) { None } else { Some(g * z * x.ln()) },
                    );
                /// `max(x, y)`; on a tie each input gets half the adjoint, and a NaN
                /// input makes both partials NaN.
                Max "max"
                    |x, y| max(x, y),
                    |x, y, _z, g| (share(x.order_with(y), g), share(x.order_with(y).map(Ordering::reverse), g));
                /// `min(x, y)`; on a tie each input gets half the adjoint, and a NaN
                /// input makes both partials NaN.
                Min "min"
                    |x, y| min(x, y),
                    |x, y, _z, g| (share(x.order_with(y).map(Ordering::reverse), g), share(x.order_with(y), g));
                /// `atan2(y, x)`, the angle of the point `(x, y)`, with `y` the
                /// first input; `d/dy = x/(x² + y²)`, `d/dx = -y/(x² + y²)` (NaN at
                /// the origin, where the angle jumps).
                Atan2 "atan2"
                    |y, x| y.atan2(x),
                    |y, x, _z, g| (Some(g * over_sum_of_squares(x, x, y)), Some(-(g * over_sum_of_squares(y, x, y))));
                /// `hypot(x, y) = √(x² + y²)` without overflow; `d/dx = x/z`,
                /// `d/dy = y/z`, and 0 where `z = 0`.
                Hypot "hypot"
                    |x, y| x.hypot(y),
                    |x, y, z, g| (
                        if z.order(0.0) == Some(Equal) { None } else { Some(g * hypot_partial(x, y, z)) },
                        if z.order(0.0) == Some(Equal) { None } else { Some(g * hypot_partial(y, x, z)) },
                    );
            }
            nary {
                /// The sum of any number of inputs.
                Sum "sum";
            }
            dot {
                /// `Σ cᵢ·xᵢ` over consecutive nodes `xᵢ` (a block of leaves from
                /// [`Tape::vars`](crate::Tape::vars)) with constant coefficients
                /// `cᵢ`: a neuron's weighted sum as one node; `d/dxᵢ = cᵢ`.
                Dot "dot";
            }
            custom {
                /// An op of the user's own ([`CustomOp`](crate::CustomOp), recorded
                /// by [`Tape::custom`](crate::Tape::custom)), with any number of
                /// inputs; its value and partials are the user's.
                Custom "custom";
            }
        }
    };
}
pub(crate) use op_rows;

op_rows!(op_table);

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
