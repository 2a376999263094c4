//! The worked examples of the tutorial on neural-network basics, rebuilt on
//! tapegrad: every gradient comes from a tape's backward pass, never from a
//! hand-derived formula.
//!
//! Each example is a library function that returns its numbers, plus a
//! printer that lays them out as the tutorial does. The runner
//! ([`run`], and the `tapegrad-examples` binary) prints them and draws their
//! pictures.
//!
//! ```
//! // z = x·y with x = 2w + 3b, y = 2b + 1 at w = 3, b = 4.
//! let f = tapegrad_examples::linear::forward(3.0, 4.0);
//! assert_eq!((f.z, f.dz_dw, f.dz_db), (162.0, 18.0, 63.0));
//! ```

#![warn(missing_docs)]

use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub mod chain;
pub mod descent;
pub mod graphs;
pub mod learning_rate;
pub mod linear;
pub mod loss;
pub mod neuron;
mod pictures;
pub mod plot;

/// What can go wrong while running the examples.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No example has this name.
    #[error("unknown example `{name}`{hint}; the examples are: {known}")]
    UnknownExample {
        /// The name asked for.
        name: String,
        /// A suggestion, e.g. " (did you mean `chain`?)", or empty.
        hint: String,
        /// Every example's name.
        known: String,
    },
    /// A picture or folder could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The path that could not be written.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// A plot could not be drawn.
    #[error("cannot draw {}: {message}", path.display())]
    Plot {
        /// The picture being drawn.
        path: PathBuf,
        /// What the plotting library said.
        message: String,
    },
    /// Printing the output failed (for example, a closed pipe).
    #[error("cannot print the output: {0}")]
    Output(#[from] io::Error),
    /// The engine reported a fault.
    #[error(transparent)]
    Engine(#[from] tapegrad::Error),
}

/// `std::result::Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where an example prints its text and writes its pictures.
pub struct Output<'a> {
    text: &'a mut dyn Write,
    pictures: Option<PathBuf>,
    written: Vec<PathBuf>,
}

impl<'a> Output<'a> {
    /// Text only, no pictures (as the snapshot tests run the examples).
    pub fn text(text: &'a mut dyn Write) -> Output<'a> {
        Output {
            text,
            pictures: None,
            written: Vec::new(),
        }
    }

    /// Text, and pictures in `folder` (created if missing).
    ///
    /// # Errors
    /// [`Error::Write`] if the folder cannot be created.
    pub fn with_pictures(text: &'a mut dyn Write, folder: &Path) -> Result<Output<'a>> {
        std::fs::create_dir_all(folder).map_err(|source| Error::Write {
            path: folder.to_path_buf(),
            source,
        })?;
        Ok(Output {
            text,
            pictures: Some(folder.to_path_buf()),
            written: Vec::new(),
        })
    }

    /// The pictures written so far.
    pub fn written(&self) -> &[PathBuf] {
        &self.written
    }

    /// The path for picture `file`, if pictures are wanted.
    fn picture(&mut self, file: &str) -> Option<PathBuf> {
        let path = self.pictures.as_ref()?.join(file);
        self.written.push(path.clone());
        Some(path)
    }

    /// Prints formatted text; used through `writeln!`.
    fn write_fmt(&mut self, args: fmt::Arguments<'_>) -> io::Result<()> {
        self.text.write_fmt(args)
    }
}

/// One worked example.
pub struct Example {
    /// Its name on the command line.
    pub name: &'static str,
    /// What it shows, in one line.
    pub title: &'static str,
    run: fn(&mut Output<'_>) -> Result<()>,
}

impl Example {
    /// Prints the example and writes its pictures.
    ///
    /// # Errors
    /// As [`Error`]: output or pictures that cannot be written.
    pub fn run(&self, out: &mut Output<'_>) -> Result<()> {
        (self.run)(out)
    }
}

/// Every example, in the tutorial's order.
pub static EXAMPLES: &[Example] = &[
    Example {
        name: "neuron",
        title: "The neuron: Z = W·X + b, A = σ(Z), and ∂A/∂wᵢ, ∂A/∂b",
        run: neuron::run,
    },
    Example {
        name: "linear",
        title: "Backpropagation through z = x·y, x = 2w + 3b, y = 2b + 1",
        run: linear::run,
    },
    Example {
        name: "chain",
        title: "The non-linear chain a = x², b = ln a, c = √b (Table 2-2)",
        run: chain::run,
    },
    Example {
        name: "descent-1d",
        title: "Gradient descent on J(x) = x²",
        run: descent::run_one_variable,
    },
    Example {
        name: "descent-2d",
        title: "Gradient descent on J(x, y) = x² + sin²y (Table 2-3)",
        run: descent::run_two_variables,
    },
    Example {
        name: "learning-rate",
        title: "Learning rates 1.0, 0.8, 0.4, 0.1 compared (Table 2-5)",
        run: learning_rate::run,
    },
    Example {
        name: "loss",
        title: "Six loss functions, their values and derivatives",
        run: loss::run,
    },
];

/// The example called `name`.
///
/// # Errors
/// [`Error::UnknownExample`], with a suggestion when a name is close.
pub fn find(name: &str) -> Result<&'static Example> {
    EXAMPLES.iter().find(|e| e.name == name).ok_or_else(|| {
        let close = EXAMPLES
            .iter()
            .map(|e| (distance(name, e.name), e.name))
            .min()
            .filter(|&(d, _)| d <= 3)
            .map(|(_, n)| format!(" (did you mean `{n}`?)"));
        Error::UnknownExample {
            name: name.to_string(),
            hint: close.unwrap_or_default(),
            known: EXAMPLES
                .iter()
                .map(|e| e.name)
                .collect::<Vec<_>>()
                .join(", "),
        }
    })
}

/// Runs `examples` in order, a blank line between two.
///
/// # Errors
/// The first error an example meets.
pub fn run(examples: &[&Example], out: &mut Output<'_>) -> Result<()> {
    for (i, example) in examples.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        writeln!(out, "== {}: {} ==", example.name, example.title)?;
        example.run(out)?;
    }
    Ok(())
}

/// Levenshtein distance, for suggestions.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let next = (row[j + 1] + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != cb));
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}
