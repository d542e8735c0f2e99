"""More of PyTorch's Tensor methods (to, type_as, new_*, contiguous, t, mT, neg, pow, the
comparisons, maximum, minimum, remainder, fmod, floor_divide, lerp, where, mm, bmm, mv,
addmm) and am.mm, bmm, mv, addmm, baddbmm, lerp; the in-place methods (zero_, fill_,
add_, sub_, mul_, div_, clamp_, uniform_, normal_, copy_): values against naive numpy
oracles, float64 gradient checks of first and second order, refusals, and am.compile."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from test_take_along import replays  # (compiled vs eager, values and gradients bit for bit)


def rand(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def check_both(f, *inputs):
    assert am.gradcheck(f, inputs)
    assert am.gradgradcheck(f, inputs)


# -- to, type_as, new_* ---------------------------------------------------------------------


def test_to_converts_the_dtype_and_returns_self_without_a_change():
    x = am.tensor(rand((2, 3)), requires_grad=True)
    assert x.to(np.float64) is x and x.to("cpu") is x and x.to("cpu:0") is x
    assert x.to(x) is x and x.to(device="cpu", dtype=np.float64) is x and x.type_as(x) is x
    y = x.to(np.float32)
    assert y.dtype == np.float32 and y.grad_fn is not None
    np.testing.assert_array_equal(y.data, x.data.astype(np.float32))
    z = x.to("cpu", np.float32) + x.to(dtype=np.float16).to(np.float32) + x.type_as(y)
    assert z.dtype == np.float32
    z.sum().backward()
    assert x.grad.dtype == np.float64 and np.all(x.grad.data == 3.0)
    c = x.to(np.float64, copy=True)
    assert c is not x and not np.shares_memory(c.data, x.data) and c.grad_fn is not None
    i = am.tensor([1.7, -2.5]).to(am.tensor([1, 2]))
    assert i.dtype == np.int64 and i.data.tolist() == [1, -2]


@pytest.mark.parametrize("device", ["cuda", "cuda:0", "mps", 0, "cpu:1"])
def test_to_refuses_other_devices(device):
    with pytest.raises(ValueError, match="to: device .* is not available"):
        am.tensor([1.0]).to(device)
    with pytest.raises(ValueError, match="only device is 'cpu'"):
        am.tensor([1.0]).to(device=device)


def test_to_refuses_two_dtypes_and_type_as_a_non_tensor():
    with pytest.raises(TypeError, match="to: two dtypes"):
        am.tensor([1.0]).to(np.float32, dtype=np.float64)
    with pytest.raises(TypeError, match="type_as: expected a Tensor"):
        am.tensor([1.0]).type_as(np.float32)


@pytest.mark.parametrize("dtype", [np.float32, np.int32, np.float64])
def test_new_creators_take_self_dtype_unless_given(dtype):
    x = am.tensor(np.ones((2, 2), dtype))
    for t, fill in [(x.new_zeros(2, 3), 0), (x.new_zeros((2, 3)), 0), (x.new_ones(2, 3), 1),
                    (x.new_empty((2, 3)), 0), (x.new_full((2, 3), 7), 7)]:
        assert t.shape == (2, 3) and t.dtype == dtype and np.all(t.data == fill) and t.is_leaf
    assert x.new_zeros(3, dtype=np.float16).dtype == np.float16
    assert x.new_ones((1,), dtype=np.float64, requires_grad=True).requires_grad
    data = np.array([1.5, 2.5])
    t = x.new_tensor(data)
    assert t.dtype == dtype and t.data.tolist() == data.astype(dtype).tolist()
    data[0] = 9.0  # (a copy)
    assert t.data[0] != 9.0
    assert x.new_tensor([1, 2], dtype=np.float64).dtype == np.float64


def test_new_tensor_of_a_tensor_is_a_leaf_without_its_graph():
    w = am.tensor([1.0, 2.0], requires_grad=True)
    t = am.tensor([0.0]).new_tensor(w * 2)
    assert t.is_leaf and not t.requires_grad and t.data.tolist() == [2.0, 4.0]


# -- contiguous, t, mT ----------------------------------------------------------------------


def test_contiguous_returns_self_or_a_c_ordered_recorded_copy():
    x = am.tensor(rand((2, 3, 4)), requires_grad=True)
    assert x.contiguous() is x
    for view in [x.permute(2, 0, 1), x[:, ::2], x[..., ::-1], x.reshape(-1)[::-3], x[:, :, 1]]:
        c = view.contiguous()
        assert c.data.flags.c_contiguous and c.shape == view.shape
        np.testing.assert_array_equal(c.data, view.data)
        assert not np.shares_memory(c.data, x.data)
    check_both(lambda t: t.permute(2, 0, 1).contiguous() ** 2, rand((2, 3, 4)))
    check_both(lambda t: t[..., ::-1].contiguous().sin(), rand((3, 2)))


def test_t_transposes_up_to_two_axes():
    for shape in [(), (3,), (2, 3), (1, 4)]:
        a = rand(shape)
        x = am.tensor(a, requires_grad=True)
        y = x.t()
        np.testing.assert_array_equal(y.data, a.T)
        assert y is not x
        check_both(lambda t: t.t().exp(), a)
    with pytest.raises(ValueError, match=r"t: expects a tensor with at most 2 axes, got shape \(2, 3, 4\)"):
        am.tensor(rand((2, 3, 4))).t()


def test_mT_swaps_the_last_two_axes():
    for shape in [(2, 3), (4, 2, 3), (2, 1, 3, 5)]:
        a = rand(shape)
        np.testing.assert_array_equal(am.tensor(a).mT.data, np.swapaxes(a, -1, -2))
        check_both(lambda t: t.mT ** 2, a)
    for shape in [(), (3,)]:
        with pytest.raises(ValueError, match="mT: needs a matrix"):
            am.tensor(rand(shape)).mT


# -- neg, pow, comparisons, maximum, minimum, where --------------------------------------------


def test_neg_pow_and_comparisons_are_the_operators():
    a, b = rand((3, 4)), rand((4,), 1)
    x, y = am.tensor(a, requires_grad=True), am.tensor(b)
    np.testing.assert_array_equal(x.neg().data, -a)
    np.testing.assert_array_equal(x.pow(2).data, a ** 2)
    np.testing.assert_array_equal(abs(x).pow(y).data, np.abs(a) ** b)
    for name, fn in [("eq", np.equal), ("ne", np.not_equal), ("lt", np.less), ("le", np.less_equal),
                     ("gt", np.greater), ("ge", np.greater_equal)]:
        out = getattr(x, name)(y)
        assert out.dtype == bool and not out.requires_grad
        np.testing.assert_array_equal(out.data, fn(a, b))
        np.testing.assert_array_equal(getattr(x, name)(0.0).data, fn(a, 0.0))
    check_both(lambda t: t.neg() * t.pow(3), a)
    check_both(lambda t: abs(t).pow(t.cos()), a)


def test_maximum_minimum_where_methods_are_the_functions():
    a, b = rand((2, 3)), rand((3,), 1)
    x = am.tensor(a)
    np.testing.assert_array_equal(x.maximum(b).data, np.maximum(a, b))
    np.testing.assert_array_equal(x.minimum(b).data, np.minimum(a, b))
    np.testing.assert_array_equal(x.where(a > 0, b).data, np.where(a > 0, a, b))
    np.testing.assert_array_equal(x.where(am.tensor(a) > 0, 0.0).data, np.where(a > 0, a, 0.0))
    check_both(lambda t, u: t.maximum(u) + t.minimum(u * 2), a, a + 0.3)
    check_both(lambda t, u: t.where(a > 0, u), a, b)


# -- remainder, fmod, floor_divide ------------------------------------------------------


def test_fmod_equals_numpy_bit_for_bit_with_the_sign_of_x():
    x = np.array([5.5, -5.5, 5.5, -5.5, 4.0, -4.0, -0.0, 0.0, 1e-20, -1e-20, np.inf, 3.0, np.nan, 2.0])
    y = np.array([2.0, 2.0, -2.0, -2.0, 2.0, 2.0, 3.0, -3.0, 1.0, -1.0, 2.0, np.inf, 1.0, np.nan])
    with np.errstate(invalid="ignore"):  # (inf and nan: numpy's warning, both sides)
        got = am.tensor(x).fmod(am.tensor(y)).data
        want = np.fmod(x, y)
        np.testing.assert_array_equal(got, want)
        assert np.array_equal(np.signbit(got), np.signbit(want))
        np.testing.assert_array_equal(am.tensor(x).fmod(-1.5).data, np.fmod(x, -1.5))
        f32 = am.tensor(x.astype(np.float32)).fmod(0.7)
        assert f32.dtype == np.float32
        np.testing.assert_array_equal(f32.data, np.fmod(x.astype(np.float32), np.float32(0.7)))
    r = np.random.default_rng(5)
    x, y = r.standard_normal(1000) * 10.0 ** r.integers(-5, 6, 1000), r.standard_normal(1000)
    got = am.tensor(x).fmod(y).data
    np.testing.assert_array_equal(got, np.fmod(x, y))
    assert np.array_equal(np.signbit(got), np.signbit(np.fmod(x, y)))


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.uint8])
def test_fmod_of_integers_equals_numpy(dtype):
    info = np.iinfo(dtype)
    x = np.array([7, -7, 7, -7, 6, info.min, info.max, 0], dtype=dtype) if info.min < 0 else \
        np.array([7, 6, 0, 255], dtype=dtype)
    y = np.array([3, 3, -3, -3, 3, 7, -1, 5], dtype=dtype) if info.min < 0 else np.array([3, 3, 5, 4], dtype=dtype)
    got = am.tensor(x).fmod(am.tensor(y))
    assert got.dtype == np.fmod(x, y).dtype
    np.testing.assert_array_equal(got.data, np.fmod(x, y))
    np.testing.assert_array_equal(am.tensor(x).fmod(2).data, np.fmod(x, 2))


def test_fmod_and_remainder_gradients_are_the_truncated_and_floored_quotients():
    x = np.array([5.3, -5.3, 5.3, -5.3, 0.4])
    y = np.array([2.0, 2.0, -2.0, -2.0, -0.3])
    for name, q in [("fmod", np.trunc(x / y)), ("remainder", np.floor(x / y))]:
        a, b = am.tensor(x, requires_grad=True), am.tensor(y, requires_grad=True)
        getattr(a, name)(b).sum().backward()
        np.testing.assert_array_equal(a.grad.data, np.ones(5))
        np.testing.assert_array_equal(b.grad.data, -q)
    # the floor division has no gradient
    assert not am.tensor(x, requires_grad=True).floor_divide(0.7).requires_grad
    np.testing.assert_array_equal(am.tensor(x).floor_divide(y).data, np.floor_divide(x, y))
    np.testing.assert_array_equal(am.tensor(x).remainder(y).data, np.remainder(x, y))


@settings(max_examples=6, deadline=None)
@given(st.sampled_from([(3,), (2, 3), (2, 1, 3)]), st.integers(0, 100))
def test_fmod_gradcheck_first_and_second_order(shape, seed):
    a = rand(shape, seed) * 3
    b = np.random.default_rng(seed + 1).uniform(0.4, 1.5, shape[-1:]) * np.array([1, -1, 1])
    check_both(lambda t, u: t.fmod(u) * t, a, b)
    check_both(lambda t: t.fmod(-0.7).sin(), a)


def test_fmod_refuses_complex():
    with pytest.raises(TypeError, match="fmod: complex"):
        am.tensor([1 + 1j]).fmod(2.0)


# -- lerp ------------------------------------------------------------------------------


def naive_lerp(s, e, w):
    s, e, w = np.broadcast_arrays(s, e, w)
    out = np.empty(s.shape)
    for i in np.ndindex(s.shape):
        d = e[i] - s[i]
        out[i] = s[i] + w[i] * d if abs(w[i]) < 0.5 else e[i] - d * (1 - w[i])
    return out


def test_lerp_values_and_its_endpoints_exactly():
    s, e, w = rand((2, 3)), rand((3,), 1), np.linspace(-1, 2, 6).reshape(2, 3)
    for weight in [w, 0.3, 0.7, am.tensor(w)]:
        wv = weight.data if isinstance(weight, am.Tensor) else weight
        np.testing.assert_array_equal(am.tensor(s).lerp(e, weight).data, naive_lerp(s, e, wv))
        np.testing.assert_array_equal(am.lerp(s, am.tensor(e), weight).data, naive_lerp(s, e, wv))
    a, b = np.array([0.1, 1e10, -3.3]), np.array([0.7, -1e-10, 2.9])
    np.testing.assert_array_equal(am.lerp(a, b, 1.0).data, b)
    np.testing.assert_array_equal(am.lerp(a, b, 0.0).data, a)
    assert am.lerp(am.tensor(a, dtype=np.float32), b.astype(np.float32), 0.25).dtype == np.float32


@pytest.mark.parametrize("shape", [(3,), (2, 3), (2, 1, 3)])
def test_lerp_gradcheck(shape):
    s, e, w = rand(shape), rand(shape[-1:], 1), np.random.default_rng(2).uniform(-1, 2, shape)
    check_both(lambda a, b, c: am.lerp(a, b, c), s, e, w)
    check_both(lambda a, b: a.lerp(b, 0.8) * a.lerp(b, -0.2), s, e)
    a, b, c = (am.tensor(v, requires_grad=True) for v in (s, e, w))
    am.lerp(a, b, c).sum().backward()
    np.testing.assert_allclose(a.grad.data, (1 - w), atol=1e-15)
    np.testing.assert_allclose(c.grad.data, np.broadcast_to(e - s, shape), atol=1e-15)


def test_lerp_refuses_shapes_that_do_not_broadcast():
    with pytest.raises(ValueError, match=r"lerp: shapes \(2, 3\), \(4,\), \(2, 3\)"):
        am.lerp(rand((2, 3)), rand((4,)), am.tensor(rand((2, 3))))


# -- mm, bmm, mv, addmm, baddbmm -----------------------------------------------------------


def naive_mm(a, b):
    out = np.zeros((a.shape[0], b.shape[1]))
    for i in range(a.shape[0]):
        for j in range(b.shape[1]):
            for k in range(a.shape[1]):
                out[i, j] += a[i, k] * b[k, j]
    return out


def test_products_against_loops():
    a, b, v = rand((3, 4)), rand((4, 2), 1), rand((4,), 2)
    np.testing.assert_allclose(am.mm(a, b).data, naive_mm(a, b), rtol=1e-14)
    np.testing.assert_allclose(am.tensor(a).mm(b).data, naive_mm(a, b), rtol=1e-14)
    np.testing.assert_allclose(am.mv(a, v).data, naive_mm(a, v[:, None])[:, 0], rtol=1e-14)
    np.testing.assert_allclose(am.tensor(a).mv(am.tensor(v)).data, naive_mm(a, v[:, None])[:, 0], rtol=1e-14)
    A, B = rand((5, 3, 4)), rand((5, 4, 2), 3)
    want = np.stack([naive_mm(A[i], B[i]) for i in range(5)])
    np.testing.assert_allclose(am.bmm(A, B).data, want, rtol=1e-13)
    np.testing.assert_allclose(am.tensor(A).bmm(B).data, want, rtol=1e-13)
    c = rand((2,), 4)
    np.testing.assert_allclose(am.addmm(c, a, b, beta=0.5, alpha=-2.0).data, 0.5 * c - 2.0 * naive_mm(a, b),
                               rtol=1e-13)
    np.testing.assert_allclose(am.tensor(c).addmm(a, b).data, c + naive_mm(a, b), rtol=1e-13)
    C = rand((3, 1), 5)
    np.testing.assert_allclose(am.baddbmm(C, A, B, beta=2, alpha=3).data, 2 * C + 3 * want, rtol=1e-13)


def test_beta_zero_ignores_the_input_as_torch():
    a, b = rand((2, 3)), rand((3, 2), 1)
    nan = np.full((2, 2), np.nan)
    np.testing.assert_allclose(am.addmm(nan, a, b, beta=0).data, a @ b, rtol=1e-14)
    np.testing.assert_allclose(am.baddbmm(np.inf, a[None], b[None], beta=0, alpha=2).data, 2 * (a @ b)[None],
                               rtol=1e-14)


@pytest.mark.parametrize("n,k,m", [(1, 1, 1), (3, 2, 4), (2, 5, 1)])
def test_products_gradcheck(n, k, m):
    a, b, c = rand((n, k)), rand((k, m), 1), rand((m,), 2)
    check_both(lambda x, y: am.mm(x, y) ** 2, a, b)
    check_both(lambda x, y: am.mv(x, y).sin(), a, b[:, 0])
    check_both(lambda z, x, y: am.addmm(z, x, y, beta=0.5, alpha=1.5) ** 2, c, a, b)
    A, B = rand((2, n, k), 3), rand((2, k, m), 4)
    check_both(lambda x, y: am.bmm(x, y).sin(), A, B)
    check_both(lambda z, x, y: am.baddbmm(z, x, y, beta=-1, alpha=0.5) ** 2, rand((n, 1), 5), A, B)


@pytest.mark.parametrize("call,message", [
    (lambda: am.mm(rand((2, 3)), rand((3,))), r"mm: expected two 2-D matrices, got shapes \(2, 3\) and \(3,\)"),
    (lambda: am.mm(rand((2, 3)), rand((2, 3))), r"mm: shapes \(2, 3\) and \(2, 3\) cannot be multiplied"),
    (lambda: am.bmm(rand((2, 2, 3)), rand((3, 2))), r"bmm: expected two 3-D batches"),
    (lambda: am.bmm(rand((2, 2, 3)), rand((1, 3, 2))), r"bmm: batch sizes differ, shapes \(2, 2, 3\) and \(1, 3, 2\)"),
    (lambda: am.bmm(rand((2, 2, 3)), rand((2, 2, 2))), r"bmm: shapes \(2, 2, 3\) and \(2, 2, 2\) cannot be"),
    (lambda: am.mv(rand((2, 3)), rand((2,))), r"mv: shapes \(2, 3\) and \(2,\) cannot be multiplied"),
    (lambda: am.mv(rand((2, 3)), rand((3, 1))), r"mv: expected a 2-D matrix and a 1-D vector"),
    (lambda: am.addmm(rand((3,)), rand((2, 3)), rand((3, 2))), r"addmm: input of shape \(3,\) does not broadcast"),
    (lambda: am.addmm(rand((2, 2, 2)), rand((2, 3)), rand((3, 2))), r"addmm: input of shape \(2, 2, 2\)"),
    (lambda: am.baddbmm(rand((3, 1, 1)), rand((2, 2, 3)), rand((2, 3, 2))), r"baddbmm: input of shape \(3, 1, 1\)"),
])
def test_products_refuse_bad_shapes_before_recording(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_addmm_refuses_a_non_number_scale():
    with pytest.raises(TypeError, match="addmm: alpha must be a number"):
        am.addmm(rand((2,)), rand((2, 3)), rand((3, 2)), alpha=am.tensor(2.0))


# -- in-place methods ---------------------------------------------------------------------

IN_PLACE = {
    "zero_": (lambda t: t.zero_(), lambda a: np.zeros_like(a)),
    "fill_": (lambda t: t.fill_(2.5), lambda a: np.full_like(a, 2.5)),
    "fill_0d": (lambda t: t.fill_(am.tensor(-1.0)), lambda a: np.full_like(a, -1.0)),
    "add_": (lambda t: t.add_(np.arange(3.0), alpha=2), lambda a: a + 2 * np.arange(3.0)),
    "sub_": (lambda t: t.sub_(am.tensor([1.0, 2.0, 3.0])), lambda a: a - [1.0, 2.0, 3.0]),
    "mul_": (lambda t: t.mul_(0.5), lambda a: a * 0.5),
    "div_": (lambda t: t.div_(am.tensor(-3.0)), lambda a: a / -3.0),
    "div_floor": (lambda t: t.div_(0.3, rounding_mode="floor"), lambda a: np.floor_divide(a, 0.3)),
    "div_trunc": (lambda t: t.div_(0.3, rounding_mode="trunc"), lambda a: np.trunc(a / 0.3)),
    "clamp_": (lambda t: t.clamp_(-0.5, 0.5), lambda a: np.clip(a, -0.5, 0.5)),
    "clamp_min": (lambda t: t.clamp_(min=0.0), lambda a: np.maximum(a, 0.0)),
    "copy_": (lambda t: t.copy_(np.arange(3.0)), lambda a: np.broadcast_to(np.arange(3.0), a.shape)),
    "uniform_": (lambda t: t.uniform_(-0.1, 0.1), None),
    "normal_": (lambda t: t.normal_(1.0, 0.01), None),
}


@pytest.mark.parametrize("name", sorted(IN_PLACE))
def test_in_place_methods_change_the_tensor_and_return_it(name):
    fn, oracle = IN_PLACE[name]
    a = rand((2, 3))
    x = am.tensor(a)
    alias = x.data
    assert fn(x) is x and x.data is alias and x.shape == (2, 3) and x.dtype == np.float64
    if oracle is not None:
        np.testing.assert_array_equal(x.data, oracle(a))
    elif name == "uniform_":
        assert np.all(np.abs(x.data) <= 0.1) and not np.array_equal(x.data, a)
    else:
        assert abs(x.data.mean() - 1.0) < 0.05


@pytest.mark.parametrize("name", sorted(IN_PLACE))
def test_in_place_on_a_leaf_that_requires_grad_only_under_no_grad(name):
    fn, _ = IN_PLACE[name]
    w = am.tensor(rand((2, 3)), requires_grad=True)
    before = w.data.copy()
    with pytest.raises(RuntimeError, match=rf"{name.split('_')[0]}_: this leaf tensor of shape \(2, 3\) requires grad"):
        fn(w)
    np.testing.assert_array_equal(w.data, before)
    with am.no_grad():
        assert fn(w) is w
    assert w.requires_grad and w.is_leaf


@pytest.mark.parametrize("name", sorted(IN_PLACE))
def test_in_place_after_a_forward_makes_its_backward_raise(name):
    fn, _ = IN_PLACE[name]
    w = am.tensor(rand((2, 3)), requires_grad=True)
    loss = (w * w).sum()
    with am.no_grad():
        fn(w)
    with pytest.raises(RuntimeError, match=r"was changed in place by \S*_"):
        loss.backward()
    # a buffer that does not require grad, kept by a graph: the same
    b = am.tensor(rand((2, 3)))
    loss = (w * b).sum()
    fn(b)
    with pytest.raises(RuntimeError, match="changed in place"):
        loss.backward()


def _numeric_grad(f, a, eps=1e-6):
    g = np.zeros_like(a)
    for i in np.ndindex(a.shape):
        d = np.zeros_like(a)
        d[i] = eps
        g[i] = (f(a + d) - f(a - d)) / (2 * eps)
    return g


@pytest.mark.parametrize("name", sorted(IN_PLACE))
def test_in_place_on_a_tensor_with_a_graph_is_recorded(name):
    # As PyTorch's rebase: h takes the changed value and a node for the change; what
    # was recorded with h before keeps the old value, whose array is not written.
    fn, oracle = IN_PLACE[name]
    a, c = rand((2, 3)), rand((2, 3), seed=1)
    w = am.tensor(a, requires_grad=True)
    h = w * 2.0
    old_array, old_node = h.data, h.grad_fn
    kept = (h * h).sum()
    assert fn(h) is h
    assert h.grad_fn is not old_node and h.requires_grad and h.shape == (2, 3) and h.dtype == np.float64
    np.testing.assert_array_equal(old_array, 2.0 * a)
    if oracle is not None:
        np.testing.assert_allclose(h.data, oracle(2.0 * a), rtol=1e-15)
    new_values = h.data.copy()
    (kept + (h * c).sum()).backward()
    if oracle is None:  # (random values: constants, so only the kept term has a gradient)
        want = 8.0 * a
    else:
        want = _numeric_grad(lambda v: ((2 * v) ** 2).sum() + (oracle(2 * v) * c).sum(), a)
    np.testing.assert_allclose(w.grad.data, want, rtol=1e-6, atol=1e-8)
    np.testing.assert_array_equal(h.data, new_values)


def test_in_place_with_an_operand_that_requires_grad_is_recorded():
    # A tensor without grad changed by an operand that requires grad takes a node (PyTorch's rule).
    a = np.array([0.5, -1.0, 2.0])
    for call, grad in [(lambda b, w: b.add_(w, alpha=2), [2.0, 2.0, 2.0]), (lambda b, w: b.copy_(w), [1.0, 1.0, 1.0]),
                       (lambda b, w: b.clamp_(max=w), [0.0, 1.0, 0.0]), (lambda b, w: b.fill_(w[0]), [3.0, 0.0, 0.0])]:
        w = am.tensor(a, requires_grad=True)
        b = am.tensor(np.zeros(3))
        assert call(b, w) is b and b.requires_grad and b.grad_fn is not None
        b.sum().backward()
        np.testing.assert_array_equal(w.grad.data, grad)
        b = am.tensor(np.zeros(3))
        with am.no_grad():
            call(b, w)  # (nothing recorded: written in place)
        assert not b.requires_grad and b.grad_fn is None


def test_in_place_on_an_integer_tensor_with_an_operand_that_requires_grad_is_refused():
    w = am.tensor(rand((3,)), requires_grad=True)
    n = am.tensor(np.zeros(3, dtype=np.int64))
    with pytest.raises(RuntimeError, match=r"^add_: an operand of this int64 tensor of shape \(3,\) requires grad"):
        n.add_(w)
    np.testing.assert_array_equal(n.data, 0)


def test_in_place_bad_input_changes_nothing():
    x = am.tensor(rand((2, 3)))
    before = x.data.copy()
    with pytest.raises(ValueError, match=r"add_: a result of shape \(2, 2, 3\) does not fit the tensor's shape \(2, 3\)"):
        x.add_(np.ones((2, 1, 3)))
    with pytest.raises(ValueError, match="add_"):
        x.add_(np.ones(4))
    with pytest.raises(ValueError, match="clamp_: at least one of min and max"):
        x.clamp_()
    with pytest.raises(ValueError, match="div_: rounding_mode"):
        x.div_(2.0, rounding_mode="round")
    with pytest.raises(TypeError, match="copy_: cannot store complex"):
        x.copy_(np.ones(3) * 1j)
    with pytest.raises(ValueError, match="fill_: value must be a number or a 0-d tensor"):
        x.fill_(am.tensor([1.0, 2.0]))
    np.testing.assert_array_equal(x.data, before)
    i = am.tensor([1, 2, 3])
    with pytest.raises(TypeError, match="mul_"):
        i.mul_(0.5)
    with pytest.raises(TypeError, match="uniform_: can only fill floating"):
        i.uniform_()
    assert i.data.tolist() == [1, 2, 3]


def test_in_place_on_integers_as_torch():
    i = am.tensor([7, -7, 5])
    assert i.div_(2, rounding_mode="trunc").data.tolist() == [3, -3, 2]
    i = am.tensor([7, -7, 5])
    assert i.div_(2, rounding_mode="floor").data.tolist() == [3, -4, 2]
    assert i.add_(1).copy_(np.array([1.9, -1.9, 0.5])).data.tolist() == [1, -1, 0]
    assert i.fill_(3).mul_(2).clamp_(max=4).data.tolist() == [4, 4, 4]
    f = am.tensor(np.ones(2, np.float32))
    assert f.add_(np.ones(2), alpha=0.5).dtype == np.float32 and f.data.tolist() == [1.5, 1.5]


def test_init_code_in_no_grad_and_grad_zeroing_work():
    lin = am.nn.Linear(3, 2)
    with am.no_grad():
        lin.weight.normal_(0.0, 0.02)
        lin.bias.zero_()
    assert np.all(lin.bias.data == 0)
    lin(am.tensor(rand((4, 3)))).sum().backward()
    lin.weight.grad.zero_()  # (a gradient does not require grad: allowed while recording)
    assert np.all(lin.weight.grad.data == 0)


# -- am.compile --------------------------------------------------------------------------


def _ported(x, w, b):
    h = x.mm(w.t()).addmm(x, w.mT, beta=0.5) + am.addmm(b, x, w.t(), alpha=2.0)
    z = am.bmm(h.unsqueeze(0), h.t().contiguous().unsqueeze(0)).squeeze(0)
    z = z.lerp(h.mm(h.t()), 0.25) + am.lerp(z, z.sin(), z.cos()) + am.baddbmm(z, z[None], z[None], beta=-1)[0]
    z = z.fmod(1.5) + z.remainder(-0.7) + z.floor_divide(0.3) * z + z.maximum(0.1) - z.minimum(-0.1)
    z = z.where(z.gt(0).eq(z.ne(0.5)), z.neg()).pow(2) + z.type_as(x).to("cpu").to(np.float64)
    return (z.mv(b[:1].new_ones(z.shape[1])) * z.new_full((2,), 3.0)).sum()


def test_the_methods_compiled_equal_eager_values_and_gradients_bit_for_bit():
    compiled = replays(_ported, lambda seed: [am.tensor(rand(s, seed + k), requires_grad=True)
                                              for k, s in enumerate([(2, 3), (2, 3), (2,)])], calls=3)
    assert compiled.calls == 3


@pytest.mark.parametrize("name", sorted(IN_PLACE))
def test_in_place_methods_are_refused_inside_am_compile(name):
    fn, _ = IN_PLACE[name]

    def step(x):
        with am.no_grad():
            y = x.detach()
            fn(y)
        return x * 2.0

    x = am.tensor(rand((2, 3)))
    before = x.data.copy()
    with pytest.raises(RuntimeError, match="inside a function being compiled"):
        am.compile(step)(x)
    np.testing.assert_array_equal(x.data, before)


def test_fill_refuses_an_array_of_values_by_name_and_changes_nothing():
    # (an ndarray or a list used to reach numpy's "truth value is ambiguous", naming nothing)
    x = am.tensor([1.0, 2.0])
    for value in (np.ones(2), [3.0, 4.0]):
        with pytest.raises(ValueError, match=r"fill_: value must be a number or a 0-d tensor, got shape \(2,\)"):
            x.fill_(value)
    assert x.data.tolist() == [1.0, 2.0]
    assert x.fill_(np.float32(5.0)).data.tolist() == [5.0, 5.0]
