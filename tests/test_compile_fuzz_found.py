"""am.compile: defects found by fuzzing compiled functions against their eager
runs (random programs, and what users do between calls); each test is a
minimal reproducer of a replay that differed silently from eager."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.nn import functional as F

G = np.array([1.0, 2.0, 3.0])


def test_a_tensor_fn_makes_around_another_array_in_an_arguments_memory_is_not_that_argument():
    # fn wraps its global array G (from_numpy shares it); the first call's argument is a
    # tensor around a view of G, so the tape took fn's from_numpy(G) for that argument,
    # and the next call's argument replayed in G's place (zeros: 0.0 where eager gives 60.0).
    def f(v):
        return (am.from_numpy(G) * 10 + v).sum()

    cf = am.compile(f)
    a = am.from_numpy(G[:])
    assert f(a).item() == 66.0
    with pytest.raises(RuntimeError, match="creates from an array"):
        cf(a)  # (as for any array fn wraps)


def test_a_detached_closed_over_tensor_is_not_taken_for_an_argument_viewing_its_array():
    w = am.tensor([1.0, 2.0, 3.0], requires_grad=True)

    def f(v):
        return (w.detach() * 10 + v).sum()

    cf = am.compile(f)
    a = w.detach()[:]
    assert f(a).item() == 66.0
    with pytest.raises(RuntimeError, match="detach"):
        cf(a)  # (before: taped with w.detach() as the argument; 0.0 for zeros next)


def test_a_tensor_fn_makes_around_its_arguments_array_is_still_that_argument():
    w = am.tensor([1.0, 2.0, 3.0], requires_grad=True)

    def f(v, a):
        return (w * v.detach() * am.from_numpy(a)).sum()

    cf = am.compile(f)
    v = am.tensor([1.0, 1.0, 1.0])
    for k in range(3):
        a = np.full(3, float(k))
        assert cf(v * k, a).item() == f(v * k, a).item()
    assert cf.recordings == 1


IDX = np.array([2, 0])
A = np.array([1.0, 2.0, 3.0])


def test_an_index_fn_reads_from_elsewhere_is_not_taken_for_an_argument_viewing_it():
    # the first call's i views the global IDX, so the tape took fn's index IDX for i, and
    # the next call indexed with its i (i = [2, 1]: 8.0 where eager gives 7.0).
    def f(v, i):
        return (v[IDX] * i).sum()

    cf = am.compile(f)
    v = am.tensor([1.0, 2.0, 3.0], requires_grad=True)
    i = am.from_numpy(IDX[:])
    assert f(v, i).item() == 6.0
    with pytest.raises(RuntimeError, match="not an argument"):
        cf(v, i)


def test_an_array_operand_fn_reads_from_elsewhere_is_not_taken_for_an_argument_viewing_it():
    # (before: the next call's a replaced A: 81.0 for a = [0, 0, 9] where eager gives 27.0)
    def f(v, a):
        return (am.maximum(v, A) * a).sum()

    cf = am.compile(f)
    v = am.tensor([1.0, 2.0, 3.0], requires_grad=True)
    a = am.from_numpy(A[:])
    assert f(v, a).item() == 14.0
    with pytest.raises(RuntimeError, match="not an argument"):
        cf(v, a)


def test_labels_and_indices_given_as_tensors_still_replay():
    w = am.tensor(np.arange(12.0).reshape(4, 3), requires_grad=True)

    def f(x, t, i):
        return F.cross_entropy(x @ w.T, t) + (x[:, i] ** 2).sum()

    cf = am.compile(f)
    x = am.tensor(np.ones((2, 3)))
    for k in range(3):
        t, i = am.tensor([k, 3 - k]), am.tensor([k % 3, 2])
        assert cf(x, t, i).item() == f(x, t, i).item()
    assert cf.recordings == 1
