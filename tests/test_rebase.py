"""In-place changes of tensors with a graph: `t[i] = v`, `t.add_(y)`, ... recorded as
PyTorch records them (the tensor's graph rebased onto the change; engine.rebase).

The oracles are numpy functions written here: a change recorded in place must give
the gradients of the same computation written out of place, and what was recorded
with the tensor before the change must keep using its old value.
"""

from __future__ import annotations

import gc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import engine
from test_tensor_methods2 import _numeric_grad


def _leaf(a):
    return am.tensor(np.array(a, dtype=float), requires_grad=True)


def test_what_was_recorded_before_keeps_the_old_value():
    rng = np.random.default_rng(0)
    a, v = rng.normal(size=(3, 4)), rng.normal(size=4)
    x, w = _leaf(a), _leaf(v)
    y = x.sigmoid()  # (sigmoid's backward reads its own output, which the change must not touch)
    before = (y * y).sum()
    y[1] = w * 3.0
    after = (y * np.arange(12.0).reshape(3, 4)).sum()
    (before + after).backward()

    def f(a, v):
        y = 1 / (1 + np.exp(-a))
        before = (y * y).sum()
        y = y.copy()
        y[1] = v * 3.0
        return before + (y * np.arange(12.0).reshape(3, 4)).sum()

    np.testing.assert_allclose(x.grad.data, _numeric_grad(lambda t: f(t, v), a), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(w.grad.data, _numeric_grad(lambda t: f(a, t), v), rtol=1e-6, atol=1e-9)


def test_a_buffer_filled_step_by_step_as_in_an_rnn_loop():
    rng = np.random.default_rng(1)
    w = _leaf(rng.normal(size=(2, 3)))
    out = am.zeros((2, 4, 3))  # (no grad: it takes a node at its first assignment)
    h = am.tensor(np.ones((2, 3)))
    for t in range(4):
        h = (h * w).tanh()
        out[:, t] = h
    loss = (out * out).sum()
    loss.backward()
    got = w.grad.data.copy()
    w.grad = None
    h, steps = am.tensor(np.ones((2, 3))), []
    for t in range(4):
        h = (h * w).tanh()
        steps.append(h)
    stacked = am.stack(steps, axis=1)
    (stacked * stacked).sum().backward()
    np.testing.assert_allclose(got, w.grad.data, rtol=1e-14)
    assert loss.item() == pytest.approx((stacked * stacked).sum().item(), rel=1e-14)


def test_a_tensor_changed_again_and_again_with_uses_in_between():
    a = np.array([0.3, -0.7, 1.1])
    x = _leaf(a)
    y = x * 1.0
    terms = []
    for k in range(3):
        terms.append((y * y).sum() * (k + 1))
        y.mul_(x)
        y[k] = x[k] * 2.0
    total = terms[0] + terms[1] + terms[2] + y.sum()
    total.backward()

    def f(a):
        y, total = a * 1.0, 0.0
        for k in range(3):
            total += (y * y).sum() * (k + 1)
            y = y * a
            y[k] = a[k] * 2.0
        return total + y.sum()

    np.testing.assert_allclose(x.grad.data, _numeric_grad(f, a), rtol=1e-6)
    assert total.item() == pytest.approx(f(a), rel=1e-14)


_INDEXES = [
    (slice(None), 0),
    (slice(1, None),),
    (np.array([0, 2, 0]),),  # (a repeated index: numpy's assignment decides which value stays)
    (Ellipsis, np.array([1, 1])),
]


@settings(max_examples=12, deadline=None)
@given(rows=st.integers(3, 5), cols=st.integers(2, 4), which=st.integers(0, len(_INDEXES) - 1),
       seed=st.integers(0, 2**16))
def test_item_assignment_gradients_first_and_second_order(rows, cols, which, seed):
    rng = np.random.default_rng(seed)
    index = _INDEXES[which]
    place = np.empty((rows, cols))[index].shape
    x, v = _leaf(rng.normal(size=(rows, cols))), _leaf(rng.normal(size=place[-1:]))  # (v broadcast)

    def f(x, v):
        y = x.tanh()
        kept = (y * y * y).sum()
        y[index] = v * v
        return kept * (y * y).sum()

    assert am.gradcheck(f, [x, v])
    assert am.gradgradcheck(f, [x, v])


def test_a_repeated_index_takes_numpys_value_and_its_gradient():
    x, v = _leaf([1.0, 2.0, 3.0]), _leaf([10.0, 20.0, 30.0])
    y = x * 1.0
    y[np.array([0, 2, 0])] = v
    want = np.array([1.0, 2.0, 3.0])
    want[np.array([0, 2, 0])] = [10.0, 20.0, 30.0]
    np.testing.assert_array_equal(y.data, want)
    (y * am.tensor([1.0, 2.0, 3.0])).sum().backward()
    # the value entry that numpy left in each place gets that place's gradient
    won = np.zeros(3)
    won[[0, 2, 0]] = np.arange(3)  # (which value each place holds)
    expect = np.zeros(3)
    for place, entry in [(0, int(won[0])), (2, int(won[2]))]:
        expect[entry] += place + 1.0
    np.testing.assert_array_equal(v.grad.data, expect)
    np.testing.assert_array_equal(x.grad.data, [0.0, 2.0, 0.0])


def test_a_boolean_mask_assignment_as_in_attention_masking():
    rng = np.random.default_rng(2)
    s = _leaf(rng.normal(size=(2, 3, 3)))
    scores = s * 1.0
    mask = np.triu(np.ones((3, 3), dtype=bool), k=1)
    scores[:, mask] = -np.inf
    p = am.nn.functional.softmax(scores, axis=-1)
    (p * rng.normal(size=(2, 3, 3))).sum().backward()
    assert np.all(np.isfinite(s.grad.data)) and np.all(s.grad.data[:, mask] == 0)
    np.testing.assert_array_equal(p.data, am.nn.functional.softmax(am.where(mask, -np.inf, s), axis=-1).data)


def test_autograd_grad_retain_graph_and_a_second_backward():
    x = _leaf([0.5, 1.5])
    y = x.exp()
    first = y.sum()
    y.add_(x * x)
    out = first * y.sum()
    (g1,) = am.autograd.grad(out, [x], retain_graph=True)
    (g2,) = am.autograd.grad(out, [x])
    np.testing.assert_array_equal(g1.data, g2.data)
    e = np.exp(x.data)
    want = e * (e + x.data**2).sum() + e.sum() * (e + 2 * x.data)
    np.testing.assert_allclose(g1.data, want, rtol=1e-14)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        out.backward()


def test_the_dtype_stays_and_bad_input_changes_nothing():
    h = am.tensor(np.ones(3, np.float32), requires_grad=True) * 2.0
    h[0] = _leaf(5.0)  # (a float64 value into float32, as in place)
    h.add_(_leaf([1.0, 1.0, 1.0]))
    assert h.dtype == np.float32 and h.data.tolist() == [6.0, 3.0, 3.0]
    h = _leaf([1.0, 2.0]) * 2.0
    node, array = h.grad_fn, h.data
    for change, err in [(lambda: h.__setitem__(2, 1.0), IndexError),
                        (lambda: h.__setitem__(slice(None), np.ones(3)), ValueError),
                        (lambda: h.add_(np.ones((2, 2))), ValueError),
                        (lambda: h.copy_(np.ones(3) * 1j), TypeError)]:
        with pytest.raises(err):
            change()
        assert h.grad_fn is node and h.data is array


def test_under_no_grad_it_writes_in_place_and_stamps():
    x = _leaf([1.0, 2.0])
    y = x.exp()
    loss = (y * y).sum()
    node = y.grad_fn
    with am.no_grad():
        y[0] = 0.0
    assert y.grad_fn is node and y.data[0] == 0.0
    with pytest.raises(RuntimeError, match="changed in place by item assignment"):
        loss.backward()


def test_inside_compile_it_is_refused():
    def f(x):
        y = x * 2.0
        y[0] = 1.0
        return y.sum()

    with pytest.raises(RuntimeError, match="item assignment: .* in a function being compiled"):
        am.compile(f)(_leaf([1.0, 2.0]))

    def g(x):
        y = x * 2.0
        y.add_(1.0)
        return y.sum()

    with pytest.raises(RuntimeError, match="add_: cannot change a tensor in place inside a function being compiled"):
        am.compile(g)(_leaf([1.0, 2.0]))


def test_a_module_that_masks_in_place_trains_as_its_out_of_place_twin():
    class Masked(am.nn.Module):
        def __init__(self, in_place):
            super().__init__()
            self.lin = am.nn.Linear(3, 3)
            self.in_place = in_place

        def forward(self, x):
            h = self.lin(x)
            if self.in_place:
                h[:, 0] = 0.0
                h.clamp_(min=-0.5)
                return h
            return am.where(np.arange(3) == 0, 0.0, h).clamp(min=-0.5)

    x = am.tensor(np.random.default_rng(3).normal(size=(4, 3)))
    a, b = Masked(True), Masked(False)
    b.load_state_dict(a.state_dict())
    for m in (a, b):
        opt = am.optim.SGD(m.parameters(), lr=0.1)
        for _ in range(3):
            opt.zero_grad()
            (m(x) ** 2).sum().backward()
            opt.step()
    for (name, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)


def test_a_drawing_shows_the_old_value_feeding_what_used_it():
    x, v = _leaf([1.0, 2.0, 3.0]), _leaf(2.0)
    y = x * 2.0
    s = y.sum()
    y[0] = v
    dot = am.viz.draw_graph(s + y.sum()).source
    # the product's output feeds the first sum and the assignment's where, and nothing else
    assert dot.count("tensor1 -> op") == 2 and "tensor1 -> op2" in dot


def test_the_versions_of_a_dead_tensor_are_forgotten():
    x = _leaf([1.0, 2.0])
    y = x * 1.0
    y[0] = 3.0
    assert id(y) in engine._versions
    key = id(y)
    del y
    gc.collect()
    assert key not in engine._versions


@pytest.mark.parametrize("change, expect", [
    (lambda y: y.mul_(y), lambda a: 2 * a),  # y * y
    (lambda y: y.add_(y), lambda a: 2 + 0 * a),  # y + y
    (lambda y: y.sub_(y, alpha=0.5), lambda a: 0.5 + 0 * a),
    (lambda y: y.div_(y), lambda a: 0 * a),  # y / y
    (lambda y: y.copy_(y), lambda a: 1 + 0 * a),
    (lambda y: y.clamp_(min=y), lambda a: 1 + 0 * a),
    (lambda y: y.__setitem__(Ellipsis, y), lambda a: 1 + 0 * a),
])
def test_a_change_whose_operand_is_the_tensor_itself_uses_its_old_value(change, expect):
    # (x.mul_(x): the operand is x as it was, not the changed x, whose node would then
    # feed itself and drop its gradient)
    a = np.array([1.0, 2.0, 3.0])
    x = _leaf(a)
    y = x * 1
    change(y)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, expect(a))


@pytest.mark.parametrize("how", ["backward", "grad"])
def test_create_graph_through_one_node_whose_constant_was_changed_after(how):
    # (a root whose one node has only leaves for inputs skips the graph walk that points
    # nodes at the old versions: its constant input t, changed after, must still be old)
    a = np.array([1.0, 2.0])
    x, t = _leaf(a), am.ones(2)
    y = x * t
    t.mul_(x)  # (t, no leaf of the graph, takes a node of its own)
    if how == "backward":
        y.backward(am.ones(2), create_graph=True)
        g = x.grad
    else:
        (g,) = am.autograd.grad(y, [x], grad_outputs=[am.ones(2)], create_graph=True)
    np.testing.assert_allclose(g.data, [1.0, 1.0])
    (g * x).sum().backward()  # (second order: d/dx sum(t_old * x) = t_old)


def test_an_empty_selection_set_to_a_value_that_requires_grad_still_requires_grad():
    # (as PyTorch: t[mask] = w with mask all False records the assignment; w's gradient is 0)
    w = _leaf([1.0, 2.0, 3.0, 4.0])
    t = am.zeros(3, 4)
    t[np.zeros(3, dtype=bool)] = w
    assert t.requires_grad
    (t * 2).sum().backward()
    np.testing.assert_array_equal(w.grad.data, np.zeros(4))


def test_item_assignment_from_a_view_of_the_same_tensor_reads_the_values_before():
    # (numpy's masked and fancy assignment reads an overlapping source as it writes;
    # PyTorch refuses the overlap, and the out-of-place form reads the old values)
    m = np.array([[0, 1, 0, 1], [0, 1, 1, 1], [1, 0, 1, 0]], dtype=bool)
    a = np.arange(12.0).reshape(3, 4)
    want = a.copy()
    want[m] = a.reshape(-1)[:7]
    t = am.tensor(a)
    t[m] = t.reshape(-1)[:7]
    np.testing.assert_array_equal(t.data, want)
    t = am.tensor(a)
    t[[2, 0]] = t[0:2]
    want = a.copy()
    want[[2, 0]] = a[0:2]
    np.testing.assert_array_equal(t.data, want)


def test_a_backward_through_the_change_first_leaves_what_was_recorded_before_intact():
    # (the backward through the change frees the tensor holding the old value; the graph
    # recorded before still has all it needs: the old array, and the old node unreleased)
    x, w = _leaf([1.0, 2.0]), _leaf([3.0, 4.0])
    t = am.ones(2)  # (a constant: no node of its own before the change)
    before = (x * t).sum()
    t.add_(w)
    t.sum().backward()
    gc.collect()
    before.backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0])
    # an intermediate whose old node autograd.grad did not run (nor release)
    x = _leaf([1.0, 2.0])
    y = x * 2
    before = (y * y).sum()
    y.add_(w)
    (gw,) = am.autograd.grad(y.sum(), [w])
    gc.collect()
    before.backward()
    np.testing.assert_array_equal(x.grad.data, 8 * x.data)
    # ... but an old node that backward did release still raises, as it must
    x = _leaf([1.0, 2.0])
    y = x * 2
    before = (y * y).sum()
    y.add_(w)
    y.sum().backward()
    gc.collect()
    with pytest.raises(RuntimeError, match="second time"):
        before.backward()


def test_a_leaf_root_beside_a_rebased_graph_keeps_its_checks():
    # (the second walk after a redirect keeps the root leaves the sweep listed: a leaf root
    # whose .grad cannot take a gradient is still refused before anything changes)
    x = _leaf([1.0, 2.0])
    leaf_root = _leaf([3.0])
    leaf_root.grad = am.tensor([1.0, 2.0])  # (the wrong shape)
    y = x * 2.0
    before = (y * y).sum()
    y[0] = 5.0
    with pytest.raises(RuntimeError, match=r"a leaf of shape \(1,\) has a .grad that is of shape \(2,\)"):
        engine.backward_sweep([before, leaf_root], [np.ones(()), np.ones(1)], retain_graph=False, create_graph=False)
    assert x.grad is None
