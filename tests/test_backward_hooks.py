"""Tensor.register_hook and Module.register_full_backward_(pre_)hook, as PyTorch's, checked
against gradients computed without hooks (the hooks' effects are linear rescalings)."""

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import nn


def _r(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# -- tensor hooks ----------------------------------------------------------------------


def test_hook_sees_a_non_leafs_gradient_and_can_replace_it():
    x = am.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    seen = []
    y.register_hook(lambda g: seen.append(g.data.copy()))
    y.register_hook(lambda g: g * 10)
    (y ** 2).sum().backward()
    np.testing.assert_array_equal(seen[0], [4.0, 8.0, 12.0])  # dL/dy = 2y, before the replacement
    np.testing.assert_array_equal(x.grad.data, [80.0, 160.0, 240.0])  # 2 * 10 * 2y


def test_leaf_hook_runs_before_the_gradient_is_added_to_grad():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: g + 1)
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [8.0, 8.0])  # (3 + 1) twice


def test_hooks_run_in_order_and_remove_stops_them():
    x = am.tensor([1.0], requires_grad=True)
    order = []
    h1 = x.register_hook(lambda g: order.append(1) or g * 2)
    x.register_hook(lambda g: order.append(2) or g + 1)
    (x * 1).sum().backward()
    assert order == [1, 2] and x.grad.data[0] == 3.0
    h1.remove()
    h1.remove()  # (a second remove does nothing)
    x.grad = None
    with x.register_hook(lambda g: g * 0):
        (x * 1).sum().backward()
    assert x.grad.data[0] == 0.0  # (1 + 1) * 0, in registration order
    x.grad = None
    (x * 1).sum().backward()
    assert x.grad.data[0] == 2.0  # only the +1 hook is left


def test_hook_on_the_root_and_under_autograd_grad():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    loss = (x ** 2).sum()
    loss.register_hook(lambda g: g * 5)
    (gx,) = am.autograd.grad(loss, x)
    np.testing.assert_array_equal(gx.data, [10.0, 20.0])
    y = x * 1
    y.register_hook(lambda g: g * 7)
    (gy,) = am.autograd.grad((y * 2).sum(), y)  # the wanted tensor's own hook runs too
    np.testing.assert_array_equal(gy.data, [14.0, 14.0])



def test_a_hook_registered_before_an_in_place_change_sees_the_old_versions_gradient():
    # (as PyTorch: the hook stays with the value it was registered on)
    x = am.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    seen = []
    h = y.register_hook(lambda g: seen.append(g.data.copy()) or g * 10)
    y[1] = x[0] * 0  # (the old y[1] no longer reaches the loss)
    late = []
    y.register_hook(lambda g: late.append(g.data.copy()))
    (y * 2).sum().backward()
    np.testing.assert_array_equal(late[0], [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(seen[0], [2.0, 0.0, 2.0])
    np.testing.assert_array_equal(x.grad.data, [20.0, 0.0, 20.0])
    h.remove()
    z = x * 1
    h = z.register_hook(lambda g: g * 0)
    z.add_(1)
    h.remove()  # (removes it from the old version it moved to)
    z.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [21.0, 1.0, 21.0])

def test_retain_grad_keeps_the_hooked_gradient():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    y.retain_grad()
    y.register_hook(lambda g: g * 4)
    (y * 3).sum().backward()
    np.testing.assert_array_equal(y.grad.data, [12.0, 12.0])


def test_hook_gradient_is_read_only():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1

    def scribble(g):
        g.data[0] = 99.0

    y.register_hook(scribble)
    with pytest.raises(ValueError, match="read-only"):
        (y * 2).sum().backward()


def test_create_graph_records_what_the_hook_computes():
    x = am.tensor([0.5, -1.0], requires_grad=True)
    y = am.sin(x)
    y.register_hook(lambda g: g * y)  # the gradient becomes g * sin(x)
    (gx,) = am.autograd.grad(y.sum(), x, create_graph=True)
    np.testing.assert_allclose(gx.data, np.sin(x.data) * np.cos(x.data))
    (ggx,) = am.autograd.grad(gx.sum(), x)
    # The second sweep reaches y too, and its hook runs again (as PyTorch's): y's gradient
    # cos x becomes cos x sin x, so d/dx comes out sin x cos^2 x - sin^2 x, not cos 2x.
    s, c = np.sin(x.data), np.cos(x.data)
    np.testing.assert_allclose(ggx.data, s * c * c - s * s, atol=1e-15)


def test_hooks_on_parameters_of_a_compiled_loss():
    lin = nn.Linear(3, 2)
    x = am.tensor(_r(4, 3))
    f = am.compile(lambda x: (lin(x) ** 2).sum())
    f(x).backward()
    plain = lin.weight.grad.data.copy()
    with lin.weight.register_hook(lambda g: g * 2):
        for _ in range(2):  # (recorded, then replayed)
            lin.weight.grad = None
            f(x).backward()
            np.testing.assert_allclose(lin.weight.grad.data, 2 * plain, rtol=1e-14)


@pytest.mark.parametrize("hook, error, message", [
    (lambda g: g.data, RuntimeError, "returned ndarray; a hook returns None or a Tensor"),
    (lambda g: g.reshape(1, -1), RuntimeError, r"returned a gradient of shape \(1, 2\)"),
    (lambda g: g.astype(np.float32), RuntimeError, "dtype float32, not the gradient's"),
])
def test_bad_hook_results_are_refused(hook, error, message):
    x = am.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    y.register_hook(hook)
    with pytest.raises(error, match=message):
        y.sum().backward()
    assert x.grad is None


def test_an_error_in_a_hook_is_raised_as_it_is():
    x = am.tensor([1.0], requires_grad=True)

    def broken(g):
        raise ValueError("my own")

    (x * 1).register_hook(broken)
    y = x * 1
    y.register_hook(broken)
    with pytest.raises(ValueError, match="^my own$"):
        y.sum().backward()


def test_register_hook_refusals():
    with pytest.raises(RuntimeError, match=r"register_hook: this tensor of shape \(2,\) does not require grad"):
        am.tensor([1.0, 2.0]).register_hook(lambda g: g)
    with pytest.raises(TypeError, match="hook must be callable"):
        am.tensor([1.0], requires_grad=True).register_hook(3)
    f = am.compile(lambda x: (x * 1).register_hook(lambda g: g) and x.sum())
    with pytest.raises(RuntimeError, match="register_hook: cannot be used inside a function being compiled"):
        f(am.tensor([1.0], requires_grad=True))


# -- module hooks ----------------------------------------------------------------------


def _model(seed=0):
    am.manual_seed(seed)
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))


def _grads(model, x):
    for p in model.parameters():
        p.grad = None
    x.grad = None
    (model(x) ** 2).sum().backward()
    return x.grad.data.copy(), [p.grad.data.copy() for p in model.parameters()]


def test_module_hooks_see_and_rescale_the_gradients():
    x = am.tensor(_r(5, 3), requires_grad=True)
    model = _model()
    gx, gp = _grads(model, x)
    # what the hooks should see, from the unhooked model
    h0 = model[0](x)
    h1 = model[1](h0)
    y = model[2](h1)
    dy, dh1, dh0 = am.autograd.grad((y ** 2).sum(), [y, h1, h0])
    log = []

    def full(module, grad_input, grad_output):
        log.append((module, grad_input, grad_output))
        return tuple(None if g is None else g * 2 for g in grad_input)

    def pre(module, grad_output):
        log.append((module, grad_output))
        return tuple(g * 3 for g in grad_output)

    model[2].register_full_backward_pre_hook(pre)
    model[1].register_full_backward_hook(full)
    handle = model[0].register_full_backward_hook(full)
    hx, hp = _grads(model, x)
    assert [entry[0] for entry in log] == [model[2], model[1], model[0]]
    np.testing.assert_allclose(log[0][1][0].data, dy.data)
    np.testing.assert_allclose(log[1][2][0].data, 3 * dh1.data)  # Tanh's grad_output
    np.testing.assert_allclose(log[1][1][0].data, 3 * dh0.data)  # Tanh's grad_input, before its hook
    np.testing.assert_allclose(log[2][2][0].data, 6 * dh0.data)
    np.testing.assert_allclose(hx, 12 * gx)
    for k, scale in enumerate([6, 6, 3, 3]):  # Linear0 after both doublings, Linear2 after the tripling
        np.testing.assert_allclose(hp[k], scale * gp[k])
    handle.remove()
    hx, _ = _grads(model, x)
    np.testing.assert_allclose(hx, 6 * gx)


def test_first_layer_on_data_gets_grad_input_none():
    lin = nn.Linear(3, 2)
    calls = []
    lin.register_full_backward_hook(lambda m, gi, go: calls.append((gi, go)))
    out = lin(am.tensor(_r(4, 3)))
    (out * 2).sum().backward()
    (gi, go), = calls
    assert gi == (None,) and go[0].shape == (4, 2)
    np.testing.assert_array_equal(go[0].data, np.full((4, 2), 2.0))



def test_hook_without_grad_inputs_may_return_all_none():
    # (as PyTorch: "None or None for all gradients" is allowed when no input requires grad)
    lin = nn.Linear(3, 2)
    lin.register_full_backward_hook(lambda m, gi, go: tuple(None for _ in gi))
    lin(am.tensor(_r(4, 3))).sum().backward()
    np.testing.assert_array_equal(lin.bias.grad.data, [4.0, 4.0])
    lin.register_full_backward_hook(lambda m, gi, go: (go[0],))
    with pytest.raises(RuntimeError, match="no input of this call requires grad"):
        lin(am.tensor(_r(4, 3))).sum().backward()


def test_a_hook_on_the_output_runs_before_the_modules_hooks():
    # (as PyTorch: the caller's tensor hook on the output changes the grad_output the
    # module's pre-hooks and hooks see)
    x = am.tensor(_r(4, 3), requires_grad=True)
    lin = nn.Linear(3, 2)
    order = []
    lin.register_full_backward_pre_hook(lambda m, go: order.append(("pre", go[0].data.copy())))
    lin.register_full_backward_hook(lambda m, gi, go: order.append(("hook", go[0].data.copy())))
    out = lin(x)
    out.register_hook(lambda g: order.append(("tensor", g.data.copy())) or g * 3)
    out.sum().backward()
    assert [k for k, _ in order] == ["tensor", "pre", "hook"]
    np.testing.assert_array_equal(order[1][1], np.full((4, 2), 3.0))
    np.testing.assert_array_equal(order[2][1], np.full((4, 2), 3.0))
    np.testing.assert_allclose(x.grad.data, np.full((4, 2), 3.0) @ lin.weight.data)


def test_a_second_derivative_reaching_the_inputs_only_runs_no_module_hook():
    # (as PyTorch: a gradient that reaches the module's inputs without passing through
    # its outputs, as a double backward's does, is no grad_input: the hooks skip it)
    x = am.tensor(_r(2, 2), requires_grad=True)
    lin = nn.Linear(2, 2)
    m = nn.Sequential(lin, nn.Tanh())
    calls = []
    m.register_full_backward_hook(lambda mod, gi, go: calls.append(gi) or (gi[0] * 2,))
    (g,) = am.autograd.grad(m(x).sum(), x, create_graph=True)
    assert len(calls) == 1
    (g * g).sum().backward()
    assert len(calls) == 1
    x2 = am.tensor(x.data, requires_grad=True)
    (g2,) = am.autograd.grad(nn.Sequential(lin, nn.Tanh())(x2).sum(), x2, create_graph=True)
    (4 * g2 * g2).sum().backward()  # (the same, without the hook: g = 2 * g2)
    np.testing.assert_allclose(x.grad.data, x2.grad.data, rtol=1e-12)
    np.testing.assert_allclose(g.data, 2 * g2.data, rtol=1e-12)

class _Two(nn.Module):
    def forward(self, a, b, scale=1.0):
        return a * b * scale, a + 0 * b


def test_two_inputs_two_outputs():
    a = am.tensor(_r(3, seed=1), requires_grad=True)
    b = am.tensor(_r(3, seed=2), requires_grad=True)
    m = _Two()
    seen = []

    def hook(module, grad_input, grad_output):
        seen.append((grad_input, grad_output))
        return grad_input[0] * 10, grad_input[1], None

    m.register_full_backward_hook(hook)
    p, q = m(a, b, 2.0)
    (p * 1 + q * 3).sum().backward()
    (gi, go), = seen
    assert len(gi) == 3 and gi[2] is None and len(go) == 2
    np.testing.assert_allclose(gi[0].data, 2 * b.data + 3)  # d/da of 2ab + 3a
    np.testing.assert_allclose(gi[1].data, 2 * a.data)
    np.testing.assert_allclose(a.grad.data, 10 * (2 * b.data + 3))
    np.testing.assert_allclose(b.grad.data, 2 * a.data)


def test_inputs_of_two_dtypes_are_seen_but_not_replaced():
    a = am.tensor(_r(3), requires_grad=True)
    b = am.tensor(_r(3).astype(np.float32), requires_grad=True)
    m = _Two()
    m.register_full_backward_hook(lambda mod, gi, go: None)
    p, _ = m(a, b)
    p.sum().backward()  # (seen, not replaced: fine)
    np.testing.assert_allclose(a.grad.data, b.data, rtol=1e-7)
    m2 = _Two()
    m2.register_full_backward_hook(lambda mod, gi, go: gi)
    p, _ = m2(a, b)
    with pytest.raises(RuntimeError, match="cannot replace grad_input when the inputs have different dtypes"):
        p.sum().backward()


@pytest.mark.parametrize("hook, message", [
    (lambda m, gi, go: (gi[0],) * 2, "returned 2 gradients for 1 inputs"),
    (lambda m, gi, go: (gi[0].reshape(-1),), r"must give Tensors of the shapes \[\(4, 3\)\]"),
])
def test_bad_module_hook_results_are_refused(hook, message):
    lin = nn.Linear(3, 2)
    lin.register_full_backward_hook(hook)
    x = am.tensor(_r(4, 3), requires_grad=True)
    with pytest.raises(RuntimeError, match=message):
        lin(x).sum().backward()


def test_no_routing_without_grad_and_no_compiling_with_hooks():
    lin = nn.Linear(3, 2)
    lin.register_full_backward_hook(lambda m, gi, go: None)
    with am.no_grad():
        out = lin(am.tensor(_r(2, 3)))
    assert out.grad_fn is None
    f = am.compile(lambda x: lin(x).sum())
    with pytest.raises(RuntimeError, match="Linear has hooks, which am.compile cannot replay"):
        f(am.tensor(_r(2, 3)))
