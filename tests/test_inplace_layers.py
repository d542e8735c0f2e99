"""nn layers' inplace=True is PyTorch's: the result is written into the input tensor,
so code that reads the input afterwards (VQ-VAE's residual block
`x + nn.Sequential(nn.ReLU(True), conv, ...)(x)`) sees the new values, as in PyTorch."""

import numpy as np
import pytest

import autograd_mini as am
import autograd_mini.nn as nn

LAYERS = [
    lambda ip: nn.ReLU(inplace=ip),
    lambda ip: nn.LeakyReLU(0.3, inplace=ip),
    lambda ip: nn.SiLU(inplace=ip),
    lambda ip: nn.ELU(0.7, inplace=ip),
    lambda ip: nn.CELU(0.7, inplace=ip),
    lambda ip: nn.SELU(inplace=ip),
    lambda ip: nn.ReLU6(inplace=ip),
    lambda ip: nn.Hardsigmoid(inplace=ip),
    lambda ip: nn.Hardswish(inplace=ip),
    lambda ip: nn.Mish(inplace=ip),
    lambda ip: nn.Hardtanh(-0.5, 0.5, inplace=ip),
    lambda ip: nn.Threshold(0.1, -2.0, inplace=ip),
    lambda ip: nn.RReLU(inplace=ip).eval(),
    lambda ip: nn.Dropout(0.0, inplace=ip),
    lambda ip: nn.AlphaDropout(0.0, inplace=ip),
]

A = np.array([[-1.5, -0.2, 0.0, 0.3], [0.7, 2.0, -3.0, 7.0]])


@pytest.mark.parametrize("make", LAYERS)
def test_inplace_writes_the_result_into_the_input_and_returns_it(make):
    expected = make(False)(am.tensor(A)).data
    x = am.tensor(A)
    out = make(True)(x)
    assert out is x
    np.testing.assert_array_equal(x.data, expected)
    y = am.tensor(A)
    make(False)(y)
    np.testing.assert_array_equal(y.data, A)  # inplace=False leaves its input alone


@pytest.mark.parametrize("make", LAYERS)
def test_a_residual_that_reads_the_input_after_an_inplace_layer_gets_its_gradient(make):
    # x + f_(x): PyTorch computes f(x) + f(x) from the written x, and its gradient.
    w = am.tensor(A, requires_grad=True)
    x = w * 1.5
    y = x + make(True)(x) ** 2
    y.sum().backward()
    w2 = am.tensor(A, requires_grad=True)
    f = make(False)(w2 * 1.5)
    (f + f ** 2).sum().backward()
    np.testing.assert_allclose(y.data, (f + f ** 2).data, rtol=0, atol=1e-15)
    np.testing.assert_allclose(w.grad.data, w2.grad.data, rtol=0, atol=1e-14)


def test_inplace_on_a_leaf_that_requires_grad_raises_as_in_pytorch():
    w = am.tensor(A, requires_grad=True)
    with pytest.raises(RuntimeError, match="in place"):
        nn.ReLU(inplace=True)(w)
    np.testing.assert_array_equal(w.data, A)


def test_inplace_takes_arrays_as_the_layer_does_and_returns_a_new_tensor():
    a = A.copy()
    out = nn.ReLU(inplace=True)(a)
    np.testing.assert_array_equal(out.data, np.maximum(A, 0))


def test_the_vq_vae_residual_block_matches_pytorchs_numbers():
    # zalandoresearch's VQ-VAE Residual: x + Sequential(ReLU(True), conv3, ReLU(True), conv1)(x)
    # is relu(x) + block(x) in PyTorch. (Numbers from torch 2.13, float64.)
    am.manual_seed(0)
    block = nn.Sequential(nn.ReLU(True), nn.Conv2d(2, 2, 1, bias=False))
    with am.no_grad():
        block[1].weight.copy_(am.tensor([[[[0.5]], [[-1.0]]], [[[2.0]], [[0.25]]]]))
    x = am.tensor(A.reshape(1, 2, 2, 2), requires_grad=True)
    h = x * 1.0
    out = h + block(h)
    r = np.maximum(A.reshape(1, 2, 2, 2), 0)
    conv = np.stack([0.5 * r[0, 0] - r[0, 1], 2.0 * r[0, 0] + 0.25 * r[0, 1]])[None]
    np.testing.assert_allclose(out.data, r + conv, rtol=0, atol=1e-15)
    out.sum().backward()
    mask = (A.reshape(1, 2, 2, 2) > 0).astype(float)
    np.testing.assert_allclose(x.grad.data, mask * np.array([1 + 0.5 + 2.0, 1 - 1.0 + 0.25])[None, :, None, None],
                               rtol=0, atol=1e-15)


def test_am_compile_replays_an_inplace_layer_as_its_eager_call():
    # (h + act(h)): with inplace=True h itself is written first, so both terms are relu(h),
    # eagerly and in a replay; eager and compiled must not differ silently
    lin = nn.Linear(4, 4)
    for ip in (True, False):
        act = nn.ReLU(inplace=ip)

        def f(x):
            h = lin(x)
            return (h + act(h)).sum()

        lin.zero_grad()
        eager = f(am.tensor(A))
        eager.backward()
        g_eager = lin.weight.grad.data.copy()
        lin.zero_grad()
        cf = am.compile(f)
        cf(am.tensor(A))
        lin.zero_grad()
        out = cf(am.tensor(A))  # (the replay)
        out.backward()
        assert "compiled" in repr(out)
        assert out.data == eager.data
        np.testing.assert_array_equal(lin.weight.grad.data, g_eager)
        h = lin(am.tensor(A)).data
        want = (2 * np.maximum(h, 0)).sum() if ip else (h + np.maximum(h, 0)).sum()
        np.testing.assert_allclose(eager.data, want)


# The functional forms that take PyTorch's inplace= (in training, with a draw: the same
# draw is made again from the same seed for the out-of-place result), with input shapes.
F_ = am.nn.functional
FUNCTIONS = [
    (lambda x, ip: F_.rrelu(x, training=True, inplace=ip), (2, 4)),
    (lambda x, ip: F_.rrelu(x, inplace=ip), (2, 4)),
    (lambda x, ip: F_.dropout1d(x, 0.5, inplace=ip), (2, 2, 2)),
    (lambda x, ip: F_.dropout3d(x, 0.5, inplace=ip), (2, 1, 1, 2, 2)),
    (lambda x, ip: F_.alpha_dropout(x, 0.5, training=True, inplace=ip), (2, 4)),
    (lambda x, ip: F_.feature_alpha_dropout(x, 0.5, training=True, inplace=ip), (2, 4)),
]


@pytest.mark.parametrize("call, shape", FUNCTIONS)
def test_functional_inplace_writes_into_the_input(call, shape):
    w = am.tensor(A.reshape(shape), requires_grad=True)
    x = w * 1.0
    am.manual_seed(3)
    out = call(x, True)
    assert out is x
    w2 = am.tensor(A.reshape(shape), requires_grad=True)
    am.manual_seed(3)
    expected = call(w2 * 1.0, False)
    np.testing.assert_array_equal(x.data, expected.data)
    weights = np.arange(8.0).reshape(shape)
    (out * weights).sum().backward()
    (expected * weights).sum().backward()
    np.testing.assert_array_equal(w.grad.data, w2.grad.data)
    plain = am.tensor(A.reshape(shape))
    am.manual_seed(3)
    call(plain, False)
    np.testing.assert_array_equal(plain.data, A.reshape(shape))  # inplace=False leaves its input alone
    with pytest.raises(RuntimeError, match="in place"):
        call(am.tensor(A.reshape(shape), requires_grad=True), True)  # (a leaf, as PyTorch's)


@pytest.mark.parametrize("make", [lambda: am.nn.SiLU(inplace=True), lambda: am.nn.ELU(inplace=True),
                                  lambda: am.nn.Hardsigmoid(inplace=True), lambda: am.nn.Dropout(0.5, inplace=True),
                                  lambda: am.nn.AlphaDropout(0.5, inplace=True)])
def test_a_float_result_is_not_truncated_into_an_integer_input(make):
    # (PyTorch refuses these on an integer tensor; writing would truncate silu(2) = 1.76 to 1)
    x = am.tensor(np.array([-1, 2, 3]))
    with pytest.raises(TypeError, match=r"inplace=True.*int64"):
        make()(x)
    np.testing.assert_array_equal(x.data, [-1, 2, 3])


def test_relu_inplace_on_an_integer_input_still_writes():
    x = am.tensor(np.array([-1, 2, 3]))
    assert am.nn.ReLU(inplace=True)(x) is x
    np.testing.assert_array_equal(x.data, [0, 2, 3])
