"""Reports of results frames: the one tie rule, accuracy tables, Markdown, CD diagrams.

Shared by ``bench``, ``speech`` and ``plot.plot_benchmark``, so one results folder gives one
W/T/L count. Accuracies are compared rounded to :data:`DECIMALS` decimals.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd

from tsreprog._optional import require

__all__ = [
    "DECIMALS",
    "accuracy_table",
    "compare",
    "fmt_pct",
    "md_dataset_table",
    "md_table",
    "ok_rows",
    "outcomes",
    "plot_critical_difference",
    "win_tie_loss",
]

#: Accuracies are compared rounded to 4 decimals: 0.01 percentage points, the precision of
#: the Voice2Series table.
DECIMALS = 4


def outcomes(a, b) -> np.ndarray:
    """Per dataset ``+1`` (a wins), ``0`` (tie) or ``-1`` (b wins), from rounded accuracies."""
    a = np.round(np.asarray(a, dtype=np.float64), DECIMALS)
    b = np.round(np.asarray(b, dtype=np.float64), DECIMALS)
    return np.sign(a - b).astype(int)


def win_tie_loss(a, b) -> tuple[int, int, int]:
    """``(wins, ties, losses)`` of ``a`` against ``b`` over datasets (see :func:`outcomes`)."""
    o = outcomes(a, b)
    return int((o > 0).sum()), int((o == 0).sum()), int((o < 0).sum())


def ok_rows(df: pd.DataFrame) -> pd.DataFrame:
    """The finished rows with an accuracy (``status`` ``"ok"`` or empty, or no column)."""
    ok = df
    if "status" in df:
        ok = df[df["status"].fillna("").replace("", "ok") == "ok"]
    ok = ok[pd.to_numeric(ok["accuracy"], errors="coerce").notna()].copy()
    ok["accuracy"] = ok["accuracy"].astype(float)
    return ok


def accuracy_table(df: pd.DataFrame, column: str = "method") -> pd.DataFrame:
    """datasets x ``column`` values: mean accuracy over seeds of the finished cells, in the
    order the rows first name them."""
    ok = ok_rows(df)
    order = list(dict.fromkeys(df[column]))
    rows = list(dict.fromkeys(df["dataset"]))  # the grid's order, not the finishing order
    table = ok.groupby(["dataset", column], sort=False)["accuracy"].mean().unstack(column)
    return table.reindex(
        index=[d for d in rows if d in table.index],
        columns=[m for m in order if m in table.columns],
    )


def compare(table: pd.DataFrame) -> dict:
    """Mean/median accuracy, mean rank and wins/ties/losses on the datasets all methods finished.

    Parameters
    ----------
    table : DataFrame of shape (n_datasets, n_methods)
        Accuracy in [0, 1] (mean over seeds), NaN where a method did not finish.

    Returns
    -------
    dict
        ``datasets`` (list), ``mean``, ``median``, ``rank`` (Series by method; rank 1 is best,
        ties share the average rank), ``wtl`` (dict ``(a, b) -> (wins, ties, losses)`` of
        ``a`` against ``b``) and ``finished`` (datasets per method). Ranks and W/T/L use the
        accuracies rounded to :data:`DECIMALS` decimals.
    """
    common = table.dropna(how="any")
    ranks = common.round(DECIMALS).rank(axis=1, ascending=False, method="average")
    wtl = {
        (a, b): win_tie_loss(common[a], common[b])
        for a in table.columns
        for b in table.columns
        if a != b
    }
    return {
        "datasets": list(common.index),
        "mean": common.mean(),
        "median": common.median(),
        "rank": ranks.mean(),
        "wtl": wtl,
        "finished": table.notna().sum(),
    }


def fmt_pct(x: float, decimals: int = 2) -> str:
    """An accuracy in [0, 1] as percent text; ``—`` when missing."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return f"{100 * x:.{decimals}f}"


def md_table(headers: list[str], rows: list[list]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def md_dataset_table(table: pd.DataFrame, datasets=None, decimals: int = 1) -> str:
    """A Markdown table of accuracies in [0, 1] (rows: datasets, columns: methods) in percent.

    ``datasets`` picks and orders the rows (all of ``table``'s by default).
    """
    datasets = list(table.index if datasets is None else datasets)
    return md_table(
        ["dataset", *table.columns],
        [[d, *(f"{100 * v:.{decimals}f}" for v in table.loc[d])] for d in datasets],
    )


def plot_critical_difference(
    table: pd.DataFrame, path: str | os.PathLike, alpha: float = 0.05
) -> Path:
    """Write a critical-difference diagram of the methods (columns) of ``table``.

    sktime's ``plot_critical_difference`` (Friedman test, Nemenyi post-hoc; Demšar, JMLR
    2006) on the datasets that every method finished; ranks use the rounded accuracies.

    Raises
    ------
    ValueError
        With fewer than 3 methods or 2 common datasets (the Friedman test needs them).
    """
    matplotlib = require("matplotlib", "a critical-difference diagram")
    from sktime.benchmarking.critical_difference import (
        plot_critical_difference as sktime_cd,
    )

    common = table.dropna(how="any").round(DECIMALS)
    if common.shape[1] < 3 or common.shape[0] < 2:
        raise ValueError(
            f"a critical-difference diagram needs at least 3 methods on 2 common datasets; "
            f"got {common.shape[1]} method(s) on {common.shape[0]} dataset(s)"
        )
    # sktime draws the columns in the order given and expects the best first
    ranks = common.rank(axis=1, ascending=False, method="average").mean()
    common = common[list(ranks.sort_values(kind="stable").index)]
    with matplotlib.rc_context({"backend": "agg"}):
        import matplotlib.pyplot as plt

        fig, _ = sktime_cd(
            common.to_numpy(), list(common.columns), is_errors=False, alpha=alpha, return_fig=True
        )
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fig.savefig(path, dpi=110, bbox_inches="tight")
        finally:
            plt.close(fig)
    return path
