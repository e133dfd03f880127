"""A differentiable op written as two OpenCL kernels: SiLU (x * sigmoid(x)).

The forward and the backward kernel are plain OpenCL C; tensorlite.opencl.Kernel compiles them
once per device and dtype (T is float or double), and an autograd.Function ties them into the
graph. gradcheck compares the kernel's backward with central differences in float64.

Run: ``python examples/custom_opencl_kernel.py`` (needs an OpenCL device; PoCL is enough).
"""
import tensorlite as tl
from tensorlite.autograd import Function, gradcheck, once_differentiable

SOURCE = """
inline T sigmoid_(T x) { return x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x)); }

__kernel void silu_forward(__global T* out, __global const T* x, int n) {
    int i = get_global_id(0);
    if (i < n) out[i] = x[i] * sigmoid_(x[i]);
}

/* d/dx x s(x) = s(x) (1 + x (1 - s(x))) */
__kernel void silu_backward(__global T* grad_x, __global const T* grad, __global const T* x, int n) {
    int i = get_global_id(0);
    if (i < n) {
        T s = sigmoid_(x[i]);
        grad_x[i] = grad[i] * s * (1 + x[i] * (1 - s));
    }
}
"""
forward_kernel = tl.opencl.Kernel(SOURCE, "silu_forward")
backward_kernel = tl.opencl.Kernel(SOURCE, "silu_backward")


class SiLU(Function):
    """y = x * sigmoid(x) on an OpenCL device, by two hand-written kernels."""

    @staticmethod
    def forward(ctx, x):
        x = x.contiguous()
        ctx.save_for_backward(x)
        out = tl.empty_like(x)
        forward_kernel(x.numel(), out, x, x.numel())
        return out

    @staticmethod
    @once_differentiable  # the backward is a kernel, not tensor ops: no second derivative
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        grad = grad.contiguous()
        grad_x = tl.empty_like(x)
        backward_kernel(x.numel(), grad_x, grad, x, x.numel())
        return grad_x


def main() -> float:
    device = tl.device("opencl")
    x = tl.randn(4, 5, dtype=tl.float64, device=device, requires_grad=True)
    y = SiLU.apply(x)
    reference = x * tl.sigmoid(x)
    error = (y - reference).abs().max().item()
    print(f"{device}: max |kernel - composition| = {error:.2e}")
    print("gradcheck:", gradcheck(SiLU.apply, (x,)))
    return error


if __name__ == "__main__":
    main()
