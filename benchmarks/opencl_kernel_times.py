"""Device time per kernel of one compiled, fused W2 step on OpenCL (PoCL: run with
POCL_MAX_PTHREAD_COUNT=1), from a profiling queue: which kernels a step's time goes to.

Each kernel's time is the lower quartile over the timed steps of its summed start-to-end times
in a step (the machine may be shared: the lower quartile drops the steps another process
preempted), next to the step's process CPU time (Python and PoCL's worker thread together).

Run: cd benchmarks && POCL_MAX_PTHREAD_COUNT=1 PYTHONPATH=.. python opencl_kernel_times.py [steps]
"""
from __future__ import annotations

import sys
import time
from collections import Counter

import pyopencl as cl

_EVENTS = []  # (kernel name, global size, local size, event) of every launch


def _profile_every_launch() -> None:
    """Profiling queues and a record of every kernel launch: set before the device is made
    (tensorlite's Runtime builds its queue then; a replay binds pyopencl's enqueue function
    when it is prepared)."""
    queue, enqueue = cl.CommandQueue, cl._cl.enqueue_nd_range_kernel

    def profiling_queue(context, *args, **kwargs):
        return queue(context, properties=cl.command_queue_properties.PROFILING_ENABLE)

    def recorded(queue_, kernel, global_size, local_size, *args, **kwargs):
        event = enqueue(queue_, kernel, global_size, local_size, *args, **kwargs)
        _EVENTS.append((kernel.function_name, tuple(global_size),
                        None if local_size is None else tuple(local_size), event))
        return event
    cl.CommandQueue = profiling_queue
    cl._cl.enqueue_nd_range_kernel = cl.enqueue_nd_range_kernel = recorded


def main(steps: int = 50) -> None:
    _profile_every_launch()
    import tensorlite as tl
    import compile_steps
    import training_steps
    device = tl.device("opencl")
    modes = dict(compile_steps._opencl_modes(lambda: training_steps.step_fn(tl, "W2", device), device))
    step = modes.get("compiled (launches), fused", modes["compiled (launches)"])
    for _ in range(5):
        step()
    tl.synchronize("opencl")
    device.backend.runtime.wait_for_builds()
    for _ in range(3):  # a replay traces again with the templates built in the background
        step()
    tl.synchronize("opencl")
    _EVENTS.clear()
    start = time.process_time()
    for _ in range(steps):
        step()
    tl.synchronize("opencl")
    cpu = (time.process_time() - start) / steps
    per_step = len(_EVENTS) // steps
    launches = [_EVENTS[i * per_step:(i + 1) * per_step] for i in range(steps)]
    counts = Counter((name, size, local) for name, size, local, _ in launches[0])
    times = {}
    for key in counts:
        sums = sorted(sum((event.profile.end - event.profile.start) * 1e-3
                          for name, size, local, event in launch if (name, size, local) == key)
                      for launch in launches)
        times[key] = sums[len(sums) // 4]
    total = sum(times.values())
    print(f"W2 compiled (fused) on {device.backend.runtime.name}: {cpu * 1e3:.3f} ms of process CPU time "
          f"per step, {per_step} launches, {total:.0f} us of kernel time (sum of the lower quartiles)")
    for (name, size, local), us in sorted(times.items(), key=lambda item: -item[1]):
        print(f"  {us:8.1f} us {100 * us / total:5.1f}%  {counts[name, size, local]} x {name} "
              f"global {size} local {local}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
