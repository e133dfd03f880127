"""The op table (ops/elementwise.py and ops/reduce.py rows, built by ops/_table.py): every row is
complete (a test spec, an OpenCL op code, a NumPy implementation, a docstring with an example),
what is built from it matches it, and every op, with or without a gradient, goes through
Function.apply (so its device check applies)."""
from pathlib import Path

import numpy as np
import pytest

import tensorlite as tl
from tensorlite.backends import base, numpy_backend
from tensorlite.device import Device
from tensorlite.ops import elementwise, reduce
from tensorlite.ops._table import Op, Spec, class_name

from op_specs import SPEC_BY_NAME

ROWS = elementwise.ROWS + reduce.ROWS
IDS = [row.name for row in ROWS]
OPS_H = (Path(tl.__file__).parent / "kernels" / "ops.h").read_text()
NUMPY_OPS = {"unary": numpy_backend._UNARY, "binary": numpy_backend._BINARY, "reduce": numpy_backend._REDUCE}


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_every_row_has_a_test_spec(row):
    if isinstance(row.test, Spec):
        assert hasattr(np, row.test.numpy), f"{row.name}: no numpy.{row.test.numpy} reference"
        assert row.kind != "binary" or len(row.test.kinks) in (0, 2)
    spec = SPEC_BY_NAME.get(row.name if isinstance(row.test, Spec) else row.test)
    assert spec is not None, f"{row.name}: its test spec {row.test!r} is not in tests/op_specs.py"
    assert spec.double == row.differentiable or not spec.double


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_every_row_has_an_opencl_op_code_and_a_numpy_function(row):
    prefix = row.kind.upper()
    assert row.code in {name for name, _, _ in base.ops_h_entries(OPS_H, prefix)}, \
        f"{row.name}: no '#define {prefix}_{row.code} <code>' (or X line in {prefix}_FLOATING_FUNCTIONS) in kernels/ops.h"
    assert row.code in NUMPY_OPS[row.kind], f"{row.name}: no NumPy function for {row.code!r}"


def test_the_dtype_policies_match_the_ops_h_tags():
    """A row that converts integer operands to float is a 'floating' op of the backend contract
    (kernels/ops.h tags, read by backends/base.py), a row without a gradient on floats a 'bool' one."""
    policies = (elementwise._float, elementwise._promoted_float, elementwise._tensors_promoted_float,
                elementwise._tensors_floating)  # the last: floating operands only (hypot)
    floating = {row.code for row in elementwise.ROWS if row.dtypes in policies}
    assert floating | {"div"} == base.FLOATING_OPS  # div converts in its hand-written function
    boolean = {row.code for row in elementwise.ROWS if not row.differentiable and "bitwise" not in row.code}
    assert boolean == base.COMPARISON_OPS | base.PREDICATE_OPS


def test_every_elementwise_op_code_has_its_kernel_case():
    """An explicit case, or an X line of ops.h's floating functions, whose cases unary.cl (float
    and integer paths) and binary.cl (float path) expand."""
    kernels = Path(tl.__file__).parent / "kernels"
    for kind, source, expansions in (("unary", "unary.cl", 2), ("binary", "binary.cl", 1)):
        text = (kernels / source).read_text()
        listed = {name for name, _, tag in base.ops_h_entries(OPS_H, kind.upper())
                  if tag == "floating" and f"#define {kind.upper()}_{name} " not in OPS_H}
        assert text.count(f"{kind.upper()}_FLOATING_FUNCTIONS(") == expansions, source
        for row in ROWS:
            if row.kind == kind:
                assert row.code in listed or f"case {kind.upper()}_{row.code}:" in text, \
                    f"{row.name}: no case in {source}"


@pytest.mark.parametrize("prefix", ["UNARY", "BINARY", "REDUCE", "RANDOM"])
def test_ops_h_codes_are_distinct_within_a_family(prefix):
    """The #define lines and the X lists share a family's codes (the kernels switch on them)."""
    entries = base.ops_h_entries(OPS_H, prefix)
    names, codes = [name for name, _, _ in entries], [code for _, code, _ in entries]
    assert len(set(names)) == len(names), f"{prefix}: an op is listed twice in kernels/ops.h"
    assert len(set(codes)) == len(codes), f"{prefix}: two ops of kernels/ops.h share a code: {sorted(codes)}"


def test_ops_h_reader_reads_the_floating_function_lists():
    text = """#define UNARY_FLOATING_FUNCTIONS(X) \\
    X(exp, 1, exp) \\
    X(exp2, 23, exp2) \\
    /* end */
#define UNARY_neg 0
#define UNARY_isnan 19          /* bool */
#define BINARY_FLOATING_FUNCTIONS(X) \\
    X(copysign, 21, copysign) \\
    /* end */
"""
    assert base.ops_h_entries(text, "UNARY") == [("neg", 0, None), ("isnan", 19, "bool"),
                                                 ("exp", 1, "floating"), ("exp2", 23, "floating")]
    assert base.ops_h_entries(text, "BINARY") == [("copysign", 21, "floating")]


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_what_is_built_from_a_row(row):
    public = (elementwise if row in elementwise.ROWS else reduce).PUBLIC[row.name]
    function = (elementwise if row in elementwise.ROWS else reduce).FUNCTIONS[row.name]
    assert function.__name__ == class_name(row.name) and function.row is row
    for name in (row.name,) + row.aliases:
        assert getattr(tl, name) is public, f"tl.{name}"
        if row.method:
            assert getattr(tl.Tensor, name) is getattr(public, "__wrapped__", public), f"Tensor.{name}"
    assert ">>>" in (public.__doc__ or ""), f"{row.name}: its docstring has no example"
    assert (row.name in reduce.NON_DIFFERENTIABLE) == (not row.differentiable)
    if row.inplace:
        assert hasattr(tl.Tensor, row.name + "_")


def test_a_backward_formula_names_what_it_reads():
    row = Op("twice", "binary", (lambda grad, b: grad * b, lambda grad, a, out: grad * a * out), "mul")
    assert row.reads == (("b",), ("a", "out")) and row.saves == ("a", "b", "out")
    with pytest.raises(TypeError, match="'bad'.*got \\('grad', 'y'\\)"):
        Op("bad", "unary", (lambda grad, y: grad,), "exp")


def test_only_what_the_needed_formulas_read_is_saved():
    """As PyTorch: mul saves b for a's gradient and a for b's; the output is saved whenever a
    node is recorded (modifying it in place before backward raises)."""
    a, b = tl.tensor([1.0, 2.0], requires_grad=True), tl.tensor([3.0, 4.0])
    y = a * b
    with tl.no_grad():
        a.add_(1.0)  # not saved: only b's formula would read a
    b.add_(1.0)      # saved for a's gradient
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()
    x = tl.tensor([1.0, 2.0])
    e = tl.tensor([2.0, 3.0], requires_grad=True)
    out = x ** e
    out.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


# -- every op goes through Function.apply: a second device --------------------------------
@pytest.fixture(scope="module")
def second():
    """A second device (another NumPy backend): tensors on it must not mix with CPU ones."""
    return Device("second", 0, numpy_backend.NumpyBackend())


MIXED = {
    "add": lambda a, b: a + b, "eq": lambda a, b: a == b, "lt": lambda a, b: a < b,
    "ge": lambda a, b: a >= b, "logical_and": tl.logical_and, "logical_xor": tl.logical_xor,
    "and": lambda a, b: a.bool() & b.bool(), "bitwise_or": lambda a, b: a.long() | b.long(),
    "maximum": tl.maximum, "mul": lambda a, b: a * b,
}


@pytest.mark.parametrize("name", sorted(MIXED))
def test_mixed_devices_are_refused_by_every_binary_op(second, name):
    a, b = tl.tensor([1.0, 2.0], device="cpu"), tl.tensor([1.0, 3.0], device="cpu").to(second)
    with pytest.raises(RuntimeError, match=r"Expected all tensors to be on the same device, but found "
                                           r"at least two devices, cpu and second:0!"):
        MIXED[name](a, b)


def test_ops_without_a_gradient_run_on_their_operands_device(second):
    x = tl.tensor([[1.0, float("nan")], [0.0, 2.0]], device="cpu").to(second)
    for result in (x == 1.0, x.isnan(), x.argmax(), x.any(), x.all(1), tl.tensor([2, 3], device="cpu").to(second).prod(),
                   x.count_nonzero(), ~(x > 0)):
        assert result.device == second and not result.requires_grad


def test_ops_without_a_gradient_record_no_node():
    x = tl.tensor([1.0, -2.0], requires_grad=True)
    for result in (x > 0, x == x, x.isnan(), x.argmax(), x.any(), tl.logical_not(x)):
        assert result.grad_fn is None and not result.requires_grad
    with pytest.raises(RuntimeError, match="does not require grad"):
        (x > 0).sum().backward()


# -- the ops added through the table: their kinks and exact values, as PyTorch 2.13 -------------
def test_copysign_gradients_at_zeros_match_pytorch():
    a = tl.tensor([-2.0, -0.0, 0.0, 3.0, 1.0, -1.0], dtype=tl.float64, requires_grad=True)
    b = tl.tensor([1.0, 1.0, -0.0, -2.0, 0.0, -0.0], dtype=tl.float64, requires_grad=True)
    y = tl.copysign(a, b)
    assert y.tolist() == [2.0, 0.0, -0.0, -3.0, 1.0, -1.0]
    assert np.signbit(y.detach().numpy()).tolist() == [False, False, True, True, False, True]
    ga, gb = tl.autograd.grad(y.sum(), (a, b), create_graph=True)
    assert ga.tolist() == [-1.0, 0.0, 0.0, -1.0, 1.0, 1.0] and gb.tolist() == [0.0] * 6
    assert repr(y.grad_fn).startswith("<CopysignBackward0")


def test_copysign_and_exp2_dtypes_match_pytorch():
    assert tl.copysign(tl.tensor([1, -2]), tl.tensor([-1, 1])).tolist() == [-1.0, 2.0]
    assert tl.copysign(tl.tensor([1.0, 2.0]), -1).tolist() == [-1.0, -2.0]
    assert tl.exp2(tl.tensor([0, 1, 3])).dtype is tl.float32
    assert tl.exp2(tl.tensor([3.0], dtype=tl.float64)).item() == 8.0  # exact, unlike exp(3 ln 2)
    with pytest.raises(TypeError, match="copysign"):
        tl.copysign(1.5, tl.ones(2))


def test_a_row_saving_nothing_for_the_needed_input_backpropagates():
    """remainder's a-gradient reads nothing (its b-formula reads a and b): nothing is saved when
    only a needs a gradient, with a tensor or a number divisor."""
    for divisor in (tl.tensor([4.0]), 4.0):
        x = tl.arange(6.0, requires_grad=True)
        (x % divisor).sum().backward()
        assert x.grad.tolist() == [1.0] * 6
    x, d = tl.tensor([7.0, 9.0], requires_grad=True), tl.tensor([2.0, 4.0], requires_grad=True)
    (x / 2.0 + d / x).sum().backward()  # div with a number divisor, then with tensors
    assert x.grad.tolist() == pytest.approx([0.5 - 2.0 / 49.0, 0.5 - 4.0 / 81.0], rel=1e-6)
