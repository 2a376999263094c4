//! Guards and reads: comparisons of `Var`s answer from the recorded values
//! and note a guard (operands, comparison, answer, line), and reads of
//! values are noted, for `Tape::compile` to check or report. Equal guards
//! are kept once, and distinct ones count toward the tape's limit.

#[allow(clippy::wildcard_imports)]
use super::*;
use std::cmp::Ordering;
use std::collections::HashSet;

/// A comparison as the user wrote it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// `partial_cmp` itself (sorting, `max_by`): the whole ordering.
    Order,
}

impl Cmp {
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            Cmp::Eq => "==",
            Cmp::Ne => "!=",
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
            Cmp::Order => "partial_cmp",
        }
    }

    /// What the comparison answers for two operands ordered `ord`.
    pub(crate) fn answer(self, ord: Option<Ordering>) -> &'static str {
        use Ordering::*;
        let holds = match self {
            Cmp::Eq => ord == Some(Equal),
            Cmp::Ne => ord != Some(Equal),
            Cmp::Lt => ord == Some(Less),
            Cmp::Le => matches!(ord, Some(Less | Equal)),
            Cmp::Gt => ord == Some(Greater),
            Cmp::Ge => matches!(ord, Some(Greater | Equal)),
            Cmp::Order => {
                return match ord {
                    Some(Less) => "Some(Less)",
                    Some(Equal) => "Some(Equal)",
                    Some(Greater) => "Some(Greater)",
                    None => "None",
                };
            }
        };
        if holds { "true" } else { "false" }
    }
}

/// One operand of a guard.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Side {
    Node(u32),
    Const(f64),
}

/// A comparison the program made while recording.
#[derive(Clone, Debug)]
pub(crate) struct Guard {
    pub(crate) lhs: Side,
    pub(crate) rhs: Side,
    pub(crate) cmp: Cmp,
    /// Whether the operands' absolute values were compared (a formula of
    /// the op table asking `|x| < 2`).
    pub(crate) abs: bool,
    /// How the operands compared when recorded.
    pub(crate) recorded: Option<Ordering>,
    pub(crate) location: &'static Location<'static>,
}

/// What makes two guards the same: equal guards need checking once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct GuardKey {
    pub(crate) lhs: (bool, u64),
    pub(crate) rhs: (bool, u64),
    pub(crate) cmp: Cmp,
    pub(crate) abs: bool,
    pub(crate) recorded: Option<Ordering>,
    pub(crate) location: usize,
}

impl Guard {
    fn key(&self) -> GuardKey {
        let side = |s: Side| match s {
            Side::Node(i) => (true, u64::from(i)),
            Side::Const(c) => (false, c.to_bits()),
        };
        GuardKey {
            lhs: side(self.lhs),
            rhs: side(self.rhs),
            cmp: self.cmp,
            abs: self.abs,
            recorded: self.recorded,
            location: std::ptr::from_ref(self.location) as usize,
        }
    }

    /// How the operands compare with `value` giving each node's value.
    #[inline]
    pub(crate) fn order(&self, value: impl Fn(u32) -> f64) -> Option<Ordering> {
        let operand = |s: Side| {
            let v = match s {
                Side::Node(i) => value(i),
                Side::Const(c) => c,
            };
            if self.abs { v.abs() } else { v }
        };
        operand(self.lhs).partial_cmp(&operand(self.rhs))
    }
}

/// The first read of a node's value.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Read {
    pub(crate) node: u32,
    /// The caller's line; `None` for a read by a gradient graph's formula
    /// (the op table choosing a form by a value).
    pub(crate) location: Option<&'static Location<'static>>,
}

/// The guards and value reads of a tape.
#[derive(Clone, Debug, Default)]
pub(crate) struct Notes {
    pub(crate) guards: Vec<Guard>,
    /// The guards noted, so that a loop repeating comparisons (alternating
    /// or not) adds each once.
    seen: HashSet<GuardKey, foldhash::fast::FixedState>,
    pub(crate) reads: Vec<Read>,
    /// One bit per node: whether its value has been read.
    read: Vec<u64>,
}

impl Notes {
    pub(crate) fn clear(&mut self) {
        self.guards.clear();
        self.seen.clear();
        self.reads.clear();
        self.read.clear();
    }

    pub(crate) fn bytes_reserved(&self) -> usize {
        // A hash set's table holds its keys and a control byte each.
        self.guards.capacity() * size_of::<Guard>()
            + self.seen.capacity() * (size_of::<GuardKey>() + 1)
            + self.reads.capacity() * size_of::<Read>()
            + self.read.capacity() * size_of::<u64>()
    }

    /// Notes a read of `node`, unless it was read before (the first read is
    /// the one reported). Nodes are below the tape's length, so the notes
    /// stay within a bit and a `Read` per node.
    #[inline]
    pub(crate) fn read(&mut self, node: u32, location: Option<&'static Location<'static>>) {
        let (word, bit) = (node as usize / 64, node % 64);
        if self.read.get(word).is_some_and(|w| w >> bit & 1 == 1) {
            return;
        }
        if self.read.len() <= word {
            self.read.resize(word + 1, 0);
        }
        self.read[word] |= 1 << bit;
        self.reads.push(Read { node, location });
    }

    /// Notes a guard unless an equal one was noted (a loop comparing the
    /// same operands at the same lines adds nothing), or returns `false` if
    /// the tape holds `limit` guards already.
    fn guard(&mut self, guard: Guard, limit: usize) -> bool {
        let key = guard.key();
        // A loop repeating one comparison meets the last guard: no hashing.
        if self.guards.last().is_some_and(|last| last.key() == key) || self.seen.contains(&key) {
            return true;
        }
        if self.guards.len() >= limit {
            return false;
        }
        self.seen.insert(key);
        self.guards.push(guard);
        true
    }
}

impl State {
    /// Compares two operands (their absolute values if `abs`) by their
    /// recorded values and notes the guard.
    #[inline]
    #[track_caller]
    fn compare(&self, lhs: Side, rhs: Side, cmp: Cmp, abs: bool) -> Option<Ordering> {
        self.note_guard(lhs, rhs, cmp, abs, Location::caller())
    }

    /// Compares two operands (their absolute values if `abs`) for a formula
    /// of the op table, or a custom op's partials, recorded into a gradient
    /// graph: noted at the line of the [`Var::grad_graph`] call.
    #[track_caller]
    pub(crate) fn formula_order(&self, lhs: Side, rhs: Side, abs: bool) -> Option<Ordering> {
        let at = self.with(|t| t.recording_at);
        self.note_guard(lhs, rhs, Cmp::Order, abs, at.unwrap_or(Location::caller()))
    }

    #[inline]
    #[track_caller]
    fn note_guard(
        &self,
        lhs: Side,
        rhs: Side,
        cmp: Cmp,
        abs: bool,
        location: &'static Location<'static>,
    ) -> Option<Ordering> {
        let noted = self.with(|t| {
            let mut guard = Guard {
                lhs,
                rhs,
                cmp,
                abs,
                recorded: None,
                location,
            };
            guard.recorded = guard.order(|i| t.values[i as usize]);
            let limit = t.limit();
            t.notes
                .guard(guard.clone(), limit)
                .then_some(guard.recorded)
        });
        match noted {
            Some(recorded) => recorded,
            None => self.full(Full::Guards),
        }
    }

    /// Notes that the value of node `index` was read at the caller's line.
    #[inline]
    #[track_caller]
    pub(crate) fn note_read(&self, index: u32) {
        let location = Location::caller();
        self.with(|t| t.notes.read(index, Some(location)));
    }
}

// Comparisons answer from the recorded values and note a guard. Each
// operator method is its own `#[track_caller]` function, so that the guard
// keeps the line of the comparison the user wrote.
macro_rules! comparisons {
    ($Lhs:ty, $Rhs:ty, $lhs:expr, $rhs:expr) => {
        impl PartialEq<$Rhs> for $Lhs {
            #[track_caller]
            fn eq(&self, other: &$Rhs) -> bool {
                order($lhs(*self), $rhs(*other), Some(Cmp::Eq), false) == Some(Ordering::Equal)
            }
            #[track_caller]
            #[allow(clippy::partialeq_ne_impl)]
            fn ne(&self, other: &$Rhs) -> bool {
                order($lhs(*self), $rhs(*other), Some(Cmp::Ne), false) != Some(Ordering::Equal)
            }
        }

        impl PartialOrd<$Rhs> for $Lhs {
            #[track_caller]
            fn partial_cmp(&self, other: &$Rhs) -> Option<Ordering> {
                order($lhs(*self), $rhs(*other), Some(Cmp::Order), false)
            }
            #[track_caller]
            fn lt(&self, other: &$Rhs) -> bool {
                order($lhs(*self), $rhs(*other), Some(Cmp::Lt), false) == Some(Ordering::Less)
            }
            #[track_caller]
            fn le(&self, other: &$Rhs) -> bool {
                let ord = order($lhs(*self), $rhs(*other), Some(Cmp::Le), false);
                matches!(ord, Some(Ordering::Less | Ordering::Equal))
            }
            #[track_caller]
            fn gt(&self, other: &$Rhs) -> bool {
                order($lhs(*self), $rhs(*other), Some(Cmp::Gt), false) == Some(Ordering::Greater)
            }
            #[track_caller]
            fn ge(&self, other: &$Rhs) -> bool {
                let ord = order($lhs(*self), $rhs(*other), Some(Cmp::Ge), false);
                matches!(ord, Some(Ordering::Greater | Ordering::Equal))
            }
        }
    };
}

/// How `a` and `b` compare (by magnitude when `abs`), as a guard on the
/// tape of the one that is a node (with the operator `cmp`, or as a
/// formula's ordering when `cmp` is `None`); two constants compare plainly.
#[inline]
#[track_caller]
pub(crate) fn order(a: Var, b: Var, cmp: Option<Cmp>, abs: bool) -> Option<Ordering> {
    let side = |v: Var| {
        if v.is_constant() {
            Side::Const(v.value)
        } else {
            Side::Node(v.index)
        }
    };
    let id = if a.is_constant() { b.id } else { a.id };
    if id == 0 {
        let guard = Guard {
            lhs: side(a),
            rhs: side(b),
            cmp: Cmp::Order,
            abs,
            recorded: None,
            location: Location::caller(),
        };
        return guard.order(|_| unreachable!("two constants have no node"));
    }
    let found = live::find(id);
    let state = found.get();
    for v in [a, b] {
        if !v.is_constant() {
            state.check_owns(v);
        }
    }
    match cmp {
        Some(cmp) => state.compare(side(a), side(b), cmp, abs),
        None => state.formula_order(side(a), side(b), abs),
    }
}

/// Whether `v` (its magnitude if `abs`) compares with `c` as `cmp` asks,
/// noted as a guard: the predicates of generic code (`is_nan`,
/// `is_finite`, …) branch on values as comparisons do.
#[cfg(feature = "num-traits")]
#[inline]
#[track_caller]
pub(crate) fn holds(v: Var, cmp: Cmp, c: f64, abs: bool) -> bool {
    let ord = order(v, Var::constant(c), Some(cmp), abs);
    match cmp {
        Cmp::Eq => ord == Some(Ordering::Equal),
        Cmp::Ne => ord != Some(Ordering::Equal),
        Cmp::Lt => ord == Some(Ordering::Less),
        Cmp::Le => matches!(ord, Some(Ordering::Less | Ordering::Equal)),
        Cmp::Gt => ord == Some(Ordering::Greater),
        Cmp::Ge => matches!(ord, Some(Ordering::Greater | Ordering::Equal)),
        Cmp::Order => unreachable!("a predicate asks a question"),
    }
}

/// `c` as a `Var` operand of a comparison.
fn constant(c: f64) -> Var {
    Var::constant(c)
}

fn same(v: Var) -> Var {
    v
}

comparisons!(Var, Var, same, same);
comparisons!(Var, f64, same, constant);
comparisons!(f64, Var, constant, same);
