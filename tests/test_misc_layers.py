"""hardshrink, softshrink, rrelu, alpha_dropout, feature_alpha_dropout, Softmax2d, bilinear,
local_response_norm and lp_pool2d (F.* and their layers): values against naive numpy
oracles written from PyTorch's documented formulas, first and second order gradient
checks in float64, refusals naming the op and the shapes, am.compile replays, seeds."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn import functional as F
from test_pool_more import _out_len  # (PyTorch's pooling output length, written once)

HYP = settings(max_examples=6, deadline=None)
SELU_NEG = 1.7580993408473766  # PyTorch's alpha' = SELU's scale * alpha


def rng(seed=0):
    return np.random.default_rng(seed)


def check_both(f, *inputs):
    assert am.gradcheck(f, inputs)
    assert am.gradgradcheck(f, inputs)


def away_from(shape, points, seed=0, gap=0.15, spread=2.0):
    """Values in [-spread, spread] at least `gap` from each of `points` (kinks)."""
    x = rng(seed).uniform(-spread, spread, shape)
    for p in points:
        near = np.abs(x - p) < gap
        x = np.where(near, p + np.where(x >= p, gap, -gap) * 1.5, x)
    return x


# -- oracles (loops, from the formulas in PyTorch's documentation) ----------------------


def np_hardshrink(x, lambd):
    out = np.empty_like(x)
    for i, v in np.ndenumerate(x):
        out[i] = v if (v > lambd or v < -lambd or v != v) else 0.0
    return out


def np_softshrink(x, lambd):
    out = np.empty_like(x)
    for i, v in np.ndenumerate(x):
        out[i] = v - lambd if v > lambd else v + lambd if v < -lambd else (v if v != v else 0.0)
    return out


def np_lrn(x, size, alpha, beta, k):
    C = x.shape[1]
    out = np.empty_like(x)
    for c in range(C):
        lo, hi = c - size // 2, c + (size - 1) // 2
        s = sum(x[:, j] ** 2 for j in range(max(lo, 0), min(hi, C - 1) + 1))
        out[:, c] = x[:, c] / (k + alpha / size * s) ** beta
    return out


def np_lp_pool2d(x, p, kernel, stride, ceil):
    N, C, H, W = x.shape
    (kh, kw), (sh, sw) = kernel, stride
    OH, OW = _out_len(H, kh, sh, 0, 1, ceil), _out_len(W, kw, sw, 0, 1, ceil)
    out = np.empty((N, C, OH, OW))
    for n, c, i, j in np.ndindex(N, C, OH, OW):
        win = x[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
        # (PyTorch: the average over the entries inside the image, times kh * kw)
        out[n, c, i, j] = (np.sum(win ** p) / win.size * (kh * kw)) ** (1.0 / p)
    return out


def np_bilinear(x1, x2, W, b):
    lead = x1.shape[:-1]
    out = np.zeros(lead + (W.shape[0],))
    for idx in np.ndindex(*lead):
        for o in range(W.shape[0]):
            out[idx + (o,)] = sum(x1[idx + (i,)] * W[o, i, j] * x2[idx + (j,)]
                                  for i in range(W.shape[1]) for j in range(W.shape[2]))
            out[idx + (o,)] += 0.0 if b is None else b[o]
    return out


def np_softmax2d(x):
    e = np.exp(x - x.max(axis=-3, keepdims=True))
    return e / e.sum(axis=-3, keepdims=True)


# -- hardshrink, softshrink ----------------------------------------------------------------


def test_shrinks_match_their_oracles_with_nan_inf_and_the_bounds():
    x = np.array([np.nan, -np.inf, -1.0, -0.5, -0.3, 0.0, 0.3, 0.5, 0.7, np.inf])
    for lambd in (0.5, 0.0, 2.0):
        np.testing.assert_array_equal(F.hardshrink(x, lambd).data, np_hardshrink(x, lambd))
        np.testing.assert_array_equal(F.softshrink(x, lambd).data, np_softshrink(x, lambd))
        np.testing.assert_array_equal(nn.Hardshrink(lambd)(x).data, np_hardshrink(x, lambd))
        np.testing.assert_array_equal(nn.Softshrink(lambd)(x).data, np_softshrink(x, lambd))
    np.testing.assert_array_equal(F.hardshrink(x).data, np_hardshrink(x, 0.5))  # (default 0.5)
    np.testing.assert_array_equal(F.hardshrink(x, -1.0).data, x)  # (as PyTorch: nothing shrunk)
    y = F.softshrink(np.float32([0.2, -0.9]), 0.5)
    assert y.dtype == np.float32


@HYP
@given(shape=st.lists(st.integers(1, 3), min_size=1, max_size=3), seed=st.integers(0, 99))
def test_shrinks_first_and_second_order(shape, seed):
    x = away_from(tuple(shape), (-0.5, 0.5), seed)
    # (+ t: a nonzero derivative also where every entry falls inside [-lambd, lambd])
    check_both(lambda t: F.hardshrink(t) * t + t, x)
    check_both(lambda t: F.softshrink(t) ** 2 + t, x)
    x = away_from(tuple(shape), (-1.2, 1.2), seed)
    check_both(lambda t: nn.Softshrink(1.2)(t) * t.sin() + t, x)


def test_shrink_gradient_is_zero_inside_and_at_the_bounds():
    x = am.tensor([-0.5, 0.0, 0.2, 0.5, 0.9, -2.0], requires_grad=True)
    (F.hardshrink(x) + F.softshrink(x)).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0, 0, 0, 0, 2, 2])


# -- rrelu ---------------------------------------------------------------------------------


def test_rrelu_eval_is_leaky_relu_with_the_mean_slope():
    x = away_from((3, 4), (0.0,), 1)
    slope = (0.1 + 0.4) / 2
    want = np.where(x > 0, x, slope * x)
    np.testing.assert_array_equal(F.rrelu(x, 0.1, 0.4).data, want)  # (training=False by default)
    np.testing.assert_array_equal(nn.RReLU(0.1, 0.4).eval()(x).data, want)
    default = np.where(x > 0, x, (1 / 8 + 1 / 3) / 2 * x)
    np.testing.assert_allclose(nn.RReLU().eval()(x).data, default, rtol=1e-15)


def test_rrelu_training_draws_slopes_in_range_from_the_seeded_generator():
    x = -np.abs(away_from((2000,), (0.0,), 2)) - 0.1
    am.manual_seed(5)
    y = F.rrelu(x, 0.2, 0.3, training=True).data
    slopes = y / x
    assert slopes.min() >= 0.2 and slopes.max() <= 0.3 and len(np.unique(slopes)) > 1000
    assert abs(slopes.mean() - 0.25) < 0.005  # (uniform on [0.2, 0.3])
    am.manual_seed(5)
    np.testing.assert_array_equal(nn.RReLU(0.2, 0.3)(x).data, y)  # (train mode by default)
    am.manual_seed(6)
    assert not np.array_equal(F.rrelu(x, 0.2, 0.3, True).data, y)
    pos = np.abs(x)
    np.testing.assert_array_equal(F.rrelu(pos, 0.2, 0.3, True).data, pos)
    # the gradient is the drawn slope
    t = am.tensor(x, requires_grad=True)
    am.manual_seed(5)
    F.rrelu(t, 0.2, 0.3, True).sum().backward()
    np.testing.assert_allclose(t.grad.data, slopes, rtol=1e-15)  # (y / x: one rounding)


@pytest.mark.parametrize("shape", [(3,), (2, 3), (2, 1, 3)])
def test_rrelu_first_and_second_order(shape):
    x = away_from(shape, (0.0,), 3)
    check_both(lambda t: F.rrelu(t, 0.1, 0.5) * t, x)

    def train(t):
        am.manual_seed(1)  # (the same slopes at every evaluation)
        return F.rrelu(t, 0.1, 0.5, True) ** 2
    check_both(train, x)


# -- alpha_dropout, feature_alpha_dropout ---------------------------------------------------


def _alpha_constants(p):
    a = 1.0 / math.sqrt((SELU_NEG ** 2 * p + 1.0) * (1.0 - p))
    return a, SELU_NEG * a * p, SELU_NEG * a * (p - 1.0)


@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
def test_alpha_dropout_gives_kept_or_dropped_values_of_pytorchs_formula(p):
    x = rng(4).standard_normal((50, 40))
    a, b, dropped = _alpha_constants(p)
    am.manual_seed(2)
    y = F.alpha_dropout(x, p, True).data
    kept = np.abs(y - (a * x + b)) < 1e-12
    assert np.all(kept | (np.abs(y - dropped) < 1e-12))
    assert abs((~kept).mean() - p) < 0.05
    np.testing.assert_allclose(y, np.where(kept, a * x + b, dropped), rtol=0, atol=1e-15)


def test_alpha_dropout_keeps_selu_statistics():
    z = F.selu(rng(5).standard_normal(200_000)).data  # (mean 0, variance 1)
    am.manual_seed(0)
    for p in (0.1, 0.5):
        y = F.alpha_dropout(z, p, True).data
        assert abs(y.mean()) < 0.01 and abs(y.var() - 1.0) < 0.02


def test_feature_alpha_dropout_drops_whole_channels():
    x = rng(6).standard_normal((4, 6, 3, 2))
    p = 0.4
    a, b, dropped = _alpha_constants(p)
    am.manual_seed(3)
    y = F.feature_alpha_dropout(x, p, True).data
    kept = np.abs(y - (a * x + b)) < 1e-12
    for n, c in np.ndindex(4, 6):
        assert kept[n, c].all() or np.all(np.abs(y[n, c] - dropped) < 1e-12)
    assert kept.any() and not kept.all()
    am.manual_seed(3)
    np.testing.assert_array_equal(nn.FeatureAlphaDropout(p)(x).data, y)
    y2 = F.feature_alpha_dropout(x[:, :, 0, 0], p, True)  # (N, C): one entry per channel
    assert y2.shape == (4, 6)


def test_alpha_dropouts_in_eval_p0_p1_and_seeds():
    x = rng(7).standard_normal((3, 4, 2))
    for f in (F.alpha_dropout, F.feature_alpha_dropout):
        assert np.array_equal(f(x).data, x)  # (training=False by default)
        assert np.array_equal(f(x, 0.0, True).data, x)
        assert np.array_equal(f(x, 1.0, True).data, np.zeros_like(x))  # (x * 0, as PyTorch)
        am.manual_seed(9)
        first = f(x, 0.3, True).data
        am.manual_seed(9)
        assert np.array_equal(f(x, 0.3, True).data, first)
    for m in (nn.AlphaDropout(0.3), nn.FeatureAlphaDropout(0.3)):
        assert np.array_equal(m.eval()(x).data, x)
    y = F.alpha_dropout(np.float32([[1.0, 2.0]]), 0.5, True)
    assert y.dtype == np.float32


@pytest.mark.parametrize("shape", [(4,), (2, 3), (2, 3, 2)])
def test_alpha_dropouts_first_and_second_order(shape):
    x = rng(8).standard_normal(shape)

    def f(t):
        am.manual_seed(4)
        return F.alpha_dropout(t, 0.4, True) * t

    check_both(f, x)
    if len(shape) >= 2:
        def g(t):
            am.manual_seed(4)
            return F.feature_alpha_dropout(t, 0.4, True).sin()

        check_both(g, x)


# -- Softmax2d -----------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(2, 3, 2, 4), (3, 2, 2), (1, 1, 2, 2)])
def test_softmax2d_is_softmax_over_channels(shape):
    x = rng(9).standard_normal(shape)
    np.testing.assert_allclose(nn.Softmax2d()(x).data, np_softmax2d(x), rtol=1e-14, atol=1e-15)
    check_both(lambda t: nn.Softmax2d()(t) * t, x)


# -- bilinear ------------------------------------------------------------------------------


@pytest.mark.parametrize("lead", [(), (3,), (2, 3)])
def test_bilinear_matches_the_oracle(lead):
    r = rng(10)
    x1, x2 = r.standard_normal(lead + (2,)), r.standard_normal(lead + (3,))
    W, b = r.standard_normal((4, 2, 3)), r.standard_normal(4)
    np.testing.assert_allclose(F.bilinear(x1, x2, W, b).data, np_bilinear(x1, x2, W, b), rtol=1e-13)
    np.testing.assert_allclose(F.bilinear(x1, x2, W).data, np_bilinear(x1, x2, W, None), rtol=1e-13)
    m = nn.Bilinear(2, 3, 4)
    m.weight.data[...], m.bias.data[...] = W, b
    np.testing.assert_allclose(m(x1, x2).data, np_bilinear(x1, x2, W, b), rtol=1e-13)


@HYP
@given(lead=st.lists(st.integers(1, 3), max_size=2), seed=st.integers(0, 99))
def test_bilinear_first_and_second_order_in_every_argument(lead, seed):
    r = rng(seed)
    lead = tuple(lead)
    args = (r.standard_normal(lead + (2,)), r.standard_normal(lead + (3,)), r.standard_normal((2, 2, 3)),
            r.standard_normal(2))
    check_both(F.bilinear, *args)
    check_both(lambda a, b, w: F.bilinear(a, b, w) ** 2, *args[:3])


def test_bilinear_layer_initialisation_and_repr():
    am.manual_seed(0)
    m = nn.Bilinear(16, 3, 50)
    assert m.weight.shape == (50, 16, 3) and m.bias.shape == (50,)
    for p in (m.weight.data, m.bias.data):  # (U(-1/sqrt(in1), 1/sqrt(in1)), PyTorch's)
        assert np.abs(p).max() <= 0.25 and np.abs(p).max() > 0.2
    assert repr(m).startswith("Bilinear(in1_features=16, in2_features=3, out_features=50, bias=True)")
    assert nn.Bilinear(2, 3, 4, bias=False).bias is None
    assert [n for n, _ in m.named_parameters()] == ["weight", "bias"]


# -- local_response_norm -------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(2, 5, 3), (2, 4, 2, 3), (1, 6, 2, 1, 2)])
@pytest.mark.parametrize("size", [1, 2, 3, 4, 7])
def test_local_response_norm_matches_the_oracle(shape, size):
    x = rng(11).standard_normal(shape) * 2
    want = np_lrn(x, size, 0.3, 0.6, 1.5)
    np.testing.assert_allclose(F.local_response_norm(x, size, 0.3, 0.6, 1.5).data, want, rtol=1e-13)
    np.testing.assert_allclose(nn.LocalResponseNorm(size, 0.3, 0.6, 1.5)(x).data, want, rtol=1e-13)
    np.testing.assert_allclose(F.local_response_norm(x, size).data, np_lrn(x, size, 1e-4, 0.75, 1.0), rtol=1e-14)


@HYP
@given(n=st.integers(1, 2), c=st.integers(1, 4), rest=st.lists(st.integers(1, 3), min_size=1, max_size=2),
       size=st.integers(1, 4), seed=st.integers(0, 99))
def test_local_response_norm_first_and_second_order(n, c, rest, size, seed):
    x = rng(seed).standard_normal((n, c) + tuple(rest))
    check_both(lambda t: F.local_response_norm(t, size, 0.5, 0.75, 1.0), x)


# -- lp_pool2d -----------------------------------------------------------------------------


LP_CASES = [  # (norm_type, kernel, stride, ceil_mode, positive input)
    (2, (2, 2), None, False, False),
    (3, (2, 3), (1, 1), False, True),
    (1.5, (3, 3), (2, 2), True, True),
    (2, (3, 2), (2, 1), True, False),
    (1, (2, 2), None, False, False),
]


@pytest.mark.parametrize("p, kernel, stride, ceil, positive", LP_CASES)
def test_lp_pool2d_matches_the_oracle(p, kernel, stride, ceil, positive):
    x = rng(12).standard_normal((2, 3, 5, 6))
    x = np.abs(x) + 0.2 if positive else x
    want = np_lp_pool2d(x, p, kernel, stride or kernel, ceil)
    np.testing.assert_allclose(F.lp_pool2d(x, p, kernel, stride, ceil).data, want, rtol=1e-13)
    np.testing.assert_allclose(nn.LPPool2d(p, kernel, stride, ceil)(x).data, want, rtol=1e-13)
    np.testing.assert_allclose(F.lp_pool2d(x[0], p, kernel, stride, ceil).data, want[0], rtol=1e-13)


@pytest.mark.parametrize("p, kernel, stride, ceil, positive", LP_CASES)
def test_lp_pool2d_first_and_second_order(p, kernel, stride, ceil, positive):
    x = rng(13).standard_normal((1, 2, 4, 5))
    x = np.abs(x) + 0.2 if positive else x
    if p == 1:  # (the sum: linear, any sign; away from a zero sum)
        x = np.abs(x) + 0.2
    check_both(lambda t: F.lp_pool2d(t, p, kernel, stride, ceil), x)


def test_lp_pool2d_zero_window_gives_zero_with_zero_gradient_and_negative_sums_nan():
    x = am.tensor(np.zeros((1, 1, 2, 4)), requires_grad=True)
    x.data[0, 0, :, 2:] = 1.0
    y = F.lp_pool2d(x, 2, 2)
    np.testing.assert_array_equal(y.data, [[[[0.0, 2.0]]]])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[[[0, 0, 0.5, 0.5], [0, 0, 0.5, 0.5]]]])
    with np.errstate(invalid="ignore"):  # (PyTorch's real power: (-2) ** (1/3) is NaN)
        out = F.lp_pool2d(-np.ones((1, 1, 2, 2)), 3, 2).data
    assert np.isnan(out).all()
    np.testing.assert_array_equal(F.lp_pool2d(-np.ones((1, 1, 2, 2)), 1, 2).data, [[[[-4.0]]]])


# -- refusals ------------------------------------------------------------------------------


def test_bad_input_is_refused_naming_the_op_and_the_shapes():
    x = np.ones((2, 3))
    cases = [
        (lambda: F.softshrink(x, -0.1), ValueError, r"softshrink: lambd must be a finite number >= 0, got -0.1"),
        (lambda: nn.Softshrink(math.inf), ValueError, r"Softshrink: lambd must be a finite number >= 0"),
        (lambda: F.hardshrink(x, "a"), TypeError, r"hardshrink: lambd must be a real number"),
        (lambda: F.rrelu(x, 0.5, 0.1), ValueError, r"rrelu: lower and upper must be finite with lower <= upper, "
                                                    r"got lower=0.5, upper=0.1"),
        (lambda: nn.RReLU(0.5, 0.1), ValueError, r"RReLU: lower and upper"),
        (lambda: F.rrelu(x, training=1), TypeError, r"rrelu: training must be True or False"),
        (lambda: F.alpha_dropout(x, 1.5, True), ValueError, r"alpha_dropout: p must be in \[0, 1\], got 1.5"),
        (lambda: nn.FeatureAlphaDropout(-0.1), ValueError, r"FeatureAlphaDropout: p must be in \[0, 1\]"),
        (lambda: F.feature_alpha_dropout(np.ones(3), 0.5, True), ValueError,
         r"feature_alpha_dropout: expected input of shape \(N, C, \.\.\.\) with at least 2 axes, got shape \(3,\)"),
        (lambda: nn.Softmax2d()(x), ValueError,
         r"Softmax2d: expected input of shape \(N, C, H, W\) or \(C, H, W\), got shape \(2, 3\)"),
        (lambda: F.bilinear(np.ones((2, 3)), np.ones((2, 4)), np.ones((5, 3, 3))), ValueError,
         r"bilinear: inputs of shapes \(2, 3\) and \(2, 4\) do not fit weight of shape \(5, 3, 3\)"),
        (lambda: F.bilinear(np.ones((2, 3)), np.ones((1, 4)), np.ones((5, 3, 4))), ValueError,
         r"bilinear: inputs of shapes \(2, 3\) and \(1, 4\) do not fit weight of shape \(5, 3, 4\)"),
        (lambda: F.bilinear(np.ones((2, 3)), np.ones((2, 4)), np.ones((5, 3, 4)), np.ones(4)), ValueError,
         r"bilinear: bias must have shape \(5,\), got \(4,\)"),
        (lambda: nn.Bilinear(3, 4, 5)(np.ones((2, 3)), np.ones((2, 3))), ValueError,
         r"Bilinear\(3×4→5\): expected inputs of shapes \(\.\.\., 3\) and \(\.\.\., 4\) with the same leading "
         r"axes, got \(2, 3\) and \(2, 3\)"),
        (lambda: F.local_response_norm(x, 2), ValueError,
         r"local_response_norm: expected input of shape \(N, C, \.\.\.\) with at least 3 axes, got shape \(2, 3\)"),
        (lambda: F.local_response_norm(np.ones((1, 2, 3)), 0), ValueError,
         r"local_response_norm: size must be at least 1, got 0"),
        (lambda: nn.LocalResponseNorm(2.0), TypeError, r"LocalResponseNorm: size must be an int"),
        (lambda: nn.LocalResponseNorm(2)(x), ValueError,
         r"LocalResponseNorm\(2\): expected input of shape \(N, C, \.\.\.\) with at least 3 axes, got shape \(2, 3\)"),
        (lambda: F.lp_pool2d(np.ones((1, 1, 4, 4)), 0, 2), ValueError,
         r"lp_pool2d: norm_type must be a finite nonzero number, got 0"),
        (lambda: nn.LPPool2d(math.inf, 2), ValueError, r"LPPool2d: norm_type must be a finite nonzero number"),
        (lambda: F.lp_pool2d(x, 2, 2), ValueError,
         r"lp_pool2d: expected input of shape \(N, C, H, W\) or \(C, H, W\), got \(2, 3\)"),
        (lambda: F.lp_pool2d(np.ones((1, 1, 2, 2)), 2, 3), ValueError,
         r"lp_pool2d: input of shape \(1, 1, 2, 2\) .* smaller than the kernel \(3, 3\)"),
        (lambda: nn.LPPool2d(2, 3)(np.ones((1, 1, 2, 2))), ValueError,
         r"LPPool2d\(3×3\): input of shape \(1, 1, 2, 2\)"),
    ]
    for call, err, pattern in cases:
        with pytest.raises(err, match=pattern):
            call()


# -- am.compile ----------------------------------------------------------------------------


class _Misc(nn.Module):
    def __init__(self):
        super().__init__()
        self.bil = nn.Bilinear(2, 3, 8)
        self.body = nn.Sequential(nn.Hardshrink(0.1), nn.Softshrink(0.05), nn.RReLU(), nn.AlphaDropout(0.3),
                                  nn.FeatureAlphaDropout(0.3), nn.LocalResponseNorm(3, 0.5), nn.Softmax2d(),
                                  nn.LPPool2d(2, 2))

    def forward(self, a, b):
        z = self.bil(a, b)  # (4, 8)
        return self.body(z.reshape(1, 2, 4, 4) + 0.3).sum()


def test_compile_replays_the_layers_in_eval_bit_for_bit():
    am.manual_seed(0)
    model = _Misc().eval()
    step = am.compile(lambda a, b: model(a, b))
    for k in range(3):
        a = am.tensor(rng(20 + k).standard_normal((4, 2)), requires_grad=True)
        b = am.tensor(rng(30 + k).standard_normal((4, 3)), requires_grad=True)
        outs = []
        for g in (lambda a, b: model(a, b), step):
            model.zero_grad()
            a.grad = b.grad = None
            out = g(a, b)
            out.backward()
            outs.append([out.data.copy(), a.grad.data.copy(), b.grad.data.copy()]
                        + [p.grad.data.copy() for p in model.parameters()])
        for u, v in zip(*outs):
            assert u.dtype == v.dtype and np.array_equal(u, v)
    assert step.recordings == 1


@pytest.mark.parametrize("layer, name", [(nn.RReLU(), "rrelu"), (nn.AlphaDropout(0.2), "alpha_dropout"),
                                         (nn.FeatureAlphaDropout(0.2), "feature_alpha_dropout")])
def test_compile_refuses_random_layers_in_training(layer, name):
    x = am.tensor(rng(1).standard_normal((2, 3, 2)))
    with pytest.raises(RuntimeError, match=rf"{name}: a random (mask|slopes?) cannot be compiled|"
                                           rf"{name}: random slopes cannot be compiled"):
        am.compile(lambda t: layer(t).sum())(x)
    assert np.array_equal(am.compile(lambda t: layer.eval()(t).sum())(x).data, layer(x).sum().data)
