"""Run under ``mpiexec -n 2 abort.py WHERE``: rank 1 raises while rank 0 waits forever unless
the exception hook of init_process_group aborts the job; rank 0 waits in a barrier (WHERE =
barrier) or in DistributedDataParallel's shared-memory averaging after backward (WHERE = ddp)."""
import sys

import tensorlite as tl

tl.distributed.init_process_group()
model = tl.nn.parallel.DistributedDataParallel(tl.nn.Linear(3, 2), allreduce="shared_memory") \
    if sys.argv[1] == "ddp" else None
if tl.distributed.get_rank() == 1:
    raise ValueError("rank 1 fails on purpose")
if model is None:
    tl.distributed.barrier()
else:
    model(tl.ones(1, 3)).sum().backward()
print("rank 0 passed the barrier", flush=True)
