"""autograd_mini: reverse-mode automatic differentiation on numpy, small enough to read.

    import autograd_mini as am
    x = am.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()      # x.grad == [2., 4.]
"""

import numpy as _np

from . import autograd, nn
from . import data, linalg, optim
from . import distributions, func
from . import accelerator, backends, cuda
from . import utils
from . import viz
from .creation import (
    arange, eye, full, full_like, get_rng_state, manual_seed, ones, ones_like, rand, rand_like,
    randn, randn_like, set_rng_state, tensor, zeros, zeros_like,
)
from .creation import Generator, array, as_tensor, asarray, bernoulli, copy, empty, from_numpy, linspace, multinomial, randint, randperm
from .creation import empty_like, geomspace, identity, logspace, tri, tril_indices, triu_indices
from .compile import compile
from .dtypes import (
    bool, complex64, complex128, double, float, float16, float32, float64, half, int, int8, int16, int32,
    int64, long, short, uint8,
)
from .dtypes import finfo, iinfo
from .engine import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .runtime import (
    are_deterministic_algorithms_enabled, get_num_threads, is_deterministic_algorithms_warn_only_enabled,
    set_num_threads, use_deterministic_algorithms,
)
from .functions import (
    abs, argmax, argmin, array_split, broadcast_to, clip, concatenate, cos, einsum, erf, erfinv,
    digamma, lgamma, polygamma,
    exp, flatten, floor_divide, log, log1p, log_softmax, logsumexp, masked_fill, matmul, max, maximum,
    mean, min, minimum, norm, pad, permute, relu, remainder, reshape, sigmoid, sign, sin, softmax,
    split, sqrt, squeeze, stack, std, sum, tanh, transpose, tril, triu, unsqueeze, var, where,
)
from .functions import (
    arccos, arcsin, arcsinh, arctan, arctan2, argsort, cat, ceil, clamp, cosh, cumsum, diag, diff,
    dot, expm1, flip, floor, gather, inner, log2, log10, moveaxis, outer, reciprocal, roll, round,
    rsqrt, sinh, sort, square, swapaxes, take_along_axis, tan, tensordot, topk, trace, trunc,
)
from .functions import (
    amax, amin, cross, cumprod, diagonal, kron, median, nan_to_num, nanmax, nanmean, nanmin, nansum,
    percentile, prod, quantile,
)
from .functions import (
    atleast_1d, atleast_2d, atleast_3d, broadcast_arrays, broadcast_shapes, broadcast_tensors, column_stack,
    dstack, hstack, vstack,
)
from .numpy_math import (
    arccosh, arctanh, around, cbrt, copysign, deg2rad, degrees, exp2, fabs, fix, float_power, fmax, fmin,
    hypot, isneginf, isposinf, isreal, logaddexp, logaddexp2, negative, positive, rad2deg, radians, rint,
    signbit, sinc,
)
from .numpy_arrays import (
    append, block, delete, diagflat, dsplit, expand_dims, fliplr, flipud, hsplit, insert, isin, put_along_axis,
    ravel, rot90, take, vsplit,
)
from .numpy_stats import (
    average, convolve, corrcoef, correlate, cov, cumulative_sum, ediff1d, gradient, interp, polyval, ptp, trapezoid,
    vander,
)
from .logic import all, any, isfinite, isinf, isnan
from .logic import allclose, count_nonzero, isclose, logical_and, logical_not, logical_or, logical_xor
from .selection import (
    argwhere, bincount, chunk, flatnonzero, index_add, index_copy, index_fill, index_select, masked_select, meshgrid,
    narrow, nonzero, repeat_interleave, scatter, scatter_add, scatter_reduce, searchsorted, tensor_split, tile,
    unbind, unique,
)
from .nn.functional.distances import cdist
from .gradcheck import GradcheckError, check_graph, gradcheck, gradgradcheck, numerical_grad
from .serialization import load, save
from .tensor import Tensor, device, get_default_dtype, is_tensor, set_default_dtype, set_printoptions
from .torch_methods import add, addcdiv, addcmul, addmm, baddbmm, bmm, cholesky_inverse, cholesky_solve, diag_embed, lerp, logdet, mm, mv, numel
from .transforms import grad, hessian, hvp, jacobian, jvp, value_and_grad

# numpy's constants (PyTorch has them under the same names)
pi, e, inf, nan, newaxis = _np.pi, _np.e, _np.inf, _np.nan, _np.newaxis

__version__ = "0.1.0"
