"""Sliding-block layers: Unfold (im2col, F.unfold) and Fold (its adjoint, F.fold)."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from . import functional as F
from ._common import _input
from .functional.shapes import _window_args
from .module import Module


class Unfold(Module):
    """(N, C, H, W) or (C, H, W) -> (N, C*kh*kw, L) or (C*kh*kw, L): every sliding
    block as a column (F.unfold, L blocks)."""

    def __init__(self, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> None:
        super().__init__()
        _window_args(kernel_size, dilation, padding, stride, "Unfold")  # (checked now, kept as given)
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def forward(self, x: Any) -> Tensor:
        return F.unfold(_input(self, x), self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, "
                f"stride={self.stride}")


class Fold(Module):
    """(N, C*kh*kw, L) or (C*kh*kw, L) -> (N, C, H, W) or (C, H, W), (H, W) =
    output_size: the columns added back where their blocks lie (F.fold, unfold's adjoint)."""

    def __init__(self, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
                 stride: Any = 1) -> None:
        super().__init__()
        F._pair(output_size, "output_size", "Fold", 1)
        _window_args(kernel_size, dilation, padding, stride, "Fold")
        self.output_size = output_size
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def forward(self, x: Any) -> Tensor:
        return F.fold(_input(self, x), self.output_size, self.kernel_size, self.dilation, self.padding,
                      self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")
