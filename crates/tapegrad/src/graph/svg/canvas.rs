//! The SVG view's drawing backend: rounded boxes sized to their labels,
//! `<title>`s, edges, and edge labels drawn last, at coordinates rounded to
//! one decimal.

use std::fmt::Write as _;

use super::{LINE_HEIGHT, Look, MARGIN, Point, SceneNode, text_size};
use crate::escape;
use crate::graph::format_number;
use crate::graph::label::style;

/// A coordinate as written: rounded to one decimal, never `-0`.
fn num(x: f64) -> String {
    format_number((x * 10.0).round() / 10.0 + 0.0)
}

/// The drawing: collects SVG elements in the order they are drawn (nodes,
/// then edges), and edge labels to draw on top.
pub(super) struct Canvas {
    body: String,
    labels: String,
    min: Point,
    max: Point,
}

impl Canvas {
    pub(super) fn new() -> Canvas {
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
    pub(super) fn finish(self) -> String {
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
    pub(super) fn edge_label(&mut self, k: usize, center: Point, text: &str, look: &Look) {
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
    pub(super) fn node(&mut self, center: Point, node: &SceneNode) {
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

    /// Edge `k` along `path` (cubic Bézier legs, see the layout's `curve`), with an
    /// arrow head at its target.
    pub(super) fn edge(&mut self, k: usize, path: &[(Point, Point)], dashed: bool, look: &Look) {
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
