"""The write-through of a change of a basic-index view (z[0].add_(1)) puts the view's new
value into its base with a scatter and a where, not setitem's gather of the broadcast
value: the same values and gradients (first and second order), fewer recorded operations."""

import numpy as np
import pytest

import autograd_mini as am
import autograd_mini.nn.functional as F
from autograd_mini import primitives as P
from autograd_mini.torch_methods import setitem

VIEWS = {
    "row": (lambda z: z[0], (0,)),
    "rows": (lambda z: z[1:], (slice(1, None),)),
    "column": (lambda z: z[:, 1], (slice(None), 1)),
    "new_axis_step": (lambda z: z[None, ::2], (None, slice(None, None, 2))),
    "ellipsis": (lambda z: z[..., -1], (Ellipsis, -1)),
    "element": (lambda z: z[1, 2], (1, 2)),
    "flipped": (lambda z: z[::-1, 1:3], (slice(None, None, -1), slice(1, 3))),
    "empty": (lambda z: z[2:2], (slice(2, 2),)),
}
CHANGES = {
    "add_": lambda v: v.add_(1.5),
    "mul_": lambda v: v.mul_(v.detach() - 2.0),
    "relu": lambda v: F.relu(v, inplace=True),
    "copy_square": lambda v: v.copy_(v * v),
}
OUT_OF_PLACE = {
    "add_": lambda v: v + 1.5,
    "mul_": lambda v: v * (v.detach() - 2.0),
    "relu": lambda v: F.relu(v),
    "copy_square": lambda v: v * v,
}


def test_a_basic_index_is_put_back_with_a_scatter_and_a_where():
    w = am.tensor(np.ones((3, 3)), requires_grad=True)
    z = w * 1.0
    z[0].add_(1.0)
    node = z.grad_fn
    assert node.prim is P.where
    assert node.inputs[1].grad_fn.prim is P.scatter_add


@pytest.mark.parametrize("change", sorted(CHANGES))
@pytest.mark.parametrize("view", sorted(VIEWS))
def test_values_and_gradients_equal_setitems_bit_for_bit(view, change):
    take, index = VIEWS[view]
    x = np.random.RandomState(0).randn(3, 4)

    def results(through_view):
        w = am.tensor(x, requires_grad=True)
        z = w * 1.0
        z2 = z * z
        if through_view:
            CHANGES[change](take(z))
        else:
            z = setitem(z, index, OUT_OF_PLACE[change](z[index]))
        y = (z * z2).sum()
        g, = am.autograd.grad(y, w, create_graph=True)
        gg, = am.autograd.grad((g * g).sum() + (g * am.tensor(x)).sum(), w)
        return z.data, g.data, gg.data

    for a, b in zip(results(True), results(False)):
        assert a.dtype == b.dtype and np.array_equal(a, b)


def test_a_negative_zero_gradient_reaches_the_copied_source_as_pytorchs():
    # (setitem's gather accumulated the value's gradient into zeros, turning -0.0 into
    # +0.0; PyTorch's copy_ into a view passes -0.0 on, as the scatter does)
    w = am.tensor(np.ones((3, 3)), requires_grad=True)
    s = am.tensor(np.ones(3), requires_grad=True)
    z = w * 1.0
    z[0].copy_(s)
    (z * am.tensor(np.full((3, 3), -0.0))).sum().backward()
    assert np.array_equal(s.grad.data, np.zeros(3)) and np.signbit(s.grad.data).all()


def test_the_write_through_steps_skip_the_walk_for_the_changed_tensor_as_an_operand(monkeypatch):
    # (a put takes the base's old value and a snapshot of the view, a view its base: never
    # the tensor being changed, so only the view's own change needs _operand_itself)
    from autograd_mini import engine
    calls = []
    real = engine._operand_itself
    monkeypatch.setattr(engine, "_operand_itself", lambda *a: (calls.append(1), real(*a))[1])
    w = am.tensor(np.arange(1.0, 10.0).reshape(3, 3), requires_grad=True)
    z = w * 1.0
    v = z[1:].T
    v.mul_(v)  # (the view itself an operand: still redirected to its old value)
    assert len(calls) == 1
    z.sum().backward()
    expected = np.ones((3, 3))
    expected[1:] = 2 * w.data[1:]
    assert np.array_equal(w.grad.data, expected)
