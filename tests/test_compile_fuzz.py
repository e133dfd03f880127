"""Differential fuzzer of tensorlite.compile: random small training steps (layers, losses,
optimizers and their options, schedulers changing lr between steps, dropout, batch norm,
in-place ops, views, no_grad sections, returned values, changing batch sizes, train/eval
switches, parameters frozen mid-run, zero_grad variants, gradient clipping) run K times eagerly
and K times compiled from the same seed: on the CPU backend every returned value, parameter,
buffer, gradient and optimizer state tensor is bit-identical; on OpenCL equal within float32
tolerance. A spec is a plain dict drawn from one integer seed, so a failure prints the seed and
``python tests/test_compile_fuzz.py SEED [opencl]`` replays it."""
import random
import sys
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tensorlite as tl
import tensorlite.nn.functional as F
from tensorlite.backends.numpy_backend import NumpyBackend
from tensorlite.ops.capture import CaptureError


CLASSES = 3
_ACTIVATIONS = ["relu", "tanh", "sigmoid", "gelu", "leaky_relu", "elu", "silu", "softplus"]
_LOSSES = ["cross_entropy", "nll", "mse", "l1", "smooth_l1", "bce_logits", "huber"]


# -- random specs ----------------------------------------------------------------------------
def _optimizer_spec(r: random.Random) -> tuple:
    name = r.choice(["SGD", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax",
                     "NAdam", "RAdam", "ASGD", "Rprop"])
    kw = {"lr": r.choice([0.01, 0.05, 0.1])}
    if name == "SGD":
        kw["momentum"] = r.choice([0.0, 0.5, 0.9])
        kw["nesterov"] = kw["momentum"] > 0 and r.random() < 0.5
        kw["dampening"] = 0.0 if kw["nesterov"] else r.choice([0.0, 0.0, 0.3])
        kw["weight_decay"] = r.choice([0.0, 0.0, 1e-2])
    elif name in ("Adam", "AdamW"):
        kw["amsgrad"] = r.random() < 0.5
        kw["weight_decay"] = r.choice([0.0, 1e-2])
        kw["maximize"] = r.random() < 0.15
    elif name == "RMSprop":
        kw["momentum"] = r.choice([0.0, 0.5])
        kw["centered"] = r.random() < 0.5
        kw["weight_decay"] = r.choice([0.0, 1e-2])
    elif name in ("Adagrad", "NAdam", "RAdam", "Adamax"):
        kw["weight_decay"] = r.choice([0.0, 1e-2])
        if name in ("NAdam", "RAdam") and kw["weight_decay"]:
            kw["decoupled_weight_decay"] = r.random() < 0.5
        if name == "Adagrad":
            kw["lr_decay"] = r.choice([0.0, 0.1])
    return name, kw


def spec_of(seed: int) -> dict:
    """A random step (model, loss, optimizer, what the step does) and the run around it."""
    r = random.Random(seed)
    model = r.choice(["mlp", "mlp", "cnn", "lstm", "embedding"])
    steps = r.randint(5, 8)
    batch = r.randint(2, 5)
    spec = {
        "seed": seed, "model": model, "hidden": r.randint(2, 6),
        "activation": r.choice(_ACTIVATIONS), "dropout": r.choice([0.0, 0.0, 0.3]),
        "batchnorm": model in ("mlp", "cnn") and r.random() < 0.4,
        "loss": r.choice(_LOSSES), "optimizer": _optimizer_spec(r),
        "scheduler": r.choice([None, "step", "exponential", "lambda", "cosine", "manual",
                               "onecycle", "cyclic", "plateau"]),
        "zero_grad": r.choice(["none", "zeros", "outside", "every-2nd"]),
        "clip": r.choice([None, None, "norm", "value"]),
        "inplace": r.choice([None, "mul_", "view-add_", "setitem"]),
        "view": r.choice([None, "slice", "transpose", "reshape"]),
        "no_grad_metric": r.random() < 0.4,
        "penalty": r.random() < 0.25,
        "returns": r.choice(["loss", "detached", "tuple", "dict", "none", "output", "number",
                             "param-view"]),
        "dtype": r.choice(["float32", "float32", "float32", "float64"]),
        "micro_batches": r.choice([1, 1, 2]),
        "clamp_params": r.random() < 0.2,
        "ema": r.random() < 0.25,
        "batches": [batch if r.random() < 0.85 else r.randint(1, 5) for _ in range(steps)],
        "eval_at": r.choice([None, r.randrange(steps)]),
        "train_at": None,
        "freeze_at": r.choice([None, None, r.randrange(steps)]),
        "unfreeze_at": r.choice([None, r.randrange(steps)]),
        "groups": r.random() < 0.3,  # the head in a second param group with its own lr
        "grad_edit": r.choice([None, None, "mul_", "rebind", "noise"]),
        "frozen_body": r.random() < 0.15,  # the body's forward under no_grad
        # between two steps: the parameters changed in place, replaced or loaded
        "touch": r.choice([None, None, "nograd-mul", "data-replace", "load-state", "reseed"]),
        "touch_at": r.randrange(1, steps),
        "evaluate": r.random() < 0.3,  # a second compiled function, under no_grad
    }
    if spec["eval_at"] is not None and r.random() < 0.5:
        spec["train_at"] = r.randint(spec["eval_at"], steps)
    if spec["batchnorm"]:  # batch norm in training needs more than one value per channel
        spec["batches"] = [max(b, 2 * spec["micro_batches"]) for b in spec["batches"]]
    return spec


# -- building and running a spec -------------------------------------------------------------
class _Net(tl.nn.Module):
    def __init__(self, spec):
        super().__init__()
        h, kind = spec["hidden"], spec["model"]
        self.kind, self.activation = kind, spec["activation"]
        self.frozen_body = spec["frozen_body"]
        if kind == "mlp":
            self.body = tl.nn.Linear(4, h)
            self.norm = tl.nn.BatchNorm1d(h) if spec["batchnorm"] else None
        elif kind == "cnn":
            self.body = tl.nn.Conv2d(1, h, 3, padding=1)
            self.norm = tl.nn.BatchNorm2d(h) if spec["batchnorm"] else None
            self.pool = tl.nn.MaxPool2d(2)
            h = h * 4
        elif kind == "lstm":
            self.body = tl.nn.LSTM(3, h, batch_first=True)
            self.norm = None
        else:
            self.body = tl.nn.Embedding(7, h)
            self.norm = None
        self.drop = tl.nn.Dropout(spec["dropout"]) if spec["dropout"] else None
        self.head = tl.nn.Linear(h, CLASSES)

    def forward(self, x):
        if self.kind == "lstm":
            out, _ = self.body(x)
            h = out[:, -1]
        elif self.kind == "embedding":
            h = self.body(x).mean(1)
        else:
            with tl.set_grad_enabled(not self.frozen_body and tl.is_grad_enabled()):
                h = self.body(x)
            if self.norm is not None:
                h = self.norm(h)
        h = getattr(F, self.activation)(h)
        if self.kind == "cnn":
            h = self.pool(h).flatten(1)
        if self.drop is not None:
            h = self.drop(h)
        return self.head(h)


def _inputs(spec, n, rng, device):
    kind = spec["model"]
    if kind == "mlp":
        x = rng.standard_normal((n, 4)).astype(np.float32)
    elif kind == "cnn":
        x = rng.standard_normal((n, 1, 4, 4)).astype(np.float32)
    elif kind == "lstm":
        x = rng.standard_normal((n, 2, 3)).astype(np.float32)
    else:
        x = rng.integers(0, 7, (n, 3))
    if x.dtype == np.float32:
        x = x.astype(spec["dtype"])
    return tl.tensor(x, device=device), tl.tensor(rng.integers(0, CLASSES, n), device=device)


def _loss(spec, out, y):
    name = spec["loss"]
    if name == "cross_entropy":
        return F.cross_entropy(out, y)
    if name == "nll":
        return F.nll_loss(F.log_softmax(out, 1), y)
    target = F.one_hot(y, CLASSES).to(out.dtype)
    if name == "bce_logits":
        return F.binary_cross_entropy_with_logits(out, target)
    return {"mse": F.mse_loss, "l1": F.l1_loss, "smooth_l1": F.smooth_l1_loss,
            "huber": F.huber_loss}[name](out, target)


def _scheduler(spec, opt):
    kind, lr = spec["scheduler"], tl.optim.lr_scheduler
    if kind == "step":
        return lr.StepLR(opt, step_size=2, gamma=0.5)
    if kind == "exponential":
        return lr.ExponentialLR(opt, gamma=0.8)
    if kind == "lambda":
        return lr.LambdaLR(opt, lambda epoch: 1.0 / (1 + epoch))
    if kind == "cosine":
        return lr.CosineAnnealingLR(opt, T_max=3)
    if kind == "onecycle":  # changes momentum or betas too
        return lr.OneCycleLR(opt, max_lr=0.1, total_steps=len(spec["batches"]),
                             cycle_momentum="momentum" in opt.defaults or "betas" in opt.defaults)
    if kind == "cyclic":
        return lr.CyclicLR(opt, 0.01, 0.1, step_size_up=2,
                           cycle_momentum=opt.defaults.get("momentum", 0) > 0)
    if kind == "plateau":
        return lr.ReduceLROnPlateau(opt, patience=0, factor=0.5)
    return None


def _transform(spec, out):
    """The step's in-place ops and views on the model's output (b, CLASSES)."""
    view = spec["view"]
    if view == "slice":
        out = tl.cat([out, out[:, :1]], 1)[:, :CLASSES]
    elif view == "transpose":
        out = out.t().contiguous().t()
    elif view == "reshape":
        out = out.reshape(-1).reshape(out.shape[0], CLASSES)
    inplace = spec["inplace"]
    if inplace == "mul_":
        out = out * 1.0
        out.mul_(0.5)
    elif inplace == "view-add_":
        out = out.clone()
        out[:, 0].add_(0.25)
    elif inplace == "setitem":
        out = out.clone()
        out[:, 1] = out[:, 1] * 2.0
    return out


def make_run(spec, device):
    """(the step function, the model, its optimizer, its scheduler) from the spec's seed."""
    tl.manual_seed(spec["seed"] % 1000)
    net = _Net(spec).to(device=device, dtype=getattr(tl, spec["dtype"]))
    ema = [p.detach().clone() for p in net.parameters()] if spec["ema"] else None
    name, kw = spec["optimizer"]
    if spec["groups"]:
        head = [id(p) for p in net.head.parameters()]
        params = [{"params": [p for p in net.parameters() if id(p) not in head]},
                  {"params": list(net.head.parameters()), "lr": kw["lr"] * 0.5}]
    else:
        params = net.parameters()
    opt = getattr(tl.optim, name)(params, **kw)
    sched = _scheduler(spec, opt)
    zero = spec["zero_grad"]

    def step(x, y):
        if zero in ("none", "zeros"):
            opt.zero_grad(set_to_none=zero == "none")
        losses = []
        for xs, ys in zip(x.chunk(spec["micro_batches"]), y.chunk(spec["micro_batches"])):
            out = _transform(spec, net(xs))
            loss = _loss(spec, out, ys)
            if spec["penalty"]:
                loss = loss + 1e-3 * sum((p * p).sum() for p in net.parameters() if p.requires_grad)
            loss.backward()
            losses.append(loss)
        loss, y = losses[-1], ys
        _edit_grads(spec["grad_edit"], net)
        if spec["clip"] == "norm":
            tl.nn.utils.clip_grad_norm_(net.parameters(), 0.5)
        elif spec["clip"] == "value":
            tl.nn.utils.clip_grad_value_(net.parameters(), 0.1)
        opt.step()
        if spec["clamp_params"]:
            with tl.no_grad():
                for p in net.parameters():
                    p.clamp_(-0.3, 0.3)
        if ema is not None:  # tensors outside the model, written in place
            with tl.no_grad():
                for e, p in zip(ema, net.parameters()):
                    e.mul_(0.9).add_(p, alpha=0.1)
        metric = None
        if spec["no_grad_metric"]:
            with tl.no_grad():
                metric = (out.argmax(1) == y).float().mean() + net.head.weight.abs().sum()
        kind = spec["returns"]
        if kind == "loss":
            return loss
        if kind == "detached":
            return loss.detach()
        if kind == "tuple":
            return loss.detach(), metric if metric is not None else out.detach()
        if kind == "dict":
            return {"loss": loss.detach(), "n": 3, "out": out.detach()}
        if kind == "output":
            return out.detach()
        if kind == "number":
            return 7
        if kind == "param-view":
            return net.head.weight[:, 0], loss.detach()
        return None
    return step, net, opt, sched, ema


def _host(value):
    if isinstance(value, tl.Tensor):
        return value.detach().cpu().numpy().copy()
    if isinstance(value, (tuple, list)):
        return [_host(v) for v in value]
    if isinstance(value, dict):
        return {k: _host(v) for k, v in value.items()}
    return value


def _state(net, opt) -> dict:
    found = {f"param {k}": v for k, v in net.state_dict().items()}
    for k, p in net.named_parameters():
        found[f"grad {k}"] = None if p.grad is None else p.grad
    names = {id(p): k for k, p in net.named_parameters()}
    for p, per in opt.state.items():
        for k, v in per.items():
            found[f"state {names[id(p)]} {k}"] = v
    return {k: _host(v) for k, v in found.items()}


def run(spec, device="cpu", compiled=True) -> tuple:
    """([per step: (returned value, state)], the compiled function or None)."""
    step, net, opt, sched, ema = make_run(spec, device)
    fn = tl.compile(step) if compiled else step
    rng = np.random.default_rng(spec["seed"])
    tl.manual_seed(spec["seed"] % 997 + 1)
    trace, held = [], []
    evaluate = _evaluator(spec, net, compiled)
    for n, b in enumerate(spec["batches"]):
        if n == spec["touch_at"]:
            _touch(spec["touch"], net)
        if n == spec["eval_at"]:
            net.eval()
        if n == spec["train_at"]:
            net.train()
        if n == spec["freeze_at"]:
            net.head.bias.requires_grad_(False)
        if n == spec["unfreeze_at"]:
            net.head.bias.requires_grad_(True)
        if spec["zero_grad"] == "outside" or (spec["zero_grad"] == "every-2nd" and n % 2 == 0):
            opt.zero_grad()
        result = fn(*_inputs(spec, b, rng, device))
        trace.append((_host(result), _state(net, opt), _host(ema)))
        if spec["returns"] not in ("param-view", "dict"):  # values the caller may hold
            held.append(result)
        if evaluate is not None:
            trace.append(_host(evaluate(*_inputs(spec, spec["batches"][-n], rng, device))))
        if isinstance(sched, tl.optim.lr_scheduler.ReduceLROnPlateau):
            sched.step(n % 3)
        elif sched is not None:
            sched.step()
        elif spec["scheduler"] == "manual":
            for group in opt.param_groups:
                group["lr"] = group["lr"] * 0.7
    trace.append(_host(held))  # a replay never writes into what an earlier call returned
    return trace, (fn if compiled else None)


def _edit_grads(kind, net):
    """In the step, between backward and the update: gradients scaled in place, rebound to new
    tensors, or given noise (a random draw)."""
    for p in net.parameters():
        if p.grad is None:
            continue
        if kind == "mul_":
            p.grad.mul_(0.5)
        elif kind == "rebind":
            p.grad = p.grad * 0.5 + 0.01
        elif kind == "noise":
            p.grad.add_(tl.randn_like(p.grad) * 0.01)


def _evaluator(spec, net, compiled):
    if not spec["evaluate"]:
        return None

    def evaluate(x, y):
        with tl.no_grad():
            out = net(x)
            return _loss(spec, out, y), out.argmax(1)
    return tl.compile(evaluate) if compiled else evaluate


def _touch(kind, net):
    if kind == "nograd-mul":
        with tl.no_grad():
            net.head.weight.mul_(0.5)
    elif kind == "data-replace":
        net.head.weight.data = net.head.weight.data * 0.5
    elif kind == "reseed":  # the generator reset between calls: the replay draws from it
        tl.manual_seed(123)
    elif kind == "load-state":
        net.load_state_dict({k: v * 0.5 if v.is_floating_point() else v for k, v in net.state_dict().items()})


def _compare(a, b, where, exact):
    if isinstance(a, dict):
        assert isinstance(b, dict) and sorted(a) == sorted(b), f"{where}: keys {sorted(a)} vs {sorted(b)}"
        for k in a:
            _compare(a[k], b[k], f"{where}/{k}", exact)
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b), f"{where}: {a!r} vs {b!r}"
        for n, (x, y) in enumerate(zip(a, b)):
            _compare(x, y, f"{where}[{n}]", exact)
    elif isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape, \
            f"{where}: {a.dtype}{a.shape} vs {getattr(b, 'dtype', b)}{getattr(b, 'shape', '')}"
        if exact:
            np.testing.assert_array_equal(a, b, err_msg=where)
        else:
            np.testing.assert_allclose(a, b, rtol=2e-4, atol=2e-5, err_msg=where)
    else:
        assert a == b, f"{where}: {a!r} vs {b!r}"


def check(seed: int, device="cpu") -> object:
    """Eager and compiled runs of spec ``seed`` agree (bit for bit on the CPU backend)."""
    spec = spec_of(seed)
    eager, _ = run(spec, device, compiled=False)
    replayed, fn = run(spec, device)
    for n, (a, b) in enumerate(zip(eager, replayed)):
        _compare(a, b, f"seed {seed} step {n}", exact=tl.device(device).type == "cpu")
    return fn


def _default_device():
    return tl.get_default_device()


# The NumPy pass: bit for bit. The OpenCL pass (TENSORLITE_DEVICE=opencl): within float32
# tolerance, on fewer examples (each builds its kernels once).
_EXACT = _default_device().type == "cpu"
_EXAMPLES = settings.default.max_examples if _EXACT else max(2, settings.default.max_examples // 6)


@settings(max_examples=_EXAMPLES)
@given(st.integers(0, 2 ** 31 - 1), st.booleans())
def test_random_compiled_steps_equal_eager_steps(seed, fuse_on_cpu):
    """On the NumPy backend bit for bit, also with the fusion pass on (its fused calls run the
    tape's reference: the rewrite of whole steps is checked, the kernels by test_fusion_fuzz)."""
    with mock.patch.object(NumpyBackend, "fuses_elementwise", fuse_on_cpu and _EXACT, create=True):
        fn = check(seed, _default_device())
    assert fn.stats["eager"] + fn.stats["replays"] + fn.stats["recordings"] == len(spec_of(seed)["batches"])


# -- reproducers of what the fuzzer found ----------------------------------------------------
def _sgd_step(w, body):
    opt = tl.optim.SGD([w], lr=0.1, momentum=0.5)

    def step(x):
        opt.zero_grad()
        out = body(x)
        out.sum().backward()
        opt.step()
        return out.detach()
    return step


def _eager_and_compiled(make, inputs, between=None, **options):
    """[(outputs, parameter values)] of the eager then the compiled run, and the compiled
    function; ``between(n, params)`` runs before call n."""
    runs = []
    for compiled in (False, True):
        params, step = make()
        fn = tl.compile(step, **options) if compiled else step
        outs = []
        for n, x in enumerate(inputs):
            if between is not None:
                between(n, params)
            outs.append(_host(fn(*x)))
        runs.append((outs, [_host(p) for p in params]))
    return runs, fn


@pytest.mark.parametrize("read_before_write", [True, False], ids=["read-before", "read-after"])
def test_a_value_computed_from_a_new_buffer_written_in_place_is_computed_on_every_replay(read_before_write):
    """``zeros`` is a constant the replay could compute once, but the step writes into it, so it
    runs in the replay; so must ``zeros + 2`` computed from it (it was kept as a constant reading
    a value that no longer existed at build: KeyError)."""
    def make():
        w = tl.ones(3, requires_grad=True)

        def body(x):
            z = tl.zeros(3)
            c = z + 2.0 if read_before_write else None
            z.add_(x)
            c = c if read_before_write else z + 2.0
            return w * c
        return [w], _sgd_step(w, body)
    (eager, replayed), fn = _eager_and_compiled(make, [(tl.full((3,), float(n)),) for n in range(5)])
    assert fn.stats["replays"] == 3
    _compare(eager, replayed, "zeros written in place", exact=_EXACT)


def test_freezing_a_parameter_between_steps_records_again():
    """requires_grad of a parameter is guarded: a replay recorded before the freeze went on
    computing and applying its gradient."""
    def make():
        tl.manual_seed(0)
        net = tl.nn.Linear(3, 2)
        opt = tl.optim.SGD(net.parameters(), lr=0.1)

        def step(x):
            opt.zero_grad()
            out = net(x)
            out.pow(2).sum().backward()
            opt.step()
            return out.detach()
        return list(net.parameters()), step

    def freeze(n, params):
        params[1].requires_grad_(n < 3 or n > 5)  # frozen for calls 3-5, trained again after
    (eager, replayed), fn = _eager_and_compiled(make, [(tl.ones(4, 3),)] * 8, freeze)
    _compare(eager, replayed, "frozen bias", exact=_EXACT)
    assert fn.stats == {"eager": 1, "recordings": 2, "replays": 5}


_VALUE_SHAPED = {
    "bool-mask index": lambda w, x: (w * x)[x > 0].sum(),
    "masked_select": lambda w, x: tl.masked_select(w * x, x > 0).sum(),
    "nonzero": lambda w, x: w[(x > 0).nonzero()[:, 0]].sum(),
    "where(condition)": lambda w, x: w[tl.where(x > 0)[0]].sum(),
    "unique": lambda w, x: (w[:1] * x.unique()).sum(),
}


@pytest.mark.parametrize("name", sorted(_VALUE_SHAPED))
def test_a_shape_that_depends_on_tensor_values_is_a_host_read(name):
    """A replay keeps the recorded shapes: a step making a tensor whose size is a count of values
    raises while recording, naming the line; with host_reads="eager" it runs eagerly."""
    rng = np.random.default_rng(0)
    batches = [(tl.tensor(rng.standard_normal(4).astype(np.float32)),) for _ in range(5)]

    def make():
        w = tl.ones(4, requires_grad=True)
        return [w], _sgd_step(w, lambda x: _VALUE_SHAPED[name](w, x).reshape(1))
    _, step = make()
    fn = tl.compile(step)
    fn(*batches[0])
    with pytest.raises(CaptureError, match=r"shape depends on tensor values .* at .*test_compile_fuzz.py:\d+: .*lambda w, x"):
        fn(*batches[1])
    with pytest.warns(UserWarning, match="shape depends on tensor values"):
        (eager, compiled), fn = _eager_and_compiled(make, batches, host_reads="eager")
    _compare(eager, compiled, name, exact=_EXACT)
    assert fn.stats == {"eager": 4, "recordings": 1, "replays": 0}


if __name__ == "__main__":  # python tests/test_compile_fuzz.py SEED [DEVICE]
    import pprint
    pprint.pprint(spec_of(int(sys.argv[1])))
    compiled = check(int(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "cpu")
    print(compiled.stats)


# -- guards: every change that must re-record does, values stay equal to eager ---------------
_EVENTS = ["none", "shape", "dtype", "lr", "momentum", "freeze", "unfreeze", "eval", "train",
           "weight_decay", "nesterov"]


def _guarded_run(events, compiled):
    tl.manual_seed(0)
    net = tl.nn.Sequential(tl.nn.Linear(3, 4), tl.nn.BatchNorm1d(4), tl.nn.Dropout(0.25),
                           tl.nn.Linear(4, 2))
    opt = tl.optim.SGD(net.parameters(), lr=0.1, momentum=0.5)

    def step(x):
        opt.zero_grad()
        out = net(x.float())
        loss = out.pow(2).mean()
        loss.backward()
        opt.step()
        return loss, out.detach()
    fn = tl.compile(step, max_recordings=64) if compiled else step  # the guards, not giving up
    rng = np.random.default_rng(0)
    rows, dtype, trace = 4, np.float32, []
    tl.manual_seed(1)
    for event in events:
        group = opt.param_groups[0]
        if event == "shape":
            rows = 7 - rows  # 4 <-> 3
        elif event == "dtype":
            dtype = np.float64 if dtype is np.float32 else np.float32
        elif event == "lr":
            group["lr"] = group["lr"] * 0.5
        elif event in ("momentum", "weight_decay"):
            group[event] = 0.0 if group[event] else 0.3
            group["nesterov"] = group["nesterov"] and group["momentum"] > 0
        elif event == "nesterov":
            group["nesterov"] = not group["nesterov"] and group["momentum"] > 0
        elif event in ("freeze", "unfreeze"):
            net[3].bias.requires_grad_(event == "unfreeze")
        elif event in ("eval", "train"):
            net.train(event == "train")
        x = tl.tensor(rng.standard_normal((rows, 3)).astype(dtype))
        trace.append((_host(fn(x)), _state(net, opt)))
    return trace, fn


@settings(max_examples=settings.default.max_examples if _EXACT else 3)
@given(st.lists(st.sampled_from(_EVENTS), min_size=4, max_size=12))
def test_every_guarded_change_records_again_and_replays_as_eager(events):
    """Shape, dtype, requires_grad, train/eval and hyperparameters steering control flow (bool
    ones, zero or not) re-record; an lr as a Python number is read at replay time."""
    eager, _ = _guarded_run(events, False)
    replayed, fn = _guarded_run(events, True)
    _compare(eager, replayed, f"events {events}", exact=_EXACT)
    if set(events) <= {"none", "lr"}:
        assert fn.stats["recordings"] == 1


_HOST_READS = {
    "item": lambda t: t.item(), "float": float, "bool": bool, "if": lambda t: 1 if t > 0 else 0,
    "tolist": lambda t: t.tolist(), "numpy": lambda t: t.numpy(), "repr": repr,
    "format": lambda t: f"{t:.3f}", "any": lambda t: bool((t > 0).any()),
    "array": np.asarray, "index": lambda t: [0, 1, 2][int(t.long()) % 3],
}


@pytest.mark.parametrize("name", sorted(_HOST_READS))
def test_each_kind_of_host_read_while_recording_raises_naming_the_line(name):
    w = tl.ones(3, requires_grad=True)
    opt = tl.optim.SGD([w], lr=0.1)

    def step(x):
        opt.zero_grad()
        loss = (w * x).sum()
        loss.backward()
        opt.step()
        _HOST_READS[name](loss.detach())  # the line the error names
        return loss
    fn = tl.compile(step)
    fn(tl.ones(3))
    with pytest.raises(CaptureError, match=r"reads tensor values .*test_compile_fuzz.py:\d+: .*return the tensor"):
        fn(tl.ones(3))


def test_a_replay_clears_the_gradient_its_step_set_to_none():
    """Found by the guard fuzzer: frozen (recording A), unfrozen (recording B), frozen again:
    replaying A must leave the frozen bias's gradient None, as zero_grad in the step does."""
    events = ["none", "freeze", "unfreeze", "freeze", "none"]
    eager, _ = _guarded_run(events, False)
    replayed, fn = _guarded_run(events, True)
    _compare(eager, replayed, f"events {events}", exact=_EXACT)
    assert fn.stats == {"eager": 1, "recordings": 2, "replays": 2}
    assert replayed[-1][1]["grad 3.bias"] is None


def _hyper_run(compiled, make_opt, change, branch_on_lr=False):
    """Parameters and optimizer state after 6 steps; ``change(n, group)`` before call n."""
    w = tl.tensor([1.0, -2.0, 3.0], requires_grad=True)
    opt = make_opt([w])

    def step(x):
        opt.zero_grad()
        loss = (w * w * x).sum()
        if branch_on_lr and opt.param_groups[0]["lr"] < 0.05:  # control flow on a Python number
            loss = loss * 10
        loss.backward()
        opt.step()
    fn = tl.compile(step) if compiled else step
    trace = []
    for n in range(6):
        change(n, opt.param_groups[0])
        fn(tl.ones(3))
        trace.append({k: _host(v) for k, v in opt.state[w].items()} | {"w": _host(w)})
    return trace, fn


@pytest.mark.parametrize("case", ["step-branches-on-lr", "rmsprop-momentum-to-zero", "cycled-momentum"])
def test_comparisons_of_hyperparameters_are_guarded_by_their_outcome(case):
    """``if lr < 0.05:`` in the step or ``if group["momentum"] > 0:`` in RMSprop steer the step:
    a change of outcome records again (the replay kept the recorded branch); values that keep
    the outcome (a cycled momentum) keep replaying."""
    if case == "step-branches-on-lr":
        make, change = (lambda p: tl.optim.SGD(p, lr=0.1)), \
            (lambda n, g: g.update(lr=0.01) if n == 3 else None)
    elif case == "rmsprop-momentum-to-zero":
        make, change = (lambda p: tl.optim.RMSprop(p, lr=0.01, momentum=0.5)), \
            (lambda n, g: g.update(momentum=0.0 if n in (3, 4) else 0.5))
    else:
        make, change = (lambda p: tl.optim.RMSprop(p, lr=0.01, momentum=0.5)), \
            (lambda n, g: g.update(momentum=0.5 + 0.05 * n))
    eager, _ = _hyper_run(False, make, change, case == "step-branches-on-lr")
    replayed, fn = _hyper_run(True, make, change, case == "step-branches-on-lr")
    _compare(eager, replayed, case, exact=_EXACT)
    assert fn.stats["recordings"] == (1 if case == "cycled-momentum" else 2)


SCALE = 1.0  # a global Python number the step below reads
EXTRA = None  # a global rebound to a tensor
CONFIG = {"scale": 1.0}  # a config dict's number
SIZES = (1.0, 2.0)  # a tuple of numbers


@pytest.mark.parametrize("where", ["global", "closure", "string", "None to tensor", "dict", "tuple"])
def test_a_python_number_or_string_the_step_reads_is_guarded_by_value(where):
    """A value bound to a name the step reads is baked into the recording: rebinding it between
    calls records again (replays kept the recorded value)."""
    global SCALE, EXTRA, SIZES

    def run(compiled):
        global SCALE, EXTRA, SIZES
        SCALE, EXTRA, SIZES, CONFIG["scale"] = 1.0, None, (1.0, 2.0), 1.0
        w = tl.ones(3, requires_grad=True)
        opt = tl.optim.SGD([w], lr=0.1)
        factor, mode = 1.0, "plain"

        def step(x):
            opt.zero_grad()
            loss = (w * x).sum() * (SCALE if where == "global" else factor) * CONFIG["scale"] * SIZES[1]
            if mode == "squared":
                loss = loss * loss
            if EXTRA is not None:
                loss = loss + (w * EXTRA).sum()
            loss.backward()
            opt.step()
            return loss.detach()
        fn = tl.compile(step) if compiled else step
        outs = []
        for n in range(6):
            if n == 3 and where in ("global", "closure", "string"):
                SCALE, factor, mode = (5.0, 1.0, "plain") if where == "global" else \
                    (1.0, 5.0, "plain") if where == "closure" else (1.0, 1.0, "squared")
            elif n == 3:
                EXTRA = tl.full((3,), 3.0) if where == "None to tensor" else None
                CONFIG["scale"] = 4.0 if where == "dict" else 1.0
                SIZES = (1.0, 3.0) if where == "tuple" else SIZES
            outs.append(_host(fn(tl.ones(3))))
        return (outs, _host(w)), fn
    try:
        eager, _ = run(False)
        replayed, fn = run(True)
    finally:
        SCALE, EXTRA, SIZES, CONFIG["scale"] = 1.0, None, (1.0, 2.0), 1.0
    _compare(eager, replayed, where, exact=_EXACT)
    assert fn.stats == {"eager": 1, "recordings": 2, "replays": 3}


class _Trainer:
    """A step as a method reading a Python number of its object."""

    def __init__(self):
        self.w = tl.ones(3, requires_grad=True)
        self.opt = tl.optim.SGD([self.w], lr=0.1)
        self.scale = 1.0

    def step(self, x):
        self.opt.zero_grad()
        loss = (self.w * x).sum() * self.scale
        loss.backward()
        self.opt.step()
        return loss.detach()


@pytest.mark.parametrize("attribute", ["dropout p", "batchnorm momentum", "batchnorm eps", "method's self",
                                       "decorated method's self"])
def test_python_number_attributes_of_modules_and_the_steps_object_are_guarded(attribute):
    """Dropout's p, BatchNorm's momentum and eps (e.g. annealed between epochs) and the numbers of
    a bound-method step's object enter the recording as constants: a change records again."""
    def run(compiled):
        tl.manual_seed(0)
        net = tl.nn.Sequential(tl.nn.Linear(3, 4), tl.nn.BatchNorm1d(4), tl.nn.Dropout(0.5),
                               tl.nn.Linear(4, 2))
        opt = tl.optim.SGD(net.parameters(), lr=0.1)
        trainer = _Trainer()

        def step(x):
            opt.zero_grad()
            loss = net(x).pow(2).mean()
            loss.backward()
            opt.step()
            return loss.detach()
        body = trainer.step if attribute == "method's self" else step
        fn = tl.compile(body) if compiled else body
        if attribute == "decorated method's self":  # @tl.compile on a method: self is an argument
            fn = tl.compile(_Trainer.step).__get__(trainer) if compiled else trainer.step
        tl.manual_seed(1)
        outs = []
        for n in range(6):
            if n == 3:
                if attribute == "dropout p":
                    net[2].p = 0.1
                elif attribute == "batchnorm momentum":
                    net[1].momentum = 0.9
                elif attribute == "batchnorm eps":
                    net[1].eps = 0.5
                else:
                    trainer.scale = 5.0
            outs.append(_host(fn(tl.ones(5, 3) * n)))
        return (outs, _state(net, opt), _host(trainer.w)), fn
    eager, _ = run(False)
    replayed, fn = run(True)
    _compare(eager, replayed, attribute, exact=_EXACT)
    assert (fn.func.__self__ if hasattr(fn, "func") else fn).stats == {"eager": 1, "recordings": 2, "replays": 3}


@pytest.mark.parametrize("pattern", ["same-then-different", "different-then-same", "parameter-then-fresh"])
def test_arguments_sharing_a_buffer_replay_as_eager(pattern):
    """A recording made with one tensor passed twice (or with w.detach(), the buffer of a
    parameter) read that one buffer for both: replays with distinct tensors read the wrong one."""
    def run(compiled):
        w = tl.ones(3, requires_grad=True)
        opt = tl.optim.SGD([w], lr=0.1)

        def step(a, b):
            opt.zero_grad()
            loss = (w * a).sum() + (w * w * b).sum()
            loss.backward()
            opt.step()
            return loss.detach()
        fn = tl.compile(step) if compiled else step
        outs = []
        for n in range(6):
            x, y = tl.full((3,), float(n + 1)), tl.full((3,), -2.0 * n)
            if pattern == "same-then-different":
                args = (x, x) if n < 3 else (x, y)
            elif pattern == "different-then-same":
                args = (x, y) if n < 3 else (x, x)
            else:
                args = (w.detach(), y) if n < 3 else (x, y)
            outs.append(_host(fn(*args)))
        return (outs, _host(w)), fn
    eager, _ = run(False)
    replayed, fn = run(True)
    _compare(eager, replayed, pattern, exact=_EXACT)
    assert fn.stats["replays"] == 2


COUNT = 0  # a global the step below increments


@pytest.mark.parametrize("change", ["counter", "train() after eval()"])
def test_a_step_changing_a_python_value_it_reads_is_not_replayed_with_a_frozen_value(change):
    """A replay runs no Python: a step that increments a global it reads keeps being recorded
    (its value stays right); an idempotent change (net.train() on a model left in eval mode)
    is recorded once more and then replayed."""
    global COUNT

    def run(compiled):
        global COUNT
        COUNT = 0
        tl.manual_seed(0)
        net = tl.nn.Sequential(tl.nn.Linear(3, 2), tl.nn.Dropout(0.5))
        opt = tl.optim.SGD(net.parameters(), lr=0.1)
        net.eval()

        def step(x):
            global COUNT
            if change == "counter":
                COUNT += 1
            else:
                net.train()
            opt.zero_grad()
            (net(x).sum() * (1 + COUNT)).backward()
            opt.step()
        fn = tl.compile(step) if compiled else step
        tl.manual_seed(1)
        for _ in range(6):
            fn(tl.ones(2, 3))
        return ([_host(p) for p in net.parameters()], COUNT), fn
    try:
        eager, _ = run(False)
        replayed, fn = run(True)
    finally:
        COUNT = 0
    _compare(eager, replayed, change, exact=_EXACT)
    assert fn.stats["replays"] == (0 if change == "counter" else 4)


def test_a_step_changing_a_python_value_on_every_call_gives_up_recording_with_one_warning():
    """Recording every call and never replaying is all cost: after max_recordings dropped
    recordings in a row the function warns once, naming the cause, and runs eagerly."""
    state = {"calls": 0}
    w = tl.ones(2, requires_grad=True)

    def step(x):
        state["calls"] += 1
        return (w * x).sum() * state["calls"]
    fn = tl.compile(step, max_recordings=3)
    with pytest.warns(UserWarning, match="changed a Python value it reads .* in each of 3 recordings"):
        outs = [fn(tl.ones(2)).item() for _ in range(8)]
    assert outs == [2.0 * k for k in range(1, 9)]
    assert fn.stats == {"eager": 7, "recordings": 1, "replays": 0}  # the last, refused, counts


def test_a_returned_hyperparameter_is_its_value_at_each_call():
    """``return loss, group["lr"]``: the recording returned its stand-in for the lr (a float
    subclass) and every replay that same, stale value."""
    def run(compiled):
        w = tl.ones(3, requires_grad=True)
        opt = tl.optim.SGD([w], lr=0.1)
        sched = tl.optim.lr_scheduler.ExponentialLR(opt, 0.5)

        def step(x):
            opt.zero_grad()
            loss = (w * x).sum()
            loss.backward()
            opt.step()
            return {"loss": loss.detach(), "lr": opt.param_groups[0]["lr"] * 1}
        fn = tl.compile(step) if compiled else step
        out = []
        for _ in range(5):
            out.append(fn(tl.ones(3))["lr"])
            sched.step()
        return out, fn
    eager, _ = run(False)
    replayed, fn = run(True)
    assert replayed == eager and {type(v) for v in replayed} == {float} and fn.stats["replays"] == 3
