"""The package's files import what they use: no star imports and no unused imports
(the kind a split of a module into files leaves behind)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

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
