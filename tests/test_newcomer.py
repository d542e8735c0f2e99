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
