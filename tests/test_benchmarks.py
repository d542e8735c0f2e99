"""The benchmark's references compute the step they claim to (so its ratios compare like with like)."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import bare_tape
from benchmarks import numpy_reference as ref


def test_the_bare_tape_takes_the_hand_written_w1_step():
    hand, bare = ref.make_w1(seed=4), ref.make_w1(seed=4)
    step = bare_tape.make_w1_bare(bare)
    costs = [(ref.w1_step(hand), step()) for _ in range(300)]
    np.testing.assert_allclose([c for c, _ in costs], [c for _, c in costs], rtol=1e-12)
    assert costs[-1][0] < costs[0][0]  # (it trains: the step is not a no-op)
    np.testing.assert_allclose(bare.theta, hand.theta, rtol=1e-12, atol=1e-15)


def _frozen_w1_row(seed: int):
    """The hand-written W1 step with its update undone: the same first loss, then no learning."""
    state = ref.make_w1(seed)

    def step() -> float:
        before = state.theta.copy()
        cost = ref.w1_step(state)
        state.theta[...] = before
        return cost

    return step


def test_the_loss_check_catches_a_row_that_does_not_update():
    from benchmarks import bench_training as bt

    rows = {bt.OURS: bt.make_w1(0), "numpy (by hand)": _frozen_w1_row(0)}
    with pytest.raises(SystemExit, match="disagree"):
        bt._check_losses("W1", rows)


@pytest.mark.parametrize("key", ["W1", "W2"])
def test_the_loss_check_passes_the_benchmark_rows(key):
    from benchmarks import bench_training as bt

    bt._check_losses(key, bt.WORKLOADS[key][1](0))


def _in_float64(state):
    state.params = [p.astype(np.float64) for p in state.params]
    state.x = state.x.astype(np.float64)
    return state


def _autograd_grads(model, state):
    import autograd_mini as am
    from autograd_mini.nn import functional as F
    from benchmarks import bench_training as bt

    model.to(np.float64)
    bt._load(model, state.params)
    loss = F.cross_entropy(model(am.tensor(state.x)), state.labels)
    loss.backward()
    return loss.item(), [p.grad.data for p in model.parameters()]


@pytest.mark.parametrize("layout", ["nhwc", "nchw"])
def test_the_hand_written_w3_gradients_are_the_cnns(layout):
    # In float64, so that a wrong term in a hand-written backward cannot hide in float32 rounding.
    from benchmarks import bench_training as bt

    state = _in_float64(ref.make_w3(seed=3, batch=6))
    loss, grads = getattr(ref, f"w3_loss_and_grads_{layout}")(state)
    want_loss, want = _autograd_grads(bt.w3_model(), state)
    assert loss == pytest.approx(want_loss, rel=1e-12)
    for g, w in zip(grads, want, strict=True):
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-12)


def test_the_hand_written_w2_gradients_are_the_mlps():
    from autograd_mini import nn

    state = _in_float64(ref.make_w2(seed=3, batch=6))
    loss, grads = ref.w2_loss_and_grads(state)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
    want_loss, want = _autograd_grads(model, state)
    assert loss == pytest.approx(want_loss, rel=1e-12)
    for g, w in zip(grads, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-12)


def test_the_rounds_take_the_rows_in_turn_from_a_rotating_start():
    from benchmarks import timing

    order: list[str] = []
    rows = {k: (lambda k=k: order.append(k)) for k in "abc"}
    samples = timing.interleaved_samples(rows, repeat=3, min_time=0.0)
    assert order[6:] == list("abc" "bca" "cab")  # (after a warm-up and a calibration call each)
    assert [len(s) for s in samples.values()] == [3, 3, 3]


def test_the_rounds_are_timed_by_the_clock_given():
    import itertools

    from benchmarks import timing

    ticks = itertools.count(step=2.0)
    samples = timing.interleaved_samples({"a": lambda: None}, repeat=4, min_time=0.0, clock=lambda: next(ticks))
    assert samples == {"a": [2.0] * 4}


def test_the_ratio_range_pairs_the_rows_round_by_round():
    from benchmarks import timing

    # The machine slows down 4x over the rounds; within each round b takes 1.1x a's time.
    a = [1.0, 2.0, 4.0]
    samples = {"a": a, "b": [1.1 * t for t in a]}
    assert timing.ratio_range(samples, "b", "a") == pytest.approx((1.1, 1.1))
    ten = {"a": [1.0] * 10, "b": [1.0] * 9 + [5.0]}  # one disturbed round of ten does not set the range
    assert timing.ratio_range(ten, "b", "a") == pytest.approx((1.0, 1.0))


def test_the_table_prints_each_ratios_spread(capsys):
    from benchmarks import timing

    timing.print_table("T", [("base", 1e-3), ("ours", 1.05e-3, 1.0)], "base",
                       {"base": (1.0, 1.0), "ours": (0.98, 1.12)})
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == ["base", "1", "ms", "1.00x"]
    assert lines[2].split() == ["ours", "1.05", "ms", "1.05x", "(0.98-1.12)", "<=", "1x:", "MISS"]


def test_cpu_time_is_refused_with_more_than_one_thread(capsys):
    from benchmarks import bench_training as bt

    with pytest.raises(SystemExit) as stop:
        bt.main(["--only", "W1", "--threads", "2", "--clock", "cpu"])
    assert stop.value.code == 2
    assert "CPU time of all threads" in capsys.readouterr().err
