"""Samplers: the order in which a DataLoader visits a data set's samples (PyTorch's).

A sampler is an iterable of sample indices (ints in [0, len(dataset))); a batch
sampler is an iterable of lists of them, one list per batch. `DataLoader(...,
sampler=s)` cuts `s`'s indices into batches of batch_size; `DataLoader(...,
batch_sampler=b)` takes `b`'s batches as they come. Any iterable of ints will
do as a sampler (a list, a range, a subclass of `Sampler`); `len(loader)` needs
the sampler's `len`.

The random samplers draw from their own `np.random.Generator`, seeded once when
the sampler is made from `generator=` (an am.Generator) or else from the library
generator, so `am.manual_seed` makes them reproducible; each pass (epoch)
continues the stream and so gives a new draw.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from .creation import _generator_of
from .tensor import Tensor, _flag


def _count(v: Any, name: str, where: str) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        raise TypeError(f"{where}: {name} must be a positive int, got {v!r}")
    if v < 1:
        raise ValueError(f"{where}: {name} must be a positive int, got {v}")
    return int(v)


def _own_rng(generator: Any, where: str) -> np.random.Generator:
    return np.random.default_rng(int(_generator_of(generator, where).integers(2**63)))


def _sized(source: Any, where: str) -> int:
    try:
        return len(source)
    except TypeError:
        raise TypeError(f"{where}: data_source needs a len(), got {type(source).__name__}") from None


class Sampler:
    """Base class of samplers: subclasses define `__iter__` (the indices, ints) and,
    for `len(loader)`, `__len__`."""

    def __iter__(self) -> Iterator[int]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1: the order DataLoader uses without shuffle."""

    def __init__(self, data_source: Any) -> None:
        _sized(data_source, "SequentialSampler")
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """Random indices into data_source (n = len(data_source) samples).

    Without replacement each pass is a random permutation of range(n); a
    num_samples above n gives whole permutations one after another and then the
    first num_samples mod n entries of another (PyTorch's rule). With
    replacement, num_samples independent uniform draws. num_samples defaults to n.
    """

    def __init__(self, data_source: Any, replacement: bool = False, num_samples: int | None = None,
                 generator: Any = None) -> None:
        where = "RandomSampler"
        n = _sized(data_source, where)
        self.replacement = _flag(replacement, "replacement", where)
        self._num_samples = None if num_samples is None else _count(num_samples, "num_samples", where)
        if n == 0:
            raise ValueError(f"{where}: data_source is empty (len 0)")
        self.data_source = data_source
        self.rng = _own_rng(generator, where)

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        n, k = len(self.data_source), self.num_samples
        if self.replacement:
            return iter(self.rng.integers(0, n, size=k).tolist())
        whole = [self.rng.permutation(n) for _ in range(k // n)]
        return iter(np.concatenate(whole + [self.rng.permutation(n)[: k % n]]).tolist())

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices, in a new random order each pass (e.g. a validation split's)."""

    def __init__(self, indices: Sequence[int], generator: Any = None) -> None:
        self.indices = _indices(indices, "SubsetRandomSampler")
        self.rng = _own_rng(generator, "SubsetRandomSampler")

    def __iter__(self) -> Iterator[int]:
        return iter(self.indices[self.rng.permutation(len(self.indices))].tolist())

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """num_samples indices into range(len(weights)), index i drawn with probability
    weights[i] / sum(weights); with replacement=False no index twice.

    weights: (n,) nonnegative finite numbers, not all zero (they need not sum to 1).
    An index of weight 0 is never drawn. The usual use: weights[i] = 1 / (size of
    sample i's class), to draw classes evenly from an imbalanced data set.
    """

    def __init__(self, weights: Any, num_samples: int, replacement: bool = True, generator: Any = None) -> None:
        where = "WeightedRandomSampler"
        w = np.asarray(weights.data if isinstance(weights, Tensor) else weights)
        if w.ndim != 1 or w.dtype.kind not in "biuf":
            raise ValueError(f"{where}: weights must be a 1-D sequence of numbers, got shape {w.shape} "
                             f"of dtype {w.dtype}")
        w = w.astype(np.float64)
        if not np.isfinite(w).all() or (w < 0).any():
            raise ValueError(f"{where}: weights must be finite and >= 0, got {weights!r}")
        self.num_samples = _count(num_samples, "num_samples", where)
        self.replacement = _flag(replacement, "replacement", where)
        positive = int(np.count_nonzero(w))
        if positive == 0:
            raise ValueError(f"{where}: every weight is 0 ({len(w)} weights): nothing can be drawn")
        if not self.replacement and self.num_samples > positive:
            raise ValueError(
                f"{where}: without replacement at most {positive} indices can be drawn (the nonzero "
                f"weights), got num_samples={self.num_samples}"
            )
        self.weights = w
        self.rng = _own_rng(generator, where)

    def __iter__(self) -> Iterator[int]:
        p = self.weights / self.weights.sum()
        return iter(self.rng.choice(len(p), size=self.num_samples, replace=self.replacement, p=p).tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """The indices of `sampler` (any iterable of ints) in lists of batch_size; the last
    list is shorter unless drop_last, which leaves it out. len: ceil(len(sampler) /
    batch_size), or floor with drop_last."""

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool) -> None:
        where = "BatchSampler"
        if not hasattr(sampler, "__iter__"):
            raise TypeError(f"{where}: sampler must be an iterable of indices, got {type(sampler).__name__}")
        self.sampler = sampler
        self.batch_size = _count(batch_size, "batch_size", where)
        self.drop_last = _flag(drop_last, "drop_last", where)

    def __iter__(self) -> Iterator[list[int]]:
        batch: list[int] = []
        for i in self.sampler:
            batch.append(i)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)  # type: ignore[arg-type]
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


def _indices(indices: Any, where: str) -> np.ndarray:
    a = np.asarray(indices.data if isinstance(indices, Tensor) else indices)
    if a.ndim != 1 or (a.size and a.dtype.kind not in "iu"):
        raise ValueError(f"{where}: indices must be a 1-D sequence of ints, got shape {a.shape} of dtype {a.dtype}")
    return a.astype(np.int64)


def check_batch(batch: Any, n: int, where: str) -> np.ndarray:
    """One batch of a sampler's indices as an int64 array, each checked against n samples."""
    idx = np.asarray(batch)
    if idx.ndim != 1 or (idx.size and idx.dtype.kind not in "iu"):
        raise TypeError(f"{where}: a sampler must give int indices, got the batch {list(batch)!r}")
    idx = idx.astype(np.int64)
    bad = idx[(idx < 0) | (idx >= n)]
    if bad.size:
        raise ValueError(f"{where}: the sampler gave index {int(bad[0])}, outside the {n} samples of the data set")
    return idx
