"""F.triplet_margin_with_distance_loss and nn.TripletMarginWithDistanceLoss (PyTorch's
triplet loss with a distance function of the user's own): a loop oracle, first and second
order gradient checks, bad input, and an am.compile replay equal to eager bit for bit."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn import functional as F


def rng(seed):
    return np.random.default_rng(seed)


def cosine_distance(x, y):
    return 1.0 - F.cosine_similarity(x, y)


def oracle(a, p, n, dist, margin, swap):
    """Row by row: max(0, margin + d(a_i, p_i) - d(a_i, n_i)), with swap's min."""
    out = np.empty(a.shape[0])
    for i in range(a.shape[0]):
        dp, dn = dist(a[i], p[i]), dist(a[i], n[i])
        if swap:
            dn = min(dn, dist(p[i], n[i]))
        out[i] = max(0.0, margin + dp - dn)
    return out


def np_euclid(x, y):
    return np.sqrt(np.sum((x - y + 1e-6) ** 2))  # (pairwise_distance's eps, PyTorch's)


def np_cosine(x, y):
    return 1.0 - x @ y / np.sqrt(max(x @ x, 1e-16) * max(y @ y, 1e-16))


@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("which", ["default", "cosine"])
def test_matches_a_loop_oracle(swap, which):
    a, p, n = (rng(s).standard_normal((5, 4)) for s in (1, 2, 3))
    dist, np_dist = (None, np_euclid) if which == "default" else (cosine_distance, np_cosine)
    want = oracle(a, p, n, np_dist, 0.7, swap)
    got = F.triplet_margin_with_distance_loss(am.tensor(a), am.tensor(p), am.tensor(n), distance_function=dist,
                                              margin=0.7, swap=swap, reduction="none")
    np.testing.assert_allclose(got.data, want, rtol=1e-12, atol=1e-14)
    mod = nn.TripletMarginWithDistanceLoss(distance_function=dist, margin=0.7, swap=swap)
    np.testing.assert_allclose(mod(am.tensor(a), am.tensor(p), am.tensor(n)).data, want.mean(), rtol=1e-12)
    summed = F.triplet_margin_with_distance_loss(a, p, n, distance_function=dist, margin=0.7, swap=swap,
                                                 reduction="sum")
    np.testing.assert_allclose(summed.data, want.sum(), rtol=1e-12)


def test_default_distance_is_triplet_margin_loss():
    a, p, n = (rng(s).standard_normal((6, 3)) for s in (4, 5, 6))
    for swap in (False, True):
        got = F.triplet_margin_with_distance_loss(a, p, n, margin=2.0, swap=swap)
        assert np.array_equal(got.data, F.triplet_margin_loss(a, p, n, margin=2.0, swap=swap).data)


@settings(max_examples=6, deadline=None)
@given(n=st.integers(1, 4), d=st.integers(2, 4), swap=st.booleans(), seed=st.integers(0, 100))
def test_first_and_second_order_gradients(n, d, swap, seed):
    # (a large margin keeps every hinge active: away from relu's corner; d >= 2: a cosine
    # distance in one dimension is a constant)
    a, p, q = (rng(seed + k).standard_normal((n, d)) for k in range(3))
    for dist in (None, cosine_distance):
        f = lambda x, y, z: F.triplet_margin_with_distance_loss(  # noqa: E731
            x, y, z, distance_function=dist, margin=20.0, swap=swap)
        ts = [am.tensor(v, requires_grad=True) for v in (a, p, q)]
        am.gradcheck(f, ts)
        am.gradgradcheck(f, ts)


def test_compiled_replay_equals_eager_bit_for_bit():
    f = lambda a, b, c: F.triplet_margin_with_distance_loss(  # noqa: E731
        a, b, c, distance_function=cosine_distance, margin=0.5, swap=True)

    def run(fn, arrays):
        ts = [am.tensor(x, requires_grad=True) for x in arrays]
        out = fn(*ts)
        out.backward()
        return out.data.copy(), [t.grad.data.copy() for t in ts]

    compiled = am.compile(f)
    for seed in range(3):
        arrays = [rng(40 + seed + 10 * k).standard_normal((4, 3)) for k in range(3)]
        (le, ge), (lc, gc) = run(f, arrays), run(compiled, arrays)
        assert np.array_equal(le, lc)
        assert all(np.array_equal(x, y) for x, y in zip(ge, gc))
    assert compiled.recordings == 1


@pytest.mark.parametrize("call, kind, words", [
    (lambda: F.triplet_margin_with_distance_loss(np.ones((2, 4)), np.ones((2, 4)), np.ones(4)), ValueError,
     ["triplet_margin_with_distance_loss", "(2, 4)", "(4,)"]),
    (lambda: F.triplet_margin_with_distance_loss(np.ones((2, 4)), np.ones((2, 4)), np.ones((2, 4)), margin=0.0),
     ValueError, ["triplet_margin_with_distance_loss", "margin"]),
    (lambda: F.triplet_margin_with_distance_loss(np.ones((2, 4)), np.ones((2, 4)), np.ones((2, 4)),
                                                 distance_function=3), TypeError,
     ["triplet_margin_with_distance_loss", "distance_function"]),
    (lambda: F.triplet_margin_with_distance_loss(np.ones((2, 4)), np.ones((2, 4)), np.ones((2, 4)),
                                                 distance_function=lambda x, y: 1.0), TypeError,
     ["triplet_margin_with_distance_loss", "float"]),
    (lambda: F.triplet_margin_with_distance_loss(np.ones((2, 4)), np.ones((2, 4)), np.ones((2, 4)),
                                                 reduction="avg"), ValueError,
     ["triplet_margin_with_distance_loss", "reduction"]),
    (lambda: nn.TripletMarginWithDistanceLoss(margin=-1.0), ValueError, ["TripletMarginWithDistanceLoss", "margin"]),
    (lambda: nn.TripletMarginWithDistanceLoss(distance_function="l2"), TypeError,
     ["TripletMarginWithDistanceLoss", "distance_function"]),
])
def test_bad_input_names_the_op(call, kind, words):
    with pytest.raises(kind) as e:
        call()
    for w in words:
        assert w in str(e.value)


def test_distances_of_different_shapes_raise():
    with pytest.raises(ValueError, match=r"triplet_margin_with_distance_loss.*\(2,\).*\(\)"):
        calls = iter([am.ones(2), am.ones(())])
        F.triplet_margin_with_distance_loss(np.ones((2, 4)), np.ones((2, 4)), np.ones((2, 4)),
                                            distance_function=lambda x, y: next(calls))


def test_module_repr_and_reduction():
    assert repr(nn.TripletMarginWithDistanceLoss(swap=True)) == "TripletMarginWithDistanceLoss(swap=True)"
    a, p, n = (rng(s).standard_normal((3, 2)) for s in (7, 8, 9))
    got = nn.TripletMarginWithDistanceLoss(reduction="none")(a, p, n)
    assert got.shape == (3,)
