//! `tapegrad train` and `tapegrad predict` against hostile files and flags
//! (issue 23): one clear error line and exit code 1, never a panic, an
//! abort, a huge allocation or a NaN reported as a result.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The shipped Iris data.
fn iris() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../nn/data/iris.csv")
}

/// `(exit code, stdout, stderr)` of the command with `args`.
fn tapegrad(args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("tapegrad")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Asserts one error line, nothing on stdout and exit code 1, and returns
/// the line.
#[track_caller]
fn error(args: &[&str]) -> String {
    let (code, stdout, stderr) = tapegrad(args);
    assert_eq!((code, stdout.as_str()), (1, ""), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    stderr.trim_end().to_string()
}

/// Writes `text` to `name` in `dir` and returns its path as a string.
fn file(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

/// Trains on the whole Iris file for `epochs` and saves the model in `dir`.
fn iris_model(dir: &Path, epochs: &str) -> String {
    let model = dir.join("iris.json");
    let iris = iris();
    let (code, _, err) = tapegrad(&[
        "train",
        iris.to_str().unwrap(),
        "--epochs",
        epochs,
        "--test-fraction",
        "0",
        "--save",
        model.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    model.to_str().unwrap().to_string()
}

#[test]
fn a_name_given_to_two_columns_is_refused_by_train_and_predict() {
    let dir = tempfile::tempdir().unwrap();
    // Columns 2 and 5 are both `a`: trained, the model would read column 2
    // twice at prediction.
    let twice = file(
        dir.path(),
        "twice.csv",
        "x,a,y,z,a,class\n1,2,3,4,5,0\n6,7,8,9,10,1\n",
    );
    assert_eq!(
        error(&["train", &twice]),
        format!(
            "error: {twice}: line 1, column 5 (`a`): column 2 has the same name; each column needs a name of its own"
        )
    );
    // An Iris file whose petal_length appears twice: predict refuses it too.
    let model = iris_model(dir.path(), "1");
    let doubled = file(
        dir.path(),
        "doubled.csv",
        "sepal_length,sepal_width,petal_length,petal_width,petal_length\n5.1,3.5,1.4,0.2,6.0\n",
    );
    assert_eq!(
        error(&["predict", &model, &doubled]),
        format!(
            "error: {doubled}: line 1, column 5 (`petal_length`): column 3 has the same name; each column needs a name of its own"
        )
    );
}

#[test]
fn a_byte_order_mark_does_not_rename_the_first_column() {
    let dir = tempfile::tempdir().unwrap();
    let iris_text = std::fs::read_to_string(iris()).unwrap();
    // Iris with a UTF-8 byte-order mark, and its label first, named by --label.
    let mut marked = String::from("\u{feff}");
    for line in iris_text.lines() {
        let (features, label) = line.rsplit_once(',').unwrap();
        marked.push_str(&format!("{label},{features}\n"));
    }
    let label = iris_text
        .lines()
        .next()
        .unwrap()
        .rsplit(',')
        .next()
        .unwrap();
    let marked = file(dir.path(), "marked.csv", &marked);
    let (code, out, err) = tapegrad(&[
        "train", &marked, "--label", label, "--epochs", "2", "--json",
    ]);
    assert_eq!((code, err.as_str()), (0, ""));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["classes"].as_u64(), Some(3));
    // predict finds `sepal_length`, the first column of a marked file.
    let model = iris_model(dir.path(), "1");
    let flowers = file(
        dir.path(),
        "flowers.csv",
        "\u{feff}sepal_length,sepal_width,petal_length,petal_width\n5.0,3.4,1.5,0.2\n",
    );
    let (code, out, err) = tapegrad(&["predict", &model, &flowers]);
    assert_eq!((code, err.as_str(), out.lines().count()), (0, "", 1));
}

#[test]
fn a_learning_rate_that_diverges_is_an_error_and_saves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let iris = iris();
    let saved = dir.path().join("never.json");
    for json in [false, true] {
        let mut args = vec![
            "train",
            iris.to_str().unwrap(),
            "--lr",
            "1e307",
            "--epochs",
            "20",
            "--save",
            saved.to_str().unwrap(),
        ];
        if json {
            args.push("--json");
        }
        let line = error(&args);
        // Steps of 10³⁰⁷ throw the weights past f64::MAX (this printed
        // `loss NaN` and exited 0): an error naming the epoch and the flag
        // to change.
        assert!(
            line.starts_with(&format!(
                "error: {}: training diverged in epoch ",
                iris.display()
            )),
            "{line}"
        );
        assert!(line.ends_with("; try a smaller --lr (now 1e307)"), "{line}");
        assert!(!saved.exists(), "a model of NaN was saved");
    }
}

#[test]
fn a_row_whose_logits_overflow_is_an_error_naming_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let model = iris_model(dir.path(), "5");
    // Line 3 is finite, but standardised (x - mean) / std it is beyond
    // f64::MAX, and the weighted sums of +∞ and -∞ are NaN.
    let rows = file(
        dir.path(),
        "huge.csv",
        "sepal_length,sepal_width,petal_length,petal_width\n\
         5.0,3.4,1.5,0.2\n\
         1.7e308,-1.7e308,1.7e308,-1.7e308\n",
    );
    let line = error(&["predict", &model, &rows]);
    assert!(
        line.starts_with(&format!("error: {rows}: line 3: the model's output ")),
        "{line}"
    );
    assert!(line.contains("not a finite number"), "{line}");
    // With --json as well: no object with null probabilities.
    assert!(error(&["predict", &model, &rows, "--json"]).contains("line 3"));
}

#[test]
fn labels_beyond_the_rows_are_an_error_before_any_model_is_built() {
    let dir = tempfile::tempdir().unwrap();
    // 10⁶ classes for 4 rows would be an MLP of 17 million parameters.
    let million = file(
        dir.path(),
        "million.csv",
        "a,class\n1,0\n2,1\n3,0\n4,1000000\n",
    );
    assert_eq!(
        error(&["train", &million]),
        format!(
            "error: {million}: line 5, column 2 (`class`): the class label 1000000 is too large: \
             the labels must be 0, 1, 2, … with a row for every class, so 4 rows allow at most 3"
        )
    );
    // u64::MAX: label + 1 would wrap (release) or panic (debug).
    let max = file(
        dir.path(),
        "max.csv",
        &format!("a,class\n1,0\n2,{}\n", u64::MAX),
    );
    assert!(error(&["train", &max]).contains("is too large"));
    // Labels 1, 2, 3 (counted from 1): no class 0.
    let from_one = file(dir.path(), "one.csv", "a,class\n1,1\n2,2\n3,3\n4,1\n");
    assert!(error(&["train", &from_one]).ends_with(
        "no row has class 0: the labels must be 0, 1, 2, … up to the largest (3) with a row for every class"
    ));
}

#[test]
fn epochs_and_layers_beyond_memory_are_errors_before_anything_is_allocated() {
    let iris = iris();
    let iris = iris.to_str().unwrap();
    // 10¹² epochs reserved 40 TB of history; u64::MAX overflowed its capacity.
    for epochs in ["1000000000000", &u64::MAX.to_string()] {
        assert_eq!(
            error(&["train", iris, "--epochs", epochs]),
            format!("error: --epochs must be at most 1000000, not {epochs}")
        );
    }
    // 2⁶² neurons overflow the parameter count; 3.7·10¹⁸ wrap it.
    let huge = (1u64 << 62).to_string();
    assert_eq!(
        error(&["train", iris, "--hidden", &huge]),
        format!(
            "error: {iris} with --hidden {huge}: an MLP 4-{huge}-3 would have more parameters than a usize counts, more than the 1048576 tapegrad-nn builds"
        )
    );
    let wraps = "3700000000000000000";
    assert!(
        error(&["train", iris, "--hidden", wraps])
            .contains(&format!("an MLP 4-{wraps}-3 would have"))
    );
    // Two layers of 2048: 4.2 million parameters, four times the bound.
    assert_eq!(
        error(&["train", iris, "--hidden", "2048,2048"]),
        format!(
            "error: {iris} with --hidden 2048,2048: an MLP 4-2048-2048-3 would have 4212739 parameters, more than the 1048576 tapegrad-nn builds"
        )
    );
}

#[test]
fn features_near_the_largest_float_train_save_and_predict() {
    let dir = tempfile::tempdir().unwrap();
    // Deviations near 10²⁰⁰, whose squares overflow: the deviation was
    // infinite, the column standardised to zeros, and the model saved with
    // `"std": [null, …]`, which predict could not read.
    let big = file(
        dir.path(),
        "big.csv",
        "x,y,class\n1e200,0,0\n-1e200,1,1\n3e200,0,0\n-2e200,1,1\n1e200,1,0\n",
    );
    let model = dir.path().join("big.json");
    let (code, _, err) = tapegrad(&[
        "train",
        &big,
        "--epochs",
        "3",
        "--test-fraction",
        "0",
        "--save",
        model.to_str().unwrap(),
    ]);
    assert_eq!((code, err.as_str()), (0, ""));
    let (code, out, err) = tapegrad(&["predict", model.to_str().unwrap(), &big]);
    assert_eq!((code, err.as_str(), out.lines().count()), (0, "", 5));
    // Values spanning more than f64::MAX cannot be standardised: one error.
    let span = file(
        dir.path(),
        "span.csv",
        "x,y,class\n1.7e308,0,0\n-1.7e308,1,1\n-1.7e308,1,0\n1,1,1\n",
    );
    assert_eq!(
        error(&["train", &span, "--test-fraction", "0"]),
        format!(
            "error: {span}: column `x`: the values span more than the largest float, so they cannot be standardised; rescale them"
        )
    );
}
