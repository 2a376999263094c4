//! The `tapegrad` command. See `docs/cli.md`, or `tapegrad --help`.

use std::io::{self, Write};
use std::process::ExitCode;
use std::thread;

use clap::Parser;
use tapegrad_cli::{Cli, Error, STACK_SIZE, run};

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Recursive walks over a parsed tree need stack in proportion to its
    // depth, which the parser bounds: run on a thread with room for it.
    let worker = thread::Builder::new()
        .name("tapegrad".into())
        .stack_size(STACK_SIZE)
        .spawn(|| run(cli, &mut io::stdin().lock(), &mut io::stdout().lock()));
    let result = match worker {
        Ok(handle) => handle
            .join()
            .unwrap_or_else(|_| Err(Error::msg("internal error: the command panicked"))),
        Err(e) => Err(Error::msg(format_args!("cannot start the command: {e}"))),
    };
    match result {
        Ok(()) | Err(Error::Closed) => ExitCode::SUCCESS,
        Err(e @ Error::NotConverged(_)) => {
            let _ = writeln!(io::stderr(), "{e}");
            ExitCode::from(2)
        }
        Err(e) => {
            let _ = writeln!(io::stderr(), "{e}");
            ExitCode::FAILURE
        }
    }
}
