"""Tensor methods under PyTorch's names that porting code reaches for: numel, dim, view,
float/double/half/long/int/bool, clone, masked_fill, expand, repeat, chunk. Each is a thin
composite; checked against numpy, by finite differences (first and second order), on bad
input, and compiled against eager."""

from __future__ import annotations

import pickle
import re

import numpy as np
import pytest

import autograd_mini as am

SHAPES = [(), (4,), (2, 3), (2, 1, 3)]


def rand(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def check_both(f, *inputs):
    assert am.gradcheck(f, inputs)
    assert am.gradgradcheck(f, inputs)


# -- numel, dim --------------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES + [(0, 3)])
def test_numel_and_dim_are_ints_and_size_stays_numpys_attribute(shape):
    x = am.tensor(rand(shape))
    assert type(x.numel()) is int and x.numel() == int(np.prod(shape))
    assert type(x.dim()) is int and x.dim() == len(shape) == x.ndim
    assert x.size == x.numel() and isinstance(x.size, int)  # (numpy's attribute, an int)
    assert np.zeros(x.size).shape == (x.numel(),) and x.size + 0 == x.numel()


@pytest.mark.parametrize("shape", SHAPES + [(0, 3)])
def test_size_called_is_pytorchs_size(shape):
    # x.size is an int (numpy's); called, it is PyTorch's: the shape, or one axis's length
    x = am.tensor(rand(shape))
    assert x.size() == shape
    for d in range(-len(shape), len(shape)):
        assert x.size(d) == shape[d] and x.size(np.int64(d)) == shape[d]
    with pytest.raises(IndexError, match=re.escape(f"size: dim {len(shape)} ")):
        x.size(len(shape))
    with pytest.raises(TypeError, match=r"size: dim must be an int, got 1\.0"):
        x.size(1.0)
    assert type(pickle.loads(pickle.dumps(x.size))) is int  # (pickled as the int it is)


# -- view ------------------------------------------------------------------------------


@pytest.mark.parametrize("shape, args, want", [
    ((2, 3), (3, 2), (3, 2)), ((2, 3), ((3, 2),), (3, 2)), ((2, 3), ([6],), (6,)),
    ((2, 3), (-1,), (6,)), ((2, 3, 4), (2, -1), (2, 12)), ((1,), ((),), ()), ((), (1, 1), (1, 1)),
])
def test_view_is_a_reshape_taking_varargs_a_tuple_and_minus_one(shape, args, want):
    a = rand(shape)
    x = am.tensor(a, requires_grad=True)
    assert x.view(*args).shape == want == x.reshape(*args).shape
    np.testing.assert_array_equal(x.view(*args).data, a.reshape(want))
    check_both(lambda t: t.view(*args) ** 2, a)


def test_view_refuses_a_missing_shape_or_a_wrong_number_of_elements():
    x = am.tensor(rand((2, 3)))
    with pytest.raises(TypeError, match=re.escape("view: missing the shape (of a tensor of shape (2, 3))")):
        x.view()
    with pytest.raises(ValueError, match=re.escape("view (reshape): invalid input for shapes (2, 3), shape=(4, 2)")):
        x.view(4, 2)
    with pytest.raises(ValueError, match=r"view \(reshape\).*\(2, 3\)"):
        x.view(-1, -1)


# -- dtype conversions -----------------------------------------------------------------

CONVERSIONS = {"float": np.float32, "double": np.float64, "half": np.float16,
               "long": np.int64, "int": np.int32, "bool": np.bool_}


@pytest.mark.parametrize("name, dtype", CONVERSIONS.items())
@pytest.mark.parametrize("shape", SHAPES)
def test_conversions_give_numpys_cast_and_a_gradient_for_floating_targets(name, dtype, shape):
    a = rand(shape) * 3
    x = am.tensor(a, requires_grad=True)
    y = getattr(x, name)()
    assert y.dtype == dtype and y.shape == shape
    np.testing.assert_array_equal(y.data, a.astype(dtype))
    assert not np.shares_memory(y.data, x.data)
    if np.dtype(dtype).kind == "f":
        g = rand(shape, 1).astype(dtype)
        (y * am.tensor(g)).sum().backward()
        assert x.grad.dtype == np.float64
        np.testing.assert_array_equal(x.grad.data, g.astype(np.float64))
    else:
        assert not y.requires_grad and y.grad_fn is None


@pytest.mark.parametrize("shape", SHAPES)
def test_double_and_conversions_into_a_float64_chain_pass_gradient_checks(shape):
    a = rand(shape)
    check_both(lambda t: t.double() ** 3, a)
    check_both(lambda t: t.float().double() * 0 + t.double() * t, a)  # (float32 path: its gradient 0)


def test_conversions_of_an_integer_tensor_and_their_bad_use():
    i = am.tensor([1, -2, 0])
    assert i.float().dtype == np.float32 and i.bool().data.tolist() == [True, True, False]
    with pytest.raises(TypeError, match="only floating-point tensors can require grad, got dtype int64"):
        am.tensor([1.5, 2.5], requires_grad=True).long().requires_grad_()
    with pytest.raises(TypeError):
        am.tensor([1.5]).float(np.float64)  # (no argument: astype takes a dtype)


# -- clone ------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
def test_clone_is_a_differentiable_copy_in_a_new_array(shape):
    a = rand(shape)
    x = am.tensor(a, requires_grad=True)
    c = x.clone()
    assert c.shape == shape and c.dtype == x.dtype and c.requires_grad and c is not x
    assert not np.shares_memory(c.data, x.data)
    c.data[...] = 99.0
    np.testing.assert_array_equal(x.data, a)
    g = rand(shape, 1)
    (x.clone() * am.tensor(g)).sum().backward()
    np.testing.assert_array_equal(x.grad.data, g)
    check_both(lambda t: t.clone() * t, a)


def test_clone_of_an_integer_tensor_and_with_an_argument():
    i = am.tensor([3, 4])
    assert i.clone().dtype == np.int64 and i.clone().data.tolist() == [3, 4]
    with pytest.raises(TypeError):
        i.clone(1)


# -- masked_fill -------------------------------------------------------------------------


@pytest.mark.parametrize("shape, mask_shape", [
    ((4,), (4,)), ((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 3), (2, 1)), ((2, 2, 3), (1, 3)), ((2, 3), ()),
])
def test_masked_fill_matches_where_and_its_gradient_is_zero_where_filled(shape, mask_shape):
    a = rand(shape)
    mask = rand(mask_shape, 2) > 0
    x = am.tensor(a, requires_grad=True)
    y = x.masked_fill(am.tensor(mask), -1.5)
    assert y.shape == shape
    np.testing.assert_array_equal(y.data, np.where(mask, -1.5, a))
    np.testing.assert_array_equal(am.masked_fill(x, mask, -1.5).data, y.data)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.broadcast_to(~mask, shape).astype(float))
    check_both(lambda t: t.masked_fill(mask, 0.5) * t, a)
    check_both(lambda t: am.masked_fill(t * t, am.tensor(mask), -2.0) + t ** 3, a)


def test_masked_fill_keeps_float32_takes_minus_inf_and_a_0d_value_tensor():
    x = am.tensor(rand((2, 3)).astype(np.float32))
    causal = np.triu(np.ones((3, 3), bool), 1)
    scores = am.tensor(rand((2, 3, 3)).astype(np.float32), requires_grad=True)
    filled = scores.masked_fill(causal, -np.inf)
    assert filled.dtype == np.float32
    probs = filled.softmax(-1)
    assert np.all(probs.data[:, causal] == 0) and np.all(np.isfinite(probs.data))
    probs.sum().backward()
    assert np.all(scores.grad.data[:, causal] == 0)
    assert x.masked_fill(x.data > 0, 0.0).dtype == np.float32
    v = am.tensor(0.25, requires_grad=True)
    mask = np.array([[True, False, True], [False, False, True]])
    am.tensor(rand((2, 3))).masked_fill(mask, v).sum().backward()
    assert v.grad.item() == 3.0
    check_both(lambda t, s: t.masked_fill(mask, s) * t, rand((2, 3)), np.array(0.7))


def test_masked_fill_keeps_the_tensors_dtype_whatever_the_values():
    # PyTorch casts the value to x's dtype: an int or bool x stays so, and a float64
    # value (a numpy scalar, a 0-d tensor) does not upcast a float32 x.
    mask = np.array([True, False, True])
    n = am.tensor(np.array([1, 2, 3]))
    assert n.masked_fill(mask, 2.7).dtype == np.int64
    np.testing.assert_array_equal(n.masked_fill(mask, 2.7).data, [2, 2, 2])
    b = am.tensor(np.array([True, True, False]))
    assert b.masked_fill(mask, 0).dtype == np.bool_
    np.testing.assert_array_equal(b.masked_fill(mask, 0).data, [False, True, False])
    x = am.tensor(rand(3).astype(np.float32), requires_grad=True)
    assert x.masked_fill(mask, np.float64(1.5)).dtype == np.float32
    v = am.tensor(0.5, requires_grad=True)  # (float64)
    y = x.masked_fill(mask, v)
    assert y.dtype == np.float32 and y.data[0] == 0.5
    y.sum().backward()
    assert v.grad.dtype == np.float64 and v.grad.item() == 2.0
    np.testing.assert_array_equal(x.grad.data, [0, 1, 0])
    assert am.tensor(np.array([1, 2], np.int32)).masked_fill(np.array([True, False]), am.tensor(7)).dtype == np.int32
    with pytest.raises(ValueError, match=r"masked_fill: value 1e\+300 cannot be converted to dtype float32"):
        x.masked_fill(mask, 1e300)
    with pytest.raises(ValueError, match=r"masked_fill: value nan cannot be converted to dtype int64"):
        n.masked_fill(mask, float("nan"))
    with pytest.raises(TypeError, match=r"masked_fill: value 1j of dtype complex128 does not fit"):
        x.masked_fill(mask, 1j)
    assert x.masked_fill(mask, -np.inf).data[0] == -np.inf


def test_masked_fill_refuses_a_non_boolean_or_non_broadcasting_mask_and_an_array_value():
    x = am.tensor(rand((2, 3)))
    with pytest.raises(TypeError, match=r"masked_fill: mask must be boolean, got dtype int64 \(mask of shape \(3,\)"):
        x.masked_fill(np.array([1, 0, 1]), 0.0)
    with pytest.raises(TypeError, match=r"masked_fill: mask must be boolean, got dtype float64"):
        am.masked_fill(x, am.tensor([[1.0, 0.0, 1.0]]), 0.0)
    with pytest.raises(ValueError, match=re.escape("masked_fill: a mask of shape (2,) does not broadcast "
                                                   "to the tensor's shape (2, 3)")):
        x.masked_fill(np.array([True, False]), 0.0)
    with pytest.raises(ValueError, match=re.escape("masked_fill: a mask of shape (4, 2, 3) does not "
                                                   "broadcast to the tensor's shape (2, 3)")):
        x.masked_fill(np.ones((4, 2, 3), bool), 0.0)  # (would enlarge x)
    with pytest.raises(ValueError, match=r"masked_fill: value must be a number or a 0-d tensor, got shape \(3,\)"):
        x.masked_fill(np.ones(3, bool), am.tensor([1.0, 2.0, 3.0]))


# -- expand -----------------------------------------------------------------------------


@pytest.mark.parametrize("shape, sizes, want", [
    ((3, 1), (3, 4), (3, 4)), ((3, 1), ((3, 4),), (3, 4)), ((3, 1), (-1, 4), (3, 4)),
    ((1, 3), (2, 5, -1), (2, 5, 3)), ((), (2, 3), (2, 3)), ((2, 3), (-1, -1), (2, 3)),
    ((1, 3), (0, 3), (0, 3)), ((2, 1, 3), (4, 2, 5, 3), (4, 2, 5, 3)),
])
def test_expand_broadcasts_keeping_minus_one_axes(shape, sizes, want):
    a = rand(shape)
    y = am.tensor(a).expand(*sizes)
    assert y.shape == want
    np.testing.assert_array_equal(y.data, np.broadcast_to(a, want))
    check_both(lambda t: t.expand(*sizes) ** 2, a)


@pytest.mark.parametrize("sizes, error, message", [
    ((3, 4), ValueError, r"expand: size 3 at axis 0 of sizes \(3, 4\) must equal the tensor's size 2 there \(shape \(2, 3\)\)"),
    ((3,), ValueError, r"expand: 1 sizes \(3,\) for a tensor of shape \(2, 3\) with 2 axes"),
    ((-1, 2, 3), ValueError, r"expand: size -1 at axis 0 .* is a new axis"),
    ((2, -2), ValueError, r"expand: size -2 at axis 1 .*sizes are >= 0"),
    ((2, 3.0), TypeError, r"expand: sizes must be ints, got \(2, 3.0\) for a tensor of shape \(2, 3\)"),
])
def test_expand_refuses_sizes_that_do_not_fit(sizes, error, message):
    with pytest.raises(error, match=message):
        am.tensor(rand((2, 3))).expand(*sizes)


# -- repeat -----------------------------------------------------------------------------


@pytest.mark.parametrize("shape, reps", [
    ((3,), (2,)), ((2, 3), (2, 2)), ((2, 3), ((1, 3),)), ((2, 3), (3, 1, 2)), ((), (2, 3)),
    ((2, 1, 3), (1, 4, 1)), ((2, 3), (0, 2)), ((2, 3), (1, 1)),
])
def test_repeat_is_numpys_tile(shape, reps):
    a = rand(shape)
    r = reps[0] if len(reps) == 1 and isinstance(reps[0], tuple) else reps
    y = am.tensor(a).repeat(*reps)
    np.testing.assert_array_equal(y.data, np.tile(a, r))
    x = am.tensor(a, requires_grad=True)
    g = rand(y.shape, 1)
    (x.repeat(*reps) * am.tensor(g)).sum().backward()
    # (each element's gradient: the sum of the upstream gradient over its copies)
    want = np.zeros(shape)
    flat = np.tile(np.arange(a.size).reshape(shape), r).ravel()
    np.add.at(want.reshape(-1), flat, g.ravel())
    np.testing.assert_allclose(x.grad.data, want, rtol=1e-14, atol=1e-14)
    check_both(lambda t: t.repeat(*reps) ** 2, a)


@pytest.mark.parametrize("reps, error, message", [
    ((2,), ValueError, r"repeat: 1 repeats \(2,\) for a tensor of shape \(2, 3\) with 2 axes"),
    ((2, -1), ValueError, r"repeat: repeats \(2, -1\) for a tensor of shape \(2, 3\) must be >= 0"),
    ((2, 1.5), TypeError, r"repeat: sizes must be ints"),
])
def test_repeat_refuses_too_few_or_negative_repeats(reps, error, message):
    with pytest.raises(error, match=message):
        am.tensor(rand((2, 3))).repeat(*reps)


# -- chunk ------------------------------------------------------------------------------


@pytest.mark.parametrize("shape, chunks, dim, lengths", [
    ((6,), 3, 0, [2, 2, 2]), ((6,), 4, 0, [2, 2, 2]), ((7,), 3, 0, [3, 3, 1]), ((5,), 2, 0, [3, 2]),
    ((2, 5), 3, 1, [2, 2, 1]), ((2, 5), 3, -1, [2, 2, 1]), ((3, 2), 5, 0, [1, 1, 1]),
    ((0, 2), 3, 0, [0, 0, 0]), ((4, 2), 1, 0, [4]),
])
def test_chunk_follows_torch_chunk_and_concatenating_is_the_identity(shape, chunks, dim, lengths):
    a = rand(shape)
    pieces = am.tensor(a).chunk(chunks, dim=dim)
    assert isinstance(pieces, tuple)
    assert [p.shape[dim] for p in pieces] == lengths  # (torch.chunk's lengths)
    np.testing.assert_array_equal(am.concatenate(pieces, axis=dim).data, a)
    if a.size:
        check_both(lambda t: am.concatenate([p * (k + 1) for k, p in enumerate(t.chunk(chunks, dim))], axis=dim) ** 2, a)


@pytest.mark.parametrize("call, error, message", [
    (lambda x: x.chunk(0), ValueError, r"chunk: chunks must be larger than 0, got 0 for shape \(2, 3\)"),
    (lambda x: x.chunk(2.0), TypeError, r"chunk: chunks must be an int, got 2.0"),
    (lambda x: x.chunk(2, dim=2), ValueError, r"chunk: axis 2 is out of range for shape \(2, 3\)"),
    (lambda x: x.sum().chunk(2), ValueError, r"chunk: needs a tensor with at least one axis"),
])
def test_chunk_refuses_bad_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call(am.tensor(rand((2, 3))))


# -- all of them under am.compile ---------------------------------------------------------


def _ported(x, mask):
    """A function as a PyTorch user writes it, with each of the names."""
    n = x.numel() / x.dim()
    h = x.view(2, -1).double().clone()                                # (2, 6)
    h = h.masked_fill(mask, 0.0) + am.masked_fill(h, h > 0.5, 1.0)      # (a mask computed inside)
    h = h[:, :1].expand(2, 6) * h + h.repeat(1, 2)[:, 6:]             # (2, 6)
    a, b, c = h.chunk(3, dim=1)
    counts = (x.long() + x.int() + x.bool().long()).sum(1).float().half().double()
    return (a * b + c).sum() * n + (h.float().double() ** 2).sum() + (counts * x.view(4, 3)[:, 0]).sum()


def test_the_names_compiled_equal_eager_values_and_gradients_bit_for_bit():
    compiled = am.compile(_ported)
    for seed in range(3):
        a = rand((4, 3), seed) * 3
        mask = rand((2, 6), seed + 10) > 0
        x = am.tensor(a, requires_grad=True)
        got = compiled(x, mask)
        got.backward()
        got_grad = x.grad.data.copy()
        x.grad = None
        want = _ported(x, mask)
        want.backward()
        np.testing.assert_array_equal(got.data, want.data)
        np.testing.assert_array_equal(got_grad, x.grad.data)
    assert compiled.recordings == 1 and compiled.calls == 3


@pytest.mark.parametrize("op", ["expand", "repeat"])
def test_expand_and_repeat_without_sizes_are_refused_even_for_0d(op):
    # PyTorch raises a TypeError for t.expand() and t.repeat(), as view() does here;
    # a 0-d tensor's sizes are the empty tuple, passed as one.
    for shape in [(), (2, 3)]:
        x = am.tensor(rand(shape))
        with pytest.raises(TypeError, match=rf"{op}: missing the sizes \(of a tensor of shape"):
            getattr(x, op)()
    assert getattr(am.tensor(rand(())), op)(()).shape == ()


# -- ~, &, |, ^ on boolean masks (PyTorch code writes ~pad_mask, a & b) -------------------

@pytest.mark.parametrize("shapes", [((4,), (4,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2,))])
def test_boolean_mask_operators_are_numpys_on_booleans(shapes):
    rng = np.random.default_rng(1)
    a, b = rng.random(shapes[0]) < 0.5, rng.random(shapes[1]) < 0.5
    ta, tb = am.tensor(a), am.tensor(b)
    for got, want in [(~ta, ~a), (ta & tb, a & b), (ta | tb, a | b), (ta ^ tb, a ^ b),
                      (ta & True, a & True), (False | tb, False | b), (a ^ tb, a ^ b)]:
        assert isinstance(got, am.Tensor) and got.dtype == np.bool_
        np.testing.assert_array_equal(got.numpy(), want)
    keep = (~(am.arange(5) >= 3)).astype(np.float64)  # (the padding-mask idiom)
    np.testing.assert_array_equal(keep.numpy(), [1, 1, 1, 0, 0])


def test_boolean_mask_operators_compile():
    f = am.compile(lambda m, n: (~m & n) | (m ^ n))
    a, b = np.array([True, False, True, False]), np.array([True, True, False, False])
    for _ in range(2):
        np.testing.assert_array_equal(f(am.tensor(a), am.tensor(b)).numpy(), (~a & b) | (a ^ b))


def test_boolean_mask_operators_with_a_python_bool_compile():
    # (a Python bool is a constant, as the 0 of x > 0: not a tensor made while recording)
    f = am.compile(lambda x: ((x > 0) & True) | ((x < -1) & False) | (False ^ (x > 5)) | ((x > 2) | np.bool_(False)))
    for v in ([1.0, -3.0, 7.0], [-1.0, 3.0, 0.5]):
        a = np.array(v)
        np.testing.assert_array_equal(f(am.tensor(a)).numpy(), (a > 0) | (a > 5) | (a > 2))
    g = am.compile(lambda x: ((x > 0) | True) ^ True)
    np.testing.assert_array_equal(g(am.tensor([1.0, -1.0])).numpy(), [False, False])
    assert (am.tensor(np.array([[True, False]])) & True).shape == (1, 2)
    assert (am.tensor(True) ^ np.bool_(True)).shape == ()


def test_boolean_mask_operators_refuse_other_dtypes_and_shapes_by_name():
    # (not a silent logical result where numpy and PyTorch compute bitwise on integers)
    with pytest.raises(TypeError, match=r"~.*int64.*\(3,\)"):
        ~am.arange(3)
    with pytest.raises(TypeError, match=r"&.*float64"):
        am.tensor([True]) & am.tensor([1.0])
    with pytest.raises(TypeError, match=r"\|.*int"):
        am.tensor([True]) | 1
    with pytest.raises(ValueError, match=r"\^.*\(2,\).*\(3,\)"):
        am.tensor([True, False]) ^ am.tensor([True, False, True])



# -- dtype names: torch.float64 and friends, as numpy's scalar types --------------------

def test_dtype_names_are_numpys_types_under_torchs_names():
    want = {"float16": np.float16, "float32": np.float32, "float64": np.float64, "half": np.float16,
            "float": np.float32, "double": np.float64, "int8": np.int8, "int16": np.int16,
            "short": np.int16, "int32": np.int32, "int": np.int32, "int64": np.int64, "long": np.int64,
            "uint8": np.uint8, "bool": np.bool_, "complex64": np.complex64, "complex128": np.complex128}
    for name, t in want.items():
        assert getattr(am, name) is t, name
    before = am.get_default_dtype()
    try:
        am.set_default_dtype(am.float32)
        assert am.tensor([1.0]).dtype == am.float32
    finally:
        am.set_default_dtype(before)
    x = am.zeros(2, 3, dtype=am.float64)
    assert x.dtype == am.float64 and x.to(am.long).dtype == np.int64
    assert (x == 0).dtype == am.bool and am.arange(3, dtype=am.int64).dtype == np.int64


# -- the one device: x.device, x.cpu(), model.to("cpu") ---------------------------------

def test_cpu_device_habits_work_and_other_devices_are_refused():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    assert x.device == am.device("cpu") and x.device.type == "cpu" and x.cpu() is x
    model = am.nn.Linear(2, 2)
    w = model.weight
    assert model.to("cpu") is model and model.weight is w and w.dtype == np.float64
    assert model.to(x.device).weight is w
    assert model.to("cpu", np.float32) is model and w.dtype == np.float32
    assert model.to(device="cpu", dtype=am.float64) is model and w.dtype == np.float64
    with pytest.raises(ValueError, match=r"Linear.to: device 'cuda'"):
        model.to("cuda")
    with pytest.raises(TypeError, match=r"Linear.to: expected a floating dtype"):
        model.to(np.int64)


def test_set_grad_enabled_inference_mode_and_is_tensor():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    with am.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad  # (the mode before it, back on exit)
    am.set_grad_enabled(False)  # (called alone: it stays set)
    try:
        assert not am.is_grad_enabled()
    finally:
        am.set_grad_enabled(True)
    with am.inference_mode():
        assert not (x * 2).requires_grad
    with pytest.raises(TypeError, match="set_grad_enabled: mode must be True or False"):
        am.set_grad_enabled(1)
    assert am.is_tensor(x) and not am.is_tensor(x.data)


def test_set_grad_enabled_as_a_decorator_leaves_the_mode_as_it_was():
    # PyTorch's @torch.set_grad_enabled(False): the function runs in that mode, and
    # decorating it changes nothing outside (the constructor's switch is undone)
    x = am.tensor([1.0, 2.0], requires_grad=True)

    @am.set_grad_enabled(False)
    def f(t):
        assert not am.is_grad_enabled()
        return t * 2

    assert am.is_grad_enabled()
    assert not f(x).requires_grad
    assert am.is_grad_enabled() and (x * 2).requires_grad
    with am.no_grad():
        g = am.set_grad_enabled(True)(lambda t: t * 2)
        assert not am.is_grad_enabled()
        assert g(x).requires_grad
        assert not am.is_grad_enabled()


def test_inference_mode_takes_pytorchs_mode_flag():
    # torch.inference_mode(mode=True): mode=False leaves grad mode as it is
    x = am.tensor([1.0, 2.0], requires_grad=True)
    with am.inference_mode(True):
        assert not (x * 2).requires_grad
    with am.inference_mode(mode=False):
        assert (x * 2).requires_grad
    with am.no_grad(), am.inference_mode(False):
        assert not am.is_grad_enabled()

    @am.inference_mode(mode=False)
    def f(t):
        return t * 2

    @am.inference_mode(True)
    def g(t):
        return t * 2

    assert f(x).requires_grad and not g(x).requires_grad and am.is_grad_enabled()
    with pytest.raises(TypeError, match="inference_mode: mode must be True or False"):
        am.inference_mode(mode=1)
