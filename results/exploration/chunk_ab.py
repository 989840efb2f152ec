"""Training throughput of the optimized bench-speed step for several ThreadedGrad share sizes.

Usage: ``python results/exploration/chunk_ab.py [rounds] [chunk ...]`` (defaults: 4 rounds;
chunks 4 8 16). Each round times 15 steps (batch 32) of every share size in turn, so that a
slow spell of the machine hits them alike; prints samples/s per round and the median.
"""

import sys

import numpy as np
import torch

import tsreprog.speed as S
from tsreprog.training import ThreadedGrad

rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 4
chunks = [int(c) for c in sys.argv[2:]] or [4, 8, 16]
cpu = torch.device("cpu")
paths = {}
for c in chunks:
    p = S._Path(True, "attrnn", None, 32, cpu, None)
    p.grad.close()
    p.grad = ThreadedGrad([p.model.reprogrammer.theta], p.threads, chunk=c)
    paths[c] = p
for p in paths.values():
    with p.threads_ctx():
        for _ in range(3):
            p.step()
rates = {c: [] for c in chunks}
for _ in range(rounds):
    for c, p in paths.items():
        with p.threads_ctx():
            rates[c].append(S._rate(p.step, 15, 32, cpu))
for c, r in rates.items():
    print(f"chunk {c:3d}: rounds {np.round(r, 1).tolist()}  median {np.median(r):.1f} samples/s")
for p in paths.values():
    p.close()
