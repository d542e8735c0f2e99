"""What porting numpy programs (a Gaussian-process fit, a Kalman filter, matrix
factorisation) to autograd_mini met: numpy's names and result types."""

import numpy as np
import pytest

import autograd_mini as am
from replay_check import assert_compiled_replays_eager


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
    assert_compiled_replays_eager(lambda a: am.linalg.slogdet(a).logabsdet * 2.0,
                                  lambda k: (am.tensor(A0 + k, requires_grad=True),))


# -- numpy's array and copy: what `np.` -> `am.` gives a port ----------------------------


def test_array_copies_as_np_array():
    a = np.arange(3.0)
    t = am.array(a)
    a[0] = 7.0
    assert t.data[0] == 0.0 and t.dtype == np.float64 and not t.requires_grad
    assert am.array([[1, 2]]).dtype == np.array([[1, 2]]).dtype
    assert am.array([1.0, 2.0], dtype=np.float32).dtype == np.float32
    assert am.array(a, copy=False).data is a  # numpy 2's copy=False: never copies
    with pytest.raises(ValueError, match="array: copy=False, but list"):
        am.array([1.0], copy=False)
    w = am.array([1.0, 2.0], requires_grad=True)
    assert w.is_leaf and w.requires_grad
    for nd in (0, 1, 2, 3):
        assert am.array(2.5, ndmin=nd).shape == np.array(2.5, ndmin=nd).shape
    assert am.array(a, ndmin=3).shape == (1, 1, 3)
    with pytest.raises(ValueError, match="array: ndmin must be an int >= 0"):
        am.array(a, ndmin=-1)


def test_array_and_copy_of_a_tensor_keep_its_graph():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    y = am.array(x * 2, ndmin=2)
    z = am.copy(x)
    assert y.shape == (1, 2) and z.data is not x.data
    (y.sum() * 3 + (z * z).sum()).backward()
    np.testing.assert_array_equal(x.grad.data, [8.0, 10.0])
    assert am.gradcheck(lambda t: am.copy(t) ** 2, (np.array([0.5, -1.5]),))
    assert am.gradgradcheck(lambda t: am.array(t, ndmin=3) ** 3, (np.array([0.5, -1.5]),))


def test_copy_is_nps_copy():
    a = np.arange(4.0).reshape(2, 2)
    c = am.copy(a)
    a[0, 0] = 9.0
    assert c.data[0, 0] == 0.0 and c.shape == (2, 2)
    t = am.tensor([1.0])
    assert am.copy(t).data is not t.data


def test_array_and_copy_under_compile_replay_eager_bit_for_bit():
    assert_compiled_replays_eager(lambda t: (am.copy(t) * am.array(t, ndmin=2)).sum(),
                                  lambda k: (am.tensor([0.25, -2.0, 3.0 + k], requires_grad=True),))
