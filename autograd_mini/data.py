"""Data: seeded minibatching, the paper's data set, a small real image data set, a split.

* `DataLoader(X, y, batch_size)` iterates over (xb, yb) minibatches as Tensors,
  reshuffled every epoch by its own seeded generator.
* `higham_drilling()` is the ten-point, two-category example of Higham &
  Higham (2019), optionally with the eleventh point the paper adds.
* `load_digits()` returns scikit-learn's bundled 8x8 handwritten digits
  (real data shipped inside the package; no download).
* `split(X, y)` makes a seeded train/test split.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Iterator

import numpy as np

from .creation import _seed, generator
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
            arr = Tensor(a).data
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


class DataLoader:
    """Minibatches (xb, yb) of the samples (rows) of X and y, as Tensors.

    X: (N, ...), y: (N, ...) ndarrays or Tensors (batches are copies, cut off
    from any graph; dtypes are kept, so integer labels stay integers).
    Each pass (epoch) visits every sample once, in a fresh random order when
    `shuffle` (True by default, unlike PyTorch's DataLoader: pass shuffle=False
    to keep a test set's order, e.g. to line predictions up with its labels),
    drawn from the loader's own `np.random.Generator(seed)`; with
    `seed=None` the seed is drawn from the library generator, so
    `am.manual_seed` makes the order reproducible. The last batch has N mod
    batch_size samples unless `drop_last`, which leaves it out.
    len(loader) = number of batches per epoch.
    """

    def __init__(
        self,
        X: Any,
        y: Any,
        batch_size: int,
        shuffle: bool = True,
        drop_last: bool = False,
        seed: int | None = None,
    ) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
            raise TypeError(f"DataLoader: batch_size must be an int, got {batch_size!r}")
        if batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be >= 1, got {batch_size}")
        self.X, self.y = _check_pair(X, y, "DataLoader")
        self.batch_size = int(batch_size)
        self.shuffle = _flag(shuffle, "shuffle", "DataLoader")
        self.drop_last = _flag(drop_last, "drop_last", "DataLoader")
        seed = int(generator().integers(2**63)) if seed is None else _seed(seed, "DataLoader")
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        n = len(self.X)
        # (integer ceiling: n / batch_size in floats underflows to 0.0 for a huge batch_size)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self) -> Iterator[tuple[Tensor, Tensor]]:
        n = len(self.X)
        order = self.rng.permutation(n) if self.shuffle else np.arange(n)
        bs = self.batch_size
        for start in range(0, len(self) * bs, bs):
            idx = order[start:start + bs]
            yield Tensor._wrap(self.X[idx]), Tensor._wrap(self.y[idx])

    def __repr__(self) -> str:
        return (f"DataLoader({len(self.X)} samples, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last}, {len(self)} batches)")


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
    rng = np.random.default_rng(int(generator().integers(2**63)) if seed is None else _seed(seed, "split"))
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
