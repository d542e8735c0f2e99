"""Optimizers and schedules: defects found by fuzzing them against PyTorch's (random
schedules, chains, SequentialLR, state dicts loaded mid-run); each test is a minimal
reproducer, its expected values worked out from PyTorch's rules (no torch here)."""

from __future__ import annotations

import pytest

import autograd_mini as am
from autograd_mini.optim import SGD, ExponentialLR, OneCycleLR, SequentialLR

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
