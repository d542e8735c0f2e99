"""F's activations and dropouts take PyTorch's inplace= (at torch's position), as the
layers do: inplace=True writes the result into the input tensor and returns it, so
`x + F.relu(x, inplace=True)` is 2 relu(x), as in PyTorch (a port of such code must
neither raise a TypeError nor compute x + relu(x))."""

import inspect

import numpy as np
import pytest

import autograd_mini as am
import autograd_mini.nn as nn
from replay_check import assert_compiled_replays_eager

F = am.nn.functional

# Entries away from every kink (0, 0.1, +-0.5, +-1, +-3, 6) also after the scaling by
# 1.5 below, so that central differences see smooth functions.
A = np.array([[-1.7, -0.4, 0.3, 0.8], [2.5, 4.3, -3.6, 1.3]])

# (name, call(x, inplace), input shape); a random one draws after am.manual_seed(3).
CALLS = [
    ("relu", lambda x, ip: F.relu(x, inplace=ip), (2, 4)),
    ("relu6", lambda x, ip: F.relu6(x, ip), (2, 4)),
    ("leaky_relu", lambda x, ip: F.leaky_relu(x, 0.3, ip), (2, 4)),
    ("hardtanh", lambda x, ip: F.hardtanh(x, -0.5, 2.0, ip), (2, 4)),
    ("elu", lambda x, ip: F.elu(x, 0.7, ip), (2, 4)),
    ("selu", lambda x, ip: F.selu(x, ip), (2, 4)),
    ("celu", lambda x, ip: F.celu(x, 0.7, ip), (2, 4)),
    ("threshold", lambda x, ip: F.threshold(x, 0.1, -2.0, ip), (2, 4)),
    ("silu", lambda x, ip: F.silu(x, ip), (2, 4)),
    ("mish", lambda x, ip: F.mish(x, ip), (2, 4)),
    ("hardswish", lambda x, ip: F.hardswish(x, ip), (2, 4)),
    ("hardsigmoid", lambda x, ip: F.hardsigmoid(x, ip), (2, 4)),
    ("rrelu", lambda x, ip: F.rrelu(x, 0.1, 0.3, False, ip), (2, 4)),
    ("rrelu", lambda x, ip: F.rrelu(x, 0.1, 0.3, True, ip), (2, 4)),
    ("dropout", lambda x, ip: F.dropout(x, 0.5, True, ip), (2, 4)),
    ("dropout1d", lambda x, ip: F.dropout1d(x, 0.5, True, ip), (2, 2, 2)),
    ("dropout2d", lambda x, ip: F.dropout2d(x, 0.5, True, ip), (2, 2, 1, 2)),
    ("dropout3d", lambda x, ip: F.dropout3d(x, 0.5, True, ip), (2, 2, 1, 1, 2)),
    ("alpha_dropout", lambda x, ip: F.alpha_dropout(x, 0.5, True, ip), (2, 4)),
    ("feature_alpha_dropout", lambda x, ip: F.feature_alpha_dropout(x, 0.5, True, ip), (2, 2, 2)),
]
IDS = [f"{n}{'_train' if n == 'rrelu' and i % 2 else ''}" for i, (n, _, _) in enumerate(CALLS)]
DETERMINISTIC = [c for c in CALLS if "dropout" not in c[0] and c[0] != "rrelu"]


def test_each_random_draw_here_keeps_some_entries_and_drops_others():
    # (else a test below would compare zeros, or the identity)
    for name, call, shape in CALLS:
        if "dropout" in name:
            out = _seeded(call, am.tensor(np.ones(shape)), False).data
            assert len(np.unique(out)) == 2, name


def _seeded(call, x, ip):
    am.manual_seed(3)  # (the same draw for the inplace and the out-of-place call)
    return call(x, ip)


def test_each_function_takes_inplace_at_pytorchs_position():
    # (torch 2.13: inplace: bool = False, last, after the same arguments)
    for name in sorted({n for n, _, _ in CALLS}):
        params = list(inspect.signature(getattr(F, name)).parameters.values())
        assert params[-1].name == "inplace" and params[-1].default is False, name


@pytest.mark.parametrize("name, call, shape", CALLS, ids=IDS)
def test_inplace_returns_the_input_with_the_out_of_place_values_bit_for_bit(name, call, shape):
    expected = _seeded(call, am.tensor(A.reshape(shape)), False).data
    x = am.tensor(A.reshape(shape))
    assert _seeded(call, x, True) is x
    np.testing.assert_array_equal(x.data, expected)
    y = am.tensor(A.reshape(shape))
    _seeded(call, y, False)
    np.testing.assert_array_equal(y.data, A.reshape(shape))  # inplace=False leaves its input alone


@pytest.mark.parametrize("name, call, shape", CALLS, ids=IDS)
def test_the_gradient_through_a_write_into_an_intermediate_is_the_out_of_place_one(name, call, shape):
    # h is written, then read again: y = f(h) + h**2 = f(h) + f(h)**2 (as PyTorch computes it)
    weights = np.arange(1.0, 9.0).reshape(shape)

    def written(w):
        h = w * 1.5
        return (_seeded(call, h, True) * weights + h * h).sum()

    def plain(w):
        f = _seeded(call, w * 1.5, False)
        return (f * weights + f * f).sum()

    w1, w2 = (am.tensor(A.reshape(shape), requires_grad=True) for _ in range(2))
    y1, y2 = written(w1), plain(w2)
    y1.backward()
    y2.backward()
    np.testing.assert_allclose(y1.data, y2.data, rtol=0, atol=1e-13)
    np.testing.assert_allclose(w1.grad.data, w2.grad.data, rtol=0, atol=1e-13)
    assert am.gradcheck(written, (am.tensor(A.reshape(shape), requires_grad=True),))


@pytest.mark.parametrize("name, call, shape", CALLS, ids=IDS)
def test_a_leaf_that_requires_grad_is_refused_with_the_layers_message(name, call, shape):
    with pytest.raises(RuntimeError) as layer_error:
        nn.ReLU(inplace=True)(am.tensor(A.reshape(shape), requires_grad=True))
    leaf = am.tensor(A.reshape(shape), requires_grad=True)
    with pytest.raises(RuntimeError) as error:
        _seeded(call, leaf, True)
    assert str(error.value) == str(layer_error.value)  # (copy_'s: "... leaf tensor ... in place ...")
    np.testing.assert_array_equal(leaf.data, A.reshape(shape))
    assert leaf.grad is None


def test_x_plus_relu_of_x_inplace_is_twice_relu_as_in_pytorch():
    # Python reads x first, relu then writes into it, and + reads the written x twice.
    relu = np.where(A > 0, A, 0.0)
    x = am.tensor(A)
    np.testing.assert_array_equal((x + F.relu(x, inplace=True)).data, 2 * relu)
    w = am.tensor(A, requires_grad=True)
    h = w * 1.0
    y = h + F.relu(h, inplace=True)
    np.testing.assert_array_equal(y.data, 2 * relu)
    y.sum().backward()
    np.testing.assert_array_equal(w.grad.data, np.where(A > 0, 2.0, 0.0))


@pytest.mark.parametrize("name, call, shape", CALLS, ids=IDS)
def test_x_plus_f_of_x_inplace_is_twice_f(name, call, shape):
    x = am.tensor(A.reshape(shape))
    f = _seeded(call, am.tensor(A.reshape(shape)), False).data
    am.manual_seed(3)
    np.testing.assert_array_equal((x + call(x, True)).data, 2 * f)


@pytest.mark.parametrize("name, call, shape", DETERMINISTIC + [CALLS[12]], ids=lambda v: v if isinstance(v, str) else "")
def test_am_compile_replays_an_inplace_call_as_its_eager_call(name, call, shape):
    lin = nn.Linear(4, 4)
    lin.weight.data[...] = np.linspace(-2.0, 2.0, 16).reshape(4, 4)

    def f(x):
        h = lin(x)
        return (h + call(h, True) * 3.0).sum()

    assert_compiled_replays_eager(f, lambda k: (am.tensor(A),), params=list(lin.parameters()))
    h = lin(am.tensor(A))
    np.testing.assert_allclose(f(am.tensor(A)).data, 4 * call(h, False).data.sum())  # (h written first)


def test_am_compile_refuses_a_write_into_an_argument_as_the_layer_does():
    cf = am.compile(lambda x: F.leaky_relu(x, 0.2, inplace=True).sum())
    with pytest.raises(RuntimeError, match=r"leaky_relu\(inplace=True\): writing into the input \(shape \(2, 4\)\)"):
        cf(am.tensor(A))


def test_inplace_must_be_a_bool_and_is_checked_before_anything_is_recorded():
    w = am.tensor(A, requires_grad=True)
    for call, name in ((lambda x: F.relu(x, inplace="yes"), "relu"), (lambda x: F.elu(x, 1.0, 1), "elu"),
                       (lambda x: F.dropout(x, 0.5, True, None), "dropout"),
                       (lambda x: F.threshold(x, 0.0, 1.0, "no"), "threshold")):
        h = w * 1.0
        with pytest.raises(TypeError, match=rf"^{name}: inplace must be True or False"):
            call(h)
        np.testing.assert_array_equal(h.data, A)
    x = am.tensor(A)
    assert F.relu(x, inplace=np.True_) is x  # (a numpy bool is a bool)


def test_an_array_input_is_not_written_and_a_float_result_not_truncated_into_an_integer():
    a = A.copy()
    out = F.hardtanh(a, inplace=True)
    assert isinstance(out, am.Tensor)
    np.testing.assert_array_equal(a, A)
    np.testing.assert_array_equal(out.data, np.clip(A, -1, 1))
    n = am.tensor(np.array([-1, 2, 3]))
    with pytest.raises(TypeError, match=r"^silu\(inplace=True\): the result's dtype float64 .* int64"):
        F.silu(n, inplace=True)
    np.testing.assert_array_equal(n.data, [-1, 2, 3])
    assert F.relu(n, inplace=True) is n  # (relu keeps integers: written, as the layer's)
    np.testing.assert_array_equal(n.data, [0, 2, 3])


def test_evaluation_mode_dropout_returns_the_input_itself():
    x = am.tensor(A)
    for call in (lambda: F.dropout(x, 0.5, False, True), lambda: F.alpha_dropout(x, 0.5, inplace=True),
                 lambda: F.dropout(x, 0.0, True, True)):
        assert call() is x
    np.testing.assert_array_equal(x.data, A)
