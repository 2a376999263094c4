//! `tapegrad train` and `tapegrad predict` end to end: the JSON keys, byte
//! for byte determinism, save then predict, and one clear message with a
//! non-zero exit for bad files, bad flags and a model that does not fit.

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
