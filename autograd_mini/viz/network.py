"""draw_network: a model drawn as the paper draws it, or as a stack of blocks.

A multilayer perceptron (Linear layers and elementwise activations, every
layer at most `max_neurons` wide) is drawn neuron by neuron, as in Higham &
Higham's figures: layers are columns, neurons are nodes showing their bias,
and each weight W[j, k] is an edge from neuron k of one layer to neuron j of
the next, blue when positive and red when negative, as wide as |W[j, k]| is
large (relative to the largest weight in the network).

Anything else (convolution, pooling, normalisation, too wide to draw neuron by
neuron) is drawn as one block per layer with its output shape (when
`input_size` is given) and its parameter count.

Both drawings mark what fine-tuning and weight sharing change: frozen
parameters (requires_grad False) are dashed (edges for a frozen weight,
neuron borders for a frozen bias, block borders), and a layer whose parameters
an earlier layer already uses (one module called twice, or registered under two
names, or a tied weight) says which layer it shares with; its parameters count
once in the total, as in `model.parameters()`. A model with nothing frozen or
shared is drawn as before.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import graphviz
import numpy as np

from ..engine import _mode, modules_changed, no_grad
from ..tensor import Tensor, _dtype_or_default
from ._labels import dot_text, fmt_num, fmt_shape, module_label

POSITIVE = "#2166ac"
NEGATIVE = "#b2182b"
NONFINITE = "#ff3df5"  # a NaN or infinite weight: neither sign is true of a NaN (as in draw_graph)
FROZEN_FILL = "#dce9ef"  # a block whose parameters are all frozen (icy; border dashed and bold too)

# Layers that act elementwise on a layer's neurons (drawn as that layer's activation).
_ELEMENTWISE = {"Sigmoid", "Tanh", "ReLU", "LeakyReLU", "Softplus", "Softmax", "SiLU", "GELU", "Identity", "Dropout",
                "ELU", "SELU", "CELU", "PReLU", "ReLU6", "Hardtanh", "Hardsigmoid", "Hardswish", "Mish",
                "Softsign", "LogSigmoid", "Tanhshrink", "Threshold", "LogSoftmax", "Softmin"}
# Functional composites that are activations when they appear between Linear layers.
_ACTIVATION_OPS = {"sigmoid", "tanh", "relu", "leaky_relu", "softplus", "softmax", "log_softmax", "silu", "gelu",
                   "elu", "selu", "celu", "prelu", "relu6", "hardtanh", "hardsigmoid", "hardswish", "mish",
                   "softsign", "logsigmoid", "tanhshrink", "threshold", "softmin"}


def _is_module(x: Any) -> bool:
    from ..nn import Module

    return isinstance(x, Module)


def _leaf_modules(model: Any) -> list[Any]:
    """The modules without children, in registration order; a module registered
    under several names (a Sequential that uses a layer twice) once per name."""
    return [m for _, m in model.named_modules(remove_duplicate=False) if not list(m.children())]


def _count(m: Any) -> int:
    return int(sum(p.size for p in m.parameters()))


def _trainable(m: Any) -> int:
    return int(sum(p.size for p in m.parameters() if p.requires_grad))


def _sharing(modules: list[Any]) -> tuple[list[tuple[int, bool] | None], dict[int, list[int]]]:
    """Which drawn layers use parameters an earlier one already uses.

    modules: the drawn layers' modules (None for a functional op). Returns, per
    layer, (index of the first earlier layer sharing a parameter with it, True if
    it is the same module) or None, and for each such earlier layer the indices of
    the later ones that share with it. Parameterless modules share nothing.
    """
    owner: dict[int, int] = {}  # id(parameter) -> the first layer using it
    first: dict[int, int] = {}  # id(module) -> the first layer drawing it
    shared: list[tuple[int, bool] | None] = []
    later: dict[int, list[int]] = {}
    for i, m in enumerate(modules):
        params = [] if m is None else list(m.parameters())
        if not params:
            shared.append(None)
            continue
        if id(m) in first:
            j, same = first[id(m)], True
        else:
            first[id(m)] = i
            earlier = [owner[id(p)] for p in params if id(p) in owner]
            j, same = (min(earlier), False) if earlier else (None, False)
        for p in params:
            owner.setdefault(id(p), i)
        shared.append(None if j is None else (j, same))
        if j is not None:
            later.setdefault(j, []).append(i)
    return shared, later


def _shared_note(i: int, shared: list, later: dict, offset: int) -> list[str]:
    """The lines saying which layers layer i shares parameters with (layers counted
    from 0, drawn numbered from `offset`): 'same layer as layer 3', 'also used as
    layers 5, 7', 'shares parameters with layer 2' (a tied weight)."""
    lines = []
    if shared[i] is not None:
        j, same = shared[i]
        lines.append(f"{'same layer as' if same else 'shares parameters with'} layer {j + offset}")
    if i in later:
        ks = later[i]
        same = all(shared[k][1] for k in ks)
        lines.append(f"{'also used as' if same else 'shares parameters with'} "
                     f"{'layers' if len(ks) > 1 else 'layer'} {', '.join(str(k + offset) for k in ks)}")
    return lines


def _legend(model: Any, frozen: str, shared: bool, count: bool) -> str:
    """'' when no drawn layer is frozen or shared and every parameter is trainable;
    else caption lines: the parameter total when `count` (a shared parameter once)
    with how many are trainable, and what the marks mean (`frozen`: what is dashed)."""
    total, trainable = _count(model), _trainable(model)
    lines = []
    if count and (trainable != total or shared):
        lines.append(f"{total:,} parameters" + (f", {trainable:,} trainable" if trainable != total else ""))
    if frozen:
        lines.append(f"{frozen}: frozen (requires_grad False)")
    if shared:
        lines.append("shared parameters are counted once in the total")
    return "".join("\\n" + line for line in lines)


def _check_input_size(input_size: Any) -> tuple[int, ...] | None:
    if input_size is None:
        return None
    ok = isinstance(input_size, (tuple, list)) and len(input_size) > 0 and all(
        isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n > 0 for n in input_size
    )
    if not ok:
        raise ValueError(
            f"draw_network: input_size must be a shape with the batch axis, like (1, 2) or "
            f"(1, 1, 28, 28), got {input_size!r}"
        )
    return tuple(int(n) for n in input_size)


def _trace_layers(model: Any, input_size: tuple[int, ...],
                  dtype: np.dtype) -> tuple[list[tuple[Any, str, tuple]], list[set[int]]]:
    """Run the model once on zeros and list its layer calls in forward order.

    Returns [(module or None, label, output shape)] and, for each entry, the set
    of entries whose outputs it uses (-1 for the input; empty when it uses
    neither, e.g. features made under no_grad). A call of a
    leaf module is one entry, also a call that returns its input as it is
    (Identity; Dropout in eval mode); an op outside any leaf module (an
    activation written as F.sigmoid inside forward) is an entry with module None
    labelled by its composite op or primitive name. Ops inside a layer on its
    parameters and buffers alone (a reshape of a weight) belong to no entry. Runs in eval mode
    (restored afterwards); parameters and buffers are not changed.
    """
    from ._trace import collect, scope_key

    leaf_modules = list({id(m): m for m in _leaf_modules(model)}.values())
    leaves = {id(m) for m in leaf_modules}
    modes = [(m, m.training) for m in model.modules()]
    # (integer input, token ids for an Embedding, cannot require grad: the layers' order
    # and shapes are traced all the same, and the first layer is drawn after the input)
    x = Tensor(np.zeros(input_size, dtype=dtype), requires_grad=dtype.kind in "fc")
    # The output of every leaf-module call (kept alive, so ids stay unique): a layer
    # applied twice in a row (tied weights) is two layers, although both calls'
    # ops carry the same scope.
    call_outputs: dict[int, Any] = {}
    # id(t) -> the leaf modules whose call returned its input t as it is (they record
    # no op), in call order: each is a layer after the one that made t.
    passed_on: dict[int, list[Any]] = {}

    def traced(module: Any, forward: Callable) -> Callable:
        def call(*args: Any, **kwargs: Any) -> Any:
            out = forward(*args, **kwargs)
            call_outputs[id(out)] = out
            for o in _flat_tensors(out):  # (a recurrent layer's (output, h_n): each ends the call)
                call_outputs[id(o)] = o
            if any(out is a for a in args):
                passed_on.setdefault(id(out), []).append(module)
            return out
        return call

    own = [(m, m.__dict__["forward"]) for m in leaf_modules if "forward" in m.__dict__]
    # With an input that cannot require grad, a frozen first layer (a pretrained Embedding)
    # would record nothing, and it and the layers after it until a trainable one would be
    # missing from the trace: its frozen parameters require grad for the run (restored after).
    thawed = [] if x.requires_grad else [p for p in model.parameters() if not p.requires_grad]
    calls = _mode.calls
    try:
        for p in thawed:
            p.requires_grad = True
        model.eval()
        for m in leaf_modules:  # (an instance attribute, found before the class's forward)
            m.__dict__["forward"] = traced(m, m.forward)
        _mode.calls = True  # (each composite call gets a scope entry of its own)
        try:
            out = model(x)
        except Exception as e:
            hint = (" (integer input, such as an Embedding's indices? pass dtype=np.int64)"
                    if dtype.kind not in "iub" and "integer" in str(e) else "")
            raise ValueError(
                f"draw_network: the forward of {module_label(model)} failed for input_size "
                f"{input_size} and dtype {dtype}: {type(e).__name__}: {e}{hint}"
            ) from e
    finally:
        for p in thawed:
            p.requires_grad = False
        _mode.calls = calls
        for m in leaf_modules:
            m.__dict__.pop("forward", None)
        for m, forward in own:
            m.__dict__["forward"] = forward
        for m, mode in modes:
            m.__dict__["training"] = mode
        modules_changed()
    if isinstance(out, (tuple, list)) and out and isinstance(out[0], Tensor):
        out = out[0]  # (a recurrent layer's (output, h_n), drawn as the network of its output)
    if not isinstance(out, Tensor):
        raise TypeError(f"draw_network: the forward of {module_label(model)} returned a "
                        f"{type(out).__name__}, not a Tensor")
    # (a layer that hands the input on as it is comes first)
    layers: list[tuple[Any, str, tuple]] = [(m, module_label(m), x.shape) for m in passed_on.get(id(x), ())]
    # feeds[i]: the entries whose outputs entry i uses (-1: the input); made_by: id of a
    # tensor -> the entry whose output it is
    feeds: list[set[int]] = [{i - 1} for i in range(len(layers))]
    made_by: dict[int, int] = {id(x): len(layers) - 1}
    last_key = None
    # The model's parameters and buffers, and the tensors computed from them alone
    # inside a layer (a weight's reshape), which are no layer of their own; a layer
    # applied to a parameter (a learned query) is one, as is anything computed from
    # other tensors (the input, or features a frozen backbone made under no_grad).
    on_params = {id(p) for p in model.parameters()} | {id(b) for b in model.buffers()}
    with no_grad():
        for t in collect([out], "draw_network"):
            node = getattr(t, "grad_fn", None)
            if node is None:
                continue
            if id(t) not in call_outputs and all(
                    id(p) in on_params for p in node.inputs if isinstance(p, Tensor)):
                on_params.add(id(t))
                continue
            module = next((e for e in reversed(node.scope) if id(e) in leaves), None)
            if module is not None:
                key, label = ("m", id(module)), module_label(module)
            else:
                # The nodes of one call of a composite (F.softmax, and the composites it
                # calls in turn) share its scope entry, a Call made for that call; a bare
                # primitive is a call of its own.
                first = next((i for i, e in enumerate(node.scope) if isinstance(e, str)), None)
                label = node.name if first is None else str(node.scope[first])
                key = None if first is None else ("f", scope_key(node.scope[:first]), id(node.scope[first]))
            if key is not None and key == last_key:
                layers[-1] = (layers[-1][0], layers[-1][1], t.shape)
            else:
                layers.append((module, label, t.shape))
                feeds.append(set())
            here = len(layers) - 1
            feeds[here] |= {made_by[id(p)] for p in node.inputs
                            if isinstance(p, Tensor) and made_by.get(id(p), here) != here}
            made_by[id(t)] = here
            last_key = None if id(t) in call_outputs else key
            for m in passed_on.get(id(t), ()):  # the layers that hand t on as it is
                layers.append((m, module_label(m), t.shape))
                feeds.append({made_by[id(t)]})
                made_by[id(t)] = len(layers) - 1
                last_key = None
    return layers, feeds


def _flat_tensors(out: Any) -> list:
    """The tensors in out, a tensor or (nested) tuples and lists of them."""
    if isinstance(out, Tensor):
        return [out]
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _flat_tensors(o)]
    return []


def draw_network(
    model: Any,
    input_size: Sequence[int] | None = None,
    *,
    max_neurons: int = 32,
    rankdir: str | None = None,
    dtype: Any = None,
) -> graphviz.Digraph:
    """The network `model` as a graphviz.Digraph.

    input_size: the shape of one input batch, batch axis included, e.g. (1, 2)
        or (1, 1, 28, 28). When given, the model is run once on zeros (eval
        mode, restored after) to find the layers' order, which layers feed
        which (branches and skip connections are drawn as such), their output
        shapes and activations written as functions inside forward; otherwise
        the leaf modules are taken in registration order as a chain (right for
        Sequential, and only for it: a model with its own forward gets a caption
        saying the connections were not traced).
    max_neurons: an MLP whose layers are all at most this wide is drawn neuron
        by neuron (nodes = neurons with their bias, edges = weights: colour is
        the sign, width the magnitude); otherwise one block per layer.
    rankdir: "LR" (default for neuron drawings) or "TB" (default for blocks).
    dtype: of the zeros the traced run takes (default: the default float dtype);
        an integer dtype for a model whose input is indices (an Embedding first).

    Frozen parameters (requires_grad False) are dashed: a frozen weight's edges,
    the neurons of a frozen bias (the layer's title says "frozen", "weight frozen"
    or "bias frozen"), the border of a block ("N params, frozen", or "N params
    (M trainable)"); the caption then says how many parameters are trainable. A
    layer drawn more than once (one module called twice, or registered under two
    names) or sharing a tied parameter with another says so ("same layer as layer
    1", "also used as layer 3"); the total counts shared parameters once, as
    `model.parameters()` does.
    """
    if not _is_module(model):
        raise TypeError(f"draw_network: expected an nn.Module, got {type(model).__name__}")
    from ..nn import ModuleDict, ModuleList

    if isinstance(model, (ModuleList, ModuleDict)):
        # (it has no forward: nothing says how, or whether, its modules connect)
        raise TypeError(
            f"draw_network: a {type(model).__name__} only holds modules and has no forward, so "
            "there is no network to draw; draw the module whose forward calls them (or an "
            "nn.Sequential of them)"
        )
    size = _check_input_size(input_size)
    if isinstance(max_neurons, bool) or not isinstance(max_neurons, int) or max_neurons < 1:
        raise ValueError(f"draw_network: max_neurons must be a positive int, got {max_neurons!r}")
    if rankdir not in (None, "TB", "LR", "BT", "RL"):
        raise ValueError(f"draw_network: rankdir must be TB, LR, BT or RL, got {rankdir!r}")
    try:
        dtype = _dtype_or_default(dtype)
    except TypeError:
        raise TypeError(f"draw_network: dtype must be a numpy dtype, got {dtype!r}") from None
    if size is not None:
        layers, feeds = _trace_layers(model, size, dtype)
    else:
        layers = [(m, module_label(m), None) for m in _leaf_modules(model)]
        feeds = [set() for _ in layers]
    # an entry that uses no earlier one (untraced, or fed by no_grad features) is drawn
    # after the entry before it
    feeds = [f or {i - 1} for i, f in enumerate(feeds)]
    chain = all(f == {i - 1} for i, f in enumerate(feeds))
    plan = _mlp_plan(layers, max_neurons) if chain else None
    caption = ("\\nlayers in registration order: how they connect was not traced (pass input_size)"
               if size is None and _own_forward(model) else "")
    if plan is not None:
        return _draw_neurons(model, plan, rankdir or "LR", caption)
    return _draw_blocks(model, layers, feeds, size, rankdir or "TB", caption)


def _own_forward(model: Any) -> bool:
    """True when a module with children is not a Sequential: its forward may call
    them in any order, or side by side."""
    from ..nn import Sequential

    return any(list(m.children()) and not isinstance(m, Sequential) for _, m in model.named_modules())


def _mlp_plan(layers: list, max_neurons: int) -> list[tuple[Any, list[str]]] | None:
    """[(Linear, [activation labels])] if the model is an MLP narrow enough to draw."""
    from ..nn import Linear

    plan: list[tuple[Any, list[str]]] = []
    for module, label, _ in layers:
        if isinstance(module, Linear):
            if plan and plan[-1][0].out_features != module.in_features:
                return None
            if max(module.in_features, module.out_features) > max_neurons:
                return None
            plan.append((module, []))
        elif (module is not None and type(module).__name__ in _ELEMENTWISE) or (
            module is None and label in _ACTIVATION_OPS
        ):
            if not plan:
                return None
            if type(module).__name__ not in ("Identity", "Dropout"):
                plan[-1][1].append(label)
        else:
            return None
    return plan or None


def _draw_neurons(model: Any, plan: list, rankdir: str, caption: str) -> graphviz.Digraph:
    dot = graphviz.Digraph("network")
    dot.attr(rankdir=rankdir, splines="line", nodesep="0.25", ranksep="1.1",
             fontname="Helvetica", fontsize="11")
    dot.attr("node", shape="circle", fixedsize="true", width="0.6", fontname="Helvetica",
             fontsize="9", style="filled", fillcolor="#f7f7f7")
    dot.attr("edge", arrowhead="none")
    weights = [np.asarray(lin.weight.data, dtype=np.float64) for lin, _ in plan]
    # (of the finite weights: one NaN must not make every width NaN, nor one inf every
    # finite weight as thin as a zero)
    wmax = max((float(np.max(np.abs(w[np.isfinite(w)]), initial=0.0)) for w in weights), default=0.0) or 1.0
    nonfinite = any(not np.isfinite(w).all() for w in weights)

    def column(index: int, title: str, labels: list[str], tooltips: list[str], **node: str) -> None:
        # One rank per layer, its title on top, then neuron 1, neuron 2, ...: invisible
        # flat edges between nodes of one rank fix their order, so that the k-th circle
        # from the top is neuron k (W[j, k] is read off the picture). In a cluster, dot
        # (2.43) does not keep that order: the 2-2-3-2 network came out with layer 3's
        # neurons in the order 2, 3, 1, a 16-wide layer rotated by 8.
        with dot.subgraph(name=f"layer{index}") as c:
            c.attr(rank="same")
            c.node(f"title{index}", label=title, shape="plaintext", fixedsize="false",
                   style="", fontsize="10")
            names = [f"n{index}_{j}" for j in range(len(labels))]
            for n, lab, tip in zip(names, labels, tooltips):
                c.node(n, label=lab, tooltip=tip, **node)
            for a, b in zip([f"title{index}"] + names, names):
                c.edge(a, b, style="invis")

    n_in = plan[0][0].in_features
    column(1, "layer 1\\ninput", [f"x{k + 1}" for k in range(n_in)], [f"input {k + 1}" for k in range(n_in)])
    shared, later = _sharing([lin for lin, _ in plan])
    any_frozen = False
    for i, (lin, acts) in enumerate(plan):
        layer = i + 2
        bias = None if lin.bias is None else np.asarray(lin.bias.data, dtype=np.float64)
        w_frozen = not lin.weight.requires_grad
        b_frozen = lin.bias is not None and not lin.bias.requires_grad
        any_frozen = any_frozen or w_frozen or b_frozen
        labels = [fmt_num(float(bias[j])) if bias is not None else "" for j in range(lin.out_features)]
        tips = [f"neuron {j + 1}, bias {labels[j] or 'none'}{' (frozen)' if b_frozen else ''}"
                for j in range(lin.out_features)]
        title = f"layer {layer}\\n{dot_text(module_label(lin))}"
        if acts:
            title += "\\nσ = " + " → ".join(acts)
        if w_frozen and (b_frozen or lin.bias is None):
            title += "\\nfrozen"
        elif w_frozen or b_frozen:
            title += "\\nweight frozen" if w_frozen else "\\nbias frozen"
        title += "".join("\\n" + line for line in _shared_note(i, shared, later, 2))
        # (a frozen bias: its neurons' borders dashed)
        column(layer, title, labels, tips, **({"style": "filled,dashed"} if b_frozen else {}))
        w = weights[i]
        frozen = {"style": "dashed"} if w_frozen else {}
        for j in range(w.shape[0]):
            for k in range(w.shape[1]):
                v = float(w[j, k])
                finite = np.isfinite(v)
                dot.edge(
                    f"n{layer - 1}_{k}", f"n{layer}_{j}",
                    color=NONFINITE if not finite else POSITIVE if v >= 0 else NEGATIVE,
                    penwidth=f"{0.4 + 3.6 * abs(v) / wmax:.2f}" if finite else "4.00",
                    tooltip=f"W{layer}[{j + 1},{k + 1}] = {fmt_num(v)}{' (frozen)' if w_frozen else ''}",
                    **frozen,
                )
    legend = _legend(model, "dashed" if any_frozen else "", bool(later), count=True)
    dot.attr(label=f"{dot_text(module_label(model))}: nodes show biases; edges show weights "
                   f"(blue > 0, red < 0, width ∝ |w|, max |w| = {fmt_num(wmax)}"
                   f"{', magenta NaN/Inf' if nonfinite else ''}){legend}{caption}",
             labelloc="b")
    return dot


def _draw_blocks(model: Any, layers: list, feeds: list, size: tuple | None, rankdir: str,
                 caption: str) -> graphviz.Digraph:
    dot = graphviz.Digraph("network")
    dot.attr(rankdir=rankdir, fontname="Helvetica", fontsize="11", nodesep="0.3", ranksep="0.35")
    dot.attr("node", shape="box", style="rounded,filled", fontname="Helvetica", fontsize="10",
             fillcolor="#cfe2ff")
    dot.attr("edge", arrowsize="0.6")
    input_label = "input" + (f"\\n{fmt_shape(size)}" if size is not None else "")
    dot.node("input", label=input_label, fillcolor="#eeeeee", style="rounded,filled,dashed")
    shared, later = _sharing([module for module, _, _ in layers])
    any_frozen = False
    for i, (module, label, shape) in enumerate(layers):
        lines = [dot_text(label)]
        if shared[i] is not None or i in later:
            # (numbered, so that "shared with layer 1" can be found)
            lines[0] = f"layer {i + 1}: {lines[0]}"
        if shape is not None:
            lines.append("→ " + fmt_shape(shape))
        params = _count(module) if module is not None else 0
        trainable = _trainable(module) if params else 0
        style = {}
        if params:
            if trainable == params:
                lines.append(f"{params:,} params")
            else:
                any_frozen = True
                style = {"style": "rounded,filled,dashed", "penwidth": "1.6"}
                lines.append(f"{params:,} params, frozen" if trainable == 0
                             else f"{params:,} params ({trainable:,} trainable)")
        lines += _shared_note(i, shared, later, 1)
        fill = "#cfe2ff" if params else "#f4f4f4"
        if params and trainable == 0:
            fill = FROZEN_FILL
        name = f"layer{i + 1}"
        # (a "<net>" is text)
        dot.node(name, label=graphviz.nohtml("\\n".join(lines)), fillcolor=fill, **style)
        for j in sorted(feeds[i]):  # (from the layers whose outputs it uses)
            dot.edge("input" if j < 0 else f"layer{j + 1}", name)
    total, trainable = _count(model), _trainable(model)
    counts = f"{total:,} parameters" + (f" ({trainable:,} trainable)" if trainable != total else "")
    legend = _legend(model, "bold dashed border" if any_frozen else "", bool(later), count=False)
    dot.attr(label=f"{dot_text(module_label(model))}: {len(layers)} layer{'s' if len(layers) != 1 else ''}, {counts}{legend}{caption}",
             labelloc="b")
    return dot
