"""Attention (F.scaled_dot_product_attention, nn.MultiheadAttention) against a per-head numpy
oracle, and Module hooks, conversions, lookups, ParameterList/ParameterDict."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn import functional as F


def rng(seed=0):
    return np.random.default_rng(seed)


def softmax_rows(s):
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def sdpa_oracle(q, k, v, keep=None, add=None, scale=None):
    """One (L, E) x (S, E) x (S, Ev) head, row by row."""
    L, S = q.shape[0], k.shape[0]
    scale = 1 / np.sqrt(q.shape[-1]) if scale is None else scale
    out = np.zeros((L, v.shape[-1]))
    for i in range(L):
        s = np.array([q[i] @ k[j] * scale for j in range(S)])
        if add is not None:
            s = s + add[i]
        if keep is not None:
            s = np.where(keep[i], s, -np.inf)
        out[i] = softmax_rows(s) @ v
    return out


def mha_oracle(m, q, k, v, kpm=None, mask=None):
    """Batch-first (N, L, E) inputs; kpm (N, S) and mask (L, S) boolean, True = ignore."""
    E, H = m.embed_dim, m.num_heads
    hd = E // H
    if m.in_proj_weight is not None:
        W = m.in_proj_weight.data
        wq, wk, wv = W[:E], W[E:2 * E], W[2 * E:]
    else:
        wq, wk, wv = m.q_proj_weight.data, m.k_proj_weight.data, m.v_proj_weight.data
    b = m.in_proj_bias.data
    N, L, S = q.shape[0], q.shape[1], k.shape[1]
    out = np.zeros((N, L, E))
    weights = np.zeros((N, H, L, S))
    for n in range(N):
        Q, K, V = q[n] @ wq.T + b[:E], k[n] @ wk.T + b[E:2 * E], v[n] @ wv.T + b[2 * E:]
        for h in range(H):
            sl = slice(h * hd, (h + 1) * hd)
            keep = np.ones((L, S), bool)
            if kpm is not None:
                keep &= ~kpm[n][None, :]
            if mask is not None:
                keep &= ~mask
            s = np.where(keep, Q[:, sl] @ K[:, sl].T / np.sqrt(hd), -np.inf)
            weights[n, h] = softmax_rows(s)
            out[n, :, sl] = weights[n, h] @ V[:, sl]
    return out @ m.out_proj.weight.data.T + m.out_proj.bias.data, weights


# -- scaled_dot_product_attention -----------------------------------------------------------------


@pytest.mark.parametrize("L,S,E,Ev", [(3, 5, 4, 2), (1, 1, 2, 3), (4, 2, 3, 3)])
def test_sdpa_matches_the_oracle_with_each_kind_of_mask(L, S, E, Ev):
    r = rng(L * S)
    q, k, v = r.standard_normal((2, L, E)), r.standard_normal((2, S, E)), r.standard_normal((2, S, Ev))
    keep = r.random((L, S)) < 0.6
    keep[:, 0] = True
    add = r.standard_normal((L, S))
    causal = np.tri(L, S, 0, dtype=bool)
    for b in range(2):
        np.testing.assert_allclose(F.scaled_dot_product_attention(q, k, v).data[b],
                                   sdpa_oracle(q[b], k[b], v[b]), atol=1e-12)
        np.testing.assert_allclose(F.scaled_dot_product_attention(q, k, v, attn_mask=keep).data[b],
                                   sdpa_oracle(q[b], k[b], v[b], keep=keep), atol=1e-12)
        np.testing.assert_allclose(F.scaled_dot_product_attention(q, k, v, attn_mask=am.tensor(add), scale=0.7).data[b],
                                   sdpa_oracle(q[b], k[b], v[b], add=add, scale=0.7), atol=1e-12)
        np.testing.assert_allclose(F.scaled_dot_product_attention(q, k, v, is_causal=True).data[b],
                                   sdpa_oracle(q[b], k[b], v[b], keep=causal), atol=1e-12)


def test_sdpa_refusals_and_fully_masked_rows():
    q = am.randn(2, 3, 4)
    with pytest.raises(ValueError, match="attn_mask or is_causal"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=np.ones((3, 3), bool), is_causal=True)
    with pytest.raises(ValueError, match=r"\(2, 3, 4\), \(2, 5, 4\), \(2, 4, 4\)"):
        F.scaled_dot_product_attention(q, am.randn(2, 5, 4), am.randn(2, 4, 4))
    with pytest.raises(ValueError, match="does not broadcast"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=np.ones((3, 2), bool))
    with pytest.raises(TypeError, match="boolean or floating"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=np.ones((3, 3), int))
    # a query row with every key masked is zeros with no gradient (PyTorch 2.5+'s safe softmax)
    qq = am.tensor(rng().standard_normal((3, 4)), requires_grad=True)
    keep = np.ones((3, 3), bool)
    keep[1] = False
    add = np.where(keep, 0.0, -np.inf)
    for mask in (keep, add):
        qq.grad = None
        out = F.scaled_dot_product_attention(qq, qq, qq, attn_mask=mask)
        assert (out.data[1] == 0).all() and np.isfinite(out.data).all()
        w = am.tensor(rng(1).standard_normal((3, 4)))
        (out * w).sum().backward()
        assert np.isfinite(qq.grad.data).all()
        ref = am.tensor(qq.data, requires_grad=True)  # (the row left out: the same gradient)
        o = F.scaled_dot_product_attention(ref, ref, ref, attn_mask=mask)
        ((o * w)[[0, 2]]).sum().backward()
        np.testing.assert_allclose(qq.grad.data, ref.grad.data, atol=1e-12)


def test_a_float_mask_of_minus_inf_over_a_row_keeps_the_other_rows_gradients_finite():
    # (-inf over every key of query 1, as a float mask: the other rows' gradients are finite,
    # as with a boolean mask, for SDPA and for MultiheadAttention's two float masks)
    r = rng(3)
    qq = am.tensor(r.standard_normal((3, 4)), requires_grad=True)
    add = np.zeros((3, 3))
    add[1] = -np.inf
    add[2, 0] = -np.inf
    out = F.scaled_dot_product_attention(qq, qq, qq, attn_mask=add)
    (out[0].sum() + out[2].sum()).backward()
    assert np.isfinite(qq.grad.data).all()
    m = nn.MultiheadAttention(4, 2, batch_first=True)
    x = am.tensor(r.standard_normal((2, 3, 4)), requires_grad=True)
    kpm = np.zeros((2, 3))
    kpm[1] = -np.inf  # (every key of batch 1)
    for kw in ({"attn_mask": add}, {"key_padding_mask": kpm}):
        x.grad = None
        m.zero_grad()
        with np.errstate(invalid="ignore"):
            out, _ = m(x, x, x, **kw)
            alive = np.isfinite(out.data).all(-1)
            assert alive.sum() == (4 if "attn_mask" in kw else 3)
            (am.where(am.tensor(alive[..., None]), out, 0.0)).sum().backward()
        assert np.isfinite(x.grad.data).all()
        assert all(np.isfinite(p.grad.data).all() for p in m.parameters())


def test_mha_a_fully_masked_query_leaves_out_projs_gradient_finite():
    # (a boolean mask: the query's row is NaN, as PyTorch's, but out_proj.weight's gradient
    # from the other rows was NaN * 0 = NaN, the NaN set before out_proj)
    r = rng(4)
    m = nn.MultiheadAttention(4, 2, batch_first=True)
    x = am.tensor(r.standard_normal((1, 3, 4)), requires_grad=True)
    mask = np.zeros((3, 3), bool)
    mask[1] = True  # (True = ignore: query 1 sees no key)
    with np.errstate(invalid="ignore"):
        out, w = m(x, x, x, attn_mask=mask, average_attn_weights=False)
        assert np.isnan(out.data[0, 1]).all() and np.isfinite(out.data[0, [0, 2]]).all()
        assert np.isnan(w.data[0, :, 1]).all() and np.isfinite(w.data[0, :, [0, 2]]).all()
        (out[0, 0].sum() + out[0, 2].sum() + w[0, :, 0].sum()).backward()
    assert np.isfinite(x.grad.data).all()
    for name, p in m.named_parameters():
        assert np.isfinite(p.grad.data).all(), name
    # need_weights=False: PyTorch runs SDPA, whose dead row is zeros: the output row is out_proj's bias
    out, w = m(x, x, x, attn_mask=mask, need_weights=False)
    assert w is None
    np.testing.assert_array_equal(out.data[0, 1], m.out_proj.bias.data)


@pytest.mark.parametrize("shapes", [((3, 2), (4, 2), (4, 3)), ((2, 2, 3), (2, 3, 3), (2, 3, 2))])
def test_sdpa_gradcheck_and_gradgradcheck(shapes):
    r = rng(len(shapes[0]))
    args = [am.tensor(r.standard_normal(s), requires_grad=True) for s in shapes]
    L, S = shapes[0][-2], shapes[1][-2]
    keep = np.tri(L, S, 0, dtype=bool)
    add = r.standard_normal((L, S))
    for f in (lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=keep),
              lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=add, scale=0.5)):
        assert am.gradcheck(f, args)
        assert am.gradgradcheck(f, args)


# -- MultiheadAttention -------------------------------------------------------------------------


def test_mha_state_dict_names_as_pytorch():
    assert list(nn.MultiheadAttention(4, 2).state_dict()) == [
        "in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]
    assert list(nn.MultiheadAttention(4, 2, kdim=3, vdim=5).state_dict()) == [
        "q_proj_weight", "k_proj_weight", "v_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]
    assert list(nn.MultiheadAttention(4, 2, bias=False).state_dict()) == ["in_proj_weight", "out_proj.weight"]
    m = nn.MultiheadAttention(6, 3, kdim=2, vdim=5)
    assert m.q_proj_weight.shape == (6, 6) and m.k_proj_weight.shape == (6, 2) and m.v_proj_weight.shape == (6, 5)
    assert m.in_proj_weight is None and m.in_proj_bias.shape == (18,)
    assert not m.in_proj_bias.data.any() and not m.out_proj.bias.data.any()
    with pytest.raises(ValueError, match="divisible"):
        nn.MultiheadAttention(5, 2)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("kdim,vdim", [(None, None), (3, 5)])
def test_mha_matches_the_oracle(batch_first, kdim, vdim):
    am.manual_seed(0)
    m = nn.MultiheadAttention(4, 2, kdim=kdim, vdim=vdim, batch_first=batch_first)
    r = rng(1)
    N, L, S = 2, 3, 5
    q, k, v = r.standard_normal((N, L, 4)), r.standard_normal((N, S, kdim or 4)), r.standard_normal((N, S, vdim or 4))
    kpm = r.random((N, S)) < 0.3
    kpm[:, 0] = False
    mask = r.random((L, S)) < 0.3
    mask[:, 0] = False
    want, want_w = mha_oracle(m, q, k, v, kpm, mask)
    lay = (lambda a: a) if batch_first else (lambda a: a.transpose(1, 0, 2))
    out, w = m(lay(q), lay(k), lay(v), key_padding_mask=kpm, attn_mask=mask)
    np.testing.assert_allclose(out.data, lay(want), atol=1e-12)
    np.testing.assert_allclose(w.data, want_w.mean(1), atol=1e-12)
    # the same masks as floats (-inf = ignore), per-head weights, a (N * H, L, S) mask
    fk, fm = np.where(kpm, -np.inf, 0.0), np.where(mask, -np.inf, 0.0)
    out2, w2 = m(lay(q), lay(k), lay(v), key_padding_mask=fk, attn_mask=np.tile(fm, (N * 2, 1, 1)),
                 average_attn_weights=False)
    np.testing.assert_allclose(out2.data, lay(want), atol=1e-12)
    np.testing.assert_allclose(w2.data, want_w, atol=1e-12)
    # unbatched: one sample, shapes (L, E) -> (L, E), weights (L, S)
    o1, w1 = m(q[1], k[1], v[1], key_padding_mask=kpm[1], attn_mask=mask)
    np.testing.assert_allclose(o1.data, want[1], atol=1e-12)
    assert w1.shape == (L, S)
    assert m(q[1], k[1], v[1], need_weights=False)[1] is None


def test_mha_refusals():
    m = nn.MultiheadAttention(4, 2)
    x = am.randn(3, 2, 4)
    with pytest.raises(ValueError, match="needs attn_mask"):
        m(x, x, x, is_causal=True)
    with pytest.raises(ValueError, match=r"\(3, 2, 5\)"):
        m(x, x, am.randn(3, 2, 5))
    with pytest.raises(ValueError, match="key_padding_mask"):
        m(x, x, x, key_padding_mask=np.zeros((3, 2), bool))
    with pytest.raises(ValueError, match="attn_mask must have shape"):
        m(x, x, x, attn_mask=np.zeros((2, 3), bool))


def test_attention_over_no_keys_is_refused_naming_the_op():
    # (S = 0 reached the softmax, whose error named softmax and the inner scores' shape)
    q, k = am.randn(2, 3, 4), am.randn(2, 0, 4)
    with pytest.raises(ValueError, match=r"scaled_dot_product_attention: .*S = 0.*\(2, 0, 4\)"):
        F.scaled_dot_product_attention(q, k, k)
    with pytest.raises(ValueError, match=r"MultiheadAttention.*S = 0.*\(0, 2, 4\)"):
        nn.MultiheadAttention(4, 2)(am.randn(3, 2, 4), am.randn(0, 2, 4), am.randn(0, 2, 4))


def test_mha_gradcheck_and_gradgradcheck():
    am.manual_seed(1)
    m = nn.MultiheadAttention(4, 2, kdim=3, batch_first=True)
    r = rng(2)
    mask = np.triu(np.ones((2, 3), bool), 2)
    args = [am.tensor(r.standard_normal(s), requires_grad=True) for s in ((1, 2, 4), (1, 3, 3), (1, 3, 4))]
    f = lambda q, k, v: m(q, k, v, attn_mask=mask)[0]  # noqa: E731
    assert am.gradcheck(f, args)
    assert am.gradgradcheck(f, args)


def test_mha_and_sdpa_compile_bit_for_bit():
    am.manual_seed(2)
    m = nn.MultiheadAttention(4, 2)
    r = rng(3)
    q, kpm = r.standard_normal((3, 2, 4)), r.random((2, 3)) < 0.3
    kpm[:, 0] = False

    def loss_of(x, pad):
        out, w = m(x, x, x, key_padding_mask=pad)
        return (out * out).sum() + F.scaled_dot_product_attention(x, x, x, is_causal=True).sum() + w.sum()

    def step(f, x, pad):
        m.zero_grad()
        loss = f(x, pad)
        loss.backward()
        return loss, [p.grad.data.copy() for p in m.parameters()]

    c = am.compile(loss_of)
    for i in range(3):
        qi, ki = q + i, kpm if i < 2 else ~kpm & (np.arange(3) > 0)
        want, wg = step(loss_of, am.tensor(qi), ki)
        got, gg = step(c, am.tensor(qi), ki)
        assert np.array_equal(want.data, got.data)
        for a, b in zip(wg, gg):
            assert np.array_equal(a, b)


# -- hooks ------------------------------------------------------------------------------------------


def test_forward_hooks_order_replacement_and_removal():
    lin = nn.Linear(2, 2)
    seen = []
    h1 = lin.register_forward_pre_hook(lambda m, args: seen.append(("pre1", m)) or None)
    h2 = lin.register_forward_pre_hook(lambda m, args: args[0] * 2)  # (non-tuple: wrapped)
    h3 = lin.register_forward_hook(lambda m, args, out: seen.append(("post1", args[0].data.copy())))
    h4 = lin.register_forward_hook(lambda m, args, out: out + 1)
    x = am.tensor([1.0, 2.0])
    out = lin(x)
    assert seen[0] == ("pre1", lin) and seen[1][0] == "post1" and np.array_equal(seen[1][1], [2.0, 4.0])
    np.testing.assert_array_equal(out.data, F.linear(x * 2, lin.weight, lin.bias).data + 1)
    for h in (h1, h2, h3, h4):
        h.remove()
    h4.remove()  # (twice: nothing)
    assert "_forward_hooks_all" not in lin.__dict__
    np.testing.assert_array_equal(lin(x).data, F.linear(x, lin.weight, lin.bias).data)
    with pytest.raises(TypeError, match="callable"):
        lin.register_forward_hook(3)


def test_hooks_are_refused_under_compile_and_summary_and_draw_network_still_work():
    model = nn.Sequential(nn.Linear(2, 3), nn.Sigmoid(), nn.Linear(3, 1))
    acts = []
    h = model[1].register_forward_hook(lambda m, a, out: acts.append(out))
    c = am.compile(lambda x: model(x).sum())
    with pytest.raises(RuntimeError, match="has hooks, which am.compile cannot replay"):
        c(am.tensor([1.0, 2.0]))
    assert "Linear" in str(nn.summary(model, input_size=(1, 2)))
    am.viz.draw_network(model, input_size=(1, 2))
    assert len(acts) >= 2
    h.remove()
    assert c(am.tensor([1.0, 2.0])).data == model(am.tensor([1.0, 2.0])).sum().data


# -- conversions, lookups, parameter containers -------------------------------------------------------


def test_float_double_half_get_submodule_get_parameter_register_module():
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    assert model.float() is model and model[0].weight.dtype == np.float32
    assert model.half()[1].running_mean.dtype == np.float16
    assert model.double()[0].bias.dtype == np.float64
    assert model.get_submodule("1") is model[1] and model.get_submodule("") is model
    assert model.get_parameter("0.weight") is model[0].weight
    with pytest.raises(AttributeError, match="no submodule '2'"):
        model.get_submodule("2.x")
    with pytest.raises(AttributeError, match="no parameter 'running_mean'"):
        model.get_parameter("1.running_mean")
    model.register_module("extra", nn.Identity())
    assert model.extra is model.get_submodule("extra")


def test_parameter_list_and_dict():
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.pl = nn.ParameterList([am.zeros(2), nn.Parameter(am.ones((3, 4)))])
            self.pd = nn.ParameterDict({"a": am.zeros(1)})

    m = M()
    m.pl.append(np.ones(5))
    m.pd["b"] = nn.Parameter(am.ones(2))
    assert list(m.state_dict()) == ["pl.0", "pl.1", "pl.2", "pd.a", "pd.b"]
    assert len(list(m.parameters())) == 5 and len(m.pl) == 3 and m.pl[-1].shape == (5,)
    assert m.pd.keys() == ["a", "b"] and "a" in m.pd
    del m.pd["a"]
    assert list(m.state_dict())[-1] == "pd.b" and len(m.pd) == 1
    assert "(1): Parameter containing: [float64 of size 3x4]" in repr(m)
    with pytest.raises(TypeError, match="Parameter"):
        m.pl.append("x")
    with pytest.raises(NotImplementedError):
        m.pl(1)


def test_parameterdict_update_from_another_parameterdict():
    # (as PyTorch's: iterating a ParameterDict gives its keys, which update read as pairs)
    a = nn.ParameterDict({"x": am.zeros(2)})
    b = nn.ParameterDict({"wb": am.ones(3), "z": am.ones(1)})
    a.update(b)
    assert list(a.keys()) == ["x", "wb", "z"] and a["wb"] is b["wb"]
    c = nn.ParameterDict(b)
    assert list(c.state_dict()) == ["wb", "z"] and c["z"] is b["z"]


def test_hooks_with_kwargs_and_prepend_as_pytorch():
    # (the order and values PyTorch 2.13 gives for the same hooks)
    class M(nn.Module):
        def forward(self, x, scale=1.0):
            return x * scale

    m, log = M(), []
    m.register_forward_pre_hook(lambda mod, a: log.append("pre-a"))
    m.register_forward_pre_hook(
        lambda mod, a, k: (log.append(("pre-k", sorted(k))), ((a[0] + 1,), {**k, "scale": 3.0}))[1],
        with_kwargs=True)
    m.register_forward_pre_hook(lambda mod, a: log.append("pre-first"), prepend=True)
    m.register_forward_hook(lambda mod, a, k, o: (log.append(("post-k", k)), o + 100)[1], with_kwargs=True)
    m.register_forward_hook(lambda mod, a, o: log.append(("post-first", float(o.data[0]))), prepend=True)
    assert m(am.ones(1), scale=2.0).data[0] == 106.0
    assert log == ["pre-first", "pre-a", ("pre-k", ["scale"]), ("post-first", 6.0), ("post-k", {"scale": 3.0})]
    m2 = M()
    m2.register_forward_pre_hook(lambda mod, a, k: 5, with_kwargs=True)
    with pytest.raises(RuntimeError, match=r"\(new_args, new_kwargs\), got int"):
        m2(am.ones(1))
