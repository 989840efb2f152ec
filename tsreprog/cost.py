"""What a fit costs: the shipped defaults against MiniRocket, ``tsreprog bench-cost``.

Two measurements, both in one process, one fit at a time, with the same torch threads:

1. **Per dataset**: the ``tsreprog`` and ``minirocket`` methods of ``tsreprog bench`` fitted on
   the same datasets in one run (a results folder of :mod:`tsreprog.results`, so a run
   resumes); :func:`cost_table` gives both fit times and their ratio.
2. **Growth**: both methods on synthetic two-class series over a grid of training-set sizes
   and series lengths (:func:`growth_grid`), so the table and :func:`plot_growth` show how
   fit time grows with each.

A benchmark, not a test: the times depend on the machine and what else runs on it; the
command prints the threads and the torch version beside them.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["cost_table", "format_cost", "growth_grid", "plot_growth", "run_cost", "main"]

#: tsreprog's defaults, sktime's RocketClassifier (what ``tsreprog bench`` runs) and the
#: MiniRocket algorithm without sktime's frame conversions (the one the cost goal is about)
METHODS = ("tsreprog", "minirocket", "minirocket-ridge")
REFERENCE = "minirocket-ridge"


def cost_table(df: pd.DataFrame) -> pd.DataFrame:
    """Fit seconds per dataset of the methods of :data:`METHODS` and the ratios.

    Parameters
    ----------
    df : DataFrame
        Rows of ``tsreprog bench`` (:func:`tsreprog.results.load_results` or
        :func:`tsreprog.bench.run_bench`).

    Returns
    -------
    DataFrame
        Indexed by dataset: ``n_train``, ``length``, ``<method>_s`` (mean fit seconds over
        seeds) and ``<method>_acc`` for each method, ``epochs`` (tsreprog's mean ``n_iter``),
        ``ratio`` (tsreprog / MiniRocket without frame conversions) and ``ratio_sktime``
        (tsreprog / sktime's RocketClassifier); datasets lacking an ``ok`` row of a method are
        left out.
    """
    ok = df[(df["status"] == "ok") & df["method"].isin(METHODS)].copy()
    for col in ("fit_seconds", "accuracy", "n_iter", "n_train"):
        ok[col] = pd.to_numeric(ok[col], errors="coerce")
    secs = ok.pivot_table(index="dataset", columns="method", values="fit_seconds", aggfunc="mean")
    acc = ok.pivot_table(index="dataset", columns="method", values="accuracy", aggfunc="mean")
    both = [d for d in secs.index if all(pd.notna(secs.loc[d].get(m)) for m in METHODS)]
    first = ok.drop_duplicates("dataset").set_index("dataset")
    epochs = ok[ok["method"] == "tsreprog"].groupby("dataset")["n_iter"].mean()
    table = pd.DataFrame(
        {
            "n_train": first.loc[both, "n_train"].astype(int),
            "length": first.loc[both, "length"].astype(str),
            "epochs": epochs.reindex(both),
        }
    )
    for m in METHODS:
        table[f"{m}_s"] = secs.loc[both, m]
        table[f"{m}_acc"] = acc.loc[both, m]
    table["ratio"] = table["tsreprog_s"] / table[f"{REFERENCE}_s"]
    table["ratio_sktime"] = table["tsreprog_s"] / table["minirocket_s"]
    return table.sort_index()


def format_cost(table: pd.DataFrame, goal: float = 2.0) -> str:
    """Markdown of :func:`cost_table`, with the largest and the median ratio and how many
    datasets are within ``goal`` times MiniRocket's fit time."""
    lines = [
        "| dataset | train series | length | tsreprog fit s | epochs | MiniRocket fit s "
        "| ratio | RocketClassifier fit s | ratio | tsreprog acc | MiniRocket acc |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in table.iterrows():
        lines.append(
            f"| {name} | {r.n_train} | {r.length} | {r.tsreprog_s:.1f} | {r.epochs:.0f} | "
            f"{r[f'{REFERENCE}_s']:.2f} | {r.ratio:.1f} | {r.minirocket_s:.1f} | "
            f"{r.ratio_sktime:.1f} | {r.tsreprog_acc:.4f} | {r[f'{REFERENCE}_acc']:.4f} |"
        )
    if len(table):
        within = int((table["ratio"] <= goal).sum())
        worst = table["ratio"].idxmax()
        lines += [
            "",
            "MiniRocket = its transform + ridge on NumPy arrays (`minirocket-ridge`); "
            "RocketClassifier = sktime's, which `tsreprog bench` runs as `minirocket`.",
            f"{len(table)} datasets: fit-time ratio tsreprog / MiniRocket median "
            f"{table['ratio'].median():.2f}, largest {table['ratio'].max():.2f} ({worst}); "
            f"{within} of {len(table)} within {goal:g}x. Against RocketClassifier: median "
            f"{table['ratio_sktime'].median():.2f}, largest {table['ratio_sktime'].max():.2f}. "
            f"Total fit seconds: tsreprog {table['tsreprog_s'].sum():.0f}, MiniRocket "
            f"{table[f'{REFERENCE}_s'].sum():.0f}, RocketClassifier "
            f"{table['minirocket_s'].sum():.0f}.",
        ]
    return "\n".join(lines) + "\n"


def warm_up(params: dict | None = None) -> None:
    """One untimed fit of each method on tiny data: numba compiles MiniRocket's kernels and
    tsreprog its native kernels on first use, which is not what a fit costs afterwards."""
    from tsreprog.bench import REGISTRY, method_params

    X, y = _random_walks(8, 32, np.random.default_rng(0))
    for method in METHODS:
        kwargs = {**method_params(method, params)}
        if method == "tsreprog":
            kwargs["epochs"] = 1
        est = REGISTRY[method].build(kwargs, 0)
        est.fit(X[:, None, :] if method == "minirocket" else X, y)


def _random_walks(n: int, length: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random walks of ``length`` samples, two classes that differ by their drift."""
    y = np.arange(n) % 2
    steps = rng.standard_normal((n, length)) + np.where(y == 1, 0.1, -0.1)[:, None]
    return np.cumsum(steps, axis=1), y


def growth_grid(
    sizes: Sequence[int] = (25, 50, 100, 200),
    lengths: Sequence[int] = (64, 256, 1024),
    seed: int = 0,
    params: dict | None = None,
    out=print,
) -> pd.DataFrame:
    """Fit both methods on synthetic series for every (training-set size, length) pair.

    Parameters
    ----------
    sizes, lengths : sequences of int
        The training-set sizes (series) and series lengths (samples) of the grid; the series
        are two-class random walks drawn with ``seed``.
    seed : int
        Drives the data and the estimators' ``random_state``.
    params : dict or None
        Overrides for the methods, in ``tsreprog bench``'s convention (``minirocket__PARAM``
        reaches MiniRocket only; other keys go to ``ReprogramClassifier``).
    out : callable
        Receives one progress line per fit.

    Returns
    -------
    DataFrame
        One row per fit: ``method``, ``n_train``, ``length``, ``fit_seconds``, ``epochs``.
        Call :func:`warm_up` first.
    """
    from tsreprog.bench import REGISTRY, method_params

    rows = []
    rng = np.random.default_rng(seed)
    for length in lengths:
        for n in sizes:
            X, y = _random_walks(int(n), int(length), rng)
            for method in METHODS:
                est = REGISTRY[method].build(method_params(method, params), seed)
                Xfit = X[:, None, :] if method == "minirocket" else X
                t0 = time.perf_counter()
                est.fit(Xfit, y)
                seconds = time.perf_counter() - t0
                epochs = getattr(est, "n_iter_", None)
                rows.append(
                    {
                        "method": method,
                        "n_train": int(n),
                        "length": int(length),
                        "fit_seconds": seconds,
                        "epochs": epochs,
                    }
                )
                out(f"  {method}: {n} series of length {length}: fit {seconds:.2f} s")
    return pd.DataFrame(rows)


def format_growth(grid: pd.DataFrame) -> str:
    """Markdown: one row per (length, size), every method's fit seconds and the ratio."""
    wide = grid.pivot_table(
        index=["length", "n_train"], columns="method", values="fit_seconds", aggfunc="mean"
    )
    epochs = grid[grid["method"] == "tsreprog"].set_index(["length", "n_train"])["epochs"]
    lines = [
        "| length | train series | tsreprog fit s | epochs | MiniRocket fit s | ratio "
        "| RocketClassifier fit s |",
        "|---|---|---|---|---|---|---|",
    ]
    for (length, n), r in wide.iterrows():
        lines.append(
            f"| {length} | {n} | {r['tsreprog']:.1f} | {epochs.get((length, n), '')} | "
            f"{r[REFERENCE]:.2f} | {r['tsreprog'] / r[REFERENCE]:.1f} | {r['minirocket']:.1f} |"
        )
    return "\n".join(lines) + "\n"


def plot_growth(grid: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Fit seconds against training-set size (one line per length and method), log-log."""
    from tsreprog._optional import require

    require("matplotlib", "plot")
    from matplotlib.figure import Figure

    from tsreprog._io import atomic_write

    fig = Figure(figsize=(7.0, 4.5), layout="constrained")
    ax = fig.add_subplot()
    lengths = sorted(grid["length"].unique())
    colors = dict(zip(METHODS, ("tab:blue", "tab:gray", "tab:orange")))
    styles = ["-", "--", ":", "-."]
    for method in METHODS:
        for i, length in enumerate(lengths):
            part = grid[(grid["method"] == method) & (grid["length"] == length)]
            part = part.groupby("n_train")["fit_seconds"].mean()
            ax.plot(
                part.index,
                part.values,
                styles[i % len(styles)],
                marker="o",
                color=colors[method],
                label=f"{method}, length {length}",
            )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("training series")
    ax.set_ylabel("fit seconds")
    ax.set_title("fit time: tsreprog's defaults, MiniRocket, sktime's RocketClassifier")
    ax.legend(fontsize=8)
    path = Path(path)
    atomic_write(path, lambda f: fig.savefig(f, format="png", dpi=120))
    return path


def run_cost(
    data: str | os.PathLike | None = None,
    datasets: Iterable[str] | str | None = None,
    suite: str | None = None,
    out_dir: str | os.PathLike | None = None,
    seeds: int = 1,
    grid: bool = True,
    sizes: Sequence[int] = (25, 50, 100, 200),
    lengths: Sequence[int] = (64, 256, 1024),
    plot: str | os.PathLike | None = None,
    params: dict | None = None,
    threads: int | None = None,
    out=print,
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Run both measurements and print their Markdown; return ``(cost_table, grid)``."""
    import torch

    from tsreprog.bench import run_bench

    if threads:
        torch.set_num_threads(int(threads))
    out(
        f"tsreprog bench-cost: torch {torch.__version__}, {torch.get_num_threads()} threads, "
        "one fit at a time; tsreprog = ReprogramClassifier() defaults"
    )
    warm_up(params)
    df = run_bench(
        data=data,
        datasets=datasets,
        suite=suite,
        methods=METHODS,
        seeds=seeds,
        out=out_dir,
        jobs=1,
        params=params,
        verbose=True,
        threads=threads,
    )
    table = cost_table(df)
    out("")
    out(format_cost(table).rstrip())
    growth = None
    if grid:
        out("")
        out(f"growth grid: sizes {list(sizes)}, lengths {list(lengths)}, seed 0")
        growth = growth_grid(sizes, lengths, params=params, out=out)
        out("")
        out(format_growth(growth).rstrip())
        if plot:
            out(f"figure: {plot_growth(growth, plot)}")
    return table, growth


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The ``tsreprog bench-cost`` options."""
    from tsreprog._params import add_set_argument

    parser.description = (
        "Fit time of the shipped defaults against MiniRocket: per dataset (same run) and on a "
        "grid of training-set sizes and series lengths."
    )
    parser.add_argument("--data", default=None, help="UCR 2018 folder (default: sktime's)")
    parser.add_argument("--datasets", default=None, help="comma-separated dataset names")
    parser.add_argument("--suite", default=None, help="read dataset names from DATA/SUITE.txt")
    parser.add_argument("--seeds", type=int, default=1, help="seeds 0..N-1 per dataset")
    parser.add_argument("--out", default=None, help="results folder (resumable)")
    parser.add_argument("--no-grid", action="store_true", help="skip the growth grid")
    parser.add_argument("--sizes", default="25,50,100,200", help="grid: training-set sizes")
    parser.add_argument("--lengths", default="64,256,1024", help="grid: series lengths")
    parser.add_argument("--plot", default=None, help="grid: write the figure (PNG)")
    add_set_argument(parser, help="estimator parameters, as for tsreprog bench")
    return parser


def _ints(text: str, flag: str) -> list[int]:
    from tsreprog._params import UsageError

    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise UsageError(f"{flag} {text!r}: give comma-separated whole numbers") from None
    if not values or min(values) < 2:
        raise UsageError(f"{flag} {text!r}: give whole numbers of at least 2")
    return values


def main(args: argparse.Namespace | Sequence[str] | None = None) -> int:
    """Run ``tsreprog bench-cost``; 0, or 1 when no dataset has an ``ok`` row of every method."""
    from tsreprog._params import as_namespace, parse_set

    args = as_namespace(args, add_arguments, "tsreprog bench-cost")
    table, _ = run_cost(
        data=args.data,
        datasets=args.datasets,
        suite=args.suite,
        out_dir=args.out,
        seeds=args.seeds,
        grid=not args.no_grid,
        sizes=_ints(args.sizes, "--sizes"),
        lengths=_ints(args.lengths, "--lengths"),
        plot=args.plot,
        params=parse_set(args.set, reserved={"random_state": "--seeds"}),
        threads=getattr(args, "threads", None),
    )
    return 0 if len(table) else 1
