"""The IDX file format of MNIST, Fashion-MNIST and KMNIST (gzip or raw).

Header: two zero bytes, a type code (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32,
0x0E float64), the number of dimensions, then each dimension as a big-endian uint32; then the
values, big-endian, row-major.
"""
from __future__ import annotations

import gzip
import os
import struct

import numpy as np

__all__ = ["read_idx", "write_idx", "IDXError"]

_TYPES = {0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
          0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
_CODES = {np.dtype(v).newbyteorder("="): k for k, v in _TYPES.items()}


class IDXError(ValueError):
    """A file that is not a valid IDX file (wrong magic, truncated, inconsistent sizes).

    Example:
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "bad.idx")
    >>> _ = open(path, "wb").write(b"not idx")
    >>> try:
    ...     tl.data.read_idx(path)
    ... except tl.data.IDXError:
    ...     print("invalid")
    invalid
    """


def _read_bytes(path) -> bytes:
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError) as error:
            raise IDXError(f"{path}: corrupt or truncated gzip data ({error})") from None
    return raw


def read_idx(path) -> np.ndarray:
    """The array stored in an IDX file (``.gz`` or raw), in native byte order.

    Example:
    >>> import os, tempfile
    >>> import numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "labels.idx.gz")
    >>> tl.data.write_idx(path, np.array([3, 1, 4], dtype=np.uint8))
    >>> tl.data.read_idx(path)
    array([3, 1, 4], dtype=uint8)
    """
    raw = _read_bytes(path)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise IDXError(f"{path}: not an IDX file (the magic number must start with two zero bytes)")
    code, ndim = raw[2], raw[3]
    if code not in _TYPES:
        raise IDXError(f"{path}: unknown IDX element type 0x{code:02x}")
    if ndim == 0 or len(raw) < 4 + 4 * ndim:
        raise IDXError(f"{path}: truncated IDX header ({ndim} dimensions)")
    shape = struct.unpack(f">{ndim}I", raw[4:4 + 4 * ndim])
    dtype = _TYPES[code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    body = raw[4 + 4 * ndim:]
    if len(body) != expected:
        raise IDXError(f"{path}: header says {shape} of {dtype.name} ({expected} bytes) but the file "
                       f"holds {len(body)} bytes of data ({'truncated' if len(body) < expected else 'trailing bytes'})")
    return np.frombuffer(body, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))


def write_idx(path, array, compress: bool | None = None) -> None:
    """Write ``array`` as IDX (gzip when the path ends in .gz or compress=True).

    Example:
    >>> import os, tempfile
    >>> import numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "images.idx")
    >>> tl.data.write_idx(path, np.zeros((2, 3, 3), dtype=np.uint8))
    >>> tl.data.read_idx(path).shape
    (2, 3, 3)
    """
    array = np.asarray(array)
    code = _CODES.get(array.dtype)
    if code is None:
        raise TypeError(f"write_idx: dtype {array.dtype} has no IDX type code")
    payload = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape) + \
        np.ascontiguousarray(array).astype(_TYPES[code]).tobytes()
    if compress or (compress is None and os.fspath(path).endswith(".gz")):
        payload = gzip.compress(payload)
    with open(path, "wb") as f:
        f.write(payload)
