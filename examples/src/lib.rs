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
pub mod iris;
pub mod learning_rate;
pub mod linear;
pub mod loss;
pub mod moons;
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
    /// Training failed (tapegrad-nn's message).
    #[error("{0}")]
    Nn(String),
    /// The engine reported a fault.
    #[error(transparent)]
    Engine(#[from] tapegrad::Error),
}

/// `std::result::Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The tutorial the examples come from: 《神经网络基础知识》, "Neural-network
/// basics", the seed of this project.
pub const TUTORIAL: &str = "《神经网络基础知识》 (Neural-network basics)";

/// Where to read [`TUTORIAL`]: the seed file in the project's shared data.
pub const TUTORIAL_SOURCE: &str = "shared/seed/000_063f399a477a93f7.txt";

/// The folder the `tapegrad-examples` binary writes its pictures to when not
/// told otherwise: `tapegrad-examples` in `$CARGO_TARGET_DIR` when that is
/// set at run time, else in the `target` folder of the workspace this crate
/// was built in, whichever folder the binary runs from. A build outside the
/// workspace (from the published package) uses `target/tapegrad-examples`
/// below the current folder.
pub fn default_pictures_folder() -> PathBuf {
    const FOLDER: &str = "tapegrad-examples";
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR").filter(|t| !t.is_empty()) {
        return PathBuf::from(target).join(FOLDER);
    }
    // This crate is the workspace's `examples` member: its parent holds the
    // workspace manifest and the `target` folder beside it.
    match Path::new(env!("CARGO_MANIFEST_DIR")).parent() {
        Some(workspace) if workspace.join("Cargo.toml").is_file() => {
            workspace.join("target").join(FOLDER)
        }
        _ => Path::new("target").join(FOLDER),
    }
}

/// A picture that an example drew.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    /// The example's number, as [`Example::number`] (0 for a picture drawn
    /// outside [`Example::run`]).
    pub number: usize,
    /// What the example is about, as [`Example::topic`].
    pub topic: &'static str,
    /// Where the picture was written.
    pub path: PathBuf,
}

/// Where an example prints its text and writes its pictures.
pub struct Output<'a> {
    text: &'a mut dyn Write,
    pictures: Option<PathBuf>,
    written: Vec<PathBuf>,
    drawn: Vec<Picture>,
    /// The number and topic of the example running, for its pictures.
    running: (usize, &'static str),
}

impl<'a> Output<'a> {
    /// Text only, no pictures (as the snapshot tests run the examples).
    pub fn text(text: &'a mut dyn Write) -> Output<'a> {
        Output {
            text,
            pictures: None,
            written: Vec::new(),
            drawn: Vec::new(),
            running: (0, ""),
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
            drawn: Vec::new(),
            running: (0, ""),
        })
    }

    /// The pictures written so far.
    pub fn written(&self) -> &[PathBuf] {
        &self.written
    }

    /// The pictures written so far, each with the example that drew it.
    pub fn pictures(&self) -> &[Picture] {
        &self.drawn
    }

    /// The path for picture `file`, if pictures are wanted.
    fn picture(&mut self, file: &str) -> Option<PathBuf> {
        let path = self.pictures.as_ref()?.join(file);
        self.written.push(path.clone());
        let (number, topic) = self.running;
        self.drawn.push(Picture {
            number,
            topic,
            path: path.clone(),
        });
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
    /// What it is about, in a few words: "the chain rule".
    pub topic: &'static str,
    run: fn(&mut Output<'_>) -> Result<()>,
}

impl Example {
    /// Prints the example and writes its pictures.
    ///
    /// # Errors
    /// As [`Error`]: output or pictures that cannot be written.
    pub fn run(&self, out: &mut Output<'_>) -> Result<()> {
        let outer = std::mem::replace(&mut out.running, (self.number(), self.topic));
        let result = (self.run)(out);
        out.running = outer;
        result
    }

    /// Its number in the tutorial's order: 1 for the first of [`EXAMPLES`].
    pub fn number(&self) -> usize {
        EXAMPLES
            .iter()
            .position(|e| std::ptr::eq(e, self))
            .map_or(0, |i| i + 1)
    }
}

/// Every example, in the tutorial's order.
pub static EXAMPLES: &[Example] = &[
    Example {
        name: "neuron",
        title: "The neuron: Z = W·X + b, A = σ(Z), and ∂A/∂wᵢ, ∂A/∂b",
        topic: "the neuron",
        run: neuron::run,
    },
    Example {
        name: "linear",
        title: "Backpropagation through z = x·y, x = 2w + 3b, y = 2b + 1",
        topic: "backpropagation through z = x·y",
        run: linear::run,
    },
    Example {
        name: "chain",
        title: "The non-linear chain a = x², b = ln a, c = √b (Table 2-2)",
        topic: "the chain rule",
        run: chain::run,
    },
    Example {
        name: "descent-1d",
        title: "Gradient descent on J(x) = x²",
        topic: "gradient descent in one variable",
        run: descent::run_one_variable,
    },
    Example {
        name: "descent-2d",
        title: "Gradient descent on J(x, y) = x² + sin²y (Table 2-3)",
        topic: "gradient descent in two variables",
        run: descent::run_two_variables,
    },
    Example {
        name: "learning-rate",
        title: "Learning rates 1.0, 0.8, 0.4, 0.1 compared (Table 2-5)",
        topic: "learning rates",
        run: learning_rate::run,
    },
    Example {
        name: "loss",
        title: "Six loss functions, their values and derivatives",
        topic: "loss functions",
        run: loss::run,
    },
    Example {
        name: "iris-neuron",
        title: "One neuron with the log loss: Iris setosa against the rest",
        topic: "training a neuron",
        run: iris::run_neuron,
    },
    Example {
        name: "iris-mlp",
        title: "An MLP with softmax cross-entropy on the three Iris species",
        topic: "training an MLP",
        run: iris::run_mlp,
    },
    Example {
        name: "moons",
        title: "micrograd's two moons: a 2-16-16-1 MLP and its decision boundary",
        topic: "a decision boundary",
        run: moons::run,
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
