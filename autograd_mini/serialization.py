"""Saving and loading state dicts as `.npz` archives, without pickle.

`save(obj, path)` accepts a state dict: a mapping whose keys are str (or int,
as in optimizer state) and whose values are ndarrays, Tensors, numbers, bools,
None, strings, or nested dicts, lists and tuples of these (a module's or an
optimizer's `state_dict()`). The layout of the file:

* every array-valued leaf (ndarray, Tensor, numpy scalar) is one `.npy` entry
  named by its path: the keys / list positions from the root joined with "/",
  each escaped as in JSON Pointer (RFC 6901: "~" -> "~0", "/" -> "~1"); e.g.
  `{"state": {0: {"exp_avg": m}}}` stores `m` as "state/0/exp_avg" (the zip
  member "state/0/exp_avg.npy", read back by that exact name: numpy's own
  npz lookup also tries a name with ".npy" added, which would read the
  entry "w" for a key "w.npy");
* one entry "__autograd_mini__" holds a JSON header: a format tag, a version
  and the tree (container kinds, key types, leaf kinds; Python numbers, bools,
  None and strings in place), from which `load` rebuilds the exact object.

`path` is a file name or a binary file object (io.BytesIO for a checkpoint
kept in memory, as with torch.save).

Arrays round-trip bit-exactly (dtype, shape, values); Python floats too (the
header holds their shortest repr, which reads back to the same double). Loading
never unpickles: each member is read with
`numpy.lib.format.read_array(..., allow_pickle=False)`.
"""

from __future__ import annotations

import io
import json
import math
import os
import shutil
import tokenize
import zipfile
from typing import IO, Any, Mapping

import numpy as np

from .tensor import Tensor, _is_cpu

HEADER = "__autograd_mini__"
FORMAT = "autograd_mini.state_dict"
VERSION = 1


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _flatten(obj: Any, path: str, entries: dict[str, np.ndarray], parents: tuple = ()) -> Any:
    """The JSON tree of `obj`; its arrays go into `entries` under their path.
    `parents` holds the ids of the containers above obj (a cycle is refused)."""
    if isinstance(obj, (Mapping, list, tuple)):
        if id(obj) in parents:
            raise ValueError(f"save: the value at {path or '/'} contains itself (a cycle)")
        parents += (id(obj),)
    if isinstance(obj, Mapping):
        items = []
        for k, v in obj.items():
            if isinstance(k, bool) or not isinstance(k, (str, int)):
                raise TypeError(
                    f"save: keys must be str or int, got {k!r} ({type(k).__name__}) at {path or '/'}"
                )
            key = int(k) if isinstance(k, int) else str(k)
            items.append([key, _flatten(v, f"{path}/{_escape(str(k))}", entries, parents)])
        return {"dict": items}
    if isinstance(obj, (list, tuple)):
        kind = "list" if isinstance(obj, list) else "tuple"
        return {kind: [_flatten(v, f"{path}/{i}", entries, parents) for i, v in enumerate(obj)]}
    if isinstance(obj, np.generic):  # before the Python types: np.float64 is a float
        return _entry("scalar", np.asarray(obj), path, entries, {})
    if obj is None or isinstance(obj, (bool, str)):
        return {"value": obj}
    if isinstance(obj, int):
        return {"int": str(obj)}  # any size, exactly
    if isinstance(obj, float):
        return {"float": repr(obj)}  # shortest exact repr, also nan/inf/-0.0
    if isinstance(obj, complex):
        return {"complex": [repr(obj.real), repr(obj.imag)]}
    if isinstance(obj, Tensor):
        return _entry("tensor", obj.data, path, entries, {"requires_grad": obj.requires_grad})
    if isinstance(obj, np.ndarray):
        return _entry("array", obj, path, entries, {})
    hint = " (pass its .state_dict())" if hasattr(obj, "state_dict") else ""
    raise TypeError(
        f"save: cannot store a {type(obj).__name__} at {path or '/'}{hint}; values must be arrays, "
        "Tensors, numbers, bools, None, strings, or dicts/lists/tuples of these"
    )


def _entry(kind: str, arr: np.ndarray, path: str, entries: dict[str, np.ndarray], extra: dict) -> dict:
    """Register `arr` as the archive entry named by `path`; its header node."""
    if arr.dtype.hasobject:
        raise TypeError(f"save: the array at {path} has dtype object, which would need pickle")
    name = path[1:]
    if name == HEADER or name in entries:
        raise ValueError(f"save: two values would be stored under the name {name!r}")
    entries[name] = arr
    return {kind: name, **extra}


def save(obj: Mapping[str, Any], path: str | bytes | os.PathLike | IO[bytes]) -> None:
    """Write the state dict `obj` to `path` as an .npz archive (never a pickle).

    `path` is a file name (used as given) or a binary file object opened for writing
    (io.BytesIO: a checkpoint in memory).

    Everything is checked before the file is touched; a named file is written to a
    temporary name and then renamed, so a failed save leaves no half-written file.
    """
    if not isinstance(obj, Mapping):
        hint = "; pass its .state_dict()" if hasattr(obj, "state_dict") else ""
        raise TypeError(f"save: expected a state dict (a mapping), got {type(obj).__name__}{hint}")
    entries: dict[str, np.ndarray] = {}
    try:
        tree = _flatten(obj, "", entries)
    except RecursionError:
        raise ValueError("save: the state dict is nested too deeply to store") from None
    header = json.dumps({"format": FORMAT, "version": VERSION, "tree": tree})
    if _is_file(path, "save"):  # (torch.save's io.BytesIO idiom: written there, from its current position)
        if not _can(path, "write"):
            raise TypeError(f"save: the file object ({type(path).__name__}) is not writable; open it "
                            "with 'wb' (or pass an io.BytesIO)")
        _write_archive(path, header, entries)
        return
    path = _path(path, "save")  # (as a str: a bytes path would format as "b'...'")
    # (checked here: the errors of the temporary file would name that file instead)
    if os.path.isdir(path):
        raise IsADirectoryError(f"save: {path!r} is a directory; give a file name such as "
                                f"{os.path.join(path, 'model.npz')!r}")
    # A symlink is written through, as a plain write would (and as numpy.savez does): the
    # rename onto the link itself would replace it with a file and leave its target stale.
    # The temporary file goes next to the target, so the rename stays on one file system.
    target = os.path.realpath(path) if os.path.islink(path) else path
    directory = os.path.dirname(target)
    if directory and not os.path.isdir(directory):
        raise FileNotFoundError(f"save: no such directory: {directory!r} (for {path!r})")
    tmp = f"{target}.tmp{os.getpid()}"
    try:
        _write_archive(tmp, header, entries)
        if os.path.exists(target):  # (an overwritten file keeps its permissions, as in place)
            shutil.copymode(target, tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _write_archive(target: Any, header: str, entries: dict[str, np.ndarray]) -> None:
    """The archive numpy.savez writes, member by member, to a file name or a file object.
    (savez takes the names as keyword arguments, so a key "file" or "allow_pickle"
    would clash with its own.)"""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, arr in [(HEADER, np.array(header)), *entries.items()]:
            with archive.open(name + ".npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asanyarray(arr), allow_pickle=False)


def _is_file(path: Any, where: str) -> bool:
    """True for a binary file object (io.BytesIO, open(..., "rb"/"wb")) rather than a file
    name; a text-mode one raises TypeError."""
    if isinstance(path, (str, bytes, os.PathLike)) or not (hasattr(path, "read") or hasattr(path, "write")):
        return False
    if isinstance(path, io.TextIOBase):
        raise TypeError(f"{where}: the file object must be binary (opened with 'b', or io.BytesIO), "
                        f"got {type(path).__name__}")
    return True


def _can(f: Any, what: str) -> bool:
    """Has the file object `f` the method `what` ("read", "write" or "seek"), and, when it
    says (io's readable(), writable(), seekable()), can it use it? (A file opened "rb"
    has a write method that raises io.UnsupportedOperation.)"""
    if not hasattr(f, what):
        return False
    able = getattr(f, {"read": "readable", "write": "writable", "seek": "seekable"}[what], None)
    return not callable(able) or bool(able())


def _path(path: Any, where: str) -> str:
    """`path` as a str: a str, bytes or os.PathLike (os.fsdecode's own refusal names no op)."""
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise TypeError(f"{where}: path must be a file name (str, bytes or os.PathLike) or a binary "
                        f"file object, got {type(path).__name__}")
    return os.fsdecode(path)


def _bad(path: str, why: str) -> ValueError:
    return ValueError(f"load: {path!r} is not a state dict saved by autograd_mini.save: {why}")


def _load_options(map_location: Any, weights_only: Any) -> None:
    """Check torch.load's map_location and weights_only: the arrays are numpy's, on the
    CPU, so the only place to map them to is the CPU; and every load is weights-only.
    A callable map_location (torch's `lambda storage, loc: storage`) is taken and never
    called: there is nowhere else to put the arrays."""
    places = list(map_location.values()) if isinstance(map_location, dict) else [map_location]
    if not (map_location is None or callable(map_location) or all(_is_cpu(p) for p in places)):
        raise ValueError(f"load: map_location {map_location!r} is not available: arrays here are numpy's, "
                         "on the CPU, so the only place to load them to is 'cpu' (or None)")
    if weights_only is not None and not isinstance(weights_only, (bool, np.bool_)):
        raise TypeError(f"load: weights_only must be True, False or None, got {weights_only!r}")


def load(path: str | bytes | os.PathLike | IO[bytes], map_location: Any = None, *,
         weights_only: bool | None = None) -> dict[str, Any]:
    """Read a state dict written by `save`: the same nested structure, types and bits.

    `path` is a file name or a readable, seekable binary file object.
    torch.load's `map_location` is taken when it names the CPU ('cpu', 'cpu:0',
    am.device('cpu'), None, or a dict mapping devices to those; anything else, as 'cuda'
    or am.device('cuda'), is a ValueError) or is a callable (torch's
    `lambda storage, loc: storage`: accepted and never called, since the arrays stay
    numpy's), and
    `weights_only` (True, False or None) changes nothing: loading never unpickles.

    Raises FileNotFoundError if `path` does not exist and ValueError (naming the
    path) if it is not an .npz archive written by `save`: no header, a header
    of another format, entries that the header does not account for, or arrays
    of pickled objects (never unpickled).
    """
    _load_options(map_location, weights_only)
    if _is_file(path, "load"):
        if not _can(path, "read") or not _can(path, "seek"):
            raise TypeError(f"load: a file object must be readable and seekable (a zip archive's "
                            f"index is at its end), got {type(path).__name__}")
        source, path = path, f"<{type(path).__name__}>"  # (path: the name the errors give)
    else:
        source = path = _path(path, "load")
        if not os.path.exists(path):
            raise FileNotFoundError(f"load: no such file: {path!r}")
    if not zipfile.is_zipfile(source):
        raise _bad(path, "it is not an .npz (zip) archive")
    try:
        arrays = _read_members(source)
    except (ValueError, SyntaxError, tokenize.TokenError) as e:
        # (numpy refuses object arrays without pickle; or a cut-off entry; or a damaged .npy
        # header, parsed before the member's CRC is checked: numpy's tokenizer raises
        # TokenError for an unbalanced bracket, numpy.dtype SyntaxError for a descr ',f2')
        why = "an entry cannot be read without pickle" if "pickle" in str(e) else "an entry is damaged"
        raise _bad(path, f"{why} ({e})") from None
    except (OSError, zipfile.BadZipFile, EOFError, NotImplementedError, RuntimeError) as e:
        # (zipfile reads a damaged central directory's flags, version or compression
        # method as a feature it lacks, NotImplementedError, or as encryption, RuntimeError)
        raise _bad(path, f"the archive is damaged ({e})") from None
    if HEADER not in arrays:
        raise _bad(path, f"it has no {HEADER!r} entry (a plain .npz? read it with numpy.load)")
    header_arr = arrays.pop(HEADER)
    try:
        if header_arr.dtype.kind != "U" or header_arr.ndim != 0:
            raise ValueError("not a 0-d string")
        header = json.loads(str(header_arr))
    except RecursionError:
        raise _bad(path, "its header is nested too deeply") from None
    except ValueError as e:
        raise _bad(path, f"its header is not valid JSON ({e})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT or "tree" not in header:
        raise _bad(path, "its header does not describe an autograd_mini state dict")
    if header.get("version") != VERSION:
        raise _bad(path, f"format version {header.get('version')!r}, this version reads {VERSION}")
    used: set[str] = set()
    try:
        obj = _unflatten(header["tree"], arrays, used)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError) as e:
        raise _bad(path, f"its header does not match its entries ({type(e).__name__}: {e})") from None
    extra = set(arrays) - used
    if extra:
        raise _bad(path, f"unexpected entries {sorted(extra)}")
    if not isinstance(obj, dict):
        raise _bad(path, "its root is not a dict")
    return obj


def _read_members(source: Any) -> dict[str, np.ndarray]:
    """Every .npy member of the archive (a file name or a file object), named without that suffix."""
    arrays = {}
    with zipfile.ZipFile(source) as z:
        for member in z.namelist():
            if not member.endswith(".npy"):
                raise zipfile.BadZipFile(f"the member {member!r} is not an .npy array")
            with z.open(member) as f:
                _check_entry_size(f, z.getinfo(member).file_size, member)
                f.seek(0)
                arrays[member[: -len(".npy")]] = np.lib.format.read_array(f, allow_pickle=False)
                # Read to the member's end: zipfile checks its CRC only there, so damage in
                # the data itself shows (the header's size was checked above; a header of
                # another version describing fewer bytes than the member holds shows here).
                if f.read(1):
                    raise ValueError(f"the entry {member!r} holds more data than its header describes")
    return arrays


def _check_entry_size(f: Any, size: int, member: str) -> None:
    """Raise ValueError if the .npy header of member (open as f, `size` bytes long)
    describes another number of bytes than the member holds: numpy allocates what the
    header asks for before reading any of it, so a damaged shape asking for petabytes
    raised a bare MemoryError. (Headers of version 1.0 and 2.0, which save writes for
    numeric arrays; read_array checks the others.)"""
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(f)
    elif version == (2, 0):
        shape, _, dtype = np.lib.format.read_array_header_2_0(f)
    else:
        return
    if dtype.hasobject:  # (read_array refuses it without pickle, and says so)
        return
    described = math.prod(shape) * dtype.itemsize
    held = size - f.tell()
    if described != held:
        raise ValueError(f"the entry {member!r} holds {held} bytes of data, its header "
                         f"describes {described} (shape {shape}, dtype {dtype})")


def _unflatten(node: dict, arrays: dict[str, np.ndarray], used: set[str]) -> Any:
    """Rebuild the object described by one header node (inverse of `_flatten`)."""
    if not isinstance(node, dict) or len(node) not in (1, 2):
        raise ValueError(f"malformed node {node!r}")
    kind = next(iter(node))
    value = node[kind]
    if kind == "dict":
        out = {}
        for k, v in value:
            if isinstance(k, bool) or not isinstance(k, (str, int)):
                raise TypeError(f"bad key {k!r}")
            out[k] = _unflatten(v, arrays, used)
        return out
    if kind == "list":
        return [_unflatten(v, arrays, used) for v in value]
    if kind == "tuple":
        return tuple(_unflatten(v, arrays, used) for v in value)
    if kind == "value":
        if value is not None and not isinstance(value, (bool, str)):
            raise TypeError(f"bad value {value!r}")
        return value
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    if kind == "complex":
        return complex(float(value[0]), float(value[1]))
    if kind in ("array", "tensor", "scalar"):
        if value in used:
            raise ValueError(f"entry {value!r} used twice")
        arr = arrays[value]
        used.add(value)
        if kind == "array":
            return arr
        if kind == "scalar":
            return arr[()]
        return Tensor(arr, requires_grad=bool(node.get("requires_grad", False)))
    raise ValueError(f"unknown node kind {kind!r}")
