"""The benchmark's references compute the step they claim to (so its ratios compare like with like)."""

from __future__ import annotations

import numpy as np

from benchmarks import bare_tape
from benchmarks import numpy_reference as ref


def test_the_bare_tape_takes_the_hand_written_w1_step():
    hand, bare = ref.make_w1(seed=4), ref.make_w1(seed=4)
    step = bare_tape.make_w1_bare(bare)
    costs = [(ref.w1_step(hand), step()) for _ in range(300)]
    np.testing.assert_allclose([c for c, _ in costs], [c for _, c in costs], rtol=1e-12)
    assert costs[-1][0] < costs[0][0]  # (it trains: the step is not a no-op)
    np.testing.assert_allclose(bare.theta, hand.theta, rtol=1e-12, atol=1e-15)
