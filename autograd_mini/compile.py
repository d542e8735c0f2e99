"""am.compile: record a function's primitives once, replay them as straight-line code.

An eager step on a small network spends most of its time in Python, not in
numpy: every operation makes a node, every backward walks and sorts the graph.
`compile(fn)` runs `fn` once while writing down every primitive it applies,
in order (a Wengert list, the "tape" of classic automatic differentiation),
and turns the tape into plain Python: a forward, one line per primitive, and
a reverse sweep, one line per VJP,

    v1 = add(v0, p1)                     gv0 = add_vjp0(gv1, v1, v0, p1)

calling the same numpy forwards and the same VJPs as the eager engine. Later
calls with inputs of the same shapes run that code: no nodes, no graph walk.
The result is a tensor with a single node (`compiled`) that holds the saved
arrays; its backward runs the reverse sweep and hands the gradients to the
tape's leaves through the normal engine, so `.backward()`, `.grad`,
`autograd.grad` and optimizers work as before, with the eager numbers bit
for bit -- except that a tensor used several times inside fn and also
outside it sums its gradients in another order (a last-bit difference).
`Compiled.code` shows the generated code. Where a primitive offers versions of
its forward and VJPs for fixed shapes (`Primitive.specialize`), the tape calls
those. One rewrite: a ReLU that only feeds a max-pool runs after it, on the
pooled map (they commute, gradients too).

A tape is one path through `fn` with its Python values frozen, so it is
recorded again when anything it froze may have changed: the arguments'
shapes, dtypes, memory layouts or requires_grad, a constant argument, the
grad mode, the default dtype (where a recording read it: integers taken as
floats by softmax or mse_loss), a closed-over tensor's shape, dtype, layout or requires_grad
(layouts, since ops choose their route by them and each route rounds its
sums in its own order), a variable that fn's
code (or its partial's, method's or Module forward's) reads from its
closure or globals rebound to another object (so `w = w - lr * w.grad` is
seen), or any attribute set on any Module object (a layer, a parameter
object, a `train()`/`eval()` that changes a mode, a hyperparameter). Tensors
reached another way (a dict entry, an attribute of a plain object, a variable
of a function fn calls)
are held by identity: update them in place (as the optimizers do) or pass
them as arguments. Any Module change anywhere invalidates every tape (so
alternating G.train() and D.eval() on every step records every step). No
tape is made from a call of a function that changes such state itself
(rebinds a variable it reads, sets a module attribute), nor from a call
in which an op raised an error that fn caught, nor from a call whose
arguments share an array or are also tensors fn (or a Module or object
passed as another argument) holds otherwise: that call runs eagerly. So
does a call whose values an op of a tape refuses (labels out of range), so
that fn's own try/except works and an error is the eager one. A function keeps its MAX_TAPES newest tapes and warns
when most of its calls record. Arguments are positional (an ndarray argument
is copied on every call, as eager ops copy it); `@am.compile` also works on a
method. Constant arguments are keyed by value; an object of a class of one's
own (a method's object) by identity and by what each of its attributes holds,
so rebinding one (`self.beta = 0.5`) records again; lists and dicts are refused.

What a replay could not reproduce is refused with a RuntimeError while
recording: reading a tensor's value into Python (`.item()`, `float()`,
`bool()`, `.numpy()`, `np.asarray`), handing an op a tensor made from an
array or an array that is not an argument (a mask or an index computed
from data; class labels are fine as an argument, which `cross_entropy`
hands to the `pick` primitive, whose forward checks each call's labels;
arrays the library marks as made from shapes alone, `engine.shape_constant`,
such as avg_pool2d's divisors without the padding or tril's mask, are kept in the
tape, as are the tensors of am.zeros, ones, full, arange, eye and their _like
forms (of a tensor, not of an array) made of shapes and Python numbers, read-only while fn records and,
those the tape keeps, from then on), a
boolean-mask argument used as an index, a tensor's `.grad`,
random numbers (`randn`, `rand`, dropout's mask, `nn.init`'s, numpy's and
Python's global generators), batch norm's
running-statistics update, an in-place method (`add_`, `clamp_`, ...) or item
assignment (`t[i] = v`) on any tensor, an in-place operator that would change
a tensor in place (on a leaf; on a tensor with a graph it is a recorded x = x + ...),
a layer's or a functional's inplace=True on an argument or a closed-over tensor
(on a tensor an op of fn made it is recorded: _Trace.write_inplace; but not
a write without a graph into an array that another tensor fn reads afterwards
shares, a view, which eager changes too, or that an op kept for its gradient),
`backward()` and optimizer steps.
Not caught: a number (Python or numpy scalar) you compute from `.data`
yourself or from an ndarray argument (`mask.sum()`: pass a mask you compute
with as a Tensor, whose operations are recorded), and so a size made of one
(`am.zeros(int(x.data.max()) - n)` to pad to a length the data sets: the
replay keeps the first call's length; pad with am.pad of an argument's shape,
or call such a function uncompiled), numbers drawn from a
generator object of your own, Python values read from a dict or from the
attributes of an object that is not an argument (frozen, as tensors reached
that way are held), the shape or dtype of a closed-over tensor that no op
of fn uses, read into Python (`am.zeros(t.shape)`; `am.zeros_like(t)` is
checked), class attributes (`Net.scale = 3.0` on a Module's or a
method object's class), variables that the functions fn calls (a helper, a
submodule's forward) read from their own globals, changes inside an
attribute's value (a list appended to), and side effects
such as printing, which run only while recording (and so do checks on input
values written in Python; a primitive's own checks, and the library's checks
of values made of ops, as binary_cross_entropy's of its probabilities, run on
every replay).
Gradients of gradients (`create_graph=True`) need the eager function.
A recording is process-wide, unlike grad mode, which each thread has its
own of: while one thread records a tape, do not run tensor operations in
another (they would be seen by the recording, and a value read refused).
"""

from __future__ import annotations

import builtins
import functools
import itertools
import keyword
import math
import random
import types
import warnings
from typing import Any, Callable, NamedTuple

import numpy as np

from . import creation as _creation
from . import engine
from . import primitives as _P
from .engine import Node, _mode, _state, node_counter, scope_names
from .nn.module import Module
from .primitives import Primitive
from .tensor import Tensor, _default

__all__ = ["compile", "Compiled"]

MAX_TAPES = 8
"""Tapes kept per compiled function (one per input signature); the oldest goes first."""


def compile(fn: Callable[..., Tensor]) -> "Compiled":
    """Compile `fn` (Tensors, ndarrays and hashable constants in, by position only; one
    Tensor out).

    The first call with a new input signature runs `fn` eagerly and records
    its tape; later calls replay it. `Compiled.code` shows the code it runs.
    """
    if not callable(fn):
        raise TypeError(f"compile: expected a callable, got {type(fn).__name__}")
    return Compiled(fn)


class Compiled:
    """A function with its recorded tapes, one per input signature (see module doc)."""

    def __init__(self, fn: Callable[..., Tensor]) -> None:
        self.fn = fn
        self._tapes: dict[tuple, _Tape] = {}
        self.calls = 0
        self.recordings = 0  # how many of the calls ran fn eagerly (to record a tape, or not taped)
        self._warned = False
        self._untaped = ""  # why the last call that could not be taped was not
        functools.update_wrapper(self, fn, updated=())  # type: ignore[arg-type]

    def __repr__(self) -> str:
        name = getattr(self.fn, "__name__", type(self.fn).__name__)
        return f"<compiled {name}: {len(self._tapes)} tape(s)>"

    def __getstate__(self) -> dict:
        """copy, deepcopy and pickle take the function without its tapes: a tape holds
        the tensors fn read (a Module's parameters), which a copy of fn does not use, and
        its generated code does not pickle. The copy records its own on its first call."""
        state = dict(self.__dict__)
        state.update(_tapes={}, calls=0, recordings=0, _warned=False, _untaped="")
        return state

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        """As a method (`@am.compile` on a def in a class): bound to obj, which the
        tapes then key by identity."""
        return self if obj is None else functools.partial(self, obj)

    @property
    def code(self) -> str:
        """The generated source of every tape recorded so far (forward and reverse sweep)."""
        return "\n\n".join(t.source for t in self._tapes.values())

    def __call__(self, *args: Any) -> Tensor:
        if engine.tracers:  # inside another function's recording: run eagerly, so it sees the ops
            return self.fn(*args)
        self.calls += 1
        for tape in self._tapes.values():
            try:
                out = tape.run(args)
            except (ValueError, IndexError, TypeError, ArithmeticError):
                # An op refused this call's values (labels out of range, say). fn may
                # catch that and go another way, so it runs as written: eagerly, where
                # the op raises its own error again if fn lets it through.
                break
            if out is not None:
                return out
        key = (_mode.grad_enabled,) + tuple(map(_signature, args))  # (raises before fn runs)
        out, tape = _record(self.fn, args, key)
        self.recordings += 1
        if isinstance(tape, str):  # why no tape could be made of this call
            self._untaped, tape = tape, None
        # Tapes recorded before a Module changed never match again: let go of what they hold.
        self._tapes = {k: t for k, t in self._tapes.items() if t.modules == _state["modules"]}
        if tape is not None:
            self._tapes.pop(tape.key, None)
            self._tapes[tape.key] = tape  # (newest last)
            if len(self._tapes) > MAX_TAPES:
                del self._tapes[next(iter(self._tapes))]
        if self.recordings > MAX_TAPES and 2 * self.recordings > self.calls and not self._warned:
            self._warned = True
            warnings.warn(
                f"compile: {self!r} recorded {self.recordings} of its {self.calls} calls: inputs' "
                "shapes, layouts or constants, closed-over variables or modules change from call to call "
                "(a Module created on every call? fn updating its own state?), so replaying gains little"
                + (f"; the last call that made no tape: {self._untaped}" if self._untaped else ""),
                RuntimeWarning, stacklevel=2,
            )
        return out


def _signature(a: Any) -> tuple:
    """What an argument's tape depends on: a tensor's shape, layout, dtype and requires_grad;
    a constant's value. (The layout too, so that calls alternating two layouts keep a tape each.)"""
    if isinstance(a, Tensor):
        return (type(a), a.data.shape, a.data.strides, a.data.dtype, a.requires_grad)
    if isinstance(a, np.ndarray):
        return (type(a), a.shape, a.strides, a.dtype)
    return _constant_key(a)


def _constant_key(v: Any) -> tuple:
    """v's type and value, exactly: -0.0 is not 0.0, (2,) is not (2.0,), nan is nan.

    An object of a class of one's own (a method's object, a dataclass) is keyed by
    identity and by the identities of its attributes' values. Raises TypeError for
    what cannot be a constant of a tape: lists, dicts, sets (a replay could not see
    them change), and tensors or arrays inside a container (pass those as
    arguments of their own).
    """
    if isinstance(v, (Tensor, np.ndarray)):
        raise TypeError(
            f"compile: a {type(v).__name__} inside a constant argument; pass each tensor or array "
            "as an argument of its own"
        )
    if isinstance(v, (float, np.floating)):
        return (type(v), float(v).hex())
    if isinstance(v, (complex, np.complexfloating)):
        return (type(v), complex(v).real.hex(), complex(v).imag.hex())
    if isinstance(v, tuple):  # (namedtuples too)
        return (type(v),) + tuple(_constant_key(e) for e in v)
    if isinstance(v, frozenset):
        return (type(v), frozenset(_constant_key(e) for e in v))
    if isinstance(v, (list, dict, set, bytearray)):
        raise TypeError(
            f"compile: argument of type {type(v).__name__} is neither a Tensor, an ndarray "
            "nor hashable; a tape keys constants by value (pass a tuple)"
        )
    attrs = _own_attributes(v)
    if attrs is not None and not isinstance(v, (Module, type, types.ModuleType, types.FunctionType,
                                                types.MethodType, functools.partial)):
        # An object of a class of one's own (a trainer whose method is compiled): keyed
        # by identity and by what its attributes hold, so `self.model = other` or
        # `self.beta = 0.5` records again (a Module's changes are tracked anyway).
        return (type(v), _Identity(v), tuple((k, _Identity(a)) for k, a in attrs.items()))
    try:
        hash(v)
    except TypeError:
        return (type(v), _Identity(v))
    return (type(v), v)


def _own_attributes(v: Any) -> dict | None:
    """The attributes an object holds in its __dict__ and, when it hashes by identity
    (no value of its own to key by), in its classes' __slots__; None for neither."""
    attrs = getattr(v, "__dict__", None)
    slotted = {}
    for cls in type(v).__mro__ if type(v).__hash__ is object.__hash__ else ():
        names = cls.__dict__.get("__slots__", ()) if cls.__module__ != "builtins" else ()
        for name in (names,) if isinstance(names, str) else names:
            if name not in ("__dict__", "__weakref__") and hasattr(v, name):
                slotted[name] = getattr(v, name)
    if attrs is None and not slotted:
        return None
    return {**(attrs or {}), **slotted}


class _Identity:
    """A key that equals only a key of the same object (which it keeps alive, so its
    id is not reused while a tape holds it)."""

    __slots__ = ("obj",)

    def __init__(self, obj: Any) -> None:
        self.obj = obj

    def __eq__(self, other: object) -> bool:
        return type(other) is _Identity and other.obj is self.obj

    def __hash__(self) -> int:
        return id(self.obj)


# -- recording ------------------------------------------------------------------------


class _Trace:
    """What one eager run of the function did: its primitive applications, in order."""

    def __init__(self) -> None:
        self.ops: list[tuple[Primitive, tuple, dict, Tensor]] = []
        self.errstate: list[dict] = []  # numpy's error handling around each op
        self.scopes: list[tuple] = []  # engine scope of each op (modules, composite ops)
        self.created: dict[int, Tensor] = {}
        self.shape_reads: list[Tensor] = []  # tensors whose shape and dtype a kept constant took
        self.read_only: list[np.ndarray] = []  # arrays of creation functions, read-only while recording
        self.kept: set[int] = set()  # ids of the shape constants the tape keeps
        self.shape_constants: dict[int, np.ndarray] = {}  # (engine.shape_constant's; kept alive here)
        self.raised = ""  # the error an op raised during the recording (which fn then caught)
        self.default_dtype: np.dtype | None = None  # the default float dtype, if anything read it
        self.checks: list[Tensor] = []  # 0-d bool results of ops that a replay requires to be True
        self.argument_arrays: list[np.ndarray] = []  # the arrays of fn's Tensor and ndarray arguments
        self.aliased: dict[int, str] = {}  # tensors sharing the array an unrecorded in-place write went into

    def check(self, ok: Tensor) -> None:
        """Keep the ops that made ok (a 0-d bool: a library's test of its input values) in
        the tape, though the result does not depend on them; a replay in which ok is False
        raises ValueError, so that the call runs eagerly and raises the library's error.
        Failing now, the library raises: a function that catches the error and goes on
        gets no tape (as for an op's error), whose checks would pass only other inputs."""
        self.checks.append(ok)
        if not ok.data:
            self.raised = "ValueError in a check of its input values"

    def record(self, prim: Primitive, args: tuple, params: dict, out: Tensor) -> None:
        if self.aliased:
            self.read_aliased(prim.name, args)
        self.ops.append((prim, args, params, out))
        self.scopes.append(_mode.scope)  # (for errors: the op and module the user called)
        self.errstate.append(np.geterr())  # (compared with the caller's when the code is made)

    def references(self, t: Tensor) -> int:
        """How many references to t the recording holds (engine._view_links discounts
        them from t's reference count)."""
        n = sum(o is t for _, _, _, o in self.ops)
        for _, args, _, o in self.ops:  # (an op's args tuple is mostly its node's inputs itself)
            node = getattr(o, "grad_fn", None)
            if node is None or node.inputs is not args:
                n += sum(a is t for a in args)
        n += sum(v is t for v in self.created.values())
        return n + sum(v is t for v in self.checks) + sum(v is t for v in self.shape_reads)

    def read_aliased(self, what: str, tensors: Any) -> None:
        """Refuse a read of a tensor whose array a layer's inplace=True wrote into through
        another tensor (write_inplace): the eager call sees the write, a replay would not."""
        for a in tensors:
            if isinstance(a, Tensor) and id(a) in self.aliased:
                raise RuntimeError(
                    f"{what}: reads a tensor of shape {a.shape} whose array {self.aliased[id(a)]}(inplace=True) "
                    "wrote into through another tensor sharing it (a view, written without a graph); a "
                    "replay would not see the write. Use inplace=False for am.compile")

    def write_inplace(self, t: Tensor, value: Tensor, where: str = "inplace") -> bool:
        """A layer's inplace=True (F._write_inplace) while recording: t, the output of a
        recorded op, takes value's (the output of a later one; same shape and dtype) as the
        eager call records it (t.copy_(value): engine.rebase to a selection of value). The
        ops recorded before are pointed at t's old version, and the selection's output is t:
        the tape reads t's new value wherever fn reads t afterwards. False (nothing changed)
        for any other t: an argument or a closed-over tensor, whose write a replay could
        not repeat. Without a graph (or under no_grad) the eager write goes into t's array
        (torch_methods.in_place_array), and so into every tensor sharing it (a slice, a
        reshape): False if one of them is not an op's output (an argument, a parameter);
        an op's output is refused if an op reads it afterwards (read_aliased), or fn returns it."""
        made = {id(o) for _, _, _, o in self.ops}
        if (id(t) not in made or id(value) not in made or value.shape != t.shape
                or value.dtype != t.dtype):
            return False
        if not (_mode.grad_enabled and (t.grad_fn is not None or value.requires_grad)):
            seen = {id(x): x for _, args, _, o in self.ops for x in (*args, o) if isinstance(x, Tensor)}
            seen.pop(id(t), None)
            sharing = [x for x in seen.values() if np.may_share_memory(t.data, x.data)]
            if (any(id(x) not in made for x in sharing)
                    or any(np.may_share_memory(t.data, a) for a in self.argument_arrays)):
                return False
            for prim, args, _, o in self.ops:
                if not o.requires_grad:
                    continue
                # (what the op's node keeps for its VJPs, as the eager backward checks it)
                if any(isinstance(a, Tensor) and np.may_share_memory(a.data, t.data)
                       for a in prim.kept(args, o)):
                    # (eager's backward refuses the write: engine._refuse; a replay's would not)
                    raise RuntimeError(
                        f"{where}(inplace=True): writes without a graph into an array (shape {t.shape}) "
                        f"that {prim.name} kept for its gradient, which the eager backward refuses and a "
                        "replay would not see; use inplace=False for am.compile")
            self.aliased.update((id(x), where) for x in sharing)
        from .torch_methods import overwrite  # (torch_methods imports this module's users)
        n = len(self.ops)
        made_now: list[Tensor] = []

        def change(old: Tensor) -> Tensor:
            made_now.append(old)
            made_now.append(overwrite(old, value))
            return made_now[-1]

        engine.rebase(t, change, f"{where}(inplace=True)")
        old, new = made_now

        def before(v: Any) -> Any:
            return old if v is t else v

        self.ops[:n] = [(prim, tuple(map(before, args)), params, before(o))
                        for prim, args, params, o in self.ops[:n]]
        self.ops[n:] = [(prim, args, params, t if o is new else o) for prim, args, params, o in self.ops[n:]]
        self.checks = [before(c) for c in self.checks]
        self.shape_reads = [before(r) for r in self.shape_reads]
        return True

    def constant(self, a: Any) -> bool:
        """Is `a` an array marked as made of shapes alone (engine.shape_constant: tril's
        mask, am.zeros' array)? Then the tape keeps it (read-only after the recording)."""
        if isinstance(a, np.ndarray) and self.shape_constants.get(id(a)) is a:
            self.kept.add(id(a))
            return True
        return False

    def is_argument(self, a: np.ndarray) -> bool:
        """Is `a` (an array fn hands an op as a parameter, as quantile's q) in the memory of
        one of fn's arguments? Its values then differ between calls; another ndarray (closed
        over, or made in fn from constants) is a constant of the tape, as a list is."""
        return type(a) is _ArgumentArray or any(np.may_share_memory(a, b) for b in self.argument_arrays)

    def freeze(self, a: np.ndarray) -> None:
        """`a`, a non-argument ndarray whose values the tape freezes (quantile's q), is made
        read-only while recording and, if the tape is kept, from then on (as the kept arrays
        of am.zeros and the like), with the arrays it views (np.linspace's result is a view):
        changing it in place would otherwise replay the old values silently."""
        while isinstance(a, np.ndarray):
            if a.flags.writeable:
                a.flags.writeable = False
                self.read_only.append(a)
                self.kept.add(id(a))
            a = a.base

    def tensor_made(self, t: Tensor) -> None:
        self.created[id(t)] = t

    def shape_read(self, t: Tensor) -> None:
        self.shape_reads.append(t)

    def release(self, taped: bool) -> None:
        """Make the creation functions' arrays writable again, but for those the tape keeps:
        a write into one of them (a buffer fn stored) would change every replay."""
        for a in self.read_only:
            if not (taped and id(a) in self.kept):
                a.flags.writeable = True

    @staticmethod
    def plain(args: tuple, datas: tuple, params: dict) -> tuple[tuple, tuple, dict]:
        """An op's inputs, their arrays and its parameters with argument arrays as plain
        ndarrays: here it is the op that computes with them, and its node keeps them."""
        if any(type(d) is _ArgumentArray for d in datas):
            args = tuple(_plain(a) for a in args)
            datas = tuple(_plain(d) for d in datas)
        if params and any(type(v) is _ArgumentArray or type(v) is tuple for v in params.values()):
            params = {k: _plain(v) for k, v in params.items()}
        return args, datas, params

    @staticmethod
    def value_read(what: str, t: Tensor) -> None:
        raise RuntimeError(
            f"compile: the function reads a tensor's value ({what} of shape {t.shape}) while it is "
            "recorded; a replay would reuse this value. Keep the value inside tensor operations, "
            "or call the function uncompiled"
        )


class _ArgumentArray(np.ndarray):
    """An ndarray argument as fn sees it while it is recorded (a view of it).

    Ops take it as that argument, but numpy computing with it in fn's own code
    (`mask.sum()`, `1 - w`, `float(w[0])`) would freeze the result into the
    tape, so that raises while recording. Ops get it as a plain array, and once
    the recording is over (fn may have kept it) it behaves as one.
    """

    argument: str = "an argument"
    recording: list = [False]  # shared by the views of one recording: [still recording?]

    def __array_finalize__(self, obj: Any) -> None:
        self.argument = getattr(obj, "argument", "an argument")
        self.recording = getattr(obj, "recording", [False])

    def _check(self, what: str) -> None:
        if self.recording[0]:
            raise RuntimeError(
                f"compile: the function computes with its ndarray argument {self.argument} in "
                f"numpy ({what}) while it is recorded; a replay would reuse the result. Pass it "
                "as a Tensor (whose operations are recorded), or call the function uncompiled"
            )

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        self._check(f"{ufunc.__name__}" + ("" if method == "__call__" else f".{method}"))
        if "out" in kwargs:
            kwargs["out"] = tuple(_plain(o) for o in kwargs["out"])
        return getattr(ufunc, method)(*(_plain(i) for i in inputs), **kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        if func not in (np.shape, np.ndim, np.size):
            self._check(f"numpy.{func.__name__}")
        return super().__array_function__(func, types, args, kwargs)

    def __getitem__(self, key: Any) -> Any:
        out = super().__getitem__(key)
        if not isinstance(out, np.ndarray):
            self._check("reading an element")
        return out

    def _reader(name: str, what: str) -> Callable:  # (a method factory, used just below)
        def read(self: "_ArgumentArray", *args: Any) -> Any:
            self._check(what)
            return getattr(self.view(np.ndarray), name)(*args)
        return read

    item = _reader("item", "item()")
    tolist = _reader("tolist", "tolist()")
    __float__ = _reader("__float__", "float()")
    __int__ = _reader("__int__", "int()")
    __index__ = _reader("__index__", "int()")
    __bool__ = _reader("__bool__", "bool()")
    del _reader


def _plain(v: Any) -> Any:
    if type(v) is _ArgumentArray:
        return v.view(np.ndarray)
    if type(v) is tuple:
        return tuple(_plain(e) for e in v)
    return v


def _memory(a: np.ndarray) -> tuple:
    """Where an array's elements are: arrays with equal keys hold the same values."""
    return (a.__array_interface__["data"][0], a.shape, a.strides, a.dtype.str)


def _record(fn: Callable, args: tuple, key: tuple) -> tuple[Any, "_Tape | str"]:
    """Run fn eagerly on args, recording its primitives; return its result and its tape,
    or why no tape was made (see _record_into)."""
    trace = _Trace()
    taped = False
    try:
        out, tape = _record_into(trace, fn, args, key)
        taped = isinstance(tape, _Tape)
    finally:
        trace.release(taped)
    return out, tape


def _record_into(trace: "_Trace", fn: Callable, args: tuple, key: tuple) -> tuple[Any, "_Tape | str"]:
    """_record, into trace.

    No tape (each such call runs fn eagerly) when fn rebinds a variable it reads
    or changes a module, which a replay would not do; when two arguments share
    an array; or when an argument is also a tensor that fn holds otherwise
    (closed over, in a container, a module's parameter): the generated code
    could not tell the uses apart.
    """
    # ndarray arguments are copied, as eager ops copy an ndarray (as_tensor) or an index
    # they keep: a caller refilling its array before backward() changes nothing.
    args = tuple(a.copy(order="K") if isinstance(a, np.ndarray) else a for a in args)
    trace.argument_arrays = [a.data if isinstance(a, Tensor) else a for a in args if isinstance(a, (Tensor, np.ndarray))]
    errstate = np.geterr()
    before, modules = [c[3] for c in _captured(fn)], _state["modules"]
    randomness = _global_random_states()
    recording = [True]
    seen = tuple(_argument_view(a, i, recording) if isinstance(a, np.ndarray) else a
                 for i, a in enumerate(args))
    engine.tracers.append(trace)
    try:
        out = fn(*seen)
    finally:
        engine.tracers.pop()
        recording[0] = False  # (views fn kept are plain arrays from now on)
    trace.read_aliased("compile: the function's result", [out])
    if not _same_random_states(randomness, _global_random_states()):
        raise RuntimeError(
            "compile: the function draws numbers from numpy's, Python's or the library's global "
            "random generator (nn.init's, say) while it is recorded; a replay would reuse them. "
            "Draw them outside "
            "and pass them as an argument, or call the function uncompiled"
        )
    if trace.raised:
        return out, (f"an operation raised {trace.raised} while the function was recorded and the function "
                     "went on; a replay could not take another branch")
    captured = _captured(fn)
    after = [c[3] for c in captured]
    if _state["modules"] != modules or len(after) != len(before) or any(
            x is not y for x, y in zip(before, after)):
        return out, "the function changed a Module or rebound a variable it reads"
    held = _held_tensors([c[3] for c in captured] + [fn])
    arrays = [a for a in args if isinstance(a, (Tensor, np.ndarray))]
    reachable = held + _tensors_read_through(args, fn)
    data_ids = {id(a.data if isinstance(a, Tensor) else a) for a in arrays}
    held_ids = {id(t) for t in reachable} | {id(t.data) for t in reachable}
    if (len(data_ids) < len(arrays) or any(id(a) in held_ids for a in arrays) or data_ids & held_ids
            or len({_memory(a.data if isinstance(a, Tensor) else a) for a in arrays}) < len(arrays)):
        return out, ("two arguments share an array, or an argument is also a tensor the function "
                     "holds otherwise")
    return out, _Tape(trace, args, out, key, captured, reachable, errstate,
                      getattr(fn, "__name__", type(fn).__name__))


def _argument_view(a: np.ndarray, i: int, recording: list) -> _ArgumentArray:
    view = a.view(_ArgumentArray)
    view.argument, view.recording = f"x{i}", recording
    return view


def _global_random_states() -> tuple:
    """numpy's and Python's global generators' states, and the library's generator (which
    am.manual_seed replaces) with its state: nn.init draws from it."""
    gen = _creation._rng["gen"]
    return np.random.get_state(), random.getstate(), gen, gen.bit_generator.state


def _same_random_states(a: tuple, b: tuple) -> bool:
    (na, pa, ga, sa), (nb, pb, gb, sb) = a, b
    return (pa == pb and na[0] == nb[0] and na[2:] == nb[2:] and np.array_equal(na[1], nb[1])
            and ga is gb and sa == sb)


def _refuse_grad_reads(externals: list, owners: list) -> None:
    """Raise if a closed-over tensor is some tensor's .grad: each backward makes a new one."""
    grad_of = {id(t._grad): t for t in itertools.chain(owners, externals) if t._grad is not None}
    for e in externals:
        if id(e) in grad_of:
            raise RuntimeError(
                f"compile: the function reads the .grad of a tensor of shape {grad_of[id(e)].shape}; "
                "every backward makes a new one, and a replay would keep reading this one. Pass "
                "the gradient as an argument"
            )


def _tensors_read_through(args: tuple, fn: Callable) -> list[Tensor]:
    """Tensors fn may read through its other arguments: a Module argument's parameters
    and buffers, and an object argument's attributes whose names fn's code reads
    (`self.w` in a method; a Module's parameters and buffers for `self.model`).
    cf(model, model.weight) would otherwise bind every use of the weight to the
    argument's slot; `trainer.step(trainer.x)` whose code reads only self.w stays taped."""
    code = _code_owner(fn)
    names = _global_names(code.__code__) if code is not None else set()
    found: list[Tensor] = []
    for a in args:
        if isinstance(a, Module):
            found.extend(itertools.chain(a.parameters(), a.buffers()))
        elif not isinstance(a, (Tensor, np.ndarray)):
            for k, v in (_own_attributes(a) or {}).items():
                if k in names and isinstance(v, Tensor):
                    found.append(v)
                elif k in names and isinstance(v, Module):  # (self.model(x))
                    found.extend(itertools.chain(v.parameters(), v.buffers()))
    return found


def _held_tensors(values: list) -> list[Tensor]:
    """Tensors reachable from values: themselves, modules' parameters and buffers,
    and one level into containers, partials and bound objects."""
    found: list[Tensor] = []

    def visit(v: Any, depth: int) -> None:
        if isinstance(v, Tensor):
            found.append(v)
        elif isinstance(v, Module):
            found.extend(itertools.chain(v.parameters(), v.buffers()))
        elif depth == 0:
            return
        elif isinstance(v, dict):
            for e in v.values():
                visit(e, depth - 1)
        elif isinstance(v, (list, tuple, set, frozenset)):
            for e in v:
                visit(e, depth - 1)
        elif isinstance(v, functools.partial):
            for e in (v.func, *v.args, *v.keywords.values()):
                visit(e, depth - 1)
        elif isinstance(v, types.MethodType):
            visit(v.__self__, depth)
        elif hasattr(v, "__dict__") and not isinstance(v, (type, types.ModuleType, types.FunctionType)):
            for e in vars(v).values():
                visit(e, depth - 1)

    for v in values:
        visit(v, 1)
    return found


def _captured(fn: Callable) -> list[tuple[str, Any, str, Any]]:
    """The variables fn's code reads from its closure and its globals, as
    (kind, cell or globals dict, name, value): the tape checks they still hold the
    same objects. For a partial, a bound method or a Module, the code is that of
    its function, method or forward, for a compiled function that of the function
    it compiled. (Variables read by the functions fn calls are not followed.)"""
    fn = _code_owner(fn)
    if fn is None:
        return []
    found = []
    for name, cell in zip(fn.__code__.co_freevars, fn.__closure__ or ()):
        try:
            found.append(("cell", cell, name, cell.cell_contents))
        except ValueError:  # a cell not filled yet
            pass
    names = _global_names(fn.__code__)
    found += [("global", fn.__globals__, n, fn.__globals__[n]) for n in sorted(names) if n in fn.__globals__]
    return found


def _code_owner(fn: Any) -> types.FunctionType | None:
    """The function whose code runs when fn is called (through partials, bound
    methods, a Module's forward and a compiled function, which inside a recording
    runs its function as written); None for other callables."""
    while not isinstance(fn, types.FunctionType):
        if isinstance(fn, functools.partial):
            fn = fn.func
        elif isinstance(fn, Compiled):
            fn = fn.fn
        elif isinstance(fn, types.MethodType):
            fn = fn.__func__
        elif isinstance(fn, Module):
            fn = type(fn).forward
        else:
            return None
    return fn


def _global_names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for c in code.co_consts:  # lambdas and comprehensions inside fn
        if isinstance(c, types.CodeType):
            names |= _global_names(c)
    return names


class _Op(NamedTuple):
    """One op of a tape: the k-th recorded op (its output is named v<k>), its input and
    parameter sources in the generated code, its output's (shape, dtype), the positions
    of its eager node's edges, the names it reads, and the primitive's forward ("fwd")
    and VJPs (by position) specialised to its shapes."""

    k: int
    prim: Primitive
    ins: list
    params: dict
    out: tuple
    needs: set
    reads: set
    fns: dict


class _Namer:
    """Names of a tape's values in the generated code: x<i> (the i-th argument),
    p<j> (a tensor closed over by the function: a parameter or buffer, read
    afresh at every call), v<k> (the output of the k-th recorded op); and, as
    it names them, the refusal of inputs a replay could not reproduce."""

    def __init__(self, args: tuple, trace: _Trace) -> None:
        self.trace = trace
        self.names: dict[int, str] = {}  # id of a Tensor or argument array -> its name
        # where an argument's array is in memory (see _memory) -> the argument's name: the
        # function may see it as a view (an _ArgumentArray, np.asarray of it)
        self.arg_arrays: dict[tuple, str] = {}
        self.requires_grad: dict[str, bool] = {}  # of arguments and closed-over tensors
        self.externals: list[Tensor] = []  # the closed-over tensors, p0, p1, ...
        # The arrays a tensor fn makes may wrap to be an argument: an ndarray argument's
        # (a private copy, so any array in its memory is a view of it) and a Tensor
        # argument's own array (other arrays in its memory may be the caller's: a global
        # the argument views, which fn wraps itself).
        self.wrappable: set[int] = {id(a.data) for a in args if isinstance(a, Tensor)}
        for i, a in enumerate(args):
            if isinstance(a, (Tensor, np.ndarray)):
                self.names[id(a)] = f"x{i}"
                self.arg_arrays[_memory(a.data if isinstance(a, Tensor) else a)] = f"x{i}"
            if isinstance(a, np.ndarray):
                self.wrappable.add(_memory(a))
            if isinstance(a, Tensor):
                self.requires_grad[f"x{i}"] = a.requires_grad
        for k, (_, _, _, o) in enumerate(trace.ops):
            self.names[id(o)] = f"v{k}"

    def argument_of(self, arr: np.ndarray) -> str | None:
        """The argument an array fn hands an op (or wraps in a tensor) is, or None: one in
        an ndarray argument's memory (a private copy: any array there is a view of it), or
        a Tensor argument's own array. Another array in a Tensor argument's memory may be
        the caller's (a global the argument views), which a replay must not replace."""
        n = self.arg_arrays.get(_memory(arr))
        if n is not None and (id(arr) in self.wrappable or _memory(arr) in self.wrappable):
            return n
        return None

    def op(self, k: int, ns: "_Namespace") -> _Op:
        """The k-th recorded op, named."""
        prim, op_args, p_values, o = self.trace.ops[k]
        try:
            ins = [self.operand(a, pos, prim, ns) for pos, a in enumerate(op_args)]
            reads = {x for x in ins if _local_name(x)}
            params = {name: _param(v, prim, name, self.argument_of, ns, reads, self.trace)
                      for name, v in p_values.items()}
        except RuntimeError as e:  # (name the op the user called, not only the primitive)
            inside = scope_names(self.trace.scopes[k])
            if not inside:
                raise
            msg = str(e).replace(f"compile: {prim.name} ", f"compile: {prim.name} (in {inside}) ", 1)
            raise RuntimeError(msg) from None
        needs = {i for i, a in enumerate(op_args)
                 if isinstance(a, Tensor) and a.requires_grad and prim.vjps[i] is not None
                 } if o.grad_fn is not None else set()
        fns = {}  # the primitive's forward and VJPs for these shapes, where it has them
        if prim.specialize is not None:
            datas = [a.data if isinstance(a, Tensor) else a for a in op_args]
            for which in ("fwd", *needs):
                fn = prim.specialize(which, o.data, *datas, **p_values)
                if fn is not None:
                    fns[which] = fn
        return _Op(k, prim, ins, params, (o.data.shape, o.data.dtype), needs, reads, fns)

    def shape_sources(self) -> None:
        """Make the tensors whose shape and dtype a kept constant took (am.zeros_like(t))
        closed-over tensors of the tape, if no op reads them and fn did not make them:
        their shape, dtype and layout are then checked before every replay."""
        for t in self.trace.shape_reads:
            if id(t) not in self.names and id(t) not in self.trace.created:
                n = self.names[id(t)] = f"p{len(self.externals)}"
                self.requires_grad[n] = t.requires_grad
                self.externals.append(t)

    def operand(self, a: Any, pos: int, prim: Primitive, ns: "_Namespace") -> str:
        """The name (or literal) an op input becomes in the generated code."""
        if isinstance(a, Tensor):
            n = self.names.get(id(a))
            if n is not None:
                return n
            if id(a) in self.trace.created:  # made inside fn: fine only around an argument's array
                n = self.argument_of(a.data)
                if n is not None and not a.requires_grad:
                    return n
                if not a.requires_grad and self.trace.constant(a.data):
                    return ns.constant(a.data)  # (am.zeros, am.arange, ... of shapes and numbers)
                raise RuntimeError(
                    f"compile: {prim.name} (input {pos}) gets a tensor of shape {a.shape} that the "
                    "function creates from an array while it is recorded (am.tensor, a creation "
                    "function, detach(), nn.Parameter); a replay would reuse its values. Pass it "
                    "as an argument or create it outside the function"
                )
            n = self.names[id(a)] = f"p{len(self.externals)}"
            self.requires_grad[n] = a.requires_grad
            self.externals.append(a)
            return n
        n = self.argument_of(a) if isinstance(a, np.ndarray) else None
        if n is not None:
            return n
        if self.trace.constant(a):
            return ns.constant(a)
        _refuse_arrays(a, prim, f"input {pos}")
        return ns.constant(a)


class _Tape:
    """One recorded path through the function, as generated forward and backward code."""

    def __init__(self, trace: _Trace, args: tuple, out: Any, key: tuple, captured: list,
                 held: list, errstate: dict, name: str) -> None:
        if not isinstance(out, Tensor):
            raise TypeError(f"compile: the function must return one Tensor, got {type(out).__name__}")
        namer = _Namer(args, trace)
        out_name = namer.names.get(id(out), "")
        if not out_name.startswith("v"):
            raise ValueError("compile: the function must compute its result with tensor operations "
                             "(it returned an input or a tensor made outside them)")
        ns = _Namespace()
        # (an op whose output's shape and dtype a kept constant took stays in the tape, so
        # that the closed-over tensors it reads are checked: am.zeros_like(state.T))
        shaped = [t for t in trace.shape_reads if namer.names.get(id(t), "x")[0] == "v"]
        roots = [out, *trace.checks, *_index_users(trace.ops, namer.arg_arrays), *shaped]
        ops, moved = _relu_after_pool([namer.op(k, ns) for k in _live_ops(trace.ops, roots)], out_name)
        checked = {namer.names[id(t)] for t in trace.checks}
        self.key, self.n_args, self.externals = key, len(args), namer.externals
        self.modules = _state["modules"]  # (its guard refuses any other count)
        _refuse_grad_reads(self.externals, [a for a in args if isinstance(a, Tensor)] + held)
        namer.shape_sources()  # (after: a zeros_like(p.grad) reads the gradient's shape alone)
        fwd_lines, bwd_lines, used, reached = _emit(ops, out_name, ns, trace.errstate, errstate, checked)
        self.leaves = [n for n in _leaf_order(args, self.externals)
                       if namer.requires_grad.get(n) and n in reached]
        note = f"; ReLU moved after {moved} max-pool{'s' * (moved > 1)}" if moved else ""
        self.source = "\n".join(
            [f"# tape of {name}: {len(ops)} ops; gradients for {', '.join(self.leaves) or 'nothing'}{note}"]
            + _functions(self.n_args, len(self.externals), fwd_lines, bwd_lines, out_name,
                         sorted(used, key=_name_order), self.leaves)
            + _guarded_call(args, self.externals, captured, self.leaves, ns, trace.default_dtype))
        ns.scope["finish"] = self._finish
        exec(builtins.compile(self.source, f"<tape of {name}>", "exec"), ns.scope)  # noqa: S102
        self.forward, self.backward, self.run = ns.scope["forward"], ns.scope["backward"], ns.scope["run"]
        self.prim = Primitive(
            "compiled", self._rerun,
            (None,) + tuple(functools.partial(_leaf_vjp, i) for i in range(len(self.leaves))),
            vjp_all=_all_leaf_vjps, register=False,
            doc=f"the replayed tape of {name}: input 0 holds its saved arrays, the rest are its leaves",
        )
        self.needs = tuple(range(1, len(self.leaves) + 1))

    def _finish(self, out: np.ndarray, saved: tuple, arrays: list, leaves: tuple) -> Tensor:
        """The replay's result: a tensor whose node holds the saved arrays and points at the leaves."""
        t = object.__new__(Tensor)
        t.data, t._grad, t.name = out, None, None
        if leaves:
            node = t.grad_fn = object.__new__(Node)
            replay = _Replay(self, saved, arrays)
            # datas, what the VJPs receive, is the replay alone: the leaves are only edges
            node.prim, node.inputs, node.datas = self.prim, (replay,) + leaves, (replay,)
            node.needs, node.params = self.needs, {}
            node.out, node.scope, node.seq = out, _mode.scope, next(node_counter)
            t.requires_grad = True
        else:
            t.requires_grad, t.grad_fn = False, None
        return t

    def _rerun(self, replay: "_Replay", *leaf_arrays: Any) -> np.ndarray:
        """The forward as a function of the leaves' arrays (what check_graph differentiates)."""
        arrays = list(replay.arrays)
        for n, a in zip(self.leaves, leaf_arrays):
            arrays[int(n[1:]) + (self.n_args if n[0] == "p" else 0)] = a
        return self.forward(*arrays)[0]


class _Replay:
    """The saved arrays of one replayed call (and its inputs' arrays, for check_graph)."""

    __slots__ = ("tape", "saved", "arrays")

    def __init__(self, tape: _Tape, saved: tuple, arrays: list) -> None:
        self.tape, self.saved, self.arrays = tape, saved, arrays

    def __repr__(self) -> str:
        return "tape"

    def kept_arrays(self) -> tuple:
        """The arrays the engine checks for in-place changes before a backward."""
        return self.saved


def _all_leaf_vjps(g: Any, ans: Any, replay: _Replay) -> tuple:
    """Every leaf's gradient at once: the reverse sweep (what the engine calls)."""
    return replay.tape.backward(g, replay.saved)


def _leaf_vjp(i: int, g: Any, ans: Any, replay: _Replay, *leaf_arrays: Any) -> Any:
    """Gradient of the i-th leaf alone (what check_graph audits; the backward sweep
    calls _all_leaf_vjps once instead)."""
    if isinstance(g, Tensor):
        raise RuntimeError(
            "compile: a compiled function's backward is not recorded, so create_graph=True "
            "(gradients of gradients, and am.grad or other transforms of a function that closes "
            "over tensors requiring grad) needs the uncompiled function"
        )
    return replay.tape.backward(g, replay.saved)[i]


# -- code generation ------------------------------------------------------------------


def _live_ops(ops: list, roots: list[Tensor]) -> list[int]:
    """Positions of the recorded ops that the roots (the output, the checks) depend on,
    in recording order."""
    producer = {id(o): k for k, (_, _, _, o) in enumerate(ops)}
    live, stack = set(), [producer[id(r)] for r in roots]
    while stack:
        k = stack.pop()
        if k in live:
            continue
        live.add(k)
        for a in ops[k][1]:
            j = producer.get(id(a)) if isinstance(a, Tensor) else None
            if j is not None:
                stack.append(j)
    return sorted(live)


def _index_users(ops: list, arg_arrays: dict) -> list[Tensor]:
    """Outputs of the ops that take an integer array argument (an index, labels): their
    forwards check its values, so they stay in the tape though fn does not use their
    results, and a replay raises where the eager function would."""
    def integer_argument(v: Any) -> bool:
        if type(v) is tuple:
            return any(map(integer_argument, v))
        return isinstance(v, np.ndarray) and v.dtype.kind in "iu" and _memory(v) in arg_arrays

    return [o for _, args, params, o in ops
            if any(map(integer_argument, args)) or any(map(integer_argument, params.values()))]


def _relu_after_pool(ops: list, out_name: str) -> tuple[list, int]:
    """Rewrite max(view(relu(x))) over windows into relu(max(view(x))); return the ops
    and how many were rewritten.

    relu (where(x <= 0, 0, x), as F.relu records it) is monotone and elementwise, so
    it commutes with a maximum over any window: the same values, and the same
    gradients, ties included (a window's entries tied at its maximum m > 0 share the
    gradient either way; where m <= 0, ReLU's gradient 0 stops it either way). After
    the pool, ReLU and its VJP run on a fraction of the data (a quarter for 2x2
    pooling): 0.9 ms, 12%, of the benchmark CNN's compiled step. A view (reshape,
    permute) between them moves along. Only when nothing else uses the ReLU, its
    mask or the views, x is floating point and nothing but the ReLU uses x (else
    x's gradient would sum its terms in another order than the eager sweep).
    """
    by_name = {f"v{op.k}": op for op in ops}
    users: dict[str, list] = {out_name: [None]}
    for op in ops:
        for n in op.reads:
            users.setdefault(n, []).append(op)

    def only_user(name: str, op: Any) -> bool:
        return users.get(name) == [op]

    replace: dict[int, list] = {}  # position of a pool -> the ops that take its place
    drop: set[int] = set()
    for pos, pool in enumerate(ops):
        if pool.prim is not _P.max:
            continue
        views, name, user = [], pool.ins[0], pool
        while name in by_name and by_name[name].prim in (_P.reshape, _P.permute) and only_user(name, user):
            user = by_name[name]
            views.insert(0, user)
            name = user.ins[0]
        relu = by_name.get(name)
        if not views or relu is None or relu.prim is not _P.where or not only_user(name, user):
            continue
        (c, zero, x), dtype = relu.ins, relu.out[1]
        test = by_name.get(c)
        if (zero not in ("0", "0.0") or relu.params or dtype.kind != "f" or test is None
                or test.prim is not _P.le or test.ins[0] != x or test.ins[1:] not in (["0"], ["0.0"])
                or test.params or not only_user(c, relu)
                or sorted(map(id, users.get(x, []))) != sorted([id(test), id(relu)])):
            continue
        first, pooled = views[0], pool.out
        # (x has the shape of the ReLU's output, so the views' specialisations still hold;
        # the new le and where run general.)
        moved = first._replace(ins=[x] + first.ins[1:], reads=(first.reads - {first.ins[0]}) | {x})
        replace[pos] = [moved, *views[1:],
                        pool._replace(k=relu.k),  # the max, as v<relu>
                        test._replace(ins=[f"v{relu.k}", test.ins[1]], out=(pooled[0], np.dtype(bool)),
                                      reads={f"v{relu.k}"}),
                        relu._replace(k=pool.k, ins=[f"v{test.k}", zero, f"v{relu.k}"], out=pooled,
                                      reads={f"v{test.k}", f"v{relu.k}"})]
        drop.update(id(op) for op in [test, relu, *views])
    out = []
    for pos, op in enumerate(ops):
        if pos in replace:
            out.extend(replace[pos])
        elif id(op) not in drop:
            out.append(op)
    return out, len(replace)


def _tuple(names: Any) -> str:
    names = list(names)
    return f"({names[0]},)" if len(names) == 1 else f"({', '.join(names)})"


def _guarded_call(args: tuple, externals: list[Tensor], captured: list, leaves: list[str],
                  ns: "_Namespace", default_dtype: np.dtype | None) -> list[str]:
    """Source lines of run(args), which replays the forward if args and closed-over
    values still match the recording, and returns None on any difference (shape,
    layout, dtype, requires_grad, a constant, the grad mode, a module, a variable fn
    reads rebound, the default dtype if the recording read it), which sends the
    caller back to recording.
    """
    lines = ["def run(args):",
             f"    if (len(args) != {len(args)} or mode.grad_enabled is not {_mode.grad_enabled}"
             f" or state['modules'] != {_state['modules']}):",
             "        return None"]
    if default_dtype is not None:  # (integers taken as floats, say: the tape froze that dtype)
        differs = _differs("default['dtype']", ns.constant(default_dtype, default_dtype.name))
        lines += [f"    if {differs}:", "        return None"]
    if args:
        lines.append(f"    {_tuple(f'x{i}' for i in range(len(args)))} = args")

    def guard(*differences: str) -> None:
        lines.extend([f"    if {' or '.join(differences)}:", "        return None"])

    def same_array(d: str, arr: np.ndarray) -> tuple[str, str, str]:  # shape, layout and dtype differences
        # (the strides too: ops choose their route by memory layout, pooling's tiles and
        # matmul's transposed gradient, and a route's sums round in its own order)
        return (f"{d}.shape != {arr.shape!r}", f"{d}.strides != {arr.strides!r}",
                _differs(f"{d}.dtype", ns.constant(arr.dtype, arr.dtype.name)))

    arrays = []
    for i, a in enumerate(args):
        x, kind = f"x{i}", ns.constant(type(a), type(a).__name__)
        if isinstance(a, Tensor):
            guard(f"type({x}) is not {kind}", f"{x}.requires_grad is not {a.requires_grad}")
            lines.append(f"    d{x} = {x}.data")
            guard(*same_array(f"d{x}", a.data))
            arrays.append(f"d{x}")
        elif isinstance(a, np.ndarray):
            guard(f"type({x}) is not {kind}")
            lines.append(f"    {x} = {x}.copy(order='K')")  # (in its layout, as _record copies it)
            guard(*same_array(x, a))
            arrays.append(x)
        else:
            guard(f"type({x}) is not {kind}", f"_constant_key({x}) != {ns.constant(_constant_key(a))}")
            arrays.append(x)
    for kind, holder, name, value in captured:
        read = (f"{ns.constant(holder, 'cell')}.cell_contents" if kind == "cell"
                else f"{ns.constant(holder, 'fn_globals')}.get({name!r})")
        guard(f"{read} is not {ns.constant(value, 'captured_' + name, by_name=True)}")
    ext_names = []
    # A closed-over tensor (a parameter) keeps its array from call to call, as the
    # optimizers update it in place, so its layout is checked only when the array is
    # another one than at the last call (numpy 2.4 deprecates setting an array's strides).
    last = ns.constant([None] * len(externals), "last_arrays", by_name=True)
    for j, t in enumerate(externals):
        e = ns.constant(t, f"P{j}")
        ext_names.append(e)
        lines.append(f"    dp{j} = {e}.data")
        shape, strides, dtype = same_array(f"dp{j}", t.data)
        guard(shape, dtype, f"{e}.requires_grad is not {t.requires_grad}")
        lines.extend([f"    if dp{j} is not {last}[{j}]:", f"        if {strides}:", "            return None",
                      f"        {last}[{j}] = dp{j}"])
        arrays.append(f"dp{j}")
    tensors = [n if n[0] == "x" else ext_names[int(n[1:])] for n in leaves]
    lines.append(f"    out, saved = forward({', '.join(arrays)})")
    lines.append(f"    return finish(out, saved, {_tuple(arrays) if arrays else '()'}, "
                 f"{_tuple(tensors) if tensors else '()'})")
    return lines


def _differs(dtype: str, want: str) -> str:
    # numpy's common dtypes are singletons: `is` settles almost every check
    return f"({dtype} is not {want} and {dtype} != {want})"


def _leaf_order(args: tuple, externals: list) -> list[str]:
    return [f"x{i}" for i, a in enumerate(args) if isinstance(a, Tensor)] + [
        f"p{j}" for j in range(len(externals))]


def _name_order(n: str) -> tuple:
    return ("xpv".index(n[0]), int(n[1:]))


def _emit(ops: list, out_name: str, ns: "_Namespace", errstates: list,
          outer_errstate: dict, checked: set) -> tuple[list, list, set, set]:
    """Forward lines, reverse-sweep lines, the names the sweep reads, the names it reaches.

    An op that fn ran under its own np.errstate runs under the settings fn changed,
    on top of the caller's at the replay (as the eager fn would). The forward raises
    ValueError where a value in `checked` (see _Trace.check) is False.
    """
    fwd = []
    for k, prim, ins, params, (shape, dtype), _, _, fns in ops:
        call = f"{ns.function(fns.get('fwd', prim.fwd), prim.name)}({_arguments(ins, params)})"
        if not shape:  # numpy returns scalars from 0-d results; the engine keeps arrays
            call = f"asarray({call})"
        line = f"v{k} = {call}  # {prim.name} -> {shape} {dtype}"
        changed = {c: v for c, v in errstates[k].items() if outer_errstate.get(c) != v}
        if changed:
            fwd.append(f"with errstate({', '.join(f'{c}={v!r}' for c, v in changed.items())}):")
            line = "    " + line
        fwd.append(line)
        if f"v{k}" in checked:
            fwd.append(f"if not v{k}: raise ValueError('a check of the input values failed')")
    bwd, used, has_grad = [], set(), {out_name}
    for k, prim, ins, params, _, needs, reads, fns in reversed(ops):
        name = f"v{k}"
        if name not in has_grad:
            continue
        for i, a in enumerate(ins):
            if i not in needs:
                continue
            vjp = ns.function(fns.get(i, prim.vjps[i]), f"{prim.name}_vjp{i}")
            term = f"{vjp}(g{name}, {name}, {_arguments(ins, params)})"
            used.update(reads)
            used.add(name)
            if a in has_grad:
                bwd.append(f"g{a} = g{a} + {term}")
            else:
                has_grad.add(a)
                bwd.append(f"g{a} = {term}")
        bwd.append(f"del g{name}")  # (used up: freed now, as the eager sweep frees it)
    return fwd, bwd, used, has_grad


def _functions(n_args: int, n_externals: int, fwd_lines: list[str], bwd_lines: list[str],
               out_name: str, saved: list[str], leaves: list[str]) -> list[str]:
    """Source lines of forward(x..., p...) -> (output, saved values) and
    backward(g_output, saved) -> the leaves' gradients."""
    arrays = [f"x{i}" for i in range(n_args)] + [f"p{j}" for j in range(n_externals)]
    src = [f"def forward({', '.join(arrays)}):"]
    src += [f"    {line}" for line in fwd_lines]
    src += [f"    return {out_name}, {_tuple(saved)}", "", f"def backward(g{out_name}, saved):"]
    if saved:
        src.append(f"    {_tuple(saved)} = saved")
    src += [f"    {line}" for line in bwd_lines]
    src += [f"    return {_tuple('g' + n for n in leaves)}", ""]
    return src


def _arguments(ins: list, params: dict) -> str:
    return ", ".join(list(ins) + [f"{k}={v}" for k, v in params.items()])


def _param(v: Any, prim: Primitive, name: str, argument_of: Callable, ns: "_Namespace",
           reads: set, trace: _Trace) -> str:
    """Source for a keyword parameter: a constant (a shape constant too: am.arange(T) as
    an index), or an argument's array (an index, say), whose name goes into `reads`."""
    name_of = argument_of(v) if isinstance(v, np.ndarray) else None
    if name_of is not None:
        if v.dtype == bool:
            raise RuntimeError(
                f"compile: {prim.name} takes the boolean argument {name_of} as its "
                f"{name!r}: how many elements it selects depends on its values, which a tape "
                "cannot follow; select with where(), or call the function uncompiled"
            )
        reads.add(name_of)
        return name_of
    if type(v) is tuple and any(isinstance(e, np.ndarray) for e in v):
        return "(" + "".join(_param(e, prim, name, argument_of, ns, reads, trace) + ", " for e in v) + ")"
    if trace.constant(v):
        return ns.constant(v)
    _refuse_arrays(v, prim, f"its parameter {name!r}")
    return ns.constant(v)


def _refuse_arrays(v: Any, prim: Primitive, where: str) -> None:
    """Raise if v holds an array: its values may come from the data (a replay would reuse them)."""
    if isinstance(v, (tuple, list)):
        for x in v:
            _refuse_arrays(x, prim, where)
    elif isinstance(v, (np.ndarray, Tensor)):
        raise RuntimeError(
            f"compile: {prim.name} gets an array of shape {v.shape} as {where} that is not an "
            "argument of the function (one made inside it or read from elsewhere: a mask, an "
            "index, a constant); a replay would reuse its values. Pass it as an argument, or "
            "call the function uncompiled"
        )


class _Namespace:
    """The globals of the generated code: functions and constants under readable names."""

    # The generated code's own names, and the locals of run(): never given to a
    # function or a constant.
    RESERVED = ("forward", "backward", "run", "finish", "state", "mode", "default", "errstate",
                "_constant_key", "asarray", "args", "out", "saved")

    def __init__(self) -> None:
        self.scope: dict[str, Any] = dict.fromkeys(self.RESERVED)
        self.scope.update(asarray=np.asarray, errstate=np.errstate, state=_state, mode=_mode,
                          default=_default, _constant_key=_constant_key)
        self._ids: dict[Any, str] = {}

    def function(self, fn: Callable, name: str) -> str:
        # Keyed by name too: a function that two primitives share (matmul's VJPs
        # serve matmul_add) reads under each primitive's name.
        key = (id(fn), name)
        if key in self._ids:
            return self._ids[key]
        base = name + "_" if name in dir(builtins) or keyword.iskeyword(name) else name
        n, k = base, 2
        while n in self.scope or _local_name(n):
            n, k = f"{base}_{k}", k + 1
        self.scope[n] = fn
        self._ids[key] = n
        return n

    def constant(self, v: Any, hint: str = "c", by_name: bool = False) -> str:
        """A literal for v, or a name bound to it (`hint`, made unique; always with `by_name`,
        for code that checks identity)."""
        if _literal(v) and not by_name:
            return repr(v)
        if id(v) not in self._ids:  # (the scope keeps v alive, so its id stays its own)
            base = f"c{len(self._ids)}" if hint == "c" else hint
            n, k = base, 2
            while n in self.scope or _local_name(n):
                n, k = f"{base}_{k}", k + 1
            self._ids[id(v)] = n
            self.scope[n] = v
        return self._ids[id(v)]


def _local_name(n: str) -> bool:
    """Is n a name the generated functions use for their values (x0, dp1, gv2, ...)?"""
    return n.lstrip("dg")[:1] in ("x", "p", "v") and n.lstrip("dg")[1:].isdigit()


def _literal(v: Any) -> bool:
    """Is repr(v) Python source that evaluates back to v exactly?"""
    if v is None or type(v) in (bool, int, str):
        return True
    if type(v) is float:
        return math.isfinite(v)
    if type(v) is tuple:
        return all(_literal(x) for x in v)
    return False
