"""tensorlite.save / load's PyTorch-facing arguments: file objects, ``map_location`` in all of
torch.load's forms, ``weights_only``, and the refusal to store whole Modules/Optimizers."""
import io
import os

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tensorlite as tl
from tensorlite import nn
from tensorlite.testing import tensors


def _buffer(obj) -> io.BytesIO:
    buffer = io.BytesIO()
    tl.save(obj, buffer)
    buffer.seek(0)
    return buffer


class TestWholeObjectsAreRefused:
    @pytest.mark.parametrize("make", [lambda: nn.Linear(2, 2),
                                      lambda: tl.optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1)])
    def test_error_says_to_save_the_state_dict(self, tmp_path, make):
        obj = make()
        with pytest.raises(TypeError, match=rf"cannot store a whole {type(obj).__name__} object.*"
                                            r"save its state_dict\(\) instead"):
            tl.save({"model": obj}, tmp_path / "m.tl")
        assert not os.listdir(tmp_path)  # refused before anything was written

    def test_the_state_dict_round_trips(self):
        model = nn.Linear(2, 3)
        twin = nn.Linear(2, 3)
        twin.load_state_dict(tl.load(_buffer(model.state_dict())))
        assert np.array_equal(twin.weight.detach().numpy(), model.weight.detach().numpy())


class TestFileObjects:
    def test_reads_from_the_current_position(self, tmp_path):
        buffer = io.BytesIO(b"prefix")
        buffer.seek(0, io.SEEK_END)
        tl.save({"w": tl.arange(3.0)}, buffer)
        buffer.seek(len(b"prefix"))
        assert tl.load(buffer)["w"].tolist() == [0.0, 1.0, 2.0]

    def test_text_mode_is_refused(self, tmp_path):
        tl.save([1], tmp_path / "a.tl")
        with open(tmp_path / "a.tl", encoding="latin-1") as handle, \
                pytest.raises(TypeError, match="binary mode"):
            tl.load(handle)

    def test_a_path_like_object(self, tmp_path):
        tl.save({"x": tl.ones(2)}, tmp_path / "p.tl")
        assert tl.load(str(tmp_path / "p.tl"))["x"].tolist() == [1.0, 1.0]


class TestMapLocation:
    def test_device_string_and_device_object(self):
        for where in ("cpu", tl.device("cpu")):
            assert tl.load(_buffer({"x": tl.ones(2)}), map_location=where)["x"].device == tl.device("cpu")

    def test_callable_gets_the_tensor_and_its_saved_location(self):
        seen = []

        def keep(t, location):
            seen.append((t.device.type, location))
            return t * 2

        back = tl.load(_buffer({"x": tl.ones(2, device="cpu")}), map_location=keep)
        assert seen == [("cpu", "cpu")] and back["x"].tolist() == [2.0, 2.0]
        assert not back["x"].requires_grad

    def test_callable_returning_none_uses_the_saved_device(self):
        back = tl.load(_buffer({"x": tl.ones(2, device="cpu")}), map_location=lambda t, loc: None)
        assert back["x"].device == tl.device("cpu") and back["x"].tolist() == [1.0, 1.0]

    def test_callable_keeps_parameters_parameters(self):
        back = tl.load(_buffer({"p": nn.Parameter(tl.ones(2))}), map_location=lambda t, loc: t)
        assert isinstance(back["p"], nn.Parameter) and back["p"].requires_grad and back["p"].is_leaf

    def test_callable_must_return_a_tensor(self):
        with pytest.raises(TypeError, match="must return a tensor or None, got str"):
            tl.load(_buffer({"x": tl.ones(2)}), map_location=lambda t, loc: "cpu")

    def test_dict_maps_saved_names(self):
        back = tl.load(_buffer({"x": tl.ones(2, device="cpu")}), map_location={"opencl:7": "cpu"})
        assert back["x"].device == tl.device("cpu")  # unlisted names stay where they were
        back = tl.load(_buffer({"x": tl.ones(2, device="cpu")}), map_location={"cpu": "cpu"})
        assert back["x"].device == tl.device("cpu")

    def test_bad_kinds_fail_before_reading(self, tmp_path):
        with pytest.raises(TypeError, match="map_location must be None, a device"):
            tl.load(tmp_path / "missing.tl", map_location=3)
        with pytest.raises(TypeError, match="dict keys are saved device names"):
            tl.load(tmp_path / "missing.tl", map_location={0: "cpu"})

    def test_between_devices(self, opencl):
        saved = _buffer({"x": tl.arange(3.0, device=opencl)})
        assert tl.load(saved, map_location={str(opencl): "cpu"})["x"].device == tl.device("cpu")
        saved.seek(0)
        back = tl.load(saved, map_location=lambda t, loc: t.to(opencl) if loc.startswith("opencl") else None)
        assert back["x"].device == opencl and back["x"].tolist() == [0.0, 1.0, 2.0]
        cpu_saved = _buffer({"x": tl.ones(2, device="cpu")})
        assert tl.load(cpu_saved, map_location=opencl)["x"].device == opencl


@pytest.mark.parametrize("weights_only", [True, False, None])
def test_weights_only_is_accepted_and_loads_the_same(weights_only):
    obj = {"w": tl.arange(4.0).reshape(2, 2), "step": 3, "names": ["a", "b"], "lr": 0.5}
    back = tl.load(_buffer(obj), weights_only=weights_only)
    assert back["w"].tolist() == [[0.0, 1.0], [2.0, 3.0]] and back["step"] == 3
    assert back["names"] == ["a", "b"] and back["lr"] == 0.5


_PLACEMENTS = {
    "none": None, "cpu": "cpu", "device": tl.device("cpu"), "dict": {"cpu": "cpu"},
    "callable": lambda t, loc: t, "callable_none": lambda t, loc: None,
}


@given(values=st.lists(tensors(dtype=tl.float32, device="cpu"), min_size=1, max_size=4),
       placement=st.sampled_from(sorted(_PLACEMENTS)), as_parameter=st.booleans())
def test_every_map_location_form_loads_the_same_values(values, placement, as_parameter):
    """Property: on the CPU every form of map_location gives back the saved values, dtypes,
    shapes and Parameter-ness."""
    obj = [nn.Parameter(v) if as_parameter else v for v in values]
    back = tl.load(_buffer(obj), map_location=_PLACEMENTS[placement])
    for saved, loaded in zip(obj, back):
        assert loaded.dtype is saved.dtype and loaded.shape == saved.shape
        assert isinstance(loaded, nn.Parameter) == as_parameter
        assert np.array_equal(loaded.detach().numpy(), saved.detach().numpy())
