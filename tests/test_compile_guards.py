"""am.compile: each thing a tape freezes is checked before a replay, so a call
that differs in it runs eagerly and gives the eager numbers (one test per
guard or refusal that no other test pinned down)."""

from __future__ import annotations

import collections

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn import functional as F


def twice(cf, *args):
    """Call cf twice (record, then replay) and return the replay's result."""
    cf(*args)
    return cf(*args)


def test_a_tape_of_a_call_without_arguments_is_not_replayed_for_a_call_with_one():
    w = am.tensor([1.0, 2.0], requires_grad=True)

    def f(c=1.0):
        return (w * c).sum()

    cf = am.compile(f)
    twice(cf)
    assert cf(3.0).item() == f(3.0).item() == 9.0


def test_a_new_dtype_of_the_same_itemsize_records_again():
    # int16 and float16 share shape and strides; mean widens float16 to float32 (a
    # float16 sum of 8000 tens overflows), which the int16 tape never did.
    def f(x):
        return x.mean()

    cf = am.compile(f)
    twice(cf, am.tensor(np.full(8000, 10, np.int16)))
    half = am.tensor(np.full(8000, 10, np.float16))
    assert cf(half).item() == f(half).item() == 10.0


def test_a_closed_over_tensor_given_an_array_of_another_dtype_records_again():
    s = am.tensor(np.full(8000, 10, np.int16))
    x = am.tensor([1.0], requires_grad=True)

    def f(x):
        return (s.mean() * x).sum()

    cf = am.compile(f)
    twice(cf, x)
    s.data = np.full(8000, 10, np.float16)  # (same shape and strides)
    assert cf(x).item() == f(x).item() == 10.0


def test_a_tensor_where_an_array_was_recorded_records_again():
    w = am.tensor([1.0, 2.0], requires_grad=True)

    def f(x):
        return (w * x).sum()

    cf = am.compile(f)
    twice(cf, np.ones(2))
    assert cf(am.tensor([3.0, 4.0])).item() == 11.0


def test_constants_are_keyed_by_the_types_inside_a_tuple():
    Pair = collections.namedtuple("Pair", "a b")
    w = am.tensor([1.0, 2.0], requires_grad=True)

    def f(c):
        k = c[0]
        return (w * (k.a if isinstance(k, Pair) else 10 * k[0])).sum()

    cf = am.compile(f)
    twice(cf, (Pair(1.0, 2.0),))
    assert cf(((1.0, 2.0),)).item() == f(((1.0, 2.0),)).item() == 30.0


class _Holder:
    def __init__(self) -> None:
        self.w = am.tensor([1.0, 2.0], requires_grad=True)

    def loss(self, x):
        return (self.w * x).sum()


def test_an_argument_that_a_bound_method_object_holds_is_not_taped():
    o = _Holder()
    cf = am.compile(o.loss)
    twice(cf, o.w)
    x = am.tensor([3.0, 4.0], requires_grad=True)
    assert cf(x).item() == o.loss(x).item() == 11.0


def test_an_argument_that_a_closed_over_object_holds_is_not_taped():
    h = _Holder()

    def f(x):
        return (h.w * x).sum()

    cf = am.compile(f)
    twice(cf, h.w)
    x = am.tensor([3.0, 4.0], requires_grad=True)
    assert cf(x).item() == f(x).item() == 11.0


_W = am.tensor([1.0, 2.0], requires_grad=True)


def _stacked(x):
    return am.stack([x * _W for _ in range(2)]).sum()  # (_W read inside a comprehension)


def test_rebinding_a_global_read_inside_a_comprehension_records_again():
    global _W
    cf = am.compile(_stacked)
    x = am.tensor([1.0, 1.0], requires_grad=True)
    old = _W
    try:
        twice(cf, x)
        _W = am.tensor([10.0, 20.0], requires_grad=True)
        assert cf(x).item() == _stacked(x).item() == 60.0
    finally:
        _W = old


_SCALE = 1.0


class _Scaled(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(2, 1)

    def forward(self, x):
        return (self.lin(x) * _SCALE).sum()


def test_rebinding_a_global_a_compiled_modules_forward_reads_records_again():
    global _SCALE
    m = _Scaled()
    cf = am.compile(m)
    x = am.tensor(np.ones((3, 2)))
    try:
        twice(cf, x)
        _SCALE = 5.0
        assert cf(x).item() == m(x).item()
        assert cf.recordings == 2
    finally:
        _SCALE = 1.0


def test_ops_the_output_does_not_depend_on_are_left_out_of_the_tape():
    # (an unused product with an array made inside fn would otherwise be refused)
    def f(x):
        x * am.tensor([1.0, 2.0])
        return (x * 2).sum()

    cf = am.compile(f)
    x = am.tensor([1.0, 1.0], requires_grad=True)
    assert twice(cf, x).item() == 4.0
    assert "# tape of f: 2 ops" in cf.code


def test_a_replayed_zero_d_result_holds_an_array():
    cf = am.compile(lambda x: (x * 2).sum())
    out = twice(cf, am.tensor([1.0, 2.0], requires_grad=True))
    assert type(out.data) is np.ndarray and out.data.shape == ()


def test_numpy_functions_on_an_array_argument_are_refused_while_recording():
    w = am.tensor([1.0, 2.0], requires_grad=True)

    def f(m):
        return (w * float(np.dot(m, m))).sum()

    with pytest.raises(RuntimeError, match=r"numpy\.dot"):
        am.compile(f)(np.ones(2))


def _replay_equals_eager(f, x: np.ndarray) -> None:
    """Values and gradients of a replay equal eager's bit for bit, and no ReLU was moved."""
    cf = am.compile(f)
    got = []
    for fn in (f, cf, cf):  # eager, record, replay
        t = am.tensor(x, requires_grad=True)
        out = fn(t)
        out.backward()
        got.append((out.data.copy(), t.grad.data.copy()))
    for out, grad in got[1:]:
        assert np.array_equal(out, got[0][0]) and np.array_equal(grad, got[0][1])
    assert "ReLU moved" not in cf.code


@pytest.mark.parametrize("name, f, x", [
    # a fill value other than 0: max(where(x <= 0, 0.5, x)) is 0.5 for a window [-2, 0.3, ...]
    ("fill", lambda x: F.max_pool2d(am.where(x <= 0, 0.5, x), 2).sum(), [[-2.0, 0.3], [-3.0, -4.0]]),
    # a strict comparison: where(x < 0, 0, x) lets a 0 through, tied with the zeros
    ("strict", lambda x: F.max_pool2d(am.where(x < 0, 0.0, x), 2).sum(), [[0.0, -1.0], [-3.0, -4.0]]),
    # the mask used again elsewhere
    ("mask reused", lambda x: (lambda m: F.max_pool2d(am.where(m, 0.0, x), 2).sum()
                               + am.where(m, 1.0, 0.0).sum())(x <= 0), [[-2.0, 1.0], [-3.0, -4.0]]),
    # the view between the ReLU and the pool used again elsewhere
    ("view reused", lambda x: (lambda r: F.max_pool2d(r, 2).sum() + (r * 3).sum())(
        F.relu(x).reshape(1, 1, 2, 2)), [[-2.0, 1.0], [3.0, -4.0]]),
])
def test_relu_is_not_moved_after_a_pool_unless_it_is_a_plain_relu_used_once(name, f, x):
    x = np.array(x)[None, None]
    if name == "view reused":
        x = x.reshape(-1)
    _replay_equals_eager(f, x)


def test_a_floating_point_error_in_a_replay_runs_the_function_as_written():
    # The tape keeps the function's errstate; when a replay's values make an op raise,
    # the function runs eagerly, where its own except branch takes the other way.
    def f(x):
        try:
            with np.errstate(over="raise"):
                return x.exp().sum()
        except FloatingPointError:
            return x.sum()

    cf = am.compile(f)
    small = am.tensor([1.0, 2.0])
    for _ in range(3):
        assert cf(small).item() == pytest.approx(np.exp(1.0) + np.exp(2.0))
    assert len(cf._tapes) == 1
    assert cf(am.tensor([1000.0, 2.0])).item() == 1002.0


def test_a_new_default_dtype_records_again_where_the_function_read_it():
    # softmax and mse_loss take integers in the default float dtype: a tape that
    # froze float64 replayed float64 after set_default_dtype(float32)
    x, y = am.tensor(np.array([[1, 2, 3]])), am.tensor(np.array([[0, 2, 5]]))
    for f in (lambda a, b: am.softmax(a, axis=-1), lambda a, b: F.mse_loss(a, b)):
        cf = am.compile(f)
        twice(cf, x, y)
        try:
            am.set_default_dtype(np.float32)
            out, want = cf(x, y), f(x, y)
            assert out.dtype == want.dtype == np.float32 and np.array_equal(out.data, want.data)
            assert cf.recordings == 2
            assert cf(x, y).dtype == np.float32 and cf.recordings == 2  # (the new tape replays)
        finally:
            am.set_default_dtype(np.float64)
        assert cf(x, y).dtype == np.float64


def test_a_function_that_never_reads_the_default_dtype_keeps_its_tape_across_a_new_one():
    cf = am.compile(lambda a: (a * 2.0).sum())
    x = am.tensor([1.0, 2.0])
    twice(cf, x)
    try:
        am.set_default_dtype(np.float32)
        assert cf(x).dtype == np.float64 and cf.recordings == 1
    finally:
        am.set_default_dtype(np.float64)


_FACTOR = 2.0


def _times_factor(x):
    return (x * _FACTOR).sum()


def test_compiling_a_compiled_function_guards_the_globals_and_closure_of_its_code():
    global _FACTOR
    w = am.tensor([1.0, 1.0])
    outer = am.compile(am.compile(_times_factor))
    closed = am.compile(am.compile(lambda x: (x * w).sum()))
    x = am.tensor([1.0, 2.0])
    try:
        assert twice(outer, x).item() == 6.0 and twice(closed, x).item() == 3.0
        _FACTOR = 3.0
        assert outer(x).item() == _times_factor(x).item() == 9.0
        assert outer.recordings == 2
        w = am.tensor([2.0, 2.0])  # (rebinds the cell the lambda reads)
        assert closed(x).item() == 6.0 and closed.recordings == 2
    finally:
        _FACTOR = 2.0


def test_binary_cross_entropy_checks_each_replays_probabilities():
    # Its check that the input holds probabilities was Python on p.data, which ran only
    # while recording: a replay given 1.5 returned a number where eager raises.
    f = lambda p, y: F.binary_cross_entropy(p, y)  # noqa: E731
    cf = am.compile(f)
    y = am.tensor([1.0, 0.0])
    good = am.tensor([0.3, 0.6], requires_grad=True)
    out = twice(cf, good, y)
    out.backward()
    eager = f(good, y)
    assert np.array_equal(out.data, eager.data)
    for bad in ([1.5, 0.6], [0.3, -1e-300], [np.nan, 0.5]):
        with pytest.raises(ValueError, match="probabilities in"):
            cf(am.tensor(bad, requires_grad=True), y)
    assert len(cf._tapes) == 1
    assert cf(am.tensor([1.0, 0.0]), y).item() == f(am.tensor([1.0, 0.0]), y).item()


class _GradReader:
    def __init__(self):
        self.w = am.tensor([1.0, 2.0], requires_grad=True)

    @am.compile
    def penalty(self, x):
        return (x * self.w.grad).sum()


def test_reading_the_grad_of_a_tensor_an_argument_holds_is_refused():
    # A method's object and a Module argument hold tensors too: the .grad of one, which
    # every backward replaces, was frozen into the tape (6.0 for ever after).
    t, lin = _GradReader(), nn.Linear(2, 1)
    ((t.w * 1.0) ** 2).sum().backward()
    lin(am.tensor([1.0, 1.0])).sum().backward()
    with pytest.raises(RuntimeError, match=r"\.grad"):
        t.penalty(am.tensor([1.0, 1.0]))
    with pytest.raises(RuntimeError, match=r"\.grad"):
        am.compile(lambda m, x: (x * m.weight.grad).sum())(lin, am.tensor([[1.0, 1.0]]))


def test_drawing_from_the_librarys_generator_is_refused_while_recording():
    # am's own generator (am.manual_seed's, nn.init's): a replay reused the recording's
    # draw, where the eager function draws a new number on each call
    from autograd_mini.creation import generator

    x = am.tensor(np.ones(3))
    for f in (lambda x: x * float(generator().random()), lambda x: x * generator().normal()):
        with pytest.raises(RuntimeError, match="random generator"):
            am.compile(f)(x)


def test_nn_init_filling_a_tensor_in_place_is_refused_while_recording():
    # (as t[i] = v is: a replay would skip the fill, and an eager call repeats it)
    w = nn.Parameter(np.ones(3))

    def zeroed(x):
        nn.init.zeros_(w)
        return (x * w).sum()

    with pytest.raises(RuntimeError, match="zeros_.*compiled"):
        am.compile(zeroed)(am.tensor(np.ones(3)))
    assert np.array_equal(w.data, np.ones(3))  # (refused before it wrote)


def test_a_failed_check_that_the_function_catches_makes_no_tape():
    # A call whose probabilities fail the check but whose function catches the error and
    # goes on recorded that other branch, with the check in it: its tape then replayed
    # the fallback for every valid input (and recorded again for every invalid one).
    def f(p, y):
        try:
            return F.binary_cross_entropy(p, y)
        except ValueError:
            return (p * 0.0).sum()

    cf = am.compile(f)
    y = am.tensor([1.0, 0.0])
    bad, good = am.tensor([1.5, 0.5]), am.tensor([0.3, 0.6])
    assert cf(bad, y).item() == f(bad, y).item() == 0.0
    assert cf(good, y).item() == f(good, y).item() != 0.0
    assert twice(cf, good, y).item() == f(good, y).item()
    assert cf(bad, y).item() == 0.0


def test_a_refused_array_names_the_op_and_module_the_user_called_not_only_the_primitive():
    # A transformer's positions np.arange(T) made inside the function reach the
    # embedding's range check (a `min` primitive), and labels reshaped inside it
    # reach cross_entropy's ignore_index test (`ne`): naming only the primitive sent
    # users looking for a min or ne they never wrote.
    emb = nn.Embedding(10, 4)
    cf = am.compile(lambda x: (emb(x) + emb(np.arange(3))).sum())
    with pytest.raises(RuntimeError, match=r"min \(in Embedding\(10, 4\) > embedding\) gets an array of shape \(3,\)"):
        cf(np.array([1, 2, 3]))
    logits = am.randn(6, 5, requires_grad=True)
    cf = am.compile(lambda y: F.cross_entropy(logits, y.reshape(-1)))
    with pytest.raises(RuntimeError, match=r"\(in cross_entropy\) gets an array of shape \(6,\)"):
        cf(np.zeros((2, 3), dtype=np.int64))


@pytest.mark.parametrize("like", [am.zeros_like, am.ones_like, lambda t: am.full_like(t, 2.0)])
@pytest.mark.parametrize("of", [lambda t: t, lambda t: t * 2, lambda t: t.reshape(-1)])
def test_a_like_constant_of_a_closed_over_tensor_records_again_when_its_shape_or_dtype_changes(like, of):
    # The tape keeps the constant (its shape and dtype read from `state`, or from an op
    # of it, which nothing else uses): `state.data = ...` of another shape or dtype must
    # record again, as for a closed-over tensor an op reads, not replay the old constant.
    state = am.zeros(3)

    def f(x):
        return x.sum() * like(of(state))

    cf = am.compile(f)
    x = am.tensor(np.ones(2, np.float32), requires_grad=True)
    twice(cf, x)
    state.data = np.zeros(5)
    got = cf(x)
    assert got.shape == f(x).shape == (5,)
    state.data = np.zeros(5, np.float32)
    got = cf(x)
    assert got.dtype == f(x).dtype == np.float32
    np.testing.assert_array_equal(got.data, f(x).data)


@pytest.mark.parametrize("like", [am.zeros_like, am.ones_like, lambda a: am.full_like(a, 2.0)])
@pytest.mark.parametrize("of", [lambda s: s.arr, lambda s: s.t.data, lambda s: s.arr.tolist()],
                         ids=["an attribute's ndarray", "a closed-over tensor's .data", "a list"])
def test_a_like_constant_of_an_array_that_is_no_argument_is_refused_not_frozen(like, of):
    # A tensor's shape is checked on replay (am.zeros_like(t)); an array's or a list's
    # is not: one that changes later (state.arr = np.zeros(5)) replayed the first
    # call's shape, so such a constant is refused, as am.tensor(...) of it is.
    class State:
        pass

    state = State()
    state.arr, state.t = np.zeros(3), am.zeros(3)

    def f(x):
        return x.sum() * like(of(state))

    x = am.tensor(np.ones(2), requires_grad=True)
    with pytest.raises(RuntimeError, match="creates from an array while it is recorded"):
        am.compile(f)(x)
    state.arr, state.t.data = np.zeros(5), np.zeros(5)
    assert f(x).shape == (5,)
