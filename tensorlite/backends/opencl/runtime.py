"""The OpenCL runtime under the backend: devices from every platform, one context and in-order
queue per device, program and kernel caches, a pool of freed buffers, and the one path onto the
queue.

Nothing here knows about tensors; backend.py builds the primitive set on top of it. Every command
a device runs is enqueued by one of five Runtime methods, one per kind: ``launch`` (a kernel),
``write`` (host -> device), ``read`` (device -> host), ``fill`` and ``synchronize``; no other
module touches the queue or sets a kernel's arguments (tests/test_opencl_runtime.py checks it).
A recorder (capture/replay) hooks there, e.g. by wrapping these methods of one Runtime; the
replay of a captured step (replay.py) enqueues the recorded launches through ``prepare`` and
``prepared_launch``: kernels with their arguments set once.
"""
from __future__ import annotations

import atexit
import functools
import hashlib
import mmap
import secrets
import threading
from pathlib import Path

import numpy as np
import pyopencl as cl

from ..base import ops_h_entries

__all__ = ["devices", "default_index", "Runtime", "kernel_dir", "op_codes", "NoDeviceError",
           "KernelNotFoundError"]

_INSTALL_HINT = ("install PoCL for a CPU device (pip install pocl-binary-distribution) or a GPU "
                 "driver with its OpenCL ICD (NVIDIA: libnvidia-opencl.so.1, AMD: ROCm, Intel: "
                 "intel-opencl-icd)")


class NoDeviceError(RuntimeError):
    """No OpenCL platform or device could be found."""


class KernelNotFoundError(ValueError):
    """A built program has no usable kernel of the requested name (a ValueError: most often the
    name is wrong; the message also covers a driver at fault)."""


def kernel_dir() -> Path:
    """The folder of ``*.cl`` sources: ``tensorlite/kernels`` in an installed wheel, the
    repository's ``kernels/`` in a source checkout (the package folder links to it)."""
    package = Path(__file__).resolve().parents[2]
    for candidate in (package / "kernels", package.parent / "kernels"):
        if (candidate / "common.h").is_file():
            return candidate
    raise RuntimeError(f"tensorlite's OpenCL kernel sources were not found under {package}: "
                       "reinstall tensorlite (the wheel ships tensorlite/kernels/*.cl)")


def op_codes(prefix: str) -> dict:
    """Op name -> code from kernels/ops.h (``#define UNARY_exp 1`` or ``X(exp, 1, exp)`` in
    ``UNARY_FLOATING_FUNCTIONS`` -> {'exp': 1})."""
    text = (kernel_dir() / "ops.h").read_text()
    return {name: code for name, code, _ in ops_h_entries(text, prefix)}


_device_list = None


def devices() -> list:
    """Every OpenCL device of every platform, in platform order: ``opencl:N`` is entry N."""
    global _device_list
    if _device_list is None:
        try:
            platforms = cl.get_platforms()
        except cl.Error:
            platforms = []
        found = []
        for platform in platforms:
            try:
                found.extend(platform.get_devices())
            except cl.Error:
                continue  # a platform whose driver has no usable device
        _device_list = found
    if not _device_list:
        raise NoDeviceError(f"no OpenCL device found: {_INSTALL_HINT}")
    return _device_list


def default_index() -> int:
    """The index of the best device: the first GPU if there is one, else the first device."""
    found = devices()
    for index, dev in enumerate(found):
        if dev.type & cl.device_type.GPU:
            return index
    return 0


def _round_size(nbytes: int) -> int:
    """Pool bucket: 256-byte multiples below 1 MiB, then 1/8 of the next power of two, so a
    freed buffer serves requests of nearly its size without much waste."""
    if nbytes <= 1 << 20:
        return max(256, (nbytes + 255) & ~255)
    step = 1 << max(nbytes.bit_length() - 4, 8)
    return (nbytes + step - 1) // step * step


class Runtime:
    """One device: its context, queue, compiled programs, kernels and buffer pool."""

    def __init__(self, index: int):
        self.index = index
        self.device = devices()[index]
        self.name = f"opencl:{index} ({self.device.name.strip()} on {self.device.platform.name.strip()})"
        self.context = cl.Context([self.device])
        self.queue = cl.CommandQueue(self.context)
        extensions = self.device.extensions.split()
        self.has_fp64 = _has_fp64(self.device)
        self.has_int64_atomics = "cl_khr_int64_base_atomics" in extensions
        self.max_work_group = self.device.max_work_group_size
        self.is_cpu = bool(self.device.type & cl.device_type.CPU)
        # Oclgrind, the checking simulator: buffers get their exact size, so an access past a
        # tensor's end is reported (the pool's rounding would hide it), and programs are built
        # on the caller's thread (Oclgrind 21.10 crashes when a program is created on a second
        # thread while its --uninitialized check is on; a simulator gains nothing from prebuild)
        self.is_checker = self.device.platform.name.strip() == "Oclgrind"
        self.background_builds = not self.is_checker
        self._builders = []  # the prebuild threads started so far
        self._programs = {}
        self._build_locks = {}
        self._kernels = {}
        self._params = {}     # parameter bytes -> read-only buffer
        self._user_kernels = {}  # (source hash, defines, name) -> cl.Kernel
        self._pool = {}       # rounded size -> [buffers]
        self.pooled_bytes = 0
        self.allocated_bytes = 0

    # -- programs and kernels ------------------------------------------------------------
    def kernel(self, file: str, name: str, defines: tuple) -> cl.Kernel:
        """The cached kernel ``name`` of ``kernels/<file>`` built with ``defines``
        (a tuple of (name, value) pairs; value None for a bare flag)."""
        key = (file, name, defines)
        found = self._kernels.get(key)
        if found is None:
            found = self._kernels[key] = self._create_kernel(
                lambda fresh: self._program(file, defines, fresh), name, f"kernels/{file}")
        return found

    def _create_kernel(self, program, name: str, what: str) -> cl.Kernel:
        """Kernel ``name`` of ``program(fresh)``. A driver's stale or poisoned program cache
        (PoCL's ~/.cache/pocl after a crash) can hand back a program whose kernels cannot be
        created (``INVALID_KERNEL_NAME``): the program is then rebuilt once, bypassing every
        cache (``fresh=True``), before an error is raised."""
        try:
            return cl.Kernel(program(False), name)
        except (cl.LogicError, cl.RuntimeError) as error:
            first = error
        try:
            return cl.Kernel(program(True), name)
        except (cl.LogicError, cl.RuntimeError) as error:
            raise KernelNotFoundError(
                f"the OpenCL source of {what} has no kernel named {name!r} on {self.name}: {error} "
                f"(also after a rebuild that bypassed the compiler caches; first attempt: {first}). "
                f"Check the name against __kernel void {name}(...); if the source has it, the "
                "driver is at fault: delete its cache (POCL_CACHE_DIR or ~/.cache/pocl)") from None

    def prebuild(self, jobs) -> None:
        """Build programs ((file, defines) pairs) in a background thread, so a first training
        step finds them ready (PoCL needs ~0.2-0.5 s per program; building overlaps with the
        caller's own work and builds). Failures are left for the caller's own build to report.
        At exit the thread stops after its current build (a thread killed inside the driver's
        compiler aborts the process)."""
        stop = threading.Event()

        def build_all():
            for file, defines in jobs:
                if stop.is_set():
                    return
                try:
                    self._program(file, defines)
                except Exception:  # noqa: BLE001  (reported when the program is really used)
                    pass
        thread = threading.Thread(target=build_all, name="tensorlite-opencl-prebuild", daemon=True)
        thread.start()
        self._builders.append(thread)

        def finish():
            stop.set()
            thread.join()
        atexit.register(finish)

    def wait_for_builds(self) -> None:
        """Wait until every background build started so far has finished (benchmarks: time the
        steady state, not the compiler)."""
        while self._builders:
            self._builders.pop().join()

    def is_built(self, file: str, defines: tuple) -> bool:
        """Whether the program of ``kernels/<file>`` with ``defines`` is built (e.g. by prebuild)."""
        return (file, defines) in self._programs

    def _program(self, file: str, defines: tuple, fresh: bool = False) -> cl.Program:
        """The program of ``kernels/<file>`` with ``defines``, built once; ``fresh`` rebuilds
        it bypassing the compiler caches and keeps the new one."""
        key = (file, defines)
        program = self._programs.get(key)
        if program is not None and not fresh:
            return program
        with self._build_locks.setdefault(key, threading.Lock()):  # one build per program
            return self._build(file, defines, key, fresh)

    def _build(self, file: str, defines: tuple, key, fresh: bool) -> cl.Program:
        program = self._programs.get(key)
        if program is None or fresh:
            directory = kernel_dir()
            # -w: generic kernels draw warnings such as "unsigned < 0 is always false" for some
            # types (pyopencl would show each as a CompilerWarning); errors still raise with the
            # build log. Not a warnings filter: that is process-wide, and catch_warnings is not
            # thread-safe (the prebuild thread builds while the caller runs).
            extra = ("-w", "-DNEED_FP64", "-DACC=double") if self.has_fp64 else ("-w", "-DACC=float")
            program = self._programs[key] = self.compile(
                (directory / file).read_text(), defines, f"kernels/{file}", ("-I", str(directory)) + extra,
                fresh=fresh)
        return program

    def compile(self, source: str, defines: tuple, what: str, options: tuple = (),
                fresh: bool = False) -> cl.Program:
        """Build OpenCL C ``source`` with ``defines`` ((name, value) pairs, value None for a
        flag); a failure raises with the build log, the defines and ``what`` was built.
        ``fresh`` bypasses the compiler caches: pyopencl's (``cache_dir=False``) and the
        driver's (PoCL keys its cache by source and options: a never-seen define misses it)."""
        flags = [f"-D{name}" if value is None else f"-D{name}={value}" for name, value in defines]
        uncached = [f"-DTENSORLITE_UNCACHED_BUILD={secrets.token_hex(8)}"] if fresh else []
        try:
            return cl.Program(self.context, source).build(options=list(options) + flags + uncached,
                                                          cache_dir=False if fresh else None)
        except cl.RuntimeError as error:
            raise RuntimeError(f"building {what} failed on {self.name} with defines "
                               f"{' '.join(flags + [o for o in options if o.startswith('-D')])}:\n{error}") from None

    def user_kernel(self, source: str, name: str, defines: tuple) -> cl.Kernel:
        """Kernel ``name`` of a user's ``source``, built once per (source, defines)."""
        key = (hashlib.sha1(source.encode()).hexdigest(), defines, name)
        kernel = self._user_kernels.get(key)
        if kernel is None:
            kernel = self._user_kernels[key] = self._create_kernel(
                lambda fresh: self.compile(source, defines, "the user kernel", fresh=fresh),
                name, "the user kernel")
        return kernel

    def params(self, data: bytes):
        """A read-only buffer holding ``data`` (a kernel's non-buffer parameters), cached by
        content: steps of a training loop launch with the same parameters again and again."""
        found = self._params.get(data)
        if found is None:
            if len(self._params) >= 4096:
                self._params.clear()
            found = self._params[data] = cl.Buffer(
                self.context, cl.mem_flags.READ_ONLY | cl.mem_flags.COPY_HOST_PTR, hostbuf=data)
        return found

    # -- memory --------------------------------------------------------------------------
    def allocate(self, nbytes: int):
        """A buffer of at least ``nbytes`` (from the pool when one is free); returns
        (buffer, rounded size). Raises MemoryError, and the process goes on: at once (before
        asking the driver) for a request above the device's per-buffer limit
        (CL_DEVICE_MAX_MEM_ALLOC_SIZE), and when memory is exhausted after the pool was flushed
        and the allocation retried once."""
        limit = self.device.max_mem_alloc_size
        if nbytes > limit:
            raise MemoryError(
                f"OpenCL device {self.name} cannot hold one buffer of {nbytes} bytes: its per-buffer "
                f"limit (max_mem_alloc_size, CL_DEVICE_MAX_MEM_ALLOC_SIZE) is {limit} bytes. Split "
                f"the tensor into smaller ones or use smaller batches.")
        # whole 32-bit words at least: the 8/16-bit atomic adds of kernels/index.cl update the
        # aligned word that holds an element, which may reach past the last element
        exact = -(-max(nbytes, 1) // 4) * 4
        size = min(exact if self.is_checker else _round_size(max(nbytes, 1)), limit)
        free = self._pool.get(size)
        if free:
            self.pooled_bytes -= size
            return free.pop(), size
        try:
            buffer = self._create(size)
        except (MemoryError, cl.Error):
            self.empty_cache()
            try:
                buffer = self._create(size)
            except (MemoryError, cl.Error) as error:
                raise MemoryError(
                    f"OpenCL device {self.name} is out of memory: could not allocate {nbytes} bytes "
                    f"({self.allocated_bytes} bytes in use by tensors; the cache was already "
                    f"emptied): {error}. Free tensors or use smaller batches.") from None
        self.allocated_bytes += size
        return buffer, size

    def _create(self, size: int):
        if self.is_cpu:
            _reserve_host_memory(size)
        buffer = cl.Buffer(self.context, cl.mem_flags.READ_WRITE, size)
        # allocation is lazy in most drivers: touching the buffer makes a failure show here
        self.fill(buffer, np.uint8(0), 0, min(size, 64))
        return buffer

    def release(self, buffer, size: int) -> None:
        """Return a buffer to the pool (called when its storage is garbage collected)."""
        self._pool.setdefault(size, []).append(buffer)
        self.pooled_bytes += size

    def empty_cache(self) -> None:
        """Give every pooled buffer back to the driver."""
        for buffers in self._pool.values():
            for buffer in buffers:
                buffer.release()
        self.allocated_bytes -= self.pooled_bytes
        self._pool.clear()
        self.pooled_bytes = 0

    # -- the queue: every command of this device is enqueued by one of these -------------------
    def launch(self, kernel: cl.Kernel, global_size: tuple, local_size, args) -> None:
        """Run ``kernel`` (from ``kernel``/``user_kernel``) with ``args`` (buffers, NumPy
        scalars, ``cl.LocalMemory``) over ``global_size`` work items in groups of ``local_size``
        (tuples of 1-3 ints; local_size None lets the driver choose). An empty grid only sets
        the arguments (the driver still checks them): OpenCL refuses a launch of size 0."""
        kernel.set_args(*args)
        if 0 not in global_size:
            cl.enqueue_nd_range_kernel(self.queue, kernel, global_size, local_size)

    def write(self, buffer, host: np.ndarray, blocking: bool = True) -> None:
        """Copy the C-contiguous ``host`` array to the start of ``buffer``; blocking, so the
        caller may free ``host`` after (``blocking=False``: the caller keeps ``host`` unchanged
        until the queue ran the copy; a captured step's replay does, and never waits)."""
        cl.enqueue_copy(self.queue, buffer, host, is_blocking=blocking)

    def read(self, host: np.ndarray, buffer, offset: int = 0) -> None:
        """Fill the C-contiguous ``host`` array from ``buffer`` at byte ``offset`` (blocking:
        waits for the queued work that produces the bytes)."""
        cl.enqueue_copy(self.queue, host, buffer, src_offset=offset, is_blocking=True)

    def fill(self, buffer, pattern, offset: int, nbytes: int) -> None:
        """Repeat ``pattern`` (a NumPy scalar) over ``nbytes`` bytes of ``buffer`` from byte
        ``offset`` (the driver's fill: no kernel to build per dtype)."""
        cl.enqueue_fill_buffer(self.queue, buffer, pattern, offset, nbytes)

    def synchronize(self) -> None:
        """Wait until the queue has run everything enqueued."""
        self.queue.finish()

    # -- prepared launches (a captured step's replay, backends/opencl/replay.py) ---------------
    def prepare(self, kernel: cl.Kernel, args) -> cl.Kernel:
        """A kernel object of its own for one launch of a replay, with ``args`` set once."""
        own = cl.Kernel(kernel.program, kernel.function_name)
        own.set_args(*args)
        return own

    def set_argument(self, kernel: cl.Kernel, index: int, value) -> None:
        """Rebind one argument of a ``prepare``d kernel (a load or an output that changed)."""
        kernel.set_arg(index, value)

    def prepared_launch(self, kernel: cl.Kernel, global_size: tuple, local_size):
        """A callable that enqueues the ``prepare``d kernel as it is (~2 us a launch: pyopencl's
        own entry point, no argument handling)."""
        return functools.partial(cl._cl.enqueue_nd_range_kernel, self.queue, kernel, global_size,
                                 local_size, None, None)


_HOST_MARGIN = 1 << 20  # the driver's alignment and bookkeeping around a buffer's bytes


def _reserve_host_memory(nbytes: int) -> None:
    """Raise MemoryError unless this process can map ``nbytes`` more bytes.

    A CPU device (PoCL) backs buffers with this process's memory and, when its allocation fails
    (an address-space limit such as ``ulimit -v``, or memory exhausted), crashes in the first
    command that uses the buffer instead of returning an error. Mapping (without touching) the
    bytes once first turns that into an error here; the mapping is released at once.
    """
    flags = getattr(mmap, "MAP_PRIVATE", None)
    try:
        probe = mmap.mmap(-1, nbytes + _HOST_MARGIN, **({} if flags is None else {"flags": flags}))
    except (OSError, OverflowError, ValueError):
        raise MemoryError(f"the process cannot map {nbytes} more bytes for the buffer"
                          f"{_address_space_limit()}") from None
    probe.close()


def _address_space_limit() -> str:
    try:
        import resource
    except ImportError:  # not on Unix
        return ""
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    return "" if soft == resource.RLIM_INFINITY else f" (address-space limit RLIMIT_AS / ulimit -v: {soft} bytes)"


def describe(index: int, dev) -> str:
    """One line per device for ``tensorlite devices``."""
    kind = "GPU" if dev.type & cl.device_type.GPU else "CPU" if dev.type & cl.device_type.CPU else "accelerator"
    memory = dev.global_mem_size / 2 ** 30
    fp64 = "fp64" if _has_fp64(dev) else "no fp64"
    return (f"opencl:{index}  {dev.name.strip()} [{kind}] on {dev.platform.name.strip()}, "
            f"{dev.max_compute_units} compute units, {memory:.1f} GiB, {fp64}")


def _has_fp64(dev) -> bool:
    return "cl_khr_fp64" in dev.extensions.split() or dev.double_fp_config != 0
