//! The layered layout of the SVG view, in named steps: items (nodes,
//! labels, bends) in layers, ordered across each layer, placed, then
//! drawn.

use std::collections::BTreeMap;

use super::canvas::Canvas;
use super::{EDGE_FONT, Point, Scene, text_size};

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
pub(super) fn layered(scene: &Scene) -> String {
    let mut items = Items::of(scene);
    items.assign_layers(scene);
    items.add_bends(scene);
    let (preds, succs) = adjacency(items.size.len(), &items.links(scene));
    let layers = items.order_layers(&preds, &succs);
    let cross = items.place_across(scene.lr, &layers, &preds, &succs);
    let main = items.place_along(scene, &layers);
    items.draw(scene, &cross, &main)
}

/// The items of a layered layout and each edge's route through them.
struct Items {
    /// The size of each item: the nodes, one label per labelled edge,
    /// then bends (of size zero).
    size: Vec<Point>,
    /// The items each edge runs through from its source to its target, by
    /// edge.
    inner: Vec<Vec<usize>>,
    /// The layer of each item.
    layer: Vec<usize>,
    /// The first bend: items from here on are bends.
    first_bend: usize,
}

impl Items {
    /// The nodes, and a label box on each labelled edge.
    fn of(scene: &Scene) -> Items {
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
        let first_bend = size.len();
        Items {
            size,
            inner,
            layer: Vec::new(),
            first_bend,
        }
    }

    /// The stops of edge `k`: its source, the items it runs through, its
    /// target.
    fn route(&self, scene: &Scene, k: usize) -> Vec<usize> {
        let e = &scene.edges[k];
        let mut stops = Vec::with_capacity(self.inner[k].len() + 2);
        stops.push(e.source);
        stops.extend(&self.inner[k]);
        stops.push(e.target);
        stops
    }

    /// Every link between consecutive stops of every edge.
    fn links(&self, scene: &Scene) -> Vec<(usize, usize)> {
        (0..scene.edges.len())
            .flat_map(|k| {
                let stops = self.route(scene, k);
                stops.windows(2).map(|w| (w[0], w[1])).collect::<Vec<_>>()
            })
            .collect()
    }

    fn is_bend(&self, v: usize) -> bool {
        v >= self.first_bend
    }

    /// Layers: longest path, then sink what has no more inputs than users.
    fn assign_layers(&mut self, scene: &Scene) {
        let segments = self.links(scene);
        let (preds, succs) = adjacency(self.size.len(), &segments);
        let order = topological_order(self.size.len(), segments.into_iter());
        let mut layer = vec![0usize; self.size.len()];
        for &v in &order {
            for &w in &succs[v] {
                layer[w] = layer[w].max(layer[v] + 1);
            }
        }
        for &v in order.iter().rev() {
            if let Some(first) = succs[v].iter().map(|&w| layer[w]).min()
                && preds[v].len() <= succs[v].len()
                && first > layer[v] + 1
            {
                layer[v] = first - 1;
            }
        }
        self.layer = layer;
    }

    /// Bends for the links that skip layers, shortest first, while
    /// [`BEND_BUDGET`] lasts.
    fn add_bends(&mut self, scene: &Scene) {
        let mut long: Vec<(usize, usize, usize)> = Vec::new(); // (skipped, edge, position)
        for k in 0..scene.edges.len() {
            for (i, w) in self.route(scene, k).windows(2).enumerate() {
                let skipped = self.layer[w[1]].saturating_sub(self.layer[w[0]] + 1);
                if skipped > 0 {
                    long.push((skipped, k, i));
                }
            }
        }
        long.sort_unstable();
        let mut budget = BEND_BUDGET;
        let mut bends: Vec<Vec<(usize, Vec<usize>)>> = vec![Vec::new(); scene.edges.len()];
        for (skipped, k, i) in long {
            if skipped > budget {
                break;
            }
            budget -= skipped;
            let from = self.layer[self.route(scene, k)[i]];
            let items: Vec<usize> = (1..=skipped)
                .map(|d| {
                    self.layer.push(from + d);
                    self.size.push(Point::zero());
                    self.size.len() - 1
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
                self.inner[k].splice(i..i, items);
            }
        }
    }

    /// The items of each layer, ordered by the mean position (a fraction
    /// of its layer's width) of their neighbours in the layers before, then
    /// after.
    fn order_layers(&self, preds: &[Vec<usize>], succs: &[Vec<usize>]) -> Vec<Vec<usize>> {
        let m = self.size.len();
        let mut layers: Vec<Vec<usize>> =
            vec![Vec::new(); self.layer.iter().max().map_or(0, |l| l + 1)];
        for v in 0..m {
            layers[self.layer[v]].push(v);
        }
        let mut fraction = vec![0.0; m];
        let renumber = |row: &[usize], fraction: &mut [f64]| {
            for (i, &v) in row.iter().enumerate() {
                fraction[v] = (i as f64 + 0.5) / row.len() as f64;
            }
        };
        layers.iter().for_each(|row| renumber(row, &mut fraction));
        for sweep in 0..ORDER_SWEEPS {
            let (by, rows) = sweep_rows(sweep % 2 == 0, layers.len(), preds, succs);
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
        layers
    }

    /// Positions across the flow: each layer packed around 0, then the
    /// layers moved, down, up and down, towards the mean of their
    /// neighbours.
    fn place_across(
        &self,
        lr: bool,
        layers: &[Vec<usize>],
        preds: &[Vec<usize>],
        succs: &[Vec<usize>],
    ) -> Vec<f64> {
        let m = self.size.len();
        let across: Vec<f64> = self
            .size
            .iter()
            .map(|s| if lr { s.y } else { s.x })
            .collect();
        let gap: Vec<f64> = (0..m)
            .map(|v| if self.is_bend(v) { BEND_GAP } else { NODE_GAP })
            .collect();
        let mut cross = vec![0.0; m];
        for row in layers {
            place(row, &vec![0.0; row.len()], &across, &gap, &mut cross);
        }
        for pass in 0..3 {
            let (by, rows) = sweep_rows(pass != 1, layers.len(), preds, succs);
            for l in rows {
                let desired: Vec<f64> = layers[l]
                    .iter()
                    .map(|&v| mean(&by[v], &cross, cross[v]))
                    .collect();
                place(&layers[l], &desired, &across, &gap, &mut cross);
            }
        }
        cross
    }

    /// Positions along the flow: each layer as thick as its thickest item,
    /// the items centred in it; a layer with a label keeps the narrower gap
    /// to both neighbours.
    fn place_along(&self, scene: &Scene, layers: &[Vec<usize>]) -> Vec<f64> {
        let lr = scene.lr;
        let label = |v: usize| v >= scene.nodes.len() && !self.is_bend(v);
        let labelled: Vec<bool> = layers
            .iter()
            .map(|row| row.iter().any(|&v| label(v)))
            .collect();
        let mut main = vec![0.0; self.size.len()];
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
                .map(|&v| if lr { self.size[v].x } else { self.size[v].y })
                .fold(0.0, f64::max);
            for &v in row {
                main[v] = start + thickness / 2.0;
            }
            start += thickness;
        }
        main
    }

    /// Draws the nodes, then the edges as smooth curves through their
    /// label and bends, leaving and entering every stop along the flow.
    fn draw(&self, scene: &Scene, cross: &[f64], main: &[f64]) -> String {
        let lr = scene.lr;
        let size = &self.size;
        let inner = &self.inner;
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
            if let Some(&label) = inner[k].iter().find(|&&v| !self.is_bend(v)) {
                canvas.edge_label(k, center(label), &e.label, &e.look);
            }
        }
        canvas.finish()
    }
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
