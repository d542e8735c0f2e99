"""More losses and distances (kl_div, poisson/gaussian NLL, margin and embedding losses,
normalize, cosine_similarity, pairwise_distance): values against numpy oracles written
from the documented formulas, gradients first and second order, refusals, compile replay."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn import functional as F


def rng(seed=0):
    return np.random.default_rng(seed)


def T(a, grad=False):
    return am.tensor(np.asarray(a, dtype=float), requires_grad=grad)


def reduce_(loss, reduction):
    return loss if reduction == "none" else loss.sum() if reduction == "sum" else loss.mean()


def check_grads(f, *arrays):
    am.gradcheck(f, [T(a, True) for a in arrays])
    am.gradgradcheck(f, [T(a, True) for a in arrays])


# -- oracles ------------------------------------------------------------------------------


@pytest.mark.parametrize("reduction", ["none", "sum", "mean", "batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_matches_the_pointwise_formula(reduction, log_target):
    x = np.log(rng(1).dirichlet(np.ones(4), size=3))
    t = rng(2).dirichlet(np.ones(4), size=3)
    t[0, 1] = 0.0  # (0 log 0 = 0)
    if log_target:
        t = np.log(rng(3).uniform(0.1, 1, (3, 4)))
    want = np.zeros((3, 4))
    for i in range(3):
        for j in range(4):
            if log_target:
                want[i, j] = math.exp(t[i, j]) * (t[i, j] - x[i, j])
            else:
                want[i, j] = 0.0 if t[i, j] == 0 else t[i, j] * (math.log(t[i, j]) - x[i, j])
    want = want.sum() / 3 if reduction == "batchmean" else reduce_(want, reduction)
    got = F.kl_div(x, t, reduction=reduction, log_target=log_target)
    np.testing.assert_allclose(got.data, want, rtol=1e-12)
    mod = nn.KLDivLoss(reduction=reduction, log_target=log_target)
    np.testing.assert_allclose(mod(x, t).data, want, rtol=1e-12)


def test_kl_div_zero_target_has_no_nan_in_value_or_gradient():
    t = T([0.0, 0.5, 0.5], True)
    x = T([-50.0, -0.7, -0.7], True)
    loss = F.kl_div(x, t, reduction="sum")
    loss.backward()
    assert np.isfinite(loss.data) and np.isfinite(t.grad.data).all() and np.isfinite(x.grad.data).all()
    assert t.grad.data[0] == 0.0 - (-50.0)  # (log t + 1 taken as 0 at t = 0; -x remains)
    assert np.isnan(F.kl_div(np.array([-1.0]), np.array([-0.5]), reduction="none").data).all()


@pytest.mark.parametrize("log_input", [True, False])
@pytest.mark.parametrize("full", [False, True])
def test_poisson_nll_loss_matches_the_formula(log_input, full):
    x = rng(4).standard_normal((3, 4)) if log_input else rng(4).uniform(0.1, 3, (3, 4))
    t = rng(5).integers(0, 6, (3, 4)).astype(float)
    want = np.zeros((3, 4))
    for i in range(3):
        for j in range(4):
            v = math.exp(x[i, j]) - t[i, j] * x[i, j] if log_input else x[i, j] - t[i, j] * math.log(x[i, j] + 1e-8)
            if full and t[i, j] > 1:
                v += t[i, j] * math.log(t[i, j]) - t[i, j] + 0.5 * math.log(2 * math.pi * t[i, j])
            want[i, j] = v
    got = F.poisson_nll_loss(x, t, log_input, full, reduction="none")
    np.testing.assert_allclose(got.data, want, rtol=1e-12)
    np.testing.assert_allclose(nn.PoissonNLLLoss(log_input, full)(x, t).data, want.mean(), rtol=1e-12)
    tt = T(t, True)
    F.poisson_nll_loss(T(x), tt, log_input, full, reduction="sum").backward()
    assert np.isfinite(tt.grad.data).all()  # (the Stirling term's log never sees t <= 1)


@pytest.mark.parametrize("var_shape", [(3, 4), (3,), (3, 1), (1, 4)])
@pytest.mark.parametrize("full", [False, True])
def test_gaussian_nll_loss_matches_the_formula_and_pytorchs_var_shapes(var_shape, full):
    x, y = rng(6).standard_normal((3, 4)), rng(7).standard_normal((3, 4))
    var = rng(8).uniform(0.1, 2, var_shape)
    v = var.reshape(3, 1) if var_shape == (3,) else var
    vb = np.broadcast_to(v, (3, 4))
    want = np.zeros((3, 4))
    for i in range(3):
        for j in range(4):
            s = max(vb[i, j], 1e-6)
            want[i, j] = 0.5 * (math.log(s) + (x[i, j] - y[i, j]) ** 2 / s) + (0.5 * math.log(2 * math.pi) if full else 0)
    got = F.gaussian_nll_loss(x, y, var, full, reduction="none")
    np.testing.assert_allclose(got.data, want, rtol=1e-12)
    np.testing.assert_allclose(nn.GaussianNLLLoss(full=full)(x, y, var).data, want.mean(), rtol=1e-12)


def test_gaussian_nll_loss_clamps_var_at_eps_but_lets_its_gradient_through():
    v = T([0.0, 1e-9, 2.0], True)
    loss = F.gaussian_nll_loss(T([0.1, 0.2, 0.3]), T([0.0, 0.0, 0.0]), v, reduction="sum")
    loss.backward()
    want = 0.5 * (math.log(1e-6) + 0.01 / 1e-6) + 0.5 * (math.log(1e-6) + 0.04 / 1e-6) + 0.5 * (math.log(2) + 0.09 / 2)
    np.testing.assert_allclose(loss.data, want, rtol=1e-12)
    # (the gradient at eps: 0.5 (1/s - d^2 / s^2) with s = 1e-6, as PyTorch documents)
    np.testing.assert_allclose(v.grad.data[:2], [0.5 * (1e6 - 0.01e12), 0.5 * (1e6 - 0.04e12)], rtol=1e-12)
    assert np.isfinite(F.gaussian_nll_loss(T([1e3]), T([0.0]), 0.0).data)


def test_margin_losses_match_their_formulas():
    r = rng(9)
    a, b = r.standard_normal(6), r.standard_normal(6)
    y = np.array([1.0, -1, 1, -1, 1, -1])
    want = [max(0.0, -y[i] * (a[i] - b[i]) + 0.3) for i in range(6)]
    np.testing.assert_allclose(F.margin_ranking_loss(a, b, y, 0.3, reduction="none").data, want, rtol=1e-13)
    np.testing.assert_allclose(nn.MarginRankingLoss(0.3)(a, b, y).data, np.mean(want), rtol=1e-13)

    yh = np.array([1.0, -1, 1, -1, 0, 2])  # (neither 1 nor -1: both terms, as PyTorch)
    want = [(a[i] if yh[i] != -1 else 0) + (max(0.0, 0.8 - a[i]) if yh[i] != 1 else 0) for i in range(6)]
    np.testing.assert_allclose(F.hinge_embedding_loss(a, yh, 0.8, reduction="none").data, want, rtol=1e-13)
    np.testing.assert_allclose(nn.HingeEmbeddingLoss(0.8)(a, yh).data, np.mean(want), rtol=1e-13)

    x = np.array([-800.0, -3, 0, 2, 50, 800])
    want = [math.log1p(math.exp(-y[i] * x[i])) if -y[i] * x[i] < 700 else -y[i] * x[i] for i in range(6)]
    np.testing.assert_allclose(F.soft_margin_loss(x, y, reduction="none").data, want, rtol=1e-13)
    np.testing.assert_allclose(nn.SoftMarginLoss(reduction="sum")(x, y).data, np.sum(want), rtol=1e-13)


def _logsig(v):
    return -math.log1p(math.exp(-v)) if v >= 0 else v - math.log1p(math.exp(v))


@pytest.mark.parametrize("weighted", [False, True])
def test_multilabel_soft_margin_loss_matches_the_formula(weighted):
    x = rng(10).standard_normal((3, 4)) * 5
    y = (rng(11).standard_normal((3, 4)) > 0).astype(float)
    w = rng(12).uniform(0.1, 2, 4) if weighted else np.ones(4)
    want = [sum(-w[c] * (y[n, c] * _logsig(x[n, c]) + (1 - y[n, c]) * _logsig(-x[n, c])) for c in range(4)) / 4
            for n in range(3)]
    got = F.multilabel_soft_margin_loss(x, y, w if weighted else None, reduction="none")
    np.testing.assert_allclose(got.data, want, rtol=1e-12)
    mod = nn.MultiLabelSoftMarginLoss(w if weighted else None)
    np.testing.assert_allclose(mod(x, y).data, np.mean(want), rtol=1e-12)


@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("weighted", [False, True])
def test_multi_margin_loss_matches_the_formula(p, weighted):
    x = rng(13).standard_normal((5, 4))
    labels = np.array([0, 3, 1, 1, 2])
    w = rng(14).uniform(0.1, 2, 4) if weighted else np.ones(4)
    want = [sum(w[labels[n]] * max(0.0, 0.7 - x[n, labels[n]] + x[n, i]) ** p for i in range(4) if i != labels[n]) / 4
            for n in range(5)]
    got = F.multi_margin_loss(x, labels, p, 0.7, w if weighted else None, reduction="none")
    np.testing.assert_allclose(got.data, want, rtol=1e-12)
    mod = nn.MultiMarginLoss(p, 0.7, w if weighted else None, reduction="sum")
    np.testing.assert_allclose(mod(x, labels).data, np.sum(want), rtol=1e-12)
    np.testing.assert_allclose(F.multi_margin_loss(x[1], np.array(3), p, 0.7).data, want[1] / w[3] if weighted
                               else want[1], rtol=1e-12)


def _dist(u, v, p, eps=1e-6):
    d = np.abs(u - v + eps)
    return d.max() if p == np.inf else (d ** p).sum() ** (1 / p)


@pytest.mark.parametrize("p", [1, 2, 3.0, np.inf])
@pytest.mark.parametrize("swap", [False, True])
def test_triplet_margin_loss_matches_the_formula(p, swap):
    r = rng(15)
    a, pos, neg = r.standard_normal((6, 3)), r.standard_normal((6, 3)), r.standard_normal((6, 3))
    want = []
    for n in range(6):
        dn = _dist(a[n], neg[n], p)
        if swap:
            dn = min(dn, _dist(pos[n], neg[n], p))
        want.append(max(0.0, 1.5 + _dist(a[n], pos[n], p) - dn))
    got = F.triplet_margin_loss(a, pos, neg, 1.5, p, swap=swap, reduction="none")
    np.testing.assert_allclose(got.data, want, rtol=1e-12)
    np.testing.assert_allclose(nn.TripletMarginLoss(1.5, p, swap=swap)(a, pos, neg).data, np.mean(want), rtol=1e-12)


def test_cosine_embedding_loss_matches_the_formula():
    r = rng(16)
    a, b = r.standard_normal((6, 3)), r.standard_normal((6, 3))
    a[5] = 0.0  # (a zero vector: cos 0, no NaN)
    y = np.array([1.0, -1, 1, -1, 0, 1])
    want = []
    for n in range(6):
        c = a[n] @ b[n] / math.sqrt((a[n] @ a[n] + 1e-12) * (b[n] @ b[n] + 1e-12))
        want.append(1 - c if y[n] == 1 else max(0.0, c - 0.2) if y[n] == -1 else 0.0)
    np.testing.assert_allclose(F.cosine_embedding_loss(a, b, y, 0.2, reduction="none").data, want, rtol=1e-12)
    np.testing.assert_allclose(nn.CosineEmbeddingLoss(0.2)(a, b, y).data, np.mean(want), rtol=1e-12)
    np.testing.assert_allclose(F.cosine_embedding_loss(a[0], b[0], np.array(1.0)).data, want[0], rtol=1e-12)


@pytest.mark.parametrize("p", [1, 2, 3.0, np.inf])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_normalize_matches_the_formula(p, dim):
    x = rng(17).standard_normal((3, 4))
    x[1] = 0.0  # (a zero row: zeros, not NaN)
    want = np.empty_like(x)
    for idx in np.ndindex(*np.delete(x.shape, dim)):
        sl = list(idx)
        sl.insert(dim % 2, slice(None))
        v = x[tuple(sl)]
        n = np.abs(v).max() if p == np.inf else (np.abs(v) ** p).sum() ** (1 / p)
        want[tuple(sl)] = v / max(n, 1e-12)
    np.testing.assert_allclose(F.normalize(x, p, dim).data, want, rtol=1e-12, atol=0)


def test_normalize_of_a_zero_vector_has_a_finite_gradient():
    x = T(np.zeros((2, 3)), True)
    F.normalize(x).sum().backward()
    np.testing.assert_allclose(x.grad.data, 1e12)  # (1 / eps: the norm's gradient at 0 is 0)


def test_cosine_similarity_and_pairwise_distance_match_the_formulas():
    r = rng(18)
    a, b = r.standard_normal((3, 1, 4)), r.standard_normal((5, 4))
    b[2] = 0.0
    got = F.cosine_similarity(a, b, dim=2)
    assert got.shape == (3, 5)
    for i in range(3):
        for j in range(5):
            u, v = a[i, 0], b[j]
            want = (u / max(np.linalg.norm(u), 1e-8)) @ (v / max(np.linalg.norm(v), 1e-8))
            np.testing.assert_allclose(got.data[i, j], want, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(nn.CosineSimilarity(2)(a, b).data, got.data)
    c, d = r.standard_normal((4, 3)), r.standard_normal(3)
    for p in [1, 2, 3.0, np.inf]:
        want = [_dist(c[n], d, p) for n in range(4)]
        np.testing.assert_allclose(F.pairwise_distance(c, d, p).data, want, rtol=1e-12)
        np.testing.assert_allclose(nn.PairwiseDistance(p, keepdim=True)(c, d).data, np.reshape(want, (4, 1)),
                                   rtol=1e-12)
    np.testing.assert_allclose(F.pairwise_distance(np.array(1.0), np.array(2.5)).data, 1.5 - 1e-6, rtol=1e-12)
    same = T(np.ones((2, 3)), True)
    F.pairwise_distance(same, np.ones((2, 3))).sum().backward()
    assert np.isfinite(same.grad.data).all()


def test_large_inputs_stay_finite():
    big = np.array([[1e3, -1e3, 40.0]])
    assert np.isfinite(F.soft_margin_loss(big, -np.ones((1, 3))).data)
    assert np.isfinite(F.multilabel_soft_margin_loss(big, np.array([[0.0, 1, 0]])).data)
    assert np.isfinite(F.kl_div(np.array([-1e3]), np.array([0.0])).data)
    assert np.isfinite(F.normalize(np.array([[1e-300, 0.0]])).data).all()


# -- gradients, first and second order ---------------------------------------------------

SHAPES = [(4,), (3, 4), (2, 1, 3)]


@settings(max_examples=3, deadline=None)
@given(shape=st.sampled_from(SHAPES), seed=st.integers(0, 2**16))
def test_elementwise_losses_gradcheck(shape, seed):
    r = rng(seed)
    x, y = r.standard_normal(shape), r.standard_normal(shape)
    pos = r.uniform(0.2, 2, shape)
    sign = np.where(r.standard_normal(shape) > 0, 1.0, -1.0)
    check_grads(lambda a, b: F.kl_div(a, b, reduction="sum", log_target=True), x, y)
    check_grads(lambda a, b: F.kl_div(a, b, reduction="batchmean"), x, pos)
    check_grads(lambda a, b: F.poisson_nll_loss(a, b, full=True, reduction="sum"), x, pos * 2)
    check_grads(lambda a, b: F.poisson_nll_loss(a, b, log_input=False), pos, pos)
    check_grads(lambda a, b, v: F.gaussian_nll_loss(a, b, v, True), x, y, pos)
    # (hinges away from their corners: x and y drawn so that |margin terms| > 0)
    check_grads(lambda a, b: F.margin_ranking_loss(a, b, sign, 0.1, reduction="sum"), x, y + 0.5 * sign)
    check_grads(lambda a: F.hinge_embedding_loss(a, sign, 1.0, reduction="sum"), x + 0.05 * np.sign(x - 1))
    check_grads(lambda a: F.soft_margin_loss(a, sign), x)
    check_grads(lambda a, w: F.multilabel_soft_margin_loss(a, (y > 0) * 1.0, w), x, pos[..., :1] + pos * 0)


@settings(max_examples=3, deadline=None)
@given(n=st.integers(1, 4), d=st.integers(2, 4), seed=st.integers(0, 2**16))
def test_vector_losses_and_distances_gradcheck(n, d, seed):
    r = rng(seed)
    a, b, c = r.standard_normal((n, d)), r.standard_normal((n, d)), r.standard_normal((n, d))
    labels = r.integers(0, d, n)
    y = np.where(r.standard_normal(n) > 0, 1.0, -1.0)
    # (margin 10: every hinge active, so the gradient is never all zeros, which checks nothing)
    check_grads(lambda x, w: F.multi_margin_loss(x, labels, 2, 10.0, w), a, r.uniform(0.5, 2, d))
    check_grads(lambda x: F.multi_margin_loss(x, labels, 1, 10.0), a)  # (every hinge active)
    check_grads(lambda x, p, q: F.triplet_margin_loss(x, p, q, 20.0, swap=True), a, b, c)
    check_grads(lambda x, p, q: F.triplet_margin_loss(x, p, q, 20.0, p=3), a, b, c)
    check_grads(lambda x, z: F.cosine_embedding_loss(x, z, y, -2.0, reduction="sum"), a, b)
    check_grads(lambda x: F.normalize(x, 2, -1) * c, a)
    check_grads(lambda x: F.normalize(x, 3, 1) * c, a)
    check_grads(lambda x, z: F.cosine_similarity(x, z, -1), a, b)
    check_grads(lambda x, z: F.pairwise_distance(x, z, keepdim=True), a, b)
    check_grads(lambda x, z: F.pairwise_distance(x, z[0], 1.5), a, b)
    check_grads(lambda x, z: nn.CosineSimilarity(-1)(x, z) + nn.PairwiseDistance(3.0)(x, z), a, b)


# -- refusals ----------------------------------------------------------------------------


@pytest.mark.parametrize("call, error, words", [
    (lambda: F.kl_div(np.ones((2, 3)), np.ones((4,))), ValueError, ["kl_div", "(2, 3)", "(4,)"]),
    (lambda: F.kl_div(np.ones(3), np.ones(3), reduction="batch"), ValueError, ["kl_div", "reduction"]),
    (lambda: F.poisson_nll_loss(np.ones(3), np.ones(2)), ValueError, ["poisson_nll_loss", "(3,)", "(2,)"]),
    (lambda: F.gaussian_nll_loss(np.ones((3, 4)), np.ones((3, 4)), np.ones(4)), ValueError,
     ["gaussian_nll_loss", "(4,)", "(3, 4)"]),
    (lambda: F.gaussian_nll_loss(np.ones((3, 4)), np.ones((3, 4)), -np.ones((3, 4))), ValueError,
     ["gaussian_nll_loss", "negative"]),
    (lambda: F.gaussian_nll_loss(np.ones(3), np.ones(3), -1.0), ValueError, ["gaussian_nll_loss", ">= 0"]),
    (lambda: F.margin_ranking_loss(np.ones(3), np.ones((3, 1)), np.ones(3)), ValueError,
     ["margin_ranking_loss", "(3,)", "(3, 1)"]),
    (lambda: F.hinge_embedding_loss(np.ones(3), np.ones(4)), ValueError, ["hinge_embedding_loss", "(3,)", "(4,)"]),
    (lambda: F.multilabel_soft_margin_loss(np.ones(4), np.ones((2, 4))), ValueError,
     ["multilabel_soft_margin_loss", "(4,)", "(2, 4)"]),
    (lambda: F.multilabel_soft_margin_loss(np.ones((2, 4)), np.ones((2, 4)), weight=np.ones(3)), ValueError,
     ["multilabel_soft_margin_loss", "(3,)", "(2, 4)"]),
    (lambda: F.multi_margin_loss(np.ones((2, 4)), np.array([1, 2, 3])), ValueError,
     ["multi_margin_loss", "(3,)", "(2, 4)"]),
    (lambda: F.multi_margin_loss(np.ones((2, 3, 4)), np.array([1, 2])), ValueError, ["multi_margin_loss", "(2, 3, 4)"]),
    (lambda: F.multi_margin_loss(np.ones((2, 4)), np.array([1, 2]), p=3), ValueError, ["multi_margin_loss", "p"]),
    (lambda: F.multi_margin_loss(np.ones((2, 4)), np.array([1, 4])), ValueError, ["4"]),
    (lambda: F.multi_margin_loss(np.ones((2, 4)), np.array([1, 2]), weight=np.ones(3)), ValueError,
     ["multi_margin_loss", "(3,)"]),
    (lambda: F.triplet_margin_loss(np.ones((2, 4)), np.ones((2, 4)), np.ones(4)), ValueError,
     ["triplet_margin_loss", "(2, 4)", "(4,)"]),
    (lambda: F.triplet_margin_loss(np.ones(4), np.ones(4), np.ones(4), margin=0), ValueError,
     ["triplet_margin_loss", "margin"]),
    (lambda: F.cosine_embedding_loss(np.ones((2, 3, 4)), np.ones((2, 3, 4)), np.ones((2, 3))), ValueError,
     ["cosine_embedding_loss", "(2, 3, 4)", "(2, 3)"]),
    (lambda: F.cosine_embedding_loss(np.ones((2, 4)), np.ones((2, 4)), np.ones(3)), ValueError,
     ["cosine_embedding_loss", "(3,)", "(2, 4)"]),
    (lambda: F.normalize(np.ones(3)), ValueError, ["normalize", "dim 1", "(3,)"]),
    (lambda: F.normalize(np.ones((2, 3)), p=-1), ValueError, ["normalize", "p"]),
    (lambda: F.cosine_similarity(np.ones((2, 3)), np.ones((4, 3))), ValueError,
     ["cosine_similarity", "(2, 3)", "(4, 3)"]),
    (lambda: F.pairwise_distance(np.ones((2, 3)), np.ones((3, 3))), ValueError,
     ["pairwise_distance", "(2, 3)", "(3, 3)"]),
    (lambda: F.pairwise_distance(np.ones(3), np.ones(3), keepdim=1), TypeError, ["pairwise_distance", "keepdim"]),
    (lambda: F.soft_margin_loss(np.ones(3), np.ones(3), reduction="max"), ValueError, ["soft_margin_loss"]),
    (lambda: nn.TripletMarginLoss(margin=-1.0), ValueError, ["TripletMarginLoss", "margin"]),
    (lambda: nn.MultiMarginLoss(p=3), ValueError, ["MultiMarginLoss", "p"]),
    (lambda: nn.KLDivLoss(reduction="avg"), ValueError, ["KLDivLoss", "reduction"]),
])
def test_bad_input_is_refused_naming_the_op_and_shapes(call, error, words):
    with pytest.raises(error) as info:
        call()
    for w in words:
        assert w in str(info.value), (w, str(info.value))


def test_refusals_record_nothing():
    x = T(np.ones((2, 4)), True)
    with pytest.raises(ValueError):
        F.triplet_margin_loss(x, x, np.ones(4))
    with pytest.raises(ValueError):
        F.gaussian_nll_loss(x, x, np.ones(4))
    assert x.grad is None and x.grad_fn is None


# -- am.compile --------------------------------------------------------------------------


LOSSES = {
    "kl_div": lambda a, b, c: F.kl_div(a.log_softmax(-1), c.softmax(-1), reduction="batchmean"),
    "poisson": lambda a, b, c: F.poisson_nll_loss(a, abs(c) * 3, full=True),
    "gaussian": lambda a, b, c: F.gaussian_nll_loss(a, b, abs(c)),
    "margin_ranking": lambda a, b, c: F.margin_ranking_loss(a, b, (c > 0) * 2.0 - 1.0, 0.1),
    "hinge": lambda a, b, c: F.hinge_embedding_loss(a, (c > 0) * 2.0 - 1.0),
    "soft_margin": lambda a, b, c: F.soft_margin_loss(a, (c > 0) * 2.0 - 1.0),
    "multilabel": lambda a, b, c: F.multilabel_soft_margin_loss(a, (c > 0) * 1.0, abs(b[0])),
    "triplet": lambda a, b, c: F.triplet_margin_loss(a, b, c, swap=True),
    "cosine_embedding": lambda a, b, c: F.cosine_embedding_loss(a, b, (c[:, 0] > 0) * 2.0 - 1.0, 0.1),
    "distances": lambda a, b, c: (F.normalize(a) * b).sum() + F.cosine_similarity(a, c).sum()
    + F.pairwise_distance(b, c, 3.0).sum(),
}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_compiled_replay_equals_eager_bit_for_bit(name):
    f = LOSSES[name]

    def run(fn, arrays):
        ts = [am.tensor(x, requires_grad=True) for x in arrays]
        out = fn(*ts)
        out.backward()
        return out.data.copy(), [None if t.grad is None else t.grad.data.copy() for t in ts]

    compiled = am.compile(f)
    for seed in range(3):
        r = rng(30 + seed)
        arrays = [r.standard_normal((4, 3)) for _ in range(3)]
        (le, ge), (lc, gc) = run(f, arrays), run(compiled, arrays)
        assert np.array_equal(le, lc)
        for a, b in zip(ge, gc):
            assert (a is None and b is None) or np.array_equal(a, b)
    assert compiled.recordings == 1


def test_compiled_multi_margin_loss_replays_with_each_calls_labels():
    f = lambda x, t: F.multi_margin_loss(x, t, 2, 0.5)  # noqa: E731
    compiled = am.compile(f)
    for seed in range(3):
        x = rng(40 + seed).standard_normal((5, 4))
        t = rng(50 + seed).integers(0, 4, 5)
        xe, xc = T(x, True), T(x, True)
        le, lc = f(xe, t), compiled(xc, t)
        le.backward(), lc.backward()
        assert np.array_equal(le.data, lc.data) and np.array_equal(xe.grad.data, xc.grad.data)
    assert compiled.recordings == 1


def test_compiled_gaussian_nll_loss_checks_var_on_every_replay():
    compiled = am.compile(lambda x, v: F.gaussian_nll_loss(x, x * 0.5, v))
    x = T(np.ones((2, 3)))
    compiled(x, T(np.ones((2, 3))))
    compiled(x, T(np.ones((2, 3))))
    with pytest.raises(ValueError, match="negative"):
        compiled(x, T(-np.ones((2, 3))))


def test_modules_repr_and_float32():
    assert repr(nn.TripletMarginLoss(swap=True)) == "TripletMarginLoss(swap=True)"
    assert repr(nn.PairwiseDistance()) == "PairwiseDistance(p=2.0, eps=1e-06, keepdim=False)"
    x = am.tensor(rng(60).standard_normal((3, 4)).astype(np.float32))
    for out in (F.cosine_similarity(x, x), F.pairwise_distance(x, x), F.normalize(x),
                F.kl_div(x, x.softmax(-1)), F.soft_margin_loss(x, x), F.gaussian_nll_loss(x, x, 0.5)):
        assert out.dtype == np.float32


@pytest.mark.parametrize("call", [
    lambda x: F.kl_div(x, x, log_target=1),
    lambda x: F.poisson_nll_loss(x, x, full="yes"),
    lambda x: F.gaussian_nll_loss(x, x, 1.0, full=0),
])
def test_the_likelihood_losses_refuse_a_non_bool_flag_in_the_library_s_words(call):
    # (they had a private copy of _flag whose message, "must be a bool", was not the other ops')
    with pytest.raises(TypeError, match=r"must be True or False, got"):
        call(am.tensor(np.ones(3)))
