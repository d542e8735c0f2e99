"""am.nn.utils: gradient clipping and flat parameter vectors, against hand computation
(values checked once against torch.nn.utils 2.13 in a scratch script, never imported here)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn.utils import (
    clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters,
)


def with_grads(*grads, dtype=np.float64):
    """Leaves of the grads' shapes, each with .grad set to a copy of one of them."""
    ps = []
    for g in grads:
        g = np.asarray(g, dtype=dtype)
        p = am.tensor(np.zeros(g.shape, dtype), requires_grad=True)
        p.grad = am.tensor(g.copy())
        ps.append(p)
    return ps


def hand_norm(grads, p):
    flat = np.concatenate([np.ravel(g).astype(np.float64) for g in grads])
    if p == math.inf:
        return np.max(np.abs(flat), initial=0.0)
    return np.sum(np.abs(flat) ** p) ** (1 / p)


shapes = st.lists(st.lists(st.integers(1, 4), min_size=0, max_size=3).map(tuple), min_size=1, max_size=4)


@settings(max_examples=60, deadline=None)
@given(shapes=shapes, p=st.sampled_from([1.0, 2.0, 3.0, 0.5, math.inf, "inf"]),
       max_norm=st.floats(0.01, 20.0), seed=st.integers(0, 2**31 - 1),
       dtype=st.sampled_from([np.float32, np.float64]))
def test_clip_grad_norm_matches_hand_computation(shapes, p, max_norm, seed, dtype):
    rng = np.random.default_rng(seed)
    grads = [(3 * rng.standard_normal(s)).astype(dtype) for s in shapes]
    ps = with_grads(*grads, dtype=dtype)
    total = clip_grad_norm_(ps, max_norm, norm_type=p)
    expected = hand_norm(grads, math.inf if p == "inf" else p)
    assert isinstance(total, am.Tensor) and total.shape == () and total.grad_fn is None
    assert total.dtype == dtype
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(total.item(), expected, rtol=rtol)
    coef = min(max_norm / (expected + 1e-6), 1.0)
    for param, g in zip(ps, grads):
        assert param.grad.dtype == dtype and param.grad.shape == g.shape
        np.testing.assert_allclose(param.grad.data, g * coef, rtol=rtol, atol=1e-30)
    if coef < 1:  # the new norm is just under max_norm
        assert hand_norm([q.grad.data for q in ps], math.inf if p == "inf" else p) <= max_norm * (1 + rtol)


def test_clip_grad_norm_values_by_hand():
    (a, b) = with_grads([3.0, 0.0], [[4.0]])
    assert clip_grad_norm_([a, b], 1.0).item() == 5.0
    np.testing.assert_allclose(a.grad.data, [3 / (5 + 1e-6), 0.0])
    np.testing.assert_allclose(b.grad.data, [[4 / (5 + 1e-6)]])
    (a,) = with_grads([3.0, -4.0])
    assert clip_grad_norm_(a, 1.0, norm_type=1).item() == 7.0  # a single Tensor works too
    np.testing.assert_allclose(a.grad.data, [3 / (7 + 1e-6), -4 / (7 + 1e-6)])
    (a,) = with_grads([3.0, -4.0])
    assert clip_grad_norm_([a], 1.0, norm_type=float("inf")).item() == 4.0


def test_no_clipping_below_max_norm_and_the_same_arrays():
    (a,) = with_grads([0.3, 0.4])
    g, arr = a.grad, a.grad.data
    assert clip_grad_norm_([a], 1.0).item() == pytest.approx(0.5)
    np.testing.assert_array_equal(a.grad.data, [0.3, 0.4])
    assert clip_grad_norm_([a], 0.1).item() == pytest.approx(0.5)
    # in place, as PyTorch's mul_: the same Tensor, the same array
    assert a.grad is g and a.grad.data is arr
    np.testing.assert_allclose(arr, np.array([0.3, 0.4]) * 0.1 / (0.5 + 1e-6))


def test_parameters_without_grad_are_skipped_and_none_gives_zero():
    (a,) = with_grads([3.0, 4.0])
    frozen = am.tensor([100.0, 100.0], requires_grad=True)
    assert clip_grad_norm_(iter([frozen, a]), 1.0).item() == 5.0  # a generator: consumed once
    assert frozen.grad is None
    assert clip_grad_norm_([frozen], 1.0).item() == 0.0
    assert clip_grad_norm_([], 1.0).item() == 0.0


def test_float32_stays_float32():
    (a,) = with_grads([3.0, 4.0], dtype=np.float32)
    total = clip_grad_norm_([a], 1.0)
    assert total.dtype == np.float32 and a.grad.dtype == np.float32
    np.testing.assert_allclose(a.grad.data, [0.6, 0.8], rtol=1e-6)
    (b,) = with_grads([5.0, -7.0], dtype=np.float32)
    clip_grad_value_([b], 1.0)
    assert b.grad.dtype == np.float32
    np.testing.assert_array_equal(b.grad.data, [1.0, -1.0])


def test_mixed_dtypes_give_the_promoted_norm():
    a = with_grads([3.0, 4.0], dtype=np.float32)[0]
    b = with_grads([3.0, 4.0], dtype=np.float64)[0]
    total = clip_grad_norm_([a, b], 1.0)
    assert total.dtype == np.float64 and a.grad.dtype == np.float32
    np.testing.assert_allclose(total.item(), math.sqrt(50))


def test_a_shared_grad_is_scaled_once_and_a_repeated_parameter_counts_once():
    a, b = with_grads([3.0, 4.0], [0.0, 0.0])
    b.grad = a.grad  # two parameters, one gradient Tensor: two terms of the norm, one array
    total = clip_grad_norm_([a, b], 1.0)
    assert total.item() == pytest.approx(math.sqrt(50))
    # (PyTorch 2.13 multiplies the shared array twice: [0.06, 0.08])
    np.testing.assert_allclose(a.grad.data, np.array([3.0, 4.0]) / (math.sqrt(50) + 1e-6))
    (c,) = with_grads([3.0, 4.0])
    assert clip_grad_norm_([c, c], 1.0).item() == 5.0
    np.testing.assert_allclose(c.grad.data, [3 / (5 + 1e-6), 4 / (5 + 1e-6)])


def test_disjoint_views_of_one_buffer_are_clipped_each_once():
    buf = np.array([3.0, 4.0, 0.0, 0.0])
    a, b = am.tensor([0.0, 0.0], requires_grad=True), am.tensor([0.0, 0.0], requires_grad=True)
    a.grad, b.grad = am.Tensor._wrap(buf[:2]), am.Tensor._wrap(buf[2:])
    clip_grad_norm_([a, b], 1.0)
    np.testing.assert_allclose(buf, [3 / (5 + 1e-6), 4 / (5 + 1e-6), 0, 0])
    b.grad = am.Tensor._wrap(buf[1:3])  # overlaps a's
    with pytest.raises(ValueError, match="clip_grad_norm_: two gradients .* overlapping"):
        clip_grad_norm_([a, b], 1e-3)
    np.testing.assert_allclose(buf, [3 / (5 + 1e-6), 4 / (5 + 1e-6), 0, 0])


def test_large_and_tiny_gradients_do_not_overflow_or_underflow():
    # (PyTorch returns inf for the first, zeroing the gradients, and 0 for the second)
    (a,) = with_grads([3e20, 4e20], dtype=np.float32)
    assert clip_grad_norm_([a], 1.0).item() == pytest.approx(5e20, rel=1e-6)
    np.testing.assert_allclose(a.grad.data, [0.6, 0.8], rtol=1e-6)
    (b,) = with_grads([3e-25, 4e-25], dtype=np.float32)
    assert clip_grad_norm_([b], 1.0).item() == pytest.approx(5e-25, rel=1e-6)
    (c,) = with_grads([3e200, 4e200])
    assert clip_grad_norm_([c], 1.0, norm_type=3).item() == pytest.approx((27 + 64) ** (1 / 3) * 1e200)


def test_nonfinite_norm_scales_anyway_or_raises():
    (a,) = with_grads([np.inf, 1.0])
    assert clip_grad_norm_([a], 1.0).item() == math.inf
    np.testing.assert_array_equal(a.grad.data, [np.nan, 0.0])  # as PyTorch: inf * 0, 1 * 0
    (b,) = with_grads([np.nan, 1.0])
    assert math.isnan(clip_grad_norm_([b], 1.0).item())
    assert np.isnan(b.grad.data).all()
    (c,) = with_grads([np.nan, 1.0])
    with pytest.raises(RuntimeError, match="clip_grad_norm_: the total norm .* nan"):
        clip_grad_norm_([c], 1.0, error_if_nonfinite=True)
    np.testing.assert_array_equal(c.grad.data, [np.nan, 1.0])  # unchanged


@pytest.mark.parametrize("kwargs, kind, match", [
    (dict(max_norm=-1.0), ValueError, "max_norm must be finite and >= 0"),
    (dict(max_norm=float("nan")), ValueError, "max_norm"),
    (dict(max_norm=float("inf")), ValueError, "max_norm"),
    (dict(max_norm="1"), TypeError, "max_norm must be a real number"),
    (dict(max_norm=1.0, norm_type=0), ValueError, "norm_type must be > 0"),
    (dict(max_norm=1.0, norm_type=-2.0), ValueError, "norm_type must be > 0"),
    (dict(max_norm=1.0, norm_type=float("nan")), ValueError, "norm_type"),
    (dict(max_norm=1.0, norm_type="fro"), TypeError, "norm_type must be a real number"),
    (dict(max_norm=1.0, norm_type=None), TypeError, "norm_type"),
    (dict(max_norm=1.0, error_if_nonfinite="yes"), TypeError, "error_if_nonfinite"),
])
def test_clip_grad_norm_bad_arguments(kwargs, kind, match):
    a, b = with_grads([3.0, 4.0], [1.0])
    with pytest.raises(kind, match="clip_grad_norm_: " + match):
        clip_grad_norm_([a, b], **kwargs)
    np.testing.assert_array_equal(a.grad.data, [3.0, 4.0])


def test_clip_grad_norm_bad_parameters_change_nothing():
    a, b = with_grads([3.0, 4.0], [1.0, 2.0])
    with pytest.raises(TypeError, match=r"clip_grad_norm_: parameter 1 is a ndarray"):
        clip_grad_norm_([a, np.zeros(2)], 0.1)
    b.grad = am.tensor([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"clip_grad_norm_: parameter 1 has shape \(2,\) but its .grad has shape \(3,\)"):
        clip_grad_norm_([a, b], 0.1)
    b.grad = np.zeros(2)
    with pytest.raises(TypeError, match="clip_grad_norm_: the .grad of parameter 1 .* is a ndarray"):
        clip_grad_norm_([a, b], 0.1)
    np.testing.assert_array_equal(a.grad.data, [3.0, 4.0])
    with pytest.raises(TypeError, match="clip_grad_norm_: got a Linear; pass its .parameters()"):
        clip_grad_norm_(nn.Linear(2, 2), 1.0)
    with pytest.raises(TypeError, match="clip_grad_norm_: parameters must be a Tensor or an iterable"):
        clip_grad_norm_(3.0, 1.0)


def test_a_graph_that_kept_a_gradient_refuses_backward_after_the_clip():
    w = am.tensor([1.0, 2.0], requires_grad=True)
    v = am.tensor([1.0, 1.0], requires_grad=True)
    (w * w).sum().backward()
    y = (w.grad * v).sum()  # keeps w.grad's array for v's gradient
    clip_grad_norm_([w], 1.0)
    with pytest.raises(RuntimeError, match="changed in place by clip_grad_norm_"):
        y.backward()
    y2 = (w.grad * v).sum()
    clip_grad_value_([w], 0.1)
    with pytest.raises(RuntimeError, match="changed in place by clip_grad_value_"):
        y2.backward()


def test_a_recorded_gradient_keeps_a_graph_that_agrees_with_its_values():
    w = am.tensor([1.0, 2.0], requires_grad=True)
    w.exp().sum().backward(create_graph=True)
    g = w.grad
    penalty = (g ** 2).sum()
    total = clip_grad_norm_([w], 1.0)
    e = np.exp([1.0, 2.0])
    assert total.item() == pytest.approx(np.linalg.norm(e))
    coef = 1.0 / (np.linalg.norm(e) + 1e-6)
    np.testing.assert_allclose(g.data, e)  # the old tensor (and any graph that kept it) is untouched
    np.testing.assert_allclose(w.grad.data, coef * e)
    # the new .grad's graph is that of coef * exp(w): its gradient is coef * exp(w)
    (dw,) = am.autograd.grad(w.grad.sum(), [w], retain_graph=True)
    np.testing.assert_allclose(dw.data, coef * e)
    # and the penalty made before the clip differentiates the unclipped gradient, correctly
    (dp,) = am.autograd.grad(penalty, [w])
    np.testing.assert_allclose(dp.data, 2 * e * e)
    clip_grad_value_([w], 0.5)
    np.testing.assert_allclose(w.grad.data, np.minimum(coef * e, 0.5))
    assert w.grad.grad_fn is not None


def test_clip_grad_value():
    a, b = with_grads([[-3.0, 0.5], [2.0, -0.25]], [np.nan])
    frozen = am.tensor([1.0], requires_grad=True)
    arr = a.grad.data
    assert clip_grad_value_([a, b, frozen], 1.0) is None
    assert a.grad.data is arr
    np.testing.assert_array_equal(arr, [[-1.0, 0.5], [1.0, -0.25]])
    assert np.isnan(b.grad.data[0]) and frozen.grad is None
    clip_grad_value_(a, float("inf"))
    np.testing.assert_array_equal(arr, [[-1.0, 0.5], [1.0, -0.25]])
    for bad, kind in [(-1.0, ValueError), (float("nan"), ValueError), ("1", TypeError), (True, TypeError)]:
        with pytest.raises(kind, match="clip_grad_value_: clip_value"):
            clip_grad_value_([a], bad)
    a.grad = am.tensor([1.0])
    with pytest.raises(ValueError, match="clip_grad_value_: parameter 0 has shape"):
        clip_grad_value_([a], 1.0)


@settings(max_examples=30, deadline=None)
@given(shapes=shapes, c=st.floats(0.0, 3.0), seed=st.integers(0, 2**31 - 1))
def test_clip_grad_value_matches_np_clip(shapes, c, seed):
    rng = np.random.default_rng(seed)
    grads = [2 * rng.standard_normal(s) for s in shapes]
    ps = with_grads(*grads)
    clip_grad_value_(ps, c)
    for p, g in zip(ps, grads):
        np.testing.assert_array_equal(p.grad.data, np.clip(g, -c, c))


def test_in_a_training_loop_with_sgd():
    am.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    opt = am.optim.SGD(model.parameters(), lr=0.1)
    x, y = am.randn(8, 3), am.randn(8, 1)
    for _ in range(3):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        before = [p.grad.data.copy() for p in model.parameters()]
        old = [p.data.copy() for p in model.parameters()]
        total = clip_grad_norm_(model.parameters(), 0.05)
        assert total.item() == pytest.approx(hand_norm(before, 2.0))
        coef = min(0.05 / (total.item() + 1e-6), 1.0)
        opt.step()
        for p, g, d in zip(model.parameters(), before, old):
            np.testing.assert_allclose(p.data, d - 0.1 * coef * g, rtol=1e-12, atol=1e-15)
    # the clip after the step's stamps, and a step after the clip: a fresh forward works
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    clip_grad_value_(model.parameters(), 1e-3)
    opt.step()


def test_not_inside_compile():
    w = am.tensor([1.0], requires_grad=True)
    w.grad = am.tensor([5.0])

    @am.compile
    def f(x):
        clip_grad_norm_([w], 1.0)
        return x * 2

    with pytest.raises(RuntimeError, match="clip_grad_norm_: cannot run inside a function being compiled"):
        f(am.tensor([1.0]))
    assert w.grad.item() == 5.0


# -- flat vectors -------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(shapes=shapes, seed=st.integers(0, 2**31 - 1))
def test_parameters_to_vector_and_back(shapes, seed):
    rng = np.random.default_rng(seed)
    ps = [am.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes]
    vec = parameters_to_vector(ps)
    expected = np.concatenate([p.data.ravel() for p in ps])
    assert vec.shape == (sum(p.size for p in ps),)
    np.testing.assert_array_equal(vec.data, expected)
    new = rng.standard_normal(vec.shape)
    arrays = [p.data for p in ps]
    vector_to_parameters(am.tensor(new), ps)
    start = 0
    for p, arr in zip(ps, arrays):
        assert p.data is arr and p.is_leaf  # copied into each parameter's own array
        np.testing.assert_array_equal(p.data, new[start:start + p.size].reshape(p.shape))
        start += p.size
    np.testing.assert_array_equal(parameters_to_vector(ps).data, new)


def test_parameters_to_vector_is_differentiable():
    a = am.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = am.tensor([5.0], requires_grad=True)
    vec = parameters_to_vector([a, b])
    (vec * am.tensor([1.0, 2.0, 3.0, 4.0, 5.0])).sum().backward()
    np.testing.assert_array_equal(a.grad.data, [[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(b.grad.data, [5.0])
    am.gradcheck(lambda x, y: parameters_to_vector([x, y]) ** 2, [a.detach().requires_grad_(), b.detach().requires_grad_()])


def test_vector_to_parameters_keeps_dtypes_and_does_not_alias_vec():
    a = am.tensor(np.zeros((2, 2), np.float32), requires_grad=True)
    vec = am.tensor(np.arange(4.0))
    vector_to_parameters(vec, [a])
    assert a.dtype == np.float32
    vec.data[0] = 100.0  # (PyTorch makes a's data a view of vec: it would change too)
    np.testing.assert_array_equal(a.data, [[0.0, 1.0], [2.0, 3.0]])


def test_vector_to_parameters_errors_change_nothing():
    a, b = am.tensor(np.zeros((2, 2))), am.tensor(np.zeros(3))
    with pytest.raises(ValueError, match=r"vector_to_parameters: vec has 6 entries, the parameters \(shapes \(2, 2\), \(3,\)\) have 7"):
        vector_to_parameters(am.tensor(np.ones(6)), [a, b])
    with pytest.raises(ValueError, match="vector_to_parameters: vec has 8 entries"):
        vector_to_parameters(am.tensor(np.ones(8)), [a, b])
    with pytest.raises(ValueError, match=r"vector_to_parameters: vec must be 1-D, got shape \(7, 1\)"):
        vector_to_parameters(am.tensor(np.ones((7, 1))), [a, b])
    with pytest.raises(TypeError, match="vector_to_parameters: vec must be a Tensor, got ndarray"):
        vector_to_parameters(np.ones(7), [a, b])
    with pytest.raises(TypeError, match="vector_to_parameters: parameter 1 is a list"):
        vector_to_parameters(am.tensor(np.ones(7)), [a, [0.0]])
    with pytest.raises(TypeError, match="vector_to_parameters: vec has dtype complex128"):
        vector_to_parameters(am.tensor(np.ones(7, complex)), [a, b])
    x = am.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(ValueError, match="vector_to_parameters: parameter 1 .* is not a leaf"):
        vector_to_parameters(am.tensor(np.ones(7)), [a, x * 2])
    assert not a.data.any() and not b.data.any()
    with pytest.raises(ValueError, match="parameters_to_vector: got no parameters"):
        parameters_to_vector([])
    with pytest.raises(TypeError, match="parameters_to_vector: parameter 0 is a ndarray"):
        parameters_to_vector([np.zeros(2)])


def test_vector_to_parameters_is_stamped():
    w = am.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    vector_to_parameters(am.tensor([5.0, 6.0]), [w])
    with pytest.raises(RuntimeError, match="changed in place by vector_to_parameters"):
        loss.backward()


def test_exported():
    assert am.nn.utils.clip_grad_norm_ is clip_grad_norm_
    assert "utils" in am.nn.__all__


def test_numbers_are_taken_as_in_nn_functional_a_0d_array_too():
    # (utils had a number check of its own that refused np.array(1.0), which
    # F's _number, used by every loss and layer, takes)
    a, b = with_grads([3.0, 4.0], [0.0])
    total = clip_grad_norm_([a, b], np.array(1.0), norm_type=np.array(2.0))
    assert total.item() == 5.0
    np.testing.assert_allclose(a.grad.data, [0.6, 0.8], rtol=1e-6)
    nn.utils.clip_grad_value_([a], np.array(0.5))
    np.testing.assert_allclose(a.grad.data, [0.5, 0.5])
    with pytest.raises(TypeError, match="clip_grad_value_: clip_value must be a real number"):
        nn.utils.clip_grad_value_([a], np.array([0.5]))


@pytest.mark.parametrize("model", [nn.Linear(2, 2), nn.ModuleList([nn.Linear(2, 2)])])
def test_every_function_asks_for_a_modules_parameters_by_name(model):
    # (only the clipping functions said so; parameters_to_vector of a ModuleList
    # complained that its item 0 is a Linear)
    for call in (lambda: clip_grad_norm_(model, 1.0), lambda: clip_grad_value_(model, 1.0),
                 lambda: parameters_to_vector(model),
                 lambda: vector_to_parameters(am.tensor(np.zeros(6)), model)):
        with pytest.raises(TypeError, match=f"got a {type(model).__name__}; pass its .parameters()"):
            call()
