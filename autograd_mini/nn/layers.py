"""Layers: Modules that hold parameters and call `nn.functional` in `forward`.

Every layer is a thin shell: it owns its parameters and buffers, checks the
input shape (naming the layer in the error, e.g. `Conv2d(3→8, 3×3): expected
input with 3 channels, got shape (2, 1, 5, 5)`) and delegates the math to the
composite in `functional`. No layer has backward code. Shapes are PyTorch's:
Linear weight (out, in), Conv2d weight (out, in/groups, kh, kw), images NCHW.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import Any, Iterator

import numpy as np

from .. import primitives as P
from ..functions import as_tensor, flatten, pad
from ..tensor import Tensor, _flag, _is_index, get_default_dtype
from . import functional as F
from . import init
from .module import Module, Parameter


def _empty(shape: tuple, dtype: Any) -> Parameter:
    return Parameter(np.zeros(shape, dtype=np.dtype(dtype) if dtype is not None else get_default_dtype()))


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


# -- containers ------------------------------------------------------------------------


class Sequential(Module):
    """Apply the modules in order: Sequential(m0, m1, ...) or Sequential(OrderedDict(name=m)).

    Children are named '0', '1', ... (or by the dict's keys), so parameters are
    named like '0.weight'. Supports len(), iteration, indexing (negative too)
    and slicing (a new Sequential sharing the modules and keeping their names).
    """

    def __init__(self, *modules: Any) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], (OrderedDict, dict)):
            items = list(modules[0].items())
        else:
            items = [(str(i), m) for i, m in enumerate(modules)]
        for name, m in items:
            if not isinstance(m, Module):
                raise TypeError(f"Sequential: entry {name!r} is a {type(m).__name__}, not a Module")
            self.add_module(str(name), m)

    def _items(self) -> list[tuple[str, Module]]:
        # (a slot emptied by assigning None keeps its place but holds no layer)
        return [(k, m) for k, m in self._modules.items() if m is not None]

    def forward(self, x: Any) -> Any:
        for m in self._modules.values():
            if m is not None:
                x = m(x)
        return x

    def append(self, module: Module) -> Sequential:
        """Add `module` at the end, named by the first unused position; returns self.
        (A slice keeps its modules' names: seq[1:] holds '1' and '2', so the next is '3'.)"""
        k = len(self._modules)
        while str(k) in self._modules:
            k += 1
        self.add_module(str(k), module)
        return self

    def __len__(self) -> int:
        return len(self._items())

    def __iter__(self) -> Iterator[Module]:
        return iter([m for _, m in self._items()])

    def __getitem__(self, idx: int | slice) -> Any:
        items = self._items()
        if isinstance(idx, slice):
            return Sequential(OrderedDict(items[idx]))
        if not isinstance(idx, (int, np.integer)):
            raise TypeError(f"Sequential indices must be ints or slices, got {type(idx).__name__}")
        if not -len(items) <= idx < len(items):
            raise IndexError(f"Sequential: index {idx} out of range for {len(items)} modules")
        return items[idx][1]


# -- affine layers ---------------------------------------------------------------------------


class Linear(Module):
    """y = x W^T + b, with W of shape (out_features, in_features) and b of shape (out_features,).

    Input (..., in_features), output (..., out_features). Default initialisation
    (PyTorch's): W ~ kaiming_uniform_(a=sqrt(5)), i.e. U(-1/sqrt(in), 1/sqrt(in)),
    and b ~ U(-1/sqrt(in), 1/sqrt(in)).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, dtype: Any = None) -> None:
        super().__init__()
        self.in_features = F._int(in_features, "in_features", "Linear", 0)
        self.out_features = F._int(out_features, "out_features", "Linear", 0)
        self.weight = _empty((out_features, in_features), dtype)
        if _flag(bias, "bias", "Linear"):
            self.bias = _empty((out_features,), dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default initialisation (see the class docstring)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5)) if self.in_features else init.zeros_(self.weight)
        if self.bias is not None:
            bound = 1.0 / math.sqrt(self.in_features) if self.in_features else 0.0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x: Any) -> Tensor:
        if not isinstance(x, Tensor):  # (the call of _input skipped for a Tensor: this runs every step)
            x = _input(self, x)
        shape = x.data.shape
        if not shape or shape[-1] != self.in_features:
            raise ValueError(
                f"{self.label()}: expected input with last dimension {self.in_features}, "
                f"got shape {tuple(shape)}"
            )
        return F._affine(x, self.weight, self.bias)  # checked above; this runs every step

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"

    def label(self) -> str:
        return f"Linear({self.in_features}→{self.out_features})"


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
        dtype: Any = None,
    ) -> None:
        super().__init__()
        where = f"Conv2d({in_channels}→{out_channels})"
        _padding_mode(padding_mode, where)
        self.padding_mode = padding_mode
        # (types first: the divisibility test below would format a str with %)
        in_channels = F._int(in_channels, "in_channels", where, 0)
        out_channels = F._int(out_channels, "out_channels", where, 0)
        groups = F._int(groups, "groups", where, 1)
        if in_channels % groups or out_channels % groups:
            raise ValueError(
                f"{where}: groups={groups} must divide in_channels={in_channels} "
                f"and out_channels={out_channels}"
            )
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = F._pair(kernel_size, "kernel_size", where, 1)
        self.stride = F._pair(stride, "stride", where, 1)
        self.dilation = F._pair(dilation, "dilation", where, 1)
        # Validates padding (an int, a pair, 'valid' or 'same') once, here.
        self._pads = F._conv_padding(padding, self.kernel_size, self.dilation, self.stride, where)
        self.padding: tuple[int, int] | str = padding if isinstance(padding, str) else (
            self._pads[0][0], self._pads[1][0])
        self._pads_of = self.padding  # (the padding _pads was computed from)
        self.weight = _empty((out_channels, in_channels // groups) + self.kernel_size, dtype)
        if _flag(bias, "bias", where):
            self.bias = _empty((out_channels,), dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default initialisation (see the class docstring)."""
        fan_in = self.weight.shape[1] * self.kernel_size[0] * self.kernel_size[1]
        init.kaiming_uniform_(self.weight, a=math.sqrt(5)) if fan_in else init.zeros_(self.weight)
        if self.bias is not None:
            bound = 1.0 / math.sqrt(fan_in) if fan_in else 0.0
            init.uniform_(self.bias, -bound, bound)

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
        for n, pads in zip(shape[-2:], self._pads):
            if (mode == "reflect" and max(pads) >= n) or (mode == "wrap" and max(pads) > n):
                raise ValueError(
                    f"{self.label()}: padding_mode={self.padding_mode!r} needs each padding "
                    f"{'less than' if mode == 'reflect' else 'at most'} the input's size, got padding "
                    f"{self._pads} for input of shape {shape}"
                )
        if any(map(any, self._pads)):  # (padding 0: am.pad would only copy x)
            x = pad(x, ((0, 0),) * (len(shape) - 2) + self._pads, mode=mode)
        return F.conv2d(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding not in ((0, 0), "valid"):
            s += f", padding={self.padding!r}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode!r}"
        return s

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
        dtype: Any = None,
    ) -> None:
        super().__init__()
        where = f"Conv1d({in_channels}→{out_channels})"
        _padding_mode(padding_mode, where)
        self.padding_mode = padding_mode
        self.in_channels, self.out_channels, self.groups = _conv_channels(where, in_channels, out_channels, groups)
        self.kernel_size = (F._single(kernel_size, "kernel_size", where, 1),)
        self.stride = (F._single(stride, "stride", where, 1),)
        self.dilation = (F._single(dilation, "dilation", where, 1),)
        self._pads = F._conv1d_padding(padding, self.kernel_size[0], self.dilation[0], self.stride[0], where)
        self.padding: tuple[int] | str = padding if isinstance(padding, str) else (self._pads[0],)
        self.output_padding = (0,)  # (PyTorch's Conv1d has it too, always 0)
        self.weight = _empty((self.out_channels, self.in_channels // self.groups) + self.kernel_size, dtype)
        if _flag(bias, "bias", where):
            self.bias = _empty((self.out_channels,), dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default initialisation (see the class docstring)."""
        _reset_conv(self)

    def forward(self, x: Any) -> Tensor:
        x = _input(self, x)
        shape = tuple(x.shape)
        if len(shape) not in (2, 3):
            raise ValueError(f"{self.label()}: expected input of shape (N, C, L) or (C, L), got shape {shape}")
        if shape[-2] != self.in_channels:
            raise ValueError(f"{self.label()}: expected input with {self.in_channels} channels, got shape {shape}")
        # (padding may have been set after construction, as PyTorch allows)
        pads = F._conv1d_padding(self.padding, self.kernel_size[0], self.dilation[0], self.stride[0], self.label())
        F._check_length(self.label(), shape, pads, self.kernel_size[0], self.dilation[0])
        if self.padding_mode == "zeros":
            return F.conv1d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)
        mode = _padding_mode(self.padding_mode, self.label())
        if (mode == "reflect" and max(pads) >= shape[-1]) or (mode == "wrap" and max(pads) > shape[-1]):
            raise ValueError(
                f"{self.label()}: padding_mode={self.padding_mode!r} needs each padding "
                f"{'less than' if mode == 'reflect' else 'at most'} the input's length, got padding "
                f"{pads} for input of shape {shape}"
            )
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
        dtype: Any = None,
    ) -> None:
        super().__init__()
        where = f"ConvTranspose2d({in_channels}→{out_channels})"
        if padding_mode != "zeros":
            raise ValueError(f"{where}: only padding_mode='zeros' is supported (as PyTorch), got {padding_mode!r}")
        self.padding_mode = padding_mode
        self.in_channels, self.out_channels, self.groups = _conv_channels(where, in_channels, out_channels, groups)
        self.kernel_size = F._pair(kernel_size, "kernel_size", where, 1)
        self.stride = F._pair(stride, "stride", where, 1)
        self.padding = F._pair(padding, "padding", where, 0)
        self.dilation = F._pair(dilation, "dilation", where, 1)
        self.output_padding = F._output_padding(output_padding, self.stride, self.dilation, where)
        self.weight = _empty((self.in_channels, self.out_channels // self.groups) + self.kernel_size, dtype)
        if _flag(bias, "bias", where):
            self.bias = _empty((self.out_channels,), dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default initialisation (see the class docstring)."""
        _reset_conv(self)

    def _sizes(self, shape: tuple) -> tuple[int, int]:
        """The output size without output_padding, for input of `shape`."""
        return tuple((n - 1) * s - 2 * p + d * (k - 1) + 1 for n, s, p, d, k in zip(
            shape[-2:], self.stride, self.padding, self.dilation, self.kernel_size))  # type: ignore[return-value]

    def forward(self, x: Any, output_size: Any = None) -> Tensor:
        x = _input(self, x)
        shape = _check_image(self, x)
        if shape[-3] != self.in_channels:
            raise ValueError(f"{self.label()}: expected input with {self.in_channels} channels, got shape {shape}")
        output_padding = self.output_padding
        if output_size is not None:
            output_padding = self._output_padding_for(shape, output_size)
        smallest = self._sizes(shape)
        if min(n + o for n, o in zip(smallest, output_padding)) < 1:
            raise ValueError(
                f"{self.label()}: input of shape {shape} gives an output of size "
                f"{tuple(n + o for n, o in zip(smallest, output_padding))}: too small"
            )
        return F.conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding, output_padding,
                                  self.groups, self.dilation)

    def _output_padding_for(self, shape: tuple, output_size: Any) -> tuple[int, int]:
        """The output_padding giving `output_size`, which must be (OH, OW) or a shape ending with them."""
        size = tuple(output_size) if isinstance(output_size, (tuple, list)) else ()
        if len(size) == len(shape):  # (a whole shape, (N, C, OH, OW) or (C, OH, OW): its last two)
            size = size[-2:]
        if len(size) != 2 or not all(_is_index(n) for n in size):
            raise ValueError(f"{self.label()}: output_size must be (OH, OW) or a shape ending with them, "
                             f"got {output_size!r}")
        smallest = self._sizes(shape)
        if not all(lo <= n < lo + s for n, lo, s in zip(size, smallest, self.stride)):
            raise ValueError(
                f"{self.label()}: output_size {tuple(size)} is not reachable from input of shape {shape}: "
                f"each size must be in [{smallest[0]}, {smallest[0] + self.stride[0] - 1}] and "
                f"[{smallest[1]}, {smallest[1] + self.stride[1] - 1}]"
            )
        return tuple(int(n) - lo for n, lo in zip(size, smallest))  # type: ignore[return-value]

    def extra_repr(self) -> str:  # (PyTorch's, word for word)
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.output_padding != (0, 0):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s

    def label(self) -> str:
        kh, kw = self.kernel_size
        return f"ConvTranspose2d({self.in_channels}→{self.out_channels}, {kh}×{kw})"


# -- pooling -----------------------------------------------------------------------------------


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
    ceil_mode (keyword-only: PyTorch's fifth argument is return_indices) as
    F.max_pool2d's, a last partial window kept.
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1, *,
                 ceil_mode: bool = False) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode)
        self.dilation = F._pair(dilation, "dilation", "MaxPool2d", 1)

    def forward(self, x: Any) -> Tensor:
        x = _input(self, x)
        self._check(x, self.dilation)
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode)

    def extra_repr(self) -> str:
        s = f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
        s += f", dilation={self.dilation}" if self.dilation != (1, 1) else ""
        return s + (", ceil_mode=True" if self.ceil_mode else "")


class AvgPool2d(_Pool2d):
    """Mean over kh×kw windows of NCHW images.

    stride defaults to kernel_size. With count_include_pad=True (PyTorch's
    default) padded zeros count in the divisor kh*kw. ceil_mode keeps a last
    partial window, as F.avg_pool2d (whose divisor never counts the part past
    the padding). Arguments in PyTorch's order (no divisor_override).
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode)
        self.count_include_pad = _flag(count_include_pad, "count_include_pad", "AvgPool2d")

    def forward(self, x: Any) -> Tensor:
        x = _input(self, x)
        self._check(x)
        return F.avg_pool2d(
            x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad
        )

    def extra_repr(self) -> str:
        s = f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
        s += ", ceil_mode=True" if self.ceil_mode else ""
        return s + ("" if self.count_include_pad else ", count_include_pad=False")


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

    output_size as AdaptiveAvgPool2d; values only (return_indices=True is refused).
    """

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        if _flag(return_indices, "return_indices", "AdaptiveMaxPool2d"):
            raise ValueError("AdaptiveMaxPool2d: return_indices=True is not supported (values only)")
        super().__init__(output_size)

    def forward(self, x: Any) -> Tensor:
        x = _input(self, x)
        _check_image(self, x)
        return F.adaptive_max_pool2d(x, self.output_size)


# -- reshaping, regularisation, normalisation ------------------------------------------------------


class Flatten(Module):
    """Merge axes start_dim..end_dim into one: (N, C, H, W) -> (N, C*H*W) by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = F._int(start_dim, "start_dim", "Flatten")
        self.end_dim = F._int(end_dim, "end_dim", "Flatten")

    def forward(self, x: Any) -> Tensor:
        x = _input(self, x)
        ndim = max(len(x.shape), 1)  # (a number flattens to shape (1,) by dims 0/-1, as PyTorch's)
        if not (-ndim <= self.start_dim < ndim and -ndim <= self.end_dim < ndim):
            raise ValueError(f"{self.label()}: dimensions out of range for input of shape {tuple(x.shape)}")
        return flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Dropout(Module):
    """In training, zero each element with probability p and scale the rest by 1/(1-p).

    In eval mode it is the identity. Uses the library's generator (am.manual_seed).
    `inplace` is accepted for code written for PyTorch and changes nothing: no
    layer here writes into its input.
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        self.p = F._dropout_p(p, "Dropout")
        _flag(inplace, "inplace", "Dropout")

    def forward(self, x: Any) -> Tensor:
        return F.dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Unflatten(Module):
    """Split axis `dim` into unflattened_size (a tuple whose product is that axis's
    length; one entry may be -1): (N, 12) -> (N, 3, 4) with Unflatten(1, (3, 4))."""

    def __init__(self, dim: int, unflattened_size: Any) -> None:
        super().__init__()
        self.dim = F._int(dim, "dim", "Unflatten")
        if (not isinstance(unflattened_size, (tuple, list)) or not unflattened_size
                or not all(_is_index(n) for n in unflattened_size)):
            raise TypeError(f"Unflatten: unflattened_size must be a non-empty tuple of ints, got {unflattened_size!r}")
        size = tuple(int(n) for n in unflattened_size)
        if any(n < -1 for n in size) or size.count(-1) > 1:
            raise ValueError(f"Unflatten: unflattened_size must hold sizes >= 0 and at most one -1, got {size}")
        self.unflattened_size = size

    def forward(self, x: Any) -> Tensor:
        x = _input(self, x)
        shape = tuple(x.shape)
        if not -max(len(shape), 1) <= self.dim < max(len(shape), 1) or not shape:
            raise ValueError(f"{self.label()}: dim {self.dim} out of range for input of shape {shape}")
        d = self.dim % len(shape)
        n, size = shape[d], self.unflattened_size
        known = math.prod(s for s in size if s != -1)
        if -1 in size:
            if known == 0 or n % known:
                raise ValueError(f"{self.label()}: cannot split axis {d} of length {n} (input of shape {shape}) into {size}")
            size = tuple(n // known if s == -1 else s for s in size)
        elif known != n:
            raise ValueError(
                f"{self.label()}: unflattened_size {size} (product {known}) does not match axis {d} "
                f"of length {n} (input of shape {shape})"
            )
        return x.reshape(shape[:d] + size + shape[d + 1:])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class Dropout2d(Module):
    """Channel-wise dropout of (N, C, H, W) images: in training each whole channel x[n, c]
    is zeroed with probability p and the rest scaled by 1/(1-p); eval is the identity.
    Output of the input's shape. Uses the library's generator (am.manual_seed), as
    Dropout. `inplace` is accepted and changes nothing. (3-D input is refused: see
    F.dropout2d.)"""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        self.p = F._dropout_p(p, "Dropout2d")
        _flag(inplace, "inplace", "Dropout2d")

    def forward(self, x: Any) -> Tensor:
        return F.dropout2d(_input(self, x), self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Upsample(Module):
    """Resize (N, C, L) or (N, C, H, W) inputs by a size or a scale_factor (exactly one),
    mode 'nearest' (default), 'nearest-exact', 'linear' (3-D) or 'bilinear' (4-D), with
    align_corners for the linear modes: F.interpolate, whose docstring gives the maths.
    Output (N, C, OL) or (N, C, OH, OW)."""

    def __init__(self, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                 align_corners: bool | None = None, recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        if (size is None) == (scale_factor is None):
            raise ValueError(f"Upsample: pass exactly one of size and scale_factor, got "
                             f"{'both' if size is not None else 'neither'}")
        if not isinstance(mode, str) or mode not in F._INTERPOLATE_MODES:
            raise ValueError(f"Upsample: mode must be one of {F._INTERPOLATE_MODES}, got {mode!r}")
        if align_corners is not None:
            _flag(align_corners, "align_corners", "Upsample")
            if mode not in ("linear", "bilinear"):
                raise ValueError(f"Upsample: align_corners can only be set with mode 'linear' or "
                                 f"'bilinear', got mode {mode!r}")
        self.size = tuple(size) if isinstance(size, list) else size
        if isinstance(scale_factor, (tuple, list)):
            self.scale_factor = tuple(float(s) if F._is_real(s) else s for s in scale_factor)
        else:  # (stored as a float, as PyTorch's)
            self.scale_factor = float(scale_factor) if F._is_real(scale_factor) else scale_factor
        self.mode, self.align_corners, self.recompute_scale_factor = mode, align_corners, recompute_scale_factor

    def forward(self, x: Any) -> Tensor:
        return F.interpolate(_input(self, x), self.size, self.scale_factor, self.mode, self.align_corners,
                             self.recompute_scale_factor)

    def extra_repr(self) -> str:
        info = (f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None
                else f"size={self.size!r}")
        return info + f", mode={self.mode!r}"


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


class _BatchNorm(Module):
    """Normalise each channel (axis 1) by the batch statistics, then scale and shift.

    Training: y = (x - mean) / sqrt(var + eps) * weight + bias, with mean and
    the biased var over every axis but 1; the buffers follow
    running = (1 - momentum) * running + momentum * batch (running_var uses the
    unbiased batch variance). momentum=None averages all batches equally
    (momentum 1/num_batches_tracked). Eval: the running statistics replace the
    batch ones (unless track_running_stats=False, which always uses the batch).
    """

    _ndims: tuple[int, ...] = ()
    _layout = ""

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        where = f"{type(self).__name__}({num_features})"
        num_features = F._int(num_features, "num_features", where, 1)
        if not 0 < F._number(eps, "eps", where) < math.inf:  # (a NaN eps passed "<= 0")
            raise ValueError(f"{where}: eps must be a finite positive number, got {eps}")
        if momentum is not None and not 0.0 <= F._number(momentum, "momentum", where) <= 1.0:
            raise ValueError(f"{where}: momentum must be in [0, 1] or None, got {momentum}")
        dt = np.dtype(dtype) if dtype is not None else get_default_dtype()
        if dt.kind != "f":
            # (an int running_mean would truncate the statistics; refused here, not at the first batch)
            raise TypeError(f"{where}: dtype must be a floating dtype, got {dt}")
        self.num_features, self.eps, self.momentum = num_features, float(eps), momentum
        self.affine = _flag(affine, "affine", where)
        self.track_running_stats = _flag(track_running_stats, "track_running_stats", where)
        if affine:
            self.weight = _empty((num_features,), dtype)
            self.bias = _empty((num_features,), dtype)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(num_features, dt)))
            self.register_buffer("running_var", Tensor(np.ones(num_features, dt)))
            self.register_buffer("num_batches_tracked", Tensor(np.zeros((), np.int64)))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """weight = 1, bias = 0, running mean 0, running var 1, counter 0."""
        if self.affine:
            init.ones_(self.weight)
            init.zeros_(self.bias)
        if self.track_running_stats:
            self.running_mean.data[...] = 0
            self.running_var.data[...] = 1
            self.num_batches_tracked.data[...] = 0

    def forward(self, x: Any) -> Tensor:
        x = _input(self, x)
        shape = tuple(x.shape)
        if len(shape) not in self._ndims or shape[1] != self.num_features:
            raise ValueError(
                f"{self.label()}: expected input of shape {self._layout} with C={self.num_features}, "
                f"got shape {shape}"
            )
        use_batch = self.training or not self.track_running_stats
        if use_batch and math.prod(shape) // shape[1] < 2:
            raise ValueError(
                f"{self.label()}: training needs more than one value per channel, got shape {shape}"
            )
        update = self.training and self.track_running_stats
        momentum = self.momentum
        if update and momentum is None:
            # Cumulative average: batch k gets weight 1/k.
            momentum = 1.0 / (int(self.num_batches_tracked.data) + 1)
        out = F.batch_norm(
            x, self.running_mean, self.running_var, self.weight, self.bias,
            use_batch, 0.0 if momentum is None else momentum, self.eps,
        )
        if update:
            self.num_batches_tracked.data += 1
        return out

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"track_running_stats={self.track_running_stats}"
        )

    def label(self) -> str:
        return f"{type(self).__name__}({self.num_features})"


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) inputs, per channel C; output of the input's shape.

    y = (x - mean) / sqrt(var + eps) * weight + bias, with mean and var over N (and L)
    in training, the running statistics in eval (see _BatchNorm and F.batch_norm).
    """

    _ndims = (2, 3)
    _layout = "(N, C) or (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) images, per channel C; output (N, C, H, W).

    y = (x - mean) / sqrt(var + eps) * weight + bias, with mean and var over N, H and W
    in training, the running statistics in eval (see _BatchNorm and F.batch_norm).
    """

    _ndims = (4,)
    _layout = "(N, C, H, W)"


class LayerNorm(Module):
    """Normalise each sample over its last len(normalized_shape) axes, then scale and shift.

    Input (..., *normalized_shape), output of its shape:
    y = (x - mean) / sqrt(var + eps) * weight + bias, mean and biased var over
    those axes (see F.layer_norm). weight (ones) and bias (zeros) have shape
    normalized_shape when elementwise_affine (PyTorch's defaults; bias=False leaves
    the bias out).
    """

    def __init__(self, normalized_shape: Any, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, dtype: Any = None) -> None:
        super().__init__()
        self.normalized_shape = F._normalized_shape(normalized_shape, "LayerNorm")
        where = self.label()
        if not 0 < F._number(eps, "eps", where) < math.inf:
            raise ValueError(f"{where}: eps must be a finite positive number, got {eps}")
        self.eps = float(eps)
        self.elementwise_affine = _flag(elementwise_affine, "elementwise_affine", where)
        has_bias = _flag(bias, "bias", where)
        if self.elementwise_affine:
            self.weight = _empty(self.normalized_shape, dtype)
        else:
            self.register_parameter("weight", None)
        if self.elementwise_affine and has_bias:
            self.bias = _empty(self.normalized_shape, dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """weight = 1, bias = 0."""
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, x: Any) -> Tensor:
        x = _input(self, x)
        k = len(self.normalized_shape)
        if tuple(x.shape[len(x.shape) - k:]) != self.normalized_shape or len(x.shape) < k:
            raise ValueError(
                f"{self.label()}: expected input of shape (..., {', '.join(map(str, self.normalized_shape))}), "
                f"got shape {tuple(x.shape)}"
            )
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        s = f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
        return s + (", bias=False" if self.elementwise_affine and self.bias is None else "")

    def label(self) -> str:
        return f"LayerNorm({', '.join(map(str, self.normalized_shape))})"


class GroupNorm(Module):
    """Group normalisation (PyTorch's): input (N, C, *) with C = num_channels, output of its
    shape. The channels form num_groups groups (num_channels must be divisible by it),
    each normalised over its channels and positions with the biased variance, then
    scaled and shifted per channel by weight (ones) and bias (zeros), of shape (C,),
    when affine (see F.group_norm). No running statistics: train and eval agree.
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True,
                 dtype: Any = None) -> None:
        super().__init__()
        where = f"GroupNorm({num_groups}, {num_channels})"
        self.num_groups = F._int(num_groups, "num_groups", where, 1)
        self.num_channels = F._int(num_channels, "num_channels", where, 1)
        if self.num_channels % self.num_groups:
            raise ValueError(
                f"{where}: num_channels={num_channels} must be divisible by num_groups={num_groups}"
            )
        if not 0 < F._number(eps, "eps", where) < math.inf:
            raise ValueError(f"{where}: eps must be a finite positive number, got {eps}")
        self.eps = float(eps)
        self.affine = _flag(affine, "affine", where)
        if self.affine:
            self.weight = _empty((self.num_channels,), dtype)
            self.bias = _empty((self.num_channels,), dtype)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """weight = 1, bias = 0."""
        if self.affine:
            init.ones_(self.weight)
            init.zeros_(self.bias)

    def forward(self, x: Any) -> Tensor:
        x = _input(self, x)
        shape = tuple(x.shape)
        if len(shape) < 2 or shape[1] != self.num_channels:
            raise ValueError(
                f"{self.label()}: expected input of shape (N, {self.num_channels}, ...), got shape {shape}"
            )
        return F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"

    def label(self) -> str:
        return f"GroupNorm({self.num_groups}, {self.num_channels})"


class InstanceNorm2d(Module):
    """Instance normalisation of images (PyTorch's): input (N, C, H, W) or (C, H, W) with
    C = num_features, output of its shape; each channel of each image normalised over
    its H*W positions (biased variance), then, when affine, scaled by weight (ones) and
    shifted by bias (zeros), of shape (C,). PyTorch's defaults: affine=False,
    track_running_stats=False; track_running_stats=True is not supported (refused).
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, affine: bool = False,
                 track_running_stats: bool = False, dtype: Any = None) -> None:
        super().__init__()
        where = f"InstanceNorm2d({num_features})"
        self.num_features = F._int(num_features, "num_features", where, 1)
        if not 0 < F._number(eps, "eps", where) < math.inf:
            raise ValueError(f"{where}: eps must be a finite positive number, got {eps}")
        if momentum is not None and not 0.0 <= F._number(momentum, "momentum", where) <= 1.0:
            raise ValueError(f"{where}: momentum must be in [0, 1] or None, got {momentum}")
        if _flag(track_running_stats, "track_running_stats", where):
            raise ValueError(f"{where}: track_running_stats=True is not supported (statistics of each "
                             "input only, PyTorch's default)")
        self.eps, self.momentum = float(eps), momentum
        self.affine = _flag(affine, "affine", where)
        self.track_running_stats = False
        if self.affine:
            self.weight = _empty((self.num_features,), dtype)
            self.bias = _empty((self.num_features,), dtype)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """weight = 1, bias = 0."""
        if self.affine:
            init.ones_(self.weight)
            init.zeros_(self.bias)

    def forward(self, x: Any) -> Tensor:
        x = _input(self, x)
        shape = _check_image(self, x)
        if shape[-3] != self.num_features:
            raise ValueError(
                f"{self.label()}: expected input with {self.num_features} channels, got shape {shape}"
            )
        if shape[-1] * shape[-2] < 2:
            raise ValueError(f"{self.label()}: expected more than one spatial element per channel, got shape {shape}")
        batch = x if len(shape) == 4 else x.reshape((1,) + shape)
        out = F.group_norm(batch, self.num_features, self.weight, self.bias, self.eps)
        return out if len(shape) == 4 else out.reshape(shape)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")

    def label(self) -> str:
        return f"InstanceNorm2d({self.num_features})"


class Embedding(Module):
    """A lookup table: integer indices of any shape S -> rows of weight, S + (embedding_dim,).

    weight (num_embeddings, embedding_dim) ~ N(0, 1) (PyTorch's default); the
    row padding_idx (if given; negative counts from the end) starts at zero and
    gets no gradient. Indices outside [0, num_embeddings) raise IndexError.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 dtype: Any = None) -> None:
        super().__init__()
        self.num_embeddings = F._int(num_embeddings, "num_embeddings", "Embedding", 1)
        self.embedding_dim = F._int(embedding_dim, "embedding_dim", "Embedding", 0)
        self.padding_idx = F._padding_idx(padding_idx, self.num_embeddings, self.label())
        self.weight = _empty((self.num_embeddings, self.embedding_dim), dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """weight ~ N(0, 1), the padding row zero."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight.data[self.padding_idx] = 0

    def forward(self, input: Any) -> Tensor:
        # (F.embedding checks the indices' dtype and range, naming embedding and num_embeddings)
        return F.embedding(input, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        return s + (f", padding_idx={self.padding_idx}" if self.padding_idx is not None else "")

    def label(self) -> str:
        return f"Embedding({self.num_embeddings}, {self.embedding_dim})"


# -- activations -----------------------------------------------------------------------------------


class Identity(Module):
    """Returns its input unchanged (constructor arguments are accepted and ignored)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, x: Any) -> Any:
        return x


class Sigmoid(Module):
    """1 / (1 + exp(-x)), elementwise (the paper's activation)."""

    def forward(self, x: Any) -> Tensor:
        # (A Tensor straight to the primitive, as F.sigmoid takes it after as_tensor:
        # the paper's activation runs once per layer per step.)
        return P.sigmoid.apply(x) if isinstance(x, Tensor) else F.sigmoid(x)


class Tanh(Module):
    """tanh(x), elementwise."""

    def forward(self, x: Any) -> Tensor:
        return F.tanh(x)


class ReLU(Module):
    """max(x, 0), elementwise. (`inplace`, as in PyTorch, changes nothing: no layer here
    writes into its input.)"""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        _flag(inplace, "inplace", "ReLU")

    def forward(self, x: Any) -> Tensor:
        return F.relu(x)


class Softplus(Module):
    """log(1 + exp(beta x)) / beta, elementwise (see F.softplus)."""

    def __init__(self, beta: float = 1.0) -> None:
        super().__init__()
        self.beta = F._softplus_beta(beta)

    def forward(self, x: Any) -> Tensor:
        return F.softplus(x, self.beta)

    def extra_repr(self) -> str:
        return f"beta={self.beta}"


class LeakyReLU(Module):
    """x for x > 0, negative_slope * x otherwise, elementwise (see F.leaky_relu)."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = F._number(negative_slope, "negative_slope", "LeakyReLU")
        _flag(inplace, "inplace", "LeakyReLU")  # (as in ReLU: accepted, changes nothing)

    def forward(self, x: Any) -> Tensor:
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Softmax(Module):
    """exp(x) / sum(exp(x)) along `dim` (the last axis by default, also for input of
    3 or more axes, where F.softmax asks for dim); output of x's shape."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = F._int(dim, "dim", "Softmax")

    def forward(self, x: Any) -> Tensor:
        x = _input(self, x)
        ndim = len(x.shape)
        if not -max(ndim, 1) <= self.dim < max(ndim, 1):
            raise ValueError(f"{self.label()}: dim {self.dim} out of range for input of shape {tuple(x.shape)}")
        return F.softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class SiLU(Module):
    """x * sigmoid(x), elementwise (see F.silu). (`inplace` changes nothing, as in ReLU.)"""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        _flag(inplace, "inplace", "SiLU")

    def forward(self, x: Any) -> Tensor:
        return F.silu(x)


class GELU(Module):
    """x * Phi(x), elementwise (see F.gelu); approximate='tanh' for the tanh form."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = F._gelu_approximate(approximate, "GELU")

    def forward(self, x: Any) -> Tensor:
        return F.gelu(x, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class ELU(Module):
    """x for x > 0, alpha * (exp(x) - 1) otherwise, elementwise (see F.elu)."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = F._number(alpha, "alpha", "ELU")
        _flag(inplace, "inplace", "ELU")

    def forward(self, x: Any) -> Tensor:
        return F.elu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class CELU(Module):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1)), elementwise (see F.celu)."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = F._number(alpha, "alpha", "CELU")
        if self.alpha == 0.0 or not math.isfinite(self.alpha):
            raise ValueError(f"CELU: alpha must be a finite nonzero number, got {alpha!r}")
        _flag(inplace, "inplace", "CELU")

    def forward(self, x: Any) -> Tensor:
        return F.celu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class _Elementwise(Module):
    """An activation without settings: forward is `_fn` (a function of F) of the input.
    (`inplace`, where PyTorch takes it, is accepted and changes nothing.)"""

    _fn = ""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        _flag(inplace, "inplace", type(self).__name__)

    def forward(self, x: Any) -> Tensor:
        return getattr(F, self._fn)(x)


class SELU(_Elementwise):
    """scale * ELU(x, alpha) with PyTorch's fixed alpha and scale, elementwise (see F.selu)."""

    _fn = "selu"


class ReLU6(_Elementwise):
    """min(max(x, 0), 6), elementwise (see F.relu6)."""

    _fn = "relu6"


class Hardsigmoid(_Elementwise):
    """relu6(x + 3) / 6, elementwise (see F.hardsigmoid)."""

    _fn = "hardsigmoid"


class Hardswish(_Elementwise):
    """x * relu6(x + 3) / 6, elementwise (see F.hardswish)."""

    _fn = "hardswish"


class Mish(_Elementwise):
    """x * tanh(softplus(x)), elementwise (see F.mish)."""

    _fn = "mish"


class Softsign(Module):
    """x / (1 + |x|), elementwise (see F.softsign)."""

    def forward(self, x: Any) -> Tensor:
        return F.softsign(x)


class LogSigmoid(Module):
    """log(sigmoid(x)) = -softplus(-x), elementwise, stable (see F.logsigmoid)."""

    def forward(self, x: Any) -> Tensor:
        return F.logsigmoid(x)


class Tanhshrink(Module):
    """x - tanh(x), elementwise (see F.tanhshrink)."""

    def forward(self, x: Any) -> Tensor:
        return F.tanhshrink(x)


class Hardtanh(Module):
    """x clamped to [min_val, max_val], elementwise (see F.hardtanh)."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.min_val, self.max_val = F._bounds(min_val, max_val, "Hardtanh")
        _flag(inplace, "inplace", "Hardtanh")

    def forward(self, x: Any) -> Tensor:
        return F.hardtanh(x, self.min_val, self.max_val)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}"


class Threshold(Module):
    """x where x > threshold, value elsewhere, elementwise (see F.threshold)."""

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold = F._number(threshold, "threshold", "Threshold")
        self.value = F._number(value, "value", "Threshold")
        _flag(inplace, "inplace", "Threshold")

    def forward(self, x: Any) -> Tensor:
        return F.threshold(x, self.threshold, self.value)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}"


class PReLU(Module):
    """x for x > 0, a * x otherwise, with a learnt slope a (PyTorch's PReLU).

    weight: a Parameter of shape (num_parameters,), every entry `init` (0.25); with
    num_parameters = C, channel c (axis 1 of an (N, C, ...) input) has slope weight[c].
    Output of the input's shape (see F.prelu).
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, dtype: Any = None) -> None:
        super().__init__()
        self.num_parameters = F._int(num_parameters, "num_parameters", "PReLU", 1)
        self.init = F._number(init, "init", "PReLU")
        self.weight = _empty((self.num_parameters,), dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every slope = init."""
        self.weight.data[...] = self.init

    def forward(self, x: Any) -> Tensor:
        x = _input(self, x)
        if self.num_parameters != 1 and (x.ndim < 2 or x.shape[1] != self.num_parameters):
            raise ValueError(
                f"{self.label()}: expected input of shape (N, {self.num_parameters}, ...), got shape {tuple(x.shape)}"
            )
        return F.prelu(x, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"

    def label(self) -> str:
        return f"PReLU({self.num_parameters})"


class GLU(Module):
    """a * sigmoid(b), a and b the halves of the input along dim (see F.glu)."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = F._int(dim, "dim", "GLU")

    def forward(self, x: Any) -> Tensor:
        return F.glu(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """x - logsumexp(x) along dim (see F.log_softmax); dim=None is the last axis of an
    input of at most 2 axes (PyTorch's implicit choice there), an error beyond."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = None if dim is None else F._int(dim, "dim", "LogSoftmax")

    def forward(self, x: Any) -> Tensor:
        return F.log_softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmin(Module):
    """softmax(-x) along dim (see F.softmin); dim=None as in LogSoftmax."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = None if dim is None else F._int(dim, "dim", "Softmin")

    def forward(self, x: Any) -> Tensor:
        return F.softmin(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
