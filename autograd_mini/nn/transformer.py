"""Transformer layers as PyTorch's: TransformerEncoderLayer, TransformerEncoder,
TransformerDecoderLayer, TransformerDecoder and Transformer.

Composites of MultiheadAttention, Linear, LayerNorm, Dropout and an activation, under
PyTorch's submodule names (self_attn, multihead_attn, linear1, dropout, linear2, norm1..3,
dropout1..3; a stack's copies under layers.0, layers.1, ...), so a PyTorch state_dict loads.
forward is PyTorch's math path (its "fast path" is an inference-only kernel of the same math,
but for one thing: with a nested tensor, the outputs at padded positions are zeros there).

Masks follow MultiheadAttention's conventions: a boolean True = IGNORE that key, a float mask
is added to the scores (-inf ignores). Each mask goes unchanged to MultiheadAttention, which
applies it: the is_causal hints change nothing (pass the causal mask, e.g.
Transformer.generate_square_subsequent_mask(L)).
"""

from __future__ import annotations

import copy
from typing import Any, Callable

import numpy as np

from ..creation import full
from ..functions import as_tensor, triu
from ..tensor import Tensor, _check_device, _dtype_or_default, _flag
from . import functional as F
from . import init
from .attention import MultiheadAttention
from .containers import ModuleList
from .dropout import Dropout
from .linear import Linear
from .module import Module
from .normalization import LayerNorm


def _activation(activation: Any, where: str) -> Callable:
    """'relu' -> F.relu, 'gelu' -> F.gelu, or the callable (a Module is registered by the caller)."""
    if isinstance(activation, str):
        if activation == "relu":
            return F.relu
        if activation == "gelu":
            return F.gelu
        raise ValueError(f"{where}: activation should be 'relu' or 'gelu' or a callable, not {activation!r}")
    if not callable(activation):
        raise TypeError(f"{where}: activation should be 'relu' or 'gelu' or a callable, got {activation!r}")
    return activation


def _sequence(x: Any, name: str, d_model: int, batch_first: bool, where: str) -> Tensor:
    """x as a floating (S, N, E) / (N, S, E) / unbatched (S, E) tensor with E = d_model."""
    try:
        t = as_tensor(x)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{where}: {name} must be a Tensor or an array of numbers, got "
                        f"{type(x).__name__} ({e})") from None
    if t.dtype.kind != "f":
        raise TypeError(f"{where}: {name} must be floating, got dtype {t.dtype} (shape {t.shape})")
    if t.ndim not in (2, 3) or t.shape[-1] != d_model:
        layout = f"(N, S, {d_model})" if batch_first else f"(S, N, {d_model})"
        raise ValueError(f"{where}: expected {name} of shape {layout} or unbatched (S, {d_model}) "
                         f"(d_model={d_model}), got shape {t.shape}")
    return t


def _clones(module: Any, n: Any, what: str, where: str) -> ModuleList:
    if not isinstance(module, Module):
        raise TypeError(f"{where}: {what} must be a Module, got {type(module).__name__}")
    n = F._int(n, "num_layers", where, 0)
    return ModuleList([copy.deepcopy(module) for _ in range(n)])



def _build_layer(layer: Module, where: str, blocks: int, d_model: Any, nhead: Any, dim_feedforward: Any,
                 dropout: Any, activation: Any, layer_norm_eps: Any, batch_first: Any, norm_first: Any,
                 bias: Any, dtype: Any) -> None:
    """The submodules of an encoder (blocks=2: self-attention, feed-forward) or decoder layer
    (blocks=3: and attention over memory, `multihead_attn`), registered in PyTorch's order and
    under its names, so that its state dicts load: self_attn, [multihead_attn,] linear1,
    dropout, linear2, norm1..norm<blocks>, dropout1..dropout<blocks>."""
    d_model = F._int(d_model, "d_model", where, 1)
    dim_feedforward = F._int(dim_feedforward, "dim_feedforward", where, 0)  # (0: ff(x) is linear2.bias, as PyTorch)
    dropout = F._dropout_p(dropout, where)
    act = _activation(activation, where)
    layer.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first,
                                         dtype=dtype)
    if blocks == 3:
        layer.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                                  batch_first=batch_first, dtype=dtype)
    layer.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
    layer.dropout = Dropout(dropout)
    layer.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
    layer.norm_first = _flag(norm_first, "norm_first", where)
    for k in range(1, blocks + 1):
        setattr(layer, f"norm{k}", LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype))
    for k in range(1, blocks + 1):
        setattr(layer, f"dropout{k}", Dropout(dropout))
    layer.activation = act  # (a Module is registered as a child, as in PyTorch)
    layer.d_model, layer.batch_first = d_model, layer.self_attn.batch_first


def _self_attention(layer: Module, x: Tensor, attn_mask: Any, key_padding_mask: Any, is_causal: bool) -> Tensor:
    """dropout1(self_attn(x, x, x)): a layer's self-attention block."""
    x = layer.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                        need_weights=False, is_causal=is_causal)[0]
    return layer.dropout1(x)


def _feed_forward(layer: Module, x: Tensor) -> Tensor:
    """linear2(dropout(activation(linear1(x)))): a layer's feed-forward block, before its last dropout."""
    return layer.linear2(layer.dropout(layer.activation(layer.linear1(x))))

class TransformerEncoderLayer(Module):
    """PyTorch's nn.TransformerEncoderLayer: self-attention, then a feed-forward block.

    TransformerEncoderLayer(d_model, nhead, dim_feedforward=2048, dropout=0.1,
    activation='relu' | 'gelu' | a callable, layer_norm_eps=1e-5, batch_first=False,
    norm_first=False, bias=True, dtype=None). Submodules (PyTorch's names): self_attn
    (MultiheadAttention(d_model, nhead, dropout)), linear1 (d_model -> dim_feedforward;
    dim_feedforward=0 is accepted, as PyTorch: the feed-forward block is then linear2's bias),
    dropout, linear2 (dim_feedforward -> d_model), norm1, norm2 (LayerNorm(d_model)),
    dropout1, dropout2.

    forward(src, src_mask=None, src_key_padding_mask=None, is_causal=False): src (S, N, E)
    (batch_first=False), (N, S, E) (batch_first=True) or unbatched (S, E), E = d_model;
    output of src's shape. src_mask (S, S) or (N * nhead, S, S), src_key_padding_mask
    (N, S) ((S,) unbatched): MultiheadAttention's masks (boolean True = ignore, or float,
    added). With sa(x) = dropout1(self_attn(x, x, x)) and ff(x) =
    dropout2(linear2(dropout(activation(linear1(x))))):
      norm_first=False: x = norm1(x + sa(x)); x = norm2(x + ff(x))
      norm_first=True:  x = x + sa(norm1(x)); x = x + ff(norm2(x))
    is_causal is PyTorch's hint that src_mask is causal: it needs src_mask, which is applied.
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: Any = "relu", layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        _check_device(device, "TransformerEncoderLayer")
        super().__init__()
        _build_layer(self, "TransformerEncoderLayer", 2, d_model, nhead, dim_feedforward, dropout, activation,
                     layer_norm_eps, batch_first, norm_first, bias, dtype)

    def _sa_block(self, x: Tensor, attn_mask: Any, key_padding_mask: Any, is_causal: bool) -> Tensor:
        return _self_attention(self, x, attn_mask, key_padding_mask, is_causal)

    def _ff_block(self, x: Tensor) -> Tensor:
        return self.dropout2(_feed_forward(self, x))

    def forward(self, src: Any, src_mask: Any = None, src_key_padding_mask: Any = None,
                is_causal: bool = False) -> Tensor:
        x = _sequence(src, "src", self.d_model, self.batch_first, self.label())
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x))
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._ff_block(x))


class TransformerDecoderLayer(Module):
    """PyTorch's nn.TransformerDecoderLayer: self-attention, attention over the encoder's
    output (memory), then a feed-forward block.

    TransformerDecoderLayer(d_model, nhead, dim_feedforward=2048, dropout=0.1,
    activation='relu' | 'gelu' | a callable, layer_norm_eps=1e-5, batch_first=False,
    norm_first=False, bias=True, dtype=None). Submodules (PyTorch's names): self_attn,
    multihead_attn (MultiheadAttention(d_model, nhead, dropout)), linear1, dropout, linear2,
    norm1, norm2, norm3, dropout1, dropout2, dropout3.

    forward(tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
    memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False): tgt (T, N, E)
    and memory (S, N, E) ((N, T, E), (N, S, E) with batch_first=True; or unbatched (T, E),
    (S, E)), E = d_model; output of tgt's shape. tgt_mask (T, T) or (N * nhead, T, T),
    memory_mask (T, S) or (N * nhead, T, S), tgt_key_padding_mask (N, T),
    memory_key_padding_mask (N, S): MultiheadAttention's masks (boolean True = ignore, or
    float, added). With sa, ca (= dropout2(multihead_attn(x, memory, memory))) and ff as in
    TransformerEncoderLayer:
      norm_first=False: x = norm1(x + sa(x)); x = norm2(x + ca(x)); x = norm3(x + ff(x))
      norm_first=True:  x = x + sa(norm1(x)); x = x + ca(norm2(x)); x = x + ff(norm3(x))
    The is_causal flags are PyTorch's hints: each needs its mask, which is applied.
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: Any = "relu", layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        _check_device(device, "TransformerDecoderLayer")
        super().__init__()
        _build_layer(self, "TransformerDecoderLayer", 3, d_model, nhead, dim_feedforward, dropout, activation,
                     layer_norm_eps, batch_first, norm_first, bias, dtype)

    def _sa_block(self, x: Tensor, attn_mask: Any, key_padding_mask: Any, is_causal: bool) -> Tensor:
        return _self_attention(self, x, attn_mask, key_padding_mask, is_causal)

    def _mha_block(self, x: Tensor, mem: Tensor, attn_mask: Any, key_padding_mask: Any,
                   is_causal: bool) -> Tensor:
        x = self.multihead_attn(x, mem, mem, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                                need_weights=False, is_causal=is_causal)[0]
        return self.dropout2(x)

    def _ff_block(self, x: Tensor) -> Tensor:
        return self.dropout3(_feed_forward(self, x))

    def forward(self, tgt: Any, memory: Any, tgt_mask: Any = None, memory_mask: Any = None,
                tgt_key_padding_mask: Any = None, memory_key_padding_mask: Any = None,
                tgt_is_causal: bool = False, memory_is_causal: bool = False) -> Tensor:
        where = self.label()
        x = _sequence(tgt, "tgt", self.d_model, self.batch_first, where)
        mem = _sequence(memory, "memory", self.d_model, self.batch_first, where)
        _same_batch(x, mem, self.batch_first, "tgt", "memory", where)
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), mem, memory_mask, memory_key_padding_mask, memory_is_causal)
            return x + self._ff_block(self.norm3(x))
        x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
        x = self.norm2(x + self._mha_block(x, mem, memory_mask, memory_key_padding_mask, memory_is_causal))
        return self.norm3(x + self._ff_block(x))


def _same_batch(a: Tensor, b: Tensor, batch_first: bool, na: str, nb: str, where: str) -> None:
    axis = 0 if batch_first else 1
    if a.ndim != b.ndim or (a.ndim == 3 and a.shape[axis] != b.shape[axis]):
        raise ValueError(f"{where}: {na} and {nb} must both be batched with the same batch size "
                         f"(axis {axis}) or both unbatched, got shapes {a.shape} and {b.shape}")



def _hint(value: Any, name: str, where: str) -> bool:
    """An is_causal hint that may be None (PyTorch's default for the stacks: False), else a
    bool (a string or a number is refused, not read as True)."""
    return False if value is None else _flag(value, name, where)

class TransformerEncoder(Module):
    """PyTorch's nn.TransformerEncoder: num_layers deep copies of encoder_layer (in `layers`,
    a ModuleList: state_dict names layers.0...., layers.1...., ...), then `norm` if given.

    forward(src, mask=None, src_key_padding_mask=None, is_causal=None): src as the layer's
    (S, N, E), (N, S, E) or (S, E); output of its shape; mask and src_key_padding_mask go to
    every layer as src_mask and src_key_padding_mask. enable_nested_tensor and mask_check
    are accepted and change nothing (PyTorch's inference fast path). A layer whose
    activation is a Module (nn.GELU(), nn.PReLU()) keeps it in every copy; PyTorch's
    copies (deepcopy through its __setstate__) run F.relu instead, a difference we keep.
    num_layers=0 is the identity (then norm), where PyTorch raises IndexError.
    """

    def __init__(self, encoder_layer: Module, num_layers: int, norm: Module | None = None,
                 enable_nested_tensor: bool = True, mask_check: bool = True) -> None:
        super().__init__()
        where = "TransformerEncoder"
        self.layers = _clones(encoder_layer, num_layers, "encoder_layer", where)
        self.num_layers = len(self.layers)
        if norm is not None and not isinstance(norm, Module):
            raise TypeError(f"{where}: norm must be a Module or None, got {type(norm).__name__}")
        self.norm = norm

    def forward(self, src: Any, mask: Any = None, src_key_padding_mask: Any = None,
                is_causal: bool | None = None) -> Tensor:
        out = src
        for layer in self.layers:
            out = layer(out, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                        is_causal=_hint(is_causal, "is_causal", "TransformerEncoder"))
        if self.norm is not None:
            out = self.norm(out)
        return out


class TransformerDecoder(Module):
    """PyTorch's nn.TransformerDecoder: num_layers deep copies of decoder_layer (in `layers`,
    state_dict names layers.0...., ...), then `norm` if given.

    forward(tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
    memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False): shapes and
    masks as TransformerDecoderLayer's, given to every layer; output of tgt's shape.
    A Module activation is kept in every copy (PyTorch's copies run F.relu instead, see
    TransformerEncoder); num_layers=0 is the identity (then norm).
    """

    def __init__(self, decoder_layer: Module, num_layers: int, norm: Module | None = None) -> None:
        super().__init__()
        where = "TransformerDecoder"
        self.layers = _clones(decoder_layer, num_layers, "decoder_layer", where)
        self.num_layers = len(self.layers)
        if norm is not None and not isinstance(norm, Module):
            raise TypeError(f"{where}: norm must be a Module or None, got {type(norm).__name__}")
        self.norm = norm

    def forward(self, tgt: Any, memory: Any, tgt_mask: Any = None, memory_mask: Any = None,
                tgt_key_padding_mask: Any = None, memory_key_padding_mask: Any = None,
                tgt_is_causal: bool | None = None, memory_is_causal: bool = False) -> Tensor:
        out = tgt
        for layer in self.layers:
            out = layer(out, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                        tgt_key_padding_mask=tgt_key_padding_mask,
                        memory_key_padding_mask=memory_key_padding_mask,
                        tgt_is_causal=_hint(tgt_is_causal, "tgt_is_causal", "TransformerDecoder"),
                        memory_is_causal=memory_is_causal)
        if self.norm is not None:
            out = self.norm(out)
        return out


class Transformer(Module):
    """PyTorch's nn.Transformer: an encoder (num_encoder_layers TransformerEncoderLayers and a
    final LayerNorm) and a decoder (num_decoder_layers TransformerDecoderLayers and a final
    LayerNorm), as `encoder` and `decoder` (state_dict names encoder.layers.0...., encoder.norm.
    weight, decoder.layers.0...., ...). Every parameter with more than one axis is then
    xavier_uniform_-initialised, as PyTorch's. custom_encoder / custom_decoder replace them.

    forward(src, tgt, src_mask=None, tgt_mask=None, memory_mask=None, src_key_padding_mask=None,
    tgt_key_padding_mask=None, memory_key_padding_mask=None, src_is_causal=None,
    tgt_is_causal=None, memory_is_causal=False): src (S, N, E), tgt (T, N, E) ((N, S, E),
    (N, T, E) with batch_first=True; or unbatched (S, E), (T, E)), E = d_model -> (T, N, E),
    like tgt: decoder(tgt, encoder(src, src_mask, src_key_padding_mask), ...).

    Transformer.generate_square_subsequent_mask(sz) is the causal (sz, sz) float mask: 0 on
    and below the diagonal, -inf above (the default dtype, or dtype).
    """

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6,
                 num_decoder_layers: int = 6, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: Any = "relu", custom_encoder: Module | None = None,
                 custom_decoder: Module | None = None, layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        _check_device(device, "Transformer")
        super().__init__()
        where = "Transformer"
        self.d_model = F._int(d_model, "d_model", where, 1)
        self.nhead = F._int(nhead, "nhead", where, 1)
        self.batch_first = _flag(batch_first, "batch_first", where)
        kw = dict(dim_feedforward=dim_feedforward, dropout=dropout, activation=activation,
                  layer_norm_eps=layer_norm_eps, batch_first=batch_first, norm_first=norm_first,
                  bias=bias, dtype=dtype)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            self.encoder = TransformerEncoder(TransformerEncoderLayer(d_model, nhead, **kw), num_encoder_layers,
                                              LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype))
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            self.decoder = TransformerDecoder(TransformerDecoderLayer(d_model, nhead, **kw), num_decoder_layers,
                                              LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype))
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)

    def forward(self, src: Any, tgt: Any, src_mask: Any = None, tgt_mask: Any = None, memory_mask: Any = None,
                src_key_padding_mask: Any = None, tgt_key_padding_mask: Any = None,
                memory_key_padding_mask: Any = None, src_is_causal: bool | None = None,
                tgt_is_causal: bool | None = None, memory_is_causal: bool = False) -> Tensor:
        where = self.label()
        s = _sequence(src, "src", self.d_model, self.batch_first, where)
        t = _sequence(tgt, "tgt", self.d_model, self.batch_first, where)
        _same_batch(s, t, self.batch_first, "src", "tgt", where)
        memory = self.encoder(s, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal)
        return self.decoder(t, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device: Any = None, dtype: Any = None) -> Tensor:
        """The causal mask for sz positions, (sz, sz) floating: 0 where key j <= query i, -inf
        above the diagonal (PyTorch's; float, added to the scores)."""
        _check_device(device, "Transformer.generate_square_subsequent_mask")
        sz = F._int(sz, "sz", "Transformer.generate_square_subsequent_mask", 0)
        dt = _dtype_or_default(dtype)
        if dt.kind != "f":
            raise TypeError(f"Transformer.generate_square_subsequent_mask: dtype must be floating, got {dt}")
        # (made of am.full and am.triu, which am.compile keeps as constants: it compiles inside fn)
        return triu(full((sz, sz), -np.inf, dtype=dt), 1)
