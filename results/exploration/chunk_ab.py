"""Training throughput of the estimator's step (``ReprogramStep``) for several share sizes.

Usage: ``python results/exploration/chunk_ab.py [rounds] [chunk ...]`` (defaults: 4 rounds;
chunks 4 8 16). Each round times 15 steps (batch 32, random data, the shipped AttRNN's
architecture with random weights) of every share size in turn, so that a slow spell of the
machine hits them alike; prints samples/s per round and the median.
"""

import sys
import time

import numpy as np
import torch

from tsreprog.backbones import create_backbone
from tsreprog.mappings import LinearMapping
from tsreprog.model import ReprogrammedModel
from tsreprog.perturbation import InputReprogrammer
from tsreprog.step import ReprogramStep

rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 4
chunks = [int(c) for c in sys.argv[2:]] or [4, 8, 16]
threads = torch.get_num_threads()
torch.manual_seed(0)
bb = create_backbone("attrnn", weights=None, seed=0)
model = ReprogrammedModel(InputReprogrammer(bb.cfg.input_samples), bb, LinearMapping(36, 2))
for p in model.mapping.parameters():
    p.requires_grad_(False)  # θ only, as the speed benchmark
x = torch.randn(32, bb.cfg.input_samples)
occ = torch.zeros(1, bb.cfg.input_samples, dtype=torch.bool)
y = torch.randint(0, 2, (32,))
spectra = model.placed_spectra(x)
opt = torch.optim.Adam([model.reprogrammer.theta], lr=0.05)
steps = {
    c: ReprogramStep(model, x, occ, y, spectra=spectra, threads=threads, chunk=c) for c in chunks
}
idx = torch.arange(32)


def run(step, n):
    model.train()
    t0 = time.perf_counter()
    for _ in range(n):
        opt.zero_grad(set_to_none=True)
        step(idx)
        opt.step()
    return n * 32 / (time.perf_counter() - t0)


for step in steps.values():
    run(step, 3)
rates = {c: [] for c in chunks}
for _ in range(rounds):
    for c in chunks:
        rates[c].append(run(steps[c], 15))
for c, r in rates.items():
    print(f"chunk {c:3d}: rounds {np.round(r, 1).tolist()}  median {np.median(r):.1f} samples/s")
for step in steps.values():
    step.close()
