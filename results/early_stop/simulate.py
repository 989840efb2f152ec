"""Stopping rules replayed on the seed-0 curves of ``curves_seed0.json`` (from ``curves.py``).

    python results/early_stop/simulate.py

The learning rate is constant and stopping does not change the trajectory, so a rule's stop
and restored (best) epoch, and the test accuracy of the restored weights, can be read off
curves recorded over all 60 epochs. Used to choose the candidates run with the bench harness;
the test accuracies are those of development data, seed 0 only.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def replay(loss, tol=1e-4, rel=0.0, floor=None, k=5, patience=20):
    """``(stop epoch, best epoch)`` of ``train_loop``'s rule, with an optional relative
    tolerance (improvement > max(tol, rel * best)) and loss floor (k epochs below)."""
    best, best_epoch, since, below = np.inf, 0, 0, 0
    for epoch, score in enumerate(loss, 1):
        if score < best - max(tol, rel * best) or best_epoch == 0:
            best, best_epoch, since = score, epoch, 0
        else:
            since += 1
        below = below + 1 if floor is not None and score < floor else 0
        if since >= patience or (floor is not None and below >= k):
            return epoch, best_epoch
    return len(loss), best_epoch


def main() -> None:
    curves = json.loads((HERE / "curves_seed0.json").read_text())
    rules = {"today (tol=1e-4, patience=20)": {}}
    rules.update({f"relative tol {r}": dict(rel=r) for r in (0.01, 0.05, 0.1)})
    rules["tol=1e-3"] = dict(tol=1e-3)
    rules["tol=1e-3, patience=10"] = dict(tol=1e-3, patience=10)
    for floor in (0.05, 0.02, 0.01, 0.005, 0.001):
        for k in (1, 3, 5):
            rules[f"loss_floor={floor}, {k} epochs"] = dict(floor=floor, k=k)
    print("| rule | mean test acc % (seed 0) | mean epochs |\n|---|---|---|")
    for name, kw in rules.items():
        stops, accs = [], []
        for c in curves.values():
            stop, best = replay(c["train_loss"], **kw)
            stops.append(stop)
            accs.append(c["test_acc"][best - 1])
        print(f"| {name} | {100 * np.mean(accs):.2f} | {np.mean(stops):.1f} |")


if __name__ == "__main__":
    main()
