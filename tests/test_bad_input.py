"""Bad input gives a clear error (PyTorch's exception type, a message naming the op and the
values at fault), raised before any state changes; inputs PyTorch accepts (0-dim tensors, empty
tensors, out-of-range Python ints with integer tensors) work instead of failing inside the
implementation. Runs on the default device, so the OpenCL pass covers that backend too."""
import inspect
import math
import re

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tensorlite as tl
import tensorlite.nn as nn
import tensorlite.nn.functional as F
from tensorlite.data import DataLoader
from tensorlite.testing import broadcastable_shapes, shapes, tensors

u8 = tl.uint8


def ones(*shape, dtype=tl.float32):
    return tl.ones(shape, dtype=dtype)


def half(*shape):
    """float16 lives on the CPU only (the OpenCL backend has no half kernels)."""
    return tl.ones(shape, dtype=tl.float16, device="cpu")


# (id, call, exception type, substrings the message must contain)
BAD_INPUT = [
    # accepted before, PyTorch raises
    ("lerp-end-not-a-tensor", lambda: tl.lerp(ones(2), [1.0, 2.0], 0.5), TypeError,
     ["lerp", "'end'", "must be Tensor", "list"]),
    ("linear-bias-size", lambda: F.linear(ones(2, 3), ones(4, 3), ones(5)), RuntimeError,
     ["linear", "[5]", "[2, 4]", "out_features=4"]),
    ("linear-1d-weight-with-bias", lambda: F.linear(ones(2, 3), ones(3), ones(1)), RuntimeError,
     ["linear", "mat2 must be a matrix, got 1-D tensor", "[3]"]),
    ("linear-1d-weight-0d-bias-3d-input", lambda: F.linear(ones(5, 2, 3), ones(3), tl.tensor(1.0)), RuntimeError,
     ["linear", "mat2 must be a matrix"]),
    ("linear-1d-input-weight-1d-bias", lambda: F.linear(ones(3), ones(3), ones(1)), RuntimeError,
     ["linear", "mat2 must be a matrix"]),
    ("linear-3d-weight", lambda: F.linear(ones(2, 3), ones(1, 4, 3)), RuntimeError,
     ["linear", "<= 2 dimensions", "3D"]),
    ("linear-bias-grows-output", lambda: F.linear(ones(2, 3), ones(4, 3), ones(1, 1, 4)), RuntimeError,
     ["linear", "[1, 1, 4]", "[2, 4]"]),
    ("flip-int-dims", lambda: tl.flip(ones(2, 3), 0), TypeError, ["flip", "'dims' must be tuple of ints", "int"]),
    ("flip-dims-keyword-int", lambda: ones(2, 3).flip(dims=0), TypeError, ["flip", "tuple of ints"]),
    ("index_put-int64-value-into-uint8", lambda: tl.index_put(ones(3, dtype=u8), (tl.tensor([0]),), tl.tensor(-1)),
     RuntimeError, ["index_put", "dtypes match", "uint8 for the destination", "int64 for the source"]),
    ("index_put_-float64-value-into-float32", lambda: ones(3).index_put_((tl.tensor([0]),), tl.tensor([1.0],
                                                                         dtype=tl.float64)),
     RuntimeError, ["index_put_", "dtypes match", "float64"]),
    ("einsum-repeated-size", lambda: tl.einsum("ii->i", ones(2, 3)), RuntimeError,
     ["einsum", "subscript i is repeated", "3 != 2"]),
    ("einsum-mismatched-j", lambda: tl.einsum("ij,jk->ik", ones(2, 3), ones(4, 5)), RuntimeError,
     ["einsum", "subscript j has size 4", "previously seen size 3"]),
    ("einsum-output-not-in-inputs", lambda: tl.einsum("ij->iz", ones(2, 3)), RuntimeError,
     ["einsum", "output subscript z does not appear"]),
    ("einsum-output-repeated", lambda: tl.einsum("ij->ii", ones(2, 3)), RuntimeError,
     ["einsum", "output subscript i appears more than once"]),
    ("einsum-ellipsis-mismatch", lambda: tl.einsum("...i,...i->...", ones(2, 3), ones(4, 3)), RuntimeError,
     ["einsum", "'...'", "size 4", "previously seen size 2"]),
    ("einsum-bad-subscript", lambda: tl.einsum("i1->i", ones(2, 3)), RuntimeError,
     ["einsum", "invalid subscript '1'"]),
    ("narrow-past-end", lambda: ones(5).narrow(0, 3, 4), RuntimeError,
     ["narrow", "start (3) + length (4) exceeds dimension size (5)"]),
    ("narrow-start-out-of-range", lambda: ones(5).narrow(0, 6, 0), IndexError,
     ["narrow", "start out of range", "[-5, 5]", "got 6"]),
    ("narrow-negative-length", lambda: ones(5).narrow(0, 1, -1), RuntimeError,
     ["narrow", "length must be non-negative"]),
    ("narrow-0d", lambda: tl.tensor(1.0).narrow(0, 0, 1), RuntimeError,
     ["narrow() cannot be applied to a 0-dim tensor"]),
    ("gather-negative-index", lambda: ones(3).gather(0, tl.tensor([-1])), RuntimeError,
     ["gather", "index -1 is out of bounds for dimension 0 with size 3"]),
    ("gather-negative-index-2d", lambda: ones(2, 3).gather(1, tl.tensor([[0], [-1]])), RuntimeError,
     ["gather", "index -1", "dimension 1 with size 3"]),
    ("gather-index-too-large", lambda: ones(3).gather(0, tl.tensor([3])), RuntimeError,
     ["gather", "index 3 is out of bounds"]),
    ("index_select-negative", lambda: ones(3).index_select(0, tl.tensor([-1])), IndexError,
     ["index_select", "index -1", "size 3"]),
    ("add-int-float-alpha-1", lambda: tl.add(ones(2, dtype=tl.int64), ones(2, dtype=tl.int64), alpha=1.0),
     RuntimeError, ["add", "alpha must not be a floating point number", "int64"]),
    ("sub-bool-float-alpha-1", lambda: tl.sub(ones(2, dtype=tl.int32), 1, alpha=1.0), RuntimeError,
     ["sub", "alpha must not be a floating point number"]),
    ("add-half-alpha-overflow", lambda: tl.add(half(2), half(2), alpha=1e5),
     RuntimeError, ["add", "100000.0", "float16 without overflow"]),
    ("add_-float32-alpha-overflow", lambda: ones(2).add_(ones(2), alpha=1e39), RuntimeError,
     ["add_", "float32 without overflow"]),
    ("fill_-half-overflow", lambda: half(2).fill_(65520.0), RuntimeError,
     ["fill_", "65520.0", "float16 without overflow"]),
    ("masked_fill-float32-overflow", lambda: ones(2).masked_fill(tl.tensor([True, False]), -1e39), RuntimeError,
     ["masked_fill", "float32 without overflow"]),
    ("clamp-half-overflow", lambda: half(2).clamp(max=70000), RuntimeError,
     ["clamp", "70000", "float16"]),
    ("full_like-half-overflow", lambda: tl.full_like(half(2), 1e5), RuntimeError,
     ["full_like", "float16 without overflow"]),
    ("pow-half-exponent-overflow", lambda: half(2) ** 1e5, RuntimeError,
     ["pow", "float16 without overflow"]),
    ("scatter-src-lower-rank", lambda: tl.zeros(3, 3).scatter(0, tl.tensor([[1, 0]]), ones(2)), IndexError,
     ["scatter", "Dimension out of range", "got 1"]),
    ("scatter-src-higher-rank", lambda: tl.zeros(3, 3).scatter(0, tl.tensor([[1, 0]]), ones(2, 2, 2)),
     RuntimeError, ["scatter", "same number of dimensions as src tensor", "src has 3"]),
    ("scatter_add-src-higher-rank", lambda: tl.zeros(3).scatter_add(0, tl.tensor([1]), ones(1, 1)),
     RuntimeError, ["scatter_add", "same number of dimensions as src tensor"]),
    ("scatter-0d-src-2d-index", lambda: tl.zeros(3, 3).scatter(0, tl.tensor([[1, 0]]), tl.tensor(1.0)),
     RuntimeError, ["scatter", "same number of dimensions as src tensor", "src has 0"]),
    ("scatter-0d-src-too-small", lambda: tl.zeros(3).scatter(0, tl.tensor([1, 0]), tl.tensor(1.0)),
     RuntimeError, ["scatter", "Expected index [2] to be no larger than self [3]", "src []"]),
    ("scatter-negative", lambda: ones(3).scatter(0, tl.tensor([-1]), ones(1)), RuntimeError,
     ["scatter", "index -1"]),
    ("conv_transpose-output_padding>=stride", lambda: F.conv_transpose2d(
        ones(1, 1, 3, 3), ones(1, 1, 2, 2), stride=2, output_padding=2), RuntimeError,
     ["conv_transpose2d", "output padding must be smaller than either stride or dilation", "(2, 2)"]),
    ("conv_transpose-output_padding-stride1", lambda: F.conv_transpose2d(
        ones(1, 1, 3, 3), ones(1, 1, 2, 2), output_padding=1), RuntimeError,
     ["conv_transpose2d", "output_padding=(1, 1)", "stride=(1, 1)", "dilation=(1, 1)"]),
    ("hardtanh-min>max", lambda: F.hardtanh(ones(3), 2.0, 1.0), ValueError,
     ["hardtanh", "min_val cannot be greater than max_val", "min_val=2.0", "max_val=1.0"]),
    ("Hardtanh-module", lambda: nn.Hardtanh(2.0, 1.0), AssertionError,
     ["Hardtanh", "max_val (1.0) must be greater than min_val (2.0)"]),
    ("label_smoothing>1", lambda: F.cross_entropy(ones(2, 3), tl.tensor([0, 1]), label_smoothing=1.5),
     RuntimeError, ["cross_entropy", "label_smoothing must be between 0.0 and 1.0", "1.5"]),
    ("label_smoothing-prob-target", lambda: nn.CrossEntropyLoss(label_smoothing=2.0)(
        ones(1, 3), tl.tensor([[0.2, 0.3, 0.5]])), RuntimeError, ["label_smoothing", "2.0"]),
    ("F.embedding-padding_idx", lambda: F.embedding(tl.tensor([0]), ones(3, 2), padding_idx=3),
     AssertionError, ["Padding_idx must be within num_embeddings", "padding_idx=3", "[3, 2]"]),
    ("F.embedding-negative-padding_idx", lambda: F.embedding(tl.tensor([0]), ones(3, 2), padding_idx=-4),
     AssertionError, ["Padding_idx must be within num_embeddings", "-4"]),
    ("Embedding-padding_idx", lambda: nn.Embedding(3, 2, padding_idx=3), AssertionError,
     ["Padding_idx must be within num_embeddings"]),
    ("embedding-negative-index", lambda: F.embedding(tl.tensor([[0, -1]]), ones(3, 2)), IndexError,
     ["index out of range in self", "embedding()", "index -1", "dimension 0 with size 3"]),
    ("embedding-index-too-large", lambda: nn.Embedding(3, 2)(tl.tensor([3])), IndexError,
     ["index out of range in self", "index 3"]),
    ("embedding-uint8-index", lambda: F.embedding(tl.tensor([0], dtype=tl.uint8), ones(3, 2)), RuntimeError,
     ["Long, Int", "uint8", "embedding"]),
    ("bce-input-range", lambda: F.binary_cross_entropy(tl.tensor([0.5, -0.5]), tl.tensor([1.0, 0.0])),
     RuntimeError, ["all elements of input should be between 0 and 1"]),
    ("one_hot-negative", lambda: F.one_hot(tl.tensor([1, -1])), RuntimeError, ["Class values must be non-negative"]),
    ("one_hot-too-large", lambda: F.one_hot(tl.tensor([1, 3]), 3), RuntimeError,
     ["Class values must be smaller than num_classes"]),
    ("avg_pool2d-divisor_override=0", lambda: F.avg_pool2d(ones(1, 1, 4, 4), 2, divisor_override=0),
     RuntimeError, ["avg_pool2d", "divisor must be not zero"]),
    ("sum-repeated-dims", lambda: ones(2, 3).sum(dim=(0, 0)), RuntimeError,
     ["dim 0 appears multiple times", "(0, 0)"]),
    ("sum-repeated-negative-alias", lambda: ones(2, 3).sum(dim=(0, -2)), RuntimeError,
     ["dim 0 appears multiple times", "(0, -2)"]),
    ("sum-repeated-dims-0d", lambda: tl.tensor(1.0).sum(dim=(0, -1)), RuntimeError,
     ["dim 0 appears multiple times"]),
    ("amax-repeated-dims", lambda: ones(2, 3).amax(dim=(1, 1)), RuntimeError, ["dim 1 appears multiple times"]),
    ("mean-repeated-dims", lambda: ones(2, 3).mean(dim=[1, -1]), RuntimeError, ["dim 1 appears multiple times"]),
    ("any-repeated-dims", lambda: ones(2, 3).any(dim=(1, 1)), RuntimeError, ["dim 1 appears multiple times"]),
    ("logsumexp-repeated-dims", lambda: ones(2, 3).logsumexp(dim=(0, 0)), RuntimeError,
     ["dim 0 appears multiple times"]),
    ("var-repeated-dims", lambda: ones(2, 3).var(dim=(0, 0)), RuntimeError, ["dim 0 appears multiple times"]),
    ("DataLoader-None-drop_last", lambda: DataLoader([1, 2, 3], batch_size=None, drop_last=True), ValueError,
     ["DataLoader", "batch_size=None", "mutually exclusive with drop_last"]),
    ("DataLoader-float-batch", lambda: DataLoader([1, 2, 3], batch_size=1.5), ValueError,
     ["DataLoader", "batch_size should be a positive integer value", "1.5"]),
    ("DataLoader-bool-batch", lambda: DataLoader([1, 2, 3], batch_size=True), ValueError,
     ["batch_size=True"]),
    ("DataLoader-zero-batch", lambda: DataLoader([1, 2, 3], batch_size=0), ValueError, ["batch_size=0"]),
    ("DataLoader-negative-workers", lambda: DataLoader([1, 2, 3], num_workers=-1), ValueError,
     ["num_workers option should be non-negative", "-1"]),
    # internal errors before (TypeError/IndexError/ValueError/OverflowError from the implementation)
    ("triu-1d", lambda: ones(3).triu(), RuntimeError, ["triu", "at least 2 dimensions", "[3]"]),
    ("tril-0d", lambda: tl.tensor(1.0).tril(), RuntimeError, ["tril", "at least 2 dimensions"]),
    ("unbind-0d", lambda: tl.tensor(1.0).unbind(), IndexError,
     ["Dimension specified as 0", "no dimensions", "unbind()"]),
    ("size-0d", lambda: tl.tensor(1.0).size(0), IndexError, ["Dimension specified as 0", "no dimensions"]),
    ("size-0d-negative", lambda: tl.tensor(1.0).size(-1), IndexError, ["Dimension specified as -1"]),
    ("size-float", lambda: ones(3).size(1.0), TypeError, ["size", "float"]),
    ("cat-0d", lambda: tl.cat([tl.tensor(1.0), tl.tensor(2.0)]), RuntimeError,
     ["zero-dimensional tensor (at position 0) cannot be concatenated"]),
    ("cat-empty-list", lambda: tl.cat([]), ValueError, ["cat", "non-empty list"]),
    ("split-0d", lambda: tl.tensor(1.0).split(1), RuntimeError, ["split expects at least a 1-dimensional"]),
    ("chunk-0d", lambda: tl.tensor(1.0).chunk(1), RuntimeError, ["chunk expects at least a 1-dimensional"]),
    ("chunk-float", lambda: ones(4).chunk(1.5), TypeError, ["chunk", "chunks", "float"]),
    ("unflatten-0d", lambda: tl.tensor(1.0).unflatten(0, (1,)), RuntimeError, ["unflatten", "no dimensions"]),
    ("unflatten-bad-sizes", lambda: ones(2, 3).unflatten(1, (2, 2)), RuntimeError,
     ["unflatten", "[2, 2]", "size of dim 1 (3)"]),
    ("fold-bad-length", lambda: F.fold(ones(1, 4, 5), (3, 3), 2), RuntimeError,
     ["fold", "output_size=(3, 3)", "sliding blocks 2 * 2 = 4", "input.size(2)=5"]),
    ("fold-bad-columns", lambda: F.fold(ones(1, 5, 4), (3, 3), 2), RuntimeError,
     ["fold", "divisible by the product of kernel_size", "input.size(1)=5"]),
    ("fold-bad-ndim", lambda: F.fold(ones(4), (3, 3), 2), RuntimeError, ["fold", "2D", "3D", "[4]"]),
    ("unfold-kernel-too-big", lambda: F.unfold(ones(1, 1, 3, 3), 4), RuntimeError,
     ["unfold", "spatial size (3, 3)", "kernel_size=(4, 4)", "at least one"]),
    ("unfold-zero-stride", lambda: F.unfold(ones(1, 1, 3, 3), 2, stride=0), RuntimeError,
     ["unfold", "stride", "greater than zero"]),
    ("adaptive_avg_pool2d-negative", lambda: F.adaptive_avg_pool2d(ones(1, 1, 4, 4), -1), RuntimeError,
     ["adaptive_avg_pool2d", "greater than or equal to 0", "(-1, -1)"]),
    ("argmax-empty-dim", lambda: ones(2, 0).argmax(1), IndexError,
     ["argmax(): Expected reduction dim 1 to have non-zero size", "[2, 0]"]),
    ("argmin-empty-1d", lambda: ones(0).argmin(0), IndexError, ["argmin(): Expected reduction dim 0"]),
    ("argmax-empty-whole", lambda: ones(2, 0).argmax(), IndexError,
     ["argmax(): Expected reduction dim to be specified for input.numel() == 0"]),
    ("amax-empty-dim", lambda: ones(2, 0).amax(1), IndexError, ["amax(): Expected reduction dim 1"]),
    ("amin-empty-dims", lambda: ones(2, 0).amin(dim=(0, 1)), IndexError, ["amin(): Expected reduction dim 1"]),
    ("amax-empty-whole", lambda: ones(2, 0).amax(), RuntimeError, ["amax(): Expected reduction dim to be specified"]),
    ("max-empty-dim", lambda: ones(2, 0).max(1), IndexError, ["max(): Expected reduction dim 1"]),
    ("min-empty-whole", lambda: ones(0).min(), RuntimeError, ["min(): Expected reduction dim to be specified"]),
    ("inf-norm-empty", lambda: ones(2, 0).norm(p=math.inf, dim=1), RuntimeError, ["norm", "inf norm", "dim 1"]),
    ("sum-0d-dim1", lambda: tl.tensor(1.0).sum(1), IndexError,
     ["Dimension out of range", "[-1, 0]", "got 1", "sum()"]),
    ("unsqueeze-dim", lambda: ones(2).unsqueeze(3), IndexError, ["[-2, 1]", "got 3", "unsqueeze()"]),
    ("gather-dim", lambda: ones(2, 3).gather(2, tl.zeros(2, 3, dtype=tl.int64)), IndexError, ["gather()"]),
    ("softmax-dim", lambda: ones(2, 3).softmax(2), IndexError, ["softmax()"]),
    ("amax-0d-dim1", lambda: tl.tensor(1.0).amax(1), IndexError, ["Dimension out of range"]),
    ("max-0d-dim1", lambda: tl.tensor(1.0).max(1), IndexError, ["Dimension out of range"]),
    ("cumsum-0d-dim1", lambda: tl.tensor(1.0).cumsum(1), IndexError, ["Dimension out of range"]),
    ("softmax-0d-dim1", lambda: F.softmax(tl.tensor(1.0), 1), IndexError, ["Dimension out of range"]),
    ("all-0d-dim1", lambda: tl.tensor(1.0).all(1), IndexError, ["Dimension out of range"]),
    ("sum-float-dim", lambda: ones(3).sum(1.0), TypeError,
     ["sum()", "dim must be an int or a tuple of ints", "float"]),
    ("alpha-float-int-tensor", lambda: ones(2, dtype=tl.int64).add(1, alpha=0.5), RuntimeError,
     ["add", "alpha must not be a floating point number", "alpha=0.5"]),
    ("alpha-bool-float-result", lambda: ones(2).add(ones(2), alpha=True), RuntimeError,
     ["add", "Boolean alpha only supported for Boolean results"]),
    ("alpha-complex", lambda: ones(2).sub(ones(2), alpha=1j), RuntimeError, ["sub", "complex"]),
    ("alpha-overflow", lambda: ones(2, dtype=u8).add(1, alpha=300), RuntimeError,
     ["add", "300", "cannot be converted to type uint8 without overflow"]),
    ("pow_-int-negative", lambda: ones(2, dtype=tl.int64).pow_(-1), RuntimeError,
     ["Integers to negative integer powers are not allowed"]),
    ("pow-bool-negative", lambda: tl.tensor([True, False]).pow(-1), RuntimeError,
     ["pow", "negative integer powers"]),
    ("fill_-overflow", lambda: ones(2, dtype=tl.int8).fill_(128), RuntimeError,
     ["fill_", "128", "int8", "[-128, 127]"]),
    ("fill_-negative-float-unsigned", lambda: ones(2, dtype=u8).fill_(-1.0), RuntimeError, ["fill_", "-1.0"]),
    ("fill_-inf-int", lambda: ones(2, dtype=tl.int8).fill_(math.inf), RuntimeError, ["fill_", "inf"]),
    ("setitem-overflow", lambda: ones(3, dtype=u8).__setitem__(0, 300), RuntimeError, ["setitem", "300", "uint8"]),
    ("clamp-overflow", lambda: ones(2, dtype=tl.int8).clamp(-300, 300), RuntimeError, ["clamp", "-300", "int8"]),
    ("masked_fill-overflow", lambda: ones(2, dtype=u8).masked_fill(tl.tensor([True, False]), 256),
     RuntimeError, ["masked_fill", "256", "uint8"]),
    ("full-overflow", lambda: tl.full((2,), 300, dtype=tl.int8), RuntimeError, ["full", "300", "int8"]),
    ("full-beyond-64-bits", lambda: tl.full((2,), 2 ** 64), OverflowError, ["2**63", "2**64"]),
    ("tensor-overflow", lambda: tl.tensor([300, -1], dtype=u8), RuntimeError, ["tensor", "300", "uint8"]),
    ("tensor-scalar-overflow", lambda: tl.tensor(300, dtype=tl.int8), RuntimeError, ["tensor", "300"]),
    ("pow-exponent-overflow", lambda: ones(2, dtype=tl.int8) ** 300, RuntimeError, ["pow", "300"]),
    ("where-scalar-overflow", lambda: tl.where(tl.tensor([True]), ones(1, dtype=tl.int8), 300), RuntimeError,
     ["where", "300"]),
    ("reshape-str", lambda: ones(2).reshape("a"), TypeError, ["shape must be a sequence of ints", "'a'"]),
    ("repeat-negative", lambda: ones(2).repeat(-3), RuntimeError, ["repeat", "negative", "[-3]"]),
    ("mm-None", lambda: ones(2, 2).mm(None), TypeError, ["mm", "mat2", "NoneType"]),
    ("expand_as-None", lambda: ones(2).expand_as(None), TypeError, ["expand_as", "NoneType"]),
    ("view_as-None", lambda: ones(2).view_as(None), TypeError, ["view_as", "NoneType"]),
    ("masked_fill-str", lambda: ones(2).masked_fill(tl.tensor([True, False]), "a"), TypeError,
     ["masked_fill", "str"]),
    ("clamp-tuple", lambda: ones(2).clamp((0, 1)), TypeError, ["clamp", "min", "tuple"]),
    ("movedim-repeated", lambda: ones(2, 3).movedim((0, 0), (0, 1)), RuntimeError, ["movedim", "repeated"]),
    ("movedim-tuple-and-int", lambda: ones(2).movedim((0,), 0), TypeError, ["movedim", "both be ints"]),
    ("moveaxis-int-and-list", lambda: tl.moveaxis(ones(2, 3), 0, [1]), TypeError, ["movedim", "tuples of ints"]),
    ("index-0d", lambda: tl.tensor(1.0)[0], IndexError, ["invalid index of a 0-dim tensor"]),
    # convolution and pooling geometry (ZeroDivisionError / unpacking errors before)
    ("conv2d-stride0", lambda: F.conv2d(ones(1, 1, 3, 3), ones(1, 1, 2, 2), stride=0), RuntimeError,
     ["conv2d", "non-positive stride", "(0, 0)"]),
    ("conv2d-dilation0", lambda: F.conv2d(ones(1, 1, 3, 3), ones(1, 1, 2, 2), dilation=0), RuntimeError,
     ["conv2d", "dilation should be greater than zero"]),
    ("conv2d-negative-padding", lambda: F.conv2d(ones(1, 1, 3, 3), ones(1, 1, 2, 2), padding=-1), RuntimeError,
     ["conv2d", "negative padding"]),
    ("conv2d-padding-string", lambda: F.conv2d(ones(1, 1, 3, 3), ones(1, 1, 2, 2), padding="bogus"),
     RuntimeError, ["conv2d", "Invalid padding string: 'bogus'"]),
    ("conv2d-same-dilation0", lambda: F.conv2d(ones(1, 1, 3, 3), ones(1, 1, 2, 2), padding="same", dilation=0),
     RuntimeError, ["conv2d", "dilation should be greater than zero"]),
    ("conv2d-2d-input", lambda: F.conv2d(ones(3, 3), ones(1, 1, 2, 2)), RuntimeError,
     ["conv2d", "3D (unbatched) or 4D (batched)", "[3, 3]"]),
    ("conv1d-stride0", lambda: F.conv1d(ones(1, 1, 3), ones(1, 1, 2), stride=0), RuntimeError,
     ["non-positive stride"]),
    ("conv_transpose2d-stride0", lambda: F.conv_transpose2d(ones(1, 1, 3, 3), ones(1, 1, 2, 2), stride=0),
     RuntimeError, ["conv_transpose2d", "non-positive stride"]),
    ("conv_transpose2d-2d-input", lambda: F.conv_transpose2d(ones(3, 3), ones(1, 1, 2, 2)), RuntimeError,
     ["conv_transpose2d", "[3, 3]"]),
    ("max_pool2d-stride0", lambda: F.max_pool2d(ones(1, 1, 3, 3), 2, stride=0), RuntimeError,
     ["max_pool2d", "stride should not be zero"]),
    ("max_pool2d-kernel0", lambda: F.max_pool2d(ones(1, 1, 3, 3), 0), RuntimeError,
     ["max_pool2d", "kernel_size must be greater than zero"]),
    ("max_pool2d-2d-input", lambda: F.max_pool2d(ones(3, 3), 2), RuntimeError, ["max_pool2d", "[3, 3]"]),
    ("avg_pool2d-stride0", lambda: F.avg_pool2d(ones(1, 1, 3, 3), 2, stride=0), RuntimeError,
     ["avg_pool2d", "stride should not be zero"]),
    ("adaptive_avg_pool2d-empty-plane", lambda: F.adaptive_avg_pool2d(ones(1, 1, 0, 4), 2), RuntimeError,
     ["adaptive_avg_pool2d", "non-zero size", "[1, 1, 0, 4]"]),
    # losses and layers
    ("cross_entropy-0d", lambda: F.cross_entropy(tl.tensor(1.0), tl.tensor(0)), RuntimeError,
     ["cross_entropy", "0-dim"]),
    ("nll_loss-0d", lambda: F.nll_loss(tl.tensor(1.0), tl.tensor(0)), ValueError,
     ["nll_loss", "Expected 1 or more dimensions (got 0)"]),
    ("bce-target-range", lambda: F.binary_cross_entropy(tl.tensor([0.5]), tl.tensor([2.0])), RuntimeError,
     ["all elements of target should be between 0 and 1", "2.0"]),
    ("smooth_l1-negative-beta", lambda: F.smooth_l1_loss(ones(2), ones(2), beta=-1), RuntimeError,
     ["smooth_l1_loss", "negative values for beta"]),
    ("huber-zero-delta", lambda: F.huber_loss(ones(2), ones(2), delta=0), RuntimeError,
     ["huber_loss", "non-positive values for delta"]),
    ("gelu-approximate", lambda: F.gelu(ones(2), approximate="bad"), RuntimeError,
     ["gelu", "either none or tanh", "'bad'"]),
    ("pad-negative-size", lambda: F.pad(ones(2, 3), (-3, -3)), RuntimeError, ["pad", "negative size -3"]),
    ("embedding-1d-weight", lambda: F.embedding(tl.tensor([0]), ones(3)), RuntimeError,
     ["embedding", "'weight' must be 2-D", "[3]"]),
    ("linear-0d-input", lambda: F.linear(tl.tensor(1.0), ones(4, 3)), RuntimeError,
     ["linear", "at least 1D", "0D and 2D"]),
    # creation and other ops
    ("arange-nan", lambda: tl.arange(float("nan")), RuntimeError, ["arange", "unsupported range: 0 -> nan"]),
    ("arange-inf", lambda: tl.arange(0, math.inf), RuntimeError, ["arange", "unsupported range"]),
    ("arange-nan-step", lambda: tl.arange(0, 1, float("nan")), RuntimeError, ["arange", "step must be nonzero"]),
    ("eye-negative", lambda: tl.eye(-1), RuntimeError, ["eye", "n must be greater or equal to 0, got -1"]),
    ("eye-negative-m", lambda: tl.eye(2, -1), RuntimeError, ["eye", "m must be"]),
    ("full-None", lambda: tl.full((2,), None), TypeError, ["full", "fill_value", "NoneType"]),
    ("tensor-None", lambda: tl.tensor(None), RuntimeError, ["tensor", "Could not infer dtype of NoneType"]),
    ("where-float-condition", lambda: tl.where(ones(2), ones(2), ones(2)), RuntimeError,
     ["where expected condition to be a boolean tensor", "float32"]),
    ("where-int-condition", lambda: tl.where(tl.tensor([1]), ones(1), ones(1)), RuntimeError,
     ["where", "int64"]),
    ("outer-2d", lambda: tl.outer(ones(2, 2), ones(2)), RuntimeError, ["outer", "1-D argument self", "2-D"]),
    ("index_select-float-index", lambda: ones(3).index_select(0, tl.tensor([0.0])), RuntimeError,
     ["index_select", "int32 or int64", "float32"]),
    ("full_like-overflow", lambda: tl.full_like(tl.tensor([1, 2], dtype=u8), 256), RuntimeError,
     ["full_like", "256", "uint8"]),
    ("full-1d-tensor-value", lambda: tl.full((2,), tl.tensor([True, False])), TypeError,
     ["full", "fill_value", "[2]"]),
    ("full_like-tuple", lambda: tl.full_like(ones(2), (0, 1)), TypeError, ["full_like", "fill_value", "tuple"]),
    ("index_put-nan-into-int", lambda: tl.index_put(tl.tensor([3]), (tl.tensor([0]),), math.nan), RuntimeError,
     ["index_put", "nan", "int64"]),
    ("celu-alpha0", lambda: F.celu(ones(2), 0.0), RuntimeError, ["celu", "alpha cannot be 0"]),
    ("hstack-empty", lambda: tl.hstack([]), RuntimeError, ["hstack expects a non-empty TensorList"]),
    ("vstack-empty", lambda: tl.vstack([]), RuntimeError, ["vstack expects a non-empty TensorList"]),
    ("column_stack-empty", lambda: tl.column_stack([]), RuntimeError, ["column_stack expects a non-empty TensorList"]),
    ("batch_norm-0d", lambda: F.batch_norm(tl.tensor(1.5), ones(1), ones(1)), RuntimeError,
     ["batch_norm", "at least 2 dims", "[]"]),
    ("group_norm-1d", lambda: F.group_norm(tl.tensor([1.0, 2.0]), 1), RuntimeError,
     ["group_norm", "Expected at least 2 dimensions", "received 1"]),
]


@pytest.mark.parametrize("call, error, parts", [pytest.param(c, e, p, id=i) for i, c, e, p in BAD_INPUT])
def test_bad_input_raises_a_clear_error(call, error, parts):
    with pytest.raises(error) as info:
        call()
        tl.synchronize()  # OpenCL reports value checks (index ranges) at the next sync
    assert type(info.value) is error, f"raised {type(info.value).__name__}, expected {error.__name__}"
    for part in parts:
        assert part in str(info.value), f"{part!r} not in {str(info.value)!r}"


# (id, call, the expected result as a Python value): inputs PyTorch accepts
ACCEPTED = [
    ("uint8>-1", lambda: (tl.tensor([1], dtype=u8) > -1).tolist(), [False]),  # -1 wraps to 255
    ("index_select-empty-other-dim", lambda: list(tl.index_select(ones(0, 2, 3), 2, tl.tensor([0, 1])).shape),
     [0, 2, 2]),
    ("embedding-empty-batch", lambda: list(F.embedding(tl.zeros(0, 3, dtype=tl.int64), ones(4, 2)).shape), [0, 3, 2]),
    ("uint8<-1", lambda: (tl.tensor([1], dtype=u8) < -1).tolist(), [True]),
    ("uint8==257", lambda: (tl.tensor([1], dtype=u8) == 257).tolist(), [True]),
    ("int8>300", lambda: (tl.tensor([1], dtype=tl.int8) > 300).tolist(), [False]),
    ("int32>2**40", lambda: (tl.tensor([1], dtype=tl.int32) > 2 ** 40).tolist(), [True]),
    ("uint8+300", lambda: (tl.tensor([1], dtype=u8) + 300).tolist(), [45]),
    ("uint8*-1", lambda: (tl.tensor([1], dtype=u8) * -1).tolist(), [255]),
    ("300-int8", lambda: (300 - ones(2, dtype=tl.int8)).tolist(), [43, 43]),
    ("300/int8", lambda: (300 / ones(2, dtype=tl.int8)).tolist(), [300.0, 300.0]),
    ("int64+2**63", lambda: (ones(1, dtype=tl.int64) + 2 ** 63).tolist(), [-(2 ** 63) + 1]),
    ("uint8.add_(-1)", lambda: tl.tensor([1], dtype=u8).add_(-1).tolist(), [0]),
    ("uint8.sub_(300)", lambda: ones(2, dtype=u8).sub_(300).tolist(), [213, 213]),
    ("uint8.fill_(-1)", lambda: tl.tensor([1], dtype=u8).fill_(-1).tolist(), [255]),
    ("uint8.clamp(-1,3)", lambda: tl.tensor([1], dtype=u8).clamp(-1, 3).tolist(), [3]),
    ("full-uint8(-1)", lambda: tl.full((2,), -1, dtype=u8).tolist(), [255, 255]),
    ("tensor-uint8([-1])", lambda: tl.tensor([-1], dtype=u8).tolist(), [255]),
    ("add-alpha-scalar", lambda: tl.add(ones(2), 1.0, alpha=2).tolist(), [3.0, 3.0]),
    ("sub-alpha-scalar", lambda: tl.sub(ones(2), 1.0, alpha=2).tolist(), [-1.0, -1.0]),
    ("add_-alpha", lambda: ones(2).add_(1, alpha=3).tolist(), [4.0, 4.0]),
    ("int-sub-float-alpha-int", lambda: ones(2, dtype=tl.int64).sub(1.5, alpha=2).tolist(), [-2.0, -2.0]),
    ("uint8-alpha-wraps", lambda: ones(2, dtype=u8).add(1, alpha=-1).tolist(), [0, 0]),
    ("bool-alpha-keeps-bool", lambda: ones(2, dtype=tl.bool).add(ones(2, dtype=tl.bool), alpha=2).tolist(),
     [True, True]),
    ("pow_", lambda: tl.tensor([2.0, 3.0]).pow_(2).tolist(), [4.0, 9.0]),
    ("ipow", lambda: _ipow(tl.tensor([2, 3])).tolist(), [4, 9]),
    ("pow_-empty", lambda: ones(0).pow_(2).shape, (0,)),
    ("add_-empty-2d", lambda: ones(2, 0).add_(1).shape, (2, 0)),
    ("mul_-empty", lambda: ones(0, 3).mul_(ones(3)).shape, (0, 3)),
    ("fill_-empty", lambda: ones(0).fill_(2).shape, (0,)),
    ("clamp_-empty", lambda: ones(2, 0).clamp_(0, 1).shape, (2, 0)),
    ("nonzero-0d-tuple", lambda: [t.tolist() for t in tl.tensor(1.0).nonzero(as_tuple=True)], [[0]]),
    ("nonzero-0d-zero-tuple", lambda: [t.tolist() for t in tl.tensor(0.0).nonzero(as_tuple=True)], [[]]),
    ("nonzero-0d", lambda: tl.tensor(1.0).nonzero().shape, (1, 0)),
    ("adaptive_avg_pool2d-0", lambda: F.adaptive_avg_pool2d(ones(1, 1, 4, 4), 0).shape, (1, 1, 0, 0)),
    ("movedim-0d", lambda: tl.tensor(1.5).movedim(0, -1).item(), 1.5),
    ("movedim-tuples", lambda: tl.arange(6.0).reshape(2, 3).movedim((0, 1), (1, 0)).tolist(),
     [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]),
    ("movedim-3d", lambda: ones(2, 3, 4).movedim(0, -1).shape, (3, 4, 2)),
    ("gather-0d", lambda: tl.tensor(1.5).gather(0, tl.tensor(0)).item(), 1.5),
    ("gather-0d-index", lambda: tl.tensor([1.0, 2.0, 3.0]).gather(0, tl.tensor(1)).item(), 2.0),
    ("index_select-0d", lambda: tl.tensor(1.5).index_select(0, tl.tensor([0])).shape, ()),
    ("scatter-0d", lambda: tl.tensor(1.0).scatter(0, tl.tensor(0), 2.0).tolist(), 2.0),
    ("scatter_add-0d", lambda: tl.tensor(1.0).scatter_add(0, tl.tensor(0), tl.tensor(3.0)).tolist(), 4.0),
    ("scatter-0d-input-1d-index", lambda: tl.tensor(1.0).scatter(0, tl.tensor([0]), tl.tensor([2.0])).tolist(), 2.0),
    ("scatter-0d-index", lambda: tl.tensor([1.0, 5.0]).scatter(0, tl.tensor(0), 2.0).tolist(), [2.0, 5.0]),
    ("amax-over-nonempty-dim-of-empty", lambda: ones(2, 0).amax(0).shape, (0,)),
    ("argmax-over-nonempty-dim-of-empty", lambda: ones(2, 0).argmax(0).shape, (0,)),
    ("max-0d-dim0", lambda: tl.tensor(1.5).max(0).values.item(), 1.5),
    ("sum-0d-dim-1", lambda: tl.tensor(1.5).sum(-1).item(), 1.5),
    ("narrow-negative-start", lambda: tl.arange(5.0).narrow(0, -2, 2).tolist(), [3.0, 4.0]),
    ("narrow-at-end", lambda: ones(5).narrow(0, 5, 0).shape, (0,)),
    ("einsum-lonely-label", lambda: tl.einsum("ij->i", tl.arange(6.0).reshape(2, 3)).tolist(), [3.0, 12.0]),
    ("einsum-full-sum", lambda: tl.einsum("ijk->", ones(2, 3, 2)).item(), 12.0),
    ("einsum-ellipsis-broadcast", lambda: tl.einsum("...ij,...jk->...ik", ones(5, 2, 3), ones(7, 5, 3, 4)).shape,
     (7, 5, 2, 4)),
    ("einsum-ellipsis-size1", lambda: tl.einsum("i...,i...->i", ones(2, 3), ones(2, 1)).tolist(), [3.0, 3.0]),
    ("einsum-size1-broadcast", lambda: tl.einsum("ij,jk->ik", ones(2, 1), tl.arange(12.0).reshape(3, 4)).tolist(),
     [[12.0, 15.0, 18.0, 21.0]] * 2),
    ("fold-unbatched", lambda: F.fold(ones(4, 4), (3, 3), 2).shape, (1, 3, 3)),
    ("unfold-unbatched", lambda: F.unfold(ones(2, 3, 3), 2).shape, (8, 4)),
    ("linear-bias-broadcasts", lambda: F.linear(ones(2, 3), ones(4, 3), ones(1)).shape, (2, 4)),
    ("linear-1d-weight", lambda: F.linear(ones(2, 3), ones(3)).tolist(), [3.0, 3.0]),
    ("linear-1d-weight-1d-input-0d-bias", lambda: F.linear(ones(3), ones(3), tl.tensor(1.0)).item(), 4.0),
    ("linear-1d-weight-4d-input-0d-bias", lambda: F.linear(ones(1, 1, 2, 3), ones(3), tl.tensor(1.0)).tolist(),
     [[[4.0, 4.0]]]),
    ("linear-2d-bias", lambda: F.linear(ones(5, 2, 3), ones(4, 3), ones(2, 4)).shape, (5, 2, 4)),
    ("pad-crop-to-empty", lambda: F.pad(ones(2, 3), (-2, -1)).shape, (2, 0)),
    ("where-uint8-condition", lambda: tl.where(tl.tensor([1, 0], dtype=u8), 1.0, 0.0).tolist(), [1.0, 0.0]),
    ("eye-empty", lambda: tl.eye(0).shape, (0, 0)),
    ("softplus-beta0", lambda: F.softplus(ones(2), beta=0).tolist(), [math.inf, math.inf]),
    ("full_like-uint8-wraps", lambda: tl.full_like(tl.tensor([1, 2], dtype=u8), -1).tolist(), [255, 255]),
    ("full-0d-tensor-value", lambda: tl.full((2,), tl.tensor(2.0)).tolist(), [2.0, 2.0]),
    ("hardtanh-equal-bounds", lambda: F.hardtanh(tl.tensor([3.0]), 1.0, 1.0).tolist(), [1.0]),
    ("add-half-alpha-max", lambda: tl.add(half(1) * 0, half(1),
                                           alpha=65504).tolist(), [65504.0]),
    ("add-half-alpha-inf", lambda: tl.add(half(1) * 0, half(1),
                                          alpha=math.inf).tolist(), [math.inf]),
    ("add-int-float-alpha-float-result", lambda: tl.add(ones(1, dtype=tl.int64), 1.5, alpha=1.0).tolist(), [2.5]),
    ("half+1e5-is-inf", lambda: (half(1) + 1e5).tolist(), [math.inf]),
    ("where-half-1e5-is-inf", lambda: tl.where(tl.tensor([False], device="cpu"), half(1), 1e5).tolist(),
     [math.inf]),
    ("setitem-casts-tensor-value", lambda: _setitem(ones(2), tl.tensor(5, dtype=tl.int64)).tolist(), [5.0, 1.0]),
    ("setitem-half-1e5-is-inf", lambda: _setitem(half(1), 1e5).tolist(), [math.inf]),
    ("tensor-half-1e5-is-inf", lambda: tl.tensor([1e5], dtype=tl.float16, device="cpu").tolist(), [math.inf]),
    ("float32-pow-1e39", lambda: tl.tensor([1.0]).pow(1e39).tolist(), [1.0]),
    ("fill_-half-inf", lambda: half(1).fill_(-math.inf).tolist(), [-math.inf]),
    # PyTorch 2.13 refuses only label_smoothing > 1; a negative (or NaN) one means no smoothing
    ("label_smoothing<0-index", lambda: round(F.cross_entropy(_CE_X, tl.tensor([2, 0]), label_smoothing=-0.1).item(),
                                              12), 0.631069476105),
    ("label_smoothing<0-probs", lambda: round(F.cross_entropy(_CE_X, _CE_P, label_smoothing=-2.0).item(), 12),
     1.231069476105),
    ("label_smoothing<0-weight", lambda: round(F.cross_entropy(_CE_X, tl.tensor([2, 0]), weight=_CE_W,
                                                               label_smoothing=-0.1).item(), 12), 0.760988869255),
    ("label_smoothing-nan", lambda: round(F.cross_entropy(_CE_X, tl.tensor([2, 0]), label_smoothing=math.nan).item(),
                                          12), 0.631069476105),
    ("label_smoothing=1", lambda: round(F.cross_entropy(_CE_X, tl.tensor([2, 0]), label_smoothing=1.0).item(), 12),
     1.431069476105),
    ("flip-method-unpacked-dims", lambda: tl.arange(4.0).reshape(2, 2).flip(0, 1).tolist(), [[3.0, 2.0], [1.0, 0.0]]),
    ("flip-method-int", lambda: tl.arange(4.0).reshape(2, 2).flip(-1).tolist(), [[1.0, 0.0], [3.0, 2.0]]),
    ("flip-list", lambda: tl.flip(tl.arange(3.0), [0]).tolist(), [2.0, 1.0, 0.0]),
    ("avg_pool2d-negative-divisor", lambda: F.avg_pool2d(ones(1, 1, 2, 2), 2, divisor_override=-1).item(), -4.0),
]


_CE_X = tl.tensor([[0.5, -1.0, 2.0], [0.1, 0.2, -0.3]], dtype=tl.float64)
_CE_P = tl.tensor([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]], dtype=tl.float64)
_CE_W = tl.tensor([1.0, 2.0, 0.5], dtype=tl.float64)


def _setitem(x, value):
    x[0] = value
    return x


def _ipow(x):
    x **= 2
    return x


@pytest.mark.parametrize("call, expected", [pytest.param(c, v, id=i) for i, c, v in ACCEPTED])
def test_input_pytorch_accepts_works(call, expected):
    result = call()
    assert result == expected


# (id, call, a substring of the warning): warnings name the user's line, whichever wrapper
# (tensor_op, the method form, a module) the call went through
WARNS = [
    ("softmax-no-dim", lambda: F.softmax(ones(1, 3)), "Implicit dimension choice for softmax"),
    ("log_softmax-no-dim", lambda: F.log_softmax(ones(1, 3)), "Implicit dimension choice"),
    ("Softmax-module-no-dim", lambda: nn.Softmax()(ones(1, 3)), "Implicit dimension choice"),
    ("var-one-element", lambda: tl.var(ones(1)), "degrees of freedom"),
    ("var-method-one-element", lambda: ones(1).var(), "degrees of freedom"),
    ("std-one-element", lambda: tl.std(ones(1)), "degrees of freedom"),
    ("mse_loss-size-mismatch", lambda: F.mse_loss(ones(2, 1), ones(2)), "Using a target size"),
    ("l1_loss-size-mismatch", lambda: F.l1_loss(ones(2, 1), ones(2)), "Using a target size"),
    ("kl_div-mean", lambda: F.kl_div(ones(2), ones(2)), "batchmean"),
    ("T-3d", lambda: ones(2, 3, 4).T, "x.mT"),
    ("tensor-of-tensor", lambda: tl.tensor(ones(2)), "detach().clone()"),
    ("non-leaf-grad", lambda: (tl.ones(2, requires_grad=True) * 2).grad, "not a leaf Tensor"),
]


@pytest.mark.parametrize("call, part", [pytest.param(c, p, id=i) for i, c, p in WARNS])
def test_warnings_point_at_the_callers_line(call, part):
    with pytest.warns(UserWarning, match=re.escape(part)) as record:
        call()
    assert [w.filename for w in record] == [__file__] * len(record)


STATE_KEEPING = [
    ("fill_", lambda t: t.fill_(300)),
    ("setitem", lambda t: t.__setitem__(0, 300)),
    ("pow_", lambda t: t.pow_(-1)),
    ("add_-float-alpha", lambda t: t.add_(1, alpha=0.5)),
    ("add_-bool-alpha", lambda t: t.add_(1, alpha=True)),
    ("masked_fill_", lambda t: t.masked_fill_(tl.tensor([True, True]), 300)),
    ("clamp_", lambda t: t.clamp_(-300, 0)),
]


@pytest.mark.parametrize("call", [pytest.param(c, id=i) for i, c in STATE_KEEPING])
def test_refused_inplace_op_leaves_the_tensor_unchanged(call):
    t = tl.tensor([1, 2], dtype=tl.int8)
    version = t._version
    with pytest.raises(RuntimeError):
        call(t)
    assert t.tolist() == [1, 2] and t._version == version


INPLACE = {
    "uniform_": lambda t: t.uniform_(), "normal_": lambda t: t.normal_(), "zero_": lambda t: t.zero_(),
    "fill_": lambda t: t.fill_(1), "copy_": lambda t: t.copy_(tl.ones(t.shape)), "add_": lambda t: t.add_(1),
    "sub_": lambda t: t.sub_(t, alpha=2), "mul_": lambda t: t.mul_(2), "div_": lambda t: t.div_(2),
    "pow_": lambda t: t.pow_(2), "clamp_": lambda t: t.clamp_(0, 1), "exp_": lambda t: t.exp_(),
    "neg_": lambda t: t.neg_(), "relu_": lambda t: t.relu_(), "iadd": lambda t: t.__iadd__(1),
    "masked_fill_": lambda t: t.masked_fill_(tl.zeros(t.shape, dtype=tl.bool), 1.0),
    "setitem": lambda t: t.__setitem__(Ellipsis, 2.0),
}


@pytest.mark.parametrize("shape", [(0,), (2, 0), (0, 3)])
@pytest.mark.parametrize("op", sorted(INPLACE))
def test_inplace_ops_work_on_empty_tensors(op, shape):
    """An empty tensor has no element that two indices share (its zero strides are harmless)."""
    t = tl.ones(shape)
    INPLACE[op](t)
    assert tuple(t.shape) == shape


def _tensor_first_functions():
    """Every public function of tensorlite and nn.functional whose first parameter is the input
    tensor."""
    found = {}
    for module, prefix in ((tl, "tl"), (F, "F")):
        for name in dir(module):
            fn = getattr(module, name)
            if name.startswith("_") or not inspect.isfunction(fn):
                continue
            params = list(inspect.signature(fn).parameters)
            if params and params[0] == "input":
                found[f"{prefix}.{name}"] = fn
    return found


TENSOR_FIRST = _tensor_first_functions()


# binary ops that take a Python number first (``2 ** x`` and ``1 - x`` reach them reflected)
SCALAR_FIRST_OK = {"add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "pow",
                   "remainder", "floor_divide", "maximum", "minimum", "eq", "ne", "not_equal", "lt",
                   "less", "le", "less_equal", "gt", "greater", "ge", "greater_equal", "logical_and",
                   "logical_or", "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor",
                   "bitwise_left_shift", "bitwise_right_shift", "xlogy",
                   "bucketize"}  # bucketize(Scalar self, Tensor boundaries) is PyTorch's too


def _non_tensor_cases():
    """(function name, non-tensor first argument) pairs PyTorch refuses: every function with a
    list or None, and with a number unless it is a binary op that takes one first."""
    for name in sorted(TENSOR_FIRST):
        yield pytest.param(name, [1.0, 2.0], id=f"{name}-list")
        yield pytest.param(name, None, id=f"{name}-None")
        if name.split(".")[1] not in SCALAR_FIRST_OK:
            yield pytest.param(name, 1.5, id=f"{name}-float")


@pytest.mark.parametrize("name, value", list(_non_tensor_cases()))
def test_non_tensor_input_is_a_type_error_naming_the_op(name, value):
    fn = TENSOR_FIRST[name]
    params = list(inspect.signature(fn).parameters.values())
    needs_other = len(params) > 1 and params[1].default is inspect.Parameter.empty and params[1].kind in (
        inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.POSITIONAL_ONLY)
    with pytest.raises(TypeError) as info:
        fn(value, tl.ones(2)) if needs_other else fn(value)
    assert fn.__name__ in str(info.value), str(info.value)




# -- property tests ------------------------------------------------------------------------
DOCUMENTED = (ValueError, IndexError, RuntimeError, TypeError)
# Messages that show an internal failure rather than a checked argument
INTERNAL = re.compile(r"tuple index out of range|list index out of range|not enough values to unpack|"
                      r"substring not found|axes don't match|object is not iterable|has no attribute|"
                      r"unexpected keyword|out of bounds for axis|attempt to get arg|cannot reshape array|"
                      r"0d arrays|integer modulo by zero|division by zero|too many indices for array")

REDUCTIONS = {
    "sum": lambda x, d, k: x.sum(d, keepdim=k), "mean": lambda x, d, k: x.mean(d, keepdim=k),
    "prod": lambda x, d, k: x.prod(d, keepdim=k), "amax": lambda x, d, k: x.amax(d, keepdim=k),
    "amin": lambda x, d, k: x.amin(d, keepdim=k), "max": lambda x, d, k: x.max(d, keepdim=k),
    "min": lambda x, d, k: x.min(d, keepdim=k), "argmax": lambda x, d, k: x.argmax(d, keepdim=k),
    "argmin": lambda x, d, k: x.argmin(d, keepdim=k), "var": lambda x, d, k: x.var(d, keepdim=k),
    "std": lambda x, d, k: x.std(d, keepdim=k), "logsumexp": lambda x, d, k: x.logsumexp(d, keepdim=k),
    "norm": lambda x, d, k: x.norm(dim=d, keepdim=k), "any": lambda x, d, k: x.any(d, keepdim=k),
    "all": lambda x, d, k: x.all(d, keepdim=k), "count_nonzero": lambda x, d, k: x.count_nonzero(d),
    "cumsum": lambda x, d, k: x.cumsum(d), "softmax": lambda x, d, k: x.softmax(d),
    "log_softmax": lambda x, d, k: x.log_softmax(d),
}
MOVEMENT = {
    "squeeze": lambda x, d: x.squeeze(d), "unsqueeze": lambda x, d: x.unsqueeze(d),
    "flip": lambda x, d: x.flip(d), "unbind": lambda x, d: x.unbind(d), "roll": lambda x, d: x.roll(1, d),
    "movedim": lambda x, d: x.movedim(d, 0), "transpose": lambda x, d: x.transpose(d, -1),
    "flatten": lambda x, d: x.flatten(d), "split": lambda x, d: x.split(1, d),
    "chunk": lambda x, d: x.chunk(2, d), "narrow": lambda x, d: x.narrow(d, 0, 1),
    "unflatten": lambda x, d: x.unflatten(d, (1, -1)), "cat": lambda x, d: tl.cat([x, x], d),
    "stack": lambda x, d: tl.stack([x, x], d), "size": lambda x, d: x.size(d),
    "index_select": lambda x, d: x.index_select(d, tl.tensor([0])),
    "gather": lambda x, d: x.gather(d, tl.zeros(x.shape, dtype=tl.int64)),
    "triu": lambda x, d: x.triu(d), "select": lambda x, d: x[(slice(None),) * (d % max(x.ndim, 1)) + (0,)],
}
dims = st.one_of(st.integers(-4, 4), st.tuples(st.integers(-4, 4)),
                 st.tuples(st.integers(-4, 4), st.integers(-4, 4)), st.just(()), st.none(),
                 st.sampled_from([1.5, "a", [0, 0]]))


def _only_documented_errors(op, call):
    try:
        call()
        tl.synchronize()  # a device-side range check (OpenCL) raises at the next sync
    except DOCUMENTED as error:
        message = str(error)
        assert not INTERNAL.search(message), f"{op}: internal error {type(error).__name__}: {message}"
        assert type(error).__module__ == "builtins", f"{op}: {type(error)} leaked from a library"
    except Exception as error:  # noqa: BLE001 - the point is that nothing else escapes
        pytest.fail(f"{op}: undocumented {type(error).__name__}: {error}")


FLOAT_MAX = {tl.float16: 65504.0, tl.float32: 3.4028234663852886e38}
SCALAR_INTO_DTYPE = {  # ops whose PyTorch kernel converts a Python scalar to the tensor's dtype
    "fill_": lambda t, v: t.fill_(v),
    "full_like": lambda t, v: tl.full_like(t, v),
    "masked_fill": lambda t, v: t.masked_fill(tl.tensor([True], device=t.device), v),
    "clamp": lambda t, v: t.clamp(min=v),
    "add": lambda t, v: tl.add(t, t, alpha=v),
    "sub_": lambda t, v: t.sub_(1, alpha=v),
}


@given(op=st.sampled_from(sorted(SCALAR_INTO_DTYPE)), dtype=st.sampled_from([tl.float16, tl.float32]),
       scale=st.floats(0, 4), sign=st.sampled_from([-1, 1]))
def test_scalar_beyond_a_float_range_raises_inside_converts(op, dtype, scale, sign):
    """A finite Python scalar beyond float16/float32 raises PyTorch's overflow error; one inside
    the range (or an infinity) is converted."""
    value = sign * FLOAT_MAX[dtype] * 2.0 ** (scale - 2)  # a quarter of max up to 4x max
    device = "cpu" if dtype is tl.float16 else None  # no half kernels on OpenCL
    call = lambda: SCALAR_INTO_DTYPE[op](tl.ones(1, dtype=dtype, device=device), value)  # noqa: E731
    if abs(value) > FLOAT_MAX[dtype]:
        with pytest.raises(RuntimeError, match=f"{op}.*{dtype.name} without overflow"):
            call()
    else:
        assert call().dtype is dtype
    assert SCALAR_INTO_DTYPE[op](tl.ones(1, dtype=dtype, device=device), sign * math.inf).dtype is dtype


@given(x=tensors(shape=shapes(min_dims=0, max_dims=3, min_side=0, max_side=3), dtype=tl.float32),
       op=st.sampled_from(sorted(REDUCTIONS)), dim=dims, keepdim=st.booleans())
def test_reductions_raise_only_documented_errors(x, op, dim, keepdim):
    _only_documented_errors(op, lambda: REDUCTIONS[op](x, dim, keepdim))


@given(x=tensors(shape=shapes(min_dims=0, max_dims=3, min_side=0, max_side=3), dtype=tl.float32),
       op=st.sampled_from(sorted(MOVEMENT)), dim=st.one_of(st.integers(-4, 4), st.just(1.5)))
def test_movement_ops_raise_only_documented_errors(x, op, dim):
    _only_documented_errors(op, lambda: MOVEMENT[op](x, dim))


@given(x=tensors(shape=shapes(min_dims=0, max_dims=3, min_side=0, max_side=3), dtype=tl.float32),
       data=st.data())
def test_valid_dims_agree_with_numpy(x, data):
    """Every in-range dim is accepted (0-dim tensors take 0 and -1) and reduces like NumPy."""
    ndim = x.ndim
    dim = data.draw(st.integers(-max(ndim, 1), max(ndim, 1) - 1))
    expected = np.sum(x.numpy(), axis=dim % ndim if ndim else None)
    np.testing.assert_allclose(x.sum(dim).numpy(), expected, rtol=1e-5, atol=1e-5)


@given(shapes=broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3), n=st.integers(1, 3),
       k=st.integers(1, 3), m=st.integers(1, 3), data=st.data())
def test_einsum_ellipsis_broadcasts_like_numpy(shapes, n, k, m, data):
    """The dims under '...' broadcast right-aligned (and size 1 stretches), as NumPy's einsum."""
    a = data.draw(tensors(shape=shapes[0] + (n, k)))
    b = data.draw(tensors(shape=shapes[1] + (k, m)))
    expected = np.einsum("...ij,...jk->...ik", a.numpy(), b.numpy())
    np.testing.assert_allclose(tl.einsum("...ij,...jk->...ik", a, b).numpy(), expected, rtol=1e-6, atol=1e-9)


@given(dtype=st.sampled_from([tl.uint8, tl.int8, tl.int16, tl.int32, tl.int64]),
       value=st.integers(-(2 ** 63), 2 ** 64 - 1), op=st.sampled_from(["add", "sub", "mul", "eq", "lt", "gt"]),
       data=st.data())
def test_integer_tensor_with_any_python_int_wraps_like_c(dtype, value, op, data):
    """A Python int beside an integer tensor is converted modulo 2**bits (PyTorch's C cast)."""
    bits = 8 * dtype.itemsize
    x = data.draw(tensors(shape=(3,), dtype=dtype, low=0, high=100))
    wrapped = np.array(value % 2 ** bits, dtype=np.uint64).astype(dtype.numpy)
    ops = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "eq": np.equal, "lt": np.less,
           "gt": np.greater}
    with np.errstate(over="ignore"):
        expected = ops[op](x.numpy(), wrapped)
    result = getattr(tl, op)(x, value)
    assert result.dtype in (dtype, tl.bool)
    np.testing.assert_array_equal(result.numpy(), expected)


INDEX_RANGE_OPS = {
    "gather": (RuntimeError, lambda x, d, i: x.gather(d, i)),
    "scatter": (RuntimeError, lambda x, d, i: x.scatter(d, i, tl.ones(i.shape))),
    "scatter_add": (RuntimeError, lambda x, d, i: x.scatter_add(d, i, tl.ones(i.shape))),
    "index_select": (IndexError, lambda x, d, i: x.index_select(d, i.reshape(-1))),
}


@given(shape=shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), data=st.data(),
       op=st.sampled_from(sorted(INDEX_RANGE_OPS)))
def test_index_ops_refuse_negative_and_too_large_indices(shape, data, op):
    """gather / scatter / scatter_add / index_select: PyTorch refuses a negative index (where
    x[idx] counts it from the end); the backend's range check raises, the op names itself."""
    error, fn = INDEX_RANGE_OPS[op]
    dim = data.draw(st.integers(0, len(shape) - 1), label="dim")
    size = shape[dim]
    bad = data.draw(st.sampled_from([-1, -size, size, size + 3]), label="bad")
    index = np.zeros(shape, np.int64) if op != "index_select" else np.zeros((1,) * len(shape), np.int64)
    index.flat[data.draw(st.integers(0, index.size - 1), label="at")] = bad
    with pytest.raises(error) as info:
        fn(tl.ones(shape), dim, tl.tensor(index))
        tl.synchronize()  # OpenCL reports the range check at the next sync
    message = str(info.value)
    assert f"{op}(): index {bad} is out of bounds for dimension {dim} with size {size}" in message, message


def test_backends_refuse_negative_gather_and_scatter_indices():
    """The range check lives in the backends (OpenCL: the device's error flag, raised at the
    next sync): no op-level host read."""
    x = tl.ones(2, 3)
    index = tl.tensor([[0], [-1]])
    backend = x.device.backend
    with pytest.raises(IndexError, match="index -1 is out of bounds for axis 1 with size 3"):
        backend.gather(x._array, 1, index._array)
        backend.synchronize()
    with pytest.raises(IndexError, match="index -1 is out of bounds for axis 1 with size 3"):
        backend.scatter(x._array, 1, index._array, tl.ones(2, 1)._array, True)
        backend.synchronize()


@given(parts=st.lists(st.one_of(tensors(shape=shapes(max_dims=2, min_side=0, max_side=3), dtype=tl.float32),
                                tensors(shape=shapes(max_dims=2, min_side=0, max_side=3), dtype=tl.int64)),
                      min_size=1, max_size=3))
def test_value_bounds_reads_min_and_max_of_every_tensor(parts):
    """The one host read behind the argument range checks (class targets, one_hot, BCE)."""
    from tensorlite.ops._util import value_bounds
    expected = [(p.numpy().min(), p.numpy().max()) if p.numel() else None for p in parts]
    assert value_bounds(*parts) == expected
