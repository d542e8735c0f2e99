"""check_graph: a node-by-node audit of a recorded graph names the first wrong VJP."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import autograd_mini as am
import autograd_mini.primitives as P
from autograd_mini.gradcheck import GradcheckError, GraphReport
from autograd_mini.primitives import PRIMITIVES, Primitive

RNG = np.random.default_rng(0)

# tanh with a VJP that forgets to square: g * (1 - ans) instead of g * (1 - ans**2).
bad_tanh = Primitive("bad_tanh", np.tanh, (lambda g, ans, x: g * (1.0 - ans),), uses_ans=True,
                     register=False)
# mul whose VJP for the second input is off by 10 percent.
bad_mul = Primitive(
    "bad_mul", np.multiply,
    (lambda g, ans, x, y: P.unbroadcast(g * y, x.shape),
     lambda g, ans, x, y: P.unbroadcast(1.1 * g * x, y.shape)),
    register=False,
)
crashing_exp = Primitive("crashing_exp", np.exp, (lambda g, ans, x: g @ np.ones((7, 7)),), register=False)


def _mlp(activation=am.tanh, dtype=np.float64) -> tuple[am.Tensor, dict]:
    """loss = mean((sigmoid(act(x W1^T + b1) W2^T + b2) - y)^2), returning the tensors too."""
    x = am.tensor(RNG.standard_normal((6, 3)).astype(dtype))
    y = am.tensor(RNG.uniform(0, 1, (6, 2)).astype(dtype))
    w1 = am.tensor(RNG.standard_normal((4, 3)).astype(dtype), requires_grad=True)
    b1 = am.tensor(RNG.standard_normal(4).astype(dtype), requires_grad=True)
    w2 = am.tensor(RNG.standard_normal((2, 4)).astype(dtype), requires_grad=True)
    b2 = am.tensor(RNG.standard_normal(2).astype(dtype), requires_grad=True)
    with am.engine.scope("hidden"):
        h = activation(x @ w1.T + b1)
    with am.engine.scope("output"):
        out = am.sigmoid(h @ w2.T + b2)
    loss = ((out - y) ** 2).mean()
    return loss, {"h": h, "out": out}


def test_test_local_primitives_are_not_registered() -> None:
    assert not {"bad_tanh", "bad_mul", "crashing_exp"} & set(PRIMITIVES)


def test_a_correct_graph_passes_and_every_node_is_listed() -> None:
    loss, _ = _mlp()
    report = am.check_graph(loss)
    assert isinstance(report, GraphReport) and report.ok and bool(report)
    assert report.first_failure is None and report.failed == []
    ops = [c.op for c in report.nodes]
    assert ops[-1] == loss.grad_fn.prim.name and "matmul" in ops and "tanh" in ops and "sigmoid" in ops
    assert len(ops) == len(am.engine.topological_order([loss]))
    assert set(report.errors) == {c.node for c in report.nodes}
    assert all(0 <= e < 1e-6 for e in report.errors.values())
    assert loss.grad_fn in report.errors
    # forward order: every node comes after the nodes that produced its inputs
    position = {c.node: c.index for c in report.nodes}
    for c in report.nodes:
        for t in c.node.inputs:
            if isinstance(t, am.Tensor) and t.grad_fn is not None:
                assert position[t.grad_fn] < c.index
    assert "all" in str(report) and "agree" in str(report)


def test_reports_of_module_graphs_name_the_modules() -> None:
    am.manual_seed(0)
    model = am.nn.Sequential(am.nn.Linear(3, 4), am.nn.Tanh(), am.nn.Linear(4, 2))
    loss = model(am.tensor(RNG.standard_normal((5, 3)))).sum()
    text = str(am.check_graph(loss))
    assert "in Sequential/Linear(3→4)" in text and "in Sequential/Tanh" in text


def test_the_wrong_node_is_named() -> None:
    loss, parts = _mlp(activation=lambda z: bad_tanh(z))
    with pytest.raises(GradcheckError) as info:
        am.check_graph(loss, seed=3)
    report = info.value.report
    wrong = parts["h"].grad_fn
    assert report.first_failure is wrong
    check = report.failed[0]
    assert check.op == "bad_tanh" and check.scope == ("hidden",)
    assert check.input_shapes == ((6, 4),)
    assert check.error > 1e-3 and report.errors[wrong] == check.error
    assert [c.op for c in report.failed] == ["bad_tanh"]
    assert all(e < 1e-6 for n, e in report.errors.items() if n is not wrong)
    message = str(info.value)
    assert "bad_tanh" in message and "(6, 4)" in message and "hidden" in message
    assert "wrong gradient" in message


def test_raise_exception_false_returns_a_falsy_report() -> None:
    loss, parts = _mlp(activation=lambda z: bad_tanh(z))
    report = am.check_graph(loss, raise_exception=False)
    assert not report.ok and not report
    assert report.first_failure is parts["h"].grad_fn


def test_the_first_wrong_node_in_forward_order_is_named() -> None:
    a = am.tensor(RNG.standard_normal((3, 2)), requires_grad=True)
    b = am.tensor(RNG.standard_normal(2), requires_grad=True)
    first = bad_mul(a, b)           # broadcasting: the wrong VJP must reduce over rows
    second = bad_tanh(first.sin())
    loss = bad_mul(second, b).sum()
    report = am.check_graph(loss, raise_exception=False, seed=0)
    assert [c.op for c in report.failed] == ["bad_mul", "bad_tanh", "bad_mul"]
    assert report.first_failure is first.grad_fn
    failure = report.failed[0].report
    assert failure.input_index == 1 and failure.input_shape == (2,)
    assert failure.analytic == pytest.approx(1.1 * failure.numeric, rel=1e-6)


def test_works_after_backward_with_retain_graph_and_refuses_a_released_graph() -> None:
    loss, _ = _mlp()
    loss.backward(retain_graph=True)
    assert am.check_graph(loss).ok
    loss.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        am.check_graph(loss)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="no recorded graph"):
        am.check_graph(am.tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match="expected a Tensor"):
        am.check_graph(np.ones(3))


def test_a_deep_chain_needs_no_recursion() -> None:
    x = am.tensor(0.5, requires_grad=True)
    y = x
    for _ in range(sys.getrecursionlimit() + 200):
        y = y * 0.999 + 0.001
    report = am.check_graph(y)
    assert len(report.nodes) == 2 * (sys.getrecursionlimit() + 200)


def test_large_node_inputs_are_checked_by_projection() -> None:
    w = am.tensor(RNG.standard_normal((20, 30)), requires_grad=True)
    loss = (bad_tanh(w * 0.5) ** 2).sum()
    report = am.check_graph(loss, raise_exception=False)
    (check,) = report.failed
    assert check.op == "bad_tanh" and check.report.direction is not None
    assert check.report.element is None


def test_a_crashing_vjp_is_reported_as_that_nodes_failure() -> None:
    x = am.tensor(RNG.standard_normal(3), requires_grad=True)
    loss = crashing_exp(x.sin()).sum()
    report = am.check_graph(loss, raise_exception=False)
    (check,) = report.failed
    assert check.op == "crashing_exp" and check.error == np.inf
    assert "raised ValueError" in check.report.note


def test_indexing_constants_and_non_float_nodes() -> None:
    x = am.tensor(RNG.standard_normal((4, 3)), requires_grad=True)
    idx = np.array([3, 0, 0])
    y = x[idx, ::-1] * 2.0                     # getitem with repeats, a Python-float constant
    z = am.where(y.data > 0, y, 0.5) + am.pad(y, 1).sum()
    flags = (x > 0).astype(np.float64)         # a comparison: no node
    loss = (z * x[:3] * flags[:3]).sum()
    report = am.check_graph(loss)
    ops = {c.op for c in report.nodes}
    assert {"getitem", "where", "pad", "mul"} <= ops and "gt" not in ops


def test_float32_graphs_are_audited_with_float64_differences() -> None:
    loss, _ = _mlp(dtype=np.float32)
    assert loss.dtype == np.float32
    report = am.check_graph(loss)
    assert report.ok and max(report.errors.values()) < 1e-6


def test_a_vjp_wrong_only_in_float32_is_found_in_a_float32_graph() -> None:
    # The VJPs were run on float64 copies of the saved values, so a VJP that the
    # float32 backward pass gets wrong was never run by the audit, which passed.
    seen = []

    def vjp(g, ans, x):
        seen.append((g.dtype, ans.dtype, x.dtype))
        return g * np.cos(x) * (1.1 if x.dtype == np.float32 else 1.0)

    sin32 = Primitive("sin_wrong_in_float32", np.sin, (vjp,), register=False)
    x = RNG.standard_normal((3, 4))
    for dtype, ok in ((np.float64, True), (np.float32, False)):
        t = am.tensor(x.astype(dtype), requires_grad=True)
        report = am.check_graph((sin32(t * 2.0) * 3.0).sum(), raise_exception=False, seed=0)
        assert report.ok is ok
    assert [c.op for c in report.failed] == ["sin_wrong_in_float32"]
    assert seen[-1] == (np.float32, np.float32, np.float32)
    assert report.failed[0].report.atol == pytest.approx(np.finfo(np.float32).eps ** 0.5)


@pytest.mark.parametrize("shape", [(1, 2, 5, 5), (2, 3, 9, 9)])  # node inputs by element, and by projection
def test_a_padded_max_pool_passes_although_its_border_is_minus_infinity(shape) -> None:
    # The -inf border made every difference NaN: pad, unfold and max were all named wrong.
    x = am.tensor(RNG.standard_normal(shape), requires_grad=True)
    y = am.nn.functional.max_pool2d(x, 3, stride=2, padding=1)
    report = am.check_graph((y * RNG.standard_normal(y.shape)).sum())
    assert {"pad", "unfold", "max"} <= {c.op for c in report.nodes}
    assert max(report.errors.values()) < 1e-6
    # (a wrong VJP after the border is still found)
    z = bad_tanh(am.nn.functional.max_pool2d(x, 3, stride=2, padding=1))
    assert [c.op for c in am.check_graph(z.sum(), raise_exception=False).failed] == ["bad_tanh"]


def test_remainder_and_floor_divide_nodes_are_checked_and_named() -> None:
    x = am.tensor(np.array([-3.1, -0.4, 1.3, 2.9]), requires_grad=True)
    w = am.tensor(np.array([[1.5], [-2.5]]), requires_grad=True)
    loss = ((x % w) * (x // w) + 3.0 % (w * w + 0.1)).sum()
    report = am.check_graph(loss)
    assert report.ok
    ops = [c.op for c in report.nodes]
    assert ops.count("remainder") == 2 and "floor_divide" not in ops  # (a constant: no node)
