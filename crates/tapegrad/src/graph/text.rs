//! The text dump: a header, then one line per node in canonical order.

use std::fmt;
use std::path::Path;

use super::{Graph, GraphEdge, GraphNode, Operand, format_number, write_file};
use crate::error::Result;
use crate::escape;

impl Graph {
    /// The text dump: a header, then one line per node in canonical order,
    /// in the style of an SSA listing (the format to snapshot). See
    /// [graph-dumps.md](https://github.com/tapegrad/tapegrad/blob/main/docs/graph-dumps.md) for the grammar.
    ///
    /// ```
    /// use tapegrad::{Graph, Tape};
    ///
    /// let tape = Tape::new();
    /// let x = tape.var(3.0).named("x");
    /// let y = (x * x + 1.0).named("y");
    /// assert_eq!(
    ///     Graph::of(y).to_text(),
    ///     "; 3 nodes, output %2\n%0 `x` = var = 3\n%1 = mul %0, %0 = 9\n%2 `y` = add %1, 1 = 10\n"
    /// );
    /// ```
    #[must_use]
    pub fn to_text(&self) -> String {
        self.to_string()
    }

    /// Writes [`Graph::to_text`] to `path`.
    ///
    /// ```
    /// use tapegrad::{Graph, Tape};
    ///
    /// let tape = Tape::new();
    /// let x = tape.var(3.0).named("x");
    /// let y = (x * x + 1.0).named("y");
    /// let path = std::env::temp_dir().join("tapegrad-doc-write-text.txt");
    /// Graph::of(y).write_text(&path)?;
    /// assert_eq!(std::fs::read_to_string(&path).unwrap(), Graph::of(y).to_text());
    /// // A folder that does not exist is an error naming the file.
    /// let err = Graph::of(y).write_text("/no/such/folder/y.txt").unwrap_err();
    /// assert!(err.to_string().contains("/no/such/folder/y.txt"));
    /// # Ok::<(), tapegrad::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Write`](crate::Error::Write), naming `path`, if the file cannot be written.
    pub fn write_text(&self, path: impl AsRef<Path>) -> Result<()> {
        write_file(path.as_ref(), &self.to_text())
    }
}

/// The text dump.
impl fmt::Display for Graph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let outputs: Vec<String> = self.output_ids.iter().map(|i| format!("%{i}")).collect();
        write!(
            f,
            "; {} node{}, output{} {}",
            self.nodes.len(),
            if self.nodes.len() == 1 { "" } else { "s" },
            if outputs.len() == 1 { "" } else { "s" },
            outputs.join(", ")
        )?;
        if let Some((out, _)) = &self.adjoints {
            match self.adjoint_id {
                Some(id) => write!(f, ", adjoints of %{id}")?,
                None => write!(f, ", adjoints of tape node {out}")?,
            }
        }
        writeln!(f)?;
        // Edges are sorted by target: walk them alongside the nodes.
        let mut edges = self.edges.iter().peekable();
        for n in &self.nodes {
            write!(f, "{n}")?;
            let mut partials = Vec::new();
            while let Some((s, _, e)) = edges.next_if(|(_, t, _)| *t == n.id) {
                if let Some(p) = e.partial {
                    partials.push(format!("%{s}: {}", format_number(p)));
                }
            }
            if self.adjoints.is_some() && !partials.is_empty() {
                write!(f, " ; partials {}", partials.join(", "))?;
            }
            if n.backward {
                write!(f, " ; backward")?;
            }
            if let Some(at) = n.location {
                write!(f, "  at {}:{}", at.file(), at.line())?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

/// One line of the text dump, without the partials (those live on the
/// edges): `%id `name` = op operands = value ; adjoint a`.
impl GraphNode {
    /// The op's name as the dumps print it: [`Op::name`](crate::Op::name), or a custom op's
    /// own name ([`CustomOp::name`](crate::CustomOp::name)).
    ///
    /// ```
    /// use tapegrad::{Graph, Op, Tape};
    ///
    /// let tape = Tape::new();
    /// let x = tape.var(2.0);
    /// let graph = Graph::of(x.ln_1p());
    /// assert_eq!((graph.nodes()[1].op, graph.nodes()[1].op_name()), (Op::Ln1p, "ln_1p"));
    /// ```
    pub fn op_name(&self) -> &str {
        self.custom.as_deref().unwrap_or(self.op.name())
    }
}

impl fmt::Display for GraphNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "%{}", self.id)?;
        if let Some(name) = &self.name {
            write!(f, " `{}`", escape::text(name))?;
        }
        if let Some(e) = &self.expression {
            write!(f, " = {e}")?;
        } else {
            write!(f, " = {}", self.op_name())?;
        }
        for (k, o) in self.operands.iter().enumerate() {
            if self.expression.is_some() {
                break;
            }
            f.write_str(if k == 0 { " " } else { ", " })?;
            match o {
                Operand::Node(i) => write!(f, "%{i}")?,
                Operand::Const(c) => f.write_str(&format_number(*c))?,
            }
        }
        write!(f, " = {}", format_number(self.value))?;
        if let Some(a) = self.adjoint {
            write!(f, " ; adjoint {}", format_number(a))?;
        }
        Ok(())
    }
}

/// The local partial, or nothing for the edge of a constant.
impl fmt::Display for GraphEdge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.partial {
            Some(p) => f.write_str(&format_number(p)),
            None => Ok(()),
        }
    }
}
