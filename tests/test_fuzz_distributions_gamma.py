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


def test_boundary_cases_where_the_math_is_finite():
    # (torch gives NaN for each of these; the oracles are the closed forms)
    # KL(Poisson(0) || Poisson(q)) = q (p puts all its mass at 0, where q's log-prob is -q)
    q = am.tensor(np.array([0.15, 3.0]), requires_grad=True)
    p = am.tensor(np.array([0.0, 0.0]), requires_grad=True)
    kl = D.kl_divergence(D.Poisson(p), D.Poisson(q))
    np.testing.assert_allclose(kl.numpy(), [0.15, 3.0], rtol=1e-15)
    # log_prob(0) = -rate: its gradient in the rate is -1, at rate 0 too
    r = am.tensor(np.array([0.0, 2.0]), requires_grad=True)
    D.Poisson(r).log_prob(np.array([0.0, 0.0])).sum().backward()
    np.testing.assert_array_equal(r.grad.numpy(), [-1.0, -1.0])
    # the value's one-sided gradient at the support's edge, where the density is finite
    x = am.tensor(np.array(0.0), requires_grad=True)
    D.Gamma(1.0, 2.5).log_prob(x).backward()
    assert x.grad.item() == -2.5
    x = am.tensor(np.array([0.0, 1.0]), requires_grad=True)
    D.Beta(np.array([1.0, 2.0]), np.array([2.0, 1.0])).log_prob(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [-1.0, 1.0], rtol=1e-15)
    # Exponential's cdf at a tiny x: 1 - exp(-r x) = r x (1 - r x / 2 + ...), not 0
    np.testing.assert_allclose(D.Exponential(2.0).cdf(np.array([1e-30, 1e-8])).numpy(),
                               [2e-30, 2e-8 * (1 - 1e-8)], rtol=1e-15)


def test_laplace_cdf_keeps_the_lower_tail_and_has_the_density_as_gradient_at_loc():
    # (1/2 + expm1(d/s)/2 rounds a far lower tail to 0.5's ulp, 5.55e-17; the sign/abs form
    # gave gradient 0 at d = 0, where the cdf's slope is the density 1/(2 scale))
    loc, scale, x = 8.156, 0.0309, 7.0156
    got = am.distributions.Laplace(loc, scale).cdf(x).item()
    want = 0.5 * math.exp((x - loc) / scale)
    assert abs(got - want) <= 4e-16 * want
    v = am.tensor(np.array([0.3, -1.0, 5.0]), requires_grad=True)
    am.distributions.Laplace(0.3, 2.0).cdf(v).sum().backward()
    pdf = np.exp(-np.abs(v.data - 0.3) / 2.0) / 4.0
    np.testing.assert_allclose(v.grad.data, pdf, rtol=1e-15)
    assert am.gradgradcheck(lambda s: am.distributions.Laplace(0.3, s).cdf(np.array([-1.0, 0.2, 4.0])),
                            (np.array(2.0),))
