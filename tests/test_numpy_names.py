"""numpy's (and PyTorch's) asarray, constants and size attributes, as a port from numpy uses them."""

import numpy as np
import pytest

import autograd_mini as am


def test_constants_are_numpys():
    assert (am.pi, am.e, am.inf) == (np.pi, np.e, np.inf)
    assert np.isnan(am.nan) and am.newaxis is None
    assert am.tensor(np.ones((2, 3)))[:, am.newaxis].shape == (2, 1, 3)


def test_asarray_shares_an_ndarray_and_keeps_a_tensor():
    a = np.arange(3.0)
    t = am.asarray(a)
    a[0] = 7.0
    assert t.data[0] == 7.0  # shared memory, as np.asarray and torch.asarray
    u = am.tensor([1.0, 2.0])
    assert am.asarray(u) is u
    assert am.asarray([1, 2]).dtype == np.int64 and am.asarray([1.0], dtype=np.float32).dtype == np.float32


def test_asarray_copy():
    a = np.arange(3.0)
    c = am.asarray(a, copy=True)
    a[0] = 7.0
    assert c.data[0] == 0.0
    x = am.tensor([1.0, 2.0], requires_grad=True)
    y = am.asarray(x, copy=True)  # a recorded copy: the gradient reaches x
    (y * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])
    assert am.asarray(a, copy=False).data is a
    with pytest.raises(ValueError, match="asarray: copy=False, but list"):
        am.asarray([1.0, 2.0], copy=False)
    with pytest.raises(ValueError, match="needs a copy to become a tensor of dtype float32"):
        am.asarray(a, dtype=np.float32, copy=False)


def test_asarray_requires_grad():
    a = np.arange(3.0)
    t = am.asarray(a, requires_grad=True)
    assert t.requires_grad and t.grad_fn is None and t.data is a
    plain = am.tensor([1.0])
    leaf = am.asarray(plain, requires_grad=True)
    assert leaf.requires_grad and not plain.requires_grad
    w = am.tensor([1.0], requires_grad=True)
    assert am.asarray(w, requires_grad=True) is w
    with pytest.raises(ValueError, match="asarray: requires_grad=True makes a leaf, but the data is a tensor with a graph"):
        am.asarray(w * 2, requires_grad=True)
    with pytest.raises(TypeError, match="asarray: requires_grad"):
        am.asarray(a, requires_grad="yes")


def test_size_attributes():
    t = am.tensor(np.zeros((2, 3), np.float32))
    assert (t.nbytes, t.itemsize, t.element_size(), t.nelement()) == (24, 4, 4, 6)
