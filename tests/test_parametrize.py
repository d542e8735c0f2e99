"""nn.utils.parametrize and nn.utils.parametrizations (weight_norm, spectral_norm)."""

import copy

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn import functional as F
from autograd_mini.nn.utils import parametrizations as P
from autograd_mini.nn.utils import parametrize as R


def layers():
    am.manual_seed(0)
    return {"linear": (nn.Linear(4, 3).double(), (2, 4)),
            "conv": (nn.Conv2d(2, 3, 2).double(), (2, 2, 3, 3))}


def np_weight_norm(g, v, dim):
    axes = tuple(a for a in range(v.ndim) if a != dim) if dim is not None else None
    return g * v / np.sqrt((v ** 2).sum(axis=axes, keepdims=dim is not None))


def np_normalize(x, eps=1e-12):
    return x / max(np.sqrt((x ** 2).sum()), eps)


# -- parametrize ---------------------------------------------------------------------


class Double(nn.Module):
    def forward(self, w):
        return 2 * w

    def right_inverse(self, w):
        return w / 2


def test_register_recomputes_from_the_original_and_remove_leaves_a_parameter():
    m = nn.Linear(3, 2)
    w = m.weight
    w0 = w.data.copy()
    assert not R.is_parametrized(m)
    R.register_parametrization(m, "weight", Double())
    assert R.is_parametrized(m) and R.is_parametrized(m, "weight") and not R.is_parametrized(m, "bias")
    assert type(m).__name__ == "ParametrizedLinear" and R.type_before_parametrizations(m) is nn.Linear
    assert m.parametrizations.weight.original is w  # (the same Parameter: right_inverse's value in it)
    assert np.allclose(w.data, w0 / 2) and np.allclose(m.weight.data, w0)
    assert [k for k, _ in m.named_parameters()] == ["bias", "parametrizations.weight.original"]
    w.data[...] = 1.0  # recomputed on every access
    assert np.array_equal(m.weight.data, np.full((2, 3), 2.0))
    m.weight = am.full((2, 3), 6.0)  # through right_inverse, in place
    assert np.array_equal(w.data, np.full((2, 3), 3.0)) and m.parametrizations.weight.original is w
    R.remove_parametrizations(m, "weight")
    assert type(m) is nn.Linear and "parametrizations" not in m.__dict__
    assert m.weight is w and np.array_equal(w.data, np.full((2, 3), 6.0))
    assert sorted(k for k, _ in m.named_parameters()) == ["bias", "weight"]


def test_unparametrized_class_is_shared_and_untouched_by_copies():
    a = P.weight_norm(nn.Linear(3, 2))
    b = copy.deepcopy(a)
    R.remove_parametrizations(a, "weight")
    assert type(a) is nn.Linear and R.is_parametrized(b, "weight")
    assert np.allclose(b.weight.data, a.weight.data)


# -- weight_norm --------------------------------------------------------------------


@pytest.mark.parametrize("dim", [0, 1, None])
@pytest.mark.parametrize("kind", ["linear", "conv"])
def test_weight_norm_values_names_and_gradients(kind, dim):
    m, shape = layers()[kind]
    w0 = m.weight.data.copy()
    P.weight_norm(m, dim=dim)
    g, v = m.parametrizations.weight.original0, m.parametrizations.weight.original1
    assert [k for k in m.state_dict()] == ["bias", "parametrizations.weight.original0",
                                           "parametrizations.weight.original1"]
    gshape = () if dim is None else tuple(n if a == dim else 1 for a, n in enumerate(w0.shape))
    assert g.shape == gshape and v.shape == w0.shape
    assert np.allclose(m.weight.data, w0, rtol=1e-14, atol=0)  # unchanged at registration
    rng = np.random.default_rng(1)
    g.data[...] = rng.normal(size=g.shape)
    v.data[...] = rng.normal(size=v.shape)
    assert np.allclose(m.weight.data, np_weight_norm(g.data, v.data, dim), rtol=1e-13, atol=0)
    x = am.tensor(rng.normal(size=shape))
    wn = m.parametrizations.weight[0]
    layer = F.linear if kind == "linear" else F.conv2d
    out = lambda a, b: layer(x, wn(a, b), m.bias.detach())  # noqa: E731  (the layer's output)
    assert np.array_equal(out(g, v).data, m(x).data)
    inputs = [g.detach().requires_grad_(), v.detach().requires_grad_()]
    assert am.gradcheck(out, inputs)
    assert am.gradgradcheck(out, inputs)
    # gradients reach the originals through the module's forward
    m(x).sum().backward()
    assert g.grad is not None and v.grad is not None and v.grad.shape == v.shape


def test_weight_norm_state_dict_round_trip_and_optimizer():
    am.manual_seed(2)
    a, b = P.weight_norm(nn.Linear(4, 3)), P.weight_norm(nn.Linear(4, 3))
    b.load_state_dict(a.state_dict())
    assert np.array_equal(a.weight.data, b.weight.data)
    x = am.randn(5, 4)
    opt = am.optim.SGD(a.parameters(), lr=0.1)
    before = a.weight.data.copy()
    (a(x) ** 2).sum().backward()
    opt.step()
    assert not np.allclose(a.weight.data, before)  # the originals were stepped
    sd = a.state_dict()
    b.load_state_dict(sd)
    assert np.array_equal(a(x).data, b(x).data)


def test_remove_weight_norm_leaves_the_current_value():
    m = P.weight_norm(nn.Linear(4, 3), dim=None)
    m.parametrizations.weight.original0.data[...] = 3.0
    w = m.weight.data.copy()
    R.remove_parametrizations(m, "weight")
    assert type(m.weight) is nn.Parameter and np.array_equal(m.weight.data, w)
    assert np.isclose(np.linalg.norm(w), 3.0)
    with pytest.raises(ValueError, match="leave_parametrized=False"):
        R.remove_parametrizations(P.weight_norm(nn.Linear(2, 2)), "weight", leave_parametrized=False)


# -- spectral_norm ------------------------------------------------------------------


def test_spectral_norm_converges_to_the_largest_singular_value():
    am.manual_seed(3)
    m = P.spectral_norm(nn.Linear(6, 5).double(), n_power_iterations=200)
    m(am.randn(1, 6))  # (a training forward: 200 more iterations)
    W = m.parametrizations.weight.original.data
    assert np.isclose(np.linalg.norm(m.weight.data, 2), 1.0, rtol=1e-8)
    sn = m.parametrizations.weight[0]
    sigma = sn._u.data @ W @ sn._v.data
    assert np.isclose(sigma, np.linalg.svd(W, compute_uv=False)[0], rtol=1e-10)


@pytest.mark.parametrize("kind", ["linear", "conv", "transpose"])
def test_spectral_norm_one_step_equals_numpy_and_eval_keeps_the_buffers(kind):
    am.manual_seed(4)
    m = {"linear": nn.Linear(4, 3), "conv": nn.Conv2d(2, 3, 2),
         "transpose": nn.ConvTranspose2d(2, 3, 2)}[kind].double()
    P.spectral_norm(m)
    sn = m.parametrizations.weight[0]
    W = m.parametrizations.weight.original.data
    mat = (np.moveaxis(W, 1, 0) if kind == "transpose" else W).reshape(W.shape[1 if kind == "transpose" else 0], -1)
    assert sn._u.shape == (mat.shape[0],) and sn._v.shape == (mat.shape[1],)
    v0 = sn._v.data.copy()  # (an iteration starts from v: u = W v / |W v|, then v)
    w = m.weight.data  # training mode: one power iteration, then W / sigma
    u1 = np_normalize(mat @ v0)
    v1 = np_normalize(mat.T @ u1)
    assert np.allclose(sn._u.data, u1, rtol=1e-14, atol=1e-15) and np.allclose(sn._v.data, v1, rtol=1e-14, atol=1e-15)
    assert np.allclose(w, W / (u1 @ mat @ v1), rtol=1e-14, atol=0)
    m.eval()
    u, v = sn._u.data.copy(), sn._v.data.copy()
    w_eval = m.weight.data
    assert np.array_equal(sn._u.data, u) and np.array_equal(sn._v.data, v)
    assert np.allclose(w_eval, W / (u @ mat @ v), rtol=1e-14, atol=0)
    assert [k for k in m.state_dict()] == ["bias", "parametrizations.weight.original",
                                           "parametrizations.weight.0._u", "parametrizations.weight.0._v"]
    assert [k for k, _ in m.named_parameters()] == ["bias", "parametrizations.weight.original"]


@pytest.mark.parametrize("kind", ["linear", "conv"])
def test_spectral_norm_gradients_in_eval(kind):
    m, shape = layers()[kind]
    P.spectral_norm(m).eval()
    W = m.parametrizations.weight.original
    x = am.tensor(np.random.default_rng(5).normal(size=shape))
    sn = m.parametrizations.weight[0]
    layer = F.linear if kind == "linear" else F.conv2d
    out = lambda w: layer(x, sn(w), m.bias.detach())  # noqa: E731  (the layer's output)
    assert np.array_equal(out(W).data, m(x).data)
    u = sn._u.data.copy()
    assert am.gradcheck(out, [W.detach().requires_grad_()])
    assert am.gradgradcheck(out, [W.detach().requires_grad_()])
    assert np.array_equal(sn._u.data, u)  # (eval: the buffers stayed fixed)
    m(x).sum().backward()
    assert W.grad is not None and W.grad.shape == W.shape


def test_spectral_norm_state_dict_round_trip_and_one_d():
    am.manual_seed(6)
    a, b = P.spectral_norm(nn.Linear(4, 3)), P.spectral_norm(nn.Linear(4, 3))
    b.load_state_dict(a.state_dict())
    a.eval(), b.eval()
    assert np.array_equal(a.weight.data, b.weight.data)
    ln = P.spectral_norm(nn.LayerNorm(4))
    assert list(ln.state_dict()) == ["bias", "parametrizations.weight.original"]
    ln.parametrizations.weight.original.data[...] = [3.0, 0.0, 4.0, 0.0]
    assert np.allclose(ln.weight.data, [0.6, 0.0, 0.8, 0.0])


def test_compile_replays_parametrized_forward_bit_for_bit():
    am.manual_seed(7)
    m1 = P.weight_norm(nn.Linear(4, 3))
    m2 = P.spectral_norm(nn.Conv2d(2, 3, 2)).eval()

    def loss(x, y):
        return (m1(x) ** 2).sum() + (m2(y) ** 2).sum()

    step = am.compile(loss)
    params = list(m1.parameters()) + list(m2.parameters())
    for seed in range(3):
        rng = np.random.default_rng(seed)
        x, y = am.tensor(rng.normal(size=(5, 4))), am.tensor(rng.normal(size=(2, 2, 3, 3)))
        res = []
        for fn in (loss, step):
            for p in params:
                p.grad = None
            out = fn(x, y)
            out.backward()
            res.append((out.data.copy(), [p.grad.data.copy() for p in params]))
        (la, ga), (lb, gb) = res
        assert np.array_equal(la, lb) and all(np.array_equal(a, b) for a, b in zip(ga, gb))
    assert step.recordings == 1
    m2.train()
    with pytest.raises(RuntimeError, match="spectral_norm"):
        step(x, y)


# -- errors -------------------------------------------------------------------------


class FlatDouble(nn.Module):
    """A right_inverse that changes the values, and an output of the wrong shape."""

    def forward(self, w):
        return (2 * w).reshape(-1)

    def right_inverse(self, w):
        return w / 2


def unchanged(m):
    return type(m) is nn.Linear and "parametrizations" not in m.__dict__ and list(m.state_dict()) == ["weight", "bias"]


@pytest.mark.parametrize("call, err, match", [
    (lambda m: P.weight_norm(m, "wieght"), ValueError, "weight_norm: Linear has no parameter 'wieght'"),
    (lambda m: P.spectral_norm(m, "forward"), TypeError, "spectral_norm: Linear.forward is a method"),
    (lambda m: P.weight_norm(m, dim=2), ValueError, r"weight_norm: dim 2 is out of range for Linear.weight of shape \(3, 4\)"),
    (lambda m: P.spectral_norm(m, dim=-3), ValueError, r"spectral_norm: dim -3 is out of range .*\(3, 4\)"),
    (lambda m: P.spectral_norm(m, n_power_iterations=0), ValueError, r"spectral_norm: n_power_iterations .* \(Linear.weight of shape \(3, 4\)\)"),
    (lambda m: P.spectral_norm(m, n_power_iterations=1.0), TypeError, "spectral_norm: n_power_iterations must be an int"),
    (lambda m: P.spectral_norm(m, eps=0.0), ValueError, r"spectral_norm: eps must be .*Linear.weight of shape"),
    (lambda m: P.weight_norm(m, dim="0"), TypeError, "weight_norm: dim must be an int or None"),
    (lambda m: R.register_parametrization(m, "weight", lambda w: w), TypeError, "must be an nn.Module"),
    (lambda m: R.register_parametrization(m, "weight", nn.Flatten(0)), ValueError, r"returns shape \(12,\)"),
    (lambda m: R.register_parametrization(m, "weight", FlatDouble()), ValueError, r"returns shape \(12,\)"),
    (lambda m: R.remove_parametrizations(m, "weight"), ValueError, "Linear has no parametrization on 'weight'"),
])
def test_bad_arguments_are_refused_before_anything_changes(call, err, match):
    m = nn.Linear(4, 3)
    m.register_buffer("buf", am.zeros(3))
    sd = m.state_dict()
    with pytest.raises(err, match=match):
        call(m)
    assert type(m) is nn.Linear and "parametrizations" not in m.__dict__
    assert list(m.state_dict()) == list(sd) and all(np.array_equal(sd[k], v) for k, v in m.state_dict().items())


def test_buffer_and_parametrized_names_are_refused():
    m = nn.Linear(4, 3)
    m.register_buffer("buf", am.zeros(3))
    with pytest.raises(TypeError, match="weight_norm: Linear.buf is a buffer, not a Parameter"):
        P.weight_norm(m, "buf")
    P.weight_norm(m)
    with pytest.raises(ValueError, match="spectral_norm: Linear.weight is already parametrized"):
        P.spectral_norm(m)
    with pytest.raises(ValueError, match="0-d"):
        m.scale = nn.Parameter(np.float64(2.0))
        P.spectral_norm(m, "scale")


@pytest.mark.parametrize("value, kind", [(None, "NoneType"), (np.ones((3, 4)), "ndarray"),
                                         ([[1.0] * 4] * 3, "list"), (nn.ReLU(), "ReLU")])
@pytest.mark.parametrize("which", ["weight_norm", "spectral_norm"])
def test_assigning_a_non_tensor_to_a_parametrized_name_is_a_type_error(value, kind, which):
    m = getattr(P, which)(nn.Linear(4, 3))
    before = {k: v.copy() for k, v in m.state_dict().items()}
    with pytest.raises(TypeError, match=rf"assigning Linear.weight \(parametrized\): expected a Tensor, got {kind}"):
        m.weight = value
    assert all(np.array_equal(before[k], v) for k, v in m.state_dict().items())


def test_deleting_a_parametrized_name_says_how_to_remove_it():
    m = P.weight_norm(nn.Linear(4, 3))
    with pytest.raises(AttributeError, match=r"cannot delete Linear.weight: it is parametrized; use "
                                             r"remove_parametrizations"):
        del m.weight
    assert R.is_parametrized(m, "weight") and m.weight.shape == (3, 4)
