"""L-BFGS: a quasi-Newton method that needs a closure, PyTorch's algorithm.

Each `step(closure)` runs up to `max_iter` iterations on the flattened vector of
all parameters x (of length n, the total number of elements). With gradient g,
the last `history_size` pairs s_k = x_{k+1} - x_k, y_k = g_{k+1} - g_k (kept when
y_k . s_k > 1e-10) and H0 = (y . s) / (y . y) of the newest pair, the two-loop
recursion gives the direction d = -H g. The step length is lr (lr * min(1, 1/|g|_1)
on the very first iteration), or, with line_search_fn="strong_wolfe", the result of
a line search that meets the strong Wolfe conditions (c1=1e-4, c2=0.9, at most what
is left of max_eval in this step, as PyTorch 2.13's; cubic interpolation, bracketing
then zoom), started at that length.
It stops when max|g| <= tolerance_grad, the loss or the step changes less than
tolerance_change, or after max_eval closure evaluations.

    opt = am.optim.LBFGS(model.parameters(), lr=1, line_search_fn="strong_wolfe")
    def closure():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        return loss
    opt.step(closure)
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Callable, Iterable

import numpy as np

from ..engine import _root, enable_grad, stepped, tracers
from ..tensor import Tensor
from .optimizer import Optimizer, _nonnegative


def _cubic_interpolate(x1: float, f1: float, g1: float, x2: float, f2: float, g2: float,
                       bounds: tuple[float, float] | None = None) -> float:
    """The minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), clipped to bounds
    (by default [min(x1, x2), max(x1, x2)]); the bounds' midpoint if the cubic has none."""
    if bounds is not None:
        xmin_bound, xmax_bound = bounds
    else:
        xmin_bound, xmax_bound = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1**2 - g1 * g2
    if d2_square >= 0:
        d2 = math.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, xmin_bound), xmax_bound)
    return (xmin_bound + xmax_bound) / 2.0


def _strong_wolfe(obj_func: Callable, x: list, t: float, d: np.ndarray, f: float, g: np.ndarray,
                  gtd: float, c1: float = 1e-4, c2: float = 0.9, tolerance_change: float = 1e-9,
                  max_ls: int = 25) -> tuple[float, np.ndarray, float, int]:
    """PyTorch's strong-Wolfe line search along d from x (loss f, gradient g, slope gtd):
    returns (loss, gradient, step length t, number of evaluations)."""
    d_norm = float(np.abs(d).max())
    g = g.copy()
    f_new, g_new = obj_func(x, t, d)
    ls_func_evals = 1
    gtd_new = float(g_new.dot(d))

    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    ls_iter = 0
    bracket_gtd: list = []
    while ls_iter < max_ls:
        # (Armijo fails, or the loss rose: a minimum lies between t_prev and t)
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        # extrapolate
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        tmp = t
        t = _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = tmp, f_new, g_new.copy(), gtd_new
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = float(g_new.dot(d))
        ls_iter += 1

    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g = [0.0, t], [f, f_new], [g, g_new]

    # zoom: shrink the bracket until a point meets the strong Wolfe conditions
    insuf_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0],
                               bracket[1], bracket_f[1], bracket_gtd[1])
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            # (close to an end of the bracket: move 0.1 of its width inside)
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                if abs(t - max(bracket)) < abs(t - min(bracket)):
                    t = max(bracket) - eps
                else:
                    t = min(bracket) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = float(g_new.dot(d))
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low_pos]:
            bracket[high_pos], bracket_f[high_pos] = t, f_new
            bracket_g[high_pos], bracket_gtd[high_pos] = g_new.copy(), gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                bracket[high_pos], bracket_f[high_pos] = bracket[low_pos], bracket_f[low_pos]
                bracket_g[high_pos], bracket_gtd[high_pos] = bracket_g[low_pos], bracket_gtd[low_pos]
            bracket[low_pos], bracket_f[low_pos] = t, f_new
            bracket_g[low_pos], bracket_gtd[low_pos] = g_new.copy(), gtd_new

    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], ls_func_evals


_COUNTS = ("func_evals", "n_iter")
_NUMBERS = ("t", "H_diag", "prev_loss")
_VECTORS = ("d", "prev_flat_grad")
_VECTOR_LISTS = ("old_dirs", "old_stps")
_NUMBER_LISTS = ("ro", "al")


class LBFGS(Optimizer):
    """L-BFGS (PyTorch's torch.optim.LBFGS): `step(closure)` is required; the closure
    re-computes the loss, calls backward and returns the loss.

    lr=1, max_iter=20 iterations per step, max_eval (default max_iter * 5 // 4) closure
    calls per step, tolerance_grad=1e-7, tolerance_change=1e-9, history_size=100,
    line_search_fn None or "strong_wolfe". One parameter group only. The state (kept,
    as in PyTorch, under the first parameter) holds flat vectors of length n, the total
    number of parameter elements: "d", "prev_flat_grad", lists "old_dirs", "old_stps"
    (at most history_size of them), "ro", "al", numbers "t", "H_diag", "prev_loss" and
    the counts "func_evals", "n_iter".
    """

    _state_names = frozenset(_COUNTS + _NUMBERS + _VECTORS + _VECTOR_LISTS + _NUMBER_LISTS)
    _required_state = frozenset(_COUNTS)

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:
        if max_eval is None and isinstance(max_iter, numbers.Integral) and not isinstance(max_iter, bool):
            max_eval = max_iter * 5 // 4
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                        tolerance_change=tolerance_change, history_size=history_size,
                        line_search_fn=line_search_fn)
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    def _check_options(self, options: dict[str, Any], where: str) -> None:
        super()._check_options(options, where)
        for key in ("max_iter", "max_eval", "history_size"):
            v = options[key]
            if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
                raise ValueError(f"{where}: {key} must be an int >= 1, got {v!r}")
        _nonnegative(options, "tolerance_grad", where)
        _nonnegative(options, "tolerance_change", where)
        if options["line_search_fn"] not in (None, "strong_wolfe"):
            raise ValueError(
                f"{where}: line_search_fn must be None or 'strong_wolfe', got {options['line_search_fn']!r}"
            )

    def add_param_group(self, group: Any) -> None:
        if getattr(self, "param_groups", None):
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(group)

    # -- the flat vector of all parameters ------------------------------------------------
    def _gather_flat_grad(self) -> np.ndarray:
        """All gradients as one vector of length n (zeros for a parameter without one)."""
        views = []
        for p in self._params:
            g = p._grad
            if g is None:
                views.append(np.zeros(p.data.size, p.data.dtype))
            else:
                if not isinstance(g, Tensor) or g.data.shape != p.data.shape:
                    self._refuse_grad(p)
                views.append(g.data.reshape(-1))
        return np.concatenate(views)

    def _mark_changed(self) -> None:
        if tracers:
            raise RuntimeError(
                "LBFGS.step: cannot run inside a function being compiled "
                "(a replay would skip the update); compile the loss and step outside it"
            )
        for p in self._params:
            if not p.data.flags.writeable:
                self._refuse_grad(p)
        stepped(self, [id(p.data) if p.data.base is None else id(_root(p.data)) for p in self._params])

    def _add_grad(self, step_size: float, update: np.ndarray) -> None:
        """x <- x + step_size * update, in place."""
        self._mark_changed()
        offset = 0
        for p in self._params:
            n = p.data.size
            p.data += (step_size * update[offset:offset + n]).reshape(p.data.shape).astype(p.data.dtype, copy=False)
            offset += n

    def _clone_param(self) -> list[np.ndarray]:
        return [p.data.copy() for p in self._params]

    def _set_param(self, params_data: list[np.ndarray]) -> None:
        self._mark_changed()
        for p, pdata in zip(self._params, params_data):
            p.data[...] = pdata

    def _directional_evaluate(self, closure: Callable, x: list, t: float, d: np.ndarray) -> tuple:
        """The loss and flat gradient at x + t d (the parameters are put back to x, also
        when the closure or its gradients fail: a refused step leaves them where they were)."""
        self._add_grad(t, d)
        try:
            loss = _loss_value(closure())
            flat_grad = self._gather_flat_grad()
        finally:
            self._set_param(x)
        return loss, flat_grad

    # -- the update ----------------------------------------------------------------------
    def step(self, closure: Callable[[], Any] | None = None) -> Any:  # noqa: C901 (PyTorch's one loop)
        """Up to max_iter L-BFGS iterations; returns the loss of the first closure call."""
        if closure is None or not callable(closure):
            raise TypeError(
                "LBFGS.step: needs a closure that re-computes the loss, calls backward and "
                "returns the loss (it is evaluated several times per step)"
            )
        group = self.param_groups[0]
        lr = group["lr"]
        max_iter = group["max_iter"]
        max_eval = group["max_eval"]
        tolerance_grad = group["tolerance_grad"]
        tolerance_change = group["tolerance_change"]
        line_search_fn = group["line_search_fn"]
        history_size = group["history_size"]

        def evaluate() -> Any:
            with enable_grad():
                return closure()

        state = self.state.setdefault(self._params[0], {})
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss = evaluate()
        loss = _loss_value(orig_loss)
        current_evals = 1
        state["func_evals"] += 1

        flat_grad = self._gather_flat_grad()
        if np.abs(flat_grad).max() <= tolerance_grad:
            return orig_loss

        d = state.get("d")
        t = state.get("t")
        old_dirs = state.get("old_dirs")
        old_stps = state.get("old_stps")
        ro = state.get("ro")
        H_diag = state.get("H_diag")
        prev_flat_grad = state.get("prev_flat_grad")
        prev_loss = state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1

            # the direction: -H g by the two-loop recursion
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro = [], [], []
                H_diag = 1.0
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = float(y.dot(s))
                if ys > 1e-10:
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    H_diag = ys / float(y.dot(y))
                num_old = len(old_dirs)
                al = state.get("al")
                if al is None or len(al) < history_size:
                    al = state["al"] = [None] * history_size
                q = -flat_grad
                for i in range(num_old - 1, -1, -1):
                    al[i] = float(old_stps[i].dot(q)) * ro[i]
                    q -= al[i] * old_dirs[i]
                d = r = q * H_diag
                for i in range(num_old):
                    be_i = float(old_dirs[i].dot(r)) * ro[i]
                    r += (al[i] - be_i) * old_stps[i]

            if prev_flat_grad is None:
                prev_flat_grad = flat_grad.copy()
            else:
                prev_flat_grad[...] = flat_grad
            prev_loss = loss

            # the step length
            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / float(np.abs(flat_grad).sum())) * lr
            else:
                t = lr

            gtd = float(flat_grad.dot(d))
            if gtd > -tolerance_change:  # (not a descent direction)
                break

            ls_func_evals = 0
            if line_search_fn is not None:
                x_init = self._clone_param()

                def obj_func(x: list, t: float, d: np.ndarray) -> tuple:
                    return self._directional_evaluate(evaluate, x, t, d)

                # (the search may use what is left of max_eval, as PyTorch's: max_eval bounds a step)
                loss, flat_grad, t, ls_func_evals = _strong_wolfe(obj_func, x_init, t, d, loss, flat_grad, gtd,
                                                                  max_ls=max_eval - current_evals)
                self._add_grad(t, d)
                opt_cond = np.abs(flat_grad).max() <= tolerance_grad
            else:
                self._add_grad(t, d)
                opt_cond = False
                if n_iter != max_iter:
                    loss = _loss_value(evaluate())
                    flat_grad = self._gather_flat_grad()
                    opt_cond = np.abs(flat_grad).max() <= tolerance_grad
                    ls_func_evals = 1

            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals

            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if np.abs(d * t).max() <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        state["d"] = d
        state["t"] = t
        state["old_dirs"] = old_dirs
        state["old_stps"] = old_stps
        state["ro"] = ro
        state["H_diag"] = H_diag
        state["prev_flat_grad"] = prev_flat_grad
        state["prev_loss"] = prev_loss
        return orig_loss

    # -- state dicts ---------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """As Optimizer.state_dict, with the history lists copied too (a snapshot)."""
        sd = super().state_dict()
        for entries in sd["state"].values():
            for k in _VECTOR_LISTS + _NUMBER_LISTS:
                if k in entries:
                    entries[k] = [v.copy() if isinstance(v, np.ndarray) else v for v in entries[k]]
        return sd

    def _restore(self, where: str, i: Any, key: str, value: Any, p: Tensor) -> Any:
        """Check one saved LBFGS state entry; return a private copy."""
        if key not in self._state_names:
            raise ValueError(
                f"{where}: unknown state entry {key!r} for parameter {i}; "
                f"LBFGS keeps {sorted(self._state_names)}"
            )
        n = sum(q.data.size for q in self._params)

        def vector(v: Any, what: str) -> np.ndarray:
            arr = np.asarray(v.data if isinstance(v, Tensor) else v)
            if arr.dtype.kind not in "fiu" or arr.shape != (n,):
                raise ValueError(f"{where}: state {what} of parameter {i} must be a real vector of shape "
                                 f"({n},) (all parameters flattened), got shape {arr.shape}, dtype {arr.dtype}")
            return arr.astype(np.result_type(*[q.data.dtype for q in self._params]), copy=True)

        def number(v: Any, what: str) -> float | None:
            if v is None and what.startswith("'al'"):
                return None
            v = v.data if isinstance(v, Tensor) else v
            if np.ndim(v) != 0 or np.asarray(v).dtype.kind not in "fiu":
                raise ValueError(f"{where}: state {what} of parameter {i} must be a real number, got {v!r}")
            return float(v)

        if key in _COUNTS:
            v = value.data if isinstance(value, Tensor) else value
            if (np.ndim(v) != 0 or np.asarray(v).dtype.kind not in "iuf" or not float(v).is_integer()
                    or v < 0):
                raise ValueError(f"{where}: {key!r} of parameter {i} must be a count >= 0, got {value!r}")
            return int(v)
        if key in _NUMBERS:
            return number(value, repr(key))
        if key in _VECTORS:
            return vector(value, repr(key))
        if not isinstance(value, (list, tuple)):
            raise ValueError(f"{where}: state {key!r} of parameter {i} must be a list, got {type(value).__name__}")
        if key in _VECTOR_LISTS:
            return [vector(v, f"{key!r}[{j}]") for j, v in enumerate(value)]
        return [number(v, f"{key!r}[{j}]") for j, v in enumerate(value)]


def _loss_value(loss: Any) -> float:
    """The closure's loss as a Python float."""
    if isinstance(loss, Tensor):
        if loss.data.size != 1:
            raise ValueError(f"LBFGS.step: the closure must return a scalar loss, got shape {loss.shape}")
        return float(loss.data.reshape(()))
    try:
        return float(loss)
    except (TypeError, ValueError):
        raise TypeError(f"LBFGS.step: the closure must return the loss (a scalar), got {type(loss).__name__}") from None
