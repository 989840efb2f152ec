"""Selection study: the placement chosen per dataset by 3-fold CV on the training data
(``tsreprog-cv``) against each fixed view and their soft vote (``results/accuracy_v2``).

Usage, after the ``tsreprog bench`` run of ``README.md`` here::

    python results/selection/evaluate.py          # devsmall: prints the tables, writes table.md
    python results/selection/evaluate.py dev16    # dev16, seed 0: writes table_dev16.md
    python results/selection/evaluate.py dev16-seeds  # dev16, 3 seeds: table_dev16_3seeds.md
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd

from tsreprog.report import win_tie_loss
from tsreprog.results import cell_path, load_results, read_cell

HERE = Path(__file__).parent
V2 = HERE.parent / "accuracy_v2"


def _cell(out, method, dataset, seed):
    path = cell_path(out, method, dataset, seed)
    return read_cell(path) if path.is_file() else (None, None)


def _choice(rec: dict, none: str) -> str:
    """The placement a ``tsreprog-cv`` cell chose (its record's ``best_params``)."""
    return json.loads(rec.get("best_params") or "{}").get("placement", none)


def _per_dataset(per: pd.DataFrame, choices, label: str) -> list[str]:
    """Markdown rows: one per dataset, its accuracies (%) and CV's choice(s)."""
    lines = [
        "| dataset | " + " | ".join(per.columns) + f" | {label} |",
        "|---|" + "---|" * (len(per.columns) + 1),
    ]
    for name, row in per.iterrows():
        vals = " | ".join(f"{100 * v:.1f}" for v in row)
        lines.append(f"| {name} | {vals} | {choices[name]} |")
    return lines


def _emit(lines: list[str], name: str) -> None:
    text = "\n".join(lines) + "\n"
    print(text, end="")
    (HERE / name).write_text(text)


def main() -> None:
    rows = []
    sel = load_results(HERE / "devsmall")
    sel = sel[sel.status == "ok"]
    for _, r in sel.iterrows():
        d, s = r.dataset, int(r.seed)
        rec, cv = _cell(HERE / "devsmall", "tsreprog-cv", d, s)
        rec_rep, rep = _cell(V2 / "repeat", "tsreprog", d, s)
        rec_am, am = _cell(V2 / "am", "tsreprog", d, s)
        if rep is None or am is None:
            continue
        y = np.asarray(rep.y_true).astype(str)
        classes = np.asarray(rep.classes).astype(str)
        vote = classes[np.argmax(rep.proba + am.proba, axis=1)]

        def acc(c, y=y):
            return float(np.mean(np.asarray(c.y_pred).astype(str) == y))

        choice = _choice(rec, "(none: no CV)")
        rows.append(
            {
                "dataset": d,
                "seed": s,
                "repeat": acc(rep),
                "am": acc(am),
                "repeat+am (soft vote)": float(np.mean(vote == y)),
                "tsreprog-cv": acc(cv),
                "choice": choice,
                "fit_cv": rec["fit_seconds"],
                "fit_vote": rec_rep["fit_seconds"] + rec_am["fit_seconds"],
                "fit_repeat": rec_rep["fit_seconds"],
            }
        )
    df = pd.DataFrame(rows)
    methods = ["repeat", "am", "repeat+am (soft vote)", "tsreprog-cv"]
    per = df.groupby("dataset")[methods].mean()
    per["oracle: better of repeat/am on the test split (not a method)"] = per[["repeat", "am"]].max(
        axis=1
    )
    by_seed = df.groupby("seed")[methods].mean()
    lines = [
        f"{per.shape[0]} datasets x {df.seed.nunique()} seeds ({len(df)} cells); test accuracy %",
        "",
        "| method | mean % | per-seed means | W/T/L vs repeat (dataset means) |",
        "|---|---|---|---|",
    ]
    for col in per.columns:
        w, t, loss = win_tie_loss(per[col], per["repeat"])
        seeds = ", ".join(f"{100 * v:.2f}" for v in by_seed[col]) if col in by_seed else "-"
        lines.append(f"| {col} | {100 * per[col].mean():.2f} | {seeds} | {w}/{t}/{loss} |")
    picks = df.choice.value_counts()
    better = df.apply(
        lambda r: (
            "tie" if r["repeat"] == r["am"] else ("repeat" if r["repeat"] > r["am"] else "am")
        ),
        axis=1,
    )
    agree = int(((df.choice == better) | (better == "tie")).sum())
    lines += [
        "",
        "CV's choices over the cells: "
        + ", ".join(f"{k} {v}" for k, v in picks.items())
        + f"; the choice was the view that scored better on the test split (or the two tied) "
        f"in {agree} of {len(df)} cells.",
        "",
        "Mean fit seconds per cell (one torch thread; measured in different runs on a shared "
        f"machine, so roughly): repeat {df.fit_repeat.mean():.1f}, soft vote (both views) "
        f"{df.fit_vote.mean():.1f}, tsreprog-cv {df.fit_cv.mean():.1f}.",
        "",
        "Per dataset (mean over seeds, %; CV's choices per seed):",
        "",
    ]
    choices = df.groupby("dataset").choice.apply(lambda c: ", ".join(c))
    _emit(lines + _per_dataset(per, choices, "choices"), "table.md")


def dev16() -> None:
    """Seed 0 on ``suites/dev16.txt``: CV against tiling under the same defaults
    (``../early_stop/dev16_floor0.01``), the soft vote (``../accuracy_v2/dev16_views``, made
    before ``loss_floor`` became the default) and MiniRocket (``../dev16``)."""
    runs = {
        "repeat (loss_floor=0.01)": (HERE.parent / "early_stop" / "dev16_floor0.01", "tsreprog"),
        "tsreprog-cv": (HERE / "dev16", "tsreprog-cv"),
        "soft vote repeat+am (no loss_floor)": (V2 / "dev16_views", "tsreprog-views"),
        "MiniRocket": (HERE.parent / "dev16", "minirocket"),
    }
    cols, fits = {}, {}
    for name, (out, method) in runs.items():
        df = load_results(out)
        df = df[(df.method == method) & (df.seed == 0) & (df.status == "ok")]
        cols[name] = df.set_index("dataset").accuracy
        fits[name] = df.fit_seconds.mean()
    per = pd.DataFrame(cols).dropna()
    choices = {}
    for d in per.index:
        rec, _ = _cell(HERE / "dev16", "tsreprog-cv", d, 0)
        choices[d] = _choice(rec, "(none)")
    base = "repeat (loss_floor=0.01)"
    lines = [
        f"dev16, seed 0, {len(per)} datasets; test accuracy %",
        "",
        "| method | mean % | W/T/L vs repeat | mean fit s (runs on different days) |",
        "|---|---|---|---|",
    ]
    for col in per.columns:
        w, t, loss = win_tie_loss(per[col], per[base])
        lines.append(f"| {col} | {100 * per[col].mean():.2f} | {w}/{t}/{loss} | {fits[col]:.1f} |")
    lines += [
        "",
        "CV's choices: "
        + ", ".join(f"{k} {v}" for k, v in pd.Series(choices).value_counts().items()),
        "",
    ]
    _emit(lines + _per_dataset(per, choices, "choice"), "table_dev16.md")


def dev16_seeds() -> None:
    """3 seeds on ``suites/dev16.txt``: CV and tiling fitted in one run (``dev16/``), the soft
    vote of ``../accuracy_v2/dev16_views`` (previous defaults) beside them."""
    df = load_results(HERE / "dev16")
    df = df[df.status == "ok"]
    vote = load_results(V2 / "dev16_views")
    vote = vote[vote.status == "ok"]
    acc = df.pivot_table(index=["dataset", "seed"], columns="method", values="accuracy")
    acc["soft vote (previous defaults)"] = vote.set_index(["dataset", "seed"]).accuracy
    acc = acc.dropna()
    per = acc.groupby("dataset").mean()
    by_seed = acc.groupby("seed").mean()
    fit = df.groupby("method").fit_seconds.mean()
    lines = [
        f"dev16, {per.shape[0]} datasets x {acc.index.get_level_values('seed').nunique()} "
        "seeds; test accuracy %",
        "",
        "| method | mean % | per-seed means | W/T/L vs tsreprog (dataset means) | mean fit s |",
        "|---|---|---|---|---|",
    ]
    for col in per.columns:
        w, t, loss = win_tie_loss(per[col], per["tsreprog"])
        seeds = ", ".join(f"{100 * v:.2f}" for v in by_seed[col])
        secs = f"{fit[col]:.1f}" if col in fit else "(other run)"
        lines.append(f"| {col} | {100 * per[col].mean():.2f} | {seeds} | {w}/{t}/{loss} | {secs} |")
    _emit(lines, "table_dev16_3seeds.md")


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["dev16"]:
        dev16()
    elif sys.argv[1:] == ["dev16-seeds"]:
        dev16_seeds()
    else:
        main()
