"""F.embedding_bag and nn.EmbeddingBag: values against Python loops, gradients of the
first and second order, PyTorch's rules for offsets, padding_idx and empty bags."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn import functional as F

SETTINGS = settings(max_examples=12, deadline=None)


def naive_bags(idx, offsets, L, include_last_offset):
    """The bags as lists of positions into the 1-D input."""
    if offsets is None:  # 2-D input: a bag per row
        return [[(b, j) for j in range(idx.shape[1])] for b in range(idx.shape[0])]
    starts = list(offsets[:-1]) if include_last_offset else list(offsets)
    ends = list(offsets[1:]) if include_last_offset else list(offsets[1:]) + [L]
    return [[(i,) for i in range(s, e)] for s, e in zip(starts, ends)]


def naive_embedding_bag(idx, w, offsets=None, mode="mean", psw=None, include_last_offset=False, padding_idx=None):
    bags = naive_bags(idx, offsets, idx.shape[0], include_last_offset)
    out = np.zeros((len(bags), w.shape[1]))
    for b, bag in enumerate(bags):
        rows = [w[idx[pos]] * (1.0 if psw is None else psw[pos]) for pos in bag if idx[pos] != padding_idx]
        if not rows:
            continue
        if mode == "sum":
            out[b] = sum(rows)
        elif mode == "mean":
            out[b] = sum(rows) / len(rows)
        else:
            for d in range(w.shape[1]):
                out[b, d] = max(r[d] for r in rows)
    return out


def random_offsets(rng, L, B):
    return np.concatenate([[0], np.sort(rng.integers(0, L + 1, B - 1))]).astype(np.int64)


@SETTINGS
@given(mode=st.sampled_from(["sum", "mean", "max"]), two_d=st.booleans(), B=st.integers(1, 4),
       N=st.integers(0, 4), V=st.integers(1, 5), padding_idx=st.sampled_from([None, 0, -1]),
       include_last_offset=st.booleans(), weighted=st.booleans(), seed=st.integers(0, 1000))
def test_values_and_gradients_match_loops(mode, two_d, B, N, V, padding_idx, include_last_offset, weighted, seed):
    rng = np.random.default_rng(seed)
    D = 3
    w = rng.standard_normal((V, D))
    if two_d:
        idx, offsets = rng.integers(0, V, (B, N)), None
    else:
        idx = rng.integers(0, V, B * N)
        offsets = random_offsets(rng, idx.size, B)
        if include_last_offset:
            offsets = np.append(offsets, idx.size)
    psw = rng.standard_normal(idx.shape) if weighted and mode == "sum" else None
    ilo = include_last_offset and not two_d
    pad = None if padding_idx is None else padding_idx % V
    f = lambda w, s=None: F.embedding_bag(idx, w, offsets, mode=mode, per_sample_weights=s,
                                          include_last_offset=ilo, padding_idx=padding_idx)
    out = f(w, psw)
    assert out.shape == (B, D)
    np.testing.assert_allclose(out.data, naive_embedding_bag(idx, w, offsets, mode, psw, ilo, pad), rtol=1e-12, atol=1e-15)
    # float64 gradients of both orders (max: random rows do not tie, so its gradient is defined)
    args = (w,) if psw is None else (w, psw)
    if not out.data.any():  # (only empty bags: nothing depends on w)
        return
    am.gradcheck(lambda *a: f(*a) ** 2, args)
    am.gradgradcheck(lambda *a: f(*a) ** 2, args)


def test_max_gradient_goes_to_the_argmax_and_padding_rows_get_none():
    w = am.tensor(np.array([[1.0, 5.0], [3.0, 2.0], [9.0, 9.0]]), requires_grad=True)
    out = F.embedding_bag(np.array([[0, 1, 2], [1, 1, 2]]), w, mode="max", padding_idx=2)
    np.testing.assert_array_equal(out.data, [[3.0, 5.0], [3.0, 2.0]])
    out.sum().backward()
    # bag 0: column 0 from row 1, column 1 from row 0; bag 1: row 1 twice (the same row: g once);
    # row 2 is padding: no gradient though its values are the largest
    np.testing.assert_array_equal(w.grad.data, [[0.0, 1.0], [2.0, 1.0], [0.0, 0.0]])


def test_empty_bags_are_zeros_with_zero_gradients():
    w = am.tensor(np.random.default_rng(0).standard_normal((4, 2)), requires_grad=True)
    for mode in ("sum", "mean", "max"):
        w.grad = None
        out = F.embedding_bag(np.array([3, 1, 2]), w, np.array([0, 0, 3, 3]), mode=mode)
        np.testing.assert_array_equal(out.data[[0, 2, 3]], 0.0)
        assert np.isfinite(out.data).all()
        out.sum().backward()
        assert np.isfinite(w.grad.data).all() and (w.grad.data[0] == 0).all()
        out = F.embedding_bag(np.zeros(0, np.int64), w, np.array([0, 0]), mode=mode)
        np.testing.assert_array_equal(out.data, np.zeros((2, 2)))
        np.testing.assert_array_equal(F.embedding_bag(np.zeros((2, 0), np.int64), w, mode=mode).data, np.zeros((2, 2)))
    # a bag of padding only is empty too
    out = F.embedding_bag(np.array([[0, 0], [1, 0]]), w, mode="mean", padding_idx=0)
    np.testing.assert_array_equal(out.data, [[0.0, 0.0], w.data[1]])


def test_float32_stays_float32():
    w = am.tensor(np.ones((3, 2), np.float32), requires_grad=True)
    for mode in ("sum", "mean", "max"):
        out = F.embedding_bag(np.array([[0, 1], [2, 2]]), w, mode=mode, padding_idx=2)
        assert out.dtype == np.float32, mode


def test_unsigned_offsets_are_offsets():
    w = am.tensor(np.arange(8.0).reshape(4, 2), requires_grad=True)
    want = F.embedding_bag(np.array([0, 1, 2]), w, np.array([0, 1, 3]), mode="sum", include_last_offset=True)
    for dt in (np.uint8, np.uint32, np.uint64):
        got = F.embedding_bag(np.array([0, 1, 2]), w, np.array([0, 1, 3], dt), mode="sum", include_last_offset=True)
        np.testing.assert_array_equal(got.data, want.data)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(input=np.array([0, 1]), offsets=np.array([1])), ValueError, r"offsets\[0\] must be 0"),
    (dict(input=np.array([0, 1]), offsets=np.array([0, 2, 1])), ValueError, "non-decreasing"),
    (dict(input=np.array([0, 1, 2]), offsets=np.array([0, 2, 1], np.uint8)), ValueError, "non-decreasing"),
    (dict(input=np.array([0, 1, 2]), offsets=np.array([0, 2, 1], np.uint64)), ValueError, "non-decreasing"),
    (dict(input=np.array([0, 1]), offsets=np.array([0, 3])), ValueError, r"offsets\[-1\] = 3 is past the end"),
    (dict(input=np.array([0, 1]), offsets=np.array([0, 1]), include_last_offset=True), ValueError,
     r"offsets\[-1\] must be the input's length 2"),
    (dict(input=np.array([0, 1])), ValueError, r"1-D input, here \(2,\), needs offsets"),
    (dict(input=np.array([[0, 1]]), offsets=np.array([0])), ValueError, r"2-D input \(B, N\), here \(1, 2\), takes no offsets"),
    (dict(input=np.zeros((1, 1, 1), np.int64)), ValueError, r"got shape \(1, 1, 1\)"),
    (dict(input=np.array([[0, 5]])), IndexError, "index 5 is out of range for num_embeddings 4"),
    (dict(input=np.array([[0.0]])), TypeError, "indices must be integers"),
    (dict(input=np.array([0]), offsets=np.array([0.0])), TypeError, "offsets must be a 1-D integer array"),
    (dict(input=np.array([[0]]), mode="median"), ValueError, "mode must be one of"),
    (dict(input=np.array([[0]]), mode="mean", per_sample_weights=np.ones((1, 1))), ValueError,
     "only supported with mode='sum'"),
    (dict(input=np.array([[0, 1]]), mode="sum", per_sample_weights=np.ones(2)), ValueError,
     r"per_sample_weights must have input's shape \(1, 2\), got \(2,\)"),
    (dict(input=np.array([[0]]), padding_idx=4), ValueError, "padding_idx must be within num_embeddings 4"),
])
def test_bad_input_is_refused_naming_the_op(kwargs, error, match):
    w = am.tensor(np.ones((4, 2)), requires_grad=True)
    with pytest.raises(error, match="embedding_bag: .*" + match):
        F.embedding_bag(weight=w, **kwargs)
    with pytest.raises(ValueError, match=r"embedding_bag: weight must have shape .* got \(4,\)"):
        F.embedding_bag(np.array([[0]]), np.ones(4))


def test_integer_weight_is_refused_as_pytorch_not_given_a_dtype_by_the_layout():
    # (it was int64 for a 2-D input without padding_idx, float64 with offsets or padding_idx)
    for kwargs in (dict(input=np.array([[0, 1]])), dict(input=np.array([0, 1]), offsets=np.array([0])),
                   dict(input=np.array([[0, 1]]), padding_idx=1)):
        with pytest.raises(TypeError, match=r"embedding_bag: weight of shape \(4, 2\) has dtype int64"):
            F.embedding_bag(weight=np.arange(8).reshape(4, 2), mode="sum", **kwargs)


def test_module_matches_the_function_and_pytorch_defaults():
    am.manual_seed(0)
    m = nn.EmbeddingBag(10, 3, mode="sum", padding_idx=-1)
    assert m.weight.shape == (10, 3) and (m.weight.data[9] == 0).all() and m.padding_idx == 9
    assert nn.EmbeddingBag(4, 2).mode == "mean"  # PyTorch's default
    assert repr(m).startswith("EmbeddingBag(10, 3, mode='sum', padding_idx=9)")
    idx, off, s = np.array([1, 9, 3, 4]), np.array([0, 1, 4]), np.arange(4.0)
    m2 = nn.EmbeddingBag(10, 3, mode="sum", include_last_offset=True)
    np.testing.assert_array_equal(m(idx, off[:2], s).data, F.embedding_bag(idx, m.weight, off[:2], mode="sum",
                                                                           per_sample_weights=s, padding_idx=9).data)
    assert m2(idx, off).shape == (2, 3)
    with pytest.raises(ValueError, match="EmbeddingBag: mode must be one of"):
        nn.EmbeddingBag(4, 2, mode="avg")
    assert [n for n, _ in m.named_parameters()] == ["weight"]


def test_compile_replays_the_2d_form_bit_for_bit_and_refuses_offsets():
    rng = np.random.default_rng(1)
    m = nn.EmbeddingBag(7, 3, mode="max", padding_idx=0)
    s = am.tensor(rng.standard_normal((2, 4)), requires_grad=True)

    def f(idx):
        return (m(idx) ** 2).sum() + (F.embedding_bag(idx, m.weight, mode="sum", per_sample_weights=s) ** 2).sum() \
            + F.embedding_bag(idx, m.weight, mode="mean", padding_idx=0).sum()

    step = am.compile(f)
    for k in range(3):
        idx = rng.integers(0, 7, (2, 4))
        idx[0, k] = 0
        outs = []
        for g in (f, step):
            m.weight.grad = s.grad = None
            out = g(idx)
            out.backward()
            outs.append((out.data.copy(), m.weight.grad.data.copy(), s.grad.data.copy()))
        for a, b in zip(*outs):
            np.testing.assert_array_equal(a, b)
    assert step.recordings == 1
    with pytest.raises(RuntimeError, match="embedding_bag of a 1-D input of shape \\(3,\\) with offsets"):
        am.compile(lambda i: m(i, np.array([0, 1])).sum())(np.array([1, 2, 3]))
