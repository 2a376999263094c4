"""Exact values, first and second derivatives of tapegrad's ops, for tests/tests/accuracy.rs.

Each row: op name, the constant (or "-"), the input x (or "x,y" for two-input ops),
the value, the first derivative(s), the second derivative(s), each exact to 50 digits
(mpmath) and printed as the nearest f64 (shortest round trip), "nan" where undefined.
For two-input ops the derivatives are (d/dx, d/dy) and (d2/dx2, d2/dxdy, d2/dy2).

Regenerate with: pip install mpmath && python3 tests/oracle/accuracy.py > tests/oracle/accuracy.tsv
"""

from mpmath import mp, mpf
import mpmath as m

mp.dps = 50


def f64(v):
    try:
        x = float(v)
    except (ValueError, TypeError, OverflowError):
        return "nan"
    return repr(x)


def sigmoid(x):
    return 1 / (1 + m.exp(-x))


def cbrt(x):
    return m.sign(x) * m.cbrt(abs(x))


def softplus(x):
    return m.log1p(m.exp(x))


# name: (function of x [and the constant c], exact first and second derivatives, points)
U = {
    "neg": (lambda x: -x, lambda x: -1, lambda x: 0),
    "ln": (m.log, lambda x: 1 / x, lambda x: -1 / x**2),
    "exp": (m.exp, m.exp, m.exp),
    "sqrt": (m.sqrt, lambda x: 1 / (2 * m.sqrt(x)), lambda x: -1 / (4 * x * m.sqrt(x))),
    "sin": (m.sin, m.cos, lambda x: -m.sin(x)),
    "cos": (m.cos, lambda x: -m.sin(x), lambda x: -m.cos(x)),
    "tan": (m.tan, lambda x: m.sec(x) ** 2, lambda x: 2 * m.sec(x) ** 2 * m.tan(x)),
    "tanh": (m.tanh, lambda x: m.sech(x) ** 2, lambda x: -2 * m.sech(x) ** 2 * m.tanh(x)),
    "sigmoid": (sigmoid, lambda x: sigmoid(x) * sigmoid(-x),
                lambda x: sigmoid(x) * sigmoid(-x) * (-m.tanh(x / 2))),
    "relu": (lambda x: max(x, 0), lambda x: 1 if x > 0 else 0, lambda x: 0),
    "abs": (abs, lambda x: 1 if x > 0 else -1, lambda x: 0),
    "recip": (lambda x: 1 / x, lambda x: -1 / x**2, lambda x: 2 / x**3),
    "asin": (m.asin, lambda x: 1 / m.sqrt(1 - x**2), lambda x: x / (1 - x**2) ** mpf(1.5)),
    "acos": (m.acos, lambda x: -1 / m.sqrt(1 - x**2), lambda x: -x / (1 - x**2) ** mpf(1.5)),
    "atan": (m.atan, lambda x: 1 / (1 + x**2), lambda x: -2 * x / (1 + x**2) ** 2),
    "sinh": (m.sinh, m.cosh, m.sinh),
    "cosh": (m.cosh, m.sinh, m.cosh),
    "asinh": (m.asinh, lambda x: 1 / m.sqrt(x**2 + 1), lambda x: -x / (x**2 + 1) ** mpf(1.5)),
    "acosh": (m.acosh, lambda x: 1 / m.sqrt(x**2 - 1), lambda x: -x / (x**2 - 1) ** mpf(1.5)),
    "atanh": (m.atanh, lambda x: 1 / (1 - x**2), lambda x: 2 * x / (1 - x**2) ** 2),
    "log2": (lambda x: m.log(x, 2), lambda x: 1 / (x * m.log(2)), lambda x: -1 / (x**2 * m.log(2))),
    "log10": (m.log10, lambda x: 1 / (x * m.log(10)), lambda x: -1 / (x**2 * m.log(10))),
    "ln_1p": (m.log1p, lambda x: 1 / (1 + x), lambda x: -1 / (1 + x) ** 2),
    "exp_m1": (m.expm1, m.exp, m.exp),
    "exp2": (lambda x: 2**x, lambda x: 2**x * m.log(2), lambda x: 2**x * m.log(2) ** 2),
    "cbrt": (cbrt, lambda x: 1 / (3 * cbrt(x) ** 2), lambda x: -2 / (9 * cbrt(x) ** 5)),
    "softplus": (softplus, sigmoid, lambda x: sigmoid(x) * sigmoid(-x)),
    "erf": (m.erf, lambda x: 2 / m.sqrt(m.pi) * m.exp(-x**2),
            lambda x: -4 * x / m.sqrt(m.pi) * m.exp(-x**2)),
    "erfc": (m.erfc, lambda x: -2 / m.sqrt(m.pi) * m.exp(-x**2),
             lambda x: 4 * x / m.sqrt(m.pi) * m.exp(-x**2)),
}

WIDE = [1e-300, 1e-8, 0.1, 0.5, 1.0, 2.5, 20.0, 40.0, 700.0]
SIGNED = WIDE + [-x for x in WIDE]
POINTS = {
    "neg": SIGNED,
    "ln": [1e-300, 1e-8, 0.5, 0.999, 1.001, 2.0, 700.0, 1e300],
    "exp": [-700.0, -40.0, -20.0, -1.0, -1e-8, 1e-300, 1e-8, 1.0, 20.0, 40.0, 700.0],
    "sqrt": [1e-300, 1e-8, 0.5, 2.0, 700.0, 1e300],
    "sin": [1e-300, 1e-8, 0.5, 1.5, 3.0, -2.0, 20.0, -40.0, 700.0],
    "cos": [1e-300, 1e-8, 0.5, 1.5, 3.0, -2.0, 20.0, -40.0, 700.0],
    "tan": [1e-300, 1e-8, 0.5, 1.5, -1.0, 20.0, -40.0],
    "tanh": SIGNED,
    "sigmoid": SIGNED,
    "relu": [1e-300, 1e-8, 1.5, 700.0, 1e300, -1e-300, -1.5, -700.0],
    "abs": [1e-300, 1.5, 700.0, 1e300, -1e-300, -1.5, -700.0, -1e300],
    "recip": [1e-300, 1e-8, 0.5, 3.0, 700.0, 1e300, -1e-8, -3.0],
    "asin": [1e-300, 1e-8, 0.1, 0.5, 0.9, 0.999, -0.999, -0.5],
    "acos": [1e-300, 1e-8, 0.1, 0.5, 0.9, 0.999, -0.999, -0.5],
    "atan": [1e-300, 1e-8, 0.5, 1.0, 20.0, 40.0, 700.0, -2.0, 1e100],
    "sinh": [1e-300, 1e-8, 0.5, 1.0, 20.0, 40.0, 700.0, -2.0, -40.0],
    "cosh": [1e-300, 1e-8, 0.5, 1.0, 20.0, 40.0, 700.0, -2.0, -40.0],
    "asinh": [1e-300, 1e-8, 0.5, 1.0, 20.0, 40.0, 700.0, 1e300, -2.0, -1e300],
    "acosh": [1.001, 1.5, 2.0, 20.0, 40.0, 700.0, 1e300],
    "atanh": [1e-300, 1e-8, 0.1, 0.5, 0.9, 0.999, -0.999, -0.5],
    "log2": [1e-300, 1e-8, 0.5, 0.999, 1.001, 2.0, 700.0, 1e300],
    "log10": [1e-300, 1e-8, 0.5, 0.999, 1.001, 2.0, 700.0, 1e300],
    "ln_1p": [1e-300, 1e-8, 0.5, 2.0, 700.0, 1e300, -1e-8, -0.5, -0.999],
    "exp_m1": [-700.0, -40.0, -1.0, -1e-8, 1e-300, 1e-8, 1.0, 20.0, 40.0, 700.0],
    "exp2": [-700.0, -40.0, -1.0, -1e-8, 1e-300, 1e-8, 1.0, 20.0, 40.0, 700.0],
    "cbrt": [1e-300, 1e-8, 0.5, 2.0, 700.0, 1e300, -1e-8, -2.0, -1e300],
    "softplus": SIGNED,
    "erf": [1e-300, 1e-8, 0.1, 0.5, 1.0, 2.5, 5.0, 20.0, -0.5, -5.0],
    "erfc": [1e-300, 1e-8, 0.1, 0.5, 1.0, 2.5, 5.0, 20.0, 26.0, -0.5, -5.0],
}

# Ops with an f64 constant: name -> (f(x, c), f', f'', constants, points)
C = {
    "powf": (lambda x, c: x**c, lambda x, c: c * x ** (c - 1), lambda x, c: c * (c - 1) * x ** (c - 2),
             [0.5, 1.5, -2.5, 3.0], [1e-8, 0.5, 2.0, 20.0, 700.0]),
    "powi": (lambda x, c: x**c, lambda x, c: c * x ** (c - 1), lambda x, c: c * (c - 1) * x ** (c - 2),
             [2, 3, -1, 10, 100, -100, 2147483647, -2147483648], [1.0000001, 0.9999999, 0.5, 2.0, -1.5]),
    "log": (lambda x, c: m.log(x) / m.log(c), lambda x, c: 1 / (x * m.log(c)),
            lambda x, c: -1 / (x**2 * m.log(c)), [10.0, 2.0, 0.5], [1e-8, 0.5, 2.0, 700.0]),
    "atan2": (lambda x, c: m.atan2(x, c), lambda x, c: c / (x**2 + c**2),
              lambda x, c: -2 * x * c / (x**2 + c**2) ** 2, [1.0, -2.0, 1e-8], [1e-8, 0.5, -3.0, 40.0]),
    "hypot": (lambda x, c: m.sqrt(x**2 + c**2), lambda x, c: x / m.sqrt(x**2 + c**2),
              lambda x, c: c**2 / m.sqrt(x**2 + c**2) ** 3, [1.0, 3.0, 1e-8], [1e-8, 0.5, -3.0, 40.0, 1e200]),
    "cpow": (lambda x, c: c**x, lambda x, c: c**x * m.log(c), lambda x, c: c**x * m.log(c) ** 2,
             [2.0, 10.0, 0.5], [-40.0, -1.0, 1e-8, 0.5, 3.0, 40.0]),
}


def r2(x, y):
    return x**2 + y**2


# Two-input ops: name -> (f, (fx, fy), (fxx, fxy, fyy), points)
B = {
    "mul": (lambda x, y: x * y, (lambda x, y: y, lambda x, y: x),
            (lambda x, y: 0, lambda x, y: 1, lambda x, y: 0), [(2.0, 3.0), (-1e-8, 5.0), (1e150, 1e-150)]),
    "div": (lambda x, y: x / y, (lambda x, y: 1 / y, lambda x, y: -x / y**2),
            (lambda x, y: 0, lambda x, y: -1 / y**2, lambda x, y: 2 * x / y**3),
            [(2.0, 3.0), (1e-8, 5.0), (-7.0, 1e-8)]),
    "pow": (lambda x, y: x**y, (lambda x, y: y * x ** (y - 1), lambda x, y: x**y * m.log(x)),
            (lambda x, y: y * (y - 1) * x ** (y - 2), lambda x, y: x ** (y - 1) * (1 + y * m.log(x)),
             lambda x, y: x**y * m.log(x) ** 2),
            [(2.0, 3.0), (0.5, -1.5), (3.0, 0.5), (1.0000001, 1e6)]),
    "atan2": (lambda x, y: m.atan2(x, y), (lambda x, y: y / r2(x, y), lambda x, y: -x / r2(x, y)),
              (lambda x, y: -2 * x * y / r2(x, y) ** 2, lambda x, y: (x**2 - y**2) / r2(x, y) ** 2,
               lambda x, y: 2 * x * y / r2(x, y) ** 2),
              [(1.0, 1.0), (1e-8, 2.0), (-3.0, 0.5), (2.0, -5.0)]),
    "hypot": (lambda x, y: m.sqrt(r2(x, y)), (lambda x, y: x / m.sqrt(r2(x, y)), lambda x, y: y / m.sqrt(r2(x, y))),
              (lambda x, y: y**2 / m.sqrt(r2(x, y)) ** 3, lambda x, y: -x * y / m.sqrt(r2(x, y)) ** 3,
               lambda x, y: x**2 / m.sqrt(r2(x, y)) ** 3),
              [(3.0, 4.0), (1e-8, 2.0), (1e200, 1e200), (-5.0, 0.5)]),
}


def row(*cells):
    print("\t".join(str(c) for c in cells))


print("# op\tconstant\tinput\tvalue\tfirst\tsecond")
print("# generated by tests/oracle/accuracy.py (mpmath, 50 digits); do not edit")
for name, (f, d1, d2) in U.items():
    for x in POINTS[name]:
        X = mpf(x)
        try:
            v, a, b = f(X), d1(X), d2(X)
        except (ValueError, ZeroDivisionError):
            continue
        row(name, "-", repr(x), f64(v), f64(a), f64(b))

for name, (f, d1, d2, consts, points) in C.items():
    for c in consts:
        for x in points:
            X, K = mpf(x), mpf(c)
            row(name, repr(c), repr(x), f64(f(X, K)), f64(d1(X, K)), f64(d2(X, K)))

for name, (f, (fx, fy), (fxx, fxy, fyy), points) in B.items():
    for (x, y) in points:
        X, Y = mpf(x), mpf(y)
        first = ",".join(f64(g(X, Y)) for g in (fx, fy))
        second = ",".join(f64(g(X, Y)) for g in (fxx, fxy, fyy))
        row(name, "-", f"{x!r},{y!r}", f64(f(X, Y)), first, second)
