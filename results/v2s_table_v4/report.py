"""The Voice2Series table with the default backbone ``attrnn.synth-v2``, beside the same
estimator with ``attrnn.synth`` and published figures.

Reads ``results/v2s_table_v4/runs`` (``run.sh``: tsreprog with ``backbone="attrnn.synth-v2"``)
and, from ``results/v2s_table_v3/runs``, the same estimator with ``attrnn.synth`` (the default
backbone then) and MiniRocket, run in the same cells (same splits and seeds). The Bake Off
Redux figures on the default split (``_split0`` columns of
``../shared/reference/bakeoff_redux_v2s_dev.csv``) are cited as published, not run here. The
comparison is on the 25 clean V2S datasets: those present here and in the Bake Off, except
FordA, FordB and Lightning2 (a label artefact in the paper's table). Per dataset, an accuracy
is the mean over the seeds run; a paired comparison of the two backbones is per (dataset,
seed) cell.

    python results/v2s_table_v4/report.py     # prints the table, writes table.md beside it
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import wilcoxon

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "results" / "v2s_table_v3"))
from report import LEFT_OUT, PUBLISHED, summary_lines, write_table  # noqa: E402

from tsreprog.bench import load_paper_results  # noqa: E402
from tsreprog.results import load_results  # noqa: E402

V3 = ROOT / "results" / "v2s_table_v3" / "runs"
ME = "tsreprog (attrnn.synth-v2)"


def ok_rows(folder: Path, method: str) -> pd.DataFrame:
    df = load_results(folder)
    return df[(df.method == method) & (df.status == "ok")]


def main() -> None:
    v2 = ok_rows(HERE / "runs", "tsreprog")
    v1 = ok_rows(V3, "tsreprog")
    mr = ok_rows(V3, "minirocket")
    ref = pd.read_csv(ROOT.parent / "shared" / "reference" / "bakeoff_redux_v2s_dev.csv")
    ref = ref.set_index("dataset")
    paper = load_paper_results().set_index("dataset")["V2Sa"] / 100.0
    datasets = sorted(
        set(v2.dataset) & set(v1.dataset) & set(mr.dataset) & set(ref.index) - LEFT_OUT
    )
    table = pd.DataFrame(
        {
            ME: v2.groupby("dataset").accuracy.mean(),
            "tsreprog (attrnn.synth)": v1.groupby("dataset").accuracy.mean(),
            "MiniRocket (run here)": mr.groupby("dataset").accuracy.mean(),
            **{name: ref[col] for name, col in PUBLISHED.items()},
            "V2Sa (paper, test-selected)": paper,
        }
    ).reindex(datasets)

    def seed_means(df: pd.DataFrame) -> str:
        df = df[df.dataset.isin(datasets)]
        means = df.pivot_table(index="dataset", columns="seed", values="accuracy").mean(axis=0)
        return ", ".join(f"{100 * m:.2f}" for m in means)

    # paired per (dataset, seed) cell: the two backbones saw the same splits and seeds
    key = ["dataset", "seed"]
    both = v2[v2.dataset.isin(datasets)].merge(
        v1[v1.dataset.isin(datasets)], on=key, suffixes=("_v2", "_v1")
    )
    diff = 100 * (both.accuracy_v2 - both.accuracy_v1)
    per_dataset = 100 * (table[ME] - table["tsreprog (attrnn.synth)"])
    p = wilcoxon(per_dataset[per_dataset != 0]).pvalue
    seeds = v2[v2.dataset.isin(datasets)].groupby("dataset").seed.nunique()
    lines = [
        *summary_lines(table, ME, "tsreprog (synth-v2)", seeds),
        f"Per-seed means: attrnn.synth-v2 {seed_means(v2)}; attrnn.synth {seed_means(v1)}.",
        f"synth-v2 minus synth over {len(diff)} paired cells: {diff.mean():+.2f} points "
        f"(standard error {diff.std(ddof=1) / np.sqrt(len(diff)):.2f}); Wilcoxon over "
        f"{len(datasets)} datasets p = {p:.2f}.",
        f"Mean fit seconds per dataset (one torch thread, shared machine): synth-v2 "
        f"{v2[v2.dataset.isin(datasets)].groupby('dataset').fit_seconds.mean().mean():.1f}, "
        f"synth {v1[v1.dataset.isin(datasets)].groupby('dataset').fit_seconds.mean().mean():.1f}.",
    ]
    write_table(lines, table, datasets, HERE / "table.md")


if __name__ == "__main__":
    main()
