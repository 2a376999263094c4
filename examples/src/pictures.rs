//! The examples' pictures: computation and gradient graphs from the engine's
//! dumps, and plots drawn with plotters.

use plotters::prelude::*;

use crate::descent::Point;
use crate::loss::{LOSSES, Loss};
use crate::plot::{
    Area, LegendEntry, PlotError, draw_contours, draw_legend, draw_path, grid, legend_height, msg,
};
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
        // Fine enough for the smallest level, a circle of radius 0.1.
        let xs: Vec<f64> = grid(-3.5, 3.5, 400).collect();
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
    // The hinge loss max(0, 1 - a) equals the absolute loss |1 - a| for
    // a < 1, and is drawn after it: draw the absolute loss as a wide
    // translucent band, so it stays visible under the hinge.
    let entries: Vec<LegendEntry> = LOSSES
        .iter()
        .zip(colors)
        .map(|(loss, color)| {
            let style = if *loss == Loss::Absolute {
                color.mix(0.35).stroke_width(7)
            } else {
                color.stroke_width(2)
            };
            (format!("{loss}: {}", loss.formula()), style)
        })
        .collect();
    // The six formulas make a legend wider than any place the curves leave
    // clear in the plot: the picture is taller by the legend, which
    // `draw_legend` then puts below the plot.
    let room = legend_height(entries.len()) + 12;
    svg(&file, (SIZE.0, SIZE.1 + room), |area| {
        let mut chart = ChartBuilder::on(area)
            .caption(
                "Loss functions of the prediction a, label y = 1",
                (FONT, 20),
            )
            .margin(12)
            .margin_bottom(12 + room)
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
        // What the legend must stay clear of: every piece of every curve,
        // and the 0-1 loss's dot.
        let mut curves: Vec<Vec<(f64, f64)>> = Vec::new();
        for (loss, (_, style)) in LOSSES.iter().zip(&entries) {
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
            pieces.retain(|p| !p.is_empty());
            for piece in pieces {
                chart
                    .draw_series(LineSeries::new(piece.iter().copied(), *style))
                    .map_err(msg)?;
                curves.push(piece);
            }
            if *loss == Loss::ZeroOne {
                chart
                    .draw_series([Circle::new((1.0, 0.0), 4, style.color.filled())])
                    .map_err(msg)?;
                curves.push(vec![(1.0, 0.0), (1.0, 0.0)]);
            }
        }
        draw_legend(area, &chart, &entries, &curves)
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

/// A loss curve: each epoch's mean training loss.
pub(crate) fn loss_curve(
    out: &mut Output<'_>,
    file: &str,
    caption: &str,
    history: &[tapegrad_nn::Epoch],
) -> Result<()> {
    let Some(path) = out.picture(file) else {
        return Ok(());
    };
    let points: Vec<(f64, f64)> = history.iter().map(|e| (e.epoch as f64, e.loss)).collect();
    Ok(crate::plot::svg(&path, SIZE, |area| {
        crate::plot::draw_loss_curve(area, caption, &points)
    })?)
}

/// The two moons: the MLP's decision regions (score above or below 0),
/// its boundary, and the points by class.
pub(crate) fn moons(
    out: &mut Output<'_>,
    mlp: &tapegrad_nn::Mlp,
    data: &tapegrad_nn::Dataset,
) -> Result<()> {
    use tapegrad_nn::Model;
    let Some(file) = out.picture("moons-boundary.svg") else {
        return Ok(());
    };
    let (x0, x1, y0, y1) = (-1.6, 2.6, -1.2, 1.7);
    let n = 84;
    let xs: Vec<f64> = grid(x0, x1, n).collect();
    let ys: Vec<f64> = grid(y0, y1, n).collect();
    let score = |x: f64, y: f64| mlp.predict(&[x, y])[0];
    svg(&file, (720, 540), |area| {
        let mut chart = ChartBuilder::on(area)
            .caption(
                "Two moons: the 2-16-16-1 MLP's decision boundary",
                (FONT, 20),
            )
            .margin(12)
            .x_label_area_size(30)
            .y_label_area_size(40)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(msg)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc("x")
            .y_desc("y")
            .draw()
            .map_err(msg)?;
        // Light cells coloured by the class each grid square's centre gets,
        // a column's run of equal cells drawn as one rectangle (a small file).
        let (dx, dy) = ((x1 - x0) / n as f64, (y1 - y0) / n as f64);
        let (blue, red) = (RGBColor(205, 220, 250), RGBColor(250, 212, 205));
        let mut cells = Vec::new();
        for &x in &xs[..n] {
            let class = |j: usize| score(x + dx / 2.0, ys[j] + dy / 2.0) > 0.0;
            let mut start = 0;
            for j in 1..=n {
                if j == n || class(j) != class(start) {
                    let color = if class(start) { red } else { blue };
                    cells.push(Rectangle::new(
                        [(x, ys[start]), (x + dx, ys[j])],
                        color.filled(),
                    ));
                    start = j;
                }
            }
        }
        chart.draw_series(cells).map_err(msg)?;
        let values: Vec<Vec<Option<f64>>> = xs
            .iter()
            .map(|&x| ys.iter().map(|&y| Some(score(x, y))).collect())
            .collect();
        chart
            .draw_series(
                crate::plot::contour(&xs, &ys, &values, 0.0)
                    .into_iter()
                    .map(|(a, b)| PathElement::new(vec![a, b], BLACK.stroke_width(2))),
            )
            .map_err(msg)?;
        for (class, color, label) in [(0, BLUE, "class 0 (y = -1)"), (1, RED, "class 1 (y = +1)")] {
            chart
                .draw_series(
                    (0..data.len())
                        .filter(|&i| data.label(i) == class)
                        .map(|i| Circle::new((data.row(i)[0], data.row(i)[1]), 4, color.filled())),
                )
                .map_err(msg)?
                .label(label)
                .legend(move |(x, y)| Circle::new((x + 10, y), 4, color.filled()));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(msg)?;
        Ok(())
    })
}
