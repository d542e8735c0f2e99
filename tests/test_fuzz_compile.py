"""am.compile: defects found by a differential fuzzer (random programs of ops, layers,
in-place layers and what users change between calls, compiled against their eager
runs); each test is a minimal reproducer."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am
from replay_check import assert_compiled_replays_eager


def test_an_inplace_layer_writing_into_a_slice_without_a_graph_is_refused_where_a_replay_would_differ():
    # Without a graph the eager ReLU(inplace=True) writes into the slice's array, so t
    # changes too (-2.0); the recording rebound the slice and returned t unchanged (-4.0).
    relu = am.nn.ReLU(inplace=True)

    def f(x):
        t = x * 1.0
        relu(t[:, :1])
        return t.sum()

    x = am.tensor(-np.ones((2, 2)))
    assert f(x).item() == -2.0
    with pytest.raises(RuntimeError, match=r"sum: reads a tensor of shape \(2, 2\) whose array ReLU\(inplace=True\)"):
        am.compile(f)(x)
    with am.no_grad(), pytest.raises(RuntimeError, match="ReLU"):
        am.compile(f)(am.tensor(-np.ones((2, 2)), requires_grad=True))
    # with a graph the write is recorded and reaches t, as PyTorch's (-2.0); f still holds
    # t, which the tape cannot rebind: refused
    x = am.tensor(-np.ones((2, 2)), requires_grad=True)
    assert f(x).item() == -2.0
    with pytest.raises(RuntimeError, match="am.compile cannot replay"):
        am.compile(f)(x)


def test_an_inplace_layer_writing_into_a_view_of_an_argument_is_refused():
    # eager writes through the reshape into the caller's x (its sum is 0.0); the tape
    # rebound the view and left x alone (-4.0)
    relu = am.nn.ReLU(inplace=True)

    def f(x):
        relu(x.reshape(-1))
        return x.sum()

    x = am.tensor(-np.ones((2, 2)))
    assert f(x).item() == 0.0
    x = am.tensor(-np.ones((2, 2)))
    with pytest.raises(RuntimeError, match=r"ReLU\(inplace=True\): writing into the input \(shape \(4,\)\)"):
        am.compile(f)(x)
    assert x.data.sum() == -4.0


def test_an_inplace_layer_on_a_composites_output_without_a_graph_still_replays():
    # a conv's output views arrays of the conv's own ops, which nothing reads again
    net = am.nn.Sequential(am.nn.Conv1d(1, 2, 3), am.nn.ReLU(inplace=True))
    f = am.compile(lambda x: net(x).sum())
    with am.no_grad():
        for k in range(3):
            x = am.tensor(np.random.default_rng(k).standard_normal((2, 1, 5)))
            assert f(x).data.tobytes() == net(x).sum().data.tobytes()
    assert f.recordings == 1


def test_item_assignment_inside_compile_is_refused_with_a_runtime_error():
    # am.compile's contract: what a replay could not reproduce is refused with a
    # RuntimeError, as add_ and the in-place operators are; t[i] = v raised TypeError
    def f(x):
        t = x * 2.0
        t[0] = 0.0
        return t.sum()

    with pytest.raises(RuntimeError, match=r"item assignment: this tensor of shape \(2,\) is in a function being compiled"):
        am.compile(f)(am.tensor([1.0, 2.0]))


def test_an_inplace_layer_on_an_integer_tensor_raises_the_eager_error_when_compiled():
    # eager refuses to write LeakyReLU's float result into an int tensor (TypeError);
    # the compiled call said instead that an op of the function must make the input
    leaky = am.nn.LeakyReLU(0.1, inplace=True)

    def f(x):
        t = x.argmax(axis=1) - 1
        return (x * leaky(t).reshape(-1, 1)).sum()

    x = am.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    for g in (f, am.compile(f)):
        with pytest.raises(TypeError, match=r"LeakyReLU\(inplace=True\): the result's dtype float64 cannot be written"):
            g(x)


def test_an_inplace_layer_writing_without_a_graph_into_an_array_an_op_kept_for_its_gradient_is_refused():
    # h has no graph, so the eager ReLU(inplace=True) writes into its array, which mul
    # kept for W's gradient: the eager backward refuses; the compiled call rebound h
    # and returned a gradient (of the old h) instead
    W = am.tensor([1.0, -2.0], requires_grad=True)
    relu = am.nn.ReLU(inplace=True)

    def f(x):
        h = x * 2.0
        y = (W * h).sum()
        relu(h)
        return y + h.sum()

    with pytest.raises(RuntimeError, match="after mul .* kept it for its gradient"):
        f(am.tensor([-1.0, 1.0])).backward()
    with pytest.raises(RuntimeError, match=r"ReLU\(inplace=True\): writes without a graph into an array \(shape \(2,\)\) that mul kept"):
        am.compile(f)(am.tensor([-1.0, 1.0]))


def test_an_inplace_layer_writing_without_a_graph_into_an_array_no_vjp_reads_is_compiled():
    # add's VJPs read no input values, so the eager write into h (no graph) leaves W's
    # gradient right and the eager backward takes it; the recording refused it, saying
    # that add kept h for its gradient
    W = am.tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True)
    relu = am.nn.ReLU(inplace=True)

    def f(x):
        h = x * 2.0
        y = W + h
        relu(h)
        return (y * y).sum() + h.sum()

    assert_compiled_replays_eager(f, lambda k: (am.tensor(np.random.default_rng(k).standard_normal((2, 2))),),
                                  params=[W])


def test_an_inplace_layer_writing_without_a_graph_into_an_output_an_op_kept_is_refused():
    # exp keeps its output for its gradient: a write through a view of it made under
    # no_grad makes the eager backward refuse; the compiled call gave a gradient
    W = am.tensor([1.0, -2.0], requires_grad=True)

    def f(x):
        e = am.exp(W * x)
        y = e.sum()
        with am.no_grad():
            v = e.reshape(2)
        am.nn.functional.relu(v - 1.0, inplace=False)
        am.nn.functional.relu(v, inplace=True)
        return y

    with pytest.raises(RuntimeError, match="exp .* kept it for its gradient"):
        f(am.tensor([1.0, 1.0])).backward()
    with pytest.raises(RuntimeError, match=r"relu\(inplace=True\): writes without a graph into an array \(shape \(2,\)\) that exp kept"):
        am.compile(f)(am.tensor([1.0, 1.0]))
