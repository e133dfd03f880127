"""The safetensors format, read and written without the ``safetensors`` package.

Layout (https://github.com/huggingface/safetensors): an 8-byte little-endian header size N,
N bytes of UTF-8 JSON ``{name: {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]},
"__metadata__": {str: str}}``, then the tensor bytes (little-endian, row-major), with offsets
relative to the start of that buffer. A state_dict saved from PyTorch with
``safetensors.torch.save_file`` loads here and gives the same module outputs.
"""
from __future__ import annotations

import json
import os
import struct

import numpy as np

from . import dtypes as _dt
from .device import device as _device
from .serialization import atomic_write
from .ops.creation import tensor
from .tensor import Tensor

__all__ = ["save_file", "load_file", "SafetensorsError"]

_CODES = {"F64": _dt.float64, "F32": _dt.float32, "F16": _dt.float16, "I64": _dt.int64,
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
    """Read every tensor of a safetensors file into a dict (in file order)."""
    path = os.fspath(filename)
    with open(path, "rb") as handle:
        content = handle.read()
    if len(content) < 8:
        raise SafetensorsError(f"{path}: too short for a safetensors file")
    (size,) = struct.unpack("<Q", content[:8])
    if size > min(_MAX_HEADER, len(content) - 8):
        raise SafetensorsError(f"{path}: header size {size} exceeds the file ({len(content)} bytes)")
    try:
        header = json.loads(content[8:8 + size].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SafetensorsError(f"{path}: malformed header ({error})") from None
    if not isinstance(header, dict):
        raise SafetensorsError(f"{path}: the header is not a JSON object")
    buffer = memoryview(content)[8 + size:]
    target = _device(device)
    out, spans = {}, []
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        if not isinstance(meta, dict) or meta.get("dtype") not in _CODES:
            raise SafetensorsError(f"{path}: tensor {name!r} has an unsupported dtype "
                                   f"{meta.get('dtype') if isinstance(meta, dict) else meta!r}")
        dtype, shape, offsets = _CODES[meta["dtype"]], meta.get("shape"), meta.get("data_offsets")
        if not isinstance(shape, list) or not all(isinstance(s, int) and s >= 0 for s in shape):
            raise SafetensorsError(f"{path}: tensor {name!r} has an invalid shape {shape!r}")
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(isinstance(o, int) for o in offsets)
                and 0 <= offsets[0] <= offsets[1] <= len(buffer)):
            raise SafetensorsError(f"{path}: tensor {name!r} has invalid data_offsets {offsets!r} "
                                   f"(buffer is {len(buffer)} bytes)")
        count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if offsets[1] - offsets[0] != count * dtype.itemsize:
            raise SafetensorsError(f"{path}: tensor {name!r} of shape {shape} ({meta['dtype']}) needs "
                                   f"{count * dtype.itemsize} bytes, data_offsets give {offsets[1] - offsets[0]}")
        spans.append(tuple(offsets))
        host = np.frombuffer(buffer[offsets[0]:offsets[1]], dtype=dtype.numpy.newbyteorder("<"))
        host = host.astype(dtype.numpy).reshape(shape)
        out[name] = tensor(host, dtype=dtype, device=target)
    position = 0
    for begin, end in sorted(spans):
        if begin != position:
            raise SafetensorsError(f"{path}: the data buffer has a gap or overlap at byte {begin}")
        position = end
    if position != len(buffer):
        raise SafetensorsError(f"{path}: {len(buffer) - position} trailing bytes after the last tensor")
    return out
