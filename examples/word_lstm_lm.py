"""A word-level LSTM language model, after PyTorch's ``examples/word_language_model``: an
embedding, a (stacked) LSTM with dropout, a decoder whose weight may be tied to the embedding,
truncated backpropagation through time (the hidden state is detached between chunks), gradient
clipping and the manual SGD update ``p.data.add_(p.grad, alpha=-lr)``, with the learning rate
divided by 4 whenever the validation loss stops improving.

Data: the first ~60 KB of tiny Shakespeare (examples/data/, origin note beside it), split into
words (a line ends with ``<eos>``), 90% for training and 10% for validation.

Run: ``python examples/word_lstm_lm.py`` (``TENSORLITE_DEVICE=opencl`` runs it on OpenCL).
"""
from __future__ import annotations

import gzip
import math
import pathlib
import time

import tensorlite as tl
from tensorlite import nn
import tensorlite.nn.functional as F

DATA = pathlib.Path(__file__).resolve().parent / "data" / "tinyshakespeare_words_head.txt.gz"


class Corpus:
    """Word ids of the text: ``train`` and ``valid`` (1-D int64 tensors) and the vocabulary."""

    def __init__(self, path=DATA, max_words: int | None = None, valid_fraction: float = 0.1):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            words = [w for line in f for w in line.split() + ["<eos>"]]
        words = words[:max_words] if max_words else words
        self.index = {}
        ids = [self.index.setdefault(w, len(self.index)) for w in words]
        split = int(len(ids) * (1 - valid_fraction))
        self.train, self.valid = tl.tensor(ids[:split]), tl.tensor(ids[split:])

    def __len__(self) -> int:
        return len(self.index)


def batchify(data, batch_size: int, device):
    """(T,) word ids -> (T // batch_size, batch_size): each column an independent stream."""
    steps = data.size(0) // batch_size
    return data[:steps * batch_size].view(batch_size, -1).t().contiguous().to(device)


def get_batch(source, i: int, bptt: int):
    """Inputs (L, N) from row i and the targets (L * N,): the same words shifted by one."""
    length = min(bptt, source.size(0) - 1 - i)
    return source[i:i + length], source[i + 1:i + 1 + length].reshape(-1)


def repackage_hidden(h):
    """Cut the hidden state from the previous chunk's graph (truncated BPTT)."""
    if isinstance(h, tl.Tensor):
        return h.detach()
    return tuple(repackage_hidden(v) for v in h)


class RNNModel(nn.Module):
    """Embedding -> dropout -> LSTM -> dropout -> linear decoder -> log-probabilities.

    Shapes: input (L, N) word ids, hidden ((layers, N, hidden), (layers, N, hidden)) ->
    log-probabilities (L * N, vocabulary) and the new hidden state.
    """

    def __init__(self, vocabulary: int, embedding: int, hidden: int, layers: int,
                 dropout: float = 0.2, tie_weights: bool = False):
        super().__init__()
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(vocabulary, embedding)
        self.rnn = nn.LSTM(embedding, hidden, layers, dropout=dropout)
        self.decoder = nn.Linear(hidden, vocabulary)
        if tie_weights:  # "Using the Output Embedding to Improve Language Models" (Press & Wolf 2016)
            if hidden != embedding:
                raise ValueError("tied weights need hidden == embedding")
            self.decoder.weight = self.encoder.weight
        self.vocabulary, self.hidden, self.layers = vocabulary, hidden, layers
        with tl.no_grad():
            self.encoder.weight.uniform_(-0.1, 0.1)
            self.decoder.bias.zero_()
            self.decoder.weight.uniform_(-0.1, 0.1)

    def forward(self, input, hidden):
        output, hidden = self.rnn(self.drop(self.encoder(input)), hidden)
        decoded = self.decoder(self.drop(output)).view(-1, self.vocabulary)
        return F.log_softmax(decoded, dim=1), hidden

    def init_hidden(self, batch_size: int):
        weight = next(self.parameters())
        return (weight.new_zeros(self.layers, batch_size, self.hidden),
                weight.new_zeros(self.layers, batch_size, self.hidden))


def train_epoch(model, data, lr: float, bptt: int, clip: float, batch_size: int) -> list:
    """One pass over ``data``; returns the mean loss of each chunk (read once, at the end)."""
    model.train()
    criterion = nn.NLLLoss()
    hidden = model.init_hidden(batch_size)
    losses = []
    for i in range(0, data.size(0) - 1, bptt):
        inputs, targets = get_batch(data, i, bptt)
        hidden = repackage_hidden(hidden)
        model.zero_grad()
        output, hidden = model(inputs, hidden)
        loss = criterion(output, targets)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), clip)  # tames exploding gradients in RNNs
        for p in model.parameters():
            p.data.add_(p.grad, alpha=-lr)
        losses.append(loss.detach())  # stays on the device: no host read per step
    return tl.stack(losses).tolist()


def evaluate(model, data, bptt: int, batch_size: int) -> float:
    """Mean loss per word over ``data`` (no dropout, no graph)."""
    model.eval()
    criterion = nn.NLLLoss()
    hidden = model.init_hidden(batch_size)
    total = tl.zeros((), device=data.device)
    with tl.no_grad():
        for i in range(0, data.size(0) - 1, bptt):
            inputs, targets = get_batch(data, i, bptt)
            output, hidden = model(inputs, hidden)
            total += len(inputs) * criterion(output, targets)
    return total.item() / (data.size(0) - 1)


def main(epochs: int = 6, max_words: int | None = None, embedding: int = 128, hidden: int = 128,
         layers: int = 2, lr: float = 20.0, clip: float = 0.25, bptt: int = 35, batch_size: int = 20,
         dropout: float = 0.2, tied: bool = True, seed: int = 1, device=None) -> dict:
    """Train and report; returns the per-chunk training losses and the validation loss per epoch."""
    tl.manual_seed(seed)
    device = tl.device(device) if device is not None else tl.get_default_device()
    corpus = Corpus(max_words=max_words)
    train = batchify(corpus.train, batch_size, device)
    valid = batchify(corpus.valid, max(1, batch_size // 2), device)
    model = RNNModel(len(corpus), embedding, hidden, layers, dropout, tied).to(device)
    print(f"{len(corpus)} words in the vocabulary, {corpus.train.numel()} training words; "
          f"uniform guessing costs {math.log(len(corpus)):.2f} nats per word")
    history = {"train": [], "valid": []}
    best = None
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        losses = train_epoch(model, train, lr, bptt, clip, batch_size)
        valid_loss = evaluate(model, valid, bptt, max(1, batch_size // 2))
        history["train"].append(losses)
        history["valid"].append(valid_loss)
        print(f"epoch {epoch:3d}  lr {lr:6.2f}  train loss {sum(losses) / len(losses):6.3f}  "
              f"valid loss {valid_loss:6.3f}  valid ppl {math.exp(valid_loss):8.1f}  "
              f"({time.perf_counter() - start:.1f} s)")
        if best is not None and valid_loss >= best:
            lr /= 4.0  # as PyTorch's example: anneal when validation stops improving
        best = valid_loss if best is None else min(best, valid_loss)
    return history


if __name__ == "__main__":
    main()
