"""``tsreprog bench``: accuracy of reprogramming against MiniRocket and the Voice2Series paper.

One *cell* is one (dataset, method, seed). Each cell loads the official UCR train/test split,
fits on the training split only (ReprogramClassifier selects its epoch on the training loss, or
on a validation split of the training data with ``--set validation_fraction=...``), predicts the
test split once and records the accuracy, every case's prediction and class probabilities, the
fit and predict wall times and the peak memory of the process that ran it. Cells run one by
one, in parallel with joblib (``jobs``), or on an existing dask cluster through joblib's dask
backend (:func:`tsreprog.harness.run_grid`).

Methods
-------
``tsreprog``
    ``ReprogramClassifier()`` with tsreprog's defaults and the shipped backbone weights,
    ``random_state=seed``, plus the ``params`` (``--set``) overrides. (Called ``v2s`` before.)
``tsreprog-random``
    The same with ``weights=None``: a randomly initialised backbone (seeded by the cell's seed),
    the control that shows whether speech pretraining helps. (Called ``v2s-random`` before.)
``v2s-paper``
    ``ReprogramClassifier.v2s_paper()``: the published Voice2Series recipe (zero padding,
    ordered many-to-one map, θ dropout, L2, decaying lr, 100 epochs), selected on a validation
    split of the training data, plus the overrides.
``tsreprog-cv``
    :class:`~tsreprog.ReprogramClassifierCV` around the defaults (plus the overrides): the
    placement ``repeat`` or ``am``, chosen per dataset by 3-fold cross-validation on the
    training data, then refitted; the cell's seed is its ``random_state``.
``minirocket``
    sktime's ``RocketClassifier(rocket_transform="minirocket", random_state=seed)`` (sktime 1.2
    has no separate MiniRocketClassifier); variable-length data goes through
    ``MiniRocketMultivariateVariable`` with the same scaler and ridge classifier. Its fit time
    includes sktime's conversions of the 10,000 feature columns (seconds on small datasets).
``minirocket-ridge``
    The same MiniRocket transform, scaler and ridge on NumPy arrays
    (:class:`tsreprog.baselines.MiniRocketRidge`), equal-length series only: the fit time of the
    algorithm, which ``tsreprog bench-cost`` compares against.
``paper``, ``paper-v2su``, ``paper-tfa``, ``paper-sota``
    Published, not run: the V2Sa, V2Su, TFa and SOTA columns of Voice2Series Table 2, read from
    ``tsreprog/data/v2s_paper.csv`` (seed -1, no timings, no per-case predictions) and written
    to the results folder like any other cell. Source: C.-H. H. Yang, Y.-Y. Tsai and
    P.-Y. Chen, "Voice2Series: Reprogramming Acoustic Models for Time Series Classification",
    ICML 2021, Table 2, revised PDF of 14 January 2022 (github.com/huckiyang/
    Voice2Series-Reprogramming, ``yang21j.pdf`` at commit 4a0eb1a2). The paper selected its
    checkpoints on the test split, so those numbers are optimistic; FordA, FordB, Lightning2 and
    Wafer (``label_artefact``) print 100 for every variant because the original loader turned
    their -1/1 labels into a single class, so :func:`summarize` leaves them out of every
    comparison that involves the paper.

Results
-------
``out`` is a results folder, one file per cell (:mod:`tsreprog.results`, tsml-eval's layout:
``OUT/<method>/Predictions/<dataset>/testResample<seed>.csv``), written atomically when the
cell finishes. Rerunning with the same ``out`` skips the cells whose file exists (resume);
failed cells and missing datasets are recorded apart and tried again. ``params`` holds the
cell's constructor arguments (the ``--set`` overrides on top of the method's own);
``estimator_params`` every constructor parameter, defaults included. A resumed run refuses a
folder whose finished cells differ from the present run in either (for example after an
upgrade that changed a default), naming the parameters that differ.

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

    tsreprog bench --methods tsreprog,minirocket,paper --seeds 3 --out results/bench
    tsreprog bench --data /path/UCRArchive_2018 --suite v2s30 --jobs 2 --plot bench.png
    tsreprog bench --datasets GunPoint --methods tsreprog --set backbone=tiny-test epochs=1
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import warnings
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from tsreprog._optional import require
from tsreprog._params import UsageError, add_set_argument
from tsreprog.harness import (
    Cell,
    Method,
    Registry,
    as_list,
    blank_record,
    check_grid_args,
    fit_and_score,
    now,
    out_folder,
    overrides_json,
    run_cell,
    run_grid,
    split_overrides,
)
from tsreprog.report import accuracy_table, compare, fmt_pct, md_table
from tsreprog.results import COLUMNS, as_frame, load_results

__all__ = [
    "COLUMNS",
    "METHODS",
    "PAPER_METHODS",
    "REGISTRY",
    "add_arguments",
    "artefact_datasets",
    "compare",
    "load_paper_results",
    "main",
    "plot_comparison",
    "read_results",
    "run_bench",
    "summarize",
]

_PAPER_SEED = -1
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


def artefact_datasets() -> set[str]:
    """Datasets whose paper numbers are label artefacts (their -1/1 labels became one class)."""
    paper = load_paper_results()
    return set(paper.loc[paper["label_artefact"], "dataset"])


def _paper_loader(method: str, column: str):
    def load(dataset: str) -> dict:
        """The published record of ``dataset`` (``status="missing"`` when not in Table 2)."""
        paper = load_paper_results().set_index("dataset")
        row = blank_record(dataset, method, _PAPER_SEED, finished_at=now())
        row["params"] = json.dumps(
            {"source": "Voice2Series Table 2, revised Jan 2022", "column": column}
        )
        if dataset not in paper.index:
            row.update(status="missing", error="not in Voice2Series Table 2")
            return row
        rec = paper.loc[dataset]
        row.update(
            status="ok",
            accuracy=float(rec[column]) / 100.0,
            n_train=int(rec["n_train"]),
            length=str(int(rec["length"])),
            max_length=int(rec["length"]),
            n_classes=int(rec["n_classes"]),
            note=rec["note"] or "",
        )
        return row

    return load


# ---------------------------------------------------------------------------------- methods
def _reprogram_kwargs(recipe: dict | None = None, **fixed):
    def kwargs(overrides: dict, variant=None) -> dict:
        return {**(recipe or {}), **overrides, **fixed}

    return kwargs


def _build_reprogram(kwargs: dict, seed: int):
    from tsreprog import ReprogramClassifier

    return ReprogramClassifier(random_state=seed).set_params(**kwargs)


def _build_views(kwargs: dict, seed: int):
    from tsreprog import ReprogramClassifier

    return ReprogramClassifier(placement=("repeat", "am"), random_state=seed).set_params(**kwargs)


def _build_cv(kwargs: dict, seed: int):
    from tsreprog import ReprogramClassifier
    from tsreprog.selection import ReprogramClassifierCV

    return ReprogramClassifierCV(ReprogramClassifier().set_params(**kwargs), random_state=seed)


def _paper_recipe() -> dict:
    from tsreprog import ReprogramClassifier

    params = ReprogramClassifier.v2s_paper().get_params(deep=False)
    params.pop("random_state")
    return params


def _v2s_paper_kwargs(overrides: dict, variant=None) -> dict:
    return {**_paper_recipe(), **overrides}


def _minirocket_kwargs(overrides: dict, variant=None) -> dict:
    return {"rocket_transform": "minirocket", "num_kernels": 10000, **overrides}


def _build_minirocket(kwargs: dict, seed: int, ragged: bool = False):
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


def _build_minirocket_ridge(kwargs: dict, seed: int):
    from tsreprog.baselines import MiniRocketRidge

    return MiniRocketRidge(**kwargs, random_state=seed)


def _minirocket_ridge_kwargs(overrides: dict, variant=None) -> dict:
    return {"num_kernels": 10000, **overrides}


#: The bench methods (see the module docstring).
REGISTRY = Registry("bench", renamed={"v2s": "tsreprog", "v2s-random": "tsreprog-random"})
REGISTRY.register(
    Method(
        "tsreprog",
        "run",
        "ReprogramClassifier() with tsreprog's defaults",
        _reprogram_kwargs(),
        _build_reprogram,
    )
)
REGISTRY.register(
    Method(
        "tsreprog-random",
        "run",
        "the same with a randomly initialised backbone",
        _reprogram_kwargs(weights=None),
        _build_reprogram,
    )
)
REGISTRY.register(
    Method(
        "v2s-paper",
        "run",
        "ReprogramClassifier.v2s_paper(): the published recipe",
        _v2s_paper_kwargs,
        _build_reprogram,
    )
)
REGISTRY.register(
    Method(
        "tsreprog-views",
        "run",
        "ReprogramClassifier(placement=('repeat', 'am')): a soft vote of the tiled and the AM view",
        _reprogram_kwargs(),
        _build_views,
    )
)
REGISTRY.register(
    Method(
        "tsreprog-cv",
        "run",
        "ReprogramClassifierCV(): placement repeat or am, chosen by 3-fold CV on training data",
        _reprogram_kwargs(),
        _build_cv,
    )
)
REGISTRY.register(
    Method(
        "minirocket",
        "run",
        "sktime's MiniRocket (RocketClassifier)",
        _minirocket_kwargs,
        _build_minirocket,
    )
)
REGISTRY.register(
    Method(
        "minirocket-ridge",
        "run",
        "MiniRocket transform + ridge on NumPy arrays (tsreprog.baselines.MiniRocketRidge): "
        "RocketClassifier's result without its frame conversions; equal-length series",
        _minirocket_ridge_kwargs,
        _build_minirocket_ridge,
    )
)
#: Methods read from Voice2Series Table 2 (method name -> column of ``v2s_paper.csv``).
PAPER_METHODS = {"paper": "V2Sa", "paper-v2su": "V2Su", "paper-tfa": "TFa", "paper-sota": "SOTA"}
for _name, _column in PAPER_METHODS.items():
    REGISTRY.register(
        Method(
            _name,
            "published",
            f"Voice2Series Table 2, column {_column} (test-selected)",
            load=_paper_loader(_name, _column),
        )
    )
#: Methods that are fitted and scored.
RUN_METHODS = REGISTRY.names("run")
#: Every accepted method name.
METHODS = REGISTRY.names()
DEFAULT_METHODS = ("tsreprog", "tsreprog-random", "minirocket", "paper")
_REPROGRAM = ("tsreprog", "tsreprog-random", "tsreprog-views", "tsreprog-cv", "v2s-paper")


def method_params(method: str, params: dict | None) -> dict:
    """Constructor arguments of a run method (``random_state`` excluded).

    A ``params`` key ``"minirocket__num_kernels"`` goes to that method only (the CLI's
    ``METHOD__PARAM`` convention); a key without a method prefix goes to the
    ReprogramClassifier methods (``tsreprog``, ``tsreprog-random``, ``v2s-paper``).
    """
    general, by_method = split_overrides(params, RUN_METHODS)
    overrides = {**(general if method in _REPROGRAM else {}), **by_method.get(method, {})}
    return REGISTRY[method].kwargs(overrides, None)


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


# ---------------------------------------------------------------------------------- results I/O
def read_results(path: str | os.PathLike) -> pd.DataFrame:
    """Read results: a results folder (:func:`tsreprog.results.load_results`), or a results
    CSV of an older tsreprog (one row per cell), dropping incomplete lines.

    In a CSV, a last line without its newline (a write that was cut off) and any row whose
    field count differs from the header's are left out with a warning.

    Parameters
    ----------
    path : path
        A folder written by :func:`run_bench` (or ``run_speech_study``), or an old CSV. A
        missing path or an empty file gives an empty frame.

    Returns
    -------
    DataFrame
        With at least the :data:`COLUMNS`; ``seed`` as int.
    """
    path = Path(path)
    if path.is_dir() or not path.exists():
        return load_results(path)
    text = path.read_text(encoding="utf-8")
    if text and not text.endswith("\n"):
        cut = text.rfind("\n") + 1
        warnings.warn(
            f"{path}: dropping an incomplete last line ({text[cut:][:60]!r}...)",
            UserWarning,
            stacklevel=2,
        )
        text = text[:cut]
    records = list(csv.reader(io.StringIO(text)))
    if not records:
        return as_frame([])
    header, body = records[0], records[1:]
    good = [r for r in body if len(r) == len(header)]
    if len(good) != len(body):
        warnings.warn(
            f"{path}: dropping {len(body) - len(good)} malformed row(s)", UserWarning, stacklevel=2
        )
    rows = [{k: (v if v != "" else np.nan) for k, v in zip(header, r)} for r in good]
    df = as_frame(rows)
    for col in _NUMERIC:
        if col in df:
            df[col] = pd.to_numeric(df[col], errors="coerce")
    return df


_NUMERIC = (
    "accuracy",
    "fit_seconds",
    "predict_seconds",
    "peak_rss_mb",
    "rss_start_mb",
    "peak_gpu_mb",
    "n_train",
    "n_test",
    "max_length",
    "n_classes",
    "best_epoch",
    "n_iter",
    "threads",
    "pid",
    "n_trainable_params",
)


# ---------------------------------------------------------------------------------- one cell
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
) -> tuple[dict, object]:
    """Fit and score one cell; returns ``(record, cases)`` and never raises for an error of
    the cell (it becomes ``status="failed"``)."""
    kwargs = method_params(method, params)
    record = blank_record(dataset, method, seed, params=overrides_json(kwargs))

    def work(row: dict):
        from tsreprog.data.ucr import load_dataset

        row["estimator_params"] = REGISTRY[method].estimator_params(kwargs)
        X_train, y_train, X_test, y_test = load_dataset(dataset, data=data)
        lengths = [len(s) for s in X_train] + [len(s) for s in X_test]
        ragged = len(set(lengths)) > 1
        row.update(
            n_train=len(y_train),
            n_test=len(y_test),
            length="var" if ragged else str(lengths[0]),
            max_length=max(lengths),
            n_classes=len(np.unique(y_train)),
        )
        if method == "minirocket":
            est = _build_minirocket(kwargs, seed, ragged)
            X_train, X_test = _to_sktime(X_train), _to_sktime(X_test)
        else:
            est = REGISTRY[method].build(kwargs, seed)
        numbers, cases = fit_and_score(est, X_train, y_train, X_test, y_test)
        row.update(numbers)
        return cases

    return run_cell(record, work, threads)


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
        Seeds ``0 .. seeds-1`` for the run methods (published rows have seed -1).
    out : path or None
        Results folder (:mod:`tsreprog.results`); cells whose file exists are not run again.
    jobs : int
        joblib workers (loky processes); ``1`` runs in this process.
    backend : {"loky", "dask"}
    scheduler : str or None
        Address of a running dask scheduler (``tcp://host:8786``); required for dask.
    plot : path or None
        Write :func:`plot_comparison`'s figure here (PNG).
    params : dict or None
        ReprogramClassifier overrides for ``tsreprog``, ``tsreprog-random`` and ``v2s-paper``
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
    methods = REGISTRY.check(as_list(methods))
    check_grid_args(seeds, backend, scheduler)
    if any(k.rpartition("__")[2] == "random_state" for k in (params or {})):
        raise ValueError("params may not set random_state: each cell uses its seed (--seeds N)")
    from tsreprog._io import check_output_path

    out_path = out_folder(out)
    if plot is not None:  # a run is never thrown away at the end for want of a figure path
        check_output_path(plot, "--plot")
    if data is not None and not Path(data).is_dir():
        raise UsageError(
            f"--data {data}: no such folder; pass the folder that holds one sub-folder per "
            "UCR dataset (e.g. ../shared/ucr)"
        )
    names = _resolve_datasets(data, datasets, suite)
    data = str(data) if data is not None else None
    cells: list[Cell] = []
    for method in methods:
        entry = REGISTRY[method]
        if entry.kind == "published":
            cells += [Cell(entry.load(name)) for name in names]
            continue
        kwargs = method_params(method, params)
        wanted = overrides_json(kwargs)
        full = entry.estimator_params(kwargs)
        for name in names:
            available = _dataset_available(name, data)
            for seed in range(int(seeds)):
                rec = blank_record(name, method, seed, params=wanted, estimator_params=full)
                if available:
                    cells.append(Cell(rec, (name, method, seed, data, params, threads)))
                    continue
                where = "sktime's bundled datasets" if data is None else f"{data}"
                rec.update(
                    status="missing",
                    finished_at=now(),
                    error=f"dataset {name!r} not found in {where}" + _suggest(name, data),
                )
                cells.append(Cell(rec))
    order = {name: i for i, name in enumerate(names)}
    cells.sort(key=lambda c: order[c.record["dataset"]])  # dataset-major, as before
    df = run_grid(
        cells,
        lambda *task: _run_cell(*task),
        out=out_path,
        jobs=jobs,
        backend=backend,
        scheduler=scheduler,
        verbose=verbose,
        desc="bench",
    )
    if plot is not None:
        plot_comparison(df, plot)
    return df


# ---------------------------------------------------------------------------------- summary
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
        md_table(
            ["method", "datasets finished", "mean acc %", "median acc %", "mean rank"],
            [
                [
                    m,
                    int(res["finished"][m]),
                    fmt_pct(res["mean"][m]),
                    fmt_pct(res["median"][m]),
                    f"{res['rank'][m]:.2f}",
                ]
                for m in methods
            ],
        )
    )
    if len(methods) > 1:
        parts += ["", "Wins/ties/losses of the row method against the column method:", ""]
        parts.append(
            md_table(
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
    table = accuracy_table(df)
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
        rows = [[d] + [fmt_pct(table.loc[d, m]) for m in methods] for d in table.index]
        parts += ["### Per dataset", "", md_table(["dataset", *methods], rows), ""]
        if ours and (len(ours) > 1 or not papers):
            parts += [_section("Methods run here", table[ours]), ""]
        if papers:
            artefacts = sorted(artefact_datasets() & set(table.index))
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
def plot_comparison(df: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write a PNG with one accuracy scatter per pair of methods (a point per dataset; above
    the diagonal the y-axis method is better), and, with 3 or more methods finishing 2 or more
    common datasets, their critical-difference diagram beside it (``<stem>_cd<suffix>``,
    :func:`tsreprog.report.plot_critical_difference`).

    Pairs and ranks that involve published rows leave out the ``label_artefact`` datasets.

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
    require("matplotlib", "bench --plot")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from tsreprog.report import plot_critical_difference

    table = accuracy_table(df)
    methods = list(table.columns)
    artefacts = artefact_datasets()
    pairs = [(a, b) for i, a in enumerate(methods) for b in methods[i + 1 :]]
    ncols = min(3, max(1, len(pairs)))
    nrows = max(1, math.ceil(len(pairs) / ncols))
    fig = Figure(figsize=(4.2 * ncols, 4.0 * nrows))
    FigureCanvasAgg(fig)
    for idx, (a, b) in enumerate(pairs):
        sub = fig.add_subplot(nrows, ncols, idx + 1)
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
        sub = fig.add_subplot(1, 1, 1)
        if methods:
            sub.barh(list(table.index), 100 * table[methods[0]].values)
            sub.set_xlabel(f"{methods[0]} accuracy %")
        else:
            sub.text(0.5, 0.5, "no finished cells", ha="center", va="center")
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    ranked = table
    if any(m in PAPER_METHODS for m in methods):
        ranked = table.drop(index=sorted(artefacts & set(table.index)))
    if ranked.dropna().shape[0] >= 2 and len(methods) >= 3:
        plot_critical_difference(ranked, path.with_name(f"{path.stem}_cd{path.suffix}"))
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
    parser.add_argument(
        "--out", default=None, help="results folder (one file per cell); rerunning resumes it"
    )
    parser.add_argument("--jobs", type=int, default=1, help="parallel cells (joblib)")
    parser.add_argument("--backend", choices=("loky", "dask"), default="loky")
    parser.add_argument("--scheduler", default=None, help="dask scheduler address")
    parser.add_argument("--plot", default=None, help="write a comparison figure (PNG)")
    add_set_argument(
        parser,
        help="ReprogramClassifier parameters for tsreprog, tsreprog-random and v2s-paper "
        "(minirocket__PARAM=VALUE reaches MiniRocket only)",
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
