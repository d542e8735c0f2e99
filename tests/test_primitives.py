"""Every registered primitive, driven by the table itself.

For each entry of autograd_mini.primitives.PRIMITIVES, on hypothesis-drawn
cases from tests/primitive_samples.py: the forward equals numpy's (on arrays
and on tensors); differentiable ones pass gradcheck and gradgradcheck; the
non-differentiable ones record nothing and pass no gradient. A primitive
without a sample description fails the meta-test, so coverage follows the
registry rather than anyone's memory.
"""

from __future__ import annotations

import contextlib
import re
import warnings
from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import primitives as P
from autograd_mini.primitives import PRIMITIVES, Primitive
from primitive_samples import SAMPLES, Case

DIFFERENTIABLE = sorted(n for n, p in PRIMITIVES.items() if p.differentiable)
NON_DIFFERENTIABLE = sorted(n for n, p in PRIMITIVES.items() if not p.differentiable)


def test_every_registered_primitive_has_a_sample_description() -> None:
    missing = sorted(set(PRIMITIVES) - set(SAMPLES))
    stale = sorted(set(SAMPLES) - set(PRIMITIVES))
    assert not missing, f"primitives without a sample in tests/primitive_samples.py: {missing}"
    assert not stale, f"samples for primitives that are not registered: {stale}"
    assert NON_DIFFERENTIABLE, "the table should declare its non-differentiable primitives"


def _draw(name: str, data: st.DataObject) -> Case:
    if name not in SAMPLES:
        pytest.fail(f"primitive {name!r} has no sample description in tests/primitive_samples.py")
    return data.draw(SAMPLES[name], label=name)


def _as_function(prim: Primitive, case: Case) -> Callable[..., am.Tensor]:
    """prim as a function of its differentiated inputs, the other inputs held fixed."""

    def f(*ts: am.Tensor) -> am.Tensor:
        args = list(case.args)
        for i, t in zip(case.diff, ts):
            args[i] = t
        return prim(*args, **case.params)

    return f


@contextlib.contextmanager
def _strict_warnings(coarse: bool) -> Any:
    """A float32 output must announce its looser check; nothing else may warn
    (numpy's overflow and invalid-value warnings would mean the sample left the domain)."""
    if coarse:
        with pytest.warns(UserWarning, match="float32"):
            yield
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_forward_equals_numpy(name: str, data: st.DataObject) -> None:
    case = _draw(name, data)
    prim = PRIMITIVES[name]
    expected = np.asarray(case.expected)
    raw = np.asarray(prim(*case.args, **case.params))
    tensors = [am.tensor(a) if isinstance(a, np.ndarray) else a for a in case.args]
    out = prim(*tensors, **case.params)
    assert isinstance(out, am.Tensor)
    for got in (raw, out.data):
        assert got.shape == expected.shape
        assert got.dtype == expected.dtype
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", DIFFERENTIABLE)
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_gradients_first_and_second_order(name: str, data: st.DataObject) -> None:
    case = _draw(name, data)
    f = _as_function(PRIMITIVES[name], case)
    inputs = [case.args[i] for i in case.diff]
    coarse = np.asarray(case.expected).dtype.itemsize < 8
    with _strict_warnings(coarse):
        assert am.gradcheck(f, inputs, seed=0)
    with _strict_warnings(coarse):
        assert am.gradgradcheck(f, inputs, seed=1)


SHAPE_ONLY = sorted(n for n, p in PRIMITIVES.items() if p.shape_only)


@pytest.mark.parametrize("name", SHAPE_ONLY)
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_shape_only_inputs_are_never_read_by_the_vjps(name: str, data: st.DataObject) -> None:
    # The claim lets these inputs change in place between the forward and the backward
    # (engine._check_unchanged skips them), so test it: fill them with NaN (behind the
    # engine's back, as such a change would be) and the gradients, first order and
    # recorded, must not change.
    prim = PRIMITIVES[name]
    case = _draw(name, data)
    free = range(len(case.args)) if prim.shape_only is True else prim.shape_only
    inputs = [am.tensor(case.args[i], requires_grad=True) for i in case.diff]
    args = list(case.args)
    for i, t in zip(case.diff, inputs):
        args[i] = t
    for i in free:  # (the constants among them as tensors too, so that their arrays can be filled)
        if not isinstance(args[i], am.Tensor) and isinstance(args[i], np.ndarray):
            args[i] = am.tensor(args[i])
    out = prim(*args, **case.params)
    g = np.random.default_rng(0).standard_normal(out.shape).astype(out.dtype)
    before = [x.data.copy() for x in am.autograd.grad(out, inputs, g, retain_graph=True)]
    filled = [args[i] for i in free if isinstance(args[i], am.Tensor) and args[i].dtype.kind in "fc"]
    assert filled or prim.shape_only is True, f"{name}: no input to fill"
    for t in filled:
        t.data[...] = np.nan
    after = am.autograd.grad(out, inputs, g, retain_graph=True)
    recorded = am.autograd.grad(out, inputs, g, retain_graph=True, create_graph=True)
    for b, a, r in zip(before, after, recorded):
        np.testing.assert_array_equal(a.data, b)
        np.testing.assert_array_equal(r.data, b)


def test_a_shape_only_input_changed_in_place_after_the_forward_is_allowed() -> None:
    # PyTorch's add, sum and indexing save no values: changing w in place between the
    # forward and the backward is fine; a product of w keeps refusing it.
    w = am.tensor([1.0, 2.0, 3.0], requires_grad=True)
    table = am.nn.Embedding(4, 2)
    y = (w + 1.0).sum() + (w[[0, 2]] * 2.0).sum() + table(am.tensor([1, 1, 3])).sum()
    with am.no_grad():
        w.add_(10.0)
        table.weight.copy_(am.zeros((4, 2)))  # (a codebook's EMA update, as a VQ-VAE makes)
    y.backward()
    np.testing.assert_array_equal(w.grad.data, [3.0, 1.0, 3.0])
    np.testing.assert_array_equal(table.weight.grad.data, [[0, 0], [2, 2], [0, 0], [1, 1]])
    z = (w * w).sum()
    with am.no_grad():
        w.add_(1.0)
    with pytest.raises(RuntimeError, match="changed in place"):
        z.backward()


def _sum_to(a: np.ndarray, shape: tuple) -> np.ndarray:
    """Reduce a broadcast result back to `shape` (what the gradient of a broadcast input is)."""
    a = a.sum(axis=tuple(range(a.ndim - len(shape))))
    return a.sum(axis=tuple(i for i, n in enumerate(shape) if n == 1), keepdims=True)


@pytest.mark.parametrize("name", NON_DIFFERENTIABLE)
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_non_differentiable_primitives_carry_no_gradient(name: str, data: st.DataObject) -> None:
    case = _draw(name, data)
    leaves = [am.tensor(case.args[i], requires_grad=True) for i in case.diff]
    out = _as_function(PRIMITIVES[name], case)(*leaves)
    assert not out.requires_grad and out.grad_fn is None
    np.testing.assert_array_equal(out.data, case.expected)
    # Inside a differentiable expression the result acts as a constant.
    x = leaves[0]
    (out.astype(np.float64) * x).sum().backward()
    np.testing.assert_allclose(x.grad.data, _sum_to(out.data.astype(np.float64) * np.ones_like(x.data), x.shape))


@pytest.mark.parametrize("x_shape, index, axis", [((4,), 2, 0), ((2, 3), [0, 2], 1), ((2, 3), (1, 1), -1)])
def test_pick_takes_any_integer_index_forward_and_backward(x_shape, index, axis) -> None:
    x = am.tensor(np.arange(float(np.prod(x_shape))).reshape(x_shape), requires_grad=True)
    y = P.pick.apply(x, index, axis=axis)
    expected = np.take_along_axis(x.data, np.expand_dims(np.asarray(index), axis), axis).squeeze(axis)
    np.testing.assert_array_equal(y.data, expected)
    y.sum().backward()
    ones = np.zeros(x_shape)
    np.put_along_axis(ones, np.expand_dims(np.asarray(index), axis), 1.0, axis)
    np.testing.assert_array_equal(x.grad.data, ones)


@pytest.mark.parametrize(
    "index, axis, pattern",
    [([0.0, 1.0], 1, r"pick: .*index must hold integers, got dtype float64"),
     ([0, 1, 2], 1, r"pick: .*index must have x's shape without axis 1, \(2,\)"),
     ([0, 3], 1, r"pick: .*index 3 is out of range \[0, 2\] for axis 1 of size 3"),
     ([0, -1], 1, r"pick: .*index -1 is out of range"),
     ([0, 1], 2, r"pick: .*axis 2 is out of range for 2 dimensions")],
)
def test_pick_refuses_bad_indices(index, axis, pattern) -> None:
    with pytest.raises(ValueError, match=pattern):
        P.pick.apply(am.tensor(np.ones((2, 3)), requires_grad=True), np.array(index), axis=axis)


# -- details a mutation test found no test checking ----------------------------------------


def test_repeated_indices_add_their_gradients_in_the_gradient_dtype():
    x = am.tensor(np.arange(4.0, dtype=np.float32), requires_grad=True)
    P.getitem.apply(x, index=[0, 0, 2, 0]).sum().backward()  # (a list, as numpy reads one)
    np.testing.assert_array_equal(x.grad.data, [3.0, 0.0, 1.0, 0.0])
    y = am.tensor(np.ones((2, 3)), requires_grad=True)
    (y[[1, 1], [2, 2]] * am.tensor([2.0, 5.0])).sum().backward()
    np.testing.assert_array_equal(y.grad.data, [[0, 0, 0], [0, 0, 7.0]])
    # (the VJP itself, as an inner node receives it: a leaf's .grad is cast anyway)
    g = np.ones(3, dtype=np.float32)
    assert P.getitem.vjps[0](g, g, x.data, index=np.array([0, 0, 1])).dtype == np.float32


def test_astype_hands_back_a_gradient_of_the_input_dtype():
    x = am.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    (x.astype(np.float64) * 2.0).sum().backward()
    assert x.grad.dtype == np.float32 and np.array_equal(x.grad.data, [2, 2, 2])
    g = np.ones(3)
    assert P.astype.vjps[0](g, g, x.data, dtype=np.dtype(np.float64)).dtype == np.float32


def test_fold_adds_windows_that_overlap_through_their_dilation():
    # kernel 2, stride 2, dilation 2: each window spans 3 rows, so neighbours share one
    x = np.arange(25.0).reshape(5, 5)
    t = am.tensor(x, requires_grad=True)
    P.unfold(t, kernel_size=(2, 2), stride=(2, 2), dilation=(2, 2)).sum().backward()
    counts = np.zeros((5, 5))
    for i in range(2):
        for j in range(2):
            for a in range(2):
                for b in range(2):
                    counts[2 * i + 2 * a, 2 * j + 2 * b] += 1
    np.testing.assert_array_equal(t.grad.data, counts)
    assert counts.max() == 4


def test_pow_gradients_at_a_zero_base_are_the_limits_not_nan():
    # d(x**y)/dx = y x**(y-1) is 0 at x = 0 for y > 1 and 1 for y = 1; d/dy = x**y log x
    # is 0 at x = 0 for y > 0 (x**y is 0 there). Computing x**(y-1) as x**y / x, or taking
    # log 0 = -inf into the product (0 * -inf), gave NaN; a warning would mean the same.
    x = am.tensor([0.0, 0.0, 2.0], requires_grad=True)
    y = am.tensor([2.0, 1.0, 3.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gx, gy = am.autograd.grad((x ** y).sum(), [x, y])
        (gx_const,) = am.autograd.grad((x ** y.data).sum(), [x])
    np.testing.assert_allclose(gx.data, [0.0, 1.0, 12.0], rtol=1e-15, atol=0)
    np.testing.assert_allclose(gy.data, [0.0, 0.0, 8.0 * np.log(2.0)], rtol=1e-15, atol=0)
    np.testing.assert_allclose(gx_const.data, [0.0, 1.0, 12.0], rtol=1e-15, atol=0)


@pytest.mark.parametrize("dtype, tiny", [(np.float32, 1e-39), (np.float64, 1e-310)])
def test_div_gradient_of_the_numerator_is_g_over_y_not_g_times_one_over_y(dtype, tiny):
    # d(x/y)/dx = 1/y overflows for a subnormal y, where g/y does not: computed as
    # g * (1/y) the gradient was inf (and numpy warned), g / y is 1e-3 / tiny.
    x = am.tensor(np.array([1e-5, 2e-5], dtype), requires_grad=True)
    y = np.array([tiny, 1.0], dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (x / y * dtype(1e-3)).sum().backward()
    np.testing.assert_array_equal(x.grad.data, dtype(1e-3) / y)
    assert np.isfinite(x.grad.data).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [5, 1 << 15], ids=["small", "bitwise-select"])
def test_where_sends_exactly_zero_to_the_branch_it_did_not_pick_even_for_inf_or_nan(dtype, n):
    # where's VJPs select g or 0 (as max's do): the branch not taken gets 0, not g * 0,
    # which is NaN where g is inf or NaN (a log of the other branch's 0 gives an inf g).
    c = np.arange(n) % 2 == 0
    g = np.full(n, np.inf, dtype)
    g[1::4] = np.nan
    x = am.tensor(np.ones(n, dtype), requires_grad=True)
    y = am.tensor(np.ones(n, dtype), requires_grad=True)
    plain = (P.where.vjps[1](g, None, c, x.data, y.data), P.where.vjps[2](g, None, c, x.data, y.data))
    recorded = am.autograd.grad(P.where(c, x, y), [x, y], grad_outputs=am.tensor(g))
    for gx, gy in (plain, recorded):
        gx, gy = np.asarray(getattr(gx, "data", gx)), np.asarray(getattr(gy, "data", gy))
        assert gx.dtype == gy.dtype == dtype
        np.testing.assert_array_equal(gx, np.where(c, g, 0.0).astype(dtype))
        np.testing.assert_array_equal(gy, np.where(c, 0.0, g).astype(dtype))
    # the same through a graph: log of the untaken branch's zeros makes g inf there
    t = am.tensor(np.linspace(0.5, 2.0, n).astype(dtype), requires_grad=True)
    with np.errstate(divide="ignore"):
        am.log(am.where(c, t, 0.0)).sum().backward()
    np.testing.assert_array_equal(t.grad.data, np.where(c, 1.0 / t.data, 0.0).astype(dtype))


@contextlib.contextmanager
def _fast_paths_from(least: int | None) -> Any:
    """Take every size-dependent fast path of the table from `least` elements up (None: as
    shipped); the blocked row sums then take rows of any even length, in blocks of 2."""
    names = ("_BIG", "_REDUCE_LEAST", "_VJP_LEAST", "_SPREAD_LEAST", "_ROW_LEAST", "_ROW_BLOCK", "_ROW_ONES")
    saved = {n: getattr(P, n) for n in names}
    try:
        if least is not None:
            for n in names[:5]:
                setattr(P, n, least)
            P._ROW_BLOCK = 2
            P._ROW_ONES = {dtype: np.ones(2, dtype) for dtype in saved["_ROW_ONES"]}
        yield
    finally:
        for n, v in saved.items():
            setattr(P, n, v)


_SINGLE = {np.dtype(np.float64): np.float32, np.dtype(np.complex128): np.complex64}


@pytest.mark.parametrize("name", DIFFERENTIABLE)
@pytest.mark.parametrize("least", [None, 1], ids=["shipped", "fast-paths"])
@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_single_precision_gradients_agree_with_double(name: str, least: int | None, data: st.DataObject) -> None:
    # gradcheck runs in float64; a VJP branch that only float32 takes (the
    # bitwise selects, the K=1 matmul, the large sigmoid) is checked here: the
    # same case in single precision must give the same gradients to single
    # precision's accuracy, in the inputs' own dtypes.
    case = _draw(name, data)
    single = [a.astype(_SINGLE[a.dtype]) if isinstance(a, np.ndarray) and a.dtype in _SINGLE else a
              for a in case.args]
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    with _fast_paths_from(least):
        results = []
        for args in (case.args, single):
            leaves = [am.tensor(args[i], requires_grad=True) for i in case.diff]
            out = _as_function(PRIMITIVES[name], Case(tuple(args), case.params, diff=case.diff))(*leaves)
            if not results:
                cotangent = rng.standard_normal(out.shape)
                if out.dtype.kind == "c":
                    cotangent = cotangent + 1j * rng.standard_normal(out.shape)
            g = cotangent.astype(out.dtype)
            results.append(am.autograd.grad(out, leaves, grad_outputs=am.tensor(g), allow_unused=True))
    for i, g64, g32 in zip(case.diff, *results):
        if g64 is None:
            assert g32 is None
            continue
        assert g32.dtype == single[i].dtype, f"{name}: gradient of input {i} is {g32.dtype}, not {single[i].dtype}"
        scale = 1.0 + np.abs(g64.data).max(initial=0.0)
        np.testing.assert_allclose(g32.data, g64.data, rtol=1e-3, atol=1e-4 * scale,
                                   err_msg=f"{name}: input {i}")



@pytest.mark.parametrize("name", DIFFERENTIABLE)
@settings(max_examples=5, deadline=None)
@given(data=st.data())
def test_every_vjp_of_single_precision_arrays_is_single_precision(name: str, data: st.DataObject) -> None:
    # The test above compares the leaves' .grad, which the engine casts to the leaf's
    # dtype anyway; an inner node's VJP that upcasts float32 to float64 (a float64
    # constant in it) would make every VJP upstream of it run in float64 unseen.
    case = _draw(name, data)
    args = tuple(a.astype(_SINGLE[a.dtype]) if isinstance(a, np.ndarray) and a.dtype in _SINGLE else a
                 for a in case.args)
    prim = PRIMITIVES[name]
    ans = np.asarray(prim.fwd(*args, **case.params))
    g = np.ones_like(ans)
    for i in case.diff:
        got = np.asarray(prim.vjps[i](g, ans, *args, **case.params))
        assert got.dtype == args[i].dtype, f"{name}: VJP {i} gives {got.dtype} for {args[i].dtype} input"

# -- found by probing the table: edge cases the sampled cases do not reach -------------


@pytest.mark.parametrize("dtype, tiny", [(np.float16, 1e-5), (np.float32, 1e-40), (np.float64, 5e-324)])
def test_pow_gradient_at_a_zero_exponent_is_zero_where_x_to_the_minus_one_overflows(dtype, tiny):
    # d(x**0)/dx = 0; y x**(y-1) was 0 * inf = NaN where x**-1 overflows
    x = am.tensor(np.array([tiny, 0.0, 2.0], dtype), requires_grad=True)
    y = am.tensor(np.zeros(3, dtype), requires_grad=True)
    with np.errstate(over="ignore", divide="ignore"):
        (gx,) = am.autograd.grad(P.pow(x, y).sum(), [x], create_graph=True)
        np.testing.assert_array_equal(gx.data, np.zeros(3, dtype))
        assert gx.dtype == dtype
        gxx, gxy = am.autograd.grad(gx.sum(), [x, y])
    np.testing.assert_array_equal(gxx.data, np.zeros(3, dtype))
    # d/dy of y x**(y-1) at y = 0 is 1/x (inf where that overflows; x = 0 taken as 1)
    np.testing.assert_array_equal(gxy.data, np.array([np.inf, 1.0, 0.5], dtype))


@pytest.mark.parametrize("u_shape, index, shape", [
    ((), np.array([0, 0, 2]), (4,)),                 # repeated integer indices
    ((1,), np.array([0, 0, 2]), (4,)),
    ((), np.array([True, False, True, False]), (4,)),  # a mask
    ((1, 2), slice(0, 2), (4,)),                     # a leading 1 numpy drops
    ((3, 1), (slice(None), np.array([1, 1])), (3, 4)),
])
def test_scatter_add_of_a_broadcast_u_gives_u_its_own_gradient_shape(u_shape, index, shape):
    # scatter_add broadcasts u to the selection as numpy does; u's gradient is
    # summed back to u's shape (it had the selection's shape)
    u = np.random.default_rng(0).standard_normal(u_shape)
    t = am.tensor(u, requires_grad=True)
    out = P.scatter_add(t, index=index, shape=shape)
    (out * out).sum().backward()
    assert t.grad.shape == u_shape
    am.gradcheck(lambda t: P.scatter_add(t, index=index, shape=shape) ** 2, [u])
    am.gradgradcheck(lambda t: P.scatter_add(t, index=index, shape=shape) ** 2, [u])


@pytest.mark.parametrize("u_shape, size, kernel, stride", [
    ((2, 3, 2), (10,), (2,), (1,)),    # 3 windows, where unfold takes 9 from 10
    ((2, 3, 2), (3,), (2,), (1,)),     # 3 windows, where 3 positions hold 2
    ((2, 2, 2), (5,), (3,), (1,)),     # windows of 2 for a kernel of 3
    ((3, 2), (5, 5), (2, 2), (1, 1)),  # fewer axes than two per window axis
    ((2, 3, 2), (4, 4), (2,), (1,)),   # one size per window axis
])
def test_fold_refuses_windows_that_unfold_does_not_take_from_size(u_shape, size, kernel, stride):
    # fold's VJP is unfold of the result: with other windows its gradient had
    # another shape than u ((2, 9, 2) for u of shape (2, 3, 2)), or numpy raised
    # an error that named neither fold nor the windows
    u = am.tensor(np.ones(u_shape), requires_grad=True)
    with pytest.raises(ValueError, match=r"fold: .*" + re.escape(f"shapes {u_shape}")):
        P.fold(u, size=size, kernel_size=kernel, stride=stride, dilation=(1,) * len(kernel))


def test_fold_takes_the_windows_unfold_takes_with_a_remainder():
    # stride 2 over 5 positions: 2 windows of 2, position 4 in none; it folds back as 0
    x = am.tensor(np.arange(10.0).reshape(2, 5), requires_grad=True)
    u = P.unfold(x, kernel_size=(2,), stride=(2,), dilation=(1,))
    out = P.fold(u, size=(5,), kernel_size=(2,), stride=(2,), dilation=(1,))
    np.testing.assert_array_equal(out.data, x.data * [1, 1, 1, 1, 0])


def test_every_differentiable_primitive_states_its_vjp() -> None:
    # (the table is what a reader learns back propagation from: each entry's doc says
    # what its gradient is, not only what the forward computes)
    words = ("vjp", "_bar", "gradient", "d/d")
    missing = [n for n, p in PRIMITIVES.items()
               if p.differentiable and not any(w in p.doc.lower() for w in words)]
    assert not missing, missing


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
def test_scatter_add_of_rows_matches_numpys_add_at_bit_for_bit(dtype):
    """getitem's VJP for an integer array picking rows (an embedding's) adds on the
    flattened array: the same additions in the same order as np.add.at over rows, so the
    same bits; negative indices count from the end, repeats accumulate, and an index out
    of range still raises."""
    rng = np.random.default_rng(0)
    idx = rng.integers(-7, 7, size=(5, 9))
    g = rng.standard_normal((5, 9, 3, 2)).astype(dtype)
    want = np.zeros((7, 3, 2), dtype=np.float32 if dtype == np.float16 else dtype)
    np.add.at(want, idx, g)
    got = P.scatter_add(g, index=idx, shape=(7, 3, 2))
    assert got.dtype == dtype
    assert np.array_equal(got, want.astype(dtype))
    u = np.ones((2, 3, 2), dtype=dtype)  # unsigned indices too
    assert np.array_equal(P.scatter_add(u, index=np.array([4, 4], dtype=np.uint8), shape=(7, 3, 2))[4], 2 * u[0])
    with pytest.raises(IndexError):
        P.scatter_add(g, index=idx + 7, shape=(7, 3, 2))
    w = am.tensor(rng.standard_normal((7, 3, 2)), requires_grad=True)
    (w[idx] * am.tensor(g.astype(np.float64))).sum().backward()
    ref = np.zeros((7, 3, 2))
    np.add.at(ref, idx, g.astype(np.float64))
    assert np.array_equal(w.grad.data, ref)
