"""Predicates and boolean reductions: isnan, isinf, isfinite, any, all (no gradient).

Their own module because `any` and `all` would hide Python's builtins in functions.py.
Each is a composite of comparisons and sums, so am.compile replays it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .engine import no_grad
from .functions import _axes, as_tensor
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
