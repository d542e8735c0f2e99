"""dtype names as PyTorch code spells them (am.float64, am.long, am.bool, ...): numpy's
scalar types, so `dtype=am.float32`, `x.dtype == am.float32` and
`am.set_default_dtype(am.float64)` work as with numpy's own names. As in torch,
float is float32, double float64, half float16, int int32, long int64, short int16."""

from __future__ import annotations

from typing import Any

import numpy as np

from .tensor import get_default_dtype

float16 = half = np.float16
float32 = float = np.float32  # noqa: A001 (torch's name: am.float is float32, as torch.float)
float64 = double = np.float64
int8 = np.int8
int16 = short = np.int16
int32 = int = np.int32  # noqa: A001
int64 = long = np.int64
uint8 = np.uint8
bool = np.bool_  # noqa: A001
complex64 = np.complex64
complex128 = np.complex128


def finfo(dtype: Any = None) -> np.finfo:
    """numpy's np.finfo of a floating dtype (am.float32, np.float64, 'float16'; the
    default dtype for None, as torch.finfo()): .eps, .max, .min, .tiny (=
    .smallest_normal), .resolution, .bits. A complex dtype gives its parts' finfo."""
    dt = _dtype("finfo", get_default_dtype() if dtype is None else dtype)
    if dt.kind not in "fc":
        raise TypeError(f"finfo: expected a floating dtype, got {dt} (am.iinfo takes integer ones)")
    return np.finfo(dt)


def iinfo(dtype: Any) -> np.iinfo:
    """numpy's np.iinfo of an integer dtype (am.int64, np.uint8, 'int32'): .min, .max, .bits."""
    dt = _dtype("iinfo", dtype)
    if dt.kind not in "iu":
        raise TypeError(f"iinfo: expected an integer dtype, got {dt} (am.finfo takes floating ones)")
    return np.iinfo(dt)


def _dtype(op: str, dtype: Any) -> np.dtype:
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{op}: expected a dtype (am.float32, np.int64, 'float64'), got {dtype!r}") from None
