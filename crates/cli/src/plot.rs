//! `descend --plot`: the descent path as an SVG picture, drawn with
//! plotters as the examples crate draws its pictures. One moved input: the
//! path on the curve of the loss; two: the path on a contour map; more: the
//! loss at each point.

use std::path::Path;

use plotters::prelude::*;
use tapegrad_examples::plot::{self, Area, Drawn, draw_contours, draw_path, grid, msg};

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
