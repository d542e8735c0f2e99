"""am.cholesky_inverse (torch.cholesky_inverse, also a Tensor method) and
am.linalg.cholesky_ex (torch.linalg.cholesky_ex: (L, info)). Values against numpy
oracles, info against a loop over leading minors, gradients first and second order,
am.compile replays, refusals."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from test_linalg import spd
from replay_check import assert_compiled_replays_eager


def leading_minor_order(a):
    """The order of the first leading minor of the symmetric a (lower triangle) that is
    not positive definite, by determinants of the leading blocks (Sylvester); 0 if none."""
    s = np.tril(a) + np.tril(a, -1).T
    for k in range(1, a.shape[-1] + 1):
        if not np.linalg.det(s[:k, :k]) > 0:
            return k
    return 0


# -- cholesky_inverse ---------------------------------------------------------------------


@settings(max_examples=8, deadline=None)
@given(batch=st.lists(st.integers(1, 2), max_size=2).map(tuple), n=st.integers(1, 4), upper=st.booleans())
def test_cholesky_inverse_is_the_inverse_of_the_product_and_checks_gradients(batch, n, upper):
    A = spd(batch + (n, n), n)
    Lw = np.linalg.cholesky(A)
    F = np.swapaxes(Lw, -1, -2) if upper else Lw
    out = am.cholesky_inverse(am.tensor(F), upper=upper).data
    np.testing.assert_allclose(out, np.linalg.inv(A), rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(out, np.swapaxes(out, -1, -2))
    np.testing.assert_array_equal(am.tensor(F).cholesky_inverse(upper).data, out)
    f = lambda t: am.cholesky_inverse(t, upper=upper)
    assert am.gradcheck(f, (F,))
    assert am.gradgradcheck(f, (F,))


def test_cholesky_inverse_reads_one_triangle_only_with_zero_gradient_on_the_other():
    L = np.linalg.cholesky(spd((3, 3), 1))
    junk = L + np.triu(np.ones((3, 3)), 1) * 50.0
    np.testing.assert_array_equal(am.cholesky_inverse(am.tensor(junk)).data, am.cholesky_inverse(am.tensor(L)).data)
    t = am.tensor(L, requires_grad=True)
    (am.cholesky_inverse(t) * np.arange(9.0).reshape(3, 3)).sum().backward()
    np.testing.assert_array_equal(np.triu(t.grad.data, 1), 0.0)
    # (through cholesky, A's gradient is the inverse's: -A^-T W A^-T, symmetrised)
    A0 = spd((3, 3), 2)
    W = np.random.default_rng(0).standard_normal((3, 3))
    a = am.tensor(A0, requires_grad=True)
    (am.cholesky_inverse(am.linalg.cholesky(a)) * W).sum().backward()
    Ai = np.linalg.inv(A0)
    G = -Ai.T @ W @ Ai.T
    want = np.tril(G + G.T, -1) + np.diag(np.diag(G))  # (the lower triangle read stands for both)
    np.testing.assert_allclose(a.grad.data, want, rtol=1e-10, atol=1e-12)


def test_compiled_cholesky_inverse_replays_eager_bit_for_bit():
    fn = lambda f: (am.cholesky_inverse(f, upper=True) ** 2).sum()

    def args(k):
        F0 = np.linalg.cholesky(spd((2, 3, 3), k)).swapaxes(-1, -2).copy()
        return [am.tensor(F0, requires_grad=True)]

    assert_compiled_replays_eager(fn, args)


@pytest.mark.parametrize("F, kwargs, error, match", [
    (np.ones((2, 3)), {}, ValueError, r"cholesky_inverse.*\(2, 3\)"),
    (np.eye(3, dtype=np.int64), {}, TypeError, r"cholesky_inverse.*int64"),
    (np.eye(3), {"upper": "U"}, TypeError, r"cholesky_inverse: upper.*\(3, 3\)"),
])
def test_cholesky_inverse_refuses_bad_input_naming_the_shape(F, kwargs, error, match):
    with pytest.raises(error, match=match):
        am.cholesky_inverse(am.tensor(F), **kwargs)


# -- cholesky_ex ------------------------------------------------------------------------------


@settings(max_examples=10, deadline=None)
@given(batch=st.lists(st.integers(1, 3), max_size=2).map(tuple), n=st.integers(1, 5),
       seed=st.integers(0, 100), upper=st.booleans())
def test_cholesky_ex_info_is_the_first_failing_leading_minor_and_L_is_cholesky_elsewhere(batch, n, seed, upper):
    r = np.random.default_rng(seed)
    m = r.standard_normal(batch + (n, n))
    A = m @ np.swapaxes(m, -1, -2) + r.uniform(-2.0, 2.0, batch + (1, 1)) * np.eye(n)
    L, info = am.linalg.cholesky_ex(am.tensor(A), upper=upper)
    assert info.dtype == np.int32 and info.shape == batch and not info.requires_grad
    for idx in np.ndindex(*batch):
        a = A[idx]
        assert info.data[idx] == leading_minor_order(a.T if upper else a)
        if info.data[idx] == 0:
            want = np.linalg.cholesky(a)
            np.testing.assert_array_equal(L.data[idx], want.T if upper else want)
        else:
            assert np.isnan(L.data[idx]).all()


def test_cholesky_ex_on_positive_definite_input_is_cholesky_bit_for_bit_with_its_gradients():
    for shape in ((3, 3), (2, 3, 3)):
        A = spd(shape, 3)
        for upper in (False, True):
            L, info = am.linalg.cholesky_ex(am.tensor(A), upper=upper)
            np.testing.assert_array_equal(L.data, am.linalg.cholesky(am.tensor(A), upper=upper).data)
            np.testing.assert_array_equal(info.data, 0)
            f = lambda a: am.linalg.cholesky_ex(a, upper=upper)[0]
            assert am.gradcheck(f, (A,))
            assert am.gradgradcheck(f, (A,))


def test_cholesky_ex_failing_matrices_give_nan_and_zero_gradient_the_others_theirs():
    bad = np.array([[4.0, 2.0, 1.0], [2.0, 1.0, 0.0], [1.0, 0.0, 3.0]])  # (order 2 fails)
    good = spd((3, 3), 4)
    A = am.tensor(np.stack([bad, good, np.diag([1.0, np.nan, 1.0])]), requires_grad=True)
    L, info = am.linalg.cholesky_ex(A)
    np.testing.assert_array_equal(info.data, [2, 0, 2])
    assert np.isnan(L.data[0]).all() and np.isnan(L.data[2]).all()
    L[1].sum().backward()
    np.testing.assert_array_equal(A.grad.data[[0, 2]], 0.0)
    g = am.tensor(good, requires_grad=True)
    am.linalg.cholesky(g).sum().backward()
    np.testing.assert_array_equal(A.grad.data[1], g.grad.data)
    assert am.gradcheck(lambda a: am.linalg.cholesky_ex(a)[0][1], (A.data,))
    # (a single matrix: info is 0-d)
    assert am.linalg.cholesky_ex(am.tensor(bad)).info.shape == ()


def test_cholesky_ex_check_errors_raises_naming_the_batch_element_and_order():
    A = np.stack([np.eye(3), np.array([[1.0, 2.0, 0.0], [2.0, 1.0, 0.0], [0.0, 0.0, 1.0]])])
    with pytest.raises(np.linalg.LinAlgError, match=r"cholesky_ex: \(batch element 1\).*order 2"):
        am.linalg.cholesky_ex(am.tensor(A), check_errors=True)
    L, info = am.linalg.cholesky_ex(am.tensor(np.eye(3)), check_errors=True)
    np.testing.assert_array_equal(L.data, np.eye(3))


def test_compiled_cholesky_ex_replays_eager_bit_for_bit_on_positive_definite_input():
    fn = lambda a: (am.linalg.cholesky_ex(a)[0] ** 2).sum()

    def args(k):
        A0 = spd((2, 3, 3), k)
        return [am.tensor(A0, requires_grad=True)]

    step = assert_compiled_replays_eager(fn, args)
    # (a failing matrix: the NaN mask comes from A's values, which a replay cannot redo)
    with pytest.raises(RuntimeError, match="compile"):
        step(am.tensor(np.stack([np.eye(3), -np.eye(3)]), requires_grad=True))


@pytest.mark.parametrize("A, kwargs, error, match", [
    (np.ones((2, 3)), {}, ValueError, r"cholesky_ex.*\(2, 3\)"),
    (np.ones(3), {}, ValueError, r"cholesky_ex.*\(3,\)"),
    (np.eye(3, dtype=np.int64), {}, TypeError, r"cholesky_ex.*int64"),
    (np.eye(3), {"upper": 1}, TypeError, r"cholesky_ex: upper.*\(3, 3\)"),
    (np.eye(3), {"check_errors": None}, TypeError, r"cholesky_ex: check_errors.*\(3, 3\)"),
])
def test_cholesky_ex_refuses_bad_input_naming_the_shape(A, kwargs, error, match):
    with pytest.raises(error, match=match):
        am.linalg.cholesky_ex(am.tensor(A), **kwargs)
