"""am.data's map-style data sets (PyTorch's Dataset, TensorDataset, Subset, ConcatDataset,
random_split), default_collate and the DataLoader(dataset, ...) form."""

from __future__ import annotations

import collections
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
import autograd_mini.nn as nn
import autograd_mini.nn.functional as F
from autograd_mini.data import (
    ConcatDataset,
    DataLoader,
    Dataset,
    Subset,
    TensorDataset,
    default_collate,
    random_split,
)


class Squares(Dataset):
    """Sample i: a dict of an array, a nested tuple and a label; index i recoverable."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return {"x": np.full(3, float(i)), "pair": (i, np.array([i, i * i])), "name": f"s{i}"}


def _ids(batch):
    return batch["pair"][0].data


def _data(n, d=3):
    X = np.arange(n * d, dtype=np.float64).reshape(n, d)
    y = np.arange(n, dtype=np.int64)
    return X, y


# -- every sample once per epoch ------------------------------------------------------------


@settings(max_examples=20, deadline=None)
@given(n=st.integers(1, 30), bs=st.integers(1, 9), shuffle=st.booleans(), drop_last=st.booleans(),
       seed=st.integers(0, 1000), tensor_dataset=st.booleans())
def test_every_sample_once_per_epoch(n, bs, shuffle, drop_last, seed, tensor_dataset):
    ds = TensorDataset(*_data(n)) if tensor_dataset else Squares(n)
    loader = DataLoader(ds, batch_size=bs, shuffle=shuffle, drop_last=drop_last, seed=seed)
    n_batches = n // bs if drop_last else math.ceil(n / bs)
    assert len(loader) == n_batches
    for _ in range(2):
        batches = list(loader)
        assert len(batches) == n_batches
        ids = [b[1].data if tensor_dataset else _ids(b) for b in batches]
        sizes = [len(i) for i in ids]
        assert all(s == bs for s in sizes[:-1])
        if batches:
            assert sizes[-1] == (bs if drop_last or n % bs == 0 else n % bs)
        seen = np.concatenate(ids) if ids else np.array([], np.int64)
        assert len(set(seen.tolist())) == len(seen)
        if drop_last:
            assert len(seen) == (n // bs) * bs
        else:
            np.testing.assert_array_equal(np.sort(seen), np.arange(n))
        if not shuffle:
            np.testing.assert_array_equal(seen, np.arange(len(seen)))
        for b, i in zip(batches, ids):  # the fields of a batch stay paired
            if tensor_dataset:
                np.testing.assert_array_equal(b[0].data[:, 0], 3 * i)
            else:
                np.testing.assert_array_equal(b["x"].data[:, 0], i)
                np.testing.assert_array_equal(b["pair"][1].data[:, 1], i * i)
                assert b["name"] == [f"s{k}" for k in i]


def test_defaults_are_pytorchs_for_a_dataset_and_kept_for_arrays():
    X, y = _data(5)
    loader = DataLoader(TensorDataset(X, y))
    assert loader.batch_size == 1 and loader.shuffle is False and len(loader) == 5
    assert [int(yb.data[0]) for _, yb in loader] == [0, 1, 2, 3, 4]
    assert DataLoader(X, y, 2).shuffle is True
    with pytest.raises(TypeError, match="needs a batch_size"):
        DataLoader(X, y)
    # torch's positional order: DataLoader(dataset, batch_size)
    assert DataLoader(TensorDataset(X, y), 2).batch_size == 2
    assert len(DataLoader(Squares(7), 3)) == 3


def test_reproducible_with_seed_new_order_per_epoch_and_manual_seed():
    def orders(seed, epochs=3):
        loader = DataLoader(Squares(40), batch_size=6, shuffle=True, seed=seed)
        return [np.concatenate([_ids(b) for b in loader]) for _ in range(epochs)]

    a, b, c = orders(3), orders(3), orders(4)
    for ea, eb in zip(a, b):
        np.testing.assert_array_equal(ea, eb)
    assert not np.array_equal(a[0], a[1]) and not np.array_equal(a[1], a[2])
    assert not np.array_equal(a[0], c[0])
    firsts = []
    for _ in range(2):
        am.manual_seed(21)
        firsts.append(np.concatenate([_ids(b) for b in DataLoader(Squares(40), 6, shuffle=True)]))
    np.testing.assert_array_equal(*firsts)


def test_tensor_dataset_batches_equal_the_array_form_and_default_collate_of_its_samples():
    X = np.random.default_rng(0).normal(size=(23, 2, 3)).astype(np.float32)
    y = np.arange(23) % 4
    for seed in (0, 5):
        arrays = list(DataLoader(X, y, 5, seed=seed))
        fast = list(DataLoader(TensorDataset(X, am.tensor(y)), 5, shuffle=True, seed=seed))
        slow = list(DataLoader(TensorDataset(X, y), 5, shuffle=True, seed=seed,
                               collate_fn=default_collate))
        assert len(arrays) == len(fast) == len(slow) == 5
        for (xa, ya), (xf, yf), (xs, ys) in zip(arrays, fast, slow):
            for a, f, s in ((xa, xf, xs), (ya, yf, ys)):
                assert isinstance(f, am.Tensor) and isinstance(s, am.Tensor)
                assert a.dtype == f.dtype == s.dtype
                np.testing.assert_array_equal(a.data, f.data)
                np.testing.assert_array_equal(a.data, s.data)


def test_a_training_loop_over_a_tensor_dataset_equals_the_one_over_arrays():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(30, 4)), rng.integers(0, 3, size=30)

    def train(make_loader):
        am.manual_seed(0)
        model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
        opt = am.optim.SGD(model.parameters(), lr=0.1)
        loader = make_loader()
        losses = []
        for _ in range(3):
            for xb, yb in loader:
                opt.zero_grad()
                loss = F.cross_entropy(model(xb), yb)
                loss.backward()
                opt.step()
                losses.append(loss.item())
        return losses, [p.data.copy() for p in model.parameters()]

    la, pa = train(lambda: DataLoader(X, y, 7, seed=9))
    lb, pb = train(lambda: DataLoader(TensorDataset(X, y), batch_size=7, shuffle=True, seed=9))
    assert la == lb
    for a, b in zip(pa, pb):
        np.testing.assert_array_equal(a, b)


def test_a_list_of_samples_and_a_collate_fn():
    loader = DataLoader([(1.5, 0), (2.5, 1), (3.5, 0)], batch_size=2)
    (x, t), (x2, t2) = list(loader)
    assert x.dtype == am.get_default_dtype() and x.data.tolist() == [1.5, 2.5]
    assert t.dtype == np.int64 and t.data.tolist() == [0, 1] and x2.data.tolist() == [3.5]
    seen = []
    out = list(DataLoader(Squares(5), 2, collate_fn=lambda b: seen.append(len(b)) or len(b)))
    assert out == [2, 2, 1] and seen == [2, 2, 1]


# -- default_collate --------------------------------------------------------------------------


def test_default_collate_nested_structures():
    Point = collections.namedtuple("Point", "x y")
    batch = [
        {"img": np.full((2, 2), k, np.float32), "meta": (k, [float(k), np.int32(k)]),
         "p": Point(am.tensor([float(k), -float(k)], requires_grad=True), k % 2 == 0), "tag": f"t{k}"}
        for k in range(3)
    ]
    out = default_collate(batch)
    assert set(out) == {"img", "meta", "p", "tag"}
    assert isinstance(out["img"], am.Tensor) and out["img"].shape == (3, 2, 2)
    assert out["img"].dtype == np.float32
    np.testing.assert_array_equal(out["img"].data[:, 0, 0], [0, 1, 2])
    k, (f, i32) = out["meta"]
    assert isinstance(out["meta"], tuple) and isinstance(out["meta"][1], tuple)
    assert k.dtype == np.int64 and k.data.tolist() == [0, 1, 2]
    assert f.dtype == am.get_default_dtype() and f.data.tolist() == [0.0, 1.0, 2.0]
    assert i32.dtype == np.int32 and i32.shape == (3,)
    assert isinstance(out["p"], Point)
    assert out["p"].x.shape == (3, 2) and out["p"].x.data.tolist() == [[0, 0], [1, -1], [2, -2]]
    assert out["p"].x.grad_fn is None and not out["p"].x.requires_grad  # cut off from the graph
    assert out["p"].y.dtype == np.bool_ and out["p"].y.data.tolist() == [True, False, True]
    assert out["tag"] == ["t0", "t1", "t2"]


def test_default_collate_joins_python_numbers_with_numpy_scalars():
    # (np.float64 is a Python float: code that computes a target with numpy or without
    # gives such a mix, which PyTorch's default_collate joins)
    out = default_collate([1.0, np.float64(2.5), 3.0])
    assert out.dtype == am.get_default_dtype() and out.data.tolist() == [1.0, 2.5, 3.0]
    out = default_collate([np.int64(1), 2])
    assert out.dtype == np.int64 and out.data.tolist() == [1, 2]
    x, t = default_collate([(np.float32(0.5), 1), (0.25, np.int64(0))])
    assert x.data.tolist() == [0.5, 0.25] and t.dtype == np.int64 and t.data.tolist() == [1, 0]
    with pytest.raises(TypeError, match="different kinds"):
        default_collate([1.0, np.array(2.0)])


def test_default_collate_stacks_copies():
    a = np.zeros(2)
    out = default_collate([a, a])
    out.data[:] = 1
    assert a.tolist() == [0.0, 0.0]


@pytest.mark.parametrize("batch, exc, match", [
    ([np.ones(2), np.ones(3)], ValueError,
     r"^default_collate: samples of different shapes in one batch: batch element 0 has shape "
     r"\(2,\), batch element 1 has shape \(3,\)"),
    ([(1, np.ones((2, 2))), (2, np.ones((2, 2))), (3, np.ones((1, 2)))], ValueError,
     r"in field \[1\]: batch element 0 has shape \(2, 2\), batch element 2 has shape \(1, 2\)"),
    ([{"a": 1}, {"b": 1}], ValueError, "different keys"),
    ([(1, 2), (1,)], ValueError, "different lengths"),
    ([1, np.ones(2)], TypeError, "different kinds"),
    ([None, None], TypeError, "cannot collate batch element 0 of type NoneType"),
    ([np.array(["a"]), np.array(["b"])], TypeError, "dtype <U1"),
    ([], ValueError, "empty"),
])
def test_default_collate_errors(batch, exc, match):
    with pytest.raises(exc, match=match):
        default_collate(batch)


def test_mismatched_shapes_in_a_loader_batch_name_the_dataset_indices():
    class Ragged(Dataset):
        def __len__(self):
            return 6

        def __getitem__(self, i):
            return {"x": np.ones(3 if i == 4 else 2)}

    loader = DataLoader(Ragged(), batch_size=3)
    batches = iter(loader)
    next(batches)
    with pytest.raises(ValueError, match=r"^DataLoader: samples of different shapes in one batch "
                       r"in field \['x'\]: sample 3 has shape \(2,\), sample 4 has shape \(3,\)"):
        next(batches)


# -- Dataset, TensorDataset, Subset, ConcatDataset, random_split ------------------------------


def test_tensor_dataset_samples():
    X, y = _data(4)
    ds = TensorDataset(am.tensor(X, requires_grad=True), y)
    assert len(ds) == 4
    x2, y2 = ds[2]
    assert x2.data.tolist() == [6.0, 7.0, 8.0] and y2.shape == () and int(y2.data) == 2
    assert x2.grad_fn is None and not x2.requires_grad
    x2.data[:] = -1  # a copy: the data set is unchanged
    assert ds[2][0].data.tolist() == [6.0, 7.0, 8.0]
    assert ds[-1][1].item() == 3
    assert len(ds.tensors) == 2 and ds.tensors[1].data is y
    with pytest.raises(IndexError, match="index 4 is out of range for 4 samples"):
        ds[4]


def test_subset_and_concat_against_hand_computation():
    a, b = Squares(3), TensorDataset(*_data(4))
    sub = Subset(b, [3, 0, -2])
    assert sub.indices == [3, 0, 2] and len(sub) == 3
    assert [int(s[1].data) for s in sub] == [3, 0, 2]
    assert int(sub[-1][1].data) == 2
    cat = a + ConcatDataset([sub])
    assert isinstance(cat, ConcatDataset) and len(cat) == 6 and cat.cumulative_sizes == [3, 6]
    expected = [("a", 0), ("a", 1), ("a", 2), ("b", 3), ("b", 0), ("b", 2)]
    for k, (which, i) in enumerate(expected):
        got = cat[k]
        if which == "a":
            assert got["name"] == f"s{i}"
        else:
            assert int(got[1].data) == i
    assert int(cat[-3][1].data) == 3 and cat[-6]["name"] == "s0"
    with pytest.raises(IndexError):
        cat[6]
    with pytest.raises(IndexError):
        cat[-7]
    # iterating over a ConcatDataset of three
    c3 = ConcatDataset([Squares(2), Squares(0), Squares(1)])
    assert [s["name"] for s in (c3[i] for i in range(len(c3)))] == ["s0", "s1", "s0"]


def test_random_split_ints_and_fractions_by_hand():
    ds = Squares(10)
    parts = random_split(ds, [3, 7], seed=4)
    perm = np.random.default_rng(4).permutation(10).tolist()
    assert [p.indices for p in parts] == [perm[:3], perm[3:]]
    assert [s["name"] for s in parts[0]] == [f"s{i}" for i in perm[:3]]
    # fractions, PyTorch's rounding: floor each part, then one each to the parts in turn
    parts = random_split(Squares(11), [0.5, 0.3, 0.2], seed=4)
    # floor(5.5)=5, floor(3.3)=3, floor(2.2)=2: 1 left over -> the first part
    assert [len(p) for p in parts] == [6, 3, 2]
    perm = np.random.default_rng(4).permutation(11).tolist()
    assert [p.indices for p in parts] == [perm[:6], perm[6:9], perm[9:]]
    # 0.29 * 100 is 28.999999999999996 in floating point: still 29
    assert [len(p) for p in random_split(Squares(100), [0.29, 0.71], seed=0)] == [29, 71]
    # reproducible with a seed, and with am.manual_seed for seed=None
    assert random_split(ds, [5, 5], seed=1)[0].indices == random_split(ds, [5, 5], seed=1)[0].indices
    am.manual_seed(3)
    first = random_split(ds, [0.5, 0.5])[0].indices
    am.manual_seed(3)
    assert random_split(ds, [0.5, 0.5])[0].indices == first
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        assert [len(p) for p in random_split(Squares(2), [0.9, 0.05, 0.05], seed=0)] == [2, 0, 0]
    assert any("length 0" in str(x.message) for x in w)


# -- errors ---------------------------------------------------------------------------------


def test_a_dataset_whose_len_lies():
    class Liar(Dataset):
        def __len__(self):
            return 10

        def __getitem__(self, i):
            if i >= 6:
                raise IndexError("list index out of range")
            return float(i)

    with pytest.raises(ValueError, match=r"dataset\[\d+\] raised IndexError .* len\(dataset\) "
                                         r"is 10: the data set's __len__ and __getitem__ disagree"):
        list(DataLoader(Liar(), batch_size=4))


@pytest.mark.parametrize("make, exc, match", [
    (lambda: DataLoader(Squares(4), batch_size=0), ValueError, "batch_size must be >= 1, got 0"),
    (lambda: DataLoader(Squares(4), batch_size=-2), ValueError, "batch_size must be >= 1, got -2"),
    (lambda: DataLoader(Squares(4), batch_size=2.0), TypeError, "batch_size must be an int"),
    (lambda: DataLoader(Squares(4), 2.0), TypeError, r"batch_size must be an int, got 2\.0"),
    (lambda: DataLoader(Squares(4), True), TypeError, r"batch_size must be an int, got True"),
    (lambda: DataLoader(Squares(4), 2, batch_size=2), TypeError, "batch size twice"),
    (lambda: DataLoader(Squares(4), np.ones(4), 2), TypeError, "TensorDataset"),
    (lambda: DataLoader(Squares(0), 2), ValueError, "empty"),
    (lambda: DataLoader(Squares(4), 2, shuffle=1), TypeError, "shuffle must be True or False"),
    (lambda: DataLoader(Squares(4), 2, seed=-1), ValueError, "seed must be an int >= 0"),
    (lambda: DataLoader(Squares(4), 2, collate_fn=3), TypeError, "collate_fn must be callable"),
    (lambda: DataLoader(*_data(4), 2, collate_fn=list), TypeError, "collate_fn is for the dataset"),
    (lambda: TensorDataset(np.ones((3, 2)), np.ones(4)), ValueError,
     r"same first \(sample\) dimension, got shapes \(3, 2\), \(4,\)"),
    (lambda: TensorDataset(), ValueError, "at least one array"),
    (lambda: Subset(Squares(3), [0, 3]), ValueError, "index 3 is out of range"),
    (lambda: Subset(Squares(3), [0.5]), TypeError, "ints"),
    (lambda: ConcatDataset([]), ValueError, "at least one"),
    (lambda: ConcatDataset([Squares(2), 5]), TypeError, "data set 1"),
    (lambda: random_split(Squares(10), [3, 6]), ValueError, r"sum to 9, but the data set has 10"),
    (lambda: random_split(Squares(10), [0.5, 0.4]), ValueError, "fractions summing to 1"),
    (lambda: random_split(Squares(10), [5, -5, 10]), ValueError, "non-negative"),
    (lambda: random_split(Squares(10), [5, 5], seed=1.5), ValueError, "seed must be an int"),
])
def test_errors(make, exc, match):
    with pytest.raises(exc, match=match):
        make()


def test_the_base_dataset_asks_for_getitem():
    with pytest.raises(NotImplementedError, match="must define __getitem__"):
        Dataset()[0]


def test_num_workers_and_pin_memory_are_accepted_and_change_nothing():
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    plain = [(a.data, b.data) for a, b in am.data.DataLoader(X, y, 3, seed=4)]
    ported = [(a.data, b.data) for a, b in am.data.DataLoader(am.data.TensorDataset(X, y), 3, shuffle=True, seed=4,
                                                               num_workers=4, pin_memory=True)]
    assert all(np.array_equal(p[0], q[0]) and np.array_equal(p[1], q[1]) for p, q in zip(plain, ported))
    for bad, error in ((-1, ValueError), (1.5, TypeError), (True, TypeError)):
        with pytest.raises(error, match="DataLoader: num_workers must be an int >= 0"):
            am.data.DataLoader(X, y, 3, num_workers=bad)
