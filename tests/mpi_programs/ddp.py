"""Run under ``mpiexec -n 2``: data-parallel training of a small float64 MLP with
DistributedDataParallel + DistributedSampler equals one process on the global batch (loss curve
and final parameters to 1e-10): with bucket overlap on and off, with several buckets, with
no_sync gradient accumulation, gradients zeroed in place (set_to_none=False), through the
shared-memory window (also as two simulated machines: the hierarchical allreduce) and through
MPI's Iallreduce, and on the devices named on the command line. Then a rank whose model differs
makes every rank raise at construction. Rank 0 computes the one-process reference."""
import sys

import tensorlite as tl
from tensorlite import nn
from tensorlite.distributed import shared_memory

dist = tl.distributed
N, FEATURES, CLASSES, RANK_BATCH, EPOCHS = 40, 5, 3, 4, 2


def data():
    generator = tl.Generator().manual_seed(123)
    x = tl.randn(N, FEATURES, dtype=tl.float64, generator=generator)
    y = x[:, :CLASSES].argmax(dim=1)  # learnable: the loss must fall
    return tl.data.TensorDataset(x, y)


def mlp(seed, device):
    tl.manual_seed(seed)
    return nn.Sequential(nn.Linear(FEATURES, 8), nn.Tanh(), nn.Linear(8, 6), nn.Tanh(),
                         nn.Linear(6, CLASSES)).double().to(device)


def train(model, loader_of_epoch, device, micro_batches=1, step_model=None, set_to_none=True):
    """SGD with momentum over EPOCHS epochs; returns the per-step losses of the global batch."""
    step_model = step_model or model
    optimizer = tl.optim.SGD(step_model.parameters(), lr=0.3, momentum=0.9)
    losses = []
    for epoch in range(EPOCHS):
        for x, y in loader_of_epoch(epoch):
            x, y = x.to(device), y.to(device)
            optimizer.zero_grad(set_to_none=set_to_none)
            total = 0.0
            for i, (xs, ys) in enumerate(zip(x.chunk(micro_batches), y.chunk(micro_batches))):
                loss = nn.functional.cross_entropy(model(xs), ys) / micro_batches
                if i < micro_batches - 1 and hasattr(model, "no_sync"):
                    with model.no_sync():
                        loss.backward()
                else:
                    loss.backward()
                total += loss.item()
            losses.append(total)
            optimizer.step()
    return losses


def distributed_run(dataset, device, **ddp_options):
    micro_batches = ddp_options.pop("micro_batches", 1)
    set_to_none = ddp_options.pop("set_to_none", True)
    shared_memory.SIMULATED_RANKS_PER_NODE = ddp_options.pop("ranks_per_node", None)
    rank, size = dist.get_rank(), dist.get_world_size()
    model = nn.parallel.DistributedDataParallel(mlp(seed=rank, device=device), **ddp_options)
    sampler = tl.data.DistributedSampler(dataset, num_replicas=size, rank=rank, shuffle=True, seed=7)

    def loader_of_epoch(epoch):
        sampler.set_epoch(epoch)
        return tl.data.DataLoader(dataset, batch_size=RANK_BATCH, sampler=sampler)

    local = tl.tensor(train(model, loader_of_epoch, device, micro_batches, set_to_none=set_to_none),
                      dtype=tl.float64)
    shared_memory.SIMULATED_RANKS_PER_NODE = None
    dist.all_reduce(local, "avg")  # the global batch's loss: the mean of the ranks' means
    return local.tolist(), [p.detach().cpu() for p in model.module.parameters()]


def reference(dataset, device):
    model = mlp(seed=0, device=device)
    sampler = tl.data.DistributedSampler(dataset, num_replicas=1, rank=0, shuffle=True, seed=7)

    def loader_of_epoch(epoch):
        sampler.set_epoch(epoch)
        return tl.data.DataLoader(dataset, batch_size=RANK_BATCH * dist.get_world_size(), sampler=sampler)

    return train(model, loader_of_epoch, device), [p.detach().cpu() for p in model.parameters()]


def compare(name, run, expected):
    losses, params = run
    ref_losses, ref_params = expected
    assert len(losses) == len(ref_losses) == EPOCHS * N // (RANK_BATCH * 2), name
    worst = max(abs(a - b) for a, b in zip(losses, ref_losses))
    assert worst < 1e-10, f"{name}: loss curves differ by {worst}: {losses} vs {ref_losses}"
    assert ref_losses[-1] < ref_losses[0], f"{name}: the reference did not learn: {ref_losses}"
    for p, q in zip(params, ref_params):
        assert (p - q).abs().max().item() < 1e-10, f"{name}: parameters differ"


def check_mismatched_models():
    rank = dist.get_rank()
    model = nn.Sequential(nn.Linear(3, 4 + rank), nn.Linear(4 + rank, 1))
    try:
        nn.parallel.DistributedDataParallel(model)
    except RuntimeError as error:
        assert "parameter '0.weight' has shape [4, 3] float32 on rank 0 but [5, 3] float32 on rank 1" \
            in str(error), str(error)
    else:
        raise AssertionError("DistributedDataParallel accepted different models")


def check_shared_memory_refuses():
    """allreduce='shared_memory' on parameters it cannot share raises on every rank."""
    try:
        nn.parallel.DistributedDataParallel(nn.Linear(2, 2, device="cpu").half(), allreduce="shared_memory")
    except RuntimeError as error:
        assert "a parameter is float16" in str(error) and "allreduce='auto'" in str(error), str(error)
    else:
        raise AssertionError("allreduce='shared_memory' accepted float16 parameters")


def check_bucket_views():
    """Gradients from before the wrapping move into the bucket views; a gradient the user
    replaced is copied in at the next backward; the result is the ranks' average of the
    accumulated gradients, and .grad is the bucket view again."""
    model = mlp(seed=0, device="cpu")
    model(tl.ones(2, FEATURES, dtype=tl.float64, device="cpu")).sum().backward()
    before = [p.grad.clone() for p in model.parameters()]
    ddp = nn.parallel.DistributedDataParallel(model, allreduce="shared_memory", bucket_cap_mb=1e-4)
    params = list(model.parameters())
    for p, grad in zip(params, before):
        assert p.grad is p._grad_destination and tl.equal(p.grad, grad)
    params[0].grad = tl.zeros_like(params[0])
    inputs = [tl.full((2, FEATURES), float(r + 1), dtype=tl.float64, device="cpu")
              for r in range(dist.get_world_size())]
    grads = [tl.autograd.grad(model(x).sum(), params) for x in inputs]
    ddp(inputs[dist.get_rank()]).sum().backward()
    for i, p in enumerate(params):
        mean = sum(g[i] for g in grads) / len(grads)
        expected = mean if i == 0 else before[i] + mean
        assert p.grad is p._grad_destination, i
        assert (p.grad - expected).abs().max().item() < 1e-12, (i, p.grad, expected)


def main(devices):
    dist.init_process_group()
    dataset = data()
    for device in devices:
        expected = reference(dataset, device) if dist.get_rank() == 0 else None
        runs = {"overlap": distributed_run(dataset, device),
                "overlap, tiny buckets": distributed_run(dataset, device, bucket_cap_mb=1e-4),
                "no overlap": distributed_run(dataset, device, overlap=False, bucket_cap_mb=1e-4),
                "no_sync accumulation": distributed_run(dataset, device, micro_batches=2),
                "mpi, tiny buckets": distributed_run(dataset, device, allreduce="mpi", bucket_cap_mb=1e-4),
                "grads zeroed in place, no_sync": distributed_run(dataset, device, micro_batches=2,
                                                                   set_to_none=False, bucket_cap_mb=1e-4)}
        runs["two simulated machines"] = distributed_run(dataset, device, bucket_cap_mb=1e-4,
                                                         allreduce="shared_memory", ranks_per_node=1)
        if dist.get_rank() == 0:
            for name, run in runs.items():
                compare(f"{name} on {device}", run, expected)
    check_bucket_views()
    check_shared_memory_refuses()
    check_mismatched_models()
    dist.barrier()
    print("ddp ok", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
