//! The SVG view: layout-rs places the nodes and routes the edges, and a
//! small deterministic backend of our own draws them.
//!
//! layout-rs's own SVG writer keeps its font classes in a hash map (their
//! order changes from run to run) and sizes text by a rough rule, so the
//! drawing is ours: rounded boxes sized to their labels, `<title>`s naming
//! each node, edge labels drawn last so that lines never hide
//! them (on a white ground), and coordinates rounded to one decimal.

use std::fmt::Write as _;

use layout::core::base::Orientation;
use layout::core::color::Color;
use layout::core::format::{ClipHandle, RenderBackend};
use layout::core::geometry::Point;
use layout::core::style::{LineStyleKind, StyleAttr};
use layout::std_shapes::shapes::{Arrow, Element, LineEndKind, ShapeKind};
use layout::topo::layout::VisualGraph;

use super::{Direction, Graph, format_number, style};

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

/// Renders `graph` as an SVG document.
pub(super) fn render(graph: &Graph<'_>) -> String {
    let orientation = match graph.direction_of() {
        Direction::LeftToRight => Orientation::LeftToRight,
        Direction::TopToBottom => Orientation::TopToBottom,
    };
    let mut vg = VisualGraph::new(orientation);
    let mut titles = Vec::with_capacity(graph.nodes().len());
    let handles: Vec<_> = graph
        .nodes()
        .iter()
        .map(|n| {
            let lines = graph.node_label(n);
            let label = lines.join("\n");
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
            let title = match &n.name {
                Some(name) => format!("%{} {name}", n.id),
                None => format!("%{}", n.id),
            };
            titles.push((format!("node{}", n.id), kind.class(), title));
            let element = Element::create_with_properties(
                ShapeKind::Box(label),
                look,
                orientation,
                size,
                n.id.to_string(),
            );
            vg.add_node(element)
        })
        .collect();
    for (k, (s, t, e)) in graph.edges().iter().enumerate() {
        let backward = graph.nodes()[*t].backward;
        let line = if backward {
            style::BACKWARD_LINE
        } else {
            style::LINE
        };
        let look = StyleAttr::new(color(line), 1, None, 0, EDGE_FONT);
        let arrow = Arrow::with_properties(
            LineEndKind::None,
            LineEndKind::Arrow,
            if backward {
                LineStyleKind::Dashed
            } else {
                LineStyleKind::Normal
            },
            &graph.edge_label(*s, *t, e),
            &look,
            k.to_string(),
            &None,
            &None,
        );
        vg.add_edge(arrow, handles[*s], handles[*t]);
    }
    let mut canvas = Canvas::new(titles);
    vg.do_it(false, false, false, &mut canvas);
    canvas.finish()
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

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
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
    body: String,
    labels: String,
    /// The id of the node whose box was just drawn, awaiting its text.
    open: Option<usize>,
    min: Point,
    max: Point,
}

impl Canvas {
    fn new(titles: Vec<(String, &'static str, String)>) -> Canvas {
        Canvas {
            titles,
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
                escape(line)
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
                escape(title)
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
