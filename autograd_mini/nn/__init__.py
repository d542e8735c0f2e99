"""Neural networks: `Module`, layers, containers, recurrent layers (RNN, LSTM, GRU and
their cells), `functional` (as F), `init`, `summary`, `utils` (clip_grad_norm_, clip_grad_value_,
parameters_to_vector, vector_to_parameters).

    import autograd_mini as am
    from autograd_mini import nn
    from autograd_mini.nn import functional as F

    model = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 2), nn.Sigmoid())
    print(model)                                  # the tree, with parameter shapes
    print(nn.summary(model, input_size=(1, 2)))   # output shapes and parameter counts
"""

from . import functional, init, utils
from .activation import (
    CELU, ELU, GELU, GLU, Hardsigmoid, Hardswish, Hardtanh, LeakyReLU, LogSigmoid, LogSoftmax, Mish,
    PReLU, ReLU, ReLU6, SELU, Sigmoid, SiLU, Softmax, Softmin, Softplus, Softsign, Tanh, Tanhshrink,
    Threshold,
)
from .activation import Hardshrink, RReLU, Softmax2d, Softshrink
from .conv import Conv1d, Conv2d, ConvTranspose2d
from .dropout import AlphaDropout, Dropout, Dropout2d, FeatureAlphaDropout
from .embedding import Embedding, EmbeddingBag
from .flatten import Flatten, Unflatten
from .fold import Fold, Unfold
from .linear import Bilinear, Identity, Linear
from .normalization import BatchNorm1d, BatchNorm2d, GroupNorm, InstanceNorm1d, InstanceNorm2d, LayerNorm
from .normalization import LocalResponseNorm
from .padding import ConstantPad2d, ZeroPad2d
from .shuffle import ChannelShuffle, PixelShuffle, PixelUnshuffle
from .pooling import AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool2d, MaxPool2d, MaxUnpool2d
from .pooling import LPPool2d
from .one_d import (
    AdaptiveAvgPool1d, AdaptiveMaxPool1d, AvgPool1d, ConvTranspose1d, Dropout1d, MaxPool1d, MaxUnpool1d,
)
from .three_d import AdaptiveAvgPool3d, AvgPool3d, BatchNorm3d, Conv3d, Dropout3d, MaxPool3d
from .three_d import AdaptiveMaxPool3d, ConvTranspose3d, InstanceNorm3d, MaxUnpool3d
from .upsampling import Upsample
from .loss import (
    BCELoss, BCEWithLogitsLoss, CosineEmbeddingLoss, CrossEntropyLoss, GaussianNLLLoss, HingeEmbeddingLoss,
    HuberLoss, KLDivLoss, L1Loss, MarginRankingLoss, MSELoss, MultiLabelSoftMarginLoss, MultiMarginLoss,
    NLLLoss, PoissonNLLLoss, SmoothL1Loss, SoftMarginLoss, TripletMarginLoss, TripletMarginWithDistanceLoss,
)
from .distance import CosineSimilarity, PairwiseDistance
from .containers import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .attention import MultiheadAttention
from .transformer import (
    Transformer, TransformerDecoder, TransformerDecoderLayer, TransformerEncoder, TransformerEncoderLayer,
)
from .rnn import GRU, GRUCell, LSTM, LSTMCell, RNN, RNNCell
from .module import IncompatibleKeys, Module, Parameter, RemovableHandle
from .summary import ModelSummary, SummaryRow, summary
from . import layers  # (the layers' former module, re-exporting them: autograd_mini.nn.layers.X)

__all__ = [
    "functional", "init", "utils", "summary", "ModelSummary", "SummaryRow", "Module",
    "Parameter", "IncompatibleKeys", "RemovableHandle", "Sequential", "ModuleList",
    "ModuleDict", "ParameterList", "ParameterDict", "MultiheadAttention", "TransformerEncoderLayer",
    "TransformerEncoder", "TransformerDecoderLayer", "TransformerDecoder", "Transformer", "Linear", "Conv1d",
    "Conv2d", "ConvTranspose2d", "MaxPool2d", "MaxUnpool2d", "AvgPool2d", "AdaptiveAvgPool2d",
    "AdaptiveMaxPool2d", "Flatten", "Dropout", "BatchNorm1d", "BatchNorm2d", "Identity",
    "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "Softmax", "Softplus", "SiLU", "GELU", "LayerNorm",
    "Embedding", "EmbeddingBag", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "NLLLoss",
    "CrossEntropyLoss", "BCELoss", "BCEWithLogitsLoss", "RNNCell", "LSTMCell", "GRUCell", "RNN",
    "LSTM", "GRU", "ELU", "SELU", "CELU", "PReLU", "ReLU6", "Hardtanh", "Hardsigmoid",
    "Hardswish", "Mish", "Softsign", "LogSigmoid", "Tanhshrink", "Threshold", "GLU",
    "LogSoftmax", "Softmin", "GroupNorm", "InstanceNorm1d", "InstanceNorm2d", "Upsample", "Unflatten",
    "Dropout2d", "ZeroPad2d", "ConstantPad2d", "PixelShuffle", "PixelUnshuffle", "ChannelShuffle",
    "Unfold", "Fold", "KLDivLoss", "PoissonNLLLoss", "GaussianNLLLoss",
    "MarginRankingLoss", "HingeEmbeddingLoss", "SoftMarginLoss", "MultiLabelSoftMarginLoss",
    "MultiMarginLoss", "TripletMarginLoss", "TripletMarginWithDistanceLoss", "CosineEmbeddingLoss", "CosineSimilarity", "PairwiseDistance",
    "Hardshrink", "Softshrink", "RReLU", "AlphaDropout", "FeatureAlphaDropout", "Softmax2d", "Bilinear",
    "LocalResponseNorm", "LPPool2d", "MaxPool1d", "AvgPool1d", "AdaptiveAvgPool1d",
    "AdaptiveMaxPool1d", "MaxUnpool1d", "ConvTranspose1d", "Dropout1d",
    "Conv3d", "MaxPool3d", "AvgPool3d", "AdaptiveAvgPool3d", "BatchNorm3d", "Dropout3d",
    "ConvTranspose3d", "AdaptiveMaxPool3d", "MaxUnpool3d", "InstanceNorm3d",
]
