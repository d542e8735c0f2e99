"""The package's layout: its files import what they use (no star imports, no unused
imports: what a split of a module into files leaves behind), and the old module
nn.layers still names every layer."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import autograd_mini as am

PACKAGE = Path(__file__).resolve().parents[1] / "autograd_mini"


def test_no_star_and_no_unused_imports():
    unused = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if path.name == "__init__.py":  # (its imports are the package's names)
            continue
        imported: dict[str, int] = {}
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    assert alias.name != "*", f"{path}:{node.lineno}: star import"
                    name = (alias.asname or alias.name).split(".")[0]
                    if name != "annotations":
                        imported[name] = node.lineno
        used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        for node in ast.walk(tree):  # (names read in string annotations and __all__)
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                used.update(re.findall(r"[A-Za-z_]\w*", node.value))
        unused += [f"{path.relative_to(PACKAGE)}:{line}: {name}"
                   for name, line in imported.items() if name not in used]
    assert not unused, "unused imports:\n" + "\n".join(unused)


def test_nn_layers_still_names_every_layer_it_defined_before_the_split():
    # (autograd_mini.nn.layers was the layers' module; it re-exports them, the same objects)
    from autograd_mini.nn import layers

    for name in layers.__all__:
        assert getattr(layers, name) is getattr(am.nn, name), name
    assert {"Linear", "Conv2d", "Sequential", "BatchNorm2d", "Sigmoid", "Upsample"} <= set(layers.__all__)
