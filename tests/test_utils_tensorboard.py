"""torch.utils.tensorboard's path: SummaryWriter (tensorboardX's) takes tensorlite tensors; the
events read back with TensorBoard's own reader."""
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import tensorlite as tl
from tensorlite.utils.tensorboard import SummaryWriter

pytestmark = pytest.mark.backend_pair  # explicit devices; runs once


def test_scalars_histograms_and_images_from_tensors_read_back(tmp_path):
    writer = SummaryWriter(str(tmp_path))
    losses = [tl.tensor(0.5), tl.tensor(0.25, dtype=tl.float64), 0.125]
    for step, loss in enumerate(losses):
        writer.add_scalar("loss/train", loss, step)
    weights = tl.arange(10, dtype=tl.float32)
    writer.add_histogram("weights", weights, 0)
    writer.add_image("image", tl.ones(3, 4, 5) * 0.5, 0)
    writer.add_scalars("pair", {"a": tl.tensor(1.0), "b": 2.0}, 0)
    writer.close()
    events = EventAccumulator(str(tmp_path)).Reload()
    assert [e.value for e in events.Scalars("loss/train")] == [0.5, 0.25, 0.125]
    histogram = events.Histograms("weights")[0].histogram_value
    assert histogram.num == 10 and histogram.sum == pytest.approx(45) and histogram.max == 9
    image = events.Images("image")[0]
    assert (image.width, image.height) == (5, 4)


def test_tensors_that_require_grad_and_opencl_tensors_are_read_back(tmp_path, opencl):
    writer = SummaryWriter(str(tmp_path))
    w = tl.randn(6, requires_grad=True, device=opencl)
    writer.add_histogram("w", w, 0)
    writer.add_scalar("s", (w * 0).sum(), 0)
    writer.close()
    events = EventAccumulator(str(tmp_path)).Reload()
    assert events.Histograms("w")[0].histogram_value.num == 6
    assert events.Scalars("s")[0].value == 0.0


def test_without_tensorboardx_the_import_error_says_how_to_install(monkeypatch):
    import importlib
    import sys
    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    monkeypatch.delitem(sys.modules, "tensorlite.utils.tensorboard")
    with pytest.raises(ImportError, match=r"pip install 'tensorlite\[tensorboard\]'"):
        importlib.import_module("tensorlite.utils.tensorboard")
