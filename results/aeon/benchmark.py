"""tsreprog beside aeon's MiniRocket, MultiRocket-Hydra and QUANT, with aeon's tools.

Needs the aeon extra (``pip install 'tsreprog[aeon]'``) and matplotlib for the figure. Loads
datasets bundled with aeon, fits every classifier through aeon's ``BaseClassifier`` interface
(tsreprog via :class:`tsreprog.integrations.aeon.ReprogramAeonClassifier`), scores it with
aeon's ``score`` (accuracy), and summarises with aeon's ``plot_critical_difference``. Seed 0
is the default train/test split; other seeds are aeon's ``stratified_resample_data`` of it.

    python results/aeon/benchmark.py --datasets GunPoint,ItalyPowerDemand,ArrowHead --seeds 1
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd
import torch
from aeon.benchmarking.resampling import stratified_resample_data
from aeon.classification.convolution_based import (
    MiniRocketClassifier,
    MultiRocketHydraClassifier,
)
from aeon.classification.interval_based import QUANTClassifier
from aeon.datasets import (
    load_arrow_head,
    load_gunpoint,
    load_italy_power_demand,
    load_osuleaf,
    load_unit_test,
)

from tsreprog.integrations.aeon import ReprogramAeonClassifier

# univariate problems that ship inside aeon (no download)
LOADERS = {
    "ArrowHead": load_arrow_head,
    "GunPoint": load_gunpoint,
    "ItalyPowerDemand": load_italy_power_demand,
    "OSULeaf": load_osuleaf,
    "UnitTest": load_unit_test,
}


def classifiers(seed: int, epochs: int | None) -> dict:
    """Each method at its defaults, seeded; ``epochs`` overrides tsreprog's only if given."""
    tsreprog_params = {"random_state": seed, "device": "cpu"}
    if epochs is not None:
        tsreprog_params["epochs"] = epochs
    return {
        "tsreprog": ReprogramAeonClassifier(**tsreprog_params),
        "MiniRocket": MiniRocketClassifier(random_state=seed),
        "MultiRocketHydra": MultiRocketHydraClassifier(random_state=seed),
        "QUANT": QUANTClassifier(random_state=seed),
    }


def load(name: str, seed: int):
    X_train, y_train = LOADERS[name](split="train")
    X_test, y_test = LOADERS[name](split="test")
    if seed > 0:
        X_train, y_train, X_test, y_test = stratified_resample_data(
            X_train, y_train, X_test, y_test, random_state=seed
        )
    return X_train, y_train, X_test, y_test


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--datasets", default="GunPoint,ItalyPowerDemand,ArrowHead")
    p.add_argument("--seeds", type=int, default=1, help="resamples 0..SEEDS-1")
    p.add_argument("--epochs", type=int, default=None, help="tsreprog's epochs (default: its own)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    names = args.datasets.split(",")
    unknown = sorted(set(names) - set(LOADERS))
    if unknown:
        p.error(f"unknown datasets {unknown}; bundled with aeon: {sorted(LOADERS)}")

    # one untimed fit of each method first, so numba's JIT compilation (MiniRocket,
    # MultiRocket-Hydra) and the backbone's first load are not counted in the fit times
    X_warm, y_warm = load_unit_test(split="train")
    for clf in classifiers(0, 1).values():
        clf.fit(X_warm, y_warm)

    rows = []
    for name in names:
        for seed in range(args.seeds):
            X_train, y_train, X_test, y_test = load(name, seed)
            for method, clf in classifiers(seed, args.epochs).items():
                t0 = time.perf_counter()
                clf.fit(X_train, y_train)
                acc = clf.score(X_test, y_test)  # aeon's BaseClassifier.score: accuracy
                rows.append(
                    dict(
                        dataset=name,
                        seed=seed,
                        method=method,
                        accuracy=acc,
                        fit_s=clf.fit_time_millis_ / 1000,
                        total_s=time.perf_counter() - t0,
                    )
                )
                print(f"{name:18s} seed {seed} {method:17s} acc {acc:.4f}", flush=True)

    df = pd.DataFrame(rows)
    args.out.mkdir(parents=True, exist_ok=True)
    df.to_csv(args.out / "results.csv", index=False, float_format="%.6g")
    methods = list(classifiers(0, args.epochs))
    acc = df.pivot_table(index="dataset", columns="method", values="accuracy")[methods]
    fit = df.groupby("method")["fit_s"].mean()[methods]
    ranks = acc.rank(axis=1, ascending=False).mean()

    print(f"\nTest accuracy (mean over {args.seeds} seed(s)), aeon {aeon_version()}:\n")
    table = acc.loc[names].copy()
    table.loc["mean"] = acc.mean()
    table.loc["average rank"] = ranks
    table.loc["mean fit s"] = fit
    print(markdown(table))

    try:
        from aeon.visualisation import plot_critical_difference
    except ImportError as err:  # matplotlib missing
        print(f"\nno critical difference diagram: {err}")
        return
    # with fewer than ~6 datasets the pairwise Wilcoxon tests cannot reach significance
    fig, _ = plot_critical_difference(acc.to_numpy(), methods)
    fig.savefig(args.out / "cd.png", bbox_inches="tight")
    print(f"\ncritical difference diagram (aeon): {args.out / 'cd.png'}")


def markdown(table: pd.DataFrame) -> str:
    head = "| " + " | ".join([""] + list(table.columns)) + " |"
    rule = "|" + "---|" * (len(table.columns) + 1)
    body = [
        "| " + " | ".join([str(i)] + [f"{v:.4f}" for v in row]) + " |"
        for i, row in zip(table.index, table.to_numpy())
    ]
    return "\n".join([head, rule, *body])


def aeon_version() -> str:
    import aeon

    return aeon.__version__


if __name__ == "__main__":
    main()
