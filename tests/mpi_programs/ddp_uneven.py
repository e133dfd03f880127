"""Run under ``mpiexec -n 3`` cut into simulated machines of 2 and 1 ranks: the slices of the
hierarchical allreduce would not line up, so allreduce='auto' averages every bucket with MPI
(and still averages right) while allreduce='shared_memory' raises on every rank."""
import tensorlite as tl
from tensorlite import nn
from tensorlite.distributed import shared_memory
from tensorlite.distributed.buckets import GradientBucket

dist = tl.distributed


def main():
    dist.init_process_group()
    shared_memory.SIMULATED_RANKS_PER_NODE = 2
    tl.manual_seed(0)
    model = nn.Linear(3, 2).double()
    ddp = nn.parallel.DistributedDataParallel(model, bucket_cap_mb=1e-5)
    assert ddp._window is None and all(isinstance(b, GradientBucket) for b in ddp._buckets), ddp._buckets
    inputs = [tl.full((1, 3), float(r + 1), dtype=tl.float64) for r in range(dist.get_world_size())]
    expected = sum(tl.autograd.grad(model(x).sum(), [model.weight])[0] for x in inputs) / len(inputs)
    ddp(inputs[dist.get_rank()]).sum().backward()
    assert (model.weight.grad - expected).abs().max().item() < 1e-12, (model.weight.grad, expected)
    try:
        nn.parallel.DistributedDataParallel(model, allreduce="shared_memory")
    except RuntimeError as error:
        assert "the machines run different numbers of ranks" in str(error), str(error)
    else:
        raise AssertionError("allreduce='shared_memory' accepted machines of 2 and 1 ranks")
    dist.barrier()
    print("ddp uneven ok", flush=True)


if __name__ == "__main__":
    main()
