"""am.linalg.cholesky(A, upper=True), torch.linalg.cholesky's keyword: U upper triangular
with U^T U = A, read from A's upper triangle (as torch's LAPACK call with uplo='U')."""

import numpy as np
import pytest

import autograd_mini as am
from test_linalg import spd
from replay_check import assert_compiled_replays_eager

L = am.linalg


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (2, 1, 3, 3)])
def test_upper_is_the_transpose_of_lower_and_reads_the_upper_triangle(shape):
    A = spd(shape)
    U = L.cholesky(am.tensor(A), upper=True).data
    np.testing.assert_array_equal(np.tril(U, -1), 0.0)
    np.testing.assert_allclose(np.swapaxes(U, -1, -2) @ U, A, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(U, np.swapaxes(np.linalg.cholesky(A), -1, -2))
    np.testing.assert_array_equal(L.cholesky(am.tensor(A), upper=False).data, np.linalg.cholesky(A))
    junk = A + np.tril(np.ones(shape), -1) * 100.0   # (the lower triangle is not read)
    np.testing.assert_array_equal(L.cholesky(am.tensor(junk), upper=True).data, U)


def test_upper_gradients_first_and_second_order_and_zero_below_the_diagonal():
    f = lambda a: L.cholesky(a, upper=True)
    for shape in ((3, 3), (2, 3, 3)):
        A = spd(shape, 1)
        assert am.gradcheck(f, (A,))
        assert am.gradgradcheck(f, (A,))
    A = am.tensor(spd((3, 3), 2), requires_grad=True)
    f(A).sum().backward()
    np.testing.assert_array_equal(np.tril(A.grad.data, -1), 0.0)


def test_compiled_upper_cholesky_replays_eager_bit_for_bit():
    assert_compiled_replays_eager(lambda a: (L.cholesky(a, upper=True) ** 2).sum(),
                                  lambda k: [am.tensor(spd((2, 3, 3), k), requires_grad=True)])


def test_upper_must_be_a_bool_and_a_is_named_with_its_own_shape():
    with pytest.raises(TypeError, match=r"cholesky: upper.*\(3, 3\)"):
        L.cholesky(am.eye(3), upper="U")
    for shape in ((3,), (2, 3)):
        with pytest.raises(ValueError, match=r"cholesky:.*got shape " + str(shape).replace("(", r"\(").replace(")", r"\)")):
            L.cholesky(am.ones(shape), upper=True)
