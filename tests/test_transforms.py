"""Function transforms: grad, value_and_grad, jacobian, hessian, hvp, jvp, nesting."""

import re

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

import autograd_mini as am

HYP = settings(max_examples=10, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate])


def rng(seed=0):
    return np.random.default_rng(seed)


def smooth(t):
    """A smooth vector -> vector map with a non-trivial Jacobian."""
    return am.sin(t) * t[0] + am.exp(t * 0.3) * t.sum()


def smooth_jacobian(x):
    n = x.size
    s = x.sum()
    J = np.diag(np.cos(x) * x[0] + 0.3 * np.exp(0.3 * x) * s)
    J[:, 0] += np.sin(x)
    J += np.exp(0.3 * x)[:, None] * np.ones((1, n))
    return J


def rosenbrock(v):
    return (1 - v[0]) ** 2 + 100 * (v[1] - v[0] ** 2) ** 2


def rosenbrock_hessian(x, y):
    return np.array([[2 - 400 * y + 1200 * x**2, -400 * x], [-400 * x, 200.0]])


# -- grad and value_and_grad ------------------------------------------------------------------


@pytest.mark.parametrize("make", [np.array, am.tensor, list], ids=["ndarray", "tensor", "list"])
def test_grad_of_sum_of_squares(make):
    x = [1.0, -2.0, 0.5]
    g = am.grad(lambda t: (t * t).sum())(make(x))
    assert isinstance(g, am.Tensor)
    np.testing.assert_allclose(g.data, 2 * np.array(x))


def test_grad_accepts_python_numbers_and_int_arrays():
    np.testing.assert_allclose(am.grad(lambda t: t**3)(2.0).item(), 12.0)
    np.testing.assert_allclose(am.grad(lambda t: t**3)(2).item(), 12.0)
    g = am.grad(lambda t: (t * t).sum())(np.array([1, 2]))
    assert g.dtype.kind == "f"
    np.testing.assert_allclose(g.data, [2.0, 4.0])


def test_transforms_keep_a_complex_input_complex_as_backward_does():
    # (the input was cast to float64: the imaginary part dropped, the gradient silently
    # that at the real part)
    z = np.array([1 + 2j, -0.5 + 0.3j])
    leaf = am.tensor(z, requires_grad=True)
    (leaf ** 3).sum().backward(np.array(1 + 0j))
    g = am.grad(lambda t: (t ** 3).sum())(z)
    assert g.dtype == np.complex128
    np.testing.assert_allclose(g.data, leaf.grad.data)
    np.testing.assert_allclose(g.data, 3 * z ** 2)
    _, jv = am.jvp(lambda t: t ** 3, z, np.array([1.0, 1j]))
    np.testing.assert_allclose(jv.data, 3 * z ** 2 * np.array([1.0, 1j]))


def test_grad_leaves_user_tensor_untouched():
    x = am.tensor([1.0, 2.0])
    am.grad(lambda t: (t**2).sum())(x)
    assert x.grad is None and not x.requires_grad
    y = am.tensor([1.0, 2.0], requires_grad=True)
    g = am.grad(lambda t: (t**2).sum())(y)
    np.testing.assert_allclose(g.data, [2.0, 4.0])
    assert y.grad is None


def test_grad_shape_matches_input():
    x = rng(1).standard_normal((2, 3, 4))
    g = am.grad(lambda t: am.logsumexp(t))(x)
    assert g.shape == x.shape
    e = np.exp(x - x.max())
    np.testing.assert_allclose(g.data, e / e.sum())


def test_grad_of_function_not_depending_on_input_is_zero():
    g = am.grad(lambda t: am.tensor(3.0))(np.ones(3))
    np.testing.assert_array_equal(g.data, np.zeros(3))
    g2 = am.grad(lambda a, b: (am.tensor(b) * 2).sum(), argnums=0)(np.ones(2), np.ones(2))
    np.testing.assert_array_equal(g2.data, np.zeros(2))


def test_grad_requires_scalar_output():
    with pytest.raises(ValueError, match=r"\(3,\)"):
        am.grad(lambda t: t * 2)(np.ones(3))
    with pytest.raises(TypeError, match="grad: the function must return a Tensor, got float"):
        am.grad(lambda t: 3.0)(np.ones(3))


def test_value_and_grad_argnums():
    a = np.array([1.0, 2.0])
    b = np.array([3.0, -1.0])

    def f(x, y):
        return (x * x * y).sum()

    v, g = am.value_and_grad(f)(a, b)
    np.testing.assert_allclose(v.item(), (a * a * b).sum())
    np.testing.assert_allclose(g.data, 2 * a * b)
    v1, g1 = am.value_and_grad(f, argnums=1)(a, b)
    np.testing.assert_allclose(v1.item(), v.item())
    np.testing.assert_allclose(g1.data, a * a)
    v2, (ga, gb) = am.value_and_grad(f, argnums=(0, 1))(a, b)
    np.testing.assert_allclose(ga.data, 2 * a * b)
    np.testing.assert_allclose(gb.data, a * a)
    (gb_only,) = am.grad(f, argnums=(1,))(a, b)
    np.testing.assert_allclose(gb_only.data, a * a)
    np.testing.assert_allclose(am.grad(f, argnums=-1)(a, b).data, a * a)
    assert not v.requires_grad  # the value is a plain result, not part of a graph
    with pytest.raises(ValueError, match="grad: argnums 2 is out of range for a function called with 2 arguments"):
        am.grad(f, argnums=2)(a, b)


def test_grad_passes_keyword_arguments_through():
    def f(x, scale=1.0):
        return (x * x).sum() * scale

    np.testing.assert_allclose(am.grad(f)(np.array([1.0, 3.0]), scale=2.0).data, [4.0, 12.0])


# -- jacobian ------------------------------------------------------------------------------


def test_jacobian_of_linear_map_is_the_matrix():
    A = rng(2).standard_normal((3, 4))
    J = am.jacobian(lambda x: am.tensor(A) @ x)(np.ones(4))
    assert J.shape == (3, 4)
    np.testing.assert_allclose(J.data, A)


@pytest.mark.parametrize("n", [1, 3, 5])
def test_jacobian_of_nonlinear_map_against_closed_form(n):
    x = rng(n).standard_normal(n)
    J = am.jacobian(smooth)(x)
    np.testing.assert_allclose(J.data, smooth_jacobian(x), rtol=1e-12, atol=1e-12)


def test_jacobian_elementwise_is_diagonal():
    x = np.array([0.1, 0.7, -1.3])
    np.testing.assert_allclose(am.jacobian(am.tanh)(x).data, np.diag(1 - np.tanh(x) ** 2))


def test_jacobian_shape_is_out_shape_plus_in_shape():
    B = rng(3).standard_normal((3, 5))
    X = rng(4).standard_normal((2, 3))
    J = am.jacobian(lambda x: x @ am.tensor(B))(X)
    assert J.shape == (2, 5, 2, 3)
    # d(XB)[i, j] / dX[k, l] = delta_ik B[l, j]
    expected = np.einsum("ik,lj->ijkl", np.eye(2), B)
    np.testing.assert_allclose(J.data, expected)
    Js = am.jacobian(lambda x: (x**2).sum())(X)  # scalar output: () + in.shape
    assert Js.shape == (2, 3)
    np.testing.assert_allclose(Js.data, 2 * X)
    Jv = am.jacobian(lambda x: x.reshape(6))(X)
    assert Jv.shape == (6, 2, 3)
    np.testing.assert_array_equal(Jv.data.reshape(6, 6), np.eye(6))


def test_jacobian_argnums_and_constant_output():
    a, b = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    J = am.jacobian(lambda x, y: x * y, argnums=1)(a, b)
    np.testing.assert_allclose(J.data, np.diag(a))
    Z = am.jacobian(lambda x: am.ones(3))(a)
    assert Z.shape == (3, 2)
    np.testing.assert_array_equal(Z.data, 0.0)


# -- hessian -----------------------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 4])
def test_hessian_of_quadratic_form(n):
    A = rng(n + 10).standard_normal((n, n))
    x = rng(n + 11).standard_normal(n)
    H = am.hessian(lambda v: v @ (am.tensor(A) @ v))(x)
    assert H.shape == (n, n)
    np.testing.assert_allclose(H.data, A + A.T, rtol=1e-12, atol=1e-12)


def test_hessian_of_sum_of_sines_is_diagonal():
    x = np.array([0.3, 1.0, 2.0, -0.4])
    H = am.hessian(lambda v: am.sin(v).sum())(x)
    np.testing.assert_allclose(H.data, np.diag(-np.sin(x)), atol=1e-15)


@pytest.mark.parametrize("point", [(1.0, 1.0), (-1.2, 1.0), (0.3, -0.5)])
def test_hessian_of_rosenbrock(point):
    H = am.hessian(rosenbrock)(np.array(point))
    np.testing.assert_allclose(H.data, rosenbrock_hessian(*point), rtol=1e-12)


def test_hessian_of_matrix_input_has_doubled_shape():
    X = rng(5).standard_normal((2, 3))
    H = am.hessian(lambda x: (x**3).sum())(X)
    assert H.shape == (2, 3, 2, 3)
    np.testing.assert_allclose(H.data.reshape(6, 6), np.diag(6 * X.reshape(-1)))


def test_hessian_of_log_softmax_entry():
    x = np.array([0.2, -0.5, 1.0])
    H = am.hessian(lambda v: am.logsumexp(v))(x)
    p = np.exp(x) / np.exp(x).sum()
    np.testing.assert_allclose(H.data, np.diag(p) - np.outer(p, p), atol=1e-14)


# -- hvp and jvp --------------------------------------------------------------------------


def test_hvp_matches_hessian_times_v():
    x = np.array([-1.2, 1.0])
    v = np.array([0.5, -2.0])
    val, hv = am.hvp(rosenbrock, x, v)
    np.testing.assert_allclose(val.item(), rosenbrock(x))
    np.testing.assert_allclose(hv.data, rosenbrock_hessian(*x) @ v, rtol=1e-12)
    val_t, hv_t = am.hvp(rosenbrock, am.tensor(x), am.tensor(v))
    np.testing.assert_allclose(hv_t.data, hv.data)


def test_hvp_of_quadratic_and_of_linear_function():
    A = rng(6).standard_normal((3, 3))
    x, v = rng(7).standard_normal(3), rng(8).standard_normal(3)
    _, hv = am.hvp(lambda t: t @ (am.tensor(A) @ t), x, v)
    np.testing.assert_allclose(hv.data, (A + A.T) @ v)
    _, hz = am.hvp(lambda t: (t * 2).sum(), x, v)  # zero Hessian
    np.testing.assert_array_equal(hz.data, np.zeros(3))


def test_jvp_matches_jacobian_times_v():
    x = rng(9).standard_normal(4)
    v = rng(10).standard_normal(4)
    out, jv = am.jvp(smooth, x, v)
    np.testing.assert_allclose(out.data, smooth(am.tensor(x)).data)
    np.testing.assert_allclose(jv.data, smooth_jacobian(x) @ v, rtol=1e-12)
    out_t, jv_t = am.jvp(smooth, am.tensor(x), am.tensor(v))
    np.testing.assert_allclose(jv_t.data, jv.data)


def test_jvp_linear_constant_and_matrix_shaped():
    A = rng(11).standard_normal((3, 2))
    x, v = np.array([0.3, 1.0]), np.array([1.0, 2.0])
    out, jv = am.jvp(lambda t: am.tensor(A) @ t, x, v)
    np.testing.assert_allclose(jv.data, A @ v)
    out, jz = am.jvp(lambda t: t * 0 + 1.0, x, v)
    np.testing.assert_array_equal(jz.data, np.zeros(2))
    X, V = rng(12).standard_normal((2, 3)), rng(13).standard_normal((2, 3))
    out, jm = am.jvp(lambda t: am.softmax(t, axis=1), X, V)
    J = am.jacobian(lambda t: am.softmax(t, axis=1))(X).data.reshape(6, 6)
    assert jm.shape == (2, 3)
    np.testing.assert_allclose(jm.data.reshape(-1), J @ V.reshape(-1), atol=1e-14)


def test_hvp_and_jvp_reject_v_of_wrong_shape():
    with pytest.raises(ValueError, match=r"jvp: v has shape \(2,\), x has shape \(3,\)"):
        am.jvp(am.sin, np.ones(3), np.ones(2))
    with pytest.raises(ValueError, match=r"hvp: v has shape \(3, 1\), x has shape \(3,\)"):
        am.hvp(lambda t: t.sum(), np.ones(3), np.ones((3, 1)))


@given(shape=hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=3), seed=st.integers(0, 1000))
@HYP
def test_jvp_and_hvp_agree_with_jacobian_and_hessian_hypothesis(shape, seed):
    r = rng(seed)
    x, v = r.standard_normal(shape), r.standard_normal(shape)
    W = am.tensor(r.standard_normal(shape))

    def f(t):
        return am.tanh(t * W) + am.softmax(t, axis=-1) * t

    def scalar(t):
        return (am.sigmoid(t) * t * W).sum() + am.logsumexp(t)

    n = x.size
    _, jv = am.jvp(f, x, v)
    J = am.jacobian(f)(x).data.reshape(n, n)
    np.testing.assert_allclose(jv.data.reshape(-1), J @ v.reshape(-1), rtol=1e-10, atol=1e-12)
    val, hv = am.hvp(scalar, x, v)
    H = am.hessian(scalar)(x).data.reshape(n, n)
    np.testing.assert_allclose(H, H.T, atol=1e-12)
    np.testing.assert_allclose(hv.data.reshape(-1), H @ v.reshape(-1), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(val.item(), scalar(am.tensor(x)).item())
    # and the Hessian against finite differences of the (exact) gradient
    g = am.grad(scalar)
    h = 1e-6
    col = (g(x + h * v).data - g(x - h * v).data) / (2 * h)
    np.testing.assert_allclose(hv.data, col, rtol=1e-5, atol=1e-7)


# -- higher order and nesting ----------------------------------------------------------------


@pytest.mark.parametrize("x", [-1.5, 0.5, 2.0])
def test_third_derivative_of_x_to_the_fourth(x):
    d3 = am.grad(am.grad(am.grad(lambda t: t**4)))(x)
    np.testing.assert_allclose(d3.item(), 24 * x)
    d4 = am.grad(am.grad(am.grad(am.grad(lambda t: t**4))))(x)
    np.testing.assert_allclose(d4.item(), 24.0)


def test_higher_derivatives_of_sin_cycle():
    x = 0.7
    f = lambda t: am.sin(t)  # noqa: E731
    expected = [np.cos(x), -np.sin(x), -np.cos(x), np.sin(x)]
    for k in range(4):
        f = am.grad(f)
        np.testing.assert_allclose(f(x).item(), expected[k], rtol=1e-12)


def test_nested_grad_of_a_two_variable_function():
    # f(x, y) = x^2 y^3 ; d/dy (d/dx f) = 6 x y^2
    def df_dx(x, y):
        return am.grad(lambda a: a * a * y**3)(x)

    mixed = am.grad(lambda y: df_dx(1.5, y), argnums=0)(-0.5)
    np.testing.assert_allclose(mixed.item(), 6 * 1.5 * 0.25)


def test_nested_grad_keeps_the_outer_variable_apart():
    # inner(x) = d/dy (x * y^2) at y = x  =  2 x^2 ;  d/dx inner = 4 x.
    def inner(x):
        return am.grad(lambda y: (x * y * y).sum())(x)

    out = am.grad(lambda x: inner(x).sum())(np.array(1.5))
    np.testing.assert_allclose(out.item(), 6.0)


def test_hessian_of_a_gradient_norm():
    # f(x) = |grad g(x)|^2 with g = sum(x^3) / 3: grad g = x^2, f = sum x^4, grad f = 4 x^3
    g = lambda t: (t**3).sum() / 3.0  # noqa: E731
    x = np.array([0.5, -1.0, 2.0])
    gf = am.grad(lambda t: (am.grad(g)(t) ** 2).sum())(x)
    np.testing.assert_allclose(gf.data, 4 * x**3)


def test_transforms_inside_backward_of_outer_graph():
    # a user-level graph that uses a transform's output keeps working with backward()
    w = am.tensor([1.0, 2.0], requires_grad=True)
    g = am.grad(lambda t: (t * w).sum() ** 2)(np.array([1.0, 1.0]))  # 2 (w.1) w
    g.sum().backward()
    # g.sum() = 2 (w1 + w2)^2, so d/dw_i = 4 (w1 + w2)
    np.testing.assert_allclose(w.grad.data, [12.0, 12.0])


# -- found by a review: silent wrong answers and NaNs the math does not have ----------


def test_grad_transform_under_no_grad_is_not_silently_zero():
    f = lambda x: (x ** 3).sum()
    with am.no_grad():
        g = am.grad(f)(np.array([1.0, 2.0]))
    np.testing.assert_allclose(g.data, [3.0, 12.0])


def test_hessian_jvp_hvp_under_no_grad_are_not_silently_zero():
    f = lambda x: (x ** 3).sum()
    x0 = np.array([1.0, 2.0])
    with am.no_grad():
        H = am.hessian(f)(x0)
        _, jv = am.jvp(lambda x: x ** 3, x0, np.ones(2))
        _, hv = am.hvp(f, x0, np.ones(2))
    np.testing.assert_allclose(H.data, np.diag(6 * x0))
    np.testing.assert_allclose(jv.data, 3 * x0 ** 2)
    np.testing.assert_allclose(hv.data, 6 * x0)


def test_jacobian_of_jvp_with_respect_to_tangent():
    x0 = np.array([1.0, 2.0])
    J = am.jacobian(lambda v: am.jvp(lambda z: z ** 4, x0, v)[1])(np.ones(2))
    np.testing.assert_allclose(J.data, np.diag(4 * x0 ** 3))


def test_grad_of_hvp_with_respect_to_vector():
    x0 = np.array([1.0, 2.0])
    g = am.grad(lambda v: am.hvp(lambda z: (z ** 4).sum(), x0, v)[1].sum())(np.ones(2))
    np.testing.assert_allclose(g.data, 12 * x0 ** 2)


def test_jacobian_of_empty_output_has_shape_zero_by_n():
    J = am.jacobian(lambda x: x[:0] * 2.0)(np.array([1.0, 2.0, 3.0]))
    assert J.shape == (0, 3)


def test_jacobian_tuple_argnums_gives_a_tuple_and_bad_ones_are_refused():
    Ja, Jb = am.jacobian(lambda a, b: a * b, argnums=(0, 1))(np.ones(2), np.full(2, 3.0))
    np.testing.assert_array_equal(Ja.numpy(), 3 * np.eye(2))
    np.testing.assert_array_equal(Jb.numpy(), np.eye(2))
    with pytest.raises(TypeError, match="jacobian: argnums must be an int or a tuple of ints"):
        am.jacobian(lambda a, b: a * b, argnums=(0, 1.0))(np.ones(2), np.ones(2))


def test_mixed_second_derivative_of_pow_at_a_zero_exponent():
    # d/dy d/dx x**y = x**(y-1) (1 + y log x): 1/x at y = 0, so the Hessian is symmetric.
    H = am.hessian(lambda v: v[0] ** v[1])(np.array([2.0, 0.0])).data
    np.testing.assert_allclose(H, [[0.0, 0.5], [0.5, np.log(2.0) ** 2]], rtol=1e-12, atol=1e-12)
    x, y = am.tensor(2.0, requires_grad=True), am.tensor(0.0, requires_grad=True)
    (gx,) = am.autograd.grad(x ** y, [x], create_graph=True)
    (gxy,) = am.autograd.grad(gx, [y])
    assert gxy.item() == pytest.approx(0.5, rel=1e-12)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: am.grad(lambda v: v.sum(), argnums=3)(np.ones(2)), ValueError,
         "grad: argnums 3 is out of range for a function called with 1 arguments"),
        (lambda: am.value_and_grad(lambda v: v.sum(), argnums=(0, -2))(np.ones(2)), ValueError,
         "value_and_grad: argnums -2 is out of range"),
        (lambda: am.jacobian(lambda v: v * 2, argnums=1)(np.ones(2)), ValueError, "jacobian: argnums 1 is out of range"),
        (lambda: am.grad(lambda v: v.sum(), argnums="0")(np.ones(2)), TypeError,
         "grad: argnums must be an int or a tuple of ints, got '0'"),
        (lambda: am.hessian(lambda v: v * v)(np.ones(2)), ValueError,
         "hessian: the function must return a single-element tensor, got shape (2,)"),
        (lambda: am.hessian(lambda v: v.sum(), argnums=2)(np.ones(2)), ValueError, "hessian: argnums 2 is out of range"),
        (lambda: am.jacobian(lambda v: 3.0)(np.ones(2)), TypeError,
         "jacobian: the function must return a Tensor, got float"),
        (lambda: am.jvp(lambda v: [v], np.ones(2), np.ones(2)), TypeError,
         "jvp: the function must return a Tensor, got list"),
        # (one argument twice gave gradients of a plain input that carried a graph)
        (lambda: am.grad(lambda v: (v * v).sum(), argnums=(0, 0))(np.ones(2)), ValueError,
         "grad: argnums (0, 0) names argument 0 twice"),
        (lambda: am.value_and_grad(lambda u, v: (u * v).sum(), argnums=(1, -1))(np.ones(2), np.ones(2)),
         ValueError, "value_and_grad: argnums (1, -1) names argument 1 twice"),
        # (f ran on the raw ndarrays: "grad: the function must return a Tensor, got float64")
        (lambda: am.grad(lambda u, v: (u * v).sum(), argnums=())(np.ones(2), np.ones(2)), ValueError,
         "grad: argnums is empty"),
        # (named "transform:", or numpy's bare ValueError for a ragged v)
        (lambda: am.grad(lambda v: v.sum())(None), TypeError, "grad: data must be numeric"),
        (lambda: am.hessian(lambda v: v.sum())("ab"), TypeError, "hessian: data must be numeric"),
        (lambda: am.jvp(lambda v: v, [[1.0], []], [1.0]), TypeError, "jvp: cannot make a numeric tensor"),
        (lambda: am.jvp(lambda v: v, np.ones(2), [[1.0], []]), TypeError, "jvp: cannot make a numeric tensor"),
        (lambda: am.hvp(lambda v: v.sum(), np.ones(2), [[1.0], []]), TypeError, "hvp: cannot make a numeric tensor"),
    ],
)
def test_transform_errors_name_the_transform(call, error, message):
    with pytest.raises(error, match="^" + re.escape(message)):
        call()


# -- found by a mutation test -----------------------------------------------------------------


def test_jacobian_at_a_tensor_requiring_grad_has_the_out_by_in_shape_and_a_graph():
    # With grad mode on and x requiring grad, the Jacobian is recorded (an outer
    # derivative may follow): the rows are stacked as tensors, then shaped (out, in).
    A = np.arange(6.0).reshape(2, 3) - 2.0
    x = am.tensor([0.5, -1.0, 2.0], requires_grad=True)
    f = lambda x: am.tensor(A) @ x * x.sum()  # noqa: E731   J = A s + (A x) 1^T
    J = am.jacobian(f)(x)
    s = x.data.sum()
    want = A * s + np.outer(A @ x.data, np.ones(3))
    assert J.shape == (2, 3) and J.requires_grad
    np.testing.assert_allclose(J.data, want, rtol=1e-13)
    # d/dx of sum(J) = sum_ij (A_ij s + (A x)_i): each x_k contributes sum(A) + 3 sum_i A_ik
    (g,) = am.autograd.grad(J.sum(), [x])
    np.testing.assert_allclose(g.data, A.sum() + 3 * A.sum(axis=0), rtol=1e-13)


def test_transforms_of_plain_inputs_return_tensors_without_a_graph():
    f = lambda x: (x**3).sum()  # noqa: E731
    x, v = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    value, hv = am.hvp(f, x, v)
    np.testing.assert_allclose(hv.data, 6 * x * v)
    value2, jv = am.jvp(lambda x: x**3, x, v)
    np.testing.assert_allclose(jv.data, 3 * x**2 * v)
    results = [value, hv, value2, jv, am.grad(f)(x), am.hessian(f)(x), am.jacobian(lambda x: x**3)(x)]
    for t in results:
        assert not t.requires_grad and t.grad_fn is None


def test_derivatives_of_a_constant_have_the_documented_shapes_and_dtype():
    x = np.array([1.0, 2.0], np.float32)
    const = lambda x: am.ones(3, dtype=np.float32)  # noqa: E731   (does not use x)
    J = am.jacobian(const)(x)
    assert J.shape == (3, 2) and J.dtype == np.float32 and not J.data.any()
    value, jv = am.jvp(const, x, np.ones(2, np.float32))
    assert jv.shape == value.shape == (3,) and not jv.data.any()


def test_a_transform_of_an_inner_transform_of_plain_inputs_returns_no_graph():
    # The inner transform's own variable (made from the plain 3.0 or x) is private to it:
    # once it has returned nobody can differentiate with respect to it, so the outer
    # transform must not take it for an outer variable and record its backward pass.
    x = np.array([1.0, 2.0])
    results = [
        am.grad(lambda a: am.grad(lambda t: a * t**2)(3.0))(2.0),  # d/da 2 a t = 2 t = 6
        am.grad(lambda a: am.hessian(lambda t: (a * t**3).sum())(x).sum())(2.0),  # 6 sum(x)
        am.grad(lambda a: am.jvp(lambda t: a * t**2, x, np.ones(2))[1].sum())(2.0),  # 2 sum(x)
        am.grad(lambda a: am.hvp(lambda t: (a * t**3).sum(), x, np.ones(2))[1].sum())(2.0),
        am.jacobian(lambda a: am.grad(lambda t: (a * t**2).sum())(x))(np.array([2.0, 3.0])),
    ]
    wants = [6.0, 6 * x.sum(), 2 * x.sum(), 6 * x.sum(), np.diag(2 * x)]
    for got, want in zip(results, wants):
        np.testing.assert_allclose(got.data, want, rtol=1e-13)
        assert not got.requires_grad and got.grad_fn is None
    # a tensor requiring grad that f closes over still gets a recorded gradient
    w = am.tensor(2.0, requires_grad=True)
    g = am.grad(lambda a: am.grad(lambda t: w * a * t**2)(3.0))(2.0)
    assert g.requires_grad
    (dw,) = am.autograd.grad(g, [w])
    np.testing.assert_allclose(dw.data, 6.0)


def test_a_value_that_is_an_outer_variable_returned_unchanged_keeps_its_graph():
    # f ignores its own variable and returns a tensor requiring grad as it is (a leaf):
    # the value a transform returns must still carry it, or an outer derivative through
    # the value is silently 0 (d/dw of value(w) = w is 1).
    assert am.grad(lambda w: am.value_and_grad(lambda x: w)(1.0)[0])(2.0).item() == 1.0
    assert am.grad(lambda w: am.jvp(lambda x: w, 1.0, 1.0)[0])(2.0).item() == 1.0
    assert am.grad(lambda w: am.hvp(lambda x: w, 1.0, 1.0)[0])(2.0).item() == 1.0
    w = am.tensor(2.0, requires_grad=True)
    value, g = am.value_and_grad(lambda x: w)(1.0)
    assert value.requires_grad and g.item() == 0.0
    (dw,) = am.autograd.grad(value, [w])
    assert dw.item() == 1.0
    # the transform's own variable returned unchanged is still no outer variable
    value, g = am.value_and_grad(lambda x: x)(1.0)
    assert not value.requires_grad and g.item() == 1.0
