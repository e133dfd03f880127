"""Second fuzzing round: in-place operators on views, NumPy scalar operands and data, reduction
``dtype=``, ``x[key] = tensor`` conversions, loss dtype rules, clip_grad_norm_ with non-finite
gradients, cat with legacy empty tensors, grad-mode decorators."""
import numpy as np
import pytest
import torch
from hypothesis import assume, given, strategies as st

import tensorlite as tl
from harness import Arr, check
from inputs import ALL_DTYPES, arrs

DTYPES = st.sampled_from(ALL_DTYPES)
INT_DTYPES = st.sampled_from(["int64", "int32", "uint8"])
NUMPY_SCALARS = [np.int8, np.uint8, np.int16, np.int32, np.int64, np.float16, np.float32, np.float64, np.bool_]


@pytest.mark.parametrize("op", ["__ifloordiv__", "__imod__", "__iand__", "__ior__", "__ixor__",
                                "__iadd__", "__isub__", "__imul__", "__itruediv__", "__ipow__"])
@given(x=arrs(dtype=DTYPES, min_dims=1, empty=False, requires_grad=False, specials=False),
       other=st.integers(1, 5))
def test_inplace_operator_on_a_view_writes_the_base(op, x, other):
    """``v op= k`` on a view of x: x afterwards (or the same refusal)."""
    def fn(lib, x):
        view = x[..., :1]
        getattr(view, op)(other)
        return x
    check(fn, x, grad=False)


@pytest.mark.parametrize("kind", NUMPY_SCALARS)
@pytest.mark.parametrize("op", ["add", "mul", "sub", "rsub", "eq", "lt", "iadd"])
@given(x=arrs(dtype=DTYPES, requires_grad=False, specials=False))
def test_numpy_scalar_operands_are_weak(kind, op, x):
    value = kind(2)

    def fn(lib, x):
        calls = {"add": lambda: x + value, "mul": lambda: x * value, "sub": lambda: x - value,
                 "rsub": lambda: value - x, "eq": lambda: x == value, "lt": lambda: x < value,
                 "iadd": lambda: x.add_(value)}
        return calls[op]()
    check(fn, x, grad=False)


@pytest.mark.parametrize("kind", NUMPY_SCALARS[:-1])
def test_tensor_of_numpy_scalars_and_nested_tensors(kind):
    check(lambda lib: (lib.tensor(kind(1)), lib.tensor([kind(1), kind(2)]), lib.tensor([[kind(1)], [kind(3)]]),
                       lib.tensor([lib.tensor(kind(1)), 2]) if kind is not np.float16 else lib.tensor(0),
                       lib.tensor([lib.tensor(kind(1)), 2.5]) if kind is not np.float16 else lib.tensor(0)),
          grad=False)


@pytest.mark.parametrize("items", [[1, 2.5], [True, 1], [1.0, "t64"], ["t16", 2], ["t32", "t8"],
                                   ["t1d", "t1d"], ["t2d", 1.0], [np.float64(1.5), 2]])
def test_tensor_of_mixed_items(items):
    def fn(lib):
        made = {"t64": lib.tensor(1.0, dtype=lib.float64), "t16": lib.tensor(3, dtype=lib.int16),
                "t32": lib.tensor(3, dtype=lib.int32), "t8": lib.tensor(3, dtype=lib.uint8),
                "t1d": lib.tensor([1.5]), "t2d": lib.tensor([[2.0]])}
        return lib.tensor([made.get(i, i) if isinstance(i, str) else i for i in items])
    check(fn, grad=False)


@pytest.mark.parametrize("op", ["sum", "prod", "cumsum"])
@given(x=arrs(dtype=DTYPES, min_dims=1, requires_grad=False, specials=False, low=-3, high=3),
       dtype=st.sampled_from(["int64", "int32", "uint8", "int16", "float64", "float32", "bool"]),
       keepdim=st.booleans())
def test_reduction_dtype_argument(op, x, dtype, keepdim):
    assume(not (x.array.dtype.kind == "f" and dtype in ("uint8", "bool")))  # float -> uint8 of negatives: undefined
    assume(not (x.array.dtype.kind == "i" and dtype == "uint8" and (x.array < 0).any()))

    def fn(lib, x):
        d = getattr(lib, dtype)
        if op == "cumsum":
            return x.cumsum(-1, dtype=d)
        return getattr(x, op)(-1, keepdim, dtype=d), getattr(lib, op)(x, dtype=d)
    check(fn, x, grad=False)


@given(target=DTYPES, source=DTYPES, data=st.data())
def test_setitem_with_a_tensor_of_another_dtype(target, source, data):
    x = data.draw(arrs(shape=(2, 3), dtype=target, requires_grad=False, specials=False))
    v = data.draw(arrs(shape=(3,), dtype=source, requires_grad=False, specials=False, low=0, high=3))
    key = data.draw(st.sampled_from(["row", "ellipsis", "slice", "list", "mask1"]))

    def fn(lib, x, v):
        if key == "row":
            x[1] = v
        elif key == "ellipsis":
            x[...] = v
        elif key == "slice":
            x[:, 1:2] = v[:1]
        elif key == "list":
            x[[0, 1]] = v
        else:
            x[x == x] = v[0]  # mask with a one-element value: a fill, converted
        return x
    check(fn, x, v, grad=False)


@pytest.mark.parametrize("target_dtype", ["int64", "uint8", "int32"])
@pytest.mark.parametrize("weight_dtype", [None, "float32", "float64"])
@given(x=arrs(shape=(3, 4), dtype="float32", specials=False), ls=st.sampled_from([0.0, 0.2]))
def test_class_losses_dtypes(target_dtype, weight_dtype, x, ls):
    def fn(lib, x):
        t = lib.tensor([0, 3, 1], dtype=getattr(lib, target_dtype))
        w = None if weight_dtype is None else lib.tensor([1.0, 2.0, 0.5, 1.0], dtype=getattr(lib, weight_dtype))
        nll = lib.nn.functional.nll_loss(x.log_softmax(1), t, weight=w)
        if ls and target_dtype == "uint8":
            return nll  # PyTorch's label smoothing fails on uint8 targets (its own gather)
        return nll, lib.nn.functional.cross_entropy(x, t, weight=w, label_smoothing=ls)
    check(fn, x)


@pytest.mark.parametrize("weight", [[1.0, 2.0], [1.0, 2.0, 3.0, 4.0, 5.0]])
def test_class_weight_of_the_wrong_size(weight):
    x = Arr(np.zeros((3, 4), np.float32), True)
    check(lambda lib, x: lib.nn.functional.cross_entropy(x, lib.tensor([0, 3, 1]), weight=lib.tensor(weight)), x)


@pytest.mark.parametrize("dtypes", [("float32", "float64", None), ("float64", "float32", None),
                                    ("float32", "float32", "float64"), ("float32", "int64", None)])
@pytest.mark.parametrize("logits", [True, False])
def test_binary_cross_entropy_dtypes(dtypes, logits):
    x = Arr(np.array([[0.2, 0.5], [0.1, 0.9]], dtype=dtypes[0]), True)

    def fn(lib, x):
        t = lib.tensor([[0, 1], [1, 0]], dtype=getattr(lib, dtypes[1]))
        w = None if dtypes[2] is None else lib.tensor([1.0, 2.0], dtype=getattr(lib, dtypes[2]))
        if logits:
            return (lib.nn.functional.binary_cross_entropy_with_logits(x, t, weight=w),
                    lib.nn.functional.binary_cross_entropy_with_logits(x, t, pos_weight=w))
        return lib.nn.functional.binary_cross_entropy(x, t, weight=w)
    check(fn, x)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), 1.0])
@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")])
@given(max_norm=st.sampled_from([0.0, 0.5, 100.0]))
def test_clip_grad_norm_non_finite(bad, norm_type, max_norm):
    def fn(lib):
        a, b = lib.zeros(2, 2, requires_grad=True), lib.zeros(2, requires_grad=True)
        a.grad, b.grad = lib.tensor([[1.0, -2.0], [3.0, bad]]), lib.tensor([-5.0, 1.0])
        total = lib.nn.utils.clip_grad_norm_([a, b], max_norm, norm_type=norm_type)
        return total, a.grad, b.grad
    check(fn, grad=False)


@given(x=arrs(dtype=DTYPES, min_dims=1, requires_grad=True, specials=False), empty=DTYPES,
       position=st.integers(0, 2))
def test_cat_skips_legacy_empty_tensors(x, empty, position):
    def fn(lib, x):
        parts = [x, x * 1 if x.dtype.is_floating_point else x]
        parts.insert(position, lib.zeros(0, dtype=getattr(lib, empty)))
        return lib.cat(parts, -1)
    check(fn, x)


@pytest.mark.parametrize("mode", ["bare_no_grad", "bare_enable_grad", "inference", "inference_false",
                                  "inference_bare"])
def test_grad_mode_decorators(mode):
    x = Arr(np.array([1.0, 2.0]), True)

    def fn(lib, x):
        def double(a):
            return a * 2
        if mode == "bare_no_grad":
            return lib.no_grad(double)(x).requires_grad
        if mode == "bare_enable_grad":
            with lib.no_grad():
                return lib.enable_grad(double)(x).requires_grad
        if mode == "inference_bare":
            return lib.inference_mode(double)(x).requires_grad, lib.is_grad_enabled()
        with lib.no_grad():
            with lib.inference_mode(mode == "inference"):
                return (x * 2).requires_grad
    check(fn, x, grad=False)


@given(dtypes=st.tuples(DTYPES, DTYPES), weight=st.sampled_from(["scalar", "0d", "1d", "0d_int", "0d_bool"]),
       data=st.data())
def test_lerp_dtypes(dtypes, weight, data):
    x = data.draw(arrs(shape=(3,), dtype=dtypes[0], specials=False))
    end = data.draw(arrs(shape=(3,), dtype=dtypes[1], specials=False))
    w = {"scalar": 0.25, "0d": Arr(np.array(0.75)), "1d": Arr(np.array([0.2, 0.6, 0.9])),
         "0d_int": Arr(np.array(1)), "0d_bool": Arr(np.array(True))}[weight]
    check(lambda lib, x, end, w: lib.lerp(x, end, w), x, end, w)


@pytest.mark.parametrize("op", ["repeat_ones", "unfold_1x1", "cat_one", "clone", "flip_none", "masked_fill_none",
                                "pad_zero", "dropout_eval"])
@given(x=arrs(shape=(2, 3), dtype="float32", requires_grad=False, specials=False))
def test_copies_do_not_alias_the_input(op, x):
    """Write into the result: the input must not change (the result is a new tensor)."""
    def fn(lib, x):
        F = lib.nn.functional
        y = {"repeat_ones": lambda: x.repeat(1, 1), "unfold_1x1": lambda: F.unfold(x[None, None], 1),
             "cat_one": lambda: lib.cat([x]), "clone": lambda: x.clone(), "flip_none": lambda: x.flip(0),
             "masked_fill_none": lambda: x.masked_fill(x != x, 0.0), "pad_zero": lambda: F.pad(x, (0, 0)),
             "dropout_eval": lambda: F.dropout(x, 0.5, training=False)}[op]()
        y.mul_(2)
        return x, y
    check(fn, x, grad=False)


@pytest.mark.parametrize("equation", ["i,i->", "ij,jk->ik", "ij,ij->ij", "i,j->ij", "bi,bj->bij", "bi,bj->ij",
                                      "ij->ji", "ii->i"])
@given(dtype=DTYPES)
def test_einsum_and_products_by_dtype(equation, dtype):
    n = 2
    def fn(lib):
        one = lib.ones(n, dtype=getattr(lib, dtype))
        two = lib.ones(n, n, dtype=getattr(lib, dtype))
        ops = [one if len(t) == 1 else two for t in equation.split("->")[0].split(",")]
        outs = [lib.einsum(equation, *ops)]
        if "," in equation and equation.count("i") == 2 and len(equation) == 5:
            outs.append(one @ one)
        return outs
    check(fn, grad=False)
