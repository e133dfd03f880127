"""Hypothesis profiles: ``dev`` (default), ``ci`` (deterministic, used by .ci/run), ``thorough``."""
import atexit
import os
import shutil
import tempfile

if "POCL_CACHE_DIR" not in os.environ:
    # A private PoCL kernel cache per session, set before PoCL starts (it reads the variable when
    # pyopencl first lists platforms): a shared ~/.cache/pocl left stale by a crashed run cannot
    # fail these tests. The caller's own choice (make test, .ci/run) is kept.
    _pocl_cache = tempfile.mkdtemp(prefix="tensorlite-tests-pocl-")
    os.environ["POCL_CACHE_DIR"] = _pocl_cache
    atexit.register(shutil.rmtree, _pocl_cache, ignore_errors=True)

import pytest
from hypothesis import HealthCheck, settings

import tensorlite as tl

settings.register_profile("dev", max_examples=10, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
settings.register_profile("ci", max_examples=12, deadline=None, derandomize=True, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
settings.register_profile("thorough", max_examples=200, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture
def cpu_default_device():
    """Run one test with 'cpu' as the default device (tests of CPU-only formats)."""
    previous = tl.get_default_device()
    tl.set_default_device("cpu")
    yield
    tl.set_default_device(previous)


def _opencl_or_reason():
    try:
        return tl.device("opencl"), None
    except RuntimeError as error:
        return None, str(error)


@pytest.fixture(scope="session")
def opencl():
    """The best OpenCL device. Without one the test is skipped, except when
    TENSORLITE_REQUIRE_OPENCL=1 (set by .ci/run): then it fails, so CI never skips OpenCL."""
    found, reason = _opencl_or_reason()
    if found is None:
        if os.environ.get("TENSORLITE_REQUIRE_OPENCL", "") not in ("", "0"):
            pytest.fail(f"TENSORLITE_REQUIRE_OPENCL is set but there is no OpenCL device: {reason}")
        pytest.skip(f"no OpenCL device: {reason}")
    return found


@pytest.fixture(autouse=True)
def device_errors_left_unread_fail_the_test():
    """A device-side check (an index out of range on OpenCL) raises at the next sync; a test
    that leaves one unread would make a later, unrelated test raise it. Such an error fails the
    test that caused it, and is cleared so the next test starts clean."""
    yield
    try:
        from tensorlite.backends.opencl import _backends
    except ImportError:  # no pyopencl: no device, no device errors
        return
    for backend in list(_backends.values()):
        try:
            backend.errors.check()
        except (IndexError, RuntimeError, ValueError) as error:
            pytest.fail(f"this test left a device error unread (sync inside pytest.raises, e.g. "
                        f"with tl.synchronize()): {type(error).__name__}: {error}")


@pytest.fixture(autouse=True)
def oclgrind_reports_fail_the_test():
    """Under Oclgrind (.ci/oclgrind sets OCLGRIND_LOG) any report a test's kernels cause (an
    out-of-bounds access, a data race, ...) fails that test, with the report."""
    log = os.environ.get("OCLGRIND_LOG")
    if not log:
        yield
        return
    start = os.path.getsize(log) if os.path.exists(log) else 0
    yield
    from tensorlite.backends.opencl import _backends
    for backend in list(_backends.values()):
        backend.runtime.synchronize()  # kernels still queued report now, in this test
    if os.path.exists(log) and os.path.getsize(log) > start:
        with open(log, errors="replace") as file:
            file.seek(start)
            pytest.fail(f"Oclgrind reported errors in this test's kernels:\n{file.read(6000)}")



@pytest.fixture
def cpu_and_restored_state():
    """The CPU as default device for the test; default device, dtype and random state restored
    afterwards (docstring examples and docs pages set them freely)."""
    device, dtype, rng = tl.get_default_device(), tl.get_default_dtype(), tl.get_rng_state()
    tl.set_default_device("cpu")
    try:
        yield
    finally:
        tl.set_default_device(device)
        tl.set_default_dtype(dtype)
        tl.set_rng_state(rng)
