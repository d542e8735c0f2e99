"""The 1-D companions of conv1d, as PyTorch's: max_pool1d, avg_pool1d, adaptive_avg_pool1d,
adaptive_max_pool1d, max_unpool1d, conv_transpose1d and dropout1d.

Each reads x (N, C, L) (or one sequence (C, L)) as images one pixel high, (N, C, 1, L),
and calls its 2-D version with a kernel 1 high (stride 1, no padding along the height),
so its gradients of every order are the 2-D op's: no backward code of its own. Every
argument and shape is checked here first, in 1-D terms, so an error names the 1-D op
and the caller's shapes (not the 2-D call it makes), before anything is recorded.
"""

from __future__ import annotations

from typing import Any

from ... import engine
from ...functions import as_tensor
from ...tensor import Tensor, _flag, _is_index
from ._args import _bias, _inplace_call, _int, _single
from .conv import _check_length, _check_transpose_groups, conv_transpose2d
from .pooling import (_check_unpool_range, _unpool_indices, adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d,
                      max_pool2d, max_unpool2d)
from .regularization import _drop, _dropout_p


def _sequences(x: Any, where: str) -> tuple[Tensor, tuple]:
    """x as a tensor, and its shape, which must be (N, C, L) or (C, L)."""
    x = as_tensor(x)
    if x.ndim not in (2, 3):
        raise ValueError(f"{where}: expected input of shape (N, C, L) or (C, L), got {x.shape}")
    return x, tuple(x.shape)


def _as_images(x: Tensor, given: tuple) -> Tensor:
    """(N, C, L) or (C, L) as (N, C, 1, L) (N = 1 for one sequence)."""
    return x.reshape((1,) * (3 - len(given)) + given[:-1] + (1, given[-1]))


def _back(out: Tensor, given: tuple) -> Tensor:
    """A 2-D op's (N, C', 1, L') as the caller's (N, C', L') (or (C', L'))."""
    return out.reshape(out.shape[3 - len(given):2] + out.shape[3:])


def _pool1d_args(x: Any, kernel_size: Any, stride: Any, padding: Any, dilation: Any, ceil_mode: Any,
                 where: str) -> tuple[Tensor, tuple, int, int, int, int, bool]:
    """The checked arguments of max_pool1d and avg_pool1d; raise unless there is an output window.

    Without ceil_mode the dilated kernel must fit in the padded sequence; with it
    (PyTorch's rule, as max_pool2d's) OL = ceil((L + 2p - d*(k-1) - 1) / s) + 1, less
    one if that last window would start at or past L + p, and must be at least 1."""
    x, given = _sequences(x, where)
    k = _single(kernel_size, "kernel_size", where, 1)
    s = k if stride is None else _single(stride, "stride", where, 1)
    p = _single(padding, "padding", where, 0)
    d = _single(dilation, "dilation", where, 1)
    ceil = _flag(ceil_mode, "ceil_mode", where)
    if p > k // 2:
        raise ValueError(f"{where}: padding {p} must be at most half the kernel size {k}")
    if not ceil:
        _check_length(where, given, (p, p), k, d)
    else:
        L, span = given[-1], d * (k - 1) + 1
        out = -((span - L - 2 * p) // s) + 1
        if (out - 1) * s >= L + p:
            out -= 1
        if out < 1:
            raise ValueError(
                f"{where}: input of shape {given} is too small for the kernel {k} with stride {s}, "
                f"padding {p}, dilation {d} and ceil_mode=True (no output window)"
            )
    return x, given, k, s, p, d, ceil


def max_pool1d(
    x: Any,
    kernel_size: int | tuple[int],
    stride: int | tuple[int] | None = None,
    padding: int | tuple[int] = 0,
    dilation: int | tuple[int] = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """Maximum over windows of k entries: (N, C, L) -> (N, C, OL) (or (C, L) -> (C, OL)).

    out[n, c, i] = max_j xpad[n, c, i*s + j*d], j < k, xpad padded with p entries of
    -inf each side (p at most k // 2); stride s defaults to k;
    OL = (L + 2p - d*(k-1) - 1) // s + 1, or with ceil_mode PyTorch's rule (a last,
    partial window kept if it starts inside the sequence or the left padding).
    Ties share the gradient equally, as max_pool2d (whose math this is, on x as
    (N, C, 1, L)). return_indices=True returns (out, indices): int64 of out's shape,
    the position in [0, L) of each window's maximum (PyTorch's: the first maximum,
    the last NaN, never the padding), which F.max_unpool1d takes back.
    """
    with engine.scope("max_pool1d"):
        return _max_pool1d(x, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool1d")


def _max_pool1d(x: Any, kernel_size: Any, stride: Any, padding: Any, dilation: Any, ceil_mode: Any,
                return_indices: Any, where: str) -> Tensor | tuple[Tensor, Tensor]:
    with_indices = _flag(return_indices, "return_indices", where)
    x, given, k, s, p, d, ceil = _pool1d_args(x, kernel_size, stride, padding, dilation, ceil_mode, where)
    out = max_pool2d(_as_images(x, given), (1, k), (1, s), (0, p), (1, d), ceil, with_indices)
    if with_indices:
        return _back(out[0], given), _back(out[1], given)
    return _back(out, given)


def avg_pool1d(
    x: Any,
    kernel_size: int | tuple[int],
    stride: int | tuple[int] | None = None,
    padding: int | tuple[int] = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """Mean over windows of k entries: (N, C, L) -> (N, C, OL) (or (C, L) -> (C, OL)).

    out[n, c, i] = sum_{j<k} xpad[n, c, i*s + j] / count, xpad padded with p zeros each
    side (p at most k // 2); stride s defaults to k; OL as max_pool1d's (dilation 1).
    count is k with count_include_pad (PyTorch's default), else the window's entries
    inside the sequence; a ceil_mode window reaching past the padding never counts
    that part. The math is avg_pool2d's, on x as (N, C, 1, L).
    """
    with engine.scope("avg_pool1d"):
        return _avg_pool1d(x, kernel_size, stride, padding, ceil_mode, count_include_pad, "avg_pool1d")


def _avg_pool1d(x: Any, kernel_size: Any, stride: Any, padding: Any, ceil_mode: Any, count_include_pad: Any,
                where: str) -> Tensor:
    include_pad = _flag(count_include_pad, "count_include_pad", where)
    x, given, k, s, p, _, ceil = _pool1d_args(x, kernel_size, stride, padding, 1, ceil_mode, where)
    return _back(avg_pool2d(_as_images(x, given), (1, k), (1, s), (0, p), ceil, include_pad), given)


def _adaptive_args(x: Any, output_size: Any, where: str) -> tuple[Tensor, tuple, int]:
    """x, its shape, and the output length: an int >= 0 or a tuple of one (as PyTorch, not None)."""
    one = output_size[0] if isinstance(output_size, (tuple, list)) and len(output_size) == 1 else output_size
    if not _is_index(one):
        raise TypeError(f"{where}: output_size must be an int or a tuple of one int, got {output_size!r}")
    if one < 0:
        raise ValueError(f"{where}: output_size must be non-negative, got {output_size!r}")
    x, given = _sequences(x, where)
    if given[-1] == 0:
        raise ValueError(f"{where}: expected an input with a non-zero length, got shape {given}")
    return x, given, int(one)


def adaptive_avg_pool1d(x: Any, output_size: int | tuple[int]) -> Tensor:
    """Mean over adaptive bins: (N, C, L) -> (N, C, OL) (or (C, L) -> (C, OL)), as PyTorch's.

    output_size OL: an int or a tuple of one. Output entry i averages the input
    entries floor(i*L/OL) to ceil((i+1)*L/OL) - 1 (bins overlap when OL does not
    divide L). The math is adaptive_avg_pool2d's, on x as (N, C, 1, L).
    """
    with engine.scope("adaptive_avg_pool1d"):
        return _adaptive_avg_pool1d(x, output_size, "adaptive_avg_pool1d")


def _adaptive_avg_pool1d(x: Any, output_size: Any, where: str) -> Tensor:
    x, given, ol = _adaptive_args(x, output_size, where)
    return _back(adaptive_avg_pool2d(_as_images(x, given), (1, ol)), given)


def adaptive_max_pool1d(
    x: Any, output_size: int | tuple[int], return_indices: bool = False
) -> Tensor | tuple[Tensor, Tensor]:
    """Maximum over adaptive bins: (N, C, L) -> (N, C, OL) (or (C, L) -> (C, OL)), as PyTorch's.

    Bins and output_size as adaptive_avg_pool1d; ties share the gradient equally.
    return_indices=True returns (out, indices): int64 of out's shape, the position
    in [0, L) of each bin's maximum (the first maximum, the last NaN). The math is
    adaptive_max_pool2d's, on x as (N, C, 1, L).
    """
    with engine.scope("adaptive_max_pool1d"):
        return _adaptive_max_pool1d(x, output_size, return_indices, "adaptive_max_pool1d")


def _adaptive_max_pool1d(x: Any, output_size: Any, return_indices: Any, where: str) -> Tensor | tuple:
    with_indices = _flag(return_indices, "return_indices", where)
    x, given, ol = _adaptive_args(x, output_size, where)
    out = adaptive_max_pool2d(_as_images(x, given), (1, ol), with_indices)
    if with_indices:
        return _back(out[0], given), _back(out[1], given)
    return _back(out, given)


def max_unpool1d(
    x: Any,
    indices: Any,
    kernel_size: int | tuple[int],
    stride: int | tuple[int] | None = None,
    padding: int | tuple[int] = 0,
    output_size: Any = None,
) -> Tensor:
    """max_pool1d's partial inverse, as PyTorch's: (N, C, L) -> (N, C, Lout) (or (C, L) -> (C, Lout)).

    indices (integers, x's shape; max_pool1d(..., return_indices=True)'s) give each
    entry's position in [0, Lout); the output is zeros with x written there:
    out[n, c, indices[n, c, i]] = x[n, c, i] (the last such i in x's order wins
    where indices repeat). Lout = (L - 1)*s - 2p + k (stride s defaults to k), or
    output_size: (Lout,) or (N, C, Lout), within a stride of that, as PyTorch.
    The gradient at x[n, c, i] is out's at indices[n, c, i] (zero where another
    entry overwrites it). The math is max_unpool2d's, on x as (N, C, 1, L).
    """
    with engine.scope("max_unpool1d"):
        return _max_unpool1d(x, indices, kernel_size, stride, padding, output_size, "max_unpool1d")


def _max_unpool1d(x: Any, indices: Any, kernel_size: Any, stride: Any, padding: Any, output_size: Any,
                  where: str) -> Tensor:
    x, given = _sequences(x, where)
    indices = _unpool_indices(indices, given, where)
    k = _single(kernel_size, "kernel_size", where, 1)
    s = k if stride is None else _single(stride, "stride", where, 1)
    p = _single(padding, "padding", where, 0)
    default = (given[-1] - 1) * s - 2 * p + k
    if output_size is None:
        lout = default
    else:
        if isinstance(output_size, Tensor) or not isinstance(output_size, (tuple, list)) \
                or not all(_is_index(v) for v in output_size):
            raise TypeError(f"{where}: output_size must be a tuple of ints, got {output_size!r}")
        if len(output_size) not in (1, 3):
            raise ValueError(f"{where}: output_size must have 1 or 3 entries ((Lout,) or (N, C, Lout)), "
                             f"got {tuple(output_size)} for input of shape {given}")
        lout = int(output_size[-1])
        if not default - s < lout < default + s:
            raise ValueError(
                f"{where}: output_size {tuple(output_size)} is inconsistent with input of shape {given}, "
                f"kernel_size {k}, stride {s} and padding {p}: Lout must be between {default - s} and "
                f"{default + s} (exclusive)")
    if lout < 1:
        raise ValueError(f"{where}: input of shape {given} with kernel_size {k}, stride {s} and padding {p} "
                         f"unpools to an empty output (length {lout})")
    _check_unpool_range(indices, lout, f"an output of length {lout}", where)
    x4 = _as_images(x, given)
    index4 = indices.reshape(x4.shape)
    return _back(max_unpool2d(x4, index4, (1, k), (1, s), (0, p), (1, lout)), given)


def conv_transpose1d(
    x: Any,
    weight: Any,
    bias: Any = None,
    stride: int | tuple[int] = 1,
    padding: int | tuple[int] = 0,
    output_padding: int | tuple[int] = 0,
    groups: int = 1,
    dilation: int | tuple[int] = 1,
) -> Tensor:
    """1-D transposed convolution, as PyTorch's conv_transpose1d (argument order included).

    x (N, C, L) or (C, L); weight (C, O/groups, k) (input channels first); bias (O,).
    Each input entry scatters its kernel-weighted copy into the output:
    out[n, g*O/groups + o, i*s - p + j*d] += x[n, c, i] * W[c, o, j] for c in group g,
    plus bias[o], giving (N, O, OL) (or (O, OL)) with
    OL = (L - 1)*s - 2p + d*(k - 1) + output_padding + 1; output_padding must be
    smaller than the stride or the dilation. It is the adjoint of conv1d's map of its
    input (conv1d's input gradient). The math is conv_transpose2d's, on x as
    (N, C, 1, L) and the kernel as (C, O/groups, 1, k).
    """
    where = "conv_transpose1d"
    with engine.scope(where):
        x, given = _sequences(x, where)
        weight = as_tensor(weight)
        if weight.ndim != 3 or weight.shape[2] == 0:
            raise ValueError(f"{where}: weight must have shape (C, O/groups, k) with k >= 1, got {weight.shape}")
        G = _int(groups, "groups", where, 1)
        Cw, Og, k = weight.shape
        C, L = given[-2:]
        _check_transpose_groups(where, given, weight.shape, C, G, "(C, O/groups, k)")
        s = _single(stride, "stride", where, 1)
        p = _single(padding, "padding", where, 0)
        d = _single(dilation, "dilation", where, 1)
        op = _single(output_padding, "output_padding", where, 0)
        if op >= s and op >= d:
            raise ValueError(f"{where}: output_padding {op} must be smaller than either stride {s} "
                             f"or dilation {d}")
        OL = (L - 1) * s - 2 * p + d * (k - 1) + op + 1
        if L < 1 or OL < 1:
            raise ValueError(f"{where}: input of shape {given} with weight {weight.shape}, stride {s}, "
                             f"padding {p}, output_padding {op} and dilation {d} gives an output of "
                             f"length {OL}: too small")
        bias = _bias(bias, Og * G, where)
        out = conv_transpose2d(_as_images(x, given), weight.reshape(Cw, Og, 1, k), bias, (1, s), (0, p),
                               (0, op), G, (1, d))
        return _back(out, given)


def dropout1d(x: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Channel-wise dropout of x (N, C, L) or (C, L), as PyTorch's: zero each whole channel
    x[n, c] (or x[c]) with probability p and scale the rest by 1/(1-p); x's shape.
    Eval (training=False) is the identity. The mask, (N, C, 1) or (C, 1), comes from
    the library generator (am.manual_seed), as dropout's. inplace as dropout's.
    """
    if inplace is not False:
        return _inplace_call(dropout1d, x, inplace, "dropout1d", p, training)
    with engine.scope("dropout1d"):
        x = as_tensor(x)
        p = _dropout_p(p, "dropout1d")
        if x.ndim not in (2, 3):
            raise ValueError(f"dropout1d: expected input of shape (N, C, L) or (C, L), got shape {x.shape}")
        if not _flag(training, "training", "dropout1d") or p == 0.0:
            return x
        return _drop(x, p, x.shape[:-1] + (1,), "dropout1d")
