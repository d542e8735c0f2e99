"""scatter, index_fill, index_copy and scatter_reduce (torch's names and semantics) and their
in-place forms; the values against loop oracles, the gradients by gradcheck, duplicates
(the last write wins for scatter and index_copy), and the refusals."""

import numpy as np
import pytest
from hypothesis import example, given, settings, strategies as st

import autograd_mini as am
from replay_check import assert_compiled_replays_eager


def _targets(index, dim):
    """(position in index, position in x) for every element of index, in C order."""
    for pos in np.ndindex(*index.shape):
        target = list(pos)
        target[dim] = index[pos]
        yield pos, tuple(target)


def naive_scatter(x, dim, index, src):
    out = x.copy()
    for pos, target in _targets(index, dim):
        out[target] = src[pos] if np.ndim(src) else src  # (a later write replaces an earlier one)
    return out


def naive_scatter_reduce(x, dim, index, src, reduce, include_self):
    groups = {}
    for pos, target in _targets(index, dim):
        groups.setdefault(target, []).append(src[pos])
    out = x.copy()
    for target, vals in groups.items():
        if include_self:
            vals = [x[target]] + vals
        if reduce == "sum":
            v = sum(vals[1:], vals[0])
        elif reduce == "prod":
            v = vals[0]
            for a in vals[1:]:
                v = v * a
        elif reduce == "mean":
            total = sum(vals[1:], vals[0])
            v = total / len(vals) if x.dtype.kind == "f" else total // len(vals)
        elif reduce == "amax":
            v = max(vals)
        else:
            v = min(vals)
        out[target] = v
    return out


def naive_index_fill(x, dim, index, value):
    out = x.copy()
    om = np.moveaxis(out, dim, 0)
    for i in index:
        om[i] = value
    return out


def naive_index_copy(x, dim, index, source):
    out = x.copy()
    om, sm = np.moveaxis(out, dim, 0), np.moveaxis(source, dim, 0)
    for j, i in enumerate(index):
        om[i] = sm[j]
    return out


@st.composite
def scatter_case(draw, distinct=False):
    """x (3-D at most), dim, index (duplicates likely) and a src at least index's size."""
    ndim = draw(st.integers(1, 3))
    shape = tuple(draw(st.integers(1, 3)) for _ in range(ndim))
    dim = draw(st.integers(0, ndim - 1))
    ishape = tuple(draw(st.integers(1, 4)) if i == dim else draw(st.integers(1, n)) for i, n in enumerate(shape))
    sshape = tuple(m + draw(st.integers(0, 1)) for m in ishape)
    g = np.random.default_rng(draw(st.integers(0, 2**31)))
    index = g.integers(0, shape[dim], ishape)
    x = g.normal(size=shape)
    src = g.normal(size=sshape)
    if distinct:  # (amax/amin: no ties, where the gradient is not a derivative)
        vals = g.permutation(x.size + src.size) / 3.0 - 2.0
        x, src = vals[:x.size].reshape(shape), vals[x.size:].reshape(sshape)
    return x, dim, index, src


@settings(max_examples=10, deadline=None)
@given(scatter_case())
@example(case=(np.array([-0.17090617]), 0, np.array([0, 0, 0, 0]),
               np.array([1.10463048, 0.76501743, 0.95592709, 1.57079561])))
def test_scatter_values_and_gradients_the_last_write_winning(case):
    x, dim, index, src = case
    out = am.scatter(x, dim, index, src)
    np.testing.assert_array_equal(out.data, naive_scatter(x, dim, index, src))
    np.testing.assert_array_equal(am.tensor(x).scatter(dim, index, 2.5).data, naive_scatter(x, dim, index, 2.5))
    # (exp, not sin: the winning entry's derivative must not vanish, as sin's does at
    # pi/2, which hypothesis found; gradcheck then warns that it compares nothing)
    f = lambda a, b: am.scatter(a, dim, index, b).exp()
    assert am.gradcheck(f, (x, src))
    assert am.gradgradcheck(f, (x, src))
    v = lambda a, b: am.scatter(a, dim, index, value=b.sum()) * a  # (a 0-d tensor value)
    assert am.gradcheck(v, (x, src))


def test_scatter_duplicates_send_the_gradient_to_the_write_that_stayed():
    x = am.zeros(3, requires_grad=True)
    src = am.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    out = am.scatter(x, 0, [2, 0, 2, 0], src)
    np.testing.assert_array_equal(out.data, [4.0, 0.0, 3.0])
    (out * am.tensor([1.0, 10.0, 100.0])).sum().backward()
    np.testing.assert_array_equal(src.grad.data, [0.0, 0.0, 100.0, 1.0])
    np.testing.assert_array_equal(x.grad.data, [0.0, 10.0, 0.0])


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2), st.integers(0, 4), st.integers(0, 2**31))
def test_index_fill_and_index_copy_values_and_gradients(dim, m, seed):
    g = np.random.default_rng(seed)
    shape = (3, 2, 4)
    x = g.normal(size=shape)
    index = g.integers(0, shape[dim], m)  # (repeats likely)
    source = g.normal(size=shape[:dim] + (m,) + shape[dim + 1:])
    np.testing.assert_array_equal(am.tensor(x).index_fill(dim, index, -1.5).data, naive_index_fill(x, dim, index, -1.5))
    np.testing.assert_array_equal(am.index_copy(x, dim, index, source).data, naive_index_copy(x, dim, index, source))
    fill = lambda a, v: am.index_fill(a, dim, index, v.sum()).sin()
    copy = lambda a, s: am.index_copy(a, dim, index, s).sin()
    for f, args in ((fill, (x, g.normal(size=2))), (copy, (x, source))):
        assert am.gradcheck(f, args)
        assert am.gradgradcheck(f, args)


def test_fill_values_are_cast_as_torch_casts_them():
    x = am.tensor([1, 2, 3])
    np.testing.assert_array_equal(x.index_fill(0, [1], 1.7).data, [1, 1, 3])
    np.testing.assert_array_equal(x.scatter(0, np.array([2]), -2.9).data, [1, 2, -2])
    assert x.index_fill(0, [1], 1.7).dtype == x.dtype
    f = am.ones(2, dtype=am.float32).index_fill(0, [0], am.tensor(2.5, dtype=am.float64))
    assert f.dtype == am.float32 and f.data[0] == 2.5


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
@settings(max_examples=6, deadline=None)
@given(data=st.data())
def test_scatter_reduce_values_and_gradients(reduce, include_self, data):
    x, dim, index, src = data.draw(scatter_case(distinct=reduce in ("amax", "amin")))
    out = am.scatter_reduce(x, dim, index, src, reduce, include_self=include_self)
    np.testing.assert_allclose(out.data, naive_scatter_reduce(x, dim, index, src, reduce, include_self),
                               rtol=1e-13, atol=1e-13)
    f = lambda a, b: am.scatter_reduce(a, dim, index, b, reduce, include_self=include_self).sin()
    assert am.gradcheck(f, (x, src))
    assert am.gradgradcheck(f, (x, src))


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_of_integers_and_duplicates(reduce, include_self):
    g = np.random.default_rng(3)
    x, src = g.integers(-9, 9, (4, 3)), g.integers(-9, 9, (6, 3))
    index = g.integers(0, 4, (6, 3))
    out = am.tensor(x).scatter_reduce(0, index, src, reduce, include_self=include_self)
    assert out.dtype == x.dtype
    np.testing.assert_array_equal(out.data, naive_scatter_reduce(x, 0, index, src, reduce, include_self))


@pytest.mark.parametrize("include_self", [True, False])
def test_prod_gradients_are_exact_at_one_two_and_three_zeros(include_self):
    # each target of x gets: no zero, one zero, two zeros (one of them x's), three zeros
    x = np.array([2.0, 3.0, 0.0, 0.0, 1.5])
    src = np.array([1.5, 0.0, -2.0, 0.0, 3.0, 0.0, 0.0, -1.0])
    index = np.array([0, 1, 1, 2, 2, 3, 3, 3])
    f = lambda a, b: am.scatter_reduce(a, 0, index, b, "prod", include_self=include_self) * am.tensor(
        [1.0, 2.0, 3.0, 4.0, 5.0])
    assert am.gradcheck(f, (x, src))
    assert am.gradgradcheck(f, (x, src))
    xt, st_ = am.tensor(x, requires_grad=True), am.tensor(src, requires_grad=True)
    am.scatter_reduce(xt, 0, index, st_, "prod", include_self=include_self).sum().backward()
    assert np.isfinite(xt.grad.data).all() and np.isfinite(st_.grad.data).all()
    want = [2.0, -6.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0] if include_self else [1.0, -2.0, 0.0, 3.0, 0.0, 0.0, 0.0, 0.0]
    np.testing.assert_array_equal(st_.grad.data, want)


def test_amax_and_amin_share_the_gradient_among_ties_as_torch():
    x = am.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    s = am.tensor([4.0, 4.0, 1.0], requires_grad=True)
    y = x.scatter_reduce(0, [3, 3, 0], s, "amax")
    y.sum().backward()  # (torch 2.13: x.grad [0.5, 1, 1, 1/3], s.grad [1/3, 1/3, 0.5])
    np.testing.assert_allclose(x.grad.data, [0.5, 1.0, 1.0, 1 / 3])
    np.testing.assert_allclose(s.grad.data, [1 / 3, 1 / 3, 0.5])
    # include_self=False: x's entry is left out of the ties as well (its gradient is 0), so
    # src's share is the whole g (torch 2.13 still counts x's tie and loses half)
    x.grad = s.grad = None
    x.scatter_reduce(0, [3, 3, 0], s, "amin", include_self=False).sum().backward()
    np.testing.assert_allclose(x.grad.data, [0.0, 1.0, 1.0, 0.0])
    np.testing.assert_allclose(s.grad.data, [0.5, 0.5, 1.0])


def test_a_nan_result_sends_its_gradient_to_the_nans():
    x = am.tensor([1.0, np.nan, 3.0], requires_grad=True)
    s = am.tensor([np.nan, 2.0, 5.0, 5.0], requires_grad=True)
    o = am.scatter_reduce(x, 0, [0, 0, 2, 2], s, "amax")
    o.sum().backward()
    np.testing.assert_array_equal(o.data, [np.nan, np.nan, 5.0])
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(s.grad.data, [1.0, 0.0, 0.5, 0.5])


def test_in_place_forms_record_on_a_graph_write_otherwise_and_refuse_a_leaf():
    x = am.zeros(3)
    assert x.scatter_(0, np.array([2]), am.ones(1)) is x
    assert x.index_fill_(0, [0], 5.0) is x
    assert x.index_copy_(0, [1], am.tensor([7.0])) is x
    assert x.scatter_reduce_(0, np.array([1, 1]), am.tensor([2.0, 3.0]), "prod") is x
    np.testing.assert_array_equal(x.data, [5.0, 42.0, 1.0])
    assert x.grad_fn is None
    w = am.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for call in (lambda t: t.scatter_(0, np.array([0]), am.ones(1)), lambda t: t.index_fill_(0, [0], 1.0),
                 lambda t: t.index_copy_(0, [0], am.ones(1)),
                 lambda t: t.scatter_reduce_(0, np.array([0]), am.ones(1), "sum")):
        with pytest.raises(RuntimeError, match="_: this leaf tensor"):
            call(w)
    h = w * 1.0
    h.scatter_reduce_(0, np.array([0, 0]), w[1:] * 2.0, "amax", include_self=False)
    h.index_fill_(0, [2], 0.0)
    assert h.grad_fn is not None
    np.testing.assert_array_equal(h.data, [6.0, 2.0, 0.0])
    h.sum().backward()
    np.testing.assert_array_equal(w.grad.data, [0.0, 1.0, 2.0])


@pytest.mark.parametrize("call, err, words", [
    (lambda x: am.scatter(x, 0, np.array([[0], [3]]), am.ones((2, 1))), IndexError, "scatter.*3.*out of range"),
    (lambda x: am.scatter(x, 1, np.array([[-1]]), am.ones((1, 1))), IndexError, "scatter.*-1"),
    (lambda x: am.scatter(x, 0, np.zeros(3, int), am.ones(3)), ValueError, r"scatter.*number of axes"),
    (lambda x: am.scatter(x, 0, np.zeros((2, 2), int), am.ones((1, 2))), ValueError, r"scatter.*\(2, 2\).*larger"),
    (lambda x: am.scatter(x, 0, np.zeros((1, 1), int), am.ones((1, 1)), reduce="add"), ValueError,
     "scatter.*scatter_reduce"),
    (lambda x: am.scatter(x, 0, np.zeros((1, 1), int), am.ones((1, 1), dtype=am.float32)), TypeError,
     "scatter.*dtype"),
    (lambda x: am.scatter(x, 0, np.zeros((1, 1), int), value="a"), TypeError, "scatter: value"),
    (lambda x: am.scatter_reduce(x, 0, np.zeros((1, 1), int), am.ones((1, 1)), "max"), ValueError,
     "scatter_reduce: reduce must be one of"),
    (lambda x: am.scatter_reduce(x, 0, np.zeros((1, 1), int), am.ones((1, 1)), "sum", include_self=1), TypeError,
     "scatter_reduce: include_self"),
    (lambda x: am.scatter_reduce(x, 2, np.zeros((1, 1), int), am.ones((1, 1)), "sum"), ValueError,
     "scatter_reduce.*2"),
    (lambda x: am.scatter_reduce(x, 0, np.full((1, 1), 3), am.ones((1, 1)), "amax"), IndexError,
     "scatter_reduce.*3.*out of range"),
    (lambda x: am.index_fill(x, 0, [[0]], 1.0), ValueError, r"index_fill.*1-D.*\(1, 1\)"),
    (lambda x: am.index_fill(x, 0, [-1], 1.0), IndexError, "index_fill.*-1"),
    (lambda x: am.index_fill(x, 0, [0], am.ones(2)), ValueError, r"index_fill.*0-d.*\(2,\)"),
    (lambda x: am.index_fill(x, 0, [0.0], 1.0), TypeError, "index_fill.*integers"),
    (lambda x: am.index_copy(x, 0, [0, 3], am.ones((2, 2))), IndexError, "index_copy.*3.*out of range"),
    (lambda x: am.index_copy(x, 0, [0], am.ones((2, 2))), ValueError, r"index_copy.*\(2, 2\).*\(1, 2\)"),
])
def test_bad_input_is_refused_naming_the_op(call, err, words):
    with pytest.raises(err, match=words):
        call(am.zeros((3, 2)))


@pytest.mark.parametrize("call, err, words", [
    (lambda x: x.scatter_(0, np.array([[0], [3]]), am.ones((2, 1))), IndexError, "scatter.*3"),
    (lambda x: x.scatter_(0, np.array([[0], [1]]), value=[1.0]), TypeError, "scatter: value"),
    (lambda x: x.index_fill_(1, [2], 1.0), IndexError, "index_fill.*2"),
    (lambda x: x.index_copy_(0, [0, -1], am.ones((2, 2))), IndexError, "index_copy.*-1"),
    (lambda x: x.scatter_reduce_(0, np.zeros((1, 1), int), am.ones((1, 1)), "median"), ValueError, "scatter_reduce"),
    (lambda x: x.scatter_reduce_(0, np.array([[0, 9]]), am.ones((1, 2)), "sum"), IndexError, "scatter_reduce.*9"),
])
def test_the_in_place_forms_refuse_before_anything_changes(call, err, words):
    x = am.zeros((3, 2))
    with pytest.raises(err, match=words):
        call(x)
    np.testing.assert_array_equal(x.data, 0.0)
    h = am.zeros((3, 2), requires_grad=True) * 1.0  # (a tensor with a graph: recorded, also refused)
    with pytest.raises(err, match=words):
        call(h)
    np.testing.assert_array_equal(h.data, 0.0)


def test_compiled_replay_equals_eager_with_each_calls_index():
    g = np.random.default_rng(1)
    w = am.tensor(g.normal(size=(3, 4)), requires_grad=True)

    def loss(x, dst, dst2, few):  # (an index made inside fn is refused, as index_add's)
        m = x @ w
        a = am.zeros((5, 4)).scatter(0, dst2, m)
        b = am.scatter_reduce(am.ones((5, 4)), 0, dst2, m, "amax", include_self=False)
        c = am.scatter_reduce(am.ones((5, 4)), 0, dst2, m.tanh(), "prod")
        d = am.scatter_reduce(a, 0, dst2, m, "mean")
        e = am.index_copy(a, 0, dst, m.exp()).index_fill(0, few, 0.5)
        return (a * b + c * d + e.sin()).sum()

    def args(k):
        r = np.random.default_rng(k)
        # (repeats in dst2: the last write, the ties, the zeros)
        return (am.tensor(r.normal(size=(6, 3))), am.tensor(r.integers(0, 5, 6)),
                am.tensor(r.integers(0, 5, (6, 4))), am.tensor(r.integers(0, 5, 2)))

    f = assert_compiled_replays_eager(loss, args, params=[w])
    x, dst, dst2, few = args(0)
    with pytest.raises(IndexError, match="-1"):
        f(x, am.tensor([0, 1, 2, 3, 4, -1]), dst2, few)
    with pytest.raises(IndexError, match="5"):
        f(x, dst, am.tensor(np.full((6, 4), 5)), few)
