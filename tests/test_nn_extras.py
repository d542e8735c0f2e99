"""Losses with ignore_index / label smoothing, L1 / smooth L1 / Huber, layer norm, embedding,
one_hot, SiLU and the loss modules, against naive oracles written here (numpy loops)."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn import functional as F

SETTINGS = settings(max_examples=10, deadline=None)
REDUCTIONS = ["mean", "sum", "none"]


def check12(f, inputs) -> None:
    """First- and second-order gradient checks in float64."""
    assert am.gradcheck(f, inputs)
    assert am.gradgradcheck(f, inputs)


def positions(shape):
    return itertools.product(*(range(n) for n in shape))


# -- naive oracles --------------------------------------------------------------------------------


def naive_cross_entropy(x, t, reduction, ignore_index=-100, eps=0.0, log_probs=False):
    """Loop over the samples (and extra axes): -sum_c q_c log p_c with q = (1-e) onehot + e/C."""
    C = x.shape[1]
    losses = np.zeros(t.shape)
    n_kept = 0
    for pos in positions(t.shape):
        label = t[pos]
        if label == ignore_index:
            continue
        n_kept += 1
        scores = [x[(pos[0], c) + pos[1:]] for c in range(C)]
        if log_probs:
            logp = scores
        else:
            m = max(scores)
            lse = m + math.log(sum(math.exp(s - m) for s in scores))
            logp = [s - lse for s in scores]
        losses[pos] = -sum(((1 - eps) * (c == label) + eps / C) * logp[c] for c in range(C))
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    return losses.sum() / n_kept if n_kept else math.nan


def naive_elementwise(d, kind, param):
    out = np.zeros(d.shape)
    for pos in positions(d.shape):
        a = abs(d[pos])
        if kind == "l1":
            out[pos] = a
        elif kind == "smooth_l1":
            out[pos] = 0.5 * a * a / param if a < param else a - 0.5 * param
        else:  # huber
            out[pos] = 0.5 * a * a if a < param else param * (a - 0.5 * param)
    return out


def reduce_np(v, reduction):
    return {"mean": v.mean(), "sum": v.sum(), "none": v}[reduction]


def naive_layer_norm(x, k, w, b, eps):
    lead, tail = x.shape[: x.ndim - k], x.shape[x.ndim - k:]
    out = np.zeros(x.shape)
    for pos in positions(lead):
        vals = [x[pos + q] for q in positions(tail)]
        mu = sum(vals) / len(vals)
        var = sum((v - mu) ** 2 for v in vals) / len(vals)
        for q in positions(tail):
            y = (x[pos + q] - mu) / math.sqrt(var + eps)
            out[pos + q] = y * (1.0 if w is None else w[q]) + (0.0 if b is None else b[q])
    return out


def labels_with_ignored(rng, shape, C, ignore_index, p=0.3):
    t = rng.integers(0, C, shape)
    t[rng.random(shape) < p] = ignore_index
    return t


# -- cross_entropy / nll_loss: ignore_index and label_smoothing ------------------------------------


@SETTINGS
@given(
    shape=st.sampled_from([(5, 4), (3, 4, 2), (2, 3, 2, 2), (1, 2)]),
    reduction=st.sampled_from(REDUCTIONS),
    eps=st.sampled_from([0.0, 0.25, 1.0]),
    ignore_index=st.sampled_from([-100, 1, 7]),
    seed=st.integers(0, 1000),
)
def test_cross_entropy_ignore_index_and_label_smoothing(shape, reduction, eps, ignore_index, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    t = labels_with_ignored(rng, shape[:1] + shape[2:], shape[1], ignore_index)
    t.flat[0] = 0  # (at least one label kept: the all-ignored mean is tested below)
    expected = naive_cross_entropy(x, t, reduction, ignore_index, eps)
    got = F.cross_entropy(x, t, reduction, ignore_index=ignore_index, label_smoothing=eps)
    np.testing.assert_allclose(got.data, expected, rtol=1e-10, atol=1e-12)
    check12(lambda x: F.cross_entropy(x, t, reduction, ignore_index, eps), (x,))
    module = nn.CrossEntropyLoss(ignore_index=ignore_index, reduction=reduction, label_smoothing=eps)
    np.testing.assert_allclose(module(x, t).data, expected, rtol=1e-10, atol=1e-12)


@SETTINGS
@given(
    shape=st.sampled_from([(5, 4), (3, 4, 2), (4,)]),
    reduction=st.sampled_from(REDUCTIONS),
    seed=st.integers(0, 1000),
)
def test_nll_loss_ignore_index(shape, reduction, seed):
    rng = np.random.default_rng(seed)
    logp = rng.standard_normal(shape)
    if len(shape) == 1:  # one sample: (C,) scores, a 0-d label
        t = np.array(rng.integers(0, shape[0]))
        expected = reduce_np(np.array(-logp[t]), reduction)
    else:
        t = labels_with_ignored(rng, shape[:1] + shape[2:], shape[1], -100)
        t.flat[0] = 1
        expected = naive_cross_entropy(logp, t, reduction, -100, log_probs=True)
    np.testing.assert_allclose(F.nll_loss(logp, t, reduction).data, expected, rtol=1e-12)
    np.testing.assert_allclose(nn.NLLLoss(reduction=reduction)(logp, t).data, expected, rtol=1e-12)
    check12(lambda lp: F.nll_loss(lp, t, reduction), (logp,))


def test_ignore_index_keeps_the_range_check_for_other_labels():
    x = np.zeros((3, 4))
    with pytest.raises(ValueError, match=r"cross_entropy.*out of range \[0, 3\]"):
        F.cross_entropy(x, np.array([-100, 4, 0]))
    with pytest.raises(ValueError, match=r"nll_loss.*index -1 is out of range"):
        F.nll_loss(x, np.array([-100, -1, 0]))
    # a label equal to ignore_index may lie inside [0, C): it is then ignored
    np.testing.assert_allclose(F.cross_entropy(x, np.array([0, 1, 0]), ignore_index=0).data, math.log(4))


def test_every_label_ignored_is_nan_for_mean_with_zero_gradient():
    """As PyTorch: the mean over no labels is 0 / 0 (documented); sum and none give 0."""
    x = am.tensor(np.random.default_rng(0).standard_normal((3, 4)), requires_grad=True)
    t = np.full(3, -100)
    with np.errstate(all="raise"):  # (no divide-by-zero warning on the way)
        loss = F.cross_entropy(x, t, label_smoothing=0.1)
        loss.backward()
    assert math.isnan(loss.item())
    np.testing.assert_array_equal(x.grad, 0.0)
    assert F.nll_loss(x, t, "sum").item() == 0.0
    np.testing.assert_array_equal(F.cross_entropy(x, t, "none").data, 0.0)


def test_cross_entropy_ignore_index_compiled_replays_each_calls_labels():
    x = np.random.default_rng(1).standard_normal((6, 4))
    f = am.compile(lambda x, t: F.cross_entropy(x, t, label_smoothing=0.2))
    for t in ([0, 1, 2, 3, 0, 1], [-100, 1, 2, 3, 0, -100], [3, 3, -100, 0, 1, 2]):
        t = np.array(t)
        a, b = am.tensor(x, requires_grad=True), am.tensor(x, requires_grad=True)
        f(a, t).backward()
        F.cross_entropy(b, t, label_smoothing=0.2).backward()
        np.testing.assert_allclose(a.grad, b.grad, rtol=1e-12)
        np.testing.assert_allclose(f(x, t).data, naive_cross_entropy(x, t, "mean", -100, 0.2), rtol=1e-12)
    with pytest.raises(ValueError, match="out of range"):
        f(x, np.array([-100, 4, 0, 0, 0, 0]))


@pytest.mark.parametrize("kwargs, message", [
    ({"label_smoothing": 1.5}, r"cross_entropy: label_smoothing must be in \[0, 1\]"),
    ({"label_smoothing": -0.1}, r"cross_entropy: label_smoothing must be in \[0, 1\]"),
    ({"ignore_index": 1.0}, "cross_entropy: ignore_index must be an int"),
    ({"reduction": "avg"}, "cross_entropy: reduction must be one of"),
])
def test_cross_entropy_bad_settings(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        F.cross_entropy(np.zeros((2, 3)), np.array([0, 1]), **kwargs)


# -- l1_loss, smooth_l1_loss, huber_loss -----------------------------------------------------------


CASES = [
    ("l1", lambda x, y, r, p: F.l1_loss(x, y, r), lambda r, p: nn.L1Loss(reduction=r)),
    ("smooth_l1", lambda x, y, r, p: F.smooth_l1_loss(x, y, r, beta=p),
     lambda r, p: nn.SmoothL1Loss(reduction=r, beta=p)),
    ("huber", lambda x, y, r, p: F.huber_loss(x, y, r, delta=p), lambda r, p: nn.HuberLoss(reduction=r, delta=p)),
]


@SETTINGS
@given(
    case=st.sampled_from(CASES),
    shape=st.sampled_from([(4,), (3, 4), (2, 3, 2), ()]),
    reduction=st.sampled_from(REDUCTIONS),
    param=st.sampled_from([0.5, 1.0, 2.5]),
    seed=st.integers(0, 1000),
)
def test_regression_losses_against_loops(case, shape, reduction, param, seed):
    kind, f, module = case
    rng = np.random.default_rng(seed)
    x, y = rng.standard_normal(shape) * 2, rng.standard_normal(shape)
    expected = reduce_np(naive_elementwise(x - y, kind, param), reduction)
    np.testing.assert_allclose(f(x, y, reduction, param).data, expected, rtol=1e-12)
    np.testing.assert_allclose(module(reduction, param)(x, y).data, expected, rtol=1e-12)
    # (away from the kinks |d| = 0 and |d| = param, where finite differences straddle them)
    d = np.abs(x - y)
    if d.min() > 1e-3 and np.abs(d - param).min() > 1e-3:
        check12(lambda x, y: f(x, y, reduction, param), (x, y))


def test_smooth_l1_with_beta_0_is_l1_and_infinite_differences_give_no_nan():
    x, y = np.array([0.5, -3.0, 2.0]), np.array([0.0, 0.0, 2.0])
    np.testing.assert_allclose(F.smooth_l1_loss(x, y, "none", beta=0.0).data, [0.5, 3.0, 0.0])
    a = am.tensor([np.inf, -np.inf, 0.25], requires_grad=True)
    for loss in (F.smooth_l1_loss(a, np.zeros(3), "sum"), F.huber_loss(a, np.zeros(3), "sum", delta=2.0)):
        a.grad = None
        loss.backward()
        assert loss.item() == np.inf
        assert not np.isnan(a.grad.data).any()
    np.testing.assert_allclose(a.grad, [2.0, -2.0, 0.25])  # huber: +-delta beyond, d inside


@pytest.mark.parametrize("call, message", [
    (lambda: F.l1_loss(np.zeros(3), np.zeros(4)), r"l1_loss: input and target must have the same shape, got \(3,\) and \(4,\)"),
    (lambda: F.l1_loss(np.zeros(3), np.zeros(3), "avg"), "l1_loss: reduction must be one of"),
    (lambda: F.smooth_l1_loss(np.zeros(3), np.zeros(3), beta=-1.0), "smooth_l1_loss: beta must be"),
    (lambda: F.huber_loss(np.zeros(3), np.zeros(3), delta=0.0), "huber_loss: delta must be"),
    (lambda: F.huber_loss(np.zeros((2, 3)), np.zeros((3, 2))), r"huber_loss: .*\(2, 3\) and \(3, 2\)"),
    (lambda: nn.HuberLoss(delta=-1.0), "HuberLoss: delta must be"),
])
def test_regression_loss_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# -- loss modules -------------------------------------------------------------------------------


def test_loss_modules_match_functional_and_show_non_default_settings():
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((4, 3)), rng.random((4, 3))
    t = np.array([0, 2, 1, 2])
    pairs = [
        (nn.MSELoss(), F.mse_loss(x, y)),
        (nn.L1Loss(reduction="sum"), F.l1_loss(x, y, "sum")),
        (nn.BCELoss(), F.binary_cross_entropy(y, (y > 0.5) * 1.0)),
        (nn.BCEWithLogitsLoss(reduction="none"), F.binary_cross_entropy_with_logits(x, y, "none")),
        (nn.CrossEntropyLoss(), F.cross_entropy(x, t)),
        (nn.NLLLoss(ignore_index=2), F.nll_loss(x, t, ignore_index=2)),
    ]
    for module, expected in pairs:
        args = (y, (y > 0.5) * 1.0) if isinstance(module, nn.BCELoss) else (x, t if "NLL" in type(module).__name__
                                                                             or "Cross" in type(module).__name__ else y)
        np.testing.assert_allclose(module(*args).data, expected.data)
    assert repr(nn.MSELoss()) == "MSELoss()"
    assert repr(nn.L1Loss(reduction="sum")) == "L1Loss(reduction='sum')"
    assert repr(nn.CrossEntropyLoss(ignore_index=0, label_smoothing=0.1)) == \
        "CrossEntropyLoss(ignore_index=0, label_smoothing=0.1)"
    assert repr(nn.SmoothL1Loss(beta=0.5)) == "SmoothL1Loss(beta=0.5)"


def test_loss_modules_refuse_bad_settings():
    for cls in (nn.MSELoss, nn.L1Loss, nn.NLLLoss, nn.CrossEntropyLoss, nn.BCELoss, nn.BCEWithLogitsLoss,
                nn.SmoothL1Loss, nn.HuberLoss):
        with pytest.raises(ValueError, match=f"{cls.__name__}: reduction must be one of"):
            cls(reduction="avg")
    with pytest.raises(TypeError, match="CrossEntropyLoss: weight must be a tensor or array of floating"):
        nn.CrossEntropyLoss(np.ones(3, dtype=int))
    with pytest.raises(TypeError, match="BCEWithLogitsLoss: pos_weight must be a tensor or array of floating"):
        nn.BCEWithLogitsLoss(pos_weight=["a"])
    with pytest.raises(ValueError, match=r"CrossEntropyLoss: label_smoothing must be in \[0, 1\]"):
        nn.CrossEntropyLoss(label_smoothing=2.0)


# -- layer_norm, LayerNorm --------------------------------------------------------------------


@SETTINGS
@given(
    lead=st.sampled_from([(), (3,), (2, 2)]),
    tail=st.sampled_from([(4,), (2, 3), (1, 3)]),
    affine=st.booleans(),
    seed=st.integers(0, 1000),
)
def test_layer_norm_against_loops(lead, tail, affine, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(lead + tail)
    w, b = (rng.standard_normal(tail), rng.standard_normal(tail)) if affine else (None, None)
    expected = naive_layer_norm(x, len(tail), w, b, 1e-5)
    np.testing.assert_allclose(F.layer_norm(x, tail, w, b).data, expected, rtol=1e-10, atol=1e-12)
    if affine:
        check12(lambda x, w, b: F.layer_norm(x, tail, w, b, eps=1e-3), (x, w, b))
    else:
        check12(lambda x: F.layer_norm(x, tail, eps=1e-3), (x,))


@pytest.mark.parametrize("dtype, value", [(np.float32, 0.7262181), (np.float64, 0.1)])
def test_layer_norm_of_a_constant_row_is_exactly_the_bias_with_zero_second_derivatives(dtype, value):
    # The mean of equal entries rounds (three float32 0.7262181 average to another number),
    # which made the centred row ~1e-8, the output 1.9e-5 instead of 0 (PyTorch: 0) and,
    # through (var + eps) ** -1.5 ~ 3e7, second derivatives of order 1 instead of 0.
    x = am.tensor(np.array([[value] * 3, [1.0, -2.0, 0.5]], dtype=dtype), requires_grad=True)
    b = np.array([0.5, -1.0, 2.0], dtype=dtype)
    out = F.layer_norm(x, 3, None, b)
    np.testing.assert_array_equal(out.data[0], b)
    (g,) = am.autograd.grad((out * am.tensor(np.arange(6.0, dtype=dtype).reshape(2, 3))).sum(), [x],
                            create_graph=True)
    (gg,) = am.autograd.grad((g * g).sum(), [x])
    np.testing.assert_array_equal(gg.data[0], 0.0)


def test_layer_norm_module():
    m = nn.LayerNorm((2, 3))
    np.testing.assert_array_equal(m.weight.data, np.ones((2, 3)))
    np.testing.assert_array_equal(m.bias.data, np.zeros((2, 3)))
    x = np.random.default_rng(4).standard_normal((5, 2, 3))
    np.testing.assert_allclose(m(x).data, naive_layer_norm(x, 2, None, None, 1e-5), rtol=1e-10, atol=1e-12)
    assert nn.LayerNorm(4).normalized_shape == (4,)
    assert [n for n, _ in nn.LayerNorm(4, elementwise_affine=False).named_parameters()] == []
    assert [n for n, _ in nn.LayerNorm(4, bias=False).named_parameters()] == ["weight"]
    assert m.extra_repr() == "(2, 3), eps=1e-05, elementwise_affine=True"
    with pytest.raises(ValueError, match=r"LayerNorm\(2, 3\): expected input of shape \(\.\.\., 2, 3\), got shape \(5, 3, 2\)"):
        m(np.zeros((5, 3, 2)))
    with pytest.raises(ValueError, match=r"layer_norm: input of shape \(3,\) does not end in normalized_shape \(2, 3\)"):
        F.layer_norm(np.zeros(3), (2, 3))
    with pytest.raises(ValueError, match=r"layer_norm: weight must have shape normalized_shape \(3,\), got \(4,\)"):
        F.layer_norm(np.zeros((2, 3)), 3, np.ones(4))
    with pytest.raises(TypeError, match="LayerNorm: normalized_shape must be an int or a tuple of ints"):
        nn.LayerNorm(2.0)


# -- embedding, Embedding -----------------------------------------------------------------------


def naive_embedding_grad(idx, V, g, padding_idx):
    out = np.zeros((V, g.shape[-1]))
    for pos in positions(idx.shape):
        if idx[pos] != padding_idx:
            out[idx[pos]] += g[pos]
    return out


@SETTINGS
@given(
    idx_shape=st.sampled_from([(), (5,), (2, 3), (2, 1, 3)]),
    V=st.integers(1, 5),
    D=st.integers(1, 3),
    padding_idx=st.sampled_from([None, 0, -1]),
    seed=st.integers(0, 1000),
)
def test_embedding_gathers_and_accumulates_repeats(idx_shape, V, D, padding_idx, seed):
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((V, D))
    idx = rng.integers(0, V, idx_shape)
    out = F.embedding(idx, w, padding_idx)
    assert out.shape == idx_shape + (D,)
    for pos in positions(idx_shape):
        np.testing.assert_array_equal(out.data[pos], w[idx[pos]])
    a = am.tensor(w, requires_grad=True)
    g = rng.standard_normal(idx_shape + (D,))
    (F.embedding(idx, a, padding_idx) * g).sum().backward()
    pad = None if padding_idx is None else padding_idx % V
    np.testing.assert_allclose(a.grad, naive_embedding_grad(idx, V, g, pad), rtol=1e-12)
    if padding_idx is None:  # (the padding row's value is used but, by design, has no gradient)
        check12(lambda w: F.embedding(idx, w) ** 2, (w,))


def test_embedding_module():
    am.manual_seed(0)
    m = nn.Embedding(1000, 8, padding_idx=3)
    np.testing.assert_array_equal(m.weight.data[3], 0.0)
    rows = np.delete(m.weight.data, 3, axis=0)
    assert abs(rows.mean()) < 0.05 and abs(rows.std() - 1.0) < 0.05  # N(0, 1), as PyTorch
    assert repr(m).startswith("Embedding(1000, 8, padding_idx=3)")
    idx = np.array([[3, 5, 5]])
    m(idx).sum().backward()
    assert m.weight.grad[3].sum() == 0.0 and m.weight.grad.data[5].tolist() == [2.0] * 8
    assert nn.Embedding(5, 2, padding_idx=-1).padding_idx == 4
    with pytest.raises(IndexError, match=r"embedding: index 1000 is out of range for num_embeddings 1000"):
        m(np.array([0, 1000]))
    with pytest.raises(IndexError, match=r"embedding: index -1 is out of range for num_embeddings 1000"):
        m(np.array([-1]))
    with pytest.raises(TypeError, match="embedding: indices must be integers, got dtype float64"):
        m(np.array([1.0]))
    with pytest.raises(ValueError, match="padding_idx must be within num_embeddings 5"):
        nn.Embedding(5, 2, padding_idx=5)


def test_embedding_compiled_replays_each_calls_indices_and_checks_their_range():
    w = am.tensor(np.arange(12.0).reshape(4, 3), requires_grad=True)
    f = am.compile(lambda i: F.embedding(i, w, padding_idx=1).sum())
    for idx in ([0, 1], [2, 3], [3, 3]):
        np.testing.assert_allclose(f(np.array(idx)).data, w.data[idx].sum())
    with pytest.raises(IndexError, match="out of range"):
        f(np.array([-1, 3]))


def test_embedding_from_pretrained_freezes_and_shares_as_pytorch():
    # PyTorch's nn.Embedding.from_pretrained(embeddings, freeze=True, padding_idx=None)
    vecs = am.tensor(np.arange(12.0).reshape(4, 3))
    m = nn.Embedding.from_pretrained(vecs)
    assert (m.num_embeddings, m.embedding_dim, m.padding_idx) == (4, 3, None)
    assert isinstance(m.weight, nn.Parameter) and not m.weight.requires_grad
    assert m.weight.data is vecs.data  # (a Tensor's array is shared, as torch's Parameter(t))
    np.testing.assert_array_equal(m(np.array([2, 0])).data, [[6.0, 7.0, 8.0], [0.0, 1.0, 2.0]])
    t = nn.Embedding.from_pretrained(np.ones((3, 2)), freeze=False, padding_idx=1)
    assert t.weight.requires_grad and t.padding_idx == 1
    np.testing.assert_array_equal(t.weight.data[1], [1.0, 1.0])  # (the padding row is kept, not zeroed)
    t(np.array([1, 2, 2])).sum().backward()
    np.testing.assert_array_equal(t.weight.grad.data, [[0, 0], [0, 0], [2, 2]])
    with pytest.raises(ValueError, match=r"Embedding.from_pretrained: embeddings must be 2-D .* got shape \(3,\)"):
        nn.Embedding.from_pretrained(np.ones(3))


def test_embedding_max_norm_renormalises_the_looked_up_rows_in_place():
    # PyTorch: each looked-up row whose norm exceeds max_norm is scaled in place by
    # max_norm / (norm + 1e-7) before the lookup; other rows are untouched
    w0 = np.array([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0], [1.0, 1.0]])
    w = am.tensor(w0.copy(), requires_grad=True)
    out = F.embedding(np.array([[0, 1], [0, 3]]), w, max_norm=2.0)
    np.testing.assert_allclose(w.data[0], w0[0] * 2.0 / (5.0 + 1e-7), rtol=1e-15)
    np.testing.assert_array_equal(w.data[1:], w0[1:])  # row 2 not looked up; 1 and 3 within 2
    np.testing.assert_array_equal(out.data[0, 0], w.data[0])
    (out * np.arange(8.0).reshape(2, 2, 2)).sum().backward()  # (the gradient is the lookup's)
    np.testing.assert_array_equal(w.grad.data, [[4, 6], [2, 3], [0, 0], [6, 7]])
    m = nn.Embedding(4, 2, max_norm=1.0, norm_type=1.0)
    m.weight.data[...] = w0
    m(np.array([2]))
    np.testing.assert_allclose(m.weight.data[2], w0[2] / (14.0 + 1e-7), rtol=1e-15)
    assert "max_norm=1.0" in repr(m)
    with pytest.raises(ValueError, match="embedding: max_norm must be a positive number"):
        F.embedding([0], w, max_norm=-1.0)


def test_embedding_scale_grad_by_freq_divides_each_rows_gradient_by_its_count():
    w = am.tensor(np.arange(8.0).reshape(4, 2), requires_grad=True)
    idx = np.array([[0, 2, 2], [2, 1, 0]])
    out = F.embedding(idx, w, padding_idx=1, scale_grad_by_freq=True)
    np.testing.assert_array_equal(out.data, w.data[idx])  # (the values are exactly the rows)
    g = np.arange(12.0).reshape(2, 3, 2)
    (out * g).sum().backward()
    # row 0: (g[0,0] + g[1,2]) / 2; row 2: (g[0,1] + g[0,2] + g[1,0]) / 3; padding row 1: 0
    np.testing.assert_allclose(w.grad.data, [[5, 6], [0, 0], [4, 5], [0, 0]], rtol=1e-15)
    m = nn.Embedding(4, 2, scale_grad_by_freq=True)
    m(np.array([3, 3, 3, 3])).sum().backward()
    np.testing.assert_allclose(m.weight.grad.data[3], [1.0, 1.0], rtol=1e-15)
    with pytest.raises(ValueError, match="embedding: sparse gradients are not offered"):
        F.embedding([0], w, sparse=True)



def test_embedding_max_norm_change_is_stamped_and_a_read_only_weight_is_refused_by_name():
    # the renorm writes weight in place: a graph that kept the old array must refuse to
    # backward (not use the new rows), and a read-only table is refused by embedding's name
    w = am.tensor(np.arange(12.0).reshape(4, 3), requires_grad=True)
    y = (w * w).sum()
    F.embedding(np.array([1, 2]), w, max_norm=1.0)
    with pytest.raises(RuntimeError, match="changed in place"):
        y.backward()
    a = np.arange(12.0).reshape(4, 3)
    a.flags.writeable = False
    with pytest.raises(RuntimeError, match=r"embedding: max_norm .*\(shape \(4, 3\)\) is read-only"):
        F.embedding(np.array([1]), am.from_numpy(a), max_norm=1.0)
    np.testing.assert_array_equal(a, np.arange(12.0).reshape(4, 3))


def test_embedding_scale_grad_by_freq_keeps_signed_zeros_and_scales_non_finite_rows():
    # the values are the rows bit for bit (-0.0 stays -0.0), and a row holding inf still
    # gets its gradient divided by its count, without a NaN or a warning along the way
    w = am.tensor(np.array([[-0.0, np.inf], [1.0, -np.inf], [np.nan, 2.0]]), requires_grad=True)
    idx = np.array([0, 0, 1, 2, 2, 2])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = F.embedding(idx, w, scale_grad_by_freq=True)
        out.sum().backward()
    np.testing.assert_array_equal(np.signbit(out.data), np.signbit(w.data[idx]))
    np.testing.assert_array_equal(out.data, w.data[idx])
    np.testing.assert_array_equal(w.grad.data, np.ones((3, 2)))

# -- one_hot, silu --------------------------------------------------------------------------------


def test_one_hot():
    t = np.array([[0, 2], [1, 1]])
    out = F.one_hot(t)
    assert out.dtype == np.int64 and out.shape == (2, 2, 3) and not out.requires_grad
    for pos in positions(t.shape):
        assert out.data[pos].tolist() == [int(c == t[pos]) for c in range(3)]
    assert F.one_hot(np.array([1]), num_classes=4).data.tolist() == [[0, 1, 0, 0]]
    with pytest.raises(ValueError, match="one_hot: index 3 is out of range for num_classes 3"):
        F.one_hot(np.array([0, 3]), 3)
    with pytest.raises(ValueError, match="one_hot: labels must be >= 0"):
        F.one_hot(np.array([0, -1]))
    with pytest.raises(ValueError, match="one_hot: cannot infer num_classes from empty labels"):
        F.one_hot(np.zeros(0, dtype=int))
    with pytest.raises(TypeError, match="one_hot: labels must be integers"):
        F.one_hot(np.array([0.0]))


@pytest.mark.parametrize("num_classes", [4, -1])
@pytest.mark.parametrize("as_tensor", [False, True])
def test_one_hot_under_compile_uses_each_calls_labels(num_classes, as_tensor):
    # PyTorch code builds targets with F.one_hot inside the loss; a one_hot made from
    # the labels' values in numpy was refused by am.compile (naming mul, not one_hot)
    def loss(x, y):
        return (x * F.one_hot(y, num_classes)).sum()

    f = am.compile(loss)
    x = am.tensor(np.arange(8.0).reshape(2, 4), requires_grad=True)
    for y in ([0, 3], [0, 3], [3, 1], [1, 3], [3, 3]):
        y = np.array(y)
        if as_tensor:
            y = am.tensor(y)
        got, want = f(x, y), loss(x, y)
        assert got.item() == want.item()
        got.backward()
        g = x.grad.data.copy()
        x.grad = None
        want.backward()
        np.testing.assert_array_equal(g, x.grad.data)
        x.grad = None
    with pytest.raises(ValueError, match="one_hot: index 4 is out of range for num_classes 4"):
        am.compile(lambda x, y: (x * F.one_hot(y, 4)).sum())(x, np.array([0, 4]))
    if num_classes == -1:  # a replay whose labels make another width runs eagerly (and fails to broadcast)
        with pytest.raises(ValueError, match="mul"):
            f(x, np.array([0, 2]))


@SETTINGS
@given(shape=st.sampled_from([(3,), (2, 4), ()]), seed=st.integers(0, 1000))
def test_silu(shape, seed):
    # (within [-6, 6] and off silu's stationary point x = -1.2785: a lone x where every
    # derivative is below gradcheck's atol leaves it nothing to check, and it says so)
    x = np.clip(np.random.default_rng(seed).standard_normal(shape) * 3, -6, 6)
    x = np.where(np.abs(x + 1.2785) < 0.01, x + 0.05, x)
    expected = np.zeros(shape)
    for pos in positions(shape):
        expected[pos] = x[pos] / (1.0 + math.exp(-x[pos]))
    np.testing.assert_allclose(F.silu(x).data, expected, rtol=1e-12)
    np.testing.assert_allclose(nn.SiLU()(x).data, expected, rtol=1e-12)
    check12(F.silu, (x,))


def test_new_layers_in_summary_and_draw_network():
    model = nn.Sequential(nn.Embedding(10, 4, padding_idx=0), nn.LayerNorm(4), nn.SiLU(), nn.Flatten(),
                          nn.Linear(12, 3))
    text = str(nn.summary(model, input_size=(2, 3), dtype=np.int64))
    assert "Embedding(10, 4)" in text and "LayerNorm(4)" in text and "SiLU" in text
    am.viz.draw_network(model)
    am.viz.draw_network(nn.Sequential(nn.Linear(4, 8), nn.LayerNorm(8), nn.SiLU(), nn.Linear(8, 2)), (1, 4))


def test_embedding_padding_costs_the_rows_picked_not_the_whole_table():
    # (padding_idx passed the whole (num_embeddings, dim) table through two `where`s
    # each call, forward and backward: 13x the time of no padding_idx at 30000 x 256)
    from autograd_mini.viz._trace import collect
    w = am.tensor(np.random.default_rng(0).normal(size=(50, 3)), requires_grad=True)
    idx = np.array([[1, 0, 4], [0, 0, 2]])
    out = F.embedding(idx, w, padding_idx=0)
    big = [t for t in collect([out], "test") if getattr(t, "shape", None) == w.shape and t is not w]
    assert not big
    f = am.compile(lambda i: (F.embedding(i, w, padding_idx=0) ** 2).sum())
    for i in (idx, np.array([[3, 3, 0]]), np.array([[0, 0, 0]])):
        w.grad = None
        f(i).backward()
        expected = np.zeros_like(w.data)
        np.add.at(expected, i.ravel(), 2 * w.data[i.ravel()])
        expected[0] = 0.0
        np.testing.assert_allclose(w.grad.data, expected)


def test_a_nan_norm_type_is_refused_where_it_would_renormalise_nothing():
    w = am.tensor(5 * np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"embedding: norm_type must be a number, not NaN \(weight of shape \(2, 2\)\)"):
        am.nn.functional.embedding(np.array([0]), w, max_norm=1.0, norm_type=float("nan"))
    assert np.all(w.data == 5)
    with pytest.raises(ValueError, match="Embedding: norm_type must be a number, not NaN"):
        am.nn.Embedding(2, 2, max_norm=1.0, norm_type=float("nan"))
