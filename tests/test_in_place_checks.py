"""A backward refuses to run on arrays changed in place after its forward kept them.

Nodes keep their inputs' arrays, not copies; the library stamps its own in-place
changes (in-place operators, item assignment, optimizer steps, init functions,
load_state_dict, batch norm's running statistics) and backward checks the stamps
against its nodes, as PyTorch's version counters do.
"""

from __future__ import annotations

import weakref

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import engine, nn
from autograd_mini.nn import functional as F


def _linear_loss():
    lin = nn.Linear(3, 2).to(np.float64)
    x = am.tensor([0.5, -1.0, 2.0])
    return lin, x, (lin(x) ** 2).sum()


def _change_weight_by_optimizer(make):
    def change(lin):
        opt = make(lin.parameters())
        for p in lin.parameters():
            p.grad = am.ones_like(p)
        opt.step()
        for p in lin.parameters():
            p.grad = None
    return change


def _sub_under_no_grad(lin):
    with am.no_grad():
        lin.weight -= 0.1


def _item_assignment(lin):
    with am.no_grad():
        lin.weight[0, 1] = 5.0


def _through_a_detached_view(lin):
    row = lin.weight.detach()[1]  # a view of the weight's memory, not requiring grad
    row *= 2.0


def _load_state_dict(lin):
    lin.load_state_dict(nn.Linear(3, 2).to(np.float64).state_dict())


CHANGES = {
    "x -= ... under no_grad": (_sub_under_no_grad, r"x -= \.\.\."),
    "item assignment": (_item_assignment, "item assignment"),
    "a detached view": (_through_a_detached_view, r"x \*= \.\.\."),
    "SGD": (_change_weight_by_optimizer(lambda ps: am.optim.SGD(ps, lr=0.1)), r"SGD\.step\(\)"),
    "SGD momentum": (_change_weight_by_optimizer(lambda ps: am.optim.SGD(ps, lr=0.1, momentum=0.9)),
                     r"SGD\.step\(\)"),
    "Adam": (_change_weight_by_optimizer(lambda ps: am.optim.Adam(ps, lr=0.1)), r"Adam\.step\(\)"),
    "AdamW": (_change_weight_by_optimizer(lambda ps: am.optim.AdamW(ps, lr=0.1)), r"AdamW\.step\(\)"),
    "RMSprop": (_change_weight_by_optimizer(lambda ps: am.optim.RMSprop(ps, lr=0.1)), r"RMSprop\.step\(\)"),
    "init": (lambda lin: nn.init.normal_(lin.weight), r"nn\.init\.normal_"),
    "load_state_dict": (_load_state_dict, "load_state_dict"),
}


@pytest.mark.parametrize("name", CHANGES)
@pytest.mark.parametrize("how", ["backward", "autograd.grad"])
def test_a_change_between_forward_and_backward_is_refused_before_anything_changes(name, how):
    change, by = CHANGES[name]
    lin, x, loss = _linear_loss()
    change(lin)
    pattern = (rf"^backward: its input 0 \(shape \(2, 3\)\) was changed in place by {by} after "
               r"matmul_add \(output shape \(2,\)\) kept it")
    run = loss.backward if how == "backward" else lambda: am.autograd.grad(loss, [lin.weight, lin.bias])
    with pytest.raises(RuntimeError, match=pattern):
        run()
    assert lin.weight.grad is None and lin.bias.grad is None
    with pytest.raises(RuntimeError, match=pattern):  # the graph is still there, not released
        run()


def test_the_usual_loop_and_changes_outside_a_forward_and_backward_pass():
    lin, x, _ = _linear_loss()
    opt = am.optim.SGD(lin.parameters(), lr=0.1, momentum=0.5)
    for _ in range(3):
        with am.no_grad():
            lin.bias += 0.01  # before the forward: its nodes see the new values
        opt.zero_grad()
        loss = (lin(x) ** 2).sum()
        loss.backward()
        w, b = lin.weight.data.copy(), lin.bias.data.copy()
        z = w @ x.data + b
        np.testing.assert_allclose(lin.weight.grad.data, 2 * np.outer(z, x.data), rtol=1e-14)
        opt.step()  # after the backward


def test_a_change_to_an_array_the_graph_does_not_keep_is_not_refused():
    a = am.tensor([1.0, 2.0], requires_grad=True)
    other = am.tensor([3.0, 4.0], requires_grad=True)
    y = (a * a).sum()
    with am.no_grad():
        other -= 1.0
    y.backward()
    np.testing.assert_array_equal(a.grad.data, [2.0, 4.0])


def test_autograd_grad_checks_only_the_nodes_it_runs():
    a, b, c = (am.tensor([1.0, 2.0], requires_grad=True) for _ in range(3))
    d = am.tensor([5.0, 6.0])
    y = (a * b + c * d).sum()
    d += 1.0  # kept by c * d, which the gradient with respect to a does not run
    (ga,) = am.autograd.grad(y, [a], retain_graph=True)
    np.testing.assert_array_equal(ga.data, b.data)
    with pytest.raises(RuntimeError, match=r"input 1 \(shape \(2,\)\) was changed in place by x \+= \.\.\. after mul"):
        am.autograd.grad(y, [c])


def test_a_change_to_a_non_leafs_array_through_detach_is_refused():
    w = am.tensor([0.5, -0.3], requires_grad=True)
    h = w.sigmoid()
    d = h.detach()
    d += 1.0
    with pytest.raises(RuntimeError, match=r"its output \(shape \(2,\)\) was changed in place by x \+= \.\.\. after sigmoid"):
        h.sum().backward()


def test_a_compiled_functions_saved_arrays_are_checked():
    lin, x, _ = _linear_loss()
    opt = am.optim.SGD(lin.parameters(), lr=0.1)
    f = am.compile(lambda x: (lin(x) ** 2).sum())
    for _ in range(3):  # recorded, then replayed: no change in between
        opt.zero_grad()
        f(x).backward()
        opt.step()
    loss = f(x)
    opt.step()
    with pytest.raises(RuntimeError, match=r"an array it saved \(shape \(2, 3\)\) was changed in place by SGD\.step\(\)"):
        loss.backward()


def test_batch_norm_running_statistics():
    bn = nn.BatchNorm1d(3).to(np.float64)
    x = am.tensor(np.random.default_rng(0).standard_normal((4, 3)), requires_grad=True)
    for _ in range(2):  # training: the update of the running statistics is kept by no node
        bn(x).sum().backward()
    bn.eval()
    y = (bn(x) ** 2).sum()  # evaluation keeps the running mean
    bn.train()
    bn(x)  # ...which this forward updates
    with pytest.raises(RuntimeError, match=r"changed in place by batch_norm \(updating running_(mean|var)\)"):
        y.backward()


def test_changes_of_many_short_lived_arrays_are_forgotten():
    for _ in range(5000):
        t = am.tensor(np.ones(3))
        t += 1.0
    assert len(engine._changes) < 2100


def test_an_entry_left_by_a_dead_array_with_the_same_id_is_ignored():
    w = am.tensor([1.0, 2.0], requires_grad=True)
    x = am.tensor([3.0, 4.0])
    y = (w * x).sum()

    class Gone:
        pass

    # As if an array that had x's id was changed and freed before x existed.
    engine._changes[id(x.data)] = (weakref.ref(Gone()), engine._state["changed"] + 1, "a dead array")
    engine._state["changed"] += 1
    try:
        y.backward()
    finally:
        del engine._changes[id(x.data)]
    np.testing.assert_array_equal(w.grad.data, [3.0, 4.0])


def test_functional_batch_norm_with_plain_arrays_as_running_statistics():
    rm, rv = np.zeros(2), np.ones(2)
    x = am.tensor([[1.0, 2.0], [3.0, 5.0]], requires_grad=True)
    y = F.batch_norm(x, rm, rv, training=False).sum()
    F.batch_norm(x, rm, rv, training=True)
    with pytest.raises(RuntimeError, match="batch_norm"):
        y.backward()
