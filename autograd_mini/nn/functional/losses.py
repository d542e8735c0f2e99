"""Losses: mse, l1, smooth_l1, huber, nll, cross_entropy, binary_cross_entropy (also
with logits), each reduced by mean, sum or none."""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from ... import engine
from ... import functions as fn
from ... import primitives as P
from ...engine import composite
from ...functions import as_tensor
from ...tensor import FLOAT16, Tensor, _flag
from ._args import _beta, _check_reduction, _delta, _int, _label_smoothing, _number, _reduce, _refuses_empty_mean, _same_shape


@_refuses_empty_mean
@composite
def mse_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Squared error (input - target)**2, reduced by mean (default), sum or none.

    input and target have the same shape, which 'none' keeps; mean and sum give
    a 0-d tensor. Two integer (or bool) ones are taken in the default float dtype.

    Up to 4096 elements the sum of squares is the inner product d . d of the
    flattened difference: one node and one BLAS call where d * d then a sum
    take two nodes and, in the backward, five numpy calls instead of three (the
    paper's single-sample step is dominated by such per-node costs). Larger
    ones take d * d and a sum, as BLAS's dot sums long float32 vectors less
    accurately than numpy's pairwise sum.
    """
    _check_reduction(reduction, "mse_loss")
    input, target = as_tensor(input), as_tensor(target)
    _same_shape(input, target, "mse_loss")
    if input.dtype.kind in "biu" and target.dtype.kind in "biu":
        # (in the default float dtype, as softmax takes integers: their difference
        # and its square wrap, uint8 3 - 5 being 254, and bools have no difference)
        dtype = fn.get_default_dtype()
        input, target = input.astype(dtype), target.astype(dtype)
    d = input - target
    if d.dtype.kind == "c":  # (d * d is not |d|**2; PyTorch has no complex mse_loss either)
        raise TypeError(
            f"mse_loss: complex input (dtype {d.dtype}) is not supported; use ((a - b).abs() ** 2).mean()"
        )
    if d.dtype == FLOAT16:  # (squares of float16 overflow their sum at 65504 long before the mean does)
        return mse_loss(input.astype(np.float32), target.astype(np.float32), reduction).astype(np.float16)
    if reduction == "none" or d.data.size == 0:
        return _reduce(d * d, reduction, "mse_loss")
    if d.data.size > 4096:  # (BLAS's dot sums long float32 vectors less accurately than numpy)
        return _reduce(d * d, reduction, "mse_loss")
    flat = d if d.ndim == 1 else d.reshape(-1)
    total = flat @ flat
    return fn._divided(total, d.data.size) if reduction == "mean" else total  # (as am.mean divides)


def _difference(input: Any, target: Any, where: str) -> Tensor:
    """input - target for the elementwise losses: same shapes; integers (or bools) in the
    default float dtype (their difference would wrap); complex refused."""
    input, target = as_tensor(input), as_tensor(target)
    _same_shape(input, target, where)
    if input.dtype.kind in "biu" and target.dtype.kind in "biu":
        dtype = fn.get_default_dtype()
        input, target = input.astype(dtype), target.astype(dtype)
    d = input - target
    if d.dtype.kind == "c":
        raise TypeError(f"{where}: complex input (dtype {d.dtype}, shape {d.shape}) is not supported")
    return d


@_refuses_empty_mean
def l1_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Absolute error |input - target|, reduced by mean (default), sum or none.

    input and target have the same shape, which 'none' keeps. The gradient at
    input == target is 0 (abs's, as PyTorch's sign(0)).
    """
    with engine.scope("l1_loss"):
        _check_reduction(reduction, "l1_loss")
        return _reduce(abs(_difference(input, target, "l1_loss")), reduction, "l1_loss")


def _piecewise_quadratic(d: Tensor, width: float, scale: float) -> Tensor:
    """0.5 d**2 * scale where |d| < width, (|d| - 0.5 width) * width * scale elsewhere.

    The quadratic branch sees d only where it is taken (0 elsewhere), so an
    infinite d gives inf with gradient +-1 * width * scale, not the NaN of 0 * inf."""
    small = abs(d) < width
    ds = P.where.apply(small, d, 0.0)
    return P.where.apply(small, (0.5 * scale) * (ds * ds), (abs(d) - 0.5 * width) * (width * scale))


@_refuses_empty_mean
def smooth_l1_loss(input: Any, target: Any, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """0.5 d**2 / beta where |d| < beta, |d| - 0.5 beta elsewhere, d = input - target (PyTorch's).

    Same shapes; beta >= 0, and beta = 0 is l1_loss. Reduced by mean, sum or none.
    """
    with engine.scope("smooth_l1_loss"):
        _check_reduction(reduction, "smooth_l1_loss")
        beta = _beta(beta, "smooth_l1_loss")
        d = _difference(input, target, "smooth_l1_loss")
        if beta == 0.0:
            return _reduce(abs(d), reduction, "smooth_l1_loss")
        return _reduce(_piecewise_quadratic(d, beta, 1.0 / beta), reduction, "smooth_l1_loss")


@_refuses_empty_mean
def huber_loss(input: Any, target: Any, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """0.5 d**2 where |d| < delta, delta (|d| - 0.5 delta) elsewhere, d = input - target.

    Same shapes; delta > 0. huber_loss(delta) = delta * smooth_l1_loss(beta=delta).
    """
    with engine.scope("huber_loss"):
        _check_reduction(reduction, "huber_loss")
        delta = _delta(delta, "huber_loss")
        d = _difference(input, target, "huber_loss")
        return _reduce(_piecewise_quadratic(d, delta, 1.0), reduction, "huber_loss")


def _class_targets(log_probs: Tensor, target: Any, where: str) -> np.ndarray:
    """Check the dtype and shape of integer class labels for scores (N, C, d1, ...) or
    (C,) (one sample); return them as an array: a copy (the graph keeps them until its
    backward, and a caller may refill its array meanwhile), or while am.compile records
    the argument's own array, which the tape recognises. Their range is checked by
    the `pick` primitive, so a compiled replay checks it too."""
    t = np.asanyarray(target.data if isinstance(target, Tensor) else target)
    if not engine.tracers and t is (target.data if isinstance(target, Tensor) else target):
        t = t.copy()
    if log_probs.ndim < 1:
        raise ValueError(f"{where}: expected input of shape (C,), (N, C) or (N, C, d1, ...), got {log_probs.shape}")
    C = log_probs.shape[_class_axis(log_probs)]
    expected = log_probs.shape[:1] + log_probs.shape[2:] if log_probs.ndim > 1 else ()
    if t.dtype.kind not in "iu":
        if t.shape == log_probs.shape:
            # One-hot rows or class probabilities (PyTorch's other target form, and
            # higham_drilling's Y): .astype(int) would only move on to a shape error.
            raise ValueError(
                f"{where}: target of shape {t.shape} and dtype {t.dtype} has the input's shape, as "
                f"one-hot rows or class probabilities would; only integer class labels in [0, {C - 1}] "
                f"are taken: for one-hot rows pass np.argmax(target, axis={_class_axis(log_probs)}); "
                "for probabilities sum -target * F.log_softmax(logits) over the class axis"
            )
        if where == "cross_entropy" and t.dtype.kind == "f" and t.ndim == log_probs.ndim:
            # (a float target of the input's rank: class probabilities of the wrong shape,
            # which .astype(int) would turn into labels of the wrong shape, 0s)
            raise ValueError(
                f"{where}: a float target is taken as class probabilities of the input's shape "
                f"{log_probs.shape}, got shape {t.shape}; integer class labels in [0, {C - 1}] have "
                f"shape {expected}"
            )
        raise ValueError(
            f"{where}: target must hold integer class labels in [0, {C - 1}], got dtype {t.dtype} "
            f"(shape {t.shape}, input of shape {log_probs.shape}; convert with .astype(int))"
        )
    if t.shape != expected:
        raise ValueError(
            f"{where}: target of shape {t.shape} does not fit input of shape {log_probs.shape} "
            f"(expected {expected})"
        )
    return t


def _class_axis(scores: Tensor) -> int:
    """Classes lie along axis 1 of a batch (N, C, ...), along axis 0 of one sample (C,)."""
    return 1 if scores.ndim > 1 else 0


def _ignore_index(ignore_index: Any, where: str) -> int:
    return _int(ignore_index, "ignore_index", where)


def _ignored(labels: np.ndarray, ignore_index: int) -> bool:
    """Take the masked path? Always while am.compile records (a replay may bring ignored
    labels), else only when some label is ignore_index (the plain path records fewer nodes)."""
    return bool(engine.tracers) or bool(labels.size and (labels == ignore_index).any())


def _masked(loss_of: Callable[[Any], Tensor], labels: np.ndarray, ignore_index: int,
            reduction: str, dtype: np.dtype) -> Tensor:
    """loss_of(labels with ignore_index replaced by 0), 0 where the label is ignore_index,
    reduced; 'mean' divides by the number of labels that are not ignored (0 / 0 = NaN
    when every one is, as PyTorch). Made of ops, so a compiled replay masks its own labels."""
    with engine.no_grad():
        keep = P.ne.apply(labels, ignore_index)
        safe = P.where.apply(keep, labels, 0)  # (ignored labels pick class 0, then masked)
    loss = P.where.apply(keep, loss_of(safe), 0.0)
    if reduction == "none":
        return loss
    total = loss.sum()
    if reduction == "sum":
        return total
    with engine.no_grad():
        count = P.sum.apply(P.astype.apply(keep, dtype=dtype))
        # (every label ignored: 0 / 0 is NaN; dividing by a NaN count gives it without
        # numpy's divide-by-zero warnings, forward or backward, where the mask zeroes it)
        count = P.where.apply(P.gt.apply(count, 0), count, np.nan)
    return P.div.apply(total, count)


def _weight_shape(w: Any, what: str, where: str) -> tuple:
    """The shape of a loss's weight (or pos_weight): a Tensor, an ndarray or a sequence of
    floating-point numbers (integers are refused, as PyTorch refuses them; any values,
    negative ones too, are taken)."""
    data = w.data if isinstance(w, Tensor) else w
    try:
        arr = data if isinstance(data, np.ndarray) else np.asarray(data)
    except (TypeError, ValueError):  # (ragged sequences)
        arr = None
    if arr is None or arr.dtype.kind != "f":
        got = f"dtype {arr.dtype} (shape {arr.shape})" if arr is not None else f"a {type(w).__name__}"
        raise TypeError(
            f"{where}: {what} must be a tensor or array of floating-point numbers, got {got}"
            + ("; convert with .astype(float)" if arr is not None and arr.dtype.kind in "biu" else "")
        )
    return arr.shape


def _class_weight(weight: Any, scores: Tensor, where: str) -> None:
    """Check a per-class weight for scores (N, C, ...) or (C,): floats of shape (C,)."""
    shape = _weight_shape(weight, "weight", where)
    if scores.ndim == 0:  # (refused by _class_targets, with the shapes it takes)
        return
    C = scores.shape[_class_axis(scores)]
    if shape != (C,):
        raise ValueError(
            f"{where}: weight must be a 1-D tensor of length C = {C}, one per class of input of "
            f"shape {scores.shape}, got shape {shape}"
        )


def _elementwise_weight(weight: Any, what: str, x: Tensor, where: str) -> None:
    """Check a weight that rescales each element: floats of a shape that broadcasts to x's."""
    shape = _weight_shape(weight, what, where)
    if not fn._broadcasts_to(shape, x.shape):
        raise ValueError(f"{where}: {what} of shape {shape} does not broadcast to input's shape {x.shape}")


def _weight_in(w: Any, dtype: np.dtype) -> Tensor:
    """A weight as a tensor in the loss's dtype (a float64 array is not let upcast a
    float32 loss): converted by the astype primitive, so a weight that requires grad
    keeps it and am.compile reads a buffer afresh on every replay."""
    t = as_tensor(w)
    return t if t.dtype == dtype else P.astype.apply(t, dtype=dtype)


def _weighted(loss_of: Callable[[Any, Tensor, Tensor], Tensor], scores: Tensor, labels: np.ndarray,
              weight: Any, ignore_index: int, reduction: str, where: str) -> Tensor:
    """A class-weighted loss (PyTorch's): loss_of(labels, w[labels], w shaped to broadcast
    along the class axis) gives each position's weighted loss; positions whose label is
    ignore_index have loss 0; 'mean' divides the sum by the sum of w[label] over the
    labels not ignored (0 / 0 = NaN when that is 0, as PyTorch)."""
    if reduction == "mean" and labels.size == 0:
        raise ValueError(
            f"{where}: reduction='mean' of an empty batch (labels of shape {labels.shape}) has nothing to average"
        )
    axis = _class_axis(scores)
    w = _weight_in(weight, scores.dtype)
    wb = w.reshape(w.shape + (1,) * (scores.ndim - 2)) if scores.ndim > 2 else w
    masked = _ignored(labels, ignore_index)
    t: Any = labels
    if masked:
        with engine.no_grad():
            keep = P.ne.apply(labels, ignore_index)
            t = P.where.apply(keep, labels, 0)  # (ignored labels pick class 0, then masked)
    wt = P.pick.apply(P.broadcast_to.apply(wb, shape=scores.shape), t, axis=axis)
    loss = loss_of(t, wt, wb)
    if masked:
        loss = P.where.apply(keep, loss, 0.0)
    if reduction == "none":
        return loss
    total = loss.sum()
    if reduction == "sum":
        return total
    if masked:
        wt = P.where.apply(keep, wt, 0.0)
    den = wt.sum()
    with engine.no_grad():
        nonzero = P.ne.apply(den, 0.0)
    # (weights of the labels present summing to 0: 0 / 0 is NaN, as PyTorch's; dividing by a
    # NaN gives it without numpy's divide-by-zero warnings, and no gradient reaches the weight
    # through the denominator; PyTorch's input gradient is then NaN too, 0 at ignored labels)
    return P.div.apply(total, P.where.apply(nonzero, den, np.nan))


@_refuses_empty_mean
def nll_loss(log_probs: Any, target: Any, reduction: str = "mean", ignore_index: int = -100, *,
             weight: Any = None) -> Tensor:
    """Negative log-likelihood -log_probs[n, target[n]] of integer class labels.

    log_probs (N, C) or (N, C, d1, ...), or (C,) for one sample; target (N,),
    (N, d1, ...) or () with labels in [0, C) or equal to ignore_index, whose
    positions have loss 0 ('none') and are left out of the sum; 'mean' averages
    over the labels that are not ignored (all of them ignored: NaN, 0 / 0, as
    PyTorch, with a zero gradient).

    weight (keyword): a 1-D tensor or array of C floats (PyTorch's per-class rescaling,
    any values), taken in log_probs' dtype: loss_n = -weight[target[n]] log_probs[n,
    target[n]], and 'mean' divides the sum by the sum of weight[target[n]] over the
    labels not ignored (not by their number; a sum of 0 gives NaN, as PyTorch).
    Unlike PyTorch's, the loss is differentiable in a weight that requires grad.
    """
    with engine.scope("nll_loss"):
        _check_reduction(reduction, "nll_loss")
        ignore_index = _ignore_index(ignore_index, "nll_loss")
        log_probs = as_tensor(log_probs)
        labels = _class_targets(log_probs, target, "nll_loss")
        axis = _class_axis(log_probs)
        if weight is not None:
            _class_weight(weight, log_probs, "nll_loss")
            if log_probs.dtype.kind != "f":
                log_probs = log_probs.astype(fn.get_default_dtype())
            return _weighted(lambda t, wt, wb: wt * -P.pick.apply(log_probs, t, axis=axis), log_probs,
                             labels, weight, ignore_index, reduction, "nll_loss")
        if _ignored(labels, ignore_index):
            dtype = log_probs.dtype if log_probs.dtype.kind == "f" else fn.get_default_dtype()
            return _masked(lambda t: -P.pick.apply(log_probs, t, axis=axis), labels, ignore_index,
                           reduction, dtype)
        # Picking the labelled entries is a select, not a multiply by a one-hot
        # mask (0 * -inf would be NaN for a class with probability 0). Two nodes
        # (pick, neg) where a one-hot `where` and a sum over classes take
        # three: fwd + bwd of (128, 10) in three quarters of their time, of
        # (8, 21, 64, 64) in a fifth. The labels are pick's input, so a compiled
        # tape replays with (and checks) each call's labels.
        return _reduce(-P.pick.apply(log_probs, labels, axis=axis), reduction, "nll_loss")


@_refuses_empty_mean
def cross_entropy(input: Any, target: Any, reduction: str = "mean", ignore_index: int = -100,
                  label_smoothing: float = 0.0, *, weight: Any = None) -> Tensor:
    """Softmax cross-entropy of logits (N, C), (N, C, d1, ...) or (C,) with integer labels
    (or, as PyTorch, with class probabilities of the input's shape: see below).

    input: raw class scores (logits), not probabilities: the softmax is taken
    here, so a model that ends in a softmax gets it twice (and learns slowly).
    loss_n = logsumexp_c(input[n, c]) - input[n, target[n]] = nll_loss(log_softmax(input, 1)),
    whose gradient for the logits is softmax(input)[n] - onehot(target[n]) (divided
    by the number of labels for 'mean'), found from the primitives' VJPs, not written here;
    computed as log sum_c exp(z[n, c]) - z[n, target[n]] with z = input - max_c input:
    the shift (a constant) cancels, and z <= 0 cannot overflow exp.
    target: integer labels (N,), (N, d1, ...) or () in [0, C), an ndarray or an
    integer Tensor (one-hot float rows are the class-probability form below, the same
    loss; np.argmax(onehot, axis=1) gives the labels);
    passed as an argument of an am.compile'd function, each call's labels are used
    and range-checked.
    reduction: 'mean' (default) or 'sum' give a scalar (), 'none' the losses
    loss_n of the target's shape.

    ignore_index: positions whose label equals it have loss 0 and take no part;
    'mean' divides by the number of the other labels (every label ignored:
    NaN, 0 / 0, as PyTorch, with a zero gradient). Other labels must be in [0, C).
    label_smoothing = e in [0, 1] (PyTorch's): the target is the mixture
    (1 - e) onehot + e / C of the label and the uniform distribution, so
    loss_n = (1 - e) (-log p[n, t]) + e / C sum_c (-log p[n, c]); with
    ignore_index, ignored positions drop out of both terms and 'mean' divides
    the sum by the number of labels not ignored, as PyTorch does.

    weight (keyword): a 1-D tensor or array of C floats (PyTorch's per-class rescaling,
    any values), taken in the input's dtype. With l_c = -log p[n, c]:
    loss_n = (1 - e) weight[t] l_t + e / C sum_c weight[c] l_c (t = target[n]: the
    smoothing term weighs every class by its own weight, as PyTorch's), 0 where t is
    ignore_index; 'mean' divides the sum of both terms by the sum of weight[target[n]]
    over the labels not ignored (not by their number; a sum of 0 gives NaN, 0 / 0,
    as PyTorch). Unlike PyTorch's, the loss is differentiable in a weight that
    requires grad.

    Class probabilities (PyTorch's other target form: soft labels, distillation): a
    float target of the input's shape, t[n, c] (not checked to sum to 1, as PyTorch);
    loss_n = -sum_c weight[c] t'[n, c] log p[n, c] with t' = (1 - e) t + e / C; 'mean'
    divides by the number of positions N (times d1 ...), with or without weight;
    differentiable in t too. ignore_index must stay -100 (there are no labels).
    """
    with engine.scope("cross_entropy"):
        _check_reduction(reduction, "cross_entropy")
        ignore_index = _ignore_index(ignore_index, "cross_entropy")
        eps = _label_smoothing(label_smoothing, "cross_entropy")
        input = fn._floating(as_tensor(input))
        if weight is not None:
            _class_weight(weight, input, "cross_entropy")
        if input.dtype == FLOAT16:  # (the sum of exponentials overflows float16 at 65504, as in softmax)
            return cross_entropy(input.astype(np.float32), target, reduction, ignore_index,
                                 eps, weight=weight).astype(np.float16)
        if _probability_targets(input, target):
            return _soft_cross_entropy(input, target, reduction, ignore_index, eps, weight)
        labels = _class_targets(input, target, "cross_entropy")
        axis = _class_axis(input)
        # (8 nodes where nll_loss(log_softmax(...)) records 9: fwd + bwd of W2's (128, 10)
        # logits take 140 us against 160 us; 220 us when log_softmax still recorded one
        # node more, x - logsumexp(x), and the pair 10.)
        z = input - fn._shift("cross_entropy", input, axis)
        lse = z.exp().sum(axis=axis).log()

        if weight is not None:
            C = input.shape[axis]

            def weighted_loss_of(t: Any, wt: Tensor, wb: Tensor) -> Tensor:
                # -log p = lse - z, with lse put back on the class axis (a view's reshape)
                nlp = lse.reshape(input.shape[:axis] + (1,) + input.shape[axis + 1:]) - z
                nll = wt * P.pick.apply(nlp, t, axis=axis)
                if eps == 0.0:
                    return nll
                return (1.0 - eps) * nll + (eps / C) * (nlp * wb).sum(axis=axis)

            return _weighted(weighted_loss_of, input, labels, weight, ignore_index, reduction, "cross_entropy")

        def loss_of(t: Any) -> Tensor:
            if eps == 0.0:
                return lse - P.pick.apply(z, t, axis=axis)
            # (1 - e)(lse - z_t) + e/C sum_c (lse - z_c) = lse - (1 - e) z_t - e/C sum_c z_c
            C = input.shape[axis]
            smooth = z.sum(axis=axis) * (eps / C)
            return lse - (1.0 - eps) * P.pick.apply(z, t, axis=axis) - smooth

        if _ignored(labels, ignore_index):
            return _masked(loss_of, labels, ignore_index, reduction, input.dtype)
        return _reduce(loss_of(labels), reduction, "cross_entropy")


def _probability_targets(scores: Tensor, target: Any) -> bool:
    """Is target PyTorch's other form, class probabilities: floats of the scores' shape?"""
    t = target.data if isinstance(target, Tensor) else target
    if not isinstance(t, np.ndarray):
        if not isinstance(t, (list, tuple)):
            return False
        t = np.asarray(t)
    return t.dtype.kind == "f" and scores.ndim >= 1 and t.shape == scores.shape


def _soft_cross_entropy(input: Tensor, target: Any, reduction: str, ignore_index: int, eps: float,
                        weight: Any) -> Tensor:
    """cross_entropy with targets of class probabilities t (input's shape), as PyTorch:
    loss_n = -sum_c weight[c] t'[n, c] log p[n, c], t' = (1 - e) t + e / C (e: label
    smoothing); 'mean' divides the sum by the number of samples N (times d1 ...),
    not by a sum of weights. Differentiable in the target too (distillation)."""
    if ignore_index != -100:
        raise ValueError(
            f"cross_entropy: ignore_index={ignore_index} applies to integer class labels; a target of "
            f"class probabilities (shape {input.shape}, the input's) has no labels to ignore "
            "(PyTorch refuses it too): leave ignore_index at -100 or give a zero row instead"
        )
    axis = _class_axis(input)
    C = input.shape[axis]
    t = as_tensor(target)
    if t.dtype != input.dtype:
        t = t.astype(input.dtype)
    if eps != 0.0:
        t = t * (1.0 - eps) + eps / C
    if weight is not None:
        w = _weight_in(weight, input.dtype)
        t = t * (w.reshape(w.shape + (1,) * (input.ndim - 2)) if input.ndim > 2 else w)
    z = input - fn._shift("cross_entropy", input, axis)
    lse = z.exp().sum(axis=axis, keepdims=True).log()
    return _reduce((t * (lse - z)).sum(axis=axis), reduction, "cross_entropy")


def _clamped_log(p: Tensor) -> Tensor:
    """max(log p, -100) as PyTorch's BCE, with a zero (not NaN) gradient where clamped."""
    with engine.no_grad():  # (recorded, not read from p.data: am.compile replays it)
        # log p > -100 in p's dtype, where log never sees a 0 (so no errstate to set):
        # comparing p with e**-100 instead rounds that bound to p's dtype (float32's
        # subnormals moved it by an ulp)
        positive = p > 0.0
        ok = P.where.apply(positive, P.where.apply(positive, p, 1.0).log() > -100.0, False)
    return P.where.apply(ok, P.where.apply(ok, p, 1.0).log(), -100.0)


def _probabilities(p: Tensor) -> bool:
    """Does p hold only numbers in [0, 1] (no NaN)? While am.compile records, the test is
    made of ops that its tape keeps and checks on every replay, as eager checks every call."""
    if not engine.tracers:
        return bool(((p.data >= 0) & (p.data <= 1)).all())
    with engine.no_grad():
        ok = [P.ge.apply(P.min.apply(p), 0.0), P.le.apply(P.max.apply(p), 1.0)]
    for t in ok:
        engine.tracers[-1].check(t)
    return all(bool(t.data) for t in ok)


@_refuses_empty_mean
def binary_cross_entropy(input: Any, target: Any, reduction: str = "mean", *, weight: Any = None) -> Tensor:
    """-(y log p + (1 - y) log(1 - p)) for probabilities p in [0, 1], same shapes.

    Each log is clamped below at -100 (as PyTorch), so p = 0 or 1 give finite
    values and gradients. The gradient is that of the clamped function: a
    clamped log contributes 0 and the other its exact derivative. PyTorch
    instead divides p - y by max(p (1 - p), 1e-12), so the two differ wherever
    p (1 - p) < 1e-12 (p = sigmoid(x) with |x| above about 27.6), not only at
    the clamp; binary_cross_entropy_with_logits is exact there.

    weight (keyword): floats of a shape that broadcasts to the input's (PyTorch's
    rescaling of each element's loss, any values), taken in the loss's dtype; the
    loss is weight * loss, and 'mean' is still the mean over the elements.
    Unlike PyTorch's, the loss is differentiable in a weight that requires grad.
    """
    with engine.scope("binary_cross_entropy"):
        _check_reduction(reduction, "binary_cross_entropy")
        p, y = as_tensor(input), as_tensor(target)
        _same_shape(p, y, "binary_cross_entropy")
        if weight is not None:
            _elementwise_weight(weight, "weight", p, "binary_cross_entropy")
        if p.size and not _probabilities(p):
            raise ValueError("binary_cross_entropy: input must hold probabilities in [0, 1]")
        # Summing the two negated terms (not negating the sum) never gives -0.0.
        loss = y * -_clamped_log(p) + (1.0 - y) * -_clamped_log(1.0 - p)
        if weight is not None:
            loss = loss * _weight_in(weight, loss.dtype)
        return _reduce(loss, reduction, "binary_cross_entropy")


@_refuses_empty_mean
def binary_cross_entropy_with_logits(input: Any, target: Any, reduction: str = "mean", *,
                                     weight: Any = None, pos_weight: Any = None) -> Tensor:
    """binary_cross_entropy(sigmoid(x), y) computed stably from the logits x:

        (1 - y) x + log1p(exp(-x))   for x >= 0,
        log1p(exp(x)) - x y          for x < 0,

    finite for any finite x (exp never overflows) and accurate where the
    loss is tiny (log1p keeps e**-40 where log(1 + e**-40) rounds to 0;
    (1 - y) x does not cancel as x - x y would). Each branch is smooth and
    sees only its own side's x (0 on the other), so derivatives of every
    order are right, also at x = 0 (where max(x, 0) and |x| would have
    corners). An infinite logit on its target's side (x = inf with y = 1,
    x = -inf with y = 0) has loss 0 and x-gradient 0, its limits, not the
    NaN of inf * 0 (y's gradient, which has no limit there, is taken as 0, and
    so is the mixed second derivative, -1 at every finite x); on the other
    side the loss is inf. x and y have the same shape.

    weight and pos_weight (keywords, PyTorch's; floats of shapes that broadcast to
    x's, taken in the loss's dtype, any values): the loss is
    -weight (pos_weight y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))), so a
    pos_weight of shape (C,) weighs the positive term of each class (the last
    axis, by numpy's broadcasting: for (N, C, H, W) pass shape (C, 1, 1)).
    With L = 1 + (pos_weight - 1) y it is computed as stably as above:

        (1 - y) x + L log1p(exp(-x))           for x >= 0,
        L log1p(exp(x)) - pos_weight x y       for x < 0.

    'mean' is the mean over the elements. Unlike PyTorch's, the loss is
    differentiable in a weight or pos_weight that requires grad.
    """
    with engine.scope("binary_cross_entropy_with_logits"):
        _check_reduction(reduction, "binary_cross_entropy_with_logits")
        x, y = as_tensor(input), as_tensor(target)
        _same_shape(x, y, "binary_cross_entropy_with_logits")
        for name, w in (("weight", weight), ("pos_weight", pos_weight)):
            if w is not None:
                _elementwise_weight(w, name, x, "binary_cross_entropy_with_logits")
        right = x >= 0
        xp, xn = P.where.apply(right, x, 0.0), P.where.apply(right, 0.0, x)
        # (the x multiplying a zero weight is replaced by 0: inf * 0 would be NaN)
        xpy = P.where.apply((y == 1) * (xp == np.inf), 0.0, xp)  # (bool * bool: and)
        xny = P.where.apply((y == 0) * (xn == -np.inf), 0.0, xn)
        if pos_weight is None:
            loss = P.where.apply(right, (1.0 - y) * xpy + P.log1p.apply((-xp).exp()),
                                 P.log1p.apply(xn.exp()) - xny * y)
        else:
            pw = _weight_in(pos_weight, np.result_type(x.dtype, y.dtype, np.float16))
            L = 1.0 + (pw - 1.0) * y
            loss = P.where.apply(right, (1.0 - y) * xpy + L * P.log1p.apply((-xp).exp()),
                                 L * P.log1p.apply(xn.exp()) - xny * (pw * y))
        if weight is not None:
            loss = loss * _weight_in(weight, loss.dtype)
        return _reduce(loss, reduction, "binary_cross_entropy_with_logits")


# -- divergences and likelihoods of other distributions -------------------------------------


def _floats(where: str, **named: Any) -> tuple:
    """The named arguments as floating tensors (integers in the default float dtype, complex
    refused) and their common shape under numpy's broadcasting (a ValueError naming the op
    and every shape otherwise)."""
    from .distances import _broadcast  # (distances imports nothing from here)

    ts = {}
    for k, v in named.items():
        t = fn._floating(as_tensor(v))
        if t.dtype.kind not in "f":
            raise TypeError(f"{where}: {k} must be real numbers, got dtype {t.dtype} (shape {t.shape})")
        ts[k] = t
    return (*ts.values(), _broadcast(where, **ts))


def _xlogx(t: Tensor) -> Tensor:
    """t log t with 0 log 0 = 0 (PyTorch's xlogy convention) and NaN for t < 0; its gradient
    log t + 1 is taken as 0 at t = 0 (where it is -inf; PyTorch gives NaN)."""
    with engine.no_grad():
        positive = t > 0.0
        zero = t == 0.0
    safe = P.where.apply(positive, t, 1.0)
    # (t * 0.0 rather than a Python 0.0, which with the NaN would give a float64 array)
    return P.where.apply(positive, t * safe.log(), P.where.apply(zero, t * 0.0, np.nan))


@_refuses_empty_mean
def kl_div(input: Any, target: Any, *, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """Kullback-Leibler divergence pointwise, with input the log-probabilities (PyTorch's):

        log_target=False:  target (log target - input)   (0 where target == 0: 0 log 0 = 0)
        log_target=True:   exp(target) (target - input)

    input and target broadcast (numpy's rules) to the shape 'none' returns. reduction:
    'mean' (default, as PyTorch; the mean over every element, which is not the KL
    divergence), 'batchmean' (the sum divided by input.shape[0], the divergence per
    sample; the sum for a 0-d input), 'sum' or 'none'. A target < 0 gives NaN (its log);
    the gradient in target at target == 0 is taken as 0 (it is -inf there).
    """
    with engine.scope("kl_div"):
        if reduction != "batchmean":
            _check_reduction(reduction, "kl_div")
        log_target = _flag(log_target, "log_target", "kl_div")
        x, t, shape = _floats("kl_div", input=input, target=target)
        if reduction == "batchmean" and x.ndim and x.shape[0] == 0:  # (refused before the loss's nodes)
            raise ValueError(f"kl_div: reduction='batchmean' of an empty batch (input of shape {x.shape}, "
                             f"target of shape {t.shape})")
        loss = t.exp() * (t - x) if log_target else _xlogx(t) - t * x
        if reduction != "batchmean":
            return _reduce(loss, reduction, "kl_div")
        if x.ndim == 0:
            return loss.sum()
        return fn._divided(loss.sum(), x.shape[0])


@_refuses_empty_mean
def poisson_nll_loss(input: Any, target: Any, log_input: bool = True, full: bool = False, *,
                     eps: float = 1e-8, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of target under a Poisson distribution of rate input (PyTorch's):

        log_input=True:   exp(input) - target input          (input is the log-rate)
        log_input=False:  input - target log(input + eps)

    full adds Stirling's approximation of log(target!): target log target - target +
    0.5 log(2 pi target), where target > 1 (0 elsewhere). input and target broadcast
    (numpy's rules) to the shape 'none' returns; reduction 'mean' (default), 'sum' or 'none'.
    """
    with engine.scope("poisson_nll_loss"):
        _check_reduction(reduction, "poisson_nll_loss")
        log_input = _flag(log_input, "log_input", "poisson_nll_loss")
        full = _flag(full, "full", "poisson_nll_loss")
        eps = _number(eps, "eps", "poisson_nll_loss")
        x, t, shape = _floats("poisson_nll_loss", input=input, target=target)
        loss = x.exp() - t * x if log_input else x - t * (x + eps).log()
        if full:
            with engine.no_grad():
                big = t > 1.0
            tb = P.where.apply(big, t, 1.0)  # (log never sees t <= 1, whose term is 0)
            stirling = tb * tb.log() - tb + 0.5 * (tb * (2.0 * math.pi)).log()
            loss = loss + P.where.apply(big, stirling, 0.0)
        return _reduce(loss, reduction, "poisson_nll_loss")


def _nonnegative(v: Tensor, where: str) -> None:
    """Refuse a var with an entry < 0; while am.compile records, the test is made of ops its
    tape keeps and checks on every replay."""
    if not v.size:
        return
    if not engine.tracers:
        if bool((v.data < 0).any()):
            raise ValueError(f"{where}: var (shape {v.shape}) has negative entries")
        return
    with engine.no_grad():
        ok = P.ge.apply(P.min.apply(v), 0.0)
    engine.tracers[-1].check(ok)
    if not bool(ok.data):
        raise ValueError(f"{where}: var (shape {v.shape}) has negative entries")


@_refuses_empty_mean
def gaussian_nll_loss(input: Any, target: Any, var: Any, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of target under N(input, var) (PyTorch's):

        0.5 (log max(var, eps) + (input - target)**2 / max(var, eps))   (+ 0.5 log(2 pi) if full)

    input and target broadcast (numpy's rules). var: a number, or a tensor of input's
    shape (one variance per expectation), or of input's shape without its last axis or
    with one axis of length 1 (shared along it; PyTorch's rule); entries must be >= 0.
    As PyTorch documents, the clamp at eps is ignored by autograd: where var < eps the
    value uses eps and the gradient in var is the one at eps, as if var were eps.
    Reduction 'mean' (default), 'sum' or 'none' (the broadcast shape).
    """
    with engine.scope("gaussian_nll_loss"):
        _check_reduction(reduction, "gaussian_nll_loss")
        full = _flag(full, "full", "gaussian_nll_loss")
        eps = _number(eps, "eps", "gaussian_nll_loss")
        x, y, _ = _floats("gaussian_nll_loss", input=input, target=target)
        if isinstance(var, (int, float, np.integer, np.floating)) and not isinstance(var, bool):
            if not var >= 0:
                raise ValueError(f"gaussian_nll_loss: var must be >= 0, got {var!r}")
            v = Tensor(np.asarray(var, dtype=x.dtype))
        else:
            v = fn._floating(as_tensor(var))
            if v.shape != x.shape:
                if v.shape == x.shape[:-1]:
                    v = v.reshape(v.shape + (1,))
                elif not (v.ndim == x.ndim and [b for a, b in zip(x.shape, v.shape) if a != b] == [1]):
                    raise ValueError(
                        f"gaussian_nll_loss: var of shape {v.shape} does not fit input of shape {x.shape} "
                        "(expected the input's shape, that shape without its last axis, or with one axis of length 1)")
            _nonnegative(v, "gaussian_nll_loss")
        _floats("gaussian_nll_loss", input=x, target=y, var=v)  # (the three broadcast together)
        with engine.no_grad():
            small = v < eps
            minus_v = -v
        # max(var, eps): exactly eps below it, with the gradient 1 in var (v + -v is 0 there)
        vc = P.where.apply(small, (v + minus_v) + eps, v)
        d = x - y
        loss = 0.5 * (vc.log() + d * d / vc)
        if full:
            loss = loss + 0.5 * math.log(2 * math.pi)
        return _reduce(loss, reduction, "gaussian_nll_loss")
