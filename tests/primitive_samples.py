"""Sample descriptions for every primitive of the table, for the generic tests.

SAMPLES maps each primitive's name to a hypothesis strategy of `Case`s: the
inputs (values inside the primitive's domain: log's x > 0, denominators away
from 0, no ties for max/maximum, no zeros for abs), the parameters (axis and
keepdims, index kinds for getitem, kernel/stride/dilation for unfold and fold,
pad widths, matmul's 1-D/2-D/batched cases), which inputs are differentiated,
and the forward value numpy gives (computed independently of the primitive's
own forward wherever that is more than a one-line numpy call).

Values come from a numpy generator seeded by hypothesis; shapes, axes and
indices are drawn by hypothesis directly. tests/test_primitives.py fails when
a registered primitive has no entry here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp


@dataclass
class Case:
    """prim(*args, **params) should equal `expected`; args at positions `diff` are
    the floating inputs to differentiate (the others are constants)."""

    args: tuple
    params: dict = field(default_factory=dict)
    expected: Any = None
    diff: tuple = (0,)

    def __post_init__(self) -> None:
        # numpy returns scalars for 0-d draws; the primitives are fed arrays.
        self.args = tuple(np.asarray(a) if isinstance(a, np.generic) else a for a in self.args)

    def __repr__(self) -> str:  # what hypothesis prints for a falsifying example
        shapes = [np.shape(a) for a in self.args]
        return f"Case(shapes={shapes}, params={self.params!r}, diff={self.diff}, args={self.args!r})"


seeds = st.integers(0, 2**32 - 1)
shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)
nonscalar_shapes = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)
pairs = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _away_from_zero(rng: np.random.Generator, shape: tuple, low: float = 0.3, high: float = 2.0) -> np.ndarray:
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(low, high, size=shape)


def _distinct(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """Values at least 0.15 apart from each other (no ties for max)."""
    n = int(np.prod(shape))
    grid = (rng.permutation(n) - n / 2) * 0.25
    return (grid + rng.uniform(-0.05, 0.05, n)).reshape(shape)


# -- elementwise -------------------------------------------------------------------


def _unary(ref: Callable, low: float, high: float) -> st.SearchStrategy:
    @st.composite
    def draw(draw: Any) -> Case:
        x = _rng(draw(seeds)).uniform(low, high, draw(shapes))
        return Case((x,), expected=ref(x))

    return draw()


@st.composite
def _abs(draw: Any) -> Case:
    x = _away_from_zero(_rng(draw(seeds)), draw(shapes))
    return Case((x,), expected=np.where(x < 0, -x, x))


@st.composite
def _signbit(draw: Any) -> Case:
    x = _rng(draw(seeds)).integers(-2, 3, draw(shapes)).astype(float)
    x = np.where(x == 2, -0.0, np.where(x == -2, -np.nan, x))  # (-0.0 and -NaN count as negative)
    return Case((x,), expected=np.array([math.copysign(1.0, v) < 0 for v in x.ravel()]).reshape(x.shape))


@st.composite
def _sign(draw: Any) -> Case:
    x = _rng(draw(seeds)).integers(-2, 3, draw(shapes)).astype(float)  # zeros included
    return Case((x,), expected=(x > 0).astype(float) - (x < 0))


def _math_erf(x: np.ndarray) -> np.ndarray:
    """math.erf element by element (numpy has no erf)."""
    return np.array([math.erf(v) for v in x.ravel()]).reshape(x.shape)


def _math_lgamma(x: np.ndarray) -> np.ndarray:
    """math.lgamma element by element (numpy has no lgamma)."""
    return np.array([math.lgamma(v) for v in x.ravel()]).reshape(x.shape)


def _summed_polygamma(n: int, x: np.ndarray) -> np.ndarray:
    """psi^(n)(x) for x > 0 from its series, summed directly over k < 2000 with a short
    Euler-Maclaurin tail at x + 2000 (below 1e-17 there): n = 0, -gamma + sum_k (x - 1) /
    ((k + 1)(k + x)); n >= 1, (-1)**(n+1) n! sum_k (x + k)**-(n+1)."""
    K = 2000
    k = np.arange(K, dtype=float).reshape((K,) + (1,) * x.ndim)
    y = x + K
    if n == 0:
        head = ((x - 1) / ((k + 1) * (k + x))).sum(0)
        tail = np.log1p((x - 1) / (K + 1)) - 0.5 / y + 0.5 / (K + 1) - 1 / (12 * y * y) + 1 / (12 * (K + 1) ** 2)
        return -0.5772156649015329 + head + tail
    s = n + 1
    zeta = ((x + k) ** -s).sum(0) + y ** (1 - s) / n + y ** -s / 2 + s * y ** (-s - 1) / 12
    return (-1) ** (n + 1) * math.factorial(n) * zeta


@st.composite
def _polygamma(draw: Any) -> Case:
    n = draw(st.integers(0, 3))
    # (from n = 2 on, the derivatives a second-order check differences grow as x**-(n+3)
    # near 0: finite differences there miss a tight tolerance with no gradient wrong;
    # test_special_gamma.py checks small x against its own oracle)
    x = _rng(draw(seeds)).uniform(0.3 if n < 2 else 1.0, 5.0, draw(shapes))
    return Case((x,), {"n": n}, expected=_summed_polygamma(n, x))


def _bisected_erfinv(y: np.ndarray) -> np.ndarray:
    """erfinv by bisection on math.erf (increasing), element by element: 64 halvings of
    [-3, 3] leave the width below an ulp."""
    def one(v: float) -> float:
        lo, hi = -3.0, 3.0
        for _ in range(64):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if math.erf(mid) < v else (lo, mid)
        return (lo + hi) / 2

    return np.array([one(v) for v in y.ravel()]).reshape(y.shape)


def _binary(ref: Callable, make_y: Callable | None = None, low: float = -2.0,
            high: float = 2.0) -> st.SearchStrategy:
    """Broadcasting pairs (x, y), both differentiated."""

    @st.composite
    def draw(draw: Any) -> Case:
        sx, sy = draw(pairs).input_shapes
        rng = _rng(draw(seeds))
        x = rng.uniform(low, high, sx)
        y = make_y(rng, sy) if make_y else rng.uniform(low, high, sy)
        return Case((x, y), expected=ref(x, y), diff=(0, 1))

    return draw()


def _off_the_jumps(rng: np.random.Generator, sx: tuple, sy: tuple) -> tuple:
    """x of shape sx and y of shape sy, both signs, with every x/y of the broadcast at
    least 0.02 from an integer (floor's jumps): y is +-2**k (k in -1..1) and x an odd
    multiple of 1/8 in (-3, 3), each off by at most 0.2%, so that x/y's fractional part
    is a multiple of 1/16 off by at most 0.04, and never 0."""
    y = rng.choice([-1.0, 1.0], sy) * 2.0 ** rng.integers(-1, 2, sy) * rng.uniform(0.998, 1.002, sy)
    x = (rng.integers(-12, 12, sx) + 0.5) / 4 + rng.uniform(-0.002, 0.002, sx)
    return x, y


def _floor_quotient(ref: Callable, diff: tuple) -> st.SearchStrategy:
    """Broadcasting pairs (x, y) away from floor(x / y)'s jumps; ref(x, y, q) with
    q = floor(x / y) computed the plain way."""

    @st.composite
    def draw(draw: Any) -> Case:
        sx, sy = draw(pairs).input_shapes
        x, y = _off_the_jumps(_rng(draw(seeds)), sx, sy)
        return Case((x, y), expected=ref(x, y, np.floor(x / y)), diff=diff)

    return draw()


@st.composite
def _pow(draw: Any) -> Case:
    """x > 0 with a tensor exponent, or any nonzero x with a constant integer exponent."""
    sx, sy = draw(pairs).input_shapes
    rng = _rng(draw(seeds))
    if draw(st.booleans()):
        x, y = rng.uniform(0.5, 2.0, sx), rng.uniform(-2.0, 2.0, sy)
        return Case((x, y), expected=np.exp(y * np.log(x)), diff=(0, 1))
    x = _away_from_zero(rng, sx, 0.5, 2.0)
    n = draw(st.sampled_from([2, 3, -1]))
    expected = {2: x * x, 3: x * x * x, -1: 1.0 / x}[n]
    return Case((x, n), expected=expected, diff=(0,))


@st.composite
def _maximum(draw: Any) -> Case:
    """x on the grid 0.6 k, y on 0.6 k + 0.3 (plus small noise): never within 0.2 of each other."""
    sx, sy = draw(pairs).input_shapes
    rng = _rng(draw(seeds))
    x = rng.integers(-3, 4, sx) * 0.6 + rng.uniform(-0.05, 0.05, sx)
    y = rng.integers(-3, 4, sy) * 0.6 + 0.3 + rng.uniform(-0.05, 0.05, sy)
    if draw(st.booleans()):
        x, y = y, x
    xb, yb = np.broadcast_arrays(x, y)
    return Case((x, y), expected=np.where(xb > yb, xb, yb), diff=(0, 1))


@st.composite
def _where(draw: Any) -> Case:
    sc, sx, sy = draw(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3)).input_shapes
    rng = _rng(draw(seeds))
    c = rng.random(sc) < 0.5
    x, y = rng.uniform(-2, 2, sx), rng.uniform(-2, 2, sy)
    cb, xb, yb = np.broadcast_arrays(c, x, y)
    expected = xb * cb + yb * ~cb
    return Case((c, x, y), expected=expected, diff=(1, 2))


def _comparison(ref: Callable) -> st.SearchStrategy:
    @st.composite
    def draw(draw: Any) -> Case:
        sx, sy = draw(pairs).input_shapes
        rng = _rng(draw(seeds))
        # Small integers as floats, so that equal pairs (ties) occur.
        x, y = rng.integers(-2, 3, sx).astype(float), rng.integers(-2, 3, sy).astype(float)
        return Case((x, y), expected=ref(x, y), diff=(0, 1))

    return draw()


# -- reductions --------------------------------------------------------------------


@st.composite
def _axis(draw: Any, ndim: int) -> Any:
    """None, an int (maybe negative), or a tuple of distinct axes (maybe empty)."""
    if ndim == 0:
        return draw(st.sampled_from([None, ()]))
    kind = draw(st.sampled_from(["none", "int", "tuple"]))
    if kind == "none":
        return None
    if kind == "int":
        return draw(st.integers(-ndim, ndim - 1))
    axes = draw(st.lists(st.integers(0, ndim - 1), unique=True, max_size=ndim))
    return tuple(a - ndim if draw(st.booleans()) else a for a in axes)


def _reduction(values: Callable, ref: Callable) -> st.SearchStrategy:
    @st.composite
    def draw(draw: Any) -> Case:
        shape = draw(shapes)
        axis = draw(_axis(len(shape)))
        keepdims = draw(st.booleans())
        x = values(_rng(draw(seeds)), shape)
        return Case((x,), {"axis": axis, "keepdims": keepdims},
                    expected=ref(x, axis=axis, keepdims=keepdims))

    return draw()


def _sum_ref(x: np.ndarray, axis: Any, keepdims: bool) -> np.ndarray:
    return np.sum(x, axis=axis, keepdims=keepdims)


def _max_ref(x: np.ndarray, axis: Any, keepdims: bool) -> np.ndarray:
    return np.amax(x, axis=axis, keepdims=keepdims)


def _min_ref(x: np.ndarray, axis: Any, keepdims: bool) -> np.ndarray:
    return np.amin(x, axis=axis, keepdims=keepdims)


def _arg_extreme(pick: Callable) -> st.SearchStrategy:
    """x with ties (small integers as floats) and NaNs, axis None or an int. keepdims
    always: the generic test multiplies the result with x (broadcasting)."""

    @st.composite
    def draw(draw: Any) -> Case:
        shape = draw(shapes)
        axis = draw(st.sampled_from([None] + list(range(-len(shape), len(shape)))))
        rng = _rng(draw(seeds))
        x = rng.integers(-2, 3, shape).astype(float)
        x[rng.random(shape) < 0.1] = np.nan
        return Case((x,), {"axis": axis, "keepdims": True}, expected=_arg_ref(pick, x, axis))

    return draw()


def _arg_ref(pick: Callable, x: np.ndarray, axis: Any) -> np.ndarray:
    """The first index of the extreme along axis, by a loop over the lines (a NaN first)."""
    if axis is None:
        return _arg_ref(pick, x.reshape(-1), 0).reshape((1,) * x.ndim)
    lines = np.moveaxis(x, axis, -1)
    out = np.empty(lines.shape[:-1], dtype=np.intp)
    for i in np.ndindex(out.shape):
        line = list(lines[i])
        nans = [k for k, v in enumerate(line) if v != v]
        out[i] = nans[0] if nans else line.index(pick(line))
    return np.expand_dims(out, axis)


# -- matmul ------------------------------------------------------------------------


@st.composite
def _matmul(draw: Any) -> Case:
    kind = draw(st.sampled_from(["1d@1d", "1d@2d", "2d@1d", "2d@2d", "batched", "1d@batched", "batched@1d"]))
    n, k, m = (draw(st.integers(1, 3)) for _ in range(3))
    ba, bb = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=2, max_side=3)).input_shapes
    sa, sb = {
        "1d@1d": ((k,), (k,)), "1d@2d": ((k,), (k, m)), "2d@1d": ((n, k), (k,)),
        "2d@2d": ((n, k), (k, m)), "batched": (ba + (n, k), bb + (k, m)),
        "1d@batched": ((k,), bb + (k, m)), "batched@1d": (ba + (n, k), (k,)),
    }[kind]
    rng = _rng(draw(seeds))
    a, b = rng.uniform(-2, 2, sa), rng.uniform(-2, 2, sb)
    return Case((a, b), expected=np.matmul(a, b), diff=(0, 1))


@st.composite
def _matmul_add(draw: Any) -> Case:
    """matmul's cases plus a c that broadcasts to the product's shape: a suffix
    of it with some axes 1 (a bias)."""
    a, b = draw(_matmul()).args
    product = np.matmul(a, b).shape
    n = draw(st.integers(0, len(product)))
    shape = tuple(d if draw(st.booleans()) else 1 for d in product[len(product) - n:])
    c = _rng(draw(seeds)).uniform(-2, 2, shape)
    return Case((a, b, c), expected=np.matmul(a, b) + c, diff=(0, 1, 2))


# -- linear algebra ----------------------------------------------------------------


def _well_conditioned(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """Square matrices (..., n, n), diagonally dominant (so far from singular), each row
    signed at random (so det takes both signs)."""
    n = shape[-1]
    m = rng.uniform(-1, 1, shape) + (n + 1) * np.eye(n)
    return m * rng.choice([-1.0, 1.0], size=shape[:-1] + (1,))


@st.composite
def _square(draw: Any) -> tuple:
    n = draw(st.integers(1, 3))
    batch = draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=2))
    return batch, n


@st.composite
def _solve(draw: Any) -> Case:
    """A (..., n, n) with B (n,), (n, k) or a batch of (n, k) broadcasting with A's;
    expected from A^-1 B (numpy's inv, a loop over the batch)."""
    batch, n = draw(_square())
    kind = draw(st.sampled_from(["vector", "matrix", "batched"]))
    k = draw(st.integers(1, 3))
    rng = _rng(draw(seeds))
    if kind == "batched":
        batch, bb = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=2)).input_shapes
        sb = bb + (n, k)
    else:
        sb = (n,) if kind == "vector" else (n, k)
    a, b = _well_conditioned(rng, batch + (n, n)), rng.uniform(-2, 2, sb)
    out_batch = np.broadcast_shapes(batch, sb[:-2])
    ab = np.broadcast_to(a, out_batch + (n, n))
    bb = np.broadcast_to(b, out_batch + sb[-2:]) if b.ndim > 1 else b
    expected = np.empty(out_batch + ((n,) if b.ndim == 1 else (n, k)))
    for i in np.ndindex(out_batch):
        expected[i] = np.linalg.inv(ab[i]) @ (bb if b.ndim == 1 else bb[i])
    return Case((a, b), expected=expected, diff=(0, 1))


@st.composite
def _logabsdet(draw: Any) -> Case:
    batch, n = draw(_square())
    a = _well_conditioned(_rng(draw(seeds)), batch + (n, n))
    return Case((a,), expected=np.log(np.abs(np.linalg.det(a))))


@st.composite
def _det_sign(draw: Any) -> Case:
    """(Batches () , (1,) or (n,): the generic test multiplies the sign into A.)"""
    _, n = draw(_square())
    batch = draw(st.sampled_from([(), (1,), (n,)]))
    a = _well_conditioned(_rng(draw(seeds)), batch + (n, n))
    return Case((a,), expected=np.sign(np.linalg.det(a)))


@st.composite
def _cholesky(draw: Any) -> Case:
    """A = M M^T + n I, plus noise above the diagonal, which cholesky does not read."""
    batch, n = draw(_square())
    rng = _rng(draw(seeds))
    m = rng.uniform(-1, 1, batch + (n, n))
    a = m @ np.swapaxes(m, -1, -2) + n * np.eye(n)
    return Case((a + np.triu(rng.uniform(-1, 1, a.shape), 1),), expected=np.linalg.cholesky(a))


@st.composite
def _eigh(draw: Any) -> Case:
    """A = Q diag(w) Q^T with eigenvalues at least 0.5 apart (the eigenvectors' gradient
    needs distinct ones), plus noise in the triangle UPLO does not name, which is not read."""
    batch, n = draw(_square())
    uplo = draw(st.sampled_from(["L", "U"]))
    rng = _rng(draw(seeds))
    q, _ = np.linalg.qr(rng.standard_normal(batch + (n, n)))
    w = np.sort(rng.permutation(n) * 0.75 + rng.uniform(-0.1, 0.1, batch + (n,)) - 1.0, axis=-1)
    a = (q * w[..., None, :]) @ np.swapaxes(q, -1, -2)
    a = (a + np.swapaxes(a, -1, -2)) / 2
    w_np, v_np = np.linalg.eigh(a, UPLO=uplo)
    noise = rng.uniform(-1, 1, a.shape)
    noisy = a + (np.triu(noise, 1) if uplo == "L" else np.tril(noise, -1))
    return Case((noisy,), {"UPLO": uplo}, expected=np.concatenate([w_np[..., None, :], v_np], axis=-2))


@st.composite
def _svd(draw: Any) -> Case:
    """A = Q1 diag(s) Q2^T (m, n) with singular values at least 0.5 apart and >= 0.5 (the
    singular vectors' gradient needs distinct, nonzero ones); expected: numpy's three
    outputs packed as the primitive packs them."""
    batch, m = draw(_square())
    n = draw(st.integers(1, 3))
    # (full_matrices=True only where it adds no columns, m == n: past k they have no gradient)
    full = draw(st.booleans()) and m == n
    rng = _rng(draw(seeds))
    k = min(m, n)
    q1, _ = np.linalg.qr(rng.standard_normal(batch + (m, k)))
    q2, _ = np.linalg.qr(rng.standard_normal(batch + (n, k)))
    sv = rng.permutation(k) * 0.75 + rng.uniform(0.5, 0.6, batch + (k,))
    a = (q1 * sv[..., None, :]) @ np.swapaxes(q2, -1, -2)
    u, s_np, vh = np.linalg.svd(a, full_matrices=full)
    expected = np.concatenate([u, s_np[..., None, :], np.swapaxes(vh, -1, -2)], axis=-2)
    return Case((a,), {"full_matrices": full}, expected=expected)


@st.composite
def _qr(draw: Any) -> Case:
    """A (m, n) of full rank (diagonally dominant leading block); expected: numpy's Q and R
    packed as the primitive packs them (Q padded with zeros to n columns)."""
    batch, m = draw(_square())
    n = draw(st.integers(1, 3))
    k = min(m, n)
    rng = _rng(draw(seeds))
    a = rng.uniform(-1, 1, batch + (m, n)) + 4 * np.eye(m, n)
    q, r = np.linalg.qr(a)
    return Case((a,), expected=np.concatenate([np.pad(q, [(0, 0)] * (q.ndim - 1) + [(0, n - k)]), r], axis=-2))


# -- shapes ------------------------------------------------------------------------


@st.composite
def _reshape(draw: Any) -> Case:
    shape = draw(shapes)
    size = int(np.prod(shape))
    divisors = [d for d in range(1, size + 1) if size % d == 0]
    d = draw(st.sampled_from(divisors))
    target = draw(st.sampled_from([(size,), (-1,), shape[::-1], (1,) + shape, (d, size // d), (d, -1)]))
    x = _rng(draw(seeds)).uniform(-2, 2, shape)
    expected = x.ravel().reshape(target)
    return Case((x,), {"shape": target}, expected=expected)


@st.composite
def _permute(draw: Any) -> Case:
    shape = draw(shapes)
    axes = tuple(draw(st.permutations(range(len(shape)))))
    x = _rng(draw(seeds)).uniform(-2, 2, shape)
    expected = np.empty(tuple(shape[a] for a in axes))
    for idx in np.ndindex(expected.shape):
        src = [0] * len(shape)
        for i, a in enumerate(axes):
            src[a] = idx[i]
        expected[idx] = x[tuple(src)]
    return Case((x,), {"axes": axes}, expected=expected)


@st.composite
def _broadcast_to(draw: Any) -> Case:
    target = draw(shapes)
    keep = draw(st.integers(0, len(target)))
    shape = tuple(1 if draw(st.booleans()) else n for n in target[len(target) - keep:])
    x = _rng(draw(seeds)).uniform(-2, 2, shape)
    return Case((x,), {"shape": target}, expected=np.broadcast_to(x, target))


@st.composite
def _astype(draw: Any) -> Case:
    dtype = np.dtype(draw(st.sampled_from([np.float64, np.float32])))
    x = _rng(draw(seeds)).uniform(-2, 2, draw(shapes))
    return Case((x,), {"dtype": dtype}, expected=np.asarray(x, dtype=dtype))


# -- indexing ----------------------------------------------------------------------

INDEX_KINDS = ("int", "slice", "newaxis_ellipsis", "int_array", "int_arrays", "mask", "mixed")


@st.composite
def _slice(draw: Any, n: int) -> slice:
    """Any slice of an axis of length n: negative steps, out-of-range bounds."""
    bound = st.none() | st.integers(-n - 1, n + 1)
    return slice(draw(bound), draw(bound), draw(st.sampled_from([None, 1, 2, 3, -1, -2, -3])))


@st.composite
def _int_array(draw: Any, n: int) -> np.ndarray:
    """Indices into an axis of length n (negative ones too), with at least one repeat."""
    idx = draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=4))
    idx.append(idx[0])
    arr = np.array(idx)
    if len(arr) % 2 == 0 and draw(st.booleans()):
        arr = arr.reshape(2, -1)  # a 2-D index array
    return arr


@st.composite
def index_for(draw: Any, shape: tuple) -> Any:
    """A numpy index of one of INDEX_KINDS for an array of `shape` (ndim >= 1)."""
    ndim = len(shape)
    kind = draw(st.sampled_from(INDEX_KINDS if ndim >= 2 else INDEX_KINDS[:4] + ("mask",)))
    if kind == "int":
        k = draw(st.integers(1, ndim))
        return tuple(draw(st.integers(-n, n - 1)) for n in shape[:k])
    if kind == "slice":
        k = draw(st.integers(1, ndim))
        return tuple(draw(_slice(n)) for n in shape[:k])
    if kind == "newaxis_ellipsis":
        return draw(st.sampled_from([
            (None,), (Ellipsis, None), (None, Ellipsis, slice(None, None, -1)),
            (Ellipsis, slice(None, None, -2)), (slice(None, None, -1), None), (Ellipsis, 0),
        ]))
    if kind == "int_array":
        axis = draw(st.integers(0, ndim - 1))
        return (slice(None),) * axis + (draw(_int_array(shape[axis])),)
    if kind == "int_arrays":
        a, b = draw(_int_array(shape[0])).ravel(), draw(_int_array(shape[1])).ravel()
        if draw(st.booleans()):
            return a[:, None], b[None, :]  # broadcast to a grid
        m = min(len(a), len(b))
        return a[:m], b[:m]
    if kind == "mask":
        k = draw(st.integers(1, ndim))
        return draw(hnp.arrays(bool, shape[:k]))
    # mixed: an integer array next to a reversed slice
    return draw(_int_array(shape[0])), slice(None, None, -1)


def _flat_positions(shape: tuple, index: Any) -> np.ndarray:
    """For each element of x[index], its flat position in x (the reference for indexing)."""
    return np.arange(int(np.prod(shape))).reshape(shape)[index]


@st.composite
def _getitem(draw: Any) -> Case:
    shape = draw(nonscalar_shapes)
    index = draw(index_for(shape))
    x = _rng(draw(seeds)).uniform(-2, 2, shape)
    return Case((x,), {"index": index}, expected=x.ravel()[_flat_positions(shape, index)])


@st.composite
def _scatter_add(draw: Any) -> Case:
    shape = draw(nonscalar_shapes)
    index = draw(index_for(shape))
    pos = _flat_positions(shape, index)
    u = _rng(draw(seeds)).uniform(-2, 2, np.shape(pos))
    expected = np.zeros(int(np.prod(shape)))
    for p, v in zip(np.ravel(pos), np.ravel(u)):
        expected[p] += v  # repeated positions accumulate
    return Case((u,), {"index": index, "shape": shape}, expected=expected.reshape(shape))


@st.composite
def _scatter_reduce(draw: Any) -> Case:
    """x with u combined in at any getitem index (repeats likely) by prod (a zero among the
    entries: the VJP must not divide by it), amax or amin (distinct values: no ties),
    with or without x's entries; the reference combines element by element."""
    shape = draw(nonscalar_shapes)
    index = draw(index_for(shape))
    reduce = draw(st.sampled_from(["prod", "amax", "amin"]))
    include_self = draw(st.booleans())
    pos = _flat_positions(shape, index)
    rng = _rng(draw(seeds))
    n, m = int(np.prod(shape)), int(np.size(pos))
    if reduce == "prod":
        vals = rng.uniform(0.5, 1.5, n + m) * rng.choice([-1.0, 1.0], n + m)
        # One zero at most: two in a group zero every derivative there, and gradcheck
        # (rightly) warns that a sample with no derivative above atol checks nothing.
        # (test_scatter_family checks groups with two and three zeros.)
        if rng.random() < 0.5:
            vals[rng.integers(n + m)] = 0.0
    else:
        vals = rng.permutation(n + m) / 4.0 - 1.0
    x, u = vals[:n].reshape(shape), vals[n:].reshape(np.shape(pos))
    combine = {"prod": lambda a, b: a * b, "amax": max, "amin": min}[reduce]
    expected = x.ravel().copy()
    started = set()
    for p, v in zip(np.ravel(pos), np.ravel(u)):
        if not include_self and p not in started:
            expected[p] = v
        else:
            expected[p] = combine(expected[p], v)
        started.add(p)
    return Case((x, u), {"index": index, "reduce": reduce, "include_self": include_self},
                expected=expected.reshape(shape), diff=(0, 1))


@st.composite
def _take_along_axis(draw: Any) -> Case:
    """index of x's ndim, its length along axis free, each other axis broadcasting against
    x's (either may be 1); repeats; negative entries where wrap is True."""
    shape = draw(nonscalar_shapes)
    k = len(shape)
    axis = draw(st.integers(-k, k - 1))
    a = axis % k
    wrap = draw(st.booleans())
    x_shape, i_shape = list(shape), list(shape)
    for i in range(k):
        if i != a:
            side = draw(st.sampled_from(["both", "x1", "i1"]))
            x_shape[i] = 1 if side == "x1" else shape[i]
            i_shape[i] = 1 if side == "i1" else shape[i]
    i_shape[a] = draw(st.integers(1, 4))
    rng = _rng(draw(seeds))
    n = shape[a]
    index = rng.integers(-n if wrap else 0, n, i_shape)
    x = rng.uniform(-2, 2, x_shape)
    out_shape = tuple(i_shape[i] if i == a else max(x_shape[i], i_shape[i]) for i in range(k))
    expected = np.empty(out_shape)
    for pos in np.ndindex(*out_shape):  # the reference: one loop over the output
        ip = tuple(0 if i_shape[i] == 1 else p for i, p in enumerate(pos))
        xp = list(0 if x_shape[i] == 1 else p for i, p in enumerate(pos))
        xp[a] = index[ip] % n
        expected[pos] = x[tuple(xp)]
    return Case((x, index), {"axis": axis, "wrap": wrap}, expected=expected)


@st.composite
def _pick(draw: Any) -> Case:
    shape = draw(nonscalar_shapes)
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    rest = shape[: axis % len(shape)] + shape[axis % len(shape) + 1 :]
    rng = _rng(draw(seeds))
    index = rng.integers(0, shape[axis], rest)
    x = rng.uniform(-2, 2, shape)
    moved = np.moveaxis(x, axis, -1)  # the reference: loop over the other positions
    expected = np.empty(rest)
    for pos in np.ndindex(*rest):
        expected[pos] = moved[pos][index[pos]]
    return Case((x, index), {"axis": axis}, expected=expected)


# -- padding, joining, sliding windows --------------------------------------------------


@st.composite
def _pad(draw: Any) -> Case:
    shape = draw(nonscalar_shapes)
    widths = tuple((draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in shape)
    value = draw(st.sampled_from([0.0, -1.5]))
    x = _rng(draw(seeds)).uniform(-2, 2, shape)
    expected = np.full(tuple(n + lo + hi for n, (lo, hi) in zip(shape, widths)), value)
    expected[tuple(slice(lo, lo + n) for n, (lo, _) in zip(shape, widths))] = x
    return Case((x,), {"pad_width": widths, "value": value}, expected=expected)


@st.composite
def _concatenate(draw: Any) -> Case:
    base = draw(nonscalar_shapes)
    axis = draw(st.integers(-len(base), len(base) - 1))
    count = draw(st.integers(1, 3))
    rng = _rng(draw(seeds))
    xs = []
    for _ in range(count):
        s = list(base)
        s[axis] = draw(st.integers(1, 3))
        xs.append(rng.uniform(-2, 2, tuple(s)))
    return Case(tuple(xs), {"axis": axis}, expected=np.concatenate(xs, axis=axis),
                diff=tuple(range(count)))


# Subscript patterns for einsum: (subscripts, labels broadcast from size 1 allowed).
# Matmul, batched matmul, outer product, trace and diagonal, transpose, the bilinear
# form, attention scores, ellipsis (broadcasting too), implicit outputs, a label
# summed in one operand only, and three operands.
EINSUM_PATTERNS = (
    "ij,jk->ik", "bij,bjk->bik", "i,j->ij", "ii->", "ii->i", "ij->ji", "bi,ij,bj->b",
    "bhqd,bhkd->bhqk", "...ij,...jk->...ik", "...i,...i", "ij,jk", "ij", "ijk->j",
    "ij,j->i", "iij,jk->ik", "ij,ij->ij", "ab,bc,cd->ad", "i,i->", "...",
)


@st.composite
def einsum_case(draw: Any, pattern: Any = None, dtype: Any = np.float64) -> tuple:
    """(subscripts, operands) for one of EINSUM_PATTERNS: each label a size in [1, 3],
    each '...' a shape of up to 2 axes, which every operand may take fewer of or
    hold at size 1 (numpy's broadcasting); plain labels broadcast from size 1 too."""
    s = pattern if pattern is not None else draw(st.sampled_from(EINSUM_PATTERNS))
    lhs = s.split("->")[0]
    labels = sorted(set(lhs) - set(".,"))
    size = {c: draw(st.integers(1, 3)) for c in labels}
    dots = draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3))
    rng = _rng(draw(seeds))
    xs = []
    for term in lhs.split(","):
        shape = []
        for part in term.split("...")[:1]:
            shape += [size[c] for c in part]
        if "..." in term:
            keep = draw(st.integers(0, len(dots)))
            shape += [n if draw(st.booleans()) else 1 for n in dots[len(dots) - keep:]]
            shape += [size[c] for c in term.split("...")[1]]
        # a plain label once in a while at size 1, broadcast against the others
        shape = [1 if (n > 1 and draw(st.integers(0, 5)) == 0 and term.count(c) == 1) else n
                 for c, n in zip(term.replace("...", "." * (len(shape) - len(term) + 3)), shape)]
        xs.append(rng.uniform(-2, 2, tuple(shape)).astype(dtype))
    return s, xs


@st.composite
def _einsum(draw: Any) -> Case:
    s, xs = draw(einsum_case())
    return Case(tuple(xs), {"subscripts": s}, expected=np.einsum(s, *xs), diff=tuple(range(len(xs))))


@st.composite
def _window(draw: Any) -> tuple:
    """(lead shape, spatial sizes, output sizes, kernel_size, stride, dilation) for 1 or 2 axes."""
    k = draw(st.integers(1, 2))
    lead = draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=2))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(k))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(k))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(k))
    sizes = tuple(d * (kk - 1) + 1 + draw(st.integers(0, 3)) for kk, d in zip(kernel, dilation))
    outs = tuple((n - d * (kk - 1) - 1) // s + 1 for n, kk, s, d in zip(sizes, kernel, stride, dilation))
    return lead, sizes, outs, kernel, stride, dilation


def _window_pairs(outs: tuple, kernel: tuple, stride: tuple, dilation: tuple):
    """(output position + kernel offset, source position) for every window entry."""
    for o in np.ndindex(outs):
        for w in np.ndindex(kernel):
            src = tuple(oi * s + wi * d for oi, wi, s, d in zip(o, w, stride, dilation))
            yield o + w, src


@st.composite
def _unfold(draw: Any) -> Case:
    lead, sizes, outs, kernel, stride, dilation = draw(_window())
    x = _rng(draw(seeds)).uniform(-2, 2, lead + sizes)
    expected = np.empty(lead + outs + kernel)
    for dst, src in _window_pairs(outs, kernel, stride, dilation):
        expected[(Ellipsis,) + dst] = x[(Ellipsis,) + src]
    params = {"kernel_size": kernel, "stride": stride, "dilation": dilation}
    return Case((x,), params, expected=expected)


@st.composite
def _fold(draw: Any) -> Case:
    lead, sizes, outs, kernel, stride, dilation = draw(_window())
    u = _rng(draw(seeds)).uniform(-2, 2, lead + outs + kernel)
    expected = np.zeros(lead + sizes)
    for src, dst in _window_pairs(outs, kernel, stride, dilation):
        expected[(Ellipsis,) + dst] += u[(Ellipsis,) + src]
    params = {"size": sizes, "kernel_size": kernel, "stride": stride, "dilation": dilation}
    return Case((u,), params, expected=expected)


def _denominator(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    return _away_from_zero(rng, shape, 0.5, 2.0)


@st.composite
def _arctan2(draw: Any) -> Case:
    """(y, x) broadcasting, x away from 0 (the points away from the origin)."""
    sy, sx = draw(pairs).input_shapes
    rng = _rng(draw(seeds))
    y, x = rng.uniform(-2, 2, sy), _away_from_zero(rng, sx)
    expected = np.vectorize(math.atan2)(*np.broadcast_arrays(y, x)).astype(float)
    return Case((y, x), expected=expected, diff=(0, 1))


@st.composite
def _argsort(draw: Any) -> Case:
    """Ties (small integers as floats) and NaNs: the reference is a stable insertion sort."""
    shape = draw(nonscalar_shapes)
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    rng = _rng(draw(seeds))
    x = rng.integers(-2, 3, shape).astype(float)
    x[rng.random(shape) < 0.1] = np.nan
    moved = np.moveaxis(x, axis, -1)
    expected = np.empty(moved.shape, dtype=np.intp)
    for pos in np.ndindex(*moved.shape[:-1]):
        key = [(np.isnan(v), 0.0 if np.isnan(v) else v, i) for i, v in enumerate(moved[pos])]
        expected[pos] = [i for *_, i in sorted(key)]
    return Case((x,), {"axis": axis}, expected=np.moveaxis(expected, -1, axis))


@st.composite
def _cumsum(draw: Any) -> Case:
    shape = draw(nonscalar_shapes)
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    x = _rng(draw(seeds)).uniform(-2, 2, shape)
    moved = np.moveaxis(x, axis, -1)
    expected = np.zeros(moved.shape)
    for pos in np.ndindex(*moved.shape[:-1]):
        total = 0.0
        for j, v in enumerate(moved[pos]):
            total += v
            expected[pos + (j,)] = total
    return Case((x,), {"axis": axis}, expected=np.moveaxis(expected, -1, axis))


@st.composite
def _cumprod(draw: Any) -> Case:
    """Zeros included (the VJP must not divide); the reference multiplies left to right."""
    shape = draw(nonscalar_shapes)
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    rng = _rng(draw(seeds))
    x = rng.uniform(-2, 2, shape) * (rng.random(shape) > 0.2)
    moved = np.moveaxis(x, axis, -1)
    expected = np.zeros(moved.shape)
    for pos in np.ndindex(*moved.shape[:-1]):
        total = 1.0
        for j, v in enumerate(moved[pos]):
            total *= v
            expected[pos + (j,)] = total
    return Case((x,), {"axis": axis}, expected=np.moveaxis(expected, -1, axis))


@st.composite
def _prod(draw: Any) -> Case:
    """Over the last axis, at most one zero a row (its derivative is the others' product;
    two zeros make every derivative 0); the reference multiplies left to right."""
    shape = draw(nonscalar_shapes)
    rng = _rng(draw(seeds))
    x = _away_from_zero(rng, shape)
    zero = (rng.random(shape[:-1]) < 0.3)[..., None] & (np.arange(shape[-1]) == rng.integers(0, shape[-1]))
    x[zero] = 0.0
    expected = np.ones(shape[:-1])
    for pos in np.ndindex(*shape[:-1]):
        total = 1.0
        for v in x[pos]:
            total *= v
        expected[pos] = total
    return Case((x,), expected=expected)


SAMPLES: dict[str, st.SearchStrategy] = {
    "add": _binary(lambda x, y: x + y),
    "sub": _binary(lambda x, y: x - y),
    "mul": _binary(lambda x, y: x * y),
    "div": _binary(lambda x, y: x / y, _denominator),
    "neg": _unary(lambda x: 0.0 - x, -2, 2),
    "floor_divide": _floor_quotient(lambda x, y, q: q, diff=(0, 1)),
    "remainder": _floor_quotient(lambda x, y, q: x - q * y, diff=(0, 1)),
    "pow": _pow(),
    "exp": _unary(np.exp, -2, 2),
    "log": _unary(np.log, 0.2, 3),
    "log1p": _unary(np.log1p, -0.8, 3),
    "expm1": _unary(lambda x: np.vectorize(math.expm1)(x).astype(float), -2, 2),
    "log2": _unary(lambda x: np.vectorize(math.log2)(x).astype(float), 0.2, 3),
    "log10": _unary(lambda x: np.vectorize(math.log10)(x).astype(float), 0.2, 3),
    "arctan2": _arctan2(),
    "sin": _unary(np.sin, -3, 3),
    "cos": _unary(np.cos, -3, 3),
    "tanh": _unary(np.tanh, -3, 3),
    "erf": _unary(_math_erf, -3, 3),
    "erfinv": _unary(_bisected_erfinv, -0.95, 0.95),
    "lgamma": _unary(_math_lgamma, 0.3, 6),
    "polygamma": _polygamma(),
    "sigmoid": _unary(lambda x: 1.0 / (1.0 + np.exp(-x)), -5, 5),
    "abs": _abs(),
    "sign": _sign(),
    "signbit": _signbit(),
    "maximum": _maximum(),
    "where": _where(),
    "eq": _comparison(lambda x, y: x == y),
    "ne": _comparison(lambda x, y: x != y),
    "lt": _comparison(lambda x, y: x < y),
    "le": _comparison(lambda x, y: x <= y),
    "gt": _comparison(lambda x, y: x > y),
    "ge": _comparison(lambda x, y: x >= y),
    "sum": _reduction(lambda rng, s: rng.uniform(-2, 2, s), _sum_ref),
    "max": _reduction(_distinct, _max_ref),
    "min": _reduction(_distinct, _min_ref),
    "argmax": _arg_extreme(max),
    "argmin": _arg_extreme(min),
    "argsort": _argsort(),
    "cumsum": _cumsum(),
    "cumprod": _cumprod(),
    "prod": _prod(),
    "matmul": _matmul(),
    "matmul_add": _matmul_add(),
    "reshape": _reshape(),
    "permute": _permute(),
    "broadcast_to": _broadcast_to(),
    "getitem": _getitem(),
    "scatter_add": _scatter_add(),
    "scatter_reduce": _scatter_reduce(),
    "pick": _pick(),
    "take_along_axis": _take_along_axis(),
    "pad": _pad(),
    "concatenate": _concatenate(),
    "einsum": _einsum(),
    "astype": _astype(),
    "unfold": _unfold(),
    "fold": _fold(),
    "solve": _solve(),
    "logabsdet": _logabsdet(),
    "det_sign": _det_sign(),
    "cholesky": _cholesky(),
    "eigh": _eigh(),
    "svd": _svd(),
    "qr": _qr(),
}
