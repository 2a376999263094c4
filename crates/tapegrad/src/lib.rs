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
//! The tour below takes each capability in turn: gradients, the f64 method
//! set, your own generic code, ops of your own, checked gradients, gradient graphs with Hessians
//! and Jacobians, dumps and pictures, compiled replay, gradient checks, the
//! op table, and the crate's features.
//!
//! # Gradients
//!
//! [`Tape::var`] records a leaf; `+ - * /` and the methods of [`Var`]
//! record one node each; [`Var::backward`] sweeps once from an output and
//! returns its [`Gradients`], read by `g[x]` or [`Gradients::wrt`] (0 for a
//! node the output does not depend on). A layer's weights can be recorded
//! as one block of leaves ([`Tape::vars`]), and its weighted sum of plain
//! data as one node ([`Vars::dot`]), with the gradient back as a slice.
//!
//! ```
//! use tapegrad::Tape;
//!
//! let tape = Tape::new();
//! let w = tape.vars(&[0.5, -0.25]);
//! let b = tape.var(0.1);
//! let y = (w.dot(&[2.0, 4.0]) + b).tanh(); // tanh(1 - 1 + 0.1)
//! let g = y.backward();
//! // ∂y/∂b = 1 - tanh²(0.1), and ∂y/∂wᵢ = xᵢ·∂y/∂b
//! let db = 1.0 - 0.1f64.tanh().powi(2);
//! assert!((g[b] - db).abs() < 1e-15);
//! assert_eq!(&g.wrt_vars(w)[..], &[2.0 * g[b], 4.0 * g[b]]);
//! assert_eq!(g.wrt_all(&[b, tape.var(7.0)]), vec![g[b], 0.0]); // not an input of y
//! ```
//!
//! # Code written for `f64` ports by changing the type
//!
//! [`Var`] has `f64`'s own method names and argument types (`ln`, `exp`,
//! `asin`, `ln_1p`, `powi(i32)`, `powf(f64)`, `log(base)`, `atan2`, `hypot`,
//! `max`/`min` with a `Var` or an `f64`, `clamp`, …), and `+ - * /` work
//! with `f64` on either side; `iter.sum()` records one n-ary node, and
//! comparisons read the recorded values (the branch taken is the branch
//! recorded). A plain `f64` base takes a `Var` exponent through [`Pow`].
//!
//! ```
//! use tapegrad::{Pow, Tape, Var};
//!
//! let tape = Tape::new();
//! let w = [tape.var(0.5), tape.var(-1.0)];
//! let x = [2.0, 3.0];
//! let z: Var = w.iter().zip(x).map(|(&w, x)| w * x).sum(); // one sum node
//! let a = if z > 0.0 { z.tanh() } else { z.max(0.0) }; // z = -2: max records
//! let loss = a.ln_1p() + 2.0.pow(w[0]);
//! let g = loss.backward();
//! // ∂/∂w₀ = ∂ln(1 + a)/∂a · ∂max/∂z · x₀ + 2^w₀ ln 2 = 0 + √2 ln 2
//! assert_eq!(g[w[0]], 2f64.sqrt() * 2f64.ln());
//! ```
//!
//! What does not port by the type alone: a value kept in an `f64` (an
//! accumulator `let mut s = 0.0; s += v * v;` stays an `f64`: start it at
//! `Var::constant(0.0)`, or `T::zero()` in generic code), and [`Var::max`]
//! and [`Var::min`], which pass a NaN on where `f64::max` returns the other
//! side (num-traits' `Float::max` on a `Var` answers as `f64`'s does).
//!
//! # Your own generic code
//!
//! With the default feature `num-traits`, `Var` implements num-traits'
//! `Float`, `FloatConst`, `Signed`, `FromPrimitive` and the rest, so a
//! function written once over `T: Float`, in your code or another crate's,
//! runs on a tape unchanged and differentiates. Its constants (`T::zero()`,
//! `T::from(0.5)`, `T::PI()`) are constants on no tape ([`Var::constant`]),
//! recorded as operands where they meet a node; its predicates (`is_nan`,
//! `is_finite`, comparisons) are kept as guards for [`Tape::compile`]; and
//! `mul_add` rounds once, so the values are those of the `f64` instance bit
//! for bit. A `Var` has no lifetime, so it can also live in a struct.
//!
//! ```
//! # #[cfg(feature = "num-traits")] {
//! use tapegrad::num_traits::Float;
//! use tapegrad::{Tape, Var};
//!
//! /// Rosenbrock's function, written once for any float type.
//! fn rosenbrock<T: Float>(x: &[T]) -> T {
//!     let (a, b) = (T::one(), T::from(100.0).unwrap());
//!     x.windows(2).fold(T::zero(), |s, w| {
//!         s + b * (w[1] - w[0] * w[0]).powi(2) + (a - w[0]).powi(2)
//!     })
//! }
//!
//! struct Model {
//!     params: Vec<Var>, // no lifetime to carry
//! }
//!
//! let tape = Tape::new();
//! let model = Model { params: vec![tape.var(-1.2), tape.var(1.0)] };
//! let y = rosenbrock(&model.params);
//! assert_eq!(y.value(), rosenbrock(&[-1.2, 1.0])); // the f64 instance, bit for bit
//! let g = y.backward();
//! // ∂/∂x₀ = -400 x₀ (x₁ - x₀²) - 2 (1 - x₀) = -215.6, ∂/∂x₁ = 200 (x₁ - x₀²) = -88
//! assert!((g[model.params[0]] + 215.6).abs() < 1e-12);
//! assert!((g[model.params[1]] + 88.0).abs() < 1e-12);
//! # }
//! ```
//!
//! With the feature `nalgebra`, `Var` is also a nalgebra `RealField`
//! (through simba), so nalgebra's own code (rotations, quaternions, norms,
//! inverses, determinants, Cholesky and LU) runs on a tape unchanged:
//!
//! ```
//! # #[cfg(feature = "nalgebra")] {
//! use nalgebra::{Rotation3, Vector3};
//! use tapegrad::{Tape, Var};
//!
//! let tape = Tape::new();
//! let angle = tape.var(0.3);
//! // The tip of a unit arm turned by `angle` about z, by nalgebra's code.
//! let rotation = Rotation3::from_axis_angle(&Vector3::z_axis(), angle);
//! let tip = rotation * Vector3::new(Var::constant(1.0), Var::constant(0.0), Var::constant(0.0));
//! assert_eq!(tip.y.value(), 0.3f64.sin());
//! // d(sin θ)/dθ = cos θ
//! assert!((tip.y.backward()[angle] - 0.3f64.cos()).abs() < 1e-15);
//! # }
//! ```
//!
//! The crate's example `inverse_kinematics` solves a three-joint arm
//! written with nalgebra by Newton steps on the tape's Jacobian
//! (`cargo run -p tapegrad --features nalgebra --example inverse_kinematics`).
//!
//! # Ops of your own
//!
//! A [`CustomOp`] gives its value and its partials, written once against
//! [`Real`]; [`Tape::custom`] records it as one node that every sweep,
//! Hessian and dump treats as a built-in op.
//!
//! ```
//! use tapegrad::{CustomOp, Real, Tape};
//!
//! struct Swish; // x·σ(x)
//!
//! impl CustomOp for Swish {
//!     fn name(&self) -> &str { "swish" }
//!     fn value(&self, x: &[f64]) -> f64 { x[0] / (1.0 + (-x[0]).exp()) }
//!     fn partials<R: Real>(&self, x: &[R], out: R) -> Vec<R> {
//!         // d/dx xσ(x) = σ(x) + xσ(x)(1 - σ(x)) = σ + out·(1 - σ)
//!         let s = x[0].sigmoid();
//!         vec![s + out * s.rsub(1.0)]
//!     }
//! }
//!
//! let h = tapegrad::hessian(|tape, v| tape.custom(Swish, &[v[0]]), &[0.0]).unwrap();
//! assert_eq!(h.gradient, vec![0.5]); // σ(0)
//! assert_eq!(h.matrix, vec![vec![0.5]]); // 2σ'(0) + 0 = 1/2
//! ```
//!
//! # Checked gradients
//!
//! [`Var::backward`] follows IEEE arithmetic, as `f64` code does: a NaN or
//! an infinity flows through. [`Var::try_backward`] checks every value the
//! output depends on and every adjoint on the way to a leaf, and names the
//! first node that is not finite, numbered as its dump numbers it.
//!
//! ```
//! use tapegrad::{Error, Tape};
//!
//! let tape = Tape::new();
//! let x = tape.var(-1.0).named("x");
//! let err = x.ln().try_backward().unwrap_err();
//! assert!(matches!(err, Error::NonFinite { ref op, .. } if op == "ln"));
//! assert_eq!(err.to_string(), "node %1 (ln %0 = NaN; %0 = -1.0) has a non-finite value");
//! // Where everything is finite, the gradients are backward's.
//! assert_eq!(x.powi(2).try_backward().unwrap()[x], -2.0); // 2x
//! ```
//!
//! # Gradients as graphs, Hessians, Jacobians
//!
//! [`Var::grad_graph`] records a gradient as new nodes, to dump or
//! differentiate again; [`hessian`] and [`Var::hessian`] build on it, and
//! [`jacobian`] and [`Tape::jacobian`] take one reverse sweep per output.
//!
//! ```
//! use tapegrad::Tape;
//!
//! let tape = Tape::new();
//! let x = tape.var(2.0);
//! let y = x.powi(3);
//! let dy = y.grad_graph(&[x])[0]; // 3x², as a node
//! assert_eq!(dy.value(), 12.0);
//! assert_eq!(dy.backward()[x], 12.0); // d²y/dx² = 6x
//!
//! // The Hessian of f(x, y) = x²y at (1, 3): [[2y, 2x], [2x, 0]]
//! let h = tapegrad::hessian(|_, v| v[0] * v[0] * v[1], &[1.0, 3.0]).unwrap();
//! assert_eq!(h.matrix, vec![vec![6.0, 2.0], vec![2.0, 0.0]]);
//!
//! // f(x, y) = (x·y, x/y): J = [[y, x], [1/y, -x/y²]]
//! let j = tapegrad::jacobian(|_, v| vec![v[0] * v[1], v[0] / v[1]], &[3.0, 2.0]).unwrap();
//! assert_eq!(j.matrix, vec![vec![2.0, 3.0], vec![0.5, -0.75]]);
//!
//! // The same on Vars already recorded, at (1, 3)
//! let (a, b) = (tape.var(1.0), tape.var(3.0));
//! let f = a * a * b;
//! assert_eq!(f.hessian(&[a, b]).unwrap().matrix, h.matrix);
//! // J of (a²b, a + b) = [[2ab, a²], [1, 1]]
//! let j = tape.jacobian(&[f, a + b], &[a, b]).unwrap();
//! assert_eq!(j.matrix, vec![vec![6.0, 1.0], vec![1.0, 1.0]]);
//! ```
//!
//! # Dumps and pictures
//!
//! [`Graph`] selects the part of the tape an output depends on and shows it
//! as text (exact, deterministic, for snapshot tests), Graphviz DOT, an SVG
//! picture or a petgraph graph; with gradients, each node carries its
//! adjoint and each edge its local partial.
//!
//! ```
//! use tapegrad::{Graph, Tape};
//!
//! let tape = Tape::new();
//! let x = tape.var(3.0).named("x");
//! let y = (x * x).named("y");
//! let g = y.backward();
//! let graph = Graph::with_gradients(&g);
//! assert_eq!(
//!     graph.to_text(),
//!     "; 2 nodes, output %1, adjoints of %1\n\
//!      %0 `x` = var = 3 ; adjoint 6\n\
//!      %1 `y` = mul %0, %0 = 9 ; adjoint 1 ; partials %0: 3, %0: 3\n"
//! );
//! #[cfg(feature = "petgraph")]
//! assert!(graph.to_dot().starts_with("digraph"));
//! #[cfg(feature = "svg")]
//! assert!(graph.to_svg().contains("</svg>"));
//! ```
//!
//! # Record once, run many
//!
//! A training loop evaluates one function at many points. [`Tape::compile`]
//! turns a recording into a [`Compiled`] program that replays the same
//! operations at new inputs, bit for bit what recording afresh would give,
//! and owns what it needs (store it, clone it, send it to a thread). A
//! comparison of `Var`s guards the branch it chose: a replay where one comes
//! out the other way is [`Error::BranchChanged`], naming the comparison and
//! its line, never the old branch's answer. Every comparison and value
//! read made on the tape before `compile` counts, wherever it stands, and
//! so does every choice a gradient graph's formula made by a value (`abs`'s
//! sign, `relu`, `max`'s share, `tanh`'s form near 0): a compiled gradient
//! graph refuses where recording afresh would choose otherwise.
//! [`Tape::with_locations`] keeps every node's source line for errors and
//! dumps.
//!
//! ```
//! use tapegrad::{Error, Tape};
//!
//! let tape = Tape::new();
//! let x = tape.var(2.0).named("x");
//! let y = if x > 1.0 { x.ln() } else { x - 1.0 };
//! let mut f = tape.compile(y, &[x])?;
//! let mut grad = [0.0];
//! for at in [2.0, 4.0, 8.0] {
//!     assert_eq!(f.gradient(&[at], &mut grad)?, f64::ln(at));
//!     assert_eq!(grad[0], 1.0 / at); // d ln x = 1/x
//! }
//! assert!(matches!(f.value(&[0.5]), Err(Error::BranchChanged { .. })));
//!
//! // d(|x|·x)/dx = 2|x|: recorded at x = 2 its graph is 2x, guarded by x > 0.
//! let tape = Tape::new();
//! let x = tape.var(2.0);
//! let dy = (x.abs() * x).grad_graph(&[x])[0];
//! let mut f = tape.compile(dy, &[x])?;
//! assert_eq!(f.value(&[3.0])?, 6.0);
//! assert!(matches!(f.value(&[-3.0]), Err(Error::BranchChanged { .. })));
//! # Ok::<(), Error>(())
//! ```
//!
//! [`Function`] does the bookkeeping for a loop (an optimiser, a fit): it
//! keeps the function with its compiled programs, replays them where the
//! guards hold, records afresh where one flips or a value was read, gives
//! values, gradients and Hessians ([`VectorFunction`]: values and
//! Jacobians), and can be shared between threads.
//!
//! ```
//! let f = tapegrad::Function::new(|_, v| if v[0] > 0.0 { v[0].ln() } else { -v[0] });
//! let mut grad = [0.0];
//! assert_eq!(f.gradient(&[2.0], &mut grad)?, 2f64.ln()); // recorded
//! assert_eq!(f.gradient(&[4.0], &mut grad)?, 4f64.ln()); // replayed
//! assert_eq!(f.gradient(&[-1.0], &mut grad)?, 1.0); // the guard flipped: recorded
//! assert_eq!(grad, [-1.0]);
//! # Ok::<(), tapegrad::Error>(())
//! ```
//!
//! # Gradient checks
//!
//! [`check::gradcheck`] compares the reverse-mode gradient with central
//! finite differences, input by input, as PyTorch's `gradcheck` does.
//!
//! ```
//! let report = tapegrad::check::gradcheck(|_, v| (v[0] * v[1]).sin(), &[0.5, 2.0]).unwrap();
//! assert!(report.passed(), "{report}");
//! assert!(report.max_relative_error() < 1e-6);
//! ```
//!
//! # The op table
//!
//! Every operation is one row of the op table ([`Op`]): its name, its
//! inputs, its value and its local partial derivatives, written once and
//! read by the backward sweep and everything that inspects the tape. Each
//! op's value is within 1.6e-15, its first derivative within 1e-14 and its
//! second within 1e-12 of the exact one (relative, wherever that is a
//! normal number), checked against mpmath at points across its domain.
//!
//! | op | derivative | convention at a kink, and what it does to second derivatives |
//! |---|---|---|
//! | `+ - * /`, `neg`, `recip` | the usual | |
//! | `ln`, `log2`, `log10`, `log(b)` | `1/(x ln b)` | |
//! | `exp`, `exp2`, `exp_m1`, `2.0.pow(x)` | `bˣ ln b` | |
//! | `sqrt`, `cbrt`, `powf(p)`, `powi(n)` | `p·xᵖ⁻¹` | `powf(0)`, `powi(0)`: 0 |
//! | `x.pow(y)` | `y·xʸ⁻¹`, `xʸ ln x` | `∂/∂y` is 0 at `x = 0, y ≥ 0` |
//! | `sin cos tan`, `asin acos atan`, `atan2` | the usual | `atan2` NaN at the origin |
//! | `sinh cosh tanh`, `asinh acosh atanh` | the usual | |
//! | `sigmoid`, `softplus` | `σ(1-σ)`, `σ` | |
//! | `erf`, `erfc` | `±2/√π·e^(-x²)` | |
//! | `hypot` | `x/h` | 0 at `h = 0` (a subgradient) |
//! | `relu` | 1 above 0, else 0 | 0 at 0: second derivative 0 everywhere |
//! | `abs` | the sign, by the sign bit | 1 at +0, -1 at -0: so `abs(x)²` has second derivative 2 at 0 |
//! | `max`, `min` (and `clamp`) | 1 to the winner | ½ to each side on a tie; NaN on either side gives NaN |
//! | `signum floor ceil round trunc` | 0 | 0 everywhere, jumps included |
//! | `sum`, `dot` | 1, the coefficient | |
//!
//! A kink's convention is a number like any other partial: the recorded
//! gradient graph holds it, so second derivatives through a kink see the
//! chosen branch (`relu`'s is 0; `abs`'s is ±1, smooth on either side).
//!
//! Numerical faults follow IEEE arithmetic on the fast path
//! ([`Var::backward`]); [`Var::try_backward`] reports the first non-finite
//! value or adjoint as an [`Error`], and [`check`] compares gradients with
//! central finite differences.
//!
//! # Features
//!
//! The core (tape, ops, backward, gradient graphs, Hessians, Jacobians,
//! checks, the text dump) depends on smallvec, thiserror, libm and foldhash only.
//! The crate's features add number traits and graph views; those marked
//! (default) are on unless `default-features = false`:
//!
//! - `num-traits` (default): `Var` implements num-traits' `Float`,
//!   `FloatConst`, `Signed`, `Num`, `Zero`, `One`, `Bounded`, `NumCast`,
//!   `FromPrimitive`, `ToPrimitive` and `Rem`, so code written over
//!   `T: Float` takes a `Var` (see [Your own generic code](#your-own-generic-code)).
//! - `petgraph` (default): [`Graph::to_petgraph`], [`Graph::to_dot`] and
//!   [`Graph::write_dot`], and the re-export `tapegrad::graph::petgraph`
//!   (the one dependency the views add).
//! - `svg` (default): [`Graph::to_svg`] and [`Graph::write_svg`], laid out
//!   and drawn by tapegrad's own code, with no dependency.
//! - `html` (default, enables `svg`): [`Graph::to_html`] and
//!   [`Graph::write_html`], a self-contained web page that steps through the
//!   backward sweep over the SVG picture, with no dependency.
//! - `nalgebra` (enables `num-traits`): `Var` implements simba 0.10's
//!   `RealField` and `ComplexField`, so it is a scalar of nalgebra 0.35 (the
//!   version it serves; Rust 1.89 or newer): nalgebra's rotations,
//!   quaternions, norms, inverses, determinants and decompositions run on a
//!   tape and differentiate. Branches on values are guards; conversions to
//!   `f64` and approx's tolerance tests are value reads.
//!
//! For gradients alone (tapegrad is not on crates.io yet, so from its
//! repository): `tapegrad = { git = "https://github.com/tapegrad/tapegrad", default-features = false }`.
//!
//! More: [the tutorial's examples](https://github.com/tapegrad/tapegrad/blob/main/docs/tutorial.md),
//! [graph dumps](https://github.com/tapegrad/tapegrad/blob/main/docs/graph-dumps.md),
//! [higher-order derivatives](https://github.com/tapegrad/tapegrad/blob/main/docs/higher-order.md),
//! [accuracy](https://github.com/tapegrad/tapegrad/blob/main/docs/accuracy.md) and
//! [performance](https://github.com/tapegrad/tapegrad/blob/main/docs/performance.md).

#![warn(missing_docs)]
// On docs.rs, items behind a feature say which one.
#![cfg_attr(docsrs, feature(doc_cfg))]

// The package readme's example runs as a doctest too.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

mod backward;
pub mod check;
mod error;
mod escape;
mod function;
mod grad_graph;
pub mod graph;
mod higher;
mod numbering;
mod op;
mod replay;
mod tape;

pub use error::{Error, IoError, NonFinite, Result};
pub use function::{Function, PROGRAM_BYTES, VectorFunction};
pub use graph::{Constants, Detail, Direction, Graph, GraphEdge, GraphNode, Operand};
pub use higher::{hessian, hessian_vector_product, jacobian};
/// The num-traits crate whose traits `Var` implements (feature
/// `num-traits`), so generic code can name them without a dependency of its
/// own on a matching version.
#[cfg(feature = "num-traits")]
pub use num_traits;
pub use op::{Op, Pow, Real, Shape};
pub use replay::{Compiled, ValueRead};
pub use tape::CustomOp;
pub use tape::{Gradients, Hessian, Jacobian, Node, Rhs, Tape, Var, Vars};
