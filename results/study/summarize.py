"""Tables and figure of the accuracy study (issue 7).

    python results/study/summarize.py            # writes table.md and study.png here

Reads one results folder per line of ``settings.txt`` (written by ``run.sh``; the committed
ones converted from the study's CSVs by ``results/convert_results.py``). Each setting's
``tsreprog`` rows become the setting; the ``base`` run also gives ``base, random backbone``
(``tsreprog-random``) and ``MiniRocket``. Per dataset, accuracy is averaged over seeds; settings are
compared on the datasets that all of them finished. "± s" is the standard deviation over seeds
of the suite mean (the seed-to-seed spread of the whole sweep cell).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from tsreprog._io import atomic_write, atomic_write_text
from tsreprog.bench import read_results

HERE = Path(__file__).parent


def read_settings() -> list[tuple[str, str, str]]:
    rows = []
    for line in (HERE / "settings.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, methods, sets = (part.strip() for part in line.split("|"))
            rows.append((name, methods, sets))
    return rows


def load() -> tuple[pd.DataFrame, dict[str, str]]:
    """All finished rows, with ``setting`` replacing ``method``; and each setting's --set."""
    frames, changes = [], {}
    for name, _, sets in read_settings():
        path = HERE / name
        if not path.is_dir():
            continue
        df = read_results(path)
        df = df[df["status"].isin(["", "ok"])].copy()  # read_results gives "" for no status
        rename = {"tsreprog": name}
        if name == "base":
            rename.update({"tsreprog-random": "base, random backbone", "minirocket": "MiniRocket"})
            changes["base, random backbone"] = f"{sets} weights=None"
            changes["MiniRocket"] = "sktime MiniRocket, 10 000 kernels"
        df["setting"] = df["method"].map(rename)
        frames.append(df.dropna(subset=["setting"]))
        changes[name] = sets or "(the defaults)"
    if not frames:
        raise SystemExit("no results yet: run results/study/run.sh first")
    return pd.concat(frames, ignore_index=True), changes


def summary(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(one row per setting, dataset x setting accuracy in %) on the common datasets."""
    per = df.groupby(["dataset", "setting"])["accuracy"].mean().unstack() * 100
    common = per.dropna().index
    per = per.loc[common]
    ranks = per.rank(axis=1, ascending=False).mean()
    sub = df[df["dataset"].isin(common)]
    by_seed = sub.groupby(["setting", "seed"])["accuracy"].mean().unstack() * 100
    fit = sub.groupby(["setting", "dataset"])["fit_seconds"].mean().groupby("setting").mean()
    base = per["base"] if "base" in per else None
    rows = []
    for s in per.columns:
        row = {
            "setting": s,
            "mean": per[s].mean(),
            "seed_std": by_seed.loc[s].std(ddof=1) if by_seed.shape[1] > 1 else np.nan,
            "median": per[s].median(),
            "mean_rank": ranks[s],
            "fit_s": fit[s],
            "seeds": int(sub[sub["setting"] == s]["seed"].nunique()),
        }
        if base is not None:
            d = per[s] - base
            row["wtl"] = f"{(d > 0.005).sum()}/{(d.abs() <= 0.005).sum()}/{(d < -0.005).sum()}"
        rows.append(row)
    table = pd.DataFrame(rows).sort_values("mean", ascending=False).reset_index(drop=True)
    return table, per


def markdown(table: pd.DataFrame, per: pd.DataFrame, changes: dict[str, str]) -> str:
    lines = [
        f"## Study summary ({len(per)} datasets of suites/devsmall.txt finished by every setting)",
        "",
        "| setting | --set | mean acc % | ± s (seeds) | median | mean rank"
        " | W/T/L vs base | fit s / dataset | seeds |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in table.itertuples():
        lines.append(
            f"| {r.setting} | `{changes.get(r.setting, '')}` | {r.mean:.2f} | {r.seed_std:.2f} "
            f"| {r.median:.2f} | {r.mean_rank:.2f} | {getattr(r, 'wtl', '')} | {r.fit_s:.1f} "
            f"| {r.seeds} |"
        )
    lines += ["", "## Per dataset (accuracy %, mean over seeds)", ""]
    cols = list(table["setting"])
    lines.append("| dataset | " + " | ".join(cols) + " |")
    lines.append("|---" * (len(cols) + 1) + "|")
    for ds, row in per[cols].iterrows():
        lines.append(f"| {ds} | " + " | ".join(f"{v:.1f}" for v in row) + " |")
    return "\n".join(lines) + "\n"


def figure(table: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = table.iloc[::-1]
    fig, (ax1, ax2) = plt.subplots(
        1, 2, figsize=(10, 0.32 * len(t) + 1.5), sharey=True, gridspec_kw={"width_ratios": [3, 2]}
    )
    palette = {"MiniRocket": "tab:green", "linear": "tab:orange", "base": "tab:gray"}
    colors = [palette.get(s, "tab:blue") for s in t["setting"]]
    ax1.barh(t["setting"], t["mean"], xerr=t["seed_std"].fillna(0), color=colors, alpha=0.8)
    ax1.set_xlabel("mean test accuracy over the suite (%), error bar: s over seeds")
    ax1.set_xlim(max(0, t["mean"].min() - 10), 100)
    ax1.grid(axis="x", alpha=0.3)
    ax2.barh(t["setting"], t["fit_s"], color=colors, alpha=0.8)
    ax2.set_xscale("log")
    ax2.set_xlabel("mean fit time per dataset (s, log scale)")
    ax2.grid(axis="x", alpha=0.3)
    fig.suptitle(
        "Accuracy study on suites/devsmall.txt, 3 seeds "
        "(orange: new default, grey: old default, green: MiniRocket)"
    )
    fig.tight_layout()
    atomic_write(path, lambda f: fig.savefig(f, format="png", dpi=110))
    plt.close(fig)


def main() -> int:
    df, changes = load()
    table, per = summary(df)
    text = markdown(table, per, changes)
    atomic_write_text(HERE / "table.md", text)
    figure(table, HERE / "study.png")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
