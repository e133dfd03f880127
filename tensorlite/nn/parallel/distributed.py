"""DistributedDataParallel: one model replica per MPI rank, gradients averaged across ranks.

During backward each parameter's post-accumulate-grad hook marks its gradient ready; once every
gradient of a bucket (about ``bucket_cap_mb`` of parameters, in reverse parameter order: the
order in which backward produces them) is ready, the bucket's nonblocking allreduce starts, so
the communication overlaps the rest of backward. A callback queued on the backward pass waits
for all buckets once the graph is done and writes the averages into ``.grad``.

On one machine the buckets live in an MPI shared-memory window and the CPU parameters' ``.grad``
are views into it (see tensorlite.distributed.shared_memory): the ranks reduce each other's
gradients in place; across machines the ranks of each local index add one MPI Allreduce per
slice. Other buckets (half types, ``allreduce='mpi'``) go through MPI's Iallreduce.
"""
from __future__ import annotations

import contextlib
import time

from ... import distributed
from ...autograd import no_grad, queue_callback
from ...distributed.buckets import (ALLREDUCE_CHOICES, check_same_parameters, make_buckets,
                                    zero_missing_gradients)
from ..module import Module


class DistributedDataParallel(Module):
    """Wrap ``module`` for data-parallel training: every rank runs the same model on its own
    shard of each batch (see ``tensorlite.data.DistributedSampler``); after ``backward`` every
    rank holds the gradients averaged over all ranks, so the optimizer steps agree.

    At construction the ranks check that their parameters and buffers have the same names'
    shapes and dtypes, and rank 0's values are broadcast to all. ``broadcast_buffers``: also
    broadcast rank 0's buffers (e.g. batch-norm statistics) at every forward. ``overlap=False``
    runs one allreduce per bucket after backward instead of during it (same result).
    ``allreduce``: 'auto' averages the buckets of float32/float64 parameters in shared memory
    between the ranks of a machine (the ``.grad`` of CPU parameters become views of the bucket,
    as PyTorch's ``gradient_as_bucket_view=True``; across machines the ranks of each local
    index add an MPI Allreduce) and the others with MPI's Iallreduce; 'mpi' uses Iallreduce for all;
    'shared_memory' refuses buckets that cannot be shared. A job of one rank communicates
    nothing. Gradients of OpenCL parameters are staged through host memory. The state_dict keys carry
    the prefix ``module.`` (as PyTorch's); save ``ddp.module.state_dict()`` from rank 0 only.

    Shapes: as ``module``.

    Example:
    >>> tl.distributed.init_process_group()
    >>> model = tl.nn.parallel.DistributedDataParallel(nn.Linear(3, 1))
    >>> model(tl.ones(4, 3)).sum().backward()
    >>> model.module.weight.grad
    tensor([[4., 4., 4.]])
    >>> list(model.state_dict())
    ['module.weight', 'module.bias']
    >>> tl.distributed.destroy_process_group()
    """

    def __init__(self, module: Module, bucket_cap_mb: float = 25, broadcast_buffers: bool = True,
                 overlap: bool = True, allreduce: str = "auto"):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: module must be a tensorlite.nn.Module, got "
                            f"{type(module).__name__}")
        if not bucket_cap_mb > 0:
            raise ValueError(f"DistributedDataParallel: bucket_cap_mb must be positive, got {bucket_cap_mb!r}")
        if allreduce not in ALLREDUCE_CHOICES:
            raise ValueError(f"DistributedDataParallel: allreduce must be one of {ALLREDUCE_CHOICES}, "
                             f"got {allreduce!r}")
        self.world_size = distributed.get_world_size()  # raises if not initialized
        self.module = module
        self.broadcast_buffers, self.overlap = broadcast_buffers, overlap
        named = list(module.named_parameters()) + list(module.named_buffers())
        check_same_parameters(named)
        with no_grad():
            for _, tensor in named:
                distributed.broadcast(tensor, src=0)
        params = [p for p in module.parameters() if p.requires_grad]
        self._params = params
        self._buckets, self._window = make_buckets(list(reversed(params)), int(bucket_cap_mb * 2 ** 20),
                                                   allreduce)
        self._bucket_of = {id(p): i for i, bucket in enumerate(self._buckets) for p in bucket.params}
        self._ready = [0] * len(self._buckets)
        self._next_bucket = 0
        self._in_backward = False
        self.require_backward_grad_sync = True
        self.last_sync_seconds = 0.0  # time the last backward waited for allreduces at its end
        self._grad_hook_handles = [p.register_post_accumulate_grad_hook(self._gradient_ready) for p in params]

    def forward(self, *args, **kwargs):
        if self.broadcast_buffers and self.world_size > 1:
            with no_grad():
                for buffer in self.module.buffers():
                    distributed.broadcast(buffer, src=0)
        return self.module(*args, **kwargs)

    @contextlib.contextmanager
    def no_sync(self):
        """Within this context backward only accumulates local gradients (no communication);
        the first backward after it averages the accumulated gradients across ranks.

        Example:
        >>> tl.distributed.init_process_group()
        >>> model = tl.nn.parallel.DistributedDataParallel(nn.Linear(2, 1))
        >>> with model.no_sync():
        ...     model(tl.ones(1, 2)).sum().backward()
        >>> model(tl.ones(1, 2)).sum().backward()
        >>> model.module.bias.grad
        tensor([2.])
        >>> tl.distributed.destroy_process_group()
        """
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    def _gradient_ready(self, param) -> None:
        if not self.require_backward_grad_sync:
            return
        if not self._in_backward:
            self._in_backward = True
            if self._window is not None:
                self._window.begin_step()
            queue_callback(self._finish_backward)
        if not self.overlap or self.world_size == 1:
            return
        index = self._bucket_of[id(param)]
        self._ready[index] += 1
        # every rank starts the buckets in the same order (MPI matches collectives by order)
        while self._next_bucket < len(self._buckets) and \
                self._ready[self._next_bucket] == len(self._buckets[self._next_bucket].params):
            self._buckets[self._next_bucket].start(self.world_size)
            self._next_bucket += 1
        for bucket in self._buckets[:self._next_bucket]:
            bucket.progress()

    def _finish_backward(self) -> None:
        """After the graph: start the buckets not yet started (all of them without overlap, or
        those with a parameter unused in this forward), wait for all, write the averages."""
        start = time.perf_counter()
        try:
            if self.world_size == 1:
                zero_missing_gradients(self._params)
            else:
                for bucket in self._buckets[self._next_bucket:]:
                    bucket.start(self.world_size)
                for bucket in self._buckets:
                    bucket.finish()
                if self._window is not None:
                    self._window.end_step()
        finally:
            self._ready = [0] * len(self._buckets)
            self._next_bucket = 0
            self._in_backward = False
        self.last_sync_seconds = time.perf_counter() - start
