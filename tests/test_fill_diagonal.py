"""Tensor.fill_diagonal_, PyTorch's in-place fill of the main diagonal (SimCLR's NT-Xent
masks its similarity matrix's diagonal with it): values against numpy's fill_diagonal,
the recorded form on a tensor with a graph (first and second order gradients), the
eager form's stamp, and refusals."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am
import autograd_mini.nn.functional as F


def _oracle(a, value, wrap=False):
    """The diagonal filled by hand: entries (i, i, ..., i), and for wrap=True a tall
    matrix restarts its diagonal every N + 1 rows, as numpy's and torch's."""
    out = np.array(a, dtype=float)
    if out.ndim == 2:
        rows, cols = out.shape
        r = 0
        while r < rows:
            for i in range(cols):
                if r + i < rows:
                    out[r + i, i] = value
            if not wrap:
                break
            r += cols + 1
    else:
        for i in range(out.shape[0]):
            out[(i,) * out.ndim] = value
    return out


@pytest.mark.parametrize("shape, wrap", [((4, 4), False), ((3, 5), False), ((7, 3), False),
                                         ((7, 3), True), ((8, 2), True), ((3, 3, 3), False)])
def test_values_match_a_loop_and_the_tensor_itself_is_returned(shape, wrap):
    a = np.random.default_rng(0).standard_normal(shape)
    t = am.tensor(a)
    assert t.fill_diagonal_(-2.5, wrap=wrap) is t
    np.testing.assert_array_equal(t.numpy(), _oracle(a, -2.5, wrap))


def test_a_tensor_with_a_graph_is_recorded_and_gradients_skip_the_diagonal():
    rng = np.random.default_rng(1)
    z0 = rng.standard_normal((6, 4))

    def f(z):
        zn = F.normalize(z, dim=1)
        sim = zn @ zn.T / 0.5
        sim.fill_diagonal_(float("-inf"))
        return F.cross_entropy(sim, am.tensor([3, 4, 5, 0, 1, 2]))

    assert am.gradcheck(f, (z0,))
    assert am.gradgradcheck(f, (z0,))
    z = am.tensor(z0, requires_grad=True)
    zn = z / np.linalg.norm(z0, axis=1, keepdims=True)
    s = zn @ zn.T
    s.fill_diagonal_(0.0)
    s.sum().backward()
    # d/dz of sum_{i != j} <zn_i, zn_j>: the diagonal's terms are gone
    manual = am.tensor(z0, requires_grad=True)
    mn = manual / np.linalg.norm(z0, axis=1, keepdims=True)
    ((mn @ mn.T) * (1 - np.eye(6))).sum().backward()
    np.testing.assert_allclose(z.grad.numpy(), manual.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_a_plain_tensor_is_written_in_place_and_stamped():
    w = am.tensor(np.ones((3, 3)), requires_grad=True)
    c = am.tensor(np.arange(9.0).reshape(3, 3))
    y = (w * c).sum()
    c.fill_diagonal_(0.0)  # c was kept by the product: its backward must refuse
    with pytest.raises(RuntimeError, match="fill_diagonal_"):
        y.backward()


def test_a_leaf_that_requires_grad_is_refused_but_allowed_under_no_grad():
    w = am.zeros((3, 3), requires_grad=True)
    with pytest.raises(RuntimeError, match="fill_diagonal_"):
        w.fill_diagonal_(1.0)
    with am.no_grad():
        w.fill_diagonal_(1.0)
    np.testing.assert_array_equal(w.numpy(), np.eye(3))


def test_the_dtype_stays():
    t = am.zeros((3, 3), dtype=np.float32)
    t.fill_diagonal_(1.5)
    assert t.dtype == np.float32
    i = am.zeros((2, 2), dtype=np.int64)
    i.fill_diagonal_(7)
    assert i.dtype == np.int64 and i.tolist() == [[7, 0], [0, 7]]


@pytest.mark.parametrize("shape, value, err, match", [
    ((4,), 1.0, ValueError, r"fill_diagonal_.*\(4,\)"),
    ((2, 3, 3), 1.0, ValueError, r"fill_diagonal_.*\(2, 3, 3\)"),
    ((3, 3), np.ones(3), ValueError, r"fill_diagonal_.*number"),
    ((3, 3), "x", TypeError, r"fill_diagonal_"),
])
def test_bad_input_is_refused_and_changes_nothing(shape, value, err, match):
    t = am.ones(shape)
    with pytest.raises(err, match=match):
        t.fill_diagonal_(value)
    np.testing.assert_array_equal(t.numpy(), np.ones(shape))
