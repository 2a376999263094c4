//! tapegrad-nn: gradients against finite differences, the losses at the
//! tutorial's sample points and at extremes, training, files, the loader's
//! errors, flat memory and parallel determinism.

use tapegrad::Tape;
use tapegrad_nn::{
    Activation::*, Backprop, Classifier, Dataset, Error, FitOptions, Loss, Mlp, Model, Neuron, Rng,
    Sgd, Standardizer, fit, loss,
};

/// `(loss, ∂loss/∂x)` of a loss recorded on one variable at `x`.
fn eval(f: impl Fn(tapegrad::Var) -> tapegrad::Var, x: f64) -> (f64, f64) {
    let tape = Tape::new();
    let v = tape.var(x);
    let l = f(v);
    (l.value(), l.backward()[v])
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    a == b || (a - b).abs() <= rel * a.abs().max(b.abs())
}

/// The largest relative gap between the tape's gradient of the mean loss
/// and central differences `(L(θ + h) - L(θ - h)) / 2h` of the same loss.
fn gradient_gap<M: Model + Sync + Clone>(model: &M, loss: Loss, data: &Dataset) -> f64 {
    let batch: Vec<usize> = (0..data.len()).collect();
    let mut bp = Backprop::new();
    bp.gradient(model, loss, data, &batch).unwrap();
    let g = bp.last_gradient().to_vec();
    let theta = model.parameters();
    let mut worst: f64 = 0.0;
    for i in 0..theta.len() {
        let h = 1e-6 * theta[i].abs().max(1.0);
        let at = |d: f64| {
            let mut m = model.clone();
            let mut t = theta.clone();
            t[i] += d;
            m.set_parameters(&t).unwrap();
            Backprop::new().gradient(&m, loss, data, &batch).unwrap()
        };
        let fd = (at(h) - at(-h)) / (2.0 * h);
        worst = worst.max((fd - g[i]).abs() / g[i].abs().max(1e-3));
    }
    worst
}

#[test]
fn a_neurons_gradient_matches_finite_differences() {
    let data = Dataset::iris().one_vs_rest(0);
    let data = data.select(&(0..150).step_by(10).collect::<Vec<_>>());
    for act in [Identity, Sigmoid, Tanh] {
        let n = Neuron::new(4, act, &mut Rng::new(3)).unwrap();
        let loss = if act == Identity {
            Loss::Log
        } else {
            Loss::Squared
        };
        let gap = gradient_gap(&n, loss, &data);
        assert!(gap < 1e-6, "{act}: relative gap {gap}");
    }
}

#[test]
fn an_mlps_gradient_matches_finite_differences() {
    // Relu's kink is avoided by smooth activations: differences across a
    // kink are not derivatives.
    let data = Dataset::moons(12, 0.1, 5);
    let mlp = Mlp::new(&[2, 5, 4, 2], &[Tanh, Sigmoid, Identity], &mut Rng::new(4)).unwrap();
    let gap = gradient_gap(&mlp, Loss::SoftmaxCrossEntropy, &data);
    assert!(gap < 1e-6, "relative gap {gap}");
}

#[test]
fn squared_absolute_hinge_exponential_at_the_tutorials_points() {
    // The chapter's samples: label y = 1, predictions -1, 0, 0.5, 1, 1.5, 2.
    for a in [-1.0, 0.0, 0.5, 1.0, 1.5, 2.0] {
        // (a - y)², derivative 2(a - y)
        assert_eq!(
            eval(|v| loss::squared(v, 1.0), a),
            ((a - 1.0) * (a - 1.0), 2.0 * (a - 1.0))
        );
        // |y - a|, derivative sign(a - y); at the kink y - a = +0, where
        // abs' = 1, so ∂/∂a = -1
        let d = if a > 1.0 { 1.0 } else { -1.0 };
        assert_eq!(eval(|v| loss::absolute(v, 1.0), a), ((1.0 - a).abs(), d));
        // max(0, 1 - a), derivative -1 inside the margin, 0 from a = 1 on (relu' = 0 at 0)
        let d = if a < 1.0 { -1.0 } else { 0.0 };
        assert_eq!(
            eval(|v| loss::hinge(v, 1.0).unwrap(), a),
            ((1.0 - a).max(0.0), d)
        );
        // e^(-a), derivative -e^(-a)
        let (v, d) = eval(|v| loss::exponential(v, 1.0).unwrap(), a);
        assert!(close(v, (-a).exp(), 1e-15) && close(d, -(-a).exp(), 1e-15));
    }
}

#[test]
fn log_loss_from_the_logit_matches_the_probability_form() {
    // The chapter's probabilities a = σ(z): loss -ln a (y = 1) and
    // -ln(1 - a) (y = 0); derivative in z: σ(z) - y = a - y.
    for a in [0.1f64, 0.25, 0.5, 0.75, 0.9] {
        let z = (a / (1.0 - a)).ln();
        let (v, d) = eval(|v| loss::log_loss(v, 1.0).unwrap(), z);
        assert!(close(v, -a.ln(), 1e-14), "{a}: {v}");
        assert!(close(d, a - 1.0, 1e-14), "{a}: {d}");
        let (v, d) = eval(|v| loss::log_loss(v, 0.0).unwrap(), z);
        assert!(close(v, -(1.0 - a).ln(), 1e-14) && close(d, a, 1e-14));
    }
}

#[test]
fn log_loss_at_logits_of_plus_and_minus_1000_is_finite_and_exact() {
    // y = 1, z = -1000: ln(1 + e^1000) = 1000 + ln(1 + e^-1000), 1000 in f64;
    // derivative σ(-1000) - 1 = -1.
    assert_eq!(
        eval(|v| loss::log_loss(v, 1.0).unwrap(), -1000.0),
        (1000.0, -1.0)
    );
    // y = 0, z = 1000: the same by symmetry, derivative σ(1000) = 1.
    assert_eq!(
        eval(|v| loss::log_loss(v, 0.0).unwrap(), 1000.0),
        (1000.0, 1.0)
    );
    // Right and confident: ln(1 + e^-1000) ≈ e^-1000 underflows to 0, and so
    // does the derivative -σ(-1000); no NaN from ln(1 - 1).
    assert_eq!(
        eval(|v| loss::log_loss(v, 1.0).unwrap(), 1000.0),
        (0.0, 0.0)
    );
    assert_eq!(
        eval(|v| loss::log_loss(v, 0.0).unwrap(), -1000.0),
        (0.0, 0.0)
    );
    // z = 30, y = 1: ln(1 + e^-30) = e^-30 - e^-60/2 to 1 ulp, where
    // softplus(z) - z would keep 2 digits.
    let (v, d) = eval(|v| loss::log_loss(v, 1.0).unwrap(), 30.0);
    let e = (-30f64).exp();
    assert!(close(v, e - e * e / 2.0, 2e-16), "{v}");
    assert!(close(d, -e / (1.0 + e), 2e-16), "{d}");
    // Near 0: ln 2 - z/2 + z²/8, derivative -1/2 + z/4.
    let z = 1e-8;
    let (v, d) = eval(|v| loss::log_loss(v, 1.0).unwrap(), z);
    assert!(close(v, 2f64.ln() - z / 2.0 + z * z / 8.0, 1e-15));
    assert!(close(d, -0.5 + z / 4.0, 1e-15));
}

#[test]
fn softmax_cross_entropy_is_stable_and_its_gradient_is_softmax_minus_onehot() {
    let cases: [&[f64]; 3] = [&[2.0, 1.0, 0.1], &[1000.0, 0.0, -1000.0], &[-5.0, 3.0]];
    for z in cases {
        for c in 0..z.len() {
            let tape = Tape::new();
            let v: Vec<_> = z.iter().map(|&x| tape.var(x)).collect();
            let l = loss::softmax_cross_entropy(&v, c).unwrap();
            let p = loss::softmax(z);
            // -ln p_c, from the log-sum-exp with the largest logit out
            let m = z.iter().copied().fold(f64::MIN, f64::max);
            let lse = m + z.iter().map(|x| (x - m).exp()).sum::<f64>().ln();
            // (lse - z_c rounds at the scale of lse itself)
            let err = (l.value() - (lse - z[c])).abs();
            assert!(
                err <= 1e-14 * lse.abs().max(1.0),
                "{z:?} {c}: {}",
                l.value()
            );
            assert!(l.value().is_finite());
            let g = l.backward();
            for i in 0..z.len() {
                let want = p[i] - f64::from(u8::from(i == c));
                assert!((g[v[i]] - want).abs() < 1e-15, "{z:?} {c} {i}");
            }
        }
    }
    // A confident right answer: ln(1 + e^-40 + e^-50) to the last digit.
    let tape = Tape::new();
    let v = [tape.var(40.0), tape.var(0.0), tape.var(-10.0)];
    let l = loss::softmax_cross_entropy(&v, 0).unwrap();
    assert!(close(
        l.value(),
        ((-40f64).exp() + (-50f64).exp()).ln_1p(),
        1e-15
    ));
    assert!(matches!(
        loss::softmax_cross_entropy(&v, 3),
        Err(Error::Class {
            class: 3,
            classes: 3
        })
    ));
}

#[test]
fn labels_outside_a_losss_set_are_errors() {
    let tape = Tape::new();
    let s = tape.var(0.5);
    assert_eq!(
        loss::hinge(s, 0.0).unwrap_err().to_string(),
        "the hinge loss needs a label of 1 or -1, got 0"
    );
    assert!(loss::exponential(s, 2.0).is_err());
    assert!(loss::log_loss(s, 1.5).is_err());
    // The 0-1 error is a metric: 0 right, 1 wrong.
    assert_eq!((loss::zero_one(1, 1), loss::zero_one(0, 1)), (0.0, 1.0));
}

#[test]
fn training_reduces_the_loss_on_the_moons() {
    let data = Dataset::moons(100, 0.1, 2);
    let mut mlp = Mlp::new(&[2, 16, 16, 1], &[Relu, Relu, Identity], &mut Rng::new(2)).unwrap();
    let options = FitOptions {
        loss: Loss::Hinge,
        epochs: 150,
        batch_size: 100,
        sgd: Sgd::new(0.1).with_momentum(0.9),
        ..FitOptions::default()
    };
    let history = fit(&mut mlp, &data, None, &options, |_| {}).unwrap();
    // The hinge loss of a random start is near 1; training drives it down
    // and classifies every point.
    assert!(
        history[149].loss < history[0].loss / 10.0,
        "{:?}",
        history[149]
    );
    assert_eq!(history[149].train_accuracy, 1.0);
}

#[test]
fn parallel_and_serial_training_agree_bit_for_bit() {
    let data = Dataset::moons(200, 0.2, 3);
    let run = |parallel| {
        let mut mlp = Mlp::new(&[2, 8, 8, 2], &[Tanh, Tanh, Identity], &mut Rng::new(9)).unwrap();
        let options = FitOptions {
            epochs: 5,
            batch_size: 64,
            parallel,
            ..FitOptions::default()
        };
        let history = fit(&mut mlp, &data, None, &options, |_| {}).unwrap();
        (history, mlp.parameters())
    };
    assert_eq!(run(false), run(true));
}

#[test]
fn memory_stays_flat_over_ten_thousand_steps() {
    let data = Dataset::moons(100, 0.1, 1);
    let mut mlp = Mlp::new(&[2, 16, 16, 1], &[Relu, Relu, Identity], &mut Rng::new(1)).unwrap();
    let mut sgd = Sgd::new(0.01).with_momentum(0.9);
    let mut bp = Backprop::new();
    let mut rng = Rng::new(1);
    let mut at_100 = None;
    for step in 1..=10_000 {
        let order = rng.permutation(data.len());
        bp.gradient(&mlp, Loss::Hinge, &data, &order[..32]).unwrap();
        sgd.step(&mut mlp, bp.last_gradient());
        if step == 100 {
            at_100 = Some((bp.tape_len(), bp.bytes_reserved()));
        }
    }
    // The same batches record the same number of nodes each step, and
    // clearing keeps the capacity: nothing grows after the first steps.
    assert_eq!(Some((bp.tape_len(), bp.bytes_reserved())), at_100);
    assert!(bp.tape_len() > 0);
}

#[test]
fn a_saved_classifier_predicts_exactly_as_before() {
    let (mut train, test) = Dataset::iris().split(0.2, 4).unwrap();
    let scaler = Standardizer::fit(&train);
    train.standardise(&scaler);
    let mut mlp = Mlp::new(&[4, 6, 3], &[Tanh, Identity], &mut Rng::new(4)).unwrap();
    let options = FitOptions {
        epochs: 5,
        ..FitOptions::default()
    };
    fit(&mut mlp, &train, None, &options, |_| {}).unwrap();
    let model = Classifier::new(mlp, Loss::SoftmaxCrossEntropy, &train, Some(scaler)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("iris.json");
    model.save(&path).unwrap();
    let back = Classifier::load(&path).unwrap();
    assert_eq!(back, model);
    for i in 0..test.len() {
        assert_eq!(
            back.predict(test.row(i)).unwrap(),
            model.predict(test.row(i)).unwrap()
        );
    }
}

#[test]
fn loading_parameters_of_another_shape_names_the_difference() {
    let mut mlp = Mlp::new(&[2, 3, 1], &[Tanh, Identity], &mut Rng::new(1)).unwrap();
    let other = Mlp::new(&[2, 3, 1], &[Relu, Identity], &mut Rng::new(2)).unwrap();
    assert_eq!(
        mlp.load_parameters(&other.to_json())
            .unwrap_err()
            .to_string(),
        "the model file does not fit: layer 0 uses relu in the file, tanh in the model"
    );
    let deeper = Mlp::new(&[2, 3, 3, 1], &[Tanh, Tanh, Identity], &mut Rng::new(2)).unwrap();
    assert_eq!(
        mlp.load_parameters(&deeper.to_json())
            .unwrap_err()
            .to_string(),
        "the model file does not fit: 3 layers in the file, 2 in the model"
    );
    let same = Mlp::new(&[2, 3, 1], &[Tanh, Identity], &mut Rng::new(7)).unwrap();
    mlp.load_parameters(&same.to_json()).unwrap();
    assert_eq!(mlp, same);
    let err = Mlp::from_json("{\"format\": \"other/2\", \"layers\": []}").unwrap_err();
    assert_eq!(
        err.to_string(),
        "the file's format is `other/2`, this version reads `tapegrad-nn/1`"
    );
}

fn csv_error(text: &str) -> String {
    Dataset::from_csv(text, None).unwrap_err().to_string()
}

#[test]
fn the_loader_rejects_bad_files_saying_where() {
    assert_eq!(
        csv_error(""),
        "the file is empty: it needs a header row and data rows"
    );
    assert_eq!(
        csv_error("a,b,c\n"),
        "the file has a header but no data rows"
    );
    assert_eq!(
        csv_error("a,b,c\n1,2,0\n1,x,1\n"),
        "line 3, column 2 (`b`): `x` is not a number"
    );
    assert_eq!(
        csv_error("a,b,c\n1,2,0\n1,2\n"),
        "line 3: 2 fields, but the header has 3 columns"
    );
    assert_eq!(
        csv_error("a,b,c\n1,2,0\n1,2,\n"),
        "line 3, column 3 (`c`): the class label is missing"
    );
    assert_eq!(
        csv_error("a,b,c\n1,2,0\n1,2,1.5\n"),
        "line 3, column 3 (`c`): the class label `1.5` is not a whole number 0, 1, 2, …"
    );
    assert_eq!(
        csv_error("a,b,c\n1,2,1\n3,4,1\n"),
        "every row has class 1: a classifier needs at least two classes"
    );
    assert_eq!(
        csv_error("a,b,c\n1,inf,0\n1,2,1\n"),
        "line 2, column 2 (`b`): `inf` is not a finite number"
    );
    assert_eq!(
        Dataset::from_csv("a,b,c\n1,2,0\n", Some("kind"))
            .unwrap_err()
            .to_string(),
        "no column `kind`; the columns are `a`, `b`, `c`"
    );
    // --label picks a column by name, anywhere.
    let d = Dataset::from_csv("kind,a,b\n0,1,2\n1,3,4\n", Some("kind")).unwrap();
    assert_eq!(
        (d.row(1), d.label(1), d.feature_names()),
        (&[3.0, 4.0][..], 1, &["a".to_string(), "b".to_string()][..])
    );
}

#[test]
fn standardisation_uses_the_training_split_only() {
    let (train, test) = Dataset::iris().split(0.3, 2).unwrap();
    let s = Standardizer::fit(&train);
    let mut t = train.clone();
    t.standardise(&s);
    // Mean 0 and variance 1 on the training set, column by column.
    for j in 0..4 {
        let col: Vec<f64> = (0..t.len()).map(|i| t.row(i)[j]).collect();
        let mean = col.iter().sum::<f64>() / col.len() as f64;
        let var = col.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / col.len() as f64;
        assert!(mean.abs() < 1e-12 && (var - 1.0).abs() < 1e-12);
    }
    // The held-out set is not what the statistics came from.
    assert_ne!(Standardizer::fit(&test), s);
}

#[test]
fn a_one_output_loss_refuses_several_outputs_and_a_third_class() {
    let tape = Tape::new();
    let z = [tape.var(0.5), tape.var(-0.5)];
    assert_eq!(
        Loss::Log.record(&z, 1).unwrap_err().to_string(),
        "the log loss takes one output, not 2"
    );
    assert_eq!(
        Loss::Hinge.record(&z[..1], 2).unwrap_err().to_string(),
        "class 2 for a model of 2 classes"
    );
    // Softmax cross-entropy takes one logit per class.
    assert!(Loss::SoftmaxCrossEntropy.record(&z, 1).is_ok());
}
