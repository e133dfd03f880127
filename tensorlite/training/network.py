"""The seeds' network: an nn.Sequential built layer by layer, each layer with its own optimizer
(seed 001), trained by fit; predict and classify (labels and scores, seed 000)."""
from __future__ import annotations

import math
from collections import ChainMap

from .. import nn, optim
from ..autograd.grad_mode import no_grad
from ..ops.movement import cat
from ..optim.optimizer import Optimizer
from ..serialization import load, save
from .fit import _as_dataset, _loss_and_metric, _optimizer, _scheduler, evaluate, fit
from .options import TrainingOptions

__all__ = ["Network", "predict", "classify", "SteppedTogether"]


def predict(model: nn.Module, inputs, batch_size: int | None = None):
    """The outputs of ``model`` on ``inputs`` in eval mode, without a graph (the model's mode is
    restored afterwards); ``batch_size`` runs it in slices of that many samples.

    Shapes: inputs (N, *) -> whatever the model gives, e.g. (N, C) scores.

    Example:
    >>> model = nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.5))
    >>> out = tl.training.predict(model, tl.ones(10, 3), batch_size=4)
    >>> out.shape, out.requires_grad, model.training
    (tensorlite.Size([10, 4]), False, True)
    """
    was_training = model.training
    model.eval()
    parameters = list(model.parameters())
    if parameters:  # inputs go where the model is
        inputs = inputs.to(parameters[0].device)
    try:
        with no_grad():
            if batch_size is None:
                return model(inputs)
            return cat([model(inputs[i:i + batch_size]) for i in range(0, len(inputs), batch_size)])
    finally:
        model.train(was_training)


def classify(model: nn.Module, inputs, batch_size: int | None = None):
    """Seed 000's ``[labels, scores] = classify(net, X)``: ``labels`` the most probable class of
    each input, ``scores`` the class probabilities. A model ending in ``nn.Softmax`` already gives
    probabilities and one ending in ``nn.LogSoftmax`` their logs; any other model's outputs are
    taken as logits (what CrossEntropyLoss trains) and go through softmax. A single output
    column is a binary classifier: a probability after ``nn.Sigmoid``, else a logit (what
    BCEWithLogitsLoss trains); its scores are (1 - p, p).

    Shapes: inputs (N, *) -> labels (N,) int64, scores (N, C) rows summing to 1 (C = 2 for a
    (N, 1) output).

    Example:
    >>> model = nn.Linear(2, 3)
    >>> with tl.no_grad():
    ...     _ = model.weight.copy_(tl.tensor([[1., 0.], [0., 1.], [0., 0.]])), model.bias.zero_()
    >>> labels, scores = tl.training.classify(model, tl.tensor([[2., 0.], [0., 3.]]))
    >>> labels
    tensor([0, 1])
    >>> scores.sum(dim=1)
    tensor([1.0000, 1.0000])
    >>> binary = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
    >>> labels, scores = tl.training.classify(binary, tl.zeros(4, 2))
    >>> labels.shape, scores.shape
    (tensorlite.Size([4]), tensorlite.Size([4, 2]))
    """
    outputs = predict(model, inputs, batch_size)
    last = _last_layer(model)
    if outputs.dim() == 2 and outputs.shape[1] == 1:
        positive = outputs if isinstance(last, nn.Sigmoid) else outputs.sigmoid()
        scores = cat([1 - positive, positive], dim=1)
    elif isinstance(last, nn.Softmax):
        scores = outputs
    elif isinstance(last, nn.LogSoftmax):
        scores = outputs.exp()
    else:
        scores = outputs.softmax(dim=1)
    return scores.argmax(dim=1), scores


def _last_layer(model):
    while isinstance(model, nn.Sequential) and len(model):
        model = model[-1]
    return model


class SteppedTogether(Optimizer):
    """Several optimizers stepped as one (each layer of a Network may have its own): ``step``,
    ``zero_grad``, ``state_dict`` and ``load_state_dict`` go to each in turn; ``param_groups`` are
    their groups (the same dicts), so an lr scheduler over it changes every optimizer's rates.

    Shapes: none of its own; each optimizer's state has its parameters' shapes.

    Example:
    >>> first, second = nn.Linear(2, 2), nn.Linear(2, 1)
    >>> both = tl.training.SteppedTogether([tl.optim.SGD(first.parameters(), lr=0.1),
    ...                                     tl.optim.Adam(second.parameters(), lr=0.01)])
    >>> [group["lr"] for group in both.param_groups]
    [0.1, 0.01]
    >>> scheduler = tl.optim.lr_scheduler.StepLR(both, step_size=1, gamma=0.5)
    >>> both.step(); scheduler.step()
    >>> [group["lr"] for group in both.optimizers[0].param_groups + both.optimizers[1].param_groups]
    [0.05, 0.005]
    """

    def __init__(self, optimizers):
        self.optimizers = list(optimizers)
        for optimizer in self.optimizers:
            if not isinstance(optimizer, Optimizer):
                raise TypeError(f"SteppedTogether takes tensorlite optimizers, got {type(optimizer).__name__}")
        self.defaults = {}

    @property
    def param_groups(self) -> list:
        return [group for optimizer in self.optimizers for group in optimizer.param_groups]

    @property
    def state(self):
        return ChainMap(*(optimizer.state for optimizer in self.optimizers))

    @property
    def _opt_called(self) -> bool:
        return any(optimizer._opt_called for optimizer in self.optimizers)

    def add_param_group(self, param_group: dict) -> None:
        raise TypeError("SteppedTogether: add the group to one of its optimizers")

    def zero_grad(self, set_to_none: bool = True) -> None:
        for optimizer in self.optimizers:
            optimizer.zero_grad(set_to_none)

    def step(self, closure=None):
        loss = closure() if closure is not None else None
        for optimizer in self.optimizers:
            optimizer.step()
        return loss

    def state_dict(self) -> dict:
        return {"optimizers": [optimizer.state_dict() for optimizer in self.optimizers]}

    def load_state_dict(self, state_dict: dict) -> None:
        saved = state_dict["optimizers"]
        if len(saved) != len(self.optimizers):
            raise ValueError(f"SteppedTogether: the state dict holds {len(saved)} optimizers, "
                             f"this one steps {len(self.optimizers)}")
        for optimizer, state in zip(self.optimizers, saved):
            optimizer.load_state_dict(state)

    def __repr__(self) -> str:
        inner = "\n".join("  " + repr(optimizer).replace("\n", "\n  ") for optimizer in self.optimizers)
        return f"SteppedTogether(\n{inner}\n)"


class Network(nn.Sequential):
    """Seed 001's network: layers added one by one, each with its own optimizer (Adam, lr 1e-3,
    when none is given), trained by ``fit``. An nn.Sequential, so indexing, ``parameters()``,
    ``state_dict()``, ``.to()`` and everything else of a Module work on it.

    ``add(layer, optimizer=optim.SGD(lr=0.01))`` binds the (parameter-less) optimizer to the
    layer's parameters; one optimizer given to several layers gets one parameter group per layer.
    ``train(data, loss, epochs, metrics=..., test_data=..., batch_size=..., tensorboard=...,
    callbacks=...)`` steps all the optimizers together and returns the History, indexable by the
    metric names: ``history["test_accuracy"]`` is one value per epoch. ``predict(x)`` gives the
    outputs, ``classify(x)`` (labels, scores). ``optimizers`` lists the optimizers given to
    ``add``; ``default_optimizer`` is the Adam made at the first ``train`` for the other layers.

    Seed 000's form also works: ``Network(layers, loss).train(data, options)`` with
    TrainingOptions; then the layers without their own optimizer follow the options' solver
    (also when a ``solver=`` keyword is given instead of options), and the options' learn-rate
    schedule drives every optimizer. ``test_data`` is evaluated at each epoch's end when a
    test_* metric is asked for (or ``metrics`` is left None).
    ``train()`` / ``train(False)`` without data keep nn.Module's meaning (set the mode).

    Shapes: what the layers take and give: here inputs (N, 4) -> logits (N, 3).

    Example:
    >>> _ = tl.manual_seed(0)
    >>> net = tl.training.Network()
    >>> net.add(nn.Linear(4, 8), optimizer=tl.optim.SGD(lr=0.01))
    >>> net.add(nn.ReLU())
    >>> net.add(nn.Linear(8, 3))                     # Adam by default
    >>> x, y = tl.randn(32, 4), tl.randint(0, 3, (32,))
    >>> history = net.train((x, y), "crossentropy", epochs=2, batch_size=16, test_data=(x, y),
    ...                     metrics=["train_loss", "test_loss", "train_accuracy", "test_accuracy"],
    ...                     verbose=False, execution_environment="cpu")
    >>> sorted(history.keys()), len(history["test_accuracy"])
    (['test_accuracy', 'test_loss', 'train_accuracy', 'train_loss'], 2)
    >>> labels, scores = net.classify(x[:5])
    >>> labels.shape, scores.shape
    (tensorlite.Size([5]), tensorlite.Size([5, 3]))
    >>> [type(o).__name__ for o in net.optimizers], type(net.default_optimizer).__name__
    (['SGD'], 'Adam')
    """

    def __init__(self, layers=(), loss="crossentropy"):
        super().__init__()
        object.__setattr__(self, "_loss", loss)  # kept out of the children: it is no layer
        self.optimizers: list[Optimizer] = []
        self.default_optimizer: Optimizer | None = None
        for layer in [layers] if isinstance(layers, nn.Module) else layers:
            self.add(layer)

    @property
    def loss(self):
        """The loss train() and evaluate() use unless given another."""
        return self._loss

    def add(self, layer: nn.Module, optimizer: Optimizer | None = None) -> None:
        """Append ``layer``; ``optimizer`` (e.g. ``optim.SGD(lr=0.01)``, built without
        parameters) trains its parameters, else the default one does."""
        if not isinstance(layer, nn.Module):
            raise TypeError(f"Network.add: a layer must be an nn.Module, got {type(layer).__name__}")
        params = list(layer.parameters())
        if optimizer is not None:
            if not isinstance(optimizer, Optimizer):
                raise TypeError(f"Network.add: optimizer must be a tensorlite optimizer such as "
                                f"optim.SGD(lr=0.01), got {type(optimizer).__name__}")
            if not params:
                raise ValueError(f"Network.add: {type(layer).__name__} has no parameters for "
                                 f"{type(optimizer).__name__} to train; add it without an optimizer")
            held = {id(p) for group in optimizer.param_groups for p in group["params"]}
            if held != {id(p) for p in params}:  # bound already to exactly this layer: keep
                optimizer.add_param_group({"params": params})
        self.append(layer)
        if optimizer is not None and all(optimizer is not o for o in self.optimizers):
            self.optimizers.append(optimizer)

    def train(self, data=None, loss=None, epochs: int | None = None, *, metrics=None,
              test_data=None, batch_size: int | None = None, tensorboard=None, callbacks=(),
              options: TrainingOptions | None = None, mode: bool | None = None, **option_overrides):
        """Train on ``data`` ((inputs, targets) tensors or a Dataset of pairs) and return the
        History; ``loss`` defaults to the network's, ``epochs`` and ``batch_size`` set
        max_epochs and mini_batch_size, ``test_data`` is evaluated after every epoch,
        ``callbacks`` are output functions (TrainingInfo -> True to stop), ``tensorboard`` True
        or a log directory; other TrainingOptions come as keywords or ``options``.
        ``metrics`` (train_loss, test_loss, train_accuracy | train_rmse, test_accuracy |
        test_rmse) are checked before training: test ones need test_data.

        Without data, ``train(mode=True)`` is nn.Module's: it sets the training mode."""
        if data is None or isinstance(data, bool):
            return super().train(mode if mode is not None else data is not False)
        if mode is not None:
            raise TypeError("Network.train: mode= sets the training mode and takes no data")
        if isinstance(loss, TrainingOptions):  # seed 000's train(data, options)
            options, loss = loss, None
        loss = self._loss if loss is None else loss
        solver_from_options = options is not None or "solver" in option_overrides
        options = _training_options(options, option_overrides, data, loss, epochs, metrics,
                                    test_data, batch_size, tensorboard, callbacks)
        optimizer, scheduler = self._solver(options if solver_from_options else None)
        _, history = fit(self, data, loss, options, optimizer=optimizer, scheduler=scheduler)
        return history

    def _solver(self, options):
        """The optimizers stepped together, and the options' schedule where they rule."""
        explicit = {id(p) for o in self.optimizers for g in o.param_groups for p in g["params"]}
        rest = [p for p in self.parameters() if id(p) not in explicit]
        optimizers = list(self.optimizers)
        if rest and options is not None:
            optimizers.append(_optimizer(_Params(rest), options))
        elif rest:
            if self.default_optimizer is None:
                self.default_optimizer = optim.Adam()
            held = {id(p) for g in self.default_optimizer.param_groups for p in g["params"]}
            new = [p for p in rest if id(p) not in held]
            if new:
                self.default_optimizer.add_param_group({"params": new})
            optimizers.append(self.default_optimizer)
        if not optimizers:
            raise ValueError("Network.train: the network has no parameters to train")
        optimizer = optimizers[0] if len(optimizers) == 1 else SteppedTogether(optimizers)
        return optimizer, (_scheduler(optimizer, options) if options is not None else None)

    def evaluate(self, data, batch_size: int = 256, loss=None) -> dict:
        """Loss and metric on ``data`` (see tensorlite.training.evaluate)."""
        return evaluate(self, data, self._loss if loss is None else loss, batch_size)

    def predict(self, inputs, batch_size: int | None = None):
        """The outputs without a graph (see tensorlite.training.predict)."""
        return predict(self, inputs, batch_size)

    def classify(self, inputs, batch_size: int | None = None):
        """(labels, scores) (see tensorlite.training.classify)."""
        return classify(self, inputs, batch_size)

    def save(self, path) -> None:
        save(self.state_dict(), path)

    def load(self, path) -> "Network":
        self.load_state_dict(load(path))
        return self


class _Params:
    """A parameter list with a Module's parameters() (what fit's solver builder reads)."""

    def __init__(self, params):
        self.params = params

    def parameters(self):
        return iter(self.params)


def _training_options(options, overrides, data, loss, epochs, metrics, test_data, batch_size,
                      tensorboard, callbacks) -> TrainingOptions:
    """The TrainingOptions of a Network.train call: ``options`` (or the defaults) with the
    keywords and seed 001's arguments applied."""
    changes = dict(overrides)
    if epochs is not None:
        changes["max_epochs"] = epochs
    if batch_size is not None:
        changes["mini_batch_size"] = batch_size
    if tensorboard is not None:
        changes["tensorboard"] = tensorboard
    base = options or TrainingOptions()
    merged = {f: getattr(base, f) for f in base.__dataclass_fields__}
    merged.update(changes)
    merged["output_functions"] = list(merged["output_functions"]) + list(callbacks)
    _, metric = _loss_and_metric(loss)
    wanted = _check_metrics(metrics, metric, test_data)
    if test_data is not None and any(name.startswith("test_") for name in wanted):
        per_epoch = math.ceil(len(_as_dataset(data)) / merged["mini_batch_size"])
        merged["validation_data"] = test_data
        if "validation_frequency" not in changes:  # the test metrics land on each epoch's end
            merged["validation_frequency"] = per_epoch
    solver = merged.pop("solver")
    return TrainingOptions(solver, **merged)


def _check_metrics(metrics, metric, test_data) -> list[str]:
    valid = ["train_loss", "test_loss", "train_" + metric, "test_" + metric]
    if metrics is None:
        return valid if test_data is not None else valid[::2]
    metrics = [metrics] if isinstance(metrics, str) else list(metrics)
    for name in metrics:
        if name not in valid:
            raise ValueError(f"Network.train: unknown metric {name!r} for this loss; valid: "
                             f"{', '.join(valid)}")
        if name.startswith("test_") and test_data is None:
            raise ValueError(f"Network.train: metric {name!r} needs test_data")
    return metrics

