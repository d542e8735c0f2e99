"""The runnable examples in the package's docstrings run as printed."""

from __future__ import annotations

import contextlib
import io
import textwrap

import numpy as np

import autograd_mini as am
from autograd_mini import nn


def example(doc: str) -> str:
    """The first indented block of a docstring, dedented."""
    lines = doc.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("    ") and line.strip())
    end = next((i for i in range(start, len(lines)) if lines[i].strip() and not lines[i].startswith("    ")),
               len(lines))
    return textwrap.dedent("\n".join(lines[start:end]))


def run(code: str) -> tuple[dict, str]:
    namespace: dict = {}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<docstring>", "exec"), namespace)
    return namespace, out.getvalue()


def test_package_docstring_example():
    ns, _ = run(example(am.__doc__))
    np.testing.assert_array_equal(ns["x"].grad.numpy(), [2.0, 4.0])  # as its comment says


def test_nn_docstring_example():
    ns, out = run(example(nn.__doc__))
    assert "Linear(in_features=2, out_features=2" in out and "Total params: 12" in out
