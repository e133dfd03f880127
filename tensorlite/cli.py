"""The ``tensorlite`` command (also ``python -m tensorlite``).

  tensorlite demo [--dataset digits|fashion-mnist] [--epochs N] [--out DIR]
  tensorlite train [--ranks N] CONFIG.toml
  tensorlite devices
  tensorlite gradcheck [OP ...]
  tensorlite --version
"""
from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time

from . import distributed, nn
from .autograd import gradcheck, gradgradcheck
from .data import Digits, FashionMNIST, boolean_function
from .dtypes import float64
from .nn import functional as F
from .ops.creation import randn
from .random import manual_seed
from .training import TrainingOptions, evaluate, fit

__all__ = ["main"]


class CommandError(Exception):
    """A user error a command reports in one line (``tensorlite CMD: message``, exit status 2)."""


def _seed_mlp(inputs: int):
    return nn.Sequential(nn.Linear(inputs, 100), nn.ReLU(), nn.Linear(100, 50), nn.ReLU(), nn.Linear(50, 10))


def demo(args) -> int:
    """Train the seed MLP (in-100-50-10, ReLU, Adam, batch 50), print test accuracy, write the
    CSV history, PNG curves (when matplotlib is installed) and a checkpoint."""
    os.makedirs(args.out, exist_ok=True)
    if args.dataset == "fashion-mnist":
        train = FashionMNIST(args.root, train=True).as_dataset()
        test = FashionMNIST(args.root, train=False).as_dataset()
        epochs = args.epochs or 10
    else:
        train, test = Digits(train=True), Digits(train=False)
        epochs = args.epochs or 20
    inputs = train.tensors[0].shape[1]
    print(f"tensorlite demo: {inputs}-100-50-10 MLP on {args.dataset} ({len(train)} training, "
          f"{len(test)} test samples), Adam, batch 50, {epochs} epochs")
    options = TrainingOptions("adam", initial_learn_rate=1e-3 if args.dataset == "fashion-mnist" else 3e-3,
                              max_epochs=epochs, mini_batch_size=50, shuffle="every-epoch",
                              l2_regularization=0.0, validation_data=test, validation_frequency=10 ** 9,
                              verbose_frequency=100 if args.dataset == "digits" else 600,
                              checkpoint_path=os.path.join(args.out, "checkpoint.tl"), seed=args.seed)
    started = time.perf_counter()
    model, history = fit(_seed_mlp(inputs), train, "crossentropy", options)
    scores = evaluate(model, test)
    history.to_csv(os.path.join(args.out, "history.csv"))
    written = ["history.csv", "checkpoint.tl"]
    try:
        history.plot(os.path.join(args.out, "curves.png"))
        written.append("curves.png")
    except ImportError:
        print("(matplotlib is not installed: no curves.png; pip install 'tensorlite[plot]')")
    print(f"test accuracy {scores['accuracy']:.4f}, test loss {scores['loss']:.4f} "
          f"({time.perf_counter() - started:.1f} s); wrote {', '.join(written)} to {args.out}")
    return 0


_LAYERS = {"linear": ("Linear", ("in", "out")), "relu": ("ReLU", ()), "tanh": ("Tanh", ()),
           "sigmoid": ("Sigmoid", ()), "dropout": ("Dropout", ("p",)), "flatten": ("Flatten", ()),
           "conv2d": ("Conv2d", ("in", "out", "kernel")), "maxpool2d": ("MaxPool2d", ("kernel",)),
           "batchnorm1d": ("BatchNorm1d", ("features",)), "gelu": ("GELU", ())}


def _build_model(layers):
    modules = []
    for spec in layers:
        kind = spec.get("type", "").lower()
        if kind not in _LAYERS:
            raise CommandError(f"unknown layer type {kind!r}; known: {', '.join(_LAYERS)}")
        name, arguments = _LAYERS[kind]
        missing = [a for a in arguments if a not in spec]
        if missing:
            raise CommandError(f"layer {kind!r} needs {', '.join(missing)}")
        modules.append(getattr(nn, name)(*[spec[a] for a in arguments]))
    return nn.Sequential(*modules)


# Set by `tensorlite train --ranks N` for the N processes it starts under mpiexec.
RANKS_VARIABLE = "TENSORLITE_TRAIN_RANKS"


def launch_ranks(args) -> int:
    """`tensorlite train --ranks N CONFIG`: the same command on N MPI ranks, through the venv's
    mpiexec (else PATH's); each rank trains with execution_environment 'parallel' unless the
    configuration names one."""
    if args.ranks < 1:
        raise SystemExit(f"train: --ranks must be at least 1, got {args.ranks}")
    try:
        command = distributed.mpiexec_command(args.ranks, [sys.executable, "-m", "tensorlite", "train",
                                                           args.config])
    except RuntimeError as error:
        raise SystemExit(f"train --ranks: {error}") from None
    return subprocess.run(command, env=dict(os.environ, **{RANKS_VARIABLE: str(args.ranks)})).returncode


def train(args) -> int:
    """Train from a TOML file: [model] layers = [{type = "linear", in = 64, out = 10}, ...];
    [data] dataset = "digits" | "fashion-mnist" | "boolean-function"; [options] any
    TrainingOptions field (solver, max_epochs, ...); [output] dir. With ``--ranks N``: on N
    MPI ranks (rank 0 writes the history and prints)."""
    if getattr(args, "ranks", None) is not None:
        return launch_ranks(args)
    config = _read_config(args.config)
    if not isinstance(config.get("options", {}), dict):
        raise CommandError(f"[options] must be a table of TrainingOptions fields, not {config['options']!r}")
    options = dict(config.get("options", {}))
    if os.environ.get(RANKS_VARIABLE):
        options.setdefault("execution_environment", "parallel")
    solver = options.pop("solver", "adam")
    out = config.get("output", {}).get("dir", "tensorlite-run")
    options.setdefault("checkpoint_path", os.path.join(out, "checkpoint.tl"))
    training_options = _training_options(solver, options)  # before anything is loaded or written
    dataset = config.get("data", {}).get("dataset", "digits")
    if dataset == "digits":
        train_set, test_set = Digits(train=True), Digits(train=False)
    elif dataset == "fashion-mnist":
        train_set = FashionMNIST(config["data"].get("root"), train=True).as_dataset()
        test_set = FashionMNIST(config["data"].get("root"), train=False).as_dataset()
    elif dataset == "boolean-function":
        train_set, test_set = boolean_function()
    else:
        raise CommandError(f"unknown dataset {dataset!r} (digits, fashion-mnist, boolean-function)")
    os.makedirs(out, exist_ok=True)
    model = _build_model(config.get("model", {}).get("layers", []))
    loss = config.get("loss", {}).get("name", "crossentropy") if isinstance(config.get("loss"), dict) \
        else config.get("loss", "crossentropy")
    model, history = fit(model, train_set, loss, training_options)
    scores = evaluate(model, test_set, loss)
    if distributed.is_initialized() and distributed.get_rank() != 0:
        return 0
    history.to_csv(os.path.join(out, "history.csv"))
    print(f"test {', '.join(f'{k} {v:.4f}' for k, v in scores.items())}; history in {out}/history.csv")
    return 0


def _read_config(path: str) -> dict:
    """The TOML file at path as a dict; CommandError when it is missing or not valid TOML."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # tomllib is new in Python 3.11; tomli is the same parser (a dependency there)
        import tomli as tomllib
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except OSError as error:
        raise CommandError(f"cannot read the configuration {path!r}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise CommandError(f"{path} is not valid TOML: {error}") from None


def _training_options(solver, options: dict) -> TrainingOptions:
    """TrainingOptions from the config's [options] table; its error (a misspelt option, a value
    out of range) as a CommandError naming the table."""
    try:
        return TrainingOptions(solver, **options)
    except (TypeError, ValueError) as error:
        raise CommandError(f"[options]: {error}") from None


def devices(args) -> int:
    """List the devices tensorlite can run on, with their limits."""
    print(f"cpu: NumPy backend on {platform.processor() or platform.machine()} ({os.cpu_count()} cores), "
          f"float16/bfloat16/float32/float64")
    try:
        from .backends import opencl
    except ImportError as error:
        if error.name != "pyopencl":
            raise
        print("opencl: not available: pyopencl is not installed; install the opencl extra: "
              "pip install 'tensorlite[opencl]' (and an OpenCL driver, or pip install pocl-binary-distribution)")
        return 0
    try:
        for line in opencl.describe_devices():
            print(line)
    except opencl.NoDeviceError as error:
        print(f"opencl: not available: {error}")
    return 0


_GRADCHECK_OPS = {
    "exp": lambda t: t.exp(), "tanh": lambda t: t.tanh(), "sigmoid": lambda t: t.sigmoid(),
    "logsumexp": lambda t: t.logsumexp(-1), "softmax": lambda t: t.softmax(-1),
    "matmul": lambda t: t @ t.mT, "norm": lambda t: t.norm(dim=-1),
    "conv2d": lambda t: F.conv2d(t.reshape(1, 1, 3, 4), t.reshape(1, 1, 3, 4)[..., :2, :2]),
    "max_pool2d": lambda t: F.max_pool2d(t.reshape(1, 1, 3, 4), 2),
    "layer_norm": lambda t: F.layer_norm(t, (4,)),
}


def gradcheck_command(args) -> int:
    """gradcheck and gradgradcheck on built-in ops at a random float64 (3, 4) point."""
    names = args.ops or list(_GRADCHECK_OPS)
    unknown = [n for n in names if n not in _GRADCHECK_OPS]
    if unknown:
        print(f"unknown op(s) {', '.join(unknown)}; available: {', '.join(_GRADCHECK_OPS)}")
        return 2
    manual_seed(args.seed)
    failures = 0
    for name in names:
        x = randn(3, 4, dtype=float64, requires_grad=True)
        first = gradcheck(_GRADCHECK_OPS[name], (x,), raise_exception=False)
        second = gradgradcheck(_GRADCHECK_OPS[name], (x,), raise_exception=False)
        failures += not (first and second)
        print(f"  {name:<12} gradcheck {'ok' if first else 'FAILED'}   gradgradcheck {'ok' if second else 'FAILED'}")
    print(f"{len(names) - failures} passed, {failures} failed")
    return 1 if failures else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="tensorlite", description="tensorlite: a small autograd "
                                     "tensor framework with PyTorch's API.")
    parser.add_argument("--version", action="version", version=f"tensorlite {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = commands.add_parser("demo", help="train the seed MLP and report test accuracy")
    p.add_argument("--dataset", choices=("digits", "fashion-mnist"), default="digits",
                   help="digits (bundled, default) or fashion-mnist (apt-get install dataset-fashion-mnist)")
    p.add_argument("--root", default=None, help="folder with the Fashion-MNIST IDX files")
    p.add_argument("--epochs", type=int, default=None, help="epochs (default 20 on digits, 10 on fashion-mnist)")
    p.add_argument("--out", default="tensorlite-demo", help="where history.csv, curves.png and checkpoint.tl go")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(run=demo)
    p = commands.add_parser("train", help="train from a TOML configuration")
    p.add_argument("config", help="TOML file with [model], [data], [options], [output]")
    p.add_argument("--ranks", type=int, default=None, metavar="N",
                   help="train on N MPI ranks (runs this command under the venv's mpiexec)")
    p.set_defaults(run=train)
    p = commands.add_parser("devices", help="list devices and their capabilities")
    p.set_defaults(run=devices)
    p = commands.add_parser("gradcheck", help="check built-in ops' first and second derivatives")
    p.add_argument("ops", nargs="*", help=f"ops to check (default: all of {', '.join(_GRADCHECK_OPS)})")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(run=gradcheck_command)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except CommandError as error:
        print(f"tensorlite {args.command}: {error}", file=sys.stderr)
        return 2


def _version() -> str:
    """The installed distribution's version; the package's own when it runs from a checkout."""
    from importlib import metadata
    try:
        return metadata.version("tensorlite")
    except metadata.PackageNotFoundError:
        from . import __version__
        return __version__


if __name__ == "__main__":
    sys.exit(main())
