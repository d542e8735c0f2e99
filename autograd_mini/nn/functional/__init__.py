"""Neural-network functions (`am.nn.functional`, imported as F), PyTorch-shaped.

Layers, activations, normalisation and losses, all composed from the
primitive table: none of them has a backward of its own, so their gradients
of every order follow from the primitives' VJPs. Each public function that
records several primitives labels its nodes with a scope of its name
(`engine.scope` or `@composite`) so graph drawings can group them; sigmoid and
tanh are one primitive each, whose node bears the name already.

Images are NCHW: x of shape (N, C, H, W) (or (C, H, W) for one image).
Convolution and pooling read sliding windows with `P.unfold` (a strided view);
convolution then contracts the windows with the kernel in one matrix product.

Where things live (everything is read as F.<name>):
    _args.py           argument checks shared by the others (F._int, F._pair, F._number, ...)
    affine.py          linear (x W^T + b), bilinear (x1^T A x2 + b)
    conv.py            conv2d, conv1d, conv_transpose2d
    pooling.py         max_pool2d, max_unpool2d, avg_pool2d, adaptive_avg_pool2d, adaptive_max_pool2d,
                       lp_pool2d
    resampling.py      interpolate
    sampling.py        affine_grid, grid_sample (spatial transformers)
    shapes.py          pad, pixel_shuffle, pixel_unshuffle, channel_shuffle, unfold, fold
    activations.py     relu, gelu, elu, ..., glu, softmax, log_softmax, softmin, hardshrink,
                       softshrink, rrelu, gumbel_softmax
    regularization.py  dropout, dropout2d, alpha_dropout, feature_alpha_dropout
    one_d.py           max_pool1d, avg_pool1d, adaptive_avg_pool1d, adaptive_max_pool1d, max_unpool1d,
                       conv_transpose1d, dropout1d: the 2-D ops on sequences as (N, C, 1, L)
    three_d.py         conv3d, conv_transpose3d, max_pool3d, avg_pool3d, adaptive_avg_pool3d,
                       adaptive_max_pool3d, max_unpool3d, dropout3d (volumes NCDHW)
    normalization.py   batch_norm, layer_norm, group_norm, instance_norm, local_response_norm
    embeddings.py      embedding, embedding_bag, one_hot
    losses.py          mse_loss, l1_loss, smooth_l1_loss, huber_loss, nll_loss, cross_entropy,
                       binary_cross_entropy, binary_cross_entropy_with_logits, kl_div, poisson_nll_loss,
                       gaussian_nll_loss
    margins.py         margin_ranking_loss, hinge_embedding_loss, soft_margin_loss,
                       multilabel_soft_margin_loss, multi_margin_loss, triplet_margin_loss,
                       triplet_margin_with_distance_loss, cosine_embedding_loss
    distances.py       normalize, cosine_similarity, pairwise_distance, pdist (and am.cdist)
    ../attention.py    scaled_dot_product_attention
"""

# The private names are read as F._name by the layers, nn.init, nn.utils, nn.attention and the tests.
from ._args import (
    _beta, _check_fits, _check_reduction, _delta, _int, _is_real, _label_smoothing, _number, _pair,
    _single,
)
from .affine import _affine, bilinear, linear
from .conv import (
    _check_length, _conv1d_padding, _conv_padding, _output_padding, conv1d, conv2d, conv_transpose2d,
)
from .pooling import (
    _divisor, _output_size, _pool_fits, adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d, max_pool2d, max_unpool2d,
)
from .pooling import lp_pool2d
from .resampling import _INTERPOLATE_MODES, _SMOOTH_MODES, _repeat, _take, interpolate
from .sampling import affine_grid, grid_sample
from .shapes import channel_shuffle, fold, pad, pixel_shuffle, pixel_unshuffle, unfold
from .activations import (
    _bounds, _gelu_approximate, _softplus_beta, _softplus_threshold, celu, elu, gelu, glu, hardsigmoid, hardswish, hardtanh,
    leaky_relu, log_softmax, logsigmoid, mish, prelu, relu, relu6, selu, sigmoid, silu, softmax, softmin,
    softplus, softsign, tanh, tanhshrink, threshold,
)
from .activations import _rrelu_bounds, _softshrink_lambd, gumbel_softmax, hardshrink, rrelu, softshrink
from .regularization import _dropout_p, dropout, dropout2d
from .regularization import alpha_dropout, feature_alpha_dropout
from .one_d import (
    adaptive_avg_pool1d, adaptive_max_pool1d, avg_pool1d, conv_transpose1d, dropout1d, max_pool1d, max_unpool1d,
)
from .three_d import adaptive_avg_pool3d, avg_pool3d, conv3d, dropout3d, max_pool3d
from .three_d import adaptive_max_pool3d, conv_transpose3d, max_unpool3d
from .normalization import _normalized_shape, batch_norm, group_norm, instance_norm, layer_norm
from .normalization import local_response_norm
from .embeddings import _padding_idx, embedding, embedding_bag, one_hot
from .losses import (
    _flag, _weight_shape, binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, huber_loss,
    gaussian_nll_loss, kl_div, l1_loss, mse_loss, nll_loss, poisson_nll_loss, smooth_l1_loss,
)
from .distances import cosine_similarity, normalize, pairwise_distance, pdist
from .margins import (
    cosine_embedding_loss, hinge_embedding_loss, margin_ranking_loss, multi_margin_loss,
    multilabel_soft_margin_loss, soft_margin_loss, triplet_margin_loss, triplet_margin_with_distance_loss,
)
# Last: nn.attention imports this package back (as F, read only inside its functions), and
# nn.init, whose `from .functional import _is_real, _number` needs those two bound already.
from ..attention import scaled_dot_product_attention

__all__ = [
    "linear", "conv2d", "conv1d", "conv_transpose2d", "max_pool2d", "max_unpool2d", "avg_pool2d",
    "adaptive_avg_pool2d", "adaptive_max_pool2d", "interpolate", "affine_grid", "grid_sample", "pad",
    "pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "unfold", "fold", "relu", "leaky_relu", "sigmoid",
    "tanh", "softplus", "silu", "gelu", "elu", "selu", "celu", "prelu", "hardtanh", "relu6",
    "hardsigmoid", "hardswish", "mish", "softsign", "logsigmoid", "tanhshrink", "threshold", "glu",
    "softmax", "log_softmax", "softmin", "dropout", "dropout2d", "batch_norm", "layer_norm",
    "group_norm", "instance_norm", "embedding", "embedding_bag", "one_hot", "mse_loss", "l1_loss", "smooth_l1_loss",
    "huber_loss", "nll_loss", "cross_entropy", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "kl_div", "poisson_nll_loss", "gaussian_nll_loss",
    "margin_ranking_loss", "hinge_embedding_loss", "soft_margin_loss", "multilabel_soft_margin_loss",
    "multi_margin_loss", "triplet_margin_loss", "triplet_margin_with_distance_loss", "cosine_embedding_loss", "normalize",
    "cosine_similarity", "pairwise_distance", "pdist", "scaled_dot_product_attention",
    "hardshrink", "softshrink", "rrelu", "alpha_dropout", "feature_alpha_dropout", "bilinear",
    "local_response_norm", "lp_pool2d", "max_pool1d", "avg_pool1d", "adaptive_avg_pool1d",
    "adaptive_max_pool1d", "max_unpool1d", "conv_transpose1d", "dropout1d",
    "conv3d", "max_pool3d", "avg_pool3d", "adaptive_avg_pool3d", "dropout3d",
    "conv_transpose3d", "adaptive_max_pool3d", "max_unpool3d",
    "gumbel_softmax",
]
