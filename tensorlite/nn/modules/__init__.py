"""tensorlite.nn.modules: PyTorch's ``torch.nn.modules`` package paths (module, linear, conv,
batchnorm, rnn, loss, utils, ...), each re-exporting tensorlite.nn's classes, so programs that
import from them or test ``isinstance(m, nn.modules.batchnorm._BatchNorm)`` run unmodified."""
from . import (activation, batchnorm, container, conv, dropout, flatten, instancenorm, lazy, linear, loss,  # noqa: F401
               module, normalization, padding, pooling, rnn, sparse, transformer, utils)
from .activation import *  # noqa: F401,F403
from .batchnorm import *  # noqa: F401,F403
from .container import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
from .dropout import *  # noqa: F401,F403
from .flatten import *  # noqa: F401,F403
from .instancenorm import *  # noqa: F401,F403
from .lazy import LazyModuleMixin  # noqa: F401
from .linear import *  # noqa: F401,F403
from .loss import *  # noqa: F401,F403
from .module import Module  # noqa: F401
from .normalization import *  # noqa: F401,F403
from .padding import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from .rnn import *  # noqa: F401,F403
from .sparse import *  # noqa: F401,F403
from .transformer import *  # noqa: F401,F403
