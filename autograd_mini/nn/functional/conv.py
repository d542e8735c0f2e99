"""Convolutions: conv2d, conv1d and conv_transpose2d.

conv2d and conv1d read sliding windows with `P.unfold` (a strided view), then
contract the windows with the kernel in one matrix product; conv_transpose2d
is that map's adjoint (one matrix product, then fold, unfold's VJP)."""

from __future__ import annotations

from typing import Any

from ... import engine
from ... import functions as fn
from ... import primitives as P
from ...functions import as_tensor
from ...tensor import Tensor
from ._args import _bias, _check_fits, _images, _int, _pair, _single


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



def _check_groups(op: str, given: tuple, wshape: tuple, C: int, G: int) -> None:
    """groups G divides the input channels C and the output channels O = wshape[0], and
    the weight (O, C/G, ...) takes C/G of them."""
    O, Cg = wshape[0], wshape[1]
    if C % G or O % G:
        raise ValueError(
            f"{op}: groups={G} must divide both the input channels {C} (input {given}) "
            f"and the output channels {O} (weight {wshape})"
        )
    if Cg * G != C:
        raise ValueError(
            f"{op}: input of shape {given} has {C} channels, but weight of shape "
            f"{wshape} with groups={G} expects {Cg * G}"
        )

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
        _check_groups("conv2d", given, weight.shape, C, G)
        stride_ = _pair(stride, "stride", "conv2d", 1)
        dilation_ = _pair(dilation, "dilation", "conv2d", 1)
        pads = _conv_padding(padding, (kh, kw), dilation_, stride_)
        _check_fits("conv2d", given, pads, (kh, kw), dilation_)
        bias = _bias(bias, O, "conv2d")
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
        _check_groups("conv1d", given, weight.shape, C, G)
        s = _single(stride, "stride", "conv1d", 1)
        d = _single(dilation, "dilation", "conv1d", 1)
        pads = _conv1d_padding(padding, k, d, s, "conv1d")
        _check_length("conv1d", given, pads, k, d)
        bias = _bias(bias, O, "conv1d")
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
    return _output_padding_fits(_pair(output_padding, "output_padding", where, 0), stride, dilation, where)


def _output_padding_fits(op: tuple, stride: tuple, dilation: tuple, where: str) -> tuple:
    """op (output_padding as a tuple, one per spatial dim) if each entry is below its stride
    or its dilation (as PyTorch); the transposed convolution layers' and conv_transpose2d/3d's
    check (one spatial dim: the message shows plain ints, as conv_transpose1d's)."""
    if any(o >= s and o >= d for o, s, d in zip(op, stride, dilation)):
        if len(op) == 1:
            raise ValueError(f"{where}: output_padding {op[0]} must be smaller than either stride {stride[0]} "
                             f"or dilation {dilation[0]}")
        raise ValueError(
            f"{where}: output_padding {op} must be smaller than either stride {stride} or "
            f"dilation {dilation} in each dimension"
        )
    return op


def _check_transpose_groups(where: str, given: tuple, wshape: tuple, C: int, G: int, layout: str) -> None:
    """A transposed convolution's weight (C, O/groups, *kernel), `layout` naming its axes:
    groups G divides its input channels, which are the input's C."""
    Cw = wshape[0]
    if Cw % G:
        raise ValueError(f"{where}: groups={G} must divide the input channels {Cw} of weight {wshape} {layout}")
    if C != Cw:
        raise ValueError(f"{where}: input of shape {given} has {C} channels, but weight of shape "
                         f"{wshape} {layout} expects {Cw}")


def _transpose_sizes(where: str, given: tuple, wshape: tuple, sizes: tuple, stride: tuple, pad: tuple,
                     op: tuple, dilation: tuple) -> tuple[tuple, tuple]:
    """A transposed convolution's sizes per axis: the full scatter (n - 1)*s + d*(k - 1) + 1
    that fold fills, and the output, that less 2p plus op; refused when an input or an
    output size is below 1."""
    full = tuple((n - 1) * s + d * (k - 1) + 1 for n, s, d, k in zip(sizes, stride, dilation, wshape[2:]))
    outs = tuple(f - 2 * p + o for f, p, o in zip(full, pad, op))
    if min(sizes) < 1 or min(outs) < 1:
        raise ValueError(
            f"{where}: input of shape {given} with weight {wshape}, stride {stride}, "
            f"padding {pad}, output_padding {op} and dilation {dilation} gives an output "
            f"of size {outs}: too small"
        )
    return full, outs


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
        Og, kh, kw = weight.shape[1:]
        _check_transpose_groups(where, given, weight.shape, C, G, "(C, O/groups, kh, kw)")
        O, Cg = Og * G, C // G
        stride_ = _pair(stride, "stride", where, 1)
        dilation_ = _pair(dilation, "dilation", where, 1)
        pad = _pair(padding, "padding", where, 0)
        op = _output_padding(output_padding, stride_, dilation_, where)
        full, (OH, OW) = _transpose_sizes(where, given, weight.shape, (H, W), stride_, pad, op, dilation_)
        bias = _bias(bias, O, where)

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
