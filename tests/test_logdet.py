"""am.logdet (torch.logdet, also a Tensor method): log det A, as a Gaussian process's
log marginal likelihood writes it. Values against numpy's slogdet, NaN for a negative
determinant and -inf for a singular A (as torch's), gradients first and second order,
an am.compile replay, refusals."""

import numpy as np
import pytest

import autograd_mini as am
from test_linalg import spd
from replay_check import assert_compiled_replays_eager


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (2, 1, 2, 2)])
def test_logdet_equals_numpy_for_a_positive_determinant(shape):
    A = spd(shape)
    got = am.logdet(am.tensor(A)).data
    assert got.shape == shape[:-2]
    for idx in np.ndindex(*shape[:-2]):
        sign, want = np.linalg.slogdet(A[idx])
        assert sign == 1 and abs(got[idx] - want) <= 1e-13 * max(1.0, abs(want))
    np.testing.assert_array_equal(am.tensor(A).logdet().data, got)


def test_logdet_is_nan_for_a_negative_determinant_and_minus_inf_for_a_singular_one():
    A = np.stack([np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([[1.0, 2.0], [2.0, 4.0]]), 2 * np.eye(2)])
    out = am.logdet(am.tensor(A)).data
    assert np.isnan(out[0]) and out[1] == -np.inf and out[2] == pytest.approx(np.log(4.0))
    # (a negative determinant's NaN carries no gradient: 0, as torch's)
    B = am.tensor(np.array([[0.0, 1.0], [1.0, 0.0]]), requires_grad=True)
    am.logdet(B).backward()
    np.testing.assert_array_equal(B.grad.data, 0.0)


def test_logdet_gradients_first_and_second_order():
    for shape in ((3, 3), (2, 3, 3)):
        A = spd(shape, 1)
        assert am.gradcheck(am.logdet, (A,))
        assert am.gradgradcheck(am.logdet, (A,))
    A = am.tensor(spd((3, 3), 2), requires_grad=True)
    am.logdet(A).backward()
    np.testing.assert_allclose(A.grad.data, np.linalg.inv(A.data).T, rtol=1e-12)


def test_compiled_logdet_replays_eager_bit_for_bit():
    assert_compiled_replays_eager(lambda a: am.logdet(a).sum(),
                                  lambda k: [am.tensor(spd((2, 3, 3), k), requires_grad=True)])


@pytest.mark.parametrize("A, error, match", [
    (np.ones((2, 3)), ValueError, r"logdet.*\(2, 3\)"),
    (np.ones(3), ValueError, r"logdet.*\(3,\)"),
    (np.eye(3, dtype=np.int64), TypeError, r"logdet.*int64"),
])
def test_logdet_refuses_bad_input_naming_the_shape(A, error, match):
    with pytest.raises(error, match=match):
        am.logdet(am.tensor(A))
