"""Data: seeded minibatching, the paper's data set, a small real image data set, a split.

* `DataLoader(X, y, batch_size)` iterates over (xb, yb) minibatches as Tensors,
  reshuffled every epoch by its own seeded generator.
* `DataLoader(dataset, batch_size=1, shuffle=False, collate_fn=None)` is PyTorch's
  form over a map-style data set (`Dataset`, `TensorDataset`, `Subset`,
  `ConcatDataset`, `random_split`) or an iterable-style one (`IterableDataset`,
  `ChainDataset`), its samples joined by `default_collate` (batch_size=None: each
  sample alone, through `default_convert`).
  `sampler=` / `batch_sampler=` take the samplers of `samplers.py` (PyTorch's).
* `higham_drilling()` is the ten-point, two-category example of Higham &
  Higham (2019), optionally with the eleventh point the paper adds.
* `load_digits()` returns scikit-learn's bundled 8x8 handwritten digits
  (real data shipped inside the package; no download).
* `split(X, y)` makes a seeded train/test split.
"""

from __future__ import annotations

import bisect
import itertools
import math
import numbers
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Callable, Iterator

import numpy as np

from .creation import _generator_of, _seed
from .samplers import (BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler,
                       WeightedRandomSampler, check_batch)

__all__ = [
    "DataLoader", "Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset", "ChainDataset",
    "random_split", "default_collate", "default_convert",
    "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler",
    "BatchSampler", "higham_drilling", "load_digits", "split",
]
from .tensor import Tensor, _flag


def _as_array(a: Any, name: str, where: str) -> np.ndarray:
    """An ndarray view of a Tensor / ndarray; other array-likes via the Tensor rules."""
    if isinstance(a, Tensor):
        arr = a.data
    elif isinstance(a, np.ndarray):
        arr = a
    elif a is None:
        raise TypeError(f"{where}: {name} is None; pass an array with one entry per sample")
    else:
        try:
            arr = Tensor._of(a).data
        except (TypeError, ValueError) as e:
            raise type(e)(f"{where}: {name} must be a numeric array: {e}") from None
    if arr.dtype.kind not in "biufc":
        raise TypeError(f"{where}: {name} must be a numeric array, got dtype {arr.dtype}")
    if arr.ndim == 0:
        raise ValueError(f"{where}: {name} must have a first (sample) dimension, got a scalar")
    return arr


def _check_pair(X: Any, y: Any, where: str) -> tuple[np.ndarray, np.ndarray]:
    Xa, ya = _as_array(X, "X", where), _as_array(y, "y", where)
    if len(Xa) != len(ya):
        raise ValueError(
            f"{where}: X and y must have the same number of samples (first dimension), got "
            f"X of shape {Xa.shape} and y of shape {ya.shape}"
        )
    if len(Xa) == 0:
        raise ValueError(f"{where}: the data set is empty (X has shape {Xa.shape})")
    return Xa, ya


class _Default:
    """The default of an argument whose value depends on the DataLoader's form."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


_BATCH_DEFAULT = _Default("<required for (X, y); 1 for a dataset>")
_SHUFFLE_DEFAULT = _Default("<True for (X, y); False for a dataset>")


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _is_dataset(obj: Any) -> bool:
    """A map-style data set: a Dataset, or any sized, indexable object that is not an array."""
    if isinstance(obj, Dataset):
        return True
    if isinstance(obj, (np.ndarray, Tensor, str, bytes, Mapping)):
        return False
    return hasattr(obj, "__len__") and hasattr(obj, "__getitem__")


class DataLoader:
    """Minibatches of a data set, as Tensors, in two forms.

    **The (X, y) form**, `DataLoader(X, y, batch_size, shuffle=True, drop_last=False,
    seed=None)`, yields (xb, yb) pairs of the samples (rows) of X and y.
    X: (N, ...), y: (N, ...) ndarrays or Tensors (batches are copies, cut off
    from any graph; dtypes are kept, so integer labels stay integers).
    batch_size is required, and `shuffle` is True by default, unlike PyTorch's
    DataLoader: pass shuffle=False to keep a test set's order, e.g. to line
    predictions up with its labels.

    **The dataset form** (PyTorch's), `DataLoader(dataset, batch_size=1, shuffle=False,
    drop_last=False, seed=None, collate_fn=None)`: `dataset` is a `Dataset`, or any
    object with `__len__` and `__getitem__` (a list of samples, say) that is not an
    ndarray or Tensor, and no y is given. PyTorch's defaults hold here: batch_size=1,
    shuffle=False. A batch is `collate_fn([dataset[i] for i in batch_indices])`,
    `default_collate` unless given: a `TensorDataset(X, y)` gives (xb, yb) Tensor pairs
    exactly as DataLoader(X, y) does (the same batches, in the same order for the same
    seed). As in PyTorch, the second positional argument may be the batch size:
    `DataLoader(dataset, 64)`.

    **batch_size=None** (PyTorch's, both forms): no batching; each sample is yielded alone,
    `collate_fn(sample)`, `default_convert` unless given (ndarrays become Tensors; a
    TensorDataset's sample is a tuple of row Tensors, the (X, y) form's (X[i], y[i])), in
    the order of shuffle or sampler=; len(loader) is the number of samples. It excludes
    drop_last=True and batch_sampler= (ValueError, as in PyTorch).

    **Iterable-style data sets** (PyTorch's): for an `IterableDataset`, each pass iterates
    `iter(dataset)` afresh and cuts its samples into batches of batch_size as they come
    (the last one shorter unless drop_last; batch_size=None: one by one). The data set
    sets the order: shuffle=True, sampler= and batch_sampler= raise ValueError, as in
    PyTorch (shuffle inside the data set's __iter__ instead). len(loader) needs the data
    set's __len__ (TypeError without one): ceil(len / batch_size), floor with drop_last.

    **Samplers** (both forms, PyTorch's keywords): `sampler=` (an iterable of sample
    indices, e.g. `WeightedRandomSampler`) sets the order in place of `shuffle`, cut into
    batches of batch_size; `batch_sampler=` (an iterable of index lists, e.g.
    `BatchSampler`) gives whole batches and excludes batch_size, shuffle, sampler and
    drop_last. Indices are checked against the data set's size. Batches are loaded in this process, on the CPU: num_workers (an int
    >= 0) and pin_memory (a bool), which ported scripts pass, are accepted in both forms
    and change nothing.

    In both forms each pass (epoch) visits every sample once, in a fresh random order
    when `shuffle`, drawn from the loader's own `np.random.Generator(seed)`; with
    `seed=None` the seed is drawn from the library generator, so `am.manual_seed`
    makes the order reproducible, or from `generator=` (an am.Generator, PyTorch's
    keyword; once, when the loader is made: reseeding it later does not change the
    loader's order, as it would torch's). The last batch has N mod batch_size samples unless
    `drop_last`, which leaves it out. len(loader) = number of batches per epoch:
    ceil(N / batch_size), or floor with drop_last.
    """

    def __init__(
        self,
        X: Any,
        y: Any = None,
        batch_size: Any = _BATCH_DEFAULT,
        shuffle: Any = _SHUFFLE_DEFAULT,
        drop_last: bool = False,
        seed: int | None = None,
        collate_fn: Callable[[list], Any] | None = None,
        *,
        num_workers: int = 0,
        pin_memory: bool = False,
        generator: Any = None,
        sampler: Any = None,
        batch_sampler: Any = None,
    ) -> None:
        if isinstance(num_workers, bool) or not isinstance(num_workers, (int, np.integer)):
            raise TypeError(f"DataLoader: num_workers must be an int >= 0, got {num_workers!r}")
        if num_workers < 0:
            raise ValueError(f"DataLoader: num_workers must be an int >= 0, got {num_workers}")
        _flag(pin_memory, "pin_memory", "DataLoader")
        self.dataset: Any = None
        # (a number second is torch's batch size, DataLoader(dataset, 64); batch_size's checks
        # then name a 2.0 or a True, which no y array can be)
        if not isinstance(X, (np.ndarray, Tensor)) and (y is None or isinstance(y, numbers.Number)) \
                and (isinstance(X, IterableDataset) or _is_dataset(X)):
            if y is not None:  # torch's positional order: DataLoader(dataset, batch_size)
                if batch_size is not _BATCH_DEFAULT:
                    raise TypeError(
                        f"DataLoader: got the batch size twice, as the second argument ({y!r}) "
                        f"and as batch_size={batch_size!r}"
                    )
                batch_size = y
            self.dataset = X
        elif isinstance(X, Dataset):
            raise TypeError(
                f"DataLoader: y is for the (X, y) array form; a Dataset's samples carry their "
                f"own targets (got y of type {type(y).__name__}; wrap arrays in "
                f"TensorDataset(X, y) instead)"
            )
        self._iterable = isinstance(self.dataset, IterableDataset)
        if self._iterable:  # (PyTorch's checks: an iterable data set sets its own order)
            for name, v in (("shuffle", shuffle), ("sampler", sampler), ("batch_sampler", batch_sampler)):
                if v is not _SHUFFLE_DEFAULT and v is not None and v is not False:
                    raise ValueError(
                        f"DataLoader: an IterableDataset gives its samples in its own order; it "
                        f"excludes {name} (got {name}={v!r}; shuffle inside its __iter__ instead)")
        if batch_sampler is not None:
            given = [name for name, v, default in (
                ("batch_size", batch_size, _BATCH_DEFAULT), ("shuffle", shuffle, _SHUFFLE_DEFAULT),
                ("sampler", sampler, None), ("drop_last", drop_last, False)) if v is not default]
            # (torch takes batch_size=1 and shuffle=False there too; they change nothing)
            given = [g for g in given if not (g == "batch_size" and batch_size == 1)
                     and not (g == "shuffle" and shuffle is False)]
            if given:
                raise ValueError(f"DataLoader: batch_sampler gives the batches itself; it excludes "
                                 f"{', '.join(given)} (got {', '.join(given)} as well)")
            if not hasattr(batch_sampler, "__iter__"):
                raise TypeError(f"DataLoader: batch_sampler must be an iterable of index lists, "
                                f"got {type(batch_sampler).__name__}")
            batch_size, shuffle = 1, False
        if sampler is not None:
            if shuffle is not _SHUFFLE_DEFAULT and shuffle:
                raise ValueError("DataLoader: sampler gives the order itself; it excludes shuffle=True")
            if not hasattr(sampler, "__iter__"):
                raise TypeError(f"DataLoader: sampler must be an iterable of indices, got {type(sampler).__name__}")
            shuffle = False
        if batch_size is _BATCH_DEFAULT:
            if self.dataset is None:
                raise TypeError("DataLoader: the (X, y) form needs a batch_size")
            batch_size = 1
        if batch_size is None:
            if drop_last is True:
                raise ValueError("DataLoader: batch_size=None (no batching) excludes drop_last=True: "
                                 "there is no last batch to drop")
        elif isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
            raise TypeError(f"DataLoader: batch_size must be an int, got {batch_size!r} (or None: no batching)")
        elif batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be >= 1, got {batch_size}")
        if shuffle is _SHUFFLE_DEFAULT:
            shuffle = self.dataset is None
        if self.dataset is None:
            if collate_fn is not None:
                raise TypeError(
                    "DataLoader: collate_fn is for the dataset form; the (X, y) form yields "
                    "(xb, yb) Tensors (use DataLoader(TensorDataset(X, y), ..., collate_fn=...))"
                )
            self.X, self.y = _check_pair(X, y, "DataLoader")
        else:
            if collate_fn is not None and not callable(collate_fn):
                raise TypeError(f"DataLoader: collate_fn must be callable, got {collate_fn!r}")
            if not self._iterable and _dataset_len(self.dataset, "DataLoader") == 0:
                raise ValueError("DataLoader: the data set is empty (len(dataset) is 0)")
        self.collate_fn = collate_fn
        self.batch_size = None if batch_size is None else int(batch_size)
        self.shuffle = _flag(shuffle, "shuffle", "DataLoader")
        self.drop_last = _flag(drop_last, "drop_last", "DataLoader")
        seed = _seed_from(seed, generator, "DataLoader")
        self.rng = np.random.default_rng(seed)
        self.sampler, self.batch_sampler = sampler, batch_sampler

    def _num_samples(self) -> int:
        if self.dataset is None:
            return len(self.X)
        if self._iterable:
            try:
                return len(self.dataset)
            except TypeError:
                raise TypeError(f"DataLoader: len() of a loader over an IterableDataset needs the data "
                                f"set's __len__, which {type(self.dataset).__name__} does not define") from None
        return _dataset_len(self.dataset, "DataLoader")

    def __len__(self) -> int:
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        n = self._num_samples() if self.sampler is None else len(self.sampler)
        if self.batch_size is None:
            return n
        # (integer ceiling: n / batch_size in floats underflows to 0.0 for a huge batch_size)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        if self._iterable:
            return self._iter_iterable()
        if self.batch_size is None:
            return self._iter_samples()
        if self.dataset is not None:
            return self._iter_dataset()
        return self._iter_arrays()

    def _convert(self, sample: Any) -> Any:
        return default_convert(sample) if self.collate_fn is None else self.collate_fn(sample)

    def _iter_samples(self) -> Iterator[Any]:
        """batch_size=None over a map-style data set or (X, y): one sample at a time."""
        n = self._num_samples()
        if self.sampler is not None:
            order: Any = (check_batch([i], n, "DataLoader")[0] for i in self.sampler)
        else:
            order = self.rng.permutation(n) if self.shuffle else range(n)
        for i in order:
            if self.dataset is None:
                yield Tensor._wrap(self.X[int(i)]), Tensor._wrap(self.y[int(i)])
            else:
                yield self._convert(_fetch(self.dataset, int(i), n))

    def _iter_iterable(self) -> Iterator[Any]:
        """An IterableDataset's samples, in batches of batch_size as they come (or one by one)."""
        it = iter(self.dataset)
        bs = self.batch_size
        if bs is None:
            for sample in it:
                yield self._convert(sample)
            return
        at = 0
        while True:
            samples = list(itertools.islice(it, bs))
            if not samples or (self.drop_last and len(samples) < bs):
                return
            if self.collate_fn is None:
                yield _collate(samples, list(range(at, at + len(samples))), "", "DataLoader")
            else:
                yield self.collate_fn(samples)
            at += len(samples)

    def _batches(self, n: int) -> Iterator[np.ndarray]:
        """Each batch's sample indices: the batch sampler's or sampler's, checked against
        the n samples, or cut from a shuffled (or not) range(n)."""
        if self.batch_sampler is not None:
            for batch in self.batch_sampler:
                yield check_batch(batch, n, "DataLoader")
            return
        if self.sampler is not None:
            for batch in BatchSampler(self.sampler, self.batch_size, self.drop_last):
                yield check_batch(batch, n, "DataLoader")
            return
        order = self.rng.permutation(n) if self.shuffle else np.arange(n)
        bs = self.batch_size
        nb = n // bs if self.drop_last else -(-n // bs)
        for start in range(0, nb * bs, bs):
            yield order[start:start + bs]

    def _iter_arrays(self) -> Iterator[tuple[Tensor, Tensor]]:
        for idx in self._batches(len(self.X)):
            yield Tensor._wrap(self.X[idx]), Tensor._wrap(self.y[idx])

    def _iter_dataset(self) -> Iterator[Any]:
        ds = self.dataset
        n = _dataset_len(ds, "DataLoader")
        # a TensorDataset's batch, rows cut out of each array at once: what
        # default_collate of its samples gives, without a Python loop per sample
        whole = (self.collate_fn is None and isinstance(ds, TensorDataset)
                 and type(ds).__getitem__ is TensorDataset.__getitem__)
        # (the same batches as the (X, y) form's, so both give one order for one seed)
        for idx in self._batches(n):
            if whole:
                yield tuple(Tensor._wrap(a[idx]) for a in ds._arrays)
                continue
            samples = [_fetch(ds, int(i), n) for i in idx]
            if self.collate_fn is None:
                yield _collate(samples, [int(i) for i in idx], "", "DataLoader")
            else:
                yield self.collate_fn(samples)

    def __repr__(self) -> str:
        try:
            size = f"{self._num_samples()} samples"
            batches = f", {len(self)} batches"
        except TypeError:  # (an IterableDataset without __len__)
            size, batches = f"{type(self.dataset).__name__} (iterable)", ""
        return (f"DataLoader({size}, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last}{batches})")


def _dataset_len(ds: Any, where: str) -> int:
    try:
        n = len(ds)
    except TypeError as e:
        raise TypeError(
            f"{where}: the data set ({type(ds).__name__}) needs __len__ and __getitem__: {e}"
        ) from None
    return int(n)


def _fetch(ds: Any, i: int, n: int) -> Any:
    try:
        return ds[i]
    except IndexError as e:
        raise ValueError(
            f"DataLoader: dataset[{i}] raised IndexError ({e}), but len(dataset) is {n}: the "
            f"data set's __len__ and __getitem__ disagree"
        ) from e


# -- collation ------------------------------------------------------------------------------


def default_collate(batch: Sequence) -> Any:
    """Join a list of B samples into one batch, field by field, as PyTorch's default_collate.

    * ndarrays and Tensors of one shape S -> a Tensor (B, *S), stacked along a new
      first axis (a copy, cut off from any graph; numpy's dtype promotion);
    * Python numbers -> a 1-D Tensor (B,) (floats in the default dtype, ints int64,
      bools bool); numpy scalars keep their dtype (mixed with Python numbers,
      the field is collated as numbers, as PyTorch's joins them);
    * tuples and lists of one length L -> a tuple of L collated fields (PyTorch gives
      a list; a tuple unpacks the same way and is what DataLoader(X, y) yields); a
      namedtuple stays its type;
    * dicts with one set of keys -> a dict of collated fields; strings -> the list.

    Samples of different shapes, lengths, keys or kinds in one field: ValueError or
    TypeError naming the field, the samples (their positions in the batch; a
    DataLoader names their dataset indices) and their shapes.
    """
    if not isinstance(batch, Sequence) or isinstance(batch, (str, bytes)):
        raise TypeError(f"default_collate: batch must be a list of samples, got {type(batch).__name__}")
    if len(batch) == 0:
        raise ValueError("default_collate: the batch is empty")
    return _collate(list(batch), list(range(len(batch))), "", "default_collate")


def default_convert(data: Any) -> Any:
    """A sample as DataLoader(..., batch_size=None) yields it (PyTorch's default_convert).

    Numeric ndarrays become Tensors of the same shape and dtype (sharing memory, as
    torch.as_tensor), numpy scalars 0-d Tensors; Tensors, Python numbers, strings and
    other objects are left as they are; dicts, tuples, namedtuples and lists are rebuilt
    with their entries converted (PyTorch turns a plain tuple into a list; here it stays
    a tuple, as default_collate's fields do).
    """
    if isinstance(data, Tensor):
        return data
    if isinstance(data, (np.ndarray, np.generic)):
        arr = np.asarray(data)
        return Tensor._wrap(arr) if arr.dtype.kind in "biufc" else data
    if isinstance(data, Mapping):
        converted = {k: default_convert(v) for k, v in data.items()}
        try:
            return type(data)(converted)
        except TypeError:
            return converted
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # a namedtuple
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return tuple(default_convert(d) for d in data)
    if isinstance(data, list):
        return [default_convert(d) for d in data]
    return data


def _kind(x: Any) -> str:
    if isinstance(x, (np.ndarray, Tensor)):
        return "array"
    if isinstance(x, np.generic) and not isinstance(x, (np.str_, np.bytes_)):
        return "numpy scalar"
    if isinstance(x, numbers.Number):
        return "number"
    if isinstance(x, (str, bytes)):
        return "string"
    if isinstance(x, Mapping):
        return "dict"
    if isinstance(x, Sequence):
        return "sequence"
    return type(x).__name__


_SCALARS = {"number", "numpy scalar"}


def _collate(batch: list, ids: list[int], field: str, where: str) -> Any:
    """default_collate's work; `ids` name the samples, `field` the path to this part."""
    at = f" in field {field}" if field else ""
    who = "sample" if where == "DataLoader" else "batch element"
    elem = batch[0]
    kind = _kind(elem)
    for i, x in zip(ids[1:], batch[1:]):
        k = _kind(x)
        if k != kind and {k, kind} == _SCALARS:  # (Python numbers with numpy scalars: numbers)
            kind = "number"
        elif k != kind:
            raise TypeError(
                f"{where}: samples of different kinds{at}: {who} {ids[0]} is a "
                f"{type(elem).__name__}, {who} {i} a {type(x).__name__}"
            )
    if kind in ("array", "numpy scalar"):
        arrays = [x.data if isinstance(x, Tensor) else np.asarray(x) for x in batch]
        for i, a in zip(ids, arrays):
            if a.dtype.kind not in "biufc":
                raise TypeError(f"{where}: {who} {i}{at} is an array of dtype {a.dtype}; "
                                f"only numeric arrays are collated")
        s0 = arrays[0].shape
        for i, a in zip(ids[1:], arrays[1:]):
            if a.shape != s0:
                raise ValueError(
                    f"{where}: samples of different shapes in one batch{at}: {who} {ids[0]} "
                    f"has shape {s0}, {who} {i} has shape {a.shape} (stacking needs one "
                    f"shape; pad them, or pass a collate_fn)"
                )
        return Tensor._wrap(np.stack(arrays))
    if kind == "number":
        return Tensor._of(list(batch))
    if kind == "string":
        return list(batch)
    if kind == "dict":
        keys = list(elem.keys())
        for i, x in zip(ids[1:], batch[1:]):
            if set(x.keys()) != set(keys):
                raise ValueError(
                    f"{where}: dicts with different keys{at}: {who} {ids[0]} has "
                    f"{sorted(map(repr, keys))}, {who} {i} has {sorted(map(repr, x.keys()))}"
                )
        return {k: _collate([x[k] for x in batch], ids, f"{field}[{k!r}]", where) for k in keys}
    if kind == "sequence":
        n0 = len(elem)
        for i, x in zip(ids[1:], batch[1:]):
            if len(x) != n0:
                raise ValueError(
                    f"{where}: sequences of different lengths{at}: {who} {ids[0]} has "
                    f"{n0} fields, {who} {i} has {len(x)}"
                )
        fields = [_collate([x[j] for x in batch], ids, f"{field}[{j}]", where) for j in range(n0)]
        if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # a namedtuple
            return type(elem)(*fields)
        return tuple(fields)
    raise TypeError(
        f"{where}: cannot collate {who} {ids[0]}{at} of type {type(elem).__name__}: "
        f"default_collate takes numbers, ndarrays, Tensors, strings, dicts, tuples and lists "
        f"(pass a collate_fn for other samples)"
    )


# -- map-style data sets --------------------------------------------------------------------


class Dataset:
    """A map-style data set, as PyTorch's: subclasses define `__getitem__(i)`, the
    sample of index i in range(len(self)), and `__len__`. `a + b` is
    ConcatDataset([a, b])."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __add__(self, other: Any) -> "ConcatDataset":
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """An iterable-style data set, as PyTorch's: subclasses define `__iter__`, which yields
    the samples (a stream: no indexing; `__len__` is optional, for len(loader)). A
    DataLoader iterates it afresh each pass and batches the samples as they come; it
    takes no shuffle, sampler or batch_sampler (the data set sets the order).
    `a + b` is ChainDataset([a, b])."""

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __add__(self, other: Any) -> "ChainDataset":
        return ChainDataset([self, other])


class ChainDataset(IterableDataset):
    """The samples of several IterableDatasets, one stream after the other (PyTorch's).

    len() is the sum of their lens (TypeError if one has none)."""

    def __init__(self, datasets: Any) -> None:
        self.datasets = list(datasets)
        for k, d in enumerate(self.datasets):
            if not isinstance(d, IterableDataset):
                raise TypeError(f"ChainDataset: data set {k} must be an IterableDataset, got "
                                f"{type(d).__name__}")

    def __iter__(self) -> Iterator[Any]:
        for d in self.datasets:
            yield from d

    def __len__(self) -> int:
        return sum(len(d) for d in self.datasets)


def _index(index: Any, n: int, where: str) -> int:
    """An int index into range(n) (negative ones count from the end), else IndexError."""
    if not _is_int(index):
        raise TypeError(f"{where}: index must be an int, got {index!r}")
    i = int(index)
    if not -n <= i < n:
        raise IndexError(f"{where}: index {i} is out of range for {n} samples")
    return i + n if i < 0 else i


class TensorDataset(Dataset):
    """Samples that are rows of arrays: dataset[i] = (a[i] for a in arrays), as Tensors.

    arrays: ndarrays or Tensors (or numeric array-likes), each (N, ...), one first
    dimension N. A sample is a tuple of copies of the rows, cut off from any graph;
    `tensors` holds the arrays as Tensors (sharing memory).
    """

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset: needs at least one array")
        self._arrays = tuple(_as_array(t, f"array {k}", "TensorDataset") for k, t in enumerate(tensors))
        if len({len(a) for a in self._arrays}) > 1:
            shapes = ", ".join(str(a.shape) for a in self._arrays)
            raise ValueError(
                f"TensorDataset: the arrays must have the same first (sample) dimension, got "
                f"shapes {shapes}"
            )
        self.tensors = tuple(Tensor._wrap(a) for a in self._arrays)

    def __getitem__(self, index: int) -> tuple[Tensor, ...]:
        i = _index(index, len(self), "TensorDataset")
        return tuple(Tensor._wrap(np.array(a[i])) for a in self._arrays)

    def __len__(self) -> int:
        return len(self._arrays[0])

    def __repr__(self) -> str:
        shapes = ", ".join(str(a.shape) for a in self._arrays)
        return f"TensorDataset({len(self)} samples; {shapes})"


class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order: subset[k] = dataset[indices[k]].

    indices: a sequence (or 1-D integer array) of ints in range(-len(dataset),
    len(dataset)); negative ones count from the end. `indices` keeps them as ints.
    """

    def __init__(self, dataset: Any, indices: Any) -> None:
        n = _dataset_len(dataset, "Subset")
        idx = np.asarray(indices.data if isinstance(indices, Tensor) else indices)
        if idx.size == 0:
            idx = idx.reshape(0).astype(np.int64)
        if idx.ndim != 1 or idx.dtype.kind not in "iu":
            raise TypeError(
                f"Subset: indices must be a 1-D sequence of ints, got shape {idx.shape} of "
                f"dtype {idx.dtype}"
            )
        bad = idx[(idx < -n) | (idx >= n)]
        if bad.size:
            raise ValueError(f"Subset: index {int(bad[0])} is out of range for a data set of {n} samples")
        self.dataset = dataset
        self.indices = [int(i) + n if i < 0 else int(i) for i in idx]

    def __getitem__(self, index: int) -> Any:
        return self.dataset[self.indices[_index(index, len(self.indices), "Subset")]]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """The samples of several data sets, one after the other.

    `cumulative_sizes[k]` is the total length of datasets[0..k]; sample i comes from
    the first data set whose cumulative size exceeds i. Negative indices count from
    the end.
    """

    def __init__(self, datasets: Any) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: needs at least one data set")
        self.cumulative_sizes: list[int] = []
        total = 0
        for k, d in enumerate(self.datasets):
            if isinstance(d, (np.ndarray, Tensor)) or not _is_dataset(d):
                raise TypeError(
                    f"ConcatDataset: data set {k} must be a Dataset (or have __len__ and "
                    f"__getitem__), got {type(d).__name__}"
                )
            if isinstance(d, IterableDataset):  # (as torch's: it has no __getitem__ to index)
                raise TypeError(
                    f"ConcatDataset: data set {k} is an IterableDataset ({type(d).__name__}), which "
                    f"cannot be indexed; chain iterable data sets with ChainDataset (a + b) instead"
                )
            total += _dataset_len(d, "ConcatDataset")
            self.cumulative_sizes.append(total)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> Any:
        i = _index(index, len(self), "ConcatDataset")
        k = bisect.bisect_right(self.cumulative_sizes, i)
        return self.datasets[k][i - (self.cumulative_sizes[k - 1] if k else 0)]


def _seed_from(seed: Any, generator: Any, where: str) -> int:
    """seed= checked, or a seed drawn from `generator` (the library generator for None)."""
    if seed is not None and generator is not None:
        raise TypeError(f"{where}: give seed= or generator=, not both")
    if seed is not None:
        return _seed(seed, where)
    return int(_generator_of(generator, where).integers(2**63))


def random_split(dataset: Any, lengths: Sequence, seed: int | None = None, generator: Any = None) -> list[Subset]:
    """Split `dataset` into non-overlapping random Subsets of the given lengths.

    lengths: ints summing to len(dataset), or fractions in [0, 1] summing to 1 (as
    PyTorch >= 1.13): each part gets floor(fraction * N) samples (the product rounded
    to 9 places first, so 0.29 * 100 gives 29, not 28), and the N - sum left over
    go one each to the parts in turn from the first. The samples are a permutation
    from `np.random.default_rng(seed)` (seed=None: drawn from the library generator,
    as DataLoader's, so `am.manual_seed` makes it reproducible, or from PyTorch's
    `generator=`, an am.Generator). A part of length 0 warns, as in PyTorch.
    """
    n = _dataset_len(dataset, "random_split")
    if isinstance(lengths, (str, bytes, Mapping)) or not isinstance(lengths, (Sequence, np.ndarray)):
        raise TypeError(f"random_split: lengths must be a sequence of numbers, got {lengths!r}")
    lengths = list(lengths)
    if not lengths or any(isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real)
                          or not math.isfinite(v) or v < 0 for v in lengths):
        raise ValueError(f"random_split: lengths must be non-negative numbers, got {lengths!r}")
    total = math.fsum(lengths)
    if math.isclose(total, 1) and total <= 1:  # fractions (PyTorch's test)
        sizes = [math.floor(round(float(v) * n, 9)) for v in lengths]
        for k in range(n - sum(sizes)):
            sizes[k % len(sizes)] += 1
        for k, s in enumerate(sizes):
            if s == 0:
                warnings.warn(f"random_split: the part of index {k} has length 0", stacklevel=2)
    else:
        if not all(_is_int(v) or float(v).is_integer() for v in lengths):
            raise ValueError(
                f"random_split: lengths must be ints summing to the data set's length ({n}) or "
                f"fractions summing to 1, got {lengths!r} (sum {total:g})"
            )
        sizes = [int(v) for v in lengths]
    if sum(sizes) != n:
        raise ValueError(
            f"random_split: the lengths {lengths!r} sum to {sum(sizes)}, but the data set has "
            f"{n} samples"
        )
    rng = np.random.default_rng(_seed_from(seed, generator, "random_split"))
    perm = rng.permutation(n).tolist()
    parts, at = [], 0
    for s in sizes:
        parts.append(Subset(dataset, perm[at:at + s]))
        at += s
    return parts


def higham_drilling(extra_point: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The paper's data: ten points in the unit square, five of category A, five of B.

    Returns X of shape (N, 2) (row i is the point (x1, x2)) and Y of shape
    (N, 2), the one-hot targets: A = [1, 0] (the first five), B = [0, 1]; both
    float64. N = 10, or 11 with `extra_point`: the paper's additional point
    (0.3, 0.7) of category B.
    """
    x1 = [0.1, 0.3, 0.1, 0.6, 0.4, 0.6, 0.5, 0.9, 0.4, 0.7]
    x2 = [0.1, 0.4, 0.5, 0.9, 0.2, 0.3, 0.6, 0.2, 0.4, 0.6]
    labels = [0] * 5 + [1] * 5
    if _flag(extra_point, "extra_point", "higham_drilling"):
        x1, x2, labels = x1 + [0.3], x2 + [0.7], labels + [1]
    X = np.array([x1, x2], dtype=np.float64).T.copy()
    Y = np.eye(2, dtype=np.float64)[labels]
    return X, Y


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled handwritten digits (UCI optdigits test set), no download.

    Returns images of shape (1797, 1, 8, 8), float64 in [0, 1] (grey levels
    0..16 divided by 16; NCHW with one channel) and labels of shape (1797,),
    int64 in 0..9. Needs scikit-learn: `pip install -e ".[examples]"`.
    """
    try:
        from sklearn.datasets import load_digits as _sk_load_digits
    except ImportError as e:
        raise ImportError(
            "load_digits needs scikit-learn, which is in the 'examples' extra: "
            'pip install -e ".[examples]"  (or pip install scikit-learn)'
        ) from e
    bunch = _sk_load_digits()
    images = (np.asarray(bunch.images, dtype=np.float64) / 16.0).reshape(-1, 1, 8, 8)
    labels = np.asarray(bunch.target, dtype=np.int64)
    return images, labels


def split(
    X: Any, y: Any, test_fraction: float = 0.25, seed: int | None = 0, stratify: bool = False
) -> tuple[Any, Any, Any, Any]:
    """A random train/test split: (X_train, X_test, y_train, y_test).

    ceil(test_fraction * N) samples go to the test part, chosen by
    `np.random.default_rng(seed)` (seed=None: drawn from the library generator, as
    DataLoader's, so `am.manual_seed` makes it reproducible); both parts keep the input's type (ndarray
    or Tensor). With `stratify`, y holds class labels (N,) and every class is
    split in the same proportion (largest-remainder rounding of the counts).
    """
    Xa, ya = _check_pair(X, y, "split")
    n = len(Xa)
    if (isinstance(test_fraction, bool) or not isinstance(test_fraction, numbers.Real)
            or not 0 < test_fraction < 1):
        raise ValueError(f"split: test_fraction must be a number in (0, 1), got {test_fraction!r}")
    # (rounded first: 0.07 * 100 is 7.000000000000001 in floating point, whose ceiling is 8;
    # but at least 1, the ceiling of any positive product, which the rounding can take to 0)
    n_test = max(1, math.ceil(round(float(test_fraction) * n, 9)))
    if n_test >= n:
        raise ValueError(f"split: test_fraction={test_fraction} of {n} samples leaves no training data")
    rng = np.random.default_rng(_seed_from(seed, None, "split"))
    if _flag(stratify, "stratify", "split"):
        test = _stratified_test(ya, n_test, rng)
    else:
        test = rng.permutation(n)[:n_test]
    is_test = np.zeros(n, dtype=bool)
    is_test[test] = True
    train = rng.permutation(np.flatnonzero(~is_test))

    def part(orig: Any, arr: np.ndarray, idx: np.ndarray) -> Any:
        return Tensor._wrap(arr[idx]) if isinstance(orig, Tensor) else arr[idx]

    return part(X, Xa, train), part(X, Xa, test), part(y, ya, train), part(y, ya, test)


def _stratified_test(labels: np.ndarray, n_test: int, rng: np.random.Generator) -> np.ndarray:
    """Test indices: n_test in all, each class contributing in proportion to its size."""
    if labels.ndim != 1:
        raise ValueError(f"split: stratify needs class labels of shape (N,), got shape {labels.shape}")
    classes, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    quota = counts * (n_test / len(labels))
    take = np.floor(quota).astype(int)
    # hand the remaining places to the classes with the largest fractional parts
    rest = n_test - take.sum()
    take[np.argsort(-(quota - take), kind="stable")[:rest]] += 1
    emptied = [str(c) for c, k, n in zip(classes, take, counts) if k == n]
    if emptied:
        raise ValueError(
            f"split: stratifying would put every sample of class {', '.join(emptied)} in the test "
            "part; use a smaller test_fraction or more samples"
        )
    picks = [rng.permutation(np.flatnonzero(inverse == c))[:k] for c, k in enumerate(take)]
    return rng.permutation(np.concatenate(picks))
