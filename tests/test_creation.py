"""Creation functions that follow another tensor (full_like, rand_like, randn_like)."""

import numpy as np
import pytest

import autograd_mini as am


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
