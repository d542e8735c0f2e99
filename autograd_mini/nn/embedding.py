"""Embedding: a lookup table from integer indices to learnt rows; EmbeddingBag: bags of
them reduced (sum, mean, max) without forming the (B, N, D) rows in the caller."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from . import functional as F
from . import init
from ._common import _empty
from .module import Module


class Embedding(Module):
    """A lookup table: integer indices of any shape S -> rows of weight, S + (embedding_dim,).

    weight (num_embeddings, embedding_dim) ~ N(0, 1) (PyTorch's default); the
    row padding_idx (if given; negative counts from the end) starts at zero and
    gets no gradient. Indices outside [0, num_embeddings) raise IndexError.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 dtype: Any = None) -> None:
        super().__init__()
        self.num_embeddings = F._int(num_embeddings, "num_embeddings", "Embedding", 1)
        self.embedding_dim = F._int(embedding_dim, "embedding_dim", "Embedding", 0)
        self.padding_idx = F._padding_idx(padding_idx, self.num_embeddings, self.label())
        self.weight = _empty((self.num_embeddings, self.embedding_dim), dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """weight ~ N(0, 1), the padding row zero."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight.data[self.padding_idx] = 0

    def forward(self, input: Any) -> Tensor:
        # (F.embedding checks the indices' dtype and range, naming embedding and num_embeddings)
        return F.embedding(input, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        return s + (f", padding_idx={self.padding_idx}" if self.padding_idx is not None else "")

    def label(self) -> str:
        return f"Embedding({self.num_embeddings}, {self.embedding_dim})"


class EmbeddingBag(Module):
    """Sums, means or maxima of bags of learnt rows: input (B, N), or (L,) with offsets
    (B,) (B + 1 with include_last_offset=True) -> (B, embedding_dim).

    weight (num_embeddings, embedding_dim) ~ N(0, 1) (PyTorch's default), the row
    padding_idx zero; entries equal to padding_idx are left out of their bag. See
    F.embedding_bag for the modes ('mean' by default, as PyTorch), per_sample_weights
    (mode='sum' only) and empty bags (zeros). PyTorch's max_norm, scale_grad_by_freq
    and sparse are not offered.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, *, mode: str = "mean",
                 include_last_offset: bool = False, padding_idx: int | None = None, dtype: Any = None) -> None:
        super().__init__()
        self.num_embeddings = F._int(num_embeddings, "num_embeddings", "EmbeddingBag", 1)
        self.embedding_dim = F._int(embedding_dim, "embedding_dim", "EmbeddingBag", 0)
        if mode not in ("sum", "mean", "max"):
            raise ValueError(f"EmbeddingBag: mode must be one of ('sum', 'mean', 'max'), got {mode!r}")
        self.mode = mode
        self.include_last_offset = bool(include_last_offset)
        self.padding_idx = F._padding_idx(padding_idx, self.num_embeddings, self.label())
        self.weight = _empty((self.num_embeddings, self.embedding_dim), dtype)
        self.reset_parameters()

    reset_parameters = Embedding.reset_parameters  # (weight ~ N(0, 1), the padding row zero)

    def forward(self, input: Any, offsets: Any = None, per_sample_weights: Any = None) -> Tensor:
        return F.embedding_bag(input, self.weight, offsets, mode=self.mode, per_sample_weights=per_sample_weights,
                               include_last_offset=self.include_last_offset, padding_idx=self.padding_idx)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}, mode={self.mode!r}"
        if self.include_last_offset:
            s += ", include_last_offset=True"
        return s + (f", padding_idx={self.padding_idx}" if self.padding_idx is not None else "")

    def label(self) -> str:
        return f"EmbeddingBag({self.num_embeddings}, {self.embedding_dim})"
