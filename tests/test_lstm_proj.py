"""LSTM(proj_size=P): PyTorch's LSTM with projections, h_t = W_hr (o_t * tanh(c_t)),
against a numpy loop; parameter names and shapes as PyTorch's; gradients of both orders."""

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import nn


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def naive_lstm_proj(m, x, h0, c0):
    """x (T, N, I), h0 (D*L, N, P), c0 (D*L, N, H): a loop over layers, directions, steps."""
    L, D, H = m.num_layers, 2 if m.bidirectional else 1, m.hidden_size
    T = x.shape[0]
    hn, cn = [], []
    for layer in range(L):
        ys = []
        for d in range(D):
            sfx = f"_l{layer}" + ("_reverse" if d else "")
            p = {n: getattr(m, n + sfx).data for n in ("weight_ih", "weight_hh", "weight_hr")}
            b = (getattr(m, "bias_ih" + sfx).data + getattr(m, "bias_hh" + sfx).data) if m.bias else 0
            h, c = h0[D * layer + d], c0[D * layer + d]
            out = [None] * T
            for t in (range(T - 1, -1, -1) if d else range(T)):
                z = x[t] @ p["weight_ih"].T + h @ p["weight_hh"].T + b
                i, f, g, o = sigmoid(z[:, :H]), sigmoid(z[:, H:2 * H]), np.tanh(z[:, 2 * H:3 * H]), sigmoid(z[:, 3 * H:])
                c = f * c + i * g
                h = (o * np.tanh(c)) @ p["weight_hr"].T
                out[t] = h
            ys.append(np.stack(out))
            hn.append(h)
            cn.append(c)
        x = np.concatenate(ys, axis=-1)
    return x, np.stack(hn), np.stack(cn)


@pytest.mark.parametrize("L, bidirectional, bias, batch_first", [
    (1, False, True, False), (2, True, True, False), (2, False, False, True), (1, True, True, True)])
def test_matches_a_numpy_loop(L, bidirectional, bias, batch_first):
    am.manual_seed(3)
    I, H, P, T, N = 3, 5, 2, 4, 2
    D = 2 if bidirectional else 1
    m = nn.LSTM(I, H, num_layers=L, bias=bias, batch_first=batch_first, bidirectional=bidirectional,
                proj_size=P, dtype=np.float64)
    rng = np.random.default_rng(0)
    x, h0, c0 = rng.standard_normal((T, N, I)), rng.standard_normal((D * L, N, P)), rng.standard_normal((D * L, N, H))
    xin = x.transpose(1, 0, 2) if batch_first else x
    out, (hn, cn) = m(xin, (h0, c0))
    want, want_h, want_c = naive_lstm_proj(m, x, h0, c0)
    if batch_first:
        want = want.transpose(1, 0, 2)
    assert out.shape == (xin.shape[0], xin.shape[1], D * P) and hn.shape == (D * L, N, P) and cn.shape == (D * L, N, H)
    np.testing.assert_allclose(out.data, want, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(hn.data, want_h, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(cn.data, want_c, rtol=1e-12, atol=1e-14)
    # zero states by default; unbatched input
    out0, (h, c) = m(xin)
    np.testing.assert_allclose(out0.data, m(xin, (np.zeros_like(h0), np.zeros_like(c0)))[0].data, rtol=1e-13, atol=1e-15)
    out1, (h1, c1) = m(x[:, 0], (h0[:, 0], c0[:, 0]))
    assert out1.shape == (T, D * P) and h1.shape == (D * L, P) and c1.shape == (D * L, H)


def test_parameters_are_pytorchs():
    m = nn.LSTM(3, 5, num_layers=2, bidirectional=True, proj_size=2)
    shapes = {n: p.shape for n, p in m.named_parameters()}
    assert list(shapes)[:5] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_hr_l0"]
    assert shapes["weight_hh_l0"] == (20, 2) and shapes["weight_hr_l0_reverse"] == (2, 5)
    assert shapes["weight_ih_l1"] == (20, 4) and len(shapes) == 20
    assert [n for n, _ in nn.LSTM(3, 5, bias=False, proj_size=1).named_parameters()] == \
        ["weight_ih_l0", "weight_hh_l0", "weight_hr_l0"]
    assert "proj_size=2" in repr(m) and m.proj_size == 2
    assert all(np.abs(p.data).max() <= 1 / np.sqrt(5) for p in m.parameters())


def test_bad_arguments_and_states_are_refused_by_name():
    with pytest.raises(ValueError, match="LSTM: proj_size must be smaller than hidden_size 5, got 7"):
        nn.LSTM(3, 5, proj_size=7)
    with pytest.raises(ValueError, match="LSTM: proj_size must be at least 0"):
        nn.LSTM(3, 5, proj_size=-1)
    m = nn.LSTM(3, 5, proj_size=2)
    x = np.zeros((4, 2, 3))
    with pytest.raises(ValueError, match=r"h0 of shape \(1, 2, 2\) for input of shape \(4, 2, 3\), got shape \(1, 2, 5\)"):
        m(x, (np.zeros((1, 2, 5)), np.zeros((1, 2, 5))))
    with pytest.raises(ValueError, match=r"c0 of shape \(1, 2, 5\).*got shape \(1, 2, 2\)"):
        m(x, (np.zeros((1, 2, 2)), np.zeros((1, 2, 2))))


def test_gradients_of_both_orders():
    am.manual_seed(1)
    m = nn.LSTM(2, 3, num_layers=2, bidirectional=True, proj_size=1, dtype=np.float64)
    rng = np.random.default_rng(2)
    x, h0, c0 = rng.standard_normal((3, 2, 2)), rng.standard_normal((4, 2, 1)), rng.standard_normal((4, 2, 3))
    def g(x, h0, c0):
        out, (h, c) = m(x, (h0, c0))
        return (out ** 2).sum() + (h * c[..., :1]).sum()

    am.gradcheck(g, (x, h0, c0))
    small = nn.LSTM(2, 2, bidirectional=True, proj_size=1, dtype=np.float64)
    am.gradgradcheck(lambda x, h0: (small(x, (h0, c0[:2, :1, :2]))[0] ** 2).sum(), (x[:2, :1], h0[:2, :1]))
    # every projection weight's gradient, against central differences of the numpy loop
    m.zero_grad()
    (m(x, (h0, c0))[0] ** 2).sum().backward()
    for name in ("weight_hr_l0", "weight_hr_l1_reverse"):
        p = getattr(m, name)
        num = np.zeros(p.shape)
        for k in np.ndindex(p.shape):
            keep = p.data[k]
            for sgn in (1, -1):
                p.data[k] = keep + sgn * 1e-6
                num[k] += sgn * (naive_lstm_proj(m, x, h0, c0)[0] ** 2).sum() / 2e-6
            p.data[k] = keep
        np.testing.assert_allclose(p.grad.data, num, rtol=1e-5, atol=1e-8)


def test_compile_replays_bit_for_bit():
    am.manual_seed(4)
    m = nn.LSTM(3, 4, proj_size=2, num_layers=2)
    rng = np.random.default_rng(5)

    def f(x):
        out, (h, c) = m(x)
        return (out ** 2).sum() + h.sum() + c.sum()

    step = am.compile(f)
    for _ in range(3):
        x = am.tensor(rng.standard_normal((4, 2, 3)), requires_grad=True)
        outs = []
        for fn in (f, step):
            m.zero_grad()
            x.grad = None
            out = fn(x)
            out.backward()
            outs.append([out.data.copy(), x.grad.data.copy()] + [p.grad.data.copy() for p in m.parameters()])
        for a, b in zip(*outs):
            np.testing.assert_array_equal(a, b)
    assert step.recordings == 1


def test_packed_input_with_projections_equals_each_sequence_run_alone():
    from autograd_mini.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    am.manual_seed(0)
    lstm = am.nn.LSTM(3, 4, num_layers=2, proj_size=2, bidirectional=True, dtype=np.float64)
    g = np.random.default_rng(7)
    lengths = [2, 5, 1, 4]
    x, h0, c0 = g.standard_normal((5, 4, 3)), g.standard_normal((4, 4, 2)), g.standard_normal((4, 4, 4))
    out, (h_n, c_n) = lstm(pack_padded_sequence(am.tensor(x), lengths, enforce_sorted=False),
                           (am.tensor(h0), am.tensor(c0)))
    padded, _ = pad_packed_sequence(out)
    assert padded.shape == (5, 4, 4) and h_n.shape == (4, 4, 2) and c_n.shape == (4, 4, 4)
    for b, n in enumerate(lengths):
        ob, (hb, cb) = lstm(am.tensor(x[:n, b]), (am.tensor(h0[:, b]), am.tensor(c0[:, b])))
        np.testing.assert_allclose(padded.data[:n, b], ob.data, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(h_n.data[:, b], hb.data, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(c_n.data[:, b], cb.data, rtol=1e-12, atol=1e-14)


def test_rnn_and_gru_refuse_proj_size_by_name():
    for layer in (am.nn.RNN, am.nn.GRU):
        with pytest.raises(ValueError, match=rf"^{layer.__name__}: proj_size is only supported by LSTM"):
            layer(3, 4, proj_size=2)
        assert layer(3, 4, proj_size=0).hidden_size == 4
