//! `Vars`, a block of consecutive leaves, and its dot product.

#[allow(clippy::wildcard_imports)]
use super::*;

/// A block of consecutive leaves made by [`Tape::vars`]: a small `Copy`
/// handle, like [`Var`].
///
/// ```
/// use tapegrad::{Tape, Var};
///
/// let tape = Tape::new();
/// let w = tape.vars(&[0.5, -1.0]);
/// let loss: Var = w.iter().map(|wi| wi * wi).sum(); // Σ wᵢ²
/// let g = loss.backward();
/// assert_eq!(&g.wrt_vars(w)[..], &[1.0, -2.0]); // ∂/∂wᵢ = 2wᵢ
/// ```
#[derive(Clone, Copy)]
pub struct Vars {
    /// The recording the leaves are on.
    pub(crate) id: u64,
    pub(crate) start: u32,
    pub(crate) len: u32,
}

impl Vars {
    /// How many leaves the block holds.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// assert_eq!(tape.vars(&[1.0, 2.0, 3.0]).len(), 3);
    /// ```
    pub fn len(self) -> usize {
        self.len as usize
    }

    /// Whether the block is empty.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// assert!(tape.vars(&[]).is_empty());
    /// assert!(!tape.vars(&[1.0]).is_empty());
    /// ```
    pub fn is_empty(self) -> bool {
        self.len == 0
    }

    /// The tape positions of the block.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let _x = tape.var(0.0); // node 0
    /// let w = tape.vars(&[1.0, 2.0]);
    /// assert_eq!(w.indices(), 1..3);
    /// ```
    pub fn indices(self) -> std::ops::Range<usize> {
        self.start as usize..(self.start + self.len) as usize
    }

    /// Leaf `i` of the block.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let w = tape.vars(&[1.0, 2.0]);
    /// let y = w.get(1) * 3.0;
    /// assert_eq!(y.value(), 6.0);
    /// assert_eq!(&y.backward().wrt_vars(w)[..], &[0.0, 3.0]); // only w₁ is used
    /// ```
    ///
    /// # Panics
    /// If `i` is not below [`Vars::len`].
    #[track_caller]
    pub fn get(self, i: usize) -> Var {
        assert!(
            i < self.len(),
            "tapegrad: leaf {i} of a block of {} leaves",
            self.len
        );
        live::find(self.id).get().get(self.start as usize + i)
    }

    /// The leaves of the block, in order.
    ///
    /// ```
    /// let tape = tapegrad::Tape::new();
    /// let w = tape.vars(&[1.0, 2.0, 3.0]);
    /// let values: Vec<f64> = w.iter().map(|x| x.value()).collect();
    /// assert_eq!(values, [1.0, 2.0, 3.0]);
    /// ```
    ///
    /// # Panics
    /// If the block's tape was cleared or dropped, or is another thread's.
    #[track_caller]
    pub fn iter(self) -> impl ExactSizeIterator<Item = Var> {
        live::find(self.id);
        self.indices()
            .map(move |i| live::find(self.id).get().get(i))
    }

    /// `Σ cᵢ·xᵢ` over the block's leaves `xᵢ`, recorded as one [`Op::Dot`]
    /// node that stores the coefficients: a neuron's weighted sum of plain
    /// data, without a product node per weight. The value is summed in
    /// order, exactly as `Σ` over `f64` products would be.
    ///
    /// ```
    /// use tapegrad::{Op, Tape};
    ///
    /// let tape = Tape::new();
    /// let w = tape.vars(&[1.0, 2.0]);
    /// let z = w.dot(&[3.0, 4.0]); // 1·3 + 2·4
    /// assert_eq!((z.value(), z.op()), (11.0, Op::Dot));
    /// assert_eq!(&z.backward().wrt_vars(w)[..], &[3.0, 4.0]); // ∂z/∂wᵢ = cᵢ
    /// ```
    ///
    /// # Panics
    /// If `coefficients` does not have one number per leaf, or the tape
    /// would hold more than `u32::MAX` constants.
    #[track_caller]
    pub fn dot(self, coefficients: &[f64]) -> Var {
        assert_eq!(
            coefficients.len(),
            self.len(),
            "tapegrad: a dot product of {} leaves needs {} coefficients, not {}",
            self.len,
            self.len,
            coefficients.len()
        );
        // From -0, as a sum of the products (f64's `Sum`) starts.
        let mut value = -0.0;
        let at = Location::caller();
        let found = live::find(self.id);
        let tape = found.get();
        let index = tape.with(|t| {
            let xs = &t.values[self.indices()];
            for (&x, &c) in xs.iter().zip(coefficients) {
                value += x * c;
            }
            let k = t.consts.len();
            if !t.fits(k, coefficients.len()) {
                return Err(Full::Constants);
            }
            let words = [self.start, self.len, k as u32];
            let index = t.push_node3(Op::Dot, words, value).ok_or(Full::Nodes)?;
            t.consts.extend_from_slice(coefficients);
            t.locate(at, 1);
            Ok(index)
        });
        let index = index.unwrap_or_else(|full| tape.full(full));
        tape.handle(index, value)
    }
}

impl fmt::Debug for Vars {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vars")
            .field("indices", &self.indices())
            .finish()
    }
}
