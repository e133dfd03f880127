"""The safetensors format, read and written without the ``safetensors`` package.

Layout (https://github.com/huggingface/safetensors): an 8-byte little-endian header size N,
N bytes of UTF-8 JSON ``{name: {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]},
"__metadata__": {str: str}}``, then the tensor bytes (little-endian, row-major), with offsets
relative to the start of that buffer. A state_dict saved from PyTorch with
``safetensors.torch.save_file`` loads here and gives the same module outputs.
"""
from __future__ import annotations

import json
import math
import os
import struct

import numpy as np

from . import dtypes as _dt
from .device import device as _device
from .serialization import atomic_write, checked_shape, parse_json_header, read_regular_file
from .ops.creation import tensor
from .tensor import Tensor

__all__ = ["save_file", "load_file", "SafetensorsError"]

_CODES = {"F64": _dt.float64, "F32": _dt.float32, "F16": _dt.float16, "BF16": _dt.bfloat16, "I64": _dt.int64,
          "I32": _dt.int32, "I16": _dt.int16, "I8": _dt.int8, "U8": _dt.uint8, "BOOL": _dt.bool_}
_NAMES = {d.name: code for code, d in _CODES.items()}
_MAX_HEADER = 100 * 1024 * 1024


class SafetensorsError(ValueError):
    """A file that is not valid safetensors."""


def save_file(tensors: dict, filename, metadata: dict | None = None) -> None:
    """Write a dict of tensors (e.g. a state_dict) as safetensors, atomically."""
    header, blobs, offset = {}, [], 0
    if metadata is not None:
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise ValueError("safetensors metadata must map str to str")
        header["__metadata__"] = dict(metadata)
    for name, t in tensors.items():
        if not isinstance(name, str) or not isinstance(t, Tensor):
            raise TypeError(f"save_file: expected str -> Tensor, got {type(name).__name__} -> "
                            f"{type(t).__name__}")
        if t.dtype.name not in _NAMES:
            raise ValueError(f"save_file: dtype {t.dtype.name} has no safetensors code")
        # asarray, not ascontiguousarray: that one turns 0-d arrays into shape [1]
        host = np.asarray(t.detach().numpy(), order="C").astype(t.dtype.numpy.newbyteorder("<"), copy=False)
        blob = host.tobytes()
        header[name] = {"dtype": _NAMES[t.dtype.name], "shape": list(host.shape),
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    encoded = json.dumps(header, separators=(",", ":")).encode("utf-8")
    encoded += b" " * (-len(encoded) % 8)  # the buffer starts 8-byte aligned
    atomic_write(filename, [struct.pack("<Q", len(encoded)) + encoded] + blobs)


def load_file(filename, device="cpu") -> dict:
    """Read every tensor of a safetensors file into a dict (in file order) on ``device``.

    Reads only a regular file and never executes anything from it. Errors: ``SafetensorsError``
    (a ``ValueError``) for anything that is not valid safetensors (not a regular file, a header
    larger than the file, malformed JSON, an unknown dtype, an invalid or oversized shape, data
    offsets outside the buffer or with gaps); ``OSError`` when the file cannot be opened.

    Example: ``model.load_state_dict(load_file("model.safetensors"))``.
    """
    path = os.fspath(filename)
    content = read_regular_file(path, SafetensorsError)
    if len(content) < 8:
        raise SafetensorsError(f"{path}: too short for a safetensors file")
    (size,) = struct.unpack("<Q", content[:8])
    if size > min(_MAX_HEADER, len(content) - 8):
        raise SafetensorsError(f"{path}: header size {size} exceeds the file ({len(content)} bytes)")
    header = parse_json_header(content[8:8 + size], path, SafetensorsError)
    if not isinstance(header, dict):
        raise SafetensorsError(f"{path}: the header is not a JSON object")
    buffer = memoryview(content)[8 + size:]
    target = _device(device)
    out, spans = {}, []
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        if not isinstance(meta, dict) or not isinstance(meta.get("dtype"), str) or meta["dtype"] not in _CODES:
            raise SafetensorsError(f"{path}: tensor {name[:80]!r} has an unsupported dtype "
                                   f"{str(meta.get('dtype') if isinstance(meta, dict) else meta)[:40]!r}")
        dtype, offsets = _CODES[meta["dtype"]], meta.get("data_offsets")
        shape = checked_shape(meta.get("shape"), dtype.itemsize)
        if shape is None:
            raise SafetensorsError(f"{path}: tensor {name[:80]!r} has an invalid shape "
                                   f"{str(meta.get('shape'))[:80]} (at most 64 non-negative ints, "
                                   f"under 2**62 bytes in all)")
        if not (isinstance(offsets, list) and len(offsets) == 2
                and all(isinstance(o, int) and not isinstance(o, bool) for o in offsets)
                and 0 <= offsets[0] <= offsets[1] <= len(buffer)):
            raise SafetensorsError(f"{path}: tensor {name[:80]!r} has invalid data_offsets "
                                   f"{str(offsets)[:80]} (buffer is {len(buffer)} bytes)")
        count = math.prod(shape)
        if offsets[1] - offsets[0] != count * dtype.itemsize:
            raise SafetensorsError(f"{path}: tensor {name[:80]!r} of shape {list(shape)} ({meta['dtype']}) "
                                   f"needs {count * dtype.itemsize} bytes, data_offsets give "
                                   f"{offsets[1] - offsets[0]}")
        spans.append((name, dtype, shape, offsets))
    position = 0
    for begin, end in sorted(offsets for _, _, _, offsets in spans):
        if begin != position:
            raise SafetensorsError(f"{path}: the data buffer has a gap or overlap at byte {begin}")
        position = end
    if position != len(buffer):
        raise SafetensorsError(f"{path}: {len(buffer) - position} trailing bytes after the last tensor")
    for name, dtype, shape, (begin, end) in spans:
        host = np.frombuffer(buffer[begin:end], dtype=dtype.numpy.newbyteorder("<"))
        out[name] = tensor(host.astype(dtype.numpy).reshape(shape), dtype=dtype, device=target)
    return out
