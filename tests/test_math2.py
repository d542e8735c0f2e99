"""prod, cumprod, median, quantile, percentile, the nan* reductions, nan_to_num, diagonal,
cross, kron, amax and amin: values against naive numpy oracles (loops), gradients at zeros
without division, float64 first- and second-order checks, refusals naming the op and the
shapes, and am.compile replays equal to eager bit for bit."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am

FEW = settings(max_examples=6, deadline=None)


def rng(seed=0):
    return np.random.default_rng(seed)


def T(a):
    return am.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


def check_both(f, *arrays):
    inputs = [T(a) for a in arrays]
    assert am.gradcheck(f, inputs)
    assert am.gradgradcheck(f, inputs)


def lines(x, axis):
    """(index, 1-D line) for each line of x along axis."""
    moved = np.moveaxis(x, axis, -1)
    for pos in np.ndindex(moved.shape[:-1]):
        yield pos, moved[pos]


def naive_cumprod(x, axis):
    out = np.moveaxis(np.array(x, dtype=np.float64), axis, -1).copy()
    for pos in np.ndindex(out.shape[:-1]):
        acc = 1.0
        for j in range(out.shape[-1]):
            acc *= out[pos + (j,)]
            out[pos + (j,)] = acc
    return np.moveaxis(out, -1, axis)


def naive_prod_grad(v):
    """d prod / d v_i = product of the other entries, by loops (no division)."""
    return np.array([math.prod(v[k] for k in range(len(v)) if k != i) for i in range(len(v))])


def naive_quantile_line(v, q):
    s = sorted(v)
    h = (len(s) - 1) * q
    i = int(math.floor(h))
    j = min(i + 1, len(s) - 1)
    t = h - i
    return s[i] + t * (s[j] - s[i]), i, j, t


shapes = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)


# -- prod and cumprod ----------------------------------------------------------------------------


@FEW
@given(shapes, st.integers(0, 10))
def test_prod_and_cumprod_against_loops_and_gradchecked(shape, seed):
    x = rng(seed).uniform(0.5, 1.5, shape) * rng(seed + 1).choice([-1.0, 1.0], shape)
    for axis in range(len(shape)):
        want = np.empty(np.delete(shape, axis))
        for pos, v in lines(x, axis):
            want[pos] = math.prod(v)
        np.testing.assert_allclose(am.prod(x, axis).data, want, rtol=1e-13)
        np.testing.assert_allclose(am.cumprod(x, axis).data, naive_cumprod(x, axis), rtol=1e-13)
    np.testing.assert_allclose(am.prod(x).data, math.prod(x.ravel()), rtol=1e-13)
    np.testing.assert_allclose(am.cumprod(x).data, naive_cumprod(x.ravel(), 0), rtol=1e-13)
    check_both(lambda t: am.prod(t, -1, keepdims=True) * t + am.prod(t), x)
    check_both(lambda t: am.cumprod(t, 0) + am.cumprod(t).sum(), x)


@pytest.mark.parametrize("v", [[2.0, 0.0, 3.0, 5.0], [0.0, 0.0, 3.0, 5.0], [0.0, 4.0, 0.0, 0.0],
                               [0.0], [1.5, -2.0, 0.0, 0.0, 7.0]])
def test_prod_and_cumprod_gradients_at_zeros_are_the_products_of_the_others(v):
    x = T(v)
    am.prod(x).backward()
    np.testing.assert_array_equal(x.grad.data, naive_prod_grad(v))
    # cumprod: d(sum_j g_j out_j)/dx_i = sum_{j >= i} g_j prod_{k <= j, k != i} x_k
    g = np.arange(1.0, len(v) + 1)
    x = T(v)
    am.cumprod(x).backward(g)
    want = [sum(g[j] * math.prod(v[k] for k in range(j + 1) if k != i) for j in range(i, len(v)))
            for i in range(len(v))]
    np.testing.assert_array_equal(x.grad.data, want)
    assert np.all(np.isfinite(x.grad.data))
    check_both(lambda t: am.prod(t) + am.cumprod(t), np.array(v))


def test_prod_second_derivative_at_two_zeros():
    # d2 prod / dx_i dx_j = product of the entries other than i and j: 1 * 3 at the two zeros
    f = lambda t: am.prod(t)
    H = am.hessian(f)(np.array([0.0, 0.0, 3.0]))
    np.testing.assert_array_equal(H.data, [[0, 3, 0], [3, 0, 0], [0, 0, 0]])


def test_prod_and_cumprod_dtypes_and_empty_as_numpy():
    for a in (np.array([True, False, True]), np.arange(1, 6, dtype=np.int8), np.arange(1, 4, dtype=np.uint8),
              np.arange(1.0, 4.0, dtype=np.float32)):
        assert am.prod(a).dtype == np.prod(a).dtype and am.prod(a).item() == np.prod(a)
        assert am.cumprod(a).dtype == np.cumprod(a).dtype
        np.testing.assert_array_equal(am.cumprod(a).data, np.cumprod(a))
    e = np.zeros((2, 0))
    np.testing.assert_array_equal(am.prod(e, 1).data, np.prod(e, 1))
    assert am.prod(e, 0, keepdims=True).shape == (1, 0)
    assert am.tensor(np.arange(6.0).reshape(2, 3)).prod((0, 1)).item() == 0.0
    np.testing.assert_array_equal(am.tensor([[1.0, 2.0], [3.0, 4.0]]).cumprod(1).data, [[1, 2], [3, 12]])


def test_prod_and_cumprod_refusals_name_the_op_and_shape():
    with pytest.raises(ValueError, match=r"prod: bad axis 2 for shape \(2, 3\)"):
        am.prod(np.ones((2, 3)), 2)
    with pytest.raises(ValueError, match=r"cumprod: bad axis 3 for shape \(2, 3\)"):
        am.cumprod(np.ones((2, 3)), 3)
    with pytest.raises(TypeError, match="cumprod: axis must be an int"):
        am.cumprod(np.ones((2, 3)), 0.5)


# -- median, quantile, percentile ----------------------------------------------------------------


@FEW
@given(shapes, st.integers(0, 10), st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.8, 1.0]))
def test_median_and_quantile_against_loops_and_numpy(shape, seed, q):
    x = rng(seed).standard_normal(shape)
    for axis in range(len(shape)):
        want_q, want_m = np.empty(np.delete(shape, axis)), np.empty(np.delete(shape, axis))
        for pos, v in lines(x, axis):
            want_q[pos] = naive_quantile_line(v, q)[0]
            s = sorted(v)
            want_m[pos] = s[len(s) // 2] if len(s) % 2 else (s[len(s) // 2 - 1] + s[len(s) // 2]) / 2
        np.testing.assert_allclose(am.quantile(x, q, axis).data, want_q, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(am.median(x, axis).data, want_m, rtol=1e-13)
        # (and numpy's rounding exactly)
        np.testing.assert_array_equal(am.quantile(x, q, axis).data, np.quantile(x, q, axis))
        np.testing.assert_array_equal(am.median(x, axis).data, np.median(x, axis))
    for axis, keepdims, qs in itertools.product([None, -1, tuple(range(len(shape)))], [False, True],
                                                [q, [q, 0.3, 1.0]]):
        for got, want in ((am.quantile(x, qs, axis, keepdims), np.quantile(x, qs, axis, keepdims=keepdims)),
                          (am.percentile(x, np.multiply(qs, 100), axis, keepdims),
                           np.percentile(x, np.multiply(qs, 100), axis, keepdims=keepdims)),
                          (am.median(x, axis, keepdims), np.median(x, axis, keepdims=keepdims))):
            assert got.shape == want.shape
            np.testing.assert_array_equal(got.data, want)
    check_both(lambda t: am.quantile(t, [q, 0.3], -1) + am.median(t, 0).sum() + am.percentile(t, 70.0), x)


def test_quantile_gradient_is_the_interpolation_weights():
    v = np.array([3.0, -1.0, 7.0, 0.5, 2.0])
    for q in (0.1, 0.3, 0.5, 0.85, 1.0):
        x = T(v)
        am.quantile(x, q).backward()
        _, i, j, t = naive_quantile_line(v, q)
        order = np.argsort(v)
        want = np.zeros(5)
        want[order[i]] += 1 - t
        want[order[j]] += t
        np.testing.assert_allclose(x.grad.data, want, rtol=1e-12, atol=1e-15)
    x = T([4.0, 1.0, 3.0, 2.0])
    am.median(x).backward()
    np.testing.assert_array_equal(x.grad.data, [0, 0, 0.5, 0.5])


def test_median_and_quantile_with_nan_give_nan_as_numpy():
    x = np.array([[1.0, np.nan, 2.0], [3.0, 1.0, 2.0]])
    for got, want in ((am.median(x, 1), np.median(x, 1)), (am.quantile(x, 0.3, 1), np.quantile(x, 0.3, 1)),
                      (am.quantile(x, [0.3, 1.0], 1), np.quantile(x, [0.3, 1.0], 1))):
        np.testing.assert_array_equal(got.data, want)


def test_quantile_integers_give_floats_and_integer_q_takes_the_entry():
    a = np.array([5, 1, 4, 2])
    for q in (0, 1, [0, 1], 0.5):
        got, want = am.quantile(a, q), np.quantile(a, q)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got.data, want)
    assert am.median(a).item() == np.median(a)
    x32 = np.array([1.0, 2.5, 4.0], np.float32)
    assert am.quantile(x32, 0.3).dtype == np.quantile(x32, 0.3).dtype


def test_quantile_refusals_name_the_op_and_shape():
    x = np.ones((2, 3))
    with pytest.raises(ValueError, match=r"quantile: q must lie in \[0, 1\], got 1.5 \(x of shape \(2, 3\)\)"):
        am.quantile(x, 1.5)
    with pytest.raises(ValueError, match=r"percentile: q must lie in \[0, 100\], got \[-1, 50\]"):
        am.percentile(x, [-1, 50])
    with pytest.raises(TypeError, match=r"quantile: q must be a number.*not a Tensor \(x of shape \(2, 3\)\)"):
        am.quantile(x, am.tensor(0.5))
    with pytest.raises(TypeError, match="quantile: q must be numbers"):
        am.quantile(x, "half")
    with pytest.raises(ValueError, match=r"median: no entries to take from for shape \(2, 0\)"):
        am.median(np.ones((2, 0)), 1)
    with pytest.raises(ValueError, match=r"median: bad axis 2 for shape \(2, 3\)"):
        am.median(x, 2)


# -- nan reductions and nan_to_num ---------------------------------------------------------------


def _with_nans(shape, seed):
    x = rng(seed).standard_normal(shape)
    x[rng(seed + 5).random(shape) < 0.3] = np.nan
    return x


@FEW
@given(shapes, st.integers(0, 10))
def test_nan_reductions_against_loops_and_their_gradient_skips_nans(shape, seed):
    x = _with_nans(shape, seed)
    for axis in range(len(shape)):
        out = {k: np.empty(np.delete(shape, axis)) for k in ("sum", "mean", "max", "min")}
        for pos, v in lines(x, axis):
            kept = [e for e in v if e == e]
            out["sum"][pos] = sum(kept)
            out["mean"][pos] = sum(kept) / len(kept) if kept else np.nan
            out["max"][pos] = max(kept) if kept else np.nan
            out["min"][pos] = min(kept) if kept else np.nan
        with np.errstate(invalid="ignore"):
            np.testing.assert_allclose(am.nansum(x, axis).data, out["sum"], rtol=1e-13, atol=1e-15)
            np.testing.assert_allclose(am.nanmean(x, axis).data, out["mean"], rtol=1e-13, atol=1e-15)
        np.testing.assert_array_equal(am.nanmax(x, axis).data, out["max"])
        np.testing.assert_array_equal(am.nanmin(x, axis, keepdims=True).data,
                                      np.expand_dims(out["min"], axis))
    for f in (am.nansum, am.nanmean, am.nanmax, am.nanmin):
        t = T(x)
        with np.errstate(invalid="ignore"):
            f(t, -1).backward(np.ones(shape[:-1]))
        assert np.all(t.grad.data[np.isnan(x)] == 0) and np.all(np.isfinite(t.grad.data))
    fill = np.where(np.isnan(x), 0.0, 1.0)  # (gradient checks where the NaNs are at fixed places)
    nanned = lambda t: am.where(fill == 0, np.nan, t)
    if fill.sum(-1).all():
        check_both(lambda t: am.nanmean(nanned(t * t), -1) + am.nansum(nanned(t).sin(), 0).sum()
                   + am.nanmax(nanned(t), -1) + am.nanmin(nanned(t), -1), rng(seed).standard_normal(shape))


def test_nan_reductions_of_all_nan_slices_and_integers_as_numpy():
    x = np.array([[np.nan, np.nan], [1.0, np.nan]])
    with np.errstate(invalid="ignore"), pytest.warns(RuntimeWarning):
        for f, g in ((am.nanmax, np.nanmax), (am.nanmin, np.nanmin), (am.nanmean, np.nanmean),
                     (am.nansum, np.nansum)):
            np.testing.assert_array_equal(f(x, 1).data, g(x, 1))
    i = np.array([[3, 1], [2, 5]])
    for f, g in ((am.nanmax, np.nanmax), (am.nanmin, np.nanmin), (am.nanmean, np.nanmean),
                 (am.nansum, np.nansum)):
        np.testing.assert_array_equal(f(i, 0).data, g(i, 0))
    with pytest.raises(ValueError, match=r"nanmax: no entries to reduce for shape \(2, 0\)"):
        am.nanmax(np.ones((2, 0)), 1)


def test_nan_to_num_values_and_gradient():
    x = np.array([np.nan, 1.5, np.inf, -np.inf, -2.0])
    for kw in ({}, {"nan": 7.0}, {"posinf": 9.0, "neginf": -9.0}):
        np.testing.assert_array_equal(am.nan_to_num(x, **kw).data, np.nan_to_num(x, **kw))
    x32 = x.astype(np.float32)
    assert am.nan_to_num(x32).dtype == np.float32
    np.testing.assert_array_equal(am.nan_to_num(x32).data, np.nan_to_num(x32))
    np.testing.assert_array_equal(am.nan_to_num(np.array([1, 2])).data, [1, 2])
    t = T(x)
    am.nan_to_num(t, 1.0, 2.0, 3.0).backward(np.ones(5))
    np.testing.assert_array_equal(t.grad.data, [0, 1, 0, 0, 1])
    check_both(lambda t: am.nan_to_num(t * t), rng(3).standard_normal((2, 3)))
    with pytest.raises(TypeError, match=r"nan_to_num: complex x is not supported \(shape \(1,\)"):
        am.nan_to_num(np.array([1j]))
    with pytest.raises(ValueError, match=r"nan_to_num: value 1e\+300 cannot be converted to dtype float32"):
        am.nan_to_num(x32, posinf=1e300)


# -- diagonal, cross, kron, amax, amin -----------------------------------------------------------


@FEW
@given(st.lists(st.integers(1, 4), min_size=2, max_size=4).map(tuple), st.integers(-3, 3), st.data())
def test_diagonal_against_loops(shape, offset, data):
    x = rng(len(shape)).standard_normal(shape)
    a1, a2 = data.draw(st.sampled_from([(i, j) for i in range(len(shape)) for j in range(len(shape)) if i != j]))
    got = am.diagonal(x, offset, a1, a2)
    want = np.diagonal(x, offset, a1, a2)
    assert got.shape == want.shape
    moved = np.moveaxis(x, (a1, a2), (-2, -1))
    for pos in np.ndindex(moved.shape[:-2]):
        d = [moved[pos + (r, r + offset)] for r in range(moved.shape[-2]) if 0 <= r + offset < moved.shape[-1]]
        np.testing.assert_array_equal(got.data[pos], d)
    check_both(lambda t: am.diagonal(t, offset, a1, a2) ** 2, x)


def test_diagonal_method_and_refusals():
    x = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(am.tensor(x).diagonal(1, -1, 1).data, x.diagonal(1, -1, 1))
    with pytest.raises(ValueError, match=r"diagonal: x must have at least 2 axes, got shape \(3,\)"):
        am.diagonal(np.ones(3))
    with pytest.raises(ValueError, match=r"diagonal: axis1 and axis2 are the same axis 1 \(shape \(2, 3, 4\)\)"):
        am.diagonal(x, 0, 1, -2)
    with pytest.raises(TypeError, match="diagonal: offset must be an int"):
        am.diagonal(x, 0.5)


@pytest.mark.parametrize("sa, sb, kw", [((3,), (3,), {}), ((4, 3), (3,), {}), ((2, 1, 3), (4, 3), {}),
                                        ((3, 2), (2, 3), {"axisa": 0}), ((3, 2), (3, 2), {"axis": 0}),
                                        ((2, 3), (2, 3), {"axisc": 0})])
def test_cross_against_the_formula_and_numpy(sa, sb, kw):
    a, b = rng(1).standard_normal(sa), rng(2).standard_normal(sb)
    got, want = am.cross(a, b, **kw), np.cross(a, b, **kw)
    assert got.shape == want.shape
    np.testing.assert_array_equal(got.data, want)
    va = np.moveaxis(a, kw.get("axis", kw.get("axisa", -1)), -1)
    vb = np.moveaxis(b, kw.get("axis", kw.get("axisb", -1)), -1)
    lead = np.broadcast_shapes(va.shape[:-1], vb.shape[:-1])
    va, vb = np.broadcast_to(va, lead + (3,)), np.broadcast_to(vb, lead + (3,))
    naive = np.empty(lead + (3,))
    for pos in np.ndindex(lead):
        u, v = va[pos], vb[pos]
        naive[pos] = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]]
    np.testing.assert_allclose(np.moveaxis(got.data, kw.get("axis", kw.get("axisc", -1)), -1), naive, rtol=1e-13)
    check_both(lambda s, t: am.cross(s, t, **kw), a, b)


def test_cross_refusals_name_the_shapes():
    with pytest.raises(ValueError, match=r"cross: the vector axes must have length 3, got 2 and 3"):
        am.cross(np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match=r"cross: shapes \(2, 3\) and \(4, 3\) \(vector axis last\) do not broadcast"):
        am.cross(np.ones((2, 3)), np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"cross: operands must have at least 1 axis, got shapes \(\) and \(3,\)"):
        am.cross(np.ones(()), np.ones(3))
    with pytest.raises(TypeError, match=r"cross: axisc must be an int, got 'x' \(shapes \(2, 3\) and \(2, 3\) with the vector"):
        am.cross(np.ones((3, 2)), np.ones((3, 2)), axisa=0, axisb=0, axisc="x")


@pytest.mark.parametrize("sa, sb", [((2,), (3,)), ((2, 3), (2, 2)), ((3,), (2, 2)), ((2, 1, 2), (3, 2)), ((), (2,))])
def test_kron_against_loops_and_numpy(sa, sb):
    a, b = rng(4).standard_normal(sa), rng(5).standard_normal(sb)
    got, want = am.kron(a, b), np.kron(a, b)
    assert got.shape == want.shape
    np.testing.assert_array_equal(got.data, want)
    if a.ndim and b.ndim:
        nd = max(a.ndim, b.ndim)
        A, B = a.reshape((1,) * (nd - a.ndim) + a.shape), b.reshape((1,) * (nd - b.ndim) + b.shape)
        naive = np.empty(tuple(p * q for p, q in zip(A.shape, B.shape)))
        for i in np.ndindex(A.shape):
            for k in np.ndindex(B.shape):
                naive[tuple(ii * nb + kk for ii, kk, nb in zip(i, k, B.shape))] = A[i] * B[k]
        np.testing.assert_array_equal(got.data, naive)
    check_both(lambda s, t: am.kron(s, t), a, b)


def test_amax_and_amin_are_max_and_min():
    x = rng(6).standard_normal((3, 4))
    np.testing.assert_array_equal(am.amax(x, 1).data, np.amax(x, 1))
    np.testing.assert_array_equal(am.amin(x, 0, keepdims=True).data, np.amin(x, 0, keepdims=True))
    check_both(lambda t: am.amax(t, -1) * am.amin(t, 0).sum(), x)


# -- am.compile: replays equal eager, bit for bit ------------------------------------------------


def _replays(fn, make, calls=3):
    compiled = am.compile(fn)
    for seed in range(calls):
        results = []
        for f in (fn, compiled):
            args = make(seed)
            with np.errstate(invalid="ignore"):
                out = f(*args)
            out.backward(np.ones(out.shape))
            results.append((out.data.copy(), [a.grad.data.copy() for a in args]))
        (va, ga), (vb, gb) = results
        assert va.dtype == vb.dtype and np.array_equal(va, vb, equal_nan=True)
        assert all(np.array_equal(a, b) for a, b in zip(ga, gb)) and np.all(np.isfinite(ga[1]))
    assert compiled.recordings == 1


def test_compiled_products_order_statistics_and_nan_reductions_replay_bit_for_bit():
    def fn(x, y):
        return (am.prod(x, 0) + am.cumprod(x, 0).sum(0) + am.median(x, 0) + am.quantile(x, [0.3, 0.9], 0).sum(0)
                + am.percentile(x, 40, 0) + am.nansum(y, 0) + am.nanmean(y, 0) + am.nanmax(y, 0) + am.nanmin(y, 0)
                + am.nan_to_num(y).sum(0) + am.diagonal(x[:, :, None] * x[:, None, :], 0, 1, 2).sum(0)
                + am.cross(x[:3, :3], am.nan_to_num(y[:3, :3]).sin()).sum(0).sum() + am.kron(x[:2, :2], x[:2, :2]).sum())

    def make(seed):
        x = rng(seed).standard_normal((5, 4))
        x[seed % 5, seed % 4] = 0.0
        y = _with_nans((5, 4), seed)
        y[0] = 1.0
        return T(x), T(y)

    _replays(fn, make)
