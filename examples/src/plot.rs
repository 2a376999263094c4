//! The plotting helpers the examples' pictures and the `tapegrad` command's
//! `descend --plot` share, on plotters: an SVG file to draw into, evenly
//! spaced samples, a descent path, contour lines of sampled values, and a
//! legend placed clear of the curves.
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
use plotters::style::text_anchor::{HPos, Pos, VPos};

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
/// (the first level) to light blue: each line one polyline, its points at
/// least [`CONTOUR_STEP`] of the chart's width apart, so that the
/// backend's rounding to whole pixels does not show as steps.
///
/// # Errors
/// Plotters' message.
pub fn draw_contours(
    chart: &mut Chart<'_, '_>,
    (xs, ys): (&[f64], &[f64]),
    values: &[Vec<Option<f64>>],
    levels: &[f64],
) -> Drawn {
    let span = |v: &[f64]| v.last().copied().unwrap_or(0.0) - v.first().copied().unwrap_or(0.0);
    let scale = (span(xs).abs(), span(ys).abs());
    for (k, &level) in levels.iter().enumerate() {
        let shade = 40 + (k * 180 / levels.len()) as u8;
        let color = RGBColor(shade, shade, 255 - shade / 2);
        chart
            .draw_series(
                contour_lines(xs, ys, values, level)
                    .into_iter()
                    .map(|line| PathElement::new(thin(&line, scale, CONTOUR_STEP), color)),
            )
            .map_err(msg)?;
    }
    Ok(())
}

/// The least distance between two drawn points of a contour line, as a
/// fraction of the chart (a few pixels on the examples' pictures).
pub const CONTOUR_STEP: f64 = 0.006;

/// `line` drawn again through points evenly spaced along it, at least
/// `step` apart (as close to it as an even spacing allows), distances
/// measured in fractions of `scale` (the chart's extent); the ends stay.
pub fn thin(line: &[(f64, f64)], scale: (f64, f64), step: f64) -> Vec<(f64, f64)> {
    let length =
        |a: (f64, f64), b: (f64, f64)| ((a.0 - b.0) / scale.0).hypot((a.1 - b.1) / scale.1);
    let legs: Vec<f64> = line.windows(2).map(|w| length(w[0], w[1])).collect();
    let total: f64 = legs.iter().sum();
    let pieces = (total / step).floor().max(1.0) as usize;
    if line.len() < 2 || pieces + 1 >= line.len() {
        return line.to_vec();
    }
    let mut out = Vec::with_capacity(pieces + 1);
    out.push(line[0]);
    let (mut leg, mut before) = (0, 0.0);
    for i in 1..pieces {
        let at = total * i as f64 / pieces as f64;
        while leg + 1 < legs.len() && before + legs[leg] < at {
            before += legs[leg];
            leg += 1;
        }
        let t = if legs[leg] > 0.0 {
            ((at - before) / legs[leg]).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let (a, b) = (line[leg], line[leg + 1]);
        out.push((a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1)));
    }
    out.push(line[line.len() - 1]);
    out
}

/// The level set `value = level` on a grid as whole lines: the segments of
/// [`contour`] joined end to end, each line in order along it (a closed
/// line ends where it starts).
///
/// ```
/// use tapegrad_examples::plot::{contour_lines, grid};
///
/// // The level 2.5 of x² + y² on a 4 × 4 grid over [-2, 2]²: one closed
/// // line of 12 segments (13 points, the first repeated at the end).
/// let xs: Vec<f64> = grid(-2.0, 2.0, 4).collect();
/// let values: Vec<Vec<Option<f64>>> = xs
///     .iter()
///     .map(|&x| xs.iter().map(|&y| Some(x * x + y * y)).collect())
///     .collect();
/// let lines = contour_lines(&xs, &xs, &values, 2.5);
/// assert_eq!(lines.len(), 1);
/// assert_eq!(lines[0].len(), 13);
/// assert_eq!(lines[0][0], lines[0][12]);
/// ```
pub fn contour_lines(
    xs: &[f64],
    ys: &[f64],
    values: &[Vec<Option<f64>>],
    level: f64,
) -> Vec<Vec<(f64, f64)>> {
    let segments = crossings(xs, ys, values, level);
    // Each crossing lies on one side of the grid, shared by the two cells
    // on either side: the sides join the segments.
    let mut at: std::collections::BTreeMap<Side, Vec<usize>> = std::collections::BTreeMap::new();
    for (k, (a, b)) in segments.iter().enumerate() {
        at.entry(a.0).or_default().push(k);
        at.entry(b.0).or_default().push(k);
    }
    let mut used = vec![false; segments.len()];
    let mut lines = Vec::new();
    // The other segment at `side`, if it is not `k` and not used yet.
    let next = |side: Side, k: usize, used: &[bool]| {
        at[&side].iter().copied().find(|&j| j != k && !used[j])
    };
    for start in 0..segments.len() {
        if used[start] {
            continue;
        }
        used[start] = true;
        let (a, b) = segments[start];
        // Walk forwards from `b`, then backwards from `a`.
        let mut forward = vec![a, b];
        let (mut side, mut k) = (b.0, start);
        while let Some(j) = next(side, k, &used) {
            used[j] = true;
            let (p, q) = segments[j];
            let far = if p.0 == side { q } else { p };
            forward.push(far);
            (side, k) = (far.0, j);
        }
        let mut backward = Vec::new();
        let (mut side, mut k) = (a.0, start);
        while let Some(j) = next(side, k, &used) {
            used[j] = true;
            let (p, q) = segments[j];
            let far = if p.0 == side { q } else { p };
            backward.push(far);
            (side, k) = (far.0, j);
        }
        backward.reverse();
        backward.extend(forward);
        lines.push(backward.into_iter().map(|(_, p)| p).collect());
    }
    lines
}

/// A side of a grid cell: its two grid points, the smaller first.
type Side = ((usize, usize), (usize, usize));

/// The segments of the level set `value = level` on a grid (marching
/// squares: in each cell, join the points where the level crosses its
/// sides, by linear interpolation).
///
/// `values[i][j]` is the value at `(xs[i], ys[j])`, `None` where it is
/// undefined; a cell with an undefined corner has no segment.
pub fn contour(xs: &[f64], ys: &[f64], values: &[Vec<Option<f64>>], level: f64) -> Vec<Segment> {
    crossings(xs, ys, values, level)
        .into_iter()
        .map(|((_, a), (_, b))| (a, b))
        .collect()
}

/// [`contour`]'s segments, each end with the side of the grid it is on.
#[allow(clippy::type_complexity)]
fn crossings(
    xs: &[f64],
    ys: &[f64],
    values: &[Vec<Option<f64>>],
    level: f64,
) -> Vec<((Side, (f64, f64)), (Side, (f64, f64)))> {
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
            let crossings: Vec<(Side, (f64, f64))> = (0..4)
                .filter_map(|k| {
                    // Each side from its smaller grid point, so that both
                    // cells on it compute the same crossing.
                    let (mut p, mut q) = (corners[k], corners[(k + 1) % 4]);
                    let (mut u, mut w) = (v[k], v[(k + 1) % 4]);
                    if q < p {
                        (p, q, u, w) = (q, p, w, u);
                    }
                    ((u < 0.0) != (w < 0.0)).then(|| {
                        let t = u / (u - w);
                        let (px, py, qx, qy) = (xs[p.0], ys[p.1], xs[q.0], ys[q.1]);
                        ((p, q), (px + t * (qx - px), py + t * (qy - py)))
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

/// The space about a legend's box that a curve must keep clear of, in
/// pixels: half the widest stroke the pictures draw (7 pixels), rounded up.
pub const LEGEND_CLEARANCE: i32 = 4;

/// The legend's text.
const LEGEND_FONT: (&str, u32) = ("sans-serif", 12);

/// The height of one line of the legend: its font size and a quarter.
const LEGEND_LINE: i32 = 15;

/// The legend's margin inside its box and the width of its column of
/// samples, in pixels (as plotters draws its own legends).
const LEGEND_MARGIN: i32 = 10;
const LEGEND_SAMPLES: i32 = 30;

/// Where a legend can go inside the plot, in the order tried: the corners,
/// then the middles of the edges, then the centre.
const LEGEND_PLACES: [SeriesLabelPosition; 9] = [
    SeriesLabelPosition::UpperRight,
    SeriesLabelPosition::UpperLeft,
    SeriesLabelPosition::LowerRight,
    SeriesLabelPosition::LowerLeft,
    SeriesLabelPosition::UpperMiddle,
    SeriesLabelPosition::LowerMiddle,
    SeriesLabelPosition::MiddleRight,
    SeriesLabelPosition::MiddleLeft,
    SeriesLabelPosition::MiddleMiddle,
];

/// One line of a legend: the series' label and the style of its line.
pub type LegendEntry = (String, ShapeStyle);

/// The height in pixels of the box [`draw_legend`] draws for `lines`
/// entries: a line each, and a margin.
///
/// ```
/// // Six lines of 15 pixels, and 10 above and below.
/// assert_eq!(tapegrad_examples::plot::legend_height(6), 110);
/// ```
pub fn legend_height(lines: usize) -> u32 {
    let lines = u32::try_from(lines).unwrap_or(u32::MAX);
    lines
        .saturating_mul(LEGEND_LINE as u32)
        .saturating_add(2 * LEGEND_MARGIN as u32)
}

/// The pixel size of the box [`draw_legend`] draws for `entries` on
/// `picture`: the widest label beside a column of samples, a line each,
/// and a margin.
fn legend_size(picture: &Area<'_>, entries: &[LegendEntry]) -> Result<(i32, i32), String> {
    let font: TextStyle = LEGEND_FONT.into();
    let mut text = 0;
    for (label, _) in entries {
        let (w, _) = picture.estimate_text_size(label, &font).map_err(msg)?;
        text = text.max(i32::try_from(w).map_err(msg)?);
    }
    let height = i32::try_from(legend_height(entries.len())).map_err(msg)?;
    Ok((text + LEGEND_SAMPLES + 2 * LEGEND_MARGIN, height))
}

/// Draws a legend of `entries` on `picture`, in a white box where no
/// segment of `curves` (in `chart`'s coordinates) runs.
///
/// It takes the first of the plot's corners, edge middles and centre whose
/// box, widened by [`LEGEND_CLEARANCE`], no segment crosses; if there is
/// none, it draws the box centred below the plot's axis labels (30 pixels),
/// in room the caller left there with a bottom margin of at least
/// [`legend_height`].
///
/// ```
/// use plotters::prelude::*;
/// use tapegrad_examples::plot::{draw_legend, msg};
///
/// let mut svg = String::new();
/// {
///     let area = SVGBackend::with_string(&mut svg, (400, 300)).into_drawing_area();
///     let mut chart = ChartBuilder::on(&area)
///         .build_cartesian_2d(0.0..1.0, 0.0..1.0)
///         .map_err(msg)?;
///     let line = vec![(0.0, 0.0), (1.0, 1.0)];
///     chart.draw_series(LineSeries::new(line.clone(), &BLUE)).map_err(msg)?;
///     let entries = [("y = x".to_string(), BLUE.stroke_width(2))];
///     draw_legend(&area, &chart, &entries, &[line])?;
///     area.present().map_err(msg)?;
/// }
/// // The diagonal runs through the upper right corner, so the legend
/// // takes the upper left one, 5 pixels in.
/// assert!(svg.contains(r#"<rect x="5" y="5""#));
/// # Ok::<(), String>(())
/// ```
///
/// # Errors
/// A message if the box fits neither inside nor below the plot, or
/// plotters'.
pub fn draw_legend(
    picture: &Area<'_>,
    chart: &Chart<'_, '_>,
    entries: &[LegendEntry],
    curves: &[Vec<(f64, f64)>],
) -> Drawn {
    let size = legend_size(picture, entries)?;
    let (xs, ys) = chart.plotting_area().get_pixel_range();
    let plot = (xs.end - xs.start, ys.end - ys.start);
    let segments: Vec<((f64, f64), (f64, f64))> = curves
        .iter()
        .flat_map(|curve| curve.windows(2))
        .map(|pair| {
            let pixel = |p: &(f64, f64)| {
                let (x, y) = chart.backend_coord(p);
                (f64::from(x), f64::from(y))
            };
            (pixel(&pair[0]), pixel(&pair[1]))
        })
        .collect();
    let clear = |(x, y): (i32, i32)| {
        let c = LEGEND_CLEARANCE;
        let frame = (
            f64::from(x - c),
            f64::from(y - c),
            f64::from(x + size.0 + c),
            f64::from(y + size.1 + c),
        );
        !segments.iter().any(|&(a, b)| crosses(frame, a, b))
    };
    let inside = LEGEND_PLACES.iter().find_map(|place| {
        let (x, y) = legend_corner(place, size, plot);
        let corner = (xs.start + x, ys.start + y);
        clear(corner).then_some(corner)
    });
    let (x, y) = match inside {
        Some(corner) => corner,
        None => {
            let corner = (xs.start + (plot.0 - size.0) / 2, ys.end + 30);
            if corner.1 + size.1 > picture.dim_in_pixel().1 as i32 {
                return Err(format!(
                    "the legend ({} × {} pixels) is clear of the curves nowhere in the plot, and the picture leaves no room for it below",
                    size.0, size.1
                ));
            }
            corner
        }
    };
    let corners = [(x, y), (x + size.0, y + size.1)];
    picture
        .draw(&Rectangle::new(corners, WHITE.mix(0.8).filled()))
        .map_err(msg)?;
    picture.draw(&Rectangle::new(corners, BLACK)).map_err(msg)?;
    let font = TextStyle::from(LEGEND_FONT).pos(Pos::new(HPos::Left, VPos::Center));
    for (k, (label, style)) in entries.iter().enumerate() {
        let top = y + LEGEND_MARGIN + LEGEND_LINE * k as i32;
        let middle = top + LEGEND_LINE / 2;
        let left = x + LEGEND_MARGIN;
        picture
            .draw(&PathElement::new(
                vec![(left, middle), (left + 20, middle)],
                *style,
            ))
            .map_err(msg)?;
        picture
            .draw(&Text::new(
                label.as_str(),
                (left + LEGEND_SAMPLES, middle),
                font.clone(),
            ))
            .map_err(msg)?;
    }
    Ok(())
}

/// The top left corner of a legend box of `size` at `place` in an area of
/// `area` pixels, 5 pixels in from an edge as plotters places its own.
fn legend_corner(place: &SeriesLabelPosition, size: (i32, i32), area: (i32, i32)) -> (i32, i32) {
    use SeriesLabelPosition::*;
    let x = match place {
        UpperLeft | MiddleLeft | LowerLeft => 5,
        UpperMiddle | MiddleMiddle | LowerMiddle => (area.0 - size.0) / 2,
        UpperRight | MiddleRight | LowerRight => area.0 - size.0 - 5,
        Coordinate(x, _) => *x,
    };
    let y = match place {
        UpperLeft | UpperMiddle | UpperRight => 5,
        MiddleLeft | MiddleMiddle | MiddleRight => (area.1 - size.1) / 2,
        LowerLeft | LowerMiddle | LowerRight => area.1 - size.1 - 5,
        Coordinate(_, y) => *y,
    };
    (x, y)
}

/// Whether the segment from `a` to `b` meets the rectangle `(left, top,
/// right, bottom)`: an end inside, or a crossing of one of its sides.
fn crosses((l, t, r, bt): (f64, f64, f64, f64), a: (f64, f64), b: (f64, f64)) -> bool {
    // Clip the segment to the rectangle (Liang–Barsky): it meets the
    // rectangle exactly when some part of it survives.
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [
        (-dx, a.0 - l),
        (dx, r - a.0),
        (-dy, a.1 - t),
        (dy, bt - a.1),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return false;
            }
        } else {
            let u = q / p;
            if p < 0.0 {
                t0 = t0.max(u);
            } else {
                t1 = t1.min(u);
            }
        }
    }
    t0 <= t1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The descent picture's function, `J = x² + sin²y`, sampled on a
    /// `cells` × `cells` grid over [-3.5, 3.5]².
    fn sampled(cells: usize) -> (Vec<f64>, Vec<Vec<Option<f64>>>) {
        let xs: Vec<f64> = grid(-3.5, 3.5, cells).collect();
        let values = xs
            .iter()
            .map(|&x| xs.iter().map(|&y| Some(x * x + y.sin().powi(2))).collect())
            .collect();
        (xs, values)
    }

    #[test]
    fn a_segment_crosses_a_rectangle_when_part_of_it_lies_inside() {
        let frame = (0.0, 0.0, 10.0, 10.0);
        // An end inside, both ends outside on either side, and along a side.
        assert!(crosses(frame, (5.0, 5.0), (20.0, 20.0)));
        assert!(crosses(frame, (-5.0, 5.0), (15.0, 5.0)));
        assert!(crosses(frame, (0.0, -5.0), (0.0, 15.0)));
        // Beside it, and a diagonal x + y = 25 passing outside the corner
        // (10, 10), where x + y is only 20.
        assert!(!crosses(frame, (11.0, 0.0), (11.0, 10.0)));
        assert!(!crosses(frame, (25.0, 0.0), (0.0, 25.0)));
        // The diagonal x + y = 15 cuts the corner; a point outside is clear.
        assert!(crosses(frame, (15.0, 0.0), (0.0, 15.0)));
        assert!(!crosses(frame, (12.0, 12.0), (12.0, 12.0)));
    }

    #[test]
    fn contour_lines_of_the_descent_picture_are_smooth() {
        // Near its minima J ≈ x² + (y − kπ)², so the level 0.01 is about a
        // circle of radius 0.1 (8 px on the picture). Drawn smooth, each
        // line turns by under 40° from one point to the next (the 100-cell
        // grid drew that circle as an octagon: 45°), and no point is more
        // than 2 % of the picture from the next.
        // (The level 1 crosses itself at the saddles (0, ±π/2): a corner.)
        let (xs, values) = sampled(400);
        for level in [0.01, 0.1, 0.5, 2.0, 4.5, 12.0] {
            let lines = contour_lines(&xs, &xs, &values, level);
            assert!(!lines.is_empty(), "level {level}");
            for line in lines {
                let line = thin(&line, (7.0, 7.0), CONTOUR_STEP);
                for w in line.windows(3) {
                    let (a, b) = (
                        (w[1].0 - w[0].0, w[1].1 - w[0].1),
                        (w[2].0 - w[1].0, w[2].1 - w[1].1),
                    );
                    let turn = (a.0 * b.1 - a.1 * b.0).atan2(a.0 * b.0 + a.1 * b.1).abs();
                    assert!(
                        turn.to_degrees() < 40.0,
                        "level {level}: turns {:.0}° at {:?}",
                        turn.to_degrees(),
                        w[1]
                    );
                }
                for w in line.windows(2) {
                    let step = (w[1].0 - w[0].0).hypot(w[1].1 - w[0].1) / 7.0;
                    assert!(
                        step < 0.02,
                        "level {level}: a step of {step:.3} at {:?}",
                        w[0]
                    );
                }
            }
        }
    }

    #[test]
    fn a_closed_contour_is_one_line_ending_where_it_starts() {
        // The level 0.5 of x² + sin²y has one closed line round the origin
        // (|y| < π/2 there), and the lines reaching the border beyond.
        let (xs, values) = sampled(100);
        let lines = contour_lines(&xs, &xs, &values, 0.5);
        let around: Vec<_> = lines
            .iter()
            .filter(|l| l.iter().all(|p| p.0.abs() < 1.0 && p.1.abs() < 1.0))
            .collect();
        assert_eq!(around.len(), 1);
        assert_eq!(around[0].first(), around[0].last());
        // Every segment is in exactly one line.
        let joined: usize = lines.iter().map(|l| l.len() - 1).sum();
        assert_eq!(joined, contour(&xs, &xs, &values, 0.5).len());
    }
}
