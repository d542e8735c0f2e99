"""The volumetric (video, medical imaging) family, as PyTorch's: conv3d, max_pool3d,
avg_pool3d, adaptive_avg_pool3d and dropout3d, for x (N, C, D, H, W) or one volume
(C, D, H, W).

Windows come from `P.unfold` over the last three axes (a strided view); conv3d contracts
them with the kernel in one matrix product, the pools reduce them. No backward code:
the gradients of every order are unfold's (fold), matmul's and the reductions'. Every
argument and shape is checked first, so an error names the 3-D op and the caller's
shapes, before anything is recorded.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import engine
from ... import functions as fn
from ... import primitives as P
from ...functions import as_tensor
from ...tensor import FLOAT16, Tensor, _flag, _is_index
from ._args import _int
from .conv import _check_groups
from .pooling import _bin_sums, _bins, _ceil_overhang, _divisor  # (_divisor: read by nn.AvgPool3d as F3._divisor)
from .regularization import _drop, _dropout_p

_LAYOUT = "(N, C, D, H, W) or (C, D, H, W)"


def _volumes(x: Any, where: str) -> tuple[Tensor, bool, tuple]:
    """x as a 5-D (N, C, D, H, W) tensor, whether it was one volume (C, D, H, W), and the
    shape the caller passed (for errors)."""
    x = as_tensor(x)
    if x.ndim not in (4, 5):
        raise ValueError(f"{where}: expected input of shape {_LAYOUT}, got {x.shape}")
    given = tuple(x.shape)
    return (x.reshape((1,) + given), True, given) if x.ndim == 4 else (x, False, given)


def _triple(value: Any, what: str, where: str, minimum: int) -> tuple[int, int, int]:
    """An int or a triple of ints as (depth, rows, cols), each at least `minimum`."""
    triple = (value,) * 3 if _is_index(value) else value
    if not isinstance(triple, (tuple, list)) or len(triple) != 3 or not all(_is_index(v) for v in triple):
        raise TypeError(f"{where}: {what} must be an int or a tuple of three ints, got {value!r}")
    if min(triple) < minimum:
        raise ValueError(f"{where}: {what} must be at least {minimum}, got {value!r}")
    return tuple(int(v) for v in triple)  # type: ignore[return-value]


def _conv3d_padding(padding: Any, kernel: tuple, dilation: tuple, stride: tuple,
                    where: str) -> tuple[tuple[int, int], ...]:
    """((front, back), (top, bottom), (left, right)) from an int, a triple, 'valid' or 'same'."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * 3
        if padding == "same":
            if stride != (1, 1, 1):
                raise ValueError(f"{where}: padding='same' needs stride 1, got stride {stride}")
            totals = [d * (k - 1) for k, d in zip(kernel, dilation)]  # (an odd extra one after, as PyTorch)
            return tuple((t // 2, t - t // 2) for t in totals)
        raise ValueError(f"{where}: padding must be an int, a tuple of three, 'valid' or 'same', got {padding!r}")
    return tuple((p, p) for p in _triple(padding, "padding", where, 0))


def _check_fits3(where: str, given: tuple, pads: tuple, kernel: tuple, dilation: tuple) -> None:
    """Raise unless the padded volume is at least as large as the dilated kernel."""
    padded = tuple(n + a + b for n, (a, b) in zip(given[-3:], pads))
    span = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(p < s for p, s in zip(padded, span)):
        raise ValueError(
            f"{where}: input of shape {given} (padded spatial size {padded}) is smaller than "
            f"the kernel {kernel} with dilation {dilation} (spans {span})"
        )


def conv3d(
    x: Any,
    weight: Any,
    bias: Any = None,
    stride: int | tuple[int, int, int] = 1,
    padding: int | tuple[int, int, int] | str = 0,
    dilation: int | tuple[int, int, int] = 1,
    groups: int = 1,
) -> Tensor:
    """3-D cross-correlation, as PyTorch's conv3d.

    x (N, C, D, H, W) or (C, D, H, W); weight (O, C/groups, kd, kh, kw); bias (O,).
    out[n, o, i, j, l] = bias[o] + sum_{c, a, b, e} W[o, c, a, b, e]
                         * xpad[n, g*C/groups + c, i*s_d + a*d_d, j*s_h + b*d_h, l*s_w + e*d_w]
    over the channels c of o's group g, giving (N, O, OD, OH, OW) (or (O, OD, OH, OW)) with
    OD = (D + pad_front + pad_back - d_d*(kd-1) - 1) // s_d + 1 (OH, OW alike).
    padding: int, a triple, 'valid' (none) or 'same' (stride 1; output D x H x W, an odd
    extra one padded after, as PyTorch).

    As conv2d: the windows (P.unfold over three axes, a view of the input copied once
    with the batch last, (C, Dp, Hp, Wp, N)) are flattened into columns, and the kernel
    (O/groups, C/groups*kd*kh*kw) multiplies all of them in one matrix product per group
    (matmul_add adds the bias into it). No backward code: matmul's and unfold's VJPs.
    """
    where = "conv3d"
    with engine.scope(where):
        x, unbatched, given = _volumes(x, where)
        weight = as_tensor(weight)
        if weight.ndim != 5 or 0 in weight.shape[2:]:
            raise ValueError(f"{where}: weight must have shape (O, C/groups, kd, kh, kw) with kd, kh, kw >= 1, "
                             f"got {weight.shape}")
        G = _int(groups, "groups", where, 1)
        N, C = x.shape[:2]
        O, Cg = weight.shape[:2]
        kernel = tuple(weight.shape[2:])
        _check_groups(where, given, weight.shape, C, G)
        stride_ = _triple(stride, "stride", where, 1)
        dilation_ = _triple(dilation, "dilation", where, 1)
        pads = _conv3d_padding(padding, kernel, dilation_, stride_, where)
        _check_fits3(where, given, pads, kernel, dilation_)
        if bias is not None:
            bias = as_tensor(bias)
            if bias.shape != (O,):
                raise ValueError(f"{where}: bias must have shape ({O},), got {bias.shape}")
        xc = x.permute(1, 2, 3, 4, 0)  # (C, D, H, W, N): copied once (by pad or by the gather)
        if pads != ((0, 0),) * 3:
            xc = fn.pad(xc, ((0, 0),) + pads + ((0, 0),))
        Dp, Hp, Wp = xc.shape[1:4]
        source = xc.permute(4, 0, 1, 2, 3) if G == 1 else xc.reshape(G, Cg, Dp, Hp, Wp, N).permute(5, 0, 1, 2, 3, 4)
        windows = P.unfold(source, kernel_size=kernel, stride=stride_, dilation=dilation_)
        # (N, [G,] C/G, OD, OH, OW, kd, kh, kw), a view
        OD, OH, OW = windows.shape[-6:-3]
        K, L = Cg * kernel[0] * kernel[1] * kernel[2], OD * OH * OW * N
        if G == 1:  # (O, K) @ (K, OD*OH*OW*N)
            cols = windows.permute(1, 5, 6, 7, 2, 3, 4, 0).reshape(K, L)
            kern = weight.reshape(O, K)
        else:  # (G, O/G, K) @ (G, K, OD*OH*OW*N)
            cols = windows.permute(1, 2, 6, 7, 8, 3, 4, 5, 0).reshape(G, K, L)
            kern = weight.reshape(G, O // G, K)
        if bias is None:
            out = kern @ cols
        else:
            out = P.matmul_add.apply(kern, cols, bias.reshape(kern.shape[:-1] + (1,)))
        out = out.reshape(O, OD, OH, OW, N).permute(4, 0, 1, 2, 3)
        return out.reshape(out.shape[1:]) if unbatched else out


def _pool3d_args(x: Any, kernel_size: Any, stride: Any, padding: Any, dilation: Any, ceil_mode: Any,
                 where: str) -> tuple[Tensor, bool, tuple, tuple, tuple, tuple, tuple, tuple]:
    """The checked arguments of max_pool3d and avg_pool3d, and `extra`: the entries of each
    axis that ceil_mode's last window reaches past the padding (zeros without ceil_mode).

    Without ceil_mode the dilated kernel must fit in the padded volume; with it (PyTorch's
    rule, as max_pool2d's) OD = ceil((D + 2p - d*(k-1) - 1) / s) + 1, less one if that last
    window would start at or past D + p, and must be at least 1 (OH, OW alike)."""
    x, unbatched, given = _volumes(x, where)
    kernel = _triple(kernel_size, "kernel_size", where, 1)
    stride_ = kernel if stride is None else _triple(stride, "stride", where, 1)
    pad = _triple(padding, "padding", where, 0)
    dilation_ = _triple(dilation, "dilation", where, 1)
    ceil = _flag(ceil_mode, "ceil_mode", where)
    if any(p > k // 2 for p, k in zip(pad, kernel)):
        raise ValueError(f"{where}: padding {pad} must be at most half the kernel size {kernel}")
    if not ceil:
        _check_fits3(where, given, tuple((p, p) for p in pad), kernel, dilation_)
        return x, unbatched, given, kernel, stride_, pad, dilation_, (0, 0, 0)
    extra = _ceil_overhang(where, given, kernel, stride_, pad, dilation_)
    return x, unbatched, given, kernel, stride_, pad, dilation_, extra


def _lowest(dtype: np.dtype) -> Any:
    """The padding of max pooling: -inf, or an integer dtype's minimum (-inf would cast to 0)."""
    return -np.inf if dtype.kind in "fc" else (np.iinfo(dtype).min if dtype.kind in "iu" else False)


def max_pool3d(
    x: Any,
    kernel_size: int | tuple[int, int, int],
    stride: int | tuple[int, int, int] | None = None,
    padding: int | tuple[int, int, int] = 0,
    dilation: int | tuple[int, int, int] = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """Maximum over kd x kh x kw windows: (N, C, D, H, W) -> (N, C, OD, OH, OW) (or without N).

    out[n, c, i, j, l] = max xpad[n, c, i*s_d + a*d_d, j*s_h + b*d_h, l*s_w + e*d_w] over
    a < kd, b < kh, e < kw; xpad padded with -inf (padding at most half the kernel); stride
    defaults to the kernel; OD = (D + 2p - d*(kd-1) - 1) // s + 1, or with ceil_mode
    PyTorch's rule (a last, partial window kept if it starts inside the volume or the
    front padding; OH, OW alike). Ties share the gradient equally (the `max` primitive).
    return_indices=True returns (out, indices): int64 of out's shape, the flat position
    z*H*W + y*W + x in the (D, H, W) volume of each window's maximum (PyTorch's: the first
    maximum in scan order, the last NaN, never the padding).
    """
    where = "max_pool3d"
    with engine.scope(where):
        with_indices = _flag(return_indices, "return_indices", where)
        x, unbatched, given, kernel, stride_, pad, dilation_, extra = _pool3d_args(
            x, kernel_size, stride, padding, dilation, ceil_mode, where)
        size = x.shape[2:]
        if pad != (0, 0, 0) or extra != (0, 0, 0):
            x = fn.pad(x, ((0, 0), (0, 0)) + tuple((p, p + e) for p, e in zip(pad, extra)),
                       value=_lowest(x.dtype))
        windows = P.unfold(x, kernel_size=kernel, stride=stride_, dilation=dilation_)
        out = windows.max(axis=(5, 6, 7))
        if not with_indices:
            return out.reshape(out.shape[1:]) if unbatched else out
        indices = _max_indices3(windows, out, size, stride_, pad, dilation_)
        if unbatched:
            return out.reshape(out.shape[1:]), indices.reshape(indices.shape[1:])
        return out, indices


def _max_indices3(windows: Tensor, out: Tensor, size: tuple, stride: tuple, pad: tuple,
                  dilation: tuple) -> Tensor:
    """max_pool3d's indices (N, C, OD, OH, OW) int64, by max_pool2d's rule: one argmax (the
    first maximum) over a priority, 2 + k at a NaN entry k (so the last NaN wins), 1 at an
    entry inside the volume equal to its window's maximum, 0 elsewhere. A window with no
    entry inside (dilation stepping over it) gets its first position at or past 0 on each
    axis, as PyTorch's."""
    outs, kernel = tuple(windows.shape[2:5]), tuple(windows.shape[5:])
    inside, flat, first = np.ones((), bool), np.zeros((), np.int64), np.zeros((), np.int64)
    scales = (size[1] * size[2], size[2], 1)
    for axis, (o, k, n, s, p, d, scale) in enumerate(zip(outs, kernel, size, stride, pad, dilation, scales)):
        start = np.arange(o) * s - p
        shape = [1] * 6
        shape[axis], shape[3 + axis] = o, k
        q = (start[:, None] + np.arange(k) * d).reshape(shape)  # this axis's position of each entry
        shape[3 + axis] = 1
        inside = inside & (q >= 0) & (q < n)
        flat = flat + q * scale
        first = first + (start - np.minimum(start // d, 0) * d).reshape(shape) * scale
    full = outs + kernel
    inside = np.broadcast_to(inside, full)
    flat = np.where(inside, flat, first)
    K = int(np.prod(kernel))
    priority = (windows == out.reshape(out.shape + (1, 1, 1))).astype(np.int64)
    if not inside.all():
        priority = priority * engine.shape_constant(inside.astype(np.int64))
    if windows.dtype.kind in "fc":
        ramp = engine.shape_constant(2 + np.arange(K, dtype=np.int64).reshape(kernel))
        priority = priority + (windows != windows).astype(np.int64) * ramp
    k = P.argmax.apply(priority.reshape(priority.shape[:5] + (K,)), axis=-1, keepdims=True)
    table = engine.shape_constant(np.broadcast_to(flat, full).astype(np.int64).reshape((1, 1) + outs + (K,)))
    return P.take_along_axis.apply(table, k, axis=-1, wrap=False).reshape(out.shape)


def avg_pool3d(
    x: Any,
    kernel_size: int | tuple[int, int, int],
    stride: int | tuple[int, int, int] | None = None,
    padding: int | tuple[int, int, int] = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """Mean over kd x kh x kw windows: (N, C, D, H, W) -> (N, C, OD, OH, OW) (or without N).

    out = sum of xpad over the window / count, xpad padded with zeros (padding at most half
    the kernel); stride defaults to the kernel; OD as max_pool3d's (dilation 1). count is
    kd*kh*kw with count_include_pad (PyTorch's default), else the window's entries inside
    the volume; a ceil_mode window reaching past the padding never counts that part;
    divisor_override (a nonzero int) replaces count. Arguments in PyTorch's order.
    """
    where = "avg_pool3d"
    with engine.scope(where):
        x, unbatched, given, kernel, stride_, pad, _, extra = _pool3d_args(
            x, kernel_size, stride, padding, 1, ceil_mode, where)
        include_pad = _flag(count_include_pad, "count_include_pad", where)
        divisor = _divisor(divisor_override, where)
        dtype = x.dtype
        if dtype == FLOAT16 or dtype.kind != "f":  # (float16 sums overflow; integers average to floats)
            x = x.astype(np.float32 if dtype == FLOAT16 else np.float64)
        widths = ((0, 0), (0, 0)) + tuple((p, p + e) for p, e in zip(pad, extra))
        ones = (1, 1, 1)
        if divisor is not None:
            count: Any = float(divisor)
        elif include_pad and extra == (0, 0, 0):
            count = float(kernel[0] * kernel[1] * kernel[2])
        else:  # each window's count of the entries that count
            if include_pad:  # the padded volume counts, ceil_mode's overhang does not
                padded = tuple(n + 2 * p for n, p in zip(x.shape[2:], pad))
                inside = np.pad(np.ones(padded, dtype=x.dtype), tuple((0, e) for e in extra))
            else:
                inside = np.pad(np.ones(x.shape[2:], dtype=x.dtype), widths[2:])
            count = engine.shape_constant(
                P.unfold(inside, kernel_size=kernel, stride=stride_, dilation=ones).sum(axis=(3, 4, 5)))
        if widths != ((0, 0),) * 5:
            x = fn.pad(x, widths)
        sums = P.unfold(x, kernel_size=kernel, stride=stride_, dilation=ones).sum(axis=(5, 6, 7))
        out = P.div.apply(sums, count)
        if dtype == FLOAT16:
            out = out.astype(FLOAT16)
        return out.reshape(out.shape[1:]) if unbatched else out


def _output_size3(output_size: Any, where: str) -> tuple[int | None, int | None, int | None]:
    """(OD, OH, OW) from an int or a triple whose entries are ints (>= 0) or None (the input's size)."""
    triple = (output_size,) * 3 if _is_index(output_size) else output_size
    if (not isinstance(triple, (tuple, list)) or len(triple) != 3
            or not all(v is None or _is_index(v) for v in triple)):
        raise TypeError(f"{where}: output_size must be an int or a tuple of three ints or None, "
                        f"got {output_size!r}")
    if any(v is not None and v < 0 for v in triple):
        raise ValueError(f"{where}: output_size must be non-negative, got {output_size!r}")
    return tuple(None if v is None else int(v) for v in triple)  # type: ignore[return-value]


def adaptive_avg_pool3d(x: Any, output_size: int | tuple[int | None, int | None, int | None]) -> Tensor:
    """Mean over adaptive bins: (N, C, D, H, W) -> (N, C, OD, OH, OW) (or without N), as PyTorch's.

    output_size: an int, or a triple (OD, OH, OW) whose None entries keep the input's size.
    Output index i along depth averages the input planes floor(i*D/OD) to
    ceil((i+1)*D/OD) - 1 (bins overlap when OD does not divide D), rows and columns alike:
    the sum over each box, taken one axis at a time (a reshape and sum where the bins
    tile the axis, else a slice and sum per bin), divided by the box's size. 1 is the
    global average pool.
    """
    where = "adaptive_avg_pool3d"
    with engine.scope(where):
        x, unbatched, given = _volumes(x, where)
        requested = _output_size3(output_size, where)
        sizes = x.shape[2:]
        if 0 in sizes:
            raise ValueError(f"{where}: expected an input with non-zero depth, height and width, got shape {given}")
        outs = tuple(n if o is None else o for n, o in zip(sizes, requested))
        dtype = x.dtype
        if dtype == FLOAT16 or dtype.kind != "f":
            x = x.astype(np.float32 if dtype == FLOAT16 else np.float64)
        if 0 in outs:
            out = fn.broadcast_to(x.mean(axis=(2, 3, 4), keepdims=True), x.shape[:2] + outs)
        elif outs == (1, 1, 1):
            out = x.mean(axis=(2, 3, 4), keepdims=True)
        else:
            for axis, o in zip((2, 3, 4), outs):
                x = _bin_sums(x, axis, o)
            counts = [b - a for a, b in (_bins(n, o) for n, o in zip(sizes, outs))]
            box = np.multiply.outer(np.multiply.outer(counts[0], counts[1]), counts[2]).astype(x.dtype)
            out = P.div.apply(x, engine.shape_constant(box))
        if dtype == FLOAT16:
            out = out.astype(FLOAT16)
        return out.reshape(out.shape[1:]) if unbatched else out


def dropout3d(x: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Channel-wise dropout of x (N, C, D, H, W) or (C, D, H, W), as PyTorch's: zero each whole
    channel x[n, c] (or x[c]) with probability p and scale the rest by 1/(1-p); x's shape.
    Eval (training=False) is the identity. The mask, (N, C, 1, 1, 1) or (C, 1, 1, 1), comes
    from the library generator (am.manual_seed), as dropout's. `inplace` is accepted for
    code written for PyTorch and changes nothing."""
    where = "dropout3d"
    with engine.scope(where):
        x = as_tensor(x)
        p = _dropout_p(p, where)
        if x.ndim not in (4, 5):
            raise ValueError(f"{where}: expected input of shape {_LAYOUT}, got shape {x.shape}")
        _flag(inplace, "inplace", where)
        if not _flag(training, "training", where) or p == 0.0:
            return x
        return _drop(x, p, x.shape[:-3] + (1, 1, 1), where)
