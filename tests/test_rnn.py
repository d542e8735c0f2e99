"""Recurrent layers (nn.RNNCell, LSTMCell, GRUCell, RNN, LSTM, GRU) against a numpy oracle
that loops over time steps and gates, as PyTorch's documentation writes them."""

import itertools

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn import functional as F

# -- the oracle ----------------------------------------------------------------------------------


def sig(v):
    return 1.0 / (1.0 + np.exp(-v))


def oracle_cell(mode, x, h, c, w_ih, w_hh, b_ih, b_hh):
    """One step in numpy: x (..., I), h and c (..., H); returns (h', c')."""
    H = w_hh.shape[1]
    b_ih = np.zeros(w_ih.shape[0]) if b_ih is None else b_ih
    b_hh = np.zeros(w_hh.shape[0]) if b_hh is None else b_hh

    def gate(k, with_h=True):  # W_i? x + b_i? (+ W_h? h + b_h?) for gate block k
        rows = slice(k * H, (k + 1) * H)
        v = x @ w_ih[rows].T + b_ih[rows]
        return v + (h @ w_hh[rows].T + b_hh[rows]) if with_h else v

    if mode == "tanh":
        return np.tanh(gate(0)), None
    if mode == "relu":
        return np.maximum(gate(0), 0.0), None
    if mode == "LSTM":
        i, f, g, o = sig(gate(0)), sig(gate(1)), np.tanh(gate(2)), sig(gate(3))
        c2 = f * c + i * g
        return o * np.tanh(c2), c2
    r, z = sig(gate(0)), sig(gate(1))
    n = np.tanh(gate(2, with_h=False) + r * (h @ w_hh[2 * H:].T + b_hh[2 * H:]))
    return (1 - z) * n + z * h, None


def oracle_seq(mode, x, h0, c0, layers, batch_first):
    """The stacked layers in numpy: x (T, N, I), (N, T, I) or (T, I); layers a list of
    (w_ih, w_hh, b_ih, b_hh). Returns (output, h_n, c_n)."""
    batched = x.ndim == 3
    if batched and batch_first:
        x = x.swapaxes(0, 1)
    hn, cn = [], []
    for k, (w_ih, w_hh, b_ih, b_hh) in enumerate(layers):
        h, c = h0[k], c0[k]
        outs = []
        for t in range(x.shape[0]):
            h, c2 = oracle_cell(mode, x[t], h, c, w_ih, w_hh, b_ih, b_hh)
            c = c2 if c2 is not None else c
            outs.append(h)
        x = np.stack(outs)
        hn.append(h)
        cn.append(c)
    if batched and batch_first:
        x = x.swapaxes(0, 1)
    return x, np.stack(hn), np.stack(cn)


SEQ = {"tanh": (nn.RNN, {}), "relu": (nn.RNN, {"nonlinearity": "relu"}), "LSTM": (nn.LSTM, {}),
       "GRU": (nn.GRU, {})}
CELL = {"tanh": (nn.RNNCell, {}), "relu": (nn.RNNCell, {"nonlinearity": "relu"}),
        "LSTM": (nn.LSTMCell, {}), "GRU": (nn.GRUCell, {})}


def layer_params(m):
    """[(w_ih, w_hh, b_ih, b_hh)] per layer as arrays (biases None with bias=False)."""
    return [tuple(p.data for p in ps) + (None, None) * (len(ps) == 2) for ps in m.all_weights]


# -- forward against the oracle ------------------------------------------------------------------


@pytest.mark.parametrize("mode", list(SEQ))
@pytest.mark.parametrize("L,batch_first,batched,given,bias", [
    (1, False, True, False, True), (2, False, True, True, True), (2, True, True, False, True),
    (1, True, True, True, False), (2, False, False, False, True), (1, False, False, True, True),
    (2, True, False, True, False),
])
def test_sequence_layers_match_the_oracle(mode, L, batch_first, batched, given, bias):
    cls, kw = SEQ[mode]
    am.manual_seed(0)
    rng = np.random.default_rng(1)
    T, N, I, H = 4, 3, 2, 5
    m = cls(I, H, num_layers=L, bias=bias, batch_first=batch_first, **kw)
    x = rng.standard_normal(((N, T, I) if batch_first else (T, N, I)) if batched else (T, I))
    state = (L, N, H) if batched else (L, H)
    h0, c0 = rng.standard_normal(state), rng.standard_normal(state)
    if not given:
        h0, c0 = np.zeros(state), np.zeros(state)
        out = m(am.tensor(x))
    elif mode == "LSTM":
        out = m(am.tensor(x), (am.tensor(h0), am.tensor(c0)))
    else:
        out = m(x, h0)  # (arrays are taken, as by the other layers)
    want, hn, cn = oracle_seq(mode, x, h0, c0, layer_params(m), batch_first)
    y, state_n = out
    assert y.shape == want.shape == (((N, T, H) if batch_first else (T, N, H)) if batched else (T, H))
    np.testing.assert_allclose(y.data, want, rtol=1e-12, atol=1e-12)
    if mode == "LSTM":
        h_n, c_n = state_n
        np.testing.assert_allclose(c_n.data, cn, rtol=1e-12, atol=1e-12)
    else:
        h_n = state_n
    assert h_n.shape == state
    np.testing.assert_allclose(h_n.data, hn, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", list(CELL))
@pytest.mark.parametrize("batched,given,bias", list(itertools.product([True, False], [True, False], [True, False])))
def test_cells_match_the_oracle(mode, batched, given, bias):
    cls, kw = CELL[mode]
    am.manual_seed(2)
    rng = np.random.default_rng(3)
    N, I, H = 3, 4, 2
    m = cls(I, H, bias=bias, **kw)
    x = rng.standard_normal((N, I) if batched else (I,))
    state = (N, H) if batched else (H,)
    h, c = (rng.standard_normal(state), rng.standard_normal(state)) if given else (np.zeros(state),) * 2
    hx = None if not given else (am.tensor(h), am.tensor(c)) if mode == "LSTM" else am.tensor(h)
    out = m(am.tensor(x), hx)
    want_h, want_c = oracle_cell(mode, x, h, c, m.weight_ih.data, m.weight_hh.data,
                                 None if not bias else m.bias_ih.data, None if not bias else m.bias_hh.data)
    if mode == "LSTM":
        out, c_out = out
        np.testing.assert_allclose(c_out.data, want_c, rtol=1e-12, atol=1e-12)
    assert out.shape == state
    np.testing.assert_allclose(out.data, want_h, rtol=1e-12, atol=1e-12)


def test_a_cell_stepped_by_hand_is_the_one_layer_sequence_layer():
    am.manual_seed(4)
    lstm, cell = nn.LSTM(3, 4), nn.LSTMCell(3, 4)
    cell.load_state_dict({k[:-3]: v for k, v in lstm.state_dict().items()})
    x = am.randn(5, 2, 3)
    out, (h_n, c_n) = lstm(x)
    h = c = am.zeros(2, 4)
    for t in range(5):
        h, c = cell(x[t], (h, c))
        np.testing.assert_allclose(out.data[t], h.data, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(c_n.data[0], c.data, rtol=1e-14, atol=1e-15)


def test_float32_stays_float32():
    am.manual_seed(0)
    m = nn.GRU(3, 4, num_layers=2, dtype=np.float32)
    out, h = m(am.randn(5, 2, 3).astype(np.float32))
    assert out.dtype == h.dtype == np.float32


# -- gradients --------------------------------------------------------------------------------------


def call_with(model, tensors, *inputs):
    """model(*inputs) with its parameters replaced by `tensors` (named_parameters order)."""
    names = [n for n, _ in model.named_parameters()]
    saved = {n: model.__dict__[n] for n in names}
    model.__dict__.update(zip(names, tensors))
    try:
        return model(*inputs)
    finally:
        model.__dict__.update(saved)


def check_sequence_model(m, mode, x, h0, c0, params):
    """gradcheck and gradgradcheck of a stacked RNN/LSTM/GRU's output and final state(s)
    with respect to the input, the initial state(s) and every parameter."""
    if mode == "LSTM":
        def f(x, h0, c0, *ps):
            out, (h, c) = call_with(m, ps, x, (h0, c0))
            return am.concatenate([out.flatten(), h.flatten(), c.flatten()])
        inputs = (x, h0, c0, *params)
    else:
        def f(x, h0, *ps):
            out, h = call_with(m, ps, x, h0)
            return am.concatenate([out.flatten(), h.flatten()])
        inputs = (x, h0, *params)
    assert am.gradcheck(f, inputs)
    assert am.gradgradcheck(f, inputs)


@pytest.mark.parametrize("mode", list(SEQ))
def test_sequence_layers_gradcheck_and_gradgradcheck(mode):
    cls, kw = SEQ[mode]
    am.manual_seed(5)
    rng = np.random.default_rng(6)
    L, T, N, I, H = 2, 2, 2, 2, 2
    m = cls(I, H, num_layers=L, **kw)
    params = [p.data.copy() for p in m.parameters()]
    x, h0, c0 = rng.standard_normal((T, N, I)), rng.standard_normal((L, N, H)), rng.standard_normal((L, N, H))
    check_sequence_model(m, mode, x, h0, c0, params)


@pytest.mark.parametrize("mode", ["tanh", "LSTM", "GRU"])
def test_cells_gradcheck_and_gradgradcheck_unbatched_without_state(mode):
    cls, kw = CELL[mode]
    am.manual_seed(7)
    m = cls(3, 2, **kw)
    params = [p.data.copy() for p in m.parameters()]

    def f(x, *ps):
        out = call_with(m, ps, x)
        return am.concatenate(list(out)) if mode == "LSTM" else out

    inputs = (np.random.default_rng(8).standard_normal(3), *params)
    assert am.gradcheck(f, inputs)
    assert am.gradgradcheck(f, inputs)


# -- parameters, repr ---------------------------------------------------------------------------------


def test_state_dict_names_shapes_and_init_are_pytorchs():
    m = nn.LSTM(3, 5, num_layers=2)
    assert [(k, v.shape) for k, v in m.state_dict().items()] == [
        ("weight_ih_l0", (20, 3)), ("weight_hh_l0", (20, 5)), ("bias_ih_l0", (20,)), ("bias_hh_l0", (20,)),
        ("weight_ih_l1", (20, 5)), ("weight_hh_l1", (20, 5)), ("bias_ih_l1", (20,)), ("bias_hh_l1", (20,)),
    ]
    assert list(nn.GRU(3, 5, bias=False).state_dict()) == ["weight_ih_l0", "weight_hh_l0"]
    assert [(k, v.shape) for k, v in nn.GRUCell(3, 5).state_dict().items()] == [
        ("weight_ih", (15, 3)), ("weight_hh", (15, 5)), ("bias_ih", (15,)), ("bias_hh", (15,))]
    assert nn.RNNCell(3, 5, bias=False).bias_ih is None
    assert nn.RNN(3, 5).weight_hh_l0.shape == (5, 5)
    am.manual_seed(0)
    big = nn.LSTM(4, 16)
    for p in big.parameters():  # U(-1/sqrt(H), 1/sqrt(H)) = U(-0.25, 0.25)
        assert np.abs(p.data).max() <= 0.25 and np.abs(p.data).max() > 0.2
    other = nn.LSTM(3, 5, num_layers=2)
    other.load_state_dict(m.state_dict())
    np.testing.assert_array_equal(other.bias_hh_l1.data, m.bias_hh_l1.data)


def test_repr_is_pytorchs():
    assert nn.LSTM(3, 5, num_layers=2, batch_first=True).label() == "LSTM(3, 5, num_layers=2, batch_first=True)"
    assert repr(nn.LSTM(3, 5, num_layers=2, batch_first=True)).startswith("LSTM(3, 5, num_layers=2, batch_first=True)")
    assert nn.GRU(3, 5, bias=False).label() == "GRU(3, 5, bias=False)"
    assert nn.RNN(3, 5, num_layers=2, dropout=0.5).label() == "RNN(3, 5, num_layers=2, dropout=0.5)"
    assert nn.RNNCell(3, 5, nonlinearity="relu").label() == "RNNCell(3, 5, nonlinearity=relu)"
    assert nn.LSTMCell(3, 5, bias=False).label() == "LSTMCell(3, 5, bias=False)"
    assert nn.GRUCell(3, 5).label() == "GRUCell(3, 5)"


# -- dropout between layers -------------------------------------------------------------------------


def test_dropout_acts_between_layers_in_training_only():
    am.manual_seed(9)
    m = nn.GRU(2, 3, num_layers=2, dropout=1.0)
    x = am.randn(4, 1, 2)
    out, h = m(x)  # (p = 1: the second layer sees zeros)
    second = nn.GRU(3, 3)
    second.load_state_dict({k.replace("l1", "l0"): v for k, v in m.state_dict().items() if k.endswith("l1")})
    np.testing.assert_allclose(out.data, second(am.zeros(4, 1, 3))[0].data, rtol=1e-14)
    m.eval()
    want, _, _ = oracle_seq("GRU", x.data, np.zeros((2, 1, 3)), np.zeros((2, 1, 3)), layer_params(m), False)
    np.testing.assert_allclose(m(x)[0].data, want, rtol=1e-12, atol=1e-12)
    with pytest.warns(UserWarning, match="num_layers=1"):
        nn.LSTM(2, 3, dropout=0.5)


# -- errors -----------------------------------------------------------------------------------------


def test_bad_input_and_state_shapes_raise_naming_the_layer_and_shapes():
    lstm = nn.LSTM(3, 5, num_layers=2)
    with pytest.raises(ValueError, match=r"LSTM\(3, 5, num_layers=2\).*\(T, N, 3\).*\(4, 2, 4\)"):
        lstm(am.zeros(4, 2, 4))
    with pytest.raises(ValueError, match=r"LSTM.*got shape \(2, 3, 4, 3\)"):
        lstm(am.zeros(2, 3, 4, 3))
    with pytest.raises(ValueError, match=r"LSTM.*c0 of shape \(2, 2, 5\).*\(4, 2, 3\).*\(1, 2, 5\)"):
        lstm(am.zeros(4, 2, 3), (am.zeros(2, 2, 5), am.zeros(1, 2, 5)))
    with pytest.raises(TypeError, match=r"LSTM.*pair \(h, c\)"):
        lstm(am.zeros(4, 2, 3), am.zeros(2, 2, 5))
    with pytest.raises(ValueError, match=r"GRU\(3, 5, batch_first=True\).*h0 of shape \(1, 4, 5\).*\(1, 2, 5\)"):
        nn.GRU(3, 5, batch_first=True)(am.zeros(4, 2, 3), am.zeros(1, 2, 5))
    with pytest.raises(ValueError, match=r"RNN.*h0 of shape \(1, 5\).*\(1, 1, 5\)"):
        nn.RNN(3, 5)(am.zeros(4, 3), am.zeros(1, 1, 5))  # (unbatched input, batched state)
    with pytest.raises(ValueError, match=r"RNN.*sequence length.*\(0, 2, 3\)"):
        nn.RNN(3, 5)(am.zeros(0, 2, 3))
    with pytest.raises(ValueError, match=r"GRUCell\(3, 5\).*\(N, 3\) or \(3,\).*\(2, 4\)"):
        nn.GRUCell(3, 5)(am.zeros(2, 4))
    with pytest.raises(ValueError, match=r"RNNCell.*\(1, 2, 3\)"):
        nn.RNNCell(3, 5)(am.zeros(1, 2, 3))
    with pytest.raises(ValueError, match=r"LSTMCell.*h of shape \(2, 5\).*\(3, 5\)"):
        nn.LSTMCell(3, 5)(am.zeros(2, 3), (am.zeros(3, 5), am.zeros(2, 5)))
    with pytest.raises(ValueError, match=r"RNNCell.*hx of shape \(5,\).*\(1, 5\)"):
        nn.RNNCell(3, 5)(am.zeros(3), am.zeros(1, 5))


def test_unsupported_and_bad_arguments_are_refused_by_name():
    with pytest.raises(TypeError, match="LSTM.*bidirectional"):
        nn.LSTM(3, 5, bidirectional="yes")
    with pytest.raises(ValueError, match="LSTM: proj_size must be smaller than hidden_size 5, got 5"):
        nn.LSTM(3, 5, proj_size=5)
    with pytest.raises(ValueError, match="RNN.*nonlinearity.*'sigmoid'"):
        nn.RNN(3, 5, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="RNNCell.*nonlinearity"):
        nn.RNNCell(3, 5, nonlinearity="gelu")
    with pytest.raises(ValueError, match="GRU.*dropout.*1.5"):
        nn.GRU(3, 5, num_layers=2, dropout=1.5)
    with pytest.raises(ValueError, match="GRU.*num_layers"):
        nn.GRU(3, 5, num_layers=0)
    with pytest.raises(ValueError, match="LSTMCell.*hidden_size"):
        nn.LSTMCell(3, 0)
    with pytest.raises(TypeError, match="RNN.*hidden_size"):
        nn.RNN(3, 2.5)


# -- compile, summary, drawings -------------------------------------------------------------------


@pytest.mark.parametrize("bidirectional", [False, True])
def test_compiled_lstm_loss_is_eagers_bit_for_bit(bidirectional):
    am.manual_seed(20 if bidirectional else 10)
    D = 2 if bidirectional else 1
    lstm = nn.LSTM(3, 4, num_layers=2, batch_first=True, bidirectional=bidirectional)
    head = nn.Linear(4 * D, 1)
    params = list(lstm.parameters()) + list(head.parameters())

    def loss(x, h0, c0, y):
        out, _ = lstm(x, (h0, c0))
        return F.mse_loss(head(out), y)

    compiled = am.compile(loss)
    for step in range(3):
        args = (am.randn(2, 5, 3), am.randn(2 * D, 2, 4), am.randn(2 * D, 2, 4), am.randn(2, 5, 1))
        for p in params:
            p.grad = None
        lc = compiled(*args)
        lc.backward()
        gc = [p.grad.data.copy() for p in params]
        for p in params:
            p.grad = None
        le = loss(*args)
        le.backward()
        assert lc.data.tobytes() == le.data.tobytes()
        assert all(a.tobytes() == p.grad.data.tobytes() for a, p in zip(gc, params))


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(3, 4, batch_first=True)
        self.head = nn.Linear(4, 2)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out)


def test_summary_and_draw_network_accept_recurrent_layers():
    s = nn.summary(Tagger(), input_size=(2, 5, 3))
    assert [(r.name, r.label, r.output_shape, r.num_params) for r in s.rows] == [
        ("rnn", "LSTM(3, 4, batch_first=True)", [(2, 5, 4), [(1, 2, 4), (1, 2, 4)]], 144),
        ("head", "Linear(4→2)", (2, 5, 2), 10)]
    assert "LSTM(3, 4, num_layers=2)" in str(nn.summary(nn.LSTM(3, 4, num_layers=2), input_size=(5, 2, 3)))
    src = am.viz.draw_network(Tagger(), input_size=(2, 5, 3)).source
    assert "LSTM(3, 4, batch_first=True)\\n→ (2, 5, 4)\\n144 params" in src and "layer1 -> layer2" in src
    # a model that is a recurrent layer returns (output, h_n): its output is drawn
    src = am.viz.draw_network(nn.GRU(3, 4, num_layers=2), input_size=(5, 2, 3)).source
    assert "GRU(3, 4, num_layers=2)\\n→ (5, 2, 4)" in src
    src = am.viz.draw_network(nn.Sequential(nn.RNNCell(3, 4), nn.Linear(4, 2)), input_size=(2, 3)).source
    assert "RNNCell(3, 4)" in src


# -- bidirectional --------------------------------------------------------------------------------


def oracle_bidir(mode, x, h0, c0, layers, batch_first):
    """Bidirectional stacked layers in numpy: `layers` a list of (w_ih, w_hh, b_ih, b_hh) per
    (layer, direction) in PyTorch's order; h0, c0 (2 * num_layers, ..., H). The reverse
    direction steps t = T-1 .. 0 and its state after step t is output at t, in [..., H:]."""
    batched = x.ndim == 3
    if batched and batch_first:
        x = x.swapaxes(0, 1)
    T = x.shape[0]
    hn, cn = [], []
    for layer in range(len(layers) // 2):
        ys = []
        for d, steps in enumerate([range(T), range(T - 1, -1, -1)]):
            k = 2 * layer + d
            h, c = h0[k], c0[k]
            outs = [None] * T
            for t in steps:
                h, c2 = oracle_cell(mode, x[t], h, c, *layers[k])
                c = c2 if c2 is not None else c
                outs[t] = h
            ys.append(np.stack(outs))
            hn.append(h)
            cn.append(c)
        x = np.concatenate(ys, axis=-1)
    if batched and batch_first:
        x = x.swapaxes(0, 1)
    return x, np.stack(hn), np.stack(cn)


@pytest.mark.parametrize("mode", list(SEQ))
@pytest.mark.parametrize("L,batch_first,batched,given,bias", [
    (2, False, True, False, True), (2, True, True, True, True), (2, False, True, True, False),
    (2, True, True, False, True), (1, False, True, True, True), (2, False, False, True, True),
    (2, True, False, False, True),
])
def test_bidirectional_layers_match_the_oracle(mode, L, batch_first, batched, given, bias):
    cls, kw = SEQ[mode]
    am.manual_seed(11)
    rng = np.random.default_rng(12)
    T, N, I, H = 4, 3, 2, 5
    m = cls(I, H, num_layers=L, bias=bias, batch_first=batch_first, bidirectional=True, **kw)
    x = rng.standard_normal(((N, T, I) if batch_first else (T, N, I)) if batched else (T, I))
    state = (2 * L, N, H) if batched else (2 * L, H)
    h0, c0 = rng.standard_normal(state), rng.standard_normal(state)
    if not given:
        h0, c0 = np.zeros(state), np.zeros(state)
        out = m(am.tensor(x))
    elif mode == "LSTM":
        out = m(am.tensor(x), (am.tensor(h0), am.tensor(c0)))
    else:
        out = m(x, am.tensor(h0))
    want, hn, cn = oracle_bidir(mode, x, h0, c0, layer_params(m), batch_first)
    y, state_n = out
    assert y.shape == want.shape == (((N, T, 2 * H) if batch_first else (T, N, 2 * H)) if batched else (T, 2 * H))
    np.testing.assert_allclose(y.data, want, rtol=1e-12, atol=1e-12)
    if mode == "LSTM":
        h_n, c_n = state_n
        assert c_n.shape == state
        np.testing.assert_allclose(c_n.data, cn, rtol=1e-12, atol=1e-12)
    else:
        h_n = state_n
    assert h_n.shape == state
    np.testing.assert_allclose(h_n.data, hn, rtol=1e-12, atol=1e-12)
    # the last layer's forward state ends the sequence, its reverse state begins it
    last = y.data if not (batched and batch_first) else y.data.swapaxes(0, 1)
    np.testing.assert_array_equal(h_n.data[-2], last[-1, ..., :H])
    np.testing.assert_array_equal(h_n.data[-1], last[0, ..., H:])


def test_bidirectional_reverse_direction_is_a_one_way_layer_on_the_flipped_sequence():
    am.manual_seed(13)
    bi, one = nn.GRU(3, 4, bidirectional=True), nn.GRU(3, 4)
    one.load_state_dict({k[: -len("_reverse")]: v for k, v in bi.state_dict().items() if k.endswith("_reverse")})
    x, h0 = am.randn(5, 2, 3), am.randn(2, 2, 4)
    out, h_n = bi(x, h0)
    want, want_h = one(am.tensor(x.data[::-1].copy()), h0[1:])
    np.testing.assert_allclose(out.data[..., 4:], want.data[::-1], rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(h_n.data[1:], want_h.data, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("mode", list(SEQ))
def test_bidirectional_gradcheck_and_gradgradcheck(mode):
    cls, kw = SEQ[mode]
    am.manual_seed(14)
    rng = np.random.default_rng(15)
    L, T, N, I, H = 2, 3, 2, 2, 2
    m = cls(I, H, num_layers=L, batch_first=True, bidirectional=True, **kw)
    params = [p.data.copy() for p in m.parameters()]
    x = rng.standard_normal((N, T, I))
    h0, c0 = rng.standard_normal((2 * L, N, H)), rng.standard_normal((2 * L, N, H))
    check_sequence_model(m, mode, x, h0, c0, params)


def test_bidirectional_gradcheck_unbatched_without_state():
    am.manual_seed(16)
    m = nn.LSTM(2, 2, num_layers=2, bidirectional=True)
    params = [p.data.copy() for p in m.parameters()]

    def f(x, *ps):
        out, (h, c) = call_with(m, ps, x)
        return am.concatenate([out.flatten(), h.flatten(), c.flatten()])

    inputs = (np.random.default_rng(17).standard_normal((3, 2)), *params)
    assert am.gradcheck(f, inputs)
    assert am.gradgradcheck(f, inputs)


def test_bidirectional_parameter_names_shapes_order_and_init_are_pytorchs():
    m = nn.LSTM(3, 5, num_layers=2, bidirectional=True)
    assert [(k, v.shape) for k, v in m.state_dict().items()] == [
        ("weight_ih_l0", (20, 3)), ("weight_hh_l0", (20, 5)), ("bias_ih_l0", (20,)), ("bias_hh_l0", (20,)),
        ("weight_ih_l0_reverse", (20, 3)), ("weight_hh_l0_reverse", (20, 5)),
        ("bias_ih_l0_reverse", (20,)), ("bias_hh_l0_reverse", (20,)),
        ("weight_ih_l1", (20, 10)), ("weight_hh_l1", (20, 5)), ("bias_ih_l1", (20,)), ("bias_hh_l1", (20,)),
        ("weight_ih_l1_reverse", (20, 10)), ("weight_hh_l1_reverse", (20, 5)),
        ("bias_ih_l1_reverse", (20,)), ("bias_hh_l1_reverse", (20,)),
    ]
    assert [n for n, _ in m.named_parameters()] == list(m.state_dict())
    assert [[p.shape for p in ps] for ps in m.all_weights][1] == [(20, 3), (20, 5), (20,), (20,)]
    assert list(nn.GRU(3, 5, bias=False, bidirectional=True).state_dict()) == [
        "weight_ih_l0", "weight_hh_l0", "weight_ih_l0_reverse", "weight_hh_l0_reverse"]
    assert nn.RNN(3, 5, num_layers=3, bidirectional=True).weight_ih_l2_reverse.shape == (5, 10)
    assert sum(p.size for p in nn.GRU(3, 5, num_layers=2, bidirectional=True).parameters()) == \
        2 * (15 * 3 + 15 * 5 + 30) + 2 * (15 * 10 + 15 * 5 + 30)
    am.manual_seed(0)
    big = nn.GRU(4, 16, bidirectional=True)
    for name, p in big.named_parameters():  # U(-1/sqrt(H), 1/sqrt(H)) = U(-0.25, 0.25)
        assert np.abs(p.data).max() <= 0.25 and np.abs(p.data).max() > 0.2, name
    assert nn.LSTM(3, 5, bidirectional=True).label() == "LSTM(3, 5, bidirectional=True)"
    assert nn.LSTM(3, 5, bidirectional=True).bidirectional is True


def test_bidirectional_state_dict_round_trip():
    am.manual_seed(18)
    m = nn.LSTM(3, 4, num_layers=2, batch_first=True, bidirectional=True)
    other = nn.LSTM(3, 4, num_layers=2, batch_first=True, bidirectional=True)
    other.load_state_dict(m.state_dict())
    for (k, a), (k2, b) in zip(m.state_dict().items(), other.state_dict().items()):
        assert k == k2
        np.testing.assert_array_equal(a, b)
    x = am.randn(2, 5, 3)
    (y1, (h1, c1)), (y2, (h2, c2)) = m(x), other(x)
    assert y1.data.tobytes() == y2.data.tobytes() and h1.data.tobytes() == h2.data.tobytes()
    assert c1.data.tobytes() == c2.data.tobytes()
    with pytest.raises(ValueError, match="missing keys: weight_ih_l0_reverse"):  # (a one-way state dict)
        other.load_state_dict(nn.LSTM(3, 4, num_layers=2, batch_first=True).state_dict())


def test_bidirectional_dropout_acts_on_the_concatenated_output():
    am.manual_seed(19)
    m = nn.LSTM(2, 3, num_layers=2, dropout=1.0, bidirectional=True)
    x = am.randn(4, 1, 2)
    out, (h, c) = m(x)  # (p = 1: the second layer sees zeros in both halves)
    second = nn.LSTM(6, 3, bidirectional=True)
    second.load_state_dict({k.replace("l1", "l0"): v for k, v in m.state_dict().items() if "_l1" in k})
    np.testing.assert_allclose(out.data, second(am.zeros(4, 1, 6))[0].data, rtol=1e-14)
    m.eval()
    want, _, _ = oracle_bidir("LSTM", x.data, np.zeros((4, 1, 3)), np.zeros((4, 1, 3)), layer_params(m), False)
    np.testing.assert_allclose(m(x)[0].data, want, rtol=1e-12, atol=1e-12)


def test_bidirectional_bad_state_shapes_raise_naming_the_layer_and_shapes():
    lstm = nn.LSTM(3, 5, num_layers=2, bidirectional=True)
    with pytest.raises(ValueError, match=r"LSTM\(3, 5, num_layers=2, bidirectional=True\).*h0 of shape "
                                         r"\(4, 2, 5\).*\(4, 2, 3\).*got shape \(2, 2, 5\)"):
        lstm(am.zeros(4, 2, 3), (am.zeros(2, 2, 5), am.zeros(4, 2, 5)))
    with pytest.raises(ValueError, match=r"LSTM.*c0 of shape \(4, 2, 5\).*\(4, 2, 10\)"):
        lstm(am.zeros(4, 2, 3), (am.zeros(4, 2, 5), am.zeros(4, 2, 10)))
    with pytest.raises(ValueError, match=r"GRU\(3, 5, bidirectional=True\).*h0 of shape \(2, 5\).*\(1, 5\)"):
        nn.GRU(3, 5, bidirectional=True)(am.zeros(4, 3), am.zeros(1, 5))
    with pytest.raises(ValueError, match=r"RNN.*\(T, N, 3\).*\(4, 2, 6\)"):
        nn.RNN(3, 5, bidirectional=True)(am.zeros(4, 2, 6))


def test_summary_of_a_bidirectional_layer():
    s = nn.summary(nn.GRU(3, 4, batch_first=True, bidirectional=True), input_size=(2, 5, 3))
    assert [(r.output_shape, r.num_params) for r in s.rows] == [([(2, 5, 8), (2, 2, 4)], 2 * (12 * 3 + 12 * 4 + 24))]


@pytest.mark.parametrize("mode", ["LSTM", "GRU"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_steps_take_no_slice_of_a_whole_sequence_product(mode, bidirectional):
    """Each step's input term is its own product: a step that sliced one product over all
    T steps would give that product T whole-sized gradients to add up in the backward
    (quadratic in T). Stacked layers take the layer below's states as computed, so no
    node slices a tensor with a time axis that requires grad; the result still matches
    the oracle's."""
    cls = nn.LSTM if mode == "LSTM" else nn.GRU
    am.manual_seed(3)
    T, N, I, H = 5, 2, 3, 4
    m = cls(I, H, num_layers=2, bidirectional=bidirectional)
    x = am.tensor(np.random.default_rng(1).standard_normal((T, N, I)))
    out = m(x)[0]
    seen, stack_, sliced = set(), [out], []
    while stack_:
        t = stack_.pop()
        if t.grad_fn is None or id(t) in seen:
            continue
        seen.add(id(t))
        node = t.grad_fn
        if node.prim.name == "getitem" and node.inputs[0].requires_grad and node.inputs[0].ndim == 3:
            sliced.append(node.inputs[0].shape)
        stack_.extend(a for a in node.inputs if isinstance(a, am.Tensor))
    assert sliced == []
    out.sum().backward()
    assert all(p.grad is not None for p in m.parameters())
