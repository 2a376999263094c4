//! `docs/cli.md` shows real sessions: this runs every `$ command` of its
//! `console` blocks again, in order, in one scratch folder, and checks that
//! each prints exactly the lines that follow it (standard output and error
//! together).

use std::path::Path;
use std::process::Command;

/// One `$ command` and the output the document shows for it.
struct Session {
    line: usize,
    command: String,
    output: String,
}

fn sessions(doc: &str) -> Vec<Session> {
    let mut sessions: Vec<Session> = Vec::new();
    let mut in_console = false;
    for (i, line) in doc.lines().enumerate() {
        if line == "```console" {
            in_console = true;
        } else if in_console && line == "```" {
            in_console = false;
        } else if in_console {
            match line.strip_prefix("$ ") {
                Some(command) => sessions.push(Session {
                    line: i + 1,
                    command: command.to_string(),
                    output: String::new(),
                }),
                None => {
                    let session = sessions.last_mut().expect("output after a command");
                    session.output.push_str(line);
                    session.output.push('\n');
                }
            }
        }
    }
    sessions
}

/// Runs every session of `docs/{name}` in one scratch folder and checks
/// that there are more than `at_least` and that each prints what the
/// document shows.
fn replay(name: &str, at_least: usize) {
    let doc_path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs")
        .join(name);
    let doc = std::fs::read_to_string(&doc_path).expect("the document");
    let sessions = sessions(&doc);
    assert!(
        sessions.len() > at_least,
        "found {} sessions",
        sessions.len()
    );
    let binary = Path::new(env!("CARGO_BIN_EXE_tapegrad"));
    let path = format!(
        "{}:{}",
        binary.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for s in &sessions {
        let output = Command::new("bash")
            .arg("-c")
            .arg(format!("exec 2>&1; {}", s.command))
            .current_dir(dir.path())
            .env("PATH", &path)
            .output()
            .expect("bash runs");
        let printed = String::from_utf8_lossy(&output.stdout);
        // The document trims trailing blank lines of an output.
        if printed.trim_end_matches('\n') != s.output.trim_end_matches('\n') {
            failures.push(format!(
                "docs/{name}:{}: $ {}\n--- documented\n{}--- printed\n{}",
                s.line, s.command, s.output, printed
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_session_of_the_cli_docs_still_prints_the_same() {
    replay("cli.md", 40);
}

#[test]
fn every_session_of_the_fit_docs_still_prints_the_same() {
    replay("fit.md", 4);
}

/// The backticked names between `<!-- functions` and `<!-- /functions -->`
/// in `doc`, each once, in order, with any `(arguments)` cut off.
fn listed_functions(doc: &str) -> Vec<String> {
    let start = doc.find("<!-- functions").expect("a functions block");
    let end = doc.find("<!-- /functions -->").expect("its end");
    let mut names: Vec<String> = Vec::new();
    for (i, piece) in doc[start..end].split('`').enumerate() {
        let name = piece.split('(').next().unwrap_or("").to_string();
        if i % 2 == 1 && !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

#[test]
fn the_cli_docs_list_every_function_of_the_engines_op_table() {
    use tapegrad_cli::expr::{CONSTANTS, Func};
    // The list in docs/cli.md is the CLI's function list, in its order
    // (the engine's one-input ops in table order, then atan2, hypot, max,
    // min and log), then the constants: so a new op of the engine fails
    // this test until the docs name it.
    let doc_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/cli.md");
    let doc = std::fs::read_to_string(&doc_path).expect("docs/cli.md");
    let unary = Func::ALL.iter().filter(|f| matches!(f, Func::Unary(_)));
    let others = [Func::Atan2, Func::Hypot, Func::Max, Func::Min, Func::Log];
    let expected: Vec<String> = unary
        .chain(&others)
        .map(|f| f.name().to_string())
        .chain(CONSTANTS.iter().map(|(name, _)| name.to_string()))
        .collect();
    assert_eq!(listed_functions(&doc), expected);
    assert_eq!(Func::ALL.len(), expected.len() - CONSTANTS.len());
}

/// The subcommands of the `tapegrad` command, from its clap definition
/// (what `tapegrad --help` lists), without clap's own `help`.
fn subcommands() -> Vec<String> {
    use clap::CommandFactory;
    tapegrad_cli::Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .filter(|name| name != "help")
        .collect()
}

fn read(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The line of `doc` that starts with `start`.
fn line_starting<'a>(doc: &'a str, start: &str) -> &'a str {
    doc.lines()
        .find(|l| l.starts_with(start))
        .unwrap_or_else(|| panic!("no line starting `{start}`"))
}

#[test]
fn every_subcommand_has_a_section_in_the_cli_docs_and_its_contents() {
    // Whatever commands the CLI has, docs/cli.md gives each a section
    // headed `## \`tapegrad NAME\`` and lists it in its contents, which
    // links the section.
    let doc = read("../../docs/cli.md");
    let commands = subcommands();
    assert!(commands.len() >= 6, "{commands:?}");
    for name in &commands {
        let heading = format!("\n## `tapegrad {name}`\n");
        assert!(
            doc.contains(&heading),
            "docs/cli.md has no section {heading:?}"
        );
        let entry = format!("- [`tapegrad {name}`](#tapegrad-{name})");
        assert!(
            doc.contains(&entry),
            "docs/cli.md's contents have no entry {entry:?}"
        );
    }
}

#[test]
fn the_readmes_name_every_subcommand_the_cli_docs_cover() {
    // The workspace README's line on docs/cli.md and the package README's
    // list of subcommands name every command, in backticks.
    let readme = read("../../README.md");
    let workspace_line = line_starting(&readme, "- [docs/cli.md](docs/cli.md)");
    let package = read("README.md");
    let package_line = line_starting(&package, "Subcommands:");
    for name in subcommands() {
        let quoted = format!("`{name}`");
        assert!(
            workspace_line.contains(&quoted),
            "README.md's docs/cli.md line does not name {quoted}: {workspace_line}"
        );
        assert!(
            package_line.contains(&quoted),
            "crates/cli/README.md does not name {quoted}: {package_line}"
        );
    }
}
