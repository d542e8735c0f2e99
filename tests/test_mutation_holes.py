"""Holes found by mutation testing (wrapping a primitive's VJP so that it computes a
slightly wrong gradient, then running the suite): each test here fails with such a
mutant and passes with the real table.

The generic test_primitives checks use gradcheck's defaults, atol=1e-5 and rtol=1e-3:
a VJP off by a factor of 1.001 (0.1%) sits on that bound and passes it. In float64
central differences with a step of 1e-6 are good to about 1e-9, so the same samples
are checked here again, to 1e-6: first order, and the recorded (create_graph=True)
gradient, whose own VJPs give the second derivatives.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini.primitives import PRIMITIVES
from primitive_samples import SAMPLES

DIFFERENTIABLE = sorted(n for n, p in PRIMITIVES.items() if p.differentiable)
TIGHT = dict(atol=1e-7, rtol=1e-6)


def _function(name, case):
    prim = PRIMITIVES[name]

    def f(*ts):
        args = list(case.args)
        for i, t in zip(case.diff, ts):
            args[i] = t
        return prim(*args, **case.params)

    return f


@pytest.mark.parametrize("name", DIFFERENTIABLE)
@settings(max_examples=4, deadline=None)
@given(data=st.data())
def test_primitive_gradients_to_a_tight_tolerance(name: str, data: st.DataObject) -> None:
    case = data.draw(SAMPLES[name], label=name)
    if np.asarray(case.expected).dtype != np.float64:  # (float32's differences are not this good)
        return
    f = _function(name, case)
    inputs = [case.args[i] for i in case.diff]
    assert am.gradcheck(f, inputs, seed=0, **TIGHT)
    assert am.gradgradcheck(f, inputs, seed=1, **TIGHT)


@pytest.mark.parametrize("sa, sb", [((2, 3, 4), (4, 3)), ((2, 1, 3, 2), (2, 3)), ((3, 2), (2, 2, 4)),
                                    ((3, 3), (2, 3, 3))])
def test_matmul_of_a_batch_with_a_matrix(sa: tuple, sb: tuple) -> None:
    # x @ W of a Linear on a 3-D input: a batch times one matrix (and a matrix times a
    # batch), each with its own VJP branch, which matmul's samples (1-D, 2-D, both
    # batched) never reached. Square operands too, where a missing transpose keeps shapes.
    rng = np.random.default_rng(0)
    a, b = rng.uniform(-2, 2, sa), rng.uniform(-2, 2, sb)
    assert am.gradcheck(am.matmul, [a, b], seed=0, **TIGHT)
    assert am.gradgradcheck(am.matmul, [a, b], seed=1, **TIGHT)
    c = rng.uniform(-2, 2, np.matmul(a, b).shape[-1:])
    f = PRIMITIVES["matmul_add"]
    assert am.gradcheck(f, [a, b, c], seed=0, **TIGHT)
    assert am.gradgradcheck(f, [a, b, c], seed=1, **TIGHT)
