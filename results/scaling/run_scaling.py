"""Scaling study (reliability issue, item 4): ``scaling=None`` vs ``"dataset"`` vs ``"series"``.

Development datasets only (``../shared/ucr/dev.txt``), chosen because their values are in
physical units (not z-normalised per series), plus BME as a near-normalised control.
Defaults otherwise; two seeds; test accuracy on the default split. Rows are appended to
``scaling.csv`` as each fit finishes (a rerun skips rows already there).

    python results/scaling/run_scaling.py ../shared/ucr
"""

from __future__ import annotations

import csv
import os
import sys
import time

import torch

from tsreprog import ReprogramClassifier
from tsreprog.data.ucr import load_dataset

DATASETS = [
    "Chinatown", "Fungi", "GunPointAgeSpan", "GunPointMaleVersusFemale", "PowerCons",
    "InsectEPGRegularTrain", "HouseTwenty", "Rock", "BME",
]  # fmt: skip
SCALINGS = ["dataset", "series", None]
SEEDS = [0, 1]


def main(data: str) -> None:
    torch.set_num_threads(1)
    out = os.path.join(os.path.dirname(__file__), "scaling.csv")
    done = set()
    if os.path.exists(out):
        with open(out) as fh:
            done = {(r["dataset"], r["scaling"], r["seed"]) for r in csv.DictReader(fh)}
    new = not os.path.exists(out)
    with open(out, "a", newline="") as fh:
        w = csv.writer(fh)
        if new:
            w.writerow(["dataset", "scaling", "seed", "accuracy", "fit_s"])
        for name in DATASETS:
            Xtr, ytr, Xte, yte = load_dataset(name, data=data)
            for seed in SEEDS:
                for sc in SCALINGS:
                    if (name, str(sc), str(seed)) in done:
                        continue
                    t0 = time.perf_counter()
                    clf = ReprogramClassifier(scaling=sc, random_state=seed).fit(Xtr, ytr)
                    fit_s = time.perf_counter() - t0
                    acc = clf.score(Xte, yte)
                    w.writerow([name, sc, seed, f"{acc:.4f}", f"{fit_s:.1f}"])
                    fh.flush()
                    print(
                        f"{name} scaling={sc} seed={seed} acc={acc:.4f} fit={fit_s:.1f}s",
                        flush=True,
                    )


if __name__ == "__main__":
    main(sys.argv[1])
