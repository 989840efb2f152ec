"""The experiment harness shared by ``tsreprog bench`` and ``tsreprog speech``.

* :class:`Method` and :class:`Registry`: a method is a name, a kind (``"run"``: an estimator
  fitted and scored; ``"published"``: numbers read from a table) and how to get its estimator
  or its numbers. ``bench`` and ``speech`` each fill one registry.
* :func:`run_cell`: fit, ``predict_proba`` on the test split, time both, measure memory and
  turn an exception into a ``failed`` record (``KeyboardInterrupt`` is not caught).
* :class:`Cell` and :func:`run_grid`: the grid of cells, resumed from a results folder
  (:mod:`tsreprog.results`: a cell is done when its file exists; a file made under other
  parameters is refused), run one by one, with joblib processes or on a dask cluster, each
  finished cell written as soon as it finishes.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from tsreprog._params import json_value
from tsreprog.results import (
    COLUMNS,
    Cases,
    as_frame,
    check_resume,
    finished_record,
    folder_name,
    write_cell,
    write_failure,
)

__all__ = [
    "Cell",
    "Method",
    "Registry",
    "now",
    "overrides_json",
    "run_cell",
    "run_grid",
    "split_overrides",
]


def now() -> str:
    """UTC time, to the second, ISO 8601."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def overrides_json(kwargs: Mapping) -> str:
    """The ``params`` field of a record: a cell's constructor arguments as sorted JSON."""
    return json.dumps(dict(kwargs), sort_keys=True, default=json_value)


# ---------------------------------------------------------------------------------- methods
@dataclass(frozen=True)
class Method:
    """One method of a benchmark.

    Parameters
    ----------
    name : str
        Its name on the command line and in the results folder.
    kind : {"run", "published"}
    description : str
        One line for ``--help`` and the docs.
    kwargs : callable ``(overrides: dict, variant) -> dict``, for ``kind="run"``
        The constructor arguments (``random_state`` excluded) from the ``--set`` overrides.
    build : callable ``(kwargs: dict, seed: int) -> estimator``, for ``kind="run"``
    load : callable ``(dataset: str) -> dict``, for ``kind="published"``
        The record of a dataset (``status``, ``accuracy``, ...).
    """

    name: str
    kind: str
    description: str
    kwargs: Callable[[dict, object], dict] | None = None
    build: Callable[[dict, int], object] | None = None
    load: Callable[[str], dict] | None = None

    def __post_init__(self):
        if self.kind not in ("run", "published"):
            raise ValueError(f"Method {self.name!r}: kind {self.kind!r}; use 'run' or 'published'")
        need = ("kwargs", "build") if self.kind == "run" else ("load",)
        lacking = [n for n in need if getattr(self, n) is None]
        if lacking:
            raise ValueError(f"Method {self.name!r} of kind {self.kind!r} needs {lacking}")

    def estimator_params(self, kwargs: dict) -> str:
        """Every constructor parameter of the estimator ``kwargs`` builds, as JSON."""
        from tsreprog._params import params_json

        return params_json(self.build(kwargs, 0))


@dataclass
class Registry:
    """Methods by name, in the order registered; ``renamed`` maps old names to new ones."""

    what: str
    renamed: dict[str, str] = field(default_factory=dict)
    methods: dict[str, Method] = field(default_factory=dict)

    def register(self, method: Method) -> Method:
        if method.name in self.methods:
            raise ValueError(f"{self.what} method {method.name!r} is registered twice")
        self.methods[method.name] = method
        return method

    def names(self, kind: str | None = None) -> tuple[str, ...]:
        return tuple(n for n, m in self.methods.items() if kind is None or m.kind == kind)

    def __getitem__(self, name: str) -> Method:
        return self.methods[name]

    def check(self, names: Iterable[str]) -> list[str]:
        """``names`` as a list, or :class:`~tsreprog._params.UsageError` naming the unknown
        ones (with the new name of a renamed one) and the choices."""
        from tsreprog._params import UsageError

        names = list(names)
        bad = [n for n in names if n not in self.methods]
        if bad or not names:
            hint = "".join(
                f"; {n!r} was renamed {self.renamed[n]!r}" for n in bad if n in self.renamed
            )
            raise UsageError(
                f"unknown method(s) {bad or names} for {self.what}{hint}; choose from "
                + ", ".join(self.methods)
            )
        return names


# ---------------------------------------------------------------------------------- one cell
def _reset_peak_rss() -> str:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # resets VmHWM to the current RSS (Linux >= 4.0)
        return "vmhwm"
    except OSError:
        return "ru_maxrss"


def _proc_status_mb(field_name: str) -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field_name + ":"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def _rss_mb(source: str, peak: bool) -> float:
    if source == "vmhwm":
        return _proc_status_mb("VmHWM" if peak else "VmRSS")
    if not peak:
        return float("nan")
    from tsreprog._io import peak_rss_mb

    return peak_rss_mb()


def _environment() -> dict:
    import torch

    import tsreprog

    try:
        import sktime

        sktime_version = sktime.__version__
    except ImportError:  # pragma: no cover - sktime is a dependency of bench
        sktime_version = ""
    return dict(
        tsreprog_version=tsreprog.__version__,
        torch_version=torch.__version__,
        sktime_version=sktime_version,
        threads=torch.get_num_threads(),
        host=platform.node(),
        pid=os.getpid(),
    )


def _fitted(est) -> dict:
    """What a fitted ReprogramClassifier reports about its fit (nothing for other models)."""
    if hasattr(est, "best_estimator_") and hasattr(est, "best_params_"):  # a selection
        out = _fitted(est.best_estimator_)
        out["best_params"] = json.dumps(est.best_params_, sort_keys=True, default=str)
        return out
    out = {"device": str(getattr(est, "device_", "cpu"))}
    for key, attr in (
        ("best_epoch", "best_epoch_"),
        ("n_iter", "n_iter_"),
        ("backbone_sha256", "backbone_sha256_"),
        ("n_trainable_params", "n_trainable_params_"),
    ):
        if hasattr(est, attr):
            value = getattr(est, attr)
            # an ensemble has one value per member (an array), recorded as a JSON list
            out[key] = value.tolist() if isinstance(value, np.ndarray) else value
    return out


def fit_and_score(est, X_train, y_train, X_test, y_test) -> tuple[dict, Cases]:
    """Fit ``est``, predict the test split once, return ``(numbers, cases)``.

    The prediction is the class of highest ``predict_proba`` (timed as the predict time);
    an estimator without ``predict_proba`` gets its ``predict`` as one-hot probabilities.
    """
    t0 = time.perf_counter()
    est.fit(X_train, y_train)
    fit_s = time.perf_counter() - t0
    classes = np.asarray(est.classes_)
    t0 = time.perf_counter()
    if hasattr(est, "predict_proba"):
        proba = np.asarray(est.predict_proba(X_test), dtype=np.float64)
        pred = classes[np.argmax(proba, axis=1)]
    else:
        pred = np.asarray(est.predict(X_test))
        proba = (pred[:, None].astype(str) == classes[None, :].astype(str)).astype(np.float64)
    pred_s = time.perf_counter() - t0
    y_test = np.asarray(y_test)
    numbers = {
        "accuracy": float(np.mean(pred.astype(str) == y_test.astype(str))),
        "fit_seconds": fit_s,
        "predict_seconds": pred_s,
        **_fitted(est),
    }
    return numbers, Cases(y_test, pred, proba, classes)


def run_cell(
    record: dict, work: Callable[[dict], Cases | None], threads: int | None = None
) -> tuple[dict, Cases | None]:
    """Run one cell: ``work(record)`` fills ``record`` and returns its cases.

    Around it: ``torch.set_num_threads(threads)``, the versions and host, the peak memory of
    the process during the cell (``peak_rss_mb``, ``rss_start_mb``, ``peak_rss_source``: the
    kernel's high-water mark reset at the start of the cell on Linux, ``ru_maxrss`` over the
    process's life elsewhere; ``peak_gpu_mb`` with CUDA), ``finished_at``, and
    ``status = "ok"``, or ``"failed"`` with the error when ``work`` raised an Exception.
    """
    import torch

    if threads:
        torch.set_num_threads(int(threads))
    record = dict(record)
    record.update(_environment())
    source = _reset_peak_rss()
    record["peak_rss_source"] = source
    record["rss_start_mb"] = _rss_mb(source, peak=False)
    cuda = torch.cuda.is_available()
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    cases = None
    try:
        cases = work(record)
        record["status"] = "ok"
    except Exception as e:  # a failed cell is reported, and the run goes on
        record["status"] = "failed"
        record["error"] = f"{type(e).__name__}: {e}".replace("\n", " ")[:500]
        cases = None
    record["peak_rss_mb"] = _rss_mb(source, peak=True)
    if cuda:
        record["peak_gpu_mb"] = torch.cuda.max_memory_allocated() / 2**20
    record["finished_at"] = now()
    return record, cases


# ---------------------------------------------------------------------------------- the grid
@dataclass
class Cell:
    """One cell of a grid: its ``record`` so far (``dataset``, ``method`` (the results
    folder's name), ``seed``, ``params``, ``estimator_params``, ...) and ``task``, the
    arguments of the runner (picklable, for joblib processes); ``task=None`` for a cell whose
    record is already complete (published numbers, a missing dataset)."""

    record: dict
    task: tuple | None = None

    @property
    def key(self) -> tuple:
        r = self.record
        return (folder_name(r), r["dataset"], int(r["seed"]))


def run_grid(
    cells: list[Cell],
    runner: Callable[..., tuple[dict, Cases | None]],
    out: str | os.PathLike | None = None,
    jobs: int = 1,
    backend: str = "loky",
    scheduler: str | None = None,
    verbose: bool = True,
    desc: str = "cells",
    columns: list[str] = COLUMNS,
) -> pd.DataFrame:
    """Run (or resume) ``cells``; return one row per cell, in the order given.

    A cell whose results file exists in ``out`` is kept, unless its recorded parameters
    differ from the cell's (:func:`tsreprog.results.check_resume` raises; checked for every
    cell before any runs). The others run through ``runner(*cell.task)``, and each finished
    cell is written at once (``failed`` or ``missing`` ones apart, never as finished).
    """
    rows: dict[tuple, dict] = {}
    todo: list[Cell] = []
    for cell in cells:
        prev = finished_record(out, *cell.key) if out is not None else None
        if prev is not None:
            check_resume(
                out,
                cell.key,
                prev,
                cell.record.get("params", ""),
                cell.record.get("estimator_params", ""),
            )
            rows[cell.key] = prev
        elif cell.task is None:
            rows[cell.key] = cell.record
            _save(out, cell.record, None)
        else:
            rows[cell.key] = None  # keeps the grid's order
            todo.append(cell)
    if verbose and out is not None and len(rows) > len(todo):
        n = sum(1 for c in cells if rows[c.key] is not None and c.task is not None)
        if n:
            print(f"resuming {out}: {n} cell(s) already finished", file=sys.stderr)
    for cell, (record, cases) in _execute(todo, runner, jobs, backend, scheduler, verbose, desc):
        rows[cell.key] = record
        _save(out, record, cases)
        if verbose and record["status"] != "ok":
            print(f"FAILED {cell.key}: {record['error']}", file=sys.stderr)
    return as_frame([r for r in rows.values() if r is not None], columns)


def _save(out, record: dict, cases: Cases | None) -> None:
    if out is None:
        return
    if record["status"] == "ok":
        write_cell(out, record, cases)
    else:
        write_failure(out, record)


def _execute(
    todo: list[Cell],
    runner: Callable,
    jobs: int,
    backend: str,
    scheduler: str | None,
    verbose: bool,
    desc: str,
) -> Iterator[tuple[Cell, tuple[dict, Cases | None]]]:
    """Yield ``(cell, runner's result)`` as cells finish."""
    if not todo:
        return
    from tqdm.auto import tqdm

    bar = tqdm(total=len(todo), desc=desc, unit="cell", disable=not verbose, file=sys.stderr)
    if int(jobs) == 1 and backend == "loky":  # in this process, so callers may cache data
        try:
            for cell in todo:
                result = runner(*cell.task)
                bar.update(1)
                yield cell, result
        finally:
            bar.close()
        return
    from joblib import Parallel, delayed, parallel_config

    def tagged(i, task):
        return i, runner(*task)

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
            ctx, n_jobs = parallel_config(backend="dask"), -1
        else:
            ctx, n_jobs = parallel_config(backend="loky"), int(jobs)
        tasks = (delayed(tagged)(i, c.task) for i, c in enumerate(todo))
        with ctx:
            for i, result in Parallel(n_jobs=n_jobs, return_as="generator_unordered", batch_size=1)(
                tasks
            ):
                bar.update(1)
                yield todo[i], result
    except BaseException:
        # Ctrl-C or an error: stop the loky workers now, so none keeps fitting as an orphan
        if backend == "loky":
            from joblib.externals.loky import get_reusable_executor

            get_reusable_executor().shutdown(wait=False, kill_workers=True)
        raise
    finally:
        bar.close()
        if client is not None:
            client.close()


def check_grid_args(seeds: int, backend: str, scheduler: str | None) -> None:
    """The arguments every runner shares: ``seeds >= 1``, a known backend, dask's scheduler."""
    if int(seeds) < 1:
        raise ValueError(f"seeds={seeds}; need at least 1 (seeds 0 .. seeds-1 are run)")
    if backend not in ("loky", "dask"):
        raise ValueError(f"backend={backend!r}; use 'loky' or 'dask'")
    if backend == "dask" and not scheduler:
        raise ValueError("backend='dask' needs scheduler='tcp://HOST:PORT' of a running cluster")


def split_overrides(params: Mapping | None, methods: Iterable[str]) -> tuple[dict, dict]:
    """``--set`` overrides split by the CLI convention ``METHOD__PARAM=VALUE``.

    Returns ``(general, by_method)``: keys without a method prefix, and per method the keys
    that start with ``METHOD__`` (the longest matching method name wins, so
    ``tsreprog-random__lr`` is not ``tsreprog``'s). Stage parameters such as
    ``placement__n_repeats`` stay general, since no method is called ``placement``.
    """
    names = sorted(methods, key=len, reverse=True)
    general: dict = {}
    by_method: dict = {}
    for key, value in (params or {}).items():
        method = next((m for m in names if str(key).startswith(m + "__")), None)
        if method is None:
            general[key] = value
        else:
            by_method.setdefault(method, {})[str(key)[len(method) + 2 :]] = value
    return general, by_method


def as_list(value: Iterable[str] | str | None) -> list[str]:
    """``"a, b"`` or ``["a", " b"]`` -> ``["a", "b"]``; ``None`` -> ``[]``."""
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(",")
    return [v.strip() for v in value if v and v.strip()]


def blank_record(dataset: str, method: str, seed: int, **fields) -> dict:
    """A record with every :data:`~tsreprog.results.COLUMNS` key (NaN, text ones empty)."""
    rec = dict.fromkeys(COLUMNS, np.nan)
    rec.update(dataset=dataset, method=method, seed=int(seed), status="", params="", error="")
    rec.update(estimator_params="", note="")
    rec.update(fields)
    return rec


def out_folder(out) -> Path | None:
    """``--out`` checked as a results folder (see :func:`tsreprog.results.check_out_folder`)."""
    from tsreprog.results import check_out_folder

    return None if out is None else check_out_folder(out)
