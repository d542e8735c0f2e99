"""am.distributions: defects found by differential fuzzing against torch.distributions,
each checked against an oracle written here with math/numpy (no torch)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_mini as am

D = am.distributions


def test_uniform_stddev_does_not_overflow_through_the_variance():
    # (high - low) = 1e300: the variance overflows float64, the stddev does not
    low, high = np.array([0.0, -1e300, 2.0]), np.array([1e300, np.nextafter(-1e300, 0), 5.0])
    got = D.Uniform(low, high).stddev.numpy()
    want = (high - low) / math.sqrt(12)
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, want, rtol=1e-15)
    lo, hi = am.tensor(low, requires_grad=True), am.tensor(high, requires_grad=True)
    D.Uniform(lo, hi).stddev.sum().backward()
    np.testing.assert_allclose(hi.grad.numpy(), np.full(3, 1 / math.sqrt(12)), rtol=1e-15)
    np.testing.assert_allclose(lo.grad.numpy(), np.full(3, -1 / math.sqrt(12)), rtol=1e-15)
