"""Elementwise fusion (tensorlite/backends/fusion.py, kernels/fused.cl): which recorded calls the
pass fuses, and that a fused replay equals the unfused one bit for bit on both backends (the
NumPy backend runs the tape's reference, OpenCL the interpreter or the unrolled template, whose
op functions are the unfused kernels' own); the kernel against NumPy for every op code."""
import contextlib
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tensorlite as tl
import tensorlite.nn.functional as F
from tensorlite.backends import fusion
from tensorlite.backends.base import BINARY_OPS, COMPARISON_OPS, FLOATING_OPS, PREDICATE_OPS, UNARY_OPS
from tensorlite.backends.capture import Program
from tensorlite.backends.numpy_backend import NumpyBackend
from tensorlite.ops.capture import Recording

F32, I64, BOOL = np.dtype(np.float32), np.dtype(np.int64), np.dtype(np.bool_)


def _record(fn, *inputs):
    """(real backend, recorder, kept names) of ``fn(*inputs)`` recorded on their device."""
    with Recording(inputs[0].device, list(inputs), lambda *a: None, lambda name: None) as recording:
        outputs = fn(*inputs)
    outputs = outputs if isinstance(outputs, (tuple, list)) else (outputs,)
    recorder = recording._recorder
    return inputs[0].device.backend, recorder, [recorder.name_of(t._array) for t in outputs]


def _replay(backend, calls, keep, inputs):
    program = Program(backend, calls, len(inputs), keep)
    return [backend.to_host(a) for a in program.run([t._array for t in inputs], [])]


def _fused_vs_unfused(fn, *inputs):
    """The fused calls of fn's recording, after checking that the fused replay equals the
    unfused one exactly (the NumPy backend fuses through its reference for the comparison)."""
    backend, recorder, keep = _record(fn, *inputs)
    calls = fusion.fuse(recorder.calls, keep, recorder.meta)
    runtime = getattr(backend, "runtime", None)  # OpenCL: the template kernels, built at once
    with mock.patch.object(runtime, "background_builds", False) if runtime else contextlib.nullcontext():
        fused = _replay(backend, calls, keep, inputs)
    for got, want in zip(fused, _replay(backend, recorder.calls, keep, inputs)):
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)
    return [c for c in calls if c[0] == "fused"]


def _steps(call):
    return [step[:2] for step in call[1][0].steps]


def test_bias_add_and_relu_after_a_matmul_fuse_into_one_call():
    x, w, b = tl.randn(5, 3), tl.randn(4, 3), tl.randn(4)
    with tl.no_grad():
        fused = _fused_vs_unfused(lambda x, w, b: F.relu(F.linear(x, w, b)), x, w, b)
    assert len(fused) == 1
    assert _steps(fused[0]) == [("binary", "add"), ("unary", "relu")]


def test_relu_backward_comparison_and_select_fuse():
    x = tl.randn(6, 5).requires_grad_()

    def step(x):
        F.relu(x * 3).sum().backward()
        return x.grad
    fused = _fused_vs_unfused(step, x)
    kinds = [s[0] for call in fused for s in call[1][0].steps]
    assert "where" in kinds and ("binary", "gt") in [s for call in fused for s in _steps(call)]


def test_the_backward_of_a_product_sum_is_one_fused_call():
    """W1's backward: the 0-d ones, their broadcast, the products and the gradient copies."""
    a, b, c = (tl.randn(16).requires_grad_() for _ in range(3))

    def step(a, b, c):
        (a * b + c).sum().backward()
        return a.grad, b.grad, c.grad
    fused = _fused_vs_unfused(step, a, b, c)
    assert len(fused) == 1 and len(fused[0][3]) == 3
    assert {"full", "broadcast", "binary", "copy"} <= {s[0] for s in fused[0][1][0].steps}


def test_an_intermediate_used_outside_the_group_stays_an_output():
    x, y = tl.randn(3, 4), tl.randn(4)

    def step(x, y):
        product = x * y
        return (product.exp() + 1, product.sum())
    with tl.no_grad():
        backend, recorder, keep = _record(step, x, y)
    calls = fusion.fuse(recorder.calls, keep, recorder.meta)
    (fused,) = [c for c in calls if c[0] == "fused"]
    assert len(fused[3]) == 2  # x * y (read by the sum) and the chain's end
    for got, want in zip(_replay(backend, calls, keep, [x, y]), _replay(backend, recorder.calls, keep, [x, y])):
        np.testing.assert_array_equal(got, want)


def test_broadcasts_and_bool_casts_inside_a_chain_fuse():
    x, y, z = tl.randn(4, 3), tl.randn(3), tl.randn(4, 1)
    with tl.no_grad():
        fused = _fused_vs_unfused(lambda x, y, z: tl.where(x > y, (x > z).float() * y, -x) + 0.5, x, y, z)
    assert len(fused) == 1
    kinds = {s[0] for s in fused[0][1][0].steps}
    assert {"binary", "cast", "where", "scalar"} <= kinds


def test_a_cast_to_another_float_type_is_not_fused():
    x = tl.randn(4, 3)
    with tl.no_grad():
        assert _fused_vs_unfused(lambda x: (x * 2).double().exp(), x) == []


def _in_place_vs_unfused(fn, *hosts, templates=True):
    """The fused calls of ``fn(*tensors)`` recorded on tensors made from ``hosts`` (NumPy
    arrays), after checking that the fused and the unfused replays, each on fresh copies of the
    inputs, return the same values and leave the same values in the inputs, bit for bit
    (OpenCL: by the tapes' templates, built at once, or by the interpreter)."""
    with tl.no_grad():
        backend, recorder, keep = _record(fn, *[tl.tensor(h) for h in hosts])
    calls = fusion.fuse(recorder.calls, keep, recorder.meta)
    runtime = getattr(backend, "runtime", None)
    finals = []
    for replayed in (calls, recorder.calls):
        inputs = [tl.tensor(h) for h in hosts]
        with contextlib.ExitStack() as stack:
            if runtime:
                stack.enter_context(mock.patch.object(runtime, "background_builds", False))
                stack.enter_context(mock.patch.object(backend, "fused_templates", templates))
            finals.append(_replay(backend, replayed, keep, inputs) + [t.numpy() for t in inputs])
    for got, want in zip(*finals):
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)
    return calls


def test_in_place_accumulation_into_received_tensors_is_one_fused_call():
    """W1's backward into existing gradients: the ones seed, its products and the three
    accumulations become one call that writes the three received tensors (no fill, no copy)."""
    rng = np.random.default_rng(0)
    hosts = [rng.standard_normal(16).astype(np.float32) for _ in range(5)]

    def step(a, b, ga, gb, gc):
        ones = tl.ones(()).expand(16)
        gc.add_(ones)
        ga.add_(ones * b)
        gb.add_(ones * a)
        return ()
    calls = _in_place_vs_unfused(step, *hosts)
    assert [c[0] for c in calls] == ["fused"]
    tape, inputs = calls[0][1]
    assert sorted(inputs[w].name for w in tape.writes) == ["l2", "l3", "l4"]


def test_in_place_writes_into_state_happen_and_later_readers_see_them():
    rng = np.random.default_rng(1)
    x, b = rng.standard_normal((4, 3)).astype(np.float32), rng.standard_normal(3).astype(np.float32)

    def add_into_state(x, b):
        x.add_(b)  # an in-place write into a tensor the step received: it must happen
        return F.relu(x), x.sum(0), x * 2  # read in the group, by a reduction, after it
    calls = _in_place_vs_unfused(add_into_state, x, b)
    assert "binary_inplace" not in [c[0] for c in calls]

    def through_a_view(x, b):
        flat = x.view(12)  # a view of x read between two writes: the writes stay where they were
        x.mul_(b)
        seen = flat * 3
        x.add_(1.0)
        return seen
    calls = _in_place_vs_unfused(through_a_view, x, b)
    assert "binary_inplace" in [c[0] for c in calls]


@st.composite
def accumulations(draw):
    """A list of (kind, target, operand, number) over two received (rows, cols) tensors:
    in-place updates, elementwise values and reductions of them, in a random order."""
    program = []
    for _ in range(draw(st.integers(2, 7))):
        kind = draw(st.sampled_from(["add_", "mul_", "sub_", "read", "sum", "view"]))
        program.append((kind, draw(st.integers(0, 1)), draw(st.integers(0, 2)), draw(st.floats(-2, 2, width=32))))
    return program


@given(accumulations(), st.integers(1, 4), st.integers(1, 4), st.integers(0, 2 ** 31 - 1))
def test_random_in_place_updates_of_received_tensors_fuse_exactly(program, rows, cols, seed):
    """Whatever order reads, reductions, views and in-place updates of received tensors come
    in, the fused replay computes what the unfused one does and writes the same values."""
    rng = np.random.default_rng(seed)
    hosts = [rng.standard_normal(s).astype(np.float32) for s in ((rows, cols), (rows, cols), (cols,))]

    def step(p, q, r):
        targets, operands, outputs = (p, q), (p, q, r), []
        views = (p.view(-1), q.view(-1))  # read later: they see every update made before
        for kind, target, operand, number in program:
            t, o = targets[target], operands[operand]
            if kind == "read":
                outputs.append(t * number + o)
            elif kind == "sum":
                outputs.append(t.sum(-1))
            elif kind == "view":
                outputs.append(views[target].exp())
            else:
                getattr(t, kind)(o * number if operand != target else number)
        return tuple(outputs)
    _in_place_vs_unfused(step, *hosts, templates=False)  # OpenCL: no template build per random tape


def test_integer_chains_fuse_with_bool_outputs_and_wide_groups_stay_exact():
    x, y = tl.tensor([[5, -3, 8], [0, 7, -9]]), tl.tensor([2, -4, 6])
    with tl.no_grad():
        fused = _fused_vs_unfused(lambda x, y: (((x * 3 + y) // 2) & 7) > 2, x, y)
        assert len(fused) == 1 and fused[0][1][0].dtype == np.int64
        # nine inputs: more than the kernel's eight, so the group stays unfused (and exact)
        many = [tl.randn(3) for _ in range(9)]
        assert _fused_vs_unfused(lambda *xs: sum(xs[1:], xs[0]).exp(), *many) == []


UNARY_CHAIN = ["neg", "exp", "tanh", "sigmoid", "relu", "abs", "sin", "floor"]
BINARY_CHAIN = ["add", "sub", "mul", "maximum", "minimum"]


@st.composite
def chains(draw):
    """(shapes of three inputs broadcasting to (rows, cols), a list of steps, kept step indices)."""
    rows, cols = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    shapes = [(rows, cols)] + [draw(st.sampled_from([(rows, cols), (cols,), (rows, 1), ()])) for _ in range(2)]
    steps = []
    for _ in range(draw(st.integers(2, 6))):
        kind = draw(st.sampled_from(["unary", "binary", "scalar", "where", "mask"]))
        op = draw(st.sampled_from(UNARY_CHAIN if kind == "unary" else BINARY_CHAIN))
        steps.append((kind, op, draw(st.integers(0, 2)), draw(st.floats(-2, 2, width=32))))
    kept = draw(st.sets(st.integers(0, len(steps) - 2), max_size=2))
    return shapes, steps, sorted(kept)


def _run_chain(steps, kept, *inputs):
    value, outputs = inputs[0], []
    for index, (kind, op, other, number) in enumerate(steps):
        operand = inputs[other]
        if kind == "unary":
            value = getattr(tl, op)(value)
        elif kind == "binary":
            value = getattr(tl, op)(value, operand) if op in ("maximum", "minimum") else \
                {"add": value + operand, "sub": value - operand, "mul": value * operand}[op]
        elif kind == "scalar":
            value = value * number
        elif kind == "where":
            value = tl.where(value > operand, value, operand)
        else:
            value = (value < number).float() * operand
        if index in kept:
            outputs.append(value)
    return tuple(outputs) + (value,)


@given(chains(), st.integers(0, 2 ** 31 - 1))
def test_random_elementwise_chains_fuse_and_equal_the_unfused_calls(chain, seed):
    shapes, steps, kept = chain
    rng = np.random.default_rng(seed)
    inputs = [tl.tensor(rng.standard_normal(s).astype(np.float32)) for s in shapes]
    with tl.no_grad():
        fused = _fused_vs_unfused(lambda *xs: _run_chain(steps, kept, *xs), *inputs)
    assert fused, "a connected chain of elementwise calls was not fused"


def test_compiled_training_steps_with_fusion_equal_the_unfused_ones_bit_for_bit(monkeypatch):
    """An MLP with Adam, compiled with and without fusion (the CPU pass fuses through the NumPy
    reference): identical parameters after a few steps."""
    def train(fuse):
        tl.manual_seed(0)
        model = tl.nn.Sequential(tl.nn.Linear(6, 8), tl.nn.ReLU(), tl.nn.Linear(8, 3))
        opt = tl.optim.Adam(model.parameters(), lr=0.01)
        x, y = tl.randn(5, 6), tl.tensor([0, 2, 1, 1, 0])

        def step():
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss
        with monkeypatch.context() as patch:
            patch.setattr(NumpyBackend, "fuses_elementwise", fuse, raising=False)
            if x.device.type == "opencl":
                patch.setattr(type(x.device.backend), "fuses_elementwise", fuse)
            compiled = tl.compile(step)
            for _ in range(4):
                compiled()
        return [p.detach().numpy() for p in model.parameters()]
    for fused, unfused in zip(train(True), train(False)):
        np.testing.assert_array_equal(fused, unfused)



def test_compiled_gradient_accumulation_with_fusion_equals_eager(monkeypatch):
    """W1 compiled with fusion, where backward accumulates into existing gradients (one fused
    call writing them): K replayed steps equal K eager ones (bit for bit on the CPU, which fuses
    through the NumPy reference; within float32 rounding on OpenCL)."""
    def run(compiled):
        tl.manual_seed(0)
        a, b, c = (tl.randn(16, requires_grad=True) for _ in range(3))

        def step():
            (a * b + c).sum().backward()
            a.data.sub_(0.125 * a.grad)  # the values the gradients read change every step
        with monkeypatch.context() as patch:
            patch.setattr(NumpyBackend, "fuses_elementwise", True, raising=False)
            run_step = tl.compile(step) if compiled else step
            for _ in range(5):
                run_step()
        return [t.detach().numpy().copy() for t in (a, b, c, a.grad, b.grad, c.grad)]
    exact = tl.randn(1).device.type == "cpu"
    for got, want in zip(run(True), run(False)):
        if exact:
            np.testing.assert_array_equal(got, want)
        else:
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def _read_then_add(a, b):
    y = a * 2.0
    a.add_(b)
    return y + 1.0


def _read_a_view_then_add(a, b):
    y = a[0] * 2.0  # a view of the tensor written below
    a.add_(b)
    return y + 1.0


def _read_a_view_of_a_fresh_result_then_add(a, b):
    h = a @ tl.eye(4, device=a.device)
    y = h.reshape(-1)[:4] * 2.0
    h.add_(b)
    return y + 1.0


@pytest.mark.parametrize("step", [_read_then_add, _read_a_view_then_add, _read_a_view_of_a_fresh_result_then_add])
def test_a_group_that_read_a_tensor_runs_before_an_in_place_write_into_it(step):
    """y = a * 2 reads a's old value (or that of a view of it), then a += b: the fused call of
    y's group takes its last member's place (y + 1), which must stay before the write (it read
    a + b: 23, not 3)."""
    with mock.patch.object(NumpyBackend, "fuses_elementwise", True, create=True):
        fn = tl.compile(step)
        for _ in range(4):
            out = fn(tl.ones(3, 4), tl.full((4,), 10.0))
            np.testing.assert_array_equal(out.numpy().reshape(-1)[:4], np.full(4, 3.0, np.float32))
    assert fn.stats["replays"] == 2


def test_a_group_that_read_a_view_of_an_argument_runs_before_an_in_place_write_into_it():
    """The arguments themselves may be views of one another (v = a[0]): the group reading v
    stays before the write into a."""
    def step(a, v):
        y = v * 2.0
        a.add_(10.0)
        return y + 1.0
    with mock.patch.object(NumpyBackend, "fuses_elementwise", True, create=True):
        fn = tl.compile(step)
        for _ in range(4):
            a = tl.ones(3, 4)
            np.testing.assert_array_equal(fn(a, a[0]).numpy(), np.full(4, 3.0, np.float32))
    assert fn.stats["replays"] == 2


def test_a_view_of_an_argument_read_after_an_in_place_write_into_it_sees_the_write():
    """a += t, then v * t with v = a[:] (a view of the same layout): the group's later step reads
    the written values, as the eager calls did (the reference wrote at the end: 3, not 12; the
    OpenCL kernel stores at each element's end, so such a tape runs as its unfused calls)."""
    def step(a, v, b):
        t = b * 3.0
        a.add_(t)
        return v * t
    with mock.patch.object(NumpyBackend, "fuses_elementwise", True, create=True):
        fn = tl.compile(step)
        for _ in range(4):
            a = tl.ones(3, 4)
            np.testing.assert_array_equal(fn(a, a[:], tl.ones(3, 4)).numpy(), np.full((3, 4), 12.0, np.float32))
    assert fn.stats["replays"] == 2


def test_a_group_that_read_a_fresh_result_runs_before_an_in_place_write_into_it():
    """The same order for an in-place add into a fresh result (a bias add after a matmul)."""
    def step(x, w, b):
        h = x @ w
        y = h * 2.0
        h.add_(b)
        return y + 1.0, h.relu()
    _fused_vs_unfused(step, tl.randn(3, 4), tl.randn(4, 5), tl.randn(5))


# -- the kernel against NumPy, op code by op code (OpenCL interpreter and template) ----------------

def _float_unary():
    return sorted(op for op in UNARY_OPS if op != "bitwise_not")


def _float_binary():
    return sorted(op for op in BINARY_OPS if not op.startswith("bitwise"))


def _integer_binary():
    return sorted(op for op in BINARY_OPS if op not in FLOATING_OPS)


def _tape(kind, op, dtype, n_inputs, shape):
    result = BOOL if op in COMPARISON_OPS or op in PREDICATE_OPS else dtype
    step = (kind, op) + tuple(range(n_inputs))
    return fusion.Tape(dtype, shape, n_inputs, [step], [n_inputs], [dtype] * n_inputs + [result])


def _against_numpy(opencl, tape, hosts, templates):
    """The fused kernel equals the unfused OpenCL call exactly and NumPy's reference closely."""
    backend = opencl.backend
    arrays = [backend.upload(h) for h in hosts]
    previous = backend.fused_templates
    backend.fused_templates = templates
    try:
        (got,) = backend.fused(tape, arrays)
    finally:
        backend.fused_templates = previous
    (unfused,) = fusion.run_reference(backend, tape, arrays)
    (reference,) = fusion.run_reference(NumpyBackend(), tape, hosts)
    got, unfused = backend.to_host(got), backend.to_host(unfused)
    np.testing.assert_array_equal(got, unfused)
    assert got.dtype == reference.dtype
    np.testing.assert_allclose(got, reference, rtol=2e-5, atol=1e-6, equal_nan=True)


_FLOATS = st.lists(st.floats(-3, 3, width=32), min_size=6, max_size=6)


@pytest.mark.backend_pair
@pytest.mark.parametrize("op", _float_unary())
@settings(max_examples=4)
@given(values=_FLOATS)
def test_fused_kernel_unary_op_codes_against_numpy(opencl, op, values):
    host = np.array(values, np.float32).reshape(2, 3)
    _against_numpy(opencl, _tape("unary", op, F32, 1, (2, 3)), [host], templates=False)


@pytest.mark.backend_pair
@pytest.mark.parametrize("op", _float_binary())
@settings(max_examples=4)
@given(a=_FLOATS, b=st.lists(st.floats(-3, 3, width=32), min_size=3, max_size=3))
def test_fused_kernel_binary_op_codes_broadcast_against_numpy(opencl, op, a, b):
    hosts = [np.array(a, np.float32).reshape(2, 3), np.array(b, np.float32)]
    _against_numpy(opencl, _tape("binary", op, F32, 2, (2, 3)), hosts, templates=False)


@pytest.mark.backend_pair
@pytest.mark.parametrize("op", _integer_binary())
@settings(max_examples=4)
@given(a=st.lists(st.integers(-50, 50), min_size=6, max_size=6),
       b=st.lists(st.integers(1, 7), min_size=6, max_size=6))
def test_fused_kernel_integer_op_codes_against_numpy(opencl, op, a, b):
    hosts = [np.array(a, np.int64).reshape(2, 3), np.array(b, np.int64).reshape(2, 3)]
    _against_numpy(opencl, _tape("binary", op, I64, 2, (2, 3)), hosts, templates=False)


@pytest.mark.backend_pair
@given(x=_FLOATS, y=st.lists(st.floats(-3, 3, width=32), min_size=3, max_size=3),
       threshold=st.floats(-1, 1, width=32))
def test_fused_templates_run_casts_wheres_and_bool_outputs_like_the_interpreter(opencl, x, y, threshold):
    """One tape with every step kind: (x > t) as bool output, where(x > t, exp(x), -x), the
    mask cast to float times 0.5 (a 0-d full, broadcast) times y, run by the interpreter and the
    templates (per element; by rows where y is broadcast, on CPU devices and Oclgrind)."""
    f32 = tl.float32
    steps = [("scalar", threshold), ("binary", "gt", 0, 2), ("unary", "exp", 0), ("unary", "neg", 0),
             ("where", 3, 4, 5), ("cast", f32, 3), ("full", (), 0.5, f32), ("broadcast", (2, 3), 8),
             ("binary", "mul", 7, 9), ("binary", "mul", 10, 1)]
    dtypes = [F32, F32, None, BOOL, F32, F32, F32, F32, F32, F32, F32, F32]
    tape = fusion.Tape(F32, (2, 3), 2, steps, [3, 6, 11], dtypes)
    hosts = [np.array(x, np.float32).reshape(2, 3), np.array(y, np.float32)]
    backend = opencl.backend
    reference = fusion.run_reference(NumpyBackend(), tape, hosts)
    background = backend.runtime.background_builds
    for y_host in (hosts[1], np.broadcast_to(hosts[1], (2, 3)).copy()):  # rows / one walked dim
        results = []
        for templates in (False, True):
            backend.fused_templates = templates
            backend.runtime.background_builds = False  # the template is built at once, then used
            try:
                arrays = [backend.upload(hosts[0]), backend.upload(y_host)]
                results.append([backend.to_host(a) for a in backend.fused(tape, arrays)])
            finally:
                backend.fused_templates = True
                backend.runtime.background_builds = background
        for interpreted, templated, want in zip(*results, reference):
            np.testing.assert_array_equal(interpreted, templated)
            assert interpreted.dtype == want.dtype
            np.testing.assert_allclose(interpreted, want, rtol=2e-6)


@pytest.mark.backend_pair
@pytest.mark.parametrize("templates", [False, True])
def test_fused_kernel_writes_into_strided_views_and_overlaps_run_unfused(opencl, templates):
    """``Tape.writes`` on OpenCL: out0 = x + x * y written into x, a (3, 3) window of a (4, 5)
    buffer (strides, an offset), out1 = x * y a new array, by the interpreter and the template;
    with y the transpose of x (one buffer, other elements) the tape runs as its unfused calls.
    Both against NumPy's reference on the same views."""
    tape = fusion.Tape(F32, (3, 3), 2, [("binary", "mul", 0, 1), ("binary", "add", 0, 2)], [3, 2],
                       [F32] * 4, writes=[0, None])
    backend = opencl.backend
    rng = np.random.default_rng(3)
    base, other = rng.standard_normal((4, 5)).astype(np.float32), rng.standard_normal((3, 3)).astype(np.float32)
    for transposed in (False, True):
        host = base.copy()
        x_host = host[1:, 1:4]
        hosts = [x_host, x_host.T if transposed else other]
        buffer = backend.upload(base)
        x = buffer.with_layout((3, 3), (5, 1), 6)
        arrays = [x, x.with_layout((3, 3), (1, 5), 6) if transposed else backend.upload(other)]
        background = backend.runtime.background_builds
        backend.fused_templates, backend.runtime.background_builds = templates, False
        try:
            written, product = backend.fused(tape, arrays)
        finally:
            backend.fused_templates, backend.runtime.background_builds = True, background
        _, want_product = fusion.run_reference(NumpyBackend(), tape, hosts)
        assert written is x
        np.testing.assert_allclose(backend.to_host(buffer), host, rtol=1e-6)  # the rest untouched
        np.testing.assert_allclose(backend.to_host(product), want_product, rtol=1e-6)


@pytest.mark.backend_pair
@pytest.mark.parametrize("templates", [False, True])
def test_fused_kernel_with_a_same_layout_view_of_a_written_input_runs_unfused(opencl, templates):
    """out0 = x + y written into x, then out1 = v * out0 with v another view of x's elements in
    the same layout: v's read comes after the write, so it sees x + y (the kernel would read the
    old x: it stores each element only at its end)."""
    tape = fusion.Tape(F32, (3, 4), 3, [("binary", "add", 0, 1), ("binary", "mul", 2, 3)], [3, 4],
                       [F32] * 5, writes=[0, None])
    backend = opencl.backend
    rng = np.random.default_rng(5)
    x_host, y_host = rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal((3, 4)).astype(np.float32)
    host = x_host.copy()
    _, want = fusion.run_reference(NumpyBackend(), tape, [host, y_host, host[:]])
    np.testing.assert_array_equal(want, (x_host + y_host) * (x_host + y_host))
    x = backend.upload(x_host)
    background = backend.runtime.background_builds
    backend.fused_templates, backend.runtime.background_builds = templates, False
    try:
        written, product = backend.fused(tape, [x, backend.upload(y_host), x.with_layout((3, 4), (4, 1), 0)])
    finally:
        backend.fused_templates, backend.runtime.background_builds = True, background
    np.testing.assert_allclose(backend.to_host(written), host, rtol=1e-6)
    np.testing.assert_allclose(backend.to_host(product), want, rtol=1e-6)
