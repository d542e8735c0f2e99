"""am.chunk (torch.chunk), the function form of Tensor.chunk: a Hamiltonian network ported
from PyTorch splits dH/dx into (dH/dq, dH/dp) with torch.chunk(dH, 2, dim=1)."""

import numpy as np
import pytest

import autograd_mini as am
from replay_check import assert_compiled_replays_eager


@pytest.mark.parametrize("shape, chunks, dim", [((6, 4), 2, 1), ((6,), 4, 0), ((5, 3), 3, 0), ((2, 0), 3, 1),
                                                ((2, 3, 4), 2, -1)])
def test_chunk_equals_the_method_and_torch_s_piece_lengths(shape, chunks, dim):
    x = am.tensor(np.arange(float(np.prod(shape))).reshape(shape))
    got, want = am.chunk(x, chunks, dim), x.chunk(chunks, dim)
    assert isinstance(got, tuple) and len(got) == len(want)
    n = shape[dim]
    step = -(-n // chunks)
    lengths = [len(range(s, min(s + step, n))) for s in range(0, n, step)] if n else [0] * chunks
    assert [p.shape[dim] for p in got] == lengths
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a.data, b.data)
    np.testing.assert_array_equal(am.chunk(x, chunks, dim=dim)[0].data, want[0].data)


def test_chunk_gradients_first_and_second_order():
    f = lambda t: am.concatenate([p.sin() * (k + 1) for k, p in enumerate(am.chunk(t, 2, 1))], 1)
    for shape in ((3, 4), (2, 5, 3)):
        x = np.random.default_rng(0).standard_normal(shape)
        assert am.gradcheck(f, (x,))
        assert am.gradgradcheck(f, (x,))


def test_compiled_chunk_replays_eager_bit_for_bit():
    def fn(t):
        dq, dp = am.chunk(t, 2, dim=1)
        return (am.cat([dp, -dq], dim=1) * t).sum()

    assert_compiled_replays_eager(
        fn, lambda k: [am.tensor(np.random.default_rng(k).standard_normal((4, 2)), requires_grad=True)])


@pytest.mark.parametrize("call, error, match", [
    (lambda: am.chunk(am.ones((2, 3)), 0), ValueError, r"chunk.*\(2, 3\)"),
    (lambda: am.chunk(am.ones((2, 3)), 2.0), TypeError, r"chunk.*\(2, 3\)"),
    (lambda: am.chunk(am.ones((2, 3)), 2, 2), ValueError, r"chunk.*\(2, 3\)"),
    (lambda: am.chunk(am.tensor(1.0), 2), ValueError, r"chunk.*\(\)"),
])
def test_chunk_refuses_bad_input_naming_the_shape(call, error, match):
    with pytest.raises(error, match=match):
        call()
