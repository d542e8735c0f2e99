"""The 1-D companions of Conv1d, as PyTorch's: MaxPool1d, AvgPool1d, AdaptiveAvgPool1d,
AdaptiveMaxPool1d, MaxUnpool1d, ConvTranspose1d and Dropout1d, for sequences (N, C, L)
or (C, L). The math is F's 1-D functions (the 2-D ops on x as (N, C, 1, L)); an error
in forward names the layer (its label) and the input's shape."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor, _check_device, _flag, _is_index
from . import functional as F
from ._common import _input
from .conv import _one, _reset_conv, _sequence_input, _transpose_init, _transpose_output_padding, _transpose_repr
from .dropout import _DropoutNd
from .functional import one_d as F1
from .module import Module


def _kernel_padding(where: str, kernel_size: int, padding: int) -> None:
    if 2 * padding > kernel_size:
        raise ValueError(f"{where}: padding must be between 0 and half the kernel size, got padding "
                         f"{padding} for kernel_size {kernel_size}")


class MaxPool1d(Module):
    """Maximum over windows of kernel_size entries of sequences: (N, C, L) -> (N, C, OL)
    (or (C, L) -> (C, OL)), padding counting as -inf; F.max_pool1d's math.

    stride defaults to kernel_size; OL = (L + 2p - d*(k-1) - 1) // s + 1, or with
    ceil_mode F.max_pool1d's rule. Arguments in PyTorch's order, kept as ints (as
    PyTorch's MaxPool1d). With return_indices=True the forward returns (out, indices),
    int64 positions in [0, L), which MaxUnpool1d takes.
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__()
        where = "MaxPool1d"
        self.kernel_size = F._single(kernel_size, "kernel_size", where, 1)
        self.stride = self.kernel_size if stride is None else F._single(stride, "stride", where, 1)
        self.padding = F._single(padding, "padding", where, 0)
        self.dilation = F._single(dilation, "dilation", where, 1)
        self.return_indices = _flag(return_indices, "return_indices", where)
        self.ceil_mode = _flag(ceil_mode, "ceil_mode", where)
        _kernel_padding(where, self.kernel_size, self.padding)

    def forward(self, x: Any) -> Tensor | tuple[Tensor, Tensor]:
        return F1._max_pool1d(_input(self, x), self.kernel_size, self.stride, self.padding, self.dilation,
                              self.ceil_mode, self.return_indices, self.label())

    def extra_repr(self) -> str:  # (PyTorch's)
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")

    def label(self) -> str:
        return f"MaxPool1d({self.kernel_size})"


class AvgPool1d(Module):
    """Mean over windows of kernel_size entries of sequences: (N, C, L) -> (N, C, OL)
    (or (C, L) -> (C, OL)); F.avg_pool1d's math.

    stride defaults to kernel_size; with count_include_pad=True (PyTorch's default) the
    padded zeros count in the divisor k. kernel_size, stride and padding are kept as
    tuples of one (as PyTorch's AvgPool1d). Arguments in PyTorch's order.
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True) -> None:
        super().__init__()
        where = "AvgPool1d"
        self.kernel_size = (F._single(kernel_size, "kernel_size", where, 1),)
        self.stride = self.kernel_size if stride is None else (F._single(stride, "stride", where, 1),)
        self.padding = (F._single(padding, "padding", where, 0),)
        self.ceil_mode = _flag(ceil_mode, "ceil_mode", where)
        self.count_include_pad = _flag(count_include_pad, "count_include_pad", where)
        _kernel_padding(where, self.kernel_size[0], self.padding[0])

    def forward(self, x: Any) -> Tensor:
        return F1._avg_pool1d(_input(self, x), self.kernel_size, self.stride, self.padding, self.ceil_mode,
                              self.count_include_pad, self.label())

    def extra_repr(self) -> str:  # (PyTorch's)
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def label(self) -> str:
        return f"AvgPool1d({self.kernel_size[0]})"


def _output_length(output_size: Any, where: str) -> int:
    one = output_size[0] if isinstance(output_size, (tuple, list)) and len(output_size) == 1 else output_size
    if not _is_index(one):
        raise TypeError(f"{where}: output_size must be an int or a tuple of one int, got {output_size!r}")
    if one < 0:
        raise ValueError(f"{where}: output_size must be non-negative, got {output_size!r}")
    return int(one)


class AdaptiveAvgPool1d(Module):
    """Mean over adaptive bins of sequences: (N, C, L) -> (N, C, OL) (or (C, L) -> (C, OL)).

    output_size OL: an int (or a tuple of one). Bins as F.adaptive_avg_pool1d
    (PyTorch's); AdaptiveAvgPool1d(1) is the global average pool, (N, C, 1).
    """

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = _output_length(output_size, type(self).__name__)

    def forward(self, x: Any) -> Tensor:
        return F1._adaptive_avg_pool1d(_input(self, x), self.output_size, self.label())

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"

    def label(self) -> str:
        return f"{type(self).__name__}({self.output_size})"


class AdaptiveMaxPool1d(AdaptiveAvgPool1d):
    """Maximum over adaptive bins of sequences: (N, C, L) -> (N, C, OL) (or (C, L) -> (C, OL)).

    output_size as AdaptiveAvgPool1d. With return_indices=True the forward returns
    (out, indices), indices as F.adaptive_max_pool1d's (int64 positions in [0, L)).
    """

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__(output_size)
        self.return_indices = _flag(return_indices, "return_indices", "AdaptiveMaxPool1d")

    def forward(self, x: Any) -> Tensor | tuple[Tensor, Tensor]:
        return F1._adaptive_max_pool1d(_input(self, x), self.output_size, self.return_indices, self.label())


class MaxUnpool1d(Module):
    """MaxPool1d's partial inverse: (N, C, L) values and their indices -> (N, C, Lout)
    (or without N), zeros but where the indices point (F.max_unpool1d).

    kernel_size, stride (defaults to kernel_size) and padding are the pool's (kept as
    tuples of one, as PyTorch's); Lout = (L - 1)*stride - 2*padding + kernel_size, or
    forward's output_size ((Lout,) or (N, C, Lout), within a stride of that).
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        where = "MaxUnpool1d"
        self.kernel_size = (F._single(kernel_size, "kernel_size", where, 1),)
        self.stride = self.kernel_size if stride is None else (F._single(stride, "stride", where, 1),)
        self.padding = (F._single(padding, "padding", where, 0),)

    def forward(self, x: Any, indices: Any, output_size: Any = None) -> Tensor:
        return F1._max_unpool1d(_input(self, x), indices, self.kernel_size, self.stride, self.padding,
                                output_size, self.label())

    def extra_repr(self) -> str:  # (PyTorch's)
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def label(self) -> str:
        return f"MaxUnpool1d({self.kernel_size[0]})"


class ConvTranspose1d(Module):
    """1-D transposed convolution of sequences, as PyTorch's (the adjoint of Conv1d's map).

    weight (in_channels, out_channels/groups, k) (input channels first), bias
    (out_channels,). Input (N, in_channels, L) or (in_channels, L); output
    (N, out_channels, OL) (or without N) with
    OL = (L - 1)*s - 2*p + d*(k - 1) + output_padding + 1.
    kernel_size, stride, padding, output_padding and dilation: an int or a tuple of
    one, kept as tuples of one (as PyTorch); output_padding smaller than the stride or
    the dilation; padding_mode only 'zeros' (as PyTorch). forward(x, output_size=None):
    output_size, (OL,) or a shape ending with it, picks the output_padding that gives
    it. The math is F.conv_transpose1d's. Default initialisation as PyTorch's: weight
    and bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = out_channels/groups * k.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int],
        stride: int | tuple[int] = 1,
        padding: int | tuple[int] = 0,
        output_padding: int | tuple[int] = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: int | tuple[int] = 1,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        _check_device(device, "ConvTranspose1d")
        super().__init__()
        _transpose_init(self, "ConvTranspose1d", in_channels, out_channels, _one, kernel_size, stride, padding,
                        output_padding, groups, bias, dilation, padding_mode, dtype)

    def reset_parameters(self) -> None:
        """PyTorch's default initialisation (see the class docstring)."""
        _reset_conv(self)

    def forward(self, x: Any, output_size: Any = None) -> Tensor:
        x, shape = _sequence_input(self, x)
        (op,) = _transpose_output_padding(self, shape, output_size)
        return F.conv_transpose1d(x, self.weight, self.bias, self.stride, self.padding, op, self.groups,
                                  self.dilation)

    def extra_repr(self) -> str:
        return _transpose_repr(self)

    def label(self) -> str:
        return f"ConvTranspose1d({self.in_channels}→{self.out_channels}, {self.kernel_size[0]})"


class Dropout1d(_DropoutNd):
    """Channel-wise dropout of sequences (N, C, L) or (C, L): in training each whole
    channel is zeroed with probability p and the rest scaled by 1/(1-p); eval is the
    identity. Output of the input's shape (F.dropout1d). Uses the library's generator
    (am.manual_seed). `inplace` as in Dropout."""

    _function = staticmethod(F.dropout1d)
