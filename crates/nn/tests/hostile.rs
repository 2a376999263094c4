//! tapegrad-nn against hostile input (issue 23): files whose columns share a
//! name or start with a byte-order mark, labels and sizes far beyond memory,
//! and training or prediction that overflows to NaN. Each is a clear error
//! (or, for the mark, the file read as meant), never a panic, an abort or a
//! NaN passed off as a result.

use tapegrad_nn::{
    Activation::*, Backprop, Classifier, Dataset, Error, FitOptions, Layer, Loss, Mlp, Model, Rng,
    Sgd, Standardizer, data, fit,
};

fn csv_error(text: &str) -> String {
    Dataset::from_csv(text, None).unwrap_err().to_string()
}

#[test]
fn a_name_given_to_two_columns_is_an_error_naming_both() {
    // Columns 1 and 4 are both `a`: a lookup by name could reach only the
    // first, so a model would read one column twice.
    assert_eq!(
        csv_error("a,b,c,a,class\n1,2,3,4,0\n5,6,7,8,1\n"),
        "line 1, column 4 (`a`): column 1 has the same name; each column needs a name of its own"
    );
    // The header's own line, after blank lines.
    assert_eq!(
        csv_error("\n\nx,y,x\n1,2,0\n3,4,1\n"),
        "line 3, column 3 (`x`): column 1 has the same name; each column needs a name of its own"
    );
    // Reading features for prediction refuses the same file.
    let err = data::read_features("a,b,a\n1,2,3\n", &["a".into(), "b".into()]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 1, column 3 (`a`): column 1 has the same name; each column needs a name of its own"
    );
}

#[test]
fn a_byte_order_mark_is_not_part_of_the_first_name() {
    // U+FEFF at the start is an encoding mark, not text: the first column is `a`.
    let text = "\u{feff}a,b,class\n1,2,0\n3,4,1\n";
    let d = Dataset::from_csv(text, None).unwrap();
    assert_eq!(d.feature_names(), &["a".to_string(), "b".to_string()][..]);
    // So `a` is found by name, as the label and as a feature.
    let by_name = Dataset::from_csv("\u{feff}a,b\n0,2\n1,4\n", Some("a")).unwrap();
    assert_eq!((by_name.label_name(), by_name.label(1)), ("a", 1));
    let rows = data::read_features(text, &["a".into()]).unwrap();
    assert_eq!(rows, vec![vec![1.0], vec![3.0]]);
}

#[test]
fn labels_must_be_0_to_k_minus_1_with_a_row_for_each() {
    // A label of 10⁶ in a file of 3 rows would mean a million classes
    // (outputs) of which 999,998 have no row.
    assert_eq!(
        csv_error("x,c\n1,0\n2,1\n3,1000000\n"),
        "line 4, column 2 (`c`): the class label 1000000 is too large: the labels must be 0, 1, 2, … \
         with a row for every class, so 3 rows allow at most 2"
    );
    // The largest label a usize holds: the class count (label + 1) would wrap.
    let max = format!("x,c\n1,0\n2,{}\n", usize::MAX);
    assert!(
        csv_error(&max).starts_with(&format!(
            "line 3, column 2 (`c`): the class label {} is too large",
            usize::MAX
        )),
        "{}",
        csv_error(&max)
    );
    // A gap: labels 0 and 2, no class 1.
    assert_eq!(
        csv_error("x,c\n1,0\n2,2\n3,2\n"),
        "no row has class 1: the labels must be 0, 1, 2, … up to the largest (2) with a row for every class"
    );
}

#[test]
fn sizes_beyond_the_bound_are_errors_before_anything_is_allocated() {
    let mut rng = Rng::new(1);
    // 2⁶² neurons of 5 parameters: the count overflows a usize.
    let err = Mlp::new(&[4, 1 << 62, 3], &[Tanh, Identity], &mut rng).unwrap_err();
    assert!(
        err.to_string()
            .contains("would have more parameters than a usize counts"),
        "{err}"
    );
    // 3.7·10¹⁸ neurons: 5 × 3.7·10¹⁸ wraps to a small number in release
    // builds if not checked.
    let err = Mlp::new(
        &[4, 3_700_000_000_000_000_000, 3],
        &[Tanh, Identity],
        &mut rng,
    )
    .unwrap_err();
    assert!(err.to_string().contains("more than"), "{err}");
    // The 4-16-10⁶ MLP: 17,000,080 + … parameters, over the bound.
    let err = Mlp::new(&[4, 16, 1_000_000], &[Tanh, Identity], &mut rng).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "an MLP 4-16-1000000 would have 17000080 parameters, more than the {} tapegrad-nn builds",
            Mlp::MAX_PARAMETERS
        )
    );
    assert!(Layer::new(usize::MAX, 2, Tanh, &mut rng).is_err());
    // At the bound itself the count is exact: 2²⁰ parameters are 1 output
    // of 2²⁰ - 1 inputs plus its bias, and such a layer is built.
    assert_eq!(
        Mlp::parameter_count_of(&[Mlp::MAX_PARAMETERS - 1, 1]),
        Some(Mlp::MAX_PARAMETERS)
    );
    assert!(Layer::new(Mlp::MAX_PARAMETERS - 1, 1, Tanh, &mut rng).is_ok());
    assert!(Layer::new(Mlp::MAX_PARAMETERS, 1, Tanh, &mut rng).is_err());
}

/// A 2-16-1 MLP on the moons with SGD at the largest step there is: the
/// first steps throw the weights to ±10³⁰⁸ and beyond.
fn diverging(epochs: usize) -> (Mlp, Dataset, FitOptions) {
    let data = Dataset::moons(100, 0.1, 1);
    let mlp = Mlp::new(&[2, 16, 1], &[Tanh, Identity], &mut Rng::new(1)).unwrap();
    let options = FitOptions {
        loss: Loss::Log,
        epochs,
        sgd: Sgd::new(f64::MAX).with_momentum(0.9),
        ..FitOptions::default()
    };
    (mlp, data, options)
}

#[test]
fn training_that_diverges_is_an_error_naming_the_epoch_not_a_nan_history() {
    let (mut mlp, data, options) = diverging(20);
    let mut reported = Vec::new();
    let err = fit(&mut mlp, &data, None, &options, |e| {
        reported.push(e.clone())
    })
    .unwrap_err();
    let Error::Diverged { epoch, value, .. } = &err else {
        panic!("not a divergence: {err}");
    };
    // The failing epoch is never reported, and every reported one is finite.
    assert_eq!(reported.len(), epoch - 1);
    assert!(reported.iter().all(|e| e.loss.is_finite()));
    assert!(!value.is_finite());
    assert!(
        err.to_string()
            .starts_with(&format!("training diverged in epoch {epoch}: ")),
        "{err}"
    );
}

#[test]
fn an_epoch_count_beyond_memory_reserves_nothing_up_front() {
    // usize::MAX epochs: a history reserved up front overflows its capacity
    // (a panic); grown as epochs run, training stops at the divergence.
    let (mut mlp, data, options) = diverging(usize::MAX);
    let err = fit(&mut mlp, &data, None, &options, |_| {}).unwrap_err();
    assert!(matches!(err, Error::Diverged { .. }), "{err}");
}

#[test]
fn a_non_finite_mini_batch_loss_is_an_error() {
    let data = Dataset::moons(16, 0.1, 1);
    let mut mlp = Mlp::new(&[2, 1], &[Identity], &mut Rng::new(1)).unwrap();
    // Weights of f64::MAX: each output is ±MAX·(x + y + 1) (or ∞ - ∞), and
    // its square overflows, so the squared loss is not finite.
    mlp.set_parameters(&[f64::MAX; 3]).unwrap();
    let batch: Vec<usize> = (0..16).collect();
    let err = Backprop::new()
        .gradient(&mlp, Loss::Squared, &data, &batch)
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("the mini-batch's mean loss is "),
        "{err}"
    );
}

#[test]
fn a_prediction_that_overflows_is_an_error_and_nan_weights_are_no_classifier() {
    let data = Dataset::from_csv("x,c\n-1,0\n1,1\n", None).unwrap();
    let mut mlp = Mlp::new(&[1, 2], &[Identity], &mut Rng::new(1)).unwrap();
    // Logits (-2x, 2x): finite for a finite x up to f64::MAX / 2 only.
    mlp.set_parameters(&[-2.0, 0.0, 2.0, 0.0]).unwrap();
    let model = Classifier::new(mlp.clone(), Loss::SoftmaxCrossEntropy, &data, None).unwrap();
    let (class, p) = model.predict(&[1.0]).unwrap();
    // softmax(-2, 2)[1] = 1 / (1 + e⁻⁴).
    assert_eq!(class, 1);
    assert!((p[1] - 1.0 / (1.0 + (-4f64).exp())).abs() < 1e-15);
    assert_eq!(
        model.predict(&[f64::MAX]).unwrap_err().to_string(),
        "the model's output 0 is -inf, not a finite number"
    );
    mlp.set_parameters(&[-2.0, 0.0, f64::NAN, 0.0]).unwrap();
    assert_eq!(
        Classifier::new(mlp, Loss::SoftmaxCrossEntropy, &data, None)
            .unwrap_err()
            .to_string(),
        "parameter 2 is NaN, not a finite number"
    );
}

#[test]
fn accuracy_counts_non_finite_outputs_as_wrong() {
    let data = Dataset::from_csv("x,c\n-1,0\n1,1\n", None).unwrap();
    let mut mlp = Mlp::new(&[1, 2], &[Identity], &mut Rng::new(1)).unwrap();
    // NaN logits: argmax would fall on class 0 and call the first row right.
    mlp.set_parameters(&[f64::NAN, 0.0, f64::NAN, 0.0]).unwrap();
    assert_eq!(
        tapegrad_nn::accuracy(&mlp, Loss::SoftmaxCrossEntropy, &data),
        0.0
    );
    assert_eq!(mlp.parameter_count(), 4);
}

#[test]
fn a_large_batch_keeps_tapes_for_one_wave_not_one_per_chunk() {
    let threads = rayon::current_num_threads();
    let at_once = |parallel| {
        if parallel {
            Backprop::WAVE_PER_THREAD * threads
        } else {
            1
        }
    };
    // Far more chunks of 16 than run at once, whatever the machine.
    let chunks = 2 * at_once(true) + 40;
    let data = Dataset::moons(16 * chunks, 0.1, 1);
    let mlp = Mlp::new(&[2, 16, 16, 1], &[Tanh, Tanh, Identity], &mut Rng::new(1)).unwrap();
    let many: Vec<usize> = (0..16 * chunks).collect();
    let one: Vec<usize> = (0..16).collect();
    for parallel in [false, true] {
        let bytes = |batch: &[usize]| {
            let mut bp = Backprop::new().parallel(parallel);
            bp.gradient(&mlp, Loss::Log, &data, batch).unwrap();
            bp.bytes_reserved()
        };
        // One chunk's tape and buffers, times the chunks run at once (1
        // serial, a wave parallel): a tape per chunk of the batch would be
        // 40 more than twice that. A tape's size varies a little with its
        // samples (what it records depends on values), so twice that is
        // the bound.
        let (single, large) = (bytes(&one), bytes(&many));
        assert!(
            large <= 2 * at_once(parallel) * single,
            "parallel {parallel}: {large} bytes for {chunks} chunks, {single} for one"
        );
    }
}

#[test]
fn standardising_values_near_the_largest_float_stays_finite() {
    // Powers of 2, so every expected number is exact. A column of -2⁷⁰⁰,
    // 3·2⁷⁰⁰ (and its mirror): mean ±2⁷⁰⁰, deviation 2⁷⁰¹, whose square
    // overflows; the plain formula gave an infinite deviation, which
    // standardised the column to zeros and saved as `null`.
    let p = 2f64.powi(700);
    let text = format!("a,b,c\n{},{},0\n{},{},1\n", -p, p, 3.0 * p, -3.0 * p);
    let s = Standardizer::fit(&Dataset::from_csv(&text, None).unwrap());
    assert_eq!(s.mean(), &[p, -p][..]);
    assert_eq!(s.std(), &[2.0 * p, 2.0 * p][..]);
    // A column of 1.5·2¹⁰²³ twice: the sum overflows, the mean is the value.
    let big = 1.5 * 2f64.powi(1023);
    let text = format!("a,c\n{big},0\n{big},1\n");
    let s = Standardizer::fit(&Dataset::from_csv(&text, None).unwrap());
    assert_eq!((s.mean(), s.std()), (&[big][..], &[1.0][..]));
    assert!(s.is_finite());
    // Values spanning more than f64::MAX: the distance to the mean
    // overflows, and the deviation is reported infinite, not made up.
    let text = format!(
        "a,c\n{},0\n{},1\n{},1\n1,0\n",
        f64::MAX,
        -f64::MAX,
        -f64::MAX
    );
    let data = Dataset::from_csv(&text, None).unwrap();
    let s = Standardizer::fit(&data);
    assert!(!s.is_finite());
    let mlp = Mlp::new(&[1, 2], &[Identity], &mut Rng::new(1)).unwrap();
    assert_eq!(
        Classifier::new(mlp, Loss::SoftmaxCrossEntropy, &data, Some(s))
            .unwrap_err()
            .to_string(),
        "a standardiser with a mean or deviation that is not finite"
    );
}

#[test]
fn a_model_file_with_a_byte_order_mark_loads_and_one_with_a_feature_twice_does_not() {
    let data = Dataset::from_csv("a,b,c\n0,1,0\n1,0,1\n", None).unwrap();
    let mlp = Mlp::new(&[2, 2], &[Identity], &mut Rng::new(1)).unwrap();
    let model = Classifier::new(mlp, Loss::SoftmaxCrossEntropy, &data, None).unwrap();
    let text = model.to_json();
    // Saved again by an editor that adds U+FEFF: the same model.
    assert_eq!(
        Classifier::from_json(&format!("\u{feff}{text}")).unwrap(),
        model
    );
    // Features `a`, `a`: both inputs would read the first column `a`.
    let twice = text.replace("\"b\"", "\"a\"");
    assert_eq!(
        Classifier::from_json(&twice).unwrap_err().to_string(),
        "the model file is inconsistent: features 1 and 2 are both named `a`"
    );
}
