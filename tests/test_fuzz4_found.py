"""Optimizers and schedules: defects found by fuzzing them against PyTorch's (random
schedules, chains, SequentialLR, state dicts loaded mid-run); each test is a minimal
reproducer, its expected values worked out from PyTorch's rules (no torch here)."""

from __future__ import annotations

import pytest

import autograd_mini as am
from autograd_mini.optim import SGD, Adagrad, Adam, ExponentialLR, OneCycleLR, SequentialLR

pytestmark = pytest.mark.filterwarnings("ignore:.*step\\(\\) was called before .*:UserWarning")


def _one_cycle_then_exp_then_one_cycle(p):
    opt = SGD([p], lr=0.1, momentum=0.9)
    first = OneCycleLR(opt, max_lr=1.0, total_steps=10)
    middle = ExponentialLR(opt, gamma=0.9)
    last = OneCycleLR(opt, max_lr=1.0, total_steps=10)
    return opt, SequentialLR(opt, [first, middle, last], milestones=[5, 10])


def test_sequential_load_leaves_the_momenta_a_one_cycle_not_running_did_not_set():
    # Between the milestones ExponentialLR runs: the momentum is what the first OneCycleLR
    # left at its last step (4). Loading the state dict (here into the same objects, a
    # no-op) let the third schedule, not started, set its step 0's max_momentum 0.95.
    p = am.zeros(2, requires_grad=True)
    opt, sched = _one_cycle_then_exp_then_one_cycle(p)
    for _ in range(7):
        p.grad = am.ones(2)
        opt.step()
        sched.step()
    momentum, lr = opt.param_groups[0]["momentum"], opt.param_groups[0]["lr"]
    assert momentum < 0.95
    sd = sched.state_dict()
    sched.load_state_dict(sd)
    assert opt.param_groups[0]["momentum"] == momentum
    assert opt.param_groups[0]["lr"] == lr
    # Into a fresh optimizer and schedule (PyTorch's resume: the optimizer's state dict
    # holds the momentum; loading the schedule's keeps it).
    opt2, sched2 = _one_cycle_then_exp_then_one_cycle(p)
    opt2.load_state_dict(opt.state_dict())
    sched2.load_state_dict(sd)
    assert opt2.param_groups[0]["momentum"] == momentum
    assert opt2.param_groups[0]["lr"] == lr


def _one_cycle_state_over_adam():
    p = am.zeros(2, requires_grad=True)
    opt = Adam([p], lr=0.1)
    sched = OneCycleLR(opt, max_lr=1.0, total_steps=10)
    for _ in range(3):
        p.grad = am.ones(2)
        opt.step()
        sched.step()
    return sched.state_dict()  # (cycles beta1: use_beta1=True, cycle_momentum=True)


@pytest.mark.parametrize("make", [
    lambda p: OneCycleLR(SGD([p], lr=0.1, momentum=0.9), max_lr=2.0, total_steps=20),
    lambda p: OneCycleLR(Adagrad([p], lr=0.1), max_lr=2.0, total_steps=20, cycle_momentum=False),
])
def test_one_cycle_refuses_the_state_of_one_cycling_another_kind_of_momentum_before_changing_anything(make):
    # Saved over Adam (it cycles beta1 of "betas"), loaded over SGD (no "betas"): a bare
    # KeyError 'betas', after the schedule had taken the saved position, rates and
    # use_beta1 (so its every later step raised too) and the group the saved rate.
    # Over Adagrad (no momentum at all): a ValueError blaming "a group added after the
    # scheduler was made", also after the change.
    sd = _one_cycle_state_over_adam()
    p = am.zeros(2, requires_grad=True)
    sched = make(p)
    before = sched.state_dict()
    group = {k: v for k, v in sched.optimizer.param_groups[0].items() if k != "params"}
    with pytest.raises(ValueError, match="OneCycleLR.load_state_dict"):
        sched.load_state_dict(sd)
    assert sched.state_dict() == before
    assert {k: v for k, v in sched.optimizer.param_groups[0].items() if k != "params"} == group
    p.grad = am.ones(2)
    sched.optimizer.step()
    sched.step()  # (still the schedule it was)
    assert sched.last_epoch == 1
