"""lgamma, digamma, polygamma: values against oracles written here (exact factorials and
harmonic sums at integers and half-integers, math.lgamma on a sweep, direct summation of
the polygamma series), torch's values at the poles and ends, first and second derivatives
(gradcheck, gradgradcheck, and the derivative chain lgamma' = digamma, digamma' =
polygamma(1), ...), dtypes, bad input, and am.compile replay."""

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am

EULER = 0.5772156649015329
INF, NAN = math.inf, math.nan


def ulps(got, want):
    got, want = np.asarray(got, float), np.asarray(want, float)
    return np.abs(got - want) / np.spacing(np.abs(want))


def summed_polygamma(n, x):
    """psi^(n)(x), x > 0, by direct summation of its series over k < 4000 (math.fsum: exact
    summation) plus a short Euler-Maclaurin tail at x + 4000 (a different route from the
    library's shift to 10 and long asymptotic series)."""
    x = np.asarray(x, float)
    K = 4000
    k = np.arange(K, dtype=float)
    out = np.empty(x.shape)
    for i, v in np.ndenumerate(x):
        y = v + K
        if n == 0:
            head = math.fsum((v - 1) / ((k + 1) * (k + v)))
            tail = math.fsum([math.log1p((v - 1) / (K + 1)), -0.5 / y, 0.5 / (K + 1),
                              -1 / (12 * y * y), 1 / (12 * (K + 1) ** 2)])
            out[i] = math.fsum([-EULER, head, tail])
        else:
            s = n + 1
            zeta = math.fsum(list((v + k) ** -s) + [y ** (1 - s) / n, y ** -s / 2, s * y ** (-s - 1) / 12])
            out[i] = (-1) ** (n + 1) * math.factorial(n) * zeta
    return out


# -- values --------------------------------------------------------------------------------


def test_lgamma_at_integers_and_half_integers_is_the_log_of_the_exact_factorial():
    n = np.arange(1, 171)
    exact = np.array([math.log(math.factorial(int(k) - 1)) for k in n])  # (0 at 1 and 2)
    got = am.lgamma(n.astype(float)).data
    assert got[0] == 0.0 and got[1] == 0.0
    assert ulps(got[2:], exact[2:]).max() <= 2
    # Gamma(k + 1/2) = (2k)! sqrt(pi) / (4**k k!)
    k = np.arange(0, 120)
    exact = np.array([math.log(Fraction(math.factorial(2 * int(j)), 4 ** int(j) * math.factorial(int(j))))
                      + 0.5 * math.log(math.pi) for j in k])
    assert ulps(am.lgamma(k + 0.5).data, exact).max() <= 3
    # Gamma(1/2 - k) = (-4)**k k! sqrt(pi) / (2k)!  (the reflection)
    exact = np.array([math.log(Fraction(4 ** int(j) * math.factorial(int(j)), math.factorial(2 * int(j))))
                      + 0.5 * math.log(math.pi) for j in k])
    assert ulps(am.lgamma(0.5 - k).data, exact).max() <= 4


def test_lgamma_sweep_against_math_lgamma():
    # math.lgamma (CPython's own Lanczos sum) is itself off by up to ~130 ulps on [0.5, 10]
    # and ~2e-16 absolute next to the zeros at 1 and 2, so the bound is its error, not ours:
    # against 40-digit mpmath this lgamma stays within 3 ulps for x > 0 (README of the primitive).
    rng = np.random.default_rng(0)
    x = np.concatenate([np.linspace(0.01, 30, 6001), np.exp(rng.uniform(-700, 690, 3000)),
                        -np.exp(rng.uniform(-20, 15, 3000))])
    x = x[x != np.round(x)]
    want = np.array([math.lgamma(v) for v in x])
    got = am.lgamma(x).data
    big = np.abs(want) > 0.1
    rel = np.abs(got - want) / np.abs(want)
    assert rel[big & (x > 0)].max() < 4e-14
    assert rel[big & (x < 0)].max() < 5e-14
    assert np.abs(got - want)[~big].max() < 1e-15


def test_lgamma_is_exact_enough_next_to_its_zeros_at_1_and_2():
    # lgamma(1 + z) = -gamma z + pi**2/12 z**2 + O(z**3): relative accuracy where
    # math.lgamma (and any shift-and-subtract) has only absolute
    z = (1 + np.array([1e-12, -1e-12, 1e-8, -3e-7])) - 1  # (exact: the z that 1 + z holds)
    got = am.lgamma(1 + z).data
    want = -EULER * z + math.pi ** 2 / 12 * z * z
    np.testing.assert_allclose(got, want, rtol=1e-10)
    # lgamma(2 + z) = (1 - gamma) z + (pi**2/6 - 1)/2 z**2 + O(z**3)
    z = (2 + z) - 2
    got = am.lgamma(2 + z).data
    want = (1 - EULER) * z + (math.pi ** 2 / 6 - 1) / 2 * z * z
    np.testing.assert_allclose(got, want, rtol=1e-10)


def test_digamma_at_integers_and_half_integers_from_harmonic_sums():
    n = np.arange(1, 60)
    harmonic = [float(sum(Fraction(1, j) for j in range(1, int(k)))) for k in n]
    want = -EULER + np.array(harmonic)
    assert (np.abs(am.digamma(n.astype(float)).data - want) / np.abs(want)).max() < 1e-14
    # psi(k + 1/2) = -gamma - 2 log 2 + sum_{j=1..k} 2 / (2j - 1)
    k = np.arange(0, 40)
    want = -EULER - 2 * math.log(2) + np.array([float(sum(Fraction(2, 2 * j - 1) for j in range(1, int(i) + 1)))
                                                 for i in k])
    assert (np.abs(am.digamma(k + 0.5).data - want) / np.abs(want)).max() < 2e-15 * 10
    # trigamma(k) = pi**2/6 - sum_{j<k} 1/j**2; trigamma(1/2) = pi**2/2
    want = math.pi ** 2 / 6 - np.array([float(sum(Fraction(1, j * j) for j in range(1, int(i)))) for i in n])
    assert (np.abs(am.polygamma(1, n.astype(float)).data - want) / want).max() < 1e-13
    assert abs(am.polygamma(1, 0.5).item() - math.pi ** 2 / 2) < 1e-15 * math.pi ** 2
    # psi''(1) = -2 zeta(3), psi'''(1) = 6 zeta(4) = pi**4 / 15
    assert abs(am.polygamma(2, 1.0).item() / (-2 * 1.2020569031595942) - 1) < 1e-14
    assert abs(am.polygamma(3, 1.0).item() / (math.pi ** 4 / 15) - 1) < 1e-14


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5])
def test_polygamma_sweep_against_direct_summation(n):
    rng = np.random.default_rng(n)
    x = np.concatenate([rng.uniform(0.05, 30, 300), np.exp(rng.uniform(-6, 4, 100))])
    want = summed_polygamma(n, x)
    got = am.polygamma(n, x).data
    keep = np.abs(want) > 0.05  # (digamma's zero at 1.4616: absolute there)
    assert (np.abs(got - want) / np.abs(want))[keep].max() < 3e-14
    assert np.abs(got - want)[~keep].max(initial=0) < 2e-15


@pytest.mark.parametrize("n", [0, 1, 2, 3])
def test_polygamma_reflection_for_negative_x_matches_the_recurrence(n):
    # psi^(n)(x) = psi^(n)(x + m) - (-1)**n n! sum_{j<m} (x + j)**-(n+1), for x in (-m, 0):
    # summed directly (no cot), from the positive-side oracle
    rng = np.random.default_rng(10 + n)
    x = rng.uniform(-8, 0, 400)
    x = x[np.abs(x - np.round(x)) > 0.02]
    m = 9
    j = np.arange(m).reshape(m, 1)
    want = summed_polygamma(n, x + m) - (-1) ** n * math.factorial(n) * ((x + j) ** -(n + 1)).sum(0)
    got = am.polygamma(n, x).data
    scale = np.maximum(np.abs(want), 1.0)
    assert (np.abs(got - want) / scale).max() < 1e-12


def test_poles_and_ends_are_torchs():
    x = np.array([0.0, -0.0, -1.0, -2.0, -1e20, INF, -INF, NAN])
    np.testing.assert_array_equal(am.lgamma(x).data, [INF, INF, INF, INF, INF, INF, INF, NAN])
    np.testing.assert_array_equal(am.digamma(x).data, [-INF, INF, NAN, NAN, NAN, INF, NAN, NAN])
    # (at -inf the poles crowd: NaN; at +inf the limit 0, where torch's float64 gives NaN for n >= 2)
    np.testing.assert_array_equal(am.polygamma(1, x).data, [INF, INF, INF, INF, INF, 0, NAN, NAN])
    np.testing.assert_array_equal(am.polygamma(2, x).data, [-INF, -INF, -INF, -INF, -INF, 0, NAN, NAN])
    np.testing.assert_array_equal(am.polygamma(3, x).data, [INF, INF, INF, INF, INF, 0, NAN, NAN])
    # tiny and huge arguments: overflow to the value, no warning
    with np.errstate(all="raise"):
        assert am.lgamma(5e-324).item() == pytest.approx(744.4400719213812, rel=1e-15)
        assert am.lgamma(1e307).item() == INF
        assert am.digamma(1e-300).item() == pytest.approx(-1e300, rel=1e-15)
        assert am.polygamma(1, 1e-200).item() == INF


def test_dtypes_float32_stays_and_integers_give_float64():
    x32 = np.array([0.3, 2.5, 7.0, -1.5], dtype=np.float32)
    for f in (am.lgamma, am.digamma, lambda t: am.polygamma(2, t)):
        out = f(x32)
        assert out.dtype == np.float32
        np.testing.assert_array_equal(out.data, f(x32.astype(np.float64)).data.astype(np.float32))
    assert am.lgamma(np.array([1, 2, 5])).dtype == np.float64
    np.testing.assert_array_equal(am.lgamma(np.array([1, 2, 5])).data, [0.0, 0.0, math.log(24)])
    assert am.tensor([1.5, 2.5]).digamma().shape == (2,)
    assert am.tensor([[1.5, 2.5]]).polygamma(1).shape == (1, 2)


@pytest.mark.parametrize("bad", [-1, 1.0, True, "1", None])
def test_polygamma_n_must_be_a_nonnegative_int(bad):
    x = am.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match="polygamma: n must be an int >= 0"):
        am.polygamma(bad, x)
    with pytest.raises(ValueError, match="polygamma: n must be an int >= 0"):
        x.polygamma(bad)


def test_complex_input_is_a_type_error_naming_the_op():
    with pytest.raises(TypeError, match="lgamma"):
        am.lgamma(np.array([1 + 1j]))
    with pytest.raises(TypeError, match="digamma"):
        am.digamma(np.array([1 + 1j]))


# -- derivatives ------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 1, 3)])
def test_gradcheck_and_gradgradcheck(shape):
    rng = np.random.default_rng(len(shape))
    pos = rng.uniform(0.3, 6.0, shape)
    neg = -rng.uniform(0.1, 0.9, shape) - rng.integers(0, 4, shape)  # (between the poles)
    for x in (pos, neg):
        for f in (am.lgamma, am.digamma, lambda t: am.polygamma(1, t), lambda t: am.polygamma(3, t)):
            t = am.tensor(x, requires_grad=True)
            assert am.gradcheck(f, [t])
            assert am.gradgradcheck(f, [t])


def test_derivative_chain_lgamma_digamma_polygamma():
    x = am.tensor(np.array([0.4, 1.7, 3.2, -0.6, -2.3]), requires_grad=True)
    y = am.lgamma(x).sum()
    (g1,) = am.autograd.grad(y, [x], create_graph=True)
    np.testing.assert_array_equal(g1.data, am.digamma(x.data).data)
    (g2,) = am.autograd.grad(g1.sum(), [x], create_graph=True)
    np.testing.assert_array_equal(g2.data, am.polygamma(1, x.data).data)
    (g3,) = am.autograd.grad(g2.sum(), [x])
    np.testing.assert_array_equal(g3.data, am.polygamma(2, x.data).data)


def test_derivatives_against_finite_differences_of_math_lgamma():
    x = np.array([0.7, 1.5, 4.2, 11.3, -0.4, -3.7])
    h = 1e-5
    lg = np.vectorize(math.lgamma)
    fd1 = (lg(x - 2 * h) - 8 * lg(x - h) + 8 * lg(x + h) - lg(x + 2 * h)) / (12 * h)
    np.testing.assert_allclose(am.digamma(x).data, fd1, rtol=1e-8, atol=1e-8)
    fd2 = (am.digamma(x + h).data - am.digamma(x - h).data) / (2 * h)
    np.testing.assert_allclose(am.polygamma(1, x).data, fd2, rtol=1e-8)


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 4), st.floats(0.05, 40.0))
def test_recurrence_holds(n, x):
    # psi^(n)(x + 1) = psi^(n)(x) + (-1)**n n! / x**(n+1)
    lhs = am.polygamma(n, x + 1.0).item()
    a, b = am.polygamma(n, x).item(), (-1) ** n * math.factorial(n) / x ** (n + 1)
    assert lhs == pytest.approx(a + b, abs=4e-16 * (abs(a) + abs(b)) + 1e-15)
    # lgamma(x + 1) = lgamma(x) + log x
    assert am.lgamma(x + 1.0).item() == pytest.approx(am.lgamma(x).item() + math.log(x), rel=1e-13, abs=1e-14)


def test_compile_replays_eager_bit_for_bit():
    def f(a):
        return (am.lgamma(a) * am.digamma(a) + am.polygamma(2, a)).sum()

    x0 = np.array([[0.3, 1.7, 4.5], [-0.5, 2.2, 9.0]])
    compiled = am.compile(f)
    for _ in range(2):
        a = am.tensor(x0, requires_grad=True)
        out = compiled(a)
        out.backward()
        b = am.tensor(x0, requires_grad=True)
        ref = f(b)
        ref.backward()
        assert out.item() == ref.item()
        np.testing.assert_array_equal(a.grad, b.grad)
