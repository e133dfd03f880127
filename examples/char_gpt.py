"""A character-level GPT trained on a 150 KB slice of tiny Shakespeare (examples/data/).

Token and position embeddings, pre-norm transformer blocks (causal self-attention through
F.scaled_dot_product_attention, a GELU MLP, LayerNorm, residuals), an output layer tied to the
token embedding; AdamW with weight decay on matrices only, a linear warmup then cosine learning
rate, gradient clipping; sampling with temperature and top-k. The model is written against the
PyTorch API through ``lib`` (tensorlite or torch), so benchmarks/gpt_step.py times the very same
code in both.

Run: python examples/char_gpt.py [--steps 2000] [--device cpu|opencl] [--layers 4 --width 128]
The defaults (4 layers, 128 wide, context 64) reach a validation loss near 2.0 nats per
character in about 2000 steps; an untrained model starts at ln(61) = 4.11.
"""
from __future__ import annotations

import argparse
import gzip
import math
import pathlib
import time

import tensorlite as tl

DATA = pathlib.Path(__file__).resolve().parent / "data" / "tinyshakespeare_150k.txt.gz"


def define_gpt(lib):
    """The GPT modules built on ``lib.nn`` (lib is tensorlite or torch)."""
    nn, F = lib.nn, lib.nn.functional

    class CausalSelfAttention(nn.Module):
        def __init__(self, width: int, heads: int, dropout: float):
            super().__init__()
            self.qkv = nn.Linear(width, 3 * width)
            self.proj = nn.Linear(width, width)
            self.heads, self.dropout = heads, dropout
            self.resid_dropout = nn.Dropout(dropout)

        def forward(self, x):  # (B, T, C) -> (B, T, C)
            batch, length, width = x.shape
            q, k, v = (t.reshape(batch, length, self.heads, width // self.heads).transpose(1, 2)
                       for t in self.qkv(x).split(width, dim=2))
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True,
                                               dropout_p=self.dropout if self.training else 0.0)
            return self.resid_dropout(self.proj(y.transpose(1, 2).reshape(batch, length, width)))

    class Block(nn.Module):
        def __init__(self, width: int, heads: int, dropout: float):
            super().__init__()
            self.ln1, self.ln2 = nn.LayerNorm(width), nn.LayerNorm(width)
            self.attn = CausalSelfAttention(width, heads, dropout)
            self.mlp = nn.Sequential(nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(4 * width, width),
                                     nn.Dropout(dropout))

        def forward(self, x):
            x = x + self.attn(self.ln1(x))
            return x + self.mlp(self.ln2(x))

    class GPT(nn.Module):
        """idx (B, T) int64 -> logits (B, T, vocab), and the mean cross-entropy with targets."""

        def __init__(self, vocab: int, context: int, layers: int = 4, heads: int = 4, width: int = 128,
                     dropout: float = 0.0):
            super().__init__()
            self.context = context
            self.token = nn.Embedding(vocab, width)
            self.position = nn.Embedding(context, width)
            self.drop = nn.Dropout(dropout)
            self.blocks = nn.ModuleList([Block(width, heads, dropout) for _ in range(layers)])
            self.ln_f = nn.LayerNorm(width)
            self.head = nn.Linear(width, vocab, bias=False)
            self.head.weight = self.token.weight  # weight tying: one matrix, two uses
            self.apply(_init_weights)
            for name, p in self.named_parameters():  # GPT-2: residual projections scaled by depth
                if name.endswith("proj.weight") or name.endswith("mlp.2.weight"):
                    nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * layers))

        def forward(self, idx, targets=None):
            length = idx.shape[1]
            positions = lib.arange(length, device=idx.device)
            x = self.drop(self.token(idx) + self.position(positions))
            for block in self.blocks:
                x = block(x)
            logits = self.head(self.ln_f(x))
            if targets is None:
                return logits, None
            return logits, F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))

    def _init_weights(module):
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    return GPT


def adamw_with_groups(lib, model, lr: float, weight_decay: float = 0.1):
    """AdamW decaying the matrices (linear and embedding weights), not biases and LayerNorm
    parameters."""
    params = list(model.parameters())
    decay = [p for p in params if p.ndim >= 2]
    no_decay = [p for p in params if p.ndim < 2]
    groups = [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return lib.optim.AdamW(groups, lr=lr, betas=(0.9, 0.95))


def learning_rate(step: int, max_lr: float, warmup: int, total: int, min_ratio: float = 0.1) -> float:
    """Linear warmup over ``warmup`` steps, then a cosine from max_lr down to min_ratio * max_lr."""
    if step < warmup:
        return max_lr * (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return max_lr * (min_ratio + (1 - min_ratio) * 0.5 * (1.0 + math.cos(math.pi * progress)))


def train_step(lib, model, optimizer, x, y, lr: float, clip: float = 1.0):
    """One step: forward, backward, clipping, AdamW. Returns the loss (a 0-dim tensor)."""
    for group in optimizer.param_groups:
        group["lr"] = lr
    _, loss = model(x, y)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    lib.nn.utils.clip_grad_norm_(model.parameters(), clip)
    optimizer.step()
    return loss


def top_k_filter(logits, k: int):
    """logits with everything below the k-th largest of each row set to -inf (values tied with
    the k-th largest are kept), as nanoGPT: ``logits < topk(logits, k).values[..., -1:]``."""
    if k >= logits.shape[-1]:
        return logits
    kth_largest = logits.topk(k, dim=-1).values[..., -1:]
    return logits.masked_fill(logits < kth_largest, -math.inf)


def generate(lib, model, idx, new_tokens: int, temperature: float = 1.0, top_k: int | None = None,
             generator=None):
    """Extend idx (B, T) by new_tokens sampled characters (context cropped to the model's)."""
    model.eval()
    with lib.no_grad():
        for _ in range(new_tokens):
            logits, _ = model(idx[:, -model.context:])
            logits = logits[:, -1, :] / temperature
            if top_k is not None:
                logits = top_k_filter(logits, top_k)
            probs = lib.nn.functional.softmax(logits, dim=-1)
            idx = lib.cat([idx, lib.multinomial(probs, 1, generator=generator)], dim=1)
    model.train()
    return idx


class CharData:
    """The text as int64 character codes, split 90 / 10 into train and validation."""

    def __init__(self, lib, path=DATA, device=None):
        text = gzip.open(path, "rt", encoding="utf-8").read()
        self.chars = sorted(set(text))
        self.index = {c: i for i, c in enumerate(self.chars)}
        codes = lib.tensor([self.index[c] for c in text], dtype=lib.int64, device=device)
        split = int(0.9 * len(text))
        self.train, self.val = codes[:split], codes[split:]

    def batch(self, lib, split: str, batch_size: int, context: int, generator):
        """x, y (batch_size, context): random windows and the same windows shifted by one."""
        data = self.train if split == "train" else self.val
        starts = lib.randint(0, data.shape[0] - context - 1, (batch_size, 1), generator=generator)
        starts = starts.to(data.device)
        windows = starts + lib.arange(context, device=data.device)
        return data[windows], data[windows + 1]

    def decode(self, codes) -> str:
        return "".join(self.chars[i] for i in codes)


def evaluate(lib, model, data, context, batch_size, batches, generator) -> float:
    model.eval()
    with lib.no_grad():
        losses = [model(*data.batch(lib, "val", batch_size, context, generator))[1] for _ in range(batches)]
    model.train()
    return lib.stack(losses).mean().item()


def main(steps: int = 2000, batch_size: int = 32, context: int = 64, layers: int = 4, heads: int = 4,
         width: int = 128, lr: float = 3e-3, warmup: int = 100, dropout: float = 0.0, device=None,
         eval_every: int = 250, sample_chars: int = 300, top_k: int | None = 10, temperature: float = 0.8,
         seed: int = 0, lib=tl) -> dict:
    """Train on ``device`` (None: the default device, e.g. TENSORLITE_DEVICE=opencl), print the
    losses and a sample; return {"losses": per-step train losses, "val_loss": final validation
    loss, "sample": the generated text}."""
    lib.manual_seed(seed)
    generator = lib.Generator().manual_seed(seed)
    data = CharData(lib, device=device)
    model = define_gpt(lib)(len(data.chars), context, layers, heads, width, dropout).to(data.train.device)
    optimizer = adamw_with_groups(lib, model, lr)
    print(f"{sum(p.numel() for p in model.parameters()):,} parameters, {len(data.chars)} characters, "
          f"{data.train.shape[0]:,} training characters")
    losses, start = [], time.perf_counter()
    for step in range(steps):
        x, y = data.batch(lib, "train", batch_size, context, generator)
        losses.append(train_step(lib, model, optimizer, x, y, learning_rate(step, lr, warmup, steps)).detach())
        if (step + 1) % eval_every == 0 or step + 1 == steps:
            elapsed = time.perf_counter() - start
            print(f"step {step + 1}: train loss {losses[-1].item():.3f}, "
                  f"{elapsed / (step + 1) * 1000:.0f} ms/step")
    val_loss = evaluate(lib, model, data, context, batch_size, 4, generator)
    prompt = lib.full((1, 1), data.index["\n"], dtype=lib.int64, device=data.train.device)
    text = data.decode(generate(lib, model, prompt, sample_chars, temperature, top_k, generator)[0, 1:].tolist())
    print(f"validation loss {val_loss:.3f}\n--- sample ---\n{text}")
    return {"losses": [float(loss.item()) for loss in losses], "val_loss": val_loss, "sample": text}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--context", type=int, default=64)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--width", type=int, default=128)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--device", default=None, help="cpu or opencl (default: the default device)")
    parser.add_argument("--top-k", type=int, default=10)
    parser.add_argument("--temperature", type=float, default=0.8)
    arguments = parser.parse_args()
    # a step frees and reallocates hundreds of 0.1-1 MiB temporaries: with glibc's default
    # thresholds the heap top is trimmed and regrown, ~2400 page faults a step (small config)
    tl.backends.tune_allocator()
    main(arguments.steps, arguments.batch_size, arguments.context, arguments.layers, arguments.heads,
         arguments.width, arguments.lr, device=arguments.device, top_k=arguments.top_k,
         temperature=arguments.temperature)
