//! `tapegrad examples`: the tutorial's worked examples, through the same
//! runner as the examples crate (`tapegrad_examples::run`).

use std::io::Write;

use tapegrad_examples::{EXAMPLES, Output, find};

use crate::cli::ExamplesArgs;
use crate::error::{Error, Result};
use crate::format::{QUOTED, quoted};

pub(crate) fn run(args: &ExamplesArgs, out: &mut dyn Write) -> Result<()> {
    if args.list {
        for e in EXAMPLES {
            writeln!(out, "{:<14} {}", e.name, e.title)?;
        }
        return Ok(());
    }
    let chosen = match &args.name {
        // No example has a long name; say so without repeating all of it.
        Some(name) if name.chars().nth(QUOTED).is_some() => {
            let names: Vec<&str> = EXAMPLES.iter().map(|e| e.name).collect();
            return Err(Error::msg(format_args!(
                "unknown example {}; the examples are: {}",
                quoted(name),
                names.join(", ")
            )));
        }
        Some(name) => vec![find(name).map_err(Error::msg)?],
        None => EXAMPLES.iter().collect(),
    };
    let Some(folder) = &args.out else {
        let mut output = Output::text(out);
        return tapegrad_examples::run(&chosen, &mut output).map_err(convert);
    };
    let mut output = Output::with_pictures(out, folder).map_err(convert)?;
    tapegrad_examples::run(&chosen, &mut output).map_err(convert)?;
    let written = output.written().len();
    drop(output);
    writeln!(
        out,
        "\n{written} picture{} written to {}",
        if written == 1 { "" } else { "s" },
        folder.display()
    )?;
    Ok(())
}

fn convert(e: tapegrad_examples::Error) -> Error {
    match e {
        tapegrad_examples::Error::Output(io) => Error::from(io),
        other => Error::msg(other),
    }
}
