"""The placement contract and its registry.

A placement turns univariate series of any lengths into waves of the backbone's window. Each
entry is one file in this package that subclasses :class:`Placement` and is decorated with
:func:`register_placement`; the package imports every such file, so the estimator's parameter
constraints, the CLI and the parametrised tests see a new entry without further edits.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import ClassVar

import numpy as np
from sklearn.base import BaseEstimator

from tsreprog._entries import ClassRegistry

__all__ = [
    "Placement",
    "get_placement",
    "list_placements",
    "place_series",
    "register_placement",
    "resample_series",
]


class Placement(BaseEstimator):
    """Base class of the placements: ``place(series, window, sample_rate) -> (placed, occupied)``.

    A subclass declares its parameters in ``__init__`` (stored unchanged, scikit-learn style, so
    ``get_params``/``set_params``/``clone`` and ``ReprogramClassifier(placement__name=...)``
    work) and their constraints in ``_parameter_constraints``, and sets:

    ``name``
        The registry name (``placement="name"``).
    ``linear``
        Whether ``place`` is linear in the series' values (``P x`` for a matrix ``P`` fixed by
        the length): gradient × input saliency through the placement needs it.

    It implements :meth:`_place_one`; returns ``True`` from :meth:`fills_window` when the
    placement leaves no sample of the window free for θ, and from :meth:`keeps_order` when a
    series and its time reverse reach the front end as different spectrograms.
    """

    name: ClassVar[str] = ""
    linear: ClassVar[bool] = True
    _parameter_constraints: ClassVar[dict] = {}

    def fills_window(self) -> bool:
        """Whether every sample of the window holds the series (then a θ mask is all zeros)."""
        return False

    def keeps_order(self) -> bool:
        """Whether the series' time order survives at the front end's frame resolution.

        A magnitude spectrogram cannot tell a periodic sound from its time reverse, nor a
        series shorter than one STFT frame from its reverse: placements that tile a series, or
        leave it inside a frame, lose the order of its events and keep its timbre.
        ``tests/test_placements.py`` checks every entry's claim on a 128-sample ramp.
        """
        return False

    def check(self, window: int, sample_rate: int) -> None:
        """Validate the parameters, also against the backbone's ``window`` and ``sample_rate``.

        Raises ``ValueError`` (scikit-learn's ``InvalidParameterError``) naming the parameter.
        """
        self._validate_params()

    def _place_one(
        self, x: np.ndarray, window: int, sample_rate: int
    ) -> tuple[np.ndarray, np.ndarray, bool]:
        """One series (float64) -> ``(wave, occupied, shrunk)``: ``window`` samples each, and
        whether the series had to be shrunk to fit (the caller warns once)."""
        raise NotImplementedError

    def place(
        self, series: Sequence[np.ndarray], window: int, sample_rate: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Place series into a window.

        Parameters
        ----------
        series : sequence of 1-D arrays
            Series of any lengths (each placed on its own).
        window : int
            Samples of the model's input window.
        sample_rate : int
            The backbone's sample rate in Hz.

        Returns
        -------
        placed : ndarray of shape (n_series, window), float32
        occupied : ndarray of shape (n_series, window), bool
            Where the series sits (``M = ~occupied`` in Voice2Series' notation).
        """
        self.check(window, sample_rate)
        n = len(series)
        placed = np.zeros((n, window), dtype=np.float32)
        occupied = np.zeros((n, window), dtype=bool)
        shrunk = 0
        for i, x in enumerate(series):
            wave, occ, was_shrunk = self._place_one(
                np.asarray(x, dtype=np.float64), window, sample_rate
            )
            placed[i], occupied[i] = wave, occ
            shrunk += was_shrunk
        if shrunk:
            warnings.warn(
                f"{shrunk} series are longer than the {window}-sample window and were resampled "
                "down to fit (never truncated); give the placement a length to choose it",
                stacklevel=2,
            )
        return placed, occupied


_REGISTRY = ClassRegistry("placement", Placement)


def register_placement(cls: type[Placement]) -> type[Placement]:
    """Class decorator: make ``cls`` available as ``placement=cls.name``."""
    return _REGISTRY.register(cls)


def list_placements() -> list[str]:
    """Names of the registered placements."""
    return _REGISTRY.names()


def get_placement(spec: str | Placement) -> Placement:
    """A placement from its registry name (default parameters) or a configured instance."""
    return _REGISTRY.get(spec)


def place_series(
    series: Sequence[np.ndarray], window: int, placement: str | Placement = "pad", sample_rate=16000
) -> tuple[np.ndarray, np.ndarray]:
    """``get_placement(placement).place(series, window, sample_rate)``."""
    return get_placement(placement).place(series, window, sample_rate)


def resample_series(x: np.ndarray, length: int, method: str = "linear") -> np.ndarray:
    """Resample a 1-D series to ``length`` samples.

    ``method="linear"`` interpolates between samples (endpoints kept); ``"fft"`` uses
    :func:`scipy.signal.resample` (band-limited, assumes a periodic series).
    """
    from scipy import signal

    x = np.asarray(x, dtype=np.float64)
    if len(x) == length:
        return x.copy()
    if method == "linear":
        if len(x) == 1:
            return np.full(length, x[0])
        return np.interp(np.linspace(0, len(x) - 1, length), np.arange(len(x)), x)
    if method == "fft":
        return signal.resample(x, length)
    raise ValueError(f"resample method must be 'linear' or 'fft', got {method!r}")
