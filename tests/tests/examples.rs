//! The tutorial's worked examples, checked number by number.
//!
//! Each number the tutorial prints is a reference, compared at the precision
//! it is printed with. Where the tutorial is wrong, the test asserts the
//! computed value and names the erratum (docs/errata.md) it departs at.

use tapegrad_examples::learning_rate::{self, Behaviour};
use tapegrad_examples::loss::{Loss, LossError};
use tapegrad_examples::{EXAMPLES, Output, chain, descent, graphs, linear, neuron};

/// `value` printed with `decimals` decimals, as the tutorial prints numbers.
fn printed(value: f64, decimals: usize) -> String {
    format!("{value:.decimals$}")
}

#[test]
fn neuron_gradients_are_the_sigmoid_slope_times_the_inputs() {
    let n = neuron::neuron(neuron::INPUT, neuron::WEIGHTS, neuron::BIAS);
    // Z = 0.92·1 + 0.2·0.5 + 0.03·(-2) - 0.6 = 0.36
    assert!((n.z - 0.36).abs() < 1e-15);
    // A = σ(Z), ∂A/∂Z = A(1 - A); ∂A/∂wᵢ = A(1 - A)·xᵢ, ∂A/∂b = A(1 - A)
    let slope = n.a * (1.0 - n.a);
    assert!((n.a - 1.0 / (1.0 + (-0.36f64).exp())).abs() < 1e-15);
    for i in 0..3 {
        assert!((n.da_dw[i] - slope * neuron::INPUT[i]).abs() < 1e-15);
    }
    assert!((n.da_db - slope).abs() < 1e-15);
    // The tutorial's weights need not add up to 1: 0.92 + 0.2 + 0.03 = 1.15.
    assert_eq!(printed(neuron::WEIGHTS.iter().sum(), 2), "1.15");
}

#[test]
fn linear_forward_and_backward_at_w3_b4() {
    let f = linear::forward(3.0, 4.0);
    // z = x·y = 18·9 = 162
    assert_eq!((f.x, f.y, f.z), (18.0, 9.0, 162.0));
    // ∂z/∂x = y = 9, ∂z/∂y = x = 18, ∂z/∂w = 2y = 18, ∂z/∂b = 3y + 2x = 63
    assert_eq!(
        (f.dz_dx, f.dz_dy, f.dz_dw, f.dz_db),
        (9.0, 18.0, 18.0, 63.0)
    );
}

#[test]
fn linear_one_step_corrections_match_the_tutorial_or_its_errata() {
    // Δz = 162 - 150 = 12.
    // (a) w only: Δw = 12/18 = 0.6667, w = 2.3333, x = 16.6667.
    let a = linear::correct(3.0, 4.0, 150.0, linear::Share::WOnly);
    assert_eq!(printed(3.0 - a.w, 4), "0.6667");
    assert_eq!(printed(a.w, 4), "2.3333");
    assert_eq!(printed(a.x, 4), "16.6667");
    // Erratum E1: the tutorial prints z = 150.0003 (16.6667 × 9 with x rounded
    // up); z = 18w + 108 is linear in w, so the step lands on 150 exactly.
    assert_eq!(a.z, 150.0);

    // (b) b only: Δb = 12/63 = 0.1905, b = 3.8095, y = 8.619.
    let b = linear::correct(3.0, 4.0, 150.0, linear::Share::BOnly);
    assert_eq!(printed(4.0 - b.b, 4), "0.1905");
    assert_eq!(printed(b.b, 4), "3.8095");
    assert_eq!(printed(b.y, 3), "8.619");
    // Erratum E2: printed x = 17.4285 (from the rounded b); x = 122/7 = 17.4286.
    assert_eq!(printed(b.x, 4), "17.4286");
    // Erratum E3: printed z = 150.2162 (17.4285 × 8.619); z = 22082/147 = 150.2177.
    assert_eq!(printed(b.z, 4), "150.2177");
    assert!((b.z - 22082.0 / 147.0).abs() < 1e-12);

    // (c) half each: Δb = 6/63 = 0.095, Δw = 6/18 = 0.333, w = 2.667,
    // b = 3.905, y = 8.81, z = 150.2.
    let c = linear::correct(3.0, 4.0, 150.0, linear::Share::Half);
    assert_eq!(printed(4.0 - c.b, 3), "0.095");
    assert_eq!(printed(3.0 - c.w, 3), "0.333");
    assert_eq!(printed(c.w, 3), "2.667");
    assert_eq!(printed(c.b, 3), "3.905");
    assert_eq!(printed(c.y, 2), "8.81");
    assert_eq!(printed(c.z, 1), "150.2");
    // Erratum E4: printed x = 17.049 (from rounded w, b); x = 358/21 = 17.048.
    assert_eq!(printed(c.x, 3), "17.048");
}

#[test]
fn linear_programs_converge_with_factors_from_the_tape() {
    for both in [false, true] {
        let run = linear::solve(3.0, 4.0, 150.0, both, linear::TOLERANCE);
        for it in &run {
            // The tutorial's factors: factor_b = 2x + 3y, factor_w = 2y.
            assert_eq!(it.at.dz_db, 2.0 * it.at.x + 3.0 * it.at.y);
            assert_eq!(it.at.dz_dw, 2.0 * it.at.y);
        }
        let last = run.last().unwrap();
        // Stop rule of the tutorial's code: |Δz| < 1e-5 (its text says 1e-4: E5).
        assert!(last.delta_z.abs() < 1e-5);
        assert_eq!(run.len(), 4);
        if !both {
            // With w = 3 fixed, z = 6b² + 15b + 6 = 150 at b = (-15 + √3681)/12.
            let root = (-15.0 + 3681f64.sqrt()) / 12.0;
            assert_eq!(printed(last.at.b, 6), printed(root, 6));
            assert_eq!(printed(last.at.b, 6), "3.805937");
        }
    }
    let lines = linear::program_lines(&linear::solve(3.0, 4.0, 150.0, false, 1e-5), false);
    assert_eq!(lines[0], "\nsingle variable: b ----- ");
    assert_eq!(
        lines[1],
        "w=3.000000,b=4.000000,z=162.000000,delta_z=12.000000"
    );
    assert_eq!(lines[2], "factor_b=63.000000, delta_b=0.190476");
}

#[test]
fn table_2_2_matches_the_tutorial_cell_by_cell() {
    let columns = chain::solve(chain::X0, chain::TARGET, chain::TOLERANCE);
    // Five forward passes; the fifth is within 0.001 of 2.13 and stops.
    assert_eq!(columns.len(), 5);
    assert!(columns[4].deltas.is_none());
    let cells = |row: usize| -> Vec<String> {
        columns
            .iter()
            .filter_map(|c| match row {
                0 => Some(c.x),
                1 => Some(c.a),
                2 => Some(c.b),
                3 => Some(c.c),
                k => c.deltas.map(|d| d[k - 4]),
            })
            .map(|v| printed(v, 3))
            .collect()
    };
    // Erratum E6: the tutorial prints x = 9.665 in column 5 (digits swapped);
    // its own a = 93.233 = 9.656².
    assert_eq!(cells(0), ["2.000", "4.243", "7.344", "9.295", "9.656"]);
    assert_eq!(cells(1), ["4.000", "18.005", "53.934", "86.404", "93.233"]);
    assert_eq!(cells(2), ["1.386", "2.891", "3.988", "4.459", "4.535"]);
    // Erratum E7: printed c = 2.129 in column 5; 2.129577 rounds to 2.130.
    assert_eq!(cells(3), ["1.177", "1.700", "1.997", "2.112", "2.130"]);
    assert_eq!(cells(4), ["-0.953", "-0.430", "-0.133", "-0.018"]);
    assert_eq!(cells(5), ["-2.243", "-1.462", "-0.531", "-0.078"]);
    // Errata E8, E9: printed Δa = -26.317 and -6.698; the computation gives
    // -26.314258 and -6.698641.
    assert_eq!(cells(6), ["-8.973", "-26.314", "-28.662", "-6.699"]);
    assert_eq!(cells(7), ["-2.243", "-3.101", "-1.951", "-0.360"]);
}

#[test]
fn the_chain_solve_is_newtons_method_on_c_of_x() {
    let columns = chain::solve(chain::X0, chain::TARGET, chain::TOLERANCE);
    for c in &columns {
        if let Some([dc, db, da, dx]) = c.deltas {
            // The tutorial's passes: Δb = Δc·2√b, Δa = Δb·a, Δx = Δa/2x.
            assert!((db - dc * 2.0 * c.b.sqrt()).abs() < 1e-12);
            assert!((da - db * c.a).abs() < 1e-12);
            assert!((dx - da / (2.0 * c.x)).abs() < 1e-12);
        }
    }
    // It converges to the root of √(ln x²) = 2.13: x* = e^(2.13²/2) = 9.6644.
    let root = (2.13f64 * 2.13 / 2.0).exp();
    assert!((columns[4].x - root).abs() < 0.01);
}

#[test]
fn descent_on_x_squared_runs_as_the_tutorials_code() {
    let path = descent::one_variable(1.2, 0.3, 1e-3);
    // x_{n+1} = x_n - 0.3·2x_n = 0.4·x_n, so x_n = 1.2·0.4ⁿ, J = x².
    for (n, &(x, j)) in path.iter().enumerate() {
        assert!((x - 1.2 * 0.4f64.powi(n as i32)).abs() < 1e-15);
        assert_eq!(j, x * x);
    }
    // The code steps while J > 0.001 (its text says J < 0.01: erratum E10):
    // four steps, the last at x = 0.030720, J = 0.000944.
    assert_eq!(path.len(), 5);
    assert_eq!(printed(path[4].0, 6), "0.030720");
    assert_eq!(printed(path[4].1, 6), "0.000944");
}

#[test]
fn table_2_3_matches_the_tutorial_cell_by_cell() {
    let points = descent::two_variables([3.0, 1.0], 0.1, 1e-2);
    let row = |n: usize| {
        let p = points[n - 1];
        [printed(p.x, 6), printed(p.y, 6), printed(p.j, 6)]
    };
    // Rows 1 and 2 of Table 2-3 (the start and one step).
    assert_eq!(row(1), ["3.000000", "1.000000", "9.708073"]);
    assert_eq!(row(2), ["2.400000", "0.909070", "6.382415"]);
    // The tutorial's rows "15" and "16" hold the points after 15 and 16
    // steps: rows 16 and 17 when counted like rows 1 and 2 (erratum E11).
    assert_eq!(row(16), ["0.105553", "0.063481", "0.015166"]);
    assert_eq!(row(17), ["0.084442", "0.050819", "0.009711"]);
    // "After 16 iterations J = 0.009711 < 0.01": 17 points, 16 steps.
    assert_eq!(points.len(), 17);
    // ∇J = (2x, 2 sin y cos y), from the tape at every point.
    for p in &points {
        assert_eq!(p.gradient[0], 2.0 * p.x);
        assert!((p.gradient[1] - (2.0 * p.y).sin()).abs() < 1e-15);
    }
}

#[test]
fn learning_rates_behave_as_table_2_5_describes() {
    let behaviour: Vec<Behaviour> = learning_rate::RATES
        .iter()
        .map(|&eta| learning_rate::classify(&learning_rate::trajectory(eta)))
        .collect();
    // η = 1.0: "jumps on a horizontal line, never descends".
    assert_eq!(behaviour[0], Behaviour::NeverDescends);
    // η = 0.8: "jumps from left to right".
    assert_eq!(behaviour[1], Behaviour::JumpsSideToSide);
    // η = 0.4: "descends from one side, near the ideal value after 4 steps":
    // within 0.001 after 3 steps, so certainly by 4.
    assert!(matches!(behaviour[2], Behaviour::DescendsFromOneSide { steps } if steps <= 4));
    // η = 0.1: "descends from one side, slowly, not there after 10 steps".
    assert!(matches!(behaviour[3], Behaviour::DescendsSlowly { excess } if excess > 0.05));
    // J = (x - 1)² + 0.1: every step multiplies x - 1 by 1 - 2η.
    for eta in learning_rate::RATES {
        let path = learning_rate::trajectory(eta);
        for w in path.windows(2) {
            let ratio = (w[1].0 - 1.0) / (w[0].0 - 1.0);
            assert!((ratio - (1.0 - 2.0 * eta)).abs() < 1e-9);
        }
    }
}

#[test]
fn losses_have_their_analytic_values_and_derivatives() {
    let e = |loss: Loss, a: f64, y: f64| loss.evaluate(a, y).unwrap();
    // |y - a|: slope -sign(y - a); at a = y, y - a = +0 and |x|' = 1 there
    // (by the sign bit), so the slope is the subgradient -1, marked as a kink.
    assert_eq!(e(Loss::Absolute, 0.5, 1.0).derivative, -1.0);
    assert_eq!(e(Loss::Absolute, 2.0, 1.0).derivative, 1.0);
    let kink = e(Loss::Absolute, 1.0, 1.0);
    assert!(kink.kink && kink.derivative == -1.0);
    // max(0, 1 - y·a): slope -y while y·a < 1, 0 beyond; at y·a = 1 a kink.
    assert_eq!(e(Loss::Hinge, 0.5, 1.0).derivative, -1.0);
    assert_eq!(e(Loss::Hinge, -0.5, -1.0).derivative, 1.0);
    assert_eq!(e(Loss::Hinge, 2.0, 1.0).value, 0.0);
    assert!(e(Loss::Hinge, 1.0, 1.0).kink);
    // -[y ln a + (1 - y) ln(1 - a)]: slope (a - y)/(a(1 - a)).
    for (a, y) in [(0.25, 1.0), (0.25, 0.0), (0.9, 1.0)] {
        let l = e(Loss::Log, a, y);
        let value: f64 = -(y * f64::ln(a) + (1.0 - y) * f64::ln(1.0 - a));
        assert!((l.value - value).abs() < 1e-15);
        assert!((l.derivative - (a - y) / (a * (1.0 - a))).abs() < 1e-12);
    }
    // (a - y)²: slope 2(a - y).
    assert_eq!(e(Loss::Squared, 3.0, 1.0).derivative, 4.0);
    // e^(-y·a): slope -y·e^(-y·a).
    let x = e(Loss::Exponential, 0.5, -1.0);
    assert_eq!(x.value, 0.5f64.exp());
    assert_eq!(x.derivative, 0.5f64.exp());
    // The 0-1 loss is flat away from a = y.
    assert_eq!(e(Loss::ZeroOne, 0.3, 1.0).value, 1.0);
    assert_eq!(e(Loss::ZeroOne, 0.3, 1.0).derivative, 0.0);
}

#[test]
fn losses_refuse_points_where_they_are_undefined() {
    assert_eq!(
        Loss::ZeroOne.evaluate(1.0, 1.0).unwrap_err(),
        LossError::Discontinuous {
            loss: Loss::ZeroOne,
            a: 1.0
        }
    );
    assert_eq!(
        Loss::Log.evaluate(1.0, 1.0).unwrap_err().to_string(),
        "the log (cross-entropy) loss needs 0 < a < 1, got a = 1"
    );
    assert_eq!(
        Loss::Hinge.evaluate(0.5, 0.0).unwrap_err().to_string(),
        "the hinge loss needs a label of ±1, got y = 0"
    );
    assert!(matches!(
        Loss::Log.evaluate(0.5, 0.5),
        Err(LossError::Label { .. })
    ));
}

#[test]
fn one_neuron_with_the_log_loss_separates_setosa_on_the_held_out_split() {
    let run = tapegrad_examples::iris::neuron().unwrap();
    // 45 held-out flowers (30% of each species), every one classified right.
    assert_eq!(run.sizes, (105, 45));
    assert_eq!(run.last().test_accuracy, Some(1.0));
    assert!(run.last().loss < run.history[0].loss / 5.0);
}

#[test]
fn an_mlp_with_softmax_cross_entropy_reaches_93_percent_on_held_out_iris() {
    let run = tapegrad_examples::iris::mlp().unwrap();
    let test = run.last().test_accuracy.unwrap();
    assert!(test >= 0.93, "held-out accuracy {test}");
    assert!(run.last().loss < run.history[0].loss / 10.0);
}

#[test]
fn the_moons_mlp_classifies_every_training_point() {
    let run = tapegrad_examples::moons::train().unwrap();
    assert_eq!(run.last().train_accuracy, 1.0);
    // Every point outside the margin: the hinge loss is exactly 0.
    assert_eq!(run.last().loss, 0.0);
}

#[test]
fn unknown_examples_are_named_with_a_suggestion() {
    let err = tapegrad_examples::find("lineer").err().unwrap();
    assert_eq!(
        err.to_string(),
        "unknown example `lineer` (did you mean `linear`?); the examples are: \
         neuron, linear, chain, descent-1d, descent-2d, learning-rate, loss, iris-neuron, iris-mlp, moons"
    );
}

#[test]
fn each_example_prints_as_snapshotted() {
    for example in EXAMPLES {
        let mut text = Vec::new();
        example.run(&mut Output::text(&mut text)).unwrap();
        let text = String::from_utf8(text).unwrap();
        insta::assert_snapshot!(format!("example_{}", example.name), text);
    }
}

#[test]
fn each_example_graph_dumps_as_snapshotted() {
    let mut names = Vec::new();
    for example in EXAMPLES {
        graphs::each(example.name, |name, graph| -> Result<(), ()> {
            insta::assert_snapshot!(format!("graph_{name}_text"), graph.to_text());
            insta::assert_snapshot!(format!("graph_{name}_dot"), graph.to_dot());
            names.push(name.to_string());
            Ok(())
        })
        .unwrap();
    }
    // The tutorial's flow1–flow3 and gradient graph for z = x·y, the
    // chain's graph and gradient graph, and J(x, y)'s.
    assert_eq!(
        names,
        [
            "linear-flow1",
            "linear-flow2",
            "linear-flow3",
            "linear-grad-graph",
            "chain-flow",
            "chain-grad-graph",
            "descent-2d-flow",
            "descent-2d-grad-graph"
        ]
    );
}

#[test]
fn the_recorded_gradient_of_the_chain_is_its_numeric_gradient() {
    let tape = tapegrad::Tape::new();
    let [x, _, _, c] = chain::record(&tape, 2.0);
    let recorded = c.grad_graph(&[x])[0].value();
    // dc/dx = 1/(x·√(ln x²)) at x = 2
    assert!((recorded - 1.0 / (2.0 * 4f64.ln().sqrt())).abs() < 1e-15);
    assert_eq!(recorded, c.backward().wrt(x));
}

#[test]
fn pictures_are_written_into_the_output_folder() {
    let folder = std::env::temp_dir().join(format!("tapegrad-pictures-{}", std::process::id()));
    let mut text = Vec::new();
    let mut out = Output::with_pictures(&mut text, &folder).unwrap();
    let all: Vec<_> = EXAMPLES.iter().collect();
    tapegrad_examples::run(&all, &mut out).unwrap();
    let written = out.written().to_vec();
    assert!(!written.is_empty());
    // Every graph picture has its web page beside it.
    let svgs: Vec<_> = written
        .iter()
        .filter(|p| p.extension().unwrap() == "svg")
        .collect();
    for path in written.iter().filter(|p| p.extension().unwrap() == "html") {
        let html = std::fs::read_to_string(path).unwrap();
        assert!(html.starts_with("<!DOCTYPE html>"), "{}", path.display());
        assert!(
            svgs.contains(&&path.with_extension("svg")),
            "{}",
            path.display()
        );
    }
    for path in svgs {
        let svg = std::fs::read_to_string(path).unwrap();
        assert!(
            roxmltree::Document::parse(&svg).is_ok(),
            "{}",
            path.display()
        );
    }
    std::fs::remove_dir_all(&folder).unwrap();
}

#[test]
fn pictures_in_the_tutorial_docs_are_up_to_date() {
    // Redraw them with TAPEGRAD_UPDATE_PICTURES=1.
    let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/img/examples");
    let update = std::env::var_os("TAPEGRAD_UPDATE_PICTURES").is_some();
    let folder =
        std::env::temp_dir().join(format!("tapegrad-docs-pictures-{}", std::process::id()));
    let mut text = Vec::new();
    let mut out = Output::with_pictures(&mut text, &folder).unwrap();
    let all: Vec<_> = EXAMPLES.iter().collect();
    tapegrad_examples::run(&all, &mut out).unwrap();
    for path in out.written() {
        let fresh = std::fs::read(path).unwrap();
        let committed = docs.join(path.file_name().unwrap());
        if update {
            std::fs::write(&committed, &fresh).unwrap();
        }
        let old = std::fs::read(&committed).unwrap_or_default();
        assert!(old == fresh, "{} is out of date", committed.display());
    }
    std::fs::remove_dir_all(&folder).unwrap();
}

/// The loss example's picture, `losses.svg`, drawn into a scratch folder
/// named by `tag`.
fn loss_picture(tag: &str) -> String {
    let folder = std::env::temp_dir().join(format!("tapegrad-{tag}-{}", std::process::id()));
    let mut text = Vec::new();
    let mut out = Output::with_pictures(&mut text, &folder).unwrap();
    let loss: Vec<_> = EXAMPLES.iter().filter(|e| e.name == "loss").collect();
    tapegrad_examples::run(&loss, &mut out).unwrap();
    let svg = std::fs::read_to_string(folder.join("losses.svg")).unwrap();
    std::fs::remove_dir_all(&folder).unwrap();
    svg
}

#[test]
fn the_absolute_loss_stays_visible_under_the_hinge_loss() {
    // With y = 1 the hinge loss max(0, 1 - a) equals the absolute loss
    // |1 - a| for a < 1, and it is drawn later: the absolute loss's curve
    // must be wider than the hinge's, so a band of it shows on both sides.
    let svg = loss_picture("losses");
    let doc = roxmltree::Document::parse(&svg).unwrap();
    // The first polyline of each colour is its curve (the second its legend).
    let curve = |color: &str| {
        doc.descendants()
            .enumerate()
            .find(|(_, n)| n.has_tag_name("polyline") && n.attribute("stroke") == Some(color))
            .map(|(at, n)| {
                let width: f64 = n.attribute("stroke-width").unwrap().parse().unwrap();
                (at, width)
            })
            .unwrap_or_else(|| panic!("no curve in {color}"))
    };
    let (absolute_at, absolute_width) = curve("#0000FF");
    let (hinge_at, hinge_width) = curve("#FF0000");
    assert!(absolute_at < hinge_at, "the absolute loss is drawn first");
    assert!(
        absolute_width >= hinge_width + 4.0,
        "absolute {absolute_width} px against hinge {hinge_width} px"
    );
}

#[test]
fn the_loss_pictures_legend_covers_no_curve() {
    // The legend's box (the black-bordered rectangle) must not hide any
    // part of a curve: no point of a curve's line, widened by half its
    // stroke, and no point of the 0-1 loss's dot lies in the box. The
    // curves are the polylines wider than the 1-pixel grid drawn before the
    // box; the legend's own samples come after it.
    let svg = loss_picture("legend");
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let number =
        |n: roxmltree::Node, name: &str| -> f64 { n.attribute(name).unwrap().parse().unwrap() };
    let nodes: Vec<roxmltree::Node> = doc.descendants().collect();
    let at = nodes
        .iter()
        .position(|n| {
            n.has_tag_name("rect")
                && n.attribute("fill") == Some("none")
                && n.attribute("stroke") == Some("#000000")
        })
        .expect("a legend box");
    let boxed = nodes[at];
    let (left, top) = (number(boxed, "x"), number(boxed, "y"));
    let (right, bottom) = (left + number(boxed, "width"), top + number(boxed, "height"));
    // Whether a point, widened by `reach` pixels, touches the box.
    let touches = |(x, y): (f64, f64), reach: f64| {
        x + reach >= left && x - reach <= right && y + reach >= top && y - reach <= bottom
    };
    let mut curves = 0;
    for n in nodes[..at].iter().filter(|n| n.has_tag_name("polyline")) {
        let width = number(*n, "stroke-width");
        if width < 2.0 {
            continue;
        }
        curves += 1;
        let points: Vec<(f64, f64)> = n
            .attribute("points")
            .unwrap()
            .split_whitespace()
            .map(|p| {
                let (x, y) = p.split_once(',').unwrap();
                (x.parse().unwrap(), y.parse().unwrap())
            })
            .collect();
        // Every segment, walked in steps of at most a quarter pixel.
        for pair in points.windows(2) {
            let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
            let steps = ((x1 - x0).hypot(y1 - y0) * 4.0).ceil().max(1.0) as usize;
            for k in 0..=steps {
                let t = k as f64 / steps as f64;
                let p = (x0 + t * (x1 - x0), y0 + t * (y1 - y0));
                assert!(
                    !touches(p, width / 2.0),
                    "the legend box ({left}, {top})-({right}, {bottom}) covers {p:?} of a curve"
                );
            }
        }
    }
    // Six losses, the 0-1 loss in two pieces.
    assert!(curves >= 7, "{curves} curves");
    for dot in nodes[..at].iter().filter(|n| n.has_tag_name("circle")) {
        let centre = (number(*dot, "cx"), number(*dot, "cy"));
        assert!(
            !touches(centre, number(*dot, "r")),
            "the legend covers the dot at {centre:?}"
        );
    }
}

#[test]
fn an_output_folder_that_cannot_be_made_is_an_error_naming_it() {
    let mut text = Vec::new();
    let blocker = std::env::temp_dir().join(format!("tapegrad-blocker-{}", std::process::id()));
    std::fs::write(&blocker, "a file, not a folder").unwrap();
    let err = Output::with_pictures(&mut text, &blocker.join("pictures"))
        .err()
        .unwrap();
    assert!(err.to_string().starts_with(&format!(
        "cannot write {}",
        blocker.join("pictures").display()
    )));
    std::fs::remove_file(&blocker).unwrap();
}
