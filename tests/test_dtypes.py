"""dtypes.py's promotion table against PyTorch's category rules (SEMANTICS.md (a), "Type
promotion") and against pairs pinned from PyTorch 2.13 (checked with torch.promote_types and
torch's operators when this file was written; torch is not imported here)."""
import itertools

import pytest

import tensorlite as tl
from tensorlite import dtypes as dt

ALL = dt.ALL_DTYPES
SIGNED_INTEGERS = (dt.int8, dt.int16, dt.int32, dt.int64)


def test_the_table_covers_every_pair_once():
    assert set(dt.PROMOTION) == set(itertools.product(ALL, ALL))


@pytest.mark.parametrize("a,b", list(itertools.product(ALL, ALL)))
def test_category_rules(a, b):
    """Symmetric; the higher category wins whole; inside one category the result holds both:
    the wider type, and uint8 with a signed integer the smallest signed type holding 0..255."""
    result = dt.promote_types(a, b)
    assert result is dt.promote_types(b, a)
    if a.category != b.category:
        assert result is (a if a.category > b.category else b)
    elif a is b:
        assert result is a
    elif {a, b} == {dt.uint8} | ({a, b} & set(SIGNED_INTEGERS)):
        signed = b if a is dt.uint8 else a
        assert result is (signed if signed.itemsize > 1 else dt.int16)
    elif {a, b} == {dt.float16, dt.bfloat16}:  # neither holds the other: the next wider float
        assert result is dt.float32
    else:
        assert result is max(a, b, key=lambda d: d.itemsize)
        assert result.category == a.category


# pinned with torch.promote_types in PyTorch 2.13.0
PINNED_PAIRS = [
    ("bool", "uint8", "uint8"), ("bool", "int8", "int8"), ("bool", "float16", "float16"),
    ("uint8", "int8", "int16"), ("uint8", "int16", "int16"), ("uint8", "int64", "int64"),
    ("int8", "int16", "int16"), ("int32", "int64", "int64"), ("int64", "float16", "float16"),
    ("int64", "float32", "float32"), ("float16", "float32", "float32"),
    ("float32", "float64", "float64"), ("uint8", "float16", "float16"),
    ("bfloat16", "float16", "float32"), ("bfloat16", "int64", "bfloat16"), ("bool", "bfloat16", "bfloat16"),
    ("bfloat16", "float32", "float32"), ("uint8", "bfloat16", "bfloat16"), ("bfloat16", "float64", "float64"),
]


@pytest.mark.parametrize("a,b,expected", PINNED_PAIRS)
def test_pairs_pinned_from_pytorch(a, b, expected):
    assert dt.promote_types(getattr(dt, a.replace("bool", "bool_")),
                            getattr(dt, b.replace("bool", "bool_"))).name == expected
    assert tl.promote_types(a, b).name == expected  # names and NumPy dtypes are read too


def _operand(spec):
    """'i8' a dimensioned int64 tensor, '0d:i8' a 0-dim one, or a Python number as is."""
    if not isinstance(spec, str):
        return spec
    zero_d, code = spec.startswith("0d:"), spec[-2:]
    dtype = dt._CODES[code]
    return tl.zeros(() if zero_d else (2,), dtype=dtype)


# pinned with PyTorch 2.13.0's operators (torch.ones(2, dtype=...) + ...).dtype
PINNED_RESULTS = [
    (("i8", 1.5), "float32"), (("f4", "0d:f8"), "float32"), (("i4", "0d:i8"), "int32"),
    (("u1", "0d:i1"), "uint8"), (("b1", 1), "int64"), (("b1", "0d:i1"), "int8"),
    (("b1", True), "bool"), (("f2", 2.5), "float16"), (("i1", "0d:f8"), "float64"),
    (("0d:i4", 1.5), "float32"), (("0d:i4", "0d:i1"), "int32"), (("0d:u1", 1), "uint8"),
    (("i2", "0d:f2"), "float16"), (("u1", "i1"), "int16"),
    (("bf", "0d:f2"), "bfloat16"), (("f2", "0d:bf"), "float16"), (("bf", "f2"), "float32"),
    (("0d:bf", "0d:f2"), "float32"), (("bf", 2.5), "bfloat16"), (("i8", "0d:bf"), "bfloat16"),
    (("0d:bf", 1.5), "bfloat16"), (("bf", "0d:f8"), "bfloat16"),
]


@pytest.mark.parametrize("operands,expected", PINNED_RESULTS)
def test_result_type_pinned_from_pytorch(operands, expected, cpu_default_device):
    operands = [_operand(o) for o in operands]
    assert dt.result_type_of(operands).name == expected
    assert (operands[0] + operands[1]).dtype.name == expected


def test_python_floats_follow_the_default_dtype(cpu_default_device):
    previous = tl.get_default_dtype()
    tl.set_default_dtype(tl.float64)
    try:
        assert dt.result_type_of([tl.zeros(2, dtype=tl.int64), 1.5]) is tl.float64
        assert dt.result_type_of([tl.zeros(2, dtype=tl.float32), 1.5]) is tl.float32
    finally:
        tl.set_default_dtype(previous)
