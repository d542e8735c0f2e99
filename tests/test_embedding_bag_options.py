"""EmbeddingBag's max_norm, norm_type and scale_grad_by_freq (PyTorch's), against
oracles written with loops."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn import functional as F


def _bags_of(idx: np.ndarray, offsets: np.ndarray | None) -> list[list[int]]:
    """The positions (into idx.ravel()) of each bag's entries."""
    if offsets is None:
        B, N = idx.shape
        return [list(range(b * N, (b + 1) * N)) for b in range(B)]
    ends = list(offsets[1:]) + [idx.size]
    return [list(range(s, e)) for s, e in zip(offsets, ends)]


def _grad_oracle(idx, offsets, V, D, g, mode, psw=None, padding_idx=None, scale=True):
    """weight's gradient for out (B, D) with upstream g, by loops: each real entry i of bag
    b gives its row g[b] * psw_i (sum) or g[b] / n_b (mean), divided by the number of
    times idx holds its row (scale_grad_by_freq)."""
    flat = idx.ravel()
    counts = {r: int((flat == r).sum()) for r in set(flat.tolist())}
    grad = np.zeros((V, D))
    for b, positions in enumerate(_bags_of(idx, offsets)):
        real = [i for i in positions if flat[i] != padding_idx]
        for i in real:
            r = flat[i]
            share = g[b] * (psw.ravel()[i] if psw is not None else 1.0)
            if mode == "mean":
                share = share / len(real)
            grad[r] += share / (counts[r] if scale else 1)
    return grad


CASES = [
    # (input, offsets): the 1-D form with bags of sizes 3, 2, 0, 2 and the 2-D form
    (np.array([1, 1, 2, 3, 1, 0, 0]), np.array([0, 3, 5, 5])),
    (np.array([[1, 1, 2], [1, 3, 3], [4, 0, 1]]), None),
]


@pytest.mark.parametrize("mode", ["sum", "mean"])
@pytest.mark.parametrize("case", range(len(CASES)))
@pytest.mark.parametrize("padding_idx", [None, 1])
def test_scale_grad_by_freq_divides_each_rows_gradient_by_its_count(mode, case, padding_idx):
    idx, offsets = CASES[case]
    V, D = 5, 3
    w0 = np.random.default_rng(case).standard_normal((V, D))
    g = np.random.default_rng(9).standard_normal((len(_bags_of(idx, offsets)), D))
    outs = []
    for scale in (False, True):
        w = am.tensor(w0, requires_grad=True)
        out = F.embedding_bag(idx, w, offsets, scale_grad_by_freq=scale, mode=mode, padding_idx=padding_idx)
        out.backward(g)
        want = _grad_oracle(idx, offsets, V, D, g, mode, padding_idx=padding_idx, scale=scale)
        np.testing.assert_allclose(w.grad.data, want, rtol=1e-14, atol=1e-15)
        outs.append(out.data)
    assert np.array_equal(outs[0], outs[1])  # (the values are unchanged, bit for bit)


def test_scale_grad_by_freq_with_per_sample_weights_scales_only_the_weights_gradient():
    idx, offsets = CASES[0]
    w0 = np.random.default_rng(1).standard_normal((5, 2))
    psw0 = np.random.default_rng(2).standard_normal(idx.shape)
    g = np.random.default_rng(3).standard_normal((4, 2))
    grads = []
    for scale in (False, True):
        w, psw = am.tensor(w0, requires_grad=True), am.tensor(psw0, requires_grad=True)
        F.embedding_bag(idx, w, offsets, None, 2.0, scale, mode="sum", per_sample_weights=psw).backward(g)
        want = _grad_oracle(idx, offsets, 5, 2, g, "sum", psw=psw0, scale=scale)
        np.testing.assert_allclose(w.grad.data, want, rtol=1e-14, atol=1e-15)
        grads.append(psw.grad.data)
    assert np.array_equal(grads[0], grads[1])


@settings(max_examples=6, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.sampled_from(["sum", "mean"]), st.integers(0, 2**31))
def test_scale_grad_by_freq_on_random_bags(B, N, mode, seed):
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, 4, (B, N))
    w = am.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    # (no gradcheck: the scaled gradient is not the derivative of the values, by design)
    out = F.embedding_bag(idx, w, scale_grad_by_freq=True, mode=mode)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    np.testing.assert_allclose(w.grad.data, _grad_oracle(idx, None, 4, 3, g, mode), rtol=1e-13, atol=1e-15)


def test_scale_grad_by_freq_is_refused_with_max_mode_as_torch():
    with pytest.raises(ValueError, match=r"embedding_bag: mode='max' does not support scale_grad_by_freq=True"):
        F.embedding_bag(np.array([[0, 1]]), am.ones(3, 2), scale_grad_by_freq=True, mode="max")
    with pytest.raises(ValueError, match=r"EmbeddingBag: mode='max' does not support scale_grad_by_freq=True"):
        nn.EmbeddingBag(3, 2, scale_grad_by_freq=True, mode="max")


def _renorm_oracle(w: np.ndarray, rows, max_norm: float, p: float) -> np.ndarray:
    w = w.copy()
    for r in sorted(set(rows)):
        norm = np.sum(np.abs(w[r]) ** p) ** (1 / p)
        if norm > max_norm:
            w[r] *= max_norm / (norm + 1e-7)
    return w


@pytest.mark.parametrize("norm_type", [2.0, 1.0])
@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_max_norm_renormalises_the_picked_rows_in_place_as_embedding(norm_type, mode):
    idx, offsets = np.array([1, 1, 2, 0, 4]), np.array([0, 2, 3])
    w0 = np.random.default_rng(4).standard_normal((6, 3)) * 2
    w = am.tensor(w0, requires_grad=True)
    out = F.embedding_bag(idx, w, offsets, 1.5, norm_type, mode=mode, padding_idx=4)
    renormed = _renorm_oracle(w0, idx.tolist(), 1.5, norm_type)  # (row 4, padding, too: as PyTorch)
    np.testing.assert_allclose(w.data, renormed, rtol=1e-15)
    assert np.array_equal(w.data[[3, 5]], w0[[3, 5]])  # (rows not picked are untouched)
    # the result and the gradient are those of the lookup on the renormalised table
    w2 = am.tensor(w.data.copy(), requires_grad=True)
    ref = F.embedding_bag(idx, w2, offsets, mode=mode, padding_idx=4)
    assert np.array_equal(out.data, ref.data)
    g = np.random.default_rng(5).standard_normal(out.shape)
    out.backward(g)
    ref.backward(g)
    assert np.array_equal(w.grad.data, w2.grad.data)
    # same rows, same factors as F.embedding's max_norm
    w3 = am.tensor(w0.copy())
    F.embedding(idx, w3, max_norm=1.5, norm_type=norm_type)
    assert np.array_equal(w3.data, w.data)


def test_module_max_norm_and_scale_grad_by_freq_and_their_checks():
    am.manual_seed(0)
    bag = nn.EmbeddingBag(6, 3, 0.5, scale_grad_by_freq=True, mode="sum")
    assert bag.extra_repr() == "6, 3, max_norm=0.5, scale_grad_by_freq=True, mode='sum'"  # (torch's order)
    before = bag.weight.data.copy()
    idx = np.array([[0, 0, 5]])
    out = bag(idx)
    assert np.allclose(np.linalg.norm(bag.weight.data[[0, 5]], axis=1), 0.5)
    assert np.array_equal(bag.weight.data[1:5], before[1:5])
    out.sum().backward()
    np.testing.assert_array_equal(bag.weight.grad.data[[0, 5]], np.ones((2, 3)))  # (2 lookups / 2, 1 / 1)
    with pytest.raises(ValueError, match=r"EmbeddingBag: max_norm must be a positive number, got -1.0"):
        nn.EmbeddingBag(3, 2, max_norm=-1.0)
    with pytest.raises(ValueError, match=r"EmbeddingBag: sparse gradients are not offered"):
        nn.EmbeddingBag(3, 2, sparse=True)
    w = am.ones(3, 2, requires_grad=True) * 2
    with pytest.raises(ValueError, match=r"embedding_bag: max_norm renormalises the rows of weight in place, "
                                         r"so weight \(shape \(3, 2\)\) must be a leaf tensor"):
        F.embedding_bag(np.array([[0, 1]]), w, max_norm=1.0)
    with pytest.raises(ValueError, match=r"embedding_bag: norm_type must be a number, not NaN"):
        F.embedding_bag(np.array([[0, 1]]), am.ones(3, 2), max_norm=1.0, norm_type=float("nan"))


def test_compile_refuses_max_norm_and_scale_grad_by_freq_and_replays_the_rest_bit_for_bit():
    idx = np.array([[0, 2, 2], [1, 1, 0]])
    for kwargs in ({"max_norm": 1.0}, {"scale_grad_by_freq": True}):
        step = am.compile(lambda w, i: F.embedding_bag(i, w, mode="sum", **kwargs).sum())  # noqa: B023
        with pytest.raises(RuntimeError, match="embedding_bag: max_norm and scale_grad_by_freq depend on "
                                               "the indices' values"):
            step(am.ones(3, 2, requires_grad=True), idx)
    f = lambda w, i: (F.embedding_bag(i, w, mode="mean") ** 2).sum()  # noqa: E731
    step = am.compile(f)
    for seed in range(3):
        w0 = np.random.default_rng(seed).standard_normal((3, 2))
        res = []
        for fn in (f, step):
            w = am.tensor(w0, requires_grad=True)
            loss = fn(w, idx)
            loss.backward()
            res.append((loss.data, w.grad.data))
        assert np.array_equal(res[0][0], res[1][0]) and np.array_equal(res[0][1], res[1][1])


@pytest.mark.parametrize("bad", [
    dict(input=[0, 1, 2], offsets=[1, 0]),                                            # offsets not sorted
    dict(input=[0, 1, 2], offsets=[0], per_sample_weights=[1.0, 1.0, 1.0]),           # mode='mean'
    dict(input=[0, 1, 2], offsets=[0], per_sample_weights=[1.0, 1.0], mode="sum"),    # wrong shape
    dict(input=[0, 1, 2]),                                                            # 1-D, no offsets
    dict(input=[[0, 1]], offsets=[0]),                                                # 2-D with offsets
])
def test_a_refused_call_does_not_renormalise_the_weight(bad):
    # max_norm writes into weight: it must come after every check, so a call that
    # raises leaves the table as it was
    W = am.tensor(np.full((4, 3), 5.0), requires_grad=True)
    kw = {k: (am.tensor(v) if isinstance(v, list) else v) for k, v in bad.items()}
    with pytest.raises(ValueError):
        F.embedding_bag(kw.pop("input"), W, kw.pop("offsets", None), max_norm=1.0, **kw)
    assert np.all(W.data == 5.0)
