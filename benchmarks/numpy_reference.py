"""Hand-written numpy forward + backward for the benchmark workloads.

These are the baselines the framework is measured against, written the way an
expert would write them by hand: BLAS matmuls in the cheapest layout, in-place
ufuncs where an intermediate is dead, and no allocations that a careful author
would avoid. Every workload has a ``make_*`` function that builds deterministic
data and parameters with ``np.random.default_rng(seed)`` and a ``*_step``
function that performs exactly one step and returns a value, so it can be
timed in a loop. Parameters are stored in PyTorch layout (``Linear`` weights
``(out, in)``, ``Conv2d`` weights ``(out, in, kh, kw)``) so other
implementations can start from the same values.

Workloads:

* ``expr``: ``((x*y + x).tanh() * y).sum()`` on two float64 ``(4,)`` vectors
  and its gradient (pure per-op overhead).
* ``chain``: ``n`` steps of ``a = tanh(0.5*a + 0.1)`` on a float64 ``(8,)``
  vector and ``d sum(a_n) / d a_0``.
* W1: the 2-2-3-2 sigmoid network of Higham & Higham, one SGD step on one sample.
* W2: a 784-256-256-10 ReLU MLP, batch 128, float32, one SGD step.
* W3: a small CNN on ``(N, 1, 28, 28)`` float32 images, one SGD step, in a
  channels-last (NHWC) and a channels-first (NCHW) implementation.

The SGD steps of W2 and W3 seed the backward pass with ``lr * dL/dlogits``
instead of ``dL/dlogits``: by linearity every gradient then comes out already
multiplied by ``lr`` and the update is a single in-place subtraction per
parameter. ``*_loss_and_grads(state)`` (``scale=1``) gives the plain gradients.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

# 0-d float64 operands: a ufunc converts a Python float on every call, which
# costs as much as the whole operation on the tiny arrays of the float64
# workloads. (A 0-d float64 array would upcast float32 data, so W2/W3 use
# Python floats.)
_ONE = np.array(1.0)


# --------------------------------------------------------------------------
# Overhead (a): a five-op expression on (4,) vectors.


@dataclass
class ExprState:
    """Inputs of the ``expr`` workload: float64 vectors ``x`` and ``y`` of shape (4,)."""

    x: np.ndarray
    y: np.ndarray


def make_expr(seed: int = 0) -> ExprState:
    """Return standard-normal float64 ``x``, ``y`` of shape (4,)."""
    rng = np.random.default_rng(seed)
    return ExprState(rng.standard_normal(4), rng.standard_normal(4))


def expr_step(state: ExprState) -> tuple[float, np.ndarray, np.ndarray]:
    """Return ``L = sum(tanh(x*y + x) * y)``, ``dL/dx``, ``dL/dy``.

    With ``t = tanh(x*y + x)`` and ``g = y * (1 - t**2)`` (the gradient at the
    tanh input): ``dL/dx = g * (y + 1)`` and ``dL/dy = t + g * x``.
    """
    x, y = state.x, state.y
    t = x * y
    t += x
    np.tanh(t, out=t)
    loss = t.dot(y)
    g = t * t
    np.subtract(_ONE, g, out=g)
    g *= y
    dx = g * y
    dx += g
    dy = g * x
    dy += t
    return float(loss), dx, dy


# --------------------------------------------------------------------------
# Overhead (b): a long chain of elementwise ops.

CHAIN_OPS_PER_STEP = 3
"""Primitive ops in one chain step (multiply, add, tanh): per-op time is ``t / (3 n)``."""


def make_chain(seed: int = 0, size: int = 8) -> np.ndarray:
    """Return the chain's start vector ``a0``: standard-normal float64 of shape ``(size,)``."""
    return np.random.default_rng(seed).standard_normal(size)


def chain_step(a0: np.ndarray, n: int) -> tuple[float, np.ndarray]:
    """Run ``a_{k+1} = tanh(0.5*a_k + 0.1)`` for ``k < n``; return ``sum(a_n)`` and its gradient wrt ``a0``.

    The forward keeps every ``a_k`` (k >= 1). Each step is elementwise, so the
    Jacobian of the chain is diagonal and the backward is the product of the
    local derivatives ``0.5 * (1 - a_k**2)``, computed in one vectorized pass
    over the stacked intermediates instead of ``n`` Python-level steps.
    """
    outputs = []
    a = a0
    for _ in range(n):
        a = a * 0.5
        a += 0.1
        np.tanh(a, out=a)
        outputs.append(a)
    value = a.sum()
    local = np.array(outputs).reshape(n, *a0.shape)
    local *= local
    np.subtract(1.0, local, out=local)
    grad = local.prod(axis=0)
    grad *= 0.5**n
    return float(value), grad


# --------------------------------------------------------------------------
# W1: the 2-2-3-2 sigmoid network of Higham & Higham (2019).


@dataclass
class W1State:
    """Parameters and sample of the 2-2-3-2 network.

    ``theta`` holds all 23 parameters in the order W1 (2,2), b1 (2,), W2 (3,2),
    b2 (3,), W3 (2,3), b3 (2,); ``weights`` and ``biases`` are views into it
    (the paper's layers 2, 3, 4 are layers 1, 2, 3 here). ``update`` is a
    scratch buffer of the same layout, with views ``update_weights`` and
    ``update_biases``, that receives ``lr * gradient``. ``x`` (2,) is the
    sample and ``y`` (2,) its one-hot target.
    """

    theta: np.ndarray
    weights: list[np.ndarray]
    biases: list[np.ndarray]
    update: np.ndarray
    update_weights: list[np.ndarray]
    update_biases: list[np.ndarray]
    x: np.ndarray
    y: np.ndarray
    lr: np.ndarray


W1_SHAPES = ((2, 2), (3, 2), (2, 3))
"""Weight shapes ``(out, in)`` of the three layers."""


def _split_flat(flat: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Return weight and bias views into a flat buffer laid out as W1, b1, W2, b2, W3, b3."""
    weights, biases, offset = [], [], 0
    for rows, cols in W1_SHAPES:
        weights.append(flat[offset : offset + rows * cols].reshape(rows, cols))
        offset += rows * cols
        biases.append(flat[offset : offset + rows])
        offset += rows
    return weights, biases


def make_w1(seed: int = 0, lr: float = 0.05) -> W1State:
    """Return the 2-2-3-2 network with weights and biases ``0.5 * N(0, 1)`` as in the paper.

    The sample ``x`` is uniform in [0, 1)^2 and its target is ``y = (1, 0)``.
    """
    rng = np.random.default_rng(seed)
    theta = 0.5 * rng.standard_normal(sum(r * c + r for r, c in W1_SHAPES))
    update = np.empty_like(theta)
    weights, biases = _split_flat(theta)
    update_weights, update_biases = _split_flat(update)
    x = rng.random(2)
    y = np.array([1.0, 0.0])
    return W1State(theta, weights, biases, update, update_weights, update_biases, x, y, np.array(lr))


def _sigmoid_(z: np.ndarray) -> np.ndarray:
    """Overwrite ``z`` with ``1 / (1 + exp(-z))`` and return it."""
    np.negative(z, out=z)
    np.exp(z, out=z)
    np.add(z, _ONE, out=z)
    np.reciprocal(z, out=z)
    return z


def w1_step(state: W1State) -> float:
    """One SGD step (lr = ``state.lr``) on the sample; return the cost before the step.

    Forward: ``a_l = sigmoid(z_l)``, ``z_l = W_l a_{l-1} + b_l``, ``a_0 = x``;
    cost ``C = 0.5 * ||a_3 - y||^2``. Backward, with
    ``sigmoid'(z_l) = a_l (1 - a_l)``:
    ``delta_3 = sigmoid'(z_3) * (a_3 - y)``,
    ``delta_l = sigmoid'(z_l) * (W_{l+1}^T delta_{l+1})``,
    ``dC/dW_l = delta_l a_{l-1}^T``, ``dC/db_l = delta_l``.
    The deltas are scaled by lr from the start and written straight into the
    bias slots of ``state.update``; the weight slots get the outer products;
    then ``theta -= update`` updates all 23 parameters at once.
    """
    (w1, w2, w3), (b1, b2, b3) = state.weights, state.biases
    (u1, u2, u3), (d1, d2, d3) = state.update_weights, state.update_biases
    x = state.x
    a1 = w1.dot(x)
    a1 += b1
    _sigmoid_(a1)
    a2 = w2.dot(a1)
    a2 += b2
    _sigmoid_(a2)
    a3 = w3.dot(a2)
    a3 += b3
    _sigmoid_(a3)
    r = a3 - state.y
    cost = 0.5 * r.dot(r)

    np.subtract(_ONE, a3, out=d3)
    d3 *= a3
    d3 *= r
    d3 *= state.lr
    np.multiply.outer(d3, a2, out=u3)
    np.subtract(_ONE, a2, out=d2)
    d2 *= a2
    d2 *= d3.dot(w3)
    np.multiply.outer(d2, a1, out=u2)
    np.subtract(_ONE, a1, out=d1)
    d1 *= a1
    d1 *= d2.dot(w2)
    np.multiply.outer(d1, x, out=u1)
    state.theta -= state.update
    return float(cost)


# --------------------------------------------------------------------------
# Shared pieces of W2 and W3.


def _uniform_init(rng: np.random.Generator, shape: tuple[int, ...], fan_in: int) -> np.ndarray:
    """PyTorch's default ``Linear``/``Conv2d`` init: float32 U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
    bound = 1.0 / np.sqrt(fan_in)
    return rng.uniform(-bound, bound, shape).astype(np.float32)


def _softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray, scale: float) -> tuple[float, np.ndarray]:
    """Return the mean cross-entropy of ``logits`` (N, K) and ``scale * dL/dlogits``.

    ``L = mean_i(logsumexp(z_i) - z_i[y_i])``; ``dL/dz = (softmax(z) - onehot(y)) / N``.
    ``logits`` is overwritten (it becomes the returned gradient).
    """
    n = logits.shape[0]
    rows = np.arange(n)
    logits -= logits.max(axis=1, keepdims=True)
    picked = logits[rows, labels]
    np.exp(logits, out=logits)
    sums = logits.sum(axis=1, keepdims=True)
    loss = np.log(sums).mean() - picked.mean()
    logits /= sums
    logits[rows, labels] -= 1.0
    logits *= scale / n
    return float(loss), logits


def _sgd_apply(params: list[np.ndarray], scaled_grads: list[np.ndarray]) -> None:
    """``p -= g`` in place for gradients that already carry the learning rate."""
    for p, g in zip(params, scaled_grads, strict=True):
        p -= g


# --------------------------------------------------------------------------
# W2: MLP 784-256-256-10.


@dataclass
class W2State:
    """MLP parameters ``[fc1.w (256,784), fc1.b, fc2.w (256,256), fc2.b, fc3.w (10,256), fc3.b]``
    (float32, PyTorch layout), a batch ``x`` (128, 784) float32, integer ``labels`` (128,)
    in [0, 10) and the learning rate."""

    params: list[np.ndarray]
    x: np.ndarray
    labels: np.ndarray
    lr: float


def make_w2(seed: int = 0, batch: int = 128, lr: float = 0.01) -> W2State:
    """Return PyTorch-style initialised MLP parameters and a standard-normal batch."""
    rng = np.random.default_rng(seed)
    params = []
    for fan_out, fan_in in ((256, 784), (256, 256), (10, 256)):
        params.append(_uniform_init(rng, (fan_out, fan_in), fan_in))
        params.append(_uniform_init(rng, (fan_out,), fan_in))
    x = rng.standard_normal((batch, 784), dtype=np.float32)
    labels = rng.integers(0, 10, batch)
    return W2State(params, x, labels, lr)


def w2_loss_and_grads(state: W2State, scale: float = 1.0) -> tuple[float, list[np.ndarray]]:
    """Return the mean cross-entropy and ``scale`` times the gradients (same order as params).

    Forward: ``h1 = relu(x W1^T + b1)``, ``h2 = relu(h1 W2^T + b2)``,
    ``z = h2 W3^T + b3``. Backward from ``dz = (softmax(z) - onehot) / N``:
    ``dW3 = dz^T h2``, ``db3 = sum_rows dz``, ``dh2 = (dz W3) * [h2 > 0]``,
    ``dW2 = dh2^T h1``, ``dh1 = (dh2 W2) * [h1 > 0]``, ``dW1 = dh1^T x``.
    """
    w1, b1, w2, b2, w3, b3 = state.params
    x = state.x
    h1 = x @ w1.T
    h1 += b1
    np.maximum(h1, 0.0, out=h1)
    h2 = h1 @ w2.T
    h2 += b2
    np.maximum(h2, 0.0, out=h2)
    z = h2 @ w3.T
    z += b3
    loss, dz = _softmax_cross_entropy(z, state.labels, scale)
    dw3 = dz.T @ h2
    db3 = dz.sum(axis=0)
    dh2 = dz @ w3
    dh2 *= h2 > 0
    dw2 = dh2.T @ h1
    db2 = dh2.sum(axis=0)
    dh1 = dh2 @ w2
    dh1 *= h1 > 0
    dw1 = dh1.T @ x
    db1 = dh1.sum(axis=0)
    return loss, [dw1, db1, dw2, db2, dw3, db3]


def w2_step(state: W2State) -> float:
    """One SGD step on the batch; return the loss before the step."""
    loss, grads = w2_loss_and_grads(state, scale=state.lr)
    _sgd_apply(state.params, grads)
    return loss


# --------------------------------------------------------------------------
# W3: CNN conv(1->8) relu pool conv(8->16) relu pool linear(784->10).

W3_MEMORY_BATCH = 256
"""Batch size at which W3's peak memory is measured."""


@dataclass
class W3State:
    """CNN parameters ``[conv1.w (8,1,3,3), conv1.b (8,), conv2.w (16,8,3,3), conv2.b (16,),
    fc.w (10,784), fc.b (10,)]`` (float32, PyTorch layout; fc's inputs are the pooled
    (16,7,7) maps flattened in C,H,W order), images ``x`` (N,1,28,28) float32,
    integer ``labels`` (N,) in [0, 10) and the learning rate."""

    params: list[np.ndarray]
    x: np.ndarray
    labels: np.ndarray
    lr: float


def make_w3(seed: int = 0, batch: int = 64, lr: float = 0.01) -> W3State:
    """Return PyTorch-style initialised CNN parameters and a standard-normal image batch."""
    rng = np.random.default_rng(seed)
    params = [
        _uniform_init(rng, (8, 1, 3, 3), 9),
        _uniform_init(rng, (8,), 9),
        _uniform_init(rng, (16, 8, 3, 3), 72),
        _uniform_init(rng, (16,), 72),
        _uniform_init(rng, (10, 784), 784),
        _uniform_init(rng, (10,), 784),
    ]
    x = rng.standard_normal((batch, 1, 28, 28), dtype=np.float32)
    labels = rng.integers(0, 10, batch)
    return W3State(params, x, labels, lr)


def make_w3_memory(seed: int = 0) -> W3State:
    """Return the W3 state at batch ``W3_MEMORY_BATCH`` (256) for peak-memory measurement."""
    return make_w3(seed, batch=W3_MEMORY_BATCH)


def _max4(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Elementwise maximum of four arrays, in one new array."""
    out = np.maximum(a, b)
    np.maximum(out, c, out=out)
    np.maximum(out, d, out=out)
    return out


def w3_loss_and_grads_nhwc(state: W3State, scale: float = 1.0) -> tuple[float, list[np.ndarray]]:
    """Channels-last implementation; return the loss and ``scale`` times the gradients.

    Activations are NHWC. A 3x3 convolution with padding 1 is an im2col
    (``sliding_window_view`` of the zero-padded input, copied once) and one
    matmul with the kernel as a (taps*C, O) matrix; its backward is
    ``dK = cols^T dout`` and, for the input gradient, one (N*H*W, O) @ (O, C)
    matmul per tap added into the shifted window of the padded gradient.

    Bias, ReLU and max-pool are per channel and monotone, so
    ``pool(relu(conv + b)) == relu(pool(conv) + b)``: ReLU (and conv2's bias)
    run on the 4x smaller pooled map (same function and gradients as the
    PyTorch order); conv1's bias rides in its matmul as a row of ones in
    ``cols1``, which also makes its gradient a row of ``dK``. Max-pool keeps
    the mask ``z == max`` of each window; the backward broadcasts the pooled
    gradient over the window and multiplies by it (ties would send the
    gradient to every tied position; continuous data has none).

    conv1 (one input channel) builds its im2col taps-major, (9, N*784), with
    output pixels ordered (n, dh, dw, h2, w2) for pixel (2*h2 + dh, 2*w2 + dw):
    the four members of every pool window are then four contiguous
    (N, 14, 14, 8) blocks, so pool, mask and unpool are plain elementwise ops.
    conv2 uses the natural (n, h, w) order, which its input gradient needs.
    The second pool's output is flattened in (H, W, C) order, so the fc weight
    is permuted from its (C, H, W) layout and its gradient permuted back.
    """
    w1, b1, w2, b2, wf, bf = state.params
    n, dtype = state.x.shape[0], state.x.dtype

    # conv1: (N*784, 10) @ (10, 8) -> z1 (N, dh, dw, 14, 14, 8); pool -> (N, 14, 14, 8).
    # Row 9 of cols1 is all ones and row 9 of the kernel is the bias.
    xpad = np.zeros((n, 30, 30), dtype)
    xpad[:, 1:-1, 1:-1] = state.x[:, 0]
    windows1 = sliding_window_view(xpad, (3, 3), axis=(1, 2)).reshape(n, 14, 2, 14, 2, 3, 3)
    cols1 = np.empty((10, n * 784), dtype)
    cols1[:9].reshape(3, 3, n, 2, 2, 14, 14)[...] = windows1.transpose(5, 6, 0, 2, 4, 1, 3)
    cols1[9] = 1.0
    k1 = np.concatenate([w1.reshape(8, 9).T, b1[None]])
    z1 = (cols1.T @ k1).reshape(n, 2, 2, 14, 14, 8)
    p1 = _max4(z1[:, 0, 0], z1[:, 0, 1], z1[:, 1, 0], z1[:, 1, 1])
    mask1 = z1 == p1[:, None, None]
    # ReLU written straight into the zero-padded input of conv2.
    a1pad = np.zeros((n, 16, 16, 8), dtype)
    a1 = a1pad[:, 1:-1, 1:-1, :]
    np.maximum(p1, 0.0, out=a1)

    # conv2: im2col with (kh, kw, C) columns, (N*196, 72) @ (72, 16) -> (N, 14, 14, 16).
    cols2 = sliding_window_view(a1pad, (3, 3), axis=(1, 2)).transpose(0, 1, 2, 4, 5, 3).reshape(n * 196, 72)
    k2 = w2.transpose(2, 3, 1, 0).reshape(72, 16)
    z2 = (cols2 @ k2).reshape(n, 7, 2, 7, 2, 16)
    a2 = _max4(z2[:, :, 0, :, 0], z2[:, :, 0, :, 1], z2[:, :, 1, :, 0], z2[:, :, 1, :, 1])
    mask2 = z2 == a2[:, :, None, :, None]
    a2 += b2
    np.maximum(a2, 0.0, out=a2)

    # fc on the (H, W, C)-flattened features.
    feats = a2.reshape(n, 784)
    wf_hwc = wf.reshape(10, 16, 7, 7).transpose(0, 2, 3, 1).reshape(10, 784)
    logits = feats @ wf_hwc.T
    logits += bf
    loss, dlogits = _softmax_cross_entropy(logits, state.labels, scale)

    dwf = (dlogits.T @ feats).reshape(10, 7, 7, 16).transpose(0, 3, 1, 2).reshape(10, 784)
    dbf = dlogits.sum(axis=0)
    dp2 = (dlogits @ wf_hwc).reshape(n, 7, 7, 16)
    dp2 *= a2 > 0
    db2 = dp2.sum(axis=(0, 1, 2))
    dz2 = np.multiply(mask2, dp2[:, :, None, :, None], out=z2).reshape(n * 196, 16)
    dw2 = (dz2.T @ cols2).reshape(16, 3, 3, 8).transpose(0, 3, 1, 2)
    taps2 = np.ascontiguousarray(w2.transpose(2, 3, 0, 1))  # (kh, kw, O, C)
    da1pad = np.zeros((n, 16, 16, 8), dtype)
    tap = np.empty((n * 196, 8), dtype)
    for i in range(3):
        for j in range(3):
            np.matmul(dz2, taps2[i, j], out=tap)
            da1pad[:, i : i + 14, j : j + 14, :] += tap.reshape(n, 14, 14, 8)
    dp1 = da1pad[:, 1:-1, 1:-1, :]
    dp1 *= a1 > 0
    dz1 = np.multiply(mask1, dp1[:, None, None], out=z1).reshape(n * 784, 8)
    dk1 = cols1 @ dz1
    dw1 = dk1[:9].T.reshape(8, 1, 3, 3)
    db1 = dk1[9]
    return loss, [dw1, db1, np.ascontiguousarray(dw2), db2, dwf, dbf]


def w3_step_nhwc(state: W3State) -> float:
    """One SGD step with the channels-last implementation; return the loss before the step."""
    loss, grads = w3_loss_and_grads_nhwc(state, scale=state.lr)
    _sgd_apply(state.params, grads)
    return loss


def _pool2_nchw(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """2x2/2 max-pool of NCHW ``z``; return the pooled map and the argmax mask.

    The mask (ties as in ``w3_loss_and_grads_nhwc``) is stored as
    (N, C, 4, H/2, W/2), one block per window position (dh, dw), so each of
    the four compares runs over whole rows.
    """
    n, c, h, w = z.shape
    windows = z.reshape(n, c, h // 2, 2, w // 2, 2)
    quarters = [windows[:, :, :, dh, :, dw] for dh in range(2) for dw in range(2)]
    pooled = _max4(*quarters)
    mask = np.empty((n, c, 4, h // 2, w // 2), bool)
    for k, quarter in enumerate(quarters):
        np.equal(quarter, pooled, out=mask[:, :, k])
    return pooled, mask


def _unpool2_nchw(mask: np.ndarray, grad: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Route the pooled gradient ``grad`` (N, C, H/2, W/2) to the argmax positions.

    Writes into ``out`` (N, C, H, W) (the dead pre-pool activation) and returns it as (N, C, H*W).
    """
    n, c, h2, w2 = grad.shape
    windows = out.reshape(n, c, h2, 2, w2, 2).transpose(0, 1, 3, 5, 2, 4)
    np.multiply(mask.reshape(n, c, 2, 2, h2, w2), grad[:, :, None, None], out=windows)
    return out.reshape(n, c, 4 * h2 * w2)


def w3_loss_and_grads_nchw(state: W3State, scale: float = 1.0) -> tuple[float, list[np.ndarray]]:
    """Channels-first implementation; return the loss and ``scale`` times the gradients.

    Same math as ``w3_loss_and_grads_nhwc`` (bias and ReLU after the pool)
    with every activation kept in NCHW: im2col per image as ``cols`` (N, 9*C, H*W) with rows ordered
    (C, kh, kw), so the kernel is its plain (O, 9*C) reshape and a batched
    matmul ``K @ cols`` gives (N, O, H*W) directly; ``dK = sum_n dout_n
    cols_n^T``, ``dcols = K^T dout``; the fc layer uses the (C, H, W)
    flattening as is.
    """
    w1, b1, w2, b2, wf, bf = state.params
    n, dtype = state.x.shape[0], state.x.dtype

    xpad = np.zeros((n, 30, 30), dtype)
    xpad[:, 1:-1, 1:-1] = state.x[:, 0]
    cols1 = sliding_window_view(xpad, (3, 3), axis=(1, 2)).transpose(0, 3, 4, 1, 2).reshape(n, 9, 784)
    k1 = w1.reshape(8, 9)
    z1 = (k1 @ cols1).reshape(n, 8, 28, 28)
    p1, mask1 = _pool2_nchw(z1)
    a1pad = np.zeros((n, 8, 16, 16), dtype)
    a1 = a1pad[:, :, 1:-1, 1:-1]
    np.add(p1, b1[:, None, None], out=a1)
    np.maximum(a1, 0.0, out=a1)

    cols2 = sliding_window_view(a1pad, (3, 3), axis=(2, 3)).transpose(0, 1, 4, 5, 2, 3).reshape(n, 72, 196)
    k2 = w2.reshape(16, 72)
    z2 = (k2 @ cols2).reshape(n, 16, 14, 14)
    p2, mask2 = _pool2_nchw(z2)
    a2 = p2
    a2 += b2[:, None, None]
    np.maximum(a2, 0.0, out=a2)

    feats = a2.reshape(n, 784)
    logits = feats @ wf.T
    logits += bf
    loss, dlogits = _softmax_cross_entropy(logits, state.labels, scale)

    dwf = dlogits.T @ feats
    dbf = dlogits.sum(axis=0)
    dp2 = (dlogits @ wf).reshape(n, 16, 7, 7)
    dp2 *= a2 > 0
    db2 = dp2.sum(axis=(0, 2, 3))
    dz2 = _unpool2_nchw(mask2, dp2, out=z2)
    dw2 = (dz2 @ cols2.transpose(0, 2, 1)).sum(axis=0).reshape(16, 8, 3, 3)
    dcols2 = np.matmul(k2.T, dz2, out=cols2).reshape(n, 8, 3, 3, 14, 14)
    da1pad = np.zeros((n, 8, 16, 16), dtype)
    for i in range(3):
        for j in range(3):
            da1pad[:, :, i : i + 14, j : j + 14] += dcols2[:, :, i, j]
    dp1 = da1pad[:, :, 1:-1, 1:-1]
    dp1 *= a1 > 0
    db1 = dp1.sum(axis=(0, 2, 3))
    dz1 = _unpool2_nchw(mask1, dp1, out=z1)
    dw1 = (dz1 @ cols1.transpose(0, 2, 1)).sum(axis=0).reshape(8, 1, 3, 3)
    return loss, [dw1, db1, dw2, db2, dwf, dbf]


def w3_step_nchw(state: W3State) -> float:
    """One SGD step with the channels-first implementation; return the loss before the step."""
    loss, grads = w3_loss_and_grads_nchw(state, scale=state.lr)
    _sgd_apply(state.params, grads)
    return loss
