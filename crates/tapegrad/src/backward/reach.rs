//! Which nodes an output reaches, which depend on given inputs, and which
//! lie on paths from leaves to the output.
#[allow(clippy::wildcard_imports)]
use super::*;

/// Which nodes up to `out` depend on one of `inputs` (those included).
pub(crate) fn depends_on(t: &mut Inner, out: usize, inputs: &[Var]) -> Vec<bool> {
    let mut needed = vec![false; out + 1];
    for v in inputs.iter().filter(|v| !v.is_constant()) {
        if let Some(n) = needed.get_mut(v.index as usize) {
            *n = true;
        }
    }
    for i in 0..=out {
        if !needed[i] {
            let mut any = false;
            t.for_each_input(i, |x| any |= needed[x as usize]);
            needed[i] = any;
        }
    }
    needed
}

/// Which nodes up to `out` lie on a path from a leaf to the output: the
/// output reaches them and they depend on a leaf.
pub(crate) fn on_leaf_paths(t: &mut Inner, reach: &[bool]) -> Vec<bool> {
    let mut needed = vec![false; reach.len()];
    for i in 0..reach.len() {
        if reach[i] {
            let mut any = t.ops()[i] == Op::Leaf;
            t.for_each_input(i, |x| any |= needed[x as usize]);
            needed[i] = any;
        }
    }
    needed
}

/// Which nodes up to `out` the output depends on (itself included).
pub(crate) fn reachable(t: &mut Inner, out: usize) -> Vec<bool> {
    let mut reach = vec![false; out + 1];
    reach[out] = true;
    for i in (0..=out).rev() {
        if reach[i] {
            t.for_each_input(i, |x| reach[x as usize] = true);
        }
    }
    reach
}
