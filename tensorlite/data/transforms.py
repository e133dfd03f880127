"""Per-sample transforms (numpy-free, tensor ops only)."""
from __future__ import annotations

from .. import dtypes
from ..nn.functional import one_hot
from ..ops.creation import tensor
from ..tensor import Tensor

__all__ = ["Compose", "ToTensor", "Normalize", "Flatten", "OneHot", "Lambda"]


class Compose:
    """Apply transforms in order: ``Compose([ToTensor(), Normalize(0.5, 0.5)])``.

    Example:
    >>> from tensorlite.data import transforms as T
    >>> import numpy as np
    >>> image = np.full((2, 2), 255, dtype=np.uint8)
    >>> T.Compose([T.ToTensor(), T.Normalize(0.5, 0.5)])(image)
    tensor([[[1., 1.],
             [1., 1.]]])
    """

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, x):
        for transform in self.transforms:
            x = transform(x)
        return x


class ToTensor:
    """uint8 image (H, W) or (H, W, C) -> float32 (C, H, W) in [0, 1]; other input -> float32 tensor.

    Example:
    >>> from tensorlite.data import transforms as T
    >>> import numpy as np
    >>> T.ToTensor()(np.zeros((4, 5, 3), dtype=np.uint8)).shape
    tensorlite.Size([3, 4, 5])
    >>> T.ToTensor()(np.array([[0, 51]], dtype=np.uint8))
    tensor([[[0.0000, 0.2000]]])
    """

    def __call__(self, image):
        t = image if isinstance(image, Tensor) else tensor(image)
        if t.dtype is dtypes.uint8:
            t = t.float() / 255.0
            if t.ndim == 2:
                t = t.unsqueeze(0)
            elif t.ndim == 3:
                t = t.permute(2, 0, 1)
            return t
        return t.float()


class Normalize:
    """(x - mean) / std, per channel (dim 0) when mean and std are sequences.

    Shapes: (C, *) -> (C, *).

    Example:
    >>> from tensorlite.data import transforms as T
    >>> T.Normalize([0., 1.], [1., 2.])(tl.ones(2, 1, 2))
    tensor([[[1., 1.]],
    <BLANKLINE>
            [[0., 0.]]])
    """

    def __init__(self, mean, std):
        self.mean, self.std = mean, std

    def __call__(self, x: Tensor) -> Tensor:
        mean, std = self.mean, self.std
        if isinstance(mean, (list, tuple)):
            shape = (-1,) + (1,) * (x.ndim - 1)
            mean = tensor(list(mean), dtype=x.dtype).reshape(shape)
            std = tensor(list(std), dtype=x.dtype).reshape(shape)
        return (x - mean) / std


class Flatten:
    """Reshape to one dimension.

    Shapes: (*) -> (n,).

    Example:
    >>> from tensorlite.data import transforms as T
    >>> T.Flatten()(tl.zeros(1, 28, 28)).shape
    tensorlite.Size([784])
    """

    def __call__(self, x: Tensor) -> Tensor:
        return x.reshape(-1)


class OneHot:
    """An int label -> a float32 one-hot vector of num_classes.

    Shapes: () -> (num_classes,).

    Example:
    >>> from tensorlite.data import transforms as T
    >>> T.OneHot(4)(2)
    tensor([0., 0., 1., 0.])
    """

    def __init__(self, num_classes: int):
        self.num_classes = num_classes

    def __call__(self, label) -> Tensor:
        return one_hot(tensor(int(label)), self.num_classes).float()


class Lambda:
    """Wrap any function as a transform.

    Example:
    >>> from tensorlite.data import transforms as T
    >>> T.Lambda(lambda x: x * 2)(tl.tensor([1., 2.]))
    tensor([2., 4.])
    """

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, x):
        return self.fn(x)
