"""nn names real programs use: nn.utils.rnn.pad_sequence, F.rms_norm, CosineSimilarity,
ParameterDict (state_dict keys, repr shape), module reprs."""
import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st

import tensorlite as tl
from harness import Arr, check
from inputs import arrs


@given(data=st.data(), batch_first=st.booleans(), padding_value=st.sampled_from([0.0, -2.5]),
       padding_side=st.sampled_from(["left", "right", "middle"]))
def test_pad_sequence(data, batch_first, padding_value, padding_side):
    lengths = data.draw(st.lists(st.integers(0, 4), min_size=1, max_size=4))
    trailing = data.draw(st.sampled_from([(), (2,), (1, 3)]))
    seqs = [data.draw(arrs(shape=(n,) + trailing, dtype="float64", specials=False)) for n in lengths]
    check(lambda lib, *s: lib.nn.utils.rnn.pad_sequence(list(s), batch_first, padding_value, padding_side),
          *seqs, grad2=True)


def test_pad_sequence_mismatched_trailing_dims_raise():
    check(lambda lib, a, b: lib.nn.utils.rnn.pad_sequence([a, b]),
          Arr(np.ones((2, 3))), Arr(np.ones((2, 4))), grad=False)


@given(x=arrs(shape=(3, 4), dtype=st.sampled_from(["float32", "float64"]), specials=False),
       eps=st.sampled_from([None, 1e-3]), weighted=st.booleans())
def test_rms_norm(x, eps, weighted):
    w = Arr(np.linspace(0.5, 2.0, 4).astype(x.array.dtype), requires_grad=True) if weighted else None
    if weighted:
        check(lambda lib, x, w: lib.nn.functional.rms_norm(x, (4,), w, eps), x, w, grad2=True)
    else:
        check(lambda lib, x: lib.nn.functional.rms_norm(x, [4], eps=eps), x, grad2=True)


@given(a=arrs(shape=(3, 4), specials=False), b=arrs(shape=(1, 4), specials=False), dim=st.sampled_from([1, -1]))
def test_cosine_similarity_module(a, b, dim):
    check(lambda lib, a, b: lib.nn.CosineSimilarity(dim=dim)(a, b), a, b)


@pytest.mark.parametrize("build", [
    lambda nn, lib: nn.RMSNorm(3), lambda nn, lib: nn.RMSNorm([2, 3], eps=1e-3, elementwise_affine=False),
    lambda nn, lib: nn.BatchNorm3d(2, affine=False), lambda nn, lib: nn.CosineSimilarity(dim=0, eps=1e-6),
    lambda nn, lib: nn.Unfold(2, padding=1), lambda nn, lib: nn.Fold((4, 4), (2, 3), stride=2),
    lambda nn, lib: nn.ParameterDict({"b": nn.Parameter(lib.ones(2, 3)), "a": lib.zeros(4)}),
])
def test_repr_and_state_dict_keys(build):
    ours, theirs = build(tl.nn, tl), build(torch.nn, torch)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs).replace("torch.FloatTensor", "tensorlite.float32")


@given(data=st.data(), mode=st.sampled_from(["sum", "mean", "max"]), weighted=st.booleans(),
       padding_idx=st.sampled_from([None, 1, -2]), include_last_offset=st.booleans(), two_d=st.booleans())
def test_embedding_bag(data, mode, weighted, padding_idx, include_last_offset, two_d):
    weight = data.draw(arrs(shape=(5, 3), dtype="float64", specials=False, unique=True))
    if two_d:
        indices = np.array(data.draw(st.lists(st.lists(st.integers(0, 4), min_size=2, max_size=2), min_size=1,
                                              max_size=3)))
        offsets = None
    else:
        indices = np.array(data.draw(st.lists(st.integers(0, 4), min_size=0, max_size=7)), dtype=np.int64)
        cuts = sorted(data.draw(st.lists(st.integers(0, len(indices)), min_size=1, max_size=4)))
        offsets = Arr(np.array([0] + cuts[1:] + ([len(indices)] if include_last_offset else []), dtype=np.int64))
    psw = Arr(np.linspace(0.5, 1.5, indices.size).reshape(indices.shape), requires_grad=True) \
        if weighted and mode == "sum" else None
    args = [Arr(indices.astype(np.int64)), weight] + ([offsets] if offsets is not None else []) + \
        ([psw] if psw is not None else [])

    def fn(lib, idx, w, *rest):
        rest = list(rest)
        off = rest.pop(0) if offsets is not None else None
        return lib.nn.functional.embedding_bag(idx, w, off, mode=mode, padding_idx=padding_idx,
                                               per_sample_weights=rest[0] if rest else None,
                                               include_last_offset=include_last_offset and off is not None)
    check(fn, *args)


def test_embedding_bag_module_repr_and_keys():
    for kwargs in ({}, {"mode": "sum", "padding_idx": 0, "include_last_offset": True}):
        ours, theirs = tl.nn.EmbeddingBag(5, 3, **kwargs), torch.nn.EmbeddingBag(5, 3, **kwargs)
        assert repr(ours) == repr(theirs) and list(ours.state_dict()) == list(theirs.state_dict())
