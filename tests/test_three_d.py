"""The volumetric family (F.conv3d, max_pool3d, avg_pool3d, adaptive_avg_pool3d, dropout3d and
nn.Conv3d, MaxPool3d, AvgPool3d, AdaptiveAvgPool3d, BatchNorm3d, Dropout3d): values and indices
against naive loops written here, first and second derivatives in float64 on several shapes,
refusals naming the 3-D op and the caller's shapes, and a compiled replay equal to eager bit
for bit."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn import functional as F

from test_one_d import check_both, compiled_matches_eager, rand  # (one copy of the helpers for the 1-D and 3-D families)
from test_pool_more import _out_len as out_len  # (one output-length rule for 1-D, 2-D and 3-D)

FEW = settings(max_examples=5, deadline=None)


# -- naive loops ---------------------------------------------------------------------------


def naive_conv3d(x, w, b, s, pads, d, G):
    """pads: ((front, back), (top, bottom), (left, right))."""
    x = np.pad(x, ((0, 0), (0, 0)) + tuple(pads))
    N, C = x.shape[:2]
    O, Cg, *k = w.shape
    outs = [(n - d_ * (k_ - 1) - 1) // s_ + 1 for n, k_, s_, d_ in zip(x.shape[2:], k, s, d)]
    out = np.zeros((N, O) + tuple(outs))
    for n, o, i, j, l in np.ndindex(N, O, *outs):
        g = o // (O // G)
        for c, a, bb, e in np.ndindex(Cg, *k):
            out[n, o, i, j, l] += w[o, c, a, bb, e] * x[n, g * Cg + c, i * s[0] + a * d[0], j * s[1] + bb * d[1],
                                                        l * s[2] + e * d[2]]
    return out + (0 if b is None else b[:, None, None, None])


def naive_max_pool3d(x, k, s, p, d, ceil):
    """PyTorch's loop: scan each window over the entries inside the volume, keep an entry if
    greater than the best so far; the flat index of the one kept."""
    N, C, *size = x.shape
    outs = [out_len(n, *a, ceil) for n, a in zip(size, zip(k, s, p, d))]
    out, idx = np.empty((N, C) + tuple(outs)), np.zeros((N, C) + tuple(outs), np.int64)
    for n, c, *o in np.ndindex(N, C, *outs):
        best = None
        for off in np.ndindex(*k):
            pos = [o_ * s_ - p_ + f * d_ for o_, s_, p_, f, d_ in zip(o, s, p, off, d)]
            if all(0 <= q < m for q, m in zip(pos, size)):
                v = x[(n, c) + tuple(pos)]
                if best is None or v > best:
                    best, idx[(n, c) + tuple(o)] = v, (pos[0] * size[1] + pos[1]) * size[2] + pos[2]
        out[(n, c) + tuple(o)] = best
    return out, idx


def naive_avg_pool3d(x, k, s, p, ceil, include_pad, divisor):
    N, C, *size = x.shape
    outs = [out_len(n, *a, 1, ceil) for n, a in zip(size, zip(k, s, p))]
    out = np.zeros((N, C) + tuple(outs))
    for o in np.ndindex(*outs):
        lo = [o_ * s_ - p_ for o_, s_, p_ in zip(o, s, p)]
        hi = [a + k_ for a, k_ in zip(lo, k)]
        box = tuple(slice(max(a, 0), min(b, m)) for a, b, m in zip(lo, hi, size))
        if divisor:
            count = divisor
        elif include_pad:
            count = np.prod([min(b, m + p_) - a for a, b, m, p_ in zip(lo, hi, size, p)])
        else:
            count = np.prod([sl.stop - sl.start for sl in box])
        out[(slice(None), slice(None)) + o] = x[(slice(None), slice(None)) + box].sum(axis=(2, 3, 4)) / count
    return out


def naive_adaptive_avg3d(x, outs):
    size = x.shape[2:]
    out = np.zeros(x.shape[:2] + tuple(outs))
    for o in np.ndindex(*outs):
        box = tuple(slice(i * n // m, -(-(i + 1) * n // m)) for i, n, m in zip(o, size, outs))
        out[(slice(None), slice(None)) + o] = x[(slice(None), slice(None)) + box].mean(axis=(2, 3, 4))
    return out


# -- values against the loops ----------------------------------------------------------------

CONVS = [  # (C, O, G, kernel, stride, padding, dilation)
    (2, 3, 1, (2, 2, 2), 1, 0, 1),
    (2, 2, 1, (3, 1, 2), (2, 1, 2), (1, 0, 1), (1, 2, 1)),
    (4, 6, 2, (2, 3, 2), 1, "same", (2, 1, 1)),
    (3, 3, 3, (1, 2, 3), (1, 2, 1), "valid", 1),
]


@pytest.mark.parametrize("C, O, G, k, s, p, d", CONVS)
def test_conv3d_matches_the_loop(C, O, G, k, s, p, d):
    x, w, b = rand(2, C, 4, 5, 6, seed=1), rand(O, C // G, *k, seed=2), rand(O, seed=3)
    s3, d3 = (s,) * 3 if isinstance(s, int) else s, (d,) * 3 if isinstance(d, int) else d
    if p == "same":
        pads = [(t // 2, t - t // 2) for t in (dd * (kk - 1) for kk, dd in zip(k, d3))]
    elif p == "valid":
        pads = [(0, 0)] * 3
    else:
        pads = [(q, q) for q in ((p,) * 3 if isinstance(p, int) else p)]
    want = naive_conv3d(x, w, b, s3, pads, d3, G)
    np.testing.assert_allclose(F.conv3d(x, w, b, s, p, d, G).data, want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(F.conv3d(x[1], w, None, s, p, d, G).data, want[1] - b[:, None, None, None],
                               rtol=1e-12, atol=1e-12)  # one volume (C, D, H, W)
    if p == "same":
        assert want.shape[2:] == x.shape[2:]


POOLS = [  # (size, kernel, stride, padding, dilation, ceil_mode)
    ((4, 5, 6), (2, 2, 2), None, 0, 1, False),
    ((5, 5, 4), (3, 2, 2), (2, 1, 2), (1, 1, 0), 1, False),
    ((5, 6, 5), 3, 2, 1, 1, True),
    ((6, 5, 7), (2, 3, 2), 2, (1, 1, 1), (2, 1, 2), True),
    ((3, 4, 5), 2, 1, 1, (1, 2, 1), False),
]


def _t(v):
    return (v,) * 3 if isinstance(v, int) else v


@pytest.mark.parametrize("size, k, s, p, d, ceil", POOLS)
def test_max_pool3d_and_its_indices_match_the_loop(size, k, s, p, d, ceil):
    x = rand(2, 2, *size, seed=sum(size))
    out, idx = F.max_pool3d(x, k, s, p, d, ceil, return_indices=True)
    want, want_idx = naive_max_pool3d(x, _t(k), _t(s or k), _t(p), _t(d), ceil)
    np.testing.assert_array_equal(out.data, want)
    np.testing.assert_array_equal(idx.data, want_idx)
    assert idx.dtype == np.int64
    np.testing.assert_array_equal(F.max_pool3d(x, k, s, p, d, ceil).data, want)
    one, one_idx = F.max_pool3d(x[0], k, s, p, d, ceil, return_indices=True)
    np.testing.assert_array_equal(one.data, want[0])
    np.testing.assert_array_equal(one_idx.data, want_idx[0])


@pytest.mark.parametrize("size, k, s, p, d, ceil", [c for c in POOLS if c[4] == 1])
@pytest.mark.parametrize("include_pad, divisor", [(True, None), (False, None), (True, 5)])
def test_avg_pool3d_matches_the_loop(size, k, s, p, d, ceil, include_pad, divisor):
    x = rand(2, 2, *size, seed=sum(size))
    want = naive_avg_pool3d(x, _t(k), _t(s or k), _t(p), ceil, include_pad, divisor)
    np.testing.assert_allclose(F.avg_pool3d(x, k, s, p, ceil, include_pad, divisor).data, want, rtol=1e-13,
                               atol=1e-15)
    np.testing.assert_allclose(F.avg_pool3d(x[1], k, s, p, ceil, include_pad, divisor).data, want[1],
                               rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("outs", [1, (2, 3, 4), (3, None, 2), (4, 5, 6), (5, 2, 3)])
def test_adaptive_avg_pool3d_matches_the_loop(outs):
    x = rand(2, 3, 4, 5, 6, seed=7)
    full = tuple(n if o is None else o for n, o in zip(x.shape[2:], _t(outs)))
    want = naive_adaptive_avg3d(x, full)
    np.testing.assert_allclose(F.adaptive_avg_pool3d(x, outs).data, want, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(F.adaptive_avg_pool3d(x[0], outs).data, want[0], rtol=1e-13, atol=1e-15)


def test_max_pool3d_indices_follow_pytorchs_nan_rule():
    x = rand(1, 1, 4, 4, 4, seed=2)
    x[0, 0, 0, 0, 1] = x[0, 0, 1, 1, 0] = np.nan  # (two NaNs in the first window: the last wins)
    out, idx = F.max_pool3d(x, 2, return_indices=True)
    assert np.isnan(out.data[0, 0, 0, 0, 0]) and idx.data[0, 0, 0, 0, 0] == 1 * 16 + 1 * 4 + 0


def test_integer_and_float32_volumes_keep_their_dtypes():
    xi = np.arange(2 * 4 * 4 * 4).reshape(1, 2, 4, 4, 4) - 40
    assert F.max_pool3d(xi, 2, padding=1).dtype == xi.dtype
    np.testing.assert_array_equal(F.max_pool3d(xi, 2, padding=1).data,
                                  naive_max_pool3d(xi.astype(float), (2,) * 3, (2,) * 3, (1,) * 3, (1,) * 3, False)[0])
    assert F.avg_pool3d(xi, 2).dtype == np.float64
    x32 = rand(1, 2, 4, 4, 4).astype(np.float32)
    for out in (F.conv3d(x32, rand(2, 2, 2, 2, 2).astype(np.float32)), F.max_pool3d(x32, 2), F.avg_pool3d(x32, 3, 1, 1),
                F.adaptive_avg_pool3d(x32, 3), nn.Conv3d(2, 2, 2, dtype=np.float32)(x32)):
        assert out.dtype == np.float32


def test_dropout3d_drops_whole_channels_and_is_the_identity_in_eval():
    am.manual_seed(0)
    x = np.ones((4, 6, 2, 3, 2))
    y = F.dropout3d(x, 0.5).data
    per_channel = y.reshape(4, 6, -1)
    assert set(np.unique(y)) <= {0.0, 2.0}
    assert (per_channel.min(axis=-1) == per_channel.max(axis=-1)).all()  # (a channel whole)
    assert 0 < (per_channel[..., 0] == 0).sum() < 24
    one = F.dropout3d(x[0], 0.5).data  # (C, D, H, W): one volume
    assert (one.reshape(6, -1).min(axis=-1) == one.reshape(6, -1).max(axis=-1)).all()
    assert F.dropout3d(x, 0.5, training=False).data is x or np.array_equal(F.dropout3d(x, 0.5, False).data, x)
    layer = nn.Dropout3d(0.3).eval()
    np.testing.assert_array_equal(layer(x).data, x)


# -- first and second derivatives --------------------------------------------------------------


@pytest.mark.parametrize("C, O, G, k, s, p, d", CONVS)
def test_conv3d_first_and_second_order(C, O, G, k, s, p, d):
    x, w, b = rand(1, C, 3, 4, 4, seed=4), rand(O, C // G, *k, seed=5), rand(O, seed=6)
    check_both(lambda x_, w_, b_: F.conv3d(x_, w_, b_, s, p, d, G), x, w, b)


@FEW
@given(st.integers(2, 4), st.integers(2, 4), st.integers(2, 4), st.integers(1, 2), st.integers(1, 2),
       st.integers(0, 1), st.booleans())
def test_pools_first_and_second_order_on_drawn_shapes(D, H, W, k, s, p, ceil):
    k = k + p  # (padding at most half the kernel)
    if min(D, H, W) + 2 * p < k:
        return
    x = rand(1, 2, D, H, W, seed=D * 9 + H * 3 + W)
    check_both(lambda t: F.max_pool3d(t, k, s, p, 1, ceil), x)
    check_both(lambda t: F.avg_pool3d(t, k, s, p, ceil, False), x)
    check_both(lambda t: F.adaptive_avg_pool3d(t, (2, 3, None)), x)


def test_max_pool3d_dilated_and_unbatched_first_and_second_order():
    check_both(lambda t: F.max_pool3d(t, (2, 3, 2), (1, 2, 1), (1, 1, 0), (2, 1, 1), True), rand(2, 4, 5, 3, seed=8))
    check_both(lambda t: F.avg_pool3d(t, 2, 1, 1, divisor_override=3), rand(2, 3, 2, 3, seed=9))


# -- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize("call, message", [
    (lambda: F.conv3d(rand(1, 3, 4, 4, 4), rand(2, 2, 2, 2, 2)),
     r"conv3d: input of shape \(1, 3, 4, 4, 4\) has 3 channels, but weight of shape \(2, 2, 2, 2, 2\)"),
    (lambda: F.conv3d(rand(2, 1, 3, 4), rand(2, 2, 2, 2, 2)),
     r"conv3d: input of shape \(2, 1, 3, 4\) \(padded spatial size \(1, 3, 4\)\) is smaller than the kernel"),
    (lambda: F.conv3d(rand(1, 2, 4, 4, 4), rand(2, 2, 2, 2)), r"conv3d: weight must have shape \(O, C/groups"),
    (lambda: F.conv3d(rand(2, 4, 4), rand(2, 2, 2, 2, 2)), r"conv3d: expected input of shape \(N, C, D, H, W\)"),
    (lambda: F.conv3d(rand(1, 2, 4, 4, 4), rand(3, 1, 2, 2, 2), groups=2), r"conv3d: groups=2 must divide"),
    (lambda: F.conv3d(rand(1, 2, 4, 4, 4), rand(2, 2, 2, 2, 2), rand(3)), r"conv3d: bias must have shape \(2,\)"),
    (lambda: F.conv3d(rand(1, 2, 4, 4, 4), rand(2, 2, 2, 2, 2), stride=2, padding="same"),
     r"conv3d: padding='same' needs stride 1"),
    (lambda: F.conv3d(rand(1, 2, 4, 4, 4), rand(2, 2, 2, 2, 2), stride=(1, 2)), r"conv3d: stride must be an int"),
    (lambda: F.max_pool3d(rand(1, 1, 2, 5, 5), 3),
     r"max_pool3d: input of shape \(1, 1, 2, 5, 5\) \(padded spatial size \(2, 5, 5\)\) is smaller"),
    (lambda: F.max_pool3d(rand(1, 1, 4, 4, 4), 2, padding=2), r"max_pool3d: padding \(2, 2, 2\) must be at most half"),
    (lambda: F.avg_pool3d(rand(1, 1, 1, 4, 4), 3, 1, ceil_mode=True), r"avg_pool3d: input of shape \(1, 1, 1, 4, 4\) is too small"),
    (lambda: F.avg_pool3d(rand(1, 1, 4, 4, 4), 2, divisor_override=0), r"avg_pool3d: divisor_override must not be zero"),
    (lambda: F.adaptive_avg_pool3d(rand(1, 1, 0, 4, 4), 2), r"adaptive_avg_pool3d: expected an input with non-zero"),
    (lambda: F.adaptive_avg_pool3d(rand(1, 1, 3, 4, 4), (2, 2)), r"adaptive_avg_pool3d: output_size must be"),
    (lambda: F.dropout3d(rand(2, 3, 4), 0.5), r"dropout3d: expected input of shape \(N, C, D, H, W\)"),
    (lambda: nn.Conv3d(2, 3, 2)(rand(1, 3, 4, 4, 4)), r"Conv3d\(2→3, 2×2×2\): expected input with 2 channels, got shape"),
    (lambda: nn.Conv3d(2, 3, 3)(rand(2, 2, 4, 4)), r"Conv3d\(2→3, 3×3×3\): input of shape \(2, 2, 4, 4\) "
     r"\(padded spatial size \(2, 4, 4\)\) is smaller"),
    (lambda: nn.Conv3d(3, 2, 2, groups=2), r"groups=2 must divide in_channels=3"),
    (lambda: nn.MaxPool3d(2)(rand(2, 3, 4)), r"MaxPool3d\(2\): expected input of shape"),
    (lambda: nn.AvgPool3d(2, padding=(1, 2, 1)), r"AvgPool3d: padding \(1, 2, 1\) must be at most half"),
    (lambda: nn.BatchNorm3d(3)(rand(2, 3, 4, 4)), r"BatchNorm3d\(3\): expected input of shape \(N, C, D, H, W\) with C=3"),
])
def test_bad_input_is_refused_naming_the_op_and_the_shapes(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_a_refused_call_records_nothing_on_its_inputs():
    x = am.tensor(rand(1, 3, 4, 4, 4), requires_grad=True)
    with pytest.raises(ValueError):
        F.conv3d(x, rand(2, 2, 2, 2, 2))
    y = (x * 1.0).sum()
    y.backward()
    np.testing.assert_array_equal(x.grad.data, np.ones(x.shape))


# -- the layers ------------------------------------------------------------------------------------


def test_conv3d_layer_shapes_initialisation_and_padding_modes():
    am.manual_seed(0)
    m = nn.Conv3d(4, 6, (2, 3, 1), groups=2)
    assert m.weight.shape == (6, 2, 2, 3, 1) and m.bias.shape == (6,)
    bound = 1 / math.sqrt(2 * 2 * 3 * 1)
    assert np.abs(m.weight.data).max() <= bound and np.abs(m.bias.data).max() <= bound
    assert m.kernel_size == (2, 3, 1) and m.stride == (1, 1, 1) and m.padding == (0, 0, 0)
    assert nn.Conv3d(2, 2, 3, bias=False).bias is None
    assert repr(nn.Conv3d(4, 6, 3, padding=(1, 0, 1), dilation=2)).startswith(
        "Conv3d(4, 6, kernel_size=(3, 3, 3), stride=(1, 1, 1), padding=(1, 0, 1), dilation=(2, 2, 2))")
    x = rand(1, 2, 3, 4, 4, seed=3)
    for mode, np_mode in [("reflect", "reflect"), ("replicate", "edge"), ("circular", "wrap")]:
        c = nn.Conv3d(2, 3, 3, padding=1, padding_mode=mode)
        padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1), (1, 1)), mode=np_mode)
        np.testing.assert_allclose(c(x).data, F.conv3d(padded, c.weight, c.bias).data, rtol=1e-13)
    same = nn.Conv3d(2, 3, (2, 3, 2), padding="same")
    assert same(x).shape == (1, 3, 3, 4, 4)


def test_pool_layers_keep_their_arguments_as_given_and_match_F():
    x = rand(2, 3, 5, 4, 6, seed=4)
    m = nn.MaxPool3d(3, 2, 1, ceil_mode=True)
    assert (m.kernel_size, m.stride, m.padding) == (3, 2, 1)
    assert repr(m) == "MaxPool3d(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=True)"
    np.testing.assert_array_equal(m(x).data, F.max_pool3d(x, 3, 2, 1, ceil_mode=True).data)
    out, idx = nn.MaxPool3d(2, return_indices=True)(x)
    np.testing.assert_array_equal(idx.data, F.max_pool3d(x, 2, return_indices=True)[1].data)
    a = nn.AvgPool3d((2, 1, 2), count_include_pad=False, divisor_override=3)
    assert repr(a) == "AvgPool3d(kernel_size=(2, 1, 2), stride=(2, 1, 2), padding=0)"
    np.testing.assert_array_equal(a(x).data, F.avg_pool3d(x, (2, 1, 2), None, 0, False, False, 3).data)
    g = nn.AdaptiveAvgPool3d((2, None, 1))
    assert repr(g) == "AdaptiveAvgPool3d(output_size=(2, None, 1))" and g(x).shape == (2, 3, 2, 4, 1)
    assert nn.AdaptiveAvgPool3d(1)(x[0]).shape == (3, 1, 1, 1)


def test_batchnorm3d_normalises_over_n_d_h_w_and_tracks_running_statistics():
    x = rand(3, 2, 2, 3, 2, seed=5) * 2 + 1
    bn = nn.BatchNorm3d(2)
    y = bn(x).data
    mean, var = x.mean(axis=(0, 2, 3, 4)), x.var(axis=(0, 2, 3, 4))
    np.testing.assert_allclose(y, (x - mean[:, None, None, None]) / np.sqrt(var[:, None, None, None] + 1e-5),
                               rtol=1e-12, atol=1e-12)
    n = x.size // 2
    np.testing.assert_allclose(bn.running_mean.data, 0.1 * mean, rtol=1e-12)
    np.testing.assert_allclose(bn.running_var.data, 0.9 + 0.1 * var * n / (n - 1), rtol=1e-12)
    assert bn.weight.shape == (2,) and int(bn.num_batches_tracked.data) == 1


# -- am.compile: the replay equals eager ---------------------------------------------------------


def test_a_compiled_3d_network_replays_the_eager_values_and_gradients_bit_for_bit():
    am.manual_seed(4)
    conv = nn.Conv3d(2, 4, 3, padding=1).double()
    grouped = nn.Conv3d(4, 2, 2, groups=2, padding="same").double()
    bn = nn.BatchNorm3d(2).double().eval()  # (training would update the buffers: not compiled)
    bn.running_mean.data[...], bn.running_var.data[...] = [0.2, -0.1], [1.5, 0.7]
    params = list(conv.parameters()) + list(grouped.parameters()) + list(bn.parameters())

    def loss(x):
        h, idx = F.max_pool3d(conv(x).relu(), 3, 2, 1, ceil_mode=True, return_indices=True)
        h = bn(grouped(h)) + F.avg_pool3d(h, 2, 1, 1, False, False)[:, :2, :1, :1, :1]
        h = F.adaptive_avg_pool3d(h, (2, 1, 3)) * idx.astype(np.float64).mean()
        return (F.dropout3d(h, 0.3, training=False) ** 2).mean()

    shapes = [(2, 2, 4, 5, 5)] * 2 + [(1, 2, 3, 4, 5)] * 2
    compiled_matches_eager(loss, params, [rand(*shape, seed=seed) for seed, shape in enumerate(shapes)], recordings=2)
