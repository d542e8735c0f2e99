"""Normal.cdf (torch.distributions.Normal.cdf): Phi((x - loc) / scale), as a GP's probability
of improvement or a BNN's calibration uses it. Values against math.erf one element at a time,
gradients first and second order in loc, scale and the value, an am.compile replay, refusals."""

import math

import numpy as np
import pytest

import autograd_mini as am

D = am.distributions


def test_normal_cdf_equals_the_erf_formula_elementwise_and_broadcasts():
    rng = np.random.default_rng(0)
    loc, scale, x = rng.standard_normal((3, 1)), np.exp(rng.standard_normal(4)), rng.standard_normal((2, 3, 4))
    got = D.Normal(loc, scale).cdf(x).data
    assert got.shape == (2, 3, 4)
    for i, j, k in np.ndindex(2, 3, 4):
        want = 0.5 * (1 + math.erf((x[i, j, k] - loc[j, 0]) / (scale[k] * math.sqrt(2))))
        assert abs(got[i, j, k] - want) <= 1e-15
    np.testing.assert_array_equal(D.Normal(0.0, 1.0).cdf(am.tensor([-np.inf, 0.0, np.inf])).data, [0.0, 0.5, 1.0])


def test_normal_cdf_gradients_first_and_second_order():
    rng = np.random.default_rng(1)
    loc, scale, x = rng.standard_normal(3), np.exp(rng.standard_normal(3)), rng.standard_normal((2, 3))
    f = lambda m, s, v: D.Normal(m, s).cdf(v)
    assert am.gradcheck(f, (loc, scale, x))
    assert am.gradgradcheck(f, (loc, scale, x))
    # d/dx cdf = the density
    v = am.tensor(x, requires_grad=True)
    D.Normal(am.tensor(loc), am.tensor(scale)).cdf(v).sum().backward()
    np.testing.assert_allclose(v.grad.data, np.exp(D.Normal(loc, scale).log_prob(x).data), rtol=1e-13)


def test_compiled_normal_cdf_replays_eager_bit_for_bit():
    fn = lambda m, s, v: D.Normal(m, s).cdf(v).sum()
    step = am.compile(fn)
    for k in range(3):
        rng = np.random.default_rng(k)
        vals = [rng.standard_normal(3), np.exp(rng.standard_normal(3)), rng.standard_normal((2, 3))]
        a = [am.tensor(v, requires_grad=True) for v in vals]
        b = [am.tensor(v, requires_grad=True) for v in vals]
        out, want = step(*a), fn(*b)
        out.backward(), want.backward()
        np.testing.assert_array_equal(out.data, want.data)
        for p, q in zip(a, b):
            np.testing.assert_array_equal(p.grad.data, q.grad.data)
    assert step.recordings == 1


def test_normal_cdf_refuses_values_that_do_not_broadcast_or_are_nan():
    d = D.Normal(am.zeros(3), am.ones(3))
    with pytest.raises(ValueError, match=r"Normal.cdf.*\(4,\).*\(3,\)"):
        d.cdf(am.zeros(4))
    with pytest.raises(ValueError, match=r"Normal.cdf.*\(3,\).*support"):
        d.cdf(am.tensor([0.0, np.nan, 1.0]))
