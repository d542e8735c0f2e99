"""Frictions met porting PyTorch programs (seq2seq Transformer, conv VAE, GRU classifier)."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn import functional as F
from replay_check import assert_compiled_replays_eager


def naive_soft_ce(x, t, weight=None, eps=0.0, reduction="mean"):
    """Loops: loss[n, rest] = -sum_c w[c] t'[n, c, rest] log softmax(x)[n, c, rest]."""
    one = x.ndim == 1
    if one:
        x, t = x[None], t[None]
    N, C = x.shape[:2]
    rest = x.shape[2:]
    w = np.ones(C) if weight is None else weight
    loss = np.zeros((N,) + rest)
    for n in range(N):
        for r in np.ndindex(*rest):
            col = x[(n, slice(None)) + r]
            m = col.max()
            logp = col - m - np.log(np.exp(col - m).sum())
            for c in range(C):
                tc = t[(n, c) + r] * (1 - eps) + eps / C
                loss[(n,) + r] -= w[c] * tc * logp[c]
    if one:
        loss = loss[0]
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.sum() / loss.size


SHAPES = [(4,), (3, 4), (2, 3, 5), (2, 3, 2, 2)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("eps", [0.0, 0.1])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_takes_class_probability_targets_as_pytorch(shape, reduction, eps, weighted):
    # PyTorch's soft-label form (distillation, mixup); it was refused with an error
    rng = np.random.default_rng(len(shape))
    x, t = rng.standard_normal(shape), rng.random(shape)
    w = rng.random(shape[1] if len(shape) > 1 else shape[0]) if weighted else None
    got = F.cross_entropy(am.tensor(x), am.tensor(t), reduction=reduction, label_smoothing=eps, weight=w)
    np.testing.assert_allclose(got.numpy(), naive_soft_ce(x, t, w, eps, reduction), rtol=1e-12, atol=1e-13)
    mod = nn.CrossEntropyLoss(weight=None if w is None else am.tensor(w), reduction=reduction, label_smoothing=eps)
    np.testing.assert_allclose(mod(am.tensor(x), t).numpy(), got.numpy(), rtol=1e-15)


def test_soft_cross_entropy_of_one_hot_rows_equals_the_labels_loss():
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((5, 4)), np.array([0, 3, 1, 1, 2])
    onehot = np.eye(4)[y]
    for kw in [{}, {"label_smoothing": 0.2}, {"reduction": "sum", "weight": np.ones(4)}]:
        a = F.cross_entropy(am.tensor(x), onehot, **kw).item()
        b = F.cross_entropy(am.tensor(x), y, **kw).item()
        assert abs(a - b) < 1e-12


def test_cross_entropy_takes_higham_drillings_one_hot_y_as_its_labels():
    # one-hot float rows were refused with advice to pass argmax; as PyTorch, they are
    # now class probabilities, which give the labels' loss (a batch and one sample)
    X, Y = am.data.higham_drilling()
    a = F.cross_entropy(am.tensor(X), Y).item()
    assert abs(a - F.cross_entropy(am.tensor(X), np.argmax(Y, axis=1)).item()) < 1e-12
    y = np.array([0.0, 1.0, 0.0])
    assert abs(F.cross_entropy(am.tensor(np.arange(3.0)), y).item()
               - F.cross_entropy(am.tensor(np.arange(3.0)), 1).item()) < 1e-12


@settings(max_examples=6, deadline=None)
@given(st.sampled_from(SHAPES), st.sampled_from([0.0, 0.3]), st.booleans())
def test_soft_cross_entropy_gradients_in_logits_and_targets(shape, eps, weighted):
    rng = np.random.default_rng(0)
    x, t = rng.standard_normal(shape), rng.random(shape)
    w = rng.random(shape[1] if len(shape) > 1 else shape[0]) if weighted else None
    f = lambda x, t: F.cross_entropy(x, t, label_smoothing=eps, weight=w)
    assert am.gradcheck(f, (x, t))
    assert am.gradgradcheck(f, (x, t))


def test_soft_cross_entropy_float32_input_takes_float64_target_in_its_dtype():
    x = am.tensor(np.zeros((2, 3), np.float32), requires_grad=True)
    loss = F.cross_entropy(x, np.full((2, 3), 1 / 3))
    assert loss.dtype == np.float32 and abs(loss.item() - np.log(3)) < 1e-6
    loss.backward()
    assert x.grad.dtype == np.float32


def test_soft_cross_entropy_refuses_ignore_index_as_pytorch():
    with pytest.raises(ValueError, match=r"cross_entropy: ignore_index=0 .*class probabilities \(shape \(2, 3\)"):
        F.cross_entropy(am.tensor(np.zeros((2, 3)), requires_grad=True), np.full((2, 3), 1 / 3), ignore_index=0)


def test_soft_cross_entropy_of_a_mismatched_float_target_still_errors():
    with pytest.raises(ValueError, match="cross_entropy"):
        F.cross_entropy(am.tensor(np.zeros((2, 3))), np.full((2, 2), 0.5))


def test_soft_cross_entropy_compiled_replay_equals_eager_bit_for_bit():
    am.manual_seed(0)
    net = nn.Linear(4, 3)
    rng = np.random.default_rng(2)
    xs = [am.tensor(rng.standard_normal((6, 4))) for _ in range(3)]
    ts = [am.tensor(rng.dirichlet(np.ones(3), size=6)) for _ in range(3)]
    assert_compiled_replays_eager(lambda x, t: F.cross_entropy(net(x), t, label_smoothing=0.1),
                                  lambda k: (xs[k], ts[k]), params=list(net.parameters()))


# -- torch's dim= on the torch-only names softmax / log_softmax (methods and functions) --

@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_takes_torchs_dim_keyword_as_method_and_function(name):
    # attention code writes scores.softmax(dim=-1) and torch.softmax(x, dim=1)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 4))
    for d in (0, 1, -1, 2):
        e = np.exp(x - x.max(d, keepdims=True))
        want = e / e.sum(d, keepdims=True)
        want = np.log(want) if name == "log_softmax" else want
        t = am.tensor(x)
        for got in (getattr(t, name)(dim=d), getattr(am, name)(t, dim=d), getattr(F, name)(t, dim=d)):
            np.testing.assert_allclose(got.numpy(), want, rtol=1e-13, atol=1e-15)
        assert np.array_equal(getattr(t, name)(dim=d).numpy(), getattr(t, name)(d).numpy())
    f = lambda a: getattr(a, name)(dim=1) * am.tensor(np.arange(24.0).reshape(2, 3, 4))
    assert am.gradcheck(lambda a: f(a).sum(), (x,)) and am.gradgradcheck(lambda a: f(a).sum(), (x,))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_refuses_a_different_axis_and_dim(name):
    t = am.tensor(np.zeros((2, 3)))
    with pytest.raises(TypeError, match=rf"{name}: got axis=0 and dim=1; pass one"):
        getattr(t, name)(0, dim=1)
    with pytest.raises(TypeError, match=rf"{name}: got axis=0 and dim=1; pass one"):
        getattr(am, name)(t, 0, dim=1)
    assert getattr(t, name)(1, dim=1).shape == (2, 3)


def test_softmax_dim_compiled_replay_equals_eager_bit_for_bit():
    rng = np.random.default_rng(3)
    w = am.tensor(rng.standard_normal((4, 4)), requires_grad=True)
    f = lambda x: ((x @ w).softmax(dim=-1) * x).sum() + (x @ w).log_softmax(dim=0).sum()
    xs = [am.tensor(rng.standard_normal((5, 4))) for _ in range(3)]
    assert_compiled_replays_eager(f, lambda k: (xs[k],), params=[w])


# -- Tensor.tril / Tensor.triu (torch's methods; numpy's ndarray has none) --

@pytest.mark.parametrize("shape", [(3, 3), (2, 4), (2, 3, 5)])
@pytest.mark.parametrize("diagonal", [-1, 0, 2])
def test_tensor_tril_triu_methods_match_naive_loops(shape, diagonal):
    x = np.random.default_rng(0).standard_normal(shape)
    lower, upper = np.zeros(shape), np.zeros(shape)
    for idx in np.ndindex(*shape):
        i, j = idx[-2], idx[-1]
        if j - i <= diagonal:
            lower[idx] = x[idx]
        if j - i >= diagonal:
            upper[idx] = x[idx]
    t = am.tensor(x)
    assert np.array_equal(t.tril(diagonal).numpy(), lower) and np.array_equal(t.tril(diagonal=diagonal).numpy(), lower)
    assert np.array_equal(t.triu(diagonal).numpy(), upper) and np.array_equal(t.triu(diagonal=diagonal).numpy(), upper)
    assert am.gradcheck(lambda a: (a.tril(diagonal) * a).sum() + a.triu(diagonal=diagonal).sum(), (x,))
    assert am.gradgradcheck(lambda a: (a.tril(diagonal) * a).sum(), (x,))


def test_tensor_tril_causal_mask_idiom_and_bad_input():
    mask = am.ones((3, 3)).tril() == 0
    assert np.array_equal(mask.numpy(), np.triu(np.ones((3, 3), bool), 1))
    with pytest.raises(ValueError, match="tril"):
        am.ones(3).tril()


def test_tensor_tril_compiled_replay_equals_eager_bit_for_bit():
    rng = np.random.default_rng(4)
    w = am.tensor(rng.standard_normal((4, 4)), requires_grad=True)
    f = lambda x: ((x @ w).tril(-1) ** 2).sum() + (x @ w).triu(1).sum()
    xs = [am.tensor(rng.standard_normal((4, 4))) for _ in range(3)]
    assert_compiled_replays_eager(f, lambda k: (xs[k],), params=[w])


# -- nn.utils.rnn.unpad_sequence / unpack_sequence (torch's inverses of pad/pack) --

from autograd_mini.nn.utils.rnn import pack_sequence, pad_sequence, unpack_sequence, unpad_sequence  # noqa: E402


@pytest.mark.parametrize("batch_first", [False, True])
def test_unpad_sequence_gives_each_sequence_back(batch_first):
    rng = np.random.default_rng(5)
    seqs = [rng.standard_normal((n, 2)) for n in (3, 1, 4, 4)]
    padded = pad_sequence([am.tensor(s) for s in seqs], batch_first=batch_first, padding_value=9.0)
    for lengths in ([3, 1, 4, 4], np.array([3, 1, 4, 4]), am.tensor([3, 1, 4, 4])):
        got = unpad_sequence(padded, lengths, batch_first=batch_first)
        assert len(got) == 4 and all(np.array_equal(g.numpy(), s) for g, s in zip(got, seqs))
    # naive oracle on a raw array, zero lengths included
    x = rng.standard_normal((4, 3, 2) if batch_first else (3, 4, 2))
    for b, (g, n) in enumerate(zip(unpad_sequence(am.tensor(x), [0, 3, 2, 1], batch_first), [0, 3, 2, 1])):
        want = np.array([x[b, t] if batch_first else x[t, b] for t in range(n)]).reshape(n, 2)
        assert g.shape == (n, 2) and np.array_equal(g.numpy(), want)


def test_unpad_and_unpack_sequence_are_differentiable_to_second_order():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((4, 3, 2))
    f = lambda t: sum(((s ** 2) * (i + 1)).sum() for i, s in enumerate(unpad_sequence(t, [4, 1, 2])))
    assert am.gradcheck(f, (x,)) and am.gradgradcheck(f, (x,))
    g = lambda a, b: sum((s.sin() * (i + 1)).sum() for i, s in enumerate(unpack_sequence(
        pack_sequence([a, b], enforce_sorted=False))))
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((4, 3))
    assert am.gradcheck(g, (a, b)) and am.gradgradcheck(g, (a, b))
    t = am.tensor(x, requires_grad=True)
    f(t).backward()
    assert np.all(t.grad[1:, 1] == 0) and np.all(t.grad[2:, 2] == 0)  # padding: no gradient


def test_unpack_sequence_gives_the_original_order():
    rng = np.random.default_rng(7)
    seqs = [rng.standard_normal((n, 3)) for n in (2, 5, 1)]
    got = unpack_sequence(pack_sequence([am.tensor(s) for s in seqs], enforce_sorted=False))
    assert [g.shape for g in got] == [(2, 3), (5, 3), (1, 3)]
    assert all(np.array_equal(g.numpy(), s) for g, s in zip(got, seqs))


def test_unpad_sequence_bad_input_names_the_op_and_shapes():
    x = am.tensor(np.zeros((4, 3, 2)))
    with pytest.raises(ValueError, match=r"unpad_sequence: got 2 lengths for a batch of 3 .*\(4, 3, 2\)"):
        unpad_sequence(x, [1, 2])
    with pytest.raises(ValueError, match=r"unpad_sequence: every length must be in 0\.\.4 .*\(4, 3, 2\)"):
        unpad_sequence(x, [1, 2, 5])
    with pytest.raises(ValueError, match=r"unpad_sequence: expected padded_sequences of shape \(T, B, \*\)"):
        unpad_sequence(am.tensor(np.zeros(3)), [1, 2, 3])
    with pytest.raises(TypeError, match="unpad_sequence: lengths must be integers"):
        unpad_sequence(x, np.array([True, False, True]))
    with pytest.raises(ValueError, match="unpad_sequence: lengths must be whole numbers"):
        unpad_sequence(x, [1.5, 2, 3])
    with pytest.raises(TypeError, match="unpack_sequence: expected a PackedSequence"):
        unpack_sequence(x)


def test_unpad_sequence_compiled_replay_equals_eager_bit_for_bit():
    rng = np.random.default_rng(8)
    w = am.tensor(rng.standard_normal((2, 2)), requires_grad=True)
    f = lambda x: sum((s @ w).tanh().sum() * (i + 1) for i, s in enumerate(unpad_sequence(x, [3, 1, 2])))
    xs = [am.tensor(rng.standard_normal((3, 3, 2))) for _ in range(3)]
    assert_compiled_replays_eager(f, lambda k: (xs[k],), params=[w])


# -- am.bernoulli / Tensor.bernoulli (torch's 0/1 draws) --

def test_bernoulli_draws_ones_with_the_given_probabilities():
    am.manual_seed(0)
    p = np.array([0.0, 0.1, 0.5, 0.9, 1.0])
    draws = np.stack([am.bernoulli(am.tensor(p)).numpy() for _ in range(4000)])
    assert set(np.unique(draws)) <= {0.0, 1.0}
    assert np.all(draws[:, 0] == 0) and np.all(draws[:, -1] == 1)
    # 4000 draws: the standard error of a mean is at most 0.008; allow 4 of them
    assert np.all(np.abs(draws.mean(axis=0) - p) < 0.032)


def test_bernoulli_shape_dtype_generator_and_no_gradient():
    p = am.tensor(np.full((2, 3), 0.5, np.float32), requires_grad=True)
    b = p.bernoulli()
    assert b.shape == (2, 3) and b.dtype == np.float32 and not b.requires_grad
    g1, g2 = am.Generator().manual_seed(3), am.Generator().manual_seed(3)
    a, c = am.bernoulli(np.full(50, 0.5), generator=g1), am.bernoulli(np.full(50, 0.5), generator=g2)
    assert np.array_equal(a.numpy(), c.numpy())
    am.manual_seed(4)
    x = am.bernoulli(np.full(50, 0.5))
    am.manual_seed(4)
    assert np.array_equal(x.numpy(), am.bernoulli(np.full(50, 0.5)).numpy())  # the library stream


def test_bernoulli_bad_input_names_the_op_and_shape():
    with pytest.raises(ValueError, match=r"bernoulli: probabilities must be in \[0, 1\].*\(input of shape \(2,\)\)"):
        am.bernoulli(np.array([0.5, 1.5]))
    with pytest.raises(ValueError, match="bernoulli: probabilities must be in"):
        am.bernoulli(np.array([0.5, np.nan]))
    with pytest.raises(TypeError, match=r"bernoulli: input must hold floating-point .*int64 \(shape \(2,\)\)"):
        am.bernoulli(np.array([0, 1]))


def test_bernoulli_is_refused_while_compiling():
    # a random draw inside fn cannot be replayed: refused while recording, as rand's
    step = am.compile(lambda p: (am.bernoulli(p) * p).sum())
    with pytest.raises(RuntimeError, match="bernoulli: random numbers cannot be compiled"):
        step(am.tensor(np.full(3, 0.5), requires_grad=True))


def test_bernoulli_refuses_nan_probabilities_naming_them_without_a_warning():
    # np.nanmin of NaNs alone warned 'All-NaN slice' and the message read 'from nan to nan'
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"got no number and 2 NaN \(input of shape \(2,\)\)"):
            am.bernoulli(am.tensor([np.nan, np.nan]))
        with pytest.raises(ValueError, match=r"got values from 0\.5 to 1\.5 and 1 NaN \(input of shape \(3,\)\)"):
            am.bernoulli(am.tensor([0.5, np.nan, 1.5]))
        with pytest.raises(ValueError, match=r"got values from -0\.5 to 0\.5 \(input of shape \(2,\)\)"):
            am.bernoulli(am.tensor([-0.5, 0.5]))
