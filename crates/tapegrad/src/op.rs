//! The op table: every operation the tape can record, each defined once.
//!
//! One row of [`op_table!`] gives an op its name, its shape (how many inputs
//! and constants it takes), its forward value and its vector-Jacobian product
//! (the local partials times the output's adjoint `g`). The value is computed
//! in `f64` when the op is recorded. The vector-Jacobian product is generic
//! over [`Real`], so the same formula runs the numeric backward sweep (`f64`)
//! and records the gradient graph on the tape (`Var`). Dumps read the
//! partials from it too, by seeding `g = 1`.

use std::fmt;
use std::ops::{Add, Div, Mul, Neg, Sub};

/// How many recorded inputs an op takes, and whether it carries a constant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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
}

/// Numbers that the vector-Jacobian products of the op table run on: `f64`
/// for the numeric backward sweep and [`Var`](crate::Var) for the recorded one.
///
/// Branches in a formula (relu, abs, max, ties) read [`Real::value`], so both
/// instances take the same branch at the same point.
pub trait Real:
    Copy
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + Add<f64, Output = Self>
    + Sub<f64, Output = Self>
    + Mul<f64, Output = Self>
    + Div<f64, Output = Self>
{
    /// The number's value.
    fn value(self) -> f64;
    /// `c - self`.
    fn rsub(self, c: f64) -> Self;
    /// Natural logarithm.
    fn ln(self) -> Self;
    /// Sine.
    fn sin(self) -> Self;
    /// Cosine.
    fn cos(self) -> Self;
    /// Integer power.
    fn powi(self, n: i32) -> Self;
    /// Real power with a constant exponent.
    fn powf(self, p: f64) -> Self;
    /// Real power with a variable exponent.
    fn pow(self, p: Self) -> Self;
}

impl Real for f64 {
    #[inline(always)]
    fn value(self) -> f64 {
        self
    }
    #[inline(always)]
    fn rsub(self, c: f64) -> f64 {
        c - self
    }
    #[inline(always)]
    fn ln(self) -> f64 {
        f64::ln(self)
    }
    #[inline(always)]
    fn sin(self) -> f64 {
        f64::sin(self)
    }
    #[inline(always)]
    fn cos(self) -> f64 {
        f64::cos(self)
    }
    #[inline(always)]
    fn powi(self, n: i32) -> f64 {
        f64::powi(self, n)
    }
    #[inline(always)]
    fn powf(self, p: f64) -> f64 {
        f64::powf(self, p)
    }
    #[inline(always)]
    fn pow(self, p: f64) -> f64 {
        f64::powf(self, p)
    }
}

/// The logistic function in its stable form: it never overflows, and it is
/// exact to the last bit far from zero on both sides.
#[inline]
pub fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        // For very negative x, exp(x) underflows gracefully instead of
        // 1/(1+exp(-x)) overflowing to 1/inf.
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// `max(x, 0)`, passing NaN through (as PyTorch does) so that a checked
/// backward still sees it.
#[inline]
pub fn relu(x: f64) -> f64 {
    if x <= 0.0 { 0.0 } else { x }
}

/// The larger of two numbers, NaN if either is NaN (`f64::max` would hide it).
#[inline]
pub fn max(x: f64, y: f64) -> f64 {
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
pub fn min(x: f64, y: f64) -> f64 {
    if x.is_nan() || y.is_nan() {
        f64::NAN
    } else if x <= y {
        x
    } else {
        y
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
    ) => {
        /// An operation recorded on the tape.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum Op {
            $( $(#[$nm])* $N, )*
            $( $(#[$um])* $U, )*
            $( $(#[$cm])* $C, )*
            $( $(#[$bm])* $B, )*
            $( $(#[$am])* $A, )*
            $( $(#[$dm])* $D, )*
        }

        impl Op {
            /// Every op, in table order.
            pub const ALL: &'static [Op] = &[
                $( Op::$N, )* $( Op::$U, )* $( Op::$C, )* $( Op::$B, )* $( Op::$A, )*
                $( Op::$D, )*
            ];

            /// The op's name as dumps print it (ops that differ only in
            /// where their constant sits share a name).
            pub const fn name(self) -> &'static str {
                match self {
                    $( Op::$N => $nname, )*
                    $( Op::$U => $uname, )*
                    $( Op::$C => $cname, )*
                    $( Op::$B => $bname, )*
                    $( Op::$A => $aname, )*
                    $( Op::$D => $dname, )*
                }
            }

            /// How many inputs the op takes and whether it carries a constant.
            pub const fn shape(self) -> Shape {
                match self {
                    $( Op::$N => Shape::Nullary, )*
                    $( Op::$U => Shape::Unary, )*
                    $( Op::$C => Shape::UnaryConst { const_first: $cfirst }, )*
                    $( Op::$B => Shape::Binary, )*
                    $( Op::$A => Shape::Nary, )*
                    $( Op::$D => Shape::Dot, )*
                }
            }

            /// How many `u32` operand words the tape stores for the op: an
            /// input index each for unary and binary ops, the input and the
            /// constant's place in the constant pool for an op with a
            /// constant, where its input list starts and its length for an
            /// n-ary op, and the first input, the count and where the
            /// coefficients start for a dot product.
            #[inline(always)]
            pub const fn words(self) -> usize {
                match self.shape() {
                    Shape::Nullary => 0,
                    Shape::Unary => 1,
                    Shape::UnaryConst { .. } | Shape::Binary | Shape::Nary => 2,
                    Shape::Dot => 3,
                }
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
            }
        }

        /// The `Var` methods of the one-input ops, one per table row.
        impl<'t> crate::Var<'t> {
            $(
                $(#[$um])*
                #[inline]
                #[must_use]
                #[allow(clippy::should_implement_trait)]
                pub fn $method(self) -> crate::Var<'t> {
                    self.unary(Op::$U)
                }
            )*
        }
    };
}

// The op table. Each row: variant, name, forward value, vector-Jacobian
// product. In the products, `x`/`y` are the inputs, `c` the constant, `z` the
// output and `g` the output's adjoint; `None` means "contributes nothing".
op_table! {
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
        /// `e^x`; `d/dx = e^x`, read from the output.
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
        /// Hyperbolic tangent; `d/dx = 1 - tanh² x`, read from the output.
        Tanh "tanh" tanh
            |x| x.tanh(),
            |_x, z, g| Some(g * (z * z).rsub(1.0));
        /// The logistic function `1/(1+e^-x)`, stable for any `x`;
        /// `d/dx = σ(1-σ)`, read from the output.
        Sigmoid "sigmoid" sigmoid
            |x| sigmoid(x),
            |_x, z, g| Some(g * (z * z.rsub(1.0)));
        /// `max(x, 0)`; the derivative at 0 is taken as 0.
        Relu "relu" relu
            |x| relu(x),
            |x, _z, g| if x.value() > 0.0 { Some(g) } else { None };
        /// `|x|`; the derivative at 0 is taken as 0.
        Abs "abs" abs
            |x| x.abs(),
            |x, _z, g| if x.value() > 0.0 { Some(g) } else if x.value() < 0.0 { Some(-g) } else { None };
        /// `1/x`; `d/dx = -1/x²`, read from the output.
        Recip "recip" recip
            |x| x.recip(),
            |_x, z, g| Some(-(g * (z * z)));
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
            |x, c, _z, g| if c == 0.0 { None } else { Some(g * x.powf(c - 1.0) * c) };
        /// `x^n` for an integer `n` (stored exactly as a constant);
        /// `d/dx = n·x^(n-1)`, and 0 when `n = 0`.
        PowInt "powi" false
            |x, n| x.powi(n as i32),
            |x, n, _z, g| if n == 0.0 { None } else { Some(g * x.powi(n as i32 - 1) * n) };
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
        /// `x^y`; `d/dx = y·x^(y-1)` (0 when `y = 0`), `d/dy = x^y·ln x`
        /// (0 when `x = 0` and `y ≥ 0`, where the limit is 0).
        Pow "pow"
            |x, y| x.powf(y),
            |x, y, z, g| (
                if y.value() == 0.0 { None } else { Some(g * y * x.pow(y - 1.0)) },
                if x.value() == 0.0 && y.value() >= 0.0 { None } else { Some(g * z * x.ln()) },
            );
        /// `max(x, y)`; on a tie each input gets half the adjoint.
        Max "max"
            |x, y| max(x, y),
            |x, y, _z, g| (share(x.value(), y.value(), g), share(y.value(), x.value(), g));
        /// `min(x, y)`; on a tie each input gets half the adjoint.
        Min "min"
            |x, y| min(x, y),
            |x, y, _z, g| (share(-x.value(), -y.value(), g), share(-y.value(), -x.value(), g));
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
}

/// The share of a `max`'s adjoint `g` that goes to an operand of value `mine`
/// against `other`: all to the winner, nothing to the loser, half on a tie.
/// (A `min` is a `max` of the negated values.)
#[inline(always)]
fn share<S: Real>(mine: f64, other: f64, g: S) -> Option<S> {
    if mine > other {
        Some(g)
    } else if mine < other {
        None
    } else {
        Some(g * 0.5)
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
