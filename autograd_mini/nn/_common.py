"""What the layers share: a zero Parameter for reset_parameters to fill (`_empty`), the
input as a Tensor (`_input`, naming the layer on bad input) and the image-shape check
(`_check_image`: (N, C, H, W) or (C, H, W))."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..functions import as_tensor
from ..tensor import Tensor, _dtype_or_default
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
