"""The optimizers: PyTorch's update rules, state keys and defaults."""
from __future__ import annotations

from .. import dtypes as _dt
from ..ops.creation import full_like, zeros, zeros_like
from ..ops.elementwise import where
from ..ops.optim_steps import adam_step_
from .optimizer import Optimizer, required


def _check(name, value, low=0.0):
    if value < low:
        raise ValueError(f"Invalid {name}: {value}")


def _new_step(param):
    """A parameter's step count: a 0-dim float32 tensor on the parameter's device (PyTorch's
    state["step"]), advanced there: a step never reads it back to the host."""
    return zeros((), dtype=_dt.float32, device=param.device)


def _step_tensor(state, param):
    """state["step"], on the parameter's device (a loaded state dict may have put it on
    another device: it moves once)."""
    step = state.get("step")
    if step is None:
        step = state["step"] = _new_step(param)
    elif step.device is not param.device:
        step = state["step"] = step.to(param.device)
    return step


def _step_count(state, param):
    """state["step"] + 1, in place on the parameter's device; returns the step tensor."""
    return _step_tensor(state, param).add_(1)


class SGD(Optimizer):
    """d = g + wd p; with momentum buf = d (first step) or mu buf + (1 - dampening) d, then
    d = d + mu buf (nesterov) or buf; p -= lr d.

    Shapes: each parameter's state (momentum_buffer) has the parameter's shape.

    Example:
    >>> w = nn.Parameter(tl.tensor([1., 2.]))
    >>> opt = tl.optim.SGD([w], lr=0.1, momentum=0.9)
    >>> for _ in range(2):
    ...     opt.zero_grad()
    ...     (w ** 2).sum().backward()
    ...     opt.step()
    >>> w
    Parameter containing:
    tensor([0.4600, 0.9200], requires_grad=True)
    """

    def __init__(self, params=None, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False):
        if lr is not required:
            _check("learning rate", lr)
        _check("momentum value", momentum)
        _check("weight_decay value", weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov, maximize=maximize))

    def _update(self, group, p, grad, state):
        d = grad + group["weight_decay"] * p if group["weight_decay"] else grad
        momentum = group["momentum"]
        if momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = d.clone()
            else:
                buf.mul_(momentum).add_(d, alpha=1 - group["dampening"])
            d = d + momentum * buf if group["nesterov"] else buf
        p.add_(d, alpha=-group["lr"])


class Adam(Optimizer):
    """Adam with bias correction: p -= lr * m_hat / (sqrt(v_hat) + eps). weight_decay is L2 added
    to the gradient (AdamW decouples it). State: step (a tensor), exp_avg, exp_avg_sq
    (and max_exp_avg_sq with amsgrad).

    Shapes: exp_avg and exp_avg_sq have the parameter's shape; step is a 0-dim tensor.

    Example:
    >>> w = nn.Parameter(tl.tensor([1., -2.]))
    >>> opt = tl.optim.Adam([w], lr=0.1)
    >>> (w ** 2).sum().backward()
    >>> opt.step()
    >>> w
    Parameter containing:
    tensor([ 0.9000, -1.9000], requires_grad=True)
    >>> sorted(opt.state[w])
    ['exp_avg', 'exp_avg_sq', 'step']
    """

    def __init__(self, params=None, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, maximize: bool = False,
                 decoupled_weight_decay: bool = False):
        _check("learning rate", lr)
        _check("epsilon value", eps)
        for i, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
        _check("weight_decay value", weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def _update(self, group, p, grad, state):
        if not state:
            state["step"] = _new_step(p)
            state["exp_avg"] = zeros_like(p)
            state["exp_avg_sq"] = zeros_like(p)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = zeros_like(p)
        step = _step_tensor(state, p)  # adam_step_ counts it
        beta1, beta2 = group["betas"]
        if grad.device is not p.device:
            grad = grad.to(p.device)
        adam_step_(p, grad, state["exp_avg"], state["exp_avg_sq"],
                   state["max_exp_avg_sq"] if group["amsgrad"] else None, step, lr=group["lr"],
                   beta1=beta1, beta2=beta2, eps=group["eps"], weight_decay=group["weight_decay"],
                   decoupled_weight_decay=group["decoupled_weight_decay"])


class AdamW(Adam):
    """Adam with decoupled weight decay: p *= 1 - lr * wd before the Adam step (default wd 0.01).

    Example:
    >>> w = nn.Parameter(tl.tensor([1., -2.]))
    >>> opt = tl.optim.AdamW([w], lr=0.1, weight_decay=0.5)
    >>> (w ** 2).sum().backward()
    >>> opt.step()
    >>> w
    Parameter containing:
    tensor([ 0.8500, -1.8000], requires_grad=True)
    """

    def __init__(self, params=None, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)


class RMSprop(Optimizer):
    """square_avg = alpha sq + (1 - alpha) g^2; p -= lr g / (sqrt(square_avg (- grad_avg^2 if
    centered)) + eps), through a momentum buffer when momentum > 0.

    Example:
    >>> w = nn.Parameter(tl.tensor([1., -2.]))
    >>> opt = tl.optim.RMSprop([w], lr=0.01)
    >>> (w ** 2).sum().backward()
    >>> opt.step()
    >>> w
    Parameter containing:
    tensor([ 0.9000, -1.9000], requires_grad=True)
    """

    def __init__(self, params=None, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False, *,
                 maximize: bool = False):
        _check("learning rate", lr)
        _check("epsilon value", eps)
        _check("momentum value", momentum)
        _check("alpha value", alpha)
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered, maximize=maximize))

    def _update(self, group, p, grad, state):
        if not state:
            state["step"] = _new_step(p)
            state["square_avg"] = zeros_like(p)
            if group["momentum"] > 0:
                state["momentum_buffer"] = zeros_like(p)
            if group["centered"]:
                state["grad_avg"] = zeros_like(p)
        _step_count(state, p)
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * p
        alpha = group["alpha"]
        square_avg = state["square_avg"].mul_(alpha).add_(grad * grad, alpha=1 - alpha)
        if group["centered"]:
            grad_avg = state["grad_avg"].mul_(alpha).add_(grad, alpha=1 - alpha)
            avg = (square_avg - grad_avg * grad_avg).sqrt() + group["eps"]
        else:
            avg = square_avg.sqrt() + group["eps"]
        if group["momentum"] > 0:
            buf = state["momentum_buffer"].mul_(group["momentum"]).add_(grad / avg)
            p.add_(buf, alpha=-group["lr"])
        else:
            p.add_(grad / avg, alpha=-group["lr"])


class Adagrad(Optimizer):
    """sum += g^2; p -= clr g / (sqrt(sum) + eps), clr = lr / (1 + (step - 1) lr_decay).

    Example:
    >>> w = nn.Parameter(tl.tensor([1., -2.]))
    >>> opt = tl.optim.Adagrad([w], lr=0.5)
    >>> (w ** 2).sum().backward()
    >>> opt.step()
    >>> w
    Parameter containing:
    tensor([ 0.5000, -1.5000], requires_grad=True)
    """

    def __init__(self, params=None, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, *, maximize: bool = False):
        _check("learning rate", lr)
        _check("lr_decay value", lr_decay)
        _check("initial_accumulator_value", initial_accumulator_value)
        _check("epsilon value", eps)
        _check("weight_decay value", weight_decay)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, eps=eps,
                                      maximize=maximize))
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                state["step"] = _new_step(p)
                state["sum"] = zeros_like(p).fill_(group["initial_accumulator_value"])

    def _update(self, group, p, grad, state):
        step = _step_count(state, p)
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * p
        state["sum"].add_(grad * grad)
        update = grad / (state["sum"].sqrt() + group["eps"])
        if group["lr_decay"]:  # the decayed rate lr / (1 + (t - 1) lr_decay), from t on the device
            # in float64 on the CPU, as the host math of earlier versions (same bits there)
            t = step.to(_dt.float64 if p.device.type == "cpu" else p.dtype)
            rate = full_like(t, group["lr"]) / ((t - 1) * group["lr_decay"] + 1)
            p.sub_(update * rate.to(p.dtype))
        else:
            p.add_(update, alpha=-group["lr"])


def _check_betas(betas):
    for i, beta in enumerate(betas):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta}")


def _scalar_math(step, p):
    """The step count in the dtype for per-step scalars (bias corrections, NAdam's mu, RAdam's
    rho_t): float64 on the CPU, like PyTorch's host math there; the parameter's dtype on other
    devices. A 0-dim tensor on the parameter's device: nothing is read back."""
    return step.to(_dt.float64 if p.device.type == "cpu" else p.dtype)


def _decay(group, p, grad):
    """L2 (added to the gradient) or, with decoupled_weight_decay, p *= 1 - lr wd."""
    wd = group["weight_decay"]
    if not wd:
        return grad
    if group.get("decoupled_weight_decay"):
        p.mul_(1 - group["lr"] * wd)
        return grad
    return grad + wd * p


class Adadelta(Optimizer):
    """square_avg = rho sq + (1 - rho) g^2; delta = sqrt(acc_delta + eps) / sqrt(square_avg + eps) g;
    acc_delta = rho acc + (1 - rho) delta^2; p -= lr delta. State: step, square_avg, acc_delta.

    Shapes: square_avg and acc_delta have the parameter's shape; step is a 0-dim tensor.

    Example:
    >>> w = nn.Parameter(tl.tensor([1., -2.]))
    >>> opt = tl.optim.Adadelta([w], lr=1.0, eps=0.01)
    >>> (w ** 2).sum().backward()
    >>> opt.step()
    >>> w
    Parameter containing:
    tensor([ 0.6877, -1.6848], requires_grad=True)
    """

    def __init__(self, params=None, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, *, maximize: bool = False):
        _check("learning rate", lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        _check("epsilon value", eps)
        _check("weight_decay value", weight_decay)
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize))

    def _update(self, group, p, grad, state):
        if not state:
            state["step"] = _new_step(p)
            state["square_avg"] = zeros_like(p)
            state["acc_delta"] = zeros_like(p)
        _step_count(state, p)
        grad = _decay(group, p, grad)
        rho, eps = group["rho"], group["eps"]
        square_avg = state["square_avg"].mul_(rho).add_(grad * grad, alpha=1 - rho)
        delta = (state["acc_delta"] + eps).sqrt() / (square_avg + eps).sqrt() * grad
        state["acc_delta"].mul_(rho).add_(delta * delta, alpha=1 - rho)
        p.add_(delta, alpha=-group["lr"])


class Adamax(Optimizer):
    """Adam with the infinity norm: m = b1 m + (1 - b1) g, u = max(b2 u, |g| + eps),
    p -= lr / (1 - b1^t) m / u. State: step, exp_avg, exp_inf.

    Shapes: exp_avg and exp_inf have the parameter's shape; step is a 0-dim tensor.

    Example:
    >>> w = nn.Parameter(tl.tensor([1., -2.]))
    >>> opt = tl.optim.Adamax([w], lr=0.1)
    >>> (w ** 2).sum().backward()
    >>> opt.step()
    >>> w
    Parameter containing:
    tensor([ 0.9000, -1.9000], requires_grad=True)
    """

    def __init__(self, params=None, lr: float = 2e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, *, maximize: bool = False):
        _check("learning rate", lr)
        _check("epsilon value", eps)
        _check_betas(betas)
        _check("weight_decay value", weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      maximize=maximize))

    def _update(self, group, p, grad, state):
        if not state:
            state["step"] = _new_step(p)
            state["exp_avg"] = zeros_like(p)
            state["exp_inf"] = zeros_like(p)
        t = _scalar_math(_step_count(state, p), p)
        grad = _decay(group, p, grad)
        beta1, beta2 = group["betas"]
        exp_avg = state["exp_avg"].mul_(beta1).add_(grad, alpha=1 - beta1)
        exp_inf = state["exp_inf"]
        exp_inf.copy_((exp_inf * beta2).maximum(grad.abs() + group["eps"]))
        clr = group["lr"] / (1 - beta1 ** t)
        p.sub_(exp_avg / exp_inf * clr.to(p.dtype))


class NAdam(Optimizer):
    """Adam with Nesterov momentum and momentum decay: mu_t = b1 (1 - 0.5 * 0.96^(t psi)),
    psi = momentum_decay; with v_hat = v / (1 - b2^t) and P_t = mu_1 ... mu_t,
    p -= lr (1 - mu_t) / (1 - P_t) g / (sqrt(v_hat) + eps)
       + lr mu_{t+1} / (1 - P_t mu_{t+1}) m / (sqrt(v_hat) + eps).
    weight_decay is L2 unless decoupled_weight_decay (then p *= 1 - lr wd, as AdamW).
    State: step, mu_product (0-dim tensors, on the parameter's device), exp_avg, exp_avg_sq.

    Shapes: exp_avg and exp_avg_sq have the parameter's shape; step and mu_product are 0-dim.

    Example:
    >>> w = nn.Parameter(tl.tensor([1., -2.]))
    >>> opt = tl.optim.NAdam([w], lr=0.1)
    >>> (w ** 2).sum().backward()
    >>> opt.step()
    >>> w
    Parameter containing:
    tensor([ 0.8944, -1.8944], requires_grad=True)
    >>> sorted(opt.state[w])
    ['exp_avg', 'exp_avg_sq', 'mu_product', 'step']
    """

    def __init__(self, params=None, lr: float = 2e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, maximize: bool = False):
        _check("learning rate", lr)
        _check("epsilon value", eps)
        _check_betas(betas)
        _check("weight_decay value", weight_decay)
        _check("momentum_decay value", momentum_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize))

    def _update(self, group, p, grad, state):
        if not state:
            state["step"] = _new_step(p)
            # in the per-step scalars' dtype (PyTorch's is its default scalar dtype, float32
            # or float64, read back to the host for the coefficients)
            state["mu_product"] = _scalar_math(_new_step(p), p).add_(1)
            state["exp_avg"] = zeros_like(p)
            state["exp_avg_sq"] = zeros_like(p)
        t = _scalar_math(_step_count(state, p), p)
        mu_product = state["mu_product"]
        if mu_product.device is not p.device:
            mu_product = state["mu_product"] = mu_product.to(p.device)
        grad = _decay(group, p, grad)
        beta1, beta2, lr, psi = *group["betas"], group["lr"], group["momentum_decay"]
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * psi))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
        product = mu_product.mul_(mu.to(mu_product.dtype)).to(t.dtype)
        exp_avg = state["exp_avg"].mul_(beta1).add_(grad, alpha=1 - beta1)
        exp_avg_sq = state["exp_avg_sq"].mul_(beta2).add_(grad * grad, alpha=1 - beta2)
        denom = (exp_avg_sq / (1 - beta2 ** t).to(p.dtype)).sqrt() + group["eps"]
        grad_coef = lr * (1.0 - mu) / (1.0 - product)
        avg_coef = lr * mu_next / (1.0 - product * mu_next)
        p.sub_(grad / denom * grad_coef.to(p.dtype))
        p.sub_(exp_avg / denom * avg_coef.to(p.dtype))


class RAdam(Optimizer):
    """Rectified Adam: with rho_inf = 2 / (1 - b2) - 1 and
    rho_t = rho_inf - 2 t b2^t / (1 - b2^t), the step is the bias-corrected momentum
    m_hat = m / (1 - b1^t) scaled by lr r_t sqrt(1 - b2^t) / (sqrt(v) + eps) when rho_t > 5,
    r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t)), else by lr.
    The branch is a select on the device (rho_t never reaches the host). weight_decay is L2
    unless decoupled_weight_decay. State: step, exp_avg, exp_avg_sq.

    Shapes: exp_avg and exp_avg_sq have the parameter's shape; step is a 0-dim tensor.

    Example:
    >>> w = nn.Parameter(tl.tensor([1., -2.]))
    >>> opt = tl.optim.RAdam([w], lr=0.1)
    >>> (w ** 2).sum().backward()
    >>> opt.step()
    >>> w
    Parameter containing:
    tensor([ 0.8000, -1.6000], requires_grad=True)
    """

    def __init__(self, params=None, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 maximize: bool = False):
        _check("learning rate", lr)
        _check("epsilon value", eps)
        _check_betas(betas)
        _check("weight_decay value", weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize))

    def _update(self, group, p, grad, state):
        if not state:
            state["step"] = _new_step(p)
            state["exp_avg"] = zeros_like(p)
            state["exp_avg_sq"] = zeros_like(p)
        t = _scalar_math(_step_count(state, p), p)
        grad = _decay(group, p, grad)
        beta1, beta2 = group["betas"]
        exp_avg = state["exp_avg"].mul_(beta1).add_(grad, alpha=1 - beta1)
        exp_avg_sq = state["exp_avg_sq"].mul_(beta2).add_(grad * grad, alpha=1 - beta2)
        bias2 = 1 - beta2 ** t
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * t * beta2 ** t / bias2
        rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)).sqrt()
        m_hat = exp_avg * (group["lr"] / (1 - beta1 ** t)).to(p.dtype)
        adaptive = (rect * bias2.sqrt()).to(p.dtype) / (exp_avg_sq.sqrt() + group["eps"])
        # rho_t <= 5: rect is NaN for 2 < rho_t < 4; the select drops it
        p.sub_(m_hat * where(rho_t > 5, adaptive, 1.0))


class Rprop(Optimizer):
    """Resilient backpropagation: per element, s = sign(g prev); step_size *= etaplus (s > 0),
    etaminus (s < 0) or 1 (s = 0), clamped to step_sizes; where s < 0 the gradient is taken as 0;
    p -= sign(g) step_size; prev = g. State: step, prev, step_size (the latter start at lr).

    Shapes: prev and step_size have the parameter's shape; step is a 0-dim tensor.

    Example:
    >>> w = nn.Parameter(tl.tensor([1., -2.]))
    >>> opt = tl.optim.Rprop([w], lr=0.1)
    >>> for _ in range(2):
    ...     opt.zero_grad()
    ...     (w ** 2).sum().backward()
    ...     opt.step()
    >>> w
    Parameter containing:
    tensor([ 0.7800, -1.7800], requires_grad=True)
    >>> sorted(opt.state[w])
    ['prev', 'step', 'step_size']
    """

    def __init__(self, params=None, lr: float = 1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable: bool = False, foreach=None, maximize: bool = False,
                 differentiable: bool = False):
        _check("learning rate", lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        super().__init__(params, dict(lr=lr, etas=tuple(etas), step_sizes=tuple(step_sizes),
                                      foreach=foreach, maximize=maximize,
                                      differentiable=differentiable, capturable=capturable))

    def _update(self, group, p, grad, state):
        if not state:
            state["step"] = _new_step(p)
            state["prev"] = zeros_like(p)
            state["step_size"] = full_like(grad, group["lr"])
        _step_count(state, p)
        etaminus, etaplus = group["etas"]
        low, high = group["step_sizes"]
        s = (grad * state["prev"]).sign()
        # a NaN product keeps its NaN factor, as PyTorch's masked assignments do
        factor = where(s > 0, etaplus, where(s < 0, etaminus, where(s == 0, 1.0, s)))
        step_size = state["step_size"].mul_(factor).clamp_(low, high)
        grad = where(factor == etaminus, 0.0, grad)
        p.sub_(grad.sign() * step_size)
        state["prev"].copy_(grad)


class ASGD(Optimizer):
    """Averaged SGD: p *= 1 - lambd eta; p -= eta g; ax += (p - ax) mu (ax = p while mu = 1);
    then eta = lr / (1 + lambd lr t)^alpha and mu = 1 / max(1, t - t0) for the next step.
    eta and mu are 0-dim tensors (float32, float64 under a float64 default dtype, as PyTorch's)
    computed on the parameter's device (nothing is read back). State: step, eta, mu, ax (ax is the running average of the parameter).

    Shapes: ax has the parameter's shape; step, eta and mu are 0-dim.

    Example:
    >>> w = nn.Parameter(tl.tensor([1., -2.]))
    >>> opt = tl.optim.ASGD([w], lr=0.1, t0=0)
    >>> for _ in range(3):
    ...     opt.zero_grad()
    ...     (w ** 2).sum().backward()
    ...     opt.step()
    >>> w
    Parameter containing:
    tensor([ 0.5120, -1.0240], requires_grad=True)
    >>> opt.state[w]["ax"]
    tensor([ 0.5760, -1.1520])
    """

    def __init__(self, params=None, lr: float = 1e-2, lambd: float = 1e-4, alpha: float = 0.75,
                 t0: float = 1e6, weight_decay: float = 0, foreach=None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False):
        _check("learning rate", lr)
        _check("weight_decay value", weight_decay)
        super().__init__(params, dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0,
                                      weight_decay=weight_decay, foreach=foreach, maximize=maximize,
                                      differentiable=differentiable, capturable=capturable))

    def _update(self, group, p, grad, state):
        if not state:
            state["step"] = _new_step(p)
            scalar = _dt.float64 if _dt.get_default_dtype() is _dt.float64 else _dt.float32
            state["eta"] = full_like(state["step"], group["lr"], dtype=scalar)
            state["mu"] = full_like(state["step"], 1.0, dtype=scalar)
            state["ax"] = zeros_like(p)
        t = _scalar_math(_step_count(state, p), p)
        lr, lambd = group["lr"], group["lambd"]
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * p
        eta = _scalar_math(state["eta"], p)
        p.mul_((1 - lambd * eta).to(p.dtype))
        p.sub_(grad * eta.to(p.dtype))
        ax, mu = state["ax"], state["mu"]
        # mu = 1 (before t0): a copy, not ax + (p - ax), which can round differently
        ax.copy_(where(mu == 1, p, ax + (p - ax) * mu.to(p.dtype)))
        state["eta"].copy_(lr / (1 + lambd * lr * t) ** group["alpha"])
        mu.copy_(1 / (t - group["t0"]).clamp(min=1))
