//! The plotting helpers the examples' pictures and the `tapegrad` command's
//! `descend --plot` share, on plotters: an SVG file to draw into, evenly
//! spaced samples, a descent path, and contour lines of sampled values.
//!
//! Drawing code returns `Result<(), String>` (plotters' errors turned into
//! their messages with [`msg`]); [`svg`] tells a file that cannot be written
//! from a drawing that failed, as a [`PlotError`] each caller maps to its own
//! error type.
//!
//! ```
//! use tapegrad_examples::plot::{contour, grid};
//!
//! // On a 4 × 4 grid over [-2, 2]², the level 2.5 of x² + y² goes round
//! // the 2 × 2 middle cells: one segment in each of the 12 cells about them.
//! let xs: Vec<f64> = grid(-2.0, 2.0, 4).collect();
//! let values: Vec<Vec<Option<f64>>> = xs
//!     .iter()
//!     .map(|&x| xs.iter().map(|&y| Some(x * x + y * y)).collect())
//!     .collect();
//! assert_eq!(contour(&xs, &xs, &values, 2.5).len(), 12);
//! ```

use std::io;
use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

/// The whole picture of an SVG file being drawn.
pub type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// A chart with `f64` axes on an SVG picture.
pub type Chart<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// What a drawing returns: its failure as plotters' message.
pub type Drawn = Result<(), String>;

/// A segment of a contour line, from one point to another.
pub type Segment = ((f64, f64), (f64, f64));

/// Why a picture was not made.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The file could not be written.
    #[error("cannot write `{}`: {source}", path.display())]
    Write {
        /// The picture's path.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// Plotters could not draw the picture.
    #[error("cannot draw `{}`: {message}", path.display())]
    Draw {
        /// The picture's path.
        path: PathBuf,
        /// What plotters said.
        message: String,
    },
}

/// Draws into a new SVG file of `size` pixels at `path`, on a white
/// background.
///
/// # Errors
/// [`PlotError::Write`] if the file cannot be written, [`PlotError::Draw`]
/// if `draw` or plotters fails.
pub fn svg(
    path: &Path,
    size: (u32, u32),
    draw: impl FnOnce(&Area<'_>) -> Drawn,
) -> Result<(), PlotError> {
    let cannot_draw = |message: String| PlotError::Draw {
        path: path.to_path_buf(),
        message,
    };
    let area = SVGBackend::new(path, size).into_drawing_area();
    area.fill(&WHITE).map_err(|e| cannot_draw(e.to_string()))?;
    draw(&area).map_err(cannot_draw)?;
    area.present().map_err(|e| match e {
        DrawingAreaErrorKind::BackendError(plotters_backend::DrawingErrorKind::DrawingError(
            source,
        )) => PlotError::Write {
            path: path.to_path_buf(),
            source,
        },
        other => cannot_draw(other.to_string()),
    })
}

/// Turns any displayable error into a message, for `map_err`.
pub fn msg<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// `n + 1` evenly spaced values from `lo` to `hi`.
pub fn grid(lo: f64, hi: f64, n: usize) -> impl Iterator<Item = f64> + Clone {
    (0..=n).map(move |k| lo + (hi - lo) * k as f64 / n as f64)
}

/// A descent `path` in red: its line, and a dot of `radius` pixels at each
/// point.
///
/// # Errors
/// Plotters' message.
pub fn draw_path(chart: &mut Chart<'_, '_>, path: &[(f64, f64)], radius: u32) -> Drawn {
    chart
        .draw_series(LineSeries::new(path.iter().copied(), RED.stroke_width(2)))
        .map_err(msg)?;
    chart
        .draw_series(path.iter().map(|&p| Circle::new(p, radius, RED.filled())))
        .map_err(msg)?;
    Ok(())
}

/// The contour lines of `values` at each of `levels`, shaded from dark
/// (the first level) to light blue.
///
/// # Errors
/// Plotters' message.
pub fn draw_contours(
    chart: &mut Chart<'_, '_>,
    (xs, ys): (&[f64], &[f64]),
    values: &[Vec<Option<f64>>],
    levels: &[f64],
) -> Drawn {
    for (k, &level) in levels.iter().enumerate() {
        let shade = 40 + (k * 180 / levels.len()) as u8;
        let color = RGBColor(shade, shade, 255 - shade / 2);
        chart
            .draw_series(
                contour(xs, ys, values, level)
                    .into_iter()
                    .map(|(a, b)| PathElement::new(vec![a, b], color)),
            )
            .map_err(msg)?;
    }
    Ok(())
}

/// The segments of the level set `value = level` on a grid (marching
/// squares: in each cell, join the points where the level crosses its
/// sides, by linear interpolation).
///
/// `values[i][j]` is the value at `(xs[i], ys[j])`, `None` where it is
/// undefined; a cell with an undefined corner has no segment.
pub fn contour(xs: &[f64], ys: &[f64], values: &[Vec<Option<f64>>], level: f64) -> Vec<Segment> {
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

/// A training loss curve: `(epoch, loss)` points joined in blue, on a
/// chart of its own with `caption`; the `tapegrad train --plot` picture
/// and the examples' loss curves.
///
/// # Errors
/// Plotters' message.
pub fn draw_loss_curve(area: &Area<'_>, caption: &str, points: &[(f64, f64)]) -> Drawn {
    let last = points.last().map_or(1.0, |p| p.0).max(2.0);
    let top = points.iter().map(|p| p.1).fold(0.0, f64::max);
    let top = if top > 0.0 && top.is_finite() {
        top * 1.05
    } else {
        1.0
    };
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(30)
        .y_label_area_size(50)
        .build_cartesian_2d(1.0..last, 0.0..top)
        .map_err(msg)?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .y_desc("loss")
        .draw()
        .map_err(msg)?;
    chart
        .draw_series(LineSeries::new(
            points.iter().copied(),
            BLUE.stroke_width(2),
        ))
        .map_err(msg)?;
    Ok(())
}
