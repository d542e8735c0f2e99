"""Creating tensors: from data, filled, ranges, random (with one seeded generator)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .engine import tracers
from .tensor import Tensor, _check_grad_dtype, get_default_dtype

_rng = {"gen": np.random.default_rng()}


def manual_seed(seed: int) -> None:
    """Seed the generator behind randn, rand, initialisation and dropout (an int >= 0)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"manual_seed: the seed must be an int >= 0, got {seed!r}")
    _rng["gen"] = np.random.default_rng(seed)


def generator() -> np.random.Generator:
    """The library's random generator (reseeded by `manual_seed`)."""
    return _rng["gen"]


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """A new tensor holding a copy of `data` (same as `Tensor(...)`)."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def _shape(shape: tuple) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def _make(arr: np.ndarray, requires_grad: bool, where: str) -> Tensor:
    if arr.dtype.kind not in "biufc":  # (as am.tensor refuses: strings and objects are no numbers)
        raise TypeError(f"{where}: a tensor holds numbers (bool, int, float or complex), got dtype {arr.dtype}")
    if requires_grad:
        _check_grad_dtype(arr.dtype, where)
    t = Tensor._wrap(arr)
    t.requires_grad = requires_grad
    return t


def _float(dtype: Any) -> np.dtype:
    return np.dtype(dtype) if dtype is not None else get_default_dtype()


def _sample_dtype(dtype: Any, where: str) -> np.dtype:
    """A floating dtype for random samples (an integer one would truncate them)."""
    dt = _float(dtype)
    if dt.kind != "f":
        raise TypeError(f"{where}: samples need a floating-point dtype, got {dt}")
    return dt


def zeros(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Tensor of zeros; `zeros(2, 3)` or `zeros((2, 3))`."""
    return _make(np.zeros(_shape(shape), _float(dtype)), requires_grad, "zeros")


def ones(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Tensor of ones; `ones(2, 3)` or `ones((2, 3))`."""
    return _make(np.ones(_shape(shape), _float(dtype)), requires_grad, "ones")


def full(shape: Any, fill_value: float, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Tensor of `shape` filled with `fill_value`."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return _make(np.full(shape, fill_value, _float(dtype)), requires_grad, "full")


def zeros_like(x: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros with the shape (and, by default, the dtype) of `x`."""
    arr = np.asarray(x.data if isinstance(x, Tensor) else x)
    return _make(np.zeros(arr.shape, dtype or arr.dtype), requires_grad, "zeros_like")


def ones_like(x: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones with the shape (and, by default, the dtype) of `x`."""
    arr = np.asarray(x.data if isinstance(x, Tensor) else x)
    return _make(np.ones(arr.shape, dtype or arr.dtype), requires_grad, "ones_like")


def arange(start: float, stop: float | None = None, step: float = 1, dtype: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Evenly spaced values in [start, stop), as numpy.arange (ints stay ints)."""
    if step == 0:
        raise ValueError("arange: step must not be zero")
    arr = np.arange(start, stop, step)
    if dtype is not None:
        arr = arr.astype(dtype)
    elif arr.dtype.kind == "f":
        arr = arr.astype(get_default_dtype())
    return _make(arr, requires_grad, "arange")


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Identity matrix of shape (n, m or n)."""
    return _make(np.eye(n, m, dtype=_float(dtype)), requires_grad, "eye")


def _not_while_compiling(op: str) -> None:
    """Refuse random numbers inside a function being compiled, before drawing any
    (a replay would reuse them, and the generator would have moved on)."""
    if tracers:
        raise RuntimeError(f"{op}: random numbers cannot be compiled (a replay would reuse them); "
                           "draw them outside the function and pass them as arguments")


def randn(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Samples of N(0, 1) of the given shape."""
    _not_while_compiling("randn")
    dtype = _sample_dtype(dtype, "randn")  # (before drawing: a refused call leaves the generator as it was)
    arr = _rng["gen"].standard_normal(_shape(shape)).astype(dtype, copy=False)
    return _make(arr, requires_grad, "randn")


def rand(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Samples of U[0, 1) of the given shape."""
    _not_while_compiling("rand")
    dtype = _sample_dtype(dtype, "rand")
    arr = _rng["gen"].random(_shape(shape)).astype(dtype, copy=False)
    return _make(arr, requires_grad, "rand")
