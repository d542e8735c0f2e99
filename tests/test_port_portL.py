"""What porting three PyTorch programs (PPO on a numpy CartPole, a TCN forecaster, a
mixture density network) met: torch.min(a, b) / torch.max(a, b) of two tensors, which
numpy's max(x, axis) read as a reduction."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_mini as am

D = am.distributions
LOG2PI = math.log(2 * math.pi)


# -- torch.min(a, b) / torch.max(a, b): the elementwise form is refused, never a reduction -----

@pytest.mark.parametrize("call", [
    lambda x, b: am.max(x, b), lambda x, b: am.min(x, b),
    lambda x, b: x.max(b), lambda x, b: x.min(b),
])
@pytest.mark.parametrize("b", [am.tensor(0), am.tensor(0.0), am.tensor([0.0, 1.0, 2.0])])
def test_a_tensor_as_max_or_min_axis_is_refused_pointing_to_the_elementwise_form(call, b):
    x = am.tensor([1.0, -2.0, 3.0], requires_grad=True)
    # (a 0-d integer tensor was read as axis 0: torch.max(x, torch.tensor(0)), a ReLU,
    # silently gave the scalar 3.0)
    with pytest.raises(TypeError, match=r"imum\(a, b\)") as e:
        call(x, b)
    assert "shape (3,)" in str(e.value)


def test_max_and_min_still_take_int_tuple_list_and_numpy_integer_axes():
    x = np.arange(6.0).reshape(2, 3)
    t = am.tensor(x)
    assert am.max(t, 1).tolist() == x.max(1).tolist()
    assert t.min(np.int64(0)).tolist() == x.min(0).tolist()
    assert am.min(t, (0, 1)).item() == 0.0 and t.max([0, 1]).item() == 5.0
