"""generator= on nn.init's random initialisations (torch's: xavier_*, kaiming_*,
trunc_normal_, orthogonal_, sparse_): draws come from that generator, the library
generator (am.manual_seed's) is left where it was, and anything but a generator is
refused by the function's own name before any draw."""

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.nn import init

_INIT = {  # each random initialisation with generator=, filling a fresh weight
    "xavier_uniform_": lambda g: init.xavier_uniform_(am.zeros(4, 3), generator=g),
    "xavier_normal_": lambda g: init.xavier_normal_(am.zeros(4, 3), generator=g),
    "kaiming_uniform_": lambda g: init.kaiming_uniform_(am.zeros(4, 3), a=5**0.5, generator=g),
    "kaiming_normal_": lambda g: init.kaiming_normal_(am.zeros(4, 3), mode="fan_out", generator=g),
    "trunc_normal_": lambda g: init.trunc_normal_(am.zeros(4, 3), std=0.5, generator=g),
    "orthogonal_": lambda g: init.orthogonal_(am.zeros(3, 5), generator=g),
    "sparse_": lambda g: init.sparse_(am.zeros(6, 3), sparsity=0.5, std=1.0, generator=g),
}


@pytest.mark.parametrize("name", sorted(_INIT))
def test_the_same_seed_gives_the_same_values_another_seed_others(name):
    draw = _INIT[name]
    a = draw(am.Generator().manual_seed(7)).numpy()
    b = draw(am.Generator().manual_seed(7)).numpy()
    c = draw(am.Generator().manual_seed(8)).numpy()
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    g = am.Generator().manual_seed(7)
    assert not np.array_equal(draw(g).numpy(), draw(g).numpy())  # (g moves on)
    assert np.array_equal(draw(np.random.default_rng(7)).numpy(), a)  # (numpy's generator as it is)


@pytest.mark.parametrize("name", sorted(_INIT))
def test_the_library_stream_is_untouched(name):
    def stream(with_call):
        am.manual_seed(0)
        before = am.randn(3).numpy()
        if with_call:
            _INIT[name](am.Generator().manual_seed(1))
        return before, am.randn(5).numpy()

    assert all(np.array_equal(x, y) for x, y in zip(stream(True), stream(False)))


@pytest.mark.parametrize("name", sorted(_INIT))
def test_without_a_generator_the_library_generator_is_used(name):
    am.manual_seed(3)
    a = _INIT[name](None).numpy()
    am.manual_seed(3)
    assert np.array_equal(a, _INIT[name](None).numpy())
    am.manual_seed(3)  # (the same draws as from a generator seeded as the library was)
    assert np.array_equal(a, _INIT[name](np.random.default_rng(3)).numpy())


@pytest.mark.parametrize("name", sorted(_INIT))
@pytest.mark.parametrize("bad", [3, "cuda", am.zeros(2)], ids=["int", "str", "Tensor"])
def test_a_bad_generator_is_refused_by_name_before_drawing(name, bad):
    am.manual_seed(0)
    library = am.get_rng_state()
    kind = type(bad).__name__
    with pytest.raises(TypeError, match=rf"^{name}: generator must be an am.Generator .*got {kind}$"):
        _INIT[name](bad)
    assert am.get_rng_state() == library


def test_generator_is_the_last_positional_parameter_as_torchs():
    w = am.zeros(4, 3)
    a = init.xavier_uniform_(w, 1.0, am.Generator().manual_seed(5)).numpy().copy()
    assert np.array_equal(a, init.xavier_uniform_(am.zeros(4, 3), generator=am.Generator().manual_seed(5)).numpy())
    b = init.trunc_normal_(am.zeros(4), 0.0, 1.0, -2.0, 2.0, am.Generator().manual_seed(5)).numpy()
    assert np.array_equal(b, init.trunc_normal_(am.zeros(4), generator=am.Generator().manual_seed(5)).numpy())


def test_orthogonal_with_a_generator_is_still_orthogonal():
    w = init.orthogonal_(am.zeros(3, 5), gain=2.0, generator=am.Generator().manual_seed(2)).numpy()
    assert np.allclose(w @ w.T, 4.0 * np.eye(3))
