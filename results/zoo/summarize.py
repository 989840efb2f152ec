"""Tables of the backbone-zoo study from the results folders that ``run.sh`` writes.

Usage: python results/zoo/summarize.py OUT   (prints the tables and writes OUT/table.md)

Reads OUT/<backbone>/<setting>/ (settings: reprogram, random, probe; one bench results folder
each) and reports, per backbone and setting, the mean test accuracy over the cells, the mean
fit and predict seconds, and per dataset the accuracy (mean over seeds). Columns that separate
the questions: reprogram - random ("pretraining helps"), reprogram - probe ("reprogramming
beats probing"), and reprogram across backbones ("which source domain transfers").
"""

import sys
from pathlib import Path

import pandas as pd

from tsreprog._io import atomic_write_text
from tsreprog.results import load_results

SETTINGS = ("reprogram", "random", "probe")


def collect(out: Path) -> pd.DataFrame:
    frames = []
    for bb_dir in sorted(p for p in out.iterdir() if p.is_dir()):
        for setting in SETTINGS:
            df = load_results(bb_dir / setting)
            if len(df):
                frames.append(df.assign(backbone=bb_dir.name, setting=setting))
    if not frames:
        raise SystemExit(f"no results under {out}: run results/zoo/run.sh {out} ... first")
    return pd.concat(frames, ignore_index=True)


def main(out: Path) -> None:
    df = collect(out)
    failed = df[df.status != "ok"]
    ok = df[df.status == "ok"]
    n_data, n_seeds = ok.dataset.nunique(), ok.seed.nunique()
    lines = [
        f"{n_data} datasets x {n_seeds} seed(s); {len(ok)} finished cells, {len(failed)} not "
        "finished; accuracy on the test split, %; seconds on one torch thread",
        "",
        "| backbone | setting | cells | mean accuracy % | mean fit s | mean predict s |",
        "|---|---|---|---|---|---|",
    ]
    g = ok.groupby(["backbone", "setting"], sort=False)
    for (bb, setting), part in g:
        lines.append(
            f"| {bb} | {setting} | {len(part)} | {100 * part.accuracy.mean():.2f} | "
            f"{part.fit_seconds.mean():.1f} | {part.predict_seconds.mean():.1f} |"
        )
    per = ok.pivot_table(
        index="dataset", columns=["backbone", "setting"], values="accuracy", aggfunc="mean"
    )
    lines += ["", "Per dataset (accuracy %, mean over seeds):", ""]
    cols = [f"{bb} {s}" for bb, s in per.columns]
    lines += ["| dataset | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
    for name, row in per.iterrows():
        lines.append(f"| {name} | " + " | ".join(f"{100 * v:.1f}" for v in row) + " |")
    deltas = []
    for bb in per.columns.get_level_values(0).unique():
        have = set(per[bb].columns)
        if {"reprogram", "random"} <= have:
            deltas.append((bb, "reprogram - random", per[bb]["reprogram"] - per[bb]["random"]))
        if {"reprogram", "probe"} <= have:
            deltas.append((bb, "reprogram - probe", per[bb]["reprogram"] - per[bb]["probe"]))
    if deltas:
        lines += ["", "| backbone | difference | mean (points) | datasets > 0 / = 0 / < 0 |"]
        lines += ["|---|---|---|---|"]
        for bb, what, d in deltas:
            d = d.dropna()
            lines.append(
                f"| {bb} | {what} | {100 * d.mean():+.2f} | "
                f"{(d > 0).sum()} / {(d == 0).sum()} / {(d < 0).sum()} |"
            )
    if len(failed):
        lines += [
            "",
            "Not finished: "
            + ", ".join(
                f"{r.backbone}/{r.setting}/{r.dataset}/{r.seed} ({r.status})"
                for r in failed.itertuples()
            ),
        ]
    text = "\n".join(lines) + "\n"
    print(text, end="")
    atomic_write_text(out / "table.md", text)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "smoke")
