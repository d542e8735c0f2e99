"""A two-minute tour: tensors, backward, gradient checking, a Hessian, the graph as text.

    python examples/quickstart.py
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

import autograd_mini as am  # noqa: E402

# No options; --help says so instead of running the tour.
argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args()

# f(x) = sum(sin(x) * x^2); its gradient is cos(x) x^2 + 2 x sin(x).
def f(x):
    return (am.sin(x) * x**2).sum()

x = am.tensor([0.5, 1.0, 2.0], requires_grad=True)
y = f(x)
y.backward()
print("x          =", x.data)
print("f(x)       =", round(y.item(), 6))
print("x.grad     =", x.grad.data)
print("by hand    =", (am.cos(x) * x**2 + 2 * x * am.sin(x)).data)

# The same gradient against central finite differences (raises if they disagree).
print("gradcheck:    ", am.gradcheck(f, x))
print("gradgradcheck:", am.gradgradcheck(f, x))

# Second derivatives: the Hessian of f is diagonal, (2 - x^2) sin(x) + 4 x cos(x).
# am.hessian differentiates the gradient again: its backward runs the VJPs on tensors
# (create_graph=True), so they are recorded as a graph of their own.
H = am.hessian(f)(x)
print("Hessian    =\n", H.data.round(4))
print("diag by hand", ((2 - x**2) * am.sin(x) + 4 * x * am.cos(x)).data.round(4))

# The graph behind a small computation, as a text tree (no Graphviz needed).
w = am.tensor([[0.3, -0.2], [0.1, 0.4]], requires_grad=True)
w.name = "W"
loss = am.sigmoid(w @ am.tensor([1.0, 2.0])).sum()
print(am.viz.to_text(loss))
