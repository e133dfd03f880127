"""The OpenCL runtime's one path onto the queue: every kernel launch, transfer and fill of a
device goes through Runtime.launch / write / read / fill / synchronize (where capture hooks),
and Python scalar operands reach kernels as constants, not as filled 0-d buffers."""
import ast
import pathlib

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import tensorlite as tl
from tensorlite.ops._util import wrap_integer
from tensorlite.testing import tensors

PACKAGE = pathlib.Path(tl.__file__).parent
RUNTIME = PACKAGE / "backends" / "opencl" / "runtime.py"
# what only the runtime may touch: the queue, enqueue_* and a kernel's arguments
QUEUE_ATTRIBUTES = {"queue", "CommandQueue", "set_args", "set_arg", "enqueue_nd_range_kernel",
                    "enqueue_copy", "enqueue_fill_buffer", "enqueue_task"}


def _queue_uses(path: pathlib.Path) -> list:
    """'file:line name' for each attribute or pyopencl import of the queue API in ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names = []
        if isinstance(node, ast.Attribute):
            names = [node.attr]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pyopencl"):
            names = [alias.name for alias in node.names]
        for name in names:
            if name in QUEUE_ATTRIBUTES or name.startswith("enqueue_"):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {name}")
    return found


def test_only_the_runtime_touches_the_queue():
    offenders = [use for path in sorted(PACKAGE.rglob("*.py")) if path != RUNTIME
                 for use in _queue_uses(path)]
    assert offenders == [], ("enqueue through Runtime.launch/write/read/fill/synchronize, never "
                             f"the queue directly: {offenders}")


def test_the_guard_sees_a_direct_enqueue(tmp_path):
    sample = PACKAGE / "_guard_sample_.py"  # inside the package, so relative_to works
    try:
        sample.write_text("import pyopencl as cl\nfrom pyopencl import enqueue_copy\n"
                          "def f(rt, k):\n    k.set_args(1)\n    cl.enqueue_nd_range_kernel(rt.queue, k, (1,), None)\n")
        assert [use.split()[1] for use in _queue_uses(sample)] == [
            "enqueue_copy", "set_args", "enqueue_nd_range_kernel", "queue"]
    finally:
        sample.unlink()


@pytest.fixture
def recorded(opencl, monkeypatch):
    """Records every command the device's runtime enqueues (a recorder as capture would plug in)
    and every pyopencl enqueue made outside those methods ('bypass')."""
    import pyopencl
    runtime = opencl.backend.runtime
    log, inside = [], []
    for kind in ("launch", "write", "read", "fill"):
        method = getattr(runtime, kind)

        def recording(*args, _kind=kind, _method=method):
            log.append(_kind)
            inside.append(True)
            try:
                return _method(*args)
            finally:
                inside.pop()
        monkeypatch.setattr(runtime, kind, recording)
    for name in ("enqueue_nd_range_kernel", "enqueue_copy", "enqueue_fill_buffer"):
        real = getattr(pyopencl, name)

        def checked(*args, _real=real, **kwargs):
            if not inside:
                log.append("bypass")
            return _real(*args, **kwargs)
        monkeypatch.setattr(pyopencl, name, checked)
    return log


def test_every_enqueue_of_a_training_step_goes_through_the_runtime(opencl, recorded):
    """A step with matmul, reductions, indexing, a user kernel, uploads, fills and a read."""
    net = tl.nn.Sequential(tl.nn.Linear(6, 200), tl.nn.ReLU(), tl.nn.Linear(200, 3)).to(opencl)
    opt = tl.optim.Adam(net.parameters(), lr=1e-3)
    x = tl.randn(5, 6, device=opencl)
    target = tl.tensor([0, 2, 1, 1, 0], device=opencl)
    loss = tl.nn.functional.cross_entropy(net(x), target) + net[0].weight.sum(0).mean() * 0.0
    opt.zero_grad()
    loss.backward()
    opt.step()
    out = tl.empty_like(x)
    tl.opencl.Kernel("__kernel void twice(__global T* o, __global const T* x, int n) {"
                     " int i = get_global_id(0); if (i < n) o[i] = 2 * x[i]; }", "twice")(30, out, x, 30)
    assert np.allclose(out.numpy(), 2 * x.numpy())
    loss.item()
    assert "bypass" not in recorded
    assert {"launch", "write", "read", "fill"} <= set(recorded)


def test_a_python_scalar_operand_is_a_kernel_constant(opencl, recorded):
    """x * 2.0: one launch, no fill or upload of a 0-d operand (for every scalar kind)."""
    x = tl.arange(4.0, device=opencl)
    i = tl.arange(4, device=opencl)

    def compute():
        return [x * 2.0, 2.0 * x, x + 1, x - 0.5, x / 4, i * 3, i + 1, x > 1.0, i == 2]
    compute()  # builds the programs and leaves freed output buffers in the pool
    del recorded[:]
    results = compute()
    assert recorded == ["launch"] * len(results)
    assert [r.tolist() for r in results] == [
        [0.0, 2.0, 4.0, 6.0], [0.0, 2.0, 4.0, 6.0], [1.0, 2.0, 3.0, 4.0], [-0.5, 0.5, 1.5, 2.5],
        [0.0, 0.25, 0.5, 0.75], [0, 3, 6, 9], [1, 2, 3, 4], [False, False, True, True],
        [False, False, True, False]]


NUMBER_OPS = {"add": lambda x, n: x + n, "sub": lambda x, n: x - n, "mul": lambda x, n: x * n,
              "rmul": lambda x, n: n * x, "radd": lambda x, n: n + x, "div": lambda x, n: x / n,
              "eq": lambda x, n: x == n, "lt": lambda x, n: x < n, "ge": lambda x, n: x >= n}


@given(data=st.data(), op=st.sampled_from(sorted(NUMBER_OPS)),
       dtype=st.sampled_from([tl.float32, tl.float64, tl.int32, tl.uint8, tl.int64]))
def test_a_number_operand_computes_as_a_0d_tensor_of_the_dtype(data, op, dtype):
    """A Python number operand (passed to the backend as a constant) gives bit for bit what a
    0-dim tensor of the operand's dtype gives: the number is rounded to float32 for a float32
    tensor (2.1 is not 2.1 in double), ints wrap into an integer dtype (uint8 + 300 adds 44)."""
    device = tl.get_default_device()
    assume(dtype is not tl.float64 or device.type == "cpu" or device.backend.runtime.has_fp64)
    assume(op != "div" or dtype.is_floating_point)  # int / number is float division: no wrapping
    x = data.draw(tensors(dtype=dtype, low=-100, high=100) if dtype.is_floating_point else
                  tensors(dtype=dtype))
    number = data.draw(st.floats(-1e4, 1e4, allow_nan=False, width=64) if dtype.is_floating_point
                       else st.integers(-300, 300))
    expected_operand = tl.tensor(number, dtype=dtype) if dtype.is_floating_point else \
        tl.tensor(wrap_integer(number, dtype), dtype=dtype)
    result, expected = NUMBER_OPS[op](x, number), NUMBER_OPS[op](x, expected_operand)
    assert result.dtype is expected.dtype
    assert np.array_equal(result.numpy(), expected.numpy(), equal_nan=True)
