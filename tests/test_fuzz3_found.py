"""Defects found by fuzzing today's nn.functional additions against PyTorch (one test per defect)."""

import numpy as np
import pytest

import autograd_mini as am

F = am.nn.functional


def test_multi_margin_loss_p2_gradient_is_finite_at_an_infinite_target_score():
    # The target class's own term (margin - x[y] + x[y], inf - inf when x[y] = inf) is masked
    # out of the loss; its NaN must not leak into the gradient through the square's VJP.
    # Every other term is max(0, 1 - inf + x[i])**2 = 0, so the loss and its gradient are 0.
    x = am.tensor([[np.inf, 0.5, -1.0]], requires_grad=True)
    loss = F.multi_margin_loss(x, am.tensor([0]), p=2, reduction="sum")
    loss.backward()
    assert loss.item() == 0.0
    np.testing.assert_array_equal(x.grad.data, np.zeros((1, 3)))


def test_multilabel_soft_margin_loss_refuses_zero_classes_naming_the_shapes():
    # The average over an empty class axis used to end in a bare ZeroDivisionError.
    with pytest.raises(ValueError, match=r"multilabel_soft_margin_loss: .*\(2, 0\)"):
        F.multilabel_soft_margin_loss(am.zeros((2, 0)), am.zeros((2, 0)), reduction="none")


def test_instance_norm_of_zero_channels_is_refused_as_instance_norm():
    # It used to be refused by the group_norm it calls, as "num_groups must be at least 1".
    with pytest.raises(ValueError, match=r"instance_norm: .*\(2, 0, 3\)"):
        F.instance_norm(am.zeros((2, 0, 3)))
