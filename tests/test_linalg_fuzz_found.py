"""Defects found by fuzzing am.linalg's svd, svdvals, qr, pinv, lstsq, matrix_rank and
matrix norms against numpy and PyTorch; one test per defect, each failing before its fix."""

from __future__ import annotations

import re

import numpy as np
import pytest

import autograd_mini as am
from test_linalg import refused_before_recording

L = am.linalg


def _reconstruction_grad(a, c):
    A = am.tensor(a, requires_grad=True)
    U, S, Vh = L.svd(A)
    ((U * S[..., None, :]) @ Vh * am.tensor(c)).sum().backward()
    return A.grad.data


@pytest.mark.parametrize("a", [np.eye(3), np.diag([3.0, 2.0, 2.0]), 2 * np.eye(3)[[2, 0, 1]],
                               np.stack([np.diag([3.0, 2.0, 1.0]), np.eye(3)])],
                         ids=["identity", "diagonal", "permutation", "batched"])
def test_svd_backward_at_exactly_equal_singular_values_is_not_silently_wrong(a):
    # At A = I numpy's U = V = I exactly, so U^T U_bar + V^T V_bar has an exactly zero
    # skew part on the tied block, yet the loss <C, U diag(S) Vh> = <C, A> has gradient C,
    # which the singular vectors' cotangents cannot give there (the S_bar they carry
    # differ within the tie). It gave diag(C) + skew(C) without a word.
    c = np.arange(a.size, dtype=float).reshape(a.shape) + 1
    with pytest.raises(np.linalg.LinAlgError, match="svd backward.*equal singular values"):
        _reconstruction_grad(a, c)
    A = am.tensor(a, requires_grad=True)
    with pytest.raises(np.linalg.LinAlgError, match="svd backward"):
        (L.pinv(A) * am.tensor(c.swapaxes(-1, -2))).sum().backward()


def test_svd_backward_at_equal_singular_values_still_works_where_the_gradient_exists():
    a = np.diag([3.0, 2.0, 2.0])
    # (a loss of the singular values alone; one that reads the vectors with S_bar equal
    # on the tie, whose gradient the formula gives)
    for f in (lambda A: am.norm(A, "nuc"), lambda A: (L.svdvals(A) * am.tensor([1.0, 5.0, -2.0])).sum(),
              lambda A: (((lambda U, S, Vh: (U * S) @ Vh)(*L.svd(A))) * am.tensor(np.eye(3) + np.triu(np.ones((3, 3)), 1)
                                                                         - np.tril(np.ones((3, 3)), -1))).sum()):
        A = am.tensor(a, requires_grad=True)
        f(A).backward()
        assert np.isfinite(A.grad.data).all()
    A = am.tensor(a, requires_grad=True)
    c = np.eye(3) + np.triu(np.ones((3, 3)), 1) - np.tril(np.ones((3, 3)), -1)
    np.testing.assert_allclose(_reconstruction_grad(a, c), c, atol=1e-14)


@pytest.mark.parametrize("shape", [(0, 3), (3, 0), (0, 0), (2, 0, 3), (2, 3, 0)])
def test_pinv_and_lstsq_of_an_empty_matrix_follow_numpy(shape):
    # numpy returns the empty (..., n, m) pseudo-inverse; pinv took max() of no singular
    # values and raised a confusing "(max): zero-size array" error.
    a = np.zeros(shape)
    A = am.tensor(a, requires_grad=True)
    p = L.pinv(A)
    assert p.shape == np.linalg.pinv(a).shape
    np.testing.assert_array_equal(p.data, np.linalg.pinv(a))
    (p.sum() + L.pinv(A, rtol=None).sum()).backward()
    np.testing.assert_array_equal(A.grad.data, np.zeros(shape))
    if len(shape) == 2:
        b = np.arange(shape[0], dtype=float)
        for got, want in zip(L.lstsq(a, b), np.linalg.lstsq(a, b)):
            got = got.data if isinstance(got, am.Tensor) else got
            assert np.shape(got) == np.shape(want)
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("shape, cut", [((3, 3), np.full(5, 0.1)), ((3, 3), np.full((2, 1), 0.1)),
                                        ((2, 3, 3), np.full((2, 1), 0.1)), ((2, 3, 3), np.full(5, 0.1))])
@pytest.mark.parametrize("key", ["rcond", "rtol"])
def test_pinv_refuses_a_cutoff_that_does_not_fit_the_batch_axes(shape, cut, key):
    # numpy refuses an rcond that would broadcast the result past A's batch shape; pinv
    # returned a (5, 3, 3) stack for a (3, 3) A, or failed after recording svd.
    A = am.tensor(np.random.default_rng(0).standard_normal(shape), requires_grad=True)
    with pytest.raises(ValueError):
        np.linalg.pinv(A.data, **{key: cut})
    refused_before_recording(lambda: L.pinv(A, **{key: cut}), ValueError,
                             rf"pinv: {key} of shape {re.escape(str(cut.shape))}.*A of shape {re.escape(str(shape))}")
    ok = np.full(shape[:-2], 0.1)
    np.testing.assert_allclose(L.pinv(A, **{key: ok}).data, np.linalg.pinv(A.data, **{key: ok}), atol=1e-12)


def test_compiled_lstsq_does_not_replay_a_frozen_rank():
    # lstsq read its rank from s.data, which am.compile cannot see: a tape recorded at a
    # full-rank A kept its residuals at a rank-deficient one (and the rank it returns).
    def fn(A, b):
        x, res, rank, s = L.lstsq(A, b)
        return x.sum() + res.sum()

    rng = np.random.default_rng(0)
    b = rng.standard_normal(4)
    full, deficient = rng.standard_normal((4, 2)), np.outer(np.ones(4), [1.0, 2.0])
    step = am.compile(fn)
    for a in (full, deficient, full):
        want = fn(am.tensor(a), am.tensor(b)).data
        try:
            got = step(am.tensor(a), am.tensor(b)).data
        except RuntimeError as e:  # (refused while recording: fine)
            assert "compile" in str(e) and "lstsq" in str(e)
            continue
        assert np.array_equal(got, want)


def test_matrix_rank_takes_integer_matrices_as_numpy_and_names_itself_when_refusing():
    # np.linalg.matrix_rank takes integer and bool matrices (its 1-D case here did too);
    # the 2-D case refused them with an error naming svdvals.
    for a in (np.eye(3, dtype=np.int64), np.ones((2, 3), dtype=np.int32), np.eye(2, dtype=bool)):
        got = L.matrix_rank(a)
        assert got.dtype == np.int64 and got.item() == np.linalg.matrix_rank(a)
    for bad in (np.eye(3, dtype=np.float16), np.eye(3) + 1j):
        with pytest.raises(TypeError, match=r"matrix_rank: A of shape \(3, 3\)"):
            L.matrix_rank(bad)
