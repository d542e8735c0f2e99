"""PyTorch's habits that ported scripts meet: device= on the creation functions, am.cuda
and am.backends questions, Tensor.type, am.numel, am.finfo/iinfo, am.set_printoptions,
and per-call random generators (am.Generator, generator=)."""

from __future__ import annotations

import inspect
import json
import re

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import creation
from autograd_mini.data import DataLoader, TensorDataset, random_split

# -- device= on every creation function ---------------------------------------------------

_CALLS = {  # one call per creation function, device= added by the tests
    "tensor": lambda **kw: am.tensor([1.0, 2.0], **kw),
    "zeros": lambda **kw: am.zeros(2, 3, **kw),
    "ones": lambda **kw: am.ones(2, **kw),
    "full": lambda **kw: am.full((2,), 3.0, **kw),
    "empty": lambda **kw: am.empty(2, **kw),
    "arange": lambda **kw: am.arange(4, **kw),
    "linspace": lambda **kw: am.linspace(0, 1, 5, **kw),
    "eye": lambda **kw: am.eye(3, **kw),
    "rand": lambda **kw: am.rand(2, **kw),
    "randn": lambda **kw: am.randn(2, **kw),
    "randint": lambda **kw: am.randint(0, 5, (3,), **kw),
    "randperm": lambda **kw: am.randperm(4, **kw),
    "zeros_like": lambda **kw: am.zeros_like(am.ones(2), **kw),
    "ones_like": lambda **kw: am.ones_like(am.ones(2), **kw),
    "full_like": lambda **kw: am.full_like(am.ones(2), 7.0, **kw),
    "empty_like": lambda **kw: am.empty_like(am.ones(2), **kw),
    "rand_like": lambda **kw: am.rand_like(am.ones(2), **kw),
    "randn_like": lambda **kw: am.randn_like(am.ones(2), **kw),
    "as_tensor": lambda **kw: am.as_tensor([1, 2], **kw),
    "asarray": lambda **kw: am.asarray([1, 2], **kw),
    "array": lambda **kw: am.array([1, 2], **kw),
    "tri": lambda **kw: am.tri(3, **kw),
    "tril_indices": lambda **kw: am.tril_indices(3, **kw),
    "triu_indices": lambda **kw: am.triu_indices(3, **kw),
    "identity": lambda **kw: am.identity(2, **kw),
    "logspace": lambda **kw: am.logspace(0, 2, 3, **kw),
    "geomspace": lambda **kw: am.geomspace(1, 100, 3, **kw),
}


def test_every_creation_function_is_covered_by_the_device_tests():
    public = {n for n, f in vars(creation).items()
              if inspect.isfunction(f) and f.__module__ == creation.__name__ and not n.startswith("_")}
    no_device = {"manual_seed", "generator", "get_rng_state", "set_rng_state", "from_numpy",
                 "multinomial", "bernoulli",  # (torch.multinomial, torch.bernoulli have no device=: their input's)
                 "copy"}  # (np.copy: its input's)
    assert public - no_device == set(_CALLS)
    for name in _CALLS:
        assert "device" in inspect.signature(getattr(creation, name)).parameters, name


@pytest.mark.parametrize("name", sorted(_CALLS))
def test_creation_takes_the_cpu_device_and_refuses_others(name):
    call = _CALLS[name]
    x = am.ones(1)
    for device in (None, "cpu", "cpu:0", x.device, am.device("cpu", 0)):
        am.manual_seed(0)
        got = call(device=device)
        am.manual_seed(0)
        want = call()
        for g, w in zip(got if isinstance(got, tuple) else (got,), want if isinstance(want, tuple) else (want,)):
            assert g.dtype == w.dtype and np.array_equal(g.numpy(), w.numpy())
    for device in ("cuda", "cuda:0", "mps", 0, "gpu", am.device("cuda"), am.device("cpu", 1)):
        state = am.get_rng_state()
        with pytest.raises(ValueError, match=rf"^{name}: device {re.escape(repr(device))} is not available: "
                                             r".*only device is 'cpu'"):
            call(device=device)
        assert am.get_rng_state() == state  # (refused before drawing)


def test_one_device_check_words_every_refusal_alike():
    messages = []
    for call in (lambda: am.zeros(2, device="cuda"), lambda: am.ones(2).to("cuda"),
                 lambda: am.nn.Linear(2, 2).to("cuda"), lambda: am.ones(2).new_zeros(2, device="cuda"),
                 lambda: am.Generator(device="cuda")):
        with pytest.raises(ValueError) as e:
            call()
        messages.append(str(e.value).split(": ", 1)[1])
    assert len(set(messages)) == 1


def test_new_methods_take_device():
    x = am.ones(2, dtype=np.float32)
    for t in (x.new_zeros(2, device="cpu"), x.new_ones(2, device=x.device), x.new_empty(2, device=None),
              x.new_full((2,), 1.0, device="cpu"), x.new_tensor([1, 2], device="cpu")):
        assert t.dtype == np.float32


def test_the_device_idiom_ports():
    device = "cuda" if am.cuda.is_available() else "cpu"
    model = am.nn.Linear(3, 2).to(device)
    x = am.randn(4, 3, device=device)
    assert model(x).shape == (4, 2) and am.zeros(2, device=x.device).device == am.device("cpu")


# -- am.cuda, am.backends, Tensor.is_cuda -----------------------------------------------------


def test_cuda_and_mps_are_not_available():
    assert am.cuda.is_available() is False and am.cuda.device_count() == 0
    assert am.backends.mps.is_available() is False and am.backends.mps.is_built() is False
    assert am.backends.cudnn.is_available() is False
    assert am.ones(2).is_cuda is False and am.ones(2).requires_grad_().sin().is_cuda is False


def test_a_seeding_helper_ports():
    def seed_everything(seed):
        am.manual_seed(seed)
        am.cuda.manual_seed(seed)
        am.cuda.manual_seed_all(seed)
        am.backends.cudnn.deterministic = True
        am.backends.cudnn.benchmark = False

    seed_everything(3)
    a = am.randn(3)
    seed_everything(3)
    assert np.array_equal(a.numpy(), am.randn(3).numpy())
    with pytest.raises(ValueError, match="cuda.manual_seed_all: the seed"):
        am.cuda.manual_seed_all(-1)


# -- Tensor.type, am.numel, am.finfo / am.iinfo, am.set_printoptions ---------------------------


def test_type_without_a_dtype_names_the_dtype():
    assert am.ones(2).type() == "float64"
    assert am.ones(2, dtype=am.float32).type() == "float32"
    assert am.arange(3).type() == "int64" and am.ones(1).bool().type() == "bool"


def test_type_with_a_dtype_converts_as_astype_and_records():
    x = am.tensor([1.5, -2.0], requires_grad=True)
    assert x.type(am.float64) is x and x.type("float64") is x and x.type(x.type()) is x
    y = x.type(am.float32)
    assert y.dtype == np.float32 and y.grad_fn is not None
    (y * y).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, -4.0])
    assert x.type(am.long).dtype == np.int64 and x.type(am.long).tolist() == [1, -2]
    # torch's tensor type names
    assert x.type("torch.FloatTensor").dtype == np.float32
    assert x.type("torch.LongTensor").dtype == np.int64 and x.type("torch.BoolTensor").dtype == np.bool_
    z = am.ones(2, dtype=am.float32)
    assert x.type(z.type()).dtype == np.float32  # x.type(y.type()), as in torch


def test_type_gradients_first_and_second_order():
    x = am.tensor(np.random.default_rng(0).standard_normal((2, 3)), requires_grad=True)
    f = lambda t: (t.type(am.float64) * t.type(t.type())).sin()  # noqa: E731
    assert am.gradcheck(f, (x,)) and am.gradgradcheck(f, (x,))


def test_type_refuses_clearly():
    x = am.ones(2)
    with pytest.raises(ValueError, match=r"^type: device 'cuda' is not available"):
        x.type("torch.cuda.FloatTensor")
    with pytest.raises(TypeError, match=r"^type: unknown tensor type 'torch.Spam'"):
        x.type("torch.Spam")
    with pytest.raises(TypeError, match=r"^type: expected a dtype .* got 'spam'"):
        x.type("spam")
    with pytest.raises(TypeError, match=r"^type: a tensor holds numbers"):
        x.type("U3")


def test_numel():
    assert am.numel(am.ones(2, 3)) == 6 and am.numel(am.tensor(1.0)) == 1 and am.numel(am.zeros(0, 4)) == 0
    assert am.numel(np.ones((2, 5))) == 10 and type(am.numel(am.ones(2))) is int
    with pytest.raises(TypeError, match="numel: expected a Tensor, got list"):
        am.numel([1, 2])


def test_finfo_and_iinfo_are_numpys_and_take_am_dtypes():
    assert am.finfo(am.float32).eps == np.finfo(np.float32).eps
    assert am.finfo(am.half).max == np.finfo(np.float16).max
    assert am.finfo("float64").tiny == np.finfo(np.float64).tiny
    assert am.finfo().bits == 64  # (the default dtype's, as torch.finfo())
    am.set_default_dtype(am.float32)
    try:
        assert am.finfo().bits == 32
    finally:
        am.set_default_dtype(am.float64)
    assert am.iinfo(am.long).max == 2**63 - 1 and am.iinfo(am.uint8).min == 0 and am.iinfo(am.int8).bits == 8
    assert am.iinfo(am.ones(2).long().dtype).max == 2**63 - 1
    with pytest.raises(TypeError, match=r"^finfo: expected a floating dtype, got int64"):
        am.finfo(am.int64)
    with pytest.raises(TypeError, match=r"^iinfo: expected an integer dtype, got float32"):
        am.iinfo(am.float32)
    with pytest.raises(TypeError, match=r"^iinfo: expected a dtype"):
        am.iinfo("spam")


def test_get_default_dtype_exists():
    assert am.get_default_dtype() == np.float64


@pytest.fixture
def restore_printoptions():
    before = np.get_printoptions()
    yield
    np.set_printoptions(**before)


def test_set_printoptions_sets_how_tensors_print(restore_printoptions):
    x = am.tensor([1.23456789, 2.0])
    am.set_printoptions(precision=2)
    assert repr(x) == "tensor([1.23, 2.  ], dtype=float64)"
    am.set_printoptions(threshold=5, edgeitems=1)
    assert "..." in repr(am.arange(10))
    am.set_printoptions(profile="full")
    assert "..." not in repr(am.arange(5000))
    am.set_printoptions(profile="default")
    assert repr(x) == "tensor([1.23456789, 2.        ], dtype=float64)"
    small = am.tensor([1.5, 1e-9])
    assert "e-" in repr(small)
    am.set_printoptions(sci_mode=False)
    assert "e-" not in repr(small)
    am.set_printoptions()  # (sci_mode=None again: numpy chooses, as torch sets sci_mode on each call)
    assert "e-" in repr(small)


def test_set_printoptions_refuses_clearly(restore_printoptions):
    before = np.get_printoptions()
    with pytest.raises(ValueError, match="set_printoptions: profile"):
        am.set_printoptions(profile="long")
    with pytest.raises(ValueError, match="set_printoptions: sci_mode"):
        am.set_printoptions(sci_mode=True)
    with pytest.raises(TypeError, match="^set_printoptions: "):
        am.set_printoptions(precision=3, spam=1)
    with pytest.raises(ValueError, match="^set_printoptions: "):
        am.set_printoptions(floatmode="spam")
    assert np.get_printoptions() == before


# -- am.Generator and generator= --------------------------------------------------------------


def test_generator_follows_torch_seeds_and_state():
    g = am.Generator()
    assert g.initial_seed() == 67280421310721 and g.device == am.device("cpu")  # (torch's default seed)
    assert g.manual_seed(5) is g and g.initial_seed() == 5
    state = g.get_state()
    a = am.randn(3, generator=g)
    assert g.set_state(state) is g
    assert np.array_equal(a.numpy(), am.randn(3, generator=g).numpy())
    assert g.set_state(json.loads(json.dumps(state))) is g  # (a plain dict)
    assert np.array_equal(a.numpy(), am.randn(3, generator=g).numpy())
    s = g.seed()
    assert g.initial_seed() == s and 0 <= s < 2**63
    # the same as a fresh np.random.default_rng(seed)
    assert np.array_equal(am.rand(4, generator=am.Generator().manual_seed(9)).numpy(),
                          np.random.default_rng(9).random(4))


def test_generator_refuses_clearly():
    g = am.Generator().manual_seed(1)
    with pytest.raises(ValueError, match="Generator.manual_seed: the seed must be an int >= 0"):
        g.manual_seed(-1)
    with pytest.raises(TypeError, match="Generator.set_state: expected the dict Generator.get_state returns"):
        g.set_state([1])
    with pytest.raises(ValueError, match="Generator.set_state: expected a state of the PCG64"):
        g.set_state({"bit_generator": "MT19937"})
    assert g.initial_seed() == 1


_RANDOM = {  # the random functions with generator=, each drawn the same way twice
    "rand": lambda g: am.rand(2, 3, generator=g),
    "randn": lambda g: am.randn(2, 3, generator=g),
    "randint": lambda g: am.randint(0, 100, (5,), generator=g),
    "randperm": lambda g: am.randperm(6, generator=g),
    "rand_like": lambda g: am.rand_like(am.ones(2, 3), generator=g),
    "randn_like": lambda g: am.randn_like(am.ones(2, 3), generator=g),
    "Tensor.uniform_": lambda g: am.zeros(2, 3).uniform_(-1, 1, generator=g),
    "Tensor.normal_": lambda g: am.zeros(2, 3).normal_(0, 2, generator=g),
    "nn.init.uniform_": lambda g: am.nn.init.uniform_(am.zeros(4), generator=g),
    "nn.init.normal_": lambda g: am.nn.init.normal_(am.zeros(4), generator=g),
}


@pytest.mark.parametrize("name", sorted(_RANDOM))
def test_generator_draws_are_its_own(name):
    draw = _RANDOM[name]
    am.manual_seed(0)
    library = am.get_rng_state()
    a = draw(am.Generator().manual_seed(7))
    b = draw(am.Generator().manual_seed(7))
    c = draw(am.Generator().manual_seed(8))
    assert np.array_equal(a.numpy(), b.numpy()) and not np.array_equal(a.numpy(), c.numpy())
    assert am.get_rng_state() == library  # (the library generator did not move)
    g = am.Generator().manual_seed(7)
    assert not np.array_equal(draw(g).numpy(), draw(g).numpy())  # (g moves on)
    np_gen = np.random.default_rng(7)  # (numpy's generator is taken as it is)
    assert np.array_equal(draw(np_gen).numpy(), a.numpy())


@pytest.mark.parametrize("name", sorted(_RANDOM))
def test_generator_of_the_wrong_type_is_refused_before_drawing(name):
    am.manual_seed(0)
    library = am.get_rng_state()
    op = name.split(".")[-1]
    with pytest.raises(TypeError, match=rf"{op}: generator must be an am.Generator .*got int"):
        _RANDOM[name](3)
    assert am.get_rng_state() == library


def test_uniform_with_generator_on_a_tensor_with_a_graph_is_recorded():
    x = am.ones(3, requires_grad=True)
    y = x * 2
    y.uniform_(0, 1, generator=am.Generator().manual_seed(4))
    np.testing.assert_array_equal(y.numpy(), np.random.default_rng(4).uniform(0, 1, 3))
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.0])


def test_random_draws_with_a_generator_are_still_refused_while_compiling():
    g = am.Generator().manual_seed(0)
    f = am.compile(lambda x: x + am.randn(2, generator=g))
    with pytest.raises(RuntimeError, match="randn: random numbers cannot be compiled"):
        f(am.ones(2))
    h = am.compile(lambda x: x + am.zeros(2).normal_(generator=g))
    with pytest.raises(RuntimeError, match="normal_: cannot .* in place inside a function being compiled"):
        h(am.ones(2))
    assert g.get_state() == am.Generator().manual_seed(0).get_state()


def test_dataloader_and_random_split_take_a_generator():
    ds = TensorDataset(np.arange(10.0), np.arange(10))

    def order(**kw):
        return [int(v) for _, yb in DataLoader(ds, batch_size=3, shuffle=True, **kw) for v in yb.numpy()]

    am.manual_seed(0)
    library = am.get_rng_state()
    a = order(generator=am.Generator().manual_seed(1))
    assert a == order(generator=am.Generator().manual_seed(1)) and sorted(a) == list(range(10))
    assert a != order(generator=am.Generator().manual_seed(2))
    parts = random_split(ds, [7, 3], generator=am.Generator().manual_seed(1))
    again = random_split(ds, [7, 3], generator=am.Generator().manual_seed(1))
    assert [p.indices for p in parts] == [p.indices for p in again]
    assert am.get_rng_state() == library
    with pytest.raises(TypeError, match="DataLoader: give seed= or generator=, not both"):
        DataLoader(ds, batch_size=2, seed=1, generator=am.Generator())
    with pytest.raises(TypeError, match="random_split: give seed= or generator=, not both"):
        random_split(ds, [5, 5], seed=1, generator=am.Generator())
    with pytest.raises(TypeError, match="random_split: generator must be an am.Generator"):
        random_split(ds, [5, 5], generator=1)


def test_the_class_constructor_refuses_pytorchs_sizes_form():
    # torch.Tensor(5) and torch.Tensor(16, 4) are uninitialised tensors of those sizes; here a
    # bare int would be the number 5, so legacy `nn.Parameter(torch.Tensor(out_features))`
    # would silently make one shared bias. am.tensor(5) is the number, as torch.tensor(5).
    with pytest.raises(TypeError, match=r"Tensor\(5\): am.Tensor takes data, not PyTorch's sizes.*am.empty\(5\)"):
        am.Tensor(5)
    with pytest.raises(TypeError, match=r"Tensor\(16, 4\):.*shape \(16, 4\).*am.zeros\(16, 4\)"):
        am.Tensor(16, 4)
    with pytest.raises(TypeError, match=r"Tensor\(16, 4, 3\):.*shape \(16, 4, 3\)"):
        am.Tensor(16, 4, 3)
    assert am.tensor(5).shape == () and am.Tensor(5.0).shape == () and am.Tensor([5]).shape == (1,)
    assert am.as_tensor(5).shape == () and am.ones(2).new_tensor(3).shape == ()
