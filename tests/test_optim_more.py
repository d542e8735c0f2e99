"""Adamax, NAdam, RAdam and ASGD (PyTorch's options, defaults, state names).

Expected values come from the update formulas written out below with numpy in float64
(no torch), one step at a time."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.optim import ASGD, NAdam, RAdam, Adamax, StepLR, OneCycleLR

pytestmark = pytest.mark.filterwarnings("ignore:.*step\\(\\) was called before .*:UserWarning")


# -- the formulas, by hand ------------------------------------------------------------

def adamax_ref(p, grads, lrs, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, maximize=False):
    b1, b2 = betas
    m, u, out = np.zeros_like(p), np.zeros_like(p), []
    for t, (g, lr) in enumerate(zip(grads, lrs), start=1):
        g = -g if maximize else g
        g = g + weight_decay * p
        m = b1 * m + (1 - b1) * g
        u = np.maximum(b2 * u, np.abs(g) + eps)
        p = p - lr / (1 - b1**t) * m / u
        out.append(p)
    return out


def decay(p, g, lr, weight_decay, decoupled):
    """Weight decay: AdamW's on the parameter (decoupled), or an L2 penalty's on the gradient."""
    return (p * (1 - lr * weight_decay), g) if decoupled else (p, g + weight_decay * p)


def nadam_ref(p, grads, lrs, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, momentum_decay=4e-3,
              decoupled_weight_decay=False, maximize=False):
    b1, b2 = betas
    m, v, out = np.zeros_like(p), np.zeros_like(p), []
    mu_product = 1.0
    for t, (g, lr) in enumerate(zip(grads, lrs), start=1):
        p, g = decay(p, -g if maximize else g, lr, weight_decay, decoupled_weight_decay)
        mu = b1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
        mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
        mu_product *= mu
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        denom = np.sqrt(v / (1 - b2**t)) + eps
        p = p - lr * (1 - mu) / (1 - mu_product) * g / denom
        p = p - lr * mu_next / (1 - mu_product * mu_next) * m / denom
        out.append(p)
    return out


def radam_ref(p, grads, lrs, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, decoupled_weight_decay=False,
              maximize=False):
    b1, b2 = betas
    m, v, out = np.zeros_like(p), np.zeros_like(p), []
    rho_inf = 2 / (1 - b2) - 1
    for t, (g, lr) in enumerate(zip(grads, lrs), start=1):
        p, g = decay(p, -g if maximize else g, lr, weight_decay, decoupled_weight_decay)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1**t)
        rho_t = rho_inf - 2 * t * b2**t / (1 - b2**t)
        if rho_t > 5:
            r = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            p = p - lr * m_hat * math.sqrt(1 - b2**t) / (np.sqrt(v) + eps) * r
        else:
            p = p - lr * m_hat
        out.append(p)
    return out


def asgd_ref(p, grads, lrs, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0.0, maximize=False, averages=None):
    ax, out = np.zeros_like(p), []
    eta, mu = lrs[0], 1.0
    for t, (g, lr) in enumerate(zip(grads, lrs), start=1):
        g = -g if maximize else g
        g = g + weight_decay * p
        p = p * (1 - lambd * eta) - eta * g
        ax = ax + mu * (p - ax) if mu != 1 else p.copy()
        eta = lr / (1 + lambd * lr * t) ** alpha
        mu = 1 / max(1, t - t0)
        out.append(p)
        if averages is not None:
            averages.append(ax)
    return out


REFS = {Adamax: adamax_ref, NAdam: nadam_ref, RAdam: radam_ref, ASGD: asgd_ref}
STATE = {  # torch's names of each optimizer's per-parameter state
    Adamax: {"step", "exp_avg", "exp_inf"},
    NAdam: {"step", "mu_product", "exp_avg", "exp_avg_sq"},
    RAdam: {"step", "exp_avg", "exp_avg_sq"},
    ASGD: {"step", "eta", "mu", "ax"},
}
CASES = [  # (class, options): each reaches the branches of its formulas in the steps below
    (Adamax, dict(lr=0.1)),
    (Adamax, dict(lr=0.05, betas=(0.8, 0.99), eps=1e-3, weight_decay=0.1, maximize=True)),
    (NAdam, dict(lr=0.1)),
    (NAdam, dict(lr=0.05, betas=(0.5, 0.9), weight_decay=0.1, momentum_decay=0.3)),
    (NAdam, dict(lr=0.05, weight_decay=0.2, decoupled_weight_decay=True, maximize=True)),
    (RAdam, dict(lr=0.1)),  # rho_t > 5 from step 6 on
    (RAdam, dict(lr=0.05, betas=(0.7, 0.8), weight_decay=0.1)),
    (RAdam, dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    (ASGD, dict(lr=0.1)),
    (ASGD, dict(lr=0.05, lambd=0.1, alpha=0.6, t0=3, weight_decay=0.1, maximize=True)),
]
IDS = [f"{cls.__name__}-{i}" for i, (cls, _) in enumerate(CASES)]

RNG = np.random.default_rng(0)
P0 = RNG.standard_normal((2, 3))
GRADS = [RNG.standard_normal((2, 3)) * 10.0 ** RNG.uniform(-2, 1) for _ in range(10)]


def run(cls, options, grads=GRADS, p0=P0, opt=None, p=None, sched=None):
    """The parameter after each step of cls on the fixed gradients."""
    if p is None:
        p = am.tensor(p0.copy(), requires_grad=True)
    opt = opt or cls([p], **options)
    out = []
    for g in grads:
        p.grad = am.tensor(g.copy())
        opt.step()
        if sched is not None:
            sched.step()
        out.append(p.data.copy())
    return out, opt, p


@pytest.mark.parametrize("cls, options", CASES, ids=IDS)
def test_steps_follow_the_formulas(cls, options):
    got, opt, p = run(cls, options)
    kw = {k: v for k, v in options.items() if k != "lr"}
    averages = []
    if cls is ASGD:
        kw["averages"] = averages
    want = REFS[cls](P0, GRADS, [options["lr"]] * len(GRADS), **kw)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)
    if averages:
        np.testing.assert_allclose(opt.state[p]["ax"], averages[-1], rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("cls", list(REFS), ids=lambda c: c.__name__)
def test_torchs_defaults(cls):
    p = am.tensor(P0.copy(), requires_grad=True)
    group = cls([p]).param_groups[0]
    defaults = {Adamax: dict(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0),
                NAdam: dict(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                            decoupled_weight_decay=False),
                RAdam: dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False),
                ASGD: dict(lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0)}[cls]
    assert {k: v for k, v in group.items() if k != "params"} == {**defaults, "maximize": False}
    got, _, _ = run(cls, {})
    want = REFS[cls](P0, GRADS, [defaults["lr"]] * len(GRADS))
    np.testing.assert_allclose(got[-1], want[-1], rtol=1e-13)


def test_asgd_keeps_the_average_of_the_iterates():
    averages = []
    asgd_ref(P0, GRADS, [0.1] * len(GRADS), t0=4, averages=averages)
    _, opt, p = run(ASGD, dict(lr=0.1, t0=4))
    np.testing.assert_allclose(opt.state[p]["ax"], averages[-1], rtol=1e-13)
    # (after t0 it is the mean of the iterates since then: a check of the reference itself)
    np.testing.assert_allclose(averages[-1], np.mean(run(ASGD, dict(lr=0.1, t0=4))[0][5:], axis=0), rtol=1e-13)


def test_param_groups_keep_their_own_options():
    ps = [am.tensor(P0.copy(), requires_grad=True) for _ in range(2)]
    opt = NAdam([{"params": [ps[0]], "momentum_decay": 0.3, "decoupled_weight_decay": True},
                 {"params": [ps[1]], "lr": 0.01, "betas": (0.5, 0.9)}], lr=0.1, weight_decay=0.1)
    opt2 = ASGD([{"params": [q := am.tensor(P0.copy(), requires_grad=True)], "t0": 2}], lr=0.05)
    for g in GRADS:
        for p in ps + [q]:
            p.grad = am.tensor(g.copy())
        opt.step()
        opt2.step()
    lrs = [0.1] * len(GRADS)
    np.testing.assert_allclose(ps[0].data, nadam_ref(P0, GRADS, lrs, weight_decay=0.1, momentum_decay=0.3,
                                                     decoupled_weight_decay=True)[-1], rtol=1e-13)
    np.testing.assert_allclose(ps[1].data, nadam_ref(P0, GRADS, [0.01] * len(GRADS), weight_decay=0.1,
                                                     betas=(0.5, 0.9))[-1], rtol=1e-13)
    np.testing.assert_allclose(q.data, asgd_ref(P0, GRADS, [0.05] * len(GRADS), t0=2)[-1], rtol=1e-13)


@pytest.mark.parametrize("cls, options", CASES, ids=IDS)
def test_maximize_is_minimizing_the_negated_gradient(cls, options):
    # The gradient is negated first, before the weight decay (negation does not round).
    flipped = {**options, "maximize": not options.get("maximize", False)}
    up, _, _ = run(cls, flipped)
    down, _, _ = run(cls, options, grads=[-g for g in GRADS])
    for a, b in zip(up, down):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("cls, options", CASES, ids=IDS)
def test_state_dict_round_trip_resumes_bit_for_bit(cls, options):
    whole, _, _ = run(cls, options)
    first, opt, p = run(cls, options, grads=GRADS[:4])
    saved = opt.state_dict()
    assert set(saved["state"][0]) == STATE[cls]
    assert all(isinstance(v, float) for k, v in saved["state"][0].items() if k in ("mu_product", "eta", "mu"))
    buf = io.BytesIO()
    am.save(saved, buf)
    buf.seek(0)
    loaded = am.load(buf)
    q = am.tensor(first[-1].copy(), requires_grad=True)
    resumed = cls([q], lr=123.0)
    resumed.load_state_dict(loaded)
    assert resumed.param_groups[0]["lr"] == options["lr"]
    rest, _, _ = run(cls, options, grads=GRADS[4:], opt=resumed, p=q)
    for a, b in zip(first + rest, whole):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("cls, options", CASES[::2], ids=IDS[::2])
def test_lr_schedulers_drive_them(cls, options):
    p = am.tensor(P0.copy(), requires_grad=True)
    opt = cls([p], **options)
    sched = StepLR(opt, step_size=3, gamma=0.5)
    got, _, _ = run(cls, options, opt=opt, p=p, sched=sched)
    lrs = [options["lr"] * 0.5 ** (k // 3) for k in range(len(GRADS))]
    kw = {k: v for k, v in options.items() if k != "lr"}
    for a, b in zip(got, REFS[cls](P0, GRADS, lrs, **kw)):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)


def test_one_cycle_cycles_beta1_of_the_adam_kin():
    p = am.tensor(P0.copy(), requires_grad=True)
    opt = RAdam([p], lr=0.1)
    sched = OneCycleLR(opt, max_lr=0.5, total_steps=10)
    assert opt.param_groups[0]["betas"][0] == 0.95  # (max_momentum)
    run(RAdam, {}, opt=opt, p=p, sched=sched, grads=GRADS[:5])
    assert opt.param_groups[0]["betas"][0] < 0.95 and opt.param_groups[0]["lr"] > 0.1


@pytest.mark.parametrize("cls, options", CASES, ids=IDS)
def test_float32_parameters_stay_float32(cls, options):
    p0 = P0.astype(np.float32)
    got, opt, p = run(cls, options, grads=[g.astype(np.float32) for g in GRADS], p0=p0)
    assert p.data.dtype == np.float32
    assert all(v.dtype == np.float32 for v in opt.state[p].values() if isinstance(v, np.ndarray))
    kw = {k: v for k, v in options.items() if k != "lr"}
    want = REFS[cls](p0.astype(np.float64), [g.astype(np.float32).astype(np.float64) for g in GRADS],
                     [options["lr"]] * len(GRADS), **kw)
    np.testing.assert_allclose(got[-1], want[-1], rtol=2e-5, atol=1e-5)


@pytest.mark.parametrize("cls", [Adamax, NAdam, RAdam], ids=lambda c: c.__name__)
def test_float16_parameters_keep_float32_statistics_and_a_zero_gradient_gives_no_nan(cls):
    # (in float16 eps = 1e-8 rounds to 0: Adamax's 0 / max(0, 0 + eps) would be 0/0)
    p = am.tensor(np.ones(3, np.float16), requires_grad=True)
    opt = cls([p], lr=0.1)
    for _ in range(7):
        p.grad = am.tensor(np.zeros(3, np.float16))
        opt.step()
    assert p.data.dtype == np.float16 and np.array_equal(p.data, np.ones(3, np.float16))
    assert opt.state[p]["exp_avg"].dtype == np.float32


BAD = [
    (Adamax, {"lr": -1.0}, "lr"), (Adamax, {"betas": (1.0, 0.9)}, r"betas\[0\]"),
    (Adamax, {"betas": (0.9, -0.1)}, r"betas\[1\]"), (Adamax, {"eps": -1e-8}, "eps"),
    (Adamax, {"weight_decay": -0.1}, "weight_decay"),
    (NAdam, {"momentum_decay": -1e-3}, "momentum_decay"), (NAdam, {"lr": math.nan}, "lr"),
    (NAdam, {"betas": (0.9, 1.5)}, r"betas\[1\]"),
    (RAdam, {"eps": math.inf}, "eps"), (RAdam, {"weight_decay": -1}, "weight_decay"),
    (ASGD, {"lambd": -1e-4}, "lambd"), (ASGD, {"alpha": math.nan}, "alpha"), (ASGD, {"t0": math.inf}, "t0"),
    (ASGD, {"weight_decay": -1}, "weight_decay"),
]


@pytest.mark.parametrize("cls, bad, option", BAD)
def test_bad_hyperparameters_name_the_optimizer_and_the_option(cls, bad, option):
    name = cls.__name__
    with pytest.raises(ValueError, match=rf"{name}.*{option}"):
        cls([am.tensor(P0.copy(), requires_grad=True)], **bad)
    opt = cls([am.tensor(P0.copy(), requires_grad=True)])
    with pytest.raises(ValueError, match=rf"{name}: param group 1.*{option}"):
        opt.add_param_group({"params": [am.tensor(P0.copy(), requires_grad=True)], **bad})


def test_wrong_types_and_torchs_positional_foreach_are_refused():
    p = am.tensor(P0.copy(), requires_grad=True)
    with pytest.raises(TypeError, match="NAdam: decoupled_weight_decay must be True or False"):
        NAdam([p], decoupled_weight_decay="yes")
    with pytest.raises(TypeError, match="RAdam: betas must be a pair"):
        RAdam([p], betas=0.9)
    with pytest.raises(TypeError, match="ASGD: maximize must be True or False"):
        ASGD([p], maximize=1.5)
    # torch's Adamax and ASGD take foreach as their next positional argument: refused, not
    # read as maximize
    with pytest.raises(TypeError):
        Adamax([p], 0.1, (0.9, 0.99), 1e-8, 0.0, True)
    with pytest.raises(TypeError):
        ASGD([p], 0.1, 1e-4, 0.75, 1e6, 0.0, True)


@pytest.mark.parametrize("value", [np.array(0.5), am.tensor(0.5), 0.5])
def test_scalar_state_loads_from_a_number_or_a_0d_tensor(value):
    _, opt, p = run(NAdam, dict(lr=0.1), grads=GRADS[:2])
    saved = opt.state_dict()
    saved["state"][0]["mu_product"] = value
    opt.load_state_dict(saved)
    assert opt.state[p]["mu_product"] == 0.5 and type(opt.state[p]["mu_product"]) is float


@pytest.mark.parametrize("value", [np.ones(2), math.nan, "0.5", True])
def test_bad_scalar_state_is_refused(value):
    _, opt, p = run(ASGD, dict(lr=0.1), grads=GRADS[:2])
    saved = opt.state_dict()
    saved["state"][0]["eta"] = value
    before = dict(opt.state[p])
    with pytest.raises((ValueError, TypeError), match="ASGD.load_state_dict: 'eta' of parameter 0"):
        opt.load_state_dict(saved)
    assert opt.state[p]["eta"] == before["eta"]


def test_a_state_dict_lacking_the_scalar_state_is_refused():
    _, opt, _ = run(NAdam, dict(lr=0.1), grads=GRADS[:2])
    saved = opt.state_dict()
    del saved["state"][0]["mu_product"]
    with pytest.raises(ValueError, match=r"NAdam.load_state_dict: the state of parameter 0 lacks \['mu_product'\]"):
        opt.load_state_dict(saved)
