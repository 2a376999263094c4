//! Runs the tutorial's worked examples: `tapegrad-examples [--example NAME] [--list] [--out DIR]`.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use tapegrad_examples::{
    EXAMPLES, Output, TUTORIAL, TUTORIAL_SOURCE, default_pictures_folder, find, run,
};

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
    /// Folder for the pictures [default: tapegrad-examples in
    /// $CARGO_TARGET_DIR if set, else in the workspace's target folder,
    /// whichever folder this runs from].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
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
    let folder = args.out.clone().unwrap_or_else(default_pictures_folder);
    writeln!(text, "Tutorial: {TUTORIAL}, the seed of this project,")?;
    writeln!(text, "  in the project's shared data: {TUTORIAL_SOURCE}")?;
    writeln!(text)?;
    let mut out = Output::with_pictures(&mut text, &folder)?;
    run(&chosen, &mut out)?;
    let pictures = out.pictures().to_vec();
    drop(out);
    writeln!(text)?;
    if !pictures.is_empty() {
        writeln!(text, "pictures, each with the example that drew it:")?;
    }
    for p in &pictures {
        writeln!(
            text,
            "  example {}, {}: {}",
            p.number,
            p.topic,
            shown(&p.path).display()
        )?;
    }
    writeln!(
        text,
        "{} picture{} written to {}",
        pictures.len(),
        if pictures.len() == 1 { "" } else { "s" },
        shown(&folder).display()
    )?;
    Ok(())
}

/// `path`, relative to the current folder when it lies below it.
fn shown(path: &Path) -> PathBuf {
    let Ok(here) = std::env::current_dir() else {
        return path.to_path_buf();
    };
    let below = |path: &Path, here: &Path| {
        path.strip_prefix(here)
            .ok()
            .filter(|rest| !rest.as_os_str().is_empty())
            .map(Path::to_path_buf)
    };
    below(path, &here)
        // The same folder reached through a symbolic link.
        .or_else(|| below(&path.canonicalize().ok()?, &here.canonicalize().ok()?))
        .unwrap_or_else(|| path.to_path_buf())
}
