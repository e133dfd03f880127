"""tensorlite.training: TrainingOptions, fit, evaluate, History, the Network quick path and
the compare() benchmark helper."""
from .fit import TrainingInfo, evaluate, fit
from .history import History
from .options import TrainingOptions
from .quick import Network, compare

__all__ = ["TrainingOptions", "fit", "evaluate", "History", "TrainingInfo", "Network", "compare"]
