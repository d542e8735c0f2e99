"""What porting numpy programs (a Gaussian-process fit, a Kalman filter, matrix
factorisation) to autograd_mini met: numpy's names and result types."""

import numpy as np
import pytest

import autograd_mini as am


# -- slogdet's result has numpy's and torch's field names ---------------------------------


def test_slogdet_result_has_sign_and_logabsdet_fields():
    A0 = np.array([[2.0, 1.0], [1.0, -3.0]])
    A = am.tensor(A0, requires_grad=True)
    res = am.linalg.slogdet(A)
    want = np.linalg.slogdet(A0)
    assert res.sign.item() == want.sign and res.logabsdet.item() == pytest.approx(want.logabsdet, rel=1e-15)
    sign, logabsdet = res  # still unpacks as a pair
    assert sign is res.sign and logabsdet is res.logabsdet and res[1] is res.logabsdet
    res.logabsdet.backward()
    np.testing.assert_allclose(A.grad.data, np.linalg.inv(A0).T, rtol=1e-14)


def test_slogdet_result_batched_and_gradchecked():
    rng = np.random.default_rng(0)
    A0 = rng.standard_normal((3, 4, 4)) + 4 * np.eye(4)
    res = am.linalg.slogdet(A0)
    assert res.sign.shape == (3,) and res.logabsdet.shape == (3,)
    np.testing.assert_allclose(res.logabsdet.data, np.linalg.slogdet(A0).logabsdet, rtol=1e-13)
    assert am.gradcheck(lambda a: am.linalg.slogdet(a).logabsdet, (A0,))
    assert am.gradgradcheck(lambda a: am.linalg.slogdet(a).logabsdet, (A0[:1],))


def test_slogdet_fields_under_compile_replay_eager_bit_for_bit():
    A0 = np.random.default_rng(1).standard_normal((4, 4)) + 3 * np.eye(4)
    f = lambda a: am.linalg.slogdet(a).logabsdet * 2.0  # noqa: E731
    cf = am.compile(f)
    grads = []
    for g in (f, cf, cf):  # eager, recording call, replay
        a = am.tensor(A0, requires_grad=True)
        out = g(a)
        out.backward()
        grads.append((out.data.copy(), a.grad.data.copy()))
    for v, g in grads[1:]:
        np.testing.assert_array_equal(v, grads[0][0])
        np.testing.assert_array_equal(g, grads[0][1])
