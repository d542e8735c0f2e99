"""numpy's reductions, statistics and 1-D signal helpers: trapezoid, cumulative_sum,
average, ptp, cov, corrcoef, vander, ediff1d, gradient, interp, convolve, correlate,
polyval.

Composites of sums, products, slices and gathers (no backward code); each follows
numpy's formula in numpy's order of operations, so values agree with numpy's to
rounding (often exactly).
"""

from __future__ import annotations

import operator
import warnings
from typing import Any

import numpy as np

from .engine import composite, shape_constant
from .functions import (
    _along, _axes, _axis_of, _flag, as_tensor, clip, concatenate, cumsum, diff, flip,
    max as _max, min as _min, pad, remainder, sqrt, stack, sum as _sum, where,
)
from .creation import ones_like, zeros, zeros_like
from .logic import logical_and
from .tensor import Tensor, _is_index


def _floated(x: Tensor) -> Tensor:
    """x, or an integer or bool x as float64 (numpy's statistics compute ints in float64)."""
    return x.astype(np.float64) if x.dtype.kind in "biu" else x


@composite
def trapezoid(y: Any, x: Any = None, dx: float = 1.0, axis: int = -1) -> Tensor:
    """np.trapezoid: the integral of y along `axis` by the trapezoidal rule,
    sum(d * (y[1:] + y[:-1]) / 2) with d = diff(x) (x 1-D of y's length along axis, or of
    y's shape) or the scalar spacing dx. Shape: y's without `axis`. Differentiable in y
    and x."""
    y = as_tensor(y)
    if y.ndim == 0:
        raise ValueError("trapezoid: y must have at least 1 axis, got shape ()")
    a = _axis_of("trapezoid", axis, y)
    n = y.shape[a]
    if x is None:
        d = dx
    else:
        x = as_tensor(x)
        if x.ndim == 1:
            if x.shape[0] != n:
                raise ValueError(f"trapezoid: x of shape {x.shape} must have y's length {n} along axis "
                                 f"{a} (y of shape {y.shape})")
            d = diff(x).reshape(tuple(n - 1 if i == a else 1 for i in range(y.ndim)))
        else:
            try:
                np.broadcast_shapes(x.shape, y.shape)
            except ValueError:
                raise ValueError(f"trapezoid: x of shape {x.shape} and y of shape {y.shape} do not "
                                 "broadcast") from None
            d = diff(x, axis=a)
    lead = (slice(None),) * a
    return (d * (y[lead + (slice(1, None),)] + y[lead + (slice(None, -1),)]) / 2.0).sum(a)


@composite
def cumulative_sum(x: Any, *, axis: int | None = None, dtype: Any = None, include_initial: bool = False) -> Tensor:
    """np.cumulative_sum (numpy 2's): running sums along `axis` (which a tensor of more
    than 1 axis must name); include_initial=True puts a 0 in front (length n + 1 along
    axis). The gradient of entry i is the sum of the output's gradients from i on."""
    x = as_tensor(x)
    if x.ndim == 0:
        raise ValueError("cumulative_sum: x must have at least 1 axis, got shape ()")
    if axis is None:
        if x.ndim > 1:
            raise ValueError(f"cumulative_sum: axis must be given for a tensor of {x.ndim} axes "
                             f"(shape {x.shape})")
        axis = 0
    a = _axis_of("cumulative_sum", axis, x)
    if dtype is not None:
        x = x.astype(dtype)
    elif x.dtype.kind == "b" or (x.dtype.kind in "iu" and x.dtype.itemsize < 8):
        x = x.astype(np.int64 if x.dtype.kind in "bi" else np.uint64)  # (numpy's sums of small ints)
    out = cumsum(x, a)
    if _flag(include_initial, "include_initial", "cumulative_sum"):
        zero = zeros(out.shape[:a] + (1,) + out.shape[a + 1:], dtype=out.dtype)
        out = concatenate([zero, out], axis=a)
    return out


@composite
def average(a: Any, axis: Any = None, weights: Any = None, returned: bool = False, *,
            keepdims: bool = False) -> Any:
    """np.average: the mean of a along `axis`, or with `weights` sum(a * w) / sum(w)
    (weights of a's shape, or 1-D of a's length along an int axis). returned=True gives
    (average, sum of weights) with the sum broadcast to the average's shape. Weights
    summing to 0 raise ZeroDivisionError, as numpy. Differentiable in a and weights."""
    a = _floated(as_tensor(a))
    keepdims = _flag(keepdims, "keepdims", "average")
    axes = _axes("average", axis, a.shape)
    if weights is None:
        count = int(np.prod([a.shape[i] for i in axes]))
        avg = a.mean(axis, keepdims)
        if not returned:
            return avg
        return avg, as_tensor(np.full(avg.shape, float(count), dtype=avg.dtype))
    w = as_tensor(weights)
    if w.shape != a.shape:
        if axis is None:
            raise TypeError(f"average: axis must be given when the shapes of a {a.shape} and weights "
                            f"{w.shape} differ")
        if w.ndim != 1 or len(axes) != 1:
            raise TypeError(f"average: 1-D weights (shape {w.shape}) need an int axis, for a of shape {a.shape}")
        if w.shape[0] != a.shape[axes[0]]:
            raise ValueError(f"average: weights of length {w.shape[0]} differ from a's length "
                             f"{a.shape[axes[0]]} along axis {axes[0]} (a of shape {a.shape})")
        w = w.reshape(tuple(w.shape[0] if i == axes[0] else 1 for i in range(a.ndim)))
        w = w.broadcast_to(a.shape)
    w = w if w.dtype == np.result_type(a.dtype, w.dtype) else w.astype(np.result_type(a.dtype, w.dtype))
    scl = w.sum(axis, keepdims)
    if np.any(scl.data == 0.0):
        raise ZeroDivisionError(f"average: weights sum to zero, can't be normalized (a of shape {a.shape})")
    avg = (a * w).sum(axis, keepdims) / scl
    if not returned:
        return avg
    return avg, scl.broadcast_to(avg.shape) if scl.shape != avg.shape else scl


@composite
def ptp(a: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """np.ptp: max - min along `axis` (peak to peak); gradients as am.max and am.min (ties
    split evenly)."""
    a = as_tensor(a)
    return _max(a, axis, keepdims) - _min(a, axis, keepdims)


def _rows(op: str, name: str, m: Any, rowvar: bool) -> Tensor:
    """m's variables as the rows of a float matrix (k, N); `name` is m's in op's signature."""
    x = as_tensor(m)
    if x.ndim > 2:
        raise ValueError(f"{op}: {name} has more than 2 axes (shape {x.shape})")
    if x.dtype.kind == "c":  # (numpy's conjugates: X X^H; no conj here, so no silent X X^T)
        raise TypeError(f"{op}: complex input (shape {x.shape}) is not supported")
    ndim = x.ndim
    x = _floated(x).reshape((1, -1)) if x.ndim < 2 else _floated(x)
    # (numpy >= 2.2 transposes a 2-D m whatever its rows: m (1, N), rowvar=False, is one
    # observation of N variables; y is still only transposed when it has more than one row)
    if not rowvar and (ndim == 2 if name != "y" else x.shape[0] != 1):
        x = x.T
    return x


@composite
def cov(m: Any, y: Any = None, rowvar: bool = True, bias: bool = False, ddof: int | None = None,
        fweights: Any = None, aweights: Any = None, *, dtype: Any = None) -> Tensor:
    """np.cov: the covariance matrix of the variables in m's rows (columns with
    rowvar=False), y's variables appended: (X - mean) (X - mean)^T / (N - ddof), ddof 1
    (0 with bias=True) unless given; shape (k, k) for k variables, () for one; float64
    (float16 and float32 too, as numpy) unless dtype is given. N - ddof
    <= 0 warns and divides by 0, as numpy. fweights, aweights and complex input are not
    supported (TypeError)."""
    if fweights is not None or aweights is not None:
        raise TypeError("cov: fweights and aweights are not supported")
    if ddof is not None and (isinstance(ddof, bool) or not _is_index(ddof)):
        raise TypeError(f"cov: ddof must be an int, got {ddof!r}")
    return _cov("cov", "m", m, y, rowvar, bias, ddof, dtype)


def _cov(op: str, name: str, m: Any, y: Any, rowvar: bool, bias: bool, ddof: int | None, dtype: Any) -> Tensor:
    """cov's work; errors name `op`, the function called, and `name`, its first argument."""
    x = _rows(op, name, m, rowvar)
    if y is not None:
        yy = _rows(op, "y", y, rowvar)
        if yy.shape[1] != x.shape[1]:
            raise ValueError(f"{op}: {name} and y have {x.shape[1]} and {yy.shape[1]} observations (shapes "
                             f"{as_tensor(m).shape} and {as_tensor(y).shape})")
        x = concatenate([x, yy.astype(np.result_type(x.dtype, yy.dtype))
                         if yy.dtype != x.dtype else yy], axis=0)
    if dtype is not None:
        if np.dtype(dtype).kind == "c":
            raise TypeError(f"{op}: complex dtype {np.dtype(dtype)} is not supported (shape {x.shape})")
        x = x.astype(dtype)
    elif x.dtype != np.result_type(x.dtype, np.float64):  # (numpy's default: float32 gives float64)
        x = x.astype(np.result_type(x.dtype, np.float64))
    if ddof is None:
        ddof = 0 if bias else 1
    n = x.shape[1]
    fact = n - operator.index(ddof)
    if fact <= 0:
        warnings.warn(f"{op}: degrees of freedom <= 0 for slice", RuntimeWarning, stacklevel=2)
        fact = 0.0
    xc = x - x.mean(1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = (xc @ xc.T) * (1.0 / fact if fact else np.inf)  # (numpy's c *= 1 / fact)
    return c.reshape(()) if c.shape == (1, 1) else c


@composite
def corrcoef(x: Any, y: Any = None, rowvar: bool = True, *, dtype: Any = None) -> Tensor:
    """np.corrcoef: Pearson correlation coefficients, cov(x, y) / sqrt(diag diag^T),
    clipped to [-1, 1] as numpy (gradient 0 where clipped); shape (k, k), or () for one
    variable (then c / c: 1, or NaN for a constant variable)."""
    c = _cov("corrcoef", "x", x, y, rowvar, False, None, dtype)
    if c.ndim == 0:
        return c / c
    d = sqrt(_diag_of(c))
    c = c / d.reshape(-1, 1)
    c = c / d.reshape(1, -1)
    return clip(c, -1, 1)


def _diag_of(c: Tensor) -> Tensor:
    i = shape_constant(np.arange(c.shape[0]))
    return c[i, i]


@composite
def vander(x: Any, N: int | None = None, increasing: bool = False) -> Tensor:
    """np.vander: the (len(x), N) Vandermonde matrix of 1-D x, columns x**(N-1), ..., x, 1
    (reversed with increasing=True); N defaults to len(x). The powers are running products
    (numpy's way), so the gradient at x = 0 is exact, no 0 * inf."""
    x = as_tensor(x)
    if x.ndim != 1:
        raise ValueError(f"vander: x must be 1-D, got shape {x.shape}")
    n = x.shape[0] if N is None else N
    if isinstance(n, bool) or not _is_index(n) or operator.index(n) < 0:
        raise ValueError(f"vander: N must be an int >= 0, got {N!r} (x of shape {x.shape})")
    n = operator.index(n)
    dt = np.promote_types(x.dtype, int)  # (numpy's: float32 gives float64, bool int64)
    x = x if x.dtype == dt else x.astype(dt)
    if n == 0:
        return x.reshape(-1, 1)[:, :0]
    cols = [ones_like(x)]
    for _ in range(1, n):
        cols.append(cols[-1] * x)
    out = stack(cols, axis=1)
    return out if increasing else flip(out, 1)


@composite
def ediff1d(ary: Any, to_end: Any = None, to_begin: Any = None) -> Tensor:
    """np.ediff1d: the differences of ary flattened (length size - 1), with to_begin in
    front and to_end after (numbers or arrays, flattened, cast to ary's dtype if that is
    safe, else a TypeError as numpy)."""
    a = as_tensor(ary).reshape(-1)
    parts = [diff(a) if a.shape[0] else a]
    for where_, v in (("to_begin", to_begin), ("to_end", to_end)):
        if v is None:
            continue
        t = as_tensor(v).reshape(-1)
        if not np.can_cast(t.dtype, a.dtype, casting="same_kind"):
            raise TypeError(f"ediff1d: dtype of `{where_}` ({t.dtype}) must be compatible with the input "
                            f"dtype {a.dtype} (shape {np.shape(ary)})")
        t = t if t.dtype == a.dtype else t.astype(a.dtype)
        parts.insert(0, t) if where_ == "to_begin" else parts.append(t)
    return concatenate(parts, axis=0) if len(parts) > 1 else parts[0]


@composite
def gradient(f: Any, *varargs: Any, axis: Any = None, edge_order: int = 1) -> Any:
    """np.gradient with scalar spacings: central differences (f[i+1] - f[i-1]) / (2 h)
    inside and one-sided ones at the edges (edge_order 1: first differences; 2: the
    second-order formulas), along each axis (or `axis`). One spacing for all axes or one
    per axis (array coordinates are not supported: TypeError). Returns a tensor for one
    axis, else a tuple, one per axis, each of f's shape; integers give float64."""
    f = as_tensor(f)
    if f.ndim == 0:
        raise ValueError("gradient: f must have at least 1 axis, got shape ()")
    axes = _axes("gradient", axis, f.shape)
    if len(set(axes)) != len(axes):
        raise ValueError(f"gradient: repeated axis {axis!r} (shape {f.shape})")
    if len(varargs) == 0:
        spacing = [1.0] * len(axes)
    elif len(varargs) == 1 and np.ndim(varargs[0]) == 0:
        spacing = [varargs[0]] * len(axes)
    elif len(varargs) == len(axes):
        spacing = list(varargs)
    else:
        raise TypeError(f"gradient: invalid number of spacing arguments ({len(varargs)}) for {len(axes)} axes "
                        f"(shape {f.shape})")
    for h in spacing:
        if isinstance(h, Tensor) or np.ndim(h) != 0:
            raise TypeError("gradient: only scalar spacings are supported here, got an array of shape "
                            f"{np.shape(h)} (f of shape {f.shape})")
    if edge_order not in (1, 2):
        raise ValueError(f"gradient: edge_order must be 1 or 2, got {edge_order!r}")
    f = _floated(f)
    outs = []
    for a, h in zip(axes, spacing):
        n = f.shape[a]
        if n < edge_order + 1:
            raise ValueError(f"gradient: shape of axis {a} ({n}) is too small for a gradient with edge_order "
                             f"{edge_order} (f of shape {f.shape}); it needs at least {edge_order + 1}")
        lead = (slice(None),) * a

        def at(i: int) -> Tensor:
            return f[lead + (slice(i, i + 1 if i != -1 else None),)]

        inner = (f[lead + (slice(2, None),)] - f[lead + (slice(None, -2),)]) / (2.0 * h)
        if edge_order == 1:
            first = (at(1) - at(0)) / h
            last = (at(-1) - at(-2)) / h
        else:  # (numpy's coefficients, in its order)
            first = at(0) * (-1.5 / h) + at(1) * (2.0 / h) + at(2) * (-0.5 / h)
            last = at(-3) * (0.5 / h) + at(-2) * (-2.0 / h) + at(-1) * (1.5 / h)
        outs.append(concatenate([first, inner, last], axis=a))
    return outs[0] if len(outs) == 1 else tuple(outs)


@composite
def interp(x: Any, xp: Any, fp: Any, left: Any = None, right: Any = None, period: Any = None) -> Tensor:
    """np.interp: the piecewise linear interpolant through (xp, fp) at x (any shape; the
    result has x's shape): fp[j] + slope_j (x - xp[j]) on [xp[j], xp[j+1]), fp[0] (or left)
    below xp[0], fp[-1] (or right) above xp[-1]; with `period`, x and xp taken modulo it.
    xp must increase (not checked, as numpy) and is a constant: gradients flow to x (the
    slope of the segment on the right of x, 0 outside) and to fp."""
    x = as_tensor(x)
    xp_t, fp = as_tensor(xp), as_tensor(fp)
    if xp_t.ndim != 1 or fp.ndim != 1:
        raise ValueError(f"interp: xp and fp must be 1-D, got shapes {xp_t.shape} and {fp.shape}")
    if xp_t.shape[0] != fp.shape[0]:
        raise ValueError(f"interp: fp and xp are not of the same length ({fp.shape[0]} and {xp_t.shape[0]})")
    if xp_t.shape[0] == 0:
        raise ValueError("interp: array of sample points is empty")
    if x.dtype.kind == "c" or fp.dtype.kind == "c":
        raise TypeError(f"interp: complex input (x {x.shape}, fp {fp.shape}) is not supported")
    x, fp = _floated(x).astype(np.float64), _floated(fp).astype(np.float64)
    xp_t = _floated(xp_t).astype(np.float64)
    if period is not None:
        if period == 0:
            raise ValueError("interp: period must be a non-zero value")
        period = abs(float(period))
        x = remainder(x, period)
        xp_t = remainder(xp_t, period)
        order = np.argsort(xp_t.data, kind="stable")  # (xp is a constant: its order too)
        if not isinstance(xp, (Tensor, np.ndarray)):
            order = shape_constant(order)
        xp_t, fp = xp_t[order], fp[order]
        xp_t = concatenate([xp_t[-1:] - period, xp_t, xp_t[:1] + period])
        fp = concatenate([fp[-1:], fp, fp[:1]])
        left = right = None
    m = xp_t.shape[0]
    lo_val = fp[0] if left is None else left
    hi_val = fp[m - 1] if right is None else right
    if m == 1:
        return where(x < xp_t[0], lo_val, where(x > xp_t[0], hi_val, fp[0]))
    # j: the segment [xp[j], xp[j+1]) holding x (counted by comparisons, which am.compile replays)
    count = _sum(xp_t.reshape((1,) * x.ndim + (m,)) <= x.reshape(x.shape + (1,)), axis=-1)
    j = clip(count - 1, 0, m - 2)
    flat, flat1 = j.reshape(-1), (j + 1).reshape(-1)  # (gathered by tensors: am.compile replays them)
    xj, xj1 = (_along(xp_t, i, 0).reshape(x.shape) for i in (flat, flat1))
    fj, fj1 = (_along(fp, i, 0).reshape(x.shape) for i in (flat, flat1))
    slope = (fj1 - fj) / (xj1 - xj)
    inner = slope * (x - xj) + fj
    inner = where(logical_and(inner != inner, x == xj), fj, inner)  # (numpy's: fp[j] at a knot, not inf * 0)
    inner = where(inner != inner, slope * (x - xj1) + fj1, inner)  # (numpy's second try, e.g. inf slopes)
    inner = where(logical_and(inner != inner, fj == fj1), fj, inner)
    inner = where(x == xp_t[m - 1], fp[m - 1], inner)
    return where(x < xp_t[0], lo_val, where(x > xp_t[m - 1], hi_val, inner))


_CONV_MODES = ("full", "same", "valid")


def _correlate_full(op: str, a: Tensor, v: Tensor) -> Tensor:
    """c[k] = sum_n a[n + k] v[n] for every lag k = -(N-1) .. M-1 (length M + N - 1)."""
    m, n = a.shape[0], v.shape[0]
    dt = np.result_type(a.dtype, v.dtype)
    a = a if a.dtype == dt else a.astype(dt)
    v = v if v.dtype == dt else v.astype(dt)
    ap = pad(a, (n - 1, n - 1)) if n > 1 else a
    windows = ap[shape_constant(np.arange(m + n - 1)[:, None] + np.arange(n)[None, :])]
    return windows @ v


def _one_d(op: str, a: Any, v: Any, mode: Any) -> tuple[Tensor, Tensor]:
    a, v = as_tensor(a), as_tensor(v)
    if mode not in _CONV_MODES:
        raise ValueError(f"{op}: mode must be one of {_CONV_MODES}, got {mode!r}")
    if a.ndim != 1 or v.ndim != 1:
        raise ValueError(f"{op}: a and v must be 1-D, got shapes {a.shape} and {v.shape}")
    if a.dtype.kind == "c" or v.dtype.kind == "c":
        raise TypeError(f"{op}: complex input (shapes {a.shape} and {v.shape}) is not supported")
    if a.shape[0] == 0 or v.shape[0] == 0:
        raise ValueError(f"{op}: a and v cannot be empty, got shapes {a.shape} and {v.shape}")
    return a, v


def _correlated(a: Tensor, v: Tensor, mode: str) -> Tensor:
    m, n = a.shape[0], v.shape[0]
    full = _correlate_full("correlate", a, v)
    if mode == "full":
        return full
    if mode == "valid":
        return full[n - 1:m] if m >= n else full[m - 1:n]
    start = n - 1 - n // 2 if m >= n else m // 2
    return full[start:start + (m if m >= n else n)]


@composite
def correlate(a: Any, v: Any, mode: str = "valid") -> Tensor:
    """np.correlate of 1-D a (length M) and v (length N): c[k] = sum_n a[n + k] v[n];
    mode 'valid' (length |M - N| + 1), 'same' (max(M, N)) or 'full' (M + N - 1), with
    numpy's alignment. Differentiable in a and v."""
    a, v = _one_d("correlate", a, v, mode)
    return _correlated(a, v, mode)


@composite
def convolve(a: Any, v: Any, mode: str = "full") -> Tensor:
    """np.convolve of 1-D a and v: (a * v)[k] = sum_n a[n] v[k - n]; mode 'full'
    (length M + N - 1), 'same' (max(M, N)) or 'valid' (|M - N| + 1), numpy's alignment
    (the longer one slides). Differentiable in a and v."""
    a, v = _one_d("convolve", a, v, mode)
    if v.shape[0] > a.shape[0]:
        a, v = v, a
    return _correlated(a, flip(v), mode)


@composite
def polyval(p: Any, x: Any) -> Tensor:
    """np.polyval: p[0] x**(N-1) + ... + p[N-1] by Horner's rule (numpy's order), for 1-D
    p (N coefficients, highest power first) and x of any shape (the result's). Differentiable
    in p and x."""
    p, x = as_tensor(p), as_tensor(x)
    if p.ndim != 1:
        raise ValueError(f"polyval: p must be 1-D, got shape {p.shape}")
    y = zeros_like(x)  # (numpy's start: 0, not x * 0, which is NaN at inf)
    for i in range(p.shape[0]):
        y = y * x + p[i]
    return y
