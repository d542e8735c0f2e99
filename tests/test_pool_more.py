"""max_pool2d's indices (return_indices), max_unpool2d / MaxUnpool2d and avg_pool2d's
divisor_override, against naive loops written here; gradients first and second order;
am.compile replays them bit for bit."""

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn import functional as F
from test_take_along import replays


def rng(seed):
    return np.random.default_rng(seed)


def _out_len(n, k, s, p, d, ceil):
    span = d * (k - 1) + 1
    if not ceil:
        return (n + 2 * p - span) // s + 1
    out = math.ceil((n + 2 * p - span) / s) + 1
    return out - 1 if (out - 1) * s >= n + p else out


def naive_max_pool(x, k, s, p, d=(1, 1), ceil=False):
    """PyTorch's CPU loop: scan each window row by row over the entries inside the image;
    keep an entry if it is greater than the best so far or NaN; start at the first one."""
    N, C, H, W = x.shape
    OH, OW = _out_len(H, k[0], s[0], p[0], d[0], ceil), _out_len(W, k[1], s[1], p[1], d[1], ceil)
    out, idx = np.empty((N, C, OH, OW), x.dtype), np.empty((N, C, OH, OW), np.int64)
    for n, c, i, j in np.ndindex(N, C, OH, OW):
        best, where = None, None
        for a in range(k[0]):
            for b in range(k[1]):
                r, q = i * s[0] - p[0] + a * d[0], j * s[1] - p[1] + b * d[1]
                if 0 <= r < H and 0 <= q < W:
                    v = x[n, c, r, q]
                    if where is None or v > best or (isinstance(v, float) and math.isnan(v)):
                        best, where = v, r * W + q
        out[n, c, i, j], idx[n, c, i, j] = best, where
    return out, idx


def naive_unpool(x, idx, size):
    """Zeros of (N, C) + size with x written at the indices, in x's row-major order."""
    N, C = x.shape[:2]
    out = np.zeros((N, C, size[0] * size[1]), x.dtype)
    for n, c in np.ndindex(N, C):
        for v, i in zip(x[n, c].ravel(), idx[n, c].ravel()):
            out[n, c, i] = v
    return out.reshape((N, C) + tuple(size))


def naive_avg_pool_sum(x, k, s, p, ceil=False):
    N, C, H, W = x.shape
    OH, OW = _out_len(H, k[0], s[0], p[0], 1, ceil), _out_len(W, k[1], s[1], p[1], 1, ceil)
    out = np.zeros((N, C, OH, OW), x.dtype)
    for n, c, i, j in np.ndindex(N, C, OH, OW):
        for a in range(k[0]):
            for b in range(k[1]):
                r, q = i * s[0] - p[0] + a, j * s[1] - p[1] + b
                if 0 <= r < H and 0 <= q < W:
                    out[n, c, i, j] += x[n, c, r, q]
    return out


# -- max_pool2d(..., return_indices=True) -------------------------------------------------

POOLS = [  # (kernel, stride, padding, dilation, ceil_mode)
    ((2, 2), (2, 2), (0, 0), (1, 1), False),  # tiles
    ((3, 3), (2, 2), (1, 1), (1, 1), False),  # overlapping, padded
    ((3, 2), (1, 2), (1, 1), (1, 1), True),
    ((3, 3), (2, 2), (1, 0), (2, 1), True),  # dilation and ceil_mode's overhang
    ((2, 3), (3, 2), (1, 0), (1, 2), False),
    ((1, 1), (2, 1), (0, 0), (1, 1), True),
]


@pytest.mark.parametrize("k, s, p, d, ceil", POOLS)
def test_max_pool_indices_match_the_loop_on_ties_minus_inf_padding_and_nan(k, s, p, d, ceil):
    r = rng(sum(k) + 7 * s[0] + p[1])
    x = r.integers(-2, 3, (2, 3, 7, 6)).astype(np.float64)  # (many ties)
    x[r.random(x.shape) < 0.15] = -np.inf  # (windows of only -inf next to the padding)
    x[0, 0] = -np.inf
    x[1, 2, 1:3, 1:4] = np.nan  # (PyTorch keeps the last NaN of a window)
    out, idx = F.max_pool2d(x, k, s, p, d, ceil, True)
    want_out, want_idx = naive_max_pool(x, k, s, p, d, ceil)
    np.testing.assert_array_equal(out.data, want_out)
    assert idx.dtype == np.int64 and not idx.requires_grad
    np.testing.assert_array_equal(idx.data, want_idx)
    # the module, and one image (C, H, W)
    m = nn.MaxPool2d(k, s, p, d, True, ceil)
    for got, want in zip(m(x), (want_out, want_idx)):
        np.testing.assert_array_equal(got.data, want)
    o1, i1 = F.max_pool2d(x[1], k, s, p, d, ceil, return_indices=True)
    np.testing.assert_array_equal(o1.data, want_out[1])
    np.testing.assert_array_equal(i1.data, want_idx[1])


def test_max_pool_indices_of_a_window_with_no_entry_in_the_image_are_pytorchs_start():
    # Dilation can step a window over the whole image: its maximum is -inf, and PyTorch's
    # index is its first row and column at or past 0 (r0 * W + c0), even if that lies
    # outside the window (here the next row) or the plane (then unpooling it raises).
    x = np.arange(1.0, 8.0).reshape(1, 1, 7, 1)
    out, idx = F.max_pool2d(x, (2, 2), (1, 3), (0, 1), (1, 2), return_indices=True)
    assert np.all(out.data == -np.inf)
    np.testing.assert_array_equal(idx.data.ravel(), [1, 2, 3, 4, 5, 6])
    x = np.array([[[[1.0, 2.0, 3.0]]]])
    out, idx = F.max_pool2d(x, (3, 1), (3, 1), (1, 0), (2, 1), ceil_mode=True, return_indices=True)
    np.testing.assert_array_equal(idx.data.ravel(), [3, 4, 5])  # (row 1 of a 1-row image)
    with pytest.raises(ValueError, match="max_unpool2d: index 5 is out of range"):
        F.max_unpool2d(out, idx, (3, 1), (3, 1), output_size=(1, 3))


@settings(max_examples=15, deadline=None)
@given(st.data())
def test_max_pool_indices_match_the_loop_on_drawn_shapes_and_integer_images(data):
    kh, kw = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    k, s = (kh, kw), (data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3)))
    p = (data.draw(st.integers(0, kh // 2)), data.draw(st.integers(0, kw // 2)))
    d = (data.draw(st.integers(1, 2)), data.draw(st.integers(1, 2)))
    ceil = data.draw(st.booleans())
    H, W = data.draw(st.integers(2 * kh + 1, 8)), data.draw(st.integers(2 * kw + 1, 8))
    dtype = data.draw(st.sampled_from([np.int16, np.float32]))
    x = rng(data.draw(st.integers(0, 99))).integers(-3, 3, (1, 2, H, W)).astype(dtype)
    if dtype == np.int16:
        x[x == -3] = np.iinfo(np.int16).min  # (the padding's value, inside the image: not padding)
    out, idx = F.max_pool2d(x, k, s, p, d, ceil, True)
    want_out, want_idx = naive_max_pool(x, k, s, p, d, ceil)
    np.testing.assert_array_equal(out.data, want_out)
    np.testing.assert_array_equal(idx.data, want_idx)


def test_max_pool_with_indices_keeps_the_value_gradient_ties_share_it():
    x = np.array([[[[1.0, 1.0, 0.0], [1.0, 0.0, 2.0], [2.0, 2.0, 0.0]]]])
    grads = []
    for flag in (False, True):
        t = am.tensor(x, requires_grad=True)
        out = F.max_pool2d(t, 2, 1, 0, 1, False, flag)
        (out[0] if flag else out).sum().backward()
        grads.append(t.grad)
    np.testing.assert_array_equal(grads[0], grads[1])
    np.testing.assert_array_equal(grads[1][0, 0], [[1 / 3, 1 / 3, 0], [1 / 3, 0, 1.5], [1 / 2, 1, 0]])  # (ties share)
    _, idx = F.max_pool2d(x, 2, 1, return_indices=True)
    np.testing.assert_array_equal(idx.data[0, 0], [[0, 5], [6, 5]])  # (the first maximum)


def test_pytorchs_documented_unpool_example():
    # torch.nn.MaxUnpool2d's docstring example, its printed outputs
    pool, unpool = nn.MaxPool2d(2, stride=2, return_indices=True), nn.MaxUnpool2d(2, stride=2)
    x = am.tensor(np.arange(1.0, 17.0).reshape(1, 1, 4, 4))
    out, idx = pool(x)
    np.testing.assert_array_equal(unpool(out, idx).data, [[[[0, 0, 0, 0], [0, 6, 0, 8], [0, 0, 0, 0], [0, 14, 0, 16]]]])
    x = am.tensor(np.arange(1.0, 21.0).reshape(1, 1, 4, 5))
    out, idx = pool(x)
    np.testing.assert_array_equal(unpool(out, idx, output_size=x.shape).data,
                                  [[[[0, 0, 0, 0, 0], [0, 7, 0, 9, 0], [0, 0, 0, 0, 0], [0, 17, 0, 19, 0]]]])
    np.testing.assert_array_equal(unpool(out, idx, (4, 5)).data, unpool(out, idx, x.shape).data)


# -- max_unpool2d ----------------------------------------------------------------------------

@pytest.mark.parametrize("k, s, p, d, ceil", POOLS[:3])
def test_unpool_values_match_the_loop_last_write_wins(k, s, p, d, ceil):
    r = rng(3)
    x = r.standard_normal((2, 2, 6, 5))
    _, idx = F.max_pool2d(x, k, s, p, d, ceil, True)
    values = r.standard_normal(idx.shape)  # (other values than the pool's: repeats differ)
    size = x.shape[2:]
    got = F.max_unpool2d(values, idx, k, s, p, size)
    np.testing.assert_array_equal(got.data, naive_unpool(values, idx.data, size))
    # the module, one image, and indices as an array
    np.testing.assert_array_equal(nn.MaxUnpool2d(k, s, p)(values, idx, size).data, got.data)
    np.testing.assert_array_equal(F.max_unpool2d(values[1], idx.data[1], k, s, p, size).data, got.data[1])


def test_unpool_repeated_index_keeps_the_last_and_its_gradient_only():
    x = am.tensor(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]), requires_grad=True)
    idx = np.array([[[[5, 5], [0, 5]]]])
    out = F.max_unpool2d(x, idx, 2)
    np.testing.assert_array_equal(out.data[0, 0], [[3, 0, 0, 0], [0, 4, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]])
    (out * np.arange(16.0).reshape(4, 4)).sum().backward()
    np.testing.assert_array_equal(x.grad[0, 0], [[0, 0], [0, 5]])


def test_unpool_of_pool_round_trip():
    r = rng(4)
    x = r.standard_normal((2, 3, 6, 7))
    for k, s, p in [(2, 2, 0), (3, 2, 1), (3, 1, 1)]:
        out, idx = F.max_pool2d(x, k, s, p, return_indices=True)
        back = F.max_unpool2d(out, idx, k, s, p, x.shape).data
        kept = back != 0
        np.testing.assert_array_equal(back[kept], x[kept])  # (each maximum back in its place)
        assert kept.sum() == len(np.unique(idx.data.reshape(6, -1) + 100 * np.arange(6)[:, None]))
        np.testing.assert_array_equal(F.max_pool2d(np.where(kept, x, -np.inf), k, s, p).data, out.data)
    # tiles of distinct values: every window's maximum alone survives
    x = x[:, :, :, :6]
    out, idx = F.max_pool2d(x, 2, return_indices=True)
    want = np.where(x == np.repeat(np.repeat(out.data, 2, 2), 2, 3), x, 0)
    np.testing.assert_array_equal(F.max_unpool2d(out, idx, 2).data, want)


@settings(max_examples=8, deadline=None)
@given(st.integers(1, 3), st.integers(1, 3), st.integers(0, 1), st.integers(3, 6), st.integers(0, 50))
def test_unpool_gradcheck_and_gradgradcheck(k, s, p, n, seed):
    p = min(p, k // 2)
    x = rng(seed).standard_normal((2, 2, n, n + 1))
    if _out_len(n, k, s, p, 1, False) < 1:
        return
    out, idx = F.max_pool2d(x, k, s, p, return_indices=True)
    values = rng(seed + 1).standard_normal(out.shape)
    weight = rng(seed + 2).standard_normal(F.max_unpool2d(values, idx, k, s, p, x.shape).shape)
    f = lambda v: (F.max_unpool2d(v, idx, k, s, p, x.shape) ** 2 * weight).sum()
    assert am.gradcheck(f, [values])
    assert am.gradgradcheck(f, [values])
    # through the pool too
    g = lambda t: (F.max_unpool2d(*F.max_pool2d(t.sin(), k, s, p, return_indices=True), k, s, p, x.shape)
                   * weight).sum()
    assert am.gradcheck(g, [x])
    assert am.gradgradcheck(g, [x])


def test_unpool_keeps_dtype_and_puts_no_nan_from_zeros():
    x = am.tensor(np.array([[[[np.inf, -1.0]]]], dtype=np.float32), requires_grad=True)
    out = F.max_unpool2d(x, np.array([[[[0, 3]]]]), (1, 2))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.data[0, 0], [[np.inf, 0, 0, -1]])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, [[[[1.0, 1.0]]]])


def test_unpool_bad_input_names_the_op_and_shapes():
    x, idx = np.ones((1, 2, 2, 2)), np.zeros((1, 2, 2, 2), np.int64)
    cases = [
        (lambda: F.max_unpool2d(x, idx[:, :1], 2), ValueError,
         "max_unpool2d: indices of shape (1, 1, 2, 2) must have the input's shape (1, 2, 2, 2)"),
        (lambda: F.max_unpool2d(x, idx.astype(float), 2), TypeError,
         "max_unpool2d: indices must hold integers, got dtype float64 (indices of shape (1, 2, 2, 2), input of shape (1, 2, 2, 2))"),
        (lambda: F.max_unpool2d(x, idx, 2, output_size=(6, 4)), ValueError,
         "max_unpool2d: output_size (6, 4) is inconsistent with input of shape (1, 2, 2, 2), kernel_size (2, 2), "
         "stride (2, 2) and padding (0, 0): dim 0 must be between 2 and 6 (exclusive)"),
        (lambda: F.max_unpool2d(x, idx, 2, output_size=(4, 4, 4)), ValueError,
         "max_unpool2d: output_size must have 2 or 4 entries ((Hout, Wout) or (N, C, Hout, Wout)), got (4, 4, 4)"),
        (lambda: F.max_unpool2d(x, idx, 2, output_size=4), TypeError, "max_unpool2d: output_size must be a tuple of ints"),
        (lambda: F.max_unpool2d(x, idx + 16, 2), ValueError,
         "max_unpool2d: index 16 is out of range [0, 15] for an output plane of size (4, 4) (indices of shape (1, 2, 2, 2))"),
        (lambda: F.max_unpool2d(x, idx - 1, 2), ValueError, "max_unpool2d: index -1 is out of range [0, 15]"),
        (lambda: F.max_unpool2d(x[0, 0], idx[0, 0], 2), ValueError,
         "max_unpool2d: expected input of shape (N, C, H, W) or (C, H, W), got (2, 2)"),
        (lambda: nn.MaxUnpool2d(2)(x[0, 0], idx[0, 0]), ValueError,
         "MaxUnpool2d(2×2): expected input of shape (N, C, H, W) or (C, H, W), got shape (2, 2)"),
        (lambda: F.max_pool2d(x, 2, return_indices="yes"), TypeError, "max_pool2d: return_indices"),
    ]
    for call, error, message in cases:
        with pytest.raises(error, match=re.escape(message)):
            call()
    # a replay checks each call's indices and raises the eager error
    c = am.compile(lambda v, i: F.max_unpool2d(v, i, 2))
    c(am.tensor(x), idx)
    with pytest.raises(ValueError, match=re.escape("max_unpool2d: index 16 is out of range")):
        c(am.tensor(x), idx + 16)


def test_reprs_as_pytorch():
    assert repr(nn.MaxUnpool2d(2)) == "MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))"
    assert repr(nn.MaxUnpool2d((3, 2), 1, (1, 0))) == "MaxUnpool2d(kernel_size=(3, 2), stride=(1, 1), padding=(1, 0))"
    # (PyTorch's MaxPool2d repr does not show return_indices)
    assert repr(nn.MaxPool2d(2, return_indices=True)) == repr(nn.MaxPool2d(2))
    assert repr(nn.AvgPool2d(2, divisor_override=3)).endswith(", divisor_override=3)")
    m = nn.MaxPool2d(3, 2, 1, 1, True, True)  # (PyTorch's order: return_indices, then ceil_mode)
    assert (m.return_indices, m.ceil_mode) == (True, True)


# -- avg_pool2d(..., divisor_override=) ------------------------------------------------------

@pytest.mark.parametrize("k, s, p, ceil, include", [
    ((2, 2), (2, 2), (0, 0), False, True), ((3, 3), (2, 2), (1, 1), True, False),
    ((3, 2), (1, 2), (1, 1), False, True), ((2, 3), (3, 2), (1, 0), True, True),
])
def test_divisor_override_divides_every_window_sum(k, s, p, ceil, include):
    x = rng(5).standard_normal((2, 3, 7, 6))
    for divisor in (3, -2, 1):
        want = naive_avg_pool_sum(x, k, s, p, ceil) / divisor
        got = F.avg_pool2d(x, k, s, p, ceil, include, divisor)
        np.testing.assert_allclose(got.data, want, rtol=1e-14, atol=1e-15)
        np.testing.assert_array_equal(nn.AvgPool2d(k, s, p, ceil, include, divisor)(x).data, got.data)
        np.testing.assert_array_equal(F.avg_pool2d(x[0], k, s, p, ceil, include, divisor).data, got.data[0])
    w = rng(6).standard_normal((1, 2) + got.shape[2:])
    f = lambda t: (F.avg_pool2d(t, k, s, p, ceil, include, 5) ** 2 * w).sum()
    assert am.gradcheck(f, [x[:1, :2]])
    assert am.gradgradcheck(f, [x[:1, :2]])
    for dtype in (np.float32, np.float16):
        assert F.avg_pool2d(x.astype(dtype), k, s, p, ceil, include, 4).dtype == dtype


def test_divisor_override_bad_values():
    x = np.ones((1, 1, 4, 4))
    for bad, error, message in [(0, ValueError, "avg_pool2d: divisor_override must not be zero"),
                                (True, TypeError, "avg_pool2d: divisor_override must be an int or None, got True"),
                                (2.0, TypeError, "avg_pool2d: divisor_override must be an int or None, got 2.0")]:
        with pytest.raises(error, match=re.escape(message)):
            F.avg_pool2d(x, 2, divisor_override=bad)
    with pytest.raises(ValueError, match=re.escape("AvgPool2d: divisor_override must not be zero")):
        nn.AvgPool2d(2, divisor_override=0)


# -- am.compile ------------------------------------------------------------------------------

def test_compile_replays_pool_indices_unpool_and_divisor_override_bit_for_bit():
    def fn(x, v):
        out, idx = F.max_pool2d(x, 3, 2, 1, return_indices=True)
        _, tiles = F.max_pool2d(x, 2, return_indices=True)
        back = F.max_unpool2d(out * v, idx, 3, 2, 1, x.shape)
        return (back.sin() + idx.astype(np.float64).sum() + tiles.astype(np.float64).mean()
                + F.avg_pool2d(back, 3, 2, 1, True, False, 7).sum())

    def make(seed):
        r = rng(seed)  # (integers: ties, and the indices change from call to call)
        return (am.tensor(r.integers(-3, 3, (2, 2, 5, 6)).astype(float), requires_grad=True),
                am.tensor(r.standard_normal((2, 2, 3, 3)), requires_grad=True))

    assert len({F.max_pool2d(make(s)[0], 3, 2, 1, return_indices=True)[1].data.tobytes() for s in range(3)}) == 3
    replays(fn, make, calls=3)


def test_compile_relu_before_a_pool_with_indices_replays_bit_for_bit():
    # (the tape's ReLU-after-pool rewrite must not change the indices of a map with ties at 0)
    for args in [(3, 2, 1), (2, 2, 0)]:
        def fn(x):
            out, idx = F.max_pool2d(F.relu(x), *args, return_indices=True)
            return out * 2.0 + idx.astype(np.float64)

        replays(fn, lambda seed: (am.tensor(rng(seed).integers(-3, 3, (2, 2, 6, 6)).astype(float),
                                             requires_grad=True),))
