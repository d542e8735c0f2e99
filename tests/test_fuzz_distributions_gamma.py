"""am.distributions' Gamma family (Exponential, Laplace, Gamma, Beta, Dirichlet, Poisson):
defects found by differential fuzzing against torch.distributions, each checked against
an oracle written here with math/numpy (no torch)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_mini as am

D = am.distributions


@pytest.mark.parametrize("a", [0.5, 1.0, 2.0, 7.5])
def test_gamma_log_prob_at_infinity_is_minus_infinity(a):
    # the density b**a x**(a-1) exp(-b x) / Gamma(a) tends to 0 as x -> inf for every a,
    # so log_prob(inf) = -inf; (a - 1) log x - b x was inf - inf = NaN for a >= 1
    A = am.tensor(np.array([a, a]), requires_grad=True)
    B = am.tensor(np.array([3.0, 3.0]), requires_grad=True)
    x = am.tensor(np.array([np.inf, 2.0]), requires_grad=True)
    lp = D.Gamma(A, B).log_prob(x)
    want = a * math.log(3.0) + (a - 1) * math.log(2.0) - 6.0 - math.lgamma(a)
    assert lp.numpy()[0] == -np.inf
    np.testing.assert_allclose(lp.numpy()[1], want, rtol=1e-14)
    lp.sum().backward()
    # the finite entry's gradients, and no NaN from the infinite one (its terms are constant)
    np.testing.assert_allclose(A.grad.numpy()[1], math.log(3.0) + math.log(2.0)
                               - (math.lgamma(a + 1e-7) - math.lgamma(a - 1e-7)) / 2e-7, rtol=1e-6)
    np.testing.assert_allclose(B.grad.numpy()[1], a / 3.0 - 2.0, rtol=1e-14)
    np.testing.assert_allclose(x.grad.numpy()[1], (a - 1) / 2.0 - 3.0, rtol=1e-14)
    for g in (A.grad, B.grad, x.grad):
        assert g.numpy()[0] == 0.0
    f32 = D.Gamma(np.float32([a]), np.float32([1.0])).log_prob(np.float32([np.inf]))
    assert f32.dtype == np.float32 and f32.numpy()[0] == -np.inf


def test_poisson_log_prob_refuses_an_infinite_count():
    # inf is no count (as torch's validate_args: inf % 1 is NaN), and log_prob(inf) was NaN
    with pytest.raises(ValueError, match="Poisson.log_prob.*outside the support"):
        D.Poisson(2.0).log_prob(np.array([1.0, np.inf]))
    with pytest.raises(ValueError, match="Poisson.log_prob"):
        D.Poisson(2.0).log_prob(-np.inf)
    np.testing.assert_allclose(D.Poisson(2.0).log_prob(np.array([0.0, 3.0])).numpy(),
                               [-2.0, 3 * math.log(2.0) - 2.0 - math.log(6.0)], rtol=1e-14)
