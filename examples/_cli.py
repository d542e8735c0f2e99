"""Command-line checks the examples share: bad options are usage errors up front,
not tracebacks after a long training run."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path


def output_directory(parser: argparse.ArgumentParser, value: str) -> Path:
    """The --out directory, created now; a usage error if it cannot be (a file is there)
    or if it takes no files (read-only), found now rather than after the training."""
    path = Path(value)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        parser.error(f"--out {value}: cannot create the directory ({e.strerror or e})")
    try:
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as e:
        parser.error(f"--out {value}: cannot write into the directory ({e.strerror or e})")
    return path


def check_seed(parser: argparse.ArgumentParser, seed: int) -> None:
    """Seeds are ints >= 0 (what numpy's generators take)."""
    if seed < 0:
        parser.error(f"--seed must be >= 0, got {seed}")
