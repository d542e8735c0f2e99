"""Parametrizations (torch.nn.utils.parametrize): a parameter recomputed from others on every access.

    P.register_parametrization(layer, "weight", Symmetric())
    layer.weight                    # Symmetric()(layer.parametrizations.weight.original), recorded
    list(layer.state_dict())        # ['bias', 'parametrizations.weight.original']

`register_parametrization(module, name, parametrization)` moves the Parameter `name` to
`module.parametrizations[name].original` (a ParametrizationList, a ModuleList of the
parametrizations holding the original) and makes `module.name` a property that returns
`parametrization(original)` -- a recorded computation, so gradients reach the original,
optimizers step it, `state_dict()` names it `parametrizations.<name>.original` and
am.compile records and replays it with the rest of a forward. If the parametrization has
`right_inverse(w)`, the original is `right_inverse(w)` (under no_grad); when that returns a
tuple, the originals are `original0`, `original1`, ... and forward takes them all
(weight_norm's g and v). Assigning `module.name = w` stores right_inverse(w) into the
originals in place.

As in PyTorch, the module's class is swapped for a subclass (named `Parametrized<Class>`)
that holds the properties; a module that was never parametrized is untouched (its attribute
reads stay plain instance-dict lookups). The subclass is shared by every module of one
class parametrized on the same names and never changed, so copies (copy.deepcopy) and
removals do not affect each other; `type_before_parametrizations(module)` is the old class.
Only Parameters can be parametrized here (PyTorch also takes buffers); the module's state
dicts, not pickle, are how a parametrized module is saved.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from ...engine import changed_in_place, modules_changed, no_grad, tracers
from ...tensor import Tensor, _flag
from ..containers import ModuleDict, ModuleList
from ..module import Module, Parameter

__all__ = ["register_parametrization", "remove_parametrizations", "is_parametrized",
           "type_before_parametrizations", "ParametrizationList"]


def _describe(module: Module) -> str:
    return type_before_parametrizations(module).__name__


def _parameter(module: Any, name: Any, where: str) -> Parameter:
    """module's Parameter `name`, or TypeError/ValueError naming `where` and the module."""
    if not isinstance(module, Module):
        raise TypeError(f"{where}: module must be an nn.Module, got {type(module).__name__}")
    if not isinstance(name, str):
        raise TypeError(f"{where}: name must be a str, got {type(name).__name__}")
    if tracers:
        raise RuntimeError(f"{where}: cannot run inside a function being compiled (it changes the "
                           "module); parametrize the module before compiling")
    p = module._parameters.get(name)
    if isinstance(p, Parameter):
        return p
    if is_parametrized(module, name):
        raise ValueError(f"{where}: {_describe(module)}.{name} is already parametrized; remove that "
                         "first (remove_parametrizations), or chain with register_parametrization")
    kind = ("an empty parameter slot (None)" if name in module._parameters
            else "a buffer" if name in module._buffers
            else "a submodule" if name in module._modules
            else None)
    if kind is None and not hasattr(module, name):
        have = ", ".join(k for k, v in module._parameters.items() if v is not None) or "none"
        raise ValueError(f"{where}: {_describe(module)} has no parameter {name!r} (its parameters: {have})")
    kind = kind or f"a {type(getattr(module, name)).__name__}"
    raise TypeError(f"{where}: {_describe(module)}.{name} is {kind}, not a Parameter; only "
                    "Parameters can be parametrized")


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, applied in order, and its original(s).

    `original` (or `original0`, `original1`, ... when the first parametrization's
    right_inverse returns a tuple) are Parameters; calling the list returns
    p_n(...p_1(p_0(originals))), the parametrized tensor, with the original's shape and
    dtype (checked at registration unless unsafe=True)."""

    def __init__(self, modules: list[Module], original: Parameter, unsafe: bool = False) -> None:
        super().__init__(modules)
        self.unsafe = unsafe
        first = modules[0]
        inverse = getattr(first, "right_inverse", None)
        if inverse is None:
            new: Any = original
        else:
            with no_grad():
                new = inverse(original)
        self.is_tensor = isinstance(new, Tensor)
        if self.is_tensor:
            if new is not original:
                if not unsafe:  # (checked before the original takes right_inverse's values)
                    with no_grad():
                        _check_output(first(new), original, "register_parametrization", "the tensor")
                _copy_into(original, new, "register_parametrization")
            self.original = original
        else:
            if not isinstance(new, (tuple, list)) or not all(isinstance(t, Tensor) for t in new):
                raise TypeError(f"register_parametrization: {type(first).__name__}.right_inverse must "
                                f"return a Tensor or a tuple of Tensors, got {type(new).__name__}")
            self.ntensors = len(new)
            for i, t in enumerate(new):
                setattr(self, f"original{i}", Parameter(np.array(t.data), original.requires_grad))

    def _originals(self) -> list[Parameter]:
        if self.is_tensor:
            return [self.original]
        return [getattr(self, f"original{i}") for i in range(self.ntensors)]

    def forward(self) -> Tensor:
        mods = list(self._modules.values())
        x = mods[0](*self._originals())
        for m in mods[1:]:
            x = m(x)
        return x

    def right_inverse(self, value: Any) -> None:
        """Store the originals that give `value` (each parametrization's right_inverse, last
        first; one without right_inverse is taken as the identity), in place, under no_grad."""
        if tracers:
            raise RuntimeError("assigning a parametrized tensor cannot run inside a function being "
                               "compiled (a replay would skip the change)")
        with no_grad():
            for m in reversed(list(self._modules.values())):
                inverse = getattr(m, "right_inverse", None)
                if inverse is not None:
                    value = inverse(value)
        originals = self._originals()
        values = [value] if self.is_tensor else value
        if not isinstance(values, (tuple, list)) or len(values) != len(originals) or not all(
                isinstance(v, Tensor) for v in values):
            raise TypeError(f"assigning a parametrized tensor: right_inverse gave {type(value).__name__}, "
                            f"expected {'a Tensor' if self.is_tensor else f'{len(originals)} Tensors'}")
        for o, v in zip(originals, values):  # (all checked before any changes)
            if v.shape != o.shape:
                raise ValueError(f"assigning a parametrized tensor: right_inverse gave shape {v.shape} "
                                 f"for an original of shape {o.shape}")
        for o, v in zip(originals, values):
            np.copyto(o.data, v.data, casting="same_kind")
            changed_in_place(o.data, "assigning a parametrized tensor")


def _copy_into(original: Parameter, new: Tensor, where: str) -> None:
    """The values of `new` into the Parameter `original` (the same object: optimizers holding it
    keep working); in place when the shape and dtype agree."""
    if new.shape == original.shape and new.dtype == original.dtype and original.data.flags.writeable:
        np.copyto(original.data, new.data)
        changed_in_place(original.data, where)
    else:
        original.data = np.array(new.data)
        original._grad = None


class _Parametrized:
    """The property `module.<name>` of a parametrized module: the ParametrizationList's output."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, cls: Any = None) -> Any:
        if obj is None:
            return self
        try:
            return obj.__dict__["parametrizations"]._modules[self.name]()
        except AttributeError as e:  # (Python would report it as "no attribute <name>" instead)
            raise RuntimeError(f"computing the parametrized {self.name!r} of {_describe(obj)}: {e}") from e

    def __set__(self, obj: Any, value: Any) -> None:
        _assign(obj, self.name, value)

    def __delete__(self, obj: Any) -> None:
        raise AttributeError(f"cannot delete {_describe(obj)}.{self.name}: it is parametrized; use "
                             f"remove_parametrizations(module, {self.name!r}) first")


def _assign(module: Module, name: str, value: Any) -> None:
    """module.<name> = value on a parametrized name: the originals become right_inverse(value)."""
    if not isinstance(value, Tensor):  # (as PyTorch: a parametrized tensor takes a tensor only)
        raise TypeError(f"assigning {_describe(module)}.{name} (parametrized): expected a Tensor, got "
                        f"{type(value).__name__}; use remove_parametrizations to make it a plain "
                        "attribute again")
    module.__dict__["parametrizations"]._modules[name].right_inverse(value)


def _setattr(self: Module, name: str, value: Any) -> None:
    if name in type(self)._parametrized_names:
        _assign(self, name, value)
    else:
        Module.__setattr__(self, name, value)


def _getstate(self: Module) -> Any:
    raise RuntimeError(f"{_describe(self)} is parametrized and cannot be pickled; save its "
                       "state_dict() (am.save) instead")


def _deepcopy(self: Module, memo: dict) -> Module:
    """copy.deepcopy without pickling's __getstate__ (refused above): a replica of the same class."""
    replica = object.__new__(type(self))
    memo[id(self)] = replica
    replica.__dict__.update(copy.deepcopy(self.__dict__, memo))
    return replica


_classes: dict[tuple[type, frozenset], type] = {}


def _class_for(base: type, names: frozenset) -> type:
    """base itself when names is empty, else the (cached) subclass with a property per name."""
    if not names:
        return base
    key = (base, names)
    cls = _classes.get(key)
    if cls is None:
        body: dict[str, Any] = {name: _Parametrized(name) for name in names}
        body.update(_parametrized_names=names, _type_before_parametrizations=base,
                    __setattr__=_setattr, __getstate__=_getstate, __module__=base.__module__,
                    __qualname__=f"Parametrized{base.__qualname__}")
        if not hasattr(base, "__deepcopy__"):
            body["__deepcopy__"] = _deepcopy
        cls = _classes[key] = type(f"Parametrized{base.__name__}", (base,), body)
    return cls


def type_before_parametrizations(module: Module) -> type:
    """The module's class before any parametrization was registered (its class otherwise)."""
    return getattr(type(module), "_type_before_parametrizations", type(module))


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    """True if `module` has a parametrization (on `tensor_name`, if given)."""
    names = getattr(type(module), "_parametrized_names", None)
    if not names or not isinstance(module, Module):
        return False
    return bool(names) if tensor_name is None else tensor_name in names


def register_parametrization(module: Module, tensor_name: str, parametrization: Module, *,
                             unsafe: bool = False) -> Module:
    """Make `module.<tensor_name>` be `parametrization(original)`, recomputed on every access.

    The Parameter (of any shape S) moves to `module.parametrizations[tensor_name].original`
    (or, if `parametrization.right_inverse(w)` returns a tuple, to `original0`, `original1`, ...,
    Parameters made from its values, which forward takes as separate arguments). The
    parametrization's output must have shape S and the original's dtype (checked now, by
    evaluating it once, unless unsafe=True). Registering on a name that is already
    parametrized appends to its list: the new one applies to the previous output. Returns
    module. Errors (before anything changes): TypeError for a non-Module, a name that is not
    a Parameter; ValueError for an unknown name, an output of another shape or dtype."""
    where = "register_parametrization"
    unsafe = _flag(unsafe, "unsafe", where)
    if not isinstance(parametrization, Module):
        raise TypeError(f"{where}: parametrization must be an nn.Module, got {type(parametrization).__name__}")
    if is_parametrized(module, tensor_name):
        plist = module.parametrizations[tensor_name]
        if not unsafe:
            with no_grad():
                y = getattr(module, tensor_name)
                _check_output(parametrization(y), y, where, f"{_describe(module)}.{tensor_name}")
        plist.append(parametrization)
        plist.unsafe = plist.unsafe or unsafe
        modules_changed()
        return module
    original = _parameter(module, tensor_name, where)
    plist = ParametrizationList([parametrization], original, unsafe)
    if not unsafe:
        with no_grad():
            _check_output(plist(), original, where, f"{_describe(module)}.{tensor_name}")
    # (everything is checked: now the module changes)
    del module._parameters[tensor_name]
    del module.__dict__[tensor_name]
    if not isinstance(module.__dict__.get("parametrizations"), ModuleDict):
        module.parametrizations = ModuleDict()
    module.parametrizations[tensor_name] = plist
    base = type_before_parametrizations(module)
    names = getattr(type(module), "_parametrized_names", frozenset())
    object.__setattr__(module, "__class__", _class_for(base, names | {tensor_name}))
    modules_changed()
    return module


def _check_output(y: Any, original: Tensor, where: str, what: str) -> None:
    """TypeError/ValueError unless y, the parametrization of `what` ("Linear.weight"), is a
    Tensor of original's shape and dtype."""
    if not isinstance(y, Tensor):
        raise TypeError(f"{where}: the parametrization of {what} must return a "
                        f"Tensor, got {type(y).__name__}")
    if y.shape != original.shape or y.dtype != original.dtype:
        raise ValueError(f"{where}: the parametrization of {what} returns shape "
                         f"{y.shape} and dtype {y.dtype}, the tensor has shape {original.shape} and "
                         f"dtype {original.dtype} (pass unsafe=True to allow it)")


def remove_parametrizations(module: Module, tensor_name: str, leave_parametrized: bool = True) -> Module:
    """Undo register_parametrization on `tensor_name`: it is a plain Parameter again.

    leave_parametrized=True: the Parameter holds the current parametrized value (the same
    Parameter object as the single original, so optimizers holding it keep working; a new
    Parameter for a tuple of originals, as weight_norm's). leave_parametrized=False: it is the
    original itself, unchanged (ValueError for a tuple of originals). When no parametrized
    name is left, `module.parametrizations` goes and the module gets its old class back.
    Returns module."""
    where = "remove_parametrizations"
    leave_parametrized = _flag(leave_parametrized, "leave_parametrized", where)
    if not isinstance(module, Module):
        raise TypeError(f"{where}: module must be an nn.Module, got {type(module).__name__}")
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"{where}: {_describe(module)} has no parametrization on {tensor_name!r}")
    if tracers:
        raise RuntimeError(f"{where}: cannot run inside a function being compiled (it changes the module)")
    plist = module.parametrizations[tensor_name]
    if plist.is_tensor:
        original = plist.original
        if leave_parametrized:
            with no_grad():
                t = getattr(module, tensor_name)
            _copy_into(original, t, where)
    else:
        if not leave_parametrized:
            raise ValueError(f"{where}: {_describe(module)}.{tensor_name} has {plist.ntensors} originals "
                             "(a right_inverse that returns a tuple), so leave_parametrized=False has "
                             "no single tensor to leave")
        with no_grad():
            t = getattr(module, tensor_name)
        original = Parameter(np.array(t.data), plist.original0.requires_grad)
    names = type(module)._parametrized_names - {tensor_name}
    object.__setattr__(module, "__class__", _class_for(type_before_parametrizations(module), names))
    del module.parametrizations[tensor_name]
    if not names:
        del module.parametrizations
    setattr(module, tensor_name, original)
    return module
