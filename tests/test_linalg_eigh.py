"""am.linalg.eigh and eigvalsh: values against numpy (and a naive oracle: A v = w v,
V^T V = I), gradients first and second order in float64 on batched symmetric matrices
with well-separated eigenvalues (through losses that do not depend on the eigenvectors'
signs), the closed form at repeated eigenvalues, the refusal of an eigenvector gradient
there, only the UPLO triangle read, errors, and an am.compile replay."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from test_linalg import refused_before_recording
from test_linalg import assert_replay_is_eager

L = am.linalg


def separated(batch, n, seed=0, noise_above=True):
    """Q diag(1, 2, 4, ...) Q^T (Q random orthogonal, one per matrix), plus (by default)
    noise above the diagonal, which UPLO='L' does not read."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal(batch + (n, n)))
    a = (q * 2.0 ** np.arange(n)) @ np.swapaxes(q, -1, -2)
    a = (a + np.swapaxes(a, -1, -2)) / 2
    return a + np.triu(rng.standard_normal(a.shape), 1) if noise_above else a


def sym_from(a, uplo):
    """The symmetric matrix numpy's eigh sees: A's UPLO triangle mirrored (a loop)."""
    out = np.array(a, dtype=np.float64)
    n = a.shape[-1]
    for i in range(n):
        for j in range(n):
            if (uplo == "L" and j > i) or (uplo == "U" and j < i):
                out[..., i, j] = a[..., j, i]
    return out


@pytest.mark.parametrize("uplo", ["L", "U", "l"])
@pytest.mark.parametrize("shape", [(1, 1), (3, 3), (2, 4, 4), (2, 1, 3, 3)])
def test_values_equal_numpys_and_solve_the_eigenproblem(shape, uplo):
    a = separated(shape[:-2], shape[-1], seed=3)
    a = a + np.tril(np.random.default_rng(4).standard_normal(a.shape), -1) if uplo == "U" else a
    w, v = L.eigh(am.tensor(a), UPLO=uplo)
    w_np, v_np = np.linalg.eigh(a, UPLO=uplo)
    assert np.array_equal(w.data, w_np) and np.array_equal(v.data, v_np)
    assert w.shape == shape[:-1] and v.shape == shape
    s = sym_from(a, uplo.upper())
    for i in np.ndindex(shape[:-2]):
        assert np.all(np.diff(w.data[i]) >= 0)
        for k in range(shape[-1]):
            np.testing.assert_allclose(s[i] @ v.data[i][:, k], w.data[i][k] * v.data[i][:, k], atol=1e-12)
        np.testing.assert_allclose(v.data[i].T @ v.data[i], np.eye(shape[-1]), atol=1e-12)
    np.testing.assert_allclose(L.eigvalsh(a, uplo).data, np.linalg.eigvalsh(a, UPLO=uplo), atol=1e-12)
    r = L.eigh(a)
    assert r.eigenvalues is not None and r.eigenvectors.shape == shape


def test_float32_stays_float32():
    a = separated((2,), 3, seed=1).astype(np.float32)
    w, v = L.eigh(am.tensor(a, requires_grad=True))
    assert w.dtype == v.dtype == np.float32


def sign_free(B):
    """A loss of (w, V) that does not depend on the eigenvectors' signs: sum_i w_i^2 / 4
    + sum_i (v_i^T B v_i)^2, plus the squares of V's entries weighted by w."""
    def loss(w, v):
        quad = (v * (B @ v)).sum(-2)  # v_i^T B v_i, shape (..., n)
        return (w ** 2 / 4).sum() + (quad ** 2).sum() + (v ** 2 * w[..., None, :]).sum()
    return loss


@pytest.mark.parametrize("uplo", ["L", "U"])
@pytest.mark.parametrize("shape", [(1, 1), (2, 2), (3, 3), (2, 3, 3), (2, 1, 4, 4)])
def test_gradients_first_and_second_order(shape, uplo):
    a = separated(shape[:-2], shape[-1], seed=sum(shape))
    B = np.random.default_rng(5).standard_normal(shape[-2:])
    B = B + B.T
    loss = sign_free(B)
    f = lambda x: loss(*L.eigh(x, uplo))
    assert am.gradcheck(f, [a]) and am.gradgradcheck(f, [a])
    g = lambda x: (L.eigvalsh(x, uplo) ** 3).sum()
    assert am.gradcheck(g, [a]) and am.gradgradcheck(g, [a])


@settings(max_examples=8, deadline=None)
@given(n=st.integers(1, 4), batch=st.sampled_from([(), (2,), (1, 2)]), seed=st.integers(0, 2**32 - 1),
       uplo=st.sampled_from(["L", "U"]))
def test_gradients_hypothesis(n, batch, seed, uplo):
    a = separated(batch, n, seed)
    f = lambda x: (lambda w, v: (v ** 2 * w[..., None, :].sin()).sum())(*L.eigh(x, uplo))
    assert am.gradcheck(f, [a]) and am.gradgradcheck(f, [a])


def test_the_gradient_is_zero_on_the_triangle_not_read_and_sums_the_symmetric_pair():
    # For a symmetric A read below the diagonal, an entry (i, j), i > j, stands for both
    # A_ij and A_ji: its gradient is S_ij + S_ji with S the symmetric-perturbation gradient.
    a = separated((), 4, seed=7, noise_above=False)
    x = am.tensor(a, requires_grad=True)
    (L.eigvalsh(x) * np.array([1.0, -2.0, 0.5, 3.0])).sum().backward()
    w, v = np.linalg.eigh(a)
    s = v @ np.diag([1.0, -2.0, 0.5, 3.0]) @ v.T
    expected = np.tril(2 * s, -1) + np.diag(np.diag(s))
    np.testing.assert_allclose(x.grad.data, expected, atol=1e-12)
    y = am.tensor(a, requires_grad=True)
    (L.eigvalsh(y, "U") * np.array([1.0, -2.0, 0.5, 3.0])).sum().backward()
    np.testing.assert_allclose(y.grad.data, expected.T, atol=1e-12)


def closed_triangle(s):
    return np.tril(s + np.swapaxes(s, -1, -2), -1) + np.eye(s.shape[-1]) * s


def test_eigvalsh_gradient_at_repeated_eigenvalues_is_the_closed_form():
    # A function of the spectrum (trace, sum of squares = ||A||_F^2) is differentiable
    # where eigenvalues repeat: d tr A = I, d sum w^2 = 2 A.
    q, _ = np.linalg.qr(np.random.default_rng(8).standard_normal((4, 4)))
    for a in (np.eye(3), 2.5 * np.eye(4), q @ np.diag([1.0, 1.0, 1.0, 3.0]) @ q.T):
        for fn, grad in ((lambda w: w.sum(), np.eye(len(a))), (lambda w: (w ** 2).sum(), 2 * a)):
            x = am.tensor(a, requires_grad=True)
            fn(L.eigvalsh(x)).backward()
            assert np.all(np.isfinite(x.grad.data))
            np.testing.assert_allclose(x.grad.data, closed_triangle(grad), atol=1e-12)
            x.grad = None
            fn(L.eigh(x)[0]).backward()  # (eigh's eigenvalues alone: the same)
            np.testing.assert_allclose(x.grad.data, closed_triangle(grad), atol=1e-12)
    # any w_bar: V diag(w_bar) V^T along numpy's eigenvectors (at I, V = I)
    x = am.tensor(np.eye(3), requires_grad=True)
    (L.eigvalsh(x) * np.array([1.0, 2.0, 3.0])).sum().backward()
    v = np.linalg.eigh(np.eye(3))[1]
    np.testing.assert_allclose(x.grad.data, closed_triangle(v @ np.diag([1.0, 2.0, 3.0]) @ v.T), atol=1e-15)


@pytest.mark.parametrize("a", [np.eye(3), np.diag([1.0, 2.0, 2.0]),
                               np.array([[2.0, 1.0, 0.0], [1.0, 2.0, 0.0], [0.0, 0.0, 3.0]])])
def test_eigenvector_gradient_at_repeated_eigenvalues_is_refused_not_wrong(a):
    # ([[2, 1, 0], [1, 2, 0], [0, 0, 3]] has eigenvalues 1, 3, 3, the 3s equal only to rounding.)
    B = np.array([[1.0, 0.5, -1.0], [0.5, 2.0, 0.3], [-1.0, 0.3, 3.0]])
    x = am.tensor(a, requires_grad=True)
    with pytest.raises(np.linalg.LinAlgError, match=r"eigh backward.*\(3, 3\).*equal eigenvalues"):
        sign_free(B)(*L.eigh(x)).backward()
    assert x.grad is None
    with pytest.raises(np.linalg.LinAlgError, match="equal eigenvalues"):
        am.autograd.grad(sign_free(B)(*L.eigh(x)), [x], create_graph=True)


def test_eigenvalues_equal_up_to_rounding_of_a_formed_matrix_count_as_equal():
    # Q I Q^T formed in float64: its eigenvalues (numpy's) are 4.5 eps apart, more than
    # n * eps; the eigenvector gradient (1/gap ~ 1e14) would be rounding noise.
    a = np.array([[0.9999999999999992, 3.796713023948806e-16],
                  [3.796713023948806e-16, 0.9999999999999998]])
    x = am.tensor(a, requires_grad=True)
    with pytest.raises(np.linalg.LinAlgError, match="equal eigenvalues"):
        w, v = L.eigh(x)
        ((v[..., 0] ** 2) * np.array([0.0, 1.0])).sum().backward()
    x = am.tensor(a, requires_grad=True)
    (L.eigvalsh(x) ** 2).sum().backward()  # (the spectrum's functions still have one: 2 A)
    np.testing.assert_allclose(x.grad.data, closed_triangle(2 * a), atol=1e-14)


def test_second_derivative_of_eigvalsh_is_the_eigenvector_term():
    # d^2 w_k / dA^2 involves 1/(w_k - w_j): the Hessian of sum(w^3) by finite differences.
    a = separated((), 3, seed=9, noise_above=False)
    assert am.gradgradcheck(lambda x: (L.eigvalsh(x) ** 3).sum(), [a])
    hess = am.hessian(lambda x: (L.eigvalsh(x) ** 3).sum())(a)
    assert np.all(np.isfinite(np.asarray(getattr(hess, "data", hess))))


BAD = [
    (lambda: L.eigh(am.tensor(np.ones((2, 3)), requires_grad=True)), ValueError, r"eigh.*square.*\(2, 3\)"),
    (lambda: L.eigh(am.tensor(np.ones(3), requires_grad=True)), ValueError, r"eigh.*\(3,\)"),
    (lambda: L.eigvalsh(am.tensor(np.ones((4, 2, 3)), requires_grad=True)), ValueError, r"eigvalsh.*\(4, 2, 3\)"),
    (lambda: L.eigh(am.tensor(np.eye(3, dtype=int))), TypeError, r"eigh.*\(3, 3\).*int64"),
    (lambda: L.eigvalsh(am.tensor(np.eye(2, dtype=np.float16), requires_grad=True)), TypeError,
     r"eigvalsh.*\(2, 2\).*float16"),
    (lambda: L.eigh(am.tensor(np.eye(2), requires_grad=True), UPLO="X"), ValueError, r"eigh.*UPLO.*'X'"),
    (lambda: L.eigvalsh(am.tensor(np.eye(2), requires_grad=True), UPLO=None), TypeError, r"eigvalsh.*UPLO.*None"),
    (lambda: L.eigh(am.tensor(np.eye(2), requires_grad=True), "LU"), ValueError, r"eigh.*UPLO"),
]


@pytest.mark.parametrize("call, kind, match", BAD)
def test_bad_input_is_refused_naming_the_function_and_shapes_before_recording(call, kind, match):
    refused_before_recording(call, kind, match)


def test_compiled_eigh_replays_eager_bit_for_bit():
    def fn(A, c, B):
        w, v = L.eigh(A @ A.transpose() + c)
        return sign_free(B)(w, v) + L.eigvalsh(A + A.transpose(), "U").exp().sum()

    step = am.compile(fn)
    for seed in range(3):
        rng = np.random.default_rng(seed)
        values = [rng.standard_normal((3, 3)), np.diag([0.0, 5.0, 10.0]) + 0.1 * rng.standard_normal((3, 3)),
                  rng.standard_normal((3, 3))]
        assert_replay_is_eager(fn, step, values)
    assert step.recordings == 1
