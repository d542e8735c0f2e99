"""Creation functions that follow another tensor (full_like, rand_like, randn_like) and the
library generator's public state (get_rng_state / set_rng_state)."""

import json

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.nn import functional as F


@pytest.mark.parametrize("like", [np.zeros((2, 3)), am.zeros(4, dtype=np.float32), am.tensor(1.5)])
def test_rand_like_and_randn_like_draw_from_the_seeded_generator_in_xs_shape_and_dtype(like):
    for fn, draw in ((am.rand_like, am.rand), (am.randn_like, am.randn)):
        am.manual_seed(3)
        out = fn(like)
        am.manual_seed(3)
        ref = draw(np.shape(like), dtype=like.dtype)
        assert out.shape == np.shape(like) and out.dtype == like.dtype and not out.requires_grad
        np.testing.assert_array_equal(out.data, ref.data)
    assert am.randn_like(like, dtype=np.float32, requires_grad=True).requires_grad
    assert am.rand_like(like, dtype=np.float16).dtype == np.float16


@pytest.mark.parametrize("fn", [am.rand_like, am.randn_like])
def test_samples_like_an_integer_tensor_need_a_float_dtype(fn):
    with pytest.raises(TypeError, match=rf"{fn.__name__}: samples need a floating-point dtype, got int64 .*\(3,\)"):
        fn(np.arange(3))
    assert fn(np.arange(3), dtype=np.float64).dtype == np.float64


def test_full_like_fills_xs_shape_and_dtype():
    out = am.full_like(am.zeros(2, 3, dtype=np.float32), 7)
    assert out.shape == (2, 3) and out.dtype == np.float32 and np.all(out.data == 7)
    assert am.full_like(np.zeros(2), 1.5, dtype=np.float64, requires_grad=True).requires_grad
    assert am.full_like(np.arange(3), 4).dtype == np.int64
    with pytest.raises(TypeError, match="full"):
        am.full_like(np.zeros(2), "a")


def test_rng_state_round_trip_repeats_the_draws_bit_for_bit_through_json_and_am_save(tmp_path):
    am.manual_seed(0)
    am.randn(5)
    state = am.get_rng_state()
    first = (am.randn(3, 2).data, am.rand(4).data, F.dropout(am.ones(50), 0.5).data)
    for stored in (state, json.loads(json.dumps(state))):
        am.set_rng_state(stored)
        again = (am.randn(3, 2).data, am.rand(4).data, F.dropout(am.ones(50), 0.5).data)
        for a, b in zip(first, again):
            assert a.tobytes() == b.tobytes()
    am.save({"rng": state}, tmp_path / "ckpt.npz")
    am.set_rng_state(am.load(tmp_path / "ckpt.npz")["rng"])
    assert am.randn(3, 2).data.tobytes() == first[0].tobytes()


def test_get_rng_state_is_a_snapshot_not_a_live_view():
    state = am.get_rng_state()
    snapshot = json.dumps(state)
    am.randn(10)
    assert json.dumps(state) == snapshot
    state["state"]["state"] = 1  # (changing the returned dict changes nothing)
    am.set_rng_state(json.loads(snapshot))


@pytest.mark.parametrize("bad, error, message", [
    (5, TypeError, r"set_rng_state: expected the dict get_rng_state returns, got int"),
    ({"bit_generator": "MT19937"}, ValueError, r"set_rng_state: expected a state of the PCG64 generator"),
    ({"bit_generator": "PCG64", "state": {}}, ValueError, r"set_rng_state: not a valid PCG64 state"),
    ("negative", ValueError, r"set_rng_state: not a valid PCG64 state"),
    ("extra", ValueError, r"set_rng_state: not a valid PCG64 state"),
    ("too large", ValueError, r"set_rng_state: not a valid PCG64 state"),
])
def test_set_rng_state_refuses_a_bad_state_and_leaves_the_generator_alone(bad, error, message):
    am.manual_seed(1)
    good = am.get_rng_state()
    if bad == "negative":
        bad = {**good, "state": {"state": -1, "inc": 3}}
    elif bad == "extra":
        bad = {**good, "seed": 7}
    elif bad == "too large":
        bad = {**good, "state": {**good["state"], "state": 2**130 + 5}}
    with pytest.raises(error, match=message):
        am.set_rng_state(bad)
    assert am.get_rng_state() == good
