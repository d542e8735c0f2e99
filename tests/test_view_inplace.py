"""A recorded in-place change of a view reaches its base, as PyTorch's views share
storage (engine.rebase's write-through): values after the change and gradients of any
order are those of the same code on numpy views, whose writes alias as torch's do."""

import numpy as np
import pytest

import autograd_mini as am
import autograd_mini.nn as nn
import autograd_mini.nn.functional as F

W = np.arange(1., 10).reshape(3, 3) / 7

# (change on an am tensor, the same change on a numpy array through numpy's views)
CASES = {
    "fill_ row": (lambda y: y[0].fill_(0.0), lambda y: y[0].fill(0.0)),
    "T.mul_": (lambda y: y.T.mul_(2), lambda y: np.multiply(y.T, 2, out=y.T)),
    "narrow.clamp_": (lambda y: y.narrow(1, 0, 2).clamp_(max=.1),
                      lambda y: np.minimum(y[:, 0:2], .1, out=y[:, 0:2])),
    "select.add_": (lambda y: y.select(0, 1).add_(1), lambda y: np.add(y[1], 1, out=y[1])),
    "view slice zero_": (lambda y: y.view(9)[2:5].zero_(), lambda y: y.reshape(9)[2:5].fill(0)),
    "reshape.add_": (lambda y: y.reshape(9).add_(1), lambda y: np.add(y, 1, out=y)),
    "T[0] chain": (lambda y: y.T[0].mul_(3), lambda y: np.multiply(y.T[0], 3, out=y.T[0])),
    "element": (lambda y: y[1, 2].mul_(4), lambda y: np.multiply(y[1, 2:3], 4, out=y[1, 2:3])),
    "unflatten chain": (lambda y: y.view(9).unflatten(0, (3, 3))[:, 1].mul_(2),
                        lambda y: np.multiply(y[:, 1], 2, out=y[:, 1])),
    "swapaxes setitem": (lambda y: y.swapaxes(0, 1).__setitem__((0, slice(1, None)), 5.0),
                         lambda y: y.T.__setitem__((0, slice(1, None)), 5.0)),
    "relu inplace on a view": (lambda y: F.relu(y[1:].T, inplace=True),
                               lambda y: np.maximum(y[1:].T, 0, out=y[1:].T)),
    "two changes": (lambda y: (y[0].mul_(2), y.T[0].add_(1)),
                    lambda y: (np.multiply(y[0], 2, out=y[0]), np.add(y.T[0], 1, out=y.T[0]))),
}


def np_forward(w, change):
    y = w * w - 0.3
    change(y)
    return y


def numeric_grad(change):
    """d sum(y**2) / dw by central differences, y computed with numpy's views."""
    g = np.zeros_like(W)
    for i in np.ndindex(W.shape):
        e = np.zeros_like(W)
        e[i] = 1e-6
        g[i] = ((np_forward(W + e, change) ** 2).sum() - (np_forward(W - e, change) ** 2).sum()) / 2e-6
    return g


@pytest.mark.parametrize("name", list(CASES))
def test_change_of_a_view_reaches_its_base(name):
    change, np_change = CASES[name]
    w = am.tensor(W, requires_grad=True)
    y = w * w - 0.3
    change(y)
    np.testing.assert_allclose(y.data, np_forward(W, np_change), rtol=0, atol=1e-15)
    (y * y).sum().backward()
    np.testing.assert_allclose(w.grad.data, numeric_grad(np_change), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", list(CASES))
def test_gradients_of_any_order(name):
    change = CASES[name][0]

    def f(w):
        y = w * w - 0.3
        change(y)
        return y * y

    assert am.gradcheck(f, am.tensor(W, requires_grad=True))
    assert am.gradgradcheck(f, am.tensor(W, requires_grad=True))


def test_the_view_stays_a_view_of_the_new_base():
    w = am.tensor(W, requires_grad=True)
    y = w * w
    t = y.T
    t.mul_(2)
    assert np.shares_memory(t.data, y.data)
    t.add_(1)  # (a second change, through the same view)
    np.testing.assert_allclose(y.data, 2 * W * W + 1)
    r = y.reshape(9)
    r[2:5] = 0.0
    assert np.shares_memory(r.data, y.data)
    np.testing.assert_array_equal(y.data.reshape(9)[2:5], 0.0)
    (y * y).sum().backward()
    want = 2 * (2 * W * W + 1) * 4 * W
    want.reshape(9)[2:5] = 0
    np.testing.assert_allclose(w.grad.data, want)


def test_what_was_recorded_before_keeps_its_values():
    w = am.tensor(W, requires_grad=True)
    y = w * w
    z = y * 3  # (recorded before the change: uses y's old values)
    y[0].zero_()
    (z.sum() + y.sum()).backward()
    want = 3 * 2 * W + 2 * W
    want[0] = 3 * 2 * W[0]
    np.testing.assert_allclose(w.grad.data, want)


@pytest.mark.parametrize("change", [
    lambda w: w[0].add_(1), lambda w: w.T.mul_(2), lambda w: w.T[0].zero_(),
    lambda w: w.view(6).__setitem__(0, 1.0), lambda w: F.relu(w[0], inplace=True),
])
def test_a_view_of_a_leaf_that_requires_grad_is_refused_before_anything_changes(change):
    w = am.tensor(np.arange(-3., 3).reshape(2, 3), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"view of a leaf tensor of shape \(2, 3\) that requires grad"):
        change(w)
    np.testing.assert_array_equal(w.data, np.arange(-3., 3).reshape(2, 3))
    with am.no_grad():  # (allowed there, as torch: initialisation code)
        w[0].add_(10)
    np.testing.assert_array_equal(w.data[0], [7., 8., 9.])


def test_no_grad_writes_still_alias():
    x = am.tensor(W.copy())
    x.T[0].mul_(2)
    x.reshape(9)[8:].fill_(-1)
    want = W.copy()
    want[:, 0] *= 2
    want[2, 2] = -1
    np.testing.assert_array_equal(x.data, want)
    w = am.tensor(W, requires_grad=True)
    y = w * w
    with am.no_grad():
        y.select(0, 1).zero_()
    np.testing.assert_array_equal(y.data[1], 0.0)


def test_a_sibling_view_made_before_the_change_keeps_the_old_values():
    # Documented difference from PyTorch: a view of the base taken before the change (not
    # the one changed) keeps the values from before (its array is the old one, never
    # written), and its gradient flows as those values were computed (consistently).
    w = am.tensor(W, requires_grad=True)
    y = w * w
    a, b = y[0], y.T
    a.fill_(0.0)
    np.testing.assert_array_equal(y.data[0], 0.0)  # (the base sees the change)
    np.testing.assert_allclose(b.data, (W * W).T)  # (the sibling does not, unlike torch's)
    (b * b).sum().backward()
    np.testing.assert_allclose(w.grad.data, 4 * W ** 3)  # (the gradient of what b holds)
    c = y.T  # (a view taken after the change sees it)
    np.testing.assert_array_equal(c.data[:, 0], 0.0)


def test_inplace_relu_after_conv_matches_out_of_place():
    am.manual_seed(0)
    conv = nn.Conv2d(2, 3, 3, padding=1)
    x = am.tensor(np.random.default_rng(0).standard_normal((2, 2, 4, 4)))
    outs = []
    for ip in (False, True):
        conv.zero_grad()
        h = conv(x)
        y = nn.ReLU(inplace=ip)(h)
        (y * y).sum().backward()
        outs.append((y.data.copy(), conv.weight.grad.data.copy()))
    np.testing.assert_array_equal(outs[0][0], outs[1][0])
    np.testing.assert_array_equal(outs[0][1], outs[1][1])


def test_compile_replays_an_inplace_layer_on_a_view_as_eager():
    lin = nn.Linear(3, 3)

    def f(x):
        h = lin(x) * 1.0
        v = h.T  # (h is still used below: the write must reach it)
        F.relu(v, inplace=True)
        return (h * h).sum()

    x = am.tensor(W)
    eager = f(x)
    h = lin(x).data
    np.testing.assert_allclose(eager.data, (np.maximum(h, 0) ** 2).sum())
    cf = am.compile(f)
    with pytest.raises(RuntimeError, match="am.compile cannot replay"):
        cf(x)

    def g(x):  # (a view nothing else holds: the write-through is not needed, and replays)
        return F.relu(lin(x).T, inplace=True).sum()

    cg = am.compile(g)
    cg(x)
    out = cg(x)
    assert "compiled" in repr(out)
    assert out.data == g(x).data
