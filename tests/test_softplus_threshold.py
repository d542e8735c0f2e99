"""F.softplus(x, beta, threshold) and nn.Softplus(beta, threshold): torch's threshold=
keyword. None (the default here) keeps the exact value; a threshold given returns x
where beta x > threshold (strictly), the formula elsewhere, as torch's. Values and
gradients against numpy oracles, second derivatives, an am.compile replay, refusals."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from replay_check import assert_compiled_replays_eager
from autograd_mini import nn
from autograd_mini.nn import functional as F


def np_softplus(x, beta=1.0, threshold=None):
    """Loops, torch's definition: x where beta x > threshold, log1p(exp(beta x)) / beta
    elsewhere (log-sum-exp form for large beta x)."""
    out = np.empty_like(x)
    for i, v in np.ndenumerate(x):
        z = v * beta
        if threshold is not None and z > threshold:
            out[i] = v
        else:
            out[i] = (max(z, 0.0) + np.log1p(np.exp(-abs(z)))) / beta
    return out


def np_sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


CASES = [(1.0, 20.0), (2.0, 3.0), (0.5, -1.0), (3.0, 0.0), (1.0, 1.5)]


@pytest.mark.parametrize("beta, threshold", CASES)
def test_softplus_with_a_threshold_is_x_above_it_and_the_formula_up_to_and_at_it(beta, threshold):
    s = threshold / beta
    x = np.concatenate([np.random.default_rng(0).uniform(-10, 10, 40), [s, s + 1e-6, s - 1e-6, 0.0, 40.0]])
    t = am.tensor(x, requires_grad=True)
    y = F.softplus(t, beta, threshold)
    np.testing.assert_allclose(y.data, np_softplus(x, beta, threshold), rtol=1e-14, atol=1e-15)
    y.sum().backward()
    above = x * beta > threshold
    np.testing.assert_array_equal(y.data[above], x[above])
    np.testing.assert_array_equal(t.grad.data[above], 1.0)
    np.testing.assert_allclose(t.grad.data[~above], np_sigmoid(beta * x[~above]), rtol=1e-13, atol=1e-16)
    assert not above[40]  # (at the switch point: the formula, its value and gradient, as torch's)
    np.testing.assert_allclose(t.grad.data[40], np_sigmoid(threshold), rtol=1e-14)


def test_softplus_default_stays_exact_and_nn_softplus_passes_threshold():
    x = np.array([-3.0, 0.0, 25.0, 40.0])
    np.testing.assert_allclose(F.softplus(am.tensor(x)).data, np_softplus(x), rtol=1e-15)
    assert F.softplus(am.tensor(x)).data[2] != 25.0  # (no threshold: 25 + exp(-25))
    np.testing.assert_array_equal(F.softplus(am.tensor(x), threshold=20).data[2:], [25.0, 40.0])
    layer = nn.Softplus(2.0, 5)
    assert layer.threshold == 5.0 and "threshold=5.0" in repr(layer)
    np.testing.assert_array_equal(layer(am.tensor(x)).data, F.softplus(am.tensor(x), 2.0, 5.0).data)
    assert nn.Softplus().threshold is None and repr(nn.Softplus()) == "Softplus(beta=1.0)"


def test_softplus_threshold_in_float32_compares_in_float32():
    x = np.array([9.999999, 10.0, 10.000001, -2.0], dtype=np.float32)
    y = F.softplus(am.tensor(x), 2.0, 20.0)
    assert y.dtype == np.float32
    above = x * np.float32(2.0) > np.float32(20.0)
    np.testing.assert_array_equal(y.data[above], x[above])


@settings(max_examples=10, deadline=None)
@given(shape=st.sampled_from([(3,), (2, 3), (2, 1, 3)]), case=st.sampled_from(CASES), seed=st.integers(0, 50))
def test_softplus_threshold_gradients_first_and_second_order(shape, case, seed):
    beta, threshold = case
    x = np.random.default_rng(seed).uniform(-6, 6, shape)
    x = np.where(np.abs(x * beta - threshold) < 0.05, x + 0.2, x)  # (finite differences across the switch)
    f = lambda t: F.softplus(t, beta, threshold)
    assert am.gradcheck(f, (x,))
    assert am.gradgradcheck(f, (x,))


def test_compiled_softplus_with_threshold_replays_eager_bit_for_bit():
    fn = lambda a: (F.softplus(a, 2.0, 3.0) ** 2).sum()

    def args(k):
        x0 = np.random.default_rng(k).uniform(-4, 4, (3, 5))
        return [am.tensor(x0, requires_grad=True)]

    assert_compiled_replays_eager(fn, args)


@pytest.mark.parametrize("threshold", ["20", True, [20.0]])
def test_softplus_refuses_a_threshold_that_is_not_a_number(threshold):
    with pytest.raises(TypeError, match="softplus: threshold"):
        F.softplus(am.ones(3), 1.0, threshold)
    with pytest.raises(TypeError, match="softplus: threshold"):
        nn.Softplus(1.0, threshold)
