//! nalgebra's own code on `Var` (the engine's feature `nalgebra`): rotations,
//! quaternions, norms, inverses, determinants, Cholesky and LU solves run
//! unchanged on a tape, give the values the same code gives on `f64`, and
//! differentiate to the derivatives of num-dual's forward mode (`Dual64`,
//! `HyperDual64`, on the same nalgebra 0.35) run through the same generic
//! code, or of hand-written formulas. Also simba's scalar methods against
//! `f64`'s, bit for bit, the guards and reads they note, and an ndarray
//! array of `Var`s.

use nalgebra::{ComplexField, Matrix3, RealField, Rotation3, Unit, UnitQuaternion, Vector3};
use num_dual::{Dual64, HyperDual64};
use tapegrad::{Error, Tape, Var};

/// A function written once for every real number type, as nalgebra users
/// write them: `eval::<f64>`, `eval::<Var>`, `eval::<Dual64>` run the same
/// code.
trait Generic {
    fn eval<T: RealField + Copy>(&self, x: &[T]) -> Vec<T>;
}

/// Whether `a` and `b` are the same `f64`, bit for bit (NaNs of any payload
/// count as the same).
fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// Runs `f` at `at` on `f64` and on a tape, checks that the values agree
/// bit for bit, and returns the tape's Jacobian (a row per output).
fn values_and_jacobian(f: &impl Generic, at: &[f64]) -> Vec<Vec<f64>> {
    let plain = f.eval::<f64>(at);
    let tape = Tape::new();
    let x: Vec<Var> = at.iter().map(|&v| tape.var(v)).collect();
    let out = f.eval::<Var>(&x);
    let jac = tape.jacobian(&out, &x).expect("finite derivatives");
    assert_eq!(jac.values.len(), plain.len());
    for (i, (&got, &want)) in jac.values.iter().zip(&plain).enumerate() {
        assert!(
            same(got, want),
            "output {i}: {got:e} on the tape, {want:e} on f64"
        );
    }
    jac.matrix
}

/// The Jacobian of `f` at `at` by forward mode: one `Dual64` run per input,
/// seeded with 1 in that input's derivative part.
fn dual_jacobian(f: &impl Generic, at: &[f64]) -> Vec<Vec<f64>> {
    let columns: Vec<Vec<f64>> = (0..at.len())
        .map(|j| {
            let x: Vec<Dual64> = at
                .iter()
                .enumerate()
                .map(|(i, &v)| Dual64::new(v, if i == j { 1.0 } else { 0.0 }))
                .collect();
            f.eval(&x).iter().map(|y| y.eps).collect()
        })
        .collect();
    (0..columns[0].len())
        .map(|i| columns.iter().map(|column| column[i]).collect())
        .collect()
}

/// Asserts that two Jacobians agree to `tol`, relative to the larger of 1
/// and the entry.
#[track_caller]
fn assert_close(got: &[Vec<f64>], want: &[Vec<f64>], tol: f64) {
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(g.len(), w.len());
        for (j, (&g, &w)) in g.iter().zip(w).enumerate() {
            assert!(
                (g - w).abs() <= tol * w.abs().max(1.0),
                "entry ({i}, {j}): {g:e}, expected {w:e}"
            );
        }
    }
}

/// A 3×3 matrix of the first nine inputs, row by row.
fn matrix<T: RealField + Copy>(x: &[T]) -> Matrix3<T> {
    Matrix3::from_row_slice(&x[..9])
}

/// A well-conditioned 3×3 matrix, and the point to differentiate at.
const A: [f64; 9] = [4.0, 1.0, -0.5, 0.3, 3.0, 0.7, -1.2, 0.4, 5.0];

/// p' = R(axis/|axis|, θ)·p, nalgebra's Rodrigues rotation matrix applied
/// to p: 7 inputs (axis, θ, p), 3 outputs.
struct Rotate;

impl Generic for Rotate {
    fn eval<T: RealField + Copy>(&self, x: &[T]) -> Vec<T> {
        let axis = Unit::new_normalize(Vector3::new(x[0], x[1], x[2]));
        let r = Rotation3::from_axis_angle(&axis, x[3]);
        (r * Vector3::new(x[4], x[5], x[6]))
            .iter()
            .copied()
            .collect()
    }
}

#[test]
fn rotation3_from_axis_angle_runs_on_var_and_differentiates() {
    // The rotation's Jacobian against forward mode.
    let at = [0.3, -0.8, 0.5, 1.1, 1.0, 2.0, -0.5];
    let jac = values_and_jacobian(&Rotate, &at);
    assert_close(&jac, &dual_jacobian(&Rotate, &at), 1e-14);
    // The rotation leaves |p| alone: ∂|p'|²/∂θ = 0, so p'·∂p'/∂θ = 0.
    let p = Rotate.eval::<f64>(&at);
    let along: f64 = (0..3).map(|i| p[i] * jac[i][3]).sum();
    assert!(along.abs() < 1e-14, "{along:e}");
}

#[test]
fn unit_quaternions_compose_rotate_and_differentiate() {
    // q = from_euler_angles(roll, pitch, yaw), s = from_scaled_axis(0.3·v):
    // outputs q·v, the angle of q, and the coordinates of q⁻¹·s.
    struct Quaternions;
    impl Generic for Quaternions {
        fn eval<T: RealField + Copy>(&self, x: &[T]) -> Vec<T> {
            let q = UnitQuaternion::from_euler_angles(x[0], x[1], x[2]);
            let v = Vector3::new(x[3], x[4], x[5]);
            let s = UnitQuaternion::from_scaled_axis(v * nalgebra::convert::<f64, T>(0.3));
            let mut out: Vec<T> = (q * v).iter().copied().collect();
            out.push(q.angle());
            out.extend((q.inverse() * s).coords.iter().copied());
            out
        }
    }
    let at = [0.4, -0.2, 1.3, 0.5, -1.0, 2.0];
    let jac = values_and_jacobian(&Quaternions, &at);
    assert_close(&jac, &dual_jacobian(&Quaternions, &at), 1e-13);
}

#[test]
fn the_gradient_and_hessian_of_norm_are_the_hand_written_ones() {
    // |x| has gradient x/|x| and Hessian (I - x xᵀ/|x|²)/|x|.
    let x = [1.5, -2.0, 0.25];
    let f = |_: &Tape, v: &[Var]| Vector3::new(v[0], v[1], v[2]).norm();
    let n = Vector3::from(x).norm();
    let tape = Tape::new();
    let v: Vec<Var> = x.iter().map(|&c| tape.var(c)).collect();
    let y = f(&tape, &v);
    assert_eq!(y.value(), n);
    let g = y.backward();
    for i in 0..3 {
        assert!((g[v[i]] - x[i] / n).abs() <= 1e-16, "{i}");
    }
    let h = tapegrad::hessian(f, &x).unwrap();
    for i in 0..3 {
        for j in 0..3 {
            let identity = if i == j { 1.0 } else { 0.0 };
            let want = (identity - x[i] * x[j] / (n * n)) / n;
            assert!((h.matrix[i][j] - want).abs() <= 1e-15, "({i}, {j})");
        }
    }
}

#[test]
fn determinant_gradient_is_jacobis_formula() {
    // ∂det A/∂A = det(A)·A⁻ᵀ (Jacobi's formula), and forward mode agrees.
    struct Det;
    impl Generic for Det {
        fn eval<T: RealField + Copy>(&self, x: &[T]) -> Vec<T> {
            vec![matrix(x).determinant()]
        }
    }
    let jac = values_and_jacobian(&Det, &A);
    let a = Matrix3::from_row_slice(&A);
    let cofactors = a.try_inverse().unwrap().transpose() * a.determinant();
    let want = vec![cofactors.transpose().iter().copied().collect::<Vec<f64>>()];
    assert_close(&jac, &want, 1e-14);
    assert_close(&jac, &dual_jacobian(&Det, &A), 1e-14);
}

#[test]
fn try_inverse_differentiates_as_minus_inverse_da_inverse() {
    // d(A⁻¹) = -A⁻¹·dA·A⁻¹: the column for Aₖₗ is -A⁻¹ eₖ eₗᵀ A⁻¹, whose
    // entry (i, j) is -(A⁻¹)ᵢₖ (A⁻¹)ₗⱼ; outputs are A⁻¹ row by row.
    struct Inverse;
    impl Generic for Inverse {
        fn eval<T: RealField + Copy>(&self, x: &[T]) -> Vec<T> {
            let inv = matrix(x).try_inverse().expect("invertible");
            inv.transpose().iter().copied().collect()
        }
    }
    let jac = values_and_jacobian(&Inverse, &A);
    let b = Matrix3::from_row_slice(&A).try_inverse().unwrap();
    let mut want = vec![vec![0.0; 9]; 9];
    for (out, row) in want.iter_mut().enumerate() {
        let (i, j) = (out / 3, out % 3);
        for (input, w) in row.iter_mut().enumerate() {
            let (k, l) = (input / 3, input % 3);
            *w = -b[(i, k)] * b[(l, j)];
        }
    }
    assert_close(&jac, &want, 1e-14);
    assert_close(&jac, &dual_jacobian(&Inverse, &A), 1e-14);
}

#[test]
fn a_singular_matrix_has_no_inverse_on_the_tape_either() {
    // A matrix whose rows are dependent has determinant 0: try_inverse
    // answers None on Var as on f64, by a guard on the determinant.
    let tape = Tape::new();
    let rows = [1.0, 2.0, 3.0, 2.0, 4.0, 6.0, 0.0, 1.0, 1.0];
    let a = Matrix3::from_row_slice(&rows.map(|c| tape.var(c)));
    assert!(Matrix3::from_row_slice(&rows).try_inverse().is_none());
    assert!(a.try_inverse().is_none());
}

#[test]
fn cholesky_solve_differentiates_through_the_factorisation() {
    // x = (M Mᵀ + 3I)⁻¹ b by Cholesky, for M of nine inputs and b of three.
    struct Cholesky;
    impl Generic for Cholesky {
        fn eval<T: RealField + Copy>(&self, x: &[T]) -> Vec<T> {
            let m = matrix(x);
            let spd = m * m.transpose() + Matrix3::identity() * nalgebra::convert::<f64, T>(3.0);
            let b = Vector3::new(x[9], x[10], x[11]);
            let chol = spd.cholesky().expect("positive definite");
            let mut out: Vec<T> = chol.solve(&b).iter().copied().collect();
            out.push(chol.ln_determinant());
            out
        }
    }
    let mut at = A.to_vec();
    at.extend([1.0, -2.0, 0.5]);
    let jac = values_and_jacobian(&Cholesky, &at);
    assert_close(&jac, &dual_jacobian(&Cholesky, &at), 1e-13);
}

#[test]
fn lu_solve_and_determinant_differentiate() {
    // x = A⁻¹ b by LU with partial pivoting (the pivots chosen by guarded
    // comparisons), and det A from the same factors.
    struct Lu;
    impl Generic for Lu {
        fn eval<T: RealField + Copy>(&self, x: &[T]) -> Vec<T> {
            let lu = matrix(x).lu();
            let b = Vector3::new(x[9], x[10], x[11]);
            let mut out: Vec<T> = lu.solve(&b).expect("invertible").iter().copied().collect();
            out.push(lu.determinant());
            out
        }
    }
    let mut at = A.to_vec();
    at.extend([1.0, -2.0, 0.5]);
    let jac = values_and_jacobian(&Lu, &at);
    assert_close(&jac, &dual_jacobian(&Lu, &at), 1e-13);
    // ∂x/∂b = A⁻¹: the last three columns of the solution's rows.
    let inv = Matrix3::from_row_slice(&A).try_inverse().unwrap();
    for i in 0..3 {
        for j in 0..3 {
            assert!((jac[i][9 + j] - inv[(i, j)]).abs() <= 1e-15, "({i}, {j})");
        }
    }
}

#[test]
fn the_hessian_of_a_log_determinant_matches_hyper_dual_numbers() {
    // f(M) = ln det(M Mᵀ + I) through nalgebra's Cholesky: tapegrad's
    // Hessian (gradient graphs) against HyperDual64's ∂²f/∂xᵢ∂xⱼ.
    fn f<T: RealField + Copy>(x: &[T]) -> T {
        let m = nalgebra::Matrix2::new(x[0], x[1], x[2], x[3]);
        (m * m.transpose() + nalgebra::Matrix2::identity())
            .cholesky()
            .expect("positive definite")
            .ln_determinant()
    }
    let at = [0.9, -0.4, 0.3, 1.2];
    let h = tapegrad::hessian(|_, v| f(v), &at).unwrap();
    assert!(same(h.value, f(&at)));
    for i in 0..4 {
        for j in 0..4 {
            let x: Vec<HyperDual64> = (0..4)
                .map(|k| {
                    let e1 = if k == i { 1.0 } else { 0.0 };
                    let e2 = if k == j { 1.0 } else { 0.0 };
                    HyperDual64::new(at[k], e1, e2, 0.0)
                })
                .collect();
            let want = f(&x).eps1eps2;
            assert!(
                (h.matrix[i][j] - want).abs() <= 1e-14 * want.abs().max(1.0),
                "({i}, {j}): {} against {want}",
                h.matrix[i][j]
            );
        }
    }
}

#[test]
fn a_compiled_rotation_replays_nalgebras_code_at_new_points() {
    // The rotation notes no read: it compiles, and a replay at another
    // angle and point gives the f64 code's value there, bit for bit, and
    // forward mode's gradient.
    // Its first output, x'.
    let tape = Tape::new();
    let at = [0.3, -0.8, 0.5, 1.1, 1.0, 2.0, -0.5];
    let v: Vec<Var> = at.iter().map(|&c| tape.var(c)).collect();
    let y = Rotate.eval(&v)[0];
    let mut f = tape.compile(y, &v).expect("no value was read");
    let there = [-0.2, 0.4, 0.9, -2.3, 0.5, -1.0, 3.0];
    let mut grad = [0.0; 7];
    let value = f.gradient(&there, &mut grad).unwrap();
    assert!(same(value, Rotate.eval::<f64>(&there)[0]));
    let dual = &dual_jacobian(&Rotate, &there)[0];
    for (j, (g, &want)) in grad.iter().zip(dual).enumerate() {
        assert!((g - want).abs() <= 1e-14 * want.abs().max(1.0), "{j}");
    }
}

/// Points where simba's scalar methods are compared, signed zeros, values
/// outside some functions' domains and infinities included.
const POINTS: [f64; 13] = [
    -7.5,
    -2.5,
    -1.0,
    -0.3,
    -0.0,
    0.0,
    0.4,
    1.0,
    2.0,
    7.5,
    1e-310,
    f64::INFINITY,
    f64::NEG_INFINITY,
];

#[test]
fn simbas_scalar_methods_give_f64s_values_bit_for_bit() {
    // Each ComplexField and RealField method on a recorded Var gives what
    // simba's f64 impl gives, bit for bit, at every point (and pair).
    macro_rules! unary {
        ($($method:ident)*) => {
            for &x in &POINTS {
                let tape = Tape::new();
                let v = tape.var(x);
                $(
                    let got = <Var as ComplexField>::$method(v).value();
                    let want = <f64 as ComplexField>::$method(x);
                    assert!(same(got, want), "{}({x:e}): {got:e}, f64 gives {want:e}", stringify!($method));
                )*
            }
        };
    }
    unary!(
        floor ceil round trunc fract recip sin cos tan asin acos atan sinh cosh tanh asinh acosh
        atanh log2 log10 ln ln_1p sqrt exp exp2 exp_m1 cbrt abs modulus modulus_squared norm1
        argument signum conjugate real imaginary sinc cosc sinhc coshc
    );
    macro_rules! binary {
        ($($trait:ident $method:ident),*) => {
            for &x in &POINTS {
                for &y in &POINTS {
                    let tape = Tape::new();
                    let (a, b) = (tape.var(x), tape.var(y));
                    $(
                        let got = <Var as $trait>::$method(a, b).value();
                        let want = <f64 as $trait>::$method(x, y);
                        assert!(
                            same(got, want),
                            "{}({x:e}, {y:e}): {got:e}, f64 gives {want:e}", stringify!($method)
                        );
                        // With a constant right side, the op's constant form.
                        let got = <Var as $trait>::$method(a, Var::constant(y)).value();
                        assert!(same(got, want), "{}({x:e}, const {y:e})", stringify!($method));
                    )*
                }
            }
        };
    }
    binary!(
        ComplexField hypot, ComplexField powf, ComplexField powc, ComplexField log,
        ComplexField scale, ComplexField unscale, RealField atan2, RealField max, RealField min,
        RealField copysign
    );
    for &x in &POINTS {
        let tape = Tape::new();
        let v = tape.var(x);
        // powi is f64's up to |n| = 4; above, the engine's `powi` row takes
        // `powf`'s value (correctly rounded to within an ulp) where f64's
        // repeated squaring rounds up to log₂|n| times: within 4 ulps.
        for n in [-4, -3, -1, 0, 1, 2, 4] {
            let (got, want) = (ComplexField::powi(v, n).value(), ComplexField::powi(x, n));
            assert!(
                same(got, want),
                "powi({x:e}, {n}): {got:e}, f64 gives {want:e}"
            );
        }
        for n in [-7, 5, 9] {
            let (got, want) = (ComplexField::powi(v, n).value(), ComplexField::powi(x, n));
            let close = (got - want).abs() <= 4.0 * f64::EPSILON * want.abs();
            assert!(
                same(got, want) || close,
                "powi({x:e}, {n}): {got:e}, f64 gives {want:e}"
            );
        }
        let (s, c) = ComplexField::sin_cos(v);
        let (fs, fc) = ComplexField::sin_cos(x);
        assert!(same(s.value(), fs) && same(c.value(), fc), "sin_cos({x:e})");
        let (m, u) = ComplexField::to_exp(v);
        let (fm, fu) = ComplexField::to_exp(x);
        assert!(same(m.value(), fm) && same(u.value(), fu), "to_exp({x:e})");
        let (sh, ch) = ComplexField::sinh_cosh(v);
        let (fsh, fch) = ComplexField::sinh_cosh(x);
        assert!(
            same(sh.value(), fsh) && same(ch.value(), fch),
            "sinh_cosh({x:e})"
        );
        let root = ComplexField::try_sqrt(v).map(Var::value);
        assert_eq!(
            root.map(f64::to_bits),
            ComplexField::try_sqrt(x).map(f64::to_bits)
        );
        assert_eq!(ComplexField::is_finite(&v), ComplexField::is_finite(&x));
        assert_eq!(
            RealField::is_sign_negative(&v),
            RealField::is_sign_negative(&x)
        );
        assert_eq!(
            RealField::is_sign_positive(&v),
            RealField::is_sign_positive(&x)
        );
        let (lo, hi) = (tape.var(-1.0), tape.var(2.0));
        assert!(same(
            RealField::clamp(v, lo, hi).value(),
            RealField::clamp(x, -1.0, 2.0)
        ));
        let fma = ComplexField::mul_add(v, tape.var(0.1), tape.var(-0.7)).value();
        assert!(
            same(fma, ComplexField::mul_add(x, 0.1, -0.7)),
            "mul_add({x:e})"
        );
    }
    // The constants are f64's.
    type Constant = (fn() -> Var, fn() -> f64);
    let constants: [Constant; 6] = [
        (Var::pi, f64::pi),
        (Var::two_pi, f64::two_pi),
        (Var::frac_pi_2, f64::frac_pi_2),
        (Var::e, f64::e),
        (Var::ln_10, f64::ln_10),
        (Var::frac_2_sqrt_pi, f64::frac_2_sqrt_pi),
    ];
    for (var, plain) in constants {
        assert!(var().is_constant());
        assert!(same(var().value(), plain()));
    }
}

#[test]
fn copysign_and_clamp_differentiate_as_the_branch_they_take() {
    // copysign(x, s) = -|x| for s < 0: ∂/∂x = -sign x, ∂/∂s = 0.
    // clamp(x, lo, hi) above hi is hi: ∂/∂hi = 1, ∂/∂x = 0.
    let tape = Tape::new();
    let (x, s) = (tape.var(2.0), tape.var(-3.0));
    let y = RealField::copysign(x, s);
    assert_eq!(y.value(), -2.0);
    let g = y.backward();
    assert_eq!((g[x], g[s]), (-1.0, 0.0));
    let (lo, hi) = (tape.var(-1.0), tape.var(1.5));
    let c = RealField::clamp(x, lo, hi);
    let g = c.backward();
    assert_eq!((c.value(), g[x], g[hi], g[lo]), (1.5, 0.0, 1.0, 0.0));
}

#[test]
fn try_sqrt_is_guarded_and_a_replay_refuses_the_other_branch() {
    // try_sqrt branches on x >= 0: a guard, so the compiled program
    // replays √x at 9 and refuses at -1, where try_sqrt answers None.
    let tape = Tape::new();
    let x = tape.var(4.0);
    let y = ComplexField::try_sqrt(x).expect("4 has a root") * 1.0;
    let mut f = tape.compile(y, &[x]).unwrap();
    assert_eq!(f.value(&[9.0]).unwrap(), 3.0);
    let err = f.value(&[-1.0]).unwrap_err();
    assert!(matches!(err, Error::BranchChanged { .. }), "{err}");
    assert!(ComplexField::try_sqrt(tape.var(-1.0)).is_none());
}

#[test]
fn approx_comparisons_answer_as_f64s_and_are_noted_as_reads() {
    // abs_diff_eq, relative_eq and ulps_eq answer from the values as f64's
    // do; a tolerance test is no comparison of recorded operands, so it is
    // a read, and compile refuses past it.
    use approx::{AbsDiffEq, RelativeEq, UlpsEq};
    let pairs = [
        (1.0, 1.0 + 1e-16),
        (1.0, 1.0 + 1e-9),
        (0.0, -0.0),
        (1e300, f64::INFINITY),
    ];
    for (a, b) in pairs {
        let tape = Tape::new();
        let (x, y) = (tape.var(a), tape.var(b));
        let eps = Var::default_epsilon();
        assert_eq!(x.abs_diff_eq(&y, eps), a.abs_diff_eq(&b, f64::EPSILON));
        assert_eq!(
            x.relative_eq(&y, eps, Var::default_max_relative()),
            a.relative_eq(&b, f64::EPSILON, f64::EPSILON)
        );
        assert_eq!(
            x.ulps_eq(&y, eps, Var::default_max_ulps()),
            a.ulps_eq(&b, f64::EPSILON, 4)
        );
    }
    let tape = Tape::new();
    let x = tape.var(2.0);
    let y = x * x;
    assert!(approx::relative_eq!(y, Var::constant(4.0)));
    let err = tape.compile(y, &[x]).unwrap_err();
    assert!(matches!(err, Error::ValueRead { .. }), "{err}");
    assert!(tape.compile_allowing_reads(y, &[x]).is_ok());
}

#[test]
fn conversions_to_and_from_f64_are_constants_and_reads() {
    // f64 → Var is a constant (nalgebra's `convert`, `cast::<Var>`); Var →
    // f64 (`cast::<f64>`, `to_subset`) reads the values, which compile
    // reports.
    let c: Var = nalgebra::convert(2.5);
    assert!(c.is_constant() && c.value() == 2.5);
    let m = Matrix3::from_row_slice(&A).cast::<Var>();
    assert!(m.iter().all(|v| v.is_constant()));
    let tape = Tape::new();
    let x = tape.var(1.5);
    let v = Vector3::new(x, x * 2.0, Var::constant(-1.0));
    assert_eq!(v.cast::<f64>(), Vector3::new(1.5, 3.0, -1.0));
    assert_eq!(nalgebra::try_convert::<Var, f64>(x), Some(1.5));
    assert_eq!(nalgebra::try_convert::<Var, f32>(x * 2.0), Some(3.0f32));
    let y = v.norm();
    assert!(matches!(
        tape.compile(y, &[x]),
        Err(Error::ValueRead { .. })
    ));
}

#[test]
fn an_ndarray_of_vars_takes_dot_products_and_differentiates() {
    // ndarray's `dot` runs on Var (no feature needed): w·x for vectors and
    // A·w for a matrix give f64's values, and ∂(w·x)/∂w = x.
    use ndarray::{Array1, Array2, array};
    let tape = Tape::new();
    let w0 = array![0.5, -1.25, 2.0, 0.75];
    let x0 = array![1.0, 3.0, -0.5, 4.0];
    let w: Array1<Var> = w0.mapv(|c| tape.var(c));
    let x: Array1<Var> = x0.mapv(Var::constant);
    let d = w.dot(&x);
    assert!(same(d.value(), w0.dot(&x0)));
    let g = d.backward();
    for (wi, xi) in w.iter().zip(&x0) {
        assert_eq!(g[*wi], *xi);
    }
    let a0 = Array2::from_shape_fn((3, 4), |(i, j)| (i as f64) - 0.5 * (j as f64));
    let a: Array2<Var> = a0.mapv(Var::constant);
    let y = a.dot(&w);
    let want = a0.dot(&w0);
    for (yi, wi) in y.iter().zip(&want) {
        assert!(same(yi.value(), *wi));
    }
    // ∂(Σᵢ (A w)ᵢ)/∂wⱼ = Σᵢ Aᵢⱼ
    let total: Var = y.iter().sum();
    let g = total.backward();
    for j in 0..4 {
        assert_eq!(g[w[j]], a0.column(j).sum());
    }
}

#[test]
fn from_axis_angle_at_exactly_zero_is_nalgebras_identity_branch_and_guarded() {
    // nalgebra's Rotation3::from_axis_angle returns the identity when the
    // angle is exactly 0 (`angle != 0` decides), so ∂(R·p)/∂θ there is 0,
    // for forward mode as for the tape. The comparison is a guard: a
    // replay at another angle refuses instead of answering for the
    // identity.
    fn y_of<T: RealField + Copy>(theta: T) -> T {
        let p = Vector3::new(T::one(), T::zero(), T::zero());
        (Rotation3::from_axis_angle(&Vector3::z_axis(), theta) * p).y
    }
    let tape = Tape::new();
    let theta = tape.var(0.0);
    let y = y_of(theta) * 1.0;
    let mut f = tape.compile(y, &[theta]).unwrap();
    assert_eq!(y_of(Dual64::new(0.0, 1.0)).eps, 0.0);
    let mut grad = [0.0];
    assert_eq!(f.gradient(&[0.0], &mut grad).unwrap(), 0.0);
    assert_eq!(grad, [0.0]);
    let err = f.value(&[0.5]).unwrap_err();
    assert!(matches!(err, Error::BranchChanged { .. }), "{err}");
    // Away from 0 the derivative is cos θ.
    assert_eq!(y_of(Dual64::new(0.5, 1.0)).eps, 0.5f64.cos());
}
