"""x.diagonal() (and am.diagonal) is a view of x, as PyTorch's: an in-place change of the
diagonal changes x, under am.no_grad() (the jitter idiom A.diagonal().add_(eps)) and,
recorded, on a tensor with a graph (engine.rebase's write-through). When x's two axes
cannot be merged without a copy the diagonal is a read-only copy whose change raises,
never a change that silently misses x."""

import itertools

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import functions as fn

RNG = np.random.default_rng(7)


def _cases():
    for shape in [(3, 3), (2, 5), (5, 2), (1, 4), (4, 1), (0, 3), (3, 0), (2, 3, 4), (4, 2, 3, 2)]:
        nd = len(shape)
        for a1, a2 in itertools.permutations(range(-nd, nd), 2):
            if a1 % nd == a2 % nd:
                continue
            for offset in (0, 1, -1, 2, -3, 7, -7):
                yield shape, offset, a1, a2


CASES = list(_cases())


def np_set_diagonal(y, offset, a1, a2, change):
    """Apply change(entries) -> new entries to numpy's diagonal of y, in place."""
    v = np.moveaxis(y, (a1, a2), (-2, -1))  # (a writable view)
    n, m = v.shape[-2:]
    r0, c0 = max(-offset, 0), max(offset, 0)
    i = np.arange(max(0, min(n - r0, m - c0)))
    v[..., i + r0, i + c0] = change(v[..., i + r0, i + c0])


@pytest.mark.parametrize("layout", ["contiguous", "transposed"])
def test_values_are_numpys_and_the_result_is_a_view(layout):
    for shape, offset, a1, a2 in CASES:
        x = RNG.standard_normal(shape)
        t = am.tensor(x)
        if layout == "transposed":  # (the same values, axes in reverse memory order)
            t = am.tensor(np.ascontiguousarray(x.T)).permute(tuple(range(len(shape)))[::-1])
        want = np.diagonal(x, offset, a1, a2)
        for got in (t.diagonal(offset, a1, a2), am.diagonal(t, offset, a1, a2),
                    t.diagonal(offset, dim1=a1, dim2=a2), t.diagonal(offset, axis1=a1, axis2=a2)):
            assert got.shape == want.shape, (shape, offset, a1, a2)
            np.testing.assert_array_equal(got.data, want)
            if got.size:  # (a view, or a read-only copy: never a writable copy)
                view = np.shares_memory(got.data, t.data)
                assert view or not got.data.flags.writeable, (shape, offset, a1, a2)
                if abs(a1 % len(shape) - a2 % len(shape)) == 1:  # (adjacent axes: always a view)
                    assert view, (shape, offset, a1, a2)


def test_defaults_and_linalg_diagonal():
    x = RNG.standard_normal((3, 4, 5))
    np.testing.assert_array_equal(am.tensor(x).diagonal().data, np.diagonal(x))
    np.testing.assert_array_equal(am.linalg.diagonal(am.tensor(x), offset=-1).data,
                                  np.linalg.diagonal(x, offset=-1))


def test_values_and_gradients_are_those_of_the_copy_bit_for_bit():
    # (the copy: the previous implementation, an integer-array index, kept for trace)
    for shape, offset, a1, a2 in CASES[::5]:
        x = RNG.standard_normal(shape)
        outs = []
        for diag in (lambda t: t.diagonal(offset, a1, a2),
                     lambda t: fn._diagonal(fn.moveaxis(t, (a1 % len(shape), a2 % len(shape)), (-2, -1)), offset)):
            t = am.tensor(x, requires_grad=True)
            d = diag(t)
            g = np.random.default_rng(1).standard_normal(d.shape)
            (d.sin() * g).sum().backward()
            outs.append((d.data.copy(), t.grad.data.copy()))
        np.testing.assert_array_equal(outs[0][0], outs[1][0])
        np.testing.assert_array_equal(outs[0][1], outs[1][1])


CHANGES = {
    "add_": (lambda d: d.add_(1e-3), lambda v: v + 1e-3),
    "fill_": (lambda d: d.fill_(2.5), lambda v: np.full_like(v, 2.5)),
    "mul_": (lambda d: d.mul_(3), lambda v: v * 3),
    "clamp_": (lambda d: d.clamp_(-0.2, 0.2), lambda v: np.clip(v, -0.2, 0.2)),
    "zero_": (lambda d: d.zero_(), lambda v: np.zeros_like(v)),
    "item assignment": (lambda d: d.__setitem__(..., 4.0), lambda v: np.full_like(v, 4.0)),
    "+=": (lambda d: d.__iadd__(1.0), lambda v: v + 1.0),
}


@pytest.mark.parametrize("name", list(CHANGES))
@pytest.mark.parametrize("shape,offset,a1,a2", [((3, 3), 0, 0, 1), ((3, 5), 1, 0, 1), ((5, 3), -2, 1, 0),
                                                 ((2, 4, 3), 0, -1, 1), ((4, 4, 2), -1, 1, 0)])
def test_a_change_under_no_grad_reaches_x(name, shape, offset, a1, a2):
    change, np_change = CHANGES[name]
    x = RNG.standard_normal(shape)
    for grad in (False, True):
        t = am.tensor(x, requires_grad=grad)
        with am.no_grad():
            change(t.diagonal(offset, a1, a2))
        want = x.copy()
        np_set_diagonal(want, offset, a1, a2, np_change)
        np.testing.assert_array_equal(t.data, want)


def test_the_jitter_idiom():
    A = am.tensor(np.ones((4, 4)))
    with am.no_grad():
        A.diagonal().add_(1e-3)
    np.testing.assert_array_equal(A.data, np.ones((4, 4)) + 1e-3 * np.eye(4))
    B = am.tensor(np.ones((2, 3, 3)))  # (a batch, the last two axes)
    am.diagonal(B, 0, -2, -1)[...] = 0.0  # (numpy's name is the same view)
    np.testing.assert_array_equal(B.data, np.ones((2, 3, 3)) - np.eye(3))


@pytest.mark.parametrize("name", [n for n in CHANGES if n != "+="])  # (x += 1 on a graph rebinds x)
@pytest.mark.parametrize("shape,offset,a1,a2", [((3, 3), 0, 0, 1), ((3, 4), 1, 1, 0), ((2, 3, 3), -1, 1, 2)])
def test_a_recorded_change_reaches_the_base_with_torchs_gradient(name, shape, offset, a1, a2):
    change, np_change = CHANGES[name]
    W = RNG.standard_normal(shape)
    C = RNG.standard_normal(shape)
    w = am.tensor(W, requires_grad=True)
    y = w * w
    change(y.diagonal(offset, a1, a2))
    ((y * y).sum() + (y * C).sum()).backward()
    # what torch computes: y's diagonal changed, then the loss of y
    y_np = W * W
    np_set_diagonal(y_np, offset, a1, a2, np_change)
    np.testing.assert_array_equal(y.data, y_np)
    dy = 2 * y_np + C  # (d loss / d y, at the changed y)
    dchange = np.ones_like(W)  # (d y_changed / d y: 1 off the diagonal, the change's slope on it)
    slope = {"add_": lambda v: np.ones_like(v), "mul_": lambda v: np.full_like(v, 3.0),
             "clamp_": lambda v: (np.abs(v) < 0.2).astype(float)}.get(name, np.zeros_like)
    np_set_diagonal(dchange, offset, a1, a2, lambda v: slope(np.diagonal(W * W, offset, a1, a2)))
    np.testing.assert_allclose(w.grad.data, dy * dchange * 2 * W, rtol=1e-14, atol=0)


def test_the_jitter_with_a_graph():
    W = RNG.standard_normal((3, 3))
    w = am.tensor(W, requires_grad=True)
    y = w * w
    y.diagonal().add_(1)
    (y * y).sum().backward()
    y_np = W * W + np.eye(3)
    np.testing.assert_array_equal(y.data, y_np)
    np.testing.assert_allclose(w.grad.data, 2 * y_np * 2 * W, rtol=1e-14)


@pytest.mark.parametrize("offset,a1,a2", [(0, 0, 1), (1, 2, 1), (-1, -1, -2), (2, 1, 0)])
def test_gradients_of_any_order(offset, a1, a2):
    x = am.tensor(RNG.standard_normal((3, 4, 3)), requires_grad=True)

    def reads(w):
        return (w * w).diagonal(offset, a1, a2).sin() * am.diagonal(w, offset, a1, a2)

    def changes(w):
        y = w * w
        y.diagonal(offset, a1, a2).mul_(w.diagonal(offset, a1, a2))  # (a view of the leaf, read)
        return y.sin()

    for f in (reads, changes):
        assert am.gradcheck(f, x)
        assert am.gradgradcheck(f, x)


@pytest.mark.parametrize("offset,a1,a2", [(0, 0, 2), (-1, 2, 0)])
def test_gradients_of_any_order_of_a_diagonal_that_is_a_copy(offset, a1, a2):
    x = am.tensor(RNG.standard_normal((3, 4, 3)), requires_grad=True)  # (axes 0 and 2: no view)

    def reads(w):
        return (w * w).diagonal(offset, a1, a2).sin() * am.diagonal(w, offset, a1, a2)

    assert am.gradcheck(reads, x)
    assert am.gradgradcheck(reads, x)


def test_a_view_of_a_leaf_that_requires_grad_is_refused_while_recording():
    w = am.tensor(np.ones((3, 3)), requires_grad=True)
    for change in (lambda d: d.add_(1), lambda d: d.__setitem__(0, 2.0), lambda d: d.zero_()):
        with pytest.raises(RuntimeError, match=r"view of a leaf tensor of shape \(3, 3\) that requires grad"):
            change(w.diagonal())
        with pytest.raises(RuntimeError, match=r"view of a leaf tensor of shape \(3, 3\) that requires grad"):
            change(am.diagonal(w, 0, 1, 0))
    np.testing.assert_array_equal(w.data, np.ones((3, 3)))


def test_compile_replays_a_function_reading_diagonals_as_eager():
    C = am.tensor(RNG.standard_normal((4, 3)))  # (a tensor the function reads)

    def f(x):
        return (x.diagonal(1, -1, 0) ** 2).sum() + (x.T.diagonal().exp() * C.diagonal()).sum() \
            + am.diagonal(x[None] * x[:, None], 0, 0, 1).sum()

    step = am.compile(f)
    for k in range(3):
        X = RNG.standard_normal((4, 3))
        outs = []
        for g in (f, step):
            x = am.tensor(X, requires_grad=True)
            out = g(x)
            out.backward()
            outs.append((out.data.copy(), x.grad.data.copy()))
        np.testing.assert_array_equal(outs[0][0], outs[1][0])
        np.testing.assert_array_equal(outs[0][1], outs[1][1])
    assert step.recordings == 1
    x = am.tensor(np.ascontiguousarray(X.T)).T  # (another memory layout, same shape: the replay
    np.testing.assert_array_equal(step(x).data, f(x).data)  # computes the same values)


def _strided(graph=False):
    """A (3, 2) tensor whose axes no reshape can merge: every 2nd row, 3rd column."""
    x = am.tensor(np.arange(36.).reshape(6, 6), requires_grad=graph)
    return (x * 1.0 if graph else x)[::2, ::3]


def test_a_diagonal_that_cannot_be_a_view_is_a_read_only_copy_whose_change_raises():
    x = _strided()
    before = x.data.copy()
    d = x.diagonal()
    np.testing.assert_array_equal(d.data, np.diagonal(before))
    assert not np.shares_memory(d.data, x.data)
    msg = r"add_: this tensor of shape \(2,\) is x.diagonal\(\) .* read-only copy: changing it would not change x"
    for grad in (False, True):
        with am.no_grad() if not grad else am.enable_grad():
            x = _strided(graph=grad)  # (a graph: the change would be recorded)
            assert (x.grad_fn is not None) == grad
            d = x.diagonal()
            with pytest.raises(RuntimeError, match=msg):
                d.add_(1)
            with pytest.raises(RuntimeError, match="item assignment: .* read-only copy"):
                d[0] = 5.0
            with pytest.raises(RuntimeError, match="zero_: this tensor of shape \\(1,\\) .* read-only copy"):
                d[1:].zero_()  # (a view of the copy too)
            np.testing.assert_array_equal(x.data, before)
    with am.no_grad():
        d = _strided().diagonal()
        with pytest.raises(RuntimeError, match=r"\+=: .* read-only copy"):
            d += 1
    np.testing.assert_array_equal(d.clone().add_(1).data, np.diagonal(before) + 1)  # (a copy changes)
    e = _strided().diagonal(5)  # (empty: nothing to miss, an ordinary empty tensor)
    assert e.shape == (0,)
    with am.no_grad():
        e.add_(1)
