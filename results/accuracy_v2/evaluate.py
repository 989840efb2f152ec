"""Views study: tiling (``repeat``) vs the AM carrier (``am``) vs their soft-vote ensemble.

The ensemble needs no fit of its own: it averages the two runs' saved class probabilities of
the same (dataset, seed), read from the results folders (one file per cell, with per-case
probabilities). Usage, after the two ``tsreprog bench`` runs of ``README.md`` here::

    python results/accuracy_v2/evaluate.py    # prints the table, writes table.md
"""

from pathlib import Path

import numpy as np
import pandas as pd

from tsreprog.report import win_tie_loss
from tsreprog.results import cell_path, load_results, read_cell

HERE = Path(__file__).parent
RUNS = {"repeat": (HERE / "repeat", "tsreprog"), "am": (HERE / "am", "tsreprog")}


def cases(view: str, dataset: str, seed: int):
    out, method = RUNS[view]
    path = cell_path(out, method, dataset, seed)
    return read_cell(path)[1] if path.is_file() else None


def main() -> None:
    rows = []
    mr = load_results(HERE / "repeat")
    mr = mr[(mr.method == "minirocket") & (mr.status == "ok")]
    mr_acc = mr.groupby("dataset").accuracy.mean()
    for (dataset, seed), _ in load_results(HERE / "repeat").groupby(["dataset", "seed"]):
        r, a = cases("repeat", dataset, seed), cases("am", dataset, seed)
        if r is None or a is None:
            continue
        assert list(r.classes) == list(a.classes) and np.array_equal(r.y_true, a.y_true)
        y = np.asarray(r.y_true).astype(str)
        classes = np.asarray(r.classes).astype(str)
        ens = classes[np.argmax(r.proba + a.proba, axis=1)]
        # two seeds of one view: this seed's run with the next seed's (of the 3 run)
        r2, a2 = cases("repeat", dataset, (seed + 1) % 3), cases("am", dataset, (seed + 1) % 3)
        seeds2 = classes[np.argmax(r.proba + r2.proba, axis=1)] if r2 is not None else None
        four = (
            classes[np.argmax(r.proba + r2.proba + a.proba + a2.proba, axis=1)]
            if r2 is not None and a2 is not None
            else None
        )
        rows.append(
            {
                "dataset": dataset,
                "seed": seed,
                "repeat": float(np.mean(np.asarray(r.y_pred).astype(str) == y)),
                "am": float(np.mean(np.asarray(a.y_pred).astype(str) == y)),
                "repeat+am (soft vote)": float(np.mean(ens == y)),
                "repeat x 2 seeds": np.nan if seeds2 is None else float(np.mean(seeds2 == y)),
                "(repeat+am) x 2 seeds": np.nan if four is None else float(np.mean(four == y)),
            }
        )
    df = pd.DataFrame(rows)
    per = df.groupby("dataset").mean(numeric_only=True).drop(columns="seed")
    per["oracle: better of repeat/am (uses the test split; not a method)"] = per[
        ["repeat", "am"]
    ].max(axis=1)
    per["MiniRocket"] = mr_acc.reindex(per.index)
    seeds = df.groupby("dataset").seed.nunique()
    lines = [
        f"{len(per)} datasets, seeds per dataset: {sorted(set(seeds))}; mean test accuracy %",
        "",
        "| view | mean % | W/T/L vs repeat |",
        "|---|---|---|",
    ]
    for col in per.columns:
        w, t, loss = win_tie_loss(per[col], per["repeat"])
        lines.append(f"| {col} | {100 * per[col].mean():.2f} | {w}/{t}/{loss} |")
    lines += ["", "Per dataset (mean over seeds, %):", ""]
    lines.append("| dataset | " + " | ".join(per.columns) + " |")
    lines.append("|---|" + "---|" * len(per.columns))
    for name, row in per.iterrows():
        lines.append(f"| {name} | " + " | ".join(f"{100 * v:.1f}" for v in row) + " |")
    fit = {
        "repeat": load_results(HERE / "repeat"),
        "am": load_results(HERE / "am"),
    }
    secs = {
        "repeat": fit["repeat"].query("method == 'tsreprog'").fit_seconds.mean(),
        "am": fit["am"].query("method == 'tsreprog'").fit_seconds.mean(),
        "MiniRocket": fit["repeat"].query("method == 'minirocket'").fit_seconds.mean(),
    }
    lines += [
        "",
        "Mean fit seconds per cell (one torch thread, runs sharing 2 cores with other jobs): "
        + ", ".join(f"{k} {v:.1f}" for k, v in secs.items())
        + "; an ensemble costs the sum of its members' fits.",
    ]
    text = "\n".join(lines) + "\n"
    (HERE / "table.md").write_text(text)
    print(text, end="")


if __name__ == "__main__":
    main()
