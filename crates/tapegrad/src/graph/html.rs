//! The HTML view: one self-contained page that walks the backward sweep
//! node by node over the graph's SVG picture.
//!
//! The page is the picture ([`Graph::to_svg`]) inline, a JSON blob of the
//! graph's numbers, a style sheet and a script, and nothing else: it loads
//! nothing from the network. The script finds the picture's parts by id
//! (`node{id}` for a node's `<g>`, `edge{k}` for the path of
//! `Graph::edges()[k]`, `edge{k}-label` for its label's `<g>`) and works on
//! whatever parts it finds.
//!
//! The blob holds, per node, its id, reference, name, op, text-dump line,
//! value and the engine's adjoint; per edge its ends, its local partial and,
//! where the op table sends something else than `partial × adjoint` (`ln`
//! sends `g / x`, relu below zero nothing), what it sends; and the steps:
//! the nodes the adjoints' output reaches, in reverse tape order, the order
//! of the engine's sweep. The script adds the contributions up in that
//! order, each node's in operand order as the sweep does, so with every
//! node shown ([`Detail::All`]) its sums are the engine's adjoints bit for
//! bit. With [`Detail::Named`] an edge's partial is a product along the
//! folded paths, so the last bits can differ.
//!
//! Numbers in the blob are exact (the shortest form that parses back to the
//! same `f64`); strings are JSON-escaped with `<`, `>` and `&` written as
//! `\u003c`, `\u003e` and `\u0026`, so no name can close the script.

use std::fmt::Write as _;
use std::path::Path;

use super::label::NAME_LIMIT;
use super::{Detail, Graph, format_number, write_file};
use crate::error::Result;
use crate::escape;
use crate::numbering::{Source, sources};

/// The page's style sheet.
const STYLE: &str = include_str!("html/page.css");
/// The page's script.
const SCRIPT: &str = include_str!("html/page.js");

/// The HTML view (feature `html`).
#[cfg(feature = "html")]
impl Graph {
    /// The graph as one self-contained web page that walks the backward
    /// sweep step by step: the SVG picture inline, with its style and
    /// script, loading nothing from the network, so it works offline from
    /// a file.
    ///
    /// It opens on the forward pass (each node's name, op and value).
    /// Step, back, play and reset (and the arrow keys) then walk the sweep
    /// in reverse tape order, one node per step: the node is highlighted,
    /// the edges it sends along show `partial × adjoint`, and its inputs'
    /// adjoints grow as the contributions arrive. Hovering over or
    /// clicking a node shows its exact value, adjoint, op, partials and
    /// name; drag pans and the wheel zooms; nodes recorded by
    /// [`Var::grad_graph`](crate::Var::grad_graph) are a layer that a switch hides. The page adds
    /// the contributions in the engine's order, so with [`Detail::All`]
    /// its adjoints are the engine's bit for bit.
    ///
    /// A graph without gradients shows those of its first output.
    ///
    /// ```
    /// use tapegrad::{Graph, Tape};
    ///
    /// let tape = Tape::new();
    /// let x = tape.var(3.0).named("x");
    /// let y = (x * x + 1.0).named("y");
    /// let html = Graph::with_gradients(&y.backward()).to_html();
    /// assert!(html.starts_with("<!DOCTYPE html>"));
    /// // The picture inline, and no address to load anything from.
    /// assert!(html.contains("<g id=\"node0\""));
    /// assert!(!html.contains("src=") && !html.contains("href="));
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "html")))]
    #[must_use]
    pub fn to_html(&self) -> String {
        render(self)
    }

    /// Writes [`Graph::to_html`] to `path`, a page any browser opens.
    ///
    /// ```
    /// use tapegrad::{Graph, Tape};
    ///
    /// let tape = Tape::new();
    /// let x = tape.var(3.0).named("x");
    /// let y = (x * x + 1.0).named("y");
    /// let path = std::env::temp_dir().join("tapegrad-doc-write-html.html");
    /// Graph::of(y).write_html(&path)?;
    /// assert!(std::fs::read_to_string(&path).unwrap().ends_with("</html>\n"));
    /// # Ok::<(), tapegrad::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Write`](crate::Error::Write), naming `path`, if the file cannot be written.
    #[cfg_attr(docsrs, doc(cfg(feature = "html")))]
    pub fn write_html(&self, path: impl AsRef<Path>) -> Result<()> {
        write_file(path.as_ref(), &self.to_html())
    }
}

/// Renders `graph` as an HTML page.
pub(super) fn render(graph: &Graph) -> String {
    // A graph without gradients gets those of its first output, so the
    // page always has a sweep to walk and the picture its adjoint lines.
    let with_gradients;
    let graph = match (&graph.adjoints, graph.roots().first()) {
        (None, Some(&out)) => {
            let gradients = crate::backward::backward(graph.tape(), out);
            with_gradients = graph.clone().gradients(&gradients);
            &with_gradients
        }
        _ => graph,
    };
    let svg = graph.to_svg();
    // The XML declaration has no place in HTML.
    let svg = match svg.split_once("?>\n") {
        Some((head, rest)) if head.starts_with("<?xml") => rest,
        _ => &svg,
    };
    let title = match graph.pictures().adjoint.as_deref() {
        Some(out) => format!("Backpropagation of {out}, step by step"),
        None => "Backpropagation, step by step".to_string(),
    };
    let mut page = String::new();
    page.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    page.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(page, "<title>{}</title>", escape::xml(&title));
    let _ = writeln!(page, "<style>\n{STYLE}</style>\n</head>\n<body>");
    let _ = writeln!(
        page,
        "<header id=\"tg-bar\">\n<h1>{}</h1>",
        escape::xml(&title)
    );
    page.push_str(CONTROLS);
    page.push_str("</header>\n<main id=\"tg-main\">\n<div id=\"tg-view\">\n");
    page.push_str(svg);
    page.push_str("</div>\n<aside id=\"tg-info\"><p class=\"tg-hint\">Hover over or click a node for its exact numbers.</p></aside>\n</main>\n");
    page.push_str("<script type=\"application/json\" id=\"tg-data\">");
    page.push_str(&data(graph));
    page.push_str("</script>\n");
    let _ = writeln!(page, "<script>\n{SCRIPT}</script>\n</body>\n</html>");
    page
}

/// The buttons, the layer switch and the status line.
const CONTROLS: &str = r#"<nav id="tg-controls">
<button id="tg-reset" type="button" title="Reset to the forward pass (Home)">◀◀ Reset</button>
<button id="tg-back" type="button" title="Undo one step (←)">◀ Back</button>
<button id="tg-play" type="button" title="Play the sweep (space)">▶ Play</button>
<button id="tg-step" type="button" title="One node further (→)">Step ▶</button>
<button id="tg-end" type="button" title="The whole sweep (End)">End ▶▶</button>
<label id="tg-layer" hidden><input id="tg-backward" type="checkbox" checked> gradient graph</label>
<button id="tg-fit" type="button" title="Fit the picture (0); drag to pan, wheel to zoom">Fit</button>
</nav>
<p id="tg-status" aria-live="polite"></p>
"#;

/// The graph's numbers as JSON (see the module docs).
fn data(graph: &Graph) -> String {
    let mut out = String::from("{");
    let _ = write!(
        out,
        "\"out\":{},\"output\":{},\"digits\":{},",
        graph
            .pictures()
            .adjoint
            .as_deref()
            .map_or("null".to_string(), string),
        graph
            .adjoint_id
            .map_or("null".to_string(), |id| id.to_string()),
        graph
            .digits
            .filter(|&d| d < 17)
            .map_or("null".to_string(), |d| d.to_string()),
    );
    out.push_str("\"nodes\":[");
    for (k, n) in graph.nodes.iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        let _ = write!(
            out,
            "{{\"ref\":{},\"name\":{},\"op\":{},\"text\":{},\"value\":{},\"adjoint\":{},\"tape\":{},\"backward\":{}}}",
            string(graph.reference(n.id)),
            n.name
                .as_deref()
                .map_or("null".to_string(), |s| string(&escape::text_cut(
                    s, NAME_LIMIT
                ))),
            string(n.op_name()),
            string(&n.to_string()),
            number(n.value),
            n.adjoint.map_or("null".to_string(), number),
            n.tape_index.map_or("null".to_string(), |i| i.to_string()),
            n.backward,
        );
    }
    out.push_str("],\"edges\":[");
    let exact = graph.detail == Detail::All;
    for (k, (s, t, e)) in graph.edges.iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        let _ = write!(
            out,
            "{{\"from\":{s},\"to\":{t},\"p\":{}",
            e.partial.map_or("null".to_string(), number)
        );
        if let (true, Some(p)) = (exact, e.partial)
            && let Some(sent) = sent(graph, *t, e.operand)
        {
            let times = graph.nodes[*t].adjoint.map(|g| p * g);
            if sent.map(f64::to_bits) != times.map(f64::to_bits) {
                let _ = write!(out, ",\"d\":{}", sent.map_or("null".to_string(), number));
            }
        }
        out.push('}');
    }
    out.push_str("],\"steps\":[");
    for (k, id) in steps(graph).iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        let _ = write!(out, "{id}");
    }
    out.push_str("]}");
    out
}

/// What the engine's sweep sends along operand `operand` of node `target`
/// (by id): `None` when the node's adjoint is unknown or zero (the sweep
/// skips it), `Some(None)` when the op table sends nothing.
fn sent(graph: &Graph, target: usize, operand: usize) -> Option<Option<f64>> {
    let node = &graph.nodes[target];
    let (index, g) = (node.tape_index?, node.adjoint?);
    if g == 0.0 {
        return None;
    }
    let Source::Node { slot, .. } = *sources(&graph.tape().node_view(index)).get(operand)? else {
        return None;
    };
    graph.tape().sends(index, g).get(slot).copied()
}

/// The nodes the adjoints' output reaches along edges with partials (itself
/// included), in reverse tape order: one step of the sweep each.
fn steps(graph: &Graph) -> Vec<usize> {
    let Some(out) = graph.adjoint_id else {
        return Vec::new();
    };
    let mut reached = vec![false; graph.nodes.len()];
    reached[out] = true;
    // Edges are sorted by target, and targets follow their sources in id
    // order: one pass from the last id down reaches everything.
    for (s, t, e) in graph.edges.iter().rev() {
        if reached[*t] && e.partial.is_some() {
            reached[*s] = true;
        }
    }
    let mut ids: Vec<usize> = (0..graph.nodes.len())
        .filter(|&id| reached[id] && graph.nodes[id].tape_index.is_some())
        .collect();
    ids.sort_by_key(|&id| std::cmp::Reverse(graph.nodes[id].tape_index));
    ids
}

/// A number as JSON: exact, with the non-finite ones as strings that
/// JavaScript's `Number` reads.
fn number(x: f64) -> String {
    if x.is_nan() {
        "\"NaN\"".to_string()
    } else if x.is_infinite() {
        if x > 0.0 {
            "\"Infinity\""
        } else {
            "\"-Infinity\""
        }
        .to_string()
    } else {
        format_number(x)
    }
}

/// A JSON string that cannot end the script it sits in.
fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '<' | '>' | '&' | '\u{0}'..='\u{1f}' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_cannot_close_the_script_and_numbers_are_exact() {
        // `</script>` inside a name must not end the data block.
        assert_eq!(
            string("a</script>\"\\\n\u{1}"),
            r#""a\u003c/script\u003e\"\\\n\u0001""#
        );
        assert_eq!(number(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(number(-0.0), "-0");
        assert_eq!(number(f64::NEG_INFINITY), "\"-Infinity\"");
        assert_eq!(number(f64::NAN), "\"NaN\"");
    }
}
