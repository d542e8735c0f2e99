"""Creating tensors: from data, filled, ranges, random (with one seeded generator).

Every creation function takes PyTorch's `device=`: None, 'cpu', 'cpu:0' or am.device('cpu')
(x.device's value); any other device is refused with a ValueError, as Tensor.to refuses it. The
random ones (rand, randn, randint, randperm, multinomial and the _like forms) also take
`generator=`, an am.Generator to draw from instead of the library generator."""

from __future__ import annotations

import copy as _copy
import operator
from typing import Any

import numpy as np

from .engine import shape_constant, tracers
from .tensor import (
    Tensor, _CPU_DEVICE, _check_device, _check_grad_dtype, _dtype_or_default, _flag, _int_arg, _is_index,
    _varargs,
    get_default_dtype,
)

_rng = {"gen": np.random.default_rng()}


def _seed(seed: Any, where: str) -> int:
    """A seed for np.random.default_rng: an int >= 0 (numpy's own refusal names no op)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"{where}: the seed must be an int >= 0, got {seed!r}")
    return int(seed)


def manual_seed(seed: int) -> None:
    """Seed the generator behind randn, rand, initialisation and dropout (an int >= 0)."""
    _rng["gen"] = np.random.default_rng(_seed(seed, "manual_seed"))


def generator() -> np.random.Generator:
    """The library's random generator (reseeded by `manual_seed`)."""
    return _rng["gen"]


def get_rng_state() -> dict:
    """The state of the global random generator, as a plain dict.

    The generator behind randn, rand, the *_like samplers, nn.init, dropout and unseeded
    DataLoaders: a plain dict of str, int and nested dicts (numpy's
    bit_generator.state), which json.dumps and am.save store exactly. `set_rng_state` of
    it later makes the same draws again (a bit-for-bit resume)."""
    return _copy.deepcopy(_rng["gen"].bit_generator.state)


def set_rng_state(state: dict) -> None:
    """Restore a state from `get_rng_state` (a dict; after a JSON round trip too).

    The state is checked before it is set: one of another bit generator, or with a
    missing or malformed entry, is a ValueError (TypeError for a non-dict) and the
    generator is left as it was."""
    _set_state(_rng["gen"].bit_generator, state, "set_rng_state", "get_rng_state")


def _set_state(bit_generator: Any, state: Any, where: str, source: str) -> None:
    """Set a numpy bit generator's state after checking it (see set_rng_state)."""
    if not isinstance(state, dict):
        raise TypeError(f"{where}: expected the dict {source} returns, got {type(state).__name__}")
    kind = type(bit_generator).__name__
    if state.get("bit_generator") != kind:
        raise ValueError(f"{where}: expected a state of the {kind} generator, got one with "
                         f"bit_generator={state.get('bit_generator')!r}")
    trial = type(bit_generator)()  # (numpy's setter may leave a half-set state when it refuses)
    try:
        trial.state = state
    except (TypeError, ValueError, KeyError, OverflowError) as e:
        raise ValueError(f"{where}: not a valid {kind} state ({type(e).__name__}: {e}); "
                         f"pass what {source} returned") from None
    if trial.state != state:  # (numpy ignores unknown keys and truncates some values)
        raise ValueError(f"{where}: not a valid {kind} state: it does not survive being set "
                         f"(extra or out-of-range entries); pass what {source} returned")
    bit_generator.state = trial.state


class Generator:
    """PyTorch's torch.Generator: a random generator of one's own, passed as `generator=`
    to rand, randn, randint, randperm, rand_like, randn_like, Tensor.uniform_/normal_,
    nn.init.uniform_/normal_, DataLoader and random_split, which then draw from it and
    leave the library generator (am.manual_seed's) as it was.

    It wraps a np.random.Generator (PCG64; `.numpy_generator`). As torch's, a new one
    starts from the seed 67280421310721, the same every run: g.manual_seed(seed) (an
    int >= 0; returns g) reseeds it, g.initial_seed() is the last seed, g.seed() reseeds
    it from fresh entropy and returns that seed. g.get_state() is a plain dict (numpy's
    bit_generator.state, as am.get_rng_state; not torch's ByteTensor) and
    g.set_state(state) restores it (checked first; returns g). device is 'cpu' only."""

    _DEFAULT_SEED = 67280421310721  # (torch.Generator().initial_seed())

    def __init__(self, device: Any = "cpu") -> None:
        _check_device(device, "Generator")
        self.manual_seed(self._DEFAULT_SEED)

    @property
    def device(self) -> Any:
        """am.device('cpu'), as Tensor.device (and torch.Generator().device)."""
        return _CPU_DEVICE

    def manual_seed(self, seed: int) -> "Generator":
        """Reseed with `seed` (an int >= 0); returns this generator, as torch's."""
        self._seed = _seed(seed, "Generator.manual_seed")
        self.numpy_generator = np.random.default_rng(self._seed)
        return self

    def seed(self) -> int:
        """Reseed from fresh entropy (a nondeterministic seed below 2**63) and return it."""
        seed = int(np.random.SeedSequence().entropy % 2**63)
        self.manual_seed(seed)
        return seed

    def initial_seed(self) -> int:
        """The seed last set (by the constructor, manual_seed or seed)."""
        return self._seed

    def get_state(self) -> dict:
        """The state, a plain dict (json.dumps and am.save store it exactly)."""
        return _copy.deepcopy(self.numpy_generator.bit_generator.state)

    def set_state(self, state: dict) -> "Generator":
        """Restore a state from get_state (checked before it is set); returns this generator."""
        _set_state(self.numpy_generator.bit_generator, state, "Generator.set_state", "Generator.get_state")
        return self

    def __repr__(self) -> str:
        return f"am.Generator(initial_seed={self._seed})"


def _generator_of(generator: Any, where: str) -> np.random.Generator:
    """The numpy generator to draw from: the library's for None, an am.Generator's, or a
    np.random.Generator itself."""
    if generator is None:
        return _rng["gen"]
    if isinstance(generator, Generator):
        return generator.numpy_generator
    if isinstance(generator, np.random.Generator):
        return generator
    raise TypeError(f"{where}: generator must be an am.Generator (or a np.random.Generator), "
                    f"got {type(generator).__name__}")


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None, *, device: Any = None) -> Tensor:
    """A new tensor holding a copy of `data` (as `Tensor(...)`, which refuses a bare int:
    torch.Tensor(5) is a size)."""
    if device is not None:  # (no call for the usual device=None: creation is frequent)
        _check_device(device, "tensor")
    return Tensor._of(data, requires_grad, dtype)


def _shape(shape: tuple, where: str) -> tuple:
    """The sizes given as `f(2, 3)` or `f((2, 3))`, each an int >= 0 (numpy would
    refuse -1 or 2.5 too, but without naming the op)."""
    shape = _varargs(shape)
    if not all(_is_index(n) for n in shape):
        raise TypeError(f"{where}: sizes must be ints, got {shape!r}")
    sizes = tuple(operator.index(n) for n in shape)
    if any(n < 0 for n in sizes):
        raise ValueError(f"{where}: sizes must be >= 0, got {shape!r}")
    return sizes


def _make(arr: np.ndarray, requires_grad: bool, where: str, constant: bool = False) -> Tensor:
    """The tensor of a creation function. A `constant` one (zeros, ones, full, arange,
    eye and their _like forms: values from Python numbers and shapes alone) made while
    am.compile records is kept in the tape as a constant, as the Python numbers and
    shapes it came from are frozen or keyed there: `x * am.arange(x.shape[1])` compiles.
    (A new leaf, requires_grad=True, is refused there, as any tensor made from an array.)"""
    if arr.dtype.kind not in "biufc":  # (as am.tensor refuses: strings and objects are no numbers)
        raise TypeError(f"{where}: a tensor holds numbers (bool, int, float or complex), got dtype {arr.dtype}")
    requires_grad = _flag(requires_grad, "requires_grad", where)
    if requires_grad:
        _check_grad_dtype(arr.dtype, where)
    elif constant and tracers:
        arr.flags.writeable = False  # (a write into .data, perhaps of values from data, would be frozen)
        shape_constant(arr)
        tracers[-1].read_only.append(arr)  # (writable again after the recording, unless the tape keeps it)
    t = Tensor._wrap(arr)
    t.requires_grad = requires_grad
    return t


def _sample_dtype(dtype: Any, where: str) -> np.dtype:
    """A floating dtype for random samples (an integer one would truncate them)."""
    dt = _dtype_or_default(dtype)
    if dt.kind != "f":
        raise TypeError(f"{where}: samples need a floating-point dtype, got {dt}")
    return dt


def zeros(*shape: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Tensor of zeros; `zeros(2, 3)` or `zeros((2, 3))`."""
    if device is not None:  # (no call for the usual device=None: creation is frequent)
        _check_device(device, "zeros")
    return _make(np.zeros(_shape(shape, "zeros"), _dtype_or_default(dtype)), requires_grad, "zeros", constant=True)


def ones(*shape: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Tensor of ones; `ones(2, 3)` or `ones((2, 3))`."""
    if device is not None:  # (no call for the usual device=None: creation is frequent)
        _check_device(device, "ones")
    return _make(np.ones(_shape(shape, "ones"), _dtype_or_default(dtype)), requires_grad, "ones", constant=True)


def full(shape: Any, fill_value: float, dtype: Any = None, requires_grad: bool = False, *,
         device: Any = None) -> Tensor:
    """Tensor of `shape` filled with `fill_value`."""
    _check_device(device, "full")
    return _full(shape, fill_value, dtype, requires_grad, True)


def _full(shape: Any, fill_value: Any, dtype: Any, requires_grad: bool, constant: bool) -> Tensor:
    """full(); `constant` False makes no constant for am.compile of it (full_like of an array)."""
    shape, dt = _shape((shape,), "full"), _dtype_or_default(dtype)
    if isinstance(fill_value, Tensor) or (np.iscomplexobj(fill_value) and dt.kind != "c"):
        # (numpy would take a tensor's value, or drop the imaginary part with a warning)
        raise TypeError(f"full: fill_value must be a number fitting dtype {dt}, got {fill_value!r}")
    try:
        arr = np.full(shape, fill_value, dt)
    except (TypeError, ValueError) as e:
        raise TypeError(f"full: fill_value must be a number, got {fill_value!r}: {e}") from e
    # (a constant only when filled with a Python number: an array fill may hold data's values)
    constant = constant and type(fill_value) in (int, float, complex, bool)
    return _make(arr, requires_grad, "full", constant=constant)


def _like_of(x: Any) -> tuple[np.ndarray, bool]:
    """x's array, whose shape and dtype a _like form takes, and whether the result may be
    a constant of am.compile. While it records, a tensor x is noted: the tape keeps the
    constant, so it checks x's shape and dtype on every replay (x may be a closed-over
    tensor that no op reads, `state.data = ...`). An array or a list x makes no constant
    (refused if an op uses it, as am.tensor of it): no replay checks its shape, which
    may be a closed-over one's (`am.zeros_like(t.data)`, `am.zeros_like(self.buffer)`)."""
    if isinstance(x, Tensor):
        if tracers:
            tracers[-1].shape_read(x)
        return x.data, True
    return np.asarray(x), False


def zeros_like(x: Any, dtype: Any = None, requires_grad: bool = False, *, device: Any = None) -> Tensor:
    """Zeros with the shape (and, by default, the dtype) of `x`."""
    _check_device(device, "zeros_like")
    arr, constant = _like_of(x)
    return _make(np.zeros(arr.shape, dtype or arr.dtype), requires_grad, "zeros_like", constant)


def ones_like(x: Any, dtype: Any = None, requires_grad: bool = False, *, device: Any = None) -> Tensor:
    """Ones with the shape (and, by default, the dtype) of `x`."""
    _check_device(device, "ones_like")
    arr, constant = _like_of(x)
    return _make(np.ones(arr.shape, dtype or arr.dtype), requires_grad, "ones_like", constant)


def full_like(x: Any, fill_value: float, dtype: Any = None, requires_grad: bool = False, *,
              device: Any = None) -> Tensor:
    """`fill_value` in the shape (and, by default, the dtype) of `x`, as np.full_like."""
    _check_device(device, "full_like")
    arr, constant = _like_of(x)
    return _full(arr.shape, fill_value, dtype or arr.dtype, requires_grad, constant)


def _like(x: Any, dtype: Any, where: str) -> tuple:
    """The shape of `x` and the floating dtype for samples like it (x's, by default)."""
    arr = np.asarray(x.data if isinstance(x, Tensor) else x)
    dt = np.dtype(dtype) if dtype is not None else arr.dtype
    if dt.kind != "f":
        raise TypeError(f"{where}: samples need a floating-point dtype, got {dt} (x of shape {arr.shape}); "
                        "pass dtype=")
    return arr.shape, dt


def randn_like(x: Any, dtype: Any = None, requires_grad: bool = False, *, device: Any = None,
               generator: Any = None) -> Tensor:
    """Samples of N(0, 1) of x's shape (and, by default, x's floating dtype).

    Drawn from the generator `manual_seed` seeds, or from `generator` (an am.Generator)."""
    _not_while_compiling("randn_like")
    _check_device(device, "randn_like")
    shape, dtype = _like(x, dtype, "randn_like")
    _generator_of(generator, "randn_like")
    return randn(shape, dtype=dtype, requires_grad=requires_grad, generator=generator)


def rand_like(x: Any, dtype: Any = None, requires_grad: bool = False, *, device: Any = None,
              generator: Any = None) -> Tensor:
    """Samples of U[0, 1) of x's shape (and, by default, x's floating dtype).

    Drawn from the generator `manual_seed` seeds, or from `generator` (an am.Generator)."""
    _not_while_compiling("rand_like")
    _check_device(device, "rand_like")
    shape, dtype = _like(x, dtype, "rand_like")
    _generator_of(generator, "rand_like")
    return rand(shape, dtype=dtype, requires_grad=requires_grad, generator=generator)


def arange(start: float, stop: float | None = None, step: float = 1, dtype: Any = None,
           requires_grad: bool = False, *, device: Any = None) -> Tensor:
    """Evenly spaced values in [start, stop), as numpy.arange (ints stay ints)."""
    _check_device(device, "arange")
    if step == 0:
        raise ValueError("arange: step must not be zero")
    try:
        arr = np.arange(start, stop, step)
    except (TypeError, ValueError) as e:  # (e.g. an infinite stop: numpy's message names no op)
        error = TypeError if isinstance(e, TypeError) else ValueError
        raise error(f"arange: cannot make a range from {start!r} to {stop!r} by {step!r}: {e}") from e
    if dtype is not None:
        arr = arr.astype(dtype)
    elif arr.dtype.kind == "f":
        arr = arr.astype(get_default_dtype())
    numbers_only = all(type(v) in (int, float) for v in (start, step) + (() if stop is None else (stop,)))
    return _make(arr, requires_grad, "arange", constant=numbers_only)  # (as full's fill_value)


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False, *,
        device: Any = None) -> Tensor:
    """Identity matrix of shape (n, m or n)."""
    _check_device(device, "eye")
    n, m = _shape((n, n if m is None else m), "eye")
    return _make(np.eye(n, m, dtype=_dtype_or_default(dtype)), requires_grad, "eye", constant=True)


def _not_while_compiling(op: str) -> None:
    """Refuse random numbers inside a function being compiled, before drawing any
    (a replay would reuse them, and the generator would have moved on)."""
    if tracers:
        raise RuntimeError(f"{op}: random numbers cannot be compiled (a replay would reuse them); "
                           "draw them outside the function and pass them as arguments")


def randn(*shape: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
          generator: Any = None) -> Tensor:
    """Samples of N(0, 1) of the given shape, from the library generator (`manual_seed`)
    or from `generator` (an am.Generator)."""
    _not_while_compiling("randn")
    # (all checked before drawing: a refused call leaves the generator as it was)
    dtype, shape = _sample_dtype(dtype, "randn"), _shape(shape, "randn")
    _flag(requires_grad, "requires_grad", "randn")
    _check_device(device, "randn")
    arr = _generator_of(generator, "randn").standard_normal(shape).astype(dtype, copy=False)
    return _make(arr, requires_grad, "randn")


def rand(*shape: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
         generator: Any = None) -> Tensor:
    """Samples of U[0, 1) of the given shape, from the library generator (`manual_seed`)
    or from `generator` (an am.Generator)."""
    _not_while_compiling("rand")
    dtype, shape = _sample_dtype(dtype, "rand"), _shape(shape, "rand")
    _flag(requires_grad, "requires_grad", "rand")
    _check_device(device, "rand")
    arr = _generator_of(generator, "rand").random(shape).astype(dtype, copy=False)
    return _make(arr, requires_grad, "rand")


def empty(*shape: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of the given shape, as torch.empty and np.empty; here filled with zeros
    (uninitialised memory would make runs differ)."""
    _check_device(device, "empty")
    return _make(np.zeros(_shape(shape, "empty"), _dtype_or_default(dtype)), requires_grad, "empty", constant=True)


def linspace(start: float, stop: float, num: int = 50, endpoint: bool = True, dtype: Any = None,
             requires_grad: bool = False, *, device: Any = None) -> Tensor:
    """`num` evenly spaced values from start to stop, as np.linspace (stop included unless
    endpoint=False); shape (num,), the default float dtype. torch.linspace(start, end,
    steps) is the same call."""
    _check_device(device, "linspace")
    if isinstance(num, bool) or not _is_index(num) or operator.index(num) < 0:
        raise ValueError(f"linspace: num must be an int >= 0, got {num!r}")
    try:
        arr = np.linspace(start, stop, operator.index(num), endpoint=_flag(endpoint, "endpoint", "linspace"))
    except (TypeError, ValueError) as e:
        raise TypeError(f"linspace: start and stop must be numbers, got {start!r} and {stop!r}: {e}") from e
    arr = arr.astype(_dtype_or_default(dtype))
    numbers_only = type(start) in (int, float) and type(stop) in (int, float)
    return _make(arr, requires_grad, "linspace", constant=numbers_only)


def _int_dtype(dtype: Any, where: str) -> np.dtype:
    dt = np.dtype(np.int64 if dtype is None else dtype)
    if dt.kind not in "iu":
        raise TypeError(f"{where}: dtype must be an integer dtype, got {dt}")
    return dt


def randint(low: int, high: int | None = None, size: Any = None, *, dtype: Any = None, device: Any = None,
            generator: Any = None) -> Tensor:
    """Integers drawn uniformly from [low, high), shape `size` (an int or a tuple; () for
    None), int64 by default, from the generator `manual_seed` seeds (or `generator`, an
    am.Generator). PyTorch's forms: randint(low, high, size) and randint(high, size)
    (low = 0); numpy's randint(high) too."""
    _not_while_compiling("randint")
    _check_device(device, "randint")
    gen = _generator_of(generator, "randint")
    if size is None and isinstance(high, (tuple, list)):  # (torch's randint(high, size))
        high, size = None, high
    if high is None:
        low, high = 0, low
    if not _is_index(low) or not _is_index(high) or isinstance(low, bool) or isinstance(high, bool):
        raise TypeError(f"randint: low and high must be ints, got {low!r} and {high!r}")
    low, high = operator.index(low), operator.index(high)
    if low >= high:
        raise ValueError(f"randint: low must be below high, got low={low}, high={high}")
    shape = () if size is None else _shape((size,), "randint")
    dt = _int_dtype(dtype, "randint")
    if low < np.iinfo(dt).min or high - 1 > np.iinfo(dt).max:
        raise ValueError(f"randint: [{low}, {high}) does not fit dtype {dt}")
    return _make(gen.integers(low, high, shape, dtype=dt), False, "randint")


def randperm(n: int, *, dtype: Any = None, device: Any = None, generator: Any = None) -> Tensor:
    """A random permutation of 0, ..., n - 1 (shape (n,), int64 by default), as
    torch.randperm, from the generator `manual_seed` seeds (or `generator`, an am.Generator)."""
    _not_while_compiling("randperm")
    _check_device(device, "randperm")
    gen = _generator_of(generator, "randperm")
    if isinstance(n, bool) or not _is_index(n) or operator.index(n) < 0:
        raise ValueError(f"randperm: n must be an int >= 0, got {n!r}")
    dt = _int_dtype(dtype, "randperm")
    return _make(gen.permutation(operator.index(n)).astype(dt, copy=False), False, "randperm")


def bernoulli(input: Any, *, generator: Any = None) -> Tensor:
    """torch.bernoulli: 0/1 draws, 1 with probability input[i], of input's shape and
    floating dtype (binarised images from a VAE's decoder, an RBM's hidden units).

    input: floats in [0, 1] (NaN refused). Each element is 1 where a U[0, 1) sample
    from the generator `manual_seed` seeds (or `generator`, an am.Generator) is below
    it, so 0 never and 1 always gives 1. Not differentiable (the result never requires
    grad); refused while am.compile records, as the other random draws. torch's streams
    differ: the same seed draws other numbers."""
    _not_while_compiling("bernoulli")
    gen = _generator_of(generator, "bernoulli")
    p = input.data if isinstance(input, Tensor) else np.asarray(input)
    if p.dtype.kind != "f":
        raise TypeError(f"bernoulli: input must hold floating-point probabilities, got dtype {p.dtype} "
                        f"(shape {p.shape})")
    if not ((p >= 0) & (p <= 1)).all():
        nan = np.isnan(p)
        seen = p[~nan]  # (np.nanmin of NaNs alone warns, and says nan to nan)
        raise ValueError("bernoulli: probabilities must be in [0, 1] (no NaN), got "
                         + (f"values from {seen.min()} to {seen.max()}" if seen.size else "no number")
                         + (f" and {int(nan.sum())} NaN" if nan.any() else "")
                         + f" (input of shape {p.shape})")
    return _make((gen.random(p.shape) < p).astype(p.dtype), False, "bernoulli")


def multinomial(input: Any, num_samples: int, replacement: bool = False, *,
                generator: Any = None) -> Tensor:
    """torch.multinomial: category indices drawn from rows of weights, int64 of shape
    (num_samples,) for input (K,), (N, num_samples) for input (N, K).

    Row n's weights w (non-negative, finite, not all 0, need not sum to 1) give category k
    the probability w_k / sum(w); a weight of 0 is never drawn. Without replacement (the
    default, as torch's) a row's draws are distinct: each next one from the categories
    left, renormalised, so num_samples <= its non-zero weights. From the generator
    `manual_seed` seeds (or `generator`, an am.Generator); not differentiable (the result
    never requires grad). torch's streams differ: the same seed draws other indices."""
    _not_while_compiling("multinomial")
    gen = _generator_of(generator, "multinomial")
    w = input.data if isinstance(input, Tensor) else np.asarray(input)
    if w.dtype.kind not in "f":
        raise TypeError(f"multinomial: input must hold floating-point weights, got dtype {w.dtype} "
                        f"(shape {w.shape})")
    if w.ndim not in (1, 2):
        raise ValueError(f"multinomial: input must be 1-D or 2-D (K,) or (N, K), got shape {w.shape}")
    if isinstance(num_samples, bool) or not _is_index(num_samples):
        raise TypeError(f"multinomial: num_samples must be an int, got {num_samples!r}")
    n = operator.index(num_samples)
    if n <= 0:
        raise ValueError(f"multinomial: num_samples must be >= 1, got {n} (input of shape {w.shape})")
    rows = w.reshape(-1, w.shape[-1])
    if not np.isfinite(rows).all():
        raise ValueError(f"multinomial: weights must be finite, got inf or nan (input of shape {w.shape})")
    if (rows < 0).any():
        raise ValueError(f"multinomial: weights must not be negative (input of shape {w.shape})")
    # (each row scaled by its largest weight first: finite weights near the dtype's maximum
    # would sum to inf, and every probability to 0)
    peak = rows.max(axis=1, initial=0).astype(np.float64)
    scaled = rows.astype(np.float64) / np.where(peak > 0, peak, 1.0)[:, None]
    totals = scaled.sum(axis=1)
    if not (totals > 0).all():
        raise ValueError(f"multinomial: each row's weights must have a positive sum, row "
                         f"{int(np.argmin(totals > 0))} sums to 0 (input of shape {w.shape})")
    if not replacement:
        if n > rows.shape[1]:
            raise ValueError(f"multinomial: cannot draw {n} samples without replacement from "
                             f"{rows.shape[1]} categories (input of shape {w.shape})")
        nonzero = int((rows > 0).sum(axis=1).min(initial=rows.shape[1]))  # (no rows: nothing to draw)
        if n > nonzero:
            raise ValueError(f"multinomial: cannot draw {n} samples without replacement from a row "
                             f"with {nonzero} non-zero weights (input of shape {w.shape})")
    p = scaled / totals[:, None]
    out = np.empty((rows.shape[0], n), dtype=np.int64)
    for i in range(rows.shape[0]):
        out[i] = gen.choice(rows.shape[1], size=n, replace=bool(replacement), p=p[i])
    return _make(out.reshape(w.shape[:-1] + (n,)), False, "multinomial")


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing `array`'s memory (no copy), as torch.from_numpy: writes to either
    show in the other. Any shape; numeric dtypes only."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected an ndarray, got {type(array).__name__}")
    if array.dtype.kind not in "biufc":
        raise TypeError(f"from_numpy: a tensor holds numbers, got dtype {array.dtype} (shape {array.shape})")
    return Tensor._wrap(array)


def as_tensor(data: Any, dtype: Any = None, *, device: Any = None) -> Tensor:
    """data as a tensor, copying only when needed, as torch.as_tensor: a Tensor is returned
    as it is (converted with astype if dtype differs); an ndarray of the dtype asked
    (or any, for None) is shared as from_numpy shares it; anything else is copied as
    am.tensor(data, dtype=dtype) copies it."""
    if device is not None:  # (no call for the usual device=None: creation is frequent)
        _check_device(device, "as_tensor")
    if isinstance(data, Tensor):
        return data if dtype is None or np.dtype(dtype) == data.dtype else data.astype(dtype)
    if isinstance(data, np.ndarray) and (dtype is None or np.dtype(dtype) == data.dtype) \
            and data.dtype.kind in "biufc":
        return Tensor._wrap(data)
    return Tensor._of(data, dtype=dtype)


def asarray(data: Any, dtype: Any = None, *, copy: bool | None = None, device: Any = None,
            requires_grad: bool = False) -> Tensor:
    """numpy's and PyTorch's asarray: data as a tensor, shared where it can be.

    copy=None (the default) shares as `as_tensor` does (a Tensor as it is, an ndarray's
    memory when its dtype is kept) and copies otherwise; copy=True always copies;
    copy=False never does, and raises ValueError where it would have to (a list, or a
    dtype change). requires_grad=True (PyTorch's keyword) makes the result a leaf that
    requires grad, so data that is already a tensor with a graph is refused there.
    """
    return _asarray("asarray", data, dtype, copy, device, requires_grad)


def _asarray(op: str, data: Any, dtype: Any, copy: Any, device: Any, requires_grad: Any) -> Tensor:
    _flag(requires_grad, "requires_grad", op)
    if copy is not None:
        _flag(copy, "copy", op)
    if device is not None:
        _check_device(device, op)
    out = as_tensor(data, dtype)
    shared = out.data is (data.data if isinstance(data, Tensor) else data)
    if copy is False and not shared:
        raise ValueError(f"{op}: copy=False, but {type(data).__name__} data of dtype "
                         f"{getattr(data, 'dtype', None)} needs a copy to become a tensor of dtype {out.dtype}")
    if copy and shared:
        out = data.clone() if isinstance(data, Tensor) else Tensor._wrap(out.data.copy())
    if requires_grad and not (out.requires_grad and out.grad_fn is None):
        if out.grad_fn is not None:
            raise ValueError(f"{op}: requires_grad=True makes a leaf, but the data is a tensor with a graph "
                             "(use .detach() first, or leave requires_grad as it is)")
        out = Tensor._wrap(out.data) if out is data else out
        out.requires_grad_(True)
    return out


def array(data: Any, dtype: Any = None, *, copy: bool | None = True, ndmin: int = 0, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """np.array: data (any shape) as a new tensor, a copy by default; copy=None and
    copy=False are asarray's (numpy 2's: share where possible, never copy). ndmin
    prepends axes of length 1 up to ndmin axes, as numpy's. A tensor keeps its graph (a
    recorded copy, as Tensor.copy); requires_grad=True makes a leaf, as asarray's."""
    if isinstance(ndmin, bool) or not _is_index(ndmin) or operator.index(ndmin) < 0:
        raise ValueError(f"array: ndmin must be an int >= 0, got {ndmin!r}")
    out = _asarray("array", data, dtype, copy, device, requires_grad)
    ndmin = operator.index(ndmin)
    return out.reshape((1,) * (ndmin - out.ndim) + out.shape) if out.ndim < ndmin else out


def copy(a: Any) -> Tensor:
    """np.copy: a new tensor of a's shape and values; for a tensor, its recorded copy
    (Tensor.copy, PyTorch's clone: the gradient flows back to a)."""
    return _asarray("copy", a, None, True, None, False)


# -- more of numpy's creation functions --------------------------------------------------


def tri(N: int, M: int | None = None, k: int = 0, dtype: Any = None, *, device: Any = None) -> Tensor:
    """np.tri: the (N, M or N) matrix with ones at and below the k-th diagonal (k > 0 above
    the main one), zeros elsewhere; the default float dtype unless dtype is given."""
    _check_device(device, "tri")
    N = _int_arg("tri", "N", N)
    M = N if M is None else _int_arg("tri", "M", M)
    if N < 0 or M < 0:
        raise ValueError(f"tri: negative dimensions are not allowed, got N={N}, M={M}")
    return _make(np.tri(N, M, _int_arg("tri", "k", k), dtype=_dtype_or_default(dtype)), False, "tri",
                 constant=True)


def _tri_indices(op: str, n: Any, k: Any, m: Any, lower: bool, device: Any) -> tuple[Tensor, Tensor]:
    _check_device(device, op)
    n = _int_arg(op, "n", n)
    m = n if m is None else _int_arg(op, "m", m)
    if n < 0 or m < 0:
        raise ValueError(f"{op}: negative dimensions are not allowed, got n={n}, m={m}")
    k = _int_arg(op, "k", k)
    rows, cols = (np.tril_indices if lower else np.triu_indices)(n, k, m)
    return (_make(rows, False, op, constant=True), _make(cols, False, op, constant=True))


def tril_indices(n: int, k: int = 0, m: int | None = None, *, device: Any = None) -> tuple[Tensor, Tensor]:
    """np.tril_indices: (rows, cols), two int64 tensors of shape (K,), the indices of the
    (n, m or n) matrix's entries at and below the k-th diagonal, row by row. No gradient."""
    return _tri_indices("tril_indices", n, k, m, True, device)


def triu_indices(n: int, k: int = 0, m: int | None = None, *, device: Any = None) -> tuple[Tensor, Tensor]:
    """np.triu_indices: as tril_indices, for the entries at and above the k-th diagonal."""
    return _tri_indices("triu_indices", n, k, m, False, device)


def identity(n: int, dtype: Any = None, requires_grad: bool = False, *, device: Any = None) -> Tensor:
    """np.identity: the (n, n) identity matrix (am.eye(n)); the default float dtype."""
    _check_device(device, "identity")
    n = _int_arg("identity", "n", n)
    if n < 0:
        raise ValueError(f"identity: negative dimensions are not allowed, got n={n}")
    return eye(n, dtype=dtype, requires_grad=requires_grad)


def _spaced(op: str, fn: Any, start: Any, stop: Any, num: Any, endpoint: Any, dtype: Any, axis: Any,
            device: Any, **kw: Any) -> Tensor:
    _check_device(device, op)
    if isinstance(num, bool) or not _is_index(num) or operator.index(num) < 0:
        raise ValueError(f"{op}: num must be an int >= 0, got {num!r}")
    if isinstance(start, Tensor) or isinstance(stop, Tensor):
        raise TypeError(f"{op}: start and stop must be numbers or arrays, not tensors (no gradient flows "
                        "through a creation function)")
    try:
        arr = fn(start, stop, operator.index(num), endpoint=_flag(endpoint, "endpoint", op), axis=axis, **kw)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{op}: start {start!r}, stop {stop!r}: {e}") from e
    if dtype is not None or arr.dtype.kind == "f":
        arr = arr.astype(_dtype_or_default(dtype))
    numbers_only = all(type(v) in (int, float) for v in (start, stop) + tuple(kw.values()))
    return _make(arr, False, op, constant=numbers_only)


def logspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, base: float = 10.0,
             dtype: Any = None, axis: int = 0, *, device: Any = None) -> Tensor:
    """np.logspace: base ** linspace(start, stop, num); shape (num,) for numbers (array
    start/stop add their shape, the samples along `axis`); the default float dtype."""
    return _spaced("logspace", np.logspace, start, stop, num, endpoint, dtype, axis, device, base=base)


def geomspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, dtype: Any = None,
              axis: int = 0, *, device: Any = None) -> Tensor:
    """np.geomspace: `num` values from start to stop spaced evenly on a log scale (a
    geometric progression, endpoints exact); start and stop nonzero, of one sign."""
    return _spaced("geomspace", np.geomspace, start, stop, num, endpoint, dtype, axis, device)


def empty_like(x: Any, dtype: Any = None, requires_grad: bool = False, *, device: Any = None) -> Tensor:
    """np.empty_like: a tensor of x's shape (and, by default, dtype); here filled with zeros
    (uninitialised memory would make runs differ), as am.empty."""
    _check_device(device, "empty_like")
    arr, constant = _like_of(x)
    return _make(np.zeros(arr.shape, dtype or arr.dtype), requires_grad, "empty_like", constant)
