"""Readers for the UCR time-series archive (2018 layout) and sktime's bundled datasets.

``NAME/NAME_TRAIN.tsv`` and ``NAME/NAME_TEST.tsv``: tab-separated, class label in column 0, one
series per row, variable-length series padded with NaN at the end. ``.ts`` files (the sktime /
aeon format) are read with sktime. Labels are returned as the strings written in the file, so
``-1``/``1`` stay two distinct classes (the Voice2Series loader's ``-1 -> 1`` bug cannot happen).
"""

from __future__ import annotations

import difflib
import os
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np

from tsreprog._params import UsageError

__all__ = [
    "SKTIME_DATASETS",
    "close_names",
    "list_datasets",
    "load_dataset",
    "read_suite",
    "read_ucr_file",
]

#: UCR datasets that ship with sktime (no download needed).
SKTIME_DATASETS = ("ACSF1", "ArrowHead", "GunPoint", "ItalyPowerDemand", "OSULeaf")


def _strip_nan_padding(X: np.ndarray) -> np.ndarray | list[np.ndarray]:
    """Equal-length rows stay a 2-D array; NaN-padded rows become a list of 1-D arrays."""
    if not np.isnan(X).any():
        return X
    out = []
    for i, row in enumerate(X):
        finite = np.flatnonzero(~np.isnan(row))
        if len(finite) == 0:
            raise ValueError(f"row {i} holds only NaN")
        body = row[: finite[-1] + 1]
        if np.isnan(body).any():
            raise ValueError(
                f"row {i} has NaN inside the series (not only trailing padding); impute the "
                "missing values first"
            )
        out.append(body)
    return out


def read_ucr_file(path: str | os.PathLike):
    """Read one UCR ``.tsv`` (or ``.ts``) file.

    Returns
    -------
    X : ndarray of shape (n_series, length), or a list of 1-D arrays when the file pads
        variable-length series with trailing NaN
    y : ndarray of shape (n_series,), str
    """
    path = Path(path)
    if path.suffix == ".ts":
        from sktime.datasets import load_from_tsfile

        X, y = load_from_tsfile(str(path), return_data_type="nested_univ")
        if X.shape[1] != 1:
            raise ValueError(
                f"{path} holds {X.shape[1]}-channel series; only univariate is supported"
            )
        series = [np.asarray(s, dtype=np.float64) for s in X.iloc[:, 0]]
        if len({len(s) for s in series}) == 1:
            series = np.vstack(series)
        return series, np.asarray(y).astype(str)
    labels, rows = [], []
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            parts = (
                line.replace(",", "\t").split("\t") if "\t" in line or "," in line else line.split()
            )
            labels.append(parts[0].strip())
            try:
                rows.append(np.array([float(v) for v in parts[1:]], dtype=np.float64))
            except ValueError as e:
                raise ValueError(f"{path}:{lineno}: not a number ({e})") from e
    if not rows:
        raise ValueError(f"{path} holds no series")
    width = max(len(r) for r in rows)
    X = np.full((len(rows), width), np.nan)
    for i, r in enumerate(rows):
        X[i, : len(r)] = r
    return _strip_nan_padding(X), np.array(labels, dtype=str)


def _canonical_number(text: str) -> str:
    """``"1.0"`` -> ``"1"``, ``"2e3"`` -> ``"2000"``; exact, so no two numbers merge."""
    d = Decimal(text.strip())
    if not d.is_finite():
        return str(d)
    if d == 0:
        return "0"
    return format(d.normalize(), "f")


def _canonical_labels(y: np.ndarray) -> np.ndarray:
    """Write numeric labels the same way in every file ("1.0" and "1" are one class).

    Exact decimal arithmetic: distinct numbers never merge (``1234567`` and ``1234568`` stay
    two classes, as do ``20230101`` and ``20230102``).
    """
    try:
        return np.array([_canonical_number(str(v)) for v in y], dtype=str)
    except (InvalidOperation, ValueError):
        return y


def close_names(name: str, choices) -> list[str]:
    """Up to three of ``choices`` close to ``name`` (case-insensitive), best first."""
    by_lower = {c.lower(): c for c in choices}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=3, cutoff=0.6)
    return [by_lower[c] for c in close]


def _did_you_mean(name: str, choices) -> str:
    """`` did you mean 'GunPoint'?`` (case-insensitive close matches), or ``""``."""
    close = close_names(name, choices)
    return " did you mean " + " or ".join(map(repr, close)) + "?" if close else ""


def _not_found_message(name: str, root: Path) -> str:
    if any((root / f"{name}_TRAIN{e}").is_file() for e in (".tsv", ".ts", ".txt")):
        return (
            f"dataset {name!r} not found in {root}: that folder is the dataset itself; pass its "
            f"parent {root.parent} as data= (--data)"
        )
    present = list_datasets(root)
    msg = f"dataset {name!r} not found in {root};"
    hint = _did_you_mean(name, present)
    if hint:
        return msg + hint
    if not present:
        return msg + f" it holds no UCR datasets (expected {root}/NAME/NAME_TRAIN.tsv)"
    shown = ", ".join(present[:10]) + (
        f" and {len(present) - 10} more" if len(present) > 10 else ""
    )
    return msg + f" it holds {shown}"


def load_dataset(name: str, data: str | os.PathLike | None = None):
    """Load the official train/test split of a UCR dataset.

    Parameters
    ----------
    name : str
        Dataset name, e.g. ``"GunPoint"``.
    data : path or None
        UCR folder holding ``name/name_TRAIN.tsv`` (or ``.ts``); ``None`` uses the datasets
        bundled with sktime (:data:`SKTIME_DATASETS`).

    Returns
    -------
    X_train, y_train, X_test, y_test
        X as a 2-D float array (or a list of 1-D arrays for variable-length data), y as str.
    """
    if data is None:
        if name not in SKTIME_DATASETS:
            raise UsageError(
                f"{name!r} does not ship with sktime;{_did_you_mean(name, SKTIME_DATASETS)} "
                f"bundled: {', '.join(sorted(SKTIME_DATASETS))}. Pass data=DIR (--data DIR, a "
                "UCR archive folder) for other datasets."
            )
        from sktime.datasets import load_UCR_UEA_dataset

        out = []
        for split in ("train", "test"):
            X, y = load_UCR_UEA_dataset(name, split=split, return_type="numpy2D")
            out += [np.asarray(X, dtype=np.float64), _canonical_labels(np.asarray(y).astype(str))]
        return tuple(out)
    root = Path(data)
    if not root.is_dir():
        what = "is a file, not a folder" if root.exists() else "does not exist"
        raise UsageError(
            f"UCR data folder {root} {what}; pass data=DIR (--data DIR) naming the folder that "
            f"holds {name}/{name}_TRAIN.tsv"
        )
    folder = root / name
    if not folder.is_dir():
        raise UsageError(_not_found_message(name, root))
    out = []
    for split in ("TRAIN", "TEST"):
        for ext in (".tsv", ".ts", ".txt"):
            path = folder / f"{name}_{split}{ext}"
            if path.is_file():
                X, y = read_ucr_file(path)
                out += [X, _canonical_labels(y)]
                break
        else:
            raise UsageError(f"no {name}_{split}.tsv/.ts/.txt in {folder}")
    return tuple(out)


def list_datasets(data: str | os.PathLike | None = None) -> list[str]:
    """Dataset names available in a UCR folder (or bundled with sktime when ``data`` is None)."""
    if data is None:
        return sorted(SKTIME_DATASETS)
    root = Path(data)
    return sorted(
        d.name
        for d in root.iterdir()
        if d.is_dir() and any((d / f"{d.name}_TRAIN{e}").is_file() for e in (".tsv", ".ts", ".txt"))
    )


def read_suite(data: str | os.PathLike, suite: str) -> list[str]:
    """Dataset names listed in ``data/suite.txt`` (one per line; ``#`` starts a comment)."""
    path = Path(data) / f"{suite}.txt" if not str(suite).endswith(".txt") else Path(suite)
    if not path.is_file() and Path(suite).is_file():
        path = Path(suite)
    if not path.is_file():
        raise FileNotFoundError(f"suite file {path} not found")
    names = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.append(line)
    return names
