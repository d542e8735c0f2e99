"""What a port of a numpy program with a hand-written backward meets (README: "Porting
numpy code with a hand-written backward"): each note there is true."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import autograd_mini as am

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_readme_has_the_numpy_porting_notes():
    assert "**Porting numpy code with a hand-written backward**" in README
    for phrase in ("`X.dot(W)`", "`am.stack`", "`am.maximum(0, z)`", "`am.relu(z)`",
                   "`g / (sqrt(s) + eps)`", "`am.exp(t)`"):
        assert phrase in README, phrase


def test_a_numpy_ufunc_on_a_tensor_raises():
    with pytest.raises(TypeError, match="ufunc"):
        np.exp(am.tensor([1.0], requires_grad=True))


def test_an_ndarray_method_or_slot_refuses_a_tensor_that_requires_grad_rather_than_drop_its_graph():
    W = am.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    X = np.ones((4, 2))
    refused = r"numpy: a tensor of shape \((2, 3|3,)\) that requires grad was read as a plain ndarray"
    with pytest.raises(TypeError, match=refused):
        X.dot(W)  # (numpy does not dispatch ndarray.dot: it would read W's values)
    assert isinstance(X @ W, am.Tensor) and (X @ W).requires_grad
    h = np.zeros((2, 3))
    with pytest.raises(TypeError, match=refused):
        h[0] = am.tanh(W[0])
    assert not h.any()
    with am.no_grad():  # (values, explicitly: no graph is being recorded)
        h[0] = am.tanh(W[0])
        np.testing.assert_array_equal(X.dot(W), X @ W.data)
    np.testing.assert_array_equal(h[0], np.tanh(W.data[0]))


def test_maximum_splits_a_tie_where_relu_and_a_hand_written_backward_give_zero():
    z = am.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    am.maximum(0, z).sum().backward()
    np.testing.assert_array_equal(z.grad.numpy(), [0.0, 0.5, 1.0])
    z.grad = None
    am.relu(z).sum().backward()
    hand = np.ones(3)
    hand[np.maximum(0, z.data) <= 0] = 0  # CS231n's dhidden[hidden_layer <= 0] = 0
    np.testing.assert_array_equal(z.grad.numpy(), hand)


def test_adagrad_adds_eps_to_the_root_not_under_it():
    g = np.array([1e-6, 0.3])
    p = am.tensor([0.0, 0.0], requires_grad=True)
    opt = am.optim.Adagrad([p], lr=0.1, eps=1e-8)
    p.grad = am.tensor(g)
    opt.step()
    np.testing.assert_allclose(p.data, -0.1 * g / (np.sqrt(g * g) + 1e-8), rtol=1e-15)
    assert abs(p.data[0] - (-0.1 * g[0] / np.sqrt(g[0] ** 2 + 1e-8))) > 0.05  # min-char-rnn's differs
