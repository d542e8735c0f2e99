"""Defects found by the fuzz5 review of the numpy- and torch-named additions."""
import numpy as np
import pytest

import autograd_mini as am


@pytest.mark.parametrize("name", ["nanmax", "nanmin"])
@pytest.mark.parametrize("axis", [0, 2, -1])
def test_nan_extreme_reduces_a_zero_size_array_over_a_nonempty_axis(name, axis):
    # (2, 0, 3) over axis 0 or 2 has entries to reduce: an empty result, as np.nanmax
    x = np.zeros((2, 0, 3))
    out = getattr(am, name)(am.tensor(x), axis=axis)
    assert out.shape == getattr(np, name)(x, axis=axis).shape
    t = am.tensor(x, requires_grad=True)
    getattr(am, name)(t, axis=axis, keepdims=True).sum().backward()
    assert t.grad.shape == x.shape


@pytest.mark.parametrize("name", ["nanmax", "nanmin"])
def test_nan_extreme_still_refuses_an_empty_reduction(name):
    with pytest.raises(ValueError, match=name):
        getattr(am, name)(am.tensor(np.zeros((2, 0, 3))), axis=1)
