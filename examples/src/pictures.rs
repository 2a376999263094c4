//! The examples' pictures: computation and gradient graphs from the engine's
//! dumps, and plots drawn with plotters.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::descent::Point;
use crate::loss::{LOSSES, Loss};
use crate::{Error, Output, Result};

const SIZE: (u32, u32) = (720, 540);
const FONT: &str = "sans-serif";

/// Draws into a new SVG file at `path`, turning plotters' errors into ours.
fn svg(
    path: &Path,
    size: (u32, u32),
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> std::result::Result<(), String>,
) -> Result<()> {
    let area = SVGBackend::new(path, size).into_drawing_area();
    let plot_error = |message: String| Error::Plot {
        path: path.to_path_buf(),
        message,
    };
    area.fill(&WHITE).map_err(|e| plot_error(e.to_string()))?;
    draw(&area).map_err(plot_error)?;
    area.present().map_err(|e| match e {
        DrawingAreaErrorKind::BackendError(plotters_backend::DrawingErrorKind::DrawingError(
            io,
        )) => Error::Write {
            path: path.to_path_buf(),
            source: io,
        },
        other => plot_error(other.to_string()),
    })
}

/// Turns any displayable error into a message.
fn msg<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// `xs` from `lo` to `hi` in `n` steps.
fn grid(lo: f64, hi: f64, n: usize) -> impl Iterator<Item = f64> + Clone {
    (0..=n).map(move |i| lo + (hi - lo) * i as f64 / n as f64)
}

/// A curve `f` on `[lo, hi]` with a descent `path` of `(x, J)` on it.
fn curve_with_path(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    caption: &str,
    (lo, hi): (f64, f64),
    f: impl Fn(f64) -> f64,
    path: &[(f64, f64)],
) -> std::result::Result<(), String> {
    let top = grid(lo, hi, 200).map(&f).fold(f64::MIN, f64::max);
    let bottom = grid(lo, hi, 200).map(&f).fold(f64::MAX, f64::min);
    let pad = (top - bottom) * 0.05;
    let mut chart = ChartBuilder::on(area)
        .caption(caption, (FONT, 20))
        .margin(12)
        .x_label_area_size(30)
        .y_label_area_size(44)
        .build_cartesian_2d(lo..hi, (bottom - pad)..(top + pad))
        .map_err(msg)?;
    chart
        .configure_mesh()
        .x_desc("x")
        .y_desc("J")
        .draw()
        .map_err(msg)?;
    chart
        .draw_series(LineSeries::new(grid(lo, hi, 200).map(|x| (x, f(x))), &BLUE))
        .map_err(msg)?;
    chart
        .draw_series(LineSeries::new(path.iter().copied(), RED.stroke_width(2)))
        .map_err(msg)?;
    chart
        .draw_series(path.iter().map(|&p| Circle::new(p, 4, RED.filled())))
        .map_err(msg)?;
    Ok(())
}

/// Example 4: the descent path on `J = x²`.
pub(crate) fn descent_1d(out: &mut Output<'_>, path: &[(f64, f64)]) -> Result<()> {
    let Some(file) = out.picture("descent-1d.svg") else {
        return Ok(());
    };
    svg(&file, SIZE, |area| {
        curve_with_path(
            area,
            "Gradient descent on J(x) = x², x0 = 1.2, η = 0.3",
            (-1.2, 1.2),
            |x| x * x,
            path,
        )
    })
}

/// Example 5: the descent path on the contour map of `J = x² + sin²y`.
pub(crate) fn descent_2d(out: &mut Output<'_>, points: &[Point]) -> Result<()> {
    let Some(file) = out.picture("descent-2d.svg") else {
        return Ok(());
    };
    let j = |x: f64, y: f64| x * x + y.sin().powi(2);
    svg(&file, (640, 640), |area| {
        let mut chart = ChartBuilder::on(area)
            .caption("J(x, y) = x² + sin²y from (3, 1), η = 0.1", (FONT, 20))
            .margin(12)
            .x_label_area_size(30)
            .y_label_area_size(40)
            .build_cartesian_2d(-3.5f64..3.5, -3.5f64..3.5)
            .map_err(msg)?;
        chart
            .configure_mesh()
            .x_desc("x")
            .y_desc("y")
            .disable_mesh()
            .draw()
            .map_err(msg)?;
        let levels = [
            0.01, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 4.5, 6.0, 8.0, 10.0, 12.0,
        ];
        for (k, &level) in levels.iter().enumerate() {
            let shade = 40 + (k * 180 / levels.len()) as u8;
            let color = RGBColor(shade, shade, 255 - shade / 2);
            let segments = contour(&j, (-3.5, 3.5), (-3.5, 3.5), 100, level);
            chart
                .draw_series(
                    segments
                        .into_iter()
                        .map(|s| PathElement::new(vec![s.0, s.1], color)),
                )
                .map_err(msg)?;
        }
        let path: Vec<(f64, f64)> = points.iter().map(|p| (p.x, p.y)).collect();
        chart
            .draw_series(LineSeries::new(path.iter().copied(), RED.stroke_width(2)))
            .map_err(msg)?;
        chart
            .draw_series(path.iter().map(|&p| Circle::new(p, 3, RED.filled())))
            .map_err(msg)?;
        Ok(())
    })
}

/// Example 6: one panel per learning rate.
pub(crate) fn learning_rates(out: &mut Output<'_>, paths: &[(f64, Vec<(f64, f64)>)]) -> Result<()> {
    let Some(file) = out.picture("learning-rates.svg") else {
        return Ok(());
    };
    svg(&file, (1000, 760), |area| {
        let panels = area.split_evenly((2, 2));
        for (panel, (eta, path)) in panels.iter().zip(paths) {
            let caption = format!(
                "η = {eta}: {}",
                crate::learning_rate::classify(path).summary()
            );
            curve_with_path(
                panel,
                &caption,
                (-1.0, 3.0),
                |x| (x - 1.0).powi(2) + 0.1,
                path,
            )?;
        }
        Ok(())
    })
}

/// Example 7: the six losses against the prediction `a`, label `y = 1`.
pub(crate) fn losses(out: &mut Output<'_>) -> Result<()> {
    let Some(file) = out.picture("losses.svg") else {
        return Ok(());
    };
    let colors = [BLACK, BLUE, RED, GREEN, MAGENTA, CYAN];
    svg(&file, SIZE, |area| {
        let mut chart = ChartBuilder::on(area)
            .caption(
                "Loss functions of the prediction a, label y = 1",
                (FONT, 20),
            )
            .margin(12)
            .x_label_area_size(30)
            .y_label_area_size(40)
            .build_cartesian_2d(-2.0f64..2.0, 0.0f64..4.0)
            .map_err(msg)?;
        chart
            .configure_mesh()
            .x_desc("a")
            .y_desc("loss")
            .draw()
            .map_err(msg)?;
        for (loss, color) in LOSSES.iter().zip(colors) {
            let range = if *loss == Loss::Log {
                (0.005, 0.995)
            } else {
                (-2.0, 2.0)
            };
            // The 0-1 loss jumps at a = y: draw its two flat sides apart,
            // and its value 0 at a = y as a dot.
            let mut pieces: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
            for a in grid(range.0, range.1, 400) {
                match loss.evaluate(a, 1.0) {
                    // Leave out what rises above the frame rather than flatten it.
                    Ok(e) if e.value <= 4.0 => pieces.last_mut().unwrap().push((a, e.value)),
                    _ => pieces.push(Vec::new()),
                }
            }
            let style = color.stroke_width(2);
            pieces.retain(|p| !p.is_empty());
            for (k, piece) in pieces.into_iter().enumerate() {
                let series = chart
                    .draw_series(LineSeries::new(piece, style))
                    .map_err(msg)?;
                if k == 0 {
                    series
                        .label(format!("{loss}: {}", loss.formula()))
                        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
                }
            }
            if *loss == Loss::ZeroOne {
                chart
                    .draw_series([Circle::new((1.0, 0.0), 4, color.filled())])
                    .map_err(msg)?;
            }
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(msg)?;
        Ok(())
    })
}

/// The segments of the level set `f = level` on a grid of `n × n` cells
/// (marching squares, one segment per crossed cell side pair).
fn contour(
    f: &impl Fn(f64, f64) -> f64,
    (x0, x1): (f64, f64),
    (y0, y1): (f64, f64),
    n: usize,
    level: f64,
) -> Vec<((f64, f64), (f64, f64))> {
    let (dx, dy) = ((x1 - x0) / n as f64, (y1 - y0) / n as f64);
    let mut segments = Vec::new();
    for i in 0..n {
        for j in 0..n {
            let (xa, ya) = (x0 + i as f64 * dx, y0 + j as f64 * dy);
            let corners = [(xa, ya), (xa + dx, ya), (xa + dx, ya + dy), (xa, ya + dy)];
            let values = corners.map(|(x, y)| f(x, y) - level);
            // Where the level crosses each side, by linear interpolation.
            let crossings: Vec<(f64, f64)> = (0..4)
                .filter_map(|k| {
                    let (p, q) = (corners[k], corners[(k + 1) % 4]);
                    let (u, v) = (values[k], values[(k + 1) % 4]);
                    ((u < 0.0) != (v < 0.0)).then(|| {
                        let t = u / (u - v);
                        (p.0 + t * (q.0 - p.0), p.1 + t * (q.1 - p.1))
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

/// The computation and gradient graphs of `example`, as SVG pictures.
pub(crate) fn graphs(out: &mut Output<'_>, example: &str) -> Result<()> {
    crate::graphs::each(example, |name, graph| {
        match out.picture(&format!("{name}.svg")) {
            Some(path) => graph.write_svg(&path).map_err(Error::from),
            None => Ok(()),
        }
    })
}
