"""Reshaping layers: Flatten merges axes into one, Unflatten splits one into several."""

from __future__ import annotations

import math
from typing import Any

from ..functions import flatten
from ..tensor import Tensor, _is_index
from . import functional as F
from ._common import _input
from .module import Module


class Flatten(Module):
    """Merge axes start_dim..end_dim into one: (N, C, H, W) -> (N, C*H*W) by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = F._int(start_dim, "start_dim", "Flatten")
        self.end_dim = F._int(end_dim, "end_dim", "Flatten")

    def forward(self, x: Any) -> Tensor:
        x = _input(self, x)
        ndim = max(len(x.shape), 1)  # (a number flattens to shape (1,) by dims 0/-1, as PyTorch's)
        if not (-ndim <= self.start_dim < ndim and -ndim <= self.end_dim < ndim):
            raise ValueError(f"{self.label()}: dimensions out of range for input of shape {tuple(x.shape)}")
        return flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split axis `dim` into unflattened_size (a tuple whose product is that axis's
    length; one entry may be -1): (N, 12) -> (N, 3, 4) with Unflatten(1, (3, 4))."""

    def __init__(self, dim: int, unflattened_size: Any) -> None:
        super().__init__()
        self.dim = F._int(dim, "dim", "Unflatten")
        if (not isinstance(unflattened_size, (tuple, list)) or not unflattened_size
                or not all(_is_index(n) for n in unflattened_size)):
            raise TypeError(f"Unflatten: unflattened_size must be a non-empty tuple of ints, got {unflattened_size!r}")
        size = tuple(int(n) for n in unflattened_size)
        if any(n < -1 for n in size) or size.count(-1) > 1:
            raise ValueError(f"Unflatten: unflattened_size must hold sizes >= 0 and at most one -1, got {size}")
        self.unflattened_size = size

    def forward(self, x: Any) -> Tensor:
        x = _input(self, x)
        shape = tuple(x.shape)
        if not -max(len(shape), 1) <= self.dim < max(len(shape), 1) or not shape:
            raise ValueError(f"{self.label()}: dim {self.dim} out of range for input of shape {shape}")
        d = self.dim % len(shape)
        n, size = shape[d], self.unflattened_size
        known = math.prod(s for s in size if s != -1)
        if -1 in size:
            if known == 0 or n % known:
                raise ValueError(f"{self.label()}: cannot split axis {d} of length {n} (input of shape {shape}) into {size}")
            size = tuple(n // known if s == -1 else s for s in size)
        elif known != n:
            raise ValueError(
                f"{self.label()}: unflattened_size {size} (product {known}) does not match axis {d} "
                f"of length {n} (input of shape {shape})"
            )
        return x.reshape(shape[:d] + size + shape[d + 1:])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
