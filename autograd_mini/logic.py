"""Predicates and boolean reductions: isnan, isinf, isfinite, any, all, count_nonzero,
logical_and/or/xor/not, isclose, allclose (no gradient).

Their own module because `any` and `all` would hide Python's builtins in functions.py.
Each is a composite of comparisons and sums, so am.compile replays it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .engine import no_grad
from .functions import _axes, as_tensor, where
from .tensor import Tensor, _flag


def isnan(x: Any) -> Tensor:
    """Boolean tensor of x's shape: True where x is NaN, as np.isnan. Never requires grad."""
    x = as_tensor(x)
    return x != x


def isinf(x: Any) -> Tensor:
    """Boolean tensor of x's shape: True where x is +inf or -inf, as np.isinf; no gradient."""
    x = as_tensor(x)
    with no_grad():
        return x.abs() == np.inf


def isfinite(x: Any) -> Tensor:
    """Boolean tensor of x's shape: True where x is neither inf nor NaN, as np.isfinite."""
    x = as_tensor(x)
    with no_grad():
        return x.abs() < np.inf


def _count_true(op: str, mask: Tensor, axis: Any, keepdims: Any) -> Tensor:
    axes = _axes(op, axis, mask.shape)
    return mask.astype(np.int64).sum(axes, _flag(keepdims, "keepdims", op))


def any(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Whether any entry along `axis` (int, tuple, None = all) is nonzero (NaN counts),
    as np.any: a boolean tensor of x's shape without the reduced axes (kept with length 1
    if keepdims); False for none. No gradient."""
    x = as_tensor(x)
    return _count_true("any", x != 0, axis, keepdims) > 0


def all(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Whether every entry along `axis` is nonzero, as np.all (True for none); shapes as
    any. No gradient."""
    x = as_tensor(x)
    return _count_true("all", x == 0, axis, keepdims) == 0


def count_nonzero(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """np.count_nonzero: how many entries along `axis` (int, tuple, None = all) are nonzero
    (NaN counts): an int64 tensor of x's shape without the reduced axes (length 1 if
    keepdims); 0-d for axis=None (numpy returns a Python int there). No gradient."""
    x = as_tensor(x)
    return _count_true("count_nonzero", x != 0, axis, keepdims)


# (As comparisons of the booleans p = a != 0 and q = b == 0: p > q is "a and b", p >= q
# "a or b". Ops, not numpy on .data, so am.compile replays them; NaN is nonzero, as numpy.)

def logical_and(x: Any, y: Any) -> Tensor:
    """np.logical_and: a boolean tensor of the broadcast shape, True where both are nonzero. No gradient."""
    return (as_tensor(x) != 0) > (as_tensor(y) == 0)


def logical_or(x: Any, y: Any) -> Tensor:
    """np.logical_or: a boolean tensor of the broadcast shape, True where either is nonzero. No gradient."""
    return (as_tensor(x) != 0) >= (as_tensor(y) == 0)


def logical_xor(x: Any, y: Any) -> Tensor:
    """np.logical_xor: a boolean tensor of the broadcast shape, True where exactly one is nonzero. No gradient."""
    return (as_tensor(x) != 0) != (as_tensor(y) != 0)


def logical_not(x: Any) -> Tensor:
    """np.logical_not: a boolean tensor of x's shape, True where x is 0 (False for NaN). No gradient."""
    return as_tensor(x) == 0


def isclose(a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """np.isclose (and torch.isclose, the same test): a boolean tensor of the broadcast
    shape, True where |a - b| <= atol + rtol * |b| (not symmetric in a and b), where
    both are finite; elsewhere where a == b (infinities of one sign); NaNs equal each
    other only with equal_nan. Integers are compared as floats. No gradient."""
    a, b = as_tensor(a), as_tensor(b)
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"isclose: shapes {a.shape} and {b.shape} do not broadcast") from None
    with no_grad():
        if a.dtype.kind not in "fc" or b.dtype.kind not in "fc":
            common = np.result_type(a.dtype, b.dtype, 1.0)
            a, b = a.astype(common), b.astype(common)
        finite = logical_and(isfinite(a), isfinite(b))
        a0, b0 = where(finite, a, 0), where(finite, b, 0)  # (no inf - inf: no NaN, no warning)
        close = where(finite, (a0 - b0).abs() <= atol + rtol * b0.abs(), a == b)
        if equal_nan:
            close = logical_or(close, logical_and(isnan(a), isnan(b)))
    return close


def allclose(a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """np.allclose: whether isclose(a, b, ...) holds everywhere, as a Python bool (so a
    compiled function cannot call it: it reads a value)."""
    return bool(all(isclose(a, b, rtol, atol, equal_nan)))
