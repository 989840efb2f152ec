"""Would a two-view silero-vad ensemble match the default at less cost?  (issues 19 and 21)

The default ``ReprogramClassifier()`` is the soft vote of the AttRNN's ``repeat`` and
``segments`` views. This scores the same two views on silero-vad (``OUT/silero-vad/reprogram``,
which is ``placement=repeat``, and ``OUT/silero-vad/segments``) from their saved
probabilities, against the default's two cells of the same datasets and seeds
(``results/accuracy_v3/<suite>/{default,segments}``), with both ensembles' fit seconds.

    python results/zoo/silero_views.py
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tsreprog.report import fmt_pct, md_table, ok_rows, win_tie_loss
from tsreprog.results import cell_path, load_results, vote_accuracy

HERE = Path(__file__).resolve().parent
V3 = HERE.parent / "accuracy_v3"


def fits(folder: Path) -> pd.Series:
    df = ok_rows(load_results(folder))
    df = df[df.method == "tsreprog"].set_index(["dataset", "seed"])
    return df["fit_seconds"].astype(float)


def main() -> None:
    rows = []
    for suite in ("devsmall", "dev16"):
        members = {
            "silero-vad (repeat + segments)": [
                HERE / suite / "silero-vad" / "reprogram",
                HERE / suite / "silero-vad" / "segments",
            ],
            "attrnn (the default)": [V3 / suite / "default", V3 / suite / "segments"],
        }
        keys = fits(members["silero-vad (repeat + segments)"][1]).index
        acc, cost = {}, {}
        for name, folders in members.items():
            acc[name] = pd.Series(
                [vote_accuracy(cell_path(f, "tsreprog", d, s) for f in folders) for d, s in keys],
                index=keys,
                dtype=float,
            )
            cost[name] = sum(fits(f).reindex(keys) for f in folders)
        base = "attrnn (the default)"
        for name in members:
            seeds = acc[name].groupby(level="seed").mean()
            rows.append(
                [
                    suite,
                    name,
                    str(len(keys)),
                    fmt_pct(acc[name].mean()),
                    " / ".join(fmt_pct(v) for v in seeds),
                    "/".join(map(str, win_tie_loss(acc[name], acc[base]))),
                    f"{cost[name].mean():.1f}",
                ]
            )
    print(
        md_table(
            [
                "suite",
                "ensemble",
                "cells",
                "mean %",
                "per-seed means",
                "W/T/L vs default (cells)",
                "mean fit s (both views)",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
