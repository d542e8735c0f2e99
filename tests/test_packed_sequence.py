"""nn.utils.rnn's PackedSequence, pack_padded_sequence, pad_packed_sequence, pack_sequence, and
nn.RNN / LSTM / GRU on packed input. Oracles are written here: packing by loops over steps and
sequences, and each sequence run alone (unpadded) through the same layer."""

import numpy as np
import pytest

import autograd_mini as am
from test_linalg import refused_before_recording
from autograd_mini import nn
from autograd_mini.nn.utils.rnn import (PackedSequence, pack_padded_sequence, pack_sequence,
                                        pad_packed_sequence, pad_sequence)


def rng(seed=0):
    return np.random.default_rng(seed)


def np_pack(x, lengths, batch_first=False):
    """Time-major packed rows: at step t every sequence still running, longest first (stable)."""
    xt = x.swapaxes(0, 1) if batch_first else x
    order = sorted(range(len(lengths)), key=lambda b: -lengths[b])
    rows, sizes = [], []
    for t in range(max(lengths)):
        running = [b for b in order if lengths[b] > t]
        sizes.append(len(running))
        rows += [xt[t, b] for b in running]
    return np.array(rows), np.array(sizes), np.array(order)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths", [(4, 2, 2, 1), (1, 4, 3, 2), (2, 2, 4, 1), (3, 3, 3, 3)])
def test_pack_and_pad_against_a_loop_and_round_trip(batch_first, lengths):
    x = rng(1).standard_normal((4, 4, 2))
    want, sizes, order = np_pack(x, lengths, batch_first)
    sorted_ = list(lengths) == sorted(lengths, reverse=True)
    for enforce in ([True, False] if sorted_ else [False]):
        p = pack_padded_sequence(am.tensor(x), list(lengths), batch_first=batch_first, enforce_sorted=enforce)
        assert isinstance(p, tuple) and p._fields == ("data", "batch_sizes", "sorted_indices", "unsorted_indices")
        np.testing.assert_array_equal(p.data.data, want)
        assert p.batch_sizes.dtype == np.int64 and p.batch_sizes.tolist() == sizes.tolist()
        if enforce:
            assert p.sorted_indices is None and p.unsorted_indices is None
        else:
            assert p.sorted_indices.tolist() == order.tolist()
            assert p.unsorted_indices.tolist() == np.argsort(order).tolist()
        for total in (None, 6):
            padded, lens = pad_packed_sequence(p, batch_first=batch_first, padding_value=-7.0, total_length=total)
            assert lens.dtype == np.int64 and lens.tolist() == list(lengths)
            T = total or max(lengths)
            expect = np.full((T, 4, 2), -7.0)
            for b, n in enumerate(lengths):
                expect[:n, b] = (x[b, :n] if batch_first else x[:n, b])
            np.testing.assert_array_equal(padded.data, expect.swapaxes(0, 1) if batch_first else expect)


def test_pack_sequence_is_pack_padded_sequence_of_pad_sequence():
    seqs = [am.tensor(rng(i).standard_normal((n, 3))) for i, n in enumerate((2, 5, 3))]
    p = pack_sequence(seqs, enforce_sorted=False)
    q = pack_padded_sequence(pad_sequence(seqs), [2, 5, 3], enforce_sorted=False)
    np.testing.assert_array_equal(p.data.data, q.data.data)
    assert p.batch_sizes.tolist() == [3, 3, 2, 1, 1] and p.sorted_indices.tolist() == [1, 2, 0]


def test_packing_and_unpacking_gradients_first_and_second_order():
    x = am.tensor(rng(2).standard_normal((3, 3, 2)), requires_grad=True)

    def f(x):
        p = pack_padded_sequence(x, [1, 3, 2], batch_first=True, enforce_sorted=False)
        padded, _ = pad_packed_sequence(p, padding_value=5.0, total_length=4)
        return (padded ** 3).sum(axis=-1)
    assert am.gradcheck(f, (x,)) and am.gradgradcheck(f, (x,))
    f(x).sum().backward()  # the padding gets no gradient
    mask = np.arange(3)[None, :] < np.array([1, 3, 2])[:, None]
    assert np.all(x.grad.data[~mask] == 0) and np.all(x.grad.data[mask] != 0)


def _layer(mode, L, bi, bf, seed=0):
    am.manual_seed(seed)
    return getattr(nn, mode)(3, 4, num_layers=L, bidirectional=bi, batch_first=bf, dtype=np.float64)


CASES = [(mode, L, bi, bf) for mode in ("RNN", "LSTM", "GRU")
         for L, bi, bf in ((1, False, False), (2, True, True))]


@pytest.mark.parametrize("mode, L, bi, bf", CASES)
def test_layers_on_packed_input_equal_each_sequence_run_alone(mode, L, bi, bf):
    lengths = [2, 5, 1, 4]
    layer = _layer(mode, L, bi, bf)
    x = rng(3).standard_normal((4, 5, 3) if bf else (5, 4, 3))
    D = 2 if bi else 1
    h0 = rng(4).standard_normal((D * L, 4, 4))
    c0 = rng(5).standard_normal((D * L, 4, 4))
    hx = (am.tensor(h0), am.tensor(c0)) if mode == "LSTM" else am.tensor(h0)
    out, hn = layer(pack_padded_sequence(am.tensor(x), lengths, batch_first=bf, enforce_sorted=False), hx)
    assert isinstance(out, PackedSequence) and out.data.shape == (sum(lengths), D * 4)
    padded, lens = pad_packed_sequence(out, batch_first=bf)
    assert lens.tolist() == lengths
    layer.batch_first = False  # (the oracle runs unbatched (T_i, 3) sequences)
    for b, n in enumerate(lengths):
        xb = (x[b] if bf else x[:, b])[:n]
        if mode == "LSTM":
            ob, (hb, cb) = layer(am.tensor(xb), (am.tensor(h0[:, b]), am.tensor(c0[:, b])))
            np.testing.assert_allclose(hn[1].data[:, b], cb.data, rtol=1e-12, atol=1e-14)
            hnb = hn[0].data[:, b]
        else:
            ob, hb = layer(am.tensor(xb), am.tensor(h0[:, b]))
            hnb = hn.data[:, b]
        np.testing.assert_allclose(hnb, hb.data, rtol=1e-12, atol=1e-14)
        got = padded.data[b] if bf else padded.data[:, b]
        np.testing.assert_allclose(got[:n], ob.data, rtol=1e-12, atol=1e-14)
        assert np.all(got[n:] == 0)


@pytest.mark.parametrize("mode", ["LSTM", "GRU"])
def test_parameter_gradient_of_padded_outputs_is_the_sum_of_per_sequence_gradients(mode):
    lengths = [3, 1, 4]
    layer = _layer(mode, 2, True, False, seed=1)
    x = rng(6).standard_normal((4, 3, 3))
    w = rng(7).standard_normal((4, 3, 8))
    out, _ = layer(pack_padded_sequence(am.tensor(x), lengths, enforce_sorted=False))
    (pad_packed_sequence(out)[0] * am.tensor(w)).sum().backward()
    packed = [p.grad.data.copy() for p in layer.parameters()]
    layer.zero_grad()
    for b, n in enumerate(lengths):
        ob, _ = layer(am.tensor(x[:n, b]))
        (ob * am.tensor(w[:n, b])).sum().backward()
    for g, p in zip(packed, layer.parameters()):
        np.testing.assert_allclose(g, p.grad.data, rtol=1e-11, atol=1e-13)


def test_padding_never_reaches_values_or_gradients():
    """NaN and huge values in the padded positions change nothing and get a zero gradient."""
    lengths = [4, 2, 1]
    layer = _layer("RNN", 2, True, False)
    layer.nonlinearity = "relu"
    clean = rng(8).standard_normal((4, 3, 3))
    dirty = clean.copy()
    dirty[2:, 1] = np.nan
    dirty[1:, 2] = 1e308
    results = []
    for arr in (clean, dirty):
        x = am.tensor(arr, requires_grad=True)
        out, h = layer(pack_padded_sequence(x, lengths))
        (pad_packed_sequence(out)[0].sum() + h.sum()).backward()
        results.append((out.data.data, h.data, x.grad.data, [p.grad.data.copy() for p in layer.parameters()]))
        layer.zero_grad()
    (o1, h1, g1, p1), (o2, h2, g2, p2) = results
    assert np.array_equal(o1, o2) and np.array_equal(h1, h2) and np.array_equal(g1, g2)
    assert all(np.array_equal(a, b) for a, b in zip(p1, p2))
    assert np.all(g2[2:, 1] == 0) and np.all(g2[1:, 2] == 0) and np.all(np.isfinite(g2))


@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
def test_gradcheck_and_gradgradcheck_through_a_packed_bidirectional_layer(mode):
    am.manual_seed(2)
    layer = getattr(nn, mode)(2, 2, bidirectional=True, dtype=np.float64)
    x = am.tensor(rng(9).standard_normal((3, 2, 2)), requires_grad=True)
    h0 = am.tensor(rng(10).standard_normal((2, 2, 2)), requires_grad=True)

    def f(x, h0):
        hx = (h0, h0 * 0.5) if mode == "LSTM" else h0
        out, hn = layer(pack_padded_sequence(x, [1, 3], enforce_sorted=False), hx)
        hn = hn[0] + hn[1] if mode == "LSTM" else hn
        return am.concatenate([out.data.reshape(-1), hn.reshape(-1)])
    assert am.gradcheck(f, (x, h0))
    if mode == "GRU":  # (second order on one layer: the three share the packing code)
        assert am.gradgradcheck(f, (x, h0))


def test_compile_replays_a_packed_lstm_bit_for_bit_and_refuses_lengths_it_cannot_key():
    am.manual_seed(3)
    lstm = nn.LSTM(2, 3, num_layers=2, bidirectional=True, dtype=np.float64)

    def loss(x, lengths):
        out, (h, c) = lstm(pack_padded_sequence(x, lengths, enforce_sorted=False))
        return (pad_packed_sequence(out)[0] ** 2).sum() + h.sum() + c.sum()

    def run(fn, x, lengths):
        lstm.zero_grad()
        xt = am.tensor(x, requires_grad=True)
        v = fn(xt, lengths)
        v.backward()
        return [v.data, xt.grad.data] + [p.grad.data.copy() for p in lstm.parameters()]

    f = am.compile(loss)
    x = rng(11).standard_normal((4, 3, 2))
    for i in range(2):
        for lengths in ((2, 4, 1), (4, 4, 3)):
            a, b = run(f, x + i, lengths), run(loss, x + i, lengths)
            assert all(u.dtype == v.dtype and np.array_equal(u, v) for u, v in zip(a, b))
    assert f.recordings == 2  # (one tape per lengths tuple, keyed by value)
    with pytest.raises(RuntimeError, match="compile: getitem gets an array"):
        am.compile(lambda x, n: pack_padded_sequence(x, n).data.sum())(am.tensor(x), np.array([4, 2, 1]))
    with pytest.raises(RuntimeError, match=r"LSTM.*inside am.compile a PackedSequence must be made"):
        am.compile(lambda d: lstm(PackedSequence(d, np.array([2, 1, 1])))[0].data.sum())(am.tensor(x[:, 0]))


X = am.zeros(4, 3, 2, requires_grad=True)
PACKED = pack_padded_sequence(X, [4, 2, 1])
GRU32, GRU22 = nn.GRU(3, 2), nn.GRU(2, 2)


@pytest.mark.parametrize("call, error, message", [
    (lambda: pack_padded_sequence(X, [[4, 2, 1]]), ValueError,
     r"pack_padded_sequence: lengths must be 1-D .*shape \(1, 3\)"),
    (lambda: pack_padded_sequence(X, [4, 0, 1]), ValueError,
     r"pack_padded_sequence: every length must be in 1\.\.4 .*\(4, 3, 2\).*\[4, 0, 1\]"),
    (lambda: pack_padded_sequence(X, [5, 2, 1]), ValueError,
     r"pack_padded_sequence: every length must be in 1\.\.4 .*\[5, 2, 1\]"),
    (lambda: pack_padded_sequence(X, [3, 2, 1], batch_first=True), ValueError,
     r"pack_padded_sequence: got 3 lengths for a batch of 4 \(input of shape \(4, 3, 2\), \(B, T, \*\)\)"),
    (lambda: pack_padded_sequence(X, [2, 4, 1]), ValueError,
     r"pack_padded_sequence: lengths must be sorted in decreasing order .*\[2, 4, 1\]"),
    (lambda: pack_padded_sequence(X, [4, 2]), ValueError, r"pack_padded_sequence: got 2 lengths for a batch of 3"),
    (lambda: pack_padded_sequence(X, [4.5, 2, 1]), ValueError, "pack_padded_sequence: lengths must be whole"),
    (lambda: pack_padded_sequence(X, [True, True, True]), TypeError, "pack_padded_sequence: lengths must be integers"),
    (lambda: pack_padded_sequence(am.zeros(4), [4]), ValueError, r"pack_padded_sequence: expected input .*\(4,\)"),
    (lambda: pack_sequence([am.zeros(1, 2), am.zeros(3, 2)]), ValueError, r"pack_sequence: .*sorted.*\[1, 3\]"),
    (lambda: pack_sequence([]), ValueError, "pack_sequence: expected a non-empty list"),
    (lambda: pad_packed_sequence(PACKED, total_length=3), ValueError,
     r"pad_packed_sequence: total_length=3 is less than the longest length 4"),
    (lambda: pad_packed_sequence(X), TypeError, "pad_packed_sequence: expected a PackedSequence"),
    (lambda: PackedSequence(am.zeros(5, 2), np.array([2, 2])), ValueError,
     r"PackedSequence: batch_sizes .*\[2, 2\] for data of shape \(5, 2\)"),
    (lambda: GRU32(PACKED), ValueError,
     r"GRU\(3, 2\): expected a PackedSequence whose data has shape \(sum of lengths, 3\), got shape \(7, 2\)"),
    (lambda: GRU22(PACKED, np.zeros((1, 2, 2))), ValueError,
     r"GRU\(2, 2\): expected h0 of shape \(1, 3, 2\)"),
])
def test_refusals_name_the_function_and_the_shapes_before_recording(call, error, message):
    refused_before_recording(call, error, message)


@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize("batch_first", [False, True])
def test_an_empty_batch_is_refused_by_name(enforce_sorted, batch_first):
    x = am.zeros(0, 4, 2) if batch_first else am.zeros(4, 0, 2)
    with pytest.raises(ValueError, match=r"pack_padded_sequence: cannot pack an empty batch \(input of shape"):
        pack_padded_sequence(x, [], batch_first=batch_first, enforce_sorted=enforce_sorted)


def test_packed_sequence_with_unsorted_indices_only_gets_the_inverse_and_a_mismatched_pair_is_refused():
    x = rng(5).standard_normal((3, 3, 2))
    full = pack_padded_sequence(am.tensor(x), [2, 3, 1], enforce_sorted=False)
    only = PackedSequence(full.data, full.batch_sizes, None, full.unsorted_indices)
    assert only.sorted_indices.tolist() == full.sorted_indices.tolist()
    am.manual_seed(0)
    gru = nn.GRU(2, 3, dtype=np.float64)
    h0 = am.tensor(rng(6).standard_normal((1, 3, 3)))
    (a, ha), (b, hb) = gru(full, h0), gru(only, h0)
    np.testing.assert_array_equal(ha.data, hb.data)
    np.testing.assert_array_equal(pad_packed_sequence(a)[0].data, pad_packed_sequence(b)[0].data)
    with pytest.raises(ValueError, match=r"PackedSequence: unsorted_indices \[1, 2, 0\] is not the inverse of "
                                         r"sorted_indices \[1, 2, 0\]"):
        PackedSequence(full.data, full.batch_sizes, [1, 2, 0], [1, 2, 0])


def test_packed_sequence_to_float_double_keep_the_indices_as_torch():
    x = am.tensor(rng(7).standard_normal((3, 2, 2)), requires_grad=True)
    p = pack_padded_sequence(x, [1, 3], enforce_sorted=False)
    d, f32 = p.data.data, p.data.data.astype(np.float32)
    for q, want in ((p.float(), f32), (p.to(np.float32), f32), (p.float().double(), f32.astype(np.float64)),
                    (p.to("cpu", dtype=np.float32), f32), (p.half(), d.astype(np.float16))):
        assert isinstance(q, PackedSequence) and q.data.dtype == want.dtype
        assert q.batch_sizes is p.batch_sizes and q.sorted_indices is p.sorted_indices
        assert q.unsorted_indices is p.unsorted_indices
        np.testing.assert_array_equal(q.data.data, want)
    assert p.to("cpu") is p and p.cpu() is p and p.double() is p and not p.is_cuda
    p.float().data.sum().backward()  # (differentiable, as Tensor.to)
    np.testing.assert_array_equal(x.grad.data[:, 1], np.ones((3, 2)))
    with pytest.raises(ValueError, match="cuda"):
        p.to("cuda")
