"""TensorBoard output of fit, written with tensorboardX (``pip install tensorlite[tensorboard]``)."""
from __future__ import annotations

import importlib.util
import itertools
import os

from .._warn import warn_user
from ..autograd.grad_mode import enable_grad

__all__ = ["TensorBoardLogger"]


class TensorBoardLogger:
    """Writes a ``fit`` run as TensorBoard event files in ``logdir`` (None: tensorboardX's
    default ``runs/<date>_<host>``), through a tensorboardX SummaryWriter:

    - per iteration: the scalars ``loss/train``, ``<metric>/train`` (accuracy or rmse) and
      ``learn_rate`` (the first parameter group's), and ``loss/validation``,
      ``<metric>/validation`` at the iterations that validate; the step is the iteration;
    - per epoch: the histograms ``weights/<name>`` and ``gradients/<name>`` (the epoch's last
      gradient) of every named parameter (``histograms=False`` leaves them out), step the epoch;
    - once, the model graph (``graph=False`` leaves it out): the graph autograd records for one
      training sample in eval mode, one node per op (named after its backward node, e.g.
      ``AddmmBackward0``) with its output shape, grouped by the module that ran it (TensorBoard's
      boxes), parameters as ``Parameter`` nodes and the sample as ``input``.

    Give it to fit as ``TrainingOptions(tensorboard=TensorBoardLogger("runs/a"))``, or just
    ``tensorboard="runs/a"`` / ``tensorboard=True``; ``Network.train(tensorboard=...)`` too.
    Reading the events back: tensorboard's EventAccumulator, or ``tensorboard --logdir runs``.

    Shapes: a histogram per parameter of any shape, flattened.

    Example:
    >>> import tempfile
    >>> logdir = tempfile.mkdtemp()
    >>> options = tl.training.TrainingOptions(max_epochs=2, mini_batch_size=4, verbose=False,
    ...                                       execution_environment="cpu",
    ...                                       tensorboard=tl.training.TensorBoardLogger(logdir))
    >>> _ = tl.training.fit(nn.Linear(2, 2), tl.data.xor(n=8), "crossentropy", options)
    >>> from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    >>> events = EventAccumulator(logdir).Reload()
    >>> sorted(events.Tags()["scalars"]), len(events.Scalars("loss/train"))
    (['accuracy/train', 'learn_rate', 'loss/train'], 4)
    >>> sorted(events.Tags()["histograms"])
    ['gradients/bias', 'gradients/weight', 'weights/bias', 'weights/weight']
    >>> [node.name for node in events.Graph().node]
    ['input', 'weight', 'bias', 'LinearBackward0_0']
    """

    def __init__(self, logdir=None, *, histograms: bool = True, graph: bool = True):
        self.logdir = None if logdir is None else os.fspath(logdir)
        self.histograms = histograms
        self.graph = graph
        self.writer = None
        self._validated_step = None
        self._histogram_epoch = None

    @classmethod
    def from_option(cls, value) -> "TensorBoardLogger | None":
        """The logger of ``TrainingOptions.tensorboard``: None/False -> none, True -> the
        default directory, a path -> that directory, a TensorBoardLogger -> itself."""
        if value is None or value is False:
            return None
        if isinstance(value, cls):
            return value
        return cls(None if value is True else value)

    @staticmethod
    def check_installed() -> None:
        """Raise ImportError, with the install line, when tensorboardX is missing (TrainingOptions
        checks at construction, so a run never starts without its logger)."""
        if importlib.util.find_spec("tensorboardX") is None:
            raise ImportError("TensorBoard output needs tensorboardX: pip install 'tensorlite[tensorboard]'")

    def open(self, model=None, dataset=None) -> "TensorBoardLogger":
        """Start an event file (fit calls it; each fit, a resumed one too, writes its own) and
        write the graph of ``model`` on the first input of ``dataset``."""
        self.check_installed()
        from tensorboardX import SummaryWriter
        self.writer = SummaryWriter(self.logdir)
        self.logdir = self.writer.logdir
        self._validated_step = self._histogram_epoch = None
        if self.graph and model is not None and dataset is not None and len(dataset):
            self._write_graph(model, dataset[0][0])
        return self

    def _write_graph(self, model, sample):
        try:
            graph = model_graph(model, sample)
        except Exception as error:  # the graph is an extra: a model it cannot run on one sample still trains
            warn_user(f"TensorBoardLogger: no model graph ({type(error).__name__}: {error})")
            return
        self.writer._get_file_writer().add_onnx_graph(graph)  # tensorboardX's door for a GraphDef

    def log_iteration(self, row: dict, metric: str) -> None:
        """The scalars of one history row (see History)."""
        step = row["iteration"]
        self.writer.add_scalar("loss/train", row["loss"], step)
        self.writer.add_scalar(f"{metric}/train", row[metric], step)
        self.writer.add_scalar("learn_rate", row["base_learn_rate"], step)
        if "validation_loss" in row:
            self.writer.add_scalar("loss/validation", row["validation_loss"], step)
            self.writer.add_scalar(f"{metric}/validation", row["validation_" + metric], step)
            self._validated_step = step

    def log_epoch(self, epoch: int, model) -> None:
        """Histograms of the weights and of their current gradients."""
        self._histogram_epoch = epoch
        if not self.histograms:
            return
        for name, param in model.named_parameters():
            self.writer.add_histogram(f"weights/{name}", param.detach().numpy(), epoch)
            if param.grad is not None:
                self.writer.add_histogram(f"gradients/{name}", param.grad.numpy(), epoch)

    def close(self, history, model) -> None:
        """Write what the end of fit added (the final validation, a stopped epoch's
        histograms) and close the event file."""
        if history.iterations:
            last = history.iterations[-1]
            if "validation_loss" in last and self._validated_step != last["iteration"]:
                self.writer.add_scalar("loss/validation", last["validation_loss"], last["iteration"])
                self.writer.add_scalar(f"{history.metric}/validation",
                                       last["validation_" + history.metric], last["iteration"])
            if self._histogram_epoch != last["epoch"]:
                self.log_epoch(last["epoch"], model)
        self.writer.close()
        self.writer = None

    def __repr__(self) -> str:
        return f"TensorBoardLogger(logdir={self.logdir!r}, histograms={self.histograms}, graph={self.graph})"


def model_graph(model, sample):
    """TensorBoard's GraphDef of the graph autograd records for ``model`` on ``sample`` (one
    input, batched here as (1, *)), in eval mode (the mode is restored; nothing is trained).
    Each node is named ``<module path>/<op>_<k>`` after the innermost module whose forward
    produced it, so TensorBoard folds each module into a box.

    Shapes: sample (*) -> a GraphDef whose nodes carry their output shapes (batch of 1).

    Example:
    >>> from tensorlite.training.tensorboard import model_graph
    >>> graph = model_graph(nn.Sequential(nn.Linear(3, 2), nn.ReLU()), tl.zeros(3))
    >>> [(node.name, list(node.input)) for node in graph.node]  # doctest: +NORMALIZE_WHITESPACE
    [('input', []), ('0/weight', []), ('0/bias', []),
     ('0/LinearBackward0_0', ['input', '0/weight', '0/bias']),
     ('1/ReluBackward0_1', ['0/LinearBackward0_0'])]
    >>> [d.size for d in graph.node[-1].attr["_output_shapes"].list.shape[0].dim]
    [1, 2]
    """
    from tensorboardX.proto.attr_value_pb2 import AttrValue
    from tensorboardX.proto.graph_pb2 import GraphDef
    from tensorboardX.proto.node_def_pb2 import NodeDef
    from tensorboardX.proto.tensor_shape_pb2 import TensorShapeProto
    from tensorboardX.proto.versions_pb2 import VersionDef

    scope_of = {}  # id(backward node) -> the path of the innermost module that made it
    hooks = [module.register_forward_hook(_scope_hook(path.replace(".", "/"), scope_of))
             for path, module in model.named_modules()]
    parameter_names = {id(p): name for name, p in model.named_parameters()}
    inputs = sample.detach().unsqueeze(0).to(next(iter(model.parameters()), sample).device)
    inputs.requires_grad_(True)
    was_training = model.training
    model.eval()
    try:
        with enable_grad():
            output = model(inputs)
    finally:
        model.train(was_training)
        for hook in hooks:
            hook.remove()
    names, nodes = {}, {}  # id(backward node) -> its NodeDef's name, and the NodeDef
    count = itertools.count()

    def set_shape(node_def, shape):
        dims = [TensorShapeProto.Dim(size=int(d)) for d in shape]
        node_def.attr["_output_shapes"].CopyFrom(
            AttrValue(list=AttrValue.ListValue(shape=[TensorShapeProto(dim=dims)])))

    def visit(node):  # depth first: a node's inputs come before it
        if id(node) in names:
            return names[id(node)]
        if node.name() == "AccumulateGrad":
            variable = node.variable
            if variable is inputs:
                name, op = "input", "Input"
            else:
                name, op = parameter_names.get(id(variable), f"tensor_{id(variable)}").replace(".", "/"), "Parameter"
            node_def = NodeDef(name=name, op=op)
            set_shape(node_def, variable.shape)
        else:
            children = [child for child, _ in node.next_functions]
            sources = [visit(child) for child in children if child is not None]
            # an op's output shape is what its consumers recorded as their input's
            for child, meta in zip(children, getattr(node, "_input_meta", None) or ()):
                if child is not None and meta is not None and "_output_shapes" not in nodes[id(child)].attr:
                    set_shape(nodes[id(child)], meta[0])
            scope = scope_of.get(id(node), "")
            name = f"{scope + '/' if scope else ''}{node.name()}_{next(count)}"
            node_def = NodeDef(name=name, op=node.name(), input=sources)
        names[id(node)], nodes[id(node)] = name, node_def
        return name

    if output.grad_fn is not None:
        visit(output.grad_fn)
        set_shape(nodes[id(output.grad_fn)], output.shape)
    return GraphDef(node=list(nodes.values()), versions=VersionDef(producer=22))


def _scope_hook(path, scope_of):
    """A forward hook giving the backward nodes between a module's output and its inputs the
    module's path, unless they have one (inner modules' hooks run first: the innermost wins)."""
    def hook(module, args, output):
        seen = {id(a.grad_fn) for a in args if getattr(a, "grad_fn", None) is not None}
        pending = [output.grad_fn] if getattr(output, "grad_fn", None) is not None else []
        while pending:
            node = pending.pop()
            if node is None or id(node) in seen or node.name() == "AccumulateGrad":
                continue
            seen.add(id(node))
            scope_of.setdefault(id(node), path)
            pending.extend(child for child, _ in node.next_functions)
    return hook
