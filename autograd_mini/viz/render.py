"""render: write a graphviz drawing to a file, with a clear message if `dot` is missing."""

from __future__ import annotations

import os

import graphviz

INSTALL_HINT = (
    "rendering needs the Graphviz 'dot' program; install graphviz: "
    "apt-get install graphviz / brew install graphviz / conda install graphviz "
    "(the DOT text is still available as graph.source, and am.viz.to_text needs nothing)"
)

FORMATS = ("svg", "png", "pdf", "dot", "jpg", "jpeg", "gif")


class GraphvizNotFound(RuntimeError):
    """The `dot` executable of Graphviz is not installed or not on PATH."""


def render(graph: graphviz.Digraph, path: str | os.PathLike, format: str | None = None) -> str:
    """Render `graph` to `path` (SVG, PNG, PDF, ...) and return the path.

    format: one of FORMATS, in any case; taken from the path's extension when
        omitted (default "svg").
    Raises GraphvizNotFound (a RuntimeError) naming how to install Graphviz
    when the `dot` program is missing.
    """
    if not isinstance(graph, (graphviz.Digraph, graphviz.Graph)):
        raise TypeError(f"render: expected a graphviz graph, got {type(graph).__name__}")
    path = os.fspath(path)
    if format is None:
        ext = os.path.splitext(path)[1].lstrip(".").lower()
        format = ext or "svg"
    if isinstance(format, str):
        format = format.lower()  # (as the path's extension: "PNG" and "a.PNG" alike)
    if format not in FORMATS:
        raise ValueError(f"render: unknown format {format!r}; choose from {', '.join(FORMATS)}")
    try:
        data = graph.pipe(format=format)
    except graphviz.ExecutableNotFound as e:
        raise GraphvizNotFound(INSTALL_HINT) from e
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return path
