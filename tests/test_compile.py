"""am.compile: a replayed tape gives the eager numbers bit for bit, records again
when anything it froze changes, and refuses what it cannot replay."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn import functional as F
from autograd_mini.compile import MAX_TAPES
from autograd_mini.primitives import Primitive


def rand(*shape: int, seed: int = 0, dtype=np.float64) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def run(fn, model: nn.Module, *args):
    """fn(*args) and its backward: the loss array and every parameter's gradient (copies)."""
    model.zero_grad()
    loss = fn(*args)
    loss.backward()
    return loss.data.copy(), [p.grad.data.copy() for p in model.parameters()]


def assert_same(a, b) -> None:
    (la, ga), (lb, gb) = a, b
    assert la.dtype == lb.dtype and np.array_equal(la, lb)
    assert len(ga) == len(gb)
    for x, y in zip(ga, gb):
        assert x.dtype == y.dtype and np.array_equal(x, y)


def paper_net() -> nn.Sequential:
    am.manual_seed(3)
    return nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 3), nn.Sigmoid(),
                         nn.Linear(3, 2), nn.Sigmoid())


# -- replays equal the eager function ------------------------------------------------


def test_paper_network_sgd_steps_replay_bit_for_bit():
    eager_net, comp_net = paper_net(), paper_net()
    loss = lambda net: lambda x, y: 0.5 * F.mse_loss(net(x), y, reduction="sum")  # noqa: E731
    step = am.compile(loss(comp_net))
    opts = [am.optim.SGD(n.parameters(), lr=0.05) for n in (eager_net, comp_net)]
    X, Y = am.data.higham_drilling()
    for i in [0, 7, 3, 9, 0, 5]:
        x, y = am.tensor(X[i]), am.tensor(Y[i])
        assert_same(run(loss(eager_net), eager_net, x, y), run(step, comp_net, x, y))
        for opt in opts:
            opt.step()
    assert step.recordings == 1  # one tape, replayed for the other five samples
    for p, q in zip(eager_net.parameters(), comp_net.parameters()):
        assert np.array_equal(p.data, q.data)


MODELS = {
    "relu mlp": (lambda: nn.Sequential(nn.Flatten(), nn.Linear(12, 8), nn.ReLU(), nn.Linear(8, 3)),
                 (5, 3, 4), F.mse_loss),
    "cnn": (lambda: nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                  nn.Conv2d(4, 4, 3, padding=1, groups=2), nn.LeakyReLU(0.1),
                                  nn.AvgPool2d(2), nn.Flatten(), nn.Linear(16, 3)),
            (2, 1, 8, 8), F.mse_loss),
    "batch norm (eval)": (lambda: nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.Tanh()).eval(),
                          (6, 4), F.mse_loss),
    # (its divisor, the count of each window's entries inside the image, comes from the shape alone)
    "avg pool without the padding": (lambda: nn.Sequential(nn.AvgPool2d(3, 2, 1, count_include_pad=False),
                                                           nn.Flatten(), nn.Linear(18, 3)),
                                     (5, 2, 6, 6), F.mse_loss),
    "log_softmax": (lambda: nn.Sequential(nn.Linear(4, 3), nn.Dropout(0.5).eval()),
                    (6, 4), lambda a, b: -(F.log_softmax(a, 1) * b.sigmoid()).sum()),
    "softmax + bce": (lambda: nn.Sequential(nn.Linear(4, 3), nn.Softmax(1)),
                      (6, 4), lambda a, b: F.binary_cross_entropy(a, b.sigmoid())),
    "gelu mlp": (lambda: nn.Sequential(nn.Linear(4, 5), nn.GELU(), nn.Linear(5, 5), nn.GELU("tanh"),
                                       nn.Linear(5, 3)),
                 (6, 4), F.mse_loss),
    "bce with logits": (lambda: nn.Sequential(nn.Linear(4, 3)),
                        (6, 4), lambda a, b: F.binary_cross_entropy_with_logits(a, b.sigmoid())),
}


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_models_replay_bit_for_bit_on_new_data(name, dtype):
    make, shape, loss = MODELS[name]
    am.manual_seed(0)
    model = make().to(dtype)
    n_out = list(model.parameters())[-1].shape[0]
    step = am.compile(lambda x, y: loss(model(x), y))
    for seed in range(3):
        x = am.tensor(rand(*shape, seed=seed, dtype=dtype))
        y = am.tensor(rand(shape[0], n_out, seed=seed + 10, dtype=dtype))
        assert_same(run(lambda x, y: loss(model(x), y), model, x, y), run(step, model, x, y))
    assert step.recordings == 1


@settings(max_examples=20, deadline=None)
@given(shape=st.lists(st.integers(1, 4), min_size=0, max_size=3), seed=st.integers(0, 2**16),
       bias_axis=st.integers(0, 3))
def test_composite_chain_replays_bit_for_bit_hypothesis(shape, seed, bias_axis):
    shape = tuple(shape)
    b_shape = shape[bias_axis:]  # broadcasts against x
    w = am.tensor(rand(*b_shape, seed=seed + 1), requires_grad=True)

    def f(x):
        z = (x * w).tanh() + am.relu(x - 0.3) ** 2 - am.clip(x, -0.5, 0.5) / (1.0 + w * w)
        return am.logsumexp(z.sigmoid() * z, axis=None) + am.softmax(z.reshape(-1)).max()

    step = am.compile(f)
    for k in range(3):
        x = am.tensor(rand(*shape, seed=seed + 100 * k), requires_grad=True)
        outs = []
        for g in (f, step):
            w.grad = x.grad = None
            out = g(x)
            out.backward()
            outs.append((out.data.copy(), [w.grad.data.copy(), x.grad.data.copy()]))
        assert_same(*outs)
    assert step.recordings == 1


def test_gradients_flow_to_inputs_and_through_outer_graphs():
    W = am.tensor(rand(3, 2), requires_grad=True)
    step = am.compile(lambda x: (W @ x).sigmoid())
    x = am.tensor(rand(2), requires_grad=True)
    outs = []
    for g in (lambda x: (W @ x).sigmoid(), step, step):
        W.grad = x.grad = None
        pre = x * 2.0  # a graph before the compiled function...
        out = (g(pre) ** 2).sum()  # ...and one after it
        out.backward()
        outs.append((out.data, [W.grad.data, x.grad.data]))
    assert_same(outs[0], outs[1])
    assert_same(outs[0], outs[2])
    assert step.recordings == 1


def test_autograd_grad_and_retain_graph_match_eager():
    net = paper_net()
    f = lambda x: net(x).sum()  # noqa: E731
    step = am.compile(f)
    x = am.tensor([0.2, 0.7])
    step(x)
    params = list(net.parameters())
    eager = am.autograd.grad(f(x), params)
    replayed = am.autograd.grad(step(x), params)
    for a, b in zip(eager, replayed):
        assert np.array_equal(a.data, b.data)
    out = step(x)
    out.backward(retain_graph=True)
    out.backward()  # accumulates twice, as eager
    for p, g in zip(params, eager):
        assert np.array_equal(p.grad.data, g.data + g.data)
    with pytest.raises(RuntimeError, match="second time"):
        out.backward()


def test_no_grad_replay_has_no_graph():
    net = paper_net()
    step = am.compile(lambda x: net(x))
    x = am.tensor([[0.1, 0.2], [0.3, 0.9]])
    with am.no_grad():
        a, b = step(x), step(x)
    assert not a.requires_grad and not b.requires_grad and b.grad_fn is None
    assert np.array_equal(a.data, net(x).data) and np.array_equal(b.data, a.data)
    assert step.recordings == 1
    assert step(x).requires_grad  # with grad: a second tape
    assert step.recordings == 2


# -- what makes it record again ------------------------------------------------------------


def test_records_again_for_new_shapes_dtypes_requires_grad_and_constants():
    w = am.tensor(rand(3), requires_grad=True)
    calls = []

    def f(x, c):
        calls.append(1)
        return (x * w * c).sum()

    step = am.compile(f)
    x = am.tensor(rand(3))
    step(x, 2.0)
    step(am.tensor(rand(3, seed=1)), 2.0)
    assert step.recordings == 1 and len(calls) == 1
    for args in [(am.tensor(rand(2, 3)), 2.0), (am.tensor(rand(3, dtype=np.float32)), 2.0),
                 (am.tensor(rand(3), requires_grad=True), 2.0), (x, 3.0), (x, 3)]:
        out = step(*args)
        assert np.array_equal(out.data, f(*args).data)
    assert step.recordings == 6
    assert len(step._tapes) == 6
    w.requires_grad_(False)  # a closed-over tensor changed: record again
    assert not step(x, 2.0).requires_grad
    assert step.recordings == 7


def test_module_changes_record_again():
    net = paper_net()
    step = am.compile(lambda x: net(x).sum())
    x = am.tensor([0.5, 0.5])
    step(x)
    net.eval()  # training flags are Python state the tape froze
    step(x)
    assert step.recordings == 2
    new = nn.Parameter(rand(2, 3))
    net[4].weight = new  # a new parameter object: the tape must not keep the old one
    out = step(x)
    assert step.recordings == 3
    out.backward()
    assert new.grad is not None
    net[4].weight.data = rand(2, 3, seed=5)  # same shape, new array: read afresh, no recording
    assert np.array_equal(step(x).data, net(x).sum().data)
    assert step.recordings == 3


def test_setting_the_mode_a_module_already_has_keeps_the_tapes():
    net = nn.Sequential(nn.Linear(2, 3), nn.Dropout(0.5).eval(), nn.Tanh())
    step = am.compile(lambda x: net(x).sum())
    x = am.tensor(rand(4, 2))
    net.eval()  # (the dropout too: eval() for all)
    step(x)
    net.eval()  # as a loop that sets the mode on every step does: nothing changed
    net[1].eval()
    assert np.array_equal(step(x).data, net(x).sum().data)
    assert step.recordings == 1
    net[1].train()  # one layer's mode changed: record again, and refuse the random mask
    with pytest.raises(RuntimeError, match="dropout: a random mask"):
        step(x)


SCALE = 2.0
W_GLOBAL = am.tensor(rand(2), requires_grad=True)


def test_rebinding_a_variable_the_function_reads_records_again():
    global SCALE, W_GLOBAL
    h = am.tensor(rand(2, seed=1), requires_grad=True)
    f = lambda x: (x * h * W_GLOBAL * SCALE).sum()  # noqa: E731
    step = am.compile(f)
    x = am.tensor(rand(2, seed=2))
    step(x)
    old = (SCALE, W_GLOBAL)
    try:
        for rebind in ("closure", "global tensor", "global number"):
            if rebind == "closure":
                with am.no_grad():
                    h = h - 0.1  # what `h -= lr * h.grad` does to a tensor: a new object
                h.requires_grad_()
            elif rebind == "global tensor":
                W_GLOBAL = am.tensor(rand(2, seed=3), requires_grad=True)
            else:
                SCALE = -0.0 if SCALE == 0.0 else 3.0
            out = step(x)
            out.backward()
            assert np.array_equal(out.data, f(x).data)
            assert h.grad is not None and W_GLOBAL.grad is not None
            h.grad = W_GLOBAL.grad = None
        assert step.recordings == 4
    finally:
        SCALE, W_GLOBAL = old


def test_an_argument_that_is_also_closed_over_is_not_taped():
    h = am.tensor(rand(2))
    net = nn.Linear(2, 2)
    f = lambda x: (x * h).sum() + net(x).sum()  # noqa: E731
    step = am.compile(f)
    for first in (h, net.weight[0]):
        step(first if first is h else net.bias)
    assert step.recordings == 2 and not step._tapes  # h, and a parameter of net, came in as arguments
    o = am.tensor(rand(2, seed=4))
    assert np.array_equal(step(o).data, f(o).data)
    assert len(step._tapes) == 1
    assert np.array_equal(step(h).data, f(h).data)  # the tape of o reads the argument afresh


def test_tensor_and_array_arguments_sharing_memory():
    # An ndarray argument is copied (as eager ops copy it), so a tensor argument over
    # the same memory is told apart from it, and a replay reads both afresh.
    f = lambda x, m: (x.detach() * m).sum() + x.sum()  # noqa: E731
    step = am.compile(f)
    a = np.array([1.0, 2.0])
    shared = am.Tensor._wrap(a)
    assert step(shared, a).data == f(shared, a).data
    a[:] = [3.0, -1.0]
    assert step(shared, a).data == f(shared, a).data == 12.0
    b1, b2 = am.tensor([3.0, 4.0]), np.array([5.0, 6.0])
    assert np.array_equal(step(b1, b2).data, f(b1, b2).data)
    assert step.recordings == 1 and len(step._tapes) == 1


def test_constants_are_told_apart_exactly():
    step = am.compile(lambda x, c: (x * c[0]).sum() if isinstance(c, tuple) else (x / c).sum())
    x = am.tensor([1.0])
    with np.errstate(divide="ignore"):
        assert step(x, 0.0).data == np.inf and step(x, -0.0).data == -np.inf
    xi = am.tensor(np.array([2, 4]))
    assert step(xi, (2,)).dtype == np.int64 and step(xi, (2.0,)).dtype == np.float64
    assert step.recordings == 4
    with pytest.raises(TypeError, match="inside a constant argument"):
        step(x, (am.tensor(1.0),))


def test_retain_graph_backward_after_in_place_changes_matches_eager():
    W = am.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    f = lambda x: (W @ x).sum()  # noqa: E731
    step = am.compile(f)
    results = []
    for g in (f, step, step):
        W.data = np.array([[1.0, 2.0], [3.0, 4.0]])
        x = am.tensor([1.0, 2.0], requires_grad=True)
        out = g(x)
        out.backward(retain_graph=True)
        W.grad.data[...] = 0.0  # a hand-written zero_grad, in place
        W.data *= 2  # an in-place update
        x.grad = None
        out.backward()
        results.append((W.grad.data.copy(), x.grad.data.copy()))
        W.grad = None
    for a, b in zip(results[0], results[2]):
        assert np.array_equal(a, b)


def _eager_and_replayed(f):
    """f (no arguments), and f compiled with its tape recorded: calls of it replay."""
    step = am.compile(f)
    step()
    return f, step


def test_a_replays_backward_checks_every_leafs_grad_before_changing_any():
    a = am.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = am.tensor([4.0, 5.0, 6.0], requires_grad=True)
    f, step = _eager_and_replayed(lambda: (a * b).sum())
    for g in (f, step):
        a.grad, b.grad = None, am.ones(1)  # would broadcast silently if it were added to
        out = g()
        with pytest.raises(RuntimeError, match=r"\.grad that is of shape \(1,\)"):
            out.backward()
        assert a.grad is None and b.grad.shape == (1,)
    assert step.recordings == 1  # (the second run was a replay)


def test_a_replays_backward_never_hands_the_seed_to_a_leaf():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    f, step = _eager_and_replayed(lambda: x + 0.0)  # (add's VJP passes the seed on as it is)
    for g in (f, step):
        x.grad = None
        seed = am.tensor([3.0, 4.0])
        g().backward(seed)
        seed.data[...] = 9.0  # the caller's own array, changed after the backward
        assert np.array_equal(x.grad.data, [3.0, 4.0])
    assert step.recordings == 1  # (the second run was a replay)


def test_a_replays_backward_skips_a_leaf_that_stopped_requiring_grad():
    a = am.tensor([1.0, 2.0], requires_grad=True)
    b = am.tensor([3.0, 4.0], requires_grad=True)
    f, step = _eager_and_replayed(lambda: (a * b).sum())
    for g in (f, step):
        a.grad = b.grad = None
        b.requires_grad = True
        out = g()
        b.requires_grad = False  # after the call, before its backward
        out.backward()
        assert np.array_equal(a.grad.data, [3.0, 4.0]) and b.grad is None
    assert step.recordings == 1  # (the second run was a replay)


def test_a_replays_backward_adds_to_a_grad_without_recording():
    a = am.tensor([1.0, 2.0], requires_grad=True)
    f, step = _eager_and_replayed(lambda: (a * a).sum())
    for g in (f, step):
        a.grad = am.tensor([1.0, 1.0], requires_grad=True)  # (a .grad set by hand)
        g().backward()
        assert np.array_equal(a.grad.data, [3.0, 5.0]) and a.grad.grad_fn is None
    assert step.recordings == 1  # (the second run was a replay)


def test_a_replays_backward_that_raises_keeps_its_graph_for_another_try(monkeypatch):
    a = am.tensor([1.0, 2.0], requires_grad=True)
    f, step = _eager_and_replayed(lambda: (a * a.exp()).sum())
    f().backward()
    expected, a.grad = a.grad.data, None
    out = step()
    prim = out.grad_fn.prim

    def interrupted(*args):
        raise KeyboardInterrupt("in the replayed vjp")

    with monkeypatch.context() as m:
        m.setattr(prim, "vjp_all", interrupted)
        with pytest.raises(KeyboardInterrupt, match="in the replayed vjp"):
            out.backward()
    assert a.grad is None and am.is_grad_enabled()
    out.backward()  # (nothing was released: the same call works now)
    assert np.array_equal(a.grad.data, expected)
    assert step.recordings == 1  # (the second run was a replay)


def test_replays_keep_the_functions_own_error_handling():
    bce = am.compile(lambda p, y: F.binary_cross_entropy(p, y))
    lse = am.compile(lambda x: am.logsumexp(x))
    y = am.tensor([0.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # eager is silent: so must the recording and replays be
        for _ in range(2):
            assert bce(am.tensor([0.0, 1.0], requires_grad=True), y).data == 0.0
            assert lse(am.tensor([np.inf, 1.0])).data == np.inf
    # BCE's recording made under the caller's divide="ignore" needs no errstate of its
    # own: replays under divide="raise" give eager's numbers
    y2 = am.tensor([0.0, 1.0])
    with np.errstate(divide="ignore"):
        bce(am.tensor([0.5, 0.0], requires_grad=True), y2)
    with np.errstate(divide="raise"):
        assert bce(am.tensor([0.5, 0.0], requires_grad=True), y2).item() == F.binary_cross_entropy(
            am.tensor([0.5, 0.0]), y2).item()


def test_an_errstate_inside_fn_sets_only_its_own_categories_in_replays():
    def f(x):
        with np.errstate(divide="ignore"):
            return (am.log(x) * 0 + am.log(x - 2.0)).sum()

    step = am.compile(f)
    x = am.tensor([0.0, 1.0], requires_grad=True)
    with np.errstate(invalid="ignore"):
        step(x)  # the recording
    assert "with errstate(divide='ignore'):" in step.code
    # Under invalid="raise" eager raises at log(0) * 0 (-inf * 0; log(0)'s divide is
    # ignored inside f): so must the replay, at the same op.
    invalid = "invalid value encountered in multiply"
    for _ in range(2):
        with np.errstate(invalid="raise"), pytest.raises(FloatingPointError, match=invalid):
            f(x)
        with np.errstate(invalid="raise"), pytest.raises(FloatingPointError, match=invalid):
            step(x)


def test_aliased_arguments_run_eagerly_and_are_not_recorded():
    step = am.compile(lambda a, b: (a * b).sum())
    x, y = am.tensor(rand(3)), am.tensor(rand(3, seed=1))
    assert np.array_equal(step(x, x).data, (x * x).sum().data)
    assert step.recordings == 1 and not step._tapes
    step(x, y)
    assert np.array_equal(step(x, x).data, (x * x).sum().data)  # the (x, y) tape reads both


def test_too_many_signatures_warn_once_and_keep_the_newest_tapes():
    step = am.compile(lambda x: (x * x).sum())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for n in range(1, 12):
            step(am.tensor(rand(n)))
    assert len([w for w in caught if "recorded 9 of its 9 calls" in str(w.message)]) == 1
    assert len(step._tapes) == MAX_TAPES
    assert step.recordings == 11
    step(am.tensor(rand(11)))  # kept: the newest
    assert step.recordings == 11
    step(am.tensor(rand(1)))  # dropped: the oldest
    assert step.recordings == 12


def test_nested_compiled_functions():
    w = am.tensor(rand(2), requires_grad=True)
    inner = am.compile(lambda x: (x * w).tanh())
    outer = am.compile(lambda x: inner(x).sum() * 3.0)
    x = am.tensor(rand(2))
    inner(x)  # inner has a tape; inside outer's recording it runs eagerly
    for _ in range(2):
        w.grad = None
        outer(x).backward()
        assert np.allclose(w.grad.data, 3.0 * x.data * (1 - np.tanh(x.data * w.data) ** 2), rtol=0, atol=1e-15)
    assert outer.recordings == 1


def test_array_arguments_and_index_arguments():
    E = am.tensor(rand(10, 3), requires_grad=True)
    step = am.compile(lambda idx, scale: (E[idx] * scale).sum())
    for seed in range(3):
        idx = np.random.default_rng(seed).integers(0, 10, size=4)
        scale = rand(4, 3, seed=seed)
        E.grad = None
        step(idx, scale).backward()
        got = E.grad.data.copy()
        E.grad = None
        (E[idx] * scale).sum().backward()
        assert np.array_equal(got, E.grad.data)
    assert step.recordings == 1
    # An index a replay cannot use fails as the eager op does: named, with its shapes.
    with pytest.raises(IndexError, match=r"getitem: invalid input for shapes \(10, 3\).*index 10 is out of bounds"):
        step(np.array([0, 10, 1, 2]), scale)


@pytest.mark.parametrize("loss_fn", [F.cross_entropy, lambda z, t: F.nll_loss(F.log_softmax(z, dim=1), t)])
@pytest.mark.parametrize("as_tensor", [False, True])
def test_classification_losses_replay_with_each_calls_labels_and_check_them(loss_fn, as_tensor):
    am.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    step = am.compile(lambda x, t: loss_fn(model(x), t))
    wrap = am.tensor if as_tensor else (lambda a: a)
    for seed in range(4):
        x = am.tensor(rand(5, 4, seed=seed))
        labels = np.random.default_rng(seed).integers(0, 3, size=5)
        assert_same(run(step, model, x, wrap(labels)), run(lambda x, t: loss_fn(model(x), t), model, x, labels))
    assert step.recordings == 1
    # A replay checks the new labels with the eager function's error, before anything changes.
    for bad in [np.array([0, 1, 3, 0, 0]), np.array([0, -1, 2, 0, 0])]:
        model.zero_grad()
        with pytest.raises(ValueError) as eager:
            loss_fn(model(x), bad)
        with pytest.raises(ValueError, match=r"\(pick\).*out of range \[0, 2\]") as replayed:
            step(x, wrap(bad))
        assert str(replayed.value) == str(eager.value)
        assert all(p.grad is None for p in model.parameters())
    assert step.recordings == 1


def test_labels_read_from_a_memory_mapped_file_compile(tmp_path):
    model = nn.Linear(4, 3)
    np.save(tmp_path / "labels.npy", np.array([0, 1, 2, 0, 1]))
    labels = np.load(tmp_path / "labels.npy", mmap_mode="r")  # an ndarray subclass
    step = am.compile(lambda x, t: F.cross_entropy(model(x), t))
    x = am.tensor(rand(5, 4))
    assert step(x, labels).data == step(x, labels).data == F.cross_entropy(model(x), labels).data
    assert step.recordings == 1


def test_a_tape_holds_none_of_the_recording_calls_arrays():
    import gc
    import weakref

    E = am.tensor(rand(10, 3), requires_grad=True)
    step = am.compile(lambda idx: E[idx].sum())
    idx = np.arange(1000) % 10
    step(idx)
    gone = weakref.ref(idx)
    del idx
    gc.collect()
    assert gone() is None and len(step._tapes) == 1


# -- checking a compiled function --------------------------------------------------------


def test_gradcheck_of_a_compiled_function_and_no_second_order():
    W = am.tensor(rand(3, 2), requires_grad=True)
    step = am.compile(lambda x, b: ((W @ x + b).sigmoid() ** 2).sum())
    args = (am.tensor(rand(2), requires_grad=True), am.tensor(rand(3), requires_grad=True))
    step(*args)
    assert am.gradcheck(step, args)
    with pytest.raises(RuntimeError, match="create_graph"):
        am.gradgradcheck(step, args)


@pytest.mark.parametrize("f, shapes", [
    (lambda a, b: (a @ b) ** 2, [(3,), (3,)]),
    (lambda a, b: (a @ b).sin().sum(), [(2, 3), (3,)]),
    (lambda a, b: (a @ b).sin().sum(), [(3,), (3, 2)]),
    (lambda a, b: (a @ b).sin().sum(), [(2, 3), (3, 4)]),
    (lambda a, b: (a @ b.T).sin().sum(), [(2, 3), (4, 3)]),  # (a column-major b)
    (lambda x, w, b: F.linear(x, w, b).tanh().sum(), [(3,), (2, 3), (2,)]),  # (c of the product's shape)
    (lambda x, w, b: F.linear(x, w, b).tanh().sum(), [(4, 3), (2, 3), (2,)]),
], ids=["1d@1d", "2d@1d", "1d@2d", "2d@2d", "2d@2d.T", "linear one sample", "linear batch"])
def test_gradcheck_of_compiled_products_through_their_specialised_vjps(f, shapes):
    # (a tape calls matmul's and matmul_add's versions for fixed 1-D and 2-D shapes:
    # first order only, as a compiled function has no second)
    args = tuple(am.tensor(rand(*s, seed=k), requires_grad=True) for k, s in enumerate(shapes))
    step = am.compile(f)
    expected = f(*args)
    np.testing.assert_array_equal(step(*args).data, expected.data)
    assert am.gradcheck(step, args)


def test_check_graph_audits_the_tape_and_finds_a_wrong_vjp():
    W = am.tensor(rand(3, 2), requires_grad=True)
    f = lambda x: (W @ x).tanh().sum()  # noqa: E731
    step = am.compile(f)
    x = am.tensor(rand(2))
    step(x)
    assert am.check_graph(step(x))
    wrong = Primitive("twice_wrong", lambda a: 2.0 * a, (lambda g, ans, a: 3.0 * g,), register=False)
    bad = am.compile(lambda x: wrong(W @ x).sum())
    bad(x)
    report = am.check_graph(bad(x), raise_exception=False)
    assert not report.ok and "compiled" in str(report)


def test_code_shows_the_forward_and_the_reverse_sweep():
    net = paper_net()
    step = am.compile(lambda x, y: F.mse_loss(net(x), y, reduction="sum"))
    assert step.code == ""
    step(am.tensor([0.1, 0.2]), am.tensor([1.0, 0.0]))
    code = step.code
    for text in ["def forward(x0, x1, p0", "v0 = matmul_add(p0, x0, p1)", "sigmoid(", "def backward(",
                 "sigmoid_vjp0(", "matmul_add_vjp0(", "matmul_add_vjp2(", "return (gp0, gp1, gp2, gp3, gp4, gp5)"]:
        assert text in code
    assert "1 tape" in repr(step)


# -- what it refuses ---------------------------------------------------------------------


def test_refuses_value_reads_while_recording():
    x = am.tensor(rand(3), requires_grad=True)
    reads = [lambda t: t.sum() * t.sum().item(), lambda t: t * float(t.sum()),
             lambda t: t * 2 if bool(t.sum() > 0) else t, lambda t: t * t.numpy(),
             lambda t: t * np.asarray(t), lambda t: t * t.tolist()[0]]
    for f in reads:
        with pytest.raises(RuntimeError, match="reads a tensor's value"):
            am.compile(f)(x)


def test_refuses_arrays_and_tensors_that_are_not_arguments():
    x = am.tensor(rand(3), requires_grad=True)
    with pytest.raises(RuntimeError, match="creates from an array"):
        am.compile(lambda t: t * am.tensor(t.data > 0))(x)
    with pytest.raises(RuntimeError, match="not an argument"):
        am.compile(lambda t: t * (t.data > 0))(x)
    with pytest.raises(RuntimeError, match="getitem .* parameter 'index'"):
        am.compile(lambda z: z[np.array([0, 2])])(am.tensor(rand(4, 3)))


def test_refuses_training_steps_parameters_and_boolean_masks_inside():
    am.manual_seed(0)
    model = nn.Linear(3, 1)
    opt = am.optim.SGD(model.parameters(), lr=0.1)
    before = model.weight.data.copy()

    def train_step(x, y):
        opt.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        return loss

    with pytest.raises(RuntimeError, match="backward: cannot run inside a function being compiled"):
        am.compile(train_step)(am.tensor(np.ones((4, 3))), am.tensor(np.zeros((4, 1))))
    with pytest.raises(RuntimeError, match="SGD.step: cannot run inside"):
        am.compile(lambda x: opt.step() or model(x).sum())(am.tensor(np.ones((4, 3))))
    assert np.array_equal(model.weight.data, before)
    with pytest.raises(RuntimeError, match="creates from an array"):
        am.compile(lambda x: (nn.Parameter(x) ** 2).sum())(am.tensor([1.0, 2.0]))
    with pytest.raises(RuntimeError, match="boolean argument x1"):
        am.compile(lambda x, m: x[m].mean())(am.tensor(rand(4)), np.array([1, 0, 1, 1], bool))


def test_functions_that_change_their_own_state_are_not_taped():
    class Accumulator(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.total = am.tensor(np.zeros(2))

        def forward(self, x):
            self.total = self.total + x  # module state a replay would not update
            return self.total * 1.0

    acc = Accumulator()
    step = am.compile(acc)
    x = am.tensor([1.0, 1.0])
    assert [step(x).data.tolist() for _ in range(3)] == [[1, 1], [2, 2], [3, 3]]
    assert not step._tapes
    h = am.tensor([1.0, 1.0])

    def decay(x):
        nonlocal h
        h = h * 0.5 + x  # a variable fn rebinds itself
        return h.sum()

    step = am.compile(decay)
    z = am.tensor([0.0, 0.0])
    assert [float(step(z).data) for _ in range(3)] == [1.0, 0.5, 0.25]
    assert not step._tapes


def test_tensors_held_in_containers_partials_and_objects_are_not_taken_for_arguments():
    import functools

    ref = am.tensor(rand(2))
    held = {"ref": ref}
    by_dict = am.compile(lambda x: ((x - held["ref"]) ** 2).sum())
    by_partial = am.compile(functools.partial(lambda x, r: ((x - r) ** 2).sum(), r=ref))
    for step in (by_dict, by_partial):
        assert step(ref).data == 0.0  # the first call passes the held tensor itself
        other = am.tensor(rand(2, seed=7))
        assert step(other).data == ((other.data - ref.data) ** 2).sum()
    with pytest.raises(RuntimeError, match=r"reads the .grad of a tensor"):
        w = am.tensor(rand(2), requires_grad=True)
        (w * w).sum().backward()
        am.compile(lambda p: (p - 0.1 * p.grad).sum())(w)
    with pytest.raises(RuntimeError, match="randn: random numbers cannot be compiled"):
        am.manual_seed(0)
        am.compile(lambda x: x * am.randn(2))(am.tensor(rand(2)))
    am.manual_seed(0)
    first = am.randn(2).data
    am.manual_seed(0)
    with pytest.raises(RuntimeError, match="randn: random numbers cannot be compiled"):
        am.compile(lambda x: x * am.randn(2))(am.tensor(rand(2)))
    assert np.array_equal(am.randn(2).data, first)  # refused before drawing


def test_modules_methods_and_partials_guard_the_globals_of_their_code():
    global SCALE
    net = nn.Linear(2, 1)
    step = am.compile(functools_partial_of_scaled(net))
    x = am.tensor(rand(2))
    step(x)
    old = SCALE
    try:
        SCALE = 5.0
        assert np.array_equal(step(x).data, (net(x) * SCALE).sum().data)
    finally:
        SCALE = old


def functools_partial_of_scaled(net):
    import functools

    def scaled(x, k):
        return (net(x) * SCALE).sum() * k
    return functools.partial(scaled, k=1.0)


def test_warns_when_almost_every_call_records():
    step = am.compile(lambda x: (x * 2.0).sum())
    x = am.tensor(rand(3))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(12):
            nn.Linear(2, 2)  # a module made on every step (its parameters bump the module counter)
            step(x)
    assert step.recordings == 12
    assert len([w for w in caught if "a Module created on every call" in str(w.message)]) == 1
    # A call that could not be taped says why.
    autoencoder = am.compile(lambda x, target: F.mse_loss(x * 2.0, target))
    with pytest.warns(RuntimeWarning, match="the last call that made no tape: two arguments share an array"):
        for _ in range(12):
            autoencoder(x, x)


def test_refuses_random_masks_and_running_statistics():
    x = am.tensor(rand(6, 4))
    with pytest.raises(RuntimeError, match="dropout: a random mask"):
        am.compile(nn.Dropout(0.5))(x)
    bn = nn.BatchNorm1d(4)
    before = bn.running_mean.data.copy()
    with pytest.raises(RuntimeError, match="batch_norm: updating the running statistics"):
        am.compile(bn)(x)
    assert np.array_equal(bn.running_mean.data, before)  # refused before the update


def test_bad_functions_and_arguments():
    with pytest.raises(TypeError, match="expected a callable"):
        am.compile(3)
    x = am.tensor(rand(3))
    with pytest.raises(TypeError, match="must return one Tensor"):
        am.compile(lambda t: (t * 2).data)(x)
    with pytest.raises(ValueError, match="returned an input"):
        am.compile(lambda t: t)(x)
    calls = []
    step = am.compile(lambda t, opts: calls.append(1) or t * 2)
    with pytest.raises(TypeError, match="neither a Tensor, an ndarray nor hashable"):
        step(x, [1, 2])
    assert calls == []  # refused before the function ran
    with pytest.raises(RuntimeError, match="create_graph"):
        w = am.tensor(rand(3), requires_grad=True)
        f = am.compile(lambda t: (t * w).sum())
        f(x)
        f(x).backward(create_graph=True)



def test_a_refused_create_graph_through_a_tape_leaves_the_graph_whole():
    # autograd.grad(create_graph=True, retain_graph=False) released the nodes it had
    # run before the tape's VJP refused, so a plain retry failed as "a second time".
    f = am.compile(lambda t: (t.tanh() ** 3).sum())
    x0 = np.array([0.3, -0.5, 1.2])
    f(am.tensor(x0, requires_grad=True))  # (records; the next call replays)
    x = am.tensor(x0, requires_grad=True)
    y = f(x)
    z = (y * y).exp()
    with pytest.raises(RuntimeError, match="create_graph"):
        am.autograd.grad(z, [x], retain_graph=False, create_graph=True)
    (g,) = am.autograd.grad(z, [x])
    t = np.tanh(x0)
    s = (t ** 3).sum()
    np.testing.assert_allclose(g.data, np.exp(s * s) * 2 * s * 3 * t ** 2 * (1 - t ** 2), rtol=1e-12)


forward = "a global named like the generated code's functions"


def test_generated_names_do_not_clash_with_the_functions_own():
    class Gated(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fn = am.relu  # an attribute named like Compiled's own
            self.lin = nn.Linear(2, 2)

        def forward(self, x):
            return self.fn(self.lin(x)).sum()

    model = Gated()
    step = am.compile(model)
    x = am.tensor(rand(2))
    for _ in range(2):
        assert np.array_equal(step(x).data, model(x).data)
    saved, out, dp0 = 2.0, 3.0, 4.0
    g = lambda x: (x * saved * out * dp0).sum() + len(forward)  # noqa: E731
    step = am.compile(g)
    for _ in range(3):
        assert step(x).data == g(x).data
    assert step.recordings == 1


def test_optional_arguments_and_namedtuple_constants_get_their_own_tapes():
    from collections import namedtuple

    lin = am.compile(F.linear)
    x, W, b = am.tensor(rand(3, 2)), am.tensor(rand(4, 2)), am.tensor(rand(4))
    assert np.array_equal(lin(x, W, None).data, F.linear(x, W).data)
    assert np.array_equal(lin(x, W, b).data, F.linear(x, W, b).data)
    Cfg = namedtuple("Cfg", "k")
    step = am.compile(lambda x, c: x * c.k)
    xi = am.tensor(np.array([1, 2]))
    assert step(xi, Cfg(2)).dtype == np.int64 and step(xi, Cfg(2.0)).dtype == np.float64


def test_draw_network_leaves_no_stale_tape():
    net = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5))
    step = am.compile(lambda x: net(x).sum())
    x = am.tensor(rand(2))
    net.eval()
    step(x)
    net.train()
    am.viz.draw_network(net, input_size=(2,))  # evaluates in eval() mode, then restores train()
    with pytest.raises(RuntimeError, match="dropout: a random mask"):
        step(x)  # in training mode again: recorded afresh, and refused


def test_closed_over_shapes_parameter_arguments_and_methods():
    w = am.tensor(rand(3), requires_grad=True)
    step = am.compile(lambda x: (x * w).sum())
    x = am.tensor(rand(3))
    step(x)
    w.data = rand(1)  # a new shape: recorded again
    assert step(x).data == (x * w).sum().data and step.recordings == 2
    w.data = rand(1).astype(np.float32)  # a new dtype: recorded again
    assert step(x).dtype == (x * w).sum().dtype and step.recordings == 3
    p, t = nn.Parameter(rand(3)), am.tensor(rand(3, seed=1))
    both = am.compile(lambda x: (x * x).sum())
    for _ in range(3):
        both(p)
        both(t)
    assert both.recordings == 2 and len(both._tapes) == 2  # a tape for each type

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lin = nn.Linear(3, 1)

        @am.compile
        def loss(self, x):
            return (self.lin(x) ** 2).sum()

    net = Net()
    for _ in range(2):
        net.zero_grad()
        out = net.loss(x)
        out.backward()
        assert np.array_equal(out.data, (net.lin(x) ** 2).sum().data)
    with pytest.raises(TypeError, match=r"__call__\(\) got an unexpected keyword argument 'x'"):
        step(x=x)  # arguments are positional


def test_library_ops_take_ndarray_arguments_as_arguments():
    am.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(8, 2))
    step = am.compile(lambda x, y: F.mse_loss(model(x), y) + F.binary_cross_entropy_with_logits(model(x), y))
    for seed in range(3):
        x, y = rand(2, 1, 4, 4, seed=seed), np.random.default_rng(seed).uniform(size=(2, 2))
        assert_same(run(step, model, x, y), run(lambda x, y: F.mse_loss(model(x), y)
                                                + F.binary_cross_entropy_with_logits(model(x), y), model, x, y))
    assert step.recordings == 1


def test_refuses_numpys_and_pythons_global_random_numbers():
    import random

    x = am.tensor(rand(3), requires_grad=True)
    for draw in (np.random.uniform, random.random):
        with pytest.raises(RuntimeError, match="global random generator"):
            am.compile(lambda t: t * draw())(x)



def test_numpy_arithmetic_on_an_ndarray_argument_is_refused_not_frozen():
    model = nn.Linear(3, 1)
    x = am.tensor(rand(5, 3))
    masked_mean = lambda x, mask: ((model(x).reshape(5) ** 2) * mask).sum() / mask.sum()  # noqa: E731
    mixup = lambda x, lam: lam * model(x).sum() + (1 - lam) * (model(x) ** 2).sum()  # noqa: E731
    first = lambda x, w: model(x).sum() * float(w[0])  # noqa: E731
    for fn, arg, what in [(masked_mean, np.ones(5), r"x1 in numpy \(add.reduce\)"),
                          (mixup, np.array(0.3), r"x1 in numpy \(subtract\)"),
                          (first, np.ones(2), r"x1 in numpy \(reading an element\)")]:
        with pytest.raises(RuntimeError, match=what):
            am.compile(fn)(x, arg)
    # Handed to tensor operations, the same arrays are arguments like any other.
    weighted = am.compile(lambda x, w: ((model(x).reshape(5) ** 2) * w).sum())
    for seed in range(3):
        w = rand(5, seed=seed)
        assert weighted(x, w).data == ((model(x).reshape(5) ** 2) * w).sum().data
    assert weighted.recordings == 1


def test_array_arguments_that_are_views_of_the_same_memory():
    a, b = rand(4), rand(4, seed=1)
    g = am.compile(lambda u, v: F.mse_loss(u, v, reduction="sum"))
    for _ in range(2):
        assert g(a, a.view()).data == 0.0  # (each argument copied: two arrays, one tape)
    assert g(a, b).data == g(a, b).data == F.mse_loss(a, b, reduction="sum").data and g.recordings == 1


def test_tapes_made_dead_by_a_module_change_let_go_of_the_old_model():
    import gc
    import weakref

    am.manual_seed(0)
    model = nn.Linear(3, 50)
    loss = am.compile(lambda x, m: (m(x) ** 2).sum())
    x = am.tensor(rand(5, 3))
    loss(x, model).backward()
    loss(x[:2], model).backward()  # a last batch of another size: a second tape
    old = weakref.ref(model)
    model = nn.Linear(3, 50)  # a new run: both tapes can never match again
    loss(x, model).backward()
    gc.collect()
    assert old() is None and len(loss._tapes) == 1


def test_a_method_of_a_dataclass_keys_its_object_by_identity():
    from dataclasses import dataclass

    @dataclass
    class Trainer:  # eq=True makes it unhashable
        model: nn.Module

        @am.compile
        def loss(self, x):
            return (self.model(x) ** 2).sum()

    am.manual_seed(0)
    a, b = Trainer(nn.Linear(3, 1)), Trainer(nn.Linear(3, 1))
    x = am.tensor(rand(5, 3))
    for _ in range(2):
        for t in (a, b):
            assert np.array_equal(t.loss(x).data, (t.model(x) ** 2).sum().data)
    assert Trainer.loss.recordings == 2  # one tape per object, each replayed once


# -- found by a review of the day's changes -------------------------------------------------


def test_the_recording_calls_own_graph_holds_plain_arrays():
    w, x = am.tensor([1.0, 2.0], requires_grad=True), np.array([3.0, 4.0])
    f = am.compile(lambda w, x: (w * w * x).sum())
    out = f(w, x)  # the first call runs eagerly, with x seen as an argument view
    assert am.check_graph(out)
    (g,) = am.autograd.grad(out, [w], create_graph=True)
    np.testing.assert_allclose(g.data, 2 * w.data * x)


def test_an_argument_kept_by_the_function_is_a_plain_array_afterwards():
    kept = []

    def loss(w, x):
        kept.append(x)  # (logging, a cache)
        return (w * x).sum()

    am.compile(loss)(am.tensor([1.0, 2.0], requires_grad=True), np.array([1.0, 2.0]))
    assert np.mean(kept[0]) == 1.5 and float(kept[0][1]) == 2.0


class _Trainer:
    def __init__(self, model: nn.Module, beta: float) -> None:
        self.model, self.beta = model, beta

    @am.compile
    def loss(self, x):
        return self.beta * (self.model(x) ** 2).sum()


@dataclass
class _DataTrainer:  # (eq=True makes it unhashable)
    model: nn.Module
    beta: float

    @am.compile
    def loss(self, x):
        return self.beta * (self.model(x) ** 2).sum()


@pytest.mark.parametrize("Trainer", [_Trainer, _DataTrainer])
def test_a_compiled_method_sees_its_objects_attributes_rebound(Trainer):
    am.manual_seed(0)
    m1, m2 = nn.Linear(3, 1), nn.Linear(3, 1)
    x = am.tensor(rand(2, 3))
    t = Trainer(m1, 1.0)
    for _ in range(2):
        assert t.loss(x).data == (m1(x) ** 2).sum().data
    t.model = m2  # a replay must not keep using m1
    assert t.loss(x).data == (m2(x) ** 2).sum().data
    t.beta = 0.25
    assert t.loss(x).data == 0.25 * (m2(x) ** 2).sum().data


def _relu_pool_net() -> nn.Module:
    """conv, ReLU, 2x2 max-pool, linear: the pattern am.compile rewrites."""
    am.manual_seed(5)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(2, 3, 3, padding=1)
            self.fc = nn.Linear(3 * 4 * 4, 2)

        def forward(self, x):
            return self.fc(F.max_pool2d(F.relu(self.conv(x)), 2).flatten(1))

    return Net()


@pytest.mark.parametrize("data", ["random", "ties"])
def test_relu_moved_after_max_pool_gives_the_eager_numbers_bit_for_bit(data):
    net = _relu_pool_net()
    x = rand(4, 2, 8, 8, seed=9)
    if data == "ties":  # windows tied at a positive maximum, at 0, and all negative
        net.conv.weight.data[...] = 0.0
        net.conv.bias.data[...] = [1.0, 0.0, -1.0]
    t = am.tensor(x)
    loss = lambda x: (net(x) ** 2).sum()
    compiled = am.compile(loss)
    eager = run(loss, net, t)
    for _ in range(2):
        assert_same(run(compiled, net, t), eager)
    assert "ReLU moved after 1 max-pool" in compiled.code
    code = compiled.code.splitlines()
    pool = next(i for i, line in enumerate(code) if " = max_(" in line)
    assert " = le(" in code[pool + 1] and " = where(" in code[pool + 2]  # ReLU on the pooled map


def test_relu_stays_before_the_pool_when_its_output_is_used_elsewhere():
    net = _relu_pool_net()

    def loss(x):
        r = F.relu(net.conv(x))
        return (net.fc(F.max_pool2d(r, 2).flatten(1)) ** 2).sum() + r.mean()

    compiled = am.compile(loss)
    t = am.tensor(rand(4, 2, 8, 8, seed=10))
    assert_same(run(compiled, net, t), run(loss, net, t))
    assert "ReLU moved" not in compiled.code


def test_relu_moved_after_a_channels_last_max_pool():
    net = _relu_pool_net()
    t = am.tensor(rand(4, 2, 8, 8, seed=11))

    def loss(x):  # a conv output laid out (N, H, W, C) in memory, as a permuted view
        h = net.conv(x).permute(0, 2, 3, 1) * 1.0
        return (net.fc(F.max_pool2d(F.relu(h.permute(0, 3, 1, 2)), 2).flatten(1)) ** 2).sum()

    compiled = am.compile(loss)
    assert_same(run(compiled, net, t), run(loss, net, t))
    assert "ReLU moved after 1 max-pool" in compiled.code


def test_relu_moved_after_max_pool_keeps_the_eager_gradients_with_nan_and_inf():
    def pool_sum(x, scale):
        return (F.max_pool2d(F.relu(x), 2) * scale).sum() * 10.0

    a = np.arange(16.0).reshape(1, 1, 4, 4) + 1.0
    a[0, 0, :2, :2] = [[np.nan, -1.0], [-2.0, 0.0]]  # a NaN window
    a[0, 0, 2:, 2:] = [[3.0, 1.0], [0.0, -1.0]]
    compiled = am.compile(pool_sum)
    with np.errstate(over="ignore"):
        for scale in (1.0, 1e308):  # 1e308 * 10: an upstream gradient of inf
            grads = []
            for f in (pool_sum, compiled, compiled):
                x = am.tensor(a, requires_grad=True)
                f(x, scale).backward()
                grads.append(x.grad.data)
            assert "ReLU moved" in compiled.code
            for g in grads[1:]:
                np.testing.assert_array_equal(g, grads[0])
            # the NaN entry made its window's maximum and takes its gradient; a loser gets 0, not inf * 0
            np.testing.assert_array_equal(grads[0][0, 0, :2, :2], [[10.0 * scale, 0.0], [0.0, 0.0]])
            np.testing.assert_array_equal(grads[0][0, 0, 2:, 2:], [[10.0 * scale, 0.0], [0.0, 0.0]])


@pytest.mark.parametrize("data", ["random", "ties", "nan"])
def test_a_max_pool_through_the_window_route_replays_the_eager_numbers(monkeypatch, data):
    # A conv output lies batch-fastest in memory, where max's VJP compares the map with
    # its maximum in one broadcast call; a replay must give the eager numbers, also
    # for ties and NaN windows. Thresholds lowered so that this small batch takes
    # the window route.
    from autograd_mini import primitives as P
    for name in ("_REDUCE_LEAST", "_VJP_LEAST"):
        monkeypatch.setattr(P, name, 1)
    net = _relu_pool_net()
    x = rand(6, 2, 8, 8, seed=12)
    if data == "ties":  # every window tied: a positive, a zero and a negative channel
        net.conv.weight.data[...] = 0.0
        net.conv.bias.data[...] = [1.0, 0.0, -1.0]
    elif data == "nan":  # NaN windows, whose NaNs take the gradient
        x[0, 0, 2, 3] = np.nan
    t = am.tensor(x, requires_grad=True)  # (its gradient: finite for the images without a NaN)

    def grads(fn, backwards=1):
        net.zero_grad()
        t.grad = None
        out = fn(t)
        for i in range(backwards):
            out.backward(retain_graph=i + 1 < backwards)
        return [out.data] + [p.grad.data.copy() for p in [t, *net.parameters()]]

    loss = lambda x: (net(x) ** 2).sum()
    compiled = am.compile(loss)
    eager = grads(loss)
    for _ in range(2):
        for a, b in zip(grads(compiled), eager):
            np.testing.assert_array_equal(a, b)
    if data == "nan":
        assert np.isnan(eager[1][0]).any() and np.isfinite(eager[1][1:]).all()
    # two backwards through one replay
    for a, b in zip(grads(compiled, backwards=2)[1:], eager[1:]):
        np.testing.assert_array_equal(a, 2 * b)


def test_an_array_argument_refilled_before_backward_changes_nothing():
    def index_loss(x, idx):
        return (x[idx] * x[idx]).sum()

    def label_loss(x, labels):
        return F.cross_entropy(x, labels)

    for fn, shape in [(index_loss, (4,)), (label_loss, (2, 3))]:
        compiled, grads = am.compile(fn), []
        for f in (fn, compiled, compiled, compiled):  # eager, then record and two replays
            x = am.tensor(np.arange(6.0)[:np.prod(shape)].reshape(shape), requires_grad=True)
            buffer = np.array([0, 1])
            loss = f(x, buffer)
            buffer[:] = [2, 2]  # the caller refills its array before backward
            loss.backward()
            grads.append(x.grad.data)
        for g in grads[1:]:
            np.testing.assert_array_equal(g, grads[0])
        assert compiled.recordings == 1


def test_in_place_change_of_an_argument_inside_a_compiled_function_is_refused():
    def f(x, b):
        b += 1.0  # eagerly this changes the caller's b; a replay would skip it
        return (x * b).sum()

    x, b = am.tensor([1.0, 2.0, 3.0], requires_grad=True), am.tensor([2.0, 2.0, 2.0])
    with pytest.raises(RuntimeError, match=r"^\+=: cannot change a tensor in place inside a function "
                                           r"being compiled \(a replay would skip it\); write x = x \+ \.\.\. there"):
        am.compile(f)(x, b)
    np.testing.assert_array_equal(b.data, [2.0, 2.0, 2.0])

    def plus_w(b):
        b += x  # x requires grad: eagerly too a new, recorded tensor (b is not changed)
        return (b * b).sum()

    compiled_plus = am.compile(plus_w)
    for _ in range(2):
        assert compiled_plus(b).item() == plus_w(b).item() == 50.0
    np.testing.assert_array_equal(b.data, [2.0, 2.0, 2.0])

    def g(x):
        h = x * 2.0
        h += 1.0  # a tensor the function made: recorded as h = h + 1
        return h.sum()

    compiled = am.compile(g)
    for _ in range(2):
        assert compiled(x).item() == g(x).item() == 15.0


def test_a_fortran_ordered_array_argument_gives_the_eager_numbers():
    w = am.tensor(rand(30, 40), requires_grad=True)
    m = np.asfortranarray(rand(40, 30, seed=2))

    def f(w, m):  # (the sum runs in the product's memory order, which m's layout sets)
        return (w.T * m).sum()

    compiled = am.compile(f)
    for _ in range(3):  # record, then replay: each argument copied in its own layout
        assert compiled(w, m).data.tobytes() == f(w, m).data.tobytes()


# -- found by a review ----------------------------------------------------------------


def test_avg_pool_without_the_padding_records_its_divisor_for_each_shape():
    pool = nn.AvgPool2d(3, 2, 1, count_include_pad=False)
    compiled = am.compile(lambda x: (pool(x) ** 2).sum())
    for shape in [(2, 3, 6, 6), (2, 3, 7, 5), (2, 3, 6, 6)]:
        x = am.tensor(rand(*shape), requires_grad=True)
        (pool(x) ** 2).sum().backward()
        expected = x.grad.data.copy()
        x.grad = None
        assert compiled(x).item() == (pool(x) ** 2).sum().item()
        compiled(x).backward()
        np.testing.assert_array_equal(x.grad.data, expected)
    assert compiled.recordings == 2


def test_batch_norm_in_eval_with_buffers_of_another_dtype_replays_their_current_values():
    bn = nn.BatchNorm2d(3).eval()  # float64 buffers, float32 images: converted by a recorded op
    x = am.tensor(rand(2, 3, 4, 4, dtype=np.float32))
    compiled = am.compile(lambda x: bn(x).sum())
    for shift in [0.0, 1.0, 2.5]:
        bn.running_mean.data[...] = shift
        bn.running_var.data[...] = 1.0 + shift
        assert compiled(x).item() == bn(x).sum().item()
    assert compiled.recordings == 1


@pytest.mark.parametrize("make", [
    lambda x: am.full(x.shape, x.data), lambda x: am.arange(x.data[0], x.data[0] + 2.5),
    lambda x: am.zeros(3, requires_grad=True),
], ids=["full of an argument's values", "arange from an array's entry", "zeros requiring grad"])
def test_tensors_made_from_arrays_or_requiring_grad_are_refused_not_frozen(make):
    # Their values may come from data (am.full(x.shape, x.data)): a replay could not follow
    # them; a new leaf each call cannot be replayed either.
    x = am.tensor(rand(3), requires_grad=True)
    with pytest.raises(RuntimeError, match="creates from an array while it is recorded"):
        am.compile(lambda x: (x * make(x)).sum())(x)


def test_constants_of_shapes_and_python_numbers_are_kept_in_the_tape():
    # (zeros, ones, full, arange, eye and their _like forms of shapes and Python numbers:
    # a causal mask or position indices made inside the function compile)
    def f(x):
        T = x.shape[-1]
        mask = am.tril(am.ones((T, T))) > 0
        scores = am.where(mask, x.T @ x, -1e9)
        return (am.softmax(scores, axis=-1) * am.arange(T) + am.full((T, T), 0.5)
                + am.zeros_like(x.T @ x) + am.eye(T) * am.ones_like(x.T @ x)).sum()

    fc = am.compile(f)
    for shape in [(2, 3), (2, 3), (4, 5), (2, 3)]:
        x = am.tensor(rand(*shape), requires_grad=True)
        out = fc(x)
        out.backward()
        got = x.grad.data.copy()
        x.grad = None
        want = f(x)
        want.backward()
        assert out.item() == want.item()
        np.testing.assert_array_equal(got, x.grad.data)
    assert len(fc._tapes) == 2  # (one per shape: the constants made no call record again)


def test_a_constant_made_inside_a_compiled_function_is_read_only_while_it_records():
    # (a write into its .data, of values perhaps read from data, would be frozen in the tape)
    def f(x):
        m = am.zeros(3)
        m.data[:] = x.data
        return (x * m).sum()

    with pytest.raises(ValueError, match="read-only"):
        am.compile(f)(am.tensor(rand(3), requires_grad=True))
    m = am.zeros(3)  # (outside a recording: writable as ever)
    m.data[:] = 1.0


def test_a_constant_follows_the_default_dtype_of_each_call():
    f = am.compile(lambda x: (x * am.ones(x.shape[0])).sum())
    x64, x32 = am.tensor(rand(3)), am.tensor(rand(3).astype(np.float32))
    assert f(x64).dtype == np.float64
    try:
        am.set_default_dtype(np.float32)
        assert f(x32).dtype == np.float32 and f(x32).item() == (x32 * am.ones(3)).sum().item()
    finally:
        am.set_default_dtype(np.float64)
    assert f(x64).dtype == np.float64


# -- a differential review's findings: replays that differed from eager ----------------------


def test_relu_is_not_moved_after_the_pool_when_its_input_has_other_uses():
    # (x's gradient would then sum its terms in another order than the eager sweep)
    rng = np.random.default_rng(0)
    w2, w3 = (am.tensor(rng.standard_normal((2, 3, 4, 4)).astype(np.float32)) for _ in range(2))

    def f(x):
        r = F.relu(x)
        return F.max_pool2d(r, 2).sum() + (x * w2).sum() + (x * w3).sum()

    step = am.compile(f)
    for _ in range(6):
        x = am.tensor((rng.standard_normal((2, 3, 4, 4)) * 10).astype(np.float32), requires_grad=True)
        f(x).backward()
        eager = x.grad.data.copy()
        x.grad = None
        step(x).backward()
        assert np.array_equal(x.grad.data, eager)
    assert "ReLU moved" not in step.code


def test_a_tape_is_replayed_only_for_the_memory_layout_it_was_recorded_with():
    rng = np.random.default_rng(0)
    b = am.tensor(np.zeros((1, 4, 1, 1), np.float32), requires_grad=True)

    def f(x):
        return (F.avg_pool2d(x * 2.0 + b, 2) ** 2).sum()

    step = am.compile(f)
    step(am.tensor(rng.standard_normal((8, 4, 16, 16)).astype(np.float32)))
    nhwc = np.ascontiguousarray(rng.standard_normal((8, 16, 16, 4)).astype(np.float32)).transpose(0, 3, 1, 2)
    f(am.Tensor._wrap(nhwc)).backward()
    eager = b.grad.data.copy()
    b.grad = None
    step(am.Tensor._wrap(nhwc)).backward()
    assert np.array_equal(b.grad.data, eager) and step.recordings == 2


@pytest.mark.parametrize("fn", [am.softmax, am.log_softmax, lambda x: am.logsumexp(x, axis=-1)])
@pytest.mark.parametrize("values", [np.array([0, 200], np.uint8), np.array([-100, 100], np.int8),
                                    np.array([2**60 + 1, 2**60])])
def test_integer_inputs_of_the_softmax_family_are_taken_as_floats(fn, values):
    step = am.compile(fn)
    eager = fn(am.tensor(values)).data
    assert np.array_equal(eager, fn(am.tensor(values.astype(np.float64))).data)  # (no wrapping)
    for _ in range(2):
        assert np.array_equal(step(am.tensor(values)).data, eager)
    labels = np.array([1])
    assert np.array_equal(F.cross_entropy(am.tensor(values[None]), labels).data,
                          F.cross_entropy(am.tensor(values[None].astype(float)), labels).data)


def test_a_tensor_argument_that_a_module_argument_also_holds_is_not_taped():
    am.manual_seed(0)
    lin = nn.Linear(2, 2)

    def f(m, t, x):
        return m(x).sum() + (t * t).sum()

    step = am.compile(f)
    x = am.tensor([[1.0, 2.0]])
    step(lin, lin.weight, x)  # (t is the module's weight: the uses could not be told apart)
    other = nn.Parameter(np.zeros((2, 2)))
    assert step(lin, other, x).item() == f(lin, other, x).item()


def test_an_error_an_op_raised_and_fn_caught_is_not_taped_and_replays_fall_back():
    x = am.tensor([1.0, 2.0, 3.0], requires_grad=True)

    def f(x, idx):
        try:
            return x[idx].sum()
        except IndexError:
            return x.sum() * 0.0

    for first, then in [(np.array([7]), np.array([1])), (np.array([1]), np.array([7]))]:
        step = am.compile(f)
        step(x, first)
        for _ in range(2):
            assert step(x, then).item() == f(x, then).item()
            assert step(x, first).item() == f(x, first).item()


def test_rebinding_a_slot_of_a_method_object_records_again():
    class Trainer:
        __slots__ = ("w", "beta")

        def __init__(self):
            self.w = am.tensor([1.0, 2.0], requires_grad=True)
            self.beta = 1.0

        @am.compile
        def loss(self, x):
            return (self.w * x).sum() * self.beta

    trainer, x = Trainer(), am.tensor([1.0, 1.0])
    assert trainer.loss(x).item() == 3.0
    trainer.beta = 10.0
    assert trainer.loss(x).item() == 30.0
    trainer.w = am.tensor([5.0, 5.0], requires_grad=True)
    assert trainer.loss(x).item() == 100.0


def test_a_parameter_given_an_array_of_another_layout_records_again():
    rng = np.random.default_rng(1)
    W = am.tensor(rng.standard_normal((6, 5)), requires_grad=True)

    def f(x):
        return (x @ W.T).sum()

    step = am.compile(f)
    x = am.tensor(rng.standard_normal((4, 5)))
    step(x)
    step(x)
    W.data = np.asfortranarray(W.data)  # (the column-major W.T takes matmul's other route)
    f(x).backward()
    eager = W.grad.data
    W.grad = None
    step(x).backward()
    assert step.recordings == 2 and np.array_equal(W.grad.data, eager)
    assert W.grad.data.strides == eager.strides == (8, 48)


def test_a_threshold_below_zero_is_no_relu_and_is_not_moved_after_the_pool():
    # (x if x > -0.5 else 0 is not monotone: it does not commute with a maximum)
    def f(x):
        return F.max_pool2d(am.where(x <= -0.5, 0.0, x), 2).sum()

    step = am.compile(f)
    x = am.tensor(np.array([[[[-0.3, -1.0], [-2.0, -4.0]]]]), requires_grad=True)
    for _ in range(2):
        assert step(x).item() == f(x).item() == 0.0


def test_two_layouts_alternating_keep_a_tape_each():
    A = am.tensor(rand(4, 4))
    step = am.compile(lambda x: (x * 2.0).sum(axis=0))
    for _ in range(5):
        step(A)
        step(A.T)
    assert step.recordings == 2 and len(step._tapes) == 2


def test_a_method_given_an_attribute_its_code_does_not_read_stays_taped():
    class Trainer:
        def __init__(self):
            self.w = am.tensor([1.0, 2.0], requires_grad=True)
            self.x = am.tensor([3.0, 4.0])

        @am.compile
        def loss(self, x):
            return (self.w * x).sum()

    trainer = Trainer()
    for _ in range(4):
        assert trainer.loss(trainer.x).item() == 11.0
    assert Trainer.loss.recordings == 1


def test_a_replays_backward_sums_a_leaf_given_twice_before_adding_it_to_its_grad():
    # Recorded with two tensors and called with one tensor twice, the replay's node lists
    # that leaf twice. The eager sweep sums its two gradients and adds the sum to .grad;
    # adding them one after the other, (G + g1) + g2, rounds differently.
    def f(a, b):
        return (a * b.exp() + a.sin()).sum()

    step = am.compile(f)
    step(am.tensor(np.zeros(5), requires_grad=True), am.tensor(np.ones(5), requires_grad=True))
    grads = []
    for g in (f, step):
        x = am.tensor(np.linspace(-1.3, 2.7, 5), requires_grad=True)
        x.grad = am.tensor(np.full(5, 0.1234567891))
        g(x, x).backward()
        grads.append(x.grad.data)
    assert step.recordings == 1  # (the second run was a replay)
    assert np.array_equal(grads[0], grads[1])


def test_a_copy_of_a_compiled_module_runs_its_own_parameters():
    # deepcopy (and pickle) copied the recorded tapes with the module, but a tape holds
    # the original's parameters: the copy computed with them and sent them its gradients.
    import copy
    import pickle

    am.manual_seed(0)
    x = am.randn(5, 3)
    net = am.compile(nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1)))
    net(x)
    net(x)  # (a replay)
    for make in (copy.deepcopy, lambda c: pickle.loads(pickle.dumps(c))):
        twin = make(net)
        model = twin.fn
        assert model is not net.fn
        with am.no_grad():
            model[0].weight.data[...] = 0.5
        out = twin(x)
        np.testing.assert_allclose(out.data, model(x).data)
        out.sum().backward()
        assert model[0].weight.grad is not None and net.fn[0].weight.grad is None
        twin(x)  # replays its own tape
        assert twin.recordings == 1


# -- found by differential fuzzing (random programs, compiled against eager) -----------------


def test_minimum_with_an_ndarray_argument_replays():
    # (minimum negates its operands; an ndarray argument's negation was computed outside
    # the tape, so the recording refused it as "an array that is not an argument")
    def f(x, a):
        return am.minimum(x, a)

    step = am.compile(f)
    for seed in range(3):
        x = am.tensor(rand(2, 3, seed=seed), requires_grad=True)
        a = rand(3, seed=seed + 10)
        out = step(x, a)
        out.backward(am.tensor(rand(2, 3, seed=seed + 20)))
        xe = am.tensor(x.data, requires_grad=True)
        eager = f(xe, a)
        eager.backward(am.tensor(rand(2, 3, seed=seed + 20)))
        assert np.array_equal(out.data, eager.data) and np.array_equal(x.grad.data, xe.grad.data)
    assert step.recordings == 1


def test_an_unused_op_on_an_index_argument_still_checks_each_calls_indices():
    # (the tape dropped ops whose results fn does not use, and with them their check of
    # the index values: eagerly out-of-range labels raise, a replay returned a value)
    def f(x, idx):
        x[idx]  # (unused: fn would raise here for an index out of range)
        return x * 2.0

    step = am.compile(f)
    x = am.tensor(rand(3, 2), requires_grad=True)
    step(x, np.array([0, 2]))
    with pytest.raises(IndexError, match="out of bounds"):
        f(x, np.array([3, 0]))
    with pytest.raises(IndexError, match="out of bounds"):
        step(x, np.array([3, 0]))
    assert np.array_equal(step(x, np.array([1, 1])).data, x.data * 2.0) and step.recordings == 1


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_floor_division_and_remainder_replay_bit_for_bit(dtype):
    # remainder's two VJPs (one through a broadcast divisor, one for a reflected
    # operand) and floor_divide's constant, replayed against the eager function
    w = am.tensor(np.array([[1.5], [-2.5], [0.75]], dtype), requires_grad=True)

    def f(x, k):
        return ((x % w) * (x // w) + 3.0 % (w * w + 0.1) + (k // 2) * x - (k % 3)).sum()

    step = am.compile(f)
    for seed in range(3):
        x = am.tensor(rand(4, seed=seed, dtype=dtype) * 3, requires_grad=True)
        k = am.tensor(np.array([5, -7, 2, 0]))  # integers: an integer quotient and remainder
        outs = []
        for g in (f, step):
            w.grad = x.grad = None
            out = g(x, k)
            out.backward()
            outs.append((out.data.copy(), [w.grad.data.copy(), x.grad.data.copy()]))
        assert_same(*outs)
    assert step.recordings == 1
    assert "remainder_vjp1(" in step.code and "floor_divide(" in step.code


def test_a_copy_of_an_integer_argument_replays_with_each_calls_values():
    # (x.copy() of an integer tensor made an unrecorded tensor, which compile refused
    # as one created from an array; a float copy was recorded and replayed)
    x = am.tensor(rand(3), requires_grad=True)
    step = am.compile(lambda x, k: (x * k.copy()).sum())
    for k in ([1, 1, 1], [2, 0, 5], [-3, 4, 0]):
        k = am.tensor(np.array(k))
        np.testing.assert_array_equal(step(x, k).data, (x * k).sum().data)
    assert step.recordings == 1


def test_a_constant_made_while_recording_stays_read_only_only_if_the_tape_keeps_it():
    # A buffer fn makes lazily (a module's state, a cache) and no op of the tape uses is
    # the caller's to fill afterwards, as with the eager function; a constant the tape
    # keeps stays read-only, since a write into it would change every replay.
    class Counter(nn.Module):
        def __init__(self):
            super().__init__()
            self.seen = None

        def forward(self, x):
            if self.seen is None:
                self.seen = am.zeros(x.shape[-1])
            return (x * 2).sum()

    model, kept = Counter(), {}
    am.compile(model)(am.tensor(rand(2, 3)))
    model.seen += 1.0
    np.testing.assert_array_equal(model.seen.data, np.ones(3))

    def f(x):
        kept["mask"] = mask = am.ones(3)
        kept["unused"] = am.ones(3)
        return (x * mask).sum()

    cf = am.compile(f)
    cf(am.tensor(rand(3)))
    kept["unused"][0] = 5.0
    with pytest.raises(ValueError, match="read-only"):
        kept["mask"][0] = 5.0
    assert cf(am.tensor(np.ones(3))).item() == 3.0


def test_position_indices_made_inside_the_function_index_and_embed():
    # am.arange(T) as an index (getitem's parameter, embedding's rows) is a constant of
    # the tape as it is as an operand, not refused as an array made from data.
    E = am.tensor(rand(6, 4, seed=1), requires_grad=True)

    def f(x):
        T = x.shape[-2]
        return (x * F.embedding(am.arange(T), E) + x[:, am.arange(T - 1, -1, -1)]).sum()

    fc = am.compile(f)
    for shape in [(2, 3, 4), (2, 3, 4), (1, 5, 4), (2, 3, 4)]:
        x = am.tensor(rand(*shape, seed=len(fc._tapes)), requires_grad=True)
        got = fc(x)
        got.backward()
        gx, gE = x.grad.data.copy(), E.grad.data.copy()
        x.grad = E.grad = None
        want = f(x)
        want.backward()
        assert got.item() == want.item()
        np.testing.assert_array_equal(gx, x.grad.data)
        np.testing.assert_array_equal(gE, E.grad.data)
        E.grad = None
    assert fc.recordings == 2
