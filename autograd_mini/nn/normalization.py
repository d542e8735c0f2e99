"""Normalisation layers: BatchNorm1d, BatchNorm2d (batch statistics, running
buffers), LayerNorm, GroupNorm, InstanceNorm1d and InstanceNorm2d (statistics of each
sample)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..engine import changed_in_place
from ..tensor import Tensor, _check_device, _dtype_or_default, _flag
from . import functional as F
from . import init
from ._common import _empty, _input
from .module import Module



def _check_eps(eps: Any, where: str) -> None:
    """eps must be a finite positive number (a NaN eps passed "<= 0")."""
    if not 0 < F._number(eps, "eps", where) < math.inf:
        raise ValueError(f"{where}: eps must be a finite positive number, got {eps}")


def _affine_parameters(layer: Module, channels: int, affine: bool, dtype: Any) -> None:
    """A per-channel weight and bias of shape (channels,) when affine, else both None
    (set to 1 and 0 by the layer's reset_parameters)."""
    if affine:
        layer.weight = _empty((channels,), dtype)
        layer.bias = _empty((channels,), dtype)
    else:
        layer.register_parameter("weight", None)
        layer.register_parameter("bias", None)


def _reset_affine(layer: Module) -> None:
    """A normalisation's affine parameters, where it has them: weight = 1, bias = 0."""
    if layer.weight is not None:
        init.ones_(layer.weight)
    if layer.bias is not None:
        init.zeros_(layer.bias)

def _running_norm_init(layer: Module, num_features: Any, eps: Any, momentum: Any, affine: Any,
                       track_running_stats: Any, dtype: Any) -> None:
    """Batch and instance norm's __init__: num_features, eps, momentum (in [0, 1] or None),
    the affine weight and bias (C,), and with track_running_stats the buffers running_mean
    (zeros), running_var (ones) and num_batches_tracked (0), of a floating dtype (an int
    running_mean would truncate the statistics: refused here, not at the first batch)."""
    where = f"{type(layer).__name__}({num_features})"
    layer.num_features = F._int(num_features, "num_features", where, 1)
    _check_eps(eps, where)
    if momentum is not None and not 0.0 <= F._number(momentum, "momentum", where) <= 1.0:
        raise ValueError(f"{where}: momentum must be in [0, 1] or None, got {momentum}")
    dt = _dtype_or_default(dtype)
    if dt.kind != "f":
        raise TypeError(f"{where}: dtype must be a floating dtype, got {dt}")
    layer.eps, layer.momentum = float(eps), momentum
    layer.affine = _flag(affine, "affine", where)
    layer.track_running_stats = _flag(track_running_stats, "track_running_stats", where)
    _affine_parameters(layer, layer.num_features, layer.affine, dtype)
    if layer.track_running_stats:
        layer.register_buffer("running_mean", Tensor(np.zeros(layer.num_features, dt)))
        layer.register_buffer("running_var", Tensor(np.ones(layer.num_features, dt)))
        layer.register_buffer("num_batches_tracked", Tensor(np.zeros((), np.int64)))
    else:
        for name in ("running_mean", "running_var", "num_batches_tracked"):
            layer.register_buffer(name, None)
    layer.reset_parameters()


def _reset_running(layer: Module) -> None:
    """weight = 1, bias = 0, and the running statistics (if kept) to mean 0, var 1, counter 0."""
    _reset_affine(layer)
    _reset_statistics(layer)


def _reset_statistics(layer: Module) -> None:
    if layer.track_running_stats:
        for t, v in ((layer.running_mean, 0), (layer.running_var, 1), (layer.num_batches_tracked, 0)):
            t.data[...] = v
            changed_in_place(t.data, f"{type(layer).__name__}.reset_running_stats()")


class _BatchNorm(Module):
    """Normalise each channel (axis 1) by the batch statistics, then scale and shift.

    Training: y = (x - mean) / sqrt(var + eps) * weight + bias, with mean and
    the biased var over every axis but 1; the buffers follow
    running = (1 - momentum) * running + momentum * batch (running_var uses the
    unbiased batch variance). momentum=None averages all batches equally
    (momentum 1/num_batches_tracked). Eval: the running statistics replace the
    batch ones (unless the layer has no buffers: track_running_stats=False at
    construction; switched off later, training leaves the buffers as they are).
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
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        _check_device(device, type(self).__name__)
        super().__init__()
        _running_norm_init(self, num_features, eps, momentum, affine, track_running_stats, dtype)

    def reset_parameters(self) -> None:
        """weight = 1, bias = 0, running mean 0, running var 1, counter 0."""
        _reset_running(self)

    def reset_running_stats(self) -> None:
        """Running mean 0, running var 1, counter 0 (PyTorch's); weight and bias kept."""
        _reset_statistics(self)

    def forward(self, x: Any) -> Tensor:
        x = _input(self, x)
        shape = tuple(x.shape)
        if len(shape) not in self._ndims or shape[1] != self.num_features:
            raise ValueError(
                f"{self.label()}: expected input of shape {self._layout} with C={self.num_features}, "
                f"got shape {shape}"
            )
        # PyTorch's rule, also for a track_running_stats switched off after construction:
        # eval uses the buffers whenever they exist, training updates them only if tracking.
        has_buffers = self.running_mean is not None or self.running_var is not None
        use_batch = self.training or not has_buffers
        if use_batch and math.prod(shape) // shape[1] < 2:
            raise ValueError(
                f"{self.label()}: training needs more than one value per channel, got shape {shape}"
            )
        update = self.training and self.track_running_stats
        momentum = self.momentum
        if update and momentum is None:
            # Cumulative average: batch k gets weight 1/k.
            momentum = 1.0 / (int(self.num_batches_tracked.data) + 1)
        given = not self.training or self.track_running_stats
        out = F.batch_norm(
            x, self.running_mean if given else None, self.running_var if given else None,
            self.weight, self.bias, use_batch, 0.0 if momentum is None else momentum, self.eps,
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
                 bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        _check_device(device, "LayerNorm")
        super().__init__()
        self.normalized_shape = F._normalized_shape(normalized_shape, "LayerNorm")
        where = self.label()
        _check_eps(eps, where)
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
        _reset_affine(self)

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
                 device: Any = None, dtype: Any = None) -> None:
        _check_device(device, "GroupNorm")
        super().__init__()
        where = f"GroupNorm({num_groups}, {num_channels})"
        self.num_groups = F._int(num_groups, "num_groups", where, 1)
        self.num_channels = F._int(num_channels, "num_channels", where, 1)
        if self.num_channels % self.num_groups:
            raise ValueError(
                f"{where}: num_channels={num_channels} must be divisible by num_groups={num_groups}"
            )
        _check_eps(eps, where)
        self.eps = float(eps)
        self.affine = _flag(affine, "affine", where)
        _affine_parameters(self, self.num_channels, self.affine, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """weight = 1, bias = 0."""
        _reset_affine(self)

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


class _InstanceNorm(Module):
    """Instance normalisation (PyTorch's): each channel of each sample normalised over its
    positions (biased variance), then, when affine, scaled by weight (ones) and shifted by
    bias (zeros), of shape (C,) (see F.instance_norm). PyTorch's defaults: affine=False,
    track_running_stats=False. track_running_stats=True keeps running_mean (zeros),
    running_var (ones) and num_batches_tracked (0, never counted up, as PyTorch's)
    buffers: training updates them, running = (1 - momentum) * running + momentum *
    (the batch average of each sample's mean, and of its unbiased variance), and eval()
    normalises with them instead of each input's statistics. momentum=None leaves them
    unchanged (PyTorch passes 0 for it).
    """

    _ndim = 0
    _layout = ""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = False,
                 track_running_stats: bool = False, device: Any = None, dtype: Any = None) -> None:
        _check_device(device, type(self).__name__)
        super().__init__()
        _running_norm_init(self, num_features, eps, momentum, affine, track_running_stats, dtype)

    def reset_parameters(self) -> None:
        """weight = 1, bias = 0; running mean 0, running var 1, counter 0."""
        _reset_running(self)

    def reset_running_stats(self) -> None:
        """Running mean 0, running var 1, counter 0 (PyTorch's); weight and bias kept."""
        _reset_statistics(self)

    def forward(self, x: Any) -> Tensor:
        x = _input(self, x)
        shape = tuple(x.shape)
        if len(shape) not in (self._ndim - 1, self._ndim):
            raise ValueError(f"{self.label()}: expected input of shape {self._layout}, got shape {shape}")
        if shape[-(self._ndim - 1)] != self.num_features:
            raise ValueError(
                f"{self.label()}: expected input with {self.num_features} channels, got shape {shape}"
            )
        use_input_stats = self.training or not self.track_running_stats
        if use_input_stats and math.prod(shape[len(shape) - self._ndim + 2:]) < 2:
            raise ValueError(f"{self.label()}: expected more than one spatial element per channel, got shape {shape}")
        batch = x if len(shape) == self._ndim else x.reshape((1,) + shape)
        out = F.instance_norm(batch, self.running_mean, self.running_var, self.weight, self.bias,
                              use_input_stats, 0.0 if self.momentum is None else self.momentum, self.eps)
        return out if len(shape) == self._ndim else out.reshape(shape)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")

    def label(self) -> str:
        return f"{type(self).__name__}({self.num_features})"


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation of sequences (PyTorch's): input (N, C, L) or (C, L) with
    C = num_features, output of its shape; each channel of each sample normalised over
    its L positions, y = (x - mean) / sqrt(var + eps) * weight + bias (see _InstanceNorm
    for affine, track_running_stats and the running buffers)."""

    _ndim = 3
    _layout = "(N, C, L) or (C, L)"


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation of images (PyTorch's): input (N, C, H, W) or (C, H, W) with
    C = num_features, output of its shape; each channel of each image normalised over
    its H*W positions, y = (x - mean) / sqrt(var + eps) * weight + bias (see
    _InstanceNorm for affine, track_running_stats and the running buffers)."""

    _ndim = 4
    _layout = "(N, C, H, W) or (C, H, W)"


class LocalResponseNorm(Module):
    """Local response normalisation across channels (see F.local_response_norm): input
    (N, C, ...) with at least 3 axes, output of its shape, each x[n, c] divided by
    (k + alpha / size * sum of x[n, c']**2 over the size channels around c) ** beta."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        self.size = F._int(size, "size", "LocalResponseNorm", 1)
        self.alpha = F._number(alpha, "alpha", "LocalResponseNorm")
        self.beta = F._number(beta, "beta", "LocalResponseNorm")
        self.k = F._number(k, "k", "LocalResponseNorm")

    def forward(self, x: Any) -> Tensor:
        x = _input(self, x)
        if x.ndim < 3:
            raise ValueError(f"{self.label()}: expected input of shape (N, C, ...) with at least 3 axes, "
                             f"got shape {tuple(x.shape)}")
        return F.local_response_norm(x, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"

    def label(self) -> str:
        return f"LocalResponseNorm({self.size})"
