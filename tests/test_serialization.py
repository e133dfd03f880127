"""save/load never execute code, write atomically and reject malformed files; safetensors."""
import collections
import io
import json
import math
import os
import pickle
import signal
import struct
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tensorlite as tl
from tensorlite import nn
from tensorlite.safetensors import SafetensorsError, load_file, save_file
from tensorlite.serialization import MAGIC, SerializationError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_round_trip_nested(tmp_path):
    model = nn.Linear(3, 2)
    shared = tl.arange(4.0)
    obj = {"model": model.state_dict(), "epoch": 7, "lr": 0.5, "nan": math.nan, "inf": -math.inf,
           "name": "run", "flags": [True, None, (1, 2)], 3: "int key", "big": 2 ** 80,
           "same": [shared, shared], "param": nn.Parameter(tl.ones(2)),
           "ints": tl.tensor([1, 2], dtype=tl.int32), "mask": tl.tensor([True, False])}
    tl.save(obj, tmp_path / "ckpt.tl")
    back = tl.load(tmp_path / "ckpt.tl")
    assert isinstance(back["model"], collections.OrderedDict) and list(back["model"]) == ["weight", "bias"]
    assert back["model"]["weight"].tolist() == model.weight.tolist()
    assert back["epoch"] == 7 and back["lr"] == 0.5 and math.isnan(back["nan"]) and back["inf"] == -math.inf
    assert back["flags"] == [True, None, (1, 2)] and back[3] == "int key" and back["big"] == 2 ** 80
    assert back["same"][0] is back["same"][1]
    assert isinstance(back["param"], nn.Parameter) and back["param"].requires_grad
    assert back["ints"].dtype is tl.int32 and back["mask"].tolist() == [True, False]


def test_unsupported_objects_are_refused(tmp_path):
    with pytest.raises(TypeError, match="cannot store an object of type object"):
        tl.save({"x": object()}, tmp_path / "bad.tl")
    assert not os.listdir(tmp_path)


def test_interrupted_save_keeps_the_old_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.tl"
    tl.save({"v": tl.ones(3)}, path)

    def crash(*args):
        raise KeyboardInterrupt
    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        tl.save({"v": tl.zeros(3)}, path)
    monkeypatch.undo()
    assert tl.load(path)["v"].tolist() == [1.0, 1.0, 1.0]
    assert os.listdir(tmp_path) == ["ckpt.tl"]  # no temporary file left behind


def _write(path, header: dict, data: bytes = b""):
    encoded = json.dumps(header).encode()
    path.write_bytes(MAGIC + struct.pack("<Q", len(encoded)) + encoded + data)


@pytest.mark.parametrize("header, data, message", [
    ({"format": "tensorlite", "version": 2, "root": None, "tensors": []}, b"", "unsupported checkpoint format"),
    ({"format": "tensorlite", "version": 1, "root": {"tensor": 0},
      "tensors": [{"dtype": "object", "shape": [1], "offset": 0, "nbytes": 8}]}, b"\0" * 8, "unsupported dtype"),
    ({"format": "tensorlite", "version": 1, "root": {"tensor": 0},
      "tensors": [{"dtype": "float32", "shape": [4], "offset": 0, "nbytes": 16}]}, b"\0" * 8, "truncated"),
    ({"format": "tensorlite", "version": 1, "root": {"tensor": 0},
      "tensors": [{"dtype": "float32", "shape": [10 ** 12], "offset": 0, "nbytes": 4}]}, b"\0" * 4, "needs"),
    ({"format": "tensorlite", "version": 1, "root": {"tensor": 0},
      "tensors": [{"dtype": "float32", "shape": [-1], "offset": 0, "nbytes": 4}]}, b"\0" * 4, "invalid tensor shape"),
    ({"format": "tensorlite", "version": 1, "root": {"tensor": 5}, "tensors": []}, b"", "missing tensor"),
    ({"format": "tensorlite", "version": 1, "root": {"__reduce__": "os.system"}, "tensors": []}, b"", "unknown entry"),
])
def test_hostile_or_malformed_files(tmp_path, header, data, message):
    path = tmp_path / "evil.tl"
    _write(path, header, data)
    with pytest.raises(SerializationError, match=message):
        tl.load(path)


def test_truncated_and_foreign_files(tmp_path):
    path = tmp_path / "ckpt.tl"
    tl.save({"w": tl.ones(100)}, path)
    content = path.read_bytes()
    path.write_bytes(content[:-10])
    with pytest.raises(SerializationError, match="truncated"):
        tl.load(path)
    path.write_bytes(content[:20])
    with pytest.raises(SerializationError):
        tl.load(path)
    path.write_bytes(pickle.dumps({"a": 1}))  # a pickle is never unpickled
    with pytest.raises(SerializationError, match="bad magic number"):
        tl.load(path)


def _safetensors_bytes(tensors):
    """Build a safetensors file by hand from the format's description (independent of save_file)."""
    header, data = {"__metadata__": {"format": "pt"}}, b""
    for name, (code, array) in tensors.items():
        raw = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": code, "shape": list(array.shape), "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    encoded = json.dumps(header).encode()
    return struct.pack("<Q", len(encoded)) + encoded + data


def test_safetensors_reader_follows_the_format(tmp_path):
    weight = np.arange(6, dtype=np.float32).reshape(2, 3)
    bias = np.array([1.5, -2.0], dtype=np.float64)
    path = tmp_path / "model.safetensors"
    path.write_bytes(_safetensors_bytes({"weight": ("F32", weight), "bias": ("F64", bias),
                                         "steps": ("I64", np.array(7))}))
    loaded = load_file(path)
    assert loaded["weight"].tolist() == weight.tolist() and loaded["weight"].dtype is tl.float32
    assert loaded["bias"].dtype is tl.float64 and loaded["steps"].item() == 7 and loaded["steps"].shape == ()


def test_safetensors_round_trip_into_a_model(tmp_path):
    source, target = nn.Linear(3, 2), nn.Linear(3, 2)
    save_file(source.state_dict(), tmp_path / "m.safetensors", metadata={"epoch": "3"})
    target.load_state_dict(load_file(tmp_path / "m.safetensors"))
    x = tl.randn(4, 3)
    assert target(x).tolist() == source(x).tolist()
    raw = (tmp_path / "m.safetensors").read_bytes()
    (size,) = struct.unpack("<Q", raw[:8])
    assert (8 + size) % 8 == 0 and json.loads(raw[8:8 + size])["__metadata__"] == {"epoch": "3"}


@pytest.mark.parametrize("mutate, message", [
    (lambda h: h["w"].update(data_offsets=[0, 999]), "invalid data_offsets"),
    (lambda h: h["w"].update(dtype="X9"), "unsupported dtype"),
    (lambda h: h["w"].update(shape=[3]), "needs"),
])
def test_safetensors_rejects_bad_headers(tmp_path, mutate, message):
    raw = _safetensors_bytes({"w": ("F32", np.zeros(2, np.float32))})
    (size,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + size])
    mutate(header)
    encoded = json.dumps(header).encode()
    path = tmp_path / "bad.safetensors"
    path.write_bytes(struct.pack("<Q", len(encoded)) + encoded + raw[8 + size:])
    with pytest.raises(SafetensorsError, match=message):
        load_file(path)
    path.write_bytes(struct.pack("<Q", 10 ** 9) + b"{}")
    with pytest.raises(SafetensorsError, match="exceeds"):
        load_file(path)


SHAPES = [(), (0,), (0, 3), (1,), (2, 3)]


def _sample(dtype, shape):
    values = np.arange(int(np.prod(shape)) if shape else 1).reshape(shape) % 3
    try:
        return tl.tensor(values.astype(dtype.numpy))
    except TypeError:  # float16 on an OpenCL device that cannot hold it: the CPU's copy round-trips
        return tl.tensor(values.astype(dtype.numpy), device="cpu")


@pytest.mark.parametrize("dtype", [d for d in tl.dtypes.ALL_DTYPES], ids=lambda d: d.name)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_every_dtype_and_shape_round_trips(tmp_path, dtype, shape):
    """0-d stays shape [] (a BatchNorm's num_batches_tracked), empty stays empty, dtype kept."""
    t = _sample(dtype, shape)
    tl.save({"t": t}, tmp_path / "a.tl")
    back = tl.load(tmp_path / "a.tl", map_location=t.device)["t"]
    assert back.shape == t.shape and back.dtype is t.dtype and back.device == t.device
    assert back.tolist() == t.tolist()
    save_file({"t": t}, tmp_path / "a.safetensors")
    raw = (tmp_path / "a.safetensors").read_bytes()
    (size,) = struct.unpack("<Q", raw[:8])
    assert json.loads(raw[8:8 + size])["t"]["shape"] == list(shape)
    back = load_file(tmp_path / "a.safetensors", device=t.device)["t"]
    assert back.shape == t.shape and back.dtype is t.dtype and back.tolist() == t.tolist()


def test_views_and_nested_containers_round_trip(tmp_path):
    base = tl.arange(24.0).reshape(2, 3, 4)
    obj = {"transposed": base.transpose(0, 2), "strided": base[:, ::2, 1:], "scalar": base[1, 2, 3],
           "nested": [({"deep": [base[0].t()]},), collections.OrderedDict(b=(1, [2.5, None]))]}
    tl.save(obj, tmp_path / "v.tl")
    back = tl.load(tmp_path / "v.tl")
    for key in ("transposed", "strided", "scalar"):
        assert back[key].shape == obj[key].shape and back[key].tolist() == obj[key].tolist()
    assert back["nested"][0][0]["deep"][0].tolist() == base[0].t().tolist()
    assert back["nested"][1] == collections.OrderedDict(b=(1, [2.5, None]))


@pytest.mark.parametrize("layer", [nn.BatchNorm1d(3), nn.BatchNorm2d(2)], ids=["1d", "2d"])
def test_batchnorm_state_dict_reloads(tmp_path, layer):
    layer.train()
    layer(tl.randn(4, 3) if isinstance(layer, nn.BatchNorm1d) else tl.randn(2, 2, 3, 3))
    tl.save(layer.state_dict(), tmp_path / "bn.tl")
    fresh = type(layer)(layer.num_features)
    fresh.load_state_dict(tl.load(tmp_path / "bn.tl"))
    assert fresh.num_batches_tracked.shape == () and fresh.num_batches_tracked.item() == 1
    save_file(layer.state_dict(), tmp_path / "bn.safetensors")
    fresh.load_state_dict(load_file(tmp_path / "bn.safetensors"))
    assert fresh.running_mean.tolist() == layer.running_mean.tolist()


def _header_file(path, header_bytes: bytes, data: bytes = b"", declared=None):
    length = len(header_bytes) if declared is None else declared
    path.write_bytes(MAGIC + struct.pack("<Q", length) + header_bytes + data)


def _tensor_header(shape, nbytes=4, offset=0, dtype="float32"):
    return json.dumps({"format": "tensorlite", "version": 1, "root": {"tensor": 0},
                       "tensors": [{"dtype": dtype, "shape": shape, "offset": offset, "nbytes": nbytes}]}).encode()


@pytest.mark.parametrize("header, data, declared, message", [
    (b"[" * 100_000 + b"]" * 100_000, b"", None, "nested too deeply"),
    (b'{"format":"tensorlite","version":1,"root":' + b'{"list":[' * 5000 + b"]}" * 5000
     + b',"tensors":[]}', b"", None, "too deep"),
    (b'{"int": ' + b"9" * 10_000 + b"}", b"", None, "malformed header"),
    (_tensor_header([2 ** 70]), b"\0" * 4, None, "invalid tensor shape"),
    (_tensor_header([0, 2 ** 64]), b"", None, "invalid tensor shape"),
    (_tensor_header([2 ** 31, 2 ** 31], nbytes=2 ** 64), b"", None, "invalid tensor shape"),
    (_tensor_header([1] * 65), b"\0" * 4, None, "invalid tensor shape"),
    (_tensor_header([-3]), b"\0" * 4, None, "invalid tensor shape"),
    (_tensor_header([True]), b"\0" * 4, None, "invalid tensor shape"),
    (_tensor_header([2 ** 20]), b"\0" * 4, None, "needs"),
    (_tensor_header([1], offset=2 ** 70), b"\0" * 4, None, "truncated"),
    (_tensor_header([1]), b"\0" * 4, 2 ** 63, "truncated"),
])
def test_loading_is_bounded(tmp_path, header, data, declared, message):
    """Deep nesting, overflowing shapes and sizes beyond the file are refused, not attempted."""
    path = tmp_path / "hostile.tl"
    _header_file(path, header, data, declared)
    with pytest.raises(SerializationError, match=message):
        tl.load(path)


def _load_in_thread(load, path):
    """Run ``load(path)`` with a hang guard: a FIFO must not block the reader."""
    outcome = []

    def run():
        try:
            load(path)
            outcome.append(None)
        except BaseException as error:  # noqa: BLE001 - handed back to the test
            outcome.append(error)
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(60)
    assert not worker.is_alive(), f"loading {path} hangs"
    return outcome[0]


@pytest.mark.parametrize("loader, error", [(tl.load, SerializationError), (load_file, SafetensorsError)],
                         ids=["tensorlite", "safetensors"])
@pytest.mark.parametrize("kind", ["dev-zero-symlink", "fifo", "folder"])
def test_only_regular_files_are_read(tmp_path, loader, error, kind):
    path = tmp_path / "ckpt"
    if kind == "dev-zero-symlink":
        path.symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(path)
    else:
        path.mkdir()
    outcome = _load_in_thread(loader, path)
    assert isinstance(outcome, error) and "not a regular file" in str(outcome)


def test_a_symlink_to_a_checkpoint_loads(tmp_path):
    tl.save({"a": tl.ones(2)}, tmp_path / "real.tl")
    (tmp_path / "link.tl").symlink_to(tmp_path / "real.tl")
    assert tl.load(tmp_path / "link.tl")["a"].tolist() == [1.0, 1.0]
    with pytest.raises(FileNotFoundError):
        tl.load(tmp_path / "missing.tl")


@pytest.mark.parametrize("header, message", [
    ({"w": {"dtype": "F32", "shape": [2 ** 70], "data_offsets": [0, 8]}}, "invalid shape"),
    ({"w": {"dtype": "F32", "shape": [0, 2 ** 64], "data_offsets": [0, 0]}}, "invalid shape"),
    ({"w": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}}, "invalid shape"),
    ({"w": {"dtype": "F32", "shape": [True, 2], "data_offsets": [0, 8]}}, "invalid shape"),
    ({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 2 ** 70]}}, "invalid data_offsets"),
    ({"w": {"dtype": "F32", "shape": [2], "data_offsets": [False, 8]}}, "invalid data_offsets"),
    ({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "v": {"dtype": "F32", "shape": [1],
      "data_offsets": [0, 4]}}, "gap or overlap"),
])
def test_safetensors_loading_is_bounded(tmp_path, header, message):
    encoded = json.dumps(header).encode()
    path = tmp_path / "bad.safetensors"
    path.write_bytes(struct.pack("<Q", len(encoded)) + encoded + b"\0" * 8)
    with pytest.raises(SafetensorsError, match=message):
        load_file(path)
    path.write_bytes(struct.pack("<Q", 200_002) + b"[" * 100_001 + b"]" * 100_001)
    with pytest.raises(SafetensorsError, match="nested too deeply"):
        load_file(path)


def _valid_files(folder):
    """One small valid file of each format, as bytes."""
    base = tl.arange(6.0)
    obj = {"w": base.reshape(2, 3), "v": base.reshape(3, 2).t()[1:], "n": tl.tensor(3), "e": tl.zeros(0, 2),
           "p": nn.Parameter(tl.ones(2)), "meta": [1, 2.5, "x", None, {"k": (True, -math.inf)}], 7: 2 ** 70}
    tl.save(obj, folder / "v.tl")
    save_file({"w": tl.arange(6.0).reshape(2, 3), "n": tl.tensor(3), "b": tl.tensor([True])},
              folder / "v.safetensors", metadata={"a": "b"})
    return {"tl": (folder / "v.tl").read_bytes(), "st": (folder / "v.safetensors").read_bytes()}


@pytest.fixture(scope="module")
def valid_files(tmp_path_factory):
    previous = tl.get_default_device()
    tl.set_default_device("cpu")
    try:
        return _valid_files(tmp_path_factory.mktemp("valid"))
    finally:
        tl.set_default_device(previous)


_mutations = st.lists(st.one_of(
    st.tuples(st.just("set"), st.integers(0, 10 ** 6), st.integers(0, 255)),
    st.tuples(st.just("insert"), st.integers(0, 10 ** 6), st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("delete"), st.integers(0, 10 ** 6), st.integers(1, 8)),
    st.tuples(st.just("truncate"), st.integers(0, 10 ** 6), st.just(0)),
    st.tuples(st.just("digit"), st.integers(0, 10 ** 6), st.sampled_from(b"0123456789-[]{}\",:e")),
), min_size=1, max_size=4)


def _mutate(content: bytes, mutations) -> bytes:
    data = bytearray(content)
    for kind, where, value in mutations:
        at = where % (len(data) + 1)
        if kind in ("set", "digit") and at < len(data):
            data[at] = value
        elif kind == "insert":
            data[at:at] = value
        elif kind == "delete":
            del data[at:at + value]
        elif kind == "truncate":
            del data[at:]
    return bytes(data)


@settings(max_examples=max(settings().max_examples, 60))
@given(fmt=st.sampled_from(["tl", "st"]), mutations=_mutations)
def test_fuzzed_files_raise_only_the_documented_error(tmp_path_factory, valid_files, fmt, mutations):
    """Random byte edits and truncations of valid files: either a load or the format's error."""
    path = tmp_path_factory.mktemp("fuzz") / "f"
    path.write_bytes(_mutate(valid_files[fmt], mutations))
    loader, error = (tl.load, SerializationError) if fmt == "tl" else (load_file, SafetensorsError)
    try:
        loader(path)
    except error:
        pass


_KILLED_WRITER = """
import os, signal, sys
import tensorlite as tl
def killed(fd):  # the process dies mid-save, after the data went to the temporary file
    os.kill(os.getpid(), signal.SIGKILL)
os.fsync = killed
tl.save({"w": tl.zeros(1000)}, sys.argv[1])
"""


def test_a_killed_save_leaves_a_temporary_the_next_save_removes(tmp_path):
    target = tmp_path / "ckpt.tl"
    tl.save({"w": tl.ones(3)}, target)
    left_behind = []
    for _ in range(3):  # each killed writer first removes the one before it: they never pile up
        done = subprocess.run([sys.executable, "-c", _KILLED_WRITER, str(target)], cwd=ROOT)
        assert done.returncode == -signal.SIGKILL
        left_behind.append(sorted(p.name for p in tmp_path.iterdir() if p.name != "ckpt.tl"))
    assert [len(names) for names in left_behind] == [1, 1, 1] and len({n[0] for n in left_behind}) == 3
    stale = left_behind[-1]
    assert stale[0].startswith(".ckpt.tl.tmp-")
    assert tl.load(target)["w"].tolist() == [1.0, 1.0, 1.0]  # the old checkpoint is intact
    live = tmp_path / f".ckpt.tl.tmp-{os.getpid()}-inprogress"  # a live writer's file is kept
    other = tmp_path / f".other.tl.tmp-{stale[0].split('-')[1]}-x"  # as is another target's
    live.write_bytes(b"")
    other.write_bytes(b"")
    tl.save({"w": tl.zeros(2)}, target)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["ckpt.tl", live.name, other.name])
    old = time.time() - 2 * 3600  # a temporary over an hour old is stale even if its pid lives
    os.utime(live, (old, old))
    tl.save({"w": tl.zeros(2)}, target)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["ckpt.tl", other.name])


@pytest.mark.parametrize("failure", ["unsupported-object", "disk-error"])
def test_a_failed_save_leaves_no_temporary(tmp_path, monkeypatch, failure):
    target = tmp_path / "ckpt.tl"
    if failure == "unsupported-object":
        with pytest.raises(TypeError):
            tl.save({"x": [tl.ones(2), object()]}, target)
    else:
        def disk_full(fd):
            raise OSError(28, "No space left on device")
        monkeypatch.setattr(os, "fsync", disk_full)
        with pytest.raises(OSError, match="No space"):
            tl.save({"w": tl.ones(2)}, target)
    assert os.listdir(tmp_path) == []


def test_saving_through_a_symlink_writes_its_target(tmp_path):
    """As torch.save: the link stays a link and its target gets the new contents."""
    (tmp_path / "runs").mkdir()
    real = tmp_path / "runs" / "ckpt-7.tl"
    tl.save({"step": 1}, real)
    link = tmp_path / "latest.tl"
    link.symlink_to(os.path.join("runs", "ckpt-7.tl"))
    tl.save({"step": 2}, link)
    save_file({"w": tl.ones(1)}, tmp_path / "st-real")
    (tmp_path / "st-link").symlink_to(tmp_path / "st-real")
    save_file({"w": tl.zeros(1)}, tmp_path / "st-link")
    assert link.is_symlink() and tl.load(real) == {"step": 2} and tl.load(link) == {"step": 2}
    assert (tmp_path / "st-link").is_symlink() and load_file(tmp_path / "st-real")["w"].tolist() == [0.0]
    dangling = tmp_path / "dangling.tl"
    dangling.symlink_to(tmp_path / "runs" / "new.tl")
    tl.save({"step": 3}, dangling)
    assert dangling.is_symlink() and tl.load(tmp_path / "runs" / "new.tl") == {"step": 3}


def test_views_keep_sharing_memory_after_load(tmp_path):
    """As torch.save: a base and its views (or two views of one base) load as views of one
    memory, so an in-place write through one shows in the others; a lone view stores only itself."""
    base = tl.arange(24.0).reshape(2, 3, 4)
    obj = {"base": base, "window": base.transpose(0, 2)[1:, ::2], "row": base[1], "flat": base.view(-1),
           "siblings": [base[0, 0], base[0, 1]], "lone": tl.arange(1000.0)[3:5]}
    tl.save(obj, tmp_path / "s.tl")
    back = tl.load(tmp_path / "s.tl", map_location=base.device)
    for key in ("window", "row", "flat", "lone"):
        assert back[key].shape == obj[key].shape and back[key].tolist() == obj[key].tolist()
    back["window"][0, 0, 0] = -5.0  # base[0, 0, 1]
    back["row"].zero_()
    back["siblings"][0][3] = 7.0
    expected = base.clone()
    expected[0, 0, 1], expected[1], expected[0, 0, 3] = -5.0, 0.0, 7.0
    assert back["base"].tolist() == expected.tolist() and back["flat"].tolist() == expected.view(-1).tolist()
    assert back["siblings"][1].tolist() == expected[0, 1].tolist()
    assert (tmp_path / "s.tl").stat().st_size < 1000 * 4  # the lone slice did not store its base


def test_a_view_of_a_parameter_loads_as_a_differentiable_view(tmp_path):
    weight = nn.Parameter(tl.randn(3, 2))
    tl.save({"weight": weight, "transposed": weight.t()}, tmp_path / "p.tl")
    back = tl.load(tmp_path / "p.tl")
    back["transposed"].sum().backward()
    assert back["weight"].grad.tolist() == [[1.0, 1.0]] * 3


@pytest.mark.parametrize("chain, message", [
    ([["Exec", ["os.system('x')"]]], "malformed view chain step"),
    ([["Reshape", [{"tuple": [5, 5]}]]], "invalid view Reshape"),
    ([["Expand", [{"tuple": [2 ** 29, 2 ** 29, 4]}]]], "too large"),
    ([["Expand", [{"tuple": [2 ** 40, 2 ** 40, 4]}]]], "invalid view Expand"),
    ([["Slice", [{"tuple": [{"slice": [0, "x", None]}]}]]], "malformed view argument"),
    ([], "malformed view chain"),
])
def test_malformed_view_chains_are_refused(tmp_path, chain, message):
    header = {"format": "tensorlite", "version": 1, "root": {"tensor": 1},
              "tensors": [{"dtype": "float32", "shape": [4], "offset": 0, "nbytes": 16},
                          {"view_of": 0, "chain": chain}]}
    _write(tmp_path / "v.tl", header, b"\0" * 16)
    with pytest.raises(SerializationError, match=message):
        tl.load(tmp_path / "v.tl")


def test_file_objects_as_torch_save_takes_them(tmp_path):
    buffer = io.BytesIO()
    tl.save({"w": tl.arange(3.0), "n": tl.tensor(2)}, buffer)
    buffer.seek(0)
    back = tl.load(buffer)
    assert back["w"].tolist() == [0.0, 1.0, 2.0] and back["n"].shape == ()
    with open(tmp_path / "f.tl", "wb") as handle:
        tl.save([1, 2.5], handle)
    with open(tmp_path / "f.tl", "rb") as handle:
        assert tl.load(handle) == [1, 2.5]
    with pytest.raises(SerializationError, match="bad magic number"):
        tl.load(io.BytesIO(b"not a checkpoint at all"))


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2 ** 70, 2 ** 70) | st.floats(allow_nan=False) | st.text(max_size=8)
    | st.sampled_from(["float32", "F32", "tensor", "list", "dict", "slice", "Reshape", "Slice", "nan"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["tensor", "list", "dict", "int", "dtype", "shape", "offset", "nbytes", "view_of",
                         "chain", "data_offsets", "x"]), inner, max_size=3),
    max_leaves=12)


def _split(content: bytes, fmt: str):
    """(prefix before the header, header object, data after it) of a valid file."""
    start = 16 if fmt == "tl" else 8
    (size,) = struct.unpack("<Q", content[start - 8:start])
    return content[:start - 8], json.loads(content[start:start + size]), content[start + size:]


def _replace_somewhere(node, choices, value):
    """Replace one value inside the JSON ``node`` (chosen by the integers in ``choices``)."""
    children = list(node.items()) if isinstance(node, dict) else list(enumerate(node)) \
        if isinstance(node, list) else []
    if not children or not choices:
        return value
    key, child = children[choices[0] % len(children)]
    node[key] = _replace_somewhere(child, choices[1:], value)
    return node


@given(fmt=st.sampled_from(["tl", "st"]), choices=st.lists(st.integers(0, 100), max_size=8), value=_json_values)
def test_fuzzed_headers_raise_only_the_documented_error(tmp_path_factory, valid_files, fmt, choices, value):
    """Any value anywhere in a valid header replaced by any JSON: a load or the format's error."""
    prefix, header, data = _split(valid_files[fmt], fmt)
    encoded = json.dumps(_replace_somewhere(header, choices, value)).encode()
    path = tmp_path_factory.mktemp("fuzz") / "f"
    path.write_bytes(prefix + struct.pack("<Q", len(encoded)) + encoded + data)
    loader, error = (tl.load, SerializationError) if fmt == "tl" else (load_file, SafetensorsError)
    try:
        loader(path)
    except error:
        pass


def test_saved_files_get_ordinary_permissions(tmp_path):
    """A new checkpoint gets 0o666 less the umask (as open(path, "w")), not mkstemp's private
    0o600; rewriting one keeps its mode."""
    umask = os.umask(0o022)
    try:
        tl.save({"a": 1}, tmp_path / "new.tl")
        save_file({"w": tl.ones(1)}, tmp_path / "new.safetensors")
        assert (tmp_path / "new.tl").stat().st_mode & 0o777 == 0o644
        assert (tmp_path / "new.safetensors").stat().st_mode & 0o777 == 0o644
        os.chmod(tmp_path / "new.tl", 0o600)
        tl.save({"a": 2}, tmp_path / "new.tl")
        assert (tmp_path / "new.tl").stat().st_mode & 0o777 == 0o600 and tl.load(tmp_path / "new.tl") == {"a": 2}
    finally:
        os.umask(umask)
