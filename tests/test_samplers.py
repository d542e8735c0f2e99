"""Samplers and DataLoader's sampler= / batch_sampler= (PyTorch's), in both loader forms."""

from collections import Counter

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.data import (BatchSampler, DataLoader, RandomSampler, Sampler, SequentialSampler,
                                SubsetRandomSampler, TensorDataset, WeightedRandomSampler)


def _rows(loader):
    """The first column of every batch's xb, one list per batch."""
    return [xb.data[:, 0].tolist() for xb, _ in loader]


def _data(n=10):
    X = np.arange(n, dtype=float)[:, None] * np.ones((1, 3))
    y = np.arange(n)
    return X, y


def test_sequential_sampler():
    assert list(SequentialSampler(range(5))) == [0, 1, 2, 3, 4]
    assert len(SequentialSampler([7, 8])) == 2


def test_random_sampler_without_replacement_is_a_permutation_each_pass():
    s = RandomSampler(range(20), generator=am.Generator().manual_seed(1))
    a, b = list(s), list(s)
    assert sorted(a) == sorted(b) == list(range(20))
    assert a != b  # a new draw each pass
    assert len(s) == 20


def test_random_sampler_num_samples_above_n_gives_whole_permutations_then_a_part():
    out = list(RandomSampler(range(4), num_samples=10, generator=am.Generator().manual_seed(0)))
    assert len(out) == 10
    assert sorted(out[:4]) == sorted(out[4:8]) == [0, 1, 2, 3]
    assert len(set(out[8:])) == 2


def test_random_sampler_with_replacement_draws_in_range():
    out = list(RandomSampler(range(3), replacement=True, num_samples=300, generator=am.Generator().manual_seed(0)))
    assert len(out) == 300 and set(out) == {0, 1, 2}
    assert all(type(i) is int for i in out)


def test_random_samplers_follow_manual_seed():
    am.manual_seed(5)
    a = list(RandomSampler(range(30)))
    am.manual_seed(5)
    b = list(RandomSampler(range(30)))
    assert a == b


def test_subset_random_sampler_permutes_its_indices():
    s = SubsetRandomSampler([3, 5, 9, 11], generator=am.Generator().manual_seed(2))
    assert sorted(s) == [3, 5, 9, 11]
    assert len(s) == 4


def test_weighted_random_sampler_follows_the_weights():
    s = WeightedRandomSampler([1.0, 0.0, 3.0], num_samples=20000, generator=am.Generator().manual_seed(0))
    counts = Counter(s)
    assert counts[1] == 0  # weight 0: never drawn
    # 1:3 odds; 20000 draws put the share within 0.02 of 0.25 (about 6 standard deviations)
    assert abs(counts[0] / 20000 - 0.25) < 0.02


def test_weighted_random_sampler_without_replacement_draws_distinct_nonzero():
    w = np.array([0.5, 0, 2, 1, 0, 4])
    out = list(WeightedRandomSampler(w, 4, replacement=False, generator=am.Generator().manual_seed(3)))
    assert len(set(out)) == 4 and set(out) <= {0, 2, 3, 5}


def test_weighted_random_sampler_balances_classes_in_a_loader():
    labels = np.array([0] * 90 + [1] * 10)
    X = np.zeros((100, 2))
    weights = 1.0 / np.bincount(labels)[labels]
    sampler = WeightedRandomSampler(weights, num_samples=4000, generator=am.Generator().manual_seed(0))
    seen = np.concatenate([yb.data for _, yb in DataLoader(TensorDataset(X, labels), 100, sampler=sampler)])
    assert len(seen) == 4000
    assert 0.45 < seen.mean() < 0.55  # class 1 is 10% of the data, half of the draws


@pytest.mark.parametrize("make, message", [
    (lambda: WeightedRandomSampler([1, -1], 2), "finite and >= 0"),
    (lambda: WeightedRandomSampler([1, np.nan], 2), "finite and >= 0"),
    (lambda: WeightedRandomSampler([0, 0], 2), "every weight is 0"),
    (lambda: WeightedRandomSampler([[1, 2]], 2), "1-D"),
    (lambda: WeightedRandomSampler([1, 0, 1], 3, replacement=False), "at most 2"),
    (lambda: WeightedRandomSampler([1, 2], 0), "num_samples must be a positive int"),
    (lambda: RandomSampler([]), "empty"),
    (lambda: RandomSampler(range(3), num_samples=0), "num_samples"),
    (lambda: SubsetRandomSampler([[1, 2]]), "1-D sequence of ints"),
    (lambda: SubsetRandomSampler([0.5]), "1-D sequence of ints"),
    (lambda: BatchSampler(range(3), 0, False), "batch_size must be a positive int"),
])
def test_bad_sampler_arguments_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_batch_sampler():
    assert list(BatchSampler(range(7), 3, drop_last=False)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(BatchSampler(range(7), 3, drop_last=True)) == [[0, 1, 2], [3, 4, 5]]
    assert len(BatchSampler(range(7), 3, False)) == 3 and len(BatchSampler(range(7), 3, True)) == 2


@pytest.mark.parametrize("form", ["arrays", "dataset"])
def test_loader_takes_sampler_order_in_batches(form):
    X, y = _data()
    order = [9, 0, 4, 4, 7]
    loader = (DataLoader(X, y, 2, sampler=order) if form == "arrays"
              else DataLoader(TensorDataset(X, y), 2, sampler=order))
    assert _rows(loader) == [[9.0, 0.0], [4.0, 4.0], [7.0]]
    assert len(loader) == 3
    assert len(DataLoader(X, y, 2, sampler=order, drop_last=True)) == 2
    assert _rows(DataLoader(X, y, 2, sampler=order, drop_last=True)) == [[9.0, 0.0], [4.0, 4.0]]


def test_loader_with_sampler_on_a_plain_dataset_collates():
    ds = [(np.full(2, float(i)), i) for i in range(6)]
    batches = list(DataLoader(ds, batch_size=2, sampler=[5, 1, 3]))
    assert [b[1].data.tolist() for b in batches] == [[5, 1], [3]]


@pytest.mark.parametrize("form", ["arrays", "dataset"])
def test_loader_takes_batch_sampler_batches(form):
    X, y = _data()
    batches = [[1, 2, 3], [0], [8, 9]]
    loader = (DataLoader(X, y, batch_sampler=batches) if form == "arrays"
              else DataLoader(TensorDataset(X, y), batch_sampler=batches))
    assert _rows(loader) == [[1.0, 2.0, 3.0], [0.0], [8.0, 9.0]]
    assert len(loader) == 3


def test_loader_with_random_sampler_visits_every_sample_once_per_epoch():
    X, y = _data(13)
    loader = DataLoader(TensorDataset(X, y), 4, sampler=RandomSampler(range(13), generator=am.Generator().manual_seed(0)))
    for _ in range(2):
        assert sorted(v for batch in _rows(loader) for v in batch) == list(range(13))


def test_custom_sampler_subclass():
    class Reversed(Sampler):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(self.n - 1, -1, -1))

        def __len__(self):
            return self.n

    X, y = _data(5)
    assert _rows(DataLoader(X, y, 2, sampler=Reversed(5))) == [[4.0, 3.0], [2.0, 1.0], [0.0]]


def test_sampler_base_class_needs_iter():
    with pytest.raises(NotImplementedError, match="__iter__"):
        iter(Sampler())


@pytest.mark.parametrize("kwargs, message", [
    (dict(sampler=[0, 1], shuffle=True), "excludes shuffle=True"),
    (dict(batch_sampler=[[0]], batch_size=2), "excludes batch_size"),
    (dict(batch_sampler=[[0]], shuffle=True), "excludes shuffle"),
    (dict(batch_sampler=[[0]], sampler=[0]), "excludes sampler"),
    (dict(batch_sampler=[[0]], drop_last=True), "excludes drop_last"),
])
def test_loader_refuses_conflicting_options(kwargs, message):
    X, y = _data()
    with pytest.raises(ValueError, match=message):
        DataLoader(TensorDataset(X, y), **kwargs)


def test_loader_accepts_torchs_defaults_beside_batch_sampler():
    X, y = _data()
    loader = DataLoader(TensorDataset(X, y), batch_size=1, shuffle=False, batch_sampler=[[2, 3]])
    assert _rows(loader) == [[2.0, 3.0]]


@pytest.mark.parametrize("sampler, error, message", [
    ([0, 10], ValueError, "index 10, outside the 10 samples"),
    ([0, -1], ValueError, "index -1"),
    ([0.5, 1.0], TypeError, "int indices"),
    ([True, False], TypeError, "int indices"),
])
def test_loader_checks_sampler_indices(sampler, error, message):
    X, y = _data()
    for loader in (DataLoader(X, y, 2, sampler=sampler), DataLoader(TensorDataset(X, y), 2, sampler=sampler)):
        with pytest.raises(error, match=message):
            list(loader)


def test_loader_refuses_a_sampler_that_is_not_iterable():
    X, y = _data()
    with pytest.raises(TypeError, match="sampler must be an iterable"):
        DataLoader(X, y, 2, sampler=3)
    with pytest.raises(TypeError, match="batch_sampler must be an iterable"):
        DataLoader(X, y, batch_sampler=3)


def test_loader_without_sampler_keeps_its_order():
    # sampler=None leaves the seeded shuffle as it was: both forms, one order
    X, y = _data(11)
    a = _rows(DataLoader(X, y, 3, seed=4))
    b = _rows(DataLoader(TensorDataset(X, y), 3, shuffle=True, seed=4))
    assert a == b and sorted(v for r in a for v in r) == list(range(11))
