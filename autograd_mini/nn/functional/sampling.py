"""Spatial sampling (spatial transformer networks): affine_grid makes a sampling grid
from affine maps, grid_sample reads an image at a grid's points. Both composites: the
grid's coordinates become integer taps (gathers, take_along_axis) and weights made of
the coordinates, so the gradient reaches the input (a scatter-add) and the grid (through
the weights) with no backward of their own."""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import engine
from ... import primitives as P
from ...functions import _round_finite, _zero_gradient, as_tensor
from ...tensor import FLOAT16, Tensor, _flag, _is_index


_GRID_SAMPLE_MODES = ("bilinear", "nearest")
_PADDING_MODES = ("zeros", "border", "reflection")


def _base_axis(n: int, align_corners: bool, dtype: np.dtype) -> np.ndarray:
    """PyTorch's normalized coordinates of n pixels along one axis: linspace(-1, 1, n),
    scaled by (n - 1) / n without align_corners (pixel centres, not corners); [0] for n = 1."""
    if n <= 1:
        return np.zeros(n, dtype=dtype)
    r = np.linspace(-1.0, 1.0, n)
    if not align_corners:
        r = r * ((n - 1) / n)
    return r.astype(dtype)


def affine_grid(theta: Any, size: Any, align_corners: bool = False) -> Tensor:
    """Sampling grid of affine maps, as PyTorch's: theta (N, 2, 3), size (N, C, H, W) ->
    grid (N, H, W, 2).

    grid[n, i, j] = theta[n] @ (x_j, y_i, 1), with x_j, y_i the normalized coordinates
    of column j and row i: linspace(-1, 1, W) (rows: H), times (W - 1) / W unless
    align_corners (then -1 and 1 are the corner pixels' centres, else their outer edges);
    0 for an axis of length 1. grid[..., 0] is x (along W), grid[..., 1] is y (along H),
    the convention grid_sample reads. One matrix product with theta transposed, so the
    gradient reaches theta. Only the 2-D form (PyTorch's 5-D size with theta (N, 3, 4)
    is refused).
    """
    with engine.scope("affine_grid"):
        t = as_tensor(theta)
        align = _flag(align_corners, "align_corners", "affine_grid")
        if not isinstance(size, (tuple, list)) or not all(_is_index(s) for s in size):
            raise TypeError(f"affine_grid: size must be a tuple of ints (N, C, H, W), got {size!r}")
        size = tuple(int(s) for s in size)
        if len(size) != 4:
            raise ValueError(f"affine_grid: only 4-D sizes (N, C, H, W) are supported, got size {size} "
                             f"(theta of shape {t.shape})")
        if min(size) < 1:
            raise ValueError(f"affine_grid: size must be positive, got {size}")
        n, _, h, w = size
        if t.ndim != 3 or t.shape[1:] != (2, 3) or t.shape[0] != n:
            raise ValueError(f"affine_grid: expected theta of shape ({n}, 2, 3) for size {size}, "
                             f"got shape {t.shape}")
        if t.dtype.kind != "f":
            raise TypeError(f"affine_grid: theta must be floating point, got dtype {t.dtype} "
                            f"(shape {t.shape})")
        dtype = t.dtype
        xs, ys = _base_axis(w, align, dtype), _base_axis(h, align, dtype)
        base = np.empty((h, w, 3), dtype=dtype)  # (x, y, 1) at every pixel
        base[..., 0] = xs[None, :]
        base[..., 1] = ys[:, None]
        base[..., 2] = 1
        base = engine.shape_constant(base.reshape(h * w, 3))
        grid = P.matmul.apply(base, P.permute.apply(t, axes=(0, 2, 1)))  # (N, H*W, 2)
        return grid.reshape((n, h, w, 2))


def _where(c: Any, x: Any, y: Any) -> Tensor:
    return P.where.apply(c, x, y)


def _and(a: Tensor, b: Tensor) -> Tensor:
    return P.where.apply(a, b, False)


def _unnormalize(coord: Tensor, n: int, align: bool) -> Tensor:
    """-1 .. 1 to pixel indices: the corner pixels' centres with align_corners, else
    their outer edges (PyTorch's grid_sampler_unnormalize)."""
    if align:
        return (coord + 1.0) / 2.0 * float(n - 1)
    return ((coord + 1.0) * float(n) - 1.0) / 2.0


def _clip(coord: Tensor, n: int) -> Tensor:
    """coord limited to [0, n - 1], with gradient 0 at and past the borders (PyTorch's
    clip_coordinates_set_grad); NaN stays NaN."""
    inside = _and(coord > 0.0, coord < float(n - 1))
    return _where(inside, coord, _where(coord <= 0.0, 0.0, float(n - 1)))


def _reflect(coord: Tensor, twice_low: int, twice_high: int) -> Tensor:
    """coord reflected off the borders low and high until it lies between them
    (PyTorch's reflect_coordinates): |coord - low| folded with period 2 span."""
    if twice_low == twice_high:  # (one pixel, align_corners: every point is on it)
        return coord * 0.0  # (NaN stays NaN; inf is refused before)
    low = twice_low / 2.0
    span = (twice_high - twice_low) / 2.0
    v = abs(coord - low)
    extra = P.remainder.apply(v, span)
    with engine.no_grad():
        even = P.remainder.apply(P.floor_divide.apply(v, span), 2.0) == 0.0
    return _where(even, extra + low, (span - extra) + low)


def _source(coord: Tensor, n: int, padding_mode: str, align: bool) -> Tensor:
    """A grid coordinate as a pixel index along an axis of n pixels, with the padding
    mode's rule (PyTorch's grid_sampler_compute_source_index)."""
    c = _unnormalize(coord, n, align)
    if padding_mode == "border":
        c = _clip(c, n)
    elif padding_mode == "reflection":
        c = _reflect(c, 0, 2 * (n - 1)) if align else _reflect(c, -1, 2 * n - 1)
        c = _clip(c, n)
    return c


def _in_range(i: Tensor, n: int) -> Tensor:
    return _and(i >= 0.0, i <= float(n - 1))


def _gather(flat: Tensor, iy: Tensor, ix: Tensor, w: int, out_shape: tuple) -> Tensor:
    """flat (N, C, H*W) at pixels (iy, ix), each (N, Ho, Wo), floats holding integers
    (clamped into range here: the caller masks the taps outside) -> (N, C, Ho, Wo)."""
    n, c = flat.shape[:2]
    h = flat.shape[2] // w
    with engine.no_grad():
        iy = _where(iy < 0.0, 0.0, _where(iy > float(h - 1), float(h - 1), iy))
        ix = _where(ix < 0.0, 0.0, _where(ix > float(w - 1), float(w - 1), ix))
        lin = P.astype.apply(iy * float(w) + ix, dtype=np.int64).reshape((n, 1, -1))
    return P.take_along_axis.apply(flat, lin, axis=2).reshape((n, c) + out_shape)


def _tap(flat: Tensor, iy: Tensor, ix: Tensor, h: int, w: int, out_shape: tuple,
         weight: Tensor | None = None) -> Tensor:
    """The pixel values at (iy, ix), 0 where the tap is outside the image (and where its
    weight is 0 and its value not finite: there the term is 0, not 0 * inf)."""
    n = flat.shape[0]
    v = _gather(flat, iy, ix, w, out_shape)
    with engine.no_grad():
        ok = _and(_in_range(iy, h), _in_range(ix, w)).reshape((n, 1) + out_shape)
        if weight is not None:
            ok = _and(ok, P.where.apply(abs(v) < np.inf, True, weight != 0.0))
    return _where(ok, v, 0.0)


def grid_sample(input: Any, grid: Any, mode: str = "bilinear", padding_mode: str = "zeros",
                align_corners: bool = False) -> Tensor:
    """Sample input (N, C, H, W) at the points of grid (N, Ho, Wo, 2) -> (N, C, Ho, Wo),
    as PyTorch's.

    grid[n, i, j] = (x, y) in normalized coordinates: x = -1 is the left edge of the
    image and 1 the right (y: top and bottom), the edges being the corner pixels' outer
    edges, or their centres with align_corners=True. They become pixel indices
    ix = ((x + 1) W - 1) / 2 (align_corners: (x + 1) / 2 (W - 1)), iy likewise with H.
    padding_mode: 'zeros' reads 0 outside the image; 'border' clamps ix to [0, W - 1];
    'reflection' reflects ix off the borders (the outer edges, or the corner centres
    with align_corners) until it is inside, then clamps.
    mode 'bilinear': out = sum over the four pixels around (iy, ix) of the pixel's value
    times (1 - |ix - x_k|)(1 - |iy - y_k|), taps outside the image counting 0;
    'nearest': the pixel at (round(iy), round(ix)), halves rounded to even (PyTorch's
    nearbyint), 0 outside with 'zeros'.
    Differentiable in input (a scatter-add of the output's gradient with the weights) and,
    for 'bilinear', in grid (through the weights; with 'border' and 'reflection' the
    gradient is 0 at and past the borders, as PyTorch's); 'nearest' gives the grid
    gradient 0. Bilinear has kinks where a point crosses a pixel row or column (there
    the gradient is the one-sided one from above, as PyTorch's).
    Unlike PyTorch: a point far outside with 'zeros' (even at +-inf) reads 0 with
    gradient 0 (PyTorch's bilinear gives NaN at inf); a NaN coordinate gives NaN in every
    mode (PyTorch's nearest and 'border' sample a pixel); an infinite coordinate with
    'reflection', which has no reflection, is refused (ValueError). A tap of weight 0
    whose value is inf or NaN adds 0, not NaN.
    """
    with engine.scope("grid_sample"):
        x, g = as_tensor(input), as_tensor(grid)
        if not isinstance(mode, str) or mode not in _GRID_SAMPLE_MODES:
            raise ValueError(f"grid_sample: mode must be one of {_GRID_SAMPLE_MODES}, got {mode!r}")
        if not isinstance(padding_mode, str) or padding_mode not in _PADDING_MODES:
            raise ValueError(f"grid_sample: padding_mode must be one of {_PADDING_MODES}, got {padding_mode!r}")
        align = _flag(align_corners, "align_corners", "grid_sample")
        if x.ndim != 4:
            raise ValueError(f"grid_sample: expected input of shape (N, C, H, W), got shape {x.shape} "
                             f"(only 4-D input is supported)")
        if g.ndim != 4 or g.shape[-1] != 2 or g.shape[0] != x.shape[0]:
            raise ValueError(f"grid_sample: expected grid of shape ({x.shape[0]}, Ho, Wo, 2) for input of "
                             f"shape {x.shape}, got shape {g.shape}")
        if 0 in x.shape[2:]:
            raise ValueError(f"grid_sample: expected non-empty spatial axes, got input of shape {x.shape}")
        if x.dtype.kind != "f" or g.dtype != x.dtype:
            raise TypeError(f"grid_sample: input and grid must have the same floating dtype, got "
                            f"{x.dtype} (shape {x.shape}) and {g.dtype} (shape {g.shape})")
        if padding_mode == "reflection" and g.size and not _finite(g):
            raise ValueError(f"grid_sample: grid of shape {g.shape} holds inf, which has no reflection "
                             f"(padding_mode='reflection')")
        dtype = x.dtype
        if dtype == FLOAT16:  # (coordinates and sums in float32, as PyTorch's opmath)
            x, g = x.astype(np.float32), g.astype(np.float32)
        n, c, h, w = x.shape
        out_shape = g.shape[1:3]
        gx, gy = g[..., 0], g[..., 1]
        with engine.no_grad():
            nan = P.where.apply(gx != gx, True, gy != gy)
        # (a NaN point made 0 here, NaN again at the end: 'border' would clamp it, and the
        # VJPs of its coordinates' ops (abs) would turn a 0 gradient into NaN)
        gx, gy = _where(nan, 0.0, gx), _where(nan, 0.0, gy)
        ix = _source(gx, w, padding_mode, align)
        iy = _source(gy, h, padding_mode, align)
        with engine.no_grad():
            # points with no tap inside the image (with 'zeros': far away, or infinite)
            far = P.where.apply(P.where.apply(ix < -2.0, True, ix > float(w + 1)), True,
                                P.where.apply(iy < -2.0, True, iy > float(h + 1)))
        # (a finite stand-in there, whose output is 0 and gradient 0: no inf - inf)
        ix, iy = _where(far, -2.0, ix), _where(far, -2.0, iy)
        flat = x.reshape((n, c, h * w))
        if mode == "nearest":
            with engine.no_grad():
                rx, ry = _round_finite(ix), _round_finite(iy)
            out = _zero_gradient(_tap(flat, ry, rx, h, w, out_shape), ix.reshape((n, 1) + out_shape))
        else:
            with engine.no_grad():
                x0, y0 = P.floor_divide.apply(ix, 1.0), P.floor_divide.apply(iy, 1.0)
                x1, y1 = x0 + 1.0, y0 + 1.0
            west, east = x1 - ix, ix - x0  # (weights of the columns x0 and x1)
            north, south = y1 - iy, iy - y0
            shape = (n, 1) + out_shape
            west, east, north, south = (t.reshape(shape) for t in (west, east, north, south))
            out = None
            for yi, xi, wy, wx in ((y0, x0, north, west), (y0, x1, north, east),
                                   (y1, x0, south, west), (y1, x1, south, east)):
                weight = wx * wy
                term = _tap(flat, yi, xi, h, w, out_shape, weight) * weight
                out = term if out is None else out + term
        with engine.no_grad():
            nan = nan.reshape((n, 1) + out_shape)
        out = _where(nan, np.nan, out)
        return out.astype(dtype) if out.dtype != dtype else out


def _finite(g: Tensor) -> bool:
    """No inf in g? (NaN is let through.) While am.compile records, the test is made of
    ops its tape keeps and checks on every replay."""
    if not engine.tracers:
        return not bool(np.isinf(g.data).any())
    with engine.no_grad():
        ok = P.lt.apply(P.max.apply(P.where.apply(g != g, 0.0, abs(g))), np.inf)
    engine.tracers[-1].check(ok)
    return bool(ok.data)
