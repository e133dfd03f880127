"""tensorlite.distributed over MPI: collectives, DistributedDataParallel, DistributedSampler,
launching. Multi-rank checks run ``mpiexec -n 2`` on the programs in tests/mpi_programs/ (each
does many checks in one job, and raises on the first failure; a raising rank aborts the job)."""
import os
import pathlib
import subprocess
import sys

import pytest
from hypothesis import given, settings, strategies as st

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


def test_data_parallel_training_equals_one_process():
    """2 ranks x DDP x DistributedSampler == one process on the global batch (float64, 1e-10):
    loss curve and final parameters, with overlap on/off, several buckets, no_sync accumulation;
    on this pass's default device. A rank with a different model makes every rank raise."""
    device = str(tl.get_default_device())
    assert_ok(run_ranks("ddp.py", device), "ddp ok")


@pytest.mark.backend_pair
def test_machines_of_different_sizes_fall_back_to_mpi():
    """3 ranks as simulated machines of 2 and 1 ranks: DDP averages through MPI, and
    allreduce='shared_memory' raises on every rank."""
    assert_ok(run_ranks("ddp_uneven.py", ranks=3), "ddp uneven ok", ranks=3)


@pytest.mark.backend_pair
@pytest.mark.parametrize("where", ["barrier", "ddp"])
def test_a_raising_rank_aborts_the_job(where):
    """Rank 1 raises while rank 0 waits in a barrier, or for rank 1's gradients in DDP's shared
    memory: the exception hook aborts the job (no hang), and the traceback names the rank."""
    result = run_ranks("abort.py", where)
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


class TestDistributedSampler:
    # PyTorch 2.13's DistributedSampler(range(n), num_replicas, rank, shuffle=False, drop_last)
    TORCH_UNSHUFFLED = {
        (10, 3, False): [[0, 3, 6, 9], [1, 4, 7, 0], [2, 5, 8, 1]],
        (10, 3, True): [[0, 3, 6], [1, 4, 7], [2, 5, 8]],
        (2, 4, False): [[0], [1], [0], [1]],
        (7, 2, False): [[0, 2, 4, 6], [1, 3, 5, 0]],
    }

    @pytest.mark.parametrize("case", sorted(TORCH_UNSHUFFLED))
    def test_unshuffled_equals_pytorch(self, case):
        n, replicas, drop_last = case
        shards = [list(tl.data.DistributedSampler(range(n), replicas, r, shuffle=False, drop_last=drop_last))
                  for r in range(replicas)]
        assert shards == self.TORCH_UNSHUFFLED[case]
        assert [len(tl.data.DistributedSampler(range(n), replicas, r, drop_last=drop_last))
                for r in range(replicas)] == [len(s) for s in shards]

    @settings(max_examples=25)
    @given(n=st.integers(1, 40), replicas=st.integers(1, 5), drop_last=st.booleans(),
           shuffle=st.booleans(), seed=st.integers(0, 2**31), epoch=st.integers(0, 5))
    def test_shards_interleave_one_padded_order(self, n, replicas, drop_last, shuffle, seed, epoch):
        """Interleaving the shards (rank r at positions r, r + replicas, ...) gives one order:
        a permutation of the dataset, cut (drop_last) or padded with its own first indices."""
        shards = []
        for rank in range(replicas):
            sampler = tl.data.DistributedSampler(range(n), replicas, rank, shuffle=shuffle, seed=seed,
                                                 drop_last=drop_last)
            sampler.set_epoch(epoch)
            shards.append(list(sampler))
            assert len(shards[-1]) == len(sampler)
        size = len(shards[0])
        assert all(len(s) == size for s in shards)
        order = [shards[r][i] for i in range(size) for r in range(replicas)]
        if drop_last:
            assert size == n // replicas
            assert len(set(order)) == len(order)  # disjoint shards
        else:
            assert size == -(-n // replicas)
            head = order[:n]
            assert sorted(head) == list(range(n))
            assert order[n:] == (head * replicas)[:len(order) - n]
        if not shuffle:
            assert order[:min(n, len(order))] == list(range(min(n, len(order))))

    def test_the_order_depends_on_seed_plus_epoch_only(self):
        def order(seed, epoch):
            sampler = tl.data.DistributedSampler(range(50), 2, 0, seed=seed)
            sampler.set_epoch(epoch)
            return list(sampler)
        assert order(3, 2) == order(3, 2) == order(4, 1)
        assert order(3, 2) != order(3, 3)
        state = tl.get_rng_state()
        order(0, 0)
        assert tl.get_rng_state() == state  # the default generator is left alone

    def test_bad_arguments(self):
        with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval \[0, 1\]"):
            tl.data.DistributedSampler(range(5), num_replicas=2, rank=2)
        with pytest.raises(ValueError, match="default process group has not been initialized"):
            tl.data.DistributedSampler(range(5))


@pytest.mark.backend_pair
def test_the_example_trains_on_two_ranks(tmp_path):
    """`mpiexec -n 2 python examples/distributed_mlp.py`: rank 0 alone reports and writes the
    checkpoint, which holds the trained model."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    checkpoint = tmp_path / "digits.tl"
    command = tl.distributed.mpiexec_command(2, [sys.executable, str(ROOT / "examples" / "distributed_mlp.py"),
                                                 str(checkpoint)])
    result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("test accuracy") == 1, result.stdout
    assert float(result.stdout.split("test accuracy ")[1].split(";")[0]) > 0.9
    assert sorted(tl.load(str(checkpoint))) == ["0.bias", "0.weight", "2.bias", "2.weight"]
    assert [p.name for p in tmp_path.iterdir()] == ["digits.tl"]


class TestDataParallelOneRank:
    """DistributedDataParallel's bookkeeping in a one-rank job (the averaging itself is checked
    on two ranks by test_data_parallel_training_equals_one_process)."""

    @pytest.fixture(autouse=True)
    def job(self):
        tl.distributed.init_process_group()
        yield
        tl.distributed.destroy_process_group()

    def test_buckets_follow_reverse_parameter_order_and_the_caps(self):
        model = tl.nn.Sequential(tl.nn.Linear(512, 512), tl.nn.Linear(512, 600), tl.nn.Linear(600, 3))
        ddp = tl.nn.parallel.DistributedDataParallel(model, bucket_cap_mb=2)
        names = {id(p): n for n, p in model.named_parameters()}
        assert [[names[id(p)] for p in b.params] for b in ddp._buckets] == [
            ["2.bias", "2.weight", "1.bias"],  # the first bucket: at most 1 MiB
            ["1.weight", "0.bias"], ["0.weight"]]  # 1.2 MB + 2 KB; 0.weight (1 MiB) would pass 2 MiB

    def test_gradients_hooks_and_versions(self):
        model = tl.nn.Linear(3, 2).double()
        ddp = tl.nn.parallel.DistributedDataParallel(model, bucket_cap_mb=1e-5)
        x = tl.randn(4, 3, dtype=tl.float64)
        ddp(x).sum().backward()
        expected = x.sum(0).expand(2, 3)
        assert tl.allclose(model.weight.grad, expected)
        version = model.weight.grad._version
        ddp(x).sum().backward()  # accumulates, then the sync writes the average in place
        assert tl.allclose(model.weight.grad, 2 * expected) and model.weight.grad._version > version
        assert ddp.module is model and list(ddp.state_dict()) == ["module.weight", "module.bias"]

    def test_a_parameter_unused_in_forward_gets_an_averaged_zero_gradient(self):
        class TwoHeads(tl.nn.Module):
            def __init__(self):
                super().__init__()
                self.used, self.unused = tl.nn.Linear(2, 1), tl.nn.Linear(2, 1)

            def forward(self, x):
                return self.used(x)

        model = TwoHeads()
        ddp = tl.nn.parallel.DistributedDataParallel(model)
        ddp(tl.ones(1, 2)).sum().backward()
        assert model.used.weight.grad.tolist() == [[1.0, 1.0]]
        assert model.unused.weight.grad.tolist() == [[0.0, 0.0]]  # every rank took part in the bucket

    def test_no_sync_skips_communication(self):
        model = tl.nn.Linear(2, 1)
        ddp = tl.nn.parallel.DistributedDataParallel(model)
        with ddp.no_sync():
            ddp(tl.ones(1, 2)).sum().backward()
            assert not ddp._in_backward and ddp.require_backward_grad_sync is False
        assert ddp.require_backward_grad_sync is True

    def test_one_rank_communicates_nothing(self):
        """No window, no bucket started: backward's own gradients are the average."""
        model = tl.nn.Linear(3, 2)
        ddp = tl.nn.parallel.DistributedDataParallel(model, allreduce="shared_memory")
        ddp(tl.ones(2, 3)).sum().backward()
        assert ddp._window is None and not any(b.started() for b in ddp._buckets)
        assert model.weight._grad_destination is None and model.bias.grad.tolist() == [2.0, 2.0]

    def test_bad_arguments(self):
        with pytest.raises(TypeError, match="module must be a tensorlite.nn.Module"):
            tl.nn.parallel.DistributedDataParallel(lambda x: x)
        with pytest.raises(ValueError, match="bucket_cap_mb must be positive"):
            tl.nn.parallel.DistributedDataParallel(tl.nn.Linear(1, 1), bucket_cap_mb=0)
        with pytest.raises(ValueError, match=r"allreduce must be one of \('auto', 'shared_memory', 'mpi'\), got 'nccl'"):
            tl.nn.parallel.DistributedDataParallel(tl.nn.Linear(1, 1), allreduce="nccl")


class TestGradientDestination:
    """Tensor._grad_destination (DDP's bucket views): backward writes a leaf's first gradient
    into that tensor instead of a new array, then accumulates into it in place."""

    def test_first_gradient_lands_in_the_destination(self):
        w = tl.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        destination = tl.full((2, 2), float("nan"))
        w._grad_destination = destination
        (w * tl.tensor([1.0, 10.0])).sum().backward()  # a broadcast gradient, reduced first
        assert w.grad is destination and destination.tolist() == [[1.0, 10.0], [1.0, 10.0]]
        version = destination._version
        (2 * w).sum().backward()
        assert w.grad is destination and destination.tolist() == [[3.0, 12.0], [3.0, 12.0]]
        assert destination._version > version
        w.grad = None
        (3 * w).sum().backward()
        assert w.grad is destination and destination.tolist() == [[3.0, 3.0], [3.0, 3.0]]

    def test_a_destination_that_no_longer_matches_is_passed_over(self):
        """A module cast after DDP named the destinations: the gradients keep their dtype."""
        w = tl.ones(2, requires_grad=True)
        w._grad_destination = tl.zeros(2)
        w.data = w.data.double()
        (w * 3).sum().backward()
        assert w.grad is not w._grad_destination and w.grad.dtype is tl.float64
        assert w.grad.tolist() == [3.0, 3.0] and w._grad_destination.tolist() == [0.0, 0.0]

    def test_create_graph_keeps_the_gradient_in_the_graph(self):
        w = tl.tensor([2.0], requires_grad=True)
        w._grad_destination = tl.zeros(1)
        with pytest.warns(UserWarning, match="reference cycle"):
            (w ** 3).sum().backward(create_graph=True)
        assert w.grad is not w._grad_destination and w.grad.requires_grad
        assert w._grad_destination.tolist() == [0.0]


def test_data_parallel_needs_an_initialized_job():
    with pytest.raises(RuntimeError, match="has not been initialized"):
        tl.nn.parallel.DistributedDataParallel(tl.nn.Linear(1, 1))
