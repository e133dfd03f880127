"""Run under ``mpiexec -n 2``: rank 1 raises while rank 0 waits in a barrier forever unless
the exception hook of init_process_group aborts the job."""
import tensorlite as tl

tl.distributed.init_process_group()
if tl.distributed.get_rank() == 1:
    raise ValueError("rank 1 fails on purpose")
tl.distributed.barrier()
print("rank 0 passed the barrier", flush=True)
