"""dtype names as PyTorch code spells them (am.float64, am.long, am.bool, ...): numpy's
scalar types, so `dtype=am.float32`, `x.dtype == am.float32` and
`am.set_default_dtype(am.float64)` work as with numpy's own names. As in torch,
float is float32, double float64, half float16, int int32, long int64, short int16."""

from __future__ import annotations

import numpy as np

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
