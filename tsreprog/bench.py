"""``tsreprog bench``: accuracy of reprogramming against MiniRocket and the Voice2Series paper.

One *cell* is one (dataset, method, seed). Each cell loads the official UCR train/test split,
fits on the training split only (ReprogramClassifier selects its epoch on the training loss, or
on a validation split of the training data with ``--set validation_fraction=...``), predicts the
test split once and records the accuracy, the fit and predict wall times and the peak memory of
the process that ran it. Cells run one by one, in parallel with joblib (``jobs``), or on an
existing dask cluster through joblib's dask backend.

Methods
-------
``v2s``
    ``ReprogramClassifier()`` with its defaults and the shipped backbone weights,
    ``random_state=seed``, plus the ``params`` (``--set``) overrides.
``v2s-random``
    The same with ``weights=None``: a randomly initialised backbone (seeded by the cell's seed),
    the control that shows whether speech pretraining helps.
``minirocket``
    sktime's ``RocketClassifier(rocket_transform="minirocket", random_state=seed)`` (sktime 1.2
    has no separate MiniRocketClassifier); variable-length data goes through
    ``MiniRocketMultivariateVariable`` with the same scaler and ridge classifier.
``paper``, ``paper-v2su``, ``paper-tfa``, ``paper-sota``
    Not run: the V2Sa, V2Su, TFa and SOTA columns of Voice2Series Table 2, read from
    ``tsreprog/data/v2s_paper.csv`` (seed -1, no timings). Source: C.-H. H. Yang, Y.-Y. Tsai and
    P.-Y. Chen, "Voice2Series: Reprogramming Acoustic Models for Time Series Classification",
    ICML 2021, Table 2, revised PDF of 14 January 2022 (github.com/huckiyang/
    Voice2Series-Reprogramming, ``yang21j.pdf`` at commit 4a0eb1a2). The paper selected its
    checkpoints on the test split, so those numbers are optimistic; FordA, FordB, Lightning2 and
    Wafer (``label_artefact``) print 100 for every variant because the original loader turned
    their -1/1 labels into a single class, so :func:`summarize` leaves them out of every
    comparison that involves the paper.

Results file
------------
One CSV row per cell (:data:`COLUMNS`). The file is rewritten whole to a temporary name and
renamed into place after every finished cell (under an advisory lock where ``fcntl`` exists),
so a killed run leaves either the previous or the next complete file. Rerunning with the same
``out`` skips cells whose row says ``status == "ok"`` (resume); ``failed`` and ``missing`` rows
are tried again. A half-written last line (a file cut off by something else) is dropped with a
warning and repaired on the next write.

``params`` holds the ``--set`` overrides; ``estimator_params`` holds every constructor parameter
of the estimator the cell built, defaults included. A resumed run refuses a file whose finished
rows differ from the current run in either (for example after an upgrade that changed a
default), naming the parameters that differ, so one file never mixes two settings. Files written
before ``estimator_params`` existed have it empty, and only ``params`` is compared for them.

Peak memory
-----------
``peak_rss_mb`` is the peak resident set size of the process that ran the cell, from the cell's
start to its end; it includes what that process already held (interpreter, torch, sktime),
given separately as ``rss_start_mb``. On Linux the kernel's high-water mark (``VmHWM``) is reset
at the start of every cell (``/proc/self/clear_refs``), so the value belongs to the cell even in
a reused joblib or dask worker (``peak_rss_source = "vmhwm"``). Elsewhere it falls back to
``getrusage`` ``ru_maxrss``, the peak over the whole life of the process
(``peak_rss_source = "ru_maxrss"``), an upper bound. With CUDA, ``peak_gpu_mb`` is torch's
peak allocated GPU memory during the cell (``torch.cuda.max_memory_allocated``); else empty.

Examples
--------
::

    tsreprog bench --methods v2s,minirocket,paper --seeds 3 --out results/bench.csv
    tsreprog bench --data /path/UCRArchive_2018 --suite v2s30 --jobs 2 --plot bench.png
    tsreprog bench --datasets GunPoint --methods v2s --set backbone=tiny-test epochs=1
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import platform
import sys
import time
import warnings
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from tsreprog._io import locked_folder
from tsreprog._params import (
    UsageError,
    add_set_argument,
    json_value,
    params_json,
    resume_conflict,
)
from tsreprog._report import DECIMALS, win_tie_loss

__all__ = [
    "COLUMNS",
    "METHODS",
    "PAPER_METHODS",
    "add_arguments",
    "compare",
    "load_paper_results",
    "main",
    "plot_comparison",
    "read_results",
    "run_bench",
    "summarize",
]

#: Methods that are fitted and scored.
RUN_METHODS = ("v2s", "v2s-random", "minirocket")
#: Methods read from Voice2Series Table 2 (method name -> column of ``v2s_paper.csv``).
PAPER_METHODS = {"paper": "V2Sa", "paper-v2su": "V2Su", "paper-tfa": "TFa", "paper-sota": "SOTA"}
#: Every accepted method name.
METHODS = (*RUN_METHODS, *PAPER_METHODS)
DEFAULT_METHODS = ("v2s", "v2s-random", "minirocket", "paper")

#: Columns of the results CSV, in order (a file may hold more; they are kept).
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
_KEY = ["dataset", "method", "seed"]
_INT_COLUMNS = [
    "seed",
    "n_train",
    "n_test",
    "max_length",
    "n_classes",
    "best_epoch",
    "n_iter",
    "threads",
    "pid",
]
_PAPER_SEED = -1
# accuracies are compared at 0.01 percentage points, the precision the paper prints: 145/150
# (96.667%) ties the paper's 96.67 instead of beating it by a rounding error
_ARTEFACT_REASON = (
    "their labels are -1/1 and the July-2021 Voice2Series loader mapped every label to one "
    "class, so the paper's 100% for V2Sa, V2Su and TFa is not a real result "
    "(see tsreprog/data/v2s_paper.csv)"
)


# ---------------------------------------------------------------------------------- paper table
def load_paper_results() -> pd.DataFrame:
    """Voice2Series Table 2 (revised January 2022) as a DataFrame, one row per dataset.

    Returns
    -------
    DataFrame
        Columns ``dataset`` (UCR 2018 name), ``paper_name``, ``type``, ``length``, ``n_train``,
        ``n_classes``, ``SOTA``, ``V2Sa``, ``V2Su``, ``TFa`` (test accuracy in percent, as
        printed), ``label_artefact`` (bool) and ``note``.
    """
    text = resources.files("tsreprog.data").joinpath("v2s_paper.csv").read_text()
    df = pd.read_csv(io.StringIO(text), comment="#")
    df["label_artefact"] = df["label_artefact"].astype(bool)
    df["note"] = df["note"].fillna("")
    return df


def _artefact_datasets() -> set[str]:
    paper = load_paper_results()
    return set(paper.loc[paper["label_artefact"], "dataset"])


def _paper_rows(datasets: Sequence[str], methods: Sequence[str]) -> list[dict]:
    paper = load_paper_results().set_index("dataset")
    now = _now()
    rows = []
    for name in datasets:
        for method in methods:
            column = PAPER_METHODS[method]
            row = _blank_row(name, method, _PAPER_SEED)
            row["params"] = json.dumps(
                {"source": "Voice2Series Table 2, revised Jan 2022", "column": column}
            )
            row["finished_at"] = now
            if name not in paper.index:
                row["status"] = "missing"
                row["error"] = "not in Voice2Series Table 2"
            else:
                rec = paper.loc[name]
                row.update(
                    status="ok",
                    accuracy=float(rec[column]) / 100.0,
                    n_train=int(rec["n_train"]),
                    length=int(rec["length"]),
                    max_length=int(rec["length"]),
                    n_classes=int(rec["n_classes"]),
                    note=rec["note"] or "",
                )
            rows.append(row)
    return rows


# ---------------------------------------------------------------------------------- results I/O
def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _blank_row(dataset: str, method: str, seed: int) -> dict:
    row = dict.fromkeys(COLUMNS, np.nan)
    row.update(
        dataset=dataset, method=method, seed=int(seed), status="", params="", error="", note=""
    )
    return row


def read_results(path: str | os.PathLike) -> pd.DataFrame:
    """Read a results CSV, dropping incomplete lines.

    A last line without its newline (a write that was cut off) and any row whose field count
    differs from the header's are left out with a warning; the next write of the file drops
    them for good.

    Parameters
    ----------
    path : path
        A file written by :func:`run_bench`. A missing or empty file gives an empty frame.

    Returns
    -------
    DataFrame
        With at least the :data:`COLUMNS`; ``seed`` as int.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    if text and not text.endswith("\n"):
        cut = text.rfind("\n") + 1
        warnings.warn(
            f"{path}: dropping an incomplete last line ({text[cut:][:60]!r}...); it is rewritten "
            "without it",
            UserWarning,
            stacklevel=2,
        )
        text = text[:cut]
    records = list(csv.reader(io.StringIO(text)))
    if not records:
        return pd.DataFrame(columns=COLUMNS)
    header, body = records[0], records[1:]
    good = [r for r in body if len(r) == len(header)]
    if len(good) != len(body):
        warnings.warn(
            f"{path}: dropping {len(body) - len(good)} malformed row(s)", UserWarning, stacklevel=2
        )
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(good)
    buf.seek(0)
    df = pd.read_csv(
        buf,
        dtype={
            "dataset": str,
            "method": str,
            "status": str,
            "params": str,
            "estimator_params": str,
        },
    )
    for col in COLUMNS:
        if col not in df.columns:
            df[col] = np.nan
    df["seed"] = pd.to_numeric(df["seed"], errors="coerce")
    df = df[df["seed"].notna() & df["dataset"].notna() & df["method"].notna()].copy()
    df["seed"] = df["seed"].astype(int)
    for col in ("status", "params", "estimator_params", "error", "note"):
        df[col] = df[col].fillna("")
    return df.reset_index(drop=True)


def _merge_rows(old: pd.DataFrame, rows: list[dict]) -> pd.DataFrame:
    new = pd.DataFrame(rows, columns=COLUMNS) if not rows else pd.DataFrame(rows)
    if old.empty:
        merged = new
    else:
        keys_new = set(map(tuple, new[_KEY].itertuples(index=False)))
        keep = [tuple(k) not in keys_new for k in old[_KEY].itertuples(index=False)]
        merged = pd.concat([old[keep], new], ignore_index=True)
    merged = merged.drop_duplicates(subset=_KEY, keep="last")
    cols = COLUMNS + [c for c in merged.columns if c not in COLUMNS]
    merged = merged.reindex(columns=cols)
    for col in _INT_COLUMNS:  # whole numbers stay whole in the file (NaN-able ints)
        merged[col] = pd.to_numeric(merged[col], errors="coerce").round().astype("Int64")
    merged["length"] = merged["length"].map(_length_text)
    return merged


def _length_text(value) -> str | float:
    """``150``, ``150.0`` or ``"150"`` -> ``"150"``; ``"var"`` stays; missing -> NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return np.nan
    try:
        return str(int(float(value)))
    except (TypeError, ValueError):
        return str(value)


def _save_rows(path: Path, rows: list[dict]) -> None:
    """Merge ``rows`` into the CSV at ``path`` (a row replaces the one with its key), atomically."""
    from tsreprog._io import atomic_write_text

    with locked_folder(path), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # read_results already warned when the run started
        merged = _merge_rows(read_results(path), rows)
        atomic_write_text(path, merged.to_csv(index=False, lineterminator="\n"))


# ---------------------------------------------------------------------------------- datasets
def _dataset_available(name: str, data: str | os.PathLike | None) -> bool:
    from tsreprog.data.ucr import SKTIME_DATASETS

    if data is None:
        return name in SKTIME_DATASETS
    folder = Path(data) / name
    return all(
        any((folder / f"{name}_{split}{ext}").is_file() for ext in (".tsv", ".ts", ".txt"))
        for split in ("TRAIN", "TEST")
    )


def _resolve_datasets(
    data: str | os.PathLike | None, datasets: Iterable[str] | str | None, suite: str | None
) -> list[str]:
    from tsreprog.data.ucr import list_datasets, read_suite

    names: list[str] = []
    if suite is not None:
        names += read_suite(data if data is not None else ".", suite)
    if isinstance(datasets, str):
        datasets = [d for d in datasets.split(",")]
    if datasets is not None:
        names += [d.strip() for d in datasets if d.strip()]
    if suite is None and datasets is None:
        names = list_datasets(data)
    return list(dict.fromkeys(names))  # unique, in order


def _suggest(name: str, data: str | os.PathLike | None) -> str:
    """``"; did you mean GunPoint?"`` from the datasets present, or ``""``."""
    from tsreprog.data.ucr import SKTIME_DATASETS, close_names, list_datasets

    try:
        present = SKTIME_DATASETS if data is None else list_datasets(data)
    except OSError:
        return ""
    close = close_names(name, present)
    return f"; did you mean {', '.join(close)}?" if close else ""


def _as_list(value: Iterable[str] | str) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    return [v.strip() for v in value if v.strip()]


# ---------------------------------------------------------------------------------- one cell
def _method_params(method: str, params: dict | None) -> dict:
    """Constructor arguments of a run method (``random_state`` excluded).

    A ``params`` key ``"minirocket.num_kernels"`` goes to that method only; a key without a
    method prefix goes to ``v2s`` and ``v2s-random``.
    """
    params = dict(params or {})
    targeted = {}
    for key in list(params):
        prefix, dot, rest = key.partition(".")
        if dot and prefix in RUN_METHODS:
            if prefix == method:
                targeted[rest] = params[key]
            del params[key]
    if method == "minirocket":
        return {"rocket_transform": "minirocket", "num_kernels": 10000, **targeted}
    out = {**params, **targeted}
    if method == "v2s-random":
        out["weights"] = None
    return out


def _reset_peak_rss() -> str:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # resets VmHWM to the current RSS (Linux >= 4.0)
        return "vmhwm"
    except OSError:
        return "ru_maxrss"


def _proc_status_mb(field: str) -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def _rss_mb(source: str, peak: bool) -> float:
    if source == "vmhwm":
        return _proc_status_mb("VmHWM" if peak else "VmRSS")
    if not peak:
        return float("nan")
    import resource

    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss / (1024.0 * 1024.0) if sys.platform == "darwin" else maxrss / 1024.0


def _estimator_params(method: str, kwargs: dict) -> str:
    """Every constructor parameter of the cell's estimator as JSON (see ``params_json``)."""
    if method == "minirocket":
        from sktime.classification.kernel_based import RocketClassifier

        return params_json(RocketClassifier(**kwargs))
    from tsreprog import ReprogramClassifier

    return params_json(ReprogramClassifier().set_params(**kwargs))


def _build_estimator(method: str, kwargs: dict, seed: int, ragged: bool):
    if method == "minirocket":
        if not ragged:
            from sktime.classification.kernel_based import RocketClassifier

            return RocketClassifier(**kwargs, random_state=seed)
        from sklearn.linear_model import RidgeClassifierCV
        from sklearn.preprocessing import StandardScaler
        from sktime.pipeline import make_pipeline
        from sktime.transformations.rocket import MiniRocketMultivariateVariable

        return make_pipeline(
            MiniRocketMultivariateVariable(
                num_kernels=kwargs.get("num_kernels", 10000),
                max_dilations_per_kernel=kwargs.get("max_dilations_per_kernel", 32),
                pad_value_short_series=0.0,  # series shorter than 9 samples are zero-padded
                random_state=seed,
            ),
            StandardScaler(with_mean=False),
            RidgeClassifierCV(alphas=np.logspace(-3, 3, 10)),
        )
    from tsreprog import ReprogramClassifier

    return ReprogramClassifier(random_state=seed).set_params(**kwargs)


def _to_sktime(X) -> np.ndarray | pd.DataFrame:
    """2-D array -> numpy3D; a list of 1-D arrays -> nested_univ DataFrame."""
    if isinstance(X, np.ndarray):
        return X[:, None, :]
    return pd.DataFrame({"dim_0": [pd.Series(np.asarray(s, dtype=float)) for s in X]})


def _run_cell(
    dataset: str,
    method: str,
    seed: int,
    data: str | os.PathLike | None,
    params: dict | None,
    threads: int | None = None,
) -> dict:
    """Fit and score one cell; never raises (a failure becomes ``status="failed"``)."""
    import torch

    import tsreprog

    if threads:
        torch.set_num_threads(int(threads))
    row = _blank_row(dataset, method, seed)
    kwargs = _method_params(method, params)
    row["params"] = json.dumps(kwargs, sort_keys=True, default=json_value)
    source = _reset_peak_rss()
    row["peak_rss_source"] = source
    row["rss_start_mb"] = _rss_mb(source, peak=False)
    cuda = torch.cuda.is_available()
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    try:
        import sktime

        row.update(
            tsreprog_version=tsreprog.__version__,
            torch_version=torch.__version__,
            sktime_version=sktime.__version__,
            threads=torch.get_num_threads(),
            host=platform.node(),
            pid=os.getpid(),
        )
        row["estimator_params"] = _estimator_params(method, kwargs)
        from tsreprog.data.ucr import load_dataset

        X_train, y_train, X_test, y_test = load_dataset(dataset, data=data)
        lengths = [len(s) for s in X_train] + [len(s) for s in X_test]
        ragged = len(set(lengths)) > 1
        row.update(
            n_train=len(y_train),
            n_test=len(y_test),
            length="var" if ragged else lengths[0],
            max_length=max(lengths),
            n_classes=len(np.unique(y_train)),
        )
        est = _build_estimator(method, kwargs, seed, ragged)
        if method == "minirocket":
            X_train, X_test = _to_sktime(X_train), _to_sktime(X_test)
        t0 = time.perf_counter()
        est.fit(X_train, y_train)
        row["fit_seconds"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        pred = np.asarray(est.predict(X_test))  # the only use of the test split
        row["predict_seconds"] = time.perf_counter() - t0
        row["accuracy"] = float(np.mean(pred.astype(str) == np.asarray(y_test).astype(str)))
        if method in ("v2s", "v2s-random"):
            row.update(
                best_epoch=est.best_epoch_,
                n_iter=est.n_iter_,
                backbone_sha256=est.backbone_sha256_,
                device=str(getattr(est, "_device", "")),
            )
        else:
            row["device"] = "cpu"
        row["status"] = "ok"
    except Exception as e:  # a failed cell is reported, and the run goes on
        row["status"] = "failed"
        row["error"] = f"{type(e).__name__}: {e}".replace("\n", " ")[:500]
    row["peak_rss_mb"] = _rss_mb(source, peak=True)
    if cuda:
        row["peak_gpu_mb"] = torch.cuda.max_memory_allocated() / 2**20
    row["finished_at"] = _now()
    return row


# ---------------------------------------------------------------------------------- the run
def run_bench(
    data: str | os.PathLike | None = None,
    datasets: Iterable[str] | str | None = None,
    suite: str | None = None,
    methods: Iterable[str] | str = DEFAULT_METHODS,
    seeds: int = 1,
    out: str | os.PathLike | None = None,
    jobs: int = 1,
    backend: str = "loky",
    scheduler: str | None = None,
    plot: str | os.PathLike | None = None,
    params: dict | None = None,
    verbose: bool = True,
    threads: int | None = None,
) -> pd.DataFrame:
    """Run (or resume) the benchmark grid and return one row per (dataset, method, seed).

    Parameters
    ----------
    data : path or None
        UCR 2018 folder (``NAME/NAME_TRAIN.tsv``); ``None`` uses the datasets bundled with
        sktime (GunPoint, ArrowHead, ItalyPowerDemand, OSULeaf, ACSF1).
    datasets : list of str, comma-separated str or None
        Dataset names. With neither ``datasets`` nor ``suite``: every dataset in ``data``.
    suite : str or None
        Read names from ``data/suite.txt`` (one per line); added before ``datasets``.
    methods : list of str or comma-separated str
        From :data:`METHODS`.
    seeds : int >= 1
        Seeds ``0 .. seeds-1`` for the run methods (paper rows have seed -1).
    out : path or None
        Results CSV; cells already there with ``status == "ok"`` are not run again.
    jobs : int
        joblib workers (loky processes); ``1`` runs in this process.
    backend : {"loky", "dask"}
    scheduler : str or None
        Address of a running dask scheduler (``tcp://host:8786``); required for dask.
    plot : path or None
        Write :func:`plot_comparison`'s figure here (PNG).
    params : dict or None
        ReprogramClassifier overrides for ``v2s`` and ``v2s-random``
        (``{"backbone": "tiny-test", "epochs": 1}``); ``"minirocket.num_kernels"`` style keys
        reach one method only.
    verbose : bool
        Progress bar (stderr) and a line per failed cell.
    threads : int or None
        ``torch.set_num_threads`` in the process that runs each cell; recorded per row.

    Returns
    -------
    DataFrame
        :data:`COLUMNS`; rows of missing datasets have ``status == "missing"``, cells that
        raised ``status == "failed"`` with the error.

    Raises
    ------
    ValueError
        On an unknown method, ``seeds < 1``, an unknown backend, dask without ``scheduler``,
        ``random_state`` in ``params``, or when ``out`` holds finished cells run with other
        parameters (use another ``out``).
    """
    methods = _as_list(methods)
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise ValueError(f"unknown method(s) {unknown}; choose from {', '.join(METHODS)}")
    if int(seeds) < 1:
        raise ValueError(f"seeds={seeds}; need at least 1 (seeds 0 .. seeds-1 are run)")
    if backend not in ("loky", "dask"):
        raise ValueError(f"backend={backend!r}; use 'loky' or 'dask'")
    if backend == "dask" and not scheduler:
        raise ValueError("backend='dask' needs scheduler='tcp://HOST:PORT' of a running cluster")
    if any(k.rpartition(".")[2] == "random_state" for k in (params or {})):
        raise ValueError("params may not set random_state: each cell uses its seed (--seeds N)")
    from tsreprog._io import check_output_path, check_results_out

    out_path = check_results_out(out, ("dataset", "method", "seed")) if out is not None else None
    if plot is not None:  # a run is never thrown away at the end for want of a figure path
        check_output_path(plot, "--plot")
    if data is not None and not Path(data).is_dir():
        raise UsageError(
            f"--data {data}: no such folder; pass the folder that holds one sub-folder per "
            "UCR dataset (e.g. ../shared/ucr)"
        )
    names = _resolve_datasets(data, datasets, suite)
    run_methods = [m for m in methods if m in RUN_METHODS]
    paper_methods = [m for m in methods if m in PAPER_METHODS]

    existing = read_results(out_path) if out_path is not None else pd.DataFrame(columns=COLUMNS)
    done = {}
    for rec in existing[existing["status"] == "ok"].to_dict("records"):
        done[(rec["dataset"], rec["method"], int(rec["seed"]))] = rec

    rows: dict[tuple, dict] = {}
    todo: list[tuple[str, str, int]] = []
    now = _now()
    for name in names:
        available = _dataset_available(name, data)
        for method in run_methods:
            kwargs = _method_params(method, params)
            wanted = json.dumps(kwargs, sort_keys=True, default=json_value)
            full = _estimator_params(method, kwargs)
            for seed in range(int(seeds)):
                key = (name, method, seed)
                if key in done:
                    prev = done[key]
                    conflict = resume_conflict(out_path, key, prev, wanted, full)
                    if conflict:
                        raise ValueError(conflict)
                    rows[key] = prev
                elif not available:
                    row = _blank_row(name, method, seed)
                    where = "sktime's bundled datasets" if data is None else f"{data}"
                    row.update(
                        status="missing",
                        params=wanted,
                        estimator_params=full,
                        finished_at=now,
                        error=f"dataset {name!r} not found in {where}" + _suggest(name, data),
                    )
                    rows[key] = row
                else:
                    rows[key] = None  # placeholder keeps the grid's order
                    todo.append(key)
    paper = _paper_rows(names, paper_methods)
    for row in paper:
        rows[(row["dataset"], row["method"], row["seed"])] = row
    immediate = [
        r for r in rows.values() if r is not None and r["status"] == "missing" and r["seed"] >= 0
    ] + paper
    if out_path is not None and (immediate or not out_path.exists()):
        _save_rows(out_path, immediate)

    if verbose and done:
        n_skip = sum(1 for k in rows if k in done)
        print(f"resuming {out_path}: {n_skip} cell(s) already finished", file=sys.stderr)
    for key, row in _execute(todo, data, params, jobs, backend, scheduler, verbose, threads):
        rows[key] = row
        if out_path is not None:
            _save_rows(out_path, [row])
        if verbose and row["status"] == "failed":
            print(f"FAILED {key}: {row['error']}", file=sys.stderr)

    df = pd.DataFrame([r for r in rows.values() if r is not None]).reindex(columns=COLUMNS)
    df["seed"] = df["seed"].astype(int)
    if plot is not None:
        plot_comparison(df, plot)
    return df


def _execute(
    todo: list[tuple[str, str, int]],
    data,
    params: dict | None,
    jobs: int,
    backend: str,
    scheduler: str | None,
    verbose: bool,
    threads: int | None,
) -> Iterator[tuple[tuple, dict]]:
    """Yield ``(key, row)`` as cells finish."""
    if not todo:
        return
    from joblib import Parallel, delayed, parallel_config
    from tqdm.auto import tqdm

    data = str(data) if data is not None else None
    tasks = (delayed(_run_cell)(d, m, s, data, params, threads) for d, m, s in todo)
    bar = tqdm(total=len(todo), desc="bench", unit="cell", disable=not verbose, file=sys.stderr)
    client = None
    try:
        if backend == "dask":
            try:
                from distributed import Client
            except ImportError as e:
                raise ImportError(
                    "backend='dask' needs dask.distributed: pip install 'tsreprog[dask]'"
                ) from e
            client = Client(scheduler)
            ctx = parallel_config(backend="dask")
            n_jobs = -1
        else:
            ctx = parallel_config(backend="loky")
            n_jobs = int(jobs)
        with ctx:
            results = Parallel(n_jobs=n_jobs, return_as="generator_unordered", batch_size=1)(tasks)
            for row in results:
                bar.update(1)
                bar.set_postfix_str(f"{row['dataset']}/{row['method']}/{row['seed']}")
                yield (row["dataset"], row["method"], int(row["seed"])), row
    except BaseException:
        # Ctrl-C or an error: stop the loky workers now, so none keeps fitting as an orphan
        if backend == "loky" and int(jobs) != 1:
            from joblib.externals.loky import get_reusable_executor

            get_reusable_executor().shutdown(wait=False, kill_workers=True)
        raise
    finally:
        bar.close()
        if client is not None:
            client.close()


# ---------------------------------------------------------------------------------- summary
def _accuracy_table(df: pd.DataFrame) -> pd.DataFrame:
    """datasets x methods, mean accuracy over seeds of the finished cells."""
    ok = df[df["status"].fillna("ok").replace("", "ok") == "ok"] if "status" in df else df
    ok = ok[ok["accuracy"].notna()]
    order = list(dict.fromkeys(df["method"]))
    rows = list(dict.fromkeys(df["dataset"]))  # the grid's order, not the finishing order
    table = ok.groupby(["dataset", "method"], sort=False)["accuracy"].mean().unstack("method")
    return table.reindex(
        index=[d for d in rows if d in table.index],
        columns=[m for m in order if m in table.columns],
    )


def _fmt_pct(x: float) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.2f}"


def _md_table(headers: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def compare(table: pd.DataFrame) -> dict:
    """Mean/median accuracy, mean rank and wins/ties/losses on the datasets all methods finished.

    Parameters
    ----------
    table : DataFrame of shape (n_datasets, n_methods)
        Accuracy in [0, 1] (mean over seeds), NaN where a method did not finish.

    Returns
    -------
    dict
        ``datasets`` (list), ``mean``, ``median``, ``rank`` (Series by method; rank 1 is best,
        ties share the average rank) and ``wtl`` (dict ``(a, b) -> (wins, ties, losses)`` of
        ``a`` against ``b``). Accuracies are compared rounded to 4 decimals (0.01 percentage
        points, the paper's precision).
    """
    common = table.dropna(how="any")
    rounded = common.round(DECIMALS)
    ranks = rounded.rank(axis=1, ascending=False, method="average")
    wtl = {}
    for a in table.columns:
        for b in table.columns:
            if a != b:
                wtl[(a, b)] = win_tie_loss(common[a], common[b])
    return {
        "datasets": list(common.index),
        "mean": common.mean(),
        "median": common.median(),
        "rank": ranks.mean(),
        "wtl": wtl,
        "finished": table.notna().sum(),
    }


def _section(title: str, table: pd.DataFrame, note: str = "") -> str:
    res = compare(table)
    n = len(res["datasets"])
    parts = [f"### {title}", ""]
    if note:
        parts += [note, ""]
    if n == 0:
        parts.append("No dataset was finished by every method; nothing to compare.")
        return "\n".join(parts)
    parts.append(f"{n} dataset(s) finished by every method: {', '.join(res['datasets'])}.")
    parts.append("")
    methods = list(table.columns)
    parts.append(
        _md_table(
            ["method", "datasets finished", "mean acc %", "median acc %", "mean rank"],
            [
                [
                    m,
                    int(res["finished"][m]),
                    _fmt_pct(res["mean"][m]),
                    _fmt_pct(res["median"][m]),
                    f"{res['rank'][m]:.2f}",
                ]
                for m in methods
            ],
        )
    )
    if len(methods) > 1:
        parts += ["", "Wins/ties/losses of the row method against the column method:", ""]
        parts.append(
            _md_table(
                ["", *methods],
                [
                    [a]
                    + ["·" if a == b else "/".join(map(str, res["wtl"][(a, b)])) for b in methods]
                    for a in methods
                ],
            )
        )
    return "\n".join(parts)


def summarize(df: pd.DataFrame) -> str:
    """Markdown report of a results frame (from :func:`run_bench` or :func:`read_results`).

    Per-dataset accuracy is first averaged over seeds. Methods are compared on the datasets that
    every compared method finished: mean and median accuracy, mean rank (1 = best, ties share
    the average) and wins/ties/losses, at 0.01 percentage points. When the frame holds paper
    rows, the comparison with the paper leaves out the datasets flagged ``label_artefact`` in
    ``v2s_paper.csv`` and says why; when it also holds run methods, those are first compared
    among themselves on all their datasets. Missing datasets and failed cells are listed last.

    Parameters
    ----------
    df : DataFrame
        Columns ``dataset``, ``method``, ``seed``, ``accuracy`` and optionally ``status``
        (rows other than ``"ok"`` are not scored) and ``error``.

    Returns
    -------
    str
    """
    df = df.copy()
    if "status" not in df:
        df["status"] = np.where(df["accuracy"].notna(), "ok", "failed")
    df["status"] = df["status"].fillna("").replace("", "ok")
    if "error" not in df:
        df["error"] = ""
    table = _accuracy_table(df)
    methods = list(table.columns)
    ours = [m for m in methods if m not in PAPER_METHODS]
    papers = [m for m in methods if m in PAPER_METHODS]
    parts = ["## tsreprog bench summary", ""]
    if table.empty:
        parts.append("No finished cells.")
    else:
        seeds = df[df["status"] == "ok"].groupby("method")["seed"].nunique()
        parts.append(
            "Test accuracy in %, the mean over seeds per dataset ("
            + ", ".join(f"{m}: {int(seeds.get(m, 0))} seed(s)" for m in methods)
            + "). Models were selected on training data only; the test split was used once."
        )
        parts.append("")
        rows = [[d] + [_fmt_pct(table.loc[d, m]) for m in methods] for d in table.index]
        parts += ["### Per dataset", "", _md_table(["dataset", *methods], rows), ""]
        if ours and (len(ours) > 1 or not papers):
            parts += [_section("Methods run here", table[ours]), ""]
        if papers:
            artefacts = sorted(_artefact_datasets() & set(table.index))
            note = (
                "Paper rows are Voice2Series Table 2 (revised Jan 2022), whose checkpoints were "
                "selected on the test split, so they are optimistic. Datasets flagged "
                "`label_artefact` are left out of this comparison because "
                + _ARTEFACT_REASON
                + (f": excluded here: {', '.join(artefacts)}." if artefacts else ".")
            )
            parts += [_section("Against the Voice2Series paper", table.drop(index=artefacts), note)]
            notes = load_paper_results().set_index("dataset")["note"]
            shown = [d for d in table.index if d in notes.index and notes[d]]
            if shown:
                parts += ["", "Notes on the paper's rows:", ""]
                parts += [f"- {d}: {notes[d]}" for d in shown]
            parts.append("")
    missing = df[df["status"] == "missing"]
    failed = df[df["status"] == "failed"]
    parts += ["### Missing and failed", ""]
    if missing.empty and failed.empty:
        parts.append("No missing datasets, no failed cells.")
    if not missing.empty:
        parts.append("Missing: " + _missing_text(missing))
    if not failed.empty:
        parts.append(f"Failed cells ({len(failed)}):")
        parts.append("")
        parts += [
            f"- {r.dataset} / {r.method} / seed {r.seed}: {r.error}"
            for r in failed.itertuples(index=False)
        ]
    return "\n".join(parts).rstrip() + "\n"


def _missing_text(missing: pd.DataFrame) -> str:
    items = []
    for (dataset, error), grp in missing.groupby(["dataset", "error"], sort=False):
        items.append(f"{dataset} ({', '.join(dict.fromkeys(grp['method']))}: {error})")
    return "; ".join(items) + "."


# ---------------------------------------------------------------------------------- figure
# Nemenyi two-tailed critical values q_0.05 for k = 2..10 methods (Demšar, JMLR 2006, Table 5)
_Q05 = {2: 1.960, 3: 2.343, 4: 2.569, 5: 2.728, 6: 2.850, 7: 2.949, 8: 3.031, 9: 3.102, 10: 3.164}


def plot_comparison(df: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write a PNG comparing methods: mean ranks with a Nemenyi critical difference, and one
    accuracy scatter per pair of methods (a point per dataset; above the diagonal the y-axis
    method is better).

    Pairs and ranks that involve paper rows leave out the ``label_artefact`` datasets.

    Parameters
    ----------
    df : DataFrame
        Results as for :func:`summarize`.
    path : path
        Output file; the format follows the suffix (PNG recommended).

    Returns
    -------
    Path
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    df = df.copy()
    if "status" not in df:
        df["status"] = "ok"
    df["status"] = df["status"].fillna("").replace("", "ok")
    table = _accuracy_table(df)
    methods = list(table.columns)
    if any(m in PAPER_METHODS for m in methods):
        table_rank = table.drop(index=sorted(_artefact_datasets() & set(table.index)))
    else:
        table_rank = table
    pairs = [(a, b) for i, a in enumerate(methods) for b in methods[i + 1 :]]
    ncols = min(3, max(1, len(pairs)))
    nrows = 1 + math.ceil(len(pairs) / ncols) if pairs else 2
    fig = Figure(figsize=(4.2 * ncols, 1.8 + 4.0 * (nrows - 1)))
    FigureCanvasAgg(fig)
    grid = fig.add_gridspec(nrows, ncols, height_ratios=[0.45] + [1.0] * (nrows - 1))

    ax = fig.add_subplot(grid[0, :])
    res = compare(table_rank) if methods else None
    n = len(res["datasets"]) if res else 0
    if n and methods:
        k = len(methods)
        ranks = res["rank"]
        ax.set_xlim(0.5, k + 0.5)
        ax.set_ylim(-1, 1)
        ax.hlines(0, 1, k, color="0.3")
        for i, m in enumerate(ranks.sort_values().index):
            ax.plot(ranks[m], 0, "o", color=f"C{i}")
            ax.annotate(
                f"{m} ({ranks[m]:.2f})",
                (ranks[m], 0),
                xytext=(0, 10 if i % 2 == 0 else -18),
                textcoords="offset points",
                ha="center",
                fontsize=8,
            )
        title = f"mean rank over {n} dataset(s), 1 = best"
        if k in _Q05:
            cd = _Q05[k] * math.sqrt(k * (k + 1) / (6.0 * n))
            ax.plot([1, 1 + cd], [0.7, 0.7], color="k", lw=2)
            ax.text(1 + cd / 2, 0.78, f"CD={cd:.2f}", ha="center", fontsize=8)
            title += " (Nemenyi CD, α=0.05)"
        ax.set_title(title, fontsize=9)
    else:
        ax.text(0.5, 0.5, "no dataset finished by every method", ha="center", va="center")
    ax.set_yticks([])

    artefacts = _artefact_datasets()
    for idx, (a, b) in enumerate(pairs):
        sub = fig.add_subplot(grid[1 + idx // ncols, idx % ncols])
        pair = table[[a, b]].dropna()
        if a in PAPER_METHODS or b in PAPER_METHODS:
            pair = pair.drop(index=[d for d in pair.index if d in artefacts])
        wtl = compare(pair)["wtl"][(b, a)] if len(pair) else (0, 0, 0)
        sub.scatter(100 * pair[a], 100 * pair[b], s=18, alpha=0.8)
        lo = float(np.nanmin(100 * pair.values)) if len(pair) else 0.0
        lo = max(0.0, math.floor(lo / 10) * 10)
        sub.plot([lo, 100], [lo, 100], color="0.5", lw=1, ls="--")
        sub.set_xlim(lo, 100.5)
        sub.set_ylim(lo, 100.5)
        sub.set_aspect("equal")
        sub.set_xlabel(f"{a} accuracy %")
        sub.set_ylabel(f"{b} accuracy %")
        sub.set_title(f"{b} vs {a}: W/T/L {wtl[0]}/{wtl[1]}/{wtl[2]} (n={len(pair)})", fontsize=9)
    if not pairs:
        sub = fig.add_subplot(grid[1, 0])
        if methods:
            m = methods[0]
            sub.barh(list(table.index), 100 * table[m].values)
            sub.set_xlabel(f"{m} accuracy %")
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    return path


# ---------------------------------------------------------------------------------- CLI
def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the ``bench`` options to ``parser`` (the ``tsreprog bench`` subcommand)."""
    parser.description = "Benchmark reprogramming against MiniRocket and the Voice2Series paper."
    parser.add_argument(
        "--data", default=None, help="UCR 2018 folder (default: sktime's bundled datasets)"
    )
    parser.add_argument("--datasets", default=None, help="comma-separated dataset names")
    parser.add_argument("--suite", default=None, help="read dataset names from DATA/SUITE.txt")
    parser.add_argument(
        "--methods",
        default=",".join(DEFAULT_METHODS),
        help=f"comma-separated, from {','.join(METHODS)} (default: %(default)s)",
    )
    parser.add_argument("--seeds", type=int, default=1, help="run seeds 0..N-1 (default 1)")
    parser.add_argument("--out", default=None, help="results CSV; rerunning resumes it")
    parser.add_argument("--jobs", type=int, default=1, help="parallel cells (joblib)")
    parser.add_argument("--backend", choices=("loky", "dask"), default="loky")
    parser.add_argument("--scheduler", default=None, help="dask scheduler address")
    parser.add_argument("--plot", default=None, help="write a comparison figure (PNG)")
    add_set_argument(
        parser,
        help="ReprogramClassifier parameters for v2s and v2s-random "
        "(minirocket.PARAM=VALUE reaches MiniRocket only)",
    )
    return parser


def main(args: argparse.Namespace | Sequence[str] | None = None) -> int:
    """Run ``tsreprog bench``; print progress to stderr and the Markdown summary to stdout.

    Parameters
    ----------
    args : Namespace, list of str or None
        Parsed options (from the ``tsreprog`` CLI) or an argument list (``None``: sys.argv).

    Returns
    -------
    int
        0, or 1 when a cell failed or a dataset is missing.
    """
    from tsreprog._params import as_namespace, parse_set

    args = as_namespace(args, add_arguments, "tsreprog bench")
    df = run_bench(
        data=args.data,
        datasets=args.datasets,
        suite=args.suite,
        methods=args.methods,
        seeds=args.seeds,
        out=args.out,
        jobs=args.jobs,
        backend=args.backend,
        scheduler=args.scheduler,
        plot=args.plot,
        params=parse_set(args.set, reserved={"random_state": "--seeds"}),
        verbose=True,
        threads=getattr(args, "threads", None),
    )
    if args.out:
        print(f"results: {args.out}")
    if args.plot:
        print(f"figure: {args.plot}")
    print()
    print(summarize(df), end="")
    return 1 if df["status"].isin(["failed", "missing"]).any() else 0


if __name__ == "__main__":
    from tsreprog.cli import main as cli_main

    sys.exit(cli_main(["bench", *sys.argv[1:]]))
