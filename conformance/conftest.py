"""Differential conformance suite: tensorlite against PyTorch 2.13 (needs torch; not part of
`make test`). Hypothesis profiles as in tests/conftest.py: ``dev`` (default), ``ci``
(deterministic, used by .ci/conformance), ``thorough`` (fuzzing campaigns)."""
import os
import sys

import pytest
from hypothesis import HealthCheck, settings

sys.path.insert(0, os.path.dirname(__file__))

_SUPPRESS = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large,
             HealthCheck.function_scoped_fixture]  # the device fixture only names a device
settings.register_profile("dev", max_examples=10, deadline=None, suppress_health_check=_SUPPRESS)
settings.register_profile("ci", max_examples=12, deadline=None, derandomize=True, print_blob=True,
                          suppress_health_check=_SUPPRESS)
settings.register_profile("thorough", max_examples=200, deadline=None, print_blob=True,
                          suppress_health_check=_SUPPRESS)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def _opencl_device():
    import tensorlite as tl
    try:
        return tl.device("opencl")
    except RuntimeError as error:
        if os.environ.get("TENSORLITE_REQUIRE_OPENCL", "") not in ("", "0"):
            pytest.fail(f"TENSORLITE_REQUIRE_OPENCL is set but there is no OpenCL device: {error}")
        pytest.skip(f"no OpenCL device: {error}")


@pytest.fixture(params=["cpu", "opencl"])
def device(request):
    """tensorlite's device for a test that runs on both backends (OpenCL: float32 only)."""
    if request.param == "opencl":
        _opencl_device()
    return request.param
