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


def _np_normalized(x: np.ndarray, axes: tuple, eps: float) -> np.ndarray:
    mean = x.mean(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(((x - mean) ** 2).mean(axis=axes, keepdims=True) + eps)


@pytest.mark.parametrize("eps", [1e-5, 0.5, 2.0])
def test_layer_norm_and_group_norm_use_the_eps_they_are_given(eps: float) -> None:
    # The eps passed in (not the default 1e-5) must reach the output: the other tests
    # pass eps=1e-3 only to gradcheck, which a layer_norm ignoring eps passed.
    F = am.nn.functional
    x = np.random.default_rng(0).standard_normal((2, 6, 3)) * 0.3
    np.testing.assert_allclose(F.layer_norm(am.tensor(x), (3,), eps=eps).data,
                               _np_normalized(x, (2,), eps), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(am.nn.LayerNorm((6, 3), eps=eps)(am.tensor(x)).data,
                               _np_normalized(x, (1, 2), eps), rtol=1e-10, atol=1e-12)
    groups = _np_normalized(x.reshape(2, 2, 9), (2,), eps).reshape(x.shape)
    np.testing.assert_allclose(F.group_norm(am.tensor(x), 2, eps=eps).data, groups, rtol=1e-10, atol=1e-12)


def test_the_primitives_defaults_are_numpys() -> None:
    # The samples (and am.pad, am.min) always pass value= and keepdims=; the primitives'
    # own defaults are what a direct call gets: a mutant changing them passed the suite.
    x = np.arange(1.0, 4.0)
    out = PRIMITIVES["pad"](am.tensor(x), pad_width=((1, 2),))
    np.testing.assert_array_equal(out.data, [0.0, 1.0, 2.0, 3.0, 0.0, 0.0])
    m = np.array([[3.0, 1.0, 2.0], [0.5, 4.0, -1.0]])
    for name, ref in [("sum", np.sum), ("max", np.max), ("min", np.min), ("argmax", np.argmax),
                      ("argmin", np.argmin)]:
        for axis in (None, 0, 1):
            got = PRIMITIVES[name](am.tensor(m), axis=axis)
            assert got.shape == np.shape(ref(m, axis=axis)), (name, axis)
            np.testing.assert_array_equal(got.data, ref(m, axis=axis))
