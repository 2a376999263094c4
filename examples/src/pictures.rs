//! The examples' pictures: computation and gradient graphs from the engine's
//! dumps, and plots drawn with plotters.

use plotters::prelude::*;

use crate::descent::Point;
use crate::loss::{LOSSES, Loss};
use crate::plot::{Area, PlotError, draw_contours, draw_path, grid, msg};
use crate::{Error, Output, Result};

const SIZE: (u32, u32) = (720, 540);
const FONT: &str = "sans-serif";

impl From<PlotError> for Error {
    /// [`Error::Write`] for a file that cannot be written, [`Error::Plot`]
    /// for a drawing that failed.
    fn from(e: PlotError) -> Error {
        match e {
            PlotError::Write { path, source } => Error::Write { path, source },
            PlotError::Draw { path, message } => Error::Plot { path, message },
        }
    }
}

/// Draws into a new SVG file at `path`, with this crate's errors.
fn svg(
    path: &std::path::Path,
    size: (u32, u32),
    draw: impl FnOnce(&Area<'_>) -> std::result::Result<(), String>,
) -> Result<()> {
    Ok(crate::plot::svg(path, size, draw)?)
}

/// A curve `f` on `[lo, hi]` with a descent `path` of `(x, J)` on it.
fn curve_with_path(
    area: &Area<'_>,
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
    draw_path(&mut chart, path, 4)
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
        let xs: Vec<f64> = grid(-3.5, 3.5, 100).collect();
        let values: Vec<Vec<Option<f64>>> = xs
            .iter()
            .map(|&x| xs.iter().map(|&y| Some(j(x, y))).collect())
            .collect();
        draw_contours(&mut chart, (&xs, &xs), &values, &levels)?;
        let path: Vec<(f64, f64)> = points.iter().map(|p| (p.x, p.y)).collect();
        draw_path(&mut chart, &path, 3)
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
            // The hinge loss max(0, 1 - a) equals the absolute loss |1 - a|
            // for a < 1, and is drawn after it: draw the absolute loss as a
            // wide translucent band, so it stays visible under the hinge.
            let style = if *loss == Loss::Absolute {
                color.mix(0.35).stroke_width(7)
            } else {
                color.stroke_width(2)
            };
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

/// The computation and gradient graphs of `example`, as SVG pictures, each
/// with a web page beside it that steps through its backward sweep.
pub(crate) fn graphs(out: &mut Output<'_>, example: &str) -> Result<()> {
    crate::graphs::each(example, |name, graph| {
        if let Some(path) = out.picture(&format!("{name}.svg")) {
            graph.write_svg(&path)?;
        }
        match out.picture(&format!("{name}.html")) {
            Some(path) => graph.write_html(&path).map_err(Error::from),
            None => Ok(()),
        }
    })
}
