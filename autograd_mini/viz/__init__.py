"""am.viz: pictures of computation graphs and networks.

    draw_graph(*tensors, show=("op", "shape"), depth=None, ...)  graphviz.Digraph of the graph
    to_text(*tensors, ...)                                       the same graph as a text tree
    draw_network(model, input_size=None, ...)                    the network as the paper draws it
    render(graph, path, format=None)                             write SVG/PNG/PDF via `dot`

Digraphs display inline in Jupyter and have `.source` (DOT text) and `.render()`.
"""

from .graph import SHOW_KEYS, draw_graph
from .network import draw_network
from .render import GraphvizNotFound, render
from .text import to_text

__all__ = ["SHOW_KEYS", "GraphvizNotFound", "draw_graph", "draw_network", "render", "to_text"]
