"""PyTorch optimizer and schedule options that porting code reaches for: `maximize=`,
`Adagrad`, `OneCycleLR`, `CosineAnnealingWarmRestarts`, `SequentialLR`.

Expected values are computed here by hand from PyTorch's documented formulas (no torch)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.optim import SGD, Adam, AdamW, RMSprop

pytestmark = pytest.mark.filterwarnings("ignore:.*step\\(\\) was called before .*:UserWarning")


def trajectory(make, grads, p0):
    """Run the optimizer `make(params)` on the fixed gradients; return the parameter after each step."""
    p = am.tensor(p0.copy(), requires_grad=True)
    opt = make([p])
    out = []
    for g in grads:
        p.grad = am.tensor(g.copy())
        opt.step()
        out.append(p.data.copy())
    return out


RNG = np.random.default_rng(0)
P0 = RNG.standard_normal(5)
GRADS = [RNG.standard_normal(5) for _ in range(8)]

MAXIMIZABLE = [
    lambda ps, **kw: SGD(ps, lr=0.1, **kw),
    lambda ps, **kw: SGD(ps, lr=0.1, momentum=0.9, dampening=0.2, weight_decay=0.05, **kw),
    lambda ps, **kw: SGD(ps, lr=0.1, momentum=0.9, nesterov=True, **kw),
    lambda ps, **kw: Adam(ps, lr=0.1, weight_decay=0.05, amsgrad=True, **kw),
    lambda ps, **kw: AdamW(ps, lr=0.1, **kw),
    lambda ps, **kw: RMSprop(ps, lr=0.01, momentum=0.5, centered=True, weight_decay=0.05, **kw),
]


@pytest.mark.parametrize("make", MAXIMIZABLE)
def test_maximize_steps_as_minimizing_with_the_negated_gradient(make):
    # PyTorch negates the gradient first, before weight decay: maximize=True on g is
    # maximize=False on -g, exactly (negation does not round).
    up = trajectory(lambda ps: make(ps, maximize=True), GRADS, P0)
    down = trajectory(lambda ps: make(ps), [-g for g in GRADS], P0)
    for a, b in zip(up, down):
        np.testing.assert_array_equal(a, b)


def test_maximize_by_hand():
    # SGD: p + lr * g. Adam, first step: p - lr * m_hat / (sqrt(v_hat) + eps), m_hat = -g, v_hat = g^2.
    # RMSprop, first step: p - lr * (-g) / (sqrt((1 - alpha) g^2) + eps).
    p0, g = np.array([1.0, -2.0]), np.array([0.5, 3.0])
    np.testing.assert_allclose(trajectory(lambda ps: SGD(ps, lr=0.1, maximize=True), [g], p0)[0],
                               p0 + 0.1 * g, rtol=1e-15)
    np.testing.assert_allclose(trajectory(lambda ps: Adam(ps, lr=0.1, maximize=True), [g], p0)[0],
                               p0 + 0.1 * g / (np.abs(g) + 1e-8), rtol=1e-14)
    np.testing.assert_allclose(trajectory(lambda ps: RMSprop(ps, lr=0.01, maximize=True), [g], p0)[0],
                               p0 + 0.01 * g / (np.sqrt(0.01 * g * g) + 1e-8), rtol=1e-14)


@pytest.mark.parametrize("cls", [SGD, Adam, AdamW, RMSprop])
def test_maximize_option_checked_and_in_the_state_dict(cls):
    p = am.zeros(2, requires_grad=True)
    with pytest.raises(TypeError, match="maximize"):
        cls([p], lr=0.1, maximize=1)
    opt = cls([p], lr=0.1, maximize=True)
    sd = opt.state_dict()
    assert sd["param_groups"][0]["maximize"] is True
    fresh = cls([p], lr=0.1)
    fresh.load_state_dict(sd)
    assert fresh.param_groups[0]["maximize"] is True
    # A state dict saved before the option existed loads as minimizing (PyTorch's default).
    del sd["param_groups"][0]["maximize"]
    fresh = cls([p], lr=0.1, maximize=True)
    fresh.load_state_dict(sd)
    assert fresh.param_groups[0]["maximize"] is False
