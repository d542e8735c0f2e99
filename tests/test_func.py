"""am.func.functional_call: a module called with other tensors as its parameters."""

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import nn


def mlp():
    am.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1))


def test_output_uses_the_given_tensors_and_the_module_is_restored():
    model = mlp()
    x = am.randn(5, 2)
    own = {k: v.copy() for k, v in model.state_dict().items()}
    w = am.ones(4, 2)
    out = am.func.functional_call(model, {"0.weight": w}, (x,))
    h = np.tanh(x.data @ w.data.T + own["0.bias"])
    np.testing.assert_allclose(out.data, h @ own["2.weight"].T + own["2.bias"], atol=1e-15)
    assert model[0].weight is model.get_parameter("0.weight")
    assert isinstance(model[0].weight, nn.Parameter)
    np.testing.assert_array_equal(model(x).data, am.func.functional_call(model, {}, x).data)


def test_gradient_flows_to_the_given_tensors_not_the_parameters():
    model = mlp()
    x = am.randn(5, 2)
    params = {k: am.tensor(v, requires_grad=True) for k, v in model.state_dict().items()}
    am.func.functional_call(model, params, (x,)).sum().backward()
    model(x).sum().backward()
    for k, p in model.named_parameters():
        np.testing.assert_allclose(params[k].grad.data, p.grad.data, atol=1e-15)


def test_hvp_of_a_loss_of_the_flat_parameter_vector():
    model = mlp()
    x, y = am.randn(6, 2), am.randn(6, 1)
    names = [n for n, _ in model.named_parameters()]
    shapes = [p.shape for p in model.parameters()]
    offsets = list(np.cumsum([int(np.prod(s)) for s in shapes])[:-1])

    def loss_of(theta):
        pieces = am.split(theta, offsets)
        ps = {n: t.reshape(s) for n, t, s in zip(names, pieces, shapes)}
        return ((am.func.functional_call(model, ps, (x,)) - y) ** 2).mean()

    theta = am.cat([p.detach().reshape(-1) for p in model.parameters()])
    v = am.randn(*theta.shape)
    _, hv = am.hvp(loss_of, theta, v)
    H = am.hessian(loss_of)(theta)
    np.testing.assert_allclose(hv.data, H.data @ v.data, atol=1e-12)


def test_buffers_and_tied_weights():
    bn = nn.BatchNorm1d(3).eval()
    x = am.randn(4, 3)
    out = am.func.functional_call(bn, {"running_mean": am.ones(3)}, (x,))
    np.testing.assert_allclose(out.data, (x.data - 1) / np.sqrt(1 + 1e-5), atol=1e-12)
    np.testing.assert_array_equal(bn.running_mean.data, np.zeros(3))

    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(2, 2, bias=False)
            self.b = nn.Linear(2, 2, bias=False)
            self.b.weight = self.a.weight

        def forward(self, x):
            return self.b(self.a(x))
    m = Tied()
    e = am.eye(2)
    np.testing.assert_array_equal(am.func.functional_call(m, {"a.weight": e}, am.ones(1, 2)).data, [[1.0, 1.0]])
    assert m.b.weight is m.a.weight
    untied = am.func.functional_call(m, {"a.weight": e}, am.ones(1, 2), tie_weights=False)
    np.testing.assert_allclose(untied.data, am.ones(1, 2).data @ m.a.weight.data.T, atol=1e-15)


def test_bad_names_shapes_and_strict_are_refused():
    model = mlp()
    x = am.randn(1, 2)
    with pytest.raises(ValueError, match="0.wieght"):
        am.func.functional_call(model, {"0.wieght": am.ones(4, 2)}, x)
    with pytest.raises(ValueError, match=r"0.weight.*\(2, 4\).*\(4, 2\)"):
        am.func.functional_call(model, {"0.weight": am.ones(2, 4)}, x)
    with pytest.raises(ValueError, match="strict"):
        am.func.functional_call(model, {"0.weight": am.ones(4, 2)}, x, strict=True)
    with pytest.raises(TypeError, match="Tensor"):
        am.func.functional_call(model, {"0.weight": np.ones((4, 2))}, x)


def test_the_module_is_restored_after_an_error_in_forward():
    model = mlp()
    w = model[0].weight
    with pytest.raises(ValueError, match="last dimension 2"):
        am.func.functional_call(model, {"0.weight": am.ones(4, 2)}, am.ones(3, 7))
    assert model[0].weight is w and model._modules["0"]._parameters["weight"] is w
