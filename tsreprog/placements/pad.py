"""``pad``: the series at offset 0, zeros after it (Voice2Series' default, ``seg=1``)."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from tsreprog.placements._base import Placement, register_placement, resample_series


@register_placement
class Pad(Placement):
    """The series at the start of the window, zeros after it.

    Keeps the series' samples as they are; a series shorter than an STFT frame (1,024 samples
    for the AttRNN) sits inside one frame, so its time order is lost there, and most of the
    window is silence.

    Parameters
    ----------
    length : int or None, default=None
        Resample every series to this many samples first; ``None`` keeps its length (a series
        longer than the window is resampled down to the window, with a warning; never cut).
    method : {"linear", "fft"}, default="linear"
        How series are resampled (see :func:`~tsreprog.placements.resample_series`).
    """

    name = "pad"
    linear = True
    _parameter_constraints = {
        "length": [Interval(Integral, 1, None, closed="left"), None],
        "method": [StrOptions({"linear", "fft"})],
    }

    def __init__(self, length: int | None = None, method: str = "linear") -> None:
        self.length = length
        self.method = method

    def check(self, window: int, sample_rate: int) -> None:
        super().check(window, sample_rate)
        if self.length is not None and self.length > window:
            raise ValueError(
                f"{self.name}: length={self.length} is longer than the backbone's window "
                f"({window} samples); use length <= {window}"
            )

    def _fit_length(self, x: np.ndarray, window: int) -> tuple[np.ndarray, bool]:
        """The series at the length it is placed with, and whether it was shrunk to fit."""
        length = self.length
        if length is None and len(x) > window:
            return resample_series(x, window, self.method), True
        return (x if length is None else resample_series(x, length, self.method)), False

    def _offsets(self, length: int, window: int) -> list[int]:
        return [0]

    def _place_one(self, x, window, sample_rate):
        x, shrunk = self._fit_length(x, window)
        wave = np.zeros(window)
        occ = np.zeros(window, dtype=bool)
        for off in self._offsets(len(x), window):
            wave[off : off + len(x)] += x
            occ[off : off + len(x)] = True
        return wave, occ, shrunk
