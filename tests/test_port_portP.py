"""Frictions met porting four PyTorch programs (a Transformer LM with weight tying, a
truncated-BPTT character LSTM, a small ResNet with checkpoint/resume, a training loop of
pasted idioms) to autograd_mini. Expected values come from naive numpy loops (no torch)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am


# -- Tensor.select (torch's; LSTM gate initialisation writes through it) ------------------

@pytest.mark.parametrize("shape", [(4,), (3, 2), (2, 3, 4)])
def test_select_matches_a_naive_loop_for_every_dim_and_index(shape):
    x = np.random.default_rng(0).standard_normal(shape)
    t = am.tensor(x)
    for dim in range(-len(shape), len(shape)):
        d = dim % len(shape)
        for index in range(-shape[d], shape[d]):
            want = np.empty(shape[:d] + shape[d + 1:])
            for idx in np.ndindex(*want.shape):
                want[idx] = x[idx[:d] + (index % shape[d],) + idx[d:]]
            got = t.select(dim, index)
            assert got.shape == want.shape and np.array_equal(got.numpy(), want)


@pytest.mark.parametrize("shape", [(3, 2), (2, 3, 4)])
def test_select_gradients(shape):
    x = np.random.default_rng(1).standard_normal(shape)
    f = lambda a: (a.select(1, -1) ** 2).sum() + a.select(0, 0).sin().sum()
    assert am.gradcheck(f, (x,)) and am.gradgradcheck(f, (x,))


def test_select_writes_through_under_no_grad_as_torch_lstm_init_does():
    # for name, p in lstm.named_parameters(): p.select(0, ...) / gate rows set in place
    w = am.zeros((3, 4), requires_grad=True)
    with am.no_grad():
        w.select(0, 1).fill_(1.0)
        w.select(1, -1).add_(2.0)
    want = np.zeros((3, 4)); want[1] = 1.0; want[:, -1] += 2.0
    assert np.array_equal(w.numpy(), want)


@pytest.mark.parametrize("args, err, words", [
    ((2, 0), ValueError, ["select", "(3, 2)"]),
    ((0, 3), IndexError, ["select", "3", "(3, 2)"]),
    ((0, -4), IndexError, ["select", "-4"]),
    ((0, 1.0), TypeError, ["select", "index"]),
    ((0.5, 0), TypeError, ["select"]),
])
def test_select_bad_input_is_named(args, err, words):
    x = am.zeros((3, 2), requires_grad=True)
    with pytest.raises(err) as info:
        x.select(*args)
    assert all(w in str(info.value) for w in words)


def test_select_of_a_0d_tensor_is_refused():
    with pytest.raises(ValueError, match="select"):
        am.tensor(1.0).select(0, 0)


def test_select_compiled_replay_equals_eager_bit_for_bit():
    rng = np.random.default_rng(2)
    w = am.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    fn = lambda x: ((x @ w.T).select(1, 2) ** 2).sum() + (x @ w.T).select(0, -1).tanh().sum()
    step = am.compile(fn)
    for _ in range(3):
        x = am.tensor(rng.standard_normal((2, 4)))
        w.grad = None
        e = fn(x); e.backward(); ge = w.grad.numpy().copy()
        w.grad = None
        c = step(x); c.backward()
        assert np.array_equal(e.numpy(), c.numpy()) and np.array_equal(ge, w.grad.numpy())
