"""register_forward_hook(..., always_call=True): PyTorch's semantics (checked against torch 2.13)."""

import warnings

import numpy as np
import pytest

import autograd_mini as am
import autograd_mini.nn as nn


class Boom(nn.Module):
    def forward(self, x):
        raise ValueError("boom")


class AddOne(nn.Module):
    def forward(self, x):
        return x + 1


def test_always_call_hooks_run_when_forward_raises_with_output_none():
    m, log = Boom(), []
    m.register_forward_pre_hook(lambda mod, a: (a[0] * 2,))
    m.register_forward_hook(lambda mod, a, o: log.append(("plain", o)))
    m.register_forward_hook(lambda mod, a, o: log.append(("always", a, o)), always_call=True)
    m.register_forward_hook(lambda mod, a, k, o: log.append(("kw", a, k, o)), always_call=True,
                            with_kwargs=True)
    with pytest.raises(ValueError, match="boom"):
        m(1.5)
    # the plain hook does not run; the always ones get the args the pre-hook made, output None
    assert log == [("always", (3.0,), None), ("kw", (3.0,), {}, None)]


def test_an_always_call_hook_that_raises_is_warned_about_and_the_first_error_propagates():
    m, log = Boom(), []

    def bad(mod, a, o):
        raise KeyError("inner")

    m.register_forward_hook(bad, always_call=True)
    m.register_forward_hook(lambda mod, a, o: log.append(o), always_call=True)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        with pytest.raises(ValueError, match="boom"):
            m(1.0)
    assert log == [None]  # the next always_call hook still runs
    assert len(w) == 1 and "always_call=True" in str(w[0].message) and "inner" in str(w[0].message)


def test_a_hook_raising_after_forward_runs_the_always_call_hooks_not_yet_run_once():
    m, log = AddOne(), []
    m.register_forward_hook(lambda mod, a, o: log.append(("a1", o)) or o * 10, always_call=True)

    def bad(mod, a, o):
        raise RuntimeError("hookfail")

    m.register_forward_hook(bad)
    m.register_forward_hook(lambda mod, a, o: log.append(("a2", o)), always_call=True)
    with pytest.raises(RuntimeError, match="hookfail"):
        m(1)
    # a1 ran in the normal course (not again); a2 gets the output a1 replaced: (1 + 1) * 10
    assert log == [("a1", 2), ("a2", 20)]


def test_a_pre_hook_raising_runs_the_always_call_hooks():
    m, log = AddOne(), []

    def bad(mod, a):
        raise RuntimeError("prefail")

    m.register_forward_pre_hook(bad)
    m.register_forward_hook(lambda mod, a, o: log.append((a, o)), always_call=True)
    m.register_forward_hook(lambda mod, a, o: log.append("plain"))
    with pytest.raises(RuntimeError, match="prefail"):
        m(3)
    assert log == [((3,), None)]


def test_always_call_hook_runs_once_on_success_and_can_replace_the_output():
    m = AddOne()
    calls = []
    h = m.register_forward_hook(lambda mod, a, o: calls.append(o) or o * 2, always_call=True)
    x = am.tensor([1.0, 2.0], requires_grad=True)
    y = m(x)
    np.testing.assert_array_equal(y.data, [4.0, 6.0])
    assert len(calls) == 1
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])
    h.remove()
    np.testing.assert_array_equal(m(x).data, [2.0, 3.0])


def test_always_call_with_backward_hooks_when_forward_raises():
    m, log = Boom(), []
    m.register_full_backward_hook(lambda mod, gi, go: None)
    m.register_forward_hook(lambda mod, a, o: log.append(o), always_call=True)
    with pytest.raises(ValueError, match="boom"):
        m(am.tensor([1.0], requires_grad=True))
    assert log == [None]


def test_base_exceptions_other_than_exception_skip_the_always_call_hooks():
    class Stop(nn.Module):
        def forward(self, x):
            raise KeyboardInterrupt

    m, log = Stop(), []
    m.register_forward_hook(lambda mod, a, o: log.append(o), always_call=True)
    with pytest.raises(KeyboardInterrupt):
        m(1.0)
    assert log == []  # (torch catches Exception only)


def test_always_call_must_be_a_bool():
    with pytest.raises(TypeError, match="always_call"):
        AddOne().register_forward_hook(lambda *a: None, always_call="yes")
