"""Tables of results/early_stop/README.md from the result folders.

    python results/early_stop/table.py

Folders: the committed baseline (``results/accuracy_v2/repeat``, method ``tsreprog``), today's
rule rerun here (``baseline``) and each candidate folder under ``results/early_stop``. Every
folder holds ``tsreprog`` cells of ``suites/devsmall.txt`` x seeds 0-2.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tsreprog.report import accuracy_table, fmt_pct, md_table, ok_rows, outcomes, win_tie_loss
from tsreprog.results import load_results

HERE = Path(__file__).resolve().parent
RUNS = {
    "baseline (committed, accuracy_v2)": HERE.parent / "accuracy_v2" / "repeat",
    "baseline (rerun)": HERE / "baseline",
}
RUNS.update({f"candidate {p.name}": p for p in sorted(HERE.glob("floor*")) if p.is_dir()})
#: the check on suites/dev16.txt (seed 0): today's rule, then the new default
DEV16 = {"today's rule": HERE / "dev16_baseline", "loss_floor=0.01": HERE / "dev16_floor0.01"}
REFERENCE = "baseline (rerun)"


def load(path: Path):
    df = ok_rows(load_results(path))
    df = df[df["method"] == "tsreprog"].copy()
    df["n_iter"] = df["n_iter"].astype(float)
    df["fit_seconds"] = df["fit_seconds"].astype(float)
    return df.set_index(["dataset", "seed"]).sort_index()


def main() -> None:
    runs = {name: load(path) for name, path in RUNS.items() if path.is_dir()}
    ref = runs[REFERENCE]
    committed = runs["baseline (committed, accuracy_v2)"]
    rows = []
    for name, df in runs.items():
        seed_means = df.groupby("seed")["accuracy"].mean()
        common = ref.index.intersection(df.index)
        cells = win_tie_loss(df.loc[common, "accuracy"], ref.loc[common, "accuracy"])
        c_common = committed.index.intersection(df.index)
        cells_c = win_tie_loss(df.loc[c_common, "accuracy"], committed.loc[c_common, "accuracy"])
        per_ds = df.groupby("dataset")["accuracy"].mean()
        ref_ds = ref.loc[common].groupby("dataset")["accuracy"].mean()
        ds = win_tie_loss(per_ds.loc[ref_ds.index], ref_ds)
        rows.append(
            [
                name,
                len(df),
                fmt_pct(df["accuracy"].mean()),
                " / ".join(fmt_pct(v) for v in seed_means),
                f"{100 * (seed_means.max() - seed_means.min()):.2f}",
                "/".join(map(str, cells)),
                "/".join(map(str, ds)),
                "/".join(map(str, cells_c)),
                f"{df['n_iter'].mean():.1f}",
                f"{df['fit_seconds'].sum():.0f}",
                f"{df['fit_seconds'].mean():.2f}",
            ]
        )
    print(
        md_table(
            [
                "run",
                "cells",
                "mean acc %",
                "seed 0 / 1 / 2 mean %",
                "seed spread (max-min) pts",
                "W/T/L vs rerun baseline, cells",
                "W/T/L vs rerun baseline, dataset means",
                "W/T/L vs committed baseline, cells",
                "mean epochs (n_iter)",
                "total fit s",
                "mean fit s",
            ],
            rows,
        )
    )
    same = np.round(ref["accuracy"], 6).eq(np.round(committed.loc[ref.index, "accuracy"], 6))
    print(
        f"\nrerun baseline vs committed baseline: {int(same.sum())} of {len(same)} cells "
        "with the same accuracy; mean n_iter "
        f"{ref['n_iter'].mean():.1f} vs {committed.loc[ref.index, 'n_iter'].mean():.1f}"
    )
    print()
    tables = {
        name: accuracy_table(df.reset_index(), "method")["tsreprog"] for name, df in runs.items()
    }
    epochs = {name: df.groupby("dataset")["n_iter"].mean() for name, df in runs.items()}
    names = list(runs)
    body = []
    for d in tables[REFERENCE].index:
        line = [d]
        for n in names:
            line += [fmt_pct(tables[n].get(d, np.nan)), f"{epochs[n].get(d, np.nan):.1f}"]
        body.append(line)
    head = ["dataset"] + [f"{h} {n}" for n in names for h in ("acc %", "epochs")]
    print(md_table(head, body))
    ref_seeds = ref.groupby("seed")["accuracy"].mean()
    print(f"\nrerun baseline: std of the 3 seed means {100 * ref_seeds.std(ddof=1):.2f} pts")
    for n in names:
        if n.startswith("candidate"):
            o = outcomes(tables[n].loc[tables[REFERENCE].index], tables[REFERENCE])
            print(f"\n{n}: per-dataset outcome vs rerun baseline {o.tolist()}")
            diff = runs[n].groupby("seed")["accuracy"].mean() - ref_seeds
            print(
                f"{n}: seed-mean difference vs rerun baseline (seeds 0, 1, 2) "
                + ", ".join(f"{100 * v:+.2f}" for v in diff)
                + f" pts; mean {100 * diff.mean():+.2f}; fit time "
                f"{100 * (runs[n]['fit_seconds'].sum() / ref['fit_seconds'].sum() - 1):+.0f} %"
            )

    dev16()


def dev16() -> None:
    if not all(p.is_dir() for p in DEV16.values()):
        return
    (a, b) = (load(p).xs(0, level="seed") for p in DEV16.values())
    b = b.loc[a.index]
    body = [
        [
            d,
            int(a.loc[d, "n_train"]),
            fmt_pct(a.loc[d, "accuracy"]),
            fmt_pct(b.loc[d, "accuracy"]),
            int(a.loc[d, "n_iter"]),
            int(b.loc[d, "n_iter"]),
            f"{a.loc[d, 'fit_seconds']:.1f}",
            f"{b.loc[d, 'fit_seconds']:.1f}",
        ]
        for d in a.index
    ]
    body.append(
        [
            "**mean / total**",
            "",
            fmt_pct(a["accuracy"].mean()),
            fmt_pct(b["accuracy"].mean()),
            f"{a['n_iter'].mean():.1f}",
            f"{b['n_iter'].mean():.1f}",
            f"{a['fit_seconds'].sum():.0f}",
            f"{b['fit_seconds'].sum():.0f}",
        ]
    )
    print("\ndev16, seed 0:\n")
    head = ["dataset", "n_train", "acc % today", "acc % floor", "epochs today"]
    head += ["epochs floor", "fit s today", "fit s floor"]
    print(md_table(head, body))
    wtl = win_tie_loss(b["accuracy"], a["accuracy"])
    print(f"\ndev16 seed 0, loss_floor=0.01 vs today's rule: W/T/L {'/'.join(map(str, wtl))}")


if __name__ == "__main__":
    main()
