"""Embeddings: embedding (the weight's rows picked by index), embedding_bag (bags of
them summed, averaged or maxed) and one_hot."""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import engine
from ... import primitives as P
from ...functions import as_tensor
from ...tensor import Tensor, _flag
from ._args import _int, _number


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


def _renorm_(weight: Tensor, idx: np.ndarray, max_norm: float, norm_type: float, where: str = "embedding") -> None:
    """PyTorch's embedding_renorm_: each row of weight (V, D) that idx picks and whose
    norm_type norm exceeds max_norm is scaled in place by max_norm / (norm + 1e-7).
    Only those rows are written (work of the picked rows' size, not the table's); the
    change is stamped, not recorded: the gradient is the lookup's, as PyTorch's, and a
    graph that kept the old array refuses to backward."""
    rows = np.unique(idx)
    if not rows.size:
        return
    norms = np.linalg.norm(weight.data[rows], ord=norm_type, axis=1)
    over = norms > max_norm
    if not over.any():
        return
    if not weight.data.flags.writeable:
        raise RuntimeError(f"{where}: max_norm renormalises the picked rows of weight in place, but "
                           f"weight's array (shape {weight.shape}) is read-only; pass a writeable copy")
    weight.data[rows[over]] *= (max_norm / (norms[over] + 1e-7)).astype(weight.dtype)[:, None]
    engine.changed_in_place(weight.data, f"{where}'s max_norm renorm")


def _max_norm_args(weight: Tensor, max_norm: Any, norm_type: Any, scale_grad_by_freq: bool,
                   where: str) -> tuple[float | None, float]:
    """embedding's and embedding_bag's checks of max_norm (None or a positive number),
    norm_type (not NaN) and the weight a renorm writes to (a leaf); neither option under
    am.compile."""
    if max_norm is not None:
        max_norm = _number(max_norm, "max_norm", where)
        if not max_norm > 0:
            raise ValueError(f"{where}: max_norm must be a positive number, got {max_norm!r}")
        norm_type = _number(norm_type, "norm_type", where)
        if norm_type != norm_type:  # (NaN norms never exceed max_norm: nothing would be renormalised)
            raise ValueError(f"{where}: norm_type must be a number, not NaN (weight of shape {weight.shape})")
        if weight.grad_fn is not None:
            raise ValueError(f"{where}: max_norm renormalises the rows of weight in place, so weight "
                             f"(shape {weight.shape}) must be a leaf tensor, not the result of an operation")
    if engine.tracers and (max_norm is not None or scale_grad_by_freq):
        raise RuntimeError(f"{where}: max_norm and scale_grad_by_freq depend on the indices' values, "
                           "which a compiled replay would not look at again; call it outside am.compile")
    return max_norm, norm_type


def _freq_scaled(rows: Tensor, weight: Tensor, scale: np.ndarray) -> Tensor:
    """rows (..., D) = weight[idx] with the same values bit for bit and the gradient of
    each row times scale (idx's shape): c - (c - rows) * scale, c the rows' values with
    non-finite entries 0 (a constant; c - rows is +0 where finite, so -0.0 stays -0.0;
    inf and NaN come through (0 - rows) * scale, with no inf - inf)."""
    with engine.no_grad():
        frozen = rows.detach().data
    c = np.where(np.isfinite(frozen), frozen, 0).astype(weight.dtype, copy=False)
    return c - (c - rows) * scale.astype(weight.dtype)[..., None]


def _inverse_counts(idx: np.ndarray) -> np.ndarray:
    """1 / (the number of times idx holds each entry's index), of idx's shape."""
    _, inverse, counts = np.unique(idx, return_inverse=True, return_counts=True)
    return 1.0 / counts[inverse.reshape(idx.shape)]


def embedding(input: Any, weight: Any, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Look up rows of `weight`: input S (integers), weight (V, D) -> S + (D,).

    out[s] = weight[input[s]], with V = num_embeddings, D = embedding_dim.

    A row picked several times gets the sum of their gradients (getitem's VJP
    adds repeats). The row padding_idx (negative counts from the end) is
    returned as it is but gets no gradient, as PyTorch. Indices outside
    [0, num_embeddings) raise IndexError.

    As PyTorch's: max_norm (a positive number) first scales, in place, each picked
    row whose norm_type norm exceeds it by max_norm / (norm + 1e-7) (weight must be a
    leaf; the gradient is the lookup's); scale_grad_by_freq divides each row's gradient
    by the number of times input picks it (the values are unchanged). sparse=True
    (sparse gradients) is not offered. am.compile refuses max_norm and
    scale_grad_by_freq (both depend on the indices' values).
    """
    with engine.scope("embedding"):
        weight = as_tensor(weight)
        if weight.ndim != 2:
            raise ValueError(f"embedding: weight must have shape (num_embeddings, embedding_dim), got {weight.shape}")
        if sparse is not False:
            raise ValueError("embedding: sparse gradients are not offered (sparse=False computes the same "
                             "gradient, dense)")
        scale_grad_by_freq = _flag(scale_grad_by_freq, "scale_grad_by_freq", "embedding")
        max_norm, norm_type = _max_norm_args(weight, max_norm, norm_type, scale_grad_by_freq, "embedding")
        n = weight.shape[0]
        idx = _indices(input, n, "embedding", "num_embeddings")
        if not engine.tracers:  # (a copy: the graph keeps the index, and a caller may refill it;
            idx = np.array(idx)  # am.compile recognises its argument's own array, and copies it)
        p = _padding_idx(padding_idx, n, "embedding")
        if max_norm is not None:
            _renorm_(weight, idx, max_norm, norm_type)
        out = weight[idx]
        frozen = None
        if (p is not None or scale_grad_by_freq) and weight.requires_grad:
            with engine.no_grad():
                frozen = weight[idx]
        if scale_grad_by_freq and frozen is not None and idx.size:
            out = _freq_scaled(out, weight, _inverse_counts(idx))  # (row gradients times 1 / count)
        if p is not None and frozen is not None:
            # the rows picked at the padding positions enter as values without gradient
            # (where's VJP gives them 0), so row p gets none: ops of the output's size,
            # not of the whole table's; made of ops, so a compiled replay masks its own indices
            with engine.no_grad():
                at_padding = P.eq.apply(idx, p)[..., None]
            out = P.where.apply(at_padding, frozen, out)
        return out


_BAG_MODES = ("sum", "mean", "max")


def _bags(input: Any, offsets: Any, include_last_offset: bool) -> tuple[np.ndarray, np.ndarray]:
    """1-D indices (L,) and offsets -> the bags as a padded (B, M) index array and its
    (B, M) mask of real entries (M the longest bag, at least 1; padding slots hold 0)."""
    idx = np.asarray(input.data if isinstance(input, Tensor) else input)
    off = np.asarray(offsets.data if isinstance(offsets, Tensor) else offsets)
    L = idx.shape[0]
    if off.ndim != 1 or off.dtype.kind not in "iu":
        raise (TypeError if off.ndim == 1 else ValueError)(
            f"embedding_bag: offsets must be a 1-D integer array, got shape {off.shape}, dtype {off.dtype} "
            f"(input of shape {idx.shape})")
    if off.dtype.kind == "u" and off.size and int(off.max()) > L:
        raise ValueError(f"embedding_bag: offset {int(off.max())} is past the end of input of shape {idx.shape}")
    off = off.astype(np.int64)  # (unsigned differences would wrap: decreasing offsets passed as increasing)
    if include_last_offset and off.size == 0:
        raise ValueError("embedding_bag: include_last_offset=True needs at least one offset (the end), "
                         f"got offsets of shape {off.shape}")
    if off.size and off[0] != 0:
        raise ValueError(f"embedding_bag: offsets[0] must be 0 (the first bag starts at the first index), "
                         f"got {off[0]} (offsets of shape {off.shape})")
    if off.size > 1 and (np.diff(off) < 0).any():
        raise ValueError(f"embedding_bag: offsets must be non-decreasing, got {off.tolist()}")
    if include_last_offset and off[-1] != L:  # (PyTorch ends the last bag at L whatever it says)
        raise ValueError(f"embedding_bag: with include_last_offset=True, offsets[-1] must be the input's length {L} "
                         f"(the end of the last bag), got {off[-1]}")
    if off.size and off[-1] > L:
        raise ValueError(f"embedding_bag: offsets[-1] = {off[-1]} is past the end of input of shape {idx.shape}")
    starts = off[:-1] if include_last_offset else off
    ends = off[1:] if include_last_offset else np.append(off[1:], L)
    sizes = (ends - starts).astype(np.int64)
    M = max(int(sizes.max()) if sizes.size else 0, 1)
    mask = np.arange(M) < sizes[:, None]
    pos = np.where(mask, starts[:, None] + np.arange(M), 0)
    return pos, mask


def embedding_bag(input: Any, weight: Any, offsets: Any = None, max_norm: float | None = None,
                  norm_type: float = 2.0, scale_grad_by_freq: bool = False, *, mode: str = "mean",
                  sparse: bool = False, per_sample_weights: Any = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """Sums, means or maxima of bags of weight's rows: weight (V, D), floating point -> (B, D).

    The bags are the rows of a 2-D input (B, N) (offsets None), or slices of a 1-D
    input (L,): bag b is input[offsets[b]:offsets[b + 1]] (the last to L, or with
    include_last_offset=True offsets has B + 1 entries, the last L: anything else
    is refused, where PyTorch ends the last bag at L whatever offsets[-1] says).
    offsets must start at 0 and not decrease. For a bag of rows w_i = weight[input_i]:
    mode='sum': sum_i s_i w_i (s = per_sample_weights, of input's shape, or 1: only
    with 'sum'); 'mean': sum_i w_i / n; 'max': the elementwise max over i (its gradient
    goes to the maximum; rows tied for it share it, as am.max). Entries equal to
    padding_idx (negative counts from the end) are left out of their bag (and of n),
    as PyTorch; an empty bag gives zeros. Built as embedding on a padded (B, M)
    layout of the bags (M the longest), reduced over M: no backward code.
    A 1-D input with offsets cannot run under am.compile (the layout is read from
    the offsets' values); the 2-D form can.

    max_norm, norm_type and scale_grad_by_freq are F.embedding's (PyTorch's): max_norm
    first renormalises in place every row that input picks (padding entries too, as
    PyTorch) whose norm_type norm exceeds it; scale_grad_by_freq divides the gradient
    each lookup gives its row by the number of times input (all bags) picks that row
    (values unchanged; not with mode='max', as PyTorch; per_sample_weights' gradient is
    not scaled). Neither runs under am.compile. (PyTorch 2.13's CPU kernel divides by
    the wrong count for some inputs, pytorch/pytorch#190063; this follows its
    documentation and F.embedding.) Under create_graph the recorded derivative of the
    values is scaled too (a composite's VJP is its derivative), so a second derivative
    through scale_grad_by_freq has the scale twice where torch's hand-written double
    backward has it once (F.embedding's likewise). sparse=True is not offered.
    """
    with engine.scope("embedding_bag"):
        weight = as_tensor(weight)
        if weight.ndim != 2:
            raise ValueError(f"embedding_bag: weight must have shape (num_embeddings, embedding_dim), got {weight.shape}")
        if weight.dtype.kind != "f":  # (PyTorch's too: a sum of ints would be int, a masked one float)
            raise TypeError(f"embedding_bag: weight of shape {weight.shape} has dtype {weight.dtype}; it must be "
                            "floating point (cast with .astype(np.float32))")
        if mode not in _BAG_MODES:
            raise ValueError(f"embedding_bag: mode must be one of {_BAG_MODES}, got {mode!r}")
        if sparse is not False:
            raise ValueError("embedding_bag: sparse gradients are not offered (sparse=False computes the same "
                             "gradient, dense)")
        scale_grad_by_freq = _flag(scale_grad_by_freq, "scale_grad_by_freq", "embedding_bag")
        if scale_grad_by_freq and mode == "max":
            raise ValueError("embedding_bag: mode='max' does not support scale_grad_by_freq=True (as PyTorch): "
                             "a bag's maximum is not a count of lookups")
        max_norm, norm_type = _max_norm_args(weight, max_norm, norm_type, scale_grad_by_freq, "embedding_bag")
        n, D = weight.shape
        idx = _indices(input, n, "embedding_bag", "num_embeddings")
        p = _padding_idx(padding_idx, n, "embedding_bag")
        looked_up = idx  # (every entry, for max_norm, which writes only once all checks pass)
        freq = _inverse_counts(idx) if scale_grad_by_freq and idx.size and weight.requires_grad else None
        if per_sample_weights is not None:
            if mode != "sum":
                raise ValueError(f"embedding_bag: per_sample_weights is only supported with mode='sum', got mode={mode!r}")
            psw = as_tensor(per_sample_weights)
            if psw.shape != idx.shape:
                raise ValueError(f"embedding_bag: per_sample_weights must have input's shape {idx.shape}, got {psw.shape}")
        if idx.ndim == 2:
            if offsets is not None:
                raise ValueError(f"embedding_bag: a 2-D input (B, N), here {idx.shape}, takes no offsets "
                                 "(each row is a bag)")
            if not engine.tracers:
                idx = np.array(idx)  # (a copy, as embedding's)
            valid = None
            if idx.shape[1] == 0:  # (no entries: one masked slot, so max has something to reduce)
                idx = engine.shape_constant(np.zeros((idx.shape[0], 1), idx.dtype))
                valid = engine.shape_constant(np.zeros((idx.shape[0], 1), bool))
                if per_sample_weights is not None:
                    psw = as_tensor(engine.shape_constant(np.zeros((idx.shape[0], 1), psw.dtype)))
        elif idx.ndim == 1:
            if offsets is None:
                raise ValueError(f"embedding_bag: a 1-D input, here {idx.shape}, needs offsets (where each bag starts)")
            if engine.tracers:
                raise RuntimeError(
                    f"compile: embedding_bag of a 1-D input of shape {idx.shape} with offsets: the bags' layout "
                    "depends on the offsets' values, which a tape (made for shapes, not values) cannot replay; "
                    "pass a 2-D input (B, N), or call the function uncompiled")
            pos, valid = _bags(idx, offsets, include_last_offset)
            idx = idx[pos] if idx.size else np.zeros(pos.shape, idx.dtype)
            if freq is not None:  # (the padding slots' scales are masked out with their rows)
                freq = freq[pos]
            if per_sample_weights is not None:
                psw = psw[pos] if psw.size else as_tensor(np.zeros(pos.shape, psw.dtype))
        else:
            raise ValueError(f"embedding_bag: input must be 2-D (B, N) or 1-D with offsets, got shape {idx.shape}")
        if p is not None:
            with engine.no_grad():  # (an op on the indices, so a compiled replay masks its own)
                keep = P.ne.apply(idx, p)
            valid = keep if valid is None else P.mul.apply(keep, valid)
        if max_norm is not None:
            _renorm_(weight, looked_up, max_norm, norm_type, "embedding_bag")
        rows = weight[idx]  # (B, M, D)
        if freq is not None:
            rows = _freq_scaled(rows, weight, freq)
        if mode == "max":
            if valid is not None:
                rows = P.where.apply(P.reshape.apply(valid, shape=valid.shape + (1,)), rows, -np.inf)
            out = P.max.apply(rows, axis=1)
            if valid is not None:  # (an empty bag's max is -inf: zeros, as PyTorch)
                with engine.no_grad():
                    some = P.reshape.apply(P.max.apply(valid, axis=1), shape=(valid.shape[0], 1))
                out = P.where.apply(some, out, 0.0)
            return out
        if per_sample_weights is not None:
            rows = rows * P.reshape.apply(psw, shape=psw.shape + (1,))
        if valid is not None:
            rows = P.where.apply(P.reshape.apply(valid, shape=valid.shape + (1,)), rows, 0.0)
        out = P.sum.apply(rows, axis=1)
        if mode == "mean":
            if valid is None:
                count = idx.shape[1]
            else:
                with engine.no_grad():
                    count = P.astype.apply(P.sum.apply(valid, axis=1, keepdims=True), dtype=weight.dtype)
                    count = P.maximum.apply(count, 1.0)
            out = out / count
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
