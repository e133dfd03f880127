"""tensorlite.compile on OpenCL (once, in the CPU pass, with the OpenCL device as default): K
replayed steps equal K eager steps within float32 tolerance, dropout masks differ between
replays, guards re-record, host reads raise. tests/test_compile.py covers the CPU backend."""
import sys

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tensorlite as tl
from test_compile import CASES, _batches, _mlp, _run, _trainer
# device-agnostic tests of test_compile.py, collected here again to run on OpenCL
from test_compile import test_eval_mode_and_a_new_parameter_miss_the_guard  # noqa: F401
from test_compile import test_shape_change_records_again_and_keeps_both_signatures  # noqa: F401
from test_compile import test_host_read_during_recording_names_the_line  # noqa: F401

compile_module = sys.modules["tensorlite.compile"]

pytestmark = pytest.mark.backend_pair  # run once, in the CPU pass, with OpenCL as the default


@pytest.fixture(autouse=True)
def opencl_default(opencl):
    """The OpenCL device as default device for the test (test_compile's cases make their tensors
    on the default device); the default device restored afterwards."""
    device = tl.get_default_device()
    tl.set_default_device(opencl)
    try:
        yield
    finally:
        tl.set_default_device(device)


def _assert_close(eager, replayed):
    for a, b in zip(eager, replayed):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("schedule", [False, True], ids=["fixed-lr", "lr-each-step"])
def test_replayed_steps_equal_eager_steps(case, schedule):
    make_net, make_opt, shape = CASES[case]
    eager, eager_losses, _ = _run(make_net, make_opt, shape, schedule=schedule, compiled=False)
    replayed, losses, fn = _run(make_net, make_opt, shape, schedule=schedule)
    assert fn.stats == {"eager": 1, "recordings": 1, "replays": 4}
    assert [r.failed for r in _launch_replays(fn)] == [None]  # replays 2-4 enqueued launches only
    _assert_close(eager, replayed)
    _assert_close(eager_losses, losses)


@settings(max_examples=6, deadline=None)
@given(st.integers(1, 4), st.integers(1, 6), st.floats(1e-3, 0.5), st.booleans(), st.booleans())
def test_any_mlp_step_replays_its_launches_as_eager(batch, hidden, lr, momentum, adam):
    make_net = lambda: tl.nn.Sequential(tl.nn.Linear(6, hidden), tl.nn.Tanh(), tl.nn.Linear(hidden, 3))
    make_opt = (lambda p: tl.optim.Adam(p, lr=lr)) if adam else \
        (lambda p: tl.optim.SGD(p, lr=lr, momentum=0.9 if momentum else 0.0))
    eager, _, _ = _run(make_net, make_opt, (batch, 6), steps=5, schedule=momentum, compiled=False)
    replayed, _, fn = _run(make_net, make_opt, (batch, 6), steps=5, schedule=momentum)
    assert fn.stats["replays"] == 3 and [r.failed for r in _launch_replays(fn)] == [None]
    _assert_close(eager, replayed)


def test_dropout_masks_differ_between_replays_and_equal_eager_ones():
    def masks(compiled):
        tl.manual_seed(3)
        x = tl.ones(64, requires_grad=True)
        opt = tl.optim.SGD([x], lr=0.0)

        def step():
            opt.zero_grad()
            out = tl.nn.functional.dropout(x, 0.5, training=True)
            out.sum().backward()
            opt.step()
            return out
        fn = tl.compile(step) if compiled else step
        return [fn().detach().numpy() for _ in range(5)]
    eager, replayed = masks(False), masks(True)
    _assert_close(eager, replayed)
    assert len({m.tobytes() for m in replayed[2:]}) == 3  # the replays drew fresh masks


def test_outputs_are_fresh_tensors():
    _, _, _, step = _trainer(_mlp, lambda p: tl.optim.SGD(p, lr=0.1))
    fn = tl.compile(step)
    (x, y), = _batches((5, 6), 1)
    held = [fn(x, y) for _ in range(5)]
    values = [h.item() for h in held]
    assert len({id(h._array.storage) for h in held}) == 5 and values == sorted(values, reverse=True)


def _launch_replays(fn):
    return [entry.replay.launches for entries in fn._cache.values() for entry in entries]


@pytest.mark.parametrize("case", sorted(CASES))
def test_replays_enqueue_the_traced_launches_and_never_wait(case, monkeypatch):
    """The replays run as prepared launches (no backend call, no read, no finish), a few
    small parameter writes where the lr changes."""
    make_net, make_opt, shape = CASES[case]
    net, opt, sched, step = _trainer(make_net, make_opt, schedule=True)
    fn = tl.compile(step)
    batches = _batches(shape, 6)
    for x, y in batches[:4]:
        fn(x, y)
        sched.step()
    replay, = _launch_replays(fn)
    assert replay.failed is None and replay.launches > 0
    runtime = x.device.backend.runtime
    log = []
    for kind in ("launch", "read", "synchronize", "prepared_launch", "set_argument"):
        monkeypatch.setattr(runtime, kind, lambda *a, _kind=kind, **k: log.append(_kind))
    for entries in fn._cache.values():
        monkeypatch.setattr(entries[0].replay.program, "run", lambda *a: log.append("backend calls"))
    write = runtime.write
    monkeypatch.setattr(runtime, "write", lambda *a, **k: (log.append("write"), write(*a, **k)))
    for x, y in batches[4:]:
        fn(x, y)
        sched.step()
    params = sum(len(call._params) for call in replay._late_calls)  # those an lr or a seed reach
    assert set(log) <= {"write", "set_argument"} and log.count("write") <= 2 * params
    assert fn.stats["replays"] == 4


def test_an_input_in_another_layout_replays_the_calls():
    _, _, _, step = _trainer(_mlp, lambda p: tl.optim.SGD(p, lr=0.1))
    eager_net, _, _, eager_step = _trainer(_mlp, lambda p: tl.optim.SGD(p, lr=0.1))
    fn = tl.compile(step)
    (x, y), = _batches((5, 6), 1)
    wide = tl.cat([x, x], 1)[:, 3:9]  # same shape and dtype, another stride and offset
    for batch in [(x, y)] * 3 + [(wide, y), (x, y)]:
        eager, replayed = eager_step(*batch), fn(*batch)
        np.testing.assert_allclose(eager.item(), replayed.item(), rtol=1e-5)
    replay, = _launch_replays(fn)
    assert replay.failed is None and fn.stats["replays"] == 3


def test_fit_with_compile_on_opencl_trains_as_eager_fit(monkeypatch):
    made = []
    init = compile_module.CompiledFunction.__init__
    monkeypatch.setattr(compile_module.CompiledFunction, "__init__",
                        lambda self, *a, **k: (init(self, *a, **k), made.append(self))[0])

    def train(compiled):
        tl.manual_seed(0)
        model = tl.nn.Sequential(tl.nn.Linear(2, 8), tl.nn.Tanh(), tl.nn.Dropout(0.1), tl.nn.Linear(8, 2))
        options = tl.training.TrainingOptions(
            "sgdm", initial_learn_rate=0.05, max_epochs=4, mini_batch_size=16, verbose=False,
            execution_environment="opencl", learn_rate_schedule="piecewise", learn_rate_drop_period=1,
            gradient_threshold=1.0, compile=compiled)
        return tl.training.fit(model, tl.data.xor(n=40), "crossentropy", options)
    (eager_model, eager_history), (model, history) = train(False), train(True)
    _assert_close([t.numpy() for t in eager_model.state_dict().values()],
                  [t.numpy() for t in model.state_dict().values()])
    _assert_close([r["loss"] for r in eager_history.iterations], [r["loss"] for r in history.iterations])
    assert [c.stats for c in made] == [{"eager": 2, "recordings": 2, "replays": 8}]  # batches 16, 16, 8
    assert [r.failed for r in _launch_replays(made[0])] == [None, None]


def test_a_late_call_that_cannot_be_dry_run_replays_the_calls(monkeypatch):
    from tensorlite.backends.opencl import replay

    def broken(self, late):
        raise ValueError("no dry run")
    monkeypatch.setattr(replay._LateCall, "_dry_run", broken)
    make_net, make_opt, shape = CASES["mlp-adam"]
    eager, _, _ = _run(make_net, make_opt, shape, schedule=True, compiled=False)
    replayed, _, fn = _run(make_net, make_opt, shape, schedule=True)
    assert [r.failed for r in _launch_replays(fn)] == [
        "adam_steps with new late values: the dry run failed: ValueError: no dry run"]  # one call per group
    _assert_close(eager, replayed)


def test_a_replay_traced_while_templates_build_switches_to_them_once_built(monkeypatch):
    """A fused tape traced while its template built runs unfused; the first replay after the
    build traces again (once) and enqueues the template launches, with the same results."""
    runtime = tl.get_default_device().backend.runtime
    held, hold = [], [True]
    is_built = runtime.is_built
    monkeypatch.setattr(runtime, "prebuild", lambda jobs: held.extend(jobs))  # the build held back
    monkeypatch.setattr(runtime, "is_built", lambda file, defines: not hold[0] and is_built(file, defines))
    _, _, _, step = _trainer(_mlp, lambda p: tl.optim.SGD(p, lr=0.1))
    _, _, _, eager_step = _trainer(_mlp, lambda p: tl.optim.SGD(p, lr=0.1))
    fn = tl.compile(step)
    batches = _batches((5, 6), 7)
    counts = []
    for k, batch in enumerate(batches):
        if k == 4:  # the builds finish
            hold[0] = False
            for file, defines in held:
                if file == "fused.cl":
                    runtime.kernel(file, "fused_template", defines)
        np.testing.assert_allclose(eager_step(*batch).item(), fn(*batch).item(), rtol=1e-5)
        counts += [(r.traces, r.launches) for r in _launch_replays(fn)]
    assert any(file == "fused.cl" for file, _ in held) and fn.stats["replays"] == 5 and _launch_replays(fn)[0].failed is None
    unfused, fused = counts[1][1], counts[-1][1]  # call 2 records, call 3 (the first replay) traces
    assert counts == [(0, 0)] + [(1, unfused)] * 2 + [(2, fused)] * 3 and fused < unfused


@pytest.mark.parametrize("amsgrad", [False, True])
@pytest.mark.parametrize("decoupled,weight_decay", [(False, 0.0), (False, 0.1), (True, 0.1)])
def test_adam_steps_equal_per_parameter_adam_steps_bit_for_bit(opencl, amsgrad, decoupled, weight_decay):
    """adam_steps (one launch per 8 parameters) against adam_step per parameter: the same bits,
    for 10 parameters (two groups), each with its own step count."""
    backend = opencl.backend
    rng = np.random.default_rng(5)
    sizes = [1, 7, 300, 2, 65, 4, 9, 1, 33, 5]
    hosts = [[rng.standard_normal(n).astype(np.float32) for n in sizes] for _ in range(3)]
    hosts.append([rng.random(n).astype(np.float32) for n in sizes])  # exp_avg_sq
    hosts.append([rng.random(n).astype(np.float32) for n in sizes])  # max_exp_avg_sq
    counts = [np.array(k % 3, np.float32) for k in range(len(sizes))]
    results = []
    for grouped in (False, True):
        p, g, m, v, mx = ([backend.upload(a.copy()) for a in role] for role in hosts)
        steps = [backend.upload(c.copy()) for c in counts]
        hyper = (0.01, 0.9, 0.999, 1e-8, weight_decay, decoupled, amsgrad)
        for _ in range(2):
            if grouped:
                backend.adam_steps(p, g, m, v, mx if amsgrad else None, steps, *hyper)
            else:
                for args in zip(p, g, m, v, mx, steps):
                    backend.adam_step(*args, *hyper)
        results.append([backend.to_host(a) for a in p + m + v + mx + steps])
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


def _adam_reference(p, g, m, v, mx, t, lr, weight_decay, decoupled, amsgrad, beta1=0.9, beta2=0.999, eps=1e-8):
    """PyTorch's Adam/AdamW update of one parameter in float64: the new parameter."""
    p, g, m, v, mx = (a.astype(np.float64) for a in (p, g, m, v, mx))
    if weight_decay:
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    if amsgrad:
        v = np.maximum(mx, v)
    return p - lr / (1 - beta1 ** t) * m / (np.sqrt(v) / np.sqrt(1 - beta2 ** t) + eps)


@pytest.mark.parametrize("vector_bits", [256, 512])
@settings(max_examples=8, deadline=None)
@given(st.lists(st.integers(1, 2600), min_size=1, max_size=10), st.booleans(), st.booleans(),
       st.sampled_from([0.0, 0.1]), st.integers(0, 5))
def test_adam_steps_match_pytorchs_formula_across_work_item_chunks(opencl, vector_bits, sizes, amsgrad, decoupled,
                                                                  weight_decay, start):
    """adam_steps over parameters of any sizes (kernels/optim.cl: vectors of a chunk per work
    item, 1024 elements on a CPU device, and each parameter's tail element by element) equals
    the float64 formula, for every element of every parameter of one or two groups, with the
    vectors of AVX2 and of AVX-512 CPUs (backend.vector_bits) on any device."""
    backend = opencl.backend
    saved, backend.vector_bits = backend.vector_bits, vector_bits
    try:
        rng = np.random.default_rng(len(sizes) * 7919 + sum(sizes))
        hosts = [[rng.standard_normal(n).astype(np.float32) for n in sizes] for _ in range(3)]
        hosts += [[rng.random(n).astype(np.float32) for n in sizes] for _ in range(2)]  # exp_avg_sq, max
        p, g, m, v, mx = ([backend.upload(a.copy()) for a in role] for role in hosts)
        steps = [backend.upload(np.array(start, np.float32)) for _ in sizes]
        backend.adam_steps(p, g, m, v, mx if amsgrad else None, steps, 0.01, 0.9, 0.999, 1e-8, weight_decay,
                           decoupled, amsgrad)
        for k in range(len(sizes)):
            expected = _adam_reference(*(role[k] for role in hosts), start + 1, 0.01, weight_decay, decoupled, amsgrad)
            np.testing.assert_allclose(backend.to_host(p[k]), expected, rtol=1e-5, atol=1e-6)
    finally:
        backend.vector_bits = saved


@pytest.mark.parametrize("case", ["mlp-adam"])
def test_compiled_adam_runs_as_one_group_launch_with_the_per_parameter_bits(case, monkeypatch):
    """A compiled step's per-parameter adam_step calls become one adam_steps call (2 launches
    instead of 2 per parameter) and the parameters and state stay bit-identical."""
    make_net, make_opt, shape = CASES[case]
    grouped, _, fn = _run(make_net, make_opt, shape, schedule=True)
    monkeypatch.setattr(sys.modules["tensorlite.ops.capture"], "group_adam_steps", lambda c, m: (c, m))
    single, _, fn_single = _run(make_net, make_opt, shape, schedule=True)
    for a, b in zip(grouped, single):
        np.testing.assert_array_equal(a, b)
    (replay,), (replay_single,) = _launch_replays(fn), _launch_replays(fn_single)
    n = len(list(make_net().parameters()))
    assert replay.failed is None and replay_single.failed is None
    assert replay_single.launches - replay.launches == 2 * n - 2


@pytest.mark.parametrize("case", ["mlp-adam", "mlp-sgd-momentum"])
def test_a_replay_fills_no_seed_and_hands_on_gradients_without_copies(case, monkeypatch):
    """The launch replay computes the backward's ones seed once (no fill per step) and hands on
    each new gradient (a matrix product, a reduction) instead of copying it: one launch less
    per parameter, the same values as with both rewrites off."""
    make_net, make_opt, shape = CASES[case]
    replay_module = sys.modules["tensorlite.backends.opencl.replay"]
    _run(make_net, make_opt, shape, steps=3)  # the fused templates requested, then built: both
    tl.get_default_device().backend.runtime.wait_for_builds()  # replays trace with them
    lean, lean_losses, fn = _run(make_net, make_opt, shape, schedule=True)
    monkeypatch.setattr(replay_module, "_hoist", lambda backend, calls, keep: {})
    monkeypatch.setattr(replay_module, "_owned_copies", lambda calls, keep: {})
    plain, plain_losses, fn_plain = _run(make_net, make_opt, shape, schedule=True)
    _assert_close(lean + lean_losses, plain + plain_losses)
    (replay,), (replay_plain,) = _launch_replays(fn), _launch_replays(fn_plain)
    assert replay.failed is None and replay_plain.failed is None
    assert replay_plain.launches - replay.launches == len(list(make_net().parameters()))
    fills = [sum(isinstance(c, replay_module._Fill) for c in r._commands) for r in (replay, replay_plain)]
    assert fills[1] - fills[0] == 1  # the seed's (the fills of late values, a scheduled lr, stay)
