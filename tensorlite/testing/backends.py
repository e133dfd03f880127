"""Cross-backend checking: an op on the CPU and on another device gives the same values and
the same gradients."""
from __future__ import annotations

import numpy as np

from ..device import device as _device
from ..ops.creation import tensor
from ..tensor import Tensor

__all__ = ["check_backends_agree", "as_non_contiguous"]


def as_non_contiguous(x: Tensor) -> Tensor:
    """The same values in a transposed layout (a non-contiguous view) when x has 2+ dims."""
    if x.ndim < 2:
        return x
    return x.transpose(0, 1).contiguous().transpose(0, 1)


def _outputs(result):
    return list(result) if isinstance(result, (tuple, list)) else [result]


def check_backends_agree(fn, *inputs: Tensor, device="opencl", rtol: float = 1e-6,
                         atol: float = 1e-9, non_contiguous: bool = False) -> None:
    """Run ``fn`` on CPU copies of ``inputs`` and on copies on ``device``; assert equal values
    (to rtol/atol) and, for floating outputs, equal gradients of every floating input under
    the same upstream gradient.

    Example: ``check_backends_agree(lambda a, b: a @ b, tl.randn(2, 3), tl.randn(3, 4))``.
    """
    target = _device(device)
    cpu, other = [], []
    for x in inputs:
        host = x.detach().to("cpu")
        moved = host.to(target)
        if non_contiguous:
            moved = as_non_contiguous(moved)
        if host.is_floating_point():
            host, moved = host.requires_grad_(), moved.detach().requires_grad_()
        cpu.append(host)
        other.append(moved)
    expected, actual = _outputs(fn(*cpu)), _outputs(fn(*other))
    assert len(expected) == len(actual)
    total = None
    for k, (e, a) in enumerate(zip(expected, actual)):
        assert a.device == target, f"output {k} is on {a.device}, expected {target}"
        assert e.dtype == a.dtype and tuple(e.shape) == tuple(a.shape), \
            f"output {k}: {a.dtype}{tuple(a.shape)} on {target} vs {e.dtype}{tuple(e.shape)} on cpu"
        np.testing.assert_allclose(a.detach().cpu().numpy(), e.detach().numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"output {k} on {target} differs from cpu")
        if e.requires_grad and e.numel():
            # a fixed, element-unique upstream gradient, the same on both devices
            upstream = np.linspace(-1.0, 1.5, e.numel()).reshape(tuple(e.shape))
            g = tensor(upstream, dtype=e.dtype)
            term_cpu, term_other = (e * g).sum(), (a * g.to(target)).sum()
            total = (term_cpu, term_other) if total is None else \
                (total[0] + term_cpu, total[1] + term_other.to(total[1].device))
    if total is None:
        return
    total[0].backward()
    total[1].backward()
    for k, (c, o) in enumerate(zip(cpu, other)):
        if not c.requires_grad:
            continue
        if c.grad is None or o.grad is None:
            assert c.grad is None and o.grad is None, f"input {k}: a gradient on one device only"
            continue
        np.testing.assert_allclose(o.grad.cpu().numpy(), c.grad.numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"gradient of input {k} on {target} differs from cpu")
