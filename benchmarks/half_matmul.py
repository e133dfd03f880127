"""float16 and bfloat16 matmul against float32 on the CPU, one thread: tensorlite computes half
products in float32 (BLAS) and rounds once, as PyTorch's CPU kernels do; NumPy's own float16
matmul has no BLAS and loops in half precision (shown for comparison, on a smaller size).

Run: OMP_NUM_THREADS=1 python benchmarks/half_matmul.py
"""
import numpy as np
from common import load_average, time_per_call, torch_or_none

import tensorlite as tl

SIZES = (256, 512)


def main():
    print(f"matmul n x n @ n x n, one thread ({load_average()})")
    torch = torch_or_none()
    rng = np.random.default_rng(0)
    for n in SIZES:
        a, b = rng.standard_normal((2, n, n)).astype(np.float32)
        number = max(1, 2 ** 24 // n ** 3)
        line = []
        for dtype in (tl.float32, tl.float16, tl.bfloat16):
            x, y = tl.tensor(a, dtype=dtype), tl.tensor(b, dtype=dtype)
            seconds = time_per_call(lambda: x @ y, number=number)
            line.append(f"tensorlite {dtype.name} {seconds * 1e3:.2f} ms")
        if torch is not None:
            for dtype in (torch.float32, torch.float16, torch.bfloat16):
                x, y = torch.tensor(a, dtype=dtype), torch.tensor(b, dtype=dtype)
                seconds = time_per_call(lambda: x @ y, number=number)
                line.append(f"torch {str(dtype).split('.')[-1]} {seconds * 1e3:.2f} ms")
        print(f"  n={n}: " + ", ".join(line))
    half_a, half_b = (m.astype(np.float16) for m in rng.standard_normal((2, 128, 128)))
    seconds = time_per_call(lambda: half_a @ half_b, number=1, repeat=3, warmup=1)
    print(f"  NumPy's own float16 matmul, n=128 (no BLAS): {seconds * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
