"""F.affine_grid and F.grid_sample (spatial transformers): values against loop oracles that
follow PyTorch's documented algorithm, first- and second-order gradient checks in float64
for the input, the grid and theta, infinite and NaN coordinates, refusals, am.compile."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini.nn import functional as F

MODES = ["bilinear", "nearest"]
PADDINGS = ["zeros", "border", "reflection"]


def rng(seed=0):
    return np.random.default_rng(seed)


# -- oracles ---------------------------------------------------------------------------------


def oracle_affine_grid(theta, size, align_corners):
    n, _, h, w = size

    def axis(k):
        if k == 1:
            return [0.0]
        return [(-1.0 + 2.0 * i / (k - 1)) * (1.0 if align_corners else (k - 1) / k) for i in range(k)]

    xs, ys = axis(w), axis(h)
    out = np.zeros((n, h, w, 2))
    for b in range(n):
        for i in range(h):
            for j in range(w):
                for d in range(2):
                    t = theta[b, d]
                    out[b, i, j, d] = t[0] * xs[j] + t[1] * ys[i] + t[2]
    return out


def _reflect(c, twice_low, twice_high):
    if twice_low == twice_high:
        return 0.0
    low, span = twice_low / 2.0, (twice_high - twice_low) / 2.0
    c = abs(c - low)
    extra, flips = math.fmod(c, span), math.floor(c / span)
    return extra + low if flips % 2 == 0 else span - extra + low


def _source(v, n, padding_mode, align):
    c = (v + 1) / 2 * (n - 1) if align else ((v + 1) * n - 1) / 2
    if padding_mode == "reflection":
        c = _reflect(c, 0, 2 * (n - 1)) if align else _reflect(c, -1, 2 * n - 1)
    if padding_mode in ("border", "reflection"):
        c = min(max(c, 0.0), n - 1.0)
    return c


def oracle_grid_sample(x, grid, mode, padding_mode, align):
    n, c, h, w = x.shape
    _, ho, wo, _ = grid.shape
    out = np.zeros((n, c, ho, wo))

    def pixel(b, ch, i, j):
        return x[b, ch, i, j] if 0 <= i < h and 0 <= j < w else 0.0

    for b in range(n):
        for p in range(ho):
            for q in range(wo):
                ix = _source(grid[b, p, q, 0], w, padding_mode, align)
                iy = _source(grid[b, p, q, 1], h, padding_mode, align)
                for ch in range(c):
                    if mode == "nearest":  # (round half to even: C's nearbyint, Python's round)
                        out[b, ch, p, q] = pixel(b, ch, round(iy), round(ix))
                        continue
                    x0, y0 = math.floor(ix), math.floor(iy)
                    total = 0.0
                    for yi, xi in ((y0, x0), (y0, x0 + 1), (y0 + 1, x0), (y0 + 1, x0 + 1)):
                        wgt = (1 - abs(ix - xi)) * (1 - abs(iy - yi))
                        total += pixel(b, ch, yi, xi) * wgt
                    out[b, ch, p, q] = total
    return out


# -- values ----------------------------------------------------------------------------------


@pytest.mark.parametrize("align", [False, True])
@pytest.mark.parametrize("size", [(2, 1, 3, 4), (1, 2, 1, 5), (2, 3, 4, 1), (1, 1, 1, 1)])
def test_affine_grid_matches_the_oracle(size, align):
    theta = rng(1).standard_normal((size[0], 2, 3))
    out = F.affine_grid(am.tensor(theta), size, align_corners=align)
    assert out.shape == size[:1] + size[2:] + (2,)
    np.testing.assert_allclose(out.data, oracle_affine_grid(theta, size, align), rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("align", [False, True])
@pytest.mark.parametrize("padding_mode", PADDINGS)
@pytest.mark.parametrize("mode", MODES)
def test_grid_sample_matches_the_oracle(mode, padding_mode, align):
    r = rng(2)
    for shape, out_hw in [((2, 3, 4, 5), (3, 2)), ((1, 1, 1, 3), (2, 4)), ((1, 2, 3, 1), (1, 1))]:
        x = r.standard_normal(shape)
        grid = r.uniform(-3.0, 3.0, (shape[0],) + out_hw + (2,))
        grid.flat[::3] = np.round(grid.flat[::3] * 4) / 4  # (points on pixel rows, halves, borders)
        out = F.grid_sample(am.tensor(x), am.tensor(grid), mode=mode, padding_mode=padding_mode,
                            align_corners=align)
        assert out.shape == shape[:2] + out_hw
        np.testing.assert_allclose(out.data, oracle_grid_sample(x, grid, mode, padding_mode, align),
                                   rtol=1e-12, atol=1e-12)


def test_nearest_rounds_halves_to_even():
    x = am.tensor(np.arange(6.0).reshape(1, 1, 1, 6))
    # align_corners=True: x = -1 + 2 ix / 5, so ix = 0.5, 1.5, 2.5, 3.5 -> 0, 2, 2, 4
    ix = np.array([0.5, 1.5, 2.5, 3.5])
    grid = np.stack([-1 + 2 * ix / 5, np.zeros(4)], -1).reshape(1, 1, 4, 2)
    out = F.grid_sample(x, am.tensor(grid), mode="nearest", align_corners=True)
    np.testing.assert_array_equal(out.data.ravel(), [0.0, 2.0, 2.0, 4.0])


def test_identity_transform_reads_the_image_back():
    x = rng(3).standard_normal((2, 3, 4, 5))
    theta = np.broadcast_to(np.eye(2, 3), (2, 2, 3))
    for align in (False, True):
        grid = F.affine_grid(am.tensor(theta), x.shape, align_corners=align)
        out = F.grid_sample(am.tensor(x), grid, align_corners=align)
        np.testing.assert_allclose(out.data, x, atol=1e-12)


def test_float32_stays_float32():
    x = am.tensor(rng(4).standard_normal((1, 2, 3, 4)).astype(np.float32))
    theta = am.tensor(np.eye(2, 3, dtype=np.float32)[None] * 0.9)
    grid = F.affine_grid(theta, (1, 2, 5, 5))
    assert grid.dtype == np.float32
    for mode in MODES:
        out = F.grid_sample(x, grid, mode=mode)
        assert out.dtype == np.float32
        np.testing.assert_allclose(out.data, oracle_grid_sample(x.data.astype(np.float64), grid.data
                                                                .astype(np.float64), mode, "zeros", False),
                                   atol=1e-5)


# -- gradients -------------------------------------------------------------------------------


def smooth_grid(shape, h, w, padding_mode, align, seed):
    """A grid (shape (N, Ho, Wo, 2)) whose pixel coordinates are at least 0.1 away from
    integers (bilinear's kinks, border's clamps) and, for reflection without
    align_corners, from the half-integer edges it reflects off."""
    r = rng(seed)

    def coords(n, size):
        lo, hi = (-1, n) if padding_mode == "zeros" else (-n - 1, 2 * n)
        k = r.integers(lo, hi, size)
        u = r.uniform(0.15, 0.35, size) + r.choice([0.0, 0.5], size)  # (away from 0, 0.5 and 1)
        c = k + u
        return c / (n - 1) * 2 - 1 if align else (2 * c + 1) / n - 1

    size = shape[:3]
    return np.stack([coords(w, size), coords(h, size)], axis=-1)


@pytest.mark.parametrize("align", [False, True])
@pytest.mark.parametrize("padding_mode", PADDINGS)
def test_bilinear_gradients_for_input_and_grid(padding_mode, align):
    for k, (shape, out_hw) in enumerate([((1, 2, 3, 4), (2, 3)), ((2, 1, 2, 3), (1, 2))]):
        x = rng(10 + k).standard_normal(shape)
        grid = smooth_grid((shape[0],) + out_hw + (2,), shape[2], shape[3], padding_mode, align, 20 + k)

        def f(x, g):
            return F.grid_sample(x, g, padding_mode=padding_mode, align_corners=align)

        assert am.gradcheck(f, (x, grid))
        assert am.gradgradcheck(f, (x, grid))


@settings(max_examples=5, deadline=None)
@given(n=st.integers(1, 2), c=st.integers(1, 2), h=st.integers(2, 4), w=st.integers(2, 4),
       ho=st.integers(1, 3), wo=st.integers(1, 3), padding_mode=st.sampled_from(PADDINGS),
       align=st.booleans(), seed=st.integers(0, 100))
def test_bilinear_gradients_on_drawn_shapes(n, c, h, w, ho, wo, padding_mode, align, seed):
    x = rng(seed).standard_normal((n, c, h, w))
    grid = smooth_grid((n, ho, wo, 2), h, w, padding_mode, align, seed + 1)
    assert am.gradcheck(lambda x, g: F.grid_sample(x, g, padding_mode=padding_mode, align_corners=align),
                        (x, grid))


@pytest.mark.parametrize("padding_mode", PADDINGS)
def test_nearest_gradient_for_input_and_zero_for_grid(padding_mode):
    x = rng(5).standard_normal((2, 2, 3, 4))
    grid = smooth_grid((2, 3, 2, 2), 3, 4, padding_mode, False, 6)
    grid = grid + 0.0  # (pixel coordinates 0.15 .. 0.35 or 0.65 .. 0.85 past an integer: no halves)
    assert am.gradcheck(lambda x: F.grid_sample(x, grid, mode="nearest", padding_mode=padding_mode), (x,))
    assert am.gradgradcheck(lambda x: F.grid_sample(x, grid, mode="nearest", padding_mode=padding_mode), (x,))
    g = am.tensor(grid, requires_grad=True)
    F.grid_sample(am.tensor(x), g, mode="nearest", padding_mode=padding_mode).sum().backward()
    np.testing.assert_array_equal(g.grad.data, 0.0)


@pytest.mark.parametrize("align", [False, True])
def test_spatial_transformer_gradients_reach_theta(align):
    x = rng(7).standard_normal((2, 2, 4, 5))
    theta = np.array([[[0.813, 0.137, 0.071], [-0.113, 0.907, 0.053]],
                      [[1.093, -0.211, 0.097], [0.149, 0.711, -0.123]]])
    # (checked away from kinks: the grid's pixel coordinates stay off integers)
    grid = F.affine_grid(am.tensor(theta), (2, 2, 3, 3), align_corners=align).data
    ix = ((grid[..., 0] + 1) / 2 * 4) if align else (((grid[..., 0] + 1) * 5 - 1) / 2)
    iy = ((grid[..., 1] + 1) / 2 * 3) if align else (((grid[..., 1] + 1) * 4 - 1) / 2)
    for c in (ix, iy):
        assert np.abs(c - np.round(c)).min() > 1e-3

    def f(x, theta):
        return F.grid_sample(x, F.affine_grid(theta, (2, 2, 3, 3), align_corners=align), align_corners=align)

    assert am.gradcheck(f, (x, theta))
    assert am.gradgradcheck(f, (x, theta))


# -- infinite and NaN coordinates, infinite pixels -------------------------------------------


X12 = np.arange(1.0, 13.0).reshape(1, 1, 3, 4)
GRID_FAR = np.array([[[[np.inf, 0.0], [-np.inf, 0.0], [1e300, 0.0], [-1e300, 0.3], [0.25, 0.0]]]])


@pytest.mark.parametrize("mode", MODES)
def test_points_far_outside_read_zeros_with_zero_gradients(mode):
    x, g = am.tensor(X12, requires_grad=True), am.tensor(GRID_FAR, requires_grad=True)
    with np.errstate(all="raise"):
        out = F.grid_sample(x, g, mode=mode)
        out.sum().backward()
    np.testing.assert_array_equal(out.data.ravel(), [0.0, 0.0, 0.0, 0.0, 7.0])
    assert np.isfinite(x.grad.data).all() and np.isfinite(g.grad.data).all()
    np.testing.assert_array_equal(g.grad.data[0, 0, :4], 0.0)


@pytest.mark.parametrize("mode", MODES)
def test_border_clamps_infinite_points_to_the_edges(mode):
    x, g = am.tensor(X12, requires_grad=True), am.tensor(GRID_FAR, requires_grad=True)
    out = F.grid_sample(x, g, mode=mode, padding_mode="border")
    out.sum().backward()
    np.testing.assert_allclose(out.data.ravel(), [8.0, 5.0, 8.0, 6.8 if mode == "bilinear" else 5.0, 7.0])
    assert np.isfinite(g.grad.data).all()
    np.testing.assert_array_equal(g.grad.data[0, 0, :3, 0], 0.0)  # (clamped: no x gradient)


@pytest.mark.parametrize("padding_mode", PADDINGS)
@pytest.mark.parametrize("mode", MODES)
def test_a_nan_point_gives_nan_there_only(mode, padding_mode):
    grid = np.array([[[[np.nan, 0.0], [0.1, np.nan], [0.25, 0.0]]]])
    x, g = am.tensor(X12, requires_grad=True), am.tensor(grid, requires_grad=True)
    out = F.grid_sample(x, g, mode=mode, padding_mode=padding_mode)
    assert np.isnan(out.data[0, 0, 0, :2]).all() and out.data[0, 0, 0, 2] == 7.0
    out.sum().backward()
    assert np.isfinite(x.grad.data).all() and np.isfinite(g.grad.data).all()


def test_an_infinite_pixel_with_weight_zero_adds_zero_not_nan():
    x = am.tensor(np.array([[[[1.0, np.inf], [2.0, 3.0]]]]))
    grid = am.tensor(np.array([[[[-1.0, -1.0], [-1.0, 1.0]]]]))  # (on the pixels (0, 0) and (1, 0))
    out = F.grid_sample(x, grid, align_corners=True)
    np.testing.assert_array_equal(out.data.ravel(), [1.0, 2.0])


def test_reflection_refuses_an_infinite_point():
    g = GRID_FAR.copy()
    with pytest.raises(ValueError, match=r"grid_sample: grid of shape \(1, 1, 5, 2\) holds inf.*reflection"):
        F.grid_sample(am.tensor(X12), am.tensor(g), padding_mode="reflection")
    g[0, 0, :2] = 0.5
    out = F.grid_sample(am.tensor(X12), am.tensor(g), padding_mode="reflection")  # (1e300 is finite)
    assert np.isfinite(out.data).all()


# -- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize("args, kwargs, error, message", [
    ((np.zeros((1, 1, 3, 4)), np.zeros((1, 2, 2, 2))), {"mode": "bicubic"}, ValueError, r"grid_sample: mode"),
    ((np.zeros((1, 1, 3, 4)), np.zeros((1, 2, 2, 2))), {"padding_mode": "circular"}, ValueError,
     r"grid_sample: padding_mode"),
    ((np.zeros((1, 1, 3, 4)), np.zeros((1, 2, 2, 2))), {"align_corners": 1}, TypeError,
     r"grid_sample: align_corners"),
    ((np.zeros((1, 3, 4)), np.zeros((1, 2, 2, 2))), {}, ValueError, r"grid_sample: .*\(1, 3, 4\)"),
    ((np.zeros((1, 1, 2, 3, 4)), np.zeros((1, 2, 2, 2, 3))), {}, ValueError, r"grid_sample: .*4-D"),
    ((np.zeros((1, 1, 3, 4)), np.zeros((1, 2, 2, 3))), {}, ValueError,
     r"grid_sample: expected grid of shape \(1, Ho, Wo, 2\) .*\(1, 1, 3, 4\), got shape \(1, 2, 2, 3\)"),
    ((np.zeros((2, 1, 3, 4)), np.zeros((1, 2, 2, 2))), {}, ValueError, r"grid_sample: .*\(1, 2, 2, 2\)"),
    ((np.zeros((1, 1, 0, 4)), np.zeros((1, 2, 2, 2))), {}, ValueError, r"grid_sample: .*non-empty"),
    ((np.zeros((1, 1, 3, 4)), np.zeros((1, 2, 2, 2), np.float32)), {}, TypeError,
     r"grid_sample: .*float64 \(shape \(1, 1, 3, 4\)\) and float32 \(shape \(1, 2, 2, 2\)\)"),
    ((np.zeros((1, 1, 3, 4), np.int64), np.zeros((1, 2, 2, 2), np.int64)), {}, TypeError, r"grid_sample: .*int64"),
])
def test_grid_sample_refuses_bad_input(args, kwargs, error, message):
    with pytest.raises(error, match=message):
        F.grid_sample(*(am.tensor(a) for a in args), **kwargs)


@pytest.mark.parametrize("theta, size, kwargs, error, message", [
    (np.zeros((2, 2, 3)), (1, 1, 3, 4), {}, ValueError, r"affine_grid: expected theta of shape \(1, 2, 3\) "
     r"for size \(1, 1, 3, 4\), got shape \(2, 2, 3\)"),
    (np.zeros((1, 3, 3)), (1, 1, 3, 4), {}, ValueError, r"affine_grid: .*\(1, 3, 3\)"),
    (np.zeros((1, 3, 4)), (1, 1, 2, 3, 4), {}, ValueError, r"affine_grid: only 4-D sizes"),
    (np.zeros((1, 2, 3)), (1, 1, 0, 4), {}, ValueError, r"affine_grid: size must be positive"),
    (np.zeros((1, 2, 3)), (1, 1, 2.0, 4), {}, TypeError, r"affine_grid: size must be a tuple of ints"),
    (np.zeros((1, 2, 3)), (1, 1, 3, 4), {"align_corners": None}, TypeError, r"affine_grid: align_corners"),
    (np.zeros((1, 2, 3), np.int64), (1, 1, 3, 4), {}, TypeError, r"affine_grid: .*int64"),
])
def test_affine_grid_refuses_bad_input(theta, size, kwargs, error, message):
    with pytest.raises(error, match=message):
        F.affine_grid(am.tensor(theta), size, **kwargs)


# -- am.compile ------------------------------------------------------------------------------


@pytest.mark.parametrize("mode, padding_mode", [("bilinear", "zeros"), ("bilinear", "reflection"),
                                                ("nearest", "border")])
def test_compiled_replay_equals_eager_bit_for_bit(mode, padding_mode):
    def loss(x, theta, grid):
        sampled = F.grid_sample(x, F.affine_grid(theta, (2, 2, 3, 4)), mode=mode, padding_mode=padding_mode)
        again = F.grid_sample(x, grid, mode=mode, padding_mode=padding_mode)
        return (sampled * sampled).sum() + (again * again).sum()

    step = am.compile(loss)
    for seed in range(3):
        r = rng(30 + seed)
        x = am.tensor(r.standard_normal((2, 2, 4, 5)), requires_grad=True)
        theta = am.tensor(r.standard_normal((2, 2, 3)), requires_grad=True)
        grid = am.tensor(r.uniform(-3.0, 3.0, (2, 3, 2, 2)), requires_grad=True)
        results = []
        for f in (loss, step):
            for t in (x, theta, grid):
                t.grad = None
            out = f(x, theta, grid)
            out.backward()
            results.append((out.data.copy(), x.grad.data.copy(), theta.grad.data.copy(), grid.grad.data.copy()))
        for a, b in zip(*results):
            np.testing.assert_array_equal(a, b)


def test_compiled_replay_refuses_an_infinite_point_with_reflection():
    step = am.compile(lambda x, g: F.grid_sample(x, g, padding_mode="reflection").sum())
    x = am.tensor(X12)
    step(x, am.tensor(np.zeros((1, 2, 2, 2))))
    step(x, am.tensor(np.zeros((1, 2, 2, 2))))
    with pytest.raises(ValueError, match="grid_sample: grid of shape .* holds inf"):
        step(x, am.tensor(np.full((1, 2, 2, 2), np.inf)))
