//! The command line, as clap reads it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

const LANGUAGE: &str = "\
Expressions: numbers (2, 1.5e-3), variables, + - * / ^, unary minus,
parentheses, the constants pi and e, and the engine's functions: every
one-input op by name (ln, exp, sqrt, sin, cos, tan, tanh, sigmoid, relu,
abs, recip, asin, atan, sinh, erf, ln_1p, cbrt, floor, …: docs/cli.md lists
them), atan2(y, x), hypot(x, y), max(a, b), min(a, b), and log(x) or
log(x, base). `^` binds tightest
and groups to the right (-x^2 is -(x^2), 2^3^2 is 2^9); then unary minus;
then * and /; then + and -, each grouping to the left. Statements are
separated by `;` or new lines: every one but the last binds a name
(`x = 2*w + 3*b`), which names its node in graph dumps; the last one is the
output. Every other name is an input, whose value the command receives.
See docs/cli.md.";

const EXAMPLES: &str = "\
Examples:
  tapegrad grad 'x = 2*w + 3*b; y = 2*b + 1; x*y' --at w=3,b=4
  tapegrad descend 'x^2 + sin(y)^2' --from x=3,y=1 --eta 0.1 --until 0.01
  tapegrad solve 'x = 2*w + 3*b; y = 2*b + 1; x*y' --target 150 --from w=3,b=4
  tapegrad examples linear";

/// The tapegrad command: expressions in, values, gradients, graphs and
/// descent paths out.
#[derive(Debug, Parser)]
#[command(name = "tapegrad", version, about, long_about = None, after_help = EXAMPLES)]
#[command(after_long_help = format!("{LANGUAGE}\n\n{EXAMPLES}"))]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print an expression's value and its partial derivatives at a point.
    #[command(after_help = GRAD_EXAMPLES)]
    Grad(GradArgs),
    /// Run gradient descent on an expression and print the iterations.
    #[command(after_help = DESCEND_EXAMPLES)]
    Descend(DescendArgs),
    /// Move inputs until an expression reaches a target, by backpropagation.
    #[command(after_help = SOLVE_EXAMPLES)]
    Solve(SolveArgs),
    /// Run the tutorial's worked examples.
    #[command(after_help = EXAMPLES_EXAMPLES)]
    Examples(ExamplesArgs),
    /// Train an MLP classifier on a CSV file (softmax cross-entropy).
    #[command(after_help = TRAIN_EXAMPLES)]
    Train(crate::train::TrainArgs),
    /// Classify the rows of a CSV file with a model saved by `train`.
    #[command(after_help = PREDICT_EXAMPLES)]
    Predict(crate::predict::PredictArgs),
    /// Fit a model's parameters to the rows of a CSV file (least squares,
    /// Levenberg–Marquardt on the exact Jacobian).
    #[command(after_help = FIT_EXAMPLES)]
    Fit(crate::fit::FitArgs),
}

const FIT_EXAMPLES: &str = "\
Examples:
  tapegrad fit 'a*exp(-k*t) + c' --data decay.csv --start a=5,k=0.1,c=0
  tapegrad fit 'b1*(1 - exp(-b2*x))' --data misra.csv --start b1=500,b2=1e-4 --json
  tapegrad fit 'b1 - b2*x1*exp(-b3*x2)' --data nelson.csv --y 'ln(y)' --start b1=2,b2=0.0001,b3=-0.01
  tapegrad fit -f model.txt --data data.csv --start a=1,b=1 --plot fit.svg";

const TRAIN_EXAMPLES: &str = "\
Examples:
  tapegrad train iris.csv
  tapegrad train iris.csv --hidden 16,16 --activation relu --epochs 200 --save iris.json
  tapegrad train data.csv --label species --test-fraction 0.3 --json --plot loss.svg";

const PREDICT_EXAMPLES: &str = "\
Examples:
  tapegrad predict iris.json new-flowers.csv
  tapegrad predict iris.json new-flowers.csv --json";

const GRAD_EXAMPLES: &str = "\
Examples:
  tapegrad grad 'x = 2*w + 3*b; y = 2*b + 1; x*y' --at w=3,b=4
  tapegrad grad 'x*y + sin(x)' --at x=1 --at y=2 --wrt x
  tapegrad grad 'x^2*y' --at x=1,y=3 --order 2 --json
  tapegrad grad 'z = sigmoid(w*x + b); z' --at w=0.5,x=2,b=-1 --text
  tapegrad grad -f model.txt --at w=3,b=4 --svg graph.svg
  tapegrad grad -f model.txt --at w=3,b=4 --html backprop.html
  echo 'ln(x)/x' | tapegrad grad - --at x=2";

const DESCEND_EXAMPLES: &str = "\
Examples:
  tapegrad descend 'x^2 + sin(y)^2' --from x=3,y=1 --eta 0.1 --until 0.01
  tapegrad descend 'x^2' --from x=1.2 --eta 0.3 --until 0.001 --plot path.svg
  tapegrad descend '(a*2 + b - 5)^2' --from a=0,b=0 --wrt a --max-steps 50";

const SOLVE_EXAMPLES: &str = "\
Examples:
  tapegrad solve 'x = 2*w + 3*b; y = 2*b + 1; x*y' --target 150 --from w=3,b=4
  tapegrad solve 'x = 2*w + 3*b; y = 2*b + 1; x*y' --target 150 --from w=3,b=4 --wrt b
  tapegrad solve 'sqrt(x)' --target 3 --from x=1 --tolerance 1e-9";

const EXAMPLES_EXAMPLES: &str = "\
Examples:
  tapegrad examples --list
  tapegrad examples linear
  tapegrad examples descent-2d --out pictures";

/// Where the expression comes from: the argument, a file, or standard input.
#[derive(Debug, Clone, Args)]
#[group(id = "source", required = true, multiple = false)]
pub struct SourceArgs {
    /// The expression; `-` reads it from standard input.
    #[arg(value_name = "EXPR", allow_hyphen_values = true)]
    pub expr: Option<String>,
    /// Read the expression from FILE (`-` for standard input).
    #[arg(short, long, value_name = "FILE")]
    pub file: Option<PathBuf>,
}

/// `tapegrad grad`.
#[derive(Debug, Clone, Args)]
pub struct GradArgs {
    /// The expression: the argument, `--file`, or standard input.
    #[command(flatten)]
    pub source: SourceArgs,
    /// The point: a value for every input, as NAME=VALUE pairs separated by
    /// commas or given with several --at.
    #[arg(
        long,
        value_name = "NAME=VALUE",
        value_delimiter = ',',
        allow_hyphen_values = true
    )]
    pub at: Vec<String>,
    /// Differentiate with respect to these names only, in this order (inputs,
    /// or bindings for first derivatives); all inputs by default.
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    pub wrt: Vec<String>,
    /// 2 adds the Hessian (second derivatives), from the recorded gradient graph.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=2))]
    pub order: u8,
    /// Print one JSON object: {"value": …, "gradient": {…}} (and "hessian" with --order 2).
    #[arg(long, conflicts_with = "text")]
    pub json: bool,
    /// Also print the graph with its gradients as text.
    #[arg(long)]
    pub text: bool,
    /// Write the graph with its gradients to FILE in Graphviz DOT.
    #[arg(long, value_name = "FILE")]
    pub dot: Option<PathBuf>,
    /// Write the graph with its gradients to FILE as an SVG picture (the
    /// name must end in .svg).
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
    /// Write the graph to FILE as a web page that steps through the
    /// backward sweep over the picture (the name must end in .html).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Show only the named nodes, with the unnamed ones between them folded
    /// into expressions (in --text, --dot, --svg and --html).
    #[arg(long)]
    pub named: bool,
    /// Which way --dot, --svg and --html pictures flow: lr (left to right) or tb
    /// (top to bottom).
    #[arg(long, value_enum, default_value_t = Flow::Lr)]
    pub direction: Flow,
    /// Significant digits of the numbers in --dot, --svg and --html labels (17 for
    /// every digit); the text dump is always exact.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u8).range(1..=17))]
    pub digits: u8,
}

/// Which way a picture flows, for `--direction`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Flow {
    /// Left to right.
    Lr,
    /// Top to bottom.
    Tb,
}

/// `tapegrad descend`.
#[derive(Debug, Clone, Args)]
pub struct DescendArgs {
    /// The expression: the argument, `--file`, or standard input.
    #[command(flatten)]
    pub source: SourceArgs,
    /// The starting point: a value for every input, as NAME=VALUE pairs.
    #[arg(
        long,
        value_name = "NAME=VALUE",
        value_delimiter = ',',
        allow_hyphen_values = true
    )]
    pub from: Vec<String>,
    /// The learning rate η of the step θ ← θ − η∇J.
    #[arg(
        long,
        value_name = "ETA",
        default_value_t = 0.1,
        allow_negative_numbers = true
    )]
    pub eta: f64,
    /// Stop at the first point where the expression is below this value.
    #[arg(long, value_name = "LOSS", allow_negative_numbers = true)]
    pub until: Option<f64>,
    /// Stop after this many steps.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub max_steps: usize,
    /// Move only these inputs; the others keep their starting values.
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    pub wrt: Vec<String>,
    /// Draw the path to FILE as an SVG picture (the name must end in .svg):
    /// on the curve for one input, on a contour map for two, the loss per
    /// step for more.
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
}

/// `tapegrad solve`.
#[derive(Debug, Clone, Args)]
pub struct SolveArgs {
    /// The expression: the argument, `--file`, or standard input.
    #[command(flatten)]
    pub source: SourceArgs,
    /// The value the expression should reach.
    #[arg(long, value_name = "VALUE", allow_negative_numbers = true)]
    pub target: f64,
    /// The starting point: a value for every input, as NAME=VALUE pairs.
    #[arg(
        long,
        value_name = "NAME=VALUE",
        value_delimiter = ',',
        allow_hyphen_values = true
    )]
    pub from: Vec<String>,
    /// Move only these inputs, sharing the correction equally; all inputs by default.
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    pub wrt: Vec<String>,
    /// Stop when the distance to the target is below this.
    #[arg(long, value_name = "TOL", default_value_t = 1e-5)]
    pub tolerance: f64,
    /// Give up after this many corrections.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub max_iterations: usize,
}

/// `tapegrad examples`.
#[derive(Debug, Clone, Args)]
pub struct ExamplesArgs {
    /// Run only this example (see --list); all of them by default.
    #[arg(value_name = "NAME")]
    pub name: Option<String>,
    /// List the examples and exit.
    #[arg(long, conflicts_with = "name")]
    pub list: bool,
    /// Also write the examples' pictures to this folder.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}
