"""gradcheck, gradgradcheck and check_graph as a user's testing tool: mistakes a
custom primitive's author makes, and what the checks say about them."""

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.primitives import Primitive


def test_gradcheck_error_is_public_for_pytest_raises():
    # A user's test of a deliberately wrong gradient needs the exception class.
    from autograd_mini.gradcheck import GradcheckError

    assert am.GradcheckError is GradcheckError
    with pytest.raises(am.GradcheckError, match="wrong gradient for input 0"):
        am.gradcheck(lambda x: am.sin(x) + am.tensor(x.data), np.array([0.3, 0.7]), seed=0)


def _sin_with(vjp):
    return Primitive("user_sin", np.sin, (vjp,), register=False)


def test_gradcheck_fails_a_nondeterministic_vjp_however_small_its_noise():
    # Noise of 1e-8 hides under rtol=1e-3 in a single comparison; PyTorch's gradcheck
    # catches it by running backward twice ("not reentrant"), and so must this one.
    rng = np.random.default_rng(0)
    noisy = _sin_with(lambda g, ans, x: g * am.cos(x) * (1 + 1e-8 * rng.standard_normal()))
    with pytest.raises(am.GradcheckError, match="two backward passes .* not deterministic"):
        am.gradcheck(lambda x: noisy(x), np.array([0.3, 0.7, 1.1]), seed=0)
    # gradgradcheck says the same (its first step checks the recorded gradient), rather than
    # blaming f's forward for giving different outputs
    with pytest.raises(am.GradcheckError, match="not deterministic"):
        am.gradgradcheck(lambda x: noisy(x), np.array([0.3, 0.7, 1.1]), seed=0)


def test_gradcheck_names_a_vjp_that_writes_into_its_saved_input():
    def vjp(g, ans, x):
        if type(x) is np.ndarray:
            np.multiply(x, g, out=x)  # the mistake: the saved input is overwritten
            return x
        return g * x

    half_square = Primitive("half_square", lambda x: 0.5 * x * x, (vjp,), register=False)
    x0 = np.array([0.3, -0.7, 1.1])
    with pytest.raises(am.GradcheckError, match="input 0 .*changed this input in place") as info:
        am.gradcheck(lambda x: half_square(x), x0.copy(), seed=0)
    assert info.value.report.input_index == 0


def test_missing_unbroadcast_is_named_as_such():
    add = Primitive("user_add", lambda a, b: a + b, (lambda g, ans, a, b: g, lambda g, ans, a, b: g),
                    register=False)
    with pytest.raises(am.GradcheckError, match=r"input 1 .*shape \(3,\).*sum its gradient over the broadcast"):
        am.gradcheck(lambda a, b: add(a, b), (np.ones((2, 3)), np.ones(3)), seed=0)


def _graph_note(loss):
    report = am.check_graph(loss, raise_exception=False, seed=0)
    assert not report.ok
    return report.failed[0].report.note


def test_check_graph_names_a_vjp_that_writes_into_g():
    def vjp(g, ans, x):
        g *= np.cos(x)  # the mistake: add's VJP hands this g to its other input too
        return g

    sin = _sin_with(vjp)
    x = am.tensor(np.array([0.3, -0.7, 1.1]), requires_grad=True)
    assert "the VJP wrote into its cotangent g" in _graph_note(sin(x) + 2 * x)


def test_check_graph_names_a_vjp_that_writes_into_a_saved_input():
    def vjp(g, ans, x):
        np.multiply(x, g, out=x)
        return x

    half_square = Primitive("half_square", lambda x: 0.5 * x * x, (vjp,), register=False)
    x = am.tensor(np.array([0.3, -0.7, 1.1]), requires_grad=True)
    assert "the VJP wrote into input 0" in _graph_note(half_square(x))
    np.testing.assert_array_equal(x.data, [0.3, -0.7, 1.1])  # (the audit put it back)


def test_check_graph_fails_a_nondeterministic_vjp():
    rng = np.random.default_rng(0)
    sin = _sin_with(lambda g, ans, x: g * np.cos(x) * (1 + 1e-8 * rng.standard_normal()))
    x = am.tensor(np.array([0.3, -0.7, 1.1]), requires_grad=True)
    assert "not deterministic" in _graph_note(sin(x))


def test_check_graph_blames_a_forward_that_writes_into_its_input_not_the_vjp():
    def fwd(x):
        x *= 1.0001
        return 2 * x

    double = Primitive("user_double", fwd, (lambda g, ans, x: 2 * g,), register=False)
    x = am.tensor(np.array([0.3, -0.7, 1.1]), requires_grad=True)
    assert "the forward changed it in place" in _graph_note(double(x))


def test_check_graph_blames_a_random_forward_not_the_vjp():
    rng = np.random.default_rng(0)
    noisy = Primitive("user_noisy", lambda x: x * (1 + 0.01 * rng.random(x.shape)), (lambda g, ans, x: g,),
                      register=False)
    x = am.tensor(np.array([0.3, -0.7, 1.1]), requires_grad=True)
    assert "different outputs in two calls" in _graph_note(noisy(x))


def test_gradcheck_takes_several_outputs_and_names_the_wrong_one():
    # PyTorch's gradcheck takes a tuple of outputs; here f had to join them by hand.
    x = np.array([0.3, 0.7, 1.1])
    assert am.gradcheck(lambda a: (am.sin(a), am.cos(a), a.argmax()), x, seed=0)
    assert am.gradcheck(lambda a: [am.sin(a).sum(), a * a], x, seed=0)
    assert am.gradgradcheck(lambda a: (am.sin(a), a * a * a), x, seed=0)
    np.testing.assert_allclose(am.numerical_grad(lambda a: (am.sin(a), am.cos(a)), x),
                               np.cos(x) - np.sin(x), rtol=1e-7)
    cos = Primitive("wrong_cos", np.cos, (lambda g, ans, a: g * am.sin(a),), register=False)
    with pytest.raises(am.GradcheckError, match=r"output 1 of f's 2 floating outputs\) failed: wrong gradient"):
        am.gradcheck(lambda a: (am.sin(a), cos(a)), x, seed=0)
    with pytest.raises(TypeError, match=r"tuple/list of Tensors, got \(Tensor, int\)"):
        am.gradcheck(lambda a: (am.sin(a), 3), x)
