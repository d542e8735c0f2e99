"""am.distributions: values against closed-form oracles written here (log densities,
entropies, KL divergences, one element at a time), sample statistics under fixed seeds,
gradients first and second order in float64 (log_prob, entropy, KL, rsample with its
noise fixed by am.manual_seed), the edge cases where a careless formula gives NaN
(probabilities 0 and 1, huge logits), refusals, an am.compile replay, and a REINFORCE
gradient checked against the analytic one."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import autograd_mini as am

D = am.distributions
RNG = np.random.default_rng(7)
LOG2PI = math.log(2 * math.pi)


def check_both(f, *inputs):
    assert am.gradcheck(f, list(inputs))
    assert am.gradgradcheck(f, list(inputs))


def spd(shape, seed=0):
    m = np.random.default_rng(seed).uniform(-1, 1, shape)
    return m @ np.swapaxes(m, -1, -2) + shape[-1] * np.eye(shape[-1])


# -- values against closed forms ---------------------------------------------------------------

def test_normal_log_prob_entropy_kl_and_moments_match_the_formulas_elementwise():
    loc, scale = RNG.standard_normal((3, 1)), np.exp(RNG.standard_normal(4))
    x = RNG.standard_normal((2, 3, 4))
    d = D.Normal(loc, scale)
    assert d.batch_shape == (3, 4) and d.event_shape == ()
    lp, ent = d.log_prob(x).data, d.entropy().data
    loc2, scale2 = RNG.standard_normal(4), np.exp(RNG.standard_normal((3, 4)))
    kl = D.kl_divergence(d, D.Normal(loc2, scale2)).data
    for i in range(3):
        for j in range(4):
            m, s = loc[i, 0], scale[j]
            ent_ij = 0.5 * math.log(2 * math.pi * math.e * s * s)
            assert ent[i, j] == pytest.approx(ent_ij, rel=1e-12)
            for a in range(2):
                want = math.log(math.exp(-(x[a, i, j] - m) ** 2 / (2 * s * s)) / (s * math.sqrt(2 * math.pi)))
                assert lp[a, i, j] == pytest.approx(want, rel=1e-12)
            m2, s2 = loc2[j], scale2[i, j]
            want = math.log(s2 / s) + (s * s + (m - m2) ** 2) / (2 * s2 * s2) - 0.5
            assert kl[i, j] == pytest.approx(want, rel=1e-10, abs=1e-14)
    np.testing.assert_array_equal(d.mean.data, np.broadcast_to(loc, (3, 4)))
    np.testing.assert_allclose(d.variance.data, np.broadcast_to(scale ** 2, (3, 4)))
    np.testing.assert_array_equal(d.stddev.data, np.broadcast_to(scale, (3, 4)))


def test_uniform_values_and_moments():
    low, high = np.array([0.0, 1.0]), np.array([[2.0], [4.0]])
    d = D.Uniform(low, high)
    assert d.batch_shape == (2, 2)
    for i in range(2):
        for j in range(2):
            w = high[i, 0] - low[j]
            assert d.log_prob(1.5).data[i, j] == pytest.approx(-math.log(w), rel=1e-14)
            assert d.entropy().data[i, j] == pytest.approx(math.log(w), rel=1e-14)
            assert d.mean.data[i, j] == (low[j] + high[i, 0]) / 2
            assert d.variance.data[i, j] == pytest.approx(w * w / 12, rel=1e-14)
    # without validation a value outside [low, high) has probability 0, as PyTorch's
    assert D.Uniform(0.0, 1.0, validate_args=False).log_prob(am.tensor([1.0, -0.5])).data.tolist() == [-np.inf] * 2


def bernoulli_oracle(p, v):
    return math.log(p) if v == 1 else math.log(1 - p)


@pytest.mark.parametrize("by", ["probs", "logits"])
def test_bernoulli_log_prob_entropy_kl_match_the_formulas(by):
    p = RNG.uniform(0.05, 0.95, (2, 3))
    q = RNG.uniform(0.05, 0.95, 3)
    make = (lambda r: D.Bernoulli(probs=r)) if by == "probs" else (lambda r: D.Bernoulli(logits=np.log(r / (1 - r))))
    d, e = make(p), make(q)
    v = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]])
    lp, ent, kl = d.log_prob(v).data, d.entropy().data, D.kl_divergence(d, e).data
    for i in range(2):
        for j in range(3):
            r, s = p[i, j], q[j]
            assert lp[i, j] == pytest.approx(bernoulli_oracle(r, v[i, j]), rel=1e-12)
            assert ent[i, j] == pytest.approx(-r * math.log(r) - (1 - r) * math.log(1 - r), rel=1e-12)
            want = r * math.log(r / s) + (1 - r) * math.log((1 - r) / (1 - s))
            assert kl[i, j] == pytest.approx(want, rel=1e-9, abs=1e-14)
    np.testing.assert_allclose(d.probs.data, p, rtol=1e-13)
    np.testing.assert_allclose(d.logits.data, np.log(p / (1 - p)), rtol=1e-12)
    np.testing.assert_allclose(d.mean.data, p, rtol=1e-13)
    np.testing.assert_allclose(d.variance.data, p * (1 - p), rtol=1e-12)


@pytest.mark.parametrize("by", ["probs", "logits"])
def test_categorical_log_prob_entropy_kl_match_the_formulas(by):
    p = RNG.uniform(0.1, 1.0, (2, 4))
    p /= p.sum(-1, keepdims=True)
    q = RNG.uniform(0.1, 1.0, 4)
    q /= q.sum()
    make = ((lambda r: D.Categorical(probs=r)) if by == "probs"
            else (lambda r: D.Categorical(logits=np.log(r) + 3.0)))  # (unnormalised logits)
    d, e = make(p), make(q)
    assert d.batch_shape == (2,) and d.event_shape == ()
    v = np.array([[3, 0], [1, 1], [2, 3]])  # (3, 2): broadcasts against batch_shape (2,)
    lp = d.log_prob(v).data
    assert lp.shape == (3, 2)
    for a in range(3):
        for i in range(2):
            assert lp[a, i] == pytest.approx(math.log(p[i, v[a, i]]), rel=1e-12)
    ent, kl = d.entropy().data, D.kl_divergence(d, e).data
    for i in range(2):
        assert ent[i] == pytest.approx(-sum(r * math.log(r) for r in p[i]), rel=1e-12)
        assert kl[i] == pytest.approx(sum(r * math.log(r / s) for r, s in zip(p[i], q)), rel=1e-9)
    np.testing.assert_allclose(d.probs.data, p, rtol=1e-13)
    np.testing.assert_allclose(d.logits.data, np.log(p), rtol=1e-12)
    assert np.isnan(d.mean.data).all() and d.mean.shape == (2,)  # (as PyTorch: labels, not numbers)


def test_multivariate_normal_matches_the_dense_formulas_matrix_by_matrix():
    S = spd((2, 3, 3), seed=1)
    mu = RNG.standard_normal(3)
    x = RNG.standard_normal((4, 2, 3))
    d = D.MultivariateNormal(mu, covariance_matrix=S)
    assert d.batch_shape == (2,) and d.event_shape == (3,)
    S2 = spd((3, 3), seed=2)
    mu2 = RNG.standard_normal((2, 3))
    e = D.MultivariateNormal(mu2, scale_tril=np.linalg.cholesky(S2))
    lp, ent, kl = d.log_prob(x).data, d.entropy().data, D.kl_divergence(d, e).data
    for b in range(2):
        Sb, inv = S[b], np.linalg.inv(S[b])
        logdet = math.log(np.linalg.det(Sb))
        for a in range(4):
            r = x[a, b] - mu
            assert lp[a, b] == pytest.approx(-0.5 * (3 * LOG2PI + logdet + r @ inv @ r), rel=1e-11)
        assert ent[b] == pytest.approx(0.5 * (3 * (1 + LOG2PI) + logdet), rel=1e-12)
        inv2, r = np.linalg.inv(S2), mu2[b] - mu
        want = 0.5 * (np.trace(inv2 @ Sb) + r @ inv2 @ r - 3 + math.log(np.linalg.det(S2)) - logdet)
        assert kl[b] == pytest.approx(want, rel=1e-10)
    np.testing.assert_allclose(d.variance.data, np.diagonal(S, 0, -2, -1), rtol=1e-12)
    np.testing.assert_allclose(e.covariance_matrix.data, np.broadcast_to(S2, (2, 3, 3)), rtol=1e-12)


def test_a_covariance_symmetric_up_to_rounding_is_accepted_as_pytorchs():
    # was: ValueError "covariance_matrix (shape (4, 4)) must be symmetric" for A @ S @ A.T,
    # whose mirror entries differ in the last bit (PyTorch checks isclose, atol=1e-6)
    rng = np.random.default_rng(0)
    A, S = rng.standard_normal((4, 4)), np.diag(rng.random(4) + 0.5)
    C = A @ S @ A.T
    assert not np.array_equal(C, C.T)
    d = D.MultivariateNormal(np.zeros(4), covariance_matrix=C)
    Cs = (C + C.T) / 2
    x = rng.standard_normal(4)
    want = -0.5 * (4 * LOG2PI + math.log(np.linalg.det(Cs)) + x @ np.linalg.inv(Cs) @ x)
    assert d.log_prob(x).item() == pytest.approx(want, rel=1e-10)
    for f32 in (False, True):
        C32 = C.astype(np.float32) if f32 else C
        D.MultivariateNormal(np.zeros(4, C32.dtype), covariance_matrix=C32)


def test_independent_moves_batch_axes_into_the_event_and_sums_over_them():
    loc, scale = RNG.standard_normal((3, 4)), np.exp(RNG.standard_normal((3, 4)))
    base = D.Normal(loc, scale)
    d = D.Independent(base, 1)
    assert d.batch_shape == (3,) and d.event_shape == (4,)
    x = RNG.standard_normal((5, 3, 4))
    np.testing.assert_allclose(d.log_prob(x).data, base.log_prob(x).data.sum(-1), rtol=1e-13)
    np.testing.assert_allclose(d.entropy().data, base.entropy().data.sum(-1), rtol=1e-13)
    e = D.Independent(D.Normal(0.0, np.ones((3, 4))), 1)
    np.testing.assert_allclose(D.kl_divergence(d, e).data,
                               D.kl_divergence(base, e.base_dist).data.sum(-1), rtol=1e-13)
    # a diagonal MultivariateNormal is the same distribution
    m = D.MultivariateNormal(loc, scale_tril=am.tensor(np.eye(4) * scale[..., None]))
    np.testing.assert_allclose(d.log_prob(x).data, m.log_prob(x).data, rtol=1e-12)
    np.testing.assert_allclose(d.entropy().data, m.entropy().data, rtol=1e-12)
    assert D.Independent(D.Normal(loc, scale), 2).event_shape == (3, 4)
    assert D.Independent(base, 1).sample((2,)).shape == (2, 3, 4)


# -- probabilities 0 and 1, huge logits: no NaN the math does not have -------------------------

def test_bernoulli_probs_zero_and_one_give_exact_log_probs_and_finite_gradients():
    p = am.tensor([0.0, 1.0, 0.0, 1.0, 0.25], requires_grad=True)
    v = am.tensor([0.0, 1.0, 1.0, 0.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # (numpy's divide by zero at log(0))
        lp = D.Bernoulli(probs=p).log_prob(v)
    assert lp.data.tolist() == [0.0, 0.0, -np.inf, -np.inf, math.log(0.25)]
    d = D.Bernoulli(probs=p)
    lp = d.log_prob(am.tensor([0.0, 1.0, 0.0, 1.0, 0.0]))
    (lp.sum() + d.entropy().sum()).backward()
    assert np.isfinite(lp.data).all() and np.isfinite(p.grad.data).all()
    assert d.entropy().data[:4].tolist() == [0.0] * 4
    q = D.Bernoulli(probs=am.tensor([0.0, 1.0, 0.5, 0.5, 0.5]))
    kl = D.kl_divergence(D.Bernoulli(probs=am.tensor([0.0, 1.0, 0.0, 1.0, 0.5])), q)
    np.testing.assert_allclose(kl.data, [0, 0, math.log(2), math.log(2), 0], atol=1e-15)
    # huge logits: log-sum-exp stable, where log(sigmoid(l)) would give log(0) = -inf
    d = D.Bernoulli(logits=am.tensor([800.0, -800.0]))
    np.testing.assert_allclose(d.log_prob(am.tensor([0.0, 1.0])).data, [-800.0, -800.0])
    np.testing.assert_allclose(d.log_prob(am.tensor([1.0, 0.0])).data, [0.0, 0.0])
    assert np.isfinite(d.entropy().data).all()


def test_categorical_zero_probabilities_and_huge_logits():
    P = am.tensor([[0.5, 0.0, 0.5]], requires_grad=True)
    d = D.Categorical(probs=P)
    lp = d.log_prob(am.tensor([2])) + d.entropy()
    lp.sum().backward()
    assert np.isfinite(P.grad.data).all()
    assert d.entropy().data[0] == pytest.approx(math.log(2), rel=1e-15)
    q = D.Categorical(probs=am.tensor([0.2, 0.0, 0.8]))
    assert D.kl_divergence(d, q).data[0] == pytest.approx(0.5 * math.log(0.5 / 0.2) + 0.5 * math.log(0.5 / 0.8))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # (numpy's divide by zero at log(0))
        # q gives 0.8 to what the other gives 0
        assert D.kl_divergence(q, D.Categorical(probs=am.tensor([0.5, 0.5, 0.0]))).item() == np.inf
    L = am.tensor([[1000.0, 0.0, -1000.0]], requires_grad=True)
    d = D.Categorical(logits=L)
    np.testing.assert_allclose(d.log_prob(am.tensor([2, 0])).data, [-2000.0, 0.0])
    (d.log_prob(am.tensor([1])).sum() + d.entropy().sum()).backward()
    assert np.isfinite(L.grad.data).all()
    # a -inf logit: a category of probability 0, entropy finite with a finite gradient
    L = am.tensor([0.0, -np.inf, 0.0], requires_grad=True)
    d = D.Categorical(logits=L)
    d.entropy().backward()
    assert d.entropy().item() == pytest.approx(math.log(2)) and np.isfinite(L.grad.data).all()


# -- sampling ---------------------------------------------------------------------------------

def test_sample_statistics_with_fixed_seeds_and_reproducibility():
    am.manual_seed(0)
    n = 20000
    x = D.Normal(am.tensor([1.0, -2.0]), am.tensor([0.5, 3.0])).sample((n,))
    assert x.shape == (n, 2) and not x.requires_grad
    np.testing.assert_allclose(x.data.mean(0), [1.0, -2.0], atol=0.07)
    np.testing.assert_allclose(x.data.var(0), [0.25, 9.0], rtol=0.04)
    u = D.Uniform(-1.0, 3.0).sample((n,)).data
    assert u.min() >= -1 and u.max() < 3 and abs(u.mean() - 1) < 0.04 and abs(u.var() - 16 / 12) < 0.05
    b = D.Bernoulli(probs=am.tensor([0.1, 0.7])).sample((n,)).data
    assert set(np.unique(b)) <= {0.0, 1.0}
    np.testing.assert_allclose(b.mean(0), [0.1, 0.7], atol=0.015)
    probs = np.array([0.2, 0.0, 0.5, 0.3])
    c = D.Categorical(probs=probs).sample((n,)).data
    assert c.dtype == np.int64
    np.testing.assert_allclose(np.bincount(c, minlength=4) / n, probs, atol=0.015)
    assert (c != 1).all()
    S = np.array([[2.0, 0.6], [0.6, 1.0]])
    m = D.MultivariateNormal(am.tensor([1.0, 2.0]), S).sample((n,)).data
    np.testing.assert_allclose(m.mean(0), [1, 2], atol=0.05)
    np.testing.assert_allclose(np.cov(m.T), S, atol=0.08)
    # am.manual_seed reproduces draws
    d = D.Categorical(logits=am.zeros(3, 5))
    am.manual_seed(3)
    first = (d.sample((4,)).data, D.Normal(0.0, 1.0).rsample((2,)).data)
    am.manual_seed(3)
    again = (d.sample((4,)).data, D.Normal(0.0, 1.0).rsample((2,)).data)
    assert first[0].shape == (4, 3)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)


def test_float32_parameters_stay_float32():
    loc = am.tensor([0.0, 1.0], dtype=np.float32)
    d = D.Normal(loc, 2.0)
    assert d.rsample().dtype == np.float32 and d.log_prob(am.tensor([0.5, 0.5], dtype=np.float32)).dtype == np.float32
    assert D.Bernoulli(probs=np.float32(0.5) * np.ones(2, np.float32)).sample().dtype == np.float32


# -- gradients, first and second order --------------------------------------------------------

def test_normal_and_uniform_gradients():
    loc, scale = RNG.standard_normal((2, 3)), np.exp(RNG.standard_normal(3))
    x = RNG.standard_normal((2, 3))
    check_both(lambda m, s: D.Normal(m, s).log_prob(x), loc, scale)
    check_both(lambda s: D.Normal(0.0, s).entropy(), scale)
    check_both(lambda m, s, m2, s2: D.kl_divergence(D.Normal(m, s), D.Normal(m2, s2)),
               loc, scale, RNG.standard_normal(3), np.exp(RNG.standard_normal((2, 1))))

    def reparameterised(m, s):
        am.manual_seed(5)  # (the same noise on every call)
        return D.Normal(m, s).rsample((4,))

    check_both(reparameterised, loc, scale)
    lo, hi = RNG.uniform(-2, -1, 3), RNG.uniform(1, 2, (2, 3))

    def uniform(a, b):
        am.manual_seed(5)
        d = D.Uniform(a, b)
        return d.rsample((2,)) * d.log_prob(0.0) + d.entropy() + d.variance

    check_both(uniform, lo, hi)


@pytest.mark.parametrize("by", ["probs", "logits"])
def test_bernoulli_and_categorical_gradients(by):
    p = RNG.uniform(0.1, 0.9, (2, 3))
    q = RNG.uniform(0.1, 0.9, 3)
    if by == "logits":
        p, q = np.log(p / (1 - p)), np.log(q / (1 - q))
    v = np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    check_both(lambda a: D.Bernoulli(**{by: a}).log_prob(v), p)
    check_both(lambda a: D.Bernoulli(**{by: a}).entropy(), p)
    check_both(lambda a, b: D.kl_divergence(D.Bernoulli(**{by: a}), D.Bernoulli(**{by: b})), p, q)
    P, Q = RNG.uniform(0.1, 1, (2, 4)), RNG.uniform(0.1, 1, 4)
    P, Q = P / P.sum(-1, keepdims=True), Q / Q.sum()
    if by == "logits":
        P, Q = RNG.standard_normal((2, 4)), RNG.standard_normal(4)
    k = np.array([[3, 0], [1, 2]])
    # (finite differences leave the simplex: probs are checked unvalidated, used divided by their sum)
    cat = lambda a: D.Categorical(**{by: a}, validate_args=by == "logits")
    check_both(lambda a: cat(a).log_prob(k), P)
    check_both(lambda a: cat(a).entropy(), P)
    check_both(lambda a, b: D.kl_divergence(cat(a), cat(b)), P, Q)


def test_multivariate_normal_and_independent_gradients():
    S = spd((2, 3, 3), seed=3)
    mu, x = RNG.standard_normal(3), RNG.standard_normal((2, 3))
    sym = lambda A: A @ A.mT + 3 * np.eye(3)  # (a positive definite function of any A)
    A = RNG.standard_normal((2, 3, 3))
    check_both(lambda m, a: D.MultivariateNormal(m, sym(a)).log_prob(x), mu, A)
    check_both(lambda a: D.MultivariateNormal(np.zeros(3), sym(a)).entropy(), A)
    tril = np.linalg.cholesky(S)
    check_both(lambda m, t, m2, a: D.kl_divergence(D.MultivariateNormal(m, scale_tril=am.tril(t)),
                                                   D.MultivariateNormal(m2, sym(a))),
               mu, tril, RNG.standard_normal((2, 3)), A[0])

    def reparameterised(m, t):
        am.manual_seed(11)
        return D.MultivariateNormal(m, scale_tril=am.tril(t)).rsample((2,))

    check_both(reparameterised, mu, tril)
    check_both(lambda m, s: D.Independent(D.Normal(m, s), 1).log_prob(x) + D.kl_divergence(
        D.Independent(D.Normal(m, s), 1), D.Independent(D.Normal(0.0, np.ones(3)), 1)), mu,
        np.exp(RNG.standard_normal(3)))


def test_rsample_of_normal_is_loc_plus_scale_times_the_seeded_noise():
    loc = am.tensor([1.0, 2.0], requires_grad=True)
    scale = am.tensor([0.5, 3.0], requires_grad=True)
    am.manual_seed(4)
    z = D.Normal(loc, scale).rsample((3,))
    am.manual_seed(4)
    eps = am.randn(3, 2).data
    np.testing.assert_allclose(z.data, loc.data + scale.data * eps, rtol=1e-15)
    z.sum().backward()
    np.testing.assert_allclose(loc.grad.data, [3.0, 3.0])
    np.testing.assert_allclose(scale.grad.data, eps.sum(0), rtol=1e-14)
    s = D.Normal(loc, scale).sample()
    assert not s.requires_grad and s.grad_fn is None


# -- REINFORCE: d/dtheta E[f(x)] = E[f(x) d log p(x)/dtheta] ---------------------------------

def test_reinforce_gradient_matches_the_analytic_one_for_a_small_categorical():
    theta = np.array([0.3, -0.2, 0.5])
    f = np.array([1.0, -2.0, 4.0])
    p = np.exp(theta) / np.exp(theta).sum()
    analytic = p * (f - p @ f)  # d/dtheta sum_k softmax(theta)_k f_k
    # exact score-function form: sum over every outcome, weighted by its probability
    th = am.tensor(theta, requires_grad=True)
    d = D.Categorical(logits=th)
    k = am.arange(3)
    (d.probs.detach() * d.log_prob(k) * am.tensor(f)).sum().backward()
    np.testing.assert_allclose(th.grad.data, analytic, rtol=1e-13)
    # Monte Carlo with samples: the estimator converges to it
    am.manual_seed(0)
    th = am.tensor(theta, requires_grad=True)
    d = D.Categorical(logits=th)
    x = d.sample((40000,))
    (d.log_prob(x) * am.tensor(f[x.data])).mean().backward()
    np.testing.assert_allclose(th.grad.data, analytic, atol=0.04)


# -- am.compile ---------------------------------------------------------------------------------

def test_compiled_log_prob_and_kl_replay_eager_bit_for_bit():
    def fn(m, s, logits, x, k):
        d = D.Normal(m, s)
        c = D.Categorical(logits=logits)
        return (d.log_prob(x).sum() + D.kl_divergence(d, D.Normal(0.0, 1.0)).sum()
                + c.log_prob(k).sum() + c.entropy().sum())

    step = am.compile(fn)
    for seed in range(3):
        r = np.random.default_rng(seed)
        vals = (r.standard_normal(3), np.exp(r.standard_normal(3)), r.standard_normal((2, 4)),
                r.standard_normal(3), np.array([seed, 3]))
        outs = []
        for f in (fn, step):
            ts = [am.tensor(v, requires_grad=i < 3) for i, v in enumerate(vals)]
            out = f(*ts)
            out.backward()
            outs.append((out.data, [t.grad.data for t in ts[:3]]))
        assert outs[0][0] == outs[1][0]
        for a, b in zip(outs[0][1], outs[1][1]):
            np.testing.assert_array_equal(a, b)


def test_sampling_inside_compile_is_refused():
    step = am.compile(lambda m: D.Normal(m, 1.0).rsample())
    with pytest.raises(RuntimeError, match="random numbers cannot be compiled"):
        step(am.tensor([0.0], requires_grad=True))


# -- refusals -----------------------------------------------------------------------------------

@pytest.mark.parametrize("make, match", [
    (lambda: D.Normal(0.0, am.tensor([1.0, 0.0])), r"Normal: scale \(shape \(2,\)\) must be > 0"),
    (lambda: D.Normal(np.zeros(2), np.ones(3)), r"Normal: .*loc \(2,\), scale \(3,\)"),
    (lambda: D.Normal(np.nan, 1.0), "Normal: loc"),
    (lambda: D.Normal(np.nan, np.ones(3)), r"Normal: loc \(shape \(\)\) must not be NaN"),
    (lambda: D.Uniform(1.0, np.array([2.0, 1.0])), r"Uniform: low .* must be < high \(shape \(2,\)\)"),
    (lambda: D.Bernoulli(probs=[0.5, 1.5]), r"Bernoulli: probs \(shape \(2,\)\) must be in \[0, 1\]"),
    (lambda: D.Bernoulli(), "Bernoulli: pass exactly one"),
    (lambda: D.Bernoulli(probs=0.5, logits=0.0), "Bernoulli: pass exactly one"),
    (lambda: D.Categorical(probs=[0.5, 0.6]), r"Categorical: probs \(shape \(2,\)\) must sum to 1"),
    (lambda: D.Categorical(probs=[-0.5, 1.5]), r"Categorical: probs .* must be in \[0, 1\]"),
    (lambda: D.Categorical(logits=5.0), r"Categorical: logits must have at least one axis .* shape \(\)"),
    (lambda: D.Categorical(logits=[0.0, np.nan]), "Categorical: logits"),
    (lambda: D.MultivariateNormal(np.zeros(2), np.array([[1.0, 2.0], [2.0, 1.0]])),
     r"MultivariateNormal: covariance_matrix \(shape \(2, 2\)\) must be positive definite"),
    (lambda: D.MultivariateNormal(np.zeros(2), np.array([[1.0, 0.1], [0.0, 1.0]])), "must be symmetric"),
    (lambda: D.MultivariateNormal(np.zeros(2), scale_tril=np.array([[1.0, 0.1], [0.0, 1.0]])),
     "must be lower triangular"),
    (lambda: D.MultivariateNormal(np.zeros(2), scale_tril=-np.eye(2)), "positive diagonal"),
    (lambda: D.MultivariateNormal(np.zeros(3), np.eye(2)), r"loc \(3,\) and covariance_matrix \(2, 2\)"),
    (lambda: D.MultivariateNormal(np.zeros(2)), "exactly one of covariance_matrix and scale_tril"),
    (lambda: D.Independent(D.Normal(np.zeros(3), 1.0), 2), r"reinterpreted_batch_ndims .* \[0, 1\] .*\(3,\)"),
    (lambda: D.Normal(0.0, 1.0).sample((-1,)), "sample_shape"),
])
def test_bad_parameters_are_refused_naming_the_distribution_and_shapes(make, match):
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize("d, value, match", [
    (D.Bernoulli(probs=[0.5, 0.5]), [0.0, 0.5], r"Bernoulli.log_prob: the value \(shape \(2,\)\) is outside"),
    (D.Categorical(probs=[0.5, 0.5]), [2], r"Categorical.log_prob: .*outside the support"),
    (D.Categorical(probs=[0.5, 0.5]), [0.5], "outside the support"),
    (D.Uniform(0.0, 1.0), [1.0], r"Uniform.log_prob: .*outside the support \(\[low, high\)\)"),
    (D.Normal(np.zeros(3), 1.0), np.zeros(2), r"Normal.log_prob: a value of shape \(2,\) does not broadcast .*\(3,\)"),
    (D.MultivariateNormal(np.zeros(3), np.eye(3)), np.zeros(2), r"trailing axes must be the event shape \(3,\)"),
    (D.Independent(D.Normal(np.zeros((2, 3)), 1.0), 1), np.zeros(4), r"\(4,\) does not broadcast"),
])
def test_values_outside_the_support_or_of_wrong_shape_are_refused_by_log_prob(d, value, match):
    with pytest.raises(ValueError, match=match):
        d.log_prob(value)


def test_kl_of_other_pairs_is_not_implemented_and_batch_shapes_must_broadcast():
    with pytest.raises(NotImplementedError, match="kl_divergence: no closed form for Normal and Bernoulli"):
        D.kl_divergence(D.Normal(0.0, 1.0), D.Bernoulli(probs=0.5))
    with pytest.raises(NotImplementedError, match="reinterpreted_batch_ndims 1 and 2"):
        D.kl_divergence(D.Independent(D.Normal(np.zeros((2, 2)), 1.0), 1),
                        D.Independent(D.Normal(np.zeros((2, 2)), 1.0), 2))
    with pytest.raises(ValueError, match=r"batch shapes \(2,\) and \(3,\)"):
        D.kl_divergence(D.Normal(np.zeros(2), 1.0), D.Normal(np.zeros(3), 1.0))
    with pytest.raises(NotImplementedError, match="Bernoulli has no rsample"):
        D.Bernoulli(probs=0.5).rsample()
