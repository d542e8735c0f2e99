"""What the layers share: a zero Parameter for reset_parameters to fill (`_empty`), the
input as a Tensor (`_input`, naming the layer on bad input), the image-shape check
(`_check_image`: (N, C, H, W) or (C, H, W)) and PyTorch's inplace=True (`_inplace`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..functions import as_tensor
from ..tensor import Tensor, _dtype_or_default
from .functional._args import _write_inplace
from .module import Module, Parameter


def _empty(shape: tuple, dtype: Any) -> Parameter:
    return Parameter(np.zeros(shape, dtype=_dtype_or_default(dtype)))


def _input(layer: Module, x: Any) -> Tensor:
    """x as a tensor: layers take arrays and nested lists, as the functions of F do."""
    if isinstance(x, Tensor):
        return x
    try:
        return as_tensor(x)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{layer.label()}: expected a Tensor or an array of numbers, got "
                        f"{type(x).__name__} ({e})") from None


def _check_image(layer: Module, x: Tensor) -> tuple:
    """The shape of x, which must be (N, C, H, W) or one image (C, H, W)."""
    shape = tuple(x.shape)
    if len(shape) not in (3, 4):
        raise ValueError(f"{layer.label()}: expected input of shape (N, C, H, W) or (C, H, W), got shape {shape}")
    return shape


def _inplace(layer: Module, x: Any, out: Tensor) -> Tensor:
    """A layer's inplace=True (F._write_inplace: out written into the input x, x returned)."""
    return _write_inplace(x, out, type(layer).__name__) if layer.inplace else out
