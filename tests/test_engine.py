"""The backward engine: accumulation, graph shapes, graph release, grad mode, autograd.grad."""

import gc
import threading
import warnings
import weakref

import numpy as np
import pytest
from hypothesis import Phase, example, given, settings
from hypothesis import strategies as st

import autograd_mini as am

DEEP = 100_000


@pytest.fixture
def deep_chain():
    """A leaf and a DEEP-node chain hanging off it; torn down with del + gc in teardown."""
    x = am.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(DEEP):
        y = y * 1.00001
    holder = {"x": x, "y": y}
    yield holder
    holder.clear()
    del x, y
    gc.collect()  # freeing a deep (possibly unreleased) graph must not recurse either


def test_deep_chain_backward_has_no_recursion_error(deep_chain):
    x, y = deep_chain["x"], deep_chain["y"]
    np.testing.assert_allclose(y.item(), 1.00001**DEEP, rtol=1e-9)
    y.backward()
    np.testing.assert_allclose(x.grad.item(), 1.00001**DEEP, rtol=1e-9)


def test_deep_chain_autograd_grad_and_retained_graph_teardown(deep_chain):
    x, y = deep_chain["x"], deep_chain["y"]
    (g,) = am.autograd.grad(y, x, retain_graph=True)  # graph kept alive for the teardown
    np.testing.assert_allclose(g.item(), 1.00001**DEEP, rtol=1e-9)
    assert x.grad is None


def test_gradients_accumulate_across_backward_calls():
    x = am.tensor([1.0, -2.0, 3.0], requires_grad=True)
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, -4.0, 6.0])
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [5.0, -1.0, 9.0])
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0, 3.0])


def test_same_tensor_twice_in_one_op_sums_gradients():
    x = am.tensor([1.5, -0.5], requires_grad=True)
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, -1.0])
    x.grad = None
    (x + x + x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])
    x.grad = None
    am.concatenate([x, x, x[::-1]]).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])


def test_diamond_graph_sums_both_paths():
    v = np.array([0.2, -0.7, 1.1])
    x = am.tensor(v, requires_grad=True)
    h = x * 2.0  # shared intermediate
    left = h * 3.0
    right = h.exp()
    top = (left + right) * (left - right)  # both paths meet twice
    top.sum().backward()
    l, r = 6 * v, np.exp(2 * v)
    # d/dx (l^2 - r^2) = 2 l * 6 - 2 r * 2 r
    np.testing.assert_allclose(x.grad.data, 12 * l - 4 * r * r)


def test_tensor_used_by_a_node_and_by_that_nodes_other_input():
    # e feeds r directly and through s = e.sum(): e's gradient must wait for s's contribution
    v = np.array([0.5, -1.2, 0.9])
    u = np.array([1.0, 2.0, -1.0])
    x = am.tensor(v, requires_grad=True)
    e = x * 1.0
    r = e * e.sum()
    r.backward(u)
    np.testing.assert_allclose(x.grad.data, u * v.sum() + (u * v).sum())
    x.grad = None
    e = x.exp()
    (e / e.sum()).backward(u)  # softmax written out
    p = np.exp(v) / np.exp(v).sum()
    np.testing.assert_allclose(x.grad.data, p * (u - (u * p).sum()))


@given(ops=st.lists(st.tuples(st.sampled_from(["add", "mul", "sin", "sum_mul"]), st.integers(0, 10**6),
                              st.integers(0, 10**6)), min_size=1, max_size=12),
       outs=st.lists(st.integers(0, 10**6), min_size=1, max_size=3))
@example(ops=[("sin", 0, 0), ("sum_mul", 1, 1)], outs=[2])  # a node reached directly and via a sum
@settings(max_examples=15, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate])
def test_random_dag_gradients_match_finite_differences(ops, outs):
    """Random DAGs (shared subexpressions, reuse at different depths) against central differences."""

    def build(x):
        nodes = [x]
        for kind, i, j in ops:
            a, b = nodes[i % len(nodes)], nodes[j % len(nodes)]
            if kind == "add":
                nodes.append(a + b)
            elif kind == "mul":
                nodes.append((a * b).tanh())  # bounded, so deep chains stay finite
            elif kind == "sin":
                nodes.append(a.sin() + b)
            else:
                nodes.append(a * b.sum().sin())
        total = nodes[outs[0] % len(nodes)]
        for k in outs[1:]:
            total = total + nodes[k % len(nodes)]
        return total

    x0 = np.array([0.3, -0.7, 1.1])
    assert am.gradcheck(build, (x0,))


def test_wide_fan_out_and_fan_in():
    x = am.tensor(np.arange(4.0), requires_grad=True)
    parts = [x * float(k) for k in range(1, 51)]
    total = parts[0]
    for p in parts[1:]:
        total = total + p
    total.sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.full(4, 50 * 51 / 2))


def test_explicit_gradient_and_single_element_outputs():
    x = am.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    w = np.array([[1.0, -1.0], [0.5, 2.0]])
    (x * 3).backward(w)
    np.testing.assert_array_equal(x.grad.data, 3 * w)
    x.grad = None
    (x * 3).backward(am.tensor(w))
    np.testing.assert_array_equal(x.grad.data, 3 * w)
    x.grad = None
    x.sum().reshape(1, 1).backward()  # one element: the gradient may be omitted
    np.testing.assert_array_equal(x.grad.data, np.ones((2, 2)))


def test_grad_shape_and_dtype_follow_the_leaf():
    x = am.tensor(np.ones((3, 1)), requires_grad=True)
    y = am.tensor(np.ones(4, np.float32), requires_grad=True)
    (x * y).sum().backward()
    assert x.grad.shape == (3, 1) and x.grad.dtype == np.float64
    assert y.grad.shape == (4,) and y.grad.dtype == np.float32
    assert isinstance(x.grad, am.Tensor) and x.grad.grad_fn is None and not x.grad.requires_grad


def test_leaf_grads_are_fresh_writable_arrays():
    x = am.tensor(np.ones(3), requires_grad=True)
    z = am.tensor(np.ones(3), requires_grad=True)
    (x + z).sum().backward()
    for t in (x, z):
        assert t.grad.data.flags.writeable, "a .grad must be writable in place (optimizers, zeroing)"
    assert not np.shares_memory(x.grad.data, z.grad.data), "two leaves' .grad share memory"
    x.grad.data[...] = 0.0
    np.testing.assert_array_equal(z.grad.data, np.ones(3))
    user_gradient = am.tensor([1.0, 2.0, 3.0])
    x.grad = None
    (x + 0.0).backward(user_gradient)
    assert not np.shares_memory(x.grad.data, user_gradient.data), ".grad aliases the gradient passed in"


def test_constants_and_non_grad_leaves_get_no_grad():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    c = am.tensor([3.0, 4.0])
    (x * c).sum().backward()
    assert c.grad is None
    np.testing.assert_array_equal(x.grad.data, [3.0, 4.0])


# -- graph release and retain_graph -----------------------------------------------------


def test_saved_arrays_released_after_backward():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    node = y.grad_fn
    y.sum().backward()
    assert node.inputs is None and node.out is None


def _spy_double(seen: dict) -> "am.primitives.Primitive":
    """x * 2 as a primitive whose VJP records which watched arrays are still alive."""
    def vjp(g, ans, x):
        seen.update({name: ref() is not None for name, ref in seen["refs"].items()})
        return g * 2.0
    return am.primitives.Primitive("spy_double", lambda x: x * 2.0, (vjp,), register=False)


@pytest.mark.parametrize("retain", [False, True])
def test_sweep_frees_an_unheld_intermediate_once_its_node_is_done(retain):
    # a = spy(x), b = a * 3, loss = sum(b): the sweep runs sum, mul, then spy.
    # By then b's node is done; nothing but the caller could still need b's
    # array, and the caller let b go, so it is freed before spy's VJP runs
    # (unless the graph is retained). The caller's `a` stays alive regardless.
    seen: dict = {}
    x = am.tensor(np.arange(4.0), requires_grad=True)
    a = _spy_double(seen).apply(x)
    b = a * 3.0
    seen["refs"] = {"a": weakref.ref(a.data), "b": weakref.ref(b.data)}
    loss = b.sum()
    del b
    loss.backward(retain_graph=retain)
    assert seen["a"] is True
    assert seen["b"] is retain
    np.testing.assert_array_equal(x.grad.data, np.full(4, 6.0))


def test_retain_graph_allows_a_second_backward():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    assert y.grad_fn.inputs is not None
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [4.0, 8.0])


def test_second_backward_without_retain_graph_raises():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    before = x.grad.data.copy()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()
    np.testing.assert_array_equal(x.grad.data, before)  # nothing changed by the failed call
    z = (x * 2).sum()  # a fresh graph on the same leaf still works
    z.backward()
    np.testing.assert_array_equal(x.grad.data, before + 2)


def test_backward_through_a_released_subgraph_raises():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.sum().backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        (h * 2).sum().backward()


def test_backward_of_non_scalar_without_gradient_raises():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"\(2,\)"):
        (x * 2).backward()
    assert x.grad is None


@pytest.mark.parametrize("bad", [np.ones(3), np.ones((2, 1)), np.ones(()), [[1.0, 2.0]]])
def test_backward_with_gradient_of_wrong_shape_raises(bad):
    x = am.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with pytest.raises(ValueError, match="shape"):
        y.backward(bad)
    assert x.grad is None
    y.backward(np.ones(2))  # the graph was not consumed by the failed call
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])


def test_backward_of_tensor_not_requiring_grad_raises():
    with pytest.raises(RuntimeError, match="backward: this tensor does not require grad"):
        am.tensor([1.0]).sum().backward()


# -- create_graph: gradients of gradients ---------------------------------------------------


def test_create_graph_gives_differentiable_grad():
    x = am.tensor([1.0, 2.0, -1.5], requires_grad=True)
    (x**3).sum().backward(create_graph=True)
    g = x.grad
    np.testing.assert_allclose(g.data, 3 * x.data**2)
    assert g.requires_grad and g.grad_fn is not None
    x.grad = None
    g.sum().backward()
    np.testing.assert_allclose(x.grad.data, 6 * x.data)


def test_create_graph_third_order_through_backward():
    x = am.tensor(0.7, requires_grad=True)
    (x.sin() * x).backward(create_graph=True)
    g1 = x.grad  # sin x + x cos x
    x.grad = None
    g1.backward(create_graph=True)
    g2 = x.grad  # 2 cos x - x sin x
    x.grad = None
    g2.backward()
    v = 0.7
    np.testing.assert_allclose(g1.item(), np.sin(v) + v * np.cos(v))
    np.testing.assert_allclose(g2.item(), 2 * np.cos(v) - v * np.sin(v))
    np.testing.assert_allclose(x.grad.item(), -3 * np.sin(v) - v * np.cos(v))


def test_create_graph_with_autograd_grad_mixed_partials():
    x = am.tensor(1.3, requires_grad=True)
    y = am.tensor(-0.4, requires_grad=True)
    f = x * x * y + (x * y).exp()
    gx, gy = am.autograd.grad(f, [x, y], create_graph=True)
    (gxy,) = am.autograd.grad(gx, y)
    # d2f/dxdy = 2x + exp(xy)(1 + xy)
    xv, yv = 1.3, -0.4
    np.testing.assert_allclose(gxy.item(), 2 * xv + np.exp(xv * yv) * (1 + xv * yv))
    assert x.grad is None and y.grad is None


# -- grad mode -------------------------------------------------------------------------------


def test_no_grad_context_manager():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    assert am.is_grad_enabled()
    with am.no_grad():
        assert not am.is_grad_enabled()
        y = x * 2 + x.exp()
        assert not y.requires_grad and y.grad_fn is None
        np.testing.assert_allclose(y.data, 2 * x.data + np.exp(x.data))
    assert am.is_grad_enabled()
    z = x * 2
    assert z.requires_grad and z.grad_fn is not None


def test_no_grad_and_enable_grad_as_decorators():
    x = am.tensor([1.0, 2.0], requires_grad=True)

    @am.no_grad()
    def frozen(t):
        """doc of frozen"""
        return t * 3

    @am.enable_grad()
    def tracked(t):
        return t * 3

    out = frozen(x)
    assert not out.requires_grad and out.grad_fn is None
    assert frozen.__name__ == "frozen" and frozen.__doc__ == "doc of frozen"
    assert am.is_grad_enabled()
    with am.no_grad():
        t = tracked(x)
        assert t.requires_grad and t.grad_fn is not None
        assert not am.is_grad_enabled()
    t.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])


def test_nesting_restores_each_level():
    states = []
    with am.no_grad():
        states.append(am.is_grad_enabled())
        with am.enable_grad():
            states.append(am.is_grad_enabled())
            with am.no_grad():
                states.append(am.is_grad_enabled())
            states.append(am.is_grad_enabled())
        states.append(am.is_grad_enabled())
    states.append(am.is_grad_enabled())
    assert states == [False, True, False, True, False, True]


def test_grad_mode_restored_after_exception():
    with pytest.raises(KeyError, match="boom"):
        with am.no_grad():
            raise KeyError("boom")
    assert am.is_grad_enabled()

    @am.no_grad()
    def fails():
        raise ValueError("inside")

    with pytest.raises(ValueError, match="inside"):
        fails()
    assert am.is_grad_enabled()
    with am.no_grad():
        with pytest.raises(ValueError, match="in enable_grad"):
            with am.enable_grad():
                raise ValueError("in enable_grad")
        assert not am.is_grad_enabled()
    assert am.is_grad_enabled()


def test_backward_inside_no_grad_still_computes_grads():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    with am.no_grad():
        y.backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 4.0])
    assert am.is_grad_enabled()


def test_grad_mode_restored_after_failing_backward():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward(create_graph=True)
    assert am.is_grad_enabled()


def test_detach_cuts_the_graph():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    z = y.detach() * x + y
    z.sum().backward()
    # d/dx (c*x + x^2) with c = x^2 held constant: c + 2x
    np.testing.assert_array_equal(x.grad.data, x.data**2 + 2 * x.data)


# -- autograd.grad ------------------------------------------------------------------------


def test_autograd_grad_returns_without_touching_grad():
    x = am.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = am.tensor([0.5, 0.5, 0.5], requires_grad=True)
    out = (x * x * w).sum()
    gx, gw = am.autograd.grad(out, [x, w])
    np.testing.assert_allclose(gx.data, 2 * x.data * w.data)
    np.testing.assert_allclose(gw.data, x.data**2)
    assert x.grad is None and w.grad is None
    (g,) = am.autograd.grad((x * 4).sum(), x)  # a single tensor as input
    np.testing.assert_array_equal(g.data, [4.0, 4.0, 4.0])


def test_autograd_grad_for_non_leaf_inputs():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    h = x * x
    out = (h.sin()).sum()
    gh, gx = am.autograd.grad(out, [h, x])
    np.testing.assert_allclose(gh.data, np.cos(h.data))
    np.testing.assert_allclose(gx.data, np.cos(h.data) * 2 * x.data)
    assert x.grad is None
    with pytest.warns(UserWarning, match=r"grad: this tensor of shape \(2,\) is not a leaf \(an operation, mul"):
        assert h.grad is None


def test_autograd_grad_allow_unused():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    unused = am.tensor([5.0], requires_grad=True)
    gx, gu = am.autograd.grad((x * 2).sum(), [x, unused], allow_unused=True)
    assert gu is None
    np.testing.assert_array_equal(gx.data, [2.0, 2.0])
    with pytest.raises(RuntimeError, match="allow_unused"):
        am.autograd.grad((x * 2).sum(), [x, unused])


def test_autograd_grad_grad_outputs_and_several_outputs():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    a, b = x * 3, x * x
    v = np.array([1.0, -1.0])
    (g,) = am.autograd.grad([a, b], x, grad_outputs=[v, am.tensor([2.0, 0.5])])
    np.testing.assert_allclose(g.data, 3 * v + np.array([2.0, 0.5]) * 2 * x.data)
    with pytest.raises(ValueError, match=r"grad_outputs\[0\] has shape \(3,\), output has shape \(2,\)"):
        am.autograd.grad(x * 3, x, grad_outputs=np.ones(3))
    with pytest.raises(RuntimeError, match=r"grad_outputs\[0\] is needed for output of shape \(2,\)"):
        am.autograd.grad(x * 3, x)  # non-scalar output needs grad_outputs


def test_autograd_grad_retain_graph():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    y = (x**2).sum()
    (g1,) = am.autograd.grad(y, x, retain_graph=True)
    (g2,) = am.autograd.grad(y, x)
    np.testing.assert_array_equal(g1.data, g2.data)
    with pytest.raises(RuntimeError, match="retain_graph"):
        am.autograd.grad(y, x)


def test_autograd_grad_rejects_inputs_not_requiring_grad():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    c = am.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"input 0 \(shape \(2,\)\) does not require grad"):
        am.autograd.grad((x * c).sum(), c)
    with pytest.raises(TypeError, match="inputs must be Tensors"):
        am.autograd.grad((x * c).sum(), np.ones(2))


# -- leaves' gradients: arrays of their own, copied only when they must be --------------


def _views_of_one_array(shared: np.ndarray) -> "am.primitives.Primitive":
    """x + y.T whose VJPs hand both inputs whole views of the same array."""
    return am.primitives.Primitive(
        "views_of_one", lambda x, y: x + y.T,
        (lambda g, ans, x, y: shared.reshape(x.shape), lambda g, ans, x, y: shared.T),
        register=False,
    )


def test_two_leaves_never_share_one_gradient_array():
    shared = np.arange(6.0).reshape(2, 3)
    x = am.tensor(np.zeros((2, 3)), requires_grad=True)
    y = am.tensor(np.zeros((3, 2)), requires_grad=True)
    _views_of_one_array(shared).apply(x, y).sum().backward()
    np.testing.assert_array_equal(x.grad.data, shared)
    np.testing.assert_array_equal(y.grad.data, shared.T)
    assert not np.shares_memory(x.grad.data, y.grad.data)


def test_a_leaf_gradient_never_shares_the_callers_seed():
    # The seed is a tensor whose array is a view (the transpose of another
    # tensor's); x.T's VJP turns it back into a whole view of that tensor's
    # array, which must not become x.grad.
    x = am.tensor(np.zeros((3, 2)), requires_grad=True)
    owner = am.tensor(np.arange(6.0).reshape(3, 2))
    x.T.backward(gradient=owner.T)
    np.testing.assert_array_equal(x.grad.data, owner.data)
    assert not np.shares_memory(x.grad.data, owner.data)


def test_a_transposed_whole_gradient_becomes_grad_without_a_copy():
    # x @ W.T: matmul's VJP gives the view W.T a column-major gradient, the
    # transpose's VJP passes on its row-major transpose (a view of all of a
    # fresh array), and that view becomes W.grad as it is.
    layer = am.nn.Linear(4, 3)
    layer(am.tensor(np.random.default_rng(0).standard_normal((5, 4)))).sum().backward()
    grad = layer.weight.grad.data
    assert grad.base is not None and grad.base.size == grad.size and grad.flags.c_contiguous


# -- found by a review: silent wrong answers and NaNs the math does not have ----------


def test_reused_no_grad_instance_restores_grad_mode():
    ng = am.no_grad()
    try:
        with ng:
            with ng:
                pass
            assert not am.is_grad_enabled()
        assert am.is_grad_enabled()
    finally:
        am.engine._mode.grad_enabled = True  # (so a failure here does not spread)


# -- found by a review ----------------------------------------------------------------


def test_autograd_grad_accepts_nested_list_grad_outputs():
    x = am.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    (g,) = am.autograd.grad([y], [x], grad_outputs=[[1.0, 1.0, 1.0]])
    np.testing.assert_allclose(g.data, [2.0, 2.0, 2.0])


def test_autograd_grad_takes_a_number_as_the_grad_output_of_a_0d_output():
    # (as backward() takes one; it was iterated, "'float' object is not iterable")
    x = am.tensor(2.0, requires_grad=True)
    for seed in (3.0, np.float64(3.0), 3):
        (g,) = am.autograd.grad(x * x, x, grad_outputs=seed)
        np.testing.assert_allclose(g.data, 12.0)
    v = am.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"grad_outputs\[0\] has shape \(\), output has shape \(2,\)"):
        am.autograd.grad(v * v, v, grad_outputs=3.0)
    with pytest.raises(TypeError, match="^autograd.grad: grad_outputs must be a Tensor, an ndarray, a number"):
        am.autograd.grad(x * x, x, grad_outputs=object())


def test_autograd_grad_keeps_input_dtype_float32():
    x = am.tensor(np.ones(3, np.float32), requires_grad=True)
    y = x * 2
    (g,) = am.autograd.grad(y, x, grad_outputs=np.ones(3))  # float64 cotangent
    assert g.dtype == np.float32


def test_autograd_grad_of_float_input_is_float_with_int_cotangent():
    x = am.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (g,) = am.autograd.grad(x * 2, x, grad_outputs=np.ones(3, dtype=int))
    assert g.dtype == np.float64


def test_autograd_grad_keeps_input_dtype():
    x = am.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    (g,) = am.autograd.grad([(x * np.arange(3)).sum()], [x])
    assert g.dtype == np.float32


# -- found by a review of the engine ------------------------------------------------------


def _leaf(v, dtype=float):
    return am.tensor(np.array(v, dtype=dtype), requires_grad=True)


def test_inplace_sub_under_no_grad_updates_the_parameter():
    w = _leaf([1.0, 2.0])
    params = [w]
    (w * w).sum().backward()
    with am.no_grad():
        for p in params:
            p -= 0.1 * p.grad  # PyTorch's manual update: in place, so w itself changes
    np.testing.assert_allclose(w.data, [0.8, 1.6])


def test_user_grad_of_broadcastable_wrong_shape_is_rejected():
    x = _leaf([1.0, 2.0])
    x.grad = am.tensor(np.ones((3, 2)))
    with pytest.raises(RuntimeError, match=r"backward: a leaf of shape \(2,\) has a .grad that is of shape \(3, 2\)"):
        (x * 2).sum().backward()


def test_user_grad_that_is_a_python_number_is_rejected():
    x = _leaf([1.0, 2.0])
    x.grad = 5
    with pytest.raises(RuntimeError, match=r"backward: a leaf of shape \(2,\) has a .grad that is a int"):
        (x * 2).sum().backward()


def test_bool_gradient_fails_before_graph_is_freed():
    x = _leaf([1.0, 2.0])
    y = -(x * 2) + 0.0
    with pytest.raises(TypeError, match=r"backward: gradient must be floating-point .*got dtype bool"):
        y.backward(gradient=am.tensor([True, False]))
    y.backward(gradient=am.tensor([1.0, 1.0]))  # the graph is still whole
    np.testing.assert_allclose(x.grad.data, [-2.0, -2.0])


def test_in_place_operators_on_leaves_that_require_grad_and_on_other_tensors():
    p = am.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"-=: this leaf tensor of shape \(2,\) requires grad.*am.no_grad"):
        p -= 1.0
    with am.no_grad():
        same = p
        p *= np.float32(2.0)  # in place, in p's dtype
        with pytest.raises(ValueError, match=r"-=: cannot update a tensor of shape \(2,\).*shape \(3,\)"):
            p -= np.ones(3)
        with pytest.raises(TypeError, match=r"\+=: cannot update a tensor .*float64 in place .*complex128"):
            p += np.array([1j, 1j])
    assert same is p and p.dtype == np.float64 and np.array_equal(p.data, [2.0, 4.0])
    c = am.tensor([1.0, 2.0])  # a tensor that does not require grad: in place too, in any mode
    alias = c
    c += 1
    assert alias is c and np.array_equal(c.data, [2.0, 3.0])
    frozen = am.nn.Parameter(np.ones(2), requires_grad=False)
    with am.no_grad():  # (a target network's soft update)
        frozen *= 0.5
        frozen += 0.5 * p
    np.testing.assert_array_equal(frozen.data, [1.5, 2.5])
    n = am.tensor([1, 2])
    with pytest.raises(TypeError, match=r"\+=: cannot update a tensor .*int64 in place .*float64"):
        n += 0.5  # (as numpy: int64 += 0.5 cannot cast)
    c += p  # with an operand that requires grad, recorded: a new tensor
    assert c is not alias and c.grad_fn is not None and np.array_equal(alias.data, [2.0, 3.0])
    y = p * 1.0  # not a leaf: a new tensor, recorded
    before = y
    y += 1
    assert y is not before and y.grad_fn is not None


def test_grad_mode_decorators_cover_generators_and_methods():
    x = _leaf([1.0])

    class Sampler:
        @am.no_grad()
        def items(self, n):
            for _ in range(n):
                got = yield (x * 2).requires_grad
                assert got is None or got == "sent"

    gen = Sampler().items(3)
    assert next(gen) is False
    assert (x * 2).requires_grad  # the caller's mode between items
    assert gen.send("sent") is False
    assert list(gen) == [False]

    @am.enable_grad()
    def recording():
        yield (x * 2).requires_grad

    with am.no_grad():
        assert list(recording()) == [True]


def test_autograd_grad_runs_and_releases_only_the_paths_to_its_inputs():
    am.manual_seed(0)
    W1, W2 = am.randn(3, 3, requires_grad=True), am.randn(3, 3, requires_grad=True)
    x = am.randn(2, 3)
    h = am.tanh(x @ W1)
    (g,) = am.autograd.grad(am.tanh(h @ W2).sum(), h)  # needs nothing below h
    hv = np.tanh(x.data @ W1.data)
    np.testing.assert_allclose(g.data, (1 - np.tanh(hv @ W2.data) ** 2) @ W2.data.T)
    (h ** 2).sum().backward()  # so h's own graph is still there
    np.testing.assert_allclose(W1.grad.data, x.data.T @ (2 * hv * (1 - hv ** 2)))
    assert W2.grad is None
    # A GAN's critic: gradients of its parameters, then the generator's loss through `fake`.
    G, D = am.nn.Linear(2, 2), am.nn.Linear(2, 1)
    fake = G(am.randn(4, 2))
    assert len(am.autograd.grad(D(fake).mean(), list(D.parameters()))) == 2
    (fake ** 2).mean().backward()
    assert G.weight.grad is not None and D.weight.grad is None
    # A target in the middle of the graph and one below it: both come out right.
    a = _leaf([0.5, -1.0])
    b = a * 3.0
    c = (b * b).sum()
    gb, ga = am.autograd.grad(c, [b, a])
    np.testing.assert_allclose(gb.data, 2 * b.data)
    np.testing.assert_allclose(ga.data, 18 * a.data)


def test_leaves_get_gradients_of_their_own_with_create_graph():
    a, b = _leaf([1.0, 2.0]), _leaf([3.0, 4.0])
    (a + b).sum().backward(create_graph=True)
    assert a.grad is not b.grad and not np.shares_memory(a.grad.data, b.grad.data)
    a.grad.data *= 0.5  # clipping one leaf's gradient by hand leaves the other alone
    np.testing.assert_array_equal(b.grad.data, [1.0, 1.0])
    x = _leaf(2.0)
    (x + 0.0).backward(create_graph=True)  # the seed passes straight through
    x.grad.data *= 0.5  # writable: not the shared read-only seed
    assert x.grad.item() == 0.5
    y = _leaf([1.0, 2.0])
    (y * y).sum().backward(create_graph=True)  # the gradient is still differentiable
    y.grad.sum().backward()
    np.testing.assert_array_equal(y.grad.data, [4.0, 6.0])


def test_in_place_changes_every_name_and_view_of_a_leafs_array():
    # As in numpy and PyTorch. (PyTorch would also raise at a pending backward that
    # saved the array; without version counters that backward uses the new values.)
    w = _leaf([1.0, 2.0])
    y = w * 3.0
    d = y.detach()
    d += 100.0
    np.testing.assert_array_equal(y.data, [103.0, 106.0])
    lin = am.nn.Linear(3, 2)
    lin(am.ones(3)).sum().backward()
    before = lin.weight.grad.data.copy()
    g = lin.weight.grad  # (a transposed view of the gradient's array)
    g *= 0.5
    np.testing.assert_array_equal(lin.weight.grad.data, 0.5 * before)
    frozen = am.nn.Parameter(np.ones((2, 3)), requires_grad=False)
    frozen.data = np.arange(6.0).reshape(3, 2).T  # over a view
    with am.no_grad():
        frozen *= 0.5
    np.testing.assert_array_equal(frozen.data, 0.5 * np.arange(6.0).reshape(3, 2).T)
    read_only = am.tensor([1.0, 2.0])
    read_only.data.flags.writeable = False
    with pytest.raises(RuntimeError, match=r"^\+=: this tensor's array \(shape \(2,\)\) is read-only"):
        read_only += 1.0


def test_augmented_assignment_to_an_index_and_shape_keeping_fallbacks():
    t = am.tensor([1.0, 2.0, 3.0, 4.0])
    t[1] += 10.0  # in place, as in PyTorch (an element index gives a 0-d view)
    t[2:] *= 2.0
    t[[0, 0]] += 1.0  # numpy's rule: a repeated index is written once
    t[0] = t[1]
    t[1:] = t[:-1]  # (overlapping: numpy copies first)
    np.testing.assert_array_equal(t.data, [12.0, 12.0, 12.0, 6.0])
    with pytest.raises(ValueError, match=r"^item assignment: cannot set slice\(None, 2, None\) of a tensor of shape \(4,\)"):
        t[:2] = np.ones(3)
    np.testing.assert_array_equal(t.data, [12.0, 12.0, 12.0, 6.0])
    h = _leaf([1.0, 2.0, 3.0]) * 2.0
    h[0] = 1.0  # (recorded: see test_rebase.py)
    assert h.data.tolist() == [1.0, 4.0, 6.0] and h.grad_fn is not None
    p = _leaf([1.0, 2.0])
    with pytest.raises(TypeError, match=r"^item assignment: this leaf tensor of shape \(2,\) requires grad"):
        p[0] = 5.0
    with am.no_grad():
        p[0] += 0.5  # nudging one weight by hand
    np.testing.assert_array_equal(p.data, [1.5, 2.0])
    w = _leaf([1.0, 2.0, 3.0])
    h = w * 2.0
    with pytest.raises(ValueError, match=r"^\+=: the result has shape \(2, 3\) and dtype float64, but the tensor has shape \(3,\)"):
        h += am.ones((2, 3))  # (a recorded h = h + ...: it must keep h's shape, as in place would)
    f32 = am.tensor(np.ones(3, np.float32), requires_grad=True) * 1.0
    f32 += w  # float64 into float32: stays float32, as in place would
    assert f32.dtype == np.float32 and f32.grad_fn is not None
    n = am.tensor([1, 2, 3])
    with pytest.raises(TypeError, match=r"^\+=: the result has shape \(3,\) and dtype float64, but the tensor has shape \(3,\) and dtype int64"):
        n += w
    value, grad = am.value_and_grad(lambda x: (x * x).sum())(am.tensor([1.0, 2.0]))
    value += 1.0  # a transform's value is the caller's to change
    assert value.item() == 6.0


def test_an_optimizer_refuses_a_parameter_over_a_read_only_array():
    x = _leaf([2.0, 4.0])
    (x * x).sum().backward()
    x.data.flags.writeable = False
    with pytest.raises(RuntimeError, match=r"^SGD.step: parameter 0 of group 0 \(shape \(2,\)\) has a read-only array"):
        am.optim.SGD([x], lr=0.1).step()
    x.data = x.data.copy()
    am.optim.SGD([x], lr=0.1).step()
    np.testing.assert_allclose(x.data, [2.0 - 0.4, 4.0 - 0.8])


def test_item_assignment_refuses_before_writing_anything():
    t = am.tensor([0.0, 0.0, 0.0])
    w = _leaf([1.0, 2.0])
    with pytest.raises(IndexError, match=r"^item assignment: cannot set 3 of a tensor of shape \(3,\)"):
        t[3] = w[0] * 3.0  # (a value that requires grad: the recorded path checks the index too)
    with pytest.raises(ValueError, match=r"^item assignment: cannot set \(2,\) entries of a tensor of shape \(3,\) to a value of shape \(3,\)"):
        t[:2] = am.concatenate([w, w[:1]])
    assert t.grad_fn is None and not t.requires_grad
    for bad in (["1", "2", "x"], np.array([2.0, {}, 1.0], dtype=object), None):
        with pytest.raises(TypeError, match=r"^item assignment: expected numbers, got dtype"):
            t[:] = bad
    small = am.tensor(np.array([1, 2], dtype=np.int8))
    with pytest.raises(ValueError, match=r"^item assignment: cannot set 0 of a tensor of shape \(2,\) and dtype int8"):
        small[0] = 300
    np.testing.assert_array_equal(t.data, [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(small.data, [1, 2])


def test_load_state_dict_refuses_a_read_only_parameter_before_loading_anything():
    lin = am.nn.Linear(2, 2)
    state = {k: v + 1.0 for k, v in lin.state_dict().items()}
    before = lin.weight.data.copy()
    lin.bias.data.flags.writeable = False
    with pytest.raises(ValueError, match=r"bias: the model's array is read-only"):
        lin.load_state_dict(state)
    np.testing.assert_array_equal(lin.weight.data, before)


# -- found by a fresh user's review ---------------------------------------------------


def test_backward_refuses_an_integer_leaf_made_to_require_grad_by_assignment():
    x = am.arange(3)  # int64
    x.requires_grad = True  # (requires_grad_() refuses it; plain assignment is not checked)
    w = am.tensor([1.0, 2.0, 3.0], requires_grad=True)
    loss = (x * 0.5 * w).sum()
    with pytest.raises(RuntimeError, match=r"backward: a leaf of shape \(3,\) and dtype int64 requires grad"):
        loss.backward()
    assert x.grad is None and w.grad is None  # refused before any gradient was stored
    x.requires_grad = False
    loss.backward()  # nothing was released: the graph is still whole
    np.testing.assert_array_equal(w.grad.data, [0.0, 0.5, 1.0])


@pytest.mark.parametrize("compiled", [False, True])
def test_a_mis_shaped_grad_is_refused_before_the_graph_is_released(compiled):
    w = am.ones(3, requires_grad=True)
    f = lambda w: (w * w).sum()  # noqa: E731
    loss = (am.compile(f) if compiled else f)(w)
    w.grad = am.zeros(2)
    with pytest.raises(RuntimeError, match=r"a \.grad that is of shape \(2,\)"):
        loss.backward()
    w.grad = None  # as the error says; the graph is still there
    loss.backward()
    np.testing.assert_array_equal(w.grad.data, [2.0, 2.0, 2.0])


def test_no_grad_and_enable_grad_decorate_without_the_call():
    @am.no_grad
    def doubled(x):
        return x * 2

    @am.enable_grad
    def tripled(x):
        return x * 3

    x = am.ones(2, requires_grad=True)
    assert not doubled(x).requires_grad and doubled.__name__ == "doubled"
    with am.no_grad():
        assert tripled(x).requires_grad
    assert am.is_grad_enabled()
    with pytest.raises(TypeError, match="no_grad: takes no arguments, or a function to decorate"):
        am.no_grad(3)


def test_autograd_grad_refuses_an_integer_input_made_to_require_grad():
    x = am.tensor(np.array([1, 2, 3]))
    x.requires_grad = True
    with pytest.raises(RuntimeError, match=r"autograd.grad: an input of shape \(3,\) and dtype int64"):
        am.autograd.grad((x * 0.5).sum(), [x])


def test_a_gradient_accumulated_with_create_graph_keeps_every_term_differentiable():
    x = am.tensor([1.5, -2.0], requires_grad=True)
    (x ** 3).sum().backward(create_graph=True)
    (x ** 2).sum().backward(create_graph=True)  # x.grad = 3x^2 + 2x, both terms recorded
    (second,) = am.autograd.grad(x.grad.sum(), [x])
    np.testing.assert_allclose(second.data, 6 * x.data + 2)


@pytest.mark.parametrize("compiled", [False, True])
def test_a_plain_backward_adding_to_a_recorded_grad_keeps_its_graph(compiled):
    # As PyTorch: the new term is a constant (nothing recorded it), but the recorded
    # term keeps its graph, so a penalty on .grad still reaches x through it; dropping
    # the graph made (x.grad ** 2).sum() + ... silently miss that term.
    x = am.tensor([1.5, -2.0], requires_grad=True)
    (x ** 3).sum().backward(create_graph=True)  # x.grad = 3x^2, recorded
    loss = am.compile(lambda x: (x ** 2).sum()) if compiled else (lambda x: (x ** 2).sum())
    if compiled:
        loss(x)  # (the first call records the tape eagerly; the second replays it)
        x.grad = None
        (x ** 3).sum().backward(create_graph=True)
    loss(x).backward()  # plain: + 2x, a constant
    assert np.array_equal(x.grad.data, 3 * x.data ** 2 + 2 * x.data)
    assert x.grad.requires_grad
    (second,) = am.autograd.grad(x.grad.sum(), [x])
    np.testing.assert_allclose(second.data, 6 * x.data)


# -- found by a mutation test -----------------------------------------------------------------


def test_autograd_grad_refuses_an_output_that_does_not_require_grad():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    const = am.tensor([3.0])
    with pytest.raises(RuntimeError, match="^autograd.grad: output 1 does not require grad"):
        am.autograd.grad([(x * 2).sum(), const.sum()], x)


# -- cases found by mutation testing (each pins one branch of the sweep) -------------------


def test_autograd_grad_of_a_leaf_with_respect_to_itself_is_not_unused():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    (g,) = am.autograd.grad(x, [x], grad_outputs=np.array([1.0, 2.0]), allow_unused=False)
    assert np.array_equal(g.data, [1.0, 2.0])


def test_an_output_listed_twice_gets_both_seeds():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    (g,) = am.autograd.grad([y, y], [x], grad_outputs=[np.ones(2), np.full(2, 2.0)])
    assert np.array_equal(g.data, 3 * 2 * x.data)


def test_autograd_grad_ignores_in_place_changes_to_the_part_of_the_graph_it_does_not_run():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    w = am.tensor([3.0, 4.0], requires_grad=True)
    mid = x * 2.0
    y = (mid * w).sum()
    with am.no_grad():
        x += 1.0  # (only mul(x, 2), below mid, kept x)
    (g,) = am.autograd.grad(y, [mid])
    assert np.array_equal(g.data, w.data)


def test_a_create_graph_autograd_grad_without_retain_graph_releases_the_graph():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    am.autograd.grad(y, [x], create_graph=True, retain_graph=False)
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()


def test_a_grad_mode_generator_is_closed_in_its_mode():
    modes = []

    @am.no_grad()
    def gen():
        try:
            yield 1
            yield 2
        finally:
            modes.append(am.is_grad_enabled())

    g = gen()
    next(g)
    g.close()
    assert modes == [False] and am.is_grad_enabled()


def test_an_error_inside_a_composite_leaves_no_scope_behind():
    with pytest.raises(ValueError, match="var: ddof=5 leaves no degrees of freedom"):
        am.var(am.tensor([1.0, 2.0]), ddof=5)
    x = am.tensor([1.0], requires_grad=True)
    assert (x * 2.0).grad_fn.scope == ()


def test_a_leaf_gradient_owns_its_memory_rather_than_part_of_a_larger_array():
    # (concatenate's VJP hands each input a slice of one gradient array: a leaf that
    # kept its slice would keep the whole array alive)
    x = am.tensor([1.0], requires_grad=True)
    rest = am.tensor(np.zeros(999), requires_grad=True)
    (am.concatenate([x, rest]) * 2.0).sum().backward()
    for leaf in (x, rest):
        g = leaf.grad.data
        owner = g if g.base is None else g.base
        assert owner.nbytes == g.nbytes and g.flags.writeable


def test_grad_mode_is_each_threads_own():
    # As in PyTorch: a thread inside no_grad() must not stop another thread's
    # operations from being recorded (the gradients came out silently wrong).
    inside, done = threading.Event(), threading.Event()

    def other_thread() -> None:
        with am.no_grad():
            inside.set()
            done.wait(10)

    t = threading.Thread(target=other_thread)
    t.start()
    try:
        assert inside.wait(10)
        w = am.tensor([1.0, 2.0], requires_grad=True)
        y = (w * w).sum() + (w * 3.0).sum()
        assert am.is_grad_enabled() and y.requires_grad
        y.backward()
    finally:
        done.set()
        t.join()
    np.testing.assert_array_equal(w.grad.data, [5.0, 7.0])  # 2 w + 3


@pytest.mark.parametrize("mode", [am.no_grad, am.enable_grad])
def test_grad_mode_decorators_refuse_what_they_cannot_put_in_their_mode(mode):
    name = mode.__name__

    class Model:
        pass

    async def step(x):
        return x * 2

    async def batches():
        yield 1

    for decorate in (mode, mode()):
        with pytest.raises(TypeError, match=rf"^{name}: cannot decorate a class \(Model\)"):
            decorate(Model)
        with pytest.raises(TypeError, match=rf"^{name}: cannot decorate the coroutine function step"):
            decorate(step)
        with pytest.raises(TypeError, match=rf"^{name}: cannot decorate the coroutine function batches"):
            decorate(batches)
    with pytest.raises(TypeError, match=rf"^{name}: decorates a function; got 3"):
        mode()(3)
    assert isinstance(Model(), Model)  # (nothing was rebound)


@pytest.mark.parametrize("create_graph", [False, True])
def test_a_tensor_gradient_of_another_float_dtype_is_cast_to_the_outputs_as_an_array_is(create_graph):
    # (as autograd.grad's grad_outputs and PyTorch's root gradients: the sweep then runs
    # in the output's dtype, and .grad is the same whether the seed is a Tensor or not)
    rng = np.random.default_rng(0)
    x = am.tensor(rng.standard_normal(64).astype(np.float32), requires_grad=True)
    w = am.tensor(rng.standard_normal(64).astype(np.float32))
    seed = rng.standard_normal(64)  # float64

    def grad_with(gradient):
        x.grad = None
        ((x * w).tanh() * w).backward(gradient, create_graph=create_graph)
        return x.grad

    from_array = grad_with(seed)
    from_tensor = grad_with(am.tensor(seed))
    (from_grad,) = am.autograd.grad((x * w).tanh() * w, [x], grad_outputs=am.tensor(seed))
    assert from_tensor.dtype == np.float32
    np.testing.assert_array_equal(from_tensor.data, from_array.data)
    np.testing.assert_array_equal(from_tensor.data, from_grad.data)
    if create_graph:  # (the cast is recorded: the gradient still depends on the seed)
        v = am.tensor(seed, requires_grad=True)
        x.grad = None
        ((x * w).tanh() * w).backward(v, create_graph=True)
        (gv,) = am.autograd.grad((x.grad * w).sum(), [v])
        assert gv.dtype == np.float64 and np.all(gv.data != 0)


# -- a custom primitive whose VJP is broken: backward names it -----------------


def _custom(name, fwd, vjps):
    return am.primitives.Primitive(name, fwd, vjps, register=False)


def test_a_missing_vjp_of_a_custom_primitive_is_named_in_backward():
    two = _custom("my_two", lambda x, y: x + y, (lambda g, ans, x, y: g,))
    x = am.tensor(np.ones(3), requires_grad=True)
    with pytest.raises(TypeError, match=r"'my_two'.*1 VJP.*input 1"):
        two(x, x).sum().backward()


def test_a_vjp_that_raises_is_named_with_its_shapes_in_backward():
    bad = _custom("my_bad_vjp", lambda x: x * 2, (lambda g, ans, x: g @ np.ones((5, 5)),))
    x = am.tensor(np.ones(3), requires_grad=True)
    with pytest.raises(ValueError, match=r"VJP of 'my_bad_vjp'.*\(3,\)"):
        bad(x).sum().backward()


@pytest.mark.parametrize("returned", [None, [1.0, 1.0, 1.0]])
def test_a_vjp_that_returns_no_array_for_a_leaf_is_reported_in_backward(returned):
    bad = _custom("my_no_array", lambda x: x * 2, (lambda g, ans, x: returned,))
    x = am.tensor(np.ones(3), requires_grad=True)
    with pytest.raises(TypeError, match=r"leaf of shape \(3,\) is a (NoneType|list), not an array"):
        bad(x).sum().backward()  # (x is a leaf: the gradient goes straight to .grad)
    assert x.grad is None


def test_a_vjp_that_returns_none_is_named_in_backward():
    bad = _custom("my_none", lambda x: x * 2, (lambda g, ans, x: None,))
    y = am.tensor(np.ones(3), requires_grad=True)
    with pytest.raises(TypeError, match=r"VJP of 'my_none' for input 0 .* returned a NoneType"):
        (bad(y) * y).sum().backward()  # (y also gets a gradient from mul, which None is added to)
    assert y.grad is None


def test_a_wrong_gradient_shape_from_a_vjp_is_reported_where_it_fails():
    # my_sum_rows's VJP forgets the rows: (4,) for an input of shape (3, 4). mul's
    # VJP, which receives that, then fails; the error says what reached it.
    bad = _custom("my_sum_rows", lambda x: x * 2, (lambda g, ans, x: (2 * g).sum(axis=0),))
    w = am.tensor(np.ones((3, 4)), requires_grad=True)
    with pytest.raises(ValueError, match=r"VJP of 'mul'.*gradient reaching it has shape \(4,\).*\(3, 4\)"):
        bad(w * 3.0).sum().backward()
    assert w.grad is None


def test_a_wrong_gradient_shape_for_a_leaf_is_refused_before_any_grad_changes():
    # (it reached .grad unchecked: a (4,) gradient for a (3, 4) leaf, found only by
    # the optimizer's step or the next backward)
    bad = _custom("my_sum_rows", lambda x: x * 2, (lambda g, ans, x: (2 * g).sum(axis=0),))
    w = am.tensor(np.ones((3, 4)), requires_grad=True)
    v = am.tensor(np.ones((3, 4)), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"leaf of shape \(3, 4\) has shape \(4,\).*custom primitive"):
        (v + bad(w)).sum().backward()
    assert w.grad is None and v.grad is None  # (v's gradient, right, is not handed over either)


def test_a_leaf_given_a_new_array_after_the_forward_is_refused_in_backward():
    x = am.tensor(np.ones(3), requires_grad=True)
    y = (x * 2.0).sum()
    x.data = np.ones(4)
    with pytest.raises(RuntimeError, match=r"leaf of shape \(4,\) has shape \(3,\).*\.data = "):
        y.backward()
    assert x.grad is None


class _DomainError(ValueError):
    """A custom primitive's own error type, which its caller catches by name."""


@pytest.mark.parametrize("error", [_DomainError("my_op: x out of its domain"),
                                   np.linalg.LinAlgError("Singular matrix")])
def test_an_error_subclass_from_a_vjp_reaches_the_caller_as_its_own_type(error):
    # (restated as a bare ValueError, `except np.linalg.LinAlgError` or a user's own
    # `except DomainError` around backward no longer caught it)
    def vjp(g, ans, x):
        raise error

    op = _custom("my_op", lambda x: x * 2, (vjp,))
    x = am.tensor(np.ones(3), requires_grad=True)
    with pytest.raises(type(error)) as raised:
        op(x).sum().backward()
    assert raised.value is error and x.grad is None


def test_a_linalgerror_from_a_forward_reaches_the_caller_as_a_linalgerror_with_the_op_named():
    # (it was restated as a bare ValueError: `except np.linalg.LinAlgError` missed a
    # singular matrix in a primitive's forward)
    def fwd(x):
        raise np.linalg.LinAlgError("Singular matrix")

    op = _custom("my_solve", fwd, (lambda g, ans, x: g,))
    with pytest.raises(np.linalg.LinAlgError, match=r"my_solve: invalid input for shapes \(2, 2\): Singular"):
        op(am.tensor(np.zeros((2, 2)), requires_grad=True))


def test_node_parents_are_the_inputs_that_require_grad_until_the_graph_is_freed():
    # (grad_fn.parents() is how a reader walks the recorded graph by hand)
    x = am.tensor([1.0, 2.0], requires_grad=True)
    c = am.tensor([3.0, 4.0])
    h = x * c
    loss = (h + x).sum()
    (s,) = loss.grad_fn.parents()
    assert s.grad_fn.name == "add" and [p is q for p, q in zip(s.grad_fn.parents(), (h, x))] == [True, True]
    assert h.grad_fn.parents()[0] is x and len(h.grad_fn.parents()) == 1  # (c needs no gradient)
    loss.backward()
    assert h.grad_fn.parents() == []


@pytest.mark.parametrize("create_graph", [False, True])
def test_a_list_given_by_position_to_a_primitive_of_three_inputs_is_an_array(create_graph):
    # (two-input primitives converted lists; three-input ones kept the list, and the
    # VJPs, which read .shape, failed in backward)
    x = am.tensor(np.ones(3), requires_grad=True)
    y = am.primitives.matmul_add([[1.0, 2.0, 3.0]], x, [1.0])
    (gx,) = am.autograd.grad(y.sum(), [x], create_graph=create_graph)
    np.testing.assert_array_equal(gx.data, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(y.data, [7.0])


# -- retain_grad: a non-leaf's gradient kept in .grad ------------------------------------


def test_retain_grad_keeps_a_non_leafs_gradient_and_accumulates_it():
    # (the paper's delta = dC/dz of a layer, read after backward)
    w = am.tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True)
    a = am.tensor([0.3, -0.7])
    z = w @ a
    z.retain_grad()
    s = z.sigmoid()
    cost = 0.5 * ((s - am.tensor([1.0, 0.0])) ** 2).sum()
    cost.retain_grad()
    assert z.retains_grad and cost.retains_grad and not w.retains_grad and not s.retains_grad
    cost.backward(retain_graph=True)
    sd = s.data
    delta = sd * (1 - sd) * (sd - [1.0, 0.0])
    np.testing.assert_allclose(z.grad.data, delta, rtol=1e-15)
    np.testing.assert_array_equal(cost.grad.data, 1.0)
    np.testing.assert_allclose(w.grad.data, np.outer(delta, a.data), rtol=1e-15)
    with pytest.warns(UserWarning, match=r"not a leaf \(an operation, sigmoid, made it\).*retain_grad"):
        assert s.grad is None  # (not marked)
    cost.backward()
    np.testing.assert_allclose(z.grad.data, 2 * delta, rtol=1e-15)
    z.grad.data[...] = 0  # (its own array: the leaf's gradient is not changed with it)
    np.testing.assert_allclose(w.grad.data, 2 * np.outer(delta, a.data), rtol=1e-15)


def test_retain_grad_with_create_graph_keeps_a_recorded_gradient():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    h = x * x
    h.retain_grad()
    (h * h).sum().backward(create_graph=True)
    np.testing.assert_array_equal(h.grad.data, 2 * h.data)
    (gx,) = am.autograd.grad(h.grad.sum(), [x])  # d/dx sum 2 x^2 = 4 x
    np.testing.assert_array_equal(gx.data, [4.0, 8.0])


def test_retain_grad_is_left_alone_by_autograd_grad_and_refused_where_it_cannot_work():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3.0
    h.retain_grad()
    am.autograd.grad((h * h).sum(), [x])
    assert h.grad is None  # (autograd.grad changes no .grad; PyTorch's fills this one)
    with pytest.raises(RuntimeError, match=r"retain_grad: this tensor of shape \(2,\) does not require grad"):
        am.tensor([1.0, 2.0]).retain_grad()
    x.retain_grad()  # (a leaf keeps its gradient anyway)
    assert not x.retains_grad

    @am.compile
    def f(x):
        y = x * 2.0
        y.retain_grad()
        return y.sum()

    with pytest.raises(RuntimeError, match="retain_grad: cannot be used inside a function being compiled"):
        f(x)


def test_a_retained_tensor_elsewhere_leaves_a_compiled_backward_its_one_call_sweep(monkeypatch):
    # (a one-node graph's only non-leaf is its root: another graph's marked tensor, alive,
    # must not send every compiled step through the general sweep)
    from autograd_mini import engine
    calls = []
    one_call = engine._sweep_one_call
    monkeypatch.setattr(engine, "_sweep_one_call", lambda *a: (calls.append(1), one_call(*a))[1])
    x = am.tensor([1.0, 2.0], requires_grad=True)
    kept = x * 2.0
    kept.retain_grad()  # (marked, alive, in a graph of its own)
    f = am.compile(lambda x: (x * x).sum())
    for _ in range(3):
        x.grad = None
        f(x).backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 4.0])
    assert calls and kept.grad is None
    out = f(x)
    out.retain_grad()  # (the root itself marked: the general sweep, which keeps it)
    n = len(calls)
    out.backward()
    assert len(calls) == n
    np.testing.assert_array_equal(out.grad.data, 1.0)


def test_retain_grad_is_given_only_when_the_sweep_succeeds():
    # A sweep that fails part way (here a compiled function's VJP refusing create_graph)
    # changes no .grad, a retained one's neither: a retry must not add its gradient twice.
    x = am.tensor(np.ones((2, 3)), requires_grad=True)
    f = am.compile(lambda x: (x * x).sum(axis=0) * 3.0)
    for _ in range(2):
        f(x)
    y = f(x)  # (a replay: its backward refuses create_graph)
    y.retain_grad()
    z = (y * y).sum()
    with pytest.raises(RuntimeError, match="create_graph"):
        z.backward(create_graph=True)
    assert y.grad is None and x.grad is None
    z.backward()
    np.testing.assert_array_equal(y.grad.data, 2 * y.data)
    assert y.grad.grad_fn is None


def test_retain_grad_on_a_compiled_result_takes_the_general_sweep():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    f = am.compile(lambda x: (x * x).sum())
    for _ in range(2):  # (the second call replays the tape: one node, the fast sweep's case)
        x.grad = None
        out = f(x)
        out.retain_grad()
        out.backward()
        np.testing.assert_array_equal(out.grad.data, 1.0)
        np.testing.assert_array_equal(x.grad.data, [2.0, 4.0])


def test_backward_inputs_gives_only_the_listed_tensors_their_grad():
    # PyTorch's backward(inputs=...): leaves or not, only they get .grad.
    w = am.tensor([1.0, 2.0], requires_grad=True)
    b = am.tensor([3.0, 4.0], requires_grad=True)
    h = w * 2.0
    y = (h * b).sum()
    y.backward(inputs=[w, h], retain_graph=True)
    np.testing.assert_array_equal(w.grad.data, [6.0, 8.0])
    np.testing.assert_array_equal(h.grad.data, [3.0, 4.0])
    assert b.grad is None
    y.backward(inputs=w)  # (one tensor; accumulates)
    np.testing.assert_array_equal(w.grad.data, [12.0, 16.0])


def test_backward_inputs_with_create_graph_and_an_unreached_input():
    w = am.tensor([1.0, 2.0], requires_grad=True)
    b = am.tensor([3.0, 4.0], requires_grad=True)
    unused = am.tensor([5.0], requires_grad=True)
    (w ** 3 * b).sum().backward(inputs=[w, unused], create_graph=True)
    np.testing.assert_array_equal(w.grad.data, [9.0, 48.0])  # 3 w^2 b
    assert unused.grad is None and b.grad is None
    w.grad.sum().backward(inputs=[b])
    np.testing.assert_array_equal(b.grad.data, [3.0, 12.0])  # d/db of sum(3 w^2 b)


@pytest.mark.parametrize("inputs, error, message", [
    ([], TypeError, "non-empty sequence"),
    (3, TypeError, "inputs must be a tensor"),
    (["w"], TypeError, r"inputs\[0\] is a str"),
    ([am.tensor([1.0])], RuntimeError, r"inputs\[0\] \(shape \(1,\)\) does not require grad"),
])
def test_backward_inputs_refused_before_anything_changes(inputs, error, message):
    w = am.tensor([1.0, 2.0], requires_grad=True)
    y = (w * w).sum()
    with pytest.raises(error, match=message):
        y.backward(inputs=inputs)
    assert w.grad is None
    y.backward()  # (the graph is still there)
    np.testing.assert_array_equal(w.grad.data, [2.0, 4.0])


def test_reading_the_grad_of_a_weight_rebound_outside_no_grad_warns_and_says_how_to_update():
    # (PyTorch warns too: the usual cause is w = w - lr * w.grad, which makes w a non-leaf)
    w = am.tensor([1.0, -2.0], requires_grad=True)
    (w * w).sum().backward()
    w = w - 0.1 * w.grad
    (w * w).sum().backward()
    with pytest.warns(UserWarning, match=r"shape \(2,\) is not a leaf \(an operation, sub, made it\).*"
                                         r"with am\.no_grad\(\): w -= lr \* w\.grad"):
        assert w.grad is None
    # A leaf, a retained non-leaf with its gradient, and a tensor without grad stay silent.
    leaf = am.tensor([1.0], requires_grad=True)
    kept = leaf * 3.0
    kept.retain_grad()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert leaf.grad is None and kept.grad is None and am.tensor([1.0]).grad is None
        kept.sum().backward()
        assert leaf.grad.data[0] == 3.0 and kept.grad.data[0] == 1.0
    leaf.grad = None  # (assignment, as PyTorch's zero_grad(set_to_none=True) does)
    assert leaf.grad is None
