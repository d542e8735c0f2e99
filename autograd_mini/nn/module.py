"""Module and Parameter: the containers that hold a network's state.

A `Module` owns three ordered registries, filled by plain attribute assignment:

    self.weight = Parameter(...)      -> a parameter (trained, in state_dict)
    self.register_buffer("running_mean", am.zeros(n))
                                      -> a buffer (in state_dict, not trained)
    self.fc = Linear(2, 3)            -> a child module (walked recursively)

Any other value, a plain (non-Parameter) Tensor included, is an ordinary
attribute and is not registered (but a registered parameter's or child's name
takes only a Parameter, a Module or None: any other value raises TypeError, as in
PyTorch, while a Parameter or a Module moves the name to its own registry, where
PyTorch would refuse it too; a list, tuple or dict of Modules or
Parameters that the module does not otherwise hold warns: nothing would train
them: nn.ModuleList and nn.ModuleDict are the containers that register them).
Registered values are also kept in the instance `__dict__`, so reading
`self.weight` inside `forward` is an ordinary attribute lookup: module calls sit on the training hot path.

State dicts map dotted names (`0.weight`, `features.1.running_var`) to ndarray
COPIES of the parameters and buffers, so a saved dict never changes when
training goes on. `load_state_dict` checks everything first and then copies the
values into the existing arrays in place, so optimizers holding the parameters
keep working.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from typing import Any, Callable, Iterator, Mapping, NamedTuple

import numpy as np

from ..engine import _mode, changed_in_place, modules_changed, tracers
from ..tensor import Tensor, _Device, _check_device, _flag, _to_array, get_default_dtype
from .backward_hooks import BackwardCall


class Parameter(Tensor):
    """A Tensor that a Module registers as trainable; requires_grad=True by default.

    Parameter(data, requires_grad=True): from a Tensor the array is shared (as
    PyTorch's Parameter shares storage); anything else is copied into a new
    array. Integer or boolean data becomes the default floating dtype.
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            arr = np.empty((0,), dtype=get_default_dtype())
        elif isinstance(data, Tensor):
            arr = data.data
        else:
            arr = _to_array(data, None, "Parameter")
        if arr.dtype.kind not in "fc":
            arr = arr.astype(get_default_dtype())
        self.data = arr
        self._grad = None
        self.requires_grad = _flag(requires_grad, "requires_grad", "Parameter")
        self.grad_fn = None
        self.name = None
        if tracers:
            tracers[-1].tensor_made(self)

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Parameter(")
        extra = f", dtype={self.dtype}" + (", requires_grad=True" if self.requires_grad else "")
        return f"Parameter({body}{extra})"


class IncompatibleKeys(NamedTuple):
    """What `load_state_dict(strict=False)` skipped."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class RemovableHandle:
    """What the register_*_hook methods return: .remove() unregisters the hook (a
    second call does nothing); also a context manager."""

    _next_id = 0

    def __init__(self, module: Module, kind: int) -> None:
        RemovableHandle._next_id += 1
        self.id = RemovableHandle._next_id
        self._module: Module | None = module
        self._kind = kind

    def remove(self) -> None:
        m, self._module = self._module, None
        if m is None:
            return
        hooks = m.__dict__.get("_forward_hooks_all")
        if hooks and hooks[self._kind].pop(self.id, None) is not None:
            if not any(hooks):  # (the last one: back to the class's fast "none")
                del m.__dict__["_forward_hooks_all"]
            modules_changed()

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()


# The instance attributes Module.__init__ sets: no parameter, buffer or child may take their names.
_OWN_ATTRIBUTES = frozenset(("training", "_parameters", "_buffers", "_modules"))


class Module:
    """Base class of layers and models: subclass it and define `forward`.

    Calling the module runs `forward` inside `engine.scope(self)`, so every
    node recorded by the forward knows which module made it (graph drawings
    cluster by it). `training` is True after construction; `train()` and
    `eval()` set it recursively and return the module.
    """

    training: bool

    def __init__(self) -> None:
        d = self.__dict__
        d["_parameters"] = OrderedDict()
        d["_buffers"] = OrderedDict()
        d["_modules"] = OrderedDict()
        d["training"] = True

    # -- calling ------------------------------------------------------------------
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The module's computation; subclasses define it (call the module, not forward)."""
        raise NotImplementedError(f"{type(self).__name__} has no forward(); define one in the subclass")

    # The forward pre-hooks, forward hooks, backward pre-hooks and backward hooks, each an
    # id -> hook dict. The class's empty tuple stands for "none" until a register_*_hook gives
    # the instance its own entry: __call__ then pays one attribute read for hooks (it runs
    # once per layer per step).
    _forward_hooks_all: Any = ()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """forward(*args, **kwargs), with the nodes it records tagged by this module
        (and the forward pre-hooks and forward hooks around it, if any were registered)."""
        if self._forward_hooks_all:
            return self._call_with_hooks(args, kwargs)
        # Same effect as `with engine.scope(self):`, inlined because a model
        # call happens once per layer per training step.
        prev = _mode.scope
        _mode.scope = prev + (self,)
        try:
            return self.forward(*args, **kwargs)
        finally:
            _mode.scope = prev

    def _call_with_hooks(self, args: tuple, kwargs: dict) -> Any:
        """__call__ for a module with hooks: pre-hooks, forward, hooks, as PyTorch runs them."""
        if tracers:
            # (a replay of the tape runs the recorded primitives only: a hook that keeps or
            # prints activations would run once, while recording, and never see a replay's)
            raise RuntimeError(
                f"{type(self).__name__} has hooks, which am.compile cannot replay (a "
                "replay runs the recorded operations, not Python hooks): remove them "
                "(handle.remove()) or call the model uncompiled"
            )
        pre, post, backward_pre, backward = self._forward_hooks_all
        if not any(entry[2] for entry in post.values()):
            return self._run_hooks(pre, post, backward_pre, backward, args, kwargs, [None, args, kwargs], set())
        # always_call=True hooks (PyTorch's): if anything from the first pre-hook to the last
        # forward hook raises (an Exception), those of them that have not run yet run with
        # the args, kwargs and output (None if forward raised) reached so far; an exception
        # one of them raises then is turned into a warning, and the first one propagates.
        state: list = [None, args, kwargs]
        called: set = set()
        try:
            return self._run_hooks(pre, post, backward_pre, backward, args, kwargs, state, called)
        except Exception:
            result, args, kwargs = state
            for hook_id, (hook, with_kwargs, always_call) in list(post.items()):
                if not always_call or hook_id in called:
                    continue
                try:
                    r = hook(self, args, kwargs, result) if with_kwargs else hook(self, args, result)
                    if r is not None:
                        result = r
                except Exception as e:
                    warnings.warn(
                        f"{type(self).__name__}: a forward hook with always_call=True raised an "
                        f"exception, silenced because forward (or another hook) had raised one "
                        f"first: {e}", stacklevel=2)
            raise

    def _run_hooks(self, pre: Any, post: Any, backward_pre: Any, backward: Any, args: tuple,
                   kwargs: dict, state: list, called: set) -> Any:
        """Pre-hooks, forward, hooks; `state` follows [output, args, kwargs] and `called`
        the ids of the forward hooks started, for the always_call hooks if one raises."""
        for hook, with_kwargs, _ in list(pre.values()):
            if with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError(
                            f"{type(self).__name__}: a forward pre-hook registered with_kwargs=True must "
                            f"return None or a tuple (new_args, new_kwargs), got {type(result).__name__}")
                    args, kwargs = result
                    state[1:] = args, kwargs
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
                    state[1] = args
        call = None
        if (backward_pre or backward) and _mode.grad_enabled:
            call = BackwardCall(self, {k: h for k, (h, _, _) in backward_pre.items()},
                                {k: h for k, (h, _, _) in backward.items()}, args)
            args = call.route_inputs(args)
            state[1] = args
        prev = _mode.scope
        _mode.scope = prev + (self,)
        try:
            out = self.forward(*args, **kwargs)
        finally:
            _mode.scope = prev
        state[0] = out
        for hook_id, (hook, with_kwargs, _) in list(post.items()):
            called.add(hook_id)
            result = hook(self, args, kwargs, out) if with_kwargs else hook(self, args, out)
            if result is not None:
                out = state[0] = result
        return out if call is None else call.route_outputs(out)

    def _add_hook(self, kind: int, hook: Callable, where: str, prepend: Any, with_kwargs: Any,
                  always_call: Any = False) -> RemovableHandle:
        if not callable(hook):
            raise TypeError(f"{where}: hook must be callable, got {type(hook).__name__}")
        prepend, with_kwargs = _flag(prepend, "prepend", where), _flag(with_kwargs, "with_kwargs", where)
        always_call = _flag(always_call, "always_call", where)
        d = self.__dict__
        if not self._forward_hooks_all:
            d["_forward_hooks_all"] = (OrderedDict(), OrderedDict(), OrderedDict(), OrderedDict())
        handle = RemovableHandle(self, kind)
        hooks = d["_forward_hooks_all"][kind]
        hooks[handle.id] = (hook, with_kwargs, always_call)
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        modules_changed()  # (compiled functions record again: what a call does has changed)
        return handle

    def register_forward_pre_hook(self, hook: Callable[..., Any], *, prepend: bool = False,
                                  with_kwargs: bool = False) -> RemovableHandle:
        """Call hook(module, args) before every forward, as PyTorch does: args is the tuple
        of positional arguments (keyword arguments are passed to forward untouched); a
        return value other than None replaces args (a non-tuple is wrapped in a 1-tuple).
        With with_kwargs=True it is hook(module, args, kwargs) instead, returning None or
        a tuple (new_args, new_kwargs). Hooks run in registration order; prepend=True puts
        this one first. Returns a handle whose .remove() unregisters it.
        A module with hooks cannot be called under am.compile (RuntimeError)."""
        return self._add_hook(0, hook, "register_forward_pre_hook", prepend, with_kwargs)

    def register_forward_hook(self, hook: Callable[..., Any], *, prepend: bool = False,
                              with_kwargs: bool = False, always_call: bool = False) -> RemovableHandle:
        """Call hook(module, args, output) after every forward, as PyTorch does: a return
        value other than None replaces the output (for the next hooks and the caller).
        With with_kwargs=True it is hook(module, args, kwargs, output) (kwargs: the keyword
        arguments forward got). Hooks run in registration order; prepend=True puts this one
        first. Returns a handle whose .remove() unregisters it.
        With always_call=True (PyTorch's) the hook also runs when the call raises an
        Exception (in forward, a pre-hook or a forward hook) before it ran: it gets
        output=None if forward raised (else the output so far), and the args (and kwargs)
        as the pre-hooks left them; then the exception propagates. An exception the hook
        raises then is only warned about (UserWarning).
        A module with hooks cannot be called under am.compile (RuntimeError)."""
        return self._add_hook(1, hook, "register_forward_hook", prepend, with_kwargs, always_call)

    def register_full_backward_pre_hook(self, hook: Callable[..., Any], *, prepend: bool = False) -> RemovableHandle:
        """Call hook(module, grad_output) when backward reaches this module's outputs, as
        PyTorch does: grad_output is a tuple with one entry per output (the gradient of
        the loss with respect to it, or None for one that does not require grad). A
        return value other than None (a tuple of the same length) replaces grad_output
        before it flows into the module. Returns a handle whose .remove() unregisters it.
        The module's outputs that require grad must share one dtype."""
        return self._add_hook(2, hook, "register_full_backward_pre_hook", prepend, False)

    def register_full_backward_hook(self, hook: Callable[..., Any], *, prepend: bool = False) -> RemovableHandle:
        """Call hook(module, grad_input, grad_output) once backward has computed the
        gradients with respect to this module's inputs, as PyTorch does: grad_input has
        one entry per positional argument of the call (None for one that is not a
        tensor requiring grad), grad_output one per output. A return value other than
        None (a tuple like grad_input) replaces grad_input before it flows on. With no
        input requiring grad it runs when grad_output is known, with grad_input all None.
        Each call of the module routes its inputs and outputs through one recorded node
        each (a concatenation when there are several), which the hooks sit on; see
        nn/backward_hooks.py. Returns a handle whose .remove() unregisters it."""
        return self._add_hook(3, hook, "register_full_backward_hook", prepend, False)

    # -- registration -------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        if "_parameters" not in d:
            raise AttributeError(
                f"cannot assign {name!r} before Module.__init__() ran; "
                "call super().__init__() first in your __init__"
            )
        params, buffers, modules = d["_parameters"], d["_buffers"], d["_modules"]
        if isinstance(value, Parameter):
            buffers.pop(name, None)
            modules.pop(name, None)
            params[name] = value
        elif isinstance(value, Module):
            params.pop(name, None)
            buffers.pop(name, None)
            modules[name] = value
        elif name in params:
            if value is not None:
                raise TypeError(
                    f"{type(self).__name__}: cannot assign a {type(value).__name__} to parameter "
                    f"{name!r}; wrap it in nn.Parameter, write into .data, or assign None"
                )
            params[name] = None  # (the slot stays, as in PyTorch: a later value is a parameter again)
        elif name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"{type(self).__name__}: buffer {name!r} must be a Tensor or None, "
                    f"got {type(value).__name__}"
                )
            buffers[name] = value  # (None keeps the slot: a Tensor assigned later is a buffer again)
        elif name in modules:
            if value is not None:  # (PyTorch refuses too: the child would vanish from the model)
                raise TypeError(
                    f"{type(self).__name__}: cannot assign a {type(value).__name__} to child module "
                    f"{name!r}; assign a Module, or None to remove it"
                )
            # The slot stays (as in PyTorch, and as for a parameter): a Module assigned
            # later takes the child's old place, so a Sequential keeps its order.
            modules[name] = None
        else:
            if type(value) in (list, tuple, dict):
                self._warn_unregistered(name, value)
            elif (type(value) is Tensor and value.requires_grad and value.grad_fn is None
                  and self not in _mode.scope):
                # (a leaf made with requires_grad=True: meant as a weight, never trained; not
                # inside the module's own call, where it is an input kept, as saliency code does)
                warnings.warn(
                    f"{type(self).__name__}: attribute {name!r} is a Tensor that requires grad but "
                    f"is not a Parameter: it is not in parameters() (an optimizer will not train "
                    f"it) or state_dict(); wrap it as nn.Parameter(...), or register_buffer it if "
                    f"it is not trained",
                    UserWarning, stacklevel=2,
                )
        object.__setattr__(self, name, value)
        modules_changed()

    def __getattr__(self, name: str) -> Any:
        # Only reached when ordinary lookup fails (never on the hot path): say why a
        # subclass whose __init__ skipped super().__init__() has no registries.
        if name in _OWN_ATTRIBUTES and "_parameters" not in self.__dict__:
            raise AttributeError(
                f"{type(self).__name__} has no {name!r}: Module.__init__() never ran; "
                f"call super().__init__() first in {type(self).__name__}.__init__"
            )
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _warn_unregistered(self, name: str, value: list | tuple | dict) -> None:
        """Warn when a list, tuple or dict attribute holds Modules or Parameters that this
        module does not otherwise hold: they would be silently left out of parameters()
        (so never trained), state_dict() and train()/eval(). (A list of layers this
        module also holds as attributes, kept for iterating, is fine.)"""
        items = value.values() if isinstance(value, dict) else value
        loose = [v for v in items if isinstance(v, (Module, Parameter))]
        if loose:  # (the tree is walked only for a container that holds some)
            held = {id(m) for m in self.modules()} | {id(p) for p in self.parameters()}
            loose = [v for v in loose if id(v) not in held]
        if loose:
            kinds = sorted({"Parameters" if isinstance(v, Parameter) else "Modules" for v in loose})
            container = "nn.ModuleDict" if isinstance(value, dict) else "nn.ModuleList"
            pcontainer = "nn.ParameterDict" if isinstance(value, dict) else "nn.ParameterList"
            if kinds == ["Modules"]:
                fix = f"hold them in an {container} (or nn.Sequential), or assign each one as an attribute of its own"
            elif kinds == ["Parameters"]:
                fix = f"hold them in an {pcontainer}, or assign each one as an attribute of its own"
            else:
                fix = (f"hold the Modules in an {container} and the Parameters in an {pcontainer}, "
                       "or assign each one as an attribute of its own")
            warnings.warn(
                f"{type(self).__name__}: attribute {name!r} is a {type(value).__name__} holding "
                f"{len(loose)} {' and '.join(kinds)} that are not registered: they are not in "
                f"parameters() (an optimizer will not train them), state_dict() or train()/eval(); {fix}",
                UserWarning, stacklevel=3,
            )

    def __delattr__(self, name: str) -> None:
        for registry in (self._parameters, self._buffers, self._modules):
            registry.pop(name, None)
        object.__delattr__(self, name)
        modules_changed()

    def register_buffer(self, name: str, tensor: Tensor | None) -> None:
        """Register a non-trainable tensor (e.g. running statistics) under `name`.

        Buffers are saved in `state_dict()` and moved by `to()`, but are not
        returned by `parameters()`. None empties the buffer: it leaves state_dict()
        and buffers(), and a Tensor assigned to the name later is the buffer again
        (as in PyTorch; `del module.name` forgets the name).
        """
        if not isinstance(name, str) or not name or "." in name:
            raise ValueError(f"register_buffer: name must be a non-empty string without '.', got {name!r}")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer: {name!r} must be a Tensor or None, got {type(tensor).__name__}")
        self._refuse_shadowing(name, "_buffers", "register_buffer")
        self._buffers[name] = tensor  # (None keeps the slot, as in PyTorch, out of state_dict())
        object.__setattr__(self, name, tensor)
        modules_changed()

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register `param` under `name` (the same as assigning the attribute). None keeps
        the name as an empty parameter (left out of parameters() and state_dict()), to which
        only a Parameter or None may be assigned later, as in PyTorch (Linear(bias=False))."""
        if not isinstance(name, str) or not name or "." in name:
            raise ValueError(f"register_parameter: name must be a non-empty string without '.', got {name!r}")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: {name!r} must be a Parameter or None, got {type(param).__name__}")
        self._refuse_shadowing(name, "_parameters", "register_parameter")
        if param is None:  # (the slot is kept, as in PyTorch: only a Parameter or None may fill it)
            self._parameters[name] = None
            object.__setattr__(self, name, None)
            modules_changed()
        else:
            setattr(self, name, param)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register a child module under `name` (any string without '.', e.g. '0'). None
        empties the slot: a Module added under the name later takes the same place."""
        if not isinstance(name, str) or not name or "." in name:
            raise ValueError(f"add_module: name must be a non-empty string without '.', got {name!r}")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {name!r} must be a Module, got {type(module).__name__}")
        self._refuse_shadowing(name, "_modules", "add_module")
        if module is None:  # (an empty slot, as assigning None leaves one)
            self._modules[name] = None
            object.__setattr__(self, name, None)
            modules_changed()
        else:
            setattr(self, name, module)

    def _refuse_shadowing(self, name: str, registry: str, where: str) -> None:
        """Refuse a name that the class uses (a method such as `forward` or `train`), the
        `training` flag, a registry itself (`_buffers`), or an entry of another registry:
        registering under it would replace that attribute silently (a child named 'forward'
        would become the module's whole computation). PyTorch refuses these names too."""
        d = self.__dict__
        if "_parameters" not in d:  # (before Module.__init__: let __setattr__ say so)
            return
        if name in d[registry]:
            return
        kind = next((k for r, k in (("_parameters", " (a parameter)"), ("_buffers", " (a buffer)"),
                                    ("_modules", " (a submodule)")) if r != registry and name in d[r]), None)
        if kind is not None or hasattr(type(self), name) or name in _OWN_ATTRIBUTES:
            raise ValueError(
                f"{where}: {type(self).__name__} already has an attribute {name!r}{kind or ''}; "
                "choose another name"
            )

    # -- walking the tree -----------------------------------------------------------
    def named_modules(self, prefix: str = "", remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """(dotted name, module) for this module ('' by default) and all descendants,
        depth first in registration order. A module reachable under several names
        is listed once, unless remove_duplicate=False."""
        seen: set[int] = set()
        on_path: set[int] = set()  # (remove_duplicate=False: the modules above the current one)
        path_ids: list[int] = []
        stack: list[tuple[str, Module | None]] = [(prefix, self)]
        while stack:
            name, m = stack.pop()
            if m is None:  # (leaving the module named `name`)
                on_path.discard(path_ids.pop())
                continue
            if remove_duplicate:
                if id(m) in seen:
                    continue
                seen.add(id(m))
            elif id(m) in on_path:
                # (a module holding one of its ancestors, e.g. a child keeping a back-reference
                # to its owner as an attribute, would list names forever: state_dict() hung)
                raise ValueError(
                    f"named_modules: the module at {name!r} ({type(m).__name__}) is one of its own "
                    "ancestors: the module tree has a cycle; keep a back-reference out of the "
                    "registry with object.__setattr__(self, name, module)"
                )
            yield name, m
            if not remove_duplicate:
                on_path.add(id(m))
                path_ids.append(id(m))
                stack.append((name, None))
            children = [(f"{name}.{k}" if name else k, c) for k, c in m._modules.items() if c is not None]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        """This module and all its descendants (depth first)."""
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """(name, module) of the direct children, in registration order; a child
        registered under several names is listed once, under its first."""
        seen: set[int] = set()
        children = []
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                children.append((name, m))
        return iter(children)

    def children(self) -> Iterator[Module]:
        """The direct child modules, in registration order, each once."""
        return (m for _, m in self.named_children())

    def _named_members(self, registry: str, prefix: str, recurse: bool) -> Iterator[tuple[str, Tensor]]:
        seen: set[int] = set()
        walk = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        for mname, m in walk:
            for k, v in getattr(m, registry).items():
                if v is None or id(v) in seen:
                    continue
                seen.add(id(v))
                yield (f"{mname}.{k}" if mname else k), v

    def named_parameters(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, Parameter), e.g. ('0.weight', ...) in a Sequential.

        Order: a module's own parameters in assignment order, then each child's
        in registration order. A parameter shared by several modules is listed once.
        """
        return self._named_members("_parameters", prefix, recurse)  # type: ignore[return-value]

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """The parameters, in the order of `named_parameters()` (what optimizers take)."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Tensor]]:
        """(dotted name, buffer tensor), in the same order as `named_parameters()`."""
        return self._named_members("_buffers", prefix, recurse)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """The buffers (e.g. batch norm's running statistics), in the order of `named_buffers()`."""
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call fn(m) on every module of the tree once, as PyTorch orders it: each
        module's children (in registration order, each with its own subtree) before
        the module itself, self last; returns self."""
        order: list[Module] = []
        seen: set[int] = set()
        stack: list[tuple[Module, bool]] = [(self, False)]
        while stack:  # (iterative: a post-order walk without recursion)
            m, children_done = stack.pop()
            if children_done:
                order.append(m)
            elif id(m) not in seen:
                seen.add(id(m))
                stack.append((m, True))
                stack.extend((c, False) for c in reversed(list(m._modules.values())) if c is not None)
        for m in order:
            fn(m)
        return self

    # -- modes and gradients --------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Set `training` on this module and every descendant; returns self.
        (Compiled functions record again only if some module's mode changed.)"""
        mode = _flag(mode, "mode", "train")  # (np.True_ too, as every other flag; a plain bool is stored)
        changed = False
        for m in self.modules():
            d = m.__dict__
            if d.get("training") is not mode:
                d["training"] = mode
                changed = True
        if changed:  # (a loop calling model.train() every step keeps its compiled tapes)
            modules_changed()
        return self

    def eval(self) -> Module:
        """Evaluation mode (dropout off, batch norm uses running statistics); returns self."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set requires_grad on every parameter (False freezes them: backward leaves
        their .grad alone and optimizers skip them); returns self."""
        if not isinstance(requires_grad, (bool, np.bool_)):
            raise TypeError(f"requires_grad_: expected a bool, got {requires_grad!r}")
        requires_grad = bool(requires_grad)
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients of all parameters: `.grad` becomes None (or, with
        set_to_none=False, zeros of the parameter's shape where there was a gradient:
        a frozen parameter's None stays None, so optimizers still skip it)."""
        _flag(set_to_none, "set_to_none", "zero_grad")
        for p in self.parameters():
            if set_to_none:
                p._grad = None
            elif p._grad is not None:
                # Fresh zeros rather than writing into .grad: a gradient array may
                # be a read-only view or shared with another tensor.
                p._grad = Tensor._wrap(np.zeros_like(p.data))

    def to(self, *args: Any, dtype: Any = None, device: Any = None) -> Module:
        """Convert floating parameters and buffers to `dtype` (in place); returns self.

        PyTorch's forms: to(dtype), to(device), to(device, dtype), keywords dtype= and
        device=. The only device is 'cpu' (or 'cpu:0', am.device('cpu'); nothing moves); any
        other is refused with a ValueError. The Parameter objects stay the same (their `.data` is
        replaced), but their gradients are dropped; convert before creating an optimizer.
        """
        name = type(self).__name__
        for a in args:
            if device is None and (isinstance(a, _Device) or isinstance(a, str) and not _names_dtype(a)):
                # ('float64' is a dtype)
                device = a
            elif dtype is None:
                dtype = a
            else:
                raise TypeError(f"{name}.to: expected (device, dtype), got {args!r}")
        _check_device(device, f"{name}.to")
        if dtype is None:
            return self
        try:
            dt = np.dtype(dtype)
        except TypeError:  # (numpy's own message names neither `to` nor the module)
            raise TypeError(
                f"{name}.to: expected a floating dtype (np.float32, 'float64'), got "
                f"{dtype!r}; arrays here are numpy's, on the CPU, so there is no device to move to"
            ) from None
        if dt.kind != "f":
            raise TypeError(f"{type(self).__name__}.to: expected a floating dtype, got {dt}")
        for t in list(self.parameters()) + list(self.buffers()):
            if t.dtype.kind == "f" and t.dtype != dt:
                t.data = t.data.astype(dt)
                t._grad = None
        return self

    def float(self) -> Module:
        """Floating parameters and buffers to float32, as to(np.float32); returns self."""
        return self.to(np.float32)

    def double(self) -> Module:
        """Floating parameters and buffers to float64, as to(np.float64); returns self."""
        return self.to(np.float64)

    def half(self) -> Module:
        """Floating parameters and buffers to float16, as to(np.float16); returns self."""
        return self.to(np.float16)

    # -- looking up by dotted name ------------------------------------------------------
    def get_submodule(self, target: str) -> Module:
        """The descendant named `target` ("encoder.0"; "" is self), as PyTorch's;
        AttributeError naming the missing part otherwise."""
        if not isinstance(target, str):
            raise TypeError(f"get_submodule: target must be a dotted name (str), got {type(target).__name__}")
        m: Module = self
        if not target:
            return m
        path = ""
        for part in target.split("."):
            child = m._modules.get(part)
            if child is None:
                raise AttributeError(
                    f"get_submodule({target!r}): {type(m).__name__}{' ' + repr(path) if path else ''} "
                    f"has no submodule {part!r} (it has: {', '.join(k for k, v in m._modules.items() if v is not None) or 'none'})"
                )
            m = child
            path = f"{path}.{part}" if path else part
        return m

    def get_parameter(self, target: str) -> Parameter:
        """The parameter named `target` ("encoder.0.weight"), as PyTorch's; AttributeError
        if the module path or the parameter does not exist."""
        return self._get_registered(target, "_parameters", "parameter")

    def get_buffer(self, target: str) -> Tensor:
        """The buffer named `target` ("bn.running_mean"), as PyTorch's; AttributeError
        if the module path or the buffer does not exist."""
        return self._get_registered(target, "_buffers", "buffer")

    def _get_registered(self, target: str, registry: str, kind: str) -> Any:
        if not isinstance(target, str):
            raise TypeError(f"get_{kind}: target must be a dotted name (str), got {type(target).__name__}")
        mod_path, _, name = target.rpartition(".")
        m = self.get_submodule(mod_path)
        entries = getattr(m, registry)
        found = entries.get(name)
        if found is None:
            raise AttributeError(
                f"get_{kind}({target!r}): {type(m).__name__} has no {kind} {name!r} "
                f"(it has: {', '.join(k for k, v in entries.items() if v is not None) or 'none'})"
            )
        return found

    def register_module(self, name: str, module: Module | None) -> None:
        """PyTorch's alias of add_module."""
        self.add_module(name, module)

    # -- state dicts ------------------------------------------------------------------
    def _state_items(self) -> Iterator[tuple[str, Tensor]]:
        # Shared tensors appear under every name (as in PyTorch), so a state
        # dict can be loaded into a model that does not share them.
        for mname, m in self.named_modules(remove_duplicate=False):
            for registry in (m._parameters, m._buffers):
                for k, v in registry.items():
                    if v is not None:
                        yield (f"{mname}.{k}" if mname else k), v

    def state_dict(self) -> OrderedDict[str, np.ndarray]:
        """Every parameter and buffer by dotted name, as independent ndarray copies.

        Copies (not Tensors, not views) so that the dict is a snapshot: later
        training does not change it, and it saves directly with numpy.
        """
        return OrderedDict((k, v.data.copy()) for k, v in self._state_items())

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy `state_dict` values (ndarrays, Tensors or nested lists) into this module.

        Everything is checked first; if anything is wrong, a single ValueError
        lists every missing key, unexpected key, shape mismatch, impossible
        dtype conversion and shared (tied) tensor given two different values,
        and nothing is modified. With strict=False missing and
        unexpected keys are allowed (and returned), shape errors are not.
        The values are copied into the existing arrays in place, so optimizers
        that hold the parameters keep working.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"load_state_dict: expected a mapping of names to arrays, got {type(state_dict).__name__}")
        # (not by truthiness: strict=None loaded a state dict with missing keys, strict="no" refused it)
        strict = _flag(strict, "strict", "load_state_dict")
        own = OrderedDict(self._state_items())
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        bad: list[str] = []
        plan: list[tuple[np.ndarray, np.ndarray]] = []
        given: dict[int, tuple[str, np.ndarray]] = {}  # id(array) -> the first entry loaded into it
        for k, t in own.items():
            if k not in state_dict:
                continue
            v = state_dict[k]
            try:
                src = v.data if isinstance(v, Tensor) else np.asarray(v)
            except (TypeError, ValueError) as e:
                bad.append(f"{k}: not an array ({e})")
                continue
            if src.dtype.kind not in "biuf":
                bad.append(f"{k}: not a numeric array (dtype {src.dtype})")
            elif src.shape != t.shape:
                bad.append(f"{k}: shape {src.shape} in the state dict, {t.shape} in the model")
            elif not np.can_cast(src.dtype, t.dtype, casting="same_kind"):
                bad.append(f"{k}: dtype {src.dtype} in the state dict cannot be cast to the model's {t.dtype}")
            elif not t.data.flags.writeable:
                bad.append(f"{k}: the model's array is read-only (give it one of its own: p.data = p.data.copy())")
            else:
                plan.append((t.data, src))
                first = given.setdefault(id(t.data), (k, src))
                if first[0] != k and not np.array_equal(first[1], src, equal_nan=True):
                    # (the last copy would silently win over the others)
                    bad.append(f"{first[0]} and {k}: one shared tensor in the model, different values "
                               "in the state dict")
        problems = []
        if strict and missing:
            problems.append("missing keys: " + ", ".join(map(str, missing)))
        if strict and unexpected:
            problems.append("unexpected keys: " + ", ".join(map(str, unexpected)))
        if bad:
            problems.append("mismatched entries: " + "; ".join(bad))
        if problems:
            raise ValueError(
                f"load_state_dict into {type(self).__name__}: nothing was loaded because of\n  "
                + "\n  ".join(problems)
            )
        for dst, src in plan:
            np.copyto(dst, src, casting="same_kind")
            changed_in_place(dst, "load_state_dict")
        return IncompatibleKeys(missing, unexpected)

    # -- printing -----------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The constructor arguments shown inside the parentheses of `repr`."""
        return ""

    def label(self) -> str:
        """A short one-line name, e.g. `Conv2d(1→8, 3×3)`, for errors and graph clusters."""
        extra = self.extra_repr()
        return f"{type(self).__name__}({extra})" if extra else type(self).__name__

    def __repr__(self) -> str:
        lines: list[str] = []
        self._repr_lines(lines, "", "")
        return "\n".join(lines)

    def _repr_lines(self, lines: list[str], indent: str, head: str, above: tuple = ()) -> None:
        # One line per module, children indented inside its parentheses; the
        # module's own parameters follow as a comment with their shapes. `above`
        # holds the modules on the path here, so that a back-reference to one of
        # them (a cycle) is named instead of printed forever.
        own = ", ".join(f"{k} {tuple(v.shape)}" for k, v in self._parameters.items() if v is not None)
        note = f"  # {own}" if own else ""
        name, extra = type(self).__name__, self.extra_repr()
        if not any(c is not None for c in self._modules.values()):
            lines.append(f"{indent}{head}{name}({extra}){note}")
            return
        lines.append(f"{indent}{head}{name}({note}")
        if extra:
            lines.append(f"{indent}  {extra}")
        above = above + (self,)
        for k, child in self._modules.items():
            if child is None:  # (an emptied slot is not shown)
                continue
            if any(child is m for m in above):
                lines.append(f"{indent}  ({k}): <cycle: the {type(child).__name__} above>")
            else:
                child._repr_lines(lines, indent + "  ", f"({k}): ", above)
        lines.append(f"{indent})")


def _names_dtype(s: str) -> bool:
    try:
        np.dtype(s)
    except TypeError:
        return False
    return True
