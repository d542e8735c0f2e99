"""am.utils: PyTorch's torch.utils path, so `from torch.utils.data import DataLoader`
ports by renaming torch alone. `am.utils.data` is `am.data` itself (the same module)."""

import sys as _sys

from .. import data

_sys.modules[__name__ + ".data"] = data

from . import checkpoint  # noqa: E402  (torch.utils.checkpoint: checkpoint, checkpoint_sequential)
