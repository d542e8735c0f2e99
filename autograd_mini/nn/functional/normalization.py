"""Normalisation: batch_norm, layer_norm, group_norm, instance_norm and local_response_norm."""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np

from ... import engine
from ... import functions as fn
from ... import primitives as P
from ...functions import as_tensor
from ...tensor import FLOAT16, Tensor, _flag, _is_index
from ._args import _int, _number


def _channel_vector(v: Any, C: int, name: str, x_shape: tuple, where: str = "batch_norm") -> Any:
    if v is None:
        return None
    shape = np.shape(v.data if isinstance(v, Tensor) else v)
    if shape != (C,):
        raise ValueError(
            f"{where}: {name} must have shape ({C},) for input of shape {x_shape}, got {shape}"
        )
    return v


def _check_running_buffers(where: str, buffers: dict) -> None:
    """Running statistics about to be updated in place: refused while am.compile records
    (a replay would skip the update), and each must be a writable floating-point ndarray
    or Tensor (both checked before either changes)."""
    if engine.tracers and any(buf is not None for buf in buffers.values()):
        raise RuntimeError(
            f"{where}: updating the running statistics in training mode cannot be "
            "compiled (a replay would skip the update); compile the model in eval() mode "
            "or without running statistics"
        )
    for name, buf in buffers.items():
        arr = buf.data if isinstance(buf, Tensor) else buf
        if buf is not None and not (isinstance(arr, np.ndarray) and arr.dtype.kind == "f"
                                    and arr.flags.writeable):
            if not isinstance(arr, np.ndarray):
                kind = type(arr).__name__
            elif arr.dtype.kind == "f":  # (the dtype is fine: say what is not)
                kind = f"a read-only array of dtype {arr.dtype}"
            else:
                kind = f"an array of dtype {arr.dtype}"
            raise TypeError(
                f"{where}: in training {name} is updated in place, so it must be a "
                f"writable floating-point ndarray or Tensor, got {kind}"
            )


def batch_norm(
    x: Any,
    running_mean: Any,
    running_var: Any,
    weight: Any = None,
    bias: Any = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Batch normalisation per channel (axis 1) of x (N, C) or (N, C, ...) e.g. (N, C, H, W).

    y = (x - mu) / sqrt(sigma2 + eps) * weight + bias, broadcast over channels.
    training: mu, sigma2 are the batch mean and biased variance over all axes
    but 1, and the buffers are updated in place (no gradient):
        running_mean = (1 - momentum) * running_mean + momentum * mu
        running_var  = (1 - momentum) * running_var  + momentum * sigma2 * n / (n - 1)
    with n values per channel (the unbiased variance, as PyTorch). Buffers may
    be None in training (then nothing is tracked).
    evaluation: mu, sigma2 are running_mean, running_var.
    float16 input is normalised in float32 (its squares overflow at 65504).
    eps and momentum are taken as Python floats (as nn.BatchNorm1d/2d take them), so
    a numpy float64 eps does not make a float32 output float64.
    """
    x = as_tensor(x)
    eps, momentum = _number(eps, "eps", "batch_norm"), _number(momentum, "momentum", "batch_norm")
    # (checked before the running statistics change: a NaN momentum made them NaN for good,
    # a NaN, infinite or negative eps the output; a truthy "no" or None chose training mode)
    if not 0.0 <= eps < math.inf:
        raise ValueError(f"batch_norm: eps must be a finite number >= 0, got {eps!r} (input {x.shape})")
    if not 0.0 <= momentum <= 1.0:
        raise ValueError(f"batch_norm: momentum must be in [0, 1], got {momentum!r} (input {x.shape})")
    training = _flag(training, "training", "batch_norm")
    if x.dtype == FLOAT16:
        return batch_norm(x.astype(np.float32), running_mean, running_var, weight, bias, training,
                          momentum, eps).astype(np.float16)
    with engine.scope("batch_norm"):
        if x.dtype.kind == "c":  # (centred * centred is not a variance; PyTorch refuses it too)
            raise TypeError(f"batch_norm: complex input (dtype {x.dtype}, shape {x.shape}) is not supported")
        if x.ndim < 2:
            raise ValueError(f"batch_norm: expected input of shape (N, C, ...), got {x.shape}")
        C = x.shape[1]
        running_mean = _channel_vector(running_mean, C, "running_mean", x.shape)
        running_var = _channel_vector(running_var, C, "running_var", x.shape)
        weight = _channel_vector(weight, C, "weight", x.shape)
        bias = _channel_vector(bias, C, "bias", x.shape)
        axes = (0,) + tuple(range(2, x.ndim))
        bshape = (1, C) + (1,) * (x.ndim - 2)
        if training:
            n = x.shape[0] * math.prod(x.shape[2:])  # (values per channel; x.size // C divides by 0 when C = 0)
            if n < 2:
                raise ValueError(
                    f"batch_norm: training needs more than one value per channel, got input {x.shape}"
                )
            mean = x.mean(axis=axes, keepdims=True)
            centred = x - mean
            var = (centred * centred).mean(axis=axes, keepdims=True)
            _check_running_buffers("batch_norm", {"running_mean": running_mean, "running_var": running_var})
            # (Updated in place without noting the change for backward's check, which would
            # then look through the graph after every training forward: the evaluation
            # graph's VJPs never read these values. A graph of one's own that reads them,
            # e.g. w * running_mean, is not protected from the update.)
            if running_mean is not None:
                rm = running_mean.data if isinstance(running_mean, Tensor) else running_mean
                rm *= 1.0 - momentum
                rm += momentum * mean.data.reshape(C)
            if running_var is not None:
                rv = running_var.data if isinstance(running_var, Tensor) else running_var
                rv *= 1.0 - momentum
                rv += (momentum * n / (n - 1)) * var.data.reshape(C)
            scale = (var + eps) ** -0.5
        else:
            if running_mean is None or running_var is None:
                raise ValueError("batch_norm: evaluation (training=False) needs running_mean and running_var")
            # (in the input's float dtype; an integer input computes in float64, as the
            # batch mean of training does, rather than truncating the statistics)
            dtype = x.dtype if x.dtype.kind in "fc" else np.dtype(np.float64)
            rm, rv = _in_dtype(running_mean, dtype), _in_dtype(running_var, dtype)
            centred = x - rm.reshape(bshape)
            scale = ((rv + eps) ** -0.5).reshape(bshape)
        if weight is not None:
            scale = P.mul.apply(scale, as_tensor(weight).reshape(bshape))
        out = P.mul.apply(centred, scale)  # (scale may be an array made here: not copied)
        if bias is not None:
            out = out + as_tensor(bias).reshape(bshape)
        return out


def _in_dtype(v: Any, dtype: np.dtype) -> Any:
    """A running statistic in the input's dtype, never differentiated. A buffer without
    grad stays a tensor (converted by the astype primitive when its dtype differs), so
    am.compile reads it afresh on every replay; anything else becomes an array."""
    if isinstance(v, Tensor):
        if v.requires_grad:
            return v.data.astype(dtype)
        return v if v.dtype == dtype else P.astype.apply(v, dtype=dtype)
    return np.asarray(v).astype(dtype, copy=False)


def _normalized_shape(normalized_shape: Any, where: str) -> tuple[int, ...]:
    """An int or a sequence of ints (each >= 1) as a tuple."""
    shape = (normalized_shape,) if _is_index(normalized_shape) else normalized_shape
    if not isinstance(shape, (tuple, list)) or not all(_is_index(n) for n in shape):
        raise TypeError(f"{where}: normalized_shape must be an int or a tuple of ints, got {normalized_shape!r}")
    shape = tuple(operator.index(n) for n in shape)
    if any(n < 1 for n in shape):
        raise ValueError(f"{where}: normalized_shape must hold sizes >= 1, got {shape}")
    return shape


def layer_norm(x: Any, normalized_shape: Any, weight: Any = None, bias: Any = None, eps: float = 1e-5) -> Tensor:
    """Normalise over the last len(normalized_shape) axes, then scale and shift (PyTorch's).

    x (..., *normalized_shape); weight and bias (optional) of shape normalized_shape.
    y = (x - mean) / sqrt(var + eps) * weight + bias, with the mean and the biased
    variance over those last axes of each sample; output of x's shape. Integer
    input is taken in the default float dtype, float16 computed in float32.
    """
    x = fn._floating(as_tensor(x))
    shape = _normalized_shape(normalized_shape, "layer_norm")
    eps = _number(eps, "eps", "layer_norm")
    if not 0.0 <= eps < math.inf:
        raise ValueError(f"layer_norm: eps must be a finite number >= 0, got {eps!r} (input {x.shape})")
    k = len(shape)
    if x.shape[x.ndim - k:] != shape or x.ndim < k:
        raise ValueError(
            f"layer_norm: input of shape {x.shape} does not end in normalized_shape {shape}"
        )
    for name, v in (("weight", weight), ("bias", bias)):
        if v is not None and np.shape(v.data if isinstance(v, Tensor) else v) != shape:
            raise ValueError(
                f"layer_norm: {name} must have shape normalized_shape {shape}, "
                f"got {np.shape(v.data if isinstance(v, Tensor) else v)}"
            )
    if x.dtype.kind == "c":
        raise TypeError(f"layer_norm: complex input (dtype {x.dtype}, shape {x.shape}) is not supported")
    if x.dtype == FLOAT16:
        return layer_norm(x.astype(np.float32), shape, weight, bias, eps).astype(np.float16)
    with engine.scope("layer_norm"):
        axes = tuple(range(x.ndim - k, x.ndim))
        # Centred about each row's first entry, a constant (x - mean is the same function
        # of x for any shift, so its derivatives of every order are too): the mean of
        # equal entries rounds, and a constant row left ~1e-8 that eps ** -0.5 made an
        # output of 2e-5 (float32) instead of 0, and second derivatives of order 1.
        with engine.no_grad():
            first = x[(Ellipsis,) + (slice(0, 1),) * k]
        shifted = x - first
        centred = shifted - shifted.mean(axis=axes, keepdims=True)
        var = (centred * centred).mean(axis=axes, keepdims=True)
        out = centred * (var + eps) ** -0.5
        if weight is not None:
            out = out * as_tensor(weight)
        if bias is not None:
            out = out + as_tensor(bias)
        return out


def group_norm(x: Any, num_groups: int, weight: Any = None, bias: Any = None, eps: float = 1e-5) -> Tensor:
    """Group normalisation (PyTorch's): x (N, C, *) with C divisible by num_groups = G.

    Each sample's channels are split into G groups of C/G; each group is normalised
    over its channels and all positions, y = (x - mean) / sqrt(var + eps) with the
    biased variance, then y * weight[c] + bias[c] per channel (weight and bias of
    shape (C,), optional). Output of x's shape. (layer_norm over each group, reshaped
    (N, G, C/G * prod(*)).)
    """
    with engine.scope("group_norm"):
        x = fn._floating(as_tensor(x))
        G = _int(num_groups, "num_groups", "group_norm", 1)
        if x.ndim < 2:
            raise ValueError(f"group_norm: expected input of shape (N, C, ...), got shape {x.shape}")
        N, C = x.shape[:2]
        if C % G:
            raise ValueError(
                f"group_norm: the number of channels C = {C} (input of shape {x.shape}) must be "
                f"divisible by num_groups = {G}"
            )
        eps = _number(eps, "eps", "group_norm")
        if not 0.0 <= eps < math.inf:
            raise ValueError(f"group_norm: eps must be a finite number >= 0, got {eps!r} (input {x.shape})")
        for name, v in (("weight", weight), ("bias", bias)):
            if v is not None and np.shape(v.data if isinstance(v, Tensor) else v) != (C,):
                raise ValueError(
                    f"group_norm: {name} must have shape ({C},) for input of shape {x.shape}, "
                    f"got {np.shape(v.data if isinstance(v, Tensor) else v)}"
                )
        size = (C // G) * math.prod(x.shape[2:])
        # (an empty x, a batch of 0 above all, has nothing to normalise: out is x, as PyTorch's)
        out = x if x.data.size == 0 else layer_norm(x.reshape(N, G, size), (size,), eps=eps).reshape(x.shape)
        along = (C,) + (1,) * (x.ndim - 2)
        if weight is not None:
            out = out * as_tensor(weight).reshape(along)
        if bias is not None:
            out = out + as_tensor(bias).reshape(along)
        return out


def instance_norm(x: Any, running_mean: Any = None, running_var: Any = None, weight: Any = None,
                  bias: Any = None, use_input_stats: bool = True, momentum: float = 0.1,
                  eps: float = 1e-5) -> Tensor:
    """Instance normalisation (PyTorch's): x (N, C, *) with at least one spatial axis;
    weight, bias, running_mean, running_var (optional) of shape (C,); output of x's shape.

    use_input_stats=True (the default): each (sample, channel) is normalised over its
    positions, y = (x - mean) / sqrt(var + eps) with the biased variance (group_norm
    with C groups; more than one position per channel is needed), then
    y * weight[c] + bias[c]. Running statistics given here are updated in place (no
    gradient), as PyTorch's, with the statistics averaged over the batch:
        running_mean = (1 - momentum) * running_mean + momentum * mean_n(mean[n, c])
        running_var  = (1 - momentum) * running_var  + momentum * mean_n(var[n, c] * L / (L - 1))
    (L positions per channel: the unbiased variance). An empty batch leaves them as
    they are (PyTorch's average of no samples makes them NaN).
    use_input_stats=False: running_mean and running_var (both needed) replace the
    statistics, y = (x - running_mean[c]) / sqrt(running_var[c] + eps) * weight[c] + bias[c]
    (batch_norm in evaluation).
    """
    with engine.scope("instance_norm"):
        x = as_tensor(x)
        where = "instance_norm"
        use_input_stats = _flag(use_input_stats, "use_input_stats", where)
        momentum, eps = _number(momentum, "momentum", where), _number(eps, "eps", where)
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"instance_norm: momentum must be in [0, 1], got {momentum!r} (input {x.shape})")
        if x.ndim < 3:
            raise ValueError(f"instance_norm: expected input of shape (N, C, ...) with spatial axes, got shape {x.shape}")
        C = x.shape[1]
        running_mean = _channel_vector(running_mean, C, "running_mean", x.shape, where)
        running_var = _channel_vector(running_var, C, "running_var", x.shape, where)
        if not use_input_stats:
            if running_mean is None or running_var is None:
                raise ValueError(f"instance_norm: use_input_stats=False needs running_mean and running_var "
                                 f"(input of shape {x.shape})")
            _channel_vector(weight, C, "weight", x.shape, where)
            _channel_vector(bias, C, "bias", x.shape, where)
            if x.dtype.kind == "c":
                raise TypeError(f"instance_norm: complex input (dtype {x.dtype}, shape {x.shape}) is not supported")
            return batch_norm(x, running_mean, running_var, weight, bias, False, momentum, eps)
        if C == 0:  # (group_norm's refusal of num_groups=0 would name group_norm, not this op)
            raise ValueError(f"instance_norm: expected at least one channel, got input of shape {x.shape}")
        L = math.prod(x.shape[2:])
        if L < 2:
            raise ValueError(
                f"instance_norm: expected more than one spatial element per channel, got input of shape {x.shape}"
            )
        tracked = {"running_mean": running_mean, "running_var": running_var}
        _check_running_buffers(where, tracked)
        out = group_norm(x, C, weight, bias, eps)  # (checks weight, bias and eps before the update)
        if x.shape[0] and (running_mean is not None or running_var is not None):
            data = x.data.reshape(x.shape[0], C, L)
            if data.dtype.kind != "f" or data.dtype == FLOAT16:  # (statistics in float64 / float32)
                data = data.astype(np.float32 if data.dtype == FLOAT16 else np.float64)
            if running_mean is not None:
                rm = running_mean.data if isinstance(running_mean, Tensor) else running_mean
                rm *= 1.0 - momentum
                rm += momentum * data.mean(axis=2).mean(axis=0)
            if running_var is not None:
                rv = running_var.data if isinstance(running_var, Tensor) else running_var
                rv *= 1.0 - momentum
                rv += momentum * data.var(axis=2, ddof=1).mean(axis=0)
        return out


def local_response_norm(x: Any, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> Tensor:
    """Local response normalisation across channels (PyTorch's): x (N, C, ...), at least
    3 axes, to x's shape,

        y[n, c] = x[n, c] / (k + alpha / size * sum_c' x[n, c']**2) ** beta,
        c' from c - size//2 to c + (size-1)//2,

    the channels outside 0..C-1 counting as 0 (PyTorch's zero padding of the channel
    window, size//2 before and (size-1)//2 after, and average over `size`, also where
    the window is cut off). size is an int >= 1; alpha, beta, k numbers. Empty input
    is returned as it is (as PyTorch). The window sums are one unfold (as avg_pool2d's).
    """
    with engine.scope("local_response_norm"):
        size = _int(size, "size", "local_response_norm", 1)
        alpha = _number(alpha, "alpha", "local_response_norm")
        beta = _number(beta, "beta", "local_response_norm")
        k = _number(k, "k", "local_response_norm")
        x = as_tensor(x)
        if x.ndim < 3:
            raise ValueError(
                f"local_response_norm: expected input of shape (N, C, ...) with at least 3 axes, got shape {x.shape}"
            )
        if x.data.size == 0:
            return x
        N, C = x.shape[:2]
        L = int(np.prod(x.shape[2:]))
        sq = (x * x).reshape(N, 1, C, L)
        sq = fn.pad(sq, ((0, 0), (0, 0), (size // 2, (size - 1) // 2), (0, 0)))
        sums = P.unfold(sq, kernel_size=(size, 1), stride=(1, 1), dilation=(1, 1)).sum(axis=(4, 5))
        div = (sums / size * alpha + k) ** beta
        return x / div.reshape(x.shape)
