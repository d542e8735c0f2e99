"""Frictions met porting PyTorch programs (WGAN-GP, a Burgers PINN, a U-Net) to autograd_mini."""

import warnings

import numpy as np
import pytest

import autograd_mini as am


def _critic_input() -> am.Tensor:
    return am.tensor(np.linspace(-1.0, 1.0, 6).reshape(3, 2), requires_grad=True)


def test_autograd_grad_takes_torchs_only_inputs_as_wgan_gp_code_passes_it() -> None:
    # the WGAN-GP gradient penalty as written in the reference implementations
    x = _critic_input()
    out = (x ** 3).sum(axis=1)
    (g,) = am.autograd.grad(outputs=out, inputs=x, grad_outputs=am.ones_like(out),
                            create_graph=True, retain_graph=True, only_inputs=True)
    np.testing.assert_allclose(g.data, 3 * x.data ** 2)
    assert g.requires_grad  # create_graph still recorded it
    # torch's positional order: (outputs, inputs, grad_outputs, retain_graph, create_graph,
    # only_inputs, allow_unused)
    y = am.tensor([1.0, 2.0], requires_grad=True)
    got = am.autograd.grad((x ** 2).sum(), [x, y], None, None, False, True, True)
    np.testing.assert_allclose(got[0].data, 2 * x.data)
    assert got[1] is None


def test_autograd_grad_only_inputs_false_is_ignored_with_a_warning_as_torchs() -> None:
    x = _critic_input()
    with pytest.warns(UserWarning, match="only_inputs"):
        (g,) = am.autograd.grad((x ** 2).sum(), x, only_inputs=False)
    np.testing.assert_allclose(g.data, 2 * x.data)
    assert x.grad is None  # nothing accumulated into .grad, as torch's
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        am.autograd.grad((x ** 2).sum(), x, only_inputs=True)


def test_autograd_grad_only_inputs_must_be_a_bool() -> None:
    x = _critic_input()
    with pytest.raises(TypeError, match="only_inputs"):
        am.autograd.grad((x ** 2).sum(), x, only_inputs="yes")


def test_an_op_on_a_tensor_whose_data_was_set_to_a_tensor_says_so() -> None:
    # PyTorch's `p.data = p.data - lr * p.grad` (p.grad a Tensor) leaves a Tensor in .data here,
    # where .data is the ndarray; the next op that hands it to numpy must name the cause,
    # not say that a 'Tensor' does not support ufuncs
    p = am.tensor([1.0, -2.0], requires_grad=True)
    (p * p).sum().backward()
    p.data = p.data - 0.25 * p.grad
    with pytest.raises(TypeError, match=r"exp: input 0 \(shape \(2,\)\) has a Tensor as its \.data"):
        am.exp(p)
    q = am.tensor([1.0, 2.0])
    q.data = am.tensor([3.0, 4.0])
    with pytest.raises(TypeError, match=r"input 1 .*\.data = y\.data"):
        am.tensor([1.0, 1.0]) * q


def _conv_block(inplace: bool) -> am.nn.Module:
    am.manual_seed(3)
    return am.nn.Sequential(am.nn.Conv2d(2, 3, 3, padding=1), am.nn.ReLU(inplace=inplace),
                            am.nn.Conv2d(3, 2, 3, padding=1), am.nn.LeakyReLU(0.1, inplace=inplace),
                            am.nn.MaxPool2d(2), am.nn.ReLU(inplace=inplace))


@pytest.mark.parametrize("grad_mode", [True, False])
def test_compile_replays_a_relu_inplace_on_an_intermediate_bit_for_bit(grad_mode: bool) -> None:
    # nn.ReLU(inplace=True) after a conv or batch norm is how PyTorch CNNs (U-Nets, ResNets)
    # are written; am.compile refused the write, asking for inplace=False
    rng = np.random.default_rng(0)
    xs = [am.tensor(rng.standard_normal((2, 2, 6, 6))) for _ in range(3)]
    eager, net = _conv_block(True), _conv_block(True)  # (the eager call of the same code)
    plain = _conv_block(False)  # (and without the writes: the same numbers too)

    def loss(x: am.Tensor) -> am.Tensor:
        h = net(x)
        return (h * h).sum() + h.sum()  # h read after the in-place writes

    f = am.compile(loss)
    for i, x in enumerate(xs):
        with am.set_grad_enabled(grad_mode):
            want = (lambda h: (h * h).sum() + h.sum())(eager(x))
            got = f(x)
        assert got.data.tobytes() == want.data.tobytes()
        with am.set_grad_enabled(grad_mode):
            assert (lambda h: (h * h).sum() + h.sum())(plain(x)).data.tobytes() == want.data.tobytes()
        if grad_mode:
            assert ("compiled" in repr(got)) == (i > 0)  # recorded once, then replayed
            eager.zero_grad()
            net.zero_grad()
            want.backward()
            got.backward()
            for p, q in zip(eager.parameters(), net.parameters()):
                assert p.grad.data.tobytes() == q.grad.data.tobytes()
    assert "1 tape(s)" in repr(f)  # one recording, replayed since


def test_compile_still_refuses_relu_inplace_on_an_argument() -> None:
    relu = am.nn.ReLU(inplace=True)
    f = am.compile(lambda x: relu(x).sum())
    with pytest.raises(RuntimeError, match=r"ReLU\(inplace=True\).*cannot be compiled"):
        f(am.tensor([1.0, -1.0]))

