"""Margin and embedding losses (PyTorch's): margin_ranking, hinge_embedding, soft_margin,
multilabel_soft_margin, multi_margin, triplet_margin(_with_distance), cosine_embedding. Targets of
+1 / -1 (or class labels) choose the term; hinges are relu's, whose gradient at the
corner is 0."""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import engine
from ... import functions as fn
from ... import primitives as P
from ...tensor import Tensor
from ._args import _check_reduction, _refuses_empty_mean, _number, _reduce
from .activations import logsigmoid, relu, softplus
from .distances import pairwise_distance
from .losses import _class_targets, _class_weight, _elementwise_weight, _flag, _floats, _weight_in


def _same_ndim(where: str, **named: Tensor) -> None:
    if len({t.ndim for t in named.values()}) > 1:
        shapes = ", ".join(f"{k} of shape {t.shape}" for k, t in named.items())
        raise ValueError(f"{where}: {', '.join(named)} must have the same number of dimensions, got {shapes}")


@_refuses_empty_mean
def margin_ranking_loss(input1: Any, input2: Any, target: Any, margin: float = 0.0, *,
                        reduction: str = "mean") -> Tensor:
    """max(0, -target (input1 - input2) + margin), elementwise; target holds 1 (input1 should
    rank higher) or -1. The three have the same number of dimensions (PyTorch's rule) and
    broadcast (numpy's) to the shape 'none' returns."""
    with engine.scope("margin_ranking_loss"):
        _check_reduction(reduction, "margin_ranking_loss")
        margin = _number(margin, "margin", "margin_ranking_loss")
        a, b, y, _ = _floats("margin_ranking_loss", input1=input1, input2=input2, target=target)
        _same_ndim("margin_ranking_loss", input1=a, input2=b, target=y)
        return _reduce(relu(-y * (a - b) + margin), reduction, "margin_ranking_loss")


@_refuses_empty_mean
def hinge_embedding_loss(input: Any, target: Any, margin: float = 1.0, *, reduction: str = "mean") -> Tensor:
    """input where target == 1, max(0, margin - input) where target == -1 (PyTorch's; a
    target that is neither takes the sum of both terms, as PyTorch's). input and target
    broadcast (numpy's rules) to the shape 'none' returns."""
    with engine.scope("hinge_embedding_loss"):
        _check_reduction(reduction, "hinge_embedding_loss")
        margin = _number(margin, "margin", "hinge_embedding_loss")
        x, y, _ = _floats("hinge_embedding_loss", input=input, target=target)
        with engine.no_grad():
            not_pos, not_neg = y != 1.0, y != -1.0
        loss = P.where.apply(not_pos, relu(margin - x), 0.0) + P.where.apply(not_neg, x, 0.0)
        return _reduce(loss, reduction, "hinge_embedding_loss")


@_refuses_empty_mean
def soft_margin_loss(input: Any, target: Any, *, reduction: str = "mean") -> Tensor:
    """log(1 + exp(-target input)), elementwise (a smooth hinge; target 1 or -1), computed
    as softplus(-target input): finite for any finite input. input and target broadcast
    (numpy's rules) to the shape 'none' returns."""
    with engine.scope("soft_margin_loss"):
        _check_reduction(reduction, "soft_margin_loss")
        x, y, _ = _floats("soft_margin_loss", input=input, target=target)
        return _reduce(softplus(-y * x), reduction, "soft_margin_loss")


@_refuses_empty_mean
def multilabel_soft_margin_loss(input: Any, target: Any, weight: Any = None, *,
                                reduction: str = "mean") -> Tensor:
    """-(y log sigmoid(x) + (1 - y) log sigmoid(-x)), times weight, averaged over the last
    (class) axis: input (..., C), e.g. (N, C) or (C,); target of 0s and 1s and weight
    (floats) broadcast to input's shape; 'none' returns input's shape without its last
    axis; C >= 1. Stable for any finite x (logsigmoid)."""
    with engine.scope("multilabel_soft_margin_loss"):
        where = "multilabel_soft_margin_loss"
        _check_reduction(reduction, where)
        x, y, shape = _floats(where, input=input, target=target)
        if x.ndim == 0 or shape != x.shape:
            raise ValueError(f"{where}: expected input of shape (..., C) and a target that broadcasts to it, "
                             f"got input of shape {x.shape} and target of shape {y.shape}")
        if x.shape[-1] == 0:  # (the average over the classes has nothing to average)
            raise ValueError(f"{where}: expected at least one class (C >= 1), got input of shape {x.shape} "
                             f"and target of shape {y.shape}")
        loss = -(y * logsigmoid(x) + (1.0 - y) * logsigmoid(-x))
        if weight is not None:
            _elementwise_weight(weight, "weight", x, where)
            loss = loss * _weight_in(weight, loss.dtype)
        return _reduce(fn._divided(loss.sum(-1), x.shape[-1]), reduction, where)


@_refuses_empty_mean
def multi_margin_loss(input: Any, target: Any, p: int = 1, margin: float = 1.0, weight: Any = None, *,
                      reduction: str = "mean") -> Tensor:
    """Multi-class hinge loss (PyTorch's): for scores x (C,) or (N, C) and integer labels y
    () or (N,) in [0, C),

        loss = sum over i != y of w[y] max(0, margin - x[y] + x[i])**p / C,

    p 1 or 2, weight (optional) C floats; 'none' returns () or (N,)."""
    with engine.scope("multi_margin_loss"):
        where = "multi_margin_loss"
        _check_reduction(reduction, where)
        if isinstance(p, bool) or p not in (1, 2):
            raise ValueError(f"{where}: p must be 1 or 2, got {p!r}")
        margin = _number(margin, "margin", where)
        x, _ = _floats(where, input=input)
        if x.ndim not in (1, 2) or x.shape[-1] == 0:
            raise ValueError(f"{where}: expected input of shape (C,) or (N, C) with C >= 1, got {x.shape}")
        labels = _class_targets(x, target, where)
        axis, C = x.ndim - 1, x.shape[-1]
        xy = P.pick.apply(x, labels, axis=axis)
        classes = engine.shape_constant(np.arange(C))
        with engine.no_grad():
            others = P.ne.apply(P.reshape.apply(labels, shape=labels.shape + (1,)), classes)
        # margin - x[y] + x[i] over the other classes i only: both scores are masked before
        # they meet, since the target's own term, inf - inf at an infinite score, would be a
        # NaN (and send 0 * NaN back through the square's VJP)
        xy = xy.reshape(xy.shape + (1,))
        diff = P.where.apply(others, x, 0.0) - P.where.apply(others, xy, 0.0)
        h = relu(P.where.apply(others, margin + diff, 0.0))
        if p == 2:
            h = h * h
        loss = fn._divided(h.sum(-1), C)
        if weight is not None:
            _class_weight(weight, x, where)
            w = _weight_in(weight, x.dtype)
            loss = loss * P.pick.apply(P.broadcast_to.apply(w, shape=x.shape), labels, axis=axis)
        return _reduce(loss, reduction, where)


@_refuses_empty_mean
def triplet_margin_loss(anchor: Any, positive: Any, negative: Any, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, *, reduction: str = "mean") -> Tensor:
    """max(0, margin + d(anchor, positive) - d(anchor, negative)) with d = pairwise_distance(.,
    ., p, eps) along the last axis; swap takes d(anchor, negative) as min(it, d(positive,
    negative)). The three have the same number of dimensions (PyTorch's rule), e.g. (N, D),
    and broadcast (numpy's); 'none' returns their shape without the last axis. margin > 0."""
    return _triplet("triplet_margin_loss", anchor, positive, negative,
                    lambda x, y: pairwise_distance(x, y, p, eps), margin, swap, reduction)


@_refuses_empty_mean
def triplet_margin_with_distance_loss(anchor: Any, positive: Any, negative: Any, *,
                                      distance_function: Any = None, margin: float = 1.0,
                                      swap: bool = False, reduction: str = "mean") -> Tensor:
    """max(0, margin + d(anchor, positive) - d(anchor, negative)) with a distance of your
    own (PyTorch's): distance_function(x1, x2) takes two (N, D) tensors and returns the N
    distances (N,); None is pairwise_distance (p=2, eps=1e-6), when this is
    triplet_margin_loss. swap takes d(anchor, negative) as min(it, d(positive, negative)).
    The three inputs have the same number of dimensions (PyTorch's rule); 'none' returns the
    distances' shape. margin > 0. Differentiable as far as distance_function is."""
    where = "triplet_margin_with_distance_loss"
    if distance_function is not None and not callable(distance_function):
        raise TypeError(f"{where}: distance_function must be callable or None, "
                        f"got {type(distance_function).__name__}")
    return _triplet(where, anchor, positive, negative, distance_function or pairwise_distance,
                    margin, swap, reduction)


def _triplet(where: str, anchor: Any, positive: Any, negative: Any, dist: Any, margin: Any,
             swap: Any, reduction: str) -> Tensor:
    """The two triplet losses: max(0, margin + dist(a, pos) - dist(a, neg)), reduced."""
    with engine.scope(where):
        _check_reduction(reduction, where)
        margin = _number(margin, "margin", where)
        if not margin > 0:
            raise ValueError(f"{where}: margin must be greater than 0, got {margin!r}")
        swap = _flag(swap, "swap", where)
        a, pos, neg, _ = _floats(where, anchor=anchor, positive=positive, negative=negative)
        _same_ndim(where, anchor=a, positive=pos, negative=neg)

        def d(x: Tensor, y: Tensor, names: str) -> Tensor:
            out = dist(x, y)
            if not isinstance(out, Tensor):
                raise TypeError(f"{where}: distance_function({names}) returned {type(out).__name__}, "
                                "not a Tensor of distances")
            return out

        d_pos = d(a, pos, "anchor, positive")
        d_neg = d(a, neg, "anchor, negative")
        if swap:
            d_neg = fn.minimum(d_neg, d(pos, neg, "positive, negative"))
        if d_pos.shape != d_neg.shape:
            raise ValueError(f"{where}: distance_function gave distances of shape {d_pos.shape} for "
                             f"(anchor, positive) but {d_neg.shape} for (anchor, negative)")
        return _reduce(relu(margin + d_pos - d_neg), reduction, where)


_EPSILON = 1e-12  # (PyTorch's, added to each squared magnitude)


@_refuses_empty_mean
def cosine_embedding_loss(input1: Any, input2: Any, target: Any, margin: float = 0.0, *,
                          reduction: str = "mean") -> Tensor:
    """1 - cos(x1, x2) where target == 1, max(0, cos(x1, x2) - margin) where target == -1, 0
    for other targets (PyTorch's), with cos = x1.x2 / sqrt((|x1|^2 + 1e-12)(|x2|^2 + 1e-12))
    along the last axis. x1 and x2 (N, D) with target (N,), or (D,) with target ();
    x1 and x2 broadcast (numpy's rules). 'none' returns the target's shape."""
    with engine.scope("cosine_embedding_loss"):
        where = "cosine_embedding_loss"
        _check_reduction(reduction, where)
        margin = _number(margin, "margin", where)
        a, b, shape = _floats(where, input1=input1, input2=input2)
        y, _ = _floats(where, target=target)
        if y.ndim not in (0, 1) or a.ndim != y.ndim + 1 or b.ndim != y.ndim + 1:
            raise ValueError(f"{where}: expected input1 and input2 of shape (N, D) with target (N,), or (D,) "
                             f"with target (), got {a.shape}, {b.shape} and {y.shape}")
        try:
            np.broadcast_shapes(shape[:-1], y.shape)
        except ValueError:
            raise ValueError(f"{where}: target of shape {y.shape} does not fit input1 of shape {a.shape} and "
                             f"input2 of shape {b.shape} (expected {shape[:-1]})") from None
        prod = (a * b).sum(-1)
        m1 = (a * a).sum(-1) + _EPSILON
        m2 = (b * b).sum(-1) + _EPSILON
        cos = prod / (m1 * m2) ** 0.5
        with engine.no_grad():
            pos, neg = y == 1.0, y == -1.0
        loss = P.where.apply(pos, 1.0 - cos, 0.0) + P.where.apply(neg, relu(cos - margin), 0.0)
        return _reduce(loss, reduction, where)
