"""gradcheck, gradgradcheck and numerical_grad: they pass right gradients, catch
wrong ones, and say where and how (input, element, values, errors, eps, seed, kinks)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_mini as am
import autograd_mini.primitives as P
from autograd_mini.gradcheck import GradcheckError, GradcheckReport, _cotangent
from autograd_mini.primitives import PRIMITIVES, Primitive

RNG = np.random.default_rng(0)


def _report(f, inputs, check=am.gradcheck, **kw) -> GradcheckReport:
    with pytest.raises(GradcheckError) as info:
        check(f, inputs, **kw)
    assert isinstance(info.value, AssertionError)
    return info.value.report


# Test-local primitives with deliberately wrong VJPs (kept out of the global table).
square_off_by_one_element = Primitive(
    "square_off_at_1_2", np.square,
    (lambda g, ans, x: 2.0 * g * x + (np.arange(x.size).reshape(x.shape) == 6),),
    register=False,
)
scaled_sin = Primitive("scaled_sin", np.sin, (lambda g, ans, x: 1.01 * g * P.cos(x),), register=False)


def _raw(a: Any) -> Any:
    """The values of a (a Tensor's .data): a VJP that reads them leaves the framework.
    (np.asarray of a tensor that requires grad refuses, under create_graph too.)"""
    return a.data if isinstance(a, am.Tensor) else a


# First derivative right, but the VJP leaves the framework (.data), so the
# backward pass records nothing and second derivatives come out wrong.
square_opaque_in_x = Primitive(
    "square_opaque_in_x", np.square, (lambda g, ans, x: 2.0 * g * _raw(x),), register=False,
)
square_opaque_in_g = Primitive(
    "square_opaque_in_g", np.square, (lambda g, ans, x: 2.0 * x * _raw(g),), register=False,
)
square_asarray_in_x = Primitive(
    "square_asarray_in_x", np.square, (lambda g, ans, x: 2.0 * g * np.asarray(x),), register=False,
)


def test_wrong_primitives_stay_out_of_the_table() -> None:
    assert "square_off_at_1_2" not in PRIMITIVES and "scaled_sin" not in PRIMITIVES


@settings(max_examples=15, deadline=None)
@given(shape=hnp.array_shapes(min_dims=0, max_dims=3, max_side=4), seed=st.integers(0, 2**31))
def test_right_gradients_pass_first_and_second_order(shape: tuple, seed: int) -> None:
    x = np.random.default_rng(seed).uniform(0.5, 2.0, shape)
    f = lambda t: (t * t).sin() / t + t.log()
    assert am.gradcheck(f, x) is True
    assert am.gradgradcheck(f, x) is True


def test_several_inputs_broadcasting_and_reductions() -> None:
    a, b = RNG.standard_normal((3, 1, 4)), RNG.standard_normal((2, 4))
    f = lambda x, y: (x * y).tanh().sum(axis=-1, keepdims=True) + (x - y).max(axis=0)
    assert am.gradcheck(f, (a, b))
    assert am.gradgradcheck(f, [a, b])


def test_wrong_gradient_is_located_and_reported() -> None:
    x = RNG.uniform(0.5, 1.5, (3, 4))  # element (1, 2) is flat position 6
    y = RNG.standard_normal((3, 4))
    r = _report(lambda a, b: a * 2.0 + square_off_by_one_element(b), (x, y), seed=7)
    assert not r.ok and r.kink is None and r.note == ""
    assert (r.input_index, r.input_name, r.input_shape) == (1, "input 1", (3, 4))
    assert r.element == (1, 2) and r.direction is None
    assert r.n_failed == 1 and r.n_checked == 24
    # The VJP adds u[1, 2] * 1: the numeric value is the true one.
    u = _cotangent(np.random.default_rng(7), (3, 4))
    assert r.numeric == pytest.approx(2 * y[1, 2] * u[1, 2], rel=1e-6)
    assert r.analytic == pytest.approx(2 * y[1, 2] * u[1, 2] + 1.0, rel=1e-6)
    assert r.max_abs_error == pytest.approx(1.0, rel=1e-6)
    assert (r.eps, r.atol, r.rtol, r.seed) == (1e-6, 1e-5, 1e-3, 7)
    text = str(r)
    for part in ("wrong gradient", "input 1", "element (1, 2)", "analytic", "numeric", "seed=7", "eps=1e-06"):
        assert part in text


def test_relative_error_is_reported() -> None:
    x = RNG.uniform(-1.0, 1.0, (5,))
    r = _report(lambda t: scaled_sin(t), x, seed=3)
    assert r.n_failed == 5
    assert r.max_rel_error == pytest.approx(0.01 / 1.01, rel=1e-4)
    assert r.analytic == pytest.approx(1.01 * r.numeric, rel=1e-6)


def test_relative_error_leaves_out_derivatives_below_atol() -> None:
    # Derivatives of 1e-9 are differenced to about 1e-10 absolute: a relative error
    # of 10% that says nothing, so max_rel_error counts only values above atol.
    x, tiny = RNG.uniform(-1.0, 1.0, (5,)), RNG.uniform(-1.0, 1.0, (4,))
    r = _report(lambda t, u: scaled_sin(t).sum() + (u * 1e-9).sin().sum(), [x, tiny], seed=3)
    assert r.max_rel_error == pytest.approx(0.01 / 1.01, rel=1e-4)


def test_raise_exception_false_returns_false() -> None:
    x = RNG.standard_normal(4)
    assert am.gradcheck(lambda t: scaled_sin(t), x, raise_exception=False) is False
    assert am.gradgradcheck(lambda t: square_opaque_in_x(t), x, raise_exception=False) is False
    assert am.gradcheck(lambda t: t.sin(), x, raise_exception=False) is True


def test_float32_inputs_warn_and_are_checked_in_float64() -> None:
    x = am.tensor(RNG.standard_normal((2, 3)).astype(np.float32), requires_grad=True)
    seen = []

    def f(t: am.Tensor) -> am.Tensor:
        seen.append(t.dtype)
        return (t * t).exp()

    with pytest.warns(UserWarning, match="float32"):
        assert am.gradcheck(f, x)
    assert set(seen) == {np.dtype(np.float64)}


def test_a_vjp_wrong_only_in_float32_is_caught_the_way_the_warning_says() -> None:
    # Promoted float32 inputs never reach a float32 VJP: the warning says so and how
    # to check that path instead of letting the pass look like a float32 check.
    def vjp(g, ans, x):
        return g * np.cos(x) * (1.1 if x.dtype == np.float32 else 1.0)

    sin32 = Primitive("sin_wrong_in_float32", np.sin, (vjp,), register=False)
    x = RNG.uniform(-1, 1, 4)
    with pytest.warns(UserWarning, match=r"a VJP wrong only in lower precision passes.*astype\(np.float32\)"):
        assert am.gradcheck(lambda t: sin32(t), x.astype(np.float32))
    with pytest.warns(UserWarning, match="float32"):
        assert not am.gradcheck(lambda t: sin32(t.astype(np.float32)), x, raise_exception=False)


def test_the_callers_tensors_are_left_alone() -> None:
    x = am.tensor(RNG.standard_normal(4), requires_grad=True)
    before = x.data.copy()
    assert am.gradcheck(lambda t: t.exp(), x) and am.gradgradcheck(lambda t: t.exp(), x)
    assert x.grad is None
    np.testing.assert_array_equal(x.data, before)


def test_a_function_computing_in_float32_gets_a_coarser_step() -> None:
    x = RNG.uniform(-1, 1, 5)
    with pytest.warns(UserWarning, match="float32"):
        assert am.gradcheck(lambda t: (t.astype(np.float32) * 3.0).tanh(), x)


def test_kink_of_relu_at_zero_is_reported_as_a_kink() -> None:
    x = np.array([0.0, 1.0, -2.0])
    r = _report(am.relu, x, seed=1)
    u0 = _cotangent(np.random.default_rng(1), (3,))[0]
    assert r.element == (0,) and r.kink is not None and r.n_kinks == r.n_failed == 1
    left, right = r.kink
    assert left == pytest.approx(0.0, abs=1e-8) and right == pytest.approx(u0, rel=1e-6)
    assert r.analytic == 0.0 and r.numeric == pytest.approx(u0 / 2, rel=1e-6)
    assert str(r).startswith("gradcheck failed at a kink")


def test_abs_within_a_step_of_zero_is_a_kink_but_exactly_zero_passes() -> None:
    # (within the smallest step tried, h/10**4: a larger one gets clear of the kink)
    r = _report(am.abs, np.array([3e-11, 1.0]), seed=2)
    assert r.element == (0,) and r.kink is not None
    left, right = r.kink
    assert np.sign(left) != np.sign(right)
    # At 0 the central difference averages the two sides, as abs'(0) = 0 does.
    assert am.gradcheck(am.abs, np.array([0.0, -1.0]))


bad_log = Primitive("bad_log", np.log, (lambda g, ans, x: 1.01 * g / x,), register=False)


def test_a_step_too_large_for_the_point_is_no_false_alarm() -> None:
    # With h = eps * max(1, |x|) = 1e-6 the central difference of log at 1e-5 is off by
    # 0.3%, and at 1e-7 it reaches log(-9e-7) = NaN; abs and relu at 3e-7 have their kink
    # within the step. All were reported as wrong gradients (or kinks) of right ones.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # (log of a negative number on the way)
        x = np.array([1e-5, 1e-7, 3e-3])
        assert am.gradcheck(lambda t: t.log(), x, seed=0)
        assert am.gradgradcheck(lambda t: t.log(), x, seed=0)
        assert am.gradcheck(lambda t: t.sqrt(), np.array([1e-6, 1e-8]), seed=0)
        # (and at 1e8 the step, 100, spans a sixth of a period of sin)
        assert am.gradgradcheck(lambda t: t.sin(), np.array([1e8, -3e8]), seed=0)
        assert am.gradcheck(lambda t: am.relu(t) + am.abs(t), np.array([3e-7, -3e-7, 2.0]), seed=0)
        report = am.check_graph(am.tensor(x, requires_grad=True).log().sum(), seed=0)
        assert report.ok and report.nodes[0].report.max_rel_error < 1e-4
        # A wrong gradient there is still found everywhere, with a number (not the NaN of
        # the first step) as the numeric derivative at 1e-7.
        r = _report(lambda t: bad_log(t), x, seed=0)
        assert r.n_failed == 3 and r.kink is None and r.rounding is None
        assert np.isfinite(r.max_abs_error) and r.analytic / r.numeric == pytest.approx(1.01, rel=1e-4)
        i = r.element[0]
        assert r.analytic == pytest.approx(1.01 * _cotangent(np.random.default_rng(0), (3,))[i] / x[i])


def test_a_step_out_of_the_domain_warns_nothing() -> None:
    # The NaN of log(1e-7 - 1e-6) is the check's own step, handled by a smaller one:
    # numpy's RuntimeWarning about it leaked to the caller, and under -W error (a
    # pytest filterwarnings = error) it aborted a check of a right gradient.
    x = np.array([1e-7, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert am.gradcheck(lambda t: t.log(), x, seed=0)
        assert am.gradgradcheck(lambda t: t.log(), x, seed=0)
        assert am.gradcheck(lambda t: t.sqrt(), np.array([1e-8, 2.0]), seed=0)
        assert am.check_graph(am.tensor(x, requires_grad=True).log().sum(), seed=0).ok


def test_gradgradcheck_differences_f_not_only_the_recorded_gradient() -> None:
    # g A + A g, the VJP of A @ A, is right where A is symmetric (the truth is
    # g A^T + A^T g): the first-order check at a symmetric A passes, and so did the
    # second-order one, which differenced that wrong VJP away from the point, so the
    # Hessian recorded through it (wrong at A itself) agreed with its own differences.
    AA = Primitive("AA_right_if_symmetric", lambda A: A @ A, (lambda g, ans, A: g @ A + A @ g,),
                   register=False)
    A = RNG.standard_normal((3, 3))
    A = (A + A.T) / 2
    assert am.gradcheck(lambda t: AA(t).sin(), A, seed=0)
    r = _report(lambda t: AA(t).sin(), A, am.gradgradcheck, seed=0)
    assert "mixed differences of f" in str(r) and r.direction is not None
    # Right second derivatives still pass, in float64 and through a float32 cast.
    assert am.gradgradcheck(lambda t: (t @ t).sin(), A, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert all(am.gradgradcheck(lambda t: t.astype(np.float32).sin(), np.array([0.3, 1.0]), seed=s)
                   for s in range(10))


def test_gradgradcheck_mixed_differences_still_run_when_an_input_has_an_infinite_entry() -> None:
    # (an infinite entry, a max-pool border's -inf, gave every random direction a NaN, so
    # the mixed differences compared nothing and the wrong Hessian passed)
    AA = Primitive("AA_right_if_symmetric_2", lambda A: A @ A, (lambda g, ans, A: g @ A + A @ g,),
                   register=False)
    A = RNG.standard_normal((3, 3))
    A = (A + A.T) / 2

    def f(t, q):
        return AA(t).sin().sum() + (am.maximum(q, 0.0) ** 2).sum()

    r = _report(f, (A, np.array([-np.inf, 0.5, 1.5])), am.gradgradcheck, seed=0)
    assert "mixed differences of f" in str(r)
    assert am.gradgradcheck(lambda t, q: (t @ t).sin().sum() + (am.maximum(q, 0.0) ** 2).sum(),
                            (A, np.array([-np.inf, 0.5, 1.5])), seed=0)


def test_max_with_near_ties_is_a_kink_and_exact_ties_pass() -> None:
    r = _report(lambda t: t.max(axis=1), np.array([[1.0, 1.0 + 2e-11, -3.0], [0.5, 2.0, 1.0]]), seed=4)
    assert r.kink is not None and r.element[0] == 0
    # Exact ties share the gradient, which is what central differences see.
    assert am.gradcheck(lambda t: t.max(axis=1), np.array([[1.0, 1.0, -3.0], [0.5, 2.0, 1.0]]))
    r2 = _report(lambda t, s: am.maximum(t, s), (np.array([1.0, 2.0]), np.array([1.0 + 1e-11, 0.0])), seed=4)
    assert r2.kink is not None


def test_second_derivatives_at_a_tie_of_max_are_a_jump_not_a_wrong_gradient() -> None:
    # The gradient of max jumps at a tie (the winner changes): gradgradcheck fails
    # there, rightly, but the report blamed a wrong gradient (both one-sided
    # differences of a jump with the midpoint value agree, so no kink was seen).
    r = _report(lambda t: t.max() * t.sum(), np.array([1.0, 3.0, 3.0]), check=am.gradgradcheck, seed=0)
    assert r.jump is not None and r.kink is None and r.element in {(1,), (2,)}
    assert "at a jump, not necessarily a wrong gradient" in str(r) and r.n_kinks == r.n_failed == 2
    assert am.gradgradcheck(lambda t: t.max() * t.sum(), np.array([1.0, 3.0, 2.5]), seed=0)
    # A wrong second derivative is still blamed as such.
    r = _report(lambda t: square_opaque_in_x(t), np.array([1.0, 3.0, 2.0]), check=am.gradgradcheck, seed=0)
    assert r.jump is None and r.kink is None and "wrong gradient" in str(r)


def test_a_wrong_gradient_is_blamed_before_a_kink() -> None:
    x = np.array([0.0, 0.7, 1.3])
    r = _report(lambda t: am.relu(t) + scaled_sin(t), x, seed=5)
    assert r.kink is None and r.element != (0,)
    assert r.n_kinks == 1 and r.n_failed == 3
    assert "wrong gradient" in str(r)


def test_large_inputs_use_random_projections_and_catch_wrong_vjps() -> None:
    x = RNG.standard_normal((20, 30))
    assert am.gradcheck(lambda t: (t.sin() * t).sum(axis=0), x)
    r = _report(lambda t: scaled_sin(t), x, seed=11)
    assert r.element is None and r.direction in range(3)
    assert r.n_checked == 3 and r.input_shape == (20, 30)
    assert "random direction" in str(r)
    # One wrong entry out of 600 is still seen by the projections.
    r = _report(lambda t: square_off_by_one_element(t), x, seed=12)
    assert r.direction is not None
    # The threshold is a keyword: the same input checked element by element finds the entry.
    r = _report(lambda t: square_off_by_one_element(t), x, seed=12, full_limit=600)
    assert r.element == (0, 6)


def test_a_vjp_that_calls_np_asarray_on_a_recorded_tensor_says_so_under_create_graph() -> None:
    x = am.tensor([0.5, 1.5], requires_grad=True)
    (g,) = am.autograd.grad(square_asarray_in_x(x).sum(), [x])  # (plain backward: ndarrays)
    np.testing.assert_allclose(g.data, [1.0, 3.0])
    with pytest.raises(TypeError, match=r"VJP of 'square_asarray_in_x'.*numpy: a tensor of shape \(2,\) "
                                         r"that requires grad was read as a plain ndarray"):
        am.autograd.grad(square_asarray_in_x(x).sum(), [x], create_graph=True)


def test_gradgradcheck_catches_a_vjp_that_leaves_the_framework() -> None:
    x = RNG.uniform(0.5, 1.5, (2, 3))
    assert am.gradcheck(lambda t: square_opaque_in_x(t), x)
    r = _report(lambda t: square_opaque_in_x(t), x, check=am.gradgradcheck, seed=0)
    assert r.input_name == "input 0" and r.input_shape == (2, 3)
    assert str(r).startswith("gradgradcheck failed")
    r = _report(lambda t: square_opaque_in_g(t), x, check=am.gradgradcheck, seed=0)
    assert r.input_name == "cotangent u"


def test_gradgradcheck_second_derivative_values() -> None:
    # d/dx <u, 3x^2> = 6 u x is checked against its own differences, and against u.
    x = RNG.standard_normal(4)
    assert am.gradgradcheck(lambda t: t ** 3, x)
    assert am.gradgradcheck(lambda t, s: (t * s).sum(), (x, RNG.standard_normal(4)))


def test_integer_and_constant_inputs_pass_through() -> None:
    x = RNG.standard_normal((4, 3))
    idx = np.array([0, 2, 2, 3])
    const = am.tensor(RNG.standard_normal(3))
    seen = []

    def f(t: am.Tensor, i: am.Tensor, c: am.Tensor) -> am.Tensor:
        seen.append((t.requires_grad, i.dtype.kind, c.requires_grad))
        return t[i.data] * c

    assert am.gradcheck(f, (x, idx, const))
    assert am.gradgradcheck(f, (x, idx, const))
    assert seen[0] == (True, "i", False)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="gradcheck: nothing to differentiate"):
        am.gradcheck(lambda i: i * 2, np.arange(3))
    with pytest.raises(TypeError, match="must return a Tensor"):
        am.gradcheck(lambda t: t.data * 2, np.ones(3))
    with pytest.raises(TypeError, match="floating"):
        am.gradcheck(lambda t: t > 0, np.ones(3))
    with pytest.raises(TypeError, match="real number"):
        am.gradcheck(lambda t: t, np.ones(3, dtype=complex))
    for kw, msg in [(dict(eps=0), "eps must be a finite number > 0"), (dict(eps=np.nan), "eps must"),
                    (dict(atol=-1.0), "atol must be a finite number >= 0"), (dict(rtol=np.inf), "rtol must")]:
        for check in (am.gradcheck, am.gradgradcheck):
            with pytest.raises(ValueError, match=f"{check.__name__}: {msg}"):
                check(lambda t: t.sin(), np.ones(3), **kw)
        with pytest.raises(ValueError, match=f"check_graph: {msg}"):
            am.check_graph(am.tensor(np.ones(3), requires_grad=True).sin().sum(), **kw)
    with pytest.raises(ValueError, match="numerical_grad: eps must be a finite number > 0"):
        am.numerical_grad(lambda t: t.sin().sum(), np.ones(3), eps=0)


def test_sampling_arguments_are_validated() -> None:
    # n_directions=0 compared nothing for an input above full_limit: a wrong gradient passed.
    wrong = lambda t: scaled_sin(t)  # noqa: E731
    x = RNG.standard_normal(100)
    for kw, msg in [(dict(n_directions=0), "n_directions must be an int >= 1"),
                    (dict(n_directions=-1), "n_directions must"), (dict(n_directions=1.5), "n_directions must"),
                    (dict(full_limit=-1), "full_limit must be an int >= 0"), (dict(full_limit=2.5), "full_limit must"),
                    (dict(full_limit=True), "full_limit must")]:
        for check in (am.gradcheck, am.gradgradcheck):
            with pytest.raises(ValueError, match=f"{check.__name__}: {msg}"):
                check(wrong, x, **kw)
        with pytest.raises(ValueError, match=f"check_graph: {msg}"):
            am.check_graph(wrong(am.tensor(x, requires_grad=True)).sum(), **kw)
    assert not am.gradcheck(wrong, x, n_directions=1, raise_exception=False)
    assert am.gradcheck(lambda t: t.sin(), x, full_limit=0, n_directions=np.int64(2))


def test_a_wrong_zero_gradient_is_reported_also_with_atol_0() -> None:
    wrong = lambda x: x - x.detach()  # noqa: E731  (value 0 everywhere, recorded gradient 1)
    assert not am.gradcheck(wrong, np.array([0.5, -1.0]), atol=0, raise_exception=False)
    with pytest.raises(GradcheckError, match=r"allowed atol \+ rtol\*\|numeric\| = 0\n"):
        am.gradcheck(wrong, np.array([0.5, -1.0]), atol=0)


def test_seed_is_reported_and_reproducible() -> None:
    x = RNG.standard_normal(3)
    am.manual_seed(123)
    r1 = _report(lambda t: scaled_sin(t), x)
    am.manual_seed(123)
    r2 = _report(lambda t: scaled_sin(t), x)
    assert r1.seed == r2.seed and r1.analytic == r2.analytic
    assert f"seed={r1.seed}" in str(r1)
    assert _report(lambda t: scaled_sin(t), x, seed=99).seed == 99


def test_a_function_that_does_not_depend_on_its_input() -> None:
    x = RNG.standard_normal(3)
    with pytest.warns(UserWarning, match="every derivative compared"):  # (a check of nothing)
        assert am.gradcheck(lambda t: am.tensor(np.ones(2)) * 3.0, x)
    assert am.gradgradcheck(lambda t: t * 3.0, x)


def test_numerical_grad_of_scalar_and_nonscalar_functions() -> None:
    x = RNG.standard_normal((2, 3))
    np.testing.assert_allclose(am.numerical_grad(lambda t: (t ** 2).sum(), x), 2 * x, atol=1e-8)
    # Non-scalar output: the gradient of its sum.
    np.testing.assert_allclose(am.numerical_grad(lambda t: t.sin(), x), np.cos(x), atol=1e-8)
    y = am.tensor(RNG.standard_normal(3))  # differentiated although it does not require grad
    gx, gi, gy = am.numerical_grad(lambda a, i, b: (a[i.data] * b).sum(), [x, np.array([1, 1]), y])
    assert gi is None
    np.testing.assert_allclose(gx, np.array([np.zeros(3), 2 * y.data]), atol=1e-8)
    np.testing.assert_allclose(gy, 2 * x[1], atol=1e-8)
    assert isinstance(am.numerical_grad(lambda t: t.exp(), 1.5), np.ndarray)


def test_numerical_grad_uses_a_scale_aware_step() -> None:
    # For x = 1e8 a fixed step of 1e-6 would be drowned by rounding; eps*|x| is not.
    for x in (np.array([1e8]), np.array([1e-3])):
        np.testing.assert_allclose(am.numerical_grad(lambda t: t * t, x), 2 * x, rtol=1e-7)
        assert am.gradcheck(lambda t: t * t, x)


def test_report_of_a_wrong_shape() -> None:
    bad_shape = Primitive("bad_shape", np.sin, (lambda g, ans, x: g.sum(),), register=False)
    r = _report(lambda t: bad_shape(t), np.ones(3), raise_exception=True)
    assert "shape" in r.note and r.input_index == 0


# -- found by a review: silent wrong answers and NaNs the math does not have ----------


def test_gradgradcheck_under_no_grad_does_not_pass_vacuously():
    # a wrong second derivative must not pass just because grad mode is off
    from autograd_mini.primitives import Primitive
    bad = Primitive("bad_sq", lambda x: x * x, (lambda g, ans, x: g * x * 2.5,), register=False)
    f = lambda x: bad.apply(x) * x
    assert not am.gradgradcheck(f, np.array([1.0, 2.0]), raise_exception=False)
    with am.no_grad():
        assert not am.gradgradcheck(f, np.array([1.0, 2.0]), raise_exception=False)


def test_gradcheck_under_no_grad_checks_the_gradient():
    with am.no_grad():
        assert am.gradcheck(lambda x: x ** 3, np.array([1.0, 2.0]), raise_exception=False)


def test_gradgradcheck_catches_a_recorded_gradient_that_is_wrong_but_self_consistent() -> None:
    # The second-order check compares the recorded gradient's derivative with
    # differences of that same gradient, so a VJP whose Tensor path is wrong by
    # a constant factor passes it; the recorded gradient is now checked first.
    def vjp(g, ans, x):
        return g * x * (3.0 if isinstance(g, am.Tensor) else 2.0)

    square = Primitive("square_wrong_when_recorded", np.square, (vjp,), register=False)
    x = np.array([0.7, -1.2])
    assert am.gradcheck(square, [x])
    assert not am.gradgradcheck(square, [x], raise_exception=False)
    with pytest.raises(GradcheckError, match=r"gradgradcheck \(the recorded first derivative\) failed"):
        am.gradgradcheck(square, [x])


def test_the_worst_of_several_wrong_elements_is_reported():
    # d/dx sum(x * x.detach()) claims x where the truth is 2x: with rtol=0, element 1 is
    # the most wrong (by |x|)
    x = np.array([1.0, 5.0, 2.0])
    with pytest.raises(AssertionError) as e:
        am.gradcheck(lambda t: (t * t.detach()).sum(), [am.tensor(x, requires_grad=True)], rtol=0.0, seed=0)
    assert "element (1,)" in str(e.value)


def test_element_by_element_check_holds_no_array_per_element() -> None:
    # Checking n elements one by one once built a unit-vector array (and a copy of
    # the input) per element and kept them: O(n^2) memory, 800 MB at n = 10,000.
    import tracemalloc

    x = RNG.standard_normal(300)  # 2.4 kB; an array per element would be 720 kB
    wrong = lambda t: t * t.detach()  # noqa: E731  (every element fails: the failures keep lines too)
    tracemalloc.start()
    try:
        assert am.gradcheck(lambda t: t.sin(), x, full_limit=300)
        assert not am.gradcheck(wrong, x, full_limit=300, raise_exception=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 300_000


def test_a_random_function_is_refused_not_reported_as_a_kink() -> None:
    # Dropout draws a new mask on every call: the differences were noise of 1e5 and
    # the report blamed a kink ("move the point away from 0 for relu/abs").
    x = RNG.standard_normal(5)
    F = am.nn.functional
    for check in (am.gradcheck, am.gradgradcheck, am.numerical_grad):
        with pytest.raises(ValueError, match=f"{check.__name__}.*different outputs in two calls.*manual_seed"):
            check(lambda t: F.dropout(t, 0.5), x)

    def fixed_mask(t: am.Tensor) -> am.Tensor:
        am.manual_seed(0)
        return F.dropout(t, 0.5)

    assert am.gradcheck(fixed_mask, x) and am.gradgradcheck(fixed_mask, x)


def test_a_function_writing_into_its_input_is_refused() -> None:
    def doubles_in_place(t: am.Tensor) -> am.Tensor:
        t.data *= 2.0
        return t.sin()

    for check in (am.gradcheck, am.gradgradcheck, am.numerical_grad):
        with pytest.raises(ValueError, match=f"{check.__name__}.*changed input 1 \\(shape \\(3,\\)\\) in place"):
            check(lambda s, t: s * doubles_in_place(t), (RNG.standard_normal(3), RNG.standard_normal(3)))


def test_a_check_that_compares_only_values_below_atol_warns() -> None:
    # A gradient wrong by a factor of 2 passed in silence when f's output is small,
    # and so did an f that ignores its argument (a layer's weight passed as the input
    # while f calls the layer, which reads its own weight).
    x = RNG.standard_normal((3, 2))
    half = lambda t: (t * t.detach()) * 1e-8  # noqa: E731  (claims x * 1e-8 where 2x * 1e-8 is true)
    with pytest.warns(UserWarning, match=r"gradcheck: every derivative compared .* input 0 \(shape \(3, 2\)\), "
                                         r"is at most atol=1e-05"):
        assert am.gradcheck(half, x)
    assert not am.gradcheck(half, x, atol=1e-12, raise_exception=False)
    lin = am.nn.Linear(2, 2)
    with pytest.warns(UserWarning, match="does f use its arguments"):
        am.gradcheck(lambda w: lin(am.tensor(x)), lin.weight)
    with pytest.warns(UserWarning, match=r"gradgradcheck \(the recorded first derivative\): every derivative"):
        am.gradgradcheck(half, x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # one input of two without derivatives, and an empty output: no warning
        assert am.gradcheck(lambda t, w: lin(t), (x, lin.weight))
        assert am.gradcheck(lambda t: t[t.data > 10.0], x)


# -- found by mutation testing: the repeatability check's tolerances, the warning's NaN and origin --


def test_the_repeatability_check_takes_nan_inputs_and_outputs_and_rounding_noise() -> None:
    # A NaN input (left out of the check) is not "changed in place"; a NaN output is a
    # failed check, not "different outputs"; and an f whose output moves at the level
    # of rounding between calls (a sum in another order) is repeatable enough.
    assert am.gradcheck(lambda t: am.where(t == t, t, 0.0) * 2.0, (np.array([1.0, np.nan, 2.0]),))
    with np.errstate(invalid="ignore"):
        assert am.gradcheck(lambda t: t * am.tensor([np.nan, 1.0]), (np.array([0.3, 1.2]),),
                            raise_exception=False) is False
    calls = iter(range(10**6))
    assert am.gradcheck(lambda t: t.sin() * (1.0 + 1e-15 * (next(calls) % 2)), (np.array([0.3, 1.2]),))


def test_a_non_finite_output_is_reported_as_such_not_blamed_on_an_input() -> None:
    # sin(NaN) made every difference of <u, f> NaN, and the report blamed a wrong
    # gradient at element (1,), the finite input 1.0.
    with np.errstate(invalid="ignore", divide="ignore"):
        r = _report(lambda t: t.sin(), np.array([np.nan, 1.0]), seed=0)
        assert r.input_name is None and r.element is None and r.n_checked == 0
        assert "f's output (shape (2,)) has 1 non-finite entries at the input, the first at (0,) (nan)" in str(r)
        assert "wrong gradient" not in str(r)
        r = _report(lambda t: t.log(), np.array([[1.0, 0.0]]), check=am.gradgradcheck, seed=0)
        assert "the first at (0, 1) (-inf)" in str(r)


def test_a_random_function_with_an_infinite_output_is_still_refused() -> None:
    # (the infinite element must not set the scale of the allowed difference)
    rng = np.random.default_rng(1)
    with pytest.raises(ValueError, match="different outputs in two calls"):
        am.gradcheck(lambda t: t * am.tensor([np.inf, rng.random()]), (np.array([0.3, 1.2]),))


def test_nan_derivatives_are_not_called_below_atol() -> None:
    # A NaN derivative (0 * inf at sqrt's 0) fails the check; it is no sign of an f
    # that ignores its input, so the below-atol warning must not come with it.
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        with np.errstate(all="ignore"):
            assert am.gradcheck(lambda t: (t.sqrt() * 0.0).sum(), (np.zeros(2),), raise_exception=False) is False
    assert not [w for w in rec if "every derivative compared" in str(w.message)]


def test_the_below_atol_warning_points_at_the_callers_line() -> None:
    x = RNG.standard_normal(3)
    for check in (am.gradcheck, am.gradgradcheck):
        with pytest.warns(UserWarning, match="every derivative compared") as rec:
            check(lambda t: t * 1e-9, x)
        assert [w.filename for w in rec if "every derivative" in str(w.message)] == [__file__]


def test_a_failure_from_rounding_in_large_values_is_not_called_a_wrong_gradient():
    # x**2 + 1e8: the constant leaves the gradient alone but its rounding (1e8 * 2e-16 / 2e-6
    # per difference) swamps the tolerance; the report says so instead of blaming the gradient
    x = np.array([0.5, 1.5, -2.0])
    with pytest.raises(GradcheckError) as failure:
        am.gradcheck(lambda t: t * t + 1e8, (x,), seed=0)
    report = failure.value.report
    assert not report.ok and report.rounding is not None
    assert report.rounding > abs(report.analytic - report.numeric) / 10
    text = str(report)
    assert "not necessarily a wrong gradient" in text and "rounding f's values" in text
    assert "subtract a constant" in text
    assert am.gradcheck(lambda t: t * t, (x,), seed=0)  # (without the constant: passes)
    # a wrong gradient on small values is still called one
    wrong = P.Primitive("twice_square", np.square, (lambda g, ans, t: 2.2 * g * t,), register=False)
    with pytest.raises(GradcheckError, match="failed: wrong gradient") as failure:
        am.gradcheck(lambda t: wrong.apply(t), (x,), seed=0)
    assert failure.value.report.rounding is None


def test_a_failure_at_the_edge_of_fs_domain_is_not_blamed_on_the_gradient():
    # sqrt at 1e-10: x - eps is negative (NaN), and the shorter steps that stay inside
    # differ from sqrt's steep derivative there; the report said "wrong gradient".
    r = _report(lambda x: x.sqrt(), np.array([1e-10, 1.0]))
    assert r.edge and r.element == (0,) and r.kink is None and r.n_kinks == r.n_failed == 1
    assert "at the edge of f's domain, not necessarily a wrong gradient" in str(r)
    assert "further from the edge" in str(r) and "0 at kinks" not in str(r)
    # A wrong gradient inside the domain is still called one.
    r = _report(lambda x: scaled_sin(x).sqrt(), np.array([1.0, 1.2]))
    assert not r.edge and "wrong gradient" in str(r)


@pytest.mark.parametrize("check", ["gradcheck", "gradgradcheck", "check_graph"])
@pytest.mark.parametrize("flag", ["no", None, 0])
def test_raise_exception_must_be_a_bool_and_is_checked_before_the_work(check, flag):
    # (taken by truthiness after the whole check: raise_exception="no" raised on a failure)
    calls = []

    def f(x):
        calls.append(1)
        return (x * x).sum()

    x = am.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match=rf"^{check}: raise_exception must be True or False, got "):
        if check == "check_graph":
            am.check_graph(f(x), raise_exception=flag)
        else:
            getattr(am, check)(f, [x], raise_exception=flag)
    assert len(calls) <= 1  # (f ran at most to build check_graph's loss)


def test_the_random_cotangent_is_never_near_zero() -> None:
    # (a standard-normal cotangent entry below 1e-2, about once in 125 seeds, made the
    # derivative of a one-element f = 1e-3 x look below atol: gradcheck then warned it could
    # check nothing, and a hypothesis test of a scalar failed at random under -W error)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for seed in range(1000):
            assert am.gradcheck(lambda t: t * 1e-3, np.array([0.7]), seed=seed)
    u = _cotangent(np.random.default_rng(0), (10_000,))
    assert 0.5 <= np.abs(u).min() and np.abs(u).max() <= 1.5 and (u < 0).any() and (u > 0).any()
