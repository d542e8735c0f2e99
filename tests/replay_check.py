"""A check many ops' tests share: a compiled function replays eager bit for bit."""

from typing import Any, Callable, Sequence

import autograd_mini as am


def assert_compiled_replays_eager(fn: Callable[..., am.Tensor], make_args: Callable[[int], Sequence[Any]],
                                  calls: int = 3, params: Sequence[am.Tensor] = ()) -> Callable:
    """am.compile(fn) against fn itself on make_args(k), k = 0 .. calls - 1 (fresh arguments
    for each run): the output and the gradients of every argument that requires grad, and
    of `params` (tensors fn closes over), equal bit for bit; the tape is recorded once.
    Returns the compiled function (for checks of its refusals)."""
    step = am.compile(fn)
    for k in range(calls):
        runs = []
        for f in (step, fn):
            args = make_args(k)
            for p in params:
                p.grad = None
            out = f(*args)
            out.backward()
            leaves = [a for a in args if isinstance(a, am.Tensor) and a.requires_grad] + list(params)
            runs.append((out.data.tobytes(), [t.grad.data.tobytes() for t in leaves]))
        assert runs[0] == runs[1], f"call {k}: the compiled replay differs from eager"
    assert step.recordings == 1
    return step
