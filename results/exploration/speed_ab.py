"""What each front-end optimization of issue 5 buys, timed in alternating rounds.

Three variants of the optimized training step (batch 32 split over one worker thread per
core by ``ThreadedGrad``, shipped AttRNN weights, θ's spectrum once per step):

- ``before``: the placed series' spectrum recomputed in every step, and autograd's generic
  graph for the power spectrum of (placed spectrum + θ's spectrum) — the path before
  commit ``e3224c2``;
- ``+cache``: the placed series' spectra computed once (``ReprogrammedModel.placed_spectra``);
- ``+cache+backward``: also the hand-written backward pass of the power spectrum
  (``tsreprog.frontend._MelPowerOfSum``) — what ``ReprogramClassifier`` runs now.

Prints samples/s per variant (median over rounds) and the ratios to ``before``.

    python results/exploration/speed_ab.py [ROUNDS]
"""

from __future__ import annotations

import sys
import time

import numpy as np
import torch

from tsreprog.speed import benchmark_model
from tsreprog.training import ThreadedGrad

BATCH, STEPS = 32, 20


def main(rounds: int = 5) -> None:
    torch.manual_seed(0)
    model = benchmark_model("attrnn", "default", torch.device("cpu"))
    model.train()
    fe = model.backbone.frontend
    theta = model.reprogrammer.theta
    x = torch.randn(BATCH, model.reprogrammer.window)
    y = torch.randint(0, 2, (BATCH,))
    spec = model.placed_spectra(x)
    opt = torch.optim.Adam([theta], lr=0.05)
    grad = ThreadedGrad([theta], torch.get_num_threads())

    def loss_of(feats, idx):
        out = model.mapping(model.backbone.forward_features(feats))
        return torch.nn.functional.nll_loss(out, y[idx], reduction="sum")

    def before(idx):
        with torch.no_grad():
            s = fe.stft(x[idx])
        return loss_of(fe.from_stft(s + fe.stft(model.reprogrammer.perturbation())), idx)

    def cache(idx):
        return loss_of(fe.from_stft(spec[idx] + fe.stft(model.reprogrammer.perturbation())), idx)

    def cache_backward(idx):
        delta = fe.stft(model.reprogrammer.perturbation())
        return loss_of(fe.from_stft(spec[idx], delta=delta), idx)

    variants = {"before": before, "+cache": cache, "+cache+backward": cache_backward}
    rates = {k: [] for k in variants}
    torch.set_num_threads(1)  # the calling thread on one intra-op thread (set once here)

    def step(fn):
        opt.zero_grad(set_to_none=True)
        grad(fn, torch.arange(BATCH))
        opt.step()

    for fn in variants.values():
        for _ in range(3):
            step(fn)
    for _ in range(rounds):
        for name, fn in variants.items():
            t0 = time.perf_counter()
            for _ in range(STEPS):
                step(fn)
            rates[name].append(STEPS * BATCH / (time.perf_counter() - t0))
    grad.close()
    base = np.median(rates["before"])
    print(
        f"{torch.get_num_threads()} worker threads, batch {BATCH}, {rounds} rounds of {STEPS} steps"
    )
    for name, r in rates.items():
        print(f"{name}: {np.median(r):.1f} samples/s ({np.median(r) / base:.2f}x before)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
