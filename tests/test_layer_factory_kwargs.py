"""PyTorch's factory keywords on layers: device= and dtype=, as nn.Linear(4, 3,
device=device, dtype=torch.float64) takes them.

Every layer of autograd_mini.nn whose PyTorch counterpart takes device= takes it too, at
PyTorch's position (before dtype=), checked by tensor._check_device under the layer's
name before anything is built: None, 'cpu', 'cpu:0' and am.device('cpu') are accepted,
any other device ('cuda', ...) is a ValueError naming the layer. dtype= makes the
parameters and the floating buffers in that dtype (num_batches_tracked stays int64, as
PyTorch's)."""

from __future__ import annotations

import inspect
import re

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import nn

# The public torch.nn Module classes whose __init__ takes device= in torch 2.13 (computed
# outside this repository with inspect.signature(torch.nn.X.__init__); RNN, LSTM and GRU
# take *args, **kwargs there and hand device= to RNNBase). Hard-coded, torch being no test
# dependency; it lists layers autograd_mini does not have yet (RMSNorm, Lazy*, ...) so that
# one added later is held to it too.
TORCH_DEVICE_LAYERS = frozenset({
    "AdaptiveLogSoftmaxWithLoss", "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "Bilinear", "Conv1d",
    "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d", "Embedding",
    "EmbeddingBag", "GRU", "GRUCell", "GroupNorm", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d",
    "LSTM", "LSTMCell", "LayerNorm", "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d",
    "LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose2d",
    "LazyConvTranspose3d", "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d",
    "LazyLinear", "Linear", "LinearCrossEntropyLoss", "MultiheadAttention", "PReLU", "RMSNorm", "RNN",
    "RNNBase", "RNNCell", "RNNCellBase", "SyncBatchNorm", "Transformer", "TransformerDecoderLayer",
    "TransformerEncoderLayer",
})

# A small instance of each layer, given the factory keywords.
LAYERS = {
    "Linear": lambda **kw: nn.Linear(4, 3, **kw),
    "Bilinear": lambda **kw: nn.Bilinear(2, 3, 4, **kw),
    "PReLU": lambda **kw: nn.PReLU(3, **kw),
    "Conv1d": lambda **kw: nn.Conv1d(2, 3, 3, **kw),
    "Conv2d": lambda **kw: nn.Conv2d(2, 3, 3, **kw),
    "Conv3d": lambda **kw: nn.Conv3d(2, 3, 3, **kw),
    "ConvTranspose1d": lambda **kw: nn.ConvTranspose1d(2, 3, 3, **kw),
    "ConvTranspose2d": lambda **kw: nn.ConvTranspose2d(2, 3, 3, **kw),
    "ConvTranspose3d": lambda **kw: nn.ConvTranspose3d(2, 3, 3, **kw),
    "BatchNorm1d": lambda **kw: nn.BatchNorm1d(3, **kw),
    "BatchNorm2d": lambda **kw: nn.BatchNorm2d(3, **kw),
    "BatchNorm3d": lambda **kw: nn.BatchNorm3d(3, **kw),
    "InstanceNorm1d": lambda **kw: nn.InstanceNorm1d(3, affine=True, track_running_stats=True, **kw),
    "InstanceNorm2d": lambda **kw: nn.InstanceNorm2d(3, affine=True, track_running_stats=True, **kw),
    "InstanceNorm3d": lambda **kw: nn.InstanceNorm3d(3, affine=True, track_running_stats=True, **kw),
    "LayerNorm": lambda **kw: nn.LayerNorm(8, **kw),
    "GroupNorm": lambda **kw: nn.GroupNorm(2, 4, **kw),
    "Embedding": lambda **kw: nn.Embedding(5, 3, **kw),
    "EmbeddingBag": lambda **kw: nn.EmbeddingBag(5, 3, **kw),
    "RNNCell": lambda **kw: nn.RNNCell(3, 4, **kw),
    "LSTMCell": lambda **kw: nn.LSTMCell(3, 4, **kw),
    "GRUCell": lambda **kw: nn.GRUCell(3, 4, **kw),
    "RNN": lambda **kw: nn.RNN(3, 4, num_layers=2, bidirectional=True, **kw),
    "LSTM": lambda **kw: nn.LSTM(3, 4, proj_size=2, **kw),
    "GRU": lambda **kw: nn.GRU(3, 4, **kw),
    "MultiheadAttention": lambda **kw: nn.MultiheadAttention(4, 2, kdim=3, vdim=5, **kw),
    "TransformerEncoderLayer": lambda **kw: nn.TransformerEncoderLayer(4, 2, dim_feedforward=8, **kw),
    "TransformerDecoderLayer": lambda **kw: nn.TransformerDecoderLayer(4, 2, dim_feedforward=8, **kw),
    "Transformer": lambda **kw: nn.Transformer(4, 2, 1, 1, dim_feedforward=8, **kw),
}


def _public_layers() -> dict:
    """autograd_mini.nn's public Module classes, by name."""
    return {n: c for n, c in vars(nn).items()
            if not n.startswith("_") and isinstance(c, type) and issubclass(c, nn.Module) and c is not nn.Module}


def test_every_layer_torch_gives_device_takes_it():
    missing = [n for n, c in _public_layers().items()
               if n in TORCH_DEVICE_LAYERS and not {"device", "dtype"} <= set(inspect.signature(c).parameters)]
    assert not missing, f"layers whose PyTorch counterpart takes device=/dtype= but these do not: {missing}"
    untested = sorted(set(_public_layers()) & TORCH_DEVICE_LAYERS - set(LAYERS))
    assert not untested, f"add these layers to LAYERS: {untested}"


def test_device_comes_just_before_dtype_as_in_torch():
    # (torch's order: ..., device=None, dtype=None; positional callers get the same meaning)
    for name in LAYERS:
        names = list(inspect.signature(getattr(nn, name)).parameters)
        i = names.index("device")
        assert names[i + 1] == "dtype", name
    layer = nn.Linear(4, 3, True, "cpu", np.float32)  # (torch.nn.Linear(4, 3, True, 'cpu', torch.float32))
    assert layer.weight.dtype == np.float32
    with pytest.raises(ValueError, match="Linear: device"):
        nn.Linear(4, 3, True, np.float32)  # (torch refuses a dtype in device's place too)


@pytest.mark.parametrize("name", sorted(LAYERS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_device_and_dtype(name, dtype):
    layer = LAYERS[name](device=am.device("cpu"), dtype=dtype)
    params = dict(layer.named_parameters())
    assert params, name
    for pname, p in params.items():
        assert p.dtype == dtype, (name, pname, p.dtype)
    for bname, b in layer.named_buffers():
        expected = np.int64 if bname.endswith("num_batches_tracked") else dtype
        assert b.dtype == expected, (name, bname, b.dtype)


@pytest.mark.parametrize("name", sorted(LAYERS))
@pytest.mark.parametrize("device", [None, "cpu", "cpu:0", am.device("cpu"), am.device("cpu", 0)])
def test_cpu_accepted(name, device):
    LAYERS[name](device=device)


@pytest.mark.parametrize("name", sorted(LAYERS))
@pytest.mark.parametrize("device", ["cuda", am.device("cuda"), "cuda:0", "mps"])
def test_other_device_refused_by_name(name, device):
    with pytest.raises(ValueError, match="^" + re.escape(f"{name}: device {device!r} is not available")):
        LAYERS[name](device=device)


def test_device_checked_before_anything_is_built():
    # (the device is the first thing refused, before the sizes)
    with pytest.raises(ValueError, match="^Linear: device 'cuda'"):
        nn.Linear(-1, 3, device="cuda")
    with pytest.raises(ValueError, match="^RNNCell: device 'cuda'"):
        nn.RNNCell(3, 4, nonlinearity="sigmoid", device="cuda")
    with pytest.raises(ValueError, match="^BatchNorm2d: device 'cuda'"):
        nn.BatchNorm2d(0, device="cuda")


def test_default_dtype_unchanged_without_dtype():
    assert nn.Linear(2, 2, device="cpu").weight.dtype == am.get_default_dtype()
