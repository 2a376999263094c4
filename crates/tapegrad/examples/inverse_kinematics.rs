//! Inverse kinematics of a three-joint arm written once with nalgebra,
//! generic over the number type: the same forward kinematics runs on `f64`
//! to place the hand and on tapegrad's `Var` to differentiate it, and
//! Newton's method, with the Jacobian from the tape and nalgebra's LU
//! solve, finds the joint angles that put the hand on a target.
//!
//! The arm stands on a turntable (joint 1 turns about the vertical z axis);
//! a shoulder (joint 2) and an elbow (joint 3) bend about the arm's own
//! horizontal y axis; a column of height 0.5 carries the shoulder, the
//! upper arm is 1.0 long and the forearm 0.8.
//!
//! Run with `cargo run -p tapegrad --features nalgebra --example inverse_kinematics`.

use nalgebra::{RealField, Rotation3, Vector3};

/// The column's height and the two links' lengths.
const COLUMN: f64 = 0.5;
const UPPER: f64 = 1.0;
const FORE: f64 = 0.8;

/// Where the hand is for joint angles `q` (radians): nalgebra's rotations
/// composed base to tip, for any real number type.
fn hand<T: RealField + Copy>(q: [T; 3]) -> Vector3<T> {
    let c = |x: f64| nalgebra::convert::<f64, T>(x);
    let turntable = Rotation3::from_axis_angle(&Vector3::z_axis(), q[0]);
    let shoulder = turntable * Rotation3::from_axis_angle(&Vector3::y_axis(), q[1]);
    let elbow = shoulder * Rotation3::from_axis_angle(&Vector3::y_axis(), q[2]);
    let zero = T::zero();
    Vector3::new(zero, zero, c(COLUMN))
        + shoulder * Vector3::new(c(UPPER), zero, zero)
        + elbow * Vector3::new(c(FORE), zero, zero)
}

/// One Newton step's record: the angles, the hand and its distance to the
/// target.
#[derive(Debug)]
struct Step {
    q: [f64; 3],
    hand: Vector3<f64>,
    miss: f64,
}

/// Newton's method on `hand(q) = target` from `q`: each step solves
/// `J·Δq = target - hand(q)` with the Jacobian `J` recorded on a tape, until
/// the hand is within `tolerance` of the target or `steps` have run. Returns
/// every step, the last one the answer.
///
/// Start with no joint angle exactly 0: there nalgebra's
/// `Rotation3::from_axis_angle` returns the identity (a branch on
/// `angle != 0`), whose derivative in the angle is 0, on the tape as in any
/// forward-mode number, and the Jacobian is singular.
fn solve(target: Vector3<f64>, mut q: [f64; 3], tolerance: f64, steps: usize) -> Vec<Step> {
    let mut record = Vec::new();
    for _ in 0..=steps {
        let jac = tapegrad::jacobian(
            |_, v| {
                let p = hand([v[0], v[1], v[2]]);
                vec![p.x, p.y, p.z]
            },
            &q,
        )
        .expect("the arm's kinematics are finite");
        let p = Vector3::from_column_slice(&jac.values);
        let miss = (target - p).norm();
        record.push(Step { q, hand: p, miss });
        if miss <= tolerance {
            break;
        }
        let j = nalgebra::Matrix3::from_fn(|r, c| jac.matrix[r][c]);
        let Some(dq) = j.lu().solve(&(target - p)) else {
            break; // a singular pose: no Newton step from here
        };
        for (qi, d) in q.iter_mut().zip(dq.iter()) {
            *qi += d;
        }
    }
    record
}

fn main() {
    // A target the arm reaches: where the hand is at known angles.
    let known = [0.7, -0.4, 1.1];
    let target = hand(known);
    println!(
        "target hand position: ({:.6}, {:.6}, {:.6}), reached at q = {known:?}",
        target.x, target.y, target.z
    );
    println!(
        "{:>4} {:>11} {:>11} {:>11} {:>12}",
        "step", "q1", "q2", "q3", "|miss|"
    );
    let steps = solve(target, [0.2, 0.2, 0.5], 1e-12, 20);
    for (i, s) in steps.iter().enumerate() {
        println!(
            "{i:>4} {:>11.8} {:>11.8} {:>11.8} {:>12.3e}",
            s.q[0], s.q[1], s.q[2], s.miss
        );
    }
    let last = steps.last().expect("at least one step");
    println!(
        "solved: q = ({:.10}, {:.10}, {:.10}) puts the hand at ({:.10}, {:.10}, {:.10}), {:.1e} from the target",
        last.q[0], last.q[1], last.q[2], last.hand.x, last.hand.y, last.hand.z, last.miss
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newton_puts_the_hand_on_the_target_in_a_few_steps() {
        // From the bent start pose (no joint at exactly 0, where nalgebra's
        // `from_axis_angle` returns the identity, a branch whose derivative
        // in the angle is 0), Newton's steps reach angles whose hand is
        // within 1e-12 of the target in fewer than ten steps, the angles
        // the target was made from, and converge quadratically at the end:
        // once the miss is below 0.1, the next is below 10·miss² (until
        // rounding, near 1e-16, is all that is left).
        let known = [0.7, -0.4, 1.1];
        let target = hand(known);
        let steps = solve(target, [0.2, 0.2, 0.5], 1e-12, 20);
        let last = steps.last().unwrap();
        assert!(last.miss <= 1e-12, "{steps:?}");
        assert!(steps.len() < 10, "{steps:?}");
        for (q, k) in last.q.iter().zip(known) {
            assert!((q - k).abs() < 1e-9, "{steps:?}");
        }
        for w in steps
            .windows(2)
            .filter(|w| (1e-7..0.1).contains(&w[0].miss))
        {
            assert!(w[1].miss <= 10.0 * w[0].miss * w[0].miss, "{steps:?}");
        }
        // The hand at the answer, computed on f64, is the target.
        assert!((hand(last.q) - target).norm() <= 1e-12);
    }

    #[test]
    fn the_jacobian_of_the_arm_is_the_hand_written_one() {
        // With r = L₁cos q₂ + L₂cos(q₂+q₃) the reach and
        // h = -L₁sin q₂ - L₂sin(q₂+q₃) the height above the shoulder,
        // hand = (r cos q₁, r sin q₁, COLUMN + h), so
        // ∂hand/∂q₁ = (-r sin q₁, r cos q₁, 0),
        // ∂hand/∂q₂ = (h cos q₁, h sin q₁, -r),
        // ∂hand/∂q₃ = (h₃ cos q₁, h₃ sin q₁, -r₃) with r₃ = L₂cos(q₂+q₃),
        // h₃ = -L₂sin(q₂+q₃) (a positive turn about y tips x down).
        let q = [0.3, -0.6, 0.9];
        let jac = tapegrad::jacobian(
            |_, v| {
                let p = hand([v[0], v[1], v[2]]);
                vec![p.x, p.y, p.z]
            },
            &q,
        )
        .unwrap();
        let (s1, c1) = q[0].sin_cos();
        let r = UPPER * q[1].cos() + FORE * (q[1] + q[2]).cos();
        let h = -UPPER * q[1].sin() - FORE * (q[1] + q[2]).sin();
        let r3 = FORE * (q[1] + q[2]).cos();
        let h3 = -FORE * (q[1] + q[2]).sin();
        let expected = [
            [-r * s1, h * c1, h3 * c1],
            [r * c1, h * s1, h3 * s1],
            [0.0, -r, -r3],
        ];
        for (row, want) in jac.matrix.iter().zip(expected) {
            for (got, want) in row.iter().zip(want) {
                assert!((got - want).abs() <= 1e-14, "{:?}", jac.matrix);
            }
        }
        // The values are the f64 code's, bit for bit.
        let p = hand(q);
        assert_eq!(jac.values, vec![p.x, p.y, p.z]);
    }
}
