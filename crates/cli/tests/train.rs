//! `tapegrad train` and `tapegrad predict` end to end: the JSON keys, byte
//! for byte determinism, save then predict, and one clear message with a
//! non-zero exit for bad files, bad flags and a model that does not fit;
//! and against hostile files and flags (issue 23): one clear error line and
//! exit code 1, never a panic, an abort, a huge allocation or a NaN
//! reported as a result.

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

/// Asserts one error line and exit code 1, and returns the line.
#[track_caller]
fn error(args: &[&str]) -> String {
    let (code, stdout, stderr) = tapegrad(args);
    assert_eq!((code, stdout.as_str()), (1, ""), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    stderr.trim_end().to_string()
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap()
}

#[test]
fn train_json_has_the_documented_keys_and_learns_iris() {
    let iris = iris();
    let (code, out, err) = tapegrad(&["train", iris.to_str().unwrap(), "--epochs", "60", "--json"]);
    assert_eq!((code, err.as_str()), (0, ""));
    let v = json(&out);
    for key in [
        "train_accuracy",
        "test_accuracy",
        "loss",
        "epochs",
        "classes",
        "history",
    ] {
        assert!(v.get(key).is_some(), "no `{key}` in {out}");
    }
    assert_eq!(
        (v["epochs"].as_u64(), v["classes"].as_u64()),
        (Some(60), Some(3))
    );
    // 20% of 150 held out, stratified: 10 of each species.
    assert_eq!(
        (v["train_size"].as_u64(), v["test_size"].as_u64()),
        (Some(120), Some(30))
    );
    assert!(v["test_accuracy"].as_f64().unwrap() >= 0.9, "{out}");
    let history = v["history"].as_array().unwrap();
    assert_eq!(history.len(), 60);
    assert!(history[59]["loss"].as_f64() < history[0]["loss"].as_f64());
}

#[test]
fn the_same_seed_gives_the_same_output_byte_for_byte_serial_or_parallel() {
    let iris = iris();
    let args = [
        "train",
        iris.to_str().unwrap(),
        "--epochs",
        "15",
        "--seed",
        "7",
        "--json",
    ];
    let first = tapegrad(&args);
    assert_eq!(first.0, 0);
    assert_eq!(tapegrad(&args), first);
    let mut parallel = args.to_vec();
    parallel.push("--parallel");
    assert_eq!(tapegrad(&parallel), first);
    // Another seed, another split and other weights.
    let mut other = args.to_vec();
    other[5] = "8";
    assert_ne!(tapegrad(&other).1, first.1);
}

#[test]
fn a_saved_model_predicts_one_class_per_row_as_in_training() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("iris.json");
    let plot = dir.path().join("loss.svg");
    let iris = iris();
    let (code, out, _) = tapegrad(&[
        "train",
        iris.to_str().unwrap(),
        "--epochs",
        "40",
        "--test-fraction",
        "0",
        "--save",
        model.to_str().unwrap(),
        "--plot",
        plot.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code, 0);
    let train_accuracy = json(&out)["train_accuracy"].as_f64().unwrap();
    assert!(json(&out)["test_accuracy"].is_null()); // nothing held out
    assert!(std::fs::read_to_string(&plot).unwrap().contains("</svg>"));
    let (code, out, err) = tapegrad(&["predict", model.to_str().unwrap(), iris.to_str().unwrap()]);
    assert_eq!((code, err.as_str()), (0, ""));
    let predicted: Vec<usize> = out.lines().map(|l| l.parse().unwrap()).collect();
    assert_eq!(predicted.len(), 150);
    // The training set was the whole file: the predictions reproduce the
    // training accuracy the same model reported.
    let labels = std::fs::read_to_string(&iris).unwrap();
    let right = labels
        .lines()
        .skip(1)
        .zip(&predicted)
        .filter(|(l, p)| l.rsplit(',').next().unwrap().parse::<usize>().unwrap() == **p)
        .count();
    assert_eq!(right as f64 / 150.0, train_accuracy);
    // --json: probabilities that sum to 1, the largest on the predicted class.
    let (_, out, _) = tapegrad(&[
        "predict",
        model.to_str().unwrap(),
        iris.to_str().unwrap(),
        "--json",
    ]);
    let v = json(&out);
    for (row, &c) in v["predictions"].as_array().unwrap().iter().zip(&predicted) {
        let p: Vec<f64> = row["probabilities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect();
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert_eq!(row["class"].as_u64(), Some(c as u64));
        assert!(p.iter().all(|&q| q <= p[c]));
    }
}

#[test]
fn bad_files_are_one_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    };
    let bad = file("bad.csv", "a,b,class\n1,2,0\n1,oops,1\n");
    assert_eq!(
        error(&["train", &bad]),
        format!("error: {bad}: line 3, column 2 (`b`): `oops` is not a number")
    );
    let ragged = file("ragged.csv", "a,b,class\n1,2,0\n1,1\n");
    assert_eq!(
        error(&["train", &ragged]),
        format!("error: {ragged}: line 3: 2 fields, but the header has 3 columns")
    );
    let empty = file("empty.csv", "");
    assert!(
        error(&["train", &empty])
            .ends_with("the file is empty: it needs a header row and data rows")
    );
    let one = file("one.csv", "a,class\n1,0\n2,0\n");
    assert!(
        error(&["train", &one])
            .ends_with("every row has class 0: a classifier needs at least two classes")
    );
    let fraction = file("fraction.csv", "a,class\n1,0\n2,0.5\n");
    assert!(
        error(&["train", &fraction])
            .contains("line 3, column 2 (`class`): the class label `0.5` is not a whole number")
    );
    let missing = dir.path().join("missing.csv");
    assert!(error(&["train", missing.to_str().unwrap()]).starts_with("error: cannot read"));
    assert_eq!(
        error(&["train", &bad, "--label", "kind"]),
        format!("error: {bad}: no column `kind`; the columns are `a`, `b`, `class`")
    );
}

#[test]
fn bad_flags_are_one_clear_error() {
    let iris = iris();
    let iris = iris.to_str().unwrap();
    assert_eq!(
        error(&["train", iris, "--batch", "0"]),
        "error: --batch must be at least 1"
    );
    assert_eq!(
        error(&["train", iris, "--epochs", "0"]),
        "error: --epochs must be at least 1"
    );
    assert_eq!(
        error(&["train", iris, "--lr", "-1"]),
        "error: --lr must be a positive number, not -1"
    );
    assert_eq!(
        error(&["train", iris, "--test-fraction", "1"]),
        "error: --test-fraction must be at least 0 and below 1, not 1"
    );
    assert_eq!(
        error(&["train", iris, "--hidden", "16,0"]),
        "error: --hidden: layer 2 has 0 neurons; each needs at least 1"
    );
    assert_eq!(
        error(&["train", iris, "--plot", "loss.png"]),
        "error: --plot writes an SVG picture, so its file name must end in .svg (got `loss.png`)"
    );
    // An unknown activation is a usage error (clap's, exit code 2).
    let (code, _, err) = tapegrad(&["train", iris, "--activation", "softsign"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("unknown activation `softsign`: use identity, sigmoid, tanh or relu"),
        "{err}"
    );
}

#[test]
fn a_model_that_does_not_fit_the_data_is_one_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.json");
    let iris = iris();
    let (code, ..) = tapegrad(&[
        "train",
        iris.to_str().unwrap(),
        "--epochs",
        "1",
        "--save",
        model.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    let other = dir.path().join("other.csv");
    std::fs::write(&other, "sepal_length,sepal_width,class\n1,2,0\n").unwrap();
    assert_eq!(
        error(&["predict", model.to_str().unwrap(), other.to_str().unwrap()]),
        format!(
            "error: {}: the model reads a feature `petal_length`, which the file lacks; its columns are `sepal_length`, `sepal_width`, `class`",
            other.display()
        )
    );
    // A file that is not a model, and a model whose parts disagree.
    assert!(
        error(&["predict", other.to_str().unwrap(), iris.to_str().unwrap()])
            .contains("not a tapegrad-nn model file")
    );
    let text = std::fs::read_to_string(&model)
        .unwrap()
        .replace("\"classes\": 3", "\"classes\": 4");
    std::fs::write(&model, text).unwrap();
    assert!(
        error(&["predict", model.to_str().unwrap(), iris.to_str().unwrap()]).ends_with(
            "the model file is inconsistent: 4 classes need 4 outputs, the last layer has 3"
        )
    );
}

// Hostile files and flags (issue 23).

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
