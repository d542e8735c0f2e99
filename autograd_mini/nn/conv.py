"""Convolutions, as PyTorch's: Conv1d, Conv2d and ConvTranspose2d (the math is
F.conv1d, F.conv2d and F.conv_transpose2d), with their shared checks and
default initialisation."""

from __future__ import annotations

import math
from typing import Any

from ..functions import pad
from ..tensor import Tensor, _check_device, _flag, _is_index
from . import functional as F
from . import init
from ._common import _check_image, _empty, _input
from .functional.conv import _output_padding_fits
from .module import Module


class Conv2d(Module):
    """2-D convolution (cross-correlation, as in PyTorch) of NCHW images.

    weight (out_channels, in_channels/groups, kh, kw), bias (out_channels,).
    Input (N, in_channels, H, W) or (in_channels, H, W); output
    (N, out_channels, OH, OW) (or without N) with
    OH = (H + 2*ph - dh*(kh-1) - 1) // sh + 1 (likewise OW).
    padding: int, pair, 'valid' (0) or 'same' (stride 1 only; output H×W, any
    odd extra pixel padded on the bottom/right, as PyTorch does).
    padding_mode, as PyTorch's: 'zeros' (default), or 'reflect' (mirrored
    without the edge; each padding less than the input's size), 'replicate'
    (the edge repeated) or 'circular' (periodic; each padding at most the
    input's size), whose padding is done by am.pad (numpy's modes 'reflect',
    'edge', 'wrap') before a convolution without padding.
    Default initialisation as Linear with fan_in = in_channels/groups * kh * kw.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] | str = 0,
        dilation: int | tuple[int, int] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        _check_device(device, "Conv2d")
        super().__init__()
        where = _conv_init(self, "Conv2d", in_channels, out_channels, F._pair, kernel_size, stride, dilation,
                           groups, padding_mode)
        # Validates padding (an int, a pair, 'valid' or 'same') once, here.
        self._pads = F._conv_padding(padding, self.kernel_size, self.dilation, self.stride, where)
        self.padding: tuple[int, int] | str = padding if isinstance(padding, str) else (
            self._pads[0][0], self._pads[1][0])
        self._pads_of = self.padding  # (the padding _pads was computed from)
        _conv_parameters(self, (self.out_channels, self.in_channels // self.groups) + self.kernel_size, bias,
                         dtype, where)

    def reset_parameters(self) -> None:
        """PyTorch's default initialisation (see the class docstring)."""
        _reset_conv(self)

    def forward(self, x: Any) -> Tensor:
        x = _input(self, x)
        shape = _check_image(self, x)
        if shape[-3] != self.in_channels:
            raise ValueError(f"{self.label()}: expected input with {self.in_channels} channels, got shape {shape}")
        if self.padding is not self._pads_of:  # (set after construction, as PyTorch allows)
            self._pads = F._conv_padding(self.padding, self.kernel_size, self.dilation, self.stride, self.label())
            self._pads_of = self.padding
        F._check_fits(self.label(), shape, self._pads, self.kernel_size, self.dilation)
        if self.padding_mode != "zeros":
            return self._conv_padded(x, shape)
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)

    def _conv_padded(self, x: Tensor, shape: tuple) -> Tensor:
        """padding_mode 'reflect', 'replicate' or 'circular': am.pad, then a convolution without padding."""
        mode = _padding_mode(self.padding_mode, self.label())
        _check_mode_fits(self, mode, self._pads, shape)
        if any(map(any, self._pads)):  # (padding 0: am.pad would only copy x)
            x = pad(x, ((0, 0),) * (len(shape) - 2) + self._pads, mode=mode)
        return F.conv2d(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)

    def extra_repr(self) -> str:
        return _conv_repr(self)

    def label(self) -> str:
        kh, kw = self.kernel_size
        return f"Conv2d({self.in_channels}→{self.out_channels}, {kh}×{kw})"


_PADDING_MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _padding_mode(padding_mode: Any, where: str) -> str:
    """Conv2d's padding_mode (PyTorch's names), as am.pad's mode (numpy's)."""
    if not isinstance(padding_mode, str) or padding_mode not in _PADDING_MODES:
        raise ValueError(
            f"{where}: padding_mode must be one of {tuple(_PADDING_MODES)}, got {padding_mode!r}"
        )
    return _PADDING_MODES[padding_mode]


def _conv_parameters(layer: Module, weight_shape: tuple, bias: Any, dtype: Any, where: str) -> None:
    """Give a convolution its weight (of weight_shape) and bias (its output channels, or
    None with bias=False), initialised as PyTorch's (reset_parameters)."""
    layer.weight = _empty(weight_shape, dtype)
    if _flag(bias, "bias", where):
        layer.bias = _empty((layer.out_channels,), dtype)
    else:
        layer.register_parameter("bias", None)
    layer.reset_parameters()


def _check_mode_fits(layer: Module, mode: str, pads: tuple, shape: tuple) -> None:
    """Refuse a padding that numpy's mode cannot make from the input: reflect needs each
    padding below the input's size along its axis, wrap (circular) at most that size.
    pads: (before, after) per padded axis, the last len(pads) axes of shape."""
    for n, (lo, hi) in zip(shape[len(shape) - len(pads):], pads):
        if (mode == "reflect" and max(lo, hi) >= n) or (mode == "wrap" and max(lo, hi) > n):
            raise ValueError(
                f"{layer.label()}: padding_mode={layer.padding_mode!r} needs each padding "
                f"{'less than' if mode == 'reflect' else 'at most'} the input's size, got padding "
                f"{pads if len(pads) > 1 else pads[0]} for input of shape {shape}"
            )


def _conv_repr(layer: Module) -> str:
    """Conv2d's and Conv3d's extra_repr: the channels, kernel and stride, then whatever
    differs from the defaults (padding 0 or 'valid', dilation 1, one group, a bias, 'zeros')."""
    n = len(layer.kernel_size)
    s = f"{layer.in_channels}, {layer.out_channels}, kernel_size={layer.kernel_size}, stride={layer.stride}"
    if layer.padding not in ((0,) * n, "valid"):
        s += f", padding={layer.padding!r}"
    if layer.dilation != (1,) * n:
        s += f", dilation={layer.dilation}"
    if layer.groups != 1:
        s += f", groups={layer.groups}"
    if layer.bias is None:
        s += ", bias=False"
    if layer.padding_mode != "zeros":
        s += f", padding_mode={layer.padding_mode!r}"
    return s


def _reset_conv(layer: Module) -> None:
    """PyTorch's default initialisation of a convolution's weight and bias:
    both U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (the weight by kaiming_uniform_ with
    a = sqrt(5)), fan_in = weight.shape[1] * prod(kernel_size)."""
    fan_in = layer.weight.shape[1] * math.prod(layer.kernel_size)
    init.kaiming_uniform_(layer.weight, a=math.sqrt(5)) if fan_in else init.zeros_(layer.weight)
    if layer.bias is not None:
        bound = 1.0 / math.sqrt(fan_in) if fan_in else 0.0
        init.uniform_(layer.bias, -bound, bound)


def _conv_channels(where: str, in_channels: Any, out_channels: Any, groups: Any) -> tuple[int, int, int]:
    # (types first: the divisibility test below would format a str with %)
    in_channels = F._int(in_channels, "in_channels", where, 0)
    out_channels = F._int(out_channels, "out_channels", where, 0)
    groups = F._int(groups, "groups", where, 1)
    if in_channels % groups or out_channels % groups:
        raise ValueError(
            f"{where}: groups={groups} must divide in_channels={in_channels} and out_channels={out_channels}"
        )
    return in_channels, out_channels, groups


def _one(value: Any, what: str, where: str, minimum: int) -> tuple[int]:
    """F._single as a 1-tuple (the layers keep their hyperparameters as tuples, as PyTorch)."""
    return (F._single(value, what, where, minimum),)


def _conv_init(layer: Module, name: str, in_channels: Any, out_channels: Any, tuple_of: Any, kernel_size: Any,
               stride: Any, dilation: Any, groups: Any, padding_mode: Any) -> str:
    """Conv1d/2d/3d's __init__ up to the padding (each reads its own padding rule): the
    padding_mode, the channels and groups, and kernel_size, stride and dilation as tuples
    (tuple_of(value, what, where, minimum) parses one, with the dimension's arity).
    Returns the layer's name for errors."""
    where = f"{name}({in_channels}→{out_channels})"
    _padding_mode(padding_mode, where)
    layer.padding_mode = padding_mode
    layer.in_channels, layer.out_channels, layer.groups = _conv_channels(where, in_channels, out_channels, groups)
    layer.kernel_size = tuple_of(kernel_size, "kernel_size", where, 1)
    layer.stride = tuple_of(stride, "stride", where, 1)
    layer.dilation = tuple_of(dilation, "dilation", where, 1)
    return where


def _transpose_init(layer: Module, name: str, in_channels: Any, out_channels: Any, tuple_of: Any,
                    kernel_size: Any, stride: Any, padding: Any, output_padding: Any, groups: Any, bias: Any,
                    dilation: Any, padding_mode: Any, dtype: Any) -> None:
    """ConvTranspose1d/2d/3d's __init__: the hyperparameters as tuples (tuple_of(value, what,
    where, minimum) parses one, with the dimension's arity), output_padding each below its
    stride or its dilation, padding_mode 'zeros' only (as PyTorch), weight
    (in_channels, out_channels/groups, *kernel_size) and bias (out_channels,)."""
    where = f"{name}({in_channels}→{out_channels})"
    if padding_mode != "zeros":
        raise ValueError(f"{where}: only padding_mode='zeros' is supported (as PyTorch), got {padding_mode!r}")
    layer.padding_mode = padding_mode
    layer.in_channels, layer.out_channels, layer.groups = _conv_channels(where, in_channels, out_channels, groups)
    layer.kernel_size = tuple_of(kernel_size, "kernel_size", where, 1)
    layer.stride = tuple_of(stride, "stride", where, 1)
    layer.padding = tuple_of(padding, "padding", where, 0)
    layer.dilation = tuple_of(dilation, "dilation", where, 1)
    layer.output_padding = _output_padding_fits(tuple_of(output_padding, "output_padding", where, 0),
                                                layer.stride, layer.dilation, where)
    _conv_parameters(layer, (layer.in_channels, layer.out_channels // layer.groups) + layer.kernel_size, bias,
                     dtype, where)

def _transpose_output_padding(layer: Module, shape: tuple, output_size: Any) -> tuple:
    """ConvTranspose1d/2d/3d.forward's output_padding for input of `shape` (its last
    nd = len(layer.kernel_size) entries the spatial sizes): layer.output_padding, or the one
    giving output_size ((OL,), (OH, OW) or (OD, OH, OW), or a whole shape ending with them),
    each size within a stride of the smallest output, as PyTorch. Refuses an empty output."""
    nd = len(layer.kernel_size)
    smallest = tuple((n - 1) * s - 2 * p + d * (k - 1) + 1 for n, s, p, d, k in zip(
        shape[-nd:], layer.stride, layer.padding, layer.dilation, layer.kernel_size))
    output_padding = tuple(layer.output_padding)
    if output_size is not None:
        size = tuple(output_size) if isinstance(output_size, (tuple, list)) else ()
        if len(size) == len(shape):  # (a whole shape: its spatial sizes)
            size = size[-nd:]
        if len(size) != nd or not all(_is_index(n) for n in size):
            names = "(OL,) or a shape ending with it" if nd == 1 else \
                f"({', '.join(('OD', 'OH', 'OW')[-nd:])}) or a shape ending with them"
            raise ValueError(f"{layer.label()}: output_size must be {names}, got {output_size!r}")
        if not all(lo <= n < lo + s for n, lo, s in zip(size, smallest, layer.stride)):
            ranges = " and ".join(f"[{lo}, {lo + s - 1}]" for lo, s in zip(smallest, layer.stride))
            raise ValueError(f"{layer.label()}: output_size {tuple(size)} is not reachable from input of "
                             f"shape {shape}: {'OL' if nd == 1 else 'each size'} must be in {ranges}")
        output_padding = tuple(int(n) - lo for n, lo in zip(size, smallest))
    out = tuple(n + o for n, o in zip(smallest, output_padding))
    if min(out) < 1:
        what = f"length {out[0]}" if nd == 1 else f"size {out}"
        raise ValueError(f"{layer.label()}: input of shape {shape} gives an output of {what}: too small")
    return output_padding


def _transpose_repr(layer: Module) -> str:
    """ConvTranspose1d/2d/3d's extra_repr, PyTorch's word for word."""
    nd = len(layer.kernel_size)
    s = f"{layer.in_channels}, {layer.out_channels}, kernel_size={layer.kernel_size}, stride={layer.stride}"
    if layer.padding != (0,) * nd:
        s += f", padding={layer.padding}"
    if layer.dilation != (1,) * nd:
        s += f", dilation={layer.dilation}"
    if layer.output_padding != (0,) * nd:
        s += f", output_padding={layer.output_padding}"
    if layer.groups != 1:
        s += f", groups={layer.groups}"
    if layer.bias is None:
        s += ", bias=False"
    return s

def _sequence_input(layer: Module, x: Any) -> tuple[Tensor, tuple]:
    """x as a tensor and its shape, which must be (N, C, L) or (C, L) with C = layer.in_channels
    (Conv1d's and ConvTranspose1d's input)."""
    x = _input(layer, x)
    shape = tuple(x.shape)
    if len(shape) not in (2, 3):
        raise ValueError(f"{layer.label()}: expected input of shape (N, C, L) or (C, L), got shape {shape}")
    if shape[-2] != layer.in_channels:
        raise ValueError(f"{layer.label()}: expected input with {layer.in_channels} channels, got shape {shape}")
    return x, shape


class Conv1d(Module):
    """1-D convolution (cross-correlation, as in PyTorch) of sequences (N, C, L).

    weight (out_channels, in_channels/groups, k), bias (out_channels,).
    Input (N, in_channels, L) or (in_channels, L); output (N, out_channels, OL)
    (or without N) with OL = (L + 2*p - d*(k-1) - 1) // s + 1.
    kernel_size, stride, padding and dilation: an int or a tuple of one (kept
    as tuples of one, as PyTorch); padding also 'valid' or 'same' (stride 1;
    output length L, an odd extra one padded on the right). padding_mode as
    Conv2d's: 'zeros', 'reflect', 'replicate' or 'circular'. The math is
    F.conv1d's (conv2d of images one pixel high). Default initialisation as
    Conv2d's, fan_in = in_channels/groups * k.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int],
        stride: int | tuple[int] = 1,
        padding: int | tuple[int] | str = 0,
        dilation: int | tuple[int] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        _check_device(device, "Conv1d")
        super().__init__()
        where = _conv_init(self, "Conv1d", in_channels, out_channels, _one, kernel_size, stride, dilation,
                           groups, padding_mode)
        self._pads = F._conv1d_padding(padding, self.kernel_size[0], self.dilation[0], self.stride[0], where)
        self.padding: tuple[int] | str = padding if isinstance(padding, str) else (self._pads[0],)
        self.output_padding = (0,)  # (PyTorch's Conv1d has it too, always 0)
        _conv_parameters(self, (self.out_channels, self.in_channels // self.groups) + self.kernel_size, bias,
                         dtype, where)

    def reset_parameters(self) -> None:
        """PyTorch's default initialisation (see the class docstring)."""
        _reset_conv(self)

    def forward(self, x: Any) -> Tensor:
        x, shape = _sequence_input(self, x)
        # (padding may have been set after construction, as PyTorch allows)
        pads = F._conv1d_padding(self.padding, self.kernel_size[0], self.dilation[0], self.stride[0], self.label())
        F._check_length(self.label(), shape, pads, self.kernel_size[0], self.dilation[0])
        if self.padding_mode == "zeros":
            return F.conv1d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)
        mode = _padding_mode(self.padding_mode, self.label())
        _check_mode_fits(self, mode, (pads,), shape)
        if any(pads):
            x = pad(x, ((0, 0),) * (len(shape) - 1) + (pads,), mode=mode)
        return F.conv1d(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)

    def extra_repr(self) -> str:  # (PyTorch's, word for word)
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,):
            s += f", padding={self.padding}"
        if self.dilation != (1,):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s

    def label(self) -> str:
        return f"Conv1d({self.in_channels}→{self.out_channels}, {self.kernel_size[0]})"


class ConvTranspose2d(Module):
    """2-D transposed convolution of NCHW images, as PyTorch's (the adjoint of Conv2d's map).

    weight (in_channels, out_channels/groups, kh, kw) (input channels first),
    bias (out_channels,). Input (N, in_channels, H, W) or (in_channels, H, W);
    output (N, out_channels, OH, OW) (or without N) with
    OH = (H - 1)*sh - 2*ph + dh*(kh - 1) + oph + 1 (likewise OW).
    padding: an int or a pair (no 'same'/'valid', no padding_mode but 'zeros',
    as PyTorch); output_padding: each smaller than its stride or its dilation.
    forward(x, output_size=None): output_size, (OH, OW) or a shape ending with
    them, picks the output_padding that gives it (as PyTorch). The math is
    F.conv_transpose2d's. Default initialisation as PyTorch's: weight and bias
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = out_channels/groups * kh * kw
    (the weight's shape[1] times the kernel's size).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
        output_padding: int | tuple[int, int] = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: int | tuple[int, int] = 1,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        _check_device(device, "ConvTranspose2d")
        super().__init__()
        _transpose_init(self, "ConvTranspose2d", in_channels, out_channels, F._pair, kernel_size, stride, padding,
                        output_padding, groups, bias, dilation, padding_mode, dtype)

    def reset_parameters(self) -> None:
        """PyTorch's default initialisation (see the class docstring)."""
        _reset_conv(self)

    def forward(self, x: Any, output_size: Any = None) -> Tensor:
        x = _input(self, x)
        shape = _check_image(self, x)
        if shape[-3] != self.in_channels:
            raise ValueError(f"{self.label()}: expected input with {self.in_channels} channels, got shape {shape}")
        output_padding = _transpose_output_padding(self, shape, output_size)
        return F.conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding, output_padding,
                                  self.groups, self.dilation)

    def extra_repr(self) -> str:
        return _transpose_repr(self)

    def label(self) -> str:
        kh, kw = self.kernel_size
        return f"ConvTranspose2d({self.in_channels}→{self.out_channels}, {kh}×{kw})"
