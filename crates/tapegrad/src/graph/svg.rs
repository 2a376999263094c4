//! The SVG view: a layered layout of our own places the nodes and routes
//! the edges, and a small deterministic backend draws them.
//!
//! The layout is Sugiyama's, as Graphviz's `dot` does it: every edge label
//! is an item of its own in a layer between its edge's source and target,
//! and the edge passes through it, so a label sits on its own edge and no
//! two items (nodes, labels) overlap by construction. Edges that skip
//! layers bend through each layer they cross. It takes about linear time.
//! Left to right, edge labels and nodes' adjoint lines (`∂z/∂x = …`)
//! break before their ` = ` into two lines, and the layers next to labels
//! keep a narrower gap: the length along the flow is what grows with a
//! graph's depth, and each step of it is a layer of nodes and one of
//! labels.
//!
//! layout-rs laid small graphs out before: its crossing minimization grows
//! like the fourth power of the graph's size, and it stacked the edge
//! labels of a wide layer in one column over the lines crossing there (a
//! 72-node MLP drew 6178 px wide with labels piled up; ours draws it under
//! 4000). Nothing of it is left: the points, looks and drawing are a few
//! private types here, so the `svg` feature needs no dependency.
//!
//! The drawing is ours too: rounded boxes sized to their labels, `<title>`s
//! naming each node, edge labels drawn last so that lines never hide them
//! (on a white ground), and coordinates rounded to one decimal, so the
//! output is byte-identical from run to run. Elements have stable ids for
//! scripts: node `{ID}` (its dump id) is `<g id="node{ID}" class="node …">`,
//! edge `K` (its index in [`Graph::edges`]) is `<path id="edge{K}">`, and its
//! label `<g id="edge{K}-label" class="edge-label">`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{Direction, Graph, format_number, style};
use crate::escape;

/// Font size of node labels, in pixels.
const NODE_FONT: usize = 14;
/// Font size of edge labels, in pixels.
const EDGE_FONT: usize = 12;
/// Line height, as a multiple of the font size.
const LINE_HEIGHT: f64 = 1.3;
/// Average glyph width, as a multiple of the font size (sans-serif digits
/// and lower-case letters are narrower; this leaves a margin).
const GLYPH_WIDTH: f64 = 0.6;
/// Space between a node's label and its border.
const PADDING: Point = Point { x: 12.0, y: 8.0 };
/// Space around the whole picture.
const MARGIN: f64 = 12.0;
/// [`layered`]: space between layers (along the flow), in pixels.
const LAYER_GAP: f64 = 48.0;
/// [`layered`]: space between a layer of edge labels and its neighbours,
/// left to right (the edges pass through the labels, so they need less
/// room to turn, and the length along the flow is what grows).
const LABEL_GAP: f64 = 16.0;
/// [`layered`]: the same, top to bottom, where labels are thin and a fan
/// of edges from one node needs room to spread.
const LABEL_GAP_TB: f64 = 28.0;
/// [`layered`]: space across the flow between two edges joining the same
/// two nodes directly (`x * x` without labels), at their middle.
const TWIN_GAP: f64 = 12.0;
/// [`layered`]: space between neighbours in a layer, in pixels.
const NODE_GAP: f64 = 20.0;
/// [`layered`]: space between two bends of long edges, in pixels.
const BEND_GAP: f64 = 8.0;
/// [`layered`]: the most bends given to edges that skip layers, in all.
const BEND_BUDGET: usize = 100_000;
/// [`layered`]: barycenter sweeps ordering the layers, alternately down
/// (by predecessors) and up (by successors).
const ORDER_SWEEPS: usize = 6;

/// A point, or a size, in pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Point {
    x: f64,
    y: f64,
}

impl Point {
    const fn new(x: f64, y: f64) -> Point {
        Point { x, y }
    }

    const fn zero() -> Point {
        Point::new(0.0, 0.0)
    }

    fn add(self, other: Point) -> Point {
        Point::new(self.x + other.x, self.y + other.y)
    }

    fn sub(self, other: Point) -> Point {
        Point::new(self.x - other.x, self.y - other.y)
    }
}

/// How a box or line is drawn: colours as SVG writes them (`#rrggbb`).
struct Look {
    line: &'static str,
    width: usize,
    fill: Option<&'static str>,
    /// The corner radius, in pixels.
    rounded: usize,
    font: usize,
}

/// What the layout places and the canvas draws: every node and edge with
/// its label and look.
struct Scene {
    /// Left to right, rather than top to bottom.
    lr: bool,
    nodes: Vec<SceneNode>,
    edges: Vec<SceneEdge>,
}

struct SceneNode {
    label: String,
    look: Look,
    /// The box, label and padding.
    size: Point,
    /// `(id, class, title)` of the node's `<g>`.
    title: (String, &'static str, String),
}

struct SceneEdge {
    source: usize,
    target: usize,
    /// The local partial `∂user/∂operand = p`, or empty.
    label: String,
    look: Look,
    dashed: bool,
}

impl Scene {
    fn of(graph: &Graph<'_>) -> Scene {
        let lr = graph.direction_of() == Direction::LeftToRight;
        let nodes = graph
            .nodes()
            .iter()
            .map(|n| {
                let mut lines = graph.node_label(n);
                if lr {
                    // The adjoint line, `∂z/∂x = …`, is a node's longest;
                    // left to right, its width adds to the picture's
                    // length: two lines.
                    // (The first line is the value's, whatever the name.)
                    for line in lines.iter_mut().skip(1).filter(|l| l.starts_with('∂')) {
                        *line = line.replacen(" = ", "\n= ", 1);
                    }
                }
                let label = lines.join("\n");
                let kind = graph.node_kind(n);
                let look = Look {
                    line: kind.line(),
                    width: if n.output { 2 } else { 1 },
                    fill: Some(kind.fill()),
                    rounded: 6,
                    font: NODE_FONT,
                };
                let size = text_size(&label, NODE_FONT);
                let size = Point::new(size.x + 2.0 * PADDING.x, size.y + 2.0 * PADDING.y);
                // The name as the labels show it (escaped, and cut if long).
                let title = match &n.name {
                    Some(_) => format!("%{} {}", n.id, graph.reference(n.id)),
                    None => format!("%{}", n.id),
                };
                SceneNode {
                    label,
                    look,
                    size,
                    title: (format!("node{}", n.id), kind.class(), title),
                }
            })
            .collect();
        let edges = graph
            .edges()
            .iter()
            .map(|(s, t, e)| {
                let backward = graph.nodes()[*t].backward;
                let line = if backward {
                    style::BACKWARD_LINE
                } else {
                    style::LINE
                };
                SceneEdge {
                    source: *s,
                    target: *t,
                    label: if lr {
                        // Left to right, a label's width adds to the
                        // picture's length: two shorter lines.
                        graph.edge_label(*s, *t, e).replacen(" = ", "\n= ", 1)
                    } else {
                        graph.edge_label(*s, *t, e)
                    },
                    look: Look {
                        line,
                        width: 1,
                        fill: None,
                        rounded: 0,
                        font: EDGE_FONT,
                    },
                    dashed: backward,
                }
            })
            .collect();
        Scene { lr, nodes, edges }
    }
}

/// Renders `graph` as an SVG document.
pub(super) fn render(graph: &Graph<'_>) -> String {
    layered(&Scene::of(graph))
}

/// The items `0..n` in an order where each edge `(a, b)` has `a` before
/// `b` (Kahn's algorithm; ready items are taken first come, first served,
/// starting in index order). Items on a cycle, which our graphs never have,
/// come last in index order.
fn topological_order(n: usize, edges: impl Iterator<Item = (usize, usize)>) -> Vec<usize> {
    let mut indegree = vec![0usize; n];
    let mut outgoing: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (a, b) in edges {
        indegree[b] += 1;
        outgoing[a].push(b);
    }
    let mut order: Vec<usize> = (0..n).filter(|&v| indegree[v] == 0).collect();
    let mut next = 0;
    while next < order.len() {
        let v = order[next];
        next += 1;
        for &w in &outgoing[v] {
            indegree[w] -= 1;
            if indegree[w] == 0 {
                order.push(w);
            }
        }
    }
    if order.len() < n {
        let mut seen = vec![false; n];
        order.iter().for_each(|&v| seen[v] = true);
        order.extend((0..n).filter(|&v| !seen[v]));
    }
    order
}

/// Our layered layout: about linear in the nodes, edges and bends (sorting
/// each layer aside).
///
/// Items are the nodes, one label box per labelled edge (which the edge
/// passes through) and the bends of long edges. Each node and label goes in
/// the layer after its furthest predecessor, and then, as in layout-rs, as
/// late as its successors allow if it has no more predecessors than
/// successors: a leaf moves next to its first user, a label next to its
/// target. An edge that skips layers gets a bend in each layer it crosses,
/// so that it runs between the nodes there, shortest edges first while
/// [`BEND_BUDGET`] lasts; longer ones are single curves, drawn over the
/// layers they skip. Barycenter sweeps order the layers; each layer is then
/// placed as close to the mean of its neighbours as its order allows
/// (isotonic regression), down, up and down the flow. Edges are smooth
/// curves through their label and bends, leaving and entering every stop
/// along the flow.
fn layered(scene: &Scene) -> String {
    let lr = scene.lr;
    // Items: the nodes, one label per labelled edge, then bends. Each edge
    // runs from its source through `inner` to its target.
    let mut size: Vec<Point> = scene.nodes.iter().map(|n| n.size).collect();
    let mut inner: Vec<Vec<usize>> = Vec::with_capacity(scene.edges.len());
    for e in &scene.edges {
        if e.label.is_empty() {
            inner.push(Vec::new());
        } else {
            let text = text_size(&e.label, EDGE_FONT);
            inner.push(vec![size.len()]);
            size.push(Point::new(text.x + 6.0, text.y + 2.0));
        }
    }
    let route = |k: usize, inner: &[Vec<usize>]| {
        let e = &scene.edges[k];
        let mut stops = Vec::with_capacity(inner[k].len() + 2);
        stops.push(e.source);
        stops.extend(&inner[k]);
        stops.push(e.target);
        stops
    };

    // Layers: longest path, then sink what has no more inputs than users.
    let links = |inner: &[Vec<usize>]| -> Vec<(usize, usize)> {
        (0..scene.edges.len())
            .flat_map(|k| {
                let stops = route(k, inner);
                stops.windows(2).map(|w| (w[0], w[1])).collect::<Vec<_>>()
            })
            .collect()
    };
    let segments = links(&inner);
    let (preds, succs) = adjacency(size.len(), &segments);
    let order = topological_order(size.len(), segments.into_iter());
    let mut layer = vec![0usize; size.len()];
    for &v in &order {
        for &w in &succs[v] {
            layer[w] = layer[w].max(layer[v] + 1);
        }
    }
    for &v in order.iter().rev() {
        if let Some(first) = succs[v].iter().map(|&w| layer[w]).min() {
            if preds[v].len() <= succs[v].len() && first > layer[v] + 1 {
                layer[v] = first - 1;
            }
        }
    }

    // Bends for the links that skip layers, shortest first.
    let mut long: Vec<(usize, usize, usize)> = Vec::new(); // (skipped, edge, position)
    for (k, stops) in (0..scene.edges.len()).map(|k| (k, route(k, &inner))) {
        for (i, w) in stops.windows(2).enumerate() {
            let skipped = layer[w[1]].saturating_sub(layer[w[0]] + 1);
            if skipped > 0 {
                long.push((skipped, k, i));
            }
        }
    }
    long.sort_unstable();
    let first_bend = size.len();
    let mut budget = BEND_BUDGET;
    let mut bends: Vec<Vec<(usize, Vec<usize>)>> = vec![Vec::new(); scene.edges.len()];
    for (skipped, k, i) in long {
        if skipped > budget {
            break;
        }
        budget -= skipped;
        let from = layer[route(k, &inner)[i]];
        let items: Vec<usize> = (1..=skipped)
            .map(|d| {
                layer.push(from + d);
                size.push(Point::zero());
                size.len() - 1
            })
            .collect();
        bends[k].push((i, items));
    }
    for (k, mut at) in bends.into_iter().enumerate() {
        // Insert from the last link back, so positions stay valid.
        at.sort_unstable_by_key(|(i, _)| std::cmp::Reverse(*i));
        for (i, items) in at {
            // Link `i` runs from stop `i` to stop `i + 1`, that is, just
            // before `inner[k][i]` (or the target).
            inner[k].splice(i..i, items);
        }
    }
    let m = size.len();
    let (preds, succs) = adjacency(m, &links(&inner));
    let bend = |v: usize| v >= first_bend;
    let mut layers: Vec<Vec<usize>> = vec![Vec::new(); layer.iter().max().map_or(0, |l| l + 1)];
    for v in 0..m {
        layers[layer[v]].push(v);
    }

    // Order each layer by the mean position (a fraction of its layer's
    // width) of its neighbours in the layers before, then after.
    let mut fraction = vec![0.0; m];
    let renumber = |row: &[usize], fraction: &mut [f64]| {
        for (i, &v) in row.iter().enumerate() {
            fraction[v] = (i as f64 + 0.5) / row.len() as f64;
        }
    };
    layers.iter().for_each(|row| renumber(row, &mut fraction));
    for sweep in 0..ORDER_SWEEPS {
        let (by, rows) = sweep_rows(sweep % 2 == 0, layers.len(), &preds, &succs);
        for l in rows {
            let mut keyed: Vec<(f64, usize)> = layers[l]
                .iter()
                .map(|&v| (mean(&by[v], &fraction, fraction[v]), v))
                .collect();
            // Stable: ties keep their order.
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
            layers[l] = keyed.into_iter().map(|(_, v)| v).collect();
            renumber(&layers[l], &mut fraction);
        }
    }

    // Across the flow: pack each layer around 0, then move the layers,
    // down, up and down, towards the mean of their neighbours.
    let across: Vec<f64> = size.iter().map(|s| if lr { s.y } else { s.x }).collect();
    let gap: Vec<f64> = (0..m)
        .map(|v| if bend(v) { BEND_GAP } else { NODE_GAP })
        .collect();
    let mut cross = vec![0.0; m];
    for row in &layers {
        place(row, &vec![0.0; row.len()], &across, &gap, &mut cross);
    }
    for pass in 0..3 {
        let (by, rows) = sweep_rows(pass != 1, layers.len(), &preds, &succs);
        for l in rows {
            let desired: Vec<f64> = layers[l]
                .iter()
                .map(|&v| mean(&by[v], &cross, cross[v]))
                .collect();
            place(&layers[l], &desired, &across, &gap, &mut cross);
        }
    }
    // Along the flow: each layer as thick as its thickest item, the items
    // centred in it.
    // A layer with a label keeps the narrower gap to both neighbours.
    let label = |v: usize| v >= scene.nodes.len() && !bend(v);
    let labelled: Vec<bool> = layers
        .iter()
        .map(|row| row.iter().any(|&v| label(v)))
        .collect();
    let mut main = vec![0.0; m];
    let mut start = 0.0;
    for (l, row) in layers.iter().enumerate() {
        if l > 0 {
            start += if labelled[l - 1] || labelled[l] {
                if lr { LABEL_GAP } else { LABEL_GAP_TB }
            } else {
                LAYER_GAP
            };
        }
        let thickness = row
            .iter()
            .map(|&v| if lr { size[v].x } else { size[v].y })
            .fold(0.0, f64::max);
        for &v in row {
            main[v] = start + thickness / 2.0;
        }
        start += thickness;
    }
    let center = |v: usize| {
        if lr {
            Point::new(main[v], cross[v])
        } else {
            Point::new(cross[v], main[v])
        }
    };
    // Half an item along the flow: where edges leave and enter it.
    let half = |v: usize| {
        if lr {
            Point::new(size[v].x / 2.0, 0.0)
        } else {
            Point::new(0.0, size[v].y / 2.0)
        }
    };

    let mut canvas = Canvas::new();
    for (v, node) in scene.nodes.iter().enumerate() {
        canvas.node(center(v), node);
    }
    // Edges straight from one node to another with a twin (`x * x`
    // without labels): the `j`th of `n` bows out by `(j - (n - 1) / 2)`
    // twin gaps, so that each is seen.
    let mut twins: BTreeMap<(usize, usize), (usize, usize)> = BTreeMap::new();
    for (k, e) in scene.edges.iter().enumerate() {
        if inner[k].is_empty() {
            twins.entry((e.source, e.target)).or_insert((0, 0)).1 += 1;
        }
    }
    for (k, e) in scene.edges.iter().enumerate() {
        let mut stops = vec![center(e.source).add(half(e.source))];
        stops.extend(inner[k].iter().map(|&v| center(v)));
        stops.push(center(e.target).sub(half(e.target)));
        let mut path = curve(&stops, lr);
        if let Some((j, n)) = twins
            .get_mut(&(e.source, e.target))
            .filter(|_| inner[k].is_empty())
        {
            // A cubic's middle is 3/4 of the way to its control points.
            let bow = (*j as f64 - (*n as f64 - 1.0) / 2.0) * TWIN_GAP * 4.0 / 3.0;
            let shift = if lr {
                Point::new(0.0, bow)
            } else {
                Point::new(bow, 0.0)
            };
            path[0].1 = path[0].1.add(shift);
            path[1].0 = path[1].0.add(shift);
            *j += 1;
        }
        canvas.edge(k, &path, e.dashed, &e.look);
        if let Some(&label) = inner[k].iter().find(|&&v| !bend(v)) {
            canvas.edge_label(k, center(label), &e.label, &e.look);
        }
    }
    canvas.finish()
}

/// Predecessors and successors of `n` items joined by `links`.
fn adjacency(n: usize, links: &[(usize, usize)]) -> (Vec<Vec<usize>>, Vec<Vec<usize>>) {
    let mut preds = vec![Vec::new(); n];
    let mut succs = vec![Vec::new(); n];
    for &(a, b) in links {
        succs[a].push(b);
        preds[b].push(a);
    }
    (preds, succs)
}

/// The mean of `at` over the items `of`, or `own` if there are none.
fn mean(of: &[usize], at: &[f64], own: f64) -> f64 {
    if of.is_empty() {
        own
    } else {
        of.iter().map(|&w| at[w]).sum::<f64>() / of.len() as f64
    }
}

/// The neighbours to sweep by and the layers in sweep order: down the
/// flow by predecessors, or up it by successors.
fn sweep_rows<'a>(
    down: bool,
    layers: usize,
    preds: &'a [Vec<usize>],
    succs: &'a [Vec<usize>],
) -> (&'a [Vec<usize>], Vec<usize>) {
    if down {
        (preds, (1..layers).collect())
    } else {
        (succs, (0..layers.saturating_sub(1)).rev().collect())
    }
}

/// Places the items of `row` in order, each `across` wide and keeping its
/// `gap` (half on each side) from its neighbours, as close to `desired`
/// (their centres across the flow) as possible in the least squares sense:
/// isotonic regression by pooling adjacent violators.
fn place(row: &[usize], desired: &[f64], across: &[f64], gap: &[f64], cross: &mut [f64]) {
    // Offsets of each item from the first when packed tight; the free
    // variables (centre minus offset) must not decrease along the row.
    let mut offset = Vec::with_capacity(row.len());
    let mut at = 0.0;
    for (i, &v) in row.iter().enumerate() {
        if i > 0 {
            let u = row[i - 1];
            at += (across[u] + across[v] + gap[u] + gap[v]) / 2.0;
        }
        offset.push(at);
    }
    // Blocks of pooled items: (sum of targets, count).
    let mut blocks: Vec<(f64, usize)> = Vec::with_capacity(row.len());
    for (d, o) in desired.iter().zip(&offset) {
        blocks.push((d - o, 1));
        while let [.., (s0, c0), (s1, c1)] = blocks[..] {
            if s0 / c0 as f64 <= s1 / c1 as f64 {
                break;
            }
            blocks.pop();
            *blocks.last_mut().unwrap() = (s0 + s1, c0 + c1);
        }
    }
    let mut i = 0;
    for (sum, count) in blocks {
        let value = sum / count as f64;
        for _ in 0..count {
            cross[row[i]] = value + offset[i];
            i += 1;
        }
    }
}

/// A smooth path through `stops`, as [`Canvas::edge`] takes it: a
/// cubic Bézier per leg, leaving and entering every stop along the flow,
/// its control points pulled along the flow by half the shorter leg at
/// that stop (so a curve never overshoots a stop).
fn curve(stops: &[Point], lr: bool) -> Vec<(Point, Point)> {
    let along = |a: Point, b: Point| if lr { b.x - a.x } else { b.y - a.y };
    let legs: Vec<f64> = stops.windows(2).map(|w| along(w[0], w[1])).collect();
    let pull = |i: usize| {
        let before = if i > 0 { legs[i - 1] } else { f64::INFINITY };
        let after = legs.get(i).copied().unwrap_or(f64::INFINITY);
        let d = before.min(after) / 2.0;
        if lr {
            Point::new(d, 0.0)
        } else {
            Point::new(0.0, d)
        }
    };
    let mut path = Vec::with_capacity(stops.len());
    path.push((stops[0], stops[0].add(pull(0))));
    for (i, &stop) in stops.iter().enumerate().skip(1) {
        path.push((stop.sub(pull(i)), stop));
    }
    path
}

/// The size of a block of text, one line per `\n`.
fn text_size(text: &str, font: usize) -> Point {
    let font = font as f64;
    let chars = text.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    let lines = text.lines().count().max(1);
    Point::new(
        chars as f64 * font * GLYPH_WIDTH,
        lines as f64 * font * LINE_HEIGHT,
    )
}

/// A coordinate as written: rounded to one decimal, never `-0`.
fn num(x: f64) -> String {
    format_number((x * 10.0).round() / 10.0 + 0.0)
}

/// The drawing: collects SVG elements in the order they are drawn (nodes,
/// then edges), and edge labels to draw on top.
struct Canvas {
    body: String,
    labels: String,
    min: Point,
    max: Point,
}

impl Canvas {
    fn new() -> Canvas {
        Canvas {
            body: String::new(),
            labels: String::new(),
            min: Point::new(f64::INFINITY, f64::INFINITY),
            max: Point::new(f64::NEG_INFINITY, f64::NEG_INFINITY),
        }
    }

    fn grow(&mut self, p: Point) {
        self.min = Point::new(self.min.x.min(p.x), self.min.y.min(p.y));
        self.max = Point::new(self.max.x.max(p.x), self.max.y.max(p.y));
    }
    fn finish(self) -> String {
        let (min, max) = if self.min.x.is_finite() {
            (self.min, self.max)
        } else {
            (Point::zero(), Point::zero())
        };
        let x = min.x - MARGIN;
        let y = min.y - MARGIN;
        let w = max.x - min.x + 2.0 * MARGIN;
        let h = max.y - min.y + 2.0 * MARGIN;
        let mut out = String::new();
        out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n");
        let _ = writeln!(
            out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" viewBox=\"{} {} {} {}\">",
            num(w),
            num(h),
            num(x),
            num(y),
            num(w),
            num(h)
        );
        out.push_str("<defs>\n");
        for (id, fill) in [
            ("arrow", style::LINE),
            ("arrow-backward", style::BACKWARD_LINE),
        ] {
            let _ = writeln!(
                out,
                "<marker id=\"{id}\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" orient=\"auto\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"{fill}\"/></marker>"
            );
        }
        out.push_str("</defs>\n");
        let _ = writeln!(
            out,
            "<style>\ntext {{ font-family: {}, Arial, 'DejaVu Sans', sans-serif; fill: #212121; }}\n.edge-label text {{ fill: {}; }}\n</style>",
            style::FONT,
            style::EDGE_TEXT
        );
        let _ = writeln!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>",
            num(x),
            num(y),
            num(w),
            num(h)
        );
        out.push_str(&self.body);
        out.push_str(&self.labels);
        out.push_str("</svg>\n");
        out
    }

    /// Writes a `<text>` of one `<tspan>` per line, centred on `center`.
    fn text(&mut self, center: Point, text: &str, font: usize, class: &str) -> String {
        let lines: Vec<&str> = text.lines().collect();
        let size = text_size(text, font);
        self.grow(Point::new(center.x - size.x / 2.0, center.y - size.y / 2.0));
        self.grow(Point::new(center.x + size.x / 2.0, center.y + size.y / 2.0));
        let step = font as f64 * LINE_HEIGHT;
        let top = center.y - step * (lines.len() as f64 - 1.0) / 2.0;
        let mut out = format!(
            "<text class=\"{class}\" font-size=\"{font}\" text-anchor=\"middle\" dominant-baseline=\"central\">"
        );
        for (i, line) in lines.iter().enumerate() {
            let _ = write!(
                out,
                "<tspan x=\"{}\" y=\"{}\">{}</tspan>",
                num(center.x),
                num(top + step * i as f64),
                escape::xml(line)
            );
        }
        out.push_str("</text>\n");
        out
    }

    /// Edge `k`'s label, centred on `center`: drawn after everything else,
    /// on a white ground over the line it labels.
    fn edge_label(&mut self, k: usize, center: Point, text: &str, look: &Look) {
        let size = text_size(text, look.font);
        let (w, h) = (size.x + 6.0, size.y + 2.0);
        let _ = writeln!(
            self.labels,
            "<g id=\"edge{k}-label\" class=\"edge-label\">\n<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"3\" fill=\"#ffffff\" fill-opacity=\"0.9\"/>",
            num(center.x - w / 2.0),
            num(center.y - h / 2.0),
            num(w),
            num(h)
        );
        let t = self.text(center, text, look.font, "edge-label-text");
        self.labels.push_str(&t);
        self.labels.push_str("</g>\n");
    }

    /// Node `node`'s box and label, centred on `center`, in a `<g>` with
    /// its id, class and title.
    fn node(&mut self, center: Point, node: &SceneNode) {
        let (id, class, title) = &node.title;
        let size = node.size;
        let xy = Point::new(center.x - size.x / 2.0, center.y - size.y / 2.0);
        self.grow(xy);
        self.grow(xy.add(size));
        let look = &node.look;
        let _ = write!(
            self.body,
            "<g id=\"{id}\" class=\"node {class}\">\n<title>{}</title>\n",
            escape::xml(title)
        );
        let _ = writeln!(
            self.body,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"{}\" fill=\"{}\" stroke=\"{}\" stroke-width=\"{}\"/>",
            num(xy.x),
            num(xy.y),
            num(size.x),
            num(size.y),
            look.rounded,
            look.fill.unwrap_or("none"),
            look.line,
            look.width,
        );
        if !node.label.is_empty() {
            let t = self.text(center, &node.label, look.font, "node-label");
            self.body.push_str(&t);
        }
        self.body.push_str("</g>\n");
    }

    /// Edge `k` along `path` (cubic Bézier legs, see [`curve`]), with an
    /// arrow head at its target.
    fn edge(&mut self, k: usize, path: &[(Point, Point)], dashed: bool, look: &Look) {
        if path.len() < 2 {
            return;
        }
        for (a, b) in path {
            self.grow(*a);
            self.grow(*b);
        }
        let mut d = format!(
            "M {} {} C {} {}, {} {}, {} {}",
            num(path[0].0.x),
            num(path[0].0.y),
            num(path[0].1.x),
            num(path[0].1.y),
            num(path[1].0.x),
            num(path[1].0.y),
            num(path[1].1.x),
            num(path[1].1.y)
        );
        for (a, b) in &path[2..] {
            let _ = write!(d, " S {} {}, {} {}", num(a.x), num(a.y), num(b.x), num(b.y));
        }
        let marker = if look.line == style::BACKWARD_LINE {
            "arrow-backward"
        } else {
            "arrow"
        };
        let _ = writeln!(
            self.body,
            "<path id=\"edge{k}\" class=\"edge\" d=\"{d}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\"{} marker-end=\"url(#{marker})\"/>",
            look.line,
            look.width,
            if dashed {
                " stroke-dasharray=\"5,4\""
            } else {
                ""
            },
        );
    }
}
