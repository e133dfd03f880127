"""gradcheck / gradgradcheck as a product feature, and the public tensorlite.testing helpers."""
import pytest
from hypothesis import given

import tensorlite as tl
from tensorlite.autograd import Function, GradcheckError, gradcheck, gradgradcheck
from tensorlite.testing import KinkError, check_backward, check_double_backward
from tensorlite.testing.strategies import broadcastable_shapes, index_expressions, tensors, valid_dims


def x64(*shape):
    return tl.randn(shape, dtype=tl.float64, requires_grad=True)


class WrongSquare(Function):
    """x**2 with a deliberately wrong backward (3x instead of 2x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x


class NoisyBackward(Function):
    calls = 0

    @staticmethod
    def forward(ctx, x):
        return x * 1

    @staticmethod
    def backward(ctx, grad):
        NoisyBackward.calls += 1
        return grad * (1 + 1e-3 * NoisyBackward.calls)


class TestGradcheck:
    def test_passes_on_correct_gradients(self):
        tl.manual_seed(0)
        a, b = x64(3, 2), x64(2)
        assert gradcheck(lambda p, q: (p * q).tanh().sum(-1), (a, b))
        assert gradcheck(lambda p: p.logsumexp(0), (a,), fast_mode=True)

    def test_failure_names_input_output_and_entries(self):
        with pytest.raises(GradcheckError) as info:
            gradcheck(WrongSquare.apply, (x64(3),))
        message = str(info.value)
        assert "Jacobian mismatch for output 0 with respect to input 0" in message
        assert "numerical:" in message and "analytical:" in message and "worst element" in message
        assert isinstance(info.value, RuntimeError)

    def test_raise_exception_false_returns_false(self):
        assert gradcheck(WrongSquare.apply, (x64(3),), raise_exception=False) is False

    def test_fast_mode_catches_and_reports_slowly(self):
        with pytest.raises(GradcheckError, match="Jacobian mismatch"):
            gradcheck(WrongSquare.apply, (x64(4),), fast_mode=True)

    def test_float32_inputs_warn(self):
        x = tl.randn(3, requires_grad=True)
        with pytest.warns(UserWarning, match="Input #0 requires gradient and is not a double precision"):
            gradcheck(lambda t: t * 2, (x,), atol=1e-2, rtol=1e-2, raise_exception=False)

    def test_nondeterministic_backward_is_reported(self):
        with pytest.raises(GradcheckError, match="Backward is not reentrant"):
            gradcheck(NoisyBackward.apply, (x64(2),), atol=1e-1, rtol=1e-1)
        assert gradcheck(NoisyBackward.apply, (x64(2),), atol=1e-1, rtol=1e-1, nondet_tol=1.0)

    def test_extra_checks(self):
        x = x64(3)
        assert gradcheck(lambda t: t.sin(), (x,), check_grad_dtypes=True, check_batched_grad=True)

    def test_forward_ad_is_not_available(self):
        with pytest.raises(NotImplementedError, match="reverse-mode"):
            gradcheck(lambda t: t, (x64(2),), check_forward_ad=True)

    def test_gradgradcheck(self):
        x = x64(3)
        assert gradgradcheck(lambda t: (t ** 3).sum(), (x,))
        assert gradgradcheck(lambda t: t.sigmoid() * t, (x,), gen_non_contig_grad_outputs=True)

    def test_gradgradcheck_catches_a_wrong_second_derivative(self):
        class WrongDouble(Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x ** 3

            @staticmethod
            def backward(ctx, grad):
                (x,) = ctx.saved_tensors
                # right value, wrong graph: 3 * x.detach()**2 has no second derivative
                return grad * 3 * x.detach() ** 2
        x = x64(3)
        assert gradcheck(WrongDouble.apply, (x,))
        with pytest.raises(GradcheckError):
            gradgradcheck(WrongDouble.apply, (x,))


class TestCheckBackward:
    def test_accepts_correct_and_rejects_wrong_gradients(self):
        assert check_backward(lambda a, b: a * b + a.exp(), tl.randn(3), tl.randn(3), seed=1)
        with pytest.raises(AssertionError, match="gradient mismatch"):
            check_backward(WrongSquare.apply, tl.randn(4), seed=1)

    def test_unique_upstream_catches_misrouted_gradient(self):
        class Swapped(Function):
            """flip() whose backward forgets to flip back: with all-ones upstream it would pass."""

            @staticmethod
            def forward(ctx, x):
                return x.flip(0)

            @staticmethod
            def backward(ctx, grad):
                return grad
        with pytest.raises(AssertionError):
            check_backward(Swapped.apply, tl.tensor([1.0, 2.0, 3.0]), seed=0)

    def test_kink_is_resampled_away(self):
        assert check_backward(lambda t: t.abs(), tl.tensor([0.0, 1.0]), seed=0)

    def test_persistent_kink_raises(self):
        with pytest.raises(KinkError):
            check_backward(lambda t: t.abs(), tl.tensor([0.0, 1.0]), seed=0, resample=0)

    def test_double_backward(self):
        assert check_double_backward(lambda t: (t ** 3).sin(), tl.randn(3), seed=0)

    @given(tensors(shape=(2, 3)))
    def test_strategy_values_and_dtype(self, x):
        assert x.shape == (2, 3) and x.dtype is tl.float64
        assert bool((x.abs() <= 3).all())

    @given(broadcastable_shapes(3))
    def test_broadcastable_shapes_broadcast(self, shapes):
        a, b, c = (tl.zeros(s) for s in shapes)
        assert (a + b + c).ndim == max(len(s) for s in shapes)

    @given(valid_dims(3))
    def test_valid_dims_are_accepted(self, dim):
        tl.zeros(2, 3, 4).sum(dim)

    @given(index_expressions((4, 3)))
    def test_index_expressions_index(self, key):
        tl.zeros(4, 3)[key]


class TestFunctional:
    def test_jacobian(self):
        x = tl.tensor([1.0, 2.0])
        jac = tl.autograd.functional.jacobian(lambda t: t ** 2, x)
        assert jac.tolist() == [[2.0, 0.0], [0.0, 4.0]]
        ja, jb = tl.autograd.functional.jacobian(lambda a, b: a * b, (x, tl.tensor([3.0, 4.0])))
        assert ja.tolist() == [[3.0, 0.0], [0.0, 4.0]] and jb.tolist() == [[1.0, 0.0], [0.0, 2.0]]

    def test_hessian(self):
        h = tl.autograd.functional.hessian(lambda t: (t ** 3).sum(), tl.tensor([1.0, 2.0], dtype=tl.float64))
        assert h.tolist() == [[6.0, 0.0], [0.0, 12.0]]

    def test_vjp_jvp_hvp(self):
        x = tl.tensor([1.0, 2.0])
        out, vjp = tl.autograd.functional.vjp(lambda t: t ** 2, x, tl.tensor([1.0, 1.0]))
        assert out.tolist() == [1.0, 4.0] and vjp.tolist() == [2.0, 4.0]
        out, jvp = tl.autograd.functional.jvp(lambda t: t ** 2, x, tl.tensor([1.0, 0.0]))
        assert jvp.tolist() == [2.0, 0.0]
        out, hvp = tl.autograd.functional.hvp(lambda t: (t ** 3).sum(), x, tl.tensor([1.0, 1.0]))
        assert hvp.tolist() == [6.0, 12.0]
        out, vhp = tl.autograd.functional.vhp(lambda t: (t ** 3).sum(), x, tl.tensor([1.0, 0.0]))
        assert vhp.tolist() == [6.0, 0.0]


def test_opspec_helpers_catch_a_wrong_op():
    import numpy as np
    from hypothesis import given, settings, strategies as st
    from tensorlite.testing import OpSpec, check_op_forward, check_op_gradient, op_example, shapes

    good = OpSpec("square", lambda x: x * x, np.square, st.tuples(shapes()))
    bad = OpSpec("square_wrong_grad", WrongSquare.apply, np.square, st.tuples(shapes(min_dims=1)))

    def check(spec):
        @settings(max_examples=5, deadline=None)
        @given(st.data())
        def run(data):
            inputs, kwargs = data.draw(op_example(spec))
            check_op_forward(spec, inputs, kwargs)
            check_op_gradient(spec, inputs, kwargs)
        run()

    check(good)
    with pytest.raises(AssertionError, match="gradient mismatch"):
        check(bad)
