//! Blocks of leaves (`Tape::vars`) and their dot products (`Vars::dot`), and
//! the operand-word stream they are stored in.

use proptest::prelude::*;
use tapegrad::{Error, Op, Tape, Var};

#[test]
fn a_block_of_leaves_sits_at_consecutive_positions() {
    let tape = Tape::new();
    let before = tape.var(9.0);
    let w = tape.vars(&[1.0, 2.0, 3.0]);
    assert_eq!((w.len(), w.is_empty()), (3, false));
    assert_eq!(w.indices(), 1..4);
    let values: Vec<f64> = w.iter().map(Var::value).collect();
    assert_eq!(values, [1.0, 2.0, 3.0]);
    assert!(w.iter().all(|v| v.op() == Op::Leaf));
    assert_eq!(w.get(2).index(), 3);
    // The leaves are ordinary leaves: they record and differentiate as any.
    let y = w.get(0) * w.get(2) + before;
    let g = y.backward();
    // ∂y/∂w₀ = w₂ = 3, ∂y/∂w₂ = w₀ = 1, ∂y/∂w₁ = 0
    assert_eq!(&g.wrt_vars(w)[..], &[3.0, 0.0, 1.0]);
    assert_eq!(g.leaves().len(), 4);
}

#[test]
#[should_panic(expected = "leaf 3 of a block of 3 leaves")]
fn reading_past_the_end_of_a_block_panics_and_says_so() {
    let tape = Tape::new();
    let _ = tape.vars(&[1.0, 2.0, 3.0]).get(3);
}

#[test]
fn a_dot_product_is_one_node_whose_partials_are_its_coefficients() {
    let tape = Tape::new();
    let _first = tape.var(1.0);
    let w = tape.vars(&[3.0, -4.0, 0.5]);
    let before = tape.len();
    let z = w.dot(&[2.0, 1.0, -8.0]);
    assert_eq!(tape.len(), before + 1);
    // z = 3·2 + (-4)·1 + 0.5·(-8) = -2
    assert_eq!(z.value(), -2.0);
    let node = tape.node(z.index());
    assert_eq!(node.op, Op::Dot);
    assert_eq!(node.inputs.as_slice(), &[1, 2, 3]);
    assert_eq!(node.coefficients, [2.0, 1.0, -8.0]);
    assert_eq!(tape.partials(z.index()).as_slice(), &[2.0, 1.0, -8.0]);
    // ∂(z²)/∂wᵢ = 2z·cᵢ
    let g = (z * z).backward();
    assert_eq!(&g.wrt_vars(w)[..], &[-8.0, -4.0, 32.0]);
}

#[test]
fn an_empty_dot_product_is_zero() {
    let tape = Tape::new();
    let w = tape.vars(&[]);
    assert!(w.is_empty());
    let z = w.dot(&[]) + 1.5;
    assert_eq!(z.value(), 1.5);
    assert_eq!(z.backward().wrt_vars(w).len(), 0);
}

#[test]
#[should_panic(expected = "a dot product of 3 leaves needs 3 coefficients, not 2")]
fn a_dot_product_with_the_wrong_number_of_coefficients_panics_and_says_so() {
    let tape = Tape::new();
    let _ = tape.vars(&[1.0, 2.0, 3.0]).dot(&[1.0, 2.0]);
}

#[test]
fn gradients_of_a_block_recorded_after_the_output_are_zero() {
    let tape = Tape::new();
    let x = tape.var(2.0);
    let y = x * x;
    let late = tape.vars(&[1.0, 2.0]);
    let straddling = {
        // A block that starts before the output's adjoints end.
        let t2 = Tape::new();
        let a = t2.vars(&[1.0, 2.0, 3.0]);
        let out = a.get(0) * 5.0;
        let _later = t2.vars(&[7.0]);
        out.backward().wrt_vars(a).into_owned()
    };
    let g = y.backward();
    assert_eq!(&g.wrt_vars(late)[..], &[0.0, 0.0]);
    // ∂(5a₀)/∂a = (5, 0, 0); the block runs past the output's adjoints.
    assert_eq!(straddling, [5.0, 0.0, 0.0]);
}

#[test]
#[should_panic(expected = "Vars from another tape")]
fn gradients_of_a_block_of_another_tape_panic() {
    let (t1, t2) = (Tape::new(), Tape::new());
    let g = (t1.var(1.0) * 2.0).backward();
    let _ = g.wrt_vars(t2.vars(&[1.0]));
}

#[test]
fn try_backward_names_a_dot_product_that_overflows() {
    let tape = Tape::new();
    let w = tape.vars(&[1e300, 1e300]).named_first("w");
    let z = w.dot(&[1e10, 1.0]).named("z");
    let err = z.try_backward().unwrap_err();
    match err {
        Error::NonFinite {
            op, name, inputs, ..
        } => {
            assert_eq!(op, "dot");
            assert_eq!(name.as_deref(), Some("z"));
            assert_eq!(inputs, [(0, 1e300), (1, 1e300)]);
        }
        other => panic!("unexpected error {other}"),
    }
}

/// Names the first leaf of a block, for the error test above.
trait NamedFirst {
    fn named_first(self, name: &str) -> Self;
}

impl NamedFirst for tapegrad::Vars {
    fn named_first(self, name: &str) -> Self {
        let _ = self.get(0).named(name);
        self
    }
}

#[test]
fn the_gradient_graph_of_a_dot_product_is_its_coefficients() {
    let tape = Tape::new();
    let w = tape.vars(&[1.0, 2.0]);
    let z = w.dot(&[3.0, -5.0]);
    let y = (z * z).named("y");
    let leaves: Vec<Var> = w.iter().collect();
    let grads = y.grad_graph(&leaves);
    let g = y.backward();
    // ∂y/∂wᵢ = 2z·cᵢ with z = 3 - 10 = -7: recorded == numeric, bit for bit.
    assert_eq!(grads[0].value(), -42.0);
    assert_eq!(grads[1].value(), 70.0);
    assert_eq!(grads[0].value(), g.wrt(leaves[0]));
    // ∂²y/∂w₀∂w₁ = 2·c₀·c₁ = -30
    assert_eq!(grads[0].grad_graph(&[leaves[1]])[0].value(), -30.0);
}

#[test]
fn each_node_costs_nine_bytes_plus_its_operand_words_and_constants() {
    let tape = Tape::new();
    let x = tape.var(2.0); // 1 op byte + 8 value
    assert_eq!(tape.bytes_used(), 9);
    let y = x.sin(); // + 1 input word
    assert_eq!(tape.bytes_used(), 9 + 13);
    let z = y * 3.0; // + input word, the constant's 8 bytes as two words
    assert_eq!(tape.bytes_used(), 9 + 13 + 21);
    let _ = z + x; // + 2 input words
    assert_eq!(tape.bytes_used(), 9 + 13 + 21 + 17);
    let w = tape.vars(&[1.0; 10]); // 10 leaves
    let _ = w.dot(&[2.0; 10]); // 9 + 3 words + 10 constants in the pool
    assert_eq!(tape.bytes_used(), 60 + 90 + 9 + 12 + 80);
}

#[test]
fn node_views_stay_right_as_the_tape_grows_between_them() {
    // Views index the operand words on demand; the index must stay valid
    // while more nodes are recorded after it was built.
    let tape = Tape::new();
    let x = tape.var(1.0);
    let a = x + 2.0;
    assert_eq!(tape.node(a.index()).inputs.as_slice(), &[0]);
    let w = tape.vars(&[4.0, 5.0]);
    let b = w.dot(&[1.0, 1.0]) * a;
    let c = tape.sum([a, b, x]);
    assert_eq!(tape.node(b.index()).inputs.len(), 2);
    assert_eq!(tape.node(c.index()).inputs.as_slice(), &[1, 5, 0]);
    assert_eq!(tape.node(a.index()).constant, Some(2.0));
    assert_eq!(tape.node(4).coefficients, [1.0, 1.0]);
}

#[test]
fn backward_from_a_node_before_the_last_skips_the_later_words() {
    let tape = Tape::new();
    let x = tape.var(3.0);
    let y = x * x;
    // Later nodes of every word count: their words lie after y's.
    let w = tape.vars(&[1.0, 2.0]);
    let _ = w.dot(&[1.0, 1.0]).sin() * y + 4.0;
    let _ = tape.sum([x, y]);
    // dy/dx = 2x = 6, from the numeric and the checked sweep.
    assert_eq!(y.backward().wrt(x), 6.0);
    assert_eq!(y.try_backward().unwrap().wrt(x), 6.0);
}

proptest! {
    /// A dot product records what the op-by-op form `Σ (wᵢ·cᵢ)` computes,
    /// value and gradients, bit for bit.
    #[test]
    fn a_dot_product_equals_its_op_by_op_form_bit_for_bit(
        terms in proptest::collection::vec((-1e3..1e3f64, -1e3..1e3f64), 0..40),
    ) {
        let (values, coefficients): (Vec<f64>, Vec<f64>) = terms.into_iter().unzip();
        let tape = Tape::new();
        let w = tape.vars(&values);
        let fused = (w.dot(&coefficients) * 0.001).tanh();
        let ops = (tape.sum(w.iter().zip(&coefficients).map(|(v, &c)| v * c)) * 0.001).tanh();
        prop_assert_eq!(fused.value().to_bits(), ops.value().to_bits());
        let (gf, go) = (fused.backward(), ops.backward());
        for (a, b) in gf.wrt_vars(w).iter().zip(go.wrt_vars(w).iter()) {
            prop_assert_eq!(a.to_bits(), b.to_bits());
        }
    }
}

#[test]
fn dumps_list_a_dot_products_coefficients_after_its_inputs() {
    use tapegrad::{Constants, Detail, Graph};
    let tape = Tape::new();
    let w = tape.vars(&[1.0, 2.0]);
    let z = (w.dot(&[3.0, -5.0]) + 0.5).named("z");
    // Without gradients the coefficients are operands, inline even when
    // other constants are drawn as nodes.
    for constants in [Constants::Inline, Constants::AsNodes] {
        let text = Graph::of(z).constants(constants).to_text();
        assert!(text.contains("= dot %0, %1, 3, -5 = -7"), "{text}");
    }
    let named = Graph::of(z).detail(Detail::Named).to_text();
    assert!(named.contains("add(dot(%0, %1, 3, -5), 0.5)"), "{named}");
}
