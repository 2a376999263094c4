//! The SVG pictures' layout, read back from the SVG: no two boxes (nodes,
//! edge labels) overlap, each edge label sits on its own edge, two edges
//! between the same two nodes are two curves, a 72-node MLP fits in 4000 px
//! of width, and the ids scripts find elements by.
//!
//! A node's box is its `<rect>`. An edge label's box is its text's: each
//! line (`<tspan>`, centred on its `x` and `y`) is `0.6 · font size` wide
//! per character and `1.3 · font size` tall, the rule the renderer sizes
//! boxes by.

use roxmltree::{Document, Node};
use tapegrad::{Direction, Graph, Tape, Var};

/// Width of a character, as a multiple of the font size (the renderer's).
const GLYPH_WIDTH: f64 = 0.6;
/// Height of a line, as a multiple of the font size (the renderer's).
const LINE_HEIGHT: f64 = 1.3;
/// Coordinates are written to one decimal: boxes may touch by this much.
const ROUNDING: f64 = 0.2;

#[derive(Clone, Copy, Debug)]
struct Box2 {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

impl Box2 {
    fn overlaps(&self, o: &Box2) -> bool {
        self.x0 < o.x1 - ROUNDING
            && o.x0 < self.x1 - ROUNDING
            && self.y0 < o.y1 - ROUNDING
            && o.y0 < self.y1 - ROUNDING
    }

    /// The distance from `p` to the box (0 inside).
    fn distance(&self, p: (f64, f64)) -> f64 {
        let dx = (self.x0 - p.0).max(p.0 - self.x1).max(0.0);
        let dy = (self.y0 - p.1).max(p.1 - self.y1).max(0.0);
        dx.hypot(dy)
    }
}

fn attr(node: Node<'_, '_>, name: &str) -> f64 {
    node.attribute(name)
        .unwrap_or_else(|| panic!("<{}> has no {name}", node.tag_name().name()))
        .parse()
        .unwrap()
}

fn rect_box(rect: Node<'_, '_>) -> Box2 {
    let (x, y) = (attr(rect, "x"), attr(rect, "y"));
    Box2 {
        x0: x,
        y0: y,
        x1: x + attr(rect, "width"),
        y1: y + attr(rect, "height"),
    }
}

/// The box of a `<text>`'s lines, from their positions, the font size and
/// their lengths.
fn text_box(text: Node<'_, '_>) -> Box2 {
    let font = attr(text, "font-size");
    let mut b = Box2 {
        x0: f64::INFINITY,
        y0: f64::INFINITY,
        x1: f64::NEG_INFINITY,
        y1: f64::NEG_INFINITY,
    };
    for line in text.children().filter(|c| c.has_tag_name("tspan")) {
        let chars = line.text().unwrap_or("").chars().count() as f64;
        let (x, y) = (attr(line, "x"), attr(line, "y"));
        let (w, h) = (chars * GLYPH_WIDTH * font, LINE_HEIGHT * font);
        b.x0 = b.x0.min(x - w / 2.0);
        b.x1 = b.x1.max(x + w / 2.0);
        b.y0 = b.y0.min(y - h / 2.0);
        b.y1 = b.y1.max(y + h / 2.0);
    }
    b
}

/// Points along a path of `M x y C … S …` commands (the renderer's), every
/// cubic Bézier sampled at `steps` points.
fn sample(d: &str, steps: usize) -> Vec<(f64, f64)> {
    let mut nums = Vec::new();
    let mut cmds = Vec::new();
    for token in d.split([' ', ',']).filter(|t| !t.is_empty()) {
        match token {
            "M" | "C" | "S" => cmds.push((token, nums.len())),
            n => nums.push(n.parse::<f64>().unwrap()),
        }
    }
    let point = |i: usize| (nums[i], nums[i + 1]);
    let mut at = (0.0, 0.0);
    let mut last_control = (0.0, 0.0);
    let mut out = Vec::new();
    for (j, &(cmd, start)) in cmds.iter().enumerate() {
        let end = cmds.get(j + 1).map_or(nums.len(), |c| c.1);
        let (c1, c2, p) = match cmd {
            "M" => {
                at = point(start);
                out.push(at);
                continue;
            }
            "C" => (point(start), point(start + 2), point(start + 4)),
            _ => (
                // S reflects the last control point through the current one.
                (2.0 * at.0 - last_control.0, 2.0 * at.1 - last_control.1),
                point(start),
                point(start + 2),
            ),
        };
        assert_eq!(end - start, if cmd == "C" { 6 } else { 4 }, "path {d}");
        for s in 1..=steps {
            let t = s as f64 / steps as f64;
            let u = 1.0 - t;
            let f = |a: f64, b: f64, c: f64, e: f64| {
                u * u * u * a + 3.0 * u * u * t * b + 3.0 * u * t * t * c + t * t * t * e
            };
            out.push((f(at.0, c1.0, c2.0, p.0), f(at.1, c1.1, c2.1, p.1)));
        }
        last_control = c2;
        at = p;
    }
    out
}

/// What a picture draws, read back from its SVG.
struct Picture {
    width: f64,
    height: f64,
    /// Node boxes, by the node's id in the graph.
    nodes: Vec<(usize, Box2)>,
    /// Edge paths' `d`, by edge index.
    edges: Vec<(usize, String)>,
    /// Edge labels' text boxes, by edge index.
    labels: Vec<(usize, Box2)>,
}

fn index(id: &str, prefix: &str, suffix: &str) -> usize {
    id.strip_prefix(prefix)
        .and_then(|s| s.strip_suffix(suffix))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("id {id:?} is not {prefix}N{suffix}"))
}

fn read(svg: &str) -> Picture {
    let doc = Document::parse(svg).expect("the SVG parses as XML");
    let root = doc.root_element();
    let mut picture = Picture {
        width: attr(root, "width"),
        height: attr(root, "height"),
        nodes: Vec::new(),
        edges: Vec::new(),
        labels: Vec::new(),
    };
    for n in doc.descendants() {
        let class = n.attribute("class").unwrap_or("");
        let id = n.attribute("id").unwrap_or("");
        if n.has_tag_name("g") && class.starts_with("node ") {
            let rect = n.children().find(|c| c.has_tag_name("rect")).unwrap();
            picture.nodes.push((index(id, "node", ""), rect_box(rect)));
        } else if n.has_tag_name("path") && class == "edge" {
            let d = n.attribute("d").unwrap().to_string();
            picture.edges.push((index(id, "edge", ""), d));
        } else if n.has_tag_name("g") && class == "edge-label" {
            let text = n.children().find(|c| c.has_tag_name("text")).unwrap();
            picture
                .labels
                .push((index(id, "edge", "-label"), text_box(text)));
        }
    }
    picture
}

/// Checks the layout rules on `svg`, drawn from `graph`; `what` names it.
fn check_layout(what: &str, graph: &Graph, svg: &str) -> Picture {
    let p = read(svg);
    assert_eq!(p.nodes.len(), graph.nodes().len(), "{what}: node count");
    assert_eq!(p.edges.len(), graph.edges().len(), "{what}: edge count");
    // No two boxes overlap: nodes and edge labels alike, each pair once.
    let boxes: Vec<(String, Box2)> = p
        .nodes
        .iter()
        .map(|(id, b)| (format!("node{id}"), *b))
        .chain(p.labels.iter().map(|(k, b)| (format!("edge{k}-label"), *b)))
        .collect();
    for (i, (a, ba)) in boxes.iter().enumerate() {
        for (b, bb) in &boxes[i + 1..] {
            assert!(!ba.overlaps(bb), "{what}: {a} {ba:?} overlaps {b} {bb:?}");
        }
    }
    // Each edge label is within 2 px of its own edge's curve.
    for (k, label) in &p.labels {
        let d = &p.edges.iter().find(|(e, _)| e == k).unwrap().1;
        let nearest = sample(d, 64)
            .into_iter()
            .map(|q| label.distance(q))
            .fold(f64::INFINITY, f64::min);
        assert!(
            nearest <= 2.0,
            "{what}: edge{k}'s label is {nearest:.1} px from its edge"
        );
    }
    p
}

/// micrograd's MLP with two inputs, one hidden layer of `units` tanh
/// neurons and one tanh output, and its squared error against 1:
/// `(tanh(Σ vᵢ·tanh(aᵢ·x₁ + bᵢ·x₂ + cᵢ) + d) − 1)²`. Six units make 72
/// nodes.
fn mlp(tape: &Tape, units: usize) -> Var {
    let x1 = tape.var(0.5).named("x1");
    let x2 = tape.var(-1.5).named("x2");
    let mut seed = 7u64;
    let mut weight = |name: String| tape.var(next(&mut seed) * 2.0 - 1.0).named(name);
    let mut hidden = Vec::new();
    for i in 1..=units {
        let (a, b, c) = (
            weight(format!("a{i}")),
            weight(format!("b{i}")),
            weight(format!("c{i}")),
        );
        hidden.push((a * x1 + b * x2 + c).tanh().named(format!("h{i}")));
    }
    let mut sum = None;
    for (i, h) in hidden.into_iter().enumerate() {
        let term = weight(format!("v{}", i + 1)) * h;
        sum = Some(sum.map_or(term, |s| s + term));
    }
    let out = (sum.unwrap() + weight("d".into())).tanh();
    (out - 1.0).powi(2)
}

/// A tiny linear congruential generator: uniform in [0, 1).
fn next(state: &mut u64) -> f64 {
    *state = state
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (*state >> 11) as f64 / (1u64 << 53) as f64
}

#[test]
fn mlp_of_72_nodes_fits_in_4000_px_with_nothing_overlapping() {
    let tape = Tape::new();
    let loss = mlp(&tape, 6);
    let graph = Graph::with_gradients(&loss.backward());
    assert_eq!(graph.nodes().len(), 72);
    let svg = graph.to_svg();
    let p = check_layout("6-unit MLP", &graph, &svg);
    // The picture's width at the default options (left to right).
    assert!(p.width <= 4000.0, "{} x {} px", p.width, p.height);
    // Every edge has a partial, so every edge has its label.
    assert_eq!(p.labels.len(), graph.edges().len());
    println!("6-unit MLP: {} x {} px", p.width, p.height);
}

#[test]
fn mlp_of_182_nodes_top_to_bottom_has_nothing_overlapping() {
    let tape = Tape::new();
    let loss = mlp(&tape, 16);
    let graph = Graph::with_gradients(&loss.backward());
    assert_eq!(graph.nodes().len(), 182);
    for direction in [Direction::LeftToRight, Direction::TopToBottom] {
        let graph = graph.clone().direction(direction);
        let p = check_layout("16-unit MLP", &graph, &graph.to_svg());
        println!("16-unit MLP {direction:?}: {} x {} px", p.width, p.height);
    }
}

/// The midpoint (by parameter, over its legs) of a path.
fn middle(d: &str) -> (f64, f64) {
    let points = sample(d, 64);
    points[points.len() / 2]
}

#[test]
fn two_edges_between_the_same_nodes_are_two_curves_each_with_its_label() {
    let tape = Tape::new();
    let x = tape.var(3.0).named("x");
    let y = (x * x + (x + x)).named("y");
    for labelled in [true, false] {
        for direction in [Direction::LeftToRight, Direction::TopToBottom] {
            let graph = if labelled {
                Graph::with_gradients(&y.backward())
            } else {
                Graph::of(y)
            }
            .direction(direction);
            let what = format!("x*x + (x+x), labels {labelled}, {direction:?}");
            let p = check_layout(&what, &graph, &graph.to_svg());
            // x (node 0) feeds both operands of the mul and of the add.
            for target in 1..=2 {
                let twins: Vec<&str> = graph
                    .edges()
                    .iter()
                    .enumerate()
                    .filter(|(_, (s, t, _))| *s == 0 && *t == target)
                    .map(|(k, _)| p.edges.iter().find(|(e, _)| *e == k).unwrap().1.as_str())
                    .collect();
                assert_eq!(twins.len(), 2, "{what}");
                assert_ne!(twins[0], twins[1], "{what}: one curve drawn twice");
                let (a, b) = (middle(twins[0]), middle(twins[1]));
                let apart = (a.0 - b.0).hypot(a.1 - b.1);
                assert!(apart > 6.0, "{what}: middles {apart:.1} px apart");
            }
            // Six edges: two into the mul, two into the add, one from each.
            assert_eq!(p.labels.len(), if labelled { 6 } else { 0 }, "{what}");
        }
    }
}

/// A random graph of about `n` nodes: leaves, then unary and binary ops on
/// earlier nodes (mostly recent ones, sometimes the same one twice), all
/// the nodes nothing uses summed into the output.
fn random_graph(tape: &Tape, n: usize, seed: u64) -> Var {
    let mut state = seed;
    let mut nodes: Vec<Var> = Vec::new();
    let mut used: Vec<bool> = Vec::new();
    while nodes.len() < n {
        let r = next(&mut state);
        let pick = |state: &mut u64, len: usize| {
            // Biased towards recent nodes, as expressions are.
            let u = next(state);
            len - 1 - ((u * u * len as f64) as usize).min(len - 1)
        };
        let v = if nodes.len() < 2 || r < 0.2 {
            tape.var(next(&mut state) * 4.0 - 2.0)
                .named(format!("w{}", nodes.len()))
        } else if r < 0.45 {
            let a = pick(&mut state, nodes.len());
            used[a] = true;
            match (next(&mut state) * 3.0) as usize {
                0 => nodes[a].tanh(),
                1 => nodes[a].sin(),
                _ => -nodes[a],
            }
        } else {
            let a = pick(&mut state, nodes.len());
            let b = if next(&mut state) < 0.15 {
                a
            } else {
                pick(&mut state, nodes.len())
            };
            used[a] = true;
            used[b] = true;
            match (next(&mut state) * 3.0) as usize {
                0 => nodes[a] + nodes[b],
                1 => nodes[a] * nodes[b],
                _ => nodes[a] - nodes[b],
            }
        };
        nodes.push(v);
        used.push(false);
    }
    let mut out = *nodes.last().unwrap();
    for (v, _) in nodes.iter().zip(&used).rev().skip(1).filter(|(_, u)| !**u) {
        out += *v;
    }
    out
}

#[test]
fn random_graphs_of_20_to_200_nodes_have_nothing_overlapping() {
    for (i, n) in [20, 35, 50, 80, 120, 160, 200].into_iter().enumerate() {
        let tape = Tape::new();
        let out = random_graph(&tape, n, 1000 + i as u64);
        let direction = if i % 2 == 0 {
            Direction::LeftToRight
        } else {
            Direction::TopToBottom
        };
        for labelled in [true, false] {
            let graph = if labelled {
                Graph::with_gradients(&out.backward())
            } else {
                Graph::of(out)
            }
            .direction(direction);
            let what = format!("random graph {n} ({direction:?}, labels {labelled})");
            let svg = graph.to_svg();
            check_layout(&what, &graph, &svg);
            // Byte-identical from run to run.
            assert_eq!(svg, graph.to_svg(), "{what}");
        }
    }
}

#[test]
fn svg_ids_name_nodes_by_dump_id_and_edges_and_labels_by_edge_index() {
    let tape = Tape::new();
    let x = tape.var(2.0).named("x");
    let b = tape.var(-1.0).named("b");
    let y = ((x * x + b).tanh() * x).named("y");
    let graph = Graph::with_gradients(&y.backward());
    let svg = graph.to_svg();
    let doc = Document::parse(&svg).unwrap();
    let by_id = |id: &str| {
        doc.descendants()
            .find(|n| n.attribute("id") == Some(id))
            .unwrap_or_else(|| panic!("no element with id {id}"))
    };
    // Each node: <g id="node{ID}" class="node …"> with its <title> and box.
    let mut boxes = Vec::new();
    for n in graph.nodes() {
        let g = by_id(&format!("node{}", n.id));
        assert!(g.has_tag_name("g"));
        assert!(g.attribute("class").unwrap().starts_with("node "));
        let title = g.children().find(|c| c.has_tag_name("title")).unwrap();
        assert!(title.text().unwrap().starts_with(&format!("%{}", n.id)));
        boxes.push(rect_box(
            g.children().find(|c| c.has_tag_name("rect")).unwrap(),
        ));
    }
    // Edge K of Graph::edges(): <path id="edge{K}"> from its source's box
    // to its target's (left to right: from the right side to the left),
    // and <g id="edge{K}-label" class="edge-label"> with a ground and text.
    for (k, (s, t, _)) in graph.edges().iter().enumerate() {
        let path = by_id(&format!("edge{k}"));
        assert!(path.has_tag_name("path"));
        let points = sample(path.attribute("d").unwrap(), 4);
        let (start, end) = (points[0], *points.last().unwrap());
        let (bs, bt) = (boxes[*s], boxes[*t]);
        assert!(
            (start.0 - bs.x1).abs() < 0.2 && bs.distance(start) < 0.2,
            "edge{k}"
        );
        assert!(
            (end.0 - bt.x0).abs() < 0.2 && bt.distance(end) < 0.2,
            "edge{k}"
        );
        let label = by_id(&format!("edge{k}-label"));
        assert!(label.has_tag_name("g"));
        assert_eq!(label.attribute("class"), Some("edge-label"));
        let kids: Vec<&str> = label
            .children()
            .filter(|c| c.is_element())
            .map(|c| c.tag_name().name())
            .collect();
        assert_eq!(kids, ["rect", "text"], "edge{k}-label");
    }
    // Nothing else has these ids.
    let ids = doc.descendants().filter_map(|n| n.attribute("id")).count();
    assert_eq!(ids, graph.nodes().len() + 2 * graph.edges().len() + 2);
}

/// The medium-size picture in docs/graph-dumps.md: the 6-unit MLP with its
/// gradients, as `to_svg` draws it now. Run with
/// `TAPEGRAD_UPDATE_PICTURES=1` to redraw it.
#[test]
fn mlp_picture_in_the_docs_is_up_to_date() {
    let tape = Tape::new();
    let svg = Graph::with_gradients(&mlp(&tape, 6).backward()).to_svg();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/img/mlp-graph.svg");
    if std::env::var_os("TAPEGRAD_UPDATE_PICTURES").is_some() {
        std::fs::write(&path, &svg).unwrap();
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == svg,
        "{} is out of date: rerun with TAPEGRAD_UPDATE_PICTURES=1",
        path.display()
    );
}
