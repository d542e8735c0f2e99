"""Tensor.lerp_ (torch's in-place lerp): the EMA / soft target update
`with torch.no_grad(): tp.lerp_(p, tau)`."""

import numpy as np
import pytest

import autograd_mini as am


def test_soft_target_update_under_no_grad_writes_in_place():
    p = am.nn.Parameter(am.tensor([1.0, 2.0, 3.0]))
    tp = am.nn.Parameter(am.tensor([0.0, 0.0, 10.0]))
    before = tp.data
    with am.no_grad():
        assert tp.lerp_(p, 0.25) is tp
    assert tp.data is before  # the same array, changed
    np.testing.assert_allclose(tp.data, [0.25, 0.5, 10.0 + 0.25 * (3.0 - 10.0)], rtol=1e-15)
    with am.no_grad():
        tp.lerp_(p, am.tensor([1.0, 0.0, 0.5]))  # a tensor weight; weight 1 gives end exactly
    np.testing.assert_array_equal(tp.data[:2], [1.0, 0.5])


def test_lerp_on_a_leaf_that_requires_grad_is_refused_while_recording():
    tp = am.nn.Parameter(am.zeros(3))
    with pytest.raises(RuntimeError, match="lerp_"):
        tp.lerp_(am.ones(3), 0.5)
    np.testing.assert_array_equal(tp.data, 0.0)


def test_lerp_on_a_tensor_with_a_graph_is_recorded_with_first_and_second_order_gradients():
    def f(x, e):
        h = x.sin()
        h.lerp_(e, 0.3)
        return h * x
    g = np.random.default_rng(0)
    x, e = g.normal(size=(2, 3)), g.normal(size=(3,))
    np.testing.assert_allclose(f(am.tensor(x), am.tensor(e)).data, (np.sin(x) + 0.3 * (e - np.sin(x))) * x)
    assert am.gradcheck(f, (x, e))
    assert am.gradgradcheck(f, (x, e))


def test_bad_shapes_are_refused_before_anything_changes():
    t = am.zeros(3)
    with pytest.raises(ValueError, match=r"lerp_.*\(2, 3\).*\(3,\)"):
        t.lerp_(am.ones((2, 3)), 0.5)
    with pytest.raises(ValueError, match="lerp_"):
        t.lerp_(am.ones(4), 0.5)
    np.testing.assert_array_equal(t.data, 0.0)
