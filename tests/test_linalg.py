"""am.linalg: solve, slogdet, det, inv, cholesky, norm -- values against numpy.linalg
(matrix by matrix, in loops), gradients first and second order in float64 on plain and
batched shapes, errors, singular matrices, an am.compile replay, and the applied-maths
example: the gradient of a Gaussian negative log-likelihood."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini.engine import node_counter

L = am.linalg


def well_conditioned(shape, seed=0):
    """Square matrices (..., n, n): M + (n + 1) I, M uniform in [-1, 1], rows signed at random."""
    rng = np.random.default_rng(seed)
    n = shape[-1]
    m = rng.uniform(-1, 1, shape) + (n + 1) * np.eye(n)
    return m * rng.choice([-1.0, 1.0], size=shape[:-1] + (1,))


def spd(shape, seed=0):
    """Symmetric positive definite (..., n, n): M M^T + n I."""
    m = np.random.default_rng(seed).uniform(-1, 1, shape)
    return m @ np.swapaxes(m, -1, -2) + shape[-1] * np.eye(shape[-1])


def check_both(f, *inputs):
    assert am.gradcheck(f, list(inputs))
    assert am.gradgradcheck(f, list(inputs))


def loop_solve(a, b):
    """The numpy oracle: np.linalg.solve one matrix at a time, B (n,) as one vector."""
    vector = b.ndim == 1
    batch = np.broadcast_shapes(a.shape[:-2], () if vector else b.shape[:-2])
    ab = np.broadcast_to(a, batch + a.shape[-2:])
    bb = b if vector else np.broadcast_to(b, batch + b.shape[-2:])
    out = np.empty(batch + (b.shape if vector else b.shape[-2:]))
    for i in np.ndindex(batch):
        out[i] = np.linalg.solve(ab[i], bb if vector else bb[i])
    return out


SOLVE_SHAPES = [((3, 3), (3,)), ((3, 3), (3, 2)), ((2, 3, 3), (3,)), ((2, 3, 3), (2, 3, 1)),
                ((2, 1, 2, 2), (3, 2, 2)), ((1, 1), (1, 4)), ((4, 4), (2, 4, 3))]


def assert_replay_is_eager(fn, step, values) -> None:
    """fn and its compiled `step` give the same value and gradients, bit for bit, at values."""
    results = []
    for f in (fn, step):
        ts = [am.tensor(v, requires_grad=True) for v in values]
        out = f(*ts)
        out.backward()
        results.append((out.data.copy(), [t.grad.data.copy() for t in ts]))
    (la, ga), (lb, gb) = results
    assert np.array_equal(la, lb)
    for x, y in zip(ga, gb):
        assert x.dtype == y.dtype and np.array_equal(x, y)


# -- values ---------------------------------------------------------------------------------


@pytest.mark.parametrize("sa, sb", SOLVE_SHAPES)
def test_solve_equals_numpy_matrix_by_matrix(sa, sb):
    a, b = well_conditioned(sa, 1), np.random.default_rng(2).standard_normal(sb)
    x = L.solve(a, b)
    assert isinstance(x, am.Tensor) and x.shape == np.linalg.solve(a, b).shape
    np.testing.assert_allclose(x.data, loop_solve(a, b), rtol=1e-12, atol=1e-14)
    ax = np.matmul(a, x.data) if len(sb) > 1 else np.matmul(a, x.data[..., None])[..., 0]
    np.testing.assert_allclose(ax, np.broadcast_to(b, x.shape), atol=1e-12)  # A X = B


def test_solve_takes_only_an_exactly_1d_b_as_a_vector_as_numpy_2():
    # A (3, 3, 3) and B (3, 3): numpy 2 reads B as one (3, 3) matrix for every A (PyTorch
    # would read it as 3 vectors); a 1-D B is one vector for every A in both.
    a, b = well_conditioned((3, 3, 3), 3), np.random.default_rng(4).standard_normal((3, 3))
    x = L.solve(a, b)
    assert x.shape == (3, 3, 3)
    np.testing.assert_allclose(x.data, np.linalg.solve(a, b), rtol=1e-13)
    for i in range(3):
        np.testing.assert_allclose(x.data[i], np.linalg.solve(a[i], b), rtol=1e-13)
    v = L.solve(a, b[0])
    assert v.shape == (3, 3)
    for i in range(3):
        np.testing.assert_allclose(v.data[i], np.linalg.solve(a[i], b[0]), rtol=1e-13)


@pytest.mark.parametrize("shape", [(1, 1), (3, 3), (2, 4, 4), (2, 1, 3, 3)])
def test_slogdet_det_inv_cholesky_equal_numpy_matrix_by_matrix(shape):
    a, s = well_conditioned(shape, 5), spd(shape, 6)
    sign, logabs = L.slogdet(a)
    assert not sign.requires_grad
    det, inv, chol = L.det(a), L.inv(a), L.cholesky(s)
    for i in np.ndindex(shape[:-2]):
        want_sign, want_log = np.linalg.slogdet(a[i])
        assert sign.data[i] == want_sign
        assert logabs.data[i] == pytest.approx(want_log, rel=1e-13, abs=1e-14)
        assert det.data[i] == pytest.approx(np.linalg.det(a[i]), rel=1e-12)
        np.testing.assert_allclose(inv.data[i], np.linalg.inv(a[i]), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(chol.data[i], np.linalg.cholesky(s[i]), rtol=1e-13, atol=1e-15)
    assert sign.shape == logabs.shape == det.shape == shape[:-2]


def test_float32_stays_float32():
    a = well_conditioned((2, 3, 3)).astype(np.float32)
    for out in (L.solve(a, a), L.slogdet(a)[1], L.det(a), L.inv(a), L.cholesky(spd((3, 3)).astype(np.float32))):
        assert out.dtype == np.float32


def test_norm_is_am_norm():
    # (torch.linalg.norm's vector norms, under numpy's keywords axis= and keepdims=)
    assert L.norm is am.norm
    x = np.random.default_rng(0).standard_normal((3, 4))
    np.testing.assert_allclose(L.norm(x, 1, axis=1).data, np.linalg.norm(x, 1, axis=1))


# -- gradients ------------------------------------------------------------------------------


@pytest.mark.parametrize("sa, sb", SOLVE_SHAPES)
def test_solve_gradients_first_and_second_order(sa, sb):
    check_both(L.solve, well_conditioned(sa, 7), np.random.default_rng(8).standard_normal(sb))


square = st.tuples(st.lists(st.integers(1, 2), max_size=2).map(tuple), st.integers(1, 3))


@settings(max_examples=6, deadline=None)
@given(shape=square, seed=st.integers(0, 2**32 - 1))
def test_slogdet_det_inv_gradients_first_and_second_order(shape, seed):
    batch, n = shape
    a = well_conditioned(batch + (n, n), seed)
    check_both(lambda t: L.slogdet(t)[1], a)
    check_both(L.det, a)
    check_both(L.inv, a)


@settings(max_examples=6, deadline=None)
@given(shape=square, seed=st.integers(0, 2**32 - 1))
def test_cholesky_gradients_first_and_second_order(shape, seed):
    batch, n = shape
    m = np.random.default_rng(seed).uniform(-1, 1, batch + (n, n))
    # through a symmetric parametrisation, and of A itself (upper triangle unread: gradient 0)
    check_both(lambda t: L.cholesky(t @ t.transpose(*range(t.ndim - 2), -1, -2) + n * np.eye(n)), m)
    check_both(L.cholesky, spd(batch + (n, n), seed) + np.triu(m, 1))


def test_det_gradient_is_jacobis_formula():
    a = am.tensor(well_conditioned((2, 3, 3), 9), requires_grad=True)
    L.det(a).sum().backward()
    want = np.linalg.det(a.data)[:, None, None] * np.linalg.inv(a.data).transpose(0, 2, 1)
    np.testing.assert_allclose(a.grad.data, want, rtol=1e-12)


# -- errors and singular matrices -----------------------------------------------------------


def t(a):
    """A tensor that requires grad when it can (float): a node would be recorded for it."""
    return am.tensor(a, requires_grad=a.dtype.kind == "f")


BAD = [
    (lambda: L.solve(t(np.ones((2, 3))), t(np.ones(2))), ValueError, r"solve.*\(2, 3\).*square"),
    (lambda: L.solve(t(np.eye(3)), t(np.ones(2))), ValueError, r"solve.*\(3, 3\).*\(2,\)"),
    (lambda: L.solve(t(np.eye(3)), t(np.ones((2, 3)))), ValueError, r"solve.*\(3, 3\).*\(2, 3\)"),
    (lambda: L.solve(t(np.ones((2, 3, 3))), t(np.ones((2, 3)))), ValueError,
     r"solve.*\(2, 3, 3\).*\(2, 3\).*B\[\.\.\., None\]"),
    (lambda: L.solve(t(np.ones((2, 3, 3))), t(np.ones((4, 3, 1)))), ValueError,
     r"solve.*batch axes.*\(2,\) and \(4,\)"),
    (lambda: L.solve(t(np.eye(3, dtype=int)), t(np.ones(3))), TypeError, r"solve.*\(3, 3\).*int64"),
    (lambda: L.solve(t(np.eye(3)), t(np.ones(3, dtype=int))), TypeError, r"solve.*\(3,\).*int64"),
    (lambda: L.slogdet(t(np.ones((2, 3)))), ValueError, r"slogdet.*\(2, 3\)"),
    (lambda: L.det(t(np.ones(3))), ValueError, r"det.*\(3,\)"),
    (lambda: L.det(t(np.eye(2, dtype=np.int32))), TypeError, r"det.*\(2, 2\).*int32"),
    (lambda: L.inv(t(np.ones((4, 2, 3)))), ValueError, r"inv.*\(4, 2, 3\)"),
    (lambda: L.inv(t(np.eye(2, dtype=np.float16))), TypeError, r"inv.*\(2, 2\).*float16"),
    (lambda: L.cholesky(t(np.ones((2, 3)))), ValueError, r"cholesky.*\(2, 3\)"),
]


def refused_before_recording(call, kind, match):
    """call() raises kind (its message matching `match`) and records no node first."""
    before = next(node_counter)
    with pytest.raises(kind, match=match):
        call()
    assert next(node_counter) == before + 1  # (no node was made)


@pytest.mark.parametrize("call, kind, match", BAD)
def test_bad_input_is_refused_naming_the_function_and_shapes_before_recording(call, kind, match):
    refused_before_recording(call, kind, match)


def test_singular_matrices_raise_numpys_linalgerror():
    a = am.tensor([[1.0, 2.0], [2.0, 4.0]], requires_grad=True)
    for call in (lambda: L.solve(a, np.ones(2)), lambda: L.inv(a),
                 lambda: L.cholesky(am.tensor([[1.0, 2.0], [2.0, 1.0]]))):
        with pytest.raises(np.linalg.LinAlgError, match=r"\(2, 2\)"):
            call()
    sign, logabs = L.slogdet(a)
    assert sign.item() == 0.0 and logabs.item() == -np.inf


def test_det_of_a_singular_matrix_is_zero_and_its_gradient_is_refused_not_wrong():
    # The true gradient there is the adjugate ([[4, -2], [-2, 1]]), which det = sign *
    # exp(logabsdet) cannot give: backward says so instead of a NaN or a wrong number.
    a = am.tensor([[1.0, 2.0], [2.0, 4.0]], requires_grad=True)
    d = L.det(a)
    assert d.item() == 0.0
    with pytest.raises(np.linalg.LinAlgError, match="singular.*adjugate"):
        am.autograd.grad(L.det(a), [a], create_graph=True)
    with pytest.raises(np.linalg.LinAlgError, match="singular.*adjugate"):
        d.backward()
    assert a.grad is None


# -- am.compile -------------------------------------------------------------------------------


def gaussian_nll(S, X):
    """Mean negative log-likelihood (without the constant) of the rows of X (m, n) under
    N(0, S): 0.5 (x^T S^-1 x + log det S), the quadratic form by solve."""
    Z = L.solve(S, X.T)  # (n, m)
    return 0.5 * ((X.T * Z).sum(0).mean() + L.slogdet(S)[1])


def test_compiled_gaussian_nll_and_least_squares_replay_eager_bit_for_bit():
    def least_squares(A, b):
        x = L.solve(A.T @ A, A.T @ b)  # the normal equations
        return ((A @ x - b) ** 2).sum() + L.det(A.T @ A).log()

    def via_inv_and_cholesky(S, X):  # (inv's identity is a shape constant the tape keeps)
        return (L.inv(S) * (X.T @ X)).sum() + L.cholesky(S).sum()

    for fn, shapes in ((gaussian_nll, [(3, 3), (5, 3)]), (least_squares, [(6, 3), (6,)]),
                       (via_inv_and_cholesky, [(3, 3), (5, 3)])):
        step = am.compile(fn)
        for seed in range(3):
            rng = np.random.default_rng(seed)
            values = [rng.standard_normal(s) for s in shapes]
            if fn is not least_squares:
                values[0] = spd((3, 3), seed)
            assert_replay_is_eager(fn, step, values)
        assert step.recordings == 1


def test_compiled_solve_raises_linalgerror_on_a_singular_matrix_in_a_replay():
    step = am.compile(lambda A, b: L.solve(A, b).sum())
    step(am.tensor(np.eye(2), requires_grad=True), am.tensor(np.ones(2)))
    with pytest.raises(np.linalg.LinAlgError):
        step(am.tensor(np.ones((2, 2)), requires_grad=True), am.tensor(np.ones(2)))


# -- the applied-maths example ------------------------------------------------------------


def test_gaussian_nll_gradient_in_s_is_the_closed_form():
    # f(S) = 0.5 (x^T S^-1 x + log det S): df/dS = 0.5 (S^-1 - S^-1 x x^T S^-1) for symmetric S.
    S0, x = spd((4, 4), 11), np.random.default_rng(12).standard_normal(4)
    Si = np.linalg.inv(S0)
    closed = 0.5 * (Si - Si @ np.outer(x, x) @ Si)
    S = am.tensor(S0, requires_grad=True)
    f = 0.5 * ((x * L.solve(S, x)).sum() + L.slogdet(S)[1])
    f.backward()
    np.testing.assert_allclose(S.grad.data, closed, rtol=1e-12, atol=1e-14)
    # The same through the Cholesky factor, as one computes it (S = L L^T: log det S =
    # 2 sum log diag L, and x^T S^-1 x = |L^-1 x|^2). Its gradient is the lower-triangle
    # one: the closed form's entries below the diagonal doubled, the upper ones 0.
    S.grad = None
    C = L.cholesky(S)
    y = L.solve(C, x)
    (0.5 * ((y * y).sum() + 2 * C[np.arange(4), np.arange(4)].log().sum())).backward()
    np.testing.assert_allclose(S.grad.data, np.tril(2 * closed) - np.diag(np.diag(closed)), rtol=1e-11, atol=1e-13)
