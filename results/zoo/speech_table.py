"""The zoo's backbones on the low-resource spoken commands (issue 19, deliverable 3).

Frozen reprogramming with a linear head on each backbone's features (``--mapping linear``:
silero-vad and resemblyzer have no source classes for a many-to-one mapping), seed 0, from
the folders that ``results/zoo/README.md``'s commands wrote (``results/zoo/speech/<backbone>``).

    python results/zoo/speech_table.py
"""

from __future__ import annotations

from pathlib import Path

from tsreprog.report import md_table
from tsreprog.speech import read_study

HERE = Path(__file__).resolve().parent / "speech"
LANGUAGES = ("lt", "ar", "cmn")


def main() -> None:
    rows = []
    for folder in sorted(p for p in HERE.iterdir() if p.is_dir()):
        df = read_study(folder)
        df = df[df["status"] == "ok"]
        acc = df.groupby("dataset")["accuracy"].mean().astype(float)
        fit = df["fit_seconds"].astype(float).mean()
        cells = [f"{100 * acc[d]:.1f}" if d in acc.index else "–" for d in LANGUAGES]
        mean = acc.reindex(list(LANGUAGES)).mean()
        rows.append([folder.name, *cells, f"{100 * mean:.1f}", f"{fit:.0f}"])
    print(md_table(["backbone", *LANGUAGES, "mean %", "mean fit s"], rows))


if __name__ == "__main__":
    main()
