"""The README tells the truth: its Python snippets run as printed, the generated code it
shows is what am.compile writes, and the files, commands and counts it names exist."""

from __future__ import annotations

import contextlib
import io
import inspect
import re
from pathlib import Path

import numpy as np

import autograd_mini as am
from autograd_mini import primitives as P

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", README, re.M | re.S)


def is_code_listing(block: str) -> bool:
    """The abridged output of `loss_fn.code`, shown to be read, not run."""
    return block.lstrip().startswith("def forward(")


def run(block: str) -> tuple[dict, str]:
    """Run a snippet on its own, as a reader pasting it into a fresh interpreter would."""
    namespace: dict = {"__name__": "__readme__"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, "README.md", "exec"), namespace)
    return namespace, out.getvalue()


def test_readme_has_the_snippets_these_tests_read():
    python = blocks("python")
    assert len(python) >= 3 and sum(map(is_code_listing, python)) == 1


def test_every_readme_python_snippet_runs_on_its_own():
    for block in blocks("python"):
        if not is_code_listing(block):
            run(block)


def test_quick_start_prints_what_its_comments_say():
    ns, out = run(blocks("python")[0])
    x = np.array([0.5, -1.0, 2.0])
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(ns["x"].grad.numpy(), s * (1 - s) * x**2 + 2 * x * s, rtol=1e-12)
    assert out.splitlines()[1] == "True"  # gradcheck
    d2 = s * (1 - s) * (1 - 2 * s) * x**2 + 4 * x * s * (1 - s) + 2 * s
    np.testing.assert_allclose(am.hessian(ns["f"])(x).numpy(), np.diag(d2), rtol=1e-9)


def test_the_compiled_code_shown_is_what_am_compile_writes():
    python = blocks("python")
    snippet = next(b for b in python if "am.compile" in b and not is_code_listing(b))
    listing = next(b for b in python if is_code_listing(b))
    ns, out = run(snippet)
    code = ns["loss_fn"].code
    assert code in out
    # every line the README shows is in the generated code, in the same order
    lines = code.splitlines()
    at = 0
    for shown in listing.splitlines():
        if shown.strip() in ("", "..."):
            continue
        assert shown in lines[at:], f"README shows {shown!r}, not in order in:\n{code}"
        at = lines.index(shown, at) + 1


def test_files_the_readme_names_exist():
    linked = re.findall(r"\]\(([^)\s]+)\)", README)
    named = re.findall(r"`((?:examples|autograd_mini)/[\w/]+\.\w+)`", README)
    assert linked and named
    for path in linked + named:
        assert (ROOT / path).is_file(), path
    # (and the package's files it names from inside the package: `engine.py`, `nn/conv.py`)
    for path in re.findall(r"`((?:[a-z_]+/)*[a-z_]+\.py)`", README):
        if not path.startswith(("examples/", "autograd_mini/")):
            assert (ROOT / "autograd_mini" / path).is_file(), path
    layout = re.search(r"^```\nautograd_mini/\n(.*?)^```", README, re.M | re.S).group(1)
    for entry in re.findall(r"^  (\S+)", layout, re.M):
        assert (ROOT / "autograd_mini" / entry).exists(), entry


def test_shell_commands_name_scripts_modules_and_extras_that_exist():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    shell = "\n".join(blocks("bash"))
    for extra in re.findall(r'"\.\[(\w+)\]"', README):
        assert re.search(rf"^{extra} = \[", pyproject, re.M), extra
    for script in re.findall(r"python (\S+\.py)", shell):
        assert (ROOT / script).is_file(), script
    for module in re.findall(r"python -m (\S+)", shell):
        if module != "pytest":
            assert (ROOT / (module.replace(".", "/") + ".py")).is_file(), module


def test_primitive_count_is_the_tables():
    claimed = int(re.search(r"`primitives\.py`, (\d+) entries", README).group(1))
    assert claimed == len(P.PRIMITIVES)


def test_the_primitive_families_name_every_primitive_that_is_not_a_ufunc():
    # (the ufuncs are the elementwise ops; every other entry is named in the list)
    families = re.search(r"`primitives\.py`, \d+ entries: (.*?)\)\.", README, re.S).group(1)
    named = set(re.findall(r"\w+", families))
    for name, prim in P.PRIMITIVES.items():
        assert isinstance(prim.fwd, np.ufunc) or name in named, name


def test_retain_grad_snippet_shows_the_papers_delta():
    snippet = next(b for b in blocks("python") if "retain_grad()" in b)
    ns, out = run(snippet)
    s = 1 / (1 + np.exp(-ns["z"].data))
    delta = s * (1 - s) * (s - ns["y"].data)
    np.testing.assert_allclose(ns["z"].grad.data, delta, rtol=1e-13)
    np.testing.assert_allclose(ns["W"].grad.data, np.outer(delta, ns["a"].data), rtol=1e-13)
    np.testing.assert_allclose(ns["b"].grad.data, delta, rtol=1e-13)
    first, second = out.splitlines()[:2]
    assert first.startswith("tensor([") and second.startswith("[")


def test_names_in_what_is_inside_exist():
    from autograd_mini import nn, optim
    from autograd_mini.nn import functional as F

    layout = re.search(r"^```\nautograd_mini/\n(.*?)^```", README, re.M | re.S).group(1)
    named = {
        am: "tensor zeros ones full arange eye randn rand zeros_like ones_like full_like "
        "rand_like randn_like manual_seed get_rng_state set_rng_state mean var std norm "
        "softmax logsumexp tril triu split pad masked_fill argmax argmin einsum erf grad value_and_grad "
        "jacobian hessian hvp jvp gradcheck gradgradcheck numerical_grad check_graph save load "
        "linspace empty randint randperm from_numpy as_tensor tan arcsin arccos arctan arctan2 sinh cosh "
        "arcsinh expm1 log2 log10 square reciprocal rsqrt floor ceil round trunc clamp flip roll swapaxes "
        "moveaxis take_along_axis gather sort argsort topk cumsum diff tensordot outer inner dot diag "
        "trace cat isnan isinf isfinite any all mm bmm mv addmm baddbmm lerp",
        am.Tensor: "tolist copy retain_grad numel dim view float double half long int bool clone "
        "masked_fill expand repeat chunk to type_as contiguous mT lerp addmm zero_ fill_ copy_",
        nn: "Module Sequential ModuleList ModuleDict Linear Conv2d LayerNorm Embedding Dropout "
        "Sigmoid Tanh ReLU SiLU GELU RNN LSTM GRU",
        nn.utils: "clip_grad_norm_ clip_grad_value_ parameters_to_vector vector_to_parameters",
        optim: "SGD Adam AdamW Adamax NAdam RAdam RMSprop Adagrad Adadelta ASGD StepLR MultiStepLR ExponentialLR LinearLR LambdaLR "
        "CosineAnnealingLR CosineAnnealingWarmRestarts OneCycleLR SequentialLR ReduceLROnPlateau",
    }
    for owner, names in named.items():
        for name in names.split():
            assert re.search(rf"\b{name}\b", layout), name
            assert hasattr(owner, name), name
    assert "ignore_index" in inspect.signature(F.cross_entropy).parameters
    assert "label_smoothing" in inspect.signature(F.cross_entropy).parameters
    assert "ignore_index" in inspect.signature(F.nll_loss).parameters
    for mode in ("nearest", "linear", "bilinear"):
        assert mode in F._INTERPOLATE_MODES
    # "most also Tensor methods"
    line = layout[layout.index("more math"):layout.index("linalg.py")]
    names = [n for n in re.findall(r"\b([a-z_]\w*)\b", line) if hasattr(am, n)]
    assert sum(hasattr(am.Tensor, n) for n in names) > len(names) / 2
    # the files the layout names inside nn/ and nn/functional/
    for entry, files in re.findall(r"^  (nn/\S*)\s+(.*?)(?=^  \S)", layout, re.M | re.S):
        for file in re.findall(r"\b(\w+\.py)\b", files):
            assert (ROOT / "autograd_mini" / entry / file).is_file(), entry + file


def test_compile_refuses_and_keeps_the_tensors_the_readme_says():
    x = am.randn(4, requires_grad=True)
    for make in (lambda: am.zeros(4), lambda: am.ones(4), lambda: am.full((4,), 2.0),
                 lambda: am.arange(4), lambda: am.eye(4)[0], lambda: am.zeros_like(x)):
        fn = am.compile(lambda x, make=make: (x * make()).sum())
        fn(x), fn(x)  # recorded, then replayed
    for bad in (lambda: am.tensor([1.0, 2.0, 3.0, 4.0]), lambda: am.randn(4)):
        fn = am.compile(lambda x, bad=bad: (x * bad()).sum())
        try:
            fn(x)
        except RuntimeError:
            continue
        raise AssertionError("a tensor made inside the compiled function was not refused")
