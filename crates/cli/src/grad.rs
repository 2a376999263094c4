//! `tapegrad grad`: the value and partial derivatives at a point, the
//! Hessian with `--order 2`, and the graph as text, DOT, SVG or a web page.

use std::io::{Read, Write};

use tapegrad::graph::{Detail, Direction};
use tapegrad::{Graph, Tape, Var};

use crate::Source;
use crate::cli::{Flow, GradArgs};
use crate::error::{Error, Result};
use crate::eval::{Evaluation, Value};
use crate::format::{json_number, json_object, number, quoted};
use crate::values::{input_values, names, quote_list, suggestion};

pub(crate) fn run(args: &GradArgs, stdin: &mut dyn Read, out: &mut dyn Write) -> Result<()> {
    if let Some(path) = &args.svg {
        crate::svg_path(path, "--svg")?;
    }
    if let Some(path) = &args.html {
        crate::html_path(path, "--html")?;
    }
    let source = Source::load(&args.source, stdin)?;
    let values = input_values(&source.program, &args.at, "--at")?;
    let label = source.output_label("z");
    let tape = Tape::new();
    let e = source.evaluate(&tape, &values, &label)?;
    let wrt = chosen(&source, &e, &args.wrt, args.order)?;
    let vars: Vec<Var> = wrt.iter().map(|&(_, v)| v).collect();

    let g = e
        .output
        .try_backward()
        .map_err(|err| source.engine_error(&err, &e))?;
    let value = e.output.value();
    let gradient: Vec<f64> = vars.iter().map(|&v| g.wrt(v)).collect();
    let dump = args.text || args.dot.is_some() || args.svg.is_some() || args.html.is_some();
    let mut graph = (dump && args.order == 1).then(|| Graph::with_gradients(&g));
    drop(g);

    let hessian = (args.order == 2).then(|| {
        let before = tape.len();
        let grads = e.output.grad_graph(&vars);
        for ((name, _), &d) in wrt.iter().zip(&grads) {
            // Name the gradient nodes the recording made (a gradient can be
            // an existing node, like `y` in ∂(x·y)/∂x, which keeps its name).
            if d.index() >= before && d.name().is_none() {
                let _ = d.named(format!("∂{label}/∂{name}"));
            }
        }
        let matrix = hessian(&grads, &vars);
        let outputs: Vec<Var> = std::iter::once(e.output).chain(grads).collect();
        if dump {
            graph = Some(Graph::of_all(&outputs));
        }
        matrix
    });

    let graph = graph.map(|graph| {
        let detail = if args.named {
            Detail::Named
        } else {
            Detail::All
        };
        let direction = match args.direction {
            Flow::Lr => Direction::LeftToRight,
            Flow::Tb => Direction::TopToBottom,
        };
        graph
            .detail(detail)
            .direction(direction)
            .digits(Some(usize::from(args.digits)))
    });
    if let Some(graph) = &graph {
        if let Some(path) = &args.dot {
            graph.write_dot(path).map_err(Error::msg)?;
        }
        if let Some(path) = &args.svg {
            graph.write_svg(path).map_err(Error::msg)?;
        }
        if let Some(path) = &args.html {
            graph.write_html(path).map_err(Error::msg)?;
        }
    }

    let names: Vec<&str> = wrt.iter().map(|(n, _)| n.as_str()).collect();
    if args.json {
        writeln!(
            out,
            "{}",
            json(value, &names, &gradient, hessian.as_deref())
        )?;
        return Ok(());
    }
    writeln!(out, "{label} = {}", number(value))?;
    for (name, d) in names.iter().zip(&gradient) {
        writeln!(out, "∂{label}/∂{name} = {}", number(*d))?;
    }
    if let Some(h) = &hessian {
        for i in 0..names.len() {
            for j in i..names.len() {
                let denominator = if i == j {
                    format!("∂{}²", names[i])
                } else {
                    format!("∂{}∂{}", names[i], names[j])
                };
                writeln!(out, "∂²{label}/{denominator} = {}", number(h[i][j]))?;
            }
        }
    }
    match &graph {
        Some(graph) if args.text => write!(out, "\n{}", graph.to_text())?,
        _ => {}
    }
    Ok(())
}

/// The names `--wrt` chooses with their nodes: all inputs by default;
/// bindings too for first derivatives.
fn chosen(
    source: &Source,
    e: &Evaluation,
    wrt: &[String],
    order: u8,
) -> Result<Vec<(String, Var)>> {
    if wrt.is_empty() {
        return Ok(e.inputs.clone());
    }
    names(wrt, "--wrt")?;
    wrt.iter()
        .map(|name| {
            let name = name.trim();
            if let Some(v) = e.input(name) {
                return Ok((name.to_string(), v));
            }
            match e.binding(name) {
                Some(Value::Node(v)) if order == 1 => Ok((name.to_string(), v)),
                Some(Value::Node(_)) => Err(Error::msg(format_args!(
                    "--order 2 differentiates with respect to inputs only, and {} is bound in the expression; the inputs are {}",
                    quoted(name),
                    quote_list(&source.program.inputs())
                ))),
                Some(Value::Num(c)) => Err(Error::msg(format_args!(
                    "{} is the constant {}: nothing depends on it as a variable",
                    quoted(name),
                    number(c)
                ))),
                None => {
                    let known: Vec<&str> = e
                        .inputs
                        .iter()
                        .map(|(n, _)| n.as_str())
                        .chain(e.bindings.iter().map(|(n, _)| n.as_str()))
                        .collect();
                    let hint = suggestion(name, known.iter().copied());
                    Err(Error::msg(format_args!(
                        "the expression has no variable {}{hint}; its variables are {}",
                        quoted(name),
                        quote_list(&known)
                    )))
                }
            }
        })
        .collect()
}

/// The Hessian from the recorded gradients: row `i` is one reverse sweep of
/// `grads[i]`; it fills the entries `j ≥ i` and the lower triangle mirrors
/// them, as [`tapegrad::hessian`] does.
fn hessian(grads: &[Var], vars: &[Var]) -> Vec<Vec<f64>> {
    let n = vars.len();
    let mut matrix = vec![vec![0.0; n]; n];
    for i in 0..n {
        let row = grads[i].backward();
        for j in i..n {
            matrix[i][j] = row.wrt(vars[j]);
            matrix[j][i] = matrix[i][j];
        }
    }
    matrix
}

/// `{"value": 162.0, "gradient": {"w": 18.0, "b": 63.0}}`, with
/// `"hessian": {"w": {"w": 0.0, "b": 4.0}, …}` when there is one.
fn json(value: f64, names: &[&str], gradient: &[f64], hessian: Option<&[Vec<f64>]>) -> String {
    let row =
        |values: &[f64]| json_object(names.iter().zip(values).map(|(&n, &v)| (n, json_number(v))));
    let mut members = vec![("value", json_number(value)), ("gradient", row(gradient))];
    if let Some(h) = hessian {
        let rows = names.iter().zip(h).map(|(&n, r)| (n, row(r)));
        members.push(("hessian", json_object(rows)));
    }
    json_object(members)
}
