"""A backward refuses to run on arrays changed in place after its forward kept them.

Nodes keep their inputs' arrays, not copies; the library stamps its own in-place
changes (in-place operators, item assignment, optimizer steps, init functions,
load_state_dict, batch norm's running statistics) and backward checks the stamps
against its nodes, as PyTorch's version counters do. A recording backward
(create_graph) also refuses an input whose tensor was given a new array.
"""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import engine, nn


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
               r"matmul_add \(output shape \(2,\)\) in Linear\(3→2\) kept it")
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


def test_a_training_forward_leaves_an_evaluation_graphs_gradients_right():
    # batch_norm's running statistics change in place without a stamp: the evaluation
    # graph keeps them but none of its VJPs reads them.
    bn = nn.BatchNorm1d(3).to(np.float64)
    x = am.tensor(np.random.default_rng(0).standard_normal((4, 3)), requires_grad=True)
    with am.no_grad():
        bn(x + 1.0)
    bn.eval()
    y = (bn(x) ** 2).sum()
    expected = am.autograd.grad((bn(x) ** 2).sum(), [x, bn.weight, bn.bias])
    bn.train()
    bn(x)  # updates the running statistics y's graph kept
    y.backward()
    for t, e in zip([x, bn.weight, bn.bias], expected):
        np.testing.assert_array_equal(t.grad.data, e.data)


def test_changes_of_many_short_lived_arrays_are_forgotten():
    for _ in range(5000):
        t = am.tensor(np.ones(3))
        t += 1.0
    assert len(engine._changes) < 2100


def test_a_dead_arrays_change_does_not_condemn_a_new_array_with_its_id():
    # Changes are keyed by id; a new array can inherit a dead one's id, but only
    # nodes made after the change can keep it, and those are not checked against it.
    w = am.tensor([1.0, 2.0], requires_grad=True)
    for _ in range(1000):
        t = am.tensor(np.ones(2))
        t += 1.0
        dead = id(t.data)
        del t
        x = am.tensor(np.full(2, 3.0))
        if id(x.data) == dead:  # (CPython reuses the freed memory at once)
            break
    (w * x).sum().backward()
    np.testing.assert_array_equal(w.grad.data, [3.0, 3.0])


# -- the bookkeeping -----------------------------------------------------------------------


def test_an_optimizers_earlier_change_survives_a_step_on_other_parameters():
    w1 = am.tensor([1.0, 2.0], requires_grad=True)
    w2 = am.tensor([3.0, 4.0], requires_grad=True)
    opt = am.optim.SGD([w1, w2], lr=0.5)
    y = (w1 * w1).sum()  # keeps w1's array
    (w1 * 3).sum().backward()
    opt.step()  # changes w1 (w2 has no gradient)
    opt.zero_grad()
    (w2 * 3).sum().backward()
    opt.step()  # changes only w2
    with pytest.raises(RuntimeError, match=r"changed in place by SGD\.step\(\) after mul"):
        y.backward()


def test_an_optimizer_keeps_no_parameter_array_alive():
    m = nn.Linear(300, 300)
    opt = am.optim.SGD(m.parameters(), lr=0.1)
    m(am.ones((2, 300))).sum().backward()
    opt.step()
    old = weakref.ref(m.weight.data)
    m.to(np.float32)  # new arrays
    gc.collect()
    assert old() is None
    assert opt.param_groups  # (alive until here)


def test_an_optimizer_whose_parameters_get_new_arrays_every_step_keeps_a_bounded_record():
    w = am.tensor(np.ones(3), requires_grad=True)
    opt = am.optim.SGD([w], lr=0.1)
    for _ in range(3000):
        w.grad = am.ones(3)
        opt.step()
        w.data = w.data.copy()
    assert len(engine._steps[id(opt)][3]) < 1100


def test_a_finalizer_run_by_the_garbage_collector_during_the_check(monkeypatch):
    # An optimizer in a reference cycle dies when the cycle collector runs, which can
    # be in the middle of the check's loops over the tables its finalizer changes.
    class Trainer:
        def __init__(self, params):
            self.opt = am.optim.SGD(params, lr=0.1)
            self.me = self

    w = am.tensor([1.0, 2.0], requires_grad=True)
    live = [am.tensor([1.0], requires_grad=True) for _ in range(3)]
    live_opt = am.optim.SGD(live, lr=0.1)
    y = (w * w).sum()
    dying = [am.tensor([1.0], requires_grad=True) for _ in range(3)]
    gc.disable()
    try:
        t = Trainer(dying)
        for p in dying + live:
            p.grad = am.ones_like(p)
        t.opt.step()
        live_opt.step()  # both newer than y's nodes: the backward checks them
        del t
        real_root, fired = engine._root, []

        def root_with_a_gc_pass(a):
            if not fired:
                fired.append(True)
                gc.collect()
            return real_root(a)

        monkeypatch.setattr(engine, "_root", root_with_a_gc_pass)
        y.backward()
    finally:
        gc.enable()
    np.testing.assert_array_equal(w.grad.data, [2.0, 4.0])


def test_the_error_names_the_layer_and_the_parameters_own_shape():
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1)).to(np.float64)
    opt = am.optim.SGD(model.parameters(), lr=0.1)
    loss = (model(am.tensor(np.ones((16, 4)))) ** 2).mean()
    loss.backward(retain_graph=True)
    opt.step()
    with pytest.raises(RuntimeError, match=r"its input 1 \(shape \(8, 1\), a view of an array of shape \(1, 8\)\) "
                       r"was changed in place by SGD\.step\(\) after matmul_add \(output shape \(16, 1\)\) "
                       r"in Sequential > Linear\(8→1\) kept it"):
        loss.backward()


@pytest.mark.parametrize("compiled,validation", [
    (False, "under no_grad"), (True, "under no_grad"),
    (False, "recorded"),  # (model.eval() without no_grad: a graph that is soon garbage)
])
def test_the_usual_loops_never_look_through_the_graph(monkeypatch, compiled, validation):
    looked = []
    check = engine._check_unchanged
    monkeypatch.setattr(engine, "_check_unchanged", lambda order: looked.append(1) or check(order))
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2)).to(np.float64)
    opt = am.optim.Adam(model.parameters(), lr=0.01)
    x = am.tensor(np.random.default_rng(1).standard_normal((8, 3)))
    loss_of = lambda x: (model(x) ** 2).mean()  # noqa: E731
    if compiled:
        model.eval()  # (a training-mode batch norm updates its statistics: not compilable)
        loss_of = am.compile(loss_of)
    for epoch in range(3):
        model.train(not compiled)
        for _ in range(3):
            opt.zero_grad()
            loss_of(x).backward()
            opt.step()
        model.eval()
        if validation == "recorded":
            model(x)
        else:
            with am.no_grad():
                model(x)
    assert looked == []


STEPPED = r"changed in place by SGD\.step\(\)"


def _graph_then_step(w, opt):
    y = (w * w).sum()  # keeps w's array; true gradient 2 * w (before the step)
    w.grad = am.ones_like(w)
    opt.step()
    w.grad = None
    return y


def test_dead_optimizer_after_the_parameter_got_a_new_array():
    w = am.tensor([1.0, 2.0], requires_grad=True)
    opt = am.optim.SGD([w], lr=0.5)
    y = _graph_then_step(w, opt)
    w.data = w.data.astype(np.float32)  # as Module.to does; y still holds the stepped array
    del opt
    gc.collect()
    with pytest.raises(RuntimeError, match=STEPPED):
        y.backward()


def test_dead_optimizer_after_a_param_group_was_removed():
    w = am.tensor([1.0, 2.0], requires_grad=True)
    v = am.tensor([1.0], requires_grad=True)
    opt = am.optim.SGD([{"params": [w]}, {"params": [v]}], lr=0.5)
    y = _graph_then_step(w, opt)
    opt.param_groups.pop(0)  # stop training w
    del opt
    gc.collect()
    with pytest.raises(RuntimeError, match=STEPPED):
        y.backward()


def test_dead_optimizer_after_load_state_dict_then_add_param_group():
    a = am.tensor([1.0], requires_grad=True)
    w = am.tensor([1.0, 2.0], requires_grad=True)
    opt = am.optim.SGD([a], lr=0.5)
    a.grad = am.ones(1)
    opt.step()  # the finalizer captures this param_groups list
    a.grad = None
    opt.load_state_dict(opt.state_dict())  # a new param_groups list
    opt.add_param_group({"params": [w]})  # only in the new list
    y = _graph_then_step(w, opt)
    del opt
    gc.collect()
    with pytest.raises(RuntimeError, match=STEPPED):
        y.backward()


@pytest.mark.parametrize("compiled", [False, True])
def test_a_1x1_convolution_of_one_image_sees_its_input_change(compiled):
    conv = nn.Conv2d(2, 3, 1).to(np.float64)
    x = am.tensor(np.random.default_rng(0).standard_normal((1, 2, 4, 4)))  # an input buffer
    f = (lambda x: conv(x).sum())
    if compiled:
        f = am.compile(f)
        f(x).backward()
        f(x).backward()
    loss = f(x)
    x[...] = 0.0  # the next input written into the buffer before this backward
    with pytest.raises(RuntimeError, match="item assignment"):
        loss.backward()  # (the windows are an as_strided view of x)


def test_dead_optimizers_changes_to_dead_arrays_are_forgotten():
    keep = []
    for _ in range(5000):
        keep += [np.ones(3), np.ones(3)]  # (other allocations: new arrays get new ids)
        w = am.tensor(np.ones(3), requires_grad=True)
        opt = am.optim.SGD([w], lr=0.1)
        w.grad = am.ones(3)
        opt.step()
        del opt, w
    gc.collect()
    dead = sum(1 for ref, _, _ in engine._changes.values() if ref() is None)
    assert dead < 2100


def test_a_create_graph_sweep_refuses_an_input_given_a_new_array_and_changes_nothing():
    # A recording sweep reads the inputs' current arrays, a plain one the kept ones:
    # after w.data = ... the first derivatives would differ, so it refuses.
    x = am.tensor(np.array([1.0, 2.0]), requires_grad=True)
    w = am.tensor(np.array([3.0, 4.0]), requires_grad=True)
    y = (x * w * x).sum()
    w.data = np.array([10.0, 20.0])
    with pytest.raises(RuntimeError, match=r"input 1 of mul .*new array"):
        am.autograd.grad(y, x, create_graph=True)
    with pytest.raises(RuntimeError, match="new array"):
        y.backward(create_graph=True)
    assert x.grad is None and w.grad is None
    (gx,) = am.autograd.grad(y, x)  # the graph is whole: the kept values' gradient
    np.testing.assert_array_equal(gx.data, [2 * 3.0 * 1.0, 2 * 4.0 * 2.0])


def test_a_create_graph_sweep_refuses_a_model_cast_after_the_forward():
    model = nn.Linear(3, 2)
    x = am.tensor(np.ones((4, 3)), requires_grad=True)
    loss = (model(x) ** 2).sum()
    model.to(np.float32)
    with pytest.raises(RuntimeError, match="new array"):
        am.autograd.grad(loss, x, create_graph=True)


@pytest.mark.parametrize("step_last", [True, False])
def test_an_array_changed_twice_is_reported_by_its_latest_change(step_last):
    w = am.tensor([1.0, 2.0], requires_grad=True)
    opt = am.optim.SGD([w], lr=0.1)
    y = (w * w).sum()
    w.grad = am.tensor([1.0, 1.0])
    if step_last:
        with am.no_grad():
            w += 1
        opt.step()
    else:
        opt.step()
        with am.no_grad():
            w += 1
    with pytest.raises(RuntimeError, match=r"SGD\.step\(\)" if step_last else r"x \+= \.\.\."):
        y.backward()


def test_forgetting_dead_arrays_keeps_the_changes_of_live_ones():
    # The table of in-place changes forgets dead arrays once it grows; a live
    # array's change must survive that pruning.
    x = am.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    with am.no_grad():
        x += 1.0
    others = [am.tensor(np.zeros(1)) for _ in range(engine._prune_at[0] + 10)]
    for t in others:  # (enough arrays changed in place to prune the table)
        t += 1.0
    with pytest.raises(RuntimeError, match="changed in place"):
        y.backward()


# An ndarray operand of a recorded operation: the node keeps the values it was computed
# from, whatever the caller writes into the array afterwards (as am.as_tensor copies).
ARRAY_OPERANDS = {
    "x * a": lambda x, a: x * a,
    "a * x": lambda x, a: a * x,
    "x / a": lambda x, a: x / a,
    "x ** a": lambda x, a: x ** a,
    "x @ a": lambda x, a: x @ a,
    "a @ x": lambda x, a: a @ x,
    "x.dot(a)": lambda x, a: x.dot(a),
    "x.matmul(a)": lambda x, a: x.matmul(a),
    "am.matmul(x, a)": lambda x, a: am.matmul(x, a),
    "am.maximum(x, a)": lambda x, a: am.maximum(x, a),
    "am.where(a > 1, x, 0.0)": lambda x, a: am.where(a > 1.5, x, 0.0),  # (a fresh mask)
    "am.where(mask, x, 0.0)": lambda x, a: am.where(a, x, 0.0),
}


@pytest.mark.parametrize("name", ARRAY_OPERANDS)
def test_refilling_an_ndarray_operand_after_the_forward_leaves_the_gradient_right(name):
    op = ARRAY_OPERANDS[name]

    def make_a():
        return np.array([True, False, True]) if "mask" in name else np.array([2.0, 1.0, 3.0])

    x = am.tensor([1.5, 2.0, 2.5], requires_grad=True)
    op(x, make_a()).sum().backward()
    expected = x.grad.data.copy()
    x.grad = None
    a = make_a()
    y = op(x, a).sum()
    a[...] = False if a.dtype == bool else 0.5
    y.backward()
    np.testing.assert_array_equal(x.grad.data, expected)


def test_an_ndarray_operand_is_copied_only_for_a_recorded_operation_and_in_its_layout():
    a = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    x = am.tensor(np.ones((2, 3)), requires_grad=True)
    y = x * a
    kept = y.grad_fn.datas[1]
    assert kept is not a and kept.flags.f_contiguous
    with am.no_grad():
        assert (x * a).grad_fn is None
    c = am.tensor(np.ones((2, 3)))  # (no graph: nothing to keep, nothing copied)
    np.testing.assert_array_equal((c * a).data, a)


def test_an_index_kept_as_a_parameter_is_checked():
    # While am.compile records, getitem keeps an index tensor's own array in its
    # parameters (the tape recognises the argument by its memory), not a copy: the
    # recording call's graph must not scatter the gradient by the refilled index.
    f = am.compile(lambda z, i: (z[i] ** 2).sum())
    z = am.tensor(np.arange(12.0).reshape(4, 3), requires_grad=True)
    i = am.tensor(np.array([0, 1, 1]))
    loss = f(z, i)  # the recording call: its result has the eager graph
    i[0] = 3
    with pytest.raises(RuntimeError, match=r"its index parameter .* item assignment after getitem"):
        loss.backward()
    # (and an index handed to the primitive by hand)
    z.grad = None
    idx = np.array([0, 2])
    y = (am.primitives.getitem.apply(z, index=idx) ** 2).sum()
    idx[0] = 3
    engine.changed_in_place(idx, "a refill")
    with pytest.raises(RuntimeError, match=r"its index parameter .* a refill after getitem"):
        y.backward()


def test_a_step_long_ago_is_still_seen_after_many_replaced_arrays():
    # An optimizer remembers which arrays its earlier steps changed; when a parameter
    # gets a new array on every step (all kept alive), that table is trimmed. The
    # array a graph kept must not be forgotten while it is alive.
    p = nn.Parameter(np.ones(3))
    x = am.tensor([1.0, 2.0, 3.0])
    opt = am.optim.SGD([p], lr=0.1)
    loss = (p * p * x).sum()  # keeps p's array
    p.grad = am.ones(3)
    opt.step()  # changes it in place
    keep = []
    for _ in range(1100):
        keep.append(p.data)
        p.data = p.data.copy()
        p.grad = am.ones(3)
        opt.step()
    p.grad = None
    with pytest.raises(RuntimeError, match=r"its input 0 \(shape \(3,\)\) was changed in place by SGD\.step\(\)"):
        loss.backward()


def test_a_recorded_gradient_keeps_a_copy_of_an_ndarray_grad_output():
    # With create_graph the gradient's graph keeps the seed: as backward()'s
    # gradient= and an eager op's ndarray operand, an ndarray grad_output is copied,
    # so refilling it before the second backward changes nothing.
    x = am.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = np.array([1.0, 2.0, 3.0])
    (g,) = am.autograd.grad(x * x, [x], grad_outputs=v, create_graph=True)
    v[...] = 0.0
    g.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 4.0, 6.0])
