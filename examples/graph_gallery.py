"""A gallery of am.viz drawings: computation graphs coloured by gradient, networks.

    python examples/graph_gallery.py                # writes SVGs into out/
    python examples/graph_gallery.py --out pics     # ... or elsewhere
    python examples/graph_gallery.py --readme       # also the README picture in examples/images/

For a small CNN on random 8x8 images: its computation graph at depth 1 (one
node per layer) and fully expanded, both coloured by gradient norm, its text
tree, and its block diagram. For a deep sigmoid MLP against the same MLP with
ReLU: the gradient reaching each layer, on one log scale, in one picture. The
sigmoid's derivative is at most 1/4, so the gradient shrinks by orders of
magnitude on its way back to the first layers (blue); ReLU passes it on
far better (it shrinks some hundreds of times over the same depth, against
about 10^5 for the sigmoid); then each of the two MLPs' full graph on one fixed
colour scale, and a freshly initialised 2-2-3-2 network neuron by neuron.
Rendering needs the Graphviz `dot` program.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _cli import output_directory  # noqa: E402

import autograd_mini as am  # noqa: E402
from autograd_mini import engine, nn, viz  # noqa: E402
from autograd_mini.nn import functional as F  # noqa: E402

IMAGES = Path(__file__).resolve().parent / "images"


def small_cnn() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 3 * 3, 3)
    )


def deep_mlp(activation: type, depth: int = 6, width: int = 6) -> nn.Module:
    layers: list[nn.Module] = []
    for _ in range(depth):
        layers += [nn.Linear(width, width), activation()]
    return nn.Sequential(*layers, nn.Linear(width, 1))


def cnn_pictures(out: Path) -> list[Path]:
    am.manual_seed(0)
    model = small_cnn()
    x = am.randn(4, 1, 8, 8)
    y = am.tensor([0, 2, 1, 2])
    loss = F.cross_entropy(model(x), y)
    show = ("op", "shape", "grad")
    written = [
        viz.render(viz.draw_graph(loss, show=show, depth=1), out / "cnn_graph_depth1.svg"),
        viz.render(viz.draw_graph(loss, show=show, params=model), out / "cnn_graph_full.svg"),
        viz.render(viz.draw_network(model, input_size=(1, 1, 8, 8)), out / "cnn_blocks.svg"),
    ]
    text = out / "cnn_graph_depth1.txt"
    text.write_text(viz.to_text(loss, show=show, depth=1), encoding="utf-8")
    return [Path(p) for p in written] + [text]


def deep_losses() -> list[am.Tensor]:
    """Mean squared outputs of the deep sigmoid and ReLU MLPs (same weights) on one batch."""
    x = am.tensor(np.random.default_rng(0).standard_normal((16, 6)))
    x.name = "x (input)"
    losses = []
    for activation in (nn.Sigmoid, nn.ReLU):
        am.manual_seed(0)  # the same weights for both
        model = deep_mlp(activation)
        # a named scope frames each model and its loss in a cluster of its own
        with engine.scope(f"{activation.__name__} MLP"):
            losses.append((model(x) ** 2).mean())
    return losses


def sigmoid_vs_relu(out: Path) -> Path:
    """Both deep MLPs in one drawing: the colour scale is shared, so it compares them."""
    # depth 2: the named scope, then the Sequential, then one node per layer
    graph = viz.draw_graph(*deep_losses(), show=("grad",), depth=2)
    graph.attr(label="gradient reaching each layer's output, same weights, same scale", labelloc="t")
    return Path(viz.render(graph, out / "grad_sigmoid_vs_relu.svg"))


def deep_graphs(out: Path) -> list[Path]:
    """Each deep MLP's full graph (weights' gradients too), on one fixed colour scale."""
    paths = []
    for name, loss in zip(("sigmoid", "relu"), deep_losses()):
        g = viz.draw_graph(loss, show=("op", "shape", "grad"), color_range=(1e-6, 1.0))
        paths.append(Path(viz.render(g, out / f"deep_{name}_graph.svg")))
    return paths


def network_2232(out: Path) -> Path:
    """A freshly initialised 2-2-3-2 sigmoid network, neuron by neuron."""
    am.manual_seed(1)
    model = nn.Sequential(
        nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 3), nn.Sigmoid(), nn.Linear(3, 2), nn.Sigmoid()
    )
    return Path(viz.render(viz.draw_network(model), out / "network.svg"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="out", help="output directory (default: out/)")
    parser.add_argument("--readme", action="store_true",
                        help=f"also write the README's gradient picture into {IMAGES}")
    args = parser.parse_args(argv)
    out = output_directory(parser, args.out)
    try:
        written = cnn_pictures(out) + [sigmoid_vs_relu(out)] + deep_graphs(out) + [network_2232(out)]
        if args.readme:
            # (the README's network picture is the trained one, from drilling.py)
            written.append(sigmoid_vs_relu(IMAGES))
    except viz.GraphvizNotFound as e:  # every picture here needs `dot`: say how to get it
        raise SystemExit(f"graph_gallery.py: {e}") from None
    for path in written:
        print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
