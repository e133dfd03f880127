"""save / load without pickle: nothing in a file is ever executed.

File layout: the 8-byte magic ``TLSAVE01``, an 8-byte little-endian header length, a UTF-8 JSON
header describing the object tree and each tensor (dtype, shape, byte offset and size), then
the raw tensor bytes. Writes go to a temporary file that is fsynced and renamed over the
target, so an interrupted save never leaves a half-written checkpoint. Loading validates every
field and refuses anything malformed with a clear error.

Supported: nested dicts (including OrderedDict), lists and tuples of tensors (Parameters stay
Parameters), ints, floats (nan/inf too), bools, strings and None; dict keys may be str, int,
float, bool or None. Tensors that are the same object are stored once.
"""
from __future__ import annotations

import collections
import json
import math
import os
import struct
import tempfile

import numpy as np

from . import dtypes as _dt
from .device import device as _device
from .ops.creation import tensor
from .tensor import Tensor

__all__ = ["save", "load", "SerializationError"]

MAGIC = b"TLSAVE01"
_MAX_DEPTH = 200
_DTYPES = {d.name: d for d in _dt.ALL_DTYPES}


class SerializationError(ValueError):
    """A file that is not a valid tensorlite checkpoint (truncated, malformed or unsupported)."""


def save(obj, f) -> None:
    """Write ``obj`` to the path ``f`` atomically (temporary file + fsync + rename).

    Example: ``tensorlite.save({"model": model.state_dict(), "epoch": 3}, "ckpt.tl")``.
    """
    tensors, blobs = [], []
    index_of = {}

    def encode(value, depth):
        if depth > _MAX_DEPTH:
            raise ValueError("save: object nesting is too deep (or contains a cycle)")
        if isinstance(value, Tensor):
            if id(value) not in index_of:
                host = np.asarray(value.detach().numpy(), order="C")  # ascontiguousarray makes 0-d 1-d
                index_of[id(value)] = len(tensors)
                tensors.append({"dtype": value.dtype.name, "shape": list(host.shape),
                                "requires_grad": bool(value.requires_grad),
                                "parameter": type(value).__name__ == "Parameter"})
                blobs.append(host.tobytes())
            return {"tensor": index_of[id(value)]}
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, int):
            return {"int": str(value)}
        if isinstance(value, float):
            return {"float": repr(value)} if not math.isfinite(value) else value
        if isinstance(value, (dict, collections.OrderedDict)):
            return {"odict" if isinstance(value, collections.OrderedDict) else "dict":
                    [[encode_key(k), encode(v, depth + 1)] for k, v in value.items()]}
        if isinstance(value, list):
            return {"list": [encode(v, depth + 1) for v in value]}
        if isinstance(value, tuple):
            return {"tuple": [encode(v, depth + 1) for v in value]}
        raise TypeError(f"save: cannot store an object of type {type(value).__name__}; supported are "
                        f"tensors, dicts, lists, tuples, int, float, bool, str and None")

    def encode_key(key):
        if key is not None and not isinstance(key, (str, int, float, bool)):
            raise TypeError(f"save: dict keys must be str, int, float, bool or None, got {type(key).__name__}")
        return encode(key, 0)

    root = encode(obj, 0)
    offset = 0
    for meta, blob in zip(tensors, blobs):
        meta["offset"], meta["nbytes"] = offset, len(blob)
        offset += len(blob)
    header = json.dumps({"format": "tensorlite", "version": 1, "root": root, "tensors": tensors},
                        separators=(",", ":")).encode("utf-8")
    atomic_write(f, [MAGIC + struct.pack("<Q", len(header)) + header] + blobs)


def atomic_write(path, chunks) -> None:
    """Write the byte strings in ``chunks`` to ``path`` through a temporary file in the same
    folder, fsynced and renamed over the target: the old file stays whole until the new one is."""
    path = os.fspath(path)
    fd, temporary = tempfile.mkstemp(prefix=".tmp-", dir=os.path.dirname(os.path.abspath(path)))
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def load(f, map_location=None, weights_only: bool = True):
    """Read an object written by ``save``. ``map_location``: a device for every tensor.

    Never executes code from the file; a truncated, malformed or hostile file raises
    SerializationError naming the problem.
    """
    path = os.fspath(f)
    with open(path, "rb") as handle:
        content = handle.read()
    if len(content) < 16 or content[:8] != MAGIC:
        raise SerializationError(f"{path}: not a tensorlite checkpoint (bad magic number; files "
                                 f"are written by tensorlite.save)")
    (header_length,) = struct.unpack("<Q", content[8:16])
    if header_length > len(content) - 16:
        raise SerializationError(f"{path}: truncated file (header of {header_length} bytes, file "
                                 f"has {len(content) - 16})")
    try:
        header = json.loads(content[16:16 + header_length].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SerializationError(f"{path}: malformed header ({error})") from None
    if not isinstance(header, dict) or header.get("format") != "tensorlite" or header.get("version") != 1:
        raise SerializationError(f"{path}: unsupported checkpoint format or version")
    data = memoryview(content)[16 + header_length:]
    device = _device(map_location) if map_location is not None else None
    tensors = [_read_tensor(meta, data, path, device) for meta in _list(header.get("tensors"), path)]
    return _decode(header.get("root"), tensors, path, 0)


def _list(value, path):
    if not isinstance(value, list):
        raise SerializationError(f"{path}: malformed header (expected a list)")
    return value


def _read_tensor(meta, data, path, device):
    if not isinstance(meta, dict):
        raise SerializationError(f"{path}: malformed tensor entry")
    dtype = _DTYPES.get(meta.get("dtype"))
    shape = meta.get("shape")
    offset, nbytes = meta.get("offset"), meta.get("nbytes")
    if dtype is None:
        raise SerializationError(f"{path}: unsupported dtype {meta.get('dtype')!r}")
    if not isinstance(shape, list) or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0
                                              for s in shape):
        raise SerializationError(f"{path}: invalid tensor shape {shape!r}")
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (offset, nbytes)):
        raise SerializationError(f"{path}: invalid tensor offset/size")
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize if shape else dtype.itemsize
    if nbytes != expected:
        raise SerializationError(f"{path}: tensor of shape {shape} and dtype {dtype.name} needs "
                                 f"{expected} bytes, the header says {nbytes}")
    if offset + nbytes > len(data):
        raise SerializationError(f"{path}: truncated file (tensor data ends at byte {offset + nbytes} "
                                 f"of {len(data)})")
    host = np.frombuffer(data[offset:offset + nbytes], dtype=dtype.numpy).reshape(shape)
    t = tensor(host, dtype=dtype, device=device or "cpu")
    if meta.get("parameter") is True:
        from .nn.parameter import Parameter
        return Parameter(t, requires_grad=bool(meta.get("requires_grad")))
    if meta.get("requires_grad") is True and dtype.is_floating_point:
        t.requires_grad = True
    return t


def _decode(node, tensors, path, depth):
    if depth > _MAX_DEPTH:
        raise SerializationError(f"{path}: object nesting is too deep")
    if node is None or isinstance(node, (bool, str, float)):
        return node
    if isinstance(node, int):
        return node
    if not isinstance(node, dict) or len(node) != 1:
        raise SerializationError(f"{path}: malformed object tree")
    (kind, value), = node.items()
    if kind == "tensor":
        if not isinstance(value, int) or not 0 <= value < len(tensors):
            raise SerializationError(f"{path}: reference to a missing tensor {value!r}")
        return tensors[value]
    if kind == "int" and isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            raise SerializationError(f"{path}: invalid integer {value[:20]!r}") from None
    if kind == "float" and value in ("nan", "inf", "-inf"):
        return float(value)
    if kind in ("list", "tuple") and isinstance(value, list):
        items = [_decode(v, tensors, path, depth + 1) for v in value]
        return items if kind == "list" else tuple(items)
    if kind in ("dict", "odict") and isinstance(value, list):
        out = collections.OrderedDict() if kind == "odict" else {}
        for pair in value:
            if not isinstance(pair, list) or len(pair) != 2:
                raise SerializationError(f"{path}: malformed dict entry")
            key = _decode(pair[0], tensors, path, depth + 1)
            if key is not None and not isinstance(key, (str, int, float, bool)):
                raise SerializationError(f"{path}: unsupported dict key")
            out[key] = _decode(pair[1], tensors, path, depth + 1)
        return out
    raise SerializationError(f"{path}: unknown entry {kind!r} in the object tree")
