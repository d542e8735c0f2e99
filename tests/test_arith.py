"""torch's arithmetic keywords (add/sub/rsub alpha=, div rounding_mode=, addcmul, addcdiv,
clamp_min/max) and shape helpers (expand_as, view_as, reshape_as, unflatten, swapdims,
movedim) as Tensor methods and am. functions; numpy's stacking helpers (hstack, vstack,
dstack, column_stack, atleast_{1,2,3}d, broadcast_arrays/tensors/shapes); F.gumbel_softmax.
Values against numpy oracles, first and second order in float64, refusals naming the op and
the shapes, and a compiled replay equal to eager bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini.nn import functional as F

from test_one_d import check_both, rand

SMALL = settings(max_examples=6, deadline=None)
shapes = st.lists(st.integers(1, 3), min_size=0, max_size=3).map(tuple)


def t(a, grad=True):
    return am.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


# -- arithmetic -----------------------------------------------------------------------------------


@SMALL
@given(shapes, shapes, st.sampled_from([1, -2.5, 0.5]))
def test_add_sub_rsub_with_alpha_match_numpy_and_check_both_orders(s1, s2, alpha):
    try:
        np.broadcast_shapes(s1, s2)
    except ValueError:
        s2 = s1[-1:]
    a, b = rand(*s1, seed=1), rand(*s2, seed=2)
    np.testing.assert_array_equal(am.add(a, b, alpha=alpha).data, a + alpha * b if alpha != 1 else a + b)
    np.testing.assert_array_equal(t(a).add(b, alpha=alpha).data, am.add(a, b, alpha=alpha).data)
    np.testing.assert_allclose(t(a).sub(b, alpha=alpha).data, a - alpha * b, rtol=1e-15)
    np.testing.assert_allclose(t(a).rsub(b, alpha=alpha).data, b - alpha * a, rtol=1e-15)
    check_both(lambda x, y: am.add(x, y, alpha=alpha) * x.add(y.sin(), alpha=alpha), t(a), t(b))
    check_both(lambda x, y: x.sub(y, alpha=alpha) * x.rsub(y, alpha=alpha), t(a), t(b))


def test_add_keeps_python_numbers_weak_and_float32_stays_float32():
    x = am.tensor(np.ones(3, np.float32))
    for out in (x.add(2.0, alpha=0.5), x.sub(1.5), x.rsub(1.0, alpha=2), am.add(x, 2.0), x.div(3.0),
                x.div(3.0, rounding_mode="floor"), x.addcmul(x, x, value=0.5), x.true_divide(2.0)):
        assert out.dtype == np.float32
    assert am.add(2, 3, alpha=2).data == 8


def test_mul_and_true_divide_are_the_operators():
    a, b = rand(2, 3), rand(3, seed=1)
    np.testing.assert_array_equal(t(a).mul(b).data, a * b)
    np.testing.assert_array_equal(t(a).true_divide(b).data, a / b)
    np.testing.assert_array_equal(am.tensor([1, 2, 3]).true_divide(2).data, np.array([0.5, 1.0, 1.5]))


def _trunc_div_loop(a, b):
    """Integer division rounded toward 0, one element at a time (Python ints: exact)."""
    a, b = np.broadcast_arrays(a, b)
    out = np.empty(a.shape, np.int64)
    for i in np.ndindex(a.shape):
        q = abs(int(a[i])) // abs(int(b[i]))
        out[i] = q if (a[i] < 0) == (b[i] < 0) else -q
    return out


def test_div_rounding_modes_match_numpy_and_the_loop():
    a = np.array([-7.5, -7.0, -0.5, 0.0, 0.5, 7.0, 7.5, 1.0])
    b = np.array([2.0, -2.0, 3.0, 1.0, -0.25, 2.0, -4.0, 0.1])
    np.testing.assert_array_equal(t(a).div(b).data, a / b)
    np.testing.assert_array_equal(t(a).div(b, rounding_mode="trunc").data, np.trunc(a / b))
    np.testing.assert_array_equal(t(a).div(b, rounding_mode="floor").data, np.floor_divide(a, b))
    assert t(1.0).div(0.1, rounding_mode="floor").item() == 9.0  # (Python's //, as torch: not floor(1/0.1))
    ia = np.array([-7, 7, -6, 6, -1, 0, 5, -9])
    ib = np.array([2, -2, 4, 4, 3, 3, -5, -3])
    for ta, tb in [(am.tensor(ia), am.tensor(ib)), (am.tensor(ia), ib), (ia, am.tensor(ib))]:
        trunc = am.tensor(ta).div(tb, rounding_mode="trunc") if not isinstance(ta, am.Tensor) else \
            ta.div(tb, rounding_mode="trunc")
        assert trunc.dtype == np.int64
        np.testing.assert_array_equal(trunc.data, _trunc_div_loop(ia, ib))
    np.testing.assert_array_equal(am.tensor(ia).div(ib, rounding_mode="floor").data, ia // ib)
    np.testing.assert_array_equal(am.tensor(ia).div(-3, rounding_mode="trunc").data, _trunc_div_loop(ia, -3))


def test_rounded_div_has_gradient_zero_never_nan_also_where_the_divisor_is_zero():
    x, y = t([1.0, -2.0, 3.0]), t([0.0, 2.0, -0.5])
    for mode in ("trunc", "floor"):
        with np.errstate(divide="ignore", invalid="ignore"):
            out = x.div(y, rounding_mode=mode)
        assert out.requires_grad
        gx, gy = am.autograd.grad(out.sum(), [x, y])
        np.testing.assert_array_equal(gx.data, np.zeros(3))
        np.testing.assert_array_equal(gy.data, np.zeros(3))


@SMALL
@given(shapes, shapes, st.sampled_from([1, 0.5, -3.0]))
def test_addcmul_addcdiv_match_numpy_and_check_both_orders(s1, s2, value):
    try:
        np.broadcast_shapes(s1, s2)
    except ValueError:
        s2 = ()
    c, a, b = rand(*s2, seed=3), rand(*s1, seed=4), rand(*s2, seed=5) ** 2 + 0.5
    np.testing.assert_array_equal(am.addcmul(c, a, b, value=value).data, c + (value * a) * b)
    np.testing.assert_array_equal(am.addcdiv(c, a, b, value=value).data, c + (value * a) / b)
    np.testing.assert_array_equal(t(c).addcdiv(a, b, value=value).data, am.addcdiv(c, a, b, value=value).data)
    check_both(lambda p, q, r: am.addcmul(p, q, r, value=value) + p.addcdiv(q, r, value=value), t(c), t(a), t(b))


def test_addcdiv_is_adams_update():
    p, m, v = rand(4), rand(4, seed=1), rand(4, seed=2) ** 2
    out = t(p, False).addcdiv(t(m, False), t(v, False).sqrt() + 1e-8, value=-0.01)
    np.testing.assert_allclose(out.data, p - 0.01 * m / (np.sqrt(v) + 1e-8), rtol=1e-14)


def test_clamp_min_and_clamp_max_match_numpy():
    a = rand(3, 4)
    np.testing.assert_array_equal(t(a).clamp_min(0.2).data, np.maximum(a, 0.2))
    np.testing.assert_array_equal(t(a).clamp_max(a[0]).data, np.minimum(a, a[0]))


# -- shape helpers --------------------------------------------------------------------------------


def test_expand_view_reshape_as_take_the_other_tensors_shape():
    a = rand(3, 1)
    other = am.zeros(2, 3, 4)
    np.testing.assert_array_equal(t(a).expand_as(other).data, np.broadcast_to(a, (2, 3, 4)))
    np.testing.assert_array_equal(t(rand(4, 6)).view_as(other).data, rand(4, 6).reshape(2, 3, 4))
    np.testing.assert_array_equal(t(rand(24)).reshape_as(np.zeros((2, 3, 4))).data, rand(24).reshape(2, 3, 4))
    check_both(lambda x: x.expand_as(other).sin() + x.reshape_as(np.zeros(3)).sum(), t(a))


@pytest.mark.parametrize("shape,dim,sizes,expect", [
    ((2, 12), 1, (3, 4), (2, 3, 4)), ((2, 12), -1, [-1, 2], (2, 6, 2)), ((6, 5), 0, (1, 6, 1), (1, 6, 1, 5)),
    ((4,), 0, (2, -1), (2, 2)), ((2, 0, 3), 1, (0, 5), (2, 0, 5, 3)), ((3,), 0, (3,), (3,)),
])
def test_unflatten_splits_one_axis_and_flatten_undoes_it(shape, dim, sizes, expect):
    a = rand(*shape)
    out = t(a).unflatten(dim, sizes)
    assert out.shape == expect
    np.testing.assert_array_equal(out.data, a.reshape(expect))
    d = dim % len(shape)
    np.testing.assert_array_equal(out.flatten(d, d + len(sizes) - 1).data, a)
    if a.size:
        check_both(lambda x: x.unflatten(dim, sizes) ** 2, t(a))


def test_swapdims_and_movedim_are_swapaxes_and_moveaxis():
    a = rand(2, 3, 4)
    np.testing.assert_array_equal(t(a).swapdims(0, 2).data, np.swapaxes(a, 0, 2))
    np.testing.assert_array_equal(t(a).movedim(0, -1).data, np.moveaxis(a, 0, -1))
    np.testing.assert_array_equal(t(a).movedim((0, 1), (2, 0)).data, np.moveaxis(a, (0, 1), (2, 0)))
    check_both(lambda x: x.swapdims(1, 2).exp() * x.movedim(2, 0).movedim(0, 1), t(a))


def test_transpose_is_numpys_and_points_torch_users_to_swapdims():
    a = rand(2, 3, 4)
    np.testing.assert_array_equal(t(a).transpose(2, 0, 1).data, np.transpose(a, (2, 0, 1)))
    np.testing.assert_array_equal(t(rand(2, 3)).transpose((0, 1)).data, rand(2, 3))  # (identity permutation)
    np.testing.assert_array_equal(t(rand(2, 3)).transpose(1, 0).data, rand(2, 3).T)  # (a swap in both)
    # numpy's identity, PyTorch's swap: refused rather than silently unchanged for a port
    for axes in ((0, 1), (-2, -1), (0, -1), (np.int64(0), 1)):
        with pytest.raises(ValueError, match=r"identity permutation.*x\.swapaxes\(0, 1\)"):
            t(rand(2, 3)).transpose(*axes)
        with pytest.raises(ValueError, match=r"transpose: .*PyTorch's swap"):
            am.transpose(t(rand(2, 3)), *axes)
    with pytest.raises(ValueError, match=r"transpose: axes \(0, 1\).*\(2, 3, 4\).*swapaxes\(0, 1\)"):
        t(a).transpose(0, 1)


@pytest.mark.parametrize("call,message", [
    (lambda: am.add(rand(2, 3), rand(4), alpha=2), r"add: shapes \(2, 3\), \(4,\)"),
    (lambda: t(rand(2, 3)).sub(rand(2), alpha=2), r"sub: shapes \(2, 3\), \(2,\)"),
    (lambda: t(rand(3)).rsub(rand(2)), r"rsub: shapes \(3,\), \(2,\)"),
    (lambda: t(rand(3)).add(1, alpha="2"), r"add: alpha must be a number"),
    (lambda: t(rand(3)).add(1, alpha=True), r"add: alpha must be a number"),
    (lambda: t(rand(3)).div(rand(2), rounding_mode="floor"), r"div: shapes \(3,\), \(2,\)"),
    (lambda: t(rand(3)).div(2, rounding_mode="round"), r"div: rounding_mode must be None, 'trunc' or 'floor'"),
    (lambda: am.tensor([1j]).div(2, rounding_mode="trunc"), r"div: rounding_mode='trunc' needs real operands"),
    (lambda: am.addcmul(rand(3), rand(2, 3), rand(4)), r"addcmul: shapes \(3,\), \(2, 3\), \(4,\)"),
    (lambda: am.addcdiv(rand(3), rand(3), rand(3), value=None), r"addcdiv: value must be a number"),
    (lambda: t(rand(3)).expand_as((2, 3)), r"expand_as: expected a Tensor .* got tuple \(tensor of shape \(3,\)\)"),
    (lambda: t(rand(2, 3)).expand_as(am.zeros(2, 4)), r"expand_as: other's shape \(2, 4\).*expand: size 4 at axis 1 .*shape \(2, 3\)"),
    (lambda: t(rand(2, 3)).view_as(am.zeros(4)), r"view_as: other's shape \(4,\).*\(2, 3\)"),
    (lambda: t(rand(2, 3)).reshape_as(am.zeros(4)), r"reshape_as: other's shape \(4,\).*\(2, 3\)"),
    (lambda: t(rand(2, 6)).unflatten(1, (4, 2)), r"unflatten: sizes \(4, 2\) do not split axis 1 of length 6 "
                                                   r"\(tensor of shape \(2, 6\)\)"),
    (lambda: t(rand(2, 6)).unflatten(1, (-1, -1)), r"unflatten: sizes \(-1, -1\) do not split"),
    (lambda: t(rand(2, 6)).unflatten(1, (-1, 4)), r"unflatten: sizes \(-1, 4\) do not split"),
    (lambda: t(rand(2, 6)).unflatten(1, ()), r"unflatten: sizes \(\) do not split"),
    (lambda: t(rand(2, 6)).unflatten(2, (2, 3)), r"unflatten: dim 2 is out of range .* \(2, 6\)"),
    (lambda: t(rand(2, 6)).unflatten(1, 6), r"unflatten: sizes must be a tuple or list of ints, got 6"),
    (lambda: t(rand(2, 6)).unflatten(1.0, (2, 3)), r"unflatten: dim must be an int"),
])
def test_bad_input_to_the_arithmetic_and_shape_helpers_is_refused_naming_the_op_and_the_shapes(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_a_compiled_function_of_the_arithmetic_replays_eager_values_and_gradients_bit_for_bit():
    def loss(x, y):
        h = am.addcdiv(x, y, x * x + 1.0, value=-0.5).add(y.sin(), alpha=2.0).rsub(1.0, alpha=0.5)
        h = am.addcmul(h, h, y, value=0.25).clamp_min(-1.0).clamp_max(2.0) + x.div(y + 3.0, rounding_mode="floor")
        h = (h + x.div(y.exp(), rounding_mode="trunc")).unflatten(-1, (2, -1)).movedim(-1, 0).swapdims(1, 2)
        v = h.reshape(-1).expand_as(am.zeros(2, h.size)).view_as(am.zeros(2, *h.shape))
        return (v.sub(v.mean(), alpha=3.0).true_divide(2.0).mul(v) ** 2).sum()

    _assert_replays_eager(loss)


def _assert_replays_eager(loss):
    compiled = am.compile(loss)
    for seed, shape in [(0, (3, 4)), (1, (3, 4)), (2, (2, 6)), (3, (2, 6))]:
        results = []
        for f in (loss, compiled):
            x, y = t(rand(*shape, seed=seed)), t(rand(*shape, seed=seed + 10))
            out = f(x, y)
            out.backward()
            results.append((out.data.copy(), x.grad.data.copy(), y.grad.data.copy()))
        for u, v in zip(*results):
            assert u.dtype == v.dtype and np.array_equal(u, v)
    assert compiled.calls == 4 and compiled.recordings == 2, compiled._untaped


# -- numpy's stacking helpers ---------------------------------------------------------------------


STACKS = ["vstack", "hstack", "dstack", "column_stack"]


@pytest.mark.parametrize("name", STACKS)
@pytest.mark.parametrize("shapes_", [[(3,), (3,)], [(), ()], [(2, 3), (2, 3), (2, 3)], [(2, 3, 4), (2, 3, 4)],
                                      [(4,)], [(2, 1), (2, 1)]])
def test_stacks_match_numpy_and_check_both_orders(name, shapes_):
    arrays = [rand(*s, seed=k) for k, s in enumerate(shapes_)]
    expect = getattr(np, name)(arrays)
    out = getattr(am, name)([t(a) for a in arrays])
    assert out.shape == expect.shape
    np.testing.assert_array_equal(out.data, expect)
    check_both(lambda *xs: getattr(am, name)([x * (k + 1) for k, x in enumerate(xs)]) ** 2, *map(t, arrays))


def test_stacks_of_mixed_shapes_match_numpy():
    a, b = rand(2, 3), rand(3, seed=1)
    np.testing.assert_array_equal(am.vstack([a, b]).data, np.vstack([a, b]))
    np.testing.assert_array_equal(am.column_stack([a.T, b]).data, np.column_stack([a.T, b]))
    np.testing.assert_array_equal(am.hstack([rand(2, 1), rand(2, 3)]).data, np.hstack([rand(2, 1), rand(2, 3)]))
    assert am.vstack([np.ones(2, np.int32), np.ones(2, np.int32)]).dtype == np.int32


@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 3, 4), (1, 2, 3, 4)])
def test_atleast_nd_match_numpy(shape):
    a = rand(*shape)
    for n in (1, 2, 3):
        f = getattr(am, f"atleast_{n}d")
        out, expect = f(t(a)), getattr(np, f"atleast_{n}d")(a)
        assert out.shape == expect.shape
        np.testing.assert_array_equal(out.data, expect)
        pair = f(a, t(a))
        assert isinstance(pair, tuple) and [p.shape for p in pair] == [expect.shape] * 2
    check_both(lambda x: am.atleast_3d(x).sin() * am.atleast_2d(x).sum(), t(a))


@SMALL
@given(shapes, shapes)
def test_broadcast_arrays_tensors_and_shapes_match_numpy(s1, s2):
    try:
        expect = np.broadcast_shapes(s1, s2)
    except ValueError:
        with pytest.raises(ValueError, match=r"broadcast_shapes: shapes .* do not broadcast"):
            am.broadcast_shapes(s1, s2)
        with pytest.raises(ValueError, match=r"broadcast_tensors: shapes .* do not broadcast"):
            am.broadcast_tensors(rand(*s1), rand(*s2))
        return
    assert am.broadcast_shapes(s1, s2) == expect
    a, b = rand(*s1, seed=1), rand(*s2, seed=2)
    for f in (am.broadcast_arrays, am.broadcast_tensors):
        out = f(a, t(b))
        assert isinstance(out, tuple)
        for o, e in zip(out, np.broadcast_arrays(a, b)):
            np.testing.assert_array_equal(o.data, e)
    check_both(lambda x, y: (lambda u, v: u * v.sin())(*am.broadcast_tensors(x, y)), t(a), t(b))


@pytest.mark.parametrize("call,message", [
    (lambda: am.vstack([rand(2, 3), rand(2, 2)]), r"vstack: shapes \(2, 3\), \(2, 2\) .* axis 0"),
    (lambda: am.hstack([rand(2, 3), rand(3, 3)]), r"hstack: shapes \(2, 3\), \(3, 3\) .* axis 1"),
    (lambda: am.dstack([rand(2, 3), rand(2, 2)]), r"dstack: shapes \(2, 3, 1\), \(2, 2, 1\)"),
    (lambda: am.column_stack([rand(3), rand(2)]), r"column_stack: shapes \(3, 1\), \(2, 1\)"),
    (lambda: am.hstack([rand(3), rand(2, 3)]), r"hstack: shapes \(3,\), \(2, 3\)"),
    (lambda: am.vstack([]), r"vstack: need at least one tensor"),
    (lambda: am.hstack(3.0), r"hstack: expected a sequence of tensors"),
    (lambda: am.atleast_2d(), r"atleast_2d: expected at least one tensor"),
    (lambda: am.broadcast_shapes((2,), "a"), r"broadcast_shapes: expected shapes"),
    (lambda: am.broadcast_arrays(rand(2), rand(3)), r"broadcast_arrays: shapes \(2,\), \(3,\)"),
])
def test_bad_input_to_the_stacking_helpers_is_refused_naming_the_op_and_the_shapes(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_a_compiled_function_of_the_stacking_helpers_replays_eager_values_and_gradients_bit_for_bit():
    def loss(x, y):
        h = am.hstack([x, y.sin()]).reshape(x.shape[0], 2, -1)
        a, b = am.broadcast_tensors(h, y.sum(-1, keepdims=True)[:, None])
        v = am.vstack([a.reshape(-1), am.atleast_1d(b.reshape(-1))])
        return (am.dstack([v, v * 2.0]) ** 2).sum() + am.column_stack([x[0], y[0]]).exp().sum()

    _assert_replays_eager(loss)


# -- gumbel_softmax -------------------------------------------------------------------------------


def _gumbel_oracle(logits, tau, dim, seed):
    """PyTorch's recipe with numpy's generator seeded as am.manual_seed seeds the library's."""
    g = -np.log(np.random.default_rng(seed).standard_exponential(logits.shape))
    z = (logits + g) / tau
    e = np.exp(z - z.max(axis=dim, keepdims=True))
    return e / e.sum(axis=dim, keepdims=True)


@pytest.mark.parametrize("shape,dim", [((5,), -1), ((3, 4), -1), ((3, 4), 0), ((2, 3, 4), 1)])
def test_gumbel_softmax_matches_the_oracle_and_is_seeded(shape, dim):
    logits = rand(*shape)
    am.manual_seed(7)
    soft = F.gumbel_softmax(t(logits), tau=0.7, dim=dim)
    np.testing.assert_allclose(soft.data, _gumbel_oracle(logits, 0.7, dim, 7), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(soft.data.sum(axis=dim), 1.0, rtol=1e-12)
    am.manual_seed(7)
    hard = F.gumbel_softmax(t(logits), tau=0.7, hard=True, dim=dim)
    one_hot = np.zeros(shape)
    np.put_along_axis(one_hot, np.argmax(soft.data, axis=dim, keepdims=True), 1.0, axis=dim)
    np.testing.assert_array_equal(hard.data, one_hot - soft.data + soft.data)  # (torch's arithmetic)
    np.testing.assert_allclose(hard.data, one_hot, atol=1e-15)
    assert not np.array_equal(F.gumbel_softmax(t(logits)).data, soft.data)  # (a new draw)


@pytest.mark.parametrize("hard", [False, True])
@pytest.mark.parametrize("shape,dim", [((4,), -1), ((2, 3), 1), ((2, 3, 2), 0)])
def test_gumbel_softmax_first_and_second_order_hard_has_the_soft_gradient(shape, dim, hard):
    def f(x, hard=hard):
        am.manual_seed(3)  # (the same noise at every evaluation)
        return F.gumbel_softmax(x, tau=0.5, hard=hard, dim=dim) * np.arange(1.0, 1.0 + np.prod(shape)).reshape(shape)

    if not hard:  # (hard's values are piecewise constant: finite differences see 0, not the estimator)
        check_both(f, t(rand(*shape)))
    x = t(rand(*shape))
    g_hard = am.autograd.grad(f(x, True).sum(), x)[0]
    g_soft = am.autograd.grad(f(x, False).sum(), x)[0]
    np.testing.assert_array_equal(g_hard.data, g_soft.data)


def test_gumbel_softmax_keeps_float32():
    out = F.gumbel_softmax(am.tensor(np.zeros((2, 3), np.float32)), hard=True)
    assert out.dtype == np.float32 and np.array_equal(out.data.sum(-1), [1.0, 1.0])


def test_gumbel_softmax_is_refused_under_compile_before_drawing():
    f = am.compile(lambda x: F.gumbel_softmax(x, tau=0.5).sum())
    state = am.get_rng_state()
    with pytest.raises(RuntimeError, match=r"gumbel_softmax: random noise \(logits of shape \(2, 3\)\) cannot be compiled"):
        f(t(rand(2, 3)))
    assert am.get_rng_state() == state


@pytest.mark.parametrize("call,message", [
    (lambda: F.gumbel_softmax(t(rand(3)), tau=0), r"gumbel_softmax: tau must be > 0, got 0"),
    (lambda: F.gumbel_softmax(am.tensor([1, 2])), r"gumbel_softmax: logits must be floating, got dtype int64"),
    (lambda: F.gumbel_softmax(t(rand(2, 3)), dim=2), r"gumbel_softmax: dim 2 is out of range for shape \(2, 3\)"),
    (lambda: F.gumbel_softmax(t(rand(2, 0)), dim=1), r"gumbel_softmax: no categories along dim 1 .* \(2, 0\)"),
    (lambda: F.gumbel_softmax(t(rand(2)), hard=None), r"gumbel_softmax: hard"),
])
def test_bad_input_to_gumbel_softmax_is_refused_naming_the_op_and_the_shapes(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_a_refused_call_records_nothing_and_draws_nothing():
    x = t(rand(2, 3))
    state = am.get_rng_state()
    for call in (lambda: am.addcmul(x, x, rand(4)), lambda: x.unflatten(1, (2, 2)),
                 lambda: F.gumbel_softmax(x, tau=-1.0), lambda: am.hstack([x, rand(3, 3)])):
        with pytest.raises(ValueError):
            call()
    assert am.get_rng_state() == state
    (x * 1.0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.ones((2, 3)))


def test_transpose_of_a_2d_tensor_with_out_of_range_axes_says_so():
    # x.transpose(2, 3) and (0, 3) of a 2-D x were reported as "numpy's identity
    # permutation, PyTorch's swap" (the test took axes modulo 2): they are out of range
    # in both libraries
    for axes in ((2, 3), (0, 3), (-4, -1)):
        with pytest.raises((ValueError, IndexError)) as e:
            t(rand(2, 3)).transpose(*axes)
        assert "identity permutation" not in str(e.value) and "out of" in str(e.value)
