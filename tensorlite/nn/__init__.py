"""tensorlite.nn: Module, Parameter, layers, losses, init, functional (F) and utils."""
from . import functional, init, utils
from .containers import ModuleDict, ModuleList, ParameterList, Sequential
from .layers.activation import (CELU, ELU, GELU, SELU, Hardsigmoid, Hardswish, Hardtanh, LeakyReLU,
                                LogSigmoid, LogSoftmax, Mish, PReLU, ReLU, ReLU6, Sigmoid, SiLU, Softmax,
                                Softmin, Softplus, Softsign, Tanh)
from .layers.conv import Conv1d, Conv2d, ConvTranspose2d
from .layers.embedding import Embedding
from .layers.linear import Bilinear, Flatten, Identity, Linear, Unflatten
from .layers.loss import (BCELoss, BCEWithLogitsLoss, CosineEmbeddingLoss, CrossEntropyLoss, HuberLoss,
                          KLDivLoss, L1Loss, MarginRankingLoss, MSELoss, NLLLoss, SmoothL1Loss)
from .layers.normalization import (BatchNorm1d, BatchNorm2d, Dropout, Dropout1d, Dropout2d, Dropout3d,
                                   GroupNorm, LayerNorm, LocalResponseNorm)
from .layers.pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
from .layers.recurrent import GRU, GRUCell, LSTM, LSTMCell, RNN, RNNCell
from .layers.transformer import (MultiheadAttention, Transformer, TransformerDecoder,
                                 TransformerDecoderLayer, TransformerEncoder, TransformerEncoderLayer)
from .module import Module
from .parameter import Parameter

__all__ = [name for name in dir() if not name.startswith("_")]
