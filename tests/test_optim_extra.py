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


# -- Adagrad --------------------------------------------------------------------------


def ref_adagrad(p0, grads, lr, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10,
                maximize=False):
    """PyTorch's Adagrad, one entry at a time, written from its documented algorithm."""
    p = [float(v) for v in p0]
    s = [initial_accumulator_value] * len(p)
    out = []
    for t, grad in enumerate(grads, start=1):
        clr = lr / (1 + (t - 1) * lr_decay)
        for i in range(len(p)):
            g = -grad[i] if maximize else grad[i]
            g = g + weight_decay * p[i]
            s[i] = s[i] + g * g
            p[i] = p[i] - clr * g / (math.sqrt(s[i]) + eps)
        out.append(np.array(p))
    return out


@pytest.mark.parametrize("options", [
    {},
    {"lr_decay": 0.3},
    {"weight_decay": 0.1, "initial_accumulator_value": 0.5},
    {"eps": 1e-3, "maximize": True, "lr_decay": 0.1},
])
def test_adagrad_matches_the_formula(options):
    got = trajectory(lambda ps: am.optim.Adagrad(ps, lr=0.1, **options), GRADS, P0)
    want = ref_adagrad(P0, GRADS, 0.1, **options)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)


def test_adagrad_first_step_by_hand():
    # t = 1: s = 0 + g^2, so p - lr * g / (|g| + eps) = p - lr * sign(g) (up to eps).
    p0, g = np.array([1.0, 2.0]), np.array([4.0, -0.5])
    got = trajectory(lambda ps: am.optim.Adagrad(ps, lr=0.1, eps=0.0), [g], p0)[0]
    np.testing.assert_allclose(got, [0.9, 2.1], rtol=1e-15)
    # With initial_accumulator_value 9: s = 9 + 16 = 25 for the first entry, p = 1 - 0.1 * 4 / 5.
    got = trajectory(lambda ps: am.optim.Adagrad(ps, lr=0.1, eps=0.0, initial_accumulator_value=9.0), [g], p0)[0]
    np.testing.assert_allclose(got[0], 1 - 0.1 * 4 / 5, rtol=1e-15)


def test_adagrad_skips_parameters_without_grad_and_groups_have_their_options():
    a, b = am.ones(2, requires_grad=True), am.ones(2, requires_grad=True)
    opt = am.optim.Adagrad([{"params": [a]}, {"params": [b], "lr": 1.0}], lr=0.1, eps=0.0)
    a.grad = am.tensor([2.0, -3.0])
    opt.step()
    np.testing.assert_allclose(a.data, [0.9, 1.1], rtol=1e-15)
    np.testing.assert_array_equal(b.data, [1.0, 1.0])
    assert b not in opt.state
    b.grad = am.tensor([1.0, 1.0])
    opt.step()
    np.testing.assert_allclose(b.data, [0.0, 0.0], atol=1e-15)


def test_adagrad_state_dict_round_trip_mid_training():
    full = trajectory(lambda ps: am.optim.Adagrad(ps, lr=0.1, lr_decay=0.2, initial_accumulator_value=0.1),
                      GRADS, P0)
    p = am.tensor(P0.copy(), requires_grad=True)
    opt = am.optim.Adagrad([p], lr=0.1, lr_decay=0.2, initial_accumulator_value=0.1)
    for g in GRADS[:3]:
        p.grad = am.tensor(g.copy())
        opt.step()
    sd = opt.state_dict()
    assert sd["state"][0]["step"] == 3 and sd["state"][0]["sum"].shape == (5,)
    opt = am.optim.Adagrad([p], lr=0.5)  # (options and state come from the state dict)
    opt.load_state_dict(sd)
    for g in GRADS[3:]:
        p.grad = am.tensor(g.copy())
        opt.step()
    np.testing.assert_array_equal(p.data, full[-1])


@pytest.mark.parametrize("bad", [{"lr_decay": -1}, {"weight_decay": -0.1}, {"initial_accumulator_value": -1},
                                 {"eps": -1e-10}, {"lr": -0.1}])
def test_adagrad_refuses_negative_options(bad):
    name = next(iter(bad))
    with pytest.raises(ValueError, match=f"Adagrad.*{name}"):
        am.optim.Adagrad([am.zeros(2, requires_grad=True)], **bad)


def test_adagrad_float32_stays_float32():
    p = am.tensor(np.ones(3, np.float32), requires_grad=True)
    opt = am.optim.Adagrad([p], lr=0.1)
    p.grad = am.tensor(np.array([1.0, 2.0, 3.0], np.float32))
    opt.step()
    assert p.data.dtype == np.float32 and opt.state[p]["sum"].dtype == np.float32


# -- schedules --------------------------------------------------------------------------


def sgd_groups(*lrs, **options):
    params = [am.zeros(2, requires_grad=True) for _ in lrs]
    return am.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(params, lrs)], lr=0.1, **options)


def test_cosine_warm_restarts_by_hand():
    # T_0 = 2, T_mult = 2: periods of 2, 4, 8 epochs; restarts at epochs 2 and 6.
    opt = sgd_groups(1.0)
    sched = am.optim.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2, eta_min=0.1)
    cos = lambda t, T: 0.1 + 0.9 * (1 + math.cos(math.pi * t / T)) / 2  # noqa: E731
    want = [cos(0, 2), cos(1, 2), cos(0, 4), cos(1, 4), cos(2, 4), cos(3, 4), cos(0, 8), cos(1, 8)]
    got = [opt.param_groups[0]["lr"]]
    for _ in range(7):
        sched.step()
        got.append(opt.param_groups[0]["lr"])
    np.testing.assert_allclose(got, want, rtol=1e-15)
    assert got[2] == pytest.approx(1.0) and got[4] == pytest.approx(0.55)
    assert sched.get_last_lr() == [got[-1]] and sched.last_epoch == 7 and (sched.T_cur, sched.T_i) == (1, 8)


@pytest.mark.parametrize("T_0, T_mult, epoch", [(1, 3, 121), (2, 3, 242), (1, 3, 29524)])
def test_cosine_warm_restarts_jump_to_a_restart_epoch_restarts(T_0, T_mult, epoch):
    # (before: math.log rounded log_3(243) to 4.999..., so step(121) found the period before,
    # T_cur = T_i, and the rate eta_min, where stepping 121 times gives a restart at base_lr)
    opt = sgd_groups(1.0)
    sched = am.optim.CosineAnnealingWarmRestarts(opt, T_0=T_0, T_mult=T_mult)
    sched.step(epoch)
    assert (sched.T_cur, sched.T_i) == (0, T_0 * T_mult ** round(math.log(epoch / T_0 * (T_mult - 1) + 1, T_mult)))
    assert opt.param_groups[0]["lr"] == 1.0
    sched.step(epoch - 0.5)  # (half an epoch before it: the end of the period before)
    assert sched.T_i == T_0 * T_mult ** (round(math.log(epoch / T_0 * (T_mult - 1) + 1, T_mult)) - 1)


def test_cosine_warm_restarts_fractional_epochs():
    # step(epoch) jumps: T_mult = 1 takes epoch mod T_0 (9.5 mod 4 = 1.5); T_0 = 1, T_mult = 3,
    # epoch 5.5: periods of 1 and 3 end at epochs 1 and 4, so T_cur = 5.5 - 4 = 1.5 in a period of 9.
    opt = sgd_groups(0.5)
    sched = am.optim.CosineAnnealingWarmRestarts(opt, T_0=4)
    sched.step(9.5)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.5 * (1 + math.cos(math.pi * 1.5 / 4)) / 2, rel=1e-15)
    assert sched.last_epoch == 9
    opt = sgd_groups(0.5)
    sched = am.optim.CosineAnnealingWarmRestarts(opt, T_0=1, T_mult=3)
    sched.step(5.5)
    assert (sched.T_cur, sched.T_i) == (1.5, 9)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.5 * (1 + math.cos(math.pi * 1.5 / 9)) / 2, rel=1e-15)
    with pytest.raises(ValueError, match="CosineAnnealingWarmRestarts.step: epoch"):
        sched.step(-1)


def test_cosine_warm_restarts_state_dict_round_trip():
    opt = sgd_groups(1.0, 0.2)
    sched = am.optim.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2)
    for _ in range(5):
        sched.step()
    sd = sched.state_dict()
    rates = []
    for _ in range(6):
        sched.step()
        rates.append(sched.get_last_lr())
    opt2 = sgd_groups(1.0, 0.2)
    other = am.optim.CosineAnnealingWarmRestarts(opt2, T_0=3, T_mult=2)
    other.load_state_dict(sd)
    assert [g["lr"] for g in opt2.param_groups] == sd["_last_lr"]
    for want in rates:
        other.step()
        assert other.get_last_lr() == want


@pytest.mark.parametrize("bad", [{"T_0": 0}, {"T_0": 2.0}, {"T_mult": 0}, {"eta_min": -1.0}])
def test_cosine_warm_restarts_refuses_bad_settings(bad):
    with pytest.raises(ValueError, match="CosineAnnealingWarmRestarts"):
        am.optim.CosineAnnealingWarmRestarts(sgd_groups(0.1), **{"T_0": 2, **bad})


def run_schedule(opt, sched, steps, key="lr"):
    """The groups' values of `key` at steps 0..steps (one optimizer step between)."""
    out = [[g[key] for g in opt.param_groups]]
    for _ in range(steps):
        sched.step()
        out.append([g[key] for g in opt.param_groups])
    return np.array(out)


def test_one_cycle_cos_two_phases_by_hand():
    # max_lr 1, div 10, final_div 100: initial 0.1, min 0.001. 10 steps, pct_start 0.3: the
    # rise ends at step 0.3 * 10 - 1 = 2, the fall at step 9.
    opt = sgd_groups(0.5, momentum=0.9)
    sched = am.optim.OneCycleLR(opt, max_lr=1.0, total_steps=10, div_factor=10.0, final_div_factor=100.0)
    cos = lambda a, b, pct: b + (a - b) / 2 * (1 + math.cos(math.pi * pct))  # noqa: E731
    want = [cos(0.1, 1.0, s / 2) for s in range(3)] + [cos(1.0, 0.001, (s - 2) / 7) for s in range(3, 10)]
    np.testing.assert_allclose(run_schedule(opt, sched, 9)[:, 0], want, rtol=1e-14)
    assert want[:3] == pytest.approx([0.1, 0.55, 1.0]) and want[-1] == pytest.approx(0.001)
    # momentum the other way: 0.95 down to 0.85 at the peak, back to 0.95
    opt = sgd_groups(0.5, momentum=0.9)
    sched = am.optim.OneCycleLR(opt, max_lr=1.0, total_steps=10)
    m = run_schedule(opt, sched, 9, "momentum")[:, 0]
    np.testing.assert_allclose(m[[0, 1, 2, 9]], [0.95, 0.9, 0.85, 0.95], rtol=1e-14)
    assert opt.param_groups[0]["max_lr"] == 1.0 and opt.param_groups[0]["min_lr"] == pytest.approx(4e-6)
    with pytest.raises(ValueError, match="OneCycleLR: tried to step 11 times"):
        sched.step(), sched.step()


def test_one_cycle_linear_three_phases_by_hand():
    # 10 steps, pct_start 0.25: phases end at steps 1.5, 3 and 9; per-group max_lr.
    opt = sgd_groups(0.5, 0.5)
    sched = am.optim.OneCycleLR(opt, max_lr=[1.0, 2.0], total_steps=10, pct_start=0.25, anneal_strategy="linear",
                                three_phase=True, div_factor=4.0, final_div_factor=5.0, cycle_momentum=False)
    rates = run_schedule(opt, sched, 9)
    for gi, top in enumerate([1.0, 2.0]):
        lo, end = top / 4, top / 20
        want = [lo, lo + (top - lo) / 1.5, top + (lo - top) * (0.5 / 1.5), lo]
        want += [lo + (end - lo) * (s - 3) / 6 for s in range(4, 10)]
        np.testing.assert_allclose(rates[:, gi], want, rtol=1e-14)
    assert "momentum" not in sched.state_dict() and opt.param_groups[0]["momentum"] == 0


def test_one_cycle_cycles_adam_beta1_and_counts_epochs_times_steps():
    p = am.zeros(2, requires_grad=True)
    opt = am.optim.Adam([p], betas=(0.9, 0.99))
    sched = am.optim.OneCycleLR(opt, max_lr=0.01, epochs=2, steps_per_epoch=5, pct_start=0.2, anneal_strategy="linear",
                                base_momentum=0.8, max_momentum=0.9)
    assert sched.total_steps == 10 and opt.param_groups[0]["betas"] == (0.9, 0.99)
    sched.step()  # the peak: step 0.2 * 10 - 1 = 1
    assert opt.param_groups[0]["betas"] == (0.8, 0.99) and opt.param_groups[0]["lr"] == 0.01


def test_one_cycle_state_dict_round_trip_restores_rates_and_momenta():
    def make():
        opt = sgd_groups(0.5, 0.2, momentum=0.9)
        return opt, am.optim.OneCycleLR(opt, max_lr=[1.0, 0.3], total_steps=20)
    opt, sched = make()
    for _ in range(7):
        sched.step()
    osd, ssd = opt.state_dict(), sched.state_dict()
    rest = run_schedule(opt, sched, 13)
    opt2, sched2 = make()
    opt2.load_state_dict(osd)
    sched2.load_state_dict(ssd)
    np.testing.assert_array_equal(run_schedule(opt2, sched2, 13), rest)
    np.testing.assert_array_equal(run_schedule(opt2, sched2, 0, "momentum"), run_schedule(opt, sched, 0, "momentum"))


@pytest.mark.parametrize("bad, match", [
    ({"total_steps": None}, "total_steps, or epochs and steps_per_epoch"),
    ({"total_steps": 0}, "total_steps"), ({"pct_start": 1.5}, "pct_start"),
    ({"anneal_strategy": "exp"}, "anneal_strategy"), ({"max_lr": [0.1, 0.2]}, "max_lr"),
    ({"max_lr": -1.0}, "max_lr"), ({"div_factor": 0.0}, "div_factor"),
    ({"total_steps": 10, "pct_start": 0.1}, "phase 0 of the cycle with no steps"),
])
def test_one_cycle_refuses_bad_settings_before_changing_the_groups(bad, match):
    opt = sgd_groups(0.5, momentum=0.9)
    with pytest.raises(ValueError, match=f"OneCycleLR.*{match}"):
        am.optim.OneCycleLR(opt, **{"max_lr": 1.0, "total_steps": 7, **bad})
    assert opt.param_groups[0]["lr"] == 0.5 and "max_lr" not in opt.param_groups[0]
    with pytest.raises(ValueError, match="OneCycleLR: cycle_momentum needs"):
        am.optim.OneCycleLR(am.optim.Adagrad([am.zeros(1, requires_grad=True)]), max_lr=1.0, total_steps=5)


def test_sequential_warmup_then_decay_by_hand():
    # LinearLR 0.1 -> 1 over 3 epochs, then from epoch 3 ExponentialLR 0.5 from its epoch 0.
    opt = sgd_groups(1.0, 0.2)
    warmup = am.optim.LinearLR(opt, start_factor=0.1, total_iters=3)
    decay = am.optim.ExponentialLR(opt, gamma=0.5)
    sched = am.optim.SequentialLR(opt, [warmup, decay], milestones=[3])
    rates = run_schedule(opt, sched, 6)
    want = np.array([0.1, 0.4, 0.7, 1.0, 0.5, 0.25, 0.125])
    np.testing.assert_allclose(rates, np.stack([want, 0.2 * want], axis=1), rtol=1e-14)
    assert sched.get_last_lr() == list(rates[-1]) and sched.last_epoch == 6


def test_sequential_restarts_each_schedule_at_its_milestone():
    # StepLR (halving every 2 epochs) restarts from the base rate 1 at epoch 4; a
    # LinearLR at its milestone starts at base * start_factor.
    opt = sgd_groups(1.0)
    first = am.optim.StepLR(opt, step_size=2, gamma=0.5)
    second = am.optim.StepLR(opt, step_size=2, gamma=0.5)
    third = am.optim.LinearLR(opt, start_factor=0.5, total_iters=2)
    sched = am.optim.SequentialLR(opt, [first, second, third], milestones=[4, 6])
    want = [1, 1, 0.5, 0.5, 1, 1, 0.5, 0.75, 1, 1]
    np.testing.assert_allclose(run_schedule(opt, sched, 9)[:, 0], want, rtol=1e-15)


def test_sequential_state_dict_round_trip():
    def make():
        opt = sgd_groups(1.0, momentum=0.9)
        ws = am.optim.LinearLR(opt, start_factor=0.25, total_iters=4)
        cos = am.optim.CosineAnnealingWarmRestarts(opt, T_0=3)
        return opt, am.optim.SequentialLR(opt, [ws, cos], milestones=[4])
    opt, sched = make()
    for _ in range(6):
        sched.step()
    sd = sched.state_dict()
    assert sd["_milestones"] == [4] and len(sd["_schedulers"]) == 2
    rest = run_schedule(opt, sched, 8)
    opt2, sched2 = make()
    sched2.load_state_dict(sd)
    np.testing.assert_array_equal(run_schedule(opt2, sched2, 8), rest)
    broken = dict(sd, _schedulers=[sd["_schedulers"][0], {"bad": 1}])
    opt3, sched3 = make()
    before = sched3.state_dict()
    with pytest.raises(ValueError, match="CosineAnnealingWarmRestarts.load_state_dict"):
        sched3.load_state_dict(broken)
    assert sched3.state_dict() == before and opt3.param_groups[0]["lr"] == before["_last_lr"][0]


def test_sequential_refuses_a_group_added_after_its_schedules_before_changing_any_rate():
    # (before: a bare KeyError 'initial_lr', raised after group 0's rate had been reset)
    opt = sgd_groups(1.0)
    a, b = am.optim.LinearLR(opt, start_factor=0.5, total_iters=2), am.optim.ExponentialLR(opt, 0.5)
    opt.add_param_group({"params": [am.zeros(2, requires_grad=True)], "lr": 0.3})
    with pytest.raises(ValueError, match=r"SequentialLR: param group 1 has no 'initial_lr'.*added after"):
        am.optim.SequentialLR(opt, [a, b], milestones=[2])
    assert [g["lr"] for g in opt.param_groups] == [0.5, 0.3]


def test_sequential_refuses_bad_arguments():
    opt = sgd_groups(1.0)
    a, b = am.optim.StepLR(opt, 2), am.optim.ExponentialLR(opt, 0.9)
    with pytest.raises(ValueError, match="SequentialLR: milestones must be 1 increasing"):
        am.optim.SequentialLR(opt, [a, b], milestones=[2, 3])
    with pytest.raises(ValueError, match="SequentialLR: milestones"):
        am.optim.SequentialLR(opt, [a, b, a], milestones=[3, 3])
    with pytest.raises(TypeError, match="SequentialLR: schedulers\\[1\\].*ReduceLROnPlateau"):
        am.optim.SequentialLR(opt, [a, am.optim.ReduceLROnPlateau(opt)], milestones=[2])
    inner = am.optim.SequentialLR(opt, [a, b], milestones=[2])
    with pytest.raises(TypeError, match="SequentialLR: schedulers\\[0\\] is a SequentialLR, which cannot be nested"):
        am.optim.SequentialLR(opt, [inner, b], milestones=[4])
    with pytest.raises(ValueError, match="SequentialLR: schedulers\\[0\\].*another optimizer"):
        am.optim.SequentialLR(sgd_groups(1.0), [a], milestones=[])
