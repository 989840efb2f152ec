"""Accuracy v3 study: settings, soft-vote ensembles and MiniRocket on one development suite.

Reads the results folders that ``run.sh SUITE`` wrote (one folder per setting, one file per
cell with per-case probabilities) and prints, per setting and per ensemble, the mean test
accuracy over datasets (each dataset's mean over the seeds present), the per-seed suite means,
W/T/L against the default setting and the mean fit time of a cell. An ensemble is a soft vote
computed from its members' saved probabilities (no fit of its own): members of one seed, and
"x 2 seeds" pairs each seed's run with the next seed's (of the three).

    python results/accuracy_v3/evaluate.py devsmall     # -> devsmall.md beside this file
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from tsreprog._io import atomic_write_text
from tsreprog.report import md_dataset_table, md_table, win_tie_loss
from tsreprog.results import cell_path, load_results, vote_accuracy

HERE = Path(__file__).parent
SEEDS = 3
#: soft votes: name -> members as (setting, seed offset)
ENSEMBLES = {
    "default x 2 seeds": [("default", 0), ("default", 1)],
    "default + am": [("default", 0), ("am", 0)],
    "(default + am) x 2 seeds": [("default", 0), ("am", 0), ("default", 1), ("am", 1)],
    "default + logits": [("default", 0), ("logits", 0)],
    "default + am + fm": [("default", 0), ("am", 0), ("fm", 0)],
    "default + am + rs128": [("default", 0), ("am", 0), ("rs128", 0)],
    "default + segments": [("default", 0), ("segments", 0)],
    "segments + am": [("segments", 0), ("am", 0)],
    "default + segments4": [("default", 0), ("segments4", 0)],
    "default + segments16": [("default", 0), ("segments16", 0)],
    "default + segments4 + segments + segments16": [
        ("default", 0),
        ("segments4", 0),
        ("segments", 0),
        ("segments16", 0),
    ],
    "default + segments + am": [("default", 0), ("segments", 0), ("am", 0)],
    "(default + segments + am) x 2 seeds": [
        ("default", 0),
        ("segments", 0),
        ("am", 0),
        ("default", 1),
        ("segments", 1),
        ("am", 1),
    ],
}


def main(suite: str) -> None:
    root = HERE / suite
    settings = sorted(p.name for p in root.iterdir() if (p / "tsreprog").is_dir())
    settings.sort(key=lambda s: s != "default")
    frames = {s: load_results(root / s) for s in settings}
    ok = {s: f[(f.status == "ok") & (f.method == "tsreprog")] for s, f in frames.items()}
    mr = frames["default"]
    mr = mr[(mr.method == "minirocket") & (mr.status == "ok")]
    datasets = sorted(set(ok["default"].dataset))

    acc = {}  # column -> DataFrame (dataset x seed)
    fit = {}
    for s in settings:
        acc[s] = ok[s].pivot_table(index="dataset", columns="seed", values="accuracy")
        fit[s] = ok[s].fit_seconds.mean()
    for name, members in ENSEMBLES.items():
        if not all(s in settings for s, _ in members):
            continue
        rows = {}
        for ds in datasets:
            for seed in range(SEEDS):
                acc_vote = vote_accuracy(
                    cell_path(root / s, "tsreprog", ds, (seed + k) % SEEDS) for s, k in members
                )
                if acc_vote is not None:
                    rows[(ds, seed)] = acc_vote
        if rows:
            s = pd.Series(rows)
            acc[name] = s.unstack()
            fit[name] = sum(fit[m] for m, _ in members)
    acc["MiniRocket"] = mr.pivot_table(index="dataset", columns="seed", values="accuracy")
    fit["MiniRocket"] = mr.fit_seconds.mean()

    n_cells = {k: int(v.reindex(datasets).notna().sum().sum()) for k, v in acc.items()}
    # a setting still running (fewer cells than the default's) is listed, not averaged
    unfinished = [k for k in acc if n_cells[k] < n_cells["default"]]
    per = pd.DataFrame(
        {k: v.reindex(datasets).mean(axis=1) for k, v in acc.items() if k not in unfinished}
    )
    complete = per.dropna().index
    rows = []
    for col in per.columns:
        seeds_means = acc[col].reindex(complete).mean(axis=0)
        w, t, l_ = win_tie_loss(per.loc[complete, col], per.loc[complete, "default"])
        wm, tm, lm = win_tie_loss(per.loc[complete, col], per.loc[complete, "MiniRocket"])
        rows.append(
            [
                col,
                f"{100 * per.loc[complete, col].mean():.2f}",
                ", ".join(f"{100 * v:.2f}" for v in seeds_means),
                f"{w}/{t}/{l_}",
                f"{wm}/{tm}/{lm}",
                f"{fit[col]:.1f}",
                n_cells[col],
            ]
        )
    left_out = ", ".join(f"{k} ({n_cells[k]} cells)" for k in unfinished)
    lines = [
        f"{suite}: {len(complete)} datasets with every setting; test accuracy %, each dataset "
        "the mean over its seeds",
        "",
        *(
            [
                f"Not finished, left out: {left_out}",
                "",
            ]
            if unfinished
            else []
        ),
        md_table(
            [
                "setting",
                "mean %",
                "per-seed means",
                "W/T/L vs default",
                "W/T/L vs MiniRocket",
                "mean fit s",
                "cells",
            ],
            rows,
        ),
        "",
        "Per dataset (mean over seeds, %):",
        "",
        md_dataset_table(per),
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    atomic_write_text(HERE / f"{suite}.md", text)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "devsmall")
