"""The glibc allocator effect: page faults and time for a step that makes 64 MiB temporaries.

glibc mmaps blocks above its dynamic threshold (which adapts up to 32 MiB) and unmaps them on
free, so larger temporaries take a page fault per 4 KiB on every step. A program opts in to
raised thresholds with tensorlite.backends.tune_allocator() or TENSORLITE_MALLOC_TUNING=1
(tensorlite/_malloc.py); run_all.py runs this with the tuning on and off.

Run: TENSORLITE_MALLOC_TUNING=1 python benchmarks/allocator.py   (unset: glibc's defaults)
"""
import os
import resource
import time

from common import load_average

import tensorlite as tl


def main():
    x = tl.randn(4096, 4096)
    for _ in range(2):
        (x * 2 + 1).sum()
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    start = time.perf_counter()
    for _ in range(10):
        (x * 2 + 1).sum()
    seconds = (time.perf_counter() - start) / 10
    faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults) / 10
    tuning = os.environ.get("TENSORLITE_MALLOC_TUNING", "0")
    print(f"  (x*2+1).sum() on 4096x4096 float32, TENSORLITE_MALLOC_TUNING={tuning}: "
          f"{seconds * 1e3:.1f} ms, {faults:.0f} minor page faults per call ({load_average()})")


if __name__ == "__main__":
    main()
