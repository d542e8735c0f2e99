"""Tests of the large-array fast paths in the primitive table (used by CNN training):
max over a small window of axes (forward and VJP), where with a plain zero
(bitwise select), fold of non-overlapping windows (assignment), constant pad.

Each path must give exactly what the general numpy formulation gives. The
size threshold `primitives._BIG` is lowered so gradient checks can run the
fast paths on small float64 arrays (and the window routes' `_REDUCE_LEAST`,
`_VJP_LEAST` and `_SPREAD_LEAST` with it).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import primitives as P
from autograd_mini.nn import functional as F

SETTINGS = settings(max_examples=15, deadline=None)


def rand(*shape: int, seed: int = 0, dtype=np.float64) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal shape, dtype and values, NaN where NaN, and the same sign of zero."""
    return (a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)
            and bool((np.signbit(a) == np.signbit(b)).all()))


def set_thresholds(monkeypatch, least: int) -> None:
    """Take every size-dependent fast path from `least` elements (results per window entry) up."""
    for name in ("_BIG", "_REDUCE_LEAST", "_VJP_LEAST", "_SPREAD_LEAST"):
        monkeypatch.setattr(P, name, least)


@pytest.fixture
def small_threshold(monkeypatch):
    set_thresholds(monkeypatch, 1)


# -- max over a window of axes --------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("axis,keepdims", [((4, 5), False), ((2, 4), True), (-1, False), ((3, 4), False)])
def test_window_max_forward_equals_reduce(dtype, axis, keepdims):
    x = rand(16, 8, 6, 5, 2, 3, seed=1, dtype=dtype)
    x[0, 0, 0, 0, 1, 2] = np.nan
    assert P._window_axes(x.shape, axis, P._REDUCE_LEAST) is not None  # the fast path is taken
    got = P.max(x, axis=axis, keepdims=keepdims)
    assert same_bits(got, np.maximum.reduce(x, axis=axis, keepdims=keepdims))


def test_window_max_leaves_big_windows_and_bad_axes_to_numpy():
    x = rand(64, 32, 20)
    assert P._window_axes(x.shape, (1, 2), 1) is None  # 640 entries per result
    assert P._window_axes(x.shape, (1, 1), 1) is None
    assert P._window_axes(x.shape, (0, 1, 2), 1) is None
    with pytest.raises(ValueError, match="duplicate value in 'axis'"):
        P.max(x, axis=(2, 2))
    with pytest.raises(np.exceptions.AxisError, match="axis 5 is out of bounds for array of dimension 3"):
        P.max(x, axis=5)


@pytest.mark.parametrize("op", ["sum", "max"])
def test_window_routes_refuse_a_bool_axis_as_numpy_does_at_any_size(op):
    # numpy refuses axis=True (not an integer); the window check took it for axis 1,
    # so a big array was reduced where a small one raised
    for shape in [(4, 2), (4096, 2)]:
        for axis in (True, (False,)):
            with pytest.raises(TypeError, match="an integer is required"):
                getattr(P, op)(np.ones(shape, np.float32), axis=axis)


@pytest.mark.usefixtures("small_threshold")
@pytest.mark.parametrize("axis,keepdims", [((1, 3), False), ((2, 3), True), (1, False)])
def test_window_max_vjp_first_and_second_order(axis, keepdims):
    x = rand(3, 2, 4, 3, seed=2)
    f = lambda t: (t.max(axis=axis, keepdims=keepdims) ** 2).sum()  # noqa: E731
    assert am.gradcheck(f, (x,))
    assert am.gradgradcheck(f, (x,))


@pytest.mark.usefixtures("small_threshold")
def test_window_max_vjp_shares_ties_equally():
    # Integer-valued data has many ties; the fast VJP must match the general one.
    x = np.random.default_rng(3).integers(0, 3, (4, 3, 2, 5, 2)).astype(np.float64)
    g = rand(4, 3, 5, seed=4)
    ans = np.maximum.reduce(x, axis=(2, 4), keepdims=True)
    winners = x == ans
    expected = g[:, :, None, :, None] / winners.sum(axis=(2, 4), keepdims=True) * winners
    got = P._max_vjp(g, ans.reshape(g.shape), x, axis=(2, 4))
    np.testing.assert_allclose(got, expected, rtol=1e-15)
    assert (winners.sum(axis=(2, 4)) > 1).any()  # the data really has ties


@pytest.mark.usefixtures("small_threshold")
def test_max_pool_through_the_fast_paths_matches_the_general_gradient(monkeypatch):
    x = rand(2, 3, 6, 6, seed=5)
    fast = am.tensor(x, requires_grad=True)
    (F.max_pool2d(fast, 2) ** 2).sum().backward()
    set_thresholds(monkeypatch, 1 << 60)
    slow = am.tensor(x, requires_grad=True)
    (F.max_pool2d(slow, 2) ** 2).sum().backward()
    np.testing.assert_allclose(fast.grad.data, slow.grad.data, rtol=1e-15)


def test_window_max_keeps_float32():
    x = am.tensor(rand(64, 8, 14, 14, dtype=np.float32), requires_grad=True)
    out = F.max_pool2d(x, 2)
    out.sum().backward()
    assert out.dtype == x.grad.dtype == np.float32


def general_max_vjp(g, ans, x, axis):
    """g / count where x won (equals the maximum, or is a NaN that made it NaN), +0.0 elsewhere."""
    kshape = np.maximum.reduce(x, axis=axis, keepdims=True).shape
    m = ans.reshape(kshape)
    winners = (x == m) | (np.isnan(x) & np.isnan(m))
    share = g.reshape(kshape) / winners.sum(axis=axis, keepdims=True).astype(g.dtype)
    return np.where(winners, share, np.zeros((), g.dtype))


@pytest.mark.usefixtures("small_threshold")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", [(0, 1, 2, 3), (1, 2, 3, 0), (3, 2, 1, 0)])
def test_window_max_vjp_in_any_layout_equals_the_general_formula(dtype, layout):
    # x in the memory order `layout` (conv2d's CHWN output is (1, 2, 3, 0)),
    # g in another one, with ties (zeros after a ReLU) and a NaN window.
    mem = np.maximum(rand(*(np.array((4, 3, 6, 8))[list(layout)]), seed=9, dtype=dtype), 0)
    x = mem.transpose(np.argsort(layout))  # logical (4, 3, 6, 8)
    x[0, 0, 0, 0] = np.nan
    tiles = x.reshape(4, 3, 3, 2, 4, 2)
    ans = P.max(tiles, axis=(3, 5))
    g = rand(*ans.shape, seed=10, dtype=dtype)
    got = P._max_vjp(g, ans, tiles, axis=(3, 5))
    expected = general_max_vjp(g, ans, tiles, (3, 5))
    assert same_bits(got, expected)
    assert got[0, 0, 0, 0, 0, 0] == g[0, 0, 0, 0]  # the NaN made the window's maximum: it wins
    assert (got == 0).sum() > 0.5 * got.size and not np.signbit(got[got == 0]).any()  # losers: +0.0
    assert P._layout(got.strides) == P._layout(tiles.strides)  # x's layout: the reshape back is free
    assert np.shares_memory(got.reshape(x.shape), got)


@pytest.mark.usefixtures("small_threshold")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", ["no ties", "a NaN window and a tied one", "ties only"])
@pytest.mark.parametrize("batch_fastest", [False, True], ids=["slice by slice", "broadcast"])
def test_window_max_vjp_counts_winners_per_window_when_the_total_could_mislead(dtype, case, batch_fastest):
    # One winner per window in total (as many winners as windows) also happens when
    # a NaN window has none and a tied one two: the per-window count must decide then.
    # Both routes: the window slices (NCHW memory) and one broadcast call (batch fastest).
    tiles = rand(4, 3, 3, 2, 4, 2, seed=11, dtype=dtype)
    if batch_fastest:
        tiles = np.moveaxis(np.moveaxis(tiles, 0, -1).copy(), -1, 0)
        assert tiles.strides[0] == tiles.itemsize
    if case != "no ties":
        tiles[1, 2, 0, :, 3, :] = [[5.0, 5.0], [1.0, 2.0]]  # two winners
    if case == "a NaN window and a tied one":
        tiles[0, 1, 2, 0, 1, 1] = np.nan  # no entry equals a NaN maximum
    ans = P.max(tiles, axis=(3, 5))
    g = rand(*ans.shape, seed=12, dtype=dtype)
    got = P._max_vjp(g, ans, tiles, axis=(3, 5))
    assert same_bits(got, general_max_vjp(g, ans, tiles, (3, 5)))
    if case != "no ties":
        assert got[1, 2, 0, 0, 3, 0] == got[1, 2, 0, 0, 3, 1] == g[1, 2, 0, 3] / 2


def test_window_max_vjp_of_complex_numbers_with_a_nan_window_and_a_tie():
    x = np.ones((8192, 2), dtype=np.complex128)  # big enough for the window route
    x[0] = [np.nan, 1]  # a NaN maximum: no winner
    x[1] = [5, 5]  # a tie: two winners, so the total equals the number of windows
    x[2:, 0] = 0
    big = am.tensor(x, requires_grad=True)
    big.max(axis=1).sum().backward()
    small = am.tensor(x[:3], requires_grad=True)  # the general route
    small.max(axis=1).sum().backward()
    np.testing.assert_array_equal(big.grad.data[:3], small.grad.data)
    np.testing.assert_array_equal(small.grad.data, [[1, 0], [0.5, 0.5], [0, 1]])


def test_pick_backward_gives_the_same_bits_plain_and_recorded():
    grads = []
    for create_graph in (False, True):
        x = am.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
        y = P.pick(x, np.array([2, 0]), axis=1)
        (y * am.tensor([-0.0, 1.0])).sum().backward(create_graph=create_graph)  # g = [-0.0, 1.0]
        grads.append(np.asarray(x.grad.data))
    assert np.signbit(grads[0]).tolist() == np.signbit(grads[1]).tolist() == [[False] * 3] * 2


@pytest.mark.usefixtures("small_threshold")
def test_max_pool_of_a_conv_first_and_second_order():
    # conv2d's CHWN output through ReLU into 2x2 pooling: the slice-by-slice
    # max VJP and the layout-following fold, gradient-checked in float64.
    x, w = rand(3, 2, 6, 6, seed=11), rand(3, 2, 3, 3, seed=12)
    f = lambda x, w: (F.max_pool2d(F.relu(F.conv2d(x, w, padding=1)), 2) ** 2).sum()  # noqa: E731
    assert am.gradcheck(f, (x, w))
    assert am.gradgradcheck(f, (x, w))


def test_conv2d_lands_batch_fastest_and_pools_keep_it():
    x = am.tensor(rand(4, 2, 8, 8, seed=13, dtype=np.float32), requires_grad=True)
    w = am.tensor(rand(3, 2, 3, 3, seed=14, dtype=np.float32), requires_grad=True)
    out = F.conv2d(x, w, padding=1)
    assert P._layout(out.data.strides) == [1, 2, 3, 0]  # (C, H, W, N) in memory
    pooled = F.max_pool2d(out, 2)
    assert P._layout(pooled.data.strides) == [1, 2, 3, 0]
    pooled.sum().backward()
    assert x.grad.shape == x.shape and w.grad.shape == w.shape


# -- which reductions take the window route; sum over a window; unfolded windows ---------


def test_window_route_is_taken_where_slices_beat_numpys_reduce():
    f32 = np.float32
    # Pooling tiles of one image or a small batch (numpy: inner loops of 2), 2 and 4 rows' ends.
    for shape, axis, axes in [((1, 8, 14, 2, 14, 2), (3, 5), (3, 5)), ((2, 16, 7, 2, 7, 2), (5, 3), (3, 5)),
                              ((4096, 2), 1, (1,)), ((512, 4), -1, (1,))]:
        assert P._window_route(np.zeros(shape, f32), axis, P._REDUCE_LEAST) == axes
    # Too few results per window entry (softmax's rows of 10 logits), a window that is the
    # outermost axis in memory (a batch of 8 reduced: numpy runs long inner loops), not an ndarray.
    for x, axis in [(np.zeros((128, 10), f32), 1), (np.zeros((8, 512), f32), 0), (am.zeros((8, 512)), 1)]:
        assert P._window_route(x, axis, P._REDUCE_LEAST) is None
    assert P._window_route(np.zeros((512, 8), f32).T, 0, P._REDUCE_LEAST) == (0,)  # (there it is innermost)
    # A VJP's slices cost more: it needs more results per entry.
    small = np.zeros((1, 4, 14, 2, 14, 2), f32)
    assert P._window_route(small, (3, 5), P._REDUCE_LEAST) == (3, 5)
    assert P._window_route(small, (3, 5), P._VJP_LEAST) is None
    assert P._window_route(np.zeros((1, 8, 14, 2, 14, 2), f32), (3, 5), P._VJP_LEAST) == (3, 5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128])
@pytest.mark.parametrize("axis,keepdims", [((3, 5), False), ((3, 5), True), (-1, False)])
@pytest.mark.parametrize("order", [(0, 1, 2, 3, 4, 5), (1, 2, 3, 4, 5, 0)], ids=["C", "batch last"])
def test_window_sum_equals_reduce(dtype, axis, keepdims, order):
    mem = rand(*(np.array((32, 4, 5, 2, 6, 2))[list(order)]), seed=11).astype(dtype)
    x = mem.transpose(np.argsort(order))
    x[1, 1, 1, 1, 1, 1] = np.nan
    assert P._window_route(x, axis, P._REDUCE_LEAST) is not None  # the slices are taken
    got = P.sum(x, axis=axis, keepdims=keepdims)
    want = np.add.reduce(x, axis=axis, keepdims=keepdims)
    assert got.shape == want.shape and got.dtype == want.dtype
    # (the same sums, the window's entries added in its own order: equal up to the
    # rounding of a few additions, relative to the sum of the entries' magnitudes)
    bound = 4 * np.finfo(dtype).eps * np.add.reduce(np.abs(x), axis=axis, keepdims=keepdims)
    finite = ~np.isnan(want)
    assert (np.abs(got - want)[finite] <= bound[finite]).all()
    assert (np.isnan(got) == ~finite).all() and (~finite).sum() == 1


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64, np.complex128])
def test_window_sum_of_negative_zeros_is_positive_zero_as_numpys(dtype):
    # numpy's reduction (and PyTorch's sum) starts from +0.0, so a window of -0.0 entries
    # sums to +0.0; adding the slices gave -0.0, so the sign of an avg-pooled zero
    # depended on the batch size and memory layout (which decide the route)
    x = np.full((64, 3, 2), -0.0, dtype=dtype)
    if x.dtype.kind == "c":
        x.imag = -0.0
    x[0, 0, 0] = 1.0  # (one window that does not sum to zero)
    assert P._window_route(x, 2, P._REDUCE_LEAST) == (2,)  # the slices are taken
    for axis, keepdims in [(2, False), ((2,), True)]:
        got, want = P.sum(x, axis=axis, keepdims=keepdims), np.add.reduce(x, axis=axis, keepdims=keepdims)
        assert got.dtype == want.dtype and got.shape == want.shape
        for part in (np.real, np.imag):
            assert same_bits(part(got), part(want))


@pytest.mark.parametrize("dtype", [np.float16, np.int8, np.uint16, np.bool_])
def test_window_sum_leaves_other_dtypes_to_numpy(dtype):
    # numpy sums small integers and bools in its default int; float16 is summed in
    # float32 (numpy would add along outer axes in float16).
    x = (rand(64, 8, 2, 8, 2, seed=12) * 3).astype(dtype)
    got = P.sum(x, axis=(2, 4))
    want = (np.add.reduce(x, axis=(2, 4), dtype=np.float32).astype(np.float16) if dtype == np.float16
            else np.add.reduce(x, axis=(2, 4)))
    assert got.dtype == want.dtype and same_bits(got, want)


@pytest.mark.usefixtures("small_threshold")
@pytest.mark.parametrize("order", [(0, 1, 2, 3), (0, 2, 3, 1), (1, 2, 3, 0)], ids=["NCHW", "NHWC", "CHWN"])
@pytest.mark.parametrize("pool", ["avg 2", "avg 2 stride 1", "max 2 stride 1", "avg 3 stride 2 pad 1", "max 3 stride 2 pad 1"])
def test_pools_through_the_window_routes_first_and_second_order(order, pool):
    # Tiles (a dense view of the image) and overlapping windows (an unfolded view), in
    # three memory layouts; max with stride 1 over a ReLU-like input has ties.
    mem = rand(*(np.array((2, 3, 5, 6))[list(order)]), seed=13)
    x = mem.transpose(np.argsort(order))
    kind, k, *rest = pool.split()
    stride = int(rest[1]) if len(rest) > 1 else None
    padding = int(rest[3]) if len(rest) > 3 else 0
    pool_fn = F.avg_pool2d if kind == "avg" else F.max_pool2d
    f = lambda t: (pool_fn(t, int(k), stride, padding) ** 2).sum()  # noqa: E731
    assert am.gradcheck(f, (x,))
    assert am.gradgradcheck(f, (x,))


@pytest.mark.usefixtures("small_threshold")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("order", [(0, 1, 2, 3), (0, 2, 3, 1), (1, 2, 3, 0)], ids=["NCHW", "NHWC", "CHWN"])
def test_window_vjps_of_unfolded_windows_equal_the_general_formulas(dtype, order):
    mem = np.maximum(rand(*(np.array((4, 3, 6, 7))[list(order)]), seed=14, dtype=dtype), 0)  # (ties at 0)
    x = mem.transpose(np.argsort(order))
    windows = P.unfold(x, kernel_size=(2, 2), stride=(1, 1), dilation=(1, 1))  # (4, 3, 5, 6, 2, 2), overlapping
    assert not P._dense(windows) and P._dense(x.reshape(4, 3, 3, 2, 7, 1))
    ans = P.max(windows, axis=(4, 5))
    g = rand(*ans.shape, seed=15, dtype=dtype)
    got_max = P._max_vjp(g, ans, windows, axis=(4, 5))
    got_sum = P._sum_vjp(g, P.sum(windows, axis=(4, 5)), windows, axis=(4, 5))
    assert same_bits(got_max, general_max_vjp(g, ans, windows, (4, 5)))
    assert same_bits(got_sum, np.broadcast_to(g[..., None, None], windows.shape))
    for got in (got_max, got_sum):
        # each window entry's slice is one contiguous block (what fold reads), the rest in x's order
        assert P._layout(got.strides)[:2] == [4, 5] and got[..., 1, 0].flags.c_contiguous == (order == (0, 1, 2, 3))
        assert P._layout(got.strides)[2:] == [a for a in P._layout(windows.strides) if a < 4]


@pytest.mark.usefixtures("small_threshold")
@pytest.mark.parametrize("order", [(0, 1, 2, 3), (1, 2, 3, 0)], ids=["NCHW", "CHWN"])
def test_window_sum_vjp_of_tiles_is_in_the_images_layout(order):
    mem = rand(*(np.array((4, 3, 6, 8))[list(order)]), seed=16)
    x = mem.transpose(np.argsort(order))
    tiles = x.reshape(4, 3, 3, 2, 4, 2)
    g = rand(4, 3, 3, 4, seed=17)
    got = P._sum_vjp(g, P.sum(tiles, axis=(3, 5)), tiles, axis=(3, 5))
    assert same_bits(got, np.broadcast_to(g[:, :, :, None, :, None], tiles.shape))
    assert P._layout(got.strides) == P._layout(tiles.strides)
    assert np.shares_memory(got.reshape(x.shape), got)  # the reshape back is free


# -- where with a plain zero ----------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_where_with_zero_is_bitwise_np_where(dtype):
    x = rand(130, 140, seed=6, dtype=dtype)
    x[0, :4] = [np.inf, -np.inf, np.nan, -0.0]
    c = np.random.default_rng(7).random(x.shape) > 0.5
    c[0, :4] = [False, False, False, True]
    for a, b in ((x, 0.0), (0, x), (x, 0)):
        assert same_bits(P.where(c, a, b), np.where(c, a, b))
    assert same_bits(P.where(c.T, x.T, 0.0), np.where(c.T, x.T, 0.0))  # strided views
    # Other cases go to np.where unchanged: -0.0, non-zero scalars, broadcasting, ints.
    ints = np.arange(x.size).reshape(x.shape)
    for a, b in ((x, -0.0), (x, 1.0), (x[:1], 0.0), (ints, 0)):
        assert same_bits(P.where(c, a, b), np.where(c, a, b))


@pytest.mark.usefixtures("small_threshold")
def test_relu_through_the_bitwise_select_first_and_second_order():
    x = rand(4, 5, seed=8)
    assert am.gradcheck(lambda t: (F.relu(t) ** 3).sum(), (x,))
    assert am.gradgradcheck(lambda t: (F.relu(t) ** 3).sum(), (x,))


@pytest.mark.usefixtures("small_threshold")
@pytest.mark.parametrize("shape", [(7,), (3, 4)])
def test_where_with_a_zero_on_either_side_through_the_bitwise_select_first_and_second_order(shape):
    # (relu puts its zero first; where(c, x, 0.0) takes the other branch, forward and in the VJPs)
    c = np.random.default_rng(9).random(shape) > 0.5
    c.flat[:2] = [True, False]

    def f(t):
        return am.where(c, t * t, 0.0) + am.where(c, 0.0, t.sin())

    x = rand(*shape, seed=10)
    assert am.gradcheck(f, (x,))
    assert am.gradgradcheck(f, (x,))


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("other", ["array", "row", "number", "int"])
def test_where_of_two_float_operands_is_bitwise_np_where(dtype, other):
    big = P._BIG
    x = rand(big // 64, 64, seed=20, dtype=dtype)
    x.flat[:4] = [np.nan, -np.inf, -0.0, np.inf]
    c = rand(big // 64, 64, seed=21) > 0
    y = {"array": rand(big // 64, 64, seed=22, dtype=dtype) * 3, "row": rand(64, seed=23, dtype=dtype),
         "number": -2.5, "int": 7}[other]
    if other == "array":
        y.flat[4:7] = [-0.0, np.nan, 1e-40 if dtype != np.float16 else 1e-7]
    for got, want in [(P._where(c, x, y), np.where(c, x, y)), (P._where(c, y, x), np.where(c, y, x))]:
        assert same_bits(got, want)


@pytest.mark.parametrize("number", [2**60 + 2**36 + 1, -(2**62 + 2**38 + 1), 2**64 - 1, 2**53 + 2**29 + 1])
def test_where_of_a_float32_array_and_a_large_python_int_rounds_the_int_as_np_where(number):
    # np.where rounds an int once, to float32; np.asarray(number, float32) goes
    # through float64 first, and twice rounded 2**60 + 2**36 + 1 lands on 2**60.
    x = rand(P._BIG, seed=29, dtype=np.float32)
    c = x > 0
    for got, want in [(P._where(c, x, number), np.where(c, x, number)),
                      (P._where(c, number, x), np.where(c, number, x))]:
        assert same_bits(got, want)


def test_where_of_two_operands_keeps_their_memory_order_and_leaves_the_rest_to_numpy():
    mem = rand(16, 8, 8, 32, seed=24, dtype=np.float32)
    x = mem.transpose(3, 0, 1, 2)  # batch fastest, as conv2d's outputs
    c = x > 0
    got = P._where(c, x, 0.5 * x)
    assert same_bits(got, np.where(c, x, 0.5 * x)) and P._layout(got.strides) == P._layout(x.strides)
    # Mixed dtypes, another byte order, or a y that widens the result: numpy's where.
    x64 = rand(P._BIG // 64, 64, seed=25)
    c = x64 > 0
    for y in (x64.astype(np.float32), x64.astype(">f8"), rand(3, P._BIG // 64, 64, seed=26)):
        assert same_bits(P._where(c, x64, y), np.where(c, x64, y))


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("layout", ["C", "transposed", "0-d"])
def test_sigmoid_of_large_arrays_is_the_two_branch_formula_bit_for_bit(dtype, layout):
    x = (rand(300, 40, seed=27) * 20).astype(dtype)
    x.flat[:6] = [np.nan, -np.inf, np.inf, -0.0, 0.0, -1e4]
    x = {"C": x, "transposed": x.T, "0-d": x[0, 5].reshape(())}[layout]
    e = np.exp(-np.abs(x))
    r = 1 / (1 + e)
    want = np.where(x >= 0, r, e * r)
    got = P.sigmoid(x)
    assert type(got) is np.ndarray and got.dtype == want.dtype and got.shape == x.shape
    assert np.array_equal(got, want, equal_nan=True) and (np.signbit(got) == np.signbit(want)).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_of_a_0d_array_is_the_two_branch_formula_bit_for_bit(dtype):
    # (not the logaddexp form of small 1-D arrays, which rounds 1.0 and -3.0 otherwise)
    for v in (1.0, -3.0, 0.5, -7.25, np.nan):
        x = np.array(v, dtype)
        e = np.exp(-np.abs(x))
        r = 1 / (1 + e)
        want = np.where(x >= 0, r, e * r)
        got = P.sigmoid(x)
        assert type(got) is np.ndarray and same_bits(got, want), v


# -- fold of non-overlapping windows, constant pad --------------------------------------


def naive_fold(u, size, kernel, stride, dilation):
    """Add every window entry back to its position, one element at a time."""
    out = np.zeros(u.shape[:-4] + tuple(size), dtype=u.dtype)
    OH, OW = u.shape[-4:-2]
    for i, j, a, b in itertools.product(range(OH), range(OW), range(kernel[0]), range(kernel[1])):
        out[..., i * stride[0] + a * dilation[0], j * stride[1] + b * dilation[1]] += u[..., i, j, a, b]
    return out


@given(
    st.tuples(st.integers(1, 3), st.integers(1, 3)),  # kernel
    st.tuples(st.integers(0, 2), st.integers(0, 2)),  # stride beyond the window span
    st.tuples(st.integers(1, 2), st.integers(1, 2)),  # dilation
    st.tuples(st.integers(0, 3), st.integers(0, 3)),  # extra rows/columns
    st.integers(0, 2**32 - 1),
)
@SETTINGS
def test_fold_of_disjoint_windows_matches_adding(kernel, extra_stride, dilation, extra, seed):
    spans = [(k - 1) * d + 1 for k, d in zip(kernel, dilation)]
    stride = tuple(s + e for s, e in zip(spans, extra_stride))
    size = tuple(2 * s + sp + e for s, sp, e in zip(stride, spans, extra))
    x = rand(2, *size, seed=seed)
    u = P.unfold(x, kernel_size=kernel, stride=stride, dilation=dilation).copy()
    np.testing.assert_array_equal(P.fold(u, size=size, kernel_size=kernel, stride=stride, dilation=dilation),
                                  naive_fold(u, size, kernel, stride, dilation))


@given(
    st.tuples(st.integers(1, 3), st.integers(1, 3)),  # kernel
    st.tuples(st.integers(1, 2), st.integers(1, 2)),  # stride (overlapping windows where it is 1)
    st.tuples(st.integers(1, 2), st.integers(1, 2)),  # dilation
    st.tuples(st.integers(0, 3), st.integers(0, 3)),  # extra rows/columns
    st.integers(0, 2**32 - 1),
)
@SETTINGS
def test_fold_of_sliding_windows_matches_adding(kernel, stride, dilation, extra, seed):
    # stride 1 assigns the first offset's block and zeroes only the rest: every
    # position of the output must still get exactly its windows' entries.
    size = tuple((k - 1) * d + 1 + e for k, d, e in zip(kernel, dilation, extra))
    u = P.unfold(rand(2, 3, *size, seed=seed), kernel_size=kernel, stride=stride, dilation=dilation).copy()
    got = P.fold(u, size=size, kernel_size=kernel, stride=stride, dilation=dilation)
    np.testing.assert_allclose(got, naive_fold(u, size, kernel, stride, dilation), rtol=1e-14, atol=1e-14)


def test_fold_of_empty_windows_is_zero():
    u = np.ones((2, 4, 5, 0, 2))  # windows with no rows: nothing goes back
    out = P.fold(u, size=(3, 6), kernel_size=(0, 2), stride=(1, 1), dilation=(1, 1))
    assert same_bits(out, np.zeros((2, 3, 6)))


@pytest.mark.parametrize("order", [(0, 1, 2, 3), (3, 0, 1, 2), (2, 3, 1, 0)])
@pytest.mark.parametrize("kernel,stride,dilation", [((3, 3), (1, 1), (1, 1)), ((2, 3), (2, 1), (1, 2)), ((1, 2), (3, 2), (2, 1))])
def test_unfold_is_a_read_only_view_of_the_windows_in_any_memory_order(order, kernel, stride, dilation):
    # conv2d unfolds a permuted (batch-fastest) array: the view must read it in place.
    x = np.ascontiguousarray(rand(2, 3, 9, 8, seed=4).transpose(order)).transpose(np.argsort(order))
    u = P.unfold(x, kernel_size=kernel, stride=stride, dilation=dilation)
    assert np.shares_memory(u, x) and not u.flags.writeable
    outs = tuple((n - (k - 1) * d - 1) // s + 1 for n, k, s, d in zip((9, 8), kernel, stride, dilation))
    assert u.shape == (2, 3) + outs + kernel
    for i, j, a, b in itertools.product(*(range(n) for n in outs + kernel)):
        np.testing.assert_array_equal(u[:, :, i, j, a, b],
                                      x[:, :, i * stride[0] + a * dilation[0], j * stride[1] + b * dilation[1]])


@pytest.mark.parametrize("kernel,stride,dilation", [
    ((3,), (1,), (-1,)),       # a negative dilation would read before x's memory
    ((3,), (1,), (-(1 << 40),)),
    ((3,), (1,), (0,)),
    ((2,), (0,), (1,)),
    ((2, 2), (1, 1), (1,)),    # one dilation for two window axes
    ((2, 2), (1,), (1, 1)),
])
def test_unfold_refuses_bad_strides_and_dilations_before_making_a_view(kernel, stride, dilation):
    with pytest.raises(ValueError, match="unfold: kernel_size .* stride and dilation at least 1"):
        P.unfold(np.arange(20.0).reshape(4, 5), kernel_size=kernel, stride=stride, dilation=dilation)


def test_unfold_refuses_a_window_larger_than_its_input():
    with pytest.raises(ValueError, match=r"unfold: a window of \(3, 4\) .* shape \(2, 5, 3\)"):
        P.unfold(rand(2, 5, 3), kernel_size=(3, 4), stride=(1, 1), dilation=(1, 1))


@pytest.mark.parametrize("stride,kernel", [((1, 1), (3, 3)), ((2, 1), (2, 3)), ((2, 2), (2, 2))])
def test_fold_follows_the_memory_order_of_its_input(stride, kernel):
    # u laid out batch-fastest, as conv2d's input gradient: fold's output keeps that order.
    x = rand(3, 2, 7, 8, seed=15)
    u = np.ascontiguousarray(P.unfold(x, kernel_size=kernel, stride=stride, dilation=(1, 1))
                             .transpose(1, 4, 5, 2, 3, 0)).transpose(5, 0, 3, 4, 1, 2)
    got = P.fold(u, size=(7, 8), kernel_size=kernel, stride=stride, dilation=(1, 1))
    np.testing.assert_array_equal(got, naive_fold(u, (7, 8), kernel, stride, (1, 1)))
    assert P._layout(got.strides) == [1, 2, 3, 0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
@pytest.mark.parametrize("widths,value", [(((0, 0), (1, 2)), 0.0), (((2, 0), (0, 3)), -np.inf), (((1, 1),), 5)])
def test_pad_equals_np_pad(dtype, widths, value):
    x = (rand(3, 4) * 10).astype(dtype) if len(widths) == 2 else (rand(4) * 10).astype(dtype)
    if dtype == np.int64 and value == -np.inf:
        value = -7
    got = P.pad(x, pad_width=widths, value=value)
    assert same_bits(got, np.pad(x, widths, constant_values=value))


# -- bias gradient (unbroadcast of a 2-D batch over its rows) and permute's VJP -----------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("order", ["C", "F"])
def test_unbroadcast_of_rows_is_their_sum(dtype, order):
    g = np.asarray(rand(37, 9, seed=3, dtype=dtype), order=order)
    g[0, 0] = np.inf
    g[1, 1] = np.nan
    got = P.unbroadcast(g, (9,))
    assert got.shape == (9,) and got.dtype == dtype
    np.testing.assert_allclose(got, g.sum(axis=0), rtol=1e-5 if dtype == np.float32 else 1e-12)


def test_unbroadcast_of_rows_leaves_other_arrays_to_numpy():
    g16 = rand(5, 4, seed=4, dtype=np.float16)  # (summed in float32: see P._half_sum)
    assert same_bits(P.unbroadcast(g16, (4,)), g16.sum(axis=0, dtype=np.float32).astype(np.float16))
    strided = rand(10, 8, seed=5)[::2, ::2]  # neither C- nor F-contiguous
    assert same_bits(P.unbroadcast(strided, (4,)), strided.sum(axis=0))
    assert same_bits(P.unbroadcast(rand(6, 4, seed=6), (1, 4)), rand(6, 4, seed=6).sum(axis=0, keepdims=True))
    long = np.asfortranarray(rand(1025, 3, seed=7, dtype=np.float32))  # past the BLAS path's 1024 rows
    assert same_bits(P.unbroadcast(long, (3,)), long.sum(axis=0))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,target", [((8, 50176), (8, 1)), ((16, 7, 7, 256), (16, 1, 1, 1)),
                                          ((2, 3, 16384), (2, 1, 1)), ((512, 128), (512, 1))])
def test_unbroadcast_of_long_rows_is_their_sum(dtype, shape, target):
    # A conv bias gradient: (O, OH*OW*N) summed over its rows, by blocks of 128.
    g = rand(*shape, seed=11, dtype=dtype) + 0.5  # (a nonzero mean, so that rounding grows with length)
    axes = tuple(range(len(target) - target.count(1), len(shape)))
    assert axes and P._ROW_LEAST <= g.size  # the blocked route is taken
    got = P.unbroadcast(g, target)
    assert got.shape == target and got.dtype == dtype
    exact = g.astype(np.float64).sum(axis=axes, keepdims=True)
    if dtype == np.float64:
        exact = np.array([math.fsum(row) for row in g.reshape(shape[0], -1)]).reshape(target)
    # no less accurate than numpy's own pairwise sum, give or take a factor of 2
    numpy_error = np.abs(g.sum(axis=axes, keepdims=True) - exact).max()
    assert np.abs(got - exact).max() <= 2 * numpy_error + 4 * np.finfo(dtype).eps * np.abs(exact).max()


def test_unbroadcast_of_long_rows_keeps_inf_nan_and_zero():
    g = np.full((8, 8192), -0.0, dtype=np.float32)
    g[1, 100] = np.inf
    g[2, 200] = np.nan
    g[3, :2] = np.inf, -np.inf
    with np.errstate(invalid="ignore"):
        got = P.unbroadcast(g, (8, 1))
        assert same_bits(got, g.sum(axis=1, keepdims=True))
    # numpy's own sum: rows not a multiple of 128 long, column-major memory, a small array
    for other in (rand(16, 4100, seed=12, dtype=np.float32), np.asfortranarray(rand(16, 4096, seed=13)),
                  rand(2, 4096, seed=15, dtype=np.float32)):
        assert same_bits(P.unbroadcast(other, (other.shape[0], 1)), other.sum(axis=1, keepdims=True))


def test_unbroadcast_of_long_rows_in_another_byte_order_is_their_sum():
    # (data read from a big-endian file: the blocked route keys its ones by native dtypes)
    g = rand(16, 4096, seed=14, dtype=np.float32).astype(">f4")
    assert same_bits(P.unbroadcast(g, (16, 1)), g.sum(axis=1, keepdims=True))
    b = am.tensor(np.ones((16, 1), ">f4"), requires_grad=True)
    am.broadcast_to(b, (16, 4096)).backward(g)
    assert b.grad.dtype == b.dtype and np.array_equal(b.grad.data, g.sum(axis=1, keepdims=True))


def test_linear_bias_gradient_first_and_second_order():
    # F.linear computes (W x^T)^T + b: the bias gets a column-major (N, out) gradient.
    x, w, b = rand(6, 3, seed=7), rand(4, 3, seed=8), rand(4, seed=9)
    assert am.gradcheck(F.linear, (x, w, b))
    assert am.gradgradcheck(F.linear, (x, w, b))
    bt = am.tensor(b, requires_grad=True)
    F.linear(x, w, bt).sum().backward()
    np.testing.assert_allclose(bt.grad.data, np.full(4, 6.0))


@pytest.mark.parametrize("axes", [(1, 0), (2, 0, 1), (-1, 0, 1), (0, -1, -2), (3, 1, 0, 2)])
def test_permute_vjp_inverts_any_permutation(axes):
    x = rand(*(2, 3, 4, 5)[: len(axes)], seed=10)
    w = rand(*np.transpose(x, axes).shape, seed=11)
    f = lambda t: (t.permute(axes) * am.tensor(w)).sum()
    assert am.gradcheck(f, (x,))
    assert am.gradgradcheck(f, (x,))
    assert P._inverse_permutation(axes) == tuple(np.argsort(np.array(axes) % len(axes)))


# -- matmul: np.dot for small 1-D/2-D operands, np.matmul for large ones ------------------


@pytest.mark.parametrize("shape_a, shape_b", [((3, 2), (2,)), ((5, 4), (4, 3)), ((70, 60), (60, 50)), ((80, 60), (60,))])
def test_matmul_small_and_large_operands_agree_with_numpy(shape_a, shape_b):
    a, b = rand(*shape_a, seed=11), rand(*shape_b, seed=12)
    got = P.matmul(a, b)
    np.testing.assert_allclose(got, np.matmul(a, b), rtol=1e-13)
    assert P.matmul(a, b).dtype == np.float64
    assert am.gradcheck(lambda a, b: (a @ b).sum(), (a, b))
    assert am.gradgradcheck(lambda a, b: ((a @ b) ** 2).sum(), (a, b))


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128])
@pytest.mark.parametrize("shape_a, shape_b", [((5000, 1), (1, 70)), ((16, 9, 1), (16, 1, 400)), ((3, 1), (4, 1, 5)),
                                              ((1, 1), (1, 5000))])
def test_matmul_over_an_axis_of_length_one_is_bitwise_numpys(dtype, shape_a, shape_b):
    # (taken as a broadcast multiply: signed zeros, infs and NaNs as matmul's sum gives them)
    a, b = rand(*shape_a, seed=13).astype(dtype), rand(*shape_b, seed=14).astype(dtype)
    a.flat[:3] = [-0.0, np.inf, np.nan]
    b.flat[:3] = [0.0, -0.0, 2.0]
    parts = (lambda z: (z.real, z.imag)) if np.dtype(dtype).kind == "c" else (lambda z: (z,))  # noqa: E731
    with np.errstate(invalid="ignore"):  # (inf * 0)
        for got, want in [(P.matmul(a, b), np.matmul(a, b)),
                          (P.matmul_add(a, b, np.ones(shape_b[-1], dtype)), np.matmul(a, b) + 1)]:
            assert got.dtype == want.dtype and all(map(same_bits, parts(got), parts(want)))


@pytest.mark.parametrize("dtype", [np.float16, np.complex64, np.complex128])
def test_matmul_over_an_axis_of_length_one_rounds_as_numpys_for_half_and_complex(dtype):
    # matmul sums float16 products in float32 (an underflowing negative product
    # is -0.0, not +0.0) and complex ones through BLAS, whose fused multiply-adds
    # round the parts of a complex product otherwise than numpy's multiply.
    i = 1j if np.dtype(dtype).kind == "c" else 0
    a = (rand(3, 40, 1, seed=17) + i * rand(3, 40, 1, seed=18)).astype(dtype)
    b = (rand(3, 1, 50, seed=19) + i * rand(3, 1, 50, seed=20)).astype(dtype)
    if not i:
        a[0, 0, 0], b[0, 0, :] = -6e-8, 6.4e-6  # (a product below float16's least subnormal)
    got, want = P.matmul(a, b), np.matmul(a, b)
    parts = (lambda z: (z.real, z.imag)) if np.dtype(dtype).kind == "c" else (lambda z: (z,))  # noqa: E731
    assert got.dtype == want.dtype and all(map(same_bits, parts(got), parts(want)))


@pytest.mark.parametrize("shape_a, shape_b", [((40, 1), (1, 30)), ((6, 5, 1), (6, 1, 7))])
def test_matmul_over_an_axis_of_length_one_first_and_second_order(shape_a, shape_b):
    a, b = rand(*shape_a, seed=15), rand(*shape_b, seed=16)
    f = lambda a, b: ((a @ b) ** 2).sum()  # noqa: E731
    assert am.gradcheck(f, (a, b))
    assert am.gradgradcheck(f, (a, b))


# -- matmul_add: the bias added into a large product in place ------------------------------


@pytest.mark.parametrize("dtype_ab, c_shape, c_dtype", [
    (np.float32, (200, 1), np.float32),    # a conv's bias (O, 1): in place
    (np.float32, (100,), np.float32),      # a bias along rows: in place
    (np.float32, (200, 1), np.float64),    # c promotes: a new float64 array
    (np.float64, (), np.float64),          # a 0-d c
])
def test_matmul_add_equals_product_plus_c_bit_for_bit(dtype_ab, c_shape, c_dtype):
    rng = np.random.default_rng(3)
    a = rng.standard_normal((200, 30)).astype(dtype_ab)
    b = rng.standard_normal((30, 100)).astype(dtype_ab)
    c = np.asarray(rng.standard_normal(c_shape), dtype=c_dtype)
    c_before = c.copy()
    got = P.matmul_add(a, b, c)
    want = np.matmul(a, b) + c
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(c, c_before)  # c itself is never written
    assert not np.shares_memory(got, c)


@pytest.mark.parametrize("shape_a, shape_b, c_shape", [
    ((200, 30), (30, 100), (3, 200, 100)),  # large product: the in-place add refuses
    ((2, 3), (3, 4), (5, 2, 4)),            # small product
    ((3,), (3,), (2,)),                     # 0-d product
    ((200, 30), (30, 100), (200, 99)),      # not broadcastable at all
])
def test_matmul_add_refuses_a_c_that_does_not_broadcast_to_the_product(shape_a, shape_b, c_shape):
    a, b, c = rand(*shape_a), rand(*shape_b, seed=1), rand(*c_shape, seed=2)
    with pytest.raises(ValueError, match=r"matmul_add.*\(" + ", ".join(map(str, c_shape))):
        P.matmul_add.apply(am.tensor(a), am.tensor(b), am.tensor(c))


def test_matmul_gradient_of_a_column_major_operand_is_column_major():
    # x @ W.T: W.T is a column-major view; its gradient comes out column-major
    # too, so the transpose's VJP gives W a row-major gradient that becomes
    # W.grad with no copy. The numbers are those of x^T g.
    x, w = rand(5, 4, seed=1), rand(3, 4, seed=2)
    g = rand(5, 3, seed=3)
    gb = P._matmul_vjp_b(g, None, x, w.T)
    assert gb.flags.f_contiguous and not gb.flags.c_contiguous
    np.testing.assert_allclose(gb, x.T @ g, rtol=1e-14)
    layer = am.nn.Linear(4, 3)
    layer(am.tensor(x)).sum().backward()
    assert layer.weight.grad.data.flags.c_contiguous
    np.testing.assert_allclose(layer.weight.grad.data, np.ones((5, 3)).T @ x, rtol=1e-14)


@pytest.mark.parametrize("shape_a, n", [((3, 4), 500), ((8, 9), 1100), ((2, 1), 200), ((1, 7), 513)])
def test_float32_kernel_gradient_over_a_long_axis_is_the_same_product(shape_a, n):
    # A (O, K) @ (K, N) in float32 with N long against O + K (a convolution's
    # kernel times its columns) takes A's gradient as (B g^T)^T: the same sums
    # (to float32 rounding) as g B^T, of A's shape, in eager and compiled steps.
    o, k = shape_a
    assert n >= 64 * (o + k)  # (the route is taken)
    a, b = rand(o, k, seed=6, dtype=np.float32), rand(k, n, seed=7, dtype=np.float32)
    g = rand(o, n, seed=8, dtype=np.float32)
    exact = g.astype(np.float64) @ b.astype(np.float64).T
    got = P._grad_of_left(g, b)
    assert got.shape == (o, k) and got.dtype == np.float32
    assert got.flags.f_contiguous  # (the transpose of B g^T: the route was taken)
    np.testing.assert_allclose(got, exact, rtol=1e-4, atol=1e-4 * np.abs(exact).max())
    A, B = am.tensor(a, requires_grad=True), am.tensor(b)
    (A @ B * am.tensor(g)).sum().backward()
    np.testing.assert_array_equal(A.grad.data, got)
    A.grad = None
    am.compile(lambda a, b, g: (a @ b * g).sum())(A, B, am.tensor(g)).backward()
    np.testing.assert_array_equal(A.grad.data, got)


@pytest.mark.parametrize("shape_x, out", [((1, 128, 1), 3), ((2, 400, 3), 5), ((1, 130, 1), 130)])
def test_float32_gradient_of_a_batch_times_a_matrix_over_a_long_axis(shape_x, out):
    # x (B, T, I) @ W (I, O) in float32 with T >= 64 (B + I), as a linear layer over
    # a long sequence: the gradient's second axis is T, not a contracted axis, and the
    # (B g^T)^T route of a 2-D product does not apply; x's gradient is g W^T per batch.
    x, w = rand(*shape_x, seed=9, dtype=np.float32), rand(shape_x[-1], out, seed=10, dtype=np.float32)
    g = rand(*shape_x[:-1], out, seed=11, dtype=np.float32)
    exact = g.astype(np.float64) @ w.astype(np.float64).T
    X, W = am.tensor(x, requires_grad=True), am.tensor(w, requires_grad=True)
    (X @ W * am.tensor(g)).sum().backward()
    np.testing.assert_allclose(X.grad.data, exact, rtol=1e-4, atol=1e-4 * np.abs(exact).max())
    layer = am.nn.Linear(shape_x[-1], out, dtype=np.float32)
    X.grad = None
    (layer(X) * am.tensor(g)).sum().backward()
    exact = g.astype(np.float64) @ layer.weight.data.astype(np.float64)
    np.testing.assert_allclose(X.grad.data, exact, rtol=1e-4, atol=1e-4 * np.abs(exact).max())


@pytest.mark.parametrize("shape_a, shape_b, axes", [((3, 3), (3, 3, 3), (2, 1, 0)), ((4, 3), (2, 3, 5), (2, 1, 0))])
def test_matmul_gradient_of_a_column_major_batch(shape_a, shape_b, axes):
    # A 3-D column-major b is not the transposed weight of a linear layer: its
    # gradient is a^T g, batch by batch.
    a = rand(*shape_a, seed=4)
    b = np.ascontiguousarray(rand(*np.array(shape_b)[list(axes)], seed=5)).transpose(axes)
    assert b.flags.f_contiguous
    A, B = am.tensor(a, requires_grad=True), am.tensor(b, requires_grad=True)
    (A @ B).sum().backward()
    np.testing.assert_allclose(B.grad.data, np.matmul(a.T, np.ones(np.matmul(a, b).shape)), rtol=1e-13)
    assert am.gradcheck(lambda a, b: (a @ b).sum(), (a, b))


# -- specialised forwards and VJPs (what am.compile's tapes call) --------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("sa, sb, sc", [
    ((3,), (3,), None), ((2, 3), (3,), None), ((2, 3), (3,), (2,)), ((3,), (3, 4), (4,)),
    ((2, 3), (3, 4), (4,)), ((2, 3), (3, 4), (2, 1)), ((2, 3), (3, 4), ()), ((64, 80), (80, 300), (300,)),
])
@pytest.mark.parametrize("b_layout", ["C", "F"])
def test_specialised_matmul_equals_the_general_one_bit_for_bit(dtype, sa, sb, sc, b_layout):
    a, g_seed = rand(*sa, seed=1, dtype=dtype), 3
    b = rand(*sb, seed=2, dtype=dtype)
    if b_layout == "F":
        b = np.asfortranarray(b)
    prim, inputs = (P.matmul, (a, b)) if sc is None else (P.matmul_add, (a, b, rand(*sc, seed=4, dtype=dtype)))
    out = prim.fwd(*inputs)
    g = rand(*np.shape(out), seed=g_seed, dtype=dtype)
    for which in ("fwd", *range(len(inputs))):
        fn = prim.specialize(which, np.asarray(out), *inputs)
        if fn is None:
            continue
        general = prim.fwd(*inputs) if which == "fwd" else prim.vjps[which](g, out, *inputs)
        special = fn(*inputs) if which == "fwd" else fn(g, out, *inputs)
        assert same_bits(np.asarray(special), np.asarray(general)), which
        assert np.shape(special) == (np.shape(out) if which == "fwd" else inputs[which].shape)


@pytest.mark.parametrize("shape", [(3,), (4, 5), (255,), (16, 16), (2048,)])
def test_specialised_sigmoid_equals_the_general_one(shape):
    x = rand(*shape, seed=5) * 30
    fn = P.sigmoid.specialize("fwd", P.sigmoid.fwd(x), x)
    assert (fn is None) == (x.size >= 256)
    if fn is not None:
        assert same_bits(fn(x), P.sigmoid.fwd(x))
    # Both routes against an oracle of their own (the general forward calls the
    # specialised one on small arrays, so the comparison above alone could not fail).
    oracle = 1.0 / (1.0 + np.exp(-x.astype(np.longdouble)))
    np.testing.assert_allclose(P.sigmoid.fwd(x), oracle.astype(np.float64), rtol=1e-14, atol=0)
    np.testing.assert_allclose(P._sigmoid_small(x), oracle.astype(np.float64), rtol=1e-14, atol=0)


def test_where_fast_path_gives_what_np_where_gives_for_any_byte_order_and_broadcast():
    big = P._BIG
    c = rand(big // 64, 128, seed=6) > 0
    for x in (rand(128, seed=7), rand(128, seed=7).astype(">f8"), rand(big // 64, 128, seed=8).astype(np.float32),
              rand(big // 64, 1, seed=9)):
        for got, want in [(P._where(c, x, 0.0), np.where(c, x, 0.0)), (P._where(c, 0.0, x), np.where(c, 0.0, x))]:
            assert same_bits(got, want) and got.dtype == want.dtype


def test_unfold_takes_a_list_as_numpy_would():
    np.testing.assert_array_equal(P.unfold([1.0, 2.0, 3.0], kernel_size=(2,), stride=(1,), dilation=(1,)),
                                  [[1.0, 2.0], [2.0, 3.0]])


def test_max_vjp_hands_on_a_complex_inf_undivided_on_both_routes():
    # (complex division by 1+0j turns inf+0j into inf+nanj: no route divides without a tie)
    grads = []
    for rows in (4, 8192):  # the general route, then the window route
        x = np.zeros((rows, 2), np.complex128)
        x[:, 0] = 1
        t = am.tensor(x, requires_grad=True)
        g = np.ones(rows, np.complex128)
        g[0] = complex(np.inf, 0.0)
        t.max(axis=1).backward(am.tensor(g))
        grads.append(t.grad.data[0])
    for got in grads:
        assert got[0] == complex(np.inf, 0.0) and got[1] == 0


# -- behaviour the window routes and selects must share with numpy (found by mutation testing) --


@pytest.mark.parametrize("op", ["sum", "max"])
def test_window_routes_raise_numpys_errors_for_an_axis_out_of_range_or_repeated(op):
    # Short axes of a big array, where the window route would take them: axis == ndim
    # (taken mod ndim it would be axis 0) and a repeated axis (a window of 4 entries)
    # must raise as numpy does, not reduce.
    fn = getattr(P, op)
    x = np.ones((4096, 2), np.float32).T  # (2, 4096), axis 0 fastest in memory
    assert P._window_route(x, 0, P._REDUCE_LEAST) == (0,)
    for axis in (2, -3, (0, 2)):
        with pytest.raises(np.exceptions.AxisError, match="axis (2|-3) is out of bounds for array of dimension 2"):
            fn(x, axis=axis)
    with pytest.raises(ValueError, match="duplicate"):
        fn(np.ones((2048, 2, 2), np.float32), axis=(2, 2))


@pytest.mark.parametrize("op", ["sum", "max"])
def test_window_routes_reduce_an_axis_of_length_one_as_numpy(op):
    # (one entry per window: no window; the route's slices need two)
    x = rand(4096, 1, 2, seed=30, dtype=np.float32)
    for axis in (1, (1,), -2):
        got, want = getattr(P, op)(x, axis=axis), getattr(np, {"sum": "add", "max": "maximum"}[op]).reduce(x, axis=axis)
        assert same_bits(got, want)


@pytest.mark.usefixtures("small_threshold")
def test_window_sum_vjp_keeps_gs_dtype_as_the_general_route():
    # A float64 gradient reaching a float32 sum (mixed dtypes downstream) stays float64
    # through the window route, as broadcast_to keeps it: rounding it to x's dtype
    # there would lose what a float64 leaf upstream should receive.
    tiles = rand(4, 3, 3, 2, 4, 2, seed=31, dtype=np.float32)  # dense
    windows = P.unfold(rand(4, 3, 6, 7, seed=32, dtype=np.float32), kernel_size=(2, 2), stride=(1, 1),
                       dilation=(1, 1))  # overlapping: not dense
    for x, axis in [(tiles, (3, 5)), (windows, (4, 5))]:
        assert P._window_route(x, axis, P._SPREAD_LEAST) is not None
        ans = P.sum(x, axis=axis)
        g = rand(*ans.shape, seed=33) / 3  # float64, not representable in float32
        got = P._sum_vjp(g, ans, x, axis=axis)
        assert got.dtype == np.float64
        assert same_bits(got, np.broadcast_to(np.expand_dims(g, axis), x.shape).copy())


def test_dense_ignores_axes_of_length_one_and_refuses_gaps():
    # _dense decides the VJP's result layout (x's own, so that a reshape back is free):
    # an axis of length 1 has any stride (0 for np.newaxis), a strided slice has gaps.
    x = rand(4, 6, seed=34)
    assert P._dense(x) and P._dense(x.T) and P._dense(x[:, None, :]) and P._dense(x[None, :, None])
    assert not P._dense(x[:, ::2]) and not P._dense(x[::2]) and not P._dense(x[:, :5])


def test_where_of_two_operands_broadcasts_a_wider_condition_as_np_where():
    # x and y of one shape, a mask with more rows: the select cannot be written in place
    c = rand(8, P._BIG // 4, seed=35) > 0
    x, y = rand(P._BIG // 4, seed=36, dtype=np.float32), rand(1, P._BIG // 4, seed=37, dtype=np.float32)
    for got, want in [(P._where(c, x, y), np.where(c, x, y)), (P._where(c, y, 1.5), np.where(c, y, 1.5))]:
        assert same_bits(got, want)


def test_where_of_two_operands_gives_np_wheres_dtype_for_other_byte_orders_and_integers():
    c = rand(P._BIG, seed=38) > 0
    x, y = rand(P._BIG, seed=39).astype(">f4"), rand(P._BIG, seed=40).astype(">f4")
    got, want = P._where(c, x, y), np.where(c, x, y)
    assert got.dtype == want.dtype and np.array_equal(got, want)  # (numpy's result is native)
    ints = np.arange(P._BIG, dtype=np.int32)
    for got, want in [(P._where(c, ints, 0.5), np.where(c, ints, 0.5)), (P._where(c, -2.5, ints), np.where(c, -2.5, ints))]:
        assert got.dtype == want.dtype == np.float64 and np.array_equal(got, want)


def test_window_max_vjp_hands_on_a_complex_inf_undivided_beside_a_nan_window():
    # A NaN window sends the window route to its per-window count, which is 1 everywhere:
    # g goes on undivided there too (inf+0j / (1+0j) is inf+nanj).
    x = np.zeros((8192, 2), np.complex128)
    x[:, 0] = 1
    x[1, 1] = np.nan
    g = np.ones(8192, np.complex128)
    g[0] = complex(np.inf, 0.0)
    ans = P.max(x, axis=1)
    assert P._window_route(x, 1, P._VJP_LEAST) == (1,)
    got = P._max_vjp(g, ans, x, axis=1)
    assert got[0, 0] == complex(np.inf, 0.0) and not np.isnan(got[0, 0].imag) and got[0, 1] == 0
    assert got[1, 1] == 1 and got[1, 0] == 0


@pytest.mark.parametrize("shape_a, shape_b", [((2, 5, 1), (2, 5, 4)), ((3000, 1), (3000, 2))])
def test_matmul_with_a_last_axis_of_length_one_refuses_a_mismatched_b_as_numpy(shape_a, shape_b):
    # (the length-1 product is a broadcast multiply only when b's axis -2 is 1 too;
    # else the multiply would broadcast into a product of the wrong shape)
    a, b = rand(*shape_a, seed=41), rand(*shape_b, seed=42)
    with pytest.raises(ValueError, match="matmul: .*core dimension") as numpys:
        np.matmul(a, b)
    with pytest.raises(ValueError) as ours:
        P.matmul(a, b)
    assert str(ours.value) == str(numpys.value)
