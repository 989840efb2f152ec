"""The Voice2Series table with the accuracy-v3 defaults, beside published figures.

Reads ``results/v2s_table_v3/runs`` (``run.sh``: tsreprog and MiniRocket, run here) and puts
them beside the Bake Off Redux figures on the default split (``_split0`` columns of
``../shared/reference/bakeoff_redux_v2s_dev.csv``: HC2, MultiROCKET-Hydra, MiniROCKET,
InceptionTime, 1NN-DTW; cited as published, not run here), the previous defaults of
``results/v2s_table_linear`` (another run, same machine type) and the paper's V2Sa (selected
on the test split there). The comparison is on the 25 clean V2S datasets: those present here
and in the Bake Off, except FordA, FordB (one seed here) and Lightning2 (a label artefact
in the paper's table). Per dataset, an accuracy is the mean over the seeds run.

    python results/v2s_table_v3/report.py     # prints the table, writes table.md beside it
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tsreprog._io import atomic_write_text
from tsreprog.bench import load_paper_results
from tsreprog.report import md_dataset_table, md_table, win_tie_loss
from tsreprog.results import load_results

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
PUBLISHED = {
    "HC2": "HC2_split0",
    "MultiROCKET-Hydra": "MR-Hydra_split0",
    "MiniROCKET": "MiniROCKET_split0",
    "InceptionTime": "InceptionTime_split0",
    "1NN-DTW": "1NN-DTW_split0",
}
LEFT_OUT = {"FordA", "FordB", "Lightning2"}


def run_means(folder: Path, method: str) -> tuple[pd.Series, pd.DataFrame]:
    df = load_results(folder)
    ok = df[(df.method == method) & (df.status == "ok")]
    return ok.groupby("dataset").accuracy.mean(), ok


def main() -> None:
    ts, ts_rows = run_means(HERE / "runs", "tsreprog")
    mr, mr_rows = run_means(HERE / "runs", "minirocket")
    old, _ = run_means(ROOT / "results" / "v2s_table_linear", "tsreprog")
    ref = pd.read_csv(ROOT.parent / "shared" / "reference" / "bakeoff_redux_v2s_dev.csv")
    ref = ref.set_index("dataset")
    paper = load_paper_results().set_index("dataset")["V2Sa"] / 100.0
    datasets = sorted(set(ts.index) & set(mr.index) & set(ref.index) - LEFT_OUT)
    table = pd.DataFrame(
        {
            "tsreprog (v3 defaults)": ts,
            "MiniRocket (run here)": mr,
            **{name: ref[col] for name, col in PUBLISHED.items()},
            "tsreprog (previous defaults)": old,
            "V2Sa (paper, test-selected)": paper,
        }
    ).reindex(datasets)
    seeds = ts_rows[ts_rows.dataset.isin(datasets)].groupby("dataset").seed.nunique()
    fit = ts_rows[ts_rows.dataset.isin(datasets)].groupby("dataset").fit_seconds.mean()
    fit_mr = mr_rows[mr_rows.dataset.isin(datasets)].groupby("dataset").fit_seconds.mean()
    _, ridge_rows = run_means(HERE / "runs", "minirocket-ridge")
    fit_ridge = ridge_rows[ridge_rows.dataset.isin(datasets)].groupby("dataset").fit_seconds.mean()
    ratio = (fit / fit_ridge).dropna()
    lines = [
        *summary_lines(table, "tsreprog (v3 defaults)", "tsreprog (v3)", seeds),
        f"Mean fit seconds per dataset (one torch thread, shared machine): tsreprog "
        f"{fit.mean():.1f}, MiniRocket (sktime's RocketClassifier) {fit_mr.mean():.1f}, "
        f"MiniRocketRidge {fit_ridge.mean():.2f}. Fit time of tsreprog over MiniRocketRidge's, "
        f"same cells: median {ratio.median():.0f}x, range {ratio.min():.0f}x to "
        f"{ratio.max():.0f}x, within 2x on {int((ratio <= 2).sum())} of {len(ratio)} datasets.",
    ]
    write_table(lines, table, datasets, HERE / "table.md")


def summary_lines(table: pd.DataFrame, me: str, label: str, seeds: pd.Series) -> list[str]:
    """The table's head: its datasets and seeds, then each method's mean and the W/T/L of
    column ``me`` (called ``label``) against it."""
    rows = []
    for col in table.columns:
        w, t, l_ = win_tie_loss(table[me], table[col])
        rows.append([col, f"{100 * table[col].mean():.2f}", f"{w}/{t}/{l_}"])
    return [
        f"{len(table)} clean V2S datasets; seeds per dataset for tsreprog: "
        f"{sorted(set(seeds))}; test accuracy %",
        "",
        md_table(["method", "mean %", f"W/T/L of {label} against it"], rows),
        "",
    ]


def write_table(lines: list[str], table: pd.DataFrame, datasets: list[str], path: Path) -> None:
    """Print ``lines`` and the per-dataset table (%), and write both to ``path``."""
    lines = [*lines, "", "Per dataset (%):", "", md_dataset_table(table, datasets)]
    text = "\n".join(lines) + "\n"
    print(text)
    atomic_write_text(path, text)


if __name__ == "__main__":
    main()
