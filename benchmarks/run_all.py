"""Run every benchmark, then the W3-sized step and the allocator benchmark with glibc's
thresholds raised (TENSORLITE_MALLOC_TUNING=1, an opt-in) and at glibc's defaults.

Run: make bench   (or python benchmarks/run_all.py)
"""
import os
import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent


def main():
    for script in ("w1_elementwise.py", "w2_mlp_step.py", "training_steps.py", "dataloader.py",
                   "half_matmul.py"):
        subprocess.run([sys.executable, str(HERE / script)], check=True)
    for tuning in ("1", "0"):
        print(f"\nW3-sized MLP step, TENSORLITE_MALLOC_TUNING={tuning} "
              f"({'raised' if tuning == '1' else 'glibc default'} mmap/trim thresholds):")
        subprocess.run([sys.executable, str(HERE / "w2_mlp_step.py"), "--large"], check=True,
                       env=dict(os.environ, TENSORLITE_MALLOC_TUNING=tuning))


    print("\nAllocator: 64 MiB temporaries")
    for tuning in ("1", "0"):
        subprocess.run([sys.executable, str(HERE / "allocator.py")], check=True,
                       env=dict(os.environ, TENSORLITE_MALLOC_TUNING=tuning))


if __name__ == "__main__":
    main()
