"""Porting trial portQ: higher-order programs (MAML, HNN, neural ODE/PINN, RealNVP,
Sinkhorn, implicit differentiation, Hessians) ported from PyTorch.

What the port met: torch.func.grad(loss)(params_dict, ...) -- the functional_call idiom
of MAML and per-parameter Hessians -- has am.grad take a dict of tensors and give a
dict of gradients with the same keys.
"""

import numpy as np
import pytest

import autograd_mini as am


def _mlp():
    am.manual_seed(0)
    return am.nn.Sequential(am.nn.Linear(1, 8), am.nn.Tanh(), am.nn.Linear(8, 1))


def _data():
    rng = np.random.default_rng(0)
    x = rng.uniform(-3, 3, (10, 1))
    return am.tensor(x), am.tensor(np.sin(x))


def test_grad_of_a_parameter_dict_is_a_dict_of_gradients():
    model = _mlp()
    x, y = _data()

    def loss(p, x, y):
        return am.nn.functional.mse_loss(am.func.functional_call(model, p, (x,)), y)

    params = {k: v.detach() for k, v in model.named_parameters()}
    g = am.grad(loss)(params, x, y)
    assert isinstance(g, dict) and list(g) == list(params)
    # the oracle: autograd.grad on the module's own parameters
    ref = am.autograd.grad(loss(dict(model.named_parameters()), x, y), list(model.parameters()))
    for (k, gk), r in zip(g.items(), ref):
        assert gk.shape == params[k].shape
        np.testing.assert_allclose(gk.numpy(), r.numpy(), rtol=0, atol=1e-15)
        assert not gk.requires_grad
    value, g2 = am.value_and_grad(loss)(params, x, y)
    np.testing.assert_allclose(value.item(), loss(params, x, y).item(), rtol=0, atol=0)
    for k in g:
        np.testing.assert_array_equal(g[k].numpy(), g2[k].numpy())


def test_grad_of_a_dict_against_finite_differences():
    rng = np.random.default_rng(1)
    W, b = rng.normal(size=(3, 2)), rng.normal(size=3)
    x = rng.normal(size=(4, 2))

    def f(p):
        return (am.tanh(am.tensor(x) @ p["W"].T + p["b"]) ** 2).sum()

    g = am.grad(f)({"W": W, "b": b})  # ndarrays are accepted as values too
    num = am.numerical_grad(lambda W_, b_: f({"W": W_, "b": b_}), [am.tensor(W), am.tensor(b)])
    np.testing.assert_allclose(g["W"].numpy(), num[0].numpy() if hasattr(num[0], "numpy") else num[0], atol=1e-8)
    np.testing.assert_allclose(g["b"].numpy(), num[1].numpy() if hasattr(num[1], "numpy") else num[1], atol=1e-8)


def test_dict_with_tuple_argnums_and_a_plain_argument():
    def f(p, s):
        return (p["a"] * s).sum() + (p["c"] ** 2).sum() * s.sum()

    a, c, s = np.arange(3.0), np.ones(2), np.array([2.0, 3.0, 4.0])
    gp, gs = am.grad(f, argnums=(0, 1))({"a": a, "c": c}, s)
    np.testing.assert_allclose(gp["a"].numpy(), s)
    np.testing.assert_allclose(gp["c"].numpy(), 2 * c * s.sum())
    np.testing.assert_allclose(gs.numpy(), a + (c ** 2).sum())


def test_maml_second_order_through_a_dict_grad():
    """The outer gradient flows through the inner am.grad of a dict (it records its
    backward pass, as autograd.grad(create_graph=True) does)."""
    model = _mlp()
    x, y = _data()

    def loss(p):
        return am.nn.functional.mse_loss(am.func.functional_call(model, p, (x,)), y)

    def adapted_loss(p):
        g = am.grad(loss)(p)
        return loss({k: p[k] - 0.1 * g[k] for k in p})

    params = dict(model.named_parameters())
    meta = adapted_loss(params)
    meta.backward()
    # oracle: the same with autograd.grad(create_graph=True)
    p2 = {k: am.tensor(v.numpy(), requires_grad=True) for k, v in params.items()}
    g = am.autograd.grad(loss(p2), list(p2.values()), create_graph=True)
    meta2 = loss({k: p2[k] - 0.1 * gk for k, gk in zip(p2, g)})
    ref = am.autograd.grad(meta2, list(p2.values()))
    for (k, p), r in zip(params.items(), ref):
        np.testing.assert_allclose(p.grad.numpy(), r.numpy(), rtol=0, atol=1e-14)
    # and it is second order: first-order MAML differs
    g_fo = am.autograd.grad(loss({k: p2[k] - 0.1 * gk.detach() for k, gk in zip(p2, g)}), list(p2.values()))
    assert max(np.abs(a.numpy() - b.numpy()).max() for a, b in zip(g_fo, ref)) > 1e-6

    # am.grad of am.grad of a dict: the Hessian-diagonal-ish check by finite differences
    gg = am.grad(lambda p: am.grad(loss)(p)["0.bias"].sum())({k: v.detach() for k, v in params.items()})
    base = {k: v.numpy() for k, v in params.items()}
    eps = 1e-6
    up = dict(base, **{"2.bias": base["2.bias"] + eps})
    dn = dict(base, **{"2.bias": base["2.bias"] - eps})
    fd = (am.grad(loss)(up)["0.bias"].sum().item() - am.grad(loss)(dn)["0.bias"].sum().item()) / (2 * eps)
    np.testing.assert_allclose(gg["2.bias"].item(), fd, rtol=1e-6)


def test_a_dict_where_one_tensor_is_expected_says_so():
    f = lambda p: (p["w"] ** 2).sum()
    for transform in (lambda: am.hessian(f)({"w": np.ones(2)}),
                      lambda: am.jacobian(f)({"w": np.ones(2)}),
                      lambda: am.hvp(f, {"w": np.ones(2)}, np.ones(2))):
        with pytest.raises(TypeError, match="dict"):
            transform()
    # a dict entry that is not numeric names the entry
    with pytest.raises(TypeError, match=r"'w'"):
        am.grad(f)({"w": "abc"})
