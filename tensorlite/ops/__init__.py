"""The differentiable primitives (Function subclasses) and the functional API built on them."""
