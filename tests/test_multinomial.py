"""am.multinomial (and Tensor.multinomial), torch's sampler of category indices from
rows of non-negative weights, as a language model's generate() loop calls it:
shapes and dtype, never a category of weight 0, frequencies against the weights, draws
without replacement distinct, seeding, and refusals."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am


def test_shapes_dtype_and_a_tensor_that_requires_grad_gives_plain_indices():
    am.manual_seed(0)
    p = am.tensor([[0.2, 0.3, 0.5], [1.0, 1.0, 2.0]], requires_grad=True)
    idx = am.multinomial(p, num_samples=1)
    assert idx.shape == (2, 1) and idx.dtype == np.int64 and not idx.requires_grad
    assert am.multinomial(am.tensor([1.0, 2.0, 3.0]), 4, replacement=True).shape == (4,)
    assert p.multinomial(2).shape == (2, 2)


def test_unnormalised_weights_and_frequencies_follow_them_and_zeros_are_never_drawn():
    am.manual_seed(1)
    w = np.array([0.0, 2.0, 0.0, 6.0, 2.0])
    draws = am.multinomial(am.tensor(w), 20000, replacement=True).numpy()
    counts = np.bincount(draws, minlength=5)
    assert counts[0] == 0 and counts[2] == 0
    np.testing.assert_allclose(counts / counts.sum(), w / w.sum(), atol=0.015)


def test_without_replacement_each_row_draws_distinct_categories_with_positive_weight():
    am.manual_seed(2)
    w = am.tensor([[1.0, 0.0, 3.0, 2.0, 1.0]] * 50)
    rows = am.multinomial(w, 4).numpy()
    for row in rows:
        assert len(set(row.tolist())) == 4 and 1 not in row
    # (the first draw of a row without replacement follows the weights, as with it)
    first = np.bincount(am.multinomial(am.tensor([[1.0, 3.0]] * 4000), 1).numpy()[:, 0], minlength=2)
    assert abs(first[1] / 4000 - 0.75) < 0.03


def test_seeded_draws_repeat_and_a_generator_leaves_the_library_generator_alone():
    p = am.tensor([0.1, 0.2, 0.3, 0.4])
    am.manual_seed(5)
    a = am.multinomial(p, 10, replacement=True).tolist()
    am.manual_seed(5)
    assert am.multinomial(p, 10, replacement=True).tolist() == a
    state = am.get_rng_state()
    g = am.Generator().manual_seed(3)
    b = am.multinomial(p, 10, replacement=True, generator=g).tolist()
    assert am.get_rng_state() == state
    assert am.multinomial(p, 10, replacement=True, generator=am.Generator().manual_seed(3)).tolist() == b


@pytest.mark.parametrize("weights, n, kwargs, match", [
    ([0.5, -0.1, 0.6], 1, {}, r"multinomial.*negative.*\(3,\)"),
    ([0.5, np.nan, 0.6], 1, {}, r"multinomial.*finite.*\(3,\)"),
    ([0.5, np.inf, 0.6], 1, {}, r"multinomial.*finite.*\(3,\)"),
    ([[0.5, 0.5], [0.0, 0.0]], 1, {}, r"multinomial.*sum.*\(2, 2\)"),
    ([1.0, 2.0], 3, {}, r"multinomial.*3.*without replacement.*\(2,\)"),
    ([1.0, 0.0, 2.0], 3, {}, r"multinomial.*non-zero.*\(3,\)"),
    ([1.0, 2.0], 0, {}, r"multinomial.*num_samples"),
    (3.0, 1, {}, r"multinomial.*1-D or 2-D.*\(\)"),
    ([[[1.0]]], 1, {}, r"multinomial.*1-D or 2-D.*\(1, 1, 1\)"),
])
def test_bad_input_is_refused_naming_the_shape_before_drawing(weights, n, kwargs, match):
    state = am.get_rng_state()
    with pytest.raises(ValueError, match=match):
        am.multinomial(am.tensor(weights), n, **kwargs)
    assert am.get_rng_state() == state


def test_integer_weights_num_samples_type_and_compile_are_refused():
    with pytest.raises(TypeError, match="multinomial.*float"):
        am.multinomial(am.tensor([1, 2, 3]), 1)
    with pytest.raises(TypeError, match="multinomial.*num_samples"):
        am.multinomial(am.tensor([1.0, 2.0]), 1.5)
    f = am.compile(lambda p: am.multinomial(p, 1) * 1.0 + p.sum())
    with pytest.raises(RuntimeError, match="multinomial"):
        f(am.tensor([0.5, 0.5]))


def test_multinomial_takes_large_finite_weights_whose_sum_overflows():
    # float32 weights near their maximum are finite and valid; their row sum overflowed to
    # inf, every probability became 0 and numpy's choice failed with "Probabilities do not
    # sum to 1" (torch draws from them)
    for w in (am.tensor([3e38, 3e38, 0.0], dtype=am.float32), am.tensor([1.7e308, 1.7e308, 0.0])):
        for replacement in (False, True):
            out = am.multinomial(w, 2, replacement=replacement)
            assert set(out.data.tolist()) <= {0, 1}


def test_multinomial_of_no_rows_is_an_empty_batch():
    # (0, K) weights: torch gives a (0, num_samples) result; without replacement the
    # non-zero count's .min() over no rows failed with numpy's "zero-size array" error
    for replacement in (False, True):
        out = am.multinomial(am.ones(0, 3), 2, replacement=replacement)
        assert out.shape == (0, 2) and out.dtype == np.int64
