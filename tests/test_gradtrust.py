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
