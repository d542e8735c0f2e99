"""The volumetric layers, as PyTorch's: Conv3d, ConvTranspose3d, MaxPool3d, AvgPool3d,
AdaptiveAvgPool3d, AdaptiveMaxPool3d, MaxUnpool3d, BatchNorm3d, InstanceNorm3d and Dropout3d,
for x (N, C, D, H, W) or one volume (C, D, H, W) (BatchNorm3d:
(N, C, D, H, W) only, as PyTorch). The math is F's 3-D functions (F.conv3d, ...); an error
in forward names the layer (its label) and the input's shape."""

from __future__ import annotations

from typing import Any

from ..functions import pad
from ..tensor import Tensor, _check_device, _flag
from ._common import _input
from .conv import (_check_mode_fits, _conv_init, _conv_parameters, _conv_repr, _padding_mode, _reset_conv,
                   _transpose_init, _transpose_output_padding, _transpose_repr)
from .dropout import _DropoutNd
from .functional import three_d as F3
from .module import Module
from .normalization import _BatchNorm, _InstanceNorm


def _volume_shape(layer: Module, x: Tensor) -> tuple:
    shape = tuple(x.shape)
    if len(shape) not in (4, 5):
        raise ValueError(f"{layer.label()}: expected input of shape {F3._LAYOUT}, got shape {shape}")
    return shape


class Conv3d(Module):
    """3-D convolution (cross-correlation, as in PyTorch) of volumes (N, C, D, H, W).

    weight (out_channels, in_channels/groups, kd, kh, kw), bias (out_channels,).
    Input (N, in_channels, D, H, W) or (in_channels, D, H, W); output
    (N, out_channels, OD, OH, OW) (or without N) with
    OD = (D + 2*pd - dd*(kd-1) - 1) // sd + 1 (OH, OW alike). kernel_size, stride,
    padding and dilation: an int or a triple (kept as triples, as PyTorch); padding also
    'valid' or 'same' (stride 1; output D x H x W). padding_mode as Conv2d's: 'zeros',
    'reflect', 'replicate' or 'circular'. The math is F.conv3d's. Default initialisation
    as PyTorch's: weight and bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
    fan_in = in_channels/groups * kd * kh * kw.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int, int],
        stride: int | tuple[int, int, int] = 1,
        padding: int | tuple[int, int, int] | str = 0,
        dilation: int | tuple[int, int, int] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        _check_device(device, "Conv3d")
        super().__init__()
        where = _conv_init(self, "Conv3d", in_channels, out_channels, F3._triple, kernel_size, stride, dilation,
                           groups, padding_mode)
        pads = F3._conv3d_padding(padding, self.kernel_size, self.dilation, self.stride, where)
        self.padding: tuple[int, int, int] | str = padding if isinstance(padding, str) else tuple(
            a for a, _ in pads)
        _conv_parameters(self, (self.out_channels, self.in_channels // self.groups) + self.kernel_size, bias,
                         dtype, where)

    def reset_parameters(self) -> None:
        """PyTorch's default initialisation (see the class docstring)."""
        _reset_conv(self)

    def forward(self, x: Any) -> Tensor:
        x = _input(self, x)
        shape = _volume_shape(self, x)
        if shape[-4] != self.in_channels:
            raise ValueError(f"{self.label()}: expected input with {self.in_channels} channels, got shape {shape}")
        pads = F3._conv3d_padding(self.padding, self.kernel_size, self.dilation, self.stride, self.label())
        F3._check_fits3(self.label(), shape, pads, self.kernel_size, self.dilation)
        if self.padding_mode == "zeros":
            return F3.conv3d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)
        mode = _padding_mode(self.padding_mode, self.label())
        _check_mode_fits(self, mode, pads, shape)
        if any(map(any, pads)):
            x = pad(x, ((0, 0),) * (len(shape) - 3) + pads, mode=mode)
        return F3.conv3d(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)

    def extra_repr(self) -> str:
        return _conv_repr(self)

    def label(self) -> str:
        return f"Conv3d({self.in_channels}→{self.out_channels}, {'×'.join(map(str, self.kernel_size))})"


def _checked(value: Any, what: str, where: str, minimum: int) -> Any:
    """value as given (an int or a tuple, as PyTorch's pooling layers keep it), once checked."""
    F3._triple(value, what, where, minimum)
    return tuple(value) if isinstance(value, list) else value


class MaxPool3d(Module):
    """Maximum over kd x kh x kw windows of volumes: (N, C, D, H, W) -> (N, C, OD, OH, OW)
    (or without N), padding counting as -inf; F.max_pool3d's math.

    stride defaults to kernel_size; OD = (D + 2p - d*(kd-1) - 1) // s + 1, or with ceil_mode
    F.max_pool3d's rule. Arguments in PyTorch's order, kept as given (as PyTorch's). With
    return_indices=True the forward returns (out, indices), int64 flat positions in the
    (D, H, W) volume.
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__()
        where = "MaxPool3d"
        self.kernel_size = _checked(kernel_size, "kernel_size", where, 1)
        self.stride = self.kernel_size if stride is None else _checked(stride, "stride", where, 1)
        self.padding = _checked(padding, "padding", where, 0)
        self.dilation = _checked(dilation, "dilation", where, 1)
        self.return_indices = _flag(return_indices, "return_indices", where)
        self.ceil_mode = _flag(ceil_mode, "ceil_mode", where)
        k, p = F3._triple(self.kernel_size, "", where, 1), F3._triple(self.padding, "", where, 0)
        if any(2 * b > a for a, b in zip(k, p)):
            raise ValueError(f"{where}: padding {self.padding} must be at most half the kernel size "
                             f"{self.kernel_size}")

    def forward(self, x: Any) -> Tensor | tuple[Tensor, Tensor]:
        x = _input(self, x)
        _volume_shape(self, x)
        return F3.max_pool3d(x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                             self.return_indices)

    def extra_repr(self) -> str:  # (PyTorch's)
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")

    def label(self) -> str:
        return f"MaxPool3d({self.kernel_size})"


class AvgPool3d(Module):
    """Mean over kd x kh x kw windows of volumes: (N, C, D, H, W) -> (N, C, OD, OH, OW)
    (or without N); F.avg_pool3d's math.

    stride defaults to kernel_size; with count_include_pad=True (PyTorch's default) the
    padded zeros count in the divisor kd*kh*kw; divisor_override (a nonzero int) replaces
    the divisor. Arguments in PyTorch's order, kept as given (as PyTorch's).
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: int | None = None) -> None:
        super().__init__()
        where = "AvgPool3d"
        self.kernel_size = _checked(kernel_size, "kernel_size", where, 1)
        self.stride = self.kernel_size if stride is None else _checked(stride, "stride", where, 1)
        self.padding = _checked(padding, "padding", where, 0)
        self.ceil_mode = _flag(ceil_mode, "ceil_mode", where)
        self.count_include_pad = _flag(count_include_pad, "count_include_pad", where)
        self.divisor_override = F3._divisor(divisor_override, where)
        k, p = F3._triple(self.kernel_size, "", where, 1), F3._triple(self.padding, "", where, 0)
        if any(2 * b > a for a, b in zip(k, p)):
            raise ValueError(f"{where}: padding {self.padding} must be at most half the kernel size "
                             f"{self.kernel_size}")

    def forward(self, x: Any) -> Tensor:
        x = _input(self, x)
        _volume_shape(self, x)
        return F3.avg_pool3d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                             self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:  # (PyTorch's)
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def label(self) -> str:
        return f"AvgPool3d({self.kernel_size})"


class AdaptiveAvgPool3d(Module):
    """Mean over adaptive bins of volumes: (N, C, D, H, W) -> (N, C, OD, OH, OW) (or without N).

    output_size: an int or a triple whose None entries keep the input's size. Bins as
    F.adaptive_avg_pool3d (PyTorch's); AdaptiveAvgPool3d(1) is the global average pool.
    """

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        F3._output_size3(output_size, "AdaptiveAvgPool3d")
        self.output_size = tuple(output_size) if isinstance(output_size, list) else output_size

    def forward(self, x: Any) -> Tensor:
        x = _input(self, x)
        _volume_shape(self, x)
        return F3.adaptive_avg_pool3d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"

    def label(self) -> str:
        return f"AdaptiveAvgPool3d({self.output_size})"


class BatchNorm3d(_BatchNorm):
    """Batch normalisation of (N, C, D, H, W) volumes, per channel C; output of the input's shape.

    y = (x - mean) / sqrt(var + eps) * weight + bias, with mean and var over N, D, H and W
    in training, the running statistics in eval (see BatchNorm2d and F.batch_norm).
    """

    _ndims = (5,)
    _layout = "(N, C, D, H, W)"


class Dropout3d(_DropoutNd):
    """Channel-wise dropout of volumes (N, C, D, H, W) or (C, D, H, W): in training each whole
    channel is zeroed with probability p and the rest scaled by 1/(1-p); eval is the
    identity. Output of the input's shape (F.dropout3d). Uses the library's generator
    (am.manual_seed). `inplace` as in Dropout."""

    _function = staticmethod(F3.dropout3d)


class ConvTranspose3d(Module):
    """3-D transposed convolution of volumes, as PyTorch's (the adjoint of Conv3d's map).

    weight (in_channels, out_channels/groups, kd, kh, kw) (input channels first), bias
    (out_channels,). Input (N, in_channels, D, H, W) or (in_channels, D, H, W); output
    (N, out_channels, OD, OH, OW) (or without N) with
    OD = (D - 1)*sd - 2*pd + dd*(kd - 1) + opd + 1 (OH, OW alike). padding: an int or a
    triple; output_padding: each smaller than its stride or its dilation; padding_mode
    'zeros' only (as PyTorch). forward(x, output_size=None): output_size, (OD, OH, OW) or a
    shape ending with them, picks the output_padding giving it. The math is
    F.conv_transpose3d's. Default initialisation as PyTorch's: weight and bias
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = out_channels/groups * kd * kh * kw.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int, int],
        stride: int | tuple[int, int, int] = 1,
        padding: int | tuple[int, int, int] = 0,
        output_padding: int | tuple[int, int, int] = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: int | tuple[int, int, int] = 1,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        _check_device(device, "ConvTranspose3d")
        super().__init__()
        _transpose_init(self, "ConvTranspose3d", in_channels, out_channels, F3._triple, kernel_size, stride,
                        padding, output_padding, groups, bias, dilation, padding_mode, dtype)

    def reset_parameters(self) -> None:
        """PyTorch's default initialisation (see the class docstring)."""
        _reset_conv(self)

    def forward(self, x: Any, output_size: Any = None) -> Tensor:
        x = _input(self, x)
        shape = _volume_shape(self, x)
        if shape[-4] != self.in_channels:
            raise ValueError(f"{self.label()}: expected input with {self.in_channels} channels, got shape {shape}")
        output_padding = _transpose_output_padding(self, shape, output_size)
        return F3.conv_transpose3d(x, self.weight, self.bias, self.stride, self.padding, output_padding,
                                   self.groups, self.dilation)

    def extra_repr(self) -> str:
        return _transpose_repr(self)

    def label(self) -> str:
        return f"ConvTranspose3d({self.in_channels}→{self.out_channels}, {'×'.join(map(str, self.kernel_size))})"


class AdaptiveMaxPool3d(Module):
    """Maximum over adaptive bins of volumes: (N, C, D, H, W) -> (N, C, OD, OH, OW) (or without N).

    output_size: an int or a triple whose None entries keep the input's size; bins as
    F.adaptive_max_pool3d (PyTorch's). With return_indices=True the forward returns
    (out, indices), int64 flat positions in the (D, H, W) volume.
    """

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__()
        F3._output_size3(output_size, "AdaptiveMaxPool3d")
        self.output_size = tuple(output_size) if isinstance(output_size, list) else output_size
        self.return_indices = _flag(return_indices, "return_indices", "AdaptiveMaxPool3d")

    def forward(self, x: Any) -> Tensor | tuple[Tensor, Tensor]:
        x = _input(self, x)
        _volume_shape(self, x)
        return F3.adaptive_max_pool3d(x, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"

    def label(self) -> str:
        return f"AdaptiveMaxPool3d({self.output_size})"


class MaxUnpool3d(Module):
    """MaxPool3d's partial inverse: (N, C, D, H, W) values and their indices ->
    (N, C, Dout, Hout, Wout) (or without N), zeros but where the indices point (F.max_unpool3d).

    kernel_size, stride (defaults to kernel_size) and padding are the pool's (kept as
    triples, as PyTorch's); Dout = (D - 1) * stride - 2 * padding + kernel_size (Hout, Wout
    alike), or forward's output_size ((Dout, Hout, Wout) or a whole shape, within a stride).
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        self.kernel_size = F3._triple(kernel_size, "kernel_size", "MaxUnpool3d", 1)
        self.stride = self.kernel_size if stride is None else F3._triple(stride, "stride", "MaxUnpool3d", 1)
        self.padding = F3._triple(padding, "padding", "MaxUnpool3d", 0)

    def forward(self, x: Any, indices: Any, output_size: Any = None) -> Tensor:
        x = _input(self, x)
        _volume_shape(self, x)
        return F3.max_unpool3d(x, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def label(self) -> str:
        return f"MaxUnpool3d({'×'.join(map(str, self.kernel_size))})"


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation of volumes (PyTorch's): input (N, C, D, H, W) or (C, D, H, W)
    with C = num_features, output of its shape; each channel of each volume normalised over
    its D*H*W positions, y = (x - mean) / sqrt(var + eps) * weight + bias (see
    InstanceNorm2d for affine, track_running_stats and the running buffers)."""

    _ndim = 5
    _layout = "(N, C, D, H, W) or (C, D, H, W)"
