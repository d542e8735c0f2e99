"""am.distributions' torch API additions: Uniform.cdf / icdf, mode, expand(batch_shape),
perplexity. Values against oracles written here (math, one element at a time; torch
2.13's values were the reference for the NaN modes), float64 gradients first and second
order, refusals, and an am.compile replay."""

from __future__ import annotations

import pytest

import autograd_mini as am

D = am.distributions


def test_a_string_sample_shape_is_refused_with_the_named_message():
    with pytest.raises(ValueError, match=r"Normal.sample: sample_shape must be a tuple of ints >= 0"):
        D.Normal(0.0, 1.0).sample("ab")
