"""Cases found by differential fuzzing of nn.functional against PyTorch's documented behaviour."""
import numpy as np
import pytest

import autograd_mini as am
import autograd_mini.nn.functional as F


def test_linear_accepts_weight_vector_as_pytorch_documents():
    # PyTorch: weight (out, in) or (in,); bias (out,) or (); output (..., out) or (...).
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 4, 3))
    w = rng.standard_normal(3)
    xt, wt = am.tensor(x, requires_grad=True), am.tensor(w, requires_grad=True)
    bt = am.tensor(0.5, requires_grad=True)
    out = F.linear(xt, wt, bt)
    assert out.shape == (2, 4)
    np.testing.assert_allclose(out.data, x @ w + 0.5, rtol=1e-12)
    g = rng.standard_normal((2, 4))
    out.backward(am.tensor(g))
    np.testing.assert_allclose(xt.grad.data, g[..., None] * w, rtol=1e-12)
    np.testing.assert_allclose(wt.grad.data, np.einsum("abi,ab->i", x, g), rtol=1e-12)
    np.testing.assert_allclose(bt.grad.data, g.sum(), rtol=1e-12)
    one = F.linear(am.tensor(x[0, 0]), am.tensor(w))
    assert one.shape == () and np.isclose(one.item(), x[0, 0] @ w)


def test_linear_weight_vector_checks_shapes():
    with pytest.raises(ValueError, match="linear"):
        F.linear(am.zeros((2, 3)), am.zeros(4))
    with pytest.raises(ValueError, match="bias must be 0-d"):
        F.linear(am.zeros((2, 3)), am.zeros(3), am.zeros(1))
