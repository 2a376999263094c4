//! Backpropagation through `z = x·y`, `x = 2w + 3b`, `y = 2b + 1`.
//!
//! At `w = 3, b = 4` the tutorial asks how to move `w`, `b` or both so that
//! `z` goes from 162 to the target 150, using `Δz = ∂z/∂w·Δw`; then it
//! iterates (its programs `single_variable` and `double_variable`). Here the
//! factors `∂z/∂b` and `∂z/∂w` come from the tape at every step, where the
//! tutorial's program writes them out by hand (`2*x+3*y`, `2*y`).

use tapegrad::Tape;

use crate::{Output, Result, pictures};

/// The tutorial's starting point.
pub const W: f64 = 3.0;
/// The tutorial's starting point.
pub const B: f64 = 4.0;
/// The tutorial's target for `z`.
pub const TARGET: f64 = 150.0;
/// The tolerance of the tutorial's programs (`error = 1e-5`; its text says 1e-4).
pub const TOLERANCE: f64 = 1e-5;

/// The forward values and the gradient at one point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Forward {
    /// `w`.
    pub w: f64,
    /// `b`.
    pub b: f64,
    /// `x = 2w + 3b`.
    pub x: f64,
    /// `y = 2b + 1`.
    pub y: f64,
    /// `z = x·y`.
    pub z: f64,
    /// `∂z/∂x`.
    pub dz_dx: f64,
    /// `∂z/∂y`.
    pub dz_dy: f64,
    /// `∂z/∂w`.
    pub dz_dw: f64,
    /// `∂z/∂b`.
    pub dz_db: f64,
}

/// Records `z` at `(w, b)` and backpropagates.
pub fn forward(w: f64, b: f64) -> Forward {
    let tape = Tape::new();
    let (z, [wv, bv, x, y]) = record(&tape, w, b);
    let g = z.backward();
    Forward {
        w,
        b,
        x: x.value(),
        y: y.value(),
        z: z.value(),
        dz_dx: g.wrt(x),
        dz_dy: g.wrt(y),
        dz_dw: g.wrt(wv),
        dz_db: g.wrt(bv),
    }
}

/// The tutorial's graph on `tape`: `z` and `[w, b, x, y]`.
pub fn record(tape: &Tape, w: f64, b: f64) -> (tapegrad::Var, [tapegrad::Var; 4]) {
    let w = tape.var(w).named("w");
    let b = tape.var(b).named("b");
    let x = (2.0 * w + 3.0 * b).named("x");
    let y = (2.0 * b + 1.0).named("y");
    let z = (x * y).named("z");
    (z, [w, b, x, y])
}

/// Which variables a correction moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Share {
    /// All of `Δz` on `w`: `Δw = Δz / (∂z/∂w)`.
    WOnly,
    /// All of `Δz` on `b`: `Δb = Δz / (∂z/∂b)`.
    BOnly,
    /// Half of `Δz` on each.
    Half,
}

/// One correction step from `(w, b)` towards `target`: the new point's
/// forward values.
pub fn correct(w: f64, b: f64, target: f64, share: Share) -> Forward {
    let f = forward(w, b);
    let dz = f.z - target;
    let (dw, db) = match share {
        Share::WOnly => (dz / f.dz_dw, 0.0),
        Share::BOnly => (0.0, dz / f.dz_db),
        Share::Half => (dz / 2.0 / f.dz_dw, dz / 2.0 / f.dz_db),
    };
    forward(w - dw, b - db)
}

/// One iteration of the tutorial's programs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Iteration {
    /// The point and its forward values.
    pub at: Forward,
    /// `z - target`.
    pub delta_z: f64,
    /// `Δb` and `Δw` taken at this point (none on the last line).
    pub step: Option<(f64, f64)>,
}

/// The tutorial's `single_variable` (moves `b` only) or `double_variable`
/// (moves both, half of `Δz` each), until `|Δz| < tolerance`.
pub fn solve(w: f64, b: f64, target: f64, both: bool, tolerance: f64) -> Vec<Iteration> {
    let (mut w, mut b) = (w, b);
    let mut iterations = Vec::new();
    loop {
        let at = forward(w, b);
        let delta_z = at.z - target;
        if delta_z.abs() < tolerance || iterations.len() == 100 {
            iterations.push(Iteration {
                at,
                delta_z,
                step: None,
            });
            return iterations;
        }
        let (db, dw) = if both {
            (delta_z / at.dz_db / 2.0, delta_z / at.dz_dw / 2.0)
        } else {
            (delta_z / at.dz_db, 0.0)
        };
        iterations.push(Iteration {
            at,
            delta_z,
            step: Some((db, dw)),
        });
        b -= db;
        w -= dw;
    }
}

/// The lines the tutorial's Python programs print for `iterations`.
pub fn program_lines(iterations: &[Iteration], both: bool) -> Vec<String> {
    let mut lines = vec![if both {
        "\ndouble variable: w, b -----".to_string()
    } else {
        "\nsingle variable: b ----- ".to_string()
    }];
    for it in iterations {
        let f = &it.at;
        lines.push(format!(
            "w={:.6},b={:.6},z={:.6},delta_z={:.6}",
            f.w, f.b, f.z, it.delta_z
        ));
        if let Some((db, dw)) = it.step {
            lines.push(if both {
                format!(
                    "factor_b={:.6}, factor_w={:.6}, delta_b={db:.6}, delta_w={dw:.6}",
                    f.dz_db, f.dz_dw
                )
            } else {
                format!("factor_b={:.6}, delta_b={db:.6}", f.dz_db)
            });
        }
    }
    lines.push("done!".to_string());
    let last = iterations.last().map(|it| it.at);
    if let Some(f) = last {
        lines.push(format!("final b={:.6}", f.b));
        if both {
            lines.push(format!("final w={:.6}", f.w));
        }
    }
    lines
}

pub(crate) fn run(out: &mut Output<'_>) -> Result<()> {
    let f = forward(W, B);
    writeln!(out, "forward at w = {W}, b = {B}:")?;
    writeln!(
        out,
        "  x = 2w + 3b = {}, y = 2b + 1 = {}, z = x·y = {}",
        f.x, f.y, f.z
    )?;
    writeln!(out, "backward from z (the tape's adjoints):")?;
    writeln!(out, "  ∂z/∂x = {}, ∂z/∂y = {}", f.dz_dx, f.dz_dy)?;
    writeln!(out, "  ∂z/∂w = {}, ∂z/∂b = {}", f.dz_dw, f.dz_db)?;
    writeln!(
        out,
        "one correction towards z = {TARGET} (Δz = {}):",
        f.z - TARGET
    )?;
    for (label, share) in [
        ("w only   ", Share::WOnly),
        ("b only   ", Share::BOnly),
        ("half each", Share::Half),
    ] {
        let c = correct(W, B, TARGET, share);
        writeln!(
            out,
            "  {label}: w = {:.4}, b = {:.4}, x = {:.4}, y = {:.4}, z = {:.4}",
            c.w, c.b, c.x, c.y, c.z
        )?;
    }
    for both in [false, true] {
        for line in program_lines(&solve(W, B, TARGET, both, TOLERANCE), both) {
            writeln!(out, "{line}")?;
        }
    }
    pictures::graphs(out, "linear")
}
