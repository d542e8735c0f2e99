"""am.autograd.Function: PyTorch's custom operation with a backward of its own, as the
"Learning PyTorch with Examples" tutorial writes it (LegendrePolynomial3)."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am


class LegendrePolynomial3(am.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)


class ScaledMul(am.autograd.Function):
    """a (m, n) * b (n,) * scale, with a Python constant passed on ctx."""

    @staticmethod
    def forward(ctx, a, b, scale=2.0):
        ctx.save_for_backward(a, b)
        ctx.scale = scale
        return a * b * scale

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga = g * b * ctx.scale if ctx.needs_input_grad[0] else None
        gb = (g * a * ctx.scale).sum(0) if ctx.needs_input_grad[1] else None
        return ga, gb, None


class Exp(am.autograd.Function):
    """Saves its output, as PyTorch's docs' Exp does."""

    @staticmethod
    def forward(ctx, x):
        r = x.exp()
        ctx.save_for_backward(r)
        return r

    @staticmethod
    def backward(ctx, g):
        r, = ctx.saved_tensors
        return g * r


class SortWithIndex(am.autograd.Function):
    """Three outputs: sorted values, their (non-differentiable) indices, twice the values."""

    @staticmethod
    def forward(ctx, x):
        idx = x.argsort(-1)
        ctx.mark_non_differentiable(idx)
        ctx.save_for_backward(idx)
        s = am.take_along_axis(x, idx, -1)
        return s, idx, s * 2

    @staticmethod
    def backward(ctx, gs, gi, gs2):
        idx, = ctx.saved_tensors
        assert not gi.any()  # (zeros for the non-differentiable output)
        return am.scatter(am.zeros_like(gs), -1, idx, gs + 2 * gs2)


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def p3(x):
    return 0.5 * (5 * x ** 3 - 3 * x)


def test_legendre_matches_the_same_polynomial_written_with_ops():
    x = rand(7)
    a = am.tensor(x, requires_grad=True)
    y = LegendrePolynomial3.apply(a)
    assert y.requires_grad and repr(y.grad_fn) == "<LegendrePolynomial3Backward>"
    (y * am.tensor(rand(7, seed=1))).sum().backward()
    b = am.tensor(x, requires_grad=True)
    (p3(b) * am.tensor(rand(7, seed=1))).sum().backward()
    np.testing.assert_allclose(y.data, p3(x), rtol=1e-15)
    np.testing.assert_allclose(a.grad.data, b.grad.data, rtol=1e-14)


@settings(max_examples=8, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=0, max_size=3), st.integers(0, 10 ** 6))
def test_gradcheck_and_gradgradcheck_first_and_second_order(shape, seed):
    x = rand(*shape, seed=seed)
    assert am.gradcheck(LegendrePolynomial3.apply, (x,))
    assert am.gradgradcheck(LegendrePolynomial3.apply, (x,))
    assert am.gradcheck(Exp.apply, (x,))
    assert am.gradgradcheck(Exp.apply, (x,))  # (through the saved output: the recorded one)


@pytest.mark.parametrize("m,n", [(1, 1), (3, 4), (2, 5)])
def test_several_inputs_a_constant_and_broadcasting(m, n):
    a, b = rand(m, n), rand(n, seed=1)
    f = lambda a, b: ScaledMul.apply(a, b, 3.0)  # noqa: E731
    assert am.gradcheck(f, (a, b))
    assert am.gradgradcheck(f, (a, b))
    np.testing.assert_allclose(f(am.tensor(a), am.tensor(b)).data, a * b * 3.0)


def test_needs_input_grad_and_a_none_gradient_for_an_input_that_needs_none():
    seen = []

    class Probe(am.autograd.Function):
        @staticmethod
        def forward(ctx, a, b, k):
            seen.append(ctx.needs_input_grad)
            return a * b * k

        @staticmethod
        def backward(ctx, g):
            return g, None, None

    a = am.tensor(rand(3), requires_grad=True)
    b = am.tensor(rand(3))
    Probe.apply(a, b, 2).sum().backward()
    assert seen == [(True, False, False)]
    np.testing.assert_array_equal(a.grad.data, np.ones(3))
    a2, b2 = am.tensor(rand(3), requires_grad=True), am.tensor(rand(3), requires_grad=True)
    Probe.apply(a2, b2, 2).sum().backward()
    np.testing.assert_array_equal(b2.grad.data, np.zeros(3))  # (None: a zero gradient)


def test_several_outputs_and_a_non_differentiable_one_to_second_order():
    x = rand(3, 4)
    s, idx, s2 = SortWithIndex.apply(am.tensor(x, requires_grad=True))
    assert not idx.requires_grad and s.requires_grad and s2.requires_grad
    np.testing.assert_array_equal(idx.data, np.argsort(x, -1))

    def f(x):
        s, _, s2 = SortWithIndex.apply(x)
        return s ** 3 + s2[:, :1]

    assert am.gradcheck(f, (x,))
    assert am.gradgradcheck(f, (x,))


def test_backward_is_called_once_per_backward_pass_and_retain_graph_twice():
    calls = []

    class Count(am.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            calls.append(1)
            return g * 2, g * 3

    a, b = am.tensor(rand(2), requires_grad=True), am.tensor(rand(2), requires_grad=True)
    y = Count.apply(a, b).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert len(calls) == 2
    np.testing.assert_array_equal(a.grad.data, [4.0, 4.0])
    np.testing.assert_array_equal(b.grad.data, [6.0, 6.0])
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_no_graph_under_no_grad_or_without_inputs_that_require_grad():
    x = am.tensor(rand(3), requires_grad=True)
    with am.no_grad():
        y = LegendrePolynomial3.apply(x)
    assert not y.requires_grad and y.grad_fn is None
    assert LegendrePolynomial3.apply(am.tensor(rand(3))).grad_fn is None


def test_the_output_frees_nothing_it_should_not_keep():
    x = am.tensor(rand(3), requires_grad=True)
    y = Exp.apply(x)
    ref = weakref.ref(y)
    del y
    gc.collect()
    assert ref() is None  # (ctx keeps only a weak reference to the recorded output)


def test_bad_backwards_are_named_with_shapes():
    class WrongShape(am.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g.sum()

    class TooFew(am.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g

    x = am.tensor(rand(3), requires_grad=True)
    with pytest.raises(ValueError, match=r"WrongShape.backward returned a gradient of shape \(\) .*\(3,\)"):
        WrongShape.apply(x).sum().backward()
    with pytest.raises(TypeError, match="TooFew.backward returned 1 gradient"):
        TooFew.apply(x, x).sum().backward()
    with pytest.raises(TypeError, match="only Tensors and None"):
        class SavesANumber(am.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(3)
                return x

        SavesANumber.apply(x)
    with pytest.raises(RuntimeError, match="call WrongShape.apply"):
        WrongShape()


def test_compile_refuses_to_record_a_function_and_eager_equals_itself():
    w = am.tensor(rand(4), requires_grad=True)

    def loss(x):
        return (LegendrePolynomial3.apply(x * w) ** 2).sum()

    with pytest.raises(RuntimeError, match="LegendrePolynomial3.apply .*cannot be recorded"):
        am.compile(loss)(am.tensor(rand(4, seed=1)))
    loss(am.tensor(rand(4, seed=1))).backward()  # (eager still works after the refusal)
    assert w.grad is not None


def test_a_saved_input_changed_in_place_afterwards_gives_its_value_when_saved():
    # (as for the built-in ops: the node is pointed at the input's old version)
    for order in (1, 2):
        x = am.tensor([1.0, 2.0, 3.0], requires_grad=True)
        z = x * 1.0
        y = LegendrePolynomial3.apply(z).sum()
        z.add_(1)
        if order == 1:
            y.backward()
            np.testing.assert_allclose(x.grad.data, 1.5 * (5 * np.array([1.0, 2.0, 3.0]) ** 2 - 1))
        else:
            (g,) = am.autograd.grad(y, x, create_graph=True)
            (h,) = am.autograd.grad(g.sum(), x)
            np.testing.assert_allclose(h.data, 15 * np.array([1.0, 2.0, 3.0]))


def test_in_place_change_of_a_saved_leaf_is_refused():
    x = am.tensor(rand(3), requires_grad=True)
    y = LegendrePolynomial3.apply(x).sum()
    with am.no_grad():
        x -= 1
    with pytest.raises(RuntimeError, match="changed in place"):
        y.backward()


def test_check_graph_skips_a_function_node_and_audits_the_others():
    # check_graph reruns each node's forward on perturbed inputs; a Function's node
    # holds the output its Python forward computed once, and cannot be rerun that way
    x = am.tensor(np.array([0.3, -0.7, 1.1]), requires_grad=True)
    loss = (LegendrePolynomial3.apply(x * 2.0) ** 2).sum()
    report = am.check_graph(loss)
    assert report.ok
    skipped = [c for c in report.nodes if c.report is None]
    assert [c.op for c in skipped] == ["LegendrePolynomial3"]
    assert "gradcheck" in str(report)
    loss.backward()  # (the audit left the graph usable)
    u = 2 * x.data
    assert np.allclose(x.grad.data, 2 * 0.5 * (5 * u ** 3 - 3 * u) * 1.5 * (5 * u ** 2 - 1) * 2)


class MulSaved(am.autograd.Function):
    """a * b, saving both (b may be a constant that needs no gradient)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g * b, g * a


def test_a_saved_constant_changed_in_place_after_forward_is_refused():
    # (as for the built-in mul, and as PyTorch: b's new values would give a wrong gradient)
    x = am.tensor([1.0, 2.0], requires_grad=True)
    c = am.tensor([3.0, 4.0])
    y = MulSaved.apply(x, c)
    c.add_(10)
    with pytest.raises(RuntimeError, match="in place"):
        y.sum().backward()
    assert x.grad is None


def test_a_saved_intermediate_changed_in_place_after_forward_is_refused():
    class Scaled(am.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            s = x * 2.0
            ctx.save_for_backward(s)
            ctx.s = s
            return x * s

        @staticmethod
        def backward(ctx, g):
            s, = ctx.saved_tensors
            return g * 2 * s

    x = am.tensor([1.0, 2.0], requires_grad=True)
    y = Scaled.apply(x)
    y.grad_fn.params["ctx"].s.mul_(0.0)
    with pytest.raises(RuntimeError, match="in place"):
        y.sum().backward()


def test_saved_tensors_are_freed_by_backward_while_the_output_lives():
    # (PyTorch frees saved tensors once backward has run without retain_graph)
    x = am.tensor(rand(3), requires_grad=True)
    for retain in (True, False):
        h = x * 1.0
        c = am.tensor(rand(3, seed=2))
        y = MulSaved.apply(h, c)
        refs = [weakref.ref(h), weakref.ref(c)]
        del h, c
        y.sum().backward(retain_graph=retain)
        gc.collect()
        assert [r() is None for r in refs] == [not retain, not retain]
        if retain:
            y.sum().backward()  # (kept for the second pass, then freed)
            gc.collect()
            assert [r() for r in refs] == [None, None]


def test_create_graph_backward_gets_tensors_for_outputs_without_gradient():
    # (a non-differentiable output's zeros, as the differentiable ones, are Tensors
    # under create_graph, so a backward written with library ops can use them)
    seen = []

    class WithMask(am.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            m = a > 0
            ctx.mark_non_differentiable(m)
            return a * 2, m, a * 3

        @staticmethod
        def backward(ctx, g, gm, g3):
            seen.append((type(g), type(gm), type(g3)))
            return g * 2 + g3 * 3

    x = am.tensor(rand(3), requires_grad=True)
    y, _, _ = WithMask.apply(x)
    (g,) = am.autograd.grad((y * y).sum(), [x], create_graph=True)
    assert seen == [(am.Tensor, am.Tensor, am.Tensor)]
    np.testing.assert_allclose(g.data, 8 * x.data)


class ExpSavesOutput(am.autograd.Function):
    @staticmethod
    def forward(ctx, a):
        y = am.exp(a)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y


def test_a_saved_output_changed_in_place_afterwards_gives_its_value_when_saved():
    # (as a saved input: the node reads the output's value from before the change,
    # to first and second order, never the changed value)
    v = np.array([0.0, 1.0, -0.5])
    for order in (1, 2):
        x = am.tensor(v, requires_grad=True)
        y = ExpSavesOutput.apply(x)
        loss = (y * y).sum()
        y.mul_(10.0)
        if order == 1:
            loss.backward()
            np.testing.assert_allclose(x.grad.data, 2 * np.exp(2 * v))
        else:
            (g,) = am.autograd.grad(loss, x, create_graph=True)
            np.testing.assert_allclose(g.data, 2 * np.exp(2 * v))
            (h,) = am.autograd.grad(g.sum(), x)
            np.testing.assert_allclose(h.data, 4 * np.exp(2 * v))


class ExpTwoOutputs(am.autograd.Function):
    @staticmethod
    def forward(ctx, a):
        y = am.exp(a)
        ctx.save_for_backward(y)
        return a * 2, y

    @staticmethod
    def backward(ctx, g, gy):
        (y,) = ctx.saved_tensors
        return g * 2 + gy * y


def test_a_saved_output_of_several_changed_or_not_to_second_order():
    v = np.array([0.0, 1.0, -0.5])
    for change in (False, True):
        x = am.tensor(v, requires_grad=True)
        _, y = ExpTwoOutputs.apply(x)
        loss = (y * y).sum()
        if change:
            y.mul_(10.0)
        (g,) = am.autograd.grad(loss, x, create_graph=True)
        np.testing.assert_allclose(g.data, 2 * np.exp(2 * v))
        (h,) = am.autograd.grad(g.sum(), x)
        np.testing.assert_allclose(h.data, 4 * np.exp(2 * v))


def test_a_gradient_of_a_shape_the_argument_broadcasts_to_is_summed_to_it():
    # (PyTorch's engine sums such a gradient to the argument's shape, sum_to; a shape
    # the argument does not broadcast to is still refused)
    class Broadcasts(am.autograd.Function):
        @staticmethod
        def forward(ctx, b, x):
            ctx.save_for_backward(x)
            return b * x  # b (3, 1) broadcast against x (3, 4)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * x, (g * 2)[None]  # b's gradient left at (3, 4); x's as (1, 3, 4)

    b = am.tensor(rand(3, 1), requires_grad=True)
    x = am.tensor(rand(3, 4, seed=1), requires_grad=True)
    Broadcasts.apply(b, x).sum().backward()
    np.testing.assert_allclose(b.grad.data, x.data.sum(1, keepdims=True))
    np.testing.assert_allclose(x.grad.data, np.full((3, 4), 2.0))
    (gb, gx) = am.autograd.grad((Broadcasts.apply(b, x) ** 2).sum(), [b, x], create_graph=True)
    assert gb.shape == (3, 1) and gx.shape == (3, 4) and gb.requires_grad
    assert am.gradgradcheck(lambda b: Broadcasts.apply(b, x), (b.data,))
