//! The expression language of the `tapegrad` command.
//!
//! A program is a list of statements separated by `;` or new lines. Every
//! statement but the last binds a name to an expression; the last statement is
//! the output expression:
//!
//! ```text
//! x = 2*w + 3*b; y = 2*b + 1; x*y
//! ```
//!
//! # Grammar
//!
//! ```text
//! program   = { sep } , { binding , sep , { sep } } , expr , { sep } ;
//! binding   = ident , "=" , expr ;
//! sep       = ";" | newline ;
//! expr      = term , { ( "+" | "-" ) , term } ;      (* left-associative *)
//! term      = unary , { ( "*" | "/" ) , unary } ;    (* left-associative *)
//! unary     = ( "-" | "+" ) , unary | power ;
//! power     = primary , [ "^" , unary ] ;            (* right-associative *)
//! primary   = number | ident | call | "(" , expr , ")" ;
//! call      = func , "(" , [ expr , { "," , expr } ] , ")" ;
//! func      = (* a one-input op of the engine: "ln", "exp", "sqrt", "sin", … *)
//!           | "log" | "atan2" | "hypot" | "max" | "min" ;      (* see Func::ALL *)
//! number    = digits , [ "." , [ digits ] ] , [ exponent ]
//!           | "." , digits , [ exponent ] ;
//! exponent  = ( "e" | "E" ) , [ "+" | "-" ] , digits ;
//! ident     = ( letter | "_" ) , { letter | digit | "_" } ;  (* not a func *)
//!                                        (* "pi" and "e" are the constants π and e *)
//! ```
//!
//! Spaces, tabs and carriage returns separate tokens and are otherwise
//! ignored; new lines inside parentheses are ignored too, so a long expression
//! can span several lines when it is parenthesised.
//!
//! # Precedence and associativity
//!
//! From loosest to tightest, as in mathematics:
//!
//! | operators     | associativity | example                      |
//! |---------------|---------------|------------------------------|
//! | `+` `-`       | left          | `a - b - c` is `(a - b) - c` |
//! | `*` `/`       | left          | `a / b / c` is `(a / b) / c` |
//! | unary `-` `+` | prefix        | `-a * b` is `(-a) * b`       |
//! | `^`           | right         | `2^3^2` is `2^(3^2)`         |
//!
//! `^` binds tighter than a unary sign on its left, so `-x^2` is `-(x^2)`,
//! and its exponent may itself start with a sign: `2^-1` is `2^(-1)`.
//!
//! # Names
//!
//! A name is either an *input* (a free variable, whose value the command
//! receives) or a *binding*. A binding may only use inputs and earlier
//! bindings; binding a name twice, or binding a name already used as an input,
//! is an error. Function names are reserved and cannot be used as names, and
//! `pi` and `e` are the constants π and e, which cannot be bound.
//!
//! # Limits
//!
//! The parser does not recurse, so no input can overflow the stack while
//! parsing, and it rejects trees deeper than [`MAX_DEPTH`] (10 000) levels of
//! operators and calls (a sum of 10 002 terms is one). Parentheses add no
//! depth. Walks over a parsed tree (printing, dropping, evaluating) recurse
//! once per level: at the limit they need a few megabytes of stack, more
//! than a test thread's 2 MiB in an unoptimised build, which is why the
//! `tapegrad` command runs on a thread with a large stack
//! ([`STACK_SIZE`](crate::STACK_SIZE)).
//!
//! Error messages quote the offending line; a line longer than
//! [`WINDOW`] characters is cut to a window around the caret, and a name or
//! token longer than [`QUOTED`](crate::format::QUOTED) characters to its
//! start, `…` and its length.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use tapegrad::{Op, Shape};
use thiserror::Error;

use crate::format::{cut, quoted};

/// The maximum depth of a parsed expression tree, in levels of operators and
/// calls: a number or name has depth 0, `-x` and `sin(x)` depth 1.
pub const MAX_DEPTH: usize = 10_000;

/// The longest source line an error message quotes whole; a longer one is
/// cut to this many characters around the caret, with `…` where it is cut.
pub const WINDOW: usize = 100;

/// A byte range `start..end` into the source text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Span {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
}

impl Span {
    /// Creates the span `start..end`.
    pub fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }

    /// The smallest span covering both `self` and `other`.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// A function of the engine that an expression can call.
///
/// The list comes from the engine's op table ([`Op::ALL`]): every op of one
/// input is a function under its name ([`Op::name`], the name of `f64`'s
/// method where `f64` has one), so the language grows with the engine.
/// The two-input functions and `log`, which takes an optional base, are
/// listed here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Func {
    /// An op of the engine's table with one input ([`Shape::Unary`]).
    Unary(Op),
    /// `log(x)`, the natural logarithm, or `log(x, base)`.
    Log,
    /// `atan2(y, x)`, the angle of the point `(x, y)`.
    Atan2,
    /// `hypot(x, y) = √(x² + y²)` without overflow.
    Hypot,
    /// Larger of two arguments.
    Max,
    /// Smaller of two arguments.
    Min,
}

/// How many ops of the engine's table take one input.
const UNARY_OPS: usize = {
    let mut count = 0;
    let mut i = 0;
    while i < Op::ALL.len() {
        if matches!(Op::ALL[i].shape(), Shape::Unary) {
            count += 1;
        }
        i += 1;
    }
    count
};

/// The functions that are not one-input ops of the table, in the order listings show them.
const OTHER_FUNCS: [Func; 5] = [Func::Log, Func::Atan2, Func::Hypot, Func::Max, Func::Min];

/// The named constants an expression can use, with their values.
pub const CONSTANTS: [(&str, f64); 2] = [("pi", std::f64::consts::PI), ("e", std::f64::consts::E)];

impl Func {
    /// Every function, each once: the engine's one-input ops in table order,
    /// then `log`, `atan2`, `hypot`, `max` and `min`.
    pub const ALL: [Func; UNARY_OPS + OTHER_FUNCS.len()] = {
        let mut all = [Func::Log; UNARY_OPS + OTHER_FUNCS.len()];
        let mut n = 0;
        let mut i = 0;
        while i < Op::ALL.len() {
            if matches!(Op::ALL[i].shape(), Shape::Unary) {
                all[n] = Func::Unary(Op::ALL[i]);
                n += 1;
            }
            i += 1;
        }
        let mut j = 0;
        while j < OTHER_FUNCS.len() {
            all[n] = OTHER_FUNCS[j];
            n += 1;
            j += 1;
        }
        all
    };

    /// Looks a function up by the name a call uses.
    ///
    /// ```
    /// use tapegrad::Op;
    /// use tapegrad_cli::expr::Func;
    ///
    /// assert_eq!(Func::from_name("asinh"), Some(Func::Unary(Op::Asinh)));
    /// assert_eq!(Func::from_name("log"), Some(Func::Log));
    /// assert_eq!(Func::from_name("sine"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Func> {
        Func::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The name, as calls use it and printing writes it.
    ///
    /// ```
    /// use tapegrad::Op;
    /// use tapegrad_cli::expr::Func;
    ///
    /// assert_eq!(Func::Unary(Op::Ln1p).name(), "ln_1p");
    /// assert_eq!(Func::Atan2.name(), "atan2");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Func::Unary(op) => op.name(),
            Func::Log => "log",
            Func::Atan2 => "atan2",
            Func::Hypot => "hypot",
            Func::Max => "max",
            Func::Min => "min",
        }
    }

    /// The most arguments the function takes.
    ///
    /// ```
    /// use tapegrad::Op;
    /// use tapegrad_cli::expr::Func;
    ///
    /// assert_eq!((Func::Unary(Op::Sin).arity(), Func::Hypot.arity()), (1, 2));
    /// // `log(x)` and `log(x, base)`
    /// assert_eq!((Func::Log.min_arity(), Func::Log.arity()), (1, 2));
    /// ```
    pub fn arity(self) -> usize {
        match self {
            Func::Unary(_) => 1,
            Func::Log | Func::Atan2 | Func::Hypot | Func::Max | Func::Min => 2,
        }
    }

    /// The fewest arguments the function takes: `log`'s base is optional.
    pub fn min_arity(self) -> usize {
        match self {
            Func::Log => 1,
            other => other.arity(),
        }
    }
}

/// The value of a named constant (`pi`, `e`).
///
/// ```
/// assert_eq!(tapegrad_cli::expr::constant("pi"), Some(std::f64::consts::PI));
/// assert_eq!(tapegrad_cli::expr::constant("tau"), None);
/// ```
pub fn constant(name: &str) -> Option<f64> {
    CONSTANTS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|&(_, value)| value)
}

impl fmt::Display for Func {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `^`, power.
    Pow,
}

impl BinOp {
    /// The operator's symbol.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Pow => "^",
        }
    }
}

impl fmt::Display for BinOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

/// An expression tree; every node carries its span in the source.
///
/// Parenthesised expressions and unary `+` leave no node of their own; the
/// span of an operation covers them where they wrap its operands.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A number literal; the parser only produces finite, non-negative values.
    Num {
        /// The literal's value.
        value: f64,
        /// Where the literal is.
        span: Span,
    },
    /// A name: an input or an earlier binding.
    Var {
        /// The name.
        name: String,
        /// Where the name is.
        span: Span,
    },
    /// Unary minus.
    Neg {
        /// The negated expression.
        operand: Box<Expr>,
        /// From the `-` to the end of the operand, with the parentheses
        /// around the operand (`-(x)` is all of `-(x)`).
        span: Span,
    },
    /// A binary operation.
    Binary {
        /// The operator.
        op: BinOp,
        /// The left operand.
        lhs: Box<Expr>,
        /// The right operand.
        rhs: Box<Expr>,
        /// From the start of `lhs` to the end of `rhs`, with the parentheses
        /// around either (`(-2)^x` is all of `(-2)^x`).
        span: Span,
    },
    /// A function call, with [`Func::min_arity`] to [`Func::arity`] arguments.
    Call {
        /// The function.
        func: Func,
        /// The arguments.
        args: Vec<Expr>,
        /// From the function name to the closing parenthesis.
        span: Span,
    },
}

impl Expr {
    /// The node's span in the source.
    pub fn span(&self) -> Span {
        match self {
            Expr::Num { span, .. }
            | Expr::Var { span, .. }
            | Expr::Neg { span, .. }
            | Expr::Binary { span, .. }
            | Expr::Call { span, .. } => *span,
        }
    }

    /// A copy with every span set to the default, to compare trees by shape and values only.
    pub fn without_spans(&self) -> Expr {
        let span = Span::default();
        match self {
            Expr::Num { value, .. } => Expr::Num {
                value: *value,
                span,
            },
            Expr::Var { name, .. } => Expr::Var {
                name: name.clone(),
                span,
            },
            Expr::Neg { operand, .. } => Expr::Neg {
                operand: Box::new(operand.without_spans()),
                span,
            },
            Expr::Binary { op, lhs, rhs, .. } => Expr::Binary {
                op: *op,
                lhs: Box::new(lhs.without_spans()),
                rhs: Box::new(rhs.without_spans()),
                span,
            },
            Expr::Call { func, args, .. } => Expr::Call {
                func: *func,
                args: args.iter().map(Expr::without_spans).collect(),
                span,
            },
        }
    }

    /// Calls `visit` on every variable, left to right as they appear in the source.
    fn for_each_var<'a>(&'a self, visit: &mut impl FnMut(&'a str)) {
        match self {
            Expr::Num { .. } => {}
            Expr::Var { name, .. } => visit(name),
            Expr::Neg { operand, .. } => operand.for_each_var(visit),
            Expr::Binary { lhs, rhs, .. } => {
                lhs.for_each_var(visit);
                rhs.for_each_var(visit);
            }
            Expr::Call { args, .. } => args.iter().for_each(|arg| arg.for_each_var(visit)),
        }
    }

    /// How tightly the printed node holds together: an operand printed where
    /// a higher level is required gets parentheses.
    fn level(&self) -> u8 {
        match self {
            Expr::Binary {
                op: BinOp::Add | BinOp::Sub,
                ..
            } => 1,
            Expr::Binary {
                op: BinOp::Mul | BinOp::Div,
                ..
            } => 2,
            Expr::Neg { .. } => 3,
            Expr::Binary { op: BinOp::Pow, .. } => 4,
            Expr::Num { .. } | Expr::Var { .. } | Expr::Call { .. } => 5,
        }
    }

    /// Prints `self`, parenthesised if its level is below `min_level`.
    fn fmt_at(&self, f: &mut fmt::Formatter<'_>, min_level: u8) -> fmt::Result {
        if self.level() < min_level {
            write!(f, "({self})")
        } else {
            write!(f, "{self}")
        }
    }
}

/// Writes a number so that it reads back as the same `f64`: plain digits in
/// the usual range, scientific notation for very large or small magnitudes.
fn fmt_number(value: f64, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let magnitude = value.abs();
    if magnitude == 0.0 || (1e-5..1e16).contains(&magnitude) {
        write!(f, "{value}")
    } else {
        write!(f, "{value:e}")
    }
}

/// Prints the canonical form: spaces around `+ - * /`, none around `^`, and
/// only the parentheses the grammar needs, so that parsing the output gives
/// back the same tree (spans aside) for every tree the parser can produce.
impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Num { value, .. } => fmt_number(*value, f),
            Expr::Var { name, .. } => f.write_str(name),
            Expr::Neg { operand, .. } => {
                f.write_str("-")?;
                operand.fmt_at(f, 3)
            }
            Expr::Binary { op, lhs, rhs, .. } => {
                // The left operand may sit at the operator's own level, the right one
                // must bind tighter (left associativity), except for `^`, whose base is
                // a primary and whose exponent is a unary expression.
                let (left, right) = match op {
                    BinOp::Add | BinOp::Sub => (1, 2),
                    BinOp::Mul | BinOp::Div => (2, 3),
                    BinOp::Pow => (5, 3),
                };
                lhs.fmt_at(f, left)?;
                match op {
                    BinOp::Pow => f.write_str("^")?,
                    _ => write!(f, " {op} ")?,
                }
                rhs.fmt_at(f, right)
            }
            Expr::Call { func, args, .. } => {
                write!(f, "{func}(")?;
                for (i, arg) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{arg}")?;
                }
                f.write_str(")")
            }
        }
    }
}

/// A statement `name = expr`.
#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    /// The bound name, which becomes the node's name in dumps.
    pub name: String,
    /// The bound expression.
    pub expr: Expr,
    /// From the name to the end of the expression (its closing parenthesis
    /// included); the name is its first `name.len()` bytes.
    pub span: Span,
}

impl fmt::Display for Binding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} = {}", self.name, self.expr)
    }
}

/// A parsed program: bindings in source order, then the output expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    /// The bindings, each using only inputs and earlier bindings.
    pub bindings: Vec<Binding>,
    /// The expression whose value the program computes.
    pub output: Expr,
}

impl Program {
    /// The free variables (inputs), each once, in order of first appearance.
    pub fn inputs(&self) -> Vec<&str> {
        let mut bound = HashSet::new();
        let mut seen = HashSet::new();
        let mut inputs = Vec::new();
        let statements = self
            .bindings
            .iter()
            .map(|b| (&b.expr, Some(b.name.as_str())));
        for (expr, name) in statements.chain(std::iter::once((&self.output, None))) {
            expr.for_each_var(&mut |var| {
                if !bound.contains(var) && seen.insert(var) {
                    inputs.push(var);
                }
            });
            bound.extend(name);
        }
        inputs
    }

    /// A copy with every span set to the default, to compare programs by shape and values only.
    pub fn without_spans(&self) -> Program {
        Program {
            bindings: self
                .bindings
                .iter()
                .map(|b| Binding {
                    name: b.name.clone(),
                    expr: b.expr.without_spans(),
                    span: Span::default(),
                })
                .collect(),
            output: self.output.without_spans(),
        }
    }
}

/// Prints the statements separated by `; `, in the canonical form of [`Expr`]'s `Display`.
impl fmt::Display for Program {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for binding in &self.bindings {
            write!(f, "{binding}; ")?;
        }
        write!(f, "{}", self.output)
    }
}

impl FromStr for Program {
    type Err = ParseError;

    fn from_str(source: &str) -> Result<Self, Self::Err> {
        parse(source)
    }
}

/// What went wrong in a [`ParseError`]; its `Display` is the error message.
///
/// Strings named `found` describe the offending token, quoted in backticks.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ErrorKind {
    /// The input has no statement at all.
    #[error("empty input: expected an expression")]
    Empty,
    /// A character that starts no token.
    #[error("unexpected character `{0}`")]
    UnexpectedChar(char),
    /// A number followed by a `.`, like `1.2.3`.
    #[error("malformed number {}", quoted(.0))]
    MalformedNumber(String),
    /// An exponent marker without digits, like `1e`.
    #[error("expected digits after the exponent marker in {}", quoted(.0))]
    MissingExponent(String),
    /// A literal too large for an `f64`.
    #[error("number {} is too large", quoted(.0))]
    NumberTooLarge(String),
    /// An operand is missing, after the token `after` if any, before `found` if any.
    #[error("expected an expression{}", fmt_context(.after, .found))]
    ExpectedExpression {
        /// The token before the missing operand.
        after: Option<String>,
        /// The token in place of the operand; `None` at the end of a line or of the input.
        found: Option<String>,
    },
    /// Something other than an operator follows a complete statement.
    #[error("expected an operator or the end of the statement, found {found}")]
    ExpectedOperator {
        /// The token found.
        found: String,
    },
    /// Something other than an operator or `)` follows an expression inside parentheses.
    #[error("expected an operator or `)`, found {found}")]
    ExpectedCloseParen {
        /// The token found.
        found: String,
    },
    /// Something other than `,`, `)` or an operator follows an argument.
    #[error("expected an operator, `,` or `)` in the call to `{name}`, found {found}")]
    ExpectedArgSeparator {
        /// The function as written.
        name: String,
        /// The token found.
        found: String,
    },
    /// A `(` is still open at the end of the input.
    #[error("unclosed `(`: expected a matching `)`")]
    UnclosedParen,
    /// A `)` closes nothing.
    #[error("unmatched `)`")]
    UnmatchedParen,
    /// A call to a function that does not exist.
    #[error("unknown function {}{}", quoted(.name), fmt_suggestions(.suggestions))]
    UnknownFunction {
        /// The name as written.
        name: String,
        /// Function names within a small edit distance, closest first.
        suggestions: Vec<&'static str>,
    },
    /// A call with the wrong number of arguments.
    #[error("`{name}` takes {}, found {found}", takes(*.fewest, *.expected))]
    WrongArity {
        /// The function as written.
        name: String,
        /// The fewest arguments it takes.
        fewest: usize,
        /// The most arguments it takes.
        expected: usize,
        /// The number of arguments given.
        found: usize,
    },
    /// A function name used as a variable.
    #[error("`{0}` is a function: call it as `{0}(...)`")]
    FunctionAsVariable(String),
    /// A binding of a function name.
    #[error("cannot bind `{0}`: it is a function name")]
    BindFunctionName(String),
    /// A binding of a named constant (`pi`, `e`).
    #[error("cannot bind `{0}`: it is a constant")]
    BindConstant(String),
    /// A second binding of a name.
    #[error("{} is already bound", quoted(.0))]
    Rebound(String),
    /// A binding of a name already used as an input.
    #[error("cannot bind {}: it is already used above as an input", quoted(.0))]
    BoundAfterUse(String),
    /// A binding that uses its own name.
    #[error("{} is used in its own binding", quoted(.0))]
    SelfReference(String),
    /// An `=` that does not follow the name starting a statement.
    #[error("unexpected `=`: only a name at the start of a statement can be bound")]
    MisplacedEquals,
    /// An expression statement that is not the last statement.
    #[error(
        "this value is unused: only the last statement is the output, bind the others to names"
    )]
    UnusedExpression,
    /// The program ends with a binding instead of an output expression.
    #[error(
        "expected an output expression after the binding of {}, for example `; {}`",
        quoted(.0),
        cut(.0)
    )]
    MissingOutput(String),
    /// A tree deeper than [`MAX_DEPTH`].
    #[error("expression too deep: more than {MAX_DEPTH} levels of operators and calls")]
    TooDeep,
}

/// Formats where an operand is missing: after which token, and what is there instead.
fn fmt_context(after: &Option<String>, found: &Option<String>) -> String {
    let after = after.as_ref().map(|a| format!(" after {}", quoted(a)));
    let found = found.as_ref().map(|f| format!(", found {f}"));
    after.unwrap_or_default() + &found.unwrap_or_default()
}

/// `1 argument`, `2 arguments`, or `1 or 2 arguments`.
fn takes(fewest: usize, most: usize) -> String {
    let plural = if most == 1 { "" } else { "s" };
    if fewest == most {
        format!("{most} argument{plural}")
    } else {
        format!("{fewest} or {most} argument{plural}")
    }
}

/// Formats the "did you mean" part of an unknown function message, or the list of functions.
fn fmt_suggestions(suggestions: &[&str]) -> String {
    let quoted: Vec<String> = suggestions.iter().map(|s| format!("`{s}`")).collect();
    if quoted.is_empty() {
        let names: Vec<&str> = Func::ALL.iter().map(|f| f.name()).collect();
        format!(": expected one of {}", names.join(", "))
    } else {
        format!(" (did you mean {}?)", quoted.join(" or "))
    }
}

/// A syntax or naming error, with the span of the offending source.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{kind}")]
pub struct ParseError {
    /// What went wrong.
    pub kind: ErrorKind,
    /// Where; empty when the error is about a missing token.
    pub span: Span,
}

impl ParseError {
    fn new(kind: ErrorKind, span: Span) -> Self {
        Self { kind, span }
    }

    /// The 1-based line and column (in characters) of the error in `source`.
    pub fn line_col(&self, source: &str) -> (usize, usize) {
        line_col(source, self.span)
    }

    /// Renders the message with the offending source line and a caret under
    /// the span; lines are numbered when the source has more than one.
    ///
    /// ```text
    /// error: expected an expression after `*`
    ///   x*y*
    ///       ^
    /// ```
    pub fn render(&self, source: &str) -> String {
        render(self, source, self.span)
    }
}

/// The start of `span`, moved back from trailing blanks to the last token
/// and onto a character boundary, so a mismatched `source` cannot panic.
fn clamped_start(source: &str, span: Span) -> usize {
    let mut start = span.start.min(source.trim_end().len());
    while !source.is_char_boundary(start) {
        start -= 1;
    }
    start
}

/// The 1-based line and column (in characters) where `span` starts in `source`.
pub fn line_col(source: &str, span: Span) -> (usize, usize) {
    let start = clamped_start(source, span);
    let before = &source[..start];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// Renders `error: {message}`, then the source line where `span` starts with
/// a caret under the span (as far as that line goes); lines are numbered when
/// the source has more than one. A span that does not fit `source` is clamped
/// rather than trusted.
///
/// ```
/// use tapegrad_cli::expr::{Span, render};
///
/// assert_eq!(
///     render("ln of -1 is NaN", "2 * ln(x)", Span::new(4, 9)),
///     "error: ln of -1 is NaN\n  2 * ln(x)\n      ^^^^^"
/// );
/// ```
pub fn render(message: impl fmt::Display, source: &str, span: Span) -> String {
    let (line_no, col) = line_col(source, span);
    let line = source
        .split('\n')
        .nth(line_no - 1)
        .unwrap_or("")
        .trim_end_matches('\r');
    let rest = (line.chars().count() + 1).saturating_sub(col);
    let width = source
        .get(clamped_start(source, span)..span.end)
        .map_or(1, |s| s.chars().count())
        .clamp(1, rest.max(1));
    // Cut a long line to a window that starts a little before the caret.
    let length = line.chars().count();
    let (line, col, width) = if length > WINDOW {
        let first = (col - 1).saturating_sub(WINDOW / 4).min(length - WINDOW);
        let mut cut: String = line.chars().skip(first).take(WINDOW).collect();
        let mut col = col - first;
        if first > 0 {
            cut.insert(0, '…');
            col += 1;
        }
        if first + WINDOW < length {
            cut.push('…');
        }
        let room = (cut.chars().count() + 1).saturating_sub(col);
        (cut, col, width.min(room.max(1)))
    } else {
        (line.to_string(), col, width)
    };
    // Copy tabs into the padding so the caret lines up whatever the tab width.
    let pad: String = line
        .chars()
        .take(col - 1)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let carets = "^".repeat(width);
    if source.trim_end().contains('\n') {
        let number = line_no.to_string();
        let gutter = " ".repeat(number.len());
        format!("error: {message}\n  {number} | {line}\n  {gutter} | {pad}{carets}")
    } else {
        format!("error: {message}\n  {line}\n  {pad}{carets}")
    }
}

/// The candidate closest to `name` by edit distance (insertions, deletions,
/// substitutions and swaps of adjacent characters), if any is close enough:
/// within 2 edits, or 1 for names of fewer than 4 characters so that a short
/// name does not match every other short name. Ties go to the earliest candidate.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = if name.chars().count() < 4 { 1 } else { 2 };
    candidates
        .into_iter()
        .filter_map(|c| edit_distance(name, c, limit).map(|d| (d, c)))
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// The function names nearest to `name`, all at the same smallest distance.
fn function_suggestions(name: &str) -> Vec<&'static str> {
    let Some(best) = closest(name, Func::ALL.iter().map(|f| f.name())) else {
        return Vec::new();
    };
    let limit = edit_distance(name, best, 2).unwrap_or(0);
    Func::ALL
        .iter()
        .map(|f| f.name())
        .filter(|n| edit_distance(name, n, limit).is_some())
        .collect()
}

/// The optimal string alignment distance between `a` and `b`, or `None` if it exceeds `limit`.
fn edit_distance(a: &str, b: &str, limit: usize) -> Option<usize> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // The distance is at least the difference in length; checking it first
    // keeps a huge name from costing a huge table.
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    let mut before: Vec<usize> = Vec::new();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut current = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(before[j - 2] + 1);
            }
            current[j] = d;
        }
        before = std::mem::replace(&mut previous, current);
    }
    let distance = previous[b.len()];
    (distance <= limit).then_some(distance)
}

/// Parses a program.
///
/// Every tree it returns is at most [`MAX_DEPTH`] deep, its numbers are
/// finite and non-negative, and its names are identifiers other than function names.
///
/// ```
/// use tapegrad_cli::expr::parse;
///
/// let program = parse("x = 2*w + 3*b; y = 2*b + 1; x*y").unwrap();
/// assert_eq!(program.inputs(), ["w", "b"]);
/// assert_eq!(program.to_string(), "x = 2 * w + 3 * b; y = 2 * b + 1; x * y");
///
/// let error = parse("x*y*").unwrap_err();
/// assert_eq!(error.render("x*y*"), "error: expected an expression after `*`\n  x*y*\n      ^");
/// ```
pub fn parse(source: &str) -> Result<Program, ParseError> {
    Parser::new(source).program()
}

/// A token's kind; identifiers and numbers keep their text in the source.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Tok {
    Num(f64),
    Ident,
    Plus,
    Minus,
    Star,
    Slash,
    Caret,
    LParen,
    RParen,
    Comma,
    Eq,
    Semi,
    Newline,
    /// Stands where lexing failed; the parser reports the lexer's error on reaching it.
    Error,
    Eof,
}

#[derive(Debug, Clone, Copy)]
struct Token {
    tok: Tok,
    span: Span,
}

/// Splits `source` into tokens ending with `Eof`; on the first lexical error
/// it ends them with `Error` and returns the error beside them.
fn lex(source: &str) -> (Vec<Token>, Option<ParseError>) {
    let bytes = source.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let tok = match bytes[i] {
            b' ' | b'\t' | b'\r' => {
                i += 1;
                continue;
            }
            b'\n' => Tok::Newline,
            b'+' => Tok::Plus,
            b'-' => Tok::Minus,
            b'*' => Tok::Star,
            b'/' => Tok::Slash,
            b'^' => Tok::Caret,
            b'(' => Tok::LParen,
            b')' => Tok::RParen,
            b',' => Tok::Comma,
            b'=' => Tok::Eq,
            b';' => Tok::Semi,
            b if b.is_ascii_alphabetic() || b == b'_' => {
                i = skip_while(bytes, i, |b| b.is_ascii_alphanumeric() || b == b'_');
                tokens.push(Token {
                    tok: Tok::Ident,
                    span: Span::new(start, i),
                });
                continue;
            }
            b if b.is_ascii_digit()
                || (b == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)) =>
            {
                match lex_number(source, start) {
                    Ok((value, end)) => {
                        i = end;
                        tokens.push(Token {
                            tok: Tok::Num(value),
                            span: Span::new(start, end),
                        });
                        continue;
                    }
                    Err(error) => return fail_lex(tokens, error),
                }
            }
            _ => {
                // Any other character, possibly multi-byte, starts no token.
                let c = source[i..].chars().next().unwrap_or('\u{fffd}');
                let span = Span::new(i, i + c.len_utf8());
                return fail_lex(tokens, ParseError::new(ErrorKind::UnexpectedChar(c), span));
            }
        };
        i += 1;
        tokens.push(Token {
            tok,
            span: Span::new(start, i),
        });
    }
    tokens.push(Token {
        tok: Tok::Eof,
        span: Span::new(source.len(), source.len()),
    });
    (tokens, None)
}

fn fail_lex(mut tokens: Vec<Token>, error: ParseError) -> (Vec<Token>, Option<ParseError>) {
    tokens.push(Token {
        tok: Tok::Error,
        span: error.span,
    });
    (tokens, Some(error))
}

fn skip_while(bytes: &[u8], mut i: usize, pred: impl Fn(u8) -> bool) -> usize {
    while i < bytes.len() && pred(bytes[i]) {
        i += 1;
    }
    i
}

/// Lexes the number starting at `start`, returning its value and end.
fn lex_number(source: &str, start: usize) -> Result<(f64, usize), ParseError> {
    let bytes = source.as_bytes();
    let digit = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_digit);
    let mut i = skip_while(bytes, start, |b| b.is_ascii_digit());
    if bytes.get(i) == Some(&b'.') {
        i = skip_while(bytes, i + 1, |b| b.is_ascii_digit());
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(bytes.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        if digit(j) {
            i = skip_while(bytes, j, |b| b.is_ascii_digit());
        } else if j == i + 1
            && bytes
                .get(j)
                .is_some_and(|&b| b.is_ascii_alphabetic() || b == b'_')
        {
            // `2exp` is a number then a name, which the parser reports as a missing operator.
        } else {
            let text = source[start..j].to_string();
            return Err(ParseError::new(
                ErrorKind::MissingExponent(text),
                Span::new(start, j),
            ));
        }
    }
    if bytes.get(i) == Some(&b'.') {
        let end = skip_while(bytes, i, |b| {
            b.is_ascii_alphanumeric() || b == b'_' || b == b'.'
        });
        let text = source[start..end].to_string();
        return Err(ParseError::new(
            ErrorKind::MalformedNumber(text),
            Span::new(start, end),
        ));
    }
    let text = &source[start..i];
    let span = Span::new(start, i);
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() => Ok((value, i)),
        Ok(_) => Err(ParseError::new(
            ErrorKind::NumberTooLarge(text.to_string()),
            span,
        )),
        Err(_) => Err(ParseError::new(
            ErrorKind::MalformedNumber(text.to_string()),
            span,
        )),
    }
}

/// A parsed expression with its depth, which the parser bounds by `MAX_DEPTH`.
struct Node {
    expr: Expr,
    height: usize,
    /// Where it is in the source with the parentheses around it, which
    /// leave no node but belong to the operation it is an operand of: the
    /// power in `(-2)^x` spans `(-2)^x`, not `-2)^x`.
    span: Span,
}

/// Something on the parser's stack, waiting for the operand being parsed.
enum Pending {
    /// A unary `-` or `+`.
    Sign(Token),
    /// A binary operator and its left operand.
    Binary { op: BinOp, lhs: Node, token: Token },
    /// An open parenthesis.
    Paren(Token),
    /// An open call and the arguments before the current one.
    Call {
        func: Func,
        name: Token,
        open: Token,
        args: Vec<Expr>,
        height: usize,
    },
}

impl Pending {
    /// How tightly a pending operator holds its right operand; `None` for
    /// parentheses and calls, which only a `)` or `,` closes.
    fn precedence(&self) -> Option<u8> {
        match self {
            Pending::Sign(_) => Some(3),
            Pending::Binary { op, .. } => Some(precedence(*op)),
            Pending::Paren(_) | Pending::Call { .. } => None,
        }
    }
}

fn precedence(op: BinOp) -> u8 {
    match op {
        BinOp::Add | BinOp::Sub => 1,
        BinOp::Mul | BinOp::Div => 2,
        BinOp::Pow => 4,
    }
}

fn binary_op(tok: Tok) -> Option<BinOp> {
    match tok {
        Tok::Plus => Some(BinOp::Add),
        Tok::Minus => Some(BinOp::Sub),
        Tok::Star => Some(BinOp::Mul),
        Tok::Slash => Some(BinOp::Div),
        Tok::Caret => Some(BinOp::Pow),
        _ => None,
    }
}

/// The parser: statements are parsed one at a time, and each expression by
/// operator precedence with an explicit stack instead of recursion, so that
/// no input can exhaust the call stack.
struct Parser<'s> {
    source: &'s str,
    tokens: Vec<Token>,
    lex_error: Option<ParseError>,
    pos: usize,
    /// Open parentheses; new lines are skipped while some are open.
    parens: usize,
    bound: HashSet<&'s str>,
    inputs: HashSet<&'s str>,
    /// The name being bound, which its own expression must not use.
    binding: Option<&'s str>,
}

type PResult<T> = Result<T, ParseError>;

impl<'s> Parser<'s> {
    fn new(source: &'s str) -> Self {
        let (tokens, lex_error) = lex(source);
        Self {
            source,
            tokens,
            lex_error,
            pos: 0,
            parens: 0,
            bound: HashSet::new(),
            inputs: HashSet::new(),
            binding: None,
        }
    }

    /// The `n`th token from the current one, skipping new lines inside parentheses.
    fn nth(&self, n: usize) -> Token {
        let mut pos = self.pos;
        let mut left = n;
        loop {
            let Some(&token) = self.tokens.get(pos) else {
                let end = self.source.len();
                return Token {
                    tok: Tok::Eof,
                    span: Span::new(end, end),
                };
            };
            if self.parens > 0 && token.tok == Tok::Newline {
                pos += 1;
            } else if left == 0 || matches!(token.tok, Tok::Eof | Tok::Error) {
                return token;
            } else {
                left -= 1;
                pos += 1;
            }
        }
    }

    fn peek(&self) -> Token {
        self.nth(0)
    }

    /// Consumes and returns the current token; never moves past the end.
    fn bump(&mut self) -> Token {
        let token = self.peek();
        while self.parens > 0
            && self
                .tokens
                .get(self.pos)
                .is_some_and(|t| t.tok == Tok::Newline)
        {
            self.pos += 1;
        }
        if !matches!(token.tok, Tok::Eof | Tok::Error) {
            self.pos += 1;
        }
        token
    }

    fn text(&self, span: Span) -> &'s str {
        self.source.get(span.start..span.end).unwrap_or("")
    }

    /// The token quoted for a message (cut if it is long), or `None` for
    /// the end of a line or of the input.
    fn describe(&self, token: Token) -> Option<String> {
        match token.tok {
            Tok::Eof | Tok::Newline => None,
            _ => Some(quoted(self.text(token.span))),
        }
    }

    /// `describe` for a token that is neither a new line nor the end.
    fn quote(&self, token: Token) -> String {
        self.describe(token).unwrap_or_default()
    }

    /// The error to report at `token`: the lexer's own if lexing stopped there.
    fn error(&self, token: Token, kind: ErrorKind, span: Span) -> ParseError {
        match (token.tok, &self.lex_error) {
            (Tok::Error, Some(error)) => error.clone(),
            _ => ParseError::new(kind, span),
        }
    }

    /// Wraps `expr` as a node of the given height, failing past `MAX_DEPTH`.
    fn node(expr: Expr, height: usize, at: Span) -> PResult<Node> {
        if height > MAX_DEPTH {
            return Err(ParseError::new(ErrorKind::TooDeep, at));
        }
        let span = expr.span();
        Ok(Node { expr, height, span })
    }

    fn program(mut self) -> PResult<Program> {
        let mut bindings: Vec<Binding> = Vec::new();
        // The output so far, and where it is with its parentheses.
        let mut output: Option<(Expr, Span)> = None;
        loop {
            while matches!(self.peek().tok, Tok::Semi | Tok::Newline) {
                self.bump();
            }
            if self.peek().tok == Tok::Eof {
                break;
            }
            if let Some((_, unused)) = output.take() {
                return Err(ParseError::new(ErrorKind::UnusedExpression, unused));
            }
            if self.peek().tok == Tok::Ident && self.nth(1).tok == Tok::Eq {
                bindings.push(self.binding()?);
            } else {
                output = Some(self.expr(None)?);
            }
            self.statement_end()?;
        }
        match (output, bindings.last()) {
            (Some((output, _)), _) => Ok(Program { bindings, output }),
            (None, Some(last)) => Err(ParseError::new(
                ErrorKind::MissingOutput(last.name.clone()),
                Span::new(last.span.end, last.span.end),
            )),
            (None, None) => Err(ParseError::new(ErrorKind::Empty, Span::new(0, 0))),
        }
    }

    /// `binding = ident "=" expr`, with the naming rules checked at the name.
    fn binding(&mut self) -> PResult<Binding> {
        let name_token = self.bump();
        let name = self.text(name_token.span);
        let span = name_token.span;
        if Func::from_name(name).is_some() {
            return Err(ParseError::new(
                ErrorKind::BindFunctionName(name.into()),
                span,
            ));
        }
        if constant(name).is_some() {
            return Err(ParseError::new(ErrorKind::BindConstant(name.into()), span));
        }
        if self.bound.contains(name) {
            return Err(ParseError::new(ErrorKind::Rebound(name.into()), span));
        }
        if self.inputs.contains(name) {
            return Err(ParseError::new(ErrorKind::BoundAfterUse(name.into()), span));
        }
        let eq = self.bump();
        self.binding = Some(name);
        let (expr, extent) = self.expr(Some(eq))?;
        self.binding = None;
        self.bound.insert(name);
        Ok(Binding {
            name: name.to_string(),
            span: span.to(extent),
            expr,
        })
    }

    /// Requires a separator or the end after a statement.
    fn statement_end(&mut self) -> PResult<()> {
        let token = self.peek();
        let kind = match token.tok {
            Tok::Semi | Tok::Newline | Tok::Eof => return Ok(()),
            Tok::Eq => ErrorKind::MisplacedEquals,
            Tok::RParen => ErrorKind::UnmatchedParen,
            _ => ErrorKind::ExpectedOperator {
                found: self.quote(token),
            },
        };
        Err(self.error(token, kind, token.span))
    }

    /// Fails unless the current token can start an operand; `after` is the
    /// token before it, `None` at the start of a statement.
    fn expect_operand(&self, after: Option<Token>) -> PResult<()> {
        let token = self.peek();
        if matches!(
            token.tok,
            Tok::Num(_) | Tok::Ident | Tok::Minus | Tok::Plus | Tok::LParen
        ) {
            return Ok(());
        }
        let found = self.describe(token);
        // Point right after `after` when nothing is there to point at.
        let span = match after {
            Some(after) if found.is_none() => Span::new(after.span.end, after.span.end),
            _ => token.span,
        };
        let kind = ErrorKind::ExpectedExpression {
            after: after.map(|after| self.text(after.span).to_string()),
            found,
        };
        Err(self.error(token, kind, span))
    }

    /// Parses an expression (the `expr` rule) that follows `after`.
    ///
    /// It alternates between two positions: before an operand, signs, `(`
    /// and call openings are pushed until a number or name completes an
    /// operand; after an operand, pending operators that bind at least as
    /// tightly as the next one are applied, and `)` or `,` apply all of them
    /// down to the innermost open parenthesis or call.
    ///
    /// Returns the expression and where it is with the parentheses around it.
    fn expr(&mut self, after: Option<Token>) -> PResult<(Expr, Span)> {
        let mut stack: Vec<Pending> = Vec::new();
        loop {
            let mut operand = match self.operand(&mut stack, after)? {
                Some(operand) => operand,
                None => continue,
            };
            loop {
                let token = self.peek();
                if let Some(op) = binary_op(token.tok) {
                    // Left-associative operators first apply pending operators of
                    // the same precedence; `^`, right-associative, does not.
                    let floor = match op {
                        BinOp::Pow => precedence(op),
                        _ => precedence(op) - 1,
                    };
                    let lhs = Self::apply(&mut stack, operand, floor)?;
                    self.bump();
                    stack.push(Pending::Binary { op, lhs, token });
                    break;
                }
                operand = Self::apply(&mut stack, operand, 0)?;
                match (token.tok, stack.pop()) {
                    (_, None) => return Ok((operand.expr, operand.span)),
                    (Tok::RParen, Some(Pending::Paren(open))) => {
                        // Consume while the parenthesis still counts, so new lines before it are skipped.
                        let close = self.bump();
                        self.parens -= 1;
                        operand.span = open.span.to(close.span);
                    }
                    (
                        Tok::RParen,
                        Some(Pending::Call {
                            func,
                            name,
                            mut args,
                            height,
                            ..
                        }),
                    ) => {
                        args.push(operand.expr);
                        let height = height.max(operand.height);
                        operand = self.close_call(func, name, args, height)?;
                    }
                    (
                        Tok::Comma,
                        Some(Pending::Call {
                            func,
                            name,
                            open,
                            mut args,
                            height,
                        }),
                    ) => {
                        let height = height.max(operand.height);
                        args.push(operand.expr);
                        stack.push(Pending::Call {
                            func,
                            name,
                            open,
                            args,
                            height,
                        });
                        self.bump();
                        break;
                    }
                    (_, Some(Pending::Paren(open) | Pending::Call { open, .. }))
                        if token.tok == Tok::Eof =>
                    {
                        return Err(ParseError::new(ErrorKind::UnclosedParen, open.span));
                    }
                    (_, Some(Pending::Call { name, .. })) => {
                        let kind = ErrorKind::ExpectedArgSeparator {
                            name: self.text(name.span).into(),
                            found: self.quote(token),
                        };
                        return Err(self.error(token, kind, token.span));
                    }
                    (_, Some(_)) => {
                        let kind = ErrorKind::ExpectedCloseParen {
                            found: self.quote(token),
                        };
                        return Err(self.error(token, kind, token.span));
                    }
                }
            }
        }
    }

    /// Reads one token in operand position: pushes a sign, `(` or call
    /// opening and returns `None`, or returns the operand it completes.
    /// `after` is the token before the expression, used while the stack is empty.
    fn operand(&mut self, stack: &mut Vec<Pending>, after: Option<Token>) -> PResult<Option<Node>> {
        // Once something is pending, the operand follows the token just consumed.
        let before = stack.last().map_or(after, |_| Some(self.previous()));
        self.expect_operand(before)?;
        let token = self.bump();
        let leaf = match token.tok {
            Tok::Minus | Tok::Plus => {
                stack.push(Pending::Sign(token));
                return Ok(None);
            }
            Tok::LParen => {
                self.parens += 1;
                stack.push(Pending::Paren(token));
                return Ok(None);
            }
            Tok::Ident if self.peek().tok == Tok::LParen => return self.open_call(stack, token),
            Tok::Ident => self.variable(token)?,
            Tok::Num(value) => Expr::Num {
                value,
                span: token.span,
            },
            // `expect_operand` lets only operand starts through; this keeps the parser total.
            _ => {
                let kind = ErrorKind::ExpectedExpression {
                    after: None,
                    found: self.describe(token),
                };
                return Err(self.error(token, kind, token.span));
            }
        };
        let span = leaf.span();
        Ok(Some(Node {
            expr: leaf,
            height: 0,
            span,
        }))
    }

    /// The token before the current one, to say what an operand should follow.
    fn previous(&self) -> Token {
        let mut pos = self.pos;
        while pos > 0 {
            pos -= 1;
            if self.tokens[pos].tok != Tok::Newline {
                return self.tokens[pos];
            }
        }
        self.peek()
    }

    /// Pops and applies the pending signs and binary operators that bind more
    /// tightly than `floor` to `operand`, innermost first.
    fn apply(stack: &mut Vec<Pending>, mut operand: Node, floor: u8) -> PResult<Node> {
        while stack
            .last()
            .and_then(Pending::precedence)
            .is_some_and(|p| p > floor)
        {
            operand = match stack.pop() {
                Some(Pending::Sign(sign)) if sign.tok == Tok::Plus => Node {
                    span: sign.span.to(operand.span),
                    ..operand
                },
                Some(Pending::Sign(sign)) => {
                    let span = sign.span.to(operand.span);
                    let expr = Expr::Neg {
                        operand: Box::new(operand.expr),
                        span,
                    };
                    Self::node(expr, operand.height + 1, sign.span)?
                }
                Some(Pending::Binary { op, lhs, token }) => {
                    let span = lhs.span.to(operand.span);
                    let height = 1 + lhs.height.max(operand.height);
                    let expr = Expr::Binary {
                        op,
                        lhs: Box::new(lhs.expr),
                        rhs: Box::new(operand.expr),
                        span,
                    };
                    Self::node(expr, height, token.span)?
                }
                Some(pending) => {
                    // The loop condition excludes parentheses and calls; put it back.
                    stack.push(pending);
                    return Ok(operand);
                }
                None => return Ok(operand),
            };
        }
        Ok(operand)
    }

    fn variable(&mut self, token: Token) -> PResult<Expr> {
        let name = self.text(token.span);
        let kind = if let Some(value) = constant(name) {
            return Ok(Expr::Num {
                value,
                span: token.span,
            });
        } else if Func::from_name(name).is_some() {
            ErrorKind::FunctionAsVariable(name.into())
        } else if self.binding == Some(name) {
            ErrorKind::SelfReference(name.into())
        } else {
            if !self.bound.contains(name) {
                self.inputs.insert(name);
            }
            return Ok(Expr::Var {
                name: name.to_string(),
                span: token.span,
            });
        };
        Err(ParseError::new(kind, token.span))
    }

    /// Starts the call of the function named by `name`, whose `(` is the current token.
    fn open_call(&mut self, stack: &mut Vec<Pending>, name: Token) -> PResult<Option<Node>> {
        let text = self.text(name.span);
        let Some(func) = Func::from_name(text) else {
            let kind = ErrorKind::UnknownFunction {
                name: text.into(),
                suggestions: function_suggestions(text),
            };
            return Err(ParseError::new(kind, name.span));
        };
        let open = self.bump();
        self.parens += 1;
        if self.peek().tok == Tok::RParen {
            return self.close_call(func, name, Vec::new(), 0).map(Some);
        }
        stack.push(Pending::Call {
            func,
            name,
            open,
            args: Vec::new(),
            height: 0,
        });
        Ok(None)
    }

    /// Consumes the `)` of a call and checks its number of arguments.
    fn close_call(
        &mut self,
        func: Func,
        name: Token,
        args: Vec<Expr>,
        height: usize,
    ) -> PResult<Node> {
        let close = self.bump();
        self.parens -= 1;
        let span = name.span.to(close.span);
        if !(func.min_arity()..=func.arity()).contains(&args.len()) {
            let kind = ErrorKind::WrongArity {
                name: self.text(name.span).into(),
                fewest: func.min_arity(),
                expected: func.arity(),
                found: args.len(),
            };
            return Err(ParseError::new(kind, span));
        }
        Self::node(Expr::Call { func, args, span }, height + 1, name.span)
    }
}

#[cfg(test)]
mod tests;
