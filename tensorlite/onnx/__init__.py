"""ONNX export: ``tl.onnx.export(model, example_input, path)`` traces the model's ops and writes
them as an ONNX graph (opset 17+) with the ``onnx`` package (``pip install tensorlite[onnx]``).

Example:
>>> "Conv2d" in tl.onnx.supported_ops() and "MatMul" in tl.onnx.supported_ops()
True
"""
from ._convert import ExportError, MODULES as _MODULES, OPS as _OPS
from .exporter import export

__all__ = ["export", "ExportError", "supported_ops"]


def supported_ops() -> list:
    """The ops (table rows by their public name, other primitives by their Function class) and the
    modules converted as a whole that ``export`` supports; any graph of them exports.

    Example:
    >>> "relu" in tl.onnx.supported_ops()
    True
    """
    return sorted(_OPS) + sorted(_MODULES)
