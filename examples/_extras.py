"""Optional packages of the examples (the "examples" extra), imported on demand."""

from __future__ import annotations

import importlib
from types import ModuleType

HINT = 'this example needs {name}, which is in the "examples" extra: pip install -e ".[examples]"'


def require(name: str, package: str | None = None) -> ModuleType:
    """Import an optional dependency, or exit with the command that installs it.

    `package`: its name on PyPI where that is not the module's (scikit-learn).
    """
    try:
        return importlib.import_module(name)
    except ImportError:
        raise SystemExit(HINT.format(name=package or name)) from None
