"""tensorlite.nn: Module, Parameter, layers, losses, init, functional (F) and utils."""
from . import functional, init, parallel, utils
from .containers import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .layers.activation import (CELU, ELU, GELU, GLU, SELU, Hardsigmoid, Hardswish, Hardtanh, LeakyReLU,
                                LogSigmoid, LogSoftmax, Mish, PReLU, ReLU, ReLU6, Sigmoid, SiLU, Softmax,
                                Softmin, Softplus, Softsign, Tanh)
from .layers.conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d, Fold, Unfold
from .layers.embedding import Embedding, EmbeddingBag
from .layers.linear import Bilinear, Flatten, Identity, Linear, Unflatten
from .layers.loss import (BCELoss, BCEWithLogitsLoss, CosineEmbeddingLoss, CrossEntropyLoss, HuberLoss,
                          GaussianNLLLoss, KLDivLoss, L1Loss, MarginRankingLoss, MSELoss, NLLLoss,
                          PairwiseDistance, PoissonNLLLoss, SmoothL1Loss, TripletMarginLoss,
                          HingeEmbeddingLoss, MultiLabelMarginLoss, MultiLabelSoftMarginLoss, MultiMarginLoss,
                          SoftMarginLoss, TripletMarginWithDistanceLoss, CosineSimilarity)
from .layers.normalization import (BatchNorm1d, BatchNorm2d, BatchNorm3d, Dropout, Dropout1d, Dropout2d, Dropout3d,
                                   GroupNorm, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d, LayerNorm,
                                   LocalResponseNorm, RMSNorm)
from .layers.padding import (CircularPad1d, CircularPad2d, CircularPad3d, ConstantPad1d, ConstantPad2d,
                             ConstantPad3d, ReflectionPad1d, ReflectionPad2d, ReflectionPad3d, ReplicationPad1d,
                             ReplicationPad2d, ReplicationPad3d, ZeroPad1d, ZeroPad2d, ZeroPad3d)
from .layers.pooling import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveAvgPool3d, AdaptiveMaxPool1d,
                             AdaptiveMaxPool2d, AdaptiveMaxPool3d, AvgPool1d, AvgPool2d, AvgPool3d, MaxPool1d,
                             MaxPool2d, MaxPool3d, MaxUnpool1d, MaxUnpool2d, MaxUnpool3d)
from .layers.resample import PixelShuffle, PixelUnshuffle, Upsample, UpsamplingBilinear2d, UpsamplingNearest2d
from .layers.recurrent import GRU, GRUCell, LSTM, LSTMCell, RNN, RNNCell
from .layers.lazy import (LazyBatchNorm1d, LazyBatchNorm2d, LazyBatchNorm3d, LazyConv1d, LazyConv2d,
                          LazyConv3d, LazyConvTranspose1d, LazyConvTranspose2d, LazyConvTranspose3d,
                          LazyInstanceNorm1d, LazyInstanceNorm2d, LazyInstanceNorm3d, LazyLinear)
from .layers.transformer import (MultiheadAttention, Transformer, TransformerDecoder,
                                 TransformerDecoderLayer, TransformerEncoder, TransformerEncoderLayer)
from .module import Module
from .parameter import Parameter, UninitializedBuffer, UninitializedParameter
from . import lazy, parameter
from . import modules

__all__ = [name for name in dir() if not name.startswith("_")]
