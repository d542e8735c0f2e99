"""`am.func.functional_call` (torch.func's name): call a module with other tensors in
place of its parameters and buffers, so that a loss is a function of a parameter
vector (for am.hvp, am.hessian, am.jacobian, ...).

    theta = am.cat([p.detach().reshape(-1) for p in model.parameters()])
    def loss_of(theta):
        pieces = am.split(theta, offsets)            # numpy's split: offsets, not sizes
        params = {n: t.reshape(p.shape) for (n, p), t in zip(model.named_parameters(), pieces)}
        return loss_fn(am.func.functional_call(model, params, (x,)), y)
    loss, Hv = am.hvp(loss_of, theta, v)
"""

from __future__ import annotations

from typing import Any, Mapping

from .engine import modules_changed
from .nn.module import Module
from .tensor import Tensor, _flag

__all__ = ["functional_call"]


def _slots(module: Module) -> dict[str, tuple[Module, str, str]]:
    """Every parameter and buffer slot by dotted name, tied ones under each of their
    names: name -> (owning module, registry name, attribute name)."""
    slots = {}
    for prefix, m in module.named_modules(remove_duplicate=False):
        for registry in ("_parameters", "_buffers"):
            for n, t in getattr(m, registry).items():
                if t is not None:
                    slots[f"{prefix}.{n}" if prefix else n] = (m, registry, n)
    return slots


def functional_call(module: Module, parameters_and_buffers: Mapping[str, Any] | tuple | list,
                    args: Any = None, kwargs: Mapping[str, Any] | None = None, *,
                    tie_weights: bool = True, strict: bool = False) -> Any:
    """module(*args, **kwargs) computed with the tensors of `parameters_and_buffers`
    (dotted state_dict names -> Tensors of the same shapes; a tuple/list of such dicts
    is merged) in place of the module's own parameters and buffers, which are put
    back afterwards (also on an error). The given tensors may carry a graph, so the
    output is differentiable with respect to them.

    args: a tuple of positional arguments (a single non-tuple value is one argument).
    Names not given keep the module's own tensors, unless strict=True (then every
    parameter and buffer must be given). tie_weights=True: a tensor held under
    several names (a tied weight) takes the value given for any of them.
    Unlike PyTorch, a name that is no parameter or buffer of the module is an error
    (a misspelling would otherwise be ignored silently).
    """
    if not isinstance(module, Module):
        raise TypeError(f"functional_call: module must be an nn.Module, got {type(module).__name__}")
    _flag(tie_weights, "tie_weights", "functional_call")
    _flag(strict, "strict", "functional_call")
    if isinstance(parameters_and_buffers, (tuple, list)):
        given: dict[str, Any] = {}
        for d in parameters_and_buffers:
            if not isinstance(d, Mapping):
                raise TypeError(f"functional_call: expected dicts of names to tensors, got {type(d).__name__}")
            twice = set(given) & set(d)
            if twice:
                raise ValueError(f"functional_call: {sorted(twice)} given in more than one dict")
            given.update(d)
    elif isinstance(parameters_and_buffers, Mapping):
        given = dict(parameters_and_buffers)
    else:
        raise TypeError("functional_call: parameters_and_buffers must be a dict of names to tensors, "
                        f"got {type(parameters_and_buffers).__name__}")
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    kwargs = {} if kwargs is None else dict(kwargs)

    slots = _slots(module)
    unknown = [k for k in given if k not in slots]
    if unknown:
        raise ValueError(f"functional_call: {unknown} name no parameter or buffer of "
                         f"{type(module).__name__} (it has {list(slots)})")
    for k, v in given.items():
        m, registry, n = slots[k]
        own = getattr(m, registry)[n]
        if not isinstance(v, Tensor):
            raise TypeError(f"functional_call: {k!r} must be a Tensor, got {type(v).__name__}")
        if v.shape != own.shape:
            raise ValueError(f"functional_call: {k!r} has shape {v.shape}, the module's has shape {own.shape}")
    # (what each original tensor is replaced by: a tied tensor follows any of its names)
    by_tensor: dict[int, Any] = {}
    if tie_weights:
        for k, v in given.items():
            m, registry, n = slots[k]
            own = getattr(m, registry)[n]
            other = by_tensor.setdefault(id(own), v)
            if other is not v:
                raise ValueError(f"functional_call: tied tensor {k!r} given two different values")
    plan = []
    for k, (m, registry, n) in slots.items():
        own = getattr(m, registry)[n]
        if k in given:
            plan.append((m, registry, n, given[k]))
        elif id(own) in by_tensor:
            plan.append((m, registry, n, by_tensor[id(own)]))
    if strict:
        covered = {k for k, (m, registry, n) in slots.items()
                   if k in given or id(getattr(m, registry)[n]) in by_tensor}
        missing = [k for k in slots if k not in covered]
        if missing:
            raise ValueError(f"functional_call: strict=True and {missing} not given")

    saved = []
    try:
        for m, registry, n, v in plan:
            saved.append((m, registry, n, getattr(m, registry)[n]))
            getattr(m, registry)[n] = v
            object.__setattr__(m, n, v)
        modules_changed()
        return module(*args, **kwargs)
    finally:
        for m, registry, n, own in reversed(saved):
            getattr(m, registry)[n] = own
            object.__setattr__(m, n, own)
        modules_changed()
