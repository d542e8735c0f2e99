"""More layers and activations (PyTorch's): values against numpy formulas and naive
loops written here, first- and second-order gradient checks in float64, stability at
|x| = 1000 and +-inf, errors naming the op and shapes, reprs, state_dicts, one am.compile
replay equal to eager bit for bit, and network drawings that see the new activations."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import nn
from autograd_mini import viz
from autograd_mini.nn import functional as F
from test_take_along import replays


def rng(seed=0):
    return np.random.default_rng(seed)


def away(shape, kinks=(0.0,), seed=0, gap=0.05):
    """Normal draws pushed at least `gap` away from each kink."""
    x = rng(seed).standard_normal(shape) * 2.0
    for k in kinks:
        near = np.abs(x - k) < gap
        x = np.where(near, k + np.where(x >= k, gap, -gap) * 2, x)
    return x


def check_both(f, *inputs):
    assert am.gradcheck(f, inputs)
    assert am.gradgradcheck(f, inputs)


# -- activations: numpy oracles --------------------------------------------------------

SELU_A, SELU_S = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def np_softplus(x):
    return np.logaddexp(0.0, x)


ORACLES = {
    # name: (F call, numpy formula, kinks)
    "elu": (lambda t: F.elu(t, 0.7), lambda x: np.where(x > 0, x, 0.7 * np.expm1(np.minimum(x, 0))), (0.0,)),
    "selu": (F.selu, lambda x: SELU_S * np.where(x > 0, x, SELU_A * np.expm1(np.minimum(x, 0))), (0.0,)),
    "celu": (lambda t: F.celu(t, 1.5),
             lambda x: np.maximum(0, x) + np.minimum(0, 1.5 * np.expm1(np.minimum(x, 0) / 1.5)), (0.0,)),
    "relu6": (F.relu6, lambda x: np.minimum(np.maximum(x, 0), 6), (0.0, 6.0)),
    "hardtanh": (lambda t: F.hardtanh(t, -0.5, 2.0), lambda x: np.clip(x, -0.5, 2.0), (-0.5, 2.0)),
    "hardsigmoid": (F.hardsigmoid, lambda x: np.clip(x + 3, 0, 6) / 6, (-3.0, 3.0)),
    "hardswish": (F.hardswish, lambda x: x * np.clip(x + 3, 0, 6) / 6, (-3.0, 3.0)),
    "mish": (F.mish, lambda x: x * np.tanh(np_softplus(x)), ()),
    "softsign": (F.softsign, lambda x: x / (1 + np.abs(x)), (0.0,)),
    "logsigmoid": (F.logsigmoid, lambda x: -np_softplus(-x), ()),
    "tanhshrink": (F.tanhshrink, lambda x: x - np.tanh(x), ()),
    "threshold": (lambda t: F.threshold(t, 0.35, -2.0), lambda x: np.where(x > 0.35, x, -2.0), (0.35,)),
    "prelu": (lambda t: F.prelu(t, np.array([0.2], dtype=t.dtype)), lambda x: np.where(x > 0, x, 0.2 * x), (0.0,)),
}


@pytest.mark.parametrize("name", sorted(ORACLES))
def test_activation_values_against_numpy_and_float32_kept(name):
    f, oracle, _ = ORACLES[name]
    x = np.concatenate([np.linspace(-8, 8, 161), rng(1).standard_normal(40) * 3])
    np.testing.assert_allclose(f(am.tensor(x)).data, oracle(x), rtol=1e-12, atol=1e-14)
    out32 = f(am.tensor(x.astype(np.float32)))
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32.data, oracle(x), rtol=2e-6, atol=2e-6)


@pytest.mark.parametrize("name", sorted(ORACLES))
def test_activation_first_and_second_order(name):
    f, _, kinks = ORACLES[name]
    for k, shape in enumerate([(5,), (2, 3), (2, 1, 3)]):
        # (the flat pieces of threshold/hardtanh have no second derivative to get wrong,
        # and the draws land on both sides of every kink)
        check_both(f, away(shape, kinks, seed=k, gap=0.05))


def test_glu_softmin_and_prelu_per_channel_values_and_gradients():
    x = rng(2).standard_normal((2, 6, 3))
    a, b = x[:, :3], x[:, 3:]
    np.testing.assert_allclose(F.glu(am.tensor(x), 1).data, a / (1 + np.exp(-b)), rtol=1e-13)
    e = np.exp(-x - (-x).max(axis=1, keepdims=True))
    np.testing.assert_allclose(F.softmin(am.tensor(x), 1).data, e / e.sum(axis=1, keepdims=True), rtol=1e-13)
    w = np.array([0.1, -0.3, 0.5, 1.5, 0.0, 2.0])
    np.testing.assert_allclose(F.prelu(am.tensor(x), w).data,
                               np.where(x > 0, x, w[None, :, None] * x), rtol=1e-15)
    check_both(lambda t: F.glu(t, 1), x)
    check_both(lambda t: F.glu(t), rng(3).standard_normal((3, 4)))
    check_both(lambda t: F.softmin(t, 0), x)
    xp = away((2, 6, 3), seed=4)
    check_both(lambda t, ww: F.prelu(t, ww), xp, w)
    check_both(lambda t, ww: F.prelu(t, ww), xp, np.array([0.3]))


def test_threshold_keeps_an_integer_inputs_dtype_as_pytorch():
    # (where with a float value promoted an int64 x to float64)
    out = F.threshold(am.tensor([1, 2, 3]), 1.5, 0)
    assert out.dtype == np.int64 and out.numpy().tolist() == [0, 2, 3]
    out = nn.Threshold(0.0, -1.0)(am.tensor([-2, 5], dtype=np.int32))
    assert out.dtype == np.int32 and out.numpy().tolist() == [-1, 5]
    assert F.threshold(am.tensor([0.5, 2.0]).float(), 1.0, 0.25).dtype == np.float32


def test_threshold_keeps_nan_as_pytorch():
    # PyTorch's rule is value where x <= threshold, else x: a NaN is not <= anything, so it
    # stays NaN (torch.nn.functional.threshold gives [nan, 5, 5, 1, 2, inf, 5]) and its
    # gradient passes; a NaN threshold keeps every entry
    x = np.array([np.nan, -1.0, 0.0, 1.0, 2.0, np.inf, -np.inf])
    t = am.tensor(x, requires_grad=True)
    y = F.threshold(t, 0.0, 5.0)
    np.testing.assert_array_equal(y.data, [np.nan, 5, 5, 1, 2, np.inf, 5])
    y.backward(np.ones(7))
    np.testing.assert_array_equal(t.grad.data, [1, 0, 0, 1, 1, 1, 0])
    np.testing.assert_array_equal(F.threshold(am.tensor(x), float("nan"), 5.0).data, x)
    np.testing.assert_array_equal(nn.Threshold(-np.inf, 3.0)(am.tensor(x)).data, [np.nan, -1, 0, 1, 2, np.inf, 3])


def test_softmin_over_an_empty_axis_is_refused_by_its_own_name():
    with pytest.raises(ValueError, match=r"^softmin: nothing to reduce along axis 0 of input of shape \(0, 3\)"):
        F.softmin(am.tensor(np.zeros((0, 3))), 0)
    with pytest.raises(ValueError, match=r"^softmin: .*shape \(2, 0\)"):
        nn.Softmin(dim=-1)(am.tensor(np.zeros((2, 0))))
    assert F.softmin(am.tensor(np.zeros((0, 3))), 1).shape == (0, 3)


def test_hardtanh_gradient_is_zero_at_the_bounds_as_pytorch():
    x = am.tensor([-1.0, -0.5, 0.0, 1.0, 2.0], requires_grad=True)
    F.hardtanh(x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0, 1, 1, 0, 0])
    y = am.tensor([0.0, 3.0, 6.0], requires_grad=True)
    F.relu6(y).sum().backward()
    np.testing.assert_array_equal(y.grad.data, [0, 1, 0])


STABLE = {
    # name: (function, value at [-inf, -1000, 1000, inf], gradient there)
    "elu": (F.elu, [-1.0, -1.0, 1000.0, np.inf], [0, 0, 1, 1]),
    "selu": (F.selu, [-SELU_A * SELU_S, -SELU_A * SELU_S, 1000 * SELU_S, np.inf], [0, 0, SELU_S, SELU_S]),
    "celu": (lambda t: F.celu(t, 2.0), [-2.0, -2.0, 1000.0, np.inf], [0, 0, 1, 1]),
    "mish": (F.mish, [0.0, 0.0, 1000.0, np.inf], [0, 0, 1, 1]),
    "logsigmoid": (F.logsigmoid, [-np.inf, -1000.0, 0.0, 0.0], [1, 1, 0, 0]),
    "softplus": (F.softplus, [0.0, 0.0, 1000.0, np.inf], [0, 0, 1, 1]),
    "softsign": (F.softsign, [-1.0, -1000 / 1001, 1000 / 1001, 1.0], [0, 1 / 1001 ** 2, 1 / 1001 ** 2, 0]),
    "hardswish": (F.hardswish, [0.0, 0.0, 1000.0, np.inf], [0, 0, 1, 1]),
    "tanhshrink": (F.tanhshrink, [-np.inf, -999.0, 999.0, np.inf], [1, 1, 1, 1]),
}


@pytest.mark.parametrize("name", sorted(STABLE))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_exp_based_activations_are_stable_at_1000_and_infinity(name, dtype):
    f, value, grad = STABLE[name]
    x = am.tensor(np.array([-np.inf, -1000.0, 1000.0, np.inf], dtype=dtype), requires_grad=True)
    # (underflow, which numpy ignores by default, is the right answer here: exp(-1000) is 0)
    with np.errstate(over="raise", invalid="raise", divide="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        y = f(x)
        y.backward(np.ones(4, dtype=dtype))
    assert y.dtype == dtype
    assert not np.isnan(y.data).any() and not np.isnan(x.grad.data).any()
    np.testing.assert_allclose(y.data, np.array(value, dtype=dtype), rtol=1e-6)
    np.testing.assert_allclose(x.grad.data, np.array(grad, dtype=dtype), rtol=1e-6 if dtype == np.float64 else 1e-3,
                               atol=1e-12)


def test_nan_stays_nan():
    for f in [F.elu, F.selu, F.mish, F.softsign, F.logsigmoid, F.hardtanh, F.hardswish, F.hardsigmoid]:
        assert np.isnan(f(am.tensor([np.nan])).data).all(), f.__name__


# -- interpolate: naive per-pixel loops --------------------------------------------------


def loop_nearest(x, OH, OW, sh, sw, exact=False):
    """PyTorch's rule, pixel by pixel: src = min(floor(dst * s), n - 1), s = 1 / scale_factor
    when one is given (sh, sw not None), else n_in / n_out, in float32 (PyTorch's);
    nearest-exact: floor((dst + 0.5) * s)."""
    N, C, H, W = x.shape
    out = np.empty((N, C, OH, OW), x.dtype)

    def src(d, n_in, n_out, s):
        if not exact and n_out == n_in:
            return d
        if not exact and n_out == 2 * n_in:
            return d // 2
        scale = np.float32(1.0 / s) if s is not None else np.float32(n_in) / np.float32(n_out)
        pos = np.float32(d) + np.float32(0.5) if exact else np.float32(d)
        return min(int(math.floor(np.float32(pos * scale))), n_in - 1)

    for i in range(OH):
        for j in range(OW):
            out[:, :, i, j] = x[:, :, src(i, H, OH, sh), src(j, W, OW, sw)]
    return out


def loop_bilinear(x, OH, OW, align_corners, sh=None, sw=None):
    """PyTorch's bilinear formula, pixel by pixel (in float64)."""
    N, C, H, W = x.shape
    out = np.empty((N, C, OH, OW))

    def coord(d, n_in, n_out, s):
        if align_corners:
            src = d * (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
        else:
            scale = 1.0 / s if s is not None else n_in / n_out
            src = max((d + 0.5) * scale - 0.5, 0.0)
        i0 = min(int(math.floor(src)), n_in - 1)
        i1 = i0 + 1 if i0 < n_in - 1 else i0
        l1 = min(max(src - i0, 0.0), 1.0)
        return i0, i1, 1.0 - l1, l1

    for i in range(OH):
        h0, h1, a0, a1 = coord(i, H, OH, sh)
        for j in range(OW):
            w0, w1, b0, b1 = coord(j, W, OW, sw)
            out[:, :, i, j] = (a0 * (b0 * x[:, :, h0, w0] + b1 * x[:, :, h0, w1])
                               + a1 * (b0 * x[:, :, h1, w0] + b1 * x[:, :, h1, w1]))
    return out


SIZES = [((3, 4), (6, 8)), ((3, 4), (7, 5)), ((5, 6), (2, 3)), ((4, 4), (4, 4)), ((2, 3), (1, 1)),
         ((1, 5), (3, 9)), ((6, 7), (13, 3))]


@pytest.mark.parametrize("hw, out", SIZES)
def test_interpolate_by_size_against_loops(hw, out):
    x = rng(5).standard_normal((2, 3) + hw)
    t = am.tensor(x)
    np.testing.assert_array_equal(F.interpolate(t, size=out).data, loop_nearest(x, *out, None, None))
    np.testing.assert_array_equal(F.interpolate(t, size=out, mode="nearest-exact").data,
                                  loop_nearest(x, *out, None, None, exact=True))
    for align in (False, True):
        np.testing.assert_allclose(F.interpolate(t, size=out, mode="bilinear", align_corners=align).data,
                                   loop_bilinear(x, *out, align), rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("factor", [2, 3, 0.5, 1.5, (2.5, 0.75), 1.7, 4])
def test_interpolate_by_scale_factor_against_loops(factor):
    x = rng(6).standard_normal((1, 2, 5, 6))
    fh, fw = factor if isinstance(factor, tuple) else (factor, factor)
    OH, OW = math.floor(5 * fh), math.floor(6 * fw)
    t = am.tensor(x)
    out = F.interpolate(t, scale_factor=factor)
    assert out.shape == (1, 2, OH, OW)
    np.testing.assert_array_equal(out.data, loop_nearest(x, OH, OW, fh, fw))
    for align in (False, True):
        got = F.interpolate(t, scale_factor=factor, mode="bilinear", align_corners=align).data
        want = loop_bilinear(x, OH, OW, align, None if align else fh, None if align else fw)
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-14)
    # recompute_scale_factor=True uses in / out, as a size would
    np.testing.assert_array_equal(F.interpolate(t, scale_factor=factor, recompute_scale_factor=True).data,
                                  F.interpolate(t, size=(OH, OW)).data)


def test_nearest_scale_factor_and_size_can_differ_as_in_pytorch():
    # 5 -> 6 by scale_factor 1.3: PyTorch's s is 1 / 1.3, not 5 / 6, so the last input is
    # never picked (torch gives [0, 0, 1, 2, 3, 3]); by size (or recompute_scale_factor) 5 / 6
    x = am.tensor(np.arange(5.0).reshape(1, 1, 5))
    np.testing.assert_array_equal(F.interpolate(x, scale_factor=1.3).data[0, 0], [0, 0, 1, 2, 3, 3])
    np.testing.assert_array_equal(F.interpolate(x, size=6).data[0, 0], [0, 0, 1, 2, 3, 4])
    np.testing.assert_array_equal(F.interpolate(x, scale_factor=1.3, recompute_scale_factor=True).data[0, 0],
                                  [0, 0, 1, 2, 3, 4])


def test_nearest_1d_takes_the_scale_factor_even_to_the_same_or_twice_the_length():
    # PyTorch's 1-D nearest kernel has no n -> n or n -> 2n shortcut: scale_factor 1.15 maps
    # 6 -> 6 through s = 1 / 1.15 ([0, 0, 1, 2, 3, 4], torch's numbers), 2.15 maps 6 -> 12
    # through s = 1 / 2.15; its 2-D kernel does take them (the identity and dst // 2)
    x = am.tensor(np.arange(6.0).reshape(1, 1, 6))
    np.testing.assert_array_equal(F.interpolate(x, scale_factor=1.15).data[0, 0], [0, 0, 1, 2, 3, 4])
    np.testing.assert_array_equal(F.interpolate(x, scale_factor=2.15).data[0, 0],
                                  [0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5])
    np.testing.assert_array_equal(F.interpolate(x, size=12).data[0, 0], np.arange(12) // 2)
    x2 = np.arange(30.0).reshape(1, 1, 6, 5)
    np.testing.assert_array_equal(F.interpolate(am.tensor(x2), scale_factor=1.15).data, x2)
    np.testing.assert_array_equal(F.interpolate(am.tensor(x2), scale_factor=2.15).data,
                                  x2.repeat(2, 2).repeat(2, 3))


def test_linear_copies_an_axis_whose_length_a_scale_factor_keeps():
    # PyTorch: scale_factor 1.15 takes 6 -> 6, and that axis is copied (torch gives
    # [0, 1, 2, 3, 4, 5], not the s = 1 / 1.15 resampling), per axis in bilinear
    x = am.tensor(np.arange(6.0).reshape(1, 1, 6))
    np.testing.assert_array_equal(F.interpolate(x, scale_factor=1.15, mode="linear").data[0, 0], np.arange(6.0))
    x2 = np.arange(30.0).reshape(1, 1, 6, 5)
    got = F.interpolate(am.tensor(x2), scale_factor=(2.0, 1.15), mode="bilinear").data
    np.testing.assert_allclose(got[0, 0, :4], [[0, 1, 2, 3, 4], [1.25, 2.25, 3.25, 4.25, 5.25],
                                               [3.75, 4.75, 5.75, 6.75, 7.75], [6.25, 7.25, 8.25, 9.25, 10.25]])
    got = F.interpolate(am.tensor(x2), scale_factor=(1.15, 2.0), mode="bilinear").data
    np.testing.assert_allclose(got[0, 0, :, 0], x2[0, 0, :, 0])


def test_linear_mode_for_3d_input_against_the_bilinear_loop():
    x = rng(7).standard_normal((2, 3, 5))
    for out in (9, 3, 5):
        for align in (False, True):
            got = F.interpolate(am.tensor(x), size=out, mode="linear", align_corners=align).data
            want = loop_bilinear(x[:, :, None, :], 1, out, align)[:, :, 0]
            np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-14)
        np.testing.assert_array_equal(F.interpolate(am.tensor(x), size=out).data,
                                      loop_nearest(x[:, :, None, :], 1, out, None, None)[:, :, 0])


def test_integer_nearest_upscale_takes_the_broadcast_path_with_the_gather_paths_numbers():
    from autograd_mini.nn.functional import _repeat, _take
    x = rng(8).standard_normal((2, 3, 4, 5))
    g = rng(9).standard_normal((2, 3, 4, 15))
    for k in (2, 3, 5):
        a, b = am.tensor(x, requires_grad=True), am.tensor(x, requires_grad=True)
        ra, rb = _repeat(a, 3, k), _take(b, 3, np.repeat(np.arange(5), k))
        np.testing.assert_array_equal(ra.data, rb.data)
        gk = rng(k).standard_normal(ra.shape)
        ra.backward(gk)
        rb.backward(gk)
        np.testing.assert_allclose(a.grad.data, b.grad.data, rtol=1e-15)
    # and interpolate uses it: no getitem recorded for scale_factor 3
    y = F.interpolate(am.tensor(x, requires_grad=True), scale_factor=(1, 3))
    assert y.shape == g.shape and "getitem" not in am.viz.to_text(y)


def test_bilinear_with_an_infinite_neighbour_at_weight_zero_is_not_nan():
    x = np.array([[[[1.0, np.inf, 2.0]]]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (not even numpy's invalid-value warning of inf * 0)
        out = F.interpolate(am.tensor(x), size=(1, 5), mode="bilinear", align_corners=True).data
        same = F.interpolate(am.tensor(x), size=(1, 3), mode="bilinear").data
    np.testing.assert_array_equal(out[0, 0, 0], [1.0, np.inf, np.inf, np.inf, 2.0])
    np.testing.assert_array_equal(same, x)


@settings(max_examples=6, deadline=None)
@given(h=st.integers(1, 4), w=st.integers(1, 4), oh=st.integers(1, 6), ow=st.integers(1, 6),
       align=st.booleans())
def test_interpolate_first_and_second_order(h, w, oh, ow, align):
    x = rng(h * 10 + w).standard_normal((1, 2, h, w))
    check_both(lambda t: F.interpolate(t, size=(oh, ow), mode="bilinear", align_corners=align) ** 2, x)
    check_both(lambda t: F.interpolate(t, size=(oh, ow)) ** 2, x)


def test_interpolate_gradient_is_the_adjoint_of_the_loop():
    # <interp(x), g> = <x, interp^T(g)>: the gradient against the loop's matrix, built column by column
    x = rng(10).standard_normal((1, 1, 3, 4))
    for kwargs in ({"size": (5, 7), "mode": "bilinear"}, {"scale_factor": 1.5},
                   {"size": (2, 2), "mode": "bilinear", "align_corners": True}):
        t = am.tensor(x, requires_grad=True)
        y = F.interpolate(t, **kwargs)
        g = rng(11).standard_normal(y.shape)
        y.backward(g)
        cols = []
        for k in range(x.size):
            e = np.zeros(x.size)
            e[k] = 1.0
            cols.append(F.interpolate(am.tensor(e.reshape(x.shape)), **kwargs).data.ravel())
        np.testing.assert_allclose(t.grad.data.ravel(), np.array(cols) @ g.ravel(), rtol=1e-13)


def test_interpolate_float32_and_integer_input():
    x = rng(12).standard_normal((1, 2, 3, 3)).astype(np.float32)
    out = F.interpolate(am.tensor(x), size=(5, 4), mode="bilinear")
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, loop_bilinear(x.astype(np.float64), 5, 4, False), rtol=1e-6, atol=1e-6)
    ints = np.arange(12).reshape(1, 1, 3, 4)
    near = F.interpolate(am.tensor(ints), scale_factor=2)
    assert near.dtype == ints.dtype
    np.testing.assert_array_equal(near.data, ints.repeat(2, 2).repeat(2, 3))
    with pytest.raises(TypeError, match=r"interpolate: mode 'bilinear' needs floating-point input.*int"):
        F.interpolate(am.tensor(ints), scale_factor=2, mode="bilinear")
    half = F.interpolate(am.tensor(x.astype(np.float16)), size=(5, 4), mode="bilinear")
    assert half.dtype == np.float16


def test_upsample_module_is_interpolate():
    x = am.tensor(rng(13).standard_normal((2, 3, 4, 5)))
    for kwargs in ({"scale_factor": 2}, {"size": (3, 7), "mode": "bilinear", "align_corners": True},
                   {"scale_factor": (1.5, 0.5), "mode": "bilinear"}):
        np.testing.assert_array_equal(nn.Upsample(**kwargs)(x).data, F.interpolate(x, **kwargs).data)


# -- normalisation ---------------------------------------------------------------------


def np_group_norm(x, G, w=None, b=None, eps=1e-5):
    N, C = x.shape[:2]
    out = np.empty_like(x)
    for n in range(N):
        for g in range(G):
            part = x[n, g * C // G:(g + 1) * C // G]
            mu = part.mean()
            var = ((part - mu) ** 2).mean()  # biased, as PyTorch
            out[n, g * C // G:(g + 1) * C // G] = (part - mu) / np.sqrt(var + eps)
    shape = (C,) + (1,) * (x.ndim - 2)
    if w is not None:
        out = out * w.reshape(shape)
    if b is not None:
        out = out + b.reshape(shape)
    return out


@pytest.mark.parametrize("shape, G", [((2, 6, 3, 4), 3), ((3, 4), 2), ((2, 4, 5), 4), ((1, 6, 2, 2), 1)])
def test_group_norm_against_numpy_and_gradients(shape, G):
    x = rng(14).standard_normal(shape) * 3 + 1
    C = shape[1]
    w, b = rng(15).standard_normal(C), rng(16).standard_normal(C)
    np.testing.assert_allclose(F.group_norm(am.tensor(x), G, w, b).data, np_group_norm(x, G, w, b),
                               rtol=1e-12, atol=1e-12)
    layer = nn.GroupNorm(G, C)
    layer.weight.data[:] = w
    layer.bias.data[:] = b
    np.testing.assert_allclose(layer(am.tensor(x)).data, np_group_norm(x, G, w, b), rtol=1e-12, atol=1e-12)
    check_both(lambda t, ww, bb: F.group_norm(t, G, ww, bb, eps=1e-3), x[:2], w, b)


def test_group_and_instance_norm_take_an_empty_batch_as_pytorch():
    # (a batch of 0, as a last partial batch or a filtered one, was refused)
    x = am.randn(0, 4, 3, 3)
    assert F.group_norm(x, 2).shape == (0, 4, 3, 3)
    m = nn.GroupNorm(2, 4)
    out = m(x)
    assert out.shape == (0, 4, 3, 3)
    out.sum().backward()
    np.testing.assert_array_equal(m.weight.grad.data, np.zeros(4))
    assert nn.InstanceNorm2d(4)(x).shape == (0, 4, 3, 3)


def test_group_norm_float32_stays_float32_and_constant_groups_give_zero():
    x = np.full((2, 4, 3, 3), 7.0, dtype=np.float32)
    out = nn.GroupNorm(2, 4, dtype=np.float32)(am.tensor(x))
    assert out.dtype == np.float32 and np.array_equal(out.data, np.zeros_like(x))


def test_instance_norm2d_against_numpy_batched_and_unbatched():
    x = rng(17).standard_normal((2, 3, 4, 5))
    layer = nn.InstanceNorm2d(3)
    assert layer.weight is None and list(layer.state_dict()) == []
    want = np_group_norm(x, 3)
    np.testing.assert_allclose(layer(am.tensor(x)).data, want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer(am.tensor(x[1])).data, want[1], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(F.instance_norm(am.tensor(x)).data, want, rtol=1e-12, atol=1e-12)
    affine = nn.InstanceNorm2d(3, affine=True)
    affine.weight.data[:] = [1.0, 2.0, -1.0]
    np.testing.assert_allclose(affine(am.tensor(x)).data,
                               np_group_norm(x, 3, np.array([1.0, 2.0, -1.0]), np.zeros(3)), rtol=1e-12, atol=1e-12)
    check_both(lambda t: F.instance_norm(t) ** 2, x[:1, :2, :2, :3])


def test_prelu_and_group_norm_state_dicts():
    p = nn.PReLU(3, init=0.1)
    sd = p.state_dict()
    assert list(sd) == ["weight"] and np.array_equal(sd["weight"].data if hasattr(sd["weight"], "data")
                                                    else sd["weight"], [0.1, 0.1, 0.1])
    assert isinstance(p.weight, nn.Parameter) and p.weight.requires_grad
    q = nn.PReLU(3)
    q.load_state_dict(sd)
    assert np.array_equal(q.weight.data, p.weight.data)
    g = nn.GroupNorm(2, 4)
    assert list(g.state_dict()) == ["weight", "bias"]
    assert list(nn.GroupNorm(2, 4, affine=False).state_dict()) == []
    g2 = nn.GroupNorm(2, 4)
    g.weight.data[:] = [1, 2, 3, 4]
    g2.load_state_dict(g.state_dict())
    assert np.array_equal(g2.weight.data, [1, 2, 3, 4])


def test_prelu_module_learns_per_channel_slopes():
    m = nn.PReLU(2)
    x = am.tensor(np.array([[[-1.0, 2.0], [-3.0, -4.0]]]))  # (1, 2, 2)
    m(x).sum().backward()
    np.testing.assert_array_equal(m.weight.grad.data, [-1.0, -7.0])
    np.testing.assert_array_equal(nn.PReLU()(x).data, [[[-0.25, 2.0], [-0.75, -1.0]]])


# -- reshaping, dropout, padding --------------------------------------------------------


def test_unflatten_dropout2d_and_padding():
    x = am.tensor(np.arange(24.0).reshape(2, 12))
    assert nn.Unflatten(1, (3, 4))(x).shape == (2, 3, 4)
    assert nn.Unflatten(-1, (2, -1, 3))(x).shape == (2, 2, 2, 3)
    img = am.tensor(rng(18).standard_normal((4, 6, 3, 3)) + 10.0)
    d = nn.Dropout2d(0.5)
    am.manual_seed(0)
    y = d(img).data
    zeroed = (y == 0).all(axis=(2, 3))
    kept = ~zeroed
    assert zeroed.any() and kept.any()
    np.testing.assert_allclose(y[kept], img.data[kept] * 2.0)
    am.manual_seed(0)
    assert np.array_equal(d(img).data, y)  # the library's seeded generator
    assert d.eval()(img) is img or np.array_equal(d(img).data, img.data)
    z = nn.ZeroPad2d((1, 2, 0, 3))(am.tensor(np.ones((1, 1, 2, 2))))
    np.testing.assert_array_equal(z.data, np.pad(np.ones((1, 1, 2, 2)), ((0, 0), (0, 0), (0, 3), (1, 2))))
    c = nn.ConstantPad2d(1, 3.5)(am.tensor(np.ones((2, 2, 2))))
    np.testing.assert_array_equal(c.data, np.pad(np.ones((2, 2, 2)), ((0, 0), (1, 1), (1, 1)), constant_values=3.5))


# -- reprs -------------------------------------------------------------------------------


def test_reprs_are_pytorchs():
    cases = {
        nn.ELU(): "ELU(alpha=1.0)", nn.SELU(): "SELU()", nn.CELU(0.5): "CELU(alpha=0.5)",
        nn.PReLU(): "PReLU(num_parameters=1)", nn.ReLU6(): "ReLU6()",
        nn.Hardtanh(): "Hardtanh(min_val=-1.0, max_val=1.0)", nn.Hardsigmoid(): "Hardsigmoid()",
        nn.Hardswish(): "Hardswish()", nn.Mish(): "Mish()", nn.Softsign(): "Softsign()",
        nn.LogSigmoid(): "LogSigmoid()", nn.Tanhshrink(): "Tanhshrink()",
        nn.Threshold(0.1, 20): "Threshold(threshold=0.1, value=20.0)", nn.GLU(): "GLU(dim=-1)",
        nn.LogSoftmax(1): "LogSoftmax(dim=1)", nn.Softmin(dim=0): "Softmin(dim=0)",
        nn.Unflatten(1, (2, 5)): "Unflatten(dim=1, unflattened_size=(2, 5))",
        nn.Upsample(scale_factor=2): "Upsample(scale_factor=2.0, mode='nearest')",
        nn.Upsample(size=(4, 5), mode="bilinear"): "Upsample(size=(4, 5), mode='bilinear')",
        nn.ZeroPad2d(2): "ZeroPad2d((2, 2, 2, 2))",
        nn.ConstantPad2d((1, 0, 2, 3), 3.5): "ConstantPad2d(padding=(1, 0, 2, 3), value=3.5)",
        nn.GroupNorm(2, 6): "GroupNorm(2, 6, eps=1e-05, affine=True)",
        nn.InstanceNorm2d(3): "InstanceNorm2d(3, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False)",
    }
    for m, text in cases.items():
        assert repr(m).split("  #")[0] == text
    assert repr(nn.PReLU(4)).startswith("PReLU(num_parameters=4)")


# -- bad input ------------------------------------------------------------------------------


def test_bad_input_names_the_op_and_shapes():
    x = am.tensor(np.zeros((1, 2, 3, 4)))
    cases = [
        (lambda: F.interpolate(x, size=(4, 4), scale_factor=2), r"interpolate: pass exactly one of size and scale_factor, got both .*\(1, 2, 3, 4\)"),
        (lambda: F.interpolate(x), r"interpolate: .*got neither"),
        (lambda: nn.Upsample(), r"Upsample: pass exactly one"),
        (lambda: nn.Upsample(size=2, scale_factor=2), r"Upsample: pass exactly one.*both"),
        (lambda: F.interpolate(am.tensor(np.zeros((2, 3))), size=4), r"interpolate: expected input of shape .*got shape \(2, 3\)"),
        (lambda: F.interpolate(am.tensor(np.zeros((1, 1, 2, 2, 2, 2))), size=4), r"interpolate: .*\(1, 1, 2, 2, 2, 2\)"),
        (lambda: F.interpolate(x, size=4, mode="linear"), r"interpolate: mode 'linear' needs input of shape \(N, C, L\), got shape \(1, 2, 3, 4\)"),
        (lambda: F.interpolate(x, size=4, align_corners=True), r"interpolate: align_corners can only be set"),
        (lambda: F.interpolate(x, size=(1, 2, 3)), r"interpolate: size must have 2 entries for input of shape \(1, 2, 3, 4\)"),
        (lambda: F.interpolate(x, scale_factor=0.2), r"interpolate: scale_factor 0.2 gives output size \(0, 0\)"),
        (lambda: F.interpolate(x, scale_factor=-1), r"interpolate: scale_factor must be a finite positive"),
        (lambda: F.interpolate(x, size=4, mode="area"), r"interpolate: mode must be one of"),
        (lambda: nn.GroupNorm(4, 6), r"GroupNorm\(4, 6\): num_channels=6 must be divisible by num_groups=4"),
        (lambda: F.group_norm(x, 3), r"group_norm: the number of channels C = 2 \(input of shape \(1, 2, 3, 4\)\) must be divisible by num_groups = 3"),
        (lambda: nn.GroupNorm(1, 3)(x), r"GroupNorm\(1, 3\): expected input of shape \(N, 3, ...\), got shape \(1, 2, 3, 4\)"),
        (lambda: F.group_norm(am.tensor(np.zeros(3)), 1), r"group_norm: expected input of shape \(N, C, ...\), got shape \(3,\)"),
        (lambda: F.group_norm(x, 2, weight=np.ones(3)), r"group_norm: weight must have shape \(2,\)"),
        (lambda: nn.InstanceNorm2d(3)(x), r"InstanceNorm2d\(3\): expected input with 3 channels, got shape \(1, 2, 3, 4\)"),
        (lambda: nn.InstanceNorm2d(2)(am.tensor(np.zeros((2, 3)))), r"InstanceNorm2d\(2\): expected input of shape \(N, C, H, W\)"),
        (lambda: nn.InstanceNorm2d(2)(am.tensor(np.zeros((1, 2, 1, 1)))), r"InstanceNorm2d\(2\): expected more than one spatial"),
        (lambda: F.prelu(x, np.ones(3)), r"prelu: weight must have shape \(1,\) or \(C,\) = \(2,\) for input of shape \(1, 2, 3, 4\), got \(3,\)"),
        (lambda: nn.PReLU(3)(x), r"PReLU\(3\): expected input of shape \(N, 3, ...\), got shape \(1, 2, 3, 4\)"),
        (lambda: F.glu(am.tensor(np.zeros((2, 3)))), r"glu: the halved dimension 1 must have even length, got input of shape \(2, 3\)"),
        (lambda: F.glu(x, 4), r"glu: dim 4 is out of range for input of shape \(1, 2, 3, 4\)"),
        (lambda: nn.Hardtanh(1.0, -1.0), r"Hardtanh: min_val must be at most max_val"),
        (lambda: F.celu(x, 0.0), r"celu: alpha must be a finite nonzero number"),
        (lambda: nn.Unflatten(1, (3, 5))(am.tensor(np.zeros((2, 12)))), r"Unflatten.*\(3, 5\) \(product 15\) does not match axis 1 of length 12 \(input of shape \(2, 12\)\)"),
        (lambda: F.dropout2d(am.tensor(np.zeros((2, 3, 4)))), r"dropout2d: expected input of shape \(N, C, H, W\), got shape \(2, 3, 4\) \(for one image"),
        (lambda: nn.Dropout2d(1.5), r"Dropout2d: p must be in \[0, 1\]"),
        (lambda: nn.ZeroPad2d(-1), r"ZeroPad2d: padding must be >= 0"),
        (lambda: nn.ZeroPad2d(1)(am.tensor(np.zeros(3))), r"ZeroPad2d.*expected input of shape \(N, C, H, W\) or \(C, H, W\), got shape \(3,\)"),
        (lambda: F.softmin(am.tensor(np.zeros((2, 3, 4)))), r"softmin: pass dim for an input of shape \(2, 3, 4\)"),
    ]
    for call, pattern in cases:
        with pytest.raises(ValueError, match=pattern):
            call()
    for call, pattern in [(lambda: F.interpolate(x, size=2.5), r"interpolate: size must be an int"),
                          (lambda: nn.GroupNorm(2.0, 4), r"num_groups must be an int"),
                          (lambda: F.elu(x, "1"), r"elu: alpha must be a real number"),
                          (lambda: nn.Unflatten(1, 6), r"Unflatten: unflattened_size must be a non-empty tuple")]:
        with pytest.raises(TypeError, match=pattern):
            call()


def test_errors_come_before_anything_is_recorded():
    x = am.tensor(np.ones((1, 2, 3, 4)), requires_grad=True)
    with pytest.raises(ValueError):
        F.group_norm(x, 3)
    with pytest.raises(ValueError):
        F.interpolate(x, size=2, scale_factor=2)
    assert x.grad is None  # (and nothing in flight: a fresh op still works)
    F.group_norm(x, 2).sum().backward()


# -- am.compile -----------------------------------------------------------------------


def test_compiled_model_with_the_new_layers_replays_eager_bit_for_bit():
    def model():
        am.manual_seed(5)
        return nn.Sequential(
            nn.Conv2d(2, 4, 3, padding=1), nn.GroupNorm(2, 4), nn.Mish(),
            nn.Upsample(scale_factor=2, mode="bilinear"), nn.PReLU(4), nn.InstanceNorm2d(4, affine=True),
            nn.Upsample(size=(5, 7)), nn.Hardswish(), nn.ZeroPad2d((1, 0, 0, 1)), nn.ELU(0.5),
            nn.Upsample(scale_factor=0.5, mode="bilinear", align_corners=True), nn.SELU(),
            nn.Dropout2d(0.3).eval(), nn.Flatten(), nn.Unflatten(1, (2, -1)), nn.GLU(1), nn.Flatten(),
            nn.Linear(24, 6), nn.Softsign(), nn.LogSigmoid(), nn.Hardtanh(-0.8, 0.1), nn.Tanhshrink(),
            nn.CELU(2.0), nn.Hardsigmoid(), nn.ReLU6(), nn.Threshold(0.3, -1.0), nn.LogSoftmax(1),
        )

    eager, comp = model(), model()

    weights = am.tensor(np.linspace(-1, 1, 6))

    def loss(net):
        return lambda x: (net(x) * weights).sum()

    step = am.compile(loss(comp))
    for seed in range(3):
        x = am.tensor(rng(40 + seed).standard_normal((2, 2, 3, 4)))
        eager.zero_grad()
        comp.zero_grad()
        a = loss(eager)(x)
        a.backward()
        b = step(x)
        b.backward()
        assert a.dtype == b.dtype and np.array_equal(a.data, b.data)
        for p, q in zip(eager.parameters(), comp.parameters()):
            assert p.grad.dtype == q.grad.dtype and np.array_equal(p.grad.data, q.grad.data)
    assert step.recordings == 1


# -- drawings ----------------------------------------------------------------------------------


def test_network_drawing_treats_the_new_activations_as_activations():
    model = nn.Sequential(nn.Linear(2, 3), nn.Mish(), nn.Linear(3, 3), nn.PReLU(), nn.Linear(3, 2),
                          nn.Hardswish(), nn.Linear(2, 2), nn.LogSoftmax(1))
    g = viz.draw_network(model)
    assert "σ = Mish" in g.source and "σ = PReLU" in g.source and "σ = Hardswish" in g.source

    class Functional(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Linear(2, 3), nn.Linear(3, 2)

        def forward(self, x):
            return F.elu(self.b(F.selu(self.a(x))))

    g = viz.draw_network(Functional(), input_size=(1, 2))
    assert "σ = selu" in g.source and "σ = elu" in g.source


# -- instance norm with running statistics, InstanceNorm1d -----------------------------------


def np_instance_norm(x, w=None, b=None, eps=1e-5):
    """Each (sample, channel) over its positions, by a loop."""
    out = np.empty_like(x)
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            v = x[n, c]
            out[n, c] = (v - v.mean()) / np.sqrt(v.var() + eps)
            if w is not None:
                out[n, c] = out[n, c] * w[c] + b[c]
    return out


def np_running_update(rm, rv, x, momentum):
    """PyTorch's instance_norm update: the batch average of each sample's mean and
    unbiased variance, blended in with momentum."""
    rm, rv = rm.copy(), rv.copy()
    for c in range(x.shape[1]):
        means = [x[n, c].mean() for n in range(x.shape[0])]
        vars_ = [x[n, c].var(ddof=1) for n in range(x.shape[0])]
        rm[c] = (1 - momentum) * rm[c] + momentum * np.mean(means)
        rv[c] = (1 - momentum) * rv[c] + momentum * np.mean(vars_)
    return rm, rv


@pytest.mark.parametrize("cls, shape", [(nn.InstanceNorm2d, (2, 3, 4, 5)), (nn.InstanceNorm1d, (4, 3, 6))])
def test_instance_norm_tracks_running_stats_as_pytorch(cls, shape):
    m = cls(3, momentum=0.3, affine=True, track_running_stats=True)
    assert list(m.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert list(cls(3, track_running_stats=True).state_dict()) == ["running_mean", "running_var",
                                                                   "num_batches_tracked"]
    assert list(cls(3).state_dict()) == [] and cls(3).weight is None  # (PyTorch's defaults)
    m.weight.data[:] = [1.0, 2.0, -0.5]
    m.bias.data[:] = [0.0, 0.3, 1.0]
    rm, rv = np.zeros(3), np.ones(3)
    for seed in range(3):
        x = rng(60 + seed).standard_normal(shape) * 2 + 1
        np.testing.assert_allclose(m(am.tensor(x)).data, np_instance_norm(x, m.weight.data, m.bias.data),
                                   rtol=1e-12, atol=1e-12)
        rm, rv = np_running_update(rm, rv, x, 0.3)
        np.testing.assert_allclose(m.running_mean.data, rm, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(m.running_var.data, rv, rtol=1e-13)
    assert int(m.num_batches_tracked.data) == 0  # (PyTorch's instance norm never counts)
    m.eval()
    x = rng(70).standard_normal(shape)
    bshape = (1, 3) + (1,) * (len(shape) - 2)
    want = ((x - rm.reshape(bshape)) / np.sqrt(rv.reshape(bshape) + 1e-5) * m.weight.data.reshape(bshape)
            + m.bias.data.reshape(bshape))
    np.testing.assert_allclose(m(am.tensor(x)).data, want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(m(am.tensor(x[0])).data, want[0], rtol=1e-12, atol=1e-12)  # (unbatched)
    assert np.array_equal(m.running_mean.data, rm)  # (eval leaves them)
    one = (1, 3) + (1,) * (len(shape) - 2)  # (one position per channel: fine with running stats)
    assert m(am.tensor(np.ones(one))).shape == one
    m2 = cls(3, momentum=0.3, affine=True, track_running_stats=True)
    m2.load_state_dict(m.state_dict())
    assert np.array_equal(m2.eval()(am.tensor(x)).data, m(am.tensor(x)).data)
    frozen = cls(3, momentum=None, track_running_stats=True)  # (PyTorch passes momentum 0)
    frozen(am.tensor(x))
    assert np.array_equal(frozen.running_mean.data, np.zeros(3)) and np.array_equal(frozen.running_var.data, np.ones(3))


def test_instance_norm1d_against_numpy_batched_and_unbatched():
    x = rng(61).standard_normal((3, 2, 5))
    m = nn.InstanceNorm1d(2)
    assert repr(m) == "InstanceNorm1d(2, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False)"
    np.testing.assert_allclose(m(am.tensor(x)).data, np_instance_norm(x), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(m(am.tensor(x[1])).data, np_instance_norm(x)[1], rtol=1e-12, atol=1e-12)
    for shape in [(2, 2, 3), (1, 2, 7)]:
        check_both(lambda t: nn.InstanceNorm1d(2)(t) ** 2, rng(62).standard_normal(shape))


@pytest.mark.parametrize("shape", [(2, 3, 4), (1, 2, 3, 3), (2, 2, 2, 1, 3)])
def test_f_instance_norm_gradients_with_and_without_input_stats(shape):
    x = rng(63).standard_normal(shape)
    C = shape[1]
    w, b = rng(64).standard_normal(C), rng(65).standard_normal(C)
    rm, rv = rng(66).standard_normal(C), rng(67).uniform(0.5, 2.0, C)
    check_both(lambda t, ww, bb: F.instance_norm(t, weight=ww, bias=bb) ** 2, x, w, b)
    check_both(lambda t, ww, bb: F.instance_norm(t, rm, rv, ww, bb, use_input_stats=False) ** 2, x, w, b)
    bshape = (1, C) + (1,) * (len(shape) - 2)
    want = (x - rm.reshape(bshape)) / np.sqrt(rv.reshape(bshape) + 1e-3) * w.reshape(bshape) + b.reshape(bshape)
    got = F.instance_norm(am.tensor(x), rm, rv, w, b, use_input_stats=False, eps=1e-3)
    np.testing.assert_allclose(got.data, want, rtol=1e-12, atol=1e-12)
    # (with input stats, the buffers given are updated in place: arrays or tensors)
    m, v = np.zeros(C), am.tensor(np.ones(C))
    np.testing.assert_allclose(F.instance_norm(am.tensor(x), m, v, momentum=0.2).data, np_instance_norm(x),
                               rtol=1e-12, atol=1e-12)
    want_m, want_v = np_running_update(np.zeros(C), np.ones(C), x, 0.2)
    np.testing.assert_allclose(m, want_m, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(v.data, want_v, rtol=1e-13)


def test_instance_norm_refusals_come_before_the_buffers_change():
    x = am.tensor(rng(68).standard_normal((2, 3, 4)))
    rm, rv = np.zeros(3), np.ones(3)
    cases = [
        (lambda: F.instance_norm(x, use_input_stats=False), ValueError,
         r"instance_norm: use_input_stats=False needs running_mean and running_var \(input of shape \(2, 3, 4\)\)"),
        (lambda: F.instance_norm(x, np.zeros(2), rv), ValueError,
         r"instance_norm: running_mean must have shape \(3,\) for input of shape \(2, 3, 4\), got \(2,\)"),
        (lambda: F.instance_norm(x, rm, rv, weight=np.ones(2)), ValueError, r"group_norm: weight must have shape \(3,\)"),
        (lambda: F.instance_norm(x, rm, rv, momentum=1.5), ValueError, r"instance_norm: momentum must be in \[0, 1\]"),
        (lambda: F.instance_norm(x, rm, np.ones(3, np.int64)), TypeError,
         r"instance_norm: in training running_var is updated in place, so it must be a writable floating"),
        (lambda: F.instance_norm(am.tensor(np.zeros((2, 3, 1))), rm, rv), ValueError,
         r"instance_norm: expected more than one spatial element per channel, got input of shape \(2, 3, 1\)"),
        (lambda: F.instance_norm(am.tensor(np.zeros((2, 3))), rm, rv), ValueError,
         r"instance_norm: expected input of shape \(N, C, ...\) with spatial axes, got shape \(2, 3\)"),
        (lambda: nn.InstanceNorm1d(3)(am.tensor(np.zeros((1, 2, 3, 4)))), ValueError,
         r"InstanceNorm1d\(3\): expected input of shape \(N, C, L\) or \(C, L\), got shape \(1, 2, 3, 4\)"),
        (lambda: nn.InstanceNorm1d(3)(am.tensor(np.zeros((2, 4)))), ValueError,
         r"InstanceNorm1d\(3\): expected input with 3 channels, got shape \(2, 4\)"),
        (lambda: nn.InstanceNorm2d(3, track_running_stats=True, dtype=np.int64), TypeError,
         r"InstanceNorm2d\(3\): dtype must be a floating dtype"),
    ]
    for call, err, pattern in cases:
        with pytest.raises(err, match=pattern):
            call()
    assert np.array_equal(rm, np.zeros(3)) and np.array_equal(rv, np.ones(3))
    m = nn.InstanceNorm2d(3, track_running_stats=True)
    with pytest.raises(RuntimeError, match=r"instance_norm: updating the running statistics in training mode "
                                           r"cannot be compiled"):
        am.compile(lambda t: m(t).sum())(am.tensor(np.ones((1, 3, 2, 2))))
    assert np.array_equal(m.running_mean.data, np.zeros(3))


# -- adaptive_max_pool2d's indices ------------------------------------------------------------


def np_adaptive_max_indices(x, OH, OW):
    """PyTorch's loop: bins [floor(i*H/OH), ceil((i+1)*H/OH)); a later entry wins if it is
    greater or NaN; the bin's first entry if none does (all -inf)."""
    N, C, H, W = x.shape
    out, idx = np.empty((N, C, OH, OW)), np.empty((N, C, OH, OW), np.int64)
    for n, c, i, j in np.ndindex(N, C, OH, OW):
        r0, r1 = i * H // OH, -(-(i + 1) * H // OH)
        c0, c1 = j * W // OW, -(-(j + 1) * W // OW)
        best, where = -np.inf, r0 * W + c0
        for r in range(r0, r1):
            for q in range(c0, c1):
                v = x[n, c, r, q]
                if v > best or np.isnan(v):
                    best, where = v, r * W + q
        out[n, c, i, j], idx[n, c, i, j] = best, where
    return out, idx


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 7), st.integers(1, 7), st.integers(1, 8), st.integers(1, 8), st.integers(0, 2 ** 16))
def test_adaptive_max_pool2d_indices_against_pytorchs_loop(H, W, OH, OW, seed):
    r = rng(seed)
    x = r.integers(-2, 2, (2, 2, H, W)).astype(float)  # (many ties)
    u = r.random(x.shape)
    x[u < 0.1], x[(u >= 0.1) & (u < 0.25)] = np.nan, -np.inf
    out, idx = F.adaptive_max_pool2d(am.tensor(x), (OH, OW), return_indices=True)
    want, want_idx = np_adaptive_max_indices(x, OH, OW)
    assert idx.dtype == np.int64 and not idx.requires_grad
    np.testing.assert_array_equal(out.data, want)
    np.testing.assert_array_equal(idx.data, want_idx)
    np.testing.assert_array_equal(F.adaptive_max_pool2d(am.tensor(x), (OH, OW)).data, want)


def test_adaptive_max_pool2d_indices_unbatched_module_unpool_and_gradients():
    x = rng(71).permutation(98).reshape(2, 7, 7).astype(float)  # (distinct values)
    m = nn.AdaptiveMaxPool2d(3, return_indices=True)
    out, idx = m(am.tensor(x))
    want, want_idx = np_adaptive_max_indices(x[None], 3, 3)
    np.testing.assert_array_equal(out.data, want[0])
    np.testing.assert_array_equal(idx.data, want_idx[0])
    assert repr(m) == "AdaptiveMaxPool2d(output_size=(3, 3))"
    # (bins of 7 into 3: kernel 3, stride 2, which max_unpool2d takes back to 7 x 7)
    back = F.max_unpool2d(out, idx, 3, 2, output_size=(7, 7))
    want_back = np.zeros_like(x)
    for c, i, j in np.ndindex(2, 3, 3):
        want_back[c].flat[want_idx[0, c, i, j]] = want[0, c, i, j]
    np.testing.assert_array_equal(back.data, want_back)
    empty, empty_idx = F.adaptive_max_pool2d(am.tensor(x), (0, 2), return_indices=True)
    assert empty.shape == empty_idx.shape == (2, 0, 2) and empty_idx.dtype == np.int64
    for shape, size in [((1, 2, 5, 4), (2, 3)), ((2, 1, 4, 4), 2), ((1, 1, 3, 5), (1, 1))]:
        xs = rng(72).permutation(int(np.prod(shape))).reshape(shape) / 7.0
        check_both(lambda t: F.adaptive_max_pool2d(t, size, return_indices=True)[0] ** 2, xs)
        t = am.tensor(xs, requires_grad=True)
        F.adaptive_max_pool2d(t, size, return_indices=True)[0].sum().backward()
        with_indices = t.grad.data.copy()
        t.grad = None
        F.adaptive_max_pool2d(t, size).sum().backward()
        assert np.array_equal(t.grad.data, with_indices)


# -- bicubic interpolation ------------------------------------------------------------------------


def np_bicubic(x, OH, OW, align_corners, scales=(None, None)):
    """PyTorch's documented algorithm by a loop: per output pixel, the source coordinate
    on each axis, the 4 x 4 taps clamped to the image, cubic convolution weights A = -0.75."""
    A = -0.75

    def cc1(d):
        return ((A + 2) * d - (A + 3)) * d * d + 1

    def cc2(d):
        return ((A * d - 5 * A) * d + 8 * A) * d - 4 * A

    def source(dst, n_in, n_out, scale):
        if align_corners:
            return dst * (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
        s = 1.0 / scale if scale is not None else n_in / n_out
        return (dst + 0.5) * s - 0.5

    N, C, H, W = x.shape
    out = np.zeros((N, C, OH, OW))
    for i in range(OH):
        sy = source(i, H, OH, scales[0])
        y0 = math.floor(sy)
        ty = sy - y0
        wy = [cc2(ty + 1), cc1(ty), cc1(1 - ty), cc2(2 - ty)]
        for j in range(OW):
            sx = source(j, W, OW, scales[1])
            x0 = math.floor(sx)
            tx = sx - x0
            wx = [cc2(tx + 1), cc1(tx), cc1(1 - tx), cc2(2 - tx)]
            for a in range(4):
                for b in range(4):
                    r = min(max(y0 - 1 + a, 0), H - 1)
                    c = min(max(x0 - 1 + b, 0), W - 1)
                    out[:, :, i, j] += wy[a] * wx[b] * x[:, :, r, c]
    return out


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("shape, size", [((1, 2, 3, 4), (7, 9)), ((2, 1, 5, 6), (2, 3)), ((1, 1, 1, 4), (3, 4)),
                                         ((1, 2, 4, 4), (4, 4)), ((1, 1, 6, 3), (1, 5))])
def test_bicubic_against_a_loop_over_pytorchs_algorithm(shape, size, align_corners):
    x = rng(80).standard_normal(shape)
    got = F.interpolate(am.tensor(x), size=size, mode="bicubic", align_corners=align_corners)
    np.testing.assert_allclose(got.data, np_bicubic(x, *size, align_corners), rtol=1e-12, atol=1e-12)
    up = nn.Upsample(size=size, mode="bicubic", align_corners=align_corners)
    assert np.array_equal(up(am.tensor(x)).data, got.data)
    x32 = F.interpolate(am.tensor(x.astype(np.float32)), size=size, mode="bicubic", align_corners=align_corners)
    assert x32.dtype == np.float32
    np.testing.assert_allclose(x32.data, got.data, rtol=1e-4, atol=1e-5)


def test_bicubic_with_a_scale_factor_and_at_the_grid_points():
    x = rng(81).standard_normal((1, 2, 6, 5))
    got = F.interpolate(am.tensor(x), scale_factor=(1.15, 0.6), mode="bicubic")  # (6 -> 6, moved; 5 -> 3)
    np.testing.assert_allclose(got.data, np_bicubic(x, 6, 3, False, (1.15, 0.6)), rtol=1e-12, atol=1e-12)
    assert not np.allclose(got.data[..., 0], x[..., 0])  # (an axis of the same length is not copied)
    same = F.interpolate(am.tensor(x), scale_factor=(1.15, 2), mode="bicubic", recompute_scale_factor=True)
    np.testing.assert_allclose(same.data, np_bicubic(x, 6, 10, False), rtol=1e-12, atol=1e-12)
    assert np.array_equal(F.interpolate(am.tensor(x), size=(6, 5), mode="bicubic").data, x)
    # Outputs on an input row take it alone: an infinite neighbour does not make them NaN
    # (PyTorch's 0 * inf does); elsewhere the math's inf stays.
    y = np.zeros((1, 1, 4, 4))
    y[0, 0, 1, 1] = np.inf
    out = F.interpolate(am.tensor(y), size=(7, 7), mode="bicubic", align_corners=True).data[0, 0]
    assert not np.isnan(out).any()
    assert out[0, 0] == 0 and out[2, 2] == np.inf and np.isinf(out[1, 1])


@settings(max_examples=6, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 6), st.integers(1, 6), st.booleans())
def test_bicubic_first_and_second_order_gradients(H, W, OH, OW, align_corners):
    x = rng(H * 7 + W).standard_normal((1, 2, H, W))
    check_both(lambda t: F.interpolate(t, size=(OH, OW), mode="bicubic", align_corners=align_corners) ** 2, x)


def test_bicubic_refusals_name_the_op_and_shapes():
    with pytest.raises(ValueError, match=r"interpolate: mode 'bicubic' needs input of shape \(N, C, H, W\), "
                                         r"got shape \(1, 2, 5\)"):
        F.interpolate(am.tensor(np.zeros((1, 2, 5))), size=4, mode="bicubic")
    with pytest.raises(TypeError, match=r"interpolate: mode 'bicubic' needs floating-point input, got dtype int64"):
        F.interpolate(am.tensor(np.zeros((1, 1, 2, 2), np.int64)), size=4, mode="bicubic")
    with pytest.raises(ValueError, match=r"interpolate: align_corners can only be set with mode 'linear', "
                                         r"'bilinear', 'bicubic' or 'trilinear', got mode 'nearest'"):
        F.interpolate(am.tensor(np.zeros((1, 1, 2, 2))), size=4, align_corners=True)
    with pytest.raises(ValueError, match=r"Upsample: align_corners can only be set with mode 'linear', "
                                         r"'bilinear', 'bicubic' or 'trilinear'"):
        nn.Upsample(scale_factor=2, align_corners=False)
    assert repr(nn.Upsample(scale_factor=2, mode="bicubic", align_corners=True)) == \
        "Upsample(scale_factor=2.0, mode='bicubic')"


# -- am.compile: the three together ------------------------------------------------------------


def test_compiled_instance_norm_adaptive_indices_and_bicubic_replay_eager_bit_for_bit():
    norm = nn.InstanceNorm2d(2, affine=True, track_running_stats=True)
    for seed in range(2):
        norm(am.tensor(rng(90 + seed).standard_normal((2, 2, 5, 6))))  # (running stats, then eval)
    norm.eval()
    norm.weight.data[:] = [1.5, -0.5]
    weights = am.tensor(np.linspace(-1, 1, 7 * 7))

    def fn(x, w):
        y = F.interpolate(norm(x) * w, size=(9, 11), mode="bicubic", align_corners=False)
        y = F.instance_norm(y, weight=w.reshape(2)) + F.interpolate(y, scale_factor=0.7, mode="bicubic",
                                                                    align_corners=True).sum()
        out, idx = F.adaptive_max_pool2d(y, (3, 3), return_indices=True)
        back = F.max_unpool2d(out, idx, 5, 3, output_size=(9, 11))  # (bins of 9 -> 3 and 11 -> 3)
        return (back[..., 1:8, 2:9].reshape(2, 2, -1) * weights).sum(axis=-1) + idx.astype(np.float64)[..., 0, 0]

    def make(seed):
        return (am.tensor(rng(seed).standard_normal((2, 2, 5, 6)), requires_grad=True),
                am.tensor(rng(seed + 9).standard_normal((1, 2, 1, 1)), requires_grad=True))

    replays(fn, make)


def test_interpolate_takes_pytorchs_antialias_false_and_refuses_true():
    x = am.tensor(np.arange(16.0).reshape(1, 1, 4, 4), requires_grad=True)
    plain = F.interpolate(x, scale_factor=0.5, mode="bilinear")
    same = F.interpolate(x, scale_factor=0.5, mode="bilinear", antialias=False)
    assert same.data.tobytes() == plain.data.tobytes()
    with pytest.raises(ValueError, match=r"interpolate: antialias=True .* not built.*shape \(1, 1, 4, 4\)"):
        F.interpolate(x, scale_factor=0.5, mode="bilinear", antialias=True)
    with pytest.raises(TypeError, match="antialias"):
        F.interpolate(x, scale_factor=0.5, mode="bilinear", antialias="yes")
