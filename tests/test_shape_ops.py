"""Shape-moving functions of F (and their layers): pad with PyTorch's convention,
pixel_shuffle / pixel_unshuffle, channel_shuffle, unfold (im2col) and fold (its
adjoint). Values against naive loop oracles written here, first- and second-order
gradient checks in float64, refusals naming the op and the shapes, and a compiled
replay equal to the eager run bit for bit."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn import functional as F


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def check_both(f, *inputs):
    assert am.gradcheck(f, inputs)
    assert am.gradgradcheck(f, inputs)


# -- pad: the oracle -------------------------------------------------------------------------


def pad_oracle(x, pads, mode="constant", value=0.0):
    """PyTorch's pad by loops: the pairs are (left, right) from the last axis back; a
    negative entry crops first, then each padded position reads its source index:
    constant -> value outside, reflect -> mirrored without the edge, replicate ->
    clamped, circular -> modulo (all in the cropped axis)."""
    k = len(pads) // 2
    sides = {x.ndim - 1 - i: (pads[2 * i], pads[2 * i + 1]) for i in range(k)}
    # crop
    index = tuple(slice(max(-lo, 0), x.shape[a] - max(-hi, 0)) if a in sides else slice(None)
                  for a, (lo, hi) in ((a, sides.get(a, (0, 0))) for a in range(x.ndim)))
    y = x[index]
    lead = {a: max(sides.get(a, (0, 0))[0], 0) for a in range(x.ndim)}
    out_shape = tuple(y.shape[a] + max(sides.get(a, (0, 0))[0], 0) + max(sides.get(a, (0, 0))[1], 0)
                      for a in range(x.ndim))
    out = np.empty(out_shape)
    for pos in np.ndindex(*out_shape):
        src, inside = [], True
        for a, j in enumerate(pos):
            m, t = y.shape[a], j - lead[a]
            if 0 <= t < m:
                src.append(t)
            elif mode == "constant":
                inside = False
                break
            elif mode == "reflect":
                src.append(-t if t < 0 else 2 * (m - 1) - t)
            elif mode == "replicate":
                src.append(min(max(t, 0), m - 1))
            else:  # circular
                src.append(t % m)
        out[pos] = y[tuple(src)] if inside else value
    return out


PAD_CASES = [
    ((2, 5), (1, 2), "constant"),
    ((2, 3, 4), (2, 1, 0, 3), "constant"),
    ((2, 3, 4), (-1, 2, 1, -2), "constant"),
    ((2, 3, 4), (0, 0, 0, 0, 1, 1), "constant"),
    ((3,), (2, -1), "constant"),
    ((2, 5), (1, 3), "reflect"),
    ((2, 3, 5), (4, 2), "reflect"),
    ((2, 3, 5), (-1, 2), "reflect"),
    ((2, 3, 4), (2, 1, 1, 2), "reflect"),
    ((1, 2, 4, 4), (3, 0, -1, 2), "reflect"),
    ((1, 2, 3, 4, 3), (1, 2, 2, 1, 0, 2), "reflect"),
    ((2, 4), (5, 1), "replicate"),
    ((1, 2, 3, 4), (2, -2, 3, 1), "replicate"),
    ((2, 3, 2, 2, 2), (1, 0, 2, 2, 3, 1), "replicate"),
    ((2, 4), (4, 1), "circular"),
    ((2, 3, 4), (-1, 2), "circular"),
    ((1, 2, 3, 4), (2, 3, 1, 3), "circular"),
    ((2, 2, 3, 4), (1, 2, 2, 0, -1, 1), "circular"),
]


@pytest.mark.parametrize("shape, pads, mode", PAD_CASES)
def test_pad_matches_the_loop_oracle(shape, pads, mode):
    x = rand(*shape, seed=len(pads))
    value = 1.5 if mode == "constant" else None
    out = F.pad(am.tensor(x), pads, mode=mode, value=value)
    np.testing.assert_array_equal(out.data, pad_oracle(x, pads, mode, value or 0.0))


def test_pad_is_pytorch_convention_not_numpys():
    x = np.arange(6.0).reshape(2, 3)
    # (left, right) of the last axis first, then (top, bottom)
    out = F.pad(x, (1, 0, 0, 2), value=-1.0)
    np.testing.assert_array_equal(out.data, np.pad(x, ((0, 2), (1, 0)), constant_values=-1.0))
    assert F.pad(x, (1, 1)).shape == (2, 5)  # (am.pad(x, (1, 1)) pads both axes: numpy's)
    assert am.pad(x, (1, 1)).shape == (4, 5)
    np.testing.assert_array_equal(F.pad(x, (-1, -1)).data, x[:, 1:2])
    assert F.pad(x, (-2, -1)).shape == (2, 0)  # (constant mode may crop to nothing, as PyTorch)
    assert F.pad(x, ()).shape == (2, 3) and F.pad(np.float64(2.0), ()).shape == ()


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_pad_hypothesis_against_the_oracle(data):
    mode = data.draw(st.sampled_from(["constant", "reflect", "replicate", "circular"]))
    k = data.draw(st.integers(1, 3))
    ndim = data.draw(st.sampled_from([k + 1, k + 2]) if mode != "constant" else st.integers(k, 4))
    shape = tuple(data.draw(st.lists(st.integers(1, 4), min_size=ndim, max_size=ndim)))
    pads = tuple(data.draw(st.lists(st.integers(-3, 4), min_size=2 * k, max_size=2 * k)))
    x = rand(*shape, seed=7)
    try:
        out = F.pad(x, pads, mode=mode)
    except ValueError as e:  # (a refusal names pad and the input's shape)
        assert "pad" in str(e) and str(shape) in str(e)
        # only what PyTorch refuses too, or a pad reaching into the cropped entries
        return
    np.testing.assert_array_equal(out.data, pad_oracle(x, pads, mode))


@pytest.mark.parametrize("mode, shape, pads", [
    ("constant", (2, 3), (1, 2)),
    ("constant", (2, 3, 4), (-1, 2, 1, 0)),
    ("reflect", (2, 4), (2, 3)),
    ("reflect", (1, 2, 3, 4), (1, -1, 2, 1)),
    ("replicate", (2, 3, 3), (2, 1, 3, 0)),
    ("replicate", (1, 1, 2, 2, 3), (1, 0, 0, 2, 1, 1)),
    ("circular", (2, 3), (3, 1)),
    ("circular", (1, 2, 3, 4), (2, 1, -1, 2)),
])
def test_pad_first_and_second_order(mode, shape, pads):
    check_both(lambda t: F.pad(t, pads, mode=mode) ** 2, rand(*shape, seed=3))


PAD_REFUSALS = [
    (dict(x=(2, 3), pad=(1,)), ValueError, r"pad: pad must hold \(left, right\) pairs .* got \(1,\)"),
    (dict(x=(2, 3), pad=(1, 1, 1, 1, 1, 1)), ValueError, r"pad: pad .* has 3 .* 2 axes of input of shape \(2, 3\)"),
    (dict(x=(2, 3), pad=(1.5, 1)), TypeError, r"pad: pad must be a tuple of ints"),
    (dict(x=(2, 3), pad=1), TypeError, r"pad: pad must be a tuple of ints"),
    (dict(x=(2, 3), pad=(True, 1)), TypeError, r"pad: pad must be a tuple of ints"),
    (dict(x=(2, 3), pad=(1, 1), mode="edge"), ValueError, r"pad: mode must be one of .*'edge'"),
    (dict(x=(2, 3), pad=(1, 1), value="reflect"), TypeError, r"pad: value must be a real number"),
    (dict(x=(2, 3), pad=(-2, -2)), ValueError, r"pad: pad \(-2, -2\) leaves -1 entries of axis 1 .*\(2, 3\)"),
    (dict(x=(2, 3), pad=(1, 1), mode="reflect", value=1.0), ValueError, r"pad: mode='reflect' takes its padding from x"),
    (dict(x=(4,), pad=(1, 1), mode="reflect"), ValueError, r"pad: mode='reflect' pads the last 1, 2 or 3 axes .*\(4,\)"),
    (dict(x=(2, 3, 4, 5), pad=(1, 1), mode="replicate"), ValueError, r"pad: mode='replicate' pads .*\(2, 3, 4, 5\)"),
    (dict(x=(2, 3), pad=(1, 1, 1, 1), mode="circular"), ValueError, r"pad: mode='circular' pads .*\(2, 3\)"),
    (dict(x=(1, 1, 2, 3, 4, 5), pad=(1,) * 6, mode="reflect"), ValueError, r"pad: mode='reflect' pads .*\(1, 1, 2, 3, 4, 5\)"),
    (dict(x=(2, 3), pad=(3, 0), mode="reflect"), ValueError, r"pad: mode='reflect' needs each pad smaller than its axis: .* 3 on axis 1 of length 3 .*\(2, 3\)"),
    (dict(x=(2, 3), pad=(4, 0), mode="circular"), ValueError, r"pad: mode='circular' pads at most an axis's length .*\(2, 3\)"),
    (dict(x=(2, 4), pad=(-2, 2), mode="reflect"), ValueError, r"pad: .* after cropping it to 2 .*\(2, 4\).*cropped entries"),
    (dict(x=(2, 4), pad=(3, -2), mode="circular"), ValueError, r"pad: .* after cropping it to 2 .*\(2, 4\).*cropped entries"),
    (dict(x=(2, 3), pad=(-3, 0), mode="replicate"), ValueError, r"pad: pad \(-3, 0\) leaves 0 entries .*needs at least 1"),
    (dict(x=(2, 0), pad=(1, 1), mode="replicate"), ValueError, r"pad: mode='replicate' needs non-empty axes .*\(2, 0\)"),
    (dict(x=(0, 2, 3), pad=(1, 1, 1, 1), mode="reflect"), ValueError, r"pad: mode='reflect' needs non-empty axes .*\(0, 2, 3\)"),
]


@pytest.mark.parametrize("kwargs, error, message", PAD_REFUSALS)
def test_pad_refusals_name_the_op_and_the_shapes_before_recording(kwargs, error, message):
    kwargs = dict(kwargs)
    x = am.tensor(np.ones(kwargs.pop("x")), requires_grad=True)
    with pytest.raises(error, match=message):
        F.pad(x, **kwargs)


def test_pad_of_an_empty_batch_and_zero_pads():
    x = np.zeros((0, 2, 3))
    assert F.pad(x, (1, 1), mode="reflect").shape == (0, 2, 5)  # (the batch axis may be empty)
    assert F.pad(x, (1, 1), mode="circular").shape == (0, 2, 5)
    y = am.tensor(rand(2, 3), requires_grad=True)
    out = F.pad(y, (0, 0), mode="reflect")  # (a new tensor, as am.pad's)
    assert out is not y and np.array_equal(out.data, y.data)


# -- pixel_shuffle, pixel_unshuffle, channel_shuffle ----------------------------------------------


def pixel_shuffle_oracle(x, r):
    *lead, C, H, W = x.shape
    out = np.empty((*lead, C // (r * r), H * r, W * r))
    for c, h, w, i, j in itertools.product(range(C // (r * r)), range(H), range(W), range(r), range(r)):
        out[..., c, h * r + i, w * r + j] = x[..., c * r * r + i * r + j, h, w]
    return out


def channel_shuffle_oracle(x, g):
    C = x.shape[1]
    m = C // g
    out = np.empty_like(x)
    for i in range(m):
        for j in range(g):
            out[:, i * g + j] = x[:, j * m + i]
    return out


@pytest.mark.parametrize("shape, r", [((2, 8, 2, 3), 2), ((9, 1, 2), 3), ((2, 1, 4, 2, 2), 2), ((1, 3, 2, 1), 1)])
def test_pixel_shuffle_and_unshuffle_against_loops(shape, r):
    x = rand(*shape, seed=1)
    out = F.pixel_shuffle(x, r)
    np.testing.assert_array_equal(out.data, pixel_shuffle_oracle(x, r))
    np.testing.assert_array_equal(F.pixel_unshuffle(out, r).data, x)  # (its inverse)
    np.testing.assert_array_equal(nn.PixelShuffle(r)(x).data, out.data)
    np.testing.assert_array_equal(nn.PixelUnshuffle(r)(out).data, x)
    check_both(lambda t: F.pixel_shuffle(t, r) * (np.arange(out.shape[-1]) + 1.0), x)
    check_both(lambda t: F.pixel_unshuffle(t, r) ** 2, out.data)


@pytest.mark.parametrize("shape, g", [((2, 6, 3), 2), ((1, 6, 2, 2), 3), ((2, 4, 1, 2, 1), 4), ((1, 5, 2), 1)])
def test_channel_shuffle_against_loops(shape, g):
    x = rand(*shape, seed=2)
    np.testing.assert_array_equal(F.channel_shuffle(x, g).data, channel_shuffle_oracle(x, g))
    np.testing.assert_array_equal(nn.ChannelShuffle(g)(x).data, channel_shuffle_oracle(x, g))
    check_both(lambda t: F.channel_shuffle(t, g) * np.arange(shape[1]).reshape((-1,) + (1,) * (len(shape) - 2)), x)


def test_channel_shuffle_order_is_pytorchs():
    x = np.arange(6.0).reshape(1, 6, 1)
    np.testing.assert_array_equal(F.channel_shuffle(x, 2).data.ravel(), [0, 3, 1, 4, 2, 5])
    np.testing.assert_array_equal(F.channel_shuffle(x, 3).data.ravel(), [0, 2, 4, 1, 3, 5])


@pytest.mark.parametrize("call, error, message", [
    (lambda x: F.pixel_shuffle(x((8, 3)), 2), ValueError, r"pixel_shuffle: expected input of shape \(\*, C\*r\*r, H, W\), got \(8, 3\)"),
    (lambda x: F.pixel_shuffle(x((2, 6, 3, 3)), 2), ValueError, r"pixel_shuffle: the channels 6 of input of shape \(2, 6, 3, 3\) .* 4"),
    (lambda x: F.pixel_shuffle(x((4, 3, 3)), 0), ValueError, r"pixel_shuffle: upscale_factor must be positive, got 0"),
    (lambda x: F.pixel_shuffle(x((4, 3, 3)), 2.0), TypeError, r"pixel_shuffle: upscale_factor must be an int"),
    (lambda x: F.pixel_unshuffle(x((2, 5, 4)), 2), ValueError, r"pixel_unshuffle: height 5 and width 4 of input of shape \(2, 5, 4\)"),
    (lambda x: F.pixel_unshuffle(x((4, 4)), 2), ValueError, r"pixel_unshuffle: expected input .* got \(4, 4\)"),
    (lambda x: F.pixel_unshuffle(x((1, 4, 4)), -1), ValueError, r"pixel_unshuffle: downscale_factor must be positive"),
    (lambda x: F.channel_shuffle(x((2, 6)), 2), ValueError, r"channel_shuffle: expected input .* got \(2, 6\)"),
    (lambda x: F.channel_shuffle(x((2, 5, 3)), 2), ValueError, r"channel_shuffle: the channels 5 of input of shape \(2, 5, 3\) .* groups 2"),
    (lambda x: F.channel_shuffle(x((2, 4, 3)), 0), ValueError, r"channel_shuffle: groups must be positive"),
    (lambda x: nn.ChannelShuffle(True), TypeError, r"ChannelShuffle: groups must be an int"),
    (lambda x: nn.PixelShuffle(0), ValueError, r"PixelShuffle: upscale_factor must be positive"),
])
def test_shuffle_refusals(call, error, message):
    with pytest.raises(error, match=message):
        call(lambda shape: am.tensor(np.ones(shape), requires_grad=True))


# -- unfold and fold ---------------------------------------------------------------------------


def unfold_oracle(x, k, d, p, s):
    N, C, H, W = x.shape
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = k, d, p, s
    xp = np.zeros((N, C, H + 2 * ph, W + 2 * pw))
    xp[:, :, ph:ph + H, pw:pw + W] = x
    OH = (H + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    OW = (W + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((N, C * kh * kw, OH * OW))
    for n, c, a, b, i, j in itertools.product(range(N), range(C), range(kh), range(kw), range(OH), range(OW)):
        out[n, (c * kh + a) * kw + b, i * OW + j] = xp[n, c, i * sh + a * dh, j * sw + b * dw]
    return out


def fold_oracle(cols, size, k, d, p, s):
    N, CK, L = cols.shape
    (H, W), (kh, kw), (dh, dw), (ph, pw), (sh, sw) = size, k, d, p, s
    C = CK // (kh * kw)
    OW = (W + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((N, C, H + 2 * ph, W + 2 * pw))
    for n, c, a, b, l in itertools.product(range(N), range(C), range(kh), range(kw), range(L)):
        i, j = divmod(l, OW)
        out[n, c, i * sh + a * dh, j * sw + b * dw] += cols[n, (c * kh + a) * kw + b, l]
    return out[:, :, ph:ph + H, pw:pw + W]


WINDOWS = [  # (input shape, kernel, dilation, padding, stride)
    ((2, 3, 4, 5), (2, 2), (1, 1), (0, 0), (1, 1)),
    ((1, 2, 5, 6), (3, 2), (1, 2), (1, 0), (2, 1)),
    ((2, 1, 6, 5), (2, 3), (2, 1), (0, 2), (1, 3)),
    ((1, 2, 3, 3), (1, 1), (1, 1), (1, 1), (2, 2)),
]


@pytest.mark.parametrize("shape, k, d, p, s", WINDOWS)
def test_unfold_and_fold_against_loops_and_each_others_adjoint(shape, k, d, p, s):
    x = rand(*shape, seed=4)
    cols = F.unfold(x, k, d, p, s)
    np.testing.assert_array_equal(cols.data, unfold_oracle(x, k, d, p, s))
    y = rand(*cols.shape, seed=5)
    back = F.fold(y, shape[-2:], k, d, p, s)
    np.testing.assert_allclose(back.data, fold_oracle(y, shape[-2:], k, d, p, s), rtol=1e-13, atol=1e-13)
    # <unfold(x), y> = <x, fold(y)>
    np.testing.assert_allclose(np.vdot(cols.data, y), np.vdot(x, back.data), rtol=1e-12)
    # one image (C, H, W) <-> (C*kh*kw, L); the layers call the functions
    np.testing.assert_array_equal(F.unfold(x[0], k, d, p, s).data, cols.data[0])
    np.testing.assert_array_equal(F.fold(y[0], shape[-2:], k, d, p, s).data, back.data[0])
    np.testing.assert_array_equal(nn.Unfold(k, d, p, s)(x).data, cols.data)
    np.testing.assert_array_equal(nn.Fold(shape[-2:], k, d, p, s)(y).data, back.data)


@pytest.mark.parametrize("shape, k, d, p, s", WINDOWS[1:])
def test_unfold_and_fold_first_and_second_order(shape, k, d, p, s):
    x = rand(*shape, seed=6)
    check_both(lambda t: F.unfold(t, k, d, p, s) ** 2, x)
    cols = rand(*F.unfold(x, k, d, p, s).shape, seed=7)
    check_both(lambda t: F.fold(t, shape[-2:], k, d, p, s) ** 2, cols)


def test_conv2d_is_a_matrix_product_with_unfold():
    x, w = rand(2, 3, 5, 6, seed=8), rand(4, 3, 2, 3, seed=9)
    cols = F.unfold(x, (2, 3), dilation=(2, 1), padding=1, stride=(1, 2))  # (2, 18, L)
    out = (am.tensor(w.reshape(4, -1)) @ cols).reshape(2, 4, 5, 3)
    ref = F.conv2d(x, w, stride=(1, 2), padding=1, dilation=(2, 1))
    np.testing.assert_allclose(out.data, ref.data, rtol=1e-12, atol=1e-12)
    # and fold(unfold(x)) counts each pixel's windows
    ones = np.ones((1, 1, 4, 4))
    np.testing.assert_array_equal(F.fold(F.unfold(ones, 3), 4, 3).data[0, 0],
                                  [[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]])


def test_unfold_and_fold_of_an_empty_batch():
    assert F.unfold(np.zeros((0, 2, 3, 3)), 2).shape == (0, 8, 4)
    assert F.fold(np.zeros((0, 8, 4)), 3, 2).shape == (0, 2, 3, 3)


@pytest.mark.parametrize("call, error, message", [
    (lambda x: F.unfold(x((4, 5)), 2), ValueError, r"unfold: expected input of shape \(N, C, H, W\) or \(C, H, W\), got \(4, 5\)"),
    (lambda x: F.unfold(x((1, 3, 2, 2)), 3), ValueError, r"unfold: input of shape \(1, 3, 2, 2\) with kernel_size=\(3, 3\).* no sliding block"),
    (lambda x: F.unfold(x((1, 3, 2, 2)), 0), ValueError, r"unfold: kernel_size must be at least 1"),
    (lambda x: F.unfold(x((1, 3, 2, 2)), 2, stride=0), ValueError, r"unfold: stride must be at least 1"),
    (lambda x: F.unfold(x((1, 3, 2, 2)), 2, padding=-1), ValueError, r"unfold: padding must be at least 0"),
    (lambda x: F.unfold(x((1, 3, 2, 2)), (2, 2, 2)), TypeError, r"unfold: kernel_size must be an int or a pair"),
    (lambda x: F.unfold(x((1, 0, 2, 2)), 1), ValueError, r"unfold: input of shape \(1, 0, 2, 2\) has an empty"),
    (lambda x: F.fold(x((12,)), (3, 4), 2), ValueError, r"fold: expected input of shape \(N, C\*kh\*kw, L\) .* got \(12,\)"),
    (lambda x: F.fold(x((2, 13, 6)), (3, 4), 2), ValueError, r"fold: the size 13 of axis -2 of input of shape \(2, 13, 6\) .* kh\*kw = 4"),
    (lambda x: F.fold(x((2, 12, 5)), (3, 4), 2), ValueError, r"fold: input of shape \(2, 12, 5\) has 5 blocks, but output_size=\(3, 4\) .* 2 \* 3 = 6"),
    (lambda x: F.fold(x((2, 12, 6)), (1, 1), 2), ValueError, r"fold: input of shape \(2, 12, 6\) has 6 blocks"),
    (lambda x: F.fold(x((2, 12, 6)), (3, 4), 2, padding=-1), ValueError, r"fold: padding must be at least 0"),
    (lambda x: nn.Unfold(2, stride=0), ValueError, r"Unfold: stride must be at least 1"),
    (lambda x: nn.Fold(0, 2), ValueError, r"Fold: output_size must be at least 1"),
])
def test_unfold_and_fold_refusals(call, error, message):
    with pytest.raises(error, match=message):
        call(lambda shape: am.tensor(np.ones(shape), requires_grad=True))


def test_the_layers_reprs_are_pytorchs():
    assert repr(nn.PixelShuffle(2)) == "PixelShuffle(upscale_factor=2)"
    assert repr(nn.PixelUnshuffle(3)) == "PixelUnshuffle(downscale_factor=3)"
    assert repr(nn.ChannelShuffle(2)) == "ChannelShuffle(groups=2)"
    assert repr(nn.Unfold((2, 3), dilation=2, padding=1, stride=(1, 2))) == \
        "Unfold(kernel_size=(2, 3), dilation=2, padding=1, stride=(1, 2))"
    assert repr(nn.Fold((4, 5), 2)) == "Fold(output_size=(4, 5), kernel_size=2, dilation=1, padding=0, stride=1)"


# -- am.compile: the replay equals the eager run -------------------------------------------------


def test_compiled_shape_ops_replay_bit_for_bit():
    am.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(2, 8, 3, padding=1), nn.PixelShuffle(2), nn.ChannelShuffle(2),
                          nn.Unfold(2, stride=2), nn.Fold((8, 8), 2, stride=2), nn.PixelUnshuffle(2))

    def loss(x):
        y = model(F.pad(x, (1, 1, 1, 1), mode="reflect"))
        z = F.pad(y, (-1, 2, 1, 0), mode="circular") + F.pad(y, (1, 0, 0, 1), value=0.5)
        return (F.pad(z.reshape(16, 5, 5), (2, 1), mode="replicate") ** 2).mean()

    step = am.compile(loss)
    for seed in range(3):
        outs = []
        for f in (loss, step):
            x = am.tensor(rand(2, 2, 2, 2, seed=seed), requires_grad=True)
            model.zero_grad()
            out = f(x)
            out.backward()
            outs.append((out.data.copy(), [x.grad.data.copy()] + [p.grad.data.copy() for p in model.parameters()]))
        (la, ga), (lb, gb) = outs
        assert la.dtype == lb.dtype and np.array_equal(la, lb)
        for a, b in zip(ga, gb):
            assert a.dtype == b.dtype and np.array_equal(a, b)
    assert step.recordings == 1


def test_float32_stays_float32():
    x = am.tensor(rand(1, 4, 3, 3).astype(np.float32))
    assert F.pad(x, (1, 1, 1, 1), mode="reflect").dtype == np.float32
    assert F.pad(x, (1, 1), value=0.5).dtype == np.float32
    assert F.pixel_shuffle(x, 2).dtype == np.float32
    assert F.fold(F.unfold(x, 2), 3, 2).dtype == np.float32
    assert re.search("pad", F.pad.__doc__)
