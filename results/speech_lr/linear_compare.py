"""The linear head's learning rate on the test clips, once chosen: frozen reprogramming with
``attrnn.synth-v2`` and a linear head at 5e-3 (``linear_test``, today's study default) against
5e-4 (``../source_model/speech/synth-v2``, the rate before) and training from scratch
(``../source_model/speech/scratch``); same sets, same seeds.

    python results/speech_lr/linear_compare.py
"""

from __future__ import annotations

from pathlib import Path

from tsreprog.report import md_table
from tsreprog.speech import read_study

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parent / "source_model" / "speech"


def accuracies(folder: Path, method: str, mapping: str):
    df = read_study(folder)
    df = df[(df.method == method) & (df.mapping == mapping) & (df.status == "ok")]
    return df.set_index(["dataset", "seed"])["accuracy"].astype(float)


def main() -> None:
    new = accuracies(HERE / "linear_test", "reprogram", "linear")
    old = accuracies(SOURCE / "synth-v2", "reprogram", "linear")
    scratch = accuracies(SOURCE / "scratch", "scratch", "linear")
    rows = []
    for ds in ("lt", "ar", "cmn"):
        a, b = old.loc[ds], new.loc[ds].reindex(old.loc[ds].index)
        w, t = int((b > a).sum()), int((b == a).sum())
        rows.append(
            [
                ds,
                f"{100 * a.mean():.1f} ± {100 * a.std():.1f}",
                f"{100 * b.mean():.1f} ± {100 * b.std():.1f}",
                f"{100 * (b.mean() - a.mean()):+.1f}",
                f"{w}/{t}/{len(a) - w - t}",
                f"{100 * scratch.loc[ds].mean():.1f}",
            ]
        )
    head = ["language", "lr 5e-4 %", "lr 5e-3 %", "difference", "W/T/L of 5e-3", "scratch %"]
    print(md_table(head, rows))


if __name__ == "__main__":
    main()
