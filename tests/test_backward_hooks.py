"""Module.register_full_backward_hook / register_full_backward_pre_hook (and the legacy
register_backward_hook): PyTorch's grad_input / grad_output tuples, replacements, handles,
ordering and error cases."""
import warnings

import pytest
from hypothesis import given, settings, strategies as st

import tensorlite as tl
from tensorlite import nn
from tensorlite.testing import check_backward, check_double_backward


class _Two(nn.Module):
    def forward(self, a, b, scale=1.0):
        return a * b * scale, a + b


def test_hooks_see_grad_input_and_grad_output_as_pytorch():
    module, log = _Two(), []
    module.register_full_backward_pre_hook(lambda m, go: log.append(("pre", go)))
    module.register_full_backward_hook(lambda m, gi, go: log.append(("full", gi, go)))
    a = tl.tensor([1., 2.], requires_grad=True)
    b = tl.tensor([3., 4.])
    x, y = module(a, b, 2.0)
    (x.sum() + 2 * y.sum()).backward()
    (kind, go), (_, gi, go_again) = log
    assert kind == "pre" and [g.tolist() for g in go] == [[1., 1.], [2., 2.]] and go_again is go
    assert gi[0].tolist() == [8., 10.] and gi[1].tolist() == [0., 0.] and gi[2] is None
    assert a.grad.tolist() == [8., 10.]
    log.clear()
    x, _ = module(a, b)
    x.sum().backward()
    assert log[0][1][1] is None  # an output that got no gradient


@settings(max_examples=15, deadline=None)
@given(scale_out=st.floats(-3, 3), scale_in=st.floats(-3, 3), batch=st.integers(1, 3))
def test_replacements_scale_what_flows_on(scale_out, scale_in, batch):
    tl.manual_seed(0)
    fc = nn.Linear(3, 2).double()
    x = tl.randn(batch, 3, dtype=tl.float64, requires_grad=True)
    plain_w = tl.autograd.grad(fc(x).sum(), fc.weight)[0]
    plain_x = tl.autograd.grad(fc(x).sum(), x)[0]
    fc.register_full_backward_pre_hook(lambda m, go: (go[0] * scale_out,))
    fc.register_full_backward_hook(lambda m, gi, go: (gi[0] * scale_in,))
    fc(x).sum().backward()
    assert tl.allclose(fc.weight.grad, plain_w * scale_out)
    assert tl.allclose(x.grad, plain_x * scale_out * scale_in)


def test_hooked_module_keeps_gradients_and_double_backward():
    tl.manual_seed(0)
    fc = nn.Linear(3, 2).double()
    fc.register_full_backward_hook(lambda m, gi, go: None)
    fc.register_full_backward_pre_hook(lambda m, go: None)
    check_backward(lambda x: fc(x).tanh(), tl.randn(2, 3, dtype=tl.float64))
    check_double_backward(lambda x: fc(x).tanh(), tl.randn(2, 3, dtype=tl.float64))


def test_handles_remove_and_prepend_orders():
    fc, order = nn.Linear(2, 2), []
    first = fc.register_full_backward_hook(lambda *a: order.append(1))
    fc.register_full_backward_hook(lambda *a: order.append(2), prepend=True)
    fc(tl.ones(1, 2, requires_grad=True)).sum().backward()
    assert order == [2, 1]
    first.remove()
    order.clear()
    fc(tl.ones(1, 2, requires_grad=True)).sum().backward()
    assert order == [2]
    with fc.register_full_backward_pre_hook(lambda *a: order.append(3)):
        pass
    fc(tl.ones(1, 2, requires_grad=True)).sum().backward()
    assert order == [2, 2]


def test_without_inputs_requiring_grad_the_hook_fires_at_the_outputs_and_warns():
    fc, seen = nn.Linear(2, 2), []
    fc.register_full_backward_hook(lambda m, gi, go: seen.append((gi, go[0].shape)))
    with pytest.warns(UserWarning, match="no inputs require gradients"):
        fc(tl.ones(1, 2)).sum().backward()
    assert seen == [((None,), (1, 2))]
    bad = nn.Linear(2, 2)
    bad.register_full_backward_hook(lambda m, gi, go: (tl.ones(1, 2),))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RuntimeError, match="no input requires gradient should always return None"):
            bad(tl.ones(1, 2)).sum().backward()


class _Dict(nn.Module):
    def forward(self, a):
        return {"x": a * 2}


def test_outputs_other_than_tensors_or_tuples_warn_and_skip_the_hooks():
    module, seen = _Dict(), []
    module.register_full_backward_hook(lambda *a: seen.append(a))
    with pytest.warns(UserWarning, match="module output should be a Tensor or a tuple of Tensors"):
        out = module(tl.ones(2, requires_grad=True))
    out["x"].sum().backward()
    assert seen == []


@pytest.mark.parametrize("register, result, error, message", [
    ("full", lambda gi: (gi[0], gi[0]), RuntimeError, "Backward hook returned an invalid number of grad_input, got 2, but expected 1"),
    ("pre", lambda go: (go[0], go[0]), RuntimeError, "Backward pre hook returned an invalid number of grad_output, got 2, but expected 1"),
    ("full", lambda gi: 5, TypeError, "must return None or a tuple of gradients, got int"),
    ("full", lambda gi: (tl.ones(3),), RuntimeError, "has changed the size of value"),
])
def test_bad_hook_results_raise(register, result, error, message):
    fc = nn.Linear(2, 2)
    if register == "full":
        fc.register_full_backward_hook(lambda m, gi, go: result(gi))
    else:
        fc.register_full_backward_pre_hook(lambda m, go: result(go))
    with pytest.raises(error, match=message):
        fc(tl.ones(1, 2, requires_grad=True)).sum().backward()


def test_legacy_and_full_hooks_do_not_mix():
    fc, seen = nn.Linear(2, 2), []
    fc.register_backward_hook(lambda m, gi, go: seen.append(go[0].shape))
    with pytest.raises(RuntimeError, match="Cannot use both regular backward hooks and full backward hooks"):
        fc.register_full_backward_hook(lambda *a: None)
    fc(tl.ones(1, 2, requires_grad=True)).sum().backward()
    assert seen == [(1, 2)]


def test_no_hooks_run_under_no_grad_or_for_outputs_without_grad():
    fc, seen = nn.Linear(2, 2), []
    fc.register_full_backward_hook(lambda *a: seen.append(a))
    with tl.no_grad():
        assert fc(tl.ones(1, 2)).requires_grad is False
    assert seen == []


class _Scaled(nn.Module):
    def forward(self, x, scale=1.0):
        if scale < 0:
            raise ValueError("negative scale")
        return x * scale


def test_forward_hooks_with_kwargs_and_prepend():
    module, log = _Scaled(), []
    module.register_forward_pre_hook(lambda m, a, kw: (a, {**kw, "scale": 3.0}), with_kwargs=True)
    module.register_forward_hook(lambda m, a, kw, out: log.append(("kwargs", kw, out.tolist())), with_kwargs=True)
    module.register_forward_hook(lambda m, a, out: log.append(("first", out.tolist())), prepend=True)
    assert module(tl.ones(1), scale=2.0).tolist() == [3.0]
    assert log == [("first", [3.0]), ("kwargs", {"scale": 3.0}, [3.0])]
    bad = _Scaled()
    bad.register_forward_pre_hook(lambda m, a, kw: 5, with_kwargs=True)
    with pytest.raises(RuntimeError, match=r"must return None or a tuple of \(new_args, new_kwargs\), but got 5"):
        bad(tl.ones(1))


def test_always_called_forward_hooks_run_when_forward_raises():
    module, seen = _Scaled(), []
    module.register_forward_hook(lambda m, a, out: seen.append(out), always_call=True)
    module.register_forward_hook(lambda m, a, out: seen.append("not always"))
    module.register_forward_hook(lambda m, a, out: 1 / 0, always_call=True)
    with pytest.warns(UserWarning, match="always_call=True.*silenced.*division by zero"):
        with pytest.raises(ValueError, match="negative scale"):
            module(tl.ones(1), scale=-1.0)
    assert seen == [None]


def test_global_module_hooks_run_for_every_module_before_its_own():
    from tensorlite.nn.modules.module import (register_module_forward_hook, register_module_forward_pre_hook,
                                              register_module_full_backward_hook,
                                              register_module_full_backward_pre_hook)
    log = []
    fc = nn.Linear(2, 1)
    fc.register_forward_hook(lambda m, a, out: log.append("own forward"))
    handles = [register_module_forward_pre_hook(lambda m, a: log.append(f"pre {type(m).__name__}")),
               register_module_forward_hook(lambda m, a, kw, out: log.append("global forward"), with_kwargs=True),
               register_module_full_backward_pre_hook(lambda m, go: (go[0] * 2,)),
               register_module_full_backward_hook(lambda m, gi, go: log.append("global backward"))]
    try:
        fc(tl.ones(1, 2, requires_grad=True)).sum().backward()
    finally:
        for handle in handles:
            handle.remove()
    assert log == ["pre Linear", "global forward", "own forward", "global backward"]
    assert fc.weight.grad.tolist() == [[2., 2.]]
    log.clear()
    fc(tl.ones(1, 2, requires_grad=True)).sum().backward()
    assert log == ["own forward"]


def test_grad_output_has_an_entry_per_top_level_output_none_for_non_tensors():
    gru, seen = nn.GRU(2, 3), []
    gru.register_full_backward_hook(lambda m, gi, go: seen.append([g is None for g in go]))
    packed = tl.nn.utils.rnn.pack_sequence([tl.ones(2, 2), tl.ones(1, 2)])
    out, h = gru(packed)
    with pytest.warns(UserWarning, match="no inputs require gradients"):
        h.sum().backward()
    assert seen == [[True, False]]  # the PackedSequence (a tuple, not a tensor), then h
