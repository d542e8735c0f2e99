"""Pooling of NCHW images: max_pool2d and avg_pool2d (windows by `P.unfold`),
lp_pool2d (by avg_pool2d), adaptive_avg_pool2d and adaptive_max_pool2d (PyTorch's bins)."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ... import engine
from ... import functions as fn
from ... import primitives as P
from ...tensor import FLOAT16, Tensor, _flag, _is_index
from ._args import _check_fits, _images, _number, _pair


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
    return _ceil_overhang(where, shape, kernel, stride, pad, dilation)


def _ceil_overhang(where: str, shape: tuple, kernel: tuple, stride: tuple, pad: tuple,
                   dilation: tuple) -> tuple:
    """ceil_mode's rule for any number of pooled axes (the last len(kernel) of shape; see
    _pool_fits): raise unless each has an output window; return each one's overhang."""
    extra = []
    for n, k, s, p, d in zip(shape[len(shape) - len(kernel):], kernel, stride, pad, dilation):
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
    return tuple(extra)


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
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
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

    return_indices=True returns (out, indices) as PyTorch: indices, int64 of
    out's shape, hold the flat position row * W + col in the (H, W) input plane
    of each window's maximum: the first maximum in the window's scan order
    (row by row) on ties, the last NaN where a window holds NaN, and never a
    padding (or ceil_mode overhang) position (a window of only -inf points at
    its first entry inside the image). A window with no entry inside the image
    (dilation stepping over it) gets PyTorch's r0 * W + c0, its first row and
    column at or past 0, which may lie outside the window or the plane (as
    PyTorch's; max_unpool2d then raises). They take no gradient, and leave out's
    gradient as above; F.max_unpool2d takes them back.
    """
    with engine.scope("max_pool2d"):
        x, unbatched, kernel, stride_, pad, dilation_, extra = _pool_args(
            x, kernel_size, stride, padding, dilation, "max_pool2d", ceil_mode
        )
        with_indices = _flag(return_indices, "return_indices", "max_pool2d")
        image = x
        # The `max` primitive reduces short window axes slice by slice, and its
        # VJP writes the gradient in its input's memory layout. Tiles (stride =
        # kernel) are reduced on a reshaped view, so that gradient needs no
        # copy back; other windows are reduced on the unfolded view, and fold
        # (unfold's VJP) adds the gradient back, one strided add per window entry.
        windows = None
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
        if not with_indices:
            return out.reshape(out.shape[1:]) if unbatched else out
        if windows is None:  # (the tiles: their windows, for the indices only)
            windows = P.unfold(image, kernel_size=kernel, stride=stride_, dilation=dilation_)
        indices = _max_indices(windows, out, image.shape[2:], stride_, pad, dilation_)
        if unbatched:
            return out.reshape(out.shape[1:]), indices.reshape(indices.shape[1:])
        return out, indices


def _max_indices(windows: Tensor, out: Tensor, size: tuple, stride: tuple, pad: tuple,
                 dilation: tuple) -> Tensor:
    """max_pool2d's indices, (N, C, OH, OW) int64: the flat position in the (H, W) plane
    of the entry of each window (N, C, OH, OW, kh, kw) that PyTorch's loop picks, which
    keeps a later entry only if it is greater or NaN. One argmax (the first maximum)
    over a priority: 2 + k at a NaN entry k (so the last NaN wins), 1 at an entry equal
    to the window's maximum inside the image, 0 elsewhere. Padding is never picked: an
    all -inf window ties only at -inf, and its first entry inside the image wins."""
    OH, OW, kh, kw = windows.shape[2:]
    (H, W), (sh, sw), (ph, pw), (dh, dw) = size, stride, pad, dilation
    rows = (np.arange(OH) * sh - ph)[:, None, None, None] + (np.arange(kh) * dh)[:, None]
    cols = (np.arange(OW) * sw - pw)[None, :, None, None] + np.arange(kw) * dw
    inside = (rows >= 0) & (rows < H) & (cols >= 0) & (cols < W)  # (OH, OW, kh, kw)
    # A window with no entry inside the image (dilation stepping over it) gets PyTorch's
    # start position: its first row and column at or past 0, as one flat index.
    r0, c0 = np.arange(OH) * sh - ph, np.arange(OW) * sw - pw
    r0, c0 = r0 - np.minimum(r0 // dh, 0) * dh, c0 - np.minimum(c0 // dw, 0) * dw
    start = (r0[:, None] * W + c0)[:, :, None, None]
    return _pick_max(windows, out, inside, np.where(inside, rows * W + cols, start))


def _pick_max(windows: Tensor, out: Tensor, inside: np.ndarray, flat: np.ndarray) -> Tensor:
    """The flat position (flat, (OH, OW, kh, kw) ints) of the entry of each window
    (N, C, OH, OW, kh, kw) that PyTorch's loop picks: one argmax (the first maximum)
    over a priority, 2 + k at a NaN entry k (so the last NaN wins), 1 at an entry
    equal to the window's maximum `out` and `inside` (a (OH, OW, kh, kw) mask), 0
    elsewhere. int64 of out's shape (N, C, OH, OW)."""
    OH, OW, kh, kw = windows.shape[2:]
    priority = (windows == out.reshape(out.shape + (1, 1))).astype(np.int64)
    if not inside.all():
        priority = priority * engine.shape_constant(inside.astype(np.int64))
    if windows.dtype.kind in "fc":
        ramp = engine.shape_constant(2 + np.arange(kh * kw, dtype=np.int64).reshape(kh, kw))
        priority = priority + (windows != windows).astype(np.int64) * ramp
    k = P.argmax.apply(priority.reshape(priority.shape[:4] + (kh * kw,)), axis=-1, keepdims=True)
    flat = engine.shape_constant(flat.astype(np.int64).reshape(1, 1, OH, OW, kh * kw))
    return P.take_along_axis.apply(flat, k, axis=-1, wrap=False).reshape(out.shape)


def _unpool_size(where: str, shape: tuple, kernel: tuple, stride: tuple, pad: tuple,
                 output_size: Any) -> tuple[int, ...]:
    """max_unpool2d's (Hout, Wout) and max_unpool3d's (Dout, Hout, Wout), one per entry of
    `kernel`: (n - 1) * s - 2p + k for each spatial size n by default, or output_size's
    last entries (it has len(kernel), or that plus 2 for (N, C, ...)), each strictly
    within a stride of that default, as PyTorch."""
    nd = len(kernel)
    default = tuple((n - 1) * s - 2 * p + k for n, k, s, p in zip(shape[-nd:], kernel, stride, pad))
    if output_size is None:
        size = default
    else:
        if isinstance(output_size, Tensor) or not isinstance(output_size, (tuple, list)) \
                or not all(_is_index(v) for v in output_size):
            raise TypeError(f"{where}: output_size must be a tuple of ints, got {output_size!r}")
        if len(output_size) not in (nd, nd + 2):
            names = ", ".join(("Dout", "Hout", "Wout")[-nd:])
            raise ValueError(f"{where}: output_size must have {nd} or {nd + 2} entries (({names}) or "
                             f"(N, C, {names})), got {tuple(output_size)} for input of shape {shape}")
        size = tuple(int(v) for v in output_size[-nd:])
        for d, (n, want, s) in enumerate(zip(size, default, stride)):
            if not want - s < n < want + s:
                raise ValueError(
                    f"{where}: output_size {tuple(output_size)} is inconsistent with input of shape {shape}, "
                    f"kernel_size {kernel}, stride {stride} and padding {pad}: dim {d} must be between "
                    f"{want - s} and {want + s} (exclusive)")
    if min(size) < 1:
        raise ValueError(f"{where}: input of shape {shape} with kernel_size {kernel}, stride {stride} and "
                         f"padding {pad} unpools to an empty output {size}")
    return size


def max_unpool2d(
    x: Any,
    indices: Any,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
    output_size: Any = None,
) -> Tensor:
    """max_pool2d's partial inverse, as PyTorch's: (N, C, H, W) -> (N, C, Hout, Wout).

    indices (integers, x's shape; max_pool2d(..., return_indices=True)'s) give
    each entry's flat position row * Wout + col in its (Hout, Wout) plane; the
    output is zeros with x written there: out[n, c].flat[indices[n, c, i, j]] =
    x[n, c, i, j]. Where indices repeat a position (overlapping windows), the
    last entry in x's row-major order wins, as PyTorch's loop (CPU) writes it.
    Hout = (H - 1) * s - 2p + kh (stride s defaults to kernel_size; Wout
    alike), or output_size ((Hout, Wout) or (N, C, Hout, Wout), each within a
    stride of that, as PyTorch). (C, H, W) inputs give (C, Hout, Wout).
    Indices outside [0, Hout * Wout) raise a ValueError, and so does an output
    size with a 0 (PyTorch returns an empty tensor there).

    Differentiable in x: a gather out = x.flat[j] where a position p is written
    (j the entry that writes it, found by sorting the indices; the
    take_along_axis primitive), so the gradient at x[..., k] is out's at
    indices[..., k], zero for an entry another one overwrites: the true
    gradient, where PyTorch's backward gives every repeated entry its
    position's gradient.
    """
    with engine.scope("max_unpool2d"):
        where = "max_unpool2d"
        x, unbatched = _images(x, where)
        shape = x.shape[1:] if unbatched else x.shape
        indices = _unpool_indices(indices, shape, where)
        kernel = _pair(kernel_size, "kernel_size", where, 1)
        stride_ = kernel if stride is None else _pair(stride, "stride", where, 1)
        pad = _pair(padding, "padding", where, 0)
        Hout, Wout = _unpool_size(where, shape, kernel, stride_, pad, output_size)
        N, C, H, W = x.shape
        L, n = H * W, Hout * Wout
        # (a replay: take_along_axis checks)
        _check_unpool_range(indices, n, f"an output plane of size {(Hout, Wout)}", where)
        # Which entry of x writes each output position p: the indices (as 2 * index)
        # and one marker 2 * p + 1 per position are sorted together, stably, so the
        # entries writing p come in x's order right before p's marker; the entry just
        # before that marker (if it is one of x's, not the marker of p - 1) is the last.
        # (The take_along_axis of 0, ..., n - 1 is the identity, and raises on a
        # replay if an index is out of range, when the check above does not run.)
        out = _unpool_flat(x.reshape(N, C, L), P.reshape.apply(indices, shape=(N, C, L)), n).reshape(N, C, Hout, Wout)
        return out.reshape(out.shape[1:]) if unbatched else out


def _unpool_flat(x: Tensor, indices: Any, n: int) -> Tensor:
    """max_unpool's scatter of x (N, C, L) to (N, C, n), as a gather (see max_unpool2d):
    position p of a plane takes the last entry of x (row-major) whose index is p, else 0.
    indices (N, C, L) integers, already checked in range; max_unpool2d and max_unpool3d."""
    N, C, L = x.shape
    ramp = engine.shape_constant(np.arange(n, dtype=np.int64).reshape(1, 1, n))
    index = P.take_along_axis.apply(ramp, indices, axis=-1, wrap=False)
    markers = engine.shape_constant(np.broadcast_to(2 * ramp + 1, (N, C, n)).copy())
    order = P.argsort.apply(P.concatenate.apply(2 * index, markers, axis=-1), axis=-1)
    place = P.argsort.apply(order, axis=-1)[:, :, L:]  # (where each marker went)
    before = P.take_along_axis.apply(order, place - 1, axis=-1, wrap=True)  # (-1: the last, a marker)
    written = before < L
    source = fn.where(written, before, 0)
    return fn.where(written, P.take_along_axis.apply(x, source, axis=-1), 0)


def avg_pool2d(
    x: Any,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """Mean over kh x kw windows: (N, C, H, W) -> (N, C, OH, OW).

    stride defaults to the kernel size; padding (at most half the kernel) adds
    zero borders. With count_include_pad (PyTorch's default) every window is
    divided by kh*kw; without it, by the number of its entries inside the image.
    ceil_mode: OH as in max_pool2d; a last window that reaches past the padding
    is divided, as PyTorch's, by its entries inside the padded image (with
    count_include_pad) or inside the image (without): the overhang never counts.
    divisor_override (a nonzero int, as PyTorch): every window's sum is divided
    by it instead (count_include_pad then does not matter). Arguments in
    PyTorch's order.
    """
    with engine.scope("avg_pool2d"):
        x, unbatched, kernel, stride_, pad, _, extra = _pool_args(
            x, kernel_size, stride, padding, 1, "avg_pool2d", ceil_mode
        )
        include_pad = _flag(count_include_pad, "count_include_pad", "avg_pool2d")
        divisor = _divisor(divisor_override, "avg_pool2d")
        # (with a divisor: the window sums, widened as below, over it)
        tiles = stride_ == kernel and pad == (0, 0) and extra == (0, 0) and divisor is None
        if x.dtype == FLOAT16 and not tiles:
            # (window sums overflow float16 at 65504; the tiles' mean already sums in float32)
            x, widened = x.astype(np.float32), True
        else:
            widened = False
        if tiles:
            out = _tile_reduce(x, kernel, lambda t, axes: t.mean(axis=axes))
        else:
            widths = ((0, 0), (0, 0), (pad[0], pad[0] + extra[0]), (pad[1], pad[1] + extra[1]))
            if divisor is not None:
                count: Any = float(divisor)
            elif include_pad and extra == (0, 0):
                count = float(kernel[0] * kernel[1])
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


def lp_pool2d(
    x: Any,
    norm_type: float,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    ceil_mode: bool = False,
) -> Tensor:
    """Power-average pooling (PyTorch's LPPool2d): (N, C, H, W) -> (N, C, OH, OW) (or one
    (C, H, W) image), with p = norm_type,

        y = (kh * kw * avg_pool2d(x**p, kernel_size, stride, 0, ceil_mode)) ** (1/p),

    PyTorch's formula: the sum of x**p over each window, to the power 1/p (p = 1: sum
    pooling; p = 2: the window's 2-norm). stride defaults to kernel_size, no padding;
    ceil_mode as avg_pool2d's, whose last partial windows are averaged over their own
    entries and so scaled up to the full window. As PyTorch's, x**p and y follow real
    powers: a negative x with a non-integer p, or a negative window sum with an odd p,
    gives NaN (the real power has none). A window summing to 0 gives 0 with gradient 0
    (PyTorch's sign(out) * relu(|out|) gives that; the power's derivative at 0 is
    infinite for p > 1). norm_type must be a finite nonzero number.
    """
    with engine.scope("lp_pool2d"):
        p = _number(norm_type, "norm_type", "lp_pool2d")
        if p == 0.0 or not np.isfinite(p):
            raise ValueError(f"lp_pool2d: norm_type must be a finite nonzero number, got {norm_type!r}")
        x, unbatched, kernel, stride_, _, _, _ = _pool_args(x, kernel_size, stride, 0, 1, "lp_pool2d", ceil_mode)
        out = avg_pool2d(x ** p, kernel, stride_, 0, ceil_mode)
        nonzero = out != 0
        # (the power sees 1 where out is 0: its infinite derivative there would make 0 * inf)
        safe = P.where.apply(nonzero, out, 1.0) * float(kernel[0] * kernel[1])
        y = P.where.apply(nonzero, safe ** (1.0 / p), 0.0)
        return y.reshape(y.shape[1:]) if unbatched else y


def _unpool_indices(indices: Any, shape: tuple, where: str) -> Any:
    """max_unpool's indices (a Tensor or array-like) as a Tensor or ndarray; raise unless they
    hold integers and have the input's shape `shape` (the caller's, for its error)."""
    if not isinstance(indices, Tensor):
        indices = np.asarray(indices)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"{where}: indices must hold integers, got dtype {indices.dtype} "
                        f"(indices of shape {tuple(indices.shape)}, input of shape {shape})")
    if tuple(indices.shape) != shape:
        raise ValueError(f"{where}: indices of shape {tuple(indices.shape)} must have the input's shape {shape}")
    return indices


def _check_unpool_range(indices: Any, n: int, output: str, where: str) -> None:
    """Raise unless every index is in [0, n), n the positions of `output` (as the error names it)."""
    values = indices.data if isinstance(indices, Tensor) else indices
    if values.size and (values.min() < 0 or values.max() >= n):
        bad = values.min() if values.min() < 0 else values.max()
        raise ValueError(f"{where}: index {bad} is out of range [0, {n - 1}] for {output} "
                         f"(indices of shape {tuple(indices.shape)})")


def _divisor(divisor_override: Any, where: str) -> int | None:
    """divisor_override: None, or a nonzero int (not a bool), as PyTorch's."""
    if divisor_override is None:
        return None
    if not _is_index(divisor_override):
        raise TypeError(f"{where}: divisor_override must be an int or None, got {divisor_override!r}")
    if divisor_override == 0:
        raise ValueError(f"{where}: divisor_override must not be zero")
    return int(divisor_override)


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
) -> Tensor | tuple[Tensor, Tensor]:
    """Maximum over adaptive bins: (N, C, H, W) -> (N, C, OH, OW), as PyTorch's.

    Bins and output_size as adaptive_avg_pool2d. (1, 1) is a plain max over H and W;
    when OH and OW divide H and W the bins are max_pool2d's tiles; otherwise every bin
    is gathered (integer indexing) into an (N, C, OH, OW, kh, kw) array, kh and kw the
    longest bins, the shorter bins filled from a -inf row and column added at the
    bottom and right, and reduced. Ties share the gradient equally, as in max_pool2d.

    return_indices=True returns (out, indices) as PyTorch: indices, int64 of out's
    shape, hold the flat position row * W + col in the (H, W) input plane of each
    bin's maximum, by max_pool2d's rule: the first maximum in the bin's scan order
    (row by row), the last NaN where a bin holds NaN, the bin's first entry where all
    are -inf (never the filler). They take no gradient; F.max_unpool2d takes them back
    (with output_size=(H, W) and a kernel and stride giving that size).
    """
    with engine.scope("adaptive_max_pool2d"):
        with_indices = _flag(return_indices, "return_indices", "adaptive_max_pool2d")
        x, unbatched, OH, OW = _adaptive_args(x, output_size, "adaptive_max_pool2d")
        N, C, H, W = x.shape
        out = _adaptive_by_tiles(x, OH, OW, "max")
        windows = None
        if (out is None or with_indices) and OH and OW:
            index = []
            for n, out_n in ((H, OH), (W, OW)):
                start, end = _bins(n, out_n)
                k = np.arange(int((end - start).max()))
                # entry k of bin i, or n (the -inf row/column) past the bin's end
                index.append(np.where(start[:, None] + k < end[:, None], start[:, None] + k, n))
            short = (int((index[0] == H).any()), int((index[1] == W).any()))
            image = x
            if short != (0, 0):  # (some bins shorter than the longest)
                lowest = -np.inf if x.dtype.kind in "fc" else (
                    np.iinfo(x.dtype).min if x.dtype.kind in "iu" else False)
                image = fn.pad(x, ((0, 0), (0, 0), (0, short[0]), (0, short[1])), value=lowest)
            # (shape constants: am.compile keeps them in its tape, keyed by the shapes)
            rows = index[0][:, None, :, None]  # (OH, 1, kh, 1)
            cols = index[1][None, :, None, :]  # (1, OW, 1, kw)
            windows = image[:, :, engine.shape_constant(rows), engine.shape_constant(cols)]
            if out is None:
                out = windows.max(axis=(4, 5))
        if not with_indices:
            return out.reshape(out.shape[1:]) if unbatched else out
        if windows is None:  # (an empty output)
            indices = Tensor(np.zeros(out.shape, np.int64))
        else:
            inside = (rows < H) & (cols < W)
            indices = _pick_max(windows, out, inside, np.where(inside, rows * W + cols, 0))
        if unbatched:
            return out.reshape(out.shape[1:]), indices.reshape(indices.shape[1:])
        return out, indices
