"""The volumetric (video, medical imaging) family, as PyTorch's: conv3d, conv_transpose3d,
max_pool3d, avg_pool3d, adaptive_avg_pool3d, adaptive_max_pool3d, max_unpool3d and
dropout3d, for x (N, C, D, H, W) or one volume (C, D, H, W).

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
from ._args import _bias, _inplace_call, _int
from .conv import _check_groups, _check_transpose_groups, _output_padding_fits, _transpose_sizes
from .pooling import _bin_sums, _bins, _ceil_overhang, _divisor  # (_divisor: read by nn.AvgPool3d as F3._divisor)
from .pooling import _check_unpool_range, _unpool_flat, _unpool_indices, _unpool_size
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


def _volumes_and_weight(x: Any, weight: Any, groups: Any, where: str,
                        layout: str) -> tuple[Tensor, bool, tuple, Tensor, int]:
    """conv3d's and conv_transpose3d's arguments: x as (N, C, D, H, W) with _volumes' flag
    and given shape, weight as a 5-D tensor with a non-empty kernel (`layout` names its
    axes in the error), groups as an int >= 1."""
    x, unbatched, given = _volumes(x, where)
    weight = as_tensor(weight)
    if weight.ndim != 5 or 0 in weight.shape[2:]:
        raise ValueError(f"{where}: weight must have shape {layout} with kd, kh, kw >= 1, got {weight.shape}")
    return x, unbatched, given, weight, _int(groups, "groups", where, 1)

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
        x, unbatched, given, weight, G = _volumes_and_weight(x, weight, groups, where, "(O, C/groups, kd, kh, kw)")
        N, C = x.shape[:2]
        O, Cg = weight.shape[:2]
        kernel = tuple(weight.shape[2:])
        _check_groups(where, given, weight.shape, C, G)
        stride_ = _triple(stride, "stride", where, 1)
        dilation_ = _triple(dilation, "dilation", where, 1)
        pads = _conv3d_padding(padding, kernel, dilation_, stride_, where)
        _check_fits3(where, given, pads, kernel, dilation_)
        bias = _bias(bias, O, where)
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
    inside = np.broadcast_to(inside, outs + kernel)
    return _first_max_flat(windows, out, inside, np.broadcast_to(np.where(inside, flat, first), inside.shape))


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
    from the library generator (am.manual_seed), as dropout's. inplace as dropout's."""
    where = "dropout3d"
    if inplace is not False:
        return _inplace_call(dropout3d, x, inplace, where, p, training)
    with engine.scope(where):
        x = as_tensor(x)
        p = _dropout_p(p, where)
        if x.ndim not in (4, 5):
            raise ValueError(f"{where}: expected input of shape {_LAYOUT}, got shape {x.shape}")
        if not _flag(training, "training", where) or p == 0.0:
            return x
        return _drop(x, p, x.shape[:-3] + (1, 1, 1), where)


def _output_padding3(output_padding: Any, stride: tuple, dilation: tuple, where: str) -> tuple[int, int, int]:
    """A transposed convolution's output_padding: each below its stride or its dilation (as PyTorch)."""
    return _output_padding_fits(_triple(output_padding, "output_padding", where, 0), stride, dilation, where)


def conv_transpose3d(
    x: Any,
    weight: Any,
    bias: Any = None,
    stride: int | tuple[int, int, int] = 1,
    padding: int | tuple[int, int, int] = 0,
    output_padding: int | tuple[int, int, int] = 0,
    groups: int = 1,
    dilation: int | tuple[int, int, int] = 1,
) -> Tensor:
    """3-D transposed convolution, as PyTorch's conv_transpose3d (argument order included).

    x (N, C, D, H, W) or (C, D, H, W); weight (C, O/groups, kd, kh, kw) (input channels
    first: the transpose of conv3d's); bias (O,). Each input entry scatters its
    kernel-weighted copy into the output:
    out[n, g*O/groups + o, i*s_d - p_d + a*d_d, j*s_h - p_h + b*d_h, l*s_w - p_w + e*d_w]
        += x[n, c, i, j, l] * W[c, o, a, b, e]   for c in group g, plus bias[o],
    giving (N, O, OD, OH, OW) (or without N) with
    OD = (D - 1)*s_d - 2*p_d + d_d*(kd - 1) + output_padding_d + 1 (OH, OW alike).
    padding crops from each side of the full result; output_padding (each smaller than
    its stride or its dilation) adds planes at the back/bottom/right. It is the adjoint
    of conv3d's map of its input: <conv3d(x, W), y> = <x, conv_transpose3d(y, W)> for the
    same stride, padding and dilation.

    Computed as that adjoint (conv_transpose2d's way), no backward code: one matrix
    product (O*kd*kh*kw, C) @ (C, D*H*W*N) (per group) gives every entry's scattered
    window, fold (unfold's VJP) adds the windows back, the padding is cropped off.
    """
    where = "conv_transpose3d"
    with engine.scope(where):
        x, unbatched, given, weight, G = _volumes_and_weight(x, weight, groups, where, "(C, O/groups, kd, kh, kw)")
        N, C = x.shape[:2]
        sizes = tuple(x.shape[2:])
        Og = weight.shape[1]
        kernel = tuple(weight.shape[2:])
        _check_transpose_groups(where, given, weight.shape, C, G, "(C, O/groups, kd, kh, kw)")
        O, Cg = Og * G, C // G
        stride_ = _triple(stride, "stride", where, 1)
        dilation_ = _triple(dilation, "dilation", where, 1)
        pad = _triple(padding, "padding", where, 0)
        op = _output_padding3(output_padding, stride_, dilation_, where)
        full, outs = _transpose_sizes(where, given, weight.shape, sizes, stride_, pad, op, dilation_)
        bias = _bias(bias, O, where)
        K, L = Og * kernel[0] * kernel[1] * kernel[2], sizes[0] * sizes[1] * sizes[2] * N
        xc = x.permute(1, 2, 3, 4, 0).reshape(C, L)  # (C, D*H*W*N): the one copy of x
        if G == 1:  # (O*kd*kh*kw, C) @ (C, D*H*W*N)
            cols = weight.reshape(C, K).T @ xc
        else:  # (G, O/G*kd*kh*kw, C/G) @ (G, C/G, D*H*W*N)
            cols = weight.reshape(G, Cg, K).swapaxes(1, 2) @ xc.reshape(G, Cg, L)
        # (N, O, D, H, W, kd, kh, kw): the windows unfold would take from the full output
        u = cols.reshape((O,) + kernel + sizes + (N,)).permute(7, 0, 4, 5, 6, 1, 2, 3)
        out = P.fold(u, size=full, kernel_size=kernel, stride=stride_, dilation=dilation_)
        extra = tuple(max(0, o - p) for o, p in zip(op, pad))  # (output_padding past the crop: zeros)
        if any(extra):
            out = fn.pad(out, ((0, 0), (0, 0)) + tuple((0, e) for e in extra))
        if tuple(out.shape[2:]) != outs:
            out = out[(slice(None), slice(None)) + tuple(slice(p, p + o) for p, o in zip(pad, outs))]
        if bias is not None:
            out = out + bias.reshape(O, 1, 1, 1)
        return out.reshape(out.shape[1:]) if unbatched else out


def _first_max_flat(windows: Tensor, out: Tensor, inside: np.ndarray, flat: np.ndarray) -> Tensor:
    """The flat position (flat: ints of windows.shape[2:]) of the entry of each window
    (N, C, OD, OH, OW, kd, kh, kw) that PyTorch's loop picks (max_pool2d's rule): the first
    maximum among the entries `inside`, the last NaN if any. int64 of out's shape."""
    kernel = tuple(windows.shape[5:])
    K = int(np.prod(kernel))
    priority = (windows == out.reshape(out.shape + (1, 1, 1))).astype(np.int64)
    if not inside.all():
        priority = priority * engine.shape_constant(inside.astype(np.int64))
    if windows.dtype.kind in "fc":
        ramp = engine.shape_constant(2 + np.arange(K, dtype=np.int64).reshape(kernel))
        priority = priority + (windows != windows).astype(np.int64) * ramp
    k = P.argmax.apply(priority.reshape(priority.shape[:5] + (K,)), axis=-1, keepdims=True)
    table = engine.shape_constant(flat.astype(np.int64).reshape((1, 1) + flat.shape[:3] + (K,)))
    return P.take_along_axis.apply(table, k, axis=-1, wrap=False).reshape(out.shape)


def adaptive_max_pool3d(x: Any, output_size: int | tuple[int | None, int | None, int | None],
                        return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Maximum over adaptive bins: (N, C, D, H, W) -> (N, C, OD, OH, OW) (or without N), as PyTorch's.

    Bins and output_size as adaptive_avg_pool3d: output index i along depth takes the max
    over planes floor(i*D/OD) to ceil((i+1)*D/OD) - 1, rows and columns alike. Every bin is
    gathered (integer indexing) into (N, C, OD, OH, OW, kd, kh, kw), kd, kh, kw the longest
    bins, shorter ones filled from a -inf plane added at the end of each axis, and reduced;
    ties share the gradient equally (the `max` primitive). return_indices=True returns
    (out, indices): int64 of out's shape, the flat position z*H*W + y*W + x in the (D, H, W)
    volume of each bin's maximum (PyTorch's: the first maximum in scan order, the last NaN,
    never the filler); they take no gradient and F.max_unpool3d takes them back.
    """
    where = "adaptive_max_pool3d"
    with engine.scope(where):
        with_indices = _flag(return_indices, "return_indices", where)
        x, unbatched, given = _volumes(x, where)
        requested = _output_size3(output_size, where)
        sizes = tuple(x.shape[2:])
        if 0 in sizes:
            raise ValueError(f"{where}: expected an input with non-zero depth, height and width, got shape {given}")
        outs = tuple(n if o is None else o for n, o in zip(sizes, requested))
        if 0 in outs:
            out = fn.broadcast_to(x.max(axis=(2, 3, 4), keepdims=True), x.shape[:2] + outs)
            indices = Tensor(np.zeros(out.shape, np.int64))
        else:
            index = []
            for n, o in zip(sizes, outs):
                start, end = _bins(n, o)
                k = np.arange(int((end - start).max()))
                # entry k of bin i, or n (the -inf plane) past the bin's end
                index.append(np.where(start[:, None] + k < end[:, None], start[:, None] + k, n))
            short = tuple(int((i == n).any()) for i, n in zip(index, sizes))
            volume = x
            if any(short):
                volume = fn.pad(x, ((0, 0), (0, 0)) + tuple((0, e) for e in short), value=_lowest(x.dtype))
            od, oh, ow = outs
            kd, kh, kw = (i.shape[1] for i in index)
            planes = index[0].reshape(od, 1, 1, kd, 1, 1)
            rows = index[1].reshape(1, oh, 1, 1, kh, 1)
            cols = index[2].reshape(1, 1, ow, 1, 1, kw)
            # (shape constants: am.compile keeps them in its tape, keyed by the shapes)
            windows = volume[:, :, engine.shape_constant(planes), engine.shape_constant(rows),
                             engine.shape_constant(cols)]
            out = windows.max(axis=(5, 6, 7))
            if with_indices:
                D, H, W = sizes
                inside = np.broadcast_to((planes < D) & (rows < H) & (cols < W), outs + (kd, kh, kw))
                flat = np.broadcast_to(np.where(inside, (planes * H + rows) * W + cols, 0), inside.shape)
                indices = _first_max_flat(windows, out, inside, flat)
        if not with_indices:
            return out.reshape(out.shape[1:]) if unbatched else out
        if unbatched:
            return out.reshape(out.shape[1:]), indices.reshape(indices.shape[1:])
        return out, indices


def max_unpool3d(
    x: Any,
    indices: Any,
    kernel_size: int | tuple[int, int, int],
    stride: int | tuple[int, int, int] | None = None,
    padding: int | tuple[int, int, int] = 0,
    output_size: Any = None,
) -> Tensor:
    """max_pool3d's partial inverse, as PyTorch's: (N, C, D, H, W) -> (N, C, Dout, Hout, Wout)
    (or without N).

    indices (integers, x's shape; max_pool3d(..., return_indices=True)'s) give each entry's
    flat position z*Hout*Wout + y*Wout + x in its output volume; the output is zeros with x
    written there: out[n, c].flat[indices[n, c, i, j, l]] = x[n, c, i, j, l], the last entry
    in x's row-major order winning where indices repeat (PyTorch's CPU loop).
    Dout = (D - 1)*s - 2p + kd (stride defaults to kernel_size; Hout, Wout alike), or
    output_size ((Dout, Hout, Wout) or (N, C, Dout, Hout, Wout), each within a stride of
    that). Out-of-range indices raise a ValueError. Differentiable in x as max_unpool2d (a
    gather: an overwritten entry gets no gradient).
    """
    where = "max_unpool3d"
    with engine.scope(where):
        x, unbatched, given = _volumes(x, where)
        indices = _unpool_indices(indices, given, where)
        kernel = _triple(kernel_size, "kernel_size", where, 1)
        stride_ = kernel if stride is None else _triple(stride, "stride", where, 1)
        pad = _triple(padding, "padding", where, 0)
        outs = _unpool_size(where, given, kernel, stride_, pad, output_size)
        N, C, D, H, W = x.shape
        L, n = D * H * W, outs[0] * outs[1] * outs[2]
        _check_unpool_range(indices, n, f"an output volume of size {outs}", where)
        flat = _unpool_flat(x.reshape(N, C, L), P.reshape.apply(indices, shape=(N, C, L)), n)
        out = flat.reshape((N, C) + outs)
        return out.reshape(out.shape[1:]) if unbatched else out
