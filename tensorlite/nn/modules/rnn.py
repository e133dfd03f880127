"""tensorlite.nn.modules.rnn: the names of PyTorch's ``torch.nn.modules.rnn`` (for programs
that import from it with torch mapped to tensorlite)."""
from ..layers.recurrent import GRU, GRUCell, LSTM, LSTMCell, RNN, RNNCell, _CellBase, _RNNBase  # noqa: F401

RNNBase, RNNCellBase = _RNNBase, _CellBase  # PyTorch's public names of the two bases

__all__ = ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNCell", "RNNBase", "RNNCellBase"]
