//! `tapegrad fit`: least-squares fitting of any model to the rows of a CSV
//! file, by Levenberg–Marquardt on the exact Jacobian.
//!
//! The model is an expression of the CLI's language. Its inputs that are
//! columns of the file are data; the others are the parameters. The
//! residual of row `i` is `yᵢ − model(row i)`, and the Jacobian's row `i`
//! is minus the model's gradient with respect to the parameters there: one
//! recording of the model, compiled ([`tapegrad::Compiled`]) and replayed
//! once per row with the row's values and the current parameters (a row
//! whose replay fails, a changed branch of `max` or `abs`, is recorded
//! afresh). The solver is the `levenberg-marquardt` crate, a port of
//! MINPACK's `lmder`, with its default tolerances (30 ε) and scaling.
//!
//! At the solution the residuals are computed again in 160-bit arithmetic
//! from the file's decimal text (the `dashu-float` crate) where the model's
//! functions allow, so that residuals far smaller than the responses keep
//! their digits in the sum of squares.
//!
//! The standard errors are `√(diag((JᵀJ)⁻¹)·RSS/df)` at the solution,
//! from the singular value decomposition of the Jacobian with its columns
//! scaled to unit length; a Jacobian whose columns are dependent to within
//! rounding makes them undefined, which the result says in words.

use std::cell::RefCell;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use clap::Args;
use levenberg_marquardt::{LeastSquaresProblem, LevenbergMarquardt, TerminationReason};
use nalgebra::{DMatrix, DVector, Dyn, Owned};
use tapegrad::{Compiled, Tape};

use crate::Source;
use crate::cli::SourceArgs;
use crate::error::{Error, Result};
use crate::eval;
use crate::expr::{self, Program};
use crate::format::{json_number, json_object, json_string, number, quoted};
use crate::precise::{self, Precise};
use crate::table::Table;
use crate::values::{quote_list, suggestion};

/// The default of `--max-iterations`.
pub const MAX_ITERATIONS: usize = 1000;

/// A fit whose residuals' norm is below this many times the rounding
/// error of computing them is reported as not converged: its sum of squares
/// and standard errors would be mostly rounding.
const ROUNDING_FLOOR: f64 = 1e6;

/// `tapegrad fit`.
#[derive(Debug, Clone, Args)]
pub struct FitArgs {
    /// The model: the argument, `--file`, or standard input. Its names that
    /// are columns of the data are data; the others are parameters.
    #[command(flatten)]
    pub source: SourceArgs,
    /// The data: a CSV file with a header row of column names.
    #[arg(long, value_name = "FILE.csv")]
    pub data: PathBuf,
    /// A starting value for every parameter, as NAME=VALUE pairs separated
    /// by commas or given with several --start.
    #[arg(
        long,
        value_name = "NAME=VALUE",
        value_delimiter = ',',
        allow_hyphen_values = true
    )]
    pub start: Vec<String>,
    /// The response, an expression of the columns [default: the column `y`].
    #[arg(long, value_name = "EXPR", allow_hyphen_values = true)]
    pub y: Option<String>,
    /// Print one JSON object: parameters, standard_errors,
    /// residual_sum_of_squares, residual_standard_deviation,
    /// degrees_of_freedom, iterations, converged and message.
    #[arg(long)]
    pub json: bool,
    /// Draw the data, the fitted curve against the first predictor and the
    /// residuals to FILE as an SVG picture (the name must end in .svg).
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
    /// Stop, unconverged, after this many iterations (Jacobian evaluations).
    #[arg(long, value_name = "N", default_value_t = MAX_ITERATIONS)]
    pub max_iterations: usize,
}

/// How the solver gets the Jacobian.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jacobian {
    /// Exact, by reverse-mode differentiation of the model (the command's way).
    Exact,
    /// Central differences of the model's values, with SciPy's step
    /// `ε^(1/3)·max(1, |p|)`: for comparison only.
    CentralDifferences,
}

/// The settings of a fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Stop, unconverged, after this many Jacobian evaluations.
    pub max_iterations: usize,
    /// Where the Jacobian comes from.
    pub jacobian: Jacobian,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            max_iterations: MAX_ITERATIONS,
            jacobian: Jacobian::Exact,
        }
    }
}

/// The result of a fit.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    /// The parameters' names, in order of first appearance in the model.
    pub names: Vec<String>,
    /// The parameters' values where the solver stopped.
    pub parameters: Vec<f64>,
    /// Their standard errors, or why they are undefined.
    pub standard_errors: std::result::Result<Vec<f64>, String>,
    /// The residual sum of squares `Σ rᵢ²`.
    pub residual_sum_of_squares: f64,
    /// `√(RSS/df)`, undefined (`None`) when `df = 0`.
    pub residual_standard_deviation: Option<f64>,
    /// Rows less parameters.
    pub degrees_of_freedom: usize,
    /// How many times the solver asked for the Jacobian.
    pub iterations: usize,
    /// How many times it evaluated the residuals.
    pub evaluations: usize,
    /// Whether a convergence test was met.
    pub converged: bool,
    /// Why the solver stopped.
    pub message: String,
    /// Each row's response `yᵢ`.
    pub response: Vec<f64>,
    /// Each row's fitted value `model(row i)` at the parameters.
    pub fitted: Vec<f64>,
}

/// A model, its data and its parameters, ready to fit.
pub struct Problem {
    source: Source,
    /// What each of the program's inputs is: a column of `rows` or a parameter.
    slots: Vec<Slot>,
    /// The parameters' names and starting values.
    names: Vec<String>,
    start: Vec<f64>,
    /// The data columns the model uses, row by row.
    rows: Vec<Vec<f64>>,
    /// The names of those columns, in the order of each row.
    columns: Vec<String>,
    /// The response of each row.
    response: Vec<f64>,
    /// The same in 160-bit arithmetic, if it can be computed so.
    precise_response: Option<Vec<Precise>>,
    /// The columns of `rows` read to 160 bits from the file's text.
    precise_rows: Option<Vec<Vec<Precise>>>,
    /// The first line of each row in the file, for messages.
    lines: Vec<u64>,
    shown: String,
    /// The response as the picture labels it: `y` or the `--y` expression.
    response_label: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Column(usize),
    Parameter(usize),
}

impl Problem {
    /// Reads the problem: `model` (its text), the data `table`, the
    /// response expression `y` (the column `y` if `None`), and the starting
    /// values `start` (`NAME=VALUE` items).
    ///
    /// ```
    /// use tapegrad_cli::fit::{Options, Problem};
    /// use tapegrad_cli::table::Table;
    ///
    /// let table = Table::parse("x,y\n0,1\n1,3\n2,5\n3,7.5\n", "d.csv").unwrap();
    /// let problem = Problem::new("a*x + b", &table, None, &["a=1".into(), "b=0".into()]).unwrap();
    /// let fit = problem.fit(Options::default()).unwrap();
    /// assert!(fit.converged);
    /// // The least-squares line through the points: a = 2.15, b = 0.9.
    /// assert!((fit.parameters[0] - 2.15).abs() < 1e-12 && (fit.parameters[1] - 0.9).abs() < 1e-12);
    /// ```
    ///
    /// # Errors
    /// A message for a model that does not parse, a missing response
    /// column, a column used that holds something else than numbers, a
    /// parameter without a start or a start for no parameter (or for a
    /// column), fewer rows than parameters, or a response that is not
    /// finite.
    pub fn new(model: &str, table: &Table, y: Option<&str>, start: &[String]) -> Result<Problem> {
        let program = expr::parse(model).map_err(|e| Error::Failed(e.render(model)))?;
        let source = Source {
            text: model.to_string(),
            program,
        };
        let shown = table.shown().to_string();
        let in_file = |e: String| Error::msg(e);
        let inputs: Vec<String> = source
            .program
            .inputs()
            .into_iter()
            .map(str::to_string)
            .collect();
        let mut columns: Vec<String> = Vec::new();
        let mut names: Vec<String> = Vec::new();
        let slots: Vec<Slot> = inputs
            .iter()
            .map(|name| {
                if table.has(name) {
                    columns.push(name.clone());
                    Slot::Column(columns.len() - 1)
                } else {
                    names.push(name.clone());
                    Slot::Parameter(names.len() - 1)
                }
            })
            .collect();
        if names.is_empty() {
            return Err(Error::msg(format_args!(
                "the model has no parameters: every name in it is a column of {shown} ({}), so there is nothing to fit",
                table.columns()
            )));
        }
        let start = start_values(&names, table, start)?;
        let (response, precise_response) = response(table, y)?;
        if table.len() < names.len() {
            return Err(Error::msg(format_args!(
                "{shown} has {} row{} but the model has {} parameters ({}): a fit needs at least as many rows as parameters",
                table.len(),
                if table.len() == 1 { "" } else { "s" },
                names.len(),
                quote_list(&names)
            )));
        }
        let data: Vec<Vec<f64>> = columns
            .iter()
            .map(|c| table.column(c))
            .collect::<std::result::Result<_, String>>()
            .map_err(in_file)?;
        let rows = (0..table.len())
            .map(|i| data.iter().map(|column| column[i]).collect())
            .collect();
        let precise_columns: Option<Vec<Vec<Precise>>> =
            columns.iter().map(|c| table.precise_column(c)).collect();
        let precise_rows = precise_columns.map(|data| {
            (0..table.len())
                .map(|i| data.iter().map(|column| column[i].clone()).collect())
                .collect()
        });
        Ok(Problem {
            source,
            slots,
            names,
            start,
            rows,
            columns,
            response,
            precise_response,
            precise_rows,
            lines: (0..table.len()).map(|i| table.line(i)).collect(),
            shown,
            response_label: y.unwrap_or("y").to_string(),
        })
    }

    /// The parameters' names, in order of first appearance in the model.
    ///
    /// ```
    /// use tapegrad_cli::{fit::Problem, table::Table};
    ///
    /// let table = Table::parse("t,y\n0,5\n1,3\n2,2\n", "d.csv").unwrap();
    /// let start = ["a=5".to_string(), "k=0.5".into()];
    /// let problem = Problem::new("a*exp(-k*t)", &table, None, &start).unwrap();
    /// assert_eq!(problem.names(), ["a", "k"]); // `t` is a column: data
    /// ```
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The model's point for row `row` at the parameters `p`: every input's value.
    fn point(&self, row: usize, p: &[f64], point: &mut Vec<f64>) {
        point.clear();
        point.extend(self.slots.iter().map(|slot| match *slot {
            Slot::Column(c) => self.rows[row][c],
            Slot::Parameter(j) => p[j],
        }));
    }

    /// `row 3 (line 4 of data.csv)`.
    fn row_name(&self, row: usize) -> String {
        format!(
            "row {} (line {} of {})",
            row + 1,
            self.lines[row],
            self.shown
        )
    }

    /// Fits the model from the starting values.
    ///
    /// ```
    /// use tapegrad_cli::fit::{Options, Problem};
    /// use tapegrad_cli::table::Table;
    ///
    /// // y = c·e^(k·x) through three points, from a rough start.
    /// let table = Table::parse("x,y\n0,2.1\n1,5.3\n2,15.2\n", "d.csv").unwrap();
    /// let start = ["c=1".to_string(), "k=1".into()];
    /// let fit = Problem::new("c*exp(k*x)", &table, None, &start).unwrap().fit(Options::default()).unwrap();
    /// assert!(fit.converged && fit.degrees_of_freedom == 1);
    /// assert!(fit.standard_errors.is_ok());
    /// ```
    ///
    /// # Errors
    /// A message if the model or its gradient is not finite at the start
    /// for some row, naming the row and the part of the model, as
    /// `tapegrad grad` does. A fit that stops without converging is not
    /// an error: its [`Fit::converged`] is false.
    pub fn fit(&self, options: Options) -> Result<Fit> {
        let mut model = Model::new(self);
        // Every row must give a finite value and gradient at the start.
        let mut grad = vec![0.0; self.names.len()];
        for row in 0..self.rows.len() {
            if model.row(row, &self.start, Some(&mut grad)).is_none() {
                return Err(self.fault_at_start(row));
            }
        }
        let n = self.names.len();
        let target = Target {
            model: RefCell::new(&mut model),
            problem: self,
            params: DVector::from_vec(self.start.clone()),
            options,
            iterations: RefCell::new(0),
            stop: RefCell::new(None),
        };
        // The evaluation limit only guards against a solver that never asks
        // for a new Jacobian; `max_iterations` is the limit users set.
        let patience = patience(options.max_iterations, n);
        let solver = LevenbergMarquardt::new().with_patience(patience);
        let (target, report) = solver.minimize(target);
        let iterations = *target.iterations.borrow();
        let stop = target.stop.borrow().clone();
        let params: Vec<f64> = target.params.iter().copied().collect();
        drop(target);

        let mut fitted = Vec::with_capacity(self.rows.len());
        let mut rss = 0.0;
        let mut finite = true;
        for (row, &y) in self.response.iter().enumerate() {
            match model.row(row, &params, None) {
                Some(f) => {
                    fitted.push(f);
                    rss += (y - f) * (y - f);
                }
                None => {
                    fitted.push(f64::NAN);
                    finite = false;
                }
            }
        }
        let (mut converged, mut message) = describe(&report.termination, stop, options, n);
        if !finite || !rss.is_finite() {
            converged = false;
            message = format!(
                "{message}; but the model is not finite at the final parameters, so there is no fit"
            );
        }
        // The sum of squares from residuals computed in 160-bit arithmetic
        // where the model allows: a residual far smaller than the response
        // keeps its digits there, where f64 rounds most of them away.
        let precise_rss = if finite {
            self.precise_rss(&params)
        } else {
            None
        };
        if let Some(precise) = precise_rss {
            rss = precise;
        }
        // Otherwise residuals as small as the rounding errors of computing
        // them in f64 carry few digits, and so do the RSS and the standard
        // errors made of them (as NIST's Lanczos1's would).
        let noise = f64::EPSILON
            * self
                .response
                .iter()
                .zip(&fitted)
                .map(|(y, f)| (y.abs() + f.abs()).powi(2))
                .sum::<f64>()
                .sqrt();
        if converged && precise_rss.is_none() && rss.sqrt() < ROUNDING_FLOOR * noise {
            converged = false;
            message = format!(
                "not converged to a fit f64 can report: the residuals (root mean square {}) are within a million rounding errors of the responses, so the sum of squares and the standard errors have fewer than 6 correct digits; the parameters are as close as f64 gets",
                number((rss / self.rows.len() as f64).sqrt()),
            );
        }
        let df = self.rows.len() - n;
        let standard_errors = if !converged {
            Err("the fit did not converge".to_string())
        } else if df == 0 {
            Err(format!(
                "there are as many rows as parameters ({n}), so no degrees of freedom are left to estimate the noise"
            ))
        } else {
            match model.jacobian(&params, options.jacobian) {
                Some(j) => standard_errors(&j, rss / df as f64, &self.names),
                None => Err("the Jacobian is not finite at the solution".to_string()),
            }
        };
        Ok(Fit {
            names: self.names.clone(),
            parameters: params,
            standard_errors,
            residual_sum_of_squares: rss,
            residual_standard_deviation: (df > 0).then(|| (rss / df as f64).sqrt()),
            degrees_of_freedom: df,
            iterations,
            evaluations: report.number_of_evaluations,
            converged,
            message,
            response: self.response.clone(),
            fitted,
        })
    }

    /// `Σ rᵢ²` at the parameters `p` from residuals computed in 160-bit
    /// arithmetic, or `None` if the model or the response has a function
    /// that evaluation does not cover, or a value outside its domain.
    fn precise_rss(&self, p: &[f64]) -> Option<f64> {
        let responses = self.precise_response.as_ref()?;
        let rows = self.precise_rows.as_ref()?;
        let p: Vec<Precise> = p
            .iter()
            .map(|&x| precise::exact(x))
            .collect::<Option<_>>()?;
        let residuals = responses
            .iter()
            .zip(rows)
            .map(|(y, row)| {
                let point: Vec<Precise> = self
                    .slots
                    .iter()
                    .map(|slot| match *slot {
                        Slot::Column(c) => row[c].clone(),
                        Slot::Parameter(j) => p[j].clone(),
                    })
                    .collect();
                let f = precise::value(&self.source.program, &point)?;
                precise::difference(y, &f)
            })
            .collect::<Option<Vec<Precise>>>()?;
        precise::sum_of_squares(&residuals)
    }

    /// The error for a row whose value or gradient is not finite at the
    /// start: recorded afresh, so the engine names the node and a caret
    /// points at the part of the model that made it.
    fn fault_at_start(&self, row: usize) -> Error {
        let mut point = Vec::new();
        self.point(row, &self.start, &mut point);
        let tape = Tape::new();
        let at = self.row_name(row);
        let e = match eval::evaluate(&tape, &self.source.program, &self.source.text, &point) {
            Ok(e) => e,
            Err(c) => return Error::at(format_args!("{at}: {c}"), &self.source.text, c.span),
        };
        // The value, else the first parameter whose derivative is not finite.
        let what = if e.output.value().is_finite() {
            let g = e.output.backward();
            let bad = self
                .slots
                .iter()
                .zip(&e.inputs)
                .find_map(|(slot, (name, leaf))| {
                    let d = g.wrt(*leaf);
                    (matches!(slot, Slot::Parameter(_)) && !d.is_finite())
                        .then(|| format!("its derivative with respect to {} is {d}", quoted(name)))
                });
            match bad {
                Some(what) => format!("{what}: "),
                None => return Error::msg(format_args!("the model is finite at the start, {at}")),
            }
        } else {
            String::new()
        };
        let message = format!("the model is not finite at the start, {at}: {what}");
        match e.output.try_backward() {
            Err(err) => self.source.fault(format_args!("{message}{err}"), &err, &e),
            Ok(_) => Error::msg(format_args!(
                "{message}its value is {}",
                number(e.output.value())
            )),
        }
    }
}

/// The starting values of the parameters `names` from the `--start` items.
fn start_values(names: &[String], table: &Table, items: &[String]) -> Result<Vec<f64>> {
    let mut values: Vec<Option<f64>> = vec![None; names.len()];
    for item in items.iter().filter(|item| !item.trim().is_empty()) {
        let Some((name, text)) = item.split_once('=') else {
            return Err(Error::msg(format_args!(
                "{} is not NAME=VALUE: write it like `--start {}=1.5`",
                quoted(&format!("--start {item}")),
                names[0]
            )));
        };
        let (name, text) = (name.trim(), text.trim());
        let Some(slot) = names.iter().position(|n| n == name) else {
            if table.has(name) {
                return Err(Error::msg(format_args!(
                    "{} is a column of {}, so it is data, not a parameter: it takes no --start (the parameters are {})",
                    quoted(name),
                    table.shown(),
                    quote_list(names)
                )));
            }
            let hint = suggestion(name, names.iter().map(String::as_str));
            return Err(Error::msg(format_args!(
                "--start gives {}, which is not a parameter of the model{hint}; the parameters are {}",
                quoted(name),
                quote_list(names)
            )));
        };
        let value = crate::values::parse_number(name, text)?;
        if values[slot].replace(value).is_some() {
            return Err(Error::msg(format_args!(
                "{} is given two starting values with --start",
                quoted(name)
            )));
        }
    }
    let missing: Vec<&str> = names
        .iter()
        .zip(&values)
        .filter(|(_, v)| v.is_none())
        .map(|(n, _)| n.as_str())
        .collect();
    if !missing.is_empty() {
        let example: Vec<String> = missing.iter().map(|m| format!("{m}=VALUE")).collect();
        return Err(Error::msg(format_args!(
            "no starting value for the parameter{} {} (not {}): give {} with --start {}",
            if missing.len() == 1 { "" } else { "s" },
            quote_list(&missing),
            if missing.len() == 1 {
                format!("a column of {}", table.shown())
            } else {
                format!("columns of {}", table.shown())
            },
            if missing.len() == 1 { "it" } else { "them" },
            example.join(",")
        )));
    }
    Ok(values.into_iter().map(|v| v.unwrap_or(0.0)).collect())
}

/// Each row's response: the column `y`, or the expression `y` of the columns.
/// Each row's response: the column `y`, or the expression `y` of the
/// columns; and the same in 160-bit arithmetic where it can be computed so.
fn response(table: &Table, y: Option<&str>) -> Result<(Vec<f64>, Option<Vec<Precise>>)> {
    let shown = table.shown();
    let Some(text) = y else {
        if !table.has("y") {
            return Err(Error::msg(format_args!(
                "{shown} has no column `y`, the response: name the response column y, or give --y EXPR (the columns are {})",
                table.columns()
            )));
        }
        let values = table.column("y").map_err(Error::msg)?;
        return Ok((values, table.precise_column("y")));
    };
    let program: Program = expr::parse(text)
        .map_err(|e| Error::Failed(e.render(text).replacen("error: ", "error: --y: ", 1)))?;
    let inputs = program.inputs();
    if let Some(name) = inputs.iter().find(|n| !table.has(n)) {
        let hint = suggestion(name, table.names.iter().map(String::as_str));
        return Err(Error::msg(format_args!(
            "--y uses {}, which is not a column of {shown}{hint}; the columns are {}",
            quoted(name),
            table.columns()
        )));
    }
    let columns: Vec<Vec<f64>> = inputs
        .iter()
        .map(|n| table.column(n))
        .collect::<std::result::Result<_, String>>()
        .map_err(Error::msg)?;
    let point = |i: usize| -> Vec<f64> { columns.iter().map(|c| c[i]).collect() };
    let values = (0..table.len())
        .map(|i| {
            eval::value_at(&program, text, &point(i)).ok_or_else(|| {
                Error::msg(format_args!(
                    "--y {} is not finite at row {} (line {} of {shown})",
                    quoted(text),
                    i + 1,
                    table.line(i)
                ))
            })
        })
        .collect::<Result<Vec<f64>>>()?;
    let precise_columns: Option<Vec<Vec<Precise>>> =
        inputs.iter().map(|n| table.precise_column(n)).collect();
    let precise = precise_columns.and_then(|columns| {
        (0..table.len())
            .map(|i| {
                let point: Vec<Precise> = columns.iter().map(|c| c[i].clone()).collect();
                precise::value(&program, &point)
            })
            .collect()
    });
    Ok((values, precise))
}

/// The model's values and gradients, row by row: by replay of one compiled
/// recording, and by recording afresh where a replay fails.
struct Model<'p> {
    problem: &'p Problem,
    compiled: Option<Compiled>,
    point: Vec<f64>,
    grad: Vec<f64>,
}

impl<'p> Model<'p> {
    fn new(problem: &'p Problem) -> Model<'p> {
        let mut point = Vec::new();
        problem.point(0, &problem.start, &mut point);
        let tape = Tape::new();
        let compiled = eval::evaluate(&tape, &problem.source.program, &problem.source.text, &point)
            .ok()
            .and_then(|e| {
                let leaves: Vec<_> = e.inputs.iter().map(|(_, v)| *v).collect();
                tape.compile(e.output, &leaves).ok()
            });
        Model {
            problem,
            compiled,
            point,
            grad: Vec::new(),
        }
    }

    /// The model's value at row `row` and parameters `p`, and with `grad`
    /// its gradient with respect to the parameters; `None` if either is not
    /// finite.
    fn row(&mut self, row: usize, p: &[f64], grad: Option<&mut [f64]>) -> Option<f64> {
        let problem = self.problem;
        problem.point(row, p, &mut self.point);
        self.grad.resize(self.point.len(), 0.0);
        let replayed = match (&mut self.compiled, &grad) {
            // Unchecked: a derivative with respect to a column may be infinite
            // (`sqrt(x)` at x = 0) where every parameter's is finite; the
            // parameters' are checked below.
            (Some(f), Some(_)) => f.gradient(&self.point, &mut self.grad).ok(),
            (Some(f), None) => f.value(&self.point).ok().filter(|v| v.is_finite()),
            (None, _) => None,
        };
        let value = match replayed {
            Some(value) => value,
            None => {
                let tape = Tape::new();
                let e = eval::evaluate(
                    &tape,
                    &problem.source.program,
                    &problem.source.text,
                    &self.point,
                )
                .ok()?;
                let g = e.output.backward();
                for (d, (_, leaf)) in self.grad.iter_mut().zip(&e.inputs) {
                    *d = g.wrt(*leaf);
                }
                e.output.value()
            }
        };
        if let Some(grad) = grad {
            for (slot, &d) in problem.slots.iter().zip(&self.grad) {
                if let Slot::Parameter(j) = *slot {
                    if !d.is_finite() {
                        return None;
                    }
                    grad[j] = d;
                }
            }
        }
        value.is_finite().then_some(value)
    }

    /// The residuals `yᵢ − model(row i)` at `p`, `None` if one is not finite.
    fn residuals(&mut self, p: &[f64]) -> Option<DVector<f64>> {
        let problem = self.problem;
        let mut r = DVector::zeros(problem.rows.len());
        for (i, &y) in problem.response.iter().enumerate() {
            r[i] = y - self.row(i, p, None)?;
            if !r[i].is_finite() {
                return None;
            }
        }
        Some(r)
    }

    /// The Jacobian of the residuals at `p`, `None` if an entry is not finite.
    fn jacobian(&mut self, p: &[f64], kind: Jacobian) -> Option<DMatrix<f64>> {
        let (m, n) = (self.problem.rows.len(), p.len());
        let mut j = DMatrix::zeros(m, n);
        match kind {
            Jacobian::Exact => {
                let mut grad = vec![0.0; n];
                for i in 0..m {
                    self.row(i, p, Some(&mut grad))?;
                    for (k, &d) in grad.iter().enumerate() {
                        j[(i, k)] = -d;
                    }
                }
            }
            Jacobian::CentralDifferences => {
                let mut q = p.to_vec();
                for k in 0..n {
                    let h = f64::EPSILON.cbrt() * p[k].abs().max(1.0);
                    q[k] = p[k] + h;
                    let up = self.residuals(&q)?;
                    q[k] = p[k] - h;
                    let down = self.residuals(&q)?;
                    q[k] = p[k];
                    // The step actually taken, as rounding made it.
                    let width = (p[k] + h) - (p[k] - h);
                    for i in 0..m {
                        j[(i, k)] = (up[i] - down[i]) / width;
                    }
                }
            }
        }
        j.iter().all(|x| x.is_finite()).then_some(j)
    }
}

/// Why the solver was stopped from outside.
#[derive(Debug, Clone, PartialEq)]
enum Stop {
    /// `--max-iterations` was reached.
    MaxIterations,
    /// The Jacobian was not finite at an accepted point.
    NonFiniteJacobian,
}

/// The problem as the solver sees it.
struct Target<'m, 'p> {
    model: RefCell<&'m mut Model<'p>>,
    problem: &'p Problem,
    params: DVector<f64>,
    options: Options,
    iterations: RefCell<usize>,
    stop: RefCell<Option<Stop>>,
}

impl LeastSquaresProblem<f64, Dyn, Dyn> for Target<'_, '_> {
    type ResidualStorage = Owned<f64, Dyn>;
    type JacobianStorage = Owned<f64, Dyn, Dyn>;
    type ParameterStorage = Owned<f64, Dyn>;

    fn set_params(&mut self, x: &DVector<f64>) {
        self.params.copy_from(x);
    }

    fn params(&self) -> DVector<f64> {
        self.params.clone()
    }

    fn residuals(&self) -> Option<DVector<f64>> {
        let p = self.params.as_slice();
        match self.model.borrow_mut().residuals(p) {
            Some(r) => Some(r),
            // A trial point where the model is not finite is infinitely bad:
            // residuals this large make the solver reject the step and
            // shrink its trust region.
            None => Some(DVector::from_element(self.problem.rows.len(), 1e150)),
        }
    }

    fn jacobian(&self) -> Option<DMatrix<f64>> {
        let mut iterations = self.iterations.borrow_mut();
        if *iterations >= self.options.max_iterations {
            *self.stop.borrow_mut() = Some(Stop::MaxIterations);
            return None;
        }
        *iterations += 1;
        let j = self
            .model
            .borrow_mut()
            .jacobian(self.params.as_slice(), self.options.jacobian);
        if j.is_none() {
            *self.stop.borrow_mut() = Some(Stop::NonFiniteJacobian);
        }
        j
    }
}

/// The solver's `patience`: it stops after `patience·(n + 1)` evaluations
/// of the residuals, a product that must not overflow (`--max-iterations`
/// may be any number).
fn patience(max_iterations: usize, n: usize) -> usize {
    max_iterations
        .saturating_mul(10)
        .max(100)
        .min(usize::MAX / (n + 1))
}

/// Whether the solver's reason to stop is convergence, and the reason in words.
fn describe(
    reason: &TerminationReason,
    stop: Option<Stop>,
    options: Options,
    n: usize,
) -> (bool, String) {
    let tolerance = "30ε (6.7e-15)";
    match reason {
        TerminationReason::Converged { ftol, xtol } => {
            let why = match (ftol, xtol) {
                (true, true) => format!(
                    "the relative reduction of the sum of squares and the relative step are both at most {tolerance}"
                ),
                (true, false) => {
                    format!("the relative reduction of the sum of squares is at most {tolerance}")
                }
                _ => format!("the relative step is at most {tolerance}"),
            };
            (true, format!("converged: {why}"))
        }
        TerminationReason::Orthogonal => (
            true,
            format!(
                "converged: the gradient is zero, the residuals being orthogonal to every column of the Jacobian to within {tolerance}"
            ),
        ),
        TerminationReason::ResidualsZero => (
            true,
            "converged: the residuals are zero, the model goes through every point".to_string(),
        ),
        TerminationReason::User(_) => match stop {
            Some(Stop::MaxIterations) => (
                false,
                format!(
                    "not converged: the iteration limit (--max-iterations {}) was reached",
                    options.max_iterations
                ),
            ),
            _ => (
                false,
                "not converged: the Jacobian is not finite at the parameters reached".to_string(),
            ),
        },
        TerminationReason::LostPatience => (
            false,
            format!(
                "not converged: the limit of {} evaluations of the residuals was reached",
                patience(options.max_iterations, n) * (n + 1)
            ),
        ),
        TerminationReason::NoImprovementPossible(what) => (
            false,
            format!(
                "not converged: no further improvement is possible in f64 arithmetic, but the {what} test is not met"
            ),
        ),
        TerminationReason::Numerical(what) => (
            false,
            format!("not converged: the solver's {what} became NaN or infinite"),
        ),
        other => (false, format!("not converged: {other:?}")),
    }
}

/// `√(diag((JᵀJ)⁻¹)·s²)` from the SVD of `J` with its columns scaled to
/// unit length, or why it is undefined: a column of zeros, or columns that
/// are dependent to within rounding.
fn standard_errors(
    j: &DMatrix<f64>,
    variance: f64,
    names: &[String],
) -> std::result::Result<Vec<f64>, String> {
    let (m, n) = j.shape();
    let norms: Vec<f64> = (0..n).map(|k| j.column(k).norm()).collect();
    if let Some(k) = norms.iter().position(|&d| d == 0.0) {
        return Err(format!(
            "JᵀJ is singular: the model does not change with {} at the solution",
            quoted(&names[k])
        ));
    }
    let mut scaled = j.clone();
    for (k, &d) in norms.iter().enumerate() {
        scaled.column_mut(k).scale_mut(1.0 / d);
    }
    let svd = scaled.svd(false, true);
    let sigma = &svd.singular_values;
    let v_t = svd.v_t.as_ref().expect("asked for V");
    let largest = sigma.max();
    let (smallest_at, smallest) = sigma.argmin();
    if smallest <= largest * (m.max(n) as f64) * f64::EPSILON {
        // The right singular vector of the smallest singular value is the
        // combination of parameters that leaves the model unchanged.
        let null = v_t.row(smallest_at);
        let involved: Vec<&str> = (0..n)
            .filter(|&k| null[k].abs() > 0.1)
            .map(|k| names[k].as_str())
            .collect();
        return Err(format!(
            "JᵀJ is singular: at the solution, changing {} together leaves the model unchanged to within rounding",
            quote_list(&involved)
        ));
    }
    Ok((0..n)
        .map(|k| {
            let diagonal: f64 = (0..sigma.len())
                .map(|i| (v_t[(i, k)] / sigma[i]).powi(2))
                .sum();
            (diagonal * variance).sqrt() / norms[k]
        })
        .collect())
}

/// The fit as one JSON object, with the keys the docs list.
///
/// ```
/// use tapegrad_cli::{fit::{Options, Problem, json}, table::Table};
///
/// let table = Table::parse("x,y\n0,1\n1,3\n2,5\n3,7.5\n", "d.csv").unwrap();
/// let start = ["a=1".to_string(), "b=0".into()];
/// let fit = Problem::new("a*x + b", &table, None, &start).unwrap().fit(Options::default()).unwrap();
/// assert!(json(&fit).starts_with(r#"{"parameters": {"a": 2.15"#));
/// ```
pub fn json(fit: &Fit) -> String {
    let object = |values: &[f64]| {
        json_object(
            fit.names
                .iter()
                .zip(values)
                .map(|(n, &v)| (n.as_str(), json_number(v))),
        )
    };
    let message = match &fit.standard_errors {
        Err(why) if fit.converged => {
            format!("{}; the standard errors are undefined: {why}", fit.message)
        }
        _ => fit.message.clone(),
    };
    json_object([
        ("parameters", object(&fit.parameters)),
        (
            "standard_errors",
            fit.standard_errors
                .as_ref()
                .map_or_else(|_| "null".to_string(), |se| object(se)),
        ),
        (
            "residual_sum_of_squares",
            json_number(fit.residual_sum_of_squares),
        ),
        (
            "residual_standard_deviation",
            fit.residual_standard_deviation
                .map_or_else(|| "null".to_string(), json_number),
        ),
        ("degrees_of_freedom", fit.degrees_of_freedom.to_string()),
        ("iterations", fit.iterations.to_string()),
        ("converged", fit.converged.to_string()),
        ("message", json_string(&message)),
    ])
}

/// The reason in a message, without its `converged: ` or `not converged: `.
fn reason(message: &str) -> &str {
    message
        .strip_prefix("converged: ")
        .or_else(|| message.strip_prefix("not converged: "))
        .unwrap_or(message)
}

/// The fit as the text the command prints.
///
/// ```
/// use tapegrad_cli::{fit::{Options, Problem, text}, table::Table};
///
/// let table = Table::parse("x,y\n0,1\n1,3\n2,5\n3,7.5\n", "d.csv").unwrap();
/// let start = ["a=1".to_string(), "b=0".into()];
/// let fit = Problem::new("a*x + b", &table, None, &start).unwrap().fit(Options::default()).unwrap();
/// assert!(text(&fit).contains("degrees of freedom           2\n"));
/// ```
pub fn text(fit: &Fit) -> String {
    let mut out = String::new();
    let width = fit
        .names
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(0)
        .max(9);
    let values: Vec<String> = fit.parameters.iter().map(|&v| number(v)).collect();
    let value_width = values.iter().map(String::len).max().unwrap_or(0).max(8);
    out.push_str(&format!(
        "{:width$}  {:value_width$}  standard error\n",
        "parameter", "estimate"
    ));
    for (k, (name, value)) in fit.names.iter().zip(&values).enumerate() {
        let se = match &fit.standard_errors {
            Ok(se) => number(se[k]),
            Err(_) => "undefined".to_string(),
        };
        out.push_str(&format!("{name:width$}  {value:value_width$}  {se}\n"));
    }
    if let (Err(why), true) = (&fit.standard_errors, fit.converged) {
        out.push_str(&format!("The standard errors are undefined: {why}.\n"));
    }
    out.push('\n');
    let rows = [
        (
            "residual sum of squares",
            number(fit.residual_sum_of_squares),
        ),
        (
            "residual standard deviation",
            fit.residual_standard_deviation
                .map_or_else(|| "undefined (no degrees of freedom)".to_string(), number),
        ),
        ("degrees of freedom", fit.degrees_of_freedom.to_string()),
        ("iterations", fit.iterations.to_string()),
        (
            "converged",
            if fit.converged { "yes" } else { "no" }.to_string(),
        ),
        ("stopped because", reason(&fit.message).to_string()),
    ];
    for (label, value) in rows {
        out.push_str(&format!("{label:27}  {value}\n"));
    }
    out
}

pub(crate) fn run(args: &FitArgs, stdin: &mut dyn Read, out: &mut dyn Write) -> Result<()> {
    if let Some(path) = &args.plot {
        crate::svg_path(path, "--plot")?;
    }
    if args.max_iterations == 0 {
        return Err(Error::msg("--max-iterations must be at least 1"));
    }
    let source = Source::load(&args.source, stdin)?;
    let shown = args.data.display().to_string();
    let contents = std::fs::read_to_string(&args.data)
        .map_err(|e| Error::msg(format_args!("cannot read `{shown}`: {e}")))?;
    let table = Table::parse(&contents, &shown).map_err(Error::msg)?;
    let problem = Problem::new(&source.text, &table, args.y.as_deref(), &args.start)?;
    let options = Options {
        max_iterations: args.max_iterations,
        jacobian: Jacobian::Exact,
    };
    let fit = problem.fit(options)?;
    if let Some(path) = &args.plot {
        plot(path, &problem, &fit)?;
    }
    if args.json {
        writeln!(out, "{}", json(&fit))?;
    } else {
        write!(out, "{}", text(&fit))?;
    }
    if fit.converged {
        Ok(())
    } else {
        out.flush()?;
        Err(Error::NotConverged(format!(
            "error: the fit did not converge: {}",
            reason(&fit.message)
        )))
    }
}

/// Draws the data and the fitted curve against the first column the model
/// uses, and the residuals below, to `path`.
fn plot(path: &Path, problem: &Problem, fit: &Fit) -> Result<()> {
    crate::fit_plot::draw(path, problem, fit)
}

impl Problem {
    /// The columns the model uses, in order of first appearance.
    pub(crate) fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The values of column `c` (of [`Problem::columns`]) in every row.
    pub(crate) fn column_values(&self, c: usize) -> Vec<f64> {
        self.rows.iter().map(|row| row[c]).collect()
    }

    /// The model's value at the parameters `p` with every column at row
    /// `row`'s values except column `c`, set to `x`; `None` where it is not
    /// finite. For the fitted curve.
    pub(crate) fn curve_at(&self, row: usize, c: usize, x: f64, p: &[f64]) -> Option<f64> {
        let mut point = Vec::new();
        self.point(row, p, &mut point);
        for (slot, value) in self.slots.iter().zip(point.iter_mut()) {
            if *slot == Slot::Column(c) {
                *value = x;
            }
        }
        eval::value_at(&self.source.program, &self.source.text, &point)
    }

    /// The file's name as messages show it.
    pub(crate) fn shown(&self) -> &str {
        &self.shown
    }

    /// The response as the picture labels it.
    pub(crate) fn response_label(&self) -> &str {
        &self.response_label
    }
}
