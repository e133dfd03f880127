"""Reverse-mode automatic differentiation: Function, backward/grad, grad modes, anomaly mode,
gradient checking and the functional API (jacobian, hessian, vjp, jvp, hvp, vhp)."""
from .api import backward, grad
from .function import Function, once_differentiable
from . import functional
from .gradient_check import GradcheckError, gradcheck, gradgradcheck
from .grad_mode import (detect_anomaly, enable_grad, inference_mode, is_anomaly_enabled, is_grad_enabled,
                        no_grad, set_detect_anomaly, set_grad_enabled)

__all__ = ["Function", "once_differentiable", "backward", "grad", "no_grad", "enable_grad",
           "set_grad_enabled", "inference_mode", "is_grad_enabled", "detect_anomaly", "set_detect_anomaly",
           "is_anomaly_enabled", "gradcheck", "gradgradcheck", "GradcheckError", "functional"]

