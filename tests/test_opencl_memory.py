"""OpenCL allocations the device cannot back raise MemoryError and the process goes on: the
per-buffer limit is checked before the driver is asked, and on a CPU device (PoCL, which
crashes when its own allocation fails) exhausted process memory is detected first."""
import os
import subprocess
import sys

import pytest

import tensorlite as tl

pytestmark = pytest.mark.backend_pair

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_a_request_above_max_mem_alloc_size_names_the_limit(opencl, monkeypatch):
    runtime = opencl.backend.runtime
    limit = runtime.device.max_mem_alloc_size

    def driver_must_not_be_asked(size):
        raise AssertionError(f"the driver was asked for {size} bytes")
    monkeypatch.setattr(runtime, "_create", driver_must_not_be_asked)
    with pytest.raises(MemoryError, match=rf"one buffer of {limit + 1} bytes: its per-buffer limit "
                                          rf"\(max_mem_alloc_size, CL_DEVICE_MAX_MEM_ALLOC_SIZE\) is {limit} bytes"):
        tl.empty(limit + 1, dtype=tl.uint8, device=opencl)
    monkeypatch.undo()
    assert tl.ones(3, device=opencl).sum().item() == 3.0


_UNDER_AN_ADDRESS_SPACE_LIMIT = """
import os, resource
import tensorlite as tl
device = tl.device("opencl")
assert tl.ones(4, device=device).sum().item() == 4.0  # kernels built, runtime up
request = min(device.backend.runtime.device.max_mem_alloc_size, 1 << 30)
mapped = int(open("/proc/self/statm").read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
resource.setrlimit(resource.RLIMIT_AS, (mapped + request // 2, resource.getrlimit(resource.RLIMIT_AS)[1]))
try:
    tl.empty(request, dtype=tl.uint8, device=device).fill_(1)
    print("NO ERROR")
except MemoryError as error:
    print("MemoryError:", error)
small = tl.arange(100.0, device=device)
print("after:", (small * 2).sum().item())
"""


def test_exhausted_memory_under_ulimit_v_raises_and_the_process_goes_on(opencl):
    """Under RLIMIT_AS (ulimit -v) PoCL used to segfault inside the first command on the buffer."""
    if not opencl.backend.runtime.is_cpu:
        pytest.skip("an address-space limit bounds device memory only on a CPU OpenCL device")
    done = subprocess.run([sys.executable, "-c", _UNDER_AN_ADDRESS_SPACE_LIMIT], cwd=ROOT,
                          capture_output=True, text=True,
                          env={**os.environ, "TENSORLITE_DEVICE": f"opencl:{opencl.index}"})
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert lines[0].startswith("MemoryError: OpenCL device opencl:") and "is out of memory" in lines[0]
    assert "RLIMIT_AS" in lines[0] and lines[-1] == "after: 9900.0"
