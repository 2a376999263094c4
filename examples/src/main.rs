//! Runs the tutorial's worked examples: `tapegrad-examples [--example NAME] [--list] [--out DIR]`.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use tapegrad_examples::{EXAMPLES, Output, find, run};

/// The worked examples of the tutorial on neural-network basics, rebuilt on
/// tapegrad: prints each example's tables and writes its pictures.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Run only this example (see --list).
    #[arg(long, value_name = "NAME")]
    example: Option<String>,
    /// List the examples and exit.
    #[arg(long)]
    list: bool,
    /// Folder for the pictures.
    #[arg(long, value_name = "DIR", default_value = "target/tapegrad-examples")]
    out: PathBuf,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match main_with(&args) {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`| head`) ends the output; it is not a failure.
        Err(tapegrad_examples::Error::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn main_with(args: &Args) -> tapegrad_examples::Result<()> {
    let stdout = io::stdout();
    let mut text = stdout.lock();
    if args.list {
        for e in EXAMPLES {
            writeln!(text, "{:<14} {}", e.name, e.title)?;
        }
        return Ok(());
    }
    let chosen = match &args.example {
        Some(name) => vec![find(name)?],
        None => EXAMPLES.iter().collect(),
    };
    let mut out = Output::with_pictures(&mut text, &args.out)?;
    run(&chosen, &mut out)?;
    let written = out.written().len();
    drop(out);
    writeln!(
        text,
        "\n{written} pictures written to {}",
        args.out.display()
    )?;
    Ok(())
}
