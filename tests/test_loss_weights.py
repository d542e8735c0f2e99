"""Per-class `weight` of cross_entropy / nll_loss and the element `weight` and `pos_weight`
of the binary cross-entropies (PyTorch's semantics), against numpy oracles written here."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn import functional as F

SETTINGS = settings(max_examples=12, deadline=None)
REDUCTIONS = ["mean", "sum", "none"]


def check12(f, inputs) -> None:
    """First- and second-order gradient checks in float64."""
    assert am.gradcheck(f, inputs)
    assert am.gradgradcheck(f, inputs)


# -- numpy oracles ------------------------------------------------------------------------------


def oracle_weighted_ce(x, t, w, reduction, ignore_index=-100, eps=0.0, log_probs=False):
    """PyTorch's formula, position by position: with l_c = -log p_c and y = t[pos],
    loss = (1 - e) w[y] l_y + e / C sum_c w[c] l_c; 'mean' divides by sum of w[y] over
    the positions not ignored. x is (N, C, d...) or (C,) (then t is 0-d)."""
    if x.ndim == 1:
        x, t = x[None], np.asarray(t)[None]
        squeeze = True
    else:
        squeeze = False
    C = x.shape[1]
    losses = np.zeros(t.shape)
    den = 0.0
    for pos in itertools.product(*(range(n) for n in t.shape)):
        y = t[pos]
        if y == ignore_index:
            continue
        scores = np.array([x[(pos[0], c) + pos[1:]] for c in range(C)])
        logp = scores if log_probs else scores - (scores.max() + np.log(np.exp(scores - scores.max()).sum()))
        losses[pos] = (1 - eps) * w[y] * -logp[y] + eps / C * sum(w[c] * -logp[c] for c in range(C))
        den += w[y]
    if squeeze:
        losses = losses[0]
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.float64(losses.sum()) / np.float64(den)  # (0 / 0 -> nan, as PyTorch)


def log_sigmoid(x):
    return -np.logaddexp(0.0, -x)


def oracle_bce_logits(x, y, w, pw, reduction):
    w = 1.0 if w is None else w
    pw = 1.0 if pw is None else pw
    loss = -w * (pw * y * log_sigmoid(x) + (1 - y) * log_sigmoid(-x))
    return {"mean": loss.mean(), "sum": loss.sum(), "none": loss}[reduction]


def oracle_bce(p, y, w, reduction):
    loss = -w * (y * np.maximum(np.log(p), -100) + (1 - y) * np.maximum(np.log1p(-p), -100))
    return {"mean": loss.mean(), "sum": loss.sum(), "none": loss}[reduction]


def labels(rng, shape, C, ignore_index, p=0.3):
    t = rng.integers(0, C, shape)
    t[rng.random(shape) < p] = ignore_index
    t.flat[0] = 0  # (at least one kept)
    return t


# -- cross_entropy / nll_loss with weight ---------------------------------------------------------


@SETTINGS
@given(
    shape=st.sampled_from([(5, 4), (3, 4, 2), (2, 3, 2, 2), (1, 2), (4,)]),
    reduction=st.sampled_from(REDUCTIONS),
    eps=st.sampled_from([0.0, 0.3, 1.0]),
    ignore_index=st.sampled_from([-100, 1]),
    seed=st.integers(0, 1000),
)
def test_weighted_cross_entropy_matches_pytorchs_formula(shape, reduction, eps, ignore_index, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    C = shape[0] if len(shape) == 1 else shape[1]
    w = rng.uniform(0.5, 2.0, C)
    t = np.array(0) if len(shape) == 1 else labels(rng, shape[:1] + shape[2:], C, ignore_index)
    expected = oracle_weighted_ce(x, t, w, reduction, ignore_index, eps)
    got = F.cross_entropy(x, t, reduction, ignore_index, eps, weight=w)
    np.testing.assert_allclose(got.data, expected, rtol=1e-10, atol=1e-12)
    module = nn.CrossEntropyLoss(w, ignore_index=ignore_index, reduction=reduction, label_smoothing=eps)
    np.testing.assert_allclose(module(x, t).data, expected, rtol=1e-10, atol=1e-12)
    # w.r.t. the logits, and (an extension: PyTorch refuses it) w.r.t. the weight too
    check12(lambda x: F.cross_entropy(x, t, reduction, ignore_index, eps, weight=w), (x,))
    check12(lambda x, w: F.cross_entropy(x, t, reduction, ignore_index, eps, weight=w), (x, w))


def test_weighted_mean_is_not_the_plain_mean():
    """'mean' divides by the weights of the labels present, not by N: a weight of 2 for every
    class gives the unweighted mean, and the smoothing term is weighted per class."""
    rng = np.random.default_rng(0)
    x, t = rng.standard_normal((6, 3)), np.array([0, 1, 2, 2, -100, 1])
    plain = F.cross_entropy(x, t, label_smoothing=0.2).item()
    np.testing.assert_allclose(F.cross_entropy(x, t, label_smoothing=0.2, weight=np.full(3, 2.0)).item(),
                               plain, rtol=1e-13)
    w = np.array([1.0, 0.0, 3.0])
    got = F.cross_entropy(x, t, label_smoothing=0.2, weight=w).item()
    np.testing.assert_allclose(got, oracle_weighted_ce(x, t, w, "mean", eps=0.2), rtol=1e-12)
    assert abs(got - plain) > 1e-3


@SETTINGS
@given(
    shape=st.sampled_from([(5, 4), (3, 4, 2), (4,)]),
    reduction=st.sampled_from(REDUCTIONS),
    ignore_index=st.sampled_from([-100, 2]),
    seed=st.integers(0, 1000),
)
def test_weighted_nll_loss(shape, reduction, ignore_index, seed):
    rng = np.random.default_rng(seed)
    logp = rng.standard_normal(shape)
    C = shape[0] if len(shape) == 1 else shape[1]
    w = rng.uniform(-1.0, 2.0, C)  # (negative weights are taken, as PyTorch takes them)
    w[0] = 1.5  # (label 0 is always present: a denominator well away from 0)
    t = np.array(0) if len(shape) == 1 else labels(rng, shape[:1] + shape[2:], C, ignore_index)
    if len(shape) > 1:
        t[t == 3] = 0  # (labels 0, 1, 2 only, and w[1] + w[2] + ... kept from cancelling w[0])
        w[1:] = np.abs(w[1:])
    expected = oracle_weighted_ce(logp, t, w, reduction, ignore_index, log_probs=True)
    np.testing.assert_allclose(F.nll_loss(logp, t, reduction, ignore_index, weight=w).data, expected,
                               rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(nn.NLLLoss(am.tensor(w), ignore_index=ignore_index, reduction=reduction)(logp, t).data,
                               expected, rtol=1e-12, atol=1e-14)
    check12(lambda lp: F.nll_loss(lp, t, reduction, ignore_index, weight=w), (logp,))
    check12(lambda lp, w: F.nll_loss(lp, t, reduction, ignore_index, weight=w), (logp, w))


@pytest.mark.parametrize("loss", ["cross_entropy", "nll_loss"])
def test_weights_of_present_labels_summing_to_zero_give_nan_for_mean(loss):
    """PyTorch divides by the sum of weight[target] and gives 0 / 0 = NaN (and NaN input
    gradients at the labels not ignored, 0 at the ignored ones); sum and none stay finite.
    No numpy warning is raised on the way."""
    f = getattr(F, loss)
    x = am.tensor(np.random.default_rng(1).standard_normal((4, 3)), requires_grad=True)
    t = np.array([0, 2, -100, 0])
    for w in (np.array([0.0, 1.0, 0.0]), np.array([1.0, 5.0, -2.0])):  # (0 + 0 + 0; 1 - 2 + 1)
        x.grad = None
        with np.errstate(all="raise"):
            out = f(x, t, weight=w)
            out.backward()
        assert math.isnan(out.item())
        kept = x.grad.data[[0, 1, 3]]
        if loss == "nll_loss":  # (PyTorch's too: NaN at each kept label's own entry, 0 elsewhere)
            assert np.isnan(kept[[0, 1, 2], [0, 2, 0]]).all() and (np.isnan(kept).sum() == 3)
        else:  # (through log_softmax the NaN reaches the whole row, as in PyTorch)
            assert np.isnan(kept).all()
        assert not x.grad.data[2].any()
        assert np.isfinite(f(x, t, "sum", weight=w).data)
        assert np.isfinite(f(x, t, "none", weight=w).data).all()
    # every label ignored: NaN with a zero gradient, as without weights
    x.grad = None
    with np.errstate(all="raise"):
        out = f(x, np.full(4, -100), weight=np.ones(3))
        out.backward()
    assert math.isnan(out.item()) and not x.grad.data.any()


def test_weighted_cross_entropy_keeps_float32_and_float16():
    x = np.random.default_rng(2).standard_normal((5, 3))
    t = np.array([0, 1, 2, 1, 0])
    w64 = np.array([0.5, 1.0, 2.0])
    for dtype in (np.float32, np.float16):
        got = F.cross_entropy(x.astype(dtype), t, weight=w64, label_smoothing=0.1)
        assert got.dtype == dtype
        np.testing.assert_allclose(got.data, oracle_weighted_ce(x.astype(dtype).astype(float), t, w64, "mean",
                                                                eps=0.1), rtol=2e-3 if dtype == np.float16 else 1e-6)
        assert F.nll_loss(x.astype(dtype), t, weight=w64).dtype == dtype


def test_weighted_cross_entropy_compiled_replay_is_eager_bit_for_bit():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((6, 4, 3))
    criterion = nn.CrossEntropyLoss(weight=np.array([0.5, 1.0, 2.0, 0.25]), label_smoothing=0.1)
    f = am.compile(lambda x, t: criterion(x, t))
    for t in ([[0, 1, 2], [3, 0, 1], [2, 2, 2], [1, 0, 3], [0, 0, 1], [3, 3, 2]],
              [[-100, 1, 2], [3, 0, -100], [2, 2, 2], [1, 0, 3], [0, 0, 1], [3, 3, 2]],
              [[1, 1, 1], [-100, 0, 1], [2, -100, 2], [1, 0, 3], [0, 3, 1], [3, 3, 2]]):
        t = np.array(t)
        a, b = am.tensor(x, requires_grad=True), am.tensor(x, requires_grad=True)
        la, lb = f(a, t), criterion(b, t)
        la.backward()
        lb.backward()
        assert np.array_equal(la.data, lb.data) and np.array_equal(a.grad.data, b.grad.data)
        np.testing.assert_allclose(la.data, oracle_weighted_ce(x, t, criterion.weight.data, "mean", eps=0.1),
                                   rtol=1e-12)
    # the buffer is read afresh on every replay: updated in place, the replay sees it
    criterion.weight.data[:] = [1.0, 2.0, 3.0, 4.0]
    assert np.array_equal(f(x, t).data, criterion(x, t).data)
    np.testing.assert_allclose(f(x, t).data, oracle_weighted_ce(x, t, np.array([1.0, 2, 3, 4]), "mean", eps=0.1),
                               rtol=1e-12)


# -- binary_cross_entropy(_with_logits) with weight, pos_weight -----------------------------------


@SETTINGS
@given(
    case=st.sampled_from([((4, 3), (3,), (3,)), ((4, 3), (4, 1), None), ((2, 3, 4), (4,), (3, 1)),
                          ((5,), (), (5,)), ((2, 3), None, (2, 3))]),
    reduction=st.sampled_from(REDUCTIONS),
    seed=st.integers(0, 1000),
)
def test_bce_with_logits_weight_and_pos_weight(case, reduction, seed):
    shape, pw_shape, w_shape = case
    rng = np.random.default_rng(seed)
    x, y = rng.standard_normal(shape) * 2, rng.random(shape)
    pw = None if pw_shape is None else rng.uniform(0.5, 3.0, pw_shape)
    w = None if w_shape is None else rng.uniform(-0.5, 2.0, w_shape)
    expected = oracle_bce_logits(x, y, w, pw, reduction)
    got = F.binary_cross_entropy_with_logits(x, y, reduction, weight=w, pos_weight=pw)
    np.testing.assert_allclose(got.data, expected, rtol=1e-12, atol=1e-14)
    module = nn.BCEWithLogitsLoss(w, reduction=reduction, pos_weight=pw)
    np.testing.assert_allclose(module(x, y).data, expected, rtol=1e-12, atol=1e-14)
    check12(lambda x, y: F.binary_cross_entropy_with_logits(x, y, reduction, weight=w, pos_weight=pw), (x, y))
    extra = tuple(v for v in (w, pw) if v is not None)
    if extra:  # (w.r.t. the weights too: an extension, PyTorch refuses it)
        def f(x, *ws):
            ws = list(ws)
            return F.binary_cross_entropy_with_logits(x, y, reduction, weight=ws.pop(0) if w is not None else None,
                                                      pos_weight=ws.pop(0) if pw is not None else None)
        check12(f, (x,) + extra)


def test_bce_with_logits_pos_weight_is_stable_at_1000():
    x = am.tensor([[1000.0, -1000.0, 1000.0, -1000.0, 0.0]], requires_grad=True)
    y = np.array([[1.0, 1.0, 0.0, 0.0, 0.5]])
    pw = np.array([3.0, 3.0, 3.0, 3.0, 3.0])
    w = np.array([[2.0, 2.0, 2.0, 2.0, 2.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # (exp(-1000) underflows to 0: fine)
        loss = F.binary_cross_entropy_with_logits(x, y, "none", weight=w, pos_weight=pw)
        loss.sum().backward()
    np.testing.assert_allclose(loss.data, [[0.0, 6000.0, 2000.0, 0.0, 2 * 2 * math.log(2)]], rtol=1e-15)
    # d/dx = w ((1 - y) - L sigmoid(-x)), L = 1 + (pw - 1) y
    np.testing.assert_allclose(x.grad.data, [[0.0, -6.0, 2.0, 0.0, 2 * (0.5 - 2 * 0.5)]], rtol=1e-15)
    np.testing.assert_allclose(loss.data, oracle_bce_logits(x.data, y, w, pw, "none"), rtol=1e-15)
    # second order there: finite, and the gradgradcheck holds at moderate logits
    h = am.autograd.grad(F.binary_cross_entropy_with_logits(x, y, "sum", pos_weight=pw), x, create_graph=True)[0]
    (g2,) = am.autograd.grad(h.sum(), x)
    assert np.isfinite(g2.data).all()
    xs = np.array([[30.0, -30.0, 5.0, -5.0, 0.3]])
    check12(lambda x, pw: F.binary_cross_entropy_with_logits(x, y, pos_weight=pw), (xs, pw))
    # infinite logits on their target's side keep loss and gradient 0 with a pos_weight
    xi = am.tensor([np.inf, -np.inf], requires_grad=True)
    li = F.binary_cross_entropy_with_logits(xi, np.array([1.0, 0.0]), "sum", pos_weight=np.array([2.0, 2.0]))
    li.backward()
    assert li.item() == 0.0 and not xi.grad.data.any()


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("w_shape", [(3,), (4, 1), (4, 3), ()])
def test_bce_weight(reduction, w_shape):
    rng = np.random.default_rng(4)
    p, y = rng.uniform(0.05, 0.95, (4, 3)), (rng.random((4, 3)) > 0.5) * 1.0
    w = rng.uniform(0.5, 2.0, w_shape)
    expected = oracle_bce(p, y, w, reduction)
    np.testing.assert_allclose(F.binary_cross_entropy(p, y, reduction, weight=w).data, expected, rtol=1e-12)
    np.testing.assert_allclose(nn.BCELoss(w, reduction=reduction)(p, y).data, expected, rtol=1e-12)
    check12(lambda p, w: F.binary_cross_entropy(p, y, reduction, weight=w), (p, w))


def test_bce_with_logits_compiled_replay_is_eager_bit_for_bit():
    rng = np.random.default_rng(5)
    criterion = nn.BCEWithLogitsLoss(weight=rng.uniform(0.5, 2, (1, 3)), pos_weight=np.array([1.0, 4.0, 0.5]))
    f = am.compile(lambda x, y: criterion(x, y))
    for scale in (1.0, 1000.0, 3.0):
        x, y = rng.standard_normal((5, 3)) * scale, (rng.random((5, 3)) > 0.5) * 1.0
        a, b = am.tensor(x, requires_grad=True), am.tensor(x, requires_grad=True)
        la, lb = f(a, y), criterion(b, y)
        la.backward()
        lb.backward()
        assert np.array_equal(la.data, lb.data) and np.array_equal(a.grad.data, b.grad.data)
        np.testing.assert_allclose(la.data, oracle_bce_logits(x, y, criterion.weight.data, criterion.pos_weight.data,
                                                              "mean"), rtol=1e-12)


# -- modules: buffers -----------------------------------------------------------------------------


def test_loss_modules_register_weights_as_buffers():
    w = np.array([1.0, 2.0, 3.0])
    for module, names in ((nn.CrossEntropyLoss(w), ["weight"]), (nn.NLLLoss(weight=w), ["weight"]),
                          (nn.BCELoss(w), ["weight"]),
                          (nn.BCEWithLogitsLoss(w, pos_weight=w), ["weight", "pos_weight"]),
                          (nn.BCEWithLogitsLoss(pos_weight=w), ["pos_weight"]), (nn.CrossEntropyLoss(), [])):
        assert list(module.state_dict()) == names
        assert list(module.parameters()) == []
        module.to(np.float32)
        for name in names:
            assert getattr(module, name).dtype == np.float32
            np.testing.assert_array_equal(getattr(module, name).data, w)
        fresh = type(module)(**{name: np.zeros(3) for name in names})
        fresh.load_state_dict(module.state_dict())
        for name in names:
            np.testing.assert_array_equal(getattr(fresh, name).data, w)
    # the caller's array is copied (a Tensor is kept, as PyTorch keeps it)
    m = nn.CrossEntropyLoss(w)
    w[0] = 9.0
    assert m.weight.data[0] == 1.0
    tw = am.tensor([1.0, 2.0])
    assert nn.NLLLoss(tw).weight is tw
    # a float32 weight buffer rescales a float64 loss, a float64 one a float32 loss: neither upcast
    x, t = np.random.default_rng(6).standard_normal((3, 3)), np.array([0, 1, 2])
    assert nn.CrossEntropyLoss(am.tensor(w, dtype=np.float32))(x, t).dtype == np.float64
    assert nn.CrossEntropyLoss(w)(x.astype(np.float32), t).dtype == np.float32


# -- bad input --------------------------------------------------------------------------------------


X, T = np.zeros((4, 3)), np.array([0, 1, 2, 0])


@pytest.mark.parametrize("call, error, message", [
    (lambda: F.cross_entropy(X, T, weight=np.ones(4)), ValueError,
     r"cross_entropy: weight must be a 1-D tensor of length C = 3.*\(4, 3\), got shape \(4,\)"),
    (lambda: F.cross_entropy(X, T, weight=np.ones((1, 3))), ValueError,
     r"cross_entropy: weight must be a 1-D tensor of length C = 3.*got shape \(1, 3\)"),
    (lambda: F.cross_entropy(X.astype(np.float16), T, weight=np.ones(2)), ValueError,
     r"cross_entropy: weight must be a 1-D tensor of length C = 3"),
    (lambda: F.nll_loss(X, T, weight=np.ones(3, dtype=int)), TypeError,
     r"nll_loss: weight must be a tensor or array of floating-point numbers, "
     r"got dtype int64 \(shape \(3,\)\); convert"),
    (lambda: F.nll_loss(X, T, weight=np.array(1.0)), ValueError, r"nll_loss: weight must be a 1-D.*got shape \(\)"),
    (lambda: F.cross_entropy(X, T, weight=[True, False, True]), TypeError,
     "cross_entropy: weight must be .* dtype bool"),
    (lambda: F.cross_entropy(X, T, weight=[[1.0], [1.0, 2.0]]), TypeError, "cross_entropy: weight must be a tensor"),
    (lambda: F.cross_entropy(X, T, np.ones(3)), TypeError,
     r"cross_entropy: reduction must be one of .*got a ndarray of shape \(3,\) \(pass a weight by keyword"),
    (lambda: F.binary_cross_entropy(X + 0.5, X, weight=np.ones(4)), ValueError,
     r"binary_cross_entropy: weight of shape \(4,\) does not broadcast to input's shape \(4, 3\)"),
    (lambda: F.binary_cross_entropy(X + 0.5, X, weight=np.ones((2, 4, 3))), ValueError,
     r"binary_cross_entropy: weight of shape \(2, 4, 3\) does not broadcast to input's shape \(4, 3\)"),
    (lambda: F.binary_cross_entropy_with_logits(X, X, pos_weight=np.ones(4)), ValueError,
     r"binary_cross_entropy_with_logits: pos_weight of shape \(4,\) does not broadcast "
     r"to input's shape \(4, 3\)"),
    (lambda: F.binary_cross_entropy_with_logits(X, X, weight=np.ones(3, dtype=np.int32)), TypeError,
     "binary_cross_entropy_with_logits: weight must be a tensor or array of floating-point numbers, "
     "got dtype int32"),
    (lambda: nn.CrossEntropyLoss(np.ones((3, 1))), ValueError, r"CrossEntropyLoss: weight must be a 1-D .*\(3, 1\)"),
    (lambda: nn.NLLLoss(np.arange(3)), TypeError, "NLLLoss: weight must be a tensor or array of floating"),
    (lambda: nn.BCEWithLogitsLoss(pos_weight=am.tensor([1, 2])), TypeError, "BCEWithLogitsLoss: pos_weight must be"),
    (lambda: nn.CrossEntropyLoss(np.ones(4))(X, T), ValueError,
     "cross_entropy: weight must be a 1-D tensor of length C = 3"),
])
def test_bad_weights_are_refused_naming_the_loss_and_shapes(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_bad_weight_is_refused_before_anything_is_computed():
    x = am.tensor(X, requires_grad=True)
    before = next(am.engine.node_counter)
    with pytest.raises(ValueError):
        F.cross_entropy(x, T, weight=np.ones(4), label_smoothing=0.1)
    with pytest.raises(ValueError):
        F.binary_cross_entropy_with_logits(x, X, pos_weight=np.ones(2))
    with pytest.raises(TypeError):
        F.nll_loss(x, T, weight=np.ones(3, dtype=int))
    assert next(am.engine.node_counter) == before + 1  # (no node made between the two reads)


def test_negative_weights_are_taken():
    x = np.random.default_rng(7).standard_normal((4, 3))
    w = np.array([-1.0, 2.0, 0.5])
    np.testing.assert_allclose(F.cross_entropy(x, T, "sum", weight=w).data, oracle_weighted_ce(x, T, w, "sum"),
                               rtol=1e-12)
    np.testing.assert_allclose(F.binary_cross_entropy_with_logits(x, X, "none", pos_weight=-w).data,
                               oracle_bce_logits(x, X, None, -w, "none"), rtol=1e-12)
