"""am.utils.checkpoint: PyTorch's activation checkpointing, recomputation in backward
built on am.autograd.Function (gradients equal to the uncheckpointed ones bit for bit,
fewer arrays kept by the graph, and clear refusals of what it cannot do exactly)."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.engine import topological_order
from autograd_mini.utils.checkpoint import checkpoint, checkpoint_sequential


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def mlp(seed=0, width=8, depth=2, p=0.3):
    am.manual_seed(seed)
    layers = [nn.Linear(5, width), nn.Tanh(), nn.Dropout(p)]
    for _ in range(depth - 1):
        layers += [nn.Linear(width, width), nn.ReLU(), nn.Dropout(p)]
    return nn.Sequential(*layers, nn.Linear(width, 3))


def grads(model, x, run, seed=1):
    """The loss's value and the gradients of x (if it requires grad) and of the
    parameters after one backward of run(model, x), the generator seeded first."""
    for p in model.parameters():
        p.grad = None
    x.grad = None
    am.manual_seed(seed)
    y = run(model, x)
    loss = (y * am.tensor(rand(*y.shape, seed=7))).sum()
    loss.backward()
    after = am.rand(3).data  # (the generator after backward: the caller's state, restored)
    return ([loss.data.copy(), after] + ([x.grad.data.copy()] if x.requires_grad else [])
            + [p.grad.data.copy() for p in model.parameters()])


def assert_same(a, b):
    assert len(a) == len(b)
    for u, v in zip(a, b):
        assert u.dtype == v.dtype == np.float64
        np.testing.assert_array_equal(u, v)


def plain(m, x):
    return m(x)


@pytest.mark.parametrize("use_reentrant", [None, True, False])
def test_mlp_with_dropout_gradients_equal_uncheckpointed_bit_for_bit(use_reentrant):
    model = mlp()
    x = am.tensor(rand(4, 5), requires_grad=True)
    want = grads(model, x, plain)
    got = grads(model, x, lambda m, x: checkpoint(m, x, use_reentrant=use_reentrant))
    assert_same(want, got)
    # (the dropout masks matter: another seed gives other gradients)
    assert not np.array_equal(grads(model, x, plain, seed=2)[2], want[2])


def test_conv_block_gradients_equal_uncheckpointed_bit_for_bit():
    am.manual_seed(3)
    block = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.ReLU(), nn.Dropout(0.25),
                          nn.Conv2d(3, 2, 3, stride=2), nn.Tanh())
    x = am.tensor(rand(2, 2, 6, 6), requires_grad=True)
    assert_same(grads(block, x, plain), grads(block, x, lambda m, x: checkpoint(m, x)))


def test_checkpoint_sequential_every_number_of_segments():
    model = mlp(depth=3)
    x = am.tensor(rand(4, 5), requires_grad=True)
    want = grads(model, x, plain)
    for segments in range(1, len(model) + 1):
        got = grads(model, x, lambda m, x: checkpoint_sequential(m, segments, x, use_reentrant=False))
        assert_same(want, got)
    got = grads(model, x, lambda m, x: checkpoint_sequential(list(m), 3, x))  # (a list of layers)
    assert_same(want, got)


def test_input_that_needs_no_gradient_parameters_still_get_theirs():
    model = mlp()
    x = am.tensor(rand(4, 5))
    want = grads(model, x, plain)
    y = checkpoint(model, x)
    assert y.requires_grad
    assert_same(want, grads(model, x, lambda m, x: checkpoint(m, x)))
    with am.no_grad():  # (nothing recorded under no_grad)
        assert not checkpoint(model, x).requires_grad


def test_tuple_output_non_tensor_arguments_and_kwargs():
    w = am.tensor(rand(3, 3, seed=2), requires_grad=True)

    def f(a, b, scale, *, c):
        h = am.tanh(a @ w) * scale
        return h * b, "label", (h + c).sum(axis=1), am.tensor([1, 2])

    a = am.tensor(rand(4, 3, seed=3), requires_grad=True)
    b = am.tensor(rand(4, 3, seed=4))
    c = am.tensor(rand(4, 3, seed=5), requires_grad=True)

    def run(ck):
        for t in (a, c, w):
            t.grad = None
        out = checkpoint(f, a, b, 2.0, c=c) if ck else f(a, b, 2.0, c=c)
        assert out[1] == "label" and out[3].tolist() == [1, 2] and not out[3].requires_grad
        loss = (out[0] * am.tensor(rand(4, 3, seed=6))).sum() + (out[2] ** 2).sum()
        loss.backward()
        return [t.grad.data.copy() for t in (a, c, w)]

    assert_same(run(False), run(True))
    # an output no loss uses gets zeros
    for t in (a, c, w):
        t.grad = None
    checkpoint(f, a, b, 2.0, c=c)[2].sum().backward()
    assert_same([a.grad.data, c.grad.data, w.grad.data], [t.grad.data for t in (a, c, w)])


def test_retain_graph_recomputes_each_time():
    model = mlp()
    x = am.tensor(rand(4, 5), requires_grad=True)
    am.manual_seed(1)
    loss = checkpoint(model, x).sum()
    loss.backward(retain_graph=True)
    first = x.grad.data.copy()
    loss.backward()
    np.testing.assert_array_equal(x.grad.data, 2 * first)


def test_nested_checkpoints():
    model = mlp(depth=3)
    x = am.tensor(rand(4, 5), requires_grad=True)
    inner = lambda h: checkpoint(model[3:6], h)  # noqa: E731
    run = lambda m, x: m[6:](checkpoint(lambda h: inner(m[:3](h)), x))  # noqa: E731
    assert_same(grads(model, x, plain), grads(model, x, run))


def test_autograd_grad_of_a_pure_function_and_gradcheck():
    def f(a, b):
        return am.sin(a) * b + a ** 2

    a = am.tensor(rand(3, 4), requires_grad=True)
    b = am.tensor(rand(3, 4, seed=1), requires_grad=True)
    got = am.autograd.grad(checkpoint(f, a, b).sum(), [a, b])
    want = am.autograd.grad(f(a, b).sum(), [a, b])
    assert_same([g.data for g in got], [g.data for g in want])
    assert a.grad is None and b.grad is None
    assert am.gradcheck(lambda a, b: checkpoint(f, a, b), (a, b))


def test_autograd_grad_through_closed_over_parameters_is_refused_and_changes_no_grad():
    model = mlp()
    x = am.tensor(rand(4, 5), requires_grad=True)
    loss = checkpoint(model, x).sum()
    with pytest.raises(RuntimeError, match="checkpoint: am.autograd.grad"):
        am.autograd.grad(loss, [x])
    assert all(p.grad is None for p in model.parameters()) and x.grad is None


def test_create_graph_is_refused():
    x = am.tensor(rand(3), requires_grad=True)
    y = checkpoint(lambda t: (t ** 3).sum(), x)
    with pytest.raises(RuntimeError, match="checkpoint: backward with create_graph=True"):
        am.autograd.grad(y, [x], create_graph=True)
    with pytest.raises(RuntimeError, match="checkpoint: backward with create_graph=True"):
        checkpoint(lambda t: (t ** 3).sum(), x).backward(create_graph=True)


def test_compile_is_refused_naming_checkpoint():
    x = am.tensor(rand(3), requires_grad=True)
    with pytest.raises(RuntimeError, match="compile: checkpoint"):
        am.compile(lambda t: checkpoint(am.tanh, t).sum())(x)


def test_in_place_changes_after_the_forward_are_refused():
    model = mlp(p=0.0)
    x = am.tensor(rand(4, 5), requires_grad=True)
    opt = am.optim.SGD(model.parameters(), lr=0.1)
    model(x).sum().backward()
    loss = checkpoint(model, x).sum()
    opt.step()  # (the weights the recomputation would read are not the forward's)
    with pytest.raises(RuntimeError, match=r"checkpoint: .*changed in place \(by SGD.step\(\)\)"):
        loss.backward()
    # a tensor argument that needs no gradient, changed in place
    h = am.tensor(rand(4, 5))
    loss = checkpoint(model, h).sum()
    h.add_(1.0)
    # (refused by the engine: the node keeps its tensor arguments as saved tensors)
    with pytest.raises(RuntimeError, match=r"\(shape \(4, 5\)\) was changed in place by add_\(\) after CheckpointFunction"):
        loss.backward()
    # a function that changes its own input in place
    h = am.tensor(rand(4, 5))
    loss = checkpoint(lambda t: model(t.mul_(2.0)), h).sum()
    with pytest.raises(RuntimeError, match="changed in place"):
        loss.backward()


def test_bad_arguments():
    x = am.tensor(rand(3), requires_grad=True)
    with pytest.raises(TypeError, match="checkpoint: use_reentrant"):
        checkpoint(am.tanh, x, use_reentrant="yes")
    with pytest.raises(TypeError, match="checkpoint: function must be callable"):
        checkpoint(x, x)
    seq = mlp()
    for bad in (0, len(seq) + 1, 1.5, True):
        with pytest.raises(ValueError, match="checkpoint_sequential: segments"):
            checkpoint_sequential(seq, bad, am.tensor(rand(4, 5)))
    with pytest.raises(ValueError, match="checkpoint_sequential: unexpected keyword"):
        checkpoint_sequential(seq, 2, am.tensor(rand(4, 5)), foo=1)


def test_import_paths():
    import autograd_mini.utils.checkpoint as mod

    assert am.utils.checkpoint is mod
    assert am.utils.checkpoint.checkpoint is checkpoint


def graph_holdings(y):
    """(nodes, distinct arrays, their bytes) that y's graph keeps for backward."""
    order = topological_order([y])
    arrays = {}
    for t in order:
        node = t.grad_fn
        for a in list(node.datas) + [node.out]:
            if isinstance(a, np.ndarray):
                arrays[id(a)] = a
    return len(order), len(arrays), sum(a.nbytes for a in arrays.values())


def test_checkpointing_keeps_fewer_intermediates():
    # a deep MLP, 16 Linear+Tanh layers of width 64 on a batch of 32
    am.manual_seed(0)
    layers = []
    for _ in range(16):
        layers += [nn.Linear(64, 64), nn.Tanh()]
    model = nn.Sequential(*layers)
    x = am.tensor(rand(32, 64), requires_grad=True)
    plain_nodes, plain_arrays, plain_bytes = graph_holdings(model(x))
    ck_nodes, ck_arrays, ck_bytes = graph_holdings(checkpoint_sequential(model, 4, x))
    # without checkpoint: every layer's nodes, keeping its activations; with 4 segments,
    # 3 checkpoint nodes keep their inputs (32 x 64) and the last segment runs as usual
    assert ck_nodes < plain_nodes / 2
    assert ck_bytes < plain_bytes / 2
    one_ck = graph_holdings(checkpoint(model, x))
    assert one_ck[0] == 1 and one_ck[2] == 2 * x.data.nbytes  # (x, and its output)


def test_the_node_lets_its_arguments_go_after_backward():
    x = am.tensor(rand(3), requires_grad=True)
    h = x * 1.0
    ref = weakref.ref(h)
    y = checkpoint(lambda t: t * 2, h)
    del h
    y.sum().backward()
    gc.collect()
    assert ref() is None  # (y still alive: only its released node held h)
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0, 2.0])
