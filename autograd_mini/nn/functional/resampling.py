"""Resampling: interpolate (nearest, nearest-exact, linear, bilinear, bicubic, trilinear), one
spatial axis at a time, by gathers and weighted sums of neighbours."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ... import engine
from ... import primitives as P
from ...functions import as_tensor
from ...tensor import FLOAT16, Tensor, _flag, _is_index
from ._args import _is_real


_INTERPOLATE_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear")
_SMOOTH_MODES = ("linear", "bilinear", "bicubic", "trilinear")  # (those taking align_corners)
_CUBIC_A = -0.75  # (PyTorch's cubic convolution coefficient)


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


def _source(n_in: int, n_out: int, scale: float | None, align_corners: bool, dtype: np.dtype) -> np.ndarray:
    """PyTorch's source coordinate of each output position dst = 0 .. n_out - 1 along one
    axis, in `dtype` (shared by the linear and cubic weights; unclamped):
    dst * (n_in - 1) / (n_out - 1) with align_corners (0 for n_out = 1), else
    (dst + 0.5) * s - 0.5 (s as in _nearest_index)."""
    t = np.dtype(dtype).type
    dst = np.arange(n_out).astype(dtype)
    if align_corners:
        return dst * (t(n_in - 1) / t(n_out - 1) if n_out > 1 else t(0))
    s = t(1.0 / scale) if scale is not None else t(n_in) / t(n_out)
    return s * (dst + t(0.5)) - t(0.5)


def _linear_weights(n_in: int, n_out: int, scale: float | None, align_corners: bool,
                    dtype: np.dtype) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """PyTorch's (i0, i1, w0, w1) for linear interpolation along one axis, in `dtype`:
    src = dst * (n_in - 1) / (n_out - 1) with align_corners, else
    max((dst + 0.5) * s - 0.5, 0) (s as in _nearest_index); i0 = min(floor(src), n_in - 1),
    i1 = i0 + 1 (i0 at the last row), w1 = clamp(src - i0, 0, 1), w0 = 1 - w1."""
    t = np.dtype(dtype).type
    src = _source(n_in, n_out, scale, align_corners, dtype)
    if not align_corners:
        src = np.maximum(src, t(0))
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    w1 = np.clip(src - i0.astype(dtype), t(0), t(1)).astype(dtype)
    i1 = i0 + (i0 < n_in - 1)
    return i0, i1, (1.0 - w1.astype(np.float64)).astype(dtype), w1


def _cubic_weights(n_in: int, n_out: int, scale: float | None, align_corners: bool,
                   dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's bicubic taps and weights along one axis, in `dtype`: (index, w), each
    (4, n_out). src = dst * (n_in - 1) / (n_out - 1) with align_corners, else
    (dst + 0.5) * s - 0.5 (s as in _nearest_index; not clamped at 0, unlike linear);
    i = floor(src), t = src - i; taps i - 1 .. i + 2 clamped to [0, n_in - 1], weights
    the cubic convolution kernel (A = -0.75) at distances 1 + t, t, 1 - t, 2 - t:
    W(d) = ((A + 2) d - (A + 3)) d^2 + 1 for d <= 1, ((A d - 5A) d + 8A) d - 4A for 1 < d < 2."""
    t_ = np.dtype(dtype).type
    src = _source(n_in, n_out, scale, align_corners, dtype)
    i = np.floor(src)
    t = (src - i).astype(dtype)
    A = t_(_CUBIC_A)

    def near(d: np.ndarray) -> np.ndarray:  # (|d| <= 1)
        return ((A + t_(2)) * d - (A + t_(3))) * d * d + t_(1)

    def far(d: np.ndarray) -> np.ndarray:  # (1 < |d| < 2)
        return ((A * d - t_(5) * A) * d + t_(8) * A) * d - t_(4) * A

    one = t_(1)
    w = np.stack([far(t + one), near(t), near(one - t), far((one - t) + one)]).astype(dtype)
    index = np.clip(i.astype(np.int64) + np.arange(-1, 3)[:, None], 0, n_in - 1)
    return index, w


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
    if mode == "bicubic":
        index, w = _cubic_weights(n_in, n_out, scale, align_corners, x.dtype)
        if n_out == n_in and np.array_equal(index[1], np.arange(n_in)) and (w[1] == 1).all():
            return x  # (every output on its own input row: weights 0, 1, 0, 0)
        along = (n_out,) + (1,) * (x.ndim - 1 - axis)
        out = None
        for j in range(4):  # (the four taps in PyTorch's order, summed left to right)
            if not w[j].any():  # (a tap with no weight anywhere, e.g. at the grid points)
                continue
            tap = _take(x, axis, index[j])
            zero = w[j] == 0
            if zero.any():  # (there a neighbour times 0: an infinite one would make NaN)
                tap = P.where.apply(engine.shape_constant(zero.reshape(along)), 0.0, tap)
            term = P.mul.apply(tap, engine.shape_constant(w[j].reshape(along)))
            out = term if out is None else out + term
        return out
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
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize (N, C, L), (N, C, H, W) or (N, C, D, H, W) to (N, C, OL), (N, C, OH, OW) or
    (N, C, OD, OH, OW), as PyTorch's.

    Exactly one of size (an int or one per spatial axis) and scale_factor (a number or
    one per axis: OH = floor(H * scale_factor)). mode:
    'nearest': out[i] = x[min(floor(i * s), H - 1)], s = 1 / scale_factor when it was
    given (unless recompute_scale_factor=True), else H / OH (PyTorch's rule, its
    float32 arithmetic; for 4-D input an axis going n -> n or n -> 2n is the identity
    or i // 2, PyTorch's 2-D shortcuts, which its 1-D kernel does not take. PyTorch's
    1-D backward does take them, so for 3-D input with such a scale_factor, say 1.15
    or 2.15, its gradient is not its forward's; ours is; 5-D input takes no shortcut either,
    as PyTorch's 3-D kernel); 'nearest-exact': x[min(floor((i + 0.5) * s), H - 1)];
    'linear' (3-D), 'bilinear' (4-D) and 'trilinear' (5-D): out[i] = w0 x[i0] + w1 x[i1] along each axis,
    with the source coordinate src = i * (H - 1) / (OH - 1) for align_corners=True, else
    max((i + 0.5) * s - 0.5, 0), i0 = floor(src), i1 = min(i0 + 1, H - 1), w1 = src - i0,
    w0 = 1 - w1 (an axis whose length stays is copied, as PyTorch does, even when a
    scale_factor such as 1.15 would move its coordinates);
    'bicubic' (4-D): out[i] = sum_j w_j x[clamp(i0 - 1 + j, 0, H - 1)], j = 0..3, along
    each axis, with src as for 'bilinear' but not clamped at 0, i0 = floor(src),
    t = src - i0 and PyTorch's cubic convolution weights (A = -0.75) at distances
    1 + t, t, 1 - t, 2 - t (see _cubic_weights; the taps past the border repeat the
    edge row, as PyTorch's). It overshoots: the output may leave the input's range.
    Where a tap's weight is exactly 0 (outputs on an input row) it is left out, so an
    infinite neighbour does not make that output NaN (PyTorch's 0 * inf does).
    align_corners (default False) only with 'linear', 'bilinear', 'bicubic' and 'trilinear'.
    Built of getitem with integer index arrays (gather) and weighted sums, so the
    gradient is a scatter-add of the output's; an integer nearest upscale is a
    broadcast (each entry repeated), whose gradient is a sum.
    antialias: PyTorch's keyword; only False (the default) is built. PyTorch's
    antialias=True widens the filter when downsampling with 'bilinear' or 'bicubic';
    it is refused here rather than ignored.
    """
    with engine.scope("interpolate"):
        if _flag(antialias, "antialias", "interpolate"):
            raise ValueError(
                f"interpolate: antialias=True (PyTorch's wider filter for downsampling) is not built; "
                f"pass antialias=False, or low-pass first (avg_pool2d) and then interpolate "
                f"(input of shape {np.shape(input)}, mode {mode!r})")
        x = as_tensor(input)
        if not isinstance(mode, str) or mode not in _INTERPOLATE_MODES:
            raise ValueError(f"interpolate: mode must be one of {_INTERPOLATE_MODES}, got {mode!r}")
        if x.ndim not in (3, 4, 5):
            raise ValueError(
                f"interpolate: expected input of shape (N, C, L), (N, C, H, W) or (N, C, D, H, W), "
                f"got shape {x.shape}"
            )
        k = x.ndim - 2
        if ((mode == "linear" and k != 1) or (mode in ("bilinear", "bicubic") and k != 2)
                or (mode == "trilinear" and k != 3)):
            need = {"linear": "(N, C, L)", "trilinear": "(N, C, D, H, W)"}.get(mode, "(N, C, H, W)")
            raise ValueError(f"interpolate: mode {mode!r} needs input of shape {need}, got shape {x.shape}")
        linear = mode in _SMOOTH_MODES
        if align_corners is not None:
            _flag(align_corners, "align_corners", "interpolate")
            if not linear:
                raise ValueError(
                    f"interpolate: align_corners can only be set with mode 'linear', 'bilinear', 'bicubic' "
                    f"or 'trilinear', "
                    f"got mode {mode!r}"
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
