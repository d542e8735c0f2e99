"""Dropout (elementwise) and Dropout2d (whole channels), AlphaDropout and FeatureAlphaDropout
(SELU's): active in training only."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor, _flag
from . import functional as F
from ._common import _inplace, _input
from .module import Module


class _DropoutNd(Module):
    """What the dropout layers share (PyTorch's _DropoutNd): p, checked in [0, 1] at
    construction, `inplace` (PyTorch's: the result written into the input tensor, which
    is returned), and a forward that calls `_function` (F.dropout, F.dropout2d, ...)
    with the layer's p and training mode."""

    _function: Any = None  # (set by each subclass: a staticmethod of F)

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        name = type(self).__name__
        self.p = F._dropout_p(p, name)
        self.inplace = _flag(inplace, "inplace", name)

    def forward(self, x: Any) -> Tensor:
        return _inplace(self, x, self._function(_input(self, x), self.p, self.training))

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Dropout(_DropoutNd):
    """In training, zero each element with probability p and scale the rest by 1/(1-p).

    In eval mode it is the identity. Uses the library's generator (am.manual_seed).
    inplace=True, as in PyTorch, writes the result into the input tensor and returns it.
    """

    _function = staticmethod(F.dropout)


class Dropout2d(_DropoutNd):
    """Channel-wise dropout of (N, C, H, W) images: in training each whole channel x[n, c]
    is zeroed with probability p and the rest scaled by 1/(1-p); eval is the identity.
    Output of the input's shape. Uses the library's generator (am.manual_seed), as
    Dropout. `inplace` as in Dropout. (3-D input is refused: see
    F.dropout2d.)"""

    _function = staticmethod(F.dropout2d)


class AlphaDropout(_DropoutNd):
    """Alpha dropout for SELU networks (see F.alpha_dropout): in training each entry is
    dropped with probability p to SELU's negative limit, then an affine map restores
    mean 0 and variance 1; eval is the identity. x's shape. Uses the library's generator
    (am.manual_seed). `inplace` as in Dropout."""

    _function = staticmethod(F.alpha_dropout)


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels x[n, c] of (N, C, ...) input (see
    F.feature_alpha_dropout); eval is the identity. x's shape. Uses the library's
    generator (am.manual_seed). `inplace` as in Dropout."""

    _function = staticmethod(F.feature_alpha_dropout)
