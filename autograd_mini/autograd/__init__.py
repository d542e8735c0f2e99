"""`am.autograd.grad`: gradients of outputs with respect to chosen inputs (and
`am.autograd.Function`, PyTorch's custom operation with a backward of its own)
(`am.autograd.functional` has PyTorch's jacobian, hessian, vjp, jvp, vhp, hvp).

Unlike `Tensor.backward()` it returns the gradients and leaves every `.grad`
untouched, and the inputs may be intermediate tensors, not only leaves.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any, Sequence

import numpy as np

from ..engine import backward_sweep
from ..tensor import Tensor, _flag, check_seed_dtype


def _as_list(x: Any, what: str) -> list[Tensor]:
    if not isinstance(x, (Tensor, Iterable)):
        raise TypeError(
            f"autograd.grad: {what} must be a Tensor or a sequence of Tensors, got {type(x).__name__}"
        )
    items = [x] if isinstance(x, Tensor) else list(x)
    for t in items:
        if not isinstance(t, Tensor):
            raise TypeError(f"autograd.grad: {what} must be Tensors, got {type(t).__name__}")
    return items


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    only_inputs: bool = True,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """Gradients of sum_k <grad_outputs[k], outputs[k]> with respect to each input.

    outputs: a tensor or a sequence; each needs a grad_output of its own shape
    (a Tensor, an ndarray, or a number for a 0-d output), which may be omitted
    for single-element outputs (taken as 1).
    Returns a tuple with one gradient per input, shaped like that input.
    create_graph=True records the computation of the gradients, so they can be
    differentiated again; retain_graph defaults to create_graph. An input that
    the outputs do not depend on raises, unless allow_unused=True (then None).
    only_inputs is PyTorch's deprecated flag, accepted (in PyTorch's position) so that
    code passing it ports unchanged; as in PyTorch it changes nothing (False warns), and
    no .grad is ever written.
    """
    _flag(create_graph, "create_graph", "autograd.grad")
    if not _flag(only_inputs, "only_inputs", "autograd.grad"):
        warnings.warn("autograd.grad: only_inputs is deprecated and ignored (as in PyTorch): the "
                      "gradients of the inputs are returned and no .grad is accumulated; use "
                      "backward() to accumulate them", UserWarning, stacklevel=2)
    _flag(allow_unused, "allow_unused", "autograd.grad")
    if retain_graph is not None:  # (None: as create_graph)
        _flag(retain_graph, "retain_graph", "autograd.grad")
    outs = _as_list(outputs, "outputs")
    ins = _as_list(inputs, "inputs")
    if grad_outputs is None:
        grad_outputs = [None] * len(outs)
    elif isinstance(grad_outputs, (Tensor, np.ndarray, np.generic, int, float, complex)):
        grad_outputs = [grad_outputs]  # (one grad_output; a number, as backward() takes one)
    elif isinstance(grad_outputs, Iterable):
        grad_outputs = list(grad_outputs)
    else:
        raise TypeError(
            "autograd.grad: grad_outputs must be a Tensor, an ndarray, a number or a sequence "
            f"of them, got {type(grad_outputs).__name__}"
        )
    if len(grad_outputs) != len(outs):
        raise ValueError(
            f"autograd.grad: got {len(grad_outputs)} grad_outputs for {len(outs)} outputs"
        )
    seeds = []
    for k, (o, g) in enumerate(zip(outs, grad_outputs)):
        if not o.requires_grad:
            raise RuntimeError(f"autograd.grad: output {k} does not require grad (no graph to differentiate)")
        if g is None:
            if o.size != 1:
                raise RuntimeError(
                    f"autograd.grad: grad_outputs[{k}] is needed for output of shape {o.shape}"
                )
            g = np.ones(o.shape, dtype=o.dtype)
        else:
            # in the output's dtype, as backward() does (a float32 input keeps a float32 gradient)
            raw = g.data if isinstance(g, Tensor) else np.asarray(g)
            check_seed_dtype(raw.dtype, o.dtype, "autograd.grad", f"grad_outputs[{k}]")
            if not isinstance(g, Tensor):
                # (a recorded gradient's graph keeps the seed: a copy, as backward()'s, so
                # that refilling the caller's array changes no later backward through it)
                g = raw.astype(o.dtype, copy=create_graph)
            elif g.dtype != o.dtype:
                g = g.astype(o.dtype)
            if g.shape != o.shape:
                raise ValueError(
                    f"autograd.grad: grad_outputs[{k}] has shape {g.shape}, output has shape {o.shape}"
                )
        seeds.append(g)
    for i, t in enumerate(ins):
        if not t.requires_grad:
            raise RuntimeError(f"autograd.grad: input {i} (shape {t.shape}) does not require grad")
    retain = create_graph if retain_graph is None else retain_graph
    found = backward_sweep(
        outs, seeds, retain_graph=retain, create_graph=create_graph, targets=ins,
        allow_unused=allow_unused,
    )
    # In each input's dtype, as .grad is (numpy may have promoted the forward).
    return tuple(None if g is None else _in_dtype(g if isinstance(g, Tensor) else Tensor._wrap(g), t.dtype)
                 for g, t in zip(found, ins))


def _in_dtype(g: Tensor, dtype: np.dtype) -> Tensor:
    return g if g.dtype == dtype else g.astype(dtype)


# (last: functional builds on grad above) torch.autograd.functional's API
from . import functional  # noqa: E402
from .function import Function, FunctionCtx  # noqa: E402
