"""Soft votes across backbones from the zoo study's saved probabilities (no fit of their own).

Each vote averages the class probabilities of the named (backbone, setting) cells of the same
dataset and seed (``OUT/<backbone>/<setting>``), plus optionally the AttRNN's ``segments``
view from ``results/accuracy_v3/<suite>/segments`` (``attrnn-segments``; the suite is OUT's
folder name, devsmall or dev16), so that a
two-backbone vote can be set beside the estimator's default two-view vote at the same cost
(two fits).

    python results/zoo/votes.py results/zoo/devsmall     # prints the table, writes OUT/votes.md
    python results/zoo/votes.py results/zoo/dev16
"""

from __future__ import annotations

import sys
from itertools import combinations
from pathlib import Path

import pandas as pd

from tsreprog._io import atomic_write_text
from tsreprog.report import md_table, win_tie_loss
from tsreprog.results import cell_path, load_results, vote_accuracy

V3 = Path(__file__).parent.parent / "accuracy_v3"


def member_path(out: Path, member: str, ds: str, seed: int) -> Path:
    if member == "attrnn-segments":
        return cell_path(V3 / out.name / "segments", "tsreprog", ds, seed)
    return cell_path(out / member / "reprogram", "tsreprog", ds, seed)


def vote(out: Path, members: tuple, datasets: list, seeds: list) -> pd.DataFrame:
    rows = {}
    for ds in datasets:
        for seed in seeds:
            acc = vote_accuracy(member_path(out, m, ds, seed) for m in members)
            if acc is not None:
                rows[(ds, seed)] = acc
    return pd.Series(rows, dtype=float).unstack()


def main(out: Path) -> None:
    backbones = sorted(p.name for p in out.iterdir() if (p / "reprogram").is_dir())
    ref = load_results(out / "attrnn" / "reprogram")
    datasets, seeds = sorted(set(ref.dataset)), sorted(set(ref.seed))
    candidates = [(b,) for b in backbones] + [("attrnn", "attrnn-segments")]
    candidates += list(combinations(backbones, 2)) + [tuple(backbones)]
    if len(backbones) > 3:
        candidates += list(combinations(backbones, 3))
    table = {" + ".join(m): vote(out, m, datasets, seeds) for m in candidates}
    default = table["attrnn + attrnn-segments"]
    rows = []
    for name, acc in table.items():
        full = acc.dropna()
        per_ds = full.mean(axis=1)
        # the default on the same datasets and seeds (crepe ran seed 0 only)
        ref = default.reindex(per_ds.index)[full.columns].mean(axis=1)
        w, t, l_ = win_tie_loss(per_ds, ref)
        rows.append(
            [
                name,
                len(name.split(" + ")),
                f"{full.shape[0]} x {full.shape[1]}",
                f"{100 * per_ds.mean():.2f}",
                ", ".join(f"{100 * v:.2f}" for v in full.mean(axis=0)),
                f"{100 * ref.mean():.2f}",
                f"{w}/{t}/{l_}",
            ]
        )
    text = "\n".join(
        [
            f"Soft votes of reprogrammed backbones (placement repeat; attrnn-segments: the "
            f"AttRNN with placement segments), {out}; test accuracy %, each dataset the mean "
            "over its seeds",
            "",
            md_table(
                [
                    "members",
                    "fits",
                    "datasets x seeds",
                    "mean %",
                    "per-seed means",
                    "the default on them %",
                    "W/T/L vs the default (attrnn + attrnn-segments)",
                ],
                rows,
            ),
            "",
        ]
    )
    print(text)
    atomic_write_text(out / "votes.md", text)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "results/zoo/devsmall"))
