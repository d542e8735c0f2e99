"""The optimizer base class: parameter groups, validation, state dicts.

An optimizer holds `param_groups`, a list of dicts (PyTorch style): each has
the key "params" (a list of Tensors) and one value per hyperparameter, so
every group can have its own `lr`, `momentum`, ... (read and write
`opt.param_groups[i]["lr"]`). Per-parameter running statistics (momentum
buffers, moment estimates) live in `opt.state[param]`, a dict of ndarrays and
numbers. Updates act on `param.data` in place and never record a graph.
Parameters and gradients are real: a complex gradient here is the
unconjugated cotangent, so a step along it would not descend (optimize a
complex number's real and imaginary parts as two real parameters).
"""

from __future__ import annotations

import math
import numbers
import operator
from typing import Any, Callable, Iterable, Iterator, Mapping

import numpy as np

from ..engine import _root, enable_grad, stepped, tracers
from ..tensor import Tensor, _flag as _check_flag


class Optimizer:
    """Base class: subclasses set `_state_names`, `_check_options` and `_update` (one group's
    step, usually over `_params_to_step`, with `_buffers`), or `step` itself.

    params:   an iterable of Tensors, or of dicts {"params": [...], option: value}
              whose options override `defaults` for that group. A tensor that does
              not require grad (a frozen layer's) is kept and skipped while its
              .grad is None, as in PyTorch.
    defaults: the hyperparameters of every group that does not set its own.
    """

    #: names of the per-parameter state entries that `step` may create
    _state_names: frozenset[str] = frozenset()
    _required_state: frozenset[str] = frozenset()  # what a parameter's state cannot lack
    #: keep a float16 parameter's statistics in float32 (see `_stats_dtype`)
    _wide_half_stats = False
    #: the arrays `_params_to_step` gives every parameter at its first step, as
    #: (name, initial value): a number, or the name of the group option that holds it
    _buffers: tuple[tuple[str, float | str], ...] = ()
    #: the numbers (Python floats) it gives every parameter at its first step, before the
    #: arrays, in the same form (NAdam's "mu_product", ASGD's "eta" and "mu")
    _scalars: tuple[tuple[str, float | str], ...] = ()

    #: PyTorch's keyword arguments of this optimizer that choose how its step is computed,
    #: not what it computes (see `_check_implementation`)
    _implementation_names: frozenset[str] = frozenset({"foreach", "differentiable"})

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any],
                 implementation: Mapping[str, Any] | None = None) -> None:
        name = type(self).__name__
        if implementation:
            self._check_implementation(implementation)
        self._check_options(defaults, f"{name}")
        if isinstance(params, Tensor):
            raise TypeError(
                f"{name}: params must be an iterable of Tensors or of param-group dicts, got a "
                "single Tensor; wrap it in a list"
            )
        if isinstance(params, (set, frozenset)):
            raise TypeError(f"{name}: params must be an ordered iterable (a list), not a set")
        try:
            groups = list(params)
        except TypeError:
            raise TypeError(
                f"{name}: params must be an iterable of Tensors or of param-group dicts, "
                f"got {type(params).__name__}"
            ) from None
        if not groups:
            # (model.parameters() is a generator: a second optimizer given the same one gets nothing)
            spent = " (an iterator that was already used up? call model.parameters() again)" if (
                iter(params) is params) else ""
            raise ValueError(f"{name}: got an empty parameter list{spent}")
        if not isinstance(groups[0], Mapping):
            groups = [{"params": groups}]
        self.defaults = dict(defaults)
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[Tensor, dict[str, Any]] = {}
        for group in groups:
            self.add_param_group(group)

    # -- groups -------------------------------------------------------------------
    def add_param_group(self, group: Mapping[str, Any]) -> None:
        """Append a group {"params": tensors, option: value, ...}; unset options take the defaults."""
        name = type(self).__name__
        where = f"{name}: param group {len(self.param_groups)}"
        if not isinstance(group, Mapping) or "params" not in group:
            raise TypeError(f"{where}: expected a dict with a 'params' entry, got {type(group).__name__}")
        params = group["params"]
        if isinstance(params, (set, frozenset)):
            raise TypeError(f"{where}: 'params' must be an ordered iterable (a list), not a set")
        params = [params] if isinstance(params, Tensor) else list(params)
        if not params:
            raise ValueError(f"{where}: got an empty parameter list")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{where}: parameter {i} is a {type(p).__name__}, expected a Tensor")
            if p.grad_fn is not None:
                raise ValueError(
                    f"{where}: parameter {i} (shape {p.shape}) is not a leaf (it has grad_fn "
                    f"{p.grad_fn!r}); optimize the leaf tensors it was computed from"
                )
            if id(p) in seen:
                raise ValueError(f"{where}: parameter {i} (shape {p.shape}) appears more than once")
            if p.data.dtype.kind != "f":
                raise TypeError(f"{where}: parameter {i} (shape {p.shape}) has dtype {p.data.dtype}; {_REAL_ONLY}")
            seen.add(id(p))
        options = {**self.defaults, **{k: v for k, v in group.items() if k != "params"}}
        self._check_options(options, where)
        self.param_groups.append({"params": params, **options})

    def _check_implementation(self, given: Mapping[str, Any]) -> None:
        """PyTorch's foreach=, fused= (None or a bool), capturable= and differentiable= (False),
        as ported code passes them (nanoGPT's AdamW(fused=True)). They choose among PyTorch's
        kernels for the same update; here there is one numpy update, so foreach and fused
        change nothing. capturable (CUDA graphs) and differentiable (a step recorded for
        backward) have no counterpart: True is refused. Not kept in the param groups."""
        name = type(self).__name__
        for key, value in given.items():
            if key not in self._implementation_names:
                raise TypeError(f"{name}.__init__() got an unexpected keyword argument {key!r}")
            if key in ("foreach", "fused"):
                if value is not None:
                    _check_flag(value, key, name)
            elif _check_flag(value, key, name):
                why = ("CUDA graph capture does not exist here" if key == "capturable" else
                       "a step is never recorded for backward here; to differentiate through an "
                       "update, write it with tensor operations (w - lr * g, g from "
                       "am.autograd.grad(..., create_graph=True))")
                raise ValueError(f"{name}: {key}=True is not supported: {why}")

    def _check_options(self, options: Mapping[str, Any], where: str) -> None:
        """Raise ValueError/TypeError for an invalid hyperparameter (subclasses extend)."""
        _nonnegative(options, "lr", where)

    # -- the update -----------------------------------------------------------------
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter whose `.grad` is not None (in place, no graph);
        return closure() if given (it is run first, with grad enabled)."""
        loss = self._evaluate(closure)
        self._check_grads()
        for group in self.param_groups:
            self._update(group)
        return loss

    def _update(self, group: dict[str, Any]) -> None:
        """Step the parameters of one group (what `step` leaves to a subclass that does not
        write its own): their formulas, usually over `_params_to_step(group)`."""
        raise NotImplementedError

    @staticmethod
    def _evaluate(closure: Callable[[], Any] | None) -> Any:
        """Run the closure (which re-computes the loss and calls backward) with grad enabled."""
        if closure is None:
            return None
        with enable_grad():
            return closure()

    def _check_grads(self) -> None:
        """Every gradient must be a real Tensor of its parameter's shape, and every parameter
        with one a writable real array; checked before anything changes.

        Then the arrays of the parameters with a gradient, which the step is about to
        change, are noted as changed in place (a backward of a graph made before
        the step refuses to run on their new values)."""
        if tracers:
            raise RuntimeError(
                f"{type(self).__name__}.step: cannot run inside a function being compiled "
                "(a replay would skip the update); compile the loss and step outside it"
            )
        changing: list[int] = []
        append = changing.append
        for group in self.param_groups:
            for p in group["params"]:
                g = p._grad
                if g is None:
                    continue
                d = p.data
                if not (isinstance(g, Tensor) and g.data.shape == d.shape and d.flags.writeable
                        and (d.dtype in _REAL_FLOATS or d.dtype.kind == "f")
                        and (g.data.dtype is d.dtype or g.data.dtype.kind in "fiu")):
                    self._refuse_grad(p)
                append(id(d) if d.base is None else id(_root(d)))  # (most parameters own their array)
        stepped(self, changing)

    def _params_to_step(self, group: dict[str, Any], decoupled: bool = False,
                        ) -> Iterator[tuple[np.ndarray, np.ndarray, dict[str, Any]]]:
        """Yield (p, g, state) for each parameter of `group` with a gradient: the step
        scaffolding of the optimizers with per-parameter statistics, whose steps then
        hold only their own formulas.

        p is the parameter's array, to update in place. A parameter's state is made at
        its first step: {"step": 0}, one number per entry of `_scalars` and one array
        per entry of `_buffers`, of the parameter's shape and of `_stats_dtype` (float32
        for a float16 parameter in the optimizers that ask for it); state["step"] then
        counts this step. g is the gradient as the formulas use it, in the dtype of the
        first buffer (so a float16 parameter's step is computed in float32), and, as in
        PyTorch, in this order (weight_decay is group["weight_decay"]):

            g = -g                          (group["maximize"]: ascend)
            g = g + weight_decay * p        (an L2 penalty; or, with decoupled=True,
            p = p * (1 - lr * weight_decay)  the decay of AdamW, g unchanged)

        g may be the gradient's own array: do not write to it.
        """
        buffers = self._buffers
        scalars = self._scalars
        first = buffers[0][0]
        store = self.state
        maximize = group["maximize"]
        weight_decay = group["weight_decay"]
        shrink = 1 - group["lr"] * weight_decay if decoupled and weight_decay else None
        for p in group["params"]:
            if p._grad is None:
                continue
            d = p.data
            g = p._grad.data
            state = store.get(p)
            if state is None:
                dtype = self._stats_dtype(d.dtype)
                state = store[p] = {"step": 0}
                for name, init in scalars:
                    state[name] = float(group[init] if isinstance(init, str) else init)
                for name, init in buffers:
                    state[name] = np.full(d.shape, group[init] if isinstance(init, str) else init, dtype)
            stats_dtype = state[first].dtype
            if g.dtype != stats_dtype:
                g = g.astype(stats_dtype)
            state["step"] += 1
            if maximize:
                g = -g
            if shrink is not None:
                d *= shrink
            elif weight_decay:
                g = g + weight_decay * d
            yield d, g, state

    def _refuse_grad(self, p: Tensor) -> None:
        """The error for a parameter whose .grad or array a step cannot use."""
        gi, i = next((gi, i) for gi, group in enumerate(self.param_groups)
                     for i, q in enumerate(group["params"]) if q is p)
        where = f"{type(self).__name__}.step: parameter {i} of group {gi}"
        g, d = p._grad, p.data
        if not isinstance(g, Tensor):
            raise TypeError(f"{type(self).__name__}.step: the .grad of parameter {i} of group {gi} "
                            f"is a {type(g).__name__}, expected a Tensor or None")
        if g.data.shape != d.shape:
            raise ValueError(f"{where} has shape {d.shape} but its .grad has shape {g.data.shape}")
        if d.dtype.kind != "f" or g.data.dtype.kind not in "fiu":
            raise TypeError(f"{where} (shape {d.shape}, dtype {d.dtype}) has a .grad of dtype "
                            f"{g.data.dtype}; {_REAL_ONLY}")
        raise RuntimeError(
            f"{where} (shape {d.shape}) has a read-only array (a broadcast, a read-only memory "
            "map?); give it an array of its own: p.data = p.data.copy()"
        )

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients: `.grad = None` (or, with set_to_none=False, new zero tensors)."""
        if type(set_to_none) is not bool:  # (once per step: the message is built only when needed)
            _check_flag(set_to_none, "set_to_none", f"{type(self).__name__}.zero_grad")
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p._grad = None
                elif p._grad is not None:
                    # A new array: leaf gradients may be read-only or shared views.
                    p._grad = Tensor._wrap(np.zeros_like(p.data))

    # -- state dicts --------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """A snapshot of the hyperparameters and per-parameter state (copies).

        {"state": {i: {name: ndarray | number}}, "param_groups": [{option: value,
        "params": [i, ...]}]}, where i numbers the parameters in group order.
        Only plain ndarrays, numbers, bools, tuples, lists and dicts: `am.save` stores it.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if p in self.state:
                    state[index[id(p)]] = {
                        k: v.copy() if isinstance(v, np.ndarray) else v for k, v in self.state[p].items()
                    }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore hyperparameters and state saved by `state_dict()` (from this optimizer's
        class and the same parameter layout). Everything is checked before anything changes."""
        name = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, Mapping) or set(state_dict) != {"state", "param_groups"}:
            got = (sorted(map(str, state_dict)) if isinstance(state_dict, Mapping)
                   else type(state_dict).__name__)
            raise ValueError(f"{name}: expected a dict with keys 'state' and 'param_groups', got {got}")
        if not isinstance(state_dict["param_groups"], (list, tuple)):
            raise ValueError(
                f"{name}: 'param_groups' must be a list, got {type(state_dict['param_groups']).__name__}"
            )
        if not isinstance(state_dict["state"], Mapping):
            raise ValueError(f"{name}: 'state' must be a dict, got {type(state_dict['state']).__name__}")
        saved_groups = list(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}: the state dict has {len(saved_groups)} param groups, "
                f"this optimizer has {len(self.param_groups)}"
            )
        by_index: dict[int, Tensor] = {}
        new_groups = []
        for gi, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if not isinstance(saved, Mapping) or not isinstance(saved.get("params"), (list, tuple)):
                raise ValueError(f"{name}: param group {gi} is not a dict with a 'params' list")
            ids = list(saved["params"])
            if len(ids) != len(group["params"]):
                raise ValueError(
                    f"{name}: param group {gi} has {len(ids)} parameters in the state dict, "
                    f"{len(group['params'])} in this optimizer"
                )
            for i, p in zip(ids, group["params"]):
                index = _param_index(i, name)
                if index in by_index:  # (the later parameter would take the other's state)
                    raise ValueError(f"{name}: parameter index {i!r} is listed twice in the param groups")
                by_index[index] = p
            # Every group of a state_dict() lists all of its optimizer's options: one that
            # lacks some is another optimizer's (SGD's has no betas), whose rates and
            # options would otherwise load silently, the missing ones taken from defaults.
            # (maximize, added later, defaults to False in an older state dict, as in PyTorch)
            missing = [k for k in self.defaults if k not in saved and k not in _LATER_OPTIONS]
            if missing:
                raise ValueError(
                    f"{name}: param group {gi} lacks the options {missing} of {type(self).__name__} "
                    f"(it has {sorted(map(str, saved))}): a state dict of another optimizer?"
                )
            options = {**self.defaults, **{k: v for k, v in saved.items() if k != "params"}}
            for k in _LATER_OPTIONS & set(self.defaults) - set(saved):
                options[k] = False  # (what the optimizer that saved it did)
            self._check_options(options, f"{name}: param group {gi}")
            if "initial_lr" in options:  # (a scheduler's starting rate: a NaN one reaches lr later)
                _nonnegative(options, "initial_lr", f"{name}: param group {gi}")
            new_groups.append({"params": group["params"], **options})
        new_state: dict[Tensor, dict[str, Any]] = {}
        for i, entries in dict(state_dict["state"]).items():
            p = by_index.get(_param_index(i, name))
            if p is None:
                raise ValueError(f"{name}: state for parameter {i}, which no param group lists")
            if not isinstance(entries, Mapping):
                raise ValueError(
                    f"{name}: the state of parameter {i} must be a dict, got {type(entries).__name__}"
                )
            new_state[p] = {k: self._restore(name, i, k, v, p) for k, v in dict(entries).items()}
            missing = self._required_state - set(new_state[p])
            if missing:
                raise ValueError(f"{name}: the state of parameter {i} lacks {sorted(missing)}")
        self.param_groups = new_groups
        self.state = new_state

    def _restore(self, where: str, i: Any, key: str, value: Any, p: Tensor) -> Any:
        """Check one saved state entry against its parameter; return a private copy."""
        if key not in self._state_names:
            raise ValueError(
                f"{where}: unknown state entry {key!r} for parameter {i}; "
                f"{type(self).__name__} keeps {sorted(self._state_names)}"
            )
        if key == "step":
            if isinstance(value, Tensor):
                value = value.data
            # (the kind first: '3' would pass float() and then fail to compare with 0)
            kind = np.asarray(value).dtype.kind
            if kind not in "iuf" or np.ndim(value) != 0 or not float(value).is_integer() or value < 0:
                raise ValueError(f"{where}: 'step' of parameter {i} must be a count >= 0, got {value!r}")
            return int(value)
        arr = np.asarray(value.data if isinstance(value, Tensor) else value)
        if any(key == name for name, _ in self._scalars):  # (torch's state dict has 0-d tensors)
            if arr.dtype.kind not in "iuf" or arr.ndim != 0 or not np.isfinite(arr):
                raise ValueError(f"{where}: {key!r} of parameter {i} must be a finite number, got {value!r}")
            return float(arr)
        if arr.dtype.kind not in "fiu":  # (an object array would load as NaN, a complex one lose a part)
            raise TypeError(
                f"{where}: state {key!r} of parameter {i} must be a real numeric array, got dtype {arr.dtype}"
            )
        if arr.shape != p.shape:
            raise ValueError(
                f"{where}: state {key!r} of parameter {i} has shape {arr.shape}, the parameter has "
                f"shape {p.shape}"
            )
        return arr.astype(self._stats_dtype(p.data.dtype), copy=True)

    def _stats_dtype(self, dtype: np.dtype) -> np.dtype:
        """The dtype of a parameter's running statistics: the parameter's own, or
        float32 for a float16 one in optimizers that divide by a root (Adam, RMSprop,
        Adagrad, Adadelta: `_wide_half_stats`). In float16 their eps of 1e-8 rounds to 0, so a zero
        gradient stepped by 0/0 = NaN, and (1 - beta2) g**2 underflows to 0 for
        |g| below about 0.008, so a small gradient was divided by eps alone."""
        return _FLOAT32 if self._wide_half_stats and dtype == _FLOAT16 else dtype

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__}("]
        for gi, group in enumerate(self.param_groups):
            opts = ", ".join(f"{k}={v}" for k, v in group.items() if k != "params")
            lines.append(f"  group {gi}: {len(group['params'])} params, {opts}")
        return "\n".join(lines + [")"])


_LATER_OPTIONS = frozenset({"maximize"})  # (options a state dict saved before they existed may lack)
_FLOAT16, _FLOAT32 = np.dtype(np.float16), np.dtype(np.float32)
# (a tuple: `in` compares by identity first, so float64, first, costs one comparison; a
# set would hash the dtype on every look-up. Native byte order only: kind "f" settles the rest)
_REAL_FLOATS = tuple(np.dtype(code) for code in "defg")
_REAL_ONLY = (
    "the optimizers update real floating-point parameters with real gradients (a complex "
    "gradient here is the unconjugated cotangent, along which descent would be wrong): "
    "optimize a complex number as two real parameters, its real and imaginary parts"
)


def _option_buffer(state: dict[str, Any], name: str, like: np.ndarray) -> np.ndarray:
    """state[name], made as zeros like `like` when an option first needs it (AMSGrad's
    running maximum, RMSprop's centered average and momentum buffer)."""
    buf = state.get(name)
    if buf is None:
        buf = state[name] = np.zeros_like(like)
    return buf


# -- option checks ----------------------------------------------------------------


def _param_index(i: Any, where: str) -> int:
    """A parameter's number in a state dict: an int (or its str, as a saved key may be)."""
    try:
        # (int() of a float would truncate: 1.5 would take parameter 1's place)
        if isinstance(i, bool):
            raise TypeError
        return int(i) if isinstance(i, str) else operator.index(i)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: {i!r} is not a parameter index") from None


def _real(options: Mapping[str, Any], key: str, where: str) -> float:
    value = options[key]
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}: {key} must be a real number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{where}: {key} must be finite, got {value!r}")
    return float(value)


def _nonnegative(options: Mapping[str, Any], key: str, where: str) -> None:
    if _real(options, key, where) < 0:
        raise ValueError(f"{where}: invalid {key} {options[key]!r}, must be >= 0")


def _betas(options: Mapping[str, Any], where: str) -> None:
    """options["betas"] must be a pair of reals in [0, 1) (Adam's and its kin's)."""
    betas = options["betas"]
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise TypeError(f"{where}: betas must be a pair (beta1, beta2), got {betas!r}")
    for i, b in enumerate(betas):
        b = _real({f"betas[{i}]": b}, f"betas[{i}]", where)
        if not 0 <= b < 1:
            raise ValueError(f"{where}: invalid betas[{i}] {b!r}, must be in [0, 1)")


def _flag(options: Mapping[str, Any], key: str, where: str) -> None:
    _check_flag(options[key], key, where)
