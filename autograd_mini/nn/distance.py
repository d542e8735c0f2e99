"""Distance modules: thin shells over F.cosine_similarity and F.pairwise_distance (PyTorch's names)."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from . import functional as F
from .module import Module


class CosineSimilarity(Module):
    """F.cosine_similarity(x1, x2, dim, eps): x1 and x2 broadcast to S; returns S without dim."""

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim = F._int(dim, "dim", "CosineSimilarity")
        self.eps = F._number(eps, "eps", "CosineSimilarity")

    def forward(self, x1: Any, x2: Any) -> Tensor:
        return F.cosine_similarity(x1, x2, self.dim, self.eps)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, eps={self.eps}"


class PairwiseDistance(Module):
    """F.pairwise_distance(x1, x2, p, eps, keepdim): ||x1 - x2 + eps||_p along the last axis."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm = F._number(p, "p", "PairwiseDistance")
        self.eps = F._number(eps, "eps", "PairwiseDistance")
        self.keepdim = F._flag(keepdim, "keepdim", "PairwiseDistance")

    def forward(self, x1: Any, x2: Any) -> Tensor:
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)

    def extra_repr(self) -> str:
        return f"p={self.norm}, eps={self.eps}, keepdim={self.keepdim}"
