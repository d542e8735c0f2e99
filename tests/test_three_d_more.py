"""The rest of the volumetric family (F.conv_transpose3d, adaptive_max_pool3d, max_unpool3d,
interpolate on (N, C, D, H, W) with 'nearest', 'nearest-exact' and 'trilinear', and
nn.ConvTranspose3d, AdaptiveMaxPool3d, MaxUnpool3d, InstanceNorm3d, Upsample): values and
indices against naive loops written here, conv_transpose3d as conv3d's adjoint, first and
second derivatives in float64 on several shapes, refusals naming the op and the shapes, and a
compiled replay equal to eager bit for bit."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn import functional as F

from test_one_d import check_both, compiled_matches_eager, rand

FEW = settings(max_examples=5, deadline=None)


# -- naive loops ---------------------------------------------------------------------------


def naive_conv_transpose3d(x, w, b, s, p, op, G, d):
    """Scatter each input entry's kernel-weighted copy, then crop the padding."""
    N, C, *size = x.shape
    _, Og, *k = w.shape
    O, Cg = Og * G, C // G
    full = [(n - 1) * s_ + d_ * (k_ - 1) + 1 + o_ for n, s_, d_, k_, o_ in zip(size, s, d, k, op)]
    out = np.zeros((N, O) + tuple(f + p_ for f, p_ in zip(full, p)))  # (room for output_padding past the crop)
    for n, c, i, j, l in np.ndindex(N, C, *size):
        g = c // Cg
        for o, a, bb, e in np.ndindex(Og, *k):
            out[n, g * Og + o, i * s[0] + a * d[0], j * s[1] + bb * d[1], l * s[2] + e * d[2]] += \
                x[n, c, i, j, l] * w[c, o, a, bb, e]
    outs = [f - 2 * p_ for f, p_ in zip(full, p)]
    out = out[(slice(None), slice(None)) + tuple(slice(p_, p_ + o_) for p_, o_ in zip(p, outs))]
    return out + (0 if b is None else b[:, None, None, None])


def bins(n, o):
    return [(i * n // o, -(-(i + 1) * n // o)) for i in range(o)]


def naive_adaptive_max3d(x, outs):
    """PyTorch's loop: scan each bin, keep an entry if greater than the best so far (or NaN)."""
    N, C, D, H, W = x.shape
    out, idx = np.empty((N, C) + outs), np.zeros((N, C) + outs, np.int64)
    for n, c, i, j, l in np.ndindex(N, C, *outs):
        (z0, z1), (y0, y1), (x0, x1) = bins(D, outs[0])[i], bins(H, outs[1])[j], bins(W, outs[2])[l]
        best, where = None, 0
        if True:
            for z in range(z0, z1):
                for y in range(y0, y1):
                    for xx in range(x0, x1):
                        v = x[n, c, z, y, xx]
                        if best is None or v > best or np.isnan(v):
                            best, where = v, (z * H + y) * W + xx
            out[n, c, i, j, l], idx[n, c, i, j, l] = best, where
    return out, idx


def naive_max_unpool3d(x, idx, outs):
    N, C = x.shape[:2]
    out = np.zeros((N, C, int(np.prod(outs))))
    for n, c in np.ndindex(N, C):
        for v, k in zip(x[n, c].ravel(), idx[n, c].ravel()):  # (the last write wins)
            out[n, c, k] = v
    return out.reshape((N, C) + tuple(outs))


def nearest_source(n_in, n_out, exact):
    """PyTorch's source index (float32 arithmetic, no shortcut in its 3-D kernel)."""
    s = np.float32(n_in) / np.float32(n_out)
    return [min(int(np.floor((np.float32(i) + np.float32(0.5 if exact else 0)) * s)), n_in - 1) for i in range(n_out)]


def linear_taps(n_in, n_out, align):
    """Per output position: (i0, i1, w0, w1), PyTorch's trilinear coordinates along one axis."""
    taps = []
    for i in range(n_out):
        if align:
            src = i * (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
        else:
            src = max((i + 0.5) * n_in / n_out - 0.5, 0.0)
        i0 = min(int(math.floor(src)), n_in - 1)
        i1 = min(i0 + 1, n_in - 1)
        w1 = src - i0
        taps.append((i0, i1, 1 - w1, w1))
    return taps


def naive_interpolate3d(x, outs, mode, align=False):
    N, C, *size = x.shape
    out = np.zeros((N, C) + tuple(outs))
    if mode in ("nearest", "nearest-exact"):
        src = [nearest_source(n, o, mode == "nearest-exact") for n, o in zip(size, outs)]
        for i, j, l in np.ndindex(*outs):
            out[:, :, i, j, l] = x[:, :, src[0][i], src[1][j], src[2][l]]
        return out
    taps = [linear_taps(n, o, align) for n, o in zip(size, outs)]
    for i, j, l in np.ndindex(*outs):
        (a0, a1, u0, u1), (b0, b1, v0, v1), (c0, c1, w0, w1) = taps[0][i], taps[1][j], taps[2][l]
        for za, wz in ((a0, u0), (a1, u1)):
            for yb, wy in ((b0, v0), (b1, v1)):
                for xc, wx in ((c0, w0), (c1, w1)):
                    out[:, :, i, j, l] += wz * wy * wx * x[:, :, za, yb, xc]
    return out


# -- conv_transpose3d ------------------------------------------------------------------------

_TRANSPOSE_CASES = [
    # (C, O, groups, kernel, stride, padding, output_padding, dilation, input shape)
    (2, 3, 1, (2, 3, 2), (2, 1, 3), (1, 0, 1), (1, 0, 2), (1, 2, 1), (2, 2, 3, 2, 2)),
    (4, 2, 2, (2, 2, 2), (2, 2, 2), (0, 0, 0), (1, 1, 1), (1, 1, 1), (1, 4, 2, 1, 2)),
    (2, 4, 2, (1, 2, 3), (1, 1, 1), (0, 1, 1), (0, 0, 0), (2, 1, 1), (2, 3, 3, 2)),  # (unbatched)
]


@pytest.mark.parametrize("case", _TRANSPOSE_CASES)
def test_conv_transpose3d_matches_the_scatter_loop_with_and_without_bias(case):
    C, O, G, k, s, p, op, d, shape = case
    x, w, b = rand(*shape, seed=1), rand(C, O // G, *k, seed=2), rand(O, seed=3)
    batched = x if len(shape) == 5 else x[None]
    for bias in (b, None):
        out = F.conv_transpose3d(x, w, bias, s, p, op, G, d).data
        want = naive_conv_transpose3d(batched, w, bias, s, p, op, G, d)
        np.testing.assert_allclose(out, want if len(shape) == 5 else want[0], rtol=1e-12, atol=1e-12)


@FEW
@given(st.integers(1, 3), st.integers(1, 2), st.integers(0, 1), st.integers(1, 2), st.integers(1, 2),
       st.integers(0, 10 ** 6))
def test_conv_transpose3d_is_the_adjoint_of_conv3d(s, d, p, G, k, seed):
    # <conv3d(x, W), y> = <x, conv_transpose3d(y, W)>, output_padding picking x's size
    rng = np.random.default_rng(seed)
    C, O = 2 * G, 2 * G
    size = tuple(int(v) for v in rng.integers(d * (k - 1) + 1, 6, size=3))
    x, W = rng.standard_normal((2, C, *size)), rng.standard_normal((O, C // G, k, k, k))
    y_shape = F.conv3d(x, W, None, s, p, d, G).shape
    y = rng.standard_normal(y_shape)
    op = tuple((n + 2 * p - d * (k - 1) - 1) % s for n in size)
    back = F.conv_transpose3d(y, W, None, s, p, op, G, d)
    assert back.shape == x.shape
    np.testing.assert_allclose((F.conv3d(x, W, None, s, p, d, G).data * y).sum(), (x * back.data).sum(),
                               rtol=1e-10)


@pytest.mark.parametrize("case", _TRANSPOSE_CASES[:2])
def test_conv_transpose3d_first_and_second_derivatives(case):
    C, O, G, k, s, p, op, d, shape = case
    shape = (1,) + shape[1:]
    check_both(lambda x, w, b: F.conv_transpose3d(x, w, b, s, p, op, G, d) ** 2,
               rand(*shape, seed=4), rand(C, O // G, *k, seed=5), rand(O, seed=6))


def test_conv_transpose3d_refusals_name_the_op_and_the_shapes():
    x, w = np.zeros((1, 2, 2, 2, 2)), np.zeros((2, 3, 2, 2, 2))
    with pytest.raises(ValueError, match=r"conv_transpose3d: input of shape \(1, 3, 2, 2, 2\) has 3 channels, "
                                         r"but weight of shape \(2, 3, 2, 2, 2\)"):
        F.conv_transpose3d(np.zeros((1, 3, 2, 2, 2)), w)
    with pytest.raises(ValueError, match=r"conv_transpose3d: weight must have shape \(C, O/groups, kd, kh, kw\)"):
        F.conv_transpose3d(x, np.zeros((2, 3, 2, 2)))
    with pytest.raises(ValueError, match=r"conv_transpose3d: output_padding \(0, 2, 0\) must be smaller than "
                                         r"either stride \(2, 2, 2\)"):
        F.conv_transpose3d(x, w, stride=2, output_padding=(0, 2, 0))
    with pytest.raises(ValueError, match=r"conv_transpose3d: input of shape \(1, 2, 2, 2, 2\) .* gives an output "
                                         r"of size \(-1, -1, -1\): too small"):
        F.conv_transpose3d(x, w, padding=2)
    with pytest.raises(ValueError, match=r"conv_transpose3d: groups=2 must divide the input channels 3"):
        F.conv_transpose3d(np.zeros((1, 3, 2, 2, 2)), np.zeros((3, 1, 1, 1, 1)), groups=2)
    with pytest.raises(ValueError, match=r"conv_transpose3d: bias must have shape \(3,\), got \(2,\)"):
        F.conv_transpose3d(x, w, np.zeros(2))
    with pytest.raises(ValueError, match=r"conv_transpose3d: expected input of shape \(N, C, D, H, W\) or "
                                         r"\(C, D, H, W\), got \(2, 2, 2\)"):
        F.conv_transpose3d(np.zeros((2, 2, 2)), w)


def test_ConvTranspose3d_shapes_init_output_size_and_refusals_as_pytorch():
    am.manual_seed(0)
    m = nn.ConvTranspose3d(4, 6, (2, 3, 1), stride=2, groups=2).double()
    assert m.weight.shape == (4, 3, 2, 3, 1) and m.bias.shape == (6,)
    bound = 1 / math.sqrt(3 * 2 * 3 * 1)  # (fan_in: the weight's shape[1] times the kernel's size)
    assert np.abs(m.weight.data).max() <= bound and np.abs(m.bias.data).max() <= bound
    assert repr(m).startswith("ConvTranspose3d(4, 6, kernel_size=(2, 3, 1), stride=(2, 2, 2), groups=2)")
    x = rand(1, 4, 2, 3, 2, seed=7)
    out = m(x, output_size=(4, 8, 3))
    assert out.shape == (1, 6, 4, 8, 3)
    np.testing.assert_array_equal(out.data, F.conv_transpose3d(x, m.weight, m.bias, 2, 0, (0, 1, 0), 2).data)
    assert m(x[0], output_size=(6, 4, 8, 3)).shape == (6, 4, 8, 3)
    with pytest.raises(ValueError, match=r"ConvTranspose3d\(4→6, 2×3×1\): output_size \(4, 9, 3\) is not "
                                         r"reachable from input of shape \(1, 4, 2, 3, 2\)"):
        m(x, output_size=(4, 9, 3))
    with pytest.raises(ValueError, match=r"ConvTranspose3d\(4→6, 2×3×1\): expected input with 4 channels, "
                                         r"got shape \(1, 2, 2, 3, 2\)"):
        m(x[:, :2])
    with pytest.raises(ValueError, match=r"ConvTranspose3d\(4→6\): only padding_mode='zeros'"):
        nn.ConvTranspose3d(4, 6, 2, padding_mode="reflect")


# -- adaptive_max_pool3d -----------------------------------------------------------------------


@pytest.mark.parametrize("shape, outs", [((2, 3, 5, 4, 7), (3, 2, 4)), ((1, 2, 4, 4, 4), (2, 2, 2)),
                                         ((1, 2, 3, 5, 2), (None, 3, 1)), ((2, 6, 5, 4), (4, 3, 3))])
def test_adaptive_max_pool3d_values_and_indices_match_the_loop(shape, outs):
    x = np.round(rand(*shape, seed=8) * 2)  # (ties: the first maximum in scan order)
    x.reshape(-1)[3] = np.nan
    batched = x if x.ndim == 5 else x[None]
    full = tuple(n if o is None else o for n, o in zip(batched.shape[2:], outs))
    want, want_idx = naive_adaptive_max3d(batched, full)
    out, idx = F.adaptive_max_pool3d(x, outs, return_indices=True)
    if x.ndim == 4:
        want, want_idx = want[0], want_idx[0]
    np.testing.assert_array_equal(out.data, want)
    np.testing.assert_array_equal(idx.data, want_idx)
    assert idx.dtype == np.int64
    np.testing.assert_array_equal(F.adaptive_max_pool3d(x, outs).data, want)
    np.testing.assert_array_equal(nn.AdaptiveMaxPool3d(outs)(x).data, want)


@pytest.mark.parametrize("shape, outs", [((1, 2, 5, 4, 3), (3, 2, 2)), ((2, 3, 4, 2), 2)])
def test_adaptive_max_pool3d_first_and_second_derivatives(shape, outs):
    check_both(lambda t: F.adaptive_max_pool3d(t, outs) ** 2, rand(*shape, seed=9))


def test_adaptive_max_pool3d_refusals_name_the_op_and_the_shapes():
    with pytest.raises(ValueError, match=r"adaptive_max_pool3d: expected input of shape \(N, C, D, H, W\) or "
                                         r"\(C, D, H, W\), got \(2, 3, 4\)"):
        F.adaptive_max_pool3d(np.zeros((2, 3, 4)), 2)
    with pytest.raises(TypeError, match=r"adaptive_max_pool3d: output_size must be an int or a tuple of three"):
        F.adaptive_max_pool3d(np.zeros((1, 1, 2, 2, 2)), (2, 2))
    with pytest.raises(ValueError, match=r"adaptive_max_pool3d: expected an input with non-zero depth, height and "
                                         r"width, got shape \(1, 1, 0, 2, 2\)"):
        F.adaptive_max_pool3d(np.zeros((1, 1, 0, 2, 2)), 2)
    with pytest.raises(TypeError, match=r"AdaptiveMaxPool3d: return_indices"):
        nn.AdaptiveMaxPool3d(2, return_indices=2)


# -- max_unpool3d ------------------------------------------------------------------------------


@pytest.mark.parametrize("k, s, p", [(2, 2, 0), (3, 2, 1), ((2, 3, 2), (1, 2, 2), (1, 1, 0))])
def test_max_unpool3d_inverts_max_pool3d_where_the_indices_point(k, s, p):
    x = rand(2, 3, 5, 6, 5, seed=10)
    out, idx = F.max_pool3d(x, k, s, p, return_indices=True)
    up = F.max_unpool3d(out, idx, k, s, p, output_size=x.shape[2:])
    np.testing.assert_array_equal(up.data, naive_max_unpool3d(out.data, idx.data, x.shape[2:]))
    np.testing.assert_array_equal(nn.MaxUnpool3d(k, s, p)(out[0], idx[0], output_size=x.shape[2:]).data, up.data[0])
    # where an entry survives, it is the input's
    kept = up.data != 0
    np.testing.assert_array_equal(up.data[kept], x[kept])
    check_both(lambda t: F.max_unpool3d(t, idx.data[:1, :2], k, s, p, output_size=x.shape[2:]) ** 2,
               out.data[:1, :2])


def test_max_unpool3d_repeated_indices_keep_the_last_write_and_its_gradient():
    x = rand(1, 1, 2, 2, 2, seed=11)
    idx = np.array([0, 5, 0, 7, 5, 1, 2, 0]).reshape(1, 1, 2, 2, 2)
    out = F.max_unpool3d(x, idx, 2)
    assert out.shape == (1, 1, 4, 4, 4)
    np.testing.assert_array_equal(out.data, naive_max_unpool3d(x, idx, (4, 4, 4)))
    check_both(lambda t: F.max_unpool3d(t, idx, 2) ** 2, x)


def test_max_unpool3d_refusals_name_the_op_and_the_shapes():
    x, idx = np.zeros((1, 1, 2, 2, 2)), np.zeros((1, 1, 2, 2, 2), np.int64)
    with pytest.raises(ValueError, match=r"max_unpool3d: index 64 is out of range \[0, 63\] for an output volume "
                                         r"of size \(4, 4, 4\)"):
        F.max_unpool3d(x, idx + 64, 2)
    with pytest.raises(ValueError, match=r"max_unpool3d: indices of shape \(1, 1, 2, 2\) must have the input's "
                                         r"shape \(1, 1, 2, 2, 2\)"):
        F.max_unpool3d(x, idx[..., 0], 2)
    with pytest.raises(TypeError, match=r"max_unpool3d: indices must hold integers"):
        F.max_unpool3d(x, idx.astype(float), 2)
    with pytest.raises(ValueError, match=r"max_unpool3d: output_size \(4, 6, 4\) is inconsistent with input of "
                                         r"shape \(1, 1, 2, 2, 2\), .* dim 1 must be between 2 and 6"):
        F.max_unpool3d(x, idx, 2, output_size=(4, 6, 4))
    with pytest.raises(ValueError, match=r"max_unpool3d: output_size must have 3 or 5 entries"):
        F.max_unpool3d(x, idx, 2, output_size=(4, 4))


# -- InstanceNorm3d ----------------------------------------------------------------------------


def test_InstanceNorm3d_normalises_each_volume_and_tracks_running_stats():
    x = rand(2, 3, 2, 3, 4, seed=12)
    m = nn.InstanceNorm3d(3, affine=True, track_running_stats=True).double()
    m.weight.data[...], m.bias.data[...] = [1.0, 2.0, -1.0], [0.5, 0.0, 1.0]
    out = m(x).data
    mean, var = x.mean(axis=(2, 3, 4), keepdims=True), x.var(axis=(2, 3, 4), keepdims=True)
    want = (x - mean) / np.sqrt(var + 1e-5) * m.weight.data[:, None, None, None] + m.bias.data[:, None, None, None]
    np.testing.assert_allclose(out, want, rtol=1e-12)
    n = 2 * 3 * 4
    np.testing.assert_allclose(m.running_mean.data, 0.1 * mean.mean(axis=0).ravel(), rtol=1e-12)
    np.testing.assert_allclose(m.running_var.data, 0.9 + 0.1 * (var * n / (n - 1)).mean(axis=0).ravel(), rtol=1e-12)
    m.eval()
    np.testing.assert_allclose(m(x[0]).data, (x[0] - m.running_mean.data[:, None, None, None])
                               / np.sqrt(m.running_var.data[:, None, None, None] + 1e-5)
                               * m.weight.data[:, None, None, None] + m.bias.data[:, None, None, None], rtol=1e-12)
    assert nn.InstanceNorm3d(3).weight is None
    with pytest.raises(ValueError, match=r"InstanceNorm3d\(3\): expected input with 3 channels, got shape "
                                         r"\(2, 2, 2, 3, 4\)"):
        m(x[:, :2])
    with pytest.raises(ValueError, match=r"InstanceNorm3d\(3\): expected input of shape \(N, C, D, H, W\) or "
                                         r"\(C, D, H, W\), got shape \(3, 3, 4\)"):
        m(x[0, :, 0])


# -- interpolate on volumes --------------------------------------------------------------------


@pytest.mark.parametrize("mode, align", [("nearest", None), ("nearest-exact", None), ("trilinear", None),
                                         ("trilinear", True)])
@pytest.mark.parametrize("outs", [(5, 3, 7), (6, 8, 10), (1, 4, 2)])
def test_interpolate_on_volumes_matches_the_loop(mode, align, outs):
    x = rand(2, 2, 3, 4, 5, seed=13)
    out = F.interpolate(x, size=outs, mode=mode, align_corners=align)
    np.testing.assert_allclose(out.data, naive_interpolate3d(x, outs, mode, bool(align)), rtol=1e-12, atol=1e-13)
    np.testing.assert_array_equal(nn.Upsample(size=outs, mode=mode, align_corners=align)(x).data, out.data)


@pytest.mark.parametrize("mode, align", [("nearest", None), ("trilinear", False), ("trilinear", True)])
@pytest.mark.parametrize("shape, outs", [((1, 2, 2, 3, 2), (3, 5, 4)), ((1, 1, 3, 2, 4), (2, 3, 2))])
def test_interpolate_on_volumes_first_and_second_derivatives(mode, align, shape, outs):
    check_both(lambda t: F.interpolate(t, size=outs, mode=mode, align_corners=align) ** 2, rand(*shape, seed=14))


def test_interpolate_on_volumes_refusals_name_the_op_and_the_shapes():
    with pytest.raises(ValueError, match=r"interpolate: mode 'trilinear' needs input of shape \(N, C, D, H, W\), "
                                         r"got shape \(1, 2, 3, 4\)"):
        F.interpolate(np.zeros((1, 2, 3, 4)), size=2, mode="trilinear")
    with pytest.raises(ValueError, match=r"interpolate: mode 'bilinear' needs input of shape \(N, C, H, W\), "
                                         r"got shape \(1, 2, 3, 4, 5\)"):
        F.interpolate(np.zeros((1, 2, 3, 4, 5)), size=2, mode="bilinear")
    with pytest.raises(ValueError, match=r"interpolate: size must have 3 entries for input of shape "
                                         r"\(1, 2, 3, 4, 5\)"):
        F.interpolate(np.zeros((1, 2, 3, 4, 5)), size=(2, 2))
    with pytest.raises(ValueError, match=r"interpolate: expected input of shape \(N, C, L\), \(N, C, H, W\) or "
                                         r"\(N, C, D, H, W\), got shape \(1, 2, 3, 4, 5, 6\)"):
        F.interpolate(np.zeros((1, 2, 3, 4, 5, 6)), size=2)
    with pytest.raises(TypeError, match=r"interpolate: mode 'trilinear' needs floating-point input"):
        F.interpolate(np.zeros((1, 1, 2, 2, 2), np.int64), size=3, mode="trilinear")


# -- am.compile: the replay equals eager -------------------------------------------------------


def test_a_compiled_3d_decoder_replays_the_eager_values_and_gradients_bit_for_bit():
    am.manual_seed(5)
    up = nn.ConvTranspose3d(2, 4, 3, stride=2, padding=1, output_padding=1, groups=2).double()
    norm = nn.InstanceNorm3d(4, affine=True).double()
    params = list(up.parameters()) + list(norm.parameters())

    def loss(x):
        h, idx = F.adaptive_max_pool3d(x, (2, 3, 2), return_indices=True)
        h = norm(up(h)).relu()
        h = F.interpolate(h, size=(3, 5, 4), mode="trilinear", align_corners=False)
        h = h + F.interpolate(h, scale_factor=(1, 1.5, 1), mode="nearest")[:, :, :, :5]
        pooled, where = F.max_pool3d(h, 2, return_indices=True)
        return (F.max_unpool3d(pooled, where, 2, output_size=h.shape) ** 2).mean() * idx.astype(np.float64).mean()

    shapes = [(2, 2, 4, 5, 5)] * 2 + [(1, 2, 3, 4, 5)] * 2
    compiled_matches_eager(loss, params, [rand(*shape, seed=seed) for seed, shape in enumerate(shapes)], recordings=2)
