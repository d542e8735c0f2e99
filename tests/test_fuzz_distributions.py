"""am.distributions: defects found by differential fuzzing against torch.distributions,
each checked against an oracle written here with math/numpy (no torch)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_mini as am

D = am.distributions


def test_uniform_stddev_does_not_overflow_through_the_variance():
    # (high - low) = 1e300: the variance overflows float64, the stddev does not
    low, high = np.array([0.0, -1e300, 2.0]), np.array([1e300, np.nextafter(-1e300, 0), 5.0])
    got = D.Uniform(low, high).stddev.numpy()
    want = (high - low) / math.sqrt(12)
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, want, rtol=1e-15)
    lo, hi = am.tensor(low, requires_grad=True), am.tensor(high, requires_grad=True)
    D.Uniform(lo, hi).stddev.sum().backward()
    np.testing.assert_allclose(hi.grad.numpy(), np.full(3, 1 / math.sqrt(12)), rtol=1e-15)
    np.testing.assert_allclose(lo.grad.numpy(), np.full(3, -1 / math.sqrt(12)), rtol=1e-15)


def _mvn_log_prob_lower(Lvals, loc, x):
    """log N(x; loc, L L^T) with L's lower triangle from Lvals (upper ignored)."""
    L = np.tril(Lvals)
    z = np.linalg.solve(L, x - loc)
    return -0.5 * (len(x) * math.log(2 * math.pi) + z @ z) - np.log(np.diag(L)).sum()


def test_mvn_scale_tril_gradient_is_zero_above_the_diagonal():
    # the distribution depends on scale_tril's lower triangle only, so its gradient is
    # zero above the diagonal (else a gradient step leaves scale_tril not triangular)
    L0 = np.array([[1.5, 0.0, 0.0], [0.3, 0.8, 0.0], [-0.4, 0.2, 1.1]])
    loc, x = np.array([0.1, -0.2, 0.3]), np.array([1.0, 0.5, -2.0])
    L = am.tensor(L0, requires_grad=True)
    d = D.MultivariateNormal(am.tensor(loc), scale_tril=L)
    lp = d.log_prob(am.tensor(x))
    np.testing.assert_allclose(lp.item(), _mvn_log_prob_lower(L0, loc, x), rtol=1e-13)
    (lp + d.entropy()).backward()
    g = L.grad.numpy()
    assert np.all(np.triu(g, 1) == 0)
    h = 1e-6
    for i, j in [(0, 0), (1, 0), (2, 1), (2, 2)]:
        e = np.zeros((3, 3)); e[i, j] = h
        f = lambda M: _mvn_log_prob_lower(M, loc, x) + np.log(np.diag(M)).sum()
        np.testing.assert_allclose(g[i, j], (f(L0 + e) - f(L0 - e)) / (2 * h), rtol=1e-6)
    # kl_divergence in q's scale_tril too
    Lq = am.tensor(L0.T @ L0 / 4 + np.eye(3), requires_grad=True)
    Lq2 = am.tensor(np.linalg.cholesky(Lq.numpy()), requires_grad=True)
    D.kl_divergence(D.MultivariateNormal(am.tensor(loc), scale_tril=L),
                    D.MultivariateNormal(am.tensor(x), scale_tril=Lq2)).backward()
    assert np.all(np.triu(Lq2.grad.numpy(), 1) == 0)


def test_categorical_refuses_logits_with_no_finite_entry_in_a_row():
    # all -inf: no probability mass anywhere; log_softmax makes it NaN silently
    with pytest.raises(ValueError, match="Categorical"):
        D.Categorical(logits=np.array([[0.0, 1.0], [-np.inf, -np.inf]]))
    d = D.Categorical(logits=np.array([-np.inf, 0.0]))  # one finite entry is fine
    np.testing.assert_array_equal(d.probs.numpy(), [0.0, 1.0])
    assert d.entropy().item() == 0.0


def _kl_uu(a, b, c, d):
    return math.log((d - c) / (b - a)) if c <= a and b <= d else math.inf


def _kl_un(a, b, mu, s):
    # E_{U[a,b]}[log U - log N] = -log(b - a) + log(s sqrt(2 pi)) + E[(x - mu)^2] / (2 s^2)
    ex2 = (b - a) ** 2 / 12 + ((a + b) / 2 - mu) ** 2
    return -math.log(b - a) + math.log(s * math.sqrt(2 * math.pi)) + ex2 / (2 * s * s)


def test_kl_uniform_pairs():
    a, b = np.array([0.0, -1.0, 0.5]), np.array([1.0, 2.0, 3.0])
    c, d = np.array([-1.0, -1.0, 1.0]), np.array([1.5, 2.0, 4.0])
    got = D.kl_divergence(D.Uniform(a, b), D.Uniform(c, d)).numpy()
    np.testing.assert_allclose(got, [_kl_uu(*t) for t in zip(a, b, c, d)], rtol=1e-14)
    assert got[1] == 0.0 and got[2] == math.inf
    mu, s = np.array([0.3, -2.0, 5.0]), np.array([0.5, 1.0, 3.0])
    A = am.tensor(a, requires_grad=True)
    kl = D.kl_divergence(D.Uniform(A, am.tensor(b)), D.Normal(am.tensor(mu), am.tensor(s)))
    np.testing.assert_allclose(kl.numpy(), [_kl_un(*t) for t in zip(a, b, mu, s)], rtol=1e-14)
    kl.sum().backward()
    h = 1e-6
    fd = [(_kl_un(x + h, y, m, t) - _kl_un(x - h, y, m, t)) / (2 * h) for x, y, m, t in zip(a, b, mu, s)]
    np.testing.assert_allclose(A.grad.numpy(), fd, rtol=1e-6)
    # a Normal's support is the real line: infinite against any Uniform
    inf = D.kl_divergence(D.Normal(mu, s), D.Uniform(a, b))
    assert inf.shape == (3,) and np.all(inf.numpy() == np.inf)


def test_mvn_built_once_from_a_leaf_scale_tril_follows_its_optimizer():
    # A distribution built once from a learnable scale_tril: each log_prob reads the
    # tensor as it is now (not a copy taken at construction) and backward works every step.
    L = am.tensor(np.array([[2.0, 0.0], [0.5, 1.0]]), requires_grad=True)
    for loc in (am.zeros(2), am.zeros(3, 2)):  # (the second broadcasts scale_tril to a batch)
        d = D.MultivariateNormal(loc, scale_tril=L)
        opt = am.optim.SGD([L], lr=0.1)
        x = am.tensor([0.3, -0.2])
        for _ in range(3):
            opt.zero_grad()
            lp = d.log_prob(x).sum()
            want = D.MultivariateNormal(loc, scale_tril=L).log_prob(x).sum()
            assert lp.item() == want.item()
            (-lp).backward()
            assert np.all(np.triu(L.grad.numpy(), 1) == 0)
            opt.step()
        np.testing.assert_array_equal(d.scale_tril.numpy(), np.broadcast_to(L.numpy(), d.batch_shape + (2, 2)))
