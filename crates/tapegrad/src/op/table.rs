//! The op table's rows: each op's name, shape, value and vector-Jacobian
//! product, side by side.

// Each row: variant, name, forward value, vector-Jacobian product. In the
// products, `x`/`y` are the inputs, `c` the constant, `z` the output and `g`
// the output's adjoint; `None` means "contributes nothing".

/// The rows of the op table, handed to the macro `$m`: `op_table!` makes
/// [`Op`](super::Op), [`Real`](super::Real) and the formulas of them from
/// them, and the module that owns `Var` its one-input methods.
macro_rules! op_rows {
    ($m:ident) => {
        $m! {
            nullary {
                /// A leaf: an input that gradients are taken with respect to.
                Leaf "var";
                /// A recorded constant: it has a value but is not a leaf.
                Const "const";
            }
            unary {
                /// `-x`.
                Neg "neg" neg
                    |x| -x,
                    |_x, _z, g| Some(-g);
                /// Natural logarithm `ln x`; `d/dx = 1/x`.
                Ln "ln" ln
                    |x| x.ln(),
                    |x, _z, g| Some(g / x);
                /// `eˣ`; `d/dx = eˣ`, read from the output.
                Exp "exp" exp
                    |x| x.exp(),
                    |_x, z, g| Some(g * z);
                /// Square root; `d/dx = 1/(2√x)`, read from the output.
                Sqrt "sqrt" sqrt
                    |x| x.sqrt(),
                    |_x, z, g| Some(g / (z * 2.0));
                /// Sine; `d/dx = cos x`.
                Sin "sin" sin
                    |x| x.sin(),
                    |x, _z, g| Some(g * x.cos());
                /// Cosine; `d/dx = -sin x`.
                Cos "cos" cos
                    |x| x.cos(),
                    |x, _z, g| Some(-(g * x.sin()));
                /// Tangent; `d/dx = 1 + tan² x`, read from the output.
                Tan "tan" tan
                    |x| x.tan(),
                    |_x, z, g| Some(g * (z * z + 1.0));
                /// Hyperbolic tangent; `d/dx = 1 - tanh² x` read from the output
                /// where `|x| < 2` (it cancels at most 4 bits there), `1/cosh² x`
                /// beyond, as `4e/(1 + e)²` with `e = e^(-2|x|)` (one `exp`), which
                /// stays exact where `1 - tanh² x` would round to 0.
                Tanh "tanh" tanh
                    |x| x.tanh(),
                    |x, z, g| if x.abs_order(2.0) == Some(Less) {
                        Some(g * (z * z).rsub(1.0))
                    } else {
                        let e = (x.abs() * -2.0).exp();
                        let e1 = e + 1.0;
                        Some(g * (e * 4.0 / (e1 * e1)))
                    };
                /// The logistic function `σ(x) = 1/(1+e⁻ˣ)`, stable for any `x`;
                /// `d/dx = σ(x)σ(-x)`, computed as `1/(4cosh²(x/2))` where `|x| < 2`
                /// (its own derivative does not cancel near 0) and as `σ(x)·σ(-x)`
                /// beyond (its derivative does not underflow early); `σ(1-σ)` from
                /// the output would lose every digit for large `x`.
                Sigmoid "sigmoid" sigmoid
                    |x| sigmoid(x),
                    |x, z, g| if x.abs_order(2.0) == Some(Less) {
                        let s = (x * 0.5).cosh().recip();
                        Some(g * (s * s * 0.25))
                    } else {
                        Some(g * (z * (-x).sigmoid()))
                    };
                /// `max(x, 0)`; the derivative at 0 is taken as 0 (so a relu's
                /// second derivative is 0 everywhere).
                Relu "relu" relu
                    |x| relu(x),
                    |x, _z, g| match x.order(0.0) {
                        Some(Greater) => Some(g),
                        None => Some(g * f64::NAN),
                        Some(Less | Equal) => None,
                    };
                /// `|x|`; the derivative is the sign of `x` by its sign bit: 1 at
                /// +0 and −1 at −0, as JAX and Julia's DiffRules take it, so that
                /// second derivatives through `abs` come out right (`|x|²` has 2).
                Abs "abs" abs
                    |x| x.abs(),
                    |x, _z, g| Some(g * x.sign());
                /// `1/x`; `d/dx = -1/x²`, read from the output.
                Recip "recip" recip
                    |x| x.recip(),
                    |_x, z, g| Some(-(g * (z * z)));
                /// Arcsine; `d/dx = 1/√(1 - x²)`, with `1 - x²` formed without
                /// cancellation near ±1.
                Asin "asin" asin
                    |x| x.asin(),
                    |x, _z, g| Some(g / one_minus_square(x).sqrt());
                /// Arccosine; `d/dx = -1/√(1 - x²)`.
                Acos "acos" acos
                    |x| x.acos(),
                    |x, _z, g| Some(-(g / one_minus_square(x).sqrt()));
                /// Arctangent; `d/dx = 1/(1 + x²)`, as `r²/(1 + r²)` with `r = 1/x`
                /// for `|x| > 1`, so that neither it nor its derivative underflows
                /// early.
                Atan "atan" atan
                    |x| x.atan(),
                    |x, _z, g| if matches!(x.abs_order(1.0), Some(Less | Equal)) {
                        Some(g / (x * x + 1.0))
                    } else {
                        let r = x.recip();
                        Some(g * ((r * r) / (r * r + 1.0)))
                    };
                /// Hyperbolic sine; `d/dx = cosh x`.
                Sinh "sinh" sinh
                    |x| x.sinh(),
                    |x, _z, g| Some(g * x.cosh());
                /// Hyperbolic cosine; `d/dx = sinh x`.
                Cosh "cosh" cosh
                    |x| x.cosh(),
                    |x, _z, g| Some(g * x.sinh());
                /// Inverse hyperbolic sine, as `f64::asinh` computes it (bit for bit
                /// with `f64`); `d/dx = 1/√(x² + 1)`, as `1/hypot(x, 1)` so that it
                /// does not overflow for large `x`.
                Asinh "asinh" asinh
                    |x| x.asinh(),
                    |x, _z, g| Some(g / x.with_const(Op::HypotConst, 1.0));
                /// Inverse hyperbolic cosine, for `x ≥ 1`, as `f64::acosh` computes it
                /// (bit for bit with `f64`, which loses digits near 1: 1.9e-13 relative
                /// at 1.0000001); `d/dx = 1/√(x² - 1)`, as `1/(√(x - 1)·√(x + 1))`,
                /// exact near 1 and finite for large `x`.
                Acosh "acosh" acosh
                    |x| x.acosh(),
                    |x, _z, g| Some(g / ((x - 1.0).sqrt() * (x + 1.0).sqrt()));
                /// Inverse hyperbolic tangent, for `|x| < 1`, as `f64::atanh` computes
                /// it (bit for bit with `f64`, which loses digits near -1: 1.3e-10
                /// relative at -0.9999999); `d/dx = 1/(1 - x²)`, exact.
                Atanh "atanh" atanh
                    |x| x.atanh(),
                    |x, _z, g| Some(g / one_minus_square(x));
                /// Base-2 logarithm; `d/dx = 1/(x ln 2)`.
                Log2 "log2" log2
                    |x| x.log2(),
                    |x, _z, g| Some(g / (x * std::f64::consts::LN_2));
                /// Base-10 logarithm; `d/dx = 1/(x ln 10)`.
                Log10 "log10" log10
                    |x| x.log10(),
                    |x, _z, g| Some(g / (x * std::f64::consts::LN_10));
                /// `ln(1 + x)`, exact for tiny `x`; `d/dx = 1/(1 + x)`.
                Ln1p "ln_1p" ln_1p
                    |x| x.ln_1p(),
                    |x, _z, g| Some(g / (x + 1.0));
                /// `eˣ - 1`, exact for tiny `x`; `d/dx = eˣ` (not `z + 1`, which
                /// loses everything for very negative `x`).
                ExpM1 "exp_m1" exp_m1
                    |x| x.exp_m1(),
                    |x, _z, g| Some(g * x.exp());
                /// `2ˣ`; `d/dx = 2ˣ ln 2`, read from the output.
                Exp2 "exp2" exp2
                    |x| x.exp2(),
                    |_x, z, g| Some(g * z * std::f64::consts::LN_2);
                /// Cube root, for any sign; `d/dx = 1/(3∛x²)`, read from the output.
                Cbrt "cbrt" cbrt
                    |x| x.cbrt(),
                    |_x, z, g| Some(g / (z * z * 3.0));
                /// `ln(1 + eˣ)`, stable: finite and exact for any `x`;
                /// `d/dx = σ(x)`.
                Softplus "softplus" softplus
                    |x| softplus(x),
                    |x, _z, g| Some(g * x.sigmoid());
                /// The error function (from `libm`); `d/dx = 2/√π · e^(-x²)`, with
                /// the square taken exactly.
                Erf "erf" erf
                    |x| libm::erf(x),
                    |x, _z, g| Some(g * gaussian(x) * std::f64::consts::FRAC_2_SQRT_PI);
                /// The complementary error function `1 - erf x` (from `libm`),
                /// exact for large `x`; `d/dx = -2/√π · e^(-x²)`.
                Erfc "erfc" erfc
                    |x| libm::erfc(x),
                    |x, _z, g| Some(-(g * gaussian(x) * std::f64::consts::FRAC_2_SQRT_PI));
                /// The sign, `f64::signum`: 1 for +0 and above, -1 for -0 and
                /// below; its derivative is taken as 0 everywhere.
                Signum "signum" signum
                    |x| x.signum(),
                    |_x, _z, _g| None;
                /// The largest integer `≤ x`; derivative 0 (the steps are not
                /// differentiated).
                Floor "floor" floor
                    |x| x.floor(),
                    |_x, _z, _g| None;
                /// The smallest integer `≥ x`; derivative 0.
                Ceil "ceil" ceil
                    |x| x.ceil(),
                    |_x, _z, _g| None;
                /// The nearest integer, half away from zero; derivative 0.
                Round "round" round
                    |x| x.round(),
                    |_x, _z, _g| None;
                /// The integer part, towards zero; derivative 0.
                Trunc "trunc" trunc
                    |x| x.trunc(),
                    |_x, _z, _g| None;
                /// The fractional part `x - trunc(x)`, as `f64::fract`; derivative 1
                /// (the jumps at the integers are not differentiated, as for
                /// `trunc`).
                Fract "fract" fract
                    |x| x.fract(),
                    |_x, _z, g| Some(g);
                /// Radians to degrees, as `f64::to_degrees` computes it (`x` times
                /// `180/π` rounded once, which is also the derivative).
                ToDegrees "to_degrees" to_degrees
                    |x| x.to_degrees(),
                    |_x, _z, g| Some(g * (180.0 / std::f64::consts::PI));
                /// Degrees to radians, as `f64::to_radians` computes it (`x` times
                /// `π/180` rounded once, which is also the derivative).
                ToRadians "to_radians" to_radians
                    |x| x.to_radians(),
                    |_x, _z, g| Some(g * (std::f64::consts::PI / 180.0));
            }
            unary_const {
                /// `x + c`.
                AddConst "add" false
                    |x, c| x + c,
                    |_x, _c, _z, g| Some(g);
                /// `x - c`.
                SubConst "sub" false
                    |x, c| x - c,
                    |_x, _c, _z, g| Some(g);
                /// `c - x`.
                ConstSub "sub" true
                    |x, c| c - x,
                    |_x, _c, _z, g| Some(-g);
                /// `x · c`.
                MulConst "mul" false
                    |x, c| x * c,
                    |_x, c, _z, g| Some(g * c);
                /// `x / c`.
                DivConst "div" false
                    |x, c| x / c,
                    |_x, c, _z, g| Some(g / c);
                /// `c / x`; `d/dx = -c/x²`, read as `-z/x`.
                ConstDiv "div" true
                    |x, c| c / x,
                    |x, _c, z, g| Some(-(g * z / x));
                /// `x^c` for a real constant `c`; `d/dx = c·x^(c-1)`, and 0 when `c = 0`.
                PowConst "powf" false
                    |x, c| x.powf(c),
                    |x, c, z, g| if c == 0.0 { None } else { Some(g * power_less_one(x, z, || x.powf(c - 1.0)) * c) };
                /// `xⁿ` for an integer `n` (stored exactly as a constant);
                /// `d/dx = n·xⁿ⁻¹` for every `i32` exponent, and 0 when `n = 0`.
                PowInt "powi" false
                    |x, n| powi(x, n),
                    |x, n, _z, g| int_power_partial(x, n, g);
                /// `cˣ` for a constant base `c`; `d/dx = cˣ ln c` (0 when `c = 0`
                /// and `x ≥ 0`, where the limit is 0).
                ConstPow "pow" true
                    |x, c| c.powf(x),
                    |x, c, z, g| if c == 0.0 && matches!(x.order(0.0), Some(Greater | Equal)) { None } else { Some(g * z * c.ln()) };
                /// `log_c x` for a constant base `c`, as `f64::log` computes it;
                /// `d/dx = 1/(x ln c)`.
                LogBase "log" false
                    |x, c| x.log(c),
                    |x, c, _z, g| Some(g / (x * c.ln()));
                /// `atan2(x, c)`: the angle of the point `(c, x)`;
                /// `d/dx = c/(x² + c²)`, which neither overflows nor underflows
                /// early.
                Atan2Const "atan2" false
                    |x, c| x.atan2(c),
                    |x, c, _z, g| Some(g * over_sum_of_squares(x.constant(c), x, x.constant(c)));
                /// `hypot(x, c) = √(x² + c²)`; `d/dx = x/z` (formed so that its own derivatives do not cancel),
                /// and 0 where `z = 0` (a subgradient of the cone at its tip).
                HypotConst "hypot" false
                    |x, c| x.hypot(c),
                    |x, c, z, g| if z.order(0.0) == Some(Equal) { None } else { Some(g * hypot_partial(x, x.constant(c), z)) };
                /// `max(x, c)`; on a tie `x` gets half the adjoint.
                MaxConst "max" false
                    |x, c| max(x, c),
                    |x, c, _z, g| share(x.order(c), g);
                /// `min(x, c)`; on a tie `x` gets half the adjoint.
                MinConst "min" false
                    |x, c| min(x, c),
                    |x, c, _z, g| share(x.order(c).map(Ordering::reverse), g);
            }
            binary {
                /// `x + y`.
                Add "add"
                    |x, y| x + y,
                    |_x, _y, _z, g| (Some(g), Some(g));
                /// `x - y`.
                Sub "sub"
                    |x, y| x - y,
                    |_x, _y, _z, g| (Some(g), Some(-g));
                /// `x · y`.
                Mul "mul"
                    |x, y| x * y,
                    |x, y, _z, g| (Some(g * y), Some(g * x));
                /// `x / y`; `d/dy = -x/y²`, read as `-z/y`.
                Div "div"
                    |x, y| x / y,
                    |_x, y, z, g| (Some(g / y), Some(-(g * z / y)));
                /// `x^y`; `d/dx = y·x^(y-1)` (0 at `x = y = 0`), `d/dy = x^y·ln x`
                /// (0 when `x = 0` and `y ≥ 0`, where the limit is 0).
                Pow "pow"
                    |x, y| x.powf(y),
                    |x, y, z, g| (
                        if x.order(0.0) == Some(Equal) && y.order(0.0) == Some(Equal) { None } else { Some(g * y * power_less_one(x, z, || x.pow(y - 1.0))) },
                        if x.order(0.0) == Some(Equal) && matches!(y.order(0.0), Some(Greater | Equal)) { None } else { Some(g * z * x.ln()) },
                    );
                /// `max(x, y)`; on a tie each input gets half the adjoint, and a NaN
                /// input makes both partials NaN.
                Max "max"
                    |x, y| max(x, y),
                    |x, y, _z, g| (share(x.order_with(y), g), share(x.order_with(y).map(Ordering::reverse), g));
                /// `min(x, y)`; on a tie each input gets half the adjoint, and a NaN
                /// input makes both partials NaN.
                Min "min"
                    |x, y| min(x, y),
                    |x, y, _z, g| (share(x.order_with(y).map(Ordering::reverse), g), share(x.order_with(y), g));
                /// `atan2(y, x)`, the angle of the point `(x, y)`, with `y` the
                /// first input; `d/dy = x/(x² + y²)`, `d/dx = -y/(x² + y²)` (NaN at
                /// the origin, where the angle jumps).
                Atan2 "atan2"
                    |y, x| y.atan2(x),
                    |y, x, _z, g| (Some(g * over_sum_of_squares(x, x, y)), Some(-(g * over_sum_of_squares(y, x, y))));
                /// `hypot(x, y) = √(x² + y²)` without overflow; `d/dx = x/z`,
                /// `d/dy = y/z`, and 0 where `z = 0`.
                Hypot "hypot"
                    |x, y| x.hypot(y),
                    |x, y, z, g| (
                        if z.order(0.0) == Some(Equal) { None } else { Some(g * hypot_partial(x, y, z)) },
                        if z.order(0.0) == Some(Equal) { None } else { Some(g * hypot_partial(y, x, z)) },
                    );
                /// The positive difference `max(x - y, 0)`, as `f64::abs_sub` (C's
                /// `fdim`): `d/dx = 1` and `d/dy = -1` where `x > y`, both 0
                /// elsewhere, the tie included (relu's convention), and NaN when
                /// either input is.
                AbsSub "abs_sub"
                    |x, y| abs_sub(x, y),
                    |x, y, _z, g| (positive_part(x.order_with(y), g), positive_part(x.order_with(y), g).map(|d| -d));
            }
            nary {
                /// The sum of any number of inputs.
                Sum "sum";
            }
            dot {
                /// `Σ cᵢ·xᵢ` over consecutive nodes `xᵢ` (a block of leaves from
                /// [`Tape::vars`](crate::Tape::vars)) with constant coefficients
                /// `cᵢ`: a neuron's weighted sum as one node; `d/dxᵢ = cᵢ`.
                Dot "dot";
            }
            custom {
                /// An op of the user's own ([`CustomOp`](crate::CustomOp), recorded
                /// by [`Tape::custom`](crate::Tape::custom)), with any number of
                /// inputs; its value and partials are the user's.
                Custom "custom";
            }
        }
    };
}
pub(crate) use op_rows;
