"""The engine's semantics (SEMANTICS.md 4.1-4.5, 4.10, section 3): accumulation, leaves,
retain_graph, hooks, grad(), custom Functions, version counters, views and in-place writes."""
import gc
import weakref

import pytest

import tensorlite as tl
import tensorlite.nn.functional as F
from tensorlite.autograd import Function
from tensorlite.autograd.function import _NO_GRAD_CTX


def leaf(values, dtype=tl.float32):
    return tl.tensor(values, dtype=dtype, requires_grad=True)


class TestBroadcastAndAccumulation:
    def test_broadcast_gradient_reduction(self):
        a, b = tl.ones(3, 1, requires_grad=True), tl.ones(1, 4, requires_grad=True)
        c, s = tl.ones(4, requires_grad=True), tl.tensor(1.0, requires_grad=True)
        (a + b + c + s).sum().backward()
        assert a.grad.shape == (3, 1) and a.grad.tolist() == [[4.0]] * 3
        assert b.grad.shape == (1, 4) and b.grad.tolist() == [[3.0] * 4]
        assert c.grad.tolist() == [3.0] * 4 and s.grad.item() == 12.0

    def test_expand_and_batched_matmul_broadcast(self):
        x = leaf([1.0, 2.0])
        x.expand(3, 2).sum().backward()
        assert x.grad.tolist() == [3.0, 3.0]
        w = tl.ones(3, 2, requires_grad=True)
        (tl.ones(5, 4, 3) @ w).sum().backward()
        assert w.grad.shape == (3, 2) and w.grad.tolist() == [[20.0, 20.0]] * 3

    def test_accumulates_across_backward_calls_and_keeps_the_grad_object(self):
        x = leaf([1.0, 2.0])
        (x * x).sum().backward()
        first = x.grad
        (x * x).sum().backward()
        assert x.grad is first and x.grad.tolist() == [4.0, 8.0]

    def test_multiple_uses_sum(self):
        x = leaf([1.0, 2.0])
        tl.cat([x, 2 * x]).sum().backward()
        assert x.grad.tolist() == [3.0, 3.0]

    def test_grad_dtype_is_the_leaf_dtype(self):
        x = leaf([1.0])
        (x.double() * 2).sum().backward()
        assert x.grad.dtype is tl.float32

    def test_backward_inputs_accumulates_only_there(self):
        w, b = leaf([2.0]), leaf([3.0])
        (w * b).sum().backward(inputs=[w])
        assert w.grad.tolist() == [3.0] and b.grad is None

    def test_deep_chain_without_recursion_error(self):
        x = leaf([1.0])
        y = x
        for _ in range(100_000):
            y = y + 1.0
        y.sum().backward()
        assert x.grad.tolist() == [1.0]


class TestLeaves:
    def test_leaf_flags(self):
        x = leaf([1.0])
        y = x * 2
        assert x.is_leaf and not y.is_leaf and y.requires_grad
        with tl.no_grad():
            z = x * 2
        assert z.is_leaf and not z.requires_grad
        assert x.detach().is_leaf and not x.detach().requires_grad
        with tl.no_grad():
            w = tl.ones(2, requires_grad=True)
        assert w.requires_grad and w.is_leaf

    def test_non_leaf_grad_warns_and_retain_grad_populates(self):
        x = leaf([1.0, 2.0])
        y = x * 2
        y.sum().backward(retain_graph=True)
        with pytest.warns(UserWarning, match="not a leaf Tensor"):
            assert y.grad is None
        y.retain_grad()
        assert y.retains_grad
        y.sum().backward()
        assert y.grad.tolist() == [1.0, 1.0]

    def test_requires_grad_false_on_non_leaf(self):
        y = leaf([1.0]) * 2
        with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf variables"):
            y.requires_grad = False

    def test_integer_results_do_not_require_grad(self):
        x = leaf([1.0, 3.0])
        assert not x.argmax().requires_grad and not x.long().requires_grad
        assert not x.max(0).indices.requires_grad
        assert x.floor().requires_grad and x.sign().requires_grad

    def test_detach_shares_storage(self):
        x = leaf([1.0, 2.0])
        d = x.detach()
        with tl.no_grad():
            d[0] = 5.0
        assert x[0].item() == 5.0


class TestSecondBackward:
    def test_freed_saved_tensor_raises(self):
        x = leaf([1.0])
        loss = (x * x).sum()
        loss.backward()
        with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
            loss.backward()

    def test_graph_without_saved_tensors_can_run_twice(self):
        x = leaf([1.0])
        loss = (x + 2).sum()
        loss.backward()
        loss.backward()
        assert x.grad.tolist() == [2.0]

    def test_wrapped_scalar_is_saved(self):
        x = leaf([1.0])
        loss = (x * 2).sum()
        loss.backward()
        with pytest.raises(RuntimeError, match="second time"):
            loss.backward()

    def test_retain_graph(self):
        x = leaf([1.0])
        loss = (x * x).sum()
        loss.backward(retain_graph=True)
        loss.backward()
        assert x.grad.tolist() == [4.0]

    def test_create_graph_warns_about_cycle(self):
        x = leaf([1.0])
        with pytest.warns(UserWarning, match="reference cycle"):
            (x * x).sum().backward(create_graph=True)
        assert x.grad.requires_grad


class TestEntryPointErrors:
    def test_non_scalar_needs_gradient(self):
        with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
            (leaf([1.0, 2.0]) * 2).backward()
        (leaf([1.0]) * 2).backward()  # one element is fine

    def test_gradient_shape_mismatch(self):
        y = leaf([1.0, 2.0]) * 2
        with pytest.raises(RuntimeError, match=r"Mismatch in shape: grad_output\[0\] has a shape of \[3\] and output\[0\] has a shape of \[2\]"):
            y.backward(tl.ones(3))

    def test_no_grad_graph_says_why(self):
        with pytest.raises(RuntimeError, match="does not require grad and does not have a grad_fn.*None of the tensors"):
            (tl.ones(2) * 2).sum().backward()
        with tl.no_grad():
            loss = (leaf([1.0]) * 2).sum()
        with pytest.raises(RuntimeError, match="grad mode was disabled"):
            loss.backward()


class TestGrad:
    def test_grad_does_not_touch_dot_grad(self):
        x = leaf([3.0])
        (g,) = tl.autograd.grad((x ** 2).sum(), x)
        assert g.tolist() == [6.0] and x.grad is None

    def test_higher_order(self):
        x = tl.tensor(3.0, dtype=tl.float64, requires_grad=True)
        (d1,) = tl.autograd.grad(x ** 3, x, create_graph=True)
        (d2,) = tl.autograd.grad(d1, x, create_graph=True)
        (d3,) = tl.autograd.grad(d2, x)
        assert (d1.item(), d2.item(), d3.item()) == (27.0, 18.0, 6.0)

    def test_unused_input(self):
        x, y = leaf([1.0]), leaf([2.0])
        with pytest.raises(RuntimeError, match="The differentiated Tensor at index 1 appears to not have been used in the graph"):
            tl.autograd.grad((x * 2).sum(), [x, y])
        gx, gy = tl.autograd.grad((x * 2).sum(), [x, y], allow_unused=True)
        assert gy is None
        gx, gy = tl.autograd.grad((x * 2).sum(), [x, y], materialize_grads=True)
        assert gy.tolist() == [0.0]

    def test_grad_of_intermediate(self):
        x = leaf([1.0, 2.0])
        y = x * 3
        z = (y * y).sum()
        (gy,) = tl.autograd.grad(z, y)
        assert gy.tolist() == [6.0, 12.0]

    def test_batched_grad_outputs(self):
        x = leaf([1.0, 2.0])
        y = x * x
        (jac,) = tl.autograd.grad(y, x, tl.eye(2), is_grads_batched=True)
        assert jac.tolist() == [[2.0, 0.0], [0.0, 4.0]]


class TestHooks:
    def test_hook_replaces_grad_and_can_be_removed(self):
        x = leaf([1.0, 2.0])
        handle = x.register_hook(lambda g: g * 10)
        (x * 1).sum().backward()
        assert x.grad.tolist() == [10.0, 10.0]
        handle.remove()
        x.grad = None
        (x * 1).sum().backward()
        assert x.grad.tolist() == [1.0, 1.0]

    def test_non_leaf_hook_sees_total_grad(self):
        x = leaf([1.0])
        y = x * 2
        seen = []
        y.register_hook(lambda g: seen.append(g.item()))
        (y + y).sum().backward()
        assert seen == [2.0] and x.grad.tolist() == [4.0]

    def test_hook_on_tensor_without_grad(self):
        with pytest.raises(RuntimeError, match="doesn't require gradient"):
            tl.ones(2).register_hook(lambda g: g)

    def test_post_accumulate_hook(self):
        x = leaf([1.0])
        seen = []
        x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.item()))
        (x * 3).sum().backward()
        assert seen == [3.0]

    def test_queued_callback_runs_after_the_whole_backward(self):
        """A callback queued by the first leaf's hook runs once every leaf has its gradient
        (DistributedDataParallel waits for its allreduces there); nested backwards keep theirs."""
        a, b = leaf([1.0]), leaf([2.0])
        events = []

        def first_hook(t):
            events.append("a")
            inner = leaf([5.0])
            with tl.enable_grad():  # a nested backward runs its own callbacks only
                (inner * 2).sum().backward()
            tl.autograd.queue_callback(lambda: events.append(("done", a.grad.item(), b.grad.item())))

        a.register_post_accumulate_grad_hook(first_hook)
        b.register_post_accumulate_grad_hook(lambda t: events.append("b"))
        (a * 3 + (b * 4) * (b * 1)).sum().backward()
        assert sorted(events[:2]) == ["a", "b"] and events[2] == ("done", 3.0, 16.0)
        with pytest.raises(RuntimeError, match="no backward pass is running"):
            tl.autograd.queue_callback(lambda: None)


class TestGradModes:
    def test_no_grad_context_and_decorator(self):
        x = leaf([1.0])
        with tl.no_grad():
            assert not (x * 2).requires_grad
            with tl.enable_grad():
                assert (x * 2).requires_grad

        @tl.no_grad()
        def f(t):
            return t * 2
        assert not f(x).requires_grad and tl.is_grad_enabled()

    def test_set_grad_enabled(self):
        x = leaf([1.0])
        with tl.set_grad_enabled(False):
            assert not (x * 2).requires_grad
        assert tl.is_grad_enabled()
        tl.set_grad_enabled(False)
        try:
            assert not tl.is_grad_enabled()
        finally:
            tl.set_grad_enabled(True)


class Cube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x * x


class TestCustomFunction:
    def test_forward_backward_and_double_backward(self):
        x = tl.tensor([2.0], dtype=tl.float64, requires_grad=True)
        y = Cube.apply(x)
        assert repr(y.grad_fn) .startswith("<CubeBackward")
        (g,) = tl.autograd.grad(y.sum(), x, create_graph=True)
        (h,) = tl.autograd.grad(g.sum(), x)
        assert g.item() == 12.0 and h.item() == 12.0
        assert tl.autograd.gradcheck(Cube.apply, (x,))
        assert tl.autograd.gradgradcheck(Cube.apply, (x,))

    def test_forward_runs_without_grad_and_needs_input_grad(self):
        seen = {}

        class Probe(Function):
            @staticmethod
            def forward(ctx, a, b, k):
                seen["grad_enabled"] = tl.is_grad_enabled()
                seen["needs"] = ctx.needs_input_grad
                return a * k

            @staticmethod
            def backward(ctx, grad):
                return grad * 2, None, None
        a = leaf([1.0])
        Probe.apply(a, tl.ones(1), 2.0).sum().backward()
        assert seen == {"grad_enabled": False, "needs": (True, False, False)} and a.grad.tolist() == [2.0]

    def test_wrong_gradient_count(self):
        class Bad(Function):
            @staticmethod
            def forward(ctx, a, b):
                return a + b

            @staticmethod
            def backward(ctx, grad):
                return grad
        with pytest.raises(RuntimeError, match=r"function BadBackward returned an incorrect number of gradients \(expected 2, got 1\)"):
            Bad.apply(leaf([1.0]), leaf([1.0])).sum().backward()

    def test_wrong_gradient_shape(self):
        class Bad(Function):
            @staticmethod
            def forward(ctx, a):
                return a * 1

            @staticmethod
            def backward(ctx, grad):
                return tl.ones(5)
        with pytest.raises(RuntimeError, match=r"Function BadBackward returned an invalid gradient at index 0 - got \[5\] but expected shape compatible with \[3\]"):
            Bad.apply(tl.ones(3, requires_grad=True)).sum().backward()

    def test_broadcastable_gradient_is_summed(self):
        class Wide(Function):
            @staticmethod
            def forward(ctx, a):
                return a * 1

            @staticmethod
            def backward(ctx, grad):
                return tl.ones(2, 3)
        x = tl.ones(3, requires_grad=True)
        Wide.apply(x).sum().backward()
        assert x.grad.tolist() == [2.0, 2.0, 2.0]

    def test_mark_non_differentiable(self):
        class SortLike(Function):
            @staticmethod
            def forward(ctx, a):
                idx = a.argmax().reshape(1)
                out = a * 2
                ctx.mark_non_differentiable(idx)
                return out, idx.float()

            @staticmethod
            def backward(ctx, grad, grad_idx):
                return grad * 2
        out, idx = SortLike.apply(leaf([1.0, 3.0]))
        assert out.requires_grad

    def test_once_differentiable(self):
        class Once(Function):
            @staticmethod
            def forward(ctx, a):
                ctx.save_for_backward(a)
                return a * a

            @staticmethod
            @tl.autograd.once_differentiable
            def backward(ctx, grad):
                (a,) = ctx.saved_tensors
                return grad * 2 * a
        x = leaf([3.0])
        (g,) = tl.autograd.grad(Once.apply(x).sum(), x, create_graph=True)
        assert g.item() == 6.0
        with pytest.raises(RuntimeError, match="once_differentiable"):
            tl.autograd.grad(g.sum(), x)


class TestVersionCounters:
    def test_every_inplace_op_bumps(self):
        x = tl.zeros(3)
        x.add_(1)
        x[0] = 2
        x.mul_(2)
        assert x._version == 3

    def test_views_share_the_counter(self):
        x = tl.zeros(4)
        v = x[1:3]
        v.add_(1)
        assert x._version == 1 and v._version == 1 and x.tolist() == [0, 1, 1, 0]

    def test_modified_saved_output_is_an_error_naming_both_sites(self):
        x = leaf([1.0, 2.0, 3.0])
        y = x.exp()
        with tl.no_grad():
            y.mul_(2)  # line of the mutation
        with pytest.raises(RuntimeError) as info:
            y.sum().backward()
        message = str(info.value)
        assert "modified by an inplace operation" in message and "output 0 of ExpBackward0" in message
        assert "is at version 1; expected version 0" in message and "test_autograd.py" in message

    def test_only_saved_tensors_count(self):
        x = leaf([1.0, 2.0])
        a = x * 1
        b = a + 1  # add saves nothing
        a.add_(1)
        b.sum().backward()
        p = x * 1
        q = p ** 2  # pow saves its input
        p.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            q.sum().backward()

    def test_detached_alias_shares_counter(self):
        x = leaf([1.0])
        y = x.exp()
        y.detach().add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


class TestInPlaceAndViews:
    def test_leaf_inplace_errors_before_changing_anything(self):
        x = leaf([1.0, 2.0])
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
            x.add_(1)
        assert x.tolist() == [1.0, 2.0] and x._version == 0
        with pytest.raises(RuntimeError, match="a view of a leaf Variable"):
            x[0:1].mul_(2)
        with tl.no_grad():
            x.add_(1)
        assert x.tolist() == [2.0, 3.0]

    @pytest.mark.parametrize("mutate, expected", [
        (lambda y, x: y[1:].mul_(10), [1.0, 10.0, 10.0]),
        (lambda y, x: y.__setitem__(0, 0.0), [0.0, 1.0, 1.0]),
        (lambda y, x: y.__setitem__(1, x[0] * 5), [6.0, 0.0, 1.0]),
    ])
    def test_inplace_on_view_of_non_leaf(self, mutate, expected):
        x = leaf([1.0, 2.0, 3.0])
        y = x.clone()
        mutate(y, x)
        y.sum().backward()
        assert x.grad.tolist() == expected

    def test_augmented_assignment_on_slice(self):
        x = leaf([1.0, 2.0, 3.0])
        y = x.clone()
        y[1:] *= 10
        y.sum().backward()
        assert x.grad.tolist() == [1.0, 10.0, 10.0]

    def test_setitem_makes_plain_tensor_require_grad(self):
        x = leaf([2.0])
        y = tl.zeros(3)
        y[1] = x[0] * 3
        assert y.requires_grad
        y.sum().backward()
        assert x.grad.tolist() == [3.0]

    def test_inplace_on_base_updates_existing_view(self):
        x = leaf([1.0, 2.0])
        y = x * 1
        v = y[:1]
        y.mul_(3)
        v.sum().backward()
        assert x.grad.tolist() == [3.0, 0.0]

    def test_repeated_indices_accumulate_but_setitem_is_last_write(self):
        x = leaf([1.0, 2.0, 3.0])
        x[[0, 0, 2]].sum().backward()
        assert x.grad.tolist() == [2.0, 0.0, 1.0]
        y = tl.zeros(3)
        y[[0, 0]] = tl.tensor([1.0, 2.0])
        assert y.tolist() == [2.0, 0.0, 0.0]
        z = tl.zeros(3)
        z.index_put_((tl.tensor([0, 0]),), tl.tensor([1.0, 2.0]), accumulate=True)
        assert z.tolist() == [3.0, 0.0, 0.0]

    def test_multi_view_outputs_cannot_be_modified(self):
        x = leaf([1.0, 2.0, 3.0]).clone()
        with pytest.raises(RuntimeError, match="Output 0 of SplitBackward0 is a view and is being modified inplace"):
            x.split(2)[0].mul_(2)

    def test_expanded_tensor_cannot_be_written(self):
        with pytest.raises(RuntimeError, match="more than one element of the written-to tensor refers to a single memory location"):
            tl.ones(3, 1).expand(3, 4).add_(1)

    def test_inplace_shape_must_not_change(self):
        with pytest.raises(RuntimeError, match=r"output with shape \[3\] doesn't match the broadcast shape \[2, 3\]"):
            tl.zeros(3).add_(tl.ones(2, 3))

    def test_inplace_with_grad_requiring_operand(self):
        a = leaf([1.0, 2.0])
        b = leaf([3.0, 4.0])
        y = a * 1
        y.mul_(b)
        y.sum().backward()
        assert a.grad.tolist() == [3.0, 4.0] and b.grad.tolist() == [1.0, 2.0]


class TestAnomalyMode:
    def test_backward_nan_names_the_op_and_creation_line(self):
        x = leaf([0.0])
        with tl.autograd.detect_anomaly():
            y = (x * 0).sqrt()  # creation line
            with pytest.raises(RuntimeError) as info:
                (y * 0 + y).sum().backward()
        message = str(info.value)
        assert "returned nan values" in message or "nan or inf" in message
        assert "test_autograd.py" in message

    def test_forward_inf_raises(self):
        with tl.autograd.detect_anomaly():
            with pytest.raises(RuntimeError, match="Function 'LogBackward0' produced nan or inf"):
                tl.log(leaf([0.0]))

    def test_set_detect_anomaly_toggle(self):
        tl.autograd.set_detect_anomaly(True)
        try:
            assert tl.autograd.is_anomaly_enabled()
        finally:
            tl.autograd.set_detect_anomaly(False)
        assert not tl.autograd.is_anomaly_enabled()


def test_grad_mode_is_per_thread():
    import threading
    seen = {}

    def worker():
        seen["enabled"] = tl.is_grad_enabled()
        seen["records"] = (leaf([1.0]) * 2).requires_grad
    with tl.no_grad():
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
        assert not tl.is_grad_enabled()
    assert seen == {"enabled": True, "records": True}


def test_backward_from_an_integer_result_says_why():
    with pytest.raises(RuntimeError, match="integer and bool results .* are not differentiable"):
        leaf([1.0, 2.0]).argmax().backward()


def test_mark_dirty_refuses_in_place_functions():
    class InPlace(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, grad):
            return grad
    with pytest.raises(NotImplementedError, match="modify their inputs in place are not supported"):
        InPlace.apply(leaf([1.0]) * 1)


@pytest.mark.parametrize("op", [
    lambda x, index: x.gather(0, index),
    lambda x, index: F.max_pool2d(x.reshape(1, 1, 2, 2), 2),
    lambda x, index: x.max(0),
    lambda x, index: x.to("cpu", copy=True),
])
def test_an_op_under_no_grad_keeps_nothing_alive(op):
    """Under no_grad the primitives share one ctx: what a forward stores on it for a backward
    that will never run (an index tensor, pooling indices, the input) must not outlive the call
    (it would pin a device buffer until the next call of the same op)."""
    x, index = tl.tensor([1.0, 4.0, 2.0, 3.0]), tl.tensor([3, 0])
    with tl.no_grad():
        results = op(x, index)
        refs = [weakref.ref(t) for t in (x, index, *(results if isinstance(results, tuple) else (results,)))]
        del x, index, results
    gc.collect()
    assert [r() for r in refs] == [None] * len(refs)
    # the shared ctx itself: pooling's and max's index tensors are not results
    assert not any(isinstance(v, tl.Tensor) for v in vars(_NO_GRAD_CTX).values())
