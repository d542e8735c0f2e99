"""Layers: Modules that hold parameters and call `nn.functional` in `forward`.

Every layer is a thin shell: it owns its parameters and buffers, checks the
input shape (naming the layer in the error, e.g. `Conv2d(3→8, 3×3): expected
input with 3 channels, got shape (2, 1, 5, 5)`) and delegates the math to the
composite in `functional`. No layer has backward code. Shapes are PyTorch's:
Linear weight (out, in), Conv2d weight (out, in/groups, kh, kw), images NCHW.

This module only re-exports them (so `autograd_mini.nn.layers.X` still works);
each lives in the module of its idea (import them from `autograd_mini.nn`):
    containers.py     Sequential (with ModuleList, ModuleDict, ...)
    linear.py         Identity, Linear
    flatten.py        Flatten, Unflatten
    conv.py           Conv1d, Conv2d, ConvTranspose2d
    pooling.py        MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, AdaptiveMaxPool2d
    normalization.py  BatchNorm1d, BatchNorm2d, LayerNorm, GroupNorm, InstanceNorm2d
    dropout.py        Dropout, Dropout2d
    embedding.py      Embedding
    activation.py     Sigmoid, Tanh, ReLU, ..., PReLU, GLU, Softmax, LogSoftmax, Softmin
    padding.py        ConstantPad2d, ZeroPad2d
    upsampling.py     Upsample
    _common.py        what every layer shares (the empty parameters, input checks)
"""

from .activation import (
    CELU, ELU, GELU, GLU, Hardsigmoid, Hardswish, Hardtanh, LeakyReLU, LogSigmoid, LogSoftmax, Mish,
    PReLU, ReLU, ReLU6, SELU, Sigmoid, SiLU, Softmax, Softmin, Softplus, Softsign, Tanh, Tanhshrink,
    Threshold,
)
from .containers import Sequential
from .conv import Conv1d, Conv2d, ConvTranspose2d
from .dropout import Dropout, Dropout2d
from .embedding import Embedding
from .flatten import Flatten, Unflatten
from .linear import Identity, Linear
from .normalization import BatchNorm1d, BatchNorm2d, GroupNorm, InstanceNorm2d, LayerNorm
from .padding import ConstantPad2d, ZeroPad2d
from .pooling import AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool2d, MaxPool2d
from .upsampling import Upsample

__all__ = [
    "Sequential", "Identity", "Linear", "Flatten", "Unflatten", "Conv1d", "Conv2d", "ConvTranspose2d",
    "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "BatchNorm1d", "BatchNorm2d",
    "LayerNorm", "GroupNorm", "InstanceNorm2d", "Dropout", "Dropout2d", "Embedding", "Sigmoid", "Tanh",
    "ReLU", "Softplus", "LeakyReLU", "Softmax", "SiLU", "GELU", "ELU", "CELU", "SELU", "ReLU6",
    "Hardsigmoid", "Hardswish", "Mish", "Softsign", "LogSigmoid", "Tanhshrink", "Hardtanh", "Threshold",
    "PReLU", "GLU", "LogSoftmax", "Softmin", "ConstantPad2d", "ZeroPad2d", "Upsample",
]
