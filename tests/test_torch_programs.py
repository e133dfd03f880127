"""What real PyTorch programs touch besides the math (issue 11: they run unmodified with
``import torch`` mapped to tensorlite): the device queries (torch.cuda, torch.accelerator,
torch.backends), loss scaling (torch.amp.GradScaler), the module paths they import from, NumPy
arrays through save/load, range indices and "infinite" samplers."""
import importlib
import io
import itertools
import math
import os
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tensorlite as tl
from tensorlite.data import RandomSampler
from tensorlite.device import gpu_indices

# -- device queries -------------------------------------------------------------------------------


def test_cuda_is_absent_and_its_seeding_is_ignored():
    assert tl.cuda.is_available() is False and tl.cuda.device_count() == 0
    assert tl.cuda.is_bf16_supported() is False and tl.cuda.is_initialized() is False
    tl.manual_seed(3)
    expected = tl.rand(3).tolist()
    tl.manual_seed(3)
    tl.cuda.manual_seed(7), tl.cuda.manual_seed_all(7), tl.cuda.seed(), tl.cuda.seed_all()
    tl.cuda.empty_cache()
    assert tl.rand(3).tolist() == expected  # the CPU stream is untouched, as in PyTorch


@pytest.mark.parametrize("call", [lambda: tl.cuda.synchronize(), lambda: tl.cuda.current_device(),
                                  lambda: tl.cuda.set_device(0), lambda: tl.cuda.get_device_name()])
def test_what_needs_a_cuda_device_raises_pytorchs_assertion_error(call):
    with pytest.raises(AssertionError, match="no CUDA device"):
        call()


def test_accelerator_is_an_opencl_gpu_or_none(monkeypatch):
    assert tl.accelerator.is_available() == bool(gpu_indices())
    monkeypatch.setattr(tl.accelerator, "gpu_indices", lambda: [])
    assert tl.accelerator.is_available() is False and tl.accelerator.device_count() == 0
    assert tl.accelerator.current_accelerator() is None
    assert tl.accelerator.current_accelerator(check_available=True) is None
    with pytest.raises(RuntimeError, match="Cannot access accelerator device when none is available"):
        tl.accelerator.current_device_index()
    with pytest.raises(RuntimeError, match="none is available"):
        tl.accelerator.synchronize()
    monkeypatch.setattr(tl.accelerator, "gpu_indices", lambda: [0, 2])
    assert tl.accelerator.is_available() is True and tl.accelerator.device_count() == 2
    assert tl.accelerator.current_device_index() == 0
    with pytest.raises(ValueError, match="not an OpenCL GPU"):
        tl.accelerator.set_device_index(1)


def test_pytorch_backend_flags_are_kept_and_report_no_cuda_cudnn_or_metal():
    cudnn = importlib.import_module("tensorlite.backends.cudnn")
    assert cudnn is tl.backends.cudnn and cudnn.is_available() is False and cudnn.version() is None
    previous = cudnn.benchmark, tl.backends.cuda.matmul.allow_tf32
    try:
        cudnn.benchmark, tl.backends.cuda.matmul.allow_tf32 = True, True
        assert tl.backends.cudnn.benchmark is True and tl.backends.cuda.matmul.allow_tf32 is True
    finally:
        cudnn.benchmark, tl.backends.cuda.matmul.allow_tf32 = previous
    assert tl.backends.mps.is_available() is False and tl.backends.mps.is_built() is False
    assert tl.backends.cuda.is_built() is False


@pytest.mark.parametrize("path, name, same_as", [
    ("tensorlite.utils.data.dataloader", "DataLoader", tl.data.DataLoader),
    ("tensorlite.utils.data.dataset", "Dataset", tl.data.Dataset),
    ("tensorlite.utils.data.sampler", "RandomSampler", tl.data.RandomSampler),
    ("tensorlite.cuda.amp", "GradScaler", None),
    ("tensorlite.backends.mps", "is_available", None),
])
def test_module_paths_pytorch_programs_import_from(path, name, same_as):
    module = importlib.import_module(path)
    assert getattr(module, name) is (same_as or getattr(module, name))


# the prelude of a program run with torch mapped to tensorlite (imports of torch.* give tensorlite.*)
TORCH_IS_TENSORLITE = textwrap.dedent("""
    import importlib, importlib.abc, importlib.util, sys
    import tensorlite

    class TorchIsTensorlite(importlib.abc.MetaPathFinder, importlib.abc.Loader):
        def find_spec(self, name, path, target=None):
            if name == "torch" or name.startswith("torch."):
                return importlib.util.spec_from_loader(name, self)
        def create_module(self, spec):
            return importlib.import_module("tensorlite" + spec.name[len("torch"):])
        def exec_module(self, module):
            pass

    sys.meta_path.insert(0, TorchIsTensorlite())
""")

PROGRAM = TORCH_IS_TENSORLITE + textwrap.dedent("""
    # from here on, PyTorch code as the examples write it
    import torch
    import torch.backends.cudnn as cudnn
    from torch.utils.data.dataloader import DataLoader
    cudnn.benchmark = True
    use_accel = torch.accelerator.is_available()
    device = torch.accelerator.current_accelerator() if use_accel else torch.device("cpu")
    torch.manual_seed(0)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(0)
    data = torch.utils.data.TensorDataset(torch.randn(8, 3), torch.randn(8, 1))
    sampler = torch.utils.data.RandomSampler(data, replacement=True, num_samples=int(1e10))
    model = torch.nn.Linear(3, 1).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    scaler = torch.cuda.amp.GradScaler(enabled=False)
    for step, (x, y) in zip(range(3), DataLoader(data, sampler=sampler, batch_size=4)):
        loss = torch.nn.functional.mse_loss(model(x.to(device)), y.to(device))
        opt.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
    print("ok", step)
""")


@pytest.mark.backend_pair
def test_a_pytorch_program_runs_with_torch_mapped_to_tensorlite(tmp_path):
    script = tmp_path / "program.py"
    script.write_text(PROGRAM)
    root = pathlib.Path(tl.__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, PYTHONPATH=str(root)))
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["ok", "2"]


# -- torch.amp.GradScaler (values checked against PyTorch 2.13's) -----------------------------------


def _sgd_problem(values):
    w = tl.tensor(values, requires_grad=True)
    return w, tl.optim.SGD([w], lr=0.1)


def test_grad_scaler_scales_unscales_steps_and_adapts_as_pytorch():
    w, opt = _sgd_problem([1.0, 1.0])
    scaler = tl.amp.GradScaler("cpu")
    assert scaler.is_enabled() and scaler.get_scale() == 65536.0
    loss = scaler.scale((w * 2).sum())
    assert loss.item() == 262144.0
    loss.backward()
    scaler.unscale_(opt)
    assert w.grad.tolist() == [2.0, 2.0]
    with pytest.raises(RuntimeError, match="already been called on this optimizer"):
        scaler.unscale_(opt)
    scaler.step(opt)
    scaler.update()
    assert w.tolist() == pytest.approx([0.8, 0.8]) and scaler.get_scale() == 65536.0
    w.grad = tl.tensor([float("inf"), 1.0])
    assert scaler.step(opt) is None  # skipped: an inf gradient
    scaler.update()
    assert w.tolist() == pytest.approx([0.8, 0.8])
    assert scaler.state_dict() == {"scale": 32768.0, "growth_factor": 2.0, "backoff_factor": 0.5,
                                   "growth_interval": 2000, "_growth_tracker": 0}


def test_grad_scaler_grows_after_growth_interval_clean_steps_and_round_trips_its_state():
    w, opt = _sgd_problem([1.0])
    scaler = tl.amp.GradScaler("cpu", init_scale=8.0, growth_interval=2)
    for _ in range(2):
        opt.zero_grad()
        scaler.scale(w.sum()).backward()
        scaler.step(opt)
        scaler.update()
    assert scaler.get_scale() == 16.0
    other = tl.amp.GradScaler("cpu")
    other.load_state_dict(scaler.state_dict())
    assert other.state_dict() == scaler.state_dict()


@given(grads=st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=5),
       scale=st.sampled_from([1.0, 2.0 ** 4, 2.0 ** 16]))
def test_grad_scaler_step_equals_a_plain_step_on_the_true_gradients(grads, scale):
    start = [0.5] * len(grads)
    plain, plain_opt = _sgd_problem(start)
    scaled, scaled_opt = _sgd_problem(start)
    target = tl.tensor(grads)
    (plain * target).sum().backward()
    plain_opt.step()
    scaler = tl.amp.GradScaler("cpu", init_scale=scale)
    scaler.scale((scaled * target).sum()).backward()
    scaler.step(scaled_opt)
    scaler.update()
    assert scaled.tolist() == pytest.approx(plain.tolist(), rel=1e-6, abs=1e-6)


def test_cuda_grad_scaler_disables_itself_without_cuda_and_passes_through():
    with pytest.warns(UserWarning, match="CUDA is not available"):
        scaler = tl.amp.GradScaler("cuda")
    assert not scaler.is_enabled() and scaler.get_scale() == 1.0 and scaler.state_dict() == {}
    with pytest.warns(FutureWarning, match="deprecated"):
        legacy = tl.cuda.amp.GradScaler(enabled=False)
    w, opt = _sgd_problem([1.0])
    loss = w.sum()
    assert legacy.scale(loss) is loss
    loss.backward()
    legacy.step(opt)
    assert w.tolist() == pytest.approx([0.9])


@pytest.mark.parametrize("kwargs, message", [({"growth_factor": 1.0}, "growth_factor"),
                                             ({"backoff_factor": 1.5}, "backoff_factor"),
                                             ({"growth_interval": 0}, "growth_interval")])
def test_grad_scaler_rejects_bad_factors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        tl.amp.GradScaler("cpu", **kwargs)


# -- range indices --------------------------------------------------------------------------------


@given(rows=st.integers(1, 5), start=st.integers(0, 4), stop=st.integers(0, 6), step=st.integers(1, 3))
def test_a_range_indexes_as_the_list_of_its_values(rows, start, stop, step):
    x = tl.arange(rows * 3).reshape(rows, 3)
    r = range(min(start, rows), min(stop, rows), step)
    assert x[r].tolist() == x[list(r)].tolist()
    assert x[r, 1].tolist() == x[list(r), 1].tolist()
    y, z = x.clone(), x.clone()
    y[r, 0] = -1
    z[list(r), 0] = -1
    assert y.tolist() == z.tolist()


def test_range_rows_with_label_columns_as_the_forward_forward_example_writes_them():
    x = tl.zeros(3, 4)
    x[range(x.shape[0]), tl.tensor([1, 3, 0])] = 5.0
    assert x.tolist() == [[0, 5, 0, 0], [0, 0, 0, 5], [5, 0, 0, 0]]


# -- NumPy values through save / load, from_numpy's input -------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16, np.int64, np.int32, np.int16,
                                   np.int8, np.uint8, np.bool_])
def test_numpy_arrays_and_scalars_round_trip_through_save_and_load(dtype):
    array = (np.arange(12) % 3).astype(dtype).reshape(3, 4)[:, ::2]  # a strided view
    obj = {"array": array, "scalar": array.flat[1], "nested": [array[0]]}
    buffer = io.BytesIO()
    tl.save(obj, buffer)
    buffer.seek(0)
    loaded = tl.load(buffer)
    assert type(loaded["array"]) is np.ndarray and loaded["array"].dtype == array.dtype
    np.testing.assert_array_equal(loaded["array"], array)
    assert type(loaded["scalar"]) is type(array.flat[1]) and loaded["scalar"] == array.flat[1]
    np.testing.assert_array_equal(loaded["nested"][0], array[0])


def test_saving_a_numpy_array_of_an_unsupported_dtype_names_it():
    with pytest.raises(TypeError, match="NumPy ndarray of dtype object"):
        tl.save({"a": np.array([None])}, io.BytesIO())


@pytest.mark.parametrize("value, hint", [(tl.zeros(2), "already a tensor"), ([1.0, 2.0], "tl.tensor")])
def test_from_numpy_refuses_what_is_not_an_ndarray(value, hint):
    with pytest.raises(TypeError, match=f"expected np.ndarray \\(got {type(value).__name__}\\).*{hint}"):
        tl.from_numpy(value)


# -- samplers draw lazily ----------------------------------------------------------------------------


@pytest.mark.parametrize("replacement", [True, False])
def test_random_sampler_with_a_huge_num_samples_draws_lazily(replacement):
    sampler = RandomSampler(range(5), replacement=replacement, num_samples=10 ** 10)
    first = list(itertools.islice(iter(sampler), 40))
    assert len(sampler) == 10 ** 10 and all(0 <= i < 5 for i in first)
    if not replacement:
        assert sorted(first[:5]) == [0, 1, 2, 3, 4]


@given(n=st.integers(1, 7), count=st.integers(1, 70), replacement=st.booleans(), seed=st.integers(0, 99))
def test_random_sampler_draws_num_samples_reproducibly(n, count, replacement, seed):
    def draw():
        return list(RandomSampler(range(n), replacement, count, generator=tl.Generator().manual_seed(seed)))
    order = draw()
    assert len(order) == count and all(0 <= i < n for i in order) and order == draw()
    if not replacement:
        for start in range(0, count - count % n, n):
            assert sorted(order[start:start + n]) == list(range(n))


# -- Tensor's device and layout questions, tl.compile ---------------------------------------------------


def test_tensor_answers_pytorchs_device_and_layout_questions_as_for_a_cpu_tensor():
    x = tl.zeros(2, 3, device="cpu")
    assert x.is_cpu and x.get_device() == -1
    for flag in ("is_cuda", "is_xpu", "is_mps", "is_meta", "is_sparse", "is_quantized", "is_mkldnn", "is_nested"):
        assert getattr(x, flag) is False and getattr(tl.nn.Parameter(x), flag) is False
    assert x.nbytes == 24 and x.itemsize == 4 and x[:, :1].nbytes == 8
    assert not x.is_complex()
    signed = {d: tl.zeros(1, dtype=d, device="cpu").is_signed()
              for d in (tl.float16, tl.float32, tl.int8, tl.int64, tl.uint8, tl.bool)}
    assert signed == {tl.float16: True, tl.float32: True, tl.int8: True, tl.int64: True, tl.uint8: False,
                      tl.bool: False}


def test_an_opencl_tensor_is_not_a_cpu_tensor_and_names_its_device_index(opencl):
    x = tl.zeros(2, device=opencl)
    assert not x.is_cpu and x.get_device() == opencl.index


def test_compile_returns_the_model_and_checks_pytorchs_arguments():
    model = tl.nn.Linear(3, 2)
    assert tl.compile(model) is model and tl.compile(model, mode="reduce-overhead", dynamic=True) is model
    assert tl.compile(backend="eager")(model) is model
    with pytest.raises(RuntimeError, match="Unrecognized mode=fast"):
        tl.compile(model, mode="fast")
    with pytest.raises(RuntimeError, match="Either mode or options"):
        tl.compile(model, mode="default", options={})
    with pytest.raises(AssertionError, match="A callable function is expected"):
        tl.compile(3)


# -- torch.distributions: Categorical and Normal (values checked against PyTorch 2.13's) ---------------

from tensorlite.distributions import Categorical, Normal  # noqa: E402


def test_categorical_matches_pytorchs_values():
    m = Categorical(probs=tl.tensor([[0.2, 0.8], [1.0, 1.0]]))
    assert m.batch_shape == (2,) and m.event_shape == () and m.mode.tolist() == [1, 0]
    assert m.probs.flatten().tolist() == pytest.approx([0.2, 0.8, 0.5, 0.5])
    assert m.logits.flatten().tolist() == pytest.approx([-1.6094, -0.2231, -0.6931, -0.6931], abs=1e-4)
    assert m.entropy().tolist() == pytest.approx([0.5004, 0.6931], abs=1e-4)
    assert m.log_prob(tl.tensor([1, 0])).tolist() == pytest.approx([-0.2231, -0.6931], abs=1e-4)
    assert m.sample().shape == (2,) and m.sample((3,)).shape == (3, 2) and m.sample().dtype == tl.int64
    logits = Categorical(logits=tl.tensor([0.0, 1.0, 2.0]))
    assert logits.log_prob(tl.tensor([[0], [2]])).flatten().tolist() == pytest.approx([-2.4076, -0.4076], abs=1e-4)
    assert logits.log_prob(tl.tensor(1.0)).item() == pytest.approx(-1.4076, abs=1e-4)


@given(k=st.integers(2, 5), batch=st.integers(1, 3), seed=st.integers(0, 50))
def test_categorical_samples_follow_probs_and_stay_in_the_support(k, batch, seed):
    tl.manual_seed(seed)
    probs = tl.rand(batch, k) + 0.05
    probs[:, 0] = 0.0  # a class of probability zero is never drawn
    draws = Categorical(probs=probs).sample((200,))
    assert draws.shape == (200, batch) and draws.min().item() >= 1 and draws.max().item() < k


@given(k=st.integers(2, 4), seed=st.integers(0, 50))
def test_categorical_log_prob_and_entropy_gradients_match_central_differences(k, seed):
    tl.manual_seed(seed)
    logits = tl.randn(2, k, dtype=tl.float64, requires_grad=True)
    actions = tl.randint(0, k, (2,))
    assert tl.autograd.gradcheck(lambda z: Categorical(logits=z).log_prob(actions), (logits,))
    assert tl.autograd.gradcheck(lambda z: Categorical(logits=z).entropy(), (logits,))
    probs = (tl.rand(2, k, dtype=tl.float64) + 0.1).requires_grad_()
    assert tl.autograd.gradcheck(lambda p: Categorical(probs=p).log_prob(actions), (probs,))


def test_categorical_validates_as_pytorch():
    with pytest.raises(ValueError, match="Either `probs` or `logits` must be specified, but not both"):
        Categorical()
    with pytest.raises(ValueError, match="satisfy the constraint Simplex"):
        Categorical(probs=tl.tensor([-1.0, 2.0]))
    m = Categorical(probs=tl.tensor([0.5, 0.5]))
    with pytest.raises(ValueError, match=r"within the support \(IntegerInterval\(lower_bound=0, upper_bound=1\)\)"):
        m.log_prob(tl.tensor([2, 0]))
    assert Categorical(probs=tl.tensor([0.5, 0.5]), validate_args=False).log_prob(tl.tensor(0)).item() == \
        pytest.approx(math.log(0.5))


def test_normal_matches_pytorchs_values_and_validates_scale():
    m = Normal(tl.tensor([0.0, 1.0]), 2.0)
    assert m.batch_shape == (2,) and m.sample((3,)).shape == (3, 2) and Normal(0.0, 1.0).sample().shape == ()
    assert m.log_prob(tl.tensor(0.5)).tolist() == pytest.approx([-1.6433, -1.6433], abs=1e-4)
    assert m.entropy().tolist() == pytest.approx([2.1121, 2.1121], abs=1e-4)
    assert m.cdf(tl.tensor(0.0)).tolist() == pytest.approx([0.5, 0.3085], abs=1e-4)
    assert m.mean.tolist() == [0.0, 1.0] and m.stddev.tolist() == [2.0, 2.0] and m.variance.tolist() == [4.0, 4.0]
    with pytest.raises(ValueError, match=r"scale .* GreaterThan\(lower_bound=0.0\)"):
        Normal(0.0, -1.0)


@given(seed=st.integers(0, 50))
def test_normal_rsample_and_log_prob_gradients_match_central_differences(seed):
    tl.manual_seed(seed)
    loc = tl.randn(3, dtype=tl.float64, requires_grad=True)
    scale = (tl.rand(3, dtype=tl.float64) + 0.5).requires_grad_()
    value = tl.randn(3, dtype=tl.float64)
    assert tl.autograd.gradcheck(lambda a, b: Normal(a, b).log_prob(value), (loc, scale))
    assert tl.autograd.gradcheck(lambda a, b: Normal(a, b).entropy(), (loc, scale))
    state = tl.get_rng_state()

    def draw(a, b):
        tl.set_rng_state(state)  # the same eps on every call
        return Normal(a, b).rsample((2,))
    assert tl.autograd.gradcheck(draw, (loc, scale))
    with tl.no_grad():
        assert not Normal(loc, scale).sample().requires_grad


# -- nn.init.orthogonal_ / dirac_ / sparse_ (super_resolution and RL programs initialise this way) ------


@given(shape=st.sampled_from([(3, 5), (5, 3), (4, 4), (4, 2, 3, 3), (2, 3, 2)]),
       gain=st.sampled_from([1.0, 2.0 ** 0.5, 3.0]), seed=st.integers(0, 50))
def test_orthogonal_gives_orthonormal_rows_or_columns_times_gain(shape, gain, seed):
    w = tl.nn.init.orthogonal_(tl.empty(*shape), gain, generator=tl.Generator().manual_seed(seed))
    flat = w.reshape(shape[0], -1).double() / gain
    gram = flat @ flat.T if flat.shape[0] <= flat.shape[1] else flat.T @ flat
    assert (gram - tl.eye(gram.shape[0], dtype=tl.float64)).abs().max().item() < 1e-5
    assert not w.requires_grad


def test_orthogonal_refuses_1d_and_keeps_parameters_leaves():
    with pytest.raises(ValueError, match="Only tensors with 2 or more dimensions are supported"):
        tl.nn.init.orthogonal_(tl.empty(3))
    layer = tl.nn.Conv2d(2, 4, 3)
    tl.nn.init.orthogonal_(layer.weight, tl.nn.init.calculate_gain("relu"))
    assert layer.weight.is_leaf and layer.weight.requires_grad and layer.weight.grad_fn is None


def test_dirac_makes_an_identity_convolution():
    w = tl.nn.init.dirac_(tl.empty(4, 2, 3, 3), groups=2)
    x = tl.randn(1, 2, 5, 5)
    out = tl.nn.functional.conv2d(x, w, padding=1)
    assert (out[:, :2] - x).abs().max().item() < 1e-6 and (out[:, 2:] - x).abs().max().item() < 1e-6
    with pytest.raises(ValueError, match="divisible by groups"):
        tl.nn.init.dirac_(tl.empty(3, 2, 3), groups=2)
    with pytest.raises(ValueError, match="3, 4, or 5 dimensions"):
        tl.nn.init.dirac_(tl.empty(3, 2))


@given(rows=st.integers(1, 6), cols=st.integers(1, 4), sparsity=st.sampled_from([0.0, 0.1, 0.5, 0.9]))
def test_sparse_zeroes_ceil_sparsity_rows_in_every_column(rows, cols, sparsity):
    w = tl.nn.init.sparse_(tl.empty(rows, cols), sparsity, std=1.0)
    assert (w == 0).sum(0).tolist() == [math.ceil(sparsity * rows)] * cols


def test_variable_returns_a_leaf_sharing_memory_as_pytorch():
    from tensorlite.autograd import Variable
    x = tl.ones(2)
    v = Variable(x, requires_grad=True)
    assert v is not x and v.requires_grad and v.is_leaf and not x.requires_grad
    with tl.no_grad():
        v.add_(1.0)
    assert x.tolist() == [2.0, 2.0]  # shares x's memory
    y = tl.ones(2, requires_grad=True) * 2
    assert not Variable(y).requires_grad and Variable(y).grad_fn is None
    assert isinstance(x, Variable) and isinstance(tl.nn.Parameter(x), Variable) and not isinstance([1.0], Variable)
    with pytest.raises(TypeError, match="Variable data has to be a tensor, but got list"):
        Variable([1.0, 2.0])
    with pytest.warns(UserWarning, match="volatile was removed"):
        Variable(x, volatile=True)


def test_matmul_precision_and_determinism_settings_round_trip_as_pytorch():
    try:
        tl.set_float32_matmul_precision("high")
        assert tl.get_float32_matmul_precision() == "high"
        with pytest.warns(UserWarning, match="low is not one of 'highest', 'high', or 'medium'"):
            tl.set_float32_matmul_precision("low")
        assert tl.get_float32_matmul_precision() == "high"
        tl.use_deterministic_algorithms(True, warn_only=True)
        assert tl.are_deterministic_algorithms_enabled() and tl.is_deterministic_algorithms_warn_only_enabled()
        with pytest.raises(TypeError, match="must be bool, not str"):
            tl.use_deterministic_algorithms("yes")
    finally:
        tl.set_float32_matmul_precision("highest")
        tl.use_deterministic_algorithms(False)
    assert tl.get_float32_matmul_precision() == "highest" and not tl.are_deterministic_algorithms_enabled()
