"""tensorlite.compile: K replayed steps give bit-identical parameters to K eager steps (CPU
backend), guard misses re-record, host reads during recording raise naming the line, random
draws advance on every replay."""
import sys

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tensorlite as tl
import tensorlite.nn.functional as F

pytestmark = pytest.mark.backend_pair  # the NumPy backend; tests/test_compile_opencl.py: OpenCL

compile_module = sys.modules["tensorlite.compile"]


def _mlp():
    return tl.nn.Sequential(tl.nn.Linear(6, 12), tl.nn.ReLU(), tl.nn.Linear(12, 3))


def _cnn():
    return tl.nn.Sequential(tl.nn.Conv2d(1, 4, 3, padding=1), tl.nn.BatchNorm2d(4), tl.nn.ReLU(),
                            tl.nn.MaxPool2d(2), tl.nn.Dropout(0.3), tl.nn.Flatten(),
                            tl.nn.Linear(4 * 4 * 4, 3))


class _LSTMNet(tl.nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = tl.nn.LSTM(5, 7, batch_first=True)
        self.head = tl.nn.Linear(7, 3)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


def _trainer(make_net, make_opt, schedule=False):
    """(net, optimizer, step function) from the same seed."""
    tl.manual_seed(0)
    net = make_net()
    opt = make_opt(net.parameters())
    sched = tl.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.7) if schedule else None

    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(net(x), y)
        loss.backward()
        opt.step()
        return loss
    return net, opt, sched, step


def _batches(shape, n, seed=0):
    rng = np.random.default_rng(seed)
    return [(tl.tensor(rng.standard_normal(shape).astype(np.float32)),
             tl.tensor(rng.integers(0, 3, shape[0]))) for _ in range(n)]


def _run(make_net, make_opt, shape, steps=6, schedule=False, compiled=True):
    net, opt, sched, step = _trainer(make_net, make_opt, schedule)
    fn = tl.compile(step) if compiled else step
    tl.manual_seed(1)
    losses = []
    for x, y in _batches(shape, steps):
        losses.append(fn(x, y).detach().numpy().copy())
        if sched is not None:
            sched.step()
    state = list(net.state_dict().values())  # parameters and buffers (batch norm's statistics)
    assert len(state) > len(list(net.parameters())) or not any(True for _ in net.buffers())
    return [t.detach().numpy().copy() for t in state], losses, fn


CASES = {
    "mlp-sgd-momentum": (_mlp, lambda p: tl.optim.SGD(p, lr=0.1, momentum=0.9), (5, 6)),
    "mlp-adam": (_mlp, lambda p: tl.optim.Adam(p, lr=0.01), (5, 6)),
    "cnn-dropout-batchnorm": (_cnn, lambda p: tl.optim.SGD(p, lr=0.05, momentum=0.5), (4, 1, 8, 8)),
    "lstm-adam": (_LSTMNet, lambda p: tl.optim.Adam(p, lr=0.01), (3, 4, 5)),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("schedule", [False, True], ids=["fixed-lr", "lr-each-step"])
def test_replayed_steps_equal_eager_steps_bit_for_bit(case, schedule):
    make_net, make_opt, shape = CASES[case]
    eager, eager_losses, _ = _run(make_net, make_opt, shape, schedule=schedule, compiled=False)
    replayed, losses, fn = _run(make_net, make_opt, shape, schedule=schedule)
    assert fn.stats == {"eager": 1, "recordings": 1, "replays": 4}
    for a, b in zip(eager, replayed):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(np.array(eager_losses), np.array(losses))


@settings(max_examples=5, deadline=None)
@given(st.integers(1, 4), st.integers(1, 6), st.floats(1e-3, 0.5), st.booleans())
def test_any_mlp_step_replays_as_eager(batch, hidden, lr, momentum):
    make_net = lambda: tl.nn.Sequential(tl.nn.Linear(6, hidden), tl.nn.Tanh(), tl.nn.Linear(hidden, 3))
    make_opt = lambda p: tl.optim.SGD(p, lr=lr, momentum=0.9 if momentum else 0.0)
    eager, _, _ = _run(make_net, make_opt, (batch, 6), steps=4, compiled=False)
    replayed, _, fn = _run(make_net, make_opt, (batch, 6), steps=4)
    assert fn.stats["replays"] == 2
    for a, b in zip(eager, replayed):
        np.testing.assert_array_equal(a, b)


def test_outputs_are_fresh_tensors():
    _, _, _, step = _trainer(_mlp, lambda p: tl.optim.SGD(p, lr=0.1))
    fn = tl.compile(step)
    (x, y), = _batches((5, 6), 1)
    held = [fn(x, y) for _ in range(4)]
    values = [h.item() for h in held]
    assert len({id(h._array) for h in held}) == 4 and values == sorted(values, reverse=True)


def test_shape_change_records_again_and_keeps_both_signatures():
    _, _, _, step = _trainer(_mlp, lambda p: tl.optim.SGD(p, lr=0.1))
    fn = tl.compile(step)
    big, small = _batches((5, 6), 1)[0], _batches((2, 6), 1)[0]
    for batch in (big, big, big, small, small, small, big, small):
        fn(*batch)
    assert fn.stats == {"eager": 2, "recordings": 2, "replays": 4}


def test_eval_mode_and_a_new_parameter_miss_the_guard():
    net, opt, _, step = _trainer(_cnn, lambda p: tl.optim.SGD(p, lr=0.1))
    fn = tl.compile(step)
    (x, y), = _batches((4, 1, 8, 8), 1)
    for _ in range(3):
        fn(x, y)
    net.eval()
    fn(x, y)
    assert fn.stats["recordings"] == 2
    net.train()
    opt.add_param_group({"params": [tl.nn.Parameter(tl.ones(2))]})
    fn(x, y)
    assert fn.stats["recordings"] == 3


def test_too_many_recordings_warn_and_run_eagerly():
    _, _, _, step = _trainer(_mlp, lambda p: tl.optim.SGD(p, lr=0.1))
    fn = tl.compile(step, max_recordings=2)
    with pytest.warns(UserWarning, match="recorded 2 times"):
        for n in (1, 1, 2, 2, 3, 3, 4):
            fn(*_batches((n, 6), 1)[0])
    assert fn.stats["recordings"] == 2


def test_host_read_during_recording_names_the_line():
    _, _, _, step = _trainer(_mlp, lambda p: tl.optim.SGD(p, lr=0.1))

    def logged(x, y):
        return step(x, y).item()  # the line the error names
    fn = tl.compile(logged)
    batch = _batches((5, 6), 1)[0]
    fn(*batch)
    with pytest.raises(RuntimeError, match=r"test_compile.py:\d+: return step\(x, y\).item\(\).*return the tensor"):
        fn(*batch)


def test_dropout_masks_differ_between_replays_and_equal_eager_ones():
    def masks(compiled):
        tl.manual_seed(3)
        x = tl.ones(64, requires_grad=True)

        def step(inp):
            x.grad = None
            out = F.dropout(inp * x, 0.5)
            out.sum().backward()
            return out
        fn = tl.compile(step) if compiled else step
        return [fn(tl.ones(64)).detach().numpy().copy() for _ in range(4)]
    eager, replayed = masks(False), masks(True)
    for a, b in zip(eager, replayed):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(replayed[2], replayed[3])


def test_optimizer_python_state_is_refused():
    w = tl.ones(3, requires_grad=True)
    opt = tl.optim.SGD([w], lr=0.1)

    def step(x):
        opt.zero_grad()
        (w * x).sum().backward()
        opt.step()
        opt.state[w]["count"] = opt.state[w].get("count", 0) + 1
        return w
    fn = tl.compile(step)
    with pytest.warns(UserWarning, match="Python numbers in its state"):
        for _ in range(3):
            fn(tl.ones(3))
    assert opt.state[w]["count"] == 3 and fn.stats["replays"] == 0


def test_hyperparameter_steering_control_flow_is_guarded():
    w = tl.ones(3, requires_grad=True)
    opt = tl.optim.SGD([w], lr=0.1, weight_decay=0.0)
    fn = tl.compile(lambda x: (opt.zero_grad(), (w * x).sum().backward(), opt.step(), w)[3])
    for _ in range(3):
        fn(tl.ones(3))
    opt.param_groups[0]["weight_decay"] = 0.5  # `if weight_decay:` took the other branch
    before = w.detach().numpy().copy()
    fn(tl.ones(3))
    assert fn.stats["recordings"] == 2
    np.testing.assert_allclose(w.detach().numpy(), before - 0.1 * (1 + 0.5 * before), rtol=1e-6)


@pytest.mark.parametrize("zero_grad_every", [2, 1000], ids=["every-2nd-step", "never"])
def test_gradients_accumulating_across_steps_replay_as_eager(zero_grad_every):
    """The step reads the gradients the last replay left (loaded and rebound every call)."""
    def run(compiled):
        tl.manual_seed(0)
        net = _mlp()
        opt = tl.optim.SGD(net.parameters(), lr=0.01)
        count = [0]

        def step(x, y):
            F.cross_entropy(net(x), y).backward()
            opt.step()
        fn = tl.compile(step) if compiled else step
        for x, y in _batches((5, 6), 6):
            fn(x, y)
            count[0] += 1
            if count[0] % zero_grad_every == 0:
                opt.zero_grad()  # outside the step: the next call records again or replays
        return [p.detach().numpy().copy() for p in net.parameters()] + \
            [p.grad.numpy().copy() for p in net.parameters() if p.grad is not None], fn
    eager, _ = run(False)
    replayed, fn = run(True)
    assert fn.stats["replays"] >= 2
    for a, b in zip(eager, replayed, strict=True):
        np.testing.assert_array_equal(a, b)


def test_an_input_that_requires_grad_is_refused_and_runs_eagerly():
    w = tl.ones(3, requires_grad=True)

    def step(x):
        (w * x * x).sum().backward()
        return w.grad
    fn = tl.compile(step)
    x = tl.ones(3, requires_grad=True)
    with pytest.warns(UserWarning, match="requires grad"):
        for _ in range(3):
            fn(x)
    np.testing.assert_array_equal(x.grad.numpy(), np.full(3, 6.0, np.float32))
    assert fn.stats == {"eager": 3, "recordings": 1, "replays": 0}


def test_anomaly_mode_runs_the_step_eagerly():
    _, _, _, step = _trainer(_mlp, lambda p: tl.optim.SGD(p, lr=0.1))
    fn = tl.compile(step)
    batch = _batches((5, 6), 1)[0]
    with tl.autograd.detect_anomaly():
        for _ in range(3):
            fn(*batch)
    assert fn.stats["replays"] == 0 and fn.stats["eager"] == 3


def test_a_step_on_opencl_is_captured_and_replayed(opencl):
    w = tl.ones(3, device=opencl, requires_grad=True)
    opt = tl.optim.SGD([w], lr=0.5)

    def step(x):
        opt.zero_grad()
        (w * x).sum().backward()
        opt.step()
        return w.detach() * 1
    fn = tl.compile(step)
    outs = [fn(tl.ones(3, device=opencl)) for _ in range(4)]
    np.testing.assert_array_equal(w.detach().cpu().numpy(), np.full(3, -1.0, np.float32))
    assert [o.cpu().numpy()[0] for o in outs] == [0.5, 0.0, -0.5, -1.0]
    assert fn.stats == {"eager": 1, "recordings": 1, "replays": 2}


def test_host_reads_eager_finishes_the_step_then_runs_eagerly():
    eager_state, _, _ = _run(_mlp, lambda p: tl.optim.SGD(p, lr=0.1), (5, 6), steps=4, compiled=False)
    net, opt, _, step = _trainer(_mlp, lambda p: tl.optim.SGD(p, lr=0.1))
    fn = tl.compile(lambda x, y: step(x, y).item(), host_reads="eager")
    tl.manual_seed(1)
    with pytest.warns(UserWarning, match=r"test_compile.py:\d+: fn = tl.compile"):
        for x, y in _batches((5, 6), 4):
            fn(x, y)
    assert fn.stats == {"eager": 3, "recordings": 1, "replays": 0}
    for a, b in zip(eager_state, net.state_dict().values()):
        np.testing.assert_array_equal(a, b.numpy())


@pytest.mark.parametrize("solver, schedule, threshold, option", [("sgdm", "piecewise", 1.0, True),
                                                                   ("adam", "none", None, "default")])
def test_fit_with_compile_trains_as_eager_fit(solver, schedule, threshold, option, monkeypatch):
    made = []
    init = compile_module.CompiledFunction.__init__
    monkeypatch.setattr(compile_module.CompiledFunction, "__init__",
                        lambda self, *a, **k: (init(self, *a, **k), made.append(self))[0])

    def train(compiled):
        tl.manual_seed(0)
        data = tl.data.xor(n=40)
        model = tl.nn.Sequential(tl.nn.Linear(2, 8), tl.nn.Tanh(), tl.nn.Dropout(0.1), tl.nn.Linear(8, 2))
        options = tl.training.TrainingOptions(
            solver, initial_learn_rate=0.05, max_epochs=4, mini_batch_size=16, verbose=False,
            execution_environment="cpu", learn_rate_schedule=schedule, learn_rate_drop_period=1,
            gradient_threshold=threshold, **({} if compiled == "default" else {"compile": compiled}))
        model, history = tl.training.fit(model, data, "crossentropy", options)
        return model, history
    (eager_model, eager_history), (model, history) = train(False), train(option)  # default: compiled
    for a, b in zip(eager_model.state_dict().values(), model.state_dict().values(), strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert [r["loss"] for r in history.iterations] == [r["loss"] for r in eager_history.iterations]
    assert [r["accuracy"] for r in history.iterations] == [r["accuracy"] for r in eager_history.iterations]
    assert [c.stats for c in made] == [{"eager": 2, "recordings": 2, "replays": 8}]  # batches 16, 16, 8


@pytest.mark.parametrize("option, warns", [(None, False), (True, True)])
def test_fit_on_replicas_trains_eagerly_warning_only_when_compile_was_asked_for(option, warns, recwarn):
    tl.manual_seed(0)
    options = tl.training.TrainingOptions("sgdm", max_epochs=1, mini_batch_size=16, verbose=False,
                                          execution_environment="multi-gpu", devices=["cpu", "cpu"],
                                          compile=option)
    tl.training.fit(tl.nn.Linear(2, 2), tl.data.xor(n=32), "crossentropy", options)
    said = [str(w.message) for w in recwarn if "captures steps on one device" in str(w.message)]
    assert len(said) == warns


def test_fit_compile_option_is_validated():
    with pytest.raises(ValueError, match="compile must be None, True or False"):
        tl.training.TrainingOptions(compile="yes")


def test_rebinding_a_tensor_the_step_names_records_again():
    w = tl.ones(3, requires_grad=True)
    opt = tl.optim.SGD([w], lr=0.1)
    x = tl.ones(3)

    def forward():  # a helper function: its closure is searched too
        return (w * x).sum()

    def step():
        opt.zero_grad()
        loss = forward()
        loss.backward()
        opt.step()
        return loss
    fn = tl.compile(step)
    for _ in range(3):
        fn()
    x = tl.full((3,), 2.0)  # noqa: F841  (read by forward's closure)
    before = w.detach().numpy().copy()
    fn()
    assert fn.stats["recordings"] == 2
    np.testing.assert_array_equal(w.detach().numpy(), before - np.float32(0.1) * 2)


OPTIMIZERS = sorted(n for n in dir(tl.optim) if isinstance(getattr(tl.optim, n), type)
                    and issubclass(getattr(tl.optim, n), tl.optim.Optimizer) and n not in ("Optimizer", "LBFGS"))


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_every_optimizer_replays_as_eager_with_a_changing_lr(name):
    make_opt = lambda p: getattr(tl.optim, name)(p, lr=0.01)
    eager, _, _ = _run(_mlp, make_opt, (5, 6), steps=5, schedule=True, compiled=False)
    replayed, _, fn = _run(_mlp, make_opt, (5, 6), steps=5, schedule=True)
    assert fn.stats["replays"] == 3
    for a, b in zip(eager, replayed, strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_forward_returning_tensors_that_require_grad_stays_eager():
    net = _mlp()
    forward = tl.compile(lambda x: net(x).sum())
    x = tl.ones(2, 6)
    for _ in range(3):
        out = forward(x)
        assert out.requires_grad
        out.backward()  # the backward outside the function still works
    assert forward.stats["replays"] == 0 and tl.compile(net) is net


def test_stats_count_every_call_when_a_recording_is_not_kept():
    """A recording dropped because the step changed a Python value it reads (a call counter)
    still ran the call: it counts as eager (it counted nowhere: the stats summed to 1 of 4)."""
    calls = {"n": 0}

    def step(x):
        calls["n"] += 1
        return x * 2
    fn = tl.compile(step)
    for _ in range(4):
        np.testing.assert_array_equal(fn(tl.ones(2)).numpy(), [2.0, 2.0])
    assert calls["n"] == 4 and fn.stats == {"eager": 4, "recordings": 0, "replays": 0}
