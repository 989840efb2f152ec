"""How many epochs would fit within 2x MiniRocket's fit time?  (issue 21's goal)

From the V2S table's saved cells (``results/v2s_table_v3/runs``: the shipped defaults and
MiniRocketRidge fitted in the same run, one torch thread, 3 seeds): a reprogramming's cost per
training series and epoch is its fit time divided by its series-epochs (``n_train x n_iter``,
summed over the ensemble's two views; the per-fit set-up is spread over the epochs, so this
slightly overstates an epoch). The table sets one epoch of one view (the least a reprogramming
can train) beside MiniRocket's whole fit, per dataset (the fastest cell of each).

    python results/cost/epoch_floor.py
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from tsreprog.report import ok_rows
from tsreprog.results import load_results

RUNS = Path(__file__).resolve().parent.parent / "v2s_table_v3" / "runs"


def main() -> None:
    df = ok_rows(load_results(RUNS))
    t, m = df[df.method == "tsreprog"].copy(), df[df.method == "minirocket-ridge"]

    def total(v) -> float:
        return float(np.sum(json.loads(v) if isinstance(v, str) else v))

    t["sample_epochs"] = t["n_iter"].apply(total) * t["n_train"].astype(float)
    t["s_per_series_epoch"] = t["fit_seconds"].astype(float) / t["sample_epochs"]
    g = t.groupby("dataset").agg(
        n_train=("n_train", "first"), s_per_series_epoch=("s_per_series_epoch", "min")
    )
    g["minirocket_fit_s"] = m.groupby("dataset")["fit_seconds"].min().astype(float)
    g["one_epoch_one_view_s"] = g.n_train.astype(float) * g.s_per_series_epoch
    g["epoch / minirocket"] = g.one_epoch_one_view_s / g.minirocket_fit_s
    g["epochs within 2x"] = 2 / g["epoch / minirocket"]
    print(
        f"seconds per training series and epoch (one view): median "
        f"{t.s_per_series_epoch.median():.5f}, fastest {t.s_per_series_epoch.min():.5f}"
    )
    print(g.sort_values("epoch / minirocket").round(3).to_string())
    ratio = g["epoch / minirocket"]
    print(
        f"one epoch of one view takes {ratio.min():.2f}x to {ratio.max():.2f}x "
        f"(median {ratio.median():.2f}x) MiniRocket's whole fit; 2x MiniRocket leaves room for "
        f"{g['epochs within 2x'].median():.2f} epochs of one view (median; "
        f"{g['epochs within 2x'].max():.2f} at most); today's fits run "
        f"{t['n_iter'].apply(total).median():.0f} epochs over both views (median)"
    )


if __name__ == "__main__":
    main()
