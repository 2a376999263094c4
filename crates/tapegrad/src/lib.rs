//! Reverse-mode automatic differentiation on a tape.
//!
//! Write an expression with plain operators; every operation is recorded on
//! a [`Tape`] (a Wengert list), and one reverse sweep returns the exact
//! gradient of the output with respect to every node.
//!
//! ```
//! use tapegrad::Tape;
//!
//! let tape = Tape::new();
//! let w = tape.var(3.0).named("w");
//! let b = tape.var(4.0).named("b");
//! let x = (2.0 * w + 3.0 * b).named("x");
//! let y = (2.0 * b + 1.0).named("y");
//! let z = x * y;
//! assert_eq!(z.value(), 162.0);
//!
//! let g = z.backward();
//! assert_eq!(g.wrt(w), 18.0); // dz/dw = 2y
//! assert_eq!(g[b], 63.0); // dz/db = 3y + 2x: both paths through b add up
//! assert_eq!(g.wrt(x), 9.0);
//! assert_eq!(g.wrt(y), 18.0);
//! ```
//!
//! A layer's weights can be recorded as one block of leaves, and its
//! weighted sum of plain data as one node, with the gradient back as a
//! slice: see [`Tape::vars`] and [`Vars::dot`].
//!
//! Every operation is one row of the op table ([`Op`]): its name, its
//! inputs, its value and its local partial derivatives, written once and
//! read by the backward sweep and everything that inspects the tape.
//!
//! Numerical faults follow IEEE arithmetic on the fast path
//! ([`Var::backward`]); [`Var::try_backward`] reports the first non-finite
//! value or adjoint as an [`Error`], and [`check`] compares gradients with
//! central finite differences.

#![warn(missing_docs)]

mod backward;
pub mod check;
mod custom;
mod error;
mod grad_graph;
pub mod graph;
mod higher;
mod op;
mod tape;

pub use backward::Gradients;
pub use custom::CustomOp;
pub use error::{Error, IoError, NonFinite, Result};
pub use graph::{Constants, Detail, Direction, Graph, GraphEdge, GraphNode, Operand};
pub use higher::{Hessian, Jacobian, hessian, hessian_vector_product, jacobian};
pub use op::{Op, Real, Shape};
pub use tape::{Node, Pow, Rhs, Tape, Var, Vars};
