"""Porting numpy programs: numpy's spellings that a scientist's code uses, on tensors."""

import numpy as np
import pytest

import autograd_mini as am


# -- numpy functions handed a tensor (__array_function__) -----------------------------------

@pytest.mark.parametrize("call, expected", [
    (lambda t: np.sum(t), 5.0),
    (lambda t: np.mean(t, axis=0), [2.5, 1.5, -1.5]),
    (lambda t: np.max(t), 5.0),
    (lambda t: np.std(t), np.std([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]])),
    (lambda t: np.any(t > 0), True),
    (lambda t: np.all(t > 0), False),
    (lambda t: np.prod(t, axis=1), [-6.0, -120.0]),
    (lambda t: np.cumsum(t, axis=1), [[1.0, -1.0, 2.0], [4.0, 9.0, 3.0]]),
    (lambda t: np.round(t, 1), [[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]]),
    (lambda t: np.clip(t, 0, 1), [[1.0, 0.0, 1.0], [1.0, 1.0, 0.0]]),
])
def test_numpy_reductions_of_a_tensor_without_grad_give_ndarrays(call, expected):
    # np.sum(t) calls t.sum(axis=..., dtype=..., out=...), numpy's route for objects
    # with a sum method; it failed with "unexpected keyword argument 'out'"
    t = am.tensor([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]])
    out = call(t)
    assert not isinstance(out, am.Tensor)
    np.testing.assert_allclose(out, expected)
    w = am.tensor([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]], requires_grad=True)
    with am.no_grad():  # (no graph is recorded: the values are what is asked for)
        np.testing.assert_allclose(call(w), expected)
    if isinstance(expected, bool):
        return  # (np.any(w > 0): the mask requires no grad, nothing to refuse)
    with pytest.raises(TypeError, match="requires grad"):
        call(w)


def test_numpy_functions_cannot_write_into_a_tensor_unseen():
    # the tensors reach numpy as read-only views: a write through np.copyto, out= or np.put
    # would change a tensor's values behind the version stamps that guard its graph
    t = am.tensor([1.0, 2.0, 3.0])
    for call in (lambda: np.copyto(t, np.zeros(3)), lambda: np.sum(np.ones((2, 3)), axis=0, out=t),
                 lambda: np.put(t, [0], [9.0]), lambda: np.place(t, np.ones(3, bool), [7.0])):
        with pytest.raises(ValueError, match=r"numpy\.\w+: .*write into a tensor"):
            call()
        assert np.array_equal(t.data, [1.0, 2.0, 3.0])
    v = np.ravel(t)  # (a view of the tensor's values: read-only as well)
    with pytest.raises(ValueError):
        v[0] = 5.0
    assert np.array_equal(t.data, [1.0, 2.0, 3.0])
