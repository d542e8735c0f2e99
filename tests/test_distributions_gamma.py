"""Exponential, Laplace, Gamma, Beta, Dirichlet, Poisson: log_prob against densities written
here with math.lgamma, entropy / mean / variance / KL against numeric integration on a grid
(sums over k for Poisson), sample moments with a fixed seed, reparameterised samples,
cdf/icdf, first and second derivatives (gradcheck, gradgradcheck), validation, expand,
and am.compile replay."""

import math

import numpy as np
import pytest

import autograd_mini as am

D = am.distributions


def integrate(f, lo, hi, n=200001):
    """Simpson's rule on [lo, hi] with n (odd) points."""
    x = np.linspace(lo, hi, n)
    y = f(x)
    h = (hi - lo) / (n - 1)
    return h / 3 * (y[0] + y[-1] + 4 * y[1:-1:2].sum() + 2 * y[2:-1:2].sum())


# -- oracles ------------------------------------------------------------------------------


def exponential_logpdf(x, rate):
    return math.log(rate) - rate * x


def laplace_logpdf(x, loc, scale):
    return -math.log(2 * scale) - abs(x - loc) / scale


def gamma_logpdf(x, a, b):
    return a * math.log(b) + (a - 1) * math.log(x) - b * x - math.lgamma(a)


def beta_logpdf(x, a, b):
    return ((a - 1) * math.log(x) + (b - 1) * math.log(1 - x)
            - (math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)))


def dirichlet_logpdf(x, a):
    return (sum((ai - 1) * math.log(xi) for ai, xi in zip(a, x)) + math.lgamma(sum(a))
            - sum(math.lgamma(ai) for ai in a))


def poisson_logpmf(k, rate):
    return k * math.log(rate) - rate - math.lgamma(k + 1)


def vec(f):
    return np.vectorize(f, otypes=[float])


# -- log_prob ---------------------------------------------------------------------------


def test_log_prob_against_densities_written_with_math_lgamma():
    rng = np.random.default_rng(0)
    r, x = rng.uniform(0.2, 3, (2, 3)), rng.uniform(0.01, 5, (2, 3))
    np.testing.assert_allclose(D.Exponential(r).log_prob(x).data, vec(exponential_logpdf)(x, r), rtol=1e-14)
    loc, s = rng.normal(size=(3,)), rng.uniform(0.2, 3, (2, 1))
    np.testing.assert_allclose(D.Laplace(loc, s).log_prob(x).data, vec(laplace_logpdf)(x, loc, s), rtol=1e-14)
    a, b = rng.uniform(0.2, 6, (2, 3)), rng.uniform(0.2, 3, (3,))
    np.testing.assert_allclose(D.Gamma(a, b).log_prob(x).data, vec(gamma_logpdf)(x, a, b), rtol=1e-13)
    u = rng.uniform(0.01, 0.99, (2, 3))
    np.testing.assert_allclose(D.Beta(a, b).log_prob(u).data, vec(beta_logpdf)(u, a, b), rtol=1e-13)
    c = rng.uniform(0.2, 4, (2, 4))
    v = rng.dirichlet(np.ones(4), (5, 2))
    want = np.array([[dirichlet_logpdf(v[i, j], c[j]) for j in range(2)] for i in range(5)])
    got = D.Dirichlet(c).log_prob(v)
    assert got.shape == (5, 2)
    np.testing.assert_allclose(got.data, want, rtol=1e-13)
    k = rng.integers(0, 12, (2, 3)).astype(float)
    np.testing.assert_allclose(D.Poisson(r * 3).log_prob(k).data, vec(poisson_logpmf)(k, r * 3), rtol=1e-13, atol=1e-14)


def test_densities_integrate_to_one_and_give_the_moments():
    for d, lo, hi in [(D.Exponential(1.7), 0, 40), (D.Laplace(0.3, 0.8), -40, 40),
                      (D.Gamma(2.5, 1.5), 0, 60), (D.Beta(2.5, 3.5), 0, 1)]:
        p = lambda x: np.exp(d.log_prob(x).data)
        mean, var = d.mean.item(), d.variance.item()
        assert integrate(p, lo, hi) == pytest.approx(1, abs=1e-9)
        assert integrate(lambda x: x * p(x), lo, hi) == pytest.approx(mean, abs=1e-9)
        assert integrate(lambda x: (x - mean) ** 2 * p(x), lo, hi) == pytest.approx(var, abs=1e-8)
        with np.errstate(invalid="ignore"):
            ent = integrate(lambda x: np.where(p(x) > 0, -p(x) * d.log_prob(x).data, 0.0), lo, hi)
        assert d.entropy().item() == pytest.approx(ent, abs=1e-8)
    k = np.arange(0, 200.0)
    d = D.Poisson(6.5)
    pm = np.exp(d.log_prob(k).data)
    assert pm.sum() == pytest.approx(1, abs=1e-13)
    assert (k * pm).sum() == pytest.approx(6.5, rel=1e-13)
    assert ((k - 6.5) ** 2 * pm).sum() == pytest.approx(6.5, rel=1e-12)


def test_end_points_zero_log_zero():
    # alpha = 1 at x = 0: (alpha - 1) log x = 0 log 0 = 0, as torch's xlogy (no NaN)
    assert D.Gamma(1.0, 2.0).log_prob(0.0).item() == pytest.approx(math.log(2.0))
    assert D.Gamma(2.0, 2.0).log_prob(0.0).item() == -math.inf
    assert D.Beta(1.0, 2.0).log_prob(0.0).item() == pytest.approx(math.log(2.0))
    assert D.Beta(2.0, 1.0).log_prob(1.0).item() == pytest.approx(math.log(2.0))
    assert D.Poisson(0.0).log_prob(0.0).item() == 0.0
    assert D.Poisson(0.0).log_prob(2.0).item() == -math.inf
    # gradients there: the one-sided derivative, not torch's NaN
    r = am.tensor(0.0, requires_grad=True)
    D.Poisson(r).log_prob(0.0).backward()
    assert r.grad == -1.0
    x = am.tensor(0.0, requires_grad=True)
    D.Gamma(1.0, 2.0).log_prob(x).backward()
    assert x.grad == -2.0


# -- entropy, KL ----------------------------------------------------------------------------


def kl_numeric(p, q, lo, hi):
    def f(x):
        lp = p.log_prob(x).data
        with np.errstate(invalid="ignore"):
            return np.where(lp > -np.inf, np.exp(lp) * (lp - q.log_prob(x).data), 0.0)
    return integrate(f, lo, hi)


@pytest.mark.parametrize("pair", ["exponential", "laplace", "gamma", "beta"])
def test_kl_against_numeric_integration(pair):
    p, q, lo, hi = {
        "exponential": (D.Exponential(1.3), D.Exponential(0.4), 0, 60),
        "laplace": (D.Laplace(0.2, 0.7), D.Laplace(-0.5, 1.6), -40, 40),
        "gamma": (D.Gamma(2.5, 1.5), D.Gamma(4.0, 0.7), 0, 80),
        "beta": (D.Beta(2.5, 3.5), D.Beta(1.5, 4.0), 0, 1),
    }[pair]
    assert D.kl_divergence(p, q).item() == pytest.approx(kl_numeric(p, q, lo, hi), abs=1e-8)
    assert abs(D.kl_divergence(p, p).item()) < 1e-14


def test_kl_poisson_by_summation_and_zero_rates():
    k = np.arange(0, 300.0)
    p, q = D.Poisson(4.5), D.Poisson(2.0)
    lp = p.log_prob(k).data
    want = (np.exp(lp) * (lp - q.log_prob(k).data)).sum()
    assert D.kl_divergence(p, q).item() == pytest.approx(want, rel=1e-12)
    out = D.kl_divergence(D.Poisson(np.array([0.0, 1.0])), D.Poisson(np.array([2.0, 0.0])))
    np.testing.assert_array_equal(out.data, [2.0, math.inf])


def test_dirichlet_of_two_is_a_beta():
    a, b = np.array([0.7, 2.5, 4.0]), np.array([1.3, 0.6, 3.0])
    dir_ = D.Dirichlet(np.stack([a, b], -1))
    beta = D.Beta(a, b)
    np.testing.assert_allclose(dir_.entropy().data, beta.entropy().data, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(dir_.mean.data[:, 0], beta.mean.data, rtol=1e-14)
    np.testing.assert_allclose(dir_.variance.data[:, 0], beta.variance.data, rtol=1e-14)
    q_a, q_b = np.array([2.0, 1.1, 0.5]), np.array([0.9, 3.0, 2.0])
    np.testing.assert_allclose(D.kl_divergence(dir_, D.Dirichlet(np.stack([q_a, q_b], -1))).data,
                               D.kl_divergence(beta, D.Beta(q_a, q_b)).data, rtol=1e-12, atol=1e-14)


def test_dirichlet_entropy_and_kl_by_monte_carlo():
    am.manual_seed(3)
    c, c2 = np.array([2.0, 3.0, 1.5]), np.array([1.0, 4.0, 2.5])
    p, q = D.Dirichlet(c), D.Dirichlet(c2)
    x = p.sample((200000,))
    lp = p.log_prob(x).data
    assert D.Dirichlet(c).entropy().item() == pytest.approx(-lp.mean(), abs=4 * lp.std() / math.sqrt(lp.size))
    d = lp - q.log_prob(x).data
    assert D.kl_divergence(p, q).item() == pytest.approx(d.mean(), abs=4 * d.std() / math.sqrt(d.size))


# -- samples, cdf, icdf, mode ---------------------------------------------------------------------


@pytest.mark.parametrize("make", [
    lambda: D.Exponential(np.array([0.5, 2.0])), lambda: D.Laplace(np.array([0.0, 1.0]), 2.0),
    lambda: D.Gamma(np.array([0.5, 3.0]), 2.0), lambda: D.Beta(np.array([0.5, 3.0]), 2.0),
    lambda: D.Dirichlet(np.array([[0.5, 3.0, 1.0]])), lambda: D.Poisson(np.array([0.5, 7.0]))])
def test_sample_moments_with_a_fixed_seed(make):
    d = make()
    am.manual_seed(0)
    s = d.sample((40000,))
    assert s.shape == (40000,) + d.batch_shape + d.event_shape and not s.requires_grad
    am.manual_seed(0)
    np.testing.assert_array_equal(d.sample((40000,)).data, s.data)  # (reproducible)
    sd = np.sqrt(d.variance.data)
    np.testing.assert_allclose(s.data.mean(0), d.mean.data, atol=5 * sd.max() / math.sqrt(40000))
    np.testing.assert_allclose(s.data.var(0), d.variance.data, rtol=0.06)
    assert np.all(np.isfinite(d.log_prob(s).data))


def test_rsample_is_reparameterised():
    r = am.tensor([0.5, 2.0], requires_grad=True)
    am.manual_seed(1)
    z = D.Exponential(r).rsample((3,))
    am.manual_seed(1)
    e = -np.log1p(-am.rand(3, 2).data)
    np.testing.assert_allclose(z.data, e / r.data, rtol=1e-15)
    z.sum().backward()
    np.testing.assert_allclose(r.grad, -(e / r.data ** 2).sum(0), rtol=1e-14)
    loc, scale = am.tensor([0.0, 1.0], requires_grad=True), am.tensor(2.0, requires_grad=True)
    z = D.Laplace(loc, scale).rsample((5,))
    z.sum().backward()
    np.testing.assert_array_equal(loc.grad, [5.0, 5.0])
    np.testing.assert_allclose(scale.grad, ((z.data - loc.data) / scale.data).sum(), rtol=1e-13)
    for d in (D.Gamma(1.0, 1.0), D.Beta(1.0, 1.0), D.Dirichlet(np.ones(2))):
        assert not d.has_rsample
        with pytest.raises(NotImplementedError, match="implicit reparameterisation"):
            d.rsample()
    with pytest.raises(NotImplementedError, match="Poisson"):
        D.Poisson(1.0).rsample()
    with pytest.raises(NotImplementedError, match="Poisson.entropy"):
        D.Poisson(1.0).entropy()


def test_cdf_and_icdf():
    d = D.Exponential(np.array([0.5, 3.0]))
    x = np.array([0.7, 0.2])
    np.testing.assert_allclose(d.cdf(x).data, 1 - np.exp(-np.array([0.5, 3.0]) * x), rtol=1e-15)
    np.testing.assert_allclose(d.icdf(d.cdf(x)).data, x, rtol=1e-14)
    assert D.Exponential(2.0).icdf(1.0).item() == math.inf
    lap = D.Laplace(0.5, 2.0)
    for v in (-3.0, 0.5, 1.2, 8.0):
        dens = lambda t: np.exp(lap.log_prob(t).data)
        want = integrate(dens, -80, min(v, 0.5)) + (integrate(dens, 0.5, v) if v > 0.5 else 0.0)  # (split at the kink)
        assert lap.cdf(v).item() == pytest.approx(want, abs=1e-9)
        assert lap.icdf(lap.cdf(v)).item() == pytest.approx(v, abs=1e-13)
    np.testing.assert_array_equal(lap.icdf(np.array([0.0, 0.5, 1.0])).data, [-math.inf, 0.5, math.inf])
    with pytest.raises(ValueError, match="Exponential.cdf"):
        d.cdf(-1.0)
    with pytest.raises(ValueError, match="Laplace.icdf"):
        lap.icdf(1.5)


def test_modes():
    np.testing.assert_array_equal(D.Exponential(np.array([1.0, 2.0])).mode.data, [0.0, 0.0])
    np.testing.assert_array_equal(D.Laplace(np.array([1.0, -2.0]), 3.0).mode.data, [1.0, -2.0])
    np.testing.assert_allclose(D.Gamma(np.array([3.0, 0.5]), 2.0).mode.data, [1.0, 0.0])
    np.testing.assert_allclose(D.Beta(np.array([3.0, 0.5, 2.0, 0.5, 0.3]), np.array([2.0, 2.0, 0.5, 0.3, 0.5])).mode.data,
                               [2 / 3, 0.0, 1.0, 1.0, 0.0])
    assert math.isnan(D.Beta(1.0, 1.0).mode.item())
    m = D.Dirichlet(np.array([[3.0, 2.0, 1.0], [0.5, 0.7, 0.2]])).mode.data
    np.testing.assert_allclose(m, [[2 / 3, 1 / 3, 0.0], [0.0, 1.0, 0.0]])
    np.testing.assert_array_equal(D.Poisson(np.array([0.5, 3.0, 3.7])).mode.data, [0.0, 3.0, 3.0])


# -- derivatives ----------------------------------------------------------------------------------


def _pos(shape, seed, lo=0.5, hi=3.0):
    return am.tensor(np.random.default_rng(seed).uniform(lo, hi, shape), requires_grad=True)


@pytest.mark.parametrize("shape", [(), (3,), (2, 3)])
def test_gradcheck_and_gradgradcheck_of_log_prob_entropy_kl(shape):
    x = np.random.default_rng(9).uniform(0.1, 0.9, shape)
    k = np.random.default_rng(9).integers(0, 5, shape).astype(float)
    cases = [
        (lambda a, b: D.Exponential(a).log_prob(x * 3) + D.Exponential(a).entropy()
         + D.kl_divergence(D.Exponential(a), D.Exponential(b)), 2),
        (lambda a, b, c: D.Laplace(c, a).log_prob(x * 2) + D.Laplace(c, a).entropy()
         + D.kl_divergence(D.Laplace(c, a), D.Laplace(0.1, b)) + D.Laplace(c, a).cdf(x)
         + D.Laplace(c, a).icdf(x), 3),
        (lambda a, b: D.Gamma(a, b).log_prob(x * 2) + D.Gamma(a, b).entropy()
         + D.kl_divergence(D.Gamma(a, b), D.Gamma(b, a)), 2),
        (lambda a, b: D.Beta(a, b).log_prob(x) + D.Beta(a, b).entropy()
         + D.kl_divergence(D.Beta(a, b), D.Beta(b, a)), 2),
        (lambda a, b: D.Poisson(a).log_prob(k) + D.kl_divergence(D.Poisson(a), D.Poisson(b)), 2),
    ]
    for f, n in cases:
        args = [_pos(shape, 10 + i) for i in range(n)]
        assert am.gradcheck(lambda *t: f(*t).sum(), args)
        assert am.gradgradcheck(lambda *t: f(*t).sum(), args)


@pytest.mark.parametrize("shape", [(3,), (2, 4)])
def test_gradcheck_and_gradgradcheck_of_dirichlet(shape):
    v = np.random.default_rng(4).dirichlet(np.ones(shape[-1]), shape[:-1])

    def f(a, b):
        p = D.Dirichlet(a)
        return (p.log_prob(v) + p.entropy() + D.kl_divergence(p, D.Dirichlet(b))).sum() + p.variance.sum()

    args = [_pos(shape, 1), _pos(shape, 2)]
    assert am.gradcheck(f, args)
    assert am.gradgradcheck(f, args)


def test_gradcheck_of_rsample():
    def f(r, loc, s):
        am.manual_seed(5)  # (the same draws at every call)
        return (D.Exponential(r).rsample((2,)) ** 2).sum() + (D.Laplace(loc, s).rsample((2,)) ** 2).sum()

    args = [_pos((3,), 1), am.tensor(np.array([0.2, -0.3, 1.0]), requires_grad=True), _pos((3,), 2)]
    assert am.gradcheck(f, args)
    assert am.gradgradcheck(f, args)


# -- validation, expand, compile --------------------------------------------------------------


@pytest.mark.parametrize("make, match", [
    (lambda: D.Exponential(np.array([1.0, -1.0])), r"Exponential: rate \(shape \(2,\)\) must be > 0"),
    (lambda: D.Laplace(0.0, np.zeros(3)), r"Laplace: scale \(shape \(3,\)\) must be > 0"),
    (lambda: D.Gamma(np.array([1.0, 0.0]), 1.0), r"Gamma: concentration \(shape \(2,\)\) must be > 0"),
    (lambda: D.Gamma(1.0, -2.0), r"Gamma: rate \(shape \(\)\) must be > 0"),
    (lambda: D.Beta(np.ones(3), np.ones(2)), r"Beta: the parameters' shapes do not broadcast: "
                                             r"concentration1 \(3,\), concentration0 \(2,\)"),
    (lambda: D.Beta(-1.0, 1.0), r"Beta: concentration1 \(shape \(\)\) must be > 0"),
    (lambda: D.Dirichlet(np.array([1.0, -0.5])), r"Dirichlet: concentration \(shape \(2,\)\) must be > 0"),
    (lambda: D.Dirichlet(np.array(2.0)), r"Dirichlet: concentration must have at least one axis"),
    (lambda: D.Poisson(np.array([-0.1])), r"Poisson: rate \(shape \(1,\)\) must be >= 0"),
    (lambda: D.Gamma(np.ones((2, 3)), np.ones(4)), r"Gamma: the parameters' shapes do not broadcast"),
])
def test_bad_parameters_are_value_errors_naming_the_distribution_and_shapes(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_bad_values():
    with pytest.raises(ValueError, match=r"Gamma.log_prob: the value \(shape \(\)\) is outside the support"):
        D.Gamma(1.0, 1.0).log_prob(-1.0)
    with pytest.raises(ValueError, match=r"Beta.log_prob: the value"):
        D.Beta(1.0, 1.0).log_prob(1.5)
    with pytest.raises(ValueError, match=r"Poisson.log_prob: the value"):
        D.Poisson(1.0).log_prob(0.5)
    with pytest.raises(ValueError, match=r"Dirichlet.log_prob: the value's trailing axes must be the event shape \(3,\)"):
        D.Dirichlet(np.ones(3)).log_prob(np.ones(2) / 2)
    with pytest.raises(ValueError, match=r"Dirichlet.log_prob: the value \(shape \(3,\)\) is outside the support"):
        D.Dirichlet(np.ones(3)).log_prob(np.ones(3))
    with pytest.raises(ValueError, match=r"Exponential.log_prob: a value of shape \(3,\) does not broadcast"):
        D.Exponential(np.ones(2)).log_prob(np.ones(3))
    with pytest.raises(ValueError, match="kl_divergence: Dirichlet event shapes"):
        D.kl_divergence(D.Dirichlet(np.ones(3)), D.Dirichlet(np.ones(2)))
    # without validation, no check
    assert D.Gamma(-1.0, 1.0, validate_args=False).batch_shape == ()


def test_expand_shares_the_parameters_and_follows_in_place_steps():
    a = am.tensor(np.array([1.5, 2.5]), requires_grad=True)
    for d in (D.Exponential(a), D.Gamma(a, 2.0), D.Beta(a, 1.0), D.Poisson(a), D.Laplace(0.0, a)):
        e = d.expand((3, 2))
        assert e.batch_shape == (3, 2) and e.mean.shape == (3, 2)
        e.variance.sum().backward()
        g_expanded, a.grad = a.grad.data.copy(), None
        d.variance.sum().backward()  # (three rows of the same parameters: three times the gradient)
        np.testing.assert_allclose(g_expanded, 3 * a.grad.data, rtol=1e-15)
        assert np.all(g_expanded != 0)
        a.grad = None
    d = D.Dirichlet(a)
    e = d.expand((4,))
    assert e.batch_shape == (4,) and e.event_shape == (2,) and e.sample().shape == (4, 2)
    g = D.Gamma(a, 1.0)
    with am.no_grad():
        a.data[...] = [3.0, 4.0]
    np.testing.assert_array_equal(g.mean.data, [3.0, 4.0])


def test_compile_replays_eager_bit_for_bit():
    def f(a, b, x):
        g, be = D.Gamma(a, b), D.Beta(a, b)
        return (g.log_prob(x * 3) + g.entropy() + be.log_prob(x) + D.kl_divergence(be, D.Beta(b, a))
                + D.Laplace(a, b).log_prob(x) + D.Exponential(a).entropy()).sum()

    rng = np.random.default_rng(2)
    a0, b0, x0 = rng.uniform(0.5, 3, 4), rng.uniform(0.5, 3, 4), rng.uniform(0.1, 0.9, 4)
    step = am.compile(f)
    for _ in range(2):
        ta, tb = am.tensor(a0, requires_grad=True), am.tensor(b0, requires_grad=True)
        out = step(ta, tb, am.tensor(x0))
        out.backward()
        ea, eb = am.tensor(a0, requires_grad=True), am.tensor(b0, requires_grad=True)
        ref = f(ea, eb, am.tensor(x0))
        ref.backward()
        assert out.item() == ref.item()
        np.testing.assert_array_equal(ta.grad, ea.grad)
        np.testing.assert_array_equal(tb.grad, eb.grad)


def test_sample_is_refused_while_compiling():
    def f(a):
        return D.Gamma(a, 1.0).sample().sum() + a.sum()

    with pytest.raises(RuntimeError, match="Gamma.sample: random numbers cannot be compiled"):
        am.compile(f)(am.tensor(np.ones(2), requires_grad=True))
