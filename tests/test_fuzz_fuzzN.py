"""Discrepancies with numpy found by a differential fuzzer (autograd_mini vs numpy)."""
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
