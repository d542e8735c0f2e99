"""Optimizers and learning-rate schedules against hand-written numpy reference formulas."""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn import functional as F
from autograd_mini.optim import (SGD, Adam, AdamW, CosineAnnealingLR, ExponentialLR, LambdaLR, LinearLR, MultiStepLR,
                                 ReduceLROnPlateau, RMSprop, StepLR)

SHAPES = [(2, 2), (3,), (2, 1, 3)]

# Tests of a schedule's rates step it alone, with no optimizer.step() before: the warning
# a training loop gets for that order is checked by its own test.
pytestmark = pytest.mark.filterwarnings("ignore:.*step\\(\\) was called before .*:UserWarning")


# -- reference formulas: whole trajectories, out of place, written from the math ----


def ref_sgd(p0, grads, lr, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0):
    p, buf = p0.copy(), None
    for t, g in enumerate(grads):
        g = g + weight_decay * p
        if momentum != 0:
            buf = g.copy() if t == 0 else momentum * buf + (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        p = p - lr * g
    return p


def ref_adam(p0, grads, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False,
             decoupled=False):
    b1, b2 = betas
    p = p0.copy()
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    vmax = np.zeros_like(p)
    for t, g in enumerate(grads, start=1):
        if decoupled:
            p = p - lr * weight_decay * p
        else:
            g = g + weight_decay * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        vmax = np.maximum(vmax, v)
        v_used = vmax if amsgrad else v
        m_hat = m / (1 - b1**t)
        v_hat = v_used / (1 - b2**t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
    return p


def ref_rmsprop(p0, grads, lr, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
    p = p0.copy()
    s = np.zeros_like(p)
    a = np.zeros_like(p)
    b = np.zeros_like(p)
    for g in grads:
        g = g + weight_decay * p
        s = alpha * s + (1 - alpha) * g**2
        a = alpha * a + (1 - alpha) * g
        r = (np.sqrt(s - a**2) if centered else np.sqrt(s)) + eps
        if momentum > 0:
            b = momentum * b + g / r
            p = p - lr * b
        else:
            p = p - lr * g / r
    return p


def run(opt_cls, kwargs, n_steps=5, seed=0, dtype=np.float64):
    """Apply n_steps of opt_cls to params of SHAPES with given random grads; return both."""
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    grads = [[rng.standard_normal(s).astype(dtype) for s in SHAPES] for _ in range(n_steps)]
    params = [am.tensor(a.copy(), requires_grad=True) for a in init]
    opt = opt_cls(params, **kwargs)
    for gs in grads:
        for p, g in zip(params, gs):
            p.grad = am.tensor(g)
        opt.step()
    return init, grads, params


SGD_CASES = [
    dict(lr=0.1),
    dict(lr=0.1, weight_decay=0.3),
    dict(lr=0.1, momentum=0.9),
    dict(lr=0.05, momentum=0.5, dampening=0.4),
    dict(lr=0.1, momentum=0.9, nesterov=True),
    dict(lr=0.1, momentum=0.8, dampening=0.2, weight_decay=0.1),
    dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.05),
]
ADAM_CASES = [
    dict(lr=0.01),
    dict(lr=0.1, betas=(0.5, 0.9), eps=1e-3),
    dict(lr=0.01, weight_decay=0.2),
    dict(lr=0.01, amsgrad=True),
    dict(lr=0.05, weight_decay=0.1, amsgrad=True, betas=(0.8, 0.6)),
    dict(lr=0.01, betas=(0.0, 0.0)),
]
RMSPROP_CASES = [
    dict(lr=0.01),
    dict(lr=0.01, alpha=0.5, eps=1e-4),
    dict(lr=0.01, weight_decay=0.2),
    dict(lr=0.01, momentum=0.9),
    dict(lr=0.01, centered=True),
    dict(lr=0.02, alpha=0.7, momentum=0.5, centered=True, weight_decay=0.1),
]


@pytest.mark.parametrize("kwargs", SGD_CASES)
def test_sgd_matches_reference(kwargs):
    init, grads, params = run(SGD, kwargs)
    for i, p in enumerate(params):
        want = ref_sgd(init[i], [gs[i] for gs in grads], **kwargs)
        np.testing.assert_allclose(p.data, want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
def test_plain_sgd_step_is_bit_exact_in_every_float_dtype(dtype):
    # p - lr * g with lr a Python float, which numpy rounds to g's dtype first
    rng = np.random.default_rng(1)
    lr = 0.0123456789
    p = am.tensor(rng.standard_normal((4, 3)).astype(dtype), requires_grad=True)
    q = am.tensor(rng.standard_normal(5).astype(dtype), requires_grad=True)
    start = [p.data.copy(), q.data.copy()]
    grads = [rng.standard_normal((4, 3)).astype(dtype), rng.standard_normal(5).astype(dtype)]
    p.grad, q.grad = am.tensor(grads[0]), am.tensor(grads[1])
    SGD([p, q], lr=lr).step()
    for t, x, g in zip((p, q), start, grads):
        want = x - lr * g
        assert t.data.dtype == dtype and np.array_equal(t.data, want)
    strong = np.float64(lr)  # a numpy lr is not rounded to the gradient's dtype first
    p.data = start[0].copy()
    SGD([p], lr=strong).step()
    assert np.array_equal(p.data, (start[0] - strong * grads[0]).astype(dtype))


@pytest.mark.parametrize("kwargs", ADAM_CASES)
def test_adam_matches_reference(kwargs):
    init, grads, params = run(Adam, kwargs)
    for i, p in enumerate(params):
        want = ref_adam(init[i], [gs[i] for gs in grads], **kwargs)
        np.testing.assert_allclose(p.data, want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kwargs", ADAM_CASES[:1] + [dict(lr=0.01, weight_decay=0.3),
                                                     dict(lr=0.02, weight_decay=0.1, amsgrad=True)])
def test_adamw_matches_reference_decoupled_decay(kwargs):
    init, grads, params = run(AdamW, kwargs)
    for i, p in enumerate(params):
        want = ref_adam(init[i], [gs[i] for gs in grads], decoupled=True,
                        **{"weight_decay": 1e-2, **kwargs})
        np.testing.assert_allclose(p.data, want, rtol=1e-12, atol=1e-14)


def test_adamw_decay_is_not_adam_l2():
    """Same weight_decay, different results: AdamW does not fold the decay into the moments."""
    kwargs = dict(lr=0.05, weight_decay=0.5)
    _, _, pa = run(Adam, kwargs)
    _, _, pw = run(AdamW, kwargs)
    assert not np.allclose(pa[0].data, pw[0].data, rtol=1e-6)


def test_adamw_default_weight_decay():
    p = am.tensor([1.0], requires_grad=True)
    assert AdamW([p]).param_groups[0]["weight_decay"] == 1e-2
    assert Adam([p]).param_groups[0]["weight_decay"] == 0


@pytest.mark.parametrize("kwargs", RMSPROP_CASES)
def test_rmsprop_matches_reference(kwargs):
    init, grads, params = run(RMSprop, kwargs)
    for i, p in enumerate(params):
        want = ref_rmsprop(init[i], [gs[i] for gs in grads], **kwargs)
        np.testing.assert_allclose(p.data, want, rtol=1e-11, atol=1e-14)


def test_hand_computed_numbers():
    """A few steps on a scalar, worked out by hand."""
    # SGD momentum 0.9, lr 0.1, gradient always 1: buffers 1, 1.9, 2.71.
    p = am.tensor([0.0], requires_grad=True)
    opt = SGD([p], lr=0.1, momentum=0.9)
    for want in (-0.1, -0.29, -0.561):
        p.grad = am.tensor([1.0])
        opt.step()
        assert p.data[0] == pytest.approx(want, abs=1e-15)
    # Nesterov, same setting: step t moves by lr * (1 + 0.9 * b_t): b = 1, 1.9.
    p = am.tensor([0.0], requires_grad=True)
    opt = SGD([p], lr=0.1, momentum=0.9, nesterov=True)
    for want in (-0.19, -0.19 - 0.1 * (1 + 0.9 * 1.9)):
        p.grad = am.tensor([1.0])
        opt.step()
        assert p.data[0] == pytest.approx(want, abs=1e-15)
    # Adam's first step is lr * g / (|g| + eps), whatever the betas.
    p = am.tensor([1.0, 1.0], requires_grad=True)
    p.grad = am.tensor([4.0, -0.5])
    Adam([p], lr=0.1, betas=(0.3, 0.7), eps=0.5).step()
    np.testing.assert_allclose(p.data, [1 - 0.1 * 4 / 4.5, 1 + 0.1 * 0.5 / 1.0], rtol=1e-15)
    # RMSprop's first step divides by sqrt(1 - alpha) |g| + eps.
    p = am.tensor([0.0], requires_grad=True)
    p.grad = am.tensor([2.0])
    RMSprop([p], lr=0.1, alpha=0.75, eps=0.0).step()
    assert p.data[0] == pytest.approx(-0.1 * 2 / (0.5 * 2), rel=1e-15)


@settings(max_examples=20, deadline=None)
@given(
    lr=st.floats(1e-4, 1.0),
    momentum=st.floats(0.0, 0.99),
    dampening=st.floats(0.0, 0.9),
    weight_decay=st.sampled_from([0.0, 1e-3, 0.5]),
    nesterov=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_sgd_property(lr, momentum, dampening, weight_decay, nesterov, seed):
    if nesterov:
        momentum, dampening = max(momentum, 0.1), 0.0
    kwargs = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                  nesterov=nesterov)
    init, grads, params = run(SGD, kwargs, n_steps=4, seed=seed)
    for i, p in enumerate(params):
        want = ref_sgd(init[i], [gs[i] for gs in grads], **kwargs)
        np.testing.assert_allclose(p.data, want, rtol=1e-10, atol=1e-12)


@settings(max_examples=20, deadline=None)
@given(
    lr=st.floats(1e-4, 0.5),
    b1=st.floats(0.0, 0.99),
    b2=st.floats(0.0, 0.999),
    weight_decay=st.sampled_from([0.0, 0.1]),
    amsgrad=st.booleans(),
    decoupled=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_adam_property(lr, b1, b2, weight_decay, amsgrad, decoupled, seed):
    kwargs = dict(lr=lr, betas=(b1, b2), weight_decay=weight_decay, amsgrad=amsgrad)
    init, grads, params = run(AdamW if decoupled else Adam, kwargs, n_steps=4, seed=seed)
    for i, p in enumerate(params):
        want = ref_adam(init[i], [gs[i] for gs in grads], decoupled=decoupled, **kwargs)
        np.testing.assert_allclose(p.data, want, rtol=1e-10, atol=1e-12)


# -- mechanics ------------------------------------------------------------------------


@pytest.mark.parametrize("make", [
    lambda ps: SGD(ps, lr=0.1), lambda ps: SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.1),
    lambda ps: Adam(ps), lambda ps: AdamW(ps, amsgrad=True),
    lambda ps: RMSprop(ps, momentum=0.5, centered=True),
])
def test_step_in_place_no_graph_skips_none(make):
    w = am.tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True)
    b = am.tensor([0.1, 0.2], requires_grad=True)
    unused = am.tensor([7.0, 8.0], requires_grad=True)
    opt = make([w, b, unused])
    x = am.tensor([1.0, 2.0])
    loss = ((w @ x + b) ** 2).sum()
    loss.backward()
    arrays = (w.data, b.data)
    before = [w.data.copy(), b.data.copy()]
    unused_before = unused.data.copy()
    opt.step()
    assert w.data is arrays[0] and b.data is arrays[1]  # updated in place
    assert not np.array_equal(w.data, before[0]) and not np.array_equal(b.data, before[1])
    np.testing.assert_array_equal(unused.data, unused_before)  # .grad None: skipped
    assert unused not in opt.state
    for p in (w, b, unused):
        assert p.grad_fn is None and p.is_leaf
    assert unused.grad is None


def test_step_does_not_write_into_gradients():
    """Leaf gradients may be shared or read-only arrays: step must only read them."""
    g = np.array([1.0, 2.0])
    g.setflags(write=False)
    for make in (lambda ps: SGD(ps, lr=0.1, momentum=0.9), lambda ps: Adam(ps), lambda ps: RMSprop(ps)):
        p = am.tensor([0.0, 0.0], requires_grad=True)
        opt = make([p])
        for _ in range(3):
            p.grad = am.Tensor._wrap(g)
            opt.step()
        np.testing.assert_array_equal(g, [1.0, 2.0])


def test_momentum_buffer_is_a_private_copy():
    p = am.tensor([0.0, 0.0], requires_grad=True)
    g = np.array([1.0, 1.0])
    p.grad = am.Tensor._wrap(g)
    opt = SGD([p], lr=0.1, momentum=0.9)
    opt.step()
    assert opt.state[p]["momentum_buffer"] is not g
    g[:] = 100.0
    np.testing.assert_array_equal(opt.state[p]["momentum_buffer"], [1.0, 1.0])


def test_zero_grad():
    ps = [am.tensor([1.0, 2.0], requires_grad=True), am.tensor([3.0], requires_grad=True)]
    opt = SGD(ps, lr=0.1)
    (ps[0].sum() * ps[1].sum()).backward()
    assert all(p.grad is not None for p in ps)
    opt.zero_grad()
    assert all(p.grad is None for p in ps)
    (ps[0].sum() * ps[1].sum()).backward()
    opt.zero_grad(set_to_none=False)
    for p in ps:
        np.testing.assert_array_equal(p.grad.data, np.zeros(p.shape))


@pytest.mark.parametrize("cls", [SGD, Adam, AdamW, RMSprop])
def test_float32_stays_float32(cls):
    kwargs = {"lr": 0.1, "weight_decay": 0.1}
    if cls in (SGD, RMSprop):
        kwargs["momentum"] = 0.9
    _, _, params = run(cls, kwargs, n_steps=3, dtype=np.float32)
    assert all(p.dtype == np.float32 for p in params)


@pytest.mark.parametrize("cls, kwargs", [(Adam, {}), (Adam, {"amsgrad": True}), (AdamW, {}), (RMSprop, {}),
                                         (RMSprop, {"centered": True, "momentum": 0.5})])
def test_float16_parameters_keep_adam_and_rmsprop_statistics_in_float32(cls, kwargs):
    # In float16 eps = 1e-8 rounds to 0, so a zero gradient stepped by 0/0 = NaN, and
    # (1 - beta2) g**2 underflows for |g| < 0.008, so a small one was divided by eps alone.
    p = am.tensor(np.ones(4, np.float16), requires_grad=True)
    q = am.tensor(np.ones(4), requires_grad=True)
    half, double = cls([p], lr=0.01, **kwargs), cls([q], lr=0.01, **kwargs)
    g = np.array([0.0, 1e-4, 1e-3, 1.0], np.float16)
    for _ in range(3):
        p.grad, q.grad = am.tensor(g), am.tensor(g.astype(np.float64))
        half.step()
        double.step()
    assert p.dtype == np.float16
    np.testing.assert_allclose(p.data, q.data, rtol=2e-3)  # (float16 keeps 11 bits)
    again = cls([p], lr=0.01, **kwargs)
    again.load_state_dict(half.state_dict())
    for opt in (half, again):
        arrays = [v for v in opt.state[p].values() if isinstance(v, np.ndarray)]
        assert arrays and all(v.dtype == np.float32 for v in arrays)


def test_closure_is_evaluated_and_returned():
    p = am.tensor([3.0], requires_grad=True)
    opt = SGD([p], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with am.no_grad():  # step turns grad mode back on for the closure
        loss = opt.step(closure)
    assert loss.item() == 9.0
    assert p.data[0] == 3.0 - 0.25 * 6.0


def test_training_converges():
    """Adam and SGD drive a least-squares fit to its solution."""
    rng = np.random.default_rng(1)
    A = rng.standard_normal((8, 3))
    x_true = np.array([1.0, -2.0, 0.5])
    y = A @ x_true
    for make in (lambda ps: SGD(ps, lr=0.05, momentum=0.9), lambda ps: Adam(ps, lr=0.1)):
        x = am.zeros(3, requires_grad=True)
        opt = make([x])
        for _ in range(300):
            opt.zero_grad()
            ((am.tensor(A) @ x - am.tensor(y)) ** 2).mean().backward()
            opt.step()
        np.testing.assert_allclose(x.data, x_true, atol=1e-3)


# -- param groups ------------------------------------------------------------------------


def test_param_groups_options_and_lr_writable():
    a = am.tensor([1.0], requires_grad=True)
    b = am.tensor([1.0], requires_grad=True)
    opt = SGD([{"params": [a]}, {"params": [b], "lr": 0.5, "momentum": 0.9}], lr=0.1)
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[0]["momentum"] == 0
    assert opt.param_groups[1]["lr"] == 0.5 and opt.param_groups[1]["momentum"] == 0.9
    a.grad, b.grad = am.tensor([1.0]), am.tensor([1.0])
    opt.step()
    assert a.data[0] == pytest.approx(0.9) and b.data[0] == pytest.approx(0.5)
    opt.param_groups[0]["lr"] = 0.01
    opt.step()
    assert a.data[0] == pytest.approx(0.89)
    assert b.data[0] == pytest.approx(0.5 - 0.5 * 1.9)


def test_params_from_generator_and_add_param_group():
    ps = [am.tensor([1.0], requires_grad=True) for _ in range(3)]
    opt = Adam(p for p in ps[:2])
    assert len(opt.param_groups[0]["params"]) == 2
    opt.add_param_group({"params": ps[2], "lr": 0.5})
    assert opt.param_groups[1]["params"] == [ps[2]] or opt.param_groups[1]["params"][0] is ps[2]
    assert opt.param_groups[1]["lr"] == 0.5 and opt.param_groups[1]["betas"] == (0.9, 0.999)


# -- validation -----------------------------------------------------------------------------

def _p():
    return am.tensor([1.0, 2.0], requires_grad=True)


@pytest.mark.parametrize("make, exc, match", [
    (lambda: SGD([_p()], lr=-0.1), ValueError, "lr"),
    (lambda: SGD([_p()], lr=float("nan")), ValueError, "lr"),
    (lambda: SGD([_p()], lr="0.1"), TypeError, "lr"),
    (lambda: SGD([_p()], lr=0.1, momentum=-0.5), ValueError, "momentum"),
    (lambda: SGD([_p()], lr=0.1, weight_decay=-1), ValueError, "weight_decay"),
    (lambda: SGD([_p()], lr=0.1, nesterov=True), ValueError, "nesterov"),
    (lambda: SGD([_p()], lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), ValueError, "dampening"),
    (lambda: Adam([_p()], betas=(1.0, 0.999)), ValueError, r"betas\[0\]"),
    (lambda: Adam([_p()], betas=(0.9, 1.5)), ValueError, r"betas\[1\]"),
    (lambda: Adam([_p()], betas=(-0.1, 0.9)), ValueError, r"betas\[0\]"),
    (lambda: AdamW([_p()], betas=(0.9,)), TypeError, "betas"),
    (lambda: Adam([_p()], lr=-1e-3), ValueError, "lr"),
    (lambda: Adam([_p()], eps=-1.0), ValueError, "eps"),
    (lambda: Adam([_p()], amsgrad="yes"), TypeError, "amsgrad"),
    (lambda: RMSprop([_p()], alpha=1.5), ValueError, "alpha"),
    (lambda: RMSprop([_p()], momentum=-0.1), ValueError, "momentum"),
    (lambda: SGD([], lr=0.1), ValueError, "empty"),
    (lambda: Adam(iter([])), ValueError, "empty"),
    (lambda: SGD([np.ones(2)], lr=0.1), TypeError, "ndarray"),
    (lambda: SGD([_p() * 2], lr=0.1), ValueError, "not a leaf"),
    (lambda: SGD(_p(), lr=0.1), TypeError, "single Tensor"),
    (lambda: SGD(42, lr=0.1), TypeError, "iterable"),
    (lambda: SGD({_p()}, lr=0.1), TypeError, "ordered iterable"),
    (lambda: SGD([{"params": {_p()}}], lr=0.1), TypeError, "ordered iterable"),
    (lambda: SGD([{"params": [_p()], "lr": -2.0}], lr=0.1), ValueError, "param group 0"),
    (lambda: SGD([{"params": []}], lr=0.1), ValueError, "empty"),
    (lambda: SGD([{"lr": 0.1}], lr=0.1), TypeError, "'params'"),
])
def test_invalid_arguments(make, exc, match):
    with pytest.raises(exc, match=match):
        make()


def test_duplicate_parameters_rejected():
    p = _p()
    with pytest.raises(ValueError, match="more than once"):
        SGD([p, p], lr=0.1)
    opt = SGD([p], lr=0.1)
    with pytest.raises(ValueError, match="more than once"):
        opt.add_param_group({"params": [p]})
    assert len(opt.param_groups) == 1


def test_grad_shape_mismatch_rejected_before_any_update():
    a, b = _p(), _p()
    opt = SGD([a, b], lr=0.1)
    a.grad = am.tensor([1.0, 1.0])
    b.grad = am.tensor([1.0])  # would broadcast silently in numpy
    with pytest.raises(ValueError, match=r"shape \(2,\).*\(1,\)"):
        opt.step()
    np.testing.assert_array_equal(a.data, [1.0, 2.0])
    b.grad = np.ones(2)  # an ndarray, not a Tensor
    with pytest.raises(TypeError, match="ndarray"):
        opt.step()
    np.testing.assert_array_equal(a.data, [1.0, 2.0])


# -- state dicts -------------------------------------------------------------------------------

OPTIMIZERS = [
    (SGD, dict(lr=0.1, momentum=0.9, nesterov=True)),
    (Adam, dict(lr=0.05, amsgrad=True)),
    (AdamW, dict(lr=0.05, weight_decay=0.1)),
    (RMSprop, dict(lr=0.01, momentum=0.5, centered=True)),
]


@pytest.mark.parametrize("cls, kwargs", OPTIMIZERS)
def test_state_dict_round_trip_continues_identically(cls, kwargs, tmp_path):
    rng = np.random.default_rng(3)
    init = [rng.standard_normal(s) for s in SHAPES]
    grads = [[rng.standard_normal(s) for s in SHAPES] for _ in range(6)]

    def steps(opt, params, gs_list):
        for gs in gs_list:
            for p, g in zip(params, gs):
                p.grad = am.tensor(g)
            opt.step()

    pa = [am.tensor(a, requires_grad=True) for a in init]
    oa = cls([{"params": pa[:1]}, {"params": pa[1:], "lr": kwargs["lr"] / 2}], **kwargs)
    steps(oa, pa, grads[:3])
    path = tmp_path / "opt.npz"
    am.save(oa.state_dict(), path)

    pb = [am.tensor(p.data.copy(), requires_grad=True) for p in pa]
    ob = cls([{"params": pb[:1]}, {"params": pb[1:]}], lr=1.0)  # other lrs: loaded from the file
    ob.load_state_dict(am.load(path))
    assert ob.param_groups[1]["lr"] == kwargs["lr"] / 2
    steps(oa, pa, grads[3:])
    steps(ob, pb, grads[3:])
    for a, b in zip(pa, pb):
        np.testing.assert_array_equal(a.data, b.data)


def test_state_dict_layout_and_copies():
    p, q = _p(), _p()
    opt = Adam([p, q], lr=0.1)
    p.grad = am.tensor([1.0, 1.0])
    opt.step()
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert list(sd["state"]) == [0]  # q has no state yet
    assert set(sd["state"][0]) == {"step", "exp_avg", "exp_avg_sq"} and sd["state"][0]["step"] == 1
    assert sd["param_groups"][0]["params"] == [0, 1]
    assert sd["param_groups"][0]["lr"] == 0.1
    sd["state"][0]["exp_avg"][:] = 123.0  # a snapshot: does not reach the optimizer
    assert opt.state[p]["exp_avg"][0] != 123.0


def test_load_state_dict_errors_change_nothing():
    p = _p()
    opt = SGD([p], lr=0.1, momentum=0.9)
    p.grad = am.tensor([1.0, 1.0])
    opt.step()
    good = opt.state_dict()
    bad_cases = [
        ({"state": {}}, "keys"),
        ({**good, "param_groups": good["param_groups"] * 2}, "2 param groups"),
        ({**good, "param_groups": [{**good["param_groups"][0], "params": [0, 1]}]}, "2 parameters"),
        ({**good, "state": {0: {"momentum_buffer": np.zeros(3)}}}, r"shape \(3,\)"),
        ({**good, "state": {0: {"exp_avg": np.zeros(2)}}}, "unknown state entry 'exp_avg'"),
        ({**good, "state": {5: {"momentum_buffer": np.zeros(2)}}}, "parameter 5"),
        ({**good, "param_groups": [{**good["param_groups"][0], "lr": -1.0}]}, "lr"),
    ]
    for bad, match in bad_cases:
        with pytest.raises(ValueError, match=match):
            opt.load_state_dict(bad)
    assert opt.param_groups[0]["lr"] == 0.1
    np.testing.assert_array_equal(opt.state[p]["momentum_buffer"], [1.0, 1.0])


# -- learning-rate schedules ----------------------------------------------------------------------


def _opt_two_groups():
    return SGD([{"params": [_p()]}, {"params": [_p()], "lr": 0.3}], lr=0.1)


def test_step_lr_closed_form():
    opt = _opt_two_groups()
    sched = StepLR(opt, step_size=3, gamma=0.5)
    seen = [sched.get_last_lr()]
    for _ in range(10):
        opt.step()
        sched.step()
        seen.append(sched.get_last_lr())
        assert [g["lr"] for g in opt.param_groups] == seen[-1]
    for epoch, lrs in enumerate(seen):
        np.testing.assert_allclose(lrs, [0.1 * 0.5 ** (epoch // 3), 0.3 * 0.5 ** (epoch // 3)], rtol=1e-15)
    assert seen[3] == pytest.approx([0.05, 0.15]) and seen[2] == pytest.approx([0.1, 0.3])


@pytest.mark.parametrize("eta_min", [0.0, 0.01])
def test_cosine_annealing_closed_form(eta_min):
    opt = _opt_two_groups()
    sched = CosineAnnealingLR(opt, T_max=5, eta_min=eta_min)
    seen = [sched.get_last_lr()]
    for _ in range(5):
        sched.step()
        seen.append(sched.get_last_lr())
    for t, lrs in enumerate(seen):
        want = [eta_min + (b - eta_min) * (1 + math.cos(math.pi * t / 5)) / 2 for b in (0.1, 0.3)]
        np.testing.assert_allclose(lrs, want, rtol=1e-14)
    assert seen[0] == [0.1, 0.3]
    np.testing.assert_allclose(seen[5], [eta_min, eta_min], atol=1e-17)
    assert opt.param_groups[1]["lr"] == seen[5][1]


def test_cosine_annealing_from_a_zero_rate_never_goes_negative_and_its_state_dicts_load():
    # (base_lr 0 below eta_min: the chained rounding past T_max ended at -5.6e-17,
    # which SGD's and the schedule's load_state_dict then refused)
    p = am.nn.Parameter(np.ones(2))
    opt = SGD([p], lr=0.0)
    sched = CosineAnnealingLR(opt, T_max=3, eta_min=0.1)
    rates = []
    for _ in range(30):
        opt.step()
        sched.step()
        rates.append(opt.param_groups[0]["lr"])
    assert min(rates) == 0.0 and rates[5] == 0.0  # (epoch 6 = 2 T_max: back at base_lr)
    closed = [0.1 - 0.1 * (1 + math.cos(math.pi * t / 3)) / 2 for t in range(1, 31)]
    np.testing.assert_allclose(rates, closed, atol=1e-15)
    opt2 = SGD([p], lr=0.0)
    opt2.load_state_dict(opt.state_dict())
    sched2 = CosineAnnealingLR(opt2, T_max=3, eta_min=0.1)
    sched2.load_state_dict(sched.state_dict())
    assert sched2.get_last_lr() == sched.get_last_lr()


def test_scheduler_state_dict_round_trip():
    opt = _opt_two_groups()
    sched = StepLR(opt, step_size=2, gamma=0.1)
    for _ in range(3):
        sched.step()
    sd = sched.state_dict()
    opt2 = _opt_two_groups()
    sched2 = StepLR(opt2, step_size=7)
    sched2.load_state_dict(sd)
    assert sched2.get_last_lr() == sched.get_last_lr()
    sched.step()
    sched2.step()
    assert sched2.get_last_lr() == sched.get_last_lr() == [g["lr"] for g in opt2.param_groups]
    with pytest.raises(ValueError, match="keys"):
        sched2.load_state_dict({"last_epoch": 1})


@pytest.mark.parametrize("make, exc, message", [
    (lambda o: StepLR(o, step_size=0), ValueError, "StepLR: step_size must be a positive integer, got 0"),
    (lambda o: StepLR(o, step_size=2.5), ValueError, "StepLR: step_size must be a positive integer, got 2.5"),
    (lambda o: StepLR(o, step_size=2, gamma=-1.0), ValueError,
     "StepLR: gamma must be a finite positive number, got -1.0"),
    (lambda o: StepLR(o, step_size=2, gamma=0.0), ValueError,
     "StepLR: gamma must be a finite positive number, got 0.0"),
    (lambda o: CosineAnnealingLR(o, T_max=0), ValueError, "CosineAnnealingLR: T_max must be a positive integer, got 0"),
    (lambda o: CosineAnnealingLR(o, T_max=10, eta_min=-1.0), ValueError,
     "CosineAnnealingLR: eta_min must be a finite number >= 0, got -1.0"),
    (lambda o: StepLR("not an optimizer", step_size=2), TypeError, "StepLR: expected an Optimizer, got str"),
])
def test_scheduler_validation(make, exc, message):
    opt = _opt_two_groups()
    with pytest.raises(exc, match=re.escape(message)):
        make(opt)
    assert opt.param_groups[0]["lr"] == 0.1


# -- found by a review ----------------------------------------------------------------


def test_adam_load_state_dict_rejects_incomplete_state_instead_of_half_stepping():
    a = am.tensor([1.0, 2.0], requires_grad=True)
    b = am.tensor([3.0], requires_grad=True)
    opt = am.optim.Adam([a, b], lr=0.1)
    a.grad, b.grad = am.tensor([1.0, 1.0]), am.tensor([1.0])
    opt.step()
    sd = opt.state_dict()
    sd["state"][1] = {"step": 1}  # truncated / hand-edited entry
    kept = opt.state_dict()
    with pytest.raises(ValueError, match=r"Adam.load_state_dict: the state of parameter 1 lacks \['exp_avg', 'exp_avg_sq'\]"):
        opt.load_state_dict(sd)
    assert opt.state_dict()["state"][1]["step"] == kept["state"][1]["step"] == 1
    np.testing.assert_array_equal(opt.state_dict()["state"][1]["exp_avg"], kept["state"][1]["exp_avg"])


def test_optimizer_accepts_model_with_frozen_layer():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    for p in model[0].parameters():
        p.requires_grad = False
    opt = am.optim.SGD(model.parameters(), lr=0.1)
    F.mse_loss(model(am.ones((4, 2))), am.zeros((4, 1))).backward()
    w0 = model[0].weight.numpy().copy()
    opt.step()
    np.testing.assert_array_equal(model[0].weight.numpy(), w0)


# -- found by a review of the numerics --------------------------------------------------


def test_adam_float32_huge_gradient_still_steps():
    p = am.nn.Parameter(np.ones(1, np.float32))
    opt = am.optim.Adam([p], lr=1e-3)
    p.grad = am.tensor(np.array([1e20], np.float32))
    opt.step()
    np.testing.assert_allclose(p.data[0], 1.0 - 1e-3, rtol=1e-6)


@pytest.mark.parametrize("eta_min", [0.0, 0.01])
def test_cosine_annealing_past_t_max_follows_the_closed_form(eta_min):
    opt = _opt_two_groups()
    sched = CosineAnnealingLR(opt, T_max=3, eta_min=eta_min)
    for t in range(1, 13):  # down, up, down, up: through the bottoms at 3 and 9
        sched.step()
        want = [eta_min + (b - eta_min) * (1 + math.cos(math.pi * t / 3)) / 2 for b in (0.1, 0.3)]
        np.testing.assert_allclose(sched.get_last_lr(), want, rtol=1e-12, atol=1e-17)


def test_two_schedulers_on_one_optimizer_compose():
    opt = _opt_two_groups()
    decay, cosine = StepLR(opt, step_size=2, gamma=0.5), CosineAnnealingLR(opt, T_max=6)
    for epoch in range(1, 7):
        opt.step()
        decay.step()
        cosine.step()
        factor = 0.5 ** (epoch // 2) * (1 + math.cos(math.pi * epoch / 6)) / 2
        np.testing.assert_allclose([g["lr"] for g in opt.param_groups], [0.1 * factor, 0.3 * factor],
                                   rtol=1e-12, atol=1e-17)
        if epoch == 3:  # a chained pair resumes from its state dicts
            states = decay.state_dict(), cosine.state_dict()
            opt2 = _opt_two_groups()
            decay2, cosine2 = StepLR(opt2, step_size=2, gamma=0.5), CosineAnnealingLR(opt2, T_max=6)
            decay2.load_state_dict(states[0])
            cosine2.load_state_dict(states[1])
    for _ in range(3):
        decay2.step()
        cosine2.step()
    assert [g["lr"] for g in opt2.param_groups] == [g["lr"] for g in opt.param_groups]


def test_a_schedule_continues_from_a_rate_set_by_hand():
    opt = _opt_two_groups()
    sched = StepLR(opt, step_size=2, gamma=0.5)
    sched.step()
    opt.param_groups[0]["lr"] = 1.0  # as in PyTorch, the schedule moves the current rate
    sched.step()
    assert sched.get_last_lr() == [0.5, 0.15]


def _adam_after_one_step():
    p = _p()
    opt = Adam([p], lr=0.1)
    p.grad = am.tensor([1.0, 1.0])
    opt.step()
    return p, opt


def test_malformed_state_dicts_are_refused_by_name_and_change_nothing():
    p, opt = _adam_after_one_step()
    good = opt.state_dict()
    entry = good["state"][0]
    bad_cases = [
        ({**good, "state": {0: {**entry, "step": "3"}}}, "Adam.load_state_dict: 'step' of parameter 0 must be a count >= 0, got '3'"),
        ({**good, "state": {0: {**entry, "step": True}}}, "Adam.load_state_dict: 'step' of parameter 0 must be a count >= 0, got True"),
        ({**good, "state": None}, "Adam.load_state_dict: 'state' must be a dict, got NoneType"),
        ({**good, "state": {0: None}}, "Adam.load_state_dict: the state of parameter 0 must be a dict, got NoneType"),
        ({**good, "state": {"a": entry}}, "Adam.load_state_dict: 'a' is not a parameter index"),
        ({**good, "param_groups": None}, "Adam.load_state_dict: 'param_groups' must be a list, got NoneType"),
        ({**good, "param_groups": [{**good["param_groups"][0], "params": 0}]},
         "Adam.load_state_dict: param group 0 is not a dict with a 'params' list"),
        ({**good, "param_groups": [{**good["param_groups"][0], "params": [None]}]},
         "Adam.load_state_dict: None is not a parameter index"),
        # (int() truncated these: 0.5 and True loaded as parameter 0)
        ({**good, "state": {0.5: entry}}, "Adam.load_state_dict: 0.5 is not a parameter index"),
        ({**good, "param_groups": [{**good["param_groups"][0], "params": [0.5]}]},
         "Adam.load_state_dict: 0.5 is not a parameter index"),
        ({**good, "param_groups": [{**good["param_groups"][0], "params": [True]}]},
         "Adam.load_state_dict: True is not a parameter index"),
    ]
    before = {k: np.copy(v) for k, v in opt.state[p].items()}
    for bad, message in bad_cases:
        with pytest.raises(ValueError, match="^" + re.escape(message)):
            opt.load_state_dict(bad)
    assert opt.param_groups[0]["lr"] == 0.1 and opt.state[p].keys() == before.keys()
    for k, v in before.items():
        np.testing.assert_array_equal(opt.state[p][k], v)
    opt.load_state_dict({**good, "state": {"0": entry}})  # (a str index, as a saved key may be, still loads)


def test_zero_grad_set_to_none_must_be_a_bool():
    p, opt = _adam_after_one_step()
    with pytest.raises(TypeError, match=re.escape("Adam.zero_grad: set_to_none must be True or False, got 'no'")):
        opt.zero_grad("no")
    model = nn.Linear(2, 1)
    with pytest.raises(TypeError, match=re.escape("zero_grad: set_to_none must be True or False, got 0")):
        model.zero_grad(0)
    assert p.grad is not None


def test_load_state_dict_keeps_private_copies_of_the_state():
    p, opt = _adam_after_one_step()
    saved = opt.state_dict()
    other = am.optim.Adam([p], lr=0.1)
    other.load_state_dict(saved)
    saved["state"][0]["exp_avg"][...] = 123.0  # (the caller's array, refilled after loading)
    assert not np.any(other.state[p]["exp_avg"] == 123.0)


def test_optimizer_state_of_objects_is_refused():
    _, opt = _adam_after_one_step()
    saved = opt.state_dict()
    saved["state"][0]["exp_avg"] = np.array([None, None])
    with pytest.raises(TypeError, match="Adam.load_state_dict: state 'exp_avg' of parameter 0 .* dtype object"):
        opt.load_state_dict(saved)


# -- found by a mutation test of the optimizers ----------------------------------------


def test_rmsprop_counts_its_steps_in_the_state_it_saves():
    p, q = _p(), _p()
    opt = RMSprop([{"params": [p]}, {"params": [q], "momentum": 0.5, "centered": True}])
    for n in range(1, 4):
        p.grad, q.grad = am.tensor([1.0, -2.0]), am.tensor([0.5, 0.5])
        opt.step()
        assert [s["step"] for s in opt.state_dict()["state"].values()] == [n, n]


def test_centered_rmsprop_stays_finite_when_rounding_makes_the_variance_negative():
    # With alpha = 1e-12 the running variance s - a^2 of the gradients 1.001, 1.0 is
    # about 1e-15 in exact arithmetic but rounds to -2.2e-16: the root of that is NaN.
    # The step must take it as 0 (then r = eps), as the rounding is the only cause.
    p = am.tensor([0.0], requires_grad=True)
    opt = RMSprop([p], lr=1e-9, alpha=1e-12, eps=1e-8, centered=True)
    want = 0.0
    s = a = 0.0
    for g in (1.001, 1.0):
        p.grad = am.tensor([g])
        opt.step()
        s = 1e-12 * s + ((1 - 1e-12) * g) * g
        a = 1e-12 * a + (1 - 1e-12) * g
        want -= 1e-9 * g / (math.sqrt(max(s - a * a, 0.0)) + 1e-8)
    assert s - a * a < 0  # (the case this test is about)
    assert np.isfinite(p.data).all()
    assert p.data[0] == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("alpha", [0.0, 1.0])
def test_rmsprop_alpha_may_be_either_end_of_its_interval(alpha):
    assert RMSprop([_p()], alpha=alpha).param_groups[0]["alpha"] == alpha
    with pytest.raises(ValueError, match="alpha"):
        RMSprop([_p()], alpha=1.0 + 1e-12)


@pytest.mark.parametrize("make", [
    lambda ps: SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.5),
    lambda ps: Adam(ps, lr=0.1, weight_decay=0.5),
    lambda ps: AdamW(ps, lr=0.1),
    lambda ps: RMSprop(ps, weight_decay=0.5),
])
def test_optimizer_zero_grad_with_zeros_leaves_a_frozen_parameters_none_alone(make):
    # A zero gradient is not no gradient: with weight decay a step would still move
    # the parameter, so zeros are only written where there was a gradient (as in PyTorch).
    trained, frozen = _p(), _p()
    opt = make([trained, frozen])
    trained.grad = am.tensor([1.0, 1.0])
    opt.zero_grad(set_to_none=False)
    assert frozen.grad is None
    np.testing.assert_array_equal(trained.grad.data, [0.0, 0.0])
    opt.step()
    np.testing.assert_array_equal(frozen.data, [1.0, 2.0])
    assert frozen not in opt.state


def test_a_parameter_with_a_gradient_is_checked_and_stepped_even_if_it_no_longer_requires_grad():
    # (the docstring's rule, and PyTorch's: the step looks at .grad, not at requires_grad)
    p = _p()
    opt = SGD([p], lr=0.5)
    p.grad = am.tensor([1.0, 1.0])
    p.requires_grad = False
    opt.step()
    np.testing.assert_array_equal(p.data, [0.5, 1.5])
    p.grad = am.tensor([1.0])  # and its gradient is checked as any other's (it would broadcast)
    with pytest.raises(ValueError, match=r"parameter 0 of group 0 has shape \(2,\) but its .grad has shape \(1,\)"):
        opt.step()
    np.testing.assert_array_equal(p.data, [0.5, 1.5])


def test_load_state_dict_refuses_a_negative_step_and_a_complex_moment():
    p, opt = _adam_after_one_step()
    good = opt.state_dict()
    entry = good["state"][0]
    # a step of -1 would make the next step's bias correction 1 - beta**0 = 0: a division by 0
    with pytest.raises(ValueError, match=re.escape("'step' of parameter 0 must be a count >= 0, got -1")):
        opt.load_state_dict({**good, "state": {0: {**entry, "step": -1}}})
    # (a complex moment cast to the real parameter would silently lose its imaginary part)
    with pytest.raises(TypeError, match="state 'exp_avg' of parameter 0 must be a real numeric array"):
        opt.load_state_dict({**good, "state": {0: {**entry, "exp_avg": entry["exp_avg"] + 1j}}})
    assert opt.state[p]["step"] == 1
    np.testing.assert_array_equal(opt.state[p]["exp_avg"], entry["exp_avg"])


def test_a_scheduler_made_later_keeps_the_groups_initial_rates_as_its_base():
    opt = _opt_two_groups()
    decay = StepLR(opt, step_size=1, gamma=0.5)
    decay.step()
    assert [g["lr"] for g in opt.param_groups] == [0.05, 0.15]
    cosine = CosineAnnealingLR(opt, T_max=4)  # (added to a run under way: "initial_lr" is kept)
    assert cosine.base_lrs == decay.base_lrs == [0.1, 0.3]
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.3]
    assert cosine.get_last_lr() == [0.05, 0.15]


def test_scheduler_load_state_dict_restores_the_base_rates():
    opt = _opt_two_groups()
    sched = CosineAnnealingLR(opt, T_max=2)
    sched.step()
    other = SGD([{"params": [_p()]}, {"params": [_p()], "lr": 2.0}], lr=1.0)
    resumed = CosineAnnealingLR(other, T_max=2)
    resumed.load_state_dict(sched.state_dict())
    assert resumed.base_lrs == [0.1, 0.3]
    for t in range(2, 6):  # past T_max the rise is measured from the base rates
        sched.step()
        resumed.step()
        want = [b * (1 + math.cos(math.pi * t / 2)) / 2 for b in (0.1, 0.3)]
        np.testing.assert_allclose(resumed.get_last_lr(), want, rtol=1e-12, atol=1e-17)
        assert resumed.get_last_lr() == sched.get_last_lr()


def test_get_last_lr_returns_a_copy_the_caller_may_change():
    opt = SGD([am.zeros(1, requires_grad=True)], lr=1.0)
    sched = StepLR(opt, step_size=1, gamma=0.5)
    sched.step()
    rates = sched.get_last_lr()
    rates[0] = 123.0
    assert sched.get_last_lr() == [0.5]
    assert sched.state_dict()["_last_lr"] == [0.5]


@pytest.mark.parametrize("key", ["base_lrs", "_last_lr"])
def test_scheduler_load_state_dict_refuses_an_infinite_rate(key):
    opt = SGD([am.zeros(1, requires_grad=True)], lr=1.0)
    sched = StepLR(opt, step_size=1, gamma=0.5)
    state = sched.state_dict()
    state[key] = [math.inf]
    with pytest.raises(ValueError, match=f"{key} must hold finite rates"):
        sched.load_state_dict(state)
    assert opt.param_groups[0]["lr"] == 1.0 and sched.base_lrs == [1.0]


def test_step_lr_decays_by_a_tenth_by_default():
    opt = SGD([am.zeros(1, requires_grad=True)], lr=2.0)
    sched = StepLR(opt, step_size=2)
    rates = []
    for _ in range(4):
        sched.step()
        rates.append(opt.param_groups[0]["lr"])
    np.testing.assert_allclose(rates, [2.0, 0.2, 0.2, 0.02], rtol=1e-12)


# -- found by a review with PyTorch habits ----------------------------------------------


def test_scheduler_step_before_the_first_optimizer_step_warns_once():
    # PyTorch warns for this order too: the first epoch would train at the second rate.
    p = am.zeros(1, requires_grad=True)
    opt = SGD([p], lr=1.0)
    sched = StepLR(opt, step_size=1, gamma=0.5)
    with pytest.warns(UserWarning, match=r"StepLR\.step\(\) was called before SGD\.step\(\).*first rate is skipped") as rec:
        sched.step()
    assert [w.filename for w in rec] == [__file__]  # (the caller's line, not the library's)
    assert opt.param_groups[0]["lr"] == 0.5  # (the schedule still moves, as PyTorch's does)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched.step()  # (its first step has passed: no repeat)
        opt2 = SGD([am.zeros(1, requires_grad=True)], lr=1.0)
        sched2 = CosineAnnealingLR(opt2, T_max=4)
        opt2.step()  # (the right order: silent, even when no parameter had a gradient)
        sched2.step()


def test_an_optimizer_given_a_used_up_parameters_generator_says_so():
    model = nn.Linear(2, 1)
    params = model.parameters()
    SGD(params, lr=0.1)
    with pytest.raises(ValueError, match=r"Adam: got an empty parameter list \(an iterator that was "
                                         r"already used up\? call model\.parameters\(\) again\)"):
        Adam(params)
    with pytest.raises(ValueError, match=r"empty parameter list$"):  # (an empty list: no guess)
        SGD([], lr=0.1)


def test_a_group_added_after_the_scheduler_is_scheduled_too():
    # Progressive unfreezing: add_param_group after the scheduler was made. The new
    # group's rate stayed at 1.0 forever (the scheduler knew only the groups of its
    # constructor), and its state dict no longer loaded on the resumed optimizer.
    a, b = _p(), _p()
    opt = SGD([a], lr=1.0)
    sched = StepLR(opt, step_size=1, gamma=0.5)
    opt.add_param_group({"params": [b], "lr": 2.0})
    rates = []
    for _ in range(3):
        opt.step()
        sched.step()
        rates.append([g["lr"] for g in opt.param_groups])
    assert rates == [[0.5, 1.0], [0.25, 0.5], [0.125, 0.25]]  # (PyTorch's StepLR decays every group)
    assert sched.base_lrs == [1.0, 2.0] and opt.param_groups[1]["initial_lr"] == 2.0
    assert sched.get_last_lr() == [0.125, 0.25]
    resumed_opt = SGD([{"params": [_p()]}, {"params": [_p()]}], lr=1.0)
    resumed = StepLR(resumed_opt, step_size=1, gamma=0.5)
    resumed.load_state_dict(sched.state_dict())
    assert [g["lr"] for g in resumed_opt.param_groups] == [0.125, 0.25]


@pytest.mark.parametrize("source, target", [
    (lambda ps: SGD(ps, lr=0.5, momentum=0.9), lambda ps: Adam(ps, lr=0.1)),
    (lambda ps: Adam(ps, lr=0.5), lambda ps: SGD(ps, lr=0.1)),
    (lambda ps: SGD(ps, lr=0.5, momentum=0.9), lambda ps: RMSprop(ps, lr=0.1)),
    (lambda ps: RMSprop(ps, lr=0.5), lambda ps: Adam(ps, lr=0.1)),
])
def test_a_state_dict_of_another_optimizer_is_refused_before_anything_changes(source, target):
    # Before any step the state is empty, so only the groups tell the optimizers apart: an
    # SGD state dict loaded into Adam used to take SGD's lr and Adam's default betas silently.
    p = _p()
    saved = source([p]).state_dict()
    opt = target([p])
    with pytest.raises(ValueError, match=r"param group 0 lacks the options \[.*\] of .*: a state dict of another"):
        opt.load_state_dict(saved)
    assert opt.param_groups[0]["lr"] == 0.1
    assert set(opt.param_groups[0]) == {"params", *opt.defaults}


@pytest.mark.parametrize("layout", [[[0, 0]], [[0], [0]]])
def test_a_parameter_index_listed_twice_is_refused(layout):
    # Loading used to map the index to the later parameter: p's momentum went to q.
    ps = [_p(), _p()]
    groups = [{"params": ps}] if len(layout) == 1 else [{"params": [ps[0]]}, {"params": [ps[1]]}]
    opt = SGD(groups, lr=0.1, momentum=0.9)
    ps[0].grad = am.tensor([1.0, 1.0])
    opt.step()
    saved = opt.state_dict()
    for group, ids in zip(saved["param_groups"], layout):
        group["params"] = ids
    other = SGD(groups, lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match="SGD.load_state_dict: parameter index 0 is listed twice"):
        other.load_state_dict(saved)
    assert other.state == {}


@pytest.mark.parametrize("initial_lr", [math.nan, math.inf, -0.1, "0.1"])
def test_load_state_dict_refuses_a_bad_initial_lr_which_a_scheduler_would_start_from(initial_lr):
    # (unchecked, a NaN initial_lr became a CosineAnnealingLR's base rate, then every group's
    # lr, then every parameter: NaN after one step, with no error anywhere)
    p = _p()
    opt = SGD([p], lr=0.1)
    sd = opt.state_dict()
    sd["param_groups"][0]["initial_lr"] = initial_lr
    with pytest.raises((ValueError, TypeError), match=r"^SGD.load_state_dict: param group 0: (invalid )?initial_lr "):
        opt.load_state_dict(sd)
    assert "initial_lr" not in opt.param_groups[0] and opt.param_groups[0]["lr"] == 0.1


# -- found by differential fuzzing against PyTorch's formulas -----------------------------


def test_centered_rmsprop_steps_a_0d_parameter():
    # s - a * a of 0-d arrays is a numpy scalar, which np.maximum(..., out=) refused.
    p = am.tensor(1.0, requires_grad=True)
    q = am.tensor([1.0], requires_grad=True)
    opt = RMSprop([p, q], lr=0.1, alpha=0.99, centered=True)
    p.grad, q.grad = am.tensor(0.5), am.tensor([0.5])
    opt.step()
    s, a = (1 - 0.99) * 0.5 * 0.5, (1 - 0.99) * 0.5  # square_avg, grad_avg after one step from 0
    want = 1.0 - 0.1 * (0.5 / (math.sqrt(s - a * a) + 1e-8))
    assert p.data.shape == ()
    np.testing.assert_allclose(p.data, want, rtol=1e-15)
    assert p.data == q.data[0]


@pytest.mark.parametrize("dtype, g", [(np.float32, 1e20), (np.float64, 1e200)])
def test_centered_rmsprop_overflowing_mean_square_does_not_step_to_nan(dtype, g):
    # alpha = 0.5: square_avg = (0.5 g) g and grad_avg**2 = (0.5 g)**2 both overflow to inf,
    # and inf - inf made the step NaN. The root of the variance is then beyond range:
    # the step g / inf is 0 (PyTorch's fused square_avg - grad_avg**2 gives inf too).
    p = am.tensor(np.array([1.0, 2.0], dtype), requires_grad=True)
    opt = RMSprop([p], lr=0.1, alpha=0.5, centered=True)
    p.grad = am.tensor(np.array([g, 1.0], dtype))
    with np.errstate(over="ignore"), warnings.catch_warnings():
        warnings.simplefilter("error")  # (no 'invalid value' either: no NaN is made on the way)
        opt.step()
    # the second entry: s = 0.5, a = 0.5, r = sqrt(0.5 - 0.25) + eps
    want = 2.0 - 0.1 * (1.0 / (math.sqrt(0.25) + 1e-8))
    np.testing.assert_allclose(p.data, [1.0, want], rtol=1e-6 if dtype == np.float32 else 1e-15)


@pytest.mark.parametrize("eta_min", [0.0, 0.01])
def test_cosine_annealing_rounds_its_recurrence_as_pytorch(eta_min):
    # PyTorch's chainable step: ratio of consecutive cosine factors first, then times
    # (lr - eta_min), then + eta_min. Another order differed by an ulp from epoch 3 on.
    opt = _opt_two_groups()
    sched = CosineAnnealingLR(opt, T_max=10, eta_min=eta_min)
    lrs = [0.1, 0.3]
    for t in range(1, 25):  # through the bottom at 10, up, and down again
        sched.step()
        if (t - 1 - 10) % 20 == 0:
            lrs = [lr + (b - eta_min) * (1 - math.cos(math.pi / 10)) / 2 for lr, b in zip(lrs, (0.1, 0.3))]
        else:
            ratio = (1 + math.cos(math.pi * t / 10)) / (1 + math.cos(math.pi * (t - 1) / 10))
            lrs = [ratio * (lr - eta_min) + eta_min for lr in lrs]
        assert sched.get_last_lr() == lrs == [g["lr"] for g in opt.param_groups], t


# -- MultiStepLR, ExponentialLR, LinearLR, LambdaLR, ReduceLROnPlateau -------------------------


def _rates(opt):
    return [g["lr"] for g in opt.param_groups]


def _run(opt, sched, epochs):
    """The groups' rates after each of `epochs` epochs (epoch 0, the constructor's, first)."""
    seen = [_rates(opt)]
    for _ in range(epochs):
        opt.step()
        sched.step()
        assert sched.get_last_lr() == _rates(opt)
        seen.append(_rates(opt))
    return seen


def test_multistep_lr_closed_form_with_a_repeated_milestone():
    opt = _opt_two_groups()
    seen = _run(opt, MultiStepLR(opt, milestones=[30, 5, 12, 12], gamma=0.5), 40)
    for t, lrs in enumerate(seen):
        n = sum(m <= t for m in (5, 12, 12, 30))  # (12 listed twice: gamma ** 2 there, as PyTorch's Counter)
        np.testing.assert_allclose(lrs, [0.1 * 0.5 ** n, 0.3 * 0.5 ** n], rtol=1e-15)
    assert seen[4] == [0.1, 0.3] and seen[5] == [0.05, 0.15] and seen[12] == [0.0125, 0.0375]


def test_multistep_lr_default_gamma_and_a_milestone_at_zero():
    opt = _opt_two_groups()
    sched = MultiStepLR(opt, milestones=range(0, 4, 3))  # (any iterable; 0 decays at construction, as PyTorch)
    assert sched.get_last_lr() == _rates(opt) == [0.1 * 0.1, 0.3 * 0.1] and sched.base_lrs == [0.1, 0.3]
    seen = _run(opt, sched, 20)
    np.testing.assert_allclose(seen[3], [0.1 * 0.01, 0.3 * 0.01], rtol=1e-15)
    assert seen[20] == seen[3] and sched.state_dict()["milestones"] == [0, 3]


def test_exponential_lr_closed_form():
    opt = _opt_two_groups()
    seen = _run(opt, ExponentialLR(opt, gamma=0.9), 50)
    for t, lrs in enumerate(seen):
        np.testing.assert_allclose(lrs, [0.1 * 0.9 ** t, 0.3 * 0.9 ** t], rtol=1e-14)
    assert seen[0] == [0.1, 0.3] and seen[1] == [0.1 * 0.9, 0.3 * 0.9]


@pytest.mark.parametrize("start, end, total", [(0.1, 1.0, 10), (1 / 3, 1.0, 5), (1.0, 0.25, 7), (0.5, 0.5, 3)])
def test_linear_lr_closed_form(start, end, total):
    opt = _opt_two_groups()
    seen = _run(opt, LinearLR(opt, start_factor=start, end_factor=end, total_iters=total), 30)
    for t, lrs in enumerate(seen):
        factor = start + (end - start) * min(t, total) / total
        np.testing.assert_allclose(lrs, [0.1 * factor, 0.3 * factor], rtol=1e-14)
    assert seen[0] == [0.1 * start, 0.3 * start]  # (set by the constructor, as PyTorch's)
    assert seen[total:] == [seen[total]] * (31 - total)  # (constant after total_iters)


def test_linear_lr_defaults_are_the_usual_warmup():
    opt = SGD([am.zeros(1, requires_grad=True)], lr=0.3)
    seen = _run(opt, LinearLR(opt), 8)
    np.testing.assert_allclose([r[0] for r in seen], [0.1, 0.14, 0.18, 0.22, 0.26, 0.3, 0.3, 0.3, 0.3], rtol=1e-14)


def test_linear_lr_decay_to_zero_ends_at_zero_not_below():
    # (PyTorch's recurrence ends at -1.85e-18 here: 1 + (0 - s) / (s rounded) is below 0)
    opt = _opt_two_groups()
    seen = _run(opt, LinearLR(opt, end_factor=0.0, total_iters=4), 20)
    assert seen[4:] == [[0.0, 0.0]] * 17
    assert all(lr >= 0.0 for lrs in seen for lr in lrs)
    np.testing.assert_allclose(seen[2], [0.1 / 6, 0.3 / 6], rtol=1e-14)


class _Warmup:
    """A callable object: its state (the __dict__) goes into LambdaLR's state dict."""

    def __init__(self, epochs):
        self.epochs = epochs

    def __call__(self, epoch):
        return min(1.0, (epoch + 1) / self.epochs)


def test_lambda_lr_is_base_times_the_function():
    opt = _opt_two_groups()
    seen = _run(opt, LambdaLR(opt, lambda epoch: 0.95 ** epoch), 40)
    for t, lrs in enumerate(seen):
        assert lrs == [0.1 * 0.95 ** t, 0.3 * 0.95 ** t]  # (one product: the same float)
    opt = _opt_two_groups()
    seen = _run(opt, LambdaLR(opt, [lambda epoch: epoch // 10, _Warmup(4)]), 25)
    for t, lrs in enumerate(seen):
        assert lrs == [0.1 * (t // 10), 0.3 * min(1.0, (t + 1) / 4)]
    assert seen[0] == [0.0, 0.075]  # (epoch 0's rate, set by the constructor)


def test_lambda_lr_state_dict_saves_callable_objects_not_functions():
    opt = _opt_two_groups()
    sched = LambdaLR(opt, [lambda epoch: 0.9 ** epoch, _Warmup(10)])
    _run(opt, sched, 4)
    state = sched.state_dict()
    assert state["lr_lambdas"] == [None, {"epochs": 10}]
    opt2 = _opt_two_groups()
    sched2 = LambdaLR(opt2, [lambda epoch: 0.9 ** epoch, _Warmup(3)])
    sched2.load_state_dict(am.load(_saved(state)))
    assert sched2.lr_lambdas[1].epochs == 10 and sched2.get_last_lr() == sched.get_last_lr() == _rates(opt2)
    assert _run(opt2, sched2, 10)[1:] == _run(opt, sched, 10)[1:]
    for lambdas, message in [
        ([_Warmup(1), _Warmup(1)], "lr_lambdas[0] must be the __dict__ of the callable _Warmup (a dict with str keys), got None"),
        ([lambda e: 1.0, lambda e: 1.0], "lr_lambdas[1] holds the state of a callable object, but this scheduler's "
                                         "lr_lambda for group 1 is a plain function"),
    ]:
        opt3 = _opt_two_groups()
        other = LambdaLR(opt3, lambdas)
        with pytest.raises(ValueError, match=re.escape("LambdaLR.load_state_dict: " + message)):
            other.load_state_dict(state)
        assert other.last_epoch == 0 and _rates(opt3) == [0.1, 0.3] and vars(other.lr_lambdas[0]) != {"epochs": 10}


def _saved(state):
    import io
    buf = io.BytesIO()
    am.save(state, buf)
    buf.seek(0)
    return buf


@pytest.mark.parametrize("factor, exc, message", [
    (-0.5, ValueError, "LambdaLR: lr_lambda(3) of param group 0 returned -0.5: the rate 0.1 * -0.5 = -0.05 "
                       "is not a finite number >= 0"),
    (math.nan, ValueError, "LambdaLR: lr_lambda(3) of param group 0 returned nan"),
    (math.inf, ValueError, "LambdaLR: lr_lambda(3) of param group 0 returned inf"),
    ("0.5", TypeError, "LambdaLR: lr_lambda(3) of param group 0 must return a number, got '0.5'"),
    (None, TypeError, "LambdaLR: lr_lambda(3) of param group 0 must return a number, got None"),
])
def test_lambda_lr_refuses_a_factor_that_is_no_rate_and_changes_nothing(factor, exc, message):
    opt = _opt_two_groups()
    sched = LambdaLR(opt, lambda epoch: factor if epoch == 3 else 1.0)
    _run(opt, sched, 2)
    with pytest.raises(exc, match=re.escape(message)):
        sched.step()
    assert sched.last_epoch == 2 and _rates(opt) == sched.get_last_lr() == [0.1, 0.3]


@pytest.mark.parametrize("factor", [-1.0, math.nan, "1"])
def test_a_schedule_refused_at_construction_leaves_the_groups_as_they_were(factor):
    # (a stray "initial_lr" from the refused LambdaLR became the next schedule's base rate:
    # a LambdaLR made after the rate was set to 0.5 ran at 0.1)
    opt = _opt_two_groups()
    with pytest.raises((ValueError, TypeError), match=r"LambdaLR: lr_lambda\(0\) of param group 0"):
        LambdaLR(opt, lambda epoch: factor)
    assert all("initial_lr" not in g for g in opt.param_groups) and _rates(opt) == [0.1, 0.3]
    opt.param_groups[0]["lr"] = 0.5
    sched = LambdaLR(opt, lambda epoch: 1.0)
    assert sched.base_lrs == _rates(opt) == [0.5, 0.3]


def test_lambda_lr_and_a_param_group_added_later():
    opt = _opt_two_groups()
    sched = LambdaLR(opt, lambda epoch: 0.5)
    opt.add_param_group({"params": [_p()], "lr": 1.0})
    with pytest.raises(ValueError, match=r"LambdaLR: the optimizer has 3 param groups but the scheduler 2 lr_lambdas"):
        sched.step()
    assert sched.last_epoch == 0 and _rates(opt) == [0.05, 0.15, 1.0] and sched.base_lrs == [0.1, 0.3]
    sched.load_state_dict(sched.state_dict())  # (still consistent)


def _plateau_run(sched, opt, metrics):
    out = []
    for m in metrics:
        opt.step()
        sched.step(m)
        assert sched.get_last_lr() == _rates(opt)
        out.append(_rates(opt)[0])
    return out


def test_reduce_lr_on_plateau_by_hand():
    opt = SGD([_p()], lr=1.0)
    sched = ReduceLROnPlateau(opt, factor=0.5, patience=2)
    # epoch:    1    2    3    4    5    6    7    8    9   10   11   12   13
    metrics = [5.0, 4.0, 4.0, 4.0, 4.0, 3.0, 3.0, 2.9, 3.5, 3.5, 3.5, 3.5, 3.5]
    # bad:      0    0    1    2    3=>cut,0   0    1    0    1    2   3=>cut  1    2
    want = [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25]
    assert _plateau_run(sched, opt, metrics) == want
    assert sched.best == 2.9 and sched.num_bad_epochs == 2 and sched.last_epoch == 13


def test_reduce_lr_on_plateau_threshold_cooldown_min_lr_and_eps():
    # rel threshold: 0.99995 is not below 1.0 * (1 - 1e-4): no improvement; cooldown 2 skips two epochs
    opt = SGD([_p()], lr=1.0)
    sched = ReduceLROnPlateau(opt, factor=0.1, patience=0, cooldown=2, min_lr=0.005)
    got = _plateau_run(sched, opt, [1.0, 0.99995, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    assert got == [1.0, 0.1, 0.1, 0.1, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002,
                   0.005, 0.005, 0.005]
    # max mode, abs threshold 0.5: 1.4 is not above 1.0 + 0.5, 1.6 is
    opt = SGD([_p()], lr=1.0)
    sched = ReduceLROnPlateau(opt, mode="max", factor=0.5, patience=1, threshold=0.5, threshold_mode="abs")
    assert _plateau_run(sched, opt, [1.0, 1.4, 1.6, 1.7, 1.8]) == [1.0, 1.0, 1.0, 1.0, 0.5]
    # eps: a cut of eps or less is skipped
    opt = SGD([_p()], lr=1e-8)
    sched = ReduceLROnPlateau(opt, factor=0.5, patience=0)
    assert _plateau_run(sched, opt, [1.0, 2.0, 2.0]) == [1e-8, 1e-8, 1e-8]


def test_reduce_lr_on_plateau_several_groups_their_min_lrs_and_tensor_metrics():
    opt = _opt_two_groups()
    sched = ReduceLROnPlateau(opt, factor=0.5, patience=0, min_lr=[0.04, 0.0])
    assert "initial_lr" not in opt.param_groups[0]  # (as PyTorch's: it keeps no base rates)
    for m in [am.tensor(1.0), np.float32(1.0), np.array([1.0]), 1]:
        opt.step()
        sched.step(m)
    assert _rates(opt) == [0.04, 0.3 * 0.5 ** 3]
    with pytest.raises(TypeError, match=re.escape("ReduceLROnPlateau.step: metrics must be a number (or a "
                                                  "one-element tensor), got Tensor of shape (2,)")):
        sched.step(am.tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match="got str"):
        sched.step("1.0")
    assert sched.last_epoch == 4
    opt.add_param_group({"params": [_p()], "lr": 1.0})
    with pytest.raises(ValueError, match="ReduceLROnPlateau.step: the optimizer has 3 param groups but min_lr lists 2"):
        sched.step(2.0)
    assert sched.last_epoch == 4
    opt = SGD([_p()], lr=1.0)
    sched = ReduceLROnPlateau(opt, factor=0.5, patience=0, min_lr=0.1)
    opt.add_param_group({"params": [_p()], "lr": 1.0})  # (one min_lr for all: the new group gets it too)
    _plateau_run(sched, opt, [1.0] * 6)
    assert _rates(opt) == [0.1, 0.1]


def test_reduce_lr_on_plateau_nan_metric_is_a_bad_epoch_as_in_pytorch():
    opt = SGD([_p()], lr=1.0)
    sched = ReduceLROnPlateau(opt, factor=0.5, patience=1)
    assert _plateau_run(sched, opt, [1.0, math.nan, math.nan, 0.5]) == [1.0, 1.0, 0.5, 0.5]
    assert sched.best == 0.5


_SCHEDULES = [
    lambda o: MultiStepLR(o, milestones=[3, 7, 7, 20], gamma=0.5),
    lambda o: ExponentialLR(o, gamma=0.93),
    lambda o: LinearLR(o, start_factor=0.2, end_factor=0.9, total_iters=12),
    lambda o: LambdaLR(o, [lambda e: 0.97 ** e, _Warmup(8)]),
]


@pytest.mark.parametrize("make", _SCHEDULES)
def test_new_schedules_resume_from_a_state_dict_mid_schedule_identically(make):
    opt = _opt_two_groups()
    sched = make(opt)
    _run(opt, sched, 9)
    state = sched.state_dict()
    opt2 = SGD([{"params": [_p()]}, {"params": [_p()], "lr": 5.0}], lr=2.0)  # (other rates: all restored)
    resumed = make(opt2)
    resumed.load_state_dict(am.load(_saved(state)))
    assert resumed.get_last_lr() == sched.get_last_lr() == _rates(opt2) and resumed.last_epoch == 9
    assert _run(opt2, resumed, 30)[1:] == _run(opt, sched, 30)[1:]


def test_reduce_lr_on_plateau_resumes_from_a_state_dict_identically():
    metrics = [3.0, 2.0, 2.0, 2.5, 1.0, 1.0, 1.0, 1.0, 1.2, 0.9, 0.9, 0.9, 0.9, 0.9] * 3
    opt = _opt_two_groups()
    sched = ReduceLROnPlateau(opt, factor=0.3, patience=1, cooldown=1, min_lr=[0.0, 0.01])
    _plateau_run(sched, opt, metrics[:7])  # (cuts at epochs 4 and 7: mid-cooldown)
    state = sched.state_dict()
    assert state["num_bad_epochs"] == 0 and state["cooldown_counter"] == 1 and state["best"] == 1.0
    opt2 = _opt_two_groups()
    resumed = ReduceLROnPlateau(opt2)
    resumed.load_state_dict(am.load(_saved(state)))
    assert _rates(opt2) == _rates(opt) == [0.1 * 0.3 * 0.3, 0.3 * 0.3 * 0.3]
    assert _plateau_run(resumed, opt2, metrics[7:]) == _plateau_run(sched, opt, metrics[7:])
    assert _rates(opt2) == _rates(opt) and min(_rates(opt)) > 0


@pytest.mark.parametrize("make, exc, message", [
    (lambda o: MultiStepLR(o, milestones=5), ValueError,
     "MultiStepLR: milestones must be a list of epoch indices (integers >= 0), got 5"),
    (lambda o: MultiStepLR(o, milestones=[3, 2.5]), ValueError,
     "MultiStepLR: milestones must be a list of epoch indices (integers >= 0), got [3, 2.5]"),
    (lambda o: MultiStepLR(o, milestones=[-1]), ValueError,
     "MultiStepLR: milestones must be a list of epoch indices (integers >= 0), got [-1]"),
    (lambda o: MultiStepLR(o, milestones=[2], gamma=0.0), ValueError,
     "MultiStepLR: gamma must be a finite positive number, got 0.0"),
    (lambda o: ExponentialLR(o, gamma=-0.9), ValueError, "ExponentialLR: gamma must be a finite positive number, got -0.9"),
    (lambda o: ExponentialLR(o, gamma=math.nan), ValueError, "ExponentialLR: gamma must be a finite positive number, got nan"),
    (lambda o: LinearLR(o, start_factor=0.0), ValueError, "LinearLR: start_factor must be a number in (0, 1], got 0.0"),
    (lambda o: LinearLR(o, start_factor=1.5), ValueError, "LinearLR: start_factor must be a number in (0, 1], got 1.5"),
    (lambda o: LinearLR(o, end_factor=-0.1), ValueError, "LinearLR: end_factor must be a number in [0, 1], got -0.1"),
    (lambda o: LinearLR(o, total_iters=0), ValueError, "LinearLR: total_iters must be a positive integer, got 0"),
    (lambda o: LambdaLR(o, 0.5), TypeError, "LambdaLR: lr_lambda must be a function of the epoch (or a list of them), got float"),
    (lambda o: LambdaLR(o, [lambda e: 1.0]), ValueError, "LambdaLR: expected 2 lr_lambdas (one per param group), got 1"),
    (lambda o: LambdaLR(o, lambda e: -1.0), ValueError, "LambdaLR: lr_lambda(0) of param group 0 returned -1.0"),
    (lambda o: ReduceLROnPlateau(o, mode="minimum"), ValueError, "ReduceLROnPlateau: mode must be 'min' or 'max', got 'minimum'"),
    (lambda o: ReduceLROnPlateau(o, factor=1.0), ValueError, "ReduceLROnPlateau: factor must be a number in [0, 1), got 1.0"),
    (lambda o: ReduceLROnPlateau(o, patience=-1), ValueError, "ReduceLROnPlateau: patience must be an integer >= 0, got -1"),
    (lambda o: ReduceLROnPlateau(o, threshold_mode="relative"), ValueError,
     "ReduceLROnPlateau: threshold_mode must be 'rel' or 'abs', got 'relative'"),
    (lambda o: ReduceLROnPlateau(o, threshold=-1e-4), ValueError,
     "ReduceLROnPlateau: threshold must be a number in [0, inf), got -0.0001"),
    (lambda o: ReduceLROnPlateau(o, cooldown=1.5), ValueError, "ReduceLROnPlateau: cooldown must be an integer >= 0, got 1.5"),
    (lambda o: ReduceLROnPlateau(o, min_lr=-1.0), ValueError, "ReduceLROnPlateau: min_lr must be a number in [0, inf), got -1.0"),
    (lambda o: ReduceLROnPlateau(o, min_lr=[0.0]), ValueError, "ReduceLROnPlateau: expected 2 min_lrs (one per param group), got 1"),
    (lambda o: ReduceLROnPlateau(o, eps=math.inf), ValueError, "ReduceLROnPlateau: eps must be a number in [0, inf), got inf"),
    (lambda o: ReduceLROnPlateau("opt"), TypeError, "ReduceLROnPlateau: expected an Optimizer, got str"),
    (lambda o: MultiStepLR("opt", [1]), TypeError, "MultiStepLR: expected an Optimizer, got str"),
])
def test_new_schedules_validate_their_arguments(make, exc, message):
    opt = _opt_two_groups()
    with pytest.raises(exc, match=re.escape(message)):
        make(opt)
    assert _rates(opt) == [0.1, 0.3]


@pytest.mark.parametrize("make, change, message", [
    (_SCHEDULES[0], {"milestones": [1, -2]}, "MultiStepLR.load_state_dict: milestones must be a list"),
    (_SCHEDULES[0], {"milestones": None}, "MultiStepLR.load_state_dict: milestones must be a list"),
    (_SCHEDULES[1], {"gamma": 0.0}, "ExponentialLR.load_state_dict: gamma must be a finite positive number"),
    (_SCHEDULES[1], {"_last_lr": [0.1, -0.3]}, "ExponentialLR.load_state_dict: _last_lr must hold finite rates >= 0"),
    (_SCHEDULES[2], {"total_iters": 0}, "LinearLR.load_state_dict: total_iters must be a positive integer"),
    (_SCHEDULES[2], {"start_factor": "0.2"}, "LinearLR.load_state_dict: start_factor must be a number in (0, 1]"),
    (_SCHEDULES[3], {"lr_lambdas": [None]}, "LambdaLR.load_state_dict: lr_lambdas must be a list of 2 entries"),
    (_SCHEDULES[3], {"lr_lambdas": [None, {1: 2}]}, "LambdaLR.load_state_dict: lr_lambdas[1] must be the __dict__"),
    (_SCHEDULES[3], {"last_epoch": -1}, "LambdaLR.load_state_dict: last_epoch must be an integer >= 0"),
    (_SCHEDULES[3], {"extra": 1}, "LambdaLR.load_state_dict: expected keys"),
    (lambda o: ReduceLROnPlateau(o), {"mode": "mid"}, "ReduceLROnPlateau.load_state_dict: mode must be 'min' or 'max'"),
    (lambda o: ReduceLROnPlateau(o), {"best": math.nan}, "ReduceLROnPlateau.load_state_dict: best must be a number"),
    (lambda o: ReduceLROnPlateau(o), {"num_bad_epochs": -1},
     "ReduceLROnPlateau.load_state_dict: num_bad_epochs must be an integer >= 0"),
    (lambda o: ReduceLROnPlateau(o), {"_last_lr": [0.1, math.inf]},
     "ReduceLROnPlateau.load_state_dict: _last_lr must be a number in [0, inf)"),
    (lambda o: ReduceLROnPlateau(o), {"_last_lr": [0.1]},
     "ReduceLROnPlateau.load_state_dict: _last_lr must be a list of 2 rates"),
    (lambda o: ReduceLROnPlateau(o), {"min_lrs": [0.0], "default_min_lr": None},
     "ReduceLROnPlateau.load_state_dict: min_lrs must hold 2 rates"),
    (lambda o: ReduceLROnPlateau(o), {"factor": 2.0}, "ReduceLROnPlateau.load_state_dict: factor must be a number in [0, 1)"),
])
def test_new_schedules_refuse_a_bad_state_dict_and_change_nothing(make, change, message):
    opt = _opt_two_groups()
    sched = make(opt)
    opt.step()
    sched.step(1.0) if isinstance(sched, ReduceLROnPlateau) else sched.step()
    state = sched.state_dict()
    before, rates = dict(vars(sched)), _rates(opt)
    opt.param_groups[0]["lr"] = 0.7
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        sched.load_state_dict({**state, **change})
    assert vars(sched) == before and _rates(opt) == [0.7, rates[1]]
    sched.load_state_dict(state)
    assert _rates(opt) == rates


def test_cosine_annealing_clamp_keeps_a_nan_rate_nan():
    # (the clamp to >= 0 read "lr if lr >= 0.0 else 0.0", which made a NaN rate,
    # one written into param_groups by hand, a silent 0.0 that stopped training)
    p = am.nn.Parameter(np.ones(2))
    opt = SGD([p], lr=0.1)
    sched = CosineAnnealingLR(opt, T_max=4)
    opt.step()
    opt.param_groups[0]["lr"] = float("nan")
    sched.step()
    assert math.isnan(opt.param_groups[0]["lr"])


def test_a_refused_step_leaves_a_group_added_since_as_it_was():
    # (as the constructor: the group added later got "initial_lr" from the refused step,
    # which became the next schedule's base rate after the user set the rate to 0.5)
    opt = SGD([{"params": [_p()]}], lr=0.1)
    opt.step()
    sched = LambdaLR(opt, lambda epoch: 1.0)
    opt.add_param_group({"params": [_p()], "lr": 0.3})
    with pytest.raises(ValueError, match="LambdaLR: the optimizer has 2 param groups"):
        sched.step()
    assert "initial_lr" not in opt.param_groups[1] and sched.base_lrs == [0.1]
    opt.param_groups[1]["lr"] = 0.5
    sched = LambdaLR(opt, [lambda epoch: 1.0] * 2)
    assert sched.base_lrs == _rates(opt) == [0.1, 0.5]
