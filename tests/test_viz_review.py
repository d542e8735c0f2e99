"""Review of am.viz's drawings as a reader sees them: what dot places where, and
what the labels say. (Tests cannot look at images: they read dot's layout,
`dot -Tplain`, and the DOT or text output.)"""

from __future__ import annotations

import subprocess

import pytest

import autograd_mini as am
from autograd_mini import nn, viz
from autograd_mini.nn import functional as F


def layout(graph):
    """{node id: (x, y)} as dot lays the graph out (y grows upwards)."""
    out = subprocess.run(["dot", "-Tplain"], input=graph.source.encode("utf-8"),
                         capture_output=True, timeout=60, check=True).stdout.decode("utf-8")
    pos = {}
    for line in out.splitlines():
        parts = line.split()
        if parts and parts[0] == "node":
            pos[parts[1]] = (float(parts[2]), float(parts[3]))
    return pos


@pytest.mark.parametrize("widths", [(2, 2, 3, 2), (16,) * 7 + (1,), (4, 8, 3), (32, 32, 5)])
def test_network_neurons_top_to_bottom_in_order(widths):
    # the k-th circle from the top of a column is neuron k, so that W[j, k] can be read
    # off the picture (dot drew the paper's layer 3 as neurons 2, 3, 1)
    am.manual_seed(0)
    layers = []
    for a, b in zip(widths, widths[1:]):
        layers += [nn.Linear(a, b), nn.Sigmoid()]
    pos = layout(viz.draw_network(nn.Sequential(*layers)))
    for layer, width in enumerate(widths, start=1):
        names = [f"n{layer}_{j}" for j in range(width)]
        xs = {round(pos[n][0], 3) for n in names}
        assert len(xs) == 1, f"layer {layer} is not one column"
        ys = [pos[n][1] for n in names]
        assert ys == sorted(ys, reverse=True), f"layer {layer}: neurons out of order"
        title = pos[f"title{layer}"]
        assert round(title[0], 3) in xs and title[1] > ys[0]  # the title above its column


def test_getitem_labels_read_as_python_indexing():
    # an LSTM's gates were all "getitem(index=(Ellipsis, slice(8, 12, N…": cut off
    # before the part that says which gate
    am.manual_seed(0)
    cell = nn.LSTMCell(3, 4)
    h, _ = cell(am.randn(2, 3), (am.zeros(2, 4), am.zeros(2, 4)))
    text = viz.to_text(h.sum())
    for gate in ("[..., :4]", "[..., 4:8]", "[..., 8:12]", "[..., 12:]"):
        assert f"getitem{gate} → (2, 4)" in text
    assert "Ellipsis" not in viz.draw_graph(h.sum()).source
    x = am.randn(3, 4, requires_grad=True)
    text = viz.to_text(x[1:, [0, 2]].sum() + x[::-1, None][0, :, 0].sum())
    assert "getitem[1:, [0, 2]]" in text and "getitem[::-1, None]" in text and "getitem[0, :, 0]" in text
    assert "getitem[()] → (3, 4)" in viz.to_text(x[()].sum())  # (x[] is no Python)


def test_to_text_names_a_named_intermediate_as_draw_graph_does():
    # the paper's delta: z = W a + b, named and retained; draw_graph wrote "z" in its
    # box, to_text wrote only "add → (3,)"
    W = am.randn(3, 2, requires_grad=True)
    b = am.zeros(3, requires_grad=True)
    z = W @ am.tensor([0.1, 0.7]) + b
    z.name = "z"
    z.retain_grad()
    loss = (am.sigmoid(z) ** 2).sum()
    assert 'label="z\\n(3,)"' in viz.draw_graph(loss).source
    text = viz.to_text(loss)
    assert "add → z (3,)" in text
    assert "add → z\n" in viz.to_text(loss, show=("op",))


def test_render_takes_a_format_in_upper_case_as_it_takes_the_extension(tmp_path):
    # "a.PNG" rendered a PNG, format="PNG" was refused as unknown
    g = viz.draw_graph((am.randn(3, requires_grad=True) * 2).sum())
    path = viz.render(g, tmp_path / "a.out", format="PNG")
    assert open(path, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="render: unknown format 'bmp'"):
        viz.render(g, tmp_path / "a.bmp")


def test_a_composite_wrapping_one_primitive_of_its_name_is_no_cluster():
    # x - y is the composite `sub` calling the primitive `sub`: every difference was drawn
    # as a cluster "sub" around an op "sub", with the target y inside it as if made there
    x = am.randn(3, requires_grad=True)
    y = am.tensor([1.0, 0.0, 0.0])
    loss = ((am.sigmoid(x) - y) ** 2).sum() + F.relu(x).sum()
    src = viz.draw_graph(loss).source
    # one cluster, relu's (a composite of other ops keeps its cluster), and the op sub
    assert src.count("subgraph cluster") == 1 and "label=relu" in src and 'label="sub"' in src
    assert "in sub" not in viz.to_text(loss)
    # at depth 1 the difference is an op, not a collapsed group named after it
    nodes = [line for line in viz.draw_graph(loss, depth=0).source.splitlines() if "box3d" in line]
    assert len(nodes) == 1 and 'label="relu' in nodes[0]


def test_a_compiled_functions_replay_is_labelled_by_its_function():
    # it was "compiled(tape, ·, ·, ·, ·, ·, ·)"
    am.manual_seed(0)
    net = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 2))

    def step(x, y):
        return ((net(x) - y) ** 2).sum()

    f = am.compile(step)
    x, y = am.tensor([0.1, 0.2]), am.tensor([1.0, 0.0])
    first, replayed = f(x, y), f(x, y)
    assert "matmul_add" in viz.to_text(first)  # the recording call: op by op
    text = viz.to_text(replayed, params=net)
    assert text.startswith("compiled step (") and "tape" not in text
    assert "leaf 0.weight (2, 2)" in text
    assert 'label="compiled step (' in viz.draw_graph(replayed).source
