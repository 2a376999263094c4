//! The `tapegrad-examples` binary: listing, choosing, and its one-line errors.

use assert_cmd::Command;

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
            "loss"
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
    // ∂z/∂w = 18 and ∂z/∂b = 63 from the tape, and four graph pictures.
    assert!(text.contains("∂z/∂w = 18, ∂z/∂b = 63"));
    assert!(
        text.trim_end()
            .ends_with(&format!("4 pictures written to {}", folder.display()))
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
         neuron, linear, chain, descent-1d, descent-2d, learning-rate, loss\n"
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
