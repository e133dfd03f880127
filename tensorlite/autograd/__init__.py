"""Reverse-mode automatic differentiation: Function, backward/grad, grad modes, anomaly mode,
gradient checking and the functional API (jacobian, hessian, vjp, jvp, hvp, vhp).

Layers, each importing only those below it: grad_mode; function (Function, the graph nodes;
imports tensorlite.tensor); engine (imports the gradient ops of tensorlite.ops); api
(backward, grad); functional and gradient_check (clients of api). The op modules use only
grad_mode and function; tensorlite.tensor, below them all, imports nothing from here.
"""
from .grad_mode import (detect_anomaly, enable_grad, inference_mode, is_anomaly_enabled, is_grad_enabled,
                        is_inference_mode_enabled, no_grad, set_detect_anomaly, set_grad_enabled)
from .function import Function, once_differentiable
from .api import backward, grad
from .engine import queue_callback
from . import functional
from .gradient_check import GradcheckError, gradcheck, gradgradcheck
from .variable import Variable

__all__ = ["Function", "once_differentiable", "backward", "grad", "no_grad", "enable_grad",
           "set_grad_enabled", "inference_mode", "is_grad_enabled", "is_inference_mode_enabled",
           "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "gradcheck", "gradgradcheck",
           "GradcheckError", "functional", "queue_callback", "Variable"]

