"""save / load without pickle: nothing in a file is ever executed.

File layout: the 8-byte magic ``TLSAVE01``, an 8-byte little-endian header length, a UTF-8 JSON
header describing the object tree and each tensor (dtype, shape, byte offset and size), then
the raw tensor bytes. Writes go to a temporary file that is fsynced and renamed over the
target, so an interrupted save never leaves a half-written checkpoint (and the temporary a
killed writer left is removed by the next save of the same file). Loading reads only regular
files, validates every field and refuses anything malformed with SerializationError.

Supported: nested dicts (including OrderedDict), lists and tuples of tensors (Parameters stay
Parameters), ints, floats (nan/inf too), bools, strings and None, and NumPy arrays and scalars
of the tensor dtypes (loaded back as NumPy arrays and scalars, as ``torch.save`` keeps them);
dict keys may be str, int, float, bool or None. Tensors that are the same object are stored once, and views of one base
keep sharing memory.
"""
from __future__ import annotations

import collections
import json
import math
import os
import re
import secrets
import stat
import struct
import time

import numpy as np

from . import dtypes as _dt
from .device import device as _device
from .autograd.grad_mode import set_grad_enabled
from .nn.parameter import Parameter
from .ops.creation import tensor
from .ops.indexing import Slice
from .ops.movement import Expand, Permute, Reshape, View
from .tensor import Tensor

__all__ = ["save", "load", "SerializationError"]

MAGIC = b"TLSAVE01"
_MAX_DEPTH = 200
_DTYPES = {d.name: d for d in _dt.ALL_DTYPES}


class SerializationError(ValueError):
    """A file that is not a valid tensorlite checkpoint (truncated, malformed or unsupported)."""


def save(obj, f) -> None:
    """Write ``obj`` to ``f``: a path, written atomically (temporary file + fsync + rename), or a
    binary file object such as ``io.BytesIO``.

    Tensors that share memory keep sharing it after ``load`` (as with ``torch.save``): views of
    one base are stored as the base's data once plus each view's chain of view ops, so writing
    into a loaded view changes the loaded base. A tensor whose base is not shared is stored on
    its own (a small slice of a large tensor stores only the slice).

    Example: ``tensorlite.save({"model": model.state_dict(), "epoch": 3}, "ckpt.tl")``.
    """
    tensors, blobs = [], []
    index_of = {}
    shared_roots = _shared_roots(obj)
    copies = []  # the tensors made from NumPy values stay alive: index_of is keyed by id()

    def store(value):
        if id(value) in index_of:
            return index_of[id(value)]
        root = value._base if value._base is not None else value
        chain = _encode_chain(value._view_chain) if id(root) in shared_roots and root is not value else None
        if chain is not None:
            meta = {"view_of": store(root), "chain": chain, "requires_grad": bool(value.requires_grad)}
        else:
            host = np.asarray(value.detach().numpy(), order="C")  # ascontiguousarray makes 0-d 1-d
            meta = {"dtype": value.dtype.name, "shape": list(host.shape), "device": str(value.device),
                    "requires_grad": bool(value.requires_grad),
                    "parameter": type(value).__name__ == "Parameter", "blob": len(blobs)}
            blobs.append(host.tobytes())
        index_of[id(value)] = len(tensors)
        tensors.append(meta)
        return index_of[id(value)]

    def encode(value, depth):
        if depth > _MAX_DEPTH:
            raise ValueError("save: object nesting is too deep (or contains a cycle)")
        if isinstance(value, Tensor):
            return {"tensor": store(value)}
        if isinstance(value, (np.ndarray, np.generic)):
            copies.append(_numpy_as_tensor(value))
            return {"ndarray" if isinstance(value, np.ndarray) else "npscalar": store(copies[-1])}
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
        if callable(getattr(value, "state_dict", None)):  # a Module, an Optimizer, a scheduler
            raise TypeError(f"save: cannot store a whole {type(value).__name__} object (a file "
                            f"holds data, never code or classes); save its state_dict() instead: "
                            f"tensorlite.save(obj.state_dict(), path), then "
                            f"obj.load_state_dict(tensorlite.load(path)) on a new {type(value).__name__}")
        raise TypeError(f"save: cannot store an object of type {type(value).__name__}; supported are "
                        f"tensors, NumPy arrays, dicts, lists, tuples, int, float, bool, str and None")

    def encode_key(key):
        if key is not None and not isinstance(key, (str, int, float, bool)):
            raise TypeError(f"save: dict keys must be str, int, float, bool or None, got {type(key).__name__}")
        return encode(key, 0)

    root = encode(obj, 0)
    offset = 0
    for meta in tensors:
        if "blob" in meta:
            blob = blobs[meta.pop("blob")]
            meta["offset"], meta["nbytes"] = offset, len(blob)
            offset += len(blob)
    header = json.dumps({"format": "tensorlite", "version": 1, "root": root, "tensors": tensors},
                        separators=(",", ":")).encode("utf-8")
    chunks = [MAGIC + struct.pack("<Q", len(header)) + header] + blobs
    if hasattr(f, "write"):  # a binary file object (io.BytesIO, an open file), as torch.save takes
        for chunk in chunks:
            f.write(chunk)
        return
    atomic_write(f, chunks)


def _numpy_as_tensor(value) -> Tensor:
    """A CPU tensor holding a copy of a NumPy array or scalar (TypeError for other dtypes)."""
    try:
        _dt.from_numpy_dtype(value.dtype)
    except TypeError:
        raise TypeError(f"save: cannot store a NumPy {type(value).__name__} of dtype {value.dtype}; "
                        f"supported dtypes are {', '.join(d.name for d in _dt.ALL_DTYPES)}") from None
    return tensor(np.array(value), device="cpu")


def _shared_roots(obj) -> set:
    """ids of the bases that two or more distinct tensors in ``obj`` share (a base counts as
    one of them when it is in ``obj`` itself)."""
    members = {}
    stack = [(obj, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > _MAX_DEPTH:
            continue  # encode reports it
        if isinstance(value, Tensor):
            root = value._base if value._base is not None else value
            members.setdefault(id(root), set()).add(id(value))
        elif isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, (list, tuple)):
            stack.extend((v, depth + 1) for v in value)
    return {root for root, views in members.items() if len(views) > 1}


# The ops whose outputs alias their input (Function._is_view), by the name stored in a file.
_VIEW_OPS = {"Reshape": Reshape, "View": View, "Permute": Permute, "Expand": Expand, "Slice": Slice}
_VIEW_OP_NAMES = {cls: name for name, cls in _VIEW_OPS.items()}
_MAX_CHAIN = 256


def _encode_chain(chain):
    """A view chain as JSON ([[op name, args], ...]), or None when it holds something else."""
    if not chain or len(chain) > _MAX_CHAIN:
        return None
    encoded = []
    for op_cls, args, kwargs in chain:
        name = _VIEW_OP_NAMES.get(op_cls)
        if name is None or kwargs:
            return None
        try:
            encoded.append([name, [_encode_index(a) for a in args]])
        except TypeError:
            return None
    return encoded


def _encode_index(value):
    """ints, None, Ellipsis, slices and tuples of them: the arguments of the view ops."""
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    if value is Ellipsis:
        return {"ellipsis": None}
    if isinstance(value, slice):
        return {"slice": [_encode_index(value.start), _encode_index(value.stop), _encode_index(value.step)]}
    if isinstance(value, (tuple, list)):
        return {"tuple": [_encode_index(v) for v in value]}
    raise TypeError(f"not a view-op argument: {type(value).__name__}")


def _decode_index(node, path):
    if node is None or (isinstance(node, int) and not isinstance(node, bool)):
        return node
    if isinstance(node, dict) and len(node) == 1:
        (kind, value), = node.items()
        if kind == "ellipsis" and value is None:
            return Ellipsis
        if kind == "slice" and isinstance(value, list) and len(value) == 3 and \
                all(v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in value):
            return slice(*value)
        if kind == "tuple" and isinstance(value, list) and len(value) <= 64:
            return tuple(_decode_index(v, path) for v in value)
    raise SerializationError(f"{path}: malformed view argument {str(node)[:80]}")


def _read_view(meta, tensors, path):
    """Replay a stored view chain on the already loaded base: the result shares its memory."""
    base, chain = meta.get("view_of"), meta.get("chain")
    if not isinstance(base, int) or isinstance(base, bool) or not 0 <= base < len(tensors):
        raise SerializationError(f"{path}: a view of a missing tensor {str(base)[:20]}")
    if not isinstance(chain, list) or not 0 < len(chain) <= _MAX_CHAIN:
        raise SerializationError(f"{path}: malformed view chain")
    out = tensors[base]
    # a view of a parameter stays a differentiable view of it
    with set_grad_enabled(out.requires_grad and meta.get("requires_grad") is not False):
        for step in chain:
            if not (isinstance(step, list) and len(step) == 2 and isinstance(step[0], str) and step[0] in _VIEW_OPS
                    and isinstance(step[1], list) and len(step[1]) <= 4):
                raise SerializationError(f"{path}: malformed view chain step {str(step)[:80]}")
            args = [_decode_index(a, path) for a in step[1]]
            try:
                out = _VIEW_OPS[step[0]].apply(out, *args)
            except (RuntimeError, ValueError, IndexError, TypeError, OverflowError) as error:
                raise SerializationError(f"{path}: invalid view {step[0]}{str(tuple(args))[:80]} of a tensor "
                                         f"of shape {list(out.shape)} ({error})") from None
            if checked_shape(list(out.shape), out.dtype.itemsize) is None:
                raise SerializationError(f"{path}: a view of shape {list(out.shape)} is too large")
    return out


_TEMPORARY = ".{name}.tmp-{pid}-"  # + random suffix: the writer's pid tells a stale one apart
_STALE_AFTER_S = 3600.0  # a temporary this old is stale even if its pid was reused


def atomic_write(path, chunks) -> None:
    """Write the byte strings in ``chunks`` to ``path`` through a temporary file in the same
    folder, fsynced and renamed over the target: the old file stays whole until the new one is.

    A symlink is written through (its target is replaced, as ``torch.save`` does); the temporary
    ``.<name>.tmp-<pid>-<random>`` is removed on any error, and stale ones that killed writers
    left behind for the same target are removed first.
    """
    target = os.path.realpath(os.fspath(path))
    folder, name = os.path.split(target)
    _remove_stale_temporaries(folder, name)
    fd, temporary = _create_temporary(folder, name, target)
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        if os.path.lexists(temporary):
            os.unlink(temporary)
        raise
    _fsync_folder(folder)


def _create_temporary(folder: str, name: str, target: str):
    """A new temporary file next to ``target``, opened for writing, with the permissions the
    target has (a new target: 0o666 less the umask, as ``open(path, "w")`` would give; mkstemp's
    0o600 would make every checkpoint private)."""
    prefix = os.path.join(folder, _TEMPORARY.format(name=name, pid=os.getpid()))
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        mode = None
    while True:
        temporary = prefix + secrets.token_hex(4)
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
            break
        except FileExistsError:
            continue
    if mode is not None:
        try:
            os.chmod(temporary, mode)
        except OSError:
            pass  # not our file to re-mode (another owner): keep the umask's permissions
    return fd, temporary


def _remove_stale_temporaries(folder: str, name: str) -> None:
    """Delete temporaries of ``name`` whose writer process is gone or that are over an hour old."""
    pattern = re.compile(re.escape(f".{name}.tmp-") + r"(\d+)-[A-Za-z0-9_]+$")
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    now = time.time()
    for entry in entries:
        match = pattern.match(entry.name)
        if match is None:
            continue
        try:
            stale = not _process_alive(int(match.group(1))) or \
                now - entry.stat(follow_symlinks=False).st_mtime > _STALE_AFTER_S
            if stale:
                os.unlink(entry.path)
        except OSError:  # another saver removed it first, or it is not ours to remove
            pass


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # alive under another user, or not a pid we can judge: leave it to the age rule
    return True


def _fsync_folder(folder: str) -> None:
    """Make the rename itself durable (best effort: not every platform can open a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def read_regular_file(path: str, error: type) -> bytes:
    """The bytes of ``path``, refusing (with ``error``) anything but a regular file: a FIFO
    cannot hang the reader (opened non-blocking) and a device such as /dev/zero cannot make it
    read without end. Missing or unreadable files raise the usual OSError."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise error(f"{path}: not a regular file (a checkpoint is read only from a plain file)")
        chunks, left = [], info.st_size
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 24))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def load(f, map_location=None, weights_only: bool | None = None):
    """Read an object written by ``save`` from a path or a binary file object (from its current
    position).

    ``map_location``, as in ``torch.load``: None puts each tensor back on the device it was saved
    from (files written before devices were recorded load on the CPU); a device (``"cpu"``,
    ``"opencl:0"``, a ``Device``) puts every tensor there; a dict maps saved device names to new
    ones (``{"opencl:1": "opencl:0"}``; unlisted names stay); a callable ``fn(tensor, location)``
    gets each tensor loaded on the CPU and its saved device name and returns the tensor to use,
    or None for the default placement. A saved device that does not exist here raises
    RuntimeError: pass ``map_location="cpu"`` then.

    ``weights_only`` is accepted for PyTorch compatibility and changes nothing: loading never
    executes code from the file (the header is JSON, the data raw bytes), so True and False are
    equally safe and load the same objects (tensors, containers, numbers, strings). Errors:
    ``SerializationError`` (a ``ValueError``) for anything that is not a valid checkpoint: not a
    regular file (a FIFO, a device, a folder), a wrong magic number, a truncated file, a
    malformed or too deeply nested header, an unsupported dtype, an invalid or oversized shape,
    tensor data outside the file. ``OSError`` (e.g. FileNotFoundError) when the file cannot be
    opened.

    Example: ``state = tensorlite.load("ckpt.tl"); model.load_state_dict(state["model"])``.
    """
    fixed, place = _placement(map_location)  # a bad map_location fails before the file is read
    if hasattr(f, "read"):  # a binary file object, read from its current position
        path, content = repr(f), f.read()
        if not isinstance(content, bytes):
            raise TypeError(f"load: {path} must be opened in binary mode ('rb')")
    else:
        path = os.fspath(f)
        content = read_regular_file(path, SerializationError)
    if len(content) < 16 or content[:8] != MAGIC:
        raise SerializationError(f"{path}: not a tensorlite checkpoint (bad magic number; files "
                                 f"are written by tensorlite.save)")
    (header_length,) = struct.unpack("<Q", content[8:16])
    if header_length > len(content) - 16:
        raise SerializationError(f"{path}: truncated file (header of {header_length} bytes, file "
                                 f"has {len(content) - 16})")
    header = parse_json_header(content[16:16 + header_length], path, SerializationError)
    if not isinstance(header, dict) or header.get("format") != "tensorlite" or header.get("version") != 1:
        raise SerializationError(f"{path}: unsupported checkpoint format or version")
    data = memoryview(content)[16 + header_length:]
    saved_devices = {}  # spec -> Device, each resolved once
    tensors = []
    for meta in _list(header.get("tensors"), path):
        is_view = isinstance(meta, dict) and "view_of" in meta
        if is_view:
            tensors.append(_read_view(meta, tensors, path))
            continue
        # a fixed map_location ignores the saved device name, so a malformed one does not matter
        spec = None if fixed else _saved_spec(meta, path)
        tensors.append(_read_tensor(meta, data, path, place(spec, saved_devices)))
    return _decode(header.get("root"), tensors, path, 0)


def _placement(map_location):
    """``map_location`` as (fixed, ``place(saved spec, cache)``): place gives a Device, or a
    function that moves a tensor loaded on the CPU (the callable form); ``fixed`` when the
    saved device name plays no part."""
    if map_location is None:
        return False, lambda spec, cache: _resolve_saved(spec, cache)
    if isinstance(map_location, dict):
        targets = dict(map_location)
        for key in targets:
            if not isinstance(key, str):
                raise TypeError(f"load: map_location dict keys are saved device names such as "
                                f"'opencl:1', got {type(key).__name__}")
        return False, lambda spec, cache: (_device(targets[spec]) if spec in targets
                                           else _resolve_saved(spec, cache))
    if callable(map_location):
        def relocate(spec, cache):
            def move(loaded):
                moved = map_location(loaded, spec)
                if moved is None:
                    return loaded.to(_resolve_saved(spec, cache))
                if not isinstance(moved, Tensor):
                    raise TypeError(f"load: the map_location callable must return a tensor or None, "
                                    f"got {type(moved).__name__}")
                return moved.detach()
            return move
        return False, relocate
    try:
        device = _device(map_location)
    except TypeError:
        raise TypeError(f"load: map_location must be None, a device ('cpu', 'opencl:0', a Device), "
                        f"a dict of device names or a callable(tensor, location), got "
                        f"{type(map_location).__name__}") from None
    return True, lambda spec, cache: device


_DEVICE_SPEC = re.compile(r"[a-z]+(:[0-9]{1,4})?")


def _saved_spec(meta, path) -> str:
    """The name of the device a tensor was saved from (the CPU for files without one)."""
    spec = meta.get("device", "cpu") if isinstance(meta, dict) else "cpu"
    if not isinstance(spec, str) or not _DEVICE_SPEC.fullmatch(spec):
        raise SerializationError(f"{path}: invalid tensor device {str(spec)[:40]!r}")
    return spec


def _resolve_saved(spec, resolved):
    """The Device named ``spec``, or RuntimeError when it does not exist here (PyTorch's error
    for a missing CUDA device)."""
    if spec not in resolved:
        try:
            resolved[spec] = _device(spec)
        except (RuntimeError, ValueError) as error:
            raise RuntimeError(f"Attempting to deserialize object on device '{spec}' but it is not "
                               f"available ({error}). If you are running on a machine without it, "
                               f"please use tensorlite.load with map_location='cpu' to map your "
                               f"tensors to the CPU.") from None
    return resolved[spec]


def parse_json_header(raw: bytes, path: str, error: type):
    """The JSON header, or ``error``: bad UTF-8 or JSON, nesting deeper than the parser's
    recursion limit, integers beyond Python's digit limit."""
    try:
        return json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise error(f"{path}: malformed header (nested too deeply)") from None
    except (UnicodeDecodeError, ValueError) as problem:  # JSONDecodeError, too many digits
        raise error(f"{path}: malformed header ({problem})") from None


def checked_shape(shape, itemsize: int):
    """``shape`` as a tuple when it is a list of at most 64 non-negative ints whose elements
    (zero dims aside) fit in 2**62 bytes, else None."""
    if not isinstance(shape, list) or len(shape) > 64 or \
            not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in shape):
        return None
    if math.prod(max(s, 1) for s in shape) * itemsize >= 2 ** 62:
        return None
    return tuple(shape)


def _list(value, path):
    if not isinstance(value, list):
        raise SerializationError(f"{path}: malformed header (expected a list)")
    return value


def _read_tensor(meta, data, path, device):
    if not isinstance(meta, dict):
        raise SerializationError(f"{path}: malformed tensor entry")
    name = meta.get("dtype")
    dtype = _DTYPES.get(name) if isinstance(name, str) else None
    offset, nbytes = meta.get("offset"), meta.get("nbytes")
    if dtype is None:
        raise SerializationError(f"{path}: unsupported dtype {str(meta.get('dtype'))[:40]!r}")
    shape = checked_shape(meta.get("shape"), dtype.itemsize)
    if shape is None:
        raise SerializationError(f"{path}: invalid tensor shape {str(meta.get('shape'))[:80]} (a list "
                                 f"of at most 64 non-negative ints, under 2**62 bytes in all)")
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (offset, nbytes)):
        raise SerializationError(f"{path}: invalid tensor offset/size")
    expected = math.prod(shape) * dtype.itemsize
    if nbytes != expected:
        raise SerializationError(f"{path}: tensor of shape {list(shape)} and dtype {dtype.name} needs "
                                 f"{expected} bytes, the header says {nbytes}")
    if offset + nbytes > len(data):
        raise SerializationError(f"{path}: truncated file (tensor data ends at byte {offset + nbytes} "
                                 f"of {len(data)})")
    host = np.frombuffer(data[offset:offset + nbytes], dtype=dtype.numpy).reshape(shape)
    if callable(device):  # map_location's callable form: it places the tensor loaded on the CPU
        t = device(tensor(host, dtype=dtype, device="cpu"))
    else:
        t = tensor(host, dtype=dtype, device=device or "cpu")
    requires_grad = meta.get("requires_grad") is True and dtype.is_floating_point
    if meta.get("parameter") is True:
        return Parameter(t, requires_grad=requires_grad)
    if requires_grad:
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
    if kind in ("ndarray", "npscalar"):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < len(tensors):
            raise SerializationError(f"{path}: reference to a missing array {str(value)[:20]!r}")
        host = tensors[value].detach().cpu().numpy().copy()
        return host if kind == "ndarray" else host[()]
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
