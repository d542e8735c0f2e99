"""What porting three PyTorch programs (PPO on a numpy CartPole, a TCN forecaster, a
mixture density network) met: torch.min(a, b) / torch.max(a, b) of two tensors, which
numpy's max(x, axis) read as a reduction, and torch.distributions.MixtureSameFamily."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_mini as am
from replay_check import assert_compiled_replays_eager

D = am.distributions
LOG2PI = math.log(2 * math.pi)


# -- torch.min(a, b) / torch.max(a, b): the elementwise form is refused, never a reduction -----

@pytest.mark.parametrize("call", [
    lambda x, b: am.max(x, b), lambda x, b: am.min(x, b),
    lambda x, b: x.max(b), lambda x, b: x.min(b),
])
@pytest.mark.parametrize("b", [am.tensor(0), am.tensor(0.0), am.tensor([0.0, 1.0, 2.0])])
def test_a_tensor_as_max_or_min_axis_is_refused_pointing_to_the_elementwise_form(call, b):
    x = am.tensor([1.0, -2.0, 3.0], requires_grad=True)
    # (a 0-d integer tensor was read as axis 0: torch.max(x, torch.tensor(0)), a ReLU,
    # silently gave the scalar 3.0)
    with pytest.raises(TypeError, match=r"imum\(a, b\)") as e:
        call(x, b)
    assert "shape (3,)" in str(e.value)


def test_max_and_min_still_take_int_tuple_list_and_numpy_integer_axes():
    x = np.arange(6.0).reshape(2, 3)
    t = am.tensor(x)
    assert am.max(t, 1).tolist() == x.max(1).tolist()
    assert t.min(np.int64(0)).tolist() == x.min(0).tolist()
    assert am.min(t, (0, 1)).item() == 0.0 and t.max([0, 1]).item() == 5.0


# -- MixtureSameFamily ------------------------------------------------------------------------

def _mixture_logpdf(w, mu, sigma, x):
    """log sum_k w_k N(x; mu_k, sigma_k), one mixture and one x at a time."""
    total = 0.0
    for wk, mk, sk in zip(w, mu, sigma):
        total += wk * math.exp(-0.5 * ((x - mk) / sk) ** 2) / (sk * math.sqrt(2 * math.pi))
    return math.log(total)


def _params(seed, batch=(4,), k=3):
    r = np.random.default_rng(seed)
    return (r.standard_normal(batch + (k,)), r.standard_normal(batch + (k,)),
            np.exp(0.5 * r.standard_normal(batch + (k,))))


def test_normal_mixture_log_prob_mean_variance_cdf_match_loops():
    logits, mu, sigma = _params(0)
    m = D.MixtureSameFamily(D.Categorical(logits=am.tensor(logits)), D.Normal(am.tensor(mu), am.tensor(sigma)))
    assert m.batch_shape == (4,) and m.event_shape == ()
    x = np.random.default_rng(1).standard_normal((2, 4))
    w = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    lp = m.log_prob(am.tensor(x)).data
    assert lp.shape == (2, 4)
    for s in range(2):
        for b in range(4):
            np.testing.assert_allclose(lp[s, b], _mixture_logpdf(w[b], mu[b], sigma[b], x[s, b]), rtol=1e-12)
    for b in range(4):
        mean = sum(w[b, k] * mu[b, k] for k in range(3))
        second = sum(w[b, k] * (sigma[b, k] ** 2 + mu[b, k] ** 2) for k in range(3))
        np.testing.assert_allclose(m.mean.data[b], mean, rtol=1e-12)
        np.testing.assert_allclose(m.variance.data[b], second - mean ** 2, rtol=1e-12)
        cdf = sum(w[b, k] * 0.5 * (1 + math.erf((x[0, b] - mu[b, k]) / (sigma[b, k] * math.sqrt(2))))
                  for k in range(3))
        np.testing.assert_allclose(m.cdf(am.tensor(x[0])).data[b], cdf, rtol=1e-12)


def test_independent_normal_components_give_a_diagonal_gaussian_mixture_over_vectors():
    r = np.random.default_rng(2)
    logits, mu, sigma = r.standard_normal((3,)), r.standard_normal((3, 2)), np.exp(r.standard_normal((3, 2)))
    m = D.MixtureSameFamily(D.Categorical(logits=am.tensor(logits)),
                            D.Independent(D.Normal(am.tensor(mu), am.tensor(sigma)), 1))
    assert m.batch_shape == () and m.event_shape == (2,)
    x = r.standard_normal((5, 2))
    w = np.exp(logits) / np.exp(logits).sum()
    lp = m.log_prob(am.tensor(x)).data
    for s in range(5):
        dens = sum(w[k] * np.prod(np.exp(-0.5 * ((x[s] - mu[k]) / sigma[k]) ** 2) / (sigma[k] * math.sqrt(2 * math.pi)))
                   for k in range(3))
        np.testing.assert_allclose(lp[s], math.log(dens), rtol=1e-12)
    np.testing.assert_allclose(m.mean.data, (w[:, None] * mu).sum(0), rtol=1e-12)
    assert m.sample((7,)).shape == (7, 2)


def test_far_away_values_and_zero_mixture_weights_stay_finite():
    m = D.MixtureSameFamily(D.Categorical(probs=am.tensor([0.0, 1.0])), D.Normal(am.tensor([0.0, 1.0]), 1.0))
    # (torch's: probs clamped to [eps, 1 - eps]; a naive log(probs) would give -inf terms)
    np.testing.assert_allclose(m.log_prob(1.0).item(), -0.5 * LOG2PI, rtol=1e-12)
    mu = am.tensor([0.0, 1.0], requires_grad=True)
    far = D.MixtureSameFamily(D.Categorical(logits=am.zeros(2)), D.Normal(mu, 0.01)).log_prob(1e3)
    far.backward()
    assert np.isfinite(far.item()) and np.all(np.isfinite(mu.grad.data))


@pytest.mark.parametrize("batch", [(), (3,), (2, 2)])
def test_log_prob_gradients_first_and_second_order(batch):
    logits, mu, sigma = _params(3, batch, k=2)
    x = np.random.default_rng(4).standard_normal(batch)

    def f(lg, m, s):
        return D.MixtureSameFamily(D.Categorical(logits=lg), D.Normal(m, s.exp())).log_prob(am.tensor(x))

    ins = [am.tensor(v, requires_grad=True) for v in (logits, mu, np.log(sigma))]
    assert am.gradcheck(f, ins)
    assert am.gradgradcheck(f, ins)


def test_sampling_picks_components_by_weight_and_is_reproducible():
    m = D.MixtureSameFamily(D.Categorical(probs=am.tensor([[0.2, 0.8], [0.5, 0.5]])),
                            D.Normal(am.tensor([[-5.0, 5.0], [0.0, 10.0]]), am.tensor(0.5)))
    am.manual_seed(0)
    s = m.sample((20000,))
    am.manual_seed(0)
    np.testing.assert_array_equal(s.data, m.sample((20000,)).data)
    assert s.shape == (20000, 2) and not s.requires_grad
    np.testing.assert_allclose((s.data[:, 0] > 0).mean(), 0.8, atol=0.015)
    np.testing.assert_allclose(s.data.mean(0), m.mean.data, atol=0.1)
    np.testing.assert_allclose(s.data.var(0), m.variance.data, rtol=0.05)
    with pytest.raises(NotImplementedError, match="rsample"):
        m.rsample()
    with pytest.raises(NotImplementedError, match="entropy"):
        m.entropy()


def test_bad_mixtures_and_values_are_refused_naming_the_shapes():
    with pytest.raises(ValueError, match="must be a Categorical"):
        D.MixtureSameFamily(D.Normal(0.0, 1.0), D.Normal(am.zeros(2), 1.0))
    with pytest.raises(TypeError, match="must be a Distribution"):
        D.MixtureSameFamily(D.Categorical(logits=am.zeros(2)), am.zeros(2))
    with pytest.raises(ValueError, match=r"batch_shape \(3,\) must be .* \(\) plus .* \(2,\)"):
        D.MixtureSameFamily(D.Categorical(logits=am.zeros(2)), D.Normal(am.zeros(3), 1.0))
    with pytest.raises(ValueError, match=r"batch_shape \(4, 2\) must be .* \(3,\)"):
        D.MixtureSameFamily(D.Categorical(logits=am.zeros((3, 2))), D.Normal(am.zeros((4, 2)), 1.0))
    m = D.MixtureSameFamily(D.Categorical(logits=am.zeros((3, 2))), D.Normal(am.zeros((3, 2)), 1.0))
    with pytest.raises(ValueError, match=r"shape \(4,\) does not broadcast"):
        m.log_prob(am.zeros(4))


def test_compiled_mixture_nll_replays_eager_bit_for_bit():
    def nll(lg, mu, ls, y):
        return -D.MixtureSameFamily(D.Categorical(logits=lg), D.Normal(mu, ls.exp())).log_prob(y).mean()

    def args(seed: int) -> list:
        vals = _params(seed, (6,), k=3)[:2] + (np.log(_params(seed, (6,), k=3)[2]),
                                                np.random.default_rng(seed).standard_normal(6))
        return [am.tensor(v, requires_grad=i < 3) for i, v in enumerate(vals)]

    assert_compiled_replays_eager(nll, args)
