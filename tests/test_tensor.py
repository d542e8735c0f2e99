"""Tensor: creation, attributes, methods, operators, indexing and dtype rules."""

import re
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_mini as am


@pytest.fixture
def default_dtype():
    """Lets a test change the default dtype; always restores float64 afterwards."""
    before = am.get_default_dtype()
    yield
    am.set_default_dtype(before)


def grad_of(f, x):
    """d sum(f(x)) / dx through backward(), as an ndarray (x is a fresh leaf)."""
    x.grad = None
    f(x).sum().backward()
    return x.grad.data


# -- creation ------------------------------------------------------------------------


def test_tensor_and_Tensor_copy_data_and_default_to_float64():
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    for t in (am.tensor(a), am.Tensor(a), am.tensor([[1.0, 2.0], [3.0, 4.0]])):
        assert isinstance(t, am.Tensor)
        assert t.dtype == np.float64
        np.testing.assert_array_equal(t.data, a)
    t = am.tensor(a)
    a[0, 0] = 100.0
    assert t.data[0, 0] == 1.0  # a copy, not a view of the caller's array


def test_tensor_dtype_rules():
    assert am.tensor(1.5).dtype == np.float64
    assert am.tensor(1.5).shape == ()
    assert am.tensor([1, 2]).dtype.kind == "i"
    assert am.tensor([True, False]).dtype == np.bool_
    assert am.tensor(np.ones(2, np.float32)).dtype == np.float32  # ndarrays keep their dtype
    assert am.tensor([1, 2], dtype=np.float32).dtype == np.float32
    assert am.tensor([1.0], dtype="float32").dtype == np.float32
    t = am.tensor(am.tensor([1.0, 2.0], requires_grad=True))
    assert not t.requires_grad and t.grad_fn is None
    np.testing.assert_array_equal(t.data, [1.0, 2.0])


def test_requires_grad_flag_at_creation():
    assert not am.tensor([1.0]).requires_grad
    t = am.tensor([1.0, 2.0], requires_grad=True)
    assert t.requires_grad and t.is_leaf and t.grad is None and t.grad_fn is None


@pytest.mark.parametrize("shape", [(3,), (2, 3), (2, 1, 4)])
def test_zeros_ones_full(shape):
    np.testing.assert_array_equal(am.zeros(*shape).data, np.zeros(shape))
    np.testing.assert_array_equal(am.zeros(shape).data, np.zeros(shape))
    np.testing.assert_array_equal(am.ones(*shape).data, np.ones(shape))
    np.testing.assert_array_equal(am.ones(shape).data, np.ones(shape))
    np.testing.assert_array_equal(am.full(shape, 2.5).data, np.full(shape, 2.5))
    for t in (am.zeros(shape), am.ones(shape), am.full(shape, 7)):
        assert t.shape == shape and t.dtype == np.float64
    assert am.zeros(shape, dtype=np.float32).dtype == np.float32
    z = am.zeros(shape, requires_grad=True)
    assert z.requires_grad and z.is_leaf


def test_full_int_shape_and_zeros_like_ones_like():
    np.testing.assert_array_equal(am.full(3, -1.0).data, [-1.0, -1.0, -1.0])
    ref = am.tensor(np.ones((2, 3), np.float32))
    z, o = am.zeros_like(ref), am.ones_like(ref)
    assert z.shape == o.shape == (2, 3)
    assert z.dtype == o.dtype == np.float32  # dtype follows the argument by default
    np.testing.assert_array_equal(z.data, 0.0)
    np.testing.assert_array_equal(o.data, 1.0)
    assert am.zeros_like(np.ones((4,))).shape == (4,)
    assert am.ones_like(ref, dtype=np.float64).dtype == np.float64
    assert am.zeros_like(ref, dtype=np.float64).dtype == np.float64
    assert am.zeros_like(ref, requires_grad=True).requires_grad


def test_arange_and_eye():
    np.testing.assert_array_equal(am.arange(5).data, np.arange(5))
    assert am.arange(5).dtype.kind == "i"  # integers stay integers, as numpy
    np.testing.assert_array_equal(am.arange(1, 10, 3).data, [1, 4, 7])
    f = am.arange(0.0, 1.0, 0.25)
    np.testing.assert_allclose(f.data, [0.0, 0.25, 0.5, 0.75])
    assert f.dtype == np.float64
    assert am.arange(4, dtype=np.float32).dtype == np.float32
    np.testing.assert_array_equal(am.eye(3).data, np.eye(3))
    np.testing.assert_array_equal(am.eye(2, 3).data, np.eye(2, 3))
    assert am.eye(2).dtype == np.float64


def test_randn_rand_shapes_ranges_and_manual_seed():
    r = am.randn(200, 5)
    assert r.shape == (200, 5) and r.dtype == np.float64
    assert abs(r.data.mean()) < 0.3 and 0.7 < r.data.std() < 1.3
    u = am.rand((300,))
    assert u.shape == (300,) and (u.data >= 0).all() and (u.data < 1).all()
    assert am.randn(3, dtype=np.float32).dtype == np.float32
    am.manual_seed(123)
    a = (am.randn(4, 3).data, am.rand(5).data)
    am.manual_seed(123)
    b = (am.randn(4, 3).data, am.rand(5).data)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    am.manual_seed(124)
    assert not np.array_equal(am.randn(4, 3).data, a[0])
    assert am.randn(2, requires_grad=True).requires_grad


def test_manual_seed_drives_the_library_generator():
    from autograd_mini.creation import generator

    am.manual_seed(7)
    first = generator().standard_normal(3)
    am.manual_seed(7)
    np.testing.assert_array_equal(generator().standard_normal(3), first)


# -- default dtype -------------------------------------------------------------------


def test_set_default_dtype_float32(default_dtype):
    am.set_default_dtype(np.float32)
    assert am.get_default_dtype() == np.float32
    assert am.tensor([1.0, 2.0]).dtype == np.float32
    assert am.tensor(1.5).dtype == np.float32
    for t in (am.zeros(2), am.ones(2), am.full(2, 1.0), am.eye(2), am.randn(2), am.rand(2),
              am.arange(0.0, 2.0)):
        assert t.dtype == np.float32
    assert am.tensor(np.ones(2)).dtype == np.float64  # an ndarray keeps its dtype
    assert am.tensor([1, 2]).dtype.kind == "i"


def test_a_sequence_of_float32_values_stays_float32(default_dtype):
    # Only Python floats take the default dtype; float32 scalars, arrays and tensors
    # gathered in a list keep theirs, as np.array keeps it (no silent upcast).
    f32 = np.float32
    for data in ([f32(1.5), f32(2.0)], [np.ones(2, f32), np.zeros(2, f32)],
                 [am.tensor(f32(1.5)), am.tensor(f32(2.0))], (np.ones(3, np.float16),)):
        assert am.tensor(data).dtype == np.array(data).dtype
    assert am.exp([f32(0.5)]).dtype == np.float32
    assert am.nn.Parameter([f32(1.0), f32(2.0)]).dtype == np.float32
    assert am.tensor([1.5, f32(2.0)]).dtype == np.float64  # (a Python float makes float64, as numpy)
    am.set_default_dtype(np.float16)
    assert am.tensor([1.5, 2.0]).dtype == np.float16
    assert am.tensor([f32(1.5)]).dtype == np.float32


def test_set_default_dtype_rejects_non_float(default_dtype):
    with pytest.raises(TypeError, match="set_default_dtype: expected float16, float32 or float64, got int32"):
        am.set_default_dtype(np.int32)
    assert am.get_default_dtype() == np.float64


# -- attributes and methods ------------------------------------------------------------


def test_shape_ndim_size_dtype_T():
    a = np.arange(24.0).reshape(2, 3, 4)
    t = am.tensor(a)
    assert t.shape == (2, 3, 4) and t.ndim == 3 and t.size == 24 and t.dtype == np.float64
    np.testing.assert_array_equal(t.T.data, a.T)
    assert len(t) == 2


def test_data_is_live():
    t = am.tensor([1.0, 2.0, 3.0], requires_grad=True)
    t.data[1] = 20.0
    np.testing.assert_array_equal(t.numpy(), [1.0, 20.0, 3.0])
    assert t.numpy() is t.data
    t.numpy()[0] = -1.0
    assert t.data[0] == -1.0
    (t * t).sum().backward()  # the gradient sees the written values
    np.testing.assert_array_equal(t.grad.data, [-2.0, 40.0, 6.0])


def test_item():
    assert am.tensor(3.5).item() == 3.5
    assert isinstance(am.tensor([2.5]).item(), float)
    assert isinstance(am.tensor([[4]]).item(), int)
    with pytest.raises(ValueError, match=r"item: only a tensor with one element converts, got shape \(2,\)"):
        am.tensor([1.0, 2.0]).item()


def test_detach_shares_data_and_cuts_graph():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    np.testing.assert_array_equal(d.data, y.data)
    xd = x.detach()
    assert np.shares_memory(xd.data, x.data)
    (xd * x).sum().backward()  # only the non-detached factor carries gradient
    np.testing.assert_array_equal(x.grad.data, x.data)


def test_requires_grad_():
    t = am.tensor([1.0, 2.0])
    assert t.requires_grad_() is t
    assert t.requires_grad
    (t * 2).sum().backward()
    np.testing.assert_array_equal(t.grad.data, [2.0, 2.0])
    t.requires_grad_(False)
    assert not t.requires_grad


def test_is_leaf_and_grad_fn():
    x = am.tensor([1.0], requires_grad=True)
    y = x * 2
    assert x.is_leaf and not y.is_leaf
    assert y.grad_fn is not None and y.requires_grad
    c = am.tensor([1.0]) * 2  # nothing requires grad: no graph
    assert c.grad_fn is None and not c.requires_grad


def test_repr_shows_data_dtype_and_grad_fn():
    x = am.tensor([1.5, -2.25], requires_grad=True)
    r = repr(x)
    assert "1.5" in r and "-2.25" in r and "float64" in r
    y = x * 2
    ry = repr(y)
    assert "3." in ry and "float64" in ry and "grad_fn" in ry and "mul" in ry
    r32 = repr(am.tensor(np.array([7.0], np.float32)))
    assert "7." in r32 and "float32" in r32
    assert "int" in repr(am.arange(3))


# -- operators ----------------------------------------------------------------------------

RNG = np.random.default_rng(0)
A = RNG.standard_normal((3, 4))
B = RNG.uniform(0.5, 2.0, (3, 4))
ROW = RNG.uniform(0.5, 2.0, (4,))

BINARY = [
    ("add", lambda x, y: x + y),
    ("sub", lambda x, y: x - y),
    ("mul", lambda x, y: x * y),
    ("div", lambda x, y: x / y),
    ("pow", lambda x, y: abs(x) ** y),
]


@pytest.mark.parametrize("name,op", BINARY)
@pytest.mark.parametrize("other", [B, ROW, 1.5], ids=["same", "broadcast", "scalar"])
def test_binary_operators_match_numpy(name, op, other):
    expected = op(A, other)
    got = op(am.tensor(A), am.tensor(other) if isinstance(other, np.ndarray) else other)
    np.testing.assert_allclose(got.data, expected, rtol=1e-12)
    # reflected: ndarray or Python number on the left
    exp_r = op(other, np.abs(A) + 0.5)
    got_r = op(other, am.tensor(np.abs(A) + 0.5))
    assert isinstance(got_r, am.Tensor)
    np.testing.assert_allclose(got_r.data, exp_r, rtol=1e-12)


def test_binary_operator_gradients():
    x = am.tensor(A, requires_grad=True)
    y = am.tensor(B, requires_grad=True)
    (x * y + x / y - y ** 2 + 3.0 * x - x * x).sum().backward()
    np.testing.assert_allclose(x.grad.data, B + 1 / B + 3 - 2 * A)
    np.testing.assert_allclose(y.grad.data, A - A / B**2 - 2 * B)


def test_broadcast_gradients_are_summed_back_to_the_input_shape():
    x = am.tensor(A, requires_grad=True)
    r = am.tensor(ROW, requires_grad=True)
    c = am.tensor(np.ones((3, 1)), requires_grad=True)
    (x * r + c).sum().backward()
    assert r.grad.shape == (4,) and c.grad.shape == (3, 1)
    np.testing.assert_allclose(r.grad.data, A.sum(axis=0))
    np.testing.assert_allclose(c.grad.data, np.full((3, 1), 4.0))


def test_pow_with_tensor_exponent_gradient():
    x = am.tensor(B, requires_grad=True)
    e = am.tensor(A, requires_grad=True)
    (x ** e).sum().backward()
    np.testing.assert_allclose(x.grad.data, A * B ** (A - 1))
    np.testing.assert_allclose(e.grad.data, B**A * np.log(B))
    t = am.tensor(A, requires_grad=True)
    (2.0 ** t).sum().backward()
    np.testing.assert_allclose(t.grad.data, 2.0**A * np.log(2.0))


def test_unary_minus_and_abs():
    x = am.tensor(A, requires_grad=True)
    np.testing.assert_array_equal((-x).data, -A)
    np.testing.assert_array_equal(abs(x).data, np.abs(A))
    (-x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, -np.ones_like(A))


@pytest.mark.parametrize("sa,sb", [((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)), ((4,), (4,)),
                                   ((2, 3, 4), (4, 5)), ((2, 3, 4), (2, 4, 5))])
def test_matmul_forward_and_gradients(sa, sb):
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    x, y = am.tensor(a, requires_grad=True), am.tensor(b, requires_grad=True)
    out = x @ y
    np.testing.assert_allclose(out.data, a @ b)
    w = rng.standard_normal(out.shape)
    (out * w).sum().backward()
    # a @ b is linear in each factor: d<w, a@b>/da[idx] = <w, e_idx @ b>, exactly
    ga = np.zeros_like(a)
    gb = np.zeros_like(b)
    for idx in np.ndindex(a.shape):
        e = np.zeros_like(a)
        e[idx] = 1.0
        ga[idx] = np.sum(w * (e @ b))
    for idx in np.ndindex(b.shape):
        e = np.zeros_like(b)
        e[idx] = 1.0
        gb[idx] = np.sum(w * (a @ e))
    np.testing.assert_allclose(x.grad.data, ga, atol=1e-12)
    np.testing.assert_allclose(y.grad.data, gb, atol=1e-12)
    np.testing.assert_allclose(x.matmul(y).data, a @ b)


def test_reflected_ops_with_ndarray_on_the_left():
    x = am.tensor(A, requires_grad=True)
    n = np.full((3, 4), 2.0)
    for out, exp in [(n + x, n + A), (n - x, n - A), (n * x, n * A), (n / (x * x + 1), n / (A * A + 1)),
                     (np.ones((2, 3)) @ x, np.ones((2, 3)) @ A), (n ** (x * 0 + 1), n)]:
        assert isinstance(out, am.Tensor)
        assert out.requires_grad
        np.testing.assert_allclose(out.data, exp)
    (np.ones((2, 3)) @ x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.full((3, 4), 2.0))


@pytest.mark.parametrize("op", ["__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__"])
def test_comparisons_are_boolean_and_not_differentiable(op):
    x = am.tensor(A, requires_grad=True)
    for other in (0.0, am.tensor(B), B):
        out = getattr(x, op)(other)
        assert isinstance(out, am.Tensor)
        assert out.dtype == np.bool_
        assert not out.requires_grad and out.grad_fn is None
        other_data = other.data if isinstance(other, am.Tensor) else other
        np.testing.assert_array_equal(out.data, getattr(A, op)(other_data))


def test_comparison_mask_used_in_where():
    x = am.tensor(A, requires_grad=True)
    am.where(x > 0, x, 0.0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, (A > 0).astype(float))


# -- indexing ------------------------------------------------------------------------------

X34 = np.arange(12.0).reshape(3, 4)
INDICES = {
    "int": 1,
    "neg_int": -1,
    "slice": slice(1, 3),
    "neg_step": slice(None, None, -1),
    "tuple": (1, slice(None, None, 2)),
    "ellipsis_newaxis": (Ellipsis, None, 2),
    "int_array_repeated": np.array([0, 2, 0, 0]),
    "list_repeated": [2, 2],
    "two_int_arrays": (np.array([0, 0, 2]), np.array([1, 1, 3])),
    "slice_and_int_array": (slice(1, None), np.array([3, 3, 0])),
    "bool_mask_2d": X34 > 5,
    "bool_rows": np.array([True, False, True]),
}


@pytest.mark.parametrize("name", list(INDICES))
def test_indexing_forward_and_accumulating_gradient(name):
    index = INDICES[name]
    np_index = np.asarray(index) if isinstance(index, list) else index
    x = am.tensor(X34, requires_grad=True)
    y = x[index]
    np.testing.assert_array_equal(y.data, X34[np_index])
    w = np.random.default_rng(2).standard_normal(y.shape)
    y.backward(w)
    expected = np.zeros_like(X34)
    np.add.at(expected, np_index, w)  # repeats accumulate
    np.testing.assert_allclose(x.grad.data, expected)


def test_indexing_with_an_integer_tensor():
    x = am.tensor(X34, requires_grad=True)
    idx = am.tensor([1, 1, 0])
    y = x[idx]
    np.testing.assert_array_equal(y.data, X34[[1, 1, 0]])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.array([[1.0] * 4, [2.0] * 4, [0.0] * 4]))


def test_indexing_second_derivative():
    x = am.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x[np.array([0, 0, 2])] ** 3).sum()
    (g,) = am.autograd.grad(y, x, create_graph=True)
    np.testing.assert_allclose(g.data, [6.0, 0.0, 27.0])
    (h,) = am.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(h.data, [12.0, 0.0, 18.0])


def test_iteration_yields_rows():
    x = am.tensor(X34, requires_grad=True)
    rows = list(x)
    assert len(rows) == 3
    np.testing.assert_array_equal(rows[2].data, X34[2])
    (rows[0] + rows[0]).sum().backward()
    np.testing.assert_array_equal(x.grad.data[0], [2.0] * 4)
    np.testing.assert_array_equal(x.grad.data[1:], 0.0)


# -- float32 is never upcast by Python scalars ---------------------------------------------

F32_OPS = {
    "add": lambda x: x + 1.5,
    "radd": lambda x: 1.5 + x,
    "sub": lambda x: x - 1.5,
    "rsub": lambda x: 1.5 - x,
    "mul": lambda x: x * 2.5,
    "rmul": lambda x: 2.5 * x,
    "div": lambda x: x / 3.0,
    "rdiv": lambda x: 3.0 / (x * x + 1.0),
    "pow": lambda x: x**2.0,
    "pow_int": lambda x: x**3,
    "rpow": lambda x: 2.0**x,
    "neg": lambda x: -x,
    "mean": lambda x: x.mean(),
    "var": lambda x: x.var(),
    "max": lambda x: x.max(),
    "min": lambda x: x.min(),
    "sqrt": lambda x: (x * x + 1.0).sqrt(),
    "exp_log": lambda x: (x.exp() + 1.0).log(),
    "sigmoid": lambda x: x.sigmoid(),
    "tanh": lambda x: x.tanh(),
    "relu": lambda x: x.relu(),
    "clip": lambda x: x.clip(-0.5, 0.5),
    "maximum": lambda x: am.maximum(x, 0.5),
    "minimum": lambda x: am.minimum(x, 0.5),
    "where": lambda x: am.where(x > 0, x, 0.5),
    "softmax": lambda x: x.softmax(),
    "log_softmax": lambda x: x.log_softmax(),
    "logsumexp": lambda x: x.logsumexp(),
    "pad": lambda x: am.pad(x, 1, value=0.5),
    "getitem": lambda x: x[np.array([0, 0, 2])],
    "matmul_scalar_mix": lambda x: (x @ x) * 0.5,
}


@pytest.mark.parametrize("name", list(F32_OPS))
def test_float32_stays_float32_forward_and_backward(name):
    f = F32_OPS[name]
    x = am.tensor(np.array([0.3, -1.2, 2.0], np.float32), requires_grad=True)
    out = f(x)
    assert out.dtype == np.float32, f"forward of {name} is {out.dtype}"
    (g,) = am.autograd.grad(f(x).sum(), x)
    assert g.dtype == np.float32, f"gradient of {name} is {g.dtype}"
    (g2,) = am.autograd.grad(f(x).sum(), x, create_graph=True)
    assert g2.dtype == np.float32, f"create_graph gradient of {name} is {g2.dtype}"
    f(x).sum().backward()
    assert x.grad.dtype == np.float32


def test_float32_intermediate_gradients_stay_float32():
    x = am.tensor(np.array([0.3, -1.2, 2.0], np.float32), requires_grad=True)
    h = x * 2.0
    out = (am.maximum(h, 0.5) - 1.0).sum() + h.max()
    (gh,) = am.autograd.grad(out, h)
    assert gh.dtype == np.float32


# -- integer and bool tensors ----------------------------------------------------------


def test_integer_and_bool_tensors_hold_data():
    i = am.tensor([1, 2, 3])
    np.testing.assert_array_equal((i * 2 + 1).data, [3, 5, 7])
    assert (i * 2).dtype.kind == "i"
    b = am.tensor([True, False])
    np.testing.assert_array_equal(b.data, [True, False])
    assert i.sum().item() == 6


@pytest.mark.parametrize("make", [
    lambda: am.tensor([1, 2], requires_grad=True),
    lambda: am.Tensor([True], requires_grad=True),
    lambda: am.arange(3, requires_grad=True),
    lambda: am.zeros(2, dtype=np.int64, requires_grad=True),
    lambda: am.ones_like(am.arange(3), requires_grad=True),
    lambda: am.arange(3).requires_grad_(),
    lambda: am.tensor([True, False]).requires_grad_(),
])
def test_integer_and_bool_tensors_cannot_require_grad(make):
    with pytest.raises(TypeError, match="float"):
        make()


def test_integer_tensor_mixed_with_float_gets_no_gradient():
    i = am.tensor([1, 2, 3])
    x = am.tensor([1.0, 1.0, 1.0], requires_grad=True)
    (i * x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 2.0, 3.0])
    assert i.grad is None


def test_casting_to_integer_cuts_the_graph():
    x = am.tensor([1.5, 2.5], requires_grad=True)
    y = x.astype(np.int64)
    assert y.dtype == np.int64
    assert not y.requires_grad and y.grad_fn is None


def test_casting_to_integer_or_bool_replays_under_compile_with_each_calls_values():
    # (it made a constant around the cast array, which am.compile refused as a tensor
    # created inside the function)
    def f(x):
        return (x * x.astype(np.int64) + (x > 2).astype(bool) * x).sum()

    compiled = am.compile(f)
    for values in ([1.5, 2.5], [3.5, -7.5], [0.25, 9.0]):
        x = am.tensor(values, requires_grad=True)
        got = compiled(x)
        got.backward()
        want_grad = x.grad.data.copy()
        x.grad = None
        want = f(x)
        want.backward()
        np.testing.assert_array_equal(got.data, want.data)
        np.testing.assert_array_equal(want_grad, x.grad.data)
    assert compiled.recordings == 1


def test_astype_between_floats_is_differentiable():
    x = am.tensor([1.5, 2.5], requires_grad=True)
    y = x.astype(np.float32)
    assert y.dtype == np.float32 and y.requires_grad
    (y * y).sum().backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_allclose(x.grad.data, [3.0, 5.0])


# -- tensor methods that mirror the functions ---------------------------------------------


def test_methods_match_numpy():
    a = np.random.default_rng(3).standard_normal((2, 3, 4))
    t = am.tensor(a)
    np.testing.assert_allclose(t.sum().data, a.sum())
    np.testing.assert_allclose(t.sum(1).data, a.sum(1))
    np.testing.assert_allclose(t.sum(axis=(0, 2), keepdims=True).data, a.sum(axis=(0, 2), keepdims=True))
    np.testing.assert_allclose(t.mean(axis=-1).data, a.mean(axis=-1))
    np.testing.assert_allclose(t.var(axis=0, ddof=1).data, a.var(axis=0, ddof=1))
    np.testing.assert_allclose(t.max(axis=1).data, a.max(axis=1))
    np.testing.assert_allclose(t.min(axis=2, keepdims=True).data, a.min(axis=2, keepdims=True))
    np.testing.assert_allclose(t.exp().data, np.exp(a))
    np.testing.assert_allclose(t.abs().log().data, np.log(np.abs(a)))
    np.testing.assert_allclose(t.sin().data, np.sin(a))
    np.testing.assert_allclose(t.cos().data, np.cos(a))
    np.testing.assert_allclose(t.tanh().data, np.tanh(a))
    np.testing.assert_allclose(t.abs().sqrt().data, np.sqrt(np.abs(a)))
    np.testing.assert_allclose(t.relu().data, np.maximum(a, 0))
    np.testing.assert_allclose(t.clip(-0.5, 0.5).data, np.clip(a, -0.5, 0.5))
    np.testing.assert_array_equal(t.reshape(4, 6).data, a.reshape(4, 6))
    np.testing.assert_array_equal(t.reshape((6, -1)).data, a.reshape(6, -1))
    np.testing.assert_array_equal(t.permute(2, 0, 1).data, a.transpose(2, 0, 1))
    np.testing.assert_array_equal(t.transpose().data, a.transpose())
    np.testing.assert_array_equal(t.transpose(1, 0, 2).data, a.transpose(1, 0, 2))
    np.testing.assert_array_equal(t.flatten().data, a.reshape(-1))
    np.testing.assert_array_equal(t.flatten(1).data, a.reshape(2, 12))
    np.testing.assert_array_equal(t.unsqueeze(1).data, a[:, None])
    np.testing.assert_array_equal(t.unsqueeze(1).squeeze().data, a)
    np.testing.assert_array_equal(t.broadcast_to((5, 2, 3, 4)).data, np.broadcast_to(a, (5, 2, 3, 4)))
    e = np.exp(a - a.max(-1, keepdims=True))
    np.testing.assert_allclose(t.softmax().data, e / e.sum(-1, keepdims=True))
    np.testing.assert_allclose(t.log_softmax(axis=0).data,
                               a - np.log(np.exp(a).sum(0, keepdims=True)))
    np.testing.assert_allclose(t.logsumexp(axis=1).data, np.log(np.exp(a).sum(1)))


def test_arange_step_without_stop() -> None:
    np.testing.assert_array_equal(am.arange(5, step=2).data, np.arange(5, step=2))
    assert am.arange(3.0).dtype == np.float64


def _rand(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


def test_tensor_dot_is_matmul_for_1d_and_2d():
    a, b, v = _rand(3, 2), _rand(2, 4, seed=1), _rand(2, seed=2)
    for p, q in [(a, b), (a, v), (v, b), (v, v)]:
        out = am.tensor(p).dot(am.tensor(q))
        assert np.array_equal(out.data, p.dot(q))
    assert am.gradcheck(lambda s, t: s.dot(t), (am.tensor(a, requires_grad=True), am.tensor(b, requires_grad=True)))
    with pytest.raises(ValueError, match=r"dot: operands must be 1-D or 2-D, got shapes \(2, 3, 2\)"):
        am.tensor(_rand(2, 3, 2)).dot(am.tensor(v))


# -- found by a review ----------------------------------------------------------------


def test_flatten_out_of_range_start_dim_raises():
    x = am.tensor(np.arange(6.0).reshape(2, 3))
    with pytest.raises(ValueError, match="flatten"):
        x.flatten(5)


@pytest.mark.parametrize("call, op", [(lambda x: x.flatten(1.5), "flatten"), (lambda x: x.flatten(0, "1"), "flatten"),
                                      (lambda x: x.squeeze(1.0), "squeeze"), (lambda x: x.swapaxes(1.5, 0), "swapaxes"),
                                      (lambda x: x.swapaxes(None, 0), "swapaxes"),
                                      (lambda x: x.swapaxes(0, "1"), "swapaxes")])
def test_a_non_integer_axis_is_a_type_error_naming_the_op_and_shape(call, op):
    x = am.tensor(np.ones((2, 1, 3)))
    with pytest.raises(TypeError, match=rf"{op}.*\(2, 1, 3\)"):
        call(x)


def test_swapaxes_out_of_range_error_names_op_and_shape():
    x = am.tensor(np.arange(6.0).reshape(2, 3))
    with pytest.raises((ValueError, IndexError), match=r"swapaxes|permute.*\(2, 3\)"):
        x.swapaxes(0, 5)


def test_format_spec_on_scalar_tensor():
    loss = am.tensor(0.123456, requires_grad=True) * 1.0
    assert f"{loss:.3f}" == "0.123"


@pytest.mark.parametrize("op", [
    lambda x: x @ [1.0, 2.0],
    lambda x: [1.0, 2.0] @ x,
    lambda x: x.dot([1.0, 2.0]),
    lambda x: x ** [1.0, 2.0],
    lambda x: [1.0, 2.0] ** x,
], ids=["matmul", "rmatmul", "dot", "pow", "rpow"])
def test_list_operand_backward(op):
    x = am.tensor([1.0, 2.0], requires_grad=True)
    y = op(x)
    y.sum().backward()  # AttributeError / TypeError inside the VJP today, naming no op
    assert x.grad is not None and np.all(np.isfinite(x.grad.data))


def test_index_with_empty_list_follows_numpy():
    x = am.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert x[[]].shape == x.data[[]].shape == (0, 3)


@pytest.mark.parametrize("index", [
    (slice(None), (1, 1)),          # x[:, (1, 1)]
    ((0, 0),),                       # x[((0, 0),)]
    ((0, 0), slice(None)),           # x[(0, 0), :]
])
def test_getitem_tuple_index_repeats_accumulate(index):
    x0 = np.arange(6.0).reshape(3, 2)
    x = am.tensor(x0, requires_grad=True)
    y = x[index]
    np.testing.assert_array_equal(y.data, x0[index])
    y.sum().backward()
    expected = np.zeros_like(x0)
    np.add.at(expected, index, 1.0)
    np.testing.assert_array_equal(x.grad.data, expected)


def test_deepcopy_copies_leaves_and_refuses_tensors_with_a_graph():
    import copy

    x = am.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    c = copy.deepcopy(x)
    assert c is not x and c.requires_grad and c.grad_fn is None
    assert np.array_equal(c.data, x.data) and not np.shares_memory(c.data, x.data)
    assert np.array_equal(c.grad.data, [2.0, 4.0]) and c.grad is not x.grad
    model = am.nn.Linear(2, 1)
    clone = copy.deepcopy(model)
    assert type(clone.weight) is type(model.weight) and np.array_equal(clone.weight.data, model.weight.data)
    with pytest.raises(RuntimeError, match=r"deepcopy: only leaf tensors.*detach\(\)"):
        copy.deepcopy(x * 2)


def test_repr_of_an_empty_tensor_shows_its_shape():
    assert repr(am.zeros((0, 3))) == "tensor([], size=(0, 3), dtype=float64)"


@pytest.mark.parametrize("op", ["sum", "max", "min"])
@pytest.mark.parametrize("axis", [0, -1])
def test_reduction_of_a_0d_tensor_over_axis_0_follows_numpy(op, axis):
    # numpy reduces a 0-d array over axis 0 or -1 as a no-op (and refuses axis=(0,)); the gradient is 1.
    x = am.tensor(0.7, requires_grad=True)
    with pytest.raises(ValueError, match=rf"^{op}( \({op}\))?: invalid input for shapes \(\), axis=\(0,\)"):
        getattr(x, op)(axis=(0,))
    y = getattr(x, op)(axis=axis)
    assert y.item() == 0.7
    y.backward()
    assert x.grad.item() == 1.0


def test_an_index_array_refilled_before_backward_does_not_move_the_gradient():
    x = am.tensor([1.0, 2.0, 3.0], requires_grad=True)
    idx = np.array([0, 0])
    mask = np.array([True, False, True])
    picked, masked = x[idx], x[am.tensor(mask)]
    idx[:] = [2, 1]  # the caller reuses its buffers
    mask[:] = [False, True, True]
    ((picked * am.tensor([1.0, 10.0])).sum() + masked.sum()).backward()
    np.testing.assert_array_equal(x.grad.data, [12.0, 0.0, 1.0])


def test_np_array_of_a_tensor_follows_numpys_copy_protocol():
    t = am.tensor([1.0, 2.0, 3.0])
    snapshot = np.array(t)  # copy=True: later updates of t leave it alone
    assert not np.shares_memory(snapshot, t.data)
    assert np.asarray(t) is t.data  # copy=None: no copy needed
    assert np.array(t, dtype=np.float32).dtype == np.float32
    with pytest.raises(ValueError, match="without a copy"):
        np.asarray(t, dtype=np.float32, copy=False)


def test_pickle_keeps_a_leaf_and_refuses_a_tensor_with_a_graph():
    import pickle

    x = am.tensor([1.0, 2.0], requires_grad=True)
    x.grad = am.tensor([3.0, 4.0])
    back = pickle.loads(pickle.dumps(x))
    assert back.requires_grad and back.grad_fn is None
    np.testing.assert_array_equal(back.data, x.data)
    np.testing.assert_array_equal(back.grad.data, x.grad.data)
    with pytest.raises(RuntimeError, match=r"^pickle: only leaf tensors can be pickled .*detach\(\)"):
        pickle.dumps(x * 2)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps((x * 2).detach())).data, [2.0, 4.0])


# -- found by a fresh user's review ---------------------------------------------------


@pytest.mark.parametrize("make", [am.rand, am.randn])
@pytest.mark.parametrize("dtype", [int, np.int32, bool])
def test_random_tensors_refuse_a_non_float_dtype_before_drawing(make, dtype):
    am.manual_seed(4)
    with pytest.raises(TypeError, match=f"{make.__name__}: samples need a floating-point dtype"):
        make(5, dtype=dtype)
    after = make(3).data  # the refused call drew nothing
    am.manual_seed(4)
    np.testing.assert_array_equal(after, make(3).data)


def test_complex_abs_sigmoid_and_var_follow_numpy_and_the_table_convention():
    z = np.array([1 + 1j, 2 - 1j, -0.5 + 3j])
    np.testing.assert_allclose(am.tensor(z).sigmoid().data, 1 / (1 + np.exp(-z)), rtol=1e-15)
    far = am.tensor(np.array([-800 + 1j, 800 - 2j]), requires_grad=True)  # (exp(800) overflows)
    s = far.sigmoid()
    s.sum().backward()
    assert np.isfinite(s.data).all() and np.isfinite(far.grad.data).all()
    np.testing.assert_allclose(s.data, [0, 1], atol=1e-300)
    v = am.tensor(z).var()
    assert v.dtype == np.float64 and np.isclose(v.item(), np.var(z), rtol=1e-14)
    # |i x| = |x| and |(1+i) x| = sqrt(2) |x|: the chain through a complex product
    for c, slope in [(1j, 1.0), (1 + 1j, np.sqrt(2))]:
        x = am.tensor([2.0], requires_grad=True)
        abs(x * c).sum().backward()
        np.testing.assert_allclose(x.grad.data, [slope], rtol=1e-15)
    assert am.gradcheck(lambda t: abs(t * (1 + 2j)).sum(), np.array([0.7, -1.3]))


def test_float16_mean_and_var_accumulate_in_float32():
    x = np.full(1000, 100.0, np.float16)
    x[::2] = 90.0
    mean, var = am.tensor(x).mean(), am.tensor(x).var()
    assert mean.dtype == var.dtype == np.float16
    assert mean.item() == np.mean(x) == 95.0  # (numpy's mean sums float16 in float32 too)
    assert var.item() == np.var(x.astype(np.float64)) == 25.0  # (numpy's float16 var overflows to inf)


def test_in_place_operators_take_a_python_number_as_numpy_does():
    t = am.tensor(np.zeros(3, np.uint8))
    t += 1
    assert t.dtype == np.uint8 and t.data.tolist() == [1, 1, 1]
    with pytest.raises(OverflowError, match=r"\+=: cannot update a tensor of shape \(3,\) and dtype int8"):
        s = am.tensor(np.zeros(3, np.int8))
        s += 300
    x = np.random.default_rng(0).standard_normal(1000).astype(np.float32)
    ref = x.copy()
    ref *= 0.1
    t = am.tensor(x.copy())
    t *= 0.1
    assert np.array_equal(t.data, ref) and np.array_equal((am.tensor(x) * 0.1).data, ref)


def test_backward_seeds_cast_integers_and_refuse_a_complex_one_for_a_real_output():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    with pytest.raises(TypeError, match=r"complex only for a complex tensor.*complex128 for a tensor of dtype float64"):
        y.backward(np.array([1 + 5j, 1 + 5j]))
    y.backward(am.tensor([1, 1]))  # integers are numbers (a Tensor or not); the graph was kept
    np.testing.assert_array_equal(x.grad.data, [2.0, 4.0])


def test_shapes_as_one_int_and_argument_errors_that_name_the_operation():
    x = am.tensor(np.ones((2, 3)))
    assert am.reshape(x, 6).shape == (6,) and am.reshape(x, -1).shape == (6,)
    assert am.broadcast_to(x[0, :1], 3).shape == (3,) and x[0].broadcast_to(3).shape == (3,)
    with pytest.raises(ValueError, match="arange: step must not be zero"):
        am.arange(0, 10, 0)
    with pytest.raises(ValueError, match=r"stack: axis 4 is out of range for stacking tensors of shape \(2, 3\)"):
        am.stack([x, x], axis=4)
    with pytest.raises(OverflowError, match=r"add: invalid input for shapes \(2,\) and \(\)"):
        am.tensor(np.array([1, 2], np.uint8)) + 300


@pytest.mark.parametrize("index", [[], [[]], [[], []]], ids=["[]", "[[]]", "[[], []]"])
def test_empty_list_indices_select_nothing_as_numpy(index):
    x = am.tensor(np.ones((2, 3)), requires_grad=True)
    y = x[index]
    assert y.shape == np.ones((2, 3))[index].shape
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.zeros((2, 3)))


def test_second_derivatives_through_a_complex_modulus_are_refused_not_wrong():
    # (conj(z)/|z| is not holomorphic: one unconjugated cotangent cannot carry its derivative)
    modulus = lambda v: abs(v[0] + v[1] * 1j)  # noqa: E731
    v = am.tensor([3.0, 4.0], requires_grad=True)
    modulus(v).backward()
    np.testing.assert_allclose(v.grad.data, [0.6, 0.8], rtol=1e-15)
    with pytest.raises(NotImplementedError, match="abs: second derivatives through the modulus of complex"):
        am.hessian(modulus)(am.tensor([3.0, 4.0]))


_Z = np.array([-1.2 + 0.5j, 0.3 - 0.8j, 2.0 + 0.1j])
_W = np.array([[0.5 - 1j, 1.5 + 0.2j, -0.3j], [1 + 1j, -0.7, 0.2 + 0.4j]])
_THROUGH_COMPLEX = {  # real y -> complex values -> the real part
    "pow of a complex base": lambda y: (am.tensor(_Z) ** y).astype(np.float64),
    "pow of a complex base times y": lambda y: ((am.tensor(_Z) * y) ** 1.7).astype(np.float64),
    "pow with both complex": lambda y: ((am.tensor(_Z) + y) ** (y * (0.5 + 0.25j))).astype(np.float64),
    "exp and log": lambda y: (am.exp(am.tensor(_Z) * y) + am.log(am.tensor(_Z) * y + 1j)).astype(np.float64),
    "sin, cos, tanh": lambda y: (am.sin(am.tensor(_Z) * y) * am.cos(y * 1j)
                                 + am.tanh(am.tensor(_Z) - y)).astype(np.float64),
    "division": lambda y: (am.tensor(_Z) / (y + 1j) - y / am.tensor(_Z)).astype(np.float64),
    "sigmoid": lambda y: am.sigmoid(am.tensor(_Z) * y).astype(np.float64),
    "matmul": lambda y: ((am.tensor(_Z) * y) @ am.tensor(_W).T).astype(np.float64),
    "mean and sum": lambda y: ((am.tensor(_Z) * y).mean() + (am.tensor(_Z) * y * y).sum()).astype(np.float64),
}


@pytest.mark.parametrize("name", sorted(_THROUGH_COMPLEX))
def test_derivatives_through_complex_values_match_finite_differences(name):
    # (d Re(z**y)/dy was 0 for every base with a negative real part: its log was
    # masked by z > 0, which compares complex numbers by their real parts first)
    f = _THROUGH_COMPLEX[name]
    for y in (np.array([0.7, 1.3, -0.4]), np.array([[1.1, -0.2, 0.5], [0.3, 0.9, 1.4]])):
        assert am.gradcheck(f, [y]) and am.gradgradcheck(f, [y])
    assert am.gradcheck(lambda y: (am.tensor(_Z) * y).abs(), [np.array([0.7, 1.3, -0.4])])


# -- in-place operators and item assignment: cases found by mutation testing ---------------


def test_in_place_on_a_graph_tensor_keeps_its_float32_dtype():
    w = am.tensor(np.ones(2, np.float32), requires_grad=True)
    y = w * 2.0
    y += am.tensor(np.ones(2, np.float64))
    assert y.dtype == np.float32 and np.array_equal(y.data, [3.0, 3.0])


def test_in_place_under_no_grad_with_an_operand_requiring_grad_changes_the_leaf():
    t = am.tensor([1.0, 2.0])
    alias = t
    w = am.tensor([10.0, 20.0], requires_grad=True)
    with am.no_grad():
        t += w
    assert t is alias and np.array_equal(alias.data, [11.0, 22.0])


def test_in_place_on_a_read_only_array_is_a_runtime_error():
    t = am.tensor([1.0, 2.0])
    t.data.flags.writeable = False
    with pytest.raises(RuntimeError, match="read-only"):
        t += 1.0


def test_item_assignment_of_a_value_that_requires_grad_is_recorded():
    t = am.tensor([1.0, 2.0])
    before = t.data
    v = am.tensor(5.0, requires_grad=True)
    t[0] = v
    assert t.requires_grad and np.array_equal(t.data, [5.0, 2.0])
    assert np.array_equal(before, [1.0, 2.0])  # (the old array is not written)
    (t * am.tensor([3.0, 4.0])).sum().backward()
    assert v.grad.item() == 3.0


def test_item_assignment_refuses_non_numbers():
    t = am.tensor([1.0, 2.0])
    with pytest.raises(TypeError, match="expected numbers"):
        t[0] = "a"


def test_comparison_operators_on_ties():
    t, one = am.tensor([0.0, 1.0, 2.0]), 1.0
    for got, want in [(t >= one, [0, 1, 1]), (t <= one, [1, 1, 0]), (t > one, [0, 0, 1]),
                      (t < one, [1, 0, 0]), (t == one, [0, 1, 0]), (t != one, [1, 0, 1])]:
        assert got.dtype == bool and np.array_equal(got.data, want)


def test_an_integer_tensor_seed_is_taken_in_the_outputs_dtype():
    # (an int64 seed left as it is would run a float32 graph's VJPs in float64)
    grads = []
    for seed in (am.tensor(np.array([3, -7, 5])), am.tensor(np.array([3.0, -7.0, 5.0], np.float32))):
        x = am.tensor(np.array([0.3, -1.2, 2.5], np.float32), requires_grad=True)
        x.tanh().exp().sin().backward(seed)
        assert x.grad.dtype == np.float32
        grads.append(x.grad.data)
    np.testing.assert_array_equal(grads[0], grads[1])


@pytest.mark.parametrize("value", [1 + 2j, np.complex64(1 + 2j), np.array([1j, 2j]), am.tensor([1j, 2j])])
def test_item_assignment_refuses_complex_values_in_a_real_tensor(value):
    t = am.tensor(np.zeros(2, np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (not numpy's ComplexWarning: an error)
        with pytest.raises(TypeError, match="item assignment.*complex.*float32"):
            t[:] = value
    np.testing.assert_array_equal(t.data, 0.0)  # nothing written
    c = am.tensor(np.zeros(2, np.complex64))
    c[:] = value
    np.testing.assert_array_equal(c.data, np.broadcast_to(np.asarray(value.data if isinstance(value, am.Tensor) else value), (2,)))


@pytest.mark.parametrize("shape", [(3,), (0,), (2, 2)])
def test_truth_value_of_a_tensor_of_several_or_no_elements_names_the_shape(shape):
    # numpy's message suggests a.any() / a.all(), which a Tensor does not have.
    t = am.ones(shape)
    with pytest.raises(ValueError, match=r"bool\(\): .*shape " + re.escape(str(shape)) + r".*numpy\(\)\.any\(\)") as info:
        bool(t)
    assert "a.any()" not in str(info.value)
    with pytest.raises(ValueError, match=r"bool\(\)"):
        if t > 0:
            pass


def test_len_and_iteration_of_a_0d_tensor_name_the_op():
    # numpy's "len() of unsized object" names neither the tensor nor its shape.
    t = am.tensor(2.0)
    with pytest.raises(TypeError, match=r"len\(\) of a 0-d tensor"):
        len(t)
    with pytest.raises(TypeError, match=r"iteration over a 0-d tensor"):
        list(t)
    assert len(am.ones((3, 2))) == 3 and [r.shape for r in am.ones((2, 3))] == [(3,), (3,)]


# -- found by a review at scale and through numpy's protocols -------------------------
def test_a_numpy_function_refuses_a_tensor_that_requires_grad_rather_than_drop_its_graph():
    # np.dot(w, w) read w's values into a plain float: (np.dot(w, w) * w).sum() then
    # gave w a gradient without the dot product's part, with no sign of it.
    w = am.tensor([1.0, 2.0], requires_grad=True)
    for call in (lambda: np.dot(w, w), lambda: np.concatenate([w, w]), lambda: np.stack([w]),
                 lambda: np.where(w.data > 1, w, 0.0), lambda: np.linalg.norm(w),
                 lambda: np.clip(w, 0, 1), lambda: np.sum(w)):
        with pytest.raises(TypeError, match=r"^numpy\.[\w.]+: a tensor of shape \(2,\) that requires grad"):
            call()
    # Values and shapes stay readable: under no_grad, of a tensor without grad, or
    # through functions that read no values.
    c = am.tensor([3.0, 4.0])
    assert np.dot(c, c) == 25.0 and np.concatenate([c, c]).shape == (4,)
    with am.no_grad():
        assert np.dot(w, w) == 5.0
    assert np.shape(w) == (2,) and np.ndim(w) == 1 and np.size(w) == 2
    assert np.result_type(w) == np.float64 and not np.shares_memory(w.detach(), c)
    # A conversion (np.asarray, numpy's own for ndarray methods and item assignment) is
    # refused while grad is recorded, as PyTorch's; values are read explicitly.
    for call in (lambda: np.asarray(w), lambda: np.ones(2).dot(w), lambda: np.testing.assert_allclose(w, [1, 2])):
        with pytest.raises(TypeError, match=r"^numpy: a tensor of shape \(2,\) that requires grad was read as "
                                            r"a plain ndarray.*t\.detach\(\), t\.numpy\(\), t\.data, or inside am\.no_grad"):
            call()
    np.testing.assert_allclose(w.detach(), [1.0, 2.0])
    with am.no_grad():
        np.testing.assert_allclose(w, [1.0, 2.0])


def test_numpys_memory_questions_answer_for_a_tensor_that_requires_grad():
    # np.shares_memory and np.may_share_memory read no values (they are among the
    # functions not refused), but reached the tensor's __array__, which refuses a tensor
    # that requires grad while grad is recorded
    w = am.tensor([1.0, 2.0], requires_grad=True)
    assert np.shares_memory(w, w.data) and np.may_share_memory(w.data, w)
    assert not np.shares_memory(w, np.zeros(2)) and not np.may_share_memory(w, am.tensor([1.0, 2.0]))
    assert np.shares_memory(w, w.detach())
    with pytest.raises(RuntimeError, match="reads a tensor's value"):  # (a replay would reuse the answer)
        am.compile(lambda x: x * 2.0 if np.shares_memory(x, x) else x)(am.tensor([1.0, 2.0]))


def test_like_a_tensor_is_refused_by_numpys_protocol_not_an_attribute_error():
    # np.ones(3, like=t) hands Tensor.__array_function__ the public function (np.ones,
    # np.array, np.asarray: no numpy-internal implementation behind it): that raised
    # AttributeError '_implementation'; before __array_function__ numpy's TypeError.
    for t in (am.tensor([1.0, 2.0]), am.tensor([1.0, 2.0], requires_grad=True)):
        for call in (lambda: np.ones(3, like=t), lambda: np.array([1, 2], like=t),
                     lambda: np.asarray([1.0], like=t)):
            with pytest.raises(TypeError, match=r"no implementation found for 'numpy\.\w+'.*Tensor"):
                call()


def test_a_tensor_made_from_a_list_of_tensors_that_require_grad_warns_that_it_has_no_graph():
    # am.tensor([b, 2 * b]) copies the values: a gradient meant for b was lost without a
    # sign (PyTorch warns too); am.stack keeps the graph.
    import warnings

    b = am.tensor(2.0, requires_grad=True)
    for make in (lambda: am.tensor([b, 2 * b]), lambda: am.Tensor([[1.0], [b]]),
                 lambda: am.nn.Parameter((b, 1.0))):
        with pytest.warns(UserWarning, match=r"list holds a tensor of shape \(\) that requires grad.*am\.stack") as caught:
            t = make()
        assert len(caught) == 1 and caught[0].filename == __file__  # (once, at the caller's line)
        assert not t.grad_fn
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert am.tensor([b.detach(), am.tensor(3.0), 1.0]).data.tolist() == [2.0, 3.0, 1.0]
        am.tensor(b)  # (a tensor itself: documented as a copy)
        np.asarray([b.detach()])
    s = am.stack([b, 2 * b])
    s.sum().backward()
    assert b.grad.item() == 3.0


# -- floor division ---------------------------------------------------------------------

_FLOATS = np.array([[7.5, -7.5, 0.25, -0.0, 3.0, -3.0]])
_DIVISORS = np.array([[2.0], [-2.0], [0.75]])  # (broadcast against _FLOATS: (3, 6))


def _dividends_and_divisors(dtype):
    """x (1, k) and y (m, 1) of `dtype` that broadcast to (m, k), signs mixed where the dtype has them."""
    if np.dtype(dtype).kind == "f":
        return _FLOATS.astype(dtype), _DIVISORS.astype(dtype)
    if dtype == np.uint8:
        return np.array([[7, 9, 0, 5]], dtype), np.array([[2], [3]], dtype)
    return np.array([[7, -7, 0, 5, -1, 1]]).astype(dtype), np.array([[2], [-3], [4]]).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.int32, np.uint8])
def test_floor_division_is_numpys_with_broadcasting_and_reflected_operands(dtype):
    x, y = _dividends_and_divisors(dtype)
    tx, ty = am.tensor(x), am.tensor(y)
    for got, want in [(tx // ty, x // y), (am.floor_divide(tx, ty), np.floor_divide(x, y)),
                      (tx // y, x // y), (x // ty, x // y), (am.floor_divide(x, y), x // y),
                      (tx // 2, x // 2), (2.5 // tx[:, :2], 2.5 // x[:, :2]), (7 // ty, 7 // y)]:
        assert isinstance(got, am.Tensor)
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got.data, want)


def test_floor_division_records_no_gradient():
    # Piecewise constant: no node, the output does not require grad, and inside an
    # expression it acts as a constant (PyTorch 2.x records a node whose backward raises).
    x = am.tensor(_FLOATS[0], requires_grad=True)
    y = am.tensor([2.0], requires_grad=True)
    for q in (x // y, am.floor_divide(x, 2.0), 9.0 // x[:3], x // 2):
        assert not q.requires_grad and q.grad_fn is None
    ((x // 2) * x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, _FLOATS[0] // 2)


def test_floor_division_by_zero_is_numpys_with_its_warning():
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        q = am.tensor([1, -1, 0]) // 0
    assert q.dtype == np.int64
    np.testing.assert_array_equal(q.data, [0, 0, 0])
    with pytest.warns(RuntimeWarning):
        q = am.tensor([1.0, -1.0, 0.0]) // am.tensor(0.0)
    np.testing.assert_array_equal(q.data, [np.inf, -np.inf, np.nan])


def test_in_place_floor_division():
    t = am.tensor([7, -7])
    alias = t
    t //= 2
    assert alias is t and t.dtype == np.int64
    np.testing.assert_array_equal(t.data, [3, -4])
    w = am.tensor([3.5, -2.0], requires_grad=True)
    with am.no_grad():
        w //= 2
    assert w.requires_grad and w.is_leaf
    np.testing.assert_array_equal(w.data, [1.0, -1.0])
    z = w * 3.0  # a tensor with a graph gets a new (constant) tensor
    z //= 2
    assert z.grad_fn is None and not z.requires_grad
    np.testing.assert_array_equal(z.data, [1.0, -2.0])
    with pytest.raises(ValueError, match=r"//=: the result has shape \(3, 2\).*x = x // \.\.\."):
        z = w * 3.0
        z //= np.ones((3, 2))


# -- remainder ---------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.int32, np.uint8])
def test_remainder_is_numpys_with_broadcasting_and_reflected_operands(dtype):
    # the sign of the divisor, as numpy and Python: -7.5 % 2 == 0.5, 7.5 % -2 == -0.5
    x, y = _dividends_and_divisors(dtype)
    tx, ty = am.tensor(x), am.tensor(y)
    for got, want in [(tx % ty, x % y), (am.remainder(tx, ty), np.remainder(x, y)),
                      (tx % y, x % y), (x % ty, x % y), (am.remainder(x, y), x % y),
                      (tx % 3, x % 3), (3 % ty, 3 % y), (2.5 % ty, 2.5 % y)]:
        assert isinstance(got, am.Tensor)
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got.data, want)
    if np.dtype(dtype).kind == "f":
        np.testing.assert_array_equal((tx // ty) * ty + tx % ty, np.broadcast_to(x, (3, 6)))  # (exact here)


def test_remainder_by_zero_is_numpys_with_its_warning():
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        r = am.tensor([1, -1, 0]) % 0
    assert r.dtype == np.int64
    np.testing.assert_array_equal(r.data, [0, 0, 0])
    with pytest.warns(RuntimeWarning, match="invalid value"):
        r = am.tensor([1.0, -1.0, 0.0]) % am.tensor(0.0)
    np.testing.assert_array_equal(r.data, [np.nan] * 3)


def test_remainder_gradients_and_the_convention_at_its_jumps():
    # d/dx = 1, d/dy = -floor(x / y); at x / y an integer (4 % 2, 0 % 2, -4 % 2) the value
    # floor_divide gives, as PyTorch's remainder backward takes it.
    x = am.tensor([7.5, -7.5, 4.0, 0.0, -4.0, 1.0], requires_grad=True)
    y = am.tensor([2.0, 2.0, 2.0, 2.0, 2.0, -0.75], requires_grad=True)
    (x % y).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.ones(6))
    np.testing.assert_array_equal(y.grad.data, [-3.0, 4.0, -2.0, -0.0, 2.0, 2.0])
    # broadcast divisor: its gradient sums over the copies; reflected operands
    w = am.tensor([[1.5], [-2.5]], requires_grad=True)
    (am.tensor(_FLOATS) % w).sum().backward()
    np.testing.assert_array_equal(w.grad.data, -np.floor_divide(_FLOATS, w.data).sum(axis=1, keepdims=True))
    v = am.tensor([2.0, -0.75], requires_grad=True)
    (3 % v).sum().backward()
    np.testing.assert_array_equal(v.grad.data, [-1.0, 4.0])


def test_remainder_of_integers_and_ndarray_operands():
    i = am.tensor([7, -7]) % am.tensor([3])
    assert i.dtype == np.int64 and not i.requires_grad
    # an ndarray divisor is copied when recorded: refilling it does not change the gradient
    x = am.tensor([5.5, 6.5], requires_grad=True)
    a = np.array([2.0, 4.0])
    r = x % a
    a[:] = 1.0
    r.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0])
    y = am.tensor([2.0, 4.0], requires_grad=True)
    b = np.array([5.5, 9.0])
    r = am.remainder(b, y)
    b[:] = 100.0
    r.sum().backward()
    np.testing.assert_array_equal(y.grad.data, [-2.0, -2.0])


def test_in_place_remainder():
    t = am.tensor([7, -7])
    t %= 3
    np.testing.assert_array_equal(t.data, [1, 2])
    w = am.tensor([7.5, -7.5], requires_grad=True)
    with am.no_grad():
        w %= 2.0
    np.testing.assert_array_equal(w.data, [1.5, 0.5])
    u = w * 1.0
    u %= am.tensor(1.0, requires_grad=True)  # a tensor with a graph: u = u % ..., recorded
    assert u.grad_fn is not None


@st.composite
def _off_the_jumps(draw):
    """Broadcasting shapes, and x, y with every x / y at least 0.02 from an integer."""
    sx, sy = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)).input_shapes
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    y = rng.choice([-1.0, 1.0], sy) * 2.0 ** rng.integers(-1, 2, sy) * rng.uniform(0.998, 1.002, sy)
    x = (rng.integers(-12, 12, sx) + 0.5) / 4 + rng.uniform(-0.002, 0.002, sx)
    return x, y


@settings(max_examples=25, deadline=None)
@given(xy=_off_the_jumps())
def test_remainder_operators_pass_gradcheck_first_and_second_order(xy):
    x, y = xy
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal((am.tensor(x) % am.tensor(y)).data, np.remainder(x, y))
        f = lambda a, b: (a % b) * (b * a + 1.0) + 0.3 * (a // b) * a  # noqa: E731
        assert am.gradcheck(f, (x, y))
        assert am.gradgradcheck(f, (x, y))
        g = lambda b: 2.5 % b + am.remainder(x, b).sin()  # noqa: E731  (reflected, ndarray x)
        assert am.gradcheck(g, (y,))
        assert am.gradgradcheck(g, (y,))


# -- __index__ ------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.int8])
def test_a_0d_integer_tensor_is_an_index(dtype):
    import operator
    t = am.tensor(np.array(2, dtype))
    assert operator.index(t) == 2 and type(operator.index(t)) is int
    assert list(range(t)) == [0, 1] and [10, 20, 30][t] == 30 and [10, 20, 30][:t] == [10, 20]
    assert "abc"[t] == "c" and hex(t) == "0x2"
    assert [10, 20, 30][am.tensor(-1)] == 30


@pytest.mark.parametrize("value, dtype", [(2.0, np.float64), ([2], np.int64), ([[2]], np.int64),
                                          ([1, 2], np.int64), (True, np.bool_), (1 + 0j, np.complex128)])
def test_other_tensors_are_no_index_and_the_error_names_shape_and_dtype(value, dtype):
    t = am.tensor(np.array(value, dtype))
    shape = re.escape(str(t.shape))
    with pytest.raises(TypeError, match=rf"0-d integer tensor.*shape {shape} and dtype {np.dtype(dtype)}"):
        [10, 20, 30][t]
    with pytest.raises(TypeError, match="0-d integer tensor"):
        range(t)


def test_index_keeps_numpy_interop_bool_and_len():
    a = np.arange(5) * 10
    # numpy takes __index__ first: only 0-d integer tensors may be ints, so these keep numpy's
    # meaning of the same arrays: a 1-element index array, a 0-d mask, an index array
    assert repr(a[am.tensor(1)]) == repr(a[np.array(1)])
    for idx in ([1], True, [1, 2], [[0], [4]]):
        got, want = a[am.tensor(idx)], a[np.array(idx)]
        assert got.shape == want.shape and np.array_equal(got, want)
    assert a[am.tensor(1):am.tensor(3)].tolist() == [10, 20]
    np.testing.assert_array_equal(np.asarray([am.tensor(1), am.tensor(2)]), [1, 2])
    np.testing.assert_array_equal(np.asarray(am.tensor(3)), 3)
    assert am.tensor([1, 2])[am.tensor(1)].item() == 2
    assert np.concatenate([am.tensor([1]), am.tensor([2])]).tolist() == [1, 2]  # (__array_function__)
    assert ([0] * am.tensor(2)).data.tolist() == [0]  # (still the elementwise product, not list repetition)
    assert bool(am.tensor(0)) is False and bool(am.tensor(3)) is True
    with pytest.raises(ValueError, match="ambiguous"):
        bool(am.tensor([1, 2]))
    assert len(am.tensor([1, 2, 3])) == 3
    with pytest.raises(TypeError, match="len"):
        len(am.tensor(3))


def test_reshape_without_a_shape_is_a_type_error_as_in_numpy_and_pytorch():
    t = am.tensor([3.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"reshape: missing the shape \(of a tensor of shape \(1,\)\)"):
        t.reshape()
    assert t.reshape(()).shape == () and t.reshape([]).shape == () and am.reshape(t, ()).shape == ()
    assert t.reshape(1, 1).shape == (1, 1) and t.reshape((-1,)).shape == (1,)


# -- tolist, copy ---------------------------------------------------------------------------


@pytest.mark.parametrize("data", [[[1.0, -0.0], [np.nan, 2.5]], 3, [True, False], [[1, 2, 3]], 2.5j])
def test_tolist_gives_python_numbers_as_numpy(data):
    a = np.array(data)
    out = am.tensor(a, requires_grad=a.dtype.kind == "f").tolist()
    assert repr(out) == repr(a.tolist())


@pytest.mark.parametrize("shape", [(), (3,), (2, 3)])
def test_copy_is_a_recorded_copy_with_gradient_one(shape):
    x = am.tensor(np.random.default_rng(0).normal(size=shape), requires_grad=True)
    c = x.copy()
    assert c.requires_grad and not c.is_leaf and c.shape == x.shape and c.dtype == x.dtype
    assert not np.shares_memory(c.data, x.data)
    c.data[...] = 7.0  # (writing into the copy leaves x as it was)
    assert not np.any(x.data == 7.0)
    assert am.gradcheck(lambda t: t.copy() * t, (x.data,))
    assert am.gradgradcheck(lambda t: t.copy() * t, (x.data,))


def test_copy_keeps_dtype_and_bits_and_int_copies_carry_no_gradient():
    x = am.tensor(np.array([-0.0, np.nan, 1.5], dtype=np.float32))
    c = x.copy()
    assert c.dtype == np.float32 and c.data.tobytes() == x.data.tobytes() and not c.requires_grad
    for a in (np.array([1, 2]), np.array([True, False]), np.array([1 + 2j])):
        c = am.tensor(a).copy()
        assert c.dtype == a.dtype and np.array_equal(c.data, a) and not np.shares_memory(c.data, a)


def test_size_arguments_take_a_1d_array_as_numpy_and_am_zeros_do():
    # reshape, view, permute, expand and repeat read f(2, 3) and f((2, 3)) with the same
    # helper as am.zeros and am.transpose, which already took a 1-D ndarray (numpy's
    # reshape and transpose do): the five refused one.
    x = am.arange(6.0)
    m = x.reshape(2, 3)
    assert x.reshape(np.array([2, 3])).shape == (2, 3)
    assert x.view(np.array([3, 2])).shape == (3, 2)
    assert m.permute(np.array([1, 0])).shape == (3, 2)
    assert m.expand(np.array([4, 2, 3])).shape == (4, 2, 3)
    assert m.repeat(np.array([2, 1])).shape == (4, 3)
    assert am.zeros(np.array([2, 3])).shape == am.transpose(m, np.array([1, 0])).shape[::-1]
