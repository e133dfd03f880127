"""The backend primitive set: the whole contract a device implements.

Only ``ops/`` calls these methods (through ``Function.apply``; Tensor, nn, optim and the engine
call ops), so a new backend implements this class and nothing else. Arrays are opaque to the
callers except for two attributes every backend array has: ``shape`` (a tuple of ints) and
``dtype`` (a NumPy dtype, used only as a type tag).

Operand conventions: dtypes arrive already promoted. The caller (ops/, through
``tensorlite.dtypes``, the one place promotion is decided) converts operands first, so a backend
never chooses a common dtype itself:
- the array operands of ``binary``, ``binary_inplace`` (with ``dst``), ``where`` (a and b),
  ``concatenate`` and ``matmul`` share one dtype;
- a Python scalar operand (``binary``, ``binary_inplace``, ``where``, ``full``, ``pad``,
  ``copy_into``) is a value of that dtype's kind, already checked and wrapped into its range
  (``uint8 + 300`` arrives as 44): the backend converts it to the dtype as C converts it (a
  float rounds to float32), so ``float32 * 2.1`` computes in float32, as in PyTorch;
- result dtypes follow from the op: comparisons and logical ops (``COMPARISON_OPS``) and the
  predicates (``PREDICATE_OPS``) give bool, every other elementwise op the operands' dtype;
  the ops of ``FLOATING_OPS`` (true division, exp, log, ...) receive floating operands only;
  integer and bool ``sum``/``prod``/``cumsum`` give int64;
- broadcasting follows NumPy's rules.
- ``axes`` are non-negative ints, already normalised by the caller.
- ``key`` for indexing is a tuple of ints, slices, None, Ellipsis and backend integer or bool
  arrays, with NumPy's (= PyTorch's) indexing semantics.
"""
from __future__ import annotations

import re
from abc import ABC, abstractmethod
from pathlib import Path


def ops_h_entries(text: str, prefix: str) -> list:
    """The ops of a family in the text of kernels/ops.h as (name, code, tag) triples: its
    ``#define UNARY_exp 1  /* floating */`` lines and the ``X(exp, 1, exp)`` lines of its
    ``UNARY_FLOATING_FUNCTIONS`` list (tag 'floating'); tag None for an untagged op."""
    entries = [(name, int(code), tag or None) for name, code, tag in
               re.findall(rf"^#define {prefix}_(\w+) (\d+)[ \t]*(?:/\* (\w+) \*/)?", text, re.M)]
    listed = re.search(rf"^#define {prefix}_FLOATING_FUNCTIONS\(X\)((?:.*\\\n)*.*)", text, re.M)
    if listed:
        entries += [(name, int(code), "floating")
                    for name, code in re.findall(r"\bX\((\w+), *(\d+), *\w+\)", listed.group(1))]
    return entries


def _op_names(prefix: str, tag: str | None = None) -> frozenset:
    """The op names of a family in kernels/ops.h (``#define UNARY_exp 1  /* floating */`` or
    ``X(exp, 1, exp)`` in ``UNARY_FLOATING_FUNCTIONS`` -> 'exp'), those with ``tag`` only when
    given: that header is the one list of the elementwise and reduction ops a backend implements
    and of their dtype rules (the OpenCL kernels switch on its codes), so adding an op does not
    touch this file."""
    text = (Path(__file__).resolve().parents[1] / "kernels" / "ops.h").read_text()
    return frozenset(name for name, _, found in ops_h_entries(text, prefix) if tag is None or found == tag)


UNARY_OPS = _op_names("UNARY")
BINARY_OPS = _op_names("BINARY")
REDUCE_OPS = _op_names("REDUCE")
COMPARISON_OPS = _op_names("BINARY", "bool")
"""Binary ops with a bool result (comparisons, logical ops)."""
PREDICATE_OPS = _op_names("UNARY", "bool")
"""Unary ops with a bool result."""
FLOATING_OPS = _op_names("UNARY", "floating") | _op_names("BINARY", "floating")
"""Ops whose operands are floating point (the caller converts integers first)."""


def broadcast_error(op: str, *shapes) -> RuntimeError:
    """PyTorch's message for operands whose shapes do not broadcast."""
    ndim = max(len(s) for s in shapes)
    padded = [(1,) * (ndim - len(s)) + tuple(s) for s in shapes]
    for dim in range(ndim):
        sizes = [p[dim] for p in padded]
        first = next((s for s in sizes if s != 1), 1)
        other = next((s for s in sizes if s != 1 and s != first), None)
        if other is not None:
            return RuntimeError(
                f"The size of tensor a ({first}) must match the size of tensor b ({other}) at "
                f"non-singleton dimension {dim} ({op} of shapes {[list(s) for s in shapes]})")
    return RuntimeError(f"{op}: shapes {[list(s) for s in shapes]} do not broadcast")


UNSTABLE_EXACT_UP_TO = 256
"""The longest line that sort(stable=False) orders exactly as PyTorch's CPU std::sort (a
sequential algorithm: one work item per line on a device, Python per tied line on NumPy)."""


class Backend(ABC):
    """Abstract primitive set; see the module docstring for operand conventions."""

    name: str
    is_gpu = False
    """Whether the device is a GPU (execution_environment='auto' trains on one when present)."""

    # -- creation and transfer -------------------------------------------------------------
    @abstractmethod
    def from_host(self, host_array, dtype): """Copy a NumPy array to the device as ``dtype``."""

    @abstractmethod
    def to_host(self, x):
        """A NumPy array with x's values (may share memory on the CPU). A sync: raises an error
        a device recorded since the last sync (see gather)."""

    @abstractmethod
    def full(self, shape, value, dtype): """A new array of ``shape`` filled with ``value``."""

    @abstractmethod
    def empty(self, shape, dtype): """A new uninitialised array."""

    @abstractmethod
    def arange(self, start, end, step, dtype): """Values start, start+step, ... < end."""

    @abstractmethod
    def random(self, kind, shape, dtype, seed, offset, low=0.0, high=1.0):
        """Counter-based random numbers: kind is 'uniform', 'normal' or 'randint'.

        The stream is a pure function of (seed, offset), so a backend can generate it on the
        device; 'randint' draws integers in [low, high)."""

    # -- elementwise -----------------------------------------------------------------------
    @abstractmethod
    def unary(self, op, x): """Elementwise ``op`` from UNARY_OPS."""

    @abstractmethod
    def binary(self, op, a, b): """Elementwise ``op`` from BINARY_OPS with broadcasting."""

    @abstractmethod
    def where(self, condition, a, b): """Elementwise select; a and b may be Python scalars."""

    @abstractmethod
    def cast(self, x, dtype): """x converted to dtype (a new array)."""

    # -- reductions ------------------------------------------------------------------------
    @abstractmethod
    def reduce(self, op, x, axes, keepdims): """``op`` from REDUCE_OPS over ``axes`` (a tuple)."""

    @abstractmethod
    def arg_reduce(self, op, x, axis, keepdims):
        """'argmax' or 'argmin' along one axis (None: over the flattened array); first occurrence."""

    @abstractmethod
    def cumsum(self, x, axis): """Inclusive prefix sums along ``axis``."""

    @abstractmethod
    def sort(self, x, axis, descending, stable=True):
        """(values, int64 indices) of a sort along ``axis``; NaN sorts as the largest value (last,
        first when descending), -0.0 equals 0.0. Stable: equal keys keep their order. Unstable
        (``stable=False``): lines of 17 to UNSTABLE_EXACT_UP_TO elements leave ties in the order
        libstdc++'s std::sort does (PyTorch's CPU sort), other lines are sorted stably (below 17
        elements std::sort is an insertion sort: stable)."""

    @abstractmethod
    def sort_rows(self, x):
        """The int64 permutation (n,) in which libstdc++'s std::sort leaves the rows of x (n, m)
        under PyTorch's unique(dim) comparator: lexicographic by ``<`` / ``>``, a column where
        neither holds (equal values, or a NaN) deciding nothing. Sequential by nature: a device
        may compute it on the host (unique reads its result count back anyway)."""

    @abstractmethod
    def topk(self, x, k, axis, largest, sorted_):
        """(values, int64 indices) with k along ``axis``: the k largest (smallest unless
        ``largest``) as PyTorch's CPU kernel orders them: libstdc++'s nth_element then sort of
        the first k - 1 (only when ``sorted_``), or partial_sort when k * 64 <= n, on (value,
        index) pairs with NaN above every number; so indices among ties are PyTorch's."""

    @abstractmethod
    def kthvalue(self, x, k, axis):
        """(values, int64 indices) of the k-th smallest (k from 1) along ``axis``, kept as size
        1, chosen as PyTorch's CPU kernel does: quickselect (median-of-three pivot, Hoare
        partition) on a copy of each line with NaN above every number, so among equal values the
        index is PyTorch's."""

    @abstractmethod
    def mode(self, x, axis):
        """(values, int64 indices) of PyTorch's CPU mode along ``axis``, kept as size 1: the
        (value, index) pairs sorted by libstdc++'s std::sort with ``<`` on the values (insertion
        sort below 17 elements; a NaN compares false both ways), then the last pair of the first
        longest run of ``==`` equal values (NaN equals nothing). Without NaN: the smallest most
        frequent value (and, below 17 elements, its last index)."""

    @abstractmethod
    def scan(self, op, x, axis):
        """Inclusive scan along ``axis``: 'cumprod' (integer and bool inputs give int64),
        'logcumsumexp' (floating x) -> one array; 'cummax' / 'cummin' -> (values, int64
        indices), the index of the running extreme being the latest of equal values; once a NaN
        is seen the value stays NaN and each later NaN takes over the index (PyTorch's rules)."""

    @abstractmethod
    def searchsorted(self, sorted_sequence, values, right):
        """int64 insertion points of ``values`` (..., m) in the rows of ``sorted_sequence``
        (..., n) with the same leading dims, or 1-D (one row for all). PyTorch's comparisons:
        left finds the first element not less than the value (``right``: greater than it), so a
        NaN value goes after every element."""

    @abstractmethod
    def histc(self, x, bins, range_):
        """Counts (in x's floating dtype) of x's elements in ``bins`` equal bins over [low, high],
        ``range_`` a 2-element array of x's dtype (low < high, both finite): the bin of v is
        int((v - low) * bins / (high - low)) computed in x's dtype, v = high goes to the last
        bin, elements outside the range (and NaN) are not counted."""

    # -- movement (results may alias x) -----------------------------------------------------
    @abstractmethod
    def reshape(self, x, shape): """x with a new shape; a view when the layout allows it."""

    @abstractmethod
    def view(self, x, shape): """Like reshape but always a view; raises ValueError otherwise."""

    @abstractmethod
    def permute(self, x, axes): """A view with axes reordered."""

    @abstractmethod
    def broadcast_to(self, x, shape): """A read-only stride-0 view broadcast to ``shape``."""

    @abstractmethod
    def getitem(self, x, key, describe=None):
        """Basic indexing returns a view; advanced indexing a copy. Range errors: see gather."""

    @abstractmethod
    def flip(self, x, axes): """x reversed along ``axes`` (a new array)."""

    @abstractmethod
    def pad(self, x, widths, value): """Constant padding; widths is ((before, after), ...) per axis."""

    @abstractmethod
    def concatenate(self, arrays, axis): """Join arrays along an existing axis."""

    @abstractmethod
    def copy(self, x): """A new contiguous array with x's values."""

    @abstractmethod
    def aliases(self, a, b) -> bool: """Whether a and b may share memory."""

    @abstractmethod
    def has_internal_overlap(self, x) -> bool: """Whether two elements of x share memory."""

    # -- indexing --------------------------------------------------------------------------
    @abstractmethod
    def gather(self, x, axis, index, ignore=None, describe=None):
        """out[i][j] = x[index[i][j]][j] along ``axis`` (take_along_axis); an index equal to
        ``ignore`` (an int or None) reads 0 and is not range-checked.

        An index out of range is an IndexError "index v is out of bounds for axis a with size
        n". A backend that checks at once (NumPy) raises it here and the caller words it; a
        device backend that must not wait for the device (OpenCL) records it on the device and
        raises ``describe(that IndexError)`` (``describe`` None: the IndexError itself) at its
        next sync (to_host, synchronize), and leaves the result's bad positions arbitrary but
        every other tensor untouched. ``describe`` must be a long-lived function (one per
        message: devices register it once)."""

    @abstractmethod
    def scatter(self, x, axis, index, src, accumulate, ignore=None, describe=None, into=False):
        """A copy of x with src written (or added, if accumulate) at index along axis; an index
        equal to ``ignore`` writes nothing. Range errors: see gather. ``into``: write into x
        itself and return it (x a fresh contiguous buffer the caller owns, e.g. the zeros of a
        gather's backward: no copy of a mostly-zero array)."""

    @abstractmethod
    def scatter_reduce(self, x, axis, index, src, reduce, describe=None):
        """A copy of x with each element of src (index's shape) combined into x at index along
        axis by ``reduce``: "prod", "amax" or "amin" (a NaN wins in amax and amin, as in
        PyTorch; on bool, prod and amin are "and", amax is "or"). Range errors: see gather."""

    @abstractmethod
    def diagonal(self, x, axis1, axis2):
        """A view of x's main diagonal over axis1 and axis2 (two different axes), as a last
        axis of size min(x.shape[axis1], x.shape[axis2]) after x's other axes."""

    @abstractmethod
    def windows(self, x, axis, size, step):
        """A view of the windows of ``size`` elements every ``step`` along axis (Tensor.unfold):
        axis becomes the number of windows, (x.shape[axis] - size) // step + 1, and a last axis
        of ``size`` walks one window."""

    @abstractmethod
    def index_put(self, x, key, values, accumulate, describe=None):
        """In place: x[key] = values, or x[key] += values with repeated indices accumulating.
        Range errors: see gather (a position with a bad index is not written)."""

    @abstractmethod
    def assert_all(self, x, message, describe=None):
        """Report unless every element of the bool array x is true: ``describe(RuntimeError(
        message))`` (``describe`` None: that RuntimeError), raised when the backend checks
        (see gather: at once on NumPy, at the next sync on OpenCL)."""

    @abstractmethod
    def assert_in_range(self, x, low, high, message, describe=None):
        """Report unless every element of x lies in [low, high] (NaN does not): RuntimeError(
        message.format(value=an offending element)), worded by ``describe`` as in assert_all."""

    @abstractmethod
    def nonzero(self, x): """A tuple of int64 arrays, the indices of the non-zero elements per axis."""

    @abstractmethod
    def is_contiguous(self, x) -> bool: """Whether x is laid out row-major without gaps."""

    # -- linear algebra --------------------------------------------------------------------
    @abstractmethod
    def matmul(self, a, b, transpose_a=False, transpose_b=False):
        """Batched op(a) @ op(b) with broadcast batch dims (both ndim >= 2); op transposes the
        last two dims when its flag is set."""

    # -- convolution support -----------------------------------------------------------------
    @abstractmethod
    def unfold(self, x, kernel, stride, pads, dilation, pad_value=0.0, layout="batch"):
        """im2col: x (N, C, H, W) -> (N, C*kh*kw, OH*OW) (layout 'batch', PyTorch's F.unfold) or
        (C*kh*kw, N*OH*OW) (layout 'columns': one GEMM for a whole convolution).

        pads = (top, bottom, left, right), each may be negative (a crop); padded cells hold
        ``pad_value`` (-inf for max pooling)."""

    @abstractmethod
    def max_pool2d(self, x, kernel, stride, pads, dilation):
        """Max over windows of (N, C, H, W) padded with -inf: (values (N, C, OH, OW), indices),
        indices flat into each H*W input plane (PyTorch's return_indices), the first maximum
        of a window on ties."""

    @abstractmethod
    def fold(self, cols, output_size, kernel, stride, pads, dilation, layout="batch"):
        """col2im, the adjoint of unfold (same layouts) -> (N, C, H, W); overlapping windows add."""

    # -- in place --------------------------------------------------------------------------
    @abstractmethod
    def copy_into(self, dst, src): """dst[...] = src (src broadcast to dst's shape)."""

    @abstractmethod
    def binary_inplace(self, op, dst, other): """dst = op(dst, other) in dst's memory."""

    # -- queries ---------------------------------------------------------------------------
    @abstractmethod
    def all_finite(self, x) -> bool: """Whether every element is finite (used by anomaly mode)."""

    # -- optional fused fast paths (None: callers use the composition of primitives) ----------
    adam_step = None
    """adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, lr, beta1, beta2, eps,
    weight_decay, decoupled, amsgrad): one Adam/AdamW update, in place on the arrays; ``step``
    is a 0-dim float32 array (the count of steps taken), incremented first, on the device."""

    logsumexp = None
    """logsumexp(x, axis, keepdims): log(sum(exp(x))) along one axis, shifted by the row max
    (all -inf rows give -inf); the fused kernel behind log_softmax, softmax and cross_entropy."""

    softmax = None
    """softmax(x, axis, log): softmax (log_softmax when log) along one axis in one fused pass."""

    softmax_backward = None
    """softmax_backward(grad, out, axis, log): the first-order gradient of softmax (log_softmax
    when log) from its output: grad - exp(out) sum(grad), or out (grad - sum(grad out)), the sums
    along axis; grad broadcasts to out's shape."""

    masked_softmax = None
    """masked_softmax(x, keep, scale): softmax over the last axis of where(keep, x * scale, -inf),
    keep a bool array broadcast to x (attention's scaled, masked scores)."""

    gelu = None
    """gelu(x) -> (out, cdf): exact GELU out = x Phi(x) and the normal cdf Phi(x) it used (kept
    for the backward), both of x's shape and dtype."""

    gelu_backward = None
    """gelu_backward(grad, x, cdf) -> grad (Phi(x) + x phi(x)), x's shape and dtype; grad
    broadcasts to x's shape."""

    layer_norm = None
    """layer_norm(x, weight, bias, normalized_shape, eps) -> (out, xhat, rstd) over the trailing
    normalized_shape of x: xhat = (x - mean) rstd with rstd = 1 / sqrt(biased var + eps) of shape
    (rows, 1), out = xhat weight + bias (weight, bias: None or of normalized_shape; out may be
    xhat itself when both are None)."""

    layer_norm_backward = None
    """layer_norm_backward(grad, xhat, rstd, weight, normalized_shape, needs) -> (grad_x,
    grad_weight, grad_bias), each None where ``needs`` (three flags) is False: grad_x = rstd (g -
    mean(g) - xhat mean(g xhat)) per row with g = grad weight; grad_weight, grad_bias are the sums
    over the rows of grad xhat and grad, of normalized_shape."""

    softmax_cross_entropy = None
    """softmax_cross_entropy(x, target, ignore_index, reduction, describe) -> (loss, logp, count):
    x (N, C) float logits, target (N,) int64 class indices; logp = log_softmax(x) over dim 1;
    loss = -logp[target] per row ('none': (N,), 0 where the target is ignore_index), else their
    sum over the used rows, divided by the used rows' count for 'mean' (0 used: nan); count ()
    that count in x's dtype. A target out of [0, C) that is not ignored raises IndexError("index
    {value} is out of bounds for axis 1 with size {size}"), worded by ``describe``, at the next
    sync on a device."""

    softmax_cross_entropy_backward = None
    """softmax_cross_entropy_backward(grad, logp, target, count, ignore_index, reduction) ->
    grad_x (N, C): (exp(logp) - onehot(target)) grad (grad (N,) for 'none', () otherwise,
    divided by count for 'mean'); a row whose target is ignored gets 0 - exp(logp) 0 (nan where
    logp is, as PyTorch's), one whose target is out of range 0."""

    def synchronize(self) -> None:
        """Wait for queued work (a no-op on synchronous backends); raises an error the device
        recorded meanwhile (see gather)."""
