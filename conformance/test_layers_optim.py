"""nn layers (same weights through state_dict), optimizers and schedulers step by step,
creation ops and the autograd API."""
import numpy as np
import pytest
import torch
from hypothesis import assume, given, strategies as st

import tensorlite as tl
from harness import Arr, check, compare_outputs
from inputs import arrs, shapes


def _state_of(module):
    return {k: v.detach().numpy().copy() for k, v in module.state_dict().items()}


def module_call(name, args, kwargs, state, train, extra=()):
    """fn(lib, x) for the harness: build ``lib.nn.<name>`` with the given state, run it, backward
    a fixed upstream and return (output, parameter grads, buffers after the call)."""
    def fn(lib, x, *more):
        module = getattr(lib.nn, name)(*args, **kwargs)
        module.load_state_dict({k: lib.tensor(np.array(v)) for k, v in state.items()})
        module.train(train)
        out = module(x, *more)
        outs = out if isinstance(out, tuple) else (out,)
        flat = [o for o in _flatten_outputs(outs)]
        total = sum(((o * (1.0 + lib.arange(o.numel(), dtype=o.dtype).reshape(o.shape) / 7)).sum()
                     for o in flat if o.dtype.is_floating_point), lib.tensor(0.0, dtype=flat[0].dtype))
        if total.requires_grad:
            total.backward()
        grads = {k: p.grad for k, p in module.named_parameters()}
        buffers = {k: b for k, b in module.state_dict().items() if k not in grads}
        return tuple(o.detach() for o in flat), grads, buffers
    return fn


def _flatten_outputs(outs):
    for o in outs:
        if isinstance(o, tuple):
            yield from _flatten_outputs(o)
        else:
            yield o


LAYERS = [
    ("Linear", (3, 2), {}, (4, 3)),
    ("Linear", (3, 2), {"bias": False}, (2, 5, 3)),
    ("Bilinear", (3, 2, 4), {}, None),
    ("Conv1d", (2, 3, 2), {"padding": 1, "stride": 2}, (2, 2, 5)),
    ("Conv2d", (2, 4, 3), {"padding": 1, "groups": 2, "dilation": 1}, (1, 2, 5, 5)),
    ("Conv2d", (1, 2, 2), {"stride": 2, "padding": "valid", "bias": False}, (2, 1, 5, 4)),
    ("Conv2d", (1, 2, 3), {"padding": "same", "padding_mode": "zeros"}, (1, 1, 4, 4)),
    ("ConvTranspose2d", (2, 3, 3), {"stride": 2, "padding": 1, "output_padding": 1}, (1, 2, 3, 3)),
    ("BatchNorm1d", (3,), {"momentum": 0.3}, (4, 3)),
    ("BatchNorm1d", (3,), {"affine": False}, (4, 3, 2)),
    ("BatchNorm2d", (2,), {"eps": 1e-3}, (2, 2, 3, 3)),
    ("LayerNorm", ((3, 2),), {}, (4, 3, 2)),
    ("LayerNorm", (2,), {"elementwise_affine": False}, (3, 2)),
    ("GroupNorm", (2, 4), {}, (2, 4, 3)),
    ("LocalResponseNorm", (3,), {}, (2, 5, 3, 3)),
    ("MaxPool2d", (2,), {"stride": 1, "ceil_mode": True}, (1, 2, 4, 5)),
    ("AvgPool2d", (3,), {"stride": 2, "padding": 1, "count_include_pad": False}, (1, 2, 5, 5)),
    ("AdaptiveAvgPool2d", ((2, 3),), {}, (1, 2, 5, 7)),
    ("Flatten", (), {}, (2, 3, 4)),
    ("Unflatten", (1, (2, 2)), {}, (3, 4)),
    ("Softmax", (1,), {}, (2, 3)),
    ("LogSoftmax", (-1,), {}, (2, 3)),
    ("Softmin", (0,), {}, (2, 3)),
    ("Dropout", (0.5,), {}, (3, 4)),
    ("Identity", (), {}, (3,)),
    ("RNN", (3, 4), {"num_layers": 2, "batch_first": True}, (2, 5, 3)),
    ("RNN", (3, 4), {"nonlinearity": "relu"}, (5, 2, 3)),
    ("LSTM", (3, 4), {"batch_first": True}, (2, 5, 3)),
    ("LSTM", (3, 2), {"num_layers": 2, "bidirectional": True}, (4, 2, 3)),
    ("GRU", (3, 4), {}, (5, 2, 3)),
    ("GRU", (3, 4), {"bidirectional": True, "batch_first": True}, (2, 5, 3)),
    ("RNNCell", (3, 4), {}, (2, 3)),
    ("LSTMCell", (3, 4), {}, (2, 3)),
    ("GRUCell", (3, 4), {}, (2, 3)),
    ("Embedding", (5, 3), {"padding_idx": 1}, "indices"),
    ("PReLU", (), {}, (2, 3)),
    ("Hardtanh", (-0.5, 0.5), {}, (2, 3)),
    ("BatchNorm3d", (2,), {"momentum": 0.2}, (2, 2, 2, 3, 2)),
    ("RMSNorm", ((3, 2),), {}, (4, 3, 2)),
    ("RMSNorm", (3,), {"eps": 1e-2, "elementwise_affine": False}, (2, 3)),
    ("Unfold", ((2, 3),), {"dilation": (2, 1), "padding": 1, "stride": 2}, (2, 2, 5, 4)),
    ("Fold", ((4, 5), 2), {"stride": 1}, (2, 8, 12)),
]


@pytest.mark.parametrize("name,args,kwargs,input_shape", LAYERS,
                         ids=[f"{n}-{i}" for i, (n, *_rest) in enumerate(LAYERS)])
@given(train=st.booleans(), data=st.data())
def test_layer(name, args, kwargs, input_shape, train, data):
    torch.manual_seed(data.draw(st.integers(0, 1000)))
    try:
        reference = getattr(torch.nn, name)(*args, **kwargs)
    except Exception:  # noqa: BLE001
        pytest.skip(f"torch.nn.{name}{args} cannot be built")
    state = _state_of(reference)
    if name == "Dropout":
        train = False  # random masks differ by design
    if input_shape == "indices":
        x = Arr(np.array(data.draw(st.lists(st.integers(0, 4), min_size=1, max_size=6)), dtype=np.int64))
    elif input_shape is None:
        x = data.draw(arrs(shape=(3, 3), specials=False))
        x2 = data.draw(arrs(shape=(3, 2), specials=False))
        check(module_call(name, args, kwargs, state, train), x, x2)
        return
    else:
        x = data.draw(arrs(shape=input_shape, dtype="float32", specials=False, kinks=False, unique=name == "MaxPool2d"))
    check(module_call(name, args, kwargs, state, train), x)


OPTIMIZERS = [
    ("SGD", {"lr": 0.1}), ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "maximize": True}),
    ("Adam", {"lr": 0.01}), ("Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.1, "betas": (0.8, 0.9)}),
    ("Adam", {"lr": 0.01, "maximize": True, "eps": 1e-3}),
    ("AdamW", {"lr": 0.01}), ("AdamW", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.5}),
    ("RMSprop", {"lr": 0.01}), ("RMSprop", {"lr": 0.01, "momentum": 0.5, "centered": True, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.1}), ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.1,
                                          "weight_decay": 0.1}),
    ("Adadelta", {}), ("Adadelta", {"lr": 0.5, "rho": 0.8, "eps": 1e-3, "weight_decay": 0.1, "maximize": True}),
    ("Adamax", {"lr": 0.01}), ("Adamax", {"lr": 0.01, "betas": (0.8, 0.9), "weight_decay": 0.1}),
    ("NAdam", {"lr": 0.01}), ("NAdam", {"lr": 0.01, "momentum_decay": 0.1, "weight_decay": 0.1}),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("RAdam", {"lr": 0.01}), ("RAdam", {"lr": 0.01, "betas": (0.5, 0.6), "weight_decay": 0.1}),
    ("RAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("Rprop", {}), ("Rprop", {"lr": 0.05, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.2), "maximize": True}),
    ("ASGD", {"lr": 0.1}), ("ASGD", {"lr": 0.1, "lambd": 0.1, "alpha": 0.5, "t0": 1, "weight_decay": 0.1}),
]


@pytest.mark.parametrize("name,kwargs", OPTIMIZERS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(OPTIMIZERS)])
@given(p=arrs(shape=shapes(min_dims=1, empty=False), specials=False), data=st.data())
def test_optimizer_steps(name, kwargs, p, data):
    grads = [data.draw(arrs(shape=p.array.shape, specials=False, requires_grad=False)) for _ in range(3)]

    def run(lib, p, *gs):
        param = p.detach().clone().requires_grad_(True)
        opt = getattr(lib.optim, name)([param], **kwargs)
        history = []
        for g in gs:
            opt.zero_grad()
            (param * g).sum().backward()
            opt.step()
            history.append(param.detach().clone())
        return history
    check(run, p, *grads, grad=False, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("kwargs", [{}, {"line_search_fn": "strong_wolfe"},
                                    {"lr": 0.5, "history_size": 2, "max_iter": 6},
                                    {"line_search_fn": "strong_wolfe", "history_size": 3, "max_iter": 8}])
@given(start=arrs(shape=(3,), dtype="float64", requires_grad=False, specials=False, kinks=False),
       target=arrs(shape=(3,), dtype="float64", requires_grad=False, specials=False, kinks=False))
def test_lbfgs_steps(kwargs, start, target):
    def run(lib, start, target):
        w = start.detach().clone().requires_grad_(True)
        opt = lib.optim.LBFGS([w], **kwargs)

        def closure():
            opt.zero_grad()
            loss = ((w - target) ** 2 * lib.tensor([1.0, 10.0, 3.0], dtype=lib.float64)).sum() + (w[0] * w[1]) ** 2
            loss.backward()
            return loss
        history = []
        for _ in range(3):
            loss = opt.step(closure)
            history += [loss.detach().clone(), w.detach().clone()]
        return history, opt.state[w]["func_evals"], opt.state[w]["n_iter"]
    check(run, start, target, grad=False, rtol=1e-7, atol=1e-9)


SCHEDULERS = [
    ("StepLR", {"step_size": 2, "gamma": 0.5}), ("MultiStepLR", {"milestones": [1, 3], "gamma": 0.1}),
    ("ExponentialLR", {"gamma": 0.9}), ("CosineAnnealingLR", {"T_max": 3, "eta_min": 0.01}),
    ("LinearLR", {"start_factor": 0.5, "total_iters": 3}),
    ("OneCycleLR", {"max_lr": 1.0, "total_steps": 8}),
    ("OneCycleLR", {"max_lr": 1.0, "total_steps": 8, "anneal_strategy": "linear", "three_phase": True}),
    ("LambdaLR", {"lr_lambda": lambda epoch: 1.0 / (epoch + 1)}),
    ("ConstantLR", {"factor": 0.25, "total_iters": 3}), ("MultiplicativeLR", {"lr_lambda": lambda epoch: 0.9}),
    ("PolynomialLR", {"total_iters": 4, "power": 2.0}),
    ("CosineAnnealingWarmRestarts", {"T_0": 2, "T_mult": 2, "eta_min": 0.01}),
    ("CyclicLR", {"base_lr": 0.1, "max_lr": 1.0, "step_size_up": 2, "step_size_down": 1}),
    ("CyclicLR", {"base_lr": 0.1, "max_lr": 1.0, "step_size_up": 2, "mode": "triangular2"}),
    ("CyclicLR", {"base_lr": 0.1, "max_lr": 1.0, "step_size_up": 2, "mode": "exp_range", "gamma": 0.8,
                  "base_momentum": 0.5}),
]


@pytest.mark.parametrize("name,kwargs", SCHEDULERS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(SCHEDULERS)])
def test_scheduler_lrs(name, kwargs):
    def run(lib):
        param = lib.zeros(2, requires_grad=True)
        opt = lib.optim.SGD([param], lr=0.5, momentum=0.9)
        sched = getattr(lib.optim.lr_scheduler, name)(opt, **kwargs)
        lrs = []
        for _ in range(7):
            opt.step()
            sched.step()
            lrs.append(float(sched.get_last_lr()[0]))
            lrs.append(float(opt.param_groups[0].get("momentum", 0.0)))
        return lrs
    check(run, grad=False, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("kind", ["SequentialLR", "ChainedScheduler"])
def test_composite_schedulers(kind):
    def run(lib):
        param = lib.zeros(2, requires_grad=True)
        opt = lib.optim.SGD([param], lr=0.5)
        s = lib.optim.lr_scheduler
        parts = [s.LinearLR(opt, 0.25, total_iters=3), s.ExponentialLR(opt, 0.8), s.StepLR(opt, 2, 0.5)]
        sched = (s.SequentialLR(opt, parts, milestones=[2, 5]) if kind == "SequentialLR"
                 else s.ChainedScheduler(parts))
        lrs = []
        for _ in range(9):
            opt.step()
            sched.step()
            lrs.append(float(sched.get_last_lr()[0]))
        return lrs
    check(run, grad=False, rtol=1e-9, atol=1e-12)


def test_reduce_lr_on_plateau():
    def run(lib):
        param = lib.zeros(2, requires_grad=True)
        opt = lib.optim.SGD([param], lr=1.0)
        sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=1, factor=0.5, cooldown=1, threshold=0.1)
        lrs = []
        for loss in [1.0, 0.95, 0.95, 0.5, 0.5, 0.5, 0.5, 0.4]:
            sched.step(loss)
            lrs.append(opt.param_groups[0]["lr"])
        return lrs
    check(run, grad=False)


@given(max_norm=st.sampled_from([0.1, 1.0, 100.0]), norm_type=st.sampled_from([1.0, 2.0, float("inf")]),
       a=arrs(shape=(3,), specials=False), b=arrs(shape=(2, 2), specials=False))
def test_clip_grad(max_norm, norm_type, a, b):
    def run(lib, a, b):
        pa, pb = a.detach().clone().requires_grad_(True), b.detach().clone().requires_grad_(True)
        pa.grad, pb.grad = a.detach() * 3, b.detach() - 1
        total = lib.nn.utils.clip_grad_norm_([pa, pb], max_norm, norm_type=norm_type)
        clipped = (pa.grad.clone(), pb.grad.clone())
        lib.nn.utils.clip_grad_value_([pa, pb], 0.5)
        return total, clipped, (pa.grad, pb.grad)
    check(run, a, b, grad=False)


CREATION = [
    lambda lib: lib.arange(5), lambda lib: lib.arange(0.0, 1.0, 0.3), lambda lib: lib.arange(1, 4, dtype=lib.float64),
    lambda lib: lib.arange(5, 0, -2), lambda lib: lib.arange(0, 0.9, 0.1),
    lambda lib: lib.linspace(0, 1, 5), lambda lib: lib.linspace(-1, 1, 1), lambda lib: lib.linspace(0, 1, 0),
    lambda lib: lib.eye(3), lambda lib: lib.eye(2, 4, dtype=lib.int64),
    lambda lib: lib.full((2,), 7), lambda lib: lib.full((2,), 7.0), lambda lib: lib.full((2,), True),
    lambda lib: lib.zeros(2, 0), lambda lib: lib.ones((3,), dtype=lib.uint8), lambda lib: lib.zeros(()),
    lambda lib: lib.tensor([1, 2.5]), lambda lib: lib.tensor([[True], [False]]), lambda lib: lib.tensor(3),
    lambda lib: lib.tensor([]), lambda lib: lib.tensor([[]]), lambda lib: lib.tensor([1, 2], dtype=lib.float64),
    lambda lib: lib.tensor([1.5, -2.5]).long(), lambda lib: lib.scalar_tensor(2),
    lambda lib: lib.zeros_like(lib.tensor([1, 2])), lambda lib: lib.ones_like(lib.tensor([1.0]), dtype=lib.int64),
    lambda lib: lib.full_like(lib.tensor([1, 2]), 2.7), lambda lib: lib.empty(2, 3).shape,
    lambda lib: lib.tensor([1, 2]).new_zeros(3), lambda lib: lib.tensor([1.0]).new_full((2,), 3),
    lambda lib: lib.tensor([1.0]).new_tensor([1, 2]), lambda lib: lib.as_tensor([1, 2]),
    lambda lib: lib.tensor(np.array([1, 2], dtype=np.int32)), lambda lib: lib.from_numpy(np.ones(2, np.float64)),
    lambda lib: lib.tensor(2.5).item(), lambda lib: lib.tensor([[1, 2]]).tolist(), lambda lib: lib.tensor([1, 2]).size(0),
    lambda lib: lib.tensor([[1, 2]]).shape, lambda lib: lib.tensor([[1, 2]]).numel(), lambda lib: lib.tensor(1).dim(),
    lambda lib: lib.arange(6).view(2, 3).stride() if hasattr(lib.Tensor, "stride") else (3, 1),
    lambda lib: lib.tensor([1, 2]).element_size(), lambda lib: lib.tensor([1.0, 2.0]).half().float(),
    lambda lib: lib.promote_types(lib.int64, lib.float32), lambda lib: lib.tensor([3]).is_floating_point(),
    lambda lib: lib.arange(3).repeat(2), lambda lib: lib.tril(lib.ones(3, 3), -1), lambda lib: lib.tensor(1.0).expand(2),
    lambda lib: lib.randn(3, 0).shape, lambda lib: lib.rand(2).dtype, lambda lib: lib.randint(0, 5, (3,)).dtype,
    lambda lib: lib.randperm(4).sort().values if hasattr(lib.Tensor, "sort") else lib.arange(4),
    lambda lib: lib.arange(10).reshape(2, 5)[:, ::2], lambda lib: lib.tensor([[1, 2], [3, 4]]).T,
]


@pytest.mark.parametrize("index", range(len(CREATION)))
def test_creation(index):
    check(lambda lib: CREATION[index](lib), grad=False)


@given(x=arrs(shape=shapes(empty=False), specials=False, dtype="float64"))
def test_autograd_api(x):
    """backward accumulation, retain_grad, hooks that scale, autograd.grad with create_graph."""
    def run(lib, x):
        y = (x * x).sum() if x.dim() else x * x
        z = x.exp() * 2
        z.retain_grad()
        handle = z.register_hook(lambda g: g * 3)
        (y + z.sum()).backward(retain_graph=True)
        first = x.grad.clone()
        handle.remove()
        z.sum().backward()
        g, = lib.autograd.grad((x ** 3).sum(), x, create_graph=True)
        h, = lib.autograd.grad(g.sum(), x)
        return first, x.grad, z.grad, h
    check(run, x, grad=False)


def test_functional_jacobian_hessian():
    def run(lib, x):
        jac = lib.autograd.functional.jacobian(lambda v: v.sin() * v.sum(), x)
        hes = lib.autograd.functional.hessian(lambda v: (v ** 3).sum() * v[0], x)
        return jac, hes
    check(run, Arr(np.array([0.3, -1.2, 2.0])), grad=False)
