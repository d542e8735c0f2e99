"""am.device, PyTorch's torch.device: its forms, equality, and its use wherever a device
string is taken (creation device=, Tensor.to, Module.to, Generator, load's map_location).

The equality rules follow torch 2.13 (checked against torch outside this repository):
devices are equal when type and index agree, and a device never equals a string."""

from __future__ import annotations

import copy
import pickle
import re

import numpy as np
import pytest

import autograd_mini as am

# -- construction -----------------------------------------------------------------------------


@pytest.mark.parametrize("args, kwargs, type_, index", [
    (("cpu",), {}, "cpu", None),
    (("cpu", 0), {}, "cpu", 0),
    (("cpu:0",), {}, "cpu", 0),
    (("cpu", None), {}, "cpu", None),
    ((), {"type": "cpu", "index": 0}, "cpu", 0),
    (("cpu", np.int64(0)), {}, "cpu", 0),
    (("cuda",), {}, "cuda", None),  # (another type is just a name, as in torch)
    (("cuda:1",), {}, "cuda", 1),
    (("cuda", 12), {}, "cuda", 12),
    (("mps",), {}, "mps", None),
])
def test_device_forms(args, kwargs, type_, index):
    d = am.device(*args, **kwargs)
    assert d.type == type_ and d.index == index
    assert isinstance(d.type, str) and (d.index is None or type(d.index) is int)
    again = am.device(d)  # (a copy of another device, equal)
    assert again == d and again.type == type_ and again.index == index


@pytest.mark.parametrize("args, error, words", [
    (("",), ValueError, "unknown device type"),
    (("gpu",), ValueError, "unknown device type in 'gpu'"),
    (("CPU",), ValueError, "unknown device type"),
    ((" cpu",), ValueError, "unknown device type"),
    (("cpu:",), ValueError, "invalid device string 'cpu:'"),
    (("cpu:x",), ValueError, "invalid device string"),
    (("cpu:-1",), ValueError, "invalid device string"),
    (("cpu:00",), ValueError, "invalid device string"),
    (("cpu:01",), ValueError, "invalid device string"),
    (("cpu:0:0",), ValueError, "invalid device string"),
    (("cpu:٣",), ValueError, "invalid device string"),  # (a non-ASCII digit)
    (("cpu", -1), ValueError, "index must not be negative, got -1"),
    (("cpu:0", 0), ValueError, "'cpu:0' includes an index, so index=0"),
    (("cpu", "0"), TypeError, "index must be an int or None, got str"),
    (("cpu", 0.0), TypeError, "index must be an int or None, got float"),
    (("cpu", True), TypeError, "index must be an int or None, got bool"),
    ((None,), TypeError, "expected a device string .* got NoneType"),
    ((1.5,), TypeError, "expected a device string .* got float"),
    ((b"cpu",), TypeError, "expected a device string .* got bytes"),
    ((0,), ValueError, "an index alone"),
    ((am.device("cpu"), 0), TypeError, "an index is given with a device"),
])
def test_device_refuses_bad_forms_by_name(args, error, words):
    with pytest.raises(error, match=r"^am\.device: " + words):
        am.device(*args)


# -- equality, hash, str, repr ----------------------------------------------------------------

def test_device_equality_hash_str_repr_as_torch():
    cpu, cpu0 = am.device("cpu"), am.device("cpu", 0)
    assert cpu == am.device("cpu") and cpu0 == am.device("cpu:0") and am.device("cuda:1") == am.device("cuda", 1)
    assert cpu != cpu0 and cpu != am.device("cuda") and am.device("cuda:0") != am.device("cuda:1")
    assert hash(cpu) == hash(am.device("cpu")) and hash(cpu0) == hash(am.device("cpu:0"))
    assert len({cpu, am.device("cpu"), cpu0, am.device("cpu", 0), am.device("cuda")}) == 3
    assert str(cpu) == "cpu" and str(cpu0) == "cpu:0" and str(am.device("cuda", 1)) == "cuda:1"
    assert f"{cpu0}" == "cpu:0"
    assert repr(cpu) == "device(type='cpu')" and repr(cpu0) == "device(type='cpu', index=0)"
    # torch 2.13: a device is never equal to a string (compare .type, or str(device))
    assert not (cpu == "cpu") and cpu != "cpu" and not ("cpu" == cpu) and not (cpu0 == "cpu:0")
    assert cpu != 0 and cpu is not None and cpu != None  # noqa: E711
    with pytest.raises(TypeError):
        cpu < cpu0  # noqa: B015 (no order, as torch)


def test_device_is_immutable_and_pickles():
    d = am.device("cpu", 0)
    with pytest.raises(AttributeError):
        d.type = "cuda"
    with pytest.raises(AttributeError):
        d.index = 1
    with pytest.raises(AttributeError):
        d.other = 1
    for back in (pickle.loads(pickle.dumps(d)), copy.copy(d), copy.deepcopy(d)):
        assert back == d and repr(back) == repr(d)


# -- x.device and its uses ---------------------------------------------------------------------

def test_tensor_device_is_the_cpu_device():
    x = am.randn(2, 3, requires_grad=True)
    assert isinstance(x.device, am.device) and x.device == am.device("cpu")
    assert x.device.type == "cpu" and x.device.index is None and str(x.device) == "cpu"
    assert repr(x.device) == "device(type='cpu')" and x.device != am.device("cpu:0")
    assert (x * 2).device == x.device and am.Generator().device == am.device("cpu")
    assert not x.is_cuda and x.cpu() is x


def test_the_device_object_idiom_ports():
    device = am.device("cuda" if am.cuda.is_available() else "cpu")
    model = am.nn.Linear(3, 2)
    w = model.weight
    assert model.to(device) is model and model.weight is w
    assert model.to(device, np.float32) is model and w.dtype == np.float32
    assert model.to(device=am.device("cpu", 0), dtype=np.float64) is model and w.dtype == np.float64
    x = am.randn(4, 3, device=device)
    assert x.to(device) is x and x.to(device, np.float32).dtype == np.float32
    assert x.to(device=device) is x and x.to(x.device) is x and x.to(am.device("cpu:0")) is x
    for make in (am.zeros, am.ones, am.empty, am.randn, am.rand):
        assert make(2, 3, device=device).shape == (2, 3)
    assert am.tensor([1.0], device=x.device).device == device
    assert am.full((2,), 1.0, device=device).device == device and am.arange(3, device=device).shape == (3,)
    assert am.zeros_like(x, device=device).shape == x.shape and x.new_zeros(2, device=device).shape == (2,)
    assert am.Generator(device).device == device
    assert model(x).device.type == "cpu"


@pytest.mark.parametrize("name", ["cuda", "cuda:0", "mps", "cpu:1"])
def test_a_device_of_another_type_is_refused_where_it_is_used(name):
    d = am.device(name)  # (building it is allowed, as torch)
    x, model = am.ones(2), am.nn.Linear(2, 2)
    calls = [("zeros", lambda: am.zeros(2, device=d)), ("tensor", lambda: am.tensor([1.0], device=d)),
             ("randn", lambda: am.randn(2, device=d)), ("to", lambda: x.to(d)), ("to", lambda: x.to(device=d)),
             ("Linear.to", lambda: model.to(d)), ("Linear.to", lambda: model.to(device=d)),
             ("new_zeros", lambda: x.new_zeros(2, device=d)), ("Generator", lambda: am.Generator(d))]
    for where, call in calls:
        with pytest.raises(ValueError, match=rf"^{re.escape(where)}: device {re.escape(repr(d))} is not available: "
                                             r".*only device is 'cpu'"):
            call()
    with pytest.raises(TypeError, match=r"^to: two devices given"):
        x.to(am.device("cpu"), am.device("cpu"))


# -- am.load's map_location --------------------------------------------------------------------

def test_load_takes_a_device_and_a_callable_map_location(tmp_path):
    path = tmp_path / "ck.npz"
    am.save({"w": np.arange(3.0)}, path)
    calls = []
    for where in (am.device("cpu"), am.device("cpu", 0), {"cuda:0": am.device("cpu")},
                  lambda storage, loc: calls.append(loc) or storage):
        got = am.load(path, map_location=where)
        assert list(got) == ["w"] and got["w"].tolist() == [0.0, 1.0, 2.0]
    assert am.load(path, am.device("cpu"))["w"].tolist() == [0.0, 1.0, 2.0]
    assert calls == []  # (the callable is taken, never called: the arrays stay numpy's)
    for where in (am.device("cuda"), am.device("cuda:0"), {"cuda:0": am.device("cuda:1")}):
        with pytest.raises(ValueError, match=r"^load: map_location .* is not available: .* 'cpu'"):
            am.load(path, map_location=where)


def test_the_readme_lists_am_device():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert "am.device (torch.device" in readme and "device (am.device('cpu'))" in readme


def test_the_transformer_layers_refuse_another_device_by_name():
    for build, name in [(lambda d: am.nn.TransformerEncoderLayer(4, 2, 8, device=d), "TransformerEncoderLayer"),
                        (lambda d: am.nn.TransformerDecoderLayer(4, 2, 8, device=d), "TransformerDecoderLayer"),
                        (lambda d: am.nn.Transformer(4, 2, 1, 1, 8, device=d), "Transformer"),
                        (lambda d: am.nn.Transformer.generate_square_subsequent_mask(2, device=d),
                         "Transformer.generate_square_subsequent_mask")]:
        with pytest.raises(ValueError, match=rf"^{name}: device 'cuda' is not available"):
            build("cuda")
        build(am.device("cpu"))


def test_the_new_methods_name_themselves_when_they_refuse_a_device():
    t = am.ones(2)
    for name, call in [("new_zeros", lambda d: t.new_zeros(2, device=d)), ("new_ones", lambda d: t.new_ones(2, device=d)),
                       ("new_empty", lambda d: t.new_empty(2, device=d)),
                       ("new_full", lambda d: t.new_full((2,), 1.0, device=d))]:
        with pytest.raises(ValueError, match=rf"^{name}: device 'cuda' is not available"):
            call("cuda")
        assert call(am.device("cpu")).shape == (2,)
