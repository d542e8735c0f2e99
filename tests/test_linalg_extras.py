"""am.linalg's numpy.linalg extras: matrix_power, multi_dot, vector_norm, matrix_norm, cond,
solve_triangular, matrix_exp, tensorsolve, tensorinv and numpy 2's aliases (outer, cross,
vecdot, matrix_transpose, diagonal, trace, matmul, tensordot). Values against numpy (and,
for matrix_exp, a Taylor-series oracle written here), first and second order gradient
checks in float64 including a batch, an am.compile replay, and errors."""

import warnings

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.engine import node_counter

L = am.linalg


def rng(seed=0):
    return np.random.default_rng(seed)


def well(shape, seed=0):
    """Well-conditioned square matrices: normal entries plus 4 I."""
    return rng(seed).standard_normal(shape) + 4 * np.eye(shape[-1])


def check_both(f, *inputs):
    assert am.gradcheck(f, inputs)
    assert am.gradgradcheck(f, inputs)


# -- matrix_power --------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(3, 3), (2, 3, 3)])
def test_matrix_power_equals_numpy_for_every_n(shape):
    A = well(shape, 1)
    for n in range(-4, 14):
        got = L.matrix_power(A, n).data
        want = np.linalg.matrix_power(A, n)
        if n >= 0:  # (numpy's binary decomposition, the same products in the same order)
            np.testing.assert_array_equal(got, want)
        else:
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_matrix_power_zero_is_the_identity_with_a_zero_gradient_also_at_inf():
    A = am.tensor(np.array([[[1.0, np.inf], [2.0, 3.0]]] * 2), requires_grad=True)
    out = L.matrix_power(A, 0)
    np.testing.assert_array_equal(out.data, np.broadcast_to(np.eye(2), (2, 2, 2)))
    out.sum().backward()
    np.testing.assert_array_equal(A.grad.data, np.zeros((2, 2, 2)))


@pytest.mark.parametrize("n", [-2, 1, 3, 6])
def test_matrix_power_gradients_first_and_second_order(n):
    for shape in ((3, 3), (2, 2, 2)):
        check_both(lambda a: L.matrix_power(a, n), well(shape, 2) * 0.5)


# -- multi_dot -----------------------------------------------------------------------------------


def chain_oracle(arrays):
    """The product left to right, 1-D ends as row / column vectors (the value, any order)."""
    out = np.atleast_2d(arrays[0])
    for a in arrays[1:-1]:
        out = out @ a
    last = arrays[-1]
    out = out @ (last[:, None] if last.ndim == 1 else last)
    if arrays[0].ndim == 1:
        out = out[0]
    if last.ndim == 1:
        out = out[..., 0]
    return out


@pytest.mark.parametrize("shapes", [
    [(3, 4), (4, 2)], [(10, 3), (3, 20), (20, 2)], [(2, 30), (30, 3), (3, 40)],
    [(4,), (4, 10), (10, 3), (3, 7), (7,)], [(6,), (6, 2), (2, 9)], [(5, 8), (8, 1), (1, 9), (9, 4), (4,)],
    [(30, 35), (35, 15), (15, 5), (5, 10), (10, 20), (20, 25)],
])
def test_multi_dot_equals_numpy_bit_for_bit_and_the_oracle(shapes):
    arrays = [rng(k).standard_normal(s) for k, s in enumerate(shapes)]
    got = L.multi_dot(arrays).data
    np.testing.assert_array_equal(got, np.linalg.multi_dot(arrays))  # (numpy's order)
    np.testing.assert_allclose(got, chain_oracle(arrays), rtol=1e-10, atol=1e-12)


def test_multi_dot_gradients_first_and_second_order():
    a, b, c, d = (rng(k).standard_normal(s) for k, s in enumerate([(3,), (3, 4), (4, 2), (2, 5)]))
    check_both(lambda a, b, c, d: L.multi_dot([a, b, c, d]), a, b, c, d)
    check_both(lambda b, c: L.multi_dot([b, c, c.T]), b, c)


# -- vector_norm, matrix_norm --------------------------------------------------------------------


@pytest.mark.parametrize("ord", [2, 1, np.inf, -np.inf, 0, 3.5, 0.5])
def test_vector_norm_equals_numpy_over_any_axes(ord):
    x = rng(3).standard_normal((2, 3, 4))
    for axis in (None, 1, -1, (0, 2), (2, 0), (0, 1, 2)):
        for keepdims in (False, True):
            want = np.linalg.vector_norm(x, axis=axis, keepdims=keepdims, ord=ord)
            got = L.vector_norm(x, ord, axis, keepdims).data
            assert got.shape == want.shape
            np.testing.assert_allclose(got, want, rtol=1e-12)


def test_vector_norm_gradients_and_zero_vector_gradient_is_zero_not_nan():
    x = rng(4).standard_normal((2, 3, 4))
    for ord, axis in ((2, None), (3.0, (0, 2)), (1, 1), (2, (1, 2))):
        check_both(lambda t: L.vector_norm(t, ord, axis), x)
    z = am.tensor(np.zeros((2, 3, 2)), requires_grad=True)
    for ord in (2, 3.0):
        (g,) = am.autograd.grad(L.vector_norm(z, ord, (0, 2)).sum(), [z], create_graph=True)
        np.testing.assert_array_equal(g.data, 0.0)
        (gg,) = am.autograd.grad(g.sum(), [z])
        assert not np.isnan(gg.data).any()


def test_vector_norm_over_several_axes_of_an_empty_batch_is_an_empty_result():
    # (the merged reshape was (0, -1): numpy cannot infer -1 from a size-0 array)
    for shape, axis in (((0, 3, 4), (1, 2)), ((3, 0, 4), (0, 2)), ((2, 0, 4), (1, 2))):
        x = np.zeros(shape)
        for keepdims in (False, True):
            want = np.linalg.vector_norm(x, axis=axis, keepdims=keepdims)
            got = L.vector_norm(am.tensor(x, requires_grad=True), 2, axis, keepdims)
            assert got.shape == want.shape
            np.testing.assert_array_equal(got.data, want)


@pytest.mark.parametrize("ord", ["fro", "nuc", 2, -2, 1, -1, np.inf, -np.inf])
def test_matrix_norm_equals_numpy_on_stacks_and_gradchecks(ord):
    A = rng(5).standard_normal((2, 3, 4))
    for keepdims in (False, True):
        want = np.linalg.matrix_norm(A, keepdims=keepdims, ord=ord)
        got = L.matrix_norm(A, ord, keepdims).data
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-12)
    check_both(lambda t: L.matrix_norm(t, ord), A)


def test_matrix_norm_over_other_axes_and_frobenius_gradient_at_zero():
    A = rng(6).standard_normal((3, 2, 4))
    np.testing.assert_allclose(L.matrix_norm(A, 1, axis=(0, 2)).data, np.linalg.norm(A, 1, axis=(0, 2)))
    z = am.tensor(np.zeros((2, 2, 2)), requires_grad=True)
    L.matrix_norm(z).sum().backward()
    np.testing.assert_array_equal(z.grad.data, 0.0)


# -- cond ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("p", [None, 2, -2, "fro", "nuc", 1, -1, np.inf, -np.inf])
def test_cond_equals_numpy_on_a_stack_and_gradchecks(p):
    A = well((2, 3, 3), 7)
    np.testing.assert_allclose(L.cond(A, p).data, np.linalg.cond(A, p), rtol=1e-12)
    check_both(lambda t: L.cond(t, p), A[0])


def test_cond_of_non_square_and_singular_matrices():
    A = rng(8).standard_normal((2, 4, 3))
    np.testing.assert_allclose(L.cond(A).data, np.linalg.cond(A), rtol=1e-12)
    singular = np.array([[[0.0, 0.0], [0.0, 0.0]], [[1.0, 2.0], [2.0, 4.0]], [[1.0, 0.0], [0.0, 2.0]]])
    a = am.tensor(singular, requires_grad=True)
    for p in (None, 2, -2):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            want = np.linalg.cond(singular, p)
        got = L.cond(a, p)
        np.testing.assert_allclose(got.data, want, rtol=1e-12)
        (g,) = am.autograd.grad(got.sum(), [a])
        assert np.isfinite(g.data).all()
    with pytest.raises(np.linalg.LinAlgError):
        L.cond(np.ones((2, 2)), 1)  # (numpy: inf; inv here refuses the singular matrix)


# -- solve_triangular ----------------------------------------------------------------------------


def substitution(T, B, upper):
    """X with T X = B for one triangular T (n, n), B (n, k): forward / back substitution."""
    n = T.shape[0]
    X = np.zeros(B.shape)
    rows = range(n - 1, -1, -1) if upper else range(n)
    for i in rows:
        s = B[i].copy()
        for j in (range(i + 1, n) if upper else range(i)):
            s -= T[i, j] * X[j]
        X[i] = s / T[i, i]
    return X


@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("unitriangular", [False, True])
@pytest.mark.parametrize("left", [True, False])
def test_solve_triangular_reads_only_its_triangle_and_equals_substitution(upper, unitriangular, left):
    r = rng(9)
    A = r.standard_normal((2, 1, 4, 4)) + 3 * np.eye(4)
    A += np.where(np.tri(4, k=-1, dtype=bool).T if not upper else np.tri(4, k=-1, dtype=bool), 1e6, 0)  # (unread)
    B = r.standard_normal((3, 4, 2) if left else (3, 2, 4))
    X = L.solve_triangular(A, B, upper=upper, left=left, unitriangular=unitriangular).data
    assert X.shape == (2, 3, 4, 2) if left else (2, 3, 2, 4)
    for i in range(2):
        for j in range(3):
            T = np.triu(A[i, 0]) if upper else np.tril(A[i, 0])
            if unitriangular:
                np.fill_diagonal(T, 1.0)
            if left:
                want = substitution(T, B[j], upper)
            else:  # (X T = B: T^T X^T = B^T)
                want = substitution(T.T, B[j].T, not upper).T
            np.testing.assert_allclose(X[i, j], want, rtol=1e-13, atol=1e-14)


def test_solve_triangular_is_substitution_where_lu_would_pivot():
    # A lower triangular matrix with a tiny diagonal and a large entry below it: LU with
    # partial pivoting of it swaps rows; solve_triangular's flipped form does not.
    T = np.array([[1e-8, 0.0, 0.0], [1.0, 1e-8, 0.0], [3.0, 2.0, 1.0]])
    B = np.array([[1.0], [2.0], [3.0]])
    got = L.solve_triangular(T, B, upper=False).data
    np.testing.assert_allclose(got, substitution(T, B, False), rtol=1e-15)


def test_solve_triangular_gradients_are_zero_off_the_triangle_and_gradcheck():
    A = am.tensor(well((2, 3, 3), 10), requires_grad=True)
    L.solve_triangular(A, np.ones((3, 2)), upper=True, unitriangular=True).sum().backward()
    assert (A.grad.data[:, np.tri(3, dtype=bool)] == 0).all()  # (the diagonal is not read either)
    B = rng(11).standard_normal((2, 3, 2))
    for kw in (dict(upper=True), dict(upper=False, left=False), dict(upper=False, unitriangular=True)):
        b = B if kw.get("left", True) else B.swapaxes(-1, -2)
        check_both(lambda a, b: L.solve_triangular(a, b, **kw), well((2, 3, 3), 12), b)


# -- matrix_exp ----------------------------------------------------------------------------------


def taylor_expm(A):
    """exp(A) by its Taylor series in float64: sum_k (A / 2^j)^k / k! to 40 terms with
    ||A / 2^j||_1 <= 1/4 (the terms fall below 1e-40), then squared j times (the series
    alone, unscaled, loses every digit to cancellation at ||A|| = 100)."""
    out = np.empty(A.shape)
    for idx in np.ndindex(A.shape[:-2]):
        a = A[idx]
        norm = np.abs(a).sum(0).max()
        j = max(0, int(np.ceil(np.log2(norm / 0.25)))) if norm > 0 else 0
        x = a / 2.0 ** j
        term = np.eye(a.shape[0])
        total = term.copy()
        for k in range(1, 40):
            term = term @ x / k
            total = total + term
        for _ in range(j):
            total = total @ total
        out[idx] = total
    return out


@pytest.mark.parametrize("norm", [1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0])
def test_matrix_exp_equals_the_taylor_series_for_norms_from_1e_3_to_1e2(norm):
    M = rng(13).standard_normal((3, 4, 4))
    M = M / np.abs(M).sum(-2).max(-1)[:, None, None] * norm
    got = L.matrix_exp(M).data
    want = taylor_expm(M)
    err = np.linalg.norm(got - want, axis=(-2, -1)) / np.linalg.norm(want, axis=(-2, -1))
    assert (err < 1e-12 * max(1.0, norm)).all(), err


def test_matrix_exp_of_symmetric_and_mixed_scale_stacks():
    S = rng(14).standard_normal((2, 4, 4))
    S = S + S.swapaxes(-1, -2)
    S[1] *= 20  # (one s for the stack: the small matrix is squared more than it needs)
    w, V = np.linalg.eigh(S)
    want = (V * np.exp(w)[..., None, :]) @ V.swapaxes(-1, -2)
    np.testing.assert_allclose(L.matrix_exp(S).data, want, rtol=1e-11, atol=1e-13 * np.abs(want).max())
    E, F = L.matrix_exp(S).data, L.matrix_exp(-S).data
    bound = 1e-14 * np.linalg.norm(E[0], 2) * np.linalg.norm(F[0], 2)  # (eps times the product's condition)
    np.testing.assert_allclose(E[0] @ F[0], np.eye(4), atol=bound)
    # (each matrix of a stack is scaled and squared as it would be alone)
    np.testing.assert_allclose(E[0], L.matrix_exp(S[0]).data, rtol=1e-14)
    np.testing.assert_allclose(E[1], L.matrix_exp(S[1]).data, rtol=1e-14)
    np.testing.assert_array_equal(L.matrix_exp(np.zeros((3, 3))).data, np.eye(3))


def test_matrix_exp_gradients_first_and_second_order_with_and_without_squaring():
    for shape, scale in (((3, 3), 0.5), ((2, 3, 3), 0.5), ((2, 2), 4.0)):  # (4 * N(0,1) 2x2: squared)
        check_both(L.matrix_exp, rng(15).standard_normal(shape) * scale)


def test_matrix_exp_is_refused_by_compile_not_frozen():
    step = am.compile(lambda a: L.matrix_exp(a).sum())
    with pytest.raises(RuntimeError, match="matrix_exp.*squarings"):
        step(am.tensor(np.eye(2), requires_grad=True))


# -- tensorsolve, tensorinv ----------------------------------------------------------------------


def test_tensorsolve_and_tensorinv_equal_numpy_and_gradcheck():
    a = rng(16).standard_normal((2, 3, 6)) + np.eye(6).reshape(2, 3, 6) * 4
    b = rng(17).standard_normal((2, 3))
    np.testing.assert_allclose(L.tensorsolve(a, b).data, np.linalg.tensorsolve(a, b), rtol=1e-12)
    b2 = rng(18).standard_normal((3, 6))
    a3 = rng(19).standard_normal((3, 6, 2, 3, 3)) + np.eye(18).reshape(3, 6, 2, 3, 3) * 4
    np.testing.assert_allclose(L.tensorsolve(a3, b2, axes=(2,)).data, np.linalg.tensorsolve(a3, b2, axes=(2,)),
                               rtol=1e-12)
    t = rng(20).standard_normal((4, 6, 8, 3)) + np.eye(24).reshape(4, 6, 8, 3) * 4
    for ind in (1, 2):
        tt = t.reshape(24, 24).reshape((24, 4, 6) if ind == 1 else (4, 6, 8, 3))
        np.testing.assert_allclose(L.tensorinv(tt, ind).data, np.linalg.tensorinv(tt, ind), rtol=1e-12)
    check_both(lambda a, b: L.tensorsolve(a, b), a, b)
    check_both(lambda a: L.tensorinv(a, 1), a.reshape(6, 6, 1))


# -- numpy 2's aliases ---------------------------------------------------------------------------


def test_numpy2_aliases_equal_numpy_linalg():
    r = rng(21)
    x, y = r.standard_normal((2, 3, 4)), r.standard_normal((3, 4))
    v, w = r.standard_normal(3), r.standard_normal(5)
    c1, c2 = r.standard_normal((2, 3, 4)), r.standard_normal((3, 1))
    cases = [
        (L.outer(v, w), np.linalg.outer(v, w)),
        (L.cross(c1, c2, axis=-2), np.linalg.cross(c1, c2, axis=-2)),
        (L.vecdot(x, y), np.linalg.vecdot(x, y)),
        (L.vecdot(x, y[None], axis=1), np.linalg.vecdot(x, y[None], axis=1)),
        (L.matrix_transpose(x), np.linalg.matrix_transpose(x)),
        (L.diagonal(x, offset=1), np.linalg.diagonal(x, offset=1)),
        (L.trace(x, offset=-1), np.linalg.trace(x, offset=-1)),
        (L.matmul(x, y.T), np.linalg.matmul(x, y.T)),
        (L.tensordot(x, y, axes=2), np.linalg.tensordot(x, y, axes=2)),
    ]
    for got, want in cases:
        assert got.shape == want.shape
        np.testing.assert_allclose(got.data, want, rtol=1e-13)
    check_both(lambda a, b: L.vecdot(a, b, axis=1), x, y[None])


# -- am.compile ----------------------------------------------------------------------------------


def test_compiled_extras_replay_eager_bit_for_bit():
    def fn(A, B, arrays_c):
        X = L.solve_triangular(A, B, upper=False)
        P2 = L.matrix_power(A, 3) + L.matrix_power(A, -1)
        chain = L.multi_dot([B.sum(-1)[0], arrays_c, arrays_c.T, arrays_c])
        return (L.vector_norm(X, 3.0, (0, 2)).sum() + L.matrix_norm(P2, "nuc").sum() + L.cond(A, "fro").sum()
                + L.tensorinv(A[0], 1).sum() + chain.sum())

    step = am.compile(fn)
    for seed in range(3):
        r = rng(30 + seed)
        values = [well((2, 3, 3), seed), r.standard_normal((2, 3, 2)), r.standard_normal((3, 5))]
        outs = []
        for f in (fn, step):
            args = [am.tensor(v, requires_grad=True) for v in values]
            out = f(*args)
            out.backward()
            outs.append((out.data, [a.grad.data for a in args]))
        np.testing.assert_array_equal(outs[0][0], outs[1][0])
        for g0, g1 in zip(outs[0][1], outs[1][1]):
            np.testing.assert_array_equal(g0, g1)
    assert step.recordings == 1


# -- errors --------------------------------------------------------------------------------------


def t(a):
    """A tensor that requires grad when it can (float): a node would be recorded for it."""
    a = np.asarray(a)
    return am.tensor(a, requires_grad=a.dtype.kind == "f")


BAD = [
    (lambda: L.matrix_power(t(np.ones((2, 3))), 2), ValueError, r"matrix_power.*\(2, 3\)"),
    (lambda: L.matrix_power(t(np.eye(2)), 1.5), TypeError, r"matrix_power: n must be an int.*\(2, 2\)"),
    (lambda: L.matrix_power(t(np.ones((2, 3))), -1), ValueError, r"matrix_power.*\(2, 3\)"),
    (lambda: L.multi_dot([t(np.ones((2, 3)))]), ValueError, r"multi_dot: needs at least two.*\(2, 3\)"),
    (lambda: L.multi_dot([t(np.ones(3)), t(np.ones((2, 2)))]), ValueError, r"multi_dot.*\(3,\).*\(2, 2\)"),
    (lambda: L.multi_dot([t(np.ones((2, 3))), t(np.ones((2, 3, 3))), t(np.ones(3))]), ValueError,
     r"multi_dot.*2-D.*\(2, 3, 3\)"),
    (lambda: L.vector_norm(t(np.ones(3)), -1), ValueError, r"vector_norm: ord.*-1.*\(3,\)"),
    (lambda: L.vector_norm(t(np.ones(3)), "fro"), ValueError, r"vector_norm: ord.*'fro'"),
    (lambda: L.vector_norm(t(np.ones((2, 3))), 2, (0, 0)), ValueError, r"vector_norm: axis.*\(2, 3\)"),
    (lambda: L.matrix_norm(t(np.ones(3))), ValueError, r"matrix_norm.*\(3,\)"),
    (lambda: L.matrix_norm(t(np.ones((2, 2))), 3), ValueError, r"matrix_norm: ord.*3.*\(2, 2\)"),
    (lambda: L.cond(t(np.ones((2, 3))), 1), ValueError, r"cond.*\(2, 3\)"),
    (lambda: L.cond(t(np.ones((2, 2))), "max"), ValueError, r"cond: p.*'max'"),
    (lambda: L.cond(t(np.ones(3))), ValueError, r"cond.*\(3,\)"),
    (lambda: L.solve_triangular(t(np.ones((2, 3))), t(np.ones((3, 1))), upper=True), ValueError,
     r"solve_triangular.*\(2, 3\)"),
    (lambda: L.solve_triangular(t(np.eye(3)), t(np.ones(3)), upper=True), ValueError,
     r"solve_triangular.*\(3, 3\).*\(3,\)"),
    (lambda: L.solve_triangular(t(np.eye(3)), t(np.ones((3, 2))), upper=True, left=False), ValueError,
     r"solve_triangular.*\(3, 3\).*\(3, 2\)"),
    (lambda: L.solve_triangular(t(np.ones((2, 3, 3))), t(np.ones((4, 3, 1))), upper=True), ValueError,
     r"solve_triangular: the batch axes.*\(2, 3, 3\).*\(4, 3, 1\)"),
    (lambda: L.solve_triangular(t(np.eye(3)), t(np.ones((3, 1))), upper="yes"), TypeError,
     r"solve_triangular: upper"),
    (lambda: L.matrix_exp(t(np.ones((2, 3)))), ValueError, r"matrix_exp.*\(2, 3\)"),
    (lambda: L.matrix_exp(t(np.eye(2, dtype=int))), TypeError, r"matrix_exp.*int64"),
    (lambda: L.tensorsolve(t(np.ones((2, 3, 6))), t(np.ones((3, 2)))), ValueError, r"tensorsolve.*\(3, 2\)"),
    (lambda: L.tensorsolve(t(np.ones((2, 3, 5))), t(np.ones((2, 3)))), np.linalg.LinAlgError,
     r"tensorsolve.*\(2, 3, 5\)"),
    (lambda: L.tensorsolve(t(np.eye(4).reshape(2, 2, 2, 2)), t(np.ones((2, 2))), (5,)), ValueError,
     r"tensorsolve: axes \(5,\).*\(2, 2, 2, 2\)"),
    (lambda: L.tensorsolve(t(np.eye(4).reshape(2, 2, 2, 2)), t(np.ones((2, 2))), (-5,)), ValueError,
     r"tensorsolve: axes \(-5,\).*\(2, 2, 2, 2\)"),
    (lambda: L.tensorinv(t(np.ones((2, 3, 5))), 2), np.linalg.LinAlgError, r"tensorinv.*\(2, 3, 5\)"),
    (lambda: L.tensorinv(t(np.ones((2, 2))), 0), ValueError, r"tensorinv: ind.*\(2, 2\)"),
    (lambda: L.outer(t(np.ones((2, 2))), t(np.ones(2))), ValueError, r"outer.*\(2, 2\)"),
    (lambda: L.cross(t(np.ones((3, 2))), t(np.ones(3))), ValueError, r"cross.*\(3, 2\)"),
    (lambda: L.cross(t(np.ones(3)), t(np.ones(3)), axis=1), ValueError, r"cross.*axis 1.*\(3,\)"),
    (lambda: L.cross(t(np.ones((2, 3))), t(np.ones(3)), axis=-2), ValueError, r"cross.*axis -2.*\(2, 3\)"),
    (lambda: L.vecdot(t(np.ones((2, 3))), t(np.ones(2))), ValueError, r"vecdot.*\(2, 3\).*\(2,\)"),
    # (numpy's vecdot conjugates x1; summing x1 * x2 would be a silent wrong answer)
    (lambda: L.vecdot(t(np.array([1j, 1])), t(np.array([1j, 1]))), TypeError, r"vecdot.*complex.*\(2,\)"),
    (lambda: L.matrix_transpose(t(np.ones(3))), ValueError, r"matrix_transpose.*\(3,\)"),
]


@pytest.mark.parametrize("call, kind, match", BAD)
def test_bad_input_is_refused_naming_the_function_and_shapes_before_recording(call, kind, match):
    before = next(node_counter)
    with pytest.raises(kind, match=match):
        call()
    assert next(node_counter) == before + 1  # (no node was made)
