"""Discrepancies with numpy found by a differential fuzzer (autograd_mini vs numpy)."""
import warnings

import numpy as np
import pytest

import autograd_mini as am


@pytest.mark.parametrize("shape, index, vshape", [
    ((4,), np.array([3, 1]), (1, 2)),  # integer-array index, value with a leading 1
    ((3, 2, 2), (slice(None), slice(None, None, -1), -2), (1, 3, 1)),
    ((2, 2), (Ellipsis,), (1, 2, 1)),
    ((4, 3), (slice(None), None, slice(1, 2)), (1, 1, 4, 1, 1)),
])
def test_setitem_on_a_graph_drops_leading_length_one_axes_of_the_value_as_numpy(shape, index, vshape):
    rng = np.random.default_rng(0)
    base = rng.standard_normal(shape)
    val = rng.standard_normal(vshape)
    want = base * 2
    want[index] = val
    x = am.tensor(base, requires_grad=True)
    v = am.tensor(val, requires_grad=True)
    y = x * 2
    y[index] = v  # (without a graph numpy's assignment took this already)
    np.testing.assert_array_equal(y.data, want)
    w = rng.standard_normal(shape)
    (y * am.tensor(w)).sum().backward()
    hit = np.zeros(shape, bool)
    hit[index] = True
    np.testing.assert_allclose(x.grad.data, np.where(hit, 0, 2 * w))
    assert v.grad.shape == vshape


def test_setitem_still_refuses_a_value_whose_extra_leading_axes_are_not_length_one():
    y = am.tensor(np.zeros(3), requires_grad=True) * 1
    with pytest.raises(ValueError, match="item assignment"):
        y[:] = am.tensor(np.ones((2, 3)))


@pytest.mark.parametrize("fn", [am.cov, am.corrcoef])
def test_cov_of_one_row_with_rowvar_false_is_one_observation_of_each_column(fn):
    # numpy >= 2.2: m (1, N), rowvar=False, is N variables observed once: (N, N), NaN
    # (one observation, ddof 1), not one variable observed N times.
    x = np.array([[0.5, -1.0, 2.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = fn(am.tensor(x), rowvar=False).data
    # (written out, not np.cov's answer: numpy before 2.2 gave a 0-d result here)
    assert got.shape == (3, 3) and np.isnan(got).all()
    x2 = np.random.default_rng(1).standard_normal((1, 4))  # y still transposes only with rows > 1
    y2 = np.random.default_rng(2).standard_normal((1, 4))
    np.testing.assert_allclose(am.cov(am.tensor(x2[0]), am.tensor(y2), rowvar=False).data,
                               np.cov(x2[0], y2, rowvar=False))


@pytest.mark.parametrize("name", ["arctan", "arcsin", "arccos"])
def test_inverse_trig_refuses_complex_input_naming_itself_not_arctan2(name):
    z = am.tensor(np.array([0.5j, 0.25 + 0j]))
    for call in (lambda: getattr(am, name)(z), lambda: getattr(z, name)()):
        with pytest.raises(TypeError, match=rf"^{name}: complex input \(shape \(2,\)\) is not supported"):
            call()


def test_vecdot_of_bool_tensors_is_a_bool_as_numpys_and_matmuls():
    a = np.array([[True, True], [False, True], [False, False]])
    b = np.array([True, True])
    got = am.linalg.vecdot(am.tensor(a), am.tensor(b))
    want = np.linalg.vecdot(a, b)
    assert got.dtype == want.dtype == np.bool_
    np.testing.assert_array_equal(got.data, want)
    assert am.linalg.vecdot(am.tensor(a), am.tensor(np.array([1, 2]))).dtype == np.int64
