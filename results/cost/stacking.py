"""Would one backbone pass over the stacked inputs of an ensemble's members cost less than one
pass per member?  (issue 21, deliverable 3)

Stacking K members' mini-batches into one pass of the frozen backbone changes the batch from
B to K·B rows and nothing else per row: each member keeps its own θ, spectra and mapping. So
its saving on the CPU is what a larger batch saves per row. This times the estimator's own
training step (:class:`tsreprog.step.ReprogramStep`, forward and backward, the AttRNN with the
native kernels) at batch 16, 32 (one member), 64 (two members stacked) and 128 (four), one
torch thread, interleaved over rounds so that load on the machine hits every size alike.

    python results/cost/stacking.py            # prints a table; ~2 min
"""

from __future__ import annotations

import time

import numpy as np
import torch

from tsreprog import ReprogramClassifier
from tsreprog.step import ReprogramStep

SIZES = (16, 32, 64, 128)
ROUNDS, SECONDS = 5, 3.0


def main() -> None:
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(128, 150)), np.arange(128) % 4
    clf = ReprogramClassifier(placement="repeat", epochs=1, random_state=0).fit(X, y)
    model = clf.model_.train()
    placed, occ = clf.place(X)
    spectra = model.placed_spectra(placed)
    target = torch.from_numpy(y).long()
    steps = {
        b: ReprogramStep(model, placed, occ, target, spectra=spectra, threads=1, chunk=b)
        for b in SIZES
    }
    rates = {b: [] for b in SIZES}
    for b in SIZES:
        steps[b](torch.arange(b))  # warm-up
    for _ in range(ROUNDS):
        for b in SIZES:
            n, t0 = 0, time.perf_counter()
            while time.perf_counter() - t0 < SECONDS:
                steps[b](torch.arange(b))
                n += 1
            rates[b].append(n * b / (time.perf_counter() - t0))
    base = np.median(rates[32])
    print("| rows per pass | members stacked | samples/s (median of 5) | vs one member |")
    print("|---|---|---|---|")
    for b in SIZES:
        med = np.median(rates[b])
        members = f"{b // 32}" if b >= 32 else "-"
        print(f"| {b} | {members} | {med:.0f} | {med / base:.2f}x |")


if __name__ == "__main__":
    main()
