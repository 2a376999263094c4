//! The other Rust reverse-mode tapes that build here, as [`Rec`] systems:
//! ad_trait's `adr` and echidna's `Reverse`, through their public APIs.
//!
//! Neither has an n-ary sum, so their sums are `acc = acc + term`, as a user
//! writes a loop; each workload is therefore recorded op by op on both.

use std::ops::{Add, Mul};

use ad_trait::AD;
use ad_trait::nalgebra::ComplexField;
use ad_trait::reverse_ad::adr::adr;
use echidna::{Reverse, Scalar};

use crate::common::Rec;

/// ad_trait's reverse mode: one computation graph per thread, which
/// `adr::new_variable(x, true)` empties (keeping its allocation) before it
/// records the first variable of a recording.
#[derive(Clone, Copy)]
pub struct AdTrait;

/// An `adr` with the operators the workloads use. ad_trait takes an `f64`
/// operand as `adr::constant(c)`, which is what the `f64` operators here
/// write: one recorded node with a constant parent, as in ad_trait itself.
#[derive(Clone, Copy)]
pub struct Adr(pub adr);

impl Add for Adr {
    type Output = Adr;
    #[inline(always)]
    fn add(self, rhs: Adr) -> Adr {
        Adr(self.0 + rhs.0)
    }
}

impl Mul for Adr {
    type Output = Adr;
    #[inline(always)]
    fn mul(self, rhs: Adr) -> Adr {
        Adr(self.0 * rhs.0)
    }
}

impl Add<f64> for Adr {
    type Output = Adr;
    #[inline(always)]
    fn add(self, rhs: f64) -> Adr {
        Adr(self.0 + adr::constant(rhs))
    }
}

impl Mul<f64> for Adr {
    type Output = Adr;
    #[inline(always)]
    fn mul(self, rhs: f64) -> Adr {
        Adr(self.0 * adr::constant(rhs))
    }
}

impl Rec for AdTrait {
    type V = Adr;
    #[inline(always)]
    fn sin(self, v: Adr) -> Adr {
        Adr(ComplexField::sin(v.0))
    }
    #[inline(always)]
    fn ln(self, v: Adr) -> Adr {
        Adr(ComplexField::ln(v.0))
    }
    #[inline(always)]
    fn sqrt(self, v: Adr) -> Adr {
        Adr(ComplexField::sqrt(v.0))
    }
    #[inline(always)]
    fn tanh(self, v: Adr) -> Adr {
        Adr(ComplexField::tanh(v.0))
    }
    /// One node with local partial 1 or 0, as for `reverse`.
    #[inline(always)]
    fn relu(self, v: Adr) -> Adr {
        v * if v.0.value() > 0.0 { 1.0 } else { 0.0 }
    }
    #[inline(always)]
    fn sum<I: Iterator<Item = Adr>>(self, terms: I) -> Adr {
        terms.reduce(|acc, t| acc + t).expect("a non-empty sum")
    }
}

/// echidna's reverse mode: `Reverse<f64>` records on the tape that
/// `echidna::grad` makes for each call and activates for its closure.
#[derive(Clone, Copy)]
pub struct Echidna;

impl Rec for Echidna {
    type V = Reverse<f64>;
    #[inline(always)]
    fn sin(self, v: Self::V) -> Self::V {
        num_traits::Float::sin(v)
    }
    #[inline(always)]
    fn ln(self, v: Self::V) -> Self::V {
        num_traits::Float::ln(v)
    }
    #[inline(always)]
    fn sqrt(self, v: Self::V) -> Self::V {
        num_traits::Float::sqrt(v)
    }
    #[inline(always)]
    fn tanh(self, v: Self::V) -> Self::V {
        num_traits::Float::tanh(v)
    }
    /// One node with local partial 1 or 0, as for `reverse`.
    #[inline(always)]
    fn relu(self, v: Self::V) -> Self::V {
        v * if v.value() > 0.0 { 1.0 } else { 0.0 }
    }
    #[inline(always)]
    fn sum<I: Iterator<Item = Self::V>>(self, terms: I) -> Self::V {
        terms.reduce(|acc, t| acc + t).expect("a non-empty sum")
    }
}

/// The gradient of `f` at `x` with echidna's `grad`, and the value `f`
/// returned (which `grad` does not hand back).
pub fn echidna_grad(f: impl FnOnce(&[Reverse<f64>]) -> Reverse<f64>, x: &[f64]) -> (f64, Vec<f64>) {
    let mut value = f64::NAN;
    let g = echidna::grad(
        |x| {
            let y = f(x);
            value = y.value();
            y
        },
        x,
    );
    (value, g)
}
