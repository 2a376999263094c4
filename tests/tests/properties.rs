//! Property tests: random expression trees over every op, their reverse-mode
//! gradients against central finite differences.

mod common;

use common::{expr, record};
use proptest::prelude::*;
use tapegrad::check::{Options, gradcheck_with};
use tapegrad::{Tape, Var};

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, max_global_rejects: 20_000, ..ProptestConfig::default() })]

    #[test]
    fn random_expressions_have_the_gradients_finite_differences_measure(
        e in expr(),
        at in proptest::array::uniform3(-2.0..2.0f64),
    ) {
        let f = |tape: &Tape, leaves: &[Var]| -> f64 { record(&e, tape, leaves).value() };
        let tape = Tape::new();
        let leaves: Vec<Var> = at.iter().map(|&x| tape.var(x)).collect();
        let value = f(&tape, &leaves);
        // Points where the function or its gradient is not finite are no test.
        prop_assume!(value.is_finite() && value.abs() < 1e6);

        let options = Options::default().eps(1e-6).atol(1e-4).rtol(1e-4);
        let report = gradcheck_with(|t, v| record(&e, t, v), &at, options);
        prop_assume!(report.is_ok());
        let report = report.unwrap();
        // A kink or pole within the step makes the finite difference itself
        // wrong: keep only points where two step sizes agree.
        let finer = gradcheck_with(|t, v| record(&e, t, v), &at, options.eps(1e-7)).unwrap();
        let smooth = report.inputs.iter().zip(&finer.inputs).all(|(a, b)| {
            (a.finite_difference - b.finite_difference).abs()
                <= 1e-5 * (1.0 + a.finite_difference.abs())
        });
        prop_assume!(smooth);
        prop_assert!(report.passed(), "{e:?} at {at:?}\n{report}");
    }

    #[test]
    fn recorded_gradients_carry_the_numeric_gradients_values(
        e in expr(),
        at in proptest::array::uniform3(-2.0..2.0f64),
    ) {
        let tape = Tape::new();
        let leaves: Vec<Var> = at.iter().map(|&x| tape.var(x)).collect();
        let out = record(&e, &tape, &leaves);
        let numeric = out.backward().wrt_all(&leaves);
        let recorded: Vec<f64> = out.grad_graph(&leaves).iter().map(|g| g.value()).collect();
        // The recorded sweep runs the same rows in the same order: the same
        // values, NaN where the numeric sweep has NaN. The numeric sweep
        // skips a zero adjoint, which the recorded one records
        // (docs/higher-order.md), so a zero's sign may differ (0·(-1) is
        // -0), and the recorded gradient is NaN where that zero meets a
        // partial that is not finite (0·∞, 0/0, 0·NaN): allowed only where
        // the recorded part of the tape holds a NaN made from an exact 0.
        let zero_made_nan = || {
            tape.nodes().any(|node| {
                node.backward
                    && node.value.is_nan()
                    && (node.inputs.iter().any(|&i| tape.node(i).value == 0.0)
                        || node.constant == Some(0.0))
            })
        };
        for (n, r) in numeric.iter().zip(&recorded) {
            let same = n == r || (n.is_nan() && r.is_nan());
            prop_assert!(
                same || (r.is_nan() && zero_made_nan()),
                "{e:?} at {at:?}: {numeric:?} vs {recorded:?}"
            );
        }
    }
}
