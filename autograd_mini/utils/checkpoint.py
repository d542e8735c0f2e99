"""`am.utils.checkpoint`: PyTorch's activation checkpointing (torch.utils.checkpoint).

    y = checkpoint(block, x, use_reentrant=False)    # block's intermediates are not kept
    y = checkpoint_sequential(model, 4, x)           # an nn.Sequential in 4 segments

`checkpoint(function, *args, **kwargs)` runs `function(*args, **kwargs)` under no_grad,
so the graph keeps none of its intermediate arrays: only the arguments (and the
library RNG state) are kept, in one node (`<CheckpointFunctionBackward>`). The
backward through that node runs `function` again, with grad mode on, on detached
tensors that share the arguments' arrays (each requiring grad as its argument does),
and back-propagates the incoming gradients through the recomputed outputs: the
arguments get their gradients from the node as from any other, and the parameters
`function` closes over (a Module's weights) get theirs added to their `.grad`, as
PyTorch's reentrant checkpoint does. The gradients equal those without checkpointing
bit for bit when nothing outside the function also uses those parameters (a
parameter used both inside and outside gets the same two terms, added in another
order). The cost is a second forward of `function` during backward.

It is built on `am.autograd.Function` alone (autograd_mini/autograd/function.py);
the engine knows nothing of it. What that allows, and what is refused:

- `.backward()` (and `retain_graph=True`, then backward again: recomputed each time).
- `am.autograd.grad` through a checkpoint whose `function` uses no tensor requiring
  grad other than its arguments (a pure function of its inputs): the argument
  gradients are returned and no `.grad` changes. If the recomputation reaches another
  tensor requiring grad (a parameter it closes over), autograd.grad is refused
  (RuntimeError naming checkpoint): the outer graph has no edge to that parameter, so
  its gradient could neither be returned nor, without a wrong side effect, put in its
  `.grad` (PyTorch's reentrant checkpoint refuses autograd.grad altogether). When
  refused, no `.grad` has changed, but the nodes the sweep had already passed are
  released (as after any failed backward).
- `create_graph=True` (double backward, gradgradcheck) through a checkpoint: refused.
- am.compile: refused (a replay cannot run the Python recomputation).
- A tensor argument, or a tensor the recomputation reads that existed at the forward
  (a parameter, a buffer), changed in place after the checkpointed forward (by an
  optimizer step, add_, ... or by `function` itself, an in-place op on its input) is
  detected at backward and refused: the recomputation would differ from the forward.
  Changes that bypass the library (writing into `.data` with numpy) are not seen.
- `function` must compute the same thing twice: it is called once at forward and
  once per backward, so its side effects happen twice (forward hooks run twice;
  BatchNorm's running statistics in training mode are updated twice, as in PyTorch).
  With preserve_rng_state=True (the default) the library generator
  (am.manual_seed's, which dropout draws from) is set at recomputation to its state
  before the forward, and the caller's state is put back afterwards, so dropout draws
  the same mask; a function drawing from an am.Generator of its own, or from numpy's
  global random state, is not covered. The recomputed outputs must have the forward's
  shapes (RuntimeError otherwise).

Outputs may be a Tensor or a tuple (Tensors and other values); non-tensor arguments
pass through unchanged, and Tensors among **kwargs are arguments too (they get
gradients). The output requires grad whenever grad mode is on and some tensor
argument requires grad; with none (an input batch that needs no gradient), it still
requires grad under grad mode, because the parameters `function` closes over cannot
be seen without recording it: its backward then gives them their gradients (PyTorch's
reentrant checkpoint warns and gives them none; its non-reentrant one gives them).

`use_reentrant` may be None (PyTorch's default, which asks for it to be given), True or
False: both give the same numbers here and the behaviour above (one implementation,
PyTorch's reentrant one with autograd.grad allowed where it is exact, and kwargs
passed on, as the non-reentrant one does). `context_fn` is not provided;
`determinism_check` ("default" or "none") and `debug` are accepted and ignored.
"""

from __future__ import annotations

import itertools
from typing import Any, Callable

import numpy as np

from .. import engine
from ..autograd.function import Function
from ..creation import get_rng_state, set_rng_state
from ..engine import _mode, _root, backward_sweep, enable_grad, topological_order, tracers
from ..tensor import Tensor

__all__ = ["checkpoint", "checkpoint_sequential"]


def _changed_since(stamp: int) -> tuple[dict, dict]:
    """The in-place changes stamped after `stamp`: ({root id: (weak ref, by)} of single
    changes, {root id: by} of optimizer steps)."""
    single = {k: (ref, by) for k, (ref, at, by) in list(engine._changes.items()) if at > stamp}
    steps: dict = {}
    for at, by, ids, older, _ in list(engine._steps.values()):
        for key, when in itertools.chain(older.items(), zip(ids, itertools.repeat(at))):
            if when > stamp:
                steps[key] = by
    return single, steps


def _refuse_changes(ctx: Any, args: list, roots: list) -> None:
    """RuntimeError if a tensor argument, or a leaf the recomputed graph of `roots`
    reads, was changed in place after the checkpointed forward."""
    single, steps = _changed_since(ctx._stamp)
    if not single and not steps:
        return
    seen: dict[int, tuple] = {}
    # (the arguments and the leaves that require grad lived through the forward: any
    # change to their array is one; a constant made during recomputation may reuse the
    # id of an array an optimizer changed, so those are matched by weak reference only)
    for a in args:
        if isinstance(a, Tensor):
            seen[id(a.data)] = (a, True)
    for r in roots:
        if r.grad_fn is None:
            seen[id(r.data)] = (r, r.requires_grad)
    for t in topological_order(roots):
        for p in t.grad_fn.inputs:
            if isinstance(p, Tensor) and p.grad_fn is None and id(p.data) not in seen:
                seen[id(p.data)] = (p, p.requires_grad)
    for t, lived in seen.values():
        root = _root(t.data)
        hit = single.get(id(root))
        by = hit[1] if hit is not None and hit[0]() is root else (steps.get(id(root)) if lived else None)
        if by is not None:
            raise RuntimeError(
                f"checkpoint: a tensor of shape {t.shape} that the checkpointed function used was "
                f"changed in place (by {by}) after its forward, so recomputing it in backward would "
                "not give the forward's values; do not change the function's inputs or parameters "
                "in place between the forward and the backward (nor inside the function)"
            )


class CheckpointFunction(Function):
    """The node of `checkpoint` (see the module docstring)."""

    @staticmethod
    def forward(ctx: Any, run_function: Callable, preserve_rng_state: bool, kw_names: tuple,
                has_dummy: bool, *args: Any) -> Any:
        ctx.run_function, ctx.kw_names, ctx.has_dummy = run_function, kw_names, has_dummy
        ctx.rng_state = get_rng_state() if preserve_rng_state else None
        # (the tensors through save_for_backward, so the node holds them, checks them for
        # in-place changes and lets them go after backward; other values as they are)
        ctx.save_for_backward(*[a for a in args if isinstance(a, Tensor)])
        ctx.others = tuple(None if isinstance(a, Tensor) else a for a in args)
        ctx.is_tensor = tuple(isinstance(a, Tensor) for a in args)
        ctx.requires = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        ctx._stamp = next(engine.node_counter)
        return _call(run_function, args, kw_names, has_dummy)

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        if _mode.grad_enabled:  # (the sweep turns grad mode on only for create_graph)
            raise RuntimeError(
                "checkpoint: backward with create_graph=True (double backward, gradgradcheck) "
                "through a checkpoint is not supported: its gradients are computed by a backward "
                "of their own that is not recorded; call the function without checkpoint"
            )
        into_grad = _mode.sweep_into_grad  # (backward(), not autograd.grad)
        saved = iter(ctx.saved_tensors)
        args = [next(saved) if t else v for t, v in zip(ctx.is_tensor, ctx.others)]
        detached = [_detached(a, r) if isinstance(a, Tensor) else a for a, r in zip(args, ctx.requires)]
        caller_state = get_rng_state() if ctx.rng_state is not None else None
        try:
            if ctx.rng_state is not None:
                set_rng_state(ctx.rng_state)
            with enable_grad():
                result = _call(ctx.run_function, detached, ctx.kw_names, ctx.has_dummy)
        finally:
            if caller_state is not None:
                set_rng_state(caller_state)
        outs = result if isinstance(result, tuple) else (result,)
        if len(outs) != len(grad_outputs):
            raise RuntimeError(
                f"checkpoint: the recomputed function returned {len(outs)} output(s), the forward "
                f"{len(grad_outputs)}: it must compute the same thing each time it is called"
            )
        roots, seeds = [], []
        for k, (o, g) in enumerate(zip(outs, grad_outputs)):
            if g is not None and isinstance(o, Tensor) and tuple(o.shape) != tuple(g.shape):
                raise RuntimeError(
                    f"checkpoint: the recomputed output {k} has shape {o.shape}, the forward's "
                    f"{tuple(g.shape)}: the function must compute the same thing each time it is called"
                )
            if g is not None and isinstance(o, Tensor) and o.requires_grad:
                roots.append(o)
                seeds.append(g.data if isinstance(g, Tensor) else g)
        wanted = [d for d, r in zip(detached, ctx.requires) if r]
        if engine._state["changed"] > ctx._stamp:
            _refuse_changes(ctx, args, roots)
        if roots and into_grad:
            backward_sweep(roots, seeds, retain_graph=False, create_graph=False)
            found = [d._grad for d in wanted]
        elif roots:
            leaves: list = []
            topological_order(roots, leaves)
            mine = {id(d) for d in wanted}
            others = [p for p in leaves if id(p) not in mine]
            if others:
                raise RuntimeError(
                    "checkpoint: am.autograd.grad through a checkpoint whose function uses tensors "
                    f"that require grad besides its arguments (one of shape {others[0].shape}, a "
                    "parameter it closes over?) is not supported: their gradients cannot be "
                    "returned, and putting them in .grad would be a side effect autograd.grad must "
                    "not have; use .backward(), or pass those tensors as arguments of the function"
                )
            found = backward_sweep(roots, seeds, retain_graph=False, create_graph=False,
                                   targets=wanted, allow_unused=True) if wanted else []
        else:
            found = [None] * len(wanted)
        grads = iter(found)
        return (None, None, None, None) + tuple(next(grads) if r else None for r in ctx.requires)


def _detached(a: Tensor, requires_grad: bool) -> Tensor:
    d = a.detach()
    d.requires_grad = requires_grad
    return d


def _call(fn: Callable, args: Any, kw_names: tuple, has_dummy: bool) -> Any:
    args = list(args)
    if has_dummy:
        args.pop()
    nk = len(kw_names)
    pos = args[:len(args) - nk]
    kwargs = dict(zip(kw_names, args[len(args) - nk:]))
    return fn(*pos, **kwargs)


def _check_reentrant(use_reentrant: Any, where: str) -> None:
    if use_reentrant is not None and not isinstance(use_reentrant, (bool, np.bool_)):
        raise TypeError(f"{where}: use_reentrant must be None, True or False, got {use_reentrant!r}")


def checkpoint(function: Callable, *args: Any, use_reentrant: bool | None = None,
               preserve_rng_state: bool = True, context_fn: Any = None,
               determinism_check: str = "default", debug: bool = False, **kwargs: Any) -> Any:
    """function(*args, **kwargs), keeping none of its intermediates for backward: they
    are recomputed during backward (PyTorch's torch.utils.checkpoint.checkpoint).

    function: a callable (a Module, a function) of Tensors (any shapes) and other
    values, returning a Tensor or a tuple of them (and other values). The result is
    what function returns, with the same shapes; its gradients (of args, and of the
    parameters function closes over, into their .grad) are those without checkpoint.
    preserve_rng_state: draw the same dropout masks at recomputation (the library
    generator is set back to its state before the forward, then restored).
    use_reentrant: None, True or False, all the same here. See the module docstring
    for what is refused: autograd.grad when function closes over tensors requiring
    grad, create_graph=True, am.compile, in-place changes of what it used.
    """
    _check_reentrant(use_reentrant, "checkpoint")
    if not callable(function):
        raise TypeError(f"checkpoint: function must be callable, got {type(function).__name__}")
    if context_fn is not None:
        raise NotImplementedError("checkpoint: context_fn is not supported")
    if determinism_check not in ("default", "none"):
        raise ValueError(f"checkpoint: determinism_check must be 'default' or 'none', got {determinism_check!r}")
    if tracers:
        raise RuntimeError(
            "compile: checkpoint cannot be recorded (a replay cannot rerun its recomputation in "
            "backward); call the checkpointed function uncompiled, or compile it without checkpoint"
        )
    kw_names = tuple(kwargs)
    all_args = list(args) + [kwargs[k] for k in kw_names]
    # (no argument requires grad: a dummy one that does, so that the node is recorded and
    # its backward reaches the parameters the function closes over)
    has_dummy = _mode.grad_enabled and not any(isinstance(a, Tensor) and a.requires_grad for a in all_args)
    if has_dummy:
        all_args.append(Tensor(np.zeros(()), requires_grad=True))
    return CheckpointFunction.apply(function, bool(preserve_rng_state), kw_names, has_dummy, *all_args)


def checkpoint_sequential(functions: Any, segments: int, input: Any, use_reentrant: bool | None = None,
                          **kwargs: Any) -> Any:
    """Run the modules (or callables) `functions` in order on `input`, in `segments`
    chunks of len(functions) // segments, each but the last checkpointed (the last,
    with the rest, runs as usual, as PyTorch's checkpoint_sequential).

    functions: an nn.Sequential (its layers, as its forward runs them) or a list of
    callables, each taking the previous one's output. input: a Tensor (any shape).
    segments: an int from 1 to len(functions). kwargs: preserve_rng_state only.
    """
    from ..nn import Sequential

    _check_reentrant(use_reentrant, "checkpoint_sequential")
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError(f"checkpoint_sequential: unexpected keyword arguments: {', '.join(kwargs)}")
    fns = list(functions) if isinstance(functions, (Sequential, list, tuple)) else None
    if fns is None:
        raise TypeError(f"checkpoint_sequential: functions must be an nn.Sequential or a list of "
                        f"callables, got {type(functions).__name__}")
    if isinstance(segments, bool) or not isinstance(segments, (int, np.integer)) or not 1 <= segments <= len(fns):
        raise ValueError(f"checkpoint_sequential: segments must be an int from 1 to the number of "
                         f"functions ({len(fns)}), got {segments!r}")

    def run(start: int, end: int) -> Callable:
        def forward(x: Any) -> Any:
            for j in range(start, end + 1):
                x = fns[j](x)
            return x
        return forward

    size = len(fns) // int(segments)
    end = -1
    for start in range(0, size * (int(segments) - 1), size):
        end = start + size - 1
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant, preserve_rng_state=preserve)
    return run(end + 1, len(fns) - 1)(input)
