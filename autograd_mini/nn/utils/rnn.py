"""Batches of sequences of different lengths, as torch.nn.utils.rnn: pad_sequence.

    batch = pad_sequence([a, b, c])              # (T, 3, *), T the longest length
    out, h = rnn(batch)                          # nn.RNN / LSTM / GRU take padded input

Packed sequences are not supported: nn.RNN, nn.LSTM and nn.GRU run every sequence of a
batch for all T steps, so pack_padded_sequence refuses by name (see its docstring for
reading each sequence's output at its own length).
"""

from __future__ import annotations

from typing import Any

from ...functions import as_tensor, pad, stack
from ...tensor import Tensor, _flag
from ..functional import _number

__all__ = ["pad_sequence", "pack_padded_sequence"]


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


def pack_padded_sequence(input: Any, lengths: Any, batch_first: bool = False, enforce_sorted: bool = True) -> Any:
    """Not supported: always raises NotImplementedError.

    nn.RNN, nn.LSTM and nn.GRU take padded batches only and run every sequence for all T
    steps. With right padding (pad_sequence's default) a unidirectional layer's output at
    step t depends on steps 0..t only, so the last layer's state at each sequence's own end
    is output[lengths - 1, arange(B)] ((T, B, H) layout; output[arange(B), lengths - 1]
    with batch_first), and padded steps can be masked out of a loss. h_n, the states of
    lower layers and the reverse direction of a bidirectional layer do see the padding:
    for those run each sequence on its own.
    """
    shape = getattr(input, "shape", None)
    raise NotImplementedError(
        f"pack_padded_sequence: packed sequences are not supported (got input of shape {shape}); "
        "nn.RNN/LSTM/GRU take padded input: read each sequence's last output at output[lengths - 1, "
        "arange(B)] (a unidirectional layer's), or run the sequences one at a time")
