"""save/load never execute code, write atomically and reject malformed files; safetensors."""
import collections
import json
import math
import os
import pickle
import struct

import numpy as np
import pytest

import tensorlite as tl
from tensorlite import nn
from tensorlite.safetensors import SafetensorsError, load_file, save_file
from tensorlite.serialization import MAGIC, SerializationError


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
    except TypeError as error:  # float16 on an OpenCL device: the device cannot hold it
        pytest.skip(str(error))


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
