//! `descend --plot`: the descent path as an SVG picture, drawn with
//! plotters as the examples crate draws its pictures. One moved input: the
//! path on the curve of the loss; two: the path on a contour map; more: the
//! loss at each point.
//!
//! A run can take a billion steps, so the path is not kept whole: [`Path`]
//! keeps the first [`HEAD`] points, where the descent moves most, and
//! thins the rest evenly to at most [`TAIL`] points, the last one always
//! among them: at most [`PLOTTED`] points whatever the length of the run.

use std::path::Path;

use plotters::prelude::*;
use tapegrad_examples::plot::{self, Area, Drawn, draw_contours, draw_path, grid, msg};

use crate::Source;
use crate::error::{Error, Result};
use crate::eval::value_at;

const FONT: &str = "sans-serif";
/// Samples of a curve.
const CURVE: usize = 240;
/// Cells on each side of a contour map's grid.
const GRID: usize = 90;
/// Contour levels.
const LEVELS: usize = 14;

/// The points of the path kept whole, from the start.
pub(crate) const HEAD: usize = 1024;

/// The most points [`Thinned`] keeps of the rest of the path.
pub(crate) const TAIL: usize = 1024;

/// The most points a picture of a descent draws.
pub(crate) const PLOTTED: usize = HEAD + TAIL;

/// Every `stride`th of the items pushed, from the first, and the last one:
/// at most `cap` items in all however many are pushed. When the kept items
/// fill it, every other one goes and the stride doubles, so the kept items
/// stay evenly spaced.
#[derive(Debug, Clone)]
pub(crate) struct Thinned<T> {
    cap: usize,
    /// The items pushed at `0, stride, 2·stride, …`; fewer than `cap`.
    kept: Vec<T>,
    stride: usize,
    pushed: usize,
    /// The last item pushed, if it is not in `kept`.
    last: Option<T>,
}

impl<T: Copy> Thinned<T> {
    /// An empty path that will keep at most `cap` (at least 2) items.
    pub(crate) fn new(cap: usize) -> Self {
        let cap = cap.max(2);
        Thinned {
            cap,
            kept: Vec::with_capacity(cap),
            stride: 1,
            pushed: 0,
            last: None,
        }
    }

    pub(crate) fn push(&mut self, item: T) {
        let index = self.pushed;
        self.pushed += 1;
        if !index.is_multiple_of(self.stride) {
            self.last = Some(item);
            return;
        }
        if self.kept.len() + 1 == self.cap {
            // Keep room for the last item: drop every other kept one.
            let mut position = 0;
            self.kept.retain(|_| {
                position += 1;
                position % 2 == 1
            });
            self.stride *= 2;
            if !index.is_multiple_of(self.stride) {
                self.last = Some(item);
                return;
            }
        }
        self.kept.push(item);
        self.last = None;
    }

    /// The kept items in order: the first pushed, evenly spaced ones, and
    /// the last pushed.
    pub(crate) fn items(&self) -> impl Iterator<Item = T> + '_ {
        self.kept.iter().copied().chain(self.last)
    }

    /// How many items it holds: at most its `cap`.
    pub(crate) fn len(&self) -> usize {
        self.kept.len() + usize::from(self.last.is_some())
    }
}

/// The points of a descent path to draw: the first [`HEAD`] whole, the rest
/// [`Thinned`] to [`TAIL`].
#[derive(Debug, Clone)]
pub(crate) struct DescentPath {
    head: Vec<(f64, f64)>,
    tail: Thinned<(f64, f64)>,
}

impl DescentPath {
    pub(crate) fn new() -> Self {
        DescentPath {
            head: Vec::new(),
            tail: Thinned::new(TAIL),
        }
    }

    /// Adds point `n` (from 1) of a run that moves `moved`, at `point` with
    /// loss `loss`, as the picture draws it: `(x, J)` for one moved input,
    /// `(x, y)` for two, `(n, J)` for more.
    pub(crate) fn push(&mut self, moved: &[usize], n: usize, point: &[f64], loss: f64) {
        let xy = match *moved {
            [i] => (point[i], loss),
            [i, j] => (point[i], point[j]),
            _ => (n as f64, loss),
        };
        if self.head.len() < HEAD {
            self.head.push(xy);
        } else {
            self.tail.push(xy);
        }
        debug_assert!(self.len() <= PLOTTED);
    }

    fn points(&self) -> Vec<(f64, f64)> {
        self.head.iter().copied().chain(self.tail.items()).collect()
    }

    /// How many points it holds: at most [`PLOTTED`].
    pub(crate) fn len(&self) -> usize {
        self.head.len() + self.tail.len()
    }
}

/// Draws `path`, a run that moves the inputs `moved` from `start`, to `file`.
pub(crate) fn descent(
    file: &Path,
    source: &Source,
    title: &str,
    label: &str,
    (moved, start): (&[usize], &[f64]),
    path: &DescentPath,
) -> Result<()> {
    let points = path.points();
    if points.is_empty() {
        return Ok(());
    }
    let inputs = source.program.inputs();
    let at = |i: usize, x: f64| {
        let mut point = start.to_vec();
        point[i] = x;
        point
    };
    match *moved {
        [i] => svg(file, (760, 560), |area| {
            let f = |x: f64| value_at(&source.program, &source.text, &at(i, x));
            curve(area, title, (inputs[i], label), f, &points)
        }),
        [i, j] => svg(file, (700, 660), |area| {
            let f = |x: f64, y: f64| {
                let mut point = at(i, x);
                point[j] = y;
                value_at(&source.program, &source.text, &point)
            };
            contour_map(area, title, (inputs[i], inputs[j]), f, &points)
        }),
        _ => svg(file, (760, 560), |area| {
            loss_per_point(area, title, label, &points)
        }),
    }
}

/// Draws into a new SVG file at `path`, with the command's errors.
fn svg(path: &Path, size: (u32, u32), draw: impl FnOnce(&Area<'_>) -> Drawn) -> Result<()> {
    plot::svg(path, size, draw).map_err(Error::msg)
}

/// The range `lo..hi` of `values` widened by a quarter on each side (and to
/// at least `min_width`), so a path does not touch the frame.
fn padded(values: impl Iterator<Item = f64>, min_width: f64) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if lo > hi {
        return (-1.0, 1.0);
    }
    let pad = ((hi - lo) * 0.25).max(min_width / 2.0);
    (lo - pad, hi + pad)
}

/// The loss curve along the one moved input, with the path on it.
fn curve(
    area: &Area<'_>,
    title: &str,
    (x_name, y_name): (&str, &str),
    f: impl Fn(f64) -> Option<f64>,
    path: &[(f64, f64)],
) -> Drawn {
    let (lo, hi) = padded(path.iter().map(|p| p.0), 1.0);
    let samples: Vec<(f64, Option<f64>)> = grid(lo, hi, CURVE).map(|x| (x, f(x))).collect();
    let ys = samples
        .iter()
        .filter_map(|s| s.1)
        .chain(path.iter().map(|p| p.1));
    let (bottom, top) = {
        let (lo, hi) = padded(ys, 0.5);
        // A quarter of padding is generous on the value axis; keep a tenth.
        let width = hi - lo;
        (lo + width * 0.1, hi - width * 0.1)
    };
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT, 18))
        .margin(12)
        .x_label_area_size(34)
        .y_label_area_size(56)
        .build_cartesian_2d(lo..hi, bottom..top)
        .map_err(msg)?;
    chart
        .configure_mesh()
        .x_desc(x_name)
        .y_desc(y_name)
        .draw()
        .map_err(msg)?;
    // One line per stretch where the function is defined.
    for piece in samples.split(|s| s.1.is_none()) {
        let line: Vec<(f64, f64)> = piece
            .iter()
            .filter_map(|&(x, y)| y.map(|y| (x, y.clamp(bottom, top))))
            .collect();
        chart
            .draw_series(LineSeries::new(line, &BLUE))
            .map_err(msg)?;
    }
    draw_path(&mut chart, path, 3)
}

/// The contour map of the loss over the two moved inputs, with the path.
fn contour_map(
    area: &Area<'_>,
    title: &str,
    (x_name, y_name): (&str, &str),
    f: impl Fn(f64, f64) -> Option<f64>,
    path: &[(f64, f64)],
) -> Drawn {
    let (x0, x1) = padded(path.iter().map(|p| p.0), 1.0);
    let (y0, y1) = padded(path.iter().map(|p| p.1), 1.0);
    let xs: Vec<f64> = grid(x0, x1, GRID).collect();
    let ys: Vec<f64> = grid(y0, y1, GRID).collect();
    let values: Vec<Vec<Option<f64>>> = xs
        .iter()
        .map(|&x| ys.iter().map(|&y| f(x, y)).collect())
        .collect();
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT, 18))
        .margin(12)
        .x_label_area_size(34)
        .y_label_area_size(48)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(msg)?;
    chart
        .configure_mesh()
        .x_desc(x_name)
        .y_desc(y_name)
        .disable_mesh()
        .draw()
        .map_err(msg)?;
    let levels = levels(values.iter().flatten().filter_map(|v| *v).collect());
    draw_contours(&mut chart, (&xs, &ys), &values, &levels)?;
    draw_path(&mut chart, path, 3)
}

/// The loss at each point, for three moved inputs or more.
fn loss_per_point(area: &Area<'_>, title: &str, label: &str, points: &[(f64, f64)]) -> Drawn {
    let (bottom, top) = padded(points.iter().map(|p| p.1), 0.5);
    // The x of the last point is its number, however many were thinned out.
    let right = points.last().map_or(1.0, |p| p.0).max(2.0);
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT, 18))
        .margin(12)
        .x_label_area_size(34)
        .y_label_area_size(56)
        .build_cartesian_2d(1.0..right, bottom..top)
        .map_err(msg)?;
    chart
        .configure_mesh()
        .x_desc("point")
        .y_desc(label)
        .draw()
        .map_err(msg)?;
    draw_path(&mut chart, points, 3)
}

/// Contour levels at evenly spaced quantiles of the sampled values, so any
/// function gets lines where it has values.
fn levels(mut values: Vec<f64>) -> Vec<f64> {
    values.sort_by(f64::total_cmp);
    let mut levels: Vec<f64> = (1..=LEVELS)
        .filter_map(|k| {
            let q = k as f64 / (LEVELS + 1) as f64;
            values
                .get(((values.len() as f64 - 1.0) * q).round() as usize)
                .copied()
        })
        .collect();
    levels.dedup();
    levels
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thinned_never_holds_more_than_its_cap() {
        // After any number of pushes, at most `cap` items, the first and the
        // last pushed among them, the others evenly spaced and in order.
        for cap in [2, 3, 8, 1024] {
            let mut thinned = Thinned::new(cap);
            for n in 0..20_000_usize {
                thinned.push(n);
                assert!(
                    thinned.len() <= cap,
                    "cap {cap}: {} after {n}",
                    thinned.len()
                );
                let items: Vec<usize> = thinned.items().collect();
                assert_eq!(items.len(), thinned.len());
                assert_eq!(items.first(), Some(&0));
                assert_eq!(items.last(), Some(&n));
                if items.len() > 2 {
                    let step = items[1] - items[0];
                    let kept = &items[..items.len() - 1];
                    assert!(kept.windows(2).all(|w| w[1] - w[0] == step), "{items:?}");
                    assert!(n - kept[kept.len() - 1] <= step);
                }
            }
            // And it stays well filled: more than a quarter of its cap.
            assert!(4 * thinned.len() > cap, "cap {cap}: {}", thinned.len());
        }
    }

    #[test]
    fn a_descent_path_keeps_its_head_and_a_thinned_tail() {
        // A million points: the first HEAD whole, at most PLOTTED in all,
        // ending with the last (point n is drawn at (n, J) for 3 inputs).
        let moved = [0, 1, 2];
        let mut path = DescentPath::new();
        for n in 1..=1_000_000 {
            path.push(&moved, n, &[0.0; 3], 1.0 / n as f64);
        }
        assert!(path.len() <= PLOTTED, "{}", path.len());
        let points = path.points();
        let xs: Vec<f64> = points.iter().map(|p| p.0).collect();
        let head: Vec<f64> = (1..=HEAD).map(|n| n as f64).collect();
        assert_eq!(xs[..HEAD], head[..]);
        assert_eq!(xs.last(), Some(&1e6));
        assert!(xs.windows(2).all(|w| w[0] < w[1]));
    }
}
