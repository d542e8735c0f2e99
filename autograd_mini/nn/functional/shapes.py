"""Shape-moving functions, as PyTorch's: pad (PyTorch's pad convention), pixel_shuffle,
pixel_unshuffle, channel_shuffle, unfold (im2col) and fold (its adjoint, col2im).

All are composites: slicing, am.pad, reshape and permute, and the sliding-window
primitive P.unfold with its adjoint P.fold, so their gradients of every order
follow from those primitives' VJPs (no backward code here)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import functions as fn
from ... import primitives as P
from ...engine import composite
from ...functions import as_tensor
from ...tensor import Tensor, _is_index
from ._args import _is_real, _pair

_PAD_MODES = ("constant", "reflect", "replicate", "circular")
_NUMPY_MODE = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


@composite
def pad(x: Any, pad: Any, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad (or crop) the last axes of x with PyTorch's convention (torch.nn.functional.pad).

    pad is a flat tuple of (left, right) pairs starting from the LAST axis:
    (l, r) pads the last axis, (l, r, t, b) the last two, and so on (at most
    x.ndim pairs); the output has the same ndim, axis -i growing by its pair's
    sum. A negative entry crops that many entries from that side. (am.pad takes
    numpy's pad_width instead: one (before, after) pair per axis, first axis first.)

    mode: 'constant' (filled with value, 0 when None; any ndim), 'reflect'
    (mirrored without the edge: [1, 2, 3] padded by 2 -> [3, 2, 1, 2, 3, 2, 1]),
    'replicate' (the edge repeated) or 'circular' (periodic). As in PyTorch, the
    last three pad k = 1, 2 or 3 trailing axes of an input with k + 1 or k + 2
    axes ((C, W) or (N, C, W) for k = 1; (C, H, W) or (N, C, H, W) for k = 2;
    (C, D, H, W) or (N, C, D, H, W) for k = 3), take no value (None or 0), and
    refuse a pad that PyTorch refuses: reflect needs each pad smaller than its
    axis, circular at most its axis; reflect and replicate need non-empty axes
    (but for the batch axis) and leave at least one entry per axis.
    Cropping is done first: a pad that reaches past what the other side's
    crop leaves (which PyTorch reads from the cropped entries, or from
    uninitialised memory) is refused rather than guessed (ValueError).

    Example: x (N, C, H, W) -> pad(x, (1, 2, 3, 4)) has shape (N, C, H + 7, W + 3).
    """
    x = as_tensor(x)
    if not isinstance(mode, str) or mode not in _PAD_MODES:
        raise ValueError(f"pad: mode must be one of {_PAD_MODES}, got {mode!r}")
    if not isinstance(pad, (tuple, list)) or not all(_is_index(p) for p in pad):
        raise TypeError(f"pad: pad must be a tuple of ints (left, right, top, bottom, ...), got {pad!r}")
    pads = [int(p) for p in pad]
    if len(pads) % 2:
        raise ValueError(f"pad: pad must hold (left, right) pairs (an even length), got {tuple(pads)}")
    k = len(pads) // 2
    if k > x.ndim:
        raise ValueError(
            f"pad: pad {tuple(pads)} has {k} (left, right) pairs, more than the {x.ndim} axes of "
            f"input of shape {x.shape}"
        )
    if mode == "constant":
        if value is None:
            value = 0.0
        elif not _is_real(value):
            raise TypeError(f"pad: value must be a real number, got {value!r}")
    else:
        if value is not None and (not _is_real(value) or value != 0):
            raise ValueError(f"pad: mode={mode!r} takes its padding from x, not a value; got value={value!r}")
        value = 0.0
        if not (1 <= k <= 3 and x.ndim in (k + 1, k + 2)):
            raise ValueError(
                f"pad: mode={mode!r} pads the last 1, 2 or 3 axes of an input with 1 or 2 more axes "
                f"((C, W) or (N, C, W) for a pad of length 2, ...); got pad {tuple(pads)} of length "
                f"{len(pads)} for input of shape {x.shape}"
            )
        if mode != "circular":
            batch = 1 if x.ndim == k + 2 else 0  # (the batch axis may be empty)
            if 0 in x.shape[batch:]:
                raise ValueError(
                    f"pad: mode={mode!r} needs non-empty axes (but for the batch axis), got input of shape {x.shape}"
                )
    # per padded axis (last first): (axis, left, right)
    sides = [(x.ndim - 1 - i, pads[2 * i], pads[2 * i + 1]) for i in range(k)]
    crop, widths = [slice(None)] * x.ndim, [(0, 0)] * x.ndim
    for axis, lo, hi in sides:
        n = x.shape[axis]
        kept = n + min(lo, 0) + min(hi, 0)
        least = 1 if mode in ("reflect", "replicate") else 0
        if kept < least or n + lo + hi < least:
            raise ValueError(
                f"pad: pad {tuple(pads)} leaves {n + lo + hi} entries of axis {axis} (input of shape "
                f"{x.shape}); mode={mode!r} needs at least {least}"
            )
        for p in (lo, hi):
            if p <= 0:
                continue
            if mode == "reflect" and p >= n:
                raise ValueError(
                    f"pad: mode='reflect' needs each pad smaller than its axis: pad {tuple(pads)} pads "
                    f"{p} on axis {axis} of length {n} (input of shape {x.shape})"
                )
            if mode == "circular" and p > n:
                raise ValueError(
                    f"pad: mode='circular' pads at most an axis's length (wrapping around once): pad "
                    f"{tuple(pads)} pads {p} on axis {axis} of length {n} (input of shape {x.shape})"
                )
            if (mode == "reflect" and p >= kept) or (mode == "circular" and p > kept):
                raise ValueError(
                    f"pad: pad {tuple(pads)} with mode={mode!r} pads {p} on axis {axis} of length {n} "
                    f"after cropping it to {kept} (input of shape {x.shape}): it would reach into the "
                    "cropped entries"
                )
        if lo < 0 or hi < 0:
            crop[axis] = slice(max(-lo, 0), n - max(-hi, 0))
        widths[axis] = (max(lo, 0), max(hi, 0))
    if any(s != slice(None) for s in crop):  # (negative pads: one basic slice first)
        x = x[tuple(crop)]
    return fn.pad(x, np.array(widths, dtype=int).reshape(x.ndim, 2), value=value, mode=_NUMPY_MODE[mode])


def _factor(factor: Any, what: str, where: str) -> int:
    if not _is_index(factor):
        raise TypeError(f"{where}: {what} must be an int, got {factor!r}")
    if factor < 1:
        raise ValueError(f"{where}: {what} must be positive, got {factor!r}")
    return int(factor)


@composite
def pixel_shuffle(x: Any, upscale_factor: int) -> Tensor:
    """Rearrange channels into space (sub-pixel convolution's upsampling), as PyTorch's.

    x (*, C*r*r, H, W) -> (*, C, H*r, W*r), r = upscale_factor:
    out[..., c, h*r + i, w*r + j] = x[..., c*r*r + i*r + j, h, w].
    A reshape to (*, C, r, r, H, W), a permute to (*, C, H, r, W, r) and a
    reshape; pixel_unshuffle is its inverse.
    """
    x = as_tensor(x)
    r = _factor(upscale_factor, "upscale_factor", "pixel_shuffle")
    if x.ndim < 3:
        raise ValueError(f"pixel_shuffle: expected input of shape (*, C*r*r, H, W), got {x.shape}")
    *lead, C, H, W = x.shape
    if C % (r * r):
        raise ValueError(
            f"pixel_shuffle: the channels {C} of input of shape {x.shape} are not divisible by "
            f"upscale_factor**2 = {r * r}"
        )
    b = len(lead)
    y = x.reshape(*lead, C // (r * r), r, r, H, W)
    y = y.permute(*range(b), b, b + 3, b + 1, b + 4, b + 2)
    return y.reshape(*lead, C // (r * r), H * r, W * r)


@composite
def pixel_unshuffle(x: Any, downscale_factor: int) -> Tensor:
    """Rearrange space into channels, the inverse of pixel_shuffle, as PyTorch's.

    x (*, C, H*r, W*r) -> (*, C*r*r, H, W), r = downscale_factor:
    out[..., c*r*r + i*r + j, h, w] = x[..., c, h*r + i, w*r + j].
    """
    x = as_tensor(x)
    r = _factor(downscale_factor, "downscale_factor", "pixel_unshuffle")
    if x.ndim < 3:
        raise ValueError(f"pixel_unshuffle: expected input of shape (*, C, H*r, W*r), got {x.shape}")
    *lead, C, H, W = x.shape
    if H % r or W % r:
        raise ValueError(
            f"pixel_unshuffle: height {H} and width {W} of input of shape {x.shape} must be "
            f"divisible by downscale_factor {r}"
        )
    b = len(lead)
    y = x.reshape(*lead, C, H // r, r, W // r, r)
    y = y.permute(*range(b), b, b + 2, b + 4, b + 1, b + 3)
    return y.reshape(*lead, C * r * r, H // r, W // r)


@composite
def channel_shuffle(x: Any, groups: int) -> Tensor:
    """Interleave the channels of `groups` groups (ShuffleNet), as PyTorch's.

    x (N, C, *) with C = g*m -> same shape, out[:, i*g + j] = x[:, j*m + i]
    (the channels as a (g, m) grid, transposed): channels 0..5 with g = 2 become
    0, 3, 1, 4, 2, 5. x needs at least 3 axes, as PyTorch's.
    """
    x = as_tensor(x)
    g = _factor(groups, "groups", "channel_shuffle")
    if x.ndim < 3:
        raise ValueError(f"channel_shuffle: expected input of shape (N, C, *) with at least 3 axes, got {x.shape}")
    N, C, *rest = x.shape
    if C % g:
        raise ValueError(f"channel_shuffle: the channels {C} of input of shape {x.shape} are not divisible by groups {g}")
    return x.reshape(N, g, C // g, *rest).swapaxes(1, 2).reshape(x.shape)


def _window_args(kernel_size: Any, dilation: Any, padding: Any, stride: Any, where: str) -> tuple:
    return (_pair(kernel_size, "kernel_size", where, 1), _pair(dilation, "dilation", where, 1),
            _pair(padding, "padding", where, 0), _pair(stride, "stride", where, 1))


def _blocks(size: tuple, kernel: tuple, dilation: tuple, padding: tuple, stride: tuple) -> tuple:
    """The number of windows along each axis: (H + 2p - d*(k-1) - 1) // s + 1 (none if negative)."""
    return tuple(max((n + 2 * p - d * (m - 1) - 1) // s + 1, 0)
                 for n, m, d, p, s in zip(size, kernel, dilation, padding, stride))


@composite
def unfold(
    x: Any,
    kernel_size: int | tuple[int, int],
    dilation: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
    stride: int | tuple[int, int] = 1,
) -> Tensor:
    """Sliding blocks as columns (im2col), as PyTorch's F.unfold.

    x (N, C, H, W) or (C, H, W) -> (N, C*kh*kw, L) or (C*kh*kw, L), with
    L = OH*OW blocks, OH = (H + 2*ph - dh*(kh-1) - 1) // sh + 1 (OW alike):
    out[n, (c*kh + p)*kw + q, i*OW + j] = xpad[n, c, i*sh + p*dh, j*sw + q*dw],
    xpad being x zero-padded by ph rows and pw columns on each side.
    conv2d(x, W) is W.reshape(O, -1) @ unfold(x, ...) reshaped to (N, O, OH, OW).
    Computed from the sliding-window view P.unfold, permuted into PyTorch's
    order; its gradient is fold's (P.fold, unfold's VJP).
    """
    where = "unfold"
    x = as_tensor(x)
    if x.ndim not in (3, 4):
        raise ValueError(f"unfold: expected input of shape (N, C, H, W) or (C, H, W), got {x.shape}")
    kernel, dil, pad_, stride_ = _window_args(kernel_size, dilation, padding, stride, where)
    if 0 in x.shape[-3:]:
        raise ValueError(f"unfold: input of shape {x.shape} has an empty channel or spatial axis")
    OH, OW = _blocks(x.shape[-2:], kernel, dil, pad_, stride_)
    if OH < 1 or OW < 1:
        raise ValueError(
            f"unfold: input of shape {x.shape} with kernel_size={kernel}, dilation={dil}, padding={pad_} "
            f"and stride={stride_} has no sliding block (their grid is {(OH, OW)})"
        )
    lead = x.shape[:-3]
    C, (kh, kw) = x.shape[-3], kernel
    if pad_ != (0, 0):
        x = fn.pad(x, ((0, 0),) * (x.ndim - 2) + ((pad_[0], pad_[0]), (pad_[1], pad_[1])))
    w = P.unfold(x, kernel_size=kernel, stride=stride_, dilation=dil)  # (*, C, OH, OW, kh, kw), a view
    b = len(lead)
    w = w.permute(*range(b), b, b + 3, b + 4, b + 1, b + 2)  # (*, C, kh, kw, OH, OW)
    return w.reshape(*lead, C * kh * kw, OH * OW)


@composite
def fold(
    x: Any,
    output_size: int | tuple[int, int],
    kernel_size: int | tuple[int, int],
    dilation: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
    stride: int | tuple[int, int] = 1,
) -> Tensor:
    """Columns added back into an image (col2im), as PyTorch's F.fold: unfold's adjoint.

    x (N, C*kh*kw, L) or (C*kh*kw, L) -> (N, C, H, W) or (C, H, W), (H, W) =
    output_size, L the number of blocks unfold takes from an (H, W) image with
    the same kernel_size, dilation, padding and stride. Each column is a block,
    added to where unfold took it from (overlaps sum; the padding is cropped
    off): <unfold(a), b> = <a, fold(b)>, and fold(unfold(a)) multiplies each
    pixel by the number of blocks covering it.
    Computed with P.fold (unfold's VJP) on the columns reshaped to windows.
    """
    where = "fold"
    x = as_tensor(x)
    if x.ndim not in (2, 3):
        raise ValueError(f"fold: expected input of shape (N, C*kh*kw, L) or (C*kh*kw, L), got {x.shape}")
    size = _pair(output_size, "output_size", where, 1)
    kernel, dil, pad_, stride_ = _window_args(kernel_size, dilation, padding, stride, where)
    (kh, kw), CK, L = kernel, x.shape[-2], x.shape[-1]
    if CK == 0 or CK % (kh * kw):
        raise ValueError(
            f"fold: the size {CK} of axis -2 of input of shape {x.shape} must be a positive multiple "
            f"of kh*kw = {kh * kw} (kernel_size={kernel})"
        )
    OH, OW = _blocks(size, kernel, dil, pad_, stride_)
    if OH < 1 or OW < 1 or L != OH * OW:
        raise ValueError(
            f"fold: input of shape {x.shape} has {L} blocks, but output_size={size} with "
            f"kernel_size={kernel}, dilation={dil}, padding={pad_} and stride={stride_} has "
            f"{OH} * {OW} = {OH * OW}"
        )
    lead, C = x.shape[:-2], CK // (kh * kw)
    b = len(lead)
    u = x.reshape(*lead, C, kh, kw, OH, OW).permute(*range(b), b, b + 3, b + 4, b + 1, b + 2)
    padded = (size[0] + 2 * pad_[0], size[1] + 2 * pad_[1])
    out = P.fold(u, size=padded, kernel_size=kernel, stride=stride_, dilation=dil)  # (*, C, Hp, Wp)
    if pad_ != (0, 0):
        out = out[..., pad_[0]:pad_[0] + size[0], pad_[1]:pad_[1] + size[1]]
    return out
