"""torch.utils.data's path: `from torch.utils.data import DataLoader, TensorDataset` ports
with the torch -> autograd_mini rename alone (am.utils.data is am.data)."""

from __future__ import annotations

import numpy as np

import autograd_mini as am


def test_torch_utils_data_path_is_am_data():
    from autograd_mini.utils.data import DataLoader, TensorDataset
    import autograd_mini.utils.data as d

    assert am.utils.data is am.data is d
    assert DataLoader is am.data.DataLoader and TensorDataset is am.data.TensorDataset
    x, y = am.tensor(np.arange(10.0).reshape(5, 2)), am.tensor(np.arange(5))
    batches = list(am.utils.data.DataLoader(am.utils.data.TensorDataset(x, y), batch_size=2))
    assert [len(b[1]) for b in batches] == [2, 2, 1]
