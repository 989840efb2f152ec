"""Read tsreprog's results files with tsml-eval and aeon, beside the Bake Off Redux numbers.

Run from the repository root with a Python that has tsml-eval (0.6.0 brings aeon 1.1); tsreprog
itself is not imported, so what reads the files is other people's code::

    python results/aeon/read_with_tsml_eval.py

1. Every ``tsreprog``, ``tsreprog-random`` and ``minirocket`` cell of the V2S table
   (``--results``) goes through ``tsml_eval.evaluation.storage.load_classifier_results``.
   Those cells were converted from a results CSV that held no per-case predictions (line 2
   says ``"n_cases": 0``), which tsml-eval's loader cannot take (it needs one case line at
   least); the reason is printed and their accuracy read from line 3 (the first field).
2. Every cell that has per-case predictions (``--with-cases``: the committed folders of
   ``results/accuracy_v2``) goes through the same loader, which itself checks that its
   accuracy from the case lines equals line 3's and that each probability row sums to 1; the
   accuracy is recomputed here too from tsml-eval's ``class_labels`` and ``predictions``,
   and those are checked to be class indices 0..k-1 that pair with the probability columns
   (each prediction the index of its row's largest probability), tsml-eval's convention.
3. The published split-0 accuracies (``--reference``, read at run time, not copied) and the
   V2S table's, on the 25 clean V2S datasets, give a table of means and average ranks and
   aeon's critical difference diagram (``--out``).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from importlib.metadata import version
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from aeon.visualisation import plot_critical_difference  # noqa: E402
from tsml_eval.evaluation.storage import load_classifier_results  # noqa: E402

#: excluded from the V2S comparison, as in results/v2s_table_linear.md (label artefacts)
EXCLUDED = ("FordA", "FordB", "Lightning2")
METHODS = ("tsreprog", "tsreprog-random", "minirocket")
PUBLISHED = ("HC2", "MR-Hydra", "MiniROCKET", "InceptionTime", "1NN-DTW")
WITH_CASES = ("repeat", "am", "dev16_views")


def cells(folder: Path, method: str) -> list[Path]:
    return sorted((folder / method / "Predictions").glob("*/testResample*.csv"))


def line3_accuracy(path: Path) -> tuple[str, str, int, float]:
    """(dataset, estimator, resample, accuracy) from lines 1 and 3 of a tsml results file."""
    with open(path, newline="", encoding="utf-8") as f:
        first = next(csv.reader([f.readline()]))
        f.readline()
        accuracy = float(f.readline().split(",")[0])
    return first[0], first[1], int(first[3]), accuracy


def read_v2s(folder: Path) -> pd.DataFrame:
    rows, refusals = [], {}
    for method in METHODS:
        for path in cells(folder, method):
            try:
                cr = load_classifier_results(str(path))
                acc = float(np.mean(cr.class_labels == cr.predictions))
                how = "tsml-eval"
            except Exception as e:  # noqa: BLE001 - the reason is what is reported
                meta = json.loads(path.read_text(encoding="utf-8").split("\n")[1])
                why = f"{type(e).__name__}: {e}"
                if not meta.get("n_cases"):
                    why += " (no case lines: n_cases 0, converted from a CSV)"
                refusals[why] = refusals.get(why, 0) + 1
                acc, how = line3_accuracy(path)[3], "line 3"
            dataset, estimator, seed, _ = line3_accuracy(path)
            assert (dataset, estimator) == (path.parts[-2], method), path
            rows.append(dict(method=method, dataset=dataset, seed=seed, accuracy=acc, how=how))
    df = pd.DataFrame(rows)
    print(f"## 1. V2S table cells ({folder})\n")
    for method, g in df.groupby("method", sort=False):
        n_ok = int((g["how"] == "tsml-eval").sum())
        print(
            f"- {method}: {len(g)} cells on {g['dataset'].nunique()} datasets; read by "
            f"load_classifier_results: {n_ok}, refused: {len(g) - n_ok}"
        )
    for why, n in refusals.items():
        print(f"- refused {n} time(s): {why}")
    print()
    return df


def indices_match_columns(path: Path, cr) -> bool:
    """Whether tsml-eval's ``class_labels`` and ``predictions`` are class indices 0..k-1 that
    pair with the probability columns: tsml-eval takes index j to be column j's class.

    tsreprog's format ``tsreprog results v2`` writes the position of each label in line 2's
    ``classes`` (the column order); the predicted index must then be the arg-max column
    (tsreprog predicts the class of highest probability), and ``n_classes`` columns there.
    """
    meta = json.loads(path.read_text(encoding="utf-8").split("\n")[1])
    k = len(meta["classes"])
    labels = np.concatenate([cr.class_labels, cr.predictions])
    return bool(
        cr.probabilities.shape[1] == k
        and np.all(labels == np.round(labels))
        and labels.min() >= 0
        and labels.max() < k
        and np.array_equal(cr.predictions, np.argmax(cr.probabilities, axis=1))
    )


def check_cases(root: Path) -> None:
    print(f"## 2. Cells with per-case predictions ({root})\n")
    for study in WITH_CASES:
        for method_dir in sorted(p for p in (root / study).iterdir() if p.is_dir()):
            paths = cells(root / study, method_dir.name)
            equal, worst, order_ok, datasets = 0, 0.0, 0, set()
            for path in paths:
                cr = load_classifier_results(str(path))  # asserts accuracy == line 3's
                acc = float(np.mean(cr.class_labels == cr.predictions))
                line3 = line3_accuracy(path)[3]
                equal += acc == line3
                worst = max(worst, abs(acc - line3))
                order_ok += indices_match_columns(path, cr)
                datasets.add(cr.dataset_name)
            print(
                f"- {study}/{method_dir.name}: {len(paths)} cells on {len(datasets)} datasets "
                f"read by load_classifier_results (verify_values=True); accuracy from the case "
                f"lines equal to line 3's in {equal}/{len(paths)} (largest difference "
                f"{worst:.1e}); class indices 0..k-1 matching the probability columns in "
                f"{order_ok}/{len(paths)}"
            )
    print()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=Path("results/v2s_table_linear"))
    parser.add_argument("--with-cases", type=Path, default=Path("results/accuracy_v2"))
    parser.add_argument(
        "--reference", type=Path, default=Path("../shared/reference/bakeoff_redux_v2s_dev.csv")
    )
    parser.add_argument("--out", type=Path, default=Path("results/aeon/v2s_cd_aeon.png"))
    args = parser.parse_args(argv)
    print(
        f"tsml-eval {version('tsml-eval')}, aeon {version('aeon')}, numpy {version('numpy')}, "
        f"Python {sys.version.split()[0]}\n"
    )

    df = read_v2s(args.results)
    check_cases(args.with_cases)

    per_seed = df.pivot_table("accuracy", ["dataset", "method"], "seed")
    means = per_seed.mean(axis=1).unstack("method")
    clean = sorted(d for d in means.index if d not in EXCLUDED and means.loc[d].notna().all())
    assert len(clean) == 25, clean
    ref = pd.read_csv(args.reference).set_index("dataset")
    missing = [d for d in clean if d not in ref.index]
    assert not missing, f"not in {args.reference}: {missing}"
    table = pd.DataFrame(
        {
            "tsreprog (3 seeds)": means.loc[clean, "tsreprog"],
            "MiniRocket here (3 seeds)": means.loc[clean, "minirocket"],
            **{f"{c} (published)": ref.loc[clean, f"{c}_split0"] for c in PUBLISHED},
        }
    )
    # the published accuracies have 4 decimals: round ours alike, so that the same number of
    # correct test cases ties
    table = table.astype(float).round(4)
    ranks = table.rank(axis=1, ascending=False, method="average")

    print(f"## 3. The 25 clean V2S datasets (all but {', '.join(EXCLUDED)})\n")
    print(f"Published: `{args.reference.name}`, columns `<Classifier>_split0` (default split).")
    print(
        "tsreprog-random (not drawn): mean "
        f"{100 * means.loc[clean, 'tsreprog-random'].mean():.2f} %.\n"
    )
    print("| classifier | mean accuracy % | average rank | wins (rank 1, ties shared) |")
    print("|---|---|---|---|")
    order = ranks.mean().sort_values().index
    for name in order:
        wins = (ranks[name] == ranks.min(axis=1)).sum()
        print(f"| {name} | {100 * table[name].mean():.2f} | {ranks[name].mean():.2f} | {wins} |")
    print()

    labels = [c.split(" (")[0] for c in table.columns]
    alpha = 0.1  # aeon's default
    fig, _, p_values = plot_critical_difference(
        table.to_numpy(), labels, alpha=alpha, return_p_values=True
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, bbox_inches="tight", dpi=150)
    plt.close(fig)
    # p_values is ordered as aeon orders the diagram: by (average rank, label)
    ordered = [la for _, la in sorted(zip(ranks.mean().to_numpy(), labels))]
    t = ordered.index("tsreprog")
    p_row = {ordered[j]: p_values[min(t, j), max(t, j)] for j in range(len(ordered)) if j != t}
    print(
        f"aeon plot_critical_difference (defaults: one-sided Wilcoxon signed-rank tests, "
        f"'holm' correction, alpha {alpha}) -> {args.out}"
    )
    print(
        f"One-sided Wilcoxon p-values, tsreprog against each (aeon joins a pair in one clique "
        f"when p > alpha / (k - 1) = {alpha / (len(labels) - 1):.4f}): "
        + ", ".join(f"{k} {v:.2g}" for k, v in p_row.items())
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
