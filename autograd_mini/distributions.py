"""am.distributions: probability distributions under torch.distributions' names.

For VAEs (reparameterised sampling: `rsample` is differentiable in the parameters) and
policy gradients (`log_prob` of sampled actions). Everything is a composite of existing
ops: no backward code here, so gradients of every order come from the primitives' VJPs.

Shapes follow PyTorch: a distribution has a `batch_shape` (independent, not necessarily
identical distributions) and an `event_shape` (the shape of one draw: () for the scalar
ones, (d,) for MultivariateNormal). `sample(sample_shape)` and `rsample(sample_shape)`
return sample_shape + batch_shape + event_shape; `log_prob(value)` takes a value whose
shape broadcasts with batch_shape + event_shape and returns the broadcast shape without
the event axes. Parameters broadcast together as numpy (and torch's broadcast_all) do;
they are kept as given and broadcast (or converted: probs <-> logits) at each use, so a
distribution built once from learnable tensors follows an optimizer's in-place steps.

Arguments are checked as with PyTorch's validate_args=True (the default here; pass
validate_args=False to skip): parameters outside their constraint (scale <= 0, probs
outside [0, 1] or not summing to 1, ...) and values outside the support in log_prob are
a ValueError naming the distribution and the shapes, raised before anything is recorded.

Samples use the library's generator, so am.manual_seed(n) reproduces them (the draws
are not PyTorch's numbers). Random numbers cannot be drawn inside am.compile.

    d = am.distributions.Normal(mu, sigma)           # mu, sigma require grad
    z = d.rsample()                                  # mu + sigma * eps: a VAE's latent
    kl = am.distributions.kl_divergence(d, am.distributions.Normal(0.0, 1.0)).sum()
    pi = am.distributions.Categorical(logits=scores)
    a = pi.sample(); (-pi.log_prob(a) * reward).sum().backward()   # REINFORCE
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import creation
from . import functions as fn
import functools

from .engine import no_grad, scope
from .functions import as_tensor
from .linalg import cholesky, solve
from .logic import logical_and
from .nn.functional.activations import logsigmoid
from .tensor import Tensor, get_default_dtype

__all__ = ["Distribution", "Normal", "Bernoulli", "Categorical", "Uniform", "MultivariateNormal",
           "Independent", "MixtureSameFamily", "Exponential", "Laplace", "Gamma", "Beta", "Dirichlet",
           "Poisson", "kl_divergence"]

_LOG_2PI = math.log(2 * math.pi)


def _shape(sample_shape: Any, where: str, what: str = "sample_shape") -> tuple:
    if isinstance(sample_shape, (int, np.integer)) and not isinstance(sample_shape, bool):
        sample_shape = (sample_shape,)
    try:
        shape = tuple(int(s) for s in sample_shape)
        ok = all(s >= 0 for s in shape) and all(
            isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in sample_shape)
    except (TypeError, ValueError):  # (not iterable; a string's characters)
        ok = False
    if not ok:
        raise ValueError(f"{where}: {what} must be a tuple of ints >= 0, got {sample_shape!r}")
    return shape


def _floats(name: str, **params: Any) -> dict[str, Tensor]:
    """The parameters as floating tensors: Tensors kept (an integer one converted), other
    values converted to the floating dtype of the Tensor/ndarray parameters (the default
    dtype if none), so a Python float never upcasts float32 parameters."""
    floating = [np.dtype(p.dtype) for p in params.values()
                if isinstance(p, (Tensor, np.ndarray)) and np.issubdtype(p.dtype, np.floating)]
    target = np.result_type(*floating) if floating else get_default_dtype()
    out = {}
    for key, p in params.items():
        if isinstance(p, Tensor):
            if not np.issubdtype(p.dtype, np.floating):
                p = p.astype(target)
        else:
            arr = np.asarray(p)
            if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
                raise TypeError(f"{name}: {key} must be a number, array or Tensor, got {type(p).__name__}")
            if np.iscomplexobj(arr):
                raise TypeError(f"{name}: {key} must be real, got dtype {arr.dtype}")
            if isinstance(p, np.ndarray) or arr.ndim:
                p = as_tensor(arr.astype(arr.dtype if np.issubdtype(arr.dtype, np.floating) and
                                         isinstance(p, np.ndarray) else target))
            else:  # (a Python number: a constant am.compile keeps in its tape)
                p = creation.full((), arr.item(), dtype=target)
        out[key] = p
    return out


def _broadcast_shape(name: str, **params: Tensor) -> tuple:
    """The parameters' broadcast shape (the batch_shape); a ValueError naming them if none."""
    try:
        return tuple(np.broadcast_shapes(*(p.shape for p in params.values())))
    except ValueError:
        shapes = ", ".join(f"{k} {tuple(p.shape)}" for k, p in params.items())
        raise ValueError(f"{name}: the parameters' shapes do not broadcast: {shapes}") from None


def _require(ok: Any, name: str, message: str) -> None:
    if not bool(np.all(ok)):
        raise ValueError(f"{name}: {message}")


def _to(t: Tensor, shape: tuple) -> Tensor:
    """t broadcast to shape (a tuple; t itself when it has it already); differentiable."""
    return t if t.shape == shape else fn.broadcast_to(t, shape)


def _given(key: str, doc: str | None = None) -> property:
    """The property `key`: the parameter kept as given (in self._<key>) broadcast to the
    batch_shape + event_shape, read at each use (see the note below)."""
    attr = "_" + key

    def get(self: "Distribution") -> Tensor:
        return _to(getattr(self, attr), self._batch_shape + self._event_shape)
    get.__name__ = key
    get.__doc__ = doc or f"batch_shape: the given {key} broadcast, read at each use."
    return property(get)


def _require_positive(name: str, **params: Tensor) -> None:
    """A ValueError naming the distribution, the parameter and its shape unless all > 0."""
    for key, t in params.items():
        _require(t.data > 0, name, f"{key} (shape {tuple(t.shape)}) must be > 0")


# The distributions keep their parameters as given and derive the broadcast (and
# converted: probs <-> logits, normalised, ...) forms at each use, as torch's live
# expand views: a distribution built once from learnable tensors sees an optimizer's
# in-place steps, and each log_prob / entropy / rsample / cdf / kl_divergence records a
# graph of its own (a form computed once at construction would be stale after a step,
# and a second backward would go through its freed graph).


def _sum_rightmost(x: Tensor, n: int) -> Tensor:
    return x.sum(tuple(range(-n, 0))) if n > 0 else x


def _in_scope(f: Any, method: str) -> Any:
    """The method f run inside engine.scope("<class of self>.<method>")."""
    @functools.wraps(f)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        with scope(f"{type(self).__name__}.{method}"):
            return f(self, *args, **kwargs)
    wrapper._scoped = True  # type: ignore[attr-defined]
    return wrapper


class Distribution:
    """Base class: batch_shape, event_shape, sample, rsample, log_prob, entropy,
    perplexity, mean, mode, variance, stddev, expand (torch.distributions.Distribution's
    interface)."""

    has_rsample = False
    #: the parameters are kept as given and broadcast at each use, so expand shares them
    _expands_as_given = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # A subclass's log_prob and rsample record their ops inside a scope named
        # "Normal.log_prob", ...: graph drawings group them (and depth= collapses them),
        # as they group a composite op's.
        super().__init_subclass__(**kwargs)
        for method in ("log_prob", "rsample"):
            f = cls.__dict__.get(method)
            if f is not None and not getattr(f, "_scoped", False):
                setattr(cls, method, _in_scope(f, method))

    def __init__(self, batch_shape: tuple = (), event_shape: tuple = (), validate_args: bool = True) -> None:
        self._batch_shape = tuple(batch_shape)
        self._event_shape = tuple(event_shape)
        if not isinstance(validate_args, (bool, np.bool_)):
            raise TypeError(f"{type(self).__name__}: validate_args must be a bool, got {validate_args!r}")
        self._validate_args = bool(validate_args)

    def _elementwise(self, name: str, validate_args: bool, **params: Any) -> None:
        """__init__ of an elementwise distribution (event_shape ()): the parameters as
        floating tensors (_floats), kept as given in self._<key>; batch_shape their
        broadcast shape."""
        p = _floats(name, **params)
        Distribution.__init__(self, _broadcast_shape(name, **p), (), validate_args)
        for key, t in p.items():
            setattr(self, "_" + key, t)

    @property
    def batch_shape(self) -> tuple:
        return self._batch_shape

    @property
    def event_shape(self) -> tuple:
        return self._event_shape

    def _extended_shape(self, sample_shape: Any = ()) -> tuple:
        return _shape(sample_shape, f"{type(self).__name__}.sample") + self._batch_shape + self._event_shape

    @property
    def stddev(self) -> Tensor:
        return self.variance.sqrt()

    @property
    def mode(self) -> Tensor:
        """The most likely value, of shape batch_shape + event_shape (torch's values)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement mode")

    def entropy(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement entropy")

    def perplexity(self) -> Tensor:
        """exp(entropy()), of shape batch_shape (torch's): the effective number of equally
        likely outcomes. Differentiable wherever the entropy is; NotImplementedError
        where the distribution has no entropy."""
        return self.entropy().exp()

    def expand(self, batch_shape: Any) -> "Distribution":
        """A new distribution of batch_shape `batch_shape` whose parameters are this one's
        broadcast to it (torch's expand: batch_shape must be the broadcast of the current
        batch_shape and itself, else a ValueError naming both). event_shape is unchanged;
        the parameters are views in the graph (gradients flow back to the originals),
        taken at each use, so the expanded distribution follows in-place steps of the
        originals as this one does; validate_args is carried over (the parameters are not
        checked again). A distribution that keeps its parameters as given (`_expands_as_given`)
        is expanded by sharing them: its properties broadcast them to the new batch."""
        if not self._expands_as_given:
            raise NotImplementedError(f"{type(self).__name__} does not implement expand")
        shape, new = self._expanded(batch_shape)
        new.__dict__.update({k: v for k, v in self.__dict__.items() if k not in new.__dict__})
        return new

    def _expanded(self, batch_shape: Any) -> tuple[tuple, "Distribution"]:
        """(the checked new batch_shape, a bare instance of this class carrying it)."""
        name = f"{type(self).__name__}.expand"
        shape = _shape(batch_shape, name, "batch_shape")
        try:
            ok = np.broadcast_shapes(self._batch_shape, shape) == shape
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(f"{name}: the batch_shape {self._batch_shape} cannot be expanded to "
                             f"{shape} (the new shape must be the two shapes' broadcast)")
        new = object.__new__(type(self))
        Distribution.__init__(new, shape, self._event_shape, self._validate_args)
        return shape, new

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """A draw of shape sample_shape + batch_shape + event_shape, with no gradient."""
        with no_grad():
            return self.rsample(sample_shape).detach()

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no rsample (no reparameterisation); "
                                  "use sample() and log_prob (the score function)")

    def _check_value(self, value: Any, what: str = "log_prob", probability: bool = False,
                     support: Any = None) -> Tensor:
        """value as a tensor whose shape broadcasts with batch_shape + event_shape (its
        trailing axes equal to event_shape), in the support when validating (in [0, 1]
        with probability=True: an icdf's argument; support=(predicate on the ndarray,
        description) replaces the distribution's own)."""
        name = f"{type(self).__name__}.{what}"
        if not isinstance(value, Tensor):
            value = as_tensor(np.asarray(value))
        full = self._batch_shape + self._event_shape
        ne = len(self._event_shape)
        if ne and tuple(value.shape[-ne:] if value.ndim >= ne else ()) != self._event_shape:
            raise ValueError(f"{name}: the value's trailing axes must be the event shape "
                             f"{self._event_shape}, got a value of shape {tuple(value.shape)}")
        try:
            np.broadcast_shapes(value.shape, full)
        except ValueError:
            raise ValueError(f"{name}: a value of shape {tuple(value.shape)} does not broadcast with "
                             f"batch_shape + event_shape {full}") from None
        if self._validate_args and probability:
            v = value.data
            _require((v >= 0) & (v <= 1), name,
                     f"the value (shape {tuple(value.shape)}) must be a probability, in [0, 1]")
        elif self._validate_args:
            inside, text = support if support is not None else (self._in_support, self._support)
            _require(inside(value.data), name,
                     f"the value (shape {tuple(value.shape)}) is outside the support ({text})")
        return value

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(batch_shape={self._batch_shape}, "
                f"event_shape={self._event_shape})")


class _LocScale(Distribution):
    """The set-up Normal and Laplace share: loc (not NaN) and scale (> 0) kept as given
    and broadcast to the batch_shape; event_shape (), support the real line, mean and
    mode loc."""

    has_rsample = True
    _support = "the real line"
    _expands_as_given = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool = True) -> None:
        name = type(self).__name__
        self._elementwise(name, validate_args, loc=loc, scale=scale)
        if self._validate_args:
            _require(self._loc.data == self._loc.data, name, f"loc (shape {tuple(self._loc.shape)}) must not be NaN")
            _require_positive(name, scale=self._scale)

    loc = _given("loc")
    scale = _given("scale")

    def _in_support(self, v: np.ndarray) -> Any:
        return v == v

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        """loc, of shape batch_shape (differentiable in loc)."""
        return self.loc


class Normal(_LocScale):
    """N(loc, scale**2), elementwise: loc and scale broadcast to the batch_shape; event_shape ().

    log_prob(x) = -(x - loc)**2 / (2 scale**2) - log(scale) - log(2 pi) / 2;
    entropy = 1/2 + log(2 pi) / 2 + log(scale); rsample = loc + scale * eps, eps ~ N(0, 1);
    cdf(x) = (1 + erf((x - loc) / (scale sqrt 2))) / 2; icdf(p) = loc + scale sqrt 2 erfinv(2p - 1).
    Requires scale > 0 (and no NaN in loc)."""

    @property
    def variance(self) -> Tensor:
        return self.scale ** 2

    @property
    def stddev(self) -> Tensor:
        return self.scale

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """loc + scale * eps, eps ~ N(0, 1) of shape sample_shape + batch_shape."""
        shape = self._extended_shape(sample_shape)
        loc = self.loc
        eps = creation.randn(*shape, dtype=loc.dtype)
        return loc + self.scale * eps

    def log_prob(self, value: Any) -> Tensor:
        value = self._check_value(value)
        scale = self.scale
        return -((value - self.loc) ** 2) / (2 * scale ** 2) - scale.log() - _LOG_2PI / 2

    def entropy(self) -> Tensor:
        return 0.5 + _LOG_2PI / 2 + self.scale.log()

    def cdf(self, value: Any) -> Tensor:
        """P(X <= value) = (1 + erf((value - loc) / (scale sqrt 2))) / 2, torch's formula, of
        the broadcast shape of value and batch_shape (its gradient in value is the density)."""
        value = self._check_value(value, "cdf")
        return 0.5 * (1 + fn.erf((value - self.loc) / (self.scale * math.sqrt(2))))

    def icdf(self, value: Any) -> Tensor:
        """The quantile: the x with cdf(x) = value, loc + scale * erfinv(2 value - 1) * sqrt 2
        (torch's formula), of the broadcast shape of value and batch_shape; -inf at 0, inf
        at 1. value must be in [0, 1] when validating (without, NaN outside, as torch's).
        Differentiable in value, loc and scale. (2 value - 1 rounds to -1 for value below
        about 2**-54, so icdf is -inf there, as torch's: the formula's reach in the lower tail.)"""
        value = self._check_value(value, "icdf", probability=True)
        return self.loc + self.scale * fn.erfinv(2 * value - 1) * math.sqrt(2)


class Uniform(Distribution):
    """U[low, high), elementwise: low and high broadcast to the batch_shape; event_shape ().

    log_prob(x) = -log(high - low) for low <= x < high; entropy = log(high - low);
    rsample = low + (high - low) u, u ~ U[0, 1); cdf(x) = clamp((x - low) / (high - low), 0, 1);
    icdf(p) = low + p (high - low). Requires low < high. Without validation a
    value outside [low, high) has log_prob -inf (as PyTorch's)."""

    has_rsample = True
    _support = "[low, high)"
    _expands_as_given = True

    def __init__(self, low: Any, high: Any, validate_args: bool = True) -> None:
        self._elementwise("Uniform", validate_args, low=low, high=high)
        if self._validate_args:
            _require(self._low.data < self._high.data, "Uniform",
                     f"low (shape {tuple(self._low.shape)}) must be < high (shape {tuple(self._high.shape)})")

    low = _given("low")
    high = _given("high")

    def _in_support(self, v: np.ndarray) -> Any:
        return (self._low.data <= v) & (v < self._high.data)

    @property
    def mean(self) -> Tensor:
        return (self.low + self.high) / 2

    @property
    def variance(self) -> Tensor:
        return (self.high - self.low) ** 2 / 12

    @property
    def stddev(self) -> Tensor:
        """(high - low) / sqrt(12), directly: finite where the variance overflows."""
        return (self.high - self.low) / math.sqrt(12)

    @property
    def mode(self) -> Tensor:
        """NaN of shape batch_shape, as torch's (every point of the support is a mode: there is
        no single one). A constant: no gradient (torch's NaN * high would give only NaNs)."""
        return creation.full(self._batch_shape, np.nan, dtype=self._low.dtype)

    def cdf(self, value: Any) -> Tensor:
        """P(X <= value) = clamp((value - low) / (high - low), 0, 1) (torch's formula), of the
        broadcast shape of value and batch_shape. When validating, value must be in the
        closed [low, high] (torch's support check; cdf(high) = 1); without, values outside
        give 0 below and 1 above. Differentiable in value, low and high (gradient 0 where
        clamped, kept at value = low or high as torch's clamp keeps it)."""
        value = self._check_value(value, "cdf", support=(
            lambda v: (self._low.data <= v) & (v <= self._high.data), "[low, high]"))
        low = self.low
        return fn.clip((value - low) / (self.high - low), 0.0, 1.0)

    def icdf(self, value: Any) -> Tensor:
        """The quantile low + value (high - low) (torch's formula), of the broadcast shape of
        value and batch_shape; icdf(0) = low, icdf(1) = high. value must be in [0, 1] when
        validating (as Normal.icdf here; torch does not check it); without, the line is
        extended. Differentiable in value, low and high."""
        value = self._check_value(value, "icdf", probability=True)
        low = self.low
        return value * (self.high - low) + low

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """low + (high - low) u, u ~ U[0, 1) of shape sample_shape + batch_shape."""
        low = self.low
        u = creation.rand(*self._extended_shape(sample_shape), dtype=low.dtype)
        return low + (self.high - low) * u

    def log_prob(self, value: Any) -> Tensor:
        value = self._check_value(value)
        low, high = self.low, self.high
        lp = -(high - low).log()
        inside = logical_and(low <= value, value < high)
        return fn.where(inside, lp, -np.inf)

    def entropy(self) -> Tensor:
        return (self.high - self.low).log()


class Bernoulli(Distribution):
    """Bernoulli(probs) on {0, 1}, given by probs in [0, 1] or by logits = log(p / (1 - p))
    (exactly one); batch_shape is their shape, event_shape ().

    log_prob(x) = log p where x = 1, log(1 - p) where x = 0: from logits with logsigmoid
    (stable for any logit); from probs with the log of p (or 1 - p) only where it is
    taken, so p = 1 at x = 1 gives 0 (not NaN) and p = 0 at x = 1 gives -inf.
    entropy = -(p log p + (1 - p) log(1 - p)) with 0 log 0 = 0 (at p = 0 or 1, where the
    true slope is infinite, its gradient is a finite one-sided stand-in, not NaN). sample() is a float tensor of 0s and 1s.
    """

    _support = "{0, 1}"
    _expands_as_given = True

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: bool = True) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Bernoulli: pass exactly one of probs and logits")
        super().__init__((), (), validate_args)
        # (the given tensor, as given: see _to's note; expand broadcasts it at each use)
        if probs is not None:
            self._gprobs, self._glogits = _floats("Bernoulli", probs=probs)["probs"], None
            self._batch_shape = tuple(self._gprobs.shape)
            if self._validate_args:
                d = self._gprobs.data
                _require((d >= 0) & (d <= 1), "Bernoulli",
                         f"probs (shape {self._batch_shape}) must be in [0, 1]")
        else:
            self._gprobs, self._glogits = None, _floats("Bernoulli", logits=logits)["logits"]
            self._batch_shape = tuple(self._glogits.shape)
            if self._validate_args:
                _require(self._glogits.data == self._glogits.data, "Bernoulli",
                         f"logits (shape {self._batch_shape}) must not be NaN")

    @property
    def _probs(self) -> Tensor | None:
        """The given probs broadcast to batch_shape (None when logits were given)."""
        return None if self._gprobs is None else _to(self._gprobs, self._batch_shape)

    @property
    def _logits(self) -> Tensor | None:
        """The given logits broadcast to batch_shape (None when probs were given)."""
        return None if self._glogits is None else _to(self._glogits, self._batch_shape)

    def _in_support(self, v: np.ndarray) -> Any:
        return (v == 0) | (v == 1)

    @property
    def probs(self) -> Tensor:
        """batch_shape: the given probs, or sigmoid(logits); computed at each use."""
        return self._probs if self._gprobs is not None else fn.sigmoid(self._logits)

    @property
    def logits(self) -> Tensor:
        """log(p / (1 - p)); from probs, with p clamped to [eps, 1 - eps] as PyTorch's;
        computed at each use."""
        if self._glogits is not None:
            return self._logits
        eps = float(np.finfo(self._gprobs.dtype).eps)
        p = fn.clip(self._probs, eps, 1 - eps)
        return p.log() - fn.log1p(-p)

    @property
    def mean(self) -> Tensor:
        return self.probs

    @property
    def variance(self) -> Tensor:
        p = self.probs
        return p * (1 - p)

    @property
    def mode(self) -> Tensor:
        """1.0 where p > 1/2, 0.0 where p < 1/2, NaN where p == 1/2 (both equally likely),
        p = probs (sigmoid(logits) from logits, so logit 0 is NaN), as torch's; shape
        batch_shape, floating, no gradient (a step function of p)."""
        with no_grad():
            p = self.probs.data
            return Tensor(np.where(p == 0.5, np.nan, (p >= 0.5)).astype(p.dtype))

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with no_grad():
            p = self.probs.data
            u = creation.rand(*shape, dtype=p.dtype).data
            return Tensor((u < p).astype(p.dtype))

    def _logs(self, one: Any, zero: Any) -> tuple[Tensor, Tensor]:
        """(log p, log(1 - p)), the first taken only where `one`, the second only where
        `zero` (0 elsewhere), so no masked-out log(0) reaches a gradient."""
        if self._glogits is not None:
            l = self._logits
            return fn.where(one, logsigmoid(l), 0.0), fn.where(zero, logsigmoid(-l), 0.0)
        p = self._probs
        return fn.where(one, p, 1.0).log(), fn.log1p(-fn.where(zero, p, 0.0))

    def log_prob(self, value: Any) -> Tensor:
        value = self._check_value(value)
        is_one = value == 1
        lp1, lp0 = self._logs(is_one, value != 1)
        return fn.where(is_one, lp1, lp0)

    def _plogp(self) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        p1 = self.probs
        p0 = 1 - p1 if self._glogits is None else fn.sigmoid(-self._logits)
        lp1, lp0 = self._logs(p1 > 0, p0 > 0)
        return p1, p0, lp1, lp0

    def entropy(self) -> Tensor:
        p1, p0, lp1, lp0 = self._plogp()
        return 0.0 - (p1 * lp1 + p0 * lp0)  # (0 - : +0, not -0, at p = 0 or 1)


class Categorical(Distribution):
    """A distribution on {0, ..., K-1} given by probs (..., K) (non-negative, each row
    summing to 1; used divided by its sum, as PyTorch does) or by logits (..., K)
    (unnormalised log-probabilities; normalised with log_softmax), exactly one.
    batch_shape is (...), event_shape (); sample() returns int64 indices.

    log_prob(k) = log p_k: log_softmax(logits)[k] (log-sum-exp: stable), or the log of
    the probability gathered first (p_k = 0 gives -inf, other zeros never a NaN).
    entropy = -sum_k p_k log p_k with 0 log 0 = 0. mean and variance are NaN, as PyTorch's
    (the categories are labels, not numbers)."""

    _support = "integers in [0, K)"
    _expands_as_given = True

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: bool = True) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Categorical: pass exactly one of probs and logits")
        super().__init__((), (), validate_args)
        key = "probs" if probs is not None else "logits"
        t = _floats("Categorical", **{key: probs if probs is not None else logits})[key]
        if t.ndim < 1 or t.shape[-1] < 1:
            raise ValueError(f"Categorical: {key} must have at least one axis of length >= 1 "
                             f"(the categories), got shape {tuple(t.shape)}")
        self._batch_shape, self._num_events = tuple(t.shape[:-1]), t.shape[-1]
        if probs is not None:
            if self._validate_args:
                d = t.data
                _require((d >= 0) & (d <= 1), "Categorical",
                         f"probs (shape {tuple(t.shape)}) must be in [0, 1]")
                _require(np.abs(d.sum(-1) - 1) <= 1e-6, "Categorical",
                         f"probs (shape {tuple(t.shape)}) must sum to 1 along the last axis")
            self._gprobs, self._glogits = t, None  # (as given: see _to's note)
        else:
            if self._validate_args:
                _require((t.data == t.data) & (t.data != np.inf), "Categorical",
                         f"logits (shape {tuple(t.shape)}) must not be NaN or +inf")
                _require(np.any(t.data > -np.inf, -1), "Categorical",
                         f"logits (shape {tuple(t.shape)}) must have a finite entry in each row "
                         "(all -inf: no probability anywhere)")
            self._gprobs, self._glogits = None, t

    @property
    def _probs(self) -> Tensor | None:
        """The given probs divided by their sum, broadcast to batch_shape + (K,), computed
        at each use (None when logits were given)."""
        if self._gprobs is None:
            return None
        t = self._gprobs
        return _to(t / t.sum(-1, keepdims=True), self._batch_shape + (self._num_events,))

    @property
    def _logits(self) -> Tensor | None:
        """log_softmax of the given logits, broadcast to batch_shape + (K,), computed at
        each use (None when probs were given)."""
        if self._glogits is None:
            return None
        return _to(fn.log_softmax(self._glogits, -1), self._batch_shape + (self._num_events,))

    def _in_support(self, v: np.ndarray) -> Any:
        return (v == np.floor(v)) & (v >= 0) & (v < self._num_events)

    @property
    def probs(self) -> Tensor:
        """(..., K), normalised (computed at each use)."""
        return self._probs if self._gprobs is not None else fn.softmax(self._logits, -1)

    @property
    def logits(self) -> Tensor:
        """(..., K), normalised log-probabilities (from probs: log of probs clamped to
        [eps, 1 - eps], as PyTorch's; log_prob and entropy do not use this clamped form;
        computed at each use)."""
        if self._glogits is not None:
            return self._logits
        eps = float(np.finfo(self._gprobs.dtype).eps)
        return fn.clip(self._probs, eps, 1 - eps).log()

    @property
    def mean(self) -> Tensor:
        return creation.full(self._batch_shape, np.nan, dtype=self.probs.dtype)

    @property
    def variance(self) -> Tensor:
        return self.mean

    @property
    def mode(self) -> Tensor:
        """argmax_k p_k (the first on ties), int64 of shape batch_shape, as torch's
        probs.argmax(-1); no gradient."""
        return fn.argmax(self.probs, -1)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with no_grad():
            p = self.probs.data
            cdf = np.cumsum(p, -1)
            u = creation.rand(*shape, dtype=p.dtype).data[..., None] * cdf[..., -1:]
            k = (u >= cdf).sum(-1)
            return Tensor(np.minimum(k, self._num_events - 1).astype(np.int64))

    def log_prob(self, value: Any) -> Tensor:
        value = self._check_value(value)
        shape = np.broadcast_shapes(value.shape, self._batch_shape)
        if not np.issubdtype(value.dtype, np.integer):
            value = value.astype(np.int64)
        idx = (value if value.shape == shape else fn.broadcast_to(value, shape))[..., None]
        src = self._logits if self._glogits is not None else self._probs
        src = fn.broadcast_to(src, shape + (self._num_events,))
        picked = fn.take_along_axis(src, idx, -1)[..., 0]
        return picked if self._glogits is not None else picked.log()

    def _logp(self, mask: Tensor) -> Tensor:
        """log p_k where mask, 0 elsewhere (no log(0) reaches a gradient)."""
        if self._glogits is not None:
            return fn.where(mask, self._logits, 0.0)
        return fn.where(mask, self._probs, 1.0).log()

    def entropy(self) -> Tensor:
        p = self.probs
        return 0.0 - (p * self._logp(p > 0)).sum(-1)


class MultivariateNormal(Distribution):
    """N(loc, Sigma) on R^d: loc (..., d) and covariance_matrix (..., d, d) (symmetric
    positive definite) or scale_tril (..., d, d) (lower triangular, positive diagonal:
    Sigma = L L^T), exactly one; batch axes broadcast; batch_shape (...), event_shape (d,).

    L = am.linalg.cholesky(Sigma); log_prob(x) = -(d log(2 pi) + |L^-1 (x - loc)|^2) / 2
    - sum(log diag L) (with am.linalg.solve); entropy = d (1 + log(2 pi)) / 2 + sum(log diag L);
    rsample = loc + L eps, eps ~ N(0, I_d). (PyTorch's precision_matrix is not offered.)"""

    has_rsample = True
    _support = "R^d"
    _expands_as_given = True

    def __init__(self, loc: Any, covariance_matrix: Any = None, scale_tril: Any = None,
                 validate_args: bool = True) -> None:
        name = "MultivariateNormal"
        if (covariance_matrix is None) == (scale_tril is None):
            raise ValueError(f"{name}: pass exactly one of covariance_matrix and scale_tril")
        key = "covariance_matrix" if covariance_matrix is not None else "scale_tril"
        p = _floats(name, loc=loc, **{key: covariance_matrix if covariance_matrix is not None else scale_tril})
        loc, M = p["loc"], p[key]
        if loc.ndim < 1 or M.ndim < 2 or M.shape[-1] != M.shape[-2] or M.shape[-1] != loc.shape[-1]:
            raise ValueError(f"{name}: loc must be (..., d) and {key} (..., d, d), got loc "
                             f"{tuple(loc.shape)} and {key} {tuple(M.shape)}")
        try:
            batch = np.broadcast_shapes(loc.shape[:-1], M.shape[:-2])
        except ValueError:
            raise ValueError(f"{name}: the batch axes of loc {tuple(loc.shape)} and {key} "
                             f"{tuple(M.shape)} do not broadcast") from None
        d = loc.shape[-1]
        super().__init__(batch, (d,), validate_args)
        if self._validate_args:
            _require(loc.data == loc.data, name, f"loc (shape {tuple(loc.shape)}) must not be NaN")
            m = M.data
            if key == "scale_tril":
                _require(np.triu(m, 1) == 0, name,
                         f"scale_tril (shape {tuple(M.shape)}) must be lower triangular")
                _require(np.diagonal(m, 0, -2, -1) > 0, name,
                         f"scale_tril (shape {tuple(M.shape)}) must have a positive diagonal")
            else:
                # (up to rounding, as PyTorch's isclose(atol=1e-6): A @ S @ A.T is rarely exact)
                _require(np.isclose(m, np.swapaxes(m, -1, -2), rtol=1e-5, atol=1e-6), name,
                         f"covariance_matrix (shape {tuple(M.shape)}) must be symmetric")
                try:
                    np.linalg.cholesky(m)
                except np.linalg.LinAlgError:
                    raise ValueError(f"{name}: covariance_matrix (shape {tuple(M.shape)}) must be "
                                     "positive definite") from None
        # loc and a given scale_tril or covariance_matrix are kept as given and broadcast
        # at each use (see _to's note); a covariance's Cholesky factor is computed once,
        # as torch's (so it, unlike torch's live views, does not follow in-place steps).
        self._loc = loc
        self._cov = M if key == "covariance_matrix" else None
        self._given_tril = M if key == "scale_tril" else None
        self._chol = cholesky(M) if key == "covariance_matrix" else None

    @property
    def loc(self) -> Tensor:
        """batch_shape + (d,): the given loc broadcast, read at each use."""
        return _to(self._loc, self._batch_shape + self._event_shape)

    @property
    def scale_tril(self) -> Tensor:
        """(batch_shape + (d, d)): the Cholesky factor of covariance_matrix, or the lower
        triangle of the given scale_tril. The distribution is a function of that lower
        triangle only, so its gradient is zero above the diagonal (as torch's
        solve_triangular gives). Taken afresh at each use from the given tensor: a
        distribution built once sees an optimizer's in-place steps of it, and each
        log_prob has a graph of its own to backward through."""
        L = self._chol if self._chol is not None else fn.tril(self._given_tril)
        return _to(L, self._batch_shape + self._event_shape * 2)

    def _in_support(self, v: np.ndarray) -> Any:
        return v == v

    @property
    def covariance_matrix(self) -> Tensor:
        """(..., d, d): as given (broadcast, read at each use), or L L^T."""
        if self._cov is not None:
            return _to(self._cov, self._batch_shape + self._event_shape * 2)
        L = self.scale_tril
        return L @ fn.swapaxes(L, -1, -2)

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        """(..., d): the diagonal of Sigma, sum_j L_ij^2."""
        return (self.scale_tril ** 2).sum(-1)

    @property
    def mode(self) -> Tensor:
        """loc, of shape batch_shape + (d,) (differentiable in loc)."""
        return self.loc

    def _half_log_det(self) -> Tensor:
        return fn.diagonal(self.scale_tril, 0, -2, -1).log().sum(-1)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """loc + L eps, eps ~ N(0, I) of shape sample_shape + batch_shape + (d,)."""
        loc = self.loc
        eps = creation.randn(*self._extended_shape(sample_shape), dtype=loc.dtype)
        return loc + (self.scale_tril @ eps[..., None])[..., 0]

    def log_prob(self, value: Any) -> Tensor:
        value = self._check_value(value)
        diff = value - self.loc
        L = self.scale_tril
        shape = np.broadcast_shapes(diff.shape[:-1], L.shape[:-2])
        d = self._event_shape[0]
        if L.shape[:-2] != shape:
            L = fn.broadcast_to(L, shape + (d, d))
        z = solve(L, diff[..., None])[..., 0]
        return -0.5 * (d * _LOG_2PI + (z ** 2).sum(-1)) - self._half_log_det()

    def entropy(self) -> Tensor:
        d = self._event_shape[0]
        return 0.5 * d * (1 + _LOG_2PI) + self._half_log_det()


class Independent(Distribution):
    """Reinterprets the last `reinterpreted_batch_ndims` batch axes of `base` as event
    axes: batch_shape = base.batch_shape[:-r], event_shape = base.batch_shape[-r:] +
    base.event_shape; log_prob and entropy sum the base's over those axes (a diagonal
    Gaussian over vectors: Independent(Normal(mu, sigma), 1))."""

    def __init__(self, base_distribution: Distribution, reinterpreted_batch_ndims: int,
                 validate_args: bool = True) -> None:
        if not isinstance(base_distribution, Distribution):
            raise TypeError(f"Independent: base_distribution must be a Distribution, got "
                            f"{type(base_distribution).__name__}")
        r, bs = reinterpreted_batch_ndims, base_distribution.batch_shape
        if isinstance(r, bool) or not isinstance(r, (int, np.integer)) or not 0 <= r <= len(bs):
            raise ValueError(f"Independent: reinterpreted_batch_ndims must be an int in [0, {len(bs)}] "
                             f"for a base of batch_shape {bs}, got {r!r}")
        r = int(r)
        super().__init__(bs[:len(bs) - r], bs[len(bs) - r:] + base_distribution.event_shape, validate_args)
        self.base_dist, self.reinterpreted_batch_ndims = base_distribution, r
        self.has_rsample = base_distribution.has_rsample

    @property
    def mean(self) -> Tensor:
        return self.base_dist.mean

    @property
    def variance(self) -> Tensor:
        return self.base_dist.variance

    @property
    def mode(self) -> Tensor:
        """The base's mode, of shape batch_shape + event_shape."""
        return self.base_dist.mode

    def expand(self, batch_shape: Any) -> "Independent":
        """The base expanded to batch_shape + the reinterpreted axes."""
        shape, new = self._expanded(batch_shape)
        r = self.reinterpreted_batch_ndims
        new.base_dist = self.base_dist.expand(shape + self._event_shape[:r])
        new.reinterpreted_batch_ndims, new.has_rsample = r, self.has_rsample
        return new

    def sample(self, sample_shape: Any = ()) -> Tensor:
        return self.base_dist.sample(sample_shape)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        return self.base_dist.rsample(sample_shape)

    def log_prob(self, value: Any) -> Tensor:
        """The base's log_prob (which checks the value) summed over the reinterpreted axes."""
        return _sum_rightmost(self.base_dist.log_prob(value), self.reinterpreted_batch_ndims)

    def entropy(self) -> Tensor:
        return _sum_rightmost(self.base_dist.entropy(), self.reinterpreted_batch_ndims)


class MixtureSameFamily(Distribution):
    """A mixture of K components of one family: mixture_distribution is a Categorical of
    batch_shape B (logits or probs (B..., K)), component_distribution any distribution of
    batch_shape B + (K,) (its last batch axis indexes the components: Normal(mu, sigma)
    with mu, sigma of shape (B..., K) for a 1-D mixture density network). batch_shape is
    B, event_shape the component's.

    log_prob(x) = logsumexp_k(log pi_k + log p_k(x)) over the component axis (stable for
    very unlikely components; x of shape (..., B..., event), broadcast as torch's);
    mean = sum_k pi_k mu_k; variance = sum_k pi_k var_k + sum_k pi_k (mu_k - mean)**2
    (total variance); cdf (a component with a cdf, event_shape ()) = sum_k pi_k F_k(x);
    sample(sample_shape) picks a component by pi, then draws from it (no gradient: no
    rsample, as torch's). No entropy, perplexity or mode (no closed form; torch has none
    either); expand as torch's."""

    def __init__(self, mixture_distribution: Distribution, component_distribution: Distribution,
                 validate_args: bool = True) -> None:
        if not isinstance(mixture_distribution, Categorical):
            raise ValueError(f"MixtureSameFamily: mixture_distribution must be a Categorical, got "
                             f"{type(mixture_distribution).__name__}")
        if not isinstance(component_distribution, Distribution):
            raise TypeError(f"MixtureSameFamily: component_distribution must be a Distribution, got "
                            f"{type(component_distribution).__name__}")
        mb, cb = mixture_distribution.batch_shape, component_distribution.batch_shape
        k = mixture_distribution._num_events
        if not cb or cb[-1] != k or cb[:-1] != mb:
            raise ValueError(
                f"MixtureSameFamily: the component_distribution's batch_shape {cb} must be the "
                f"mixture_distribution's batch_shape {mb} plus the number of components ({k},)")
        super().__init__(mb, component_distribution.event_shape, validate_args)
        self._mixture, self._component = mixture_distribution, component_distribution

    @property
    def mixture_distribution(self) -> Categorical:
        return self._mixture

    @property
    def component_distribution(self) -> Distribution:
        return self._component

    @property
    def mode(self) -> Tensor:
        """NotImplementedError: no closed form (torch's MixtureSameFamily has no mode either)."""
        raise NotImplementedError("MixtureSameFamily does not implement mode (a mixture's mode "
                                  "has no closed form)")

    def expand(self, batch_shape: Any) -> "MixtureSameFamily":
        """The mixture expanded to batch_shape, the components to batch_shape + (K,)."""
        shape, new = self._expanded(batch_shape)
        new._mixture = self._mixture.expand(shape)
        new._component = self._component.expand(shape + (self._mixture._num_events,))
        return new

    def _weights(self) -> Tensor:
        """pi of shape B + (K,) + (1,) * len(event_shape), to broadcast with the components'."""
        p = self._mixture.probs
        return p.reshape(p.shape + (1,) * len(self._event_shape))

    @property
    def mean(self) -> Tensor:
        return (self._weights() * self._component.mean).sum(-1 - len(self._event_shape))

    @property
    def variance(self) -> Tensor:
        w, axis = self._weights(), -1 - len(self._event_shape)
        m = self._component.mean
        mean = ((w * m).sum(axis)).unsqueeze(axis)
        return (w * self._component.variance).sum(axis) + (w * (m - mean) ** 2).sum(axis)

    def _pad(self, value: Any, what: str) -> Tensor:
        """value (checked for shape; its support is the component's own check) with a
        component axis inserted before the event axes."""
        validate, self._validate_args = self._validate_args, False
        try:
            value = self._check_value(value, what)
        finally:
            self._validate_args = validate
        return value.unsqueeze(value.ndim - len(self._event_shape))

    def log_prob(self, value: Any) -> Tensor:
        x = self._pad(value, "log_prob")
        # (torch's: the mixture's logits, from probs clamped to [eps, 1 - eps], renormalised)
        log_pi = fn.log_softmax(self._mixture.logits, -1)
        return fn.logsumexp(self._component.log_prob(x) + log_pi, -1)

    def cdf(self, value: Any) -> Tensor:
        if not hasattr(self._component, "cdf") or self._event_shape:
            raise NotImplementedError(f"MixtureSameFamily.cdf: the component distribution "
                                      f"{type(self._component).__name__} has no univariate cdf")
        x = self._pad(value, "cdf")
        return (self._component.cdf(x) * self._mixture.probs).sum(-1)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """sample_shape + batch_shape + event_shape: each draw from the component that a
        draw of the mixture_distribution picked."""
        shape = _shape(sample_shape, "MixtureSameFamily.sample")
        with no_grad():
            k = self._mixture.sample(shape).data                  # S + B
            x = self._component.sample(shape).data                # S + B + (K,) + E
            ne = len(self._event_shape)
            idx = k.reshape(k.shape + (1,) * (1 + ne))
            idx = np.broadcast_to(idx, k.shape + (1,) + x.shape[x.ndim - ne:])
            return Tensor(np.take_along_axis(x, idx, axis=x.ndim - ne - 1)[(..., 0) + (slice(None),) * ne])

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        raise NotImplementedError("MixtureSameFamily has no rsample (the choice of a component "
                                  "is not reparameterisable); use sample() and log_prob")

    def entropy(self) -> Tensor:
        raise NotImplementedError("MixtureSameFamily.entropy: a mixture's entropy has no closed form")


# -- the Gamma family and its neighbours --------------------------------------------------


def _xlogy(a: Tensor, x: Tensor) -> Tensor:
    """a log x with 0 log 0 = 0 (torch's xlogy: a density's (alpha - 1) log x at alpha = 1,
    x = 0): where both are 0 the log is taken of 1, so no -inf or NaN reaches a gradient."""
    both = logical_and(a == 0, x == 0)
    with np.errstate(divide="ignore"):  # (log 0 = -inf where a != 0: the value)
        return a * fn.where(both, 1.0, x).log()


def _draw(d: Distribution, sample_shape: Any, like: Tensor, draw: Any, *params: Tensor) -> Tensor:
    """d's sample: a no-grad tensor of draw(generator, *arrays) (an ndarray) in like's
    dtype, arrays the params' values broadcast to sample_shape + batch_shape +
    event_shape, from the library generator (am.manual_seed); refused while am.compile
    records, as randn and rand are."""
    shape = d._extended_shape(sample_shape)
    creation._not_while_compiling(f"{type(d).__name__}.sample")
    arrays = [np.broadcast_to(p.data, shape) for p in params]
    with no_grad():
        return Tensor(np.asarray(draw(creation.generator(), *arrays)).astype(like.dtype, copy=False))


def _no_implicit_rsample(name: str) -> None:
    raise NotImplementedError(
        f"{name} has no rsample here: torch's differentiates its draws through implicit "
        "reparameterisation (the gradient of the standard Gamma sampler in its shape), which "
        "autograd_mini does not implement; use sample() and log_prob (the score function)")


class Exponential(Distribution):
    """Exponential(rate) on [0, inf), elementwise: rate (> 0) of any shape is the batch_shape;
    event_shape ().

    log_prob(x) = log(rate) - rate x; entropy = 1 - log(rate); mean = 1/rate, variance =
    1/rate**2, mode 0; rsample = E / rate with E = -log(1 - u), u ~ U[0, 1) (differentiable
    in rate); cdf(x) = 1 - exp(-rate x) (as -expm1); icdf(p) = -log(1 - p) / rate (as -log1p)."""

    has_rsample = True
    _support = "[0, inf)"
    _expands_as_given = True

    def __init__(self, rate: Any, validate_args: bool = True) -> None:
        self._elementwise("Exponential", validate_args, rate=rate)
        if self._validate_args:
            _require_positive("Exponential", rate=self._rate)

    rate = _given("rate")

    def _in_support(self, v: np.ndarray) -> Any:
        return v >= 0

    @property
    def mean(self) -> Tensor:
        return 1.0 / self.rate

    @property
    def variance(self) -> Tensor:
        return self.rate ** -2

    @property
    def stddev(self) -> Tensor:
        return 1.0 / self.rate

    @property
    def mode(self) -> Tensor:
        """0, of shape batch_shape (a constant, as torch's zeros_like(rate))."""
        return creation.zeros(*self._batch_shape, dtype=self._rate.dtype)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """E / rate, E = -log(1 - u) ~ Exponential(1), u ~ U[0, 1), of shape sample_shape +
        batch_shape (differentiable in rate)."""
        rate = self.rate
        u = creation.rand(*self._extended_shape(sample_shape), dtype=rate.dtype)
        return -fn.log1p(-u) / rate

    def log_prob(self, value: Any) -> Tensor:
        value = self._check_value(value)
        rate = self.rate
        return rate.log() - rate * value

    def entropy(self) -> Tensor:
        return 1.0 - self.rate.log()

    def cdf(self, value: Any) -> Tensor:
        """P(X <= value) = 1 - exp(-rate value), of the broadcast shape of value and
        batch_shape; value >= 0 when validating."""
        value = self._check_value(value, "cdf")
        return -fn.expm1(-self.rate * value)

    def icdf(self, value: Any) -> Tensor:
        """The quantile -log(1 - value) / rate (inf at 1); value in [0, 1] when validating."""
        value = self._check_value(value, "icdf", probability=True)
        with np.errstate(divide="ignore"):  # (inf at 1: the value)
            return -fn.log1p(-value) / self.rate


class Laplace(_LocScale):
    """Laplace(loc, scale), density exp(-|x - loc| / scale) / (2 scale), elementwise: loc and
    scale (> 0) broadcast to the batch_shape; event_shape ().

    log_prob(x) = -log(2 scale) - |x - loc| / scale; entropy = 1 + log(2 scale); mean = mode
    = loc, variance = 2 scale**2; rsample = loc - scale sign(u) log(1 - |u|), u ~ U(-1, 1)
    (torch's, with u kept above -1 + eps); cdf(x) = 1/2 - sign(x - loc) expm1(-|x - loc| /
    scale) / 2; icdf(p) = loc - scale sign(p - 1/2) log(1 - 2 |p - 1/2|)."""

    @property
    def variance(self) -> Tensor:
        return 2 * self.scale ** 2

    @property
    def stddev(self) -> Tensor:
        return math.sqrt(2) * self.scale

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """loc - scale sign(u) log(1 - |u|), u ~ U[-1 + eps, 1), of shape sample_shape +
        batch_shape (differentiable in loc and scale)."""
        loc = self.loc
        eps = float(np.finfo(loc.dtype).eps)
        u = creation.rand(*self._extended_shape(sample_shape), dtype=loc.dtype).data
        u = u * (2 - eps) - (1 - eps)
        with np.errstate(all="ignore"):
            e = np.sign(u) * np.log1p(-np.abs(u))
        return loc - self.scale * Tensor(e.astype(loc.dtype, copy=False))

    def log_prob(self, value: Any) -> Tensor:
        value = self._check_value(value)
        scale = self.scale
        return -(2 * scale).log() - fn.abs(value - self.loc) / scale

    def entropy(self) -> Tensor:
        return 1 + (2 * self.scale).log()

    def cdf(self, value: Any) -> Tensor:
        """P(X <= value), of the broadcast shape of value and batch_shape: with d = value - loc,
        exp(d / scale) / 2 for d <= 0 and 1 - exp(-d / scale) / 2 (as 1/2 - expm1(-d / scale) / 2)
        for d > 0. Each side sees only its own d (0 elsewhere), so the far lower tail keeps its
        digits (a 1/2 + (e - 1)/2 would round it to 0.5's ulp) and the unused side never
        overflows into the gradient; at d = 0 the gradient is the density 1 / (2 scale)."""
        value = self._check_value(value, "cdf")
        d = value - self.loc
        below = d <= 0  # (False for NaN, which the upper side passes on)
        lower = 0.5 * fn.exp(fn.where(below, d, 0.0) / self.scale)
        upper = 0.5 - 0.5 * fn.expm1(-fn.where(below, 0.0, d) / self.scale)
        return fn.where(below, lower, upper)

    def icdf(self, value: Any) -> Tensor:
        """The quantile loc - scale sign(value - 1/2) log(1 - 2 |value - 1/2|) (-inf at 0, inf
        at 1); value in [0, 1] when validating."""
        value = self._check_value(value, "icdf", probability=True)
        t = value - 0.5
        with np.errstate(divide="ignore"):  # (-inf at 0, inf at 1: the values)
            return self.loc - self.scale * fn.sign(t) * fn.log1p(-2 * fn.abs(t))


class Gamma(Distribution):
    """Gamma(concentration a, rate b) on [0, inf), density b**a x**(a-1) exp(-b x) / Gamma(a),
    elementwise: a and b (both > 0) broadcast to the batch_shape; event_shape ().

    log_prob(x) = a log b + (a - 1) log x - b x - lgamma(a) (0 log 0 = 0, so a = 1 at x = 0
    is log b); entropy = a - log b + lgamma(a) + (1 - a) digamma(a); mean = a / b, variance
    = a / b**2, mode = max(a - 1, 0) / b. sample: numpy's gamma sampler (library generator),
    clamped below at the dtype's smallest normal number, as torch's. No rsample:
    torch's is differentiable through implicit reparameterisation, which is not implemented
    here (has_rsample False; rsample raises NotImplementedError). No cdf (torch's needs the
    incomplete gamma function)."""

    _support = "[0, inf)"
    _expands_as_given = True

    def __init__(self, concentration: Any, rate: Any, validate_args: bool = True) -> None:
        self._elementwise("Gamma", validate_args, concentration=concentration, rate=rate)
        if self._validate_args:
            _require_positive("Gamma", concentration=self._concentration, rate=self._rate)

    concentration = _given("concentration")
    rate = _given("rate")

    def _in_support(self, v: np.ndarray) -> Any:
        return v >= 0

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.rate

    @property
    def variance(self) -> Tensor:
        return self.concentration / self.rate ** 2

    @property
    def mode(self) -> Tensor:
        """max(concentration - 1, 0) / rate, of shape batch_shape (torch's)."""
        return fn.clip((self.concentration - 1) / self.rate, 0.0, None)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Draws of shape sample_shape + batch_shape, no gradient."""
        tiny = np.finfo(self._rate.dtype).tiny
        return _draw(self, sample_shape, self._rate, lambda g, a, b: np.maximum(g.gamma(a, 1.0 / b), tiny),
                     self._concentration, self._rate)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        _no_implicit_rsample("Gamma")

    def log_prob(self, value: Any) -> Tensor:
        value = self._check_value(value)
        a, b = self.concentration, self.rate
        # x = inf: the density's limit is 0 (log -inf) for every a, but (a - 1) log x - b x
        # is inf - inf there; x is taken as 1 inside (no inf reaches a gradient) and the
        # result replaced by -inf (always, not only when some x is inf: am.compile records one tape)
        at_inf = value == np.inf
        x = fn.where(at_inf, 1.0, value)
        return fn.where(at_inf, -np.inf, _xlogy(a, b) + _xlogy(a - 1, x) - b * x - fn.lgamma(a))

    def entropy(self) -> Tensor:
        a = self.concentration
        return a - self.rate.log() + fn.lgamma(a) + (1.0 - a) * fn.digamma(a)


class Beta(Distribution):
    """Beta(concentration1 a, concentration0 b) on [0, 1], density x**(a-1) (1-x)**(b-1) /
    B(a, b), elementwise: a and b (both > 0) broadcast to the batch_shape; event_shape ().

    log_prob(x) = (a - 1) log x + (b - 1) log(1 - x) - log B(a, b), log B = lgamma(a) +
    lgamma(b) - lgamma(a + b) (0 log 0 = 0 at the ends); entropy = log B - (a - 1) digamma(a)
    - (b - 1) digamma(b) + (a + b - 2) digamma(a + b); mean = a / (a + b), variance = a b /
    ((a + b)**2 (a + b + 1)); mode as torch's (a Dirichlet's on (x, 1 - x): (a - 1) / (a + b -
    2) with both clamped at 0, the larger one's end when both are < 1, NaN at a = b = 1).
    sample: numpy's beta sampler (library generator). No rsample: torch's goes through
    implicit reparameterisation of Gamma draws, not implemented here (has_rsample False)."""

    _support = "[0, 1]"
    _expands_as_given = True

    def __init__(self, concentration1: Any, concentration0: Any, validate_args: bool = True) -> None:
        self._elementwise("Beta", validate_args, concentration1=concentration1, concentration0=concentration0)
        if self._validate_args:
            _require_positive("Beta", concentration1=self._concentration1, concentration0=self._concentration0)

    concentration1 = _given("concentration1")
    concentration0 = _given("concentration0")

    def _in_support(self, v: np.ndarray) -> Any:
        return (v >= 0) & (v <= 1)

    @property
    def mean(self) -> Tensor:
        a = self.concentration1
        return a / (a + self.concentration0)

    @property
    def variance(self) -> Tensor:
        a, b = self.concentration1, self.concentration0
        total = a + b
        return a * b / (total ** 2 * (total + 1))

    @property
    def mode(self) -> Tensor:
        """Of shape batch_shape, torch's values: (a - 1) / (a + b - 2) with a - 1 and b - 1
        clamped at 0 first (so 0 or 1 when one is below 1), 1 where a >= b and both are
        below 1, 0 where b > a (torch's gives 1 there too: see Dirichlet.mode), NaN at a = b = 1 (every point is a mode)."""
        a, b = self.concentration1, self.concentration0
        a1, b1 = fn.clip(a - 1, 0.0, None), fn.clip(b - 1, 0.0, None)
        both_small = logical_and(a < 1, b < 1)
        with np.errstate(invalid="ignore"):  # (0/0 at a = b = 1: NaN, as torch's)
            return fn.where(both_small, (a >= b).astype(a.dtype), a1 / (a1 + b1))

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Draws of shape sample_shape + batch_shape in [0, 1], no gradient."""
        return _draw(self, sample_shape, self._concentration1, lambda g, a, b: g.beta(a, b),
                     self._concentration1, self._concentration0)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        _no_implicit_rsample("Beta")

    def _log_beta(self) -> Tensor:
        a, b = self.concentration1, self.concentration0
        return fn.lgamma(a) + fn.lgamma(b) - fn.lgamma(a + b)

    def log_prob(self, value: Any) -> Tensor:
        value = self._check_value(value)
        a, b = self.concentration1, self.concentration0
        return _xlogy(a - 1, value) + _xlogy(b - 1, 1 - value) - self._log_beta()

    def entropy(self) -> Tensor:
        a, b = self.concentration1, self.concentration0
        return (self._log_beta() - (a - 1) * fn.digamma(a) - (b - 1) * fn.digamma(b)
                + (a + b - 2) * fn.digamma(a + b))


class Dirichlet(Distribution):
    """Dirichlet(concentration) on the probability simplex: concentration (..., K), K >= 1,
    entries > 0; batch_shape (...), event_shape (K,). With a = concentration, a0 = sum a:

    log_prob(x) = sum (a - 1) log x + lgamma(a0) - sum lgamma(a) (0 log 0 = 0); x (..., K)
    on the simplex (entries >= 0 summing to 1 within 1e-6) when validating; entropy =
    sum lgamma(a) - lgamma(a0) - (K - a0) digamma(a0) - sum (a - 1) digamma(a); mean =
    a / a0, variance = a (a0 - a) / (a0**2 (a0 + 1)); mode as torch's ((a - 1) clamped at
    0, normalised; where every a < 1, the one-hot of the largest a, where torch's takes the
    first category whatever the a: its argmax runs over the clamped zeros). sample: Gamma(a, 1) draws
    (numpy's, library generator) divided by their sum. No rsample (torch's needs implicit
    reparameterisation, not implemented here: has_rsample False)."""

    _support = "the simplex (entries >= 0 summing to 1)"
    _expands_as_given = True

    def __init__(self, concentration: Any, validate_args: bool = True) -> None:
        c = _floats("Dirichlet", concentration=concentration)["concentration"]
        if c.ndim < 1 or c.shape[-1] < 1:
            raise ValueError(f"Dirichlet: concentration must have at least one axis of length >= 1 "
                             f"(the categories), got shape {tuple(c.shape)}")
        super().__init__(tuple(c.shape[:-1]), (c.shape[-1],), validate_args)
        self._concentration = c
        if self._validate_args:
            _require_positive("Dirichlet", concentration=c)

    concentration = _given("concentration", "batch_shape + (K,): the given concentration broadcast, read at each use.")

    def _in_support(self, v: np.ndarray) -> Any:
        return np.all(v >= 0) & np.all(np.abs(v.sum(-1) - 1) <= 1e-6)

    @property
    def mean(self) -> Tensor:
        a = self.concentration
        return a / a.sum(-1, keepdims=True)

    @property
    def variance(self) -> Tensor:
        a = self.concentration
        a0 = a.sum(-1, keepdims=True)
        return a * (a0 - a) / (a0 ** 2 * (a0 + 1))

    @property
    def mode(self) -> Tensor:
        """batch_shape + (K,), torch's values: (a - 1) clamped at 0 and normalised; where
        every a < 1, the one-hot of the largest a (the first on ties; torch's picks the first
        category there whatever the a); NaN where every a is 1."""
        a = self.concentration
        m = fn.clip(a - 1, 0.0, None)
        with np.errstate(invalid="ignore"):  # (0/0 where every a is 1: NaN, as torch's)
            m = m / m.sum(-1, keepdims=True)
        with no_grad():
            d = a.data
            one_hot = (np.arange(d.shape[-1]) == np.argmax(d, -1)[..., None]).astype(d.dtype)
            small = np.all(d < 1, -1, keepdims=True)
        return fn.where(small, one_hot, m)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Draws of shape sample_shape + batch_shape + (K,) on the simplex, no gradient."""
        def draw(g: np.random.Generator, a: np.ndarray) -> np.ndarray:
            x = np.maximum(g.gamma(a), np.finfo(a.dtype).tiny)
            return x / x.sum(-1, keepdims=True)
        return _draw(self, sample_shape, self._concentration, draw, self._concentration)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        _no_implicit_rsample("Dirichlet")

    def log_prob(self, value: Any) -> Tensor:
        value = self._check_value(value)
        a = self.concentration
        return (_xlogy(a - 1, value).sum(-1) + fn.lgamma(a.sum(-1)) - fn.lgamma(a).sum(-1))

    def entropy(self) -> Tensor:
        a = self.concentration
        k = self._event_shape[0]
        a0 = a.sum(-1)
        return (fn.lgamma(a).sum(-1) - fn.lgamma(a0) - (k - a0) * fn.digamma(a0)
                - ((a - 1.0) * fn.digamma(a)).sum(-1))


class Poisson(Distribution):
    """Poisson(rate) on {0, 1, 2, ...}, elementwise: rate (>= 0) of any shape is the
    batch_shape; event_shape ().

    log_prob(k) = k log(rate) - rate - lgamma(k + 1) (0 log 0 = 0: rate 0 gives 0 at k = 0,
    -inf elsewhere); mean = variance = rate; mode = floor(rate) (torch's); sample: numpy's
    Poisson sampler (library generator), floats as torch's. No entropy (no closed form;
    torch has none either) and no rsample (the draws are integers)."""

    _support = "integers >= 0"
    _expands_as_given = True

    def __init__(self, rate: Any, validate_args: bool = True) -> None:
        self._elementwise("Poisson", validate_args, rate=rate)
        if self._validate_args:
            _require(self._rate.data >= 0, "Poisson", f"rate (shape {tuple(self._rate.shape)}) must be >= 0")

    rate = _given("rate")

    def _in_support(self, v: np.ndarray) -> Any:
        return (v >= 0) & (v == np.floor(v)) & np.isfinite(v)  # (inf is no count: log_prob NaN)

    @property
    def mean(self) -> Tensor:
        return self.rate

    @property
    def variance(self) -> Tensor:
        return self.rate

    @property
    def mode(self) -> Tensor:
        """floor(rate), of shape batch_shape (no gradient: a step function)."""
        return fn.floor(self.rate)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Counts of shape sample_shape + batch_shape (floats), no gradient."""
        return _draw(self, sample_shape, self._rate, lambda g, r: g.poisson(r), self._rate)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        raise NotImplementedError("Poisson has no rsample (its draws are integers); use sample() and log_prob")

    def log_prob(self, value: Any) -> Tensor:
        value = self._check_value(value)
        return _xlogy(value, self.rate) - self.rate - fn.lgamma(value + 1)

    def entropy(self) -> Tensor:
        raise NotImplementedError("Poisson.entropy: no closed form (torch's Poisson has none either)")


def _kl_normal(p: Normal, q: Normal) -> Tensor:
    var_ratio = (p.scale / q.scale) ** 2
    t1 = ((p.loc - q.loc) / q.scale) ** 2
    return 0.5 * (var_ratio + t1 - 1 - var_ratio.log())


def _kl_bernoulli(p: Bernoulli, q: Bernoulli) -> Tensor:
    p1, p0, lp1, lp0 = p._plogp()
    lq1, lq0 = q._logs(p1 > 0, p0 > 0)
    return p1 * (lp1 - lq1) + p0 * (lp0 - lq0)


def _kl_categorical(p: Categorical, q: Categorical) -> Tensor:
    if p._num_events != q._num_events:
        raise ValueError(f"kl_divergence: Categorical distributions over {p._num_events} and "
                         f"{q._num_events} categories")
    pp = p.probs
    mask = pp > 0
    return (pp * (p._logp(mask) - q._logp(mask))).sum(-1)


def _kl_mvn(p: MultivariateNormal, q: MultivariateNormal) -> Tensor:
    if p.event_shape != q.event_shape:
        raise ValueError(f"kl_divergence: MultivariateNormal event shapes {p.event_shape} and "
                         f"{q.event_shape} differ")
    d = p.event_shape[0]
    shape = np.broadcast_shapes(p.batch_shape, q.batch_shape)
    Lp = fn.broadcast_to(p.scale_tril, shape + (d, d))
    Lq = fn.broadcast_to(q.scale_tril, shape + (d, d))
    diff = fn.broadcast_to(q.loc - p.loc, shape + (d,))
    trace = (solve(Lq, Lp) ** 2).sum((-2, -1))
    mahal = (solve(Lq, diff[..., None])[..., 0] ** 2).sum(-1)
    return 0.5 * (trace + mahal - d) + q._half_log_det() - p._half_log_det()


def _kl_independent(p: Independent, q: Independent) -> Tensor:
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError(
            f"kl_divergence: Independent with reinterpreted_batch_ndims {p.reinterpreted_batch_ndims} "
            f"and {q.reinterpreted_batch_ndims}")
    return _sum_rightmost(kl_divergence(p.base_dist, q.base_dist), p.reinterpreted_batch_ndims)


def _kl_uniform(p: Uniform, q: Uniform) -> Tensor:
    """log((q.high - q.low) / (p.high - p.low)) where q's support covers p's, inf elsewhere."""
    covered = logical_and(q.low <= p.low, p.high <= q.high)
    return fn.where(covered, ((q.high - q.low) / (p.high - p.low)).log(), np.inf)


def _kl_uniform_normal(p: Uniform, q: Normal) -> Tensor:
    """-log(b - a) + log(s sqrt(2 pi)) + ((b - a)**2 / 12 + ((a + b) / 2 - mu)**2) / (2 s**2)."""
    width = p.high - p.low
    t = (math.sqrt(2 * math.pi) * q.scale / width).log()
    return t + (width ** 2 / 12 + ((p.high + p.low) / 2 - q.loc) ** 2) / (2 * q.scale ** 2)


def _kl_normal_uniform(p: Normal, q: Uniform) -> Tensor:
    """inf: a Normal puts mass outside every bounded interval."""
    shape = np.broadcast_shapes(p.batch_shape, q.batch_shape)
    return creation.full(shape, np.inf, dtype=np.result_type(p.loc.dtype, q.low.dtype))


def _kl_exponential(p: Exponential, q: Exponential) -> Tensor:
    """log(p.rate / q.rate) + q.rate / p.rate - 1."""
    ratio = q.rate / p.rate
    return ratio - ratio.log() - 1


def _kl_laplace(p: Laplace, q: Laplace) -> Tensor:
    """log(q.scale / p.scale) + |p.loc - q.loc| / q.scale + (p.scale / q.scale) exp(-|p.loc -
    q.loc| / p.scale) - 1 (torch's)."""
    ratio = p.scale / q.scale
    d = fn.abs(p.loc - q.loc)
    return -ratio.log() + d / q.scale + ratio * (-d / p.scale).exp() - 1


def _kl_gamma(p: Gamma, q: Gamma) -> Tensor:
    """q.a log(p.b / q.b) + lgamma(q.a) - lgamma(p.a) + (p.a - q.a) digamma(p.a) + (q.b -
    p.b) p.a / p.b (a concentration, b rate; torch's)."""
    pa, pb, qa, qb = p.concentration, p.rate, q.concentration, q.rate
    return (qa * (pb / qb).log() + fn.lgamma(qa) - fn.lgamma(pa) + (pa - qa) * fn.digamma(pa)
            + (qb - pb) * (pa / pb))


def _kl_beta(p: Beta, q: Beta) -> Tensor:
    """log B(q) - log B(p) + (p.a - q.a) digamma(p.a) + (p.b - q.b) digamma(p.b) + (q.a + q.b
    - p.a - p.b) digamma(p.a + p.b) (a concentration1, b concentration0; torch's)."""
    pa, pb, qa, qb = p.concentration1, p.concentration0, q.concentration1, q.concentration0
    ps, qs = pa + pb, qa + qb
    return (q._log_beta() - p._log_beta() + (pa - qa) * fn.digamma(pa) + (pb - qb) * fn.digamma(pb)
            + (qs - ps) * fn.digamma(ps))


def _kl_dirichlet(p: Dirichlet, q: Dirichlet) -> Tensor:
    """lgamma(p.a0) - lgamma(q.a0) - sum (lgamma(p.a) - lgamma(q.a)) + sum (p.a - q.a)
    (digamma(p.a) - digamma(p.a0)) (a0 the concentrations' sums; torch's)."""
    if p.event_shape != q.event_shape:
        raise ValueError(f"kl_divergence: Dirichlet event shapes {p.event_shape} and "
                         f"{q.event_shape} differ")
    pa, qa = p.concentration, q.concentration
    p0, q0 = pa.sum(-1), qa.sum(-1)
    return (fn.lgamma(p0) - fn.lgamma(q0) - (fn.lgamma(pa) - fn.lgamma(qa)).sum(-1)
            + ((pa - qa) * (fn.digamma(pa) - fn.digamma(p0).unsqueeze(-1))).sum(-1))


def _kl_poisson(p: Poisson, q: Poisson) -> Tensor:
    """p.rate log(p.rate / q.rate) - p.rate + q.rate, with 0 log 0 = 0 (p.rate = 0 gives
    q.rate) and inf where q.rate = 0 < p.rate."""
    pr, qr = p.rate, q.rate
    return _xlogy(pr, pr) - _xlogy(pr, qr) - pr + qr


_KL = {(Normal, Normal): _kl_normal, (Uniform, Uniform): _kl_uniform,
       (Uniform, Normal): _kl_uniform_normal, (Normal, Uniform): _kl_normal_uniform, (Bernoulli, Bernoulli): _kl_bernoulli,
       (Categorical, Categorical): _kl_categorical,
       (MultivariateNormal, MultivariateNormal): _kl_mvn, (Independent, Independent): _kl_independent,
       (Exponential, Exponential): _kl_exponential, (Laplace, Laplace): _kl_laplace,
       (Gamma, Gamma): _kl_gamma, (Beta, Beta): _kl_beta, (Dirichlet, Dirichlet): _kl_dirichlet,
       (Poisson, Poisson): _kl_poisson}


def kl_divergence(p: Distribution, q: Distribution) -> Tensor:
    """KL(p || q) = E_p[log p(x) - log q(x)], of the broadcast batch_shape, in closed form
    for Normal, Uniform, Bernoulli, Categorical, MultivariateNormal, Independent,
    Exponential, Laplace, Gamma, Beta, Dirichlet and Poisson pairs of the same kind, and Uniform/Normal in either order (NotImplementedError naming any
    other pair). Infinite where q gives
    probability 0 to an outcome p gives a positive one; terms with p = 0 count as 0."""
    rule = _KL.get((type(p), type(q)))
    if rule is None:
        raise NotImplementedError(f"kl_divergence: no closed form for {type(p).__name__} and "
                                  f"{type(q).__name__}")
    try:
        np.broadcast_shapes(p.batch_shape, q.batch_shape)
    except ValueError:
        raise ValueError(f"kl_divergence: batch shapes {p.batch_shape} and {q.batch_shape} of "
                         f"{type(p).__name__} and {type(q).__name__} do not broadcast") from None
    return rule(p, q)
