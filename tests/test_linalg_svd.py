"""am.linalg.svd, svdvals, qr, pinv, lstsq, matrix_rank and norm's matrix norms: values
against numpy.linalg (matrix by matrix, in loops), reconstruction, gradients first and
second order in float64 on square, tall, wide and batched shapes, refusals (bad input,
coinciding or zero singular values, rank-deficient QR), and an am.compile replay."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from test_linalg import refused_before_recording
from test_linalg import assert_replay_is_eager, check_both

L = am.linalg
SHAPES = [(3, 3), (4, 2), (2, 4), (1, 3), (3, 1), (2, 3, 2), (2, 1, 2, 3)]


def spread(shape, seed=0):
    """A (..., m, n) = Q1 diag(s) Q2^T with singular values 1, 2, 3, ... (+ noise): distinct and nonzero."""
    rng = np.random.default_rng(seed)
    *batch, m, n = shape
    k = min(m, n)
    q1 = np.linalg.qr(rng.standard_normal((*batch, m, k)))[0]
    q2 = np.linalg.qr(rng.standard_normal((*batch, n, k)))[0]
    s = np.arange(k, 0, -1.0) + rng.uniform(0, 0.1, (*batch, k))
    return (q1 * s[..., None, :]) @ np.swapaxes(q2, -1, -2)


def tr(x):
    return x.swapaxes(-1, -2)


def sign_free(A):
    """A loss of all three outputs that does not depend on the singular vectors' signs."""
    U, S, Vh = L.svd(A)
    return (U ** 2 * S[..., None, :]).sum() + (Vh ** 2 * S[..., :, None] ** 2).sum() \
        + ((U * S[..., None, :]) @ Vh).sin()


# -- values ---------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
def test_svd_svdvals_qr_pinv_rank_equal_numpy_matrix_by_matrix(shape):
    a = np.random.default_rng(1).standard_normal(shape)
    U, S, Vh = L.svd(a)
    k = min(shape[-2:])
    assert U.shape == shape[:-1] + (k,) and S.shape == shape[:-2] + (k,) and Vh.shape == shape[:-2] + (k, shape[-1])
    Q, R = L.qr(a)
    P_, rank, vals = L.pinv(a), L.matrix_rank(a), L.svdvals(a)
    for i in np.ndindex(shape[:-2]):
        u, s, vh = np.linalg.svd(a[i], full_matrices=False)
        np.testing.assert_allclose(S.data[i], s, rtol=1e-13)
        np.testing.assert_allclose(vals.data[i], s, rtol=1e-13)
        np.testing.assert_allclose(np.abs(U.data[i]), np.abs(u), atol=1e-12)  # (signs: LAPACK's)
        np.testing.assert_allclose(np.abs(Vh.data[i]), np.abs(vh), atol=1e-12)
        q, r = np.linalg.qr(a[i])
        np.testing.assert_allclose(Q.data[i], q, atol=1e-13)
        np.testing.assert_allclose(R.data[i], r, atol=1e-13)
        np.testing.assert_allclose(P_.data[i], np.linalg.pinv(a[i]), rtol=1e-12, atol=1e-13)
        assert rank.data[i] == np.linalg.matrix_rank(a[i])
    # reconstruction and orthonormality
    np.testing.assert_allclose((U * S[..., None, :] @ Vh).data, a, atol=1e-13)
    np.testing.assert_allclose((Q @ R).data, a, atol=1e-13)
    np.testing.assert_allclose((tr(U) @ U).data, np.broadcast_to(np.eye(k), U.shape[:-2] + (k, k)), atol=1e-13)
    np.testing.assert_allclose((Vh @ tr(Vh)).data, np.broadcast_to(np.eye(k), U.shape[:-2] + (k, k)), atol=1e-13)
    np.testing.assert_array_equal(np.triu(R.data), R.data)
    assert rank.dtype == np.int64 and not rank.requires_grad


def test_full_matrices_equals_numpy_and_float32_stays_float32():
    a = np.random.default_rng(2).standard_normal((2, 4, 2))
    U, S, Vh = L.svd(a, full_matrices=True)
    u, s, vh = np.linalg.svd(a)
    assert U.shape == (2, 4, 4) and Vh.shape == (2, 2, 2)
    np.testing.assert_array_equal(U.data, u)
    np.testing.assert_array_equal(S.data, s)
    np.testing.assert_array_equal(Vh.data, vh)
    f = a.astype(np.float32)
    for out in (*L.svd(f), L.svdvals(f), *L.qr(f), L.pinv(f)):
        assert out.dtype == np.float32


def test_rank_deficient_pinv_matrix_rank_and_lstsq_follow_numpys_cutoffs():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((5, 2)) @ rng.standard_normal((2, 4))  # rank 2
    assert L.matrix_rank(a).item() == np.linalg.matrix_rank(a) == 2
    assert L.matrix_rank(a, tol=1e-30).item() == np.linalg.matrix_rank(a, tol=1e-30)
    assert L.matrix_rank(a, rtol=0.5).item() == np.linalg.matrix_rank(a, rtol=0.5)
    assert L.matrix_rank(np.zeros(3)).item() == 0 and L.matrix_rank(np.ones(3)).item() == 1
    np.testing.assert_allclose(L.pinv(a).data, np.linalg.pinv(a), atol=1e-12)
    np.testing.assert_allclose(L.pinv(a, rtol=None).data, np.linalg.pinv(a, rtol=None), atol=1e-12)
    np.testing.assert_allclose(L.pinv(a, 0.3).data, np.linalg.pinv(a, 0.3), atol=1e-12)
    b = rng.standard_normal((5, 2))
    for A, B in ((a, b), (a, b[:, 0]), (spread((5, 3), 4), b), (spread((5, 3), 4), b[:, 1]), (spread((2, 3)), b[:2])):
        x, res, rank, s = L.lstsq(A, B)
        wx, wres, wrank, ws = np.linalg.lstsq(A, B)
        np.testing.assert_allclose(x.data, wx, rtol=1e-10, atol=1e-12)
        assert res.shape == wres.shape and rank == wrank
        np.testing.assert_allclose(res.data, wres, rtol=1e-10)
        np.testing.assert_allclose(s.data, ws, rtol=1e-12)


@pytest.mark.parametrize("ord", ["nuc", 2, -2, 1, -1, np.inf, -np.inf])
def test_matrix_norms_equal_numpy(ord):
    x = np.random.default_rng(5).standard_normal((2, 3, 4))
    for axis in ((1, 2), (2, 0), (-1, -2)):
        for keepdims in (False, True):
            got, want = am.norm(x, ord, axis, keepdims), np.linalg.norm(x, ord, axis, keepdims)
            assert got.shape == want.shape
            np.testing.assert_allclose(got.data, want, rtol=1e-12)
    np.testing.assert_allclose(L.norm(x[0], ord).data, np.linalg.norm(x[0], ord), rtol=1e-12)
    check_both(lambda t: am.norm(t, ord, (0, 2)), x)


# -- gradients ------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
def test_gradients_first_and_second_order(shape):
    a = spread(shape, 6)
    check_both(sign_free, a)
    check_both(L.svdvals, a)
    check_both(lambda t: (lambda q, r: (q @ r).sin() + q.sum() * r.sum())(*L.qr(t)), a)
    check_both(L.pinv, a)


@settings(max_examples=5, deadline=None)
@given(batch=st.lists(st.integers(1, 2), max_size=2).map(tuple), m=st.integers(1, 4), n=st.integers(1, 4),
       seed=st.integers(0, 2**32 - 1))
def test_gradients_on_drawn_shapes(batch, m, n, seed):
    a = spread(batch + (m, n), seed)
    check_both(lambda t: (lambda u, s, vh: u[..., :1, :] * vh[..., :, :1].swapaxes(-1, -2) * s)(*L.svd(t)), a)
    check_both(lambda t: L.qr(t).R, a + 3 * np.eye(m, n))


def test_svdvals_gradient_is_u_vt_also_at_equal_and_zero_singular_values():
    # ||A||_* = sum(S): gradient U Vh, at A = I (all singular values 1) -> I; at a
    # rank-1 tall A the same formula (the zero singular value's U column is not read).
    for a in (np.eye(3), np.diag([2.0, 2.0, 1.0]), np.outer([1.0, 2.0, 2.0], [1.0, 0.0])):
        A = am.tensor(a, requires_grad=True)
        L.svdvals(A).sum().backward()
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        np.testing.assert_allclose(A.grad.data, u @ vh, atol=1e-14)
        assert np.isfinite(A.grad.data).all()
    A = am.tensor(np.diag([2.0, 2.0, 1.0]), requires_grad=True)
    am.norm(A, 2).backward()  # (a tie at the top: max shares its gradient)
    np.testing.assert_allclose(A.grad.data, np.diag([0.5, 0.5, 0.0]), atol=1e-14)


def test_gradient_matches_closed_forms():
    # d s_i = u_i^T dA v_i, and pinv of a full-column-rank A is (A^T A)^-1 A^T.
    a = spread((4, 3), 7)
    A = am.tensor(a, requires_grad=True)
    U, S, Vh = L.svd(A)
    S[0].backward()
    np.testing.assert_allclose(A.grad.data, np.outer(U.data[:, 0], Vh.data[0]), atol=1e-14)
    c = np.random.default_rng(8).standard_normal((3, 4))
    grads = [am.grad(lambda t: (f(t) * c).sum())(a) for f in (L.pinv, lambda t: L.solve(tr(t) @ t, tr(t)))]
    np.testing.assert_allclose(grads[0].data, grads[1].data, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(L.pinv(a).data, np.linalg.solve(a.T @ a, a.T), atol=1e-12)


# -- refusals -------------------------------------------------------------------------------


def t(a):
    return am.tensor(a, requires_grad=a.dtype.kind == "f")


BAD = [
    (lambda: L.svd(t(np.ones(3))), ValueError, r"svd.*\(3,\)"),
    (lambda: L.svd(t(np.ones((2, 3), dtype=int))), TypeError, r"svd.*\(2, 3\).*int64"),
    (lambda: L.svd(t(np.ones((2, 3))), full_matrices="yes"), TypeError, r"svd: full_matrices"),
    (lambda: L.svdvals(t(np.ones((2, 2), dtype=np.float16))), TypeError, r"svdvals.*\(2, 2\).*float16"),
    (lambda: L.qr(t(np.ones(4))), ValueError, r"qr.*\(4,\)"),
    (lambda: L.qr(t(np.ones((3, 2))), mode="complete"), ValueError, r"qr: mode.*'complete'.*\(3, 2\)"),
    (lambda: L.pinv(t(np.ones(2))), ValueError, r"pinv.*\(2,\)"),
    (lambda: L.pinv(t(np.ones((2, 2))), 0.1, rtol=0.1), ValueError, r"pinv: rcond and rtol"),
    (lambda: L.lstsq(t(np.ones((3, 2))), t(np.ones(2))), ValueError, r"lstsq.*\(3, 2\).*\(2,\)"),
    (lambda: L.lstsq(t(np.ones((2, 3, 2))), t(np.ones(3))), ValueError, r"lstsq.*\(2, 3, 2\)"),
    (lambda: L.matrix_rank(t(np.ones((2, 2))), tol=1.0, rtol=1.0), ValueError, r"matrix_rank: tol and rtol"),
]


@pytest.mark.parametrize("call, kind, match", BAD)
def test_bad_input_is_refused_naming_the_function_and_shapes_before_recording(call, kind, match):
    refused_before_recording(call, kind, match)


@pytest.mark.parametrize("a, loss, match", [
    (np.eye(3), lambda U, S, Vh: (U[0] * np.arange(3.0)).sum(), "equal singular values"),
    (np.diag([3.0, 1.0, 1.0]), lambda U, S, Vh: (Vh[2] * np.arange(3.0)).sum() * S[0], "equal singular values"),
    (np.outer([1.0, 2.0, 2.0], [1.0, 0.0]), lambda U, S, Vh: (U[:, 1] ** 2).sum(), "zero singular value.*column of U"),
    (np.outer([1.0, 0.0], [1.0, 2.0, 2.0]), lambda U, S, Vh: (Vh[1] ** 2).sum(), "zero singular value.*row of Vh"),
])
def test_singular_vectors_without_a_gradient_are_refused_not_wrong(a, loss, match):
    A = am.tensor(a, requires_grad=True)
    out = loss(*L.svd(A))
    with pytest.raises(np.linalg.LinAlgError, match=match):
        out.backward()
    assert A.grad is None


def test_full_matrices_refuses_the_columns_past_k_and_differentiates_the_rest():
    a = spread((4, 2), 8)
    A = am.tensor(a, requires_grad=True)
    U, S, Vh = L.svd(A, full_matrices=True)
    with pytest.raises(np.linalg.LinAlgError, match="full_matrices=True.*past the first min"):
        (U[:, 3] ** 2).sum().backward()
    check_both(lambda t: (lambda u, s, vh: (u[:, :2] * s) @ vh)(*L.svd(t, full_matrices=True)), a)


def test_qr_of_a_rank_deficient_matrix_refuses_its_gradient():
    A = am.tensor(np.array([[1.0, 2.0], [2.0, 4.0], [0.0, 0.0]]), requires_grad=True)
    Q, R = L.qr(A)
    with pytest.raises(np.linalg.LinAlgError, match=r"qr backward.*\(3, 2\).*rank deficient"):
        (Q ** 2 * np.arange(2.0)).sum().backward()


# -- am.compile -------------------------------------------------------------------------------


def test_compiled_svd_qr_pinv_replay_eager_bit_for_bit():
    def fn(A, b):
        U, S, Vh = L.svd(A)
        Q, R = L.qr(A)
        return ((U * S) @ Vh).sum() + (L.pinv(A) @ b).sum() + (Q ** 2 * R.sum(0)).sum() \
            + am.norm(A, "nuc") + am.norm(A, -2)

    step = am.compile(fn)
    for seed in range(3):
        assert_replay_is_eager(fn, step, [spread((4, 3), seed), np.random.default_rng(seed).standard_normal(4)])
    assert step.recordings == 1
    # pinv's cutoff is recomputed in a replay: a rank-2 matrix after a full-rank one
    step2 = am.compile(lambda A: L.pinv(A).sum())
    step2(am.tensor(spread((3, 3), 1)))
    a = np.outer([1.0, 2.0, 3.0], [1.0, 0.0, 1.0])
    np.testing.assert_allclose(step2(am.tensor(a)).data, np.linalg.pinv(a).sum(), rtol=1e-12)


def test_a_cutoff_tensor_that_requires_grad_is_read_as_its_values():
    # (torch's matrix_rank takes one; np.asarray of it is refused while grad is recorded,
    # and a cutoff is never differentiated: the rank and the kept values are piecewise constant)
    A = am.tensor(np.diag([1.0, 0.5, 0.01]))
    t = am.tensor(0.1, requires_grad=True)
    assert am.linalg.matrix_rank(A, tol=t).item() == 2
    assert am.linalg.matrix_rank(A, rtol=t).item() == 2
    assert am.linalg.lstsq(A, am.tensor(np.ones(3)), rcond=t)[2] == 2
    B = am.tensor(np.stack([np.diag([1.0, 0.05]), np.diag([1.0, 0.5])]))
    got = am.linalg.pinv(B, rtol=am.tensor([0.1, 0.1], requires_grad=True))
    np.testing.assert_array_equal(got.data, [np.diag([1.0, 0.0]), np.diag([1.0, 2.0])])
    with pytest.raises(RuntimeError, match="reads a tensor's value"):  # (a replay would freeze it)
        am.compile(lambda A, tol: am.linalg.matrix_rank(A, tol=tol).astype(float))(A, t)
