"""Second- and third-order derivatives at points where PyTorch 2.x gives NaN or a wrong
value (found by differential fuzzing of double backward against PyTorch): analytic
oracles and central differences pin autograd_mini's (correct) answers."""
import numpy as np

import autograd_mini as am
import autograd_mini.nn.functional as F


def _hvp(f, x0, u, w=None):
    x = am.tensor(x0, requires_grad=True)
    out = f(x)
    w = np.ones(out.shape) if w is None else w
    (g,) = am.autograd.grad((out * am.tensor(w)).sum(), [x], create_graph=True)
    (h,) = am.autograd.grad((g * am.tensor(u)).sum(), [x])
    return h.data


def test_sinc_second_derivative_at_zero():
    # sinc(x) = sin(pi x)/(pi x) = 1 - (pi x)^2/6 + ...: sinc''(0) = -pi^2/3 (PyTorch: NaN)
    x0 = np.array([0.0, 0.5])
    h = _hvp(am.sinc, x0, np.ones(2))
    a = np.pi * 0.5
    d2 = ((2 - a * a) * np.sin(a) - 2 * a * np.cos(a)) / (a ** 3) * np.pi ** 2  # sinc'' at 0.5
    np.testing.assert_allclose(h, [-np.pi ** 2 / 3, d2], rtol=1e-12)


def test_vector_norm_hessian_with_a_zero_entry():
    # f = (sum |x_i|^p)^(1/p), p = 2.5: the Hessian exists at x_0 = 0 and its row 0 is 0
    # (|x|^(p-2) -> 0); PyTorch's double backward gives NaN there.
    p = 2.5
    x0 = np.array([0.0, 0.5, -1.0])
    f = (np.abs(x0) ** p).sum() ** (1 / p)
    a = np.abs(x0) ** (p - 1) * np.sign(x0)
    H = (p - 1) * np.diag(np.abs(x0) ** (p - 2)) * f ** (1 - p) + (1 - p) * np.outer(a, a) * f ** (1 - 2 * p)
    u = np.array([0.3, -1.1, 0.7])
    np.testing.assert_allclose(_hvp(lambda x: am.linalg.vector_norm(x, p), x0, u), H @ u, rtol=1e-12, atol=1e-15)


def test_normalize_second_derivative_at_zero_is_zero():
    # near x = 0 the norm is clamped to eps, F.normalize(x) = x / eps is linear: Hessian 0
    # (PyTorch: NaN)
    rng = np.random.default_rng(0)
    h = _hvp(lambda x: F.normalize(x, dim=0, eps=0.1), np.zeros((4, 2)), rng.standard_normal((4, 2)),
             rng.standard_normal((4, 2)))
    np.testing.assert_array_equal(h, np.zeros((4, 2)))


def test_layer_norm_third_derivative_matches_finite_differences():
    # PyTorch 2.x's third derivative of layer_norm (and batch/instance norm) is wrong;
    # ours: the second derivative of x -> d<w, layer_norm(x)>/dx checked numerically.
    rng = np.random.default_rng(1)
    w = am.tensor(rng.standard_normal((2, 3)))

    def grad_of_ln(x):
        if not x.requires_grad:  # (gradcheck's numerical passes evaluate at plain points)
            x = am.tensor(x.data, requires_grad=True)
        (g,) = am.autograd.grad((F.layer_norm(x, (3,), eps=0.01) * w).sum(), [x], create_graph=True)
        return g

    assert am.gradgradcheck(grad_of_ln, [am.tensor(rng.standard_normal((2, 3)), requires_grad=True)],
                            atol=1e-6, rtol=1e-5)
