"""am.func: torch.func's grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian, vmap,
checked against analytic derivatives written here (and loops, for vmap)."""

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import func as F

R = np.random.default_rng(7)
A = R.standard_normal((3, 4))
S = R.standard_normal((4, 4))
X0 = R.standard_normal(4)


def close(a, b):
    np.testing.assert_allclose(np.asarray(a.data if isinstance(a, am.Tensor) else a), b, rtol=1e-12, atol=1e-12)


def t(a):
    return am.tensor(np.asarray(a, dtype=np.float64))


# ---------------------------------------------------------------- grad, grad_and_value

def test_grad_of_a_quadratic_form_and_grad_and_value_order():
    f = lambda x: x @ t(S) @ x  # noqa: E731
    g = F.grad(f)(t(X0))
    close(g, (S + S.T) @ X0)
    assert not g.requires_grad
    gv = F.grad_and_value(f)(t(X0))
    close(gv[0], (S + S.T) @ X0)            # torch's order: (grad, value)
    close(gv[1], X0 @ S @ X0)
    assert not gv[1].requires_grad


def test_grad_tuple_argnums_and_has_aux():
    def f(x, y):
        return (x * y).sum() * 2, {"aux": x + 1}
    x, y = t([1.0, 2.0]), t([3.0, -1.0])
    (gx, gy), aux = F.grad(f, argnums=(0, 1), has_aux=True)(x, y)
    close(gx, 2 * y.data)
    close(gy, 2 * x.data)
    close(aux["aux"], x.data + 1)
    (gy2, (value, aux2)) = F.grad_and_value(f, argnums=1, has_aux=True)(x, y)
    close(gy2, 2 * x.data)
    close(value, 2 * (x.data * y.data).sum())
    assert not aux2["aux"].requires_grad
    g_neg = F.grad(lambda x, y: (x * y).sum(), argnums=-1)(x, y)
    close(g_neg, x.data)


def test_grad_of_a_pytree_keeps_its_structure():
    def f(p):
        return (p["w"] ** 2).sum() + (p["pair"][0] * p["pair"][1]).sum() + p["list"][0].sum() * 3
    a, b, c, w = t([1.0, 2.0]), t([3.0, 4.0]), t(np.ones((2, 2))), t([0.5, -1.0, 2.0])
    g = F.grad(f)({"w": w, "pair": (a, b), "list": [c]})
    assert set(g) == {"w", "pair", "list"}
    assert isinstance(g["pair"], tuple) and isinstance(g["list"], list)
    close(g["w"], 2 * w.data)
    close(g["pair"][0], b.data)
    close(g["pair"][1], a.data)
    close(g["list"][0], 3 * np.ones((2, 2)))


def test_grad_of_an_unused_argument_is_zeros():
    g = F.grad(lambda x, y: x.sum(), argnums=1)(t([1.0]), t([[1.0, 2.0]]))
    close(g, np.zeros((1, 2)))


def test_grad_nests_for_higher_derivatives():
    f = lambda x: (x ** 3).sum()  # noqa: E731
    x = t([1.0, -2.0, 0.5])
    close(F.grad(lambda x: F.grad(f)(x).sum())(x), 6 * x.data)
    close(F.grad(F.grad(lambda s: s ** 4))(t(1.5)), 12 * 1.5 ** 2)


# ---------------------------------------------------------------- vjp, jvp

def test_vjp_of_a_linear_map_is_the_transpose():
    out, fn = F.vjp(lambda x: t(A) @ x, t(X0))
    close(out, A @ X0)
    u = R.standard_normal(3)
    (g,) = fn(t(u))
    close(g, A.T @ u)
    (g2,) = fn(t(2 * u))  # (may be called again)
    close(g2, 2 * A.T @ u)
    assert not out.requires_grad and not g.requires_grad


def test_vjp_with_pytrees_and_aux():
    def f(p, s):
        return {"y": p["a"] * s, "z": (p["b"],)}, s * 10
    a, b, s = t([1.0, 2.0]), t([3.0]), t([5.0, 6.0])
    out, fn, aux = F.vjp(f, {"a": a, "b": b}, s, has_aux=True)
    close(aux, s.data * 10)
    gp, gs = fn({"y": t([1.0, 1.0]), "z": (t([2.0]),)})
    close(gp["a"], s.data)
    close(gp["b"], [2.0])
    close(gs, a.data)


def test_vjp_errors_name_the_cotangent_shapes():
    _, fn = F.vjp(lambda x: x * 2, t(X0))
    with pytest.raises(ValueError, match=r"vjp_fn: cotangents leaf 0 has shape \(3,\), the output has shape \(4,\)"):
        fn(t([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="vjp_fn: cotangents must have the structure"):
        fn((t(X0),))


def test_jvp_is_J_v():
    v = R.standard_normal(4)
    out, jv = F.jvp(lambda x: t(A) @ am.sin(x), (t(X0),), (t(v),))
    close(out, A @ np.sin(X0))
    close(jv, A @ (np.cos(X0) * v))
    assert not jv.requires_grad


def test_jvp_of_several_primals_pytree_output_and_aux():
    def f(x, y):
        return (x * y, (x ** 2).sum()), y.sum()
    x, y, vx, vy = t([1.0, 2.0]), t([3.0, 4.0]), t([1.0, 0.0]), t([0.0, 2.0])
    (o1, o2), (j1, j2), aux = F.jvp(f, (x, y), (vx, vy), has_aux=True)
    close(j1, vx.data * y.data + x.data * vy.data)
    close(j2, (2 * x.data * vx.data).sum())
    close(aux, 7.0)


def test_jvp_refuses_non_tuples_and_mismatched_tangents():
    x = t(X0)
    with pytest.raises(TypeError, match="jvp: primals must be a tuple"):
        F.jvp(lambda a: a, x, (x,))
    with pytest.raises(ValueError, match=r"jvp: tangents leaf 0 has shape \(2,\), the primals has shape \(4,\)"):
        F.jvp(lambda a: a, (x,), (t([1.0, 2.0]),))
    with pytest.raises(ValueError, match="jvp: tangents must have the structure of the primals"):
        F.jvp(lambda a, b: a, (x, x), (x,))


# ---------------------------------------------------------------- jacrev, jacfwd, hessian

@pytest.mark.parametrize("jac", [F.jacrev, F.jacfwd])
def test_jacobian_of_a_linear_map_is_the_matrix(jac):
    J = jac(lambda x: t(A) @ x)(t(X0))
    close(J, A)
    assert not J.requires_grad


@pytest.mark.parametrize("jac", [F.jacrev, F.jacfwd])
def test_jacobian_shape_is_output_shape_plus_input_shape(jac):
    B = R.standard_normal((3, 2))
    Xm = R.standard_normal((4, 3))
    J = jac(lambda X: X @ t(B))(t(Xm))      # out (4, 2), in (4, 3)
    assert J.shape == (4, 2, 4, 3)
    want = np.zeros((4, 2, 4, 3))
    for i in range(4):
        for j in range(2):
            for m in range(3):
                want[i, j, i, m] = B[m, j]
    close(J, want)


@pytest.mark.parametrize("jac", [F.jacrev, F.jacfwd])
def test_jacobian_tuple_argnums_pytree_output_and_aux(jac):
    x, y = t([1.0, 2.0, 3.0]), t([0.5, -1.0])
    def f(x, y):
        return {"p": x * y.sum(), "q": y ** 2}, x.sum()
    J, aux = jac(f, argnums=(0, 1), has_aux=True)(x, y)
    close(aux, 6.0)
    close(J["p"][0], np.eye(3) * y.data.sum())
    close(J["p"][1], np.outer(x.data, np.ones(2)))
    close(J["q"][0], np.zeros((2, 3)))
    close(J["q"][1], np.diag(2 * y.data))
    Jd = jac(lambda d: d["a"] * d["b"][0])({"a": x, "b": [y[:1] * 0 + 2.0]})
    close(Jd["a"], 2 * np.eye(3))
    close(Jd["b"][0], x.data[:, None])


def test_jacfwd_equals_jacrev_on_a_nonlinear_function():
    f = lambda x: am.tanh(t(A) @ x) * x[:3]  # noqa: E731
    close(F.jacfwd(f)(t(X0)), F.jacrev(f)(t(X0)).data)


def test_hessian_of_a_quadratic_form_is_A_plus_At():
    f = lambda x: x @ t(S) @ x  # noqa: E731
    close(F.hessian(f)(t(X0)), S + S.T)
    close(F.jacrev(F.jacrev(f))(t(X0)), S + S.T)
    close(F.jacfwd(F.jacfwd(f))(t(X0)), S + S.T)


def test_hessian_tuple_argnums_blocks_and_am_hessian_agrees():
    # f(W, b) = 0.5 |W x + b|^2: H_WW = I (x) x x^T, H_Wb[i, j, k] = delta_ik x_j, H_bb = I
    x = R.standard_normal(3)
    W, b = t(R.standard_normal((2, 3))), t(R.standard_normal(2))
    f = lambda W, b: 0.5 * ((W @ t(x) + b) ** 2).sum()  # noqa: E731
    HWW = np.einsum("ik,jl->ijkl", np.eye(2), np.outer(x, x))
    HWb = np.einsum("ik,j->ijk", np.eye(2), x)
    for H in (F.hessian(f, argnums=(0, 1))(W, b), am.hessian(f, argnums=(0, 1))(W, b)):
        (hww, hwb), (hbw, hbb) = H
        assert hww.shape == (2, 3, 2, 3) and hwb.shape == (2, 3, 2) and hbw.shape == (2, 2, 3)
        close(hww, HWW)
        close(hwb, HWb)
        close(hbw, HWb.transpose(2, 0, 1))
        close(hbb, np.eye(2))


def test_am_jacobian_tuple_argnums_is_a_tuple_of_jacobians():
    Ja, Jb = am.jacobian(lambda a, b: a * b, argnums=(0, 1))(np.array([1.0, 2.0]), [3.0, 4.0])
    close(Ja, np.diag([3.0, 4.0]))
    close(Jb, np.diag([1.0, 2.0]))


# ---------------------------------------------------------------- vmap

def test_vmap_in_dims_none_and_negative_and_out_dims():
    Xm = R.standard_normal((5, 4))
    y = F.vmap(lambda x, M: M @ x, in_dims=(0, None))(t(Xm), t(A))
    close(y, Xm @ A.T)
    y = F.vmap(lambda x: x * 2, in_dims=-1, out_dims=-1)(t(Xm.T))
    close(y, 2 * Xm.T)
    y = F.vmap(lambda x: x.sum(), in_dims=1)(t(Xm))
    close(y, Xm.sum(0))
    y = F.vmap(lambda x: am.outer(x, x), out_dims=1)(t(Xm))
    assert y.shape == (4, 5, 4)
    close(y, np.stack([np.outer(r, r) for r in Xm], axis=1))


def test_vmap_pytrees_in_and_out():
    a, b = R.standard_normal((3, 2)), R.standard_normal((2, 3))
    def f(d, k):
        return {"s": d["a"] + d["b"][0] * k}, d["a"].sum()
    out, s = F.vmap(f, in_dims=({"a": 0, "b": [1]}, None), out_dims=({"s": 1}, 0))({"a": t(a), "b": [t(b)]}, t(2.0))
    close(out["s"], (a + b.T * 2).T)
    close(s, a.sum(1))


def test_vmap_of_grad_gives_per_sample_gradients():
    w = t(R.standard_normal(4))
    Xm, yv = R.standard_normal((6, 4)), R.standard_normal(6)
    loss = lambda w, x, y: (am.tanh(x @ w) - y) ** 2  # noqa: E731
    per = F.vmap(F.grad(loss), in_dims=(None, 0, 0))(w, t(Xm), t(yv))
    for i in range(6):  # the oracle: d/dw (tanh(x.w) - y)^2 = 2 (tanh - y) (1 - tanh^2) x
        th = np.tanh(Xm[i] @ w.data)
        close(per[i], 2 * (th - yv[i]) * (1 - th ** 2) * Xm[i])


def test_vmap_is_differentiable_through_the_slices_and_the_stack():
    Xm = R.standard_normal((5, 4))
    g = F.grad(lambda w: (F.vmap(lambda x: (w * x).sum() ** 2)(t(Xm))).sum())(t(X0))
    close(g, 2 * (Xm @ X0) @ Xm)


def test_vmap_randomness_and_chunk_size():
    am.manual_seed(0)
    with pytest.raises(RuntimeError, match="vmap: func drew random numbers while randomness='error'"):
        F.vmap(lambda x: x + am.rand(2))(am.zeros((3, 2)))
    same = F.vmap(lambda x: x + am.rand(2), randomness="same")(am.zeros((3, 2)))
    close(same, np.broadcast_to(same.data[0], (3, 2)))
    diff = F.vmap(lambda x: x + am.rand(2), randomness="different")(am.zeros((3, 2)))
    assert not np.allclose(diff.data[0], diff.data[1])
    Xm = t(R.standard_normal((5, 2)))
    np.testing.assert_array_equal(F.vmap(am.exp, chunk_size=2)(Xm).data, F.vmap(am.exp)(Xm).data)


def test_vmap_errors_name_vmap_and_the_sizes():
    with pytest.raises(ValueError, match=r"vmap: the mapped axes have different sizes \[4, 5\]"):
        F.vmap(lambda a, b: a + b)(am.zeros((4, 3)), am.zeros((5, 3)))
    with pytest.raises(ValueError, match=r"vmap: in_dim 2 is out of range for an input of shape \(4, 3\)"):
        F.vmap(lambda a: a, in_dims=2)(am.zeros((4, 3)))
    with pytest.raises(ValueError, match="vmap: in_dims has 2 entries for 1 positional arguments"):
        F.vmap(lambda a: a, in_dims=(0, 0))(am.zeros((4, 3)))
    with pytest.raises(TypeError, match="vmap: in_dims maps input leaf 1 along axis 0, but it is a float"):
        F.vmap(lambda a, k: a * k)(am.zeros((4, 3)), 2.0)
    with pytest.raises(TypeError, match="vmap: func must return Tensors"):
        F.vmap(lambda a: 3.0)(am.zeros(4))
    with pytest.raises(ValueError, match="vmap: the mapped axes have size 0"):
        F.vmap(lambda a: a)(am.zeros((0, 3)))
    with pytest.raises(ValueError, match="vmap: randomness must be one of"):
        F.vmap(lambda a: a, randomness="maybe")
    with pytest.raises(ValueError, match="vmap: chunk_size must be None or a positive int"):
        F.vmap(lambda a: a, chunk_size=0)


# ---------------------------------------------------------------- errors

@pytest.mark.parametrize("transform", [F.grad, F.grad_and_value, F.jacrev, F.jacfwd, F.hessian])
def test_bad_argnums_are_refused_naming_the_transform(transform):
    name = transform.__name__
    x = t([1.0, 2.0])
    with pytest.raises(ValueError, match=f"{name}: argnums 2 is out of range"):
        transform(lambda a: a.sum(), argnums=2)(x)
    with pytest.raises(ValueError, match=f"{name}: argnums .* names argument 0 twice"):
        transform(lambda a, b: a.sum(), argnums=(0, -2))(x, x)
    with pytest.raises(TypeError, match=f"{name}: argnums must be an int or a tuple of ints"):
        transform(lambda a: a.sum(), argnums=0.5)(x)


def test_non_tensor_and_non_scalar_outputs_are_refused():
    x = t([1.0, 2.0])
    with pytest.raises(TypeError, match="grad: the function must return a Tensor, got float"):
        F.grad(lambda a: 3.0)(x)
    with pytest.raises(ValueError, match=r"grad: the function must return a single-element tensor, got shape \(2,\)"):
        F.grad(lambda a: a)(x)
    with pytest.raises(TypeError, match="grad: with has_aux=True the function must return a tuple"):
        F.grad(lambda a: a.sum(), has_aux=True)(x)
    with pytest.raises(TypeError, match="jacrev: the function must return a Tensor or a pytree of Tensors, found a float"):
        F.jacrev(lambda a: (a, 3.0))(x)
    with pytest.raises(TypeError, match="vjp: the function must return a Tensor or a pytree of Tensors"):
        F.vjp(lambda a: 1, x)
    with pytest.raises(TypeError, match="grad: argument 0 must be a Tensor or a pytree"):
        F.grad(lambda a: a)(3.0)
