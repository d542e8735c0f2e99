"""Batches of sequences of different lengths, as torch.nn.utils.rnn: pad_sequence,
PackedSequence, pack_padded_sequence, pad_packed_sequence, pack_sequence, and their
inverses unpad_sequence and unpack_sequence.

    batch = pad_sequence([a, b, c])              # (T, 3, *), T the longest length
    packed = pack_padded_sequence(batch, [5, 3, 2])
    out, h = rnn(packed)                         # nn.RNN / LSTM / GRU: each sequence its own length
    padded, lengths = pad_packed_sequence(out)   # (T, 3, D*H), zeros past each length

A PackedSequence holds the valid steps only, time-major: the batch sorted by decreasing
length (ranks 0..B-1), step t holds the batch_sizes[t] sequences still running, ranks
0..batch_sizes[t]-1, and data stacks step 0's rows, then step 1's, ... Packing and
unpacking are gathers (indexing with integer arrays) and concatenations: differentiable
to any order, the padding getting no gradient.

Under am.compile the index arrays are kept in the tape only when the lengths were given
as Python ints (a list or tuple, keyed by value as a constant argument or read from the
closure); lengths in an ndarray or Tensor are data, and the recording refuses them.
"""

from __future__ import annotations

import collections
from typing import Any

import numpy as np

from ...engine import shape_constant, tracers
from ...functions import as_tensor, concatenate, pad, stack
from ...creation import full
from ...tensor import Tensor, _flag
from ..functional import _int, _number

__all__ = ["PackedSequence", "pad_sequence", "pack_padded_sequence", "pad_packed_sequence",
           "pack_sequence", "unpad_sequence", "unpack_sequence"]


def _constant_from(a: np.ndarray, *sources: Any) -> np.ndarray:
    """a, marked for am.compile as made of shapes alone when every source is (Python ints, or
    arrays so marked): the tape's key holds those by value, so a replay has the same a."""
    if tracers and all(s is True or (isinstance(s, np.ndarray) and tracers[-1].shape_constants.get(id(s)) is s)
                       for s in sources):
        shape_constant(a)
    return a


def _is_constant(a: Any) -> bool:
    return bool(tracers) and isinstance(a, np.ndarray) and tracers[-1].shape_constants.get(id(a)) is a


_Packed = collections.namedtuple("PackedSequence", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])


class PackedSequence(_Packed):
    """A batch of B sequences of lengths L_1..L_B with only their valid steps, as PyTorch's.

    data: Tensor (sum L_i, *), the steps in time-major packed order (step 0 of every
    sequence by decreasing length, then step 1 of those at least 2 long, ...).
    batch_sizes: int64 ndarray (max L_i,), how many sequences are still running at each step
    (non-increasing, batch_sizes[0] = B). sorted_indices: int64 ndarray (B,), the original
    batch index of each rank (None when the batch was given sorted); unsorted_indices its
    inverse permutation. Either is computed from the other when only one is given; a pair
    that are not inverses is refused (ValueError). Made by
    pack_padded_sequence or pack_sequence; nn.RNN, LSTM and GRU take and return one.
    """

    __slots__ = ()

    def __new__(cls, data: Any, batch_sizes: Any = None, sorted_indices: Any = None,
                unsorted_indices: Any = None) -> "PackedSequence":
        where = "PackedSequence"
        data = as_tensor(data)
        if batch_sizes is None:
            raise TypeError(f"{where}: batch_sizes is required (use pack_padded_sequence or pack_sequence)")
        bs = batch_sizes if isinstance(batch_sizes, np.ndarray) and batch_sizes.dtype == np.int64 \
            else np.asarray(batch_sizes.data if isinstance(batch_sizes, Tensor) else batch_sizes)
        if (bs.ndim != 1 or bs.size == 0 or bs.dtype.kind not in "iu" or bs[-1] < 1
                or np.any(np.diff(bs) > 0) or data.ndim < 1 or int(bs.sum()) != data.shape[0]):
            raise ValueError(
                f"{where}: batch_sizes must be a non-empty 1-D non-increasing array of positive ints "
                f"summing to data's first dimension, got batch_sizes {bs.tolist()} for data of shape "
                f"{tuple(data.shape)}")
        bs = bs.astype(np.int64, copy=False)
        B = int(bs[0])
        perms = []
        for name, p in (("sorted_indices", sorted_indices), ("unsorted_indices", unsorted_indices)):
            if p is not None:
                p = np.asarray(p.data if isinstance(p, Tensor) else p)
                if p.dtype.kind not in "iu" or p.shape != (B,) or not np.array_equal(np.sort(p), np.arange(B)):
                    raise ValueError(f"{where}: {name} must be a permutation of range({B}) (the batch "
                                     f"size), got {p.tolist()}")
                p = p.astype(np.int64, copy=False)
            perms.append(p)
        sorted_indices, unsorted_indices = perms
        if sorted_indices is not None and unsorted_indices is None:
            unsorted_indices = _constant_from(np.argsort(sorted_indices).astype(np.int64), sorted_indices)
        elif unsorted_indices is not None and sorted_indices is None:  # (the layers permute h0 by it)
            sorted_indices = _constant_from(np.argsort(unsorted_indices).astype(np.int64), unsorted_indices)
        elif sorted_indices is not None and not np.array_equal(sorted_indices[unsorted_indices], np.arange(B)):
            raise ValueError(f"{where}: unsorted_indices {unsorted_indices.tolist()} is not the inverse of "
                             f"sorted_indices {sorted_indices.tolist()}")
        return super().__new__(cls, data, bs, sorted_indices, unsorted_indices)

    def to(self, *args: Any, **kwargs: Any) -> "PackedSequence":
        """data.to(*args, **kwargs) (Tensor.to: a dtype, 'cpu', another tensor's dtype) with the
        same batch_sizes and indices, as PyTorch's (which moves the indices but never casts
        them); this sequence itself when data is unchanged. Differentiable, as Tensor.to."""
        data = self.data.to(*args, **kwargs)
        return self if data is self.data else self._replace(data=data)

    def cpu(self) -> "PackedSequence":
        return self.to("cpu")

    def float(self) -> "PackedSequence":
        """data as float32 (to(np.float32)); double() float64, half() float16."""
        return self.to(np.float32)

    def double(self) -> "PackedSequence":
        return self.to(np.float64)

    def half(self) -> "PackedSequence":
        return self.to(np.float16)

    @property
    def is_cuda(self) -> bool:
        return False


def pad_sequence(sequences: Any, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack sequences of lengths L_1..L_B, each of shape (L_i, *), padded to T = max L_i.

    Returns (T, B, *), or (B, T, *) with batch_first=True; sequence i fills steps 0..L_i - 1
    (padding_side='right', the default) or T - L_i..T - 1 ('left'), padding_value the rest.
    Differentiable (a pad and a stack per sequence): the padding gets no gradient.
    sequences is a non-empty list or tuple (or a Tensor, read along its first axis) of
    tensors or arrays of at least 1 dimension whose trailing shapes * agree; the dtype is
    theirs promoted together (numpy's rules), the padding_value cast to it.
    """
    where = "pad_sequence"
    batch_first = _flag(batch_first, "batch_first", where)
    value = _number(padding_value, "padding_value", where)
    if not isinstance(padding_side, str) or padding_side not in ("left", "right"):
        raise ValueError(f"{where}: padding_side must be 'left' or 'right', got {padding_side!r}")
    if isinstance(sequences, Tensor):
        if sequences.ndim < 2:
            raise ValueError(
                f"{where}: a tensor of sequences needs shape (B, L, *), got shape {sequences.shape}")
        seqs = list(sequences)
    elif isinstance(sequences, (list, tuple)):
        seqs = [as_tensor(s) for s in sequences]
    else:
        raise TypeError(f"{where}: sequences must be a list or tuple of tensors, got {type(sequences).__name__}")
    if not seqs:
        raise ValueError(f"{where}: got an empty list of sequences")
    shapes = [s.shape for s in seqs]
    if any(len(s) == 0 for s in shapes) or len({s[1:] for s in shapes}) > 1:
        raise ValueError(
            f"{where}: every sequence needs shape (L_i, *) with the same trailing shape *, got shapes "
            f"{', '.join(str(s) for s in shapes)}")
    T = max(s[0] for s in shapes)
    rest = [(0, 0)] * (len(shapes[0]) - 1)
    padded = []
    for s in seqs:
        gap = T - s.shape[0]
        padded.append(s if gap == 0 else pad(s, [(0, gap) if padding_side == "right" else (gap, 0)] + rest,
                                              value=value))
    return stack(padded, axis=0 if batch_first else 1)


def _padded(x: Any, batch_first: Any, where: str, what: str) -> tuple:
    """A padded batch checked: (x as a tensor of at least 2 axes, batch_first, its layout's
    name, T, B)."""
    batch_first = _flag(batch_first, "batch_first", where)
    x = as_tensor(x)
    layout = "(B, T, *)" if batch_first else "(T, B, *)"
    if x.ndim < 2:
        raise ValueError(f"{where}: expected {what} of shape {layout}, got shape {tuple(x.shape)}")
    T, B = (x.shape[1], x.shape[0]) if batch_first else (x.shape[0], x.shape[1])
    return x, batch_first, layout, T, B


def _lengths(lengths: Any, where: str) -> tuple[np.ndarray, bool]:
    """lengths as a 1-D int64 array, and whether they were Python ints (constants for am.compile)."""
    python = isinstance(lengths, (list, tuple)) and all(
        isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) for v in lengths)
    a = np.asarray(lengths.data if isinstance(lengths, Tensor) else lengths)
    if a.dtype.kind == "b" or a.dtype.kind not in "iuf":
        raise TypeError(f"{where}: lengths must be integers, got dtype {a.dtype}")
    if a.ndim != 1:
        raise ValueError(f"{where}: lengths must be 1-D (one length per sequence), got shape {a.shape}")
    if a.dtype.kind == "f":
        if not np.all(np.isfinite(a) & (a == np.round(a))):
            raise ValueError(f"{where}: lengths must be whole numbers, got {a.tolist()}")
    return a.astype(np.int64), python


def pack_padded_sequence(input: Any, lengths: Any, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch: the valid steps of each sequence, time-major (see PackedSequence).

    input: (T, B, *) (or (B, T, *) with batch_first=True), sequence b valid in steps
    0..lengths[b]-1. lengths: B ints in 1..T (a list, tuple, ndarray or integer Tensor).
    With enforce_sorted=True they must be non-increasing and the result's sorted_indices
    and unsorted_indices are None; with False the batch is sorted by decreasing length (a
    stable sort: equal lengths keep their order) and the permutation is kept, so
    pad_packed_sequence and the layers' states give the original order back.
    Returns PackedSequence(data (sum lengths, *), batch_sizes (max lengths,), ...);
    data is one gather of input, so its gradient flows to the valid steps only.
    """
    where = "pack_padded_sequence"
    enforce_sorted = _flag(enforce_sorted, "enforce_sorted", where)
    x, batch_first, layout, T, B = _padded(input, batch_first, where, "input")
    lens, python = _lengths(lengths, where)
    if B == 0:
        raise ValueError(f"{where}: cannot pack an empty batch (input of shape {tuple(x.shape)}, {layout})")
    if lens.shape[0] != B:
        raise ValueError(f"{where}: got {lens.shape[0]} lengths for a batch of {B} (input of shape "
                         f"{tuple(x.shape)}, {layout})")
    if np.any(lens < 1) or np.any(lens > T):
        raise ValueError(f"{where}: every length must be in 1..{T} (the time axis of input of shape "
                         f"{tuple(x.shape)}, {layout}), got lengths {lens.tolist()}")
    if enforce_sorted:
        if np.any(np.diff(lens) > 0):
            raise ValueError(f"{where}: lengths must be sorted in decreasing order with enforce_sorted=True, "
                             f"got {lens.tolist()} (pass enforce_sorted=False to sort them here)")
        order = None
        ranked = lens
    else:
        order = _constant_from(np.argsort(-lens, kind="stable").astype(np.int64), python)
        ranked = lens[order]
    batch_sizes = _constant_from((ranked[None, :] > np.arange(ranked[0])[:, None]).sum(axis=1).astype(np.int64),
                                 python)
    steps = _constant_from(np.repeat(np.arange(ranked[0]), batch_sizes), python)  # each row's step
    ranks = np.concatenate([np.arange(b) for b in batch_sizes])  # each row's rank
    rows = _constant_from(ranks if order is None else order[ranks], python)  # each row's batch index
    data = x[rows, steps] if batch_first else x[steps, rows]
    return PackedSequence(data, batch_sizes, order,
                          None if order is None else _constant_from(np.argsort(order).astype(np.int64), python))


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple[Tensor, np.ndarray]:
    """Undo pack_padded_sequence: (padded, lengths).

    padded: (T, B, *) (or (B, T, *) with batch_first=True) in the original batch order,
    T = total_length or else the longest length, padding_value (cast to data's dtype) past
    each sequence's length; lengths: int64 ndarray (B,) in the original order (PyTorch
    returns an int64 tensor). One gather of data (and of a padding row): the padding gets
    no gradient. total_length must be at least the longest length.
    """
    where = "pad_packed_sequence"
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"{where}: expected a PackedSequence, got {type(sequence).__name__}")
    batch_first = _flag(batch_first, "batch_first", where)
    value = _number(padding_value, "padding_value", where)
    data, bs, order, unorder = sequence
    longest, B = bs.shape[0], int(bs[0])
    T = longest
    if total_length is not None:
        T = _int(total_length, "total_length", where, 1)
        if T < longest:
            raise ValueError(f"{where}: total_length={T} is less than the longest length {longest} "
                             f"(batch_sizes {bs.tolist()})")
    n = data.shape[0]
    sizes = np.concatenate([bs, np.zeros(T - longest, np.int64)])
    starts = np.concatenate([[0], np.cumsum(bs)[:-1], np.full(T - longest, n)])
    r = np.arange(B)
    index = np.where(r[None, :] < sizes[:, None], starts[:, None] + r[None, :], n)  # (T, B): row or padding
    lengths = (bs[None, :] > r[:, None]).sum(axis=1).astype(np.int64)  # per rank
    if unorder is not None:
        index, lengths = index[:, unorder], lengths[unorder]
    index = _constant_from(index.T if batch_first else index, bs, *([] if unorder is None else [unorder]))
    if np.all(index < n):
        return data[index], lengths
    padding = full((1,) + tuple(data.shape[1:]), value, dtype=data.dtype)
    return concatenate([data, padding], axis=0)[index], lengths


def pack_sequence(sequences: Any, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of B sequences, each (L_i, *) with the same *: pack_padded_sequence of
    pad_sequence(sequences) with their lengths (non-increasing unless enforce_sorted=False)."""
    where = "pack_sequence"
    if not isinstance(sequences, (list, tuple)) or not sequences:
        raise ValueError(f"{where}: expected a non-empty list or tuple of sequences, got "
                         f"{type(sequences).__name__}{'' if sequences else ' (empty)'}")
    tensors = [as_tensor(s) for s in sequences]
    if any(t.ndim == 0 for t in tensors):
        raise ValueError(f"{where}: every sequence needs shape (L_i, *), got shapes "
                         f"{', '.join(str(tuple(t.shape)) for t in tensors)}")
    lengths = [int(t.shape[0]) for t in tensors]
    if enforce_sorted and any(b > a for a, b in zip(lengths, lengths[1:])):
        raise ValueError(f"{where}: lengths must be sorted in decreasing order with enforce_sorted=True, "
                         f"got {lengths} (pass enforce_sorted=False to sort them here)")
    if min(lengths) == 0:
        raise ValueError(f"{where}: every sequence needs at least one step, got lengths {lengths}")
    return pack_padded_sequence(pad_sequence(tensors), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences: Any, lengths: Any, batch_first: bool = False) -> list[Tensor]:
    """Undo pad_sequence: a list of B tensors, sequence b of shape (lengths[b], *).

    padded_sequences: (T, B, *) (or (B, T, *) with batch_first=True); lengths: B ints in
    0..T (a list, tuple, ndarray or integer Tensor). Each sequence is a slice of the
    input (differentiable; the padding gets no gradient), as torch.nn.utils.rnn's.
    """
    where = "unpad_sequence"
    x, batch_first, layout, T, B = _padded(padded_sequences, batch_first, where, "padded_sequences")
    lens, _ = _lengths(lengths, where)
    if lens.shape[0] != B:
        raise ValueError(f"{where}: got {lens.shape[0]} lengths for a batch of {B} (padded_sequences of "
                         f"shape {tuple(x.shape)}, {layout})")
    if np.any(lens < 0) or np.any(lens > T):
        raise ValueError(f"{where}: every length must be in 0..{T} (the time axis of padded_sequences of "
                         f"shape {tuple(x.shape)}, {layout}), got lengths {lens.tolist()}")
    return [x[b, :n] if batch_first else x[:n, b] for b, n in enumerate(lens.tolist())]


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """Undo pack_sequence: the list of B sequences, each (L_i, *), in the original order."""
    if not isinstance(packed_sequences, PackedSequence):
        raise TypeError(f"unpack_sequence: expected a PackedSequence, got {type(packed_sequences).__name__}")
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
