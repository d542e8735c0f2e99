"""Tensor: an ndarray that remembers how it was computed.

A Tensor holds `.data` (the live numpy array), `.requires_grad`, `.grad_fn`
(the recorded `Node` that produced it, None for leaves) and `.grad` (filled by
`backward()`). Operators and methods dispatch to the primitive table or to the
composites in `functions.py`; numpy semantics throughout.

For back propagation itself read `backward` and the operators: each hands its
operands to a primitive's `apply` (primitives.py), which records the Node. The
rest (`_update`, `__setitem__`, `kept_operand`) keeps in-place changes from
corrupting the arrays a graph kept, and is not needed for the idea.
"""

from __future__ import annotations

import copy
import operator
import sys
import warnings
from typing import Any, Callable, Iterator

import numpy as np

from .engine import backward_sweep, composite, tracers

_FLOATS = (np.float16, np.float32, np.float64)
FLOAT16 = np.dtype(np.float16)  # (dtype == FLOAT16 is a third faster than == np.float16)
_FLOAT64 = np.dtype(np.float64)
_default = {"dtype": _FLOAT64}


def set_default_dtype(dtype: Any) -> None:
    """Set the floating dtype given to tensors made from Python floats (float64 by default)."""
    dt = np.dtype(dtype)
    if dt.type not in _FLOATS:
        raise TypeError(f"set_default_dtype: expected float16, float32 or float64, got {dt}")
    _default["dtype"] = dt


def get_default_dtype() -> np.dtype:
    """The floating dtype given to tensors made from Python floats."""
    if tracers:  # (am.compile recording: its tape then checks the default dtype before a replay)
        tracers[-1].default_dtype = _default["dtype"]
    return _default["dtype"]


# torch.device's types (torch 2.x): a name of another type is a device that exists on paper
_DEVICE_TYPES = frozenset("cpu cuda ipu xpu mkldnn opengl opencl ideep hip ve fpga maia xla lazy vulkan mps "
                          "meta hpu mtia privateuseone".split())


class device:
    """PyTorch's torch.device: a device's name, `.type` (a str, 'cpu') and `.index` (None or
    an int >= 0). Built as torch's: device('cpu'), device('cpu', 0), device('cpu:0'),
    device(type='cpu', index=0) or device(other_device) (an equal copy). str() is 'cpu' or
    'cpu:0', repr "device(type='cpu')" or "device(type='cpu', index=0)". Two devices are
    equal when type and index agree (so device('cpu') != device('cpu:0'), as torch); a
    device never equals a string (x.device == 'cpu' is False in torch 2.x too: compare
    x.device.type == 'cpu'). Hashable, immutable, picklable.

    Every type torch names ('cuda', 'mps', ...) can be built, as in torch (it is just a
    name), but the arrays are numpy's, so only a cpu device is accepted where a device is
    used (device=, Tensor.to, Module.to, load's map_location): any other is refused there."""

    __slots__ = ("_type", "_index")

    def __init__(self, type: Any, index: Any = None) -> None:  # noqa: A002 (torch's keyword names)
        if isinstance(type, device):
            if index is not None:
                raise TypeError(f"am.device: an index is given with a device ({type!r}, {index!r}); "
                                "give device(type, index) or device(other_device)")
            kind, at = type._type, type._index
        elif isinstance(type, str):
            kind, sep, tail = type.partition(":")
            if kind not in _DEVICE_TYPES:
                raise ValueError(f"am.device: unknown device type in {type!r}; expected one of "
                                 f"{sorted(_DEVICE_TYPES)} (as 'cpu' or 'cpu:0')")
            if sep and not (tail.isascii() and tail.isdigit() and (tail == "0" or tail[0] != "0")):
                raise ValueError(f"am.device: invalid device string {type!r}; expected 'type' or "
                                 "'type:index' with an index >= 0, as 'cpu:0'")
            if sep and index is not None:
                raise ValueError(f"am.device: {type!r} includes an index, so index={index!r} must not be given")
            at = int(tail) if sep else index
            if at is not None:
                if isinstance(at, bool) or not hasattr(at, "__index__"):
                    raise TypeError(f"am.device: index must be an int or None, got {builtins_type(at).__name__}")
                at = operator.index(at)
                if at < 0:
                    raise ValueError(f"am.device: index must not be negative, got {at}")
        elif hasattr(type, "__index__") and not isinstance(type, bool):
            raise ValueError(f"am.device: an index alone ({type!r}) names an accelerator, and there is none; "
                             "autograd_mini computes on the CPU: am.device('cpu')")
        else:
            raise TypeError(f"am.device: expected a device string ('cpu', 'cpu:0') or an am.device, "
                            f"got {builtins_type(type).__name__}")
        object.__setattr__(self, "_type", kind)
        object.__setattr__(self, "_index", at)

    @property
    def type(self) -> str:
        """The device type, 'cpu' (or another of torch's names)."""
        return self._type

    @property
    def index(self) -> int | None:
        """The device index: None (no index given) or an int >= 0."""
        return self._index

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"am.device is immutable: cannot set {name!r}")

    def __str__(self) -> str:
        return self._type if self._index is None else f"{self._type}:{self._index}"

    def __repr__(self) -> str:
        at = "" if self._index is None else f", index={self._index}"
        return f"device(type={self._type!r}{at})"

    def __eq__(self, other: Any) -> Any:
        if not isinstance(other, device):
            return NotImplemented  # (a string is never equal, as torch)
        return self._type == other._type and self._index == other._index

    def __hash__(self) -> int:
        return hash((device, self._type, self._index))

    def __reduce__(self) -> tuple:
        return (device, (self._type, self._index))


builtins_type = type  # (device.__init__ takes torch's keyword `type`, which hides the builtin)
_Device = device  # (inside this module `device` is also a parameter and a Tensor property)
_CPU_DEVICE = device("cpu")


def _is_cpu(place: Any) -> bool:
    """True for a name of the CPU: 'cpu', 'cpu:0' or an am.device of type 'cpu' (index None or 0)."""
    return (isinstance(place, str) and place in ("cpu", "cpu:0")) or (
        isinstance(place, _Device) and place._type == "cpu" and not place._index)


def _check_device(device: Any, where: str) -> None:
    """Accept the `device=` PyTorch code passes: None, 'cpu', 'cpu:0' or an am.device of the
    CPU (am.device('cpu'), x.device's value). Any other ('cuda', am.device('cuda'), 'mps', 0,
    ...) is a ValueError naming `where`: the arrays are numpy's."""
    if device is not None and not _is_cpu(device):
        raise ValueError(f"{where}: device {device!r} is not available: autograd_mini computes on the CPU "
                         "with numpy, so the only device is 'cpu' (a dtype is given as np.float32, not a string)")


def _dtype_or_default(dtype: Any) -> np.dtype:
    """np.dtype(dtype), or the default dtype (set_default_dtype's) for None: the `dtype=`
    argument of creation functions and layers."""
    return np.dtype(dtype) if dtype is not None else get_default_dtype()


def _to_array(data: Any, dtype: Any, where: str) -> np.ndarray:
    """Convert user data to an ndarray; Python floats get the default dtype."""
    if isinstance(data, Tensor):
        data = data.data
    from_python = not isinstance(data, (np.ndarray, np.generic))
    listed = type(data) in (list, tuple)
    if listed:  # (Tensor.__array__ notes a tensor inside that requires grad)
        engine._mode.converting, engine._mode.met = True, ()
    try:
        arr = np.array(data, dtype=dtype)
    except (ValueError, TypeError) as e:
        raise TypeError(f"{where}: cannot make a numeric tensor from {type(data).__name__}: {e}") from e
    finally:
        if listed:
            engine._mode.converting = False
    if listed and engine._mode.met:
        # [a, b] becomes a copy of their values: a gradient meant for a or b would be
        # lost without a sign (PyTorch warns too); am.stack keeps the graph.
        warnings.warn(
            f"{where}: the list holds a tensor of shape {engine._mode.met[0]} that requires grad; "
            "the new tensor copies its values, with no graph back to it. Use am.stack (or "
            "am.concatenate) to keep the graph, or .detach() to take the values alone",
            UserWarning, stacklevel=_caller_level())
    if arr.dtype.kind not in "biufc":
        raise TypeError(f"{where}: data must be numeric (bool, int or float), got dtype {arr.dtype}")
    # Python floats make float64, which becomes the default dtype; a sequence of float32
    # (or float16) scalars, arrays or tensors keeps its dtype, as in numpy: it was chosen.
    if dtype is None and from_python and arr.dtype == _FLOAT64:
        arr = arr.astype(_default["dtype"], copy=False)
    return arr


def _caller_level() -> int:
    """warnings.warn's stacklevel for the first caller outside this package."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith("autograd_mini."):
        frame, level = frame.f_back, level + 1
    return level


def _check_grad_dtype(dtype: np.dtype, where: str) -> None:
    if dtype.kind not in "fc":
        raise TypeError(
            f"{where}: only floating-point tensors can require grad, got dtype {dtype}; "
            "convert with .astype(float) first, or create it as floats (dtype=am.float64, "
            "or Python floats: [1.0, 2.0], not [1, 2])"
        )


_ONES: dict[tuple, np.ndarray] = {}


def _ones(shape: tuple, dtype: np.dtype) -> np.ndarray:
    """A read-only array of ones, made once per (shape, dtype): the seed of
    backward() on a single-element tensor, created on every training step."""
    key = (shape, dtype)
    ones = _ONES.get(key)
    if ones is None:
        ones = _ONES[key] = np.ones(shape, dtype)
        ones.flags.writeable = False
    return ones


def is_tensor(obj: Any) -> bool:
    """Is obj an am.Tensor (PyTorch's torch.is_tensor)? An ndarray is not."""
    return isinstance(obj, Tensor)


def _index(index: Any) -> Any:
    """Turn Tensors, lists and tuples inside an index into ndarrays (numpy indexing rules:
    a tuple is the index's parts, a tuple inside it a sequence of indices)."""
    if isinstance(index, tuple):
        return tuple(_index_part(i) for i in index)
    return _index_part(index)


def _index_part(part: Any) -> Any:
    if isinstance(part, Tensor):
        part = part.data
    elif isinstance(part, (list, tuple, range)):
        # (an empty list, [] or [[]], is an empty integer index, as in numpy, not an
        # empty float array)
        arr = np.asarray(part)
        return arr.astype(np.intp) if arr.size == 0 and arr.dtype.kind == "f" else arr
    # An index array is copied, as as_tensor copies data: the node keeps it for the
    # backward, which must not follow a caller who refills the array meanwhile.
    # (While am.compile records, the argument's own array is kept: the tape
    # recognises its memory and replays with the next call's index.)
    if type(part) is np.ndarray and not tracers:
        return part.copy()
    return part


def _shape_arg(shape: Any) -> tuple:
    """A shape given as numpy takes it: a sequence of ints, or one int."""
    return (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)


def _varargs(args: tuple) -> tuple:
    """The sizes or axes of f(2, 3) as of f((2, 3)): one tuple, list or 1-D ndarray
    argument is the sequence itself (numpy's reshape and transpose take an array too)."""
    if len(args) == 1:
        one = args[0]
        if isinstance(one, (tuple, list)) or isinstance(one, np.ndarray) and one.ndim == 1:
            return tuple(one)
    return args


def _is_index(value: Any) -> bool:
    """An int as numpy takes sizes and axes: a Python or numpy int, or a 0-d integer
    array; not a bool (True is no size)."""
    if isinstance(value, (int, np.integer)):
        return not isinstance(value, bool)
    return isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iu"


def _int_arg(op: str, what: str, v: Any, shape: tuple | None = None) -> int:
    """v as an int, an axis, a count or an offset: a bool or a float is refused (not
    truncated), naming op and, if given, the input's shape."""
    if not _is_index(v):
        at = "" if shape is None else f" (shape {tuple(shape)})"
        raise TypeError(f"{op}: {what} must be an int, got {v!r}{at}")
    return operator.index(v)


def _flag(value: Any, what: str, where: str) -> bool:
    """A boolean option: a Python or numpy bool. (A truthy "no" or 1 is more likely a
    misplaced argument than a request for True.)"""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{where}: {what} must be True or False, got {value!r}")
    return bool(value)


def _axis(axis: Any) -> Any:
    return tuple(axis) if isinstance(axis, list) else axis


def _extremum_axis(op: str, x: "Tensor", axis: Any) -> Any:
    """max/min's axis, refusing a Tensor: torch.max(a, b) / a.max(b) of two tensors is
    the elementwise maximum, which numpy's max(a, axis) would read as a reduction (a
    0-d integer b silently so)."""
    if isinstance(axis, Tensor):
        raise TypeError(
            f"{op}: axis must be an int, a tuple of ints or None, got a Tensor of shape "
            f"{tuple(axis.shape)} (x has shape {tuple(x.shape)}); torch.{op}(a, b) of two tensors "
            f"is the elementwise am.{op}imum(a, b) here (numpy's {op} reduces over an axis)")
    return _axis(axis)


def check_seed_dtype(dtype: np.dtype, of: np.dtype, where: str, what: str) -> None:
    """Refuse a seed (a gradient handed to backward, a tangent) of `dtype` for a
    tensor of dtype `of`: anything but numbers, and complex for a real tensor,
    whose cast would drop the imaginary part."""
    if dtype.kind not in "iufc" or (dtype.kind == "c" and of.kind != "c"):
        raise TypeError(
            f"{where}: {what} must be floating-point (complex only for a complex tensor), "
            f"got dtype {dtype} for a tensor of dtype {of}"
        )


def kept_operand(t: "Tensor", a: np.ndarray) -> np.ndarray:
    """The ndarray operand `a` of an operation on `t`, copied when the operation is
    recorded: a node keeps its operands' arrays for the backward, which must not follow
    a caller who refills `a` meanwhile (`y = x * a; a[:] = 0; y.backward()`), as
    am.as_tensor copies. (Not while am.compile records: its tape recognises an
    argument's array by its memory. The operators send only plain ndarrays here: a
    subclass, np.memmap say, is kept as it is, since an isinstance test would cost
    every operation about 14 ns; the README says so.)"""
    if t.requires_grad and engine._mode.grad_enabled and not tracers:
        return a.copy(order="K")  # (in its own layout, which sets the order of sums)
    return a


_TORCH_TENSOR_TYPES = {  # (torch's tensor type names, which Tensor.type also takes)
    "torch.FloatTensor": np.float32, "torch.DoubleTensor": np.float64, "torch.HalfTensor": np.float16,
    "torch.LongTensor": np.int64, "torch.IntTensor": np.int32, "torch.ShortTensor": np.int16,
    "torch.CharTensor": np.int8, "torch.ByteTensor": np.uint8, "torch.BoolTensor": np.bool_,
    "torch.ComplexFloatTensor": np.complex64, "torch.ComplexDoubleTensor": np.complex128,
}


def set_printoptions(precision: Any = None, threshold: Any = None, edgeitems: Any = None,
                     linewidth: Any = None, profile: Any = None, sci_mode: Any = None, **numpy_options: Any) -> None:
    """How tensors print: their repr is numpy's array2string, so these are numpy's print
    options (np.set_printoptions; they apply to ndarrays too, and np.printoptions(...) as
    a with-block sets them for a while). torch's keywords: precision (digits after the
    point), threshold (more elements than this are summarised with ...), edgeitems,
    linewidth; profile 'default' (numpy's defaults: precision 8, threshold 1000,
    edgeitems 3, linewidth 75), 'short' (precision 2, edgeitems 2) or 'full' (no
    summarising); sci_mode=False (no scientific notation: numpy's suppress=True) or None
    (numpy chooses). sci_mode=True has no numpy counterpart and is refused. numpy's own
    keywords (suppress, floatmode, sign, formatter, ...) pass through."""
    options: dict = {}
    if profile is not None:
        profiles = {"default": dict(precision=8, threshold=1000, edgeitems=3, linewidth=75),
                    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=75),
                    "full": dict(precision=8, threshold=sys.maxsize, edgeitems=3, linewidth=75)}
        if profile not in profiles:
            raise ValueError(f"set_printoptions: profile must be 'default', 'short' or 'full', got {profile!r}")
        options.update(profiles[profile])
    if sci_mode is not None:
        if sci_mode is not False:
            raise ValueError(f"set_printoptions: sci_mode must be False or None (numpy picks scientific "
                             f"notation from the values; there is no always-scientific mode), got {sci_mode!r}")
        options["suppress"] = True
    elif "suppress" not in numpy_options:
        options["suppress"] = False  # (torch sets sci_mode on every call: None is numpy's choice)
    given = dict(precision=precision, threshold=threshold, edgeitems=edgeitems, linewidth=linewidth)
    options.update({k: v for k, v in given.items() if v is not None}, **numpy_options)
    before = np.get_printoptions()
    try:
        np.set_printoptions(**options)
    except (TypeError, ValueError) as e:
        np.set_printoptions(**before)  # (numpy may have set some before refusing)
        raise type(e)(f"set_printoptions: {e}") from None


class ElementCount(int):
    """A tensor's number of elements (numpy's `.size`, an int in every use) that PyTorch's
    habit can also call: size() gives the shape, size(dim) the length of axis dim."""

    def __new__(cls, n: int, shape: tuple) -> "ElementCount":
        self = super().__new__(cls, n)
        self._shape = shape
        return self

    def __call__(self, dim: Any = None) -> Any:
        shape = self._shape
        if dim is None:
            return shape
        if not _is_index(dim):
            raise TypeError(f"size: dim must be an int, got {dim!r} (shape {shape})")
        if not -len(shape) <= dim < len(shape):
            raise IndexError(f"size: dim {dim} is out of range for shape {shape} "
                             f"(expected {-len(shape)} to {len(shape) - 1})" if shape
                             else f"size: dim {dim} of a 0-d tensor, which has no axes")
        return shape[dim]

    def __reduce__(self) -> tuple:  # (pickled, copied: the plain int it stands for)
        return int, (int(self),)


class Tensor:
    """An n-dimensional array with reverse-mode automatic differentiation.

    Tensor(data, requires_grad=False, dtype=None): `data` is anything
    numpy.array accepts (copied). Python floats become the default dtype
    (float64 unless changed by `set_default_dtype`); ndarrays keep theirs.
    """

    __slots__ = ("data", "_grad", "requires_grad", "grad_fn", "name", "__weakref__",
                 "_view_of")  # (set only on a view made without a node: engine.note_plain_view)
    __array_ufunc__ = None  # make ndarray (op) Tensor defer to our reflected operators
    __hash__ = object.__hash__  # identity, although == is elementwise

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        if type(data) is int and (requires_grad is False or type(requires_grad) is int):
            # (torch.Tensor(5) and torch.Tensor(16, 4) are uninitialised tensors of those sizes,
            # torch.tensor(5) the number 5: a port of the first would silently get the last)
            given = [data] + [v for v in (requires_grad, dtype) if type(v) is int]
            sizes = ", ".join(map(str, given))
            shape = f"({data},)" if len(given) == 1 else f"({sizes})"
            raise TypeError(f"Tensor({sizes}): am.Tensor takes data, not PyTorch's sizes; for a tensor of "
                            f"shape {shape} write am.empty({sizes}) or am.zeros({sizes}), for the number "
                            f"{data} am.tensor({data})")
        self._init(data, requires_grad, dtype)

    def _init(self, data: Any, requires_grad: bool, dtype: Any) -> None:
        """Tensor(...)'s work, also am.tensor's (which takes a bare int as a number)."""
        arr = _to_array(data, dtype, "tensor")
        if type(requires_grad) is not bool:  # (a bool, the common case, needs no check)
            requires_grad = _flag(requires_grad, "requires_grad", "tensor")
        if requires_grad:
            _check_grad_dtype(arr.dtype, "tensor")
        self.data = arr
        self._grad: Tensor | None = None
        self.requires_grad = requires_grad
        self.grad_fn = None
        self.name: str | None = None
        if tracers:
            tracers[-1].tensor_made(self)

    @classmethod
    def _of(cls, data: Any, requires_grad: bool = False, dtype: Any = None) -> "Tensor":
        """Tensor(data, ...) for library code and am.tensor, where a bare int is the number
        (Tensor(5) itself refuses it: PyTorch's torch.Tensor(5) is a size)."""
        t = object.__new__(cls)
        t._init(data, requires_grad, dtype)
        return t

    @classmethod
    def _wrap(cls, arr: Any) -> "Tensor":
        """A constant tensor around an existing array, no copy, no checks."""
        t = object.__new__(cls)
        t.data = arr if type(arr) is np.ndarray else np.asarray(arr)
        t._grad = None
        t.requires_grad = False
        t.grad_fn = None
        t.name = None
        if tracers:
            tracers[-1].tensor_made(t)
        return t

    # -- attributes -------------------------------------------------------------
    @property
    def shape(self) -> tuple:
        """The shape of `.data`, a tuple of ints."""
        return self.data.shape

    @property
    def ndim(self) -> int:
        """The number of axes, len(shape)."""
        return self.data.ndim

    @property
    def size(self) -> "ElementCount":
        """The number of elements, the product of shape: an int, as numpy's `.size`.
        Called, it is PyTorch's size(): `x.size()` is the shape, `x.size(0)` its first entry."""
        return ElementCount(self.data.size, self.data.shape)

    @property
    def dtype(self) -> np.dtype:
        """The numpy dtype of `.data`."""
        return self.data.dtype

    @property
    def is_leaf(self) -> bool:
        """True when no recorded operation made this tensor (grad_fn is None)."""
        return self.grad_fn is None

    @property
    def grad(self) -> "Tensor | None":
        """The gradient backward() accumulated here (a Tensor of this shape), or None.

        backward() fills the .grad of leaves (and of tensors that retain_grad()
        marked), not of the tensors operations made. Reading a None .grad of such
        a tensor warns, as PyTorch does: it is most often a weight that an update
        outside am.no_grad() (`w = w - lr * w.grad`) turned into a tensor with a graph.
        """
        g = self._grad
        if g is None and self.grad_fn is not None and not engine.is_retained(self):
            warnings.warn(
                f"grad: this tensor of shape {self.shape} is not a leaf (an operation, "
                f"{self.grad_fn.name}, made it), so backward() leaves its .grad None. Read the "
                f".grad of the leaves it came from, or call .retain_grad() on it before backward(); "
                f"to update a weight in place write `with am.no_grad(): w -= lr * w.grad` "
                f"(w = w - lr * w.grad makes w such a tensor)",
                UserWarning, stacklevel=2,
            )
        return g

    @grad.setter
    def grad(self, value: "Tensor | None") -> None:
        self._grad = value

    @property
    def T(self) -> "Tensor":
        """Axes reversed, as numpy's `.T`."""
        return P.permute.apply(self, axes=tuple(range(self.ndim - 1, -1, -1)))

    def numpy(self) -> np.ndarray:
        """The data as an ndarray (the live array, not a copy), as `.data`.

        Unlike PyTorch's, it is allowed on a tensor that requires grad. Writing
        into the array changes the tensor, and, as a write into `.data`, is not
        seen by a pending backward: one that kept the array computes with the new
        values. To change the values, take `.numpy().copy()`.
        """
        if tracers:
            tracers[-1].value_read("numpy()", self)
        return self.data

    def item(self) -> Any:
        """The single element as a Python number."""
        if tracers:
            tracers[-1].value_read("item()", self)
        if self.data.size != 1:
            raise ValueError(f"item: only a tensor with one element converts, got shape {self.shape}")
        return self.data.item()

    def tolist(self) -> Any:
        """The values as nested Python lists of Python numbers, as ndarray.tolist.

        A 0-d tensor gives a number. Never differentiable."""
        if tracers:  # (a replay would reuse these values: refused, as item() is)
            tracers[-1].value_read("tolist()", self)
        return self.data.tolist()

    def copy(self) -> "Tensor":
        """A new tensor with a copy of the values (same shape and dtype), as ndarray.copy.

        Recorded: the gradient flows through it unchanged (PyTorch's clone()). Writing
        into either tensor's .data leaves the other as it is."""
        # (a copy: ndarray.astype copies; a primitive for every dtype, so that am.compile
        # records it and a replay copies each call's values, integers' too)
        return P.astype.apply(self, dtype=self.dtype)

    def detach(self) -> "Tensor":
        """A tensor sharing this data, cut off from the graph. (Changing it in place
        changes this tensor too; a pending backward that kept the array then raises.)"""
        return Tensor._wrap(self.data)

    def retain_grad(self) -> None:
        """Keep this non-leaf's gradient in `.grad`, as a leaf's is kept.

        Each backward() adds d(root)/d(self) to `self.grad` (shape of self), as it does
        for leaves, e.g. the paper's delta = dC/dz of a layer's z. A leaf keeps its
        gradient anyway. am.autograd.grad changes no .grad, this one's neither
        (PyTorch's does)."""
        if not self.requires_grad:
            raise RuntimeError(f"retain_grad: this tensor of shape {self.shape} does not require grad, "
                               "so no gradient reaches it")
        if tracers:
            raise RuntimeError("retain_grad: cannot be used inside a function being compiled (a replay "
                               "makes no intermediate tensors); call the function uncompiled")
        if self.grad_fn is not None:
            engine.retain(self)

    def register_hook(self, hook: Callable[["Tensor"], Any]) -> "engine.HookHandle":
        """Call hook(grad) whenever backward (or am.autograd.grad) computes this tensor's
        gradient, as PyTorch does; grad has this tensor's shape. A return value other
        than None (a Tensor of grad's shape and dtype) replaces the gradient: for a
        non-leaf, before it flows on to the inputs of the operation that made it; for a
        leaf, before it is added to .grad. Hooks run in registration order; retain_grad
        keeps the gradient after them. grad is read-only (return a new tensor instead of
        changing it); with create_graph=True it is recorded, and so is what the hook
        computes. Returns a handle whose .remove() unregisters the hook."""
        if not callable(hook):
            raise TypeError(f"register_hook: hook must be callable, got {type(hook).__name__}")
        if not self.requires_grad:
            raise RuntimeError(f"register_hook: this tensor of shape {self.shape} does not require grad, "
                               "so no gradient reaches it")
        if tracers:
            raise RuntimeError("register_hook: cannot be used inside a function being compiled (a replay "
                               "runs no Python hooks); call the function uncompiled")
        return engine.HookHandle(self, hook)

    @property
    def retains_grad(self) -> bool:
        """True for a non-leaf that retain_grad() marked."""
        return engine.is_retained(self)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Mark this leaf as requiring grad (in place); returns self."""
        requires_grad = _flag(requires_grad, "requires_grad", "requires_grad_")
        if self.grad_fn is not None and not requires_grad:
            raise RuntimeError("requires_grad_: cannot turn off requires_grad of a non-leaf; use detach()")
        if requires_grad:
            _check_grad_dtype(self.dtype, "requires_grad_")
        self.requires_grad = requires_grad
        return self

    def backward(
        self, gradient: Any = None, retain_graph: bool | None = False, create_graph: bool = False,
        inputs: Any = None,
    ) -> None:
        """Back-propagate from this tensor, accumulating into leaves' `.grad`.

        Accumulating: each leaf's gradient is added to what its `.grad` holds,
        so a training loop clears them before each backward (`opt.zero_grad()`
        or `model.zero_grad()`), or the steps use the sum of all gradients so far.
        gradient: d(loss)/d(self), same shape as self; may be omitted for a
        single-element tensor. The graph's saved arrays are freed afterwards
        unless `retain_graph` (or `create_graph`, which records the backward
        pass so the gradients can be differentiated again). inputs (PyTorch's): a
        tensor or a sequence of tensors requiring grad, leaves or not; then only
        their .grad gets the gradient (one each, of its shape), no other leaf's.
        """
        if type(retain_graph) is not bool or type(create_graph) is not bool:  # (once per step: cheap first)
            # (None, PyTorch's default, means: as create_graph)
            retain_graph = retain_graph is not None and _flag(retain_graph, "retain_graph", "backward")
            create_graph = create_graph is not None and _flag(create_graph, "create_graph", "backward")
        if not self.requires_grad:
            raise RuntimeError(
                f"backward: this tensor does not require grad and has no grad_fn (shape "
                f"{self.shape}): nothing it was computed from requires grad (create the inputs with "
                f"requires_grad=True, or use a model's parameters), or it was computed under "
                f"am.no_grad(), from .detach(), or by an op without gradient (argmax, comparisons)"
            )
        if gradient is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward: gradient can be omitted only for a single-element output, "
                    f"got shape {self.shape}; pass gradient= of that shape"
                )
            gradient = _ones(self.data.shape, self.data.dtype)
        else:
            # Integers are numbers: cast to the tensor's dtype, whether a Tensor or not. A
            # complex gradient of a real tensor would lose its imaginary part: refused.
            raw = gradient.data if isinstance(gradient, Tensor) else np.asarray(gradient)
            check_seed_dtype(raw.dtype, self.dtype, "backward", "gradient")
            if not isinstance(gradient, Tensor) or raw.dtype.kind in "iu":
                gradient = Tensor(raw, dtype=self.dtype)
            elif raw.dtype != self.data.dtype:  # (as an array's: recorded, for create_graph)
                gradient = gradient.astype(self.data.dtype)
            if gradient.shape != self.shape:
                raise ValueError(
                    f"backward: gradient has shape {gradient.shape}, the tensor has shape {self.shape}"
                )
        if inputs is not None:
            targets = engine.backward_inputs(inputs)
            found = backward_sweep([self], [gradient], retain_graph=retain_graph or create_graph,
                                   create_graph=create_graph, targets=targets, allow_unused=True)
            engine.hand_to(targets, found, gradient)
            return
        backward_sweep(
            [self], [gradient], retain_graph=retain_graph or create_graph, create_graph=create_graph
        )

    # -- printing and conversion ------------------------------------------------
    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="tensor(")
        extra = f", size={self.shape}" if self.data.size == 0 and self.ndim > 1 else ""  # ([] says nothing)
        extra += f", dtype={self.dtype}"
        if self.grad_fn is not None:
            extra += f", grad_fn={self.grad_fn!r}"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    def __deepcopy__(self, memo: dict) -> "Tensor":
        """A copy of a leaf (its data, requires_grad and .grad); a tensor with a graph
        is refused, as PyTorch does: copying it would copy the leaves it came from."""
        if self.grad_fn is not None:
            raise RuntimeError(
                f"deepcopy: only leaf tensors can be copied, this one of shape {self.shape} has "
                f"grad_fn {self.grad_fn!r}; copy its detach() instead"
            )
        new = object.__new__(type(self))
        memo[id(self)] = new
        new.data = self.data.copy()
        new.requires_grad, new.grad_fn, new.name = self.requires_grad, None, self.name
        new._grad = copy.deepcopy(self._grad, memo)
        return new

    def __reduce_ex__(self, protocol: Any) -> Any:
        """Pickle a leaf (data, requires_grad, .grad, name); a tensor with a graph is
        refused, as deepcopy refuses it: its graph holds functions that do not pickle."""
        if self.grad_fn is not None:
            raise RuntimeError(
                f"pickle: only leaf tensors can be pickled (or copied), this one of shape "
                f"{self.shape} has grad_fn {self.grad_fn!r}; pickle its detach() instead"
            )
        return super().__reduce_ex__(protocol)

    def __getstate__(self) -> tuple:
        """What pickle and copy.copy keep: the slots that are set, but not a view's link to
        its base (_view_of), which holds a primitive and which a copy, not sharing the
        base's memory, must not have."""
        return None, {k: getattr(self, k) for k in ("data", "_grad", "requires_grad", "grad_fn", "name")
                      if hasattr(self, k)}

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        if tracers:
            tracers[-1].value_read("conversion to an ndarray", self)
        if self.requires_grad and engine._mode.grad_enabled:
            if engine._mode.converting:
                if not engine._mode.met:
                    engine._mode.met = (self.shape,)  # (am.tensor([a, b]): _to_array warns)
            else:
                # (np.asarray(t), and the conversions numpy makes itself: arr.dot(t), arr[i] = t,
                # which would hand back plain arrays, the graph silently dropped; PyTorch refuses too)
                raise TypeError(
                    f"numpy: a tensor of shape {self.shape} that requires grad was read as a plain "
                    f"ndarray (np.asarray or np.array of it, an ndarray method such as arr.dot(t), or "
                    f"an assignment arr[i] = t), which drops its graph and so its gradient; compute "
                    f"with tensor operations (t @ x, am.dot, am.stack, ...), or read its values "
                    f"explicitly: t.detach(), t.numpy(), t.data, or inside am.no_grad()")
        # numpy 2's protocol: copy=True a new array (np.array(t): a snapshot that later
        # updates of t do not change), None a copy only if the dtype needs one, False never.
        arr = self.data if dtype is None else self.data.astype(dtype, copy=False)
        if copy is False and arr is not self.data:
            raise ValueError(f"tensor of dtype {self.dtype} cannot become an array of dtype "
                             f"{np.dtype(dtype)} without a copy (copy=False)")
        return arr.copy() if copy and arr is self.data else arr

    def __array_function__(self, func: Any, types: Any, args: tuple, kwargs: dict) -> Any:
        """numpy functions (np.dot, np.concatenate, np.linalg.norm, ...) read a tensor as
        its ndarray and return ndarrays, so a tensor that requires grad would leave its
        graph without a sign: np.dot(w, w) * w gives w a gradient without the dot
        product's part. While grad is recorded that is refused (PyTorch refuses it too),
        and so is a conversion (np.asarray(t), or numpy's own for arr.dot(t) and
        arr[i] = t: __array__); functions of shapes and dtypes alone are not, nor are
        t.numpy(), t.data and t.detach(), which read the values explicitly."""
        if func not in _NO_VALUES_READ and engine.is_grad_enabled():
            t = _requiring_grad((args, kwargs))
            if t is not None:
                name = getattr(func, "__module__", "numpy").replace("numpy._core", "numpy")
                raise TypeError(
                    f"{'numpy' if name.startswith('numpy._') else name}.{func.__name__}: a tensor of "
                    f"shape {t.shape} that requires grad would be read as a plain ndarray, dropping "
                    "its graph (no gradient would flow through the result); use the tensor "
                    "operations (am.concatenate, am.stack, am.where, x @ y, x.sum(), ...), or pass "
                    "x.detach() for the values alone"
                )
        implementation = getattr(func, "_implementation", None)
        if implementation is None:  # (like=t: numpy hands over the public np.ones, np.array, ...)
            return NotImplemented  # (numpy's TypeError: no implementation found for it)
        if func in _NO_VALUES_READ:  # (shapes, dtypes, memory: no value is read, none is converted)
            if tracers:  # (np.shares_memory's answer: am.compile's tracer refuses it in __array__)
                return implementation(*args, **kwargs)
            # (a tensor as its own array, which np.shares_memory would otherwise get through
            # __array__, refused for a tensor that requires grad while grad is recorded)
            return implementation(*(a.data if isinstance(a, Tensor) else a for a in args), **kwargs)
        # The tensors as ndarrays, so numpy computes on arrays: np.sum(t) would otherwise call
        # t.sum(axis=..., dtype=..., out=...), numpy's route for objects with a sum method.
        # Read-only views: np.copyto(t, a), out=t or np.put(t, ...) would change a tensor's
        # values behind the version stamps that guard its graph.
        try:
            return implementation(*_as_arrays(args), **_as_arrays(kwargs))
        except ValueError as e:
            if "read-only" not in str(e) or _read_only_ndarray((args, kwargs)):
                raise  # (a caller's own read-only ndarray may be the destination: numpy's words)
            name = getattr(func, "__module__", "numpy").replace("numpy._core", "numpy")
            raise ValueError(
                f"{'numpy' if name.startswith('numpy._') else name}.{func.__name__}: numpy functions "
                "cannot write into a tensor (its values are read-only to them); use t[...] = value, "
                "t.copy_(src) or the tensor operations") from None

    def __len__(self) -> int:
        """The length of the first axis (a 0-d tensor has none: TypeError)."""
        try:
            return len(self.data)
        except TypeError:  # (numpy's "len() of unsized object")
            raise TypeError("len() of a 0-d tensor (shape ()); use .item() for its value") from None

    def __iter__(self) -> Iterator["Tensor"]:
        """The sub-tensors along the first axis (a 0-d tensor has none: TypeError)."""
        if not self.data.ndim:
            raise TypeError("iteration over a 0-d tensor (shape ()); use .item() for its value")
        return (self[i] for i in range(len(self)))

    def __bool__(self) -> bool:
        if tracers:
            tracers[-1].value_read("bool()", self)
        try:
            return bool(self.data)
        except ValueError:  # (numpy's message suggests a.any() and a.all(), which a Tensor lacks)
            raise ValueError(
                f"bool(): the truth value of a tensor of shape {self.shape} ({self.size} elements) "
                "is ambiguous; test one element, or reduce first: x.numpy().any(), "
                "x.numpy().all(), or x.size > 0 for emptiness"
            ) from None

    def __format__(self, spec: str) -> str:
        """f"{loss:.4f}": a format spec formats the value of a one-element tensor."""
        if not spec:
            return str(self)
        if self.data.size != 1:
            raise TypeError(f"format: a format spec needs a one-element tensor, got shape {self.shape}")
        return format(self.item(), spec)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        """A 0-d integer tensor as a Python int, so that range(t), lst[t] and lst[:t]
        take it (as PyTorch). numpy's rule, not PyTorch's one-element one: numpy
        indexes an ndarray by an object's __index__ when it has one, so a tensor of
        shape (1,) taken as an int would make a[t] an element, not the 1-element array
        that numpy's a[np.array([1])] is, and a 0-d bool tensor would stop being a mask."""
        if tracers:
            tracers[-1].value_read("__index__", self)
        if self.data.ndim or self.data.dtype.kind not in "iu":
            raise TypeError(
                f"only a 0-d integer tensor converts to an index, got shape {self.shape} and dtype "
                f"{self.dtype}; for one element of an integer tensor use t.item() (or t.reshape(()))"
            )
        return int(self.data)

    # -- operators ----------------------------------------------------------------
    def __add__(self, o: Any) -> "Tensor":
        return P.add.apply(self, o)

    def __radd__(self, o: Any) -> "Tensor":
        return P.add.apply(o, self)

    def __sub__(self, o: Any) -> "Tensor":
        return F.sub(self, o)

    def __rsub__(self, o: Any) -> "Tensor":
        return F.sub(o, self)

    # (An ndarray operand goes through kept_operand: the node would keep the caller's
    # array itself. Add and subtract never read their operands' values back.)
    def __mul__(self, o: Any) -> "Tensor":
        return P.mul.apply(self, o if type(o) is not np.ndarray else kept_operand(self, o))

    def __rmul__(self, o: Any) -> "Tensor":
        return P.mul.apply(o if type(o) is not np.ndarray else kept_operand(self, o), self)

    def __truediv__(self, o: Any) -> "Tensor":
        return P.div.apply(self, o if type(o) is not np.ndarray else kept_operand(self, o))

    def __rtruediv__(self, o: Any) -> "Tensor":
        return P.div.apply(o if type(o) is not np.ndarray else kept_operand(self, o), self)

    def __floordiv__(self, o: Any) -> "Tensor":
        """self // o, numpy's floor_divide (see am.floor_divide): no gradient."""
        return P.floor_divide.apply(self, o)

    def __rfloordiv__(self, o: Any) -> "Tensor":
        return P.floor_divide.apply(o, self)

    def __mod__(self, o: Any) -> "Tensor":
        """self % o, numpy's remainder (see am.remainder): the sign of o."""
        return P.remainder.apply(self, o if type(o) is not np.ndarray else kept_operand(self, o))

    def __rmod__(self, o: Any) -> "Tensor":
        return P.remainder.apply(o if type(o) is not np.ndarray else kept_operand(self, o), self)

    def __pow__(self, o: Any) -> "Tensor":
        return P.pow.apply(self, o if type(o) is not np.ndarray else kept_operand(self, o))

    def __rpow__(self, o: Any) -> "Tensor":
        return P.pow.apply(o if type(o) is not np.ndarray else kept_operand(self, o), self)

    def __matmul__(self, o: Any) -> "Tensor":
        return P.matmul.apply(self, o if type(o) is not np.ndarray else kept_operand(self, o))

    def __rmatmul__(self, o: Any) -> "Tensor":
        return P.matmul.apply(o if type(o) is not np.ndarray else kept_operand(self, o), self)

    # In place (x -= ...) where PyTorch's users expect it: a leaf's values change, for
    # every name of it and every tensor over its array (`g = p.grad; g *= 0.5`,
    # `t[i] += 1`). A leaf that requires grad only under no_grad (`p -= lr * p.grad`;
    # while grad is recorded that is refused); one that does not (a frozen target
    # network's `tp *= tau`) in any mode, unless the operand requires grad while grad
    # is recorded (then x = x + ..., recorded, as below). A tensor with a graph gets a
    # new one (x = x - ..., recorded), so no graph that holds it sees it change; inside
    # am.compile, where a replay would skip an in-place change, only that is allowed.
    # A change made here is stamped: a backward whose graph kept the array from before
    # the change (a leaf, a detach() of a tensor in the graph, a view of either) raises,
    # as PyTorch's does (see engine).
    def __iadd__(self, o: Any) -> "Tensor":
        return self._update(np.add, o, "+=")

    def __isub__(self, o: Any) -> "Tensor":
        return self._update(np.subtract, o, "-=")

    def __imul__(self, o: Any) -> "Tensor":
        return self._update(np.multiply, o, "*=")

    def __itruediv__(self, o: Any) -> "Tensor":
        return self._update(np.true_divide, o, "/=")

    def __ifloordiv__(self, o: Any) -> "Tensor":
        return self._update(np.floor_divide, o, "//=")

    def __imod__(self, o: Any) -> "Tensor":
        return self._update(np.remainder, o, "%=")

    def _update(self, ufunc: Any, o: Any, op: str) -> "Tensor":
        """x (op)= o: in place for a leaf (as numpy and PyTorch do: every name for x sees
        it), else recorded: for a tensor with a graph, and for a leaf without grad whose
        operand requires grad, while grad is recorded: x = x (op) o, the name rebound
        (PyTorch would change x in place and record it; am.compile replays the rebound
        name), but for a view of another tensor (r = y[0]; r *= 2), which takes the
        result in place and whose change reaches its base, as PyTorch's (engine.rebase;
        refused inside am.compile). Under am.no_grad() it is in place, as add_ is.
        Either way x keeps its shape and dtype."""
        # (under no_grad, a tensor with a graph changes in place, as with add_ and in
        # PyTorch: its views and other names see it, and it keeps its node)
        recording = engine.is_grad_enabled()
        if ((recording or tracers) and self.grad_fn is not None
                or recording and not self.requires_grad and isinstance(o, Tensor) and o.requires_grad):
            def compute(x: "Tensor") -> "Tensor":
                out = _OUT_OF_PLACE[op](x, o)
                if out.dtype != self.dtype and np.can_cast(out.dtype, self.dtype, "same_kind"):
                    out = out.astype(self.dtype)  # (float32 += float64 stays float32, as in place)
                if out.shape != self.shape or out.dtype != self.dtype:
                    raise (ValueError if out.shape != self.shape else TypeError)(
                        f"{op}: the result has shape {out.shape} and dtype {out.dtype}, but the tensor "
                        f"has shape {self.shape} and dtype {self.dtype}; write x = x {op[:-1]} ... to allow that"
                    )
                return out
            if not engine.is_view(self) or not recording:
                return compute(self)  # (x = x (op) o: the name rebound, which am.compile replays)
            if tracers:
                raise RuntimeError(f"{op}: this tensor of shape {self.shape} is a view of another tensor, "
                                   f"which x {op} ... would change as PyTorch's does; a compiled function "
                                   f"cannot replay that: write x = x {op[:-1]} ... there")
            # A view (r = y[0]; r *= 2) takes the result in place (engine.rebase), and the
            # change reaches its base, as PyTorch's does.
            return engine.rebase(self, compute, op)
        if tracers:
            raise RuntimeError(f"{op}: cannot change a tensor in place inside a function being "
                               f"compiled (a replay would skip it); write x = x {op[:-1]} ... there")
        if self.requires_grad and engine.is_grad_enabled():
            raise RuntimeError(
                f"{op}: this leaf tensor of shape {self.shape} requires grad, so changing it in place "
                "while operations are recorded would corrupt their gradients; update it under "
                "am.no_grad() (as optimizers do), or through .data"
            )
        if not self.data.flags.writeable:
            raise engine.copy_of_view_error(self, op) or RuntimeError(
                f"{op}: this tensor's array (shape {self.shape}) is read-only; "
                f"change a copy (x = x {op[:-1]} ...)")
        err = engine.stale_view_error(self, op)
        if err is not None:
            raise err
        # (a Python number stays one: numpy casts it to the tensor's dtype, as in x + 1)
        value = o.data if isinstance(o, Tensor) else o if type(o) in (int, float, complex) else np.asarray(o)
        try:
            ufunc(self.data, value, out=self.data, casting="same_kind")
        except (ValueError, TypeError, OverflowError) as e:  # (numpy's casting errors take other arguments)
            kind = OverflowError if isinstance(e, OverflowError) else TypeError if isinstance(e, TypeError) else ValueError
            raise kind(f"{op}: cannot update a tensor of shape {self.shape} and dtype "
                       f"{self.dtype} in place with shape {np.shape(value)} and dtype "
                       f"{np.result_type(value)}: {e}") from None
        engine.changed_in_place(self.data, f"x {op} ...")
        return self

    def __setitem__(self, index: Any, value: Any) -> None:
        """t[index] = value, in place. On a tensor with a graph, or with a value that
        requires grad, while grad is recorded, the assignment is recorded: t takes the
        value and node of `where(entries indexed, value, t)`, and what was recorded with
        t before keeps its old value (PyTorch's rebase; t's old array is not written,
        so a numpy view of it taken before does not see the change); when t is a view of
        another tensor (y.T, y[0]) the change reaches it, as PyTorch's (engine.rebase). A
        leaf that requires grad, or a view of one, is refused while grad is recorded, and
        anything inside am.compile. `t[i] += v` stores back through here."""
        if tracers:
            raise RuntimeError(
                f"item assignment: this tensor of shape {self.shape} is in a function being compiled, "
                "so t[i] = v cannot change it in place; build the new tensor from operations "
                "(am.where, indexing, concatenation)"
            )
        recording = engine.is_grad_enabled()
        if recording and self.requires_grad and self.grad_fn is None:
            raise TypeError(
                f"item assignment: this leaf tensor of shape {self.shape} requires grad, so t[i] = v "
                "would corrupt the gradients of what used it; assign under am.no_grad(), or build "
                "the new tensor from operations (am.where, indexing, concatenation)"
            )
        if recording and (self.grad_fn is not None or isinstance(value, Tensor) and value.requires_grad):
            if self.dtype.kind not in "fc":
                raise TypeError(f"item assignment: the value (shape {value.shape}) requires grad, which "
                                f"this {self.dtype} tensor of shape {self.shape} cannot carry; "
                                "assign value.detach()")
            _TM._operand(value, self, "item assignment")  # (numbers only, no complex into real)
            where = _index(index)
            try:
                _TM.record_change(self, "item assignment", lambda old: _TM.setitem(old, where, value))
            except IndexError as e:
                raise IndexError(f"item assignment: cannot set {index!r} of a tensor of shape "
                                 f"{self.shape}: {e}") from None
            return
        if not self.data.flags.writeable:
            err = engine.copy_of_view_error(self, "item assignment")
            if err is not None:
                raise err
        err = engine.stale_view_error(self, "item assignment")
        if err is not None:
            raise err
        value = value.data if isinstance(value, Tensor) else value
        if type(value) not in (int, float, bool):  # (a Python number: numpy checks its range)
            value = np.asarray(value)  # (converted first, so a bad element fails before any is written)
            if value.dtype.kind not in "biufc":
                raise TypeError(f"item assignment: expected numbers, got dtype {value.dtype}")
            if value.dtype.kind == "c" and self.dtype.kind != "c":
                # (numpy would drop the imaginary part with a ComplexWarning; x[i] += 1j
                # and am.full refuse it too)
                raise TypeError(f"item assignment: cannot store complex values (dtype {value.dtype}) "
                                f"in a real tensor of shape {self.shape} and dtype {self.dtype}")
            if np.may_share_memory(value, self.data):  # (t[mask] = t[...]: numpy's masked and
                value = value.copy()  # fancy writes would read entries already written)
        try:
            self.data[_index(index)] = value
        except (ValueError, TypeError, IndexError, OverflowError) as e:  # (an overflow: a ValueError)
            raise (ValueError if isinstance(e, OverflowError) else type(e))(
                f"item assignment: cannot set {index!r} of a tensor of shape {self.shape} "
                f"and dtype {self.dtype} to a value of shape {np.shape(value)}: {e}") from None
        engine.changed_in_place(self.data, "item assignment")

    def __neg__(self) -> "Tensor":
        return P.neg.apply(self)

    def __pos__(self) -> "Tensor":
        return self

    def __abs__(self) -> "Tensor":
        return P.abs.apply(self)

    def __eq__(self, o: Any) -> "Tensor":  # type: ignore[override]
        return P.eq.apply(self, o)

    def __ne__(self, o: Any) -> "Tensor":  # type: ignore[override]
        return P.ne.apply(self, o)

    def __lt__(self, o: Any) -> "Tensor":
        return P.lt.apply(self, o)

    def __le__(self, o: Any) -> "Tensor":
        return P.le.apply(self, o)

    def __gt__(self, o: Any) -> "Tensor":
        return P.gt.apply(self, o)

    def __ge__(self, o: Any) -> "Tensor":
        return P.ge.apply(self, o)

    def __getitem__(self, index: Any) -> "Tensor":
        return P.getitem.apply(self, index=_index(index))

    # ~, &, |, ^ on boolean masks (~pad_mask, a & b): numpy's and PyTorch's logical results
    # there; no gradient. Integers (bitwise in numpy and torch) and floats are refused.
    def __invert__(self) -> "Tensor":
        if self.dtype != np.bool_:
            raise TypeError(f"~: defined on boolean tensors only (a logical not of a mask), got dtype "
                            f"{self.dtype}, shape {self.shape}")
        return _L.logical_not(self)

    # (a Python or numpy bool stays a constant, as the 0 of x > 0, so am.compile replays it:
    # m & b is m > (not b), m | b is m >= (not b), m ^ b is m != b)
    def __and__(self, o: Any) -> "Tensor":
        a, b = _mask_operands(self, o, "&")
        return a > (not b) if _is_bool_scalar(b) else _L.logical_and(a, b)

    __rand__ = __and__  # (symmetric)

    def __or__(self, o: Any) -> "Tensor":
        a, b = _mask_operands(self, o, "|")
        return a >= (not b) if _is_bool_scalar(b) else _L.logical_or(a, b)

    __ror__ = __or__  # (symmetric)

    def __xor__(self, o: Any) -> "Tensor":
        a, b = _mask_operands(self, o, "^")
        return a != bool(b) if _is_bool_scalar(b) else _L.logical_xor(a, b)

    __rxor__ = __xor__  # (symmetric)

    # -- methods (numpy semantics) -----------------------------------------------
    def sum(self, axis: Any = None, keepdims: bool = False) -> "Tensor":
        """Sum over `axis` (int, tuple, None = all); reduced axes dropped unless keepdims."""
        return P.sum.apply(self, axis=_axis(axis), keepdims=keepdims)

    def max(self, axis: Any = None, keepdims: bool = False) -> "Tensor":
        """Maximum over `axis` (values only, as numpy: not torch's (values, indices),
        so `_, pred = x.max(1)` unpacks values; indices: np.argmax(x.data, axis));
        reduced axes dropped unless keepdims; ties share the gradient equally. A Tensor
        axis is refused: torch's x.max(other) is am.maximum(x, other)."""
        return P.max.apply(self, axis=_extremum_axis("max", self, axis), keepdims=keepdims)

    def exp(self) -> "Tensor":
        """e ** x, elementwise."""
        return P.exp.apply(self)

    def log(self) -> "Tensor":
        """Natural logarithm, elementwise."""
        return P.log.apply(self)

    def log1p(self) -> "Tensor":
        """log(1 + x), elementwise, exact for tiny x."""
        return P.log1p.apply(self)

    def sign(self) -> "Tensor":
        """-1, 0 or 1 by the sign of x, elementwise (np.sign); never requires grad."""
        return P.sign.apply(self)

    def sin(self) -> "Tensor":
        """Sine, elementwise."""
        return P.sin.apply(self)

    def cos(self) -> "Tensor":
        """Cosine, elementwise."""
        return P.cos.apply(self)

    def tanh(self) -> "Tensor":
        """Hyperbolic tangent, elementwise."""
        return P.tanh.apply(self)

    def erf(self) -> "Tensor":
        """Error function, elementwise (same shape; see am.erf)."""
        return P.erf.apply(self)

    def erfinv(self) -> "Tensor":
        """Inverse error function, elementwise (same shape; +-inf at +-1, NaN outside
        [-1, 1]; see am.erfinv)."""
        return P.erfinv.apply(self)

    def lgamma(self) -> "Tensor":
        """log|Gamma(x)|, elementwise (same shape; see am.lgamma)."""
        return P.lgamma.apply(self)

    def digamma(self) -> "Tensor":
        """psi(x) = d/dx lgamma(x), elementwise (same shape; see am.digamma)."""
        return P.polygamma.apply(self, n=0)

    def polygamma(self, n: int) -> "Tensor":
        """psi^(n)(x), elementwise (same shape; torch's x.polygamma(n); see am.polygamma)."""
        return F.polygamma(n, self)

    def sigmoid(self) -> "Tensor":
        """1 / (1 + e**-x), elementwise, stable for any x."""
        return P.sigmoid.apply(self)

    def abs(self) -> "Tensor":
        """|x|, elementwise; the gradient at 0 is 0."""
        return P.abs.apply(self)

    def astype(self, dtype: Any) -> "Tensor":
        """Convert to `dtype`; differentiable between floating and complex dtypes (complex to
        real keeps the real part), a constant without gradient for integer and bool dtypes."""
        dtype = np.dtype(dtype)
        if dtype.kind not in "biufc":
            raise TypeError(f"astype: a tensor holds numbers (bool, int, float or complex), got dtype {dtype}")
        if dtype.kind not in "fc":
            # (the primitive without recording a node, not a wrapped copy: am.compile then
            # replays the cast on each call's values, where it refused a tensor made inside)
            prev, engine._mode.grad_enabled = engine._mode.grad_enabled, False
            try:
                return P.astype.apply(self, dtype=dtype)
            finally:
                engine._mode.grad_enabled = prev
        return P.astype.apply(self, dtype=dtype)

    def reshape(self, *shape: Any) -> "Tensor":
        """Reshape; accepts `reshape(2, 3)` or `reshape((2, 3))` (`reshape(())` for 0-d)."""
        if not shape:  # (an empty *shape would be the 0-d shape (); numpy and PyTorch refuse it)
            raise TypeError(f"reshape: missing the shape (of a tensor of shape {self.shape}); "
                            "pass it as reshape(2, 3) or reshape((2, 3)), and reshape(()) for 0-d")
        return P.reshape.apply(self, shape=_varargs(shape))

    def permute(self, *axes: Any) -> "Tensor":
        """Reorder axes: output axis i is input axis axes[i]."""
        return P.permute.apply(self, axes=_varargs(axes))

    def matmul(self, o: Any) -> "Tensor":
        """self @ o as numpy.matmul: (..., n, k) @ (..., k, m) -> (..., n, m), the
        leading axes broadcast; a 1-D operand is a vector (its axis dropped)."""
        return P.matmul.apply(self, o if type(o) is not np.ndarray else kept_operand(self, o))

    def dot(self, o: Any) -> "Tensor":
        """Product of 1-D or 2-D operands, as ndarray.dot (which is matmul for them):
        (n, k)·(k, m) -> (n, m), (n, k)·(k,) -> (n,), (k,)·(k, m) -> (m,), (k,)·(k,) -> ().

        VJPs call `g.dot(a)`, which is BLAS straight away on arrays and the
        matmul primitive on tensors.
        """
        if self.ndim not in (1, 2) or np.ndim(o.data if isinstance(o, Tensor) else o) not in (1, 2):
            raise ValueError(
                f"dot: operands must be 1-D or 2-D, got shapes {self.shape} and "
                f"{np.shape(o.data if isinstance(o, Tensor) else o)}; use matmul (@) for batches"
            )
        return P.matmul.apply(self, o if type(o) is not np.ndarray else kept_operand(self, o))

    def broadcast_to(self, shape: int | tuple) -> "Tensor":
        """Broadcast to `shape` (a tuple, or one int) by numpy's rules."""
        return P.broadcast_to.apply(self, shape=_shape_arg(shape))

    def mean(self, axis: Any = None, keepdims: bool = False) -> "Tensor":
        """Mean over `axis` (int, tuple, None = all); reduced axes dropped unless keepdims."""
        return F.mean(self, axis, keepdims)

    def var(self, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> "Tensor":
        """Variance over `axis`, sum(|x - mean|**2) / (N - ddof) (real for complex x);
        ddof=0 by default; reduced axes dropped unless keepdims."""
        return F.var(self, axis, keepdims, ddof=ddof)

    def std(self, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> "Tensor":
        """Standard deviation over `axis`, sqrt of var (ddof=0 by default).

        Reduced axes dropped unless keepdims; gradient 0 where it is 0 (see am.std)."""
        return F.std(self, axis, keepdims, ddof=ddof)

    def norm(self, p: Any = "fro", dim: Any = None, keepdim: bool = False, *,
             ord: Any = None, axis: Any = None, keepdims: Any = None) -> "Tensor":
        """PyTorch's Tensor.norm (ndarray has no norm method, so torch's semantics).

        p a number: the vector p-norm (linalg.vector_norm) of the entries over `dim`
        (an int or a tuple of ints), of all entries when dim is None, whatever x.ndim:
        so `w.norm(2)` of a matrix is sqrt(sum w**2), as torch, not its spectral norm.
        p 'fro' (the default): the same with p = 2; p 'nuc': the nuclear norm over
        dim (a pair of axes; None: x must be 2-D). The result has x's shape without
        the reduced axes (kept with length 1 if keepdim).
        numpy's keywords (ord=, axis=, keepdims=) give np.linalg.norm's semantics
        instead (am.norm: ord 2 of a matrix is its largest singular value)."""
        if ord is not None or axis is not None or keepdims is not None:
            if p != "fro" or dim is not None or keepdim is not False:
                raise TypeError(f"norm: pass torch's p=, dim=, keepdim= or numpy's ord=, axis=, keepdims=, "
                                f"not both (shape {self.shape})")
            return F.norm(self, ord, axis, bool(keepdims) if keepdims is not None else False)
        from . import linalg
        if p is None or (isinstance(p, str) and p == "fro"):
            return linalg.vector_norm(self, 2, dim, keepdim)
        if isinstance(p, str) and p == "nuc":
            if dim is None and self.ndim != 2:
                raise ValueError(f"norm: p='nuc' needs a 2-D tensor or a pair of axes dim=, got shape "
                                 f"{self.shape}")
            return linalg.matrix_norm(self, "nuc", keepdim, axis=(-2, -1) if dim is None else dim)
        if isinstance(p, str):
            raise ValueError(f"norm: p must be a number, 'fro' or 'nuc', got {p!r} for shape {self.shape}")
        return linalg.vector_norm(self, p, dim, keepdim)

    def argmax(self, axis: int | None = None, keepdims: bool = False) -> "Tensor":
        """Index of the first maximum along `axis`, as np.argmax.

        A flat index for axis=None; an integer tensor that never requires grad."""
        return F.argmax(self, axis, keepdims)

    def argmin(self, axis: int | None = None, keepdims: bool = False) -> "Tensor":
        """Index of the first minimum along `axis`, as np.argmin.

        A flat index for axis=None; an integer tensor that never requires grad."""
        return F.argmin(self, axis, keepdims)

    def min(self, axis: Any = None, keepdims: bool = False) -> "Tensor":
        """Minimum over `axis` (values only, as numpy: not torch's (values, indices);
        indices: np.argmin(x.data, axis)); reduced axes dropped unless keepdims; ties
        share the gradient equally."""
        return F.min(self, axis, keepdims)

    def sqrt(self) -> "Tensor":
        """Square root, elementwise."""
        return F.sqrt(self)

    def relu(self) -> "Tensor":
        """max(x, 0), elementwise, with gradient 0 at 0."""
        return F.relu(self)

    def clip(self, min: Any = None, max: Any = None) -> "Tensor":
        """Values limited to [min, max]; either bound may be None."""
        return F.clip(self, min, max)

    def transpose(self, *axes: Any) -> "Tensor":
        """numpy's transpose: axes reversed, or permuted as given. Not torch's
        x.transpose(a, b), which swaps two axes (swap them with x.swapaxes(a, b)); the
        spelling both read, x.transpose(0, 1) of a 2-D x, is refused (am.transpose).
        x.transpose((0, 1)) is numpy's identity permutation."""
        return F.transpose(self, *axes)

    def swapaxes(self, a: int, b: int) -> "Tensor":
        """Axes a and b exchanged."""
        return P.swapaxes(self, a, b)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> "Tensor":
        """Axes start_dim..end_dim merged into one (all of them by default)."""
        return F.flatten(self, start_dim, end_dim)

    def ravel(self, order: str = "C") -> "Tensor":
        """Flattened to 1-D, shape (size,), as ndarray.ravel and torch's (am.ravel)."""
        return _NA.ravel(self, order)

    def squeeze(self, axis: Any = None) -> "Tensor":
        """Axes of length 1 removed (all, or those in `axis`)."""
        return F.squeeze(self, axis)

    def unsqueeze(self, axis: int) -> "Tensor":
        """An axis of length 1 inserted at `axis`."""
        return F.unsqueeze(self, axis)

    def softmax(self, axis: int = -1, *, dim: int | None = None) -> "Tensor":
        """exp(x) / sum(exp(x)) along `axis` (torch's dim= accepted), shifted by the maximum."""
        return F.softmax(self, axis, dim=dim)

    def log_softmax(self, axis: int = -1, *, dim: int | None = None) -> "Tensor":
        """x - logsumexp(x) along `axis` (torch's dim= accepted), computed as
        z - log(sum(exp(z))) with z = x - max(x) (see am.log_softmax: exact for large logits)."""
        return F.log_softmax(self, axis, dim=dim)

    def logsumexp(self, axis: Any = None, keepdims: bool = False) -> "Tensor":
        """log(sum(exp(x))) over `axis`, without overflow."""
        return F.logsumexp(self, axis, keepdims)

    # -- more math, as the am. functions of the same names (see them for shapes) ----------
    def tan(self) -> "Tensor":
        """Tangent, elementwise (am.tan)."""
        return F.tan(self)

    def arcsin(self) -> "Tensor":
        """Inverse sine, elementwise (am.arcsin)."""
        return F.arcsin(self)

    def arccos(self) -> "Tensor":
        """Inverse cosine, elementwise (am.arccos)."""
        return F.arccos(self)

    def arctan(self) -> "Tensor":
        """Inverse tangent, elementwise (am.arctan)."""
        return F.arctan(self)

    def arctan2(self, other: Any) -> "Tensor":
        """The angle of (other, self): am.arctan2(self, other), broadcast together."""
        return F.arctan2(self, other)

    def sinh(self) -> "Tensor":
        """Hyperbolic sine, elementwise (am.sinh)."""
        return F.sinh(self)

    def cosh(self) -> "Tensor":
        """Hyperbolic cosine, elementwise (am.cosh)."""
        return F.cosh(self)

    def arcsinh(self) -> "Tensor":
        """Inverse hyperbolic sine, elementwise (am.arcsinh)."""
        return F.arcsinh(self)

    def expm1(self) -> "Tensor":
        """e**x - 1, elementwise, exact for tiny x (am.expm1)."""
        return F.expm1(self)

    def log2(self) -> "Tensor":
        """Base-2 logarithm, elementwise (am.log2)."""
        return F.log2(self)

    def log10(self) -> "Tensor":
        """Base-10 logarithm, elementwise (am.log10)."""
        return F.log10(self)

    def square(self) -> "Tensor":
        """x * x, elementwise (am.square)."""
        return F.square(self)

    def reciprocal(self) -> "Tensor":
        """1 / x, elementwise (am.reciprocal)."""
        return F.reciprocal(self)

    def rsqrt(self) -> "Tensor":
        """1 / sqrt(x), elementwise (am.rsqrt)."""
        return F.rsqrt(self)

    def floor(self) -> "Tensor":
        """Largest integer <= x, elementwise; gradient 0 (am.floor)."""
        return F.floor(self)

    def ceil(self) -> "Tensor":
        """Smallest integer >= x, elementwise; gradient 0 (am.ceil)."""
        return F.ceil(self)

    def trunc(self) -> "Tensor":
        """x rounded towards 0, elementwise; gradient 0 (am.trunc)."""
        return F.trunc(self)

    def round(self, decimals: int = 0) -> "Tensor":
        """x rounded to `decimals` decimals, halves to even; gradient 0 (am.round)."""
        return F.round(self, decimals)

    def clamp(self, min: Any = None, max: Any = None) -> "Tensor":
        """PyTorch's name for clip: limited to [min, max], either may be None (am.clamp)."""
        return F.clip(self, min, max)

    def isnan(self) -> "Tensor":
        """Boolean tensor: True where NaN (am.isnan)."""
        return _L.isnan(self)

    def isinf(self) -> "Tensor":
        """Boolean tensor: True where +-inf (am.isinf)."""
        return _L.isinf(self)

    def isfinite(self) -> "Tensor":
        """Boolean tensor: True where neither inf nor NaN (am.isfinite)."""
        return _L.isfinite(self)

    def any(self, axis: Any = None, keepdims: bool = False) -> "Tensor":
        """Whether any entry along `axis` is nonzero, a boolean tensor (am.any)."""
        return _L.any(self, axis, keepdims)

    def all(self, axis: Any = None, keepdims: bool = False) -> "Tensor":
        """Whether every entry along `axis` is nonzero, a boolean tensor (am.all)."""
        return _L.all(self, axis, keepdims)

    # -- selection, splitting, logic (see am.<name>; torch's names follow torch) --
    def count_nonzero(self, axis: Any = None, keepdims: bool = False) -> "Tensor":
        """How many entries along `axis` are nonzero, an int64 tensor (am.count_nonzero)."""
        return _L.count_nonzero(self, axis, keepdims)

    def logical_and(self, other: Any) -> "Tensor":
        """Boolean tensor of the broadcast shape: both nonzero (am.logical_and)."""
        return _L.logical_and(self, other)

    def logical_or(self, other: Any) -> "Tensor":
        """Boolean tensor of the broadcast shape: either nonzero (am.logical_or)."""
        return _L.logical_or(self, other)

    def logical_xor(self, other: Any) -> "Tensor":
        """Boolean tensor of the broadcast shape: exactly one nonzero (am.logical_xor)."""
        return _L.logical_xor(self, other)

    def logical_not(self) -> "Tensor":
        """Boolean tensor of x's shape: True where x is 0 (am.logical_not)."""
        return _L.logical_not(self)

    def isclose(self, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> "Tensor":
        """Boolean tensor of the broadcast shape: |x - other| <= atol + rtol |other| (am.isclose)."""
        return _L.isclose(self, other, rtol, atol, equal_nan)

    def allclose(self, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
        """Whether isclose holds everywhere, a Python bool (am.allclose)."""
        return _L.allclose(self, other, rtol, atol, equal_nan)

    def tile(self, *reps: Any) -> "Tensor":
        """np.tile (torch's tile): x.tile(2, 3) or x.tile((2, 3)); reps shorter than
        x.ndim are padded with 1s in front (am.tile)."""
        return _S.tile(self, _varargs(reps))

    def nonzero(self) -> "tuple[Tensor, ...]":
        """numpy's ndarray.nonzero: a tuple of x.ndim index tensors of shape (N,) (am.nonzero;
        torch's x.nonzero() matrix is x.argwhere())."""
        return _S.nonzero(self)

    def argwhere(self) -> "Tensor":
        """The (N, x.ndim) indices of the nonzero entries (am.argwhere)."""
        return _S.argwhere(self)

    def unique(self, return_index: bool = False, return_inverse: bool = False,
               return_counts: bool = False, axis: int | None = None) -> Any:
        """The sorted distinct values, with numpy's flags (am.unique); no gradient."""
        return _S.unique(self, return_index, return_inverse, return_counts, axis)

    def searchsorted(self, v: Any, side: str = "left", sorter: Any = None) -> "Tensor":
        """ndarray.searchsorted: insertion points of v into this sorted 1-D x, v's shape (am.searchsorted)."""
        return _S.searchsorted(self, v, side, sorter)

    def bincount(self, weights: Any = None, minlength: int = 0) -> "Tensor":
        """Counts (or weight sums) of each value of this 1-D integer x (am.bincount)."""
        return _S.bincount(self, weights, minlength)

    def index_select(self, dim: int, index: Any) -> "Tensor":
        """torch's index_select: the entries at the 1-D `index` along `dim` (am.index_select)."""
        return _S.index_select(self, dim, index)

    def index_add(self, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> "Tensor":
        """torch's index_add: x with alpha * source[..., j, ...] added at x[..., index[j], ...]
        along `dim`, repeats accumulating (am.index_add)."""
        return _S.index_add(self, dim, index, source, alpha=alpha)

    def scatter_add(self, dim: int, index: Any, src: Any) -> "Tensor":
        """torch's scatter_add: x with src added where index names along `dim` (for dim 0,
        out[index[i][j]][j] += src[i][j]; am.scatter_add)."""
        return _S.scatter_add(self, dim, index, src)

    def index_add_(self, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> "Tensor":
        """index_add in place (as the in-place methods below: recorded on a tensor with a
        graph or a source that requires grad); returns self."""
        return _TM.changed_by(self, "index_add_", source,
                              lambda old: _S.index_add(old, dim, index, source, alpha=alpha))

    def scatter_add_(self, dim: int, index: Any, src: Any) -> "Tensor":
        """scatter_add in place (as the in-place methods below: recorded on a tensor with a
        graph or a src that requires grad); returns self."""
        return _TM.changed_by(self, "scatter_add_", src, lambda old: _S.scatter_add(old, dim, index, src))

    def scatter(self, dim: int, index: Any, src: Any = None, *, value: Any = None, reduce: Any = None) -> "Tensor":
        """torch's scatter: x with src (or the number value) written where index names along
        `dim` (for dim 0, out[index[i][j]][j] = src[i][j]); repeats: the last write wins
        (am.scatter)."""
        return _S.scatter(self, dim, index, src, value=value, reduce=reduce)

    def scatter_(self, dim: int, index: Any, src: Any = None, *, value: Any = None, reduce: Any = None) -> "Tensor":
        """scatter in place (as the in-place methods below: recorded on a tensor with a
        graph or a src that requires grad); returns self."""
        return _TM.changed_by(self, "scatter_", src if value is None else value,
                              lambda old: _S.scatter(old, dim, index, src, value=value, reduce=reduce))

    def index_fill(self, dim: int, index: Any, value: Any) -> "Tensor":
        """torch's index_fill: x with the slices index (1-D) names along `dim` set to value,
        a number or a 0-d tensor (am.index_fill)."""
        return _S.index_fill(self, dim, index, value)

    def index_fill_(self, dim: int, index: Any, value: Any) -> "Tensor":
        """index_fill in place (recorded on a tensor with a graph or a value that requires
        grad); returns self."""
        return _TM.changed_by(self, "index_fill_", value, lambda old: _S.index_fill(old, dim, index, value))

    def index_copy(self, dim: int, index: Any, source: Any) -> "Tensor":
        """torch's index_copy: x with out[..., index[j], ...] = source[..., j, ...] along `dim`;
        repeats: the last j wins (am.index_copy)."""
        return _S.index_copy(self, dim, index, source)

    def index_copy_(self, dim: int, index: Any, source: Any) -> "Tensor":
        """index_copy in place (recorded on a tensor with a graph or a source that requires
        grad); returns self."""
        return _TM.changed_by(self, "index_copy_", source, lambda old: _S.index_copy(old, dim, index, source))

    def scatter_reduce(self, dim: int, index: Any, src: Any, reduce: str, *, include_self: bool = True) -> "Tensor":
        """torch's scatter_reduce: src combined into x where index names along `dim` by "sum",
        "prod", "mean", "amax" or "amin", with x's entry or not (include_self; am.scatter_reduce)."""
        return _S.scatter_reduce(self, dim, index, src, reduce, include_self=include_self)

    def scatter_reduce_(self, dim: int, index: Any, src: Any, reduce: str, *, include_self: bool = True) -> "Tensor":
        """scatter_reduce in place (recorded on a tensor with a graph or a src that requires
        grad); returns self."""
        return _TM.changed_by(self, "scatter_reduce_", src,
                              lambda old: _S.scatter_reduce(old, dim, index, src, reduce, include_self=include_self))

    def masked_select(self, mask: Any) -> "Tensor":
        """torch's masked_select: the 1-D entries where the boolean mask is True (am.masked_select)."""
        return _S.masked_select(self, mask)

    def narrow(self, dim: int, start: int, length: int) -> "Tensor":
        """torch's narrow: x[..., start:start + length, ...] along `dim` (am.narrow)."""
        return _S.narrow(self, dim, start, length)

    def select(self, dim: int, index: int) -> "Tensor":
        """torch's select: x[..., index, ...] along `dim`, that axis removed (a view, as
        torch's; numpy's ndarray has no select, and np.select is another function)."""
        return _S.select(self, dim, index)

    def unbind(self, dim: int = 0) -> "tuple[Tensor, ...]":
        """torch's unbind: the tuple of the slices along `dim` (am.unbind)."""
        return _S.unbind(self, dim)

    def tensor_split(self, indices_or_sections: Any, dim: int = 0) -> "tuple[Tensor, ...]":
        """torch's tensor_split: a tuple of views along `dim` (am.tensor_split)."""
        return _S.tensor_split(self, indices_or_sections, dim)

    def repeat_interleave(self, repeats: Any, dim: int | None = None) -> "Tensor":
        """torch's repeat_interleave (np.repeat): each entry repeated along `dim` (am.repeat_interleave)."""
        return _S.repeat_interleave(self, repeats, dim)

    def flip(self, axis: Any = None) -> "Tensor":
        """Reversed along `axis` (int, tuple, None = every axis), as np.flip (am.flip)."""
        return F.flip(self, axis)

    def roll(self, shift: Any, axis: Any = None) -> "Tensor":
        """Cyclically shifted by `shift` along `axis`, as np.roll (am.roll)."""
        return F.roll(self, shift, axis)

    def moveaxis(self, source: Any, destination: Any) -> "Tensor":
        """Axes `source` moved to `destination`, as np.moveaxis (am.moveaxis)."""
        return F.moveaxis(self, source, destination)

    def gather(self, dim: int, index: Any) -> "Tensor":
        """PyTorch's gather: out[i][j][k] = x[i][index[i][j][k]][k] for dim 1, out of
        index's shape (am.gather)."""
        return F.gather(self, dim, index)

    def argsort(self, axis: int | None = -1) -> "Tensor":
        """Indices that sort along `axis`, stable, as np.argsort (am.argsort); no gradient."""
        return F.argsort(self, axis)

    def topk(self, k: int, axis: int = -1, largest: bool = True, *, dim: int | None = None) -> Any:
        """(values, indices) of the k largest (or smallest) along `axis`, as torch.topk (am.topk)."""
        return F.topk(self, k, axis, largest, dim=dim)

    def bernoulli(self, *, generator: Any = None) -> "Tensor":
        """0/1 draws of x's shape and dtype, 1 with probability x[i] in [0, 1]; not
        differentiable (am.bernoulli, torch's)."""
        return _C.bernoulli(self, generator=generator)

    def multinomial(self, num_samples: int, replacement: bool = False, *, generator: Any = None) -> "Tensor":
        """Category indices drawn from rows of weights (K,) -> (num_samples,), (N, K) ->
        (N, num_samples), int64, not differentiable (am.multinomial)."""
        return _C.multinomial(self, num_samples, replacement, generator=generator)

    def cumsum(self, axis: int | None = None) -> "Tensor":
        """Running sums along `axis` (None: flattened), as np.cumsum (am.cumsum)."""
        return F.cumsum(self, axis)

    def prod(self, axis: Any = None, keepdims: bool = False) -> "Tensor":
        """Product over `axis`, as np.prod; exact gradients at zeros (am.prod)."""
        return F.prod(self, axis, keepdims)

    def cumprod(self, axis: int | None = None) -> "Tensor":
        """Running products along `axis` (None: flattened), as np.cumprod (am.cumprod)."""
        return F.cumprod(self, axis)

    def diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1, *,
                 axis1: int | None = None, axis2: int | None = None) -> "Tensor":
        """The offset-th diagonal of axes dim1, dim2 (torch's names; numpy's axis1=, axis2=
        too), those axes removed and the diagonal appended last: (..., n, ..., m, ...) ->
        (..., length). A view of x, as torch's: an in-place change of it changes x (a
        read-only copy when x's two axes cannot be merged without one; see am.diagonal)."""
        return F.diagonal(self, offset, dim1 if axis1 is None else axis1, dim2 if axis2 is None else axis2)

    def diff(self, n: int = 1, axis: int = -1, prepend: Any = None, append: Any = None) -> "Tensor":
        """n-th differences along `axis`, as np.diff (am.diff), prepend/append too."""
        return F.diff(self, n, axis, prepend, append)

    def tril(self, diagonal: int = 0) -> "Tensor":
        """Lower triangle of x (..., M, N), zero above `diagonal` (torch's method and keyword;
        am.tril(x, k) is numpy's function); same shape. `am.ones((T, T)).tril()` is a causal mask."""
        return F.tril(self, diagonal)

    def triu(self, diagonal: int = 0) -> "Tensor":
        """Upper triangle of x (..., M, N), zero below `diagonal` (torch's method and keyword;
        am.triu(x, k) is numpy's function); same shape."""
        return F.triu(self, diagonal)

    def trace(self, offset: int = 0, axis1: int = 0, axis2: int = 1) -> "Tensor":
        """Sum of a diagonal, as np.trace (am.trace)."""
        return F.trace(self, offset, axis1, axis2)

    def diag(self, k: int = 0) -> "Tensor":
        """np.diag: 1-D to a diagonal matrix, 2-D to its k-th diagonal (am.diag)."""
        return F.diag(self, k)

    def outer(self, other: Any) -> "Tensor":
        """Outer product of the flattened operands, as np.outer (am.outer)."""
        return F.outer(self, other)

    def inner(self, other: Any) -> "Tensor":
        """Inner product over the last axes, as np.inner (am.inner)."""
        return F.inner(self, other)

    # -- PyTorch's names (thin composites: no backward code of their own) ------------
    # (last in the class: int, float and bool below would shadow the builtins for the
    # rest of the class body)
    def numel(self) -> int:
        """The number of elements, an int: the product of shape (as `.size`, numpy's
        attribute, which stays an int attribute, not PyTorch's size() method)."""
        return self.data.size

    def dim(self) -> int:
        """The number of axes, an int: len(shape), as `.ndim`."""
        return self.data.ndim

    def nelement(self) -> int:
        """PyTorch's other name of numel(): the number of elements."""
        return self.data.size

    @property
    def itemsize(self) -> int:
        """Bytes per element (ndarray's attribute; PyTorch's element_size())."""
        return self.data.itemsize

    def element_size(self) -> int:
        """Bytes per element, PyTorch's name (the `itemsize` attribute)."""
        return self.data.itemsize

    @property
    def nbytes(self) -> int:
        """Bytes of the elements: size * itemsize (ndarray's and PyTorch's attribute)."""
        return self.data.nbytes

    @composite
    def view(self, *shape: Any) -> "Tensor":
        """PyTorch's view, which here is reshape: shape (s_1, ..., s_n) to `shape`, given as
        view(2, 3) or view((2, 3)) (view(()) for 0-d), one -1 inferred from the number of
        elements, which must stay the same. numpy decides whether the result shares x's
        memory (PyTorch's view always does, and refuses when it cannot); the gradient
        flows back to x reshaped either way."""
        if not shape:
            raise TypeError(f"view: missing the shape (of a tensor of shape {self.shape}); "
                            "pass it as view(2, 3) or view((2, 3)), and view(()) for 0-d")
        return P.reshape.apply(self, shape=_varargs(shape))

    def float(self) -> "Tensor":
        """A float32 copy (same shape), differentiable; see astype."""
        return self.astype(np.float32)

    def double(self) -> "Tensor":
        """A float64 copy (same shape), differentiable; see astype."""
        return self.astype(np.float64)

    def half(self) -> "Tensor":
        """A float16 copy (same shape), differentiable; see astype."""
        return self.astype(np.float16)

    def long(self) -> "Tensor":
        """An int64 copy (same shape, values truncated toward 0), without gradient."""
        return self.astype(np.int64)

    def int(self) -> "Tensor":
        """An int32 copy (same shape, values truncated toward 0), without gradient."""
        return self.astype(np.int32)

    def bool(self) -> "Tensor":
        """A bool copy (same shape, True where x != 0), without gradient."""
        return self.astype(np.bool_)

    def clone(self) -> "Tensor":
        """PyTorch's clone, which is copy(): a new array of the same shape and dtype whose
        gradient flows back to x unchanged; writing into either's .data leaves the other."""
        return self.copy()

    def masked_fill(self, mask: Any, value: Any) -> "Tensor":
        """x (shape S) with `value` where the boolean `mask` (broadcastable to S) is True;
        shape S. See am.masked_fill."""
        return F.masked_fill(self, mask, value)

    @composite
    def expand(self, *sizes: Any) -> "Tensor":
        """PyTorch's expand: x of shape (s_1, ..., s_n) broadcast (a view, no copy; see
        broadcast_to) to `sizes` = (k_1, ..., k_m, t_1, ..., t_n), given as varargs or one
        tuple: new axes in front (k_i >= 0), and t_i == s_i, or any t_i >= 0 where s_i == 1;
        t_i = -1 keeps s_i. The gradient sums over the broadcast axes."""
        sizes = _sizes(sizes, "expand", self.shape)
        if len(sizes) < self.ndim:
            raise ValueError(f"expand: {len(sizes)} sizes {sizes} for a tensor of shape {self.shape} "
                             f"with {self.ndim} axes; give at least one size per axis (-1 keeps it)")
        lead = len(sizes) - self.ndim
        target = []
        for i, k in enumerate(sizes):
            have = self.shape[i - lead] if i >= lead else None
            if k == -1 and have is not None:
                k = have
            elif k == -1:
                raise ValueError(f"expand: size -1 at axis {i} of sizes {sizes} (tensor of shape "
                                 f"{self.shape}) is a new axis, which has no size to keep")
            elif k < 0:
                raise ValueError(f"expand: size {k} at axis {i} of sizes {sizes} (tensor of shape "
                                 f"{self.shape}); sizes are >= 0, or -1 to keep an existing axis")
            elif have is not None and have != 1 and k != have:
                raise ValueError(f"expand: size {k} at axis {i} of sizes {sizes} must equal the "
                                 f"tensor's size {have} there (shape {self.shape}); only axes of "
                                 "size 1 expand")
            target.append(k)
        return P.broadcast_to.apply(self, shape=tuple(target))

    @composite
    def repeat(self, *reps: Any) -> "Tensor":
        """PyTorch's repeat, which is np.tile: x of shape (s_1, ..., s_n) repeated reps =
        (k_1, ..., k_m, r_1, ..., r_n) times along each axis (varargs or one tuple, each >= 0,
        at least one per axis; the k_i make new axes in front), giving shape
        (k_1, ..., k_m, r_1 * s_1, ..., r_n * s_n). Built of reshape and broadcast_to, so the
        gradient sums the copies."""
        reps = _sizes(reps, "repeat", self.shape)
        if len(reps) < self.ndim:
            raise ValueError(f"repeat: {len(reps)} repeats {reps} for a tensor of shape {self.shape} "
                             f"with {self.ndim} axes; give at least one per axis")
        if any(r < 0 for r in reps):
            raise ValueError(f"repeat: repeats {reps} for a tensor of shape {self.shape} must be >= 0")
        shape = (1,) * (len(reps) - self.ndim) + self.shape
        paired = tuple(n for s in shape for n in (1, s))  # (1, s_1, 1, s_2, ...)
        tiled = tuple(n for r, s in zip(reps, shape) for n in (r, s))  # (r_1, s_1, r_2, s_2, ...)
        x = P.reshape.apply(self, shape=paired)
        x = P.broadcast_to.apply(x, shape=tiled)
        return P.reshape.apply(x, shape=tuple(r * s for r, s in zip(reps, shape)))

    def chunk(self, chunks: int, dim: int = 0) -> "tuple[Tensor, ...]":
        """PyTorch's chunk: a tuple of views along axis `dim` (of length n), each
        ceil(n / chunks) long but the last, which holds the rest; so there may be fewer
        than `chunks` pieces (n=6, chunks=4: lengths 2, 2, 2), as torch.chunk (not
        np.array_split, which always makes `chunks`). An empty axis gives `chunks`
        empty pieces. Each piece is a recorded slice (see am.array_split)."""
        if self.ndim == 0:
            raise ValueError("chunk: needs a tensor with at least one axis, got shape ()")
        if not _is_index(chunks):
            raise TypeError(f"chunk: chunks must be an int, got {chunks!r} for shape {self.shape}")
        if chunks <= 0:
            raise ValueError(f"chunk: chunks must be larger than 0, got {chunks} for shape {self.shape}")
        axis, _ = F._split_points(self, 1, dim, "chunk", equal=False)  # (checks dim)
        n, chunks = self.shape[axis], int(chunks)
        step = -(-n // chunks)
        cuts = list(range(step, n, step)) if n else [0] * (chunks - 1)
        return tuple(F._pieces(self, cuts, axis, "chunk", equal=False))

    def split(self, split_size_or_sections: Any, dim: int = 0) -> "tuple[Tensor, ...]":
        """PyTorch's Tensor.split (torch semantics; ndarray has no split method): a tuple of
        views along axis `dim` (of length n). An int s gives pieces of length s, the last
        holding the rest (n=5, s=2: lengths 2, 2, 1), so x.split(1, dim=1) steps over
        columns; a list of lengths must sum to n. Not am.split, numpy's, whose int is a
        number of pieces (am.split(x, 1) is x whole). Each piece is a recorded slice."""
        s = split_size_or_sections
        if self.ndim == 0:
            raise ValueError("split: needs a tensor with at least one axis, got shape ()")
        axis, _ = F._split_points(self, 1, dim, "split", equal=False)  # (checks dim)
        n = self.shape[axis]
        if _is_index(s):
            s = int(s)
            if s <= 0 and not (s == 0 and n == 0):
                raise ValueError(f"split: split_size must be positive, got {s} for shape {self.shape}")
            cuts = list(range(s, n, s))
        elif isinstance(s, (list, tuple)) and all(_is_index(v) and v >= 0 for v in s):
            if sum(s) != n:
                raise ValueError(f"split: split sizes {list(s)} sum to {sum(s)}, not to the length {n} "
                                 f"of axis {axis} of shape {self.shape}")
            cuts = [int(v) for v in np.cumsum(s)[:-1]] if len(s) else []
        else:
            raise TypeError(f"split: split_size_or_sections must be an int or a list of non-negative ints, "
                            f"got {split_size_or_sections!r} for shape {self.shape}")
        return tuple(F._pieces(self, cuts, axis, "split", equal=False))

    # -- more of PyTorch's names (torch_methods.py holds the longer ones) ----------------
    def to(self, *args: Any, dtype: Any = None, device: Any = None, copy: bool = False,
           non_blocking: bool = False) -> "Tensor":
        """PyTorch's to: to(dtype), to(other) (other's dtype), to('cpu'), to('cpu', dtype),
        or the keywords dtype= and device=. Same shape; the dtype converts as astype
        (differentiable between floating dtypes). Without a change it returns this tensor
        itself, as torch does (copy=True: a recorded copy). The only device is 'cpu' (and
        'cpu:0', am.device('cpu')): any other ('cuda', 'mps', 0, ...) is refused with a ValueError."""
        for a in args:
            if isinstance(a, Tensor):
                new = a.dtype
            elif isinstance(a, (str, _Device)) or _is_index(a):
                if device is not None:
                    raise TypeError(f"to: two devices given, {device!r} and {a!r} (tensor of shape {self.shape})")
                device = a
                continue
            else:
                new = a
            if dtype is not None:
                raise TypeError(f"to: two dtypes given, {dtype!r} and {a!r} (tensor of shape {self.shape})")
            dtype = new
        _check_device(device, "to")
        copy = _flag(copy, "copy", "to")
        if dtype is None or np.dtype(dtype) == self.dtype:
            return self.copy() if copy else self
        return self.astype(dtype)

    @property
    def device(self) -> "device":
        """am.device('cpu'), always (the arrays are numpy's), as torch's x.device: so
        torch.zeros(n, device=x.device), x.to(x.device), x.device.type == 'cpu' and
        str(x.device) port. As in torch, it is not equal to the string 'cpu'."""
        return _CPU_DEVICE

    def cpu(self) -> "Tensor":
        """This tensor itself, as torch's cpu() on a tensor already on the CPU."""
        return self

    @property
    def is_cuda(self) -> bool:
        """False, always (see device): `if x.is_cuda:` branches port unchanged."""
        return False

    def type_as(self, other: "Tensor") -> "Tensor":
        """This tensor converted to other's dtype (other's shape does not matter); itself
        when the dtypes agree, as torch's type_as. See to()."""
        if not isinstance(other, Tensor):
            raise TypeError(f"type_as: expected a Tensor, got {type(other).__name__}")
        return self.to(other.dtype)

    def new_zeros(self, *size: Any, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False) -> "Tensor":
        """A new tensor of zeros of shape `size` (new_zeros(2, 3) or new_zeros((2, 3))), of this
        tensor's dtype unless `dtype` is given; a leaf, no graph to this tensor."""
        _check_device(device, "new_zeros")
        return _C.zeros(*size, dtype=self.dtype if dtype is None else dtype,
                        requires_grad=requires_grad)

    def new_ones(self, *size: Any, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> "Tensor":
        """A new tensor of ones of shape `size`, of this tensor's dtype unless `dtype` is given."""
        _check_device(device, "new_ones")
        return _C.ones(*size, dtype=self.dtype if dtype is None else dtype,
                       requires_grad=requires_grad)

    def new_empty(self, *size: Any, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False) -> "Tensor":
        """A new tensor of shape `size` (zeros here, see am.empty), of this tensor's dtype
        unless `dtype` is given."""
        _check_device(device, "new_empty")
        return _C.empty(*size, dtype=self.dtype if dtype is None else dtype,
                        requires_grad=requires_grad)

    def new_full(self, size: Any, fill_value: Any, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> "Tensor":
        """A new tensor of shape `size` (a tuple) filled with `fill_value`, of this tensor's
        dtype unless `dtype` is given."""
        _check_device(device, "new_full")
        return _C.full(size, fill_value, dtype=self.dtype if dtype is None else dtype,
                       requires_grad=requires_grad)

    def new_tensor(self, data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> "Tensor":
        """A new leaf tensor holding a copy of `data`, of this tensor's dtype unless `dtype`
        is given (torch's rule, where am.tensor would infer it); no graph to data. The
        new_* methods take device= as the creation functions do ('cpu' only)."""
        _check_device(device, "new_tensor")
        return Tensor._of(data, requires_grad, self.dtype if dtype is None else dtype)

    def contiguous(self) -> "Tensor":
        """This tensor itself when its array is C-contiguous, else a recorded C-ordered copy
        (same shape and values; the gradient flows back unchanged), as torch's contiguous."""
        if self.data.flags.c_contiguous:
            return self
        flat = P.reshape.apply(self, shape=(-1,))  # (a copy in C order, or a strided view)
        if not flat.data.flags.c_contiguous:
            flat = P.astype.apply(flat, dtype=self.dtype)  # (a 1-D copy is contiguous)
        return P.reshape.apply(flat, shape=self.shape)

    def t(self) -> "Tensor":
        """torch's t(): a 2-D tensor (n, m) transposed to (m, n); a 0-D or 1-D one unchanged
        (a recorded view). More axes are refused: use mT, swapaxes or permute."""
        if self.ndim > 2:
            raise ValueError(f"t: expects a tensor with at most 2 axes, got shape {self.shape}; "
                             "use x.mT, x.swapaxes(a, b) or x.permute(...)")
        return P.permute.apply(self, axes=tuple(range(self.ndim - 1, -1, -1)))

    @property
    def mT(self) -> "Tensor":
        """The last two axes swapped: (..., n, m) to (..., m, n), a batch of transposes, as
        torch's mT. Needs at least 2 axes."""
        if self.ndim < 2:
            raise ValueError(f"mT: needs a matrix or a batch of matrices, got shape {self.shape}")
        return P.swapaxes(self, -2, -1)

    def neg(self) -> "Tensor":
        """-x, elementwise (the unary minus)."""
        return P.neg.apply(self)

    def pow(self, exponent: Any) -> "Tensor":
        """x ** exponent, broadcast together (the ** operator)."""
        return self ** exponent

    def eq(self, other: Any) -> "Tensor":
        """x == other, elementwise, broadcast; a boolean tensor without gradient."""
        return P.eq.apply(self, other)

    def ne(self, other: Any) -> "Tensor":
        """x != other, elementwise, broadcast; a boolean tensor without gradient."""
        return P.ne.apply(self, other)

    def lt(self, other: Any) -> "Tensor":
        """x < other, elementwise, broadcast; a boolean tensor without gradient."""
        return P.lt.apply(self, other)

    def le(self, other: Any) -> "Tensor":
        """x <= other, elementwise, broadcast; a boolean tensor without gradient."""
        return P.le.apply(self, other)

    def gt(self, other: Any) -> "Tensor":
        """x > other, elementwise, broadcast; a boolean tensor without gradient."""
        return P.gt.apply(self, other)

    def ge(self, other: Any) -> "Tensor":
        """x >= other, elementwise, broadcast; a boolean tensor without gradient."""
        return P.ge.apply(self, other)

    def maximum(self, other: Any) -> "Tensor":
        """Elementwise maximum of x and other, broadcast (am.maximum)."""
        return F.maximum(self, other)

    def minimum(self, other: Any) -> "Tensor":
        """Elementwise minimum of x and other, broadcast (am.minimum)."""
        return F.minimum(self, other)

    def remainder(self, other: Any) -> "Tensor":
        """x % other, with the sign of other, as np.remainder and torch (am.remainder)."""
        return F.remainder(self, other)

    def fmod(self, other: Any) -> "Tensor":
        """x - trunc(x / other) * other, with the sign of x, as np.fmod and torch.fmod;
        broadcast. Gradients 1 and -trunc(x / other)."""
        return _TM.fmod(self, other)

    def floor_divide(self, other: Any) -> "Tensor":
        """x // other, floor(x / other), as np.floor_divide; no gradient (am.floor_divide)."""
        return F.floor_divide(self, other)

    def lerp(self, end: Any, weight: Any) -> "Tensor":
        """x + weight * (end - x), the three broadcast together (am.lerp)."""
        return _TM.lerp(self, end, weight)

    def where(self, condition: Any, other: Any) -> "Tensor":
        """torch's Tensor.where: x where the boolean condition holds, else other, the three
        broadcast together; am.where(condition, x, other)."""
        return F.where(condition, self, other)

    def mm(self, mat2: Any) -> "Tensor":
        """Matrix product (n, k) @ (k, m) -> (n, m), both 2-D (am.mm)."""
        return _TM.mm(self, mat2)

    def bmm(self, mat2: Any) -> "Tensor":
        """Batched matrix product (B, n, k) @ (B, k, m) -> (B, n, m) (am.bmm)."""
        return _TM.bmm(self, mat2)

    def mv(self, vec: Any) -> "Tensor":
        """Matrix-vector product (n, m) @ (m,) -> (n,) (am.mv)."""
        return _TM.mv(self, vec)

    def addmm(self, mat1: Any, mat2: Any, *, beta: Any = 1, alpha: Any = 1) -> "Tensor":
        """beta * x + alpha * (mat1 @ mat2), x broadcast to (n, m) (am.addmm)."""
        return _TM.addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    def diag_embed(self, offset: int = 0, dim1: int = -2, dim2: int = -1) -> "Tensor":
        """This (..., n) on the offset-th diagonal of new output axes dim1, dim2 (torch's
        names), (..., n + |offset|, n + |offset|) by default (am.diag_embed)."""
        return _TM.diag_embed(self, offset, dim1, dim2)

    def logdet(self) -> "Tensor":
        """log det of this (..., n, n), shape (...): NaN for a negative determinant (am.logdet)."""
        return _TM.logdet(self)

    def cholesky_inverse(self, upper: bool = False) -> "Tensor":
        """(L L^T)^-1 (..., n, n) from this Cholesky factor L (U^T U with upper=True)
        (am.cholesky_inverse)."""
        return _TM.cholesky_inverse(self, upper)

    def cholesky_solve(self, input2: Any, upper: bool = False) -> "Tensor":
        """X with (L L^T) X = this (..., n, k), input2 = L (..., n, n) a Cholesky factor
        (U^T U with upper=True) (am.cholesky_solve)."""
        return _TM.cholesky_solve(self, input2, upper)

    # In place, as PyTorch's: each returns this tensor, changed. Refused for a leaf that
    # requires grad while grad is recorded (allowed under am.no_grad()) and inside
    # am.compile; recorded (the tensor's graph rebased) for a tensor with a graph; else
    # stamped, so a backward through a graph that kept the old values raises (see
    # torch_methods.py).
    def zero_(self) -> "Tensor":
        """Fill with zeros, in place; returns self."""
        return _TM.zero_(self)

    def fill_(self, value: Any) -> "Tensor":
        """Fill with `value` (a number or a 0-d tensor, cast to this dtype), in place; returns self."""
        return _TM.fill_(self, value)

    def fill_diagonal_(self, fill_value: Any, wrap: bool = False) -> "Tensor":
        """Set the main diagonal (i, i, ..., i) of x (2-D, or more axes all of one length) to
        fill_value in place, as torch's (wrap=True: a tall matrix's diagonal restarts every
        cols + 1 rows); returns self."""
        return _TM.fill_diagonal_(self, fill_value, wrap)

    def add_(self, other: Any, *, alpha: Any = 1) -> "Tensor":
        """x += alpha * other in place (other broadcast to x's shape); returns self."""
        return _TM.binary_(self, "add_", other, alpha)

    def sub_(self, other: Any, *, alpha: Any = 1) -> "Tensor":
        """x -= alpha * other in place (other broadcast to x's shape); returns self."""
        return _TM.binary_(self, "sub_", other, alpha)

    def mul_(self, other: Any) -> "Tensor":
        """x *= other in place (other broadcast to x's shape); returns self."""
        return _TM.binary_(self, "mul_", other)

    def div_(self, other: Any, *, rounding_mode: Any = None) -> "Tensor":
        """x /= other in place; rounding_mode None (true division), 'trunc' or 'floor', as
        torch's div_; returns self. An integer x takes only the rounded modes."""
        return _TM.binary_(self, "div_", other, rounding_mode=rounding_mode)

    def clamp_(self, min: Any = None, max: Any = None) -> "Tensor":
        """Limit to [min, max] in place (either may be None, not both); returns self."""
        return _TM.clamp_(self, min, max)

    def uniform_(self, a: Any = 0.0, b: Any = 1.0, *, generator: Any = None) -> "Tensor":
        """Fill with samples of U(a, b) in place (am.nn.init.uniform_'s; generator= an
        am.Generator to draw from); returns self."""
        return _TM.random_(self, "uniform_", _init().uniform_, a, b, generator)

    def normal_(self, mean: Any = 0.0, std: Any = 1.0, *, generator: Any = None) -> "Tensor":
        """Fill with samples of N(mean, std**2) in place (am.nn.init.normal_'s; generator= an
        am.Generator to draw from); returns self."""
        return _TM.random_(self, "normal_", _init().normal_, mean, std, generator)

    def lerp_(self, end: Any, weight: Any) -> "Tensor":
        """x = x + weight * (end - x) in place (end and weight broadcast to x's shape; torch's
        lerp_, as an EMA or a soft target update under am.no_grad()); returns self."""
        return _TM.lerp_(self, end, weight)

    def copy_(self, src: Any) -> "Tensor":
        """Copy src's values in, broadcast to x's shape and cast to x's dtype (float to int
        truncates, as torch's copy_); returns self."""
        return _TM.copy_(self, src)

    # -- torch's arithmetic keywords and shape helpers (composites; see torch_methods.py) -------
    def add(self, other: Any, *, alpha: Any = 1) -> "Tensor":
        """x + alpha * other, broadcast together (am.add)."""
        return _TM.add(self, other, alpha=alpha)

    def sub(self, other: Any, *, alpha: Any = 1) -> "Tensor":
        """x - alpha * other, broadcast together (am.sub is numpy's x - y; see torch_methods.sub)."""
        return _TM.sub(self, other, alpha=alpha)

    def rsub(self, other: Any, *, alpha: Any = 1) -> "Tensor":
        """other - alpha * x, broadcast together (torch's rsub)."""
        return _TM.rsub(self, other, alpha=alpha)

    def mul(self, other: Any) -> "Tensor":
        """x * other, broadcast together (the * operator)."""
        return self * other

    def div(self, other: Any, *, rounding_mode: Any = None) -> "Tensor":
        """x / other, broadcast; rounding_mode None (true division), 'trunc' or 'floor'
        (gradient 0), as torch.div (see torch_methods.div)."""
        return _TM.div(self, other, rounding_mode=rounding_mode)

    def true_divide(self, other: Any) -> "Tensor":
        """x / other, broadcast together (the / operator; integers give floats)."""
        return self / other

    def addcmul(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> "Tensor":
        """x + value * tensor1 * tensor2, the three broadcast together (am.addcmul)."""
        return _TM.addcmul(self, tensor1, tensor2, value=value)

    def addcdiv(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> "Tensor":
        """x + value * tensor1 / tensor2, the three broadcast together (am.addcdiv)."""
        return _TM.addcdiv(self, tensor1, tensor2, value=value)

    def clamp_min(self, min: Any) -> "Tensor":
        """max(x, min) elementwise, x's shape (min a number or a tensor broadcasting to it):
        clamp(min=min)."""
        return F.clamp(self, min=min)

    def clamp_max(self, max: Any) -> "Tensor":
        """min(x, max) elementwise, x's shape: clamp(max=max)."""
        return F.clamp(self, max=max)

    def expand_as(self, other: Any) -> "Tensor":
        """x expanded (broadcast, see expand) to other's shape; other's values are not read."""
        return _as_shape_of(self, other, "expand_as", self.expand)

    def view_as(self, other: Any) -> "Tensor":
        """x viewed (reshaped, see view) to other's shape, which has as many elements."""
        return _as_shape_of(self, other, "view_as", self.view)

    def reshape_as(self, other: Any) -> "Tensor":
        """x reshaped to other's shape, which has as many elements."""
        return _as_shape_of(self, other, "reshape_as", self.reshape)

    @composite
    def unflatten(self, dim: int, sizes: Any) -> "Tensor":
        """torch's unflatten: axis `dim` (of length n) split into axes of `sizes` (a tuple or
        list of ints whose product is n; one of them may be -1, inferred): shape
        (..., n, ...) to (..., *sizes, ...). The inverse of flatten(dim, dim + len(sizes) - 1)."""
        if not _is_index(dim):
            raise TypeError(f"unflatten: dim must be an int, got {dim!r} (tensor of shape {self.shape})")
        if not -self.ndim <= dim < self.ndim:
            raise ValueError(f"unflatten: dim {dim} is out of range for a tensor of shape {self.shape}")
        d = int(dim) % self.ndim
        if not isinstance(sizes, (tuple, list)) or not all(_is_index(k) for k in sizes):
            raise TypeError(f"unflatten: sizes must be a tuple or list of ints, got {sizes!r} "
                            f"(tensor of shape {self.shape})")
        sizes = tuple(int(k) for k in sizes)
        n = self.shape[d]
        known = [k for k in sizes if k != -1]
        product = int(np.prod(known))
        if not sizes or len(known) < len(sizes) - 1 or any(k < 0 for k in known) or (
                product != n if len(known) == len(sizes) else (product == 0 or n % product)):
            raise ValueError(f"unflatten: sizes {sizes} do not split axis {dim} of length {n} (tensor of "
                             f"shape {self.shape}): give sizes >= 0 whose product is {n}, at most one -1")
        sizes = tuple(n // product if k == -1 else k for k in sizes)
        return P.reshape.apply(self, shape=self.shape[:d] + sizes + self.shape[d + 1:])

    def swapdims(self, dim0: int, dim1: int) -> "Tensor":
        """Axes dim0 and dim1 exchanged: torch's swapdims (and torch's transpose(dim0, dim1);
        x.transpose here is numpy's), as swapaxes."""
        return self.swapaxes(dim0, dim1)

    def movedim(self, source: Any, destination: Any) -> "Tensor":
        """Axes moved from `source` to `destination` (ints or sequences of them), the
        others kept in order: torch's movedim, numpy's moveaxis."""
        return F.moveaxis(self, source, destination)

    # (last: the name `type` would shadow the builtin in the class body below it)
    def type(self, dtype: Any = None, non_blocking: bool = False) -> Any:
        """torch's type: with no dtype, the dtype's name as a string, numpy's ('float64',
        'int64', 'bool'), where torch says 'torch.DoubleTensor' (so x.type(y.type())
        converts x to y's dtype, as in torch). With a dtype (np.float32, am.long, 'float64',
        or torch's names 'torch.FloatTensor', 'torch.LongTensor', ...): this tensor
        converted as astype converts it (recorded between floating dtypes), or itself when
        the dtype is already its own, as torch. Same shape."""
        if dtype is None:
            return str(self.dtype)
        if isinstance(dtype, str) and dtype.startswith("torch."):
            if dtype.startswith("torch.cuda."):
                _check_device("cuda", "type")
            if dtype not in _TORCH_TENSOR_TYPES:
                raise TypeError(f"type: unknown tensor type {dtype!r} (tensor of shape {self.shape}); "
                                f"expected a dtype or one of {sorted(_TORCH_TENSOR_TYPES)}")
            dtype = _TORCH_TENSOR_TYPES[dtype]
        try:
            dt = np.dtype(dtype)
        except TypeError:
            raise TypeError(f"type: expected a dtype (np.float32, am.long, 'float64'), got {dtype!r} "
                            f"(tensor of shape {self.shape})") from None
        if dt.kind not in "biufc":
            raise TypeError(f"type: a tensor holds numbers (bool, int, float or complex), got dtype {dt} "
                            f"(tensor of shape {self.shape})")
        return self if dt == self.dtype else self.astype(dt)


def _as_shape_of(t: Tensor, other: Any, op: str, to_shape: Any) -> Tensor:
    """to_shape(other's shape), for expand_as, view_as, reshape_as (other a Tensor or an
    ndarray), a refusal naming op and both shapes."""
    if not isinstance(other, (Tensor, np.ndarray)):
        raise TypeError(f"{op}: expected a Tensor (whose shape is taken), got {type(other).__name__} "
                        f"(tensor of shape {t.shape})")
    shape = tuple(other.shape)
    try:
        return to_shape(shape)
    except ValueError as e:
        raise ValueError(f"{op}: other's shape {shape} does not fit this tensor of shape {t.shape}: {e}") from None


def _init() -> Any:
    from .nn import init
    return init


def _sizes(sizes: tuple, op: str, shape: tuple) -> tuple:
    """Sizes given as PyTorch takes them, f(2, 3) or f((2, 3)), as a tuple of ints."""
    if not sizes:  # (f() is refused, as view() is; f(()) is a 0-d tensor's sizes)
        raise TypeError(f"{op}: missing the sizes (of a tensor of shape {shape}); pass them as "
                        f"{op}(2, 3) or {op}((2, 3)), and {op}(()) for 0-d")
    sizes = _varargs(sizes)
    if not all(_is_index(k) for k in sizes):
        raise TypeError(f"{op}: sizes must be ints, got {sizes!r} for a tensor of shape {shape}")
    return tuple(int(k) for k in sizes)


_NO_VALUES_READ = {np.shape, np.ndim, np.size, np.result_type, np.can_cast,
                   np.shares_memory, np.may_share_memory}


def _as_arrays(value: Any, depth: int = 0) -> Any:
    """A numpy function's arguments with each tensor read as a read-only view of its
    ndarray (through __array__, which am.compile's tracer sees), inside lists, tuples
    and dicts too."""
    if isinstance(value, Tensor):
        # (through a read-only memoryview: a view of a writeable ndarray made read-only could
        # be made writeable again, v.flags.writeable = True, as numpy allows when the array
        # owning the memory is writeable)
        return np.asarray(memoryview(value.__array__()).toreadonly())
    if depth < 4 and isinstance(value, (list, tuple, dict)):
        if isinstance(value, dict):
            return {k: _as_arrays(v, depth + 1) for k, v in value.items()}
        return type(value)(_as_arrays(v, depth + 1) for v in value) if type(value) in (list, tuple) \
            else value
    return value


def _read_only_ndarray(value: Any, depth: int = 0) -> bool:
    """Whether a numpy function's arguments hold a read-only ndarray of the caller's
    (inside lists, tuples and dicts too)."""
    if isinstance(value, np.ndarray):
        return not value.flags.writeable
    if depth < 4 and type(value) in (list, tuple, dict):
        return any(_read_only_ndarray(v, depth + 1) for v in (value.values() if isinstance(value, dict) else value))
    return False


def _requiring_grad(value: Any, depth: int = 0) -> "Tensor | None":
    """The first tensor that requires grad among a numpy function's arguments (inside
    lists, tuples and dicts, as np.concatenate([a, b]) takes them)."""
    if isinstance(value, Tensor):
        return value if value.requires_grad else None
    if depth < 4 and isinstance(value, (list, tuple, dict)):
        for v in value.values() if isinstance(value, dict) else value:
            t = _requiring_grad(v, depth + 1)
            if t is not None:
                return t
    return None


_OUT_OF_PLACE = {"+=": operator.add, "-=": operator.sub, "*=": operator.mul, "/=": operator.truediv,
                 "//=": operator.floordiv, "%=": operator.mod}

from . import engine  # noqa: E402
from . import functions as F  # noqa: E402  (these import Tensor)
from . import logic as _L  # noqa: E402
from . import selection as _S  # noqa: E402
from . import primitives as P  # noqa: E402
from . import creation as _C  # noqa: E402
from . import torch_methods as _TM  # noqa: E402
from . import numpy_arrays as _NA  # noqa: E402

engine.Tensor = Tensor


def _is_bool_scalar(o: Any) -> bool:
    return isinstance(o, (bool, np.bool_))


def _mask_operands(a: "Tensor", o: Any, op: str) -> tuple["Tensor", Any]:
    """The operands of a & b, a | b, a ^ b: two boolean tensors of broadcastable shapes,
    or a boolean tensor and a bool (kept as it is: a constant)."""
    if _is_bool_scalar(o):
        if a.dtype != np.bool_:
            raise TypeError(f"{op}: defined on boolean tensors only (logical and/or/xor of masks), got "
                            f"dtype {a.dtype}, shape {a.shape}, with the bool {o!r}")
        return a, o
    other = o if isinstance(o, Tensor) else Tensor._of(o)
    for t in (a, other):
        if t.dtype != np.bool_:
            raise TypeError(f"{op}: defined on boolean tensors only (logical and/or/xor of masks), got "
                            f"dtypes {a.dtype} and {other.dtype}, shapes {a.shape} and {other.shape}")
    try:
        np.broadcast_shapes(a.shape, other.shape)
    except ValueError:
        raise ValueError(f"{op}: shapes {a.shape} and {other.shape} do not broadcast") from None
    return a, other
