"""Where fit() runs: the execution environments of TrainingOptions.

One device ('cpu', 'gpu', 'opencl', 'auto'); several replicas in this process ('multi-gpu');
or MPI ranks, one device each ('parallel'). The multi-worker environments split every global
mini-batch by ``worker_load`` and weight each worker's gradient by its share of the samples
(n_i / N for a mean loss; for cross-entropy, its share of the used targets' class weights),
so a step equals one process's step on the whole mini-batch (to float rounding: the sums run
in another order).
"""
from __future__ import annotations

import copy
import math

from .. import distributed as dist
from .. import nn
from ..nn import functional as F
from ..autograd.grad_mode import no_grad
from ..data.dataloader import DataLoader
from ..device import describe_devices, device, gpu_device, gpu_devices
from ..dtypes import float32, float64
from ..ops.creation import tensor, zeros
from ..ops.movement import cat
from ..tensor import Tensor

__all__ = ["environment_for", "split_counts", "SingleDevice", "Replicas", "Ranks"]


def split_counts(total: int, load) -> list:
    """``total`` samples split in proportion to ``load`` (largest remainders, ties to the first
    worker), so the counts sum to ``total``.

    Example:
    >>> from tensorlite.training.environments import split_counts
    >>> split_counts(8, [0.25, 0.75]), split_counts(2, [1, 3]), split_counts(1, [0.25, 0.75])
    ([2, 6], [1, 1], [0, 1])
    """
    whole = sum(load)
    exact = [total * w / whole for w in load]
    counts = [math.floor(e) for e in exact]
    by_remainder = sorted(range(len(load)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in by_remainder[:total - sum(counts)]:
        counts[i] += 1
    return counts


def environment_for(options):
    """The environment of ``options.execution_environment``, with its devices resolved and
    ``worker_load`` checked against the number of workers: raises (naming the devices there
    are) before fit changes anything.

    Example:
    >>> from tensorlite.training.environments import environment_for
    >>> environment_for(tl.training.TrainingOptions(execution_environment="cpu")).device
    device(type='cpu')
    >>> replicas = environment_for(tl.training.TrainingOptions(
    ...     execution_environment="multi-gpu", devices=["cpu", "cpu"], worker_load=[1, 3]))
    >>> len(replicas.devices), replicas.load
    (2, [1, 3])
    """
    kind = options.execution_environment
    if kind == "multi-gpu":
        devices = _devices(options.devices) if options.devices is not None else _all_gpus()
        return Replicas(devices, _load(options.worker_load, len(devices), "devices"))
    if kind == "parallel":
        return Ranks(options)
    if kind == "auto":
        return SingleDevice(gpu_device() or device("cpu"))
    if kind == "gpu":
        found = gpu_device()
        if found is None:
            raise RuntimeError("execution_environment='gpu' needs an OpenCL GPU and there is none; the "
                               f"devices here: {'; '.join(describe_devices())}. Use "
                               "execution_environment='opencl' for the OpenCL device there is, or 'cpu'")
        return SingleDevice(found)
    return SingleDevice(device(kind))


def _devices(specs) -> list:
    return [device(spec) for spec in specs]


def _all_gpus() -> list:
    found = gpu_devices()
    if not found:
        raise RuntimeError("execution_environment='multi-gpu' needs at least one OpenCL GPU and there is "
                           f"none; the devices here: {'; '.join(describe_devices())}. Pass "
                           "devices=['opencl:0', 'opencl:1'] (any devices, e.g. PoCL's CPU devices with "
                           "POCL_DEVICES='pthread pthread') to put the replicas there, or use 'cpu'/'opencl'")
    return found


def _load(worker_load, workers: int, what: str) -> list:
    if worker_load is None:
        return [1] * workers
    if len(worker_load) != workers:
        raise ValueError(f"TrainingOptions: worker_load={list(worker_load)!r} has {len(worker_load)} "
                         f"entries but there are {workers} workers ({what}): give one share per worker")
    return list(worker_load)


def _loss_terms(loss_fn, output, target, count: int):
    """A worker's slice's loss as (numerator, mass): the batch's loss is the sum of the workers'
    numerators over the sum of their masses, and its gradient the sum of the numerators'
    gradients over that sum. A mean over samples (or elements, or 'batchmean') has numerator
    loss * count and mass count; cross-entropy/NLL on class indices divides by the targets'
    class weights, ignored targets counting nowhere, so its numerator is the 'sum' reduction
    and its mass those weights' sum (a 0-dim tensor). A 'sum' loss has mass None: no division.
    A loss without ``reduction`` (a plain function) is taken as a mean over samples."""
    reduction = getattr(loss_fn, "reduction", "mean")
    if reduction == "sum":
        return loss_fn(output, target), None
    if isinstance(loss_fn, (nn.CrossEntropyLoss, nn.NLLLoss)) and not target.is_floating_point():
        if isinstance(loss_fn, nn.CrossEntropyLoss):
            numerator = F.cross_entropy(output, target, loss_fn.weight, loss_fn.ignore_index, "sum",
                                        loss_fn.label_smoothing)
        else:
            numerator = F.nll_loss(output, target, loss_fn.weight, loss_fn.ignore_index, "sum")
        with no_grad():
            used = target != loss_fn.ignore_index
            if loss_fn.weight is None:
                return numerator, used.double().sum()
            return numerator, (loss_fn.weight[target.masked_fill(~used, 0)].double() * used).sum()
    return loss_fn(output, target) * count, count


def _divide(numerator: float, mass: float) -> float:
    """numerator / mass as a tensor divides: a batch whose targets are all ignored has loss nan."""
    return numerator / mass if mass else math.copysign(math.inf, numerator) if numerator else math.nan


def _loss_on(loss_fn, where):
    """The loss to use on device ``where``: a copy moved there when the module holds tensors
    elsewhere (class weights), the caller's loss itself otherwise (it is never moved)."""
    if isinstance(loss_fn, nn.Module) and any(t.device != where for t in loss_fn.state_dict().values()):
        return copy.deepcopy(loss_fn).to(where)
    return loss_fn


def check_loss(loss_fn) -> None:
    """Refuse a loss that does not reduce to a scalar (its batch value is no sum over workers)."""
    if getattr(loss_fn, "reduction", "mean") not in ("mean", "sum", "batchmean"):
        raise ValueError(f"{type(loss_fn).__name__}(reduction={loss_fn.reduction!r}): the multi-worker "
                         "environments need a loss reduced to a scalar ('mean', 'sum' or 'batchmean')")


def _metric_part(metric, output, target, count: int, total: int):
    """A worker's term of the batch's metric (a 0-dim tensor on its device): the number of
    correct predictions, or its share of the mean squared error (the weighted sum's square
    root is the batch's RMSE)."""
    with no_grad():
        if metric == "accuracy":
            return (output.argmax(1) == target).double().sum()
        return ((output - target) ** 2).mean().double() * (count / total)


def _finish_metric(metric, value: float, total: int) -> float:
    return value / total if metric == "accuracy" else math.sqrt(max(value, 0.0))


class SingleDevice:
    """Train on one device: fit's plain loop ('cpu', 'gpu', 'opencl', 'auto').

    Shapes: forward_backward takes inputs (N, *) and targets (N, *) on any device.

    Example:
    >>> from tensorlite.training.environments import SingleDevice
    >>> model = nn.Linear(2, 2)
    >>> one = SingleDevice(tl.device("cpu"))
    >>> loss_fn = one.prepare(model, nn.CrossEntropyLoss())
    >>> loss, accuracy = one.forward_backward(model, tl.ones(4, 2), tl.tensor([0, 1, 1, 1]),
    ...                                       loss_fn, "accuracy")
    >>> model.weight.grad.shape, accuracy in (0.25, 0.75)
    (tensorlite.Size([2, 2]), True)
    """

    is_main = True

    def __init__(self, where):
        self.device = where
        self.devices = [where]

    def prepare(self, model, loss_fn):
        """Move the model to the device; returns the loss to train with there."""
        model.to(self.device)
        return _loss_on(loss_fn, self.device)

    def loader(self, loader):
        return loader

    def start(self, model):
        """Called once the model (and a resumed state) is in place, before the first step."""

    def forward_backward(self, model, inputs, targets, loss_fn, metric):
        """Gradients of the mini-batch's loss into model's .grad; returns (loss, metric) floats."""
        inputs, targets = inputs.to(self.device), targets.to(self.device)
        output = model(inputs)
        batch_loss = loss_fn(output, targets)
        batch_loss.backward()
        total = len(targets)
        part = _metric_part(metric, output, targets, total, total).item()
        return batch_loss.item(), _finish_metric(metric, part, total)

    def after_step(self, model):
        """Called after the optimizer's step."""

    def agree(self, stop: bool) -> bool:
        """Whether training stops: rank 0's decision on every worker."""
        return stop

    def worker_options(self, options):
        return options


class Replicas(SingleDevice):
    """A replica of the model on each device of this process ('multi-gpu').

    Replica 0 is the model itself (on devices[0]), the others deep copies. Each step sends each
    replica its slice of the mini-batch, runs forward and backward there of its loss's numerator
    (see _loss_terms), adds the other replicas' gradients into replica 0's and divides them by
    the summed masses (for a mean over samples: the sum of n_i / N * g_i, the whole batch's
    gradient), steps the one optimizer on replica 0 and copies its parameters to the others. Copying parameters moves as many values as sending
    every replica the summed gradient would, but steps once and keeps one optimizer state, so the
    replicas equal replica 0 exactly. Buffers (batch norm's running statistics) are replica 0's,
    from its own slice. A device may repeat (two replicas on 'cpu' give the same result).

    Example:
    >>> from tensorlite.training.environments import Replicas
    >>> model = nn.Linear(2, 1)
    >>> replicas = Replicas([tl.device("cpu"), tl.device("cpu")], load=[1, 3])
    >>> loss_fn = replicas.prepare(model, nn.MSELoss())
    >>> x, y = tl.randn(8, 2), tl.randn(8, 1)
    >>> loss, rmse = replicas.forward_backward(model, x, y, loss_fn, "rmse")
    >>> round(loss, 6) == round(nn.functional.mse_loss(model(x), y).item(), 6)
    True
    """

    def __init__(self, devices, load):
        super().__init__(devices[0])
        self.devices, self.load = devices, load
        self.replicas, self.losses = [], []

    def prepare(self, model, loss_fn):
        check_loss(loss_fn)
        model.to(self.device)
        self.replicas = [model] + [copy.deepcopy(model).to(where) for where in self.devices[1:]]
        self.losses = [_loss_on(loss_fn, where) for where in self.devices]
        return self.losses[0]

    def start(self, model):
        self.after_step(model)

    def forward_backward(self, model, inputs, targets, loss_fn, metric):
        counts = split_counts(len(targets), self.load)
        numerators = masses = metric_value = 0.0
        first = 0
        for replica, where, replica_loss, count in zip(self.replicas, self.devices, self.losses, counts):
            if replica is not model:
                for parameter in replica.parameters():
                    parameter.grad = None
            if count:
                x, y = inputs[first:first + count].to(where), targets[first:first + count].to(where)
                output = replica(x)
                numerator, mass = _loss_terms(replica_loss, output, y, count)
                numerator.backward()
                numerators += numerator.item()
                masses = None if mass is None else masses + float(mass)
                metric_value += _metric_part(metric, output, y, count, len(targets)).item()
            first += count
        self._gather_gradients(model, masses)
        loss_value = numerators if masses is None else _divide(numerators, masses)
        return loss_value, _finish_metric(metric, metric_value, len(targets))

    def _gather_gradients(self, model, masses):
        """Replica 0's gradient: the replicas' summed gradients over the summed masses."""
        main = list(model.parameters())
        with no_grad():
            for replica in self.replicas[1:]:
                for mine, theirs in zip(main, replica.parameters()):
                    if theirs.grad is None:
                        continue
                    moved = theirs.grad.to(self.device)
                    if mine.grad is None:
                        mine.grad = moved.clone() if moved is theirs.grad else moved
                    else:
                        mine.grad.add_(moved)
            for mine in main:
                if masses is not None and mine.grad is not None:
                    mine.grad.div_(masses)

    def after_step(self, model):
        with no_grad():
            for replica in self.replicas[1:]:
                for mine, theirs in zip(model.parameters(), replica.parameters()):
                    theirs.copy_(mine)


class Ranks(SingleDevice):
    """One worker per MPI rank ('parallel'): every rank runs fit on its own device.

    Rank r takes its slice of each global mini-batch (the union over ranks is one process's
    batch k, split by worker_load), runs forward and backward of its loss's numerator (see
    _loss_terms), and one all_reduce per step sums the gradients with the numerators, the
    masses, the metric terms and which parameters got a gradient at all; the gradients are
    divided by the summed mass. Every rank then steps the same optimizer on the same
    values, so the parameters stay equal without being sent. Parameters and buffers are
    broadcast from rank 0 at the start, buffers after every step (PyTorch DDP's
    broadcast_buffers). History, progress, validation, early stopping, output functions and
    checkpoints run on rank 0; its stop decision is broadcast each iteration.

    Example (``python`` alone is a job of one rank; ``mpiexec -n 2`` makes two):
    >>> from tensorlite.training.environments import Ranks
    >>> ranks = Ranks(tl.training.TrainingOptions(execution_environment="parallel", devices=["cpu"]))
    >>> ranks.rank, ranks.world, ranks.device, ranks.load
    (0, 1, device(type='cpu'), [1])
    >>> tl.distributed.destroy_process_group()
    """

    def __init__(self, options):
        if not dist.is_available():
            raise RuntimeError("execution_environment='parallel' needs MPI: pip install "
                               "tensorlite[distributed] (mpi4py and mpich), then launch with "
                               "mpiexec -n N python train.py")
        if not dist.is_initialized():
            dist.init_process_group("mpi")
        self.rank, self.world = dist.get_rank(), dist.get_world_size()
        self.is_main = self.rank == 0
        local = dist.get_local_rank()
        if options.devices is not None:
            choices = _devices(options.devices)
        else:
            choices = gpu_devices() or [device("cpu")]
        super().__init__(choices[local % len(choices)])
        self.load = _load(options.worker_load, self.world, "MPI ranks: mpiexec -n")
        self.sampler = None

    def prepare(self, model, loss_fn):
        check_loss(loss_fn)
        model.to(self.device)
        return _loss_on(loss_fn, self.device)

    def loader(self, loader):
        self.sampler = _RankBatches(loader.batch_sampler, self.load, self.rank)
        return DataLoader(loader.dataset, batch_sampler=self.sampler, collate_fn=loader.collate_fn)

    def worker_options(self, options):
        if self.is_main:
            return options
        quiet = copy.copy(options)
        quiet.verbose, quiet.output_functions = False, []
        quiet.validation_data, quiet.checkpoint_path = None, None
        quiet.tensorboard = None
        return quiet

    def start(self, model):
        with no_grad():
            for value in list(model.parameters()) + list(model.buffers()):
                dist.broadcast(value, src=0)

    def forward_backward(self, model, inputs, targets, loss_fn, metric):
        count, total = self.sampler.count, self.sampler.total
        summary = zeros(3, dtype=float64, device=self.device)  # numerator, metric term, mass
        if count:
            inputs, targets = inputs.to(self.device), targets.to(self.device)
            output = model(inputs)
            numerator, mass = _loss_terms(loss_fn, output, targets, count)
            numerator.backward()
            with no_grad():
                if not isinstance(mass, Tensor):
                    mass = tensor(float(mass or 0), dtype=float64, device=self.device)
                summary = cat([numerator.detach().double().reshape(1),
                               _metric_part(metric, output, targets, count, total).reshape(1),
                               mass.double().reshape(1)])
        normalize = getattr(loss_fn, "reduction", "mean") != "sum"
        numerators, metric_value, masses = self._sum_gradients(list(model.parameters()), summary, normalize)
        loss_value = _divide(numerators, masses) if normalize else numerators
        return loss_value, _finish_metric(metric, metric_value, total)

    def _sum_gradients(self, parameters, summary, normalize):
        """One all_reduce per parameter dtype; the first float32/float64 one also carries the
        summary and which parameters got a gradient (a parameter no rank gave one keeps None,
        as in one process). The summed gradients are divided by the summed masses. Returns the
        summed summary as floats."""
        groups = {}
        for parameter in parameters:
            groups.setdefault(parameter.dtype, []).append(parameter)
        flags = tensor([0.0 if p.grad is None else 1.0 for p in parameters], dtype=float64,
                       device=self.device)
        summary = cat([summary, flags])
        carrier = next((dtype for dtype in groups if dtype in (float32, float64)), None)
        if carrier is None:
            dist.all_reduce(summary)
        reduced = []
        with no_grad():
            for dtype, group in groups.items():
                pieces = [(p.grad if p.grad is not None else zeros(p.shape, dtype=dtype, device=self.device))
                          .reshape(-1) for p in group]
                size = sum(p.numel() for p in group)
                flat = cat(pieces + ([summary.to(dtype)] if dtype is carrier else []))
                dist.all_reduce(flat)
                if dtype is carrier:
                    summary = flat[size:]
                reduced.append((group, flat[:size]))
            values = summary.tolist()
            masses, had = values[2], dict(zip(map(id, parameters), values[3:]))
            for group, flat in reduced:
                if normalize:
                    flat = flat / masses
                first = 0
                for p in group:
                    p.grad = flat[first:first + p.numel()].view(p.shape) if had[id(p)] else None
                    first += p.numel()
        return values[0], values[1], masses

    def after_step(self, model):
        with no_grad():
            for buffer in model.buffers():
                dist.broadcast(buffer, src=0)

    def agree(self, stop: bool) -> bool:
        flag = tensor([1.0 if stop else 0.0], dtype=float64)
        dist.broadcast(flag, src=0)
        return bool(flag.item())


class _RankBatches:
    """A batch sampler yielding this rank's slice of each global batch (split by load); count
    and total describe the batch yielded last (fit loads batch k right after drawing it)."""

    def __init__(self, batch_sampler, load, rank):
        self.batch_sampler, self.load, self.rank = batch_sampler, load, rank
        self.count = self.total = 0

    def __len__(self):
        return len(self.batch_sampler)

    def __iter__(self):
        for batch in self.batch_sampler:
            batch = list(batch)
            counts = split_counts(len(batch), self.load)
            first = sum(counts[:self.rank])
            self.count, self.total = counts[self.rank], len(batch)
            yield batch[first:first + self.count]
