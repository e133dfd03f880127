"""tensorlite.distributed over MPI: collectives, DistributedDataParallel, DistributedSampler,
launching. Multi-rank checks run ``mpiexec -n 2`` on the programs in tests/mpi_programs/ (each
does many checks in one job, and raises on the first failure; a raising rank aborts the job)."""
import os
import pathlib
import subprocess
import sys

import pytest

import tensorlite as tl

ROOT = pathlib.Path(tl.__file__).resolve().parent.parent
PROGRAMS = pathlib.Path(__file__).resolve().parent / "mpi_programs"
TIMEOUT = 90


def run_ranks(program: str, *args, ranks: int = 2) -> subprocess.CompletedProcess:
    """Run tests/mpi_programs/<program> on ``ranks`` ranks with this tensorlite, one thread each."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    command = tl.distributed.mpiexec_command(ranks, [sys.executable, str(PROGRAMS / program), *args])
    return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, env=env, cwd=ROOT)


def assert_ok(result, marker: str, ranks: int = 2):
    report = f"rc={result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert result.returncode == 0, report
    assert result.stdout.count(marker) == ranks, report


@pytest.mark.backend_pair
def test_collectives_on_cpu_and_opencl(opencl):
    """Every collective and ReduceOp on float64/float32/int64/int32, on both devices, equals
    NumPy's reduction; shape, dtype, list-length and in-place errors raise on every rank."""
    assert_ok(run_ranks("collectives.py", "cpu", "opencl"), "collectives ok")


@pytest.mark.backend_pair
def test_a_raising_rank_aborts_the_job():
    """Rank 1 raises while rank 0 waits in a barrier: the exception hook aborts the job (no
    hang), and the traceback names the rank."""
    result = run_ranks("abort.py")
    assert result.returncode != 0
    assert "rank 1 raised; aborting the MPI job" in result.stderr, result.stderr
    assert "ValueError: rank 1 fails on purpose" in result.stderr
    assert "rank 0 passed the barrier" not in result.stdout


class TestSingleProcess:
    def test_calls_before_init_raise(self):
        assert not tl.distributed.is_initialized()
        for call in (tl.distributed.get_rank, tl.distributed.get_world_size, tl.distributed.barrier,
                     lambda: tl.distributed.all_reduce(tl.zeros(2))):
            with pytest.raises(RuntimeError, match="has not been initialized"):
                call()

    def test_one_rank_job(self):
        """A plain ``python train.py`` is a job of one rank: the collectives are identities."""
        hook = sys.excepthook
        tl.distributed.init_process_group()
        try:
            assert sys.excepthook is not hook  # aborts the job on an uncaught exception
            assert tl.distributed.is_available()
            assert (tl.distributed.get_rank(), tl.distributed.get_world_size()) == (0, 1)
            with pytest.raises(RuntimeError, match="already initialized"):
                tl.distributed.init_process_group()
            x = tl.tensor([1., -2.])
            tl.distributed.all_reduce(x, "avg")
            assert x.tolist() == [1., -2.]
            with pytest.raises(ValueError, match="src=1 is not a rank of this job"):
                tl.distributed.broadcast(x, src=1)
        finally:
            tl.distributed.destroy_process_group()
        assert not tl.distributed.is_initialized()
        assert sys.excepthook is hook

    def test_missing_mpi4py_says_how_to_install(self, monkeypatch):
        monkeypatch.setitem(sys.modules, "mpi4py", None)  # ``from mpi4py import MPI`` now fails
        with pytest.raises(RuntimeError, match=r"pip install tensorlite\[distributed\]"):
            tl.distributed.init_process_group()
        assert not tl.distributed.is_initialized()

    def test_unknown_backend(self):
        with pytest.raises(ValueError, match="unknown backend 'nccl'"):
            tl.distributed.init_process_group("nccl")

    def test_mpiexec_not_found(self, monkeypatch, tmp_path):
        monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
        monkeypatch.setenv("PATH", str(tmp_path))
        with pytest.raises(RuntimeError, match="mpiexec not found"):
            tl.distributed.find_mpiexec()
