"""Finding mpiexec: the one next to this Python (the mpich wheel puts it in the venv's bin/),
else the first on PATH."""
from __future__ import annotations

import os
import shutil
import sys

from .process_group import INSTALL_HINT


def find_mpiexec() -> str:
    """The path of ``mpiexec``: the venv's (next to ``sys.executable``), else PATH's; raises a
    RuntimeError saying how to install it when there is none.

    Example:
    >>> tl.distributed.find_mpiexec().endswith("mpiexec")
    True
    """
    beside = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    if os.path.isfile(beside) and os.access(beside, os.X_OK):
        return beside
    found = shutil.which("mpiexec")
    if found is None:
        raise RuntimeError(f"mpiexec not found next to {sys.executable} nor on PATH; install MPI "
                           f"with `{INSTALL_HINT}` (the mpich wheel provides mpiexec) or a system MPI")
    return found


def mpiexec_command(ranks: int, argv: list) -> list:
    """The command line that runs ``argv`` (a program and its arguments) on ``ranks`` ranks.

    Example:
    >>> command = tl.distributed.mpiexec_command(2, ["python", "train.py"])
    >>> command[1:]
    ['-n', '2', 'python', 'train.py']
    """
    if not isinstance(ranks, int) or ranks < 1:
        raise ValueError(f"mpiexec_command: ranks must be a positive integer, got {ranks!r}")
    return [find_mpiexec(), "-n", str(ranks), *argv]
