"""Tables of results/fit_budget/README.md from the result folders (``run.sh`` makes them).

    python results/fit_budget/table.py

For each suite and setting the default ensemble (the soft vote of the ``repeat`` and
``segments`` views, the members ``ReprogramClassifier()`` fits) is scored per (dataset, seed)
from the two views' saved cells, and its cost is the sum of the views' epochs and fit times.
On dev16 the baseline is ``results/accuracy_v3/dev16``; ``max_steps=600`` ran only where it
can bind (``run.sh`` says why), and its other cells are the baseline's.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tsreprog._io import atomic_write_text
from tsreprog.report import fmt_pct, md_dataset_table, md_table, ok_rows, win_tie_loss
from tsreprog.results import load_results, vote_accuracy

HERE = Path(__file__).resolve().parent
V3 = HERE.parent / "accuracy_v3" / "dev16"
VIEWS = ("repeat", "segments")
SUITES = {
    "dev16": {
        "default (max_steps=None)": {"repeat": V3 / "default", "segments": V3 / "segments"},
        "max_steps=300": {v: HERE / "dev16" / "steps300" / v for v in VIEWS},
        "max_steps=600": {v: HERE / "dev16" / "steps600" / v for v in VIEWS},
    },
    "devlarge": {
        f"{name}": {v: HERE / "devlarge" / folder / v for v in VIEWS}
        for name, folder in (
            ("default (max_steps=None)", "default"),
            ("max_steps=300", "steps300"),
            ("max_steps=600", "steps600"),
        )
    },
}
BASE = "default (max_steps=None)"


def cell_path(folder: Path, dataset: str, seed: int) -> Path:
    return folder / "tsreprog" / "Predictions" / dataset / f"testResample{seed}.csv"


def views(folders: dict, fallback: dict | None) -> pd.DataFrame:
    """Per (dataset, seed): the ensemble's vote accuracy, each view's accuracy, summed epochs
    and fit seconds; cells missing here come from ``fallback`` (flagged ``borrowed``)."""
    frames = {}
    for view, folder in folders.items():
        df = ok_rows(load_results(folder)) if folder.is_dir() else pd.DataFrame()
        df = df[df["method"] == "tsreprog"] if len(df) else df
        frames[view] = df.set_index(["dataset", "seed"]) if len(df) else None
    base = views(fallback, None) if fallback else None
    keys = set()
    for df in frames.values():
        if df is not None:
            keys |= set(df.index)
    if base is not None:
        keys |= set(base.index)
    rows = []
    for dataset, seed in sorted(keys):
        have = all(f is not None and (dataset, seed) in f.index for f in frames.values())
        if not have:
            if base is not None and (dataset, seed) in base.index:
                borrowed = base.loc[(dataset, seed)].to_dict()
                rows.append({**borrowed, "dataset": dataset, "seed": seed, "borrowed": True})
            continue
        rec = {"dataset": dataset, "seed": seed, "borrowed": False}
        paths = [cell_path(folders[v], dataset, seed) for v in VIEWS]
        rec["vote"] = vote_accuracy(paths)
        for v in VIEWS:
            r = frames[v].loc[(dataset, seed)]
            rec[v] = float(r["accuracy"])
            rec[f"{v}_epochs"] = float(r["n_iter"])
            rec[f"{v}_fit"] = float(r["fit_seconds"])
        rec["epochs"] = rec["repeat_epochs"] + rec["segments_epochs"]
        rec["fit"] = rec["repeat_fit"] + rec["segments_fit"]
        rows.append(rec)
    out = pd.DataFrame(rows)
    return out.set_index(["dataset", "seed"]).sort_index() if len(out) else out


def main() -> None:
    parts = ["<!-- written by results/fit_budget/table.py -->\n"]
    for suite, settings in SUITES.items():
        base = views(settings[BASE], None)
        if not len(base):
            continue
        parts.append(f"## {suite}\n")
        rows, per_ds, check = [], {}, None
        for name, folders in settings.items():
            fallback = settings[BASE] if suite == "dev16" and name == "max_steps=600" else None
            df = views(folders, fallback) if name != BASE else base
            if not len(df):
                continue
            common = base.index.intersection(df.index)
            if len(common) < len(base):
                name_shown = f"{name} ({len(common)} of {len(base)} cells so far)"
            else:
                name_shown = name
            d, b = df.loc[common], base.loc[common]
            seeds = d.groupby(level="seed")["vote"].mean()
            rows.append(
                [
                    name_shown,
                    fmt_pct(d["vote"].mean()),
                    " / ".join(fmt_pct(v) for v in seeds),
                    "/".join(map(str, win_tie_loss(d["vote"], b["vote"]))),
                    fmt_pct(d["repeat"].mean()),
                    fmt_pct(d["segments"].mean()),
                    f"{d['epochs'].mean():.1f}",
                    f"{d['fit'].mean():.1f}",
                    f"{d['fit'].sum() / b['fit'].sum():.2f}",
                    str(int(d["borrowed"].sum())),
                ]
            )
            per_ds[name] = d["vote"].groupby(level="dataset").mean()
            if name == "max_steps=300" and suite == "dev16":
                same = [
                    k
                    for k in common
                    if d.loc[k, "repeat_epochs"] == b.loc[k, "repeat_epochs"]
                    and d.loc[k, "segments_epochs"] == b.loc[k, "segments_epochs"]
                ]
                equal = sum(
                    d.loc[k, "repeat"] == b.loc[k, "repeat"]
                    and d.loc[k, "segments"] == b.loc[k, "segments"]
                    for k in same
                )
                check = (
                    f"Determinism check: of the {len(same)} dev16 cells where `max_steps=300` "
                    f"ran the same epochs as the baseline, {equal} gave the same accuracies in "
                    "both views.\n"
                )
        parts.append(
            md_table(
                [
                    "setting",
                    "ensemble mean %",
                    "per-seed means",
                    "W/T/L vs default (cells)",
                    "repeat view %",
                    "segments view %",
                    "epochs (both views)",
                    "fit s (both views)",
                    "fit time vs default",
                    "cells from the baseline",
                ],
                rows,
            )
        )
        if check:
            parts.append("\n" + check)
        table = pd.DataFrame(per_ds)
        parts.append("\nPer dataset (ensemble accuracy %, mean over seeds):\n")
        parts.append(md_dataset_table(table.dropna()))
        parts.append("")
    text = "\n".join(parts) + "\n"
    atomic_write_text(HERE / "table.md", text)
    print(text)


if __name__ == "__main__":
    np.set_printoptions(precision=4)
    main()
