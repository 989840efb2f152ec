"""Results files of ``tsreprog bench`` and ``tsreprog speech``: one file per cell.

A *cell* is one (method, dataset, seed). A finished cell is one file in the layout of
tsml-eval (the aeon group's experiment runner)::

    OUT/<method>/Predictions/<dataset>/testResample<seed>.csv

whose lines are

1. ``dataset,method,TEST,seed,SECONDS,tsreprog results v2`` (dataset, estimator, split,
   resample, timing unit, description: the format, :data:`FORMAT`);
2. the estimator's parameters; here one JSON object holding the whole record of the cell
   (:data:`COLUMNS` other than the four numbers of line 3: ``status``, ``params`` (the
   overrides), ``estimator_params`` (every constructor parameter, defaults included),
   versions, threads, device, backbone sha256, ``best_epoch``, ``n_iter``, ...), plus
   ``classes`` (the class labels, as str, in the estimator's ``classes_`` order) and
   ``n_cases`` (the number of case lines that follow; 0 where a file was converted from a
   results CSV that held no predictions, or for published numbers);
3. ``accuracy,fit_time,predict_time,benchmark_time,memory,n_classes,train_estimate_method,
   train_estimate_time,fit_and_estimate_time`` (the nine fields of tsml-eval's
   ``write_classification_results``): times in seconds, memory the peak resident set size in
   bytes, ``-1`` where unknown (files written before ``n_classes`` was added have eight
   fields; :func:`read_cell` reads only the first three, so it reads both);
4. one line per test case: the true class index, the predicted class index, a blank field,
   then one probability per class. Class index ``j`` is position ``j`` in line 2's
   ``classes`` and probability column ``j`` belongs to it: tsml-eval's convention (its
   experiments label-encode ``y`` to 0..k-1), so tsml-eval's loader, which reads the first
   two fields as ints and pairs index ``j`` with column ``j``, computes log loss and AUROC
   against the right columns whatever the labels are (``"10"`` sorting before ``"2"``,
   ``"cat"``). :func:`read_cell` maps the indices back to labels, so :class:`Cases` holds
   labels.

Files of format ``tsreprog results v1`` (before this convention) wrote the labels themselves
in the first two fields of the case lines, columns in the same ``classes`` order;
:func:`read_cell` reads them too (and ``results/migrate_v2.py`` converted the committed ones).

Every metric can therefore be recomputed from the files. A file is written to a temporary name
and renamed into place (:func:`tsreprog._io.atomic_write`), so it exists only once the cell
has finished: **resume = the file exists**. A cell that raised, or whose dataset is missing,
is recorded apart, as ``OUT/<method>/Failed/<dataset>/testResample<seed>.json``, which never
counts as finished and is removed when the cell later finishes.

A resumed run compares a finished cell's recorded ``params`` and ``estimator_params`` with
what it would run now and refuses the folder when they differ (:func:`check_resume`), naming
the parameters, so results made under other estimator defaults are never mixed.
Two processes may share one folder: every write is one atomic rename of one cell's file.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "COLUMNS",
    "FORMAT",
    "FORMATS",
    "Cases",
    "cell_path",
    "check_out_folder",
    "check_resume",
    "failure_path",
    "folder_name",
    "finished_record",
    "load_results",
    "read_cell",
    "vote_accuracy",
    "write_cell",
    "write_failure",
]

#: The description field of line 1 of the files written now (case lines hold class indices).
FORMAT = "tsreprog results v2"
#: Every format :func:`read_cell` reads (v1: case lines hold the labels themselves); a file
#: whose line 1 ends with none of them is not one of ours.
FORMATS = ("tsreprog results v1", FORMAT)
#: Columns of :func:`load_results`, in order (a record may carry more; they are kept).
COLUMNS = [
    "dataset",
    "method",
    "seed",
    "status",
    "accuracy",
    "fit_seconds",
    "predict_seconds",
    "peak_rss_mb",
    "rss_start_mb",
    "peak_rss_source",
    "peak_gpu_mb",
    "n_train",
    "n_test",
    "length",
    "max_length",
    "n_classes",
    "best_epoch",
    "n_iter",
    "params",
    "estimator_params",
    "backbone_sha256",
    "device",
    "threads",
    "tsreprog_version",
    "torch_version",
    "sktime_version",
    "host",
    "pid",
    "finished_at",
    "error",
    "note",
]
_TEXT = ("dataset", "method", "status", "params", "estimator_params", "error", "note")
_LINE3 = ("accuracy", "fit_seconds", "predict_seconds")


class Cases:
    """Per-case test results of one cell: ``y_true``, ``y_pred`` (labels as str) and
    ``proba`` of shape (n_cases, n_classes), columns in the order of ``classes``."""

    def __init__(self, y_true, y_pred, proba, classes):
        self.y_true = np.asarray(y_true).astype(str)
        self.y_pred = np.asarray(y_pred).astype(str)
        self.proba = np.asarray(proba, dtype=np.float64).reshape(len(self.y_true), -1)
        self.classes = [str(c) for c in classes]
        if not (len(self.y_true) == len(self.y_pred) == len(self.proba)):
            raise ValueError(
                f"{len(self.y_true)} true labels, {len(self.y_pred)} predictions and "
                f"{len(self.proba)} probability rows; give one of each per test case"
            )
        if self.proba.shape[1] != len(self.classes):
            raise ValueError(
                f"{self.proba.shape[1]} probability columns for {len(self.classes)} classes"
            )


# ---------------------------------------------------------------------------------- paths
def _safe(part: str, what: str) -> str:
    part = str(part)
    if not part or part in (".", "..") or any(c in part for c in "/\\\0"):
        raise ValueError(f"{what} {part!r} cannot name a results folder (no '/', '\\' or '..')")
    return part


def _path(out, method: str, dataset: str, seed: int, kind: str, suffix: str) -> Path:
    folder = Path(out) / _safe(method, "method") / kind / _safe(dataset, "dataset")
    return folder / f"testResample{int(seed)}{suffix}"


def cell_path(out: str | os.PathLike, method: str, dataset: str, seed: int) -> Path:
    """``out/<method>/Predictions/<dataset>/testResample<seed>.csv``."""
    return _path(out, method, dataset, seed, "Predictions", ".csv")


def failure_path(out: str | os.PathLike, method: str, dataset: str, seed: int) -> Path:
    """``out/<method>/Failed/<dataset>/testResample<seed>.json`` (never a finished cell)."""
    return _path(out, method, dataset, seed, "Failed", ".json")


def check_out_folder(out: str | os.PathLike) -> Path:
    """Refuse, before any work, an ``--out`` that is not (or cannot become) a results folder.

    Raises :class:`~tsreprog._params.UsageError` for an existing file (a results CSV of an
    older tsreprog: convert it with ``results/convert_results.py``) or a file on the way.
    """
    from tsreprog._io import check_output_path
    from tsreprog._params import UsageError

    path = Path(out)
    if path.is_file():
        raise UsageError(
            f"--out {path} is a file and was left untouched; --out is a results folder (one "
            "file per cell): give a folder path. A results CSV of an older tsreprog converts "
            "with results/convert_results.py"
        )
    return check_output_path(path, "--out", folder=True)


# ---------------------------------------------------------------------------------- writing
def folder_name(record: Mapping) -> str:
    """The results folder of a record's method: its ``estimator`` field (a variant of a
    method, such as ``reprogram-similarity``), else its ``method``."""
    return str(record.get("estimator") or record["method"])


def _number(value) -> str:
    """A number for line 3: ``repr`` of the float (exact round trip), ``-1`` when unknown."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return "-1"
    return "-1" if math.isnan(x) else repr(x)


def _count(value) -> int:
    """A whole number for line 3 (``2``, ``2.0`` or ``"2"`` -> 2), ``-1`` when unknown."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return -1
    return -1 if math.isnan(x) else int(x)


def _plain(value):
    """A JSON-able version of a record value (NaN and NA -> None, numpy scalars -> Python)."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _meta(record: Mapping) -> dict:
    return {k: _plain(v) for k, v in record.items() if k not in _LINE3}


def _indices(cases: Cases) -> tuple[list[int], list[int]]:
    """The true and predicted class indices of ``cases``: positions in ``cases.classes``."""
    index = {c: j for j, c in enumerate(cases.classes)}
    if len(index) != len(cases.classes):
        raise ValueError(f"classes {cases.classes} repeat a label (as str); give each once")
    out = []
    for what, labels in (("true", cases.y_true), ("predicted", cases.y_pred)):
        unknown = sorted(set(labels.tolist()) - index.keys())
        if unknown:
            raise ValueError(
                f"{what} label(s) {unknown} not among the classes {cases.classes}: a case "
                "line holds a class index, so every label must be one of the classes"
            )
        out.append([index[c] for c in labels])
    return out[0], out[1]


def write_cell(out: str | os.PathLike, record: Mapping, cases: Cases | None = None) -> Path:
    """Write one finished cell (``record["status"] == "ok"``) atomically; return its path.

    ``record`` needs ``dataset``, ``method`` and ``seed``; ``cases`` (or ``None``: no per-case
    lines, as for published numbers) gives the predictions and probabilities. A failure
    record of the same cell is removed.
    """
    from tsreprog._io import atomic_write_text

    if record.get("status") != "ok":
        raise ValueError(
            f"status {record.get('status')!r}: only a finished cell (status 'ok') is written "
            "as a results file; use write_failure for the others"
        )
    path = cell_path(out, folder_name(record), record["dataset"], record["seed"])
    meta = _meta(record)
    meta["classes"] = cases.classes if cases is not None else meta.get("classes")
    meta["n_cases"] = 0 if cases is None else len(cases.y_true)
    rss = _plain(record.get("peak_rss_mb"))
    memory = -1 if rss is None else int(round(float(rss) * 2**20))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    head = [record["dataset"], folder_name(record), "TEST", int(record["seed"]), "SECONDS", FORMAT]
    writer.writerow(head)
    buf.write(json.dumps(meta, sort_keys=True) + "\n")
    n_classes = len(cases.classes) if cases is not None else _count(record.get("n_classes"))
    line3 = [_number(record.get(k)) for k in _LINE3]
    line3 += ["-1", str(memory), str(n_classes), "", "-1", "-1"]
    buf.write(",".join(line3) + "\n")
    if cases is not None:
        true, pred = _indices(cases)
        for t, p, row in zip(true, pred, cases.proba):
            writer.writerow([t, p, "", *(repr(float(v)) for v in row)])
    atomic_write_text(path, buf.getvalue())
    failure_path(out, folder_name(record), record["dataset"], record["seed"]).unlink(
        missing_ok=True
    )
    return path


def write_failure(out: str | os.PathLike, record: Mapping) -> Path:
    """Record a cell that did not finish (``failed`` or ``missing``), apart from the results."""
    from tsreprog._io import atomic_write_text

    if record.get("status") == "ok":
        raise ValueError("a finished cell is written with write_cell, not write_failure")
    path = failure_path(out, folder_name(record), record["dataset"], record["seed"])
    rec = {k: _plain(v) for k, v in record.items()}
    atomic_write_text(path, json.dumps(rec, sort_keys=True) + "\n")
    return path


# ---------------------------------------------------------------------------------- reading
def read_cell(path: str | os.PathLike, cases: bool = True) -> tuple[dict, Cases | None]:
    """Read one results file: ``(record, cases)``; ``cases`` is ``None`` for a file without
    per-case lines (or when ``cases=False``).

    Raises
    ------
    ValueError
        If the file is not a tsreprog results file, or holds fewer case lines than it says.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    version = next((f for f in FORMATS if lines[0].endswith("," + f)), None)
    if len(lines) < 4 or version is None:
        raise ValueError(
            f"{path} is not a tsreprog results file (its first line does not end with "
            f"{' or '.join(map(repr, FORMATS))}); move it out of the results folder"
        )
    first = next(csv.reader([lines[0]]))
    try:
        meta = json.loads(lines[1])
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: line 2 is not the JSON record of the cell ({e})") from None
    record = dict(meta)
    record.update(dataset=first[0], method=record.get("method", first[1]), seed=int(first[3]))
    numbers = lines[2].split(",")
    for key, value in zip(_LINE3, numbers):
        x = float(value)
        record[key] = np.nan if x == -1 else x
    n_cases = int(meta.get("n_cases") or 0)
    body = [r for r in csv.reader(io.StringIO("\n".join(lines[3:]))) if r]
    if len(body) != n_cases:
        raise ValueError(f"{path}: {len(body)} case line(s), but the header says {n_cases}")
    if not cases or n_cases == 0:
        return record, None
    proba = np.array([[float(v) for v in r[3:]] for r in body])
    classes = meta["classes"]
    true, pred = [r[0] for r in body], [r[1] for r in body]
    if version != "tsreprog results v1":  # class indices -> labels
        true, pred = _labels(path, true, classes), _labels(path, pred, classes)
    return record, Cases(true, pred, proba, classes)


def vote_accuracy(paths) -> float | None:
    """Test accuracy of the soft vote of finished cells ``paths`` (one dataset and seed each,
    the same test cases): their per-case probabilities summed, the arg-max class against the
    true labels. ``None`` when a cell is missing, so that a vote is computed from complete
    members only (e.g. ensembles formed afterwards from separately fitted members)."""
    paths = [Path(p) for p in paths]
    if not all(p.is_file() for p in paths):
        return None
    cells = [read_cell(p)[1] for p in paths]
    classes = np.asarray(cells[0].classes).astype(str)
    y = np.asarray(cells[0].y_true).astype(str)
    proba = sum(c.proba for c in cells)
    return float(np.mean(classes[np.argmax(proba, 1)] == y))


def _labels(path: Path, indices: list[str], classes: list) -> list[str]:
    """Class indices of case lines (``"0"`` .. ``"k-1"``) -> the labels of ``classes``."""
    labels = [str(c) for c in classes]
    out = []
    for i in indices:
        if not (i.isascii() and i.isdigit() and int(i) < len(labels)):
            raise ValueError(
                f"{path}: case line field {i!r} is not a class index 0..{len(labels) - 1}"
            )
        out.append(labels[int(i)])
    return out


def _cell_files(out: Path, sub: str, suffix: str) -> Iterable[Path]:
    if not out.is_dir():
        return []
    return sorted(out.glob(f"*/{sub}/*/testResample*{suffix}"))


def finished_record(out: str | os.PathLike, method: str, dataset: str, seed: int) -> dict | None:
    """The record of a finished cell, or ``None`` when its file does not exist."""
    path = cell_path(out, method, dataset, seed)
    return read_cell(path, cases=False)[0] if path.is_file() else None


def load_results(out: str | os.PathLike, failures: bool = True) -> pd.DataFrame:
    """One row per cell of the results folder ``out`` (finished cells, then the failures).

    Parameters
    ----------
    out : path
        A results folder; a missing one gives an empty frame.
    failures : bool
        Include the ``failed`` and ``missing`` records of cells that have not finished.

    Returns
    -------
    DataFrame
        With at least :data:`COLUMNS`; ``seed`` as int, text columns without NaN, and
        ``n_cases`` (0 where the file has no per-case predictions). A file that is not ours,
        or is damaged, is skipped with a warning.
    """
    out = Path(out)
    rows, done = [], set()
    for path in _cell_files(out, "Predictions", ".csv"):
        try:
            rec = read_cell(path, cases=False)[0]
        except (ValueError, OSError, IndexError) as e:
            warnings.warn(f"skipping {path}: {e}", UserWarning, stacklevel=2)
            continue
        rows.append(rec)
        done.add((path.parts[-4], path.parts[-2], path.name))
    if failures:
        for path in _cell_files(out, "Failed", ".json"):
            if (path.parts[-4], path.parts[-2], path.stem + ".csv") in done:
                continue
            try:
                rows.append(json.loads(path.read_text(encoding="utf-8")))
            except (ValueError, OSError) as e:
                warnings.warn(f"skipping {path}: {e}", UserWarning, stacklevel=2)
    return as_frame(rows)


def as_frame(rows: list[dict], columns: list[str] = COLUMNS) -> pd.DataFrame:
    """Records -> DataFrame with at least ``columns`` (more are kept), ``seed`` as int."""
    df = pd.DataFrame(rows)
    extra = [c for c in df.columns if c not in columns]
    df = df.reindex(columns=[*columns, *extra])
    df["seed"] = pd.to_numeric(df["seed"], errors="coerce").astype("Int64")
    df = df[df["seed"].notna()].copy()
    df["seed"] = df["seed"].astype(int)
    for col in _TEXT:
        if col in df:
            df[col] = df[col].fillna("").astype(str)
    if "length" in df:
        df["length"] = df["length"].map(_length_text)
    return df.reset_index(drop=True)


def _length_text(value) -> str | float:
    """``150``, ``150.0`` or ``"150"`` -> ``"150"``; ``"var"`` stays; missing -> NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return np.nan
    try:
        return str(int(float(value)))
    except (TypeError, ValueError):
        return str(value)


# ---------------------------------------------------------------------------------- resume
def check_resume(out: str | os.PathLike, key: tuple, prev: Mapping, wanted: str, full: str) -> None:
    """Refuse to keep the finished cell ``prev`` for a run asking for overrides ``wanted`` and
    full estimator parameters ``full`` (both JSON) when its recorded ones differ.

    Raises :class:`~tsreprog._params.UsageError` naming the differing parameters. A cell
    converted from a results CSV made before ``estimator_params`` was recorded has ``""``
    there and is compared on its overrides only.
    """
    from tsreprog._params import UsageError, resume_conflict

    prev = {k: ("" if v is None else v) for k, v in prev.items()}
    why = resume_conflict(out, key, prev, wanted, full)
    if why:
        raise UsageError(why)
