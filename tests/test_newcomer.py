"""Mistakes a newcomer makes, and what the library tells them."""

import warnings

import pytest

import autograd_mini as am
from autograd_mini import nn


def test_unregistered_parameters_in_a_list_point_to_parameter_list():
    # nn.ParameterList and nn.ParameterDict exist: the warning names them.
    class Loose(nn.Module):
        def __init__(self):
            super().__init__()
            self.ps = [nn.Parameter(am.zeros(2))]
            self.pd = {"w": nn.Parameter(am.zeros(2))}
            self.mixed = [nn.Linear(1, 1), nn.Parameter(am.zeros(1))]

    with pytest.warns(UserWarning) as record:
        Loose()
    ps, pd, mixed = (str(w.message) for w in record)
    assert "hold them in an nn.ParameterList" in ps
    assert "hold them in an nn.ParameterDict" in pd
    assert "Modules in an nn.ModuleList and the Parameters in an nn.ParameterList" in mixed

    class Held(nn.Module):
        def __init__(self):
            super().__init__()
            self.ps = nn.ParameterList([nn.Parameter(am.zeros(2))])

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(list(Held().parameters())) == 1


def test_a_plain_tensor_that_requires_grad_as_an_attribute_warns():
    # The classic mistake: a weight made with am.randn(..., requires_grad=True)
    # is not a Parameter, so the optimizer never sees it.
    class Plain(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = am.randn(2, 2, requires_grad=True)

    with pytest.warns(UserWarning, match=r"Plain: attribute 'w' is a Tensor that requires grad "
                                         r"but is not a Parameter.*nn\.Parameter") as record:
        m = Plain()
    assert record[0].filename == __file__
    assert list(m.parameters()) == []

    class Fine(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(am.randn(2, 2))
            self.const = am.ones(2)                                   # no grad: a constant
            self.cached = am.ones(2, requires_grad=True) * 2          # not a leaf: an output

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert [n for n, _ in Fine().named_parameters()] == ["w"]

    class KeepsItsInput(nn.Module):  # (saliency code keeps the input whose gradient it reads)
        def forward(self, x):
            self.inp = x
            return (x * x).sum()

    x = am.ones(3, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        KeepsItsInput()(x).backward()
    assert x.grad.data.tolist() == [2.0, 2.0, 2.0]


def test_backward_of_a_tensor_without_graph_says_why():
    x = am.tensor([1.0, 2.0])  # forgot requires_grad=True
    with pytest.raises(RuntimeError, match=r"backward: this tensor does not require grad and has "
                                           r"no grad_fn \(shape \(\)\).*requires_grad=True.*am\.no_grad\(\)"):
        (x * x).sum().backward()
    w = am.tensor([1.0, 2.0], requires_grad=True)
    with am.no_grad():
        loss = (w * w).sum()
    with pytest.raises(RuntimeError, match=r"computed under am\.no_grad\(\)"):
        loss.backward()


def test_integer_data_with_requires_grad_says_how_to_make_floats():
    # am.tensor([1, 2, 3]) holds int64: there is no tensor yet to call .astype on.
    with pytest.raises(TypeError, match=r"tensor: only floating-point tensors can require grad, got "
                                        r"dtype int64.*dtype=am\.float64.*\[1\.0, 2\.0\]"):
        am.tensor([1, 2, 3], requires_grad=True)
    assert am.tensor([1, 2, 3], dtype=am.float64, requires_grad=True).requires_grad
