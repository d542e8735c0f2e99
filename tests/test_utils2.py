"""nn.init's trunc_normal_, orthogonal_, eye_, dirac_, sparse_; nn.utils.rnn.pad_sequence;
am.cdist and F.pdist. Oracles are written here
(loops over rows and pairs, the truncated normal's moments and CDF from math.erf)."""

import math

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn import functional as F
from autograd_mini.nn import init
from autograd_mini.nn.utils.rnn import pad_sequence

HYP = settings(max_examples=8, deadline=None)


def rng(seed=0):
    return np.random.default_rng(seed)


def check_both(f, *inputs):
    assert am.gradcheck(f, inputs)
    assert am.gradgradcheck(f, inputs)


# -- nn.init ----------------------------------------------------------------------------------


def _phi(x):
    return math.exp(-x * x / 2) / math.sqrt(2 * math.pi)


def _Phi(x):
    return (1 + math.erf(x / math.sqrt(2))) / 2


@pytest.mark.parametrize("mean, std, a, b", [(0.0, 1.0, -2.0, 2.0), (0.5, 2.0, -1.0, 3.0), (1.0, 0.5, 1.2, 4.0)])
def test_trunc_normal_has_the_truncated_normals_bounds_moments_and_cdf(mean, std, a, b):
    am.manual_seed(0)
    t = init.trunc_normal_(am.zeros(200_000), mean, std, a, b)
    x = t.data
    assert a <= x.min() and x.max() <= b
    al, be = (a - mean) / std, (b - mean) / std
    Z = _Phi(be) - _Phi(al)
    m = mean + std * (_phi(al) - _phi(be)) / Z
    v = std**2 * (1 + (al * _phi(al) - be * _phi(be)) / Z - ((_phi(al) - _phi(be)) / Z) ** 2)
    assert abs(x.mean() - m) < 5 * math.sqrt(v / x.size)
    assert x.var() == pytest.approx(v, rel=0.02)
    for q in np.linspace(a, b, 7)[1:-1]:  # the empirical CDF against the truncated one
        assert (x <= q).mean() == pytest.approx((_Phi((q - mean) / std) - _Phi(al)) / Z, abs=0.005)


def test_trunc_normal_erfinv_inverts_erf():
    from autograd_mini.nn.init import _erfinv

    y = np.linspace(-0.999, 0.999, 2001)
    x = _erfinv(y)
    assert np.allclose([math.erf(v) for v in x], y, rtol=0, atol=2e-15)
    assert np.all(np.diff(x) > 0) and _erfinv(np.array([0.0]))[0] == 0.0


def test_new_inits_are_reproducible_under_manual_seed_and_keep_the_array():
    for fill in (lambda t: init.trunc_normal_(t, 0.1, 0.3, -0.2, 0.5), init.orthogonal_,
                 lambda t: init.sparse_(t, 0.3)):
        runs = []
        for _ in range(2):
            am.manual_seed(7)
            t = am.zeros(6, 4)
            arr = t.data
            assert fill(t) is t and t.data is arr
            runs.append(arr.copy())
        assert np.array_equal(*runs) and not np.array_equal(runs[0], 0 * runs[0])


@pytest.mark.parametrize("shape", [(4, 4), (3, 7), (7, 3), (4, 2, 3), (6, 2, 2, 2), (1, 5), (5, 1)])
def test_orthogonal_rows_or_columns_are_orthonormal_times_gain(shape):
    am.manual_seed(1)
    w = init.orthogonal_(am.zeros(*shape), gain=1.5).data.reshape(shape[0], -1)
    rows, cols = w.shape
    gram = w @ w.T if rows <= cols else w.T @ w
    np.testing.assert_allclose(gram, 1.5**2 * np.eye(min(rows, cols)), atol=1e-12)


def test_orthogonal_is_qr_of_a_normal_matrix_with_the_sign_correction():
    am.manual_seed(3)
    w = init.orthogonal_(am.zeros(3, 5)).data
    am.manual_seed(3)
    a = am.randn(3, 5).data.T  # (the same draws: rows < cols, so the transpose is factored)
    q, r = np.linalg.qr(a)
    np.testing.assert_allclose(w, (q * np.sign(np.diag(r))).T, atol=1e-14)
    assert np.all(np.diag(np.linalg.qr(w.T)[1]) * np.sign(np.diag(r)) > 0)


def test_eye_dirac_sparse_structure():
    np.testing.assert_array_equal(init.eye_(am.zeros(3, 5)).data, np.eye(3, 5))
    w = init.dirac_(am.full((6, 2, 3, 3), 9.0), groups=2).data
    expect = np.zeros((6, 2, 3, 3))
    for g in range(2):
        for d in range(2):  # min(6 // 2, 2) channels per group
            expect[3 * g + d, d, 1, 1] = 1.0
    np.testing.assert_array_equal(w, expect)
    am.manual_seed(0)
    s = init.sparse_(am.zeros(10, 300), 0.25, std=0.5).data
    assert np.all((s == 0).sum(axis=0) == 3)  # ceil(0.25 * 10) per column
    assert s[s != 0].std() == pytest.approx(0.5, rel=0.05)


@pytest.mark.parametrize("ndim", [3, 4])
def test_dirac_makes_the_convolution_the_identity(ndim):
    x = am.tensor(rng(2).standard_normal((2, 3, 5) + (6,) * (ndim - 3)))
    if ndim == 4:
        conv = nn.Conv2d(3, 3, 3, padding=1, bias=False)
    else:
        conv = nn.Conv1d(3, 3, 3, padding=1, bias=False)
    init.dirac_(conv.weight)
    np.testing.assert_allclose(conv(x).data, x.data, atol=1e-15)
    # groups: each group of 2 output channels copies its group's 1 input channel
    w = init.dirac_(am.zeros(4, 1, 3, 3), groups=4)
    x = am.tensor(rng(3).standard_normal((1, 4, 5, 5)))
    np.testing.assert_allclose(F.conv2d(x, w, padding=1, groups=4).data, x.data, atol=1e-15)


@pytest.mark.parametrize("call, message", [
    (lambda: init.orthogonal_(am.zeros(3)), "orthogonal_: only tensors with 2 or more dimensions.*(3,)"),
    (lambda: init.eye_(am.zeros(2, 2, 2)), r"eye_: only tensors with 2 dimensions.*\(2, 2, 2\)"),
    (lambda: init.dirac_(am.zeros(2, 2)), r"dirac_: only tensors with 3, 4 or 5 dimensions.*\(2, 2\)"),
    (lambda: init.dirac_(am.zeros(3, 2, 3), groups=2), r"dirac_: dim 0 \(3\).*divisible by groups=2"),
    (lambda: init.sparse_(am.zeros(2, 2, 2), 0.1), r"sparse_: only tensors with 2 dimensions"),
    (lambda: init.sparse_(am.zeros(2, 2), 1.5), r"sparse_: sparsity must be in \[0, 1\]"),
    (lambda: init.trunc_normal_(am.zeros(2), a=1.0, b=1.0), "trunc_normal_: need a < b"),
    (lambda: init.trunc_normal_(am.zeros(2), std=0.0), "trunc_normal_: std must be positive"),
    (lambda: init.trunc_normal_(am.zeros(2), b=math.inf), "trunc_normal_: .*finite"),
])
def test_new_inits_refuse_bad_shapes_and_arguments_before_drawing(call, message):
    am.manual_seed(5)
    with pytest.raises(ValueError, match=message):
        call()
    assert np.array_equal(am.randn(3).data, (am.manual_seed(5), am.randn(3).data)[1])  # nothing drawn


def test_trunc_normal_warns_when_the_mean_is_far_outside_the_interval():
    with pytest.warns(UserWarning, match="more than 2 std"):
        t = init.trunc_normal_(am.zeros(1000), mean=10.0, std=1.0, a=-1.0, b=1.0)
    assert t.data.min() >= -1.0 and t.data.max() <= 1.0


def test_eye_and_dirac_refuse_integer_tensors_and_orthogonal_leaves_an_empty_one():
    with pytest.raises(TypeError, match="eye_: can only fill floating"):
        init.eye_(am.tensor(np.zeros((2, 2), dtype=np.int64)))
    assert init.orthogonal_(am.zeros(0, 3)).shape == (0, 3)

def test_trunc_normal_far_in_a_tail_stays_in_bounds_and_erfinv_of_one_is_infinite():
    from autograd_mini.nn.init import _erfinv

    assert list(_erfinv(np.array([-1.0, 1.0]))) == [-math.inf, math.inf]
    am.manual_seed(0)
    with pytest.warns(UserWarning):
        t = init.trunc_normal_(am.zeros(1000), mean=0.0, std=1.0, a=-50.0, b=-40.0)
    assert np.all((t.data >= -50.0) & (t.data <= -40.0))



# -- nn.utils.rnn ---------------------------------------------------------------------------


def _pad_oracle(seqs, batch_first, value, side):
    T = max(len(s) for s in seqs)
    out = np.full((T, len(seqs)) + seqs[0].shape[1:], value)
    for i, s in enumerate(seqs):
        for t in range(len(s)):
            out[(T - len(s) + t if side == "left" else t), i] = s[t]
    return out.swapaxes(0, 1) if batch_first else out


@HYP
@given(lengths=st.lists(st.integers(1, 4), min_size=1, max_size=3), feat=st.sampled_from([(), (2,), (1, 2)]),
       batch_first=st.booleans(), side=st.sampled_from(["left", "right"]), seed=st.integers(0, 99))
def test_pad_sequence_values_and_gradients(lengths, feat, batch_first, side, seed):
    seqs = [rng(seed + i).standard_normal((n,) + feat) for i, n in enumerate(lengths)]
    out = pad_sequence([am.tensor(s) for s in seqs], batch_first, -0.5, side)
    np.testing.assert_array_equal(out.data, _pad_oracle(seqs, batch_first, -0.5, side))
    check_both(lambda *ts: pad_sequence(list(ts), batch_first, 0.25, side) ** 2, *seqs)


def test_pad_sequence_takes_a_tensor_integers_and_is_nn_utils_rnn():
    assert am.nn.utils.rnn.pad_sequence is pad_sequence
    out = pad_sequence([am.tensor([1, 2, 3]), am.tensor([4])], batch_first=True, padding_value=-1)
    assert out.dtype == np.int64 and out.tolist() == [[1, 2, 3], [4, -1, -1]]
    x = am.tensor(rng(1).standard_normal((2, 3, 4)))
    np.testing.assert_array_equal(pad_sequence(x).data, x.data.swapaxes(0, 1))


def test_pad_sequence_feeds_an_rnn_whose_last_output_at_each_length_is_that_sequences_own():
    am.manual_seed(0)
    rnn = nn.GRU(2, 3)
    seqs = [am.tensor(rng(i).standard_normal((n, 2))) for i, n in enumerate((4, 2, 3))]
    out, _ = rnn(pad_sequence(seqs))
    lengths = np.array([4, 2, 3])
    last = out[lengths - 1, np.arange(3)]
    for i, s in enumerate(seqs):
        np.testing.assert_allclose(last.data[i], rnn(s)[1].data[0], rtol=1e-13)


@pytest.mark.parametrize("call, error, message", [
    (lambda: pad_sequence([]), ValueError, "pad_sequence: got an empty list"),
    (lambda: pad_sequence([am.zeros(2, 3), am.zeros(2, 4)]), ValueError,
     r"pad_sequence: .*same trailing shape.*\(2, 3\), \(2, 4\)"),
    (lambda: pad_sequence([am.zeros(2), am.tensor(1.0)]), ValueError, r"pad_sequence: .*\(2,\), \(\)"),
    (lambda: pad_sequence([am.zeros(2)], padding_side="middle"), ValueError, "pad_sequence: padding_side"),
    (lambda: pad_sequence(am.zeros(2)), ValueError, r"pad_sequence: .*\(B, L, \*\).*\(2,\)"),
    (lambda: pad_sequence(x for x in [am.zeros(2)]), TypeError, "pad_sequence: sequences must be a list"),
])
def test_pad_sequence_refusals(call, error, message):
    with pytest.raises(error, match=message):
        call()


# -- cdist, pdist -------------------------------------------------------------------------------


def _dist(u, v, p):
    d = np.abs(u - v)
    if p == 0:
        return float(np.count_nonzero(d))
    if p == math.inf:
        return d.max(initial=0.0)
    return (d**p).sum() ** (1 / p)


def _cdist_oracle(a, b, p):
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = np.broadcast_to(a, batch + a.shape[-2:])
    b = np.broadcast_to(b, batch + b.shape[-2:])
    out = np.zeros(batch + (a.shape[-2], b.shape[-2]))
    for idx in np.ndindex(*batch):
        for i in range(a.shape[-2]):
            for j in range(b.shape[-2]):
                out[idx + (i, j)] = _dist(a[idx][i], b[idx][j], p)
    return out


SHAPE_PAIRS = [((3, 2), (4, 2)), ((2, 3, 2), (4, 2)), ((2, 1, 3, 2), (3, 2, 2)), ((1, 3), (2, 3)), ((0, 2), (3, 2))]


@pytest.mark.parametrize("p", [0, 0.5, 1, 2, 3, math.inf])
@pytest.mark.parametrize("s1, s2", SHAPE_PAIRS)
def test_cdist_values_against_loops(s1, s2, p):
    a, b = rng(1).standard_normal(s1), rng(2).standard_normal(s2)
    out = am.cdist(a, b, p)
    expect = _cdist_oracle(a, b, p)
    assert out.shape == expect.shape
    np.testing.assert_allclose(out.data, expect, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("p", [1, 2, 3, math.inf])
@pytest.mark.parametrize("s1, s2", SHAPE_PAIRS[:4])
def test_cdist_first_and_second_order(s1, s2, p):
    a, b = rng(3).standard_normal(s1), rng(4).standard_normal(s2)
    check_both(lambda x, y: am.cdist(x, y, p), a, b)


@HYP
@given(x=hnp.arrays(np.float64, st.tuples(st.integers(2, 4), st.integers(1, 3)),
                    elements=st.floats(-2, 2).map(lambda v: round(v, 1) + 0.05)))
def test_pdist_values_and_gradients(x):
    n = x.shape[0]
    expect = [_dist(x[i], x[j], 2) for i in range(n) for j in range(i + 1, n)]
    np.testing.assert_allclose(F.pdist(am.tensor(x)).data, expect, rtol=1e-12)
    y = x + np.arange(x.size).reshape(x.shape) * 0.37  # (rows apart: the norm is smooth there)
    check_both(lambda t: F.pdist(t, 3), y)


def test_zero_distance_has_gradient_zero_not_nan():
    a = rng(5).standard_normal((3, 2))
    a[1] = a[0]
    for f in (lambda t: am.cdist(t, t), lambda t: F.pdist(t), lambda t: am.cdist(t, t, 3)):
        x = am.tensor(a, requires_grad=True)
        (g,) = am.autograd.grad(f(x).sum(), [x], create_graph=True)
        (h,) = am.autograd.grad((g * g).sum(), [x])
        assert np.all(np.isfinite(g.data)) and np.all(np.isfinite(h.data))
    # the gradient of cdist(x, x).sum() is that of the pairs apart only (the zero ones give 0)
    x = am.tensor(a, requires_grad=True)
    am.cdist(x, x).sum().backward()
    expect = np.zeros_like(a)
    for i in range(3):
        for j in range(3):
            d = a[i] - a[j]
            if np.linalg.norm(d) > 0:
                expect[i] += 2 * d / np.linalg.norm(d)  # (as x1's row i and x2's row i)
    np.testing.assert_allclose(x.grad.data, expect, rtol=1e-12)


@pytest.mark.parametrize("call, error, message", [
    (lambda: am.cdist(np.zeros(3), np.zeros((2, 3))), ValueError, r"cdist: .*at least 2 dimensions.*\(3,\)"),
    (lambda: am.cdist(np.zeros((2, 3)), np.zeros((2, 4))), ValueError,
     r"cdist: .*same number of columns.*\(2, 3\).*\(2, 4\)"),
    (lambda: am.cdist(np.zeros((2, 2, 3)), np.zeros((3, 2, 3))), ValueError,
     r"cdist: the batch shapes .*\(2, 2, 3\).*\(3, 2, 3\)"),
    (lambda: am.cdist(np.zeros((2, 3)), np.zeros((2, 3)), -1), ValueError, "cdist: p must be"),
    (lambda: am.cdist(np.zeros((2, 3)), np.zeros((2, 3)), compute_mode="fast"), ValueError, "cdist: compute_mode"),
    (lambda: am.cdist(np.zeros((2, 3), complex), np.zeros((2, 3))), TypeError, "cdist: complex"),
    (lambda: F.pdist(np.zeros((2, 3, 1))), ValueError, r"pdist: .*2 dimensions.*\(2, 3, 1\)"),
])
def test_cdist_and_pdist_refusals(call, error, message):
    with pytest.raises(error, match=message):
        call()

def test_pdist_of_fewer_than_two_rows_is_empty():
    for n in (0, 1):
        out = F.pdist(am.zeros(n, 3))
        assert out.shape == (0,)


# -- am.compile: replays equal eager bit for bit -------------------------------------------


def _same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert x.dtype == y.dtype and np.array_equal(x, y)


def test_compiled_cdist_pdist_and_pad_sequence_replay_eager_bit_for_bit():
    def f(x, y, s1, s2):
        seq = pad_sequence([s1, s2, x], batch_first=True, padding_side="left")
        return (am.cdist(x, y).sum() + am.cdist(seq, seq, 3).sum()
                + F.pdist(y).sum() + (seq ** 2).sum())

    step = am.compile(f)
    for k in range(3):
        arrays = [rng(10 * k + i).standard_normal(s) for i, s in enumerate([(3, 2), (4, 2), (1, 2), (2, 2)])]
        arrays[1][2] = arrays[1][0]  # (a zero distance in pdist)
        runs = []
        for g in (f, step):
            ts = [am.tensor(a, requires_grad=True) for a in arrays]
            out = g(*ts)
            out.backward()
            runs.append([out.data.copy()] + [t.grad.data.copy() for t in ts])
        _same(*runs)
    assert step.recordings == 1
