"""Code mypy must reject or type exactly: each ``# E:`` (error) and ``# N:`` (note) comment is
what .ci/typecheck expects mypy to report on that line, and nothing else."""
import tensorlite as tl

t = tl.randn(2, 3)
reveal_type(tl.randn(2, 3).sum(dim=0).relu())  # N: Revealed type is "tensorlite.tensor.Tensor"
reveal_type(t @ t.T + 1)  # N: Revealed type is "tensorlite.tensor.Tensor"
reveal_type(t[0].exp_().softmax(-1))  # N: Revealed type is "tensorlite.tensor.Tensor"
reveal_type(t.chunk(3, dim=1))  # N: Revealed type is "builtins.tuple[tensorlite.tensor.Tensor, ...]"
reveal_type(t.allclose(t))  # N: Revealed type is "builtins.bool"
reveal_type(tl.exp(t) + tl.sum(t, dim=1, keepdim=True))  # N: Revealed type is "tensorlite.tensor.Tensor"
reveal_type(tl.nn.functional.relu(t))  # N: Revealed type is "tensorlite.tensor.Tensor"
tl.sum(t, dims=1)  # E: Unexpected keyword argument "dims" for "sum"
reveal_type(tl.is_tensor(t))  # N: Revealed type is "builtins.bool"
tl.no_such_function(t)  # E: Module has no attribute "no_such_function"
t.unknown_method()  # E: "Tensor" has no attribute "unknown_method"
t.sum(dim=0).relu().no_such_thing  # E: "Tensor" has no attribute "no_such_thing"
t.reshape(2, 3).sum(dimension=0)  # E: Unexpected keyword argument "dimension" for "sum" of "Tensor"
n: int = t.sum()  # E: Incompatible types in assignment (expression has type "Tensor", variable has type "int")
