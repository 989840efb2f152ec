"""The zoo study's figure: accuracy of each backbone reprogrammed, randomly initialised and
probed, on devsmall and dev16, with the mean fit time of its reprogramming; and frozen
reprogramming of spoken commands (seed 0).

    python results/zoo/figure.py        # writes results/zoo/transfer.png
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from summarize import SETTINGS, collect  # noqa: E402  (this folder, on sys.path when run)

from tsreprog.speech import read_study  # noqa: E402

HERE = Path(__file__).resolve().parent
BACKBONES = ("attrnn", "silero-vad", "resemblyzer", "crepe")
COLORS = {"reprogram": "tab:blue", "random": "tab:gray", "probe": "tab:orange"}


def suite_panel(ax, suite: str) -> None:
    ok = collect(HERE / suite)
    ok = ok[ok.status == "ok"]
    width = 0.27
    for i, bb in enumerate(BACKBONES):
        for j, setting in enumerate(SETTINGS):
            part = ok[(ok.backbone == bb) & (ok.setting == setting)]
            if not len(part):
                continue
            x = i + (j - 1) * width
            ax.bar(
                x,
                100 * part.accuracy.mean(),
                width,
                color=COLORS[setting],
                label=setting if i == 0 else None,
            )
            seeds = part.seed.nunique()
            ax.text(x, 1, f"{seeds} sd", ha="center", va="bottom", fontsize=6, color="white")
        rep = ok[(ok.backbone == bb) & (ok.setting == "reprogram")]
        if len(rep):
            ax.text(i, 101, f"{rep.fit_seconds.mean():.0f} s", ha="center", fontsize=7)
    ax.set_xticks(range(len(BACKBONES)), BACKBONES)
    ax.set_ylim(0, 108)
    ax.set_title(
        f"{suite}: mean test accuracy % (top: reprogram fit s; in bars: seeds)", fontsize=9
    )


def speech_panel(ax) -> None:
    names, means = [], []
    for bb in BACKBONES:
        folder = HERE / "speech" / bb
        if folder.is_dir():
            df = read_study(folder)
            df = df[df.status == "ok"]
            names.append(bb)
            means.append(100 * df.accuracy.astype(float).mean())
    ax.bar(np.arange(len(names)), means, 0.5, color=COLORS["reprogram"])
    ax.set_xticks(range(len(names)), names)
    ax.set_ylim(0, 108)
    ax.set_title("spoken commands (lt, ar, cmn), frozen + linear head, seed 0", fontsize=9)


def main() -> None:
    fig, axes = plt.subplots(1, 3, figsize=(15, 4), constrained_layout=True)
    suite_panel(axes[0], "devsmall")
    suite_panel(axes[1], "dev16")
    speech_panel(axes[2])
    axes[0].legend(fontsize=8, loc="lower left")
    fig.savefig(HERE / "transfer.png", dpi=110)
    print(f"wrote {HERE / 'transfer.png'}")


if __name__ == "__main__":
    main()
