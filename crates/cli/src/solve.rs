//! `tapegrad solve`: the tutorial's backward-propagation solve. At each
//! point, `Δz = z − target`; each of the `k` chosen inputs that `z` depends
//! on there moves by `Δz / (∂z/∂v) / k` (Newton steps on the output error,
//! shared equally), until `|Δz|` is below the tolerance.

use std::io::{Read, Write};

use tapegrad::Tape;

use crate::Source;
use crate::cli::SolveArgs;
use crate::error::{Error, Result};
use crate::format::{fixed, mention, number, quoted};
use crate::values::{chosen_inputs, input_values, quote_list};

pub(crate) fn run(args: &SolveArgs, stdin: &mut dyn Read, out: &mut dyn Write) -> Result<()> {
    let source = Source::load(&args.source, stdin)?;
    let mut point = input_values(&source.program, &args.from, "--from")?;
    let chosen = chosen_inputs(&source.program, &args.wrt, "--wrt")?;
    if !args.target.is_finite() {
        return Err(Error::msg("--target must be a finite number"));
    }
    if args.tolerance.is_nan() || args.tolerance <= 0.0 {
        return Err(Error::msg("--tolerance must be a positive number"));
    }
    if chosen.is_empty() {
        return Err(Error::msg(
            "the expression has no inputs: there is nothing to move",
        ));
    }
    let inputs = source.program.inputs();
    let label = source.output_label("z");
    let mut iteration = 0;
    let mut steps = crate::Steps::default();
    loop {
        let (z, grad) = match steps.replay(&point) {
            Some((z, grad)) => (z, grad.to_vec()),
            None => {
                let tape = Tape::new();
                let e = source.evaluate(&tape, &point, &label)?;
                // Compiled before the gradients are read: a read would
                // keep `compile` from trusting the recording.
                steps.learn(&tape, &e);
                let g = e
                    .output
                    .try_backward()
                    .map_err(|err| source.engine_error(&err, &e))?;
                let grad: Vec<f64> = e.inputs.iter().map(|(_, v)| g.wrt(*v)).collect();
                (e.output.value(), grad)
            }
        };
        let delta = z - args.target;
        let coordinates: Vec<String> = inputs
            .iter()
            .zip(&point)
            .map(|(name, &v)| format!("{name}={}", fixed(v)))
            .collect();
        writeln!(
            out,
            "{},{label}={},delta_{label}={}",
            coordinates.join(","),
            fixed(z),
            fixed(delta)
        )?;
        if delta.abs() < args.tolerance {
            break;
        }
        if iteration == args.max_iterations {
            return Err(Error::msg(format_args!(
                "no solution within {} iteration{}: {} = {} is still {} from the target {}; try more --max-iterations or a larger --tolerance",
                args.max_iterations,
                if args.max_iterations == 1 { "" } else { "s" },
                mention(&label),
                number(z),
                number(delta.abs()),
                number(args.target)
            )));
        }
        let factors: Vec<f64> = chosen.iter().map(|&i| grad[i]).collect();
        let movable = factors.iter().filter(|&&f| f != 0.0).count();
        if movable == 0 {
            let names: Vec<&str> = chosen.iter().map(|&i| inputs[i]).collect();
            return Err(Error::msg(format_args!(
                "cannot move {}: its derivative with respect to {} is 0 here",
                mention(&label),
                quote_list(&names)
            )));
        }
        // The tutorial's order of operations: Δz / factor / k.
        let deltas: Vec<f64> = factors
            .iter()
            .map(|&f| {
                if f == 0.0 {
                    0.0
                } else {
                    delta / f / movable as f64
                }
            })
            .collect();
        let mut line: Vec<String> = chosen
            .iter()
            .zip(&factors)
            .map(|(&i, &f)| format!("factor_{}={}", inputs[i], fixed(f)))
            .collect();
        line.extend(
            chosen
                .iter()
                .zip(&deltas)
                .map(|(&i, &d)| format!("delta_{}={}", inputs[i], fixed(d))),
        );
        writeln!(out, "{}", line.join(", "))?;
        for (&i, &d) in chosen.iter().zip(&deltas) {
            point[i] -= d;
            if !point[i].is_finite() {
                return Err(Error::msg(format_args!(
                    "diverged: {} became {} after a step of {}",
                    quoted(inputs[i]),
                    number(point[i]),
                    number(-d)
                )));
            }
        }
        iteration += 1;
    }
    writeln!(out, "done!")?;
    for &i in &chosen {
        writeln!(out, "final {}={}", inputs[i], fixed(point[i]))?;
    }
    Ok(())
}
