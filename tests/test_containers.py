"""nn.ModuleList and nn.ModuleDict: PyTorch's list and dict of registered submodules.

The list and dict protocols, the names their parameters get (renumbered after a
deletion or an insertion), state dicts, training through them against an
equivalent Sequential bit for bit, the rest of the library on models that hold
them (summary, draw_network, to, train/eval, requires_grad_, zero_grad, deepcopy,
pickle, compile retracing after a change), and their errors.
"""

import copy
import pickle
import warnings

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn import functional as F


def lin(i, o, seed):
    m = nn.Linear(i, o)
    r = np.random.default_rng(seed)
    m.weight.data[...] = r.standard_normal(m.weight.shape)
    m.bias.data[...] = r.standard_normal(m.bias.shape)
    return m


class MLP(nn.Module):
    """An MLP built programmatically: Linear layers in a ModuleList, activations in a ModuleDict."""

    def __init__(self, sizes, seed=0):
        super().__init__()
        self.layers = nn.ModuleList([lin(a, b, seed + i) for i, (a, b) in enumerate(zip(sizes, sizes[1:]))])
        self.acts = nn.ModuleDict({"hidden": nn.Tanh(), "out": nn.Sigmoid()})

    def forward(self, x):
        for i, layer in enumerate(self.layers):
            x = layer(x)
            x = self.acts["hidden" if i < len(self.layers) - 1 else "out"](x)
        return x


def names(m):
    return [n for n, _ in m.named_parameters()]


# -- ModuleList -------------------------------------------------------------------------------


def test_modulelist_registers_its_items_under_their_positions():
    m = MLP([2, 3, 4, 1])
    assert names(m) == ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias",
                        "layers.2.weight", "layers.2.bias"]
    assert list(m.state_dict()) == names(m)
    assert [n for n, _ in m.named_modules()] == ["", "layers", "layers.0", "layers.1", "layers.2",
                                                 "acts", "acts.hidden", "acts.out"]
    assert len(list(m.parameters())) == 6


def test_modulelist_indexing_and_slicing():
    a, b, c = nn.Linear(1, 2), nn.ReLU(), nn.Linear(2, 3)
    ml = nn.ModuleList([a, b, c])
    assert len(ml) == 3 and list(ml) == [a, b, c]
    assert ml[0] is a and ml[-1] is c and ml[-3] is a and ml[np.int64(1)] is b
    s = ml[1:]
    assert isinstance(s, nn.ModuleList) and list(s) == [b, c] and s[0] is b
    assert names(s) == ["1.weight", "1.bias"]  # (renumbered from 0, as in PyTorch)
    assert list(ml[::-1]) == [c, b, a] and len(ml[5:]) == 0
    assert b in ml and nn.ReLU() not in ml
    assert len(nn.ModuleList()) == 0 and list(nn.ModuleList(iter([a]))) == [a]
    with pytest.raises(IndexError, match="index 3 is out of range for 3 modules"):
        ml[3]
    with pytest.raises(IndexError, match="index -4 is out of range"):
        ml[-4]
    with pytest.raises(TypeError, match="indices must be integers or slices, got str"):
        ml["0"]
    with pytest.raises(TypeError, match="got bool"):
        ml[True]


def test_modulelist_setitem_replaces_in_place():
    ml = nn.ModuleList([nn.Linear(1, 2), nn.Linear(2, 3)])
    new = nn.Linear(2, 4)
    ml[-1] = new
    assert ml[1] is new and names(ml) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    assert ml.state_dict()["1.weight"].shape == (4, 2)
    with pytest.raises(TypeError, match=r"ModuleList.__setitem__: item 0 is a int, not a Module"):
        ml[0] = 3
    with pytest.raises(TypeError, match="item 1 is a NoneType"):
        ml[1] = None
    with pytest.raises(IndexError):
        ml[2] = nn.ReLU()
    with pytest.raises(TypeError, match="slice"):
        ml[0:1] = [nn.ReLU()]


def test_modulelist_renumbers_after_deletion_and_insertion():
    mods = [nn.Linear(1, i + 1) for i in range(5)]
    ml = nn.ModuleList(mods)
    del ml[1]
    assert list(ml) == [mods[0], mods[2], mods[3], mods[4]]
    assert list(ml._modules) == ["0", "1", "2", "3"] and ml[1] is mods[2]
    assert ml.state_dict()["1.weight"].shape == (3, 1)
    assert "4" not in ml.__dict__ and getattr(ml, "1") is mods[2]
    del ml[::2]
    assert list(ml) == [mods[2], mods[4]] and names(ml) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    ml.insert(0, mods[0])
    ml.insert(-1, mods[3])  # (before the last, as list.insert)
    ml.insert(99, mods[1])  # (past the end: appended)
    assert list(ml) == [mods[0], mods[2], mods[3], mods[4], mods[1]]
    assert list(ml._modules) == ["0", "1", "2", "3", "4"] and ml[4] is mods[1]
    assert ml.pop() is mods[1] and ml.pop(0) is mods[0] and list(ml) == [mods[2], mods[3], mods[4]]
    assert ml[0] is mods[2] and list(ml._modules) == ["0", "1", "2"]
    with pytest.raises(IndexError):
        del ml[3]
    with pytest.raises(TypeError, match="ModuleList.insert: item 1 is a str"):
        ml.insert(1, "relu")
    assert len(ml) == 3


def test_modulelist_append_extend_add():
    a, b, c = nn.Linear(1, 1), nn.ReLU(), nn.Tanh()
    ml = nn.ModuleList([a])
    assert ml.append(b) is ml and ml.extend([c]) is ml and list(ml) == [a, b, c]
    other = ml + [a]
    assert isinstance(other, nn.ModuleList) and list(other) == [a, b, c, a] and list(ml) == [a, b, c]
    assert list(ml + nn.ModuleList([c])) == [a, b, c, c]
    before = ml
    ml += (b,)
    assert ml is before and list(ml) == [a, b, c, b]
    ml.extend(ml)  # (its own items, taken before any is added)
    assert len(ml) == 8 and list(ml._modules) == [str(i) for i in range(8)]
    # a module used twice is one set of parameters, listed once (as in PyTorch)
    assert names(nn.ModuleList([a, a])) == ["0.weight", "0.bias"]
    with pytest.raises(TypeError, match="ModuleList.extend: item 9 is a int, not a Module"):
        ml.extend([nn.ReLU(), 5])
    assert len(ml) == 8  # (nothing added)
    with pytest.raises(TypeError, match="expected an iterable of Modules, got Linear; use append"):
        ml.extend(a)
    with pytest.raises(TypeError, match=r"ModuleList.extend: item 1 is a list, not a Module"):
        nn.ModuleList([a, [b]])
    with pytest.raises(TypeError):
        ml + 3


def test_modulelist_has_no_forward():
    ml = nn.ModuleList([nn.Linear(2, 2)])
    with pytest.raises(NotImplementedError, match="ModuleList has no forward.*nn.Sequential"):
        ml(am.ones(2))


def test_modulelist_repr_is_the_tree_like_sequential():
    layers = [nn.Linear(2, 2), nn.Linear(2, 2), nn.ReLU()]
    text = repr(nn.ModuleList(layers))
    assert text.splitlines()[1:] == repr(nn.Sequential(*layers)).splitlines()[1:]
    assert text.splitlines()[0] == "ModuleList("
    assert repr(nn.ModuleList()) == "ModuleList()"
    assert "(layers): ModuleList(\n    (0): Linear(" in repr(MLP([2, 3, 1]))


# -- ModuleDict -------------------------------------------------------------------------------


def test_moduledict_is_an_ordered_dict_of_registered_modules():
    a, b, c = nn.Linear(1, 2), nn.ReLU(), nn.Linear(2, 1)
    md = nn.ModuleDict({"z": a, "a": b})
    assert list(md) == ["z", "a"] and md.keys() == ["z", "a"]  # (insertion order, not sorted)
    assert md.values() == [a, b] and md.items() == [("z", a), ("a", b)]
    assert md["z"] is a and "a" in md and "c" not in md and 3 not in md and len(md) == 2
    md["c"] = c
    md.update([("b", nn.Tanh())])
    md.update(nn.ModuleDict({"z": c}))  # (a replaced key keeps its place)
    assert md.keys() == ["z", "a", "c", "b"] and md["z"] is c
    assert names(md) == ["z.weight", "z.bias"]  # (c under z and c: once)
    assert list(md.state_dict()) == ["z.weight", "z.bias", "c.weight", "c.bias"]
    assert md.pop("z") is c and md.keys() == ["a", "c", "b"] and "z" not in md.__dict__
    del md["a"]
    assert md.keys() == ["c", "b"] and names(md) == ["c.weight", "c.bias"]
    md.clear()
    assert len(md) == 0 and list(md.parameters()) == [] and "c" not in md.__dict__
    with pytest.raises(KeyError):
        md["nope"]
    with pytest.raises(KeyError):
        del md["nope"]
    with pytest.raises(KeyError):
        md.pop("nope")
    with pytest.raises(NotImplementedError, match="ModuleDict has no forward"):
        md(am.ones(1))
    assert repr(nn.ModuleDict({"act": nn.ReLU()})) == "ModuleDict(\n  (act): ReLU()\n)"


def test_moduledict_refuses_bad_keys_and_values():
    md = nn.ModuleDict()
    with pytest.raises(TypeError, match="ModuleDict.__setitem__: keys must be str, got int 1"):
        md[1] = nn.ReLU()
    for key in ("", "a.b"):
        with pytest.raises(ValueError, match="non-empty string without '.'"):
            md[key] = nn.ReLU()
    for key in ("keys", "forward", "update", "training", "_modules", "__class__"):
        with pytest.raises(ValueError, match=f"already has an attribute '{key}'"):
            md[key] = nn.ReLU()
    with pytest.raises(TypeError, match="the value for 'a' is a int, not a Module"):
        md["a"] = 3
    with pytest.raises(TypeError, match="the value for 'a' is a NoneType"):
        nn.ModuleDict({"a": None})
    with pytest.raises(ValueError, match="element 0 of the sequence has length 3"):
        md.update([("a", nn.ReLU(), 1)])
    with pytest.raises(TypeError, match="element 0 of the sequence is a str"):
        md.update(["ab"])
    with pytest.raises(TypeError, match="expected a mapping or an iterable of"):
        md.update(nn.ReLU())
    with pytest.raises(ValueError, match="'keys'"):  # (checked before anything is added)
        md.update({"ok": nn.ReLU(), "keys": nn.ReLU()})
    assert len(md) == 0

    class Sub(nn.ModuleDict):
        def __init__(self):
            super().__init__()
            object.__setattr__(self, "scale", 2.0)

    with pytest.raises(ValueError, match="already has an attribute 'scale'"):
        Sub()["scale"] = nn.ReLU()


def test_a_plain_list_of_modules_warns_pointing_to_the_containers():
    class Loose(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = [nn.Linear(2, 3)]
            self.heads = {"a": nn.Linear(2, 3)}

    with pytest.warns(UserWarning) as record:
        Loose()
    assert "hold them in an nn.ModuleList" in str(record[0].message)
    assert "hold them in an nn.ModuleDict" in str(record[1].message)

    class Held(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(2, 3)])

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert names(Held()) == ["layers.0.weight", "layers.0.bias"]


# -- state dicts and training -----------------------------------------------------------------


def test_state_dict_round_trip():
    src, dst = MLP([2, 3, 1], seed=0), MLP([2, 3, 1], seed=7)
    sd = src.state_dict()
    assert list(sd) == ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]
    w = dst.layers[0].weight
    dst.load_state_dict(sd)
    assert dst.layers[0].weight is w  # (in place)
    for k, v in dst.state_dict().items():
        np.testing.assert_array_equal(v, sd[k])
    # a Sequential of the same layers has the same state under other names
    seq = nn.Sequential(*[lin(2, 3, 5), lin(3, 1, 6)])
    seq.load_state_dict({k.removeprefix("layers."): v for k, v in sd.items()})
    x = am.tensor(np.random.default_rng(0).standard_normal((4, 2)))
    np.testing.assert_array_equal(F.sigmoid(seq[1](F.tanh(seq[0](x)))).data, dst(x).data)
    bigger = MLP([2, 3, 3, 1])
    with pytest.raises(ValueError, match="missing keys: layers.2.weight, layers.2.bias"):
        bigger.load_state_dict(sd)
    del bigger.layers[1]  # (renumbered: layers.1 is now the 3 -> 1 layer)
    bigger.load_state_dict(sd)


def test_training_through_a_modulelist_matches_sequential_bit_for_bit():
    sizes = [2, 5, 4, 2]
    model = MLP(sizes, seed=3)
    seq = nn.Sequential()
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        seq.append(lin(a, b, 3 + i)).append(nn.Tanh() if i < len(sizes) - 2 else nn.Sigmoid())
    r = np.random.default_rng(1)
    x, y = am.tensor(r.standard_normal((8, 2))), am.tensor(r.random((8, 2)))
    opt_a = am.optim.SGD(model.parameters(), lr=0.5)
    opt_b = am.optim.SGD(seq.parameters(), lr=0.5)
    losses = []
    for _ in range(20):
        for m, opt in ((model, opt_a), (seq, opt_b)):
            opt.zero_grad()
            loss = F.mse_loss(m(x), y)
            loss.backward()
            opt.step()
        losses.append(loss.item())
        for p, q in zip(model.parameters(), seq.parameters()):
            np.testing.assert_array_equal(p.grad.data, q.grad.data)
            np.testing.assert_array_equal(p.data, q.data)
    assert losses[-1] < losses[0]


# -- the rest of the library --------------------------------------------------------------------


def test_modes_grads_and_dtype_recurse_into_the_containers():
    m = MLP([2, 3, 1])
    m.eval()
    assert not any(s.training for s in m.modules()) and not m.layers[1].training and not m.acts["out"].training
    m.train()
    assert all(s.training for s in m.modules())
    m.layers.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())
    m.requires_grad_(True)
    F.mse_loss(m(am.ones((1, 2))), am.zeros((1, 1))).backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())
    m.to(np.float32)
    assert all(p.dtype == np.float32 for p in m.parameters())
    assert m(am.ones((1, 2), dtype=np.float32)).dtype == np.float32


def test_deepcopy_and_pickle_keep_the_containers_working():
    m = MLP([2, 3, 1])
    x = am.tensor(np.ones((2, 2)))
    for c in (copy.deepcopy(m), pickle.loads(pickle.dumps(m))):
        assert type(c.layers) is nn.ModuleList and type(c.acts) is nn.ModuleDict
        assert c.layers[0] is not m.layers[0] and c.layers[0].weight is not m.layers[0].weight
        np.testing.assert_array_equal(c(x).data, m(x).data)
        c.layers.append(nn.Linear(1, 1))
        assert len(c.layers) == 3 and len(m.layers) == 2
        assert names(c)[-2:] == ["layers.2.weight", "layers.2.bias"]


def test_summary_of_a_model_iterating_a_modulelist():
    s = nn.summary(MLP([2, 3, 4, 1]), (5, 2))
    rows = [(r.name, r.depth, r.output_shape, r.num_params) for r in s.rows]
    assert rows == [
        ("layers", 0, "-", 9 + 16 + 5),  # (above its items, though never called itself)
        ("layers.0", 1, (5, 3), 9),
        ("acts", 0, "-", 0),
        ("acts.hidden", 1, (5, 3), 0),
        ("layers.1", 1, (5, 4), 16),
        ("acts.hidden", 1, (5, 4), 0),
        ("layers.2", 1, (5, 1), 5),
        ("acts.out", 1, (5, 1), 0),
    ]
    assert s.total_params == 30 and "(not called)" not in str(s)
    with pytest.raises(ValueError, match="summary: the forward of ModuleList failed.*no forward"):
        nn.summary(nn.ModuleList([nn.Linear(2, 2)]), (1, 2))


def test_draw_network_of_a_model_holding_a_modulelist():
    m = MLP([2, 3, 1], seed=0)
    seq = nn.Sequential(m.layers[0], nn.Tanh(), m.layers[1], nn.Sigmoid())
    traced = am.viz.draw_network(m, (1, 2)).source
    # (neuron by neuron, as the Sequential is: only the model's name in the caption differs)
    assert traced == am.viz.draw_network(seq, (1, 2)).source.replace('label="Sequential:', 'label="MLP:')
    assert "not traced (pass input_size)" in am.viz.draw_network(m).source
    for container in (m.layers, m.acts):
        with pytest.raises(TypeError, match=f"draw_network: a {type(container).__name__} only holds "
                                            "modules and has no forward"):
            am.viz.draw_network(container)


def test_compile_records_again_when_the_list_changes():
    m = MLP([2, 3, 1])
    x = am.tensor(np.random.default_rng(0).standard_normal((4, 2)))
    f = am.compile(lambda x: m(x).sum())
    f(x)
    f(x)
    assert f.recordings == 1
    changes = [
        lambda: m.layers.insert(1, lin(3, 3, 9)),
        lambda: m.layers.append(lin(1, 1, 10)),
        lambda: m.layers.__setitem__(-1, lin(1, 2, 11)),
        lambda: m.layers.__delitem__(-1),
        lambda: m.layers.pop(1),
        lambda: m.layers.extend([lin(1, 1, 12)]),
        lambda: m.acts.__setitem__("hidden", nn.ReLU()),
        lambda: m.acts.update({"out": nn.Tanh()}),
    ]
    for i, change in enumerate(changes):
        change()
        with warnings.catch_warnings():  # (that most calls record is the point here)
            warnings.simplefilter("ignore", RuntimeWarning)
            out = f(x)
        assert f.recordings == 2 + i
        np.testing.assert_array_equal(out.data, m(x).sum().data)  # (never the stale tape)
    f(x)
    assert f.recordings == 1 + len(changes)
