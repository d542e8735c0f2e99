"""Neural-network functions (`am.nn.functional`, imported as F), PyTorch-shaped.

Layers, activations, normalisation and losses, all composed from the
primitive table: none of them has a backward of its own, so their gradients
of every order follow from the primitives' VJPs. Each public function that
records several primitives labels its nodes with a scope of its name
(`engine.scope` or `@composite`) so graph drawings can group them; sigmoid and
tanh are one primitive each, whose node bears the name already.

Images are NCHW: x of shape (N, C, H, W) (or (C, H, W) for one image).
Convolution and pooling read sliding windows with `P.unfold` (a strided view);
convolution then contracts the windows with the kernel in one matrix product.
"""

from __future__ import annotations

import math
import numbers
import operator
from typing import Any, Callable

import numpy as np

from .. import engine
from .. import functions as fn
from .. import primitives as P
from ..creation import generator
from ..engine import composite
from ..functions import as_tensor
from ..tensor import FLOAT16, Tensor, _flag, _is_index

_REDUCTIONS = ("mean", "sum", "none")
_WEIGHTED = ("cross_entropy", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits")

# -- argument helpers -------------------------------------------------------------


def _int(value: Any, what: str, where: str, minimum: int | None = None) -> int:
    """An int (at least `minimum`, if given): a float is refused, not truncated."""
    if not _is_index(value):
        raise TypeError(f"{where}: {what} must be an int, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{where}: {what} must be at least {minimum}, got {value!r}")
    return operator.index(value)


def _is_real(value: Any) -> bool:
    """A real number: not a bool or a string; a numpy scalar or a 0-d array of one is fine."""
    if isinstance(value, np.ndarray):
        return value.ndim == 0 and value.dtype.kind in "iuf"
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _number(value: Any, what: str, where: str) -> float:
    """A real number (as _is_real), as a float."""
    if not _is_real(value):
        raise TypeError(f"{where}: {what} must be a real number, got {value!r}")
    return float(value)


def _pair(value: Any, what: str, where: str, minimum: int) -> tuple[int, int]:
    """An int or a pair of ints as (rows, cols), each at least `minimum`."""
    pair = (value, value) if isinstance(value, (int, np.integer)) else value
    if not isinstance(pair, (tuple, list)) or len(pair) != 2 or not all(_is_index(v) for v in pair):
        raise TypeError(f"{where}: {what} must be an int or a pair of ints, got {value!r}")
    if pair[0] < minimum or pair[1] < minimum:
        raise ValueError(f"{where}: {what} must be at least {minimum}, got {value!r}")
    return int(pair[0]), int(pair[1])


def _images(x: Any, where: str) -> tuple[Tensor, bool]:
    """x as a 4-D (N, C, H, W) tensor, and whether it was one (C, H, W) image."""
    x = as_tensor(x)
    if x.ndim == 3:
        return x.reshape((1,) + x.shape), True
    if x.ndim != 4:
        raise ValueError(f"{where}: expected input of shape (N, C, H, W) or (C, H, W), got {x.shape}")
    return x, False


def _check_fits(where: str, shape: tuple, pads: tuple, kernel: tuple, dilation: tuple) -> None:
    """Raise unless the padded image is at least as large as the dilated kernel."""
    padded = tuple(n + a + b for n, (a, b) in zip(shape[-2:], pads))
    span = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if padded[0] < span[0] or padded[1] < span[1]:
        raise ValueError(
            f"{where}: input of shape {shape} (padded spatial size {padded}) is smaller "
            f"than the kernel {kernel} with dilation {dilation} (spans {span})"
        )


def _check_reduction(reduction: str, where: str) -> None:
    if not isinstance(reduction, str):
        # (an array here is most likely PyTorch's third positional argument, weight,
        # which this library's losses take by keyword, after their own positional ones)
        shape = np.shape(reduction.data if isinstance(reduction, Tensor) else reduction)
        hint = " (pass a weight by keyword: weight=...)" if where in _WEIGHTED else ""
        raise TypeError(
            f"{where}: reduction must be one of {_REDUCTIONS}, got a {type(reduction).__name__}"
            f"{f' of shape {shape}' if shape else ''}{hint}"
        )
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{where}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _beta(beta: Any, where: str) -> float:
    """smooth_l1_loss's beta (and SmoothL1Loss's): a finite number >= 0."""
    beta = _number(beta, "beta", where)
    if not 0.0 <= beta < math.inf:
        raise ValueError(f"{where}: beta must be a finite number >= 0, got {beta!r}")
    return beta


def _delta(delta: Any, where: str) -> float:
    """huber_loss's delta (and HuberLoss's): a finite number > 0."""
    delta = _number(delta, "delta", where)
    if not 0.0 < delta < math.inf:
        raise ValueError(f"{where}: delta must be a finite number > 0, got {delta!r}")
    return delta


def _label_smoothing(label_smoothing: Any, where: str) -> float:
    """cross_entropy's label_smoothing (and CrossEntropyLoss's): a number in [0, 1]."""
    eps = _number(label_smoothing, "label_smoothing", where)
    if not 0.0 <= eps <= 1.0:
        raise ValueError(f"{where}: label_smoothing must be in [0, 1], got {label_smoothing!r}")
    return eps


def _reduce(loss: Tensor, reduction: str, where: str) -> Tensor:
    if reduction == "mean":
        if loss.data.size == 0:  # (am.mean's own error would name mean, not the loss)
            raise ValueError(
                f"{where}: reduction='mean' of an empty batch (losses of shape {loss.shape}) has nothing to average"
            )
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _dim(x: Tensor, dim: int | None, axis: int | None, where: str) -> int:
    """Resolve PyTorch's `dim` and numpy's `axis` (aliases; -1 by default, up to 2-D)."""
    if dim is not None and axis is not None and dim != axis:
        raise TypeError(f"{where}: got dim={dim} and axis={axis}; pass only one")
    if dim is None and axis is None and x.ndim > 2:
        # PyTorch's implicit (deprecated) choice is dim 0 for 3-D input and 1 beyond: the
        # last axis would give a silently different answer, so none is guessed
        raise ValueError(
            f"{where}: pass dim for an input of shape {x.shape} (PyTorch would take dim "
            f"{0 if x.ndim == 3 else 1} implicitly, this library the last axis: neither is guessed)"
        )
    d = dim if dim is not None else axis if axis is not None else -1
    if not _is_index(d):
        raise TypeError(f"{where}: dim must be an int, got {d!r}")
    if not -max(x.ndim, 1) <= d < max(x.ndim, 1):
        raise ValueError(f"{where}: dim {d} is out of range for shape {x.shape}")
    return d


def _same_shape(a: Tensor, b: Tensor, where: str, names: str = "input and target") -> None:
    if a.shape != b.shape:
        raise ValueError(f"{where}: {names} must have the same shape, got {a.shape} and {b.shape}")


# -- linear layers ------------------------------------------------------------------


@composite
def linear(x: Any, weight: Any, bias: Any = None) -> Tensor:
    """x W^T + b: x (..., in), weight (out, in), bias (out,) -> (..., out).

    A single sample x (in,) is computed as W x + b, the paper's sigma(W a + b)
    form, which records no transpose; a batch as x W^T + b, each row a sample.
    In the paper's names: x is a (the previous layer's output), the result is z
    (a nn.Sigmoid after it makes the next a), and the gradient the backward
    sweep holds for the result is the paper's delta = dC/dz (see P.matmul_add).
    """
    x, weight = as_tensor(x), as_tensor(weight)
    if weight.ndim != 2 or x.ndim < 1 or x.shape[-1] != weight.shape[1]:
        raise ValueError(
            f"linear: input of shape {x.shape} does not fit weight of shape {weight.shape} "
            "(expected input (..., in) and weight (out, in))"
        )
    if bias is not None:
        bias = as_tensor(bias)
        if bias.shape != (weight.shape[0],):
            raise ValueError(f"linear: bias must have shape ({weight.shape[0]},), got {bias.shape}")
    return _affine(x, weight, bias)


def _affine(x: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
    """linear() without its checks, for callers that made them (nn.Linear, per step)."""
    if x.ndim == 1:
        return weight @ x if bias is None else P.matmul_add.apply(weight, x, bias)
    # (matmul's VJP gives the transposed view W.T a column-major gradient, so
    # W's .grad is its transpose, row-major, with no copy.)
    return x @ weight.T if bias is None else P.matmul_add.apply(x, weight.T, bias)


def _conv_padding(
    padding: Any, kernel: tuple, dilation: tuple, stride: tuple, where: str = "conv2d"
) -> tuple[tuple[int, int], tuple[int, int]]:
    """((top, bottom), (left, right)) from an int, a pair, 'valid' or 'same'."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0), (0, 0)
        if padding == "same":
            if stride != (1, 1):
                raise ValueError(f"{where}: padding='same' needs stride 1, got stride {stride}")
            # An odd total puts the extra row/column at the bottom/right, as PyTorch.
            totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
            return tuple((t // 2, t - t // 2) for t in totals)  # type: ignore[return-value]
        raise ValueError(f"{where}: padding must be an int, a pair, 'valid' or 'same', got {padding!r}")
    ph, pw = _pair(padding, "padding", where, 0)
    return (ph, ph), (pw, pw)


def conv2d(
    x: Any,
    weight: Any,
    bias: Any = None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] | str = 0,
    dilation: int | tuple[int, int] = 1,
    groups: int = 1,
) -> Tensor:
    """2-D cross-correlation, as PyTorch's conv2d.

    x (N, C, H, W) or (C, H, W); weight (O, C/groups, kh, kw); bias (O,).
    out[n, o, i, j] = bias[o] + sum_{c, p, q} W[o, c, p, q]
                      * xpad[n, g*C/groups + c, i*s + p*d, j*s + q*d]
    over the channels c of o's group g, giving (N, O, OH, OW) with
    OH = (H + pad_top + pad_bottom - d*(kh-1) - 1) // s + 1 (OW alike).
    padding: int, (ph, pw), 'valid' (none) or 'same' (stride 1; output H x W).

    The plain idea (groups=1): each output pixel is the flattened kernel W[o]
    dotted with the flattened window under it, so with every window
    (P.unfold, a view) flattened into a column, all of them are one matrix
    product (O, C*kh*kw) @ (C*kh*kw, N*OH*OW), plus the bias. There is no
    backward code: matmul's VJP gives the kernel's and the columns' gradients,
    and fold (unfold's VJP) adds each column's gradient back to the pixels its
    window covers. What follows is that idea arranged in memory for speed.

    Computed as im2col in CHWN memory: the padded input is copied once with
    the batch as its fastest axis, (C, Hp, Wp, N), its windows are gathered
    into a (C/groups*kh*kw, OH*OW*N) matrix per group, and the kernel, as its
    plain (O/groups, C/groups*kh*kw) reshape, multiplies all of them in one
    matrix product (matmul_add, which adds the bias into it) that lands in
    (O, OH, OW, N) memory, returned as an (N, O, OH, OW) view. Every image
    row then sits next to the same row of the other images: the gather, its
    adjoint (fold) and a following 2x2 pooling copy and compare runs of
    OW*N contiguous elements where NCHW has runs of OW (or of 1 under a
    strided window), and a following ReLU is contiguous still. For the
    benchmark CNN's second layer ((64, 8, 14, 14) float32 in, 3x3 kernel) the
    gather takes 0.2 ms and the fold 0.5 ms, against 0.5 ms and 1.8 ms in NCHW.
    (NHWC, the other common choice, gathers runs of only C elements, 7x
    slower for one input channel.)
    """
    with engine.scope("conv2d"):
        x, unbatched = _images(x, "conv2d")
        given = x.shape[1:] if unbatched else x.shape  # (for errors: the shape the caller passed)
        weight = as_tensor(weight)
        if weight.ndim != 4 or 0 in weight.shape[2:]:
            raise ValueError(
                f"conv2d: weight must have shape (O, C/groups, kh, kw) with kh, kw >= 1, got {weight.shape}"
            )
        # (a float or bool is a TypeError, as nn.Conv2d and every other int argument here)
        G = _int(groups, "groups", "conv2d", 1)
        N, C, H, W = x.shape
        O, Cg, kh, kw = weight.shape
        if C % G or O % G:
            raise ValueError(
                f"conv2d: groups={G} must divide both the input channels {C} (input {given}) "
                f"and the output channels {O} (weight {weight.shape})"
            )
        if Cg * G != C:
            raise ValueError(
                f"conv2d: input of shape {given} has {C} channels, but weight of shape "
                f"{weight.shape} with groups={G} expects {Cg * G}"
            )
        stride_ = _pair(stride, "stride", "conv2d", 1)
        dilation_ = _pair(dilation, "dilation", "conv2d", 1)
        pads = _conv_padding(padding, (kh, kw), dilation_, stride_)
        _check_fits("conv2d", given, pads, (kh, kw), dilation_)
        if bias is not None:
            bias = as_tensor(bias)
            if bias.shape != (O,):
                raise ValueError(f"conv2d: bias must have shape ({O},), got {bias.shape}")
        out = _conv2d_checked(x, weight, bias, stride_, pads, dilation_, G)
        return out.reshape(out.shape[1:]) if unbatched else out


def _conv2d_checked(x: Tensor, weight: Tensor, bias: Tensor | None, stride_: tuple, pads: tuple,
                    dilation_: tuple, G: int) -> Tensor:
    """conv2d of x (N, C, H, W) after its checks (conv1d calls it too), in the caller's scope."""
    N, O, (Cg, kh, kw) = x.shape[0], weight.shape[0], weight.shape[1:]
    # (C, Hp, Wp, N): one copy, which pad makes contiguous in that order.
    xc = x.permute(1, 2, 3, 0)
    if pads != ((0, 0), (0, 0)):
        xc = fn.pad(xc, ((0, 0),) + pads + ((0, 0),))
    Hp, Wp = xc.shape[1], xc.shape[2]
    windows = P.unfold(
        xc.permute(3, 0, 1, 2) if G == 1 else xc.reshape(G, Cg, Hp, Wp, N).permute(4, 0, 1, 2, 3),
        kernel_size=(kh, kw), stride=stride_, dilation=dilation_,
    )  # (N, [G,] C/G, OH, OW, kh, kw), a view
    OH, OW = windows.shape[-4], windows.shape[-3]
    K, Og, L = Cg * kh * kw, O // G, OH * OW * N
    if G == 1:  # (O, K) @ (K, OH*OW*N)
        cols = windows.permute(1, 4, 5, 2, 3, 0).reshape(K, L)  # the one copy
        kernel = weight.reshape(O, K)
    else:  # (G, O/G, K) @ (G, K, OH*OW*N)
        cols = windows.permute(1, 2, 5, 6, 3, 4, 0).reshape(G, K, L)
        kernel = weight.reshape(G, Og, K)
    if bias is None:
        out = kernel @ cols
    else:  # the bias added into the product, as (O, 1) or (G, O/G, 1)
        out = P.matmul_add.apply(kernel, cols, bias.reshape(kernel.shape[:-1] + (1,)))
    return out.reshape(O, OH, OW, N).permute(3, 0, 1, 2)


def _single(value: Any, what: str, where: str, minimum: int) -> int:
    """An int or a one-element tuple/list of one (conv1d's arguments), at least `minimum`."""
    one = value[0] if isinstance(value, (tuple, list)) and len(value) == 1 else value
    if not _is_index(one):
        raise TypeError(f"{where}: {what} must be an int or a tuple of one int, got {value!r}")
    if one < minimum:
        raise ValueError(f"{where}: {what} must be at least {minimum}, got {value!r}")
    return int(one)


def _conv1d_padding(padding: Any, k: int, dilation: int, stride: int, where: str) -> tuple[int, int]:
    """(left, right) from an int, a tuple of one, 'valid' or 'same' (as _conv_padding)."""
    if isinstance(padding, str):
        if padding == "valid":
            return 0, 0
        if padding == "same":
            if stride != 1:
                raise ValueError(f"{where}: padding='same' needs stride 1, got stride {stride}")
            total = dilation * (k - 1)  # (an odd total: the extra one on the right, as PyTorch)
            return total // 2, total - total // 2
        raise ValueError(f"{where}: padding must be an int, 'valid' or 'same', got {padding!r}")
    p = _single(padding, "padding", where, 0)
    return p, p


def conv1d(
    x: Any,
    weight: Any,
    bias: Any = None,
    stride: int | tuple[int] = 1,
    padding: int | tuple[int] | str = 0,
    dilation: int | tuple[int] = 1,
    groups: int = 1,
) -> Tensor:
    """1-D cross-correlation, as PyTorch's conv1d.

    x (N, C, L) or (C, L); weight (O, C/groups, k); bias (O,).
    out[n, o, i] = bias[o] + sum_{c, p} W[o, c, p] * xpad[n, g*C/groups + c, i*s + p*d]
    over the channels c of o's group g, giving (N, O, OL) (or (O, OL)) with
    OL = (L + pad_left + pad_right - d*(k-1) - 1) // s + 1.
    padding: int, (p,), 'valid' (none) or 'same' (stride 1; output length L,
    an odd extra one padded on the right, as PyTorch).

    Computed as conv2d of images one pixel high: x as (N, C, 1, L) and the
    kernel as (O, C/groups, 1, k), so its gradients are conv2d's (no backward
    code of its own).
    """
    with engine.scope("conv1d"):
        x = as_tensor(x)
        if x.ndim not in (2, 3):
            raise ValueError(f"conv1d: expected input of shape (N, C, L) or (C, L), got {x.shape}")
        given, unbatched = x.shape, x.ndim == 2
        if unbatched:
            x = x.reshape((1,) + x.shape)
        weight = as_tensor(weight)
        if weight.ndim != 3 or weight.shape[2] == 0:
            raise ValueError(f"conv1d: weight must have shape (O, C/groups, k) with k >= 1, got {weight.shape}")
        G = _int(groups, "groups", "conv1d", 1)
        N, C, L = x.shape
        O, Cg, k = weight.shape
        if C % G or O % G:
            raise ValueError(
                f"conv1d: groups={G} must divide both the input channels {C} (input {given}) "
                f"and the output channels {O} (weight {weight.shape})"
            )
        if Cg * G != C:
            raise ValueError(
                f"conv1d: input of shape {given} has {C} channels, but weight of shape "
                f"{weight.shape} with groups={G} expects {Cg * G}"
            )
        s = _single(stride, "stride", "conv1d", 1)
        d = _single(dilation, "dilation", "conv1d", 1)
        pads = _conv1d_padding(padding, k, d, s, "conv1d")
        _check_length("conv1d", given, pads, k, d)
        if bias is not None:
            bias = as_tensor(bias)
            if bias.shape != (O,):
                raise ValueError(f"conv1d: bias must have shape ({O},), got {bias.shape}")
        out = _conv2d_checked(x.reshape(N, C, 1, L), weight.reshape(O, Cg, 1, k), bias,
                              (1, s), ((0, 0), pads), (1, d), G)  # (N, O, 1, OL)
        return out.reshape((O, out.shape[-1]) if unbatched else (N, O, out.shape[-1]))


def _check_length(where: str, shape: tuple, pads: tuple, k: int, dilation: int) -> None:
    """conv1d's _check_fits: the padded length at least the dilated kernel's span."""
    padded, span = shape[-1] + pads[0] + pads[1], dilation * (k - 1) + 1
    if padded < span:
        raise ValueError(
            f"{where}: input of shape {shape} (padded length {padded}) is shorter than "
            f"the kernel {k} with dilation {dilation} (spans {span})"
        )


def _output_padding(output_padding: Any, stride: tuple, dilation: tuple, where: str) -> tuple[int, int]:
    """A transposed convolution's output_padding: each below its stride or its dilation (as PyTorch)."""
    op = _pair(output_padding, "output_padding", where, 0)
    if any(o >= s and o >= d for o, s, d in zip(op, stride, dilation)):
        raise ValueError(
            f"{where}: output_padding {op} must be smaller than either stride {stride} or "
            f"dilation {dilation} in each dimension"
        )
    return op


def conv_transpose2d(
    x: Any,
    weight: Any,
    bias: Any = None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
    output_padding: int | tuple[int, int] = 0,
    groups: int = 1,
    dilation: int | tuple[int, int] = 1,
) -> Tensor:
    """2-D transposed convolution, as PyTorch's conv_transpose2d (argument order included).

    x (N, C, H, W) or (C, H, W); weight (C, O/groups, kh, kw) (input channels
    first: the transpose of conv2d's (O, C/groups, kh, kw)); bias (O,). Each
    input pixel scatters its kernel-weighted copy into the output:
    out[n, g*O/groups + o, i*s - pad + p*d, j*s - pad + q*d] += x[n, c, i, j] * W[c, o, p, q]
    for c in group g, plus bias[o], giving (N, O, OH, OW) with
    OH = (H - 1)*s - 2*pad + d*(kh - 1) + output_padding + 1 (OW alike).
    padding crops pad rows/columns from each side of the full result;
    output_padding (smaller than stride or dilation) adds rows/columns at the
    bottom/right, to pick one of the sizes that a strided conv2d maps to H.
    It is the adjoint of conv2d's map of its input: for conv2d(·, W) with the
    same stride, padding and dilation, <conv2d(x, W), y> = <x, conv_transpose2d(y, W)>
    (and so it is conv2d's input gradient).

    Computed as that adjoint, with no backward code of its own: one matrix
    product (O*kh*kw, C) @ (C, H*W*N) (per group) gives every pixel's
    scattered window as a column, laid out as conv2d's gradient columns
    (CHWN memory), and fold (unfold's VJP) adds each column back where its
    window covers the output; the padding is then cropped off. Its gradients
    are matmul's and fold's (unfold): those of conv2d run backwards.
    """
    where = "conv_transpose2d"
    with engine.scope(where):
        x, unbatched = _images(x, where)
        given = x.shape[1:] if unbatched else x.shape
        weight = as_tensor(weight)
        if weight.ndim != 4 or 0 in weight.shape[2:]:
            raise ValueError(
                f"{where}: weight must have shape (C, O/groups, kh, kw) with kh, kw >= 1, got {weight.shape}"
            )
        G = _int(groups, "groups", where, 1)
        N, C, H, W = x.shape
        Cw, Og, kh, kw = weight.shape
        if Cw % G:
            raise ValueError(
                f"{where}: groups={G} must divide the input channels {Cw} of weight {weight.shape} "
                "(C, O/groups, kh, kw)"
            )
        if C != Cw:
            raise ValueError(
                f"{where}: input of shape {given} has {C} channels, but weight of shape "
                f"{weight.shape} (C, O/groups, kh, kw) expects {Cw}"
            )
        O, Cg = Og * G, C // G
        stride_ = _pair(stride, "stride", where, 1)
        dilation_ = _pair(dilation, "dilation", where, 1)
        pad = _pair(padding, "padding", where, 0)
        op = _output_padding(output_padding, stride_, dilation_, where)
        full = tuple((n - 1) * s + d * (k - 1) + 1
                     for n, s, d, k in zip((H, W), stride_, dilation_, (kh, kw)))
        OH, OW = (f - 2 * p + o for f, p, o in zip(full, pad, op))
        if H < 1 or W < 1 or OH < 1 or OW < 1:
            raise ValueError(
                f"{where}: input of shape {given} with weight {weight.shape}, stride {stride_}, "
                f"padding {pad}, output_padding {op} and dilation {dilation_} gives an output "
                f"of size {(OH, OW)}: too small"
            )
        if bias is not None:
            bias = as_tensor(bias)
            if bias.shape != (O,):
                raise ValueError(f"{where}: bias must have shape ({O},), got {bias.shape}")

        K, L = Og * kh * kw, H * W * N
        xc = x.permute(1, 2, 3, 0).reshape(C, L)  # (C, H*W*N): the one copy of x
        if G == 1:  # (O*kh*kw, C) @ (C, H*W*N)
            cols = weight.reshape(C, K).T @ xc
        else:  # (G, O/G*kh*kw, C/G) @ (G, C/G, H*W*N)
            cols = weight.reshape(G, Cg, K).swapaxes(1, 2) @ xc.reshape(G, Cg, L)
        # (N, O, H, W, kh, kw), the windows that unfold would take from the full
        # output: fold adds them back, landing in (O, Hf, Wf, N) memory.
        u = cols.reshape(O, kh, kw, H, W, N).permute(5, 0, 3, 4, 1, 2)
        out = P.fold(u, size=full, kernel_size=(kh, kw), stride=stride_, dilation=dilation_)
        # output_padding past what padding crops off: zeros at the bottom/right
        extra = tuple(max(0, o - p) for o, p in zip(op, pad))
        if any(extra):
            out = fn.pad(out, ((0, 0), (0, 0), (0, extra[0]), (0, extra[1])))
        if out.shape[2:] != (OH, OW):
            out = out[:, :, pad[0]:pad[0] + OH, pad[1]:pad[1] + OW]
        if bias is not None:
            out = out + bias.reshape(O, 1, 1)
        return out.reshape(out.shape[1:]) if unbatched else out


# -- pooling ------------------------------------------------------------------------


def _pool_args(
    x: Any, kernel_size: Any, stride: Any, padding: Any, dilation: Any, where: str, ceil_mode: Any = False
) -> tuple[Tensor, bool, tuple, tuple, tuple, tuple, tuple]:
    """The checked arguments, and `extra`: the rows and columns ceil_mode's last
    windows reach past the bottom/right padding ((0, 0) without ceil_mode)."""
    x, unbatched = _images(x, where)
    kernel = _pair(kernel_size, "kernel_size", where, 1)
    stride_ = kernel if stride is None else _pair(stride, "stride", where, 1)
    pad = _pair(padding, "padding", where, 0)
    dilation_ = _pair(dilation, "dilation", where, 1)
    ceil = _flag(ceil_mode, "ceil_mode", where)
    if pad[0] > kernel[0] // 2 or pad[1] > kernel[1] // 2:
        raise ValueError(
            f"{where}: padding {pad} must be at most half the kernel size {kernel}"
        )
    extra = _pool_fits(where, x.shape[1:] if unbatched else x.shape, kernel, stride_, pad, dilation_, ceil)
    return x, unbatched, kernel, stride_, pad, dilation_, extra


def _pool_fits(where: str, shape: tuple, kernel: tuple, stride: tuple, pad: tuple, dilation: tuple,
               ceil_mode: bool) -> tuple[int, int]:
    """Raise unless the pool has at least one output window; return ceil_mode's overhang.

    Without ceil_mode the dilated kernel must fit in the padded image, and
    OH = (H + 2p - d*(kh-1) - 1) // s + 1. With it, PyTorch's rule: OH =
    ceil((H + 2p - d*(kh-1) - 1) / s) + 1, less one if that last window would
    start at or past H + p (it may start in the image or the top padding
    only); the rows its window reaches past H + 2p are the overhang (OW alike).
    """
    if not ceil_mode:
        _check_fits(where, shape, ((pad[0],) * 2, (pad[1],) * 2), kernel, dilation)
        return 0, 0
    extra = []
    for n, k, s, p, d in zip(shape[-2:], kernel, stride, pad, dilation):
        span = d * (k - 1) + 1
        out = -((span - n - 2 * p) // s) + 1  # ceil((n + 2p - span) / s) + 1
        if (out - 1) * s >= n + p:
            out -= 1
        if out < 1:
            raise ValueError(
                f"{where}: input of shape {shape} is too small for the kernel {kernel} with stride "
                f"{stride}, padding {pad}, dilation {dilation} and ceil_mode=True (no output window)"
            )
        extra.append(max(0, (out - 1) * s + span - n - 2 * p))
    return extra[0], extra[1]


def _tile_reduce(x: Tensor, kernel: tuple, reduce: Callable[[Tensor, tuple], Tensor]) -> Tensor:
    """Reduce non-overlapping kh x kw windows (stride = kernel) without gathering them.

    The image is reshaped (a view) so that each window's rows and columns are
    axes of their own, and `reduce(tiles, axes)` reduces those. Rows/columns
    that do not fill a whole window are dropped, as PyTorch does. When the
    data is channels-last in memory (e.g. a permuted NHWC array) the tiles are
    taken in (N, H, W, C) order, so numpy reduces with the channels contiguous.
    """
    N, C, H, W = x.shape
    kh, kw = kernel
    OH, OW = H // kh, W // kw
    if (OH * kh, OW * kw) != (H, W):
        x = x[:, :, : OH * kh, : OW * kw]
    strides = x.data.strides
    if C > 1 and strides[1] < strides[3]:
        tiles = x.permute(0, 2, 3, 1).reshape(N, OH, kh, OW, kw, C)
        return reduce(tiles, (2, 4)).permute(0, 3, 1, 2)
    return reduce(x.reshape(N, C, OH, kh, OW, kw), (3, 5))


def max_pool2d(
    x: Any,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
    dilation: int | tuple[int, int] = 1,
    ceil_mode: bool = False,
) -> Tensor:
    """Maximum over kh x kw windows: (N, C, H, W) -> (N, C, OH, OW).

    stride defaults to the kernel size; padding (at most half the kernel) adds
    -inf borders (the dtype's minimum for integer images), as PyTorch, so a
    border never wins (it can only tie, in a window whose entries are all -inf,
    and then takes its share of the gradient). OH as in conv2d; with ceil_mode
    (PyTorch's rule) a last, partial window is kept if it starts inside the
    image or the top/left padding: OH = ceil((H + 2p - d*(kh-1) - 1) / s) + 1,
    less one if that window would start at or past H + p (OW alike).
    Gradient on ties: when several entries of a window share the maximum, the
    `max` primitive splits the gradient equally among them (PyTorch gives it
    all to one of them); with continuous data ties have probability zero.
    """
    with engine.scope("max_pool2d"):
        x, unbatched, kernel, stride_, pad, dilation_, extra = _pool_args(
            x, kernel_size, stride, padding, dilation, "max_pool2d", ceil_mode
        )
        # The `max` primitive reduces short window axes slice by slice, and its
        # VJP writes the gradient in its input's memory layout. Tiles (stride =
        # kernel) are reduced on a reshaped view, so that gradient needs no
        # copy back; other windows are reduced on the unfolded view, and fold
        # (unfold's VJP) adds the gradient back, one strided add per window entry.
        if stride_ == kernel and pad == (0, 0) and dilation_ == (1, 1) and extra == (0, 0):
            out = _tile_reduce(x, kernel, lambda t, axes: t.max(axis=axes))
        else:
            if pad != (0, 0) or extra != (0, 0):  # (ceil_mode's overhang is -inf as the padding)
                # The lowest value of the dtype (-inf; an integer image's minimum,
                # as -inf would be cast to 0 and win over negative pixels).
                lowest = -np.inf if x.dtype.kind in "fc" else (
                    np.iinfo(x.dtype).min if x.dtype.kind in "iu" else False)
                x = fn.pad(x, ((0, 0), (0, 0), (pad[0], pad[0] + extra[0]), (pad[1], pad[1] + extra[1])),
                           value=lowest)
            windows = P.unfold(x, kernel_size=kernel, stride=stride_, dilation=dilation_)
            out = windows.max(axis=(4, 5))
        return out.reshape(out.shape[1:]) if unbatched else out


def avg_pool2d(
    x: Any,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """Mean over kh x kw windows: (N, C, H, W) -> (N, C, OH, OW).

    stride defaults to the kernel size; padding (at most half the kernel) adds
    zero borders. With count_include_pad (PyTorch's default) every window is
    divided by kh*kw; without it, by the number of its entries inside the image.
    ceil_mode: OH as in max_pool2d; a last window that reaches past the padding
    is divided, as PyTorch's, by its entries inside the padded image (with
    count_include_pad) or inside the image (without): the overhang never counts.
    Arguments in PyTorch's order (divisor_override is not supported).
    """
    with engine.scope("avg_pool2d"):
        x, unbatched, kernel, stride_, pad, _, extra = _pool_args(
            x, kernel_size, stride, padding, 1, "avg_pool2d", ceil_mode
        )
        include_pad = _flag(count_include_pad, "count_include_pad", "avg_pool2d")
        tiles = stride_ == kernel and pad == (0, 0) and extra == (0, 0)
        if x.dtype == FLOAT16 and not tiles:
            # (window sums overflow float16 at 65504; the tiles' mean already sums in float32)
            x, widened = x.astype(np.float32), True
        else:
            widened = False
        if tiles:
            out = _tile_reduce(x, kernel, lambda t, axes: t.mean(axis=axes))
        else:
            widths = ((0, 0), (0, 0), (pad[0], pad[0] + extra[0]), (pad[1], pad[1] + extra[1]))
            if include_pad and extra == (0, 0):
                count: Any = float(kernel[0] * kernel[1])
            else:  # windows' counts of the entries that count: 1 for those, 0 for the others
                if include_pad:  # the padded image counts, ceil_mode's overhang does not
                    padded = tuple(n + 2 * p for n, p in zip(x.shape[2:], pad))
                    inside = np.pad(np.ones(padded, dtype=x.dtype), ((0, extra[0]), (0, extra[1])))
                else:
                    inside = np.pad(np.ones(x.shape[2:], dtype=x.dtype), widths[2:])
                count = engine.shape_constant(
                    P.unfold(inside, kernel_size=kernel, stride=stride_, dilation=(1, 1)).sum(axis=(2, 3)))
            if widths != ((0, 0),) * 4:
                x = fn.pad(x, widths)
            sums = P.unfold(x, kernel_size=kernel, stride=stride_, dilation=(1, 1)).sum(axis=(4, 5))
            out = P.div.apply(sums, count)  # (count: made here, so not copied as a caller's array)
            if widened:
                out = out.astype(np.float16)
        return out.reshape(out.shape[1:]) if unbatched else out


def _output_size(output_size: Any, where: str) -> tuple[int | None, int | None]:
    """(OH, OW) from an int or a pair whose entries are ints (>= 0) or None (the input's size)."""
    pair = (output_size, output_size) if _is_index(output_size) else output_size
    if (not isinstance(pair, (tuple, list)) or len(pair) != 2
            or not all(v is None or _is_index(v) for v in pair)):
        raise TypeError(f"{where}: output_size must be an int or a pair of ints or None, got {output_size!r}")
    if any(v is not None and v < 0 for v in pair):
        raise ValueError(f"{where}: output_size must be non-negative, got {output_size!r}")
    return tuple(None if v is None else int(v) for v in pair)  # type: ignore[return-value]


def _adaptive_args(x: Any, output_size: Any, where: str) -> tuple[Tensor, bool, int, int]:
    x, unbatched = _images(x, where)
    oh, ow = _output_size(output_size, where)
    H, W = x.shape[2:]
    if H == 0 or W == 0:
        raise ValueError(f"{where}: expected an input with non-zero height and width, "
                         f"got shape {x.shape[1:] if unbatched else x.shape}")
    return x, unbatched, H if oh is None else oh, W if ow is None else ow


def _bins(n: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's adaptive bins of n entries into out: [floor(i*n/out), ceil((i+1)*n/out))."""
    i = np.arange(out)
    return i * n // out, -(-(i + 1) * n // out)




def _bin_sums(x: Tensor, axis: int, out: int) -> Tensor:
    """x summed over each adaptive bin (_bins) of `axis`: that axis becomes `out` long.
    A reshape and a sum when out divides the axis, else one slice and sum per bin
    (basic getitem) and a concatenate."""
    n = x.shape[axis]
    if n == out:
        return x
    if n % out == 0:
        return x.reshape(x.shape[:axis] + (out, n // out) + x.shape[axis + 1:]).sum(axis=axis + 1)
    before = (slice(None),) * axis
    return fn.concatenate([x[before + (slice(int(a), int(b)),)].sum(axis=axis, keepdims=True)
                           for a, b in zip(*_bins(n, out))], axis=axis)


def _adaptive_by_tiles(x: Tensor, OH: int, OW: int, op: str) -> Tensor | None:
    """The adaptive pools' easy cases, reduced by the Tensor method `op` ("mean" or
    "max"): (1, 1), the whole image; an empty output; bins that are tiles (OH and OW
    divide H and W). None otherwise (bins that overlap or differ in size)."""
    N, C, H, W = x.shape
    if (OH, OW) == (1, 1):
        return getattr(x, op)(axis=(2, 3), keepdims=True)
    if OH == 0 or OW == 0:
        return fn.broadcast_to(getattr(x, op)(axis=(2, 3), keepdims=True), (N, C, OH, OW))
    if H % OH == 0 and W % OW == 0:
        return _tile_reduce(x, (H // OH, W // OW), lambda t, axes: getattr(t, op)(axis=axes))
    return None


def adaptive_avg_pool2d(x: Any, output_size: int | tuple[int | None, int | None]) -> Tensor:
    """Mean over adaptive bins: (N, C, H, W) -> (N, C, OH, OW), as PyTorch's.

    output_size: an int, or a pair (OH, OW) whose None entries keep the input's
    size. Output row i averages the input rows floor(i*H/OH) to
    ceil((i+1)*H/OH) - 1 (bins overlap when OH does not divide H), columns
    alike. (1, 1) is the global average pool, a plain mean over H and W; when
    OH and OW divide H and W the bins are avg_pool2d's tiles; otherwise the
    sum over a bin, a rectangle, is taken one axis at a time (a slice of each
    bin's rows summed, then of its columns), then divided by the bin's size;
    an inf or NaN pixel reaches only the bins that hold it, as in PyTorch.
    """
    with engine.scope("adaptive_avg_pool2d"):
        x, unbatched, OH, OW = _adaptive_args(x, output_size, "adaptive_avg_pool2d")
        N, C, H, W = x.shape
        out = _adaptive_by_tiles(x, OH, OW, "mean")
        if out is None:
            dtype = x.dtype
            if dtype.kind != "f" or dtype == FLOAT16:  # (as mean: integers average to floats;
                x = x.astype(np.float32 if dtype == FLOAT16 else np.float64)  # float16 sums in float32)
            # (sums of slices, not products with averaging matrices: their zeros
            # times an inf or NaN pixel would put NaN into the bins that do not hold it)
            x = _bin_sums(_bin_sums(x, 2, OH), 3, OW)  # (N, C, OH, OW)
            (r0, r1), (c0, c1) = _bins(H, OH), _bins(W, OW)
            count = engine.shape_constant(np.multiply.outer(r1 - r0, c1 - c0).astype(x.dtype))
            out = P.div.apply(x, count)
            if dtype == FLOAT16:
                out = out.astype(FLOAT16)
        return out.reshape(out.shape[1:]) if unbatched else out


def adaptive_max_pool2d(
    x: Any, output_size: int | tuple[int | None, int | None], return_indices: bool = False
) -> Tensor:
    """Maximum over adaptive bins: (N, C, H, W) -> (N, C, OH, OW), as PyTorch's.

    Bins and output_size as adaptive_avg_pool2d. Values only: return_indices=True
    is refused. (1, 1) is a plain max over H and W; when OH and OW divide H and W
    the bins are max_pool2d's tiles; otherwise every bin is gathered (integer
    indexing) into an (N, C, OH, OW, kh, kw) array, kh and kw the longest bins,
    the shorter bins filled from a -inf row and column added at the bottom and
    right, and reduced. Ties share the gradient equally, as in max_pool2d.
    """
    with engine.scope("adaptive_max_pool2d"):
        if _flag(return_indices, "return_indices", "adaptive_max_pool2d"):
            raise ValueError("adaptive_max_pool2d: return_indices=True is not supported (values only)")
        x, unbatched, OH, OW = _adaptive_args(x, output_size, "adaptive_max_pool2d")
        N, C, H, W = x.shape
        out = _adaptive_by_tiles(x, OH, OW, "max")
        if out is None:
            index = []
            for n, out_n in ((H, OH), (W, OW)):
                start, end = _bins(n, out_n)
                k = np.arange(int((end - start).max()))
                # entry k of bin i, or n (the -inf row/column) past the bin's end
                index.append(np.where(start[:, None] + k < end[:, None], start[:, None] + k, n))
            short = (int((index[0] == H).any()), int((index[1] == W).any()))
            if short != (0, 0):  # (some bins shorter than the longest)
                lowest = -np.inf if x.dtype.kind in "fc" else (
                    np.iinfo(x.dtype).min if x.dtype.kind in "iu" else False)
                x = fn.pad(x, ((0, 0), (0, 0), (0, short[0]), (0, short[1])), value=lowest)
            # (shape constants: am.compile keeps them in its tape, keyed by the shapes)
            rows = engine.shape_constant(index[0][:, None, :, None])  # (OH, 1, kh, 1)
            cols = engine.shape_constant(index[1][None, :, None, :])  # (1, OW, 1, kw)
            out = x[:, :, rows, cols].max(axis=(4, 5))
        return out.reshape(out.shape[1:]) if unbatched else out


# -- resampling ---------------------------------------------------------------------

_INTERPOLATE_MODES = ("nearest", "nearest-exact", "linear", "bilinear")


def _spatial_arg(value: Any, k: int, what: str, where: str, shape: tuple, integer: bool) -> tuple:
    """size or scale_factor: one number or a sequence of k (one per spatial axis)."""
    if isinstance(value, (tuple, list)):
        if len(value) != k:
            raise ValueError(f"{where}: {what} must have {k} entries for input of shape {shape}, got {value!r}")
        values = tuple(value)
    else:
        values = (value,) * k
    if integer:
        if not all(_is_index(v) for v in values):
            raise TypeError(f"{where}: size must be an int or a tuple of {k} ints, got {value!r}")
        if any(v < 1 for v in values):
            raise ValueError(f"{where}: size must be at least 1, got {value!r} (input of shape {shape})")
        return tuple(int(v) for v in values)
    if not all(_is_real(v) for v in values):
        raise TypeError(f"{where}: scale_factor must be a number or a tuple of {k} numbers, got {value!r}")
    if not all(0.0 < float(v) < math.inf for v in values):
        raise ValueError(f"{where}: scale_factor must be a finite positive number, got {value!r}")
    return tuple(float(v) for v in values)


def _nearest_index(n_in: int, n_out: int, scale: float | None, exact: bool, shortcuts: bool) -> np.ndarray:
    """PyTorch's source index of each output position (its float32 arithmetic):
    nearest: min(floor(dst * s), n_in - 1); nearest-exact: min(floor((dst + 0.5) * s), n_in - 1),
    s = 1 / scale_factor when one was given, else n_in / n_out. (With `shortcuts`, nearest
    with n_out equal to n_in or twice it is dst and dst // 2, the exact shortcuts of
    PyTorch's 2-D kernel; its 1-D kernel takes none, so a scale_factor of 1.15 maps
    6 -> 6 as [0, 0, 1, 2, 3, 4], not the identity.)"""
    dst = np.arange(n_out)
    if shortcuts and not exact and n_out == n_in:
        return dst
    if shortcuts and not exact and n_out == 2 * n_in:
        return dst >> 1
    s = np.float32(1.0 / scale) if scale is not None else np.float32(n_in) / np.float32(n_out)
    pos = dst.astype(np.float32) + np.float32(0.5) if exact else dst.astype(np.float32)
    return np.minimum(np.floor(pos * s).astype(np.int64), n_in - 1)


def _linear_weights(n_in: int, n_out: int, scale: float | None, align_corners: bool,
                    dtype: np.dtype) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """PyTorch's (i0, i1, w0, w1) for linear interpolation along one axis, in `dtype`:
    src = dst * (n_in - 1) / (n_out - 1) with align_corners, else
    max((dst + 0.5) * s - 0.5, 0) (s as in _nearest_index); i0 = min(floor(src), n_in - 1),
    i1 = i0 + 1 (i0 at the last row), w1 = clamp(src - i0, 0, 1), w0 = 1 - w1."""
    t = np.dtype(dtype).type
    dst = np.arange(n_out).astype(dtype)
    if align_corners:
        s = t(n_in - 1) / t(n_out - 1) if n_out > 1 else t(0)
        src = dst * s
    else:
        s = t(1.0 / scale) if scale is not None else t(n_in) / t(n_out)
        src = np.maximum(s * (dst + t(0.5)) - t(0.5), t(0))
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    w1 = np.clip(src - i0.astype(dtype), t(0), t(1)).astype(dtype)
    i1 = i0 + (i0 < n_in - 1)
    return i0, i1, (1.0 - w1.astype(np.float64)).astype(dtype), w1


def _take(x: Tensor, axis: int, index: np.ndarray) -> Tensor:
    """x's entries at `index` along `axis` (getitem with an integer array: its
    gradient is a scatter-add, repeats accumulating)."""
    return x[(slice(None),) * axis + (engine.shape_constant(index),)]


def _repeat(x: Tensor, axis: int, k: int) -> Tensor:
    """Each entry along `axis` repeated k times in a row (np.repeat), as a broadcast and a
    reshape: its gradient is a sum over the k copies, not a scatter-add."""
    shape = x.shape
    y = x.reshape(shape[:axis + 1] + (1,) + shape[axis + 1:])
    y = P.broadcast_to.apply(y, shape=shape[:axis + 1] + (k,) + shape[axis + 1:])
    return y.reshape(shape[:axis] + (shape[axis] * k,) + shape[axis + 1:])


def _resample(x: Tensor, axis: int, n_out: int, scale: float | None, mode: str, align_corners: bool) -> Tensor:
    n_in = x.shape[axis]
    if mode in ("nearest", "nearest-exact"):
        index = _nearest_index(n_in, n_out, scale, mode == "nearest-exact", x.ndim == 4)
        if n_out == n_in and np.array_equal(index, np.arange(n_in)):
            return x
        k = n_out // n_in
        if k * n_in == n_out and np.array_equal(index, np.repeat(np.arange(n_in), k)):
            return _repeat(x, axis, k)
        return _take(x, axis, index)
    if n_out == n_in:  # (PyTorch copies an axis whose length stays, whatever the scale_factor)
        return x
    i0, i1, w0, w1 = _linear_weights(n_in, n_out, scale, align_corners, x.dtype)
    along = (n_out,) + (1,) * (x.ndim - 1 - axis)
    exact = w1 == 0  # (output positions on an input row: x0 itself)
    x0 = x if np.array_equal(i0, np.arange(n_in)) else _take(x, axis, i0)
    if exact.all():
        return x0
    x1 = _take(x, axis, i1)
    if exact.any():  # (there x0 + 0 * 0, x0 itself: an infinite neighbour times 0 would be NaN)
        x1 = P.where.apply(engine.shape_constant(exact.reshape(along)), 0.0, x1)
    # (x0 * w0 + x1 * w1: the products and sum PyTorch's kernel forms, one axis at a time)
    return (P.mul.apply(x0, engine.shape_constant(w0.reshape(along)))
            + P.mul.apply(x1, engine.shape_constant(w1.reshape(along))))


def interpolate(input: Any, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None) -> Tensor:
    """Resize (N, C, L) or (N, C, H, W) to (N, C, OL) or (N, C, OH, OW), as PyTorch's.

    Exactly one of size (an int or one per spatial axis) and scale_factor (a number or
    one per axis: OH = floor(H * scale_factor)). mode:
    'nearest': out[i] = x[min(floor(i * s), H - 1)], s = 1 / scale_factor when it was
    given (unless recompute_scale_factor=True), else H / OH (PyTorch's rule, its
    float32 arithmetic; for 4-D input an axis going n -> n or n -> 2n is the identity
    or i // 2, PyTorch's 2-D shortcuts, which its 1-D kernel does not take. PyTorch's
    1-D backward does take them, so for 3-D input with such a scale_factor, say 1.15
    or 2.15, its gradient is not its forward's; ours is); 'nearest-exact': x[min(floor((i + 0.5) * s), H - 1)];
    'linear' (3-D) and 'bilinear' (4-D): out[i] = w0 x[i0] + w1 x[i1] along each axis,
    with the source coordinate src = i * (H - 1) / (OH - 1) for align_corners=True, else
    max((i + 0.5) * s - 0.5, 0), i0 = floor(src), i1 = min(i0 + 1, H - 1), w1 = src - i0,
    w0 = 1 - w1 (an axis whose length stays is copied, as PyTorch does, even when a
    scale_factor such as 1.15 would move its coordinates). align_corners (default False)
    only with 'linear' and 'bilinear'.
    Built of getitem with integer index arrays (gather) and weighted sums, so the
    gradient is a scatter-add of the output's; an integer nearest upscale is a
    broadcast (each entry repeated), whose gradient is a sum.
    """
    with engine.scope("interpolate"):
        x = as_tensor(input)
        if not isinstance(mode, str) or mode not in _INTERPOLATE_MODES:
            raise ValueError(f"interpolate: mode must be one of {_INTERPOLATE_MODES}, got {mode!r}")
        if x.ndim not in (3, 4):
            raise ValueError(
                f"interpolate: expected input of shape (N, C, L) or (N, C, H, W), got shape {x.shape}"
            )
        k = x.ndim - 2
        if (mode == "linear" and k != 1) or (mode == "bilinear" and k != 2):
            need = "(N, C, L)" if mode == "linear" else "(N, C, H, W)"
            raise ValueError(f"interpolate: mode {mode!r} needs input of shape {need}, got shape {x.shape}")
        linear = mode in ("linear", "bilinear")
        if align_corners is not None:
            _flag(align_corners, "align_corners", "interpolate")
            if not linear:
                raise ValueError(
                    f"interpolate: align_corners can only be set with mode 'linear' or 'bilinear', got mode {mode!r}"
                )
        align = bool(align_corners) if linear and align_corners is not None else False
        if (size is None) == (scale_factor is None):
            raise ValueError(
                f"interpolate: pass exactly one of size and scale_factor, got "
                f"{'both' if size is not None else 'neither'} (input of shape {x.shape})"
            )
        recompute = False if recompute_scale_factor is None else _flag(
            recompute_scale_factor, "recompute_scale_factor", "interpolate")
        in_sizes = x.shape[2:]
        if 0 in in_sizes:
            raise ValueError(f"interpolate: expected non-empty spatial axes, got input of shape {x.shape}")
        if size is not None:
            if recompute:
                raise ValueError("interpolate: recompute_scale_factor is only for a scale_factor, not a size")
            sizes = _spatial_arg(size, k, "size", "interpolate", x.shape, True)
            scales: tuple = (None,) * k
        else:
            factors = _spatial_arg(scale_factor, k, "scale_factor", "interpolate", x.shape, False)
            sizes = tuple(math.floor(float(n) * f) for n, f in zip(in_sizes, factors))
            if min(sizes) < 1:
                raise ValueError(
                    f"interpolate: scale_factor {scale_factor!r} gives output size {sizes} for input of "
                    f"shape {x.shape}; each must be at least 1"
                )
            scales = (None,) * k if recompute else factors
        dtype = x.dtype
        if linear:
            if dtype.kind != "f":
                raise TypeError(f"interpolate: mode {mode!r} needs floating-point input, got dtype {dtype} "
                                f"(shape {x.shape})")
            if dtype == FLOAT16:  # (weights and sums in float32, as PyTorch's opmath)
                x = x.astype(np.float32)
        for axis in reversed(range(2, x.ndim)):  # (the last axis first: PyTorch's order of sums)
            x = _resample(x, axis, sizes[axis - 2], scales[axis - 2], mode, align)
        return x.astype(np.float16) if x.dtype != dtype else x


# -- activations --------------------------------------------------------------------


def _softplus_beta(beta: Any) -> float:
    if isinstance(beta, bool) or not isinstance(beta, (int, float, np.integer, np.floating)) or not beta > 0:
        raise ValueError(f"softplus: beta must be a positive number, got {beta!r}")
    if not math.isfinite(beta):  # (x * inf is NaN at x = 0)
        raise ValueError(f"softplus: beta must be finite, got {beta!r}")
    return float(beta)


relu = fn.relu


def leaky_relu(x: Any, negative_slope: float = 0.01) -> Tensor:
    """x where x > 0, negative_slope * x elsewhere (same shape as x).

    negative_slope is taken as a Python float (as nn.LeakyReLU takes it), so a
    numpy float64 slope does not make float32 activations float64. A slope of 0
    gives 0 for x = -inf (the function is 0 on all x < 0), not 0 * -inf = NaN."""
    with engine.scope("leaky_relu"):
        x = as_tensor(x)
        negative_slope = _number(negative_slope, "negative_slope", "leaky_relu")
        if negative_slope == 0.0:  # (x <= 0, not x > 0: NaN stays NaN, as in relu)
            return P.where.apply(x <= 0, 0.0, x)
        return P.where.apply(x > 0, x, x * negative_slope)  # (a recorded mask: see relu)


sigmoid = fn.sigmoid
tanh = fn.tanh


def softplus(x: Any, beta: float = 1.0) -> Tensor:
    """log(1 + exp(beta x)) / beta, elementwise (a smooth ReLU; its derivative is sigmoid(beta x)).

    With z = beta x, computed as z + log1p(exp(-z)) where z >= 0 and log1p(exp(z))
    where z < 0: exp never overflows, and each branch is smooth and sees only its
    own side's z (0 on the other), so derivatives of every order are right, also
    at 0 (where max(z, 0) + log1p(exp(-|z|)) has corners that give 0 for the
    second derivative instead of 1/4). Where z >= 0 the result is
    x + log1p(exp(-z)) / beta, so a beta x that overflows to inf (beta = 1e300)
    still gives x, not inf.
    """
    with engine.scope("softplus"):
        beta = _softplus_beta(beta)
        x = as_tensor(x)
        # (beta is refused outside the normal range of the dtype the ops run in, where it
        # would round to inf, 0 or a subnormal: 0 * inf, x / 0 on the way. An integer or
        # bool x runs in float64, to which x * beta promotes it.)
        work = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64) if x.dtype.kind in "biu" else None
        if work is not None:
            low, high = float(np.finfo(work).tiny), float(np.finfo(work).max)
            if not low <= beta <= high:
                dtype = (f"the input's dtype {work}" if work == x.dtype
                         else f"{work}, in which its {x.dtype} input is computed")
                raise ValueError(f"softplus: beta {beta!r} is outside the range of {dtype} ({low:.3g} to {high:.3g})")
        z = x if beta == 1 else x * beta
        right = z >= 0
        zp, zn = P.where.apply(right, z, 0.0), P.where.apply(right, 0.0, z)
        tail_p, tail_n = P.log1p.apply((-zp).exp()), P.log1p.apply(zn.exp())
        if beta != 1:
            tail_p, tail_n = tail_p / beta, tail_n / beta
        # (x itself, unmasked: linear, so the branch not taken gets a gradient of 0 * 1)
        return P.where.apply(right, x + tail_p, tail_n)


def silu(x: Any) -> Tensor:
    """x * sigmoid(x), elementwise (SiLU, or swish); same shape as x."""
    with engine.scope("silu"):
        x = fn._floating(as_tensor(x))
        return x * fn.sigmoid(x)


_GELU_TAIL = 40.0  # |x| beyond which both gelu formulas give x or -0.0, gradient 1 or 0


def _gelu_approximate(approximate: Any, where: str) -> str:
    if not isinstance(approximate, str):
        raise TypeError(f"{where}: approximate must be a str ('none' or 'tanh'), got {approximate!r}")
    if approximate not in ("none", "tanh"):
        raise ValueError(f"{where}: approximate must be 'none' or 'tanh', got {approximate!r}")
    return approximate


def gelu(x: Any, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit x * Phi(x), elementwise, as PyTorch's.

    Same shape and dtype as x. approximate='none': x * 0.5 * (1 + erf(x / sqrt(2)));
    'tanh': 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x**3))).

    Beyond |x| = 40 both formulas round to x (x > 0) and -0.0 (x < 0), with derivatives
    1 and 0 of every order (exp(-x**2 / 2) and 1 - tanh**2 underflow to 0), and that is
    what is returned there; the formulas themselves see x clipped to [-40, 40], so that
    x = +-inf gives inf and -0.0 (not inf * 0 = NaN) with gradients 1 and 0, and x**3
    cannot overflow. NaN stays NaN. (For x below about -8.5, 1 + erf rounds to 0, so
    'none' gives -0.0 where x Phi(x) is a tiny negative number, as PyTorch does.)
    """
    approximate = _gelu_approximate(approximate, "gelu")
    with engine.scope("gelu"):
        x = fn._floating(as_tensor(x))
        big = _GELU_TAIL
        # (masks from comparisons of tensors: am.compile replays them; NaN fails both)
        xc = P.where.apply(x > big, big, P.where.apply(x < -big, -big, x))
        if approximate == "none":
            y = xc * 0.5 * (1.0 + P.erf.apply(xc * _SQRT1_2))
        else:
            y = 0.5 * xc * (1.0 + P.tanh.apply(_SQRT_2_OVER_PI * (xc + 0.044715 * (xc * xc * xc))))
        return P.where.apply(x > big, x, y)


_SQRT1_2 = math.sqrt(0.5)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


# -- more activations (PyTorch's; composites of where, exp, tanh, softplus) -----------


def _activation_input(x: Any) -> Tensor:
    """x as a floating tensor (an integer one in the default float dtype, as gelu's)."""
    return fn._floating(as_tensor(x))


def _negative_part(x: Tensor) -> tuple[Tensor, Tensor]:
    """(x > 0, x where x <= 0 else 0): the exp-based branches see only their own side,
    so exp never overflows and a large x's branch not taken has a finite gradient."""
    right = x > 0
    return right, P.where.apply(right, 0.0, x)


def elu(x: Any, alpha: float = 1.0) -> Tensor:
    """x for x > 0, alpha * (exp(x) - 1) for x <= 0, elementwise (PyTorch's ELU); x's shape.

    The exponential sees only x <= 0 (0 elsewhere): no overflow at x = 1000, and
    the limits x and -alpha at +-inf, with gradients 1 and 0.
    """
    with engine.scope("elu"):
        alpha = _number(alpha, "alpha", "elu")
        x = _activation_input(x)
        right, xn = _negative_part(x)
        return P.where.apply(right, x, (xn.exp() - 1.0) * alpha)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(x: Any) -> Tensor:
    """scale * elu(x, alpha) with PyTorch's constants alpha = 1.6732632423543772,
    scale = 1.0507009873554805, elementwise; x's shape."""
    with engine.scope("selu"):
        x = _activation_input(x)
        right, xn = _negative_part(x)
        return P.where.apply(right, x * _SELU_SCALE, (xn.exp() - 1.0) * (_SELU_ALPHA * _SELU_SCALE))


def celu(x: Any, alpha: float = 1.0) -> Tensor:
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1)), elementwise (PyTorch's CELU);
    x's shape. alpha must not be 0. Stable as elu."""
    with engine.scope("celu"):
        alpha = _number(alpha, "alpha", "celu")
        if alpha == 0.0 or not math.isfinite(alpha):
            raise ValueError(f"celu: alpha must be a finite nonzero number, got {alpha!r}")
        x = _activation_input(x)
        right, xn = _negative_part(x)
        return P.where.apply(right, x, ((xn * (1.0 / alpha)).exp() - 1.0) * alpha)


def prelu(x: Any, weight: Any) -> Tensor:
    """x for x > 0, weight * x elsewhere, with a learnt slope (PyTorch's PReLU).

    x (N, C, ...) with weight (1,) (one slope) or (C,) (one per channel, along dim 1);
    an input with fewer than 2 axes has one channel, so weight (1,). Output of x's shape.
    """
    with engine.scope("prelu"):
        x, weight = _activation_input(x), as_tensor(weight)
        C = x.shape[1] if x.ndim >= 2 else 1
        if weight.ndim != 1 or weight.shape[0] not in (1, C):
            raise ValueError(
                f"prelu: weight must have shape (1,) or (C,) = ({C},) for input of shape {x.shape}, "
                f"got {weight.shape}"
            )
        if weight.shape[0] == 1:
            w = weight.reshape(())
        else:
            w = weight.reshape((C,) + (1,) * (x.ndim - 2))
        return P.where.apply(x > 0, x, w * x)


def _bounds(min_val: Any, max_val: Any, where: str) -> tuple[float, float]:
    lo, hi = _number(min_val, "min_val", where), _number(max_val, "max_val", where)
    if not lo <= hi:
        raise ValueError(f"{where}: min_val must be at most max_val, got min_val={lo!r}, max_val={hi!r}")
    return lo, hi


def hardtanh(x: Any, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """x clamped to [min_val, max_val], elementwise (PyTorch's Hardtanh); x's shape.
    Gradient 1 strictly inside, 0 at and beyond the bounds (as PyTorch); NaN stays NaN."""
    with engine.scope("hardtanh"):
        lo, hi = _bounds(min_val, max_val, "hardtanh")
        x = as_tensor(x)
        return P.where.apply(x <= lo, lo, P.where.apply(x >= hi, hi, x))


def relu6(x: Any) -> Tensor:
    """min(max(x, 0), 6), elementwise: hardtanh(x, 0, 6); x's shape."""
    with engine.scope("relu6"):
        return hardtanh(x, 0.0, 6.0)


def hardsigmoid(x: Any) -> Tensor:
    """0 for x <= -3, 1 for x >= 3, x / 6 + 1/2 between, elementwise (relu6(x + 3) / 6,
    PyTorch's Hardsigmoid); x's shape."""
    with engine.scope("hardsigmoid"):
        x = _activation_input(x)
        return P.where.apply(x <= -3.0, 0.0, P.where.apply(x >= 3.0, 1.0, x * (1.0 / 6.0) + 0.5))


def hardswish(x: Any) -> Tensor:
    """x * relu6(x + 3) / 6: 0 for x <= -3, x for x >= 3, x (x + 3) / 6 between,
    elementwise (PyTorch's Hardswish); x's shape. The quadratic sees only its own
    range (0 elsewhere), so x = +-inf gives inf and 0 with gradients 1 and 0."""
    with engine.scope("hardswish"):
        x = _activation_input(x)
        low, high = x <= -3.0, x >= 3.0
        xm = P.where.apply(low, 0.0, P.where.apply(high, 0.0, x))
        return P.where.apply(low, 0.0, P.where.apply(high, x, xm * (xm + 3.0) * (1.0 / 6.0)))


_MISH_TAIL = 40.0  # x beyond which tanh(softplus(x)) rounds to 1 and mish(x) to x


def mish(x: Any) -> Tensor:
    """x * tanh(softplus(x)), elementwise (PyTorch's Mish); x's shape.

    softplus is the stable one (no overflow). Beyond x = 40 the result is x
    (tanh(softplus(x)) rounds to 1, gradient 1), and x = -inf gives 0 (the limit
    of x e^x), gradient 0, not inf * 0 = NaN. NaN stays NaN.
    """
    with engine.scope("mish"):
        x = _activation_input(x)
        big = x > _MISH_TAIL
        xm = P.where.apply(big, _MISH_TAIL, P.where.apply(x == -np.inf, 0.0, x))
        return P.where.apply(big, x, xm * P.tanh.apply(softplus(xm)))


def softsign(x: Any) -> Tensor:
    """x / (1 + |x|), elementwise (PyTorch's Softsign); x's shape. x = +-inf gives +-1
    (the limits, not inf / inf = NaN), gradient 0."""
    with engine.scope("softsign"):
        x = _activation_input(x)
        inf = abs(x) == np.inf
        xm = P.where.apply(inf, 0.0, x)
        return P.where.apply(inf, P.sign.apply(x), xm / (1.0 + abs(xm)))


def logsigmoid(x: Any) -> Tensor:
    """log(sigmoid(x)) = -softplus(-x), elementwise (PyTorch's LogSigmoid); x's shape.
    Stable: about x for x << 0 (-1000 gives -1000), -exp(-x) for x >> 0, never overflowing."""
    with engine.scope("logsigmoid"):
        return -softplus(-_activation_input(x))


def tanhshrink(x: Any) -> Tensor:
    """x - tanh(x), elementwise (PyTorch's Tanhshrink); x's shape."""
    with engine.scope("tanhshrink"):
        x = _activation_input(x)
        return x - P.tanh.apply(x)


def threshold(x: Any, threshold: float, value: float) -> Tensor:
    """value where x <= threshold, x elsewhere, elementwise (PyTorch's Threshold); x's shape
    and dtype (value cast to it, as PyTorch's: an integer x stays integer). A NaN entry is
    not <= anything, so it stays NaN (as in PyTorch), as does x everywhere for a NaN
    threshold."""
    with engine.scope("threshold"):
        t = _number(threshold, "threshold", "threshold")
        _number(value, "value", "threshold")
        x = as_tensor(x)
        return P.where.apply(x <= t, fn._fill_value(value, x, "threshold"), x)


def glu(x: Any, dim: int = -1) -> Tensor:
    """Gated linear unit a * sigmoid(b), a and b the two halves of x along dim
    (PyTorch's GLU): (..., 2n, ...) -> (..., n, ...)."""
    with engine.scope("glu"):
        x = _activation_input(x)
        if x.ndim == 0:
            raise ValueError("glu: expected input with at least one axis, got shape ()")
        d = _int(dim, "dim", "glu")
        if not -x.ndim <= d < x.ndim:
            raise ValueError(f"glu: dim {d} is out of range for input of shape {x.shape}")
        d %= x.ndim
        n = x.shape[d]
        if n % 2:
            raise ValueError(f"glu: the halved dimension {d} must have even length, got input of shape {x.shape}")
        before = (slice(None),) * d
        return x[before + (slice(0, n // 2),)] * P.sigmoid.apply(x[before + (slice(n // 2, n),)])


def softmax(x: Any, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """exp(x_i) / sum_j exp(x_j) along `dim` (alias `axis`), shifted by the max; same shape as x.

    Without dim, x of at most 2 axes uses the last (as PyTorch does); 3 or more
    axes raise ValueError (PyTorch's implicit dim is 0 or 1 there).
    """
    x = as_tensor(x)  # (am.softmax is the composite, with its scope: no second one around it)
    return fn.softmax(x, _dim(x, dim, axis, "softmax"))


def log_softmax(x: Any, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """x_i - log sum_j exp(x_j) along `dim` (alias `axis`): finite for any logits; same shape as x.

    dim is needed for x of 3 or more axes, as in softmax.
    """
    x = as_tensor(x)  # (as in softmax)
    return fn.log_softmax(x, _dim(x, dim, axis, "log_softmax"))


def softmin(x: Any, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """softmax(-x) along `dim` (alias `axis`): exp(-x_i) / sum_j exp(-x_j); x's shape.
    dim is needed for x of 3 or more axes, as in softmax."""
    with engine.scope("softmin"):
        x = fn._floating(as_tensor(x))
        d = _dim(x, dim, axis, "softmin")
        if x.ndim and x.shape[d] == 0:  # (else softmax's error, naming softmax)
            raise ValueError(f"softmin: nothing to reduce along axis {d} of input of shape {x.shape}")
        return fn.softmax(-x, d)


# -- regularisation and normalisation -----------------------------------------------


def dropout(x: Any, p: float = 0.5, training: bool = True) -> Tensor:
    """Inverted dropout: zero each entry with probability p, scale the rest by 1/(1-p).

    Output of x's shape: y = x * keep / (1 - p), keep ~ Bernoulli(1 - p) per entry.
    The expectation is x, so evaluation (training=False) returns x unchanged.
    p = 1 zeroes every entry in training (x * 0, as PyTorch). The mask comes
    from the library generator (`am.manual_seed` fixes it).
    """
    with engine.scope("dropout"):
        x = as_tensor(x)
        p = _dropout_p(p, "dropout")
        if not _flag(training, "training", "dropout") or p == 0.0:
            return x
        if engine.tracers:
            raise RuntimeError(
                "dropout: a random mask cannot be compiled (a replay would reuse it); compile "
                "the model in eval() mode, or call it uncompiled while training"
            )
        keep = generator().random(x.shape) >= p  # (none when p = 1: random() < 1)
        scale = (keep / (1.0 - p) if p < 1.0 else keep).astype(x.dtype if x.dtype.kind == "f" else np.float64)
        return P.mul.apply(x, scale)  # (scale: made here, so not copied as a caller's array)


def dropout2d(x: Any, p: float = 0.5, training: bool = True) -> Tensor:
    """Channel-wise dropout of x (N, C, H, W): zero each whole channel x[n, c] with
    probability p and scale the rest by 1/(1-p); x's shape. Eval (training=False) is
    the identity. The mask, of shape (N, C, 1, 1), comes from the library generator
    (am.manual_seed), as dropout's. Only 4-D input: PyTorch reads a 3-D one as
    (N, C, L), not as one image (C, H, W), so that is refused rather than guessed
    (pass x[None] for one image).
    """
    with engine.scope("dropout2d"):
        x = as_tensor(x)
        p = _dropout_p(p, "dropout2d")
        if x.ndim != 4:
            raise ValueError(
                f"dropout2d: expected input of shape (N, C, H, W), got shape {x.shape}"
                + (" (for one image (C, H, W) pass x[None])" if x.ndim == 3 else "")
            )
        if not _flag(training, "training", "dropout2d") or p == 0.0:
            return x
        if engine.tracers:
            raise RuntimeError(
                "dropout2d: a random mask cannot be compiled (a replay would reuse it); compile "
                "the model in eval() mode, or call it uncompiled while training"
            )
        keep = generator().random(x.shape[:2] + (1, 1)) >= p
        scale = (keep / (1.0 - p) if p < 1.0 else keep).astype(x.dtype if x.dtype.kind == "f" else np.float64)
        return P.mul.apply(x, scale)


def _dropout_p(p: Any, where: str) -> float:
    """Dropout's probability, a number in [0, 1] (checked by F.dropout and nn.Dropout)."""
    p = _number(p, "p", where)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{where}: p must be in [0, 1], got {p}")
    return p


def _channel_vector(v: Any, C: int, name: str, x_shape: tuple) -> Any:
    if v is None:
        return None
    shape = np.shape(v.data if isinstance(v, Tensor) else v)
    if shape != (C,):
        raise ValueError(
            f"batch_norm: {name} must have shape ({C},) for input of shape {x_shape}, got {shape}"
        )
    return v


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
            if engine.tracers and (running_mean is not None or running_var is not None):
                raise RuntimeError(
                    "batch_norm: updating the running statistics in training mode cannot be "
                    "compiled (a replay would skip the update); compile the model in eval() mode "
                    "or without running statistics"
                )
            buffers = {"running_mean": running_mean, "running_var": running_var}
            for name, buf in buffers.items():  # (both checked before either changes)
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
                        f"batch_norm: in training {name} is updated in place, so it must be a "
                        f"writable floating-point ndarray or Tensor, got {kind}"
                    )
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
    """Instance normalisation (PyTorch's): each (sample, channel) of x (N, C, *) normalised
    over its positions, y = (x - mean) / sqrt(var + eps) (biased variance), then
    y * weight[c] + bias[c] (shape (C,), optional); x's shape. group_norm with C groups.
    Running statistics are not supported (running_mean, running_var None and
    use_input_stats True); more than one position per channel is needed."""
    with engine.scope("instance_norm"):
        x = as_tensor(x)
        if running_mean is not None or running_var is not None or not _flag(
                use_input_stats, "use_input_stats", "instance_norm"):
            raise ValueError("instance_norm: running statistics are not supported (pass running_mean="
                             "None, running_var=None, use_input_stats=True)")
        _number(momentum, "momentum", "instance_norm")
        if x.ndim < 3:
            raise ValueError(f"instance_norm: expected input of shape (N, C, ...) with spatial axes, got shape {x.shape}")
        if math.prod(x.shape[2:]) < 2:
            raise ValueError(
                f"instance_norm: expected more than one spatial element per channel, got input of shape {x.shape}"
            )
        return group_norm(x, x.shape[1], weight, bias, eps)


# -- embeddings, one-hot ------------------------------------------------------------


def _indices(indices: Any, n: int, where: str, what: str, error: type = IndexError) -> np.ndarray:
    """Integer indices in [0, n) as an array (any shape), else an error naming `where`.
    While am.compile records, the range test is made of ops that its tape keeps and
    checks on every replay (as _probabilities'), so a replay's bad index raises too."""
    idx = np.asanyarray(indices.data if isinstance(indices, Tensor) else indices)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{where}: indices must be integers, got dtype {idx.dtype} (shape {idx.shape})")
    if not idx.size:
        return idx
    if engine.tracers:
        with engine.no_grad():
            ok = [P.ge.apply(P.min.apply(idx), 0), P.lt.apply(P.max.apply(idx), n)]
        for t in ok:
            engine.tracers[-1].check(t)
        bad = not all(bool(t.data) for t in ok)
    else:
        lo, hi = idx.min(), idx.max()
        bad = lo < 0 or hi >= n
    if bad:
        lo, hi = np.asarray(idx).min(), np.asarray(idx).max()
        raise error(
            f"{where}: index {lo if lo < 0 else hi} is out of range for {what} {n} "
            f"(indices of shape {idx.shape} must be in [0, {n - 1}])"
        )
    return idx


def _padding_idx(padding_idx: Any, n: int, where: str) -> int | None:
    """None, or padding_idx in [-n, n) as an index in [0, n) (PyTorch's)."""
    if padding_idx is None:
        return None
    p = _int(padding_idx, "padding_idx", where)
    if not -n <= p < n:
        raise ValueError(f"{where}: padding_idx must be within num_embeddings {n} (in [{-n}, {n - 1}]), got {p}")
    return p % n


def embedding(input: Any, weight: Any, padding_idx: int | None = None) -> Tensor:
    """Look up rows of `weight`: input S (integers), weight (V, D) -> S + (D,).

    out[s] = weight[input[s]], with V = num_embeddings, D = embedding_dim.

    A row picked several times gets the sum of their gradients (getitem's VJP
    adds repeats). The row padding_idx (negative counts from the end) is
    returned as it is but gets no gradient, as PyTorch. Indices outside
    [0, num_embeddings) raise IndexError.
    """
    with engine.scope("embedding"):
        weight = as_tensor(weight)
        if weight.ndim != 2:
            raise ValueError(f"embedding: weight must have shape (num_embeddings, embedding_dim), got {weight.shape}")
        n = weight.shape[0]
        idx = _indices(input, n, "embedding", "num_embeddings")
        if not engine.tracers:  # (a copy: the graph keeps the index, and a caller may refill it;
            idx = np.array(idx)  # am.compile recognises its argument's own array, and copies it)
        p = _padding_idx(padding_idx, n, "embedding")
        out = weight[idx]
        if p is not None and weight.requires_grad:
            # the rows picked at the padding positions enter as values without gradient
            # (where's VJP gives them 0), so row p gets none: ops of the output's size,
            # not of the whole table's; made of ops, so a compiled replay masks its own indices
            with engine.no_grad():
                frozen = weight[idx]
                at_padding = P.eq.apply(idx, p)[..., None]
            out = P.where.apply(at_padding, frozen, out)
        return out


def one_hot(labels: Any, num_classes: int = -1) -> Tensor:
    """Integer labels of any shape S -> int64 one-hot rows S + (num_classes,), no gradient.

    num_classes = -1 takes labels.max() + 1 (an error for no labels, as PyTorch);
    labels must be in [0, num_classes).
    """
    C = _int(num_classes, "num_classes", "one_hot", -1)
    # (an ndarray argument stays that very array, which am.compile recognises as its input)
    t = np.asanyarray(labels.data if isinstance(labels, Tensor) else labels)
    if t.dtype.kind not in "iu":
        raise TypeError(f"one_hot: labels must be integers, got dtype {t.dtype} (shape {t.shape})")
    if C == -1:
        if t.size == 0:
            raise ValueError(f"one_hot: cannot infer num_classes from empty labels of shape {t.shape}; pass num_classes")
        with engine.no_grad():  # (ops, which am.compile records: the width is read from the labels)
            lo, hi = P.min.apply(t), P.max.apply(t)
        if lo.data < 0:
            raise ValueError(f"one_hot: labels must be >= 0, got {lo.data} (labels of shape {t.shape})")
        C = int(hi.data) + 1
        if engine.tracers:  # (a replay must bring labels of the same width, else it runs eagerly)
            with engine.no_grad():
                engine.tracers[-1].check(P.eq.apply(hi, C - 1))
    _indices(t, C, "one_hot", "num_classes", ValueError)
    # Made of ops (labels == arange(C)), so that am.compile replays it with each call's labels.
    classes = np.arange(C)
    engine.shape_constant(classes)
    with engine.no_grad():
        hot = P.eq.apply(P.reshape.apply(t, shape=t.shape + (1,)), classes)
        return P.astype.apply(hot, dtype=np.int64)


# -- losses -------------------------------------------------------------------------


@composite
def mse_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Squared error (input - target)**2, reduced by mean (default), sum or none.

    input and target have the same shape, which 'none' keeps; mean and sum give
    a 0-d tensor. Two integer (or bool) ones are taken in the default float dtype.

    Up to 4096 elements the sum of squares is the inner product d . d of the
    flattened difference: one node and one BLAS call where d * d then a sum
    take two nodes and, in the backward, five numpy calls instead of three (the
    paper's single-sample step is dominated by such per-node costs). Larger
    ones take d * d and a sum, as BLAS's dot sums long float32 vectors less
    accurately than numpy's pairwise sum.
    """
    _check_reduction(reduction, "mse_loss")
    input, target = as_tensor(input), as_tensor(target)
    _same_shape(input, target, "mse_loss")
    if input.dtype.kind in "biu" and target.dtype.kind in "biu":
        # (in the default float dtype, as softmax takes integers: their difference
        # and its square wrap, uint8 3 - 5 being 254, and bools have no difference)
        dtype = fn.get_default_dtype()
        input, target = input.astype(dtype), target.astype(dtype)
    d = input - target
    if d.dtype.kind == "c":  # (d * d is not |d|**2; PyTorch has no complex mse_loss either)
        raise TypeError(
            f"mse_loss: complex input (dtype {d.dtype}) is not supported; use ((a - b).abs() ** 2).mean()"
        )
    if d.dtype == FLOAT16:  # (squares of float16 overflow their sum at 65504 long before the mean does)
        return mse_loss(input.astype(np.float32), target.astype(np.float32), reduction).astype(np.float16)
    if reduction == "none" or d.data.size == 0:
        return _reduce(d * d, reduction, "mse_loss")
    if d.data.size > 4096:  # (BLAS's dot sums long float32 vectors less accurately than numpy)
        return _reduce(d * d, reduction, "mse_loss")
    flat = d if d.ndim == 1 else d.reshape(-1)
    total = flat @ flat
    return fn._divided(total, d.data.size) if reduction == "mean" else total  # (as am.mean divides)


def _difference(input: Any, target: Any, where: str) -> Tensor:
    """input - target for the elementwise losses: same shapes; integers (or bools) in the
    default float dtype (their difference would wrap); complex refused."""
    input, target = as_tensor(input), as_tensor(target)
    _same_shape(input, target, where)
    if input.dtype.kind in "biu" and target.dtype.kind in "biu":
        dtype = fn.get_default_dtype()
        input, target = input.astype(dtype), target.astype(dtype)
    d = input - target
    if d.dtype.kind == "c":
        raise TypeError(f"{where}: complex input (dtype {d.dtype}, shape {d.shape}) is not supported")
    return d


def l1_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Absolute error |input - target|, reduced by mean (default), sum or none.

    input and target have the same shape, which 'none' keeps. The gradient at
    input == target is 0 (abs's, as PyTorch's sign(0)).
    """
    with engine.scope("l1_loss"):
        _check_reduction(reduction, "l1_loss")
        return _reduce(abs(_difference(input, target, "l1_loss")), reduction, "l1_loss")


def _piecewise_quadratic(d: Tensor, width: float, scale: float) -> Tensor:
    """0.5 d**2 * scale where |d| < width, (|d| - 0.5 width) * width * scale elsewhere.

    The quadratic branch sees d only where it is taken (0 elsewhere), so an
    infinite d gives inf with gradient +-1 * width * scale, not the NaN of 0 * inf."""
    small = abs(d) < width
    ds = P.where.apply(small, d, 0.0)
    return P.where.apply(small, (0.5 * scale) * (ds * ds), (abs(d) - 0.5 * width) * (width * scale))


def smooth_l1_loss(input: Any, target: Any, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """0.5 d**2 / beta where |d| < beta, |d| - 0.5 beta elsewhere, d = input - target (PyTorch's).

    Same shapes; beta >= 0, and beta = 0 is l1_loss. Reduced by mean, sum or none.
    """
    with engine.scope("smooth_l1_loss"):
        _check_reduction(reduction, "smooth_l1_loss")
        beta = _beta(beta, "smooth_l1_loss")
        d = _difference(input, target, "smooth_l1_loss")
        if beta == 0.0:
            return _reduce(abs(d), reduction, "smooth_l1_loss")
        return _reduce(_piecewise_quadratic(d, beta, 1.0 / beta), reduction, "smooth_l1_loss")


def huber_loss(input: Any, target: Any, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """0.5 d**2 where |d| < delta, delta (|d| - 0.5 delta) elsewhere, d = input - target.

    Same shapes; delta > 0. huber_loss(delta) = delta * smooth_l1_loss(beta=delta).
    """
    with engine.scope("huber_loss"):
        _check_reduction(reduction, "huber_loss")
        delta = _delta(delta, "huber_loss")
        d = _difference(input, target, "huber_loss")
        return _reduce(_piecewise_quadratic(d, delta, 1.0), reduction, "huber_loss")


def _class_targets(log_probs: Tensor, target: Any, where: str) -> np.ndarray:
    """Check the dtype and shape of integer class labels for scores (N, C, d1, ...) or
    (C,) (one sample); return them as an array: a copy (the graph keeps them until its
    backward, and a caller may refill its array meanwhile), or while am.compile records
    the argument's own array, which the tape recognises. Their range is checked by
    the `pick` primitive, so a compiled replay checks it too."""
    t = np.asanyarray(target.data if isinstance(target, Tensor) else target)
    if not engine.tracers and t is (target.data if isinstance(target, Tensor) else target):
        t = t.copy()
    if log_probs.ndim < 1:
        raise ValueError(f"{where}: expected input of shape (C,), (N, C) or (N, C, d1, ...), got {log_probs.shape}")
    C = log_probs.shape[_class_axis(log_probs)]
    expected = log_probs.shape[:1] + log_probs.shape[2:] if log_probs.ndim > 1 else ()
    if t.dtype.kind not in "iu":
        if t.shape == log_probs.shape:
            # One-hot rows or class probabilities (PyTorch's other target form, and
            # higham_drilling's Y): .astype(int) would only move on to a shape error.
            raise ValueError(
                f"{where}: target of shape {t.shape} and dtype {t.dtype} has the input's shape, as "
                f"one-hot rows or class probabilities would; only integer class labels in [0, {C - 1}] "
                f"are taken: for one-hot rows pass np.argmax(target, axis={_class_axis(log_probs)}); "
                "for probabilities sum -target * F.log_softmax(logits) over the class axis"
            )
        raise ValueError(
            f"{where}: target must hold integer class labels in [0, {C - 1}], got dtype {t.dtype} "
            "(convert with .astype(int))"
        )
    if t.shape != expected:
        raise ValueError(
            f"{where}: target of shape {t.shape} does not fit input of shape {log_probs.shape} "
            f"(expected {expected})"
        )
    return t


def _class_axis(scores: Tensor) -> int:
    """Classes lie along axis 1 of a batch (N, C, ...), along axis 0 of one sample (C,)."""
    return 1 if scores.ndim > 1 else 0


def _ignore_index(ignore_index: Any, where: str) -> int:
    return _int(ignore_index, "ignore_index", where)


def _ignored(labels: np.ndarray, ignore_index: int) -> bool:
    """Take the masked path? Always while am.compile records (a replay may bring ignored
    labels), else only when some label is ignore_index (the plain path records fewer nodes)."""
    return bool(engine.tracers) or bool(labels.size and (labels == ignore_index).any())


def _masked(loss_of: Callable[[Any], Tensor], labels: np.ndarray, ignore_index: int,
            reduction: str, dtype: np.dtype) -> Tensor:
    """loss_of(labels with ignore_index replaced by 0), 0 where the label is ignore_index,
    reduced; 'mean' divides by the number of labels that are not ignored (0 / 0 = NaN
    when every one is, as PyTorch). Made of ops, so a compiled replay masks its own labels."""
    with engine.no_grad():
        keep = P.ne.apply(labels, ignore_index)
        safe = P.where.apply(keep, labels, 0)  # (ignored labels pick class 0, then masked)
    loss = P.where.apply(keep, loss_of(safe), 0.0)
    if reduction == "none":
        return loss
    total = loss.sum()
    if reduction == "sum":
        return total
    with engine.no_grad():
        count = P.sum.apply(P.astype.apply(keep, dtype=dtype))
        # (every label ignored: 0 / 0 is NaN; dividing by a NaN count gives it without
        # numpy's divide-by-zero warnings, forward or backward, where the mask zeroes it)
        count = P.where.apply(P.gt.apply(count, 0), count, np.nan)
    return P.div.apply(total, count)


def _weight_shape(w: Any, what: str, where: str) -> tuple:
    """The shape of a loss's weight (or pos_weight): a Tensor, an ndarray or a sequence of
    floating-point numbers (integers are refused, as PyTorch refuses them; any values,
    negative ones too, are taken)."""
    data = w.data if isinstance(w, Tensor) else w
    try:
        arr = data if isinstance(data, np.ndarray) else np.asarray(data)
    except (TypeError, ValueError):  # (ragged sequences)
        arr = None
    if arr is None or arr.dtype.kind != "f":
        got = f"dtype {arr.dtype} (shape {arr.shape})" if arr is not None else f"a {type(w).__name__}"
        raise TypeError(
            f"{where}: {what} must be a tensor or array of floating-point numbers, got {got}"
            + ("; convert with .astype(float)" if arr is not None and arr.dtype.kind in "biu" else "")
        )
    return arr.shape


def _class_weight(weight: Any, scores: Tensor, where: str) -> None:
    """Check a per-class weight for scores (N, C, ...) or (C,): floats of shape (C,)."""
    shape = _weight_shape(weight, "weight", where)
    if scores.ndim == 0:  # (refused by _class_targets, with the shapes it takes)
        return
    C = scores.shape[_class_axis(scores)]
    if shape != (C,):
        raise ValueError(
            f"{where}: weight must be a 1-D tensor of length C = {C}, one per class of input of "
            f"shape {scores.shape}, got shape {shape}"
        )


def _elementwise_weight(weight: Any, what: str, x: Tensor, where: str) -> None:
    """Check a weight that rescales each element: floats of a shape that broadcasts to x's."""
    shape = _weight_shape(weight, what, where)
    if not fn._broadcasts_to(shape, x.shape):
        raise ValueError(f"{where}: {what} of shape {shape} does not broadcast to input's shape {x.shape}")


def _weight_in(w: Any, dtype: np.dtype) -> Tensor:
    """A weight as a tensor in the loss's dtype (a float64 array is not let upcast a
    float32 loss): converted by the astype primitive, so a weight that requires grad
    keeps it and am.compile reads a buffer afresh on every replay."""
    t = as_tensor(w)
    return t if t.dtype == dtype else P.astype.apply(t, dtype=dtype)


def _weighted(loss_of: Callable[[Any, Tensor, Tensor], Tensor], scores: Tensor, labels: np.ndarray,
              weight: Any, ignore_index: int, reduction: str, where: str) -> Tensor:
    """A class-weighted loss (PyTorch's): loss_of(labels, w[labels], w shaped to broadcast
    along the class axis) gives each position's weighted loss; positions whose label is
    ignore_index have loss 0; 'mean' divides the sum by the sum of w[label] over the
    labels not ignored (0 / 0 = NaN when that is 0, as PyTorch)."""
    if reduction == "mean" and labels.size == 0:
        raise ValueError(
            f"{where}: reduction='mean' of an empty batch (labels of shape {labels.shape}) has nothing to average"
        )
    axis = _class_axis(scores)
    w = _weight_in(weight, scores.dtype)
    wb = w.reshape(w.shape + (1,) * (scores.ndim - 2)) if scores.ndim > 2 else w
    masked = _ignored(labels, ignore_index)
    t: Any = labels
    if masked:
        with engine.no_grad():
            keep = P.ne.apply(labels, ignore_index)
            t = P.where.apply(keep, labels, 0)  # (ignored labels pick class 0, then masked)
    wt = P.pick.apply(P.broadcast_to.apply(wb, shape=scores.shape), t, axis=axis)
    loss = loss_of(t, wt, wb)
    if masked:
        loss = P.where.apply(keep, loss, 0.0)
    if reduction == "none":
        return loss
    total = loss.sum()
    if reduction == "sum":
        return total
    if masked:
        wt = P.where.apply(keep, wt, 0.0)
    den = wt.sum()
    with engine.no_grad():
        nonzero = P.ne.apply(den, 0.0)
    # (weights of the labels present summing to 0: 0 / 0 is NaN, as PyTorch's; dividing by a
    # NaN gives it without numpy's divide-by-zero warnings, and no gradient reaches the weight
    # through the denominator; PyTorch's input gradient is then NaN too, 0 at ignored labels)
    return P.div.apply(total, P.where.apply(nonzero, den, np.nan))


def nll_loss(log_probs: Any, target: Any, reduction: str = "mean", ignore_index: int = -100, *,
             weight: Any = None) -> Tensor:
    """Negative log-likelihood -log_probs[n, target[n]] of integer class labels.

    log_probs (N, C) or (N, C, d1, ...), or (C,) for one sample; target (N,),
    (N, d1, ...) or () with labels in [0, C) or equal to ignore_index, whose
    positions have loss 0 ('none') and are left out of the sum; 'mean' averages
    over the labels that are not ignored (all of them ignored: NaN, 0 / 0, as
    PyTorch, with a zero gradient).

    weight (keyword): a 1-D tensor or array of C floats (PyTorch's per-class rescaling,
    any values), taken in log_probs' dtype: loss_n = -weight[target[n]] log_probs[n,
    target[n]], and 'mean' divides the sum by the sum of weight[target[n]] over the
    labels not ignored (not by their number; a sum of 0 gives NaN, as PyTorch).
    Unlike PyTorch's, the loss is differentiable in a weight that requires grad.
    """
    with engine.scope("nll_loss"):
        _check_reduction(reduction, "nll_loss")
        ignore_index = _ignore_index(ignore_index, "nll_loss")
        log_probs = as_tensor(log_probs)
        labels = _class_targets(log_probs, target, "nll_loss")
        axis = _class_axis(log_probs)
        if weight is not None:
            _class_weight(weight, log_probs, "nll_loss")
            if log_probs.dtype.kind != "f":
                log_probs = log_probs.astype(fn.get_default_dtype())
            return _weighted(lambda t, wt, wb: wt * -P.pick.apply(log_probs, t, axis=axis), log_probs,
                             labels, weight, ignore_index, reduction, "nll_loss")
        if _ignored(labels, ignore_index):
            dtype = log_probs.dtype if log_probs.dtype.kind == "f" else fn.get_default_dtype()
            return _masked(lambda t: -P.pick.apply(log_probs, t, axis=axis), labels, ignore_index,
                           reduction, dtype)
        # Picking the labelled entries is a select, not a multiply by a one-hot
        # mask (0 * -inf would be NaN for a class with probability 0). Two nodes
        # (pick, neg) where a one-hot `where` and a sum over classes take
        # three: fwd + bwd of (128, 10) in three quarters of their time, of
        # (8, 21, 64, 64) in a fifth. The labels are pick's input, so a compiled
        # tape replays with (and checks) each call's labels.
        return _reduce(-P.pick.apply(log_probs, labels, axis=axis), reduction, "nll_loss")


def cross_entropy(input: Any, target: Any, reduction: str = "mean", ignore_index: int = -100,
                  label_smoothing: float = 0.0, *, weight: Any = None) -> Tensor:
    """Softmax cross-entropy of logits (N, C), (N, C, d1, ...) or (C,) with integer labels.

    loss_n = logsumexp_c(input[n, c]) - input[n, target[n]] = nll_loss(log_softmax(input, 1)),
    whose gradient for the logits is softmax(input)[n] - onehot(target[n]) (divided
    by the number of labels for 'mean'), found from the primitives' VJPs, not written here;
    computed as log sum_c exp(z[n, c]) - z[n, target[n]] with z = input - max_c input:
    the shift (a constant) cancels, and z <= 0 cannot overflow exp. This is 8
    nodes where nll_loss(log_softmax(...)) records 9: fwd + bwd of W2's
    (128, 10) logits take 140 us against 160 us (220 us when log_softmax
    still recorded one node more, x - logsumexp(x), and the pair 10).
    target: integer labels (N,), (N, d1, ...) or () in [0, C), an ndarray or an
    integer Tensor; passed as an argument of an am.compile'd function, each
    call's labels are used and range-checked.

    ignore_index: positions whose label equals it have loss 0 and take no part;
    'mean' divides by the number of the other labels (every label ignored:
    NaN, 0 / 0, as PyTorch, with a zero gradient). Other labels must be in [0, C).
    label_smoothing = e in [0, 1] (PyTorch's): the target is the mixture
    (1 - e) onehot + e / C of the label and the uniform distribution, so
    loss_n = (1 - e) (-log p[n, t]) + e / C sum_c (-log p[n, c]); with
    ignore_index, ignored positions drop out of both terms and 'mean' divides
    the sum by the number of labels not ignored, as PyTorch does.

    weight (keyword): a 1-D tensor or array of C floats (PyTorch's per-class rescaling,
    any values), taken in the input's dtype. With l_c = -log p[n, c]:
    loss_n = (1 - e) weight[t] l_t + e / C sum_c weight[c] l_c (t = target[n]: the
    smoothing term weighs every class by its own weight, as PyTorch's), 0 where t is
    ignore_index; 'mean' divides the sum of both terms by the sum of weight[target[n]]
    over the labels not ignored (not by their number; a sum of 0 gives NaN, 0 / 0,
    as PyTorch). Unlike PyTorch's, the loss is differentiable in a weight that
    requires grad.
    """
    with engine.scope("cross_entropy"):
        _check_reduction(reduction, "cross_entropy")
        ignore_index = _ignore_index(ignore_index, "cross_entropy")
        eps = _label_smoothing(label_smoothing, "cross_entropy")
        input = fn._floating(as_tensor(input))
        if weight is not None:
            _class_weight(weight, input, "cross_entropy")
        if input.dtype == FLOAT16:  # (the sum of exponentials overflows float16 at 65504, as in softmax)
            return cross_entropy(input.astype(np.float32), target, reduction, ignore_index,
                                 eps, weight=weight).astype(np.float16)
        labels = _class_targets(input, target, "cross_entropy")
        axis = _class_axis(input)
        z = input - fn._shift("cross_entropy", input, axis)
        lse = z.exp().sum(axis=axis).log()

        if weight is not None:
            C = input.shape[axis]

            def weighted_loss_of(t: Any, wt: Tensor, wb: Tensor) -> Tensor:
                # -log p = lse - z, with lse put back on the class axis (a view's reshape)
                nlp = lse.reshape(input.shape[:axis] + (1,) + input.shape[axis + 1:]) - z
                nll = wt * P.pick.apply(nlp, t, axis=axis)
                if eps == 0.0:
                    return nll
                return (1.0 - eps) * nll + (eps / C) * (nlp * wb).sum(axis=axis)

            return _weighted(weighted_loss_of, input, labels, weight, ignore_index, reduction, "cross_entropy")

        def loss_of(t: Any) -> Tensor:
            if eps == 0.0:
                return lse - P.pick.apply(z, t, axis=axis)
            # (1 - e)(lse - z_t) + e/C sum_c (lse - z_c) = lse - (1 - e) z_t - e/C sum_c z_c
            C = input.shape[axis]
            smooth = z.sum(axis=axis) * (eps / C)
            return lse - (1.0 - eps) * P.pick.apply(z, t, axis=axis) - smooth

        if _ignored(labels, ignore_index):
            return _masked(loss_of, labels, ignore_index, reduction, input.dtype)
        return _reduce(loss_of(labels), reduction, "cross_entropy")


def _clamped_log(p: Tensor) -> Tensor:
    """max(log p, -100) as PyTorch's BCE, with a zero (not NaN) gradient where clamped."""
    with engine.no_grad():  # (recorded, not read from p.data: am.compile replays it)
        # log p > -100 in p's dtype, where log never sees a 0 (so no errstate to set):
        # comparing p with e**-100 instead rounds that bound to p's dtype (float32's
        # subnormals moved it by an ulp)
        positive = p > 0.0
        ok = P.where.apply(positive, P.where.apply(positive, p, 1.0).log() > -100.0, False)
    return P.where.apply(ok, P.where.apply(ok, p, 1.0).log(), -100.0)


def _probabilities(p: Tensor) -> bool:
    """Does p hold only numbers in [0, 1] (no NaN)? While am.compile records, the test is
    made of ops that its tape keeps and checks on every replay, as eager checks every call."""
    if not engine.tracers:
        return bool(((p.data >= 0) & (p.data <= 1)).all())
    with engine.no_grad():
        ok = [P.ge.apply(P.min.apply(p), 0.0), P.le.apply(P.max.apply(p), 1.0)]
    for t in ok:
        engine.tracers[-1].check(t)
    return all(bool(t.data) for t in ok)


def binary_cross_entropy(input: Any, target: Any, reduction: str = "mean", *, weight: Any = None) -> Tensor:
    """-(y log p + (1 - y) log(1 - p)) for probabilities p in [0, 1], same shapes.

    Each log is clamped below at -100 (as PyTorch), so p = 0 or 1 give finite
    values and gradients. The gradient is that of the clamped function: a
    clamped log contributes 0 and the other its exact derivative. PyTorch
    instead divides p - y by max(p (1 - p), 1e-12), so the two differ wherever
    p (1 - p) < 1e-12 (p = sigmoid(x) with |x| above about 27.6), not only at
    the clamp; binary_cross_entropy_with_logits is exact there.

    weight (keyword): floats of a shape that broadcasts to the input's (PyTorch's
    rescaling of each element's loss, any values), taken in the loss's dtype; the
    loss is weight * loss, and 'mean' is still the mean over the elements.
    Unlike PyTorch's, the loss is differentiable in a weight that requires grad.
    """
    with engine.scope("binary_cross_entropy"):
        _check_reduction(reduction, "binary_cross_entropy")
        p, y = as_tensor(input), as_tensor(target)
        _same_shape(p, y, "binary_cross_entropy")
        if weight is not None:
            _elementwise_weight(weight, "weight", p, "binary_cross_entropy")
        if p.size and not _probabilities(p):
            raise ValueError("binary_cross_entropy: input must hold probabilities in [0, 1]")
        # Summing the two negated terms (not negating the sum) never gives -0.0.
        loss = y * -_clamped_log(p) + (1.0 - y) * -_clamped_log(1.0 - p)
        if weight is not None:
            loss = loss * _weight_in(weight, loss.dtype)
        return _reduce(loss, reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(input: Any, target: Any, reduction: str = "mean", *,
                                     weight: Any = None, pos_weight: Any = None) -> Tensor:
    """binary_cross_entropy(sigmoid(x), y) computed stably from the logits x:

        (1 - y) x + log1p(exp(-x))   for x >= 0,
        log1p(exp(x)) - x y          for x < 0,

    finite for any finite x (exp never overflows) and accurate where the
    loss is tiny (log1p keeps e**-40 where log(1 + e**-40) rounds to 0;
    (1 - y) x does not cancel as x - x y would). Each branch is smooth and
    sees only its own side's x (0 on the other), so derivatives of every
    order are right, also at x = 0 (where max(x, 0) and |x| would have
    corners). An infinite logit on its target's side (x = inf with y = 1,
    x = -inf with y = 0) has loss 0 and x-gradient 0, its limits, not the
    NaN of inf * 0 (y's gradient, which has no limit there, is taken as 0, and
    so is the mixed second derivative, -1 at every finite x); on the other
    side the loss is inf. x and y have the same shape.

    weight and pos_weight (keywords, PyTorch's; floats of shapes that broadcast to
    x's, taken in the loss's dtype, any values): the loss is
    -weight (pos_weight y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))), so a
    pos_weight of shape (C,) weighs the positive term of each class (the last
    axis, by numpy's broadcasting: for (N, C, H, W) pass shape (C, 1, 1)).
    With L = 1 + (pos_weight - 1) y it is computed as stably as above:

        (1 - y) x + L log1p(exp(-x))           for x >= 0,
        L log1p(exp(x)) - pos_weight x y       for x < 0.

    'mean' is the mean over the elements. Unlike PyTorch's, the loss is
    differentiable in a weight or pos_weight that requires grad.
    """
    with engine.scope("binary_cross_entropy_with_logits"):
        _check_reduction(reduction, "binary_cross_entropy_with_logits")
        x, y = as_tensor(input), as_tensor(target)
        _same_shape(x, y, "binary_cross_entropy_with_logits")
        for name, w in (("weight", weight), ("pos_weight", pos_weight)):
            if w is not None:
                _elementwise_weight(w, name, x, "binary_cross_entropy_with_logits")
        right = x >= 0
        xp, xn = P.where.apply(right, x, 0.0), P.where.apply(right, 0.0, x)
        # (the x multiplying a zero weight is replaced by 0: inf * 0 would be NaN)
        xpy = P.where.apply((y == 1) * (xp == np.inf), 0.0, xp)  # (bool * bool: and)
        xny = P.where.apply((y == 0) * (xn == -np.inf), 0.0, xn)
        if pos_weight is None:
            loss = P.where.apply(right, (1.0 - y) * xpy + P.log1p.apply((-xp).exp()),
                                 P.log1p.apply(xn.exp()) - xny * y)
        else:
            pw = _weight_in(pos_weight, np.result_type(x.dtype, y.dtype, np.float16))
            L = 1.0 + (pw - 1.0) * y
            loss = P.where.apply(right, (1.0 - y) * xpy + L * P.log1p.apply((-xp).exp()),
                                 L * P.log1p.apply(xn.exp()) - xny * (pw * y))
        if weight is not None:
            loss = loss * _weight_in(weight, loss.dtype)
        return _reduce(loss, reduction, "binary_cross_entropy_with_logits")


from .attention import scaled_dot_product_attention  # noqa: E402 (attention builds on this module)
