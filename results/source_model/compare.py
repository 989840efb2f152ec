"""Reprogramming accuracy of the two shipped AttRNN backbones on the development suites.

``attrnn.synth`` (espeak-ng, 9,000 clips): the soft vote of the ``default`` (tiling) and
``segments`` runs of ``results/accuracy_v3/SUITE`` (the members of today's default ensemble,
fitted one at a time; a member of the ensemble with the first seed is the single fit of its
view). ``attrnn.synth-v2`` (three engines, 30,600 augmented clips): today's default
(``placement=("repeat", "segments")``) fitted as one ensemble, ``reprogram/SUITE_synth_v2``.
Same seeds, same suites; the test split is used once per cell.

    python results/source_model/compare.py devsmall dev16    # prints, writes reprogram/SUITE.md
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from tsreprog._io import atomic_write_text
from tsreprog.report import md_dataset_table, md_table, win_tie_loss
from tsreprog.results import cell_path, load_results, vote_accuracy

HERE = Path(__file__).parent
V3 = HERE.parent / "accuracy_v3"


def vote(suite: str) -> pd.DataFrame:
    rows = {}
    for ds in sorted(set(load_results(V3 / suite / "default").dataset)):
        for seed in range(3):
            acc = vote_accuracy(
                cell_path(V3 / suite / s, "tsreprog", ds, seed) for s in ("default", "segments")
            )
            if acc is not None:
                rows[(ds, seed)] = acc
    return pd.Series(rows).unstack()


def run(folder: Path) -> tuple[pd.DataFrame, pd.Series]:
    df = load_results(folder)
    ok = df[(df.method == "tsreprog") & (df.status == "ok")]
    return ok.pivot_table(index="dataset", columns="seed", values="accuracy"), ok.groupby(
        "dataset"
    ).fit_seconds.mean()


def main(suite: str) -> None:
    old = vote(suite)
    new, fit = run(HERE / "reprogram" / f"{suite}_synth_v2")
    mr = load_results(V3 / suite / "default")
    mr = mr[(mr.method == "minirocket") & (mr.status == "ok")]
    mr = mr.pivot_table(index="dataset", columns="seed", values="accuracy")
    both = sorted(set(old.dropna().index) & set(new.dropna().index))
    table = pd.DataFrame(
        {
            "attrnn.synth": old.reindex(both).mean(axis=1),
            "attrnn.synth-v2": new.reindex(both).mean(axis=1),
            "MiniRocket": mr.reindex(both).mean(axis=1),
        }
    )
    w, t, l_ = win_tie_loss(table["attrnn.synth-v2"], table["attrnn.synth"])
    rows = [
        [
            col,
            f"{100 * table[col].mean():.2f}",
            ", ".join(
                f"{100 * v:.2f}"
                for v in {"attrnn.synth": old, "attrnn.synth-v2": new, "MiniRocket": mr}[col]
                .reindex(both)
                .mean(axis=0)
            ),
        ]
        for col in table.columns
    ]
    lines = [
        f"{suite}: {len(both)} datasets x 3 seeds, today's default placement (tiled + pieces, "
        "soft vote), test accuracy %",
        "",
        md_table(["backbone", "mean %", "per-seed means"], rows),
        "",
        f"attrnn.synth-v2 against attrnn.synth, W/T/L per dataset: {w}/{t}/{l_}; mean fit "
        f"seconds of a synth-v2 ensemble cell {fit.reindex(both).mean():.1f}",
        "",
        md_dataset_table(table, both),
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    atomic_write_text(HERE / "reprogram" / f"{suite}.md", text)


def pooled(suites: list[str]) -> None:
    """The v2-minus-v1 difference over every (dataset, seed) cell of ``suites``, and a
    Wilcoxon signed-rank test over the datasets' mean differences."""
    from scipy.stats import wilcoxon

    cells, per_dataset = [], []
    for suite in suites:
        old = vote(suite)
        new, _ = run(HERE / "reprogram" / f"{suite}_synth_v2")
        both = sorted(set(old.dropna().index) & set(new.dropna().index))
        diff = (new.reindex(both) - old.reindex(both)).to_numpy()
        cells.append(diff.ravel())
        per_dataset.append(diff.mean(axis=1))
    cells, per_dataset = np.concatenate(cells), np.concatenate(per_dataset)
    se = cells.std() / np.sqrt(len(cells))
    print(
        f"synth-v2 minus synth over {len(cells)} cells of {', '.join(suites)}: "
        f"{100 * cells.mean():+.2f} points (standard error {100 * se:.2f}); Wilcoxon over "
        f"{len(per_dataset)} datasets p = {wilcoxon(per_dataset).pvalue:.2f}"
    )


if __name__ == "__main__":
    names = sys.argv[1:] or ["devsmall"]
    for name in names:
        main(name)
    if len(names) > 1:
        pooled(names)
