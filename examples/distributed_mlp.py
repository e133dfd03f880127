"""Data-parallel training on the bundled digits: one process per rank, each on its own shard.

    mpiexec -n 2 python examples/distributed_mlp.py          (or plain python: a 1-rank job)
    mpiexec -f hosts -n 8 python examples/distributed_mlp.py (across machines)

Every rank builds the same model; DistributedDataParallel broadcasts rank 0's parameters and
averages the gradients in backward, DistributedSampler gives each rank its share of each global
batch. Rank 0 evaluates, prints and writes the checkpoint.
"""
import sys

import tensorlite as tl
from tensorlite import nn
from tensorlite.data import DataLoader, Digits, DistributedSampler

dist = tl.distributed


def main(epochs=5, batch_per_rank=32, checkpoint="digits-ddp.tl", device="cpu"):
    """Train, and return rank 0's test accuracy (None on the other ranks). On a machine with
    GPUs pass device=f"opencl:{tl.distributed.get_local_rank()}": one rank per GPU."""
    dist.init_process_group()
    rank, size = dist.get_rank(), dist.get_world_size()
    tl.manual_seed(rank)  # deliberately different: DDP broadcasts rank 0's parameters
    model = nn.parallel.DistributedDataParallel(
        nn.Sequential(nn.Linear(64, 100), nn.ReLU(), nn.Linear(100, 10)).to(device))
    train = Digits(train=True)
    sampler = DistributedSampler(train, shuffle=True, seed=0)
    loader = DataLoader(train, batch_size=batch_per_rank, sampler=sampler)
    optimizer = tl.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for epoch in range(epochs):
        sampler.set_epoch(epoch)
        for x, y in loader:
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(x.to(device)), y.to(device)).backward()
            optimizer.step()
    accuracy = None
    if rank == 0:
        test = Digits(train=False)
        x, y = next(iter(DataLoader(test, batch_size=len(test))))
        with tl.no_grad():
            accuracy = (model(x.to(device)).argmax(1).cpu() == y).float().mean().item()
        tl.save(model.module.state_dict(), checkpoint)
        print(f"{size} ranks: test accuracy {accuracy:.3f}; checkpoint in {checkpoint}", flush=True)
    dist.destroy_process_group()
    return accuracy


if __name__ == "__main__":
    main(checkpoint=sys.argv[1] if len(sys.argv) > 1 else "digits-ddp.tl")
