"""End-to-end scenarios as a PyTorch user writes them (small and fast): checkpoint and
resume, fine-tuning with frozen layers, a gradient penalty through create_graph."""

from __future__ import annotations

import numpy as np

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn import functional as F

RNG = np.random.default_rng(0)
X = RNG.normal(size=(96, 6))
Y = RNG.integers(0, 3, size=96)


def _make():
    am.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))
    opt = am.optim.Adam(model.parameters(), lr=0.01, weight_decay=1e-3)
    return model, opt, am.optim.StepLR(opt, step_size=2, gamma=0.5)


def _epochs(model, opt, sched, first, last):
    for epoch in range(first, last):
        model.train()
        for i in range(0, 96, 32):
            opt.zero_grad()
            F.cross_entropy(model(am.tensor(X[i:i + 32])), Y[i:i + 32]).backward()
            opt.step()
        sched.step()


def test_a_run_resumed_from_a_checkpoint_in_fresh_objects_continues_bit_for_bit(tmp_path):
    model, opt, sched = _make()
    _epochs(model, opt, sched, 0, 5)
    want = model.state_dict()
    model, opt, sched = _make()
    _epochs(model, opt, sched, 0, 2)
    am.save({"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict()},
            tmp_path / "ckpt.pt")
    ck = am.load(tmp_path / "ckpt.pt")
    resumed, opt2, sched2 = _make()
    resumed.load_state_dict(ck["model"])
    opt2.load_state_dict(ck["opt"])
    sched2.load_state_dict(ck["sched"])
    _epochs(resumed, opt2, sched2, 2, 5)
    got = resumed.state_dict()
    assert list(want) == list(got)
    for k in want:
        assert want[k].dtype == got[k].dtype and np.array_equal(want[k], got[k]), k
    assert opt2.param_groups[0]["lr"] == 0.01 * 0.5 ** 2


def test_fine_tuning_a_frozen_backbone_moves_only_the_head():
    model, _, _ = _make()
    before = model.state_dict()
    backbone = nn.Sequential(*list(model)[:3])
    backbone.requires_grad_(False)
    backbone.eval()  # (frozen batch-norm statistics too)
    opt = am.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-3)  # all params given
    for i in range(0, 96, 32):
        opt.zero_grad()
        F.cross_entropy(model(am.tensor(X[i:i + 32])), Y[i:i + 32]).backward()
        opt.step()
    after = model.state_dict()
    for k in before:
        assert np.array_equal(before[k], after[k]) == (not k.startswith("3.")), k
    assert all(p.grad is None for p in backbone.parameters())


def test_a_gradient_penalty_backpropagates_through_the_input_gradient():
    am.manual_seed(1)
    critic = nn.Sequential(nn.Linear(3, 5), nn.LeakyReLU(0.2), nn.Linear(5, 5), nn.Tanh(), nn.Linear(5, 1))
    xs = RNG.normal(size=(4, 3))

    def penalty(weight):
        w0 = critic[0].weight.data.copy()
        critic[0].weight.data[...] = weight
        x = am.tensor(xs, requires_grad=True)
        out = critic(x)
        (g,) = am.autograd.grad(out, x, grad_outputs=am.ones_like(out), create_graph=True)
        loss = ((am.sqrt((g ** 2).sum(axis=1)) - 1) ** 2).mean()
        critic[0].weight.data[...] = w0
        return loss

    w = critic[0].weight.data.copy()
    penalty(w).backward()
    analytic = critic[0].weight.grad.numpy().copy()
    numeric = np.zeros_like(w)
    for idx in np.ndindex(w.shape):
        wp, wm = w.copy(), w.copy()
        wp[idx] += 1e-6
        wm[idx] -= 1e-6
        numeric[idx] = (penalty(wp).item() - penalty(wm).item()) / 2e-6
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)
