"""Frozen reprogramming of spoken commands with attrnn.synth against attrnn.synth-v2 (issue 17),
with the similarity many-to-one mapping and with a linear head on the pooled features.

Reads the results folders that ``speech.md``'s commands wrote (the two source models, and
training from scratch rerun with today's code in ``speech/scratch``) and, for reference, the
committed study ``results/speech`` (fine-tuning, 2026-11-27, the same synthesized sets and
seeds, earlier estimator defaults), and prints ``speech.md``'s tables.

    python results/source_model/speech_compare.py
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tsreprog.report import md_table
from tsreprog.speech import read_study

HERE = Path(__file__).resolve().parent
RUNS = {w: HERE / "speech" / w for w in ("synth", "synth-v2")}
SCRATCH = HERE / "speech" / "scratch"
COMMITTED = HERE.parent / "speech"


def main() -> None:
    ref = read_study(COMMITTED)
    ref = ref[ref["status"] == "ok"]
    scratch = read_study(SCRATCH)
    ref = pd.concat([ref[ref.method != "scratch"], scratch[scratch["status"] == "ok"]])
    for mapping in ("similarity", "linear"):
        print(f"\nfrozen reprogramming, mapping {mapping}:\n")
        table(mapping, ref)


def table(mapping: str, ref) -> None:
    acc = {}
    for name, folder in RUNS.items():
        df = read_study(folder)
        df = df[(df["mapping"] == mapping) & (df["status"] == "ok")]
        acc[name] = df.set_index(["dataset", "seed"])["accuracy"].astype(float)
    rows = []
    for ds in ("lt", "ar", "cmn"):
        if ds not in acc["synth"].index or ds not in acc["synth-v2"].index:
            continue
        a, b = acc["synth"].loc[ds], acc["synth-v2"].loc[ds]
        wins = int((b > a.reindex(b.index)).sum())
        scratch = ref[(ref.dataset == ds) & (ref.method == "scratch")]["accuracy"].astype(float)
        sc = scratch.mean()
        ft = ref[(ref.dataset == ds) & (ref.method == "finetune")]["accuracy"].astype(float)
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
                f"{100 * ft.mean():.1f}",
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
                "scratch % (rerun)",
                "synth − scratch",
                "v2 − scratch",
                "fine-tuning % (committed)",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
