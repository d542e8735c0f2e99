"""am.save / am.load: bit-exact round trips of nested state dicts, no pickle, clear errors."""

from __future__ import annotations

import io
import json
import math
import os
import pickle
import re
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_mini as am
from autograd_mini.serialization import HEADER


def assert_same(a, b):
    """Equal structure, types, dtypes and bits (NaNs included)."""
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            assert type(k) is type(next(kk for kk in b if kk == k))
            assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
    elif isinstance(a, am.Tensor):
        assert a.requires_grad == b.requires_grad
        assert_same(a.data, b.data)
    elif isinstance(a, (np.ndarray, np.generic)):
        assert a.dtype == b.dtype and np.shape(a) == np.shape(b)
        assert np.asarray(a).tobytes() == np.asarray(b).tobytes()
    elif isinstance(a, float):
        assert np.float64(a).tobytes() == np.float64(b).tobytes()
    else:
        assert a == b


def roundtrip(obj, tmp_path, name="sd.npz"):
    path = tmp_path / name
    am.save(obj, path)
    return am.load(path)


def test_round_trip_dtypes_bit_exact(tmp_path):
    rng = np.random.default_rng(0)
    obj = {
        "w32": rng.standard_normal((3, 4)).astype(np.float32),
        "w64": rng.standard_normal((2, 5)),
        "ints": np.array([-(2**62), 0, 7], dtype=np.int64),
        "i8": np.array([[1, -2]], dtype=np.int8),
        "u16": np.arange(5, dtype=np.uint16),
        "mask": np.array([True, False]),
        "c128": np.array([1 + 2j, np.nan]),
        "scalar0d": np.array(3.25, dtype=np.float32),
        "empty": np.zeros((0, 3)),
        "special": np.array([np.nan, np.inf, -np.inf, -0.0, 5e-324]),
        "strided": rng.standard_normal((4, 4))[::2, ::-1],
    }
    back = roundtrip(obj, tmp_path)
    assert_same(obj, back)
    assert back["strided"].flags.c_contiguous or back["strided"].flags.f_contiguous


def test_round_trip_nested_and_python_values(tmp_path):
    obj = {
        "model": {"0.weight": np.ones((2, 2)), "0.bias": np.zeros(2)},
        "t": am.tensor([1.5, 2.5], requires_grad=True),
        "t32": am.tensor(np.array([1, 2], np.float32)),
        "numbers": [1, 2**80, -3, 0.1, float("nan"), -0.0, float("inf"), 1e308, True, None, "adam", 2 - 3j],
        "tuple": (0.9, 0.999),
        "np_scalars": [np.float64(0.1), np.float32(0.1), np.int32(-5), np.bool_(True)],
        "int_keys": {0: {"step": 3}, 10: {"step": 4}, "0": "string key"},
        "weird/key~": {"": np.arange(2)},
        "empty": {"d": {}, "l": [], "t": ()},
    }
    back = roundtrip(obj, tmp_path)
    assert_same(obj, back)
    assert 0 in back["int_keys"] and "0" in back["int_keys"]
    assert isinstance(back["tuple"], tuple) and isinstance(back["numbers"], list)
    assert isinstance(back["t"], am.Tensor) and back["t"].requires_grad


def test_optimizer_state_dict_round_trip(tmp_path):
    p = am.tensor([[1.0, 2.0]], requires_grad=True)
    q = am.tensor([3.0], requires_grad=True)
    opt = am.optim.Adam([{"params": [p]}, {"params": [q], "lr": 0.5}], amsgrad=True)
    p.grad, q.grad = am.tensor([[0.1, -0.2]]), am.tensor([1.0])
    opt.step()
    sd = opt.state_dict()
    back = roundtrip(sd, tmp_path)
    assert_same(sd, back)
    # Readable flattened names in the archive itself
    with np.load(tmp_path / "sd.npz") as f:
        assert "state/0/exp_avg" in f.files and "state/1/max_exp_avg_sq" in f.files


def test_flattened_names_are_documented_escapes(tmp_path):
    am.save({"a/b": {"~c": np.ones(1)}, "x": [np.zeros(1), {"y": np.zeros(2)}]}, tmp_path / "n.npz")
    with np.load(tmp_path / "n.npz") as f:
        assert sorted(f.files) == sorted([HEADER, "a~1b/~0c", "x/0", "x/1/y"])


def test_file_name_used_as_given_and_no_pickle(tmp_path):
    path = tmp_path / "weights.bin"
    am.save({"w": np.ones(3)}, path)
    assert path.exists() and not (tmp_path / "weights.bin.npz").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["weights.bin"]  # no temporary left over
    with np.load(path, allow_pickle=False) as f:  # loads with numpy alone, without pickle
        np.testing.assert_array_equal(f["w"], np.ones(3))
    assert_same(am.load(str(path)), {"w": np.ones(3)})


@settings(max_examples=20, deadline=None)
@given(arr=hnp.arrays(
    dtype=st.sampled_from([np.float32, np.float64, np.int32, np.int64, np.bool_, np.float16]),
    shape=hnp.array_shapes(min_dims=0, max_dims=3, max_side=4),
))
def test_round_trip_property(arr, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("prop")
    obj = {"a": arr, "nested": {"b": [arr, am.tensor(arr)]}}
    assert_same(obj, roundtrip(obj, tmp))


# -- errors -------------------------------------------------------------------------------------


def test_missing_file(tmp_path):
    path = tmp_path / "nope.npz"
    with pytest.raises(FileNotFoundError, match="nope.npz"):
        am.load(path)


def test_not_an_npz(tmp_path):
    path = tmp_path / "text.npz"
    path.write_text("hello")
    with pytest.raises(ValueError, match="text.npz.*not an .npz"):
        am.load(path)
    npy = tmp_path / "arr.npy"
    np.save(npy, np.ones(3))
    with pytest.raises(ValueError, match="arr.npy.*not an .npz"):
        am.load(npy)


def test_pickle_file_rejected(tmp_path):
    path = tmp_path / "obj.pkl"
    path.write_bytes(pickle.dumps({"w": np.ones(2)}))
    with pytest.raises(ValueError, match="obj.pkl"):
        am.load(path)


def test_plain_npz_rejected(tmp_path):
    path = tmp_path / "plain.npz"
    np.savez(path, w=np.ones(2))
    with pytest.raises(ValueError, match=f"plain.npz.*no '{HEADER}'"):
        am.load(path)


def test_pickled_object_entry_rejected(tmp_path):
    good = tmp_path / "good.npz"
    am.save({"w": np.ones(2)}, good)
    evil = tmp_path / "evil.npz"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(evil, "w") as dst:
        for name in src.namelist():
            dst.writestr(name, src.read(name))
        with dst.open("obj.npy", "w") as f:
            np.lib.format.write_array(f, np.array([{"x": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="evil.npz.*pickle"):
        am.load(evil)


def _rewrite(path, header=None, extra=None, drop=None):
    """Copy of an am.save file with its header replaced / an entry added or removed."""
    with np.load(path) as f:
        entries = {k: f[k] for k in f.files if k != drop}
    if header is not None:
        entries[HEADER] = np.array(header)
    entries.update(extra or {})
    out = path.with_name("edited.npz")
    np.savez(out, **entries)
    return out


def test_unexpected_missing_and_malformed_entries(tmp_path):
    path = tmp_path / "sd.npz"
    am.save({"w": np.ones(2), "b": np.zeros(1)}, path)
    with pytest.raises(ValueError, match=r"edited.npz.*unexpected entries \['sneaky'\]"):
        am.load(_rewrite(path, extra={"sneaky": np.ones(1)}))
    with pytest.raises(ValueError, match="edited.npz.*does not match"):
        am.load(_rewrite(path, drop="b"))
    with pytest.raises(ValueError, match="edited.npz.*not valid JSON"):
        am.load(_rewrite(path, header="{not json"))
    with pytest.raises(ValueError, match="edited.npz.*does not describe"):
        am.load(_rewrite(path, header=json.dumps({"format": "something else", "tree": {}})))
    with pytest.raises(ValueError, match="edited.npz.*version 99"):
        am.load(_rewrite(path, header=json.dumps(
            {"format": "autograd_mini.state_dict", "version": 99, "tree": {"dict": []}})))
    with pytest.raises(ValueError, match="edited.npz.*does not match"):
        am.load(_rewrite(path, header=json.dumps({
            "format": "autograd_mini.state_dict", "version": 1,
            "tree": {"dict": [["w", {"pickle": "w"}]]},
        })))


def test_save_rejects_non_state_dicts(tmp_path):
    path = tmp_path / "x.npz"
    with pytest.raises(TypeError, match="mapping"):
        am.save([np.ones(2)], path)
    with pytest.raises(TypeError, match=r"state_dict\(\)"):
        am.save(am.optim.SGD([am.tensor([1.0], requires_grad=True)], lr=0.1), path)
    with pytest.raises(TypeError, match="object"):
        am.save({"w": np.array([{"a": 1}], dtype=object)}, path)
    with pytest.raises(TypeError, match="set"):
        am.save({"w": {1, 2}}, path)
    with pytest.raises(TypeError, match="keys must be str or int"):
        am.save({(1, 2): np.ones(1)}, path)
    with pytest.raises(ValueError, match="two values"):
        am.save({0: np.ones(1), "0": np.ones(1)}, path)  # one entry name, two keys
    assert not path.exists()  # nothing written by a failed save


def test_escaping_keeps_names_apart(tmp_path):
    obj = {"a~1b": np.ones(1), "a/b": np.zeros(1), "a": {"b": np.full(1, 2.0)}}
    assert_same(obj, roundtrip(obj, tmp_path))


def test_keys_that_differ_by_numpys_npy_suffix_round_trip(tmp_path):
    # numpy's npz lookup tries "w.npy" for "w" too; entries are read by exact name
    state = {"w": np.array([1.0]), "w.npy": np.array([2.0]), "": np.array([3]), ".npy": np.array([4])}
    am.save(state, tmp_path / "s.npz")
    back = am.load(tmp_path / "s.npz")
    assert list(back) == list(state)
    for k in state:
        np.testing.assert_array_equal(back[k], state[k])


def test_an_archive_with_a_member_that_is_not_an_array_is_refused(tmp_path):
    import zipfile

    path = tmp_path / "s.npz"
    am.save({"w": np.ones(2)}, path)
    with zipfile.ZipFile(path, "a") as z:
        z.writestr("notes.txt", "hello")
    with pytest.raises(ValueError, match=r"is not a state dict saved by autograd_mini.save.*notes.txt"):
        am.load(path)


def test_keys_that_are_names_of_numpys_savez_arguments_round_trip(tmp_path):
    # (numpy.savez takes the entries as keyword arguments next to its own `file` and
    # `allow_pickle`; a root attribute `self.file = Parameter(...)` gives such a key)
    path = tmp_path / "ckpt.npz"
    state = {"file": np.arange(3.0), "allow_pickle": np.ones(2, np.float32), "args": 1.5}
    am.save(state, path)
    back = am.load(path)
    assert back.keys() == state.keys() and back["args"] == 1.5
    for k in ("file", "allow_pickle"):
        assert back[k].dtype == state[k].dtype and np.array_equal(back[k], state[k])
    with np.load(path, allow_pickle=False) as plain:  # still an .npz numpy reads
        assert sorted(plain.files) == sorted([HEADER, "file", "allow_pickle"])


def _archive(path, tree_json, members=()):
    """An archive laid out as save writes it, with a header tree (JSON text) and raw .npy members."""
    header = '{"format": "autograd_mini.state_dict", "version": 1, "tree": ' + tree_json + "}"
    with zipfile.ZipFile(path, "w") as z:
        with z.open(HEADER + ".npy", "w") as f:
            np.lib.format.write_array(f, np.array(header))
        for name, raw in members:
            z.writestr(name + ".npy", raw)


def test_a_deeply_nested_header_is_a_clear_error(tmp_path):
    inner = '{"value": null}'
    for _ in range(5000):
        inner = '{"list": [' + inner + "]}"
    path = tmp_path / "deep.npz"
    _archive(path, '{"dict": [["a", ' + inner + "]]}")
    with pytest.raises(ValueError, match="load: .*deep.npz.* nested too deeply"):
        am.load(path)


def test_a_cut_off_entry_is_reported_as_damaged_not_as_pickle(tmp_path):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.ones(100))
    path = tmp_path / "cut.npz"
    _archive(path, '{"dict": [["a", {"array": "a"}]]}', [("a", buf.getvalue()[:200])])
    with pytest.raises(ValueError, match="an entry is damaged") as err:
        am.load(path)
    assert "pickle" not in str(err.value)


def test_save_refuses_a_cycle_and_writes_nothing(tmp_path):
    loop: dict = {"w": np.ones(2)}
    loop["self"] = loop
    path = tmp_path / "cycle.npz"
    with pytest.raises(ValueError, match="save: the value at /self contains itself"):
        am.save(loop, path)
    assert not path.exists()
    shared = np.ones(2)
    am.save({"a": [shared, shared], "b": [1, [2]]}, path)  # (the same object twice is no cycle)
    assert am.load(path)["b"] == [1, [2]]


# -- found by a mutation test -----------------------------------------------------------------


def test_python_floats_round_trip_bit_exactly(tmp_path):
    # (a learning rate of 1/3 or 0.1 + 0.2 needs all 17 digits; fewer would load a neighbour)
    values = [0.1 + 0.2, 1 / 3, math.pi, 2.0**-1074, -1e-310, 1 - 2.0**-53, 123456789.12345679]
    p = am.tensor([1.0], requires_grad=True)
    opt = am.optim.Adam([p], lr=1 / 3, betas=(0.9, 1 - 1 / 7))
    obj = {"values": values, "opt": opt.state_dict()}
    back = roundtrip(obj, tmp_path)
    assert_same(obj, back)
    assert back["opt"]["param_groups"][0]["lr"] == 1 / 3


def test_save_refuses_a_key_that_is_the_header_name(tmp_path):
    # (two archive members of one name: the file would not load)
    path = tmp_path / "x.npz"
    with pytest.raises(ValueError, match=f"two values would be stored under the name '{HEADER}'"):
        am.save({HEADER: np.ones(1)}, path)
    assert not path.exists()
    am.save({HEADER: 1.5, "w": np.ones(1)}, path)  # (a number lives in the header: no clash)
    assert am.load(path)[HEADER] == 1.5


def test_a_save_that_fails_while_writing_leaves_no_temporary_file(tmp_path, monkeypatch):
    # The final rename fails after the archive is written. (A directory as the target
    # no longer gets that far: save refuses it before writing; see below.)
    renamed = []

    def failing_replace(src, dst):
        renamed.append(os.path.getsize(src))  # (the temporary archive was written)
        raise OSError(f"rename {src!r} onto {dst!r} refused")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match=r"rename .*taken\.npz\.tmp\d+'? onto .*taken\.npz'? refused"):
        am.save({"w": np.ones(3)}, tmp_path / "taken.npz")
    assert len(renamed) == 1 and renamed[0] > 0
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("tree, members, why", [
    ('{"dict": [["a", {"array": "w"}], ["b", {"array": "w"}]]}', ["w"], "entry 'w' used twice"),
    ('{"list": [{"array": "w"}]}', ["w"], "its root is not a dict"),
    ('{"dict": [["a", {"value": 3}]]}', [], "bad value 3"),
    ('{"dict": [["a", {"int": "1", "float": "2.0", "value": null}]]}', [], "malformed node"),
    ('{"dict": [[1.5, {"value": null}]]}', [], "bad key 1.5"),
])
def test_headers_that_do_not_describe_a_state_dict_are_refused(tmp_path, tree, members, why):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.ones(2))
    path = tmp_path / "crafted.npz"
    _archive(path, tree, [(name, buf.getvalue()) for name in members])
    with pytest.raises(ValueError, match=r"load: .*crafted.npz.* is not a state dict saved by "
                                         r"autograd_mini.save: .*" + re.escape(why)):
        am.load(path)


def test_save_refuses_bool_keys_which_would_load_as_ints(tmp_path):
    path = tmp_path / "b.npz"
    with pytest.raises(TypeError, match=r"keys must be str or int, got True \(bool\)"):
        am.save({True: np.ones(1)}, path)
    assert not path.exists()


@pytest.mark.parametrize("header, why", [
    ('{"format": "autograd_mini.state_dict", "tree": {"dict": []}}', "format version None"),
    ('{"format": "autograd_mini.state_dict", "version": 2, "tree": {"dict": []}}', "format version 2"),
])
def test_a_header_without_this_format_version_is_refused(tmp_path, header, why):
    path = tmp_path / "v.npz"
    with zipfile.ZipFile(path, "w") as z:
        with z.open(HEADER + ".npy", "w") as f:
            np.lib.format.write_array(f, np.array(header))
    with pytest.raises(ValueError, match=re.escape(why)):
        am.load(path)


def test_save_names_the_path_when_it_cannot_write_there(tmp_path):
    sd = {"w": np.ones(2)}
    (tmp_path / "adir").mkdir()
    with pytest.raises(IsADirectoryError, match=r"save: .*adir'? is a directory"):
        am.save(sd, tmp_path / "adir")
    with pytest.raises(FileNotFoundError, match=r"save: no such directory: .*missing"):
        am.save(sd, tmp_path / "missing" / "x.npz")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adir"]  # (no temporary file left)


@pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt", reason="needs POSIX symlinks")
def test_save_writes_through_a_symlink_and_keeps_the_files_mode(tmp_path):
    # (the atomic rename replaced the link itself with a new file, leaving the file it
    # points to stale, and gave an overwritten file the umask's mode)
    (tmp_path / "runs").mkdir()
    target, link = tmp_path / "runs" / "model.npz", tmp_path / "latest.npz"
    am.save({"w": np.zeros(2)}, target)
    os.chmod(target, 0o600)
    os.symlink(target, link)
    am.save({"w": np.ones(2)}, link)
    assert os.path.islink(link)
    np.testing.assert_array_equal(am.load(target)["w"], np.ones(2))
    assert os.stat(target).st_mode & 0o777 == 0o600
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["model.npz"]  # (no temporary file)


def test_save_and_load_accept_bytes_paths(tmp_path):
    path = bytes(tmp_path / "b.npz")
    am.save({"w": np.arange(3.0)}, path)
    assert (tmp_path / "b.npz").exists()
    assert np.array_equal(am.load(path)["w"], np.arange(3.0))


@pytest.mark.parametrize("path, why", [(3, "got int"), (None, "got NoneType")])
def test_save_and_load_name_themselves_for_a_path_that_is_not_a_file_name(tmp_path, path, why):
    # (os.fsdecode's own "expected str, bytes or os.PathLike object" names no op)
    for call, op in [(lambda: am.save({"w": np.ones(2)}, path), "save"), (lambda: am.load(path), "load")]:
        with pytest.raises(TypeError, match=rf"^{op}: path must be a file name .*{why}"):
            call()


def test_a_state_dict_round_trips_through_a_file_object_in_memory(tmp_path):
    # (torch.save(sd, buf): a checkpoint kept in memory, or sent elsewhere)
    model = am.nn.Sequential(am.nn.Linear(3, 4), am.nn.BatchNorm1d(4))
    opt = am.optim.Adam(model.parameters())
    model(am.randn(5, 3)).sum().backward()
    opt.step()
    buf = io.BytesIO()
    am.save({"model": model.state_dict(), "opt": opt.state_dict(), "epoch": 3}, buf)
    buf.seek(0)
    back = am.load(buf)
    assert back["epoch"] == 3 and list(back["model"]) == list(model.state_dict())
    for k, v in model.state_dict().items():
        assert back["model"][k].dtype == v.dtype and np.array_equal(back["model"][k], v)
    am.optim.Adam(model.parameters()).load_state_dict(back["opt"])
    path = tmp_path / "same.npz"  # (the same bytes a file would hold)
    am.save({"w": np.arange(3.0)}, path)
    buf = io.BytesIO()
    am.save({"w": np.arange(3.0)}, buf)
    with open(path, "rb") as f:
        assert am.load(f)["w"].tolist() == [0.0, 1.0, 2.0]
    buf.seek(0)
    assert np.array_equal(am.load(buf)["w"], np.arange(3.0))


def test_file_objects_that_cannot_hold_an_archive_are_refused_by_name():
    for call, op in [(lambda f: am.save({"w": np.ones(2)}, f), "save"), (lambda f: am.load(f), "load")]:
        with pytest.raises(TypeError, match=rf"^{op}: the file object must be binary"):
            call(io.StringIO())
    with pytest.raises(ValueError, match=r"load: '<BytesIO>' is not a state dict .* not an .npz"):
        am.load(io.BytesIO(b"not a zip archive"))


@pytest.mark.parametrize("offset, value, why", [
    (10, b"\x63\x00", "compression method"),  # (method 99, which zipfile does not implement)
    (8, b"\x01\x00", "encrypted"),            # (the encryption flag)
])
def test_a_damaged_central_directory_is_reported_as_damaged(tmp_path, offset, value, why):
    # zipfile reads a flipped byte there as a feature it lacks (NotImplementedError) or as
    # encryption (RuntimeError); load let those through instead of naming the file.
    path = tmp_path / "damaged.npz"
    am.save({"w": np.ones(3)}, path)
    raw = bytearray(path.read_bytes())
    entry = raw.rindex(b"PK\x01\x02")  # the central directory entry of the last member
    raw[entry + offset: entry + offset + 2] = value
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match=f"load: .*damaged.npz.* the archive is damaged .*{why}"):
        am.load(path)


def test_a_damaged_shape_in_an_entrys_header_is_reported_not_loaded_short(tmp_path):
    # (one flipped bit turns the shape (3000, 4) into (1000, 4); zipfile checks a member's
    # CRC only once it is read to the end, which a shorter array never reaches)
    path = tmp_path / "short.npz"
    am.save({"w": np.arange(12000.0).reshape(3000, 4)}, path)
    raw = bytearray(path.read_bytes())
    i = raw.index(b"'shape': (3000, 4)") + len(b"'shape': (")
    raw[i] ^= 0x02  # '3' -> '1'
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="load: .*short.npz.* is not a state dict saved by autograd_mini"):
        am.load(path)


@pytest.mark.parametrize("old, new", [
    (b"(3000,), }  ", b"(3000,), } ("),    # numpy's tokenizer: tokenize.TokenError
    (b"'descr': '<f8'", b"'descr': ',f8'"),  # numpy.dtype(',f8'): SyntaxError
])
def test_a_damaged_entry_header_that_numpy_cannot_parse_is_reported_as_damaged(tmp_path, old, new):
    # (numpy parses the .npy header before zipfile checks the member's CRC, and raised
    # exceptions other than ValueError out of load)
    path = tmp_path / "bad.npz"
    am.save({"w": np.ones(3000)}, path)  # (large enough that zipfile does not read it all ahead)
    raw = path.read_bytes()
    assert raw.count(old) == 1
    path.write_bytes(raw.replace(old, new))
    with pytest.raises(ValueError, match="load: .*bad.npz.* an entry is damaged"):
        am.load(path)


def test_a_damaged_shape_too_large_for_memory_is_a_damaged_entry(tmp_path):
    # (numpy allocates the array its header describes before reading any of it: a
    # damaged shape asking for petabytes raised a bare MemoryError naming no file)
    path = tmp_path / "huge.npz"
    am.save({"w": np.zeros((1000, 3))}, path)
    raw = path.read_bytes()
    old, new = b"(1000, 3), }    ", b"(10000000000000000, 3), }"
    assert raw.count(old) == 1 and len(old) < len(new)
    old += b" " * (len(new) - len(old))  # (the header keeps its length: the padding is eaten)
    assert raw.count(old) == 1
    path.write_bytes(raw.replace(old, new))
    with pytest.raises(ValueError, match="load: .*huge.npz.* an entry is damaged .*'w.npy'.* 24000 bytes"):
        am.load(path)


def test_a_file_object_opened_the_wrong_way_is_refused_by_name(tmp_path):
    # (save to a file opened "rb" raised io.UnsupportedOperation: write, and load from
    # one opened "wb" UnsupportedOperation: read, neither naming the op)
    path = tmp_path / "w.npz"
    am.save({"w": np.ones(2)}, path)
    with open(path, "rb") as f:
        with pytest.raises(TypeError, match=r"^save: the file object .* not writable"):
            am.save({"w": np.ones(2)}, f)
    with open(tmp_path / "other.npz", "wb") as f:
        with pytest.raises(TypeError, match=r"^load: a file object must be readable and seekable"):
            am.load(f)
    assert am.load(path)["w"].tolist() == [1.0, 1.0]


def test_load_takes_torch_loads_map_location_and_weights_only(tmp_path):
    # PyTorch checkpoint code reads torch.load(path, map_location="cpu", weights_only=True)
    path = tmp_path / "ck.npz"
    sd = {"model": {"w": np.arange(3.0)}, "epoch": 4}
    am.save(sd, path)
    for kwargs in ({"map_location": "cpu"}, {"map_location": "cpu:0"}, {"map_location": None},
                   {"weights_only": True}, {"weights_only": False}, {"map_location": "cpu", "weights_only": True},
                   {"map_location": {"cuda:0": "cpu"}}):
        assert_same(am.load(path, **kwargs), sd)
    assert_same(am.load(path, "cpu"), sd)  # (torch's second positional argument)


@pytest.mark.parametrize("where", ["cuda", "cuda:0", 0, {"cuda:0": "cuda:1"}])
def test_load_refuses_a_map_location_other_than_the_cpu(tmp_path, where):
    path = tmp_path / "ck.npz"
    am.save({"w": np.zeros(2)}, path)
    with pytest.raises(ValueError, match=r"load: map_location .* 'cpu'"):
        am.load(path, map_location=where)


def test_load_refuses_a_weights_only_that_is_not_a_flag(tmp_path):
    path = tmp_path / "ck.npz"
    am.save({"w": np.zeros(2)}, path)
    with pytest.raises(TypeError, match="load: weights_only"):
        am.load(path, weights_only="yes")
