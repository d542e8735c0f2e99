"""Recurrent layers, as PyTorch's: RNNCell, LSTMCell, GRUCell and RNN, LSTM, GRU.

All are composites of linear maps, sigmoid, tanh (or relu), slicing and stack:
no backward code. With x_t the input at step t, h the hidden state, H the hidden
size and G*H rows in each weight (G gates stacked in PyTorch's order):

    RNN   (G=1)  h' = tanh(W_ih x + b_ih + W_hh h + b_hh)          (or relu)
    LSTM  (G=4)  i, f, g, o = split(W_ih x + b_ih + W_hh h + b_hh)  (in that order)
                 c' = sigmoid(f) * c + sigmoid(i) * tanh(g),  h' = sigmoid(o) * tanh(c')
    GRU   (G=3)  r, z = sigmoid(split(W_i[rz] x + b_i[rz] + W_h[rz] h + b_h[rz]))
                 n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),  h' = (1 - z) * n + z * h

Parameters weight_ih (G*H, I), weight_hh (G*H, H), bias_ih and bias_hh (G*H,),
all drawn from U(-1/sqrt(H), 1/sqrt(H)); the sequence layers name them
weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, weight_ih_l1, ... so state
dicts carry PyTorch's keys. With bidirectional=True each layer also runs a reverse
direction (its own weight_ih_l0_reverse, ..., registered after the layer's forward
ones) over the steps T..1; its state at step t is output at step t, in
output[..., H:] beside the forward one's in output[..., :H], so layers above the
first take 2*H inputs, and h_n (c_n) holds num_layers*2 states: layer 0 forward,
layer 0 reverse, layer 1 forward, ... A missing initial state is zero (its terms
are left out of the first step, which gives the same numbers). LSTM with
proj_size = P > 0 (PyTorch's LSTM with projections) outputs h' = W_hr (sigmoid(o) *
tanh(c')) of size P: weight_hr_l{k} (P, H) after the layer's biases, weight_hh (4H, P),
layers above the first take D*P inputs, h0 and h_n hold P-vectors (c0, c_n H-vectors).

A PackedSequence input (nn.utils.rnn.pack_padded_sequence) is run as PyTorch runs it:
step t on its batch_sizes[t] still-running sequences only (the batch sorted by decreasing
length), so each sequence's forward state stops at its own last step and its reverse
direction starts there (from h0); nothing is computed on padding, so padding can reach
neither values nor gradients. The output is a PackedSequence of the last layer's states
(same batch_sizes and permutation), h_n (c_n) each sequence's final states, h0 (c0) and
h_n (c_n) in the original batch order.
"""

from __future__ import annotations

import math
import warnings
from typing import Any


from ..creation import zeros
from ..engine import tracers
from ..primitives import matmul_add
from ..functions import concatenate, stack
from ..tensor import Tensor, _check_device, _flag
from . import functional as F
from . import init
from ._common import _empty, _input
from .module import Module
from .utils.rnn import PackedSequence, _is_constant

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _add(a: Tensor | None, b: Tensor | None) -> Tensor | None:
    return b if a is None else a if b is None else a + b


def _step(mode: str, gi: Tensor, h: Tensor | None, c: Tensor | None, w_hh: Tensor,
          b_hh: Tensor | None, H: int) -> tuple[Tensor, Tensor | None]:
    """One time step: gi = x W_ih^T + b_ih (..., G*H) and the state h, c (..., H),
    None for a zero state. Returns (h', c') (c' None but for LSTM)."""
    gh = b_hh if h is None else F._affine(h, w_hh, b_hh)  # W_hh h + b_hh, (..., G*H)
    if mode == "GRU":
        if gh is None:  # (zero state, no bias: r * (W_hn h + b_hn) = 0)
            rz, n_h = gi[..., : 2 * H], None
        else:
            rz, n_h = gi[..., : 2 * H] + gh[..., : 2 * H], gh[..., 2 * H:]
        rz = rz.sigmoid()
        r, z = rz[..., :H], rz[..., H:]
        n = gi[..., 2 * H:] if n_h is None else gi[..., 2 * H:] + r * n_h
        n = n.tanh()
        out = (1 - z) * n
        return (out if h is None else out + z * h), None
    pre = _add(gi, gh)
    if mode == "RNN_TANH":
        return pre.tanh(), None
    if mode == "RNN_RELU":
        return pre.relu(), None
    s = pre.sigmoid()  # (one sigmoid for i, f and o; the g block of it is not used)
    i, f, o = s[..., :H], s[..., H: 2 * H], s[..., 3 * H:]
    ig = i * pre[..., 2 * H: 3 * H].tanh()
    c = ig if c is None else f * c + ig
    return o * c.tanh(), c


def _sizes(where: str, input_size: Any, hidden_size: Any) -> tuple[int, int]:
    return (F._int(input_size, "input_size", where, 0), F._int(hidden_size, "hidden_size", where, 1))


def _state(layer: Module, hx: Any, shape: tuple, what: str, input_shape: tuple) -> Tensor:
    """hx (a tensor or array) of exactly `shape`, else a ValueError naming the layer."""
    t = _input(layer, hx)
    if tuple(t.shape) != shape:
        raise ValueError(
            f"{layer.label()}: expected {what} of shape {shape} for input of shape "
            f"{input_shape}, got shape {tuple(t.shape)}"
        )
    return t


def _lstm_pair(layer: Module, hx: Any) -> tuple[Any, Any]:
    if not isinstance(hx, (tuple, list)) or len(hx) != 2:
        raise TypeError(f"{layer.label()}: the state must be a pair (h, c), got {type(hx).__name__}")
    return hx[0], hx[1]


# -- cells -------------------------------------------------------------------------------------


class _CellBase(Module):
    mode = ""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, dtype: Any) -> None:
        super().__init__()
        where = type(self).__name__
        self.input_size, self.hidden_size = _sizes(where, input_size, hidden_size)
        self.bias = _flag(bias, "bias", where)
        gh = _GATES[self.mode] * self.hidden_size
        self.weight_ih = _empty((gh, self.input_size), dtype)
        self.weight_hh = _empty((gh, self.hidden_size), dtype)
        if self.bias:
            self.bias_ih = _empty((gh,), dtype)
            self.bias_hh = _empty((gh,), dtype)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every parameter ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as PyTorch."""
        k = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -k, k)

    def _run(self, input: Any, hx: Any) -> tuple[Tensor, Tensor | None]:
        x = _input(self, input)
        shape = tuple(x.shape)
        if len(shape) not in (1, 2) or shape[-1] != self.input_size:
            raise ValueError(
                f"{self.label()}: expected input of shape (N, {self.input_size}) or "
                f"({self.input_size},), got shape {shape}"
            )
        H = self.hidden_size
        state = shape[:-1] + (H,)
        h = c = None
        if hx is not None:
            if self.mode == "LSTM":
                h, c = _lstm_pair(self, hx)
                h, c = _state(self, h, state, "h", shape), _state(self, c, state, "c", shape)
            else:
                h = _state(self, hx, state, "hx", shape)
        gi = F._affine(x, self.weight_ih, self.bias_ih)
        return _step(self.mode, gi, h, c, self.weight_hh, self.bias_hh, H)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        if self.mode == "RNN_RELU":
            s += ", nonlinearity=relu"
        return s


class RNNCell(_CellBase):
    """One step of an Elman RNN: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu).

    input (N, input_size) or (input_size,); hx of shape (N, hidden_size) or
    (hidden_size,) (zeros if None); returns h' of hx's shape. weight_ih
    (hidden_size, input_size), weight_hh (hidden_size, hidden_size), bias_ih and
    bias_hh (hidden_size,), all ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device: Any = None, dtype: Any = None) -> None:
        _check_device(device, "RNNCell")
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.__dict__["nonlinearity"] = nonlinearity  # (read by mode, which __init__ needs)
        super().__init__(input_size, hidden_size, bias, dtype)

    @property
    def mode(self) -> str:  # type: ignore[override]
        return "RNN_RELU" if self.nonlinearity == "relu" else "RNN_TANH"

    def forward(self, input: Any, hx: Any = None) -> Tensor:
        return self._run(input, hx)[0]


class LSTMCell(_CellBase):
    """One LSTM step: (x, (h, c)) -> (h', c').

    Gates i, f, g, o (in that order in the weights' rows),
    c' = sigmoid(f) c + sigmoid(i) tanh(g), h' = sigmoid(o) tanh(c').

    input (N, input_size) or (input_size,); hx a pair (h, c), each (N, hidden_size)
    or (hidden_size,) (zeros if None); returns (h', c'). weight_ih
    (4*hidden_size, input_size), weight_hh (4*hidden_size, hidden_size), bias_ih and
    bias_hh (4*hidden_size,), all ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).
    """

    mode = "LSTM"

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        _check_device(device, "LSTMCell")
        super().__init__(input_size, hidden_size, bias, dtype)

    def forward(self, input: Any, hx: Any = None) -> tuple[Tensor, Tensor]:
        return self._run(input, hx)  # type: ignore[return-value]


class GRUCell(_CellBase):
    """One GRU step: (x, h) -> h'.

    Gates r, z, n (in that order in the weights' rows),
    r, z = sigmoid(W_i[rz] x + b_i[rz] + W_h[rz] h + b_h[rz]),
    n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), h' = (1 - z) n + z h.

    input (N, input_size) or (input_size,); hx (N, hidden_size) or (hidden_size,)
    (zeros if None); returns h' of hx's shape. weight_ih (3*hidden_size, input_size),
    weight_hh (3*hidden_size, hidden_size), bias_ih and bias_hh (3*hidden_size,),
    all ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).
    """

    mode = "GRU"

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        _check_device(device, "GRUCell")
        super().__init__(input_size, hidden_size, bias, dtype)

    def forward(self, input: Any, hx: Any = None) -> Tensor:
        return self._run(input, hx)[0]


# -- sequence layers ---------------------------------------------------------------------------


class _RNNBase(Module):
    mode = ""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int, bias: bool,
                 batch_first: bool, dropout: float, bidirectional: bool, proj_size: int,
                 dtype: Any) -> None:
        super().__init__()
        where = type(self).__name__
        self.input_size, self.hidden_size = _sizes(where, input_size, hidden_size)
        self.num_layers = F._int(num_layers, "num_layers", where, 1)
        self.bias = _flag(bias, "bias", where)
        self.batch_first = _flag(batch_first, "batch_first", where)
        if isinstance(dropout, bool) or not F._is_real(dropout) or not 0.0 <= float(dropout) <= 1.0:
            raise ValueError(f"{where}: dropout must be a number in [0, 1], got {dropout!r}")
        self.dropout = float(dropout)
        if self.dropout > 0 and self.num_layers == 1:
            warnings.warn(
                f"{where}: dropout={self.dropout} acts between layers, so with num_layers=1 it "
                "changes nothing", UserWarning, stacklevel=3)
        self.bidirectional = _flag(bidirectional, "bidirectional", where)
        self.proj_size = F._int(proj_size, "proj_size", where, 0)
        G, H, P = _GATES[self.mode], self.hidden_size, self.proj_size
        if P and P >= H:
            raise ValueError(f"{where}: proj_size must be smaller than hidden_size {H}, got {P}")
        D = 2 if self.bidirectional else 1
        R = P or H  # (the size of h)
        names = []  # per (layer, direction), in PyTorch's order: l0, l0_reverse, l1, ...
        for layer in range(self.num_layers):
            size = self.input_size if layer == 0 else D * R
            shapes = [("weight_ih", (G * H, size)), ("weight_hh", (G * H, R))]
            if self.bias:
                shapes += [("bias_ih", (G * H,)), ("bias_hh", (G * H,))]
            if P:
                shapes += [("weight_hr", (P, H))]
            for suffix in ("", "_reverse")[:D]:
                for name, shape in shapes:
                    setattr(self, f"{name}_l{layer}{suffix}", _empty(shape, dtype))
                names.append([f"{name}_l{layer}{suffix}" for name, _ in shapes])
        self._all_weights = names
        self.reset_parameters()

    @property
    def all_weights(self) -> list[list[Tensor]]:
        """The parameters per layer and direction: [[weight_ih_l0, weight_hh_l0, bias_ih_l0,
        bias_hh_l0(, weight_hr_l0 with proj_size)], [weight_ih_l0_reverse, ...] (bidirectional
        only), [weight_ih_l1, ...], ...]."""
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    def flatten_parameters(self) -> None:
        """Nothing to do, as PyTorch's on the CPU (there it packs the weights for cuDNN);
        kept so that code calling it after loading a model (model.rnn.flatten_parameters())
        runs unchanged. The parameters, their shapes and the outputs are untouched."""
        return None

    def reset_parameters(self) -> None:
        """Every parameter ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as PyTorch."""
        k = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -k, k)

    def _weights(self, k: int) -> tuple:
        """(weight_ih, weight_hh, bias_ih, bias_hh, weight_hr) of layer-direction k (see
        all_weights), None for the biases without bias and for weight_hr without proj_size."""
        names = self._all_weights[k]
        w_ih, w_hh = getattr(self, names[0]), getattr(self, names[1])
        b_ih, b_hh = (getattr(self, names[2]), getattr(self, names[3])) if self.bias else (None, None)
        return w_ih, w_hh, b_ih, b_hh, getattr(self, names[-1]) if self.proj_size else None

    def _run_packed(self, packed: PackedSequence, hx: Any) -> tuple[PackedSequence, Tensor, Tensor | None]:
        """The layers over a PackedSequence: at step t only the batch_sizes[t] first rows (ranks)
        run; a forward state whose sequence has ended is set aside, a reverse one joins (from
        h0) at its sequence's last step. States are kept in rank order, h0/h_n permuted."""
        x, sizes, order, unorder = packed
        x = _input(self, x)
        shape = tuple(x.shape)
        if len(shape) != 2 or shape[-1] != self.input_size:
            raise ValueError(f"{self.label()}: expected a PackedSequence whose data has shape "
                             f"(sum of lengths, {self.input_size}), got shape {shape}")
        if tracers and not _is_constant(sizes):
            raise RuntimeError(f"{self.label()}: inside am.compile a PackedSequence must be made in the "
                               "function by pack_padded_sequence / pack_sequence from lengths given as "
                               "Python ints (its batch_sizes steer the loop, which a replay would freeze)")
        steps = [int(b) for b in sizes]
        starts = [0]
        for b in steps[:-1]:
            starts.append(starts[-1] + b)
        T, B, L, H = len(steps), steps[0], self.num_layers, self.hidden_size
        D = 2 if self.bidirectional else 1
        P = self.proj_size
        state = (D * L, B, H)
        h0 = c0 = None
        if hx is not None:
            if self.mode == "LSTM":
                h0, c0 = _lstm_pair(self, hx)
                h_state = (D * L, B, P) if P else state
                h0, c0 = _state(self, h0, h_state, "h0", shape), _state(self, c0, state, "c0", shape)
            else:
                h0 = _state(self, hx, state, "h0", shape)
        if order is not None:  # (to rank order)
            h0 = None if h0 is None else h0[:, order]
            c0 = None if c0 is None else c0[:, order]
        lstm = self.mode == "LSTM"
        hs: list[Tensor] = []
        cs: list[Tensor] = []
        for layer in range(L):
            ys = []
            for d in range(D):
                k = D * layer + d
                w_ih, w_hh, b_ih, b_hh, w_hr = self._weights(k)
                gi = F._affine(x, w_ih, b_ih)  # every row's input term: (sum of lengths, G*H)
                outs: list[Tensor] = []
                if d == 0:
                    h = None if h0 is None else h0[k]
                    c = None if c0 is None else c0[k]
                    done_h, done_c = [], []  # states of the sequences that have ended, last ranks first
                    for t in range(T):
                        b = steps[t]
                        if h is not None and h.shape[0] > b:
                            done_h.append(h[b:])
                            h = h[:b]
                            if c is not None:
                                done_c.append(c[b:])
                                c = c[:b]
                        h, c = _step(self.mode, gi[starts[t]: starts[t] + b], h, c, w_hh, b_hh, H)
                        if w_hr is not None:  # (LSTM with projections)
                            h = F._affine(h, w_hr, None)
                        outs.append(h)
                    h = concatenate([h] + done_h[::-1]) if done_h else h
                    c = concatenate([c] + done_c[::-1]) if done_c else c
                else:  # steps T-1 .. 0; a sequence joins at its own last step
                    h = c = None
                    n = 0
                    for t in range(T - 1, -1, -1):
                        b = steps[t]
                        if b > n:
                            if h0 is not None:
                                h = h0[k, n:b] if h is None else concatenate([h, h0[k, n:b]])
                            elif h is not None:
                                h = concatenate([h, zeros((b - n, P or H), dtype=h.dtype)])
                            if c0 is not None:
                                c = c0[k, n:b] if c is None else concatenate([c, c0[k, n:b]])
                            elif c is not None:
                                c = concatenate([c, zeros((b - n, H), dtype=c.dtype)])
                            n = b
                        h, c = _step(self.mode, gi[starts[t]: starts[t] + b], h, c, w_hh, b_hh, H)
                        if w_hr is not None:
                            h = F._affine(h, w_hr, None)
                        outs.append(h)
                    outs.reverse()
                ys.append(concatenate(outs) if T > 1 else outs[0])
                hs.append(h)
                if lstm:
                    cs.append(c)
            x = ys[0] if D == 1 else concatenate(ys, axis=-1)
            if self.dropout and self.training and layer < L - 1:
                x = F.dropout(x, self.dropout, True)
        h_n, c_n = stack(hs), (stack(cs) if lstm else None)
        if unorder is not None:  # (back to the original order)
            h_n = h_n[:, unorder]
            c_n = None if c_n is None else c_n[:, unorder]
        return PackedSequence(x, sizes, order, unorder), h_n, c_n

    def _run(self, input: Any, hx: Any) -> tuple[Any, Tensor, Tensor | None]:
        if isinstance(input, PackedSequence):
            return self._run_packed(input, hx)
        x = _input(self, input)
        shape = tuple(x.shape)
        layout = "(N, T, input_size)" if self.batch_first else "(T, N, input_size)"
        if len(shape) not in (2, 3) or shape[-1] != self.input_size:
            raise ValueError(
                f"{self.label()}: expected input of shape {layout.replace('input_size', str(self.input_size))} "
                f"or (T, {self.input_size}), got shape {shape}"
            )
        batched = len(shape) == 3
        tdim = 1 if batched and self.batch_first else 0
        T, L, H = shape[tdim], self.num_layers, self.hidden_size
        D = 2 if self.bidirectional else 1
        if T == 0:
            raise ValueError(f"{self.label()}: the sequence length must be at least 1, got input of shape {shape}")
        state = (D * L, shape[1 - tdim], H) if batched else (D * L, H)
        P = self.proj_size
        h0 = c0 = None
        if hx is not None:
            if self.mode == "LSTM":
                h0, c0 = _lstm_pair(self, hx)
                h_state = state[:-1] + (P,) if P else state
                h0, c0 = _state(self, h0, h_state, "h0", shape), _state(self, c0, state, "c0", shape)
            else:
                h0 = _state(self, hx, state, "h0", shape)
        hs: list[Tensor] = []
        cs: list[Tensor] = []
        # Each step's input term x_t W_ih^T + b_ih is its own product, from a per-step input
        # (a slice of x, or the layer below's state at t as it was computed), not a slice of
        # one product over all steps: the gradient of a slice is a zero array of the whole
        # with the slice filled in, so T slices cost T whole-sized arrays and additions in
        # the backward (quadratic in T: a step of a 128-LSTM on 32 steps took 21 ms, now 12).
        steps = [x[t] if tdim == 0 else x[:, t] for t in range(T)]
        for layer in range(L):
            ys, per_step = [], []
            for d in range(D):  # d = 1: the reverse direction, steps T-1 .. 0
                k = D * layer + d
                w_ih, w_hh, b_ih, b_hh, w_hr = self._weights(k)
                w_ih_t = w_ih.T
                h = None if h0 is None else h0[k]
                c = None if c0 is None else c0[k]
                outs = []
                for t in (range(T - 1, -1, -1) if d else range(T)):
                    x_t = steps[t]
                    gi = x_t @ w_ih_t if b_ih is None else matmul_add.apply(x_t, w_ih_t, b_ih)
                    h, c = _step(self.mode, gi, h, c, w_hh, b_hh, H)
                    if w_hr is not None:  # (LSTM with projections: h = W_hr (o * tanh(c)))
                        h = F._affine(h, w_hr, None)
                    outs.append(h)
                if d:
                    outs.reverse()  # (output at step t: state t)
                per_step.append(outs)
                ys.append(stack(outs, axis=tdim))
                hs.append(h)
                if c is not None:
                    cs.append(c)
            x = ys[0] if D == 1 else concatenate(ys, axis=-1)
            if layer < L - 1:
                if self.dropout and self.training:
                    x = F.dropout(x, self.dropout, True)
                    steps = [x[t] if tdim == 0 else x[:, t] for t in range(T)]
                else:
                    steps = per_step[0] if D == 1 else [concatenate(s, axis=-1) for s in zip(*per_step)]
        return x, stack(hs), (stack(cs) if cs else None)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        if self.proj_size:
            s += f", proj_size={self.proj_size}"
        return s


def _no_projections(name: str, proj_size: Any) -> None:
    """PyTorch's RNN and GRU take proj_size too, and refuse any but 0."""
    if proj_size != 0:
        raise ValueError(f"{name}: proj_size is only supported by LSTM (PyTorch's rule), got {proj_size!r}")


class RNN(_RNNBase):
    """A stack of num_layers Elman RNNs run over a sequence.

    h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh) (or relu), each layer's outputs
    h_1..h_T the next one's inputs.

    With D = 2 if bidirectional else 1: input (T, N, input_size), (N, T, input_size) with
    batch_first=True, or (T, input_size) unbatched; hx h0 of shape (D*num_layers, N,
    hidden_size) ((D*num_layers, hidden_size) unbatched; zeros if None). Returns
    (output, h_n): output (T, N, D*hidden_size) (or (N, T, D*hidden_size), (T,
    D*hidden_size)), the last layer's h_t for every t (the reverse direction's in
    [..., hidden_size:]); h_n of h0's shape, every layer's (and direction's) last state.
    Parameters weight_ih_l{k} (hidden_size, input_size for k = 0, else D*hidden_size),
    weight_hh_l{k} (hidden_size, hidden_size), bias_ih_l{k}, bias_hh_l{k} (hidden_size,),
    and the same with the suffix _reverse if bidirectional, all ~ U(-1/sqrt(hidden_size),
    1/sqrt(hidden_size)). dropout: applied to every layer's output but the last's in
    training. input may be a PackedSequence (data (sum of lengths, input_size)): the output
    is then one (data (sum of lengths, D*hidden_size)) and h_n each sequence's own final
    states (module docstring).
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device: Any = None, dtype: Any = None) -> None:
        _check_device(device, "RNN")
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        _no_projections("RNN", proj_size)
        self.__dict__["nonlinearity"] = nonlinearity  # (read by mode, which __init__ needs)
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, 0, dtype)

    @property
    def mode(self) -> str:  # type: ignore[override]
        return "RNN_RELU" if self.nonlinearity == "relu" else "RNN_TANH"

    def forward(self, input: Any, hx: Any = None) -> tuple[Tensor, Tensor]:
        out, h, _ = self._run(input, hx)
        return out, h



class LSTM(_RNNBase):
    """A stack of num_layers LSTMs over a sequence (see LSTMCell; gates i, f, g, o).

    With D = 2 if bidirectional else 1: input (T, N, input_size), (N, T, input_size) with
    batch_first=True, or (T, input_size) unbatched; hx a pair (h0, c0), each
    (D*num_layers, N, hidden_size) ((D*num_layers, hidden_size) unbatched; zeros if
    None). Returns (output, (h_n, c_n)): output (T, N, D*hidden_size) (or (N, T,
    D*hidden_size), (T, D*hidden_size)), the last layer's h_t for every t (the reverse
    direction's in [..., hidden_size:]); h_n, c_n of h0's shape. Parameters
    weight_ih_l{k} (4*hidden_size, input_size for k = 0, else D*hidden_size),
    weight_hh_l{k} (4*hidden_size, hidden_size), bias_ih_l{k}, bias_hh_l{k}
    (4*hidden_size,), and the same with the suffix _reverse if bidirectional, all
    ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)). dropout: applied to every layer's
    output but the last's in training.

    proj_size = P (0 < P < hidden_size): PyTorch's LSTM with projections, h_t =
    W_hr (sigmoid(o_t) * tanh(c_t)) with weight_hr_l{k} (P, hidden_size) (registered
    after the layer's biases; no bias); weight_hh_l{k} is then (4*hidden_size, P),
    weight_ih_l{k} for k > 0 (4*hidden_size, D*P), h0 and h_n (D*num_layers, N, P),
    output (T, N, D*P); c0, c_n keep hidden_size.
    """

    mode = "LSTM"

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, device: Any = None, dtype: Any = None) -> None:
        _check_device(device, "LSTM")
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, proj_size, dtype)

    def forward(self, input: Any, hx: Any = None) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        out, h, c = self._run(input, hx)
        return out, (h, c)  # type: ignore[return-value]


class GRU(_RNNBase):
    """A stack of num_layers GRUs over a sequence (see GRUCell; gates r, z, n).

    With D = 2 if bidirectional else 1: input (T, N, input_size), (N, T, input_size) with
    batch_first=True, or (T, input_size) unbatched; hx h0 of shape (D*num_layers, N,
    hidden_size) ((D*num_layers, hidden_size) unbatched; zeros if None). Returns
    (output, h_n): output (T, N, D*hidden_size) (or (N, T, D*hidden_size), (T,
    D*hidden_size)), the last layer's h_t for every t (the reverse direction's in
    [..., hidden_size:]); h_n of h0's shape. Parameters weight_ih_l{k} (3*hidden_size,
    input_size for k = 0, else D*hidden_size), weight_hh_l{k} (3*hidden_size,
    hidden_size), bias_ih_l{k}, bias_hh_l{k} (3*hidden_size,), and the same with the
    suffix _reverse if bidirectional, all ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).
    dropout: applied to every layer's output but the last's in training. input may be a
    PackedSequence (data (sum of lengths, input_size)): the output is then one (data (sum of
    lengths, D*hidden_size)) and the final states are each sequence's own (module docstring).
    """

    mode = "GRU"

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, device: Any = None, dtype: Any = None) -> None:
        _check_device(device, "GRU")
        _no_projections("GRU", proj_size)
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, 0, dtype)

    def forward(self, input: Any, hx: Any = None) -> tuple[Tensor, Tensor]:
        out, h, _ = self._run(input, hx)
        return out, h
