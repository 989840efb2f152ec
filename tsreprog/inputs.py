"""Input handling of ``ReprogramClassifier``: series collections, scaling, placement, device.

Shapes: a collection of ``n`` univariate series (2-D or 3-D arrays, nested DataFrames, lists of
1-D arrays of different lengths) becomes a list of 1-D float arrays; placed series are
``(n, window)`` float32 tensors with their ``(n or 1, window)`` occupancy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from sklearn.utils.validation import validate_data

__all__ = [
    "as_ragged",
    "check_series",
    "mean_std",
    "place",
    "resolve_device",
    "scale",
    "validate_series",
]

_F32_MAX = float(np.finfo(np.float32).max)


def resolve_device(device: str) -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} but CUDA is not available on this machine; use "
            "set_params(device='cpu') or device='auto'"
        )
    return dev


def mean_std(values: np.ndarray) -> tuple[float, float]:
    """Mean and population std in float64, safe for values near float64's limits; std 0 -> 1."""
    peak = float(np.max(np.abs(values))) if values.size else 0.0
    if peak == 0.0:
        return 0.0, 1.0
    v = values / peak  # squares of values near 1e308 would overflow
    std = float(v.std()) * peak
    return float(v.mean()) * peak, std if std > 0 else 1.0


def _is_nested_frame(X) -> bool:
    return (
        isinstance(X, pd.DataFrame)
        and X.shape[1] > 0
        and X.dtypes.eq(object).all()
        and X.shape[0] > 0
        and isinstance(X.iloc[0, 0], (pd.Series, np.ndarray, list))
    )


def as_ragged(X) -> list[np.ndarray] | None:
    """Return a list of 1-D float arrays when X is a ragged collection, else None."""
    if _is_nested_frame(X):
        if X.shape[1] != 1:
            raise ValueError(
                f"X has {X.shape[1]} channels (columns of the nested frame); ReprogramClassifier "
                "takes univariate series: pass one column"
            )
        return [np.asarray(v, dtype=np.float64).ravel() for v in X.iloc[:, 0]]
    if isinstance(X, (list, tuple)) or (isinstance(X, np.ndarray) and X.dtype == object):
        items = list(X)
        if not items or not all(hasattr(v, "__len__") for v in items):
            return None
        arrs = []
        for v in items:
            a = np.asarray(v)
            if a.dtype == object or a.ndim == 0:
                return None  # let sklearn's validation raise its usual error
            if a.ndim == 2 and a.shape[0] == 1:
                a = a[0]
            if a.ndim != 1:
                raise ValueError(
                    f"each series must be 1-D (or (1, length)); got an item of shape {a.shape}: "
                    "ReprogramClassifier takes univariate series"
                )
            arrs.append(a)
        if len({len(a) for a in arrs}) > 1:
            out = []
            for a in arrs:
                if not np.issubdtype(a.dtype, np.number) or np.iscomplexobj(a):
                    raise ValueError(f"series must hold real numbers, got dtype {a.dtype}")
                out.append(a.astype(np.float64))
            return out
    return None


def check_series(series: list[np.ndarray]) -> None:
    if len(series) == 0:
        raise ValueError("X holds no series; need at least one (n_series >= 1)")
    for i, s in enumerate(series):
        if len(s) == 0:
            raise ValueError(f"series {i} is empty; every series needs at least one value")
        if not np.isfinite(s).all():
            raise ValueError(
                f"series {i} contains NaN or infinity; ReprogramClassifier needs finite values. "
                "For NaN-padded variable-length data, strip the padding and pass a list of 1-D "
                "arrays (tsreprog.data.ucr does this)."
            )


def validate_series(estimator, X, reset: bool) -> tuple[np.ndarray | None, list[np.ndarray]]:
    """``(2-D float array or None, list of 1-D series)``, with scikit-learn's feature checks.

    ``reset=True`` (fit) records ``n_features_in_`` for equal-length data and forgets it for
    ragged data; ``reset=False`` (predict) checks against it.
    """
    ragged = as_ragged(X)
    if ragged is not None:
        check_series(ragged)
        if reset:  # a refit on ragged data must not keep the previous fit's shape
            for attr in ("n_features_in_", "feature_names_in_"):
                estimator.__dict__.pop(attr, None)
        return None, ragged
    if isinstance(X, np.ndarray) and X.ndim == 3:
        if X.shape[1] != 1:
            raise ValueError(
                f"X has {X.shape[1]} channels (shape {X.shape}); ReprogramClassifier takes "
                "univariate series (n_series, length) or (n_series, 1, length)"
            )
        X = X[:, 0, :]
    Xa = validate_data(estimator, X, reset=reset, dtype=[np.float64, np.float32], copy=False)
    return Xa, list(Xa)


def scale(series: list[np.ndarray], scaling: str | None, mean: float, std: float) -> list:
    """The series as the placement receives them: ``"dataset"`` ``(x - mean) / std``,
    ``"series"`` each standardised on its own, ``None`` unchanged."""
    if scaling == "series":
        out = []
        for s in series:
            m, sd = mean_std(s)
            out.append((s - m) / sd)
        return out
    if scaling == "dataset":
        return [(s - mean) / std for s in series]
    return series


def place(
    series: list[np.ndarray], placement, window: int, sample_rate: int, scaling=None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Place (already scaled) series: ``(n, window)`` float32 waves and their occupancy.

    The occupancy is one row when it is the same for every series. ``scaling`` only names
    the scaling in the error for values beyond float32's range.
    """
    peak = max(float(np.max(np.abs(s))) for s in series)
    if peak > _F32_MAX:
        raise ValueError(
            f"X holds values up to {peak:.3g} (after scaling={scaling!r}), beyond the "
            f"float32 range ({_F32_MAX:.3g}) the model computes in; rescale the data, or "
            "use scaling='dataset' and predict on data in the units of the training data"
        )
    placed, occupied = placement.place(series, window, sample_rate)
    occ = torch.from_numpy(occupied)
    if len(occ) and bool((occ == occ[:1]).all()):
        occ = occ[:1]
    return torch.from_numpy(placed), occ
