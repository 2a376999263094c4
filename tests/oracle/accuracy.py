"""Exact values, first and second derivatives of tapegrad's ops, for tests/tests/accuracy.rs.

Every input is an exact f64 (printed with repr, so Rust parses the same number),
and every result is computed with mpmath at the exact binary value of that f64,
at 50 significant digits. Each result is evaluated again at 100 digits (and
more, doubling, until two precisions agree to 40 digits), so that no formula
below loses digits to cancellation unnoticed.

Columns (tab-separated): op, constant, input, value, first, second.
- constant: "-", one f64, or "lo,hi" (clamp).
- input: x, or "x,y" for two-input ops.
- first: f'(x), or "fx,fy" for two-input ops.
- second: f''(x), or "fxx,fxy,fyy" for two-input ops (the Hessian's three entries).

Each result cell is one of:
- the correctly rounded f64 of the exact value (repr), when that value is a
  normal f64 (|v| >= 2.2250738585072014e-308 and finite): compared;
- "0": the exact value is zero (the engine must give 0 or a number below the
  smallest normal, 2.2250738585072014e-308, in magnitude);
- "+0.0" or "-0.0": the value of a one-input op at a signed-zero input whose
  exact value is zero, with the sign IEEE arithmetic gives it (the sign of the
  op's limit from that side): the engine must give exactly that zero;
- "subnormal", "underflow" (nonzero, below the smallest subnormal) or
  "overflow" (beyond the largest f64): not compared;
- "undefined": a pole, outside the domain, or a complex result: not compared.

Rows whose results are all not compared are left out.

Regenerate: pip install mpmath && python3 tests/oracle/accuracy.py > tests/oracle/accuracy.tsv
Run with --check to also compare every hand-written derivative with mpmath's
numerical differentiation at ordinary points (slow; prints the worst disagreement).
"""

import math
import sys

import mpmath as m
from mpmath import mp, mpf

DIGITS = 50
MIN_NORMAL = 2.2250738585072014e-308
I32_MAX = 2147483647
I32_MIN = -2147483648


class Undefined(Exception):
    pass


def as_real(v):
    """An mpf, or Undefined for complex, infinite and NaN results."""
    if isinstance(v, int):
        v = mpf(v)
    if not isinstance(v, m.mpf):
        if isinstance(v, m.mpc) and v.imag == 0:
            v = v.real
        else:
            raise Undefined
    if not m.isfinite(v):
        raise Undefined
    return v


def at(f, args, digits):
    """f at the exact values of the f64 args with `digits` significant digits, or None."""
    with mp.workdps(digits):
        try:
            return as_real(f(*[mpf(a) for a in args]))
        except (Undefined, ValueError, ZeroDivisionError, TypeError):
            return None


def evaluate(f, args):
    """f at the exact values of the f64 args, at DIGITS digits: an mpf, or None where f is undefined.

    The result is checked against one at twice the digits; where the two differ
    in their first 40 digits (cancellation), the digits are doubled until they agree.
    """
    digits = DIGITS
    a = at(f, args, digits)
    while True:
        b = at(f, args, 2 * digits)
        if a is None and b is None:
            return None
        if a is not None and b is not None:
            with mp.workdps(2 * digits):
                if a == b or abs(a - b) <= abs(b) * mpf(10) ** -40:
                    if digits > DIGITS:
                        print(f"# raised to {digits} digits at {args!r}", file=sys.stderr)
                    return a
        if digits >= 3200:
            raise RuntimeError(f"no agreement at {args!r}: {a} vs {b}")
        digits *= 2
        a = b


def cell(v, zero_sign=None):
    """One result cell for the exact value v (an mpf or None)."""
    if v is None:
        return "undefined"
    if v == 0:
        if zero_sign is None:
            return "0"
        return "-0.0" if zero_sign < 0 else "+0.0"
    # Correctly rounded: mpf to a 45-digit decimal, Python parses it to the nearest f64.
    with mp.workdps(DIGITS):
        f = float(m.nstr(v, 45))
        if math.isinf(f):
            return "overflow"
        if abs(v) >= mpf(MIN_NORMAL):
            return repr(f)
        return "subnormal" if f != 0.0 else "underflow"


# ---------------------------------------------------------------------------
# Exact functions and derivatives. Each is written directly from its definition
# and its derivative's closed form; mpmath evaluates them at the exact inputs.


def sigmoid(x):
    return 1 / (1 + m.exp(-x))


def dsigmoid(x):
    return sigmoid(x) * sigmoid(-x)


def cbrt(x):
    return m.sign(x) * m.cbrt(abs(x))


def rnd(x):
    """Round half away from zero (f64::round)."""
    return m.sign(x) * m.floor(abs(x) + mpf(0.5))


def trunc(x):
    return m.sign(x) * m.floor(abs(x))


def zero(*_):
    return mpf(0)


def const(c):
    return lambda *_: mpf(c)


# name: (f, f', f'')
UNARY = {
    "neg": (lambda x: -x, const(-1), zero),
    "ln": (m.log, lambda x: 1 / x, lambda x: -1 / x**2),
    "exp": (m.exp, m.exp, m.exp),
    "sqrt": (m.sqrt, lambda x: 1 / (2 * m.sqrt(x)), lambda x: -1 / (4 * x * m.sqrt(x))),
    "sin": (m.sin, m.cos, lambda x: -m.sin(x)),
    "cos": (m.cos, lambda x: -m.sin(x), lambda x: -m.cos(x)),
    "tan": (m.tan, lambda x: m.sec(x) ** 2, lambda x: 2 * m.sec(x) ** 2 * m.tan(x)),
    "tanh": (m.tanh, lambda x: m.sech(x) ** 2, lambda x: -2 * m.sech(x) ** 2 * m.tanh(x)),
    "sigmoid": (sigmoid, dsigmoid, lambda x: dsigmoid(x) * -m.tanh(x / 2)),
    "relu": (lambda x: max(x, mpf(0)), lambda x: mpf(1 if x > 0 else 0), zero),
    "abs": (abs, lambda x: mpf(1 if x > 0 else -1), zero),
    "recip": (lambda x: 1 / x, lambda x: -1 / x**2, lambda x: 2 / x**3),
    "asin": (m.asin, lambda x: 1 / m.sqrt(1 - x**2), lambda x: x / m.sqrt(1 - x**2) ** 3),
    "acos": (m.acos, lambda x: -1 / m.sqrt(1 - x**2), lambda x: -x / m.sqrt(1 - x**2) ** 3),
    "atan": (m.atan, lambda x: 1 / (1 + x**2), lambda x: -2 * x / (1 + x**2) ** 2),
    "sinh": (m.sinh, m.cosh, m.sinh),
    "cosh": (m.cosh, m.sinh, m.cosh),
    "asinh": (m.asinh, lambda x: 1 / m.sqrt(x**2 + 1), lambda x: -x / m.sqrt(x**2 + 1) ** 3),
    "acosh": (m.acosh, lambda x: 1 / m.sqrt(x**2 - 1), lambda x: -x / m.sqrt(x**2 - 1) ** 3),
    "atanh": (m.atanh, lambda x: 1 / (1 - x**2), lambda x: 2 * x / (1 - x**2) ** 2),
    "log2": (lambda x: m.log(x, 2), lambda x: 1 / (x * m.log(2)), lambda x: -1 / (x**2 * m.log(2))),
    "log10": (m.log10, lambda x: 1 / (x * m.log(10)), lambda x: -1 / (x**2 * m.log(10))),
    "ln_1p": (m.log1p, lambda x: 1 / (1 + x), lambda x: -1 / (1 + x) ** 2),
    "exp_m1": (m.expm1, m.exp, m.exp),
    "exp2": (lambda x: 2**x, lambda x: 2**x * m.log(2), lambda x: 2**x * m.log(2) ** 2),
    "cbrt": (cbrt, lambda x: 1 / (3 * cbrt(x) ** 2), lambda x: -2 / (9 * cbrt(x) ** 5)),
    "softplus": (lambda x: m.log1p(m.exp(x)), sigmoid, dsigmoid),
    "erf": (m.erf, lambda x: 2 / m.sqrt(m.pi) * m.exp(-(x**2)),
            lambda x: -4 * x / m.sqrt(m.pi) * m.exp(-(x**2))),
    "erfc": (m.erfc, lambda x: -2 / m.sqrt(m.pi) * m.exp(-(x**2)),
             lambda x: 4 * x / m.sqrt(m.pi) * m.exp(-(x**2))),
    # Piecewise constant: derivative 0 by convention, away from the jumps.
    "signum": (m.sign, zero, zero),
    "floor": (m.floor, zero, zero),
    "ceil": (m.ceil, zero, zero),
    "round": (rnd, zero, zero),
    "trunc": (trunc, zero, zero),
    "fract": (lambda x: x - trunc(x), const(1), zero),
    "to_degrees": (lambda x: x * 180 / m.pi, lambda x: 180 / m.pi, zero),
    "to_radians": (lambda x: x * m.pi / 180, lambda x: m.pi / 180, zero),
}


def signed(xs):
    return xs + [-x for x in xs]


WIDE = [1e-300, 1e-8, 0.1, 0.5, 1.0, 1.5, 1.9999999999999998, 2.0, 2.5, 5.0, 20.0, 40.0, 700.0, 1e300]
ZEROS = [0.0, -0.0]
NEAR_ONE = [0.1, 0.49999999999999994, 0.5, 0.7, 0.9, 0.999, 0.9999999]
# Near the zeros of sin and cos (pi/2 and pi rounded to f64), where their values cancel.
TRIG = [1e-300, 1e-8, 0.5, 1.5, 1.5707963267948966, 3.0, 3.141592653589793, 20.0, 40.0, 700.0, 1e22, 1e300]
STEPS = signed([1e-300, 0.3, 0.7, 2.7, 123456.789])  # away from the integers (the jumps) and halves

POINTS = {
    "neg": ZEROS + signed(WIDE),
    "ln": [5e-324, 1e-300, 1e-8, 0.5, 0.999, 1.0, 1.001, 2.0, 700.0, 1e300, 1.7976931348623157e308],
    "exp": ZEROS + signed([1e-300, 1e-8, 1.0, 20.0, 40.0, 700.0]) + [-708.0, 709.0],
    "sqrt": [0.0, 5e-324, 1e-300, 1e-8, 0.5, 2.0, 700.0, 1e300, 1.7976931348623157e308],
    "sin": ZEROS + signed(TRIG),
    "cos": ZEROS + signed(TRIG),
    "tan": ZEROS + signed(TRIG + [1.0]),
    "tanh": ZEROS + signed(WIDE),
    "sigmoid": ZEROS + signed(WIDE),
    "relu": signed([1e-300, 1e-8, 1.5, 700.0, 1e300]),
    "abs": signed([1e-300, 1e-8, 1.5, 700.0, 1e300]),
    "recip": signed([1e-300, 1e-8, 0.5, 3.0, 700.0, 1e300]),
    "asin": ZEROS + signed([1e-300, 1e-8] + NEAR_ONE + [1.0]),
    "acos": ZEROS + signed([1e-300, 1e-8] + NEAR_ONE + [1.0]),
    "atan": ZEROS + signed([1e-300, 1e-8, 0.5, 0.9999999999999999, 1.0, 1.0000000000000002, 20.0, 40.0, 700.0, 1e100, 1e150, 1e300]),
    "sinh": ZEROS + signed([1e-300, 1e-8, 0.5, 1.0, 20.0, 40.0, 700.0, 710.0]),
    "cosh": ZEROS + signed([1e-300, 1e-8, 0.5, 1.0, 20.0, 40.0, 700.0, 710.0]),
    "asinh": ZEROS + signed([1e-300, 1e-8, 0.5, 1.0, 20.0, 40.0, 700.0, 1e150, 1e300]),
    "acosh": [1.0, 1.0000001, 1.001, 1.5, 2.0, 20.0, 40.0, 700.0, 1e150, 1e300],
    "atanh": ZEROS + signed([1e-300, 1e-8] + NEAR_ONE),
    "log2": [5e-324, 1e-300, 1e-8, 0.5, 0.999, 1.0, 1.001, 2.0, 8.0, 700.0, 1e300],
    "log10": [5e-324, 1e-300, 1e-8, 0.5, 0.999, 1.0, 1.001, 2.0, 1000.0, 700.0, 1e300],
    "ln_1p": ZEROS + [5e-324, 1e-300, 1e-8, 0.5, 2.0, 700.0, 1e300]
             + [-1e-300, -1e-8, -0.5, -0.999, -0.9999999],
    "exp_m1": ZEROS + signed([1e-300, 1e-8, 1.0, 20.0, 40.0, 700.0]) + [709.0],
    "exp2": ZEROS + signed([1e-300, 1e-8, 0.5, 1.0, 40.0, 700.0, 1000.0]) + [1023.0, -1022.0],
    "cbrt": ZEROS + signed([5e-324, 1e-300, 1e-8, 0.5, 2.0, 27.0, 700.0, 1e300]),
    "softplus": ZEROS + signed(WIDE),
    "erf": ZEROS + signed([1e-300, 1e-8, 0.1, 0.5, 1.0, 2.5, 5.0, 20.0, 26.0, 27.0]),
    "erfc": ZEROS + signed([1e-300, 1e-8, 0.1, 0.5, 1.0, 2.5, 5.0, 20.0, 26.0, 27.0]),
    "signum": signed([1e-300, 2.7, 1e300]),
    "floor": STEPS,
    "ceil": STEPS,
    "round": STEPS,
    "trunc": STEPS,
    # The fractional part is continuous at 0 but f64::fract(-0.0) is +0.0 (-0 - -0), not
    # the limit's -0.0: no zeros. 2^52 - 0.5 and 1e300 (an integer) are at f64's edge.
    "fract": STEPS + signed([4503599627370495.5, 1e300]),
    "to_degrees": ZEROS + signed([5e-324, 1e-300, 1e-8, 0.5, 1.0, 3.141592653589793, 180.0, 700.0, 1e300]),
    "to_radians": ZEROS + signed([5e-324, 1e-300, 1e-8, 0.5, 1.0, 57.29577951308232, 180.0, 700.0, 1e300]),
}


def power(x, c):
    return x**c


def dpower(x, c):
    return c * x ** (c - 1) if c != 0 else mpf(0)


def d2power(x, c):
    return c * (c - 1) * x ** (c - 2) if c not in (0, 1) else mpf(0)


def greater(x, c):
    return mpf(1 if x > c else 0)


def smaller(x, c):
    return mpf(1 if x < c else 0)


def clamp(x, lo, hi):
    return min(max(x, lo), hi)


def inside(x, lo, hi):
    return mpf(1 if lo < x < hi else 0)


POWF_X = [1e-300, 1e-8, 0.5, 2.0, 20.0, 700.0, 1e300]
POWI_X = [1.0000001, 0.9999999, 0.5, 2.0, -1.5, 1e-8, 1e100, 0.0]
ANGLES = [0.0, 1e-300, 1e-8, 0.5, -3.0, 40.0, 1e300]
SIDES = [0.0, 1e-300, 1e-8, 0.5, -3.0, 40.0, 1e200, 1e300, -1e300]
EXPONENTS = [-1000.0, -700.0, -40.0, -1.0, -0.0, 0.0, 1e-300, 1e-8, 0.5, 3.0, 40.0, 700.0, 1000.0]
LOG_X = [5e-324, 1e-300, 1e-8, 0.5, 0.999, 1.0, 1.001, 2.0, 700.0, 1e300]
CUTS = [-1e300, -1.5, -1e-300, 1e-300, 2.5, 1e300]

# Ops with f64 constants: name -> (f, f', f'', [(constants, x), ...]); f takes (x, *constants).
WITH_CONST = {
    "powf": (power, dpower, d2power,
             [((c,), x) for c in [0.5, 1.5, -2.5, 3.0, -1.0, 1 / 3, 100.0, 1e-8] for x in POWF_X]
             + [((c,), x) for c in [2.0, 3.0, -1.0, 100.0] for x in [-1.5, -0.5, 0.0]]),
    "powi": (power, dpower, d2power,
             [((n,), x) for n in [0, 1, 2, 3, -1, -2, 10, 100, -100, I32_MAX, I32_MIN] for x in POWI_X]),
    "log": (lambda x, b: m.log(x) / m.log(b), lambda x, b: 1 / (x * m.log(b)),
            lambda x, b: -1 / (x**2 * m.log(b)),
            [((b,), x) for b in [10.0, 2.0, 0.5, math.e] for x in LOG_X]),
    "atan2": (m.atan2, lambda x, c: c / (x**2 + c**2), lambda x, c: -2 * x * c / (x**2 + c**2) ** 2,
              [((c,), x) for c in [1.0, -2.0, 1e-8, 0.0, 1e300] for x in ANGLES]),
    "hypot": (lambda x, c: m.sqrt(x**2 + c**2), lambda x, c: x / m.sqrt(x**2 + c**2),
              lambda x, c: c**2 / m.sqrt(x**2 + c**2) ** 3,
              [((c,), x) for c in [1.0, 3.0, 1e-8, 0.0, 1e300] for x in SIDES]),
    "cpow": (lambda x, c: c**x, lambda x, c: c**x * m.log(c), lambda x, c: c**x * m.log(c) ** 2,
             [((c,), x) for c in [2.0, 10.0, 0.5] for x in EXPONENTS]),
    "max": (max, greater, zero, [((c,), x) for c in [0.0, 2.0, -1e300] for x in CUTS if x != c]),
    "min": (min, smaller, zero, [((c,), x) for c in [0.0, 2.0, -1e300] for x in CUTS if x != c]),
    "abs_sub": (lambda x, c: max(x - c, mpf(0)), greater, zero,
                [((c,), x) for c in [0.0, 2.0, -1e300] for x in CUTS if x != c]),
    "clamp": (clamp, inside, zero,
              [(b, x) for b in [(-1.0, 1.0), (0.0, 1e300)] for x in [-2.0, -0.5, 1e-300, 0.5, 2.0]]),
}


def r2(x, y):
    return x**2 + y**2


def h(x, y):
    return m.sqrt(r2(x, y))


# Two-input ops: name -> (f, (fx, fy), (fxx, fxy, fyy), [(x, y), ...])
BINARY = {
    "mul": (lambda x, y: x * y, (lambda x, y: y, lambda x, y: x), (zero, const(1), zero),
            [(2.0, 3.0), (-1e-8, 5.0), (-0.5, -7.0), (1e150, 1e-150), (1e300, 1e-300), (1e200, 1e200),
             (0.0, 3.0)]),
    "div": (lambda x, y: x / y, (lambda x, y: 1 / y, lambda x, y: -x / y**2),
            (zero, lambda x, y: -1 / y**2, lambda x, y: 2 * x / y**3),
            [(2.0, 3.0), (1e-8, 5.0), (-7.0, 1e-8), (1.0, 1e150), (1e300, 3.0), (0.0, 2.0),
             (-3.0, -1e-300)]),
    "pow": (lambda x, y: x**y, (lambda x, y: y * x ** (y - 1), lambda x, y: x**y * m.log(x)),
            (lambda x, y: y * (y - 1) * x ** (y - 2), lambda x, y: x ** (y - 1) * (1 + y * m.log(x)),
             lambda x, y: x**y * m.log(x) ** 2),
            [(2.0, 3.0), (0.5, -1.5), (3.0, 0.5), (1.0000001, 1e6), (1e-300, 0.5), (700.0, 100.0),
             (2.0, -1000.0), (0.999, 700.0), (10.0, -300.0), (2.0, 0.0), (1.0, 2.5)]),
    "atan2": (m.atan2, (lambda x, y: y / r2(x, y), lambda x, y: -x / r2(x, y)),
              (lambda x, y: -2 * x * y / r2(x, y) ** 2, lambda x, y: (x**2 - y**2) / r2(x, y) ** 2,
               lambda x, y: 2 * x * y / r2(x, y) ** 2),
              [(1.0, 1.0), (1e-8, 2.0), (-3.0, 0.5), (2.0, -5.0), (0.0, -1.0), (-1e-300, -1.0),
               (3.0, 0.0), (1.0, 1e-300), (1e-300, 1.0), (1e140, 1e140), (3e140, -1e140), (1e-140, 3e-140),
               (1e150, 1e150), (1e-145, 1e-145), (1e-300, 1e-300)]),
    "hypot": (lambda x, y: h(x, y), (lambda x, y: x / h(x, y), lambda x, y: y / h(x, y)),
              (lambda x, y: y**2 / h(x, y) ** 3, lambda x, y: -x * y / h(x, y) ** 3,
               lambda x, y: x**2 / h(x, y) ** 3),
              [(3.0, 4.0), (1e-8, 2.0), (-5.0, 0.5), (0.0, 2.0), (1e200, 1e200), (1e300, 1e300),
               (1e-300, 1e-300), (1e300, 1.0), (-1e-8, -1e8), (1.0, 1e-8), (1e150, 3e150), (1e140, 1e-140)]),
    "max": (max, (lambda x, y: mpf(x > y), lambda x, y: mpf(y > x)), (zero, zero, zero),
            [(2.0, 3.0), (3.0, 2.0), (-1e300, 1e-300), (-0.5, -0.25)]),
    "min": (min, (lambda x, y: mpf(x < y), lambda x, y: mpf(y < x)), (zero, zero, zero),
            [(2.0, 3.0), (3.0, 2.0), (-1e300, 1e-300), (-0.5, -0.25)]),
    "abs_sub": (lambda x, y: max(x - y, mpf(0)), (lambda x, y: mpf(x > y), lambda x, y: -mpf(x > y)),
                (zero, zero, zero),
                [(3.0, 2.0), (2.0, 3.0), (1e300, -1e300), (-1e300, 1e300), (1e-300, -1e-300), (0.5, -0.25),
                 (-0.5, -0.25), (7.0, 1e-8)]),
}


def zero_sign(f, x):
    """The sign IEEE gives f's zero at the signed-zero input x: the sign of f near x on x's side."""
    with mp.workdps(DIGITS):
        v = f(mpf(math.copysign(1e-300, x)) * mpf(10) ** -700)
    return -1 if v < 0 else 1


def emit(name, constant, inputs, cells):
    if all(c in ("undefined", "subnormal", "underflow", "overflow") for c in cells[0] + cells[1] + cells[2]):
        return 0
    print("\t".join([name, constant, ",".join(repr(x) for x in inputs)] + [",".join(c) for c in cells]))
    return 1


def main():
    mp.dps = DIGITS
    print("# op\tconstant\tinput\tvalue\tfirst\tsecond")
    print(f"# generated by tests/oracle/accuracy.py (mpmath {m.__version__}, {DIGITS} digits); do not edit")
    rows = 0
    for name, (f, d1, d2) in UNARY.items():
        for x in POINTS[name]:
            v = evaluate(f, [x])
            sign = zero_sign(f, x) if x == 0.0 else None
            cells = [[cell(v, sign)], [cell(evaluate(d1, [x]))], [cell(evaluate(d2, [x]))]]
            rows += emit(name, "-", [x], cells)
    for name, (f, d1, d2, points) in WITH_CONST.items():
        for constants, x in points:
            args = [x, *constants]
            cells = [[cell(evaluate(g, args))] for g in (f, d1, d2)]
            rows += emit(name, ",".join(repr(c) for c in constants), [x], cells)
    for name, (f, (fx, fy), (fxx, fxy, fyy), points) in BINARY.items():
        for x, y in points:
            cells = [[cell(evaluate(f, [x, y]))], [cell(evaluate(g, [x, y])) for g in (fx, fy)],
                     [cell(evaluate(g, [x, y])) for g in (fxx, fxy, fyy)]]
            rows += emit(name, "-", [x, y], cells)
    print(f"# {rows} rows", file=sys.stderr)


def check():
    """Hand-written derivatives against mpmath's numerical differentiation at ordinary points."""
    mp.dps = 30
    worst = (0, None)

    def compare(label, exact, numeric):
        nonlocal worst
        if exact is None or numeric == 0 and exact == 0:
            return
        err = abs(exact - numeric) / max(abs(numeric), mpf(10) ** -20)
        if err > worst[0]:
            worst = (err, label)
        if err > mpf(10) ** -15:
            print(f"MISMATCH {label}: {exact} vs {numeric}")

    ordinary = [0.3, 0.7, 1.3, 2.6, -0.4, -1.7]
    for name, (f, d1, d2) in UNARY.items():
        for x in ordinary:
            try:
                as_real(f(mpf(x)))
            except (Undefined, ValueError, ZeroDivisionError):
                continue
            if name in ("floor", "ceil", "round", "trunc", "signum", "relu", "abs", "fract"):
                continue
            compare(f"{name}'({x})", evaluate(d1, [x]), m.diff(f, mpf(x), 1))
            compare(f"{name}''({x})", evaluate(d2, [x]), m.diff(f, mpf(x), 2))
    for name, (f, d1, d2, _) in WITH_CONST.items():
        if name in ("max", "min", "clamp", "abs_sub"):
            continue
        for c in [0.5, 3.0, 2.0]:
            for x in [0.3, 1.3, 2.6]:
                compare(f"{name}'({x}, {c})", evaluate(d1, [x, c]), m.diff(lambda t: f(t, mpf(c)), mpf(x), 1))
                compare(f"{name}''({x}, {c})", evaluate(d2, [x, c]), m.diff(lambda t: f(t, mpf(c)), mpf(x), 2))
    for name, (f, grads, hess, _) in BINARY.items():
        if name in ("max", "min", "abs_sub"):
            continue
        for x, y in [(0.3, 1.7), (2.6, 0.4), (1.3, -0.8)]:
            if name == "pow" and x <= 0:
                continue
            X, Y = mpf(x), mpf(y)
            for g, (i, j) in zip(grads, [(1, 0), (0, 1)]):
                compare(f"{name}_{i}{j}({x},{y})", evaluate(g, [x, y]), m.diff(f, (X, Y), (i, j)))
            for g, (i, j) in zip(hess, [(2, 0), (1, 1), (0, 2)]):
                compare(f"{name}_{i}{j}({x},{y})", evaluate(g, [x, y]), m.diff(f, (X, Y), (i, j)))
    print(f"worst relative disagreement: {m.nstr(worst[0], 3)} at {worst[1]}")


if __name__ == "__main__":
    if "--check" in sys.argv:
        check()
    else:
        main()
