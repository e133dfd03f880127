"""A training step never reads the device back to the host (DESIGN.md, the layers' rules), and
the checks that would have read it (index ranges, class targets, a non-finite norm) report
through the device's error flag at the next sync instead."""
import subprocess
import sys

import numpy as np
import pytest
import pyopencl
from hypothesis import given, settings, strategies as st

import tensorlite as tl
import tensorlite.nn.functional as F
from tensorlite import nn, optim
from tensorlite.backends.opencl.backend import OpenCLBackend
from tensorlite.backends.opencl.runtime import Runtime

pytestmark = pytest.mark.backend_pair


class HostReads:
    """Every device -> host transfer and every wait of the OpenCL runtime while installed:
    pyopencl.enqueue_copy into a host array, buffer maps, the backend's to_host, queue waits.
    The runtime and the backend call pyopencl through the module's attributes, so patching
    them sees every copy, whichever path enqueued it."""

    def __init__(self, monkeypatch):
        self.seen = []
        copy, map_buffer = pyopencl.enqueue_copy, pyopencl.enqueue_map_buffer

        def counted_copy(queue, dest, src, **kwargs):
            if isinstance(dest, np.ndarray):
                self.seen.append(("enqueue_copy to host", dest.shape))
            return copy(queue, dest, src, **kwargs)

        def counted_map(*args, **kwargs):
            self.seen.append(("enqueue_map_buffer", None))
            return map_buffer(*args, **kwargs)

        to_host, synchronize = OpenCLBackend.to_host, Runtime.synchronize

        def counted_to_host(backend, x):
            self.seen.append(("to_host", x.shape))
            return to_host(backend, x)

        def counted_synchronize(runtime):
            self.seen.append(("synchronize", None))
            return synchronize(runtime)

        monkeypatch.setattr(pyopencl, "enqueue_copy", counted_copy)
        monkeypatch.setattr(pyopencl, "enqueue_map_buffer", counted_map)
        monkeypatch.setattr(OpenCLBackend, "to_host", counted_to_host)
        monkeypatch.setattr(Runtime, "synchronize", counted_synchronize)
        if hasattr(Runtime, "read"):  # the runtime's one enqueue path, where it has one
            read = Runtime.read

            def counted_read(runtime, host, *args, **kwargs):
                self.seen.append(("Runtime.read", host.shape))
                return read(runtime, host, *args, **kwargs)

            monkeypatch.setattr(Runtime, "read", counted_read)


def w2_model(batch_norm=False):
    """benchmarks/w2_mlp_step.py's network: MLP 784-100-50-10 with ReLU (optionally a
    cumulative-average BatchNorm, momentum=None, after the first layer)."""
    layers = [nn.Linear(784, 100)] + ([nn.BatchNorm1d(100, momentum=None)] if batch_norm else [])
    return nn.Sequential(*layers, nn.ReLU(), nn.Linear(100, 50), nn.ReLU(), nn.Linear(50, 10))


STEPS = {  # name: (optimizer, clip_grad_norm_ kwargs or None, model kwargs, loss kwargs)
    "adam (W2)": (lambda p: optim.Adam(p, lr=1e-3), None, {}, {}),
    "sgd momentum + clip_grad_norm_": (lambda p: optim.SGD(p, lr=0.01, momentum=0.9), dict(max_norm=1.0), {}, {}),
    "sgd nesterov wd + clip error_if_nonfinite": (
        lambda p: optim.SGD(p, lr=0.01, momentum=0.9, nesterov=True, weight_decay=1e-4),
        dict(max_norm=0.5, error_if_nonfinite=True), {}, {}),
    "adamw amsgrad + inf-norm clip": (lambda p: optim.AdamW(p, lr=1e-3, amsgrad=True),
                                      dict(max_norm=1.0, norm_type=float("inf")), {}, {}),
    "rmsprop centered momentum": (lambda p: optim.RMSprop(p, lr=1e-3, momentum=0.9, centered=True), None, {}, {}),
    "adagrad lr_decay": (lambda p: optim.Adagrad(p, lr=1e-2, lr_decay=1e-3), None, {}, {}),
    "adadelta wd": (lambda p: optim.Adadelta(p, weight_decay=1e-4), None, {}, {}),
    "adamax": (lambda p: optim.Adamax(p, lr=2e-3), None, {}, {}),
    "nadam decoupled wd": (lambda p: optim.NAdam(p, weight_decay=1e-2, decoupled_weight_decay=True), None, {}, {}),
    "radam (rho_t select)": (lambda p: optim.RAdam(p, lr=1e-3, weight_decay=1e-4), None, {}, {}),
    "rprop": (lambda p: optim.Rprop(p, lr=1e-3), None, {}, {}),
    "asgd wd (mu select)": (lambda p: optim.ASGD(p, lr=1e-2, t0=1, weight_decay=1e-4), None, {}, {}),
    "batchnorm cumulative, ignore_index, label smoothing": (
        lambda p: optim.Adam(p, lr=1e-3), None, dict(batch_norm=True), dict(ignore_index=3, label_smoothing=0.1)),
}


@pytest.mark.parametrize("name", list(STEPS))
def test_a_training_step_reads_nothing_back(opencl, monkeypatch, name):
    make_optimizer, clip, model_kwargs, loss_kwargs = STEPS[name]
    tl.manual_seed(0)
    model = w2_model(**model_kwargs).to(opencl)
    opt = make_optimizer(model.parameters())
    rng = np.random.default_rng(0)
    x = tl.tensor(rng.standard_normal((50, 784)).astype(np.float32), device=opencl)
    y = tl.tensor(rng.integers(0, 10, 50), device=opencl)

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y, **loss_kwargs)
        loss.backward()
        if clip is not None:
            nn.utils.clip_grad_norm_(model.parameters(), **clip)
        opt.step()
        return loss

    first = step().item()  # warm-up: optimizer state, kernels, parameter buffers
    reads = HostReads(monkeypatch)
    loss = step()
    assert reads.seen == [], f"{name}: the step read the device: {reads.seen}"
    second = loss.item()  # the natural sync: the counter sees it
    assert reads.seen and np.isfinite([first, second]).all() and second != first


def _opencl_call(opencl, code: str):
    """Run ``code`` (x, bad on the device, F and tl in scope) and return the error's message."""
    x = tl.arange(12.0, device=opencl).reshape(3, 4)
    bad = tl.tensor([[0, 5, 1]], device=opencl)
    exec(code, {"x": x, "bad": bad, "F": F, "tl": tl, "opencl": opencl})


CHECKED = [  # (op call with a bad value, expected type, message part)
    ("x.gather(1, bad.reshape(3, 1))", RuntimeError, "gather(): index 5 is out of bounds for dimension 1 with size 4"),
    ("x.index_select(0, bad.reshape(-1))", IndexError, "index out of range in self"),
    ("F.embedding(bad, x)", IndexError, "index out of range in self: embedding(): index 5 is out of bounds"),
    ("F.cross_entropy(x, tl.tensor([0, 7, 1], device=opencl))", IndexError, "Target 7 is out of bounds."),
    ("F.nll_loss(x, tl.tensor([0, -2, -100], device=opencl))", IndexError, "Target -2 is out of bounds."),
    ("x[bad.reshape(-1)]", IndexError, "index 5 is out of bounds for dimension 0 with size 3"),
    ("x.scatter_add(1, bad.reshape(1, 3), x[:1, :3])", RuntimeError, "scatter_add(): index 5 is out of bounds"),
    ("F.multi_margin_loss(x, tl.tensor([0, 4, 1], device=opencl))", RuntimeError,
     "multi_margin_loss: target out of range (got 4"),
    ("F.multilabel_margin_loss(x, tl.tensor([[0, -1, 7, 1]] * 3, device=opencl))", RuntimeError,
     "multilabel_margin_loss: argument #2 'target' is out of range (got 7"),
]


@pytest.mark.parametrize("code, error, message", CHECKED)
def test_device_checks_raise_at_the_next_sync_naming_the_op(opencl, monkeypatch, code, error, message):
    monkeypatch.delenv("TENSORLITE_SYNC_CHECKS", raising=False)
    _opencl_call(opencl, code)  # no wait for the device: nothing raised yet
    with pytest.raises(error) as info:
        tl.ones(2, device=opencl).sum().item()
    assert type(info.value) is error and message in str(info.value)
    assert tl.ones(2, device=opencl).sum().item() == 2.0  # raised once: the flag is clear again


@pytest.mark.parametrize("code, error, message", CHECKED)
def test_sync_checks_mode_raises_at_the_op(opencl, monkeypatch, code, error, message):
    monkeypatch.setenv("TENSORLITE_SYNC_CHECKS", "1")
    with pytest.raises(error) as info:
        _opencl_call(opencl, code)
    assert message in str(info.value)
    monkeypatch.delenv("TENSORLITE_SYNC_CHECKS")
    tl.synchronize(opencl)  # nothing left over


def test_every_sync_raises_a_recorded_error(opencl):
    x = tl.arange(4.0, device=opencl)
    for sync in (lambda: x.numpy(), lambda: x.tolist(), lambda: repr(x), lambda: tl.synchronize(opencl)):
        x.gather(0, tl.tensor([9], device=opencl))
        with pytest.raises(RuntimeError, match=r"gather\(\): index 9 is out of bounds"):
            sync()
    assert x.tolist() == [0.0, 1.0, 2.0, 3.0]


def test_a_transfer_that_raises_at_its_sync_leaves_later_ops_on_their_device(opencl):
    """.to("cpu") is a sync: it raises the recorded error, and under no_grad (where primitives
    share one ctx) the failed transfer's target device must not label the next op's result."""
    x = tl.arange(4.0, device=opencl)
    with tl.no_grad():
        x.gather(0, tl.tensor([9], device=opencl))
        with pytest.raises(RuntimeError, match=r"gather\(\): index 9 is out of bounds"):
            x.to("cpu")
        y = x * 2
    assert y.device == x.device and y.tolist() == [0.0, 2.0, 4.0, 6.0]


def test_a_bad_index_writes_nothing_else(opencl):
    """The bad position of a setitem / index_put / scatter is skipped: every other element and
    every other tensor keeps its value, and the error still surfaces at the sync."""
    x = tl.arange(6.0, device=opencl).reshape(2, 3)
    y = x.clone()
    y[tl.tensor([1, 7], device=opencl)] = -1.0
    with pytest.raises(IndexError, match="index 7 is out of bounds for dimension 0 with size 2"):
        tl.synchronize(opencl)
    assert y.tolist() == [[0.0, 1.0, 2.0], [-1.0, -1.0, -1.0]] and x.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    z = tl.zeros(4, device=opencl).scatter_add(0, tl.tensor([0, 4, 1], device=opencl), tl.ones(3, device=opencl))
    with pytest.raises(RuntimeError, match="scatter_add"):
        z.tolist()
    assert z.tolist() == [1.0, 1.0, 0.0, 0.0]


def test_the_first_error_wins_and_keeps_its_value(opencl):
    x = tl.arange(4.0, device=opencl)
    x.gather(0, tl.tensor([2 ** 40], device=opencl))
    x.index_select(0, tl.tensor([-3], device=opencl))
    with pytest.raises(RuntimeError, match=f"index {2 ** 40} is out of bounds"):
        x.sum().item()
    tl.synchronize(opencl)


def test_clip_grad_norm_error_if_nonfinite_through_the_flag(opencl):
    p = nn.Parameter(tl.tensor([1.0, 2.0], device=opencl))
    p.grad = tl.tensor([float("inf"), 1.0], device=opencl)
    nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError, match="is non-finite, so it cannot be clipped"):
        tl.synchronize(opencl)


def test_sync_checks_environment_variable_in_a_fresh_process(opencl):
    """TENSORLITE_SYNC_CHECKS=1 set before start: the error comes from the op's own line."""
    code = ("import tensorlite as tl\n"
            "x = tl.arange(4.0, device='opencl')\n"
            "try:\n    x.gather(0, tl.tensor([9], device='opencl'))\n"
            "except RuntimeError as e:\n    print('at the op:', e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         env={**__import__("os").environ, "TENSORLITE_SYNC_CHECKS": "1"})
    assert "at the op: gather(): index 9 is out of bounds" in out.stdout, out.stderr


@settings(deadline=None)
@given(data=st.data(), classes=st.integers(1, 5), batch=st.integers(1, 6),
       extra=st.sampled_from([(), (3,)]), ignore_index=st.sampled_from([-100, 0, 2]),
       reduction=st.sampled_from(["mean", "sum", "none"]), weighted=st.booleans(),
       smoothing=st.sampled_from([0.0, 0.2]))
def test_class_targets_on_a_device_match_the_cpu(opencl, data, classes, batch, extra, ignore_index,
                                                 reduction, weighted, smoothing):
    """The device path of nll_loss / cross_entropy (ignored targets skipped by the gather, no
    host check) gives the CPU's loss and gradients, also when every target is ignored."""
    shape = (batch,) + extra
    choices = list(range(classes)) + [ignore_index]
    target = np.array(data.draw(st.lists(st.sampled_from(choices), min_size=int(np.prod(shape)),
                                         max_size=int(np.prod(shape))), label="target")).reshape(shape)
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 16), label="seed"))
    logits = rng.standard_normal((batch, classes) + extra)
    weight = rng.uniform(0.5, 2, classes) if weighted else None
    results = []
    for dev in ("cpu", opencl):
        x = tl.tensor(logits, device=dev, requires_grad=True)
        w = None if weight is None else tl.tensor(weight, device=dev)
        loss = F.cross_entropy(x, tl.tensor(target, device=dev), weight=w, ignore_index=ignore_index,
                               reduction=reduction, label_smoothing=smoothing)
        loss.sum().backward()
        results.append((loss.detach().numpy(), x.grad.numpy()))
    (cpu_loss, cpu_grad), (cl_loss, cl_grad) = results
    np.testing.assert_allclose(cl_loss, cpu_loss, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(cl_grad, cpu_grad, rtol=1e-12, atol=1e-12)


def test_message_codes_do_not_grow_with_shapes(opencl):
    """A code stands for a message per (op, axis), the size is reported with the value: a loop
    over ever new sizes registers nothing new."""
    errors = opencl.backend.errors
    for n in range(3, 9):
        tl.arange(float(n), device=opencl).gather(0, tl.tensor([1], device=opencl))
    registered = len(errors._messages)
    for n in range(9, 40):
        tl.arange(float(n), device=opencl).gather(0, tl.tensor([n - 1], device=opencl))
    assert len(errors._messages) == registered
    tl.arange(5.0, device=opencl).gather(0, tl.tensor([5], device=opencl))
    with pytest.raises(RuntimeError, match="index 5 is out of bounds for dimension 0 with size 5"):
        tl.synchronize(opencl)


def test_adam_step_refuses_operands_on_two_devices_before_writing(opencl):
    """adam_step_ goes through the door: mixed devices are refused before anything is written."""
    from tensorlite.ops.optim_steps import adam_step_
    p, m, v, step = nn.Parameter(tl.tensor([1.0, -2.0])), tl.zeros(2), tl.zeros(2), tl.tensor(0.0)
    grad = tl.tensor([0.5, -1.0], device=opencl)
    with pytest.raises(RuntimeError, match="at least two devices.*AdamStep"), tl.no_grad():
        adam_step_(p, grad, m, v, None, step, lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8)
    assert p.tolist() == [1.0, -2.0] and p._version == 0 and m.tolist() == [0.0, 0.0] and step.item() == 0.0
