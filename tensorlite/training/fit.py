"""fit(): the training loop behind TrainingOptions, with validation, early stopping, output
functions, progress, atomic checkpoints and exact resume."""
from __future__ import annotations

import math
import time

from .. import nn, optim
from ..autograd.grad_mode import no_grad
from ..data.dataloader import DataLoader
from ..data.dataset import Dataset, Subset, TensorDataset
from ..ops.creation import randperm
from ..random import Generator, default_generator
from ..serialization import load, save
from ..tensor import Tensor
from .compiled_step import compiled_train_step
from .environments import environment_for
from .history import History
from .options import TrainingOptions
from .progress import Progress
from .solvers import given_solver, step_scheduler
from .tensorboard import TensorBoardLogger

__all__ = ["fit", "evaluate", "TrainingInfo"]


class TrainingInfo(dict):
    """What output functions receive: epoch, iteration, time_since_start, training_loss,
    base_learn_rate, training_accuracy or training_rmse, validation_loss and validation_<metric>
    (when validated), and state: 'start' | 'iteration' | 'done'. Keys are also attributes.

    Example:
    >>> seen = []
    >>> def watch(info):
    ...     seen.append((info.state, info.epoch))
    ...     return False
    >>> options = tl.training.TrainingOptions(max_epochs=2, mini_batch_size=4, verbose=False,
    ...                                       execution_environment="cpu", output_functions=[watch])
    >>> x, y = tl.data.xor(n=8).tensors
    >>> _ = tl.training.fit(nn.Linear(2, 2), (x, y), "crossentropy", options)
    >>> seen[0], seen[-1], len(seen)
    (('start', 0), ('done', 2), 6)
    """

    __getattr__ = dict.get


def _as_dataset(data) -> Dataset:
    if isinstance(data, Dataset):
        return data
    if isinstance(data, (tuple, list)) and len(data) == 2 and all(isinstance(t, Tensor) for t in data):
        return TensorDataset(*data)
    raise TypeError("training data must be a Dataset of (input, target) pairs or a tuple "
                    "(inputs, targets) of tensors")


_LOSSES = {"crossentropy": nn.CrossEntropyLoss, "cross_entropy": nn.CrossEntropyLoss,
           "mse": nn.MSELoss, "l1": nn.L1Loss, "huber": nn.HuberLoss, "nll": nn.NLLLoss}


def _loss_and_metric(loss):
    if isinstance(loss, str):
        if loss not in _LOSSES:
            raise ValueError(f"unknown loss {loss!r}; one of {', '.join(_LOSSES)} or a loss module")
        loss = _LOSSES[loss]()
    classification = isinstance(loss, (nn.CrossEntropyLoss, nn.NLLLoss))
    return loss, "accuracy" if classification else "rmse"


def _optimizer(model, options):
    params = model.parameters()
    if options.solver == "sgdm":
        return optim.SGD(params, lr=options.initial_learn_rate, momentum=options.momentum,
                         weight_decay=options.l2_regularization)
    if options.solver == "adam":
        return optim.Adam(params, lr=options.initial_learn_rate, betas=options.betas,
                          eps=options.epsilon, weight_decay=options.l2_regularization)
    return optim.RMSprop(params, lr=options.initial_learn_rate, alpha=options.squared_gradient_decay_factor,
                         eps=options.epsilon, weight_decay=options.l2_regularization)


def _scheduler(optimizer, options):
    if options.learn_rate_schedule == "piecewise":
        return optim.lr_scheduler.StepLR(optimizer, options.learn_rate_drop_period, options.learn_rate_drop_factor)
    if options.learn_rate_schedule == "cosine":
        return optim.lr_scheduler.CosineAnnealingLR(optimizer, options.max_epochs)
    return None


def execution_device(options):
    """The device of options.execution_environment: 'cpu', 'opencl' (raises, with the reason,
    when there is none), 'gpu' (an OpenCL GPU, else raises naming the devices there are),
    'auto' (an OpenCL GPU when there is one, else the CPU); replica 0's for 'multi-gpu', this
    rank's for 'parallel' (see tensorlite.training.environments).

    Example:
    >>> from tensorlite.training.fit import execution_device
    >>> execution_device(tl.training.TrainingOptions(execution_environment="cpu"))
    device(type='cpu')
    """
    return environment_for(options).device


def evaluate(model, data, loss="crossentropy", batch_size: int = 256) -> dict:
    """Loss and metric (accuracy or rmse) of ``model`` on ``data``, in eval mode, without a graph.

    Shapes: data, (inputs (N, *), targets (N, *)) tensors or a Dataset of pairs -> a dict of floats.

    Example:
    >>> model = nn.Linear(2, 2)
    >>> with tl.no_grad():
    ...     _ = model.weight.copy_(tl.tensor([[1., 0.], [0., 1.]])), model.bias.zero_()
    >>> x, y = tl.tensor([[2., 0.], [0., 2.], [2., 0.]]), tl.tensor([0, 1, 1])
    >>> scores = tl.training.evaluate(model, (x, y), "crossentropy")
    >>> sorted(scores), round(scores["accuracy"], 4)
    (['accuracy', 'loss'], 0.6667)
    """
    loss_fn, metric = _loss_and_metric(loss)
    dataset = _as_dataset(data)
    was_training = model.training
    model.eval()
    total_loss = total_metric = 0.0
    count = 0
    with no_grad():
        parameters = list(model.parameters())
        where = parameters[0].device if parameters else None  # batches go where the model is
        for inputs, targets in DataLoader(dataset, batch_size=batch_size):
            if where is not None:
                inputs, targets = inputs.to(where), targets.to(where)
            output = model(inputs)
            n = len(targets)
            batch_loss = loss_fn(output, targets).item()
            total_loss += batch_loss * n
            if metric == "accuracy":
                total_metric += (output.argmax(1) == targets).float().sum().item()
            else:
                total_metric += ((output - targets) ** 2).mean().item() * n
            count += n
    model.train(was_training)
    value = total_metric / count if metric == "accuracy" else math.sqrt(total_metric / count)
    return {"loss": total_loss / count, metric: value}


def fit(model: nn.Module, train_data, loss="crossentropy", options: TrainingOptions | None = None, *,
        resume_from=None, optimizer=None, scheduler=None):
    """Train ``model`` on ``train_data`` ((inputs, targets) tensors or a Dataset of pairs).

    Returns (model, history). The metric is accuracy for CrossEntropy/NLL losses, RMSE otherwise.
    With ``options.checkpoint_path``, a checkpoint (model, optimizer, schedule, random states,
    epoch, iteration, the position within the epoch and the generator state its shuffle was
    drawn from, history) is written atomically every ``checkpoint_frequency`` epochs (or
    iterations, with ``checkpoint_frequency_unit="iteration"``) and when an output function or
    early stopping stops training. ``resume_from=path`` continues from one at the next
    mini-batch, in the same order, and reproduces the uninterrupted loss curve and parameters.

    ``optimizer`` (any tensorlite optimizer over the model's parameters) and ``scheduler`` (any
    lr scheduler of it, stepped once per epoch; ReduceLROnPlateau with the validation loss)
    replace the options' solver: then solver, initial_learn_rate, momentum, l2_regularization,
    betas, epsilon, squared_gradient_decay_factor and the learn-rate schedule options are
    ignored (no schedule without ``scheduler``); checkpoints and resume keep their state.
    ``options.tensorboard`` writes TensorBoard event files (see TensorBoardLogger).

    Shapes: train_data, (inputs (N, *), targets (N,) class indices or (N, *) regression targets)
    or a Dataset of such pairs.

    Example:
    >>> _ = tl.manual_seed(0)
    >>> data = tl.data.xor(n=64)
    >>> model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))
    >>> options = tl.training.TrainingOptions("adam", initial_learn_rate=0.05, max_epochs=30,
    ...                                       mini_batch_size=16, verbose=False,
    ...                                       execution_environment="cpu")
    >>> model, history = tl.training.fit(model, data, "crossentropy", options)
    >>> len(history.epochs), history.epochs[-1]["accuracy"] > 0.9
    (30, True)
    """
    options = options or TrainingOptions()
    loss_fn, metric = _loss_and_metric(loss)
    environment = environment_for(options)  # checks devices, worker_load and loss before any change
    loss_fn = environment.prepare(model, loss_fn)  # a copy on the device when it holds tensors
    options = environment.worker_options(options)  # other MPI ranks: no output, validation, checkpoints
    dataset = _as_dataset(train_data)
    validation = options.validation_data
    generator = Generator().manual_seed(options.seed if options.seed is not None else 0)
    if options.seed is not None:
        default_generator.manual_seed(options.seed)
    if options.shuffle == "once":
        dataset = Subset(dataset, randperm(len(dataset), generator=generator).tolist())
    loader = environment.loader(DataLoader(dataset, batch_size=options.mini_batch_size,
                                           shuffle=options.shuffle == "every-epoch", generator=generator))
    if optimizer is None and scheduler is None:
        optimizer = _optimizer(model, options)
        scheduler = _scheduler(optimizer, options)
    else:  # the caller's optimizer (and scheduler) replace the options' solver and schedule
        optimizer, scheduler = given_solver(model, optimizer, scheduler)
    history = History(metric)
    epoch, iteration, elapsed_before, batches_done = 0, 0, 0.0, 0
    best_validation, bad_validations = math.inf, 0
    if resume_from is not None:
        state = load(resume_from)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        if scheduler is not None and state.get("scheduler") is not None:
            scheduler.load_state_dict(state["scheduler"])
        batches_done = state.get("batches_done", 0)
        # mid-epoch: replay the epoch's shuffle from the generator state it started with
        generator.set_state(state["epoch_loader_rng"] if batches_done else state["loader_rng"])
        default_generator.set_state(state["rng"])
        history = History.from_state(state["history"])
        epoch, iteration = state["epoch"] - (1 if batches_done else 0), state["iteration"]
        elapsed_before = history.iterations[-1]["time_since_start"] if history.iterations else 0.0
        best_validation, bad_validations = state["best_validation"], state["bad_validations"]

    environment.start(model)
    start = time.perf_counter() - elapsed_before
    progress = Progress(options, metric, len(loader), epoch, iteration, batches_done)
    stop = environment.agree(_notify(options, history, "start", epoch, iteration, start, optimizer, metric))
    board = TensorBoardLogger.from_option(options.tensorboard)
    if board is not None:
        board.open(model, dataset)
    model.train()
    train_step = compiled_train_step(environment, model, optimizer, loss_fn, metric, options.gradient_threshold,
                                     warn=options.compile is True) if options.compile is not False else None

    def checkpoint(batches_done, epoch_loader_rng):
        """Everything a resume needs; batches_done > 0: the epoch is in progress, resume runs
        its remaining mini-batches in the order drawn from epoch_loader_rng."""
        save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
              "scheduler": scheduler.state_dict() if scheduler is not None else None,
              "rng": default_generator.get_state(), "loader_rng": generator.get_state(),
              "epoch": epoch, "iteration": iteration, "batches_done": batches_done,
              "epoch_loader_rng": epoch_loader_rng, "history": history.state(),
              "best_validation": best_validation, "bad_validations": bad_validations},
             options.checkpoint_path)

    by_iteration = options.checkpoint_frequency_unit == "iteration"
    while not stop and epoch < options.max_epochs:
        epoch += 1
        epoch_loader_rng = generator.get_state()
        batches_in_epoch = len(loader)  # once per epoch: a shuffling sampler's len costs ~2 us a step
        for inputs, targets in loader.batches_from(batches_done):
            iteration += 1
            batches_done += 1
            if train_step is not None:
                batch_loss, batch_metric = train_step(inputs, targets)
            else:
                optimizer.zero_grad()
                batch_loss, batch_metric = environment.forward_backward(model, inputs, targets, loss_fn, metric)
                if options.gradient_threshold is not None:
                    nn.utils.clip_grad_norm_(model.parameters(), options.gradient_threshold)
                optimizer.step()
            environment.after_step(model)
            row = {"epoch": epoch, "iteration": iteration, "time_since_start": time.perf_counter() - start,
                   "loss": batch_loss, metric: batch_metric,
                   "base_learn_rate": optimizer.param_groups[0]["lr"]}
            if validation is not None and iteration % options.validation_frequency == 0:
                scores = evaluate(model, validation, loss_fn)
                row["validation_loss"], row["validation_" + metric] = scores["loss"], scores[metric]
                if scores["loss"] < best_validation:
                    best_validation, bad_validations = scores["loss"], 0
                else:
                    bad_validations += 1
                    stop = bad_validations >= options.validation_patience
            history.record(row)
            if board is not None:
                board.log_iteration(row, metric)
            progress.update(row)
            stop = _notify(options, history, "iteration", epoch, iteration, start, optimizer, metric) or stop
            stop = environment.agree(stop)  # every MPI rank stops with rank 0
            finished_epoch = batches_done == batches_in_epoch
            if options.checkpoint_path and not finished_epoch and \
                    (stop or (by_iteration and iteration % options.checkpoint_frequency == 0)):
                checkpoint(batches_done, epoch_loader_rng)
            if stop:
                break
        if batches_done < batches_in_epoch:  # stopped mid-epoch: the schedule and the epoch go on at resume
            history.close_epoch(epoch)  # (the returned history still summarises what ran)
            break
        batches_done = 0
        if scheduler is not None:
            step_scheduler(scheduler, history)
        history.close_epoch(epoch)
        if board is not None:
            board.log_epoch(epoch, model)
        if options.checkpoint_path and (stop or (iteration % options.checkpoint_frequency == 0 if by_iteration
                                                 else epoch % options.checkpoint_frequency == 0)):
            checkpoint(0, None)
    if validation is not None and history.iterations and "validation_loss" not in history.iterations[-1]:
        scores = evaluate(model, validation, loss_fn)
        history.iterations[-1]["validation_loss"] = scores["loss"]
        history.iterations[-1]["validation_" + metric] = scores[metric]
        if history.epochs:
            history.epochs[-1]["validation_loss"] = scores["loss"]
            history.epochs[-1]["validation_" + metric] = scores[metric]
        progress.update(history.iterations[-1], force=True)
    progress.close()
    if board is not None:
        board.close(history, model)
    _notify(options, history, "done", epoch, iteration, start, optimizer, metric)
    return model, history


def _notify(options, history, state, epoch, iteration, start, optimizer, metric) -> bool:
    """Call the output functions; any of them returning True stops training."""
    if not options.output_functions:
        return False
    last = history.iterations[-1] if history.iterations and state != "start" else {}
    info = TrainingInfo(state=state, epoch=epoch, iteration=iteration,
                        time_since_start=time.perf_counter() - start,
                        training_loss=last.get("loss"), base_learn_rate=optimizer.param_groups[0]["lr"])
    info["training_" + metric] = last.get(metric)
    if "validation_loss" in last:
        info["validation_loss"] = last["validation_loss"]
        info["validation_" + metric] = last["validation_" + metric]
    return any(bool(fn(info)) for fn in options.output_functions)
