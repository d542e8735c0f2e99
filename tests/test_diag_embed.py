"""am.diag_embed (torch.diag_embed, also a Tensor method): a batch of vectors on the
offset-th diagonal of two new axes dim1, dim2 (torch's names). Values against a loop
oracle, gradients first and second order, an am.compile replay, refusals."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import autograd_mini as am


def oracle(x, offset=0, dim1=-2, dim2=-1):
    """Loops: the (..., m, m) matrices with x on the offset-th diagonal, then the two
    matrix axes moved to dim1 and dim2 of the output."""
    n = x.shape[-1]
    m = n + abs(offset)
    out = np.zeros(x.shape[:-1] + (m, m), dtype=x.dtype)
    for idx in np.ndindex(*x.shape[:-1]):
        for i in range(n):
            r, c = (i, i + offset) if offset >= 0 else (i - offset, i)
            out[idx + (r, c)] = x[idx + (i,)]
    nd = x.ndim + 1
    return np.moveaxis(out, (-2, -1), (dim1 % nd, dim2 % nd))


@settings(max_examples=15, deadline=None)
@given(shape=st.lists(st.integers(1, 3), min_size=1, max_size=3).map(tuple), offset=st.integers(-2, 2),
       dims=st.tuples(st.integers(-4, 3), st.integers(-4, 3)))
def test_diag_embed_equals_the_loop_oracle_and_checks_gradients(shape, offset, dims):
    nd = len(shape) + 1
    d1, d2 = dims
    assume(-nd <= d1 < nd and -nd <= d2 < nd and d1 % nd != d2 % nd)
    x = np.random.default_rng(len(shape) + offset + 2).standard_normal(shape)
    out = am.diag_embed(am.tensor(x), offset, d1, d2).data
    np.testing.assert_array_equal(out, oracle(x, offset, d1, d2))
    np.testing.assert_array_equal(am.tensor(x).diag_embed(offset, d1, d2).data, out)
    # (weights from 1: a weight 0 on the only entry of a (1, 1) input would leave no derivative to check)
    f = lambda t: am.diag_embed(t, offset, d1, d2) * np.arange(1, out.size + 1).reshape(out.shape)
    assert am.gradcheck(f, (x,))
    assert am.gradgradcheck(f, (x,))


def test_diag_embed_defaults_keep_the_dtype_and_inf_off_the_zeros():
    x = am.tensor([[1.0, np.inf], [2.0, 3.0]])
    out = am.diag_embed(x).data
    assert out.shape == (2, 2, 2) and not np.isnan(out).any()
    np.testing.assert_array_equal(out[0], [[1.0, 0.0], [0.0, np.inf]])
    assert am.diag_embed(am.tensor([1, 2])).dtype == np.int64
    assert am.diag_embed(am.tensor([True, False])).dtype == np.bool_
    assert am.diag_embed(am.tensor(np.ones(3, np.float32))).dtype == np.float32


def test_compiled_diag_embed_replays_eager_bit_for_bit():
    w = am.tensor(np.random.default_rng(3).standard_normal((2, 4, 4)))
    fn = lambda a, w: (am.diag_embed(a.sin(), 1) * w).sum()
    step = am.compile(fn)
    for k in range(3):
        x0 = np.random.default_rng(k).standard_normal((2, 3))
        a, b = am.tensor(x0, requires_grad=True), am.tensor(x0, requires_grad=True)
        out, want = step(a, w), fn(b, w)
        out.backward(), want.backward()
        np.testing.assert_array_equal(out.data, want.data)
        np.testing.assert_array_equal(a.grad.data, b.grad.data)
    assert step.recordings == 1


@pytest.mark.parametrize("kwargs, x, error, match", [
    ({}, np.float64(1.0), ValueError, r"diag_embed: input must have at least 1 axis.*\(\)"),
    ({"dim1": 0, "dim2": -3}, np.ones((2, 3)), ValueError, r"diag_embed: dim1=0 and dim2=-3.*\(2, 3\)"),
    ({"dim1": 3}, np.ones((2, 3)), ValueError, r"diag_embed: dim1=3 is out of range.*\(2, 3\)"),
    ({"offset": 1.0}, np.ones(3), TypeError, r"diag_embed: offset must be an int.*\(3,\)"),
    ({"dim2": True}, np.ones(3), TypeError, r"diag_embed: dim2 must be an int.*\(3,\)"),
])
def test_diag_embed_refuses_bad_arguments_naming_the_shape(kwargs, x, error, match):
    with pytest.raises(error, match=match):
        am.diag_embed(am.tensor(x), **kwargs)
