"""Frictions met porting pytorch/examples programs (mnist, regression, dcgan,
time_sequence_prediction, super_resolution) to autograd_mini.

Expected values are computed here from PyTorch's documented formulas (no torch)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_mini as am
from test_optim_extra import trajectory


RNG = np.random.default_rng(1)
P0 = RNG.standard_normal(5)
GRADS = [RNG.standard_normal(5) for _ in range(8)]


# -- Adadelta (mnist/main.py: optim.Adadelta(model.parameters(), lr=args.lr)) ---------------------

def ref_adadelta(p0, grads, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, maximize=False):
    """PyTorch's Adadelta, one entry at a time, from its documented algorithm."""
    p = [float(v) for v in p0]
    v = [0.0] * len(p)
    u = [0.0] * len(p)
    out = []
    for grad in grads:
        for i in range(len(p)):
            g = -grad[i] if maximize else grad[i]
            g = g + weight_decay * p[i]
            v[i] = rho * v[i] + (1 - rho) * g * g
            delta = math.sqrt(u[i] + eps) / math.sqrt(v[i] + eps) * g
            u[i] = rho * u[i] + (1 - rho) * delta * delta
            p[i] = p[i] - lr * delta
        out.append(np.array(p))
    return out


@pytest.mark.parametrize("options", [{}, {"lr": 0.5, "rho": 0.5}, {"eps": 1e-3, "weight_decay": 0.1},
                                     {"maximize": True, "rho": 0.95}])
def test_adadelta_matches_the_formula(options):
    got = trajectory(lambda ps: am.optim.Adadelta(ps, **options), GRADS, P0)
    want = ref_adadelta(P0, GRADS, **options)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)


def test_adadelta_first_step_by_hand_and_defaults():
    # step 1: v = 0.1 g^2, delta = sqrt(eps) / sqrt(0.1 g^2 + eps) * g
    opt = am.optim.Adadelta([am.zeros(1, requires_grad=True)])
    assert {k: opt.defaults[k] for k in ("lr", "rho", "eps", "weight_decay")} == dict(
        lr=1.0, rho=0.9, eps=1e-6, weight_decay=0)
    g = np.array([2.0])
    got = trajectory(lambda ps: am.optim.Adadelta(ps), [g], np.array([1.0]))[0]
    np.testing.assert_allclose(got, 1.0 - math.sqrt(1e-6) / math.sqrt(0.4 + 1e-6) * 2.0, rtol=1e-14)


def test_adadelta_state_dict_round_trip_and_steplr():
    full = trajectory(lambda ps: am.optim.Adadelta(ps, lr=1.0), GRADS, P0)
    p = am.tensor(P0.copy(), requires_grad=True)
    opt = am.optim.Adadelta([p], lr=1.0)
    for g in GRADS[:3]:
        p.grad = am.tensor(g.copy())
        opt.step()
    sd = opt.state_dict()
    assert sd["state"][0]["step"] == 3 and sd["state"][0]["acc_delta"].shape == (5,)
    opt = am.optim.Adadelta([p], lr=0.1)
    opt.load_state_dict(sd)
    for g in GRADS[3:]:
        p.grad = am.tensor(g.copy())
        opt.step()
    np.testing.assert_array_equal(p.data, full[-1])
    sched = am.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.7)
    sched.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(0.7)


@pytest.mark.parametrize("bad", [{"rho": -0.1}, {"rho": 1.5}, {"eps": -1.0}, {"weight_decay": -1.0}, {"lr": -1.0}])
def test_adadelta_refuses_bad_options(bad):
    with pytest.raises(ValueError, match=f"Adadelta.*{next(iter(bad))}"):
        am.optim.Adadelta([am.zeros(2, requires_grad=True)], **bad)


def test_adadelta_float32_and_float16():
    p = am.tensor(np.ones(3, np.float32), requires_grad=True)
    opt = am.optim.Adadelta([p])
    p.grad = am.tensor(np.array([1.0, 2.0, 3.0], np.float32))
    opt.step()
    assert p.data.dtype == np.float32 and opt.state[p]["square_avg"].dtype == np.float32
    h = am.tensor(np.ones(3, np.float16), requires_grad=True)
    opt = am.optim.Adadelta([h])
    h.grad = am.tensor(np.array([1.0, 2.0, 3.0], np.float16))
    opt.step()
    assert h.data.dtype == np.float16 and opt.state[h]["acc_delta"].dtype == np.float32
    assert np.all(h.data < 1)


# -- Tensor.split (time_sequence_prediction: `for input_t in input.split(1, dim=1)`) ---------------

@pytest.mark.parametrize("shape,size,dim", [((2, 5), 1, 1), ((2, 5), 2, 1), ((7,), 3, 0), ((4, 3), 4, 0),
                                            ((3, 6), [1, 0, 5], -1), ((2, 2, 3), 5, -1)])
def test_tensor_split_takes_torchs_sizes(shape, size, dim):
    x = np.arange(np.prod(shape), dtype=float).reshape(shape)
    n = shape[dim]
    sizes = size if isinstance(size, list) else [min(size, n - i) for i in range(0, n, size)]
    want, start = [], 0
    for s in sizes:  # the oracle: slice by hand
        idx = [slice(None)] * len(shape)
        idx[dim] = slice(start, start + s)
        want.append(x[tuple(idx)])
        start += s
    got = am.tensor(x).split(size, dim)
    assert isinstance(got, tuple) and len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g.data, w)


def test_tensor_split_gradients_and_errors():
    x = np.random.default_rng(0).standard_normal((3, 5))
    f = lambda t: sum(((k + 1) * p.sin()).sum() for k, p in enumerate(t.split([2, 3], dim=1))) + t.split(2)[1].exp().sum()
    assert am.gradcheck(f, (x,)) and am.gradgradcheck(f, (x,))
    t = am.tensor(x)
    with pytest.raises(ValueError, match=r"split.*\[2, 2\].*\(3, 5\)"):
        t.split([2, 2], dim=1)
    with pytest.raises(ValueError, match=r"split.*positive.*\(3, 5\)"):
        t.split(0)
    with pytest.raises(TypeError, match=r"split.*1.5.*\(3, 5\)"):
        t.split(1.5)
    with pytest.raises(ValueError, match="split"):
        am.tensor(1.0).split(1)
    with pytest.raises((ValueError, IndexError), match="split"):
        t.split(1, dim=2)


def test_tensor_split_compiled_replay_equals_eager():
    w = am.tensor(np.random.default_rng(1).standard_normal((4, 6)), requires_grad=True)

    def loss(w):
        return sum((p ** 2 * (k + 1)).sum() for k, p in enumerate(w.split(4, dim=1)))

    eager = loss(w)
    eager.backward()
    g_eager = w.grad.data.copy()
    fn = am.compile(loss)
    for _ in range(2):
        w.grad = None
        out = fn(w)
        out.backward()
        assert out.item() == eager.item()
        np.testing.assert_array_equal(w.grad.data, g_eager)


# -- `.data` is the ndarray: the README's replacements for pytorch/examples' `.data.<op>_` lines --------

def test_torch_data_inplace_idioms_raise_and_the_readme_replacements_work():
    from autograd_mini import nn
    lin = nn.Linear(4, 1)
    lin.weight.grad, lin.bias.grad = am.ones(1, 4), am.ones(1)
    w0, b0 = lin.weight.data.copy(), lin.bias.data.copy()
    with pytest.raises(AttributeError):
        lin.weight.data.add_(-0.1 * lin.weight.grad)        # regression/main.py
    with pytest.raises(AttributeError):
        lin.weight.data.normal_(0.0, 0.02)                  # dcgan weights_init
    with pytest.raises(TypeError):
        lin.weight.data -= 0.1 * lin.weight.grad            # (an ndarray minus a Tensor: refused, not silent)
    np.testing.assert_array_equal(lin.weight.data, w0)
    with am.no_grad():
        for param in lin.parameters():
            param.add_(-0.1 * param.grad)
    np.testing.assert_allclose(lin.weight.data, w0 - 0.1)
    np.testing.assert_allclose(lin.bias.data, b0 - 0.1)
    lin.weight.data -= 0.1 * lin.weight.grad.data
    np.testing.assert_allclose(lin.weight.data, w0 - 0.2)
    am.manual_seed(0)
    nn.init.normal_(lin.weight, 1.0, 0.02)
    nn.init.zeros_(lin.bias)
    assert np.all(np.abs(lin.weight.data - 1.0) < 0.2) and np.all(lin.bias.data == 0)
    with pytest.raises(TypeError, match="state_dict"):
        am.save(lin, "unused.npz")
