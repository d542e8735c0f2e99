"""Padding layers: ConstantPad2d and ZeroPad2d pad the last two axes of images."""

from __future__ import annotations

from typing import Any

from ..functions import pad
from ..tensor import Tensor, _is_index
from . import functional as F
from ._common import _check_image, _input
from .module import Module


class ConstantPad2d(Module):
    """Pad the last two axes of (N, C, H, W) or (C, H, W) with `value`: padding an int
    (all four sides) or (left, right, top, bottom), PyTorch's order; output
    (..., H + top + bottom, W + left + right). A negative padding, which PyTorch takes
    as cropping, is refused (ValueError): crop with slicing."""

    def __init__(self, padding: Any, value: float) -> None:
        super().__init__()
        where = type(self).__name__
        pads = (padding,) * 4 if _is_index(padding) else padding
        if not isinstance(pads, (tuple, list)) or len(pads) != 4 or not all(_is_index(p) for p in pads):
            raise TypeError(f"{where}: padding must be an int or a tuple (left, right, top, bottom), got {padding!r}")
        if any(p < 0 for p in pads):
            raise ValueError(f"{where}: padding must be >= 0 (no cropping), got {padding!r}")
        self.padding = tuple(int(p) for p in pads)
        self.value = F._number(value, "value", where)

    def forward(self, x: Any) -> Tensor:
        x = _input(self, x)
        shape = _check_image(self, x)
        left, right, top, bottom = self.padding
        return pad(x, ((0, 0),) * (len(shape) - 2) + ((top, bottom), (left, right)), value=self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ZeroPad2d(ConstantPad2d):
    """Pad the last two axes with zeros: ConstantPad2d(padding, 0.0)."""

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"
