"""A module call's backward hooks (PyTorch's full backward hooks), from tensor hooks.

For a module with `register_full_backward_pre_hook` or `register_full_backward_hook`
hooks, each call routes its inputs and outputs through one recorded tensor each:

    inputs  x_1..x_n (those that require grad)  ->  v = cat(x_i.ravel())  ->  x_i' = v[slice_i]
    outputs o_1..o_m (those that require grad)  ->  w = cat(o_j.ravel())  ->  o_j' = w[slice_j]

The forward runs on the x_i' and the caller gets the o_j'. All of the module's
output gradients reach w (newer than anything inside the call, so the sweep meets it
first), and all of its input gradients reach v (older, so met after everything
inside). A hook on w hands grad_output to the pre-hooks (which may replace it) and
keeps it; a hook on v hands (grad_input, grad_output) to the hooks, which may
replace grad_input. A single tensor is routed through a recorded alias instead of a
concatenation (no copy), as are tensors of different dtypes, each on its own: then
a hook's replacement of grad_input is refused (the gradients of the others have
flowed on by then).
"""

from __future__ import annotations

from typing import Any

from .. import primitives as P
from ..functions import concatenate
from ..tensor import Tensor


def _route(tensors: list[Tensor]) -> tuple[list[Tensor], list[Tensor]]:
    """(the recorded tensors the hooks sit on, the tensors to use in place of `tensors`)."""
    if len(tensors) == 1 or len({t.dtype for t in tensors}) > 1:
        aliases = [P.reshape.apply(t, shape=t.shape) for t in tensors]
        return aliases, aliases
    whole = concatenate([t.reshape(-1) for t in tensors])
    return [whole], _split(whole, tensors)


def _split(g: Tensor, like: list[Tensor]) -> list[Tensor]:
    """The flat gradient of a routed concatenation cut back into `like`'s shapes."""
    parts, start = [], 0
    for t in like:
        parts.append(g[start:start + t.size].reshape(t.shape))
        start += t.size
    return parts


def _check_shapes(parts: list, like: list[Tensor], what: str) -> None:
    for p, t in zip(parts, like):
        if not isinstance(p, Tensor) or p.shape != t.shape:
            raise RuntimeError(f"backward hook: {what} must give Tensors of the shapes "
                               f"{[u.shape for u in like]}, got {[getattr(q, 'shape', type(q).__name__) for q in parts]}")


def _join(parts: list[Tensor], like: list[Tensor], what: str) -> Tensor:
    """Gradients of `like`'s shapes as the one gradient of their routed concatenation."""
    _check_shapes(parts, like, what)
    return parts[0] if len(parts) == 1 else concatenate([p.reshape(-1) for p in parts])


class BackwardCall:
    """One call of a module with backward hooks: the inputs' and outputs' routing."""

    def __init__(self, module: Any, pre_hooks: dict, hooks: dict, args: tuple) -> None:
        self.module, self.pre_hooks, self.hooks = module, pre_hooks, hooks
        self.n_args = len(args)
        self.grad_output: tuple | None = None
        self.in_pos = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
        self.inputs = [args[i] for i in self.in_pos]

    def route_inputs(self, args: tuple) -> tuple:
        """args with the inputs that require grad routed through the input hook."""
        if not self.inputs or not self.hooks:
            return args
        carriers, parts = _route(self.inputs)
        for c in carriers:
            c.register_hook(self._input_hook(c, carriers))
        args = list(args)
        for i, p in zip(self.in_pos, parts):
            args[i] = p
        return tuple(args)

    def route_outputs(self, out: Any) -> Any:
        """out (a Tensor or a tuple or list of them) routed through the output hook."""
        many = isinstance(out, (tuple, list))
        items = list(out) if many else [out]
        self.out_pos = [j for j, o in enumerate(items) if isinstance(o, Tensor) and o.requires_grad]
        self.n_out = len(items)
        if not self.out_pos:
            return out
        self.outputs = [items[j] for j in self.out_pos]
        carriers, parts = _route(self.outputs)
        if len(carriers) > 1:  # (outputs of different dtypes: one grad_output each, no hook sees them all)
            raise RuntimeError(f"{type(self.module).__name__}: backward hooks need the module's outputs "
                               f"that require grad to share one dtype, got {[o.dtype for o in self.outputs]}")
        carriers[0].register_hook(self._output_hook)
        if parts[0] is carriers[0]:
            # (the caller's own alias: a hook the caller puts on the output then runs
            # before the module's, and changes the grad_output they see, as in PyTorch)
            parts = [P.reshape.apply(parts[0], shape=parts[0].shape)]
        for j, p in zip(self.out_pos, parts):
            items[j] = p
        return type(out)(items) if many else items[0]

    @staticmethod
    def _full(parts: list[Tensor] | None, positions: list[int], n: int) -> tuple:
        """A tuple of n entries: parts at `positions`, None elsewhere."""
        full: list[Any] = [None] * n
        for k, p in zip(positions, parts or []):
            full[k] = p
        return tuple(full)

    def _output_hook(self, g: Tensor) -> Tensor:
        parts = _split(g, self.outputs) if len(self.outputs) > 1 else [g]
        for hook in list(self.pre_hooks.values()):
            new = hook(self.module, self._full(parts, self.out_pos, self.n_out))
            if new is not None:
                new = tuple(new) if isinstance(new, (tuple, list)) else (new,)
                if len(new) != self.n_out:
                    raise RuntimeError(f"{type(self.module).__name__}: a backward pre-hook returned "
                                       f"{len(new)} gradients for {self.n_out} outputs")
                parts = [new[j] for j in self.out_pos]
                _check_shapes(parts, self.outputs, "a backward pre-hook")
        self.grad_output = self._full(parts, self.out_pos, self.n_out)
        self._seen = 0
        if not self.inputs and self.hooks:  # (no input gradient will come: the hooks run now)
            for hook in list(self.hooks.values()):
                new = hook(self.module, (None,) * self.n_args, self.grad_output)
                # (None, or None for every input, as PyTorch allows)
                if new is not None and not (isinstance(new, (tuple, list)) and all(v is None for v in new)):
                    raise RuntimeError(f"{type(self.module).__name__}: a backward hook returned a grad_input, "
                                       "but no input of this call requires grad")
        return _join(parts, self.outputs, "a backward pre-hook")

    def _input_hook(self, carrier: Tensor, carriers: list[Tensor]) -> Any:
        def hook(g: Tensor) -> Tensor | None:
            if self.grad_output is None:
                # (a gradient that reached the inputs without passing through the outputs,
                # as a double backward's does: no grad_input of this call, as in PyTorch)
                return None
            grad_output = self.grad_output
            self._seen += 1
            if self._seen >= len(carriers):  # (every input's gradient seen: this backward's done)
                self.grad_output = None
            if len(carriers) > 1:  # (one carrier per input: each hook call sees its own)
                k = next(i for i, c in enumerate(carriers) if c is carrier)
                parts: list = [None] * len(self.inputs)
                parts[k] = g
            else:
                parts = _split(g, self.inputs) if len(self.inputs) > 1 else [g]
            grad_input = self._full(parts, self.in_pos, self.n_args)
            changed = False
            for h in list(self.hooks.values()):
                new = h(self.module, grad_input, grad_output)
                if new is None:
                    continue
                new = tuple(new) if isinstance(new, (tuple, list)) else (new,)
                if len(new) != self.n_args:
                    raise RuntimeError(f"{type(self.module).__name__}: a backward hook returned "
                                       f"{len(new)} gradients for {self.n_args} inputs")
                if len(carriers) > 1:
                    raise RuntimeError(f"{type(self.module).__name__}: a backward hook cannot replace "
                                       "grad_input when the inputs have different dtypes")
                grad_input, changed = new, True
            if not changed:
                return None
            return _join([grad_input[i] for i in self.in_pos], self.inputs, "a backward hook")
        return hook
