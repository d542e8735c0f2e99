"""Dropout: dropout (entries) and dropout2d (whole channels), inverted (the kept
entries scaled by 1/(1-p)) and only while training; alpha_dropout and
feature_alpha_dropout (entries or channels), which keep SELU's mean and variance.
Each takes PyTorch's inplace= (as dropout1d and dropout3d): inplace=True writes the
result into the input tensor and returns it, as the layers' inplace=True and F.relu's
(see activations.py's docstring); in evaluation the input itself is returned."""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import engine
from ... import primitives as P
from ...creation import generator
from ...functions import as_tensor
from ...tensor import Tensor, _flag
from ._args import _inplace_call, _number

_SELU_NEGATIVE = 1.7580993408473766  # -(SELU's limit at -inf) = scale * alpha (PyTorch's constant)


def dropout(x: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Inverted dropout: zero each entry with probability p, scale the rest by 1/(1-p).

    Output of x's shape: y = x * keep / (1 - p), keep ~ Bernoulli(1 - p) per entry.
    The expectation is x, so evaluation (training=False) returns x unchanged.
    p = 1 zeroes every entry in training (x * 0, as PyTorch). The mask comes
    from the library generator (`am.manual_seed` fixes it). inplace=True writes the
    result into x and returns x (PyTorch's; see the module's docstring).
    """
    if inplace is not False:
        return _inplace_call(dropout, x, inplace, "dropout", p, training)
    with engine.scope("dropout"):
        x = as_tensor(x)
        p = _dropout_p(p, "dropout")
        if not _flag(training, "training", "dropout") or p == 0.0:
            return x
        return _drop(x, p, x.shape, "dropout")


def dropout2d(x: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Channel-wise dropout of x (N, C, H, W): zero each whole channel x[n, c] with
    probability p and scale the rest by 1/(1-p); x's shape. Eval (training=False) is
    the identity. The mask, of shape (N, C, 1, 1), comes from the library generator
    (am.manual_seed), as dropout's. Only 4-D input: PyTorch reads a 3-D one as
    (N, C, L), not as one image (C, H, W), so that is refused rather than guessed
    (pass x[None] for one image). inplace as dropout's.
    """
    if inplace is not False:
        return _inplace_call(dropout2d, x, inplace, "dropout2d", p, training)
    with engine.scope("dropout2d"):
        x = as_tensor(x)
        p = _dropout_p(p, "dropout2d")
        if x.ndim != 4:
            raise ValueError(
                f"dropout2d: expected input of shape (N, C, H, W), got shape {x.shape}"
                + (" (for one image (C, H, W) pass x[None])" if x.ndim == 3 else "")
            )
        if not _flag(training, "training", "dropout2d") or p == 0.0:
            return x
        return _drop(x, p, x.shape[:2] + (1, 1), "dropout2d")


def alpha_dropout(x: Any, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Alpha dropout (PyTorch's; for SELU networks): keeps a zero-mean, unit-variance
    input so. Output of x's shape.

    In training each entry is dropped with probability p and set to SELU's negative
    limit -alpha' (alpha' = 1.7580993408473766), then everything is mapped by the affine
    y -> a y + b that restores mean 0 and variance 1:
        a = 1 / sqrt((alpha'^2 p + 1) (1 - p)),   b = alpha' a p,
    so a kept entry gives a x + alpha' a p and a dropped one alpha' a (p - 1).
    p = 1 gives x * 0 (as PyTorch). Evaluation (training=False, F's default as
    PyTorch's) returns x. The mask comes from the library generator (am.manual_seed);
    am.compile refuses it in training, as dropout's. inplace as dropout's.
    """
    if inplace is not False:
        return _inplace_call(alpha_dropout, x, inplace, "alpha_dropout", p, training)
    with engine.scope("alpha_dropout"):
        x = as_tensor(x)
        p = _dropout_p(p, "alpha_dropout")
        if not _flag(training, "training", "alpha_dropout") or p == 0.0:
            return x
        return _alpha_drop(x, p, x.shape, "alpha_dropout")


def feature_alpha_dropout(x: Any, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Alpha dropout of whole channels (PyTorch's FeatureAlphaDropout): x (N, C, ...), at
    least 2 axes; each x[n, c] is dropped whole with probability p (a mask of shape
    (N, C, 1, ...)), then the affine map of alpha_dropout (same a and b). x's shape.
    Evaluation (training=False, the default) returns x; p = 1 gives x * 0. The mask
    comes from the library generator (am.manual_seed); am.compile refuses it in training.
    inplace as dropout's.
    """
    if inplace is not False:
        return _inplace_call(feature_alpha_dropout, x, inplace, "feature_alpha_dropout", p, training)
    with engine.scope("feature_alpha_dropout"):
        x = as_tensor(x)
        p = _dropout_p(p, "feature_alpha_dropout")
        if not _flag(training, "training", "feature_alpha_dropout") or p == 0.0:
            return x
        if x.ndim < 2 and p < 1.0:  # (PyTorch's check, where a mask is drawn)
            raise ValueError(
                f"feature_alpha_dropout: expected input of shape (N, C, ...) with at least 2 axes, "
                f"got shape {x.shape}"
            )
        return _alpha_drop(x, p, x.shape[:2] + (1,) * (x.ndim - 2), "feature_alpha_dropout")


def _keep_mask(mask_shape: tuple, p: float, where: str) -> np.ndarray:
    """A boolean mask of mask_shape, each entry True (kept) with probability 1 - p, from the
    library generator; refused while am.compile records (a replay would reuse the mask)."""
    if engine.tracers:
        raise RuntimeError(
            f"{where}: a random mask cannot be compiled (a replay would reuse it); compile "
            "the model in eval() mode, or call it uncompiled while training"
        )
    return generator().random(mask_shape) >= p


def _alpha_drop(x: Tensor, p: float, mask_shape: tuple, where: str) -> Tensor:
    """x * keep * a + alpha' a ((keep - 1) + p), keep ~ Bernoulli(1 - p) of mask_shape (see
    alpha_dropout); x * 0 for p = 1. Refused while am.compile records."""
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
    if p == 1.0:
        return P.mul.apply(x, np.zeros(mask_shape, dtype))
    keep = _keep_mask(mask_shape, p, where).astype(np.float64)
    a = 1.0 / np.sqrt((_SELU_NEGATIVE * _SELU_NEGATIVE * p + 1.0) * (1.0 - p))
    shift = ((keep - 1.0) * (_SELU_NEGATIVE * a) + _SELU_NEGATIVE * a * p).astype(dtype)
    return P.add.apply(P.mul.apply(x, (keep * a).astype(dtype)), shift)  # (made here: not copied)


def _drop(x: Tensor, p: float, mask_shape: tuple, where: str) -> Tensor:
    """x * keep / (1 - p), keep ~ Bernoulli(1 - p) of mask_shape (broadcast over x), from the
    library generator; refused while am.compile records (a replay would reuse the mask)."""
    keep = _keep_mask(mask_shape, p, where)  # (none when p = 1: random() < 1)
    scale = (keep / (1.0 - p) if p < 1.0 else keep).astype(x.dtype if x.dtype.kind == "f" else np.float64)
    return P.mul.apply(x, scale)  # (scale: made here, so not copied as a caller's array)


def _dropout_p(p: Any, where: str) -> float:
    """Dropout's probability, a number in [0, 1] (checked by F.dropout and nn.Dropout)."""
    p = _number(p, "p", where)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{where}: p must be in [0, 1], got {p}")
    return p
