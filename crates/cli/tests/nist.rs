//! `tapegrad fit` judged on NIST's Statistical Reference Datasets for
//! nonlinear regression: 27 problems, each from two starting points, with
//! parameters, standard deviations and residual sums of squares certified
//! to 11 digits (the files are in `tests/data/nist`, see its README).
//!
//! The default test fits all 54 runs with the command's defaults; the
//! ignored `nist_table` prints the table of `docs/fit.md`, for the exact
//! Jacobian and for central differences:
//!
//! ```sh
//! cargo test -p tapegrad-cli --test nist -- --ignored --nocapture
//! ```

use std::path::Path;

use tapegrad_cli::fit::{Fit, Jacobian, Options, Problem};
use tapegrad_cli::table::Table;

/// Each problem's model in the command's language (from the file's
/// `Model:` lines), and the response expression where it is not `y`.
const MODELS: [(&str, &str, Option<&str>); 27] = [
    ("Misra1a", "b1*(1 - exp(-b2*x))", None),
    ("Chwirut2", "exp(-b1*x)/(b2 + b3*x)", None),
    ("Chwirut1", "exp(-b1*x)/(b2 + b3*x)", None),
    (
        "Lanczos3",
        "b1*exp(-b2*x) + b3*exp(-b4*x) + b5*exp(-b6*x)",
        None,
    ),
    (
        "Gauss1",
        "b1*exp(-b2*x) + b3*exp(-(x - b4)^2/b5^2) + b6*exp(-(x - b7)^2/b8^2)",
        None,
    ),
    (
        "Gauss2",
        "b1*exp(-b2*x) + b3*exp(-(x - b4)^2/b5^2) + b6*exp(-(x - b7)^2/b8^2)",
        None,
    ),
    ("DanWood", "b1*x^b2", None),
    ("Misra1b", "b1*(1 - (1 + b2*x/2)^(-2))", None),
    ("Kirby2", "(b1 + b2*x + b3*x^2)/(1 + b4*x + b5*x^2)", None),
    (
        "Hahn1",
        "(b1 + b2*x + b3*x^2 + b4*x^3)/(1 + b5*x + b6*x^2 + b7*x^3)",
        None,
    ),
    ("Nelson", "b1 - b2*x1*exp(-b3*x2)", Some("ln(y)")),
    ("MGH17", "b1 + b2*exp(-x*b4) + b3*exp(-x*b5)", None),
    (
        "Lanczos1",
        "b1*exp(-b2*x) + b3*exp(-b4*x) + b5*exp(-b6*x)",
        None,
    ),
    (
        "Lanczos2",
        "b1*exp(-b2*x) + b3*exp(-b4*x) + b5*exp(-b6*x)",
        None,
    ),
    (
        "Gauss3",
        "b1*exp(-b2*x) + b3*exp(-(x - b4)^2/b5^2) + b6*exp(-(x - b7)^2/b8^2)",
        None,
    ),
    ("Misra1c", "b1*(1 - (1 + 2*b2*x)^(-0.5))", None),
    ("Misra1d", "b1*b2*x*((1 + b2*x)^(-1))", None),
    ("Roszman1", "b1 - b2*x - atan(b3/(x - b4))/pi", None),
    (
        "ENSO",
        "b1 + b2*cos(2*pi*x/12) + b3*sin(2*pi*x/12) + b5*cos(2*pi*x/b4) + b6*sin(2*pi*x/b4) + b8*cos(2*pi*x/b7) + b9*sin(2*pi*x/b7)",
        None,
    ),
    ("MGH09", "b1*(x^2 + x*b2)/(x^2 + x*b3 + b4)", None),
    (
        "Thurber",
        "(b1 + b2*x + b3*x^2 + b4*x^3)/(1 + b5*x + b6*x^2 + b7*x^3)",
        None,
    ),
    ("BoxBOD", "b1*(1 - exp(-b2*x))", None),
    ("Rat42", "b1/(1 + exp(b2 - b3*x))", None),
    ("MGH10", "b1*exp(b2/(x + b3))", None),
    ("Eckerle4", "(b1/b2)*exp(-0.5*((x - b3)/b2)^2)", None),
    ("Rat43", "b1/((1 + exp(b2 - b3*x))^(1/b4))", None),
    ("Bennett5", "b1*(b2 + x)^(-1/b3)", None),
];

/// A problem as its file states it.
struct Nist {
    names: Vec<String>,
    starts: [Vec<f64>; 2],
    parameters: Vec<f64>,
    deviations: Vec<f64>,
    rss: f64,
    /// The data as CSV text with the file's column names.
    csv: String,
}

fn numbers(line: &str) -> Vec<f64> {
    line.split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect()
}

/// `("b1", " 25  0.25  1.9E-01  1.1E-02")` for a line `b1 = 25 …`.
fn parameter_line(line: &str) -> Option<(&str, &str)> {
    let (b, rest) = line.split_once(" =")?;
    let digits = b.strip_prefix('b')?;
    (!digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())).then_some((b, rest))
}

/// Reads a StRD file: the `bN = start1 start2 value deviation` lines, the
/// residual sum of squares, and the data after the `Data:  y  x` line.
fn read(name: &str) -> Nist {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/nist")
        .join(format!("{name}.dat"));
    let text = std::fs::read_to_string(&path).unwrap();
    let mut nist = Nist {
        names: Vec::new(),
        starts: [Vec::new(), Vec::new()],
        parameters: Vec::new(),
        deviations: Vec::new(),
        rss: f64::NAN,
        csv: String::new(),
    };
    let mut in_data = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if in_data {
            if !trimmed.is_empty() {
                nist.csv
                    .push_str(&trimmed.split_whitespace().collect::<Vec<_>>().join(","));
                nist.csv.push('\n');
            }
        } else if trimmed.starts_with("Data:") && trimmed[5..].trim().starts_with('y') {
            in_data = true;
            nist.csv = trimmed[5..]
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(",")
                + "\n";
        } else if let Some((b, rest)) = parameter_line(trimmed) {
            let values = numbers(rest);
            assert_eq!(values.len(), 4, "{name}: {line}");
            nist.names.push(b.to_string());
            nist.starts[0].push(values[0]);
            nist.starts[1].push(values[1]);
            nist.parameters.push(values[2]);
            nist.deviations.push(values[3]);
        } else if let Some(rest) = trimmed.strip_prefix("Residual Sum of Squares:") {
            nist.rss = rest.trim().parse().unwrap();
        }
    }
    assert!(nist.rss.is_finite() && !nist.names.is_empty(), "{name}");
    nist
}

/// The log relative error `−log₁₀(|x − c|/|c|)`, the digits `x` shares
/// with the certified `c`, capped at 11, the certified values' precision.
fn digits(x: f64, c: f64) -> f64 {
    let relative = ((x - c) / c).abs();
    if relative == 0.0 {
        11.0
    } else {
        (-relative.log10()).min(11.0)
    }
}

/// One run: the problem, the start (1 or 2), the fit and its digits.
struct Run {
    problem: &'static str,
    start: usize,
    fit: Fit,
    /// The fewest digits over the parameters, over the standard errors, and the RSS's.
    digits: Option<(f64, f64, f64)>,
}

fn run(
    problem: &'static str,
    model: &str,
    y: Option<&str>,
    start: usize,
    jacobian: Jacobian,
) -> Run {
    let nist = read(problem);
    let table = Table::parse(&nist.csv, &format!("{problem}.csv")).unwrap();
    let starts: Vec<String> = nist
        .names
        .iter()
        .zip(&nist.starts[start - 1])
        .map(|(n, v)| format!("{n}={v}"))
        .collect();
    let p = Problem::new(model, &table, y, &starts).unwrap();
    // The fit lists the parameters in order of first appearance in the model
    // (MGH17 uses b4 before b3): put the certified values in that order.
    let order: Vec<usize> = p
        .names()
        .iter()
        .map(|n| nist.names.iter().position(|m| m == n).unwrap())
        .collect();
    let certified: Vec<f64> = order.iter().map(|&k| nist.parameters[k]).collect();
    let deviations: Vec<f64> = order.iter().map(|&k| nist.deviations[k]).collect();
    let options = Options {
        jacobian,
        ..Options::default()
    };
    let fit = p.fit(options).unwrap();
    let digits = fit.standard_errors.as_ref().ok().map(|se| {
        let min = |a: &[f64], c: &[f64]| {
            a.iter()
                .zip(c)
                .map(|(&x, &c)| digits(x, c))
                .fold(f64::INFINITY, f64::min)
        };
        (
            min(&fit.parameters, &certified),
            min(se, &deviations),
            digits(fit.residual_sum_of_squares, nist.rss),
        )
    });
    Run {
        problem,
        start,
        fit,
        digits,
    }
}

fn all_runs(jacobian: Jacobian) -> Vec<Run> {
    MODELS
        .iter()
        .flat_map(|&(problem, model, y)| {
            [1, 2].map(|start| run(problem, model, y, start, jacobian))
        })
        .collect()
}

#[test]
fn every_nist_run_converges_to_six_digits_of_every_certified_value() {
    let runs = all_runs(Jacobian::Exact);
    let mut failures = Vec::new();
    for r in &runs {
        // A run that says it converged must agree with NIST's certified
        // parameters, standard deviations and RSS to at least 6 significant
        // digits each (log relative error ≥ 6), and must have standard errors.
        match (r.fit.converged, r.digits) {
            (true, Some((p, se, rss))) if p >= 6.0 && se >= 6.0 && rss >= 6.0 => {}
            (true, d) => failures.push(format!(
                "{} start {}: converged, but digits (parameters, standard errors, RSS) = {d:?}: {}",
                r.problem, r.start, r.fit.message
            )),
            (false, _) => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // All 54 runs converge (the target of issue 27). Lanczos1 needs the
    // final residuals in 160-bit arithmetic from the file's decimal text:
    // its residuals (RMS 7.7e-14) are a few hundred ulps of its responses.
    let unconverged: Vec<String> = runs
        .iter()
        .filter(|r| !r.fit.converged)
        .map(|r| format!("{} start {}: {}", r.problem, r.start, r.fit.message))
        .collect();
    assert!(unconverged.is_empty(), "{}", unconverged.join("\n"));
}

/// The markdown table of `docs/fit.md`: digits reached per quantity and
/// iterations, for the exact Jacobian beside central differences.
#[test]
#[ignore = "prints the table of docs/fit.md; run with --ignored --nocapture"]
fn nist_table() {
    let exact = all_runs(Jacobian::Exact);
    let central = all_runs(Jacobian::CentralDifferences);
    let cell = |r: &Run| match (r.fit.converged, r.digits) {
        (true, Some((p, se, rss))) => {
            format!("{:.1} | {:.1} | {:.1} | {}", p, se, rss, r.fit.iterations)
        }
        (true, None) => format!("converged, no standard errors | | | {}", r.fit.iterations),
        (false, _) => format!("not converged | | | {}", r.fit.iterations),
    };
    println!(
        "| problem | start | parameters | std. errors | RSS | iterations | parameters | std. errors | RSS | iterations |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let good = |runs: &[Run]| {
        runs.iter()
            .filter(|r| {
                r.fit.converged
                    && r.digits
                        .is_some_and(|(p, se, rss)| p >= 6.0 && se >= 6.0 && rss >= 6.0)
            })
            .count()
    };
    for (e, c) in exact.iter().zip(&central) {
        println!(
            "| {} | {} | {} | {} |",
            e.problem,
            e.start,
            cell(e),
            cell(c)
        );
    }
    println!(
        "\nexact: {} of 54 converged with 6 digits of everything; central differences: {}",
        good(&exact),
        good(&central)
    );
    for r in exact.iter().chain(&central) {
        if !r.fit.converged {
            println!("{} start {}: {}", r.problem, r.start, r.fit.message);
        }
    }
}
