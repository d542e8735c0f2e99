"""last_epoch=k for CosineAnnealingWarmRestarts, OneCycleLR and SequentialLR: with the
optimizer's state loaded, the schedule goes on from epoch k + 1 as if never stopped,
against closed forms computed by hand."""

import math
import warnings

import numpy as np
import pytest

from autograd_mini import nn, optim

BASE = 0.5


def sgd(p, momentum=0.0):
    return optim.SGD([{"params": [p], "lr": BASE}], lr=BASE, momentum=momentum)


def cawr_closed(e, T_0=2, T_mult=2, eta=0.01):
    """SGDR by hand: walk the periods T_0, T_0 T_mult, ... until the one holding epoch e."""
    start, T = 0, T_0
    while e >= start + T:
        start, T = start + T, T * T_mult
    return eta + (BASE - eta) * (1 + math.cos(math.pi * (e - start) / T)) / 2


def onecycle_closed(e, T=10, max_lr=1.0, pct=0.3):
    """PyTorch's two-phase 1cycle (cos) by hand: up over pct T - 1 steps, then down."""
    lo, hi = max_lr / 25, max_lr
    end = lo / 1e4
    s0 = pct * T - 1
    if e <= s0:
        a, b, f = lo, hi, e / s0
    else:
        a, b, f = hi, end, (e - s0) / (T - 1 - s0)
    return b + (a - b) / 2 * (math.cos(math.pi * f) + 1)


def sequential_closed(e):
    """LinearLR(0.1 -> 1 over 3 epochs) until epoch 3, then ExponentialLR(0.5) from BASE."""
    return BASE * (0.1 + 0.9 * e / 3) if e < 3 else BASE * 0.5 ** (e - 3)


def make_cawr(o, k):
    return optim.CosineAnnealingWarmRestarts(o, 2, 2, 0.01, last_epoch=k)


def make_onecycle(o, k):
    return optim.OneCycleLR(o, 1.0, total_steps=10, last_epoch=k)


def make_sequential(o, k):
    a = optim.LinearLR(o, 0.1, 1.0, 3)
    b = optim.ExponentialLR(o, 0.5)
    return optim.SequentialLR(o, [a, b], milestones=[3], last_epoch=k)


CASES = {"CosineAnnealingWarmRestarts": (make_cawr, cawr_closed, 0.0, 13),
         "OneCycleLR": (make_onecycle, onecycle_closed, 0.9, 10),
         "SequentialLR": (make_sequential, sequential_closed, 0.0, 9)}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("k", [0, 1, 2, 3, 6])
def test_resumed_schedule_goes_on_as_if_never_stopped(name, k):
    make, closed, mom, last = CASES[name]
    p = nn.Parameter(np.zeros(1))
    opt = sgd(p, mom)
    first = make(opt, -1)
    ref = [opt.param_groups[0]["lr"]]
    for e in range(1, last + 1):
        if e == k + 1:
            state = opt.state_dict()  # (the run's, after k steps)
        opt.step()
        first.step()
        ref.append(opt.param_groups[0]["lr"])
    for e, lr in enumerate(ref):
        assert math.isclose(lr, closed(e), rel_tol=1e-12, abs_tol=1e-15), (e, lr, closed(e))
    opt2 = sgd(p, mom)
    opt2.load_state_dict(state)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (the constructor's steps are no out-of-order step())
        sched = make(opt2, k)
    assert sched.last_epoch == k + 1
    for e in range(k + 1, last + 1):
        lr = opt2.param_groups[0]["lr"]
        assert lr == ref[e], (e, lr, ref[e])  # (the uninterrupted run's, bit for bit)
        assert math.isclose(lr, closed(e), rel_tol=1e-12, abs_tol=1e-15)
        assert sched.get_last_lr() == [lr]
        if e < last:
            opt2.step()
            sched.step()
    assert sched.state_dict() == first.state_dict()


def test_cawr_resumes_in_later_periods_where_torch_does_not():
    # T_0 = 2, T_mult = 2: periods [0, 2), [2, 6), [6, 14); epoch 8 is 2 into the third
    # (torch 2.13 gives T_cur 0, T_i 4 there: the rate BASE)
    p = nn.Parameter(np.zeros(1))
    opt = sgd(p)
    opt.param_groups[0]["initial_lr"] = BASE
    s = optim.CosineAnnealingWarmRestarts(opt, 2, 2, last_epoch=7)
    assert (s.T_cur, s.T_i, s.last_epoch) == (2, 8, 8)
    assert math.isclose(opt.param_groups[0]["lr"], BASE * (1 + math.cos(math.pi * 2 / 8)) / 2, rel_tol=1e-15)
    s.step()
    assert (s.T_cur, s.T_i) == (3, 8)


def test_onecycle_resume_sets_the_momentum_of_its_step_and_keeps_the_groups_bounds():
    p = nn.Parameter(np.zeros(1))
    opt = sgd(p, 0.9)
    s = optim.OneCycleLR(opt, 1.0, total_steps=10)
    for _ in range(4):
        opt.step()
        s.step()
    opt2 = sgd(p, 0.9)
    opt2.load_state_dict(opt.state_dict())
    # a different max_lr is not used: the groups' bounds (the run's) are, as PyTorch's
    r = optim.OneCycleLR(opt2, 7.0, total_steps=10, last_epoch=4)
    opt.step()
    s.step()
    g, g2 = opt.param_groups[0], opt2.param_groups[0]
    assert (g2["lr"], g2["momentum"], g2["max_lr"]) == (g["lr"], g["momentum"], 1.0)
    assert r.state_dict() == s.state_dict()


def test_onecycle_resume_refusals_change_nothing():
    p = nn.Parameter(np.zeros(1))
    opt = sgd(p, 0.9)
    with pytest.raises(ValueError, match=r"OneCycleLR: param group 0 has no \['max_lr', 'initial_lr', "
                                         r"'min_lr', 'max_momentum', 'base_momentum'\], which resuming"):
        optim.OneCycleLR(opt, 1.0, total_steps=10, last_epoch=3)
    assert set(opt.param_groups[0]) == set(sgd(p, 0.9).param_groups[0])
    optim.OneCycleLR(opt, 1.0, total_steps=10)
    before = dict(opt.param_groups[0])
    with pytest.raises(ValueError, match=r"OneCycleLR: last_epoch=10 would make step 11, past total_steps=10"):
        optim.OneCycleLR(opt, 1.0, total_steps=10, last_epoch=10)
    assert opt.param_groups[0] == before
    optim.OneCycleLR(opt, 1.0, total_steps=10, last_epoch=9)  # (step 10: the extrapolated one)
    for bad in (-2, 1.5, True):
        with pytest.raises(ValueError, match="OneCycleLR: last_epoch must be an integer >= -1"):
            optim.OneCycleLR(opt, 1.0, total_steps=10, last_epoch=bad)


def test_sequential_resume_that_raises_puts_schedules_and_groups_back():
    p = nn.Parameter(np.zeros(1))
    opt = sgd(p, 0.9)
    a = optim.LinearLR(opt, 0.1, 1.0, 3)
    b = optim.OneCycleLR(opt, 1.0, total_steps=4)
    with pytest.raises(ValueError, match="SequentialLR: last_epoch must be an integer >= -1"):
        optim.SequentialLR(opt, [a, b], milestones=[3], last_epoch=-3)
    states, group = [a.state_dict(), b.state_dict()], dict(opt.param_groups[0])
    # epoch 3 + 5 is step 5 of the 4-step OneCycleLR
    with pytest.raises(ValueError, match="tried to step 5 times"):
        optim.SequentialLR(opt, [a, b], milestones=[3], last_epoch=7)
    assert [a.state_dict(), b.state_dict()] == states and opt.param_groups[0] == group
    s = optim.SequentialLR(opt, [a, b], milestones=[3], last_epoch=6)
    assert s.last_epoch == 7 and b.last_epoch == 4
