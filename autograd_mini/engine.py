"""The reverse-mode engine: graph recording, grad mode and the backward sweep.

A primitive applied to tensors that require grad records a `Node` holding the
primitive, its inputs (tensors or constants), its keyword parameters and its
output array. Back propagation walks the nodes in reverse topological order
and asks each primitive's VJPs for the gradient of every input that needs one:

    x_bar_i = vjp_i(y_bar, y, x_1, ..., x_n)

This is the chain rule, one node at a time: x_bar is d(loss)/dx, and a VJP
returns J^T y_bar, J being dy/dx, without forming J. A tensor used by several
nodes gets the sum of their terms (the multivariable chain rule), so its
gradient is complete only once every node that used it has run: hence
reverse topological order, which here is simply newest node first (a node is
always made after its inputs'). That loop is the `while order:` loop of
`backward_sweep` below; `topological_order` finds the order. The rest of the
sweep (release as it goes, the one-node path of a compiled tape, the checks) is
bookkeeping around that loop.

A node keeps its inputs' arrays themselves, not copies. So an in-place change
to one of them between a forward and its backward (an optimizer step, `p -= ...`
under no_grad, `x[i] = v`) would change the gradients that backward computes;
such changes are stamped, and backward refuses a node that kept an array
changed after it was made (see "in-place changes" below). Writes by hand into
`.data` are not seen.

The VJPs are written with operators and primitives that work on both ndarrays
and Tensors. Without `create_graph` the sweep hands them raw ndarrays, so they
run at numpy speed and record nothing; with `create_graph` it hands them
Tensors, so the backward pass is itself recorded and can be differentiated.
That is where second derivatives come from: after
`(g,) = am.autograd.grad(loss, [x], create_graph=True)`, g is a tensor with a
graph of its own, made of the VJPs' operations, and a backward from (a
function of) g differentiates them: the Hessian-vector product H v is the
gradient of (g * v).sum() (am.hvp).
"""

from __future__ import annotations

import functools
import inspect
import itertools
import operator
import sys
import threading
import traceback
import weakref
from typing import Any, Callable, Iterable, Sequence

import numpy as np

# The Tensor class, set by tensor.py when it is defined (tensor.py imports this
# module, so importing it here would be circular; a function-level import
# would cost time on every backward).
Tensor: Any = None

# -- grad mode ---------------------------------------------------------------

class _PerThread(threading.local):
    """What each thread has its own of, as in PyTorch: grad mode, the scopes (Module and
    composite calls) being run, whether draw_network's trace marks each call, and
    which op is turning a list into an array. (A
    thread inside no_grad() does not stop another thread's operations being recorded.)"""

    grad_enabled = True
    scope: tuple = ()
    calls = False
    converting = False  # while a list becomes a tensor's array
    met: tuple = ()  # (the shape,) of a tensor inside it that requires grad, if any
    # False while the innermost backward sweep running returns gradients (autograd.grad)
    # rather than adding them to .grad (backward(), and outside any sweep). A VJP that runs
    # a backward of its own (utils.checkpoint's) reads it.
    sweep_into_grad = True


_mode = _PerThread()
_state = {"modules": 0}  # (shared by all threads: Modules and tensors are)

# Recordings in progress (am.compile), innermost last: primitives report each
# application to it, tensors their creation and reads of their values.
tracers: list = []


# Non-leaf tensors whose gradient backward() keeps in their .grad (Tensor.retain_grad),
# as id -> weak reference: marking one keeps no graph alive, and a plain dict costs
# the sweep one truth test when nothing is marked.
retained: dict[int, weakref.ref] = {}


def retain(t: Any) -> None:
    """Mark the non-leaf t for retain_grad (until it is freed)."""
    key = id(t)
    retained[key] = weakref.ref(t, lambda _, key=key: retained.pop(key, None))


def is_retained(t: Any) -> bool:
    """Whether retain_grad marked t (this very object, not a later one with its id)."""
    ref = retained.get(id(t))
    return ref is not None and ref() is t


# Gradient hooks (Tensor.register_hook), as id -> (weak reference, {handle id: hook}):
# as for `retained`, the sweep pays one truth test when no tensor has one.
hooked: dict[int, tuple[weakref.ref, dict]] = {}


class HookHandle:
    """What Tensor.register_hook returns: .remove() unregisters the hook (a second call
    does nothing); also a context manager that removes it on exit."""

    _next_id = itertools.count(1).__next__

    def __init__(self, t: Any, hook: Callable) -> None:
        self.id = HookHandle._next_id()
        key = id(t)
        entry = hooked.get(key)
        if entry is None or entry[0]() is not t:
            entry = hooked[key] = (weakref.ref(t, lambda _, key=key, d=hooked: d.pop(key, None)), {})
        entry[1][self.id] = hook
        # (the hooks' dict, not the tensor: an in-place change moves it to the old version)
        self._hooks: dict | None = entry[1]

    def remove(self) -> None:
        hooks, self._hooks = self._hooks, None
        if hooks is not None and hooks.pop(self.id, None) is not None and not hooks:
            for key, (_, d) in list(hooked.items()):
                if d is hooks:
                    del hooked[key]

    def __enter__(self) -> "HookHandle":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()


def _hooks_of(t: Any) -> dict | None:
    entry = hooked.get(id(t))
    return entry[1] if entry is not None and entry[0]() is t else None


def _any_hooked(tensors: list) -> bool:
    return any(_hooks_of(t) is not None for t in tensors)


def _through_hooks(pop: Callable, recorded: bool) -> Callable:
    """The sweep's grads.pop, with each gradient taken out passed through its tensor's hooks."""
    def pop_hooked(t: Any, default: Any = None) -> Any:
        g = pop(t, default)
        return _run_hooks(t, g, recorded) if g is not None and id(t) in hooked else g
    return pop_hooked


def _run_hooks(t: Any, g: Any, recorded: bool) -> Any:
    """t's gradient g passed through t's hooks in registration order; each gets it as a
    Tensor (read-only when it is an ndarray of the sweep's, which other gradients may
    share) and may return a replacement of its shape and dtype."""
    hooks = _hooks_of(t)
    if not hooks:
        return g
    for hook in list(hooks.values()):
        if recorded:
            arg = g
        else:
            view = g.view()
            view.flags.writeable = False
            arg = Tensor._wrap(view)
        new = hook(arg)
        if new is None:
            continue
        if not isinstance(new, Tensor):
            raise RuntimeError(f"backward: a hook of a tensor of shape {t.shape} returned "
                               f"{type(new).__name__}; a hook returns None or a Tensor (the new gradient)")
        if new.shape != g.shape or new.dtype != g.dtype:
            raise RuntimeError(f"backward: a hook of a tensor of shape {t.shape} returned a gradient of shape "
                               f"{new.shape} and dtype {new.dtype}, not the gradient's {g.shape} and {g.dtype}")
        g = new if recorded else new.data
    return g


def shape_constant(a: np.ndarray) -> np.ndarray:
    """a, an array computed from shapes alone (never from data): am.compile keeps it in
    its tape, whose key holds every shape, where it refuses other arrays made inside
    the function (their values may come from the data)."""
    if tracers:
        tracers[-1].shape_constants[id(a)] = a
    return a


def modules_changed() -> None:
    """Note that some Module's attributes changed (a layer, a parameter, `training`, a
    hyperparameter): compiled tapes, which froze what forward read, record again."""
    _state["modules"] += 1


def is_grad_enabled() -> bool:
    """True when operations on tensors that require grad are recorded."""
    return _mode.grad_enabled


class _GradMode:
    """Context manager and decorator that sets grad mode, restoring it on exit.
    As a decorator, with or without the call: `@am.no_grad()` or `@am.no_grad`."""

    enabled: bool

    def __new__(cls, fn: Callable | None = None) -> Any:
        if fn is None:
            return super().__new__(cls)
        if not callable(fn):
            raise TypeError(f"{cls.__name__}: takes no arguments, or a function to decorate; got {fn!r}")
        return cls()(fn)  # (the bare decorator: a function, so __init__ is not run on it)

    def __init__(self, fn: Callable | None = None) -> None:
        self._prev: list[bool] = []  # a stack: one instance may be entered again inside itself

    def __enter__(self) -> None:
        self._prev.append(_mode.grad_enabled)
        _mode.grad_enabled = self.enabled

    def __exit__(self, *exc: object) -> None:
        _mode.grad_enabled = self._prev.pop()

    def __call__(self, fn: Callable) -> Callable:
        mode = type(self)
        name = mode.__name__
        if inspect.isclass(fn):
            # (as PyTorch: the constructor alone, or every method? And the name would no
            # longer be a class: isinstance(obj, C) would fail)
            raise TypeError(f"{name}: cannot decorate a class ({fn.__name__}); decorate its methods")
        if not callable(fn):
            raise TypeError(f"{name}: decorates a function; got {fn!r}")
        if inspect.iscoroutinefunction(fn) or inspect.isasyncgenfunction(fn):
            # (calling it only makes the coroutine: its body would run after the mode is
            # restored, and grad mode is per thread, not per task, so it cannot follow it)
            raise TypeError(f"{name}: cannot decorate the coroutine function {fn.__name__}; "
                            f"use `with am.{name}():` inside it, around code with no await")
        if inspect.isgeneratorfunction(fn):

            @functools.wraps(fn)
            def generator(*args: Any, **kwargs: Any) -> Any:
                return _generator_in_mode(mode, fn(*args, **kwargs))

            return generator

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with mode():
                return fn(*args, **kwargs)

        return wrapper


def _generator_in_mode(mode: type, gen: Any) -> Any:
    """Run the generator `gen` in grad mode `mode` each time it resumes (and only
    then: the caller's code between two items runs in the caller's mode)."""
    try:
        with mode():
            item = gen.send(None)
        while True:
            try:
                sent = yield item
            except GeneratorExit:
                with mode():
                    gen.close()
                raise
            except BaseException as e:  # thrown in by the caller: pass it on
                with mode():
                    item = gen.throw(e)
            else:
                with mode():
                    item = gen.send(sent)
    except StopIteration as stop:
        return stop.value


class no_grad(_GradMode):
    """Do not record operations: `with am.no_grad(): ...`, `@am.no_grad()` or `@am.no_grad`."""

    enabled = False


class enable_grad(_GradMode):
    """Record operations again, e.g. inside a `no_grad` block."""

    enabled = True


class inference_mode(no_grad):
    """PyTorch's inference_mode(mode=True), which here is no_grad: nothing is recorded
    (the tensors made inside are ordinary tensors without a graph). mode=False, as
    torch's, leaves grad mode as it is (`with am.inference_mode(not training):`)."""

    def __new__(cls, mode: Any = True) -> Any:
        if callable(mode):  # (the bare decorator, @am.inference_mode)
            return cls()(mode)
        if type(mode) is not bool:
            raise TypeError(f"inference_mode: mode must be True or False, got {mode!r}")
        self = super().__new__(cls)
        self.mode = mode
        return self

    def __init__(self, mode: Any = True) -> None:
        super().__init__()

    def __enter__(self) -> None:
        self._prev.append(_mode.grad_enabled)
        if self.mode:
            _mode.grad_enabled = False

    def __call__(self, fn: Callable) -> Callable:
        # (mode=False: each call runs in the caller's mode, so the function as it is)
        return super().__call__(fn) if self.mode else fn


class set_grad_enabled:
    """Set grad mode to `mode` (a bool) now, as PyTorch's: called alone it stays set;
    as a context manager, `with am.set_grad_enabled(training):`, the mode before it
    comes back on exit; as a decorator, `@am.set_grad_enabled(False)`, the function
    runs in that mode and the mode outside is left as it was."""

    def __init__(self, mode: bool) -> None:
        if type(mode) is not bool:
            raise TypeError(f"set_grad_enabled: mode must be True or False, got {mode!r}")
        self._prev = _mode.grad_enabled
        self._mode = mode
        _mode.grad_enabled = mode

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        _mode.grad_enabled = self._prev

    def __call__(self, fn: Callable) -> Callable:
        # (as PyTorch's: undo the switch the constructor made, then decorate as
        # enable_grad or no_grad do, which restore the caller's mode after each call)
        _mode.grad_enabled = self._prev
        return (enable_grad if self._mode else no_grad)()(fn)


class scope:
    """Label the nodes created inside with a scope: a Module or a composite op's name.

    Scopes nest; each node keeps the tuple of enclosing scopes at the time it
    was created (one tuple read, so it is cheap), which graph drawings group by.
    """

    def __init__(self, name: object) -> None:
        self.name = name

    def __enter__(self) -> None:
        self._prev = _mode.scope
        name = self.name
        if _mode.calls and type(name) is str:
            name = Call(name)
        _mode.scope = self._prev + (name,)

    def __exit__(self, *exc: object) -> None:
        _mode.scope = self._prev


class Call(str):
    """A composite op's name as the scope entry of one call of it, made while
    `_mode.calls` is set (draw_network's trace of a model): two calls in a row,
    `F.softmax(F.softmax(x))`, then differ by identity though their names are equal.
    Otherwise entries are plain names, which cost nothing to make."""

    __slots__ = ()


def composite(fn: Callable) -> Callable:
    """Decorator: run a composite op inside a scope named after it.

    Graph drawings then group its nodes, and errors raised by the primitives
    inside name the op the user called ("softmax", not "sum").
    """
    name = fn.__name__

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        prev = _mode.scope
        _mode.scope = prev + ((Call(name) if _mode.calls else name),)
        try:
            return fn(*args, **kwargs)
        finally:
            _mode.scope = prev

    return wrapper


# -- the graph ----------------------------------------------------------------

node_counter = itertools.count()

# -- in-place changes --------------------------------------------------------------
#
# PyTorch keeps a version count on every tensor and checks it when a saved tensor
# is used. Here a change made in place through the library is stamped with the
# next creation number instead, so the nodes made before it are exactly those with
# a smaller `seq`. A backward checks its nodes' arrays only when the latest stamp
# is newer than its oldest node, which after the usual forward, backward, step
# never happens: the check then costs one comparison per backward, and nothing
# per operation. Arrays count as one when they share a root array (the end of the
# `.base` chain), so a view's change is its base's (as PyTorch's storage-level
# versions: a change to one slice also condemns a node that kept another).
#
# Changes are keyed by the id of that root. An id is only unique among living
# objects, but that is enough: a node made before a change keeps its arrays alive
# from before the change until the check, and the changed array was alive at the
# change, so equal ids there mean the same array.

_state["changed"] = -1  # the latest stamp
_changes: dict[int, tuple] = {}
"""id(root array) -> (weak reference to it, stamp, what changed it), for changes
made one array at a time. (The weak reference only serves to forget dead arrays.)"""
_steps: dict[int, list] = {}
"""id(optimizer) -> [stamp, what, ids, older, refs]: the root ids its last step
changed, {id: stamp} for those only earlier steps changed, and {id: weak reference}
to those arrays. A step costs building the list of ids (one per parameter); the
weak references are taken only when that list changes (the first step, another set
of parameters with gradients, a replaced array). When the optimizer dies, its
changes to arrays still alive move to _changes (see _retire)."""
_prune_at = [1024]


def _root(a: np.ndarray) -> np.ndarray:
    """The array at the end of a's .base chain: the one every view of that memory shares.
    (as_strided -- unfold's windows -- puts a DummyArray between a view and its array;
    the chain goes on through its .base.)"""
    while True:
        b = a.base
        if isinstance(b, np.ndarray):
            a = b
        elif b is not None and isinstance(getattr(b, "base", None), np.ndarray):
            a = b.base
        else:
            return a


def changed_in_place(array: np.ndarray, by: str) -> None:
    """Note that `array` was changed in place (`by` names how, for the error)."""
    stamp = next(node_counter)
    _state["changed"] = stamp
    root = _root(array)
    _changes[id(root)] = (weakref.ref(root), stamp, by)
    _prune_changes()


def _prune_changes() -> None:
    if len(_changes) >= _prune_at[0]:  # (many short-lived arrays changed: forget the dead ones)
        for k, (ref, _, _) in list(_changes.items()):
            if ref() is None and _changes.get(k, (None,))[0] is ref:
                del _changes[k]
        _prune_at[0] = 2 * len(_changes) + 1024


def stepped(optimizer: Any, ids: list[int]) -> None:
    """Note that a step of `optimizer` is changing in place the arrays whose root ids
    (`id(_root(a))`) are `ids`: those of its parameters that have a gradient."""
    stamp = next(node_counter)
    _state["changed"] = stamp
    last = _steps.get(id(optimizer))
    if last is None:  # (its first step)
        refs: dict = {}
        _steps[id(optimizer)] = [stamp, f"{type(optimizer).__name__}.step()", ids, {}, refs]
        _note_arrays(optimizer, refs)
        weakref.finalize(optimizer, _retire, id(optimizer), optimizer.param_groups)
        return
    if ids != last[2]:  # (other parameters than last time had gradients)
        older, refs = last[3], last[4]
        older.update(dict.fromkeys(last[2], last[0]))
        _note_arrays(optimizer, refs)
        if len(older) > 2 * len(ids) + 1024:  # (arrays replaced again and again)
            _move_to_changes(older, refs, last[1])
        if len(refs) > len(older) + len(ids) + 64:
            for k in [k for k, r in refs.items() if r() is None or (k not in older and k not in ids)]:
                del refs[k]
    last[0], last[2] = stamp, ids


def _move_to_changes(older: dict, refs: dict, by: str) -> None:
    """Trim an optimizer's table of arrays only its earlier steps changed: the living
    ones go to _changes (a graph may keep one, as _retire does); of the others (dead,
    or an id that a step saw on a new array without taking its reference) the newer
    half stays."""
    dead = []
    for k, at in older.items():
        r = refs.get(k)
        root = None if r is None else r()
        if root is None:
            dead.append((k, at))
            continue
        ref, had, _ = _changes.get(k, (None, -1, None))
        if had < at or ref() is not root:
            _changes[k] = (weakref.ref(root), at, by)
    older.clear()
    older.update(sorted(dead, key=lambda kv: kv[1])[len(dead) // 2:])
    _prune_changes()


def has_stepped(optimizer: Any) -> bool:
    """True once `optimizer` has taken a step (a learning-rate schedule's first step
    before it skips the schedule's first rate)."""
    return id(optimizer) in _steps


def _note_arrays(optimizer: Any, refs: dict) -> None:
    """Weak references to the root arrays this step changes, by id: taken only when the
    set of ids changes, so that a dead optimizer's changes reach the arrays its
    parameters no longer hold (replaced, or in a group no longer listed)."""
    for group in optimizer.param_groups:
        for p in group["params"]:
            if p._grad is not None:
                r = _root(p.data)
                refs[id(r)] = weakref.ref(r)


def _retire(key: int, param_groups: list) -> None:
    """An optimizer died: its changes to arrays still alive move to _changes.
    (A finalizer, which the garbage collector may run in the middle of anything: the
    loops over these tables iterate over copies.)"""
    last = _steps.pop(key, None)
    if last is None:
        return
    stamp, by, ids, older, refs = last
    roots = {}
    for k, r in list(refs.items()):  # (the arrays it changed that are still alive)
        root = r()
        if root is not None:
            roots[k] = root
    for group in param_groups:  # (and those its parameters hold now)
        for p in group["params"]:
            root = _root(p.data)
            roots.setdefault(id(root), root)
    for k, root in roots.items():
        at = stamp if k in ids else older.get(k)
        if at is not None:
            ref, had, _ = _changes.get(k, (None, -1, None))
            if had < at or ref() is not root:
                _changes[k] = (weakref.ref(root), at, by)
    _prune_changes()


def _check_unchanged(order: list[Tensor]) -> None:
    """Raise RuntimeError if an array a node of `order` (newest first) kept was
    changed in place after the node was made. Changes nothing."""
    if not order:
        return
    latest = _state["changed"]
    oldest = order[-1].grad_fn.seq
    changed: dict[int, tuple] = {}  # root id -> (stamp, by), the changes after `oldest`
    for key, (_, stamp, by) in list(_changes.items()):
        if stamp > oldest:
            changed[key] = (stamp, by)
    for stamp, by, ids, older, _ in list(_steps.values()):
        for key, at in itertools.chain(older.items(), zip(ids, itertools.repeat(stamp))):
            if at > oldest and (key not in changed or changed[key][0] < at):
                changed[key] = (at, by)
    if not changed:
        return
    get = changed.get
    for t in order:
        node = t.grad_fn
        seq = node.seq
        if seq > latest:
            continue
        # (inputs whose values no VJP reads may change: PyTorch's rule)
        for a in node.prim.kept(node.datas, node.out):
            if type(a) is np.ndarray and a.base is None:  # (most kept arrays: one look-up)
                hit = get(id(a))
                if hit is not None and hit[0] > seq:
                    _refuse(node, a, a, hit[1])
            elif isinstance(a, np.ndarray) or hasattr(a, "kept_arrays"):  # (views; a compiled tape)
                for b in (a,) if isinstance(a, np.ndarray) else a.kept_arrays():
                    if isinstance(b, np.ndarray):
                        _check_kept(node, b, seq, get)
        # (getitem's index: the argument's own array while am.compile records)
        for v in node.params.values():
            for b in v if type(v) is tuple else (v,):
                if isinstance(b, np.ndarray):
                    _check_kept(node, b, seq, get)


def _check_kept(node: Node, b: np.ndarray, seq: int, get: Callable) -> None:
    """Raise if array b, which node kept, was changed after it (an entry of `get`)."""
    root = _root(b)
    hit = get(id(root))
    if hit is not None and hit[0] > seq:
        _refuse(node, b, root, hit[1])


def _check_data_kept(order: list[Tensor]) -> None:
    """Raise RuntimeError if an input tensor of a node of `order` holds another array
    than the node kept (`t.data = ...`, `Module.to(dtype)` after the forward).
    Changes nothing. A recording sweep (create_graph) computes with the inputs'
    current arrays and a plain one with the kept arrays, so the two would give
    different gradients; an in-place change is _check_unchanged's."""
    for t in order:
        node = t.grad_fn
        if node is None or node.inputs is None:
            continue  # (a leaf; a released node raises its own error in the sweep)
        for i, (a, d) in enumerate(zip(node.inputs, node.datas)):
            if isinstance(a, Tensor) and a.data is not d:
                raise RuntimeError(
                    f"backward: input {i} of {node.prim.name} (now of shape {a.shape}, dtype "
                    f"{a.dtype}) was given a new array (.data = ...) after the forward; "
                    "create_graph would differentiate the new values. Run the forward again"
                )


# -- in-place changes of tensors in a graph (PyTorch's rebase) ------------------------
#
# `t[i] = v`, `t.add_(y)`, ... on a tensor with a graph (or with an operand that
# requires grad) are recorded as their out-of-place forms, computed from a new
# Tensor `old` that takes over t's value and node; t then takes the result's value
# and node. So t is the changed tensor for everything recorded from now on, and
# the nodes recorded before hold t, whose value they used is now old's. They are
# pointed at old lazily: a walk of a graph made before the latest change (one
# comparison per backward otherwise) redirects each input whose node is newer than
# its consumer to the version that was current when the consumer was made. The
# old array is never written, so what those nodes kept stays right. When t is a view
# of a tensor b (a basic index, reshape or permute of it sharing its memory), b is
# changed the same way, to "b with the view's entries replaced" (view_puts), and t
# made again a view of b's new value (_view_links, _write_through).

_state["rebased"] = -1  # the stamp of the latest change
_versions: dict[int, tuple] = {}
"""id(t) -> (weak reference to t, [(stamp, weak reference to the Tensor holding t's
value before the change stamped, that tensor's node), ...] oldest first), while t
lives. (t's newer nodes keep those tensors alive until a backward releases them; a
consumer recorded before the change may outlive that, its own nodes unreleased: the
tensor is then made again from the node and the array the consumer kept.)"""


def _forget_versions(ref: weakref.ref, key: int) -> None:
    if _versions.get(key, (None,))[0] is ref:
        del _versions[key]


view_puts: dict = {}
"""primitive -> put(old_base, params, value): the tensor old_base with the entries the
primitive (applied to old_base with params) returns as a numpy view replaced by value's
(getitem with a basic index, reshape, permute; set by torch_methods)."""


class _PlainLink:
    """A view node's prim and params for _write_through, where no node was recorded."""
    __slots__ = ("prim", "params")

    def __init__(self, prim: Any, params: dict) -> None:
        self.prim, self.params = prim, params


def note_plain_view(prim: Any, base: Any, params: dict, v: Tensor) -> None:
    """Remember in v that v, made without a node, is prim(base, **params) sharing base's
    memory (a buffer made by am.zeros, filled row by row), so that a recorded change of v
    (buf[i].copy_(x), x requiring grad) reaches base as PyTorch's does (Primitive.apply
    calls it for view_puts' primitives only). A reshape that had to copy gives an array
    with a base of its own, not base's: no link then, which would keep base alive for
    nothing (the padded input of a conv layer, until its backward)."""
    if isinstance(base, Tensor):
        d, b = base.data, v.data.base  # (numpy's .base is the memory's owner, mostly: two
        if b is d or b is d.base or _root(v.data) is _root(d):  # comparisons before the walks)
            v._view_of = (prim, params, base)


def _stale_view(op: str, t: Tensor, b: Tensor) -> RuntimeError:
    """The refusal of a change of t, a view (up a chain) of b, taken before b was given a new
    array (a recorded change of b, itself or through another view of it): the change could
    not reach b as PyTorch's would."""
    return RuntimeError(
        f"{op}: this tensor of shape {t.shape} is a view of a tensor of shape {b.shape} that has "
        "been changed in place since the view was taken (a recorded change, through another "
        "view of it or itself, gave it a new array), so this change would not reach it as "
        "PyTorch's would; take the view again after the earlier change")


def _plain_links(t: Tensor, op: str) -> list | None:
    """The chain of views t is of where t (no node) was made as a view of a tensor without
    a node ([(link, base), ...] from t up), or None. Raises RuntimeError, before anything
    changes, where the write could not reach the base as PyTorch's would: the base was
    given another array since (changed out of place: the view no longer shares its
    memory), the base is a leaf that requires grad, or the base has a graph (the view was
    made under no_grad)."""
    links: list = []
    v = t
    while True:
        entry = getattr(v, "_view_of", None)
        if entry is None or not isinstance(entry[2], Tensor):
            break
        prim, params, b = entry
        if _root(b.data) is not _root(v.data):
            raise _stale_view(op, t, b)
        if b.grad_fn is not None or b.requires_grad:
            what = ("a leaf tensor that requires grad" if b.grad_fn is None
                    else "a tensor with a graph, taken under am.no_grad()")
            raise RuntimeError(
                f"{op}: this tensor of shape {t.shape} is a view of {what} (shape {b.shape}); "
                "changing it in place with an operand that requires grad would change that "
                "tensor without recording it (PyTorch refuses it too); change a copy "
                "(x.clone()), or take the view with grad recorded")
        links.append((_PlainLink(prim, params), b))
        v = b
    return links or None


def is_view(t: Tensor) -> bool:
    """Whether t is a view another tensor may be read through, that a recorded change of t
    would write through (rebase): made by a view primitive, with or without a node (the
    latter not inside am.compile, whose own checks see such writes)."""
    node = t.grad_fn
    if node is not None:
        return node.prim in view_puts and node.inputs is not None
    return getattr(t, "_view_of", None) is not None


def stale_view_error(t: Tensor, op: str) -> RuntimeError | None:
    """The error for a change of t written into t's array (not recorded: under no_grad, or
    without a graph) when t is a view, up a chain of views, of a tensor that holds another
    array since (a recorded change of it, or through another view of it, gave it a new
    one): the write would reach nothing that reads that tensor, where PyTorch's changes
    it. Else None, at once for an array that owns its memory (no view of anything)."""
    if t.data.base is None:
        return None
    v, root = t, None
    while True:
        node = v.grad_fn
        if node is not None:
            inputs = node.inputs
            if node.prim not in view_puts or inputs is None or not isinstance(inputs[0], Tensor):
                return None
            root = _root(t.data) if root is None else root
            if _root(node.datas[0]) is not root:
                return None  # (a view node that copied: no view)
            b = inputs[0]
        else:
            link = getattr(v, "_view_of", None)
            if link is None:
                return None
            b = link[2]
            root = _root(t.data) if root is None else root
        if _root(b.data) is not root:
            return _stale_view(op, t, b)
        v = b


copies_of_views: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
"""id(root array) -> that array, for the results of a view op that had to copy (x.diagonal()
of axes no reshape can merge): their arrays are read-only, and a change of them, or of a
view of them, is refused (copy_of_view_error), as it could not reach x."""


def mark_copy_of_view(t: Tensor) -> Tensor:
    """Make t's array read-only and note it as a copy standing for a view (see
    copies_of_views); returns t."""
    t.data.flags.writeable = False
    root = _root(t.data)
    copies_of_views[id(root)] = root
    return t


def copy_of_view_error(t: Tensor, op: str) -> RuntimeError | None:
    """The error for an in-place change of t when t's array is (a view of) a copy that stands
    for a view (mark_copy_of_view), else None. Cheap when t's array is writable."""
    if t.data.flags.writeable:
        return None
    root = _root(t.data)
    if copies_of_views.get(id(root)) is not root:
        return None
    return RuntimeError(
        f"{op}: this tensor of shape {t.shape} is x.diagonal() (or a view of it) of a tensor x whose "
        "two axes cannot be merged without a copy (other axes between them in memory, as dims 0 "
        "and 2 of a contiguous 3-D x, or a flipped or step-sliced x), so it is a read-only "
        "copy: changing it would not change x, as PyTorch's view would. Change x "
        "itself (x[..., i, i] = ..., fill_diagonal_), or d.clone() if x is to stay as it is")


def rebase(t: Tensor, compute: Callable[[Tensor], Tensor], op: str = "in-place change") -> Tensor:
    """Change t in place to compute(old), recorded, old being t's value and node until now.

    compute must return a tensor of t's shape and dtype (it may raise: t is then
    unchanged). When t is a view of another tensor b (its node a primitive of view_puts
    whose output shares b's memory), b changes too, as PyTorch's base does: b takes the
    value and node of "b with the view's entries replaced by t's new value", up a chain
    of views, and t becomes a view of b's new value again (see _view_links for when the
    write-through is skipped, and for the leaf that requires grad it refuses). `op` names
    the change for errors. Returns t. A copy standing for a view (mark_copy_of_view) is
    refused, before anything changes."""
    if not t.data.flags.writeable:
        err = copy_of_view_error(t, op)
        if err is not None:
            raise err
    node = t.grad_fn
    links = (_view_links(t, op) if node is not None and node.prim in view_puts
             else _plain_links(t, op) if node is None and not tracers else None)
    _rebase_one(t, compute)
    if links:
        _write_through(t, links)
    return t


def _view_links(t: Tensor, op: str) -> list | None:
    """The chain of views t is of, [(view node, its base tensor), ...] from t's own node up
    to the highest base something else may read; None if nothing can (no write-through).
    Raises RuntimeError, before anything changes, when the chain ends at a leaf that
    requires grad (PyTorch's refusal of an in-place change of a view of a leaf), when a
    base holds another array since the view was taken (stale_view_error's case), and
    inside am.compile when a write-through is needed.

    Skipping is sound when no base of the chain is referenced but by the view node above
    it (_other_references: none but that node's inputs, and no weak reference): no Tensor
    object then reaches its value but through that node, which is t's old node, whose
    backward must see the value before the change anyway. (A numpy view of the old array,
    taken by hand, is not written, as rebase's old array never is.) This is the common case of a layer's inplace=True after conv2d, whose output is
    a permute of an anonymous reshape of an anonymous matmul result; while am.compile
    records, the recording's own references to a base do not count."""
    root = _root(t.data)
    links: list = []
    need = 0
    tracer = tracers[-1] if tracers else None
    node = t.grad_fn
    while node is not None and node.prim in view_puts:
        inputs = node.inputs
        if inputs is None:  # (released by a backward: its base is out of reach)
            break
        if not isinstance(inputs[0], Tensor) or _root(node.datas[0]) is not root:
            break  # (not a view of its input: a fancy index or a reshape that copied)
        if _root(inputs[0].data) is not root:
            # (PyTorch would write into the base's current value, which this view's values,
            # taken before a later recorded change of the base, do not reflect)
            raise _stale_view(op, t, inputs[0])
        count = _other_references(inputs)  # (before a variable here holds the base too)
        b = inputs[0]
        if weakref.getweakrefcount(b):  # (a weak reference -- a cache -- can hand b out again)
            count += 1
        if tracer is not None:
            count -= tracer.references(b)
        links.append((node, b))
        if count > 0:
            need = len(links)
        node = b.grad_fn
    if links:
        top = links[-1][1]
        if top.grad_fn is None and top.requires_grad and _mode.grad_enabled:
            raise RuntimeError(
                f"{op}: this tensor of shape {t.shape} is a view of a leaf tensor of shape {top.shape} that "
                "requires grad, and changing it in place while operations are recorded would change the "
                "leaf (PyTorch refuses it too: a view of a leaf Variable that requires grad is used in "
                "an in-place operation); do it under am.no_grad(), or change a copy (x.clone())")
    if not need:
        return None
    if tracer is not None:
        raise RuntimeError(
            f"{op}: this tensor of shape {t.shape} is a view of a tensor of shape {links[need - 1][1].shape} "
            "that the compiled function still holds, which the change would write through as "
            "PyTorch's views do; am.compile cannot replay that. Change a copy (x.clone()), or "
            "use inplace=False for am.compile")
    return links[:need]


def _other_references(inputs: tuple) -> int:
    """How many references to inputs[0] there are besides the tuple's own. Counted against
    sys.getrefcount of an object that only a tuple holds, read by this same code, so that
    an interpreter that counts the call's own references otherwise gives the same answer."""
    return sys.getrefcount(inputs[0]) - _HELD_BY_A_TUPLE_ONLY


_HELD_BY_A_TUPLE_ONLY = 0
_HELD_BY_A_TUPLE_ONLY = _other_references((object(),))


def _write_through(t: Tensor, links: list) -> None:
    """After t's change: each base of `links` (see _view_links) takes the value with its
    view's entries replaced by its view's new value, bottom up; then each view, top down,
    becomes that view of its base's new value again (its array a numpy view of the base's
    new array, its node a view node of the base's new version), so that later changes
    and numpy views keep aliasing. Each step is a rebase, so what was recorded before it
    keeps the values it used."""
    child = _snapshot(t)  # (not t itself, whose node becomes a view of the base below)
    for node, b in links:
        put, params = view_puts[node.prim], node.params
        _rebase_one(b, lambda old, put=put, params=params, child=child: put(old, params, child), False)
        child = _snapshot(b)
    for i in range(len(links) - 1, -1, -1):
        node, b = links[i]
        below = links[i - 1][1] if i else t
        _rebase_one(below, lambda old, node=node, b=b: node.prim.apply(b, **node.params), False)


def _snapshot(t: Tensor) -> Tensor:
    """A new Tensor holding t's value and node as they are now."""
    s = object.__new__(Tensor)
    s.data, s._grad, s.requires_grad, s.grad_fn, s.name = t.data, None, t.requires_grad, t.grad_fn, t.name
    return s


def _rebase_one(t: Tensor, compute: Callable[[Tensor], Tensor], may_take_t: bool = True) -> Tensor:
    """rebase for t alone. may_take_t=False where compute cannot take t itself as an operand
    (_write_through's steps: a put takes old and a snapshot, a view its base), which skips
    _operand_itself's walk."""
    stamp = next(node_counter)
    old = _snapshot(t)
    new = compute(old)
    if may_take_t and new.grad_fn is not None and new.grad_fn.seq > stamp:
        _operand_itself(new, t, old, stamp)
    t.data, t.requires_grad, t.grad_fn = new.data, new.requires_grad, new.grad_fn
    key = id(t)
    entry = _versions.get(key)
    if entry is None or entry[0]() is not t:
        entry = _versions[key] = (weakref.ref(t, functools.partial(_forget_versions, key=key)), [])
    entry[1].append((stamp, weakref.ref(old), old.grad_fn))
    _state["rebased"] = stamp
    if hooked and _hooks_of(t) is not None:
        # (t's hooks stay with the value they were registered on, as PyTorch's do: they
        # get the gradient of the value before the change; later ones, of t's new value)
        hooks = hooked.pop(key)[1]
        hooked[id(old)] = (weakref.ref(old, lambda _, k=id(old), d=hooked: d.pop(k, None)), hooks)
    return t


def _operand_itself(new: Tensor, t: Tensor, old: Tensor, stamp: int) -> None:
    """Point the nodes the change recorded (those after `stamp` that new depends on)
    at old where they took t itself as an operand (x.mul_(x), x.copy_(x), x[...] = x):
    t's value then was old's, and once t takes new's node such an input would be the
    node's own output, its gradient lost. (A walk of the change's few nodes.)"""
    stack, seen = [new], {new}
    while stack:
        node = stack.pop().grad_fn
        inputs = node.inputs
        if any(p is t for p in inputs):
            node.inputs = tuple(old if p is t else p for p in inputs)
        for p in node.inputs:
            if (isinstance(p, Tensor) and p.grad_fn is not None and p.grad_fn.seq > stamp
                    and p not in seen):
                seen.add(p)
                stack.append(p)


def _redirect(order: list[Tensor]) -> bool:
    """Point each node of `order` at the versions of its input tensors that were
    current when it was made (see rebase); True if any input changed."""
    moved = False
    for t in order:
        node = t.grad_fn
        inputs = node.inputs
        if inputs is None:
            continue  # (released: the sweep raises its own error)
        fixed = tuple(_version_at(p, node, i) if isinstance(p, Tensor) and p.grad_fn is not None
                      and p.grad_fn.seq > node.seq else p for i, p in enumerate(inputs))
        if any(a is not b for a, b in zip(fixed, inputs)):
            node.inputs = fixed
            moved = True
    return moved


def follow_changes(roots: Iterable[Any]) -> None:
    """Redirect the graph of `roots` (see rebase) for a walk of node.inputs of its own
    (a drawing); a released graph is left for that walk to report."""
    if _state["rebased"] >= 0:
        try:
            topological_order([r for r in roots if isinstance(r, Tensor)])
        except RuntimeError:
            pass


def _version_at(t: Tensor, consumer: Node, i: int) -> Tensor:
    """The tensor holding t's value as it was when `consumer` (whose input i is t) was made."""
    entry = _versions.get(id(t))
    seq = consumer.seq
    versions = entry[1] if entry is not None and entry[0]() is t else ()
    for k, (stamp, ref, node) in enumerate(versions):
        if stamp > seq:
            old = ref()
            if old is None:
                # (the nodes after the change were released by a backward, and with them
                # the tensor: made again from its node and the array the consumer kept,
                # unless a backward released that node too)
                datas = consumer.datas
                data = datas[i] if i < len(datas) else None
                if type(data) is not np.ndarray or node is not None and node.inputs is None:
                    raise _released_error()
                old = object.__new__(Tensor)
                old.data, old._grad, old.requires_grad, old.grad_fn, old.name = (
                    data, None, node is not None, node, t.name)
                versions[k] = (stamp, weakref.ref(old), node)
            return old
    return t


def scope_names(scope: tuple) -> str:
    """A node's scope as the user wrote it: "GPT > Embedding(16, 32) > embedding"."""
    return " > ".join(e if isinstance(e, str) else e.label() if callable(getattr(e, "label", None))
                      else type(e).__name__ for e in scope)


def _refuse(node: Node, a: np.ndarray, root: np.ndarray, by: str) -> None:
    """The error for array `a` (of `root`) that `node` kept and `by` changed."""
    where = [i for i, d in enumerate(node.datas) if d is a]
    named = [k for k, v in node.params.items() if v is a or (type(v) is tuple and any(e is a for e in v))]
    what = (f"its input {where[0]}" if where else "its output" if a is node.out
            else f"its {named[0]} parameter" if named else "an array it saved")
    view = f", a view of an array of shape {root.shape}" if root.shape != a.shape else ""
    names = scope_names(node.scope)
    inside = f" in {names}" if names else ""
    raise RuntimeError(
        f"backward: {what} (shape {a.shape}{view}) was changed in place by {by} after "
        f"{node.prim.name} (output shape {node.out.shape}){inside} kept it for its gradient, "
        "which would come out wrong; run the forward again after the change, or change a copy"
    )


class Node:
    """One recorded primitive application (what a tensor's `grad_fn` is).

    inputs: the positional arguments, Tensors or constants; None once released.
    datas:  the same with Tensors replaced by their arrays (what VJPs receive).
            Released (set to None, with inputs and out) after a backward.
    needs:  positions of the inputs that require grad (the graph's edges).
    params: keyword parameters of the primitive (axis, shape, ...).
    out:    the output ndarray (what VJPs call `ans`).
    scope:  enclosing modules / composite-op names at creation time.
    seq:    creation number; inputs' nodes always have smaller ones.
    """

    __slots__ = ("prim", "inputs", "datas", "needs", "params", "out", "scope", "seq")

    # Nodes are made by Primitive.apply, which fills every slot directly (and by
    # am.compile's _Tape._finish, whose node's datas is the replay alone).

    @property
    def name(self) -> str:
        return self.prim.name

    def parents(self) -> list[Tensor]:
        """The input tensors that require grad (the edges of the graph)."""
        if self.inputs is None:
            return []
        return [self.inputs[i] for i in self.needs]

    @property
    def next_functions(self) -> tuple:
        """PyTorch's graph walk: (grad_fn, 0) per tensor input, grad_fn being the input's
        node, an AccumulateGrad for a leaf that requires grad, or None; constants are
        skipped. Empty once a backward released the node."""
        if self.inputs is None:
            return ()
        return tuple((p.grad_fn if p.grad_fn is not None else
                      AccumulateGrad(p) if p.requires_grad else None, 0)
                     for p in self.inputs if isinstance(p, Tensor))

    def __repr__(self) -> str:
        return f"<{self.prim.name}Backward>"


class AccumulateGrad:
    """What next_functions shows for a leaf that requires grad (PyTorch's name): the
    leaf is .variable; backward adds its gradient to the leaf's .grad."""

    __slots__ = ("variable",)
    next_functions: tuple = ()
    name = "AccumulateGrad"

    def __init__(self, variable: Any) -> None:
        self.variable = variable

    def __repr__(self) -> str:
        return "<AccumulateGrad>"


def _released_error() -> RuntimeError:
    return RuntimeError(
        "backward: trying to backward through the graph a second time, but its "
        "saved arrays were already freed. Pass retain_graph=True to the first "
        "backward() (or autograd.grad) if you need to backward twice."
    )


def topological_order(roots: Sequence[Tensor], leaves: list | None = None) -> list[Tensor]:
    """Non-leaf tensors reachable from `roots`, each before everything it depends on.
    With a list `leaves`, each differentiated input that is a leaf is appended to it
    (once per use).

    A node is always created after the nodes of its inputs, so sorting the
    reachable nodes by creation number, newest first, is a reverse
    topological order. Finding them is an iterative walk (no recursion, so a
    graph of any depth works). Raises RuntimeError if a node on the way was
    released by a backward. Nodes recorded before an in-place change of one of
    their inputs are first pointed at its old version (see rebase).
    """
    given = 0 if leaves is None else len(leaves)  # (the caller's own entries, kept on a second walk)
    stack = []
    for r in roots:
        if r.grad_fn is not None:
            stack.append(r)
    seen = set(stack)  # Tensors hash by identity
    pop, push, mark = stack.pop, stack.append, seen.add
    while stack:
        node = pop().grad_fn
        inputs = node.inputs
        if inputs is None:
            # (reached through a tensor changed in place after its consumer was made, that
            # consumer wants the old version: redirect what was walked, and walk again)
            if _state["rebased"] >= 0 and _redirect(list(seen)):
                if leaves is not None:
                    del leaves[given:]
                return topological_order(roots, leaves)
            raise _released_error()
        for i in node.needs:
            p = inputs[i]
            if p.grad_fn is None:
                if leaves is not None:
                    leaves.append(p)
            elif p not in seen:
                mark(p)
                push(p)
    order = list(seen)
    order.sort(key=_creation_number, reverse=True)
    if order and _state["rebased"] > order[-1].grad_fn.seq and _redirect(order):
        # (a tensor of this graph was changed in place after a node used it: walk again)
        if leaves is not None:
            del leaves[given:]
        return topological_order(roots, leaves)
    return order


_creation_number = operator.attrgetter("grad_fn.seq")


def _one_node(t: Tensor) -> bool:
    """Is t's graph a single node, all the inputs it differentiates being leaves?"""
    node = t.grad_fn
    inputs = None if node is None else node.inputs
    if inputs is None:
        return False
    for i in node.needs:
        if inputs[i].grad_fn is not None:
            return False
    return True


def _toward(order: list[Tensor], targets: Sequence[Tensor]) -> tuple[list[Tensor], set[Tensor]]:
    """The part of `order` that autograd.grad needs, and the nodes that lead to a target.

    Needed are the targets (for their gradients) and the nodes with a target below
    them (to run). The rest of the graph is neither run nor released, so a later
    backward through it (a GAN generator's loss after its critic's gradients) works.
    """
    wanted = set(targets)
    leads = set()  # nodes a path to a target goes through
    for t in reversed(order):  # inputs before the nodes that use them
        node = t.grad_fn
        for i in node.needs:
            p = node.inputs[i]
            if p in wanted or p in leads:
                leads.add(t)
                break
    return [t for t in order if t in leads or t in wanted], leads


def _unreachable(order: list[Tensor], roots: Sequence[Tensor], targets: Sequence[Tensor]) -> list[int]:
    """Positions of the targets that no path from the roots reaches."""
    reached = set(order).union(roots)
    for t in order:
        node = t.grad_fn
        reached.update(node.inputs[i] for i in node.needs)
    return [k for k, t in enumerate(targets) if t not in reached]


# The errors a broken VJP raises that the sweep restates (see _vjp_error); their
# subclasses pass as they are.
_BARE_ERRORS = (ValueError, TypeError, IndexError, AttributeError)


def backward_sweep(
    roots: Sequence[Tensor],
    root_grads: Sequence[Any],
    *,
    retain_graph: bool,
    create_graph: bool,
    targets: Sequence[Tensor] | None = None,
    allow_unused: bool = True,
) -> list[Any] | None:
    """Propagate `root_grads` from `roots` to every tensor that requires grad.

    With `targets=None` gradients accumulate into leaves' `.grad`; otherwise the
    gradients of `targets` (leaves or not) are returned, no `.grad` changes, and
    only the nodes on paths from the roots to the targets run (and are released).
    Inside the sweep gradients are ndarrays, or Tensors when `create_graph`.
    With `allow_unused=False` a target that the roots do not depend on raises
    RuntimeError before anything is computed or released.
    """
    if tracers:
        raise RuntimeError(
            "backward: cannot run inside a function being compiled (a replay would skip it); "
            "compile the loss and call backward() on its result"
        )
    # The leaves whose .grad the sweep will change, checked before anything changes
    # (the sweep releases the graph as it goes).
    leaves: list | None = None
    if len(roots) == 1 and _one_node(roots[0]):  # (a compiled tape's result: no graph to walk)
        node = roots[0].grad_fn
        # (its only non-leaf is the root: a tensor marked elsewhere needs no general sweep)
        if (targets is None and node.prim.vjp_all is not None and not create_graph
                and not (retained and is_retained(roots[0]))
                and not (hooked and _any_hooked([roots[0]] + [node.inputs[i] for i in node.needs]))):
            _sweep_one_call(roots[0], root_grads[0], retain_graph)
            return None
        order = [roots[0]]
        if _state["rebased"] > node.seq:  # (a constant input changed since: its old version)
            _redirect(order)
        if targets is None:
            leaves = [node.inputs[i] for i in node.needs]
    else:
        leaves = [r for r in roots if r.grad_fn is None] if targets is None else None
        order = topological_order(roots, leaves)
    if leaves:
        for leaf in leaves:
            if leaf._grad is not None or leaf.data.dtype not in _GRAD_DTYPES:
                _check_leaf(leaf)
    elif targets is not None:
        for t in targets:
            if t.data.dtype.kind not in "fc" and t.requires_grad:
                raise _not_float_error("autograd.grad: an input", t)
    if targets is not None:
        if not allow_unused:
            missing = _unreachable(order, roots, targets)
            if missing:
                k = missing[0]
                raise RuntimeError(
                    f"autograd.grad: input {k} (shape {targets[k].shape}) was not used to compute "
                    "the outputs; pass allow_unused=True to get None for it"
                )
        order, leads = _toward(order, targets)
    if order and _state["changed"] > order[-1].grad_fn.seq:  # (an in-place change since the oldest node)
        _check_unchanged(order if targets is None else [t for t in order if t in leads])
    if create_graph:
        _check_data_kept(order if targets is None else [t for t in order if t in leads])
    grads: dict[Tensor, Any] = {}
    for r, g in zip(roots, root_grads):
        if create_graph:
            g = g if isinstance(g, Tensor) else Tensor._wrap(g)
        elif isinstance(g, Tensor):
            g = g.data
        grads[r] = grads[r] + g if r in grads else g

    wanted = dict.fromkeys(targets) if targets is not None else None
    prev_mode = _mode.grad_enabled
    _mode.grad_enabled = create_graph
    into = wanted is None
    prev_into = _mode.sweep_into_grad  # (written only when it changes: one read per plain sweep)
    if prev_into is not into:
        _mode.sweep_into_grad = into
    pop, get = grads.pop, grads.get
    hooks_on = bool(hooked)
    if hooks_on:  # (hooks run as gradients are taken out: the loop pays nothing without them)
        pop = _through_hooks(pop, create_graph)
    # Walk the order by popping it (oldest at the front): once a node is done and
    # released, nothing here holds its tensor, so an intermediate the caller
    # does not hold frees its array there and then instead of at the end of the
    # sweep (W3's eager CNN step at batch 64 peaks at 14.5 MiB instead of 15.5).
    # (With retain_graph the nodes keep their arrays anyway.)
    order.reverse()
    next_tensor = order.pop
    # A recorded sweep releases its nodes only once it has finished: a VJP that refuses
    # to be recorded (a compiled tape's) then leaves the graph whole for another try.
    release_now = not (retain_graph or create_graph)
    done: list[Node] = []
    # Retained non-leaves' gradients, given to their .grad with the leaves' once the whole
    # sweep has succeeded (a VJP failing part way changes no .grad); None when nothing is
    # marked, and for autograd.grad, which changes no .grad.
    kept: list | None = [] if targets is None and retained else None
    try:
        while order:
            t = next_tensor()
            g = pop(t, None)
            if wanted is not None and t in wanted:
                wanted[t] = g
                if t not in leads:
                    continue  # (nothing wanted below it: its node is neither run nor released)
            if g is None:
                continue
            if kept is not None and is_retained(t):
                kept.append((t, g))
            node = t.grad_fn
            prim, params, inputs = node.prim, node.params, node.inputs
            if create_graph:
                args = inputs
                # The VJP may use the output; recompute it as a recorded Tensor
                # so that second derivatives see its dependence on the inputs.
                ans = prim.apply(*inputs, **params) if prim.uses_ans else None
            else:
                args, ans = node.datas, node.out
            vjps = prim.vjps
            if prim.vjp_all is not None and not create_graph:
                # One call for every input (a compiled tape's whole reverse sweep).
                for i, gi in zip(node.needs, prim.vjp_all(g, ans, *args), strict=True):
                    p = inputs[i]
                    have = get(p)
                    grads[p] = gi if have is None else have + gi
            else:
                for i in node.needs:
                    # (Most primitives have no parameters; a call without ** is cheaper.)
                    gi = vjps[i](g, ans, *args, **params) if params else vjps[i](g, ans, *args)
                    p = inputs[i]
                    have = get(p)
                    grads[p] = gi if have is None else have + gi
            if release_now:
                node.inputs = node.datas = node.out = None
            elif not retain_graph:
                done.append(node)
        for node in done:
            node.inputs = node.datas = node.out = None
        # What is left in `grads` belongs to leaves.
        if hooks_on:
            for leaf in [p for p in grads if p.grad_fn is None and id(p) in hooked]:
                grads[leaf] = _run_hooks(leaf, grads[leaf], create_graph)
        if wanted is not None:
            for t in wanted:
                if t.grad_fn is None:
                    wanted[t] = grads.get(t)
            return [wanted[t] for t in targets]
        _hand_to_leaves(grads, root_grads)
        if kept:
            for t, g in kept:
                _accumulate(t, g, _owners(g))  # (a copy: g went on to the VJPs, and maybe to a leaf)
        return None
    except _BARE_ERRORS as e:
        # (Only a broken VJP gets here, a custom primitive's: restate numpy's or Python's
        # bare error with the primitive, the input and the shapes. No cost until then.
        # A subclass (LinAlgError, AxisError, a user's own) is raised as it is, so a
        # caller can still catch it by its type.)
        if type(e) not in _BARE_ERRORS or _in_hook(e):
            raise
        loc = locals()
        raise _vjp_error(e, loc.get("node"), loc.get("i"), loc.get("g"), loc.get("gi"), grads) from e
    finally:
        _mode.grad_enabled = prev_mode
        if prev_into is not into:
            _mode.sweep_into_grad = prev_into


def _in_hook(e: Exception) -> bool:
    """Whether e came from a tensor's hook: the user's own error, raised as it is."""
    return any(f.f_code is _run_hooks.__code__ for f, _ in traceback.walk_tb(e.__traceback__))


def _shape_of(v: Any) -> str:
    return str(v.shape) if isinstance(v, (np.ndarray, Tensor)) else f"a {type(v).__name__}"


def _vjp_error(e: Exception, node: Any, i: Any, g: Any, gi: Any, grads: dict) -> Exception:
    """The error of a backward sweep that a VJP (or its result) broke, naming the
    primitive, the input and the shapes; `node`, `i`, `g` and `gi` are the sweep's
    last values of them (None where the sweep had not set them yet)."""
    frames = [f.f_code for f, _ in traceback.walk_tb(e.__traceback__)]
    kind = ValueError if isinstance(e, ValueError) else IndexError if isinstance(e, IndexError) else TypeError
    arrays = (np.ndarray, Tensor)
    if _hand_to_leaves.__code__ in frames:  # (handing the gradients to the leaves' .grad)
        for leaf, v in grads.items():
            if leaf.grad_fn is None and leaf.requires_grad and not isinstance(v, arrays):
                return TypeError(
                    f"backward: the gradient computed for a leaf of shape {leaf.shape} is "
                    f"{_shape_of(v)}, not an array: a VJP returned it (a custom primitive's? "
                    f"am.gradcheck or am.check_graph names the one): {type(e).__name__}: {e}")
        return kind(f"backward: giving the leaves their gradients failed: {type(e).__name__}: {e}")
    if node is None:
        return kind(f"backward: {e}")
    prim = node.prim
    name = prim.name
    shapes = " and ".join(str(np.shape(d)) for d in node.datas) if node.datas is not None else "?"
    if frames[-1] is backward_sweep.__code__:  # (the sweep's own line, not inside a VJP)
        if isinstance(e, IndexError) and isinstance(prim.vjps, tuple) and i is not None and i >= len(prim.vjps):
            return TypeError(
                f"backward: primitive {name!r} has {len(prim.vjps)} VJP(s) but input {i} needs a "
                f"gradient (inputs of shapes {shapes}); give one VJP per positional input "
                "(None for an input without gradient)")
        if i is not None and not isinstance(gi, arrays):
            return TypeError(
                f"backward: the VJP of {name!r} for input {i} (inputs of shapes {shapes}) returned "
                f"{_shape_of(gi)}, not an array of the input's shape: {type(e).__name__}: {e}")
    msg = (f"backward: the VJP of {name!r} for input {i} failed (inputs of shapes {shapes}, "
           f"output of shape {_shape_of(node.out) if node.out is not None else '?'}, "
           f"gradient {_shape_of(g)})")
    if isinstance(g, arrays) and node.out is not None and g.shape != node.out.shape:
        msg += (f": the gradient reaching it has shape {g.shape}, not its output's shape "
                f"{node.out.shape}, so the VJP of an op that used its output returned a wrong shape")
    elif g is not None and not isinstance(g, arrays):
        msg += f": the gradient reaching it is {_shape_of(g)}, which a VJP of an op that used its output returned"
    return kind(f"{msg}: {type(e).__name__}: {e}")


def _sweep_one_call(root: Tensor, g: Any, retain_graph: bool) -> None:
    """backward_sweep into .grad for a root whose one node has only leaves as inputs
    and a primitive whose `vjp_all` gives all their gradients in one call (a compiled
    tape's result): the general sweep's checks and hand-over without its graph
    bookkeeping (2% of the instructions of the paper's compiled training step)."""
    node = root.grad_fn
    inputs = node.inputs
    for i in node.needs:
        leaf = inputs[i]
        if leaf._grad is not None or leaf.data.dtype not in _GRAD_DTYPES:
            _check_leaf(leaf)
    if _state["changed"] > node.seq:
        _check_unchanged([root])
    seed = g.data if isinstance(g, Tensor) else g
    prev_mode = _mode.grad_enabled
    _mode.grad_enabled = False  # (adding to a .grad that requires grad records nothing)
    try:
        found = node.prim.vjp_all(seed, node.out, *node.datas)
        if not retain_graph:
            node.inputs = node.datas = node.out = None
        grads: dict[Tensor, Any] = {}
        for i, gi in zip(node.needs, found, strict=True):
            # (A tape recorded with two tensors lists one leaf twice when it is called
            # with that tensor twice: as the general sweep, sum its gradients before
            # adding them to .grad, (G + g1) + g2 rounding otherwise than G + (g1 + g2).)
            leaf = inputs[i]
            have = grads.get(leaf)
            grads[leaf] = gi if have is None else have + gi
        _hand_to_leaves(grads, (seed,))
    finally:
        _mode.grad_enabled = prev_mode


def _owners(*arrays: Any) -> set[int]:
    """ids of the arrays (or Tensors' arrays) and of their bases: the memory that
    _accumulate must copy rather than hand to a .grad."""
    ids = set()
    for g in arrays:
        g = g.data if isinstance(g, Tensor) else g
        ids.add(id(g))
        if isinstance(g, np.ndarray) and g.base is not None:
            ids.add(id(g.base))
    return ids


def backward_inputs(inputs: Any) -> list:
    """backward(inputs=...) checked: a tensor or a non-empty sequence of distinct tensors
    that require grad."""
    items = [inputs] if isinstance(inputs, Tensor) else list(inputs) if isinstance(inputs, Iterable) else None
    if not items:
        raise TypeError(f"backward: inputs must be a tensor or a non-empty sequence of tensors, got {inputs!r}")
    for k, t in enumerate(items):
        if not isinstance(t, Tensor):
            raise TypeError(f"backward: inputs[{k}] is a {type(t).__name__}, not a Tensor")
        if not t.requires_grad:
            raise RuntimeError(f"backward: inputs[{k}] (shape {t.shape}) does not require grad")
        if t._grad is not None or t.data.dtype not in _GRAD_DTYPES:
            _check_leaf(t)  # (a .grad it can add to; before the sweep changes anything)
    if len({id(t) for t in items}) < len(items):
        raise ValueError("backward: inputs lists a tensor twice")
    return items


def hand_to(targets: list, found: list, seed: Any) -> None:
    """backward(inputs=...)'s hand-over: each target's gradient (None: not reached) added
    to its .grad, as a leaf's is."""
    handed = _owners(seed)
    for t, g in zip(targets, found):
        if g is not None:
            _accumulate(t, g, handed)


def _hand_to_leaves(grads: dict[Tensor, Any], root_grads: Sequence[Any]) -> None:
    """Add the gradients in `grads` that belong to leaves requiring grad to their .grad."""
    # Never hand a caller's seed array (or a view of its memory) to a leaf as its .grad.
    handed = _owners(*root_grads)
    # Every gradient is checked before any .grad changes, so a bad one leaves them all as they were.
    for leaf, g in grads.items():
        if g.shape != leaf.data.shape and leaf.grad_fn is None and leaf.requires_grad:
            # (as PyTorch: a RuntimeError, which the sweep passes on as it is)
            raise RuntimeError(
                f"backward: the gradient computed for a leaf of shape {leaf.shape} has shape "
                f"{g.shape}: a VJP returned a wrong shape (a custom primitive's? am.check_graph "
                "names the one), or the leaf was given a new array (.data = ...) after the forward")
    for leaf, g in grads.items():
        if leaf.grad_fn is None and leaf.requires_grad:
            _accumulate(leaf, g, handed)


# The dtypes a gradient can have (a set look-up: half the time of reading dtype.kind).
_GRAD_DTYPES = frozenset(np.dtype(c) for c in "efdgFDG")


def _not_float_error(what: str, t: Tensor) -> RuntimeError:
    return RuntimeError(
        f"{what} of shape {t.shape} and dtype {t.dtype} requires grad, but only floating-point "
        "tensors can have gradients (requires_grad was set on an integer or boolean tensor); "
        "convert it with .astype(float) first"
    )


def _check_leaf(leaf: Tensor) -> None:
    """A leaf whose .grad a backward will change: its .grad (perhaps set by hand) must be a
    Tensor of its shape to add to, and its dtype floating (requires_grad may have been
    assigned to an integer tensor)."""
    if leaf.data.dtype.kind not in "fc" and leaf.requires_grad:
        raise _not_float_error("backward: a leaf", leaf)
    have = leaf._grad
    if have is None:
        return
    if not (isinstance(have, Tensor) and have.shape == leaf.shape):
        raise RuntimeError(
            f"backward: a leaf of shape {leaf.shape} has a .grad that is "
            + (f"of shape {have.shape}" if isinstance(have, Tensor) else f"a {type(have).__name__}")
            + ", which gradients cannot be added to; set it to None or to a Tensor of the leaf's shape"
        )


def _accumulate(leaf: Tensor, g: Any, handed: set[int]) -> None:
    """leaf.grad += g. Each leaf gets an array of its own (VJPs may pass one
    gradient array, or views of it, to several inputs), writable, of its dtype."""
    if not isinstance(g, Tensor):
        # An array with no base owns its memory (so it is writable: read-only
        # ones here are broadcast views, which have a base); so, in effect, does
        # a writable contiguous view of the whole of such an array (a gradient
        # that a transpose's or a reshape's VJP passed on). `handed` holds the
        # owners' ids, so no two leaves share one.
        dtype = leaf.data.dtype
        key = id(g) if type(g) is np.ndarray and g.base is None else _owner_of_whole_view(g)
        if key is None or key in handed or (g.dtype is not dtype and g.dtype != dtype):
            if g.dtype.kind == "c" and dtype.kind != "c":
                g = g.real  # (a real leaf's gradient through complex operations: the real part)
            g = np.array(g, dtype=dtype)
            key = id(g)
        handed.add(key)
        # (Tensor._wrap inlined: this runs for every leaf on every step.)
        wrapped = object.__new__(Tensor)
        wrapped.data, wrapped._grad, wrapped.requires_grad, wrapped.grad_fn, wrapped.name = (
            g, None, False, None, None)
        have = leaf._grad
        if have is None:
            leaf._grad = wrapped
        elif have.grad_fn is not None:
            # A .grad that a create_graph backward recorded keeps its graph, the new term
            # being a constant (as in PyTorch): the sweep runs with grad mode off, and an
            # unrecorded sum would drop the recorded term's dependence on the inputs.
            prev, _mode.grad_enabled = _mode.grad_enabled, True
            try:
                leaf._grad = have + wrapped
            finally:
                _mode.grad_enabled = prev
        else:
            leaf._grad = have + wrapped
        return
    # (create_graph: g is recorded. A copy of it, where needed, is a recorded op too.)
    data = g.data
    key = id(data) if data.base is None else _owner_of_whole_view(data)
    if g.dtype != leaf.dtype or key is None or key in handed or not data.flags.writeable:
        # (not the seed, a read-only view, nor another leaf's gradient)
        g = g.astype(leaf.dtype) if g.dtype != leaf.dtype else g + 0
        key = id(g.data)
    handed.add(key)
    leaf._grad = g if leaf._grad is None else leaf._grad + g


def _owner_of_whole_view(g: Any) -> int | None:
    """id of the array that owns g's memory if g is a writable contiguous view of
    all of it (a transpose or a reshape of a fresh gradient); otherwise None."""
    base = g.base if type(g) is np.ndarray else None
    if (type(base) is np.ndarray and base.base is None and g.size == base.size
            and g.dtype == base.dtype and g.flags.writeable
            and (g.flags.c_contiguous or g.flags.f_contiguous)):
        return id(base)
    return None
