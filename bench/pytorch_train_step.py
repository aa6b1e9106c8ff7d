#!/usr/bin/env python3
"""PyTorch reference for apps/train/bench/train-step.ts: training tokens/s of the same two language models.

Not a project dependency: needs `python3-torch` (Debian; with `libopenblas0-pthread`, else torch's reference BLAS is
no fair comparison). The model follows the official TransformerSeq backbone as the project implements it: embedding,
per layer sequential attention over [cache; block] with a relative position embedding, post-LayerNorm, a top-2 SMoE
of 16 ReLU experts dispatched by a per-expert loop, the MomentumSMoE residual (`m` layers), untied output projection,
cross-entropy, Adam. Prints, for each config, the best tokens/s over 1 and 2 threads (`--json`: one JSON object).
"""
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

CONFIGS = {
    "small": dict(arch="smsmsm", hidden=128, inner=128, block=64, span=128, batch=8),
    "mid": dict(arch="smsm", hidden=352, inner=352, block=128, span=256, batch=4),
}
VOCAB, EXPERTS, TOP_K, HEADS, DROPOUT, MU, GAMMA = 10_000, 16, 2, 8, 0.1, 0.7, 1.0


def unskew(x, span):  # [N, M, L+M] -> [N, M, L]: row i takes x[i, i .. i+L-1]
    n, m, lm = x.shape
    x = F.pad(x.reshape(n, m * lm), (0, m)).reshape(n, m, lm + 1)
    return x[:, :, :span]


def skew(x):  # [N, M, L] -> [N, M, L+M]
    n, m, span = x.shape
    x = F.pad(x, (0, m + 1)).reshape(n, m * (span + m + 1))
    return x[:, : m * (span + m)].reshape(n, m, span + m)


class Attention(nn.Module):
    def __init__(self, h, span):
        super().__init__()
        self.q, self.k, self.v, self.o = (nn.Linear(h, h, bias=False) for _ in range(4))
        self.h, self.span, self.d = h, span, h // HEADS

    def heads(self, x):
        b, t, _ = x.shape
        return x.view(b, t, HEADS, self.d).transpose(1, 2).reshape(b * HEADS, t, self.d)

    def forward(self, x, cache, key_pe):
        b, m, _ = x.shape
        full = torch.cat([cache, x], 1)
        q, k, v = self.heads(self.q(x)), self.heads(self.k(full)), self.heads(self.v(full))
        scores = unskew(q @ k.transpose(1, 2), self.span) + q @ key_pe
        probs = F.dropout(torch.softmax(scores / math.sqrt(self.d), -1), DROPOUT, self.training)
        out = (skew(probs) @ v).view(b, HEADS, m, self.d).transpose(1, 2).reshape(b, m, self.h)
        return self.o(out)


class Smoe(nn.Module):
    def __init__(self, h, inner):
        super().__init__()
        self.gate = nn.Linear(h, EXPERTS)
        self.w1 = nn.Parameter(torch.randn(EXPERTS, h, inner) / math.sqrt(h))
        self.b1 = nn.Parameter(torch.zeros(EXPERTS, inner))
        self.w2 = nn.Parameter(torch.randn(EXPERTS, inner, h) / math.sqrt(inner))
        self.b2 = nn.Parameter(torch.zeros(EXPERTS, h))

    def forward(self, x):  # [T, H]
        top, idx = self.gate(x).topk(TOP_K, -1)
        weights = torch.softmax(top, -1)
        out = torch.zeros_like(x)
        for e in range(EXPERTS):
            rows, slot = (idx == e).nonzero(as_tuple=True)
            if rows.numel() == 0:
                continue
            hid = F.dropout(torch.relu(x[rows] @ self.w1[e] + self.b1[e]), DROPOUT, self.training)
            out.index_add_(0, rows, (hid @ self.w2[e] + self.b2[e]) * weights[rows, slot, None])
        return out


class Layer(nn.Module):
    def __init__(self, kind, c):
        super().__init__()
        h = c["hidden"]
        self.kind, self.attn, self.smoe = kind, Attention(h, c["span"]), Smoe(h, c["inner"])
        self.norm1, self.norm2, self.ln_moe = nn.LayerNorm(h), nn.LayerNorm(h), nn.LayerNorm(h)

    def forward(self, x, cache, key_pe, mom):
        x = self.norm1(x + self.attn(x, cache, key_pe))
        b, m, h = x.shape
        f = F.dropout(self.smoe(x.reshape(b * m, h)).reshape(b, m, h), DROPOUT, self.training)
        if self.kind == "m":  # heavy ball: m <- mu m - gamma f... as the official MomentumSMoE: x - m
            mom = MU * mom - GAMMA * f
            s = self.ln_moe(x - mom)
        else:
            s = self.ln_moe(x + f)
        return self.norm2(x + s), mom


class Model(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.emb = nn.Embedding(VOCAB, c["hidden"])
        self.key_pe = nn.Parameter(torch.randn(1, c["hidden"] // HEADS, c["span"]))
        self.layers = nn.ModuleList(Layer(c["arch"][2 * i + 1], c) for i in range(len(c["arch"]) // 2))
        self.out = nn.Linear(c["hidden"], VOCAB)

    def forward(self, ids, targets, caches):
        x = self.emb(ids)
        mom = torch.zeros_like(x)
        nxt = []
        for layer, cache in zip(self.layers, caches):
            nxt.append(torch.cat([cache, x], 1)[:, -self.c["span"] :].detach())
            x, mom = layer(x, cache, self.key_pe, mom)
        return F.cross_entropy(self.out(x).view(-1, VOCAB), targets.view(-1)), nxt


def tokens_per_s(c, threads, reps=5):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = Model(c)
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    b, m = c["batch"], c["block"]
    ids, targets = torch.randint(VOCAB, (b, m)), torch.randint(VOCAB, (b, m))
    caches = [torch.zeros(b, c["span"], c["hidden"]) for _ in model.layers]
    times = []
    for i in range(reps + 2):
        t0 = time.perf_counter()
        loss, caches = model(ids, targets, caches)
        opt.zero_grad()
        loss.backward()
        opt.step()
        times.append(time.perf_counter() - t0)
    return b * m / sorted(times[2:])[len(times[2:]) // 2]


if __name__ == "__main__":
    best = {name: max(tokens_per_s(c, t) for t in (1, 2)) for name, c in CONFIGS.items()}
    if "--json" in sys.argv:
        print(json.dumps({k: round(v) for k, v in best.items()}))
    else:
        for k, v in best.items():
            print(f"{k}: {v:.0f} tokens/s (torch {torch.__version__}, best of 1 and 2 threads)")
