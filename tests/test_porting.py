"""End-to-end scenarios as a PyTorch user writes them (small and fast): checkpoint and
resume, fine-tuning with frozen layers, a gradient penalty through create_graph, a tiny
decoder-only transformer."""

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


class _Block(nn.Module):
    """Pre-LayerNorm transformer block: causal multi-head self-attention, then a GELU MLP."""

    def __init__(self, d, heads, t):
        super().__init__()
        self.heads = heads
        self.ln1, self.qkv, self.proj = nn.LayerNorm(d), nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.mlp = nn.Sequential(nn.LayerNorm(d), nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))
        self.register_buffer("mask", am.tensor(np.tril(np.ones((t, t), dtype=bool))))

    def forward(self, x):
        B, T, D = x.shape
        q, k, v = (a.reshape((B, T, self.heads, D // self.heads)).permute((0, 2, 1, 3))
                   for a in am.split(self.qkv(self.ln1(x)), 3, axis=-1))
        s = am.einsum("bhqd,bhkd->bhqk", q, k) / np.sqrt(D // self.heads)
        a = F.softmax(am.where(self.mask[:T, :T], s, -np.inf), dim=-1)
        x = x + self.proj(am.einsum("bhqk,bhkd->bhqd", a, v).permute((0, 2, 1, 3)).reshape((B, T, D)))
        return x + self.mlp(x)


class _TinyGPT(nn.Module):
    def __init__(self, vocab, d=8, heads=2, layers=2, t=6):
        super().__init__()
        self.tok, self.pos = nn.Embedding(vocab, d), nn.Embedding(t, d)
        self.blocks = nn.ModuleList([_Block(d, heads, t) for _ in range(layers)])
        self.lnf, self.head = nn.LayerNorm(d), nn.Linear(d, vocab, bias=False)
        self.head.weight = self.tok.weight  # weight tying

    def forward(self, idx):
        x = self.tok(idx) + self.pos.weight[:idx.shape[1]]
        for block in self.blocks:
            x = block(x)
        return self.head(self.lnf(x))


def test_a_tiny_transformer_has_finite_difference_gradients_and_learns_a_repeated_text():
    text = np.array([0, 1, 2, 3, 1, 4, 5, 2] * 6)  # a repeated 8-character "text", vocab 6
    x = np.stack([text[i:i + 6] for i in range(0, 24, 3)])
    y = np.stack([text[i + 1:i + 7] for i in range(0, 24, 3)])
    y[0, 0] = -100  # one ignored position
    am.manual_seed(0)
    model = _TinyGPT(6)
    params = dict(model.named_parameters())
    assert "head.weight" not in params and len(params) == 2 + 2 * 12 + 2  # tied: counted once

    def loss_fn():
        logits = model(x)
        return F.cross_entropy(logits.reshape((-1, 6)), y.reshape(-1), label_smoothing=0.1)

    # the causal mask: position 2's logits do not depend on later tokens
    x2 = x.copy()
    x2[:, 3:] = (x2[:, 3:] + 1) % 6
    np.testing.assert_array_equal(model(x)[:, :3].numpy(), model(x2)[:, :3].numpy())

    # one step's gradients against central differences, on a few parameters
    loss_fn().backward()
    names = ["tok.weight", "blocks.0.qkv.bias", "blocks.1.ln1.weight", "pos.weight"]

    def loss_of(*values):
        saved = [params[n].data.copy() for n in names]
        for n, v in zip(names, values):
            params[n].data[...] = v.data
        with am.no_grad():
            out = loss_fn()
        for n, s in zip(names, saved):
            params[n].data[...] = s
        return out

    numeric = am.numerical_grad(loss_of, tuple(params[n].data.copy() for n in names))
    for n, g in zip(names, numeric):
        assert np.isfinite(params[n].grad.numpy()).all(), n
        np.testing.assert_allclose(params[n].grad.numpy(), g, rtol=1e-6, atol=1e-9, err_msg=n)

    # AdamW with a linear warm-up and gradient clipping lowers the loss
    opt = am.optim.AdamW(model.parameters(), lr=0.02, weight_decay=0.01)
    sched = am.optim.LinearLR(opt, start_factor=0.2, total_iters=5)
    first = loss_fn().item()
    for _ in range(30):
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
    assert loss_fn().item() < 0.5 * first  # (3.89 -> 0.93; label smoothing keeps it above 0)
