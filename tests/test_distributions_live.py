"""A distribution built once from learnable tensors follows an optimizer's in-place steps.

Its parameters are kept as given and their broadcast / converted forms derived at each
use (torch's live expand views), so a distribution built once and trained (variational
parameters) gives, bit for bit, what one rebuilt at every step gives, and each
log_prob / entropy / rsample / cdf / kl_divergence has a graph of its own to backward.
"""

import numpy as np
import pytest

import autograd_mini as am

D = am.distributions

_A3 = np.array([0.1, -0.3, 0.2])
_A23 = np.array([[0.1, -0.3, 0.2], [0.4, 0.0, -0.2]])
_P3 = np.array([0.3, 0.5, 0.7])
_PROBS = np.array([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]])
_TRIL = np.array([[1.5, 0.0], [0.4, 0.8]])
_COV = np.array([[2.0, 0.3], [0.3, 1.0]])

# name: (make(*params), learnable params, value, the objectives it has)
CASES = {
    "Normal": (lambda m, s: D.Normal(m, s), [_A3, np.float64(1.3)],
               [1.0, 2.0, 3.0], ("log_prob", "entropy", "rsample", "cdf", "kl")),
    "Uniform": (lambda a, b: D.Uniform(a, b), [_A3 - 2.0, np.float64(2.5)],
                [0.5, -0.5, 0.0], ("log_prob", "entropy", "rsample", "cdf", "kl")),
    "Bernoulli-probs": (lambda p: D.Bernoulli(probs=p), [_P3], [1.0, 0.0, 1.0],
                        ("log_prob", "entropy", "kl")),
    "Bernoulli-logits": (lambda l: D.Bernoulli(logits=l), [_A3], [1.0, 0.0, 1.0],
                         ("log_prob", "entropy", "kl")),
    "Categorical-probs": (lambda p: D.Categorical(probs=p, validate_args=False), [_PROBS], [2, 0],
                          ("log_prob", "entropy", "kl")),
    "Categorical-logits": (lambda l: D.Categorical(logits=l), [_A23], [2, 0],
                           ("log_prob", "entropy", "kl")),
    "MVN-scale_tril": (lambda m, L: D.MultivariateNormal(m, scale_tril=L), [_A23.T, _TRIL],
                       [0.3, -0.2], ("log_prob", "entropy", "rsample", "kl")),
    # (a covariance's Cholesky factor is computed once, as torch's: only loc is trained)
    "MVN-covariance": (lambda m: D.MultivariateNormal(m, covariance_matrix=np.stack([_COV] * 3)),
                       [_A23[0, :2]], [0.3, -0.2], ("log_prob", "rsample", "kl")),
    "Independent": (lambda m, s: D.Independent(D.Normal(m, s), 1), [_A23, np.float64(0.7)],
                    [1.0, 0.5, -1.0], ("log_prob", "entropy", "rsample", "kl")),
    "MixtureSameFamily": (lambda l, m, s: D.MixtureSameFamily(D.Categorical(logits=l), D.Normal(m, s)),
                          [_A3, _A3 * 3, np.float64(1.1)], 0.4, ("log_prob", "cdf")),
}


def _objective(d, what, x, make, params):
    if what == "log_prob":
        return d.log_prob(x).sum()
    if what == "entropy":
        return d.entropy().sum()
    if what == "rsample":
        am.manual_seed(3)
        return d.rsample((2,)).sum()
    if what == "cdf":
        return d.cdf(x).sum()
    # kl: against a fixed distribution of the same kind (the parameters scaled and
    # shifted, zeros kept: a Uniform's support then covers the trained one's)
    q = make(*[am.tensor(p.numpy() * 1.1 + 0.05 * (p.numpy() != 0)) for p in params])
    return D.kl_divergence(d, q).sum()


def _train(name, what, once, expand):
    make, values, x, _ = CASES[name]
    params = [am.tensor(np.array(v, dtype=np.float64), requires_grad=True) for v in values]
    build = (lambda: make(*params).expand((4,) + make(*params).batch_shape)) if expand else \
        (lambda: make(*params))
    opt = am.optim.SGD(params, lr=0.02)
    d = build() if once else None
    got = []
    for _ in range(3):
        opt.zero_grad()
        obj = _objective(d if once else build(), what, x, make, params)
        got.append(obj.numpy().copy())
        (-obj).backward()
        opt.step()
    return got, [p.numpy().copy() for p in params]


@pytest.mark.parametrize("expand", [False, True], ids=["plain", "expanded"])
@pytest.mark.parametrize("name,what", [(n, w) for n, c in CASES.items() for w in c[3]])
def test_built_once_and_trained_equals_rebuilt_at_each_step(name, what, expand):
    once, once_params = _train(name, what, True, expand)
    fresh, fresh_params = _train(name, what, False, expand)
    for a, b in zip(once, fresh):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(once_params, fresh_params):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(p, v) for p, v in zip(once_params, CASES[name][1]))  # (it trained)


def test_the_issue_loop_a_broadcast_normal_trains():
    mu = am.tensor(np.zeros(3), requires_grad=True)
    s = am.tensor(1.0, requires_grad=True)
    d = D.Normal(mu, s)
    opt = am.optim.SGD([mu, s], lr=0.1)
    x = am.tensor([1.0, 2.0, 3.0])
    for _ in range(3):
        opt.zero_grad()
        lp = d.log_prob(x).sum()
        assert lp.item() == D.Normal(mu, s).log_prob(x).sum().item()
        (-lp).backward()
        opt.step()


def test_public_parameters_are_read_only_current_values():
    mu = am.tensor(np.zeros(3), requires_grad=True)
    s = am.tensor(1.0, requires_grad=True)
    d = D.Normal(mu, s)
    with am.no_grad():
        mu += 1.0
        s *= 2.0
    np.testing.assert_array_equal(d.loc.numpy(), np.ones(3))
    np.testing.assert_array_equal(d.scale.numpy(), np.full(3, 2.0))
    assert d.loc.shape == d.scale.shape == (3,)
    with pytest.raises(AttributeError):
        d.loc = mu
    u = D.Uniform(am.tensor(0.0), am.tensor([1.0, 2.0]))
    assert u.low.shape == u.high.shape == (2,)
    logits = am.tensor(np.zeros((2, 3)), requires_grad=True)
    c = D.Categorical(logits=logits)
    with am.no_grad():
        logits[0, 0] = np.log(2.0)
    np.testing.assert_allclose(c.probs.numpy()[0], [0.5, 0.25, 0.25])
    np.testing.assert_allclose(c.logits.numpy()[1], np.log(np.full(3, 1 / 3)))


def test_expand_follows_the_original_parameters_and_shapes():
    mu = am.tensor(np.zeros(3), requires_grad=True)
    s = am.tensor(1.0, requires_grad=True)
    e = D.Normal(mu, s).expand((2, 3))
    assert e.batch_shape == e.loc.shape == e.scale.shape == (2, 3)
    with am.no_grad():
        mu += 1.0
    np.testing.assert_array_equal(e.loc.numpy(), np.ones((2, 3)))
    ee = e.expand((4, 2, 3))  # (an expansion of an expansion still reads the originals)
    for _ in range(2):
        mu.grad = s.grad = None
        ee.log_prob(am.zeros(3)).sum().backward()
        np.testing.assert_array_equal(mu.grad.numpy(), np.full(3, -8.0))
    b = D.Bernoulli(logits=am.tensor(np.zeros(3))).expand((2, 3))
    assert b.logits.shape == b.probs.shape == (2, 3)
    c = D.Categorical(probs=am.tensor([0.5, 0.5])).expand((3,))
    assert c.probs.shape == c.logits.shape == (3, 2) and c.sample().shape == (3,)
    L = am.tensor(_TRIL, requires_grad=True)
    m = D.MultivariateNormal(am.zeros(2), scale_tril=L).expand((5,))
    assert m.loc.shape == (5, 2) and m.scale_tril.shape == m.covariance_matrix.shape == (5, 2, 2)
    m2 = D.MultivariateNormal(am.zeros(2), covariance_matrix=_COV).expand((5,))
    assert m2.scale_tril.shape == m2.covariance_matrix.shape == (5, 2, 2)
