"""Tables of results/fit_budget/README.md from the result folders (``run.sh`` makes them).

    python results/fit_budget/table.py

Per suite, setting and view (``repeat``, ``segments``: the two members that
``ReprogramClassifier()`` fits), each against the default (``max_steps=None``) on the same
(dataset, seed) cells; where both views ran, also the ensemble (their soft vote, scored from
the saved probabilities), whose cost is the sum of the views'. The work is counted in
series-epochs (``n_iter x n_train``, what the training steps process): the runs' fit seconds
were measured under different loads and are not compared. On dev16 the default's cells are
``results/accuracy_v3/dev16``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tsreprog._io import atomic_write_text
from tsreprog.report import fmt_pct, md_dataset_table, md_table, ok_rows, win_tie_loss
from tsreprog.results import cell_path, load_results, vote_accuracy

HERE = Path(__file__).resolve().parent
V3 = HERE.parent / "accuracy_v3" / "dev16"
VIEWS = ("repeat", "segments")
BASE = "default (max_steps=None)"
SUITES = {
    "dev16": {
        BASE: {"repeat": V3 / "default", "segments": V3 / "segments"},
        "max_steps=300": {v: HERE / "dev16" / "steps300" / v for v in VIEWS},
    },
    "devlarge": {
        BASE: {v: HERE / "devlarge" / "default" / v for v in VIEWS},
        "max_steps=300": {v: HERE / "devlarge" / "steps300" / v for v in VIEWS},
    },
}


def cells(folder: Path) -> pd.DataFrame:
    """Finished ``tsreprog`` cells of ``folder``, indexed by (dataset, seed)."""
    if not folder.is_dir():
        return pd.DataFrame()
    df = ok_rows(load_results(folder))
    df = df[df["method"] == "tsreprog"].set_index(["dataset", "seed"]).sort_index()
    df = df[["accuracy", "n_iter", "n_train"]].astype(float)
    df["series_epochs"] = df["n_iter"] * df["n_train"]  # the work: one step per batch
    return df


def row(name: str, d: pd.DataFrame, b: pd.DataFrame) -> list:
    seeds = d.groupby(level="seed")["accuracy"].mean()
    return [
        name,
        str(len(d)),
        fmt_pct(d["accuracy"].mean()),
        fmt_pct(b["accuracy"].mean()),
        " / ".join(fmt_pct(v) for v in seeds),
        "/".join(map(str, win_tie_loss(d["accuracy"], b["accuracy"]))),
        f"{d['n_iter'].mean():.1f} / {b['n_iter'].mean():.1f}",
        f"{d['series_epochs'].sum() / b['series_epochs'].sum():.2f}",
    ]


def main() -> None:
    parts = ["<!-- written by results/fit_budget/table.py -->"]
    headers = [
        "setting",
        "cells",
        "mean %",
        "default's mean % (same cells)",
        "per-seed means",
        "W/T/L vs default (cells)",
        "epochs: setting / default",
        "work vs default (series-epochs)",
    ]
    for suite, settings in SUITES.items():
        base = {v: cells(f) for v, f in settings[BASE].items()}
        rows, per_ds, notes = [], {}, []
        for name, folders in settings.items():
            if name == BASE:
                continue
            got = {v: cells(f) for v, f in folders.items()}
            for v in VIEWS:
                if not len(got[v]) or not len(base[v]):
                    notes.append(f"`{name}`, view `{v}`: not run")
                    continue
                common = got[v].index.intersection(base[v].index)
                d, b = got[v].loc[common], base[v].loc[common]
                rows.append(row(f"{name}, view {v}", d, b))
                per_ds[f"{v}: default"] = b["accuracy"].groupby(level="dataset").mean()
                per_ds[f"{v}: {name}"] = d["accuracy"].groupby(level="dataset").mean()
                if suite == "dev16":
                    same = d["n_iter"] == b["n_iter"]
                    equal = int((d.loc[same, "accuracy"] == b.loc[same, "accuracy"]).sum())
                    notes.append(
                        f"view `{v}`: {int(same.sum())} cells ran the same epochs under the "
                        f"budget as without it (it did not bind); {equal} of them gave the "
                        "same accuracy (a check that the runs are deterministic)"
                    )
            if all(len(got[v]) and len(base[v]) for v in VIEWS):
                common = got["repeat"].index
                for v in VIEWS:
                    common = common.intersection(got[v].index).intersection(base[v].index)
                ens = {}
                for label, fs, src in ((name, folders, got), (BASE, settings[BASE], base)):
                    ens[label] = pd.DataFrame(
                        {
                            "accuracy": [
                                vote_accuracy(cell_path(fs[v], "tsreprog", ds, s) for v in VIEWS)
                                for ds, s in common
                            ],
                            "n_iter": sum(src[v].loc[common, "n_iter"].values for v in VIEWS),
                            "series_epochs": sum(
                                src[v].loc[common, "series_epochs"].values for v in VIEWS
                            ),
                        },
                        index=common,
                    )
                rows.append(row(f"{name}, ensemble", ens[name], ens[BASE]))
                per_ds["ensemble: default"] = ens[BASE]["accuracy"].groupby(level="dataset").mean()
                per_ds[f"ensemble: {name}"] = ens[name]["accuracy"].groupby(level="dataset").mean()
        if not rows:
            continue
        parts += [f"\n## {suite}\n", md_table(headers, rows)]
        if notes:
            parts.append("\n" + "\n".join(f"- {n}" for n in notes))
        parts.append("\nPer dataset (accuracy %, mean over seeds):\n")
        parts.append(md_dataset_table(pd.DataFrame(per_ds)))
    text = "\n".join(parts) + "\n"
    atomic_write_text(HERE / "table.md", text)
    print(text)


if __name__ == "__main__":
    main()
