"""DataLoader(batch_size=None) and iterable-style data sets (IterableDataset, ChainDataset),
with PyTorch 2.13's semantics (checked against torch; the expected values here are written out)."""

from collections import namedtuple

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.data import (ChainDataset, DataLoader, Dataset, IterableDataset, TensorDataset,
                                default_convert)


def plain(o):
    """Tensors as (dtype name, nested lists); containers kept; anything else as it is."""
    if isinstance(o, am.Tensor):
        return (str(o.data.dtype), o.data.tolist())
    if isinstance(o, dict):
        return {k: plain(v) for k, v in o.items()}
    if isinstance(o, tuple) and hasattr(o, "_fields"):
        return type(o)(*map(plain, o))
    if isinstance(o, (list, tuple)):
        return type(o)(map(plain, o))
    return o


class Dicts(Dataset):
    def __len__(self):
        return 3

    def __getitem__(self, i):
        return {"x": np.arange(2.0) + i, "y": i, "s": "a"}


class Pairs(Dataset):
    def __len__(self):
        return 3

    def __getitem__(self, i):
        return (np.full(2, i, dtype=np.float32), i * 1.5)


class Stream(IterableDataset):
    """Samples (array [k, k + 0.5], k) for k < n; counts the passes."""

    def __init__(self, n):
        self.n, self.passes = n, 0

    def __iter__(self):
        self.passes += 1
        for k in range(self.n):
            yield np.array([k, k + 0.5]), k


class SizedStream(Stream):
    def __len__(self):
        return self.n


# -- batch_size=None ------------------------------------------------------------------------

def test_unbatched_yields_each_sample_converted():
    got = [plain(b) for b in DataLoader(Dicts(), batch_size=None)]
    assert got == [{"x": ("float64", [i, i + 1.0]), "y": i, "s": "a"} for i in range(3)]
    got = [plain(b) for b in DataLoader(Pairs(), batch_size=None)]
    assert got == [(("float32", [i, i]), i * 1.5) for i in range(3)]
    loader = DataLoader(Pairs(), batch_size=None)
    assert loader.batch_size is None and len(loader) == 3


def test_unbatched_follows_shuffle_sampler_and_collate_fn():
    X, y = np.arange(12.0).reshape(6, 2), np.arange(6)
    ds = TensorDataset(X, y)
    # the same order as the batched loader of the same seed, one sample at a time
    order = np.concatenate([b[1].data for b in DataLoader(ds, batch_size=6, shuffle=True, seed=3)])
    got = list(DataLoader(ds, batch_size=None, shuffle=True, seed=3))
    assert [int(b[1].data) for b in got] == order.tolist() and sorted(order.tolist()) == list(range(6))
    for xb, yb in got:
        assert xb.shape == (2,) and yb.shape == () and xb.data.tolist() == X[int(yb.data)].tolist()
    # the (X, y) form yields the same rows
    pairs = list(DataLoader(X, y, batch_size=None, shuffle=True, seed=3))
    assert [(a.data.tolist(), b.data.tolist()) for a, b in pairs] == \
        [(a.data.tolist(), b.data.tolist()) for a, b in got]
    assert [plain(b) for b in DataLoader(Pairs(), batch_size=None, sampler=[2, 0])] == \
        [(("float32", [2, 2]), 3.0), (("float32", [0, 0]), 0.0)]
    assert list(DataLoader(Pairs(), batch_size=None, collate_fn=lambda s: s[1])) == [0.0, 1.5, 3.0]
    with pytest.raises(ValueError, match=r"the sampler gave index 5, outside the 3 samples"):
        list(DataLoader(Pairs(), batch_size=None, sampler=[5]))


def test_unbatched_refusals():
    with pytest.raises(ValueError, match="batch_size=None .* excludes drop_last=True"):
        DataLoader(Pairs(), batch_size=None, drop_last=True)
    with pytest.raises(ValueError, match="batch_sampler .* excludes batch_size"):
        DataLoader(Pairs(), batch_size=None, batch_sampler=[[0]])


def test_default_convert():
    P = namedtuple("P", "a b")
    a = np.arange(3, dtype=np.int32)
    t = am.tensor([1.0])
    out = default_convert({"a": a, "t": t, "n": [np.float32(2), 3], "p": P(a, "s"), "u": (a, 1)})
    assert out.pop("t") is t
    assert plain(out) == {"a": ("int32", [0, 1, 2]), "n": [("float32", 2.0), 3],
                          "p": P(("int32", [0, 1, 2]), "s"), "u": (("int32", [0, 1, 2]), 1)}
    assert np.shares_memory(out["a"].data, a)  # (as torch.as_tensor)
    strings = np.array(["x", "y"])
    assert default_convert(strings) is strings and default_convert(7) == 7


# -- IterableDataset ---------------------------------------------------------------------

def test_iterable_dataset_is_batched_as_it_comes_afresh_each_pass():
    ds = Stream(5)
    loader = DataLoader(ds, batch_size=2)
    for _ in range(2):
        got = [plain(b) for b in loader]
        assert got == [(("float64", [[0, 0.5], [1, 1.5]]), ("int64", [0, 1])),
                       (("float64", [[2, 2.5], [3, 3.5]]), ("int64", [2, 3])),
                       (("float64", [[4, 4.5]]), ("int64", [4]))]
    assert ds.passes == 2
    got = [plain(b) for b in DataLoader(Stream(5), 2, drop_last=True)]
    assert [b[1] for b in got] == [("int64", [0, 1]), ("int64", [2, 3])]
    got = [plain(b) for b in DataLoader(Stream(3), batch_size=None)]
    assert got == [(("float64", [k, k + 0.5]), k) for k in range(3)]
    assert list(DataLoader(Stream(3), batch_size=2, collate_fn=len)) == [2, 1]
    assert list(DataLoader(Stream(0), batch_size=2)) == []


def test_iterable_dataset_collates_dicts():
    class D(IterableDataset):
        def __iter__(self):
            for k in range(3):
                yield {"x": np.full(2, k), "pair": (k, float(k))}

    f = str(np.dtype(am.get_default_dtype()))  # (Python floats collate to the default dtype)
    got = [plain(b) for b in DataLoader(D(), batch_size=2)]
    assert got == [{"x": ("int64", [[0, 0], [1, 1]]), "pair": (("int64", [0, 1]), (f, [0.0, 1.0]))},
                   {"x": ("int64", [[2, 2]]), "pair": (("int64", [2]), (f, [2.0]))}]

    class Ragged(IterableDataset):
        def __iter__(self):
            yield np.zeros(2)
            yield np.zeros(2)
            yield np.zeros(3)

    with pytest.raises(ValueError, match=r"sample 2 has shape \(3,\)"):
        list(DataLoader(Ragged(), batch_size=3))


def test_iterable_dataset_len_and_chain():
    assert [len(DataLoader(SizedStream(5), batch_size=b, drop_last=d)) for b, d in
            ((2, False), (2, True), (None, False))] == [3, 2, 5]
    loader = DataLoader(Stream(5), batch_size=2)
    with pytest.raises(TypeError, match="IterableDataset needs the data set's __len__"):
        len(loader)
    assert "Stream (iterable)" in repr(loader)
    chain = Stream(2) + SizedStream(1)
    assert isinstance(chain, ChainDataset)
    got = [plain(b)[1] for b in DataLoader(chain, batch_size=2)]
    assert got == [("int64", [0, 1]), ("int64", [0])]
    with pytest.raises(TypeError, match="ChainDataset: data set 1 must be an IterableDataset"):
        ChainDataset([Stream(1), Pairs()])
    with pytest.raises(NotImplementedError, match="must define __iter__"):
        iter(IterableDataset())


@pytest.mark.parametrize("kw, name", [({"shuffle": True}, "shuffle"), ({"sampler": [0, 1]}, "sampler"),
                                      ({"batch_sampler": [[0]]}, "batch_sampler")])
def test_iterable_dataset_refuses_an_order(kw, name):
    with pytest.raises(ValueError, match=f"IterableDataset .* excludes {name}"):
        DataLoader(Stream(3), **kw)
    DataLoader(Stream(3), shuffle=False)  # (as torch: False is no order)


def test_iterable_dataset_is_in_utils_data():
    import autograd_mini.utils.data as ud
    assert ud.IterableDataset is IterableDataset and ud.ChainDataset is ChainDataset
    assert ud.default_convert is default_convert


def test_concat_dataset_refuses_an_iterable_dataset_as_torch():
    # ConcatDataset indexes its members; an IterableDataset has no __getitem__, so
    # (as torch's) it is refused when the concatenation is made, not at the first
    # lookup that reaches it. The iterable-style concatenation is ChainDataset.
    import numpy as np
    from autograd_mini.data import ConcatDataset, IterableDataset, TensorDataset

    class Stream(IterableDataset):
        def __iter__(self):
            yield from (np.zeros(2), np.ones(2))

        def __len__(self):
            return 2

    mapped = TensorDataset(am.zeros(3, 2))
    for make in (lambda: ConcatDataset([mapped, Stream()]), lambda: mapped + Stream()):
        with pytest.raises(TypeError, match=r"ConcatDataset: data set 1 .*IterableDataset.*ChainDataset"):
            make()
