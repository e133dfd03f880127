"""Sequential, ModuleList, ModuleDict, ParameterList."""
from __future__ import annotations

from collections import OrderedDict

from .module import Module
from .parameter import Parameter


class Sequential(Module):
    """Modules applied in order: ``Sequential(Linear(2, 3), ReLU())``; children are named (0), (1), ...

    Supports indexing (an int or a slice), len, iteration and append.

    Shapes: the first module's input -> the last module's output.

    Example:
    >>> model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    >>> model
    Sequential(
      (0): Linear(in_features=2, out_features=3, bias=True)
      (1): ReLU()
      (2): Linear(in_features=3, out_features=1, bias=True)
    )
    >>> model(tl.zeros(5, 2)).shape
    tensorlite.Size([5, 1])
    >>> model[0].weight.shape, len(model)
    (tensorlite.Size([3, 2]), 3)
    """

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), module)

    def forward(self, input):
        for module in self._modules.values():
            input = module(input)
        return input

    def __getitem__(self, index):
        modules = list(self._modules.items())
        if isinstance(index, slice):
            return Sequential(OrderedDict(modules[index]))
        return modules[_index(index, len(modules))][1]

    def __setitem__(self, index, module):
        name = list(self._modules)[_index(index, len(self._modules))]
        self.add_module(name, module)

    def __delitem__(self, index):
        name = list(self._modules)[_index(index, len(self._modules))]
        del self._modules[name]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module: Module) -> "Sequential":
        self.add_module(str(len(self._modules)), module)
        return self


def _index(index, length):
    if not -length <= index < length:
        raise IndexError(f"index {index} is out of range")
    return index % length


class ModuleList(Module):
    """A list of modules, registered as children (0), (1), ...; no forward of its own.

    Example:
    >>> layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    >>> len(layers), len(list(layers.parameters()))
    (3, 6)
    >>> x = tl.zeros(1, 2)
    >>> for layer in layers:
    ...     x = layer(x)
    >>> x.shape
    tensorlite.Size([1, 2])
    """

    def __init__(self, modules=None):
        super().__init__()
        for module in modules or ():
            self.append(module)

    def __getitem__(self, index):
        modules = list(self._modules.values())
        if isinstance(index, slice):
            return ModuleList(modules[index])
        return modules[_index(index, len(modules))]

    def __setitem__(self, index, module):
        self.add_module(str(_index(index, len(self._modules))), module)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module: Module) -> "ModuleList":
        self.add_module(str(len(self._modules)), module)
        return self

    def extend(self, modules) -> "ModuleList":
        for module in modules:
            self.append(module)
        return self


class ModuleDict(Module):
    """A dict of named child modules.

    Example:
    >>> heads = nn.ModuleDict({"a": nn.Linear(2, 1), "b": nn.Linear(2, 3)})
    >>> list(heads.keys())
    ['a', 'b']
    >>> heads["b"](tl.zeros(4, 2)).shape
    tensorlite.Size([4, 3])
    """

    def __init__(self, modules=None):
        super().__init__()
        for name, module in (modules or {}).items():
            self.add_module(name, module)

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __delitem__(self, key):
        del self._modules[key]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()


class ParameterList(Module):
    """A list of Parameters registered as '0', '1', ...

    Example:
    >>> params = nn.ParameterList([nn.Parameter(tl.zeros(2)), nn.Parameter(tl.ones(3))])
    >>> [p.shape for p in params]
    [tensorlite.Size([2]), tensorlite.Size([3])]
    >>> len(list(params.parameters()))
    2
    """

    def __init__(self, values=None):
        super().__init__()
        for value in values or ():
            self.append(value)

    def append(self, value: Parameter) -> "ParameterList":
        self.register_parameter(str(len(self._parameters)), value if isinstance(value, Parameter)
                                else Parameter(value))
        return self

    def __getitem__(self, index):
        return list(self._parameters.values())[index]

    def __len__(self):
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters.values())


class ParameterDict(Module):
    """An ordered dict of Parameters registered under their keys (tensors are wrapped in
    Parameter); state_dict keys are the dict's keys.

    Example:
    >>> params = nn.ParameterDict({"scale": tl.ones(2), "shift": nn.Parameter(tl.zeros(2))})
    >>> list(params.state_dict()), type(params["scale"]).__name__
    (['scale', 'shift'], 'Parameter')
    >>> "scale" in params, len(params)
    (True, 2)
    """

    def __init__(self, parameters=None):
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key):
        return self._parameters[key]

    def __setitem__(self, key, value):
        self.register_parameter(key, value if isinstance(value, Parameter) or value is None else Parameter(value))

    def __delitem__(self, key):
        del self._parameters[key]

    def __len__(self):
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters)

    def __contains__(self, key):
        return key in self._parameters

    def keys(self):
        return self._parameters.keys()

    def values(self):
        return self._parameters.values()

    def items(self):
        return self._parameters.items()

    def get(self, key, default=None):
        return self._parameters.get(key, default)

    def pop(self, key):
        value = self._parameters[key]
        del self[key]
        return value

    def update(self, parameters) -> None:
        """Add key/value pairs; as PyTorch, a plain dict's keys are added in sorted order (an
        OrderedDict, a ParameterDict or a list of pairs keeps its order)."""
        if isinstance(parameters, (OrderedDict, ParameterDict)):
            pairs = parameters.items()
        elif hasattr(parameters, "items"):
            pairs = sorted(parameters.items())
        else:
            pairs = parameters
        for key, value in pairs:
            self[key] = value

    def extra_repr(self) -> str:
        return "\n".join(f"  ({key}): Parameter containing: [{p.dtype} of size {'x'.join(map(str, p.shape))}]"
                         for key, p in self._parameters.items() if p is not None)
