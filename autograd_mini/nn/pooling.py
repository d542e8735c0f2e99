"""Pooling of NCHW images: MaxPool2d, AvgPool2d, LPPool2d over fixed windows, MaxUnpool2d
(MaxPool2d's partial inverse), AdaptiveAvgPool2d and AdaptiveMaxPool2d over bins
fitted to an output size."""

from __future__ import annotations

import math
from typing import Any

from ..tensor import Tensor, _flag
from . import functional as F
from ._common import _check_image, _input
from .module import Module


class _Pool2d(Module):
    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False) -> None:
        super().__init__()
        where = type(self).__name__
        self.ceil_mode = _flag(ceil_mode, "ceil_mode", where)
        self.kernel_size = F._pair(kernel_size, "kernel_size", where, 1)
        self.stride = self.kernel_size if stride is None else F._pair(stride, "stride", where, 1)
        self.padding = F._pair(padding, "padding", where, 0)
        if any(2 * p > k for p, k in zip(self.padding, self.kernel_size)):
            raise ValueError(
                f"{where}: padding must be between 0 and half the kernel size, got padding "
                f"{self.padding} for kernel_size {self.kernel_size}"
            )

    def _check(self, x: Any, dilation: tuple = (1, 1)) -> None:
        shape = _check_image(self, x)
        F._pool_fits(self.label(), shape, self.kernel_size, self.stride, self.padding, dilation, self.ceil_mode)

    def label(self) -> str:
        kh, kw = self.kernel_size
        return f"{type(self).__name__}({kh}×{kw})"


class MaxPool2d(_Pool2d):
    """Maximum over kh×kw windows of NCHW images (padding counts as -inf).

    stride defaults to kernel_size; output size as for Conv2d, or with
    ceil_mode as F.max_pool2d's, a last partial window kept. Arguments in
    PyTorch's order. With return_indices=True the forward returns (out,
    indices), indices as F.max_pool2d's (int64 flat positions in each (H, W)
    plane, out's shape), which MaxUnpool2d takes.
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode)
        self.dilation = F._pair(dilation, "dilation", "MaxPool2d", 1)
        self.return_indices = _flag(return_indices, "return_indices", "MaxPool2d")

    def forward(self, x: Any) -> Tensor | tuple[Tensor, Tensor]:
        x = _input(self, x)
        self._check(x, self.dilation)
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                            self.return_indices)

    def extra_repr(self) -> str:
        s = f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
        s += f", dilation={self.dilation}" if self.dilation != (1, 1) else ""
        return s + (", ceil_mode=True" if self.ceil_mode else "")


class AvgPool2d(_Pool2d):
    """Mean over kh×kw windows of NCHW images.

    stride defaults to kernel_size. With count_include_pad=True (PyTorch's
    default) padded zeros count in the divisor kh*kw. ceil_mode keeps a last
    partial window, as F.avg_pool2d (whose divisor never counts the part past
    the padding). divisor_override (a nonzero int) divides every window's sum
    instead. Arguments in PyTorch's order.
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: int | None = None) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode)
        self.count_include_pad = _flag(count_include_pad, "count_include_pad", "AvgPool2d")
        self.divisor_override = F._divisor(divisor_override, "AvgPool2d")

    def forward(self, x: Any) -> Tensor:
        x = _input(self, x)
        self._check(x)
        return F.avg_pool2d(
            x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad,
            self.divisor_override,
        )

    def extra_repr(self) -> str:
        s = f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
        s += ", ceil_mode=True" if self.ceil_mode else ""
        s += "" if self.count_include_pad else ", count_include_pad=False"
        return s + ("" if self.divisor_override is None else f", divisor_override={self.divisor_override}")


class LPPool2d(_Pool2d):
    """Power-average pooling over kh×kw windows of NCHW images (see F.lp_pool2d): each
    window's (sum of x**norm_type) ** (1/norm_type). stride defaults to kernel_size; no
    padding; ceil_mode as AvgPool2d's. Arguments in PyTorch's order."""

    def __init__(self, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False) -> None:
        super().__init__(kernel_size, stride, 0, ceil_mode)
        self.norm_type = F._number(norm_type, "norm_type", "LPPool2d")
        if self.norm_type == 0.0 or not math.isfinite(self.norm_type):
            raise ValueError(f"LPPool2d: norm_type must be a finite nonzero number, got {norm_type!r}")

    def forward(self, x: Any) -> Tensor:
        x = _input(self, x)
        self._check(x)
        return F.lp_pool2d(x, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)

    def extra_repr(self) -> str:
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}"
                + (", ceil_mode=True" if self.ceil_mode else ""))


class MaxUnpool2d(Module):
    """MaxPool2d's partial inverse: (N, C, H, W) values and their indices ->
    (N, C, Hout, Wout), zeros but where the indices point (F.max_unpool2d).

    kernel_size, stride (defaults to kernel_size) and padding are the pool's;
    Hout = (H - 1) * stride - 2 * padding + kernel_size (Wout alike), or
    forward's output_size ((Hout, Wout) or (N, C, Hout, Wout), within a stride
    of that, as PyTorch's: pass the pooled input's shape when it was odd).
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        self.kernel_size = F._pair(kernel_size, "kernel_size", "MaxUnpool2d", 1)
        self.stride = self.kernel_size if stride is None else F._pair(stride, "stride", "MaxUnpool2d", 1)
        self.padding = F._pair(padding, "padding", "MaxUnpool2d", 0)

    def forward(self, x: Any, indices: Any, output_size: Any = None) -> Tensor:
        x = _input(self, x)
        _check_image(self, x)
        return F.max_unpool2d(x, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def label(self) -> str:
        kh, kw = self.kernel_size
        return f"MaxUnpool2d({kh}×{kw})"


class _AdaptivePool2d(Module):
    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = F._output_size(output_size, type(self).__name__)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"

    def label(self) -> str:
        oh, ow = ("H" if self.output_size[0] is None else self.output_size[0],
                  "W" if self.output_size[1] is None else self.output_size[1])
        return f"{type(self).__name__}({oh}×{ow})"


class AdaptiveAvgPool2d(_AdaptivePool2d):
    """Mean over adaptive bins of NCHW images: (N, C, H, W) -> (N, C, OH, OW).

    output_size: an int or a pair (OH, OW), None keeping the input's size.
    Bins as F.adaptive_avg_pool2d (PyTorch's); AdaptiveAvgPool2d(1) is the
    global average pool, (N, C, 1, 1).
    """

    def forward(self, x: Any) -> Tensor:
        x = _input(self, x)
        _check_image(self, x)
        return F.adaptive_avg_pool2d(x, self.output_size)


class AdaptiveMaxPool2d(_AdaptivePool2d):
    """Maximum over adaptive bins of NCHW images: (N, C, H, W) -> (N, C, OH, OW).

    output_size as AdaptiveAvgPool2d. With return_indices=True the forward returns
    (out, indices), indices as F.adaptive_max_pool2d's (int64 flat positions in each
    (H, W) plane, out's shape).
    """

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__(output_size)
        self.return_indices = _flag(return_indices, "return_indices", "AdaptiveMaxPool2d")

    def forward(self, x: Any) -> Tensor | tuple[Tensor, Tensor]:
        x = _input(self, x)
        _check_image(self, x)
        return F.adaptive_max_pool2d(x, self.output_size, self.return_indices)
