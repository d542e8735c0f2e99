"""am.cholesky_solve (torch.cholesky_solve, also a Tensor method): X with (L L^T) X = B
from a Cholesky factor, as a Gaussian process's alpha = K^-1 y. Values against numpy,
first and second order gradient checks in float64 (a batch included), gradients through
am.linalg.cholesky equal those of am.linalg.solve, an am.compile replay, and errors."""

import numpy as np
import pytest

import autograd_mini as am
from test_linalg import spd
from replay_check import assert_compiled_replays_eager


def rhs(shape, seed=1):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("lshape, bshape", [((4, 4), (4, 2)), ((2, 3, 3), (2, 3, 1)), ((3, 3), (2, 3, 2)),
                                            ((2, 1, 3, 3), (4, 3, 2))])
def test_cholesky_solve_equals_numpy_solve_with_the_factor(upper, lshape, bshape):
    A, B = spd(lshape), rhs(bshape)
    L = np.linalg.cholesky(A)
    F = np.swapaxes(L, -1, -2) if upper else L
    # (the other triangle holds garbage, which must not be read)
    junk = np.triu(rhs(lshape, 5), 1) if not upper else np.tril(rhs(lshape, 5), -1)
    X = am.cholesky_solve(am.tensor(B), am.tensor(F + junk), upper=upper)
    want = np.linalg.solve(A, B)
    assert X.shape == np.broadcast_shapes(A.shape[:-2], B.shape[:-2]) + B.shape[-2:]
    np.testing.assert_allclose(X.data, want, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(am.tensor(B).cholesky_solve(am.tensor(F), upper=upper).data, want,
                               rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve_gradients_first_and_second_order(upper):
    for lshape, bshape in (((3, 3), (3, 2)), ((2, 3, 3), (2, 3, 1))):
        F = np.linalg.cholesky(spd(lshape))
        F = np.swapaxes(F, -1, -2) if upper else F
        f = lambda b, l: am.cholesky_solve(b, l, upper=upper)
        assert am.gradcheck(f, (rhs(bshape), F))
        assert am.gradgradcheck(f, (rhs(bshape), F))


def test_cholesky_solve_through_cholesky_has_solves_gradients():
    A0, B0 = spd((4, 4)), rhs((4, 3))
    A, B = am.tensor(A0, requires_grad=True), am.tensor(B0, requires_grad=True)
    (am.cholesky_solve(B, am.linalg.cholesky(A)) ** 2).sum().backward()
    A2, B2 = am.tensor(A0, requires_grad=True), am.tensor(B0, requires_grad=True)
    (am.linalg.solve(A2, B2) ** 2).sum().backward()
    np.testing.assert_allclose(B.grad.data, B2.grad.data, rtol=1e-11, atol=1e-12)
    # (cholesky reads A's lower triangle: its gradient there is the symmetric one folded in)
    G = A2.grad.data
    np.testing.assert_allclose(np.tril(A.grad.data), np.tril(G + G.T - np.diag(np.diag(G))),
                               rtol=1e-10, atol=1e-11)


def test_cholesky_solve_gradient_is_zero_on_the_triangle_not_read():
    F = am.tensor(np.linalg.cholesky(spd((3, 3))) + np.triu(np.ones((3, 3)), 1), requires_grad=True)
    am.cholesky_solve(am.tensor(rhs((3, 2))), F).sum().backward()
    np.testing.assert_array_equal(np.triu(F.grad.data, 1), 0.0)


def test_compiled_cholesky_solve_replays_eager_bit_for_bit():
    F0, B0 = np.linalg.cholesky(spd((2, 3, 3))), rhs((2, 3, 2))
    assert_compiled_replays_eager(
        lambda b, l: (am.cholesky_solve(b, l) * b).sum(),
        lambda k: [am.tensor(B0 + k, requires_grad=True), am.tensor(F0, requires_grad=True)])


@pytest.mark.parametrize("call, error, match", [
    (lambda: am.cholesky_solve(am.ones((3, 2)), am.ones((2, 3))), ValueError, r"cholesky_solve.*\(2, 3\)"),
    (lambda: am.cholesky_solve(am.ones(3), am.eye(3)), ValueError, r"cholesky_solve.*\(3,\).*\(3, 3\)"),
    (lambda: am.cholesky_solve(am.ones((4, 2)), am.eye(3)), ValueError, r"cholesky_solve.*\(4, 2\).*\(3, 3\)"),
    (lambda: am.cholesky_solve(am.ones((2, 3, 1)), am.ones((4, 3, 3))), ValueError,
     r"cholesky_solve.*batch.*\(2, 3, 1\).*\(4, 3, 3\)"),
    (lambda: am.cholesky_solve(am.ones((3, 1)), am.eye(3), upper=1), TypeError, r"cholesky_solve.*upper"),
    (lambda: am.cholesky_solve(am.ones((3, 1), dtype=am.int64), am.eye(3)), TypeError, r"cholesky_solve.*int64"),
])
def test_cholesky_solve_refuses_bad_input_naming_the_shapes(call, error, match):
    with pytest.raises(error, match=match):
        call()
