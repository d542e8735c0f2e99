"""Schedulers' last_epoch=k (PyTorch's resume): with the optimizer's state loaded (so each
group holds its "initial_lr"), the schedule goes on from epoch k + 1 as if never stopped,
against each schedule's closed form computed by hand."""

import math
import warnings

import numpy as np
import pytest

from autograd_mini import nn, optim

BASE = 0.5
CLOSED = {  # name: (make(opt, last_epoch), lr at epoch e)
    "StepLR": (lambda o, k: optim.StepLR(o, 2, 0.5, last_epoch=k), lambda e: BASE * 0.5 ** (e // 2)),
    "MultiStepLR": (lambda o, k: optim.MultiStepLR(o, [1, 4], 0.1, last_epoch=k),
                    lambda e: BASE * 0.1 ** ((e >= 1) + (e >= 4))),
    "ExponentialLR": (lambda o, k: optim.ExponentialLR(o, 0.9, last_epoch=k), lambda e: BASE * 0.9 ** e),
    "LinearLR": (lambda o, k: optim.LinearLR(o, 0.25, 1.0, 4, last_epoch=k),
                 lambda e: BASE * (0.25 + 0.75 * min(e, 4) / 4)),
    "LambdaLR": (lambda o, k: optim.LambdaLR(o, lambda t: 1 / (t + 1), last_epoch=k), lambda e: BASE / (e + 1)),
    "CosineAnnealingLR": (lambda o, k: optim.CosineAnnealingLR(o, 5, 0.01, last_epoch=k),
                          lambda e: 0.01 + (BASE - 0.01) * (1 + math.cos(math.pi * e / 5)) / 2),
}


def sgd(p):
    return optim.SGD([{"params": [p], "lr": BASE}], lr=BASE)


@pytest.mark.parametrize("name", sorted(CLOSED))
@pytest.mark.parametrize("k", [0, 3, 5])
def test_resumed_schedule_goes_on_as_if_never_stopped(name, k):
    make, closed = CLOSED[name]
    p = nn.Parameter(np.zeros(1))
    opt = sgd(p)
    first = make(opt, -1)
    for _ in range(k):
        opt.step()
        first.step()
    assert first.last_epoch == k and math.isclose(opt.param_groups[0]["lr"], closed(k), rel_tol=1e-12)
    opt2 = sgd(p)
    opt2.load_state_dict(opt.state_dict())  # (brings "initial_lr" and the rate of epoch k)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (the constructor's step is no out-of-order step())
        sched = make(opt2, k)
    # the constructor makes step k + 1, as PyTorch's does
    assert sched.last_epoch == k + 1 and sched.base_lrs == [BASE]
    for e in range(k + 1, k + 5):
        assert math.isclose(opt2.param_groups[0]["lr"], closed(e), rel_tol=1e-12, abs_tol=1e-15), (e,)
        assert sched.get_last_lr() == [opt2.param_groups[0]["lr"]]
        opt2.step()
        sched.step()


def test_resuming_needs_initial_lr_and_a_valid_last_epoch():
    p = nn.Parameter(np.zeros(1))
    opt = sgd(p)
    with pytest.raises(ValueError, match=r"StepLR: param group 0 has no 'initial_lr', which resuming with "
                                         r"last_epoch=3 needs"):
        optim.StepLR(opt, 2, last_epoch=3)
    assert "initial_lr" not in opt.param_groups[0] and opt.param_groups[0]["lr"] == BASE
    for bad in (-2, 1.0, True, "3"):
        with pytest.raises(ValueError, match="ExponentialLR: last_epoch must be an integer >= -1"):
            optim.ExponentialLR(opt, 0.9, last_epoch=bad)
    # a group given its initial_lr by hand resumes from it; the default -1 starts afresh
    opt.param_groups[0]["initial_lr"] = 1.0
    s = optim.ExponentialLR(opt, 0.5, last_epoch=1)
    assert s.base_lrs == [1.0] and s.last_epoch == 2 and opt.param_groups[0]["lr"] == BASE * 0.5
    s = optim.ExponentialLR(sgd(p), 0.5, last_epoch=-1)
    assert s.last_epoch == 0 and s.get_last_lr() == [BASE]


def test_resumed_state_dict_is_the_uninterrupted_ones():
    p = nn.Parameter(np.zeros(1))
    opt = sgd(p)
    a = optim.MultiStepLR(opt, [2, 3], 0.5)
    for _ in range(2):
        opt.step()
        a.step()
    opt2 = sgd(p)
    opt2.load_state_dict(opt.state_dict())
    b = optim.MultiStepLR(opt2, [2, 3], 0.5, last_epoch=2)
    opt.step()
    a.step()
    assert a.state_dict() == b.state_dict()
