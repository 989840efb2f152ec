"""Reprogramming accuracy against what the AttRNN backbone was trained on (development suites).

Six backbones, today's default estimator (two views, pooled heads), 3 seeds per dataset:
random initialisation (``reprogram/SUITE_random``), ``attrnn.synth``'s recipe on a third of
its corpus (2,268 clips, ``reprogram/SUITE_synth3k``), the held-out-engine model of 4,772 clips
(``reprogram/SUITE_holdout9k``), ``attrnn.synth``'s recipe with the v2 augmentation (6,732
augmented clips, ``reprogram/SUITE_synthaug``), ``attrnn.synth`` (6,732 clips, one engine;
the soft vote of ``results/accuracy_v3/SUITE`` ``default`` and ``segments``, see
``compare.py``) and
``attrnn.synth-v2`` (22,932 clips, three engines; ``reprogram/SUITE_synth_v2``). Made by
``scaling.sh``; the test split is used once per cell.

    python results/source_model/scaling.py     # prints the table, writes scaling.md and scaling.png
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from compare import HERE, V3, vote  # noqa: E402

from tsreprog._io import atomic_write_text  # noqa: E402
from tsreprog.report import md_table, win_tie_loss  # noqa: E402
from tsreprog.results import load_results  # noqa: E402

# (label, training clips, source test accuracy as its metadata records, what it heard)
BACKBONES = [
    ("random", 0, None, "nothing (random initialisation)"),
    ("synth3k", 2268, 0.8504, "espeak-ng only, no augmentation (attrnn.synth's recipe, a third)"),
    ("holdout9k", 4772, 0.6888, "espeak-ng + festival, augmented"),
    ("attrnn.synth", 6732, 0.9357, "espeak-ng only, no augmentation"),
    ("synthaug", 6732, 0.8355, "espeak-ng only, augmented (attrnn.synth's recipe + augmentation)"),
    ("attrnn.synth-v2", 22932, 0.7092, "espeak-ng + flite + festival, augmented"),
]
FOLDER = {
    "random": "random",
    "synth3k": "synth3k",
    "holdout9k": "holdout9k",
    "synthaug": "synthaug",
    "attrnn.synth-v2": "synth_v2",
}
SUITES = ["devsmall", "dev16"]
#: Points beside the size curve (another factor at the same size), drawn as open triangles.
OFF_CURVE = {"synthaug"}
#: Label offsets (points) where the default one would overlap a neighbour's.
LABEL_OFFSET = {"synthaug": (8, -4), "attrnn.synth": (-8, 6)}


def accuracies(suite: str) -> dict:
    out = {"attrnn.synth": vote(suite)}
    for name, sub in FOLDER.items():
        folder = HERE / "reprogram" / f"{suite}_{sub}"
        if folder.is_dir():
            method = "tsreprog-random" if name == "random" else "tsreprog"
            df = load_results(folder)
            ok = df[(df.method == method) & (df.status == "ok")]
            out[name] = ok.pivot_table(index="dataset", columns="seed", values="accuracy")
    return out


def main() -> None:
    lines, points = [], {}
    for suite in SUITES:
        acc = accuracies(suite)
        # datasets with all 3 seeds of every backbone present
        both = sorted(set.intersection(*(set(a.dropna().index) for a in acc.values())))
        mr = load_results(V3 / suite / "default")
        mr = mr[(mr.method == "minirocket") & (mr.status == "ok")]
        mr = mr.groupby("dataset").accuracy.mean().reindex(both)
        rows = []
        for name, clips, src, heard in BACKBONES:
            if name not in acc:
                continue
            per_ds = acc[name].reindex(both).mean(axis=1)
            seeds = acc[name].reindex(both).mean(axis=0)
            w, t, l_ = win_tie_loss(per_ds, acc["attrnn.synth"].reindex(both).mean(axis=1))
            points.setdefault(suite, []).append((clips, 100 * per_ds.mean(), name))
            rows.append(
                [
                    name,
                    heard,
                    f"{clips:,}",
                    "–" if src is None else f"{src:.4f}",
                    f"**{100 * per_ds.mean():.2f}**",
                    ", ".join(f"{100 * v:.2f}" for v in seeds),
                    "–" if name == "attrnn.synth" else f"{w}/{t}/{l_}",
                ]
            )
        lines += [
            f"{suite}: {len(both)} datasets x 3 seeds; MiniRocket {100 * mr.mean():.2f} % on them",
            "",
            md_table(
                [
                    "backbone",
                    "trained on",
                    "training clips",
                    "source test acc. (own split)",
                    "reprogramming %",
                    "per-seed means",
                    "W/T/L vs attrnn.synth",
                ],
                rows,
            ),
            "",
        ]
    text = "\n".join(lines)
    print(text)
    atomic_write_text(HERE / "scaling.md", text)

    fig, ax = plt.subplots(figsize=(6, 3.6))
    for suite, pts in points.items():
        # the size curve; the augmentation point shares attrnn.synth's size, drawn apart
        curve = sorted(p for p in pts if p[2] not in OFF_CURVE)
        (line,) = ax.plot([p[0] for p in curve], [p[1] for p in curve], "o-", label=suite)
        for x, y, name in pts:
            if name in OFF_CURVE:
                ax.plot(x, y, "^", color=line.get_color(), markerfacecolor="none")
            offset = LABEL_OFFSET.get(name, (4, -10))
            ax.annotate(name, (x, y), textcoords="offset points", xytext=offset, fontsize=7)
    ax.plot([], [], "^", color="grey", markerfacecolor="none", label="synth's size, augmented")
    ax.set_xlabel("clips the backbone was trained on (0 = random initialisation)")
    ax.set_ylabel("reprogramming accuracy, %")
    ax.set_title("Default estimator, 3 seeds, development suites")
    ax.set_xlim(-1500, 28000)  # room for the last label
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    tmp = HERE / "scaling.png.tmp"
    fig.savefig(tmp, format="png", dpi=120)
    tmp.replace(HERE / "scaling.png")
    print(f"wrote {HERE / 'scaling.md'} and {HERE / 'scaling.png'}")


if __name__ == "__main__":
    main()
