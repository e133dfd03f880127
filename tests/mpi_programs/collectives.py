"""Run under ``mpiexec -n 2``: every collective, every ReduceOp, on the devices named on the
command line (cpu, opencl), checked against NumPy; then the errors every rank must raise
together. Any failed check raises, and the exception hook of init_process_group aborts the job."""
import sys

import numpy as np

import tensorlite as tl

dist = tl.distributed


def rank_values(rank, dtype, shape=(2, 3)):
    """What rank ``rank`` contributes: distinct per rank and element, exact in every dtype."""
    base = np.arange(int(np.prod(shape))).reshape(shape)
    return (base * (rank + 2) - 3 * rank).astype(dtype.numpy)


def expect(tensor, expected, what):
    got = tensor.cpu().numpy()
    if got.dtype != expected.dtype or not np.array_equal(got, expected):
        raise AssertionError(f"rank {dist.get_rank()}: {what}: got {got!r}, expected {expected!r}")


def check_all_reduce(device, dtype, size):
    everyone = np.stack([rank_values(r, dtype) for r in range(size)])
    expected = {"sum": everyone.sum(0), "max": everyone.max(0), "min": everyone.min(0)}
    if dtype.is_floating_point:
        expected["avg"] = everyone.sum(0) / size
    for name, value in expected.items():
        for op in (name, dist.ReduceOp(name)):
            x = tl.tensor(rank_values(dist.get_rank(), dtype), device=device)
            version = x._version
            dist.all_reduce(x, op=op)
            expect(x, value.astype(dtype.numpy), f"all_reduce {op} {dtype} on {device}")
            assert x._version > version, "all_reduce must bump the version counter"
            assert x.device == tl.device(device)


def check_reduce(device, dtype, size):
    rank = dist.get_rank()
    everyone = np.stack([rank_values(r, dtype) for r in range(size)])
    for op, value in (("sum", everyone.sum(0)), ("max", everyone.max(0)), ("min", everyone.min(0))):
        x = tl.tensor(rank_values(rank, dtype), device=device)
        dist.reduce(x, dst=1, op=op)
        expect(x, value.astype(dtype.numpy) if rank == 1 else rank_values(rank, dtype),
               f"reduce {op} {dtype} on {device}")


def check_broadcast_and_all_gather(device, dtype, size):
    rank = dist.get_rank()
    x = tl.tensor(rank_values(rank, dtype), device=device)
    dist.broadcast(x, src=1)
    expect(x, rank_values(1, dtype), f"broadcast {dtype} on {device}")
    outputs = [tl.zeros(2, 3, dtype=dtype, device=device) for _ in range(size)]
    dist.all_gather(outputs, tl.tensor(rank_values(rank, dtype), device=device))
    for r, out in enumerate(outputs):
        expect(out, rank_values(r, dtype), f"all_gather {dtype} on {device}, slot {r}")


def raises_everywhere(fragment, call):
    """``call`` must raise a RuntimeError containing ``fragment`` on this rank (and, as every
    rank runs this, on all of them: no rank is left waiting)."""
    try:
        call()
    except (RuntimeError, ValueError, TypeError) as error:
        if fragment not in str(error):
            raise AssertionError(f"rank {dist.get_rank()}: expected {fragment!r} in: {error}") from error
        return
    raise AssertionError(f"rank {dist.get_rank()}: no error (expected {fragment!r})")


def check_errors(device):
    rank = dist.get_rank()
    raises_everywhere("rank 0: [2] float32, rank 1: [3] float32",
                      lambda: dist.all_reduce(tl.zeros(rank + 2, device=device)))
    raises_everywhere("rank 0: [2] float32, rank 1: [2] float64",
                      lambda: dist.broadcast(tl.zeros(2, dtype=tl.float32 if rank == 0 else tl.float64,
                                                      device=device)))
    raises_everywhere("disagree", lambda: dist.all_gather([tl.zeros(rank + 1), tl.zeros(rank + 1)],
                                                          tl.zeros(rank + 1, device=device)))
    raises_everywhere("in-place" if rank == 1 else "rank(s) [1] refused",
                      lambda: dist.all_reduce(tl.zeros(2, requires_grad=rank == 1, device=device)))
    raises_everywhere("tensor_list must be a list of world size (2)",
                      lambda: dist.all_gather([tl.zeros(2, device=device)], tl.zeros(2, device=device)))
    raises_everywhere("AVG needs a floating-point", lambda: dist.all_reduce(tl.zeros(2, dtype=tl.int64), "avg"))
    raises_everywhere("unknown reduce op", lambda: dist.all_reduce(tl.zeros(2), "prod"))
    leaf = tl.zeros(2, requires_grad=True, device=device)
    with tl.no_grad():
        dist.all_reduce(leaf)  # allowed under no_grad, as any in-place op on a leaf


def main(devices):
    dist.init_process_group()
    size = dist.get_world_size()
    assert size == 2 and dist.get_local_rank() == dist.get_rank()
    for device in devices:
        for dtype in (tl.float64, tl.float32, tl.int64, tl.int32):
            check_all_reduce(device, dtype, size)
            check_reduce(device, dtype, size)
            check_broadcast_and_all_gather(device, dtype, size)
        check_errors(device)
    half = tl.tensor([1.5, 2.5], dtype=tl.float16) * (dist.get_rank() + 1)
    dist.all_reduce(half, "avg")
    expect(half, np.array([2.25, 3.75], dtype=np.float16), "all_reduce avg float16")
    flags = tl.tensor([dist.get_rank() == 0, False])
    dist.all_reduce(flags)
    expect(flags, np.array([True, False]), "all_reduce sum (logical or) bool")
    dist.barrier()
    dist.destroy_process_group()
    print("collectives ok", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
