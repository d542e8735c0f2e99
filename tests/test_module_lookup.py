"""Module.get_buffer (beside get_submodule, get_parameter) and ParameterDict's dict methods
(get, setdefault, copy, popitem, fromkeys, |, |=, reversed), as PyTorch's."""

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import nn


def net():
    return nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.BatchNorm1d(3), nn.ReLU()))


def test_get_buffer_follows_dotted_paths():
    m = net()
    assert m.get_buffer("1.0.running_mean") is m[1][0].running_mean
    assert m[1].get_buffer("0.running_var") is m[1][0].running_var
    assert m.get_parameter("1.0.weight") is m[1][0].weight and m.get_submodule("1.0") is m[1][0]
    with pytest.raises(AttributeError, match=r"get_buffer\('1.0.weight'\): BatchNorm1d has no buffer 'weight' "
                                             r"\(it has: running_mean, running_var, num_batches_tracked\)"):
        m.get_buffer("1.0.weight")
    with pytest.raises(AttributeError, match=r"get_submodule\('1.2'\): Sequential '1' has no submodule '2'"):
        m.get_buffer("1.2.running_mean")
    with pytest.raises(AttributeError, match=r"get_buffer\('running_mean'\): Sequential has no buffer .*none"):
        m.get_buffer("running_mean")
    with pytest.raises(TypeError, match="get_buffer: target must be a dotted name"):
        m.get_buffer(0)


def test_parameter_dict_get_setdefault_popitem_copy():
    a, b = nn.Parameter(np.ones(2)), nn.Parameter(np.zeros(3))
    d = nn.ParameterDict({"a": a})
    assert d.get("a") is a and d.get("b") is None and d.get("b", 5) == 5
    assert d.setdefault("a", b) is a and len(d) == 1
    c = d.setdefault("b", np.arange(3.0))  # (an array is wrapped, as d[key] = array)
    assert isinstance(c, nn.Parameter) and d["b"] is c and [n for n, _ in d.named_parameters()] == ["a", "b"]
    with pytest.raises(TypeError, match=r"ParameterDict\['z'\]: expected a Parameter"):
        d.setdefault("z")
    e = d.copy()
    assert isinstance(e, nn.ParameterDict) and e is not d and e["a"] is a and e.keys() == d.keys()
    assert list(reversed(d)) == ["b", "a"]
    assert d.popitem() == ("b", c) and d.keys() == ["a"] and "b" not in dict(d.named_parameters())
    assert e.keys() == ["a", "b"]  # (the copy is its own dict)
    d.popitem()
    with pytest.raises(KeyError, match="ParameterDict is empty"):
        d.popitem()


def test_parameter_dict_fromkeys_and_union():
    p = nn.Parameter(np.ones(2))
    d = nn.ParameterDict.fromkeys(["x", "y"], p)
    assert d.keys() == ["x", "y"] and d["x"] is p and d["y"] is p
    with pytest.raises(TypeError, match="ParameterDict.fromkeys: expected a Parameter"):
        nn.ParameterDict.fromkeys(["x"])
    q = nn.Parameter(np.zeros(1))
    u = d | {"y": q, "z": q}
    assert u.keys() == ["x", "y", "z"] and u["y"] is q and d["y"] is p
    v = {"w": q, "x": q} | d
    assert isinstance(v, nn.ParameterDict) and v.keys() == ["w", "x", "y"] and v["x"] is p
    d |= nn.ParameterDict({"z": q})
    assert d.keys() == ["x", "y", "z"]
    # training through a copy updates the shared parameters
    opt = am.optim.SGD(d.copy().parameters(), lr=0.5)
    (d["z"] * 2).sum().backward()
    opt.step()
    np.testing.assert_array_equal(q.data, [-1.0])
