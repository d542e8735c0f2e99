"""Activations, elementwise (relu, gelu, elu, ..., threshold, hardshrink, softshrink, rrelu)
and along an axis (glu, softmax, log_softmax, softmin).

Those to which PyTorch gives inplace= take it at PyTorch's position (relu, relu6,
leaky_relu, hardtanh, elu, selu, celu, threshold, silu, mish, hardswish, hardsigmoid,
rrelu): inplace=True writes the result into the input tensor x and returns x, so what
reads x afterwards sees the new values (`x + F.relu(x, inplace=True)` is 2 relu(x), as
in PyTorch), exactly as the layers' inplace=True (_args._write_inplace): the write is
recorded when x has a graph; a leaf that requires grad is refused; a float result is not
written into an integer x; inside am.compile only an x that an op of the compiled
function made is written; an array x (not a tensor) is not written, the result is
returned."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ... import engine
from ... import functions as fn
from ... import primitives as P
from ...creation import generator
from ...functions import as_tensor
from ...tensor import Tensor, _flag
from ._args import _dim, _inplace_call, _int, _number


def _softplus_beta(beta: Any) -> float:
    if isinstance(beta, bool) or not isinstance(beta, (int, float, np.integer, np.floating)) or not beta > 0:
        raise ValueError(f"softplus: beta must be a positive number, got {beta!r}")
    if not math.isfinite(beta):  # (x * inf is NaN at x = 0)
        raise ValueError(f"softplus: beta must be finite, got {beta!r}")
    return float(beta)


def relu(x: Any, inplace: bool = False) -> Tensor:
    """max(x, 0), elementwise (am.relu: gradient 0 at 0; NaN stays NaN); x's shape.
    inplace=True writes the result into x and returns x (see the module's docstring)."""
    if inplace is not False:
        return _inplace_call(fn.relu, x, inplace, "relu")
    return fn.relu(x)


def leaky_relu(x: Any, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x where x > 0, negative_slope * x elsewhere (same shape as x); inplace as relu's.

    negative_slope is taken as a Python float (as nn.LeakyReLU takes it), so a
    numpy float64 slope does not make float32 activations float64. A slope of 0
    gives 0 for x = -inf (the function is 0 on all x < 0), not 0 * -inf = NaN."""
    if inplace is not False:
        return _inplace_call(leaky_relu, x, inplace, "leaky_relu", negative_slope)
    with engine.scope("leaky_relu"):
        x = as_tensor(x)
        negative_slope = _number(negative_slope, "negative_slope", "leaky_relu")
        if negative_slope == 0.0:  # (x <= 0, not x > 0: NaN stays NaN, as in relu)
            return P.where.apply(x <= 0, 0.0, x)
        return P.where.apply(x > 0, x, x * negative_slope)  # (a recorded mask: see relu)


sigmoid = fn.sigmoid
tanh = fn.tanh


def _softplus_threshold(threshold: Any) -> float | None:
    if threshold is None:
        return None
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.integer, np.floating)):
        raise TypeError(f"softplus: threshold must be a number or None, got {threshold!r}")
    return float(threshold)


def softplus(x: Any, beta: float = 1.0, threshold: float | None = None) -> Tensor:
    """log(1 + exp(beta x)) / beta, elementwise (a smooth ReLU; its derivative is sigmoid(beta x)).
    x's shape.

    threshold=None (the default here) gives that exact value everywhere. PyTorch's default
    is threshold=20: there the result is x itself where beta x > threshold (strictly; the
    formula at beta x == threshold), a relative change under 1e-9 (exp(-20) / 20) from the
    exact value and a gradient of exactly 1 instead of sigmoid(beta x). A threshold passed
    explicitly follows torch: x (gradient 1, second derivative 0) where beta x > threshold,
    the formula below elsewhere, values and gradients; the one difference is the second
    derivative at exactly beta x == threshold, beta sigmoid'(threshold) here (the
    formula's), 0 in torch (whose double backward masks with <, its backward with >).

    With z = beta x, computed as z + log1p(exp(-z)) where z >= 0 and log1p(exp(z))
    where z < 0: exp never overflows, and each branch is smooth and sees only its
    own side's z (0 on the other), so derivatives of every order are right, also
    at 0 (where max(z, 0) + log1p(exp(-|z|)) has corners that give 0 for the
    second derivative instead of 1/4). Where z >= 0 the result is
    x + log1p(exp(-z)) / beta, so a beta x that overflows to inf (beta = 1e300)
    still gives x, not inf.
    """
    with engine.scope("softplus"):
        beta = _softplus_beta(beta)
        threshold = _softplus_threshold(threshold)
        x = as_tensor(x)
        # (beta is refused outside the normal range of the dtype the ops run in, where it
        # would round to inf, 0 or a subnormal: 0 * inf, x / 0 on the way. An integer or
        # bool x runs in float64, to which x * beta promotes it.)
        work = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64) if x.dtype.kind in "biu" else None
        if work is not None:
            low, high = float(np.finfo(work).tiny), float(np.finfo(work).max)
            if not low <= beta <= high:
                dtype = (f"the input's dtype {work}" if work == x.dtype
                         else f"{work}, in which its {x.dtype} input is computed")
                raise ValueError(f"softplus: beta {beta!r} is outside the range of {dtype} ({low:.3g} to {high:.3g})")
        z = x if beta == 1 else x * beta
        right = z >= 0
        zp, zn = P.where.apply(right, z, 0.0), P.where.apply(right, 0.0, z)
        tail_p, tail_n = P.log1p.apply((-zp).exp()), P.log1p.apply(zn.exp())
        if beta != 1:
            tail_p, tail_n = tail_p / beta, tail_n / beta
        # (x itself, unmasked: linear, so the branch not taken gets a gradient of 0 * 1)
        out = P.where.apply(right, x + tail_p, tail_n)
        if threshold is not None:  # (torch's linear tail, a recorded mask)
            out = P.where.apply(z > threshold, x, out)
        return out


def silu(x: Any, inplace: bool = False) -> Tensor:
    """x * sigmoid(x), elementwise (SiLU, or swish); same shape as x. inplace as relu's."""
    if inplace is not False:
        return _inplace_call(silu, x, inplace, "silu")
    with engine.scope("silu"):
        x = fn._floating(as_tensor(x))
        return x * fn.sigmoid(x)


_GELU_TAIL = 40.0  # |x| beyond which both gelu formulas give x or -0.0, gradient 1 or 0


def _gelu_approximate(approximate: Any, where: str) -> str:
    if not isinstance(approximate, str):
        raise TypeError(f"{where}: approximate must be a str ('none' or 'tanh'), got {approximate!r}")
    if approximate not in ("none", "tanh"):
        raise ValueError(f"{where}: approximate must be 'none' or 'tanh', got {approximate!r}")
    return approximate


def gelu(x: Any, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit x * Phi(x), elementwise, as PyTorch's.

    Same shape and dtype as x. approximate='none': x * 0.5 * (1 + erf(x / sqrt(2)));
    'tanh': 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x**3))).

    Beyond |x| = 40 both formulas round to x (x > 0) and -0.0 (x < 0), with derivatives
    1 and 0 of every order (exp(-x**2 / 2) and 1 - tanh**2 underflow to 0), and that is
    what is returned there; the formulas themselves see x clipped to [-40, 40], so that
    x = +-inf gives inf and -0.0 (not inf * 0 = NaN) with gradients 1 and 0, and x**3
    cannot overflow. NaN stays NaN. (For x below about -8.5, 1 + erf rounds to 0, so
    'none' gives -0.0 where x Phi(x) is a tiny negative number, as PyTorch does.)
    """
    approximate = _gelu_approximate(approximate, "gelu")
    with engine.scope("gelu"):
        x = fn._floating(as_tensor(x))
        big = _GELU_TAIL
        # (masks from comparisons of tensors: am.compile replays them; NaN fails both)
        xc = P.where.apply(x > big, big, P.where.apply(x < -big, -big, x))
        if approximate == "none":
            y = xc * 0.5 * (1.0 + P.erf.apply(xc * _SQRT1_2))
        else:
            y = 0.5 * xc * (1.0 + P.tanh.apply(_SQRT_2_OVER_PI * (xc + 0.044715 * (xc * xc * xc))))
        return P.where.apply(x > big, x, y)


_SQRT1_2 = math.sqrt(0.5)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


# -- more activations (PyTorch's; composites of where, exp, tanh, softplus) -----------


def _activation_input(x: Any) -> Tensor:
    """x as a floating tensor (an integer one in the default float dtype, as gelu's)."""
    return fn._floating(as_tensor(x))


def _negative_part(x: Tensor) -> tuple[Tensor, Tensor]:
    """(x > 0, x where x <= 0 else 0): the exp-based branches see only their own side,
    so exp never overflows and a large x's branch not taken has a finite gradient."""
    right = x > 0
    return right, P.where.apply(right, 0.0, x)


def elu(x: Any, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, alpha * (exp(x) - 1) for x <= 0, elementwise (PyTorch's ELU); x's shape.
    inplace as relu's.

    The exponential sees only x <= 0 (0 elsewhere): no overflow at x = 1000, and
    the limits x and -alpha at +-inf, with gradients 1 and 0.
    """
    if inplace is not False:
        return _inplace_call(elu, x, inplace, "elu", alpha)
    with engine.scope("elu"):
        alpha = _number(alpha, "alpha", "elu")
        x = _activation_input(x)
        right, xn = _negative_part(x)
        return P.where.apply(right, x, (xn.exp() - 1.0) * alpha)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(x: Any, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha) with PyTorch's constants alpha = 1.6732632423543772,
    scale = 1.0507009873554805, elementwise; x's shape. inplace as relu's."""
    if inplace is not False:
        return _inplace_call(selu, x, inplace, "selu")
    with engine.scope("selu"):
        x = _activation_input(x)
        right, xn = _negative_part(x)
        return P.where.apply(right, x * _SELU_SCALE, (xn.exp() - 1.0) * (_SELU_ALPHA * _SELU_SCALE))


def celu(x: Any, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1)), elementwise (PyTorch's CELU);
    x's shape. alpha must not be 0. Stable as elu. inplace as relu's."""
    if inplace is not False:
        return _inplace_call(celu, x, inplace, "celu", alpha)
    with engine.scope("celu"):
        alpha = _number(alpha, "alpha", "celu")
        if alpha == 0.0 or not math.isfinite(alpha):
            raise ValueError(f"celu: alpha must be a finite nonzero number, got {alpha!r}")
        x = _activation_input(x)
        right, xn = _negative_part(x)
        return P.where.apply(right, x, ((xn * (1.0 / alpha)).exp() - 1.0) * alpha)


def prelu(x: Any, weight: Any) -> Tensor:
    """x for x > 0, weight * x elsewhere, with a learnt slope (PyTorch's PReLU).

    x (N, C, ...) with weight (1,) (one slope) or (C,) (one per channel, along dim 1);
    an input with fewer than 2 axes has one channel, so weight (1,). Output of x's shape.
    """
    with engine.scope("prelu"):
        x, weight = _activation_input(x), as_tensor(weight)
        C = x.shape[1] if x.ndim >= 2 else 1
        if weight.ndim != 1 or weight.shape[0] not in (1, C):
            raise ValueError(
                f"prelu: weight must have shape (1,) or (C,) = ({C},) for input of shape {x.shape}, "
                f"got {weight.shape}"
            )
        if weight.shape[0] == 1:
            w = weight.reshape(())
        else:
            w = weight.reshape((C,) + (1,) * (x.ndim - 2))
        return P.where.apply(x > 0, x, w * x)


def _bounds(min_val: Any, max_val: Any, where: str) -> tuple[float, float]:
    lo, hi = _number(min_val, "min_val", where), _number(max_val, "max_val", where)
    if not lo <= hi:
        raise ValueError(f"{where}: min_val must be at most max_val, got min_val={lo!r}, max_val={hi!r}")
    return lo, hi


def hardtanh(x: Any, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """x clamped to [min_val, max_val], elementwise (PyTorch's Hardtanh); x's shape.
    Gradient 1 strictly inside, 0 at and beyond the bounds (as PyTorch); NaN stays NaN.
    inplace as relu's."""
    if inplace is not False:
        return _inplace_call(hardtanh, x, inplace, "hardtanh", min_val, max_val)
    with engine.scope("hardtanh"):
        lo, hi = _bounds(min_val, max_val, "hardtanh")
        x = as_tensor(x)
        return P.where.apply(x <= lo, lo, P.where.apply(x >= hi, hi, x))


def relu6(x: Any, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6), elementwise: hardtanh(x, 0, 6); x's shape. inplace as relu's."""
    if inplace is not False:
        return _inplace_call(relu6, x, inplace, "relu6")
    with engine.scope("relu6"):
        return hardtanh(x, 0.0, 6.0)


def hardsigmoid(x: Any, inplace: bool = False) -> Tensor:
    """0 for x <= -3, 1 for x >= 3, x / 6 + 1/2 between, elementwise (relu6(x + 3) / 6,
    PyTorch's Hardsigmoid); x's shape. inplace as relu's."""
    if inplace is not False:
        return _inplace_call(hardsigmoid, x, inplace, "hardsigmoid")
    with engine.scope("hardsigmoid"):
        x = _activation_input(x)
        return P.where.apply(x <= -3.0, 0.0, P.where.apply(x >= 3.0, 1.0, x * (1.0 / 6.0) + 0.5))


def hardswish(x: Any, inplace: bool = False) -> Tensor:
    """x * relu6(x + 3) / 6: 0 for x <= -3, x for x >= 3, x (x + 3) / 6 between,
    elementwise (PyTorch's Hardswish); x's shape. The quadratic sees only its own
    range (0 elsewhere), so x = +-inf gives inf and 0 with gradients 1 and 0.
    inplace as relu's."""
    if inplace is not False:
        return _inplace_call(hardswish, x, inplace, "hardswish")
    with engine.scope("hardswish"):
        x = _activation_input(x)
        low, high = x <= -3.0, x >= 3.0
        xm = P.where.apply(low, 0.0, P.where.apply(high, 0.0, x))
        return P.where.apply(low, 0.0, P.where.apply(high, x, xm * (xm + 3.0) * (1.0 / 6.0)))


_MISH_TAIL = 40.0  # x beyond which tanh(softplus(x)) rounds to 1 and mish(x) to x


def mish(x: Any, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x)), elementwise (PyTorch's Mish); x's shape. inplace as relu's.

    softplus is the stable one (no overflow). Beyond x = 40 the result is x
    (tanh(softplus(x)) rounds to 1, gradient 1), and x = -inf gives 0 (the limit
    of x e^x), gradient 0, not inf * 0 = NaN. NaN stays NaN.
    """
    if inplace is not False:
        return _inplace_call(mish, x, inplace, "mish")
    with engine.scope("mish"):
        x = _activation_input(x)
        big = x > _MISH_TAIL
        xm = P.where.apply(big, _MISH_TAIL, P.where.apply(x == -np.inf, 0.0, x))
        return P.where.apply(big, x, xm * P.tanh.apply(softplus(xm)))


def softsign(x: Any) -> Tensor:
    """x / (1 + |x|), elementwise (PyTorch's Softsign); x's shape. x = +-inf gives +-1
    (the limits, not inf / inf = NaN), gradient 0."""
    with engine.scope("softsign"):
        x = _activation_input(x)
        inf = abs(x) == np.inf
        xm = P.where.apply(inf, 0.0, x)
        return P.where.apply(inf, P.sign.apply(x), xm / (1.0 + abs(xm)))


def logsigmoid(x: Any) -> Tensor:
    """log(sigmoid(x)) = -softplus(-x), elementwise (PyTorch's LogSigmoid); x's shape.
    Stable: about x for x << 0 (-1000 gives -1000), -exp(-x) for x >> 0, never overflowing."""
    with engine.scope("logsigmoid"):
        return -softplus(-_activation_input(x))


def tanhshrink(x: Any) -> Tensor:
    """x - tanh(x), elementwise (PyTorch's Tanhshrink); x's shape."""
    with engine.scope("tanhshrink"):
        x = _activation_input(x)
        return x - P.tanh.apply(x)


def threshold(x: Any, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """value where x <= threshold, x elsewhere, elementwise (PyTorch's Threshold); x's shape
    and dtype (value cast to it, as PyTorch's: an integer x stays integer). A NaN entry is
    not <= anything, so it stays NaN (as in PyTorch), as does x everywhere for a NaN
    threshold. inplace as relu's."""
    if inplace is not False:  # (the function by another name: its argument `threshold` hides it)
        return _inplace_call(_threshold, x, inplace, "threshold", threshold, value)
    with engine.scope("threshold"):
        t = _number(threshold, "threshold", "threshold")
        _number(value, "value", "threshold")
        x = as_tensor(x)
        return P.where.apply(x <= t, fn._fill_value(value, x, "threshold"), x)


_threshold = threshold


def hardshrink(x: Any, lambd: float = 0.5) -> Tensor:
    """0 where |x| <= lambd, x elsewhere, elementwise (PyTorch's Hardshrink); x's shape.
    Gradient 1 where |x| > lambd, 0 inside (also at +-lambd). NaN stays NaN. A negative
    lambd leaves x unchanged (as PyTorch's)."""
    with engine.scope("hardshrink"):
        lambd = _number(lambd, "lambd", "hardshrink")
        x = _activation_input(x)
        return P.where.apply(abs(x) <= lambd, 0.0, x)


def softshrink(x: Any, lambd: float = 0.5) -> Tensor:
    """x - lambd for x > lambd, x + lambd for x < -lambd, 0 between, elementwise
    (PyTorch's Softshrink); x's shape. lambd must be a finite number >= 0. Gradient 1
    outside [-lambd, lambd], 0 inside and at the ends. NaN stays NaN."""
    with engine.scope("softshrink"):
        lambd = _softshrink_lambd(lambd, "softshrink")
        x = _activation_input(x)
        return P.where.apply(abs(x) <= lambd, 0.0, P.where.apply(x > 0, x - lambd, x + lambd))


def _softshrink_lambd(lambd: Any, where: str) -> float:
    """softshrink's threshold: a finite number >= 0 (checked by F.softshrink and nn.Softshrink)."""
    value = _number(lambd, "lambd", where)
    if not 0.0 <= value < math.inf:
        raise ValueError(f"{where}: lambd must be a finite number >= 0, got {value!r}")
    return value


def _rrelu_bounds(lower: Any, upper: Any, where: str) -> tuple[float, float]:
    lo, hi = _number(lower, "lower", where), _number(upper, "upper", where)
    if not (math.isfinite(lo) and math.isfinite(hi) and lo <= hi):
        raise ValueError(f"{where}: lower and upper must be finite with lower <= upper, got lower={lo!r}, "
                         f"upper={hi!r}")
    return lo, hi


def rrelu(x: Any, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Tensor:
    """Randomized leaky ReLU (PyTorch's RReLU): x for x > 0, a * x elsewhere; x's shape.

    In training each entry draws its own slope a ~ U(lower, upper) from the library
    generator (am.manual_seed fixes them; one draw per entry of x, whatever its sign);
    the slopes are constants, so the gradient is 1 or a. In evaluation (training=False,
    F.rrelu's default as PyTorch's) a = (lower + upper) / 2 for every entry: leaky_relu.
    Training draws cannot be compiled (a replay would reuse them): am.compile refuses
    them, as dropout. inplace as relu's.
    """
    if inplace is not False:
        return _inplace_call(rrelu, x, inplace, "rrelu", lower, upper, training)
    with engine.scope("rrelu"):
        lower, upper = _rrelu_bounds(lower, upper, "rrelu")
        train = _flag(training, "training", "rrelu")
        x = _activation_input(x)
        if not train:
            return leaky_relu(x, (lower + upper) / 2)
        if engine.tracers:
            raise RuntimeError(
                "rrelu: random slopes cannot be compiled (a replay would reuse them); compile "
                "the model in eval() mode, or call it uncompiled while training"
            )
        slopes = generator().uniform(lower, upper, x.shape).astype(x.dtype)
        return P.where.apply(x > 0, x, P.mul.apply(x, slopes))  # (slopes: made here, not copied)


def glu(x: Any, dim: int = -1) -> Tensor:
    """Gated linear unit a * sigmoid(b), a and b the two halves of x along dim
    (PyTorch's GLU): (..., 2n, ...) -> (..., n, ...)."""
    with engine.scope("glu"):
        x = _activation_input(x)
        if x.ndim == 0:
            raise ValueError("glu: expected input with at least one axis, got shape ()")
        d = _int(dim, "dim", "glu")
        if not -x.ndim <= d < x.ndim:
            raise ValueError(f"glu: dim {d} is out of range for input of shape {x.shape}")
        d %= x.ndim
        n = x.shape[d]
        if n % 2:
            raise ValueError(f"glu: the halved dimension {d} must have even length, got input of shape {x.shape}")
        before = (slice(None),) * d
        return x[before + (slice(0, n // 2),)] * P.sigmoid.apply(x[before + (slice(n // 2, n),)])


def softmax(x: Any, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """exp(x_i) / sum_j exp(x_j) along `dim` (alias `axis`), shifted by the max; same shape as x.

    Without dim, x of at most 2 axes uses the last (as PyTorch does); 3 or more
    axes raise ValueError (PyTorch's implicit dim is 0 or 1 there).
    """
    x = as_tensor(x)  # (am.softmax is the composite, with its scope: no second one around it)
    return fn.softmax(x, _dim(x, dim, axis, "softmax"))


def log_softmax(x: Any, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """x_i - log sum_j exp(x_j) along `dim` (alias `axis`): finite for any logits; same shape as x.

    dim is needed for x of 3 or more axes, as in softmax.
    """
    x = as_tensor(x)  # (as in softmax)
    return fn.log_softmax(x, _dim(x, dim, axis, "log_softmax"))


def softmin(x: Any, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """softmax(-x) along `dim` (alias `axis`): exp(-x_i) / sum_j exp(-x_j); x's shape.
    dim is needed for x of 3 or more axes, as in softmax."""
    with engine.scope("softmin"):
        x = fn._floating(as_tensor(x))
        d = _dim(x, dim, axis, "softmin")
        if x.ndim and x.shape[d] == 0:  # (else softmax's error, naming softmax)
            raise ValueError(f"softmin: nothing to reduce along axis {d} of input of shape {x.shape}")
        return fn.softmax(-x, d)


def gumbel_softmax(logits: Any, tau: float = 1.0, hard: bool = False, eps: float = 1e-10,
                   dim: int = -1) -> Tensor:
    """Gumbel-softmax (PyTorch's): a differentiable sample from the categorical distribution
    with unnormalised log-probabilities `logits`, along `dim`; the output has logits' shape.

        y_soft = softmax((logits + g) / tau, dim),   g = -log(E), E ~ Exponential(1)

    (g is Gumbel(0, 1) noise, one draw per entry, from the library generator: am.manual_seed
    fixes it). tau > 0 is the temperature. hard=True returns the one-hot of y_soft's argmax
    along dim with y_soft's gradient (PyTorch's straight-through estimator
    y_hard - y_soft.detach() + y_soft). `eps` is accepted and unused, as in PyTorch.
    The noise cannot be compiled (a replay would reuse it): am.compile refuses it, as
    dropout's mask."""
    with engine.scope("gumbel_softmax"):
        tau = _number(tau, "tau", "gumbel_softmax")
        hard = _flag(hard, "hard", "gumbel_softmax")
        x = as_tensor(logits)
        if x.dtype.kind != "f":
            raise TypeError(f"gumbel_softmax: logits must be floating, got dtype {x.dtype} (shape {x.shape})")
        if not tau > 0:
            raise ValueError(f"gumbel_softmax: tau must be > 0, got {tau} (logits of shape {x.shape})")
        d = _dim(x, dim, None, "gumbel_softmax")
        if x.ndim and x.shape[d] == 0:
            raise ValueError(f"gumbel_softmax: no categories along dim {d} of logits of shape {x.shape}")
        if engine.tracers:
            raise RuntimeError(
                f"gumbel_softmax: random noise (logits of shape {x.shape}) cannot be compiled (a replay "
                "would reuse it); call it uncompiled, or compile the deterministic part"
            )
        with np.errstate(divide="ignore"):  # (E == 0 has probability 2**-53: g = inf, as torch's)
            g = -np.log(generator().standard_exponential(x.shape))
        y_soft = fn.softmax(P.add.apply(x, g.astype(x.dtype)) / tau, d)  # (g: made here, not copied)
        if not hard:
            return y_soft
        y_hard = np.zeros(x.shape, x.dtype)  # (plain arrays: the noise keeps this off am.compile)
        if x.ndim:
            np.put_along_axis(y_hard, np.argmax(y_soft.data, axis=d, keepdims=True), 1, axis=d)
        else:
            y_hard[()] = 1
        return P.sub.apply(y_hard, y_soft.detach()) + y_soft
