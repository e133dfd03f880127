"""tensorlite.training: TrainingOptions, fit, evaluate, History, the seeds' Network (per-layer
optimizers, predict, classify), TensorBoard output and the compare() benchmark helper."""
from .fit import TrainingInfo, evaluate, fit
from .history import History
from .network import Network, SteppedTogether, classify, predict
from .options import TrainingOptions
from .quick import compare
from .tensorboard import TensorBoardLogger

__all__ = ["TrainingOptions", "fit", "evaluate", "History", "TrainingInfo", "Network", "compare",
           "predict", "classify", "SteppedTogether", "TensorBoardLogger"]
