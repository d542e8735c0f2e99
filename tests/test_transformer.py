"""Transformer layers (TransformerEncoderLayer, TransformerEncoder, TransformerDecoderLayer,
TransformerDecoder, Transformer) against a numpy oracle written with per-head loops, PyTorch's
state_dict names, first and second derivatives, am.compile against eager, and a short training
run."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import nn
from test_nn_modules import call_with

# -- a numpy oracle -------------------------------------------------------------------------------


def rng(seed=0):
    return np.random.default_rng(seed)


def softmax_rows(s):
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def mha_oracle(m, q, k, kpm=None, mask=None):
    """One sample: q (L, E), k = v (S, E); kpm (S,) and mask (L, S), boolean (True = ignore)
    or float (added). Head by head, row by row."""
    E, H = m.embed_dim, m.num_heads
    hd = E // H
    W, b = m.in_proj_weight.data, m.in_proj_bias.data
    Q, K, V = q @ W[:E].T + b[:E], k @ W[E:2 * E].T + b[E:2 * E], k @ W[2 * E:].T + b[2 * E:]
    L, S = q.shape[0], k.shape[0]
    out = np.zeros((L, E))
    for h in range(H):
        sl = slice(h * hd, (h + 1) * hd)
        for i in range(L):
            s = np.array([Q[i, sl] @ K[j, sl] / math.sqrt(hd) for j in range(S)])
            for extra in (kpm, None if mask is None else mask[i]):
                if extra is not None:
                    s = np.where(extra, -np.inf, s) if extra.dtype == bool else s + extra
            out[i, sl] = softmax_rows(s) @ V[:, sl]
    return out @ m.out_proj.weight.data.T + m.out_proj.bias.data


def ln_oracle(norm, x):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + norm.eps) * norm.weight.data + norm.bias.data


def act_oracle(name, x):
    if name == "relu":
        return np.maximum(x, 0.0)
    return 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))


def ff_oracle(layer, act, x):
    h = act_oracle(act, x @ layer.linear1.weight.data.T + layer.linear1.bias.data)
    return h @ layer.linear2.weight.data.T + layer.linear2.bias.data


def encoder_layer_oracle(layer, act, x, mask=None, kpm=None):
    """One sample x (S, E)."""
    n1, n2 = (lambda a: ln_oracle(layer.norm1, a)), (lambda a: ln_oracle(layer.norm2, a))
    sa = lambda a: mha_oracle(layer.self_attn, a, a, kpm, mask)  # noqa: E731
    if layer.norm_first:
        x = x + sa(n1(x))
        return x + ff_oracle(layer, act, n2(x))
    x = n1(x + sa(x))
    return n2(x + ff_oracle(layer, act, x))


def decoder_layer_oracle(layer, act, x, mem, tmask=None, mmask=None, tkpm=None, mkpm=None):
    """One sample x (T, E), mem (S, E)."""
    n = [lambda a, nn_=nn_: ln_oracle(nn_, a) for nn_ in (layer.norm1, layer.norm2, layer.norm3)]
    sa = lambda a: mha_oracle(layer.self_attn, a, a, tkpm, tmask)  # noqa: E731
    ca = lambda a: mha_oracle(layer.multihead_attn, a, mem, mkpm, mmask)  # noqa: E731
    if layer.norm_first:
        x = x + sa(n[0](x))
        x = x + ca(n[1](x))
        return x + ff_oracle(layer, act, n[2](x))
    x = n[0](x + sa(x))
    x = n[1](x + ca(x))
    return n[2](x + ff_oracle(layer, act, x))


def randomise(model, seed):
    """Every parameter random (LayerNorm's ones and zeros would hide a swapped weight/bias)."""
    r = rng(seed)
    for p in model.parameters():
        p.data = r.standard_normal(p.shape) * 0.5


def per_sample(x, batch_first):
    """(N, S, E) or (S, N, E) -> the list of (S, E) samples."""
    return [x[n] if batch_first else x[:, n] for n in range(x.shape[0 if batch_first else 1])]


# -- values against the oracle ----------------------------------------------------------------------


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_encoder_layer_matches_the_oracle(norm_first, activation, batch_first):
    am.manual_seed(0)
    layer = nn.TransformerEncoderLayer(4, 2, dim_feedforward=6, activation=activation,
                                       batch_first=batch_first, norm_first=norm_first).eval()
    randomise(layer, 1)
    r = rng(2)
    N, S = 2, 4
    src = r.standard_normal((N, S, 4) if batch_first else (S, N, 4))
    mask = r.random((S, S)) < 0.4
    np.fill_diagonal(mask, False)
    kpm = r.random((N, S)) < 0.3
    kpm[:, 1] = False
    fmask = r.standard_normal((S, S))
    for m, k in ((None, None), (mask, kpm), (fmask, np.where(kpm, -np.inf, 0.0)), (mask, None)):
        got = layer(src, src_mask=m, src_key_padding_mask=k).data
        assert got.shape == src.shape
        for n, x in enumerate(per_sample(src, batch_first)):
            want = encoder_layer_oracle(layer, activation, x, m, None if k is None else k[n])
            np.testing.assert_allclose(per_sample(got, batch_first)[n], want, atol=1e-12)
    # unbatched (S, E)
    x = per_sample(src, batch_first)[1]
    np.testing.assert_allclose(layer(x, src_mask=mask, src_key_padding_mask=kpm[1]).data,
                               encoder_layer_oracle(layer, activation, x, mask, kpm[1]), atol=1e-12)


def test_a_callable_or_module_activation_and_no_bias():
    am.manual_seed(0)
    layer = nn.TransformerEncoderLayer(4, 2, 6, activation=nn.Tanh(), bias=False).eval()
    assert "activation" in dict(layer.named_children())  # (a Module is a child, as PyTorch's)
    assert all("bias" not in n for n in layer.state_dict())
    x = rng(3).standard_normal((3, 4))
    f = nn.TransformerEncoderLayer(4, 2, 6, activation=am.tanh, bias=False).eval()
    f.load_state_dict(layer.state_dict())
    np.testing.assert_array_equal(layer(x).data, f(x).data)
    for p in (layer.linear1, layer.linear2, layer.norm1, layer.norm2, layer.self_attn.out_proj):
        assert p.bias is None
    assert layer.self_attn.in_proj_bias is None


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_decoder_layer_matches_the_oracle(norm_first, batch_first):
    am.manual_seed(0)
    layer = nn.TransformerDecoderLayer(4, 2, dim_feedforward=6, activation="gelu",
                                       batch_first=batch_first, norm_first=norm_first).eval()
    randomise(layer, 4)
    r = rng(5)
    N, T, S = 2, 3, 4
    tgt = r.standard_normal((N, T, 4) if batch_first else (T, N, 4))
    mem = r.standard_normal((N, S, 4) if batch_first else (S, N, 4))
    tmask = nn.Transformer.generate_square_subsequent_mask(T).data
    mmask = r.standard_normal((T, S))
    tkpm = np.array([[False, False, True], [False, False, False]])
    mkpm = np.array([[False, True, False, True], [False, False, False, True]])
    got = layer(tgt, mem, tgt_mask=tmask, memory_mask=mmask, tgt_key_padding_mask=tkpm,
                memory_key_padding_mask=mkpm, tgt_is_causal=True).data
    assert got.shape == tgt.shape
    for n, (x, m) in enumerate(zip(per_sample(tgt, batch_first), per_sample(mem, batch_first))):
        want = decoder_layer_oracle(layer, "gelu", x, m, tmask, mmask, tkpm[n], mkpm[n])
        np.testing.assert_allclose(per_sample(got, batch_first)[n], want, atol=1e-12)


def test_stacks_apply_each_copy_then_the_norm():
    am.manual_seed(0)
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, 6), 3, norm=nn.LayerNorm(4)).eval()
    randomise(enc, 6)
    x = rng(7).standard_normal((3, 2, 4))
    mask = np.triu(np.ones((3, 3), bool), 1)
    want = x
    for layer in enc.layers:
        want = np.stack([encoder_layer_oracle(layer, "relu", s, mask) for s in per_sample(want, False)], 1)
    np.testing.assert_allclose(enc(x, mask=mask).data, ln_oracle(enc.norm, want), atol=1e-12)
    dec = nn.TransformerDecoder(nn.TransformerDecoderLayer(4, 2, 6), 2).eval()
    randomise(dec, 8)
    t = rng(9).standard_normal((2, 2, 4))
    want = t
    for layer in dec.layers:
        want = np.stack([decoder_layer_oracle(layer, "relu", a, b) for a, b in zip(per_sample(want, False),
                                                                                  per_sample(x, False))], 1)
    np.testing.assert_allclose(dec(t, x).data, want, atol=1e-12)
    # a full Transformer is decoder(tgt, encoder(src))
    am.manual_seed(1)
    tr = nn.Transformer(4, 2, 1, 2, 6).eval()
    tm = nn.Transformer.generate_square_subsequent_mask(2)
    np.testing.assert_array_equal(tr(x, t, tgt_mask=tm).data, tr.decoder(t, tr.encoder(x), tgt_mask=tm).data)


def test_the_copies_are_deep_and_independent():
    layer = nn.TransformerEncoderLayer(4, 2, 6)
    enc = nn.TransformerEncoder(layer, 2)
    a, b = enc.layers[0], enc.layers[1]
    assert a is not layer and a is not b and enc.num_layers == 2
    assert a.linear1.weight is not b.linear1.weight
    np.testing.assert_array_equal(a.linear1.weight.data, layer.linear1.weight.data)
    a.linear1.weight.data[0, 0] += 1.0
    assert b.linear1.weight.data[0, 0] != a.linear1.weight.data[0, 0]
    assert len(list(enc.parameters())) == 2 * len(list(layer.parameters()))


def test_generate_square_subsequent_mask_is_pytorchs():
    m = nn.Transformer.generate_square_subsequent_mask(3)
    assert m.dtype == am.get_default_dtype() and not m.requires_grad
    np.testing.assert_array_equal(m.data, [[0, -np.inf, -np.inf], [0, 0, -np.inf], [0, 0, 0]])
    assert nn.Transformer.generate_square_subsequent_mask(2, dtype=np.float32).dtype == np.float32
    assert nn.Transformer.generate_square_subsequent_mask(0).shape == (0, 0)
    with pytest.raises(TypeError, match="generate_square_subsequent_mask: dtype must be floating"):
        nn.Transformer.generate_square_subsequent_mask(2, dtype=int)



def test_a_causal_mask_made_inside_a_compiled_function_replays():
    # (as the README says of a causal mask made inside fn: it is kept as a constant of the tape)
    def f(x):
        return (x + nn.Transformer.generate_square_subsequent_mask(x.shape[-1])).exp().sum()

    cf = am.compile(f)
    for x in (np.arange(9.0).reshape(3, 3), np.ones((3, 3)), np.arange(16.0).reshape(4, 4)):
        xc, xe = am.tensor(x, requires_grad=True), am.tensor(x, requires_grad=True)
        out_c, out_e = cf(xc), f(xe)
        out_c.backward(), out_e.backward()
        assert out_c.item() == out_e.item()
        np.testing.assert_array_equal(xc.grad.data, xe.grad.data)
        np.testing.assert_array_equal(xc.grad.data, np.tril(np.exp(x)))

# -- PyTorch's names --------------------------------------------------------------------------------

_ENC_LAYER = [
    "self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight",
    "self_attn.out_proj.bias", "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias",
    "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias",
]
_DEC_LAYER = [
    "self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight",
    "self_attn.out_proj.bias", "multihead_attn.in_proj_weight", "multihead_attn.in_proj_bias",
    "multihead_attn.out_proj.weight", "multihead_attn.out_proj.bias", "linear1.weight", "linear1.bias",
    "linear2.weight", "linear2.bias", "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias",
    "norm3.weight", "norm3.bias",
]


def test_state_dict_names_are_pytorchs():
    assert list(nn.TransformerEncoderLayer(4, 2, 6).state_dict()) == _ENC_LAYER
    assert list(nn.TransformerDecoderLayer(4, 2, 6).state_dict()) == _DEC_LAYER
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, 6), 2, norm=nn.LayerNorm(4))
    assert list(enc.state_dict()) == ([f"layers.0.{n}" for n in _ENC_LAYER] + [f"layers.1.{n}" for n in _ENC_LAYER]
                                      + ["norm.weight", "norm.bias"])
    tr = nn.Transformer(4, 2, 1, 1, 6)
    assert list(tr.state_dict()) == ([f"encoder.layers.0.{n}" for n in _ENC_LAYER] + ["encoder.norm.weight",
                                     "encoder.norm.bias"] + [f"decoder.layers.0.{n}" for n in _DEC_LAYER]
                                     + ["decoder.norm.weight", "decoder.norm.bias"])
    names = [n for n, _ in nn.TransformerEncoderLayer(4, 2, 6).named_children()]
    assert names == ["self_attn", "linear1", "dropout", "linear2", "norm1", "norm2", "dropout1", "dropout2"]
    shapes = {k: v.shape for k, v in nn.TransformerEncoderLayer(4, 2, 6).state_dict().items()}
    assert shapes["self_attn.in_proj_weight"] == (12, 4) and shapes["linear1.weight"] == (6, 4)
    assert shapes["linear2.weight"] == (4, 6)


# -- derivatives ------------------------------------------------------------------------------------


@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_layer_gradcheck_and_gradgradcheck(norm_first):
    am.manual_seed(2)
    # (d_model 3: a LayerNorm over 2 features is +-1 whatever its input, with no gradient)
    layer = nn.TransformerEncoderLayer(3, 1, 2, dropout=0.2, activation="gelu", norm_first=norm_first)
    x = rng(3).standard_normal((2, 1, 3))
    mask = np.array([[False, True], [False, False]])
    params = [p.data.copy() for p in layer.parameters()]

    def f(xx, *ps):
        am.manual_seed(5)  # (dropout in training mode: the same masks at every evaluation)
        return call_with(layer, ps, xx, src_mask=mask)

    assert am.gradcheck(f, (x, *params))
    assert am.gradgradcheck(f, (x, *params))


def test_decoder_layer_gradcheck_and_gradgradcheck():
    am.manual_seed(3)
    layer = nn.TransformerDecoderLayer(4, 2, 3, dropout=0.0, batch_first=True).eval()
    r = rng(4)
    t, m = r.standard_normal((1, 2, 4)), r.standard_normal((1, 3, 4))
    kpm = np.array([[False, True, False]])
    assert am.gradcheck(lambda a, b: layer(a, b, memory_key_padding_mask=kpm), (t, m))
    assert am.gradgradcheck(lambda a, b: layer(a, b, memory_key_padding_mask=kpm), (t, m))
    params = [p.data.copy() for p in layer.parameters()]
    assert am.gradcheck(lambda *ps: call_with(layer, ps, t, m, tgt_mask=np.triu(np.ones((2, 2), bool), 1)),
                        params)


# -- am.compile -------------------------------------------------------------------------------------


def test_compiled_transformer_is_eagers_bit_for_bit():
    am.manual_seed(4)
    model = nn.Transformer(4, 2, 1, 1, 6, activation="gelu", norm_first=True).eval()  # (dropout: not compiled)
    r = rng(6)
    tm = nn.Transformer.generate_square_subsequent_mask(3)
    kpm = np.array([[False, False, True, False], [False, False, False, False]])

    def loss_of(src, tgt, kpm):  # (the masks as arguments or tensors made outside, as for MultiheadAttention)
        out = model(src, tgt, tgt_mask=tm, src_key_padding_mask=kpm, memory_key_padding_mask=kpm)
        return (out * out).sum()

    def step(f, src, tgt):
        model.zero_grad()
        loss = f(src, tgt, kpm)
        loss.backward()
        return loss, [p.grad.data.copy() for p in model.parameters()]

    c = am.compile(loss_of)
    for i in range(3):
        src, tgt = am.tensor(r.standard_normal((4, 2, 4))), am.tensor(r.standard_normal((3, 2, 4)))
        want, wg = step(loss_of, src, tgt)
        got, gg = step(c, src, tgt)
        assert np.array_equal(want.data, got.data)
        for a, b in zip(wg, gg):
            assert np.array_equal(a, b)


# -- training ---------------------------------------------------------------------------------------


def test_a_few_adam_steps_lower_the_loss_on_a_copy_task():
    am.manual_seed(0)
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True), 2)
    head = nn.Linear(8, 8)
    params = list(enc.parameters()) + list(head.parameters())
    opt = am.optim.Adam(params, lr=1e-2)
    r = rng(1)
    x = r.standard_normal((4, 5, 8))
    losses = []
    for _ in range(15):
        opt.zero_grad()
        loss = ((head(enc(x)) - x) ** 2).mean()  # (copy the input through)
        loss.backward()
        opt.step()
        losses.append(float(loss.data))
    assert losses[-1] < 0.5 * losses[0], losses


# -- refusals ---------------------------------------------------------------------------------------


def test_bad_input_is_refused_naming_the_layer_and_shapes():
    layer = nn.TransformerEncoderLayer(4, 2, 6)
    with pytest.raises(ValueError, match=r"TransformerEncoderLayer: activation should be 'relu' or 'gelu'.*'tanh'"):
        nn.TransformerEncoderLayer(4, 2, activation="tanh")
    with pytest.raises(TypeError, match="TransformerEncoderLayer: activation"):
        nn.TransformerEncoderLayer(4, 2, activation=3)
    with pytest.raises(ValueError, match=r"divisible"):
        nn.TransformerEncoderLayer(5, 2)
    with pytest.raises(ValueError, match=r"TransformerEncoderLayer: expected src of shape \(S, N, 4\).*\(3, 2, 5\)"):
        layer(am.randn(3, 2, 5))
    with pytest.raises(ValueError, match=r"TransformerEncoderLayer: .*got shape \(4,\)"):
        layer(am.randn(4))
    with pytest.raises(TypeError, match="TransformerEncoderLayer: src must be floating"):
        layer(np.ones((3, 2, 4), int))
    with pytest.raises(ValueError, match="needs attn_mask"):
        layer(am.randn(3, 2, 4), is_causal=True)
    with pytest.raises(TypeError, match="TransformerEncoder: encoder_layer must be a Module"):
        nn.TransformerEncoder("layer", 2)
    with pytest.raises(TypeError, match="TransformerEncoder: num_layers must be an int"):
        nn.TransformerEncoder(layer, 2.0)
    dec = nn.TransformerDecoderLayer(4, 2, 6)
    with pytest.raises(ValueError, match=r"TransformerDecoderLayer: tgt and memory .*\(3, 2, 4\) and \(5, 3, 4\)"):
        dec(am.randn(3, 2, 4), am.randn(5, 3, 4))
    with pytest.raises(ValueError, match=r"TransformerDecoderLayer: expected memory"):
        dec(am.randn(3, 2, 4), am.randn(5, 2, 3))
    with pytest.raises(ValueError, match=r"Transformer\b.*src and tgt"):
        nn.Transformer(4, 2, 1, 1, 6)(am.randn(3, 2, 4), am.randn(3, 1, 4))


def test_the_readme_lists_them():
    import pathlib
    import re

    readme = (pathlib.Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    layout = re.search(r"^```\nautograd_mini/\n(.*?)^```", readme, re.M | re.S).group(1)
    for name in ("Transformer", "TransformerEncoder", "TransformerDecoder"):
        assert re.search(rf"\b{name}\b", layout) and name in nn.__all__
    assert "TransformerEncoder(Layer)" in layout and "TransformerDecoder(Layer)" in layout
    assert {"TransformerEncoderLayer", "TransformerDecoderLayer"} <= set(nn.__all__)


@pytest.mark.parametrize("cls", [nn.TransformerEncoderLayer, nn.TransformerDecoderLayer])
def test_dim_feedforward_0_is_accepted_as_pytorch_does_and_the_block_is_linear2s_bias(cls):
    # PyTorch builds Linear(d_model, 0) and Linear(0, d_model): the block adds linear2's bias
    layer = cls(4, 2, dim_feedforward=0, dropout=0.0, dtype=np.float64)
    assert layer.linear1.weight.shape == (0, 4) and layer.linear2.weight.shape == (4, 0)
    x = am.tensor(rng(3).standard_normal((2, 3, 4)), requires_grad=True)
    np.testing.assert_array_equal(layer._ff_block(x).data, np.broadcast_to(layer.linear2.bias.data, (2, 3, 4)))
    y = layer(x) if cls is nn.TransformerEncoderLayer else layer(x, am.randn(5, 3, 4, dtype=np.float64))
    assert y.shape == (2, 3, 4)
    y.sum().backward()
    assert np.isfinite(x.grad.data).all()


def test_a_stacks_copies_keep_a_module_activation_and_its_parameters():
    # (PyTorch 2.x's copies run F.relu instead: documented as a difference we keep)
    layer = nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, activation=nn.PReLU(init=0.5))
    enc = nn.TransformerEncoder(layer, 2)
    assert [k for k in enc.state_dict() if "activation" in k] == ["layers.0.activation.weight",
                                                                  "layers.1.activation.weight"]
    x = am.randn(3, 2, 4)
    ref = x
    for lay in enc.layers:
        assert isinstance(lay.activation, nn.PReLU) and lay.activation is not layer.activation
        ref = lay(ref)
    np.testing.assert_array_equal(enc(x).data, ref.data)
    enc.layers[1].activation.weight.data[...] = 1.0  # the identity: a relu would differ
    h = enc.layers[1].linear1(enc.layers[0](x))
    np.testing.assert_array_equal(enc.layers[1].activation(h).data, h.data)
    assert "F.relu instead" in nn.TransformerEncoder.__doc__ and "F.relu instead" in nn.TransformerDecoder.__doc__


def test_the_stacks_refuse_an_is_causal_hint_that_is_not_a_bool():
    # (bool("no") was True: a string or number passed as the hint is refused, as the layers do)
    layer = nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0)
    enc = nn.TransformerEncoder(layer, 1)
    src = am.tensor(np.random.default_rng(0).standard_normal((3, 1, 4)))
    with pytest.raises(TypeError, match="TransformerEncoder: is_causal"):
        enc(src, is_causal="no")
    dec = nn.TransformerDecoder(nn.TransformerDecoderLayer(4, 2, 8, dropout=0.0), 1)
    with pytest.raises(TypeError, match="TransformerDecoder: tgt_is_causal"):
        dec(src, src, tgt_is_causal=1)
    assert enc(src, is_causal=None).shape == (3, 1, 4)
