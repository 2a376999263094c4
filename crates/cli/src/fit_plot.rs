//! `fit --plot`: the data and the fitted curve against the first column the
//! model uses, and the residuals below, drawn with plotters as the other
//! pictures are (blue curve, red points, the same fonts and margins).

use std::path::Path;

use plotters::prelude::*;
use tapegrad_examples::plot::{self, Area, Drawn, grid, msg};

use crate::error::{Error, Result};
use crate::fit::{Fit, Problem};

const FONT: &str = "sans-serif";
/// Samples of the fitted curve.
const CURVE: usize = 240;

/// The range of `values` with a twentieth of padding on each side (and at
/// least `min_width` wide), so points do not sit on the frame.
fn range(values: impl Iterator<Item = f64>, min_width: f64) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if lo > hi {
        return (-1.0, 1.0);
    }
    let pad = ((hi - lo) * 0.05).max(min_width / 2.0);
    (lo - pad, hi + pad)
}

/// Draws the picture of `fit` of `problem` to `path`.
pub(crate) fn draw(path: &Path, problem: &Problem, fit: &Fit) -> Result<()> {
    // The x of each row: the first column the model uses, or the row's number.
    let (x_name, xs) = match problem.columns().first() {
        Some(name) => (name.clone(), problem.column_values(0)),
        None => (
            "row".to_string(),
            (1..=fit.response.len()).map(|i| i as f64).collect(),
        ),
    };
    let one_predictor = problem.columns().len() == 1;
    let data: Vec<(f64, f64)> = xs
        .iter()
        .copied()
        .zip(fit.response.iter().copied())
        .collect();
    let residuals: Vec<(f64, f64)> = xs
        .iter()
        .zip(fit.response.iter().zip(&fit.fitted))
        .map(|(&x, (&y, &f))| (x, y - f))
        .collect();
    let (x0, x1) = range(xs.iter().copied(), 1e-9);
    // With one predictor the model is a curve of it; with more, it is no
    // curve of the first, and each row's fitted value is drawn at its x.
    let curve: Vec<(f64, Option<f64>)> = if one_predictor {
        grid(x0, x1, CURVE)
            .map(|x| (x, problem.curve_at(0, 0, x, &fit.parameters)))
            .collect()
    } else {
        xs.iter()
            .zip(&fit.fitted)
            .map(|(&x, &f)| (x, f.is_finite().then_some(f)))
            .collect()
    };
    let title = format!(
        "{}: the data and the fit{}",
        problem.shown(),
        if fit.converged {
            ""
        } else {
            " (not converged)"
        }
    );
    let y_name = problem.response_label();
    plot::svg(path, (760, 640), |area| {
        let (top, bottom) = area.split_vertically(440);
        let names = (x_name.as_str(), y_name);
        fitted(&top, &title, names, (x0, x1), &data, &curve, one_predictor)?;
        residual_panel(&bottom, &x_name, (x0, x1), &residuals)
    })
    .map_err(Error::msg)
}

/// The data in red and the fitted curve (or fitted values) in blue.
fn fitted(
    area: &Area<'_>,
    title: &str,
    (x_name, y_name): (&str, &str),
    (x0, x1): (f64, f64),
    data: &[(f64, f64)],
    curve: &[(f64, Option<f64>)],
    one_predictor: bool,
) -> Drawn {
    let (y0, y1) = range(
        data.iter()
            .map(|p| p.1)
            .chain(curve.iter().filter_map(|p| p.1)),
        1e-9,
    );
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT, 18))
        .margin(12)
        .x_label_area_size(34)
        .y_label_area_size(64)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(msg)?;
    chart
        .configure_mesh()
        .x_desc(x_name)
        .y_desc(y_name)
        .draw()
        .map_err(msg)?;
    if one_predictor {
        // One line per stretch where the model is defined.
        for piece in curve.split(|p| p.1.is_none()) {
            let line: Vec<(f64, f64)> = piece
                .iter()
                .filter_map(|&(x, y)| y.map(|y| (x, y.clamp(y0, y1))))
                .collect();
            chart
                .draw_series(LineSeries::new(line, BLUE.stroke_width(2)))
                .map_err(msg)?
                .label("fitted curve")
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], BLUE.stroke_width(2)));
        }
    } else {
        chart
            .draw_series(
                curve
                    .iter()
                    .filter_map(|&(x, y)| y.map(|y| Circle::new((x, y), 4, BLUE.stroke_width(2)))),
            )
            .map_err(msg)?
            .label("fitted values")
            .legend(|(x, y)| Circle::new((x + 9, y), 4, BLUE.stroke_width(2)));
    }
    chart
        .draw_series(data.iter().map(|&p| Circle::new(p, 3, RED.filled())))
        .map_err(msg)?
        .label("data")
        .legend(|(x, y)| Circle::new((x + 9, y), 3, RED.filled()));
    chart
        .configure_series_labels()
        .border_style(BLACK)
        .background_style(WHITE.mix(0.8))
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(msg)
}

/// The residuals `y − fit` against x, with the zero line.
fn residual_panel(
    area: &Area<'_>,
    x_name: &str,
    (x0, x1): (f64, f64),
    residuals: &[(f64, f64)],
) -> Drawn {
    let (r0, r1) = range(residuals.iter().map(|p| p.1).chain([0.0]), 1e-12);
    let mut chart = ChartBuilder::on(area)
        .margin(12)
        .x_label_area_size(34)
        .y_label_area_size(64)
        .build_cartesian_2d(x0..x1, r0..r1)
        .map_err(msg)?;
    chart
        .configure_mesh()
        .x_desc(x_name)
        .y_desc("residual")
        .draw()
        .map_err(msg)?;
    chart
        .draw_series(LineSeries::new([(x0, 0.0), (x1, 0.0)], BLACK.mix(0.5)))
        .map_err(msg)?;
    chart
        .draw_series(
            residuals
                .iter()
                .filter(|p| p.1.is_finite())
                .map(|&p| Circle::new(p, 3, RED.filled())),
        )
        .map_err(msg)?;
    Ok(())
}
