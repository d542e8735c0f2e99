"""Optional packages of the examples (the "examples" extra), imported on demand."""

from __future__ import annotations

import importlib
from types import ModuleType

HINT = 'this example needs {name}, which is in the "examples" extra: pip install -e ".[examples]"'


def require(name: str) -> ModuleType:
    """Import an optional dependency, or exit with the command that installs it."""
    try:
        return importlib.import_module(name)
    except ImportError:
        raise SystemExit(HINT.format(name=name)) from None
