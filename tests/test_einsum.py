"""am.einsum (one primitive) and am.split / am.array_split (composites of slices)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import primitives as P
from primitive_samples import EINSUM_PATTERNS, einsum_case


@pytest.mark.parametrize("pattern", EINSUM_PATTERNS)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_einsum_forward_equals_numpy(pattern: str, data: st.DataObject) -> None:
    s, xs = data.draw(einsum_case(pattern))
    out = am.einsum(s, *[am.tensor(x) for x in xs])
    expected = np.einsum(s, *xs)
    assert out.shape == expected.shape and out.dtype == expected.dtype
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)
    # the contraction is numpy's optimize=True one: the same numbers bit for bit
    np.testing.assert_array_equal(out.data, np.einsum(s, *xs, optimize=True))


@pytest.mark.parametrize("pattern", EINSUM_PATTERNS)
@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_einsum_gradients_first_and_second_order(pattern: str, data: st.DataObject) -> None:
    s, xs = data.draw(einsum_case(pattern))
    f = lambda *ts: am.einsum(s, *ts)  # noqa: E731
    assert am.gradcheck(f, xs, seed=0)
    assert am.gradgradcheck(f, xs, seed=1)


@pytest.mark.parametrize("s, shapes", [
    ("ii->i", [(3, 3)]), ("ii->", [(3, 3)]), ("iii->i", [(2, 2, 2)]), ("iij,j->ij", [(2, 2, 3), (3,)]),
    ("ij,k->", [(2, 3), (4,)]),  # k is summed in its operand only: its gradient is g copied along it
    ("ij,jk->ik", [(2, 1), (3, 4)]),  # j broadcast from size 1 in the first operand
    ("...i,...i->...", [(2, 1, 3), (5, 3)]), ("i...,i...->...", [(3, 1, 4), (3, 2, 1)]),
])
def test_einsum_gradients_of_diagonals_single_operand_labels_and_broadcasting(s, shapes) -> None:
    rng = np.random.default_rng(0)
    xs = [rng.standard_normal(shape) for shape in shapes]
    f = lambda *ts: am.einsum(s, *ts)  # noqa: E731
    assert am.gradcheck(f, xs, seed=0) and am.gradgradcheck(f, xs, seed=1)


def test_einsum_vjp_is_an_einsum_with_the_terms_swapped() -> None:
    vjp, constants, reshape = P._einsum_vjp_spec("ij,jk->ik", 0, ((2, 3), (3, 4)))
    assert (vjp, constants, reshape) == ("ik,jk->ij", (), False)
    # a trace's gradient is g on the diagonal: an identity ties the repeat to a fresh label
    assert P._einsum_vjp_spec("ii->", 0, ((3, 3),))[1] == (("eye", 3),)
    # a label only its operand has: g copied along it by a ones vector
    assert P._einsum_vjp_spec("ij,k->", 1, ((2, 3), (4,)))[1] == (("ones", 4),)


def test_einsum_keeps_float32_and_python_numbers_do_not_upcast() -> None:
    rng = np.random.default_rng(0)
    q = am.tensor(rng.standard_normal((2, 3, 4, 5)).astype(np.float32), requires_grad=True)
    k = am.tensor(rng.standard_normal((2, 3, 6, 5)).astype(np.float32), requires_grad=True)
    scores = am.einsum("bhqd,bhkd->bhqk", q, k)
    assert scores.dtype == np.float32
    am.einsum("bhqk,->", scores, 0.5).backward()
    assert q.grad.dtype == np.float32 and k.grad.dtype == np.float32
    assert am.einsum("i,->i", am.tensor(np.ones(3, np.float32)), 2.0).dtype == np.float32


def test_einsum_compiled_equals_eager_bit_for_bit() -> None:
    rng = np.random.default_rng(1)
    x, w, y = (am.tensor(rng.standard_normal(s), requires_grad=True) for s in [(4, 3), (3, 5), (4, 5)])

    def f(x, w, y):
        return (am.einsum("bi,ij,bj->b", x, w, y) ** 2).sum() + am.einsum("ii->", am.einsum("bi,bj->ij", x, x))

    compiled = am.compile(f)
    for _ in range(3):
        for t in (x, w, y):
            t.grad = None
        loss = compiled(x, w, y)
        loss.backward()
        got = [loss.data] + [t.grad.data.copy() for t in (x, w, y)]
    for t in (x, w, y):
        t.grad = None
    loss = f(x, w, y)
    loss.backward()
    for a, b in zip(got, [loss.data] + [t.grad.data for t in (x, w, y)]):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("s, shapes, pattern", [
    ("ij,jk->ik", [(2, 3), (4, 5)], r"einsum: .*\(2, 3\) and \(4, 5\).*label 'j' has sizes that do not broadcast: 3 in operand 0 and 4 in operand 1"),
    ("ijk->", [(2, 3)], r"einsum: .*\(2, 3\).*operand 0 has 2 dimension\(s\), subscripts 'ijk' name 3"),
    ("ij,jk->ik", [(2, 3)], r"einsum: .*the subscripts name 2 operand\(s\), got 1"),
    ("ij->ik", [(2, 3)], r"einsum: .*output label 'k' is in no operand"),
    ("ij->ii", [(2, 2)], r"einsum: .*output label 'i' appears more than once"),
    ("i1->i", [(2, 2)], r"einsum: .*'1' is not a label"),
    ("i.j", [(2, 2)], r"einsum: .*a '\.' outside one '\.\.\.'"),
    ("ii->i", [(2, 3)], r"einsum: .*label 'i' repeated in operand 0 needs equal sizes, got 2 and 3"),
    ("...i,...i", [(2, 3), (4, 3)], r"einsum: .*the ellipsis has sizes that do not broadcast"),
    ("...ij->ij", [(2, 2, 2)], r"einsum: .*explicit output without '\.\.\.'"),
])
def test_einsum_errors_name_the_op_and_shapes_where_numpy_raises(s, shapes, pattern) -> None:
    arrays = [np.ones(shape) for shape in shapes]
    with pytest.raises(ValueError):
        np.einsum(s, *arrays)
    with pytest.raises(ValueError, match=pattern):
        am.einsum(s, *[am.tensor(a, requires_grad=True) for a in arrays])


def test_einsum_refuses_the_interleaved_form_and_no_operands() -> None:
    with pytest.raises(TypeError, match="einsum: subscripts must be a string"):
        am.einsum(am.ones((2, 2)), [0, 1])
    with pytest.raises(ValueError, match="einsum: subscripts 'ij' need at least one operand"):
        am.einsum("ij")


# -- split and array_split ------------------------------------------------------


@pytest.mark.parametrize("fn", ["split", "array_split"])
@pytest.mark.parametrize("shape, how, axis", [
    ((6,), 3, 0), ((4, 6), 2, 1), ((4, 6), [1, 4], 1), ((4, 6), [2], -1), ((3, 4), [0, 5], 0),
    ((3, 4), [-1], 1), ((2, 3, 4), np.array([1, 2]), 2), ((5, 2), 1, 0),
])
def test_split_matches_numpy_and_concatenating_the_pieces_is_the_identity(fn, shape, how, axis) -> None:
    rng = np.random.default_rng(0)
    a = rng.standard_normal(shape)
    x = am.tensor(a, requires_grad=True)
    pieces = getattr(am, fn)(x, how, axis=axis)
    expected = getattr(np, fn)(a, how, axis=axis)
    assert isinstance(pieces, list) and len(pieces) == len(expected)
    for p, e in zip(pieces, expected):
        assert isinstance(p, am.Tensor)
        np.testing.assert_array_equal(p.data, e)
    g = rng.standard_normal(shape)
    (am.concatenate(pieces, axis=axis) * g).sum().backward()
    np.testing.assert_array_equal(x.grad.data, g)
    assert am.gradcheck(lambda t: am.concatenate(getattr(am, fn)(t, how, axis=axis), axis=axis) ** 2, [a])


def test_array_split_takes_unequal_sections_as_numpy() -> None:
    a = np.arange(10.0)
    pieces = am.array_split(am.tensor(a), 3)
    assert [p.shape for p in pieces] == [e.shape for e in np.array_split(a, 3)] == [(4,), (3,), (3,)]


def test_split_errors() -> None:
    x = am.ones((3, 4))
    with pytest.raises(ValueError, match="array split does not result in an equal division"):
        np.split(x.data, 3, axis=1)
    with pytest.raises(ValueError, match=re.escape("split: array split does not result in an equal division: "
                                                   "axis 1 of shape (3, 4)")):
        am.split(x, 3, axis=1)
    with pytest.raises(ValueError, match=r"array_split: the number of sections must be larger than 0"):
        am.array_split(x, 0)
    with pytest.raises(ValueError, match=r"split: axis 2 is out of range for shape \(3, 4\)"):
        am.split(x, 2, axis=2)
    with pytest.raises(TypeError, match="split: indices_or_sections must be an int or a sequence of ints"):
        am.split(x, 1.5)
