"""nn.Module, Parameter, the layers and the model summary.

Module API (registration, names, modes, state dicts and their refusals, repr),
each layer's forward against numpy oracles or the functional op it wraps,
gradient checks of small models with respect to inputs and parameters,
summary rows and totals, and the layers' error messages.
"""

import itertools
import math
import re
import warnings
from collections import OrderedDict

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn import functional as F

HYP = settings(max_examples=15, deadline=None)


def rng(seed=0):
    return np.random.default_rng(seed)


def arr(*shape, seed=0):
    return rng(seed).standard_normal(shape)


class Net(nn.Module):
    """A nested model: own parameter, a named Sequential, a head and a plain tensor attribute."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(np.linspace(0.5, 1.5, 3))
        self.body = nn.Sequential(OrderedDict(fc=nn.Linear(2, 3), act=nn.Tanh()))
        self.head = nn.Linear(3, 1)
        self.offset = am.tensor([0.25])  # a plain Tensor: not registered

    def forward(self, x):
        return self.head(self.body(x) * self.scale) + self.offset


def call_with(model, tensors, *inputs, **kw):
    """model(*inputs, **kw) with its parameters replaced by `tensors` (in named_parameters order).

    Forward reads parameters as plain attributes, so swapping them in the
    instance dicts lets gradcheck differentiate a module with respect to its
    weights through the module's own forward code.
    """
    modules = dict(model.named_modules())
    saved = []
    for (name, _), t in zip(model.named_parameters(), tensors):
        owner, _, attr = name.rpartition(".")
        m = modules[owner]
        saved.append((m, attr, m.__dict__[attr]))
        m.__dict__[attr] = t
    try:
        return model(*inputs, **kw)
    finally:
        for m, attr, p in saved:
            m.__dict__[attr] = p


def weights_and_output_check(model, x, order2=False):
    """gradcheck (and optionally gradgradcheck) of model(x) w.r.t. x and every parameter."""
    params = [p.data.copy() for p in model.parameters()]

    def f(xx, *ps):
        return call_with(model, ps, xx)

    assert am.gradcheck(f, (x, *params))
    if order2:
        assert am.gradgradcheck(f, (x, *params))


# -- Parameter -------------------------------------------------------------------------------


def test_parameter_is_a_float_tensor_requiring_grad():
    p = nn.Parameter([[1, 2], [3, 4]])
    assert isinstance(p, am.Tensor) and p.requires_grad and p.is_leaf
    assert p.dtype == np.float64
    assert repr(p).startswith("Parameter(") and "requires_grad=True" in repr(p)
    q = nn.Parameter(np.ones(3, dtype=np.float32), requires_grad=False)
    assert q.dtype == np.float32 and not q.requires_grad
    assert "requires_grad" not in repr(q)


def test_parameter_shares_a_tensors_array_and_copies_anything_else():
    t = am.tensor([1.0, 2.0])
    assert nn.Parameter(t).data is t.data
    a = np.array([1.0, 2.0])
    p = nn.Parameter(a)
    a[0] = 7.0
    assert p.data[0] == 1.0


def test_operations_on_parameters_give_plain_tensors_and_gradients():
    p = nn.Parameter([1.0, 2.0])
    y = (p * p).sum()
    assert type(y) is am.Tensor
    y.backward()
    np.testing.assert_allclose(p.grad.data, [2.0, 4.0])


# -- registration -----------------------------------------------------------------------------


def test_parameter_names_and_order_in_sequential():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    names = [n for n, _ in model.named_parameters()]
    assert names == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert [id(p) for p in model.parameters()] == [
        id(model[0].weight), id(model[0].bias), id(model[2].weight), id(model[2].bias)
    ]
    assert all(isinstance(p, nn.Parameter) for p in model.parameters())


def test_nested_names_modules_and_children():
    net = Net()
    assert [n for n, _ in net.named_parameters()] == [
        "scale", "body.fc.weight", "body.fc.bias", "head.weight", "head.bias"
    ]
    assert [n for n, _ in net.named_modules()] == ["", "body", "body.fc", "body.act", "head"]
    assert list(net.modules())[0] is net and len(list(net.modules())) == 5
    assert [n for n, _ in net.named_children()] == ["body", "head"]
    assert list(net.children()) == [net.body, net.head]
    assert [n for n, _ in net.named_parameters(recurse=False)] == ["scale"]
    assert [n for n, _ in net.body.named_parameters(prefix="body")] == ["body.fc.weight", "body.fc.bias"]


def test_plain_tensor_attribute_is_not_registered_but_module_is():
    net = Net()
    assert all(p is not net.offset for p in net.parameters())
    assert "offset" not in net.state_dict()
    net.extra = nn.Linear(3, 3)
    assert [n for n, _ in net.named_children()] == ["body", "head", "extra"]
    net.extra = None
    assert [n for n, _ in net.named_children()] == ["body", "head"]
    net.head.bias = None  # a layer without bias
    assert "head.bias" not in dict(net.named_parameters())
    del net.scale
    assert "scale" not in net.state_dict()


def test_assigning_a_plain_tensor_to_a_parameter_name_raises():
    lin = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="parameter 'weight'"):
        lin.weight = am.zeros(2, 2)
    assert isinstance(lin.weight, nn.Parameter)


def test_assignment_before_init_raises():
    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter([1.0])

    with pytest.raises(AttributeError, match="super\\(\\).__init__"):
        Bad()


def test_shared_parameters_and_modules_are_listed_once():
    lin = nn.Linear(2, 2)
    model = nn.Sequential(lin, nn.Tanh(), lin)
    assert len(list(model.parameters())) == 2
    assert len(list(model.modules())) == 3  # the Sequential, lin, Tanh
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_buffers_are_in_state_dict_not_in_parameters():
    class WithBuffer(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter([1.0, 2.0])
            self.register_buffer("stat", am.tensor([3.0, 4.0]))

        def forward(self, x):
            return x * self.w + self.stat

    m = WithBuffer()
    assert [n for n, _ in m.named_parameters()] == ["w"]
    assert [n for n, _ in m.named_buffers()] == ["stat"]
    assert list(m.state_dict()) == ["w", "stat"]
    m.stat = am.tensor([5.0, 6.0])  # reassigning keeps it a buffer
    np.testing.assert_array_equal(m.state_dict()["stat"], [5.0, 6.0])
    with pytest.raises(TypeError, match="buffer 'stat'"):
        m.stat = 3.0
    with pytest.raises(ValueError, match=r"already has an attribute 'w' \(a parameter\)"):
        m.register_buffer("w", am.zeros(2))
    with pytest.raises(TypeError, match="must be a Tensor"):
        m.register_buffer("other", np.zeros(2))
    bn = nn.BatchNorm1d(4)
    assert [n for n, _ in bn.named_buffers()] == ["running_mean", "running_var", "num_batches_tracked"]


def test_module_without_forward_raises():
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(am.zeros(1))


def test_call_runs_forward_inside_the_module_scope():
    model = nn.Sequential(nn.Linear(2, 3), nn.Sigmoid())
    x = am.tensor(arr(4, 2), requires_grad=True)
    y = model(x)
    assert y.grad_fn.scope[:2] == (model, model[1])
    node = y.grad_fn.inputs[0].grad_fn  # the bias addition inside Linear
    assert node.scope[:2] == (model, model[0])
    assert am.engine._mode.scope == ()


def test_scope_is_restored_when_forward_raises():
    message = "Linear(2→3): expected input with last dimension 2, got shape (4, 5)"
    with pytest.raises(ValueError, match=re.escape(message)):
        nn.Sequential(nn.Linear(2, 3))(am.zeros(4, 5))
    assert am.engine._mode.scope == ()


def test_apply_visits_children_then_self():
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Tanh()))
    seen = []
    assert model.apply(lambda m: seen.append(type(m).__name__)) is model
    assert seen[-1] == "Sequential" and sorted(seen) == ["Linear", "Sequential", "Sequential", "Tanh"]


def test_apply_orders_the_walk_as_pytorch_and_visits_a_shared_module_once():
    # (post-order, children in registration order: it sets the order in which a
    # re-initialisation draws its random numbers)
    shared = nn.Linear(1, 1)
    model = nn.Sequential(nn.Sequential(shared, nn.Tanh()), nn.ReLU(), shared)
    seen = []
    model.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "Tanh", "Sequential", "ReLU", "Sequential"]


def test_children_list_a_module_registered_twice_once():
    shared = nn.Linear(1, 1)
    s = nn.Sequential(shared, nn.ReLU())
    s.add_module("again", shared)
    assert [n for n, _ in s.named_children()] == ["0", "1"]
    assert list(s.children()) == [shared, s[1]]


def test_requires_grad_freezes_and_unfreezes_every_parameter():
    model = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
    assert model[0].requires_grad_(False) is model[0]
    model(am.ones(3, 2)).sum().backward()
    assert [p.grad is None for p in model.parameters()] == [True, True, False, False]
    model.requires_grad_()
    assert all(p.requires_grad for p in model.parameters())
    with pytest.raises(TypeError, match="requires_grad_: expected a bool"):
        model.requires_grad_(0)


# -- modes and gradients -------------------------------------------------------------------------


def test_train_eval_set_training_recursively_and_return_self():
    net = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(0.5), nn.BatchNorm1d(2)))
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    assert net[1].train() is net[1]
    assert [m.training for m in net.modules()] == [False, False, True, True, True]
    assert net.train() is net and all(m.training for m in net.modules())
    with pytest.raises(TypeError, match="train: mode must be True or False, got 'no'"):
        net.train("no")


def test_zero_grad_sets_grads_to_none():
    net = Net()
    net(am.tensor(arr(5, 2))).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.data.any() for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_to_converts_parameters_and_float_buffers():
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    weight = model[0].weight
    assert model.to(np.float32) is model
    assert model[0].weight is weight and weight.dtype == np.float32
    assert model[1].running_var.dtype == np.float32
    assert model[1].num_batches_tracked.dtype == np.int64
    assert model(am.tensor(arr(4, 3).astype(np.float32))).dtype == np.float32
    with pytest.raises(TypeError, match="floating"):
        model.to(np.int32)


@pytest.mark.parametrize("device", ["cuda:0", "mps", 0])
def test_to_a_device_names_the_module_and_says_there_are_no_devices(device):
    # model.to(device) is a PyTorch habit; numpy's "data type 'cuda:0' not understood" named
    # neither the call nor what to do. ('cpu' is the one device, as Tensor.to: nothing moves.)
    model = nn.Linear(3, 2)
    with pytest.raises((TypeError, ValueError), match=rf"Linear\.to: .*{device!r}.*"):
        model.to(device)
    assert model.weight.dtype == np.float64
    assert model.to("cpu") is model and model.weight.dtype == np.float64


# -- state dicts -----------------------------------------------------------------------------------


def test_state_dict_holds_independent_ndarray_copies():
    net = Net()
    sd = net.state_dict()
    assert list(sd) == ["scale", "body.fc.weight", "body.fc.bias", "head.weight", "head.bias"]
    assert all(type(v) is np.ndarray for v in sd.values())
    before = sd["head.weight"].copy()
    net.head.weight.data += 1.0
    np.testing.assert_array_equal(sd["head.weight"], before)


def test_state_dict_round_trip_in_place():
    am.manual_seed(1)
    src, dst = Net(), Net()
    x = am.tensor(arr(6, 2))
    assert not np.allclose(src(x).data, dst(x).data)
    arrays = {n: p.data for n, p in dst.named_parameters()}
    objects = {n: p for n, p in dst.named_parameters()}
    result = dst.load_state_dict(src.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    np.testing.assert_array_equal(src(x).data, dst(x).data)
    for n, p in dst.named_parameters():  # same Parameter objects, same arrays
        assert p is objects[n] and p.data is arrays[n]


def test_load_state_dict_accepts_tensors_and_casts_within_kind():
    model = nn.Linear(2, 2, dtype=np.float32)
    sd = {k: am.tensor(v.astype(np.float64) + 1.0) for k, v in model.state_dict().items()}
    model.load_state_dict(sd)
    assert model.weight.dtype == np.float32
    np.testing.assert_allclose(model.weight.data, sd["weight"].data, rtol=1e-6)


def test_batchnorm_state_round_trip_includes_running_stats():
    am.manual_seed(2)
    a, b = nn.BatchNorm2d(3), nn.BatchNorm2d(3)
    a(am.tensor(arr(4, 3, 2, 2)))
    b.load_state_dict(a.state_dict())
    np.testing.assert_array_equal(b.running_mean.data, a.running_mean.data)
    np.testing.assert_array_equal(b.running_var.data, a.running_var.data)
    assert int(b.num_batches_tracked.data) == 1


def _snapshot(model):
    return {k: v.copy() for k, v in model.state_dict().items()}


def _assert_unchanged(model, snap):
    now = model.state_dict()
    assert list(now) == list(snap)
    for k in snap:
        np.testing.assert_array_equal(now[k], snap[k])


def _refusal(model, sd, strict=True):
    snap = _snapshot(model)
    with pytest.raises(ValueError) as info:
        model.load_state_dict(sd, strict=strict)
    _assert_unchanged(model, snap)
    return str(info.value)


def _changed(model):
    """The model's state dict plus 1 everywhere, so a partial load would be visible."""
    return OrderedDict((k, v + 1) for k, v in model.state_dict().items())


def test_load_refuses_missing_keys():
    net = Net()
    sd = _changed(net)
    del sd["scale"], sd["head.bias"]
    msg = _refusal(net, sd)
    assert "missing keys: scale, head.bias" in msg and "nothing was loaded" in msg
    assert "unexpected" not in msg and "mismatched" not in msg


def test_load_refuses_unexpected_keys():
    net = Net()
    sd = _changed(net)
    sd["body.fc.gamma"] = np.ones(3)
    sd["tail.weight"] = np.ones(1)
    msg = _refusal(net, sd)
    assert "unexpected keys: body.fc.gamma, tail.weight" in msg and "missing" not in msg


def test_load_refuses_mis_shaped_entries():
    net = Net()
    sd = _changed(net)
    sd["body.fc.weight"] = np.ones((2, 3))
    sd["head.bias"] = np.ones(())
    msg = _refusal(net, sd)
    assert "body.fc.weight: shape (2, 3) in the state dict, (3, 2) in the model" in msg
    assert "head.bias: shape () in the state dict, (1,) in the model" in msg


def test_load_lists_every_problem_in_one_error():
    net = Net()
    sd = _changed(net)
    del sd["scale"]
    sd["bogus"] = np.zeros(2)
    sd["head.weight"] = np.zeros((3, 1))
    msg = _refusal(net, sd)
    assert re.search(r"missing keys: scale\n\s+unexpected keys: bogus\n\s+mismatched entries: head.weight", msg)


def test_load_refuses_impossible_dtype_and_non_arrays():
    bn = nn.BatchNorm1d(2)
    sd = _changed(bn)
    sd["num_batches_tracked"] = np.array(1.5)
    sd["running_mean"] = "abc"
    msg = _refusal(bn, sd)
    assert "num_batches_tracked: dtype float64" in msg and "running_mean: not a numeric array" in msg
    with pytest.raises(TypeError, match="mapping"):
        bn.load_state_dict([("weight", np.ones(2))])


def test_load_non_strict_skips_keys_but_not_shapes():
    net = Net()
    sd = _changed(net)
    del sd["scale"]
    sd["extra"] = np.ones(1)
    scale = net.scale.data.copy()
    result = net.load_state_dict(sd, strict=False)
    assert result.missing_keys == ["scale"] and result.unexpected_keys == ["extra"]
    np.testing.assert_array_equal(net.scale.data, scale)
    np.testing.assert_array_equal(net.head.weight.data, sd["head.weight"])
    sd["head.weight"] = np.zeros((5,))
    assert "head.weight: shape (5,)" in _refusal(net, sd, strict=False)


@pytest.mark.parametrize("strict", [None, 0, "no", "False"])
def test_load_state_dict_refuses_a_strict_that_is_not_a_bool_and_loads_nothing(strict):
    # (taken by truthiness, strict=None or 0 loaded a state dict with a missing key)
    net = Net()
    sd = _changed(net)
    del sd["scale"]
    before = {k: v.copy() for k, v in net.state_dict().items()}
    with pytest.raises(TypeError, match=r"^load_state_dict: strict must be True or False, got "):
        net.load_state_dict(sd, strict=strict)
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(v, before[k], err_msg=k)


# -- repr and labels -------------------------------------------------------------------------------


def test_repr_prints_the_tree_with_parameter_shapes():
    text = repr(Net())
    lines = text.splitlines()
    assert lines[0] == "Net(  # scale (3,)"
    assert lines[1] == "  (body): Sequential("
    assert lines[2] == "    (fc): Linear(in_features=2, out_features=3, bias=True)  # weight (3, 2), bias (3,)"
    assert lines[3] == "    (act): Tanh()"
    assert lines[4] == "  )"
    assert lines[5] == "  (head): Linear(in_features=3, out_features=1, bias=True)  # weight (1, 3), bias (1,)"
    assert lines[6] == ")"
    conv = repr(nn.Conv2d(1, 8, 3, padding=1, bias=False))
    assert conv == "Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)  # weight (8, 1, 3, 3)"
    assert repr(nn.ReLU()) == "ReLU()"
    assert repr(nn.BatchNorm2d(4)).startswith("BatchNorm2d(4, eps=1e-05, momentum=0.1")


def test_labels_are_short():
    assert nn.Conv2d(1, 8, 3).label() == "Conv2d(1→8, 3×3)"
    assert nn.Linear(2, 3).label() == "Linear(2→3)"
    assert nn.MaxPool2d(2).label() == "MaxPool2d(2×2)"
    assert nn.BatchNorm1d(5).label() == "BatchNorm1d(5)"
    assert nn.Sigmoid().label() == "Sigmoid"
    assert nn.Dropout(0.25).label() == "Dropout(p=0.25)"


# -- Sequential ------------------------------------------------------------------------------------


def test_sequential_indexing_len_iteration_and_slicing():
    layers = [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 4), nn.Tanh()]
    model = nn.Sequential(*layers)
    assert len(model) == 4 and list(model) == layers
    assert model[0] is layers[0] and model[-1] is layers[3]
    tail = model[2:]
    assert isinstance(tail, nn.Sequential) and list(tail) == layers[2:]
    assert [n for n, _ in tail.named_parameters()] == ["2.weight", "2.bias"]
    x = am.tensor(arr(5, 2))
    np.testing.assert_allclose(model(x).data, tail(model[:2](x)).data)
    with pytest.raises(IndexError, match="Sequential: index 4 out of range for 4 modules"):
        model[4]
    with pytest.raises(TypeError, match="Sequential indices must be ints or slices, got str"):
        model["0"]
    assert model.append(nn.Identity()) is model and len(model) == 5


def test_sequential_from_ordered_dict_and_bad_entries():
    model = nn.Sequential(OrderedDict([("hidden", nn.Linear(2, 2)), ("act", nn.Sigmoid())]))
    assert [n for n, _ in model.named_parameters()] == ["hidden.weight", "hidden.bias"]
    assert model[1] is model.act
    with pytest.raises(TypeError, match="entry '1'"):
        nn.Sequential(nn.ReLU(), lambda x: x)


# -- layers' forward against numpy and F -------------------------------------------------------


@HYP
@given(
    lead=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4),
    n_in=st.integers(1, 5),
    n_out=st.integers(1, 5),
    bias=st.booleans(),
)
def test_linear_forward_matches_numpy(lead, n_in, n_out, bias):
    lin = nn.Linear(n_in, n_out, bias=bias)
    x = arr(*lead, n_in)
    expected = x @ lin.weight.data.T + (lin.bias.data if bias else 0.0)
    np.testing.assert_allclose(lin(am.tensor(x)).data, expected, rtol=1e-12, atol=1e-12)
    assert lin.weight.shape == (n_out, n_in)


def conv_oracle(x, w, b, stride, padding, dilation, groups):
    """Cross-correlation by explicit loops (the definition)."""
    N, C, H, W = x.shape
    O, Cg, kh, kw = w.shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    OH = (H + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    OW = (W + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((N, O, OH, OW))
    per = O // groups
    for n, o, i, j in itertools.product(range(N), range(O), range(OH), range(OW)):
        g = o // per
        patch = xp[n, g * Cg:(g + 1) * Cg, i * sh:i * sh + dh * (kh - 1) + 1:dh, j * sw:j * sw + dw * (kw - 1) + 1:dw]
        out[n, o, i, j] = (patch * w[o]).sum() + (b[o] if b is not None else 0.0)
    return out


@HYP
@given(
    groups=st.sampled_from([1, 2]),
    k=st.integers(1, 3),
    stride=st.integers(1, 2),
    padding=st.integers(0, 2),
    dilation=st.integers(1, 2),
    bias=st.booleans(),
    size=st.integers(6, 8),
)
def test_conv2d_forward_matches_loop_oracle(groups, k, stride, padding, dilation, bias, size):
    conv = nn.Conv2d(2, 4, k, stride=stride, padding=padding, dilation=dilation, groups=groups, bias=bias)
    x = arr(2, 2, size, size - 1, seed=3)
    expected = conv_oracle(
        x, conv.weight.data, conv.bias.data if bias else None,
        conv.stride, conv.padding, conv.dilation, groups,
    )
    np.testing.assert_allclose(conv(am.tensor(x)).data, expected, rtol=1e-10, atol=1e-12)
    assert conv.weight.shape == (4, 2 // groups, k, k)


def test_conv2d_rectangular_kernel_and_unbatched_input():
    conv = nn.Conv2d(3, 2, (2, 3), stride=(2, 1), padding=(1, 0))
    x = arr(2, 3, 6, 5)
    expected = F.conv2d(am.tensor(x), conv.weight, conv.bias, (2, 1), (1, 0))
    np.testing.assert_array_equal(conv(am.tensor(x)).data, expected.data)
    np.testing.assert_allclose(conv(am.tensor(x[0])).data, expected.data[0], rtol=1e-12)


@pytest.mark.parametrize("k, dilation", [(3, 1), (4, 1), (3, 2), (2, 3)])
def test_conv2d_same_and_valid_padding(k, dilation):
    x = arr(1, 2, 6, 5)
    same = nn.Conv2d(2, 3, k, padding="same", dilation=dilation)
    out = same(am.tensor(x))
    assert out.shape == (1, 3, 6, 5)
    total = dilation * (k - 1)
    xp = np.pad(x, ((0, 0), (0, 0), (total // 2, total - total // 2), (total // 2, total - total // 2)))
    expected = conv_oracle(xp, same.weight.data, same.bias.data, (1, 1), (0, 0), (dilation, dilation), 1)
    np.testing.assert_allclose(out.data, expected, rtol=1e-10, atol=1e-12)
    valid = nn.Conv2d(2, 3, k, padding="valid", dilation=dilation)
    assert valid(am.tensor(x)).shape == (1, 3, 6 - total, 5 - total)


def test_conv2d_padding_set_after_construction_is_the_one_used_and_checked():
    # PyTorch's forward reads conv.padding; so must the layer's own check that the
    # input fits (it used the padding given to the constructor: a false error here).
    conv = nn.Conv2d(1, 1, 3)
    x = arr(1, 1, 2, 2)
    with pytest.raises(ValueError, match=r"Conv2d.*\(1, 1, 2, 2\)"):
        conv(am.tensor(x))
    conv.padding = (2, 2)
    out = conv(am.tensor(x))
    expected = conv_oracle(np.pad(x, ((0, 0), (0, 0), (2, 2), (2, 2))), conv.weight.data, conv.bias.data,
                           (1, 1), (0, 0), (1, 1), 1)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    conv.padding = "valid"
    with pytest.raises(ValueError, match="Conv2d"):
        conv(am.tensor(x))


def pool_oracle(x, k, s, p, reduce, pad_value):
    N, C, H, W = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=pad_value)
    OH, OW = (H + 2 * p - k) // s + 1, (W + 2 * p - k) // s + 1
    out = np.empty((N, C, OH, OW))
    for i, j in itertools.product(range(OH), range(OW)):
        out[:, :, i, j] = reduce(xp[:, :, i * s:i * s + k, j * s:j * s + k], axis=(2, 3))
    return out


@pytest.mark.parametrize("k, s, p", [(2, None, 0), (3, 2, 1), (3, 1, 0), (2, 1, 1)])
def test_pooling_layers_match_oracles_and_F(k, s, p):
    x = arr(2, 3, 7, 6, seed=4)
    stride = k if s is None else s
    mp, ap = nn.MaxPool2d(k, s, p), nn.AvgPool2d(k, s, p)
    np.testing.assert_allclose(mp(am.tensor(x)).data, pool_oracle(x, k, stride, p, np.max, -np.inf))
    np.testing.assert_allclose(ap(am.tensor(x)).data, pool_oracle(x, k, stride, p, np.mean, 0.0), rtol=1e-12)
    np.testing.assert_array_equal(ap(am.tensor(x)).data, F.avg_pool2d(am.tensor(x), k, s, p).data)
    excl = nn.AvgPool2d(k, s, p, count_include_pad=False)
    np.testing.assert_array_equal(
        excl(am.tensor(x)).data, F.avg_pool2d(am.tensor(x), k, s, p, count_include_pad=False).data
    )


def test_maxpool_dilation_matches_F():
    x = am.tensor(arr(1, 2, 7, 7))
    np.testing.assert_array_equal(
        nn.MaxPool2d(2, 1, 0, dilation=2)(x).data, F.max_pool2d(x, 2, 1, 0, 2).data
    )


def test_flatten():
    x = am.tensor(arr(2, 3, 4, 5))
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    assert nn.Flatten(-2)(x).shape == (2, 3, 20)
    np.testing.assert_array_equal(nn.Flatten()(x).data, x.data.reshape(2, 60))
    assert nn.Flatten()(am.zeros((0, 3, 4, 5))).shape == (0, 60)  # an empty batch


def test_dropout_train_and_eval():
    x = am.tensor(np.ones((200, 50)))
    drop = nn.Dropout(0.3)
    am.manual_seed(5)
    y = drop(x).data
    am.manual_seed(5)
    np.testing.assert_array_equal(y, F.dropout(x, 0.3, True).data)
    assert set(np.unique(y)) == {0.0, 1.0 / 0.7}
    assert abs((y == 0).mean() - 0.3) < 0.02
    assert drop.eval() is drop
    np.testing.assert_array_equal(drop(x).data, x.data)
    assert nn.Dropout(0.0)(x).data.all()


def test_activations_match_numpy():
    x = arr(3, 4)
    t = am.tensor(x)
    np.testing.assert_allclose(nn.Sigmoid()(t).data, 1 / (1 + np.exp(-x)), rtol=1e-12)
    np.testing.assert_allclose(nn.Tanh()(t).data, np.tanh(x), rtol=1e-12)
    np.testing.assert_array_equal(nn.ReLU()(t).data, np.maximum(x, 0))
    np.testing.assert_allclose(nn.LeakyReLU(0.2)(t).data, np.where(x > 0, x, 0.2 * x))
    np.testing.assert_allclose(nn.LeakyReLU()(t).data, np.where(x > 0, x, 0.01 * x))
    for dim in (0, 1, -1):
        e = np.exp(x - x.max(axis=dim, keepdims=True))
        np.testing.assert_allclose(nn.Softmax(dim)(t).data, e / e.sum(axis=dim, keepdims=True), rtol=1e-12)
    assert nn.Identity(3, key="ignored")(t) is t


# -- batch norm ------------------------------------------------------------------------------------


@pytest.mark.parametrize("cls, shape", [(nn.BatchNorm1d, (8, 3)), (nn.BatchNorm1d, (4, 3, 5)), (nn.BatchNorm2d, (4, 3, 2, 3))])
def test_batchnorm_training_statistics_and_running_buffers(cls, shape):
    x = 2.0 + 3.0 * arr(*shape, seed=6)
    bn = cls(3, momentum=0.2)
    bn.weight.data[...] = [1.0, 2.0, 0.5]
    bn.bias.data[...] = [0.0, -1.0, 3.0]
    out = bn(am.tensor(x)).data
    axes = (0,) + tuple(range(2, len(shape)))
    bshape = (1, 3) + (1,) * (len(shape) - 2)
    mean, var = x.mean(axis=axes), x.var(axis=axes)
    expected = (x - mean.reshape(bshape)) / np.sqrt(var.reshape(bshape) + 1e-5)
    expected = expected * bn.weight.data.reshape(bshape) + bn.bias.data.reshape(bshape)
    np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-12)
    n = x.size // 3
    np.testing.assert_allclose(bn.running_mean.data, 0.2 * mean, rtol=1e-12)
    np.testing.assert_allclose(bn.running_var.data, 0.8 + 0.2 * var * n / (n - 1), rtol=1e-12)
    assert int(bn.num_batches_tracked.data) == 1
    # Eval: the running statistics replace the batch ones, and nothing updates.
    bn.eval()
    rm, rv = bn.running_mean.data.copy(), bn.running_var.data.copy()
    ev = bn(am.tensor(x)).data
    expected = (x - rm.reshape(bshape)) / np.sqrt(rv.reshape(bshape) + 1e-5)
    expected = expected * bn.weight.data.reshape(bshape) + bn.bias.data.reshape(bshape)
    np.testing.assert_allclose(ev, expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(bn.running_mean.data, rm)
    assert int(bn.num_batches_tracked.data) == 1


def test_batchnorm_momentum_none_is_a_cumulative_average():
    bn = nn.BatchNorm1d(2, momentum=None)
    batches = [arr(5, 2, seed=s) + s for s in range(3)]
    for b in batches:
        bn(am.tensor(b))
    np.testing.assert_allclose(bn.running_mean.data, np.mean([b.mean(axis=0) for b in batches], axis=0), rtol=1e-12)
    assert int(bn.num_batches_tracked.data) == 3


def test_batchnorm_without_running_stats_or_affine():
    bn = nn.BatchNorm2d(2, affine=False, track_running_stats=False)
    assert list(bn.parameters()) == [] and bn.state_dict() == OrderedDict()
    x = arr(3, 2, 2, 2)
    bn.eval()  # still normalises with the batch statistics
    out = bn(am.tensor(x)).data
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0.0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=(0, 2, 3)), x.var(axis=(0, 2, 3)) / (x.var(axis=(0, 2, 3)) + 1e-5), rtol=1e-10)


def test_batchnorm_one_value_per_channel_raises_in_training_only():
    bn = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match=re.escape("BatchNorm1d(3): training needs more than one value per channel, got shape (1, 3)")):
        bn(am.zeros(1, 3))
    assert int(bn.num_batches_tracked.data) == 0 and not bn.running_mean.data.any()
    assert bn.eval()(am.zeros(1, 3)).shape == (1, 3)


# -- gradients through modules -----------------------------------------------------------------------


def test_every_parameter_gets_a_gradient():
    am.manual_seed(7)
    # (A bias right before batch norm would get an exactly zero gradient: the
    # normalisation subtracts it again. Each one here is followed by a nonlinearity.)
    model = nn.Sequential(
        nn.Conv2d(2, 4, 3, padding=1), nn.LeakyReLU(0.1), nn.BatchNorm2d(4), nn.MaxPool2d(2),
        nn.Conv2d(4, 4, 2, groups=2), nn.Tanh(), nn.AvgPool2d(1), nn.Flatten(), nn.Linear(4, 3),
        nn.Sigmoid(), nn.BatchNorm1d(3), nn.Linear(3, 2), nn.Softmax(1),
    )
    out = model(am.tensor(arr(3, 2, 4, 4)))
    (out * am.tensor(arr(3, 2, seed=1))).sum().backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and p.grad.shape == p.shape, name
        assert np.abs(p.grad.data).sum() > 0, name


def test_gradcheck_mlp_wrt_input_and_parameters_first_and_second_order():
    am.manual_seed(8)
    model = nn.Sequential(nn.Linear(3, 4), nn.Sigmoid(), nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 2), nn.Softmax(-1))
    weights_and_output_check(model, arr(2, 3), order2=True)


def test_gradcheck_cnn_wrt_input_and_parameters():
    am.manual_seed(9)
    model = nn.Sequential(
        nn.Conv2d(2, 3, 3, padding=1, stride=2), nn.BatchNorm2d(3), nn.LeakyReLU(0.1),
        nn.Conv2d(3, 2, 2, dilation=1), nn.AvgPool2d(2, 1, 1), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(2, 2),
    )
    weights_and_output_check(model, arr(2, 2, 5, 5, seed=2))


def test_gradcheck_batchnorm1d_in_eval_and_grouped_conv():
    am.manual_seed(10)
    bn = nn.BatchNorm1d(3)
    bn(am.tensor(arr(6, 3)))
    weights_and_output_check(bn.eval(), arr(4, 3, seed=3), order2=True)
    weights_and_output_check(nn.Conv2d(4, 2, 2, groups=2), arr(1, 4, 3, 3, seed=4))


# -- summary -----------------------------------------------------------------------------------------


def small_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.5), nn.Linear(784, 10),
    )


def test_summary_rows_and_totals_for_a_small_cnn():
    model = small_cnn()
    s = nn.summary(model, input_size=(1, 1, 28, 28))
    rows = [(r.name, r.label, r.output_shape, r.num_params) for r in s.rows]
    assert rows == [
        ("0", "Conv2d(1→8, 3×3)", (1, 8, 28, 28), 80),
        ("1", "ReLU", (1, 8, 28, 28), 0),
        ("2", "MaxPool2d(2×2)", (1, 8, 14, 14), 0),
        ("3", "Conv2d(8→16, 3×3)", (1, 16, 14, 14), 1168),
        ("4", "BatchNorm2d(16)", (1, 16, 14, 14), 32),
        ("5", "ReLU", (1, 16, 14, 14), 0),
        ("6", "MaxPool2d(2×2)", (1, 16, 7, 7), 0),
        ("7", "Flatten(start_dim=1, end_dim=-1)", (1, 784), 0),
        ("8", "Dropout(p=0.5)", (1, 784), 0),
        ("9", "Linear(784→10)", (1, 10), 7850),
    ]
    assert s.total_params == s.trainable_params == 80 + 1168 + 32 + 7850
    assert s.output_shape == (1, 10)
    text = str(s)
    assert "Total params: 9,130" in text and "Trainable params: 9,130" in text
    assert re.search(r"Conv2d\(1→8, 3×3\)\s+\(1, 8, 28, 28\)\s+80\n", text)
    assert repr(s) == text


@pytest.mark.parametrize("size", [[1, 2], np.array([1, 2])], ids=["list", "ndarray"])
def test_summary_takes_a_shape_as_a_list_or_an_array(size):
    assert "Input size: (1, 2)   Output shape: (1, 3)" in str(nn.summary(nn.Linear(2, 3), size))


def test_summary_leaves_the_model_untouched():
    model = small_cnn()
    model[4].train()
    model[8].eval()
    modes = [m.training for m in model.modules()]
    snap = _snapshot(model)
    nn.summary(model, input_size=(2, 1, 28, 28))
    assert [m.training for m in model.modules()] == modes
    _assert_unchanged(model, snap)
    assert all("forward" not in m.__dict__ for m in model.modules())
    assert all(p.grad is None for p in model.parameters())


def test_summary_of_nested_modules_and_frozen_parameters():
    net = Net()
    net.scale.requires_grad = False
    s = nn.summary(net, (4, 2))
    assert [(r.name, r.depth, r.output_shape, r.num_params) for r in s.rows] == [
        ("body", 0, (4, 3), 9), ("body.fc", 1, (4, 3), 9), ("body.act", 1, (4, 3), 0), ("head", 0, (4, 1), 4),
    ]
    assert s.total_params == 16 and s.trainable_params == 13
    assert "\n  body.fc " in str(s) and "Non-trainable params: 3" in str(s)


def test_summary_of_a_single_layer_a_reused_layer_and_an_unused_one():
    s = nn.summary(nn.Linear(3, 2), (5, 3))
    assert [(r.name, r.output_shape, r.num_params) for r in s.rows] == [("Linear", (5, 2), 8)]

    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(2, 2)
            self.unused = nn.Linear(2, 5)

        def forward(self, a, b):
            return self.lin(a) + self.lin(b)

    s = nn.summary(Twice(), [(3, 2), (3, 2)])
    assert [(r.name, r.output_shape) for r in s.rows] == [("lin", (3, 2)), ("lin", (3, 2)), ("unused", None)]
    assert s.total_params == 6 + 15
    assert "(not called)" in str(s)


def test_summary_says_which_rows_count_parameters_that_an_earlier_row_counted():
    # The Params column of a layer used twice added up to more than "Total params" with
    # nothing saying why (the total, from model.parameters(), counts them once).
    lin = nn.Linear(2, 2)
    s = nn.summary(nn.Sequential(lin, nn.Sigmoid(), lin, nn.Sigmoid()), (1, 2))
    assert [(r.name, r.num_params) for r in s.rows] == [("0", 6), ("1", 0), ("0", 6), ("3", 0)]
    assert s.total_params == s.trainable_params == 6
    text = str(s)
    assert text.endswith("Total params: 6\nTrainable params: 6\nNon-trainable params: 0\n"
                         "Shared: 0 is called 2 times (also registered as 2); its 6 params are counted once in the total")

    class TiedAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder, self.decoder = nn.Linear(3, 3), nn.Linear(3, 3)
            self.decoder.weight = self.encoder.weight

        def forward(self, x):
            return self.decoder(self.encoder(x))

    model = TiedAE()
    model.encoder.requires_grad_(False)  # (the tied weight and the encoder's bias)
    s = nn.summary(model, (1, 3))
    assert s.shared == ["decoder shares 9 params with encoder, counted once in the total"]
    assert (s.total_params, s.trainable_params) == (15, 3)
    assert str(s).endswith("Non-trainable params: 12\nShared: " + s.shared[0])

    class Siamese(nn.Module):  # a block called twice: the block is noted, not each of its layers
        def __init__(self):
            super().__init__()
            self.enc = nn.Sequential(nn.Linear(2, 3), nn.Tanh())

        def forward(self, x, y):
            return self.enc(x) - self.enc(y)

    assert nn.summary(Siamese(), [(1, 2), (1, 2)]).shared == [
        "enc is called 2 times; its 9 params are counted once in the total"]
    # nothing shared: no line (a nested layer is counted in its parent's row as always)
    assert nn.summary(Net(), (4, 2)).shared == [] and "Shared" not in str(nn.summary(Net(), (4, 2)))
    relu = nn.ReLU()  # (a layer without parameters shares none)
    assert nn.summary(nn.Sequential(relu, nn.Linear(2, 2), relu), (1, 2)).shared == []


def test_summary_bad_input():
    with pytest.raises(ValueError, match=r"summary: the forward of Sequential failed .*Conv2d\(1→8, 3×3\)"):
        nn.summary(small_cnn(), input_size=(1, 3, 28, 28))
    with pytest.raises(ValueError, match="input_size"):
        nn.summary(small_cnn(), input_size="28x28")
    with pytest.raises(TypeError, match="Module"):
        nn.summary(lambda x: x, input_size=(1, 2))


# -- errors --------------------------------------------------------------------------------------------


def test_conv2d_wrong_channels_names_the_layer_and_shape():
    conv = nn.Conv2d(3, 8, 3)
    with pytest.raises(ValueError, match=re.escape("Conv2d(3→8, 3×3): expected input with 3 channels, got shape (2, 1, 5, 5)")):
        conv(am.zeros(2, 1, 5, 5))
    with pytest.raises(ValueError, match=re.escape("Conv2d(3→8, 3×3): expected input of shape (N, C, H, W)")):
        conv(am.zeros(3, 5))


def test_input_smaller_than_kernel_names_the_layer_and_shapes():
    with pytest.raises(ValueError, match=re.escape("Conv2d(3→8, 3×3): input of shape (2, 3, 2, 5)")) as info:
        nn.Conv2d(3, 8, 3)(am.zeros(2, 3, 2, 5))
    assert "smaller than the kernel (3, 3)" in str(info.value)
    with pytest.raises(ValueError, match=re.escape("Conv2d(1→1, 2×2): input of shape (1, 1, 3, 3)")) as info:
        nn.Conv2d(1, 1, 2, dilation=3)(am.zeros(1, 1, 3, 3))
    assert "spans (4, 4)" in str(info.value)
    nn.Conv2d(1, 1, 3, padding=1)(am.zeros(1, 1, 1, 1))  # padding makes it fit
    with pytest.raises(ValueError, match=re.escape("MaxPool2d(3×3): input of shape (1, 2, 2, 2)")):
        nn.MaxPool2d(3)(am.zeros(1, 2, 2, 2))
    with pytest.raises(ValueError, match=re.escape("AvgPool2d(2×2): input of shape (1, 2, 1, 4)")):
        nn.AvgPool2d(2)(am.zeros(1, 2, 1, 4))


def test_linear_wrong_last_dimension():
    message = "Linear(2→3): expected input with last dimension 2, got shape (4, 5)"
    with pytest.raises(ValueError, match=re.escape(message)):
        nn.Linear(2, 3)(am.zeros(4, 5))
    with pytest.raises(ValueError, match=re.escape("got shape ()")):
        nn.Linear(2, 3)(am.tensor(1.0))


def test_batchnorm_wrong_shape():
    with pytest.raises(ValueError, match=re.escape("BatchNorm2d(4): expected input of shape (N, C, H, W) with C=4, got shape (2, 3, 5, 5)")):
        nn.BatchNorm2d(4)(am.zeros(2, 3, 5, 5))
    with pytest.raises(ValueError, match=re.escape("BatchNorm1d(4): expected input of shape (N, C) or (N, C, L)")):
        nn.BatchNorm1d(4)(am.zeros(2, 4, 5, 5))


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: nn.Conv2d(3, 8, 3, groups=2), "groups=2 must divide in_channels=3"),
        (lambda: nn.Conv2d(2, 4, 0), "kernel_size must be at least 1"),
        (lambda: nn.Conv2d(2, 4, 3, padding="full"), "padding must be an int, a pair, 'valid' or 'same'"),
        (lambda: nn.Conv2d(2, 4, 3, stride=2, padding="same"), "padding='same' needs stride 1"),
        (lambda: nn.Conv2d(2, 4, 3, padding=-1), "padding must be at least 0"),
        (lambda: nn.MaxPool2d(2, padding=2), "padding must be between 0 and half the kernel size"),
        (lambda: nn.AvgPool2d(2, stride=0), "stride must be at least 1"),
        (lambda: nn.Dropout(1.5), r"p must be in \[0, 1\]"),
        (lambda: nn.BatchNorm1d(0), "num_features must be at least 1, got 0"),
        (lambda: nn.BatchNorm1d(3, momentum=2.0), "momentum must be in"),
        (lambda: nn.Linear(-1, 2), "in_features must be at least 0, got -1"),
    ],
)
def test_bad_constructor_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_kernel_size_of_the_wrong_form_is_a_type_error():
    with pytest.raises(TypeError, match=re.escape("Conv2d(2→4): kernel_size must be an int or a pair of ints")):
        nn.Conv2d(2, 4, (3, 3, 3))


def test_avg_pool_takes_its_arguments_in_pytorchs_order():
    # PyTorch's fourth argument is ceil_mode and its fifth count_include_pad: so here
    # (before ceil_mode existed, AvgPool2d(3, 2, 1, False) was refused, not misread)
    m = nn.AvgPool2d(3, 2, 1, True, False)
    assert (m.ceil_mode, m.count_include_pad) == (True, False)
    assert "count_include_pad=False" in repr(nn.AvgPool2d(3, 2, 1, count_include_pad=False))
    assert nn.AvgPool2d(3, 2, 1, False, True, 4).divisor_override == 4  # (the sixth: divisor_override)
    with pytest.raises(TypeError, match=r"AvgPool2d\.__init__\(\) takes .* positional arguments but 8 were given"):
        nn.AvgPool2d(3, 2, 1, False, True, 4, 5)


def test_softmax_of_a_number_is_one():
    np.testing.assert_array_equal(nn.Softmax()(am.tensor(2.0)).data, 1.0)
    np.testing.assert_array_equal(nn.Softmax(0)(am.tensor(2.0)).data, 1.0)


def test_flatten_and_softmax_bad_dims():
    with pytest.raises(ValueError, match=re.escape("Flatten(start_dim=3, end_dim=-1): dimensions out of range for input of shape (2, 3)")):
        nn.Flatten(3)(am.zeros(2, 3))
    with pytest.raises(ValueError, match=re.escape("Softmax(dim=2): dim 2 out of range for input of shape (2, 3)")):
        nn.Softmax(2)(am.zeros(2, 3))


# -- found by a review ----------------------------------------------------------------


def test_sequential_slice_then_append_keeps_all_modules():
    s = nn.Sequential(nn.ReLU(), nn.Tanh(), nn.Sigmoid())[1:]
    s.append(nn.Identity())
    assert len(s) == 3
    assert isinstance(s[1], nn.Sigmoid)


# -- found by a review ----------------------------------------------------------------


def test_summary_non_tensor_output_is_not_a_tuple_of_dash():
    class DictOut(nn.Module):
        def __init__(self):
            super().__init__()
            self.l = nn.Linear(2, 2)

        def forward(self, x):
            return {"out": self.l(x)}

    text = str(nn.summary(DictOut(), (1, 2)))
    assert "('-',)" not in text, text


def test_summary_takes_an_ndarray_input_size():
    net = nn.Sequential(nn.Linear(2, 3))
    assert nn.summary(net, np.array([1, 2])).output_shape == (1, 3)


def test_zero_grad_with_zeros_leaves_a_frozen_parameters_none_alone():
    am.manual_seed(0)
    m = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
    for p in m[0].parameters():
        p.requires_grad_(False)
    opt = am.optim.AdamW(m.parameters(), lr=0.1, weight_decay=0.1)
    w0 = m[0].weight.data.copy()
    for _ in range(3):
        m.zero_grad(set_to_none=False)
        m(am.ones(2)).sum().backward()
        opt.step()
    assert m[0].weight.grad is None  # so AdamW's decay skips it
    np.testing.assert_array_equal(m[0].weight.data, w0)
    m.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(m[1].weight.grad.data, np.zeros((1, 2)))


# -- wrongly typed constructor arguments: refused with the layer's name, never truncated -------


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda: nn.Linear(2.5, 2), TypeError, "Linear: in_features must be an int, got 2.5"),
        (lambda: nn.Linear("a", 2), TypeError, "Linear: in_features must be an int, got 'a'"),
        (lambda: nn.Linear(2, True), TypeError, "Linear: out_features must be an int, got True"),
        (lambda: nn.Linear(2, -3), ValueError, "Linear: out_features must be at least 0, got -3"),
        (lambda: nn.Conv2d(3, -1, 3), ValueError, "Conv2d(3→-1): out_channels must be at least 0, got -1"),
        (lambda: nn.Conv2d("3", 4, 3), TypeError, "Conv2d(3→4): in_channels must be an int, got '3'"),
        (lambda: nn.Conv2d(4, 4, 3, groups=2.0), TypeError, "Conv2d(4→4): groups must be an int, got 2.0"),
        (lambda: nn.Conv2d(4, 4, 3, groups=0), ValueError, "Conv2d(4→4): groups must be at least 1, got 0"),
        (lambda: nn.BatchNorm1d(2.5), TypeError, "BatchNorm1d(2.5): num_features must be an int, got 2.5"),
        (lambda: nn.BatchNorm2d(-2), ValueError, "BatchNorm2d(-2): num_features must be at least 1, got -2"),
        (lambda: nn.BatchNorm1d(3, eps="a"), TypeError, "BatchNorm1d(3): eps must be a real number, got 'a'"),
        (lambda: nn.BatchNorm1d(3, momentum="a"), TypeError,
         "BatchNorm1d(3): momentum must be a real number, got 'a'"),
        (lambda: nn.BatchNorm1d(3, dtype=int), TypeError, "BatchNorm1d(3): dtype must be a floating dtype, got int64"),
        (lambda: nn.Dropout("a"), TypeError, "Dropout: p must be a real number, got 'a'"),
        (lambda: nn.Dropout(None), TypeError, "Dropout: p must be a real number, got None"),
        (lambda: nn.LeakyReLU("a"), TypeError, "LeakyReLU: negative_slope must be a real number, got 'a'"),
        (lambda: nn.Softmax("a"), TypeError, "Softmax: dim must be an int, got 'a'"),
        (lambda: nn.Softmax(1.5), TypeError, "Softmax: dim must be an int, got 1.5"),
        (lambda: nn.Flatten("a"), TypeError, "Flatten: start_dim must be an int, got 'a'"),
        (lambda: nn.Flatten(1.5), TypeError, "Flatten: start_dim must be an int, got 1.5"),
        (lambda: nn.Flatten(1, -1.0), TypeError, "Flatten: end_dim must be an int, got -1.0"),
    ],
)
def test_wrongly_typed_constructor_arguments_name_the_layer(make, error, message):
    with pytest.raises(error, match=re.escape(message)):
        make()


def test_constructor_ints_may_be_numpy_ints():
    assert nn.Linear(np.int64(2), np.int32(3)).weight.shape == (3, 2)
    assert nn.Conv2d(np.int64(4), 4, 3, groups=np.int64(2)).weight.shape == (4, 2, 3, 3)
    assert nn.Softmax(np.int64(0)).dim == 0 and isinstance(nn.Softmax(np.int64(0)).dim, int)
    assert nn.Dropout(np.float32(0.25)).p == 0.25 and nn.LeakyReLU(1).negative_slope == 1.0


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: nn.Linear(2, 3, bias="no"), "Linear: bias must be True or False, got 'no'"),
        (lambda: nn.Conv2d(2, 4, 3, bias=None), "Conv2d(2→4): bias must be True or False, got None"),
        (lambda: nn.BatchNorm1d(3, affine="no"), "BatchNorm1d(3): affine must be True or False, got 'no'"),
        (lambda: nn.BatchNorm2d(3, track_running_stats=0),
         "BatchNorm2d(3): track_running_stats must be True or False, got 0"),
        (lambda: nn.AvgPool2d(2, count_include_pad="no"), "AvgPool2d: count_include_pad must be True or False, got 'no'"),
    ],
)
def test_layer_flags_refuse_non_bools(make, message):
    with pytest.raises(TypeError, match=re.escape(message)):
        make()
    assert nn.Linear(2, 3, bias=np.bool_(False)).bias is None


# -- found by a mutation test of the Module API ----------------------------------------------


def test_removing_a_buffer_or_a_child_unregisters_it():
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter([1.0])
            self.register_buffer("a", am.zeros(1))
            self.register_buffer("b", am.zeros(1))
            self.register_buffer("c", am.zeros(1))
            self.sub = nn.Linear(1, 1)
            self.add_module("other", nn.Linear(1, 1))

    m = M()
    assert list(m.state_dict()) == ["w", "a", "b", "c", "sub.weight", "sub.bias", "other.weight", "other.bias"]
    m.register_buffer("a", None)
    m.b = None
    del m.c
    del m.sub
    m.add_module("other", None)
    assert list(m.state_dict()) == ["w"]
    assert list(m.buffers()) == [] and list(m.children()) == [] and len(list(m.parameters())) == 1
    assert m.a is None and m.b is None and m.other is None
    m.register_parameter("w", None)
    assert list(m.state_dict()) == [] and m.w is None
    with pytest.raises(ValueError, match="name must be a non-empty string without '.'"):
        m.register_buffer("x.y", am.zeros(1))
    with pytest.raises(TypeError, match="must be a Parameter or None"):
        m.register_parameter("p", am.zeros(1))
    with pytest.raises(TypeError, match="must be a Module, got Tensor"):
        m.add_module("s", am.zeros(1))


def test_to_drops_gradients_of_the_old_dtype():
    model = nn.Linear(2, 1)
    model(am.ones(3, 2)).sum().backward()
    assert model.weight.grad is not None
    model.to(np.float32)
    assert model.weight.grad is None and model.bias.grad is None
    model(am.ones(3, 2, dtype=np.float32)).sum().backward()
    assert model.weight.grad.dtype == np.float32


def test_a_parameter_tied_between_two_modules_is_listed_once():
    enc, dec = nn.Linear(3, 3), nn.Linear(3, 3)
    dec.weight = enc.weight  # (weight tying)
    model = nn.Sequential(enc, nn.Tanh(), dec)
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias", "2.bias"]
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    opt = am.optim.SGD(model.parameters(), lr=0.1)  # (would refuse a parameter listed twice)
    model(am.ones(1, 3)).sum().backward()
    opt.step()
    assert dec.weight is enc.weight


@pytest.fixture
def default_float32():
    before = am.get_default_dtype()
    am.set_default_dtype(np.float32)
    yield
    am.set_default_dtype(before)


def test_parameter_of_ints_takes_the_default_dtype(default_float32):
    assert nn.Parameter([1, 2]).dtype == np.float32
    assert nn.Parameter(np.array([True])).dtype == np.float32
    assert nn.Parameter().shape == (0,) and nn.Parameter().dtype == np.float32


def test_summary_of_a_layer_with_several_outputs():
    class Split(nn.Module):
        def forward(self, x):
            return x[:, :1], x[:, 1:]

    class TwoHeads(nn.Module):
        def __init__(self):
            super().__init__()
            self.split = Split()
            self.fc = nn.Linear(2, 1)

        def forward(self, x):
            a, b = self.split(x)
            return self.fc(b), a

    s = nn.summary(TwoHeads(), (4, 3))
    assert [(r.name, r.output_shape, r.num_params) for r in s.rows] == [
        ("split", [(4, 1), (4, 2)], 0), ("fc", (4, 1), 3)]
    assert s.output_shape == [(4, 1), (4, 1)]
    text = str(s)
    assert re.search(r"split\s+Split\s+\(4, 1\), \(4, 2\)\s+0\n", text)
    assert "Output shape: (4, 1), (4, 1)" in text


def test_summary_keeps_a_forward_set_on_an_instance():
    lin = nn.Linear(2, 2)
    own = lambda x: nn.Linear.forward(lin, x) * 2  # noqa: E731   (an instance's own forward)
    lin.forward = own
    model = nn.Sequential(lin, nn.ReLU())
    assert [r.output_shape for r in nn.summary(model, (1, 2)).rows] == [(1, 2), (1, 2)]
    assert lin.__dict__["forward"] is own and "forward" not in model[1].__dict__


def test_registering_under_the_name_of_a_method_or_another_attribute_is_refused():
    # A child named "forward" would replace the Sequential's forward: the model would
    # silently compute that child alone. A buffer "training" would replace the mode flag.
    with pytest.raises(ValueError, match="add_module: Sequential already has an attribute 'forward'"):
        nn.Sequential(OrderedDict([("fc", nn.Linear(2, 3)), ("forward", nn.ReLU())]))
    lin = nn.Linear(2, 2)
    refused = [
        lambda: lin.register_buffer("training", am.zeros(1)),
        lambda: lin.register_buffer("eval", am.zeros(1)),
        lambda: lin.register_parameter("parameters", nn.Parameter([1.0])),
        lambda: lin.add_module("weight", nn.ReLU()),  # (a parameter's name)
        lambda: lin.register_parameter("state_dict", None),
    ]
    for register in refused:
        with pytest.raises(ValueError, match="already has an attribute"):
            register()
    assert lin.training is True and list(lin.state_dict()) == ["weight", "bias"]
    assert lin(am.ones(1, 2)).shape == (1, 2)
    # re-registering under its own name, or after removing it, is still fine
    lin.register_buffer("stat", am.zeros(1))
    lin.register_buffer("stat", am.ones(1))
    lin.register_buffer("stat", None)
    lin.register_buffer("stat", am.ones(2))
    lin.register_parameter("bias", None)
    lin.register_parameter("bias", nn.Parameter([0.0, 0.0]))
    lin.add_module("act", nn.ReLU())
    lin.add_module("act", nn.Tanh())
    assert list(lin.state_dict()) == ["weight", "bias", "stat"] and isinstance(lin.act, nn.Tanh)


def test_registering_before_module_init_says_to_call_it_first():
    # (register_parameter and add_module go through __setattr__, which says so; the
    # check for names already in use must not get there first with a bare AttributeError)
    class Early(nn.Module):
        def __init__(self, register):
            register(self)
            super().__init__()

    for register in (lambda m: m.register_parameter("w", nn.Parameter([1.0])),
                     lambda m: m.add_module("fc", nn.Linear(1, 1))):
        with pytest.raises(AttributeError, match=r"before Module.__init__\(\) ran; call super"):
            Early(register)


def test_registering_under_the_name_of_a_registry_is_refused():
    # (Module.__init__'s own attributes, as 'training': a buffer '_buffers' would replace
    # the dict of buffers, and the module would fail later, far from the cause)
    lin = nn.Linear(2, 2)
    for register in (lambda: lin.register_buffer("_buffers", am.zeros(1)),
                     lambda: lin.register_parameter("_modules", nn.Parameter([1.0])),
                     lambda: lin.add_module("_parameters", nn.ReLU())):
        with pytest.raises(ValueError, match="already has an attribute '_"):
            register()
    assert list(lin.state_dict()) == ["weight", "bias"] and list(lin.children()) == []


# -- every layer's forward, by name --------------------------------------------------------------
#
# Each layer exported by nn, gradient-checked first and second order in float64 with
# respect to its input and every parameter, on two input shapes (the layers add
# argument handling and parameter routing of their own to the F functions they call).
# The meta-test fails when an exported layer has no entry.


def _bn_eval(layer):
    rest = {nn.BatchNorm1d: [3], nn.BatchNorm3d: [3, 2, 1, 2]}.get(type(layer), [3, 2, 2])
    layer(am.tensor(arr(6, *rest, seed=5)))
    return layer.eval()


_LAYERS = {
    "Linear": (lambda: nn.Linear(4, 3), [(4,), (2, 4)]),
    "Conv2d": (lambda: nn.Conv2d(2, 2, (2, 3), stride=(2, 1), padding=1, dilation=(1, 2)),
               [(1, 2, 4, 5), (2, 5, 5)]),
    "Conv2d groups": (lambda: nn.Conv2d(4, 2, 2, groups=2, padding="same"), [(1, 4, 3, 3), (4, 3, 4)]),
    "ConvTranspose2d": (lambda: nn.ConvTranspose2d(2, 4, (2, 3), stride=(2, 1), padding=(1, 0), output_padding=(1, 0),
                                                   groups=2, dilation=(1, 2)), [(1, 2, 3, 2), (2, 2, 3)]),
    "Conv1d": (lambda: nn.Conv1d(2, 2, 3, stride=2, padding=1, dilation=2), [(1, 2, 6), (2, 5)]),
    "Conv1d same replicate": (lambda: nn.Conv1d(2, 2, 2, padding="same", padding_mode="replicate"), [(1, 2, 4)]),
    "MaxPool2d": (lambda: nn.MaxPool2d(2), [(1, 2, 4, 4), (2, 5, 3)]),
    "MaxPool2d strided": (lambda: nn.MaxPool2d(3, 2, 1, dilation=(1, 2)), [(1, 1, 5, 7), (2, 4, 6)]),
    "AvgPool2d": (lambda: nn.AvgPool2d(2), [(1, 2, 4, 4), (2, 5, 3)]),
    "AvgPool2d strided": (lambda: nn.AvgPool2d(3, 2, 1, count_include_pad=False), [(1, 1, 5, 5), (2, 4, 6)]),
    "MaxPool2d ceil_mode": (lambda: nn.MaxPool2d(3, 2, 1, ceil_mode=True), [(1, 1, 6, 5), (2, 4, 6)]),
    "AvgPool2d ceil_mode": (lambda: nn.AvgPool2d(2, ceil_mode=True), [(1, 2, 5, 5), (2, 4, 3)]),
    "AdaptiveAvgPool2d": (lambda: nn.AdaptiveAvgPool2d((2, 3)), [(1, 2, 5, 7), (2, 3, 4)]),
    "AdaptiveAvgPool2d global": (lambda: nn.AdaptiveAvgPool2d(1), [(2, 2, 3, 3), (2, 3, 4)]),
    "AdaptiveMaxPool2d": (lambda: nn.AdaptiveMaxPool2d((3, None)), [(1, 2, 5, 4), (2, 4, 3)]),
    "Conv2d reflect": (lambda: nn.Conv2d(2, 2, 3, padding=(1, 2), padding_mode="reflect"), [(1, 2, 4, 5), (2, 3, 4)]),
    "Conv2d circular": (lambda: nn.Conv2d(2, 2, 3, padding="same", padding_mode="circular"), [(1, 2, 3, 4)]),
    "Conv2d replicate": (lambda: nn.Conv2d(2, 2, 2, stride=2, padding=1, padding_mode="replicate"), [(1, 2, 3, 3)]),
    "Flatten": (lambda: nn.Flatten(), [(2, 3), (2, 3, 2)]),
    "Dropout": (lambda: nn.Dropout(0.4), [(5,), (2, 3)]),
    "Dropout in eval": (lambda: nn.Dropout(0.4).eval(), [(5,), (2, 3)]),
    "BatchNorm1d": (lambda: nn.BatchNorm1d(3), [(4, 3), (3, 3, 2)]),
    "BatchNorm1d in eval": (lambda: _bn_eval(nn.BatchNorm1d(3)), [(4, 3), (2, 3)]),
    "BatchNorm2d": (lambda: nn.BatchNorm2d(3), [(2, 3, 2, 2), (3, 3, 1, 2)]),
    "BatchNorm2d in eval": (lambda: _bn_eval(nn.BatchNorm2d(3)), [(1, 3, 2, 2), (2, 3, 1, 3)]),
    "Identity": (lambda: nn.Identity(7, key=1), [(3,), (2, 3)]),
    "Sigmoid": (lambda: nn.Sigmoid(), [(3,), (2, 3)]),
    "Tanh": (lambda: nn.Tanh(), [(3,), (2, 3)]),
    "ReLU": (lambda: nn.ReLU(), [(3,), (2, 3)]),
    "LeakyReLU": (lambda: nn.LeakyReLU(0.2), [(3,), (2, 3)]),
    "Softplus": (lambda: nn.Softplus(2.0), [(3,), (2, 3)]),
    "Softmax": (lambda: nn.Softmax(0), [(3,), (2, 3)]),
    "SiLU": (lambda: nn.SiLU(), [(3,), (2, 3)]),
    "GELU": (lambda: nn.GELU(), [(3,), (2, 3)]),
    "GELU tanh": (lambda: nn.GELU("tanh"), [(3,), (2, 3)]),
    "LayerNorm": (lambda: nn.LayerNorm(3), [(3,), (2, 3)]),
    "LayerNorm 2-D": (lambda: nn.LayerNorm((2, 3)), [(2, 3), (2, 2, 3)]),
    "Sequential": (lambda: nn.Sequential(nn.Linear(3, 2), nn.Tanh(), nn.Linear(2, 2)), [(3,), (2, 3)]),
    # (tests/test_layers_more.py checks these further: values, limits, errors, reprs)
    "ELU": (lambda: nn.ELU(0.7), [(3,), (2, 3)]),
    "SELU": (lambda: nn.SELU(), [(3,), (2, 3)]),
    "CELU": (lambda: nn.CELU(1.5), [(3,), (2, 3)]),
    "PReLU": (lambda: nn.PReLU(3, init=0.1), [(2, 3), (2, 3, 2)]),
    "ReLU6": (lambda: nn.ReLU6(), [(3,), (2, 3)]),
    "Hardtanh": (lambda: nn.Hardtanh(-0.5, 0.8), [(3,), (2, 3)]),
    "Hardsigmoid": (lambda: nn.Hardsigmoid(), [(3,), (2, 3)]),
    "Hardswish": (lambda: nn.Hardswish(), [(3,), (2, 3)]),
    "Mish": (lambda: nn.Mish(), [(3,), (2, 3)]),
    "Softsign": (lambda: nn.Softsign(), [(3,), (2, 3)]),
    "LogSigmoid": (lambda: nn.LogSigmoid(), [(3,), (2, 3)]),
    "Tanhshrink": (lambda: nn.Tanhshrink(), [(3,), (2, 3)]),
    "Threshold": (lambda: nn.Threshold(0.1, 2.0), [(3,), (2, 3)]),
    # (tests/test_misc_layers.py checks these further, and Bilinear, which takes two inputs)
    "Hardshrink": (lambda: nn.Hardshrink(0.3), [(3,), (2, 3)]),
    "Softshrink": (lambda: nn.Softshrink(0.3), [(3,), (2, 3)]),
    "RReLU": (lambda: nn.RReLU(0.1, 0.3), [(3,), (2, 3)]),
    "RReLU in eval": (lambda: nn.RReLU().eval(), [(3,), (2, 3)]),
    "AlphaDropout": (lambda: nn.AlphaDropout(0.4), [(5,), (2, 3)]),
    "FeatureAlphaDropout": (lambda: nn.FeatureAlphaDropout(0.4), [(2, 3), (2, 3, 2)]),
    "Softmax2d": (lambda: nn.Softmax2d(), [(1, 3, 2, 2), (3, 2, 1)]),
    "LocalResponseNorm": (lambda: nn.LocalResponseNorm(3, 0.5), [(2, 4, 3), (1, 3, 2, 2)]),
    "LPPool2d": (lambda: nn.LPPool2d(2, 2, 1), [(1, 2, 3, 3), (2, 3, 4)]),
    "GLU": (lambda: nn.GLU(), [(4,), (2, 6)]),
    "LogSoftmax": (lambda: nn.LogSoftmax(-1), [(3,), (2, 3)]),
    "Softmin": (lambda: nn.Softmin(0), [(3,), (2, 3)]),
    "GroupNorm": (lambda: nn.GroupNorm(2, 4), [(2, 4), (2, 4, 3)]),
    "InstanceNorm2d": (lambda: nn.InstanceNorm2d(2, affine=True), [(2, 2, 2, 3), (2, 3, 2)]),
    "InstanceNorm1d": (lambda: nn.InstanceNorm1d(2, affine=True), [(2, 2, 3), (2, 4)]),
    "Upsample": (lambda: nn.Upsample(size=(3, 5), mode="bilinear"), [(1, 2, 2, 3)]),
    "Upsample nearest": (lambda: nn.Upsample(scale_factor=1.5), [(1, 2, 2, 3), (1, 1, 5)]),
    "Unflatten": (lambda: nn.Unflatten(1, (2, 3)), [(2, 6)]),
    "Dropout2d": (lambda: nn.Dropout2d(0.4), [(2, 3, 2, 2)]),
    "ZeroPad2d": (lambda: nn.ZeroPad2d((1, 0, 2, 1)), [(1, 2, 2, 3), (2, 2, 2)]),
    "ConstantPad2d": (lambda: nn.ConstantPad2d(1, 0.5), [(1, 2, 2, 3)]),
    "PixelShuffle": (lambda: nn.PixelShuffle(2), [(1, 4, 2, 3), (8, 1, 2)]),
    "PixelUnshuffle": (lambda: nn.PixelUnshuffle(2), [(1, 1, 2, 4), (2, 4, 2)]),
    "ChannelShuffle": (lambda: nn.ChannelShuffle(2), [(1, 4, 2, 3), (2, 6, 3)]),
    "Unfold": (lambda: nn.Unfold((2, 3), padding=1, stride=(2, 1)), [(1, 2, 3, 3), (2, 2, 4)]),
    "Fold": (lambda: nn.Fold((3, 4), 2, dilation=(1, 2)), [(1, 8, 4), (4, 4)]),
    "MaxPool1d": (lambda: nn.MaxPool1d(3, 2, 1, ceil_mode=True), [(2, 3, 6), (2, 5)]),
    "AvgPool1d": (lambda: nn.AvgPool1d(3, 2, 1, count_include_pad=False), [(2, 3, 6), (2, 5)]),
    "AdaptiveAvgPool1d": (lambda: nn.AdaptiveAvgPool1d(3), [(2, 3, 5), (2, 4)]),
    "AdaptiveMaxPool1d": (lambda: nn.AdaptiveMaxPool1d(3), [(2, 3, 5), (2, 4)]),
    "ConvTranspose1d": (lambda: nn.ConvTranspose1d(2, 4, 3, stride=2, padding=1, output_padding=1, groups=2),
                        [(1, 2, 4), (2, 3)]),
    "Dropout1d": (lambda: nn.Dropout1d(0.4), [(3, 4, 2), (4, 3)]),
    # (tests/test_three_d.py checks these further: loops, indices, errors, reprs, am.compile)
    "Conv3d": (lambda: nn.Conv3d(2, 2, (2, 1, 2), stride=(1, 2, 1), padding=(1, 0, 0), dilation=(1, 1, 2)),
               [(1, 2, 2, 3, 3), (2, 2, 2, 3)]),
    "Conv3d groups same": (lambda: nn.Conv3d(4, 2, 2, groups=2, padding="same"), [(1, 4, 2, 2, 2)]),
    "MaxPool3d": (lambda: nn.MaxPool3d(2, 1, 1, ceil_mode=True), [(1, 2, 2, 3, 2), (2, 3, 2, 2)]),
    "AvgPool3d": (lambda: nn.AvgPool3d(2, 1, 1, count_include_pad=False), [(1, 2, 2, 3, 2), (2, 3, 2, 2)]),
    "AdaptiveAvgPool3d": (lambda: nn.AdaptiveAvgPool3d((2, None, 2)), [(1, 2, 3, 2, 3), (2, 2, 2, 3)]),
    "BatchNorm3d": (lambda: nn.BatchNorm3d(2), [(2, 2, 2, 1, 2)]),
    "BatchNorm3d in eval": (lambda: _bn_eval(nn.BatchNorm3d(3)), [(1, 3, 2, 1, 2)]),
    "Dropout3d": (lambda: nn.Dropout3d(0.4), [(3, 4, 1, 2, 1), (4, 2, 1, 2)]),
    # (tests/test_three_d_more.py checks these further)
    "ConvTranspose3d": (lambda: nn.ConvTranspose3d(2, 4, (2, 1, 2), stride=(2, 1, 1), padding=(0, 0, 1),
                                                   output_padding=(1, 0, 0), groups=2, dilation=(1, 1, 2)),
                        [(1, 2, 2, 2, 2), (2, 1, 3, 2)]),
    "AdaptiveMaxPool3d": (lambda: nn.AdaptiveMaxPool3d((2, None, 2)), [(1, 2, 3, 2, 3), (2, 2, 2, 3)]),
    "InstanceNorm3d": (lambda: nn.InstanceNorm3d(2, affine=True), [(2, 2, 2, 1, 3), (2, 3, 1, 2)]),
    "Upsample trilinear": (lambda: nn.Upsample(size=(3, 2, 3), mode="trilinear"), [(1, 2, 2, 3, 2)]),
}


def test_every_exported_layer_has_a_gradient_check():
    # (ModuleList and ModuleDict have no forward: test_containers.py trains through them)
    # (Embedding and EmbeddingBag take integer indices (EmbeddingBag: test_embedding_bag.py) and the losses two inputs: test_nn_extras.py checks them)
    # (the recurrent layers return tuples and take states: test_rnn.py checks them, every output)
    # (ParameterList/Dict have no forward, and MultiheadAttention takes three inputs and returns
    # a tuple: test_attention_hooks.py checks them; the Transformer layers take masks and
    # the decoders two inputs: test_transformer.py checks them; MaxUnpool2d takes indices:
    # test_pool_more.py checks it, MaxUnpool1d test_one_d.py, MaxUnpool3d test_three_d_more.py; Bilinear, CosineSimilarity
    # and PairwiseDistance take two inputs: test_misc_layers.py and test_losses_more.py check them)
    recurrent = ("RNNCell", "LSTMCell", "GRUCell", "RNN", "LSTM", "GRU", "MultiheadAttention",
                 "TransformerEncoderLayer", "TransformerEncoder", "TransformerDecoderLayer",
                 "TransformerDecoder", "Transformer", "MaxUnpool2d", "MaxUnpool1d", "MaxUnpool3d", "Bilinear",
                 "CosineSimilarity", "PairwiseDistance")
    layers = {n for n in nn.__all__ if isinstance(getattr(nn, n), type)
              and issubclass(getattr(nn, n), nn.Module)
              and n not in ("Module", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict")
              and n not in ("Embedding", "EmbeddingBag") and not n.endswith("Loss") and n not in recurrent}
    missing = sorted(layers - {name.split()[0] for name in _LAYERS})
    assert not missing, f"layers without an entry in _LAYERS: {missing}"


@pytest.mark.parametrize("name", sorted(_LAYERS))
def test_every_layer_first_and_second_order_wrt_input_and_parameters(name):
    make, shapes = _LAYERS[name]
    for k, shape in enumerate(shapes):
        am.manual_seed(k)
        model = make()
        x = arr(*shape, seed=30 + k)
        if "ReLU" in name:
            x = x + np.sign(x) * 0.1  # (away from the kink)
        params = [p.data.copy() for p in model.parameters()]

        def f(xx, *ps):
            am.manual_seed(3)  # (Dropout: the same mask at every evaluation)
            return call_with(model, ps, xx)

        assert am.gradcheck(f, (x, *params))
        assert am.gradgradcheck(f, (x, *params))


def test_assigning_a_parameter_or_a_module_moves_the_name_to_its_registry():
    m = nn.Module()
    m.register_buffer("stat", am.zeros(2))
    m.stat = nn.Parameter(np.ones(2))  # a buffer name taken over by a parameter
    assert [n for n, _ in m.named_buffers()] == []
    assert [n for n, _ in m.named_parameters()] == ["stat"]
    m.stat = nn.Linear(1, 1)  # and the parameter's name by a child module
    assert [n for n, _ in m.named_parameters()] == ["stat.weight", "stat.bias"]
    assert [n for n, _ in m.named_children()] == ["stat"]
    assert list(m.state_dict()) == ["stat.weight", "stat.bias"]


def test_a_registered_name_that_shadows_a_class_default_can_be_registered_again():
    # (a class-level default such as `bias = None`, replaced by a parameter in __init__:
    # the name is then the parameter's own, and re-registering or removing it is allowed)
    class WithDefault(nn.Module):
        bias = None

        def __init__(self):
            super().__init__()
            self.bias = nn.Parameter([1.0])

    m = WithDefault()
    m.register_parameter("bias", nn.Parameter([2.0]))
    assert m.bias.data.tolist() == [2.0]
    m.register_parameter("bias", None)
    assert list(m.named_parameters()) == []


def test_repr_of_a_module_with_children_shows_its_extra_repr_first():
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 3)

        def extra_repr(self):
            return "scale=2"

    assert repr(Block()).splitlines() == [
        "Block(",
        "  scale=2",
        "  (fc): Linear(in_features=2, out_features=3, bias=True)  # weight (3, 2), bias (3,)",
        ")",
    ]


def test_sequential_negative_indices_reach_the_first_module_and_no_further():
    mods = [nn.ReLU(), nn.Tanh(), nn.Sigmoid()]
    seq = nn.Sequential(*mods)
    assert seq[-3] is mods[0] and seq[-1] is mods[2] and seq[2] is mods[2]
    for bad in (-4, 3):
        with pytest.raises(IndexError, match=f"index {bad} out of range for 3 modules"):
            seq[bad]


def test_conv2d_groups_must_divide_the_output_channels_too():
    with pytest.raises(ValueError, match="groups=2 must divide in_channels=2 and out_channels=3"):
        nn.Conv2d(2, 3, 1, groups=2)


def test_conv2d_extra_repr_leaves_out_default_padding_only():
    assert nn.Conv2d(1, 2, 3, padding="valid").extra_repr() == "1, 2, kernel_size=(3, 3), stride=(1, 1)"
    assert nn.Conv2d(1, 2, 3, padding=0).extra_repr() == "1, 2, kernel_size=(3, 3), stride=(1, 1)"
    assert nn.Conv2d(1, 2, 3, padding="same").extra_repr().endswith(", padding='same'")


def test_flatten_of_a_number_takes_dims_0_and_minus_1_as_pytorch():
    # torch.nn.Flatten(0)(torch.tensor(2.)) is tensor([2.]); its default start_dim=1 is out of range
    for layer in (nn.Flatten(0), nn.Flatten(-1, 0), nn.Flatten(0, 0)):
        np.testing.assert_array_equal(layer(am.tensor(2.0)).data, [2.0])
    with pytest.raises(ValueError, match=re.escape("Flatten(start_dim=1, end_dim=-1): dimensions out of range "
                                                   "for input of shape ()")):
        nn.Flatten()(am.tensor(2.0))


def test_flatten_checks_end_dim_against_the_input_too():
    with pytest.raises(ValueError, match=r"^Flatten\(start_dim=0, end_dim=5\): dimensions out of range "
                                         r"for input of shape \(2, 3\)$"):
        nn.Flatten(0, 5)(am.ones(2, 3))


def test_batchnorm_refuses_a_zero_eps():
    with pytest.raises(ValueError, match=r"eps must be a finite positive number, got 0"):
        nn.BatchNorm1d(3, eps=0)


@pytest.mark.parametrize("eps", [math.nan, math.inf])
def test_batchnorm_refuses_a_nan_or_infinite_eps(eps):
    # (NaN passed the "eps <= 0" check and made every output NaN)
    with pytest.raises(ValueError, match=r"^BatchNorm2d\(3\): eps must be a finite positive number"):
        nn.BatchNorm2d(3, eps=eps)


@pytest.mark.parametrize("attr, value", [("momentum", math.nan), ("momentum", 2.0), ("eps", -1.0),
                                         ("eps", math.nan), ("training", "no")])
def test_batchnorm_with_a_bad_setting_assigned_later_fails_before_its_buffers_change(attr, value):
    bn = nn.BatchNorm1d(3)
    bn(am.randn(4, 3))
    before = {k: v.copy() for k, v in bn.state_dict().items()}
    setattr(bn, attr, value)
    with pytest.raises((ValueError, TypeError), match=r"^batch_norm: "):
        bn(am.randn(4, 3))
    for k, v in bn.state_dict().items():
        np.testing.assert_array_equal(v, before[k], err_msg=k)


def test_batchnorm_without_running_stats_needs_two_values_per_channel_in_eval_too():
    # (it normalises by the batch statistics in eval too: one value has no variance)
    bn = nn.BatchNorm1d(2, track_running_stats=False).eval()
    with pytest.raises(ValueError, match=r"more than one value per channel, got shape \(1, 2\)"):
        bn(am.ones(1, 2))
    assert bn(am.tensor([[0.0, 1.0], [2.0, 3.0]])).shape == (2, 2)


def test_maxpool_extra_repr_shows_a_dilation_other_than_one():
    assert nn.MaxPool2d(2).extra_repr() == "kernel_size=(2, 2), stride=(2, 2), padding=(0, 0)"
    assert nn.MaxPool2d(2, dilation=2).extra_repr().endswith(", dilation=(2, 2)")


def test_a_list_of_unregistered_layers_warns_and_a_list_of_registered_ones_does_not():
    # PyTorch silently leaves a plain list of layers out of parameters(): an optimizer
    # then trains nothing. Layers the module also holds as attributes are fine.
    class Loose(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = [nn.Linear(2, 3), nn.Linear(3, 1)]
            self.extra = {"w": nn.Parameter(am.zeros(2))}
            self.pair = (nn.Linear(1, 1), nn.Parameter(am.zeros(1)))

    with pytest.warns(UserWarning) as record:
        net = Loose()
    messages = [str(w.message) for w in record]
    assert len(messages) == 3 and all(w.filename == __file__ for w in record)
    assert "attribute 'pair' is a tuple holding 2 Modules and Parameters" in messages[2]
    assert re.search(r"Loose: attribute 'layers' is a list holding 2 Modules that are not registered.*"
                     r"nn\.Sequential", messages[0])
    assert "attribute 'extra' is a dict holding 1 Parameters" in messages[1]
    assert list(net.parameters()) == []

    class Held(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Linear(2, 3), nn.Linear(3, 1)
            self.w = nn.Parameter(am.zeros(1))
            self.layers = [self.a, self.b]
            self.both = (self.w, 3, "x")
            self.kernel = (3, 3)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(list(Held().parameters())) == 5


def test_a_child_modules_name_takes_only_a_module_or_none():
    # As PyTorch does (and as a parameter's name takes only a Parameter or None): a
    # function or tensor assigned over a child used to drop the child and its
    # parameters from the model silently.
    m = nn.Module()
    m.head = nn.Linear(2, 1)
    for value in (lambda x: x, am.zeros(2), 3):
        with pytest.raises(TypeError, match=f"cannot assign a {type(value).__name__} to child module 'head'"):
            m.head = value
        assert [n for n, _ in m.named_parameters()] == ["head.weight", "head.bias"]
        assert isinstance(m.head, nn.Linear)
    m.head = nn.Parameter(np.ones(1))  # (another registry's kind moves the name, as before)
    assert [n for n, _ in m.named_parameters()] == ["head"] and list(m.children()) == []
    m.body = nn.Linear(1, 1)
    m.body = None
    assert list(m.children()) == [] and m.body is None


def test_activations_and_dropout_take_pytorchs_inplace_flag():
    # (nn.ReLU(inplace=True) is common in PyTorch code; it writes into its input, as
    # PyTorch's: tests/test_inplace_layers.py)
    x = am.tensor([-1.0, 2.0])
    for layer in (nn.ReLU(inplace=False), nn.LeakyReLU(0.5, inplace=False), nn.Dropout(0.5, inplace=False)):
        layer(x)
        assert np.array_equal(x.data, [-1.0, 2.0])  # (the input as it was)
    assert np.array_equal(nn.ReLU(inplace=True)(x.copy()).data, [0.0, 2.0])
    assert np.array_equal(nn.LeakyReLU(0.5, True)(x.copy()).data, [-0.5, 2.0])
    for make in (lambda: nn.ReLU(inplace="yes"), lambda: nn.LeakyReLU(inplace=1), lambda: nn.Dropout(inplace=None)):
        with pytest.raises(TypeError, match=r"^(ReLU|LeakyReLU|Dropout): inplace must be True or False"):
            make()


def test_an_empty_parameter_or_buffer_keeps_its_slot_as_in_pytorch():
    # A buffer registered as None and filled later is a buffer (saved in state_dict);
    # a parameter slot left None (Linear(bias=False)) takes only a Parameter or None.
    class Masked(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("mask", None)

    m = Masked()
    assert list(m.state_dict()) == [] and m.mask is None
    m.mask = am.ones(3)
    assert list(m.state_dict()) == ["mask"] and [n for n, _ in m.named_buffers()] == ["mask"]
    m.mask = None
    assert list(m.state_dict()) == [] and list(m.buffers()) == []
    for layer in (nn.Linear(2, 3, bias=False), nn.Conv2d(1, 2, 3, bias=False)):
        with pytest.raises(TypeError, match="cannot assign a Tensor to parameter 'bias'"):
            layer.bias = am.zeros(layer.weight.shape[0])  # (would be used by forward, never trained)
        assert layer.bias is None and [n for n, _ in layer.named_parameters()] == ["weight"]
        layer.bias = nn.Parameter(np.zeros(layer.weight.shape[0]))
        assert [n for n, _ in layer.named_parameters()] == ["weight", "bias"]
    bn = nn.BatchNorm1d(2, affine=False, track_running_stats=False)
    assert list(bn.state_dict()) == [] and "#" not in repr(bn)  # (no parameter shapes to show)
    with pytest.raises(TypeError, match="cannot assign a Tensor to parameter 'weight'"):
        bn.weight = am.ones(2)
    bn.running_mean = am.zeros(2)
    assert list(bn.state_dict()) == ["running_mean"]
    m.register_parameter("p", None)
    assert list(m.named_parameters()) == [] and m.p is None
    with pytest.raises(TypeError, match="cannot assign a Tensor to parameter 'p'"):
        m.p = am.ones(1)
    del m.p
    m.p = am.ones(1)  # (after del, an ordinary attribute again)
    assert list(m.named_parameters()) == []


def test_loading_two_different_values_into_one_tied_parameter_is_refused():
    enc, dec = nn.Linear(3, 3), nn.Linear(3, 3)
    dec.weight = enc.weight
    tied = nn.Sequential(enc, nn.Tanh(), dec)
    before = enc.weight.data.copy()
    untied = nn.Sequential(nn.Linear(3, 3), nn.Tanh(), nn.Linear(3, 3)).state_dict()
    with pytest.raises(ValueError, match=r"0\.weight and 2\.weight: one shared tensor in the model"):
        tied.load_state_dict(untied)  # (which of the two would it keep?)
    np.testing.assert_array_equal(enc.weight.data, before)
    sd = tied.state_dict()  # a tied model's own dict, NaN included, loads
    sd["0.weight"][0, 0] = sd["2.weight"][0, 0] = np.nan
    tied.load_state_dict(sd)
    assert np.isnan(dec.weight.data[0, 0]) and dec.weight is enc.weight
    tied.load_state_dict({"2.weight": untied["2.weight"]}, strict=False)
    np.testing.assert_array_equal(enc.weight.data, untied["2.weight"])


def test_a_subclass_that_skipped_module_init_says_so_when_used():
    class NoInit(nn.Module):
        def __init__(self):
            pass  # (no super().__init__(), and nothing assigned that would have told)

        def forward(self, x):
            return x

    m = NoInit()
    for use in (lambda: m.training, lambda: list(m.parameters()), m.state_dict, lambda: repr(m),
                m.train, lambda: nn.Sequential(m).state_dict(), lambda: nn.summary(m, (1, 2))):
        with pytest.raises(AttributeError, match=r"Module.__init__\(\) never ran; call super"):
            use()
    with pytest.raises(AttributeError, match="'NoInit' object has no attribute 'other'"):
        m.other


@pytest.mark.parametrize("size", [3, np.int64(3), 3.0, None, (True, 3), [(1, 3), (np.True_, 3)]])
def test_summary_refuses_a_number_or_bools_as_input_size_with_its_own_message(size):
    with pytest.raises(ValueError, match="summary: input_size must be a shape like"):
        nn.summary(nn.Linear(3, 1), input_size=size)


def test_train_and_requires_grad_take_numpy_bools_as_every_other_flag():
    model = nn.Sequential(nn.Linear(2, 2), nn.Dropout())
    flag = np.asarray([1.0]).any()  # (a numpy bool, e.g. from a comparison)
    assert model.train(~flag) is model and [m.training for m in model.modules()] == [False] * 3
    assert all(m.training is True for m in model.train(flag).modules())
    assert not any(p.requires_grad for p in model.requires_grad_(~flag).parameters())
    with pytest.raises(TypeError, match="train: mode must be True or False, got 1"):
        model.train(1)


def test_a_child_emptied_with_none_and_assigned_again_keeps_its_place():
    # (as in PyTorch: the slot stays, so the order of children, parameters and state
    # dict keys, and a Sequential's order of computation, do not change)
    seq = nn.Sequential(nn.Linear(1, 1), nn.ReLU(), nn.Linear(1, 1))
    setattr(seq, "0", None)
    assert [n for n, _ in seq.named_children()] == ["1", "2"] and len(seq) == 2
    assert isinstance(seq[0], nn.ReLU) and "(0)" not in repr(seq)
    first = nn.Linear(1, 1)
    setattr(seq, "0", first)
    assert [n for n, _ in seq.named_children()] == ["0", "1", "2"] and seq[0] is first
    first.weight.data[...] = -1.0
    first.bias.data[...] = 0.0
    seq[2].weight.data[...] = 1.0
    seq[2].bias.data[...] = 0.0
    assert seq(np.ones((1, 1))).data.tolist() == [[0.0]]  # linear, relu, linear: not relu first
    m = nn.Module()
    m.a, m.b = nn.Linear(1, 1), nn.Linear(1, 1)
    m.add_module("a", None)
    assert list(m.state_dict()) == ["b.weight", "b.bias"]
    with pytest.raises(TypeError, match="cannot assign a int to child module 'a'"):
        m.a = 3
    m.a = nn.Linear(1, 2)
    assert list(m.state_dict()) == ["a.weight", "a.bias", "b.weight", "b.bias"]
    assert [n for n, _ in m.named_modules()] == ["", "a", "b"]


def test_a_module_tree_with_a_cycle_is_refused_by_state_dict_not_walked_forever():
    class Child(nn.Module):
        def __init__(self, owner):
            super().__init__()
            self.fc = nn.Linear(2, 2)
            self.owner = owner  # (a back-reference: registers the owner as a child)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.head = Child(self)

    net = Net()
    assert [n for n, _ in net.named_parameters()] == ["head.fc.weight", "head.fc.bias"]
    # (a bounded walk first: without the refusal the walks below never end)
    with pytest.raises(ValueError, match="is one of its own ancestors"):
        list(itertools.islice(net.named_modules(remove_duplicate=False), 50))
    for call in (net.state_dict, lambda: net.load_state_dict({}),
                 lambda: list(net.named_modules(remove_duplicate=False))):
        with pytest.raises(ValueError, match="'head.owner' \\(Net\\) is one of its own ancestors"):
            call()
    shared = nn.Linear(1, 1)  # (a module under two names is no cycle)
    diamond = nn.Sequential(nn.Sequential(shared), nn.Sequential(shared))
    assert list(diamond.state_dict()) == ["0.0.weight", "0.0.bias", "1.0.weight", "1.0.bias"]
    # repr names the back-reference instead of recursing until RecursionError
    assert repr(net).splitlines() == [
        "Net(",
        "  (head): Child(",
        "    (fc): Linear(in_features=2, out_features=2, bias=True)  # weight (2, 2), bias (2,)",
        "    (owner): <cycle: the Net above>",
        "  )",
        ")",
    ]
    assert repr(diamond).count("Linear(") == 2  # (a module shared by two parents is printed twice)


# -- padding_mode, ceil_mode, adaptive pooling ------------------------------------------------


def _conv_oracle(x, w, b, stride, dilation):
    """A convolution without padding, by loops."""
    (sh, sw), (dh, dw) = stride, dilation
    N, C, H, W = x.shape
    O, _, kh, kw = w.shape
    OH, OW = (H - dh * (kh - 1) - 1) // sh + 1, (W - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((N, O, OH, OW))
    for i, j, a, e in itertools.product(range(OH), range(OW), range(kh), range(kw)):
        out[:, :, i, j] += np.einsum("nc,oc->no", x[:, :, i * sh + a * dh, j * sw + e * dw], w[:, :, a, e])
    return out + b[:, None, None]


@pytest.mark.parametrize("padding_mode, np_mode", [("reflect", "reflect"), ("replicate", "edge"), ("circular", "wrap")])
@pytest.mark.parametrize("kernel, padding, stride, dilation", [(3, 1, 1, 1), (3, (2, 1), 2, 1), (4, "same", 1, 1),
                                                               ((2, 3), (1, 3), 1, (2, 1))])
def test_conv2d_padding_modes_match_numpy_padding_then_loops(padding_mode, np_mode, kernel, padding, stride, dilation):
    am.manual_seed(0)
    conv = nn.Conv2d(2, 3, kernel, stride, padding, dilation, padding_mode=padding_mode)
    x = arr(2, 2, 5, 4, seed=7)
    (pt, pb), (pl, pr) = conv._pads
    xp = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)), mode=np_mode)
    expected = _conv_oracle(xp, conv.weight.data, conv.bias.data, conv.stride, conv.dilation)
    np.testing.assert_allclose(conv(x).data, expected, atol=1e-12)
    np.testing.assert_allclose(conv(x[0]).data, expected[0], atol=1e-12)  # one image


def test_conv2d_padding_mode_repr_and_errors():
    assert "padding_mode" not in repr(nn.Conv2d(1, 2, 3, padding=1))
    assert repr(nn.Conv2d(1, 2, 3, padding=1, padding_mode="reflect")).startswith(
        "Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), padding_mode='reflect')")
    with pytest.raises(ValueError, match=re.escape(
            "Conv2d(1→2): padding_mode must be one of ('zeros', 'reflect', 'replicate', 'circular'), got 'edge'")):
        nn.Conv2d(1, 2, 3, padding_mode="edge")
    with pytest.raises(ValueError, match=re.escape(
            "Conv2d(1→1, 5×5): padding_mode='reflect' needs each padding less than the input's size, "
            "got padding ((2, 2), (2, 2)) for input of shape (1, 1, 2, 6)")):
        nn.Conv2d(1, 1, 5, padding=2, padding_mode="reflect")(arr(1, 1, 2, 6))
    with pytest.raises(ValueError, match=re.escape("padding_mode='circular' needs each padding at most the input's size")):
        nn.Conv2d(1, 1, 7, padding=3, padding_mode="circular")(arr(1, 1, 2, 6))
    nn.Conv2d(1, 1, 5, padding=2, padding_mode="circular")(arr(1, 1, 2, 6))  # (at most: fine)
    nn.Conv2d(1, 1, 7, padding=3, padding_mode="replicate")(arr(1, 1, 1, 1))  # (any size)


def test_pool_modules_ceil_mode_match_F_and_repr():
    x = am.tensor(arr(2, 3, 7, 6, seed=4))
    mp, ap = nn.MaxPool2d(3, 2, 1, ceil_mode=True), nn.AvgPool2d(2, None, 0, True, False)
    np.testing.assert_array_equal(mp(x).data, F.max_pool2d(x, 3, 2, 1, 1, True).data)
    np.testing.assert_array_equal(ap(x).data, F.avg_pool2d(x, 2, None, 0, ceil_mode=True, count_include_pad=False).data)
    assert ap(x).shape == (2, 3, 4, 3)
    assert repr(mp) == "MaxPool2d(kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), ceil_mode=True)"
    assert repr(ap) == "AvgPool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0), ceil_mode=True, count_include_pad=False)"
    assert "ceil_mode" not in repr(nn.MaxPool2d(2)) + repr(nn.AvgPool2d(2))
    with pytest.raises(ValueError, match=re.escape("MaxPool2d(3×3): input of shape (1, 1, 1, 4) is too small")):
        nn.MaxPool2d(3, 1, ceil_mode=True)(arr(1, 1, 1, 4))
    with pytest.raises(TypeError, match="AvgPool2d: ceil_mode must be"):
        nn.AvgPool2d(2, ceil_mode="yes")


def test_adaptive_pool_modules_match_F_repr_and_label():
    x = am.tensor(arr(2, 3, 7, 5, seed=5))
    for cls, f in ((nn.AdaptiveAvgPool2d, F.adaptive_avg_pool2d), (nn.AdaptiveMaxPool2d, F.adaptive_max_pool2d)):
        for size in (1, (3, 2), (None, 4)):
            np.testing.assert_array_equal(cls(size)(x).data, f(x, size).data)
        name = cls.__name__
        assert repr(cls(1)) == f"{name}(output_size=(1, 1))"
        assert repr(cls((None, 4))) == f"{name}(output_size=(None, 4))"
        assert cls((None, 4)).label() == f"{name}(H×4)"
        with pytest.raises(TypeError, match=re.escape(f"{name}: output_size must be an int or a pair")):
            cls("1")
        with pytest.raises(ValueError, match=re.escape(f"{name}(2×2): expected input of shape (N, C, H, W)")):
            cls(2)(arr(3, 4))
    assert nn.AdaptiveAvgPool2d(1)(x).shape == (2, 3, 1, 1)
    with pytest.raises(TypeError, match=re.escape("AdaptiveMaxPool2d: return_indices must be True or False")):
        nn.AdaptiveMaxPool2d(2, return_indices="yes")


def test_summary_and_draw_network_take_the_new_layers():
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1, padding_mode="reflect"), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True),
        nn.AvgPool2d(3, 2, 1, True), nn.AdaptiveMaxPool2d((3, None)), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Linear(4, 2),
    )
    text = str(nn.summary(model, input_size=(2, 1, 9, 9)))
    for row in ["MaxPool2d(2×2)                    (2, 4, 5, 5)", "AvgPool2d(3×3)                    (2, 4, 3, 3)",
                "AdaptiveMaxPool2d(3×W)            (2, 4, 3, 3)", "AdaptiveAvgPool2d(1×1)            (2, 4, 1, 1)"]:
        assert row in text
    source = am.viz.draw_network(model, input_size=(2, 1, 9, 9)).source
    assert "AdaptiveAvgPool2d(1×1)\\n→ (2, 4, 1, 1)" in source


def test_batchnorm_with_tracking_switched_off_after_construction_follows_pytorch():
    # Setting track_running_stats = False on a layer that has its buffers: training uses the
    # batch and leaves the buffers alone; eval uses the buffers (PyTorch's rule, which reads
    # whether the buffers exist, not the flag, to choose the statistics in eval).
    bn = nn.BatchNorm1d(3)
    bn.running_mean.data[...] = [1.0, 2.0, 3.0]
    bn.running_var.data[...] = [4.0, 1.0, 0.25]
    bn.track_running_stats = False
    x = arr(5, 3) + 5
    before = (bn.running_mean.data.copy(), bn.running_var.data.copy())
    out = bn(am.tensor(x)).data
    np.testing.assert_allclose(out, (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5), rtol=1e-12)
    out = bn.eval()(am.tensor(x)).data
    np.testing.assert_allclose(out, (x - before[0]) / np.sqrt(before[1] + 1e-5), rtol=1e-12)
    assert np.array_equal(bn.running_mean.data, before[0]) and np.array_equal(bn.running_var.data, before[1])
    assert int(bn.num_batches_tracked.data) == 0
