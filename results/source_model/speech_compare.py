"""Frozen reprogramming of spoken commands with attrnn.synth against attrnn.synth-v2 (issue 17).

Reads the two results folders that ``speech.md``'s commands wrote and, for reference, the
committed study ``results/speech`` (scratch and fine-tuning, 2026-11-27, the same synthesized
sets and seeds, earlier estimator defaults), and writes ``speech.md``'s table.

    python results/source_model/speech_compare.py
"""

from __future__ import annotations

from pathlib import Path

from tsreprog.report import md_table
from tsreprog.speech import read_study

HERE = Path(__file__).resolve().parent
RUNS = {w: HERE / "speech" / w for w in ("synth", "synth-v2")}
COMMITTED = HERE.parent / "speech"


def main() -> None:
    acc = {}
    for name, folder in RUNS.items():
        df = read_study(folder)
        acc[name] = df.set_index(["dataset", "seed"])["accuracy"].astype(float)
    ref = read_study(COMMITTED)
    ref = ref[ref["status"] == "ok"]
    rows = []
    for ds in ("lt", "ar", "cmn"):
        a, b = acc["synth"].loc[ds], acc["synth-v2"].loc[ds]
        wins = int((b > a.reindex(b.index)).sum())
        scratch = ref[(ref.dataset == ds) & (ref.method == "scratch")]["accuracy"].astype(float)
        sc = scratch.mean()
        rows.append(
            [
                ds,
                f"{100 * a.mean():.1f} ± {100 * a.std():.1f}",
                f"{100 * b.mean():.1f} ± {100 * b.std():.1f}",
                f"{100 * (b.mean() - a.mean()):+.1f}",
                f"{wins}/{len(b)}",
                f"{100 * sc:.1f}",
                f"{100 * (a.mean() - sc):+.1f}",
                f"{100 * (b.mean() - sc):+.1f}",
            ]
        )
    print(
        md_table(
            [
                "language",
                "attrnn.synth %",
                "attrnn.synth-v2 %",
                "v2 − synth (pts)",
                "seeds v2 > synth",
                "scratch % (committed)",
                "synth − scratch",
                "v2 − scratch",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
