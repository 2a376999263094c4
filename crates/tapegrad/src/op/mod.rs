//! The op table: every operation the tape can record, each defined once.
//!
//! One row of the op table (`op_rows!` in `table.rs`, expanded by
//! `op_table!`) gives an op its name, its shape (how many inputs and
//! constants it takes), its forward value and its vector-Jacobian product
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

mod formulas;
#[allow(clippy::wildcard_imports)]
use formulas::*;

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
    /// The constant held in operand words `j` and `j + 1`
    /// ([`inline_constant`]); a sweep that can read both words at once
    /// says so.
    #[inline(always)]
    fn arg_constant(&self, j: usize) -> f64 {
        inline_constant(self.arg(j), self.arg(j + 1))
    }
    /// Constant number `k` of the tape's constant pool (a dot product's
    /// coefficients; an op's one constant is in its words).
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

/// The constant operand of an op with a constant, from its two operand
/// words: stored in the word stream itself, it costs a node no place in the
/// constant pool and no check of the pool's limit when recorded.
#[inline(always)]
pub(crate) fn inline_constant(low: u32, high: u32) -> f64 {
    f64::from_bits(u64::from(low) | u64::from(high) << 32)
}

/// The constant in the two operand words at `words`, read as one
/// unaligned `u64` where the low word comes first in memory.
///
/// # Safety
/// `words` and the word after it are readable.
#[inline(always)]
pub(crate) unsafe fn read_inline_constant(words: *const u32) -> f64 {
    if cfg!(target_endian = "little") {
        // SAFETY: the caller's promise: eight readable bytes.
        f64::from_bits(unsafe { words.cast::<u64>().read_unaligned() })
    } else {
        // SAFETY: as above.
        unsafe { inline_constant(*words, *words.add(1)) }
    }
}

/// The two operand words that hold constant `c` ([`inline_constant`]).
#[inline(always)]
pub(crate) fn constant_words(c: f64) -> [u32; 2] {
    let bits = c.to_bits();
    [bits as u32, (bits >> 32) as u32]
}

/// The operands of the node being evaluated by [`eval_node`].
pub(crate) trait Operands {
    /// The value of the input whose index is operand word `j`.
    fn value(&self, j: usize) -> f64;
    /// The constant whose bits are operand words `j` and `j + 1`.
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
            /// constant's bits (low word first) for an op with a constant,
            /// where its input list starts and its length for an
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
                            Shape::Binary | Shape::Nary => 2,
                            Shape::UnaryConst { .. } | Shape::Dot | Shape::Custom => 3,
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
        /// False for a custom node, which is left to [`Pullback::custom`]: a
        /// sweep that takes custom nodes elsewhere learns so from the match
        /// it dispatches through, with no test of its own per node. The
        /// node's output comes from `out`, called only by the formulas that
        /// read it, so the numeric sweep loads it only for those.
        #[inline(always)]
        pub(crate) fn pullback<P: Pullback>(
            p: &mut P,
            op: Op,
            out: impl Fn() -> P::S,
            g: P::S,
        ) -> bool {
            match op {
                $( Op::$N => {} )*
                $( Op::$U => { let a = p.arg(0); if p.wants(a) {
                    let $ux2 = p.input(a);
                    let ($uz, $ug) = (out(), g);
                    let d: Option<P::S> = $uvjp;
                    if let Some(d) = d { p.accumulate(0, a, d); }
                } } )*
                $( Op::$C => { let a = p.arg(0); if p.wants(a) {
                    let $cx2 = p.input(a);
                    let $cc2 = p.arg_constant(1);
                    let ($cz, $cg) = (out(), g);
                    let d: Option<P::S> = $cvjp;
                    if let Some(d) = d { p.accumulate(0, a, d); }
                } } )*
                $( Op::$B => {
                    let (a, b) = (p.arg(0), p.arg(1));
                    let ($bx2, $by2) = (p.input(a), p.input(b));
                    let ($bz, $bg) = (out(), g);
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
                $( Op::$X => { p.custom(out(), g); return false; } )*
            }
            true
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
            /// The positive difference `max(self - other, 0)`, as
            /// `f64::abs_sub` (C's `fdim`) computes it; its derivative takes
            /// relu's convention at the tie (0).
            ///
            /// ```
            /// use tapegrad::{Real, Tape};
            ///
            /// let tape = Tape::new();
            /// let (x, y) = (tape.var(5.0), tape.var(2.0));
            /// let d = x.abs_sub(y);
            /// let g = d.backward();
            /// // 5 - 2 = 3 with slopes 1 and -1; below the tie it is flat at +0.
            /// assert_eq!((d.value(), g[x], g[y]), (3.0, 1.0, -1.0));
            /// assert_eq!(Real::abs_sub(2.0, 5.0), 0.0);
            /// ```
            #[inline(always)]
            fn abs_sub(self, other: Self) -> Self {
                self.binary(Op::AbsSub, other)
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

mod table;
pub(crate) use table::op_rows;

op_rows!(op_table);

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
