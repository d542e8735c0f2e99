"""Tests of autograd_mini.nn.functional (F): values against naive loop / numpy
oracles written here, first and second derivatives against finite differences,
numerical stability, the in-place buffers of batch_norm, dropout statistics,
and the error messages of bad input."""

from __future__ import annotations

import itertools
import math
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini.nn import functional as F

SETTINGS = settings(max_examples=15, deadline=None)


def rand(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


def labels(n: tuple, classes: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, classes, n)


def check12(f, inputs) -> None:
    """First- and second-order gradient checks in float64."""
    assert am.gradcheck(f, inputs)
    assert am.gradgradcheck(f, inputs)


# -- naive oracles (explicit loops, written independently of the library) --------------


def naive_conv2d(x, w, b, stride, pads, dilation, groups):
    """out[n, o, i, j] = b[o] + sum over o's group of w * the dilated window of padded x."""
    (sh, sw), (dh, dw) = stride, dilation
    (pt, pb), (pl, pr) = pads
    N, C, H, W = x.shape
    O, Cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    OH = (H + pt + pb - dh * (kh - 1) - 1) // sh + 1
    OW = (W + pl + pr - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((N, O, OH, OW))
    per_group = O // groups
    for n, o, i, j in itertools.product(range(N), range(O), range(OH), range(OW)):
        g = o // per_group
        acc = 0.0 if b is None else b[o]
        for c, a, e in itertools.product(range(Cg), range(kh), range(kw)):
            acc += w[o, c, a, e] * xp[n, g * Cg + c, i * sh + a * dh, j * sw + e * dw]
        out[n, o, i, j] = acc
    return out


def naive_pool2d(x, kernel, stride, pad, dilation, mode, count_include_pad=True):
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, pad, dilation
    N, C, H, W = x.shape
    fill = -np.inf if mode == "max" else 0.0
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=fill)
    inside = np.pad(np.ones((H, W)), ((ph, ph), (pw, pw)))
    OH = (H + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    OW = (W + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((N, C, OH, OW))
    for n, c, i, j in itertools.product(range(N), range(C), range(OH), range(OW)):
        vals, count = [], 0.0
        for a, e in itertools.product(range(kh), range(kw)):
            r, s = i * sh + a * dh, j * sw + e * dw
            vals.append(xp[n, c, r, s])
            count += inside[r, s]
        if mode == "max":
            out[n, c, i, j] = max(vals)
        else:
            out[n, c, i, j] = sum(vals) / (kh * kw if count_include_pad else count)
    return out


# -- linear ---------------------------------------------------------------------------


@pytest.mark.parametrize("xshape", [(5,), (3, 5), (2, 3, 5)])
def test_linear_values_and_gradients(xshape):
    x, w, b = rand(*xshape, seed=1), rand(4, 5, seed=2), rand(4, seed=3)
    out = F.linear(x, w, b)
    np.testing.assert_allclose(out.data, x @ w.T + b)
    assert F.linear(x, w).shape == xshape[:-1] + (4,)
    check12(F.linear, (x, w, b))


# -- conv2d ---------------------------------------------------------------------------

conv_cases = st.tuples(
    st.integers(1, 2),  # N
    st.integers(1, 2),  # channels per group
    st.integers(1, 2),  # outputs per group
    st.sampled_from([1, 2, 3]),  # groups
    st.tuples(st.integers(1, 3), st.integers(1, 3)),  # kernel
    st.tuples(st.integers(1, 3), st.integers(1, 2)),  # stride
    st.tuples(st.integers(0, 2), st.integers(0, 1)),  # padding
    st.tuples(st.integers(1, 2), st.integers(1, 2)),  # dilation
    st.tuples(st.integers(0, 3), st.integers(0, 3)),  # extra spatial size beyond the kernel
    st.booleans(),  # bias
)


@SETTINGS
@given(conv_cases)
def test_conv2d_matches_naive_loops(case):
    N, Cg, Og, G, k, s, p, d, extra, with_bias = case
    H = d[0] * (k[0] - 1) + 1 + extra[0]
    W = d[1] * (k[1] - 1) + 1 + extra[1]
    x, w = rand(N, Cg * G, H, W, seed=1), rand(Og * G, Cg, *k, seed=2)
    b = rand(Og * G, seed=3) if with_bias else None
    out = F.conv2d(x, w, b, stride=s, padding=p, dilation=d, groups=G)
    expected = naive_conv2d(x, w, b, s, ((p[0],) * 2, (p[1],) * 2), d, G)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.data, expected, atol=1e-12)


@pytest.mark.parametrize(
    "kernel, dilation", [((3, 3), (1, 1)), ((2, 3), (1, 1)), ((2, 2), (2, 1)), ((1, 4), (1, 2))]
)
def test_conv2d_same_and_valid_padding(kernel, dilation):
    x, w, b = rand(2, 3, 6, 7, seed=4), rand(4, 3, *kernel, seed=5), rand(4, seed=6)
    same = F.conv2d(x, w, b, padding="same", dilation=dilation)
    assert same.shape == (2, 4, 6, 7)
    totals = [dd * (k - 1) for k, dd in zip(kernel, dilation)]
    pads = tuple((t // 2, t - t // 2) for t in totals)  # the odd pixel at the bottom/right
    np.testing.assert_allclose(same.data, naive_conv2d(x, w, b, (1, 1), pads, dilation, 1), atol=1e-12)
    valid = F.conv2d(x, w, b, padding="valid", dilation=dilation)
    np.testing.assert_allclose(valid.data, F.conv2d(x, w, b, padding=0, dilation=dilation).data)


@pytest.mark.parametrize(
    "xshape, wshape, kwargs",
    [
        ((2, 1, 5, 5), (3, 1, 3, 3), dict(padding=1)),
        ((1, 2, 6, 5), (2, 2, 2, 3), dict(stride=2, padding=(1, 0))),
        ((2, 4, 5, 5), (4, 2, 3, 3), dict(groups=2, dilation=(1, 2), padding=1)),
        ((1, 3, 4, 4), (3, 1, 2, 2), dict(groups=3, stride=(1, 2))),
    ],
)
def test_conv2d_gradients(xshape, wshape, kwargs):
    x, w, b = rand(*xshape, seed=7), rand(*wshape, seed=8), rand(wshape[0], seed=9)
    check12(lambda x, w, b: F.conv2d(x, w, b, **kwargs), (x, w, b))


@settings(max_examples=6, deadline=None)
@given(conv_cases)
def test_conv2d_first_and_second_order_hypothesis(case):
    N, Cg, Og, G, k, s, p, d, extra, with_bias = case
    x = rand(N, Cg * G, d[0] * (k[0] - 1) + 1 + extra[0], d[1] * (k[1] - 1) + 1 + extra[1], seed=14)
    w = rand(Og * G, Cg, *k, seed=15)
    # (A stride can step over every pixel into the padding -- width 1, padding 1,
    # stride 2 -- and then the checks compare zeros with zeros: draw again.)
    assume(F.conv2d(np.ones_like(x), np.ones_like(w), stride=s, padding=p, dilation=d, groups=G).data.any())
    if with_bias:
        check12(lambda x, w, b: F.conv2d(x, w, b, stride=s, padding=p, dilation=d, groups=G),
                (x, w, rand(Og * G, seed=16)))
    else:
        check12(lambda x, w: F.conv2d(x, w, stride=s, padding=p, dilation=d, groups=G), (x, w))


def test_conv2d_single_image_and_float32():
    x, w = rand(3, 5, 5, seed=1), rand(2, 3, 3, 3, seed=2)
    single = F.conv2d(x, w, padding=1)
    np.testing.assert_allclose(single.data, F.conv2d(x[None], w, padding=1).data[0])
    out = F.conv2d(x.astype(np.float32)[None], w.astype(np.float32), np.zeros(2, np.float32))
    assert out.dtype == np.float32
    assert F.max_pool2d(out, 2).dtype == F.avg_pool2d(out, 2, 1, 1).dtype == np.float32


def test_conv2d_chains_with_itself_and_pooling():
    # conv2d returns channels-last memory; the next layers must read it correctly.
    x, w1, w2 = rand(2, 2, 8, 8, seed=1), rand(3, 2, 3, 3, seed=2), rand(4, 3, 3, 3, seed=3)

    def net(x, w1, w2):
        h = F.max_pool2d(F.relu(F.conv2d(x, w1, padding=1)), 2)
        return F.avg_pool2d(F.conv2d(h, w2, padding=1), 2)

    h = naive_pool2d(np.maximum(naive_conv2d(x, w1, None, (1, 1), ((1, 1),) * 2, (1, 1), 1), 0),
                     (2, 2), (2, 2), (0, 0), (1, 1), "max")
    expected = naive_pool2d(naive_conv2d(h, w2, None, (1, 1), ((1, 1),) * 2, (1, 1), 1),
                            (2, 2), (2, 2), (0, 0), (1, 1), "avg")
    np.testing.assert_allclose(net(x, w1, w2).data, expected, atol=1e-12)
    assert am.gradcheck(net, (x, w1, w2))


def test_conv2d_labels_its_nodes_with_a_scope():
    x = am.tensor(rand(1, 1, 4, 4), requires_grad=True)
    out = F.conv2d(x, rand(1, 1, 2, 2), rand(1), padding=1)
    assert "conv2d" in out.grad_fn.scope


# -- pooling --------------------------------------------------------------------------

pool_cases = st.tuples(
    st.tuples(st.integers(1, 3), st.integers(1, 3)),  # kernel
    st.one_of(st.none(), st.tuples(st.integers(1, 3), st.integers(1, 3))),  # stride
    st.tuples(st.integers(0, 1), st.integers(0, 1)),  # padding (clipped to kernel // 2)
    st.tuples(st.integers(0, 3), st.integers(0, 3)),  # extra spatial size
    st.integers(1, 3),  # channels
)


def _in_memory(x, channels_last):
    """x itself, or the same values laid out NHWC in memory (the pools' tile route)."""
    return np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2) if channels_last else x


@SETTINGS
@given(pool_cases, st.tuples(st.integers(1, 2), st.integers(1, 2)), st.booleans())
def test_max_pool2d_matches_naive_loops(case, dilation, channels_last):
    k, s, p, extra, C = case
    p = (min(p[0], k[0] // 2), min(p[1], k[1] // 2))
    x = rand(2, C, dilation[0] * (k[0] - 1) + 1 + extra[0], dilation[1] * (k[1] - 1) + 1 + extra[1])
    out = F.max_pool2d(_in_memory(x, channels_last), k, s, p, dilation)
    expected = naive_pool2d(x, k, s or k, p, dilation, "max")
    np.testing.assert_allclose(out.data, expected)


@SETTINGS
@given(pool_cases, st.booleans(), st.booleans())
def test_avg_pool2d_matches_naive_loops(case, count_include_pad, channels_last):
    k, s, p, extra, C = case
    p = (min(p[0], k[0] // 2), min(p[1], k[1] // 2))
    x = rand(2, C, k[0] + extra[0], k[1] + extra[1])
    out = F.avg_pool2d(_in_memory(x, channels_last), k, s, p, count_include_pad=count_include_pad)
    expected = naive_pool2d(x, k, s or k, p, (1, 1), "avg", count_include_pad)
    np.testing.assert_allclose(out.data, expected, atol=1e-12)


@pytest.mark.parametrize(
    "shape, args",
    [
        ((2, 2, 4, 6), (2,)),  # non-overlapping: the reshape path
        ((1, 2, 5, 7), ((2, 3),)),  # non-overlapping, remainder dropped
        ((1, 2, 5, 5), (3, 2, 1)),  # overlapping, padded
        ((2, 1, 6, 5), ((2, 2), 1, 0, 2)),  # dilated (max only)
    ],
)
def test_pooling_gradients(shape, args):
    x = rand(*shape, seed=11)
    check12(lambda x: F.max_pool2d(x, *args), (x,))
    if len(args) < 4:
        check12(lambda x: F.avg_pool2d(x, *args), (x,))
        check12(lambda x: F.avg_pool2d(x, *args, count_include_pad=False), (x,))


@settings(max_examples=8, deadline=None)
@given(pool_cases, st.tuples(st.integers(1, 2), st.integers(1, 2)), st.booleans())
def test_pooling_first_and_second_order_hypothesis(case, dilation, count_include_pad):
    k, s, p, extra, C = case
    p = (min(p[0], k[0] // 2), min(p[1], k[1] // 2))
    x = rand(1, C, dilation[0] * (k[0] - 1) + 1 + extra[0], dilation[1] * (k[1] - 1) + 1 + extra[1], seed=17)
    check12(lambda x: F.max_pool2d(x, k, s, p, dilation), (x,))
    check12(lambda x: F.avg_pool2d(x, k, s, p, count_include_pad=count_include_pad), (x,))


def test_max_pool2d_padding_never_wins_and_single_image():
    x = -np.abs(rand(1, 4, 4)) - 1.0  # all negative: zero padding would win, -inf must not
    out = F.max_pool2d(x, 3, 1, 1)
    assert out.shape == (1, 4, 4)
    np.testing.assert_allclose(out.data, naive_pool2d(x[None], (3, 3), (1, 1), (1, 1), (1, 1), "max")[0])
    assert (out.data < -1.0).all()


def test_max_pool2d_ties_share_the_gradient():
    # Documented difference from PyTorch: tied maxima split the gradient equally.
    x = am.tensor(np.ones((1, 1, 2, 2)), requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    np.testing.assert_allclose(x.grad.data, np.full((1, 1, 2, 2), 0.25))


# -- activations ------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(4,), (3, 5), (2, 3, 4)])
def test_activation_values_and_gradients(shape):
    x = rand(*shape, seed=12)
    np.testing.assert_allclose(F.relu(x).data, np.maximum(x, 0))
    np.testing.assert_allclose(F.leaky_relu(x).data, np.where(x > 0, x, 0.01 * x))
    np.testing.assert_allclose(F.leaky_relu(x, 0.2).data, np.where(x > 0, x, 0.2 * x))
    np.testing.assert_allclose(F.sigmoid(x).data, 1 / (1 + np.exp(-x)))
    np.testing.assert_allclose(F.tanh(x).data, np.tanh(x))
    np.testing.assert_allclose(F.softplus(x).data, np.logaddexp(0, x), rtol=1e-14)
    np.testing.assert_allclose(F.softplus(x, beta=2.5).data, np.logaddexp(0, 2.5 * x) / 2.5, rtol=1e-14)
    for f in (F.relu, F.leaky_relu, lambda t: F.leaky_relu(t, 0.3), F.sigmoid, F.tanh, F.softplus,
              lambda t: F.softplus(t, 0.5)):
        check12(f, (x,))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softplus_with_a_huge_beta_is_relu_where_beta_x_overflows(dtype):
    beta = 1e300 if dtype == np.float64 else 1e35
    x = am.tensor(np.array([1e10, 3.0, -3.0, -1e10, 0.0], dtype), requires_grad=True)
    with np.errstate(over="ignore"):  # (beta x overflows to inf: exp(-inf) is 0, the result x)
        y = F.softplus(x, beta=beta)
        y.sum().backward()
    assert y.dtype == dtype
    np.testing.assert_allclose(y.data, [1e10, 3.0, 0.0, 0.0, np.log(2.0) / beta], rtol=1e-6)
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0, 0.0, 0.0, 0.5])  # sigmoid(beta x)


def test_softplus_refuses_an_infinite_beta_and_checks_integer_inputs_in_float64():
    # beta = inf made x * beta = 0 * inf = NaN at x = 0 for integer inputs (a float
    # input's range check caught it, with a message about the dtype's range).
    for x in (am.tensor([0, 1, -1]), am.tensor([0.0, 1.0]), am.tensor(np.array([0, 1], np.uint8))):
        with pytest.raises(ValueError, match=r"^softplus: beta must be finite, got inf"):
            F.softplus(x, beta=math.inf)
    with pytest.raises(ValueError, match=r"^softplus: beta must be finite, got inf"):
        am.nn.Softplus(beta=np.inf)
    # integer inputs are computed in float64: its range applies, as for a float64 input
    with pytest.raises(ValueError, match=r"^softplus: beta 1e-310 is outside the range of float64, in which its int64 input is computed"):
        F.softplus(am.tensor([0, 1, -1]), beta=1e-310)
    np.testing.assert_allclose(F.softplus(am.tensor([0, 3, -3]), beta=2.0).data,
                               np.log1p(np.exp(2.0 * np.array([0, 3, -3]))) / 2.0, rtol=1e-15)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softplus_is_exact_at_extremes_and_at_zero(dtype):
    x = am.tensor(np.array([-1000.0, -40.0, 0.0, 40.0, 1000.0], dtype), requires_grad=True)
    y = F.softplus(x)
    assert y.dtype == dtype
    np.testing.assert_allclose(y.data, np.logaddexp(0, x.data.astype(np.float64)), rtol=1e-6 if dtype == np.float32 else 1e-15)
    (g,) = am.autograd.grad(y.sum(), [x], create_graph=True)
    x64 = x.data.astype(np.float64)
    s, s_neg = np.exp(-np.logaddexp(0, -x64)), np.exp(-np.logaddexp(0, x64))  # sigmoid(x), sigmoid(-x)
    np.testing.assert_allclose(g.data, s, rtol=1e-6, atol=0)  # 0.5 at 0
    (h,) = am.autograd.grad(g.sum(), [x])
    np.testing.assert_allclose(h.data, s * s_neg, rtol=1e-5, atol=0)  # 1/4 at 0, not 0
    with pytest.raises(ValueError, match=r"^softplus: beta must be a positive number, got 0"):
        F.softplus(x, beta=0)
    if dtype == np.float32:  # (beta in float32 would be inf or 0: 0 * inf and x / 0 on the way)
        for beta in (1e300, 1e-300):
            with pytest.raises(ValueError, match=rf"^softplus: beta {re.escape(repr(beta))} is outside the range "
                                                 r"of the input's dtype float32 \(1.18e-38 to 3.4e\+38\)"):
                F.softplus(x, beta=beta)
    with pytest.raises(ValueError, match=r"^softplus: beta must be a positive number, got -1"):
        am.nn.Softplus(beta=-1)
    np.testing.assert_array_equal(am.nn.Softplus(2.0)(x).data, F.softplus(x, 2.0).data)
    assert repr(am.nn.Softplus(2.0)) == "Softplus(beta=2.0)"


@pytest.mark.parametrize("shape, dim", [((5,), 0), ((3, 4), -1), ((3, 4), 0), ((2, 3, 4), 1)])
def test_softmax_and_log_softmax(shape, dim):
    x = rand(*shape, seed=13)
    e = np.exp(x - x.max(axis=dim, keepdims=True))
    sm = e / e.sum(axis=dim, keepdims=True)
    np.testing.assert_allclose(F.softmax(x, dim).data, sm)
    np.testing.assert_allclose(F.softmax(x, axis=dim).data, sm)
    np.testing.assert_allclose(F.log_softmax(x, dim=dim).data, np.log(sm))
    np.testing.assert_allclose(F.log_softmax(x, axis=dim).data, np.log(sm))
    check12(lambda t: F.softmax(t, dim), (x,))
    check12(lambda t: F.log_softmax(t, dim), (x,))


def test_softmax_default_dim_is_last_and_large_logits_are_finite():
    x = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, 1000.0]])
    np.testing.assert_allclose(F.softmax(x).data, [[1, 0, 0], [0, 0, 1]])
    ls = F.log_softmax(x).data
    assert np.isfinite(ls).all()
    np.testing.assert_allclose(ls, [[0, -2000, -1000], [-2000, -2000, 0]])


@pytest.mark.parametrize("f", [F.softmax, F.log_softmax])
@pytest.mark.parametrize("shape", [(2, 3, 4), (2, 3, 4, 5)])
def test_softmax_without_dim_refuses_three_or_more_axes(f, shape):
    # PyTorch's F.softmax(x) without dim takes dim 0 of a 3-D x and dim 1 of a 4-D one
    # (deprecated); the last axis here would be a silently different answer
    name = f.__name__
    with pytest.raises(ValueError, match=rf"{name}: pass dim .*shape {re.escape(str(shape))}"):
        f(rand(*shape, seed=3))
    x = rand(*shape, seed=3)
    np.testing.assert_allclose(f(x, -1).data, f(x, axis=-1).data)


def test_softmax_without_dim_matches_pytorch_up_to_two_axes():
    # (PyTorch's implicit dim is 0 for 0-D and 1-D input, 1 for 2-D: the last axis each time)
    for x in (np.float64(0.5), rand(4, seed=1), rand(3, 4, seed=2)):
        e = np.exp(x - np.max(x, axis=-1, keepdims=True))
        np.testing.assert_allclose(F.softmax(x).data, e / e.sum(axis=-1, keepdims=True))


def test_activations_are_finite_at_large_inputs():
    x = am.tensor([-1000.0, 1000.0], requires_grad=True)
    y = F.sigmoid(x)
    np.testing.assert_allclose(y.data, [0.0, 1.0])
    y.sum().backward()
    assert np.isfinite(x.grad.data).all()


# -- dropout ------------------------------------------------------------------------------


def test_dropout_statistics_and_scaling():
    am.manual_seed(0)
    x = np.ones((200, 500))
    out = F.dropout(x, p=0.3).data
    kept = out != 0
    assert abs(kept.mean() - 0.7) < 0.01  # 100k draws: the std of the fraction is 0.0015
    np.testing.assert_allclose(out[kept], 1 / 0.7)
    assert abs(out.mean() - 1.0) < 0.02  # inverted dropout keeps the expectation


def test_dropout_gradient_is_the_scaled_mask_and_seed_reproduces_it():
    am.manual_seed(3)
    x = am.tensor(rand(6, 7), requires_grad=True)
    out = F.dropout(x, 0.5)
    out.backward(np.ones(out.shape))
    mask = out.data != 0
    np.testing.assert_allclose(x.grad.data, mask * 2.0)
    am.manual_seed(3)
    np.testing.assert_array_equal(F.dropout(x, 0.5).data, out.data)


def test_dropout_eval_and_p0_pass_through():
    x = am.tensor(rand(3, 4))
    assert F.dropout(x, 0.5, training=False) is x
    np.testing.assert_array_equal(F.dropout(x, 0.0).data, x.data)
    assert F.dropout(np.ones(3, np.float32), 0.5).dtype == np.float32


@pytest.mark.parametrize("p", [-0.1, 1.5, float("nan")])
def test_dropout_rejects_bad_p(p):
    with pytest.raises(ValueError, match="dropout"):
        F.dropout(np.ones(3), p)


def test_dropout_with_p_1_zeroes_in_training_and_passes_through_in_eval():
    x = am.tensor(rand(3, 4), requires_grad=True)
    out = F.dropout(x, 1.0)
    np.testing.assert_array_equal(out.data, np.zeros((3, 4)))
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.zeros((3, 4)))
    assert F.dropout(x, 1.0, training=False) is x
    assert am.nn.Dropout(1.0).eval()(x) is x


# -- batch_norm -----------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (3, 3, 4, 2)])
def test_batch_norm_training_normalises_and_updates_running_stats(shape):
    x, w, b = rand(*shape, seed=14) * 2 + 1, rand(3, seed=15), rand(3, seed=16)
    axes = (0,) + tuple(range(2, len(shape)))
    bshape = (1, 3) + (1,) * (len(shape) - 2)
    mean, var = x.mean(axis=axes), x.var(axis=axes)
    n = x.size // 3
    rm, rv = rand(3, seed=17), np.abs(rand(3, seed=18)) + 0.5
    rm_t, rv_t = am.tensor(rm), am.tensor(rv)
    out = F.batch_norm(x, rm_t, rv_t, w, b, training=True, momentum=0.2, eps=1e-5)
    normalised = (x - mean.reshape(bshape)) / np.sqrt(var.reshape(bshape) + 1e-5)
    expected = normalised * w.reshape(bshape) + b.reshape(bshape)
    np.testing.assert_allclose(out.data, expected, atol=1e-12)
    np.testing.assert_allclose(rm_t.data, 0.8 * rm + 0.2 * mean)
    np.testing.assert_allclose(rv_t.data, 0.8 * rv + 0.2 * var * n / (n - 1))  # unbiased
    # plain ndarray buffers are updated in place too
    rm_a = rm.copy()
    F.batch_norm(x, rm_a, None, training=True, momentum=0.5)
    np.testing.assert_allclose(rm_a, 0.5 * rm + 0.5 * mean)


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(momentum=math.nan), ValueError, r"momentum must be in \[0, 1\], got nan \(input \(4, 3\)\)"),
    (dict(momentum=-0.1), ValueError, r"momentum must be in \[0, 1\]"),
    (dict(momentum=1.5), ValueError, r"momentum must be in \[0, 1\]"),
    (dict(eps=math.nan), ValueError, r"eps must be a finite number >= 0, got nan"),
    (dict(eps=-1e-5), ValueError, r"eps must be a finite number >= 0"),
    (dict(eps=math.inf), ValueError, r"eps must be a finite number >= 0"),
    (dict(training="no"), TypeError, r"training must be True or False, got 'no'"),
    (dict(training=None), TypeError, r"training must be True or False, got None"),
])
def test_batch_norm_refuses_bad_settings_before_the_running_stats_change(kwargs, error, message):
    # (a NaN momentum made the running statistics NaN for good; a truthy "no" meant training)
    x, rm, rv = am.randn(4, 3), am.zeros(3), am.ones(3)
    with pytest.raises(error, match=r"^batch_norm: " + message):
        F.batch_norm(x, rm, rv, **{"training": True, **kwargs})
    np.testing.assert_array_equal(rm.data, np.zeros(3))
    np.testing.assert_array_equal(rv.data, np.ones(3))


@pytest.mark.parametrize("shape", [(6, 3), (3, 3, 4, 2)])
def test_batch_norm_eval_uses_running_stats(shape):
    x, w, b = rand(*shape, seed=19), rand(3, seed=20), rand(3, seed=21)
    rm, rv = rand(3, seed=22), np.abs(rand(3, seed=23)) + 0.5
    bshape = (1, 3) + (1,) * (len(shape) - 2)
    out = F.batch_norm(x, rm, rv, w, b, training=False, eps=1e-3)
    normalised = (x - rm.reshape(bshape)) / np.sqrt(rv.reshape(bshape) + 1e-3)
    np.testing.assert_allclose(out.data, normalised * w.reshape(bshape) + b.reshape(bshape))
    plain = (x - rm.reshape(bshape)) / np.sqrt(rv.reshape(bshape) + 1e-5)  # no affine, default eps
    np.testing.assert_allclose(F.batch_norm(x, rm, rv).data, plain)
    check12(lambda x, w, b: F.batch_norm(x, rm, rv, w, b), (x, w, b))


@pytest.mark.parametrize("shape", [(5, 3), (3, 2, 3, 2)])
def test_batch_norm_training_gradients(shape):
    x, w, b = rand(*shape, seed=24), rand(shape[1], seed=25), rand(shape[1], seed=26)
    check12(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), (x, w, b))


# -- losses -----------------------------------------------------------------------------------


def reduce_np(v: np.ndarray, reduction: str):
    return {"mean": v.mean(), "sum": v.sum(), "none": v}[reduction]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_loss(reduction):
    x, y = rand(3, 4, seed=27), rand(3, 4, seed=28)
    np.testing.assert_allclose(F.mse_loss(x, y, reduction).data, reduce_np((x - y) ** 2, reduction))
    check12(lambda x, y: F.mse_loss(x, y, reduction), (x, y))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape", [(5, 4), (3, 4, 2), (2, 3, 2, 2)])
def test_cross_entropy_and_nll_loss(shape, reduction):
    x = rand(*shape, seed=29)
    t = labels(shape[:1] + shape[2:], shape[1], seed=30)
    logp = x - np.log(np.exp(x).sum(axis=1, keepdims=True))
    picked = np.take_along_axis(logp, np.expand_dims(t, 1), axis=1).squeeze(1)
    expected = reduce_np(-picked, reduction)
    np.testing.assert_allclose(F.cross_entropy(x, t, reduction).data, expected)
    np.testing.assert_allclose(F.nll_loss(logp, t, reduction).data, expected)
    assert F.cross_entropy(x, am.tensor(t), reduction).shape == np.shape(expected)
    check12(lambda x: F.cross_entropy(x, t, reduction), (x,))
    check12(lambda x: F.nll_loss(x, t, reduction), (x,))


def test_cross_entropy_is_finite_at_huge_logits():
    x = am.tensor([[1000.0, -1000.0], [-1000.0, 1000.0], [1000.0, 1000.0]], requires_grad=True)
    loss = F.cross_entropy(x, np.array([1, 1, 0]), "none")
    np.testing.assert_allclose(loss.data, [2000.0, 0.0, np.log(2.0)])
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.data, [[1, -1], [0, 0], [-0.5, 0.5]])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_cross_entropy(reduction):
    rng = np.random.default_rng(31)
    p, y = rng.uniform(0.05, 0.95, (3, 4)), rng.uniform(0, 1, (3, 4))
    expected = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    np.testing.assert_allclose(F.binary_cross_entropy(p, y, reduction).data, reduce_np(expected, reduction))
    check12(lambda p, y: F.binary_cross_entropy(p, y, reduction), (p, y))


def test_binary_cross_entropy_clamps_logs_at_probabilities_0_and_1():
    p = am.tensor([0.0, 1.0, 0.0, 1.0], requires_grad=True)
    y = np.array([1.0, 0.0, 0.0, 1.0])
    loss = F.binary_cross_entropy(p, y, "none")
    np.testing.assert_array_equal(loss.data, [100.0, 100.0, 0.0, 0.0])
    assert not np.signbit(loss.data).any()
    loss.sum().backward()
    # the clamped log contributes no gradient; the other log's is 1 / (1 - p) or -1 / p
    np.testing.assert_allclose(p.grad.data, [0.0, 0.0, 1.0, -1.0])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_cross_entropy_with_logits(reduction):
    x, y = rand(3, 4, seed=32) * 3, np.random.default_rng(33).uniform(0, 1, (3, 4))
    s = 1 / (1 + np.exp(-x))
    expected = -(y * np.log(s) + (1 - y) * np.log(1 - s))
    np.testing.assert_allclose(F.binary_cross_entropy_with_logits(x, y, reduction).data,
                               reduce_np(expected, reduction))
    check12(lambda x, y: F.binary_cross_entropy_with_logits(x, y, reduction), (x, y))


def test_binary_cross_entropy_with_logits_is_stable_and_exact_at_extremes():
    x = am.tensor([1000.0, -1000.0, 1000.0, -1000.0, 0.0], requires_grad=True)
    y = np.array([0.0, 1.0, 1.0, 0.0, 0.25])
    loss = F.binary_cross_entropy_with_logits(x, y, "none")
    np.testing.assert_allclose(loss.data, [1000.0, 1000.0, 0.0, 0.0, np.log(2.0)])
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.data, [1.0, -1.0, 0.0, 0.0, 0.25])  # sigmoid(x) - y


def test_binary_cross_entropy_with_logits_at_infinite_logits_takes_the_limits():
    # On the target's side the loss tends to 0 (not inf * 0 = NaN); on the other to inf.
    x = am.tensor([np.inf, -np.inf, np.inf, -np.inf, np.inf], requires_grad=True)
    y = am.tensor([1.0, 0.0, 0.0, 1.0, 0.5], requires_grad=True)
    with np.errstate(all="raise"):  # (no inf * 0 on the way)
        loss = F.binary_cross_entropy_with_logits(x, y, "none")
        loss.sum().backward()
    np.testing.assert_array_equal(loss.data, [0.0, 0.0, np.inf, np.inf, np.inf])
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 1.0, -1.0, 0.5])  # sigmoid(x) - y
    np.testing.assert_array_equal(y.grad.data, [0.0, 0.0, -np.inf, np.inf, -np.inf])  # -x, none at the limit
    assert F.binary_cross_entropy_with_logits(x, y).data == np.inf


def test_losses_keep_float32():
    x32, y32 = rand(3, 4).astype(np.float32), rand(3, 4, seed=1).astype(np.float32)
    assert F.mse_loss(x32, y32).dtype == np.float32
    assert F.cross_entropy(x32, np.array([0, 1, 3])).dtype == np.float32
    assert F.binary_cross_entropy_with_logits(x32, np.abs(y32) / 4).dtype == np.float32
    assert F.binary_cross_entropy(np.abs(x32) / 4, np.abs(y32) / 4).dtype == np.float32
    assert F.batch_norm(x32, None, None, training=True).dtype == np.float32
    assert F.batch_norm(x32, np.zeros(4), np.ones(4)).dtype == np.float32


# -- bad input ----------------------------------------------------------------------------------


def ones(*shape: int) -> np.ndarray:
    return np.ones(shape)


@pytest.mark.parametrize(
    "call, pattern",
    [
        (lambda: F.conv2d(ones(1, 3, 5, 5), ones(2, 2, 3, 3)), r"conv2d.*\(1, 3, 5, 5\).*\(2, 2, 3, 3\)"),
        (lambda: F.conv2d(ones(1, 4, 5, 5), ones(2, 1, 3, 3), groups=2), r"conv2d.*4 channels"),
        (lambda: F.conv2d(ones(1, 4, 5, 5), ones(3, 2, 3, 3), groups=2), r"conv2d: groups=2 must divide"),
        (lambda: F.conv2d(ones(1, 3, 5, 5), ones(2, 1, 3, 3), groups=2), r"conv2d: groups=2 must divide"),
        (lambda: F.conv2d(ones(1, 1, 2, 5), ones(1, 1, 3, 3)), r"conv2d.*\(1, 1, 2, 5\).*smaller"),
        (lambda: F.conv2d(ones(1, 1, 4, 4), ones(1, 1, 3, 3), dilation=2), r"conv2d.*smaller"),
        (lambda: F.conv2d(ones(1, 1, 4, 4), ones(1, 1, 3, 3), padding="full"), r"conv2d: padding"),
        (lambda: F.conv2d(ones(1, 1, 4, 4), ones(1, 1, 3, 3), stride=2, padding="same"), r"same.*stride"),
        (lambda: F.conv2d(ones(1, 1, 4, 4), ones(1, 1, 3, 3), padding=-1), r"conv2d: padding"),
        (lambda: F.conv2d(ones(1, 1, 4, 4), ones(1, 1, 3, 3), stride=0), r"conv2d: stride"),
        (lambda: F.conv2d(ones(1, 1, 4, 4), ones(2, 1, 3, 3), np.ones(3)), r"conv2d: bias"),
        (lambda: F.conv2d(ones(4, 4), ones(1, 1, 3, 3)), r"conv2d.*\(4, 4\)"),
        (lambda: F.conv2d(ones(1, 1, 4, 4), ones(1, 3, 3)), r"conv2d: weight"),
        (lambda: F.conv2d(ones(1, 2, 4, 4), ones(2, 1, 3, 3), groups=0), r"conv2d: groups"),
        (lambda: F.max_pool2d(ones(1, 1, 2, 2), 3), r"max_pool2d.*smaller"),
        # one (C, H, W) image: the errors name the shape that was passed
        (lambda: F.conv2d(ones(2, 5, 5), ones(4, 3, 3, 3)), r"conv2d: input of shape \(2, 5, 5\) has 2 channels"),
        (lambda: F.conv2d(ones(3, 2, 5), ones(4, 3, 3, 3)), r"conv2d: input of shape \(3, 2, 5\) \(padded"),
        (lambda: F.conv2d(ones(3, 4, 4), ones(4, 1, 3, 3), groups=2), r"groups=2.*\(input \(3, 4, 4\)\)"),
        (lambda: F.max_pool2d(ones(3, 2, 2), 3), r"max_pool2d: input of shape \(3, 2, 2\) \(padded"),
        (lambda: F.avg_pool2d(ones(3, 2, 2), 3), r"avg_pool2d: input of shape \(3, 2, 2\) \(padded"),
        (lambda: F.avg_pool2d(ones(1, 1, 4, 4), 2, padding=2), r"avg_pool2d: padding"),
        (lambda: F.max_pool2d(ones(1, 1, 4, 4), 3, padding=2), r"max_pool2d: padding"),
        (lambda: F.linear(ones(2, 3), ones(4, 5)), r"linear.*\(2, 3\).*\(4, 5\)"),
        (lambda: F.linear(ones(2, 5), ones(4, 5), np.ones(5)), r"linear: bias"),
        (lambda: F.softmax(ones(2, 3), dim=2), r"softmax: dim 2"),
        (lambda: F.log_softmax(ones(2, 3), dim=-3), r"log_softmax: dim -3"),
        (lambda: F.mse_loss(np.ones(3), np.ones(3), "avg"), r"mse_loss: reduction"),
        (lambda: F.mse_loss(np.ones(3), ones(3, 1)), r"mse_loss.*same shape"),
        (lambda: F.cross_entropy(ones(2, 3), np.array([0, 1]), "max"), r"cross_entropy: reduction"),
        (lambda: F.nll_loss(ones(2, 3), np.array([0, 1]), "max"), r"nll_loss: reduction"),
        (lambda: F.binary_cross_entropy(np.full(2, 0.5), np.ones(2), ""), r"binary_cross_entropy: reduction"),
        (lambda: F.binary_cross_entropy_with_logits(np.ones(2), np.ones(2), "x"), r"with_logits: reduction"),
        (lambda: F.binary_cross_entropy(np.array([0.5, 1.5]), np.ones(2)), r"binary_cross_entropy.*\[0, 1\]"),
        (lambda: F.binary_cross_entropy(np.full(2, 0.5), np.ones(3)), r"binary_cross_entropy.*same shape"),
        (lambda: F.cross_entropy(ones(2, 3), np.array([0, 3])),
         r"cross_entropy \(pick\).*index 3 is out of range \[0, 2\] for axis 1 of size 3"),
        (lambda: F.nll_loss(ones(2, 3), np.array([-1, 0])), r"nll_loss \(pick\).*index -1 is out of range \[0, 2\]"),
        (lambda: F.cross_entropy(ones(2, 3), np.array([0.0, 1.0])), r"cross_entropy.*integer class labels"),
        (lambda: F.nll_loss(ones(2, 3), np.array([0, 1, 2])), r"nll_loss.*\(3,\).*\(2, 3\)"),
        (lambda: F.cross_entropy(np.array(1.0), np.array(0)), r"cross_entropy.*\(C,\).*got \(\)"),
        (lambda: F.cross_entropy(np.ones(3), np.array([0])), r"cross_entropy.*\(1,\).*expected \(\)"),
        (lambda: F.batch_norm(ones(4, 3), np.zeros(2), np.ones(3)), r"batch_norm: running_mean.*\(3,\)"),
        (lambda: F.batch_norm(ones(4, 3), None, None), r"batch_norm.*running_mean and running_var"),
        (lambda: F.batch_norm(np.ones(3), None, None, training=True), r"batch_norm.*\(3,\)"),
    ],
)
def test_bad_input_raises_value_error_naming_the_function(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()


def test_bad_argument_types_raise_type_error():
    with pytest.raises(TypeError, match="conv2d: stride"):
        F.conv2d(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), stride=1.5)
    with pytest.raises(TypeError, match="max_pool2d: kernel_size"):
        F.max_pool2d(np.ones((1, 1, 4, 4)), (2, 2, 2))
    with pytest.raises(TypeError, match="softmax"):
        F.softmax(np.ones(3), dim=0, axis=-1)


@pytest.mark.parametrize("groups", [2.0, True, "2"])
def test_conv2d_groups_of_a_wrong_type_is_a_type_error_as_in_nn_conv2d(groups):
    # (nn.Conv2d(4, 4, 3, groups=2.0) raises TypeError; F.conv2d said ValueError)
    with pytest.raises(TypeError, match=f"conv2d: groups must be an int, got {re.escape(repr(groups))}"):
        F.conv2d(np.ones((1, 4, 4, 4)), np.ones((4, 2, 3, 3)), groups=groups)
    with pytest.raises(ValueError, match="conv2d: groups must be at least 1, got 0"):
        F.conv2d(np.ones((1, 4, 4, 4)), np.ones((4, 2, 3, 3)), groups=0)


def test_batch_norm_in_eval_of_an_integer_input_computes_in_float64():
    x = np.array([[0, 1], [2, 3]], np.uint8)
    rm, rv = np.array([3.0, 0.4]), np.array([1.0, 1.0])
    out = F.batch_norm(am.tensor(x), am.tensor(rm), am.tensor(rv), training=False)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.data, (x - rm) / np.sqrt(rv + 1e-5), rtol=1e-12)


def test_batch_norm_errors_leave_running_stats_untouched():
    rm, rv = np.zeros(3), np.ones(3)
    with pytest.raises(ValueError, match="batch_norm: weight"):
        F.batch_norm(rand(4, 3), rm, rv, np.ones(2), training=True)
    with pytest.raises(ValueError, match="more than one value per channel"):
        F.batch_norm(rand(1, 3), rm, rv, training=True)
    np.testing.assert_array_equal(rm, 0.0)
    np.testing.assert_array_equal(rv, 1.0)


# -- regressions found in review ---------------------------------------------------------


def test_cross_entropy_with_an_impossible_class_is_finite() -> None:
    """A logit of -inf for another class: loss logsumexp - x_target, not NaN (0 * -inf)."""
    logits = am.tensor([[0.0, -np.inf, 1.0]], requires_grad=True)
    loss = F.cross_entropy(logits, np.array([0]))
    assert loss.item() == pytest.approx(np.log(1.0 + np.e))
    loss.backward()
    expected = np.array([[1.0 / (1.0 + np.e) - 1.0, 0.0, np.e / (1.0 + np.e)]])
    np.testing.assert_allclose(logits.grad.data, expected, rtol=1e-12)


def test_bce_with_logits_keeps_tiny_losses() -> None:
    """log1p(exp(-|x|)): at x = 40, y = 1 the loss is e**-40, not 0."""
    loss = F.binary_cross_entropy_with_logits(am.tensor([40.0]), am.tensor([1.0]), reduction="sum")
    assert loss.item() == pytest.approx(np.exp(-40.0), rel=1e-12)


def test_pool_size_check_uses_per_axis_padding() -> None:
    """padding=(1, 0) pads rows only: a (1, 4) image fits a 3x3 window, a (5, 2) one does not."""
    out = F.max_pool2d(am.tensor(np.arange(4.0).reshape(1, 1, 1, 4)), 3, 1, (1, 0))
    np.testing.assert_array_equal(out.data, [[[[2.0, 3.0]]]])
    with pytest.raises(ValueError, match="max_pool2d: input of shape"):
        F.max_pool2d(am.tensor(np.zeros((1, 1, 5, 2))), 3, 1, (1, 0))


@pytest.mark.parametrize("order", ["C", "F"])
def test_cross_entropy_float32_matches_numpy_oracle(order):
    # W2's logits are column-major float32 (linear computes (W x^T)^T + b).
    z = np.asarray(rand(16, 10, seed=31).astype(np.float32) * 5, order=order)
    t = labels((16,), 10, seed=32)
    x = am.tensor(z, requires_grad=True)
    loss = F.cross_entropy(x, t)
    loss.backward()
    z64 = z.astype(np.float64)
    lse = np.log(np.exp(z64 - z64.max(1, keepdims=True)).sum(1)) + z64.max(1)
    assert loss.dtype == np.float32 and x.grad.dtype == np.float32
    np.testing.assert_allclose(loss.item(), (lse - z64[np.arange(16), t]).mean(), rtol=1e-6)
    softmax = np.exp(z64 - lse[:, None])
    np.testing.assert_allclose(x.grad.data, (softmax - np.eye(10)[t]) / 16, rtol=1e-5, atol=1e-7)


def test_losses_with_minus_inf_scores_stay_finite_off_the_label():
    x = am.tensor([[-np.inf, 0.0, 1.0], [2.0, -np.inf, -np.inf]], requires_grad=True)
    t = np.array([1, 0])
    with np.errstate(all="raise"):
        loss = F.cross_entropy(x, t, "none")
        loss.sum().backward()
    np.testing.assert_allclose(loss.data, [np.log(1 + np.e), 0.0])
    np.testing.assert_allclose(x.grad.data, [[0.0, 1 / (1 + np.e) - 1, np.e / (1 + np.e)], [0.0, 0.0, 0.0]])
    logp = am.tensor([[-np.inf, -0.5], [-0.1, -np.inf]], requires_grad=True)
    nll = F.nll_loss(logp, np.array([1, 0]), "sum")
    nll.backward()
    np.testing.assert_allclose(nll.item(), 0.6)
    np.testing.assert_array_equal(logp.grad.data, [[0.0, -1.0], [-1.0, 0.0]])
    with np.errstate(all="raise"):  # a label of score -inf: an infinite loss, no NaN
        assert F.cross_entropy(x, np.array([0, 1]), "none").data.tolist() == [np.inf, np.inf]


@pytest.mark.parametrize("shape", [(), (5,), (2, 3, 4)])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_mse_loss_inner_product_path_on_any_rank(shape, reduction):
    # Reductions go through a flattened inner product; 0-d, 1-D and 3-D take its three shapes.
    x, y = rand(*shape, seed=40), rand(*shape, seed=41)
    out = F.mse_loss(x, y, reduction)
    assert out.shape == ()
    np.testing.assert_allclose(out.data, reduce_np((x - y) ** 2, reduction), rtol=1e-13)
    check12(lambda x, y: F.mse_loss(x, y, reduction), (x, y))


@pytest.mark.parametrize("dtype", [np.int8, np.int64, np.uint8, np.float32])
def test_max_pool2d_padding_never_wins_for_any_dtype(dtype):
    x = np.full((1, 1, 4, 4), 5 if dtype == np.uint8 else -5, dtype=dtype)
    out = F.max_pool2d(am.tensor(x), 3, stride=2, padding=1)
    assert out.dtype == dtype
    np.testing.assert_array_equal(out.data, np.full((1, 1, 2, 2), x.flat[0]))


# -- found by a review ----------------------------------------------------------------


def test_batch_norm_training_list_running_var_is_atomic_and_clear():
    x = np.random.default_rng(0).standard_normal((4, 3)) + 5.0
    rm = np.zeros(3)
    with pytest.raises(TypeError, match="batch_norm: in training running_var is updated in place.*got list"):
        F.batch_norm(x, rm, [1.0, 1.0, 1.0], training=True)
    np.testing.assert_array_equal(rm, np.zeros(3))  # running_mean untouched


def test_batch_norm_training_read_only_running_var_says_read_only():
    # a read-only float64 buffer: the message must name what is wrong with it (its
    # dtype is fine), and running_mean must stay untouched
    x = np.random.default_rng(0).standard_normal((4, 3)) + 5.0
    rm, rv = np.zeros(3), np.ones(3)
    rv.flags.writeable = False
    with pytest.raises(TypeError, match="running_var is updated in place.*got a read-only array"):
        F.batch_norm(x, rm, rv, training=True)
    np.testing.assert_array_equal(rm, np.zeros(3))


def test_batch_norm_training_int_running_var_leaves_running_mean_untouched():
    x = np.random.default_rng(0).standard_normal((4, 3)) + 5.0
    rm = np.zeros(3)
    with pytest.raises(TypeError, match=r"batch_norm: in training running_var .* floating-point .* dtype int64"):
        F.batch_norm(x, rm, np.ones(3, dtype=np.int64), training=True)
    np.testing.assert_array_equal(rm, np.zeros(3))


def test_cross_entropy_unbatched():
    z = am.tensor([0.5, -1.0, 2.0], requires_grad=True)
    loss = F.cross_entropy(z, np.array(2))
    expected = np.log(np.exp(z.numpy()).sum()) - 2.0
    assert np.isclose(loss.item(), expected)


def test_cross_entropy_empty_batch_sum_and_none():
    z = am.zeros((0, 3), requires_grad=True)
    t = np.zeros(0, dtype=np.int64)
    assert F.cross_entropy(z, t, reduction="sum").item() == 0.0
    assert F.cross_entropy(z, t, reduction="none").shape == (0,)


# -- found by a review of the numerics --------------------------------------------------


@pytest.mark.parametrize("reduction", ["sum", "mean", "none"])
def test_bce_with_logits_second_derivative_at_zero(reduction):
    y = np.array([0.0, 1.0, 0.5])
    f = lambda x: F.binary_cross_entropy_with_logits(x, y, reduction=reduction).sum()
    H = am.hessian(f)(np.zeros(3)).data
    n = 3 if reduction == "mean" else 1
    np.testing.assert_allclose(np.diag(H), 0.25 / n, rtol=1e-12)


def test_bce_with_logits_gradgradcheck_at_zero():
    y = am.tensor(np.zeros(3))
    assert am.gradgradcheck(lambda x: F.binary_cross_entropy_with_logits(x, y),
                            [am.tensor(np.zeros(3), requires_grad=True)])


def test_bce_with_logits_gradient_precision_confident_prediction():
    # d/dx = sigmoid(x) - 1 = -sigmoid(-x); the loss itself is computed accurately.
    for dt, x, rtol in [(np.float32, 15.0, 1e-5), (np.float64, 40.0, 1e-12)]:
        t = am.tensor(np.array([x], dt), requires_grad=True)
        F.binary_cross_entropy_with_logits(t, np.ones(1, dt), reduction="sum").backward()
        np.testing.assert_allclose(t.grad.data[0], -1.0 / (1.0 + math.exp(x)), rtol=rtol)


def test_bce_hessian_small_probability_float32_not_nan():
    # y = 0: loss -log(1 - p), d2/dp2 = 1/(1-p)**2 = 1 at p = 1e-30
    p = am.tensor(np.array([1e-30], np.float32), requires_grad=True)
    loss = F.binary_cross_entropy(p, np.zeros(1, np.float32), reduction="sum")
    (g,) = am.autograd.grad(loss, [p], create_graph=True)
    (h,) = am.autograd.grad(g.sum(), [p])
    np.testing.assert_allclose(h.data[0], 1.0, rtol=1e-5)


def test_mse_loss_float32_large_n_precision():
    d = np.random.default_rng(0).random(10**7).astype(np.float32)
    got = F.mse_loss(am.tensor(d), am.tensor(np.zeros_like(d))).item()
    exact = np.mean(d.astype(np.float64) ** 2)
    assert abs(got - exact) / exact < 1e-6


def test_input_buffer_reused_before_backward_keeps_each_forwards_values():
    # A composite copies an ndarray input, so a graph keeps the values it was computed
    # from when the caller refills its buffer (gradient accumulation over batches).
    W = am.tensor(np.ones((1, 3)), requires_grad=True)
    batches = [np.arange(6.0).reshape(2, 3), -np.ones((2, 3))]
    buf = np.empty((2, 3))
    total = 0.0
    for b in batches:
        buf[...] = b
        total = total + F.linear(buf, W).sum()
    total.backward()
    np.testing.assert_allclose(W.grad.data, sum(b.sum(axis=0, keepdims=True) for b in batches))


@pytest.mark.parametrize("loss", [F.cross_entropy, F.nll_loss])
def test_labels_refilled_before_backward_do_not_change_the_gradient(loss):
    data = np.array([[1.0, 2.0, 3.0], [1.0, 0.0, 0.0]])
    expected = am.tensor(data, requires_grad=True)
    loss(expected, np.array([0, 1])).backward()
    for wrap in (np.asarray, am.tensor):
        logits = am.tensor(data, requires_grad=True)
        buffer = wrap(np.array([0, 1]))
        value = loss(logits, buffer)
        (buffer.data if isinstance(buffer, am.Tensor) else buffer)[:] = [2, 2]  # the next batch
        value.backward()
        np.testing.assert_array_equal(logits.grad.data, expected.grad.data)


# -- routes and arguments a coverage review found without a gradient check -----------------


def _dropout_with_a_fixed_mask(x):
    am.manual_seed(3)  # (the same mask on every evaluation of the finite differences)
    return F.dropout(x, 0.4)


_GAPS = {
    "dropout": (_dropout_with_a_fixed_mask, [(3, 4), (2, 3, 5)]),
    "binary_cross_entropy": (lambda p: F.binary_cross_entropy(
        am.sigmoid(p), am.tensor(rand(*p.shape, seed=4) > 0.5).astype(float), reduction="sum"),
        [(5,), (2, 3, 2)]),
    "binary_cross_entropy_with_logits": (lambda x: F.binary_cross_entropy_with_logits(
        x, am.tensor(rand(*x.shape, seed=5) > 0.5).astype(float), reduction="none"), [(4,), (3, 2, 2)]),
    "mse_loss none": (lambda x: F.mse_loss(x, am.tensor(rand(*x.shape, seed=6)), reduction="none"),
                      [(4,), (2, 3, 2)]),
    "mse_loss over 4096 elements": (lambda x: F.mse_loss(x, am.tensor(rand(*x.shape, seed=7))),
                                    [(4097,), (65, 65)]),
    "sigmoid's large-array route": (am.sigmoid, [(256,), (16, 16)]),
    "matmul_add's large product": (lambda w: F.linear(am.tensor(rand(130, 16, seed=8)), w,
                                                      am.tensor(rand(130, seed=9))), [(130, 16)]),
    "cross_entropy of one sample": (lambda z: F.cross_entropy(z, np.array(2)), [(4,), (6,)]),
    "nll_loss of one sample": (lambda z: F.nll_loss(F.log_softmax(z, 0), np.array(1)), [(3,), (5,)]),
    "conv2d of one image, no bias": (lambda x: F.conv2d(x, am.tensor(rand(4, 2, 3, 3, seed=10)), None,
                                                        padding=1), [(2, 5, 5), (2, 4, 6)]),
    "conv2d padding same": (lambda x: F.conv2d(x, am.tensor(rand(3, 2, 3, 2, seed=11)),
                                               am.tensor(rand(3, seed=12)), padding="same"),
                            [(1, 2, 5, 4), (2, 2, 3, 3)]),
    "conv2d padding valid": (lambda x: F.conv2d(x, am.tensor(rand(2, 1, 2, 2, seed=13)), padding="valid"),
                             [(1, 1, 4, 4), (2, 1, 3, 5)]),
    "max_pool2d of one image": (lambda x: F.max_pool2d(x, 2, padding=1), [(2, 4, 4), (1, 5, 3)]),
    "avg_pool2d of one image": (lambda x: F.avg_pool2d(x, 3, 1, 1, count_include_pad=False),
                                [(2, 4, 4), (1, 5, 3)]),
    "linear without bias": (lambda x: F.linear(x, am.tensor(rand(3, 4, seed=14))), [(4,), (2, 4)]),
    "batch_norm without weight and bias": (lambda x: F.batch_norm(x, None, None, training=True),
                                           [(4, 3), (3, 2, 2, 2)]),
    "concatenate with axis None": (lambda x: am.concatenate([x, x * 2.0], axis=None), [(2, 3), (4,)]),
    "maximum and minimum with a number first": (lambda x: am.maximum(0.3, x) + am.minimum(-0.2, x),
                                                [(5,), (2, 3)]),
    "dot, swapaxes and T": (lambda x: x.swapaxes(0, 1).T.dot(x[0]) if x.ndim == 2 else x.dot(x),
                            [(3, 2), (4,)]),
    # (an NHWC array seen as NCHW: the pools' tiles are taken channels-last)
    "max_pool2d of channels-last memory": (lambda t: F.max_pool2d(t.permute(0, 3, 1, 2), 2),
                                           [(1, 4, 4, 3), (2, 5, 4, 2)]),
    "avg_pool2d of channels-last memory": (lambda t: F.avg_pool2d(t.permute(0, 3, 1, 2), (2, 1)),
                                           [(1, 4, 4, 3), (2, 5, 3, 2)]),
    "dropout in evaluation": (lambda x: F.dropout(x, 0.4, training=False) * x, [(3,), (2, 3)]),
    "dropout with p = 1": (lambda x: F.dropout(x, 1.0) + x * x, [(3,), (2, 3)]),
}


@pytest.mark.parametrize("name", sorted(_GAPS))
def test_first_and_second_derivatives_of_routes_without_a_check_of_their_own(name):
    f, shapes = _GAPS[name]
    for k, shape in enumerate(shapes):
        check12(f, [rand(*shape, seed=20 + k)])


@settings(max_examples=4, deadline=None)
@given(st.integers(2, 3), st.integers(2, 4), st.lists(st.integers(1, 2), max_size=2),
       st.sampled_from(["mean", "sum", "none"]), st.integers(0, 1000))
def test_losses_linear_and_batch_norm_first_and_second_order_hypothesis(N, C, extra, reduction, seed):
    # (the parametrized tests above check these on fixed shapes; here the shapes are drawn)
    shape = (N, C, *extra)
    x, y = rand(*shape, seed=seed), rand(*shape, seed=seed + 1)
    t = labels((N, *extra), C, seed=seed)
    targets = (rand(*shape, seed=seed + 2) > 0).astype(float)
    check12(lambda x: F.cross_entropy(x, t, reduction), (x,))
    check12(lambda x: F.nll_loss(F.log_softmax(x, 1), t, reduction), (x,))
    check12(lambda x, y: F.mse_loss(x, y, reduction), (x, y))
    check12(lambda x: F.binary_cross_entropy(F.sigmoid(x), am.tensor(targets), reduction), (x,))
    check12(lambda x: F.binary_cross_entropy_with_logits(x, am.tensor(targets), reduction), (x,))
    check12(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
            (x, rand(C, seed=seed), rand(C, seed=seed + 3)))
    check12(lambda x, w, b: F.linear(x, w, b), (x.swapaxes(1, -1), rand(3, C, seed=seed), rand(3, seed=seed)))


def test_leaky_relu_has_the_negative_slope_at_zero_as_pytorch():
    x = am.tensor([-1.0, 0.0, 1.0], requires_grad=True)
    F.leaky_relu(x, 0.2).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.2, 0.2, 1.0])


def test_leaky_relu_with_slope_zero_is_zero_at_minus_inf_and_keeps_nan():
    # (0 * -inf was NaN, where the function is 0 on every x < 0)
    x = am.tensor([-np.inf, -1.0, 0.0, 2.0, np.inf, np.nan], requires_grad=True)
    with np.errstate(invalid="raise"):
        out = F.leaky_relu(x, 0.0)
        out.sum().backward()
    np.testing.assert_array_equal(out.data, [0.0, 0.0, 0.0, 2.0, np.inf, np.nan])
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 0.0, 1.0, 1.0, 1.0])
    assert F.leaky_relu(am.tensor([-np.inf], dtype=np.float32), 0).dtype == np.float32


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int64, np.bool_])
def test_mse_loss_of_integer_tensors_is_taken_in_floats(reduction, dtype):
    # (uint8 3 - 5 wrapped to 254 and the squares' sum wrapped too: the mean of these was 2.25)
    a = np.array([[3, 200, 7, 0], [1, 0, 1, 0]]).astype(dtype)
    b = np.array([[5, 10, 7, 127], [0, 0, 1, 1]]).astype(dtype)
    out = F.mse_loss(a, b, reduction)
    want = reduce_np((a.astype(np.float64) - b.astype(np.float64)) ** 2, reduction)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.data, want, rtol=1e-15)


def test_numpy_float64_hyperparameters_keep_float32_outputs_as_the_layers_do():
    # (np.float64 is a strong scalar in numpy: x * np.float64(0.2) is float64. nn.LeakyReLU
    # and nn.BatchNorm convert theirs to Python floats; F.leaky_relu and F.batch_norm did not)
    x = am.tensor(np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32), requires_grad=True)
    slope, eps = np.float64(0.2), np.float64(1e-3)
    outs = [F.leaky_relu(x, slope), F.batch_norm(x, None, None, training=True, eps=eps, momentum=np.float64(0.5)),
            F.batch_norm(x, np.zeros(3, np.float32), np.ones(3, np.float32), eps=eps)]
    assert [y.dtype for y in outs] == [np.float32] * 3
    np.testing.assert_array_equal(outs[0].data, am.nn.LeakyReLU(slope)(x).data)
    np.testing.assert_allclose(outs[2].data, x.data / np.sqrt(1 + 1e-3), rtol=1e-6)
    with pytest.raises(TypeError, match="leaky_relu: negative_slope must be a real number"):
        F.leaky_relu(x, "0.2")


# -- found by a review with PyTorch habits ----------------------------------------------


@pytest.mark.parametrize("loss", [F.nll_loss])  # (cross_entropy takes them as class probabilities)
def test_one_hot_target_error_points_to_argmax_not_astype(loss):
    # higham_drilling's Y is one-hot (N, 2); the advice .astype(int) would only lead on
    # to a shape error, the class indices are what the loss takes.
    X, Y = am.data.higham_drilling()
    with pytest.raises(ValueError, match=r"has the input's shape.*np\.argmax\(target, axis=1\)") as e:
        loss(am.tensor(X), Y)
    assert "astype" not in str(e.value)
    labels = np.argmax(Y, axis=1)  # (the advice works)
    assert np.isfinite(loss(am.tensor(X), labels).item())


@pytest.mark.parametrize("loss", [F.nll_loss])  # (cross_entropy takes them as class probabilities)
def test_one_hot_target_error_of_one_sample_names_its_class_axis(loss):
    # one sample (C,): the classes are axis 0, and argmax over axis 1 would raise
    with pytest.raises(ValueError, match=r"np\.argmax\(target, axis=0\)"):
        loss(am.tensor(np.zeros(3)), np.array([0.0, 1.0, 0.0]))
    assert np.isfinite(loss(am.tensor(np.zeros(3)), np.argmax(np.array([0.0, 1.0, 0.0]), axis=0)).item())

@pytest.mark.parametrize("loss", [F.nll_loss])
def test_class_probability_targets_are_refused_without_advising_astype_int(loss):
    # PyTorch's cross_entropy also takes targets of class probabilities, shaped as the
    # input (so does this one now: tests/test_port_portJ.py); its nll_loss does not, and
    # turning those into ints (the advice for float labels) would make them 0s.
    probs = np.full((2, 3), 1 / 3)
    for scores, target in [(np.zeros((2, 3)), probs), (np.zeros(3), probs[0])]:  # a batch, one sample
        with pytest.raises(ValueError, match=r"class probabilities.*for probabilities sum -target") as err:
            loss(scores, target)
        assert "astype(int)" not in str(err.value)


def test_batch_norm_in_training_takes_input_with_no_channels():
    # (N, 0, ...) has N * H * W values per channel; counting them as x.size // C
    # divided by zero (a bare ZeroDivisionError). PyTorch returns the empty input.
    x = am.tensor(np.ones((3, 0, 4)), requires_grad=True)
    out = F.batch_norm(x, np.zeros(0), np.ones(0), training=True)
    assert out.shape == (3, 0, 4)
    out.sum().backward()
    assert x.grad.shape == (3, 0, 4)


def test_mse_loss_mean_is_the_sum_divided_by_the_count():
    # (as am.mean divides: a product with 1/n rounds twice, and differed from
    # sum / n in the last bit for a third of these)
    for seed in range(50):
        rng = np.random.default_rng(seed)
        a, b = rng.standard_normal(7), rng.standard_normal(7)
        total = F.mse_loss(am.tensor(a), am.tensor(b), reduction="sum").item()
        assert F.mse_loss(am.tensor(a), am.tensor(b)).item() == total / 7


# -- ceil_mode, adaptive pooling -----------------------------------------------------------


def naive_pool2d_ceil(x, kernel, stride, pad, dilation, mode, count_include_pad=True):
    """PyTorch's ceil_mode pooling, window by window: a last window is kept if it starts
    before H + p; entries past the padded image are skipped and never counted."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, pad, dilation
    N, C, H, W = x.shape

    def size(n, k, s, p, d):
        out = math.ceil((n + 2 * p - d * (k - 1) - 1) / s) + 1
        return out - 1 if (out - 1) * s >= n + p else out

    OH, OW = size(H, kh, sh, ph, dh), size(W, kw, sw, pw, dw)
    out = np.zeros((N, C, OH, OW))
    for n, c, i, j in itertools.product(range(N), range(C), range(OH), range(OW)):
        vals, count = [], 0
        for a, e in itertools.product(range(kh), range(kw)):
            r, s = i * sh - ph + a * dh, j * sw - pw + e * dw  # in image coordinates
            if r >= H + ph or s >= W + pw:
                continue  # past the padding: ceil_mode's overhang
            inside = 0 <= r < H and 0 <= s < W
            vals.append(x[n, c, r, s] if inside else (-np.inf if mode == "max" else 0.0))
            count += 1 if (count_include_pad or inside) else 0
        out[n, c, i, j] = max(vals) if mode == "max" else sum(vals) / count
    return out


ceil_cases = st.tuples(
    st.tuples(st.integers(1, 3), st.integers(1, 3)),  # kernel
    st.one_of(st.none(), st.tuples(st.integers(1, 3), st.integers(1, 3))),  # stride
    st.tuples(st.integers(0, 1), st.integers(0, 1)),  # padding (clipped to kernel // 2)
    st.tuples(st.integers(1, 7), st.integers(1, 7)),  # H, W
)


@SETTINGS
@given(ceil_cases, st.tuples(st.integers(1, 2), st.integers(1, 2)), st.booleans())
def test_max_pool2d_ceil_mode_matches_naive_loops(case, dilation, ceil_mode):
    k, s, p, (H, W) = case
    p = (min(p[0], k[0] // 2), min(p[1], k[1] // 2))
    x = rand(2, 2, H, W)
    try:
        expected = naive_pool2d_ceil(x, k, s or k, p, dilation, "max") if ceil_mode else \
            naive_pool2d(x, k, s or k, p, dilation, "max")
    except ValueError:  # (np.zeros of a negative size: no window)
        expected = None
    if expected is None or 0 in expected.shape:
        with pytest.raises(ValueError, match=r"max_pool2d: input of shape \(2, 2, "):
            F.max_pool2d(x, k, s, p, dilation, ceil_mode)
        return
    np.testing.assert_allclose(F.max_pool2d(x, k, s, p, dilation, ceil_mode).data, expected)


@SETTINGS
@given(ceil_cases, st.booleans())
def test_avg_pool2d_ceil_mode_matches_naive_loops(case, count_include_pad):
    k, s, p, (H, W) = case
    p = (min(p[0], k[0] // 2), min(p[1], k[1] // 2))
    x = rand(2, 2, H, W)
    try:
        expected = naive_pool2d_ceil(x, k, s or k, p, (1, 1), "avg", count_include_pad)
    except ValueError:  # (np.zeros of a negative size: no window)
        expected = None
    if expected is None or 0 in expected.shape:
        with pytest.raises(ValueError, match=r"avg_pool2d: input of shape \(2, 2, .* ceil_mode=True \(no output"):
            F.avg_pool2d(x, k, s, p, True, count_include_pad)
        return
    out = F.avg_pool2d(x, k, s, p, True, count_include_pad)
    np.testing.assert_allclose(out.data, expected, atol=1e-12)
    assert F.avg_pool2d(x, k, s, p, ceil_mode=True, count_include_pad=count_include_pad).shape == expected.shape


def test_ceil_mode_partial_windows_by_hand():
    x = np.arange(25.0).reshape(1, 1, 5, 5)
    # 2x2 tiles of a 5x5 image: the third row/column of windows holds the last row/column only
    out = F.max_pool2d(x, 2, ceil_mode=True).data[0, 0]
    np.testing.assert_array_equal(out, [[6, 8, 9], [16, 18, 19], [21, 23, 24]])
    avg = F.avg_pool2d(x, 2, ceil_mode=True).data[0, 0]
    np.testing.assert_allclose(avg[2], [(20 + 21) / 2, (22 + 23) / 2, 24])  # the overhang is not counted
    # kernel 3, stride 2, padding 1 on 4 rows: ceil gives 3 windows, rows -1..1, 1..3 and
    # 3..5, the last starting at row 3 (< H + p = 5). Of ones, they hold 2, 3 and 1 rows;
    # the last one's divisor counts the padding row 4 (count_include_pad) but not row 5,
    # past the padding: divisors of 3, 3 and 2 rows (columns alike)
    x = np.ones((1, 1, 4, 4))
    assert F.avg_pool2d(x, 3, 2, 1).shape == (1, 1, 2, 2)
    out = F.avg_pool2d(x, 3, 2, 1, ceil_mode=True).data[0, 0]
    rows = np.array([2 / 3, 3 / 3, 1 / 2])
    np.testing.assert_allclose(out, rows[:, None] * rows[None, :])
    out = F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False).data[0, 0]
    np.testing.assert_allclose(out, np.ones((3, 3)))
    # a window that would start in the padding past the image is dropped: 3 rows, k 2, s 2, p 1
    assert F.max_pool2d(np.ones((1, 1, 3, 3)), 2, 2, 1, ceil_mode=True).shape == (1, 1, 2, 2)


def test_ceil_mode_that_adds_no_window_is_the_default_path():
    x = rand(2, 3, 8, 6, seed=5)
    for args in [(2,), (3, 1, 1), ((2, 3), (2, 3))]:
        np.testing.assert_array_equal(F.max_pool2d(x, *args, ceil_mode=True).data, F.max_pool2d(x, *args).data)
        np.testing.assert_array_equal(F.avg_pool2d(x, *args, ceil_mode=True).data, F.avg_pool2d(x, *args).data)


@pytest.mark.parametrize(
    "shape, args",
    [
        ((1, 2, 5, 7), (2,)),  # tiles with a partial last tile
        ((2, 1, 6, 5), (3, 2, 1)),  # overlapping, padded, partial last window
        ((1, 1, 2, 3), (3, 2)),  # the image smaller than the kernel: one partial window
    ],
)
def test_ceil_mode_pooling_gradients(shape, args):
    x = rand(*shape, seed=12)
    check12(lambda x: F.max_pool2d(x, *args, ceil_mode=True), (x,))
    check12(lambda x: F.avg_pool2d(x, *args, ceil_mode=True), (x,))
    check12(lambda x: F.avg_pool2d(x, *args, ceil_mode=True, count_include_pad=False), (x,))


def test_ceil_mode_errors():
    with pytest.raises(TypeError, match="max_pool2d: ceil_mode must be"):
        F.max_pool2d(rand(1, 1, 4, 4), 2, ceil_mode=1.0)
    with pytest.raises(ValueError, match=re.escape("avg_pool2d: input of shape (1, 1, 1, 4) is too small")):
        F.avg_pool2d(rand(1, 1, 1, 4), 3, 1, ceil_mode=True)


def naive_adaptive(x, out_size, reduce):
    """PyTorch's adaptive bins: rows floor(i*H/OH) to ceil((i+1)*H/OH) - 1, columns alike."""
    N, C, H, W = x.shape
    OH, OW = out_size
    out = np.zeros((N, C, OH, OW))
    for i, j in itertools.product(range(OH), range(OW)):
        r0, r1 = math.floor(i * H / OH), math.ceil((i + 1) * H / OH)
        c0, c1 = math.floor(j * W / OW), math.ceil((j + 1) * W / OW)
        out[:, :, i, j] = reduce(x[:, :, r0:r1, c0:c1], axis=(2, 3))
    return out


@SETTINGS
@given(st.tuples(st.integers(1, 9), st.integers(1, 9)),
       st.tuples(st.one_of(st.none(), st.integers(1, 7)), st.one_of(st.none(), st.integers(1, 7))),
       st.booleans())
def test_adaptive_pools_match_naive_loops(hw, output_size, channels_last):
    x = rand(2, 3, *hw, seed=hw[0] * 10 + hw[1])
    size = tuple(n if o is None else o for n, o in zip(hw, output_size))
    for f, reduce in ((F.adaptive_avg_pool2d, np.mean), (F.adaptive_max_pool2d, np.max)):
        out = f(_in_memory(x, channels_last), output_size)
        np.testing.assert_allclose(out.data, naive_adaptive(x, size, reduce), atol=1e-12)
        np.testing.assert_allclose(f(x[0], output_size).data, out.data[0])  # one image


def test_adaptive_pools_of_an_int_size_and_the_global_pool():
    x = rand(2, 3, 5, 7, seed=3)
    np.testing.assert_allclose(F.adaptive_avg_pool2d(x, 3).data, naive_adaptive(x, (3, 3), np.mean))
    g = F.adaptive_avg_pool2d(x, 1)
    np.testing.assert_allclose(g.data, x.mean(axis=(2, 3), keepdims=True))
    assert F.adaptive_max_pool2d(x, (1, 1)).shape == (2, 3, 1, 1)
    assert F.adaptive_avg_pool2d(x, (0, 2)).shape == (2, 3, 0, 2)  # as PyTorch: an empty output
    # integer images average to float64, as avg_pool2d; max keeps the dtype
    xi = np.arange(35).reshape(1, 1, 5, 7)
    assert F.adaptive_avg_pool2d(xi, (2, 3)).dtype == np.float64
    np.testing.assert_array_equal(F.adaptive_max_pool2d(xi, (2, 3)).data, naive_adaptive(xi, (2, 3), np.max))
    assert F.adaptive_avg_pool2d(x.astype(np.float32), (2, 3)).dtype == np.float32
    assert F.adaptive_avg_pool2d(x.astype(np.float16), (2, 3)).dtype == np.float16


@pytest.mark.parametrize("shape", [(2, 2, 5, 7), (1, 3, 6, 4), (1, 1, 3, 2)])
@pytest.mark.parametrize("output_size", [(2, 3), (3, 5), 1, (1, 2), (None, 3), (4, 4)])
def test_adaptive_pools_first_and_second_order(shape, output_size):
    x = rand(*shape, seed=21)
    check12(lambda x: F.adaptive_avg_pool2d(x, output_size), (x,))
    check12(lambda x: F.adaptive_max_pool2d(x, output_size), (x,))


def test_adaptive_max_pool_ties_share_the_gradient():
    x = am.tensor(np.ones((1, 1, 3, 3)), requires_grad=True)
    F.adaptive_max_pool2d(x, (2, 2)).sum().backward()  # bins of 2x2, overlapping in the middle
    np.testing.assert_allclose(x.grad.data[0, 0], [[0.25, 0.5, 0.25], [0.5, 1.0, 0.5], [0.25, 0.5, 0.25]])


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: F.adaptive_avg_pool2d(rand(1, 1, 4, 4), 1.5), TypeError,
         "adaptive_avg_pool2d: output_size must be an int or a pair of ints or None, got 1.5"),
        (lambda: F.adaptive_max_pool2d(rand(1, 1, 4, 4), (1, 2, 3)), TypeError,
         "adaptive_max_pool2d: output_size must be an int or a pair"),
        (lambda: F.adaptive_avg_pool2d(rand(1, 1, 4, 4), (-1, 2)), ValueError,
         "adaptive_avg_pool2d: output_size must be non-negative, got (-1, 2)"),
        (lambda: F.adaptive_avg_pool2d(np.zeros((1, 1, 0, 4)), 2), ValueError,
         "adaptive_avg_pool2d: expected an input with non-zero height and width, got shape (1, 1, 0, 4)"),
        (lambda: F.adaptive_max_pool2d(rand(4, 4), 2), ValueError,
         "adaptive_max_pool2d: expected input of shape (N, C, H, W) or (C, H, W), got (4, 4)"),
        (lambda: F.adaptive_max_pool2d(rand(1, 1, 4, 4), 2, "yes"), TypeError,
         "adaptive_max_pool2d: return_indices must be"),
    ],
)
def test_adaptive_pool_errors(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()


def test_adaptive_avg_pool2d_inf_or_nan_stays_in_its_bins():
    # bins [0, 2) and [1, 3) of 3 columns: the inf (or NaN) in column 0 is only in
    # the first; the second is the mean of 1 and 2, as PyTorch's (not inf * 0 = NaN)
    for bad in (np.inf, np.nan):
        x = am.tensor(np.array([[[[bad, 1.0, 2.0]]]]), requires_grad=True)
        out = F.adaptive_avg_pool2d(x, (1, 2))
        assert out.data[0, 0, 0, 1] == 1.5
        out[..., 1].sum().backward()
        np.testing.assert_array_equal(x.grad.data, [[[[0.0, 0.5, 0.5]]]])


def test_the_package_map_in_fs_docstring_is_where_each_function_lives():
    # "Where things live" in F's docstring names each submodule's functions; every
    # public name is a function (no submodule, e.g. a `linear.py`, shadows one as
    # an attribute of the package), found in the file the map names
    import types

    table = re.search(r"Where things live.*?:\n(.*?)\n\"*$", F.__doc__, re.S).group(1)
    where: dict[str, str] = {}
    current = ""
    for line in table.splitlines():
        m = re.match(r"\s+(\S+\.py)\s+(.*)", line)
        current, rest = (m.group(1), m.group(2)) if m else (current, line)
        for name in re.findall(r"\b([a-z]\w*)\b(?![.(])", rest.split("(")[0] if m else rest):
            where[name] = current
    for name in F.__all__:
        obj = getattr(F, name)
        assert not isinstance(obj, types.ModuleType), name
        if name in where and where[name] != "../attention.py":
            module = where[name][:-3]
            assert obj.__module__ in (f"autograd_mini.nn.functional.{module}", "autograd_mini.functions"), \
                (name, obj.__module__, where[name])
    for file in set(where.values()):
        assert (Path(F.__file__).parent / file).is_file(), file


def test_cross_entropy_names_the_shape_a_probability_target_needs():
    # a float target of the input's rank but another shape (C - 1 classes: a dropped
    # column) is a probability target gone wrong; .astype(int) would make it 0-labels
    with pytest.raises(ValueError, match=re.escape(
            "cross_entropy: a float target is taken as class probabilities of the input's shape (4, 3), "
            "got shape (4, 2); integer class labels in [0, 2] have shape (4,)")) as e:
        F.cross_entropy(am.tensor(np.zeros((4, 3))), am.tensor(np.full((4, 2), 0.5)))
    assert "astype" not in str(e.value)
    with pytest.raises(ValueError, match=re.escape("integer class labels in [0, 2], got dtype float64 "
                                                   "(shape (4,), input of shape (4, 3)")):
        F.cross_entropy(am.tensor(np.zeros((4, 3))), np.zeros(4))
