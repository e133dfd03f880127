"""Worker processes of DataLoader(num_workers > 0), with PyTorch's semantics.

The sampler runs in the main process, so the order (and the generator draws behind it) is the
one of num_workers=0; workers only load: batch k goes to worker k % num_workers, and batches
come back in order. Each worker seeds tensorlite's and Python's generators with
``base_seed + worker_id`` before ``worker_init_fn``, where base_seed is derived from the state
of the loader's generator (or the default one) and the epoch number without drawing from it,
so a seeded program is reproducible and num_workers changes no other random stream.
Tensors cross the process boundary as NumPy arrays (host memory): workers load on the CPU.
"""
from __future__ import annotations

import hashlib
import itertools
import multiprocessing
import queue
import random
import time
import traceback
from dataclasses import dataclass

from .. import random as tl_random
from ..device import set_default_device
from ..ops.creation import from_numpy
from ..tensor import Tensor

_POLL_SECONDS = 1.0
_worker_info = None


@dataclass(frozen=True)
class WorkerInfo:
    """What ``get_worker_info()`` returns inside a worker: its id in [0, num_workers), the
    number of workers, its seed, and its copy of the dataset."""
    id: int
    num_workers: int
    seed: int
    dataset: object


def get_worker_info():
    """In a DataLoader worker process, its WorkerInfo (id, num_workers, seed, dataset); None in
    the main process. An IterableDataset-style split of work reads it, as in PyTorch.

    Example:
    >>> tl.data.get_worker_info() is None  # the main process
    True
    """
    return _worker_info


class _Host:
    """A tensor in transit: its host array (a marker, so arrays a collate_fn returns stay arrays)."""

    def __init__(self, array):
        self.array = array


def _to_host(data):
    if isinstance(data, Tensor):
        return _Host(data.detach().numpy(force=True))  # pickling copies just the view's elements
    if isinstance(data, (list, tuple)):
        converted = [_to_host(item) for item in data]
        return type(data)(*converted) if hasattr(data, "_fields") else type(data)(converted)
    if isinstance(data, dict):
        return type(data)((key, _to_host(value)) for key, value in data.items())
    return data


def _from_host(data):
    if isinstance(data, _Host):
        return from_numpy(data.array)
    if isinstance(data, (list, tuple)):
        converted = [_from_host(item) for item in data]
        return type(data)(*converted) if hasattr(data, "_fields") else type(data)(converted)
    if isinstance(data, dict):
        return type(data)((key, _from_host(value)) for key, value in data.items())
    return data


def base_seed(generator, epoch: int) -> int:
    """A 63-bit seed from the generator's state and the epoch, drawing nothing from it."""
    state = (generator or tl_random.default_generator).get_state()  # (seed, offset)
    digest = hashlib.sha256(repr((tuple(state), epoch)).encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1


def _start_worker(dataset, worker_id, num_workers, seed, init_fn, results) -> bool:
    """Seed, publish the WorkerInfo, run worker_init_fn; False (reported) if that failed."""
    global _worker_info
    # workers load on the CPU: a device default (TENSORLITE_DEVICE=opencl) would make the
    # dataset's factories use the OpenCL runtime inherited through fork, which hangs
    set_default_device("cpu")
    tl_random.manual_seed(seed)
    random.seed(seed)
    _worker_info = WorkerInfo(worker_id, num_workers, seed, dataset)
    try:
        if init_fn is not None:
            init_fn(worker_id)
    except Exception as error:  # noqa: BLE001 (reported to the main process, which raises)
        results.put((None, None, _failure(error, worker_id, "worker_init_fn")))
        return False
    return True


def _worker_loop(fetch, dataset, worker_id, num_workers, seed, init_fn, tasks, results):
    """A map-style worker: each task names indices; it answers with their batch."""
    if not _start_worker(dataset, worker_id, num_workers, seed, init_fn, results):
        return
    while (task := tasks.get()) is not None:
        key, indices = task
        try:
            results.put((key, _to_host(fetch(indices)), None))
        except Exception as error:  # noqa: BLE001
            results.put((key, None, _failure(error, worker_id, "loading a batch")))


class Exhausted:
    """A stream worker's answer once its copy of an IterableDataset has no more batches."""


def _stream_worker_loop(batches, dataset, worker_id, num_workers, seed, init_fn, tasks, results):
    """An IterableDataset worker: iterates its own copy of the dataset (which it shards by
    get_worker_info(), as in PyTorch) and answers each task with its next batch; a new epoch
    starts a new iteration."""
    if not _start_worker(dataset, worker_id, num_workers, seed, init_fn, results):
        return
    epoch, stream = None, iter(())
    while (task := tasks.get()) is not None:
        key, _ = task
        try:
            if key[0] != epoch:
                epoch, stream = key[0], batches(dataset)
            results.put((key, _to_host(next(stream)), None))
        except StopIteration:
            results.put((key, Exhausted(), None))
        except Exception as error:  # noqa: BLE001
            results.put((key, None, _failure(error, worker_id, "loading a batch")))


def _failure(error, worker_id, where):
    return type(error), f"Caught {type(error).__name__} in DataLoader worker process {worker_id} " \
                        f"({where}). Original traceback:\n{traceback.format_exc()}"


class WorkerPool:
    """num_workers processes, each with its own task queue, sharing one result queue."""

    def __init__(self, fetch, dataset, num_workers, seed, init_fn, context, timeout, prefetch_factor,
                 stream: bool = False):
        context = multiprocessing.get_context(context) if isinstance(context, (str, type(None))) else context
        self.results = context.Queue()
        self.tasks = [context.Queue() for _ in range(num_workers)]
        self.timeout, self.prefetch = timeout, prefetch_factor * num_workers
        loop = _stream_worker_loop if stream else _worker_loop
        self.processes = [context.Process(target=loop, daemon=True,
                                          args=(fetch, dataset, i, num_workers, seed + i, init_fn,
                                                self.tasks[i], self.results))
                          for i in range(num_workers)]
        for process in self.processes:
            process.start()
        self.epochs = itertools.count()

    def run(self, batches):
        """Load ``batches`` (lists of indices) in the workers; yield the results in order."""
        epoch, pending, sent = next(self.epochs), {}, 0
        batches = iter(batches)
        for next_out in itertools.count():
            while sent - next_out < self.prefetch and (indices := next(batches, None)) is not None:
                self.tasks[sent % len(self.tasks)].put(((epoch, sent), indices))
                sent += 1
            if next_out == sent:
                return
            while next_out not in pending:
                key, data, failure = self._next_result()
                if failure is not None:
                    error_type, message = failure
                    raise _reraised(error_type, message)
                if key[0] == epoch:  # results of an abandoned epoch are dropped
                    pending[key[1]] = data
            yield _from_host(pending.pop(next_out))

    def run_stream(self):
        """The batches of the workers' IterableDataset copies: request k goes to the next worker
        still running in round-robin order and results come back in request order, so the
        workers' batches interleave as in PyTorch; a worker is left out once exhausted."""
        epoch, workers = next(self.epochs), len(self.tasks)
        running, owner, pending = [True] * workers, {}, {}
        turn = itertools.cycle(range(workers))

        def request():
            for _ in range(workers):
                worker = next(turn)
                if running[worker]:
                    owner[len(owner)] = worker
                    self.tasks[worker].put(((epoch, len(owner) - 1), None))
                    return

        for _ in range(self.prefetch):
            request()
        next_out = 0
        while next_out < len(owner):
            while next_out not in pending:
                key, data, failure = self._next_result()
                if failure is not None:
                    raise _reraised(*failure)
                if key[0] == epoch:
                    pending[key[1]] = data
            data = pending.pop(next_out)
            if isinstance(data, Exhausted):
                running[owner[next_out]] = False
            else:
                yield _from_host(data)
            next_out += 1
            request()

    def _next_result(self):
        waited = 0.0
        while True:
            try:
                return self.results.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                waited += _POLL_SECONDS
                dead = [i for i, p in enumerate(self.processes) if not p.is_alive()]
                if dead:
                    self.shutdown()
                    raise RuntimeError(f"DataLoader worker(s) {dead} exited unexpectedly (exit codes "
                                       f"{[self.processes[i].exitcode for i in dead]})")
                if self.timeout and waited >= self.timeout:
                    raise RuntimeError(f"DataLoader timed out after {self.timeout} seconds")

    def shutdown(self):
        for tasks, process in zip(self.tasks, self.processes):
            if process.is_alive():
                tasks.put(None)
        # drain results nobody will read: a worker cannot exit while its queue feeder is blocked
        deadline = time.monotonic() + 5
        while any(p.is_alive() for p in self.processes) and time.monotonic() < deadline:
            try:
                self.results.get(timeout=0.05)
            except queue.Empty:
                pass
        for process in self.processes:
            if process.is_alive():
                process.terminate()
            process.join()
        for q in [*self.tasks, self.results]:
            q.cancel_join_thread()
            q.close()


def _reraised(error_type, message):
    try:
        return error_type(message)
    except Exception:  # noqa: BLE001 (an exception type that takes other arguments)
        return RuntimeError(message)
