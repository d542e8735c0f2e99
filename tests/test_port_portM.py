"""Frictions met porting PyTorch programs (GAT, metric learning, image optimisation)."""
import numpy as np
import pytest

import autograd_mini as am


def _oracle_vector_norm(a, p, axes):
    a = np.moveaxis(a, axes, tuple(range(-len(axes), 0)))
    a = a.reshape(a.shape[:a.ndim - len(axes)] + (-1,))
    out = np.empty(a.shape[:-1])
    for i in np.ndindex(out.shape):
        v = np.abs(a[i])
        out[i] = v.max() if p == np.inf else (v ** p).sum() ** (1.0 / p)
    return out


@pytest.mark.parametrize("p", [1, 2, 3, 0.5, np.inf])
def test_tensor_norm_of_a_matrix_is_torchs_entrywise_norm(p):
    # torch: w.norm(2) of a weight matrix (weight decay, gradient-norm logging) is the
    # 2-norm of all its entries, not the spectral norm np.linalg.norm(w, 2) gives.
    w = np.array([[1.0, -2.0], [3.0, 4.0]])
    got = am.tensor(w).norm(p)
    np.testing.assert_allclose(got.numpy(), _oracle_vector_norm(w, p, (0, 1)), rtol=1e-12)


def test_tensor_norm_torch_keywords():
    g = np.random.default_rng(0)
    x = g.standard_normal((2, 3, 4))
    t = am.tensor(x)
    np.testing.assert_allclose(t.norm(p=2, dim=1, keepdim=True).numpy(),
                               _oracle_vector_norm(x, 2, (1,))[:, None, :], rtol=1e-12)
    np.testing.assert_allclose(t.norm(dim=(1, 2)).numpy(), _oracle_vector_norm(x, 2, (1, 2)), rtol=1e-12)
    np.testing.assert_allclose(t.norm("fro", dim=(1, 2)).numpy(), _oracle_vector_norm(x, 2, (1, 2)), rtol=1e-12)
    np.testing.assert_allclose(t.norm(1).numpy(), np.abs(x).sum(), rtol=1e-12)
    m = x[0]
    np.testing.assert_allclose(am.tensor(m).norm("nuc").numpy(), np.linalg.svd(m, compute_uv=False).sum(),
                               rtol=1e-12)
    # numpy's keywords keep np.linalg.norm's meaning
    np.testing.assert_allclose(am.tensor(m).norm(ord=2).numpy(), np.linalg.norm(m, 2), rtol=1e-12)
    np.testing.assert_allclose(t.norm(axis=1, keepdims=True).numpy(),
                               np.linalg.norm(x, axis=1, keepdims=True), rtol=1e-12)


def test_tensor_norm_bad_input():
    t = am.tensor(np.ones((2, 3, 4)))
    with pytest.raises(TypeError, match="norm"):
        t.norm(2, ord=2)
    with pytest.raises(ValueError, match="norm.*nuc.*\\(2, 3, 4\\)"):
        t.norm("nuc")
    with pytest.raises(ValueError, match="norm.*'abc'"):
        t.norm("abc")


def test_tensor_norm_gradients():
    g = np.random.default_rng(1)
    for shape in [(3, 4), (2, 3, 2)]:
        x = g.standard_normal(shape)
        for f in (lambda t: t.norm(2), lambda t: t.norm(p=3, dim=-1).sum(),
                  lambda t: t.norm(dim=(0, 1), keepdim=True).sum()):
            assert am.gradcheck(f, (x,))
            assert am.gradgradcheck(f, (x,))
    # torch's choice at 0: gradient 0, not NaN
    z = am.zeros(2, 2, requires_grad=True)
    z.norm(2).backward()
    assert np.array_equal(z.grad.numpy(), np.zeros((2, 2)))


def test_tensor_norm_compiles_bit_for_bit():
    w = am.tensor(np.random.default_rng(2).standard_normal((3, 4)), requires_grad=True)
    f = lambda w: w.norm(2) + w.norm(p=1, dim=1).sum()
    eager = f(w)
    eager.backward()
    ge = w.grad.numpy().copy()
    cf = am.compile(f)
    for _ in range(2):
        w.grad = None
        out = cf(w)
        out.backward()
        assert out.numpy().tobytes() == eager.numpy().tobytes()
        assert w.grad.numpy().tobytes() == ge.tobytes()
