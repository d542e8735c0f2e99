"""Embeddings: embedding (the weight's rows picked by index) and one_hot."""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import engine
from ... import primitives as P
from ...functions import as_tensor
from ...tensor import Tensor
from ._args import _int


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
