"""Convert the results CSVs of older tsreprog versions (one row per cell) into results folders
(one file per cell, tsml-eval's layout; see ``tsreprog.results``), once.

    python results/convert_results.py            # convert every CSV listed in CONVERSIONS
    python results/convert_results.py --check    # only compare the summaries (no writing)

Each ``results/NAME.csv`` becomes ``results/NAME/``. The old files hold no per-case
predictions: the converted cells say so (``n_cases`` 0, ``converted_from`` names the CSV);
none are invented. The bench methods ``v2s`` and ``v2s-random`` are renamed ``tsreprog`` and
``tsreprog-random``, and the parameter names of older estimators (``n_repeats``, ``n_map``,
``map_assignment``, ``carrier_hz``, ``mod_depth``, ``resample_length``) become today's
(``placement__n_repeats``, ...), in ``params`` and ``estimator_params``. Failed and missing
rows become failure records, not finished cells.

Afterwards the script prints, for every file, whether the summary made from the converted
folder (rows put back in the CSV's order, methods named as in the CSV) is the same text as the
one made from the CSV, and how many of that summary's table lines stand in the committed
Markdown report.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from tsreprog import bench, speech
from tsreprog.results import load_results, write_cell, write_failure

HERE = Path(__file__).parent
#: CSV -> (kind, committed Markdown report made from it or None)
CONVERSIONS = {
    "dev16.csv": ("bench", "dev16.md"),
    "dev16_linear.csv": ("bench", None),
    "v2s_table.csv": ("bench", "v2s_table.md"),
    "v2s_table_linear.csv": ("bench", "v2s_table_linear.md"),
    "speech.csv": ("speech", "speech.md"),
    "speech_lt.csv": ("speech", "speech_lt.md"),
    **{
        f"study/{p.name}": ("bench", None)
        for p in sorted((HERE / "study").glob("*.csv"))
        if p.name != "settings.csv"
    },
}
RENAMED_METHODS = {"v2s": "tsreprog", "v2s-random": "tsreprog-random"}
RENAMED_PARAMS = {
    "n_repeats": "placement__n_repeats",
    "n_map": "mapping__n_map",
    "map_assignment": "mapping__assignment",
    "carrier_hz": "placement__carrier_hz",
    "mod_depth": "placement__depth",
    "resample_length": "placement__length",
}


def _rename_params(text) -> str:
    if not isinstance(text, str) or not text.startswith("{"):
        return "" if not isinstance(text, str) else text
    params = json.loads(text)
    return json.dumps({RENAMED_PARAMS.get(k, k): v for k, v in params.items()}, sort_keys=True)


def _read_old(path: Path, kind: str) -> pd.DataFrame:
    df = bench.read_results(path) if kind == "bench" else _read_old_speech(path)
    df["status"] = df["status"].replace("", "ok")
    return df


def _read_old_speech(path: Path) -> pd.DataFrame:
    df = pd.read_csv(path, dtype={"params": str, "estimator_params": str, "error": str})
    for col in ("params", "estimator_params", "error", "status", "device"):
        if col not in df:
            df[col] = ""
        df[col] = df[col].fillna("").astype(str)
    return df


def convert(csv: Path, kind: str, out: Path) -> int:
    """Write the cells of ``csv`` into the results folder ``out``; return their number."""
    df = _read_old(csv, kind)
    source = csv.relative_to(HERE.parent).as_posix()
    n = 0
    for rec in df.to_dict("records"):
        rec = {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in rec.items()}
        if kind == "bench":
            rec["method"] = RENAMED_METHODS.get(rec["method"], rec["method"])
        else:
            rec["estimator"] = speech._folder(rec["method"], rec["mapping"])
        rec["params"] = _rename_params(rec.get("params"))
        rec["estimator_params"] = _rename_params(rec.get("estimator_params"))
        rec["converted_from"] = source
        if rec["status"] == "ok":
            write_cell(out, rec, None)  # the CSV held no per-case predictions
        else:
            write_failure(out, rec)
        n += 1
    return n


def _in_old_order(new: pd.DataFrame, old: pd.DataFrame, kind: str) -> pd.DataFrame:
    """``new`` with the CSV's method names and its row order (the summaries follow it)."""
    new = new.copy()
    if kind == "bench":
        back = {v: k for k, v in RENAMED_METHODS.items()}
        new["method"] = new["method"].map(lambda m: back.get(m, m))
        key = ["dataset", "method", "seed"]
    else:
        key = ["dataset", "method", "mapping", "seed"]
    pos = {tuple(r): i for i, r in enumerate(old[key].itertuples(index=False))}
    new["_pos"] = [pos.get(tuple(r), len(pos)) for r in new[key].itertuples(index=False)]
    return new.sort_values("_pos", kind="stable").drop(columns="_pos").reset_index(drop=True)


def _summary(df: pd.DataFrame, kind: str) -> str:
    return bench.summarize(df) if kind == "bench" else speech.summarize_speech_study(df)


def check(csv: Path, kind: str, out: Path, report: str | None) -> bool:
    old = _read_old(csv, kind)
    new = load_results(out)
    if kind == "speech":
        new = speech.read_study(out)
    same_cells = len(old) == len(new)
    a, b = _summary(old, kind), _summary(_in_old_order(new, old, kind), kind)
    line = (
        f"{csv.relative_to(HERE)}: {len(old)} rows -> {len(new)} cells; summary identical: {a == b}"
    )
    if report is not None:
        md = (HERE / report).read_text(encoding="utf-8")
        table = [ln for ln in b.splitlines() if ln.startswith("| ") and "---" not in ln]
        found = sum(ln in md for ln in table)
        line += f"; table lines in {report}: {found}/{len(table)}"
    print(line)
    return same_cells and a == b


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare only, write nothing")
    args = parser.parse_args(argv)
    ok = True
    for name, (kind, report) in CONVERSIONS.items():
        csv = HERE / name
        out = csv.with_suffix("")
        if not args.check:
            if out.exists():
                shutil.rmtree(out)
            convert(csv, kind, out)
        ok &= check(csv, kind, out, report)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
