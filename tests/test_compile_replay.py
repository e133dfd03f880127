"""The NumPy replay of tensorlite.compile: calls lowered to direct NumPy calls, values computed
once at build (constant calls), and that neither changes what a replay computes or lets a replay
overwrite what the caller holds."""
import copy
import sys

import numpy as np
import pytest

import tensorlite as tl
from tensorlite.backends.numpy_backend import NumpyBackend
from test_compile import _trainer

pytestmark = pytest.mark.backend_pair  # the capture covers the NumPy backend so far


def _replays(step, *args, n=4):
    """The step's results over n calls (eager, recording, then replays), as NumPy copies."""
    fn = tl.compile(step)
    out = [fn(*args).numpy().copy() for _ in range(n)]
    assert fn.stats["replays"] == n - 2
    return out, fn


def _program(fn):
    (entry,) = next(iter(fn._cache.values()))
    return entry.replay.program


def test_calls_are_lowered_to_numpy_and_constants_computed_once():
    def trainer():
        w = tl.tensor(np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3), requires_grad=True)
        opt = tl.optim.SGD([w], lr=0.1)
        x = tl.tensor(np.linspace(-2, 3, 20, dtype=np.float32).reshape(5, 4))

        def step():
            opt.zero_grad()
            loss = (x @ w).relu().sum()
            loss.backward()
            opt.step()
            return loss
        return w, step
    w_eager, step = trainer()
    eager = []
    for _ in range(5):
        step()
        eager.append(w_eager.detach().numpy().copy())
    w, step = trainer()
    fn = tl.compile(step)
    for want in eager:
        fn()
        np.testing.assert_array_equal(w.detach().numpy(), want)
    program = _program(fn)
    assert program.lowered > 0 and "m_matmul(" not in program.source
    assert program._hoisted  # the ones seed of backward


@pytest.mark.parametrize("use", ["add_", "view-add_", "returned", "scatter-into"])
def test_a_constant_written_or_handed_out_is_computed_on_every_replay(use):
    x = tl.arange(6.0).reshape(2, 3)

    def step(x):
        z = tl.zeros(2, 3)
        if use == "add_":
            z.add_(x)
            return z * 1  # not z itself: a returned value is never precomputed anyway
        if use == "view-add_":
            z.view(6).add_(x.reshape(6))
            return z * 1
        if use == "returned":
            return z
        index = tl.tensor([[0, 1, 2], [2, 1, 0]])
        return z.scatter_add_(1, index, x) * 1
    out, fn = _replays(step, x)
    for got in out:
        np.testing.assert_array_equal(got, out[0])
    assert not any(np.shares_memory(a, b) for a in out for b in out if a is not b)


def test_outputs_of_lowered_calls_are_not_overwritten_by_later_replays():
    w = tl.ones(3, requires_grad=True)
    opt = tl.optim.SGD([w], lr=0.5)

    def step(x):
        opt.zero_grad()
        y = (w * x + 1.0).exp()
        y.sum().backward()
        opt.step()
        return y.detach(), w.grad
    fn = tl.compile(step)
    held = [fn(tl.full((3,), float(i))) for i in range(5)]
    copies = [(y.numpy().copy(), g.numpy().copy()) for y, g in held]
    fn(tl.full((3,), 9.0))
    for (y, g), (y0, g0) in zip(held, copies):
        np.testing.assert_array_equal(y.numpy(), y0)
        np.testing.assert_array_equal(g.numpy(), g0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_lowered_calls_equal_the_backend_methods(dtype):
    backend = NumpyBackend()
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 5)).astype(dtype)
    b = rng.standard_normal((4, 5)).astype(dtype)
    m = rng.standard_normal((5, 3)).astype(dtype)
    cases = [("unary", ("exp", a)), ("unary", ("relu", a)), ("binary", ("div", a, b)),
             ("binary", ("mul", a, 0.5)), ("matmul", (a, m)), ("matmul", (a, b, False, True)),
             ("matmul", (a, b, True, False)), ("matmul", (m, a, True, True)),
             ("reduce", ("sum", a, (0,), False)), ("reduce", ("max", a, (1,), True)),
             ("copy", (a.T,)), ("reshape", (a, (20,))), ("permute", (a, (1, 0))),
             ("where", (a > 0, a, b)), ("where", (a > 0, a, np.zeros((), dtype))),
             ("copy_into", (np.empty((4, 5), dtype), a[::-1])),
             # 0-dim results (NumPy scalars from the ufuncs: the lowering gives arrays back)
             ("reduce", ("sum", a, (0, 1), False)), ("binary", ("div", np.asarray(a.sum()), 4)),
             ("arg_reduce", ("argmax", a, 1, False)), ("cast", (a, tl.float64)), ("cast", (a > 0, tl.int64)),
             ("gather", (a, 1, np.array([[4], [0], [2], [2]]), None, None)),
             ("softmax", (a, 1, True)), ("softmax", (a, 0, False)), ("softmax", (a.T, 1, True)),
             ("softmax_backward", (b, backend.softmax(a, 1, True), 1, True)),
             ("softmax_backward", (b, backend.softmax(a, 0, False), 0, False))]
    for name, args in cases:
        want = getattr(backend, name)(*args)
        if name == "copy_into":  # returns nothing: compare what it wrote
            want, args = args[0].copy(), (np.zeros_like(args[0]), args[1])
        meta = (tuple((v.shape, v.dtype) if isinstance(v, np.ndarray) else None for v in args),
                (want.shape, want.dtype))
        function, largs, kwargs = backend.lower(name, args, {}, meta)
        enter, leave = backend.replay_state()
        token = enter()
        try:
            got = function(*largs, **kwargs)
        finally:
            leave(token)
        if name == "copy_into":
            got = args[0]
        assert type(got) is np.ndarray and got.dtype == want.dtype and got.shape == want.shape, name
        np.testing.assert_array_equal(got, want)
        assert got.flags.c_contiguous == want.flags.c_contiguous, name


def test_half_types_keep_the_method_and_gather_checks_its_indices():
    backend = NumpyBackend()
    half = np.ones(3, np.float16)
    meta = ((None, ((3,), half.dtype), ((3,), half.dtype)), ((3,), half.dtype))
    assert backend.lower("binary", ("mul", half, half), {}, meta) is None
    a = np.ones(3, np.float32)
    assert backend.lower("cast", (a, tl.float16), {}, ((((3,), a.dtype), None), ((3,), half.dtype))) is None
    x, index = np.ones((2, 3), np.float32), np.array([[1], [0]])
    function, args, kwargs = backend.lower("gather", (x, 1, index, None, None), {},
                                           ((((2, 3), x.dtype), None, ((2, 1), index.dtype), None, None),
                                            ((2, 1), x.dtype)))
    for bad in (-1, 3):  # the method's errors: NumPy would wrap -1, and 3 is past the end
        index[1, 0] = bad
        with pytest.raises(IndexError, match="out of bounds"):
            backend.gather(x, 1, index)
        with pytest.raises(IndexError, match="out of bounds"):
            function(*args, **kwargs)


def test_mlp_with_cross_entropy_replays_bit_for_bit_with_lowered_calls():
    def run(compiled):
        net, _, _, step = _trainer(lambda: tl.nn.Sequential(tl.nn.Linear(6, 8), tl.nn.ReLU(), tl.nn.Linear(8, 3)),
                                   lambda p: tl.optim.Adam(p, lr=0.01))
        fn = tl.compile(step) if compiled else step
        rng = np.random.default_rng(1)
        for _ in range(5):
            fn(tl.tensor(rng.standard_normal((4, 6)).astype(np.float32)), tl.tensor(rng.integers(0, 3, 4)))
        return [p.detach().numpy().copy() for p in net.parameters()], fn
    eager, _ = run(False)
    compiled, fn = run(True)
    assert _program(fn).lowered > 0
    assert _program(fn)._owned  # the weight gradients' copies of fresh matrix products are skipped
    for a, b in zip(eager, compiled):
        np.testing.assert_array_equal(a, b)


ADAMS = {
    "adam": lambda p: tl.optim.Adam(p, lr=0.01),
    "adam-l2": lambda p: tl.optim.Adam(p, lr=0.01, weight_decay=0.1),
    "adamw-amsgrad": lambda p: tl.optim.AdamW(p, lr=0.01, weight_decay=0.05, amsgrad=True),
}


def _adam_run(make_opt, compiled, steps=6, between=None, dtype=tl.float32):
    tl.manual_seed(0)
    net = tl.nn.Sequential(tl.nn.Linear(5, 7), tl.nn.Tanh(), tl.nn.Linear(7, 2)).to(dtype)
    opt = make_opt(net.parameters())
    sched = tl.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.8)

    def step(x):
        opt.zero_grad()
        loss = (net(x) ** 2).mean()
        loss.backward()
        opt.step()
        return loss
    fn = tl.compile(step) if compiled else step
    rng = np.random.default_rng(2)
    for k in range(steps):
        fn(tl.tensor(rng.standard_normal((3, 5))).to(dtype))
        sched.step()
        if between is not None:
            between(k, net, opt)
    state = [t.detach().numpy().copy() for t in net.parameters()]
    state += [v.numpy().copy() for s in opt.state.values() for v in s.values() if isinstance(v, tl.Tensor)]
    return state, net, fn


@pytest.mark.parametrize("name", sorted(ADAMS))
@pytest.mark.parametrize("dtype", [tl.float32, tl.float64])
def test_flat_adam_equals_the_per_parameter_update_bit_for_bit(name, dtype):
    eager, _, _ = _adam_run(ADAMS[name], False, dtype=dtype)
    compiled, net, fn = _adam_run(ADAMS[name], True, dtype=dtype)
    assert len(eager) == len(compiled)
    for a, b in zip(eager, compiled):
        np.testing.assert_array_equal(a, b)
    bases = {id(p._array.base) for p in net.parameters()}
    assert len(bases) == 1 and all(p._array.base is not None for p in net.parameters())  # one buffer
    assert "m_adam_step(c" in _program(fn).source
    opt, = [entry.world.optimizers[0] for variants in fn._cache.values() for entry in variants]
    steps = [state["step"]._array for state in opt.state.values()]  # one add advances them
    assert len({id(s.base) for s in steps}) == 1 and steps[0].base is not None


def _replace_a_parameter(k, net, opt):
    if k == 3:  # a new array in a parameter the flat buffer held: the per-parameter path runs
        weight = net[0].weight
        weight.data = weight.detach().clone()


def _step_one_ahead(k, net, opt):
    if k == 3:  # one step count differs from the others: the per-parameter path runs
        opt.state[net[2].bias]["step"].add_(1)


@pytest.mark.parametrize("between", [_replace_a_parameter, _step_one_ahead])
def test_flat_adam_falls_back_when_its_views_or_step_counts_change(between):
    eager, _, _ = _adam_run(ADAMS["adam"], False, steps=7, between=between)
    compiled, _, fn = _adam_run(ADAMS["adam"], True, steps=7, between=between)
    for a, b in zip(eager, compiled):
        np.testing.assert_array_equal(a, b)
    assert fn.stats["replays"] >= 4


def test_gradients_handed_out_are_not_the_flat_scratch():
    compiled, net, fn = _adam_run(ADAMS["adam"], True, steps=4)
    grads = [p.grad for p in net.parameters()]
    before = [g.numpy().copy() for g in grads]
    fn(tl.ones(3, 5))
    for g, b in zip(grads, before):
        np.testing.assert_array_equal(g.numpy(), b)
    constants = [v for v in _program(fn).run.__globals__.values() if isinstance(v, np.ndarray)]
    assert not any(np.may_share_memory(p.grad._array, c) for p in net.parameters() for c in constants)


def test_two_recordings_share_one_flat_layout():
    """fit's smaller last batch is a second recording: it adopts the flat buffers the first one
    put the parameters in (else each would move them away from the other's on every switch)."""
    def run(compiled):
        net, _, _, step = _trainer(lambda: tl.nn.Sequential(tl.nn.Linear(4, 6), tl.nn.ReLU(), tl.nn.Linear(6, 3)),
                                   lambda p: tl.optim.Adam(p, lr=0.01))
        fn = tl.compile(step) if compiled else step
        rng = np.random.default_rng(3)
        for k in range(12):
            n = 3 if k % 3 == 2 else 5  # a smaller batch every third step
            fn(tl.tensor(rng.standard_normal((n, 4)).astype(np.float32)), tl.tensor(rng.integers(0, 3, n)))
        return [p.detach().numpy().copy() for p in net.parameters()], net, fn
    eager, _, _ = run(False)
    compiled, net, fn = run(True)
    for a, b in zip(eager, compiled):
        np.testing.assert_array_equal(a, b)
    programs = [entry.replay.program for variants in fn._cache.values() for entry in variants]
    assert len(programs) == 2
    for program in programs:  # both programs' flat path holds the parameters' current arrays
        held = [v for v in program.run.__globals__.values() if isinstance(v, np.ndarray)]
        assert all(any(h is p._array for h in held) for p in net.parameters())


@pytest.mark.parametrize("rows, classes", [(5, 4), (5, 10), (1, 3), (1, 12), (3, 8)])
def test_lowered_scatter_add_of_targets_equals_the_method(rows, classes):
    backend = NumpyBackend()
    rng = np.random.default_rng(rows * classes)
    x = rng.standard_normal((rows, classes)).astype(np.float32)
    x[0, :2] = -0.0  # signed zeros: the method's sums start at +0.0
    index = rng.integers(0, classes, (rows, 1))
    src = rng.standard_normal((rows, 1)).astype(np.float32)
    src[0, 0] = -0.0
    index[0, 0] = 0
    args = (x, 1, index, src, True, None, None, True)
    meta = (((x.shape, x.dtype), None, (index.shape, index.dtype), (src.shape, src.dtype), None, None,
             None, None), (x.shape, x.dtype))
    function, largs, kwargs = backend.lower("scatter", args, {}, meta)
    want = backend.scatter(x.copy(), *args[1:])
    got = function(x.copy(), *largs[1:], **kwargs)
    np.testing.assert_array_equal(got, want)
    assert np.array_equal(np.signbit(got), np.signbit(want))
    index[1 % rows, 0] = classes  # out of range: the method's IndexError
    with pytest.raises(IndexError, match="out of bounds"):
        function(x.copy(), index, src)


def test_a_large_parameter_keeps_its_own_update(monkeypatch):
    capture = sys.modules["tensorlite.backends.capture"]
    monkeypatch.setattr(capture, "FLAT_LIMIT", 7 * 5)  # the first weight (35) joins, the bias too
    eager, _, _ = _adam_run(ADAMS["adam"], False)
    compiled, net, fn = _adam_run(ADAMS["adam"], True)
    for a, b in zip(eager, compiled):
        np.testing.assert_array_equal(a, b)
    first, others = net[0].weight, [net[0].bias, net[2].weight, net[2].bias]
    monkeypatch.setattr(capture, "FLAT_LIMIT", 5 * 2 - 1)  # only the biases (7, 2) join now
    eager, _, _ = _adam_run(ADAMS["adam"], False)
    compiled, net, fn = _adam_run(ADAMS["adam"], True)
    for a, b in zip(eager, compiled):
        np.testing.assert_array_equal(a, b)
    assert net[0].weight._array.base is None and net[2].weight._array.base is None
    assert net[0].bias._array.base is not None and net[0].bias._array.base is net[2].bias._array.base
    assert first._array.base is not None and all(p._array.base is first._array.base for p in others)


def test_opencl_adam_step_takes_flat_buffers(opencl):
    """The flat update's arrays (all parameters back to back) on the OpenCL backend: the same
    values as per-parameter updates on the CPU, to float32 rounding."""
    backend, cpu = opencl.backend, NumpyBackend()
    rng = np.random.default_rng(4)
    sizes = [12, 3, 30, 5]
    flat = {role: rng.standard_normal(sum(sizes)).astype(np.float32) for role in ("p", "g", "m")}
    flat["v"] = rng.random(sum(sizes)).astype(np.float32)
    on = {role: backend.from_host(a, tl.float32) for role, a in flat.items()}
    step = backend.from_host(np.array(3.0, np.float32), tl.float32)
    for _ in range(2):
        backend.adam_step(on["p"], on["g"], on["m"], on["v"], None, step, 0.01, 0.9, 0.999, 1e-8, 0.1,
                          True, False)
    want = {role: a.copy() for role, a in flat.items()}
    offset = 0
    for size in sizes:
        part = {role: a[offset:offset + size] for role, a in want.items()}  # views: updated in place
        count = np.array(3.0, np.float32)
        for _ in range(2):
            cpu.adam_step(part["p"], part["g"], part["m"], part["v"], None, count, 0.01, 0.9, 0.999, 1e-8,
                          0.1, True, False)
        offset += size
    for role in ("p", "m", "v"):
        np.testing.assert_allclose(backend.to_host(on[role]), want[role], rtol=1e-5, atol=1e-6)
    assert float(backend.to_host(step)) == 5.0


def test_an_optimizer_state_dict_loaded_between_steps_records_again():
    """load_state_dict replaces the optimizer's per-parameter state dicts: the replay must read
    the loaded state, not keep updating the old tensors."""
    saved = {}

    def load_back(k, net, opt):
        if k == 1:
            saved["opt"] = copy.deepcopy(opt.state_dict())
        if k == 4:
            opt.load_state_dict(saved["opt"])
    eager, _, _ = _adam_run(ADAMS["adamw-amsgrad"], False, steps=8, between=load_back)
    compiled, _, fn = _adam_run(ADAMS["adamw-amsgrad"], True, steps=8, between=load_back)
    for a, b in zip(eager, compiled):
        np.testing.assert_array_equal(a, b)
    assert fn.stats["recordings"] == 2


def test_param_groups_replaced_between_steps_record_again():
    def new_groups(k, net, opt):
        if k == 3:  # new group dicts (a changed lr in them): the replay reads hyperparameters there
            opt.param_groups = [dict(g, lr=g["lr"] * 0.5) for g in opt.param_groups]
    eager, _, _ = _adam_run(ADAMS["adam"], False, steps=7, between=new_groups)
    compiled, _, fn = _adam_run(ADAMS["adam"], True, steps=7, between=new_groups)
    for a, b in zip(eager, compiled):
        np.testing.assert_array_equal(a, b)
    assert fn.stats["recordings"] == 2
