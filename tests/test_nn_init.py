"""nn.init: gains, fans, in-place filling, and the statistics of each scheme.

Statistical checks draw ~250,000 samples, so a sample variance is within about
0.6% of its expectation (one standard deviation); tolerances are 3%.
"""

import math
import re

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn import init

BIG = (512, 512)  # fan_in = fan_out = 512
CONV = (128, 64, 5, 5)  # fan_in = 1600, fan_out = 3200


def stats(t):
    return t.data.mean(), t.data.var(), t.data.min(), t.data.max()


def assert_uniform(t, bound):
    mean, var, lo, hi = stats(t)
    assert -bound <= lo and hi <= bound
    assert lo < -0.99 * bound and hi > 0.99 * bound  # the whole interval is used
    assert abs(mean) < 0.01 * bound
    assert var == pytest.approx(bound**2 / 3, rel=0.03)


def assert_normal(t, std):
    mean, var, _, _ = stats(t)
    assert abs(mean) < 0.01 * std
    assert var == pytest.approx(std**2, rel=0.03)
    kurtosis = ((t.data - mean) ** 4).mean() / var**2
    assert kurtosis == pytest.approx(3.0, rel=0.05)  # normal, not uniform (1.8)


# -- gains and fans -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, param, gain",
    [
        ("linear", None, 1.0), ("conv2d", None, 1.0), ("sigmoid", None, 1.0),
        ("tanh", None, 5 / 3), ("relu", None, math.sqrt(2)), ("selu", None, 0.75),
        ("leaky_relu", None, math.sqrt(2 / (1 + 0.01**2))),
        ("leaky_relu", 0.2, math.sqrt(2 / 1.04)), ("leaky_relu", math.sqrt(5), math.sqrt(1 / 3)),
    ],
)
def test_calculate_gain(name, param, gain):
    assert init.calculate_gain(name, param) == pytest.approx(gain, rel=1e-15)


def test_calculate_gain_rejects_unknown_names():
    with pytest.raises(ValueError, match="unknown nonlinearity 'gelu'"):
        init.calculate_gain("gelu")
    with pytest.raises(ValueError, match="negative slope"):
        init.calculate_gain("leaky_relu", "steep")


def test_fans_of_linear_and_conv_weights():
    assert init.calculate_fan_in_and_fan_out(am.zeros(3, 5)) == (5, 3)
    assert init.calculate_fan_in_and_fan_out(am.zeros(*CONV)) == (1600, 3200)
    assert init.calculate_fan_in_and_fan_out(nn.Conv2d(4, 6, (2, 3), groups=2).weight) == (12, 36)
    with pytest.raises(ValueError, match=r"at least 2 dimensions .* got shape \(4,\)"):
        init.calculate_fan_in_and_fan_out(am.zeros(4))


@pytest.mark.parametrize("fn", [init.calculate_fan_in_and_fan_out, init.xavier_uniform_, init.xavier_normal_,
                                init.kaiming_uniform_, init.kaiming_normal_])
@pytest.mark.parametrize("bad", [None, [[1.0, 2.0], [3.0, 4.0]], 3.0, "w"])
def test_fan_based_inits_refuse_a_non_tensor_by_name(fn, bad):
    # (not tensor.shape's AttributeError: the message names the function called)
    with pytest.raises(TypeError, match=rf"^{fn.__name__}: expected a Tensor \(or ndarray\), got"):
        fn(bad)


def test_fan_based_inits_name_themselves_for_a_1d_weight():
    with pytest.raises(ValueError, match=r"^kaiming_uniform_: .*at least 2 dimensions .* got shape \(4,\)"):
        init.kaiming_uniform_(am.zeros(4))


# -- in place, returning the tensor -----------------------------------------------------------------


@pytest.mark.parametrize(
    "fill",
    [
        lambda t: init.uniform_(t, -2, 3), lambda t: init.normal_(t, 1, 2), lambda t: init.constant_(t, 0.5),
        init.zeros_, init.ones_, init.xavier_uniform_, init.xavier_normal_, init.kaiming_uniform_,
        init.kaiming_normal_,
    ],
)
def test_fills_in_place_keep_dtype_and_return_the_tensor(fill):
    for dtype in (np.float64, np.float32):
        p = nn.Parameter(np.full((6, 4), 7.0, dtype=dtype))
        data = p.data
        assert fill(p) is p
        assert p.data is data and p.dtype == dtype
        assert not (p.data == 7.0).all()
        assert p.grad_fn is None and p.requires_grad


def test_constant_zeros_ones():
    t = am.zeros(2, 3)
    np.testing.assert_array_equal(init.constant_(t, 0.25).data, np.full((2, 3), 0.25))
    np.testing.assert_array_equal(init.ones_(t).data, np.ones((2, 3)))
    np.testing.assert_array_equal(init.zeros_(t).data, np.zeros((2, 3)))
    a = np.ones(4)
    assert init.zeros_(a) is a and not a.any()  # plain ndarrays work too


def test_manual_seed_makes_initialisation_reproducible():
    am.manual_seed(123)
    a = nn.Linear(5, 4)
    am.manual_seed(123)
    b = nn.Linear(5, 4)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    np.testing.assert_array_equal(a.bias.data, b.bias.data)
    c = nn.Linear(5, 4)
    assert not np.array_equal(a.weight.data, c.weight.data)


def test_bad_arguments():
    with pytest.raises(ValueError, match="mode must be 'fan_in' or 'fan_out', got 'fan_avg'"):
        init.kaiming_uniform_(am.zeros(3, 3), mode="fan_avg")
    with pytest.raises(ValueError, match="unknown nonlinearity"):
        init.kaiming_normal_(am.zeros(3, 3), nonlinearity="swish")
    with pytest.raises(TypeError, match="floating"):
        init.normal_(am.tensor([1, 2]))
    with pytest.raises(TypeError, match="expected a Tensor"):
        init.uniform_([1.0, 2.0])
    with pytest.raises(ValueError, match="need a <= b"):
        init.uniform_(am.zeros(2), 1.0, 0.0)
    with pytest.raises(ValueError, match="std must be non-negative"):
        init.normal_(am.zeros(2), 0.0, -1.0)
    with pytest.raises(ValueError, match="fan_in is 0"):
        init.kaiming_uniform_(am.zeros(3, 0))
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.xavier_uniform_(am.zeros(5))
    for xavier in (init.xavier_uniform_, init.xavier_normal_):  # (not a ZeroDivisionError)
        with pytest.raises(ValueError, match=r"fan_in \+ fan_out is 0 for shape \(0, 0\)"):
            xavier(am.zeros(0, 0))


# -- statistics ----------------------------------------------------------------------------------------


def test_uniform_and_normal_statistics():
    am.manual_seed(0)
    t = init.uniform_(am.zeros(*BIG), -0.5, 1.5)
    assert t.data.min() >= -0.5 and t.data.max() <= 1.5
    assert t.data.mean() == pytest.approx(0.5, abs=0.01)
    assert t.data.var() == pytest.approx(4 / 12, rel=0.03)
    t = init.normal_(am.zeros(*BIG), 2.0, 0.5)
    assert t.data.mean() == pytest.approx(2.0, abs=0.005)
    assert t.data.std() == pytest.approx(0.5, rel=0.015)


@pytest.mark.parametrize("shape", [BIG, CONV])
def test_xavier_statistics(shape):
    am.manual_seed(1)
    fan_in, fan_out = init.calculate_fan_in_and_fan_out(am.zeros(*shape))
    gain = init.calculate_gain("tanh")
    std = gain * math.sqrt(2 / (fan_in + fan_out))
    assert_uniform(init.xavier_uniform_(am.zeros(*shape), gain=gain), math.sqrt(3) * std)
    assert_normal(init.xavier_normal_(am.zeros(*shape), gain=gain), std)


@pytest.mark.parametrize("shape", [BIG, CONV])
@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
def test_kaiming_statistics(shape, mode):
    am.manual_seed(2)
    fan_in, fan_out = init.calculate_fan_in_and_fan_out(am.zeros(*shape))
    fan = fan_in if mode == "fan_in" else fan_out
    relu_std = math.sqrt(2 / fan)
    assert_normal(init.kaiming_normal_(am.zeros(*shape), mode=mode, nonlinearity="relu"), relu_std)
    assert_uniform(init.kaiming_uniform_(am.zeros(*shape), mode=mode, nonlinearity="relu"), math.sqrt(3) * relu_std)
    leaky_std = math.sqrt(2 / (1 + 0.3**2) / fan)
    assert_normal(init.kaiming_normal_(am.zeros(*shape), a=0.3, mode=mode), leaky_std)


def test_kaiming_preserves_the_second_moment_through_relu_layers():
    # He et al.'s argument: with std sqrt(2/fan_in) the mean square of the
    # pre-activations stays of order one through a deep ReLU stack, while the
    # gain-1 scale sqrt(1/fan_in) halves it at every layer (2^-10 after ten).
    def ratio(nonlinearity):
        am.manual_seed(3)
        x = am.randn(256, 256)
        ms0 = (x.data**2).mean()
        for _ in range(10):
            w = init.kaiming_normal_(am.zeros(256, 256), nonlinearity=nonlinearity)
            x = am.relu(x) @ w.T
        return (x.data**2).mean() / ms0

    assert 0.25 < ratio("relu") < 4.0
    assert ratio("linear") < 0.01


def test_default_linear_init_is_pytorchs():
    am.manual_seed(4)
    lin = nn.Linear(500, 600)
    bound = 1 / math.sqrt(500)
    assert_uniform(lin.weight, bound)  # kaiming_uniform_(a=sqrt(5)) gives exactly this bound
    assert np.abs(lin.bias.data).max() <= bound
    assert lin.bias.data.min() < -0.9 * bound and lin.bias.data.max() > 0.9 * bound
    wide = nn.Linear(100, 900)  # (the bias bound is 1/sqrt(in), not 1/sqrt(out): 0.1, not 0.033)
    assert np.abs(wide.bias.data).max() <= 0.1 and wide.bias.data.max() - wide.bias.data.min() > 0.19


def test_default_conv_init_is_pytorchs():
    am.manual_seed(5)
    conv = nn.Conv2d(64, 256, 4, groups=2)  # fan_in = 32 * 16 = 512
    bound = 1 / math.sqrt(512)
    assert_uniform(conv.weight, bound)
    assert np.abs(conv.bias.data).max() <= bound
    assert conv.bias.data.min() < -0.8 * bound and conv.bias.data.max() > 0.8 * bound


def test_default_init_for_batchnorm_and_reset_parameters():
    bn = nn.BatchNorm2d(3)
    np.testing.assert_array_equal(bn.weight.data, np.ones(3))
    np.testing.assert_array_equal(bn.bias.data, np.zeros(3))
    np.testing.assert_array_equal(bn.running_var.data, np.ones(3))
    lin = nn.Linear(4, 3)
    weight = lin.weight.data
    before = weight.copy()
    lin.reset_parameters()
    assert lin.weight.data is weight and not np.array_equal(weight, before)


@pytest.mark.parametrize("make", [lambda: nn.BatchNorm1d(3), lambda: nn.BatchNorm2d(3),
                                  lambda: nn.InstanceNorm1d(3, affine=True, track_running_stats=True)])
def test_reset_running_stats_keeps_the_affine_parameters(make):
    norm = make()
    x = am.tensor(np.random.default_rng(0).normal(2.0, 3.0, (4, 3, 5) if "1d" in type(norm).__name__ else (4, 3, 5, 5)))
    with am.no_grad():
        norm.weight.data[...] = [1.5, 2.0, 2.5]
        norm(x)
    norm.num_batches_tracked.data[...] = 1  # (InstanceNorm never counts, as PyTorch's)
    assert not np.allclose(norm.running_mean.data, 0)
    norm.reset_running_stats()
    np.testing.assert_array_equal(norm.running_mean.data, np.zeros(3))
    np.testing.assert_array_equal(norm.running_var.data, np.ones(3))
    assert int(norm.num_batches_tracked.data) == 0
    np.testing.assert_array_equal(norm.weight.data, [1.5, 2.0, 2.5])
    nn.BatchNorm1d(3, track_running_stats=False).reset_running_stats()  # (no statistics: nothing to do)


def test_init_under_the_default_float32_dtype():
    am.set_default_dtype(np.float32)
    try:
        lin = nn.Linear(3, 2)
        conv = nn.Conv2d(1, 2, 3)
        bn = nn.BatchNorm1d(2)
    finally:
        am.set_default_dtype(np.float64)
    assert {lin.weight.dtype, lin.bias.dtype, conv.weight.dtype, bn.weight.dtype, bn.running_mean.dtype} == {
        np.dtype(np.float32)
    }
    assert nn.Linear(3, 2, dtype=np.float32).weight.dtype == np.float32


@pytest.mark.parametrize("call, error, message", [
    (lambda w: init.uniform_(w, -np.inf, 1), ValueError, "uniform_: the bounds must be finite, got a=-inf, b=1"),
    (lambda w: init.uniform_(w, 0, np.nan), ValueError, "uniform_: the bounds must be finite, got a=0, b=nan"),
    (lambda w: init.uniform_(w, "a", 1), TypeError, "uniform_: a must be a real number, got 'a'"),
    (lambda w: init.constant_(w, "a"), TypeError, "constant_: val must be a real number, got 'a'"),
    (lambda w: init.constant_(w, None), TypeError, "constant_: val must be a real number, got None"),
])
def test_bad_bounds_and_values_name_the_function_and_change_nothing(call, error, message):
    w = nn.Parameter(np.zeros(2))
    with pytest.raises(error, match="^" + re.escape(message)):
        call(w)
    np.testing.assert_array_equal(w.data, 0.0)


@pytest.mark.parametrize("slope", [np.float32(0.2), np.int64(0), np.array(0.2)])
def test_numpy_negative_slopes_are_numbers(slope):
    # A numpy scalar slope (np.float32, np.int64, a 0-d array) was refused as "not a number".
    expected = math.sqrt(2.0 / (1.0 + float(slope) ** 2))
    assert init.calculate_gain("leaky_relu", slope) == pytest.approx(expected, rel=1e-6)
    w = nn.Parameter(np.zeros((400, 300)))
    am.manual_seed(0)
    init.kaiming_uniform_(w, a=slope)
    assert np.abs(w.data).max() == pytest.approx(math.sqrt(3.0 / 300) * expected, rel=1e-3)


@pytest.mark.parametrize("call, error, message", [
    # (normal_ filled infinities or NaNs where uniform_ refuses non-finite bounds)
    (lambda w: init.normal_(w, 0.0, np.inf), ValueError, "normal_: mean and std must be finite, got mean=0.0, std=inf"),
    (lambda w: init.normal_(w, np.nan, 1.0), ValueError, "normal_: mean and std must be finite, got mean=nan, std=1.0"),
    (lambda w: init.normal_(w, 0.0, "1"), TypeError, "normal_: std must be a real number, got '1'"),
    (lambda w: init.normal_(w, 1j), TypeError, "normal_: mean must be a real number, got 1j"),
    (lambda w: init.xavier_uniform_(w, gain="2"), TypeError, "xavier_uniform_: gain must be a real number, got '2'"),
    (lambda w: init.xavier_normal_(w, gain=None), TypeError, "xavier_normal_: gain must be a real number, got None"),
])
def test_normal_and_xavier_check_their_numbers(call, error, message):
    w = nn.Parameter(np.zeros((2, 2)))
    with pytest.raises(error, match="^" + re.escape(message)):
        call(w)
    np.testing.assert_array_equal(w.data, 0.0)


def test_reset_running_stats_after_a_forward_that_read_them_is_caught_by_backward():
    # PyTorch's reset_running_stats bumps the buffers' versions: a graph that read them
    # refuses its backward instead of differentiating the reset values.
    bn = nn.BatchNorm1d(2)
    with am.no_grad():
        bn.running_mean.copy_(am.tensor([3.0, 4.0]))
    x = am.tensor(np.ones(2), requires_grad=True)
    y = (x * bn.running_mean).sum()
    bn.reset_running_stats()
    with pytest.raises(RuntimeError, match="changed in place"):
        y.backward()
