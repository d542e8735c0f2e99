"""More of numpy's elementwise math under numpy's names: hypot, logaddexp, logaddexp2,
exp2, fmax, fmin, copysign, sinc, deg2rad/radians, rad2deg/degrees, arccosh, arctanh,
cbrt, fabs, rint, fix, around, positive, negative, float_power; predicates signbit,
isneginf, isposinf, isreal (no gradient).

All are composites of the primitive table (no backward code). Where the math has a
kink the gradient follows am.abs (0 at the kink of |x|), where it has a tie between
two operands am.maximum (the gradient split in half), and where the slope is infinite
am.sqrt (inf, not NaN: arccosh at 1, arctanh at +-1, cbrt at 0).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import primitives as P
from .engine import composite, no_grad
from .functions import (
    _ufunc_float, abs, as_tensor, maximum, minimum, round, sqrt, trunc, where,
)
from .creation import _full
from .logic import logical_and, logical_or
from .selection import _not_replayable
from .tensor import FLOAT16, Tensor

_LN2 = math.log(2.0)
_LOG2E = 1.0 / math.log(2.0)


def _operand(v: Any) -> Tensor:
    return v if isinstance(v, Tensor) else as_tensor(v)


def _binary(op: str, x1: Any, x2: Any) -> tuple[Tensor, Tensor]:
    """x1 and x2 as tensors of the float dtype numpy's binary ufuncs give them together:
    a Python number is weak (it does not upcast a float32 tensor) and becomes a constant
    0-d tensor of that dtype; integers and bools become floats. Shapes must broadcast."""
    weak = [type(v) in (int, float, bool) for v in (x1, x2)]
    x = x1 if weak[0] else _operand(x1)
    y = x2 if weak[1] else _operand(x2)
    shapes = [() if w else t.shape for w, t in zip(weak, (x, y))]
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(f"{op}: shapes {shapes[0]} and {shapes[1]} do not broadcast") from None
    dt = np.result_type(*(v if w else v.dtype for w, v in zip(weak, (x, y))))
    if dt.kind == "c":
        raise TypeError(f"{op}: complex input (shapes {shapes[0]} and {shapes[1]}) is not supported")
    if dt.kind in "biu":  # (numpy's loop: the first float dtype each operand casts to safely, so
        # int8 with uint8 is float16, not int16's float32; two Python numbers are int64 or bool to numpy)
        own = [np.asarray(v).dtype if all(weak) else dt if w else v.dtype for w, v in zip(weak, (x, y))]
        dt = np.result_type(*(np.result_type(d, np.float16) for d in own))
    out = []
    for w, v in zip(weak, (x, y)):
        if w:
            out.append(_full((), v, dt, False, True))
        else:
            out.append(v if v.dtype == dt else v.astype(dt))
    return out[0], out[1]


def _real_float(op: str, x: Any) -> Tensor:
    x = as_tensor(x)
    if x.dtype.kind == "c":
        raise TypeError(f"{op}: complex input (shape {x.shape}) is not supported")
    return _ufunc_float(x)


@composite
def hypot(x1: Any, x2: Any) -> Tensor:
    """sqrt(x1**2 + x2**2) elementwise, as np.hypot (x1 and x2 broadcast together), without
    overflow or underflow: m * sqrt((x1/m)**2 + (x2/m)**2) with m = max(|x1|, |x2|) (the
    result does not depend on m, so neither does its gradient). inf wins over NaN, as numpy.
    Gradient (x1, x2) / hypot; at the origin, a kink, 0 (as am.abs at 0); beside an
    infinite operand its limit, +-1 for the infinity (as |x|'s) and 0 for the other, second
    derivatives 0 (no inf / inf or inf * 0)."""
    x, y = _binary("hypot", x1, x2)
    ax, ay = abs(x), abs(y)
    inf = logical_or(ax == np.inf, ay == np.inf)
    big = where(ax == np.inf, ax, ay)  # (the infinity, slope +-1 as |x|'s, and second derivative 0)
    x, y = where(inf, 0.0, x), where(inf, 0.0, y)  # (no inf below: inf * 0 would make NaN gradients)
    m = maximum(abs(x), abs(y))
    zero = m == 0
    safe = where(zero, 1.0, m)
    a, b = x / safe, y / safe
    s = a * a + b * b  # (in [1, 2] unless both are 0)
    r = safe * sqrt(where(zero, 1.0, s))
    return where(inf, big, where(zero, 0.0, r))


def _log_add(op: str, x1: Any, x2: Any, log1p_of: Any) -> Tensor:
    """The larger of x1, x2 plus log1p_of(smaller - larger); infinite ties give the infinity."""
    x, y = _binary(op, x1, x2)
    if x.dtype == FLOAT16:  # (numpy's float16 loop computes in float32: near 0 float16 steps lose all digits)
        return _log_add(op, x.astype(np.float32), y.astype(np.float32), log1p_of).astype(FLOAT16)
    first = x > y
    hi = where(first, x, y)
    lo = where(first, y, x)
    same_inf = logical_and(x == y, abs(x) == np.inf)  # (inf - inf would be NaN: the answer is x itself)
    d = where(same_inf, 0.0, lo) - where(same_inf, 0.0, hi)
    hi = where(same_inf, x * 0.5 + y * 0.5, hi)  # (a tie: the gradient in half, as elsewhere)
    return hi + where(same_inf, 0.0, log1p_of(d))


@composite
def logaddexp(x1: Any, x2: Any) -> Tensor:
    """log(exp(x1) + exp(x2)) elementwise, as np.logaddexp, without overflow: the larger one
    plus log1p(exp(smaller - larger)); x1 and x2 broadcast together. Gradient
    exp(x_i - result) each (1/2 each on a tie; smooth everywhere)."""
    return _log_add("logaddexp", x1, x2, lambda d: P.log1p.apply(P.exp.apply(d)))


@composite
def logaddexp2(x1: Any, x2: Any) -> Tensor:
    """log2(2**x1 + 2**x2) elementwise, as np.logaddexp2: the larger plus
    log2(1 + 2**(smaller - larger)). Gradient 2**(x_i - result) each."""
    return _log_add("logaddexp2", x1, x2, lambda d: P.log1p.apply(exp2(d)) * _LOG2E)


@composite
def exp2(x: Any) -> Tensor:
    """2**x elementwise, as np.exp2 (exact at integers); gradient 2**x log(2)."""
    x = _real_float("exp2", x)
    if x.dtype == FLOAT16:
        return exp2(x.astype(np.float32)).astype(FLOAT16)
    return 2.0 ** x


def _nan_ignoring(op: str, x1: Any, x2: Any, pick: Any) -> Tensor:
    try:
        np.broadcast_shapes(np.shape(x1), np.shape(x2))
    except ValueError:
        raise ValueError(f"{op}: shapes {np.shape(x1)} and {np.shape(x2)} do not broadcast") from None
    m = pick(x1, x2)
    if m.dtype.kind not in "fc":
        return m
    x, y = (_full((), v, m.dtype, False, True) if type(v) in (int, float, bool) else _operand(v)
            for v in (x1, x2))
    return where(y != y, x, where(x != x, y, m))


@composite
def fmax(x1: Any, x2: Any) -> Tensor:
    """Elementwise maximum ignoring NaN, as np.fmax: the other operand where one is NaN
    (NaN only where both are); x1 and x2 broadcast together. The gradient goes to the
    operand chosen, split in half on a tie (as am.maximum)."""
    return _nan_ignoring("fmax", x1, x2, maximum)


@composite
def fmin(x1: Any, x2: Any) -> Tensor:
    """Elementwise minimum ignoring NaN, as np.fmin (see fmax)."""
    return _nan_ignoring("fmin", x1, x2, minimum)


@composite
def copysign(x1: Any, x2: Any) -> Tensor:
    """|x1| with the sign bit of x2, elementwise, as np.copysign (-0.0 and -NaN count as
    negative); x1 and x2 broadcast together. Gradient for x1: +-sign(x1) (0 at x1 = 0,
    as am.abs); for x2 none (piecewise constant: the result does not depend on x2's
    magnitude, so x2 gets no gradient)."""
    x, y = _binary("copysign", x1, x2)
    a = abs(x)
    return where(signbit(y), -a, a)


@composite
def sinc(x: Any) -> Tensor:
    """The normalised sinc sin(pi x) / (pi x), elementwise, as np.sinc: 1 at 0 with
    gradient 0 there (and second derivative -pi**2 / 3): for |x| < 1e-3 its Taylor
    polynomial 1 - z**2/6 + z**4/120 (z = pi x), which needs no division by 0."""
    x = as_tensor(x)
    if x.dtype.kind == "c":
        raise TypeError(f"sinc: complex input (shape {x.shape}) is not supported")
    if x.dtype.kind in "biu":  # (np.sinc is pi * x in Python: float64 for integers and bools)
        x = x.astype(np.float64)
    small = abs(x) < 1e-3
    z = where(small, 1.0, x) * math.pi
    far = P.sin.apply(z) / z
    s = where(small, x, 0.0) * math.pi
    s2 = s * s
    near = 1.0 - s2 * (1.0 / 6.0) + (s2 * s2) * (1.0 / 120.0)
    return where(small, near, far)


@composite
def deg2rad(x: Any) -> Tensor:
    """Degrees to radians, x * (pi / 180), elementwise, as np.deg2rad."""
    return _real_float("deg2rad", x) * (math.pi / 180.0)


@composite
def rad2deg(x: Any) -> Tensor:
    """Radians to degrees, x * (180 / pi), elementwise, as np.rad2deg."""
    return _real_float("rad2deg", x) * (180.0 / math.pi)


@composite
def radians(x: Any) -> Tensor:
    """np.radians: the same as deg2rad."""
    return _real_float("radians", x) * (math.pi / 180.0)


@composite
def degrees(x: Any) -> Tensor:
    """np.degrees: the same as rad2deg."""
    return _real_float("degrees", x) * (180.0 / math.pi)


@composite
def arccosh(x: Any) -> Tensor:
    """Inverse hyperbolic cosine log(x + sqrt(x**2 - 1)) for x >= 1 (NaN below, as numpy),
    elementwise: log1p(t + sqrt(t) sqrt(t + 2)) with t = x - 1 (accurate near 1), and
    log(x) + log(2) above 2**28. Gradient 1 / sqrt(x**2 - 1): inf at x = 1 (as am.sqrt's at 0)."""
    x = _real_float("arccosh", x)
    if x.dtype == FLOAT16:
        return arccosh(x.astype(np.float32)).astype(FLOAT16)
    big = x > 2.0 ** 28
    t = where(big, 1.0, x) - 1.0
    near = P.log1p.apply(t + sqrt(t) * sqrt(t + 2.0))
    far = P.log.apply(where(big, x, 2.0)) + _LN2
    return where(big, far, near)


@composite
def arctanh(x: Any) -> Tensor:
    """Inverse hyperbolic tangent (log1p(x) - log1p(-x)) / 2 for |x| <= 1 (+-inf at +-1,
    NaN outside, as numpy), elementwise. Gradient 1 / (1 - x**2): inf at +-1 (as am.sqrt's at 0)."""
    x = _real_float("arctanh", x)
    return (P.log1p.apply(x) - P.log1p.apply(-x)) * 0.5


@composite
def cbrt(x: Any) -> Tensor:
    """Real cube root, elementwise, as np.cbrt (odd: cbrt(-8) = -2): |x| ** (1/3) with x's
    sign, corrected by one Newton step (so perfect cubes give exact roots, as numpy).
    Gradient 1 / (3 cbrt(x)**2): inf at 0, as am.sqrt's slope at 0 (the slope is infinite)."""
    x = _real_float("cbrt", x)
    if x.dtype == FLOAT16:
        return cbrt(x.astype(np.float32)).astype(FLOAT16)
    negative = P.signbit.apply(x)  # (-0.0 gives -0.0, as numpy)
    a = where(negative, -x, x)  # (|x| with slope 1 at 0, where abs has slope 0)
    # Powers of two scale exactly: subnormals times 2**(3k) are normal, so r**3 keeps its
    # digits, and the largest floats times 2**(-3k) keep r**3 finite (else Newton's step is
    # inf and r - inf = -inf); cbrt of the scale, 2**(+-k), undoes it.
    k = 18 if x.dtype == np.float64 else 8
    info = np.finfo(x.dtype)
    with no_grad():
        small, big = a < info.tiny, a > info.max * 2.0 ** (-3 * k)
        scale = where(small, 2.0 ** (3 * k), where(big, 2.0 ** (-3 * k), 1.0)).astype(x.dtype)
        unscale = where(small, 2.0 ** -k, where(big, 2.0 ** k, 1.0)).astype(x.dtype)
    a = a * scale
    r = a ** (1.0 / 3.0)
    with no_grad(), np.errstate(divide="ignore", invalid="ignore"):
        fine = logical_and(r > 0, r < np.inf)
        rs = where(fine, r, 1.0)
        step = where(fine, (rs * rs * rs - a) / (rs * rs * 3.0), 0.0)  # (Newton's correction, a value only)
    r = (r - step) * unscale
    return where(negative, -r, r)


@composite
def fabs(x: Any) -> Tensor:
    """|x| as a float, elementwise, as np.fabs (integers become numpy's float for them;
    complex input is refused). Gradient sign(x), 0 at 0 (as am.abs)."""
    return abs(_real_float("fabs", x))


def rint(x: Any) -> Tensor:
    """x rounded to the nearest integer, halves to even, as np.rint (integers become
    floats, as numpy); gradient 0 (as am.round)."""
    return round(_real_float("rint", x))


def fix(x: Any) -> Tensor:
    """x rounded towards 0, as np.fix (the same as am.trunc; integers stay integers);
    gradient 0 (as am.trunc)."""
    return trunc(x)


def around(x: Any, decimals: int = 0) -> Tensor:
    """np.around: the same as am.round(x, decimals) (booleans become float16, as numpy's);
    gradient 0."""
    x = as_tensor(x)
    if isinstance(decimals, bool) or not isinstance(decimals, (int, np.integer)):
        raise TypeError(f"around: decimals must be an int, got {decimals!r} (shape {x.shape})")
    if x.dtype.kind == "c":
        raise TypeError(f"around: complex input (shape {x.shape}) is not supported")
    return round(x.astype(np.float16) if x.dtype.kind == "b" else x, decimals)


def _not_bool(op: str, x: Tensor) -> None:
    if x.dtype.kind == "b":
        raise TypeError(f"{op}: boolean input (shape {x.shape}) is not supported, as numpy's "
                        "(use logical_not for booleans)")


@composite
def positive(x: Any) -> Tensor:
    """+x elementwise, a new tensor (x * 1, -0.0 and NaN kept), as np.positive; gradient 1."""
    x = as_tensor(x)
    _not_bool("positive", x)
    return x * 1


@composite
def negative(x: Any) -> Tensor:
    """-x elementwise, as np.negative; gradient -1."""
    x = as_tensor(x)
    _not_bool("negative", x)
    return P.neg.apply(x)


@composite
def float_power(x1: Any, x2: Any) -> Tensor:
    """x1 ** x2 computed in float64 (complex128 for complex input), as np.float_power; x1
    and x2 broadcast together. Gradients as for ** (x2 x1**(x2-1), x1**x2 log(x1))."""
    x, y = as_tensor(x1), as_tensor(x2)
    try:
        np.broadcast_shapes(x.shape, y.shape)
    except ValueError:
        raise ValueError(f"float_power: shapes {x.shape} and {y.shape} do not broadcast") from None
    dt = np.complex128 if "c" in (x.dtype.kind, y.dtype.kind) else np.float64
    x = x if x.dtype == dt else x.astype(dt)
    y = y if y.dtype == dt else y.astype(dt)
    return P.pow.apply(x, y)


def signbit(x: Any) -> Tensor:
    """Boolean tensor of x's shape: True where x's sign bit is set (x < 0, -0.0, -inf,
    -NaN), as np.signbit. No gradient."""
    x = as_tensor(x)
    if x.dtype.kind == "c":
        raise TypeError(f"signbit: complex input (shape {x.shape}) is not supported, as numpy's")
    return P.signbit.apply(x)


def isneginf(x: Any) -> Tensor:
    """Boolean tensor of x's shape: True where x is -inf, as np.isneginf. No gradient."""
    x = as_tensor(x)
    if x.dtype.kind == "c":
        raise TypeError(f"isneginf: complex input (shape {x.shape}) is not supported, as numpy's")
    with no_grad():
        return x == -np.inf


def isposinf(x: Any) -> Tensor:
    """Boolean tensor of x's shape: True where x is +inf, as np.isposinf. No gradient."""
    x = as_tensor(x)
    if x.dtype.kind == "c":
        raise TypeError(f"isposinf: complex input (shape {x.shape}) is not supported, as numpy's")
    with no_grad():
        return x == np.inf


def isreal(x: Any) -> Tensor:
    """Boolean tensor of x's shape: True where x has no imaginary part (everywhere for
    real dtypes), as np.isreal. No gradient."""
    x = as_tensor(x)
    if x.dtype.kind == "c":  # (no primitive reads the imaginary part: computed in numpy)
        _not_replayable("isreal", x, "it reads a complex tensor's imaginary part in numpy")
        return Tensor(np.isreal(x.data))
    with no_grad():
        return logical_or(x == x, x != x)
