//! Names that would break a view: control characters (NUL, BEL, ESC and
//! ANSI codes, VT, FF, DEL, C1), the noncharacters U+FFFE and U+FFFF, and
//! names longer than Graphviz reads. Every view stays valid and readable:
//! the SVG parses as XML, the DOT has no raw control character and only
//! well-formed strings under Graphviz's 16,384-byte limit, and the text
//! dump escapes names as it always has (Rust's `escape_debug`), the
//! pictures showing the same escapes.

use tapegrad::{Detail, Graph, Tape, Var};

/// Graphviz reads quoted strings of up to this many bytes.
const GRAPHVIZ_STRING_LIMIT: usize = 16_384;

/// One name per character case, each with the character between letters.
const CASES: &[(&str, &str)] = &[
    ("NUL", "a\u{0}b"),
    ("BEL", "a\u{7}b"),
    ("ESC and an ANSI colour code", "\u{1b}[31mred\u{1b}[0m"),
    ("VT", "a\u{b}b"),
    ("FF", "a\u{c}b"),
    ("DEL", "a\u{7f}b"),
    ("C1 NEL", "a\u{85}b"),
    ("U+FFFE", "a\u{fffe}b"),
    ("U+FFFF", "a\u{ffff}b"),
    ("tab and carriage return", "a\tb\rc"),
];

/// The tutorial's shape with `name` on a leaf and on an inner node, so the
/// name appears in node labels, titles, edge labels and, with gradients,
/// in `∂z/∂name`.
fn graph_named(tape: &Tape, name: &str) -> Var {
    let w = tape.var(3.0).named(name);
    let b = tape.var(4.0).named("b");
    let x = (2.0 * w + 3.0 * b).named(format!("{name}x"));
    (x * (2.0 * b + 1.0)).named("z")
}

/// Every view of `z` to check: plain, with gradients, and named detail.
fn graphs(z: Var) -> Vec<Graph> {
    let g = z.backward();
    vec![
        Graph::of(z),
        Graph::with_gradients(&g),
        Graph::with_gradients(&g).detail(Detail::Named),
    ]
}

/// Whether `c` may not appear raw in a view: a control character other
/// than a line break, or a noncharacter (XML 1.0 allows neither U+FFFE nor
/// U+FFFF).
fn forbidden(c: char) -> bool {
    (c.is_control() && c != '\n') || matches!(c, '\u{fffe}' | '\u{ffff}')
}

/// The quoted strings of a DOT document, as written (escapes kept).
///
/// # Panics
/// If a string is not closed on the line it opens on (each statement of
/// our DOT is one line), or a backslash ends a line inside a string.
fn dot_strings(dot: &str) -> Vec<String> {
    let mut strings = Vec::new();
    for (n, line) in dot.lines().enumerate() {
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            if c != '"' {
                continue;
            }
            let mut s = String::new();
            loop {
                match chars.next() {
                    Some('"') => break,
                    Some('\\') => {
                        let escaped = chars.next();
                        assert!(escaped.is_some(), "line {n}: a backslash ends the line");
                        s.push('\\');
                        s.extend(escaped);
                    }
                    Some(c) => s.push(c),
                    None => panic!("line {n}: a string is not closed: {line}"),
                }
            }
            strings.push(s);
        }
    }
    strings
}

/// The label strings of a DOT document, as written.
fn dot_labels(dot: &str) -> Vec<String> {
    let mut labels = Vec::new();
    for line in dot.lines() {
        let mut rest = line;
        while let Some(at) = rest.find("label = \"") {
            rest = &rest[at + "label = ".len()..];
            let first = dot_strings(rest).into_iter().next().unwrap();
            rest = &rest[first.len() + 2..];
            labels.push(first);
        }
    }
    labels
}

/// The text of an SVG document (every text node, titles included), after
/// checking that it parses as XML.
fn svg_text(svg: &str) -> String {
    let doc = roxmltree::Document::parse(svg).expect("the SVG parses as XML");
    doc.descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn svg_with_a_control_character_or_noncharacter_in_a_name_is_well_formed_xml() {
    for (case, name) in CASES {
        let tape = Tape::new();
        for graph in graphs(graph_named(&tape, name)) {
            let svg = graph.to_svg();
            // The document parses, and no character XML forbids (nor any
            // other control character) is left in it.
            roxmltree::Document::parse(&svg)
                .unwrap_or_else(|e| panic!("{case}: the SVG is not XML: {e}"));
            assert!(
                !svg.chars().any(forbidden),
                "{case}: a raw control character or noncharacter in the SVG"
            );
        }
    }
}

#[test]
fn dot_with_a_control_character_or_noncharacter_in_a_name_has_none_left_raw() {
    for (case, name) in CASES {
        let tape = Tape::new();
        for graph in graphs(graph_named(&tape, name)) {
            let dot = graph.to_dot();
            // No raw control character or noncharacter anywhere, and
            // every string is closed on its line, so every quote inside a
            // label is escaped.
            assert!(
                !dot.chars().any(forbidden),
                "{case}: a raw control character or noncharacter in the DOT"
            );
            let strings = dot_strings(&dot);
            assert!(strings.len() > 10, "{case}: the labels are strings");
        }
    }
}

#[test]
fn every_view_shows_a_control_character_as_the_text_dump_escapes_it() {
    for (case, name) in CASES {
        let tape = Tape::new();
        let z = graph_named(&tape, name);
        let graph = Graph::of(z);
        // The text dump writes a name as it always has: Rust's
        // `escape_debug`, between backticks, one line per node.
        let escaped = name.escape_debug().to_string();
        let text = graph.to_text();
        assert!(
            text.lines()
                .any(|l| l.starts_with(&format!("%0 `{escaped}` = var"))),
            "{case}: the text dump escapes the name"
        );
        assert_eq!(text.lines().count(), 1 + graph.nodes().len(), "{case}");
        // The pictures show the same escapes: the SVG's text as such, the
        // DOT's with each backslash escaped once more.
        assert!(
            svg_text(&graph.to_svg()).contains(&format!("{escaped} = 3")),
            "{case}: the SVG shows the name as the text dump does"
        );
        let in_dot = format!("{} = 3\\nvar", escaped.replace('\\', "\\\\"));
        assert!(
            dot_labels(&graph.to_dot()).iter().any(|l| l == &in_dot),
            "{case}: the DOT shows the name as the text dump does"
        );
    }
}

#[test]
fn an_ansi_colour_code_in_a_name_reaches_no_view_as_an_escape_sequence() {
    let tape = Tape::new();
    let z = graph_named(&tape, "\u{1b}[2J\u{1b}[31mred");
    // A terminal printing any view shows the code as text, never runs it.
    for graph in graphs(z) {
        for view in [graph.to_text(), graph.to_dot(), graph.to_svg()] {
            assert!(!view.contains('\u{1b}'), "a raw ESC in a view");
            assert!(view.contains("\\u{1b}[2J"), "the code shown as text");
        }
    }
}

#[test]
fn noncharacters_u_fffe_and_u_ffff_are_shown_as_escapes_in_the_pictures() {
    let tape = Tape::new();
    let z = graph_named(&tape, "\u{fffe}\u{ffff}");
    let graph = Graph::with_gradients(&z.backward());
    // XML 1.0 allows neither; both views show them as the text dump does.
    let text = svg_text(&graph.to_svg());
    assert!(text.contains("\\u{fffe}\\u{ffff} = 3"));
    // (Left to right, the adjoint line breaks before its ` = `.)
    assert!(text.contains("∂z/∂\\u{fffe}\\u{ffff}\n= 18"));
    let labels = dot_labels(&graph.to_dot());
    assert!(
        labels
            .iter()
            .any(|l| l.starts_with("\\\\u{fffe}\\\\u{ffff} = 3"))
    );
}

/// Names of 20,000 characters: plain letters, quotes (each escaped in
/// DOT), and four-byte characters.
fn long_names() -> Vec<(&'static str, String)> {
    vec![
        ("letters", "a".repeat(20_000)),
        ("quotes", "\"".repeat(20_000)),
        ("backslashes", "\\".repeat(20_000)),
        ("four-byte characters", "𝑥".repeat(20_000)),
        ("ESC", "\u{1b}".repeat(20_000)),
    ]
}

#[test]
fn dot_of_a_twenty_thousand_character_name_stays_under_graphviz_limit() {
    for (case, name) in long_names() {
        let tape = Tape::new();
        for graph in graphs(graph_named(&tape, &name)) {
            let dot = graph.to_dot();
            // Every string, escapes included, is well under what Graphviz
            // reads, and says how long the name was.
            for s in dot_strings(&dot) {
                assert!(
                    s.len() < GRAPHVIZ_STRING_LIMIT,
                    "{case}: a string of {} bytes",
                    s.len()
                );
            }
            assert!(
                dot.contains("… (20000 characters)"),
                "{case}: the cut name gives its length"
            );
        }
    }
}

#[test]
fn pictures_of_a_twenty_thousand_character_name_cut_it_to_the_same_label() {
    for (case, name) in long_names() {
        let tape = Tape::new();
        let graph = Graph::of(graph_named(&tape, &name));
        let text = svg_text(&graph.to_svg());
        // The SVG shows the name cut as in DOT, with its length; no line
        // of text is anywhere near the name's length.
        assert!(
            text.contains("… (20000 characters) = 3"),
            "{case}: the SVG label gives the name's length"
        );
        let longest = text.lines().map(|l| l.chars().count()).max().unwrap();
        assert!(longest < 2_100, "{case}: a line of {longest} characters");
        // The text dump keeps the whole name.
        assert!(graph.to_text().contains(&name.escape_debug().to_string()));
    }
}

#[test]
fn a_label_with_many_long_names_stays_under_graphviz_limit() {
    // A named node whose folded expression reads forty nodes with long
    // names of four-byte characters: the one label names them all, and
    // each leaf's label names itself twice and the output once.
    let tape = Tape::new();
    let leaves: Vec<Var> = (0..40)
        .map(|i| tape.var(1.0).named(format!("{i}{}", "𝑥".repeat(5_000))))
        .collect();
    let total = tape
        .sum(leaves.iter().map(|&v| v * 2.0))
        .named("𝑦".repeat(5_000));
    let graph = Graph::with_gradients(&total.backward()).detail(Detail::Named);
    for s in dot_strings(&graph.to_dot()) {
        assert!(
            s.len() < GRAPHVIZ_STRING_LIMIT,
            "a string of {} bytes",
            s.len()
        );
    }
    roxmltree::Document::parse(&graph.to_svg()).unwrap();
}

#[test]
fn views_of_names_with_every_escape_match_their_snapshots() {
    let tape = Tape::new();
    let w = tape
        .var(3.0)
        .named("w\u{0}\u{7}\u{1b}[1m\u{b}\u{c}\t\r\u{7f}\u{85}\u{fffe}\u{ffff}\u{202e}");
    let b = tape.var(4.0).named("\"b\" \\ 'b' <&>");
    let z = (w * b + 1.0).named("z\nline");
    let graph = Graph::with_gradients(&z.backward());
    // The chosen escapes, pinned: the text dump's `escape_debug`, and the
    // same escapes in DOT with backslashes doubled (quotes, backslashes and
    // line breaks of names as before).
    insta::assert_snapshot!("escaped_names_text", graph.to_text());
    insta::assert_snapshot!("escaped_names_dot", graph.to_dot());
}
