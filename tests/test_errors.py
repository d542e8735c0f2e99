"""Bad input fails loudly, early, with the operation and shapes named, and changes nothing."""

import re

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.nn import functional as F


def shape_re(shape):
    """A regex for a shape as Python or numpy print it: (2, 3), (2,3), (4,)."""
    inner = r",\s?".join(str(n) for n in shape)
    return r"\(" + inner + (r",\)" if len(shape) == 1 else r"\)")


def assert_message(err, names, *shapes):
    msg = str(err.value)
    assert any(n in msg for n in names), f"message does not name the op ({names}): {msg!r}"
    for s in shapes:
        assert re.search(shape_re(s), msg), f"message does not show shape {s}: {msg!r}"


def leaf(shape, seed=0):
    return am.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


# -- incompatible shapes ---------------------------------------------------------------------

BINARY = {
    "add": (lambda a, b: a + b, ("add", "+")),
    "sub": (lambda a, b: a - b, ("sub",)),
    "mul": (lambda a, b: a * b, ("mul", "*")),
    "div": (lambda a, b: a / b, ("div", "/")),
    "pow": (lambda a, b: abs(a) ** b, ("pow", "**")),
    "maximum": (lambda a, b: am.maximum(a, b), ("maximum",)),
    "minimum": (lambda a, b: am.minimum(a, b), ("minimum",)),
}


@pytest.mark.parametrize("op", list(BINARY))
@pytest.mark.parametrize("right_kind", ["tensor", "ndarray"])
def test_binary_op_with_incompatible_shapes(op, right_kind):
    f, names = BINARY[op]
    x = leaf((2, 3))
    y = leaf((4,), 1) if right_kind == "tensor" else np.ones(4)
    with pytest.raises(ValueError) as err:
        f(x, y)
    assert_message(err, names, (2, 3), (4,))


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
def test_reflected_binary_op_with_incompatible_shapes(op):
    f, names = BINARY[op]
    with pytest.raises(ValueError) as err:
        f(np.ones((5, 2)), leaf((3,)))
    assert_message(err, names, (5, 2), (3,))


def test_where_with_incompatible_shapes():
    with pytest.raises(ValueError) as err:
        am.where(np.ones(4, bool), leaf((2, 3)), 0.0)
    assert_message(err, ("where",), (4,), (2, 3))


@pytest.mark.parametrize("sa,sb", [((2, 3), (4, 5)), ((2, 3), (4,)), ((3,), (4,)), ((2, 2, 3), (3, 2, 2))])
def test_matmul_with_incompatible_shapes(sa, sb):
    with pytest.raises(ValueError) as err:
        leaf(sa) @ leaf(sb, 1)
    assert_message(err, ("matmul", "@"), sa, sb)
    with pytest.raises(ValueError) as err:
        am.matmul(leaf(sa), np.ones(sb))
    assert_message(err, ("matmul", "@"), sa, sb)


@pytest.mark.parametrize("target", [(4,), (5, -1), (-1, -1)])
def test_reshape_to_incompatible_shape(target):
    x = leaf((2, 3))
    with pytest.raises(ValueError) as err:
        x.reshape(target)
    assert_message(err, ("reshape",), (2, 3))
    assert str(target[0]) in str(err.value)
    with pytest.raises(ValueError) as err:
        am.reshape(x, target)
    assert_message(err, ("reshape",), (2, 3))


def test_broadcast_to_incompatible_shape():
    with pytest.raises(ValueError) as err:
        leaf((2, 3)).broadcast_to((4, 3, 2))
    assert_message(err, ("broadcast",), (2, 3), (4, 3, 2))


def test_permute_with_bad_axes():
    with pytest.raises(ValueError) as err:
        leaf((2, 3)).permute(0, 0)
    assert_message(err, ("permute",), (2, 3))


def test_concatenate_and_stack_with_incompatible_shapes():
    with pytest.raises(ValueError) as err:
        am.concatenate([leaf((2, 3)), leaf((3, 4), 1)])
    assert_message(err, ("concatenate",), (2, 3), (3, 4))
    with pytest.raises(ValueError) as err:
        am.concatenate([leaf((2, 3)), leaf((2,), 1)], axis=1)
    assert_message(err, ("concatenate",), (2, 3), (2,))
    with pytest.raises(ValueError) as err:
        am.stack([leaf((2, 3)), leaf((3, 2), 1)])
    assert_message(err, ("stack",), (2, 3), (3, 2))
    with pytest.raises(ValueError, match="concatenate: need at least one tensor"):
        am.concatenate([])
    with pytest.raises(ValueError, match="stack: need at least one tensor"):
        am.stack([])


def test_pad_with_bad_pad_width():
    with pytest.raises(ValueError) as err:
        am.pad(leaf((2, 3)), [(1, 1), (1, 1), (1, 1)])
    assert_message(err, ("pad",), (2, 3))
    with pytest.raises(ValueError) as err:
        am.pad(leaf((2, 3)), -1)
    assert_message(err, ("pad",))


@pytest.mark.parametrize("pad_width", [-1, (1, -1), ((0, -2),)])
def test_pad_of_a_number_refuses_a_negative_width_as_numpy(pad_width):
    # (a 0-d tensor has no axes to pad, so its broadcast widths are empty; numpy still refuses)
    with pytest.raises(ValueError) as err:
        am.pad(am.tensor(1.0), pad_width)
    assert_message(err, ("pad",))


# -- bad axes ---------------------------------------------------------------------------------

AXIS_OPS = {
    "sum": lambda x, ax: x.sum(ax),
    "max": lambda x, ax: x.max(ax),
    "mean": lambda x, ax: am.mean(x, ax),
    "min": lambda x, ax: x.min(ax),
    "var": lambda x, ax: am.var(x, axis=ax),
    "softmax": lambda x, ax: am.softmax(x, ax),
    "log_softmax": lambda x, ax: am.log_softmax(x, ax),
    "logsumexp": lambda x, ax: am.logsumexp(x, ax),
    "squeeze": lambda x, ax: am.squeeze(x, ax),
    "unsqueeze": lambda x, ax: am.unsqueeze(x, ax),
}


@pytest.mark.parametrize("op", list(AXIS_OPS))
@pytest.mark.parametrize("axis", [5, -4])
def test_bad_axis_raises_value_error_naming_the_op(op, axis):
    x = leaf((2, 3))
    with pytest.raises(ValueError) as err:
        AXIS_OPS[op](x, axis)
    assert_message(err, (op,), (2, 3))


@pytest.mark.parametrize("op", ["sum", "max", "mean", "min", "var", "logsumexp"])
def test_bad_axis_in_a_tuple(op):
    with pytest.raises(ValueError) as err:
        AXIS_OPS[op](leaf((2, 3)), (0, 2))
    assert_message(err, (op,), (2, 3))


def test_squeeze_of_axis_longer_than_one():
    with pytest.raises(ValueError) as err:
        am.squeeze(leaf((2, 1)), 0)
    assert_message(err, ("squeeze",), (2, 1))


def test_flatten_with_start_after_end():
    with pytest.raises(ValueError) as err:
        am.flatten(leaf((2, 3, 4)), 2, 1)
    assert_message(err, ("flatten",), (2, 3, 4))


def test_index_out_of_range():
    with pytest.raises(IndexError) as err:
        leaf((2, 3))[5]
    assert_message(err, ("getitem", "index"), (2, 3))


# -- non-numeric data and dtype misuse ---------------------------------------------------------


@pytest.mark.parametrize("data", ["abc", ["a", "b"], None, object(), [object(), 1], {"a": 1}, [[1.0, 2.0], [3.0]]],
                         ids=["str", "str_list", "None", "object", "object_list", "dict", "ragged"])
def test_non_numeric_data_raises_type_error(data):
    with pytest.raises(TypeError, match="tensor"):
        am.tensor(data)
    with pytest.raises(TypeError, match="^tensor: "):
        am.Tensor(data, requires_grad=True)


@pytest.mark.parametrize("other", ["a", None, object()], ids=["str", "None", "object"])
def test_op_with_non_numeric_operand_raises_type_error(other):
    x = leaf((2,))
    with pytest.raises(TypeError) as err:
        x + other
    assert_message(err, ("add",), (2,))
    with pytest.raises(TypeError) as err:
        x * other
    assert_message(err, ("mul",), (2,))


def test_gradient_of_integer_tensor_raises():
    i = am.tensor([1, 2, 3])
    with pytest.raises(TypeError, match="int"):
        i.requires_grad_()
    with pytest.raises(TypeError, match="int"):
        am.tensor([1, 2, 3], requires_grad=True)
    with pytest.raises(TypeError, match="bool"):
        am.tensor([True, False], requires_grad=True)
    with pytest.raises(RuntimeError, match="backward: this tensor does not require grad"):
        i.sum().backward()
    x = leaf((3,))
    with pytest.raises(RuntimeError, match=r"autograd.grad: input 0 \(shape \(3,\)\) does not require grad"):
        am.autograd.grad((x * i).sum(), i)


def test_where_condition_must_be_boolean():
    with pytest.raises(TypeError, match="where"):
        am.where(np.array([1.0, 0.0]), leaf((2,)), 0.0)


def test_usage_errors():
    x = leaf((2,))
    with pytest.raises(ValueError, match="item"):
        x.item()
    with pytest.raises(RuntimeError, match="requires_grad_: cannot turn off requires_grad of a non-leaf"):
        (x * 2).requires_grad_(False)
    with pytest.raises(RuntimeError, match="backward: this tensor does not require grad"):
        am.tensor([1.0]).backward()
    with pytest.raises(ValueError, match=r"\(3,\)"):
        am.grad(lambda t: t * 2)(np.ones(3))
    with pytest.raises(ValueError, match="shape"):
        am.jvp(am.sin, np.ones(3), np.ones(2))
    with pytest.raises(TypeError, match="set_default_dtype: .*got int64"):
        am.set_default_dtype("int64")


# -- nothing half-updated -----------------------------------------------------------------------


def test_failing_op_leaves_inputs_and_grads_unchanged():
    x = leaf((2, 3))
    (x * 2).sum().backward()
    data_before, grad_before = x.data.copy(), x.grad.data.copy()
    for error, op, bad in ((ValueError, "add", lambda: x + np.ones(4)), (ValueError, "matmul", lambda: x @ np.ones((4, 1))),
                           (ValueError, "reshape", lambda: x.reshape(7)),
                           (ValueError, "concatenate", lambda: am.concatenate([x, np.ones((2, 2))])),
                           (ValueError, "sum", lambda: x.sum(3)), (ValueError, "softmax", lambda: am.softmax(x, 4)),
                           (TypeError, "add", lambda: x + "a")):
        with pytest.raises(error, match=rf"^{op}: .*\(2, 3\)"):
            bad()
    np.testing.assert_array_equal(x.data, data_before)
    np.testing.assert_array_equal(x.grad.data, grad_before)
    assert x.is_leaf and x.requires_grad


def test_failing_backward_with_bad_gradient_shape_leaves_grad_none_and_graph_intact():
    x = leaf((2, 3))
    y = x.exp()
    with pytest.raises(ValueError) as err:
        y.backward(np.ones((3, 2)))
    assert_message(err, ("backward",), (3, 2), (2, 3))
    assert x.grad is None
    assert y.grad_fn.inputs is not None  # saved arrays not released
    y.backward(np.ones((2, 3)))
    np.testing.assert_allclose(x.grad.data, np.exp(x.data))


def test_failing_backward_of_non_scalar_changes_nothing():
    x = leaf((2, 3))
    y = x * 3
    with pytest.raises(RuntimeError, match=r"backward: .*single-element output, got shape \(2, 3\)"):
        y.backward()
    assert x.grad is None
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.full((2, 3), 3.0))


def test_failing_second_backward_leaves_existing_grad():
    x = leaf((3,))
    y = (x * x).sum()
    y.backward()
    before = x.grad.data.copy()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()
    np.testing.assert_array_equal(x.grad.data, before)


def test_autograd_grad_errors_do_not_consume_the_graph():
    x = leaf((2,))
    unused = leaf((1,), 1)
    z = (x * x).sum()
    with pytest.raises(RuntimeError, match="allow_unused"):
        am.autograd.grad(z, [x, unused])
    (g,) = am.autograd.grad(z, [x])  # the failed call must not have released the graph
    np.testing.assert_allclose(g.data, 2 * x.data)
    w = (x * 3).sum()
    with pytest.raises(ValueError, match=r"autograd.grad: grad_outputs\[0\] has shape \(5,\), output has shape \(2,\)"):
        am.autograd.grad(x * 3, x, grad_outputs=np.ones(5))
    with pytest.raises(ValueError, match="autograd.grad: got 1 grad_outputs for 2 outputs"):
        am.autograd.grad([w, w], x, grad_outputs=[None])
    (g,) = am.autograd.grad(w, x)
    np.testing.assert_array_equal(g.data, [3.0, 3.0])
    assert x.grad is None and unused.grad is None


def test_grad_mode_restored_after_errors():
    x = leaf((2,))
    with pytest.raises(ValueError, match=r"add: .*\(2,\) and \(3,\)"):
        with am.no_grad():
            x + np.ones(3)
    assert am.is_grad_enabled()
    with pytest.raises(ValueError, match=r"grad: the function must return a single-element tensor, got shape \(3,\)"):
        am.grad(lambda t: t * 2)(np.ones(3))
    assert am.is_grad_enabled()
    y = x * 2
    assert y.requires_grad


@pytest.mark.parametrize("call", [lambda t: t.mean(), lambda t: am.mean(t, axis=0)])
def test_mean_of_nothing_is_a_clear_error(call):
    t = am.tensor(np.zeros((0, 3)), requires_grad=True)
    with pytest.raises(ValueError, match=r"mean: no elements to average for shape \(0, 3\)"):
        call(t)


@pytest.mark.parametrize("loss, args", [
    ("mse_loss", (np.zeros((0, 3)), np.zeros((0, 3)))),
    ("cross_entropy", (np.zeros((0, 3)), np.zeros(0, dtype=int))),
    ("nll_loss", (np.zeros((0, 3)), np.zeros(0, dtype=int))),
    ("binary_cross_entropy", (np.zeros(0), np.zeros(0))),
    ("binary_cross_entropy_with_logits", (np.zeros(0), np.zeros(0))),
])
def test_mean_loss_of_an_empty_batch_names_the_loss(loss, args):
    with pytest.raises(ValueError, match=rf"^{loss}: reduction='mean' of an empty batch"):
        getattr(F, loss)(*args)
    assert getattr(F, loss)(*args, reduction="sum").item() == 0.0


# -- a review's findings: non-numbers, complex where only reals make sense, float16 sums ------


def test_mse_loss_refuses_complex_input():
    with pytest.raises(TypeError, match="mse_loss: complex input"):
        F.mse_loss(am.tensor([1j]), am.tensor([0j]))


@pytest.mark.parametrize("call", [
    lambda y, a: am.autograd.grad(y, a, grad_outputs=1j * np.ones(3)),
    lambda y, a: am.jvp(lambda x: x * x, am.ones(2), [1j, 2.0]),
    lambda y, a: am.hvp(lambda x: (x * x).sum(), am.ones(2), [1j, 2.0]),
    lambda y, a: am.autograd.grad(y, a, grad_outputs=np.array(["a", "b", "c"])),
])
def test_a_complex_or_non_numeric_seed_for_a_real_tensor_is_refused(call):
    a = leaf((3,))
    y = a * 2.0
    with pytest.raises(TypeError, match=r"(autograd.grad|jvp|hvp): .* must be floating-point"):
        call(y, a)


def test_float16_sums_are_taken_in_float32_where_the_result_is_finite():
    x = am.full((100,), 30.0, dtype=np.float16)
    assert F.mse_loss(x, am.zeros(100, dtype=np.float16)).item() == 900.0
    img = am.full((1, 1, 4, 4), 30000.0, dtype=np.float16)
    pooled = F.avg_pool2d(img, 3, stride=1, padding=1, count_include_pad=False)
    assert pooled.dtype == np.float16 and np.all(pooled.data == np.float16(30000.0))
    wide = am.zeros(1, 70000, dtype=np.float16)
    assert F.softmax(wide, dim=1).dtype == np.float16
    assert np.allclose(F.softmax(wide, dim=1).data.astype(float), 1 / 70000, rtol=1e-3)
    assert np.allclose(F.log_softmax(wide, dim=1).data.astype(float), -np.log(70000), rtol=1e-3)
    assert np.isclose(float(am.logsumexp(wide, axis=1).item()), np.log(70000), rtol=1e-3)


def test_batch_norm_of_float16_normalises_in_float32():
    x = am.tensor(np.array([[300.0], [-300.0]] * 100), dtype=np.float16)
    bn = am.nn.BatchNorm1d(1, dtype=np.float16)
    out = bn(x)
    assert out.dtype == np.float16
    assert np.allclose(out.data[:4, 0].astype(float), [1, -1, 1, -1], atol=1e-3)
    assert np.all(np.isfinite(bn.running_var.data))
    assert np.allclose(F.batch_norm(x, None, None, training=True).data[:2, 0].astype(float), [1, -1], atol=1e-3)


def test_batch_norm_refuses_complex_input_before_updating_its_buffers():
    bn = am.nn.BatchNorm1d(3)
    before = bn.running_mean.data.copy()
    with pytest.raises(TypeError, match="batch_norm: complex input"):
        bn(am.tensor(np.ones((4, 3)) * (1 + 1j)))
    assert np.array_equal(bn.running_mean.data, before)


@pytest.mark.parametrize("make", [
    lambda: am.where(am.tensor([True, False]), am.ones(2), "x"),
    lambda: am.where(am.tensor([True, False]), am.ones(2), None),
    lambda: am.zeros_like(None),
    lambda: am.ones_like("abc"),
    lambda: am.zeros(2, dtype=object),
    lambda: am.ones(2).astype(str),
    lambda: am.nn.Linear(3, 2)(np.ones((2, 3), dtype=object)),
    lambda: am.data.DataLoader(np.array(["a"] * 10), np.arange(10), 2),
])
def test_non_numbers_make_no_tensor(make):
    with pytest.raises(TypeError, match=r"numbers|numeric"):
        make()


def test_conv2d_refuses_an_empty_kernel():
    with pytest.raises(ValueError, match=r"conv2d: weight .* kh, kw >= 1, got \(4, 3, 0, 3\)"):
        F.conv2d(am.randn(2, 3, 5, 5), am.zeros(4, 3, 0, 3))


@pytest.mark.parametrize("opt_class", [am.optim.SGD, am.optim.Adam, am.optim.RMSprop])
@pytest.mark.parametrize("bad_grad", [np.ones(3) * 1j, np.array(["a", "b", "c"])])
def test_a_step_with_a_non_real_grad_changes_nothing(opt_class, bad_grad):
    p1, p2 = am.nn.Parameter(am.ones(3)), am.nn.Parameter(am.ones(3))
    opt = opt_class([p1, p2], lr=0.1)
    p1.grad, p2.grad = am.ones(3), am.Tensor._wrap(bad_grad)
    with pytest.raises(TypeError, match=rf"{opt_class.__name__}.step: parameter 1 of group 0 .* dtype"):
        opt.step()
    assert np.array_equal(p1.data, np.ones(3)) and opt.state == {}


def test_optimizers_refuse_complex_parameters():
    # (a complex gradient is the unconjugated cotangent: SGD along it walked away from
    # the minimum of |z|^2 instead of towards it)
    z = am.nn.Parameter(am.tensor(np.array([1 + 2j])))
    with pytest.raises(TypeError, match=r"SGD: param group 0: parameter 0 .* complex128.*real"):
        am.optim.SGD([z], lr=0.1)


@pytest.mark.parametrize("change", [
    {"_last_lr": [float("nan")]}, {"base_lrs": ["a"]}, {"base_lrs": 5}, {"step_size": 0},
    {"gamma": float("inf")}, {"last_epoch": "abc"}, {"last_epoch": -1},
])
def test_scheduler_load_state_dict_checks_every_value_before_changing_anything(change):
    p = am.nn.Parameter(am.ones(3))
    opt = am.optim.SGD([p], lr=0.1)
    sched = am.optim.StepLR(opt, 2)
    before = dict(vars(sched))
    with pytest.raises(ValueError, match="StepLR.load_state_dict"):
        sched.load_state_dict({**sched.state_dict(), **change})
    assert vars(sched) == before and opt.param_groups[0]["lr"] == 0.1


def test_schedulers_refuse_infinite_settings():
    opt = am.optim.SGD([am.nn.Parameter(am.ones(1))], lr=0.1)
    with pytest.raises(ValueError, match="StepLR: gamma must be a finite positive number"):
        am.optim.StepLR(opt, 2, gamma=float("inf"))
    with pytest.raises(ValueError, match="CosineAnnealingLR: eta_min must be a finite number"):
        am.optim.CosineAnnealingLR(opt, 3, eta_min=float("inf"))


def test_init_of_a_read_only_tensor_fails_before_drawing():
    t = am.Tensor._wrap(np.broadcast_to(np.zeros(1), (3,)))
    am.manual_seed(0)
    with pytest.raises(ValueError, match=r"normal_: the array of shape \(3,\) is read-only"):
        am.nn.init.normal_(t)
    first = am.randn(2).data
    am.manual_seed(0)
    assert np.array_equal(am.randn(2).data, first)  # (the failed call drew nothing)


def test_init_normal_refuses_a_nan_std():
    with pytest.raises(ValueError, match="normal_: mean and std must be finite, got mean=0.0, std=nan"):
        am.nn.init.normal_(am.zeros(3), 0.0, float("nan"))


@pytest.mark.parametrize("layer, x", [
    (lambda: am.nn.Linear(3, 2), [1.0, 2.0, 3.0]),
    (lambda: am.nn.Conv2d(1, 1, 1), [[[1.0]]]),
    (lambda: am.nn.MaxPool2d(1), [[[1.0]]]),
    (lambda: am.nn.AvgPool2d(1), [[[1.0]]]),
    (lambda: am.nn.BatchNorm1d(2), [[1.0, 2.0], [3.0, 4.0]]),
    (lambda: am.nn.Flatten(), [[1.0]]),
    (lambda: am.nn.Softmax(), [1.0, 2.0]),
])
def test_layers_take_nested_lists_as_F_does_and_refuse_none_by_name(layer, x):
    m = layer()
    assert np.array_equal(m(x).data, m(am.tensor(x)).data)
    with pytest.raises(TypeError, match=re.escape(m.label()) + ": expected a Tensor or an array of numbers"):
        m(None)


def test_load_state_dict_lists_keys_that_are_not_strings():
    m = am.nn.Linear(2, 2)
    with pytest.raises(ValueError, match="unexpected keys: 0"):
        m.load_state_dict({**m.state_dict(), 0: np.ones(1)})


# -- wrongly typed arguments name the op (not numpy's bare message) ------------------------------


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: am.zeros(-1), ValueError, "zeros: sizes must be >= 0, got (-1,)"),
        (lambda: am.ones(2, -3), ValueError, "ones: sizes must be >= 0, got (2, -3)"),
        (lambda: am.randn(2.5), TypeError, "randn: sizes must be ints, got (2.5,)"),
        (lambda: am.rand((2, "3")), TypeError, "rand: sizes must be ints, got (2, '3')"),
        (lambda: am.eye(-1), ValueError, "eye: sizes must be >= 0, got (-1, -1)"),
        (lambda: am.eye(2, 1.5), TypeError, "eye: sizes must be ints, got (2, 1.5)"),
        (lambda: am.full((2,), "a"), TypeError, "full: fill_value must be a number, got 'a'"),
        (lambda: am.full(-2, 1.0), ValueError, "full: sizes must be >= 0, got (-2,)"),
        (lambda: am.arange(0, np.inf), ValueError, "arange: cannot make a range from 0 to inf by 1"),
        (lambda: F.dropout(am.ones(3), None), TypeError, "dropout: p must be a real number, got None"),
        (lambda: F.dropout(am.ones(3), np.array([0.1, 0.2])), TypeError, "dropout: p must be a real number"),
        (lambda: F.softmax(am.ones((2, 3)), dim="a"), TypeError, "softmax: dim must be an int, got 'a'"),
        (lambda: F.log_softmax(am.ones((2, 3)), axis=1.0), TypeError, "log_softmax: dim must be an int, got 1.0"),
        (lambda: am.ones((2, 3)).var(ddof="x"), TypeError, "var: ddof must be a number, got 'x'"),
        (lambda: am.ones((2, 3)).unsqueeze(1.0), TypeError, "unsqueeze: bad axis 1.0 for shape (2, 3)"),
        (lambda: am.concatenate(None), TypeError, "concatenate: expected a sequence of tensors, got NoneType"),
        (lambda: am.stack(3), TypeError, "stack: expected a sequence of tensors, got int"),
        (lambda: am.autograd.grad(None, leaf((2,))), TypeError,
         "autograd.grad: outputs must be a Tensor or a sequence of Tensors, got NoneType"),
    ],
)
def test_wrongly_typed_arguments_name_the_op(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()


def test_refused_random_creation_leaves_the_generator_alone():
    am.manual_seed(3)
    with pytest.raises(TypeError, match=r"randn: sizes must be ints, got \(2.5,\)"):
        am.randn(2.5)
    with pytest.raises(TypeError, match="rand: requires_grad must be True or False"):
        am.rand(2, requires_grad="yes")
    after_errors = am.randn(2).data
    am.manual_seed(3)
    np.testing.assert_array_equal(am.randn(2).data, after_errors)


# -- boolean flags are bools: a truthy "no" is a mistake, not True ------------------------------


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: am.tensor([1.0]).requires_grad_("no"), "requires_grad_: requires_grad must be True or False, got 'no'"),
        (lambda: am.tensor([1.0], requires_grad=1), "tensor: requires_grad must be True or False, got 1"),
        (lambda: am.zeros(2, requires_grad="no"), "zeros: requires_grad must be True or False, got 'no'"),
        (lambda: am.nn.Parameter(np.ones(2), requires_grad="no"),
         "Parameter: requires_grad must be True or False, got 'no'"),
        (lambda: F.dropout(am.ones(8), 0.5, training="no"), "dropout: training must be True or False, got 'no'"),
        (lambda: F.avg_pool2d(am.ones((1, 1, 4, 4)), 2, count_include_pad="no"),
         "avg_pool2d: count_include_pad must be True or False, got 'no'"),
        (lambda: am.logsumexp(am.ones((2, 3)), axis=0, keepdims="x"), "logsumexp: keepdims must be True or False, got 'x'"),
        (lambda: am.ones((2, 3)).logsumexp(0, "x"), "logsumexp: keepdims must be True or False, got 'x'"),
        (lambda: (leaf((2,)) * 2).sum().backward(retain_graph="yes"),
         "backward: retain_graph must be True or False, got 'yes'"),
        (lambda: am.autograd.grad((leaf((2,)) * 2).sum(), [], create_graph="no"),
         "autograd.grad: create_graph must be True or False, got 'no'"),
        (lambda: am.autograd.grad((leaf((2,)) * 2).sum(), [], retain_graph=1),
         "autograd.grad: retain_graph must be True or False, got 1"),
    ],
)
def test_flags_refuse_non_bools(call, message):
    with pytest.raises(TypeError, match=re.escape(message)):
        call()


def test_flags_take_numpy_bools():
    t = am.tensor([1.0]).requires_grad_(np.bool_(True))
    assert t.requires_grad is True
    np.testing.assert_array_equal(F.dropout(am.ones(4), 0.5, training=np.bool_(False)).data, 1.0)
    assert am.logsumexp(am.ones((2, 3)), axis=0, keepdims=np.True_).shape == (1, 3)


# -- what the checks above must still accept (a review of them found these refused) ---------


def test_numpy_style_sizes_numbers_and_flags_are_accepted():
    assert am.zeros(np.array(3)).shape == (3,)
    assert am.eye(3, np.array(2)).shape == (3, 2)
    assert am.randn(np.array(2), np.int64(3)).shape == (2, 3)
    assert am.full(np.array([2, 3]), 1.0).shape == (2, 3)
    assert F.dropout(am.ones(4), np.array(0.0)).shape == (4,)
    assert am.nn.BatchNorm1d(np.int64(2), eps=np.array(1e-5))(am.randn(3, 2)).shape == (3, 2)
    t = am.zeros(2, requires_grad=np.True_)
    assert t.requires_grad is True  # (a Python bool: am.compile's guard compares with `is`)
    x = am.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward(retain_graph=None)  # (PyTorch's default)
    assert np.array_equal(x.grad.data, [2.0, 4.0])


def test_argnums_may_be_numpy_ints_or_a_range():
    f = lambda a, b: (a * b).sum()  # noqa: E731
    a, b = am.tensor([1.0, 2.0]), am.tensor([3.0, 4.0])
    assert np.array_equal(am.grad(f, argnums=np.int64(1))(a, b).data, [1.0, 2.0])
    ga, gb = am.grad(f, argnums=range(2))(a, b)
    assert np.array_equal(ga.data, [3.0, 4.0]) and np.array_equal(gb.data, [1.0, 2.0])


def test_optimizers_step_a_big_endian_parameter():
    p = am.nn.Parameter(am.tensor(np.ones(3, dtype=">f8")))
    for opt in (am.optim.SGD([p], lr=0.5), am.optim.Adam([p], lr=0.5)):
        p.grad = am.ones(3)
        opt.step()
    assert np.all(p.data < 1.0)


def test_split_with_seed_none_follows_manual_seed():
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    am.manual_seed(7)
    first = am.data.split(X, y, seed=None)[1]
    am.manual_seed(7)
    assert np.array_equal(am.data.split(X, y, seed=None)[1], first)


def test_bce_clamps_where_log_p_is_below_minus_100_in_p_dtype():
    # (p = 27 float32 subnormal steps: log p = -99.98, not clamped, as in PyTorch;
    # comparing p with e**-100 rounded to float32 had clamped it)
    p = am.tensor(np.array([3.78e-44], np.float32))
    loss = F.binary_cross_entropy(p, am.tensor(np.array([1.0], np.float32)))
    assert loss.item() == np.float32(-np.log(np.float32(3.78e-44)))


def test_full_refuses_a_complex_value_for_a_real_dtype_and_a_tensor_value():
    with pytest.raises(TypeError, match="full: fill_value must be a number fitting dtype float64"):
        am.full((2,), 1j)
    with pytest.raises(TypeError, match="full: fill_value"):
        am.full((2,), am.tensor(2.0))
    assert am.full((2,), 1j, dtype=complex).data[0] == 1j


# -- argument errors no other test reached (found by mutation testing) -----------------------


@pytest.mark.parametrize("call, error, message", [
    (lambda: am.var(am.tensor([1.0, 2.0]), ddof=2), ValueError, "no degrees of freedom"),
    (lambda: am.var(am.tensor([1.0, 2.0]), ddof=True), TypeError, "ddof must be a number"),
    (lambda: am.pad(am.tensor([1.0, 2.0]), ((1, -1),)), ValueError, "non-negative"),
    (lambda: am.flatten(am.tensor(np.ones((2, 3))), 0, 2), ValueError, "out of range"),
    (lambda: am.logsumexp(am.tensor(np.ones((2, 0))), axis=1), ValueError, "nothing to reduce"),
])
def test_function_argument_errors_name_the_op(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("call, error, message", [
    (lambda: F.max_pool2d(am.tensor(np.ones((1, 1, 4, 4))), (2, 2), stride=(1, 0)), ValueError, "stride must be at least 1"),
    (lambda: F.avg_pool2d(am.tensor(np.ones((1, 1, 4, 4))), 2, padding=(0, 2)), ValueError, "at most half the kernel"),
    (lambda: F.batch_norm(am.tensor(np.ones((2, 3))), np.zeros(3), None), ValueError, "needs running_mean and running_var"),
])
def test_layer_argument_errors_name_the_op(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_batch_norm_refuses_a_read_only_running_buffer_before_changing_either():
    rm, rv = np.zeros(3), np.ones(3)
    rv.flags.writeable = False
    with pytest.raises(TypeError, match="running_var"):
        F.batch_norm(am.tensor(np.arange(6.0).reshape(2, 3)), rm, rv, training=True)
    assert np.array_equal(rm, np.zeros(3))


def test_cross_entropy_of_float16_logits_sums_its_exponentials_in_float32():
    # 70000 classes of equal logits: the sum of exponentials is 70000, above float16's
    # 65504. In float16 the loss was inf and every other class's gradient 1 / inf = 0.
    logits = am.zeros(2, 70000, dtype=np.float16, requires_grad=True)
    loss = F.cross_entropy(logits, np.array([0, 5]))
    loss.backward()
    assert loss.dtype == logits.grad.dtype == np.float16
    assert np.isclose(float(loss.item()), np.log(70000), rtol=1e-3)
    grad = logits.grad.data.astype(float)
    assert np.allclose(grad[0, 1:], 0.5 / 70000, rtol=1e-2) and np.isclose(grad[0, 0], 0.5 / 70000 - 0.5, rtol=1e-3)


def test_float16_sums_along_an_outer_axis_accumulate_in_float32():
    # numpy adds the rows of a float16 array one by one in float16, where
    # 2048 + 1 rounds to 2048: a bias gradient over a batch of 8192 was 2048.
    ones = np.ones((8192, 3), np.float16)
    total = am.tensor(ones).sum(0)
    assert total.dtype == np.float16 and total.data.tolist() == [8192.0] * 3
    b = am.zeros(3, dtype=np.float16, requires_grad=True)
    (am.tensor(ones) * b + b).sum().backward()  # (b's gradient summed over the batch twice)
    assert b.grad.dtype == np.float16 and b.grad.data.tolist() == [16384.0] * 3
    x = np.random.default_rng(0).random((4096, 5)).astype(np.float16)
    ref = x.astype(np.float64).sum(0)
    np.testing.assert_allclose(am.tensor(x).sum(axis=0).data.astype(float), ref, rtol=1e-3)
    h = am.tensor(np.zeros(5, np.float16), requires_grad=True)
    (h + am.tensor(np.zeros((4096, 5), np.float16))).backward(am.tensor(x))
    np.testing.assert_allclose(h.grad.data.astype(float), ref, rtol=1e-3)
    with np.errstate(over="ignore"):  # (a true overflow stays inf)
        assert np.isinf(am.tensor(np.full((2, 3), 60000.0, np.float16)).sum(0).data).all()


def test_float16_gradient_of_a_repeated_index_accumulates_in_float32():
    # An embedding row picked 8192 times: np.add.at adds in float16, where 2048 + 1
    # rounds to 2048, so its gradient was 2048.
    table = am.zeros(5, 2, dtype=np.float16, requires_grad=True)
    table[np.zeros(8192, dtype=int)].sum().backward()
    assert table.grad.dtype == np.float16
    assert table.grad.data[0].tolist() == [8192.0, 8192.0] and not table.grad.data[1:].any()


@pytest.mark.parametrize("op", ["logsumexp", "softmax", "log_softmax", "mean", "var"])
@pytest.mark.parametrize("axis", [True, (0, True), am.zeros(0), np.array([0, 1]), "1"])
def test_an_axis_that_is_not_an_int_or_a_tuple_of_ints_is_refused(op, axis):
    # (numpy's normaliser read True as axis 1 and an empty tensor as "no axes":
    # logsumexp(x, axis=am.zeros(0)) returned x unreduced)
    with pytest.raises(TypeError, match=rf"^{op}: axis must be an int or a tuple of ints, got .* for shape \(2, 3\)"):
        getattr(am, op)(am.ones(2, 3), axis=axis)


def test_transpose_of_two_axes_of_a_larger_tensor_points_to_swapaxes():
    # q.transpose(1, 2) is in every PyTorch attention; numpy's transpose wants all the
    # axes, and the error named permute and "axes don't match array"
    q = am.zeros((2, 5, 4, 8))
    for call in (lambda: q.transpose(1, 2), lambda: am.transpose(q, 1, 2)):
        with pytest.raises(ValueError, match=r"transpose: .*\(1, 2\).*4 axes of shape \(2, 5, 4, 8\).*swapaxes\(1, 2\)"):
            call()
    assert q.swapaxes(1, 2).shape == (2, 4, 5, 8)


def test_transpose_of_two_axes_suggests_swapaxes_only_where_it_can_work():
    with pytest.raises(ValueError, match=r"must permute all 3 axes .*use x.swapaxes\(0, 1\)"):
        am.tensor(np.zeros((2, 3, 4))).transpose(0, 1)
    with pytest.raises(ValueError, match=r"must permute all 1 axes of shape \(3,\) \(numpy's transpose\)$"):
        am.tensor(np.zeros(3)).transpose(0, 1)  # (a 1-D tensor has no two axes to swap)
