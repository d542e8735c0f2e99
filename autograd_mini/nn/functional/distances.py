"""Distances and similarities of vectors (PyTorch's): normalize, cosine_similarity,
pairwise_distance. Vectors lie along one axis of tensors that broadcast together."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ... import engine
from ... import functions as fn
from ...functions import as_tensor
from ...tensor import Tensor, _is_index
from ._args import _number


def _broadcast(where: str, **named: Tensor) -> tuple:
    """The common shape of the named tensors under numpy's broadcasting, or a ValueError
    naming the op and every shape."""
    try:
        return np.broadcast_shapes(*(t.shape for t in named.values()))
    except ValueError:
        shapes = ", ".join(f"{k} of shape {t.shape}" for k, t in named.items())
        raise ValueError(f"{where}: {shapes} do not broadcast together") from None


def _vectors(x: Any) -> Tensor:
    """x as a floating tensor (integers in the default float dtype); complex refused by the caller."""
    return fn._floating(as_tensor(x))


def _order(p: Any, where: str) -> float:
    """A norm's order p: a number >= 0 or inf (0 counts the nonzero entries)."""
    p = _number(p, "p", where)
    if not p >= 0:  # (NaN too)
        raise ValueError(f"{where}: p must be a number >= 0 or inf, got {p!r}")
    return p


def _eps(eps: Any, where: str) -> float:
    eps = _number(eps, "eps", where)
    if not 0.0 <= eps < math.inf:
        raise ValueError(f"{where}: eps must be a finite number >= 0, got {eps!r}")
    return eps


def _axis(dim: Any, shape: tuple, where: str) -> int:
    if not _is_index(dim):
        raise TypeError(f"{where}: dim must be an int, got {dim!r}")
    n = max(len(shape), 1)
    if not -n <= dim < n:
        raise ValueError(f"{where}: dim {dim} is out of range for shape {shape}")
    return int(dim) % n


def _real(x: Tensor, where: str) -> None:
    if x.dtype.kind == "c":
        raise TypeError(f"{where}: complex input (dtype {x.dtype}, shape {x.shape}) is not supported")


def _norm(x: Tensor, p: float, axis: int, keepdims: bool) -> Tensor:
    """The p-norm along axis (of a 0-d x, |x|): am.norm, whose gradient at a zero vector is 0."""
    if x.ndim == 0:
        x = x.reshape(1)
        return fn.norm(x, p, 0, keepdims=False)
    return fn.norm(x, p, axis, keepdims=keepdims)


def normalize(input: Any, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """input / max(||input||_p, eps) along dim (PyTorch's F.normalize); input's shape.

    The p-norm is taken over axis `dim` (default 1, PyTorch's: a 1-D input needs dim=0
    or -1) and kept for broadcasting; p >= 0 or inf. A zero vector gives zeros, not
    NaN, and the gradient there is 1/eps times the incoming one (the norm's gradient at
    0 is taken as 0, as PyTorch's). The gradient is that of max(norm, eps), exact on
    each side of the clamp.
    """
    with engine.scope("normalize"):
        x = _vectors(input)
        p, eps = _order(p, "normalize"), _eps(eps, "normalize")
        _real(x, "normalize")
        axis = _axis(dim, x.shape, "normalize")
        if x.ndim == 0:
            return x / fn.maximum(abs(x) if p else (x != 0).astype(x.dtype), eps)
        return x / fn.maximum(_norm(x, p, axis, keepdims=True), eps)


def cosine_similarity(x1: Any, x2: Any, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """sum over dim of (x1 / max(||x1||, eps)) * (x2 / max(||x2||, eps)), PyTorch 2.x's formula.

    x1 and x2 broadcast to a common shape S (numpy's rules); dim (default 1) is an axis of
    S; the result has S without that axis. Each vector is divided by its own clamped
    2-norm before the product, so the result stays in [-1, 1] and a zero vector gives 0
    (not NaN). Gradients are those of this formula with max(norm, eps) differentiated
    exactly (PyTorch lets the clamp pass the norm's gradient through where 0 < ||x|| < eps,
    so the two differ only there).
    """
    with engine.scope("cosine_similarity"):
        a, b = _vectors(x1), _vectors(x2)
        eps = _eps(eps, "cosine_similarity")
        _real(a, "cosine_similarity"), _real(b, "cosine_similarity")
        shape = _broadcast("cosine_similarity", x1=a, x2=b)
        axis = _axis(dim, shape, "cosine_similarity")
        if len(shape) == 0:
            a, b, shape = a.reshape(1), b.reshape(1), (1,)
        if a.shape != shape:
            a = a.broadcast_to(shape)
        if b.shape != shape:
            b = b.broadcast_to(shape)
        ua = a / fn.maximum(_norm(a, 2, axis, keepdims=True), eps)
        ub = b / fn.maximum(_norm(b, 2, axis, keepdims=True), eps)
        return (ua * ub).sum(axis)


def pairwise_distance(x1: Any, x2: Any, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """||x1 - x2 + eps||_p along the last axis (PyTorch's F.pairwise_distance).

    x1 and x2 broadcast to a common shape S (numpy's rules; PyTorch's usual (N, D) and
    (N, D), or (D,) against (N, D)); the result has S without its last axis (kept with
    length 1 if keepdim; a 0-d S gives |x1 - x2 + eps|). p >= 0 or inf (p = 0 counts
    the nonzero entries, without gradient). eps keeps the 2-norm's gradient finite
    where x1 == x2 (and am.norm's gradient at an exactly zero vector is 0).
    """
    with engine.scope("pairwise_distance"):
        a, b = _vectors(x1), _vectors(x2)
        p, eps = _order(p, "pairwise_distance"), _eps(eps, "pairwise_distance")
        if not isinstance(keepdim, (bool, np.bool_)):
            raise TypeError(f"pairwise_distance: keepdim must be a bool, got {keepdim!r}")
        _real(a, "pairwise_distance"), _real(b, "pairwise_distance")
        shape = _broadcast("pairwise_distance", x1=a, x2=b)
        d = a - b + eps
        if len(shape) == 0:
            out = _norm(d, p, 0, keepdims=False)
            return out.reshape(1) if keepdim else out
        return _norm(d, p, len(shape) - 1, keepdims=bool(keepdim))


_CDIST_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist")


def cdist(x1: Any, x2: Any, p: float = 2.0,
          compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """The p-norm distance between every row of x1 and every row of x2 (torch.cdist).

    x1 (*B1, P, M) and x2 (*B2, R, M), with at least 2 dimensions each and batch shapes B1
    and B2 that broadcast (numpy's rules) to B; returns (*B, P, R) with
    out[..., i, j] = ||x1[..., i, :] - x2[..., j, :]||_p. p >= 0 or inf (p = 0 counts the
    differing entries, without gradient). Always computed from the differences (no
    ||a||^2 + ||b||^2 - 2 a.b shortcut: compute_mode, one of PyTorch's three, is accepted
    and changes nothing), so a zero distance is exactly 0 and its gradient is 0 (am.norm's
    choice at a zero vector, PyTorch's for p = 2), first and second order, never NaN. (For
    0 < p < 1 a pair at a nonzero distance that agrees in one coordinate has a cusp of
    infinite slope there: its gradient at that entry is 0, am.norm's and PyTorch's.)
    Memory is that of the (*B, P, R, M) differences.
    """
    with engine.scope("cdist"):
        a, b = _vectors(x1), _vectors(x2)
        p = _order(p, "cdist")
        if not isinstance(compute_mode, str) or compute_mode not in _CDIST_MODES:
            raise ValueError(f"cdist: compute_mode must be one of {_CDIST_MODES}, got {compute_mode!r}")
        _real(a, "cdist"), _real(b, "cdist")
        if a.ndim < 2 or b.ndim < 2:
            raise ValueError(
                f"cdist: x1 and x2 need at least 2 dimensions (..., rows, features), got x1 of shape "
                f"{a.shape} and x2 of shape {b.shape}")
        if a.shape[-1] != b.shape[-1]:
            raise ValueError(
                f"cdist: x1 and x2 must have the same number of columns (features), got x1 of shape "
                f"{a.shape} and x2 of shape {b.shape}")
        try:
            batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ValueError:
            raise ValueError(
                f"cdist: the batch shapes of x1 of shape {a.shape} and x2 of shape {b.shape} do not "
                "broadcast together") from None
        d = a.unsqueeze(-2) - b.unsqueeze(-3)  # (*B, P, R, M)
        if d.shape[:-3] != batch:  # (x1 and x2 both without batch axes against one with)
            d = d.broadcast_to(batch + d.shape[-3:])
        if d.shape[-1] == 0:
            return (d.sum(-1) * 0.0)
        return fn.norm(d, p, -1)


def pdist(input: Any, p: float = 2.0) -> Tensor:
    """The p-norm distance between every pair of rows of input (PyTorch's F.pdist).

    input (N, M); returns (N * (N - 1) / 2,), the distances ||x_i - x_j||_p for i < j in
    row-major order (the upper triangle of cdist(x, x) without its diagonal). p >= 0 or
    inf. A zero distance (equal rows) has gradient 0, never NaN (for 0 < p < 1, see cdist).
    """
    with engine.scope("pdist"):
        x = _vectors(input)
        p = _order(p, "pdist")
        _real(x, "pdist")
        if x.ndim != 2:
            raise ValueError(f"pdist: input must have 2 dimensions (N, M), got shape {x.shape}")
        n = x.shape[0]
        if n < 2:
            d = x[:0]
        else:  # (row i against rows i+1..n-1: slices, so am.compile replays it)
            d = fn.concatenate([x[i: i + 1] - x[i + 1:] for i in range(n - 1)], axis=0)
        if d.shape[-1] == 0 or d.shape[0] == 0:
            return d.sum(-1) * 0.0
        return fn.norm(d, p, -1)
