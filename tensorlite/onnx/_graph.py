"""The ONNX graph under construction: value names for traced tensors, nodes, initializers."""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor

__all__ = ["ExportError", "Graph", "host"]


class ExportError(RuntimeError):
    """A model (or one of its ops) that tl.onnx.export cannot convert."""


def host(t: Tensor) -> np.ndarray:
    """A tensor's values on the host (parameters of an OpenCL model are read back)."""
    return np.ascontiguousarray(t.detach().cpu().numpy())


def np_dtype(t: Tensor) -> np.dtype:
    return t.dtype.numpy


def _onnx():
    """The onnx package, imported on first use: ``import tensorlite`` does not need it."""
    import onnx
    import onnx.numpy_helper

    return onnx


class Graph:
    """Names of the traced tensors (``bind``/``name``), nodes (``node``) and initializers.
    ``params``: id(tensor) -> its name in named_parameters/named_buffers; a tensor that is no
    parameter and no traced value becomes a constant initializer (``constants`` keeps them, so
    the exporter can check they do not depend on the input)."""

    def __init__(self, params: dict, opset: int):
        self.params = params
        self.opset = opset
        self.names = {}
        self.nodes = []
        self.initializers = {}
        self.constants = []
        self.constant_sites = {}
        self.site = ""
        self.unavailable = {}   # id(tensor) -> where: outputs the conversion does not produce
        self._count = 0

    def fresh(self, hint: str) -> str:
        self._count += 1
        return f"{hint}_{self._count}"

    def bind(self, t: Tensor, name: str) -> None:
        self.names[id(t)] = name

    def name(self, t: Tensor) -> str:
        """The ONNX value holding ``t``: a traced value, a parameter's initializer (named as in
        named_parameters), or a new constant initializer."""
        known = self.names.get(id(t))
        if known is not None:
            return known
        if id(t) in self.unavailable:
            raise ExportError(f"tl.onnx.export: an output of {self.unavailable[id(t)]} is used but has "
                              "no ONNX equivalent (max pooling's indices)")
        param = self.params.get(id(t))
        name = param if param is not None else self.fresh("constant")
        if name not in self.initializers:
            self.initializers[name] = _onnx().numpy_helper.from_array(host(t), name)
        if param is None:
            self.constants.append((name, t))
            self.constant_sites[name] = self.site
        self.names[id(t)] = name
        return name

    def const(self, value, dtype) -> str:
        """A constant initializer holding ``value`` as ``dtype`` (numpy dtype)."""
        name = self.fresh("const")
        self.initializers[name] = _onnx().numpy_helper.from_array(np.asarray(value, dtype=dtype), name)
        return name

    def ints(self, values) -> str:
        """A 1-D int64 constant (shapes, axes, pads)."""
        return self.const(list(values), np.int64)

    def operand(self, value, dtype) -> str:
        """A Tensor's value, or a Python number as a constant of ``dtype``."""
        if isinstance(value, Tensor):
            name = self.name(value)
            return name if np_dtype(value) == dtype else self.cast(name, dtype)
        return self.const(value, dtype)

    def cast(self, name: str, dtype) -> str:
        return self.node("Cast", [name], to=_onnx().helper.np_dtype_to_tensor_dtype(np.dtype(dtype)))

    def node(self, op_type: str, inputs, outputs: int = 1, **attrs):
        """Append a node; returns its output name (a list when ``outputs`` > 1)."""
        names = [self.fresh(op_type.lower()) for _ in range(outputs)]
        self.nodes.append(_onnx().helper.make_node(op_type, list(inputs), names, name=self.fresh(op_type), **attrs))
        return names if outputs > 1 else names[0]

    def reduce(self, op_type: str, x: str, axes, keepdims: bool) -> str:
        """A Reduce* node: axes as an input where the opset takes them so (ReduceSum from 13,
        the others from 18), else as an attribute."""
        axes = [int(a) for a in axes]
        if op_type == "ReduceSum" or self.opset >= 18:
            return self.node(op_type, [x, self.ints(axes)], keepdims=int(keepdims))
        return self.node(op_type, [x], axes=axes, keepdims=int(keepdims))

    def value_info(self, name: str, t: Tensor, dims):
        return _onnx().helper.make_tensor_value_info(name, _onnx().helper.np_dtype_to_tensor_dtype(np_dtype(t)), dims)
