"""am.viz: computation graphs, gradient colouring, clusters, network diagrams, text trees.

Every drawing is fed to the real `dot -Tsvg` (Graphviz must be installed: a
missing `dot` fails these tests, it does not skip them). Structure is checked
by parsing the DOT text: node and edge counts, labels, fill colours.
"""

import graphlib
import importlib.util
import math
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import engine, nn, viz
from autograd_mini.engine import scope
from autograd_mini.nn import functional as F
from autograd_mini.primitives import Primitive
from autograd_mini.viz._grads import NONFINITE_COLOR, color_of, hue_of

EXPECTED = Path(__file__).parent / "expected"

# -- helpers ---------------------------------------------------------------------

_NODE = re.compile(r'^\s*(\w+) \[(.*)\]\s*$')
_EDGE = re.compile(r'^\s*(\w+) -> (\w+)(?: \[(.*)\])?\s*$')
_ATTR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|<.*>|[^\s\]]+)')


def attrs_of(text):
    out = {}
    for k, v in _ATTR.findall(text or ""):
        out[k] = v[1:-1] if v.startswith('"') else v
    return out


def parse(graph):
    """(nodes: {id: attrs}, edges: [(tail, head, attrs)]) of a graphviz graph's DOT text."""
    nodes, edges = {}, []
    for line in graph.source.splitlines():
        m = _EDGE.match(line)
        if m:
            edges.append((m.group(1), m.group(2), attrs_of(m.group(3))))
            continue
        m = _NODE.match(line)
        if m and m.group(1) not in ("graph", "node", "edge"):
            nodes[m.group(1)] = attrs_of(m.group(2))
    return nodes, edges


def dot_accepts(graph):
    """Run the real `dot -Tsvg` on the DOT text; fail (never skip) if it is missing or refuses."""
    result = subprocess.run(
        ["dot", "-Tsvg"], input=graph.source.encode("utf-8"), capture_output=True, timeout=60
    )
    assert result.returncode == 0, result.stderr.decode()
    assert b"<svg" in result.stdout
    return result.stdout


def kind(node_id):
    return re.sub(r"\d+$", "", node_id)


def norm_in(label):
    m = re.search(r"‖∇‖ (\S+)", label)
    return float(m.group(1)) if m else None


def mlp_2232(seed=0):
    am.manual_seed(seed)
    return nn.Sequential(
        nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 3), nn.Sigmoid(), nn.Linear(3, 2), nn.Sigmoid()
    )


def small_cnn(seed=0):
    am.manual_seed(seed)
    return nn.Sequential(
        nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 3 * 3, 3)
    )


def deep_mlp(act, depth=8, width=6, seed=0):
    am.manual_seed(seed)
    layers = []
    for _ in range(depth):
        layers += [nn.Linear(width, width), act()]
    return nn.Sequential(*layers, nn.Linear(width, 1))


# -- computation graph -----------------------------------------------------------


def test_graph_of_linear_model_counts_and_names():
    model = nn.Sequential(nn.Linear(2, 3), nn.Sigmoid(), nn.Linear(3, 2))
    x = am.tensor(np.ones((4, 2)))
    loss = model(x).sum()
    g = viz.draw_graph(loss, params=model, show=("op", "shape", "dtype"))
    dot_accepts(g)
    nodes, edges = parse(g)
    labels = {n: a.get("label", "") for n, a in nodes.items()}
    leaves = [labels[n] for n in nodes if kind(n) == "leaf"]
    assert sorted(lab.split("\\n")[0] for lab in leaves) == ["0.bias", "0.weight", "2.bias", "2.weight"]
    assert any(lab.startswith("0.weight\\n(3, 2)\\nfloat64") for lab in leaves)
    assert any(lab.startswith("2.bias\\n(2,)") for lab in leaves)
    ops = [n for n in nodes if kind(n) == "op"]
    tensors = [n for n in nodes if kind(n) == "tensor"]
    assert len(ops) == len(tensors)  # one output tensor per op
    # every op has exactly one outgoing edge, to its own output tensor
    for op in ops:
        assert [h for t, h, _ in edges if t == op] == ["tensor" + op[2:]]
    # the output is double-bordered
    roots = [n for n, a in nodes.items() if a.get("peripheries") == "2"]
    assert len(roots) == 1 and labels[roots[0]].startswith("()")


def test_leaves_named_after_their_module_without_params():
    lin = nn.Linear(2, 3)
    loss = lin(am.tensor(np.ones((1, 2)))).sum()
    nodes, _ = parse(viz.draw_graph(loss))
    names = sorted(a["label"].split("\\n")[0] for n, a in nodes.items() if kind(n) == "leaf")
    assert names == ["Linear(2→3).bias", "Linear(2→3).weight"]


def test_mapping_names_and_tensor_name():
    w = am.tensor([1.0, 2.0], requires_grad=True)
    v = am.tensor([3.0, 4.0], requires_grad=True)
    v.name = "v_from_name"
    loss = (w * v).sum()
    nodes, _ = parse(viz.draw_graph(loss, params={"W": w}))
    names = sorted(a["label"].split("\\n")[0] for n, a in nodes.items() if kind(n) == "leaf")
    assert names == ["W", "v_from_name"]


def test_scalar_constants_and_params_in_op_labels():
    x = am.tensor(np.ones((2, 3)), requires_grad=True)
    y = (x * 2.0).sum(axis=1)
    nodes, _ = parse(viz.draw_graph(y))
    ops = sorted(a["label"] for n, a in nodes.items() if kind(n) == "op")
    assert ops == ["mul(·, 2)", "sum(axis=1)"]
    nodes, _ = parse(viz.draw_graph(y, show=("shape",)))
    assert all(a["shape"] == "point" for n, a in nodes.items() if kind(n) == "op")


def test_value_display_for_small_tensors():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    nodes, _ = parse(viz.draw_graph((x * x).sum(), show=("value",)))
    labels = [a["label"] for a in nodes.values()]
    assert any("[1., 2.]" in lab for lab in labels)
    assert any(lab.endswith("5.") for lab in labels)


def test_multiple_outputs_and_shared_subgraph():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    h = am.exp(x)
    a, b = h.sum(), (h * h).sum()
    g = viz.draw_graph(a, b)
    dot_accepts(g)
    nodes, edges = parse(g)
    assert sum(1 for a_ in nodes.values() if a_.get("peripheries") == "2") == 2
    assert sum(1 for n in nodes if kind(n) == "op" and nodes[n]["label"] == "exp") == 1
    # h feeds `sum` once and `mul` twice (h * h)
    h_id = next(t for t, hd, _ in edges if nodes[t].get("label", "").startswith("(2,)")
                and nodes[hd]["label"] == "mul")
    assert len([1 for t, _, _ in edges if t == h_id]) == 3


# -- clusters and collapsing ---------------------------------------------------------


def test_cnn_depth1_is_one_node_per_layer():
    model = small_cnn()
    x = am.tensor(np.random.default_rng(0).standard_normal((2, 1, 8, 8)))
    out = model(x)
    full = viz.draw_graph(out, params=model)
    d1 = viz.draw_graph(out, depth=1)
    d0 = viz.draw_graph(out, depth=0)
    for g in (full, d1, d0):
        dot_accepts(g)
    n_full, _ = parse(full)
    n1, e1 = parse(d1)
    n0, _ = parse(d0)
    groups = [a["label"].split("\\n")[0] for n, a in n1.items() if kind(n) == "group"]
    assert groups == [m.label() for m in model]  # in forward order
    assert len(n1) == len(model)  # nothing else is left outside the layers
    # the layers form a chain
    assert len(e1) == len(model) - 1
    assert [a["label"].split("\\n")[0] for a in n0.values()] == ["Sequential"]
    assert not any(kind(n) == "group" for n in n_full)
    assert len(n_full) > 4 * len(n1)
    # the Conv2d group shows its output shape and the whole graph sits in one cluster
    conv = next(a["label"] for a in n1.values() if a["label"].startswith("Conv2d"))
    assert "→ (2, 4, 6, 6)" in conv
    assert d1.source.count("subgraph cluster_") == 1
    assert full.source.count("subgraph cluster_") >= 2 * len(model)


def test_params_stay_inside_their_collapsed_module_but_inputs_do_not():
    w = am.tensor(np.ones((3, 2)), requires_grad=True)  # a free leaf used inside a scope
    lin = nn.Linear(2, 3)
    x = am.tensor(np.ones((1, 2)))
    with scope("block"):
        y = lin(x) @ w
    nodes, edges = parse(viz.draw_graph(y.sum(), depth=0))
    kinds = sorted(kind(n) for n in nodes)
    assert kinds == ["group", "leaf", "op", "tensor"]  # Linear's weight and bias are inside the group
    leaf = next(n for n in nodes if kind(n) == "leaf")
    group = next(n for n in nodes if kind(n) == "group")
    assert (leaf, group, {}) in edges


def test_separate_calls_of_one_scope_stay_separate():
    x = am.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with scope("block"):
        a = am.exp(x) * 2.0
    with scope("block"):
        b = am.sin(x) + 1.0
    nodes, _ = parse(viz.draw_graph((a * b).sum(), depth=0))
    assert sum(1 for n in nodes if kind(n) == "group") == 2


def test_big_graph_is_walked_without_recursion():
    assert sys.getrecursionlimit() <= 10_000
    x = am.tensor([1.0, 2.0], requires_grad=True)
    y = x
    with scope("chain"):
        for _ in range(50_000):  # 50,000 ops + 50,000 tensors = 100,000 drawn nodes
            y = y * 1.0
    loss = y.sum()
    full = viz.draw_graph(loss, show=())
    assert full.source.count(" [") > 100_000
    g = viz.draw_graph(loss, depth=0, show=("op", "shape", "grad"))
    dot_accepts(g)
    nodes, _ = parse(g)
    assert sorted(kind(n) for n in nodes) == ["group", "leaf", "legend_grad", "op", "tensor"]
    assert viz.to_text(loss, depth=0) == "sum → ()\n└── [chain] → (2,)\n    └── leaf (2,)\n"


# -- gradients on the graph -------------------------------------------------------------


def test_grad_colour_orders_nodes_by_norm():
    x = am.tensor(np.ones(4), requires_grad=True)
    t1 = x * 10.0
    t2 = t1 * 0.01
    t3 = t2 * 1000.0
    loss = (t3 * 0.5).sum()
    g = viz.draw_graph(loss, show=("shape", "grad"))
    dot_accepts(g)
    nodes, _ = parse(g)
    coloured = [(norm_in(a["label"]), hue_of(a["fillcolor"])) for n, a in nodes.items()
                if kind(n) in ("tensor", "leaf")]
    # per element: d loss/d loss = 1, then 1, 0.5, 500, 5 and 50 (for x); norms over 4 elements
    assert sorted(n for n, _ in coloured) == pytest.approx([1.0, 1.0, 2.0, 10.0, 100.0, 1000.0], rel=1e-2)
    by_norm = [h for _, h in sorted(coloured)]
    assert by_norm == sorted(by_norm) and by_norm[0] == pytest.approx(0.0) and by_norm[-1] == pytest.approx(1.0)
    # the gradient of the root itself is 1
    root = next(a for a in nodes.values() if a.get("peripheries") == "2")
    assert "‖∇‖ 1 [1, 1]" in root["label"]


def test_grad_stats_match_autograd_for_intermediates():
    rng = np.random.default_rng(3)
    x = am.tensor(rng.standard_normal((3, 2)), requires_grad=True)
    h = am.tanh(x * 3.0)
    loss = (h * h).sum()
    (gh,) = am.autograd.grad(loss, [h], retain_graph=True)
    nodes, _ = parse(viz.draw_graph(loss, show=("shape", "grad")))
    label = next(a["label"] for n, a in nodes.items() if kind(n) == "tensor"
                 and norm_in(a["label"]) == pytest.approx(np.linalg.norm(gh.data), rel=2e-3))
    lo, hi = re.search(r"\[(\S+), (\S+)\]", label).groups()
    assert float(lo) == pytest.approx(gh.data.min(), rel=2e-3)
    assert float(hi) == pytest.approx(gh.data.max(), rel=2e-3)
    assert x.grad is None  # drawing does not touch .grad


def test_grad_same_before_and_after_backward_and_released_graph_refused():
    x = am.tensor([0.3, -1.2], requires_grad=True)
    loss = (am.sigmoid(x) * x).sum()
    before = viz.draw_graph(loss, show=("grad",)).source
    loss.backward(retain_graph=True)
    after = viz.draw_graph(loss, show=("grad",)).source
    assert before == after
    loss.backward()  # frees the graph
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        viz.draw_graph(loss)
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        viz.to_text(loss)


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")
def test_infinite_gradient_is_flagged():
    x = am.tensor([0.0, 4.0], requires_grad=True)
    loss = am.sqrt(x).sum()  # d sqrt(x)/dx = inf at 0
    g = viz.draw_graph(loss, show=("grad",))
    dot_accepts(g)
    nodes, _ = parse(g)
    leaf = next(a for n, a in nodes.items() if kind(n) == "leaf")
    assert "Inf!" in leaf["label"] and leaf["fillcolor"] == NONFINITE_COLOR and leaf["penwidth"] == "3"
    assert "Inf!" in viz.to_text(loss, show="grad")


def test_vanishing_gradients_of_deep_sigmoid_versus_relu():
    x = am.tensor(np.random.default_rng(0).standard_normal((8, 6)))
    first_vs_last = {}
    for act in (nn.Sigmoid, nn.ReLU):
        model = deep_mlp(act)
        loss = (model(x) ** 2).mean()
        g = viz.draw_graph(loss, params=model, show=("grad",), color_range=(1e-6, 1e1))
        dot_accepts(g)
        nodes, _ = parse(g)
        w = {a["label"].split("\\n")[0]: a for n, a in nodes.items() if kind(n) == "leaf"}
        first, last = w["0.weight"], w[f"{2 * 8}.weight"]
        first_vs_last[act.__name__] = norm_in(first["label"]) / norm_in(last["label"])
        assert hue_of(first["fillcolor"]) <= hue_of(last["fillcolor"])
    # sigmoid shrinks the gradient by at least 1/4 per layer: orders of magnitude over 8 layers
    assert first_vs_last["Sigmoid"] < 1e-3
    assert first_vs_last["ReLU"] > 100 * first_vs_last["Sigmoid"]


def test_shared_colour_range_and_color_of():
    assert color_of(1e-9, -6, 1) == color_of(1e-6, -6, 1)  # clipped below
    assert hue_of(color_of(1e-6, -6, 1)) == pytest.approx(0.0)
    assert hue_of(color_of(10.0, -6, 1)) == pytest.approx(1.0)
    assert color_of(0.0, -6, 1) != color_of(1e-6, -6, 1)
    assert color_of(math.nan, -6, 1) == NONFINITE_COLOR
    x = am.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match="color_range"):
        viz.draw_graph((x * x).sum(), show="grad", color_range=(1.0, 0.1))
    for bad in ("ab", (1e-3,), (1e-3, "1")):
        with pytest.raises(TypeError, match=re.escape(f"draw_graph: color_range must be a pair of numbers (lo, hi), got {bad!r}")):
            viz.draw_graph((x * x).sum(), show="grad", color_range=bad)


def test_check_graph_report_is_drawn():
    bad_square = Primitive("bad_square", lambda a: a * a, (lambda g, ans, a: g * a,), register=False)
    x = am.tensor([0.5, 1.5], requires_grad=True)
    loss = bad_square(am.exp(x)).sum()
    report = am.check_graph(loss, raise_exception=False)
    g = viz.draw_graph(loss, check=report)
    dot_accepts(g)
    nodes, _ = parse(g)
    ops = {a["label"].split("\\n")[0]: a for n, a in nodes.items() if kind(n) == "op"}
    assert "first failure" in ops["bad_square"]["label"] and ops["bad_square"]["penwidth"] == "3"
    assert "penwidth" not in ops["exp"] and "first failure" not in ops["exp"]["label"]
    assert hue_of(ops["bad_square"]["fillcolor"]) > hue_of(ops["exp"]["fillcolor"])
    assert "legend_check" in nodes
    text = viz.to_text(loss, check=report)
    assert re.search(r"bad_square → \(2,\)  err \S+  ✗ FIRST FAILURE\n", text)
    assert "FAILED" not in text
    with pytest.raises(TypeError, match="check_graph"):
        viz.draw_graph(loss, check={"not": "a report"})


# -- text tree --------------------------------------------------------------------------


def _expected_model():
    lin = nn.Linear(2, 3)
    lin.weight.data[...] = [[0.5, -1.0], [0.25, 0.75], [-0.5, 0.1]]
    lin.bias.data[...] = [0.1, -0.2, 0.3]
    x = am.tensor([[1.0, -2.0], [0.5, 0.5]])
    return lin, (am.sigmoid(lin(x)) * 2.0).mean()


@pytest.mark.parametrize("name, kwargs", [
    ("linear_sigmoid_tree.txt", {}),
    ("linear_sigmoid_tree_grad.txt", {"show": ("op", "shape", "grad"), "depth": 0}),
])
def test_text_tree_matches_expectation(name, kwargs):
    _, loss = _expected_model()
    assert viz.to_text(loss, **kwargs) == (EXPECTED / name).read_text(encoding="utf-8")


def test_text_tree_numbers_shared_nodes():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    h = am.exp(x)
    text = viz.to_text((h * h).sum(), params={"x": x})
    assert text == (
        "sum → ()\n"
        "└── mul → (2,)\n"
        "    ├── [#1] exp → (2,)\n"
        "    │   └── leaf x (2,)\n"
        "    └── ↑ #1\n"
    )


# -- network diagrams ------------------------------------------------------------------------


def test_network_2232_neurons_and_weights():
    model = mlp_2232()
    g = viz.draw_network(model)
    dot_accepts(g)
    nodes, edges = parse(g)
    neurons = [n for n in nodes if n.startswith("n")]
    weights = [(t, h, a) for t, h, a in edges if a.get("style") != "invis"]
    assert len(neurons) == 9 and len(weights) == 16
    assert g.source.count("rank=same") == 4  # one column per layer
    assert "σ = Sigmoid" in g.source
    lin = model[2]
    wmax = max(float(np.abs(m.weight.data).max()) for m in (model[0], model[2], model[4]))
    for j in range(3):
        assert nodes[f"n3_{j}"]["label"] == f"{lin.bias.data[j]:.3g}"
        for k in range(2):
            a = next(a for t, h, a in weights if (t, h) == (f"n2_{k}", f"n3_{j}"))
            w = lin.weight.data[j, k]
            assert a["color"] == (viz.network.POSITIVE if w >= 0 else viz.network.NEGATIVE)
            assert float(a["penwidth"]) == pytest.approx(0.4 + 3.6 * abs(w) / wmax, abs=0.01)
    # tracing the forward gives the same drawing
    assert viz.draw_network(model, input_size=(1, 2)).source == g.source


class _FunctionalNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(2, 3)
        self.l2 = nn.Linear(3, 2)

    def forward(self, x):
        return F.sigmoid(self.l2(F.tanh(self.l1(x))))


@settings(max_examples=10, deadline=None)
@given(widths=st.lists(st.integers(1, 6), min_size=2, max_size=5))
def test_network_counts_for_any_mlp(widths):
    layers = []
    for a, b in zip(widths, widths[1:]):
        layers += [nn.Linear(a, b), nn.Tanh()]
    g = viz.draw_network(nn.Sequential(*layers))
    nodes, edges = parse(g)
    assert len([n for n in nodes if n.startswith("n")]) == sum(widths)
    weights = [e for e in edges if e[2].get("style") != "invis"]
    assert len(weights) == sum(a * b for a, b in zip(widths, widths[1:]))
    assert g.source.count("σ = Tanh") == len(widths) - 1
    dot_accepts(g)


def test_network_finds_functional_activations_when_traced():
    model = _FunctionalNet()
    g = viz.draw_network(model, input_size=(1, 2))
    dot_accepts(g)
    assert "σ = tanh" in g.source and "σ = sigmoid" in g.source
    nodes, edges = parse(g)
    assert len([n for n in nodes if n.startswith("n")]) == 7
    assert len([e for e in edges if e[2].get("style") != "invis"]) == 12


def test_network_blocks_for_cnn_with_shapes_and_counts():
    model = small_cnn()
    model.train()
    g = viz.draw_network(model, input_size=(1, 1, 8, 8))
    dot_accepts(g)
    assert model.training and all(m.training for m in model)
    nodes, edges = parse(g)
    assert len(nodes) == len(model) + 1 and len(edges) == len(model)
    conv = nodes["layer1"]["label"]
    assert conv == "Conv2d(1→4, 3×3)\\n→ (1, 4, 6, 6)\\n40 params"
    assert nodes["layer5"]["label"] == "Linear(36→3)\\n→ (1, 3)\\n111 params"
    assert nodes["input"]["label"] == "input\\n(1, 1, 8, 8)"
    # without an input size: same blocks, no shapes
    nodes2, _ = parse(viz.draw_network(model))
    assert nodes2["layer1"]["label"] == "Conv2d(1→4, 3×3)\\n40 params"


def test_wide_mlp_is_drawn_as_blocks():
    am.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 40), nn.ReLU(), nn.Linear(40, 2))
    nodes, _ = parse(viz.draw_network(model, max_neurons=32))
    assert sorted(nodes) == ["input", "layer1", "layer2", "layer3"]
    nodes, edges = parse(viz.draw_network(model, max_neurons=40))
    assert len([n for n in nodes if n.startswith("n")]) == 44
    assert len([e for e in edges if e[2].get("style") != "invis"]) == 160


def test_network_leaves_batchnorm_statistics_alone():
    am.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU())
    before = model[1].running_mean.data.copy()
    dot_accepts(viz.draw_network(model, input_size=(5, 3)))
    np.testing.assert_array_equal(model[1].running_mean.data, before)
    assert model.training


# -- rendering ---------------------------------------------------------------------------------


def test_render_files_and_jupyter(tmp_path):
    x = am.tensor([1.0, 2.0], requires_grad=True)
    g = viz.draw_graph((x * x).sum(), show=("op", "shape", "grad"))
    png = viz.render(g, tmp_path / "g.png")
    assert Path(png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = viz.render(viz.draw_network(mlp_2232()), tmp_path / "sub" / "net", format="svg")
    assert b"<svg" in Path(svg).read_bytes()
    assert "image/svg+xml" in g._repr_mimebundle_()


def test_render_without_dot_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    x = am.tensor([1.0, 2.0], requires_grad=True)
    g = viz.draw_graph((x * x).sum())
    with pytest.raises(viz.GraphvizNotFound, match="apt-get install graphviz / brew install graphviz"):
        viz.render(g, tmp_path / "g.svg")
    assert "digraph" in g.source  # the DOT text needs no binary
    assert "mul" in viz.to_text((x * x).sum())


# -- bad input -----------------------------------------------------------------------------------


def test_bad_input_is_refused_clearly():
    model = mlp_2232()
    x = am.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    with pytest.raises(TypeError, match="draw_network"):
        viz.draw_graph(model)
    with pytest.raises(TypeError, match="not a Tensor"):
        viz.draw_graph(np.ones(3))
    with pytest.raises(TypeError, match="not a Tensor"):
        viz.to_text(loss, [loss])
    with pytest.raises(ValueError, match="at least one"):
        viz.draw_graph()
    with pytest.raises(ValueError, match="unknown show key 'grads'"):
        viz.draw_graph(loss, show=("op", "grads"))
    with pytest.raises(ValueError, match="unknown show key"):
        viz.to_text(loss, show="everything")
    with pytest.raises(TypeError, match="show"):
        viz.draw_graph(loss, show=3)
    with pytest.raises(ValueError, match="depth"):
        viz.draw_graph(loss, depth=-1)
    with pytest.raises(ValueError, match="rankdir"):
        viz.draw_graph(loss, rankdir="XY")
    with pytest.raises(TypeError, match="params"):
        viz.draw_graph(loss, params=[x])
    with pytest.raises(ValueError, match="single-element"):
        viz.draw_graph(x * x, show="grad")
    with pytest.raises(TypeError, match="nn.Module"):
        viz.draw_network(loss)
    with pytest.raises(ValueError, match=r"forward of Sequential failed for input_size \(1, 5\)"):
        viz.draw_network(model, input_size=(1, 5))
    with pytest.raises(ValueError, match="input_size"):
        viz.draw_network(model, input_size="2")
    with pytest.raises(ValueError, match="max_neurons"):
        viz.draw_network(model, max_neurons=0)
    with pytest.raises(ValueError, match="format"):
        viz.render(viz.draw_graph(loss), "out.xyz")
    with pytest.raises(TypeError, match="graphviz graph"):
        viz.render("digraph {}", "out.svg")


# -- the gallery example ---------------------------------------------------------------------------


def test_graph_gallery_writes_small_svgs(tmp_path):
    spec = importlib.util.spec_from_file_location(
        "graph_gallery", Path(__file__).parents[1] / "examples" / "graph_gallery.py"
    )
    gallery = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gallery)
    gallery.main(["--out", str(tmp_path)])
    svgs = sorted(p.name for p in tmp_path.glob("*.svg"))
    assert svgs == sorted([
        "cnn_graph_depth1.svg", "cnn_graph_full.svg", "cnn_blocks.svg", "grad_sigmoid_vs_relu.svg",
        "deep_sigmoid_graph.svg", "deep_relu_graph.svg", "network.svg",
    ])
    for p in tmp_path.glob("*.svg"):
        assert b"<svg" in p.read_bytes() and p.stat().st_size < 150_000
    assert "[Conv2d(1→4, 3×3)]" in (tmp_path / "cnn_graph_depth1.txt").read_text(encoding="utf-8")
    # the committed README pictures exist and stay small
    for name in ("network.svg", "grad_sigmoid_vs_relu.svg"):
        p = Path(__file__).parents[1] / "examples" / "images" / name
        assert b"<svg" in p.read_bytes() and p.stat().st_size < 100_000


def test_text_tree_displays_as_the_tree_at_a_prompt():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    text = viz.to_text((x * x).sum())
    assert isinstance(text, str) and repr(text) == str(text) and "\n" in repr(text)


# -- found by a review ----------------------------------------------------------------


def test_to_text_getitem_with_array_tuple_index_is_one_line():
    x = am.tensor(np.arange(30.0).reshape(10, 3), requires_grad=True)
    y = x[np.arange(10)[:, None], np.array([0, 2])].sum()
    text = str(am.viz.to_text(y))
    assert len(text.strip().splitlines()) == 3, text
    src = am.viz.draw_graph(y).source
    op_lines = [l for l in src.splitlines() if "getitem" in l]
    assert op_lines and op_lines[0].rstrip().endswith("]"), src


def test_draw_network_nan_weight_keeps_other_edge_widths_finite():
    from autograd_mini import nn
    am.manual_seed(0)
    net = nn.Sequential(nn.Linear(2, 2))
    net[0].weight.data[0, 0] = np.nan
    src = am.viz.draw_network(net).source
    widths = [l.split("penwidth=")[1].split()[0] for l in src.splitlines() if "penwidth=" in l]
    assert sum(w == "nan" for w in widths) <= 1, widths


def test_draw_network_nan_and_inf_weights_are_neither_sign_and_keep_finite_widths():
    # a NaN weight was drawn red (the caption's "red < 0"), and one inf weight made
    # max |w| = inf, so every finite weight was drawn as thin as a zero
    model = nn.Sequential(nn.Linear(2, 2))
    model[0].weight.data[...] = [[-1.0, 0.5], [np.nan, np.inf]]
    g = viz.draw_network(model)
    dot_accepts(g)
    _, edges = parse(g)
    edge = {(t, h): a for t, h, a in edges if a.get("style") != "invis"}
    assert edge["n1_0", "n2_0"]["color"] == viz.network.NEGATIVE
    assert float(edge["n1_0", "n2_0"]["penwidth"]) == pytest.approx(4.0)  # |w| = max finite |w|
    assert float(edge["n1_1", "n2_0"]["penwidth"]) == pytest.approx(0.4 + 3.6 * 0.5)
    for k in range(2):
        assert edge["n1_%d" % k, "n2_1"]["color"] == viz.network.NONFINITE
    assert "max |w| = 1," in g.source and "magenta NaN/Inf" in g.source
    assert "magenta" not in viz.draw_network(mlp_2232()).source


def test_to_text_grows_linearly_with_a_deep_chain():
    # docstring: "the text grows with the graph"; indentation makes it quadratic in depth
    # (a 20,000-op chain gives 800 MB of text)
    x = am.tensor([1.0], requires_grad=True)
    y = x
    n = 2000
    for _ in range(n):
        y = y * 1.0001
    text = am.viz.to_text(y.sum())
    assert len(text) < 200 * n, len(text)


def test_draw_network_draws_every_call_of_a_layer():
    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.l = nn.Linear(3, 3)

        def forward(self, x):
            return self.l(self.l(x))

    class TwoSigmoids(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Linear(2, 2), nn.Linear(2, 2)

        def forward(self, x):
            return self.b(F.sigmoid(F.sigmoid(self.a(x))))

    am.manual_seed(0)
    tied = Tied()
    g = viz.draw_network(tied, (1, 3))
    dot_accepts(g)
    assert 'label="layer 3' in g.source and g.source.count('tooltip="W') == 18
    assert "forward" not in tied.l.__dict__  # the tracing wrapper is gone
    own = tied.l.__dict__["forward"] = tied.l.forward  # a forward of the instance's own is put back
    viz.draw_network(tied, (1, 3))
    assert tied.l.__dict__["forward"] is own
    assert "σ = sigmoid → sigmoid" in viz.draw_network(TwoSigmoids(), (1, 2)).source
    blocks = viz.draw_network(Tied(), (1, 3), max_neurons=2).source  # the block diagram
    assert blocks.count("Linear(3→3)") == 2

    class Softmaxes(nn.Module):  # composites that call composites: one block per call
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 4)

        def forward(self, x):
            return F.log_softmax(F.softmax(self.fc(x), dim=1), dim=1)

    labels = re.findall(r'label="([^"\\]*)', viz.draw_network(Softmaxes(), (2, 3), max_neurons=2).source)
    assert labels == ["input", "Linear(3→4)", "softmax", "log_softmax", "Softmaxes: 3 layers, 16 parameters"]

    class LeakyTwice(nn.Module):  # one composite called twice in a row: two blocks
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 4)

        def forward(self, x):
            return F.leaky_relu(F.leaky_relu(self.fc(x), 0.1), 0.2)

    labels = re.findall(r'label="([^"\\]*)', viz.draw_network(LeakyTwice(), (2, 3), max_neurons=2).source)
    assert labels == ["input", "Linear(3→4)", "leaky_relu", "leaky_relu", "LeakyTwice: 3 layers, 16 parameters"]
    assert not engine._mode.calls  # (set only while the model runs)
    y = F.leaky_relu(am.tensor([1.0, -1.0], requires_grad=True))
    assert type(y.grad_fn.scope[-1]) is str  # outside draw_network: plain names


def test_labels_that_look_like_html_are_drawn_as_text():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.l = nn.Linear(2, 2)

        def label(self):
            return "<net>"

        def forward(self, x):
            return self.l(x)

    x = am.tensor([1.0, 2.0], requires_grad=True)
    with scope("<x & y>"):
        y = (x * 3).sum()
    assert b"&lt;x &amp; y&gt;" in dot_accepts(viz.draw_graph(y))
    am.manual_seed(0)
    assert b"&lt;net&gt;" in dot_accepts(viz.draw_graph(Net()(am.tensor([[1.0, 2.0]])).sum()))

    class Gate(nn.Module):  # a leaf module: a block of its own
        def label(self):
            return "<gate>"

        def forward(self, x):
            return x * 2.0

    blocks = viz.draw_network(nn.Sequential(Gate(), nn.Linear(2, 2)), (1, 2), max_neurons=1)
    assert b"&lt;gate&gt;" in dot_accepts(blocks)


def test_to_text_writes_a_root_that_another_root_uses_once():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    a = x.sin()
    text = str(viz.to_text(a, a * 2))
    assert text.count("sin →") == 1 and text.count("leaf") == 1 and "└── ↑ #1" in text
    h, chain = x, []
    for _ in range(50):
        h = h * 1.5
        chain.append(h)
    assert len(str(viz.to_text(*chain)).splitlines()) == 51 + 49  # each op once, 49 references


# -- found by a review: calls of one scope, layers the trace missed or invented ----------


def _clusters(graph):
    """[[label, ids of the nodes directly inside]] of the DOT text's clusters, in order."""
    found, stack = [], []
    for line in graph.source.splitlines():
        s = line.strip()
        if s.startswith("subgraph cluster_"):
            stack.append(["", []])
            found.append(stack[-1])
        elif s == "}" and stack:
            stack.pop()
        elif stack and s.startswith("color="):  # the cluster's attributes
            stack[-1][0] = attrs_of(s)["label"]
        elif stack and _NODE.match(line):
            stack[-1][1].append(_NODE.match(line).group(1))
    return found


def _acyclic(edges):
    """True when the drawn edges have no cycle (a recorded graph never has one)."""
    inputs = {}
    for t, h, _ in edges:
        inputs.setdefault(h, set()).add(t)
    try:
        graphlib.TopologicalSorter(inputs).prepare()
    except graphlib.CycleError:
        return False
    return True


def test_draw_network_traced_draws_no_layer_for_work_on_parameters_alone():
    # the second conv's weight reshape does not depend on the input: it is no layer
    am.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Conv2d(2, 3, 3))
    g = viz.draw_network(net, input_size=(1, 1, 6, 6))
    dot_accepts(g)
    labels = re.findall(r'label="([^"]*)"', g.source)
    assert labels == [
        "input\\n(1, 1, 6, 6)", "Conv2d(1→2, 3×3)\\n→ (1, 2, 4, 4)\\n20 params",
        "ReLU\\n→ (1, 2, 4, 4)", "Conv2d(2→3, 3×3)\\n→ (1, 3, 2, 2)\\n57 params",
        "Sequential: 3 layers, 77 parameters",
    ]

    class Functional(nn.Module):  # a weight transposed outside any layer: no layer either
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(am.randn(2, 3))
            self.act = nn.Tanh()

        def forward(self, x):
            return self.act(x @ self.w.T)

    labels = re.findall(r'label="([^"\\]*)', viz.draw_network(Functional(), (1, 3), max_neurons=1).source)
    assert labels == ["input", "matmul", "Tanh", "Functional: 2 layers, 6 parameters"]


def test_draw_network_traced_keeps_layers_fed_by_other_tensors_than_the_input():
    # features a frozen backbone made under no_grad, and a layer applied to a parameter
    class FrozenBackbone(nn.Module):
        def __init__(self):
            super().__init__()
            self.backbone = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
            self.head = nn.Sequential(nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 2))

        def forward(self, x):
            with am.no_grad():
                feats = self.backbone(x)
            return self.head(feats)

    class LearnedQuery(nn.Module):
        def __init__(self):
            super().__init__()
            self.q = nn.Parameter(am.randn(1, 3))
            self.qproj, self.inp = nn.Linear(3, 3), nn.Linear(3, 3)

        def forward(self, x):
            return self.inp(x) * self.qproj(self.q)

    am.manual_seed(0)
    for model, size, expected in [
        (FrozenBackbone(), (1, 4), ["input", "Linear(8→8)", "Tanh", "Linear(8→2)"]),
        (LearnedQuery(), (1, 3), ["input", "Linear(3→3)", "Linear(3→3)", "mul"]),
    ]:
        labels = re.findall(r'label="([^"\\]*)', viz.draw_network(model, size, max_neurons=1).source)
        assert labels[:-1] == expected and labels[-1].endswith(f"{len(expected) - 1} layers, "
                                                               f"{sum(p.size for p in model.parameters())} parameters")


def test_two_calls_of_a_module_with_tied_weights_are_two_groups():
    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.l = nn.Linear(2, 2)

        def forward(self, x):
            return self.l(F.relu(self.l(x)))

    am.manual_seed(0)
    out = Tied()(am.randn(3, 2)).sum()
    g = viz.draw_graph(out, depth=1)
    dot_accepts(g)
    nodes, edges = parse(g)
    groups = [a["label"].split("\\n")[0] for n, a in nodes.items() if kind(n) == "group"]
    assert groups == ["Linear(2→2)", "relu", "Linear(2→2)"]
    assert _acyclic(edges)
    # the shared weight and bias are drawn once, inside Tied but outside both calls, named by their layer
    leaves = {a["label"].split("\\n")[0]: n for n, a in nodes.items() if kind(n) == "leaf"}
    assert sorted(leaves) == ["Linear(2→2).bias", "Linear(2→2).weight"]
    calls = [n for n, a in nodes.items() if kind(n) == "group" and a["label"].startswith("Linear")]
    for leaf in leaves.values():
        assert sorted(h for t, h, _ in edges if t == leaf) == sorted(calls)
    text = viz.to_text(out, depth=1)
    assert text.count("[Linear(2→2)]") == 2 and text.count("↑") == 2  # (the two shared leaves)
    # the full drawing: one Linear cluster per call, the weight in neither
    clusters = [(lab, ids) for lab, ids in _clusters(viz.draw_graph(out)) if lab.startswith("Linear")]
    assert len(clusters) == 2 and not any(kind(n) == "leaf" for _, ids in clusters for n in ids)

    class TiedInARow(nn.Module):  # nothing between the calls: each call's own ops tell them apart
        def __init__(self):
            super().__init__()
            self.l = nn.Linear(2, 2)

        def forward(self, x):
            return self.l(self.l(x))

    out = TiedInARow()(am.randn(3, 2)).sum()
    nodes, edges = parse(viz.draw_graph(out, depth=1))
    groups = [a["label"].split("\\n")[0] for n, a in nodes.items() if kind(n) == "group"]
    assert groups == ["Linear(2→2)"] * 2
    assert _acyclic(edges)

    class Siamese(nn.Module):  # one encoder applied to two inputs, side by side
        def __init__(self):
            super().__init__()
            self.enc = nn.Sequential(nn.Linear(2, 3), nn.Tanh())

        def forward(self, x, y):
            return (self.enc(x) - self.enc(y)).sum()

    out = Siamese()(am.randn(4, 2), am.randn(4, 2))
    nodes, edges = parse(viz.draw_graph(out, depth=1))
    assert sum(a["label"].startswith("Sequential") for n, a in nodes.items() if kind(n) == "group") == 2
    assert _acyclic(edges)


def test_draw_network_without_input_size_draws_a_layer_used_twice():
    am.manual_seed(0)
    lin = nn.Linear(2, 2)
    net = nn.Sequential(lin, nn.Sigmoid(), lin, nn.Sigmoid())
    g = viz.draw_network(net)
    dot_accepts(g)
    assert g.source.count("rank=same") == 3 and "Sigmoid → Sigmoid" not in g.source
    assert g.source == viz.draw_network(net, input_size=(1, 2)).source


def test_default_depth_draws_one_cluster_per_call_of_a_composite():
    x = am.tensor(np.random.default_rng(0).standard_normal((2, 3)), requires_grad=True)
    out = (am.softmax(x, axis=-1) * am.softmax(x * 2, axis=-1)).sum()
    g = viz.draw_graph(out)
    dot_accepts(g)
    nodes, _ = parse(g)
    softmaxes = [ids for label, ids in _clusters(g) if label == "softmax"]
    assert len(softmaxes) == 2
    assert [sum(nodes[n]["label"] == "exp" for n in ids) for ids in softmaxes] == [1, 1]
    assert sum(kind(n) == "group" for n in parse(viz.draw_graph(out, depth=0))[0]) == 2


def test_softmax_of_F_called_in_a_loop_is_one_group_per_call():
    # (F.softmax resolves dim and calls the composite am.softmax: no second, empty scope)
    x = am.tensor(np.random.default_rng(0).standard_normal((2, 3)), requires_grad=True)
    h = x
    for _ in range(3):
        h = F.softmax(h, dim=-1)
    for _ in range(2):
        h = F.log_softmax(h, dim=-1)
    assert sum(kind(n) == "group" for n in parse(viz.draw_graph(h.sum(), depth=0))[0]) == 5


def test_draw_network_traced_keeps_layers_that_pass_their_input_on():
    # Dropout (in eval mode) and Identity record no op; they are layers all the same
    am.manual_seed(0)
    net = nn.Sequential(nn.Identity(), nn.Linear(3, 40), nn.Dropout(0.5), nn.Identity(), nn.ReLU(),
                        nn.Linear(40, 2))
    traced = viz.draw_network(net, input_size=(1, 3))
    dot_accepts(traced)
    nodes, edges = parse(traced)
    assert [nodes[f"layer{i}"]["label"] for i in range(1, 7)] == [
        "Identity\\n→ (1, 3)", "Linear(3→40)\\n→ (1, 40)\\n160 params", "Dropout(p=0.5)\\n→ (1, 40)",
        "Identity\\n→ (1, 40)", "ReLU\\n→ (1, 40)", "Linear(40→2)\\n→ (1, 2)\\n82 params",
    ]
    assert len(edges) == 6 and "6 layers" in traced.source
    plain, _ = parse(viz.draw_network(net))
    assert [plain[f"layer{i}"]["label"].split("\\n")[0] for i in range(1, 7)] == [
        nodes[f"layer{i}"]["label"].split("\\n")[0] for i in range(1, 7)]


def test_numbers_are_positional_below_1e4_and_scientific_outside():
    # fmt_num's docstring: 3 significant digits, scientific outside [1e-3, 1e4); so
    # 1234.5 is not "1.23e+03" (Python's .3g goes scientific from 1000 on)
    from autograd_mini.viz._labels import fmt_num

    assert [fmt_num(x) for x in (0.001234, 0.5, 12.5, 123.4, 999.6, 1234.5, -1234.5, 9994.0)] == [
        "0.00123", "0.5", "12.5", "123", "1000", "1230", "-1230", "9990"]
    assert [fmt_num(x) for x in (0.0, 1e-4, 12345.0, -2e5)] == ["0", "1.00e-04", "1.23e+04", "-2.00e+05"]
    net = nn.Sequential(nn.Linear(1, 1))
    net[0].bias.data[...] = 1234.5
    nodes, _ = parse(viz.draw_network(net))
    assert any(a.get("label") == "1230" for a in nodes.values())


# -- found by a mutation test -------------------------------------------------------------------


def test_number_and_op_labels_have_their_documented_forms():
    from autograd_mini.viz._labels import fmt_num, op_label

    # the ends of [1e-3, 1e4): 1e-3 is inside, 1e4 outside
    assert [fmt_num(v) for v in (0.001, 0.000999, 1e4, float("nan"))] == ["0.001", "9.99e-04", "1.00e+04", "nan"]
    assert op_label("sum", (), {"axis": (1,), "keepdims": False}) == "sum(axis=(1,))"  # (a 1-tuple)
    assert op_label("reshape", (), {"shape": (2, 3)}) == "reshape(shape=(2, 3))"
    assert op_label("mul", (am.tensor([1.0]), np.array(2.5)), {}) == "mul(·, 2.5)"  # (a 0-d constant)
    long = op_label("reshape", (), {"shape": tuple(range(30))}, max_len=40)
    assert len(long) == 40 and long.startswith("reshape(shape=(0, 1, 2,") and long.endswith("…")


def test_gradient_statistics_of_non_finite_and_combined_gradients():
    from autograd_mini.viz._grads import GradStats

    s = GradStats.of(np.array([3.0, -np.inf, -4.0]))
    assert (s.min, s.max, s.inf, s.nan) == (-4.0, 3.0, True, False)  # min and max of the finite part
    assert math.isnan(s.norm) and s.label() == "‖∇‖ Inf!"
    both = GradStats.combine([GradStats.of(np.array([3.0, 0.0])), GradStats.of(np.array([[-4.0]]))])
    assert (both.norm, both.min, both.max) == (5.0, -4.0, 3.0)  # the norm of the concatenation
    assert both.label() == "‖∇‖ 5 [-4, 3]"


def test_draw_network_draws_linear_layers_that_do_not_chain_as_blocks():
    class TwoBranches(nn.Module):  # (two layers side by side, not one after the other)
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(2, 3)
            self.b = nn.Linear(2, 3)

        def forward(self, x):
            return self.a(x) + self.b(x)

    g = viz.draw_network(TwoBranches())
    dot_accepts(g)
    nodes, _ = parse(g)
    assert sorted(nodes) == ["input", "layer1", "layer2"]


def test_draw_network_names_only_real_activations_under_a_layer():
    am.manual_seed(0)
    net = nn.Sequential(nn.Linear(2, 3), nn.Dropout(0.5), nn.ReLU(), nn.Identity(), nn.Linear(3, 1))
    g = viz.draw_network(net)
    dot_accepts(g)
    nodes, _ = parse(g)
    assert len([n for n in nodes if n.startswith("n")]) == 6
    assert 'label="layer 2\\nLinear(2→3)\\nσ = ReLU"' in g.source
    assert "Dropout" not in g.source and "Identity" not in g.source


def test_network_edge_tooltips_name_the_weight_row_then_column_and_zero_is_positive():
    model = nn.Sequential(nn.Linear(2, 3))
    model[0].weight.data[...] = [[0.0, -1.0], [2.0, 3.0], [4.0, 5.0]]
    _, edges = parse(viz.draw_network(model))
    for j in range(3):
        for k in range(2):
            a = next(a for t, h, a in edges if (t, h) == (f"n1_{k}", f"n2_{j}"))
            w = model[0].weight.data[j, k]
            assert a["tooltip"] == f"W2[{j + 1},{k + 1}] = {w:.3g}"
            assert a["color"] == (viz.network.POSITIVE if w >= 0 else viz.network.NEGATIVE)


def test_gradient_statistics_of_huge_complex_and_empty_gradients():
    from autograd_mini.viz._grads import GradStats

    huge = GradStats.of(np.array([1e200, 1e200]))  # finite: its norm is too (no overflow to inf)
    assert huge.finite and math.isclose(huge.norm, math.sqrt(2) * 1e200)
    assert math.isclose(GradStats.combine([huge, huge]).norm, 2e200)
    z = GradStats.of(np.array([2 + 4j, 6 - 2j]))  # the imaginary parts count; min, max of |g|
    assert math.isclose(z.norm, math.sqrt(60)) and math.isclose(z.max, math.sqrt(40))
    assert z.label() == "‖∇‖ 7.75 |∇| [4.47, 6.32]"
    assert GradStats.of(np.zeros((0, 3))).label() == "‖∇‖ 0 (empty)"


def test_a_huge_finite_gradient_is_not_coloured_as_non_finite():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    src = viz.draw_graph((x * 1e200).sum(), show="grad").source
    leaf = next(line for line in src.splitlines() if line.strip().startswith("leaf1 "))
    assert NONFINITE_COLOR not in leaf and "inf" not in leaf


def test_draw_network_traced_draws_branches_as_branches_not_as_a_chain():
    class Branchy(nn.Module):  # c(sigmoid(a(x)) + b(x)): b takes the input, not sigmoid's output
        def __init__(self):
            super().__init__()
            self.a, self.b, self.c = nn.Linear(2, 3), nn.Linear(2, 3), nn.Linear(3, 1)

        def forward(self, x):
            return self.c(F.sigmoid(self.a(x)) + self.b(x))

    g = viz.draw_network(Branchy(), (1, 2))
    dot_accepts(g)
    nodes, edges = parse(g)
    label = {n: a.get("label", n).split("\\n")[0] for n, a in nodes.items()}
    drawn = sorted((label[t], label[h]) for t, h, _ in edges)
    assert drawn == sorted([("input", "Linear(2→3)"), ("Linear(2→3)", "sigmoid"), ("input", "Linear(2→3)"),
                            ("sigmoid", "add"), ("Linear(2→3)", "add"), ("add", "Linear(3→1)")])
    # an MLP whose layers do not form a chain is not drawn neuron by neuron
    class Skip(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Linear(2, 2), nn.Linear(2, 2)

        def forward(self, x):
            return self.b(F.tanh(self.a(x))) + x

    nodes, edges = parse(viz.draw_network(Skip(), (1, 2)))
    assert "input" in nodes and ("input", "layer4") in [(t, h) for t, h, _ in edges]


def test_draw_network_draws_an_mlp_with_softplus_neuron_by_neuron():
    # Softplus is as elementwise as LeakyReLU, yet such an MLP was drawn as blocks
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Linear(2, 3), nn.Linear(3, 1)

        def forward(self, x):
            return self.b(F.softplus(self.a(x)))

    model = nn.Sequential(nn.Linear(2, 3), nn.Softplus(), nn.Linear(3, 1))
    for g in (viz.draw_network(model), viz.draw_network(model, (1, 2)), viz.draw_network(Net(), (1, 2))):
        nodes, _ = parse(g)
        assert sorted(n for n in nodes if n.startswith("n")) == ["n1_0", "n1_1", "n2_0", "n2_1", "n2_2", "n3_0"]
        assert "σ = " in g.source and "oftplus" in g.source.split("σ = ")[1].split('"')[0]


def test_render_takes_the_jpeg_extension(tmp_path):
    # a photo.jpeg was refused ("unknown format 'jpeg'") although dot writes jpeg
    x = am.tensor([1.0, 2.0], requires_grad=True)
    path = viz.render(viz.draw_graph((x * x).sum()), tmp_path / "graph.jpeg")
    assert Path(path).read_bytes()[:3] == b"\xff\xd8\xff"


def test_draw_network_refuses_a_bool_max_neurons():
    with pytest.raises(ValueError, match="draw_network: max_neurons"):
        viz.draw_network(nn.Sequential(nn.Linear(2, 2)), max_neurons=True)


def test_large_graphs_cap_dots_placement_iterations():
    # (uncapped, dot took 34 s to lay out this graph of one leaf feeding 80 products)
    w = am.tensor([1.0, 2.0, 3.0], requires_grad=True)
    big = viz.draw_graph(sum((w * float(i)).sum() for i in range(80)))
    assert "nslimit=2" in big.source
    dot_accepts(big)
    small = viz.draw_graph(sum((w * float(i)).sum() for i in range(3)))
    assert "nslimit" not in small.source


def test_a_large_graph_draws_a_much_used_tensor_again_beside_each_use():
    # an RNN unrolled over T steps: each weight fed every step by one edge that crossed
    # the drawing, O(T²) virtual nodes for dot (T = 100: 108 s, then "trouble in init_rank")
    am.manual_seed(0)
    cell, inp = nn.Linear(4, 4), nn.Linear(2, 4)
    xs, h = am.tensor(np.ones((40, 1, 2))), am.tensor(np.zeros((1, 4)))
    for t in range(40):
        h = F.tanh(cell(h) + inp(xs[t]))
    g = viz.draw_graph(h.sum())
    nodes, edges = parse(g)
    heads = {}
    for t, h_, _ in edges:
        heads.setdefault(t, []).append(h_)
    weight = next(n for n, a in nodes.items() if a["label"].startswith("Linear(4→4).weight"))
    copies = [n for n in nodes if n.startswith(weight + "_use")]
    assert len(heads[weight]) == 1 and len(copies) == 39  # the tensor, then a copy per further use
    for c in copies:
        assert nodes[c]["label"] == nodes[weight]["label"] and "dashed" in nodes[c]["style"]
        assert len(heads[c]) == 1 and kind(heads[c][0]) == "op"
    assert sum(len(heads[n]) for n in [weight] + copies) == 40
    assert "drawn again beside each use" in g.source
    start = time.perf_counter()
    dot_accepts(g)
    assert time.perf_counter() - start < 5
    # a small graph draws each tensor once, with all its edges
    w = am.tensor([1.0, 2.0], requires_grad=True)
    nodes, edges = parse(viz.draw_graph(sum((w * float(i)).sum() for i in range(6))))
    assert not any("_use" in n for n in nodes) and [t for t, _, _ in edges].count("leaf1") == 6


def test_draw_network_says_when_a_models_own_forward_was_not_traced():
    class TwoBranches(nn.Module):  # b takes the input, not a's output: only a trace can tell
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Linear(2, 3), nn.Linear(2, 3)

        def forward(self, x):
            return self.a(x) + self.b(x)

    caption = "not traced (pass input_size)"
    assert caption in viz.draw_network(TwoBranches()).source
    assert caption not in viz.draw_network(TwoBranches(), (1, 2)).source
    nested = nn.Sequential(nn.Sequential(nn.Linear(2, 3), nn.Sigmoid()), nn.Linear(3, 1))
    assert caption not in viz.draw_network(nested).source  # (Sequentials chain as registered)
    dot_accepts(viz.draw_network(TwoBranches()))


def test_draw_network_writes_backslashes_in_module_labels_as_text():
    # a backslash is the start of a DOT escape: "\G" is the graph's name, "\l" a line
    # break; a model or layer named with one must read as written, as in draw_graph
    class Wide(nn.Linear):
        def label(self):
            return r"W\G\l"

    class Net(nn.Sequential):
        def label(self):
            return r"net\N"

    am.manual_seed(0)
    for model, size in ((Net(Wide(2, 2), nn.Sigmoid()), None), (Net(Wide(2, 2), nn.Sigmoid()), (1, 2)),
                        (Net(nn.Conv2d(1, 1, 1), nn.Flatten()), (1, 1, 2, 2))):
        svg = dot_accepts(viz.draw_network(model, size)).decode()
        assert r"net\N:" in svg
        assert r"W\G\l" in svg or isinstance(model[0], nn.Conv2d)


def test_a_long_chain_is_drawn_in_a_column_not_a_staircase():
    # dot drifted each step of an unrolled RNN one place sideways: 150 steps were laid
    # out 149 inches wide (a PNG of tens of thousands of pixels); an op's output now
    # pulls its consumer into line below it.
    am.manual_seed(0)
    w, h = am.randn(4, 4, requires_grad=True), am.randn(4)
    for _ in range(150):
        h = am.tanh(w @ h + 1.0)
    graph = viz.draw_graph(h.sum())
    plain = subprocess.run(["dot", "-Tplain"], input=graph.source.encode("utf-8"),
                           capture_output=True, timeout=60, check=True).stdout.decode()
    _, scale, width, height = plain.splitlines()[0].split()
    assert float(width) < 12 < 600 < float(height)  # (inches: a column of some 1000 nodes)


def test_remainder_labels_show_the_op_and_a_python_operand():
    x = am.tensor([1.5, -2.0], requires_grad=True)
    loss = (x % 0.7 + 3 % x + (x // 2) * x).sum()
    text = viz.to_text(loss)
    assert "remainder(·, 0.7) → (2,)" in text and "remainder(3, ·) → (2,)" in text
    g = viz.draw_graph(loss)
    dot_accepts(g)
    assert 'label="remainder(3, ·)"' in g.source


# -- draw_network: frozen and shared layers -------------------------------------------------


def test_draw_network_marks_frozen_and_partly_frozen_layers():
    # after model[0].requires_grad_(False) the drawing looked as if every layer trained
    model = mlp_2232()
    plain = viz.draw_network(model).source
    plain_blocks = viz.draw_network(model, (1, 2), max_neurons=1).source
    model[0].requires_grad_(False)  # frozen
    model[2].weight.requires_grad_(False)  # partly: the weight frozen, the bias trainable
    model[4].bias.requires_grad_(False)  # partly: the bias frozen
    g = viz.draw_network(model)
    dot_accepts(g)
    nodes, edges = parse(g)
    dashed = sorted({h for t, h, a in edges if a.get("style") == "dashed"})
    assert dashed == ["n2_0", "n2_1", "n3_0", "n3_1", "n3_2"]  # the frozen weights' edges only
    assert all(("(frozen)" in a["tooltip"]) == (a.get("style") == "dashed") for t, h, a in edges if "tooltip" in a)
    assert sorted(n for n, a in nodes.items() if a.get("style") == "filled,dashed") == \
        ["n2_0", "n2_1", "n4_0", "n4_1"]  # the neurons whose bias is frozen
    assert "Linear(2→2)\\nσ = Sigmoid\\nfrozen" in g.source
    assert "Linear(2→3)\\nσ = Sigmoid\\nweight frozen" in g.source
    assert "Linear(3→2)\\nσ = Sigmoid\\nbias frozen" in g.source
    assert "\\n23 parameters, 9 trainable\\ndashed: frozen (requires_grad False)" in g.source

    blocks = viz.draw_network(model, (1, 2), max_neurons=1)
    dot_accepts(blocks)
    nodes, _ = parse(blocks)
    assert nodes["layer1"]["label"] == "Linear(2→2)\\n→ (1, 2)\\n6 params, frozen"
    assert nodes["layer1"]["style"] == "rounded,filled,dashed" and nodes["layer1"]["fillcolor"] != "#cfe2ff"
    assert nodes["layer3"]["label"] == "Linear(2→3)\\n→ (1, 3)\\n9 params (3 trainable)"
    assert nodes["layer5"]["label"] == "Linear(3→2)\\n→ (1, 2)\\n8 params (6 trainable)"
    assert nodes["layer3"]["style"] == nodes["layer5"]["style"] == "rounded,filled,dashed"
    assert "style" not in nodes["layer2"] and "style" not in nodes["layer6"]  # (no parameters)
    assert "Sequential: 6 layers, 23 parameters (9 trainable)\\nbold dashed border: frozen" in blocks.source

    # nothing frozen: nothing marked, and the drawings are as they were
    model.requires_grad_(True)
    assert viz.draw_network(model).source == plain
    assert viz.draw_network(model, (1, 2), max_neurons=1).source == plain_blocks
    for src in (plain, plain_blocks):
        assert "frozen" not in src and src.count("dashed") == src.count("input [")  # (the input's own)
        assert "trainable" not in src


def test_draw_network_marks_a_layer_used_twice_and_counts_its_parameters_once():
    am.manual_seed(0)
    lin = nn.Linear(2, 2)
    net = nn.Sequential(lin, nn.Sigmoid(), lin, nn.Sigmoid(), nn.Linear(2, 1))  # one layer, two names
    assert sum(p.size for p in net.parameters()) == 9
    g = viz.draw_network(net)
    dot_accepts(g)
    assert g.source.count("rank=same") == 4  # (both uses are drawn, as called)
    assert "Linear(2→2)\\nσ = Sigmoid\\nalso used as layer 3" in g.source
    assert "Linear(2→2)\\nσ = Sigmoid\\nsame layer as layer 2" in g.source
    assert "\\n9 parameters\\nshared parameters are counted once in the total" in g.source
    assert g.source == viz.draw_network(net, (1, 2)).source
    blocks = viz.draw_network(net, max_neurons=1)
    dot_accepts(blocks)
    nodes, _ = parse(blocks)
    assert nodes["layer1"]["label"] == "layer 1: Linear(2→2)\\n6 params\\nalso used as layer 3"
    assert nodes["layer3"]["label"] == "layer 3: Linear(2→2)\\n6 params\\nsame layer as layer 1"
    assert nodes["layer5"]["label"] == "Linear(2→1)\\n3 params"
    assert "Sequential: 5 layers, 9 parameters\\nshared parameters are counted once" in blocks.source

    class Looped(nn.Module):  # the same layer called three times in forward
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 1, 3, padding=1)

        def forward(self, x):
            for _ in range(3):
                x = F.relu(self.conv(x))
            return x

    nodes, _ = parse(viz.draw_network(Looped(), (1, 1, 4, 4)))
    assert nodes["layer1"]["label"].endswith("10 params\\nalso used as layers 3, 5")
    assert nodes["layer5"]["label"].endswith("10 params\\nsame layer as layer 1")
    assert "3 × " not in nodes["layer5"]["label"] and "Looped: 6 layers, 10 parameters\\n" in \
        viz.draw_network(Looped(), (1, 1, 4, 4)).source

    class TiedAE(nn.Module):  # two layers, one weight
        def __init__(self):
            super().__init__()
            self.encoder, self.decoder = nn.Linear(3, 3), nn.Linear(3, 3)
            self.decoder.weight = self.encoder.weight

        def forward(self, x):
            return self.decoder(F.relu(self.encoder(x)))

    nodes, _ = parse(viz.draw_network(TiedAE(), (1, 3), max_neurons=1))
    assert nodes["layer1"]["label"].endswith("\\nshares parameters with layer 3")
    assert nodes["layer3"]["label"].endswith("\\nshares parameters with layer 1")
    assert "layer 3\\nLinear(3→3)\\nshares parameters with layer 2" in viz.draw_network(TiedAE(), (1, 3)).source

    # nothing shared: nothing marked (a parameterless layer used twice shares nothing)
    relu = nn.ReLU()
    for src in (viz.draw_network(nn.Sequential(nn.Linear(2, 2), relu, nn.Linear(2, 2), relu)).source,
                viz.draw_network(mlp_2232(), max_neurons=1).source):
        assert "shared" not in src and "same layer" not in src and "layer 1:" not in src


def test_draw_network_traces_a_model_whose_input_is_indices_with_an_integer_dtype():
    # (it fed float zeros that required grad: an Embedding first could not be traced)
    model = nn.Sequential(nn.Embedding(10, 4), nn.Flatten(), nn.Linear(12, 3))
    with pytest.raises(ValueError, match=r"indices must be integers.*pass dtype=np.int64"):
        viz.draw_network(model, (2, 3))
    g = viz.draw_network(model, (2, 3), dtype=np.int64)
    dot_accepts(g)
    assert "Embedding(10, 4)\\n→ (2, 3, 4)" in g.source and "input -> layer1" in g.source
    assert "layer2 -> layer3" in g.source and "3 layers, 79 parameters" in g.source
    with pytest.raises(TypeError, match="draw_network: dtype must be a numpy dtype"):
        viz.draw_network(model, (2, 3), dtype="nonsense")


def test_draw_network_traces_a_frozen_embedding_fed_indices():
    # (integer input cannot require grad, so a frozen Embedding first recorded nothing,
    # nor did the layers after it until a trainable one: the drawing was a bare Linear,
    # the Embedding and the activation left out, as if the model were an MLP on 4 inputs)
    model = nn.Sequential(nn.Embedding(10, 4), nn.Tanh(), nn.Linear(4, 2))
    model[0].weight.requires_grad_(False)
    g = viz.draw_network(model, (3,), dtype=np.int64)
    dot_accepts(g)
    assert "Embedding(10, 4)\\n→ (3, 4)\\n40 params, frozen" in g.source
    assert "input -> layer1" in g.source and "layer1 -> layer2" in g.source and "layer2 -> layer3" in g.source
    assert "3 layers, 50 parameters (10 trainable)" in g.source
    assert not model[0].weight.requires_grad and model[2].weight.requires_grad  # (as they were)


def test_draw_network_caption_counts_one_layer_in_the_singular():
    assert "Sequential: 1 layer, 20 parameters" in viz.draw_network(nn.Sequential(nn.Conv2d(1, 2, 3))).source
