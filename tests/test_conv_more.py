"""conv_transpose2d / nn.ConvTranspose2d and conv1d / nn.Conv1d: values against naive
loops, the adjoint identity with conv2d, first and second order gradients, the layers'
parameters, initialisation, errors and reprs (PyTorch's), am.compile replays, and the
summary and network drawings of models that hold them."""

from __future__ import annotations

import itertools
import math
import re

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import nn, viz
from autograd_mini.nn import functional as F

HYP = settings(max_examples=10, deadline=None)


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def check12(f, inputs):
    assert am.gradcheck(f, inputs)
    assert am.gradgradcheck(f, inputs)


# -- naive oracles (the definitions, as loops) -----------------------------------------


def naive_conv_transpose2d(x, w, b, stride, pad, out_pad, groups, dilation):
    """Scatter-add of x[n, c, i, j] * W[c, o, p, q] into out[n, g*O/G + o, i*s - pad + p*d, ...]."""
    N, C, H, W = x.shape
    _, Og, kh, kw = w.shape
    Cg = C // groups
    OH = (H - 1) * stride[0] - 2 * pad[0] + dilation[0] * (kh - 1) + out_pad[0] + 1
    OW = (W - 1) * stride[1] - 2 * pad[1] + dilation[1] * (kw - 1) + out_pad[1] + 1
    out = np.zeros((N, Og * groups, OH, OW))
    for n, c, i, j, o, p, q in itertools.product(range(N), range(C), range(H), range(W), range(Og),
                                                 range(kh), range(kw)):
        r = i * stride[0] - pad[0] + p * dilation[0]
        s = j * stride[1] - pad[1] + q * dilation[1]
        if 0 <= r < OH and 0 <= s < OW:
            out[n, (c // Cg) * Og + o, r, s] += x[n, c, i, j] * w[c, o, p, q]
    if b is not None:
        out += b[:, None, None]
    return out


def naive_conv1d(x, w, b, stride, pads, dilation, groups):
    """out[n, o, i] = b[o] + sum_{c, p} W[o, c, p] * xpad[n, g*C/G + c, i*s + p*d]."""
    N, C, L = x.shape
    O, Cg, k = w.shape
    xp = np.zeros((N, C, L + pads[0] + pads[1]))
    xp[:, :, pads[0]:pads[0] + L] = x
    OL = (xp.shape[2] - dilation * (k - 1) - 1) // stride + 1
    out = np.zeros((N, O, OL))
    Og = O // groups
    for n, o, i in itertools.product(range(N), range(O), range(OL)):
        g = o // Og
        acc = 0.0 if b is None else b[o]
        for c, p in itertools.product(range(Cg), range(k)):
            acc += w[o, c, p] * xp[n, g * Cg + c, i * stride + p * dilation]
        out[n, o, i] = acc
    return out


# -- conv_transpose2d ----------------------------------------------------------------------

# (x shape, weight shape, stride, padding, output_padding, groups, dilation)
CT_CASES = {
    "plain": ((2, 3, 4, 5), (3, 2, 3, 3), (1, 1), (0, 0), (0, 0), 1, (1, 1)),
    "stride 2, upsampling by 2": ((2, 3, 4, 4), (3, 2, 3, 3), (2, 2), (1, 1), (1, 1), 1, (1, 1)),
    "stride 2x3, padding, output_padding": ((1, 2, 3, 4), (2, 3, 2, 3), (2, 3), (1, 2), (1, 2), 1, (1, 1)),
    "groups 2, dilation": ((2, 4, 3, 4), (4, 3, 2, 3), (2, 1), (0, 1), (1, 0), 2, (2, 1)),
    "output_padding below dilation, stride 1": ((1, 2, 3, 3), (2, 2, 2, 2), (1, 1), (0, 0), (1, 1), 1, (2, 2)),
    "groups 3, kernel wider than the input": ((1, 3, 2, 2), (3, 1, 4, 3), (3, 2), (2, 0), (2, 1), 3, (1, 3)),
    "1x1 kernel, padding crops": ((2, 2, 4, 4), (2, 3, 1, 1), (2, 2), (1, 1), (0, 1), 1, (1, 1)),
}


@pytest.mark.parametrize("name", CT_CASES)
def test_conv_transpose2d_matches_the_scatter_add_definition(name):
    xs, ws, s, p, op, G, d = CT_CASES[name]
    x, w, b = rand(*xs, seed=1), rand(*ws, seed=2), rand(ws[1] * G, seed=3)
    out = F.conv_transpose2d(x, w, b, s, p, op, G, d)
    expected = naive_conv_transpose2d(x, w, b, s, p, op, G, d)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.data, expected, atol=1e-12)
    no_bias = F.conv_transpose2d(x, w, stride=s, padding=p, output_padding=op, groups=G, dilation=d)
    np.testing.assert_allclose(no_bias.data, naive_conv_transpose2d(x, w, None, s, p, op, G, d), atol=1e-12)
    one = F.conv_transpose2d(x[0], w, b, s, p, op, G, d)  # (one image, (C, H, W))
    assert one.shape == expected.shape[1:]
    np.testing.assert_allclose(one.data, expected[0], atol=1e-12)


def test_conv_transpose2d_int_arguments_and_float32():
    x, w = rand(2, 3, 4, 4, seed=4), rand(3, 2, 3, 3, seed=5)
    out = F.conv_transpose2d(x.astype(np.float32), w.astype(np.float32), None, 2, 1, 1)
    assert out.dtype == np.float32 and out.shape == (2, 2, 8, 8)
    expected = naive_conv_transpose2d(x, w, None, (2, 2), (1, 1), (1, 1), 1, (1, 1))
    np.testing.assert_allclose(out.data, expected, rtol=1e-5, atol=1e-5)


def conv2d_and_its_transpose(N, C, O, G, H, W, kh, kw, s, p, d, seed):
    """x, W (O, C/G, kh, kw), y of conv2d(x, W)'s shape, and the conv_transpose2d
    arguments (output_padding picked so that its output has x's shape)."""
    x, w = rand(N, C, H, W, seed=seed), rand(O, C // G, kh, kw, seed=seed + 1)
    OH, OW = ((n + 2 * pp - dd * (k - 1) - 1) // ss + 1 for n, pp, dd, k, ss in zip((H, W), p, d, (kh, kw), s))
    y = rand(N, O, OH, OW, seed=seed + 2)
    op = tuple((n + 2 * pp - dd * (k - 1) - 1) % ss for n, pp, dd, k, ss in zip((H, W), p, d, (kh, kw), s))
    return x, w, y, dict(stride=s, padding=p, output_padding=op, groups=G, dilation=d)


@st.composite
def conv_geometry(draw):
    G = draw(st.integers(1, 2))
    C, O = G * draw(st.integers(1, 2)), G * draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    p = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    # (at least one window: H + 2p >= d (k - 1) + 1)
    H = draw(st.integers(max(1, d[0] * (kh - 1) + 1 - 2 * p[0]), 6))
    W = draw(st.integers(max(1, d[1] * (kw - 1) + 1 - 2 * p[1]), 6))
    return dict(N=draw(st.integers(1, 2)), C=C, O=O, G=G, H=H, W=W, kh=kh, kw=kw, s=s, p=p, d=d,
                seed=draw(st.integers(0, 1000)))


@HYP
@given(geometry=conv_geometry())
def test_conv_transpose2d_is_the_adjoint_of_conv2d_hypothesis(geometry):
    # <conv2d(x, W), y> == <x, conv_transpose2d(y, W)> for every x, y: the definition
    x, w, y, kw = conv2d_and_its_transpose(**geometry)
    back = F.conv_transpose2d(y, w, **kw)
    assert back.shape == x.shape
    fwd = F.conv2d(x, w, stride=kw["stride"], padding=kw["padding"], dilation=kw["dilation"], groups=kw["groups"])
    lhs, rhs = float(np.sum(fwd.data * y)), float(np.sum(x * back.data))
    assert lhs == pytest.approx(rhs, rel=1e-10, abs=1e-10)
    # and so it is conv2d's input gradient
    xt = am.tensor(x, requires_grad=True)
    F.conv2d(xt, w, stride=kw["stride"], padding=kw["padding"], dilation=kw["dilation"],
             groups=kw["groups"]).backward(am.tensor(y))
    np.testing.assert_allclose(back.data, xt.grad.data, atol=1e-12)


@pytest.mark.parametrize("name", ["plain", "stride 2x3, padding, output_padding", "groups 2, dilation",
                                  "output_padding below dilation, stride 1"])
def test_conv_transpose2d_first_and_second_order(name):
    xs, ws, s, p, op, G, d = CT_CASES[name]
    xs = (1,) + xs[1:]  # (one image: the checks perturb every entry)
    x, w, b = rand(*xs, seed=6), rand(*ws, seed=7), rand(ws[1] * G, seed=8)
    check12(lambda x, w, b: F.conv_transpose2d(x, w, b, s, p, op, G, d), (x, w, b))


@settings(max_examples=6, deadline=None)
@given(geometry=conv_geometry())
def test_conv_transpose2d_first_and_second_order_hypothesis(geometry):
    geometry = dict(geometry, N=1, H=min(geometry["H"], 3), W=min(geometry["W"], 3))
    geometry["H"] = max(geometry["H"], geometry["d"][0] * (geometry["kh"] - 1) + 1 - 2 * geometry["p"][0])
    geometry["W"] = max(geometry["W"], geometry["d"][1] * (geometry["kw"] - 1) + 1 - 2 * geometry["p"][1])
    x, w, y, kw = conv2d_and_its_transpose(**geometry)
    # (a padding that crops every pixel the windows reach makes an output that depends on
    # nothing, whose derivatives gradcheck rightly says it cannot check)
    assume(F.conv_transpose2d(np.ones_like(y), np.ones_like(w), **kw).data.any())
    check12(lambda y, w: F.conv_transpose2d(y, w, **kw), (y, w))


def test_conv_transpose2d_labels_its_nodes_with_a_scope():
    out = F.conv_transpose2d(am.tensor(rand(1, 2, 3, 3), requires_grad=True), rand(2, 1, 2, 2), rand(1))
    assert "conv_transpose2d" in out.grad_fn.scope


def ones(*shape):
    return np.ones(shape)


@pytest.mark.parametrize("call, message", [
    (lambda: F.conv_transpose2d(ones(1, 3, 4, 4), ones(2, 2, 3, 3)),
     r"conv_transpose2d: input of shape \(1, 3, 4, 4\) has 3 channels, but weight of shape \(2, 2, 3, 3\)"),
    (lambda: F.conv_transpose2d(ones(3, 4, 4), ones(2, 2, 3, 3)), r"conv_transpose2d: input of shape \(3, 4, 4\)"),
    (lambda: F.conv_transpose2d(ones(1, 3, 4, 4), ones(3, 2, 3, 3), groups=2),
     r"conv_transpose2d: groups=2 must divide the input channels 3 of weight \(3, 2, 3, 3\)"),
    (lambda: F.conv_transpose2d(ones(1, 2, 4, 4), ones(2, 2, 3, 3), output_padding=1),
     r"conv_transpose2d: output_padding \(1, 1\) must be smaller than either stride \(1, 1\) or dilation \(1, 1\)"),
    (lambda: F.conv_transpose2d(ones(1, 2, 4, 4), ones(2, 2, 3, 3), stride=2, output_padding=(1, 2)),
     r"output_padding \(1, 2\) must be smaller than either stride \(2, 2\)"),
    (lambda: F.conv_transpose2d(ones(1, 2, 4, 4), ones(2, 2, 3, 3), stride=1, dilation=2, output_padding=2),
     r"output_padding \(2, 2\) must be smaller than either stride \(1, 1\) or dilation \(2, 2\)"),
    (lambda: F.conv_transpose2d(ones(1, 2, 2, 2), ones(2, 2, 1, 1), padding=1),
     r"conv_transpose2d: input of shape \(1, 2, 2, 2\) .* gives an output of size \(0, 0\): too small"),
    (lambda: F.conv_transpose2d(ones(1, 2, 4, 4), ones(2, 2, 3, 3), np.ones(3)),
     r"conv_transpose2d: bias must have shape \(2,\)"),
    (lambda: F.conv_transpose2d(ones(1, 2, 4, 4), ones(2, 2, 3)), r"conv_transpose2d: weight must have shape"),
    (lambda: F.conv_transpose2d(ones(4, 4), ones(2, 2, 3, 3)), r"conv_transpose2d: expected input .* got \(4, 4\)"),
    (lambda: F.conv_transpose2d(ones(1, 2, 4, 4), ones(2, 2, 3, 3), padding=-1), r"conv_transpose2d: padding"),
    (lambda: F.conv_transpose2d(ones(1, 2, 4, 4), ones(2, 2, 3, 3), stride=0), r"conv_transpose2d: stride"),
])
def test_conv_transpose2d_bad_input_is_a_value_error_naming_it(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_conv_transpose2d_argument_types():
    with pytest.raises(TypeError, match="conv_transpose2d: padding must be an int or a pair"):
        F.conv_transpose2d(ones(1, 2, 4, 4), ones(2, 2, 3, 3), padding="same")  # (as PyTorch: no 'same')
    with pytest.raises(TypeError, match="conv_transpose2d: groups must be an int"):
        F.conv_transpose2d(ones(1, 2, 4, 4), ones(2, 2, 3, 3), groups=1.0)


# -- conv1d --------------------------------------------------------------------------------

# (x shape, weight shape, stride, padding, dilation, groups, the padding as (left, right))
C1_CASES = {
    "plain": ((2, 3, 7), (4, 3, 3), 1, 0, 1, 1, (0, 0)),
    "stride, padding, dilation": ((2, 2, 9), (3, 2, 3), 2, 2, 2, 1, (2, 2)),
    "groups": ((1, 4, 6), (6, 2, 2), 1, (1,), 1, 2, (1, 1)),
    "same, even kernel": ((2, 2, 5), (2, 2, 4), 1, "same", 1, 1, (1, 2)),
    "same, dilated": ((1, 3, 6), (3, 1, 3), 1, "same", 2, 3, (2, 2)),
    "valid": ((2, 2, 5), (1, 2, 2), (3,), "valid", (1,), 1, (0, 0)),
}


@pytest.mark.parametrize("name", C1_CASES)
def test_conv1d_matches_naive_loops(name):
    xs, ws, s, p, d, G, pads = C1_CASES[name]
    x, w, b = rand(*xs, seed=11), rand(*ws, seed=12), rand(ws[0], seed=13)
    s_, d_ = (v[0] if isinstance(v, tuple) else v for v in (s, d))
    out = F.conv1d(x, w, b, s, p, d, G)
    expected = naive_conv1d(x, w, b, s_, pads, d_, G)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.data, expected, atol=1e-12)
    np.testing.assert_allclose(F.conv1d(x, w, None, s, p, d, G).data, naive_conv1d(x, w, None, s_, pads, d_, G),
                               atol=1e-12)
    one = F.conv1d(x[0], w, b, s, p, d, G)  # (one sequence, (C, L))
    assert one.shape == expected.shape[1:]
    np.testing.assert_allclose(one.data, expected[0], atol=1e-12)


@pytest.mark.parametrize("name", ["stride, padding, dilation", "groups", "same, even kernel"])
def test_conv1d_first_and_second_order(name):
    xs, ws, s, p, d, G, _ = C1_CASES[name]
    x, w, b = rand(1, *xs[1:], seed=14), rand(*ws, seed=15), rand(ws[0], seed=16)
    check12(lambda x, w, b: F.conv1d(x, w, b, s, p, d, G), (x, w, b))


@pytest.mark.parametrize("call, error, message", [
    (lambda: F.conv1d(ones(1, 3, 5), ones(2, 2, 3)), ValueError,
     r"conv1d: input of shape \(1, 3, 5\) has 3 channels, but weight of shape \(2, 2, 3\)"),
    (lambda: F.conv1d(ones(1, 4, 5), ones(3, 2, 3), groups=2), ValueError, r"conv1d: groups=2 must divide"),
    (lambda: F.conv1d(ones(1, 1, 2), ones(1, 1, 3)), ValueError,
     r"conv1d: input of shape \(1, 1, 2\) \(padded length 2\) is shorter than the kernel 3"),
    (lambda: F.conv1d(ones(1, 1, 5), ones(1, 1, 3), stride=2, padding="same"), ValueError,
     r"conv1d: padding='same' needs stride 1, got stride 2"),
    (lambda: F.conv1d(ones(1, 1, 5), ones(1, 1, 3), padding="full"), ValueError, r"conv1d: padding must be"),
    (lambda: F.conv1d(ones(1, 1, 5), ones(2, 1, 3), np.ones(3)), ValueError, r"conv1d: bias must have shape \(2,\)"),
    (lambda: F.conv1d(ones(1, 1, 1, 5), ones(1, 1, 3)), ValueError, r"conv1d: expected input .* got \(1, 1, 1, 5\)"),
    (lambda: F.conv1d(ones(1, 1, 5), ones(1, 1, 1, 3)), ValueError,
     r"conv1d: weight must have shape \(O, C/groups, k\)"),
    (lambda: F.conv1d(ones(1, 1, 5), ones(1, 1, 3), stride=(1, 1)), TypeError, r"conv1d: stride must be an int"),
    (lambda: F.conv1d(ones(1, 1, 5), ones(1, 1, 3), dilation=0), ValueError, r"conv1d: dilation must be at least 1"),
])
def test_conv1d_bad_input_names_it(call, error, message):
    with pytest.raises(error, match=message):
        call()


# -- the layers ----------------------------------------------------------------------------


def test_conv_transpose2d_layer_parameters_state_dict_and_forward():
    am.manual_seed(0)
    m = nn.ConvTranspose2d(4, 6, (2, 3), stride=2, padding=(0, 1), output_padding=(1, 0), groups=2, dilation=(1, 2))
    assert [(k, v.shape) for k, v in m.state_dict().items()] == [("weight", (4, 3, 2, 3)), ("bias", (6,))]
    x = rand(2, 4, 3, 3, seed=20)
    out = m(x)
    expected = naive_conv_transpose2d(x, m.weight.data, m.bias.data, (2, 2), (0, 1), (1, 0), 2, (1, 2))
    assert out.shape == (2, 6, 7, 7)  # (2*2 + 1 + 1 + 1, 2*2 - 2 + 2*2 + 1)
    np.testing.assert_allclose(out.data, expected, atol=1e-12)
    assert list(nn.ConvTranspose2d(2, 3, 1, bias=False).state_dict()) == ["weight"]


def test_conv_transpose2d_output_size_picks_the_output_padding():
    am.manual_seed(1)
    m = nn.ConvTranspose2d(2, 2, 3, stride=2, padding=1)
    x = rand(1, 2, 4, 4, seed=21)
    assert m(x).shape == (1, 2, 7, 7)
    for size in [(8, 7), [1, 2, 8, 7]]:
        out = m(x, output_size=size)
        assert out.shape == (1, 2, 8, 7)
        np.testing.assert_array_equal(out.data, F.conv_transpose2d(x, m.weight, m.bias, 2, 1, (1, 0)).data)
    with pytest.raises(ValueError, match=r"ConvTranspose2d\(2→2, 3×3\): output_size \(9, 7\) is not reachable "
                                         r"from input of shape \(1, 2, 4, 4\)"):
        m(x, output_size=(9, 7))


def test_conv1d_layer_parameters_state_dict_and_forward():
    am.manual_seed(2)
    m = nn.Conv1d(4, 6, 3, stride=2, padding=1, dilation=2, groups=2)
    assert [(k, v.shape) for k, v in m.state_dict().items()] == [("weight", (6, 2, 3)), ("bias", (6,))]
    assert (m.kernel_size, m.stride, m.padding, m.dilation) == ((3,), (2,), (1,), (2,))
    x = rand(2, 4, 9, seed=22)
    np.testing.assert_allclose(m(x).data, naive_conv1d(x, m.weight.data, m.bias.data, 2, (1, 1), 2, 2), atol=1e-12)
    np.testing.assert_allclose(m(x[1]).data, naive_conv1d(x[1:], m.weight.data, m.bias.data, 2, (1, 1), 2, 2)[0],
                               atol=1e-12)


@pytest.mark.parametrize("mode, numpy_mode", [("reflect", "reflect"), ("replicate", "edge"), ("circular", "wrap")])
def test_conv1d_padding_modes_pad_then_convolve(mode, numpy_mode):
    am.manual_seed(3)
    m = nn.Conv1d(2, 3, 4, padding="same", padding_mode=mode)  # (pads 1 left, 2 right)
    x = rand(2, 2, 5, seed=23)
    padded = np.pad(x, ((0, 0), (0, 0), (1, 2)), mode=numpy_mode)
    np.testing.assert_allclose(m(x).data, naive_conv1d(padded, m.weight.data, m.bias.data, 1, (0, 0), 1, 1),
                               atol=1e-12)
    with pytest.raises(ValueError, match=r"Conv1d\(2→3, 4\): padding_mode="):
        nn.Conv1d(2, 3, 4, padding=3, padding_mode="reflect")(rand(2, 2, 3))


def test_default_init_is_pytorchs():
    am.manual_seed(5)
    # ConvTranspose2d: fan_in = weight.shape[1] * kh * kw = out_channels/groups * kh * kw
    ct = nn.ConvTranspose2d(256, 64, 4, groups=2)  # fan_in = 32 * 16 = 512
    c1 = nn.Conv1d(128, 256, 4, groups=2)  # fan_in = 64 * 4 = 256
    for m, fan_in in [(ct, 512), (c1, 256)]:
        bound = 1 / math.sqrt(fan_in)
        w = m.weight.data
        assert np.abs(w).max() <= bound and w.min() < -0.99 * bound and w.max() > 0.99 * bound
        assert abs(w.mean()) < 0.01 * bound and w.var() == pytest.approx(bound**2 / 3, rel=0.03)
        assert np.abs(m.bias.data).max() <= bound
        assert m.bias.data.min() < -0.8 * bound and m.bias.data.max() > 0.8 * bound
    assert nn.ConvTranspose2d(2, 3, 2, dtype=np.float32).weight.dtype == np.float32
    assert nn.Conv1d(2, 3, 2, dtype=np.float32).bias.dtype == np.float32


def test_reprs_are_pytorchs():
    assert repr(nn.ConvTranspose2d(16, 8, 3, stride=2, padding=1, output_padding=1)).split("  #")[0] == (
        "ConvTranspose2d(16, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), output_padding=(1, 1))")
    assert repr(nn.ConvTranspose2d(4, 2, (2, 3), dilation=2, groups=2, bias=False)) == (
        "ConvTranspose2d(4, 2, kernel_size=(2, 3), stride=(1, 1), dilation=(2, 2), groups=2, bias=False)"
        "  # weight (4, 1, 2, 3)")
    assert repr(nn.Conv1d(3, 8, 3)).split("  #")[0] == "Conv1d(3, 8, kernel_size=(3,), stride=(1,))"
    assert repr(nn.Conv1d(3, 8, 3, padding="same", padding_mode="circular", bias=False)) == (
        "Conv1d(3, 8, kernel_size=(3,), stride=(1,), padding=same, bias=False, padding_mode=circular)"
        "  # weight (8, 3, 3)")
    assert repr(nn.Conv1d(2, 4, 2, stride=2, padding=1, dilation=3, groups=2)).split("  #")[0] == (
        "Conv1d(2, 4, kernel_size=(2,), stride=(2,), padding=(1,), dilation=(3,), groups=2)")
    assert nn.ConvTranspose2d(16, 8, 3).label() == "ConvTranspose2d(16→8, 3×3)"
    assert nn.Conv1d(3, 8, 5).label() == "Conv1d(3→8, 5)"


@pytest.mark.parametrize("call, error, message", [
    (lambda: nn.ConvTranspose2d(3, 2, 3)(ones(1, 2, 4, 4)), ValueError,
     r"ConvTranspose2d\(3→2, 3×3\): expected input with 3 channels, got shape \(1, 2, 4, 4\)"),
    (lambda: nn.ConvTranspose2d(3, 2, 3)(ones(3, 4)), ValueError,
     r"ConvTranspose2d\(3→2, 3×3\): expected input of shape \(N, C, H, W\) or \(C, H, W\), got shape \(3, 4\)"),
    (lambda: nn.ConvTranspose2d(3, 2, 3, output_padding=1), ValueError,
     r"ConvTranspose2d\(3→2\): output_padding \(1, 1\) must be smaller than either stride \(1, 1\) or dilation"),
    (lambda: nn.ConvTranspose2d(3, 2, 3, stride=2, output_padding=(1, 2)), ValueError,
     r"ConvTranspose2d\(3→2\): output_padding \(1, 2\) must be smaller"),
    (lambda: nn.ConvTranspose2d(3, 2, 3, groups=2), ValueError, r"ConvTranspose2d\(3→2\): groups=2 must divide"),
    (lambda: nn.ConvTranspose2d(3, 2, 3, padding_mode="reflect"), ValueError,
     r"ConvTranspose2d\(3→2\): only padding_mode='zeros'"),
    (lambda: nn.ConvTranspose2d(2, 2, 1, padding=1)(ones(1, 2, 2, 2)), ValueError,
     r"ConvTranspose2d\(2→2, 1×1\): input of shape \(1, 2, 2, 2\) gives an output of size \(0, 0\)"),
    (lambda: nn.Conv1d(3, 2, 3)(ones(1, 2, 5)), ValueError,
     r"Conv1d\(3→2, 3\): expected input with 3 channels, got shape \(1, 2, 5\)"),
    (lambda: nn.Conv1d(3, 2, 3)(ones(1, 3, 5, 5)), ValueError,
     r"Conv1d\(3→2, 3\): expected input of shape \(N, C, L\) or \(C, L\), got shape \(1, 3, 5, 5\)"),
    (lambda: nn.Conv1d(1, 2, 3)(ones(1, 1, 2)), ValueError,
     r"Conv1d\(1→2, 3\): input of shape \(1, 1, 2\) \(padded length 2\) is shorter than the kernel 3"),
    (lambda: nn.Conv1d(1, 2, 3, stride=2, padding="same"), ValueError,
     r"Conv1d\(1→2\): padding='same' needs stride 1"),
    (lambda: nn.Conv1d(1, 2, 3, padding_mode="mirror"), ValueError, r"Conv1d\(1→2\): padding_mode must be"),
    (lambda: nn.Conv1d(1, 2, (3, 3)), TypeError, r"Conv1d\(1→2\): kernel_size must be an int"),
])
def test_layers_refuse_bad_input_naming_the_layer_and_shapes(call, error, message):
    with pytest.raises(error, match=message):
        call()


# -- am.compile, summary, drawings -----------------------------------------------------------


def autoencoder():
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, stride=2, padding=1), nn.ReLU(),
        nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1, groups=2), nn.Tanh(),
        nn.ConvTranspose2d(2, 1, 2, dilation=2, padding=1),
    )


def sequence_model():
    return nn.Sequential(nn.Conv1d(2, 4, 3, padding="same", padding_mode="reflect"), nn.ReLU(),
                         nn.Conv1d(4, 2, 2, stride=2, dilation=2, groups=2), nn.Flatten(), nn.Linear(12, 3))


@pytest.mark.parametrize("make, xshape, yshape", [(autoencoder, (3, 1, 8, 8), (3, 1, 8, 8)),
                                                   (sequence_model, (3, 2, 14), (3, 3))])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_compiled_replay_equals_eager_bit_for_bit(make, xshape, yshape, dtype):
    am.manual_seed(0)
    model = make().to(dtype)

    def loss(x, y):
        return F.mse_loss(model(x), y)

    step = am.compile(loss)
    for seed in range(3):
        x = am.tensor(rand(*xshape, seed=seed).astype(dtype))
        y = am.tensor(rand(*yshape, seed=seed + 10).astype(dtype))
        results = []
        for f in (loss, step):
            model.zero_grad()
            out = f(x, y)
            out.backward()
            results.append((out.data.copy(), [p.grad.data.copy() for p in model.parameters()]))
        (la, ga), (lb, gb) = results
        assert la.dtype == lb.dtype == dtype and np.array_equal(la, lb)
        assert all(a.dtype == b.dtype and np.array_equal(a, b) for a, b in zip(ga, gb))
    assert step.recordings == 1


def test_summary_and_draw_network_of_an_autoencoder():
    am.manual_seed(1)
    model = autoencoder()
    text = str(nn.summary(model, input_size=(1, 1, 8, 8)))
    assert re.search(r"2\s+ConvTranspose2d\(4→2, 3×3\)\s+\(1, 2, 8, 8\)\s+38\n", text)  # (4*1*3*3 + 2)
    assert "Output shape: (1, 1, 8, 8)" in text
    g = viz.draw_network(model, input_size=(1, 1, 8, 8))
    assert "ConvTranspose2d(4→2, 3×3)\\n→ (1, 2, 8, 8)\\n38 params" in g.source
    assert "ConvTranspose2d(2→1, 2×2)\\n→ (1, 1, 8, 8)\\n9 params" in g.source
    assert "ConvTranspose2d(4→2, 3×3)" in viz.draw_network(model).source  # (untraced: registration order)
    seq = sequence_model()
    assert "Conv1d(4→2, 2)\\n→ (1, 2, 6)\\n10 params" in viz.draw_network(seq, input_size=(1, 2, 14)).source
    assert re.search(r"0\s+Conv1d\(2→4, 3\)\s+\(1, 4, 14\)\s+28\n", str(nn.summary(seq, input_size=(1, 2, 14))))


def test_the_readme_lists_them():
    import pathlib

    readme = (pathlib.Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    layout = re.search(r"^```\nautograd_mini/\n(.*?)^```", readme, re.M | re.S).group(1)
    for name in ("Conv1d", "ConvTranspose2d"):
        assert re.search(rf"\b{name}\b", layout) and hasattr(nn, name) and name in nn.__all__
    assert callable(F.conv1d) and callable(F.conv_transpose2d)
