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

