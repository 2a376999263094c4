//! `descend --plot`: the descent path as an SVG picture, drawn with
//! plotters as the examples crate draws its pictures. One moved input: the
//! path on the curve of the loss; two: the path on a contour map; more: the
//! loss at each point.

use std::path::Path;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use crate::Source;
use crate::descend::Row;
use crate::error::{Error, Result};
use crate::eval::value_at;

const FONT: &str = "sans-serif";
/// Samples of a curve.
const CURVE: usize = 240;
/// Cells on each side of a contour map's grid.
const GRID: usize = 90;
/// Contour levels.
const LEVELS: usize = 14;

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type Drawn = std::result::Result<(), String>;

/// Draws the path of `rows` (the inputs `moved` move) to `path`.
pub(crate) fn descent(
    path: &Path,
    source: &Source,
    title: &str,
    label: &str,
    moved: &[usize],
    rows: &[Row],
) -> Result<()> {
    let Some(first) = rows.first() else {
        return Ok(());
    };
    let inputs = source.program.inputs();
    let at = |i: usize, x: f64| {
        let mut point = first.point.clone();
        point[i] = x;
        point
    };
    match *moved {
        [i] => svg(path, (760, 560), |area| {
            let f = |x: f64| value_at(&source.program, &source.text, &at(i, x));
            let points: Vec<(f64, f64)> = rows.iter().map(|r| (r.point[i], r.loss)).collect();
            curve(area, title, (inputs[i], label), f, &points)
        }),
        [i, j] => svg(path, (700, 660), |area| {
            let f = |x: f64, y: f64| {
                let mut point = at(i, x);
                point[j] = y;
                value_at(&source.program, &source.text, &point)
            };
            let points: Vec<(f64, f64)> = rows.iter().map(|r| (r.point[i], r.point[j])).collect();
            contour_map(area, title, (inputs[i], inputs[j]), f, &points)
        }),
        _ => svg(path, (760, 560), |area| {
            let points: Vec<(f64, f64)> = rows
                .iter()
                .enumerate()
                .map(|(n, r)| ((n + 1) as f64, r.loss))
                .collect();
            loss_per_point(area, title, label, &points)
        }),
    }
}

/// Draws into a new SVG file at `path`, turning plotters' errors into ours.
fn svg(path: &Path, size: (u32, u32), draw: impl FnOnce(&Area<'_>) -> Drawn) -> Result<()> {
    let cannot_draw =
        |message: String| Error::msg(format_args!("cannot draw `{}`: {message}", path.display()));
    let area = SVGBackend::new(path, size).into_drawing_area();
    area.fill(&WHITE).map_err(|e| cannot_draw(e.to_string()))?;
    draw(&area).map_err(cannot_draw)?;
    area.present().map_err(|e| match e {
        DrawingAreaErrorKind::BackendError(plotters_backend::DrawingErrorKind::DrawingError(
            io,
        )) => Error::msg(format_args!("cannot write `{}`: {io}", path.display())),
        other => cannot_draw(other.to_string()),
    })
}

fn msg<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
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

/// `n + 1` evenly spaced values from `lo` to `hi`.
fn grid(lo: f64, hi: f64, n: usize) -> impl Iterator<Item = f64> + Clone {
    (0..=n).map(move |k| lo + (hi - lo) * k as f64 / n as f64)
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
    draw_path(&mut chart, path)
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
    for (k, &level) in levels.iter().enumerate() {
        let shade = 40 + (k * 180 / levels.len().max(1)) as u8;
        let color = RGBColor(shade, shade, 255 - shade / 2);
        let segments = contour(&xs, &ys, &values, level);
        chart
            .draw_series(
                segments
                    .into_iter()
                    .map(|(a, b)| PathElement::new(vec![a, b], color)),
            )
            .map_err(msg)?;
    }
    draw_path(&mut chart, path)
}

/// The loss at each point, for three moved inputs or more.
fn loss_per_point(area: &Area<'_>, title: &str, label: &str, points: &[(f64, f64)]) -> Drawn {
    let (bottom, top) = padded(points.iter().map(|p| p.1), 0.5);
    let right = (points.len() as f64).max(2.0);
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
    draw_path(&mut chart, points)
}

fn draw_path(
    chart: &mut ChartContext<'_, SVGBackend<'_>, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    path: &[(f64, f64)],
) -> Drawn {
    chart
        .draw_series(LineSeries::new(path.iter().copied(), RED.stroke_width(2)))
        .map_err(msg)?;
    chart
        .draw_series(path.iter().map(|&p| Circle::new(p, 3, RED.filled())))
        .map_err(msg)?;
    Ok(())
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

/// The segments of the level set `value = level` on the grid (marching
/// squares: in each cell, join the points where the level crosses its sides).
fn contour(
    xs: &[f64],
    ys: &[f64],
    values: &[Vec<Option<f64>>],
    level: f64,
) -> Vec<((f64, f64), (f64, f64))> {
    let mut segments = Vec::new();
    for i in 0..xs.len().saturating_sub(1) {
        for j in 0..ys.len().saturating_sub(1) {
            let corners = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)];
            let Some(v) = corners
                .iter()
                .map(|&(a, b)| values[a][b].map(|v| v - level))
                .collect::<Option<Vec<f64>>>()
            else {
                continue;
            };
            let crossings: Vec<(f64, f64)> = (0..4)
                .filter_map(|k| {
                    let (p, q) = (corners[k], corners[(k + 1) % 4]);
                    let (u, w) = (v[k], v[(k + 1) % 4]);
                    ((u < 0.0) != (w < 0.0)).then(|| {
                        let t = u / (u - w);
                        let (px, py, qx, qy) = (xs[p.0], ys[p.1], xs[q.0], ys[q.1]);
                        (px + t * (qx - px), py + t * (qy - py))
                    })
                })
                .collect();
            for pair in crossings.chunks_exact(2) {
                segments.push((pair[0], pair[1]));
            }
        }
    }
    segments
}
