"""Attention: F.scaled_dot_product_attention and nn.MultiheadAttention, as PyTorch's.

Both are composites of matmul, softmax, where, reshape and permute: no backward code.

Boolean masks mean opposite things in the two, as in PyTorch:
  - scaled_dot_product_attention(attn_mask=bool): True = the key TAKES PART.
  - MultiheadAttention(key_padding_mask=bool, attn_mask=bool): True = the key is IGNORED.
A float mask is added to the scores in both (-inf ignores a key).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import engine
from .. import functions as fn
from ..functions import as_tensor
from ..tensor import Tensor, _check_device, _flag
from . import functional as F
from . import init
from ._common import _empty
from .linear import Linear
from .module import Module


def _mask_of(mask: Any, shape: tuple, what: str, where: str) -> Tensor:
    """A mask argument as a Tensor (bool or floating) that broadcasts to `shape`."""
    m = as_tensor(mask)
    if m.dtype != bool and m.dtype.kind != "f":
        raise TypeError(f"{where}: {what} must be boolean or floating, got dtype {m.dtype} (shape {m.shape})")
    if not fn._broadcasts_to(m.shape, shape):
        raise ValueError(f"{where}: {what} of shape {m.shape} does not broadcast to the attention "
                         f"scores' shape {tuple(shape)}")
    return m


def _attend(q: Tensor, k: Tensor, v: Tensor, keeps: list, adds: list, dropout_p: float,
            scale: float) -> tuple[Tensor, Tensor, Tensor | None]:
    """softmax(q k^T * scale + adds, masked to keeps) @ v, the weights (after dropout), and
    the query rows with no key left, (..., L, 1) boolean (None without masks): their output
    and weights are zeros here, for the caller to set to NaN where it means to."""
    scores = (q @ k.swapaxes(-1, -2)) * scale
    for a in adds:
        scores = scores + (a if a.dtype == scores.dtype else a.astype(scores.dtype))
    dead = None
    for keep in keeps:  # (a select, not an added -inf: the masked scores get gradient 0, not NaN)
        scores = fn.where(keep, scores, -math.inf)
    if keeps or adds:
        # The query rows with no key left (every score -inf, from a boolean mask or a float
        # mask's -inf): their softmax is 0 / 0. They are computed as zeros here; a caller sets
        # them NaN only after its last matmul, so that a NaN times a zero gradient does not
        # turn the gradients of value or of a weight (and so of every row) NaN.
        dead = fn.where(scores == -math.inf, 0.0, 1.0).sum(-1, keepdims=True) == 0  # (..., L, 1)
        scores = fn.where(dead, 0.0, scores)
    w = fn.softmax(scores, -1)
    if dead is not None:
        w = fn.where(dead, 0.0, w)
    if dropout_p > 0.0:
        w = F.dropout(w, dropout_p, True)
    return w @ v, w, dead


def _floating_qkv(where: str, *ts: Any) -> list[Tensor]:
    out = [as_tensor(t) for t in ts]
    for name, t in zip(("query", "key", "value"), out):
        if t.dtype.kind != "f":
            raise TypeError(f"{where}: {name} must be floating, got dtype {t.dtype} (shape {t.shape})")
    return out


def scaled_dot_product_attention(query: Any, key: Any, value: Any, attn_mask: Any = None,
                                 dropout_p: float = 0.0, is_causal: bool = False,
                                 scale: float | None = None) -> Tensor:
    """softmax(Q K^T * scale + mask) V, as PyTorch's F.scaled_dot_product_attention.

    query (..., L, E), key (..., S, E), value (..., S, Ev) -> (..., L, Ev); the leading
    axes broadcast. scale defaults to 1/sqrt(E).

    attn_mask broadcasts to (..., L, S): boolean with True = the key TAKES PART (PyTorch's
    SDPA convention, the opposite of MultiheadAttention's masks), or floating, added to the
    scores. is_causal=True keeps key j for query i when j <= i (top-left aligned, as
    PyTorch's tril of ones(L, S)); it refuses an attn_mask too, as PyTorch does.
    dropout_p > 0 drops attention weights (always: pass 0.0 in evaluation, as PyTorch's).

    A query row whose keys are all masked has no softmax (0 / 0): its output row is zeros
    and it sends no gradient, as PyTorch's (2.5 and later, whose math path takes a "safe"
    softmax there; earlier versions gave NaN), whether the mask is boolean, is_causal, or a
    float mask of -inf over the whole row.
    """
    with engine.scope("scaled_dot_product_attention"):
        where = "scaled_dot_product_attention"
        q, k, v = _floating_qkv(where, query, key, value)
        if q.ndim < 2 or k.ndim < 2 or v.ndim < 2:
            raise ValueError(f"{where}: query, key and value need at least 2 axes (..., L, E), got shapes "
                             f"{q.shape}, {k.shape}, {v.shape}")
        if q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
            raise ValueError(f"{where}: expected query (..., L, E), key (..., S, E) and value (..., S, Ev), "
                             f"got shapes {q.shape}, {k.shape}, {v.shape}")
        try:
            batch = np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
        except ValueError:
            raise ValueError(f"{where}: the leading axes of query, key and value do not broadcast: shapes "
                             f"{q.shape}, {k.shape}, {v.shape}") from None
        if k.shape[-2] == 0:  # (the softmax over no keys has no value, not even PyTorch's NaN)
            raise ValueError(f"{where}: key and value have no positions (S = 0), nothing to attend to: "
                             f"shapes {q.shape}, {k.shape}, {v.shape}")
        p = F._dropout_p(dropout_p, where)
        if _flag(is_causal, "is_causal", where) and attn_mask is not None:
            raise ValueError(f"{where}: pass either attn_mask or is_causal=True, not both (as PyTorch)")
        L, S = q.shape[-2], k.shape[-2]
        if scale is None:
            scale = 1.0 / math.sqrt(q.shape[-1]) if q.shape[-1] else 1.0
        else:
            scale = F._number(scale, "scale", where)
        keeps: list = []
        adds: list = []
        if is_causal:
            keeps.append(engine.shape_constant(np.tri(L, S, 0, dtype=bool)))
        elif attn_mask is not None:
            m = _mask_of(attn_mask, batch + (L, S), "attn_mask", where)
            (keeps if m.dtype == bool else adds).append(m)
        return _attend(q, k, v, keeps, adds, p, scale)[0]  # (a fully masked row: zeros, as PyTorch's)



def _sort_mask(m: Tensor, keeps: list, adds: list) -> None:
    """MultiheadAttention's masks, boolean with True = ignore (PyTorch's convention there), go
    to `keeps` as True = take part (scaled_dot_product_attention's); additive ones to `adds`."""
    if m.dtype == bool:
        keeps.append(m == False)  # noqa: E712  (a Tensor has no ~)
    else:
        adds.append(m)


class MultiheadAttention(Module):
    """PyTorch's nn.MultiheadAttention: num_heads attention heads over embed_dim // num_heads.

    Parameters (PyTorch's names, shapes and init): in_proj_weight (3E, E) (xavier_uniform_),
    or q_proj_weight (E, E), k_proj_weight (E, kdim), v_proj_weight (E, vdim) when kdim or
    vdim differs from E; in_proj_bias (3E,) (zeros); out_proj = Linear(E, E) (its bias
    zeros). add_bias_kv and add_zero_attn are not supported (only False).

    forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False) -> (output, weights or None):
      query (L, N, E), key (S, N, kdim), value (S, N, vdim) (batch_first=False), or
      (N, L, E), ... (batch_first=True), or unbatched (L, E), (S, kdim), (S, vdim);
      output like query; weights (N, L, S) averaged over heads, or (N, H, L, S) with
      average_attn_weights=False ((L, S) or (H, L, S) unbatched).
      key_padding_mask (N, S) ((S,) unbatched): boolean with True = IGNORE that key
      (PyTorch's MHA convention, the opposite of scaled_dot_product_attention's), or float,
      added to the scores. attn_mask (L, S) or (N * H, L, S) ((H, L, S) unbatched): the same
      conventions. is_causal is PyTorch's hint that attn_mask is the causal mask: it needs
      one, and the mask given is what is applied.
    A query whose keys are all masked (in any head) gets NaN in every output feature, and its
    weights NaN, with need_weights=True, as PyTorch's; with need_weights=False its heads give
    zeros (its output row is out_proj's bias), as PyTorch's, which then runs
    scaled_dot_product_attention. Either way the other rows' gradients, the parameters'
    included, stay finite.
    Dropout (p = dropout) applies to the weights in training mode.
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        _check_device(device, "MultiheadAttention")
        super().__init__()
        where = "MultiheadAttention"
        E = F._int(embed_dim, "embed_dim", where, 1)
        H = F._int(num_heads, "num_heads", where, 1)
        if E % H:
            raise ValueError(f"{where}: embed_dim ({E}) must be divisible by num_heads ({H})")
        if _flag(add_bias_kv, "add_bias_kv", where) or _flag(add_zero_attn, "add_zero_attn", where):
            raise NotImplementedError(f"{where}: add_bias_kv and add_zero_attn are not supported")
        self.embed_dim, self.num_heads, self.head_dim = E, H, E // H
        self.kdim = E if kdim is None else F._int(kdim, "kdim", where, 1)
        self.vdim = E if vdim is None else F._int(vdim, "vdim", where, 1)
        self._qkv_same_embed_dim = self.kdim == E and self.vdim == E
        self.dropout = F._dropout_p(dropout, where)
        self.batch_first = _flag(batch_first, "batch_first", where)
        if self._qkv_same_embed_dim:
            self.in_proj_weight = _empty((3 * E, E), dtype)
            for n in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(n, None)
        else:
            self.q_proj_weight = _empty((E, E), dtype)
            self.k_proj_weight = _empty((E, self.kdim), dtype)
            self.v_proj_weight = _empty((E, self.vdim), dtype)
            self.register_parameter("in_proj_weight", None)
        if _flag(bias, "bias", where):
            self.in_proj_bias = _empty((3 * E,), dtype)
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(E, E, bias=bias, dtype=dtype)
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        """PyTorch's: xavier_uniform_ projections, zero biases (out_proj.weight keeps Linear's init)."""
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)

    def extra_repr(self) -> str:
        return (f"embed_dim={self.embed_dim}, num_heads={self.num_heads}"
                + (f", kdim={self.kdim}, vdim={self.vdim}" if not self._qkv_same_embed_dim else "")
                + (f", dropout={self.dropout}" if self.dropout else "")
                + (", batch_first=True" if self.batch_first else ""))

    def forward(self, query: Any, key: Any, value: Any, key_padding_mask: Any = None,
                need_weights: bool = True, attn_mask: Any = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
        """(output, weights or None) for query (L, N, E) (or (N, L, E) with batch_first, or
        (L, E) unbatched), key (S, N, kdim) and value (S, N, vdim): see the class docstring
        for the masks and the weights' shapes."""
        where = self.label()
        q, k, v = _floating_qkv(where, query, key, value)
        E, H, hd = self.embed_dim, self.num_heads, self.head_dim
        need_weights = _flag(need_weights, "need_weights", where)
        average = _flag(average_attn_weights, "average_attn_weights", where)
        if _flag(is_causal, "is_causal", where) and attn_mask is None:
            raise ValueError(f"{where}: is_causal=True is a hint that attn_mask is causal and needs "
                             "attn_mask (as PyTorch); pass the causal mask, e.g. "
                             "np.triu(np.ones((L, L), bool), 1)")
        batched = q.ndim == 3
        ok = q.ndim in (2, 3) and k.ndim == q.ndim and v.ndim == q.ndim
        if ok:
            if not batched:
                q, k, v = q.reshape((1,) + q.shape), k.reshape((1,) + k.shape), v.reshape((1,) + v.shape)
            elif not self.batch_first:
                q, k, v = q.permute((1, 0, 2)), k.permute((1, 0, 2)), v.permute((1, 0, 2))
            N, L = q.shape[:2]
            S = k.shape[1]
            ok = (q.shape[2] == E and k.shape[2] == self.kdim and v.shape[2] == self.vdim
                  and k.shape[0] == N and v.shape[0] == N and v.shape[1] == S)
        if not ok:
            layout = "(N, L, E)" if self.batch_first else "(L, N, E)"
            raise ValueError(
                f"{where}: expected query {layout}, key and value with S keys of sizes kdim={self.kdim} "
                f"and vdim={self.vdim} (or unbatched (L, E), (S, kdim), (S, vdim)), got shapes "
                f"{tuple(np.shape(query))}, {tuple(np.shape(key))}, {tuple(np.shape(value))}")
        if S == 0:
            raise ValueError(f"{where}: key and value have no positions (S = 0), nothing to attend to: "
                             f"shapes {tuple(np.shape(query))}, {tuple(np.shape(key))}, {tuple(np.shape(value))}")
        keeps: list = []
        adds: list = []
        if key_padding_mask is not None:
            m = _mask_of(key_padding_mask, (N, S) if batched else (S,), "key_padding_mask", where)
            if m.shape != ((N, S) if batched else (S,)):
                raise ValueError(f"{where}: key_padding_mask must have shape {(N, S) if batched else (S,)}, "
                                 f"got {m.shape}")
            m = m.reshape((N, 1, 1, S))
            _sort_mask(m, keeps, adds)
        if attn_mask is not None:
            m = as_tensor(attn_mask)
            if m.ndim == 3 and m.shape == (N * H, L, S):
                m = m.reshape((N, H, L, S))
            elif m.shape != (L, S):
                raise ValueError(f"{where}: attn_mask must have shape {(L, S)} or "
                                 f"{(N * H, L, S) if batched else (H, L, S)}, got {m.shape}")
            m = _mask_of(m, (N, H, L, S), "attn_mask", where)
            _sort_mask(m, keeps, adds)
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            wq, wk, wv = w[:E], w[E:2 * E], w[2 * E:]
        else:
            wq, wk, wv = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        b = self.in_proj_bias
        bq, bk, bv = (None, None, None) if b is None else (b[:E], b[E:2 * E], b[2 * E:])

        def heads(x: Tensor, w: Tensor, bias: Tensor | None, n: int) -> Tensor:
            return F._affine(x, w, bias).reshape((N, n, H, hd)).permute((0, 2, 1, 3))  # (N, H, n, hd)

        out, weights, dead = _attend(heads(q, wq, bq, L), heads(k, wk, bk, S), heads(v, wv, bv, S), keeps,
                                     adds, self.dropout if self.training else 0.0, 1.0 / math.sqrt(hd))
        out = self.out_proj(out.permute((0, 2, 1, 3)).reshape((N, L, E)))
        if dead is not None and need_weights:  # (NaN after out_proj, whose weight's gradient would be NaN * 0 otherwise;
            # a query with no key left in any head is NaN in every feature, as PyTorch's)
            out = fn.where(fn.where(dead, 1.0, 0.0).sum(1) > 0, math.nan, out)  # (N, L, 1)
            weights = fn.where(dead, math.nan, weights)
        if not batched:
            out = out.reshape((L, E))
        elif not self.batch_first:
            out = out.permute((1, 0, 2))
        if not need_weights:
            return out, None
        if average:
            weights = weights.mean(1)
        if not batched:
            weights = weights.reshape(weights.shape[1:])
        return out, weights
