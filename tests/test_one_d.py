"""The 1-D companions of conv1d (F.max_pool1d, avg_pool1d, adaptive_avg_pool1d,
adaptive_max_pool1d, max_unpool1d, conv_transpose1d, dropout1d and their modules): values
and indices against naive loops written here, first and second derivatives in float64 on
several shapes, refusals naming the 1-D op and the caller's shapes, and compiled replays
equal to eager bit for bit."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn import functional as F
from test_pool_more import _out_len as pool_length  # (one output-length rule for 1-D and 2-D)

FEW = settings(max_examples=6, deadline=None)


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def check_both(f, *inputs):
    assert am.gradcheck(f, inputs)
    assert am.gradgradcheck(f, inputs)


# -- naive loops ---------------------------------------------------------------------------


def naive_max_pool1d(x, k, s, p, d, ceil):
    N, C, L = x.shape
    OL = pool_length(L, k, s, p, d, ceil)
    out, idx = np.full((N, C, OL), -np.inf), np.zeros((N, C, OL), np.int64)
    for n in range(N):
        for c in range(C):
            for i in range(OL):
                best = None
                for j in range(k):
                    pos = i * s - p + j * d
                    if 0 <= pos < L and (best is None or x[n, c, pos] > out[n, c, i]):
                        best, out[n, c, i] = pos, x[n, c, pos]
                idx[n, c, i] = best
    return out, idx


def naive_avg_pool1d(x, k, s, p, ceil, include_pad):
    N, C, L = x.shape
    OL = pool_length(L, k, s, p, 1, ceil)
    out = np.zeros((N, C, OL))
    for i in range(OL):
        lo, hi = i * s - p, i * s - p + k
        inside = range(max(lo, 0), min(hi, L))
        count = (min(hi, L + p) - lo) if include_pad else len(inside)
        out[:, :, i] = sum(x[:, :, j] for j in inside) / count
    return out


def naive_adaptive(x, OL, reduce):
    L = x.shape[-1]
    bins = [(i * L // OL, -(-(i + 1) * L // OL)) for i in range(OL)]
    if not bins:
        return np.zeros(x.shape[:-1] + (0,)), bins
    return np.stack([reduce(x[..., a:b], axis=-1) for a, b in bins], axis=-1), bins


def naive_conv_transpose1d(x, w, b, s, p, op, G, d):
    N, C, L = x.shape
    _, Og, k = w.shape
    full = (L - 1) * s + d * (k - 1) + 1 + op
    out = np.zeros((N, Og * G, full))
    Cg = C // G
    for n in range(N):
        for c in range(C):
            g = c // Cg
            for o in range(Og):
                for i in range(L):
                    for j in range(k):
                        out[n, g * Og + o, i * s + j * d] += x[n, c, i] * w[c, o, j]
    out = out[:, :, p:full - p] if p else out
    return out + (0 if b is None else b[:, None])


# -- values against the loops ----------------------------------------------------------------

POOLS = [  # (L, k, stride, padding, dilation, ceil_mode)
    (7, 3, None, 0, 1, False), (7, 3, 2, 1, 1, False), (8, 2, 2, 0, 1, False), (7, 3, 2, 1, 2, True),
    (5, 4, 3, 2, 1, True), (6, 2, 1, 1, 3, False), (1, 1, 1, 0, 1, False), (9, 3, 4, 1, 1, True),
]


@pytest.mark.parametrize("L, k, s, p, d, ceil", POOLS)
def test_max_pool1d_and_its_indices_match_the_loops(L, k, s, p, d, ceil):
    x = rand(2, 3, L, seed=L + k)
    out, idx = F.max_pool1d(x, k, s, p, d, ceil, return_indices=True)
    want, want_idx = naive_max_pool1d(x, k, s or k, p, d, ceil)
    np.testing.assert_array_equal(out.data, want)
    np.testing.assert_array_equal(idx.data, want_idx)
    assert idx.dtype == np.int64 and out.shape == idx.shape
    np.testing.assert_array_equal(F.max_pool1d(x, k, s, p, d, ceil).data, want)
    one, one_idx = F.max_pool1d(x[1], (k,), s, p, d, ceil, return_indices=True)  # (C, L)
    np.testing.assert_array_equal(one.data, want[1])
    np.testing.assert_array_equal(one_idx.data, want_idx[1])


@pytest.mark.parametrize("L, k, s, p, d, ceil", [c for c in POOLS if c[4] == 1])
@pytest.mark.parametrize("include_pad", [True, False])
def test_avg_pool1d_matches_the_loop(L, k, s, p, d, ceil, include_pad):
    x = rand(2, 3, L, seed=L)
    want = naive_avg_pool1d(x, k, s or k, p, ceil, include_pad)
    np.testing.assert_allclose(F.avg_pool1d(x, k, s, p, ceil, include_pad).data, want, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(F.avg_pool1d(x[0], k, s, p, ceil, include_pad).data, want[0], rtol=1e-13,
                               atol=1e-15)


@pytest.mark.parametrize("L, OL", [(7, 3), (8, 4), (5, 5), (3, 7), (6, 1), (4, 0)])
def test_adaptive_pools_match_the_loops(L, OL):
    x = rand(2, 3, L, seed=OL)
    want, bins = naive_adaptive(x, OL, np.mean)
    np.testing.assert_allclose(F.adaptive_avg_pool1d(x, OL).data, want.reshape(2, 3, OL), rtol=1e-13)
    np.testing.assert_allclose(F.adaptive_avg_pool1d(x[0], (OL,)).data, want[0].reshape(3, OL), rtol=1e-13)
    want, _ = naive_adaptive(x, OL, np.max)
    out, idx = F.adaptive_max_pool1d(x, OL, return_indices=True)
    np.testing.assert_array_equal(out.data, want.reshape(2, 3, OL))
    if OL:
        want_idx = np.stack([a + np.argmax(x[..., a:b], axis=-1) for a, b in bins], axis=-1)
        np.testing.assert_array_equal(idx.data, want_idx)
    assert idx.shape == (2, 3, OL) and idx.dtype == np.int64


@pytest.mark.parametrize("L, k, s, p, d, ceil", POOLS)
def test_max_unpool1d_writes_the_pooled_values_back_where_the_indices_point(L, k, s, p, d, ceil):
    x = rand(2, 3, L, seed=3)
    out, idx = F.max_pool1d(x, k, s, p, d, ceil, return_indices=True)
    s = s or k
    default = (out.shape[-1] - 1) * s - 2 * p + k
    Lout = L if default - s < L < default + s else default
    if idx.data.max() < Lout:
        want = np.zeros((2, 3, Lout))
        for n in range(2):
            for c in range(3):
                for i in range(out.shape[-1]):
                    want[n, c, idx.data[n, c, i]] = out.data[n, c, i]
        np.testing.assert_array_equal(F.max_unpool1d(out, idx, k, s, p, output_size=(Lout,)).data, want)
        np.testing.assert_array_equal(F.max_unpool1d(out[0], idx[0], k, s, p, output_size=(Lout,)).data, want[0])
    # the default length, (L' - 1) * s - 2p + k, and (C, L) input
    Lout = (3 - 1) * 2 - 0 + 2
    ind = np.array([[0, 3, 5], [1, 1, 4]])
    vals = rand(2, 3, seed=5)
    got = F.max_unpool1d(vals, ind, 2)
    want = np.zeros((2, Lout))
    for c in range(2):
        for i in range(3):
            want[c, ind[c, i]] = vals[c, i]  # (a repeated index: the last wins)
    np.testing.assert_array_equal(got.data, want)
    np.testing.assert_array_equal(F.max_unpool1d(vals[None], ind[None], 2, output_size=(1, 2, 7)).data[0, :, :6],
                                  want)


@pytest.mark.parametrize("L, k, s, p, op, G, d", [
    (5, 3, 1, 0, 0, 1, 1), (4, 3, 2, 1, 1, 1, 1), (6, 2, 3, 0, 2, 3, 1), (3, 3, 2, 2, 1, 3, 2), (1, 1, 1, 0, 0, 1, 1),
])
def test_conv_transpose1d_matches_the_scatter_loop(L, k, s, p, op, G, d):
    x, w, b = rand(2, 3, L, seed=1), rand(3, 2, k, seed=2), rand(2 * G, seed=3)
    want = naive_conv_transpose1d(x, w, b, s, p, op, G, d)
    np.testing.assert_allclose(F.conv_transpose1d(x, w, b, s, p, op, G, d).data, want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(F.conv_transpose1d(x[1], w, None, (s,), (p,), (op,), G, (d,)).data,
                               want[1] - b[:, None], rtol=1e-12, atol=1e-12)


def test_conv_transpose1d_is_the_adjoint_of_conv1d():
    x, w, y = rand(2, 3, 9, seed=1), rand(4, 3, 3, seed=2), rand(2, 4, 4, seed=3)
    lhs = np.sum(F.conv1d(x, w, stride=2, padding=1, dilation=2).data * y)
    rhs = np.sum(x * F.conv_transpose1d(y, w, stride=2, padding=1, dilation=2).data)
    assert abs(lhs - rhs) < 1e-10


def test_dropout1d_drops_whole_channels_and_is_the_identity_in_eval():
    x = am.tensor(rand(4, 6, 5) + 5.0)
    am.manual_seed(0)
    y = F.dropout1d(x, 0.5).data
    kept = (y != 0).all(axis=-1)
    assert ((y == 0).all(axis=-1) | kept).all() and 0 < kept.sum() < kept.size
    np.testing.assert_allclose(y[kept], 2 * x.data[kept])
    one = F.dropout1d(x[0], 0.5).data  # (C, L): the mask is (C, 1)
    assert (((one == 0).all(axis=-1)) | (one != 0).all(axis=-1)).all()
    assert F.dropout1d(x, 0.5, training=False) is x and F.dropout1d(x, 0.0) is x
    np.testing.assert_array_equal(F.dropout1d(x, 1.0).data, 0 * x.data)
    m = nn.Dropout1d(0.5)
    assert m.eval()(x) is x and m.extra_repr() == "p=0.5"


# -- derivatives, first and second order -------------------------------------------------------

SHAPES = st.tuples(st.integers(1, 2), st.integers(1, 3), st.integers(5, 8), st.booleans())


@FEW
@given(SHAPES, st.integers(1, 3), st.integers(1, 3), st.booleans())
def test_pools_first_and_second_order(shape, k, s, ceil):
    N, C, L, batched = shape
    x = rand(N, C, L, seed=L * k + s)
    x = x if batched else x[0]
    p = k // 2
    check_both(lambda t: F.max_pool1d(t, k, s, p, 1, ceil), x)
    check_both(lambda t: F.max_pool1d(t, k, s, 0, 2), x)
    check_both(lambda t: F.avg_pool1d(t, k, s, p, ceil, False), x)
    check_both(lambda t: F.adaptive_avg_pool1d(t, k + 1) * F.adaptive_max_pool1d(t, k + 1), x)


@FEW
@given(SHAPES, st.integers(1, 3), st.integers(1, 3), st.integers(0, 1), st.sampled_from([1, 3]))
def test_conv_transpose1d_first_and_second_order(shape, k, s, p, G):
    N, _, L, batched = shape
    x, w, b = rand(N, 3, L, seed=k), rand(3, 2, k, seed=s), rand(2 * G, seed=G)
    x = x if batched else x[0]
    op = s - 1
    check_both(lambda t, v, c: F.conv_transpose1d(t, v, c, s, p, op, G, 1), x, w, b)


def test_max_unpool1d_first_and_second_order():
    for L, k, s in [(7, 2, 2), (8, 3, 2), (5, 3, 1)]:
        x = rand(2, 3, L, seed=L)
        out, idx = F.max_pool1d(x, k, s, return_indices=True)
        check_both(lambda t: F.max_unpool1d(t, idx, k, s, output_size=(L,)) ** 2, out.data)
        check_both(lambda t: F.max_unpool1d(F.max_pool1d(t, k, s), idx, k, s, output_size=(L,)), x)
        unpool = nn.MaxUnpool1d(k, s)
        check_both(lambda t: unpool(t, idx, (2, 3, L)) ** 2, out.data)


def test_modules_first_and_second_order():
    am.manual_seed(0)
    ct = nn.ConvTranspose1d(3, 4, 3, stride=2, padding=1, output_padding=1).double()
    x = rand(2, 3, 5)
    check_both(lambda t, w, b: F.conv_transpose1d(t, w, b, 2, 1, 1), x, ct.weight.data, ct.bias.data)
    np.testing.assert_allclose(ct(x).data, naive_conv_transpose1d(x, ct.weight.data, ct.bias.data, 2, 1, 1, 1, 1),
                               rtol=1e-12, atol=1e-12)


# -- modules -----------------------------------------------------------------------------------


def test_modules_match_the_functions_and_keep_pytorchs_attributes():
    x = am.tensor(rand(2, 3, 9))
    m = nn.MaxPool1d(3, 2, 1, return_indices=True)
    assert (m.kernel_size, m.stride, m.padding, m.dilation) == (3, 2, 1, 1)
    assert m.extra_repr() == "kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=False"
    out, idx = m(x)
    want = F.max_pool1d(x, 3, 2, 1, return_indices=True)
    np.testing.assert_array_equal(out.data, want[0].data)
    np.testing.assert_array_equal(idx.data, want[1].data)
    u = nn.MaxUnpool1d(3, 2, 1)
    assert u.extra_repr() == "kernel_size=(3,), stride=(2,), padding=(1,)"
    np.testing.assert_array_equal(u(out, idx, output_size=x.shape).data,
                                  F.max_unpool1d(out, idx, 3, 2, 1, output_size=(9,)).data)
    a = nn.AvgPool1d(3, padding=1, count_include_pad=False)
    assert (a.kernel_size, a.stride, a.padding) == ((3,), (3,), (1,))
    assert a.extra_repr() == "kernel_size=(3,), stride=(3,), padding=(1,)"
    np.testing.assert_array_equal(a(x).data, F.avg_pool1d(x, 3, 3, 1, count_include_pad=False).data)
    aa, am_ = nn.AdaptiveAvgPool1d(4), nn.AdaptiveMaxPool1d((4,), return_indices=True)
    assert aa.extra_repr() == "output_size=4" and am_.output_size == 4
    np.testing.assert_array_equal(aa(x).data, F.adaptive_avg_pool1d(x, 4).data)
    np.testing.assert_array_equal(am_(x)[1].data, F.adaptive_max_pool1d(x, 4, True)[1].data)
    assert nn.AdaptiveAvgPool1d(1)(x).shape == (2, 3, 1)


def test_conv_transpose1d_module_parameters_init_and_output_size():
    am.manual_seed(1)
    m = nn.ConvTranspose1d(4, 6, 3, stride=2, groups=2, dilation=2)
    assert m.weight.shape == (4, 3, 3) and m.bias.shape == (6,)
    assert (m.kernel_size, m.stride, m.padding, m.output_padding, m.dilation) == ((3,), (2,), (0,), (0,), (2,))
    bound = 1 / math.sqrt(3 * 3)  # fan_in = out_channels/groups * k
    assert np.abs(m.weight.data).max() <= bound and np.abs(m.bias.data).max() <= bound
    assert np.abs(m.weight.data).max() > 0.5 * bound
    assert m.extra_repr() == "4, 6, kernel_size=(3,), stride=(2,), dilation=(2,), groups=2"
    x = rand(2, 4, 5)
    assert m(x).shape == (2, 6, 13) and m(x[0]).shape == (6, 13)
    assert m(x, output_size=(14,)).shape == (2, 6, 14) and m(x, output_size=[2, 6, 14]).shape == (2, 6, 14)
    np.testing.assert_allclose(m(x, output_size=(14,)).data,
                               naive_conv_transpose1d(x, m.weight.data, m.bias.data, 2, 0, 1, 2, 2), rtol=1e-12,
                               atol=1e-12)
    assert nn.ConvTranspose1d(2, 2, 1, bias=False).bias is None


# -- refusals ----------------------------------------------------------------------------------


def ones(*shape):
    return np.ones(shape)


REFUSALS = [
    (lambda: F.max_pool1d(ones(7), 3), ValueError, r"max_pool1d: expected input of shape \(N, C, L\) or \(C, L\), got \(7,\)"),
    (lambda: F.max_pool1d(ones(1, 2, 1, 7), 3), ValueError, r"max_pool1d: expected input .* got \(1, 2, 1, 7\)"),
    (lambda: F.max_pool1d(ones(2, 3, 7), 3, padding=2), ValueError,
     r"max_pool1d: padding 2 must be at most half the kernel size 3"),
    (lambda: F.max_pool1d(ones(2, 3, 7), 9), ValueError,
     r"max_pool1d: input of shape \(2, 3, 7\) \(padded length 7\) is shorter than the kernel 9"),
    (lambda: F.max_pool1d(ones(3, 1), 5, 1, ceil_mode=True), ValueError,
     r"max_pool1d: input of shape \(3, 1\) is too small for the kernel 5 .* ceil_mode=True"),
    (lambda: F.max_pool1d(ones(2, 3, 7), 3, stride=0), ValueError, r"max_pool1d: stride must be at least 1"),
    (lambda: F.max_pool1d(ones(2, 3, 7), 2.0), TypeError, r"max_pool1d: kernel_size must be an int"),
    (lambda: F.max_pool1d(ones(2, 3, 7), (2, 2)), TypeError, r"max_pool1d: kernel_size must be an int"),
    (lambda: F.max_pool1d(ones(2, 3, 7), 2, return_indices=1), TypeError, r"max_pool1d: return_indices must be"),
    (lambda: F.avg_pool1d(ones(2, 3, 7), 3, padding=2), ValueError, r"avg_pool1d: padding 2 must be at most half"),
    (lambda: F.avg_pool1d(ones(2, 3, 2), 3), ValueError, r"avg_pool1d: input of shape \(2, 3, 2\)"),
    (lambda: F.avg_pool1d(ones(2, 3, 7), 3, count_include_pad="no"), TypeError, r"avg_pool1d: count_include_pad"),
    (lambda: F.adaptive_avg_pool1d(ones(2, 3, 7), None), TypeError, r"adaptive_avg_pool1d: output_size must be an int"),
    (lambda: F.adaptive_avg_pool1d(ones(2, 3, 7), (2, 2)), TypeError, r"adaptive_avg_pool1d: output_size"),
    (lambda: F.adaptive_avg_pool1d(ones(2, 3, 7), -1), ValueError, r"adaptive_avg_pool1d: output_size must be non"),
    (lambda: F.adaptive_max_pool1d(ones(2, 3, 0), 2), ValueError,
     r"adaptive_max_pool1d: expected an input with a non-zero length, got shape \(2, 3, 0\)"),
    (lambda: F.adaptive_max_pool1d(ones(7), 2), ValueError, r"adaptive_max_pool1d: expected input .* got \(7,\)"),
    (lambda: F.max_unpool1d(ones(2, 3, 3), np.zeros((2, 3, 3), np.int64), 2, output_size=(2,)), ValueError,
     r"max_unpool1d: output_size \(2,\) is inconsistent with input of shape \(2, 3, 3\).* between 4 and 8"),
    (lambda: F.max_unpool1d(ones(2, 3, 3), np.zeros((2, 3, 3), np.int64), 2, output_size=(3, 6)), ValueError,
     r"max_unpool1d: output_size must have 1 or 3 entries"),
    (lambda: F.max_unpool1d(ones(2, 3, 3), np.zeros((2, 3, 3), np.int64), 2, output_size=6), TypeError,
     r"max_unpool1d: output_size must be a tuple of ints"),
    (lambda: F.max_unpool1d(ones(2, 3, 3), np.full((2, 3, 3), 6), 2), ValueError,
     r"max_unpool1d: index 6 is out of range \[0, 5\] for an output of length 6 \(indices of shape \(2, 3, 3\)\)"),
    (lambda: F.max_unpool1d(ones(2, 3, 3), np.zeros((2, 3, 2), np.int64), 2), ValueError,
     r"max_unpool1d: indices of shape \(2, 3, 2\) must have the input's shape \(2, 3, 3\)"),
    (lambda: F.max_unpool1d(ones(2, 3, 3), ones(2, 3, 3), 2), TypeError, r"max_unpool1d: indices must hold integers"),
    (lambda: F.conv_transpose1d(ones(2, 3, 7), ones(4, 2, 3)), ValueError,
     r"conv_transpose1d: input of shape \(2, 3, 7\) has 3 channels, but weight of shape \(4, 2, 3\)"),
    (lambda: F.conv_transpose1d(ones(2, 3, 7), ones(3, 2, 3), groups=2), ValueError,
     r"conv_transpose1d: groups=2 must divide the input channels 3"),
    (lambda: F.conv_transpose1d(ones(2, 3, 7), ones(3, 2, 3, 1)), ValueError,
     r"conv_transpose1d: weight must have shape \(C, O/groups, k\)"),
    (lambda: F.conv_transpose1d(ones(2, 3, 7), ones(3, 2, 3), stride=2, output_padding=2), ValueError,
     r"conv_transpose1d: output_padding 2 must be smaller than either stride 2 or dilation 1"),
    (lambda: F.conv_transpose1d(ones(2, 3, 1), ones(3, 2, 3), padding=5), ValueError,
     r"conv_transpose1d: input of shape \(2, 3, 1\) .* gives an output of length -7: too small"),
    (lambda: F.conv_transpose1d(ones(3, 7), ones(3, 2, 3), ones(3)), ValueError,
     r"conv_transpose1d: bias must have shape \(2,\), got \(3,\)"),
    (lambda: F.dropout1d(ones(7), 0.5), ValueError, r"dropout1d: expected input of shape \(N, C, L\) or \(C, L\), got shape \(7,\)"),
    (lambda: F.dropout1d(ones(1, 2, 3, 4), 0.5), ValueError, r"dropout1d: expected input .* \(1, 2, 3, 4\)"),
    (lambda: F.dropout1d(ones(2, 3), 1.5), ValueError, r"dropout1d: p must be in \[0, 1\]"),
    (lambda: nn.MaxPool1d(3, padding=2), ValueError, r"MaxPool1d: padding must be between 0 and half"),
    (lambda: nn.MaxPool1d(4)(ones(2, 3, 3)), ValueError, r"MaxPool1d\(4\): input of shape \(2, 3, 3\)"),
    (lambda: nn.AvgPool1d(2)(ones(3)), ValueError, r"AvgPool1d\(2\): expected input .* got \(3,\)"),
    (lambda: nn.AdaptiveMaxPool1d(None), TypeError, r"AdaptiveMaxPool1d: output_size must be an int"),
    (lambda: nn.MaxUnpool1d(2)(ones(2, 3), np.full((2, 3), 9)), ValueError, r"MaxUnpool1d\(2\): index 9"),
    (lambda: nn.ConvTranspose1d(3, 4, 3)(ones(2, 4, 5)), ValueError,
     r"ConvTranspose1d\(3→4, 3\): expected input with 3 channels, got shape \(2, 4, 5\)"),
    (lambda: nn.ConvTranspose1d(3, 4, 3, stride=2)(ones(2, 3, 5), output_size=(14,)), ValueError,
     r"ConvTranspose1d\(3→4, 3\): output_size \(14,\) is not reachable .* \[11, 12\]"),
    (lambda: nn.ConvTranspose1d(3, 4, 3, stride=2, output_padding=2), ValueError,
     r"ConvTranspose1d\(3→4\): output_padding 2 must be smaller"),
    (lambda: nn.ConvTranspose1d(3, 4, 3, groups=2), ValueError, r"groups=2 must divide in_channels=3"),
    (lambda: nn.ConvTranspose1d(3, 4, 3, padding_mode="reflect"), ValueError, r"only padding_mode='zeros'"),
    (lambda: nn.Dropout1d(2.0), ValueError, r"Dropout1d: p must be in \[0, 1\]"),
]


@pytest.mark.parametrize("i", range(len(REFUSALS)))
def test_bad_input_is_refused_naming_the_1d_op_and_the_callers_shapes(i):
    call, exc, pattern = REFUSALS[i]
    with pytest.raises(exc, match=pattern) as info:
        call()
    assert "2d" not in str(info.value) and "2D" not in str(info.value)  # (never the 2-D op it delegates to)


def test_a_refusal_records_nothing():
    x = am.tensor(rand(2, 3, 7), requires_grad=True)
    w = am.tensor(rand(4, 2, 3), requires_grad=True)
    with pytest.raises(ValueError):
        F.conv_transpose1d(x, w)
    with pytest.raises(ValueError):
        F.max_pool1d(x, 9)
    with pytest.raises(ValueError):
        F.max_unpool1d(x, np.full((2, 3, 7), 99), 2)
    y = (x * 1.0).sum()
    y.backward()
    assert w.grad is None and np.array_equal(x.grad.data, np.ones((2, 3, 7)))


def compiled_matches_eager(loss, params, inputs, recordings):
    """am.compile(loss) called on each of `inputs` (ndarrays) gives eager's value and the
    gradients of `params` and the input bit for bit (dtypes too), with `recordings` tapes
    for all the calls. (Shared by the 1-D and 3-D families' compile tests.)"""
    compiled = am.compile(loss)
    for data in inputs:
        x = am.tensor(data, requires_grad=True)
        results = []
        for f in (loss, compiled):
            for p in params:
                p.grad = None
            x.grad = None
            out = f(x)
            out.backward()
            results.append((out.data.copy(), [p.grad.data.copy() for p in params] + [x.grad.data.copy()]))
        (a, ga), (b, gb) = results
        assert a.dtype == b.dtype and np.array_equal(a, b)
        for u, v in zip(ga, gb):
            assert u.dtype == v.dtype and np.array_equal(u, v)
    assert compiled.calls == len(inputs) and compiled.recordings == recordings, compiled._untaped


# -- am.compile: the replay equals eager ---------------------------------------------------------


def test_a_compiled_1d_network_replays_the_eager_values_and_gradients_bit_for_bit():
    am.manual_seed(4)
    conv, up = nn.Conv1d(2, 4, 3, padding=1).double(), nn.ConvTranspose1d(4, 2, 3, stride=2, output_padding=1).double()
    params = list(conv.parameters()) + list(up.parameters())

    def loss(x):
        h, idx = F.max_pool1d(conv(x).relu(), 3, 2, 1, return_indices=True)
        h = F.max_unpool1d(h, idx, 3, 2, 1, output_size=x.shape)[..., ::2] + F.avg_pool1d(h, 2, 1, 1, True, False)[..., :1]
        h = up(h) + F.adaptive_avg_pool1d(x, 5).sum() * F.adaptive_max_pool1d(x, 3).sum()
        return (F.dropout1d(h, 0.3, training=False) ** 2).mean()

    lengths = [9, 9, 8, 9]
    compiled_matches_eager(loss, params, [rand(2, 2, L, seed=seed) for seed, L in enumerate(lengths)],
                           recordings=2)  # (two lengths: two tapes)
