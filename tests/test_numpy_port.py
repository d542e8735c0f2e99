"""Porting numpy programs: numpy's spellings that a scientist's code uses, on tensors."""

import numpy as np
import pytest

import autograd_mini as am


# -- numpy functions handed a tensor (__array_function__) -----------------------------------

@pytest.mark.parametrize("call, expected", [
    (lambda t: np.sum(t), 5.0),
    (lambda t: np.mean(t, axis=0), [2.5, 1.5, -1.5]),
    (lambda t: np.max(t), 5.0),
    (lambda t: np.std(t), np.std([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]])),
    (lambda t: np.any(t > 0), True),
    (lambda t: np.all(t > 0), False),
    (lambda t: np.prod(t, axis=1), [-6.0, -120.0]),
    (lambda t: np.cumsum(t, axis=1), [[1.0, -1.0, 2.0], [4.0, 9.0, 3.0]]),
    (lambda t: np.round(t, 1), [[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]]),
    (lambda t: np.clip(t, 0, 1), [[1.0, 0.0, 1.0], [1.0, 1.0, 0.0]]),
])
def test_numpy_reductions_of_a_tensor_without_grad_give_ndarrays(call, expected):
    # np.sum(t) calls t.sum(axis=..., dtype=..., out=...), numpy's route for objects
    # with a sum method; it failed with "unexpected keyword argument 'out'"
    t = am.tensor([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]])
    out = call(t)
    assert not isinstance(out, am.Tensor)
    np.testing.assert_allclose(out, expected)
    w = am.tensor([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]], requires_grad=True)
    with am.no_grad():  # (no graph is recorded: the values are what is asked for)
        np.testing.assert_allclose(call(w), expected)
    if isinstance(expected, bool):
        return  # (np.any(w > 0): the mask requires no grad, nothing to refuse)
    with pytest.raises(TypeError, match="requires grad"):
        call(w)


def test_numpy_functions_cannot_write_into_a_tensor_unseen():
    # the tensors reach numpy as read-only views: a write through np.copyto, out= or np.put
    # would change a tensor's values behind the version stamps that guard its graph
    t = am.tensor([1.0, 2.0, 3.0])
    for call in (lambda: np.copyto(t, np.zeros(3)), lambda: np.sum(np.ones((2, 3)), axis=0, out=t),
                 lambda: np.put(t, [0], [9.0]), lambda: np.place(t, np.ones(3, bool), [7.0])):
        with pytest.raises(ValueError, match=r"numpy\.\w+: .*write into a tensor"):
            call()
        assert np.array_equal(t.data, [1.0, 2.0, 3.0])
    v = np.ravel(t)  # (a view of the tensor's values: read-only as well)
    with pytest.raises(ValueError):
        v[0] = 5.0
    assert np.array_equal(t.data, [1.0, 2.0, 3.0])


# -- np.diff's prepend= and append= ---------------------------------------------------------

def test_diff_prepend_append_match_numpy_and_gradcheck():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4))
    for kw in [dict(prepend=0.0), dict(append=0), dict(prepend=0, append=0), dict(prepend=1.5, axis=0),
               dict(prepend=rng.standard_normal((3, 2)), axis=1), dict(append=rng.standard_normal((1, 4)), axis=0),
               dict(prepend=0.0, append=2.0, n=2), dict(prepend=[[1.0], [2.0], [3.0]])]:
        np.testing.assert_allclose(am.diff(x, **kw).data, np.diff(x, **kw), rtol=0, atol=1e-15)
    assert np.array_equal(am.tensor(x).diff(axis=0, append=1.0).data, np.diff(x, axis=0, append=1.0))
    assert np.array_equal(am.diff(x, n=0, prepend=5.0).data, x)  # (numpy: n=0 returns x as it is)
    # a spring chain's forces f_i = t_i - t_{i-1}, the tensions with zeros at both ends
    t = rng.standard_normal(5)
    assert am.gradcheck(lambda t: (am.diff(t, prepend=0.0, append=0.0) ** 3).sum(), (t,))
    p = rng.standard_normal((3, 1))
    assert am.gradcheck(lambda x, p: am.diff(x, prepend=p, append=p, axis=1) ** 2, (x, p))
    assert am.gradgradcheck(lambda x, p: am.diff(x, prepend=p, axis=1) ** 3, (x, p))


def test_diff_prepend_keeps_float32_and_refuses_bad_shapes():
    x = np.ones((2, 3), np.float32)
    assert am.diff(x, prepend=0).dtype == np.float32  # (a Python number is weak; numpy gives float64)
    with pytest.raises(ValueError, match=r"diff.*\(2,\).*\(2, 3\)"):
        am.diff(x, prepend=np.zeros(2), axis=1)
    with pytest.raises(ValueError, match=r"diff.*\(3, 1\).*\(2, 3\)"):
        am.diff(x, append=np.zeros((3, 1)), axis=1)


def test_diff_prepend_replay_bit_for_bit():
    rng = np.random.default_rng(1)
    f = lambda t: (am.diff(t, prepend=0.0, append=0.0) ** 2).sum()
    fc = am.compile(f)
    for s in range(3):
        a = rng.standard_normal(6)
        te, tc = am.tensor(a, requires_grad=True), am.tensor(a, requires_grad=True)
        le, lc = f(te), fc(tc)
        le.backward(); lc.backward()
        assert np.array_equal(le.data, lc.data) and np.array_equal(te.grad.data, tc.grad.data)


# -- np.clip's keywords a_min= and a_max= ---------------------------------------------------

def test_clip_takes_numpys_a_min_a_max_keywords():
    x = np.array([-2.0, -0.5, 0.3, 4.0])
    np.testing.assert_array_equal(am.clip(x, a_min=-1, a_max=1).data, np.clip(x, a_min=-1, a_max=1))
    np.testing.assert_array_equal(am.clip(x, a_min=0, a_max=None).data, np.clip(x, a_min=0, a_max=None))
    np.testing.assert_array_equal(am.clip(x, None, a_max=0.0).data, np.clip(x, None, a_max=0.0))
    assert am.gradcheck(lambda t: am.clip(t, a_min=-1.0, a_max=1.0) ** 2, (x,))
    with pytest.raises(TypeError, match=r"clip.*min.*a_min"):
        am.clip(x, 0, a_min=0)
    with pytest.raises(TypeError, match=r"clip.*max.*a_max"):
        am.clip(x, max=0, a_max=0)


# -- np.einsum's optimize= -------------------------------------------------------------------

def test_einsum_takes_numpys_optimize_keyword():
    rng = np.random.default_rng(2)
    a, b, c = rng.standard_normal((3, 4)), rng.standard_normal((4, 5)), rng.standard_normal((5, 2))
    expected = np.einsum('ij,jk,kl->il', a, b, c)
    path = np.einsum_path('ij,jk,kl->il', a, b, c, optimize='optimal')[0]
    for opt in (False, True, 'greedy', 'optimal', path):
        np.testing.assert_allclose(am.einsum('ij,jk,kl->il', a, b, c, optimize=opt).data, expected,
                                   rtol=1e-13, atol=1e-14)
    assert am.gradcheck(lambda a, b: am.einsum('ij,jk->ik', a, b, optimize=True), (a, b))
    with pytest.raises(ValueError, match=r"einsum.*optimize.*'fast'"):
        am.einsum('ij,jk->ik', a, b, optimize='fast')
    with pytest.raises(TypeError, match=r"einsum.*unexpected keyword.*out"):
        am.einsum('ij,jk->ik', a, b, out=np.empty((3, 5)))


# -- np.pad's constant_values= ---------------------------------------------------------------

def test_pad_takes_numpys_constant_values():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3))
    for cv in (2.5, 0, (1.0, -1.0), ((1.0, 2.0), (3.0, 4.0)), [[7], [8]]):
        for width in (1, ((1, 2), (0, 1)), (2, 1)):
            np.testing.assert_array_equal(am.pad(x, width, constant_values=cv).data,
                                          np.pad(x, width, constant_values=cv))
            np.testing.assert_array_equal(am.pad(x, width, mode="constant", constant_values=cv).data,
                                          np.pad(x, width, "constant", constant_values=cv))
    x32 = x.astype(np.float32)
    np.testing.assert_array_equal(am.pad(x32, 1, constant_values=((1.1, 2.2), (3.3, 4.4))).data,
                                  np.pad(x32, 1, constant_values=((1.1, 2.2), (3.3, 4.4))))
    assert am.gradcheck(lambda t: am.pad(t, ((1, 2), (0, 1)), constant_values=((1.0, 2.0), (3.0, 4.0))) ** 2, (x,))
    assert am.gradgradcheck(lambda t: am.pad(t, 1, constant_values=(1.0, -1.0)) ** 3, (x,))
    with pytest.raises(ValueError, match=r"pad.*constant_values.*'edge'"):
        am.pad(x, 1, mode="edge", constant_values=1.0)
    with pytest.raises(TypeError, match=r"pad.*value.*constant_values"):
        am.pad(x, 1, 2.0, constant_values=1.0)
    with pytest.raises(ValueError, match=r"pad.*constant_values.*\(2, 3\)"):
        am.pad(x, 1, constant_values=[1.0, 2.0, 3.0])


def test_pad_constant_values_replay_bit_for_bit():
    rng = np.random.default_rng(4)
    f = lambda t: (am.pad(t, 1, constant_values=((1.0, 2.0), (3.0, 4.0))) ** 2).sum()
    fc = am.compile(f)
    for s in range(3):
        a = rng.standard_normal((2, 3))
        te, tc = am.tensor(a, requires_grad=True), am.tensor(a, requires_grad=True)
        le, lc = f(te), fc(tc)
        le.backward(); lc.backward()
        assert np.array_equal(le.data, lc.data) and np.array_equal(te.grad.data, tc.grad.data)


# -- np.where(condition) with one argument ---------------------------------------------------

def test_where_with_the_condition_alone_is_nonzero():
    a = np.array([[0.5, -1.0, 2.0], [-3.0, 0.0, 4.0]])
    got = am.where(am.tensor(a) > 0)
    expected = np.where(a > 0)
    assert isinstance(got, tuple) and len(got) == 2
    for g, e in zip(got, expected):
        assert isinstance(g, am.Tensor) and np.array_equal(g.data, e)
    t = am.tensor(a, requires_grad=True)
    assert np.array_equal(t[am.where(t > 0)].data, a[a > 0])  # (numpy's idiom: x[np.where(mask)])
    with pytest.raises(TypeError, match=r"where.*both x and y, or neither"):
        am.where(a > 0, a)


# -- ndarray habits on tensors ----------------------------------------------------------------

def test_tensor_ravel_method_as_ndarray_and_torch():
    a = np.arange(6.0).reshape(2, 3)
    t = am.tensor(a, requires_grad=True)
    assert np.array_equal(t.ravel().data, a.ravel())
    (t.ravel() * np.arange(6.0)).sum().backward()
    assert np.array_equal(t.grad.data, np.arange(6.0).reshape(2, 3))


def test_numpy_views_of_a_tensor_cannot_be_made_writeable_again():
    # numpy lets a read-only view be made writeable when the array owning the memory is
    # writeable: np.ravel(h) under no_grad, flags.writeable = True, a write, and h's
    # recorded graph gave a silently wrong gradient (200 for 2)
    w = am.tensor([1.0, 2.0], requires_grad=True)
    h = w * 1.0
    y = (h * h).sum()
    with am.no_grad():
        views = [np.ravel(h), np.reshape(h, (2, 1)), np.atleast_1d(h), np.squeeze(h)]
    for v in views:
        assert np.shares_memory(v, h.data)  # (views still: no copy is made)
        with pytest.raises(ValueError):
            v.flags.writeable = True
    y.backward()
    np.testing.assert_array_equal(w.grad.data, [2.0, 4.0])
    for x in (am.tensor(np.arange(12.0).reshape(3, 4)[:, ::2]), am.tensor([True, False]),
              am.tensor([1 + 2j]), am.zeros(0, 3), am.tensor(1.5, dtype=am.float16)):
        v = np.reshape(x, x.shape)
        assert v.dtype == x.dtype and np.array_equal(v, x.data) and not v.flags.writeable


def test_a_read_only_ndarray_destination_is_not_blamed_on_a_tensor():
    # np.copyto(frozen, t) fails because the caller's ndarray is read-only; the error said
    # "numpy functions cannot write into a tensor", pointing at the wrong argument
    frozen = np.zeros(3)
    frozen.flags.writeable = False
    t = am.tensor([1.0, 2.0, 3.0])
    for call in (lambda: np.copyto(frozen, t), lambda: np.cumsum(t, out=frozen)):
        with pytest.raises(ValueError, match="read-only") as e:
            call()
        assert "tensor" not in str(e.value)
