//! The SVG view: a layout places the nodes and routes the edges, and a
//! small deterministic backend of our own draws them.
//!
//! Two layouts, chosen by the graph's size:
//!
//! - layout-rs, for small graphs: Graphviz-like pictures, with edges routed
//!   between the nodes, edge labels placed like nodes, and crossings
//!   minimized. Its crossing minimization compares every pair of points of
//!   a rank (nodes, labels and the bends of long edges) against the next
//!   rank, fifty times over, and its placement looks ranks up by linear
//!   search, so its time grows like the fourth power of the graph's size:
//!   0.1 s at 76 nodes, 20 s at 301, 5 minutes at 601 for a sum of sines.
//!   It only gets graphs whose [`layout_rs_cost`] fits [`LAYOUT_RS_BUDGET`].
//! - [`layered`], our own, for the rest, for the empty graph, and should
//!   layout-rs panic (a few graphs break one of its assertions): a layered
//!   layout in about linear time.
//!
//! layout-rs's own SVG writer keeps its font classes in a hash map (their
//! order changes from run to run) and sizes text by a rough rule, so the
//! drawing is ours, the same for both layouts: rounded boxes sized to their
//! labels, `<title>`s naming each node, edge labels drawn last so that lines
//! never hide them (on a white ground), and coordinates rounded to one
//! decimal. Which layout a graph gets depends on its nodes and edges only,
//! so the output stays deterministic.

use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};

use layout::core::base::Orientation;
use layout::core::color::Color;
use layout::core::format::{ClipHandle, RenderBackend};
use layout::core::geometry::Point;
use layout::core::style::{LineStyleKind, StyleAttr};
use layout::std_shapes::shapes::{Arrow, Element, LineEndKind, ShapeKind};
use layout::topo::layout::VisualGraph;

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
/// The largest [`layout_rs_cost`] laid out by layout-rs; above it,
/// [`layered`]. A unit measured 0.05 to 0.4 µs of layout-rs's time in a
/// release build (depending on the graph's shape), so layout-rs takes
/// about a second at most, and under half a second on most graphs. Every
/// graph of up to 80 nodes we tried fits, and most of up to 100.
const LAYOUT_RS_BUDGET: u64 = 3_000_000;
/// [`layered`]: space between layers (along the flow), in pixels.
const LAYER_GAP: f64 = 48.0;
/// [`layered`]: space between neighbours in a layer, in pixels.
const NODE_GAP: f64 = 20.0;
/// [`layered`]: space between two bends of long edges, in pixels.
const BEND_GAP: f64 = 8.0;
/// [`layered`]: the most bends given to edges that skip layers, in all.
const BEND_BUDGET: usize = 100_000;
/// [`layered`]: barycenter sweeps ordering the layers, alternately down
/// (by predecessors) and up (by successors).
const ORDER_SWEEPS: usize = 6;

/// What both layouts draw: every node and edge with its label and look.
struct Scene {
    orientation: Orientation,
    nodes: Vec<SceneNode>,
    edges: Vec<SceneEdge>,
}

struct SceneNode {
    label: String,
    look: StyleAttr,
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
    look: StyleAttr,
    dashed: bool,
}

impl Scene {
    fn of(graph: &Graph<'_>) -> Scene {
        let orientation = match graph.direction_of() {
            Direction::LeftToRight => Orientation::LeftToRight,
            Direction::TopToBottom => Orientation::TopToBottom,
        };
        let nodes = graph
            .nodes()
            .iter()
            .map(|n| {
                let label = graph.node_label(n).join("\n");
                let kind = graph.node_kind(n);
                let look = StyleAttr::new(
                    color(kind.line()),
                    if n.output { 2 } else { 1 },
                    Some(color(kind.fill())),
                    6,
                    NODE_FONT,
                );
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
                    label: graph.edge_label(*s, *t, e),
                    look: StyleAttr::new(color(line), 1, None, 0, EDGE_FONT),
                    dashed: backward,
                }
            })
            .collect();
        Scene {
            orientation,
            nodes,
            edges,
        }
    }

    fn canvas(&self) -> Canvas {
        Canvas::new(
            self.nodes.iter().map(|n| n.title.clone()).collect(),
            self.edges.iter().map(|e| e.label.as_str()),
        )
    }

    /// The nodes in an order where every edge runs forwards (the canonical
    /// numbering already is one; this does not rely on it).
    fn topological_order(&self) -> Vec<usize> {
        topological_order(
            self.nodes.len(),
            self.edges.iter().map(|e| (e.source, e.target)),
        )
    }
}

/// Renders `graph` as an SVG document.
pub(super) fn render(graph: &Graph<'_>) -> String {
    let scene = Scene::of(graph);
    if !scene.nodes.is_empty() && layout_rs_cost(&scene) <= LAYOUT_RS_BUDGET {
        // layout-rs asserts its own invariants, and a few graphs break them:
        // draw those with our layout rather than fail.
        if let Ok(svg) = catch_unwind(AssertUnwindSafe(|| with_layout_rs(&scene))) {
            return svg;
        }
    }
    layered(&scene)
}

/// Lays `scene` out with layout-rs and draws it.
fn with_layout_rs(scene: &Scene) -> String {
    let mut vg = VisualGraph::new(scene.orientation);
    // Its self-checks look for a cycle after every edge it adds, walking
    // every path (exponential on `x ← x·x` repeated: 1.7 s at 24 nodes,
    // doubling per node). Our graphs are acyclic by construction, and the
    // layout is the same without the checks.
    vg.dag.set_validate(false);
    let handles: Vec<_> = scene
        .nodes
        .iter()
        .enumerate()
        .map(|(id, n)| {
            let element = Element::create_with_properties(
                ShapeKind::Box(n.label.clone()),
                n.look.clone(),
                scene.orientation,
                n.size,
                id.to_string(),
            );
            vg.add_node(element)
        })
        .collect();
    for (k, e) in scene.edges.iter().enumerate() {
        let arrow = Arrow::with_properties(
            LineEndKind::None,
            LineEndKind::Arrow,
            if e.dashed {
                LineStyleKind::Dashed
            } else {
                LineStyleKind::Normal
            },
            &e.label,
            &e.look,
            k.to_string(),
            &None,
            &None,
        );
        vg.add_edge(arrow, handles[e.source], handles[e.target]);
    }
    let mut canvas = scene.canvas();
    vg.do_it(false, false, false, &mut canvas);
    canvas.finish()
}

/// An estimate of layout-rs's work on `scene`, in units of its inner loops;
/// linear time.
///
/// layout-rs turns each labelled edge into two edges through a label point,
/// ranks the points by longest path, and splits every edge longer than one
/// rank with a chain of invisible points: `points` in all, `w_i` in rank
/// `i`, with `d_i` edge ends. Its crossing minimization then compares every
/// pair of points of a rank against the next rank, fifty times over, each
/// comparison scanning the next rank and both points' edges:
/// `Σ (w_i − 1) · d_i · w_{i+1}`; its placement looks each point's rank up
/// by a linear search, about `points²` steps. The estimate is their sum,
/// weighted as measured times fit (the fifty passes are in the budget).
fn layout_rs_cost(scene: &Scene) -> u64 {
    let n = scene.nodes.len();
    let mut rank = vec![0usize; n];
    let mut outgoing: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (k, e) in scene.edges.iter().enumerate() {
        outgoing[e.source].push(k);
    }
    let length = |e: &SceneEdge| if e.label.is_empty() { 1 } else { 2 };
    for v in scene.topological_order() {
        for &k in &outgoing[v] {
            let e = &scene.edges[k];
            rank[e.target] = rank[e.target].max(rank[v] + length(e));
        }
    }
    let ranks = rank.iter().max().map_or(0, |r| r + 1);
    // Per rank: points, and edge ends; the ranks an edge crosses get one
    // point with two ends each (counted as differences, then summed up).
    let mut width = vec![0i64; ranks + 1];
    let mut ends = vec![0i64; ranks + 1];
    let mut points = n as u64;
    for &r in &rank {
        width[r] += 1;
        width[r + 1] -= 1;
    }
    for e in &scene.edges {
        let (from, to) = (rank[e.source], rank[e.target]);
        for (r, d) in [(from, 1), (to, 1)] {
            ends[r] += d;
            ends[r + 1] -= d;
        }
        if to > from + 1 {
            points += (to - from - 1) as u64;
            width[from + 1] += 1;
            width[to] -= 1;
            ends[from + 1] += 2;
            ends[to] -= 2;
        }
    }
    let mut running = (0i64, 0i64);
    let per_rank: Vec<(u64, u64)> = (0..ranks)
        .map(|r| {
            running = (running.0 + width[r], running.1 + ends[r]);
            (running.0 as u64, running.1 as u64)
        })
        .collect();
    let crossings = per_rank.windows(2).fold(0u64, |sum, pair| {
        let ((w, d), (next, _)) = (pair[0], pair[1]);
        sum.saturating_add(w.saturating_sub(1).saturating_mul(d).saturating_mul(next))
    });
    crossings.saturating_add(points.saturating_mul(points).saturating_mul(3))
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

/// Our own layered layout, for graphs too big for layout-rs: about linear
/// in the nodes, edges and bends (sorting each layer aside).
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
    let lr = matches!(scene.orientation, Orientation::LeftToRight);
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
    let mut main = vec![0.0; m];
    let mut start = 0.0;
    for row in &layers {
        let thickness = row
            .iter()
            .map(|&v| if lr { size[v].x } else { size[v].y })
            .fold(0.0, f64::max);
        for &v in row {
            main[v] = start + thickness / 2.0;
        }
        start += thickness + LAYER_GAP;
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

    let mut canvas = scene.canvas();
    for (v, node) in scene.nodes.iter().enumerate() {
        let c = center(v);
        let corner = Point::new(c.x - node.size.x / 2.0, c.y - node.size.y / 2.0);
        canvas.draw_rect(corner, node.size, &node.look, Some(v.to_string()), None);
        canvas.draw_text(c, &node.label, &node.look);
    }
    for (k, e) in scene.edges.iter().enumerate() {
        let mut stops = vec![center(e.source).add(half(e.source))];
        stops.extend(inner[k].iter().map(|&v| center(v)));
        stops.push(center(e.target).sub(half(e.target)));
        let path = curve(&stops, lr);
        canvas.draw_arrow(
            &path,
            e.dashed,
            (false, true),
            &e.look,
            Some(k.to_string()),
            "",
        );
        if let Some(&label) = inner[k].iter().find(|&&v| !bend(v)) {
            canvas.draw_text(center(label), &e.label, &e.look);
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

/// A smooth path through `stops`, as [`Canvas::draw_arrow`] takes it: a
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

fn color(web: &str) -> Color {
    Color::fast(web)
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

/// layout-rs colours are `#rrggbbaa`; SVG 1.1 readers want `#rrggbb`.
fn web(c: Color) -> String {
    let mut s = c.to_web_color();
    s.truncate(7);
    s
}

/// The drawing backend: collects SVG elements in the order layout-rs draws
/// them (nodes, then edges), and edge labels to draw on top.
struct Canvas {
    /// `(id, class, title)` of each node, by node id.
    titles: Vec<(String, &'static str, String)>,
    /// The edges whose labels are not drawn yet, by label, in edge order:
    /// a label drawn is the first such edge's (edges whose labels read the
    /// same are alike). Only looked up, never iterated.
    edge_labels: HashMap<String, VecDeque<usize>>,
    body: String,
    labels: String,
    /// The id of the node whose box was just drawn, awaiting its text.
    open: Option<usize>,
    min: Point,
    max: Point,
}

impl Canvas {
    fn new<'a>(
        titles: Vec<(String, &'static str, String)>,
        labels: impl Iterator<Item = &'a str>,
    ) -> Canvas {
        let mut edge_labels: HashMap<String, VecDeque<usize>> = HashMap::new();
        for (k, label) in labels.enumerate() {
            edge_labels
                .entry(label.to_string())
                .or_default()
                .push_back(k);
        }
        Canvas {
            titles,
            edge_labels,
            body: String::new(),
            labels: String::new(),
            open: None,
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
            "<style>\ntext {{ font-family: {}, Arial, 'DejaVu Sans', sans-serif; fill: #212121; }}\n.edge-label {{ fill: {}; }}\n</style>",
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
}

impl RenderBackend for Canvas {
    fn draw_rect(
        &mut self,
        xy: Point,
        size: Point,
        look: &StyleAttr,
        properties: Option<String>,
        _clip: Option<ClipHandle>,
    ) {
        self.grow(xy);
        self.grow(Point::new(xy.x + size.x, xy.y + size.y));
        let node = properties.and_then(|p| p.parse::<usize>().ok());
        if let Some((id, class, title)) = node.and_then(|n| self.titles.get(n)) {
            let _ = write!(
                self.body,
                "<g id=\"{id}\" class=\"node {class}\">\n<title>{}</title>\n",
                escape::xml(title)
            );
            self.open = node;
        }
        let fill = look
            .fill_color
            .map(web)
            .unwrap_or_else(|| "none".to_string());
        let _ = writeln!(
            self.body,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"{}\" fill=\"{fill}\" stroke=\"{}\" stroke-width=\"{}\"/>",
            num(xy.x),
            num(xy.y),
            num(size.x),
            num(size.y),
            look.rounded,
            web(look.line_color),
            look.line_width,
        );
    }

    fn draw_line(
        &mut self,
        start: Point,
        stop: Point,
        look: &StyleAttr,
        _properties: Option<String>,
    ) {
        self.grow(start);
        self.grow(stop);
        let _ = writeln!(
            self.body,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"{}\"/>",
            num(start.x),
            num(start.y),
            num(stop.x),
            num(stop.y),
            web(look.line_color),
            look.line_width
        );
    }

    fn draw_circle(
        &mut self,
        xy: Point,
        size: Point,
        look: &StyleAttr,
        _properties: Option<String>,
    ) {
        self.grow(Point::new(xy.x - size.x / 2.0, xy.y - size.y / 2.0));
        self.grow(Point::new(xy.x + size.x / 2.0, xy.y + size.y / 2.0));
        let fill = look
            .fill_color
            .map(web)
            .unwrap_or_else(|| "none".to_string());
        let _ = writeln!(
            self.body,
            "<ellipse cx=\"{}\" cy=\"{}\" rx=\"{}\" ry=\"{}\" fill=\"{fill}\" stroke=\"{}\" stroke-width=\"{}\"/>",
            num(xy.x),
            num(xy.y),
            num(size.x / 2.0),
            num(size.y / 2.0),
            web(look.line_color),
            look.line_width
        );
    }

    fn draw_text(&mut self, xy: Point, text: &str, look: &StyleAttr) {
        if text.is_empty() {
            return;
        }
        match self.open.take() {
            // The label of the node whose box was just drawn.
            Some(_) => {
                let t = self.text(xy, text, look.font_size, "node-label");
                self.body.push_str(&t);
                self.body.push_str("</g>\n");
            }
            // An edge label: drawn after everything else, on a white
            // ground over the line it labels.
            None => {
                let size = text_size(text, look.font_size);
                let (w, h) = (size.x + 6.0, size.y + 2.0);
                let edge = self.edge_labels.get_mut(text).and_then(VecDeque::pop_front);
                if let Some(k) = edge {
                    let _ = writeln!(self.labels, "<g id=\"edge{k}-label\" class=\"edge-label\">");
                }
                let _ = writeln!(
                    self.labels,
                    "<rect class=\"edge-label-ground\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"3\" fill=\"#ffffff\" fill-opacity=\"0.9\"/>",
                    num(xy.x - w / 2.0),
                    num(xy.y - h / 2.0),
                    num(w),
                    num(h)
                );
                let t = self.text(xy, text, look.font_size, "edge-label");
                self.labels.push_str(&t);
                if edge.is_some() {
                    self.labels.push_str("</g>\n");
                }
            }
        }
    }

    fn draw_arrow(
        &mut self,
        path: &[(Point, Point)],
        dashed: bool,
        head: (bool, bool),
        look: &StyleAttr,
        properties: Option<String>,
        _text: &str,
    ) {
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
        let stroke = web(look.line_color);
        let marker = if stroke == style::BACKWARD_LINE {
            "arrow-backward"
        } else {
            "arrow"
        };
        let id = properties
            .map(|p| format!(" id=\"edge{p}\""))
            .unwrap_or_default();
        let _ = writeln!(
            self.body,
            "<path{id} class=\"edge\" d=\"{d}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"{}\"{}{}{}/>",
            look.line_width,
            if dashed {
                " stroke-dasharray=\"5,4\""
            } else {
                ""
            },
            if head.0 {
                format!(" marker-start=\"url(#{marker})\"")
            } else {
                String::new()
            },
            if head.1 {
                format!(" marker-end=\"url(#{marker})\"")
            } else {
                String::new()
            },
        );
    }

    fn create_clip(&mut self, _xy: Point, _size: Point, _rounded_px: usize) -> ClipHandle {
        // Only records with rounded corners clip; this view draws none.
        0
    }
}
