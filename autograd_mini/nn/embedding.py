"""Embedding: a lookup table from integer indices to learnt rows; EmbeddingBag: bags of
them reduced (sum, mean, max) without forming the (B, N, D) rows in the caller."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor, _check_device, _flag
from . import functional as F
from . import init
from ._common import _empty
from .module import Module, Parameter


class Embedding(Module):
    """A lookup table: integer indices of any shape S -> rows of weight, S + (embedding_dim,).

    weight (num_embeddings, embedding_dim) ~ N(0, 1) (PyTorch's default); the
    row padding_idx (if given; negative counts from the end) starts at zero and
    gets no gradient. Indices outside [0, num_embeddings) raise IndexError.
    max_norm, norm_type and scale_grad_by_freq are F.embedding's (PyTorch's);
    sparse=True is not offered. `Embedding.from_pretrained(embeddings)` wraps a
    given (V, D) table.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                 sparse: bool = False, _weight: Any = None, _freeze: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        _check_device(device, "Embedding")
        super().__init__()
        self.num_embeddings = F._int(num_embeddings, "num_embeddings", "Embedding", 1)
        self.embedding_dim = F._int(embedding_dim, "embedding_dim", "Embedding", 0)
        self.padding_idx = F._padding_idx(padding_idx, self.num_embeddings, self.label())
        if max_norm is not None:
            max_norm = F._number(max_norm, "max_norm", "Embedding")
            if not max_norm > 0:
                raise ValueError(f"Embedding: max_norm must be a positive number, got {max_norm!r}")
        self.max_norm = max_norm
        self.norm_type = F._number(norm_type, "norm_type", "Embedding")
        if self.norm_type != self.norm_type:
            raise ValueError("Embedding: norm_type must be a number, not NaN")
        self.scale_grad_by_freq = _flag(scale_grad_by_freq, "scale_grad_by_freq", "Embedding")
        if sparse is not False:
            raise ValueError("Embedding: sparse gradients are not offered (sparse=False computes the same "
                             "gradient, dense)")
        self.sparse = False
        if _weight is None:
            self.weight = _empty((self.num_embeddings, self.embedding_dim), dtype)
            self.reset_parameters()
        else:  # (PyTorch's: the given table itself, not initialised; from_pretrained)
            self.weight = Parameter(_weight, requires_grad=not _flag(_freeze, "_freeze", "Embedding"))
            if self.weight.shape != (self.num_embeddings, self.embedding_dim):
                raise ValueError(f"Embedding: _weight must have shape ({self.num_embeddings}, "
                                 f"{self.embedding_dim}), got {self.weight.shape}")

    @classmethod
    def from_pretrained(cls, embeddings: Any, freeze: bool = True, padding_idx: int | None = None,
                        max_norm: float | None = None, norm_type: float = 2.0,
                        scale_grad_by_freq: bool = False, sparse: bool = False) -> "Embedding":
        """An Embedding whose weight is `embeddings` (V, D), as PyTorch's: a Tensor's array
        is shared (an ndarray or list is copied); freeze=True (the default) makes it not
        require grad; the row padding_idx keeps its values (it only gets no gradient)."""
        where = "Embedding.from_pretrained"
        freeze = _flag(freeze, "freeze", where)
        weight = Parameter(embeddings, requires_grad=False)  # (a Tensor's array shared, else copied)
        if weight.ndim != 2:
            raise ValueError(f"{where}: embeddings must be 2-D (num_embeddings, embedding_dim), "
                             f"got shape {weight.shape}")
        return cls(weight.shape[0], weight.shape[1], padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
                   _weight=weight, _freeze=freeze)

    def reset_parameters(self) -> None:
        """weight ~ N(0, 1), the padding row zero."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight.data[self.padding_idx] = 0

    def forward(self, input: Any) -> Tensor:
        # (F.embedding checks the indices' dtype and range, naming embedding and num_embeddings)
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                           self.scale_grad_by_freq)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        s += f", padding_idx={self.padding_idx}" if self.padding_idx is not None else ""
        s += f", max_norm={self.max_norm}" if self.max_norm is not None else ""
        s += f", norm_type={self.norm_type}" if self.max_norm is not None and self.norm_type != 2.0 else ""
        return s + (", scale_grad_by_freq=True" if self.scale_grad_by_freq else "")

    def label(self) -> str:
        return f"Embedding({self.num_embeddings}, {self.embedding_dim})"


class EmbeddingBag(Module):
    """Sums, means or maxima of bags of learnt rows: input (B, N), or (L,) with offsets
    (B,) (B + 1 with include_last_offset=True) -> (B, embedding_dim).

    weight (num_embeddings, embedding_dim) ~ N(0, 1) (PyTorch's default), the row
    padding_idx zero; entries equal to padding_idx are left out of their bag. See
    F.embedding_bag for the modes ('mean' by default, as PyTorch), per_sample_weights
    (mode='sum' only) and empty bags (zeros). max_norm, norm_type and scale_grad_by_freq
    (not with mode='max') are F.embedding_bag's (PyTorch's); sparse=True is not offered.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm: float | None = None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, *, mode: str = "mean",
                 sparse: bool = False, include_last_offset: bool = False, padding_idx: int | None = None,
                 device: Any = None, dtype: Any = None) -> None:
        _check_device(device, "EmbeddingBag")
        super().__init__()
        self.num_embeddings = F._int(num_embeddings, "num_embeddings", "EmbeddingBag", 1)
        self.embedding_dim = F._int(embedding_dim, "embedding_dim", "EmbeddingBag", 0)
        if mode not in ("sum", "mean", "max"):
            raise ValueError(f"EmbeddingBag: mode must be one of ('sum', 'mean', 'max'), got {mode!r}")
        self.mode = mode
        if max_norm is not None:
            max_norm = F._number(max_norm, "max_norm", "EmbeddingBag")
            if not max_norm > 0:
                raise ValueError(f"EmbeddingBag: max_norm must be a positive number, got {max_norm!r}")
        self.max_norm = max_norm
        self.norm_type = F._number(norm_type, "norm_type", "EmbeddingBag")
        if self.norm_type != self.norm_type:
            raise ValueError("EmbeddingBag: norm_type must be a number, not NaN")
        self.scale_grad_by_freq = _flag(scale_grad_by_freq, "scale_grad_by_freq", "EmbeddingBag")
        if self.scale_grad_by_freq and mode == "max":
            raise ValueError("EmbeddingBag: mode='max' does not support scale_grad_by_freq=True (as PyTorch)")
        if sparse is not False:
            raise ValueError("EmbeddingBag: sparse gradients are not offered (sparse=False computes the same "
                             "gradient, dense)")
        self.sparse = False
        self.include_last_offset = bool(include_last_offset)
        self.padding_idx = F._padding_idx(padding_idx, self.num_embeddings, self.label())
        self.weight = _empty((self.num_embeddings, self.embedding_dim), dtype)
        self.reset_parameters()

    reset_parameters = Embedding.reset_parameters  # (weight ~ N(0, 1), the padding row zero)

    def forward(self, input: Any, offsets: Any = None, per_sample_weights: Any = None) -> Tensor:
        return F.embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type, self.scale_grad_by_freq,
                               mode=self.mode, per_sample_weights=per_sample_weights,
                               include_last_offset=self.include_last_offset, padding_idx=self.padding_idx)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        s += f", max_norm={self.max_norm}" if self.max_norm is not None else ""
        s += f", norm_type={self.norm_type}" if self.max_norm is not None and self.norm_type != 2.0 else ""
        s += ", scale_grad_by_freq=True" if self.scale_grad_by_freq else ""
        s += f", mode={self.mode!r}"
        if self.include_last_offset:
            s += ", include_last_offset=True"
        return s + (f", padding_idx={self.padding_idx}" if self.padding_idx is not None else "")

    def label(self) -> str:
        return f"EmbeddingBag({self.num_embeddings}, {self.embedding_dim})"
