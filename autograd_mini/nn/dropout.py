"""Dropout (elementwise) and Dropout2d (whole channels), AlphaDropout and FeatureAlphaDropout
(SELU's): active in training only."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor, _flag
from . import functional as F
from ._common import _input
from .module import Module


class Dropout(Module):
    """In training, zero each element with probability p and scale the rest by 1/(1-p).

    In eval mode it is the identity. Uses the library's generator (am.manual_seed).
    `inplace` is accepted for code written for PyTorch and changes nothing: no
    layer here writes into its input.
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        self.p = F._dropout_p(p, "Dropout")
        _flag(inplace, "inplace", "Dropout")

    def forward(self, x: Any) -> Tensor:
        return F.dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Dropout2d(Module):
    """Channel-wise dropout of (N, C, H, W) images: in training each whole channel x[n, c]
    is zeroed with probability p and the rest scaled by 1/(1-p); eval is the identity.
    Output of the input's shape. Uses the library's generator (am.manual_seed), as
    Dropout. `inplace` is accepted and changes nothing. (3-D input is refused: see
    F.dropout2d.)"""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        self.p = F._dropout_p(p, "Dropout2d")
        _flag(inplace, "inplace", "Dropout2d")

    def forward(self, x: Any) -> Tensor:
        return F.dropout2d(_input(self, x), self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class AlphaDropout(Module):
    """Alpha dropout for SELU networks (see F.alpha_dropout): in training each entry is
    dropped with probability p to SELU's negative limit, then an affine map restores
    mean 0 and variance 1; eval is the identity. x's shape. Uses the library's generator
    (am.manual_seed). `inplace` is accepted and changes nothing."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        self.p = F._dropout_p(p, "AlphaDropout")
        _flag(inplace, "inplace", "AlphaDropout")

    def forward(self, x: Any) -> Tensor:
        return F.alpha_dropout(_input(self, x), self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class FeatureAlphaDropout(Module):
    """Alpha dropout of whole channels x[n, c] of (N, C, ...) input (see
    F.feature_alpha_dropout); eval is the identity. x's shape. Uses the library's
    generator (am.manual_seed). `inplace` is accepted and changes nothing."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        self.p = F._dropout_p(p, "FeatureAlphaDropout")
        _flag(inplace, "inplace", "FeatureAlphaDropout")

    def forward(self, x: Any) -> Tensor:
        return F.feature_alpha_dropout(_input(self, x), self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"
