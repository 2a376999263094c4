//! `Var`'s operators: `+ - * /` for `Var∘Var`, `Var∘f64` and `f64∘Var`
//! from one macro with their compound assignments, `-x`, [`Pow`], `Sum`
//! and `Product`, [`Rhs`] (a `Var` or an `f64` on the right of `max`,
//! `min`, `atan2`, `hypot`), and the handle's `Debug` and `Display`.

#[allow(clippy::wildcard_imports)]
use super::*;

/// The right operand of a `Var` method that takes a `Var` or an `f64`
/// ([`Var::max`], [`Var::min`], [`Var::atan2`], [`Var::hypot`]): an `f64`
/// is stored as the op's constant, not recorded as a node. Sealed.
///
/// ```
/// use tapegrad::{Rhs, Tape, Var};
///
/// // ReLU with a floor of either kind.
/// fn floored(x: Var, floor: impl Rhs) -> Var {
///     x.max(floor)
/// }
/// let tape = Tape::new();
/// let x = tape.var(-1.0);
/// assert_eq!(floored(x, 0.0).value(), 0.0);
/// assert_eq!(floored(x, tape.var(-3.0)).value(), -1.0);
/// assert_eq!(tape.len(), 4); // x, max with 0, -3, max with -3: no node for the 0
/// ```
pub trait Rhs: Copy + sealed::Sealed {
    #[doc(hidden)]
    fn record(self, lhs: Var, with_var: Op, with_const: Op) -> Var;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for f64 {}
    impl Sealed for super::Var {}
}

impl Rhs for Var {
    #[inline(always)]
    #[track_caller]
    fn record(self, lhs: Var, with_var: Op, _: Op) -> Var {
        lhs.binary(with_var, self)
    }
}

impl Rhs for f64 {
    #[inline(always)]
    #[track_caller]
    fn record(self, lhs: Var, _: Op, with_const: Op) -> Var {
        lhs.with_const(with_const, self)
    }
}

impl Pow<Var> for Var {
    type Output = Var;
    #[inline]
    #[track_caller]
    fn pow(self, exponent: Var) -> Var {
        self.binary(Op::Pow, exponent)
    }
}

impl Pow<Var> for f64 {
    type Output = Var;
    #[inline]
    #[track_caller]
    fn pow(self, exponent: Var) -> Var {
        exponent.with_const(Op::ConstPow, self)
    }
}

/// `iter.sum()` over `Var`s records one n-ary sum node, as [`Tape::sum`]
/// does; constants on no tape before the first node add up to one constant
/// term, and an empty or all-constant sum is a constant (-0 for no terms,
/// as for `f64`, which starts its sums from -0).
///
/// ```
/// use tapegrad::{Tape, Var};
///
/// let tape = Tape::new();
/// let w = [tape.var(1.0), tape.var(2.0)];
/// let x = [3.0, 4.0];
/// let z: Var = w.iter().zip(x).map(|(&w, x)| w * x).sum();
/// assert_eq!(z.value(), 11.0);
/// let none: Var = std::iter::empty::<Var>().sum();
/// assert_eq!(none.value(), 0.0);
/// ```
impl std::iter::Sum<Var> for Var {
    #[track_caller]
    fn sum<I: Iterator<Item = Var>>(mut iter: I) -> Var {
        // As `f64` sums: from -0, in order.
        let mut constants = -0.0;
        let mut leading = false;
        for v in iter.by_ref() {
            if v.is_constant() {
                constants += v.value;
                leading = true;
                continue;
            }
            // The iterator may run the user's code: hold the tape.
            let state = live::shared(v.id);
            let first = leading.then(|| state.push(Op::Const, [], constants));
            return state.sum(first.into_iter().chain(std::iter::once(v)).chain(iter));
        }
        Var::constant(constants)
    }
}

impl<'a> std::iter::Sum<&'a Var> for Var {
    #[track_caller]
    fn sum<I: Iterator<Item = &'a Var>>(iter: I) -> Var {
        // The impl itself, not `Iterator::sum`, which would hide the caller.
        <Var as std::iter::Sum>::sum(iter.copied())
    }
}

/// `iter.product()` over `Var`s records one multiplication per factor
/// after the first; an empty product is the constant 1, as for `f64`.
impl std::iter::Product<Var> for Var {
    #[track_caller]
    fn product<I: Iterator<Item = Var>>(iter: I) -> Var {
        let mut acc = Var::constant(1.0);
        // A loop, not a fold: a closure would hide the caller's line from a
        // panic. The first factor replaces the 1, as `1.0 * x == x` in f64
        // (bit for bit, NaN payloads aside), without recording a `mul`.
        let mut first = true;
        for x in iter {
            if first {
                acc = x;
                first = false;
            } else {
                acc *= x;
            }
        }
        acc
    }
}

impl<'a> std::iter::Product<&'a Var> for Var {
    #[track_caller]
    fn product<I: Iterator<Item = &'a Var>>(iter: I) -> Var {
        <Var as std::iter::Product>::product(iter.copied())
    }
}

impl fmt::Debug for Var {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_constant() || !live::is_live(self.id) {
            // A constant, or a node whose tape is gone: what the handle holds.
            let kind = if self.is_constant() {
                "constant"
            } else {
                "stale"
            };
            return f.debug_struct("Var").field(kind, &self.value).finish();
        }
        let mut d = f.debug_struct("Var");
        d.field("index", &self.index);
        if let Some(name) = self.name() {
            d.field("name", &name);
        }
        d.field("op", &self.op())
            .field("value", &self.value)
            .finish()
    }
}

/// Prints the value as `f64` does. Printing is looking, not a read that a
/// compiled replay must answer for: it is not noted (code that parses the
/// text back and branches on it should read [`Var::value`] instead).
impl fmt::Display for Var {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.value, f)
    }
}

/// Implements one arithmetic operator for `Var∘Var`, `Var∘f64` and
/// `f64∘Var`, plus its compound assignment.
macro_rules! operator {
    ($Trait:ident $method:ident, $Assign:ident $assign:ident:
     $binary:ident, $var_const:ident, $const_var:ident) => {
        impl $Trait for Var {
            type Output = Var;
            #[inline(always)]
            #[track_caller]
            fn $method(self, rhs: Var) -> Var {
                self.binary(Op::$binary, rhs)
            }
        }
        impl $Trait<f64> for Var {
            type Output = Var;
            #[inline(always)]
            #[track_caller]
            fn $method(self, rhs: f64) -> Var {
                self.with_const(Op::$var_const, rhs)
            }
        }
        impl $Trait<Var> for f64 {
            type Output = Var;
            #[inline(always)]
            #[track_caller]
            fn $method(self, rhs: Var) -> Var {
                rhs.with_const(Op::$const_var, self)
            }
        }
        impl $Assign for Var {
            #[inline]
            #[track_caller]
            fn $assign(&mut self, rhs: Var) {
                *self = $Trait::$method(*self, rhs);
            }
        }
        impl $Assign<f64> for Var {
            #[inline]
            #[track_caller]
            fn $assign(&mut self, rhs: f64) {
                *self = $Trait::$method(*self, rhs);
            }
        }
    };
}

// Addition and multiplication commute, so `c + x` and `c·x` record the same
// op as `x + c` and `x·c` (IEEE addition and multiplication commute exactly).
operator!(Add add, AddAssign add_assign: Add, AddConst, AddConst);
operator!(Sub sub, SubAssign sub_assign: Sub, SubConst, ConstSub);
operator!(Mul mul, MulAssign mul_assign: Mul, MulConst, MulConst);
operator!(Div div, DivAssign div_assign: Div, DivConst, ConstDiv);

impl Neg for Var {
    type Output = Var;
    #[inline]
    #[track_caller]
    fn neg(self) -> Var {
        self.unary(Op::Neg)
    }
}
