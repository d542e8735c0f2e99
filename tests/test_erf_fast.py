"""erf over large arrays and float32: a dense sweep of float32 values against math.erf
correctly rounded, float64 against math.erf in ulps, the symmetries and special values,
blocks stitched correctly, and working memory bounded by blocks, not by the array."""

from __future__ import annotations

import math
import tracemalloc
import warnings

import numpy as np

import autograd_mini as am
from autograd_mini import primitives

_math_erf = np.frompyfunc(math.erf, 1, 1)


def math_erf(x: np.ndarray) -> np.ndarray:
    """math.erf per element, in float64 (glibc's erf: within 1 ulp)."""
    return _math_erf(np.asarray(x, np.float64)).astype(np.float64)


def ulps32(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ia, ib = (np.asarray(v, np.float32).view(np.int32).astype(np.int64) for v in (a, b))
    ia, ib = (np.where(i < 0, -(2**31) - i, i) for i in (ia, ib))
    return np.abs(ia - ib)


def ulps64(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ia, ib = (np.asarray(v, np.float64).view(np.int64) for v in (a, b))
    ia, ib = (np.where(i < 0, np.int64(-(2**63)) - i, i) for i in (ia, ib))
    return np.abs(ia - ib)


def float32_sweep() -> np.ndarray:
    """Every 1,009th float32 from +0 to 4.5 (where erf has long rounded to 1), all of
    them near the ranges' edges 0.5 and 4, and a few beyond: about 1.1e6 values."""
    top = int(np.float32(4.5).view(np.int32))
    bits = [np.arange(0, top, 1009, dtype=np.int32)]
    for edge in (0.5, 4.0):
        b = int(np.float32(edge).view(np.int32))
        bits.append(np.arange(b - 2000, b + 2000, dtype=np.int32))
    x = np.concatenate(bits).view(np.float32)
    return np.concatenate([x, np.float32([5.0, 10.0, 1e30, 3.4e38])])


def test_float32_sweep_is_correctly_rounded_odd_and_monotone():
    x = float32_sweep()
    got = am.erf(x).data
    assert got.dtype == np.float32
    # The oracle: math.erf rounded once to float32 (the float64 value is within 1 ulp of
    # erf's, 2**-29 of a float32 ulp: the rounding is the correct one at these points).
    expected = math_erf(x).astype(np.float32)
    err = ulps32(got, expected)
    worst = int(err.argmax())
    assert err.max() == 0, f"erf({x[worst]!r}) = {got[worst]!r}, math.erf rounds to {expected[worst]!r}"
    assert np.array_equal(am.erf(-x).data, -got)  # odd, exactly
    order = np.argsort(x, kind="stable")
    assert np.all(np.diff(got[order]) >= 0)  # monotone


def test_float64_against_math_erf_in_ulps():
    rng = np.random.default_rng(7)
    x = np.concatenate([np.linspace(-6, 6, 120001), rng.uniform(-6, 6, 60000), np.geomspace(1e-300, 6, 20000),
                        rng.uniform(4, 30, 2000), np.geomspace(5e-324, 1e-300, 500)])
    x = np.concatenate([x, -x])
    got = am.erf(x).data
    err = ulps64(got, math_erf(x))
    a = np.abs(x)
    # Cody's ranges, as measured: 3 ulps below 0.5, 2 up to 4, 1 beyond
    assert err[a < 0.5].max() <= 3 and err[(a >= 0.5) & (a < 4)].max() <= 2 and err[a >= 4].max() <= 1
    assert err.mean() < 0.4
    assert np.all(np.diff(am.erf(np.sort(x)).data) >= 0)


def test_float32_special_values():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = np.float32([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, -1e-45, 3.4e38, -3.4e38])
        got = am.erf(x).data
    assert got.dtype == np.float32
    assert got[0] == 0.0 and not np.signbit(got[0]) and got[1] == 0.0 and np.signbit(got[1])
    assert got[2:4].tolist() == [1.0, -1.0] and np.isnan(got[4])
    assert got[5:7].tolist() == [np.float32(math.erf(1e-45)), -np.float32(math.erf(1e-45))]
    assert got[7:].tolist() == [1.0, -1.0]


def test_large_arrays_are_stitched_from_blocks_exactly():
    # Blocks of every kind (all below 0.5, mixed, with NaN, infinities and the last range),
    # a length that is not a multiple of the block, a non-contiguous 2-D view, both dtypes.
    block = primitives._ERF_BLOCK
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.uniform(-0.4, 0.4, block), rng.standard_normal(block) * 3,
                        rng.uniform(-8, 8, block + 17), [np.nan, np.inf, -np.inf, -0.0]])
    rng.shuffle(x[block:])
    for dtype in (np.float64, np.float32):
        xd = x.astype(dtype)
        whole = am.erf(xd).data
        pieces = np.concatenate([am.erf(xd[i:i + 1000]).data for i in range(0, xd.size, 1000)])
        assert whole.dtype == dtype and np.array_equal(whole, pieces, equal_nan=True)
        assert np.array_equal(np.signbit(whole), np.signbit(pieces))
        view = xd[: 2 * 30000].reshape(30000, 2).T  # (strided)
        assert np.array_equal(am.erf(view).data, whole[: 60000].reshape(30000, 2).T, equal_nan=True)


def test_working_memory_is_bounded_by_blocks_not_the_array():
    # A million float32 entries: the result is 4 MB; the float64 copies, masks and
    # temporaries of the whole array (about 60 MB before) are now one block's: 2.4 MB measured, at most 4.
    x = np.random.default_rng(0).standard_normal(1_000_000).astype(np.float32) * 2
    am.erf(x[:10])
    tracemalloc.start()
    try:
        y = primitives._erf(x)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < y.nbytes + 4_000_000, f"peak {peak / 1e6:.1f} MB for a {y.nbytes / 1e6:.1f} MB result"
