//! The options of the views: where constants appear, which nodes get a
//! node of their own, and which way pictures flow.

/// Where constants appear in the views.
///
/// ```
/// use tapegrad::graph::{Constants, Graph};
/// use tapegrad::Tape;
///
/// let tape = Tape::new();
/// let x = tape.var(3.0).named("x");
/// let y = x * 2.0;
/// // Inline (the default): the 2 is an operand of the product.
/// assert!(Graph::of(y).to_text().contains("%1 = mul %0, 2 = 6"));
/// // As nodes: the 2 gets a node and an edge into the product.
/// let graph = Graph::of(y).constants(Constants::AsNodes);
/// assert_eq!((graph.nodes().len(), graph.edges().len()), (3, 2));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Constants {
    /// Constants are folded into the nodes that use them: `mul %0, 2`, and a
    /// recorded [`Tape::constant`](crate::Tape::constant) that is not an output is printed as its
    /// value where it is used.
    #[default]
    Inline,
    /// Every constant is a node of its own with an edge to its user: a
    /// recorded [`Tape::constant`](crate::Tape::constant) keeps its node, and the constant of an op
    /// like `x · 2` becomes a `const` node (one per use, with no tape index).
    /// [`Detail::Named`] folds constants into its expressions regardless.
    AsNodes,
}

/// Which way the DOT and SVG pictures flow, from inputs to outputs.
///
/// ```
/// use tapegrad::graph::{Direction, Graph};
/// use tapegrad::Tape;
///
/// assert_eq!(Direction::default(), Direction::LeftToRight);
/// let tape = Tape::new();
/// let x = tape.var(1.0).named("x");
/// let y = x.exp();
/// let graph = Graph::of(y).direction(Direction::TopToBottom);
/// # #[cfg(feature = "petgraph")]
/// assert!(graph.to_dot().contains("rankdir=\"TB\""));
/// // The text dump has no direction.
/// assert_eq!(graph.to_text(), Graph::of(y).to_text());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Direction {
    /// Inputs on the left, outputs on the right (Graphviz `rankdir=LR`).
    #[default]
    LeftToRight,
    /// Inputs on top, outputs at the bottom (Graphviz `rankdir=TB`).
    TopToBottom,
}

/// Which nodes get a node of their own.
///
/// ```
/// use tapegrad::graph::{Detail, Graph};
/// use tapegrad::Tape;
///
/// let tape = Tape::new();
/// let w = tape.var(3.0).named("w");
/// let x = (2.0 * w + 1.0).named("x");
/// assert_eq!(Graph::of(x).nodes().len(), 3); // w, 2w, x
/// let named = Graph::of(x).detail(Detail::Named);
/// assert_eq!(named.nodes().len(), 2); // w, and x with 2w folded in
/// assert_eq!(named.nodes()[1].expression.as_deref(), Some("add(mul(%0, 2), 1)"));
/// assert_eq!(named.edges()[0].2.partial, Some(2.0)); // ∂x/∂w = 2
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Detail {
    /// Every recorded node the outputs depend on.
    #[default]
    All,
    /// Only named nodes ([`Var::named`](crate::Var::named)), leaves and outputs, as the
    /// tutorial draws its graphs: the unnamed nodes between them fold into
    /// an expression on the node that uses them (`x = add(mul(w, 2),
    /// mul(b, 3))`), constants included, and each edge carries the local
    /// partial of that expression, summed over every path (`∂x/∂w = 2`).
    Named,
}
