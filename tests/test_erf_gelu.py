"""erf (a primitive: numpy has none) against math.erf in ulps, and F.gelu / nn.GELU in both of
PyTorch's modes against naive oracles written here (math.erf / math.tanh per element), with
their limits at large |x| and infinities."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn import functional as F

SETTINGS = settings(max_examples=10, deadline=None)
SHAPES = st.sampled_from([(), (1,), (4,), (2, 3), (2, 1, 3)])
MODES = ["none", "tanh"]


def ulps(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance in units in the last place between float64 arrays (+0 and -0 are 0 apart)."""
    ia, ib = (np.asarray(v, np.float64).view(np.int64) for v in (a, b))
    ia, ib = (np.where(i < 0, np.int64(-(2**63)) - i, i) for i in (ia, ib))
    return np.abs(ia - ib)


def math_erf(x: np.ndarray) -> np.ndarray:
    return np.array([math.erf(v) for v in np.ravel(x).tolist()]).reshape(np.shape(x))


def naive_gelu(x: np.ndarray, approximate: str) -> np.ndarray:
    out = np.zeros(x.shape)
    for pos in np.ndindex(x.shape):
        v = float(x[pos])
        if approximate == "none":
            out[pos] = v * 0.5 * (1.0 + math.erf(v / math.sqrt(2.0)))
        else:
            out[pos] = 0.5 * v * (1.0 + math.tanh(math.sqrt(2.0 / math.pi) * (v + 0.044715 * (v * v * v))))
    return out


def check12(f, inputs) -> None:
    assert am.gradcheck(f, inputs)
    assert am.gradgradcheck(f, inputs)


# -- erf ------------------------------------------------------------------------------------------


def _erf_points() -> np.ndarray:
    rng = np.random.default_rng(0)
    tiny = np.geomspace(5e-324, 1e-300, 2000)  # subnormals and tiny normals
    log_spaced = np.geomspace(1e-300, 30.0, 40000)
    edges = np.array([0.5, 4.0, 6.0, 30.0, 1e-300, 2.2250738585072014e-308])
    edges = np.concatenate([edges, np.nextafter(edges, 0), np.nextafter(edges, np.inf)])
    positive = np.concatenate([tiny, log_spaced, edges, rng.uniform(0, 7, 20000)])
    return np.concatenate([np.linspace(-30, 30, 100001), positive, -positive, [0.0, -0.0]])


def test_erf_within_3_ulps_of_math_erf_in_float64():
    x = _erf_points()
    got = am.erf(x).data
    assert got.dtype == np.float64
    err = ulps(got, math_erf(x))
    worst = int(err.argmax())
    assert err.max() <= 3, f"erf({x[worst]!r}) = {got[worst]!r}, {err.max()} ulps from math.erf"
    assert np.mean(err) < 0.5  # (most points are exact or 1 ulp off)


def test_erf_in_float32_is_the_float64_result_rounded():
    x = _erf_points().astype(np.float32)
    got = am.erf(x).data
    assert got.dtype == np.float32
    expected = math_erf(x.astype(np.float64))
    assert np.array_equal(got, am.erf(x.astype(np.float64)).data.astype(np.float32))
    assert np.max(np.abs(got - expected) / np.maximum(np.spacing(np.abs(expected).astype(np.float32)), 1e-45)) <= 1


def test_erf_special_values():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (no overflow or invalid-value warnings either)
        x = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, 1e308, -1e308, 5e-324, -5e-324, 1e-310])
        got = am.erf(x).data
    assert got[:2].tolist() == [1.0, -1.0] and np.isnan(got[2])
    assert got[3] == 0.0 and not np.signbit(got[3]) and got[4] == 0.0 and np.signbit(got[4])
    assert got[5:7].tolist() == [1.0, -1.0]
    assert got[7:].tolist() == [math.erf(v) for v in x[7:]]
    assert am.erf(np.float32(-np.inf)).data.dtype == np.float32
    # The dtype numpy's exp would give; 0-d stays 0-d; Tensor method and function agree.
    assert am.erf(np.array([1, 2])).dtype == np.float64 and am.erf(2.0).shape == ()
    t = am.tensor([0.3, -1.7])
    assert np.array_equal(t.erf().data, am.erf(t).data)
    with pytest.raises(TypeError, match="erf: expected real numbers, got dtype complex128"):
        am.erf(np.array([1j]))


@SETTINGS
@given(shape=SHAPES, seed=st.integers(0, 2**16), limit=st.sampled_from([0.3, 1.0, 2.5]))
def test_erf_gradients_first_and_second_order(shape, seed, limit):
    x = np.random.default_rng(seed).uniform(-limit, limit, shape)  # (erf' > 1e-5: gradcheck's atol)
    check12(am.erf, (x,))
    t = am.tensor(x, requires_grad=True)
    am.erf(t).sum().backward()
    np.testing.assert_allclose(t.grad.data, 2 / math.sqrt(math.pi) * np.exp(-x * x), rtol=1e-15)


def test_erf_derivatives_at_infinity_are_zero_not_nan():
    # erf'' = -2x erf'(x) -> 0 as |x| -> inf; x = inf left in the VJP made it inf * 0 = NaN
    for dtype in (np.float64, np.float32):
        t = am.tensor(np.array([np.inf, -np.inf, 1e30, -1e30, np.nan], dtype=dtype), requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            (g1,) = am.autograd.grad(am.erf(t).sum(), [t], create_graph=True)
            (g2,) = am.autograd.grad(g1.sum(), [t], create_graph=True)
            (g3,) = am.autograd.grad(g2.sum(), [t])
        for g in (g1, g2, g3):
            assert g.dtype == dtype and g.data[:4].tolist() == [0.0] * 4 and np.isnan(g.data[4])


def test_erf_replays_bit_for_bit_under_compile():
    f = lambda x: (am.erf(x) * x).sum()  # noqa: E731
    step = am.compile(f)
    for seed in range(3):
        x = np.random.default_rng(seed).standard_normal((5, 3)) * 3
        a, b = am.tensor(x, requires_grad=True), am.tensor(x, requires_grad=True)
        ya, yb = f(a), step(b)
        ya.backward()
        yb.backward()
        assert np.array_equal(ya.data, yb.data) and np.array_equal(a.grad.data, b.grad.data)
    assert step.recordings == 1


# -- gelu -----------------------------------------------------------------------------------------


@SETTINGS
@given(shape=SHAPES, seed=st.integers(0, 2**16), approximate=st.sampled_from(MODES))
def test_gelu_against_naive_oracle_and_gradients(shape, seed, approximate):
    x = np.random.default_rng(seed).uniform(-4, 4, shape)
    expected = naive_gelu(x, approximate)
    np.testing.assert_allclose(F.gelu(x, approximate).data, expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(nn.GELU(approximate)(x).data, expected, rtol=1e-12, atol=1e-14)
    check12(lambda t: F.gelu(t, approximate), (x,))


@pytest.mark.parametrize("approximate", MODES)
def test_gelu_large_and_infinite_inputs_give_the_limits(approximate):
    x = np.array([-np.inf, -1e300, -50.0, -40.0, -39.0, 39.0, 40.0, 50.0, 1e300, np.inf, np.nan])
    t = am.tensor(x, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = F.gelu(t, approximate)
        (g,) = am.autograd.grad(y.sum(), [t], create_graph=True)
        (gg,) = am.autograd.grad(g.sum(), [t])
    finite = np.isfinite(x)
    # The formula itself where it is finite (it rounds to x and -0.0 out there) ...
    assert np.array_equal(y.data[finite], naive_gelu(x[finite], approximate))
    # ... and its limits at the infinities: x for +inf, -0.0 for -inf; NaN stays NaN.
    assert y.data[0] == 0.0 and np.signbit(y.data[:5]).all() and y.data[9] == np.inf
    assert np.array_equal(y.data[5:10], x[5:10]) and np.isnan(y.data[10])
    assert g.data[:10].tolist() == [0.0] * 5 + [1.0] * 5 and np.isnan(g.data[10])
    assert gg.data[:10].tolist() == [0.0] * 10 and np.isnan(gg.data[10])


@pytest.mark.parametrize("approximate", MODES)
def test_gelu_keeps_float32(approximate):
    x = am.tensor(np.array([-np.inf, -3.0, -0.5, 0.0, 0.7, 2.0, 1e30, np.inf], np.float32), requires_grad=True)
    y = F.gelu(x, approximate)
    y.sum().backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32
    assert np.isfinite(x.grad.data).all()
    np.testing.assert_allclose(y.data[1:-1], naive_gelu(x.data[1:-1].astype(np.float64), approximate),
                               rtol=1e-6, atol=1e-7)


def test_gelu_integer_input_gives_floats():
    assert F.gelu(np.array([-1, 0, 2])).dtype == np.float64


def test_gelu_module_repr_sequential_and_bad_arguments():
    assert repr(nn.GELU()) == "GELU(approximate='none')"
    assert repr(nn.GELU(approximate="tanh")) == "GELU(approximate='tanh')"
    am.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.GELU(), nn.Linear(4, 2), nn.GELU("tanh"))
    assert "(1): GELU(approximate='none')" in repr(model) and "(3): GELU(approximate='tanh')" in repr(model)
    x = am.randn(5, 3)
    model(x).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    check12(lambda w: F.gelu(x @ w.T, "tanh"), (np.random.default_rng(1).standard_normal((2, 3)),))
    with pytest.raises(ValueError, match="gelu: approximate must be 'none' or 'tanh', got 'exact'"):
        F.gelu(x, "exact")
    with pytest.raises(ValueError, match="GELU: approximate must be 'none' or 'tanh'"):
        nn.GELU("Tanh")
    with pytest.raises(TypeError, match="GELU: approximate must be a str"):
        nn.GELU(True)
