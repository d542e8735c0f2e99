"""Regression tests for defects found in the s23 review (nits)."""

import numpy as np
import pytest

import autograd_mini as am
import autograd_mini.nn.functional as F
from autograd_mini.engine import node_counter


def _x(*shape):
    return am.tensor(np.zeros(shape), requires_grad=True)


EMPTY_MEAN = [
    ("mse_loss", lambda: F.mse_loss(_x(0, 3), np.zeros((0, 3)))),
    ("l1_loss", lambda: F.l1_loss(_x(0, 3), np.zeros((0, 3)))),
    ("smooth_l1_loss", lambda: F.smooth_l1_loss(_x(0, 3), np.zeros((0, 3)))),
    ("smooth_l1_loss", lambda: F.smooth_l1_loss(_x(0, 3), np.zeros((0, 3)), beta=0.0)),
    ("huber_loss", lambda: F.huber_loss(_x(0, 3), np.zeros((0, 3)))),
    ("nll_loss", lambda: F.nll_loss(_x(0, 3), np.zeros(0, int))),
    ("cross_entropy", lambda: F.cross_entropy(_x(0, 3), np.zeros(0, int))),
    ("cross_entropy", lambda: F.cross_entropy(_x(0, 3), np.zeros(0, int), weight=np.ones(3))),
    ("cross_entropy", lambda: F.cross_entropy(_x(0, 3), np.zeros(0, int), label_smoothing=0.1)),
    ("cross_entropy", lambda: F.cross_entropy(_x(2, 3, 0), np.zeros((2, 0), int))),
    ("binary_cross_entropy", lambda: F.binary_cross_entropy(_x(0), np.zeros(0))),
    ("binary_cross_entropy_with_logits", lambda: F.binary_cross_entropy_with_logits(_x(0), np.zeros(0))),
    ("kl_div", lambda: F.kl_div(_x(0, 3), np.zeros((0, 3)))),
    ("kl_div", lambda: F.kl_div(_x(0, 3), np.zeros((0, 3)), reduction="batchmean")),
    ("poisson_nll_loss", lambda: F.poisson_nll_loss(_x(0), np.zeros(0))),
    ("gaussian_nll_loss", lambda: F.gaussian_nll_loss(_x(0), np.zeros(0), np.ones(0))),
    ("hinge_embedding_loss", lambda: F.hinge_embedding_loss(_x(0), np.ones(0))),
    ("soft_margin_loss", lambda: F.soft_margin_loss(_x(0), np.ones(0))),
    ("margin_ranking_loss", lambda: F.margin_ranking_loss(_x(0), _x(0), np.ones(0))),
    ("cosine_embedding_loss", lambda: F.cosine_embedding_loss(_x(0, 3), _x(0, 3), np.ones(0))),
    ("multi_margin_loss", lambda: F.multi_margin_loss(_x(0, 3), np.zeros(0, int))),
    ("multilabel_soft_margin_loss", lambda: F.multilabel_soft_margin_loss(_x(0, 3), np.zeros((0, 3)))),
    ("triplet_margin_loss", lambda: F.triplet_margin_loss(_x(0, 3), _x(0, 3), _x(0, 3))),
]


@pytest.mark.parametrize("name, call", EMPTY_MEAN)
def test_mean_of_an_empty_batch_is_refused_naming_the_loss_and_shapes_before_recording(name, call):
    before = next(node_counter)
    with pytest.raises(ValueError, match=rf"^{name}: reduction='(batch)?mean' of an empty batch \(.*of shape \(.*0"):
        call()
    assert next(node_counter) == before + 1  # (no node was made)


def test_mean_of_an_empty_batch_is_refused_while_compiling_too():
    f = am.compile(lambda x, y: F.mse_loss(x, y))
    with pytest.raises(ValueError, match=r"mse_loss: reduction='mean' of an empty batch"):
        f(_x(0, 3), np.zeros((0, 3)))


def test_empty_features_with_a_nonempty_batch_still_average():
    # (an empty argument does not mean empty losses: N cosines of 0-vectors)
    x = _x(4, 0)
    eager = F.cosine_embedding_loss(x, x, np.ones(4))
    assert eager.shape == () and eager.item() == F.cosine_embedding_loss(x, x, np.ones(4), reduction="none").mean().item()
    f = am.compile(lambda a, b: F.cosine_embedding_loss(a, b, np.ones(4)))
    assert f(x, x).item() == eager.item()
    assert F.kl_div(_x(3, 0), np.zeros((3, 0)), reduction="batchmean").item() == 0.0


@pytest.mark.parametrize("op, q", [
    (am.quantile, np.array([0.2, 0.7])), (am.quantile, np.array([[0.0, 1.0], [0.5, 0.25]])),
    (am.quantile, np.array(0.3)), (am.quantile, np.array([0, 1])), (am.percentile, np.array([20.0, 70.0])),
])
def test_quantile_with_a_constant_ndarray_q_replays_as_eager_bit_for_bit(op, q):
    # (an ndarray closed over is a constant of the tape, as a list is)
    x0 = np.random.default_rng(0).random((5, 4))
    f = am.compile(lambda x: op(x, q, axis=0))
    for k in range(3):
        x, e = am.tensor(x0 + k, requires_grad=True), am.tensor(x0 + k, requires_grad=True)
        r, want = f(x), op(e, q, axis=0)
        (r * r).sum().backward()
        (want * want).sum().backward()
        assert np.array_equal(r.data, want.data) and np.array_equal(x.grad, e.grad)
    assert f.recordings == 1


def test_quantile_with_an_ndarray_argument_q_is_refused_saying_what_to_pass():
    x = am.tensor(np.ones((5, 4)))
    for g in (lambda x, q: am.quantile(x, q), lambda x, q: am.percentile(x, np.asarray(q))):
        with pytest.raises((TypeError, RuntimeError), match=r"(quantile|percentile|compile)"):
            am.compile(g)(x, np.array([0.5]))
    with pytest.raises(TypeError, match=r"quantile: q must be .*not an ndarray argument of the compiled function"
                                         r".*close over q"):
        am.compile(lambda x, q: am.quantile(x, q))(x, np.array([0.5]))


def test_a_closed_over_ndarray_q_cannot_change_in_place_under_a_tape():
    # (its values are frozen in the tape: a change in place would replay the old q silently)
    x = am.tensor(np.arange(20.0).reshape(4, 5))
    base = np.array([0.1, 0.25, 0.5])
    q = base[1:]
    f = am.compile(lambda t: am.quantile(t, q))
    assert np.array_equal(f(x).data, am.quantile(x, q).data)
    for a in (q, base):
        with pytest.raises(ValueError, match="read-only"):
            a[0] = 0.75
    q = np.array([0.75, 0.9])  # (rebinding records again)
    assert np.array_equal(f(x).data, am.quantile(x, q).data) and f.recordings == 2
    assert np.array_equal(am.compile(lambda t: am.quantile(t, np.linspace(0, 1, 3)))(x).data,
                          np.quantile(x.data, np.linspace(0, 1, 3)))


@pytest.mark.parametrize("index, dim", [([0, 2, 2], 0), ((3, 1), 1), (2, 1)])
def test_index_select_with_a_constant_list_index_replays_as_eager(index, dim):
    x0 = np.random.default_rng(1).random((4, 5))
    f = am.compile(lambda x: am.index_select(x, dim, index) * 2.0)
    for k in range(3):
        x, e = am.tensor(x0 + k, requires_grad=True), am.tensor(x0 + k, requires_grad=True)
        r, want = f(x), am.index_select(e, dim, index) * 2.0
        (r * r).sum().backward()
        (want * want).sum().backward()
        assert np.array_equal(r.data, want.data) and np.array_equal(x.grad, e.grad)
    assert f.recordings == 1


def test_prod_and_cumprod_equal_numpys_left_to_right_products_bit_for_bit():
    # (a tree of halves multiplied 1e200 * 1e200 = inf by 1e-200 * 1e-200 = 0: NaN, where
    # numpy's left-to-right product is 1)
    x = np.array([1e200, 1e-200, 1e200, 1e-200])
    assert am.prod(am.tensor(x)).item() == np.prod(x) == 1.0
    assert np.array_equal(am.cumprod(am.tensor(x)).data, np.cumprod(x))
    rng = np.random.default_rng(2)
    for dtype in (np.float64, np.float32, np.float16, np.complex128):
        with np.errstate(all="ignore"):
            y = (rng.uniform(0.5, 2, (3, 37, 5)) * np.exp(rng.normal(0, 60, (3, 37, 5)))).astype(dtype)
            for axis in (0, 1, (0, 2), None):
                assert np.array_equal(am.prod(am.tensor(y), axis=axis).data, np.prod(y, axis=axis), equal_nan=True)
            for axis in (0, 1, 2, None):
                assert np.array_equal(am.cumprod(am.tensor(y), axis=axis).data, np.cumprod(y, axis=axis),
                                      equal_nan=True)


def test_prod_and_cumprod_gradients_are_exact_at_zeros_first_and_second_order():
    x = np.array([2.0, 0.0, 3.0, 0.0, 5.0])
    t = am.tensor(x, requires_grad=True)
    am.prod(t).backward()
    assert np.array_equal(t.grad, np.zeros(5))
    x = np.array([2.0, 0.0, 3.0, 4.0])
    t = am.tensor(x, requires_grad=True)
    (g,) = am.autograd.grad(am.cumprod(t).sum(), [t], create_graph=True)
    assert np.array_equal(g.data, [1.0, 2 + 2 * 3 + 2 * 3 * 4, 0.0, 0.0])
    for f in (lambda t: am.prod(t, axis=1), lambda t: am.cumprod(t, axis=1), lambda t: am.cumprod(t, axis=0)):
        y = np.random.default_rng(3).uniform(0.5, 2, (3, 6)) * np.array([1, 0, 1, 1, 1, 1])
        assert am.gradcheck(f, [am.tensor(y, requires_grad=True)])
        assert am.gradgradcheck(f, [am.tensor(y, requires_grad=True)])


def test_an_empty_list_of_indices_selects_nothing_as_x_of_an_empty_list_does():
    x = am.tensor(np.ones((3, 4)), requires_grad=True)
    assert am.index_select(x, 0, []).shape == (0, 4) == x[[]].shape
    assert am.index_select(x, 1, []).shape == (3, 0)
    out = am.gather(x, 1, [[], [], []])
    assert out.shape == (3, 0)
    out.sum().backward()
    assert np.array_equal(x.grad, np.zeros((3, 4)))
    f = am.compile(lambda t: am.index_select(t, 0, []).sum() + t.sum())
    assert f(x).item() == 12.0


def test_p_norm_below_one_has_gradient_zero_at_an_entry_zero_and_ord_zero_records():
    # (|x_i|**p has a cusp of infinite slope at 0 for p < 1: PyTorch's subgradient 0, not NaN)
    for p in (0.3, 0.5):
        x = am.tensor([3.0, -4.0, 0.0], requires_grad=True)
        am.linalg.vector_norm(x, p).backward()
        s = (3.0**p + 4.0**p) ** (1 / p - 1)
        np.testing.assert_allclose(x.grad.data, [s * 3.0 ** (p - 1), -s * 4.0 ** (p - 1), 0.0], rtol=1e-13)
        (g,) = am.autograd.grad(am.norm(x, p), [x], create_graph=True)
        (h,) = am.autograd.grad(g.sum(), [x])
        assert np.all(np.isfinite(h.data)) and h.data[2] == 0.0
    x = am.tensor([[1.0, 0.0, 2.0]], requires_grad=True)
    count = am.linalg.vector_norm(x, 0, axis=1)  # (recorded with gradient 0, as PyTorch's)
    count.sum().backward()
    assert count.tolist() == [2.0] and x.grad.data.tolist() == [[0.0, 0.0, 0.0]]
