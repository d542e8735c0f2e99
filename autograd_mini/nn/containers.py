"""Containers: Sequential chains modules; ModuleList and ModuleDict (ParameterList and
ParameterDict) hold submodules (parameters) so that they are registered.

A plain list or dict of layers assigned to a Module attribute is invisible to
`parameters()`, `state_dict()` and `train()/eval()` (Module warns). ModuleList and
ModuleDict register every item as a child, as PyTorch's do:

    self.layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])   # layers.0.weight, ...
    self.heads = nn.ModuleDict({"cls": nn.Linear(4, 10), "box": nn.Linear(4, 4)})

Neither has a forward of its own: the module that holds one calls its items.
Every change (append, insert, deletion, assignment) counts as a module change,
so compiled functions record again rather than replay a tape of the old list.
Sequential(m0, m1, ...) is a module whose forward calls its children in order.
"""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any, Iterator

import numpy as np

from ..engine import modules_changed
from .module import Module, Parameter
from ..tensor import Tensor


def _not_callable(self: Module, *args: Any, **kwargs: Any) -> Any:
    name = type(self).__name__
    raise NotImplementedError(
        f"{name} has no forward(): it only holds modules; call its items in the forward of "
        f"the module that holds it (for layer in self.layers: x = layer(x)), or use nn.Sequential"
    )


def _integer(idx: Any, refusal: str) -> int:
    """idx as an int (operator.index), or TypeError "<refusal>, got <type>"; a bool is
    refused although it is an int (True would silently be item 1)."""
    if isinstance(idx, (bool, np.bool_)):
        raise TypeError(f"{refusal}, got bool")
    try:
        return operator.index(idx)
    except TypeError:
        raise TypeError(f"{refusal}, got {type(idx).__name__}") from None


def _drop_children(container: Module) -> None:
    """Unregister every child of `container`, from the registry and the instance __dict__
    (the caller announces the change with modules_changed)."""
    d = container.__dict__
    for k in container._modules:
        d.pop(k, None)
    container._modules.clear()


class Sequential(Module):
    """Apply the modules in order: Sequential(m0, m1, ...) or Sequential(OrderedDict(name=m)).

    Children are named '0', '1', ... (or by the dict's keys), so parameters are
    named like '0.weight'. Supports len(), iteration, indexing (negative too)
    and slicing (a new Sequential sharing the modules and keeping their names).
    """

    def __init__(self, *modules: Any) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], (OrderedDict, dict)):
            items = list(modules[0].items())
        else:
            items = [(str(i), m) for i, m in enumerate(modules)]
        for name, m in items:
            if not isinstance(m, Module):
                raise TypeError(f"Sequential: entry {name!r} is a {type(m).__name__}, not a Module")
            self.add_module(str(name), m)

    def _items(self) -> list[tuple[str, Module]]:
        # (a slot emptied by assigning None keeps its place but holds no layer)
        return [(k, m) for k, m in self._modules.items() if m is not None]

    def forward(self, x: Any) -> Any:
        for m in self._modules.values():
            if m is not None:
                x = m(x)
        return x

    def append(self, module: Module) -> Sequential:
        """Add `module` at the end, named by the first unused position; returns self.
        (A slice keeps its modules' names: seq[1:] holds '1' and '2', so the next is '3'.)"""
        k = len(self._modules)
        while str(k) in self._modules:
            k += 1
        self.add_module(str(k), module)
        return self

    def __len__(self) -> int:
        return len(self._items())

    def __iter__(self) -> Iterator[Module]:
        return iter([m for _, m in self._items()])

    def __getitem__(self, idx: int | slice) -> Any:
        items = self._items()
        if isinstance(idx, slice):
            return Sequential(OrderedDict(items[idx]))
        if not isinstance(idx, (int, np.integer)):
            raise TypeError(f"Sequential indices must be ints or slices, got {type(idx).__name__}")
        if not -len(items) <= idx < len(items):
            raise IndexError(f"Sequential: index {idx} out of range for {len(items)} modules")
        return items[idx][1]



class ModuleList(Module):
    """A list of Modules, each registered as a child under its position '0', '1', ...

    ModuleList(modules=None) takes any iterable of Modules. Indexing (negative too),
    slicing (a new ModuleList of the same modules, numbered from 0), assignment,
    `del` (of an index or a slice), len(), iteration, append, extend, insert, pop,
    `+` (a new ModuleList) and `+=` (extend) work as on a list and as in PyTorch; the
    children are renumbered after a deletion or an insertion, so the parameters of
    `self.layers = ModuleList([...])` are always named `layers.0.weight`, `layers.1.weight`,
    ... in list order. Anything but a Module raises TypeError. Calling a ModuleList
    raises NotImplementedError: it has no forward (iterate over it in yours).
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    forward = _not_callable

    # -- helpers ----------------------------------------------------------------------
    def _index(self, idx: Any, where: str) -> int:
        """idx as a position 0 <= i < len(self), or IndexError/TypeError."""
        i = _integer(idx, f"ModuleList.{where}: indices must be integers or slices")
        n = len(self._modules)
        if not -n <= i < n:
            raise IndexError(f"ModuleList.{where}: index {i} is out of range for {n} modules")
        return i + n if i < 0 else i

    @staticmethod
    def _check(module: Any, index: int, where: str) -> Module:
        if not isinstance(module, Module):
            raise TypeError(
                f"ModuleList.{where}: item {index} is a {type(module).__name__}, not a Module"
            )
        return module

    def _reset(self, modules: list[Module]) -> None:
        """Hold exactly `modules`, named '0', '1', ... (renumbering after a deletion or
        an insertion, as PyTorch does), in the registry and the instance __dict__."""
        _drop_children(self)
        d = self.__dict__
        for i, m in enumerate(modules):
            self._modules[str(i)] = m
            d[str(i)] = m
        modules_changed()

    # -- the list protocol ------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(list(self._modules.values()))

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return type(self)(list(self._modules.values())[idx])
        return self._modules[str(self._index(idx, "__getitem__"))]

    def __setitem__(self, idx: int, module: Module) -> None:
        if isinstance(idx, slice):
            raise TypeError("ModuleList.__setitem__: assigning to a slice is not supported; "
                            "assign each index, or build a new ModuleList")
        i = self._index(idx, "__setitem__")
        setattr(self, str(i), self._check(module, i, "__setitem__"))

    def __delitem__(self, idx: int | slice) -> None:
        mods = list(self._modules.values())
        if isinstance(idx, slice):
            del mods[idx]
        else:
            del mods[self._index(idx, "__delitem__")]
        self._reset(mods)

    def append(self, module: Module) -> ModuleList:
        """Add `module` at the end (named by its position); returns self."""
        n = len(self._modules)
        self.add_module(str(n), self._check(module, n, "append"))
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """Append every module of the iterable `modules`, in order; returns self.

        Nothing is added if one of them is not a Module."""
        if not isinstance(modules, Iterable):
            hint = "; use append for one module" if isinstance(modules, Module) else ""
            raise TypeError(f"ModuleList.extend: expected an iterable of Modules, got "
                            f"{type(modules).__name__}{hint}")
        n = len(self._modules)
        new = list(modules)
        for j, m in enumerate(new):
            self._check(m, n + j, "extend")
        for j, m in enumerate(new):
            self.add_module(str(n + j), m)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert `module` before position `index`, as list.insert.

        A negative index counts from the end, an out-of-range one goes to an end;
        the modules after it are renumbered."""
        i = _integer(index, "ModuleList.insert: index must be an integer")
        mods = list(self._modules.values())
        n = len(mods)
        pos = max(0, i + n) if i < 0 else min(i, n)
        mods.insert(pos, self._check(module, pos, "insert"))
        self._reset(mods)

    def pop(self, idx: int = -1) -> Module:
        """Remove and return the module at `idx` (the last by default); renumbers the rest."""
        mods = list(self._modules.values())
        m = mods.pop(self._index(idx, "pop"))
        self._reset(mods)
        return m

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        """A new ModuleList of this list's modules followed by other's (shared, not copied)."""
        if not isinstance(other, Iterable) or isinstance(other, (str, bytes, Mapping)):
            return NotImplemented
        combined = ModuleList(self)
        return combined.extend(other)

    def __dir__(self) -> list[str]:
        return [k for k in super().__dir__() if not k.isdigit()]


class ModuleDict(Module):
    """An ordered dict of Modules keyed by name, each registered as a child under its key.

    ModuleDict(modules=None) takes a mapping or an iterable of (key, module) pairs;
    keys keep insertion order. `d[key]`, `d[key] = module`, `del d[key]`, `key in d`,
    len(), iteration (over the keys), keys(), values(), items(), update(), pop(key) and
    clear() work as on a dict and as in PyTorch; parameters are named
    `<attribute>.<key>.weight`. A key must be a non-empty str without '.' that is not
    an attribute of the class (`forward`, `keys`, `training`, ...): anything else
    raises an error, as does a value that is not a Module. Calling a ModuleDict
    raises NotImplementedError: it has no forward.
    """

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    forward = _not_callable

    def _check(self, key: Any, module: Any, where: str) -> None:
        if not isinstance(key, str):
            raise TypeError(f"ModuleDict.{where}: keys must be str, got {type(key).__name__} {key!r}")
        if not key or "." in key:
            raise ValueError(f"ModuleDict.{where}: a key must be a non-empty string without '.', got {key!r}")
        if not isinstance(module, Module):
            raise TypeError(f"ModuleDict.{where}: the value for {key!r} is a {type(module).__name__}, "
                            "not a Module")
        self._refuse_shadowing(key, "_modules", f"ModuleDict.{where}")
        if key in self.__dict__ and key not in self._modules:  # (an instance attribute of a subclass)
            raise ValueError(f"ModuleDict.{where}: {type(self).__name__} already has an attribute "
                             f"{key!r}; choose another key")

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self._check(key, module, "__setitem__")
        setattr(self, key, module)

    def __delitem__(self, key: str) -> None:
        if key not in self._modules:
            raise KeyError(key)
        delattr(self, key)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._modules))

    def keys(self) -> list[str]:
        """The keys, in insertion order."""
        return list(self._modules.keys())

    def values(self) -> list[Module]:
        """The modules, in insertion order."""
        return list(self._modules.values())

    def items(self) -> list[tuple[str, Module]]:
        """(key, module) pairs, in insertion order."""
        return list(self._modules.items())

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        """Add or replace entries from a mapping or an iterable of (key, module) pairs.

        The mapping may be a dict or a ModuleDict; a replaced key keeps its place.
        Everything is checked before anything is added."""
        if isinstance(modules, (Mapping, ModuleDict)):
            pairs = list(modules.items())
        elif isinstance(modules, Iterable) and not isinstance(modules, (str, bytes, Module)):
            pairs = []
            for j, pair in enumerate(modules):
                if not isinstance(pair, (tuple, list)):
                    raise TypeError(f"ModuleDict.update: element {j} of the sequence is a "
                                    f"{type(pair).__name__}, not a (key, module) pair")
                if len(pair) != 2:
                    raise ValueError(f"ModuleDict.update: element {j} of the sequence has length "
                                     f"{len(pair)}; a (key, module) pair has 2")
                pairs.append((pair[0], pair[1]))
        else:
            raise TypeError(f"ModuleDict.update: expected a mapping or an iterable of (key, module) "
                            f"pairs, got {type(modules).__name__}")
        for k, m in pairs:
            self._check(k, m, "update")
        for k, m in pairs:
            setattr(self, k, m)

    def pop(self, key: str) -> Module:
        """Remove the entry `key` and return its module (KeyError if there is none)."""
        m = self[key]
        del self[key]
        return m

    def clear(self) -> None:
        """Remove every entry."""
        _drop_children(self)
        modules_changed()


def _as_parameter(value: Any, where: str) -> Parameter:
    """A Parameter as is; a Tensor or an ndarray wrapped in one (as PyTorch's containers
    wrap a plain tensor); anything else TypeError."""
    if isinstance(value, Parameter):
        return value
    if isinstance(value, (Tensor, np.ndarray)):
        return Parameter(value)
    raise TypeError(f"{where}: expected a Parameter (or a Tensor to wrap in one), got {type(value).__name__}")


def _parameter_lines(container: Module, lines: list[str], indent: str, head: str, key: Any) -> None:
    """PyTorch's repr of a ParameterList/ParameterDict: one line per parameter."""
    name = type(container).__name__
    items = [(k, p) for k, p in container._parameters.items() if p is not None]
    if not items:
        lines.append(f"{indent}{head}{name}()")
        return
    lines.append(f"{indent}{head}{name}(")
    for k, p in items:
        size = "x".join(map(str, p.shape)) or "()"
        lines.append(f"{indent}    ({key(k)}): Parameter containing: [{p.dtype} of size {size}]")
    lines.append(f"{indent})")


class ParameterList(Module):
    """A list of Parameters, each registered under its position '0', '1', ... (so in
    parameters() and state_dict() as 'name.0', 'name.1'), as PyTorch's ParameterList.

    ParameterList(values=None) takes an iterable; a Tensor or ndarray is wrapped in a
    Parameter, anything else raises TypeError. Indexing (negative too), slicing (a new
    ParameterList of the same parameters), item assignment, len(), iteration, append and
    extend work as on a list. It has no forward.
    """

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        if values is not None:
            self.extend(values)

    forward = _not_callable

    def _index(self, idx: Any, where: str) -> int:
        i = _integer(idx, f"ParameterList.{where}: indices must be integers or slices")
        n = len(self._parameters)
        if not -n <= i < n:
            raise IndexError(f"ParameterList.{where}: index {i} is out of range for {n} parameters")
        return i + n if i < 0 else i

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Parameter]:
        return iter(list(self._parameters.values()))

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return type(self)(list(self._parameters.values())[idx])
        return self._parameters[str(self._index(idx, "__getitem__"))]

    def __setitem__(self, idx: int, value: Any) -> None:
        i = self._index(idx, "__setitem__")
        setattr(self, str(i), _as_parameter(value, "ParameterList.__setitem__"))

    def append(self, value: Any) -> ParameterList:
        """Add a parameter at the end (named by its position); returns self."""
        self.register_parameter(str(len(self._parameters)), _as_parameter(value, "ParameterList.append"))
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        """Append every item of `values`, in order (nothing is added if one is refused); returns self."""
        if not isinstance(values, Iterable) or isinstance(values, (Tensor, np.ndarray)):
            raise TypeError(f"ParameterList.extend: expected an iterable of Parameters, got "
                            f"{type(values).__name__}; use append for one")
        new = [_as_parameter(v, "ParameterList.extend") for v in values]
        for p in new:
            self.append(p)
        return self

    def __iadd__(self, values: Iterable[Any]) -> ParameterList:
        return self.extend(values)

    def __dir__(self) -> list[str]:
        return [k for k in super().__dir__() if not k.isdigit()]

    def _repr_lines(self, lines: list[str], indent: str, head: str, above: tuple = ()) -> None:
        _parameter_lines(self, lines, indent, head, str)


class ParameterDict(Module):
    """An ordered dict of Parameters, each registered under its key (so in parameters() and
    state_dict() as 'name.key'), as PyTorch's ParameterDict.

    ParameterDict(parameters=None) takes a mapping, another ParameterDict or an iterable of
    (key, value) pairs; a
    Tensor or ndarray is wrapped in a Parameter. Keys are strings without '.' that are not
    attributes of the class ('keys', 'training', ...): ValueError otherwise. d[key],
    d[key] = p, del d[key], `in`, len(), iteration over keys, reversed(), keys(), values(),
    items(), get(), setdefault(), update(), pop(), popitem(), copy() (the same Parameters),
    clear(), fromkeys() and | and |= work as on a dict. It has no forward.
    """

    def __init__(self, parameters: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None) -> None:
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    forward = _not_callable

    def __getitem__(self, key: str) -> Parameter:
        if key not in self._parameters:
            raise KeyError(key)
        return self._parameters[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.register_parameter(key, _as_parameter(value, f"ParameterDict[{key!r}]"))

    def __delitem__(self, key: str) -> None:
        if key not in self._parameters:
            raise KeyError(key)
        del self._parameters[key]
        self.__dict__.pop(key, None)
        modules_changed()

    def __contains__(self, key: object) -> bool:
        return key in self._parameters

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._parameters))

    def keys(self) -> list[str]:
        """The keys, in insertion order."""
        return list(self._parameters)

    def values(self) -> list[Parameter]:
        """The parameters, in insertion order."""
        return list(self._parameters.values())

    def items(self) -> list[tuple[str, Parameter]]:
        """(key, parameter) pairs, in insertion order."""
        return list(self._parameters.items())

    def update(self, parameters: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> None:
        """Add or replace the entries of a mapping, of another ParameterDict or of an iterable
        of (key, value) pairs."""
        # (a ParameterDict is no Mapping, and iterating one gives its keys, as a dict's)
        mapping = isinstance(parameters, (Mapping, ParameterDict))
        pairs = list(parameters.items()) if mapping else [tuple(kv) for kv in parameters]
        for kv in pairs:
            if len(kv) != 2:
                raise ValueError(f"ParameterDict.update: expected (key, value) pairs, got an item of length {len(kv)}")
        for k, v in pairs:
            self[k] = v

    def pop(self, key: str) -> Parameter:
        """Remove the entry `key` and return its parameter."""
        p = self[key]
        del self[key]
        return p

    def clear(self) -> None:
        """Remove every entry."""
        for k in list(self._parameters):
            del self[k]

    def get(self, key: str, default: Any = None) -> Any:
        """The parameter under `key`, else `default` (as dict.get)."""
        return self._parameters[key] if key in self._parameters else default

    def setdefault(self, key: str, default: Any = None) -> Parameter:
        """The parameter under `key`; if there is none, `default` (wrapped in a Parameter
        as by d[key] = default) is set first (as dict.setdefault)."""
        if key not in self._parameters:
            self[key] = default
        return self._parameters[key]

    def popitem(self) -> tuple[str, Parameter]:
        """Remove the last inserted entry and return (key, parameter); KeyError if empty."""
        if not self._parameters:
            raise KeyError("popitem(): ParameterDict is empty")
        key = next(reversed(self._parameters))
        return key, self.pop(key)

    def copy(self) -> ParameterDict:
        """A new ParameterDict holding the same Parameter objects (not copies of them)."""
        return ParameterDict(self.items())

    @classmethod
    def fromkeys(cls, keys: Iterable[str], default: Any = None) -> ParameterDict:
        """A new ParameterDict with every key set to `default` (one Parameter shared by all
        of them, as PyTorch's)."""
        default = _as_parameter(default, "ParameterDict.fromkeys")
        return cls((k, default) for k in keys)

    def __reversed__(self) -> Iterator[str]:
        return iter(list(self._parameters)[::-1])

    def __or__(self, other: Any) -> ParameterDict:
        if not isinstance(other, (Mapping, ParameterDict)):
            return NotImplemented
        out = self.copy()
        out.update(other)
        return out

    def __ror__(self, other: Any) -> ParameterDict:
        if not isinstance(other, (Mapping, ParameterDict)):
            return NotImplemented
        out = ParameterDict(other)
        out.update(self)
        return out

    def __ior__(self, other: Any) -> ParameterDict:
        self.update(other)
        return self

    def _repr_lines(self, lines: list[str], indent: str, head: str, above: tuple = ()) -> None:
        _parameter_lines(self, lines, indent, head, str)
