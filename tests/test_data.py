"""am.data: DataLoader batching, the paper's data set, the digits, the split."""

from __future__ import annotations

import builtins
import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini.data import DataLoader, higham_drilling, load_digits, split


def _data(n, d=3):
    X = np.arange(n * d, dtype=np.float64).reshape(n, d)
    y = np.arange(n, dtype=np.int64)  # label = sample index, to track samples
    return X, y


def _epoch(loader):
    batches = list(loader)
    for xb, yb in batches:
        assert isinstance(xb, am.Tensor) and isinstance(yb, am.Tensor)
        assert len(xb) == len(yb)
        np.testing.assert_array_equal(xb.data[:, 0], yb.data * 3)  # rows stay paired
    return batches


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 40), bs=st.integers(1, 12), shuffle=st.booleans(), drop_last=st.booleans(),
       seed=st.integers(0, 1000))
def test_every_sample_once_per_epoch(n, bs, shuffle, drop_last, seed):
    X, y = _data(n)
    loader = DataLoader(X, y, batch_size=bs, shuffle=shuffle, drop_last=drop_last, seed=seed)
    expected_batches = n // bs if drop_last else math.ceil(n / bs)
    assert len(loader) == expected_batches
    for _ in range(2):
        batches = _epoch(loader)
        assert len(batches) == expected_batches
        sizes = [len(yb) for _, yb in batches]
        assert all(s == bs for s in sizes[:-1])
        if batches:
            assert sizes[-1] == (bs if drop_last or n % bs == 0 else n % bs)
        seen = np.concatenate([yb.data for _, yb in batches]) if batches else np.array([], int)
        assert len(set(seen.tolist())) == len(seen)  # no sample twice
        if drop_last:
            assert len(seen) == (n // bs) * bs
        else:
            np.testing.assert_array_equal(np.sort(seen), np.arange(n))  # each exactly once
        if not shuffle:
            np.testing.assert_array_equal(seen, np.arange(len(seen)))


def test_uneven_last_batch():
    X, y = _data(10)
    sizes = [len(yb) for _, yb in DataLoader(X, y, batch_size=4, shuffle=False)]
    assert sizes == [4, 4, 2]
    sizes = [len(yb) for _, yb in DataLoader(X, y, batch_size=4, shuffle=False, drop_last=True)]
    assert sizes == [4, 4]
    assert len(DataLoader(X, y, batch_size=20, drop_last=True)) == 0
    assert list(DataLoader(X, y, batch_size=20, drop_last=True)) == []


def test_reproducible_with_seed_and_epochs_differ():
    X, y = _data(50)

    def orders(seed, epochs=3):
        loader = DataLoader(X, y, batch_size=7, seed=seed)
        return [np.concatenate([yb.data for _, yb in loader]) for _ in range(epochs)]

    a, b, c = orders(5), orders(5), orders(6)
    for ea, eb in zip(a, b):
        np.testing.assert_array_equal(ea, eb)
    assert not np.array_equal(a[0], a[1]) and not np.array_equal(a[1], a[2])
    assert not np.array_equal(a[0], c[0])


def test_seed_none_follows_manual_seed():
    X, y = _data(30)
    am.manual_seed(11)
    first = np.concatenate([yb.data for _, yb in DataLoader(X, y, batch_size=4)])
    am.manual_seed(11)
    second = np.concatenate([yb.data for _, yb in DataLoader(X, y, batch_size=4)])
    np.testing.assert_array_equal(first, second)


def test_batches_are_copies_with_dtypes_kept_and_tensors_accepted():
    X = am.tensor(np.ones((6, 2), np.float32), requires_grad=True)
    y = np.array([0, 1, 0, 1, 0, 1])
    loader = DataLoader(X, y, batch_size=4, shuffle=False)
    xb, yb = next(iter(loader))
    assert xb.dtype == np.float32 and yb.dtype == y.dtype and xb.shape == (4, 2)
    assert not xb.requires_grad and xb.grad_fn is None
    xb.data[:] = 5.0
    assert X.data.max() == 1.0  # the loader's batches do not alias the data set
    xb, yb = next(iter(DataLoader([[1.0, 2.0], [3.0, 4.0]], [0, 1], batch_size=1, shuffle=False)))
    assert xb.dtype == am.get_default_dtype() and xb.data.tolist() == [[1.0, 2.0]]


@pytest.mark.parametrize("args, kwargs, exc, match", [
    ((np.ones((5, 2)), np.ones(4), 2), {}, ValueError, r"\(5, 2\).*\(4,\)"),
    ((np.ones((5, 2)), np.ones(5), 0), {}, ValueError, "batch_size"),
    ((np.ones((5, 2)), np.ones(5), 2.0), {}, TypeError, "batch_size"),
    ((np.ones((0, 2)), np.ones(0), 2), {}, ValueError, "empty"),
    ((np.float64(1.0), np.ones(1), 1), {}, ValueError, "scalar"),
])
def test_dataloader_validation(args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        DataLoader(*args, **kwargs)


# -- the paper's data set -------------------------------------------------------------------


def test_higham_drilling_exact():
    X, Y = higham_drilling()
    assert X.shape == (10, 2) and Y.shape == (10, 2)
    assert X.dtype == np.float64 and Y.dtype == np.float64
    assert X[:, 0].tolist() == [0.1, 0.3, 0.1, 0.6, 0.4, 0.6, 0.5, 0.9, 0.4, 0.7]
    assert X[:, 1].tolist() == [0.1, 0.4, 0.5, 0.9, 0.2, 0.3, 0.6, 0.2, 0.4, 0.6]
    assert Y.tolist() == [[1.0, 0.0]] * 5 + [[0.0, 1.0]] * 5


def test_higham_drilling_extra_point():
    X, Y = higham_drilling(extra_point=True)
    X10, Y10 = higham_drilling()
    assert X.shape == (11, 2) and Y.shape == (11, 2)
    np.testing.assert_array_equal(X[:10], X10)
    np.testing.assert_array_equal(Y[:10], Y10)
    assert X[10].tolist() == [0.3, 0.7] and Y[10].tolist() == [0.0, 1.0]
    X[0, 0] = 99.0  # fresh arrays each call
    assert higham_drilling()[0][0, 0] == 0.1


# -- digits and split ---------------------------------------------------------------------------


def test_load_digits():
    images, labels = load_digits()
    assert images.shape == (1797, 1, 8, 8) and images.dtype == np.float64
    assert labels.shape == (1797,) and labels.dtype == np.int64
    assert images.min() == 0.0 and images.max() == 1.0
    np.testing.assert_array_equal(np.unique(labels), np.arange(10))
    assert np.all(np.bincount(labels) > 170)
    # values are grey levels 0..16 scaled by 1/16
    np.testing.assert_array_equal(images * 16, np.round(images * 16))
    # a zero and a one really look different: the centre column is dark for 0, bright for 1
    assert images[labels == 0][:, 0, 2:6, 3:5].mean() < images[labels == 1][:, 0, 2:6, 3:5].mean()


def test_load_digits_without_sklearn_names_extra(monkeypatch):
    real_import = builtins.__import__

    def no_sklearn(name, *args, **kwargs):
        if name == "sklearn" or name.startswith("sklearn."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_sklearn)
    with pytest.raises(ImportError, match=r'examples.*pip install -e "\.\[examples\]"'):
        load_digits()


@pytest.mark.parametrize("n, frac", [(10, 0.25), (1797, 0.2), (7, 0.5)])
def test_split_partitions(n, frac):
    X, y = _data(n)
    Xtr, Xte, ytr, yte = split(X, y, test_fraction=frac, seed=3)
    assert len(yte) == math.ceil(frac * n) and len(ytr) == n - len(yte)
    np.testing.assert_array_equal(np.sort(np.concatenate([ytr, yte])), np.arange(n))
    np.testing.assert_array_equal(Xtr[:, 0], ytr * 3)  # rows stay paired
    np.testing.assert_array_equal(Xte[:, 0], yte * 3)
    again = split(X, y, test_fraction=frac, seed=3)
    np.testing.assert_array_equal(again[3], yte)
    assert not np.array_equal(split(X, y, test_fraction=frac, seed=4)[3], yte)


def test_split_stratified_and_tensors():
    labels = np.repeat(np.arange(3), [20, 40, 60])
    X = am.tensor(np.arange(120.0).reshape(120, 1))
    Xtr, Xte, ytr, yte = split(X, am.tensor(labels), test_fraction=0.25, seed=0, stratify=True)
    assert isinstance(Xtr, am.Tensor) and isinstance(yte, am.Tensor)
    assert np.bincount(yte.data).tolist() == [5, 10, 15]
    assert np.bincount(ytr.data).tolist() == [15, 30, 45]
    np.testing.assert_array_equal(labels[Xte.data[:, 0].astype(int)], yte.data)


@pytest.mark.parametrize("kwargs, match", [
    (dict(test_fraction=0.0), "test_fraction"),
    (dict(test_fraction=1.0), "test_fraction"),
    (dict(test_fraction=0.99), "no training"),
])
def test_split_validation(kwargs, match):
    X, y = _data(10)
    with pytest.raises(ValueError, match=match):
        split(X, y, **kwargs)
    with pytest.raises(ValueError, match="same number of samples"):
        split(X, y[:5])


# -- found by a review ----------------------------------------------------------------


@pytest.mark.parametrize("frac,n,expected", [(0.07, 100, 7), (0.14, 50, 7), (0.28, 25, 7)])
def test_split_test_size_not_inflated_by_rounding(frac, n, expected):
    X, y = np.zeros((n, 1)), np.arange(n)
    _, X_test, _, _ = am.data.split(X, y, test_fraction=frac)
    assert len(X_test) == expected


def test_split_accepts_numpy_float32_fraction():
    X, y = np.zeros((10, 1)), np.arange(10)
    _, X_test, _, _ = am.data.split(X, y, test_fraction=np.float32(0.5))
    assert len(X_test) == 5


def test_stratified_split_refuses_to_leave_a_class_out_of_training():
    X, y = np.zeros((5, 1)), np.array([0, 0, 0, 0, 1])
    with pytest.raises(ValueError, match="every sample of class 1 in the test part"):
        am.data.split(X, y, test_fraction=0.5, stratify=True)


def test_manual_seed_names_itself_on_bad_seed():
    with pytest.raises((ValueError, TypeError), match="manual_seed"):
        am.manual_seed(-1)


def test_labels_that_are_none_or_not_numbers_are_named_in_the_error():
    X = np.zeros((4, 2))
    with pytest.raises(TypeError, match=r"^DataLoader: y is None"):
        DataLoader(X, None, batch_size=2)
    with pytest.raises(TypeError, match=r"^split: y is None"):
        split(X, None)
    with pytest.raises(TypeError, match=r"^DataLoader: y must be a numeric array"):
        DataLoader(X, ["a", "b", "c", "d"], batch_size=2)


@pytest.mark.parametrize("call, error, message", [
    (lambda: DataLoader(np.ones((4, 1)), np.ones(4), 2, seed=-1), ValueError,
     "DataLoader: the seed must be an int >= 0, got -1"),
    (lambda: DataLoader(np.ones((4, 1)), np.ones(4), 2, seed=1.5), ValueError,
     "DataLoader: the seed must be an int >= 0, got 1.5"),
    (lambda: split(np.ones((4, 1)), np.ones(4), seed=-1), ValueError, "split: the seed must be an int >= 0, got -1"),
    (lambda: DataLoader(np.ones((4, 1)), np.ones(4), 2, shuffle="no"), TypeError,
     "DataLoader: shuffle must be True or False, got 'no'"),
    (lambda: DataLoader(np.ones((4, 1)), np.ones(4), 2, drop_last=1), TypeError,
     "DataLoader: drop_last must be True or False, got 1"),
    (lambda: split(np.ones((4, 1)), np.ones(4), stratify="yes"), TypeError,
     "split: stratify must be True or False, got 'yes'"),
    (lambda: higham_drilling("no"), TypeError, "higham_drilling: extra_point must be True or False, got 'no'"),
])
def test_seeds_and_flags_name_the_function(call, error, message):
    with pytest.raises(error, match="^" + re.escape(message)):
        call()


# -- found by a mutation test -----------------------------------------------------------------


@pytest.mark.parametrize("stratify", [False, True])
def test_split_shuffles_both_parts(stratify):
    # (sorted parts would hand a loader without shuffling, or a look at the first
    # test samples, one class after another)
    X, y = np.arange(60.0).reshape(60, 1), np.repeat(np.arange(3), 20)
    Xtr, Xte, ytr, yte = split(X, y, test_fraction=0.25, seed=0, stratify=stratify)
    for part in (Xtr[:, 0], Xte[:, 0]):
        assert not np.all(np.diff(part) > 0)
    if stratify:
        assert not np.all(np.diff(yte) >= 0)  # the test part is not grouped by class
        assert np.bincount(yte).tolist() == [5, 5, 5]


def test_stratify_refuses_one_hot_labels():
    X, Y = higham_drilling()  # (Y is one-hot: stratify needs the class of each sample)
    with pytest.raises(ValueError, match=re.escape("split: stratify needs class labels of shape (N,), "
                                                   "got shape (10, 2)")):
        split(X, Y, test_fraction=0.2, stratify=True)
    Xtr, Xte, ytr, yte = split(X, Y.argmax(axis=1), test_fraction=0.2, stratify=True)
    assert np.bincount(yte).tolist() == [1, 1]


def test_dataloader_repr():
    loader = DataLoader(np.zeros((10, 2)), np.zeros(10), batch_size=4, drop_last=True, seed=0)
    assert repr(loader) == "DataLoader(10 samples, batch_size=4, shuffle=True, drop_last=True, 2 batches)"


def test_seed_none_draws_a_different_order_under_another_manual_seed():
    X, y = _data(30)
    orders = []
    for seed in (11, 12):
        am.manual_seed(seed)
        orders.append(np.concatenate([yb.data for _, yb in DataLoader(X, y, batch_size=4)]))
    assert not np.array_equal(orders[0], orders[1])


def test_a_bool_batch_size_is_refused():
    with pytest.raises(TypeError, match="batch_size must be an int, got True"):
        DataLoader(np.ones((5, 2)), np.ones(5), batch_size=True)


def test_a_batch_size_beyond_float_range_still_yields_the_one_batch():
    # len() used ceil(n / batch_size) in floating point: 5 / 10**400 underflows to
    # 0.0, so the loader had no batches and an epoch silently saw no data
    X, y = _data(5)
    loader = DataLoader(X, y, 10**400, shuffle=False)
    assert len(loader) == 1
    batches = list(loader)
    assert len(batches) == 1
    np.testing.assert_array_equal(batches[0][1].data, y)


@pytest.mark.parametrize("frac", [1e-12, 1e-300, 5e-324])
def test_split_a_tiny_test_fraction_still_gives_one_test_sample(frac):
    # ceil(test_fraction * N) >= 1 for any test_fraction in (0, 1), but the rounding
    # to 9 places (there against 0.07 * 100 = 7.000000000000001) took a product
    # under 5e-10 to 0: an empty test part, silently
    X, y = _data(20)
    for stratify in (False, True):
        Xtr, Xte, ytr, yte = split(X, y % 2, test_fraction=frac, seed=0, stratify=stratify)
        assert len(Xte) == len(yte) == 1 and len(Xtr) == 19
