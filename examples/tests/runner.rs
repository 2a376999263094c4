//! The `tapegrad-examples` binary: its heading, listing, choosing, where its
//! pictures go and whose they are, and its one-line errors.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tapegrad_examples::EXAMPLES;

fn runner() -> Command {
    Command::cargo_bin("tapegrad-examples").unwrap()
}

#[test]
fn list_names_every_example() {
    let out = runner().arg("--list").assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let names: Vec<&str> = text
        .lines()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "neuron",
            "linear",
            "chain",
            "descent-1d",
            "descent-2d",
            "learning-rate",
            "loss",
            "iris-neuron",
            "iris-mlp",
            "moons"
        ]
    );
}

#[test]
fn one_example_prints_and_names_its_picture_folder() {
    let folder = std::env::temp_dir().join(format!("tapegrad-runner-{}", std::process::id()));
    let out = runner()
        .args(["--example", "linear", "--out"])
        .arg(&folder)
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    // ∂z/∂w = 18 and ∂z/∂b = 63 from the tape, and four graph pictures,
    // each with its backprop page.
    assert!(text.contains("∂z/∂w = 18, ∂z/∂b = 63"));
    assert!(
        text.trim_end()
            .ends_with(&format!("8 pictures written to {}", folder.display())),
        "{text}"
    );
    assert!(folder.join("linear-flow3.svg").exists());
    std::fs::remove_dir_all(&folder).unwrap();
}

#[test]
fn an_unknown_example_is_a_one_line_error() {
    let out = runner().args(["--example", "chian"]).assert().code(1);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert_eq!(
        err,
        "error: unknown example `chian` (did you mean `chain`?); the examples are: \
         neuron, linear, chain, descent-1d, descent-2d, learning-rate, loss, iris-neuron, iris-mlp, moons\n"
    );
}

#[test]
fn an_output_folder_that_cannot_be_written_is_a_one_line_error() {
    let blocker = std::env::temp_dir().join(format!("tapegrad-runner-file-{}", std::process::id()));
    std::fs::write(&blocker, "not a folder").unwrap();
    let out = runner()
        .args(["--example", "neuron", "--out"])
        .arg(blocker.join("pictures"))
        .assert()
        .code(1);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert_eq!(err.lines().count(), 1);
    assert!(err.starts_with(&format!(
        "error: cannot write {}",
        blocker.join("pictures").display()
    )));
    std::fs::remove_file(&blocker).unwrap();
}

/// Runs `cmd`, which must succeed, and returns what it printed.
fn printed(cmd: &mut Command) -> String {
    let out = cmd.assert().success();
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

#[test]
fn the_first_lines_name_the_tutorial_and_where_to_read_it() {
    let dir = tempfile::tempdir().unwrap();
    let text = printed(
        runner()
            .args(["--example", "neuron", "--out"])
            .arg(dir.path()),
    );
    let lines: Vec<&str> = text.lines().take(3).collect();
    assert_eq!(
        lines,
        [
            "Tutorial: 《神经网络基础知识》 (Neural-network basics), the seed of this project,",
            "  in the project's shared data: shared/seed/000_063f399a477a93f7.txt",
            "",
        ],
        "{text}"
    );
    assert!(text.lines().nth(3).unwrap().starts_with("== neuron: "));
}

#[test]
fn every_picture_is_listed_with_the_example_that_drew_it() {
    let dir = tempfile::tempdir().unwrap();
    let text = printed(runner().arg("--out").arg(dir.path()));
    // "  example 3, the chain rule: DIR/chain-flow.svg"
    let listed: Vec<(usize, &str, PathBuf)> = text
        .lines()
        .filter_map(|l| l.strip_prefix("  example "))
        .map(|l| {
            let (number, rest) = l.split_once(", ").unwrap();
            let (topic, path) = rest.split_once(": ").unwrap();
            (number.parse().unwrap(), topic, PathBuf::from(path))
        })
        .collect();
    let mut on_disk: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    on_disk.sort();
    let mut paths: Vec<PathBuf> = listed.iter().map(|(_, _, p)| p.clone()).collect();
    paths.sort();
    assert_eq!(paths, on_disk, "{text}");
    assert!(text.trim_end().ends_with(&format!(
        "{} pictures written to {}",
        on_disk.len(),
        dir.path().display()
    )));
    for (number, topic, path) in &listed {
        let example = &EXAMPLES[number - 1];
        assert_eq!(*topic, example.topic, "{}", path.display());
        // Each example's pictures are named after it (`learning-rate` draws
        // `learning-rates.svg`, `loss` draws `losses.svg`).
        let file = path.file_name().unwrap().to_str().unwrap();
        assert!(
            file.starts_with(example.name),
            "{file} is listed under example {number}, {topic}"
        );
    }
    let chain = dir.path().join("chain-flow.svg");
    assert!(
        text.contains(&format!(
            "  example 3, the chain rule: {}\n",
            chain.display()
        )),
        "{text}"
    );
}

#[test]
fn cargo_target_dir_at_run_time_holds_the_default_folder() {
    let target = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let text = printed(
        runner()
            .args(["--example", "chain"])
            .env("CARGO_TARGET_DIR", target.path())
            .current_dir(elsewhere.path()),
    );
    let folder = target.path().join("tapegrad-examples");
    assert!(folder.join("chain-flow.svg").is_file(), "{text}");
    assert!(
        text.trim_end()
            .ends_with(&format!("4 pictures written to {}", folder.display())),
        "{text}"
    );
    assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 0);
}

#[test]
fn a_relative_cargo_target_dir_is_below_the_current_folder() {
    let here = tempfile::tempdir().unwrap();
    let text = printed(
        runner()
            .args(["--example", "chain"])
            .env("CARGO_TARGET_DIR", "build")
            .current_dir(here.path()),
    );
    assert!(
        here.path()
            .join("build/tapegrad-examples/chain-grad-graph.svg")
            .is_file()
    );
    let shown = Path::new("build").join("tapegrad-examples");
    assert!(
        text.trim_end()
            .ends_with(&format!("4 pictures written to {}", shown.display())),
        "{text}"
    );
}
