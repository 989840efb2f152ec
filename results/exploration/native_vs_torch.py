"""Test accuracy of ReprogramClassifier with and without tsreprog's native kernels.

The native kernels compute the same functions as PyTorch's (1e-5, ``tests/test_native.py``)
but round differently; on small training sets Adam's per-element step turns that into a
different training path. This measures how far test accuracy moves, seed by seed.

Usage (one process per setting, because the setting is read once per process)::

    TSREPROG_NATIVE=0 python results/exploration/native_vs_torch.py OUT.jsonl SEEDS DATASETS
    TSREPROG_NATIVE=1 python results/exploration/native_vs_torch.py OUT.jsonl SEEDS DATASETS
    python results/exploration/native_vs_torch.py --summary OUT.jsonl

``SEEDS`` like ``0-4``; ``DATASETS`` comma-separated (GunPoint from sktime, the others from
``../shared/ucr``).
"""

import json
import sys
import time

import numpy as np


def run(out: str, seeds: str, datasets: str) -> None:
    from tsreprog import ReprogramClassifier, kernels
    from tsreprog.data.ucr import load_dataset

    lo, hi = (int(s) for s in seeds.split("-"))
    native = kernels.library() is not None
    for name in datasets.split(","):
        Xtr, ytr, Xte, yte = load_dataset(
            name, data=None if name == "GunPoint" else "../shared/ucr"
        )
        for seed in range(lo, hi + 1):
            clf = ReprogramClassifier(random_state=seed)
            t0 = time.perf_counter()
            clf.fit(Xtr, ytr)
            row = {
                "dataset": name,
                "seed": seed,
                "native": native,
                "accuracy": float(clf.score(Xte, yte)),
                "fit_seconds": round(time.perf_counter() - t0, 2),
            }
            print(json.dumps(row), flush=True)
            with open(out, "a") as f:
                f.write(json.dumps(row) + "\n")


def summary(path: str) -> None:
    rows = [json.loads(line) for line in open(path)]
    names = sorted({r["dataset"] for r in rows})
    print(
        "| dataset | PyTorch kernels: accuracy per seed | native kernels | mean diff "
        "| fit s (torch / native) |"
    )
    print("|---|---|---|---|---|")
    for name in names:
        acc = {}
        fit = {}
        for r in rows:
            if r["dataset"] == name:
                acc.setdefault(r["native"], {})[r["seed"]] = r["accuracy"]
                fit.setdefault(r["native"], []).append(r["fit_seconds"])
        seeds = sorted(set(acc.get(False, {})) & set(acc.get(True, {})))
        a0 = [acc[False][s] for s in seeds]
        a1 = [acc[True][s] for s in seeds]
        print(
            f"| {name} | {' '.join(f'{a:.3f}' for a in a0)} (mean {np.mean(a0):.3f}) "
            f"| {' '.join(f'{a:.3f}' for a in a1)} (mean {np.mean(a1):.3f}) "
            f"| {np.mean(a1) - np.mean(a0):+.3f} "
            f"| {np.median(fit[False]):.1f} / {np.median(fit[True]):.1f} |"
        )


if __name__ == "__main__":
    if sys.argv[1] == "--summary":
        summary(sys.argv[2])
    else:
        run(*sys.argv[1:4])
