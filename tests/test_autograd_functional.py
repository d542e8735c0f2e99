"""am.autograd.functional (PyTorch's torch.autograd.functional), against central
finite differences in float64 and against each other (vjp = v^T J, jvp = J v, ...)."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import autograd_mini as am
from autograd_mini.autograd.functional import hessian, hvp, jacobian, jvp, vhp, vjp

EPS = 1e-6


def _fd_jacobian(f, xs, i):
    """d f(xs) / d xs[i] by central differences; f maps ndarrays to an ndarray."""
    x = xs[i]
    out = f(*xs)
    J = np.zeros(out.shape + x.shape)
    for k in np.ndindex(x.shape):
        plus = [a.copy() for a in xs]
        minus = [a.copy() for a in xs]
        plus[i][k] += EPS
        minus[i][k] -= EPS
        J[(...,) + k] = (f(*plus) - f(*minus)) / (2 * EPS)
    return J


A = np.random.default_rng(0).standard_normal((3, 4))


def f_pair(x, y):
    """(3,) and () outputs of x (4,) and y (3,); works on Tensors and, via np, on arrays."""
    mod = am if isinstance(x, am.Tensor) else np
    return (mod.asarray(A) if mod is np else am.tensor(A)) @ mod.sin(x) * y, (x ** 2).sum() * mod.tanh(y).sum()


def f_scalar(x, y):
    mod = am if isinstance(x, am.Tensor) else np
    return (mod.sin(x).sum() * y ** 3).sum() + (x[:3] * y).prod() + mod.exp(x).dot(x)


def _inputs(seed=1):
    r = np.random.default_rng(seed)
    return r.standard_normal(4), r.standard_normal(3)


def _t(*arrays, **kw):
    return tuple(am.tensor(a, **kw) for a in arrays)


def test_jacobian_of_tuples_against_finite_differences():
    x, y = _inputs()
    J = jacobian(f_pair, _t(x, y))
    assert len(J) == 2 and all(len(row) == 2 for row in J)
    for j in range(2):
        for i in range(2):
            expected = _fd_jacobian(lambda *a: np.asarray(f_pair(*a)[j]), [x, y], i)
            assert J[j][i].shape == expected.shape
            np.testing.assert_allclose(J[j][i].data, expected, atol=1e-8)
            assert not J[j][i].requires_grad


def test_jacobian_structure_follows_inputs_and_outputs():
    x, y = _inputs()
    assert jacobian(lambda a: am.sin(a), am.tensor(x)).shape == (4, 4)
    one_in_two_out = jacobian(lambda a: (am.sin(a), a.sum()), am.tensor(x))
    assert [t.shape for t in one_in_two_out] == [(4, 4), (4,)]
    two_in_one_out = jacobian(lambda a, b: a.sum() * b, _t(x, y))
    assert [t.shape for t in two_in_one_out] == [(3, 4), (3, 3)]


@settings(max_examples=12, deadline=None)
@given(st.lists(st.integers(1, 3), min_size=1, max_size=3), st.lists(st.integers(1, 3), min_size=0, max_size=2))
def test_jacobian_shapes_vary(in_shape, out_extra):
    r = np.random.default_rng(len(in_shape) + 7 * len(out_extra))
    x = r.standard_normal(in_shape)
    W = r.standard_normal(tuple(out_extra) + (x.size,))

    def f(a):
        mod = am if isinstance(a, am.Tensor) else np
        flat = mod.tanh(a).reshape(-1)
        return (am.tensor(W) if mod is am else W) @ (flat * flat)

    J = jacobian(f, am.tensor(x))
    expected = _fd_jacobian(lambda a: f(a), [x], 0)
    assert J.shape == tuple(out_extra) + tuple(in_shape)
    np.testing.assert_allclose(J.data, expected, atol=1e-8)


def test_hessian_against_finite_differences_of_the_jacobian():
    x, y = _inputs()
    H = hessian(f_scalar, _t(x, y))
    grad_fns = [lambda *a, i=i: jacobian(f_scalar, _t(*a))[i].data for i in range(2)]
    for i in range(2):
        for j in range(2):
            expected = _fd_jacobian(grad_fns[i], [x, y], j)
            np.testing.assert_allclose(H[i][j].data, expected, atol=1e-7)
    np.testing.assert_allclose(H[0][1].data, H[1][0].data.T, atol=1e-12)  # symmetric
    single = hessian(lambda a: (a ** 3).sum(), am.tensor(x))
    np.testing.assert_allclose(single.data, np.diag(6 * x), atol=1e-12)


def test_products_agree_with_the_full_matrices():
    x, y = _inputs()
    r = np.random.default_rng(3)
    vx, vy, w = r.standard_normal(4), r.standard_normal(3), r.standard_normal(3)
    J = jacobian(f_pair, _t(x, y))
    out, (gx, gy) = vjp(f_pair, _t(x, y), (am.tensor(w), am.tensor(2.0)))
    np.testing.assert_allclose(gx.data, w @ J[0][0].data + 2 * J[1][0].data, atol=1e-12)
    np.testing.assert_allclose(gy.data, w @ J[0][1].data + 2 * J[1][1].data, atol=1e-12)
    np.testing.assert_allclose(out[0].data, f_pair(x, y)[0], atol=1e-14)
    _, (jv0, jv1) = jvp(f_pair, _t(x, y), _t(vx, vy))
    np.testing.assert_allclose(jv0.data, J[0][0].data @ vx + J[0][1].data @ vy, atol=1e-12)
    np.testing.assert_allclose(jv1.data, J[1][0].data @ vx + J[1][1].data @ vy, atol=1e-12)
    H = hessian(f_scalar, _t(x, y))
    for product in (hvp, vhp):
        value, (hx, hy) = product(f_scalar, _t(x, y), _t(vx, vy))
        np.testing.assert_allclose(value.data, f_scalar(x, y), atol=1e-12)
        np.testing.assert_allclose(hx.data, H[0][0].data @ vx + H[0][1].data @ vy, atol=1e-12)
        np.testing.assert_allclose(hy.data, H[1][0].data @ vx + H[1][1].data @ vy, atol=1e-12)


def test_v_may_be_omitted_for_one_element_outputs_and_inputs():
    x, _ = _inputs()
    _, g = vjp(lambda a: (a ** 2).sum(), am.tensor(x))
    np.testing.assert_allclose(g.data, 2 * x)
    _, d = jvp(lambda a: am.sin(a) * 3, am.tensor(0.5))
    np.testing.assert_allclose(d.data, 3 * np.cos(0.5))


def test_create_graph_records_for_a_second_derivative_through_the_inputs():
    x, _ = _inputs()
    xt = am.tensor(x, requires_grad=True)
    J = jacobian(lambda a: am.sin(a) * a.sum(), xt, create_graph=True)
    assert J.requires_grad
    J.sum().backward()
    expected = _fd_jacobian(lambda a: jacobian(lambda b: am.sin(b) * b.sum(), am.tensor(a)).data.sum()[None],
                            [x], 0)[0]
    np.testing.assert_allclose(xt.grad.data, expected, atol=1e-7)
    # the same through hvp: d/dx <H(x) v, 1>
    xt.grad = None
    v = np.array([1.0, -2.0, 0.5, 3.0])
    _, hv = hvp(lambda a: (a ** 4).sum(), xt, am.tensor(v), create_graph=True)
    hv.sum().backward()
    np.testing.assert_allclose(xt.grad.data, 24 * x * v, atol=1e-12)


def test_without_create_graph_nothing_is_recorded_or_touched():
    x, y = _inputs()
    xt, yt = _t(x, y, requires_grad=True)
    out, g = vjp(f_scalar, (xt, yt))
    assert not out.requires_grad and not any(t.requires_grad for t in g)
    assert xt.grad is None and yt.grad is None
    np.testing.assert_array_equal(xt.data, x)


def test_works_inside_no_grad():
    x, _ = _inputs()
    with am.no_grad():
        J = jacobian(lambda a: a * a, am.tensor(x))
    np.testing.assert_allclose(J.data, np.diag(2 * x))


def test_float32_stays_float32():
    x = am.tensor(np.ones(3, np.float32))
    assert jacobian(lambda a: a * 2, x).dtype == np.float32
    assert hvp(lambda a: (a ** 3).sum(), x, am.tensor(np.ones(3, np.float32)))[1].dtype == np.float32


def test_independent_inputs_give_zeros_or_raise_when_strict():
    x, y = _inputs()
    J = jacobian(lambda a, b: am.sin(a), _t(x, y))
    np.testing.assert_array_equal(J[1].data, np.zeros((4, 3)))
    with pytest.raises(RuntimeError, match="independent of input 1"):
        jacobian(lambda a, b: am.sin(a), _t(x, y), strict=True)
    with pytest.raises(RuntimeError, match="independent of input 0"):
        vjp(lambda a: am.tensor(np.ones(2)), am.tensor(x), am.tensor(np.ones(2)), strict=True)
    H = hessian(lambda a: a.sum(), am.tensor(x))  # linear: a zero Hessian
    np.testing.assert_array_equal(H.data, np.zeros((4, 4)))
    with pytest.raises(RuntimeError, match="strict"):
        hessian(lambda a: a.sum(), am.tensor(x), strict=True)
    _, jv = jvp(lambda a: am.tensor(np.ones(2)), am.tensor(x), am.tensor(x))
    np.testing.assert_array_equal(jv.data, np.zeros(2))


@pytest.mark.parametrize("call, error, message", [
    (lambda x: vjp(lambda a: a * 2, x), ValueError, "v may be None only when the output is a single one-element"),
    (lambda x: jvp(lambda a: a * 2, x), ValueError, "v may be None only when the input"),
    (lambda x: vjp(lambda a: a * 2, x, am.tensor(np.ones(3))), ValueError, r"v has shape \(3,\), the output has shape \(4,\)"),
    (lambda x: jvp(lambda a, b: a * b, (x, x), (x,)), ValueError, "v has 1 entries for 2 inputs"),
    (lambda x: hessian(lambda a: a * 2, x), ValueError, r"single-element tensor, got shape \(4,\)"),
    (lambda x: hvp(lambda a: a * 2, x, x), ValueError, r"single-element tensor, got shape \(4,\)"),
    (lambda x: jacobian(lambda a: a.data, x), TypeError, "must return a Tensor or a tuple of Tensors, got ndarray"),
    (lambda x: jacobian(lambda a: a, x.data), TypeError, "inputs must be a Tensor or a tuple of Tensors, got ndarray"),
    (lambda x: jacobian(lambda a: a, am.tensor([1, 2])), TypeError, "only floating-point or complex"),
    (lambda x: jacobian(lambda a: a, x, strategy="sideways"), ValueError, "strategy must be one of"),
    (lambda x: jacobian(lambda a: a, ()), ValueError, "inputs is empty"),
    (lambda x: vjp(lambda a: a * 2, x, am.tensor(np.ones(4, complex))), TypeError, "v"),
])
def test_bad_input_is_refused_by_name(call, error, message):
    x = am.tensor(np.arange(4.0))
    with pytest.raises(error, match=message):
        call(x)


def test_hessian_refuses_bad_inputs_under_its_own_name():
    # the inner jacobian checked them, so the error named autograd.functional.jacobian,
    # a function the caller never called
    AF = am.autograd.functional
    for bad, err in ((am.ones(2, dtype=am.int64), TypeError), ((), ValueError), ([1.0, 2.0], TypeError)):
        with pytest.raises(err, match=r"^autograd\.functional\.hessian: "):
            AF.hessian(lambda x: x.sum(), bad)
