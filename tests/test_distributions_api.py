"""am.distributions' torch API additions: Uniform.cdf / icdf, mode, expand(batch_shape),
perplexity. Values against oracles written here (math, one element at a time; torch
2.13's values were the reference for the NaN modes), float64 gradients first and second
order, refusals, and an am.compile replay."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_mini as am

D = am.distributions
RNG = np.random.default_rng(11)


def check_both(f, *inputs):
    assert am.gradcheck(f, list(inputs))
    assert am.gradgradcheck(f, list(inputs))


def t(x):
    return am.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)


# -- Uniform.cdf and icdf ------------------------------------------------------------------------

def test_uniform_cdf_and_icdf_match_the_formulas_elementwise():
    low, high = np.array([[-1.0], [-0.5]]), np.array([0.0, 2.0, 3.0])
    d = D.Uniform(low, high)
    x = np.array([[-1.0, -0.5, 0.0], [-0.5, 1.0, 3.0]])
    q = RNG.uniform(0, 1, (4, 2, 3))
    q[0, 0, 0], q[0, 1, 1] = 0.0, 1.0
    cdf, icdf = d.cdf(x).data, d.icdf(q).data
    assert cdf.shape == (2, 3) and icdf.shape == (4, 2, 3)
    for i in range(2):
        for j in range(3):
            a, b = low[i, 0], high[j]
            assert cdf[i, j] == pytest.approx(min(max((x[i, j] - a) / (b - a), 0.0), 1.0), rel=1e-15)
            for s in range(4):
                assert icdf[s, i, j] == pytest.approx(a + q[s, i, j] * (b - a), rel=1e-15, abs=1e-15)
    assert d.cdf(high).data.tolist() == [[1.0] * 3] * 2          # high itself: in torch's support
    np.testing.assert_array_equal(d.icdf(1.0).data, np.broadcast_to(high, (2, 3)))
    np.testing.assert_array_equal(d.icdf(0.0).data, np.broadcast_to(low, (2, 3)))


def test_uniform_cdf_is_clamped_and_icdf_extended_without_validation():
    d = D.Uniform(np.array([0.0, 1.0]), np.array([2.0, 5.0]), validate_args=False)
    np.testing.assert_array_equal(d.cdf([[-3.0, 9.0], [7.0, 0.0]]).data, [[0.0, 1.0], [1.0, 0.0]])
    np.testing.assert_array_equal(d.icdf([1.5, -0.25]).data, [3.0, 0.0])


def test_uniform_cdf_and_icdf_refuse_values_outside_and_bad_shapes():
    d = D.Uniform(np.zeros(3), np.ones(3))
    with pytest.raises(ValueError, match=r"Uniform.cdf: .*shape \(3,\).*outside the support \(\[low, high\]\)"):
        d.cdf([0.5, 1.5, 0.5])
    with pytest.raises(ValueError, match=r"Uniform.cdf: .*shape \(2,\) does not broadcast.*\(3,\)"):
        d.cdf([0.5, 0.5])
    with pytest.raises(ValueError, match=r"Uniform.icdf: .*shape \(3,\).*in \[0, 1\]"):
        d.icdf([0.5, -0.1, 0.5])
    with pytest.raises(ValueError, match=r"Uniform.icdf: .*shape \(4,\) does not broadcast"):
        d.icdf(np.full(4, 0.5))


def test_uniform_cdf_and_icdf_gradients():
    x, low, high = t([0.3, -0.2, 1.1]), t([0.0, -1.0, 0.5]), t([1.0, 0.5, 2.0])
    check_both(lambda x, a, b: D.Uniform(a, b).cdf(x) ** 2, x, low, high)
    check_both(lambda q, a, b: D.Uniform(a, b).icdf(q) ** 2, t([0.1, 0.7, 0.95]), low, high)
    # clamped (no validation): the gradient is zero where clamped
    out = t([-5.0, 5.0, 1.0])
    check_both(lambda x, a, b: D.Uniform(a, b, validate_args=False).cdf(x) * 3, out, low, high)
    D.Uniform(low, high, validate_args=False).cdf(out).sum().backward()
    np.testing.assert_array_equal(out.grad.data, [0.0, 0.0, 1 / 1.5])


# -- mode ---------------------------------------------------------------------------------------

def test_modes_match_torchs_values():
    loc = RNG.standard_normal((2, 3))
    np.testing.assert_array_equal(D.Normal(loc, 2.0).mode.data, loc)
    u = D.Uniform(np.zeros((2, 1)), np.ones(3)).mode
    assert u.shape == (2, 3) and np.isnan(u.data).all() and not u.requires_grad
    p = np.array([0.0, 0.2, 0.5, 0.7, 1.0])
    want = [0.0, 0.0, math.nan, 1.0, 1.0]
    np.testing.assert_array_equal(D.Bernoulli(probs=p).mode.data, want)
    m = D.Bernoulli(logits=np.array([-3.0, 0.0, 2.0])).mode
    np.testing.assert_array_equal(m.data, [0.0, math.nan, 1.0])
    assert m.dtype == np.float64
    probs = RNG.dirichlet(np.ones(5), (3, 2))
    probs[0, 0] = [0.1, 0.4, 0.1, 0.4, 0.0]                         # a tie: the first
    for c in (D.Categorical(probs=probs), D.Categorical(logits=np.log(probs + 1e-300))):
        mode = c.mode
        assert mode.dtype == np.int64 and mode.shape == (3, 2)
        for i in range(3):
            for j in range(2):
                row = list(probs[i, j])
                assert mode.data[i, j] == row.index(max(row))
    mloc = RNG.standard_normal((4, 2))
    np.testing.assert_array_equal(D.MultivariateNormal(mloc, np.eye(2)).mode.data, mloc)
    ind = D.Independent(D.Normal(loc, 1.0), 1)
    np.testing.assert_array_equal(ind.mode.data, loc)
    mix = D.MixtureSameFamily(D.Categorical(logits=np.zeros(3)), D.Normal(np.zeros(3), np.ones(3)))
    with pytest.raises(NotImplementedError, match="MixtureSameFamily does not implement mode"):
        mix.mode


def test_mode_gradients():
    check_both(lambda m: D.Normal(m, 1.0).mode ** 2, t([0.5, -1.0]))
    check_both(lambda m: D.MultivariateNormal(m, np.eye(2)).mode ** 2, t([[0.5, -1.0]]))
    check_both(lambda m: D.Independent(D.Normal(m, 1.0), 1).mode ** 3, t([[0.5, -1.0]]))


# -- perplexity ---------------------------------------------------------------------------------

def test_perplexity_is_exp_entropy():
    scale = np.exp(RNG.standard_normal(3))
    ppl = D.Normal(0.0, scale).perplexity().data
    for i in range(3):
        assert ppl[i] == pytest.approx(math.sqrt(2 * math.pi * math.e) * scale[i], rel=1e-12)
    probs = np.array([[0.5, 0.5, 0.0, 0.0], [0.25] * 4])
    np.testing.assert_allclose(D.Categorical(probs=probs).perplexity().data, [2.0, 4.0], rtol=1e-14)
    assert D.Uniform(1.0, 4.0).perplexity().item() == pytest.approx(3.0, rel=1e-15)
    assert D.Bernoulli(probs=np.array([0.0, 1.0])).perplexity().data.tolist() == [1.0, 1.0]
    cov = np.array([[2.0, 0.3], [0.3, 1.0]])
    want = 2 * math.pi * math.e * math.sqrt(np.linalg.det(cov))
    assert D.MultivariateNormal(np.zeros(2), cov).perplexity().item() == pytest.approx(want, rel=1e-12)
    mix = D.MixtureSameFamily(D.Categorical(logits=np.zeros(2)), D.Normal(np.zeros(2), np.ones(2)))
    with pytest.raises(NotImplementedError, match="entropy"):
        mix.perplexity()


def test_perplexity_gradients():
    check_both(lambda s: D.Normal(0.0, s).perplexity(), t([0.5, 2.0]))
    check_both(lambda l: D.Categorical(logits=l).perplexity(), t([[0.1, -0.4, 1.0]]))
    check_both(lambda l: D.Bernoulli(logits=l).perplexity(), t([0.3, -2.0]))
    check_both(lambda a, b: D.Uniform(a, b).perplexity(), t([0.0, 1.0]), t([0.5, 4.0]))


# -- expand -------------------------------------------------------------------------------------

def _cases():
    loc, scale = RNG.standard_normal(3), np.exp(RNG.standard_normal(3))
    probs = RNG.dirichlet(np.ones(4), 3)
    return [
        (D.Normal(loc, scale), (2, 3), RNG.standard_normal((2, 3))),
        (D.Uniform(np.zeros(3), np.full(3, 2.0)), (2, 3), RNG.uniform(0, 2, (2, 3))),
        (D.Bernoulli(probs=probs[:, 0]), (2, 3), np.array([[0.0, 1, 1], [1, 0, 0]])),
        (D.Bernoulli(logits=loc), (2, 3), np.array([[0.0, 1, 1], [1, 0, 0]])),
        (D.Categorical(probs=probs), (2, 3), np.array([[0, 1, 3], [2, 2, 0]])),
        (D.Categorical(logits=np.log(probs)), (2, 3), np.array([[0, 1, 3], [2, 2, 0]])),
        (D.MultivariateNormal(np.zeros((3, 2)), np.eye(2)), (2, 3), RNG.standard_normal((2, 3, 2))),
        (D.MultivariateNormal(np.zeros(2), scale_tril=np.array([[1.0, 0], [0.5, 2]])), (2, 3),
         RNG.standard_normal((2, 3, 2))),
        (D.Independent(D.Normal(np.zeros((3, 2)), 1.0), 1), (2, 3), RNG.standard_normal((2, 3, 2))),
        (D.MixtureSameFamily(D.Categorical(probs=probs), D.Normal(np.zeros((3, 4)), scale[:, None])),
         (2, 3), RNG.standard_normal((2, 3))),
    ]


@pytest.mark.parametrize("i", range(10))
def test_expand_broadcasts_the_parameters(i):
    d, shape, x = _cases()[i]
    e = d.expand(shape)
    assert type(e) is type(d) and e.batch_shape == shape and e.event_shape == d.event_shape
    assert e._validate_args and e is not d
    lp = e.log_prob(x).data
    assert lp.shape == shape
    np.testing.assert_array_equal(lp, d.log_prob(x).data)
    for name in ("mean", "variance"):
        want = np.broadcast_to(getattr(d, name).data, shape + d.event_shape)
        np.testing.assert_array_equal(getattr(e, name).data, want)
    if not isinstance(d, D.MixtureSameFamily):
        np.testing.assert_array_equal(e.entropy().data, np.broadcast_to(d.entropy().data, shape))
        np.testing.assert_array_equal(e.mode.data, np.broadcast_to(d.mode.data, shape + d.event_shape))
    am.manual_seed(0)
    assert e.sample((5,)).shape == (5,) + shape + d.event_shape
    assert d.expand(d.batch_shape).batch_shape == d.batch_shape
    assert d.expand([4, 1] + list(shape)).batch_shape == (4, 1) + shape


def test_expand_keeps_validate_args_off():
    d = D.Normal(np.zeros(2), 1.0, validate_args=False).expand((3, 2))
    assert not d._validate_args
    assert d.log_prob(np.full((3, 2), np.nan)).shape == (3, 2)


def test_expand_refuses_shapes_that_do_not_broadcast_naming_both():
    for d, shape, _ in _cases():
        name = type(d).__name__
        if d.batch_shape == ():
            continue
        for bad in ((2, 1), (1,), (), (3, 4)):
            with pytest.raises(ValueError, match=rf"{name}.expand: the batch_shape \(3,\) cannot be "
                                                 rf"expanded to {re_shape(bad)}"):
                d.expand(bad)
    n = D.Normal(np.zeros(3), 1.0)
    for bad in ((-1, 3), (2.5, 3), "ab", None):
        with pytest.raises(ValueError, match=r"Normal.expand: batch_shape must be a tuple of ints >= 0"):
            n.expand(bad)


def re_shape(shape):
    return "\\(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + "\\)"


def test_gradients_flow_through_expand():
    check_both(lambda m, s: D.Normal(m, s).expand((2, 3)).log_prob(np.arange(6.0).reshape(2, 3) / 4),
               t([0.1, -0.3, 0.5]), t([1.0, 0.7, 2.0]))
    check_both(lambda l: D.Categorical(logits=l).expand((2, 2)).log_prob(np.array([[0, 2], [1, 1]])),
               t([[0.1, -0.3, 0.5], [1.0, 0.0, -1.0]]))
    check_both(lambda a, b: D.Uniform(a, b).expand((2, 2)).cdf(np.array([[0.2, 0.9], [0.4, 1.5]])),
               t([0.0, 0.5]), t([1.0, 2.0]))
    check_both(lambda m, L: D.MultivariateNormal(m, scale_tril=L, validate_args=False).expand((3,)).log_prob(
        np.array([[0.1, 0.2], [0.3, -0.4], [1.0, 0.0]])), t([0.1, -0.2]), t([[1.0, 0.0], [0.3, 1.5]]))
    check_both(lambda w, m: D.MixtureSameFamily(D.Categorical(logits=w), D.Normal(m, 1.0)).expand(
        (3,)).log_prob(np.array([0.1, -0.5, 2.0])), t([0.2, -0.1]), t([0.0, 1.0]))


# -- am.compile ---------------------------------------------------------------------------------

def test_compiled_cdf_icdf_expand_and_perplexity_replay_eager_bit_for_bit():
    def fn(low, high, x, q, m, s):
        u = D.Uniform(low, high)
        n = D.Normal(m, s).expand((2, 3))
        return (u.cdf(x).sum() + u.icdf(q).sum() + u.perplexity().sum()
                + n.log_prob(x).sum() + n.perplexity().sum() + (n.mode ** 2).sum())

    step = am.compile(fn)
    for seed in range(3):
        r = np.random.default_rng(seed)
        low = r.uniform(-2, -1, 3)
        vals = (low, low + r.uniform(3, 4, 3), r.uniform(-1, 1, (2, 3)), r.uniform(0, 1, (2, 3)),
                r.standard_normal(3), np.exp(r.standard_normal(3)))
        outs = []
        for f in (fn, step):
            ts = [am.tensor(v, requires_grad=True) for v in vals]
            out = f(*ts)
            out.backward()
            outs.append((out.data, [a.grad.data for a in ts]))
        assert outs[0][0] == outs[1][0]
        for a, b in zip(outs[0][1], outs[1][1]):
            np.testing.assert_array_equal(a, b)


def test_a_string_sample_shape_is_refused_with_the_named_message():
    with pytest.raises(ValueError, match=r"Normal.sample: sample_shape must be a tuple of ints >= 0"):
        D.Normal(0.0, 1.0).sample("ab")
