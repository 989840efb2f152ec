"""Migrate the committed results files to format ``tsreprog results v2``, once.

    python results/migrate_v2.py            # migrate every v1 file under results/
    python results/migrate_v2.py --check    # only count what would change (no writing)

(with this checkout's tsreprog importable, e.g. ``PYTHONPATH=.`` from the repository root).

Format v1 wrote the true and predicted *labels* in the first two fields of each case line;
v2 writes their *class indices* (positions in line 2's ``classes``), as tsml-eval does, so
that tsml-eval's loader pairs index ``j`` with probability column ``j`` (see
``tsreprog.results``). Each file is rewritten as text: line 1's last field becomes
``tsreprog results v2`` and each case line's two labels become indices; line 2, line 3 and
the probability fields are kept character for character. Files already in v2 are left alone.

The script checks, for every file, that ``read_cell`` gives the same record and the same
cases before and after, and, for every results folder, that ``load_results`` gives the same
frame; it stops at the first difference. Each file is replaced atomically.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from tsreprog._io import atomic_write_text
from tsreprog.results import FORMAT, load_results, read_cell

HERE = Path(__file__).parent
V1 = "tsreprog results v1"
V2 = "tsreprog results v2"


def migrated(text: str) -> str:
    """The v2 text of a v1 results file (lines 2 and 3 and the probabilities unchanged)."""
    head, meta_line, line3, *body = text.split("\n")
    assert head.endswith("," + V1), head
    classes = [str(c) for c in json.loads(meta_line).get("classes") or []]
    index = {c: j for j, c in enumerate(classes)}
    assert len(index) == len(classes), classes
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    buf.write(head[: -len(V1)] + FORMAT + "\n" + meta_line + "\n" + line3 + "\n")
    rows = [r for r in csv.reader(io.StringIO("\n".join(body))) if r]
    for row in rows:
        true, pred, blank, *proba = row
        assert blank == "" and len(proba) == len(classes), row
        writer.writerow([index[true], index[pred], "", *proba])
    return buf.getvalue()


def same_record(a: dict, b: dict) -> bool:
    if a.keys() != b.keys():
        return False
    for k in a:
        x, y = a[k], b[k]
        if isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y):
            continue
        if x != y:
            return False
    return True


def same_cases(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return (
        a.classes == b.classes
        and np.array_equal(a.y_true, b.y_true)
        and np.array_equal(a.y_pred, b.y_pred)
        and np.array_equal(a.proba, b.proba)
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=HERE)
    parser.add_argument("--check", action="store_true", help="count only; write nothing")
    args = parser.parse_args(argv)
    if FORMAT != V2:
        import tsreprog

        parser.error(f"{tsreprog.__file__} writes {FORMAT!r}, not {V2!r}: import a newer tsreprog")

    paths = sorted(args.root.glob("**/Predictions/*/testResample*.csv"))
    folders = sorted({p.parents[3] for p in paths})
    frames = {f: load_results(f) for f in folders}
    n_v1 = n_v2 = n_with_cases = n_case_lines = 0
    for path in paths:
        text = path.read_text(encoding="utf-8")
        first = text.split("\n", 1)[0]
        if first.endswith("," + FORMAT):
            n_v2 += 1
            continue
        before = read_cell(path)
        new = migrated(text)
        n_v1 += 1
        if before[1] is not None:
            n_with_cases += 1
            n_case_lines += len(before[1].y_true)
        if args.check:
            continue
        atomic_write_text(path, new)
        after = read_cell(path)
        assert path.read_text(encoding="utf-8") == new, path
        assert same_record(before[0], after[0]), path
        assert same_cases(before[1], after[1]), path
    print(
        f"{len(paths)} results files in {len(folders)} results folders: {n_v1} in v1 "
        f"({n_with_cases} with case lines, {n_case_lines} case lines), {n_v2} already in v2"
    )
    if args.check:
        print("--check: nothing written")
        return 0
    print(f"migrated {n_v1}; read_cell gives the same record and cases for {n_v1}/{n_v1}")
    for folder in folders:
        pd.testing.assert_frame_equal(frames[folder], load_results(folder))
    print(f"load_results unchanged for {len(folders)}/{len(folders)} results folders")
    return 0


if __name__ == "__main__":
    sys.exit(main())
